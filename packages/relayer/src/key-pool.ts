/**
 * The relayer's signing keys: N full-access keys of its account (a Delegate action needs a
 * full-access key: nearcore lets a function-call key sign only one FunctionCall), each with its own
 * nonce sequence, so N transactions are signed and sent at once without racing on a nonce.
 *
 * The keys are derived from the configured key and an instance name, so a restarted instance finds
 * its keys on the account, and two instances with different names never share a key. Missing
 * keys are added with the configured key at start. A key's transactions are sent in nonce order
 * (the next only after the node accepted the previous); a nonce error is recovered by re-reading
 * the key's nonce from the node and signing again with a fresh nonce, and a transaction whose
 * block hash became too old while it waited (nearcore `transaction_validity_period`: 100 blocks on
 * the local node) is signed again with a fresh block hash; the refused transaction never ran, so
 * signing its actions again cannot run them twice. Nothing is resent because an answer was slow.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import {
  Account,
  KeyPair,
  KeyPairSigner,
  actions,
  createTransaction,
  type Action,
  type JsonRpcProvider,
  type KeyPairString,
  type SignedTransaction,
} from 'near-api-js';
import { InvalidNonceError, TransactionExpiredError } from 'near-api-js/rpc-errors';

export interface PoolKey {
  readonly publicKey: string;
  readonly keyPair: KeyPair;
  readonly signer: KeyPairSigner;
  /** The last nonce this key signed (undefined until read from the node). */
  nonce: bigint | undefined;
  /** Transactions signed with this key and not yet accepted by the node. */
  queued: number;
  /** The end of this key's send chain. */
  tail: Promise<unknown>;
}

export interface SignedForPool {
  hash: string;
  /** Height of the block whose hash the transaction names (undefined for one signed before a restart). */
  blockHeight?: number;
  signedTransaction: SignedTransaction;
  key: PoolKey;
}

/** The i-th key of `instance`, derived from the configured key's secret (ed25519 seed = sha256 of it, the instance and i). */
export function derivePoolKey(mainKey: KeyPairString, instance: string, index: number): KeyPair {
  const seed = sha256(new TextEncoder().encode(`near-relayer key pool\n${mainKey}\n${instance}\n${index}`));
  const secret = new Uint8Array(64);
  secret.set(seed);
  secret.set(ed25519.getPublicKey(seed), 32);
  return KeyPair.fromString(`ed25519:${base58.encode(secret)}`);
}

export interface KeyPool {
  readonly keys: readonly PoolKey[];
  /** Signs `actions` to `receiverId` with the least busy key and its next nonce. */
  sign(receiverId: string, actionList: Action[]): Promise<SignedForPool>;
  /**
   * Sends after every earlier transaction of the same key. On a nonce error, re-reads the key's
   * nonce and signs the same actions again: the answer names the transaction that was accepted.
   */
  send(signed: SignedForPool, receiverId: string, actionList: Action[], onResign?: (resigned: SignedForPool) => Promise<void>): Promise<SignedForPool>;
  /** Gives back a signed transaction that will not be sent (its nonce is skipped, which NEAR allows). */
  abandon(signed: SignedForPool): void;
  /** A transaction signed before a restart, queued on its key again; throws if no pool key signed it. */
  resume(signedTransaction: SignedTransaction): SignedForPool;
  /** Every key's last nonce signed here minus its nonce on chain (transactions not yet landed). */
  nonceLag(): Promise<Record<string, number>>;
}

const BLOCK_HASH_MAX_AGE_MS = 250;
/** nearcore's default `transaction_validity_period` (mainnet, testnet), used when the node does not say. */
const DEFAULT_VALIDITY_BLOCKS = 86_400;

export async function openKeyPool(options: { provider: JsonRpcProvider; accountId: string; mainKey: KeyPairString; size: number; instance: string }): Promise<KeyPool> {
  const { provider, accountId } = options;
  if (!Number.isInteger(options.size) || options.size < 1 || options.size > 64) throw new Error(`relayer key pool: size must be an integer from 1 to 64, got ${options.size}`);
  const pairs = Array.from({ length: options.size }, (_, i) => derivePoolKey(options.mainKey, options.instance, i));
  const onChain = new Set((await provider.viewAccessKeyList({ accountId, finalityQuery: { finality: 'optimistic' } })).keys.map((k) => k.public_key));
  const missing = pairs.filter((pair) => !onChain.has(pair.getPublicKey().toString()));
  if (missing.length > 0) {
    const owner = new Account(accountId, provider, options.mainKey);
    // Several instances may start at once with the same configured key: retry its nonce races.
    for (let attempt = 1; ; attempt++) {
      try {
        await owner.signAndSendTransaction({ receiverId: accountId, actions: missing.map((pair) => actions.addFullAccessKey(pair.getPublicKey())) });
        break;
      } catch (error) {
        if (attempt >= 5 || !(error instanceof InvalidNonceError || /nonce|already exists/i.test((error as Error).message))) throw error;
        const now = new Set((await provider.viewAccessKeyList({ accountId, finalityQuery: { finality: 'optimistic' } })).keys.map((k) => k.public_key));
        if (missing.every((pair) => now.has(pair.getPublicKey().toString()))) break;
      }
    }
  }
  const keys: PoolKey[] = pairs.map((pair) => ({ publicKey: pair.getPublicKey().toString(), keyPair: pair, signer: new KeyPairSigner(pair), nonce: undefined, queued: 0, tail: Promise.resolve() }));

  // A transaction names a recent block and is valid for `transaction_validity_period` blocks after
  // it (genesis config; 100 on the local node, where every transaction makes blocks): one that
  // waited in its key's queue for half of that is signed again with a newer block before it is sent.
  const genesis = (await (provider.sendJsonRpc as (method: string, params: object) => Promise<unknown>).call(provider, 'EXPERIMENTAL_genesis_config', {}).catch(() => ({}))) as { transaction_validity_period?: number };
  const validityBlocks = genesis.transaction_validity_period ?? DEFAULT_VALIDITY_BLOCKS;
  let latest: { hash: Uint8Array; height: number; at: number } | undefined;
  let loading: Promise<NonNullable<typeof latest>> | undefined;
  const recentBlock = async (fresh = false): Promise<NonNullable<typeof latest>> => {
    if (latest && !fresh && Date.now() - latest.at < BLOCK_HASH_MAX_AGE_MS) return latest;
    loading ??= provider
      .viewBlock({ finality: 'final' })
      .then((block) => (latest = { hash: base58.decode(block.header.hash), height: block.header.height, at: Date.now() }))
      .finally(() => (loading = undefined));
    return loading;
  };
  const chainNonce = async (key: PoolKey) => BigInt((await provider.viewAccessKey({ accountId, publicKey: key.publicKey, finalityQuery: { finality: 'optimistic' } })).nonce);

  async function signWith(key: PoolKey, receiverId: string, actionList: Action[], freshBlock = false): Promise<SignedForPool> {
    const [block, known] = await Promise.all([recentBlock(freshBlock), key.nonce === undefined ? chainNonce(key) : Promise.resolve(key.nonce)]);
    // Another signing may have read the nonce meanwhile: take the larger, then the next.
    key.nonce = (key.nonce === undefined || known > key.nonce ? known : key.nonce) + 1n;
    const transaction = createTransaction(accountId, key.keyPair.getPublicKey(), receiverId, key.nonce, actionList, block.hash);
    const { signedTransaction, txHash } = await key.signer.signTransaction(transaction);
    return { hash: base58.encode(txHash), blockHeight: block.height, signedTransaction, key };
  }

  return {
    keys,
    async sign(receiverId, actionList) {
      const key = keys.reduce((best, k) => (k.queued < best.queued ? k : best));
      key.queued++;
      try {
        return await signWith(key, receiverId, actionList);
      } catch (error) {
        key.queued--;
        throw error;
      }
    },
    abandon(signed) {
      signed.key.queued--;
    },
    resume(signedTransaction) {
      const publicKey = signedTransaction.transaction.publicKey.toString();
      const key = keys.find((k) => k.publicKey === publicKey);
      if (!key) throw new Error(`the transaction was signed with ${publicKey}, which is not a key of this instance's pool`);
      key.queued++;
      return { hash: base58.encode(sha256(signedTransaction.transaction.encode())), signedTransaction, key };
    },
    send(signed, receiverId, actionList, onResign) {
      const { key } = signed;
      const sent = key.tail.then(async () => {
        let current = signed;
        if (current.blockHeight !== undefined && (await recentBlock()).height - current.blockHeight > validityBlocks / 2) {
          current = await signWith(key, receiverId, actionList);
          await onResign?.(current);
        }
        for (let attempt = 1; ; attempt++) {
          try {
            await provider.sendTransactionUntil(current.signedTransaction, 'NONE');
            return current;
          } catch (error) {
            if (attempt >= 5 || !(error instanceof InvalidNonceError || error instanceof TransactionExpiredError)) throw error;
            if (error instanceof InvalidNonceError) {
              // The node has a later nonce for this key (another process used it, or a restart):
              // read it, and sign the same actions again with the next one.
              const onChainNonce = await chainNonce(key);
              if (key.nonce === undefined || key.nonce < onChainNonce) key.nonce = onChainNonce;
            }
            current = await signWith(key, receiverId, actionList, error instanceof TransactionExpiredError);
            // Recorded before it is sent: after a crash, the transaction to look for is this one.
            await onResign?.(current);
          }
        }
      });
      key.tail = sent.catch(() => undefined).finally(() => key.queued--);
      return sent;
    },
    async nonceLag() {
      const lag: Record<string, number> = {};
      for (const key of keys) lag[key.publicKey] = key.nonce === undefined ? 0 : Number(key.nonce - (await chainNonce(key)));
      return lag;
    },
  };
}

/**
 * The relayer's signing keys: N full-access keys of its account (a Delegate action needs a
 * full-access key: nearcore lets a function-call key sign only one FunctionCall), each with its own
 * nonce sequence, so N transactions are signed and sent at once without racing on a nonce.
 *
 * The keys are derived from the configured key and an instance name, so a restarted instance finds
 * its keys on the account, and two instances with different names never share a key. Missing
 * keys are added with the configured key at start.
 *
 * Signing waits on nothing: a key's nonce is read from the node once and then counted here, and
 * the block hash a transaction names is read in the background (read-cache.ts). A key's
 * transactions are sent in strict nonce order, each once the previous `depth` (default 1) are in a
 * block (`send_tx` with `wait_until: INCLUDED`): behind a load balancer each send may reach a
 * different RPC node, and a later nonce that reaches a chunk producer first makes the earlier one
 * InvalidNonce (NEAR docs, "Building a Meta Transaction Relayer", High volume parallel processing;
 * a node's own pool orders a key's transactions by nonce: nomicon, Transactions). So a key relays
 * one delegate per block and N keys relay N: the pool's size is the relayer's throughput. A
 * sender's transactions in flight all go through one key, so they reach the chain in the order
 * they were accepted. A transaction whose block hash became too old while it waited (nearcore
 * `transaction_validity_period`: 100 blocks on the local node) is signed again, with the same nonce,
 * before it is sent. Nothing is resent because an answer was slow: a send with no answer (a timeout,
 * a dropped connection) counts as sent, and its outcome is followed.
 *
 * Signing a delegate's actions again (submitted once): the relayer pays for every transaction that
 * lands, and a second one carrying the same delegate fails on the sender's delegate nonce but still
 * burns the relayer's gas. So a refused transaction is signed again only when no earlier transaction
 * of its delegate can still land:
 * - A clean refusal (the first answer to the only copy ever sent) of InvalidNonce or Expired: the node
 *   took nothing, so the actions are signed again at once, InvalidNonce after re-reading the key's
 *   nonce from the node (its next one), Expired with the same nonce and a newer block.
 * - A refusal after an ambiguous send (node-rpc posted the same bytes again after HTTP 408/500/503 or
 *   a connection closed under the request, or the transaction is one resumed after a restart): an
 *   earlier copy may be in a pool or on chain. The node is first asked for that hash (`tx` at
 *   `wait_until: NONE`, nearcore chain/jsonrpc): known (included or executed) means it is followed, and
 *   nothing new is signed. Unknown, it may still be in a pool (nearcore answers UNKNOWN_TRANSACTION for a
 *   pooled transaction), so it is signed again only once it can never be included: the key's nonce on
 *   chain, read before that answer, is already at or above its nonce (an access key's nonce is the
 *   highest nonce of a transaction included with it: another one took it), or the key is gone, or the
 *   node refused it as Expired and the final block, read before that answer, is more than the
 *   validity period past its block (nearcore's check_transaction_validity_period also answers Expired
 *   for a block the node does not know or that is not an ancestor of its head: a lagging node behind a
 *   load balancer says Expired of a transaction that may still land). Otherwise (asked three times,
 *   1 s apart) its outcome is followed as for a send with no answer. Any other refusal after an
 *   ambiguous send is the job's refusal only when the hash is unknown and its nonce taken; otherwise
 *   it is followed too.
 * - Unknown is not "never landed": nearcore garbage-collects transactions a few epochs old, and then
 *   answers UNKNOWN_TRANSACTION for one that landed. So before a delegate is signed again the sender's
 *   key is read: its nonce at or above the delegate's (or the key gone) means the delegate can never
 *   run again, whichever transaction used it: nothing is signed, and the job ends with
 *   DelegateNonceUsedError (its outcome cannot be retrieved).
 * Each hash replaced is thus refused cleanly or proved unincludable first, so only the job's last
 * hash can still land, and it is the one recorded (`onResign`) and followed.
 */
import { createHash, createPrivateKey, sign as signEd25519, type KeyObject } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { serialize, type Schema } from 'borsh';
import { Account, KeyPair, KeyType, SCHEMA, Signature, SignedTransaction, Signer, actions, createTransaction, type Action, type JsonRpcProvider, type KeyPairString, type PublicKey, type Transaction } from 'near-api-js';
import { InvalidNonceError, InvalidTransactionError, TransactionExecutionError, TransactionExpiredError } from 'near-api-js/rpc-errors';
import { BlockRate, ReadCache, type Read } from './read-cache.js';
import { decodeSignedDelegate, signedDelegateOf } from './delegate.js';
import { answeredAfterResend, nonceOrGone, type NodeRpc, type SendTxAnswer } from './node-rpc.js';

/** A final block read to sign with, and when its answer arrived. */
interface FinalBlock {
  hash: Uint8Array;
  height: number;
  answeredAt: number;
}

/**
 * Actions a pool key signs, with their borsh as a transaction's action list (a u32 count, then each
 * action) when it is already known (delegate.ts `delegateActions`): signing then encodes only the
 * transaction's other fields.
 */
export interface TransactionActions {
  list: Action[];
  borsh?: Uint8Array;
}

/** A transaction's fields before its actions, in near-api-js' schema: borsh encodes a struct's fields in order, and `actions` is the last. */
const TRANSACTION_FIELDS = (SCHEMA.Transaction as { struct: Record<string, Schema> }).struct;
if (Object.keys(TRANSACTION_FIELDS).at(-1) !== 'actions') throw new Error("relayer key pool: near-api-js' Transaction schema no longer ends with its actions");
const TRANSACTION_HEADER: Schema = { struct: Object.fromEntries(Object.entries(TRANSACTION_FIELDS).filter(([field]) => field !== 'actions')) };

/** PKCS #8 DER header of a raw 32-byte Ed25519 seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * near-api-js' Signer with Node's OpenSSL Ed25519 (RFC 8032, the same signatures): about 20× less
 * CPU than a JavaScript signature, and every relayed delegate pays one.
 */
export class OpenSslSigner extends Signer {
  readonly #privateKey: KeyObject;
  constructor(private readonly keyPair: KeyPair) {
    super();
    const secret = base58.decode(keyPair.toString().slice('ed25519:'.length));
    this.#privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, secret.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  }
  async getPublicKey(): Promise<PublicKey> {
    return this.keyPair.getPublicKey();
  }
  async signBytes(bytes: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(signEd25519(null, bytes, this.#privateKey));
  }
  async signNep413Message(): Promise<never> {
    throw new Error('the relayer signs transactions only');
  }
  /**
   * What near-api-js' `signTransaction` and `SignedTransaction.encode` give (the same bytes, hash and
   * signature), with the transaction encoded once instead of twice (borsh of a SignedTransaction is the
   * transaction's followed by the signature's), without borsh-js re-checking near-api-js' own schema
   * and objects on every call, and sha256 through OpenSSL: every relayed delegate is signed at least
   * once, and the encoding cost more than the signature. Synchronous: nothing in it waits.
   */
  signNow(transaction: Transaction, actionsBorsh?: Uint8Array): { hash: Uint8Array; signedTransaction: SignedTransaction; bytes: Buffer } {
    const unsigned = actionsBorsh ? Buffer.concat([serialize(TRANSACTION_HEADER, transaction, false), actionsBorsh]) : serialize(SCHEMA.Transaction, transaction, false);
    const hash = createHash('sha256').update(unsigned).digest();
    const signature = new Signature({ keyType: KeyType.ED25519, data: new Uint8Array(signEd25519(null, hash, this.#privateKey)) });
    return { hash, signedTransaction: new SignedTransaction({ transaction, signature }), bytes: Buffer.concat([unsigned, serialize(SCHEMA.Signature, signature, false)]) };
  }
}

export interface PoolKey {
  readonly publicKey: string;
  readonly keyPair: KeyPair;
  readonly signer: OpenSslSigner;
  /** The last nonce this key signed (undefined until read from the node). */
  nonce: bigint | undefined;
  /** Transactions signed with this key and not yet answered by the node. */
  queued: number;
  /** Per sender: its transactions signed with this key and not yet answered (they stay on this key). */
  readonly senders: Map<string, number>;
}

export interface SignedForPool {
  hash: string;
  /** Height of the block whose hash the transaction names (undefined for one signed before a restart). */
  blockHeight?: number;
  signedTransaction: SignedTransaction;
  /** Its borsh encoding in base64, as sent (encoded once). */
  base64: string;
  key: PoolKey;
  /** The sender whose delegate it carries. */
  senderId: string;
  /** A copy may already be with the node (resumed after a restart): a refusal is checked against its hash before anything is signed again. */
  sentBefore?: boolean;
}

const nonceOf = (signedTransaction: SignedTransaction) => BigInt(signedTransaction.transaction.nonce);

/** An on-chain nonce (null: the key is gone) at or above `nonce`: no transaction or delegate with `nonce` can use that key any more. */
const nonceTaken = (onChain: bigint | null | undefined, nonce: bigint) => onChain === null || (onChain !== undefined && onChain >= nonce);

/** The delegate a relayer transaction carries (its one action) and its sender key's nonce on chain (null: the key is gone). */
export interface DelegateUse {
  senderId: string;
  publicKey: string;
  nonce: bigint;
  onChain: bigint | null;
}

/**
 * The delegate `signedTransaction` carries, when its nonce is used on chain or its key is gone: it can
 * never run again, whichever transaction used it. Undefined when it can still run, or the transaction
 * carries no delegate; rejects when the node could not say.
 */
async function delegateNonceUsed(rpc: NodeRpc, signedTransaction: SignedTransaction): Promise<DelegateUse | undefined> {
  let use: Omit<DelegateUse, 'onChain'>;
  try {
    const { senderId, publicKey, nonce } = decodeSignedDelegate(signedDelegateOf(signedTransaction));
    use = { senderId, publicKey, nonce };
  } catch {
    return undefined;
  }
  const onChain = await nonceOrGone(rpc, use.senderId, use.publicKey);
  return nonceTaken(onChain, use.nonce) ? { ...use, onChain } : undefined;
}

/** What one look at an earlier copy found (module comment, "submitted once"). */
export type EarlierCopy = { copy: 'known' | 'unincludable' | 'undecided' } | { copy: 'delegate_used'; use: DelegateUse };

/**
 * One look at an earlier copy of `sent` (signed by `accountId`'s key): `known` by its hash (included or
 * executed: follow it), `unincludable` (not known, and it can never be included: signing again is safe),
 * `delegate_used` (not known, and its delegate's nonce is used on chain: it may have landed and been
 * forgotten, and signing again cannot help), else `undecided`. The key's nonce (and `pastValidity`, when
 * given) is read before the status: a nonce at or above the transaction's (or the key gone) before the
 * node says it does not know the hash was taken by another transaction (or can never be used), and a
 * final block past its validity period then means no chunk can include it any more.
 */
export async function lookForEarlierCopy(rpc: NodeRpc, accountId: string, sent: { hash: string; signedTransaction: SignedTransaction }, pastValidity?: () => Promise<boolean>): Promise<EarlierCopy> {
  const [onChainNonce, expired] = await Promise.all([
    nonceOrGone(rpc, accountId, sent.signedTransaction.transaction.publicKey.toString()).catch(() => undefined),
    pastValidity?.().catch(() => false) ?? false,
  ]);
  const known = await rpc.txKnown(sent.hash, accountId).catch(() => undefined);
  if (known === true) return { copy: 'known' };
  if (known === false && (expired || nonceTaken(onChainNonce, nonceOf(sent.signedTransaction)))) {
    const use = await delegateNonceUsed(rpc, sent.signedTransaction).then(
      (used) => used ?? null,
      () => undefined,
    );
    if (use) return { copy: 'delegate_used', use };
    if (use === null) return { copy: 'unincludable' };
  }
  return { copy: 'undecided' };
}

/**
 * A job ended without a transaction to follow: its transaction is unknown to the node (never landed, or
 * garbage-collected since) and its delegate's nonce is used on chain, so signing it again could only
 * pay for a second transaction that fails (DelegateActionInvalidNonce), and the outcome of the one that
 * may have carried it cannot be retrieved.
 */
export class DelegateNonceUsedError extends Error {
  constructor(
    readonly transactionHash: string,
    readonly use: DelegateUse,
  ) {
    const key = use.onChain === null ? 'no longer exists' : `is at nonce ${use.onChain}`;
    super(
      `the delegate's nonce ${use.nonce} is used on chain (${use.senderId}'s key ${use.publicKey} ${key}) and the node does not know transaction ${transactionHash}, which carried it: it may have landed long ago (nodes forget old transactions), so nothing is signed again and its outcome cannot be retrieved; the reservation is kept as spent`,
    );
    this.name = 'DelegateNonceUsedError';
  }
}

/** The i-th key of `instance`, derived from the configured key's secret (ed25519 seed = sha256 of it, the instance and i). */
export function derivePoolKey(mainKey: KeyPairString, instance: string, index: number): KeyPair {
  const seed = sha256(new TextEncoder().encode(`near-relayer key pool\n${mainKey}\n${instance}\n${index}`));
  const secret = new Uint8Array(64);
  secret.set(seed);
  secret.set(ed25519.getPublicKey(seed), 32);
  return KeyPair.fromString(`ed25519:${base58.encode(secret)}`);
}

export interface SendOptions {
  /** Called with each re-signed transaction before it is sent (after a crash, it is the one to look for). */
  onResign?: (resigned: SignedForPool) => Promise<void>;
  /** Called just before the transaction is sent; throwing drops it unsent (its nonce is skipped, which NEAR allows). */
  beforeSend?: () => void;
}

export interface KeyPool {
  readonly keys: readonly PoolKey[];
  /** Unanswered transactions per key at most. */
  readonly depth: number;
  /** Signs `actions` to `senderId` with the key holding the sender's unanswered transactions, else the least busy one, and its next nonce. */
  sign(senderId: string, actionList: TransactionActions): Promise<SignedForPool>;
  /**
   * As `sign`, at once, from what the pool has kept: undefined (nothing signed) when it would have to
   * read from the node first (the key's nonce, or a block hash fresh enough). Starts no read either.
   */
  signKept(senderId: string, actionList: TransactionActions): SignedForPool | undefined;
  /** Starts the background read of a block hash that `sign` would have started, after a `signKept` whose transaction was accepted. */
  keepFresh(): void;
  /**
   * Sends in the key's nonce order and resolves once the transaction is in a block (or the node did
   * not answer: then it may have it); on a nonce or expiry refusal signs again, only when no earlier
   * copy can still land (module comment, "submitted once"). `sent` names the transaction to follow;
   * `outcome` is the node's answer when it already holds the transaction's whole outcome (a
   * transaction the node already ran, sent again).
   */
  send(signed: SignedForPool, actionList: TransactionActions, options?: SendOptions): Promise<{ sent: SignedForPool; outcome?: unknown }>;
  /** Gives back a signed transaction that will not be sent (its nonce is skipped, which NEAR allows). */
  abandon(signed: SignedForPool): void;
  /** A transaction signed before a restart, queued on its key again; throws if no pool key signed it. */
  resume(signedTransaction: SignedTransaction, base64: string, senderId: string): SignedForPool;
  /** Every key's last nonce signed here minus its nonce on chain (transactions not yet landed). */
  nonceLag(): Promise<Record<string, number>>;
}

/**
 * A block hash to sign with is read again in the background once the chain has made an eighth of the
 * validity period's blocks since the kept one (at the recent rate; every 100 ms to 1 s). Signing waits
 * for a new read only when the blocks made since the kept one used half of the validity period, or,
 * as a backstop for a rate misjudged, when it is older than the maximum: any block of the validity
 * period is as good to sign with, and a node busy making blocks answers reads late.
 */
const BLOCK_HASH_REFRESH_MS = { min: 100, max: 1_000 };
const BLOCK_HASH_MAX_AGE_MS = 30_000;
/** nearcore's default `transaction_validity_period` (mainnet, testnet), used when the node does not say. */
const DEFAULT_VALIDITY_BLOCKS = 86_400;
/** Times an earlier copy of a refused transaction is looked for before its outcome is left to be followed (key-pool module comment), and the wait between. */
const EARLIER_COPY_CHECKS = 3;
const EARLIER_COPY_INTERVAL_MS = 1_000;
/** Transactions of one key sent and not yet in a block: one, so a key's nonces reach the chain in order through any RPC node (README "Key pool"). */
export const DEFAULT_PIPELINE_DEPTH = 1;

/** The node refused the transaction itself (nonce, expiry, signature, balance, congestion…): it entered no pool and never runs. */
export const refusedByNode = (error: unknown): boolean => error instanceof TransactionExecutionError || error instanceof InvalidTransactionError;

/**
 * What the check of an earlier copy decided, after a refusal of a transaction that may have been sent before
 * (module comment, "submitted once"): `followed` (the node knows the hash: its outcome is followed),
 * `signed_again` (unknown and unincludable: the actions are signed again), `refused` (unknown and
 * unincludable, and the refusal is not one signing again cures: the job's refusal), `undecided` (neither
 * proved after EARLIER_COPY_CHECKS checks: its outcome is followed as for a send with no answer),
 * `delegate_used` (unknown, and its delegate's nonce used on chain: nothing is signed, the job ends with
 * DelegateNonceUsedError).
 */
export type ResendCheckResult = 'followed' | 'signed_again' | 'refused' | 'undecided' | 'delegate_used';
export interface ResendCheck {
  result: ResendCheckResult;
  /** The hash that was refused (the one followed, unless signed again or refused). */
  transactionHash: string;
  senderId: string;
  /** The node's refusal that led to the check (near-api-js' error name and message); `none: resumed, …` for a record resumed at start signed by a key no longer in the pool (relayer.ts resumeForeign). */
  refusal: string;
}

/** `final_execution_status` levels at which a send_tx answer carries the whole outcome. */
const EXECUTED_LEVELS = new Set(['EXECUTED_OPTIMISTIC', 'EXECUTED', 'FINAL']);

export async function openKeyPool(options: {
  provider: JsonRpcProvider;
  rpc: NodeRpc;
  accountId: string;
  mainKey: KeyPairString;
  size: number;
  instance: string;
  depth?: number;
  /** Told each time an earlier copy was checked for, and what was decided (operators' metrics and logs). */
  onResendCheck?: (check: ResendCheck) => void;
}): Promise<KeyPool> {
  const { provider, rpc, accountId } = options;
  const depth = options.depth ?? DEFAULT_PIPELINE_DEPTH;
  if (!Number.isInteger(options.size) || options.size < 1 || options.size > 64) throw new Error(`relayer key pool: size must be an integer from 1 to 64, got ${options.size}`);
  if (!Number.isInteger(depth) || depth < 1 || depth > 64) throw new Error(`relayer key pool: depth must be an integer from 1 to 64, got ${depth}`);
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
  const keys: PoolKey[] = pairs.map((pair) => ({ publicKey: pair.getPublicKey().toString(), keyPair: pair, signer: new OpenSslSigner(pair), nonce: undefined, queued: 0, senders: new Map() }));
  /** Per key: the highest nonce of a transaction resumed after a restart. */
  const resumedFloor = new Map<PoolKey, bigint>();
  // Per key: the nonces signed for a delegate still being accepted, the sends waiting for their turn,
  // the senders with one unanswered, and the highest nonce sent.
  const lanes = new Map(
    keys.map((key) => [key, { accepting: new Set<bigint>(), unanswered: 0, waiting: new Map<bigint, { senderId: string; start: () => void }>(), answering: new Set<string>(), highestSent: -1n }]),
  );

  // A transaction names a recent block and is valid for `transaction_validity_period` blocks after
  // it (genesis config; 100 on the local node, where every transaction makes blocks): one that
  // waited in its key's queue for three quarters of that is signed again with a newer block before it is sent.
  const genesis = (await (provider.sendJsonRpc as (method: string, params: object) => Promise<unknown>).call(provider, 'EXPERIMENTAL_genesis_config', {}).catch(() => ({}))) as { transaction_validity_period?: number };
  const validityBlocks = genesis.transaction_validity_period ?? DEFAULT_VALIDITY_BLOCKS;
  const blockRate = new BlockRate();
  const finalBlock: ReadCache<'final', FinalBlock> = new ReadCache(
    async () => {
      const block = await rpc.block('final');
      // The node answers with its height when it takes the read, which under load is hundreds of ms
      // after it was sent: the blocks since then, and the rate, are counted from the answer. Counted
      // from the send, every delegate that waited for its turn looked tens of blocks older than it
      // was, and most were signed again before they were sent (1,177 of 2,000 in bench:relayer's
      // on-demand row with 8 keys; the node refused 2 of 2,000 as expired when none was).
      const answeredAt = Date.now();
      blockRate.observe(block.header.height, answeredAt);
      return { hash: base58.decode(block.header.hash), height: block.header.height, answeredAt };
    },
    { refreshAfterMs: () => blockRate.msFor(validityBlocks / 8, BLOCK_HASH_REFRESH_MS.min, BLOCK_HASH_REFRESH_MS.max), maxAgeMs: BLOCK_HASH_MAX_AGE_MS },
  );
  /**
   * A final block to sign with. `recent`: the kept read unless blocks made since it (at the recent
   * rate) used half of the validity period: the transaction then has the other half to land, and one
   * that waits for its turn until less than a quarter is left is signed again, with the same nonce,
   * before it is sent. The local
   * node makes blocks per transaction (hundreds per second under load) and answers reads late: a
   * tighter margin had a request wait for a new read about once in a hundred. A number: one read at
   * that time or later.
   */
  const recentBlock = async (which: 'recent' | number) => {
    if (typeof which === 'number') return (await finalBlock.fresh('final', which)).value;
    const kept = await finalBlock.get('final');
    return blocksSince(kept) < validityBlocks / 2 ? kept.value : (await finalBlock.fresh('final', Date.now())).value;
  };
  /**
   * Blocks made since a kept read of the final block, at the recent rate, counted from its answer: the
   * block it reports is the node's as it answered (the one rule for a kept block's age: signing from
   * it, signing again before a send).
   */
  const blocksSince = (read: Read<FinalBlock>) => blockRate.since(read.value.answeredAt);
  /** The final block's height now, estimated from the last read. */
  const estimatedHeight = () => {
    const kept = finalBlock.peek('final');
    return kept === undefined ? undefined : kept.value.height + blocksSince(kept);
  };
  const chainNonce = async (key: PoolKey) => (await rpc.accessKey(accountId, key.publicKey)).nonce;
  /**
   * Whether no chunk can include `sent` any more because of its age: the final block (irreversible, so
   * every later chunk's previous block is at least as high) is more than the validity period past the
   * block it names (nearcore chain/chain/src/store/utils.rs check_transaction_validity_period). False
   * when the node cannot say (it does not know that block).
   */
  const pastValidityPeriod = async (sent: SignedForPool): Promise<boolean> => {
    const named = sent.blockHeight ?? rpc.block({ hash: base58.encode(Uint8Array.from(sent.signedTransaction.transaction.blockHash)) }).then((block) => block.header.height);
    const [final, height] = await Promise.all([rpc.block('final'), named]);
    return final.header.height > height + validityBlocks;
  };

  /**
   * Signs with `nonce`, or the key's next one, naming the block `which` (see recentBlock). `accepting`:
   * the new nonce is held in the key's lane until the transaction is queued or abandoned, so no later
   * nonce of the key is sent before it.
   */
  async function signWith(
    key: PoolKey,
    senderId: string,
    actionList: TransactionActions,
    { which, nonce, accepting = false }: { which: 'recent' | number; nonce?: bigint; accepting?: boolean },
  ): Promise<SignedForPool> {
    const [block, known] = await Promise.all([recentBlock(which), nonce !== undefined || key.nonce !== undefined ? undefined : chainNonce(key)]);
    return signWithBlock(key, senderId, actionList, block, { nonce, known, accepting });
  }

  /** signWith's signing once it has its block (and the key's nonce read from the node, `known`, if it had none): nothing waits. */
  function signWithBlock(
    key: PoolKey,
    senderId: string,
    actionList: TransactionActions,
    block: { hash: Uint8Array; height: number },
    { nonce, known, accepting }: { nonce?: bigint; known?: bigint; accepting: boolean },
  ): SignedForPool {
    if (nonce === undefined) {
      // Another signing may have read the nonce meanwhile: take the larger, then the next.
      let last = key.nonce ?? known!;
      if (known !== undefined && known > last) last = known;
      const floor = resumedFloor.get(key);
      if (floor !== undefined && floor > last) last = floor;
      key.nonce = last + 1n;
      nonce = key.nonce;
      if (accepting) lanes.get(key)!.accepting.add(nonce);
    }
    try {
      const transaction = createTransaction(accountId, key.keyPair.getPublicKey(), senderId, nonce, actionList.list, block.hash);
      const { hash, signedTransaction, bytes } = key.signer.signNow(transaction, actionList.borsh);
      return { hash: base58.encode(hash), blockHeight: block.height, signedTransaction, base64: bytes.toString('base64'), key, senderId };
    } catch (error) {
      // Never signed: its nonce is skipped and holds no later one back.
      if (lanes.get(key)!.accepting.delete(nonce)) pump(key);
      throw error;
    }
  }

  /**
   * An earlier copy of `sent` that the node may have, after a refusal of the last copy (lookForEarlierCopy;
   * after an Expired refusal the final block is read too), looked for EARLIER_COPY_CHECKS times before it
   * is left `undecided`.
   */
  async function earlierCopy(sent: SignedForPool, refusal: unknown): Promise<EarlierCopy> {
    const pastValidity = refusal instanceof TransactionExpiredError ? () => pastValidityPeriod(sent) : undefined;
    for (let check = 1; ; check++) {
      const found = await lookForEarlierCopy(rpc, accountId, sent, pastValidity);
      if (found.copy !== 'undecided' || check >= EARLIER_COPY_CHECKS) return found;
      await new Promise((resolve) => setTimeout(resolve, EARLIER_COPY_INTERVAL_MS));
    }
  }

  /** The key that carries the sender's unanswered transactions, else the least busy one. */
  const keyFor = (senderId: string) => keys.find((k) => k.senders.has(senderId)) ?? keys.reduce((best, k) => (k.queued < best.queued ? k : best));
  const hold = (key: PoolKey, senderId: string) => {
    key.queued++;
    key.senders.set(senderId, (key.senders.get(senderId) ?? 0) + 1);
  };
  const release = (key: PoolKey, senderId: string) => {
    key.queued--;
    const left = (key.senders.get(senderId) ?? 1) - 1;
    if (left > 0) key.senders.set(senderId, left);
    else key.senders.delete(senderId);
  };

  /**
   * Starts the key's waiting sends in nonce order, while fewer than `depth` are unanswered: the lowest
   * waiting nonce goes once no lower nonce is still being accepted (a refused one is abandoned, and
   * its nonce skipped, which NEAR allows) and its sender has no send unanswered. Strict order: a later
   * nonce sent first would make the earlier one InvalidNonce, to be signed again under a new hash.
   */
  function pump(key: PoolKey): void {
    const lane = lanes.get(key)!;
    while (lane.unanswered < depth && lane.waiting.size > 0) {
      let lowest = -1n;
      for (const nonce of lane.waiting.keys()) if (lowest < 0n || nonce < lowest) lowest = nonce;
      for (const nonce of lane.accepting) if (nonce < lowest) return;
      const next = lane.waiting.get(lowest)!;
      if (lane.answering.has(next.senderId)) return;
      lane.waiting.delete(lowest);
      lane.unanswered++;
      lane.answering.add(next.senderId);
      next.start();
    }
  }

  /** Resolves when the transaction's turn to be sent has come; call the answer once the node answered it. */
  function turn(signed: SignedForPool): Promise<() => void> {
    const { key, senderId } = signed;
    const lane = lanes.get(key)!;
    return new Promise((resolve) => {
      lane.accepting.delete(nonceOf(signed.signedTransaction));
      lane.waiting.set(nonceOf(signed.signedTransaction), {
        senderId,
        start: () =>
          resolve(() => {
            lane.unanswered--;
            lane.answering.delete(senderId);
            pump(key);
          }),
      });
      pump(key);
    });
  }

  return {
    keys,
    depth,
    async sign(senderId, actionList) {
      const key = keyFor(senderId);
      hold(key, senderId);
      try {
        return await signWith(key, senderId, actionList, { which: 'recent', accepting: true });
      } catch (error) {
        release(key, senderId);
        throw error;
      }
    },
    signKept(senderId, actionList) {
      const key = keyFor(senderId);
      const block = finalBlock.peek('final');
      if (key.nonce === undefined || block === undefined || Date.now() - block.at > BLOCK_HASH_MAX_AGE_MS || blocksSince(block) >= validityBlocks / 2) return undefined;
      hold(key, senderId);
      try {
        return signWithBlock(key, senderId, actionList, block.value, { accepting: true });
      } catch (error) {
        release(key, senderId);
        throw error;
      }
    },
    keepFresh() {
      void finalBlock.get('final').catch(() => undefined);
    },
    abandon(signed) {
      release(signed.key, signed.senderId);
      lanes.get(signed.key)!.accepting.delete(nonceOf(signed.signedTransaction));
      pump(signed.key);
    },
    resume(signedTransaction, base64, senderId) {
      const publicKey = signedTransaction.transaction.publicKey.toString();
      const key = keys.find((k) => k.publicKey === publicKey);
      if (!key) throw new Error(`the transaction was signed with ${publicKey}, which is not a key of this instance's pool`);
      hold(key, senderId);
      // Later signings go above it (and above the nonce on chain, read on first use).
      const nonce = nonceOf(signedTransaction);
      if ((resumedFloor.get(key) ?? -1n) < nonce) resumedFloor.set(key, nonce);
      if (key.nonce !== undefined && key.nonce < nonce) key.nonce = nonce;
      return { hash: base58.encode(sha256(signedTransaction.transaction.encode())), signedTransaction, base64, key, senderId, sentBefore: true };
    },
    async send(signed, actionList, { onResign, beforeSend } = {}) {
      const { key, senderId } = signed;
      const done = await turn(signed);
      try {
        let current = signed;
        /** A copy of `current` may be with the node (it was sent before a restart, or node-rpc sent it again). */
        let mayBeWithNode = signed.sentBefore === true;
        beforeSend?.();
        const lane = lanes.get(key)!;
        const height = estimatedHeight();
        if (mayBeWithNode) {
          // Sent as it is: the node answers its outcome, or a refusal checked against its hash below.
        } else if (nonceOf(current.signedTransaction) <= lane.highestSent) {
          // A later nonce went first (this one was not ready in its turn): never sent, so signed again with the next nonce.
          current = await signWith(key, senderId, actionList, { which: 'recent' });
          await onResign?.(current);
        } else if (current.blockHeight !== undefined && height !== undefined && height - current.blockHeight > (validityBlocks * 3) / 4) {
          // Never sent, and its block leaves it less than a quarter of the validity period to land: the same nonce, a newer block.
          current = await signWith(key, senderId, actionList, { which: 'recent', nonce: nonceOf(current.signedTransaction) });
          await onResign?.(current);
        }
        if (nonceOf(current.signedTransaction) > lane.highestSent) lane.highestSent = nonceOf(current.signedTransaction);
        for (let attempt = 1; ; attempt++) {
          let answer: SendTxAnswer;
          try {
            answer = await rpc.sendTx(current.base64, 'INCLUDED');
          } catch (error) {
            // No answer (a timeout, a routed request, a dropped connection): the node may have it. It
            // counts as sent; its outcome is followed, never guessed by sending anything again.
            if (!refusedByNode(error)) return { sent: current };
            if (answeredAfterResend(error)) mayBeWithNode = true;
            const signAgain = attempt < 5 && (error instanceof InvalidNonceError || error instanceof TransactionExpiredError);
            if (mayBeWithNode) {
              // A refusal of this copy says nothing of an earlier one (module comment, "submitted once").
              const earlier = await earlierCopy(current, error);
              const { copy } = earlier;
              const result = copy === 'known' ? 'followed' : copy === 'undecided' || copy === 'delegate_used' ? copy : signAgain ? 'signed_again' : 'refused';
              options.onResendCheck?.({ result, transactionHash: current.hash, senderId, refusal: `${(error as Error).name}: ${(error as Error).message}` });
              if (earlier.copy === 'delegate_used') throw new DelegateNonceUsedError(current.hash, earlier.use);
              if (copy !== 'unincludable') return { sent: current };
              mayBeWithNode = false;
            }
            if (!signAgain) throw error;
            if (error instanceof InvalidNonceError) {
              // The node has a later nonce for this key (another process used it, or a restart):
              // read it, and sign the same actions again with the next one.
              const onChainNonce = await chainNonce(key);
              if (key.nonce === undefined || key.nonce < onChainNonce) key.nonce = onChainNonce;
            }
            // Expired: the node refused it, so its nonce is still free while no later nonce of the key has
            // gone out (with `depth` > 1 one may have, and could land first and leave it behind): signed
            // again with its own nonce and a new block. A new nonce would sit above the key's transactions
            // waiting for their turn, and each of them would then be signed again too (a later nonce sent first).
            const keepNonce = error instanceof TransactionExpiredError && nonceOf(current.signedTransaction) === lane.highestSent;
            current = keepNonce
              ? await signWith(key, senderId, actionList, { which: Date.now(), nonce: nonceOf(current.signedTransaction) })
              : await signWith(key, senderId, actionList, { which: 'recent' });
            if (nonceOf(current.signedTransaction) > lane.highestSent) lane.highestSent = nonceOf(current.signedTransaction);
            // Recorded before it is sent: after a crash, the transaction to look for is this one.
            await onResign?.(current);
            continue;
          }
          const executed = EXECUTED_LEVELS.has(answer?.final_execution_status ?? '') && answer.receipts_outcome !== undefined;
          return { sent: current, outcome: executed ? answer : undefined };
        }
      } finally {
        release(key, senderId);
        done();
      }
    },
    async nonceLag() {
      const lag: Record<string, number> = {};
      for (const key of keys) lag[key.publicKey] = key.nonce === undefined ? 0 : Number(key.nonce - (await chainNonce(key)));
      return lag;
    },
  };
}

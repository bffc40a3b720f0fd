/**
 * Accounts for the scenario, created by the root account with near-api-js transactions, and the
 * gasless tasker: an account holding exactly its storage stake (nothing to pay gas with) whose
 * only keys are function-call keys, so every call it makes goes through the NEP-366 relayer.
 */
import { Account, KeyPair, actions, encodeSignedDelegate, type KeyPairString, type JsonRpcProvider, type PublicKey } from 'near-api-js';
import type { RelayerServer } from '../../packages/relayer/src/index.js';
import { relayDelegate, waitForRelayed, type RelayedCall } from '../../packages/relayer/src/client.js';

/** nearcore storage_amount_per_byte (core/parameters/res/runtime_configs/parameters.yaml): 10^19 yoctoNEAR. */
const BYTE_COST = 10n ** 19n;

const keys = new WeakMap<Account, KeyPairString>();

/** The full-access key of an account made by `createAccount` (for services that sign on their own: responder, relayer). */
export function keyOf(account: Account): KeyPairString {
  const key = keys.get(account);
  if (!key) throw new Error(`no key recorded for ${account.accountId}: create it with createAccount`);
  return key;
}

/** Creates `<name>.<root>` with a fresh full-access key and `balance`; returns it as a signing Account. */
export async function createAccount(root: Account, name: string, balance: bigint): Promise<Account> {
  const key = KeyPair.fromRandom('ed25519');
  const accountId = `${name}.${root.accountId}`;
  await root.signAndSendTransaction({
    receiverId: accountId,
    actions: [actions.createAccount(), actions.transfer(balance), actions.addFullAccessKey(key.getPublicKey())],
  });
  const account = new Account(accountId, root.provider, key.toString() as KeyPairString);
  keys.set(account, key.toString() as KeyPairString);
  return account;
}

/** Function-call keys of the gasless account: one per contract it may call, with its methods. */
export interface GaslessKeys {
  [contractId: string]: string[];
}

export interface GaslessAccount {
  accountId: string;
  /** One Account per contract, signing with that contract's function-call key. */
  signers: Map<string, Account>;
  stake: bigint;
}

/** A function-call key to add: its public key, the contract it may call and the methods. */
export interface FunctionCallKeySpec {
  publicKey: PublicKey;
  contractId: string;
  methods: string[];
}

/**
 * Creates `<name>.<root>` holding exactly its storage stake, with only the given function-call keys
 * (nothing to pay gas with: every call goes through a NEP-366 relayer). The stake is measured on a
 * probe account with an id of the same length and the same keys (nearcore charges per byte of
 * account and keys).
 */
export async function createStakeOnlyAccount(root: Account, name: string, keys: FunctionCallKeySpec[]): Promise<{ accountId: string; stake: bigint }> {
  const provider = root.provider as JsonRpcProvider;
  const create = (accountId: string, balance: bigint) =>
    root.signAndSendTransaction({
      receiverId: accountId,
      actions: [actions.createAccount(), actions.transfer(balance), ...keys.map((k) => actions.addFunctionCallAccessKey(k.publicKey, k.contractId, k.methods))],
    });
  const probeId = `${name.slice(0, -1)}${name.endsWith('x') ? 'y' : 'x'}.${root.accountId}`;
  await create(probeId, 10n ** 22n);
  const stake = BigInt((await provider.viewAccount({ accountId: probeId })).storage_usage) * BYTE_COST;
  const accountId = `${name}.${root.accountId}`;
  await create(accountId, stake);
  return { accountId, stake };
}

/** `createStakeOnlyAccount` with a fresh key per contract, kept as one signing Account per contract. */
export async function createGaslessAccount(root: Account, name: string, keys: GaslessKeys): Promise<GaslessAccount> {
  const pairs = Object.entries(keys).map(([contractId, methods]) => ({ contractId, methods, key: KeyPair.fromRandom('ed25519') }));
  const { accountId, stake } = await createStakeOnlyAccount(root, name, pairs.map((p) => ({ publicKey: p.key.getPublicKey(), contractId: p.contractId, methods: p.methods })));
  const signers = new Map(pairs.map((p) => [p.contractId, new Account(accountId, root.provider, p.key.toString() as KeyPairString)]));
  return { accountId, signers, stake };
}

/**
 * Signs a DelegateAction for one function call with the gasless account's key for `contractId` and
 * relays it (packages/relayer's client: pending asked again, outcome_unknown and still pending as their
 * own errors); the relayer pays the gas. A call that ran and failed throws with its Failure.
 */
export async function relayCall(
  relayer: RelayerServer,
  user: GaslessAccount,
  contractId: string,
  methodName: string,
  args: Record<string, unknown>,
  gas: bigint,
): Promise<RelayedCall> {
  const signer = user.signers.get(contractId);
  if (!signer) throw new Error(`${user.accountId} has no function-call key for ${contractId}`);
  const { signedDelegate } = await signer.createSignedMetaTransaction({
    receiverId: contractId,
    actions: [actions.functionCall(methodName, args, gas, 0n)],
    blockHeightTtl: 200,
  });
  const call = await waitForRelayed(await relayDelegate(relayer.url, encodeSignedDelegate(signedDelegate)));
  if (!call.succeeded) throw new Error(`relayed ${contractId}.${methodName} failed on chain (transaction ${call.transactionHash}): ${JSON.stringify(call.status.Failure)}`);
  return call;
}

/**
 * Transactions, actions and delegate actions with their borsh layouts (nearcore
 * `core/primitives/src/transaction.rs`, `core/primitives/src/action/mod.rs`,
 * `core/primitives/src/action/delegate.rs`). The same bytes near-api-js 5.x and 7.x produce
 * (`@near-js/transactions` schema): Transaction V0 has no version prefix.
 */
import { deserialize, serialize, type Schema } from 'borsh';

type StructType = Extract<Schema, { struct: unknown }>;
import type { AccountId } from './account-id.js';
import { ACCESS_KEY_PERMISSION_VARIANTS, ACTION_VARIANTS } from './action-versions.js';
import { firstDecodeRefusal, idRefusal, oneActionRefusal, variantGate } from './decode-order.js';
import { KeyType, publicKeyLength, type PublicKey, type Signature } from './crypto.js';
import {
  GLOBAL_CONTRACT_IDENTIFIER,
  STATE_INIT,
  globalContractIdentifierFromRaw,
  globalContractIdentifierToRaw,
  stateInitBorshLength,
  stateInitFromRaw,
  stateInitToRaw,
  type GlobalContractIdentifier,
  type StateInit,
} from './state-init.js';
import { sha256 } from './hash.js';
import { decodeBorsh } from './borsh-decode.js';

export type { GlobalContractIdentifier, StateInit };

export type AccessKeyPermission =
  | { type: 'FullAccess' }
  | { type: 'FunctionCall'; allowance: bigint | null; receiverId: AccountId; methodNames: string[] }
  /**
   * Gas keys (protocol feature GasKeys, PV 85; nearcore `AccessKeyPermission::GasKeyFunctionCall(GasKeyInfo,
   * FunctionCallPermission)` = borsh tag 2 and `GasKeyFullAccess(GasKeyInfo)` = 3, core/primitives-core/src/account.rs):
   * an access key with its own prepaid balance that pays the gas of the transactions it signs, and
   * `numNonces` independent nonces stored beside it in the trie.
   */
  | { type: 'GasKeyFunctionCall'; balance: bigint; numNonces: number; allowance: bigint | null; receiverId: AccountId; methodNames: string[] }
  | { type: 'GasKeyFullAccess'; balance: bigint; numNonces: number };

/** The FunctionCall restrictions of a permission (plain or gas key), or null for full access. */
export function functionCallPermission(p: AccessKeyPermission): { allowance: bigint | null; receiverId: AccountId; methodNames: string[] } | null {
  return p.type === 'FunctionCall' || p.type === 'GasKeyFunctionCall' ? p : null;
}

/** The gas-key part of a permission (nearcore `AccessKey::gas_key_info`), or null for a regular key. */
export function gasKeyInfo(p: AccessKeyPermission): { balance: bigint; numNonces: number } | null {
  return p.type === 'GasKeyFunctionCall' || p.type === 'GasKeyFullAccess' ? p : null;
}

export interface AccessKey {
  nonce: bigint;
  permission: AccessKeyPermission;
}

export type NonDelegateAction =
  | { type: 'CreateAccount' }
  | { type: 'DeployContract'; code: Uint8Array }
  | { type: 'FunctionCall'; methodName: string; args: Uint8Array; gas: bigint; deposit: bigint }
  | { type: 'Transfer'; deposit: bigint }
  | { type: 'Stake'; stake: bigint; publicKey: PublicKey }
  | { type: 'AddKey'; publicKey: PublicKey; accessKey: AccessKey }
  | { type: 'DeleteKey'; publicKey: PublicKey }
  | { type: 'DeleteAccount'; beneficiaryId: AccountId }
  | { type: 'DeployGlobalContract'; code: Uint8Array; deployMode: 'CodeHash' | 'AccountId' }
  | { type: 'UseGlobalContract'; contractIdentifier: GlobalContractIdentifier }
  /** NEP-616 (DeterministicAccountIds, PV 82): the receiver is `deterministicAccountId(stateInit)`. */
  | { type: 'DeterministicStateInit'; stateInit: StateInit; deposit: bigint }
  /** Action 12 (GasKeys, PV 85): moves `deposit` from the receiver account's balance into one of its gas keys. */
  | { type: 'TransferToGasKey'; publicKey: PublicKey; deposit: bigint }
  /** Action 13 (GasKeys, PV 85): moves `amount` from a gas key back to its account (transactions only, no host function). */
  | { type: 'WithdrawFromGasKey'; publicKey: PublicKey; amount: bigint };

export interface DelegateAction {
  senderId: AccountId;
  receiverId: AccountId;
  actions: NonDelegateAction[];
  nonce: bigint;
  maxBlockHeight: bigint;
  publicKey: PublicKey;
  /**
   * Set for a `DelegateActionV2` (NEP-611, DelegateV2 at PV 85: action 14, `VersionedDelegateActionPayload::V2`):
   * its nonce is a `TransactionNonce`, and `nonceIndex` (a `GasKeyNonce`) picks one of a gas key's nonces.
   */
  v2?: { nonceIndex: number | null };
}

export interface SignedDelegateAction {
  delegateAction: DelegateAction;
  signature: Signature;
}

export type Action = NonDelegateAction | { type: 'Delegate'; signedDelegate: SignedDelegateAction };

export interface Transaction {
  signerId: AccountId;
  publicKey: PublicKey;
  nonce: bigint;
  receiverId: AccountId;
  blockHash: Uint8Array;
  actions: Action[];
  /**
   * Set for a `TransactionV1` (nearcore core/primitives/src/transaction.rs, GasKeys PV 85): `nonceIndex` is the
   * gas-key nonce slot of a `TransactionNonce::GasKeyNonce` (absent for `TransactionNonce::Nonce`), and
   * `nonceMode` is `Strict` when the nonce must be exactly the current one plus one.
   */
  v1?: { nonceIndex: number | null; nonceMode: 'Monotonic' | 'Strict' };
}

export interface SignedTransaction {
  transaction: Transaction;
  signature: Signature;
}

/** Raised when bytes are not a valid borsh encoding (nearcore answers such input with a parse error). */
export class BorshDecodeError extends Error {
  constructor(what: string, reason: string) {
    super(`cannot decode ${what} from borsh: ${reason}`);
    this.name = 'BorshDecodeError';
  }
  /** A refusal in nearcore's own words: the RPC puts them after "Failed to decode transaction: " as nearcore does. */
  static nearcore(text: string): BorshDecodeError {
    const e = new BorshDecodeError('', '');
    e.message = text;
    return e;
  }
}

// --- borsh schemas (layout facts from nearcore; the `borsh` package does the work) ---

const u8s = { array: { type: 'u8' } } as const;
const fixed = (len: number) => ({ array: { type: 'u8', len } }) as const;

const PUBLIC_KEY: Schema = {
  enum: [{ struct: { ed25519: fixed(32) } }, { struct: { secp256k1: fixed(64) } }, { struct: { mldsa65: fixed(1952) } }],
};
const SIGNATURE: Schema = {
  enum: [{ struct: { ed25519: fixed(64) } }, { struct: { secp256k1: fixed(65) } }, { struct: { mldsa65: fixed(3309) } }],
};
const FUNCTION_CALL_PERMISSION: Schema = { struct: { allowance: { option: 'u128' }, receiverId: 'string', methodNames: { array: { type: 'string' } } } };
/** nearcore `GasKeyInfo { balance: Balance, num_nonces: NonceIndex (u16) }`. */
const GAS_KEY_INFO: Schema = { struct: { balance: 'u128', numNonces: 'u16' } };
const ACCESS_KEY: Schema = {
  struct: {
    nonce: 'u64',
    permission: {
      enum: [
        { struct: { functionCall: FUNCTION_CALL_PERMISSION } },
        { struct: { fullAccess: { struct: {} } } },
        { struct: { gasKeyFunctionCall: { struct: { info: GAS_KEY_INFO, functionCall: FUNCTION_CALL_PERMISSION } } } },
        { struct: { gasKeyFullAccess: { struct: { info: GAS_KEY_INFO } } } },
      ],
    },
  },
};

function actionVariants(delegate: StructType, delegateV2: StructType): StructType[] {
  return [
    { struct: { createAccount: { struct: {} } } },
    { struct: { deployContract: { struct: { code: u8s } } } },
    { struct: { functionCall: { struct: { methodName: 'string', args: u8s, gas: 'u64', deposit: 'u128' } } } },
    { struct: { transfer: { struct: { deposit: 'u128' } } } },
    { struct: { stake: { struct: { stake: 'u128', publicKey: PUBLIC_KEY } } } },
    { struct: { addKey: { struct: { publicKey: PUBLIC_KEY, accessKey: ACCESS_KEY } } } },
    { struct: { deleteKey: { struct: { publicKey: PUBLIC_KEY } } } },
    { struct: { deleteAccount: { struct: { beneficiaryId: 'string' } } } },
    delegate,
    { struct: { deployGlobalContract: { struct: { code: u8s, deployMode: { enum: [{ struct: { codeHash: { struct: {} } } }, { struct: { accountId: { struct: {} } } }] } } } } },
    { struct: { useGlobalContract: { struct: { contractIdentifier: GLOBAL_CONTRACT_IDENTIFIER } } } },
    { struct: { deterministicStateInit: { struct: { stateInit: STATE_INIT, deposit: 'u128' } } } },
    { struct: { transferToGasKey: { struct: { publicKey: PUBLIC_KEY, deposit: 'u128' } } } },
    { struct: { withdrawFromGasKey: { struct: { publicKey: PUBLIC_KEY, amount: 'u128' } } } },
    delegateV2,
  ];
}

/** `TransactionNonce`: `Nonce { nonce }` = 0, `GasKeyNonce { nonce, nonce_index: u16 }` = 1 (transaction.rs). */
const TRANSACTION_NONCE: Schema = {
  enum: [{ struct: { nonce: { struct: { nonce: 'u64' } } } }, { struct: { gasKeyNonce: { struct: { nonce: 'u64', nonceIndex: 'u16' } } } }],
};

/**
 * Inside a DelegateAction tags 8 and 14 are not actions: nearcore delegate.rs `BorshDeserialize for
 * NonDelegateAction` refuses them with "DelegateAction mustn't contain a nested one". Their schema here is a type
 * name the borsh package does not know, so decoding stops at that byte, where nearcore's stops, with an error
 * naming the tag (`decodeRaw` turns it into nearcore's refusal).
 */
const NESTED_DELEGATE_TYPE = 'NonDelegateAction refuses tag ';
const NESTED_DELEGATE_STOP = new RegExp(`^Unsupported type: ${NESTED_DELEGATE_TYPE}\\d+$`);
const NESTED_DELEGATE_REFUSAL = "DelegateAction mustn't contain a nested one";
const nestedDelegate = (tag: number): StructType => ({ struct: { nestedDelegate: `${NESTED_DELEGATE_TYPE}${tag}` as unknown as Schema } });
const NON_DELEGATE_ACTION: Schema = { enum: actionVariants(nestedDelegate(8), nestedDelegate(14)) };
const DELEGATE_ACTION: Schema = {
  struct: {
    senderId: 'string',
    receiverId: 'string',
    actions: { array: { type: NON_DELEGATE_ACTION } },
    nonce: 'u64',
    maxBlockHeight: 'u64',
    publicKey: PUBLIC_KEY,
  },
};
const SIGNED_DELEGATE_ACTION: Schema = { struct: { delegateAction: DELEGATE_ACTION, signature: SIGNATURE } };
/** delegate.rs `DelegateActionV2` inside `VersionedDelegateActionPayload` (V2 = 0). */
const DELEGATE_ACTION_V2: Schema = {
  struct: {
    senderId: 'string',
    receiverId: 'string',
    actions: { array: { type: NON_DELEGATE_ACTION } },
    nonce: TRANSACTION_NONCE,
    maxBlockHeight: 'u64',
    publicKey: PUBLIC_KEY,
  },
};
const VERSIONED_DELEGATE_ACTION_PAYLOAD: Schema = { enum: [{ struct: { v2: DELEGATE_ACTION_V2 } }] };
const SIGNED_DELEGATE_ACTION_V2: Schema = { struct: { delegateAction: VERSIONED_DELEGATE_ACTION_PAYLOAD, signature: SIGNATURE } };
const ACTION: Schema = {
  enum: actionVariants({ struct: { signedDelegate: SIGNED_DELEGATE_ACTION } }, { struct: { signedDelegateV2: SIGNED_DELEGATE_ACTION_V2 } }),
};
const TRANSACTION: Schema = {
  struct: {
    signerId: 'string',
    publicKey: PUBLIC_KEY,
    nonce: 'u64',
    receiverId: 'string',
    blockHash: fixed(32),
    actions: { array: { type: ACTION } },
  },
};
const SIGNED_TRANSACTION: Schema = { struct: { transaction: TRANSACTION, signature: SIGNATURE } };
/**
 * `TransactionV1` (core/primitives/src/transaction.rs): `TransactionNonce` is `Nonce { nonce }` = 0 or
 * `GasKeyNonce { nonce, nonce_index: u16 }` = 1, and `NonceMode` (Monotonic = 0, Strict = 1) closes the struct.
 * On the wire it follows the version tag byte 1.
 */
const TRANSACTION_V1: Schema = {
  struct: {
    signerId: 'string',
    publicKey: PUBLIC_KEY,
    nonce: TRANSACTION_NONCE,
    receiverId: 'string',
    blockHash: fixed(32),
    actions: { array: { type: ACTION } },
    nonceMode: { enum: [{ struct: { monotonic: { struct: {} } } }, { struct: { strict: { struct: {} } } }] },
  },
};
const SIGNED_TRANSACTION_V1: Schema = { struct: { transaction: TRANSACTION_V1, signature: SIGNATURE } };

// --- conversion between the borsh object shape and our types ---

type Raw = Record<string, any>;
const KEY_NAMES = ['ed25519', 'secp256k1', 'mldsa65'] as const;

function keyToRaw(k: PublicKey | Signature): Raw {
  return { [KEY_NAMES[k.keyType]]: k.data };
}
function keyFromRaw(raw: Raw): { keyType: KeyType; data: Uint8Array } {
  const name = Object.keys(raw)[0] as (typeof KEY_NAMES)[number];
  return { keyType: KEY_NAMES.indexOf(name) as KeyType, data: Uint8Array.from(raw[name]) };
}
function functionCallToRaw(p: { allowance: bigint | null; receiverId: string; methodNames: string[] }): Raw {
  return { allowance: p.allowance, receiverId: p.receiverId, methodNames: p.methodNames };
}
function functionCallFromRaw(f: Raw): { allowance: bigint | null; receiverId: string; methodNames: string[] } {
  return { allowance: f.allowance === null ? null : BigInt(f.allowance), receiverId: f.receiverId, methodNames: f.methodNames };
}

function permissionToRaw(p: AccessKeyPermission): Raw {
  switch (p.type) {
    case 'FullAccess': return { fullAccess: {} };
    case 'FunctionCall': return { functionCall: functionCallToRaw(p) };
    case 'GasKeyFunctionCall': return { gasKeyFunctionCall: { info: { balance: p.balance, numNonces: p.numNonces }, functionCall: functionCallToRaw(p) } };
    case 'GasKeyFullAccess': return { gasKeyFullAccess: { info: { balance: p.balance, numNonces: p.numNonces } } };
  }
}
function permissionFromRaw(p: Raw): AccessKeyPermission {
  if (p.fullAccess) return { type: 'FullAccess' };
  if (p.functionCall) return { type: 'FunctionCall', ...functionCallFromRaw(p.functionCall) };
  if (p.gasKeyFunctionCall) {
    const { info, functionCall } = p.gasKeyFunctionCall;
    return { type: 'GasKeyFunctionCall', balance: BigInt(info.balance), numNonces: info.numNonces, ...functionCallFromRaw(functionCall) };
  }
  const { info } = p.gasKeyFullAccess;
  return { type: 'GasKeyFullAccess', balance: BigInt(info.balance), numNonces: info.numNonces };
}

function accessKeyToRaw(ak: AccessKey): Raw {
  return { nonce: ak.nonce, permission: permissionToRaw(ak.permission) };
}
function accessKeyFromRaw(raw: Raw): AccessKey {
  return { nonce: BigInt(raw.nonce), permission: permissionFromRaw(raw.permission) };
}

function actionToRaw(a: Action): Raw {
  switch (a.type) {
    case 'CreateAccount': return { createAccount: {} };
    case 'DeployContract': return { deployContract: { code: a.code } };
    case 'FunctionCall': return { functionCall: { methodName: a.methodName, args: a.args, gas: a.gas, deposit: a.deposit } };
    case 'Transfer': return { transfer: { deposit: a.deposit } };
    case 'Stake': return { stake: { stake: a.stake, publicKey: keyToRaw(a.publicKey) } };
    case 'AddKey': return { addKey: { publicKey: keyToRaw(a.publicKey), accessKey: accessKeyToRaw(a.accessKey) } };
    case 'DeleteKey': return { deleteKey: { publicKey: keyToRaw(a.publicKey) } };
    case 'DeleteAccount': return { deleteAccount: { beneficiaryId: a.beneficiaryId } };
    case 'Delegate':
      return a.signedDelegate.delegateAction.v2
        ? { signedDelegateV2: signedDelegateToRaw(a.signedDelegate) }
        : { signedDelegate: signedDelegateToRaw(a.signedDelegate) };
    case 'DeployGlobalContract': return { deployGlobalContract: { code: a.code, deployMode: a.deployMode === 'CodeHash' ? { codeHash: {} } : { accountId: {} } } };
    case 'UseGlobalContract':
      return { useGlobalContract: { contractIdentifier: globalContractIdentifierToRaw(a.contractIdentifier) } };
    case 'DeterministicStateInit':
      return { deterministicStateInit: { stateInit: stateInitToRaw(a.stateInit), deposit: a.deposit } };
    case 'TransferToGasKey': return { transferToGasKey: { publicKey: keyToRaw(a.publicKey), deposit: a.deposit } };
    case 'WithdrawFromGasKey': return { withdrawFromGasKey: { publicKey: keyToRaw(a.publicKey), amount: a.amount } };
  }
}

/**
 * Decoded state inits whose bytes were not canonical (unsorted or repeated keys): nearcore decodes them into
 * its BTreeMap and hashes the transaction re-encoded, so the node must too. Value: bytes the repeats took.
 */
const nonCanonical = new WeakMap<Action, number>();

function actionFromRaw(raw: Raw): Action {
  const [name, v] = Object.entries(raw)[0]!;
  switch (name) {
    case 'createAccount': return { type: 'CreateAccount' };
    case 'deployContract': return { type: 'DeployContract', code: Uint8Array.from(v.code) };
    case 'functionCall': return { type: 'FunctionCall', methodName: v.methodName, args: Uint8Array.from(v.args), gas: BigInt(v.gas), deposit: BigInt(v.deposit) };
    case 'transfer': return { type: 'Transfer', deposit: BigInt(v.deposit) };
    case 'stake': return { type: 'Stake', stake: BigInt(v.stake), publicKey: keyFromRaw(v.publicKey) };
    case 'addKey': return { type: 'AddKey', publicKey: keyFromRaw(v.publicKey), accessKey: accessKeyFromRaw(v.accessKey) };
    case 'deleteKey': return { type: 'DeleteKey', publicKey: keyFromRaw(v.publicKey) };
    case 'deleteAccount': return { type: 'DeleteAccount', beneficiaryId: v.beneficiaryId };
    case 'signedDelegate':
    case 'signedDelegateV2':
      return { type: 'Delegate', signedDelegate: signedDelegateFromRaw(v) };
    case 'deployGlobalContract': return { type: 'DeployGlobalContract', code: Uint8Array.from(v.code), deployMode: v.deployMode.codeHash ? 'CodeHash' : 'AccountId' };
    case 'useGlobalContract':
      return { type: 'UseGlobalContract', contractIdentifier: globalContractIdentifierFromRaw(v.contractIdentifier) };
    case 'deterministicStateInit': {
      const { stateInit, canonical, droppedBytes } = stateInitFromRaw(v.stateInit);
      const action: Action = { type: 'DeterministicStateInit', stateInit, deposit: BigInt(v.deposit) };
      if (!canonical) nonCanonical.set(action, droppedBytes);
      return action;
    }
    case 'transferToGasKey': return { type: 'TransferToGasKey', publicKey: keyFromRaw(v.publicKey), deposit: BigInt(v.deposit) };
    case 'withdrawFromGasKey': return { type: 'WithdrawFromGasKey', publicKey: keyFromRaw(v.publicKey), amount: BigInt(v.amount) };
  }
  throw new BorshDecodeError('Action', `unknown action ${name}`);
}

const transactionNonceToRaw = (nonce: bigint, nonceIndex: number | null): Raw =>
  nonceIndex === null ? { nonce: { nonce } } : { gasKeyNonce: { nonce, nonceIndex } };

/** A V2 delegate action is borsh `VersionedDelegateActionPayload::V2(DelegateActionV2)`. */
function delegateToRaw(d: DelegateAction): Raw {
  const raw: Raw = { senderId: d.senderId, receiverId: d.receiverId, actions: d.actions.map(actionToRaw), nonce: d.nonce, maxBlockHeight: d.maxBlockHeight, publicKey: keyToRaw(d.publicKey) };
  if (!d.v2) return raw;
  return { v2: { ...raw, nonce: transactionNonceToRaw(d.nonce, d.v2.nonceIndex) } };
}
function delegateFromRaw(raw: Raw): DelegateAction {
  const body = raw.v2 ?? raw;
  const gasKeyNonce = raw.v2 ? body.nonce.gasKeyNonce : undefined;
  const d: DelegateAction = {
    senderId: body.senderId,
    receiverId: body.receiverId,
    actions: body.actions.map(actionFromRaw) as NonDelegateAction[],
    nonce: BigInt(raw.v2 ? (gasKeyNonce ?? body.nonce.nonce).nonce : body.nonce),
    maxBlockHeight: BigInt(body.maxBlockHeight),
    publicKey: keyFromRaw(body.publicKey),
  };
  if (raw.v2) d.v2 = { nonceIndex: gasKeyNonce ? gasKeyNonce.nonceIndex : null };
  return d;
}
function signedDelegateToRaw(s: SignedDelegateAction): Raw {
  return { delegateAction: delegateToRaw(s.delegateAction), signature: keyToRaw(s.signature) };
}
function signedDelegateFromRaw(raw: Raw): SignedDelegateAction {
  return { delegateAction: delegateFromRaw(raw.delegateAction), signature: keyFromRaw(raw.signature) };
}

function transactionToRaw(t: Transaction): Raw {
  const raw: Raw = { signerId: t.signerId, publicKey: keyToRaw(t.publicKey), nonce: t.nonce, receiverId: t.receiverId, blockHash: t.blockHash, actions: t.actions.map(actionToRaw) };
  if (!t.v1) return raw;
  const { nonceIndex, nonceMode } = t.v1;
  raw.nonce = nonceIndex === null ? { nonce: { nonce: t.nonce } } : { gasKeyNonce: { nonce: t.nonce, nonceIndex } };
  raw.nonceMode = nonceMode === 'Strict' ? { strict: {} } : { monotonic: {} };
  return raw;
}
function transactionFromRaw(raw: Raw): Transaction {
  const tx: Transaction = {
    signerId: raw.signerId,
    publicKey: keyFromRaw(raw.publicKey),
    nonce: 0n,
    receiverId: raw.receiverId,
    blockHash: Uint8Array.from(raw.blockHash),
    actions: raw.actions.map(actionFromRaw),
  };
  if (raw.nonceMode === undefined) {
    tx.nonce = BigInt(raw.nonce);
  } else {
    const n = raw.nonce.gasKeyNonce ?? raw.nonce.nonce;
    tx.nonce = BigInt(n.nonce);
    tx.v1 = { nonceIndex: raw.nonce.gasKeyNonce ? n.nonceIndex : null, nonceMode: raw.nonceMode.strict ? 'Strict' : 'Monotonic' };
  }
  return tx;
}

/** Bytes the package would decode are decoded by borsh-decode.ts (byte arrays whole); the others by the package, in its words. */
function decodeRaw(what: string, schema: Schema, bytes: Uint8Array): Raw {
  try {
    return decodeBorsh(schema, bytes) as Raw;
  } catch {
    // not decoded there: the package decodes, or refuses, below
  }
  try {
    return deserialize(schema, bytes, false) as Raw; // schemas are static: skip re-validating them per call
  } catch (e) {
    if (!NESTED_DELEGATE_STOP.test((e as Error).message)) throw new BorshDecodeError(what, (e as Error).message);
    throw BorshDecodeError.nearcore(NESTED_DELEGATE_REFUSAL);
  }
}

/** nearcore's borsh rejects trailing input ("Not all bytes read"); the borsh package does not check. */
function checkConsumed(what: string, consumed: number, bytes: Uint8Array): void {
  if (consumed !== bytes.length) {
    throw new BorshDecodeError(what, `Not all bytes read (${bytes.length - consumed} trailing bytes)`);
  }
}

function decodeStrict<T>(what: string, schema: Schema, bytes: Uint8Array, convert: (raw: Raw) => T): T {
  const raw = decodeRaw(what, schema, bytes);
  checkConsumed(what, serialize(schema, raw, false).length, bytes);
  return convert(raw);
}

// Encoded lengths, so a decoded transaction need not be re-serialized (large DeployContract code).
const strLen = (s: string) => 4 + Buffer.byteLength(s, 'utf8');
const keyLen = (k: { data: Uint8Array }) => 1 + k.data.length;

function delegateBorshLength(d: DelegateAction): number {
  // V2: the payload's version byte and the TransactionNonce tag (+ u16 index for a gas-key nonce)
  const v2 = d.v2 ? 1 + 1 + (d.v2.nonceIndex === null ? 0 : 2) : 0;
  return v2 + strLen(d.senderId) + strLen(d.receiverId) + 4 + d.actions.reduce((n, a) => n + actionBorshLength(a), 0) + 8 + 8 + keyLen(d.publicKey);
}

export function actionBorshLength(a: Action): number {
  switch (a.type) {
    case 'CreateAccount': return 1;
    case 'DeployContract': return 1 + 4 + a.code.length;
    case 'FunctionCall': return 1 + strLen(a.methodName) + 4 + a.args.length + 8 + 16;
    case 'Transfer': return 1 + 16;
    case 'Stake': return 1 + 16 + keyLen(a.publicKey);
    case 'AddKey': return 1 + keyLen(a.publicKey) + accessKeyBorshLength(a.accessKey);
    case 'DeleteKey': return 1 + keyLen(a.publicKey);
    case 'DeleteAccount': return 1 + strLen(a.beneficiaryId);
    case 'Delegate': return 1 + delegateBorshLength(a.signedDelegate.delegateAction) + keyLen(a.signedDelegate.signature);
    case 'DeployGlobalContract': return 1 + 4 + a.code.length + 1;
    case 'UseGlobalContract': return 1 + 1 + (a.contractIdentifier.type === 'CodeHash' ? 32 : strLen(a.contractIdentifier.accountId));
    case 'DeterministicStateInit': return 1 + stateInitBorshLength(a.stateInit) + 16;
    case 'TransferToGasKey':
    case 'WithdrawFromGasKey':
      return 1 + keyLen(a.publicKey) + 16;
  }
}

export function transactionBorshLength(t: Transaction): number {
  // V1: tag byte, TransactionNonce tag (+ u16 index for a gas key nonce), NonceMode byte
  const v1 = t.v1 ? 1 + 1 + (t.v1.nonceIndex === null ? 0 : 2) + 1 : 0;
  return v1 + strLen(t.signerId) + keyLen(t.publicKey) + 8 + strLen(t.receiverId) + 32 + 4 + t.actions.reduce((n, a) => n + actionBorshLength(a), 0);
}

/** borsh(Transaction): V0 untagged, V1 after the version byte 1 (nearcore `BorshSerialize for Transaction`). */
export function encodeTransaction(t: Transaction): Uint8Array {
  if (!t.v1) return serialize(TRANSACTION, transactionToRaw(t), false);
  const body = serialize(TRANSACTION_V1, transactionToRaw(t), false);
  const out = new Uint8Array(1 + body.length);
  out[0] = 1;
  out.set(body, 1);
  return out;
}

export function encodeSignedTransaction(st: SignedTransaction): Uint8Array {
  return signedTransactionBytes(encodeTransaction(st.transaction), st.signature);
}

/** borsh(SignedTransaction) = borsh(Transaction) ‖ borsh(Signature): a struct is its fields in order. */
export function signedTransactionBytes(transactionBytes: Uint8Array, signature: Signature): Uint8Array {
  const out = new Uint8Array(transactionBytes.length + 1 + signature.data.length);
  out.set(transactionBytes);
  out[transactionBytes.length] = signature.keyType;
  out.set(signature.data, transactionBytes.length + 1);
  return out;
}

/**
 * Decodes a borsh SignedTransaction. Version detection as nearcore (`BorshDeserialize for
 * Transaction`): byte 1 is 0 for V0 (u32 length prefix of an id ≤ 64); a leading 1 with a non-zero
 * second byte is V1 (gas keys and strict nonces; the chain refuses it below PV 85 with `InvalidTransactionVersion`).
 */
export function decodeSignedTransaction(bytes: Uint8Array): SignedTransaction {
  return parseSignedTransaction(bytes).signed;
}

/**
 * Decodes a SignedTransaction and returns its hash (sha256 of the Transaction bytes as received)
 * and the Transaction's encoded size, without re-serializing. Refuses what nearcore's decoder refuses, in its
 * words and at the first fault in byte order (decode-order.ts): invalid account ids, a Delegate inside a
 * DelegateAction and, given a protocol version, actions and permissions that version lacks.
 */
export function parseSignedTransaction(bytes: Uint8Array, protocolVersion?: number): ParsedSignedTransaction {
  let parsed = parsedTransactions.get(bytes);
  if (parsed === undefined) {
    parsed = parseSignedTransactionOnce(bytes, protocolVersion);
    parsedTransactions.set(bytes, parsed);
  }
  const refusal = firstDecodeRefusal(parsed.signed.transaction, protocolVersion, parsed.signed.signature);
  if (refusal) throw BorshDecodeError.nearcore(refusal);
  return parsed;
}

export interface ParsedSignedTransaction {
  readonly signed: SignedTransaction;
  readonly hash: Uint8Array;
  readonly size: number;
}

/**
 * A request's bytes are parsed where the RPC takes its hash, where the node looks for a transaction it already
 * has, and where the chain checks it: memoized per byte array (the same bytes always give the same result),
 * so borsh decoding and hashing run once per request. Callers never mutate the result.
 */
const parsedTransactions = new WeakMap<Uint8Array, ParsedSignedTransaction>();

function parseSignedTransactionOnce(bytes: Uint8Array, protocolVersion: number | undefined): ParsedSignedTransaction {
  const v1 = isTransactionV1(bytes);
  if (bytes.length >= 2 && bytes[1] !== 0 && !v1) throw new BorshDecodeError('SignedTransaction', 'invalid transaction version tag');
  let raw: Raw;
  try {
    const { schema, body } = signedTransactionLayout(bytes);
    raw = decodeRaw('SignedTransaction', schema, body);
  } catch (e) {
    throw e instanceof BorshDecodeError ? refusalBefore(e, bytes, protocolVersion) : e;
  }
  let signed: SignedTransaction;
  try {
    signed = { transaction: transactionFromRaw(raw.transaction), signature: keyFromRaw(raw.signature) };
  } catch (e) {
    if (e instanceof BorshDecodeError) throw e;
    throw new BorshDecodeError('SignedTransaction', (e as Error).message);
  }
  const size = transactionBorshLength(signed.transaction);
  const canonical = !signed.transaction.actions.some((a) => (a.type === 'Delegate' ? a.signedDelegate.delegateAction.actions : [a]).some((inner) => nonCanonical.has(inner)));
  const dropped = signed.transaction.actions.reduce((n, a) => n + droppedBytes(a), 0);
  if (size + dropped + keyLen(signed.signature) !== bytes.length) {
    // borsh `try_from_slice` decodes the whole value (ids validated on the way) before it looks for trailing bytes
    const refusal = firstDecodeRefusal(signed.transaction, protocolVersion, signed.signature);
    if (refusal) throw BorshDecodeError.nearcore(refusal);
  }
  checkConsumed('SignedTransaction', size + dropped + keyLen(signed.signature), bytes);
  // nearcore SignedTransaction::init hashes the re-encoded Transaction; only a non-canonical state init differs
  const hash = canonical ? sha256(bytes.subarray(0, size)) : transactionHash(signed.transaction);
  if (canonical) keepDelegateActionBytes(signed.transaction, size, bytes);
  return { signed, hash, size };
}

/** The schema of a SignedTransaction's bytes and the bytes it decodes (a V1 transaction's follow its version byte). */
function signedTransactionLayout(bytes: Uint8Array): { schema: Schema; body: Uint8Array } {
  return isTransactionV1(bytes) ? { schema: SIGNED_TRANSACTION_V1, body: bytes.subarray(1) } : { schema: SIGNED_TRANSACTION, body: bytes };
}

/** Exposed for tests: a signed transaction's borsh decoding by borsh-decode.ts, and by the package. */
export const signedTransactionDecodings = {
  here: (bytes: Uint8Array): unknown => {
    const { schema, body } = signedTransactionLayout(bytes);
    return decodeBorsh(schema, body);
  },
  byPackage: (bytes: Uint8Array): unknown => {
    const { schema, body } = signedTransactionLayout(bytes);
    return deserialize(schema, body, false);
  },
};

/**
 * Each (V1) DelegateAction's bytes as received, for `encodeDelegateAction`: its hash is what the runtime
 * checks the delegate's signature against, and re-encoding it through borsh cost ~100 µs per relayed
 * delegate. Canonical bytes are the re-encoding, as for the transaction's own hash above.
 */
const receivedDelegateActions = new WeakMap<DelegateAction, Uint8Array>();

function keepDelegateActionBytes(t: Transaction, size: number, bytes: Uint8Array): void {
  // most transactions carry no delegate: then no action's length needs working out again
  if (!t.actions.some((a) => a.type === 'Delegate' && !a.signedDelegate.delegateAction.v2)) return;
  const lengths = t.actions.map(actionBorshLength);
  let at = size - lengths.reduce((n, l) => n + l, 0); // the first action, after the header and the vec length
  t.actions.forEach((a, i) => {
    if (a.type === 'Delegate' && !a.signedDelegate.delegateAction.v2) {
      const d = a.signedDelegate.delegateAction;
      receivedDelegateActions.set(d, bytes.subarray(at + 1, at + 1 + delegateBorshLength(d))); // after the action tag
    }
    at += lengths[i]!;
  });
}

/**
 * What nearcore refuses first when the bytes do not decode. nearcore's borsh reads the fields in byte order and
 * stops at the first fault (derived `BorshDeserialize` reads fields in declaration order; near-account-id's
 * `BorshDeserialize for AccountId` validates each id as it reads it, src/borsh.rs @13d8bcab; chain/jsonrpc-primitives
 * src/utils.rs `parse_signed_transaction` is `SignedTransaction::try_from_slice`). So the bytes are read again piece by
 * piece (the header's fields, then each action whole, then inside the action that does not decode) and each piece is
 * checked as nearcore checks it: an invalid id or an action or permission the version lacks before the fault is
 * refused instead of the fault. Reaching the fault with nothing refused before it gives the fault itself.
 */
function refusalBefore(e: BorshDecodeError, bytes: Uint8Array, protocolVersion: number | undefined): BorshDecodeError {
  let refusal: string | null;
  try {
    refusal = refusalBeforeFault(bytes, protocolVersion);
  } catch {
    refusal = null; // the piece that did not decode is the fault: nothing was refused before it
  }
  return refusal ? BorshDecodeError.nearcore(refusal) : e;
}

/** A cursor over transaction bytes that decodes one piece at a time; reading past the end throws. */
class Pieces {
  constructor(readonly bytes: Uint8Array, public at: number) {}
  skip(n: number): void {
    if (this.at + n > this.bytes.length) throw new RangeError('past the end');
    this.at += n;
  }
  u8(): number {
    this.skip(1);
    return this.bytes[this.at - 1]!;
  }
  u32(): number {
    this.skip(4);
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at - 4, 4).getUint32(0, true);
  }
  string(): string {
    const length = this.u32();
    this.skip(length);
    return deserialize('string', this.bytes.subarray(this.at - 4 - length, this.at), false) as string;
  }
  key(): void {
    const keyType = this.u8();
    if (!Object.values(KeyType).includes(keyType as KeyType)) throw new RangeError('unknown key type');
    this.skip(publicKeyLength(keyType as KeyType));
  }
  /** The next action, whole, or undefined (the cursor unmoved) when it does not decode. */
  action(schema: Schema): Action | undefined {
    let action: Action;
    try {
      action = actionFromRaw(decodeRaw('Action', schema, this.bytes.subarray(this.at)));
    } catch {
      return undefined;
    }
    this.skip(actionBorshLength(action) + droppedBytes(action));
    return action;
  }
}

function refusalBeforeFault(bytes: Uint8Array, protocolVersion: number | undefined): string | null {
  const v1 = isTransactionV1(bytes);
  const r = new Pieces(bytes, v1 ? 1 : 0);
  const signer = idRefusal(r.string());
  if (signer) return signer;
  r.key();
  r.skip(v1 ? transactionNonceLength(r.u8()) : 8);
  const receiver = idRefusal(r.string());
  if (receiver) return receiver;
  r.skip(32);
  return actionsRefusalBeforeFault(r, ACTION, protocolVersion);
}

/** borsh `TransactionNonce`: tag 0 a u64, tag 1 a u64 and a u16 index. */
function transactionNonceLength(tag: number): number {
  if (tag > 1) throw new RangeError('unknown TransactionNonce tag');
  return tag === 0 ? 8 : 10;
}

function actionsRefusalBeforeFault(r: Pieces, schema: Schema, protocolVersion: number | undefined): string | null {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const action = r.action(schema);
    if (action === undefined) return refusalInsideAction(r, schema === NON_DELEGATE_ACTION, protocolVersion);
    const refusal = oneActionRefusal(action, protocolVersion);
    if (refusal) return refusal;
  }
  return null;
}

/** Inside the action that does not decode: its tag at the version, then the fields before the fault. */
function refusalInsideAction(r: Pieces, insideDelegate: boolean, protocolVersion: number | undefined): string | null {
  const variant = ACTION_VARIANTS.find((v) => v.tag === r.bytes[r.at]);
  r.skip(1);
  if (!variant) return null;
  const gate = variantGate(variant, protocolVersion);
  if (gate || insideDelegate && (variant.name === 'Delegate' || variant.name === 'DelegateV2')) return gate;
  switch (variant.name) {
    case 'AddKey': {
      r.key();
      r.skip(8);
      const permission = ACCESS_KEY_PERMISSION_VARIANTS.find((v) => v.tag === r.bytes[r.at]);
      return permission ? variantGate(permission, protocolVersion) : null;
    }
    case 'DelegateV2':
      if (r.u8() !== 0) return null; // VersionedDelegateActionPayload::V2 is its only variant
    // falls through
    case 'Delegate':
      return idRefusal(r.string()) ?? idRefusal(r.string()) ?? actionsRefusalBeforeFault(r, NON_DELEGATE_ACTION, protocolVersion);
    case 'DeterministicStateInit':
      if (r.u8() !== 0) return null; // DeterministicAccountStateInit::V1
      return r.u8() === 1 ? idRefusal(r.string()) : null; // GlobalContractIdentifier::AccountId, read before the data
    default:
      return null;
  }
}

/** Bytes a non-canonical state init's repeated keys took (in the action or inside a Delegate's actions). */
function droppedBytes(a: Action): number {
  let dropped = 0;
  for (const inner of a.type === 'Delegate' ? a.signedDelegate.delegateAction.actions : [a]) dropped += nonCanonical.get(inner) ?? 0;
  return dropped;
}

export function isTransactionV1(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 1 && bytes[1] !== 0;
}

export function encodeDelegateAction(d: DelegateAction): Uint8Array {
  const received = receivedDelegateActions.get(d);
  if (received !== undefined) return received;
  return serialize(d.v2 ? VERSIONED_DELEGATE_ACTION_PAYLOAD : DELEGATE_ACTION, delegateToRaw(d), false);
}

export function encodeSignedDelegateAction(s: SignedDelegateAction): Uint8Array {
  return serialize(s.delegateAction.v2 ? SIGNED_DELEGATE_ACTION_V2 : SIGNED_DELEGATE_ACTION, signedDelegateToRaw(s), false);
}

export function decodeSignedDelegateAction(bytes: Uint8Array): SignedDelegateAction {
  return decodeStrict('SignedDelegateAction', SIGNED_DELEGATE_ACTION, bytes, signedDelegateFromRaw);
}

export function encodeAccessKey(ak: AccessKey): Uint8Array {
  return serialize(ACCESS_KEY, accessKeyToRaw(ak), false);
}

export function encodeAction(a: Action): Uint8Array {
  return serialize(ACTION, actionToRaw(a), false);
}

export function decodeAccessKey(bytes: Uint8Array): AccessKey {
  return decodeStrict('AccessKey', ACCESS_KEY, bytes, accessKeyFromRaw);
}

/** nearcore `Transaction::get_hash_and_size`: sha256 of borsh(Transaction), the signature excluded. */
export function transactionHash(t: Transaction): Uint8Array {
  return sha256(encodeTransaction(t));
}

/** NEP-461 prefix for on-chain signed messages: 2^30 + NEP number (366 for delegate actions). */
export const DELEGATE_ACTION_PREFIX = 2 ** 30 + 366;
/** NEP-461 prefix of V2 delegate actions (NEP-611): a signing domain of its own. */
export const DELEGATE_V2_ACTION_PREFIX = 2 ** 30 + 611;

/**
 * nearcore `DelegateAction::get_nep461_hash`: sha256(u32 LE prefix ‖ borsh(DelegateAction)); for V2
 * `VersionedDelegateActionPayload::get_nep461_hash`, the V2 prefix and the versioned payload.
 */
export function delegateActionHash(d: DelegateAction): Uint8Array {
  const body = encodeDelegateAction(d);
  const msg = new Uint8Array(4 + body.length);
  new DataView(msg.buffer).setUint32(0, d.v2 ? DELEGATE_V2_ACTION_PREFIX : DELEGATE_ACTION_PREFIX, true);
  msg.set(body, 4);
  return sha256(msg);
}

/** The borsh length of an access key (storage accounting: nearcore `actions.rs` add/delete key). */
export function accessKeyBorshLength(ak: AccessKey): number {
  let n = 8 + 1;
  if (gasKeyInfo(ak.permission)) n += GAS_KEY_INFO_BORSH_LENGTH;
  const p = functionCallPermission(ak.permission);
  if (p) {
    n += p.allowance === null ? 1 : 17;
    n += 4 + new TextEncoder().encode(p.receiverId).length;
    n += 4;
    for (const m of p.methodNames) n += 4 + new TextEncoder().encode(m).length;
  }
  return n;
}

/** borsh length of `GasKeyInfo` (u128 balance + u16 num_nonces): nearcore `GasKeyInfo::borsh_len()`. */
export const GAS_KEY_INFO_BORSH_LENGTH = 18;

/** `Action::get_deposit_balance` (core/primitives/src/action/mod.rs): TransferToGasKey moves a deposit too. */
export function actionDeposit(a: Action): bigint {
  if (a.type === 'FunctionCall' || a.type === 'Transfer' || a.type === 'DeterministicStateInit' || a.type === 'TransferToGasKey') return a.deposit;
  return 0n;
}

export { KeyType };

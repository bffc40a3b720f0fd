/**
 * RPC view shapes (nearcore `core/primitives/src/views.rs`): ActionView, SignedTransactionView,
 * AccessKeyView, AccountView, ExecutionOutcomeView and friends.
 */
import { publicKeyToString, signatureToString, type PublicKey } from './crypto.js';
import { hashToString, sha256, toBase64 } from './hash.js';
import type { AccessKey, AccessKeyPermission, Action, GlobalContractIdentifier, SignedTransaction } from './transaction.js';
import type { JsonValue, TxExecutionError } from './errors.js';

/**
 * nearcore `AccessKeyView` / `AccessKeyPermissionView` (core/primitives/src/views.rs): `"FullAccess"`,
 * `{FunctionCall: {allowance, receiver_id, method_names}}`, and for gas keys (PV 85)
 * `{GasKeyFunctionCall: {balance, num_nonces, allowance, receiver_id, method_names}}` / `{GasKeyFullAccess: {balance, num_nonces}}`.
 */
export function accessKeyView(ak: AccessKey): { nonce: number; permission: JsonValue } {
  return { nonce: Number(ak.nonce), permission: permissionView(ak.permission) };
}

function permissionView(p: AccessKeyPermission): JsonValue {
  const functionCall = (f: { allowance: bigint | null; receiverId: string; methodNames: string[] }) => ({
    allowance: f.allowance === null ? null : f.allowance.toString(),
    receiver_id: f.receiverId,
    method_names: f.methodNames,
  });
  switch (p.type) {
    case 'FullAccess':
      return 'FullAccess';
    case 'FunctionCall':
      return { FunctionCall: functionCall(p) };
    case 'GasKeyFunctionCall':
      return { GasKeyFunctionCall: { balance: p.balance.toString(), num_nonces: p.numNonces, ...functionCall(p) } };
    case 'GasKeyFullAccess':
      return { GasKeyFullAccess: { balance: p.balance.toString(), num_nonces: p.numNonces } };
  }
}

/** nearcore's `AccessKeyPermissionView` JSON back to the runtime's permission. */
export function accessKeyPermissionFromView(p: JsonValue): AccessKeyPermission {
  if (p === 'FullAccess') return { type: 'FullAccess' };
  const functionCall = (f: { allowance?: string | null; receiver_id: string; method_names?: string[] }) => ({
    allowance: f.allowance === null || f.allowance === undefined ? null : BigInt(f.allowance),
    receiverId: f.receiver_id,
    methodNames: f.method_names ?? [],
  });
  if (p && typeof p === 'object' && !Array.isArray(p)) {
    if ('FunctionCall' in p) return { type: 'FunctionCall', ...functionCall(p.FunctionCall as never) };
    if ('GasKeyFunctionCall' in p) {
      const g = p.GasKeyFunctionCall as { balance: string; num_nonces: number; receiver_id: string };
      return { type: 'GasKeyFunctionCall', balance: BigInt(g.balance), numNonces: g.num_nonces, ...functionCall(g) };
    }
    if ('GasKeyFullAccess' in p) {
      const g = p.GasKeyFullAccess as { balance: string; num_nonces: number };
      return { type: 'GasKeyFullAccess', balance: BigInt(g.balance), numNonces: g.num_nonces };
    }
  }
  throw new Error(
    `invalid access key permission ${JSON.stringify(p)}: use "FullAccess", {"FunctionCall":{allowance,receiver_id,method_names}}, ` +
      `{"GasKeyFullAccess":{balance,num_nonces}} or {"GasKeyFunctionCall":{balance,num_nonces,allowance,receiver_id,method_names}}`,
  );
}

/** nearcore `ActionView` (DeployContract shows sha256 of the code, base64). */
export function actionView(a: Action): JsonValue {
  switch (a.type) {
    case 'CreateAccount':
      return 'CreateAccount';
    case 'DeployContract':
      return { DeployContract: { code: toBase64(sha256(a.code)) } };
    case 'FunctionCall':
      return { FunctionCall: { method_name: a.methodName, args: toBase64(a.args), gas: Number(a.gas), deposit: a.deposit.toString() } };
    case 'Transfer':
      return { Transfer: { deposit: a.deposit.toString() } };
    case 'Stake':
      return { Stake: { stake: a.stake.toString(), public_key: publicKeyToString(a.publicKey) } };
    case 'AddKey':
      return { AddKey: { public_key: publicKeyToString(a.publicKey), access_key: accessKeyView(a.accessKey) } };
    case 'DeleteKey':
      return { DeleteKey: { public_key: publicKeyToString(a.publicKey) } };
    case 'DeleteAccount':
      return { DeleteAccount: { beneficiary_id: a.beneficiaryId } };
    case 'Delegate': {
      const d = a.signedDelegate.delegateAction;
      const delegateAction = {
        sender_id: d.senderId,
        receiver_id: d.receiverId,
        actions: d.actions.map(actionView),
        nonce: Number(d.nonce) as JsonValue,
        max_block_height: Number(d.maxBlockHeight),
        public_key: publicKeyToString(d.publicKey),
      };
      const signature = signatureToString(a.signedDelegate.signature);
      if (!d.v2) return { Delegate: { delegate_action: delegateAction, signature } };
      // views.rs ActionView::DelegateV2: the VersionedDelegateActionPayload ({"V2": …}) with its TransactionNonce
      const nonceIndex = d.v2.nonceIndex;
      delegateAction.nonce = nonceIndex === null ? { Nonce: { nonce: Number(d.nonce) } } : { GasKeyNonce: { nonce: Number(d.nonce), nonce_index: nonceIndex } };
      return { DelegateV2: { delegate_action: { V2: delegateAction }, signature } };
    }
    case 'DeployGlobalContract':
      return a.deployMode === 'CodeHash'
        ? { DeployGlobalContract: { code: toBase64(sha256(a.code)) } }
        : { DeployGlobalContractByAccountId: { code: toBase64(sha256(a.code)) } };
    case 'UseGlobalContract':
      return a.contractIdentifier.type === 'CodeHash'
        ? { UseGlobalContract: { code_hash: hashToString(a.contractIdentifier.hash) } }
        : { UseGlobalContractByAccountId: { account_id: a.contractIdentifier.accountId } };
    case 'DeterministicStateInit': {
      // views.rs ActionView::DeterministicStateInit: GlobalContractIdentifierView {hash}|{account_id}, data as
      // base64 key → base64 value in the map's (bytewise) order
      const code = a.stateInit.code;
      return {
        DeterministicStateInit: {
          code: code.type === 'CodeHash' ? { hash: hashToString(code.hash) } : { account_id: code.accountId },
          data: Object.fromEntries(a.stateInit.data.map(([k, v]) => [toBase64(k), toBase64(v)])),
          deposit: a.deposit.toString(),
        },
      };
    }
    case 'TransferToGasKey':
      return { TransferToGasKey: { public_key: publicKeyToString(a.publicKey), deposit: a.deposit.toString() } };
    case 'WithdrawFromGasKey':
      return { WithdrawFromGasKey: { public_key: publicKeyToString(a.publicKey), amount: a.amount.toString() } };
  }
}

export interface SignedTransactionView {
  signer_id: string;
  public_key: string;
  nonce: number;
  receiver_id: string;
  actions: JsonValue[];
  priority_fee: number;
  signature: string;
  hash: string;
  /** TransactionV1 only (views.rs: skipped when None): the gas-key nonce slot. */
  nonce_index?: number;
  /** TransactionV1 only: `Monotonic` or `Strict`. */
  nonce_mode?: 'Monotonic' | 'Strict';
}

export function signedTransactionView(st: SignedTransaction, hash: Uint8Array): SignedTransactionView {
  let view = transactionViews.get(st);
  if (view === undefined) {
    view = buildSignedTransactionView(st, hash);
    transactionViews.set(st, view);
  }
  return view;
}

/** A transaction's view is asked for by every answer about it and when it is saved: built once (views are never mutated). */
const transactionViews = new WeakMap<SignedTransaction, SignedTransactionView>();

function buildSignedTransactionView(st: SignedTransaction, hash: Uint8Array): SignedTransactionView {
  const t = st.transaction;
  return {
    signer_id: t.signerId,
    public_key: publicKeyToString(t.publicKey),
    nonce: Number(t.nonce),
    receiver_id: t.receiverId,
    actions: t.actions.map(actionView),
    priority_fee: 0,
    signature: signatureToString(st.signature),
    hash: hashToString(hash),
    ...(t.v1?.nonceIndex !== undefined && t.v1.nonceIndex !== null ? { nonce_index: t.v1.nonceIndex } : {}),
    ...(t.v1 ? { nonce_mode: t.v1.nonceMode } : {}),
  };
}

export type ExecutionStatusView =
  | 'Unknown'
  | { Failure: TxExecutionError }
  | { SuccessValue: string }
  | { SuccessReceiptId: string };

export interface GasProfileEntry {
  cost_category: 'ACTION_COST' | 'WASM_HOST_COST';
  cost: string;
  gas_used: string;
}

export interface ExecutionOutcomeView {
  logs: string[];
  receipt_ids: string[];
  gas_burnt: number;
  tokens_burnt: string;
  executor_id: string;
  status: ExecutionStatusView;
  metadata: { version: number; gas_profile: GasProfileEntry[] | null };
}

export interface ExecutionOutcomeWithIdView {
  proof: JsonValue[];
  block_hash: string;
  id: string;
  outcome: ExecutionOutcomeView;
}

export type FinalExecutionStatus = 'NotStarted' | 'Started' | { Failure: TxExecutionError } | { SuccessValue: string };

export interface FinalExecutionOutcomeView {
  status: FinalExecutionStatus;
  transaction: SignedTransactionView;
  transaction_outcome: ExecutionOutcomeWithIdView;
  receipts_outcome: ExecutionOutcomeWithIdView[];
}

export interface AccountView {
  amount: string;
  locked: string;
  code_hash: string;
  storage_usage: number;
  storage_paid_at: number;
  /** Set for an account that runs a global contract deployed by code hash (nearcore AccountView). */
  global_contract_hash?: string;
  /** Set for an account that runs the global contract of this account. */
  global_contract_account_id?: string;
}

/** nearcore `AccountView` of an account record: a global contract is named by hash or by account id. */
export function accountView(a: { amount: bigint; locked: bigint; codeHash: Uint8Array; storageUsage: bigint; global?: GlobalContractIdentifier }): AccountView {
  const view: AccountView = { amount: a.amount.toString(), locked: a.locked.toString(), code_hash: hashToString(a.codeHash), storage_usage: Number(a.storageUsage), storage_paid_at: 0 };
  if (a.global?.type === 'CodeHash') view.global_contract_hash = hashToString(a.global.hash);
  if (a.global?.type === 'AccountId') view.global_contract_account_id = a.global.accountId;
  return view;
}

export function publicKeyView(pk: PublicKey): string {
  return publicKeyToString(pk);
}

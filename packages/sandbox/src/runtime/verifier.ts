/**
 * Transaction validation (nearcore `runtime/runtime/src/verifier.rs`: `validate_transaction`,
 * `validate_actions`, `verify_and_charge_transaction`; `core/primitives/src/transaction.rs`).
 * Every failure throws `InvalidTransactionError` with nearcore's `InvalidTxError` JSON.
 */
import type { RuntimeConfig } from '../parameters/types.js';
import { accountIdError, isValidAccountId } from '../primitives/account-id.js';
import { KeyType, isValidStakingKey, verifySignature, publicKeyToString, signatureLength } from '../primitives/crypto.js';
import { InvalidTransactionError, type InvalidTxErrorKind, type JsonValue } from '../primitives/errors.js';
import { deterministicAccountId } from '../primitives/state-init.js';
import {
  encodeTransaction,
  functionCallPermission,
  gasKeyInfo,
  type AccessKey,
  type AccessKeyPermission,
  type Action,
  type GlobalContractIdentifier,
  type SignedTransaction,
  type Transaction,
} from '../primitives/transaction.js';
import { gasKeysEnabled, MAX_NONCES_FOR_GAS_KEY } from '../parameters/gas-key-fees.js';
import { totalPrepaidGas, txCost, type TransactionCost } from './fees.js';
import type { State } from './state.js';

/** nearcore `ACCESS_KEY_NONCE_RANGE_MULTIPLIER` (core/primitives-core/src/account.rs). */
export const ACCESS_KEY_NONCE_RANGE_MULTIPLIER = 1_000_000n;
/** nearcore `ZERO_BALANCE_ACCOUNT_STORAGE_LIMIT` (NEP-448): accounts this small need no stake. */
export const ZERO_BALANCE_ACCOUNT_STORAGE_LIMIT = 770n;

const utf8Len = (s: string) => Buffer.byteLength(s, 'utf8');

/** Protocol feature PostQuantumSignatures (core/primitives-core/src/version.rs: 85): ML-DSA-65 keys and signatures. */
export const postQuantumSignaturesEnabled = (config: RuntimeConfig) => config.protocolVersion >= 85;

const isPostQuantum = (k: { keyType: KeyType }) => k.keyType === KeyType.MLDSA65;

/** nearcore `Action::post_quantum_signatures_required` (core/primitives/src/action/mod.rs): an ML-DSA-65 key anywhere. */
export function actionRequiresPostQuantum(a: Action): boolean {
  switch (a.type) {
    case 'Stake':
    case 'AddKey':
    case 'DeleteKey':
    case 'TransferToGasKey':
    case 'WithdrawFromGasKey':
      return isPostQuantum(a.publicKey);
    case 'Delegate': {
      const s = a.signedDelegate;
      return isPostQuantum(s.delegateAction.publicKey) || isPostQuantum(s.signature) || s.delegateAction.actions.some(actionRequiresPostQuantum);
    }
    default:
      return false;
  }
}

/** `ActionsValidationError` JSON or null (verifier.rs `validate_actions`, `validate_action`). */
export function validateActions(config: RuntimeConfig, actions: readonly Action[], receiverId: string): JsonValue | null {
  const limits = config.limits;
  if (actions.length > limits.maxActionsPerReceipt) {
    return { TotalNumberOfActionsExceeded: { total_number_of_actions: actions.length, limit: limits.maxActionsPerReceipt } };
  }
  // action_validation.rs validate_actions_with_mode: the gate also covers receipts a contract emits
  if (!postQuantumSignaturesEnabled(config) && actions.some(actionRequiresPostQuantum)) {
    return { UnsupportedProtocolFeature: { protocol_feature: 'PostQuantumSignatures', version: config.protocolVersion } };
  }
  let foundDelegate = false;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (a.type === 'DeleteAccount' && i !== actions.length - 1) return 'DeleteActionMustBeFinal';
    if (a.type === 'Delegate') {
      if (foundDelegate) return 'DelegateActionMustBeOnlyOne';
      foundDelegate = true;
    }
    const err = validateAction(config, a, receiverId);
    if (err) return err;
  }
  const total = totalPrepaidGas(actions);
  if (total > limits.maxTotalPrepaidGas) {
    return { TotalPrepaidGasExceeded: { total_prepaid_gas: Number(total), limit: Number(limits.maxTotalPrepaidGas) } };
  }
  return null;
}

function validateAction(config: RuntimeConfig, a: Action, receiverId: string): JsonValue | null {
  const w = config.wasm;
  switch (a.type) {
    case 'DeployContract':
      if (a.code.length > w.maxContractSize) return { ContractSizeExceeded: { size: a.code.length, limit: w.maxContractSize } };
      return null;
    case 'FunctionCall':
      if (a.gas === 0n) return 'FunctionCallZeroAttachedGas';
      if (utf8Len(a.methodName) > w.maxLengthMethodName) {
        return { FunctionCallMethodNameLengthExceeded: { length: utf8Len(a.methodName), limit: w.maxLengthMethodName } };
      }
      if (a.args.length > w.maxArgumentsLength) {
        return { FunctionCallArgumentsLengthExceeded: { length: a.args.length, limit: w.maxArgumentsLength } };
      }
      return null;
    case 'Stake':
      // verifier.rs validate_stake_action
      if (!isValidStakingKey(a.publicKey)) return { UnsuitableStakingKey: { public_key: publicKeyToString(a.publicKey) } };
      return null;
    case 'AddKey':
      return validateAccessKeyPermission(config, a.accessKey.permission) ?? validateGasKeyPermission(config, a.accessKey.permission);
    case 'DeleteAccount':
      if (!isValidAccountId(a.beneficiaryId)) return { InvalidAccountId: { account_id: a.beneficiaryId } };
      return null;
    case 'Delegate': {
      const d = a.signedDelegate.delegateAction;
      // action_validation.rs: Action::DelegateV2 requires the DelegateV2 protocol feature (PV 85)
      if (d.v2 && config.protocolVersion < 85) return { UnsupportedProtocolFeature: { protocol_feature: 'DelegateV2', version: config.protocolVersion } };
      return validateActions(config, d.actions, d.receiverId);
    }
    case 'DeployGlobalContract':
      // verifier.rs validate_deploy_global_contract_action (GlobalContracts, 77: both supported versions).
      if (a.code.length > w.maxContractSize) return { ContractSizeExceeded: { size: a.code.length, limit: w.maxContractSize } };
      return null;
    case 'UseGlobalContract':
      return globalContractIdentifierError(a.contractIdentifier);
    case 'DeterministicStateInit': {
      // action_validation.rs validate_deterministic_state_init: identifier, receiver = derived id, entry sizes
      const idError = globalContractIdentifierError(a.stateInit.code);
      if (idError) return idError;
      const derivedId = deterministicAccountId(a.stateInit);
      if (derivedId !== receiverId) return { InvalidDeterministicStateInitReceiver: { derived_id: derivedId, receiver_id: receiverId } };
      for (const [key, value] of a.stateInit.data) {
        if (key.length > w.maxLengthStorageKey) return { DeterministicStateInitKeyLengthExceeded: { length: key.length, limit: w.maxLengthStorageKey } };
        if (value.length > w.maxLengthStorageValue) return { DeterministicStateInitValueLengthExceeded: { length: value.length, limit: w.maxLengthStorageValue } };
      }
      return null;
    }
    case 'TransferToGasKey':
    case 'WithdrawFromGasKey':
      return requireGasKeys(config);
    default:
      return null;
  }
}

/** action_validation.rs `require_protocol_feature(GasKeys)`: gas-key actions before PV 85. */
function requireGasKeys(config: RuntimeConfig): JsonValue | null {
  return gasKeysEnabled(config) ? null : { UnsupportedProtocolFeature: { protocol_feature: 'GasKeys', version: config.protocolVersion } };
}

/** action_validation.rs `validate_access_key_permission`: the FunctionCall part of a plain or gas-key permission. */
function validateAccessKeyPermission(config: RuntimeConfig, permission: AccessKeyPermission): JsonValue | null {
  const p = functionCallPermission(permission);
  if (!p) return null;
  const w = config.wasm;
  if (config.accountIdValidityRulesVersion >= 1 && !isValidAccountId(p.receiverId)) {
    return { InvalidAccountId: { account_id: p.receiverId } };
  }
  let total = 0;
  for (const m of p.methodNames) {
    if (utf8Len(m) > w.maxLengthMethodName) return { AddKeyMethodNameLengthExceeded: { length: utf8Len(m), limit: w.maxLengthMethodName } };
    total += utf8Len(m) + 1;
  }
  if (total > config.limits.maxNumberBytesMethodNames) {
    return { AddKeyMethodNamesNumberOfBytesExceeded: { total_number_of_bytes: total, limit: config.limits.maxNumberBytesMethodNames } };
  }
  return null;
}

/** action_validation.rs `validate_add_key_action`, gas-key part: feature, no allowance, 1..=1024 nonces, zero balance. */
function validateGasKeyPermission(config: RuntimeConfig, permission: AccessKeyPermission): JsonValue | null {
  const info = gasKeyInfo(permission);
  if (!info) return null;
  const unsupported = requireGasKeys(config);
  if (unsupported) return unsupported;
  if (permission.type === 'GasKeyFunctionCall' && permission.allowance !== null) return 'GasKeyFunctionCallAllowanceNotAllowed';
  if (info.numNonces === 0 || info.numNonces > MAX_NONCES_FOR_GAS_KEY) {
    return { GasKeyInvalidNumNonces: { requested_nonces: info.numNonces, limit: MAX_NONCES_FOR_GAS_KEY } };
  }
  if (info.balance !== 0n) return { AddGasKeyWithNonZeroBalance: { balance: info.balance.toString() } };
  return null;
}

/** action_validation.rs validate_global_contract_identifier: an account-id identifier must be a valid id. */
function globalContractIdentifierError(id: GlobalContractIdentifier): JsonValue | null {
  return id.type === 'AccountId' && !isValidAccountId(id.accountId) ? { InvalidAccountId: { account_id: id.accountId } } : null;
}

/**
 * Stateless checks: the protocol gate of ML-DSA-65 (transaction.rs `check_valid_for_config`:
 * InvalidTransactionVersion before 85), then in nearcore's order ids, actions, size, signature. From 85 the
 * size is the wire size, signature included (`SignedTransaction::size_for_limits`).
 */
export function validateTransaction(config: RuntimeConfig, st: SignedTransaction, txHash: Uint8Array, size = encodeTransaction(st.transaction).length): void {
  const tx = st.transaction;
  // transaction.rs check_valid_for_config: TransactionV1 needs GasKeys (a Strict nonce, StrictNonce: both PV 85).
  if (tx.v1 && !gasKeysEnabled(config)) throw new InvalidTransactionError('InvalidTransactionVersion');
  const postQuantum = postQuantumSignaturesEnabled(config);
  if (!postQuantum && (isPostQuantum(tx.publicKey) || isPostQuantum(st.signature) || tx.actions.some(actionRequiresPostQuantum))) {
    throw new InvalidTransactionError('InvalidTransactionVersion');
  }
  if (postQuantum) size += 1 + signatureLength(st.signature.keyType);
  if (accountIdError(tx.signerId)) throw new InvalidTransactionError({ InvalidSignerId: { signer_id: tx.signerId } });
  if (accountIdError(tx.receiverId)) throw new InvalidTransactionError({ InvalidReceiverId: { receiver_id: tx.receiverId } });
  const actionsError = validateActions(config, tx.actions, tx.receiverId);
  if (actionsError) throw new InvalidTransactionError({ ActionsValidation: actionsError });
  if (size > config.limits.maxTransactionSize) {
    throw new InvalidTransactionError({ TransactionSizeExceeded: { size, limit: config.limits.maxTransactionSize } });
  }
  if (!verifySignature(st.signature, txHash, tx.publicKey)) throw new InvalidTransactionError('InvalidSignature');
}

/** nearcore `check_storage_stake`: the yoctoNEAR missing for storage, or 0n. */
export function storageStakeShortfall(config: RuntimeConfig, account: { amount: bigint; locked: bigint; storageUsage: bigint }): bigint {
  if (account.storageUsage <= ZERO_BALANCE_ACCOUNT_STORAGE_LIMIT) return 0n;
  const required = account.storageUsage * config.storageAmountPerByte;
  const available = account.amount + account.locked;
  return required > available ? required - available : 0n;
}

/**
 * FunctionCall-key restrictions (verifier.rs), or null if allowed. Shared by transactions and
 * delegate actions. `depositCheckedLast`: delegate actions before PV 85, where a
 * DepositWithFunctionCall error is overwritten by a later receiver/method mismatch
 * (fixed by FixDelegateActionDepositWithFunctionCallError).
 */
export function functionCallKeyError(ak: AccessKey, receiverId: string, actions: readonly Action[], depositCheckedLast = false): JsonValue | null {
  const p = functionCallPermission(ak.permission);
  if (!p) return null;
  if (actions.length !== 1) return 'RequiresFullAccess';
  const a = actions[0]!;
  if (a.type !== 'FunctionCall') return 'RequiresFullAccess';
  if (a.deposit > 0n && !depositCheckedLast) return 'DepositWithFunctionCall';
  if (receiverId !== p.receiverId) return { ReceiverMismatch: { tx_receiver: receiverId, ak_receiver: p.receiverId } };
  if (p.methodNames.length > 0 && !p.methodNames.includes(a.methodName)) return { MethodNameMismatch: { method_name: a.methodName } };
  if (a.deposit > 0n) return 'DepositWithFunctionCall';
  return null;
}

/** verifier.rs `verify_nonce`: Monotonic (greater than the current nonce) or Strict (exactly one more), below height × 10⁶. */
function verifyNonce(tx: Transaction, current: bigint, blockHeight: bigint): void {
  const strict = tx.v1?.nonceMode === 'Strict';
  if (strict ? tx.nonce !== current + 1n : tx.nonce <= current) {
    throw new InvalidTransactionError({ InvalidNonce: { tx_nonce: Number(tx.nonce), ak_nonce: Number(current) } });
  }
  const upperBound = blockHeight * ACCESS_KEY_NONCE_RANGE_MULTIPLIER;
  if (tx.nonce >= upperBound) throw new InvalidTransactionError({ NonceTooLarge: { tx_nonce: Number(tx.nonce), upper_bound: Number(upperBound) } });
}

/** What a valid transaction cost; `depositFailure` is set when a gas key paid the gas but the account could not pay the deposits. */
export type ChargedTransaction = TransactionCost & { depositFailure?: InvalidTxErrorKind };

/**
 * The state checks and the charge (`verify_and_charge_transaction`): signer, key, nonce, cost,
 * balance, allowance, storage, key permission, then the commit of nonce/allowance/balance.
 * Nothing is written unless every check passes. A transaction with a gas-key nonce goes to
 * `verifyAndChargeGasKeyTransaction`.
 */
export function verifyAndChargeTransaction(
  config: RuntimeConfig,
  state: State,
  tx: Transaction,
  gasPrice: bigint,
  blockHeight: bigint,
  charge: boolean,
): ChargedTransaction {
  const signer = state.getAccount(tx.signerId);
  if (!signer) throw new InvalidTransactionError({ SignerDoesNotExist: { signer_id: tx.signerId } });
  const ak = state.getAccessKey(tx.signerId, tx.publicKey);
  if (!ak) {
    throw new InvalidTransactionError({
      InvalidAccessKeyError: { AccessKeyNotFound: { account_id: tx.signerId, public_key: publicKeyToString(tx.publicKey) } },
    });
  }
  const cost = txCost(config, tx, gasPrice);
  const nonceIndex = tx.v1?.nonceIndex ?? null;
  if (nonceIndex !== null) return verifyAndChargeGasKeyTransaction(config, state, tx, ak, nonceIndex, cost, blockHeight, charge);
  // A regular nonce with a gas key: "regular transactions must not" have a nonce index, gas keys must.
  const gasKey = gasKeyInfo(ak.permission);
  if (gasKey) throw new InvalidTransactionError({ InvalidNonceIndex: { tx_nonce_index: null, num_nonces: gasKey.numNonces } });
  verifyNonce(tx, ak.nonce, blockHeight);
  if (signer.amount < cost.totalCost) {
    throw new InvalidTransactionError({ NotEnoughBalance: { signer_id: tx.signerId, balance: signer.amount.toString(), cost: cost.totalCost.toString() } });
  }
  const newAmount = signer.amount - cost.totalCost;
  let permission = ak.permission;
  if (permission.type === 'FunctionCall' && permission.allowance !== null) {
    if (permission.allowance < cost.totalCost) {
      throw new InvalidTransactionError({
        InvalidAccessKeyError: {
          NotEnoughAllowance: {
            account_id: tx.signerId,
            public_key: publicKeyToString(tx.publicKey),
            allowance: permission.allowance.toString(),
            cost: cost.totalCost.toString(),
          },
        },
      });
    }
    permission = { ...permission, allowance: permission.allowance - cost.totalCost };
  }
  const shortfall = storageStakeShortfall(config, { ...signer, amount: newAmount });
  if (shortfall > 0n) throw new InvalidTransactionError({ LackBalanceForState: { signer_id: tx.signerId, amount: shortfall.toString() } });
  const keyError = functionCallKeyError(ak, tx.receiverId, tx.actions);
  if (keyError) throw new InvalidTransactionError({ InvalidAccessKeyError: keyError });
  if (charge) {
    state.setAccessKey(tx.signerId, tx.publicKey, { nonce: tx.nonce, permission });
    state.setAccount(tx.signerId, { ...signer, amount: newAmount });
  }
  return cost;
}

/**
 * verifier.rs `verify_and_charge_gas_key_tx_ephemeral` (GasKeys, PV 85): the gas key's nonce row and balance pay
 * for gas, the account pays only the deposits. When the account cannot (`NotEnoughBalanceForDeposit`, or its
 * storage stake), the transaction still burns its send gas from the gas key and advances the nonce, and fails
 * without a receipt (nearcore's `TxVerdict::DepositFailed`). At RPC admission (`charge` false) that is an error.
 */
function verifyAndChargeGasKeyTransaction(
  config: RuntimeConfig,
  state: State,
  tx: Transaction,
  ak: AccessKey,
  nonceIndex: number,
  cost: TransactionCost,
  blockHeight: bigint,
  charge: boolean,
): ChargedTransaction {
  const gasKey = gasKeyInfo(ak.permission);
  // chain/chain/src/runtime/mod.rs: no nonce row at that index (not a gas key, or out of range).
  const current = state.getGasKeyNonce(tx.signerId, tx.publicKey, nonceIndex);
  if (current === undefined || !gasKey || nonceIndex >= gasKey.numNonces) {
    throw new InvalidTransactionError({ InvalidNonceIndex: { tx_nonce_index: nonceIndex, num_nonces: gasKey?.numNonces ?? 0 } });
  }
  verifyNonce(tx, current, blockHeight);
  if (gasKey.balance < cost.gasCost) {
    throw new InvalidTransactionError({
      NotEnoughGasKeyBalance: { signer_id: tx.signerId, balance: gasKey.balance.toString(), cost: cost.gasCost.toString() },
    });
  }
  const keyError = functionCallKeyError(ak, tx.receiverId, tx.actions);
  if (keyError) throw new InvalidTransactionError({ InvalidAccessKeyError: keyError });
  const signer = state.getAccount(tx.signerId)!;
  let depositFailure: InvalidTxErrorKind | undefined;
  if (signer.amount < cost.depositCost) {
    depositFailure = {
      NotEnoughBalanceForDeposit: { signer_id: tx.signerId, balance: signer.amount.toString(), deposit: cost.depositCost.toString() },
    };
  } else {
    const shortfall = storageStakeShortfall(config, { ...signer, amount: signer.amount - cost.depositCost });
    if (shortfall > 0n) depositFailure = { LackBalanceForState: { signer_id: tx.signerId, amount: shortfall.toString() } };
  }
  if (depositFailure && !charge) throw new InvalidTransactionError(depositFailure);
  if (charge) {
    const paid = depositFailure ? cost.burntAmount : cost.gasCost;
    state.setAccessKey(tx.signerId, tx.publicKey, { ...ak, permission: { ...ak.permission, balance: gasKey.balance - paid } as AccessKeyPermission });
    state.setGasKeyNonce(tx.signerId, tx.publicKey, nonceIndex, tx.nonce);
    if (!depositFailure) state.setAccount(tx.signerId, { ...signer, amount: signer.amount - cost.depositCost });
  }
  return depositFailure ? { ...cost, depositFailure } : cost;
}

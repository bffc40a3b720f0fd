/**
 * Transaction validation (nearcore `runtime/runtime/src/verifier.rs`: `validate_transaction`,
 * `validate_actions`, `verify_and_charge_transaction`; `core/primitives/src/transaction.rs`).
 * Every failure throws `InvalidTransactionError` with nearcore's `InvalidTxError` JSON.
 */
import type { RuntimeConfig } from '../parameters/types.js';
import { accountIdError, isValidAccountId } from '../primitives/account-id.js';
import { KeyType, verifySignature, publicKeyToString, signatureLength } from '../primitives/crypto.js';
import { InvalidTransactionError, type JsonValue } from '../primitives/errors.js';
import { deterministicAccountId } from '../primitives/state-init.js';
import { encodeTransaction, type Action, type GlobalContractIdentifier, type SignedTransaction, type Transaction, type AccessKey } from '../primitives/transaction.js';
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
      if (a.publicKey.keyType !== KeyType.ED25519) return { UnsuitableStakingKey: { public_key: publicKeyToString(a.publicKey) } };
      return null;
    case 'AddKey': {
      const p = a.accessKey.permission;
      if (p.type === 'FullAccess') return null;
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
    case 'DeleteAccount':
      if (!isValidAccountId(a.beneficiaryId)) return { InvalidAccountId: { account_id: a.beneficiaryId } };
      return null;
    case 'Delegate': {
      const d = a.signedDelegate.delegateAction;
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
    default:
      return null;
  }
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
  const p = ak.permission;
  if (p.type === 'FullAccess') return null;
  if (actions.length !== 1) return 'RequiresFullAccess';
  const a = actions[0]!;
  if (a.type !== 'FunctionCall') return 'RequiresFullAccess';
  if (a.deposit > 0n && !depositCheckedLast) return 'DepositWithFunctionCall';
  if (receiverId !== p.receiverId) return { ReceiverMismatch: { tx_receiver: receiverId, ak_receiver: p.receiverId } };
  if (p.methodNames.length > 0 && !p.methodNames.includes(a.methodName)) return { MethodNameMismatch: { method_name: a.methodName } };
  if (a.deposit > 0n) return 'DepositWithFunctionCall';
  return null;
}

/**
 * The state checks and the charge (`verify_and_charge_transaction`): signer, key, nonce, cost,
 * balance, allowance, storage, key permission, then the commit of nonce/allowance/balance.
 * Nothing is written unless every check passes.
 */
export function verifyAndChargeTransaction(
  config: RuntimeConfig,
  state: State,
  tx: Transaction,
  gasPrice: bigint,
  blockHeight: bigint,
  charge: boolean,
): TransactionCost {
  const signer = state.getAccount(tx.signerId);
  if (!signer) throw new InvalidTransactionError({ SignerDoesNotExist: { signer_id: tx.signerId } });
  const ak = state.getAccessKey(tx.signerId, tx.publicKey);
  if (!ak) {
    throw new InvalidTransactionError({
      InvalidAccessKeyError: { AccessKeyNotFound: { account_id: tx.signerId, public_key: publicKeyToString(tx.publicKey) } },
    });
  }
  const cost = txCost(config, tx, gasPrice);
  if (tx.nonce <= ak.nonce) throw new InvalidTransactionError({ InvalidNonce: { tx_nonce: Number(tx.nonce), ak_nonce: Number(ak.nonce) } });
  const upperBound = blockHeight * ACCESS_KEY_NONCE_RANGE_MULTIPLIER;
  if (tx.nonce >= upperBound) throw new InvalidTransactionError({ NonceTooLarge: { tx_nonce: Number(tx.nonce), upper_bound: Number(upperBound) } });
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

/**
 * Transaction and action costs (nearcore `runtime/runtime/src/config.rs`: `tx_cost`, `total_send_fees`,
 * `exec_fee`, `total_prepaid_exec_fees`, `total_deposit`, `total_prepaid_gas`; `core/parameters/src/cost.rs`
 * `transfer_send_fee` / `transfer_exec_fee`).
 */
import type { RuntimeConfig, Fee } from '../parameters/types.js';
import { minSendAndExecFee } from '../parameters/index.js';
import { gasKeyAddKeyExecFee, gasKeyAddKeySendFee, gasKeyTransferExecFee, gasKeyTransferSendFee } from '../parameters/gas-key-fees.js';
import { accountType, type AccountId } from '../primitives/account-id.js';
import { KeyType, publicKeyTrieIdLength, type PublicKey } from '../primitives/crypto.js';
import { actionDeposit, functionCallPermission, gasKeyInfo, type Action, type NonDelegateAction, type Transaction } from '../primitives/transaction.js';
import { InvalidTransactionError } from '../primitives/errors.js';
import { stateInitDataBytes } from '../primitives/state-init.js';
import { globalContractIdLength } from './state.js';

const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

const send = (f: Fee, sir: boolean) => (sir ? f.sendSir : f.sendNotSir);
const utf8Len = (s: string) => Buffer.byteLength(s, 'utf8');

/** EthImplicitAccounts is enabled from PV 70; both supported versions have it. */
const ethImplicitEnabled = (config: RuntimeConfig) => config.protocolVersion >= 70;

function transferFee(config: RuntimeConfig, receiverId: AccountId, pick: (f: Fee) => bigint): bigint {
  const f = config.actionFees;
  const type = accountType(receiverId, config.wasm.deterministicAccountIds);
  // The receiver's type decides, not its existence (implicit_account_creation is always on).
  if (type === 'NearImplicitAccount') return pick(f.transfer) + pick(f.createAccount) + pick(f.addFullAccessKey);
  if (type === 'EthImplicitAccount' && ethImplicitEnabled(config)) return pick(f.transfer) + pick(f.createAccount);
  // cost.rs transfer_send_fee / transfer_exec_fee: a deterministic (`0s`) receiver is created like an ETH-implicit one
  if (type === 'NearDeterministicAccount') return pick(f.transfer) + pick(f.createAccount);
  return pick(f.transfer);
}

function actionFee(config: RuntimeConfig, a: Action, receiverId: AccountId, pick: (f: Fee) => bigint): bigint {
  const f = config.actionFees;
  switch (a.type) {
    case 'CreateAccount':
      return pick(f.createAccount);
    case 'DeployContract':
      return pick(f.deployContractBase) + pick(f.deployContractByte) * BigInt(a.code.length);
    case 'FunctionCall':
      return pick(f.functionCallBase) + pick(f.functionCallByte) * BigInt(utf8Len(a.methodName) + a.args.length);
    case 'Transfer':
      return transferFee(config, receiverId, pick);
    case 'Stake':
      return pick(f.stake);
    case 'AddKey': {
      const p = functionCallPermission(a.accessKey.permission);
      if (!p) return pick(f.addFullAccessKey);
      const bytes = p.methodNames.reduce((n, m) => n + BigInt(utf8Len(m) + 1), 0n);
      return pick(f.addFunctionCallKeyBase) + pick(f.addFunctionCallKeyByte) * bytes;
    }
    case 'DeleteKey':
      return pick(f.deleteKey);
    case 'DeleteAccount':
      return pick(f.deleteAccount);
    case 'Delegate':
      return pick(f.delegate);
    case 'DeployGlobalContract':
      return pick(f.deployGlobalContractBase) + pick(f.deployGlobalContractByte) * BigInt(a.code.length);
    case 'UseGlobalContract':
      return pick(f.useGlobalContractBase) + pick(f.useGlobalContractByte) * globalContractIdLength(a.contractIdentifier);
    case 'DeterministicStateInit':
      // config.rs total_send_fees / exec_fee: base + per entry + per data byte (`len_bytes`)
      return (
        pick(f.deterministicStateInitBase) +
        pick(f.deterministicStateInitEntry) * BigInt(a.stateInit.data.length) +
        pick(f.deterministicStateInitByte) * stateInitDataBytes(a.stateInit)
      );
    case 'TransferToGasKey':
    case 'WithdrawFromGasKey':
      return 0n; // split send/exec formulas below (config.rs total_send_fees / exec_fee)
  }
}

export function sendFee(config: RuntimeConfig, a: Action, sir: boolean, receiverId: AccountId): bigint {
  let fee = actionFee(config, a, receiverId, (f) => send(f, sir));
  if (a.type === 'TransferToGasKey' || a.type === 'WithdrawFromGasKey') {
    const g = gasKeyTransferSendFee(config, sir, publicKeyTrieIdLength(a.publicKey));
    fee += g.base + g.perByte;
  }
  if (a.type === 'AddKey' && gasKeyInfo(a.accessKey.permission)) fee += gasKeyAddKeySendFee(config, sir);
  if (a.type === 'Delegate') {
    const d = a.signedDelegate.delegateAction;
    // delegate.send(sir) + inner send fees with the OUTER sir and the inner receiver (config.rs total_send_fees)
    fee += totalSendFees(config, sir, d.actions, d.receiverId);
  }
  return fee;
}

export function execFee(config: RuntimeConfig, a: Action, receiverId: AccountId): bigint {
  let fee = actionFee(config, a, receiverId, (f) => f.execution);
  const idLen = Buffer.byteLength(receiverId);
  if (a.type === 'TransferToGasKey' || a.type === 'WithdrawFromGasKey') {
    const g = gasKeyTransferExecFee(config, idLen, publicKeyTrieIdLength(a.publicKey));
    fee += g.base + g.perByte;
  }
  const info = a.type === 'AddKey' ? gasKeyInfo(a.accessKey.permission) : null;
  if (a.type === 'AddKey' && info) {
    const g = gasKeyAddKeyExecFee(config, idLen, publicKeyTrieIdLength(a.publicKey), info.numNonces);
    fee += g.base + g.perByte;
  }
  return fee;
}

export function totalSendFees(config: RuntimeConfig, sir: boolean, actions: readonly Action[], receiverId: AccountId): bigint {
  return actions.reduce((sum, a) => sum + sendFee(config, a, sir, receiverId), 0n);
}

/** Σ exec fees; a Delegate adds its inner exec fees, its own exec fee and one new_action_receipt exec. */
export function totalPrepaidExecFees(config: RuntimeConfig, actions: readonly Action[], receiverId: AccountId): bigint {
  let sum = 0n;
  for (const a of actions) {
    if (a.type === 'Delegate') {
      const d = a.signedDelegate.delegateAction;
      sum += totalPrepaidExecFees(config, d.actions, d.receiverId) + execFee(config, a, d.receiverId) + config.actionFees.newActionReceipt.execution;
    } else {
      sum += execFee(config, a, receiverId);
    }
  }
  return sum;
}

/** Send fees of the receipts a Delegate will create (prepaid by the relayer, burnt at delegate execution). */
export function totalPrepaidSendFees(config: RuntimeConfig, actions: readonly Action[]): bigint {
  let sum = 0n;
  for (const a of actions) {
    if (a.type === 'Delegate') {
      const d = a.signedDelegate.delegateAction;
      const sir = d.senderId === d.receiverId;
      sum += totalSendFees(config, sir, d.actions, d.receiverId);
    }
  }
  return sum;
}

export function totalDeposit(actions: readonly (Action | NonDelegateAction)[]): bigint {
  let sum = 0n;
  for (const a of actions) {
    if (a.type === 'Delegate') sum += totalDeposit(a.signedDelegate.delegateAction.actions);
    else sum += actionDeposit(a);
  }
  return sum;
}

export function totalPrepaidGas(actions: readonly (Action | NonDelegateAction)[]): bigint {
  let sum = 0n;
  for (const a of actions) {
    if (a.type === 'Delegate') sum += totalPrepaidGas(a.signedDelegate.delegateAction.actions);
    else if (a.type === 'FunctionCall') sum += a.gas;
  }
  return sum;
}

export interface TransactionCost {
  gasBurnt: bigint;
  gasRemaining: bigint;
  receiptGasPrice: bigint;
  burntAmount: bigint;
  /** burnt amount + remaining gas at the receipt price: what a gas key pays (nearcore `gas_cost`). */
  gasCost: bigint;
  /** Σ deposits: what the account pays even for a gas-key transaction (nearcore `deposit_cost`). */
  depositCost: bigint;
  totalCost: bigint;
}

/**
 * config.rs `signature_verification_cost`: the verification surcharge of the signer's key plus each Delegate's
 * inner key, by scheme; only ML-DSA-65 costs anything (100 Ggas from PV 85, NEP-645).
 */
export function signatureVerificationCost(config: RuntimeConfig, signerPublicKey: PublicKey, actions: readonly Action[]): bigint {
  const cost = (pk: PublicKey) => (pk.keyType === KeyType.MLDSA65 ? config.mlDsa65VerificationCost : 0n);
  let total = cost(signerPublicKey);
  for (const a of actions) if (a.type === 'Delegate') total += cost(a.signedDelegate.delegateAction.publicKey);
  return total;
}

/** ceil(price × (num/den)^exp), big-integer exact (config.rs `safe_gas_price_inflated`). */
function inflatedPrice(price: bigint, num: bigint, den: bigint, exp: bigint): bigint {
  const n = price * num ** exp;
  const d = den ** exp;
  return (n + d - 1n) / d;
}

/**
 * nearcore `tx_cost`. The receipt gas price is the pessimistic price `ceil(P·r^(hop+depth))` while
 * inflation is on (PV ≤ 77; depth = prepaid / min_receipt_with_function_call_gas), then P (78–84),
 * and at least `min_gas_purchase_price` from PV 85 (AccountCostIncrease).
 */
export function txCost(config: RuntimeConfig, tx: Transaction, gasPrice: bigint): TransactionCost {
  const sir = tx.signerId === tx.receiverId;
  const fees = config.actionFees;
  // the verification surcharge is burnt with the send fees; it never reaches the receipts' gas (config.rs calculate_tx_cost)
  const gasBurnt =
    send(fees.newActionReceipt, sir) + totalSendFees(config, sir, tx.actions, tx.receiverId) + signatureVerificationCost(config, tx.publicKey, tx.actions);
  const prepaidGas = totalPrepaidGas(tx.actions) + totalPrepaidSendFees(config, tx.actions);
  const { numerator, denominator } = config.pessimisticGasPriceInflation;
  let receiptGasPrice = gasPrice;
  if (gasPrice > 0n && numerator !== denominator) {
    const minReceiptGas = minSendAndExecFee(fees.newActionReceipt) + minSendAndExecFee(fees.functionCallBase);
    const exp = (sir ? 0n : 1n) + (minReceiptGas > 0n ? prepaidGas / minReceiptGas : 0n);
    if (exp > 255n) throw new InvalidTransactionError('CostOverflow');
    receiptGasPrice = inflatedPrice(gasPrice, numerator, denominator, exp);
  }
  if (receiptGasPrice < config.minGasPurchasePrice) receiptGasPrice = config.minGasPurchasePrice;
  const gasRemaining = prepaidGas + fees.newActionReceipt.execution + totalPrepaidExecFees(config, tx.actions, tx.receiverId);
  if (gasBurnt > U64_MAX || gasRemaining > U64_MAX) throw new InvalidTransactionError('CostOverflow');
  const burntAmount = gasPrice * gasBurnt;
  const gasCost = burntAmount + receiptGasPrice * gasRemaining;
  const depositCost = totalDeposit(tx.actions);
  const totalCost = gasCost + depositCost;
  if (totalCost > U128_MAX) throw new InvalidTransactionError('CostOverflow');
  return { gasBurnt, gasRemaining, receiptGasPrice, burntAmount, gasCost, depositCost, totalCost };
}

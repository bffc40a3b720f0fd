/**
 * Receipt execution (nearcore `runtime/runtime/src/lib.rs` `process_receipt`, `apply_action_receipt`,
 * `generate_refund_receipts`; `runtime/runtime/src/actions.rs`). One `ReceiptExecutor` applies the
 * receipts of one block (chunk) against the state.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { RuntimeConfig } from '../parameters/types.js';
import {
  accountType,
  isValidAccountId,
  isSubAccountOf,
  isTopLevelAccountId,
  SYSTEM_ACCOUNT_ID,
} from '../primitives/account-id.js';
import { publicKeyBorsh, publicKeyFromBorsh, publicKeyToString, publicKeyTrieIdLength, verifySignature, type PublicKey } from '../primitives/crypto.js';
import type { ActionError, ActionErrorKind, JsonValue } from '../primitives/errors.js';
import { actionHash as deriveActionHash, dataId as deriveDataId, hashToString, randomSeed, receiptIdFromReceiptId, sha256, toBase64 } from '../primitives/hash.js';
import { gasKeyAddKeyExecFee, gasKeyNoncesStorageUsage, gasKeyTransferExecFee } from '../parameters/gas-key-fees.js';
import {
  accessKeyBorshLength,
  functionCallPermission,
  gasKeyInfo,
  delegateActionHash,
  type AccessKeyPermission,
  type AccessKey,
  type Action,
  type GlobalContractIdentifier,
  type NonDelegateAction,
} from '../primitives/transaction.js';
import { stateInitData, stateInitDataBytes } from '../primitives/state-init.js';
import type { ExecutionOutcomeView, GasProfileEntry } from '../primitives/views.js';
import type { AccountContract, External, GlobalContractId, PromiseResult, ReceiptAction, RunFunctionCall, VMOutcome } from '../vm/types.js';
import { execFee, totalDeposit, totalPrepaidExecFees, totalPrepaidGas, totalPrepaidSendFees } from './fees.js';
import { balanceRefund, gasRefund, isActionLike, type ActionReceipt, type PendingReceipt, type Receipt } from './receipt.js';
import {
  accountCode,
  globalContractIdLength,
  globalContractKey,
  NO_CODE_HASH,
  PromiseYieldStatus,
  YIELD_QUEUE,
  type Account,
  type State,
} from './state.js';
import { ACCESS_KEY_NONCE_RANGE_MULTIPLIER, functionCallKeyError, storageStakeShortfall, validateActions } from './verifier.js';

/** nearcore `GasKeyInfo::MAX_BALANCE_TO_BURN`: deleting gas keys burns at most 1 NEAR of their balance. */
const GAS_KEY_MAX_BALANCE_TO_BURN = 10n ** 24n;

/** nearcore `MAX_ACCOUNT_DELETION_STORAGE_USAGE`. */
const MAX_ACCOUNT_DELETION_STORAGE_USAGE = 10_000n;

export type RunFunctionCallFn = (req: RunFunctionCall) => VMOutcome;

/** What a block gives the runtime (nearcore `ApplyState`). */
export interface ApplyContext {
  config: RuntimeConfig;
  blockHeight: bigint;
  blockHash: Uint8Array;
  blockTimestamp: bigint;
  epochHeight: bigint;
  gasPrice: bigint;
  randomValue: Uint8Array;
  runFunctionCall: RunFunctionCallFn | null;
  validatorStake(accountId: string): bigint | undefined;
  validatorTotalStake(): bigint;
  /** epoch_info_provider.minimum_stake: seat price × minimum_stake_ratio. */
  minimumStake: bigint;
  /** The genesis chain id (`chain_id` host function). */
  chainId?: string;
}

export interface ReceiptOutcome {
  receiptId: Uint8Array;
  /** The receipt that ran (a postponed one comes from the state, not from this block's input). */
  receipt: Receipt;
  outcome: ExecutionOutcomeView;
  /** Tokens that left circulation: tokens_burnt minus the contract reward, plus burnt deposits. */
  supplyDelta: bigint;
}

type ReturnData = { kind: 'None' } | { kind: 'Value'; value: Uint8Array } | { kind: 'ReceiptIndex'; index: number };

interface ActionResult {
  gasBurnt: bigint;
  gasUsed: bigint;
  gasBurntForFunctionCall: bigint;
  logs: string[];
  newReceipts: PendingReceipt[];
  returnData: ReturnData;
  error: ActionError | null;
  yieldTimeouts: Array<{ dataId: Uint8Array }>;
  profile: Map<string, { category: GasProfileEntry['cost_category']; gas: bigint }>;
  /** Balance burnt by actions (DeployGlobalContract's storage), out of circulation if the receipt succeeds. */
  burntAmount: bigint;
  /** logic.rs `subsidized_amount` of the receipt's function calls (`one_yocto_on_promise`), minted on success. */
  subsidizedAmount: bigint;
}

const dataKey = (accountId: string, dataId: Uint8Array) => `${accountId}/${bytesToHex(dataId)}`;

/** VM promise actions → runtime actions (public keys arrive borsh-encoded). */
function toAction(a: ReceiptAction): NonDelegateAction {
  switch (a.kind) {
    case 'CreateAccount':
      return { type: 'CreateAccount' };
    case 'DeployContract':
      return { type: 'DeployContract', code: a.code };
    case 'FunctionCall':
      return { type: 'FunctionCall', methodName: a.methodName, args: a.args, gas: a.gas, deposit: a.deposit };
    case 'Transfer':
      return { type: 'Transfer', deposit: a.deposit };
    case 'Stake':
      return { type: 'Stake', stake: a.stake, publicKey: publicKeyFromBorsh(a.publicKey) };
    case 'AddKey':
      return { type: 'AddKey', publicKey: publicKeyFromBorsh(a.publicKey), accessKey: { nonce: a.nonce, permission: toPermission(a.permission) } };
    case 'TransferToGasKey':
      return { type: 'TransferToGasKey', publicKey: publicKeyFromBorsh(a.publicKey), deposit: a.deposit };
    case 'DeleteKey':
      return { type: 'DeleteKey', publicKey: publicKeyFromBorsh(a.publicKey) };
    case 'DeleteAccount':
      return { type: 'DeleteAccount', beneficiaryId: a.beneficiaryId };
    case 'DeployGlobalContract':
      return { type: 'DeployGlobalContract', code: a.code, deployMode: a.deployMode };
    case 'UseGlobalContract':
      return { type: 'UseGlobalContract', contractIdentifier: toGlobalContractIdentifier(a.contractIdentifier) };
    case 'DeterministicStateInit':
      return { type: 'DeterministicStateInit', stateInit: { code: toGlobalContractIdentifier(a.code), data: stateInitData(a.data) }, deposit: a.deposit };
  }
}

const toGlobalContractIdentifier = (id: GlobalContractId): GlobalContractIdentifier =>
  id.kind === 'CodeHash' ? { type: 'CodeHash', hash: id.hash } : { type: 'AccountId', accountId: id.accountId };
function toPermission(p: Extract<ReceiptAction, { kind: 'AddKey' }>['permission']): AccessKeyPermission {
  switch (p.kind) {
    case 'FullAccess': return { type: 'FullAccess' };
    case 'FunctionCall': return { type: 'FunctionCall', allowance: p.allowance, receiverId: p.receiverId, methodNames: p.methodNames };
    case 'GasKeyFullAccess': return { type: 'GasKeyFullAccess', balance: 0n, numNonces: p.numNonces };
    case 'GasKeyFunctionCall':
      return { type: 'GasKeyFunctionCall', balance: 0n, numNonces: p.numNonces, allowance: p.allowance, receiverId: p.receiverId, methodNames: p.methodNames };
  }
}

/** nearcore `AccountContract` of an account, as `current_contract_code` reports it. */
export function accountContractOf(account: Account): AccountContract {
  if (account.global) return account.global.type === 'CodeHash' ? { kind: 'Global', hash: account.global.hash } : { kind: 'GlobalByAccount', accountId: account.global.accountId };
  return account.codeHash.some((b) => b !== 0) ? { kind: 'Local', hash: account.codeHash } : { kind: 'None' };
}

/** Profile keys nearcore files under ACTION_COST (ActionCosts, SCREAMING_SNAKE_CASE as RPC prints them). */
const ACTION_COST_KEYS = new Set([
  'NEW_ACTION_RECEIPT', 'NEW_DATA_RECEIPT_BASE', 'NEW_DATA_RECEIPT_BYTE', 'CREATE_ACCOUNT', 'DELETE_ACCOUNT', 'DEPLOY_CONTRACT_BASE',
  'DEPLOY_CONTRACT_BYTE', 'FUNCTION_CALL_BASE', 'FUNCTION_CALL_BYTE', 'TRANSFER', 'STAKE', 'ADD_FULL_ACCESS_KEY', 'ADD_FUNCTION_CALL_KEY_BASE',
  'ADD_FUNCTION_CALL_KEY_BYTE', 'DELETE_KEY', 'DELEGATE', 'DEPLOY_GLOBAL_CONTRACT_BASE', 'DEPLOY_GLOBAL_CONTRACT_BYTE',
  'USE_GLOBAL_CONTRACT_BASE', 'USE_GLOBAL_CONTRACT_BYTE', 'DETERMINISTIC_STATE_INIT_BASE', 'DETERMINISTIC_STATE_INIT_ENTRY',
  'DETERMINISTIC_STATE_INIT_BYTE',
  'GAS_KEY_TRANSFER_BASE', 'GAS_KEY_BYTE', 'GAS_KEY_NONCE_WRITE_BASE',
]);

/** The exec fee of one action split into nearcore's ActionCosts profile entries. */
function actionProfile(config: RuntimeConfig, a: Action, receiverId: string): Array<[string, bigint]> {
  const f = config.actionFees;
  switch (a.type) {
    case 'DeployContract':
      return [['DEPLOY_CONTRACT_BASE', f.deployContractBase.execution], ['DEPLOY_CONTRACT_BYTE', f.deployContractByte.execution * BigInt(a.code.length)]];
    case 'FunctionCall':
      return [['FUNCTION_CALL_BASE', f.functionCallBase.execution], ['FUNCTION_CALL_BYTE', f.functionCallByte.execution * BigInt(Buffer.byteLength(a.methodName) + a.args.length)]];
    case 'Transfer': {
      const t = accountType(receiverId, config.wasm.deterministicAccountIds);
      const entries: Array<[string, bigint]> = [['TRANSFER', f.transfer.execution]];
      if (t !== 'NamedAccount') entries.push(['CREATE_ACCOUNT', f.createAccount.execution]);
      if (t === 'NearImplicitAccount') entries.push(['ADD_FULL_ACCESS_KEY', f.addFullAccessKey.execution]);
      return entries;
    }
    case 'AddKey': {
      const p = functionCallPermission(a.accessKey.permission);
      const entries: Array<[string, bigint]> = [];
      if (!p) entries.push(['ADD_FULL_ACCESS_KEY', f.addFullAccessKey.execution]);
      else {
        const bytes = p.methodNames.reduce((n, m) => n + BigInt(Buffer.byteLength(m) + 1), 0n);
        entries.push(['ADD_FUNCTION_CALL_KEY_BASE', f.addFunctionCallKeyBase.execution], ['ADD_FUNCTION_CALL_KEY_BYTE', f.addFunctionCallKeyByte.execution * bytes]);
      }
      const info = gasKeyInfo(a.accessKey.permission);
      if (info) {
        const g = gasKeyAddKeyExecFee(config, Buffer.byteLength(receiverId), publicKeyTrieIdLength(a.publicKey), info.numNonces);
        entries.push(['GAS_KEY_NONCE_WRITE_BASE', g.base], ['GAS_KEY_BYTE', g.perByte]);
      }
      return entries;
    }
    case 'TransferToGasKey':
    case 'WithdrawFromGasKey': {
      const g = gasKeyTransferExecFee(config, Buffer.byteLength(receiverId), publicKeyTrieIdLength(a.publicKey));
      return [['GAS_KEY_TRANSFER_BASE', g.base], ['GAS_KEY_BYTE', g.perByte]];
    }
    case 'CreateAccount': return [['CREATE_ACCOUNT', f.createAccount.execution]];
    case 'Stake': return [['STAKE', f.stake.execution]];
    case 'DeleteKey': return [['DELETE_KEY', f.deleteKey.execution]];
    case 'DeleteAccount': return [['DELETE_ACCOUNT', f.deleteAccount.execution]];
    case 'Delegate': return [['DELEGATE', f.delegate.execution]];
    case 'DeployGlobalContract':
      return [['DEPLOY_GLOBAL_CONTRACT_BASE', f.deployGlobalContractBase.execution], ['DEPLOY_GLOBAL_CONTRACT_BYTE', f.deployGlobalContractByte.execution * BigInt(a.code.length)]];
    case 'UseGlobalContract':
      return [['USE_GLOBAL_CONTRACT_BASE', f.useGlobalContractBase.execution], ['USE_GLOBAL_CONTRACT_BYTE', f.useGlobalContractByte.execution * globalContractIdLength(a.contractIdentifier)]];
    case 'DeterministicStateInit':
      return [
        ['DETERMINISTIC_STATE_INIT_BASE', f.deterministicStateInitBase.execution],
        ['DETERMINISTIC_STATE_INIT_ENTRY', f.deterministicStateInitEntry.execution * BigInt(a.stateInit.data.length)],
        ['DETERMINISTIC_STATE_INIT_BYTE', f.deterministicStateInitByte.execution * stateInitDataBytes(a.stateInit)],
      ];
    default: return [];
  }
}

/** nearcore `validate_receipt` in NewReceipt mode (verifier.rs): ids, input count, actions. */
function validateNewReceipt(config: RuntimeConfig, r: PendingReceipt): JsonValue | null {
  if (!isValidAccountId(r.predecessorId)) return { InvalidPredecessorId: { account_id: r.predecessorId } };
  if (!isValidAccountId(r.receiverId)) return { InvalidReceiverId: { account_id: r.receiverId } };
  const b = r.body;
  if (b.type === 'Action' || b.type === 'PromiseYield') {
    if (!isValidAccountId(b.action.signerId)) return { InvalidSignerId: { account_id: b.action.signerId } };
    for (const d of b.action.outputDataReceivers) {
      if (!isValidAccountId(d.receiverId)) return { InvalidDataReceiverId: { account_id: d.receiverId } };
    }
    const limit = config.wasm.maxNumberInputDataDependencies;
    if (b.action.inputDataIds.length > limit) {
      return { NumberInputDataDependenciesExceeded: { number_of_input_data_dependencies: b.action.inputDataIds.length, limit } };
    }
    const actionsError = validateActions(config, b.action.actions, r.receiverId);
    if (actionsError) return { ActionsValidation: actionsError };
  } else if ((b.type === 'Data' || b.type === 'PromiseResume') && b.data && b.data.length > config.wasm.maxLengthReturnedData) {
    return { ReturnedValueLengthExceeded: { length: b.data.length, limit: config.wasm.maxLengthReturnedData } };
  }
  return null;
}

/** Applies receipts for one block and reports outcomes; new receipts go to `outgoing`. */
export class ReceiptExecutor {
  readonly outcomes: ReceiptOutcome[] = [];
  /** Receipts for the next block (nearcore: outgoing receipts to this shard). */
  readonly outgoing: Receipt[] = [];
  /** Every receipt seen, by id hex (for `EXPERIMENTAL_receipt`). */
  readonly seen: Receipt[] = [];

  constructor(
    private readonly state: State,
    private readonly ctx: ApplyContext,
  ) {}

  /** nearcore `process_receipt`: data bookkeeping, postponing, then execution. */
  processReceipt(receipt: Receipt): void {
    const state = this.state;
    this.seen.push(receipt);
    // nearcore commits a receipt that runs nothing now as PostponedReceipt (lib.rs process_receipt)
    const postponed = { type: 'postponed_receipt', receiptId: receipt.receiptId } as const;
    const body = receipt.body;
    switch (body.type) {
      case 'Data': {
        state.receivedData.set(dataKey(receipt.receiverId, body.dataId), body.data);
        const waiting = state.postponedReceiptIds.get(dataKey(receipt.receiverId, body.dataId));
        if (waiting !== undefined) {
          state.postponedReceiptIds.delete(dataKey(receipt.receiverId, body.dataId));
          const entry = state.postponedReceipts.get(waiting)!;
          if (entry.pending <= 1) {
            state.postponedReceipts.delete(waiting);
            state.commit();
            this.executeActionReceipt(entry.receipt);
          } else {
            state.postponedReceipts.set(waiting, { ...entry, pending: entry.pending - 1 });
          }
        }
        state.commit(postponed);
        return;
      }
      case 'PromiseResume': {
        const key = dataKey(receipt.receiverId, body.dataId);
        // PV ≥ 83: a timeout (no data) after a resume was initiated is cancelled (lib.rs process_receipt)
        if (body.data === null && state.yieldStatus.get(key) === PromiseYieldStatus.ResumeInitiated) return;
        const yielded = state.yieldReceipts.get(key);
        if (!yielded) return; // already resumed or timed out: dropped with no outcome
        state.yieldReceipts.delete(key);
        state.yieldStatus.delete(key);
        // PV ≥ 85 (YieldWithId): a yield made with an id frees the id (remove_yield_id_mappings)
        const yieldId = this.ctx.config.protocolVersion >= 85 ? state.dataIdToYieldId.get(key) : undefined;
        if (yieldId) {
          state.yieldIdToDataId.delete(dataKey(receipt.receiverId, yieldId));
          state.dataIdToYieldId.delete(key);
        }
        state.receivedData.set(key, body.data);
        state.commit();
        this.executeActionReceipt(yielded);
        return;
      }
      case 'GlobalContractDistribution': {
        // apply_distribution_current_shard: the code is stored under its identifier; no execution outcome.
        state.globalCode.set(globalContractKey(body.id), { code: body.code, hash: sha256(body.code) });
        state.commit({ type: 'receipt_processing', receiptId: receipt.receiptId });
        return;
      }
      case 'PromiseYield': {
        state.yieldReceipts.set(dataKey(receipt.receiverId, body.action.inputDataIds[0]!), receipt);
        state.commit(postponed);
        return;
      }
      case 'Action': {
        let pending = 0;
        for (const id of body.action.inputDataIds) {
          const key = dataKey(receipt.receiverId, id);
          if (!state.receivedData.has(key)) {
            state.postponedReceiptIds.set(key, bytesToHex(receipt.receiptId));
            pending++;
          }
        }
        if (pending > 0) {
          state.postponedReceipts.set(bytesToHex(receipt.receiptId), { receipt, pending });
          state.commit(postponed);
          return;
        }
        state.commit();
        this.executeActionReceipt(receipt);
        return;
      }
    }
  }

  /**
   * nearcore `resolve_promise_yield_timeouts`: pops the timeout queue up to the first entry that has not expired
   * (entries are in creation order, so in expiry order); an expired yield still pending gets a `PromiseResume`
   * with no data. `PromiseYieldIndices` is written only when the queue moved.
   */
  resolveYieldTimeouts(): void {
    const state = this.state;
    const initial = state.promiseYieldIndices;
    let first = initial.firstIndex;
    let index = 0;
    while (first < initial.nextAvailableIndex) {
      const t = state.yieldTimeouts.get(first.toString());
      if (!t) throw new Error(`PromiseYield timeout queue entry #${first} should be in the state`);
      if (t.expiresAt > this.ctx.blockHeight) break;
      if (state.yieldReceipts.has(dataKey(t.accountId, t.dataId))) {
        const receiptId = receiptIdFromReceiptId(t.dataId, this.ctx.blockHeight, index++);
        this.outgoing.push({
          predecessorId: t.accountId,
          receiverId: t.accountId,
          receiptId,
          body: { type: 'PromiseResume', dataId: t.dataId, data: null },
        });
      }
      state.yieldTimeouts.delete(first.toString());
      first++;
    }
    if (first !== initial.firstIndex) state.yieldIndices.set(YIELD_QUEUE, { ...initial, firstIndex: first });
    state.commit({ type: 'updated_delayed_receipts' });
  }

  private executeActionReceipt(receipt: Receipt): void {
    const { state, ctx } = this;
    const { config } = ctx;
    const action = (receipt.body as { action: ActionReceipt }).action;
    const isRefund = receipt.predecessorId === SYSTEM_ACCOUNT_ID;

    // Input data is consumed before the receipt runs and stays consumed even if it fails.
    const promiseResults: PromiseResult[] = action.inputDataIds.map((id) => {
      const key = dataKey(receipt.receiverId, id);
      const data = state.receivedData.get(key);
      state.receivedData.delete(key);
      return data === null || data === undefined ? { kind: 'Failed' } : { kind: 'Successful', value: data };
    });
    const { receiptId } = receipt;
    state.commit({ type: 'action_receipt_processing_started', receiptId });

    const result: ActionResult = {
      gasBurnt: config.actionFees.newActionReceipt.execution,
      gasUsed: config.actionFees.newActionReceipt.execution,
      gasBurntForFunctionCall: 0n,
      logs: [],
      newReceipts: [],
      returnData: { kind: 'None' },
      error: null,
      yieldTimeouts: [],
      profile: new Map(),
      burntAmount: 0n,
      subsidizedAmount: 0n,
    };
    // lib.rs apply_action_receipt: `account_did_not_exist` is read before the first action
    const accountDidNotExist = state.getAccount(receipt.receiverId) === undefined;
    let actorId = receipt.predecessorId;
    for (let k = 0; k < action.actions.length; k++) {
      const a = action.actions[k]!;
      const ah = deriveActionHash(receipt.receiptId, ctx.blockHeight, k);
      const fee = execFee(config, a, receipt.receiverId);
      result.gasBurnt += fee;
      result.gasUsed += fee;
      for (const [name, gas] of actionProfile(config, a, receipt.receiverId)) this.addProfile(result, 'ACTION_COST', name, gas);
      const isLast = k === action.actions.length - 1;
      result.returnData = { kind: 'None' }; // the receipt's result is the last action's result
      const receiptsBefore = result.newReceipts.length;
      const out = this.applyAction(receipt, action, a, k, ah, actorId, isRefund, promiseResults, isLast ? action.outputDataReceivers.map((d) => d.receiverId) : [], result);
      if (out.error === null) {
        // lib.rs apply_action_receipt: receipts an action produced must pass validate_receipt (NewReceipt)
        for (const r of result.newReceipts.slice(receiptsBefore)) {
          const invalid = validateNewReceipt(config, r);
          if (invalid) {
            out.error = { NewReceiptValidationError: invalid };
            break;
          }
        }
      }
      if (out.error !== null) {
        result.error = { index: k, kind: out.error };
        result.newReceipts = [];
        result.yieldTimeouts = [];
        break;
      }
      actorId = out.actorId;
    }

    // Storage stake of the receiver after all actions (index null).
    if (!result.error) {
      const account = state.getAccount(receipt.receiverId);
      if (account) {
        const shortfall = storageStakeShortfall(config, account);
        if (shortfall > 0n) {
          result.error = { index: null, kind: { LackBalanceForState: { account_id: receipt.receiverId, amount: shortfall.toString() } } };
          result.newReceipts = [];
          result.yieldTimeouts = [];
        }
      }
    }

    // Refunds (lib.rs generate_refund_receipts), not for receipts from `system`.
    const failed = result.error !== null;
    let tokensBurnt = 0n;
    let burntDeposit = 0n;
    if (!isRefund) {
      const prepaidGas = totalPrepaidGas(action.actions) + totalPrepaidSendFees(config, action.actions);
      const prepaidExecGas = totalPrepaidExecFees(config, action.actions, receipt.receiverId) + config.actionFees.newActionReceipt.execution;
      const spent = failed ? result.gasBurnt : result.gasUsed;
      const grossGas = prepaidGas + prepaidExecGas - spent;
      const depositRefund = failed ? totalDeposit(action.actions) : 0n;
      // PV ≥ 85 (AccountCostIncrease): gas burns at min(purchase, block price) and the surplus is refunded.
      const accountCostIncrease = config.protocolVersion >= 85;
      const burnPrice = accountCostIncrease && action.gasPrice < ctx.gasPrice ? action.gasPrice : ctx.gasPrice;
      let gasRefundAmount = action.gasPrice * grossGas; // NEP-536 penalty is 0 at 77..86
      let deficit = 0n;
      let surplus = 0n;
      if (action.gasPrice >= burnPrice) surplus = (action.gasPrice - burnPrice) * result.gasBurnt;
      else deficit = (burnPrice - action.gasPrice) * result.gasBurnt;
      if (config.refundGasPriceChanges) {
        // pre-NEP-536 (PV ≤ 77): the pessimistic-price surplus comes back, a deficit is taken from the refund
        gasRefundAmount += surplus;
        if (deficit > gasRefundAmount) gasRefundAmount = 0n;
        else gasRefundAmount -= deficit;
      } else if (accountCostIncrease) {
        let burnedGasRefund = surplus;
        // lib.rs: created_new_account = account_did_not_exist && account.is_some() && result.is_ok(), so a
        // CreateAccount undone by a DeleteAccount in the same receipt is not charged
        const createdNewAccount = accountDidNotExist && !failed && state.getAccount(receipt.receiverId) !== undefined;
        if (createdNewAccount) {
          // lib.rs refund_unspent_gas_and_deposits: creating an account costs account_creation_charge in all
          const burned = burnPrice * config.actionFees.createAccount.execution;
          const wanted = config.accountCreationCharge > burned ? config.accountCreationCharge - burned : 0n;
          const charged = wanted < burnedGasRefund ? wanted : burnedGasRefund;
          burnedGasRefund -= charged;
          tokensBurnt += charged;
        }
        gasRefundAmount += burnedGasRefund;
      } else {
        tokensBurnt += surplus; // PV 78–84: a surplus (zero with inflation 1/1) stays burnt
      }
      tokensBurnt += burnPrice * result.gasBurnt - deficit;
      // Receipt::balance_refund_receiver: the predecessor unless it chose another account (promise_set_refund_to).
      if (depositRefund > 0n) result.newReceipts.push(balanceRefund(action.refundTo ?? receipt.predecessorId, depositRefund));
      if (gasRefundAmount > 0n) result.newReceipts.push(gasRefund(action.signerId, gasRefundAmount, action.signerPublicKey));
    } else if (failed) {
      // A failed refund burns its deposit (lib.rs: other_burnt_amount).
      burntDeposit = totalDeposit(action.actions);
    }

    if (failed) state.rollback();
    else state.commit({ type: 'receipt_processing', receiptId });
    const receiverDeleted = !state.getAccount(receipt.receiverId);

    // Contract reward: 30% of the VM gas, paid even when the receipt failed, if the receiver exists.
    let reward = 0n;
    if (!receiverDeleted && result.gasBurntForFunctionCall > 0n) {
      const { numerator, denominator } = config.burntGasReward;
      const rewardGas = (result.gasBurntForFunctionCall * numerator) / denominator;
      // lib.rs: at the burn price from PV 85, at the purchase price for 78–84, at the block price before
      const price = config.protocolVersion >= 85 ? (action.gasPrice < ctx.gasPrice ? action.gasPrice : ctx.gasPrice) : config.protocolVersion >= 78 ? action.gasPrice : ctx.gasPrice;
      reward = rewardGas * price;
      const acc = state.getAccount(receipt.receiverId)!;
      state.setAccount(receipt.receiverId, { ...acc, amount: acc.amount + reward });
      state.commit({ type: 'action_receipt_gas_reward', receiptId });
    }

    for (const y of result.yieldTimeouts) {
      state.enqueueYieldTimeout({
        accountId: receipt.receiverId,
        dataId: y.dataId,
        expiresAt: ctx.blockHeight + BigInt(config.wasm.yieldTimeoutLengthInBlocks),
      });
    }
    state.commit({ type: 'receipt_processing', receiptId });

    // Output data (lib.rs): forward receivers to the returned promise, or send data receipts.
    if (action.outputDataReceivers.length > 0) {
      if (!failed && result.returnData.kind === 'ReceiptIndex') {
        const target = result.newReceipts[result.returnData.index]!;
        const tb = target.body as { action: ActionReceipt };
        tb.action = { ...tb.action, outputDataReceivers: [...tb.action.outputDataReceivers, ...action.outputDataReceivers] };
      } else {
        const data = failed ? null : result.returnData.kind === 'Value' ? result.returnData.value : new Uint8Array();
        for (const r of action.outputDataReceivers) {
          result.newReceipts.push({ predecessorId: receipt.receiverId, receiverId: r.receiverId, body: { type: 'Data', dataId: r.dataId, data } });
        }
      }
    }

    const receiptIds: string[] = [];
    const created: Receipt[] = result.newReceipts.map((r, i) => ({ ...r, receiptId: receiptIdFromReceiptId(receipt.receiptId, ctx.blockHeight, i) }));
    for (const r of created) {
      if (isActionLike(r)) receiptIds.push(hashToString(r.receiptId));
      this.outgoing.push(r);
    }

    let status: ExecutionOutcomeView['status'];
    if (result.error) status = { Failure: { ActionError: result.error } };
    else if (result.returnData.kind === 'ReceiptIndex') status = { SuccessReceiptId: hashToString(created[result.returnData.index]!.receiptId) };
    else if (result.returnData.kind === 'Value') status = { SuccessValue: toBase64(result.returnData.value) };
    else status = { SuccessValue: '' };

    const gasProfile: GasProfileEntry[] = [...result.profile.entries()]
      .filter(([, v]) => v.gas > 0n)
      .map(([cost, v]) => ({ cost_category: v.category, cost, gas_used: v.gas.toString() }))
      .sort((a, b) => (a.cost_category === b.cost_category ? (a.cost < b.cost ? -1 : a.cost > b.cost ? 1 : 0) : a.cost_category < b.cost_category ? -1 : 1));

    this.outcomes.push({
      receiptId: receipt.receiptId,
      receipt,
      // chain/chain runtime: balance_burnt = tx + other burnt − subsidized_amount (the subsidy is minted)
      supplyDelta: tokensBurnt - reward + burntDeposit + (failed ? 0n : result.burntAmount - result.subsidizedAmount),
      outcome: {
        logs: result.logs,
        receipt_ids: receiptIds,
        gas_burnt: Number(result.gasBurnt),
        // ActionResult.tokens_burnt (DeployGlobalContract storage, burnt gas-key balances) counts when the receipt succeeds
        tokens_burnt: ((isRefund ? 0n : tokensBurnt) + (failed ? 0n : result.burntAmount)).toString(),
        executor_id: receipt.receiverId,
        status,
        metadata: { version: 3, gas_profile: gasProfile },
      },
    });
  }

  private addProfile(result: ActionResult, category: GasProfileEntry['cost_category'], name: string, gas: bigint): void {
    const cur = result.profile.get(name);
    result.profile.set(name, { category, gas: (cur?.gas ?? 0n) + gas });
  }

  /** Existence check, permission check, then the action (actions.rs). Returns the error kind or the new actor. */
  private applyAction(
    receipt: Receipt,
    actionReceipt: ActionReceipt,
    a: Action,
    index: number,
    actionHashValue: Uint8Array,
    actorId: string,
    isRefund: boolean,
    promiseResults: PromiseResult[],
    outputDataReceivers: string[],
    result: ActionResult,
  ): { error: ActionErrorKind | null; actorId: string } {
    const { state, ctx } = this;
    const { config } = ctx;
    const accountId = receipt.receiverId;
    const account = state.getAccount(accountId);
    const fail = (kind: ActionErrorKind) => ({ error: kind, actorId });

    // check_account_existence (a DeterministicStateInit creates its account or leaves an existing one be)
    const type = accountType(accountId, config.wasm.deterministicAccountIds);
    const implicit = type !== 'NamedAccount';
    if (a.type === 'DeterministicStateInit') {
      // no existence requirement
    } else if (a.type === 'CreateAccount') {
      if (account) return fail({ AccountAlreadyExists: { account_id: accountId } });
      if (implicit) return fail({ OnlyImplicitAccountCreationAllowed: { account_id: accountId } });
    } else if (a.type === 'Transfer') {
      if (!account && !(implicit && actionReceipt.actions.length === 1 && !isRefund)) {
        return fail({ AccountDoesNotExist: { account_id: accountId } });
      }
    } else if (!account) {
      return fail({ AccountDoesNotExist: { account_id: accountId } });
    }

    // check_actor_permissions
    if (
      a.type === 'DeployContract' || a.type === 'Stake' || a.type === 'AddKey' || a.type === 'DeleteKey' || a.type === 'DeleteAccount' ||
      a.type === 'DeployGlobalContract' || a.type === 'UseGlobalContract' || a.type === 'WithdrawFromGasKey'
    ) {
      if (actorId !== accountId) return fail({ ActorNoPermission: { account_id: accountId, actor_id: actorId } });
      if (a.type === 'DeleteAccount' && account!.locked !== 0n) return fail({ DeleteAccountStaking: { account_id: accountId } });
    }

    switch (a.type) {
      case 'CreateAccount': {
        const pred = receipt.predecessorId;
        if (isTopLevelAccountId(accountId)) {
          if (accountId.length < config.minAllowedTopLevelAccountLength && pred !== config.registrarAccountId) {
            return fail({ CreateAccountOnlyByRegistrar: { account_id: accountId, registrar_account_id: config.registrarAccountId, predecessor_id: pred } });
          }
        } else if (!isSubAccountOf(accountId, pred)) {
          return fail({ CreateAccountNotAllowed: { account_id: accountId, predecessor_id: pred } });
        }
        state.setAccount(accountId, { amount: 0n, locked: 0n, codeHash: NO_CODE_HASH, storageUsage: config.storageNumBytesAccount });
        return { error: null, actorId: accountId };
      }
      case 'Transfer': {
        if (account) {
          const gasRefund = isRefund && actionReceipt.signerId === accountId;
          // actions.rs action_transfer: a gas refund for a transaction a gas key signed goes back to that gas key.
          if (gasRefund && this.tryRefundGasKey(accountId, actionReceipt.signerPublicKey, a.deposit)) return { error: null, actorId };
          state.setAccount(accountId, { ...account, amount: account.amount + a.deposit });
          if (gasRefund) this.tryRefundAllowance(accountId, actionReceipt.signerPublicKey, a.deposit);
          return { error: null, actorId };
        }
        return { error: null, actorId: this.createImplicitAccount(accountId, a.deposit, result) };
      }
      case 'DeployContract': {
        const usage = this.clearContractStorageUsage(accountId, account!) + BigInt(a.code.length);
        state.code.set(accountId, a.code);
        const { global: _, ...rest } = account!;
        state.setAccount(accountId, { ...rest, codeHash: sha256(a.code), storageUsage: usage });
        return { error: null, actorId };
      }
      case 'FunctionCall':
        return { error: this.functionCall(receipt, actionReceipt, a, account!, actionHashValue, promiseResults, outputDataReceivers, result), actorId };
      case 'Stake': {
        const acc = account!;
        const increment = a.stake > acc.locked ? a.stake - acc.locked : 0n;
        if (acc.amount < increment) {
          return fail({ TriesToStake: { account_id: accountId, stake: a.stake.toString(), locked: acc.locked.toString(), balance: acc.amount.toString() } });
        }
        if (acc.locked === 0n && a.stake === 0n) return fail({ TriesToUnstake: { account_id: accountId } });
        if (a.stake > 0n && a.stake < ctx.minimumStake) {
          return fail({ InsufficientStake: { account_id: accountId, stake: a.stake.toString(), minimum_stake: ctx.minimumStake.toString() } });
        }
        // actions.rs action_stake: a raise is locked at once; a lower stake is only a proposal, and the
        // difference comes back at the epoch boundary (chain.ts applies it).
        if (a.stake > acc.locked) state.setAccount(accountId, { ...acc, amount: acc.amount - increment, locked: a.stake });
        else state.stakeProposals.set(accountId, a.stake);
        return { error: null, actorId };
      }
      case 'AddKey': {
        if (state.getAccessKey(accountId, a.publicKey)) {
          return fail({ AddKeyAlreadyExists: { account_id: accountId, public_key: publicKeyToString(a.publicKey) } });
        }
        // access_keys.rs action_add_key: a regular key starts at (height − 1)·10⁶; a gas key keeps nonce 0 and gets
        // num_nonces nonce rows at that value instead (add_gas_key), and pays storage for them.
        const nonce = (ctx.blockHeight - 1n) * ACCESS_KEY_NONCE_RANGE_MULTIPLIER;
        const info = gasKeyInfo(a.accessKey.permission);
        const stored = { nonce: info ? 0n : nonce, permission: a.accessKey.permission };
        state.setAccessKey(accountId, a.publicKey, stored);
        // access_key_storage_usage prices the key by its trie id (PublicKey::trie_id_len: 33 for ML-DSA-65)
        const pkLen = publicKeyTrieIdLength(a.publicKey);
        let bytes = BigInt(pkLen + accessKeyBorshLength(stored)) + config.storageNumExtraBytesRecord;
        if (info) {
          for (let i = 0; i < info.numNonces; i++) state.setGasKeyNonce(accountId, a.publicKey, i, nonce);
          bytes += gasKeyNoncesStorageUsage(config, pkLen, info.numNonces);
        }
        state.setAccount(accountId, { ...account!, storageUsage: account!.storageUsage + bytes });
        return { error: null, actorId };
      }
      case 'DeleteKey': {
        const existing = state.getAccessKey(accountId, a.publicKey);
        if (!existing) return fail({ DeleteKeyDoesNotExist: { account_id: accountId, public_key: publicKeyToString(a.publicKey) } });
        const pkLen = publicKeyTrieIdLength(a.publicKey);
        let bytes = BigInt(pkLen + accessKeyBorshLength(existing)) + config.storageNumExtraBytesRecord;
        const info = gasKeyInfo(existing.permission);
        if (info) {
          // A gas key's balance is burnt with it, up to GasKeyInfo::MAX_BALANCE_TO_BURN (1 NEAR).
          if (info.balance > GAS_KEY_MAX_BALANCE_TO_BURN) {
            return fail({ GasKeyBalanceTooHigh: { account_id: accountId, public_key: publicKeyToString(a.publicKey), balance: info.balance.toString() } });
          }
          result.burntAmount += info.balance;
          for (let i = 0; i < info.numNonces; i++) state.removeGasKeyNonce(accountId, a.publicKey, i);
          bytes += gasKeyNoncesStorageUsage(config, pkLen, info.numNonces);
        }
        state.removeAccessKey(accountId, a.publicKey);
        const usage = account!.storageUsage > bytes ? account!.storageUsage - bytes : 0n;
        state.setAccount(accountId, { ...account!, storageUsage: usage });
        return { error: null, actorId };
      }
      case 'TransferToGasKey':
      case 'WithdrawFromGasKey': {
        // access_keys.rs action_transfer_to_gas_key / action_withdraw_from_gas_key
        const ak = state.getAccessKey(accountId, a.publicKey);
        const info = ak ? gasKeyInfo(ak.permission) : null;
        if (!ak || !info) return fail({ GasKeyDoesNotExist: { account_id: accountId, public_key: publicKeyToString(a.publicKey) } });
        if (a.type === 'TransferToGasKey') {
          state.setAccessKey(accountId, a.publicKey, { ...ak, permission: { ...ak.permission, balance: info.balance + a.deposit } as AccessKeyPermission });
          return { error: null, actorId };
        }
        if (info.balance < a.amount) {
          return fail({
            InsufficientGasKeyBalance: { account_id: accountId, public_key: publicKeyToString(a.publicKey), balance: info.balance.toString(), required: a.amount.toString() },
          });
        }
        state.setAccessKey(accountId, a.publicKey, { ...ak, permission: { ...ak.permission, balance: info.balance - a.amount } as AccessKeyPermission });
        state.setAccount(accountId, { ...account!, amount: account!.amount + a.amount });
        return { error: null, actorId };
      }
      case 'DeleteAccount': {
        // FixDeleteAccountGlobalContractStorageUsage (85): a global contract's identifier counts like local code.
        const acc = account!;
        const codeLen = acc.global ? (config.protocolVersion >= 85 ? globalContractIdLength(acc.global) : 0n) : BigInt(state.getCode(accountId)?.length ?? 0);
        if (account!.storageUsage - codeLen > MAX_ACCOUNT_DELETION_STORAGE_USAGE) {
          return fail({ DeleteAccountWithLargeState: { account_id: accountId } });
        }
        // actions.rs action_delete_account: the gas keys' balances are burnt, up to 1 NEAR in all.
        const gasKeyBalances = state.listAccessKeys(accountId).reduce((sum, k) => sum + (gasKeyInfo(k.accessKey.permission)?.balance ?? 0n), 0n);
        if (gasKeyBalances > GAS_KEY_MAX_BALANCE_TO_BURN) {
          return fail({ GasKeyBalanceTooHigh: { account_id: accountId, public_key: null, balance: gasKeyBalances.toString() } });
        }
        result.burntAmount += gasKeyBalances;
        if (account!.amount > 0n) result.newReceipts.push(balanceRefund(a.beneficiaryId, account!.amount));
        state.removeAccount(accountId);
        return { error: null, actorId: receipt.predecessorId };
      }
      case 'Delegate':
        return { error: this.delegate(receipt, actionReceipt, a.signedDelegate, result), actorId };
      case 'DeployGlobalContract': {
        // global_contracts.rs action_deploy_global_contract: the code's storage is burnt, not staked.
        const cost = config.globalContractStorageAmountPerByte * BigInt(a.code.length);
        if (account!.amount < cost) return fail({ LackBalanceForState: { account_id: accountId, amount: cost.toString() } });
        state.setAccount(accountId, { ...account!, amount: account!.amount - cost });
        result.burntAmount += cost;
        // initiate_distribution: the code reaches the shard through a receipt applied in a later block.
        const id = a.deployMode === 'CodeHash' ? { type: 'CodeHash' as const, hash: sha256(a.code) } : { type: 'AccountId' as const, accountId };
        result.newReceipts.push({ predecessorId: accountId, receiverId: accountId, body: { type: 'GlobalContractDistribution', id, code: a.code } });
        return { error: null, actorId };
      }
      case 'UseGlobalContract': {
        const used = this.useGlobalContract(accountId, account!, a.contractIdentifier);
        if ('error' in used) return fail(used.error);
        state.setAccount(accountId, used.account);
        return { error: null, actorId };
      }
      case 'DeterministicStateInit':
        return { error: this.deterministicStateInit(receipt, actionReceipt, a, account, result), actorId };
    }
  }

  /** global_contracts.rs use_global_contract: the account runs the global code; local code and its storage go. */
  private useGlobalContract(accountId: string, account: Account, id: GlobalContractIdentifier): { account: Account } | { error: ActionErrorKind } {
    const global = this.state.globalCode.get(globalContractKey(id));
    if (!global) {
      return { error: { GlobalContractDoesNotExist: { identifier: id.type === 'CodeHash' ? { CodeHash: hashToString(id.hash) } : { AccountId: id.accountId } } } };
    }
    const usage = this.clearContractStorageUsage(accountId, account) + globalContractIdLength(id);
    this.state.code.delete(accountId);
    return { account: { ...account, codeHash: id.type === 'CodeHash' ? id.hash : global.hash, storageUsage: usage, global: id } };
  }

  /**
   * NEP-616 (deterministic_account_id.rs action_deterministic_state_init): a missing account is created with
   * no balance; one without code gets the global contract and the data entries; one with code is left as it
   * is. The deposit then pays what storage still lacks and the rest goes back to the refund receiver. The
   * actor stays the predecessor, so nobody gains the right to add keys or deploy code on the account.
   */
  private deterministicStateInit(
    receipt: Receipt,
    actionReceipt: ActionReceipt,
    a: Extract<Action, { type: 'DeterministicStateInit' }>,
    existing: Account | undefined,
    result: ActionResult,
  ): ActionErrorKind | null {
    const { state, ctx } = this;
    const { config } = ctx;
    const accountId = receipt.receiverId;
    let account: Account = existing ?? { amount: 0n, locked: 0n, codeHash: NO_CODE_HASH, storageUsage: config.storageNumBytesAccount };
    if (accountContractOf(account).kind === 'None') {
      const used = this.useGlobalContract(accountId, account, a.stateInit.code);
      if ('error' in used) return used.error;
      account = used.account;
      for (const [key, value] of a.stateInit.data) {
        state.setData(accountId, key, value);
        account = { ...account, storageUsage: account.storageUsage + BigInt(key.length + value.length) + config.storageNumExtraBytesRecord };
      }
    }
    const missing = storageStakeShortfall(config, account);
    const taken = missing < a.deposit ? missing : a.deposit;
    state.setAccount(accountId, { ...account, amount: account.amount + taken });
    if (a.deposit > taken) result.newReceipts.push(balanceRefund(actionReceipt.refundTo ?? receipt.predecessorId, a.deposit - taken));
    return null;
  }

  /** nearcore `clear_account_contract_storage_usage`: the usage without the current code (or global identifier). */
  private clearContractStorageUsage(accountId: string, account: Account): bigint {
    const held = account.global ? globalContractIdLength(account.global) : BigInt(this.state.getCode(accountId)?.length ?? 0);
    return account.storageUsage > held ? account.storageUsage - held : 0n;
  }

  /** Transfer to a missing implicit account creates it (actions.rs `action_implicit_account_creation_transfer`). */
  private createImplicitAccount(accountId: string, deposit: bigint, result: ActionResult): string {
    const { state, ctx } = this;
    const { config } = ctx;
    if (accountType(accountId) === 'NearImplicitAccount') {
      const publicKey: PublicKey = { keyType: 0, data: Uint8Array.from(Buffer.from(accountId, 'hex')) };
      const accessKey: AccessKey = { nonce: (ctx.blockHeight - 1n) * ACCESS_KEY_NONCE_RANGE_MULTIPLIER, permission: { type: 'FullAccess' } };
      state.setAccessKey(accountId, publicKey, accessKey);
      const usage = config.storageNumBytesAccount + BigInt(publicKeyBorsh(publicKey).length + accessKeyBorshLength(accessKey)) + config.storageNumExtraBytesRecord;
      state.setAccount(accountId, { amount: deposit, locked: 0n, codeHash: NO_CODE_HASH, storageUsage: usage });
    } else if (accountType(accountId, config.wasm.deterministicAccountIds) === 'NearDeterministicAccount') {
      // actions.rs action_implicit_account_creation_transfer → create_deterministic_account: no key, no code
      state.setAccount(accountId, { amount: deposit, locked: 0n, codeHash: NO_CODE_HASH, storageUsage: config.storageNumBytesAccount });
    } else {
      // ETH-implicit: nearcore points the account at the wallet contract (PV ≥ 83: a global contract,
      // usage 100 + 32). This node creates the keyless account but does not run the wallet contract.
      const usage = config.storageNumBytesAccount + (config.protocolVersion >= 83 ? 32n : 0n);
      state.setAccount(accountId, { amount: deposit, locked: 0n, codeHash: NO_CODE_HASH, storageUsage: usage });
    }
    return accountId;
  }

  /** A gas refund to a gas key tops up its balance; false if the signer key is not a gas key (any more). */
  private tryRefundGasKey(accountId: string, pk: PublicKey, amount: bigint): boolean {
    const ak = this.state.getAccessKey(accountId, pk);
    const info = ak ? gasKeyInfo(ak.permission) : null;
    if (!ak || !info) return false;
    this.state.setAccessKey(accountId, pk, { ...ak, permission: { ...ak.permission, balance: info.balance + amount } as AccessKeyPermission });
    return true;
  }

  /** `try_refund_allowance`: a gas refund tops up the signer key's allowance (saturating). */
  private tryRefundAllowance(accountId: string, pk: PublicKey, amount: bigint): void {
    const ak = this.state.getAccessKey(accountId, pk);
    if (!ak || ak.permission.type !== 'FunctionCall' || ak.permission.allowance === null) return;
    const U128_MAX = (1n << 128n) - 1n;
    const next = ak.permission.allowance + amount;
    this.state.setAccessKey(accountId, pk, { ...ak, permission: { ...ak.permission, allowance: next > U128_MAX ? U128_MAX : next } });
  }

  private functionCall(
    receipt: Receipt,
    actionReceipt: ActionReceipt,
    a: Extract<Action, { type: 'FunctionCall' }>,
    account: Account,
    actionHashValue: Uint8Array,
    promiseResults: PromiseResult[],
    outputDataReceivers: string[],
    result: ActionResult,
  ): ActionErrorKind | null {
    const { state, ctx } = this;
    const accountId = receipt.receiverId;
    const contract = accountCode(state, accountId, account);
    if (!contract) {
      return { FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: accountId } } } };
    }
    if (!ctx.runFunctionCall) {
      throw new Error('the contract VM (src/vm/index.ts runFunctionCall) is not available in this build');
    }
    let dataCount = 0;
    const nextDataId = () => deriveDataId(actionHashValue, ctx.blockHeight, dataCount++);
    const resumes: PendingReceipt[] = [];
    const statusInTrie = ctx.config.protocolVersion >= 83;
    /** Before 83: yields this call made and has not resumed, and those it resumed (data ids in hex). */
    const yieldsOfThisCall = new Set<string>();
    const resolvedInCall = new Set<string>();
    const external: External = {
      storageGet: (key) => state.getData(accountId, key),
      storageSet: (key, value) => state.setData(accountId, key, value),
      storageRemove: (key) => state.removeData(accountId, key),
      storageHasKey: (key) => state.getData(accountId, key) !== undefined,
      storageAccess: (key, walkTrie) => state.contractStorageAccess(accountId, key, walkTrie),
      validatorStake: (id) => ctx.validatorStake(id),
      validatorTotalStake: () => ctx.validatorTotalStake(),
      generateDataId: nextDataId,
      // runtime ext.rs: the yield's status and id maps go straight to the state (undone if the receipt fails)
      createPromiseYield: (yieldId) => {
        const idKey = yieldId && dataKey(accountId, yieldId);
        if (idKey && state.yieldIdToDataId.has(idKey)) return undefined;
        const id = nextDataId();
        const key = dataKey(accountId, id);
        if (idKey) {
          state.yieldIdToDataId.set(idKey, id);
          state.dataIdToYieldId.set(key, yieldId);
        }
        // PV ≥ 83 (YieldResumeImprovements, PR #15085): so the yield can be resumed before its receipt is stored
        if (statusInTrie) state.yieldStatus.set(key, PromiseYieldStatus.Yielded);
        else yieldsOfThisCall.add(bytesToHex(id));
        return id;
      },
      yieldDataId: (yieldId) => state.yieldIdToDataId.get(dataKey(accountId, yieldId)),
      submitYieldResume: (dataIdValue, payload) => {
        const key = dataKey(accountId, dataIdValue);
        // Before 83, a yield of this very call is resolved in the receipt manager (receipt_manager.rs
        // checked_resolve_promise_yield): it becomes a plain action receipt, with no timeout, and the payload
        // a plain data receipt.
        if (!statusInTrie && !state.yieldReceipts.has(key) && yieldsOfThisCall.delete(bytesToHex(dataIdValue))) {
          resolvedInCall.add(bytesToHex(dataIdValue));
          resumes.push({ predecessorId: accountId, receiverId: accountId, body: { type: 'Data', dataId: dataIdValue, data: payload } });
          return true;
        }
        if (!state.yieldReceipts.has(key) && !(statusInTrie && state.yieldStatus.has(key))) return false;
        // Every resume until the callback runs succeeds; the later ones' receipts find no yield and are dropped
        // (ext.rs submit_promise_resume_data; nearcore issue #15200).
        if (statusInTrie) state.yieldStatus.set(key, PromiseYieldStatus.ResumeInitiated);
        resumes.push({ predecessorId: accountId, receiverId: accountId, body: { type: 'PromiseResume', dataId: dataIdValue, data: payload } });
        return true;
      },
    };
    const vm = ctx.runFunctionCall({
      code: contract.code,
      codeHash: contract.hash,
      methodName: a.methodName,
      protocolVersion: ctx.config.protocolVersion,
      external,
      context: {
        currentAccountId: accountId,
        signerAccountId: actionReceipt.signerId,
        signerAccountPk: publicKeyBorsh(actionReceipt.signerPublicKey),
        predecessorAccountId: receipt.predecessorId,
        input: a.args,
        promiseResults,
        blockHeight: ctx.blockHeight,
        blockTimestamp: ctx.blockTimestamp,
        epochHeight: ctx.epochHeight,
        accountBalance: account.amount,
        accountLockedBalance: account.locked,
        storageUsage: account.storageUsage,
        attachedDeposit: a.deposit,
        prepaidGas: a.gas,
        randomSeed: randomSeed(actionHashValue, ctx.randomValue),
        isView: false,
        outputDataReceivers,
        chainId: ctx.chainId,
        refundToAccountId: actionReceipt.refundTo ?? receipt.predecessorId,
        accountContract: accountContractOf(account),
      },
    });
    result.gasBurnt += vm.burntGas;
    result.gasBurntForFunctionCall += vm.burntGas;
    result.gasUsed += vm.usedGas;
    result.logs.push(...vm.logs);
    for (const [name, gas] of Object.entries(vm.profile)) {
      this.addProfile(result, ACTION_COST_KEYS.has(name) ? 'ACTION_COST' : 'WASM_HOST_COST', name, gas);
    }
    if (vm.aborted) return { FunctionCallError: vm.aborted as JsonValue };

    const current = state.getAccount(accountId)!;
    state.setAccount(accountId, { ...current, amount: vm.balance, storageUsage: vm.storageUsage });
    result.subsidizedAmount += vm.subsidizedAmount;

    // Promises → receipts, with the data ids the VM took for their dependencies (ReceiptManager::create_action_receipt).
    const base = result.newReceipts.length;
    const made: PendingReceipt[] = vm.receipts.map((p) => {
      const actionBody: ActionReceipt = {
        signerId: actionReceipt.signerId,
        signerPublicKey: actionReceipt.signerPublicKey,
        gasPrice: actionReceipt.gasPrice,
        outputDataReceivers: [],
        inputDataIds: p.yieldDataId ? [p.yieldDataId] : [],
        actions: p.actions.map(toAction),
        ...(p.refundTo !== undefined ? { refundTo: p.refundTo } : {}),
      };
      const isYield = p.yieldDataId !== undefined && !resolvedInCall.has(bytesToHex(p.yieldDataId));
      return { predecessorId: accountId, receiverId: p.receiverId, body: isYield ? { type: 'PromiseYield', action: actionBody } : { type: 'Action', action: actionBody } };
    });
    vm.receipts.forEach((p, i) => {
      for (const [j, dep] of p.dependsOn.entries()) {
        const id = p.dependencyDataIds[j]!;
        const target = made[dep]!.body as { action: ActionReceipt };
        target.action.outputDataReceivers.push({ dataId: id, receiverId: p.receiverId });
        (made[i]!.body as { action: ActionReceipt }).action.inputDataIds.push(id);
      }
      if (made[i]!.body.type === 'PromiseYield') result.yieldTimeouts.push({ dataId: p.yieldDataId! });
    });
    result.newReceipts.push(...made, ...resumes);
    const rd = vm.returnData;
    result.returnData = rd.kind === 'ReceiptIndex' ? { kind: 'ReceiptIndex', index: base + rd.index } : rd.kind === 'Value' ? { kind: 'Value', value: rd.value } : { kind: 'None' };
    return null;
  }

  /** NEP-366 (actions.rs `apply_delegate_action`). */
  private delegate(receipt: Receipt, actionReceipt: ActionReceipt, signed: Extract<Action, { type: 'Delegate' }>['signedDelegate'], result: ActionResult): ActionErrorKind | null {
    const { state, ctx } = this;
    const { config } = ctx;
    const d = signed.delegateAction;
    if (!verifySignature(signed.signature, delegateActionHash(d), d.publicKey)) return 'DelegateActionInvalidSignature';
    if (ctx.blockHeight > d.maxBlockHeight) return 'DelegateActionExpired';
    if (d.senderId !== receipt.receiverId) return { DelegateActionSenderDoesNotMatchTxReceiver: { sender_id: d.senderId, receiver_id: receipt.receiverId } };
    const ak = state.getAccessKey(d.senderId, d.publicKey);
    if (!ak) return { DelegateActionAccessKeyError: { AccessKeyNotFound: { account_id: d.senderId, public_key: publicKeyToString(d.publicKey) } } };
    // actions.rs apply_delegate_action: a plain nonce advances the key's nonce and refuses a gas key; a gas-key
    // nonce (DelegateV2) advances the gas key's nonce row at nonce_index.
    const nonceIndex = d.v2?.nonceIndex ?? null;
    const gasKey = gasKeyInfo(ak.permission);
    let current = ak.nonce;
    if (nonceIndex === null) {
      if (gasKey) return { DelegateActionAccessKeyError: 'DelegateActionRequiresNonGasKey' };
    } else {
      if (!gasKey) return { DelegateActionAccessKeyError: 'DelegateActionRequiresGasKey' };
      if (nonceIndex >= gasKey.numNonces) return { DelegateActionInvalidNonceIndex: { nonce_index: nonceIndex, num_nonces: gasKey.numNonces } };
      current = state.getGasKeyNonce(d.senderId, d.publicKey, nonceIndex)!;
    }
    if (d.nonce <= current) return { DelegateActionInvalidNonce: { delegate_nonce: Number(d.nonce), ak_nonce: Number(current) } };
    const upper = ctx.blockHeight * ACCESS_KEY_NONCE_RANGE_MULTIPLIER;
    if (d.nonce >= upper) return { DelegateActionNonceTooLarge: { delegate_nonce: Number(d.nonce), upper_bound: Number(upper) } };
    const keyError = functionCallKeyError(ak, d.receiverId, d.actions, config.protocolVersion < 85);
    if (keyError) return { DelegateActionAccessKeyError: keyError };
    if (nonceIndex === null) state.setAccessKey(d.senderId, d.publicKey, { ...ak, nonce: d.nonce });
    else state.setGasKeyNonce(d.senderId, d.publicKey, nonceIndex, d.nonce);

    result.newReceipts.push({
      predecessorId: d.senderId,
      receiverId: d.receiverId,
      body: {
        type: 'Action',
        action: {
          signerId: actionReceipt.signerId,
          signerPublicKey: actionReceipt.signerPublicKey,
          gasPrice: actionReceipt.gasPrice,
          outputDataReceivers: [],
          inputDataIds: [],
          actions: d.actions,
        },
      },
    });
    // The inner receipt's send fees were prepaid; they are burnt now. Its exec fees and gas are "used".
    const prepaidSend = totalPrepaidSendFees(config, [{ type: 'Delegate', signedDelegate: signed }]);
    const required = totalPrepaidExecFees(config, d.actions, d.receiverId) + totalPrepaidGas(d.actions) + config.actionFees.newActionReceipt.execution;
    result.gasBurnt += prepaidSend;
    result.gasUsed += prepaidSend + required;
    return null;
  }
}

export { dataKey };

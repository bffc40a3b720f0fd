/**
 * Withdrawals: earnings leave the contract only to their owner's own account, in NEAR or with the
 * token's ft_transfer. The amount is taken off before the transfer and restored exactly once by the
 * private callback if the transfer failed, so it is never paid twice and never lost.
 *
 * `withdraw` needs no deposit on purpose: it can only pay the caller itself, so a function-call key
 * (a relayed, gasless tasker) can collect its own earnings but cannot send them anywhere else.
 *
 * Rules (panic messages, each prefixed `TaskMarketplace: `): `token is not a valid account id`,
 * `withdraw needs at least 60 Tgas of prepaid gas`, `nothing to withdraw`.
 */
import { near, type PromiseIndex } from 'near-sdk-js';
import { checkedAdd, parseAmount } from '../../lib/amount';
import { require } from '../../lib/errors';
import { NEAR_TOKEN, assertAccountId, earningsOf, emit, ledgerOf, saveLedger, setEarnings } from './records';

const TGAS = 1_000_000_000_000n;
const GAS_FOR_FT_TRANSFER = 15n * TGAS;
const GAS_FOR_WITHDRAW_CALLBACK = 15n * TGAS;
/** withdraw's own work plus the transfer and the callback it schedules. */
const GAS_FOR_WITHDRAW = 60n * TGAS;

export function withdraw(token: string): void {
  const accountId = near.predecessorAccountId();
  if (token !== NEAR_TOKEN) assertAccountId(token, 'token');
  // Without enough gas the callback could not run; refuse up front rather than fail half-way.
  require(near.prepaidGas() >= GAS_FOR_WITHDRAW, `TaskMarketplace: withdraw needs at least ${GAS_FOR_WITHDRAW / TGAS} Tgas of prepaid gas`);
  // Earnings are stored as BigInt#toString output, so the stored text is the canonical amount.
  const stored = earningsOf(accountId, token);
  require(BigInt(stored) > 0n, 'TaskMarketplace: nothing to withdraw');
  setEarnings(accountId, token, '0');
  emit('withdraw_started', [{ account_id: accountId, token, amount: stored }]);
  // near-sdk-js's promise host API rather than NearPromise, whose classes would add ~13 KB of
  // source to the bundle that every call reads; the receipts are the same.
  let payout: PromiseIndex;
  if (token === NEAR_TOKEN) {
    payout = near.promiseBatchCreate(accountId);
    near.promiseBatchActionTransfer(payout, BigInt(stored));
  } else {
    payout = near.promiseBatchCreate(token);
    near.promiseBatchActionFunctionCall(payout, 'ft_transfer', JSON.stringify({ receiver_id: accountId, amount: stored, memo: 'task_marketplace withdraw' }), 1n, GAS_FOR_FT_TRANSFER);
  }
  const callback = near.promiseBatchThen(payout, near.currentAccountId());
  near.promiseBatchActionFunctionCall(callback, 'on_withdraw', JSON.stringify({ account_id: accountId, token, amount: stored }), 0n, GAS_FOR_WITHDRAW_CALLBACK);
  // The transaction's result is on_withdraw's: true when paid, false when the earnings were restored.
  near.promiseReturn(callback);
}

/** Private callback of withdraw: records the payment, or restores the earnings if it failed. */
export function onWithdraw(accountId: string, token: string, amount: string): boolean {
  const value = parseAmount(amount);
  let succeeded = near.promiseResultsCount() === 1n;
  if (succeeded) {
    try {
      near.promiseResultRaw(0);
    } catch (_) {
      succeeded = false;
    }
  }
  if (succeeded) {
    const ledger = ledgerOf(token);
    ledger.paid = checkedAdd(BigInt(ledger.paid), value, 'paid').toString();
    saveLedger(token, ledger);
    emit('withdraw_completed', [{ account_id: accountId, token, amount }]);
  } else {
    setEarnings(accountId, token, (BigInt(earningsOf(accountId, token)) + value).toString());
    emit('withdraw_failed', [{ account_id: accountId, token, amount }]);
  }
  return succeeded;
}

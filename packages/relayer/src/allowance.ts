/**
 * Allowances: the yoctoNEAR the relayer may spend on gas (and attached deposits) for one sender,
 * and for one receiver contract, in each period. Before submitting, the relayer reserves the most
 * a delegate can cost (its gas at the current gas price plus the relayer transaction's own
 * overhead); once the outcome is known it settles to what was really burnt. A Sybil sender gets
 * one sender's allowance; the receiver's budget bounds what all senders together can cost.
 */
import type { DecodedDelegate } from './delegate.js';
import type { Budget } from './store.js';

export interface AllowancePolicy {
  /** yoctoNEAR per sender per period. Default 0.1 NEAR (about 100 relayed claims at 1 mNEAR). */
  perSender?: bigint;
  /** yoctoNEAR per receiver contract per period, over all senders. Default: no limit. */
  perReceiver?: bigint;
  /** Default 24 hours. */
  periodMs?: number;
}

export const DEFAULT_ALLOWANCE = { perSender: 10n ** 23n, periodMs: 24 * 60 * 60 * 1000 };

/**
 * Gas the relayer's own transaction adds on top of the delegate's actions: converting the
 * transaction and executing the Delegate receipt (about 1 Tgas more than the same call sent
 * directly, packages/relayer/README.md "Gas"); rounded up so the reservation covers it.
 */
export const RELAY_OVERHEAD_GAS = 10_000_000_000_000n;

export function budgetsFor(delegate: DecodedDelegate, allowance: AllowancePolicy | undefined, now: number): Budget[] {
  const periodMs = allowance?.periodMs ?? DEFAULT_ALLOWANCE.periodMs;
  const period = Math.floor(now / periodMs);
  const expiresAt = (period + 1) * periodMs;
  const budgets: Budget[] = [{ key: `sender/${delegate.senderId}/${period}`, limit: allowance?.perSender ?? DEFAULT_ALLOWANCE.perSender, expiresAt }];
  if (allowance?.perReceiver !== undefined) budgets.push({ key: `receiver/${delegate.receiverId}/${period}`, limit: allowance.perReceiver, expiresAt });
  return budgets;
}

/** The most the delegate can cost the relayer at `gasPrice` (yoctoNEAR per gas). */
export function maximumCost(delegate: DecodedDelegate, gasPrice: bigint): bigint {
  let gas = RELAY_OVERHEAD_GAS;
  let deposit = 0n;
  for (const action of delegate.actions) {
    gas += action.gas ?? 0n;
    deposit += action.deposit ?? 0n;
  }
  return gas * gasPrice + deposit;
}

interface BurntOutcome {
  transaction_outcome: { outcome: { tokens_burnt: string | number } };
  receipts_outcome: { outcome: { tokens_burnt: string | number } }[];
}

/** What the relayer really paid: every token burnt by its transaction and the receipts it caused, plus the deposits it attached. */
export function actualCost(delegate: DecodedDelegate, outcome: BurntOutcome): bigint {
  const burnt = [outcome.transaction_outcome, ...outcome.receipts_outcome].reduce((sum, o) => sum + BigInt(o.outcome.tokens_burnt), 0n);
  return burnt + delegate.actions.reduce((sum, a) => sum + (a.deposit ?? 0n), 0n);
}

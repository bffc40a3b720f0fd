/**
 * Escrow: every movement of a project's money. Per project, always
 *   funded = unallocated + reserved + credited + reclaimed,   reserved = Σ item.reserve,
 * and per token (the ledger) funded − paid = Σ unallocated + Σ reserved + Σ unpaid earnings.
 * Each move takes an amount from one of those buckets and puts it in another; a negative amount
 * or one larger than its source is refused, so no project can pay out more than it was funded
 * and the contract's holdings per token always cover what is owed (issue 13, attack 1).
 *
 * Rules (panic messages):
 * - `TaskMarketplace: escrow amount must not be negative`
 * - `TaskMarketplace: <source> is smaller than the amount taken from it`
 * - `TaskMarketplace: insufficient budget: <n> items need <x>, unallocated is <y>`
 * - `TaskMarketplace: project is closed`
 */
import { checkedAdd, checkedSub } from '../../lib/amount';
import { panic, require } from '../../lib/errors';
import { earningsOf, emit, ledgerOf, saveLedger, saveProject, setEarnings } from './records';
import type { Item, Project } from './types';

function take(from: string, amount: bigint, source: string): string {
  if (amount < 0n) panic('TaskMarketplace: escrow amount must not be negative');
  return checkedSub(BigInt(from), amount, `TaskMarketplace: ${source} is smaller than the amount taken from it`).toString();
}

function put(to: string, amount: bigint, what: string): string {
  return checkedAdd(BigInt(to), amount, what).toString();
}

/** What one item reserves: k rewards and the reviewer reward. */
export function itemReserve(project: Project): bigint {
  return BigInt(project.reward_per_item) * BigInt(project.redundancy) + BigInt(project.reviewer_reward);
}

/** Adds a deposit to a project's budget and to the token's ledger (saves both). */
export function fund(project: Project, funder: string, amount: bigint): void {
  require(!project.closed, 'TaskMarketplace: project is closed');
  project.unallocated = put(project.unallocated, amount, 'budget');
  project.funded = put(project.funded, amount, 'funded');
  saveProject(project);
  const ledger = ledgerOf(project.token);
  ledger.funded = put(ledger.funded, amount, 'funded');
  saveLedger(project.token, ledger);
  emit('project_funded', [{ project_id: project.id, funder, token: project.token, amount: amount.toString() }]);
}

/** Moves the reserve of `count` new items from the budget; returns the per-item reserve. */
export function reserveItems(project: Project, count: number): bigint {
  const perItem = itemReserve(project);
  const total = perItem * BigInt(count);
  project.unallocated = checkedSub(BigInt(project.unallocated), total, `TaskMarketplace: insufficient budget: ${count} items need ${total}, unallocated is ${project.unallocated}`).toString();
  project.reserved = put(project.reserved, total, 'reserved');
  return perItem;
}

/** Returns part of an item's reserve to the project's budget. */
export function releaseToBudget(project: Project, item: Item, amount: bigint): void {
  if (amount === 0n) return;
  item.reserve = take(item.reserve, amount, "the item's reserve");
  project.reserved = take(project.reserved, amount, "the project's reserve");
  project.unallocated = put(project.unallocated, amount, 'budget');
}

/** Pays `amount` from an item's reserve into `accountId`'s earnings. */
export function creditFromItem(project: Project, item: Item, accountId: string, amount: bigint): void {
  if (amount === 0n) return;
  item.reserve = take(item.reserve, amount, "the item's reserve");
  project.reserved = take(project.reserved, amount, "the project's reserve");
  project.credited = put(project.credited, amount, 'credited');
  creditEarnings(accountId, project.token, amount);
}

/** Moves an item's whole remaining reserve out of the project's reserve; returns it (reclaim). */
export function takeItemReserve(project: Project, item: Item): bigint {
  const amount = BigInt(item.reserve);
  item.reserve = '0';
  project.reserved = take(project.reserved, amount, "the project's reserve");
  return amount;
}

/** Credits `released` item reserves plus the unallocated budget to the vendor; returns the total. */
export function reclaimToVendor(project: Project, released: bigint): bigint {
  const total = BigInt(project.unallocated) + released;
  project.unallocated = '0';
  project.reclaimed = put(project.reclaimed, total, 'reclaimed');
  creditEarnings(project.vendor, project.token, total);
  return total;
}

export function creditEarnings(accountId: string, token: string, amount: bigint): void {
  if (amount === 0n) return;
  setEarnings(accountId, token, put(earningsOf(accountId, token), amount, 'earnings'));
  emit('earnings_credited', [{ account_id: accountId, token, amount: amount.toString() }]);
}

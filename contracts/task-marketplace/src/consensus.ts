/**
 * Consensus, review and disputes: how an item's revealed results become payments.
 *
 * - The last reveal (or finalize_item after the reveal period) settles an item: m equal results
 *   accept it and pay them; otherwise it goes to review by the vendor or an appointed reviewer.
 * - Nobody decides their own case: a tasker of an item cannot review it, and the arbiter cannot
 *   resolve a dispute on an item where it is the vendor, a reviewer or a tasker.
 * - Every decision (consensus or review, also the vendor's own review) holds the rewards of the
 *   unpaid revealed results for the project's dispute period, which the contract's floor keeps
 *   at least limits.dispute_ttl.min_ns (default 24 h), so a tasker can always take it to the
 *   arbiter (issue 13, attack 4).
 * - An item left in review pays every revealed result: once its review period (the project's
 *   dispute_ttl, at least the contract floor) has passed anyone may finalize it, and a reclaim does
 *   the same. A vendor that never reviews cannot keep the labels for free (attack 5).
 *
 * Rules (panic messages, each prefixed `TaskMarketplace: `): `caller is not a reviewer of this
 * project`, `a tasker of this item cannot review it`, `item is <status>, not in review`, `item is
 * <status>; only accepted items can be disputed`, `only an unpaid revealed result can be disputed`,
 * `dispute period has ended`, `the arbiter is a party to this item (vendor, reviewer or tasker) and
 * cannot resolve its dispute`, `item is <status>, not disputed`, `uphold must be true or false`,
 * `reveal period has not ended`, `review period has not ended`, `dispute period has not ended`,
 * `item is <status>; only revealing, review or accepted items can be finalized`.
 */
import { near } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { chargeStorageTo } from '../../lib/storage-balance';
import { creditFromItem, releaseToBudget, takeItemReserve } from './escrow';
import { TaskerBatch, emit, itemKey, loadItem, loadProject, now, saveItem, saveProject, sha256Field } from './records';
import type { Item, ItemStatus, Project } from './types';

function freeSlots(item: Item, taskers: TaskerBatch): void {
  const key = itemKey(item.project_id, item.index);
  for (const claim of item.claims) {
    const tasker = taskers.get(claim.tasker);
    if (tasker !== null) tasker.active_claims = tasker.active_claims.filter((a) => a.item !== key);
  }
}

/** Counts revealed results: m agreeing accept the item, anything else sends it to review. Frees every slot. */
export function settle(project: Project, item: Item): void {
  const votes = new Map<string, number>();
  for (const claim of item.claims) {
    if (claim.status === 'revealed') votes.set(claim.result!, (votes.get(claim.result!) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestVotes = 0;
  for (const [result, count] of votes) {
    if (count > bestVotes) {
      best = result;
      bestVotes = count;
    }
  }
  // Each tasker record is read and written once, though settling and accepting both change it.
  const taskers = new TaskerBatch();
  freeSlots(item, taskers);
  if (best !== null && bestVotes >= project.consensus) {
    // No review needed: the reviewer's share goes back to the budget.
    releaseToBudget(project, item, BigInt(project.reviewer_reward));
    accept(project, item, best, taskers);
  } else {
    item.status = 'review';
    item.finalized_at_ns = now().toString();
    emit('item_needs_review', [{ project_id: project.id, item_index: item.index }]);
  }
  taskers.saveAll();
}

/**
 * Pays every revealed result equal to `result`; the rest are rejected. The rewards of unpaid
 * revealed results stay held for a dispute; the rest of the reserve returns to the budget.
 */
function accept(project: Project, item: Item, result: string, taskers: TaskerBatch): void {
  const reward = BigInt(project.reward_per_item);
  let held = 0n;
  for (const claim of item.claims) {
    const tasker = taskers.get(claim.tasker);
    if (tasker === null) continue;
    if (claim.status === 'revealed' && claim.result === result && !claim.paid) {
      creditFromItem(project, item, claim.tasker, reward);
      claim.paid = true;
      tasker.accepted += 1;
    } else {
      if (claim.status === 'revealed') held += reward;
      tasker.rejected += 1;
    }
  }
  releaseToBudget(project, item, BigInt(item.reserve) - held);
  item.status = 'accepted';
  item.accepted_result = result;
  item.finalized_at_ns = now().toString();
  emit('item_accepted', [{ project_id: project.id, item_index: item.index, result }]);
}

function disputeOpen(project: Project, item: Item): boolean {
  return now() <= BigInt(item.finalized_at_ns!) + BigInt(project.dispute_ttl_ns);
}

/** Ends an item's life: its remaining reserve (the dispute hold) returns to the budget. */
function finish(project: Project, item: Item): void {
  releaseToBudget(project, item, BigInt(item.reserve));
  item.status = 'final';
  emit('item_final', [{ project_id: project.id, item_index: item.index }]);
}

export function review(projectId: number, itemIndex: number, result: string): void {
  const reviewer = near.predecessorAccountId();
  const value = sha256Field(result, 'result');
  const project = loadProject(projectId);
  require(reviewer === project.vendor || project.reviewers.includes(reviewer), 'TaskMarketplace: caller is not a reviewer of this project');
  const item = loadItem(project.id, itemIndex);
  require(item.status === 'review', `TaskMarketplace: item is ${item.status}, not in review`);
  require(!item.claims.some((c) => c.tasker === reviewer), 'TaskMarketplace: a tasker of this item cannot review it');
  chargeStorageTo(reviewer, () => {
    creditFromItem(project, item, reviewer, BigInt(project.reviewer_reward));
    const taskers = new TaskerBatch();
    accept(project, item, value, taskers);
    taskers.saveAll();
    saveItem(item);
    saveProject(project);
  });
  emit('item_reviewed', [{ project_id: project.id, item_index: item.index, reviewer, result: value }]);
}

export function dispute(projectId: number, itemIndex: number): void {
  const taskerId = near.predecessorAccountId();
  const project = loadProject(projectId);
  const item = loadItem(project.id, itemIndex);
  require(item.status === 'accepted', `TaskMarketplace: item is ${item.status}; only accepted items can be disputed`);
  const claim = item.claims.find((c) => c.tasker === taskerId);
  if (claim === undefined) panic('TaskMarketplace: caller has no claim on this item');
  require(claim.status === 'revealed' && !claim.paid, 'TaskMarketplace: only an unpaid revealed result can be disputed');
  require(disputeOpen(project, item), 'TaskMarketplace: dispute period has ended');
  item.status = 'disputed';
  saveItem(item);
  emit('item_disputed', [{ project_id: project.id, item_index: item.index, tasker: taskerId }]);
}

/**
 * Arbiter: settles a dispute; the item becomes final. With `uphold`, every unpaid revealed result
 * equal to `result` is paid from the item's dispute hold (never twice: paid claims are marked);
 * what is left of the hold returns to the budget.
 */
export function resolveDispute(projectId: number, itemIndex: number, uphold: boolean, result: string | null | undefined): void {
  const arbiter = near.predecessorAccountId();
  const project = loadProject(projectId);
  const item = loadItem(project.id, itemIndex);
  require(item.status === 'disputed', `TaskMarketplace: item is ${item.status}, not disputed`);
  require(
    arbiter !== project.vendor && !project.reviewers.includes(arbiter) && !item.claims.some((c) => c.tasker === arbiter),
    'TaskMarketplace: the arbiter is a party to this item (vendor, reviewer or tasker) and cannot resolve its dispute',
  );
  require(uphold === true || uphold === false, 'TaskMarketplace: uphold must be true or false');
  const value = uphold ? sha256Field(result, 'result') : item.accepted_result;
  chargeStorageTo(arbiter, () => {
    if (uphold) {
      const reward = BigInt(project.reward_per_item);
      const taskers = new TaskerBatch();
      for (const claim of item.claims) {
        if (claim.status !== 'revealed' || claim.paid || claim.result !== value) continue;
        creditFromItem(project, item, claim.tasker, reward);
        claim.paid = true;
        const tasker = taskers.get(claim.tasker);
        if (tasker === null) continue;
        tasker.accepted += 1;
        tasker.rejected = tasker.rejected > 0 ? tasker.rejected - 1 : 0;
      }
      taskers.saveAll();
      item.accepted_result = value;
    }
    finish(project, item);
    saveItem(item);
    saveProject(project);
  });
  emit('dispute_resolved', [{ project_id: project.id, item_index: item.index, uphold, result: item.accepted_result }]);
}

/** Pays every unpaid revealed result of an item nobody reviewed (its labels are public). */
function payUnreviewed(project: Project, item: Item): void {
  const reward = BigInt(project.reward_per_item);
  for (const claim of item.claims) {
    if (claim.status !== 'revealed' || claim.paid) continue;
    creditFromItem(project, item, claim.tasker, reward);
    claim.paid = true;
  }
}

/**
 * Anyone: moves an item on once its time is up. A revealing item whose reveal period ended is
 * settled (non-revealers are rejected); an item left in review past its review period pays every
 * revealed result, returns the rest to the budget and becomes final; an accepted item whose
 * dispute period ended releases its dispute hold to the budget and becomes final.
 */
export function finalizeItem(projectId: number, itemIndex: number): ItemStatus {
  const project = loadProject(projectId);
  const item = loadItem(project.id, itemIndex);
  if (item.status === 'revealing') {
    require(now() > BigInt(item.reveal_deadline_ns!), 'TaskMarketplace: reveal period has not ended');
    chargeStorageTo(near.predecessorAccountId(), () => {
      settle(project, item);
      saveItem(item);
      saveProject(project);
    });
  } else if (item.status === 'review') {
    require(!disputeOpen(project, item), 'TaskMarketplace: review period has not ended');
    chargeStorageTo(near.predecessorAccountId(), () => {
      payUnreviewed(project, item);
      finish(project, item);
      saveItem(item);
      saveProject(project);
    });
  } else if (item.status === 'accepted') {
    require(!disputeOpen(project, item), 'TaskMarketplace: dispute period has not ended');
    finish(project, item);
    chargeStorageTo(near.predecessorAccountId(), () => {
      saveItem(item);
      saveProject(project);
    });
  } else {
    panic(`TaskMarketplace: item is ${item.status}; only revealing, review or accepted items can be finalized`);
  }
  return item.status;
}

/**
 * Closes an item for reclaim and returns what of its reserve goes back to the vendor. Open items
 * close unpaid and their claims end; items in review pay every unpaid revealed result (the vendor
 * has the labels); accepted items past their dispute period become final. Items still revealing,
 * disputed or within their dispute period are left (0): reclaim again once they settle.
 */
export function closeForReclaim(project: Project, item: Item, taskers: TaskerBatch): bigint {
  if (item.status === 'revealing' || item.status === 'disputed' || item.status === 'final' || item.status === 'closed') return 0n;
  if (item.status === 'accepted' && disputeOpen(project, item)) return 0n;
  if (item.status === 'accepted') {
    item.status = 'final';
  } else if (item.status === 'open') {
    freeSlots(item, taskers);
    for (const claim of item.claims) emit('claim_expired', [{ project_id: item.project_id, item_index: item.index, tasker: claim.tasker }]);
    item.claims = [];
    item.status = 'closed';
  } else {
    // review: the vendor never decided; every revealed result is paid.
    payUnreviewed(project, item);
    item.status = 'closed';
  }
  const released = takeItemReserve(project, item);
  saveItem(item);
  return released;
}

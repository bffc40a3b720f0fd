/**
 * Items and claims: a tasker claims a slot of an open item, submits a commitment while the item
 * is open, and reveals it once all k commitments are in.
 *
 * - Each step is taken only in the item state that allows it: claim and submit on an open item,
 *   reveal on a revealing item (issue 13, attack 1: a reclaimed item's claimants could still
 *   submit and reveal).
 * - Slots free within a time the contract bounds (attack 6). A claim, committed or not, lapses at
 *   `expires_at_ns` (claim time + claim_ttl) while its item is still open, and is dropped at the
 *   next claim or submit on the item. Each claim holds one of the tasker's 20 slots until
 *   `until_ns` = expires_at + reveal_ttl at the latest (an item that becomes revealing does so
 *   before its claims lapse, so its reveal period ends by then); settling or closing the item
 *   frees it earlier. Both windows are within the contract limits (limits.ts).
 * - A commitment binds the tasker and the item (commitment.ts), and one commitment can be
 *   submitted only once per item (attack 2).
 *
 * Rules (panic messages, each prefixed `TaskMarketplace: `): `tasker not registered`, `project
 * deadline has passed`, `tasker is not qualified for this project`, `tasker is suspended for low
 * gold accuracy`, `item is <status>, not open`, `tasker already claimed this item`, `all slots of
 * this item are taken`, `at most 20 active claims per tasker`, `caller has no claim on this item`,
 * `a committed claim cannot be released`, `item is <status>, commitments are taken only while it is
 * open`, `commitment already submitted`, `claim has expired`, `this commitment was already
 * submitted for this item`, `item is <status>, reveals need all commitments first`, `result already
 * revealed`, `reveal period has ended`, `reveal does not match the commitment`.
 */
import { near } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { chargeStorageTo } from '../../lib/storage-balance';
import { commitmentOf } from './commitment';
import { settle } from './consensus';
import { assertGoodStanding } from './reputation';
import {
  MAX_ACTIVE_CLAIMS, TaskerBatch, assertText, emit, isQualified, itemKey, loadItem, loadProject, loadTasker, now, saveItem, saveProject, saveTasker, sha256Field,
} from './records';
import type { Claim, Item, ItemStatus, Tasker } from './types';

/** Frees the tasker's slot for the item `key`. */
export function releaseSlot(tasker: Tasker | null, key: string): void {
  if (tasker !== null) tasker.active_claims = tasker.active_claims.filter((a) => a.item !== key);
}

/** Drops the claims of an open item that lapsed (committed or not) and frees their slots. */
function dropLapsedClaims(item: Item, time: bigint, taskers: TaskerBatch): void {
  const lapsed = item.claims.filter((c) => time > BigInt(c.expires_at_ns));
  if (lapsed.length === 0) return;
  item.claims = item.claims.filter((c) => time <= BigInt(c.expires_at_ns));
  const key = itemKey(item.project_id, item.index);
  for (const claim of lapsed) {
    releaseSlot(taskers.get(claim.tasker), key);
    emit('claim_expired', [{ project_id: item.project_id, item_index: item.index, tasker: claim.tasker }]);
  }
}

function claimOf(item: Item, taskerId: string): Claim {
  const claim = item.claims.find((c) => c.tasker === taskerId);
  if (claim === undefined) panic('TaskMarketplace: caller has no claim on this item');
  return claim;
}

export function claimItem(projectId: number, itemIndex: number): Claim {
  const taskerId = near.predecessorAccountId();
  const taskers = new TaskerBatch();
  const tasker = taskers.get(taskerId);
  if (tasker === null) panic('TaskMarketplace: tasker not registered');
  const project = loadProject(projectId);
  const time = now();
  require(!project.closed && time < BigInt(project.deadline_ns), 'TaskMarketplace: project deadline has passed');
  require(!project.qualification_required || isQualified(project.id, taskerId), 'TaskMarketplace: tasker is not qualified for this project');
  assertGoodStanding(project, taskerId);
  const item = loadItem(project.id, itemIndex);
  require(item.status === 'open', `TaskMarketplace: item is ${item.status}, not open`);
  dropLapsedClaims(item, time, taskers);
  require(!item.claims.some((c) => c.tasker === taskerId), 'TaskMarketplace: tasker already claimed this item');
  require(item.claims.length < project.redundancy, 'TaskMarketplace: all slots of this item are taken');
  // Slots whose bound passed are free, whatever became of their items.
  tasker.active_claims = tasker.active_claims.filter((a) => time <= BigInt(a.until_ns));
  require(tasker.active_claims.length < MAX_ACTIVE_CLAIMS, `TaskMarketplace: at most ${MAX_ACTIVE_CLAIMS} active claims per tasker`);
  const expires = time + BigInt(project.claim_ttl_ns);
  const claim: Claim = { tasker: taskerId, status: 'claimed', expires_at_ns: expires.toString(), commitment: null, result: null, paid: false };
  item.claims.push(claim);
  tasker.active_claims.push({ item: itemKey(project.id, item.index), until_ns: (expires + BigInt(project.reveal_ttl_ns)).toString() });
  chargeStorageTo(taskerId, () => {
    saveItem(item);
    taskers.saveAll();
  });
  emit('item_claimed', [{ project_id: project.id, item_index: item.index, tasker: taskerId, expires_at_ns: claim.expires_at_ns }]);
  return claim;
}

export function releaseClaim(projectId: number, itemIndex: number): void {
  const taskerId = near.predecessorAccountId();
  const project = loadProject(projectId);
  const item = loadItem(project.id, itemIndex);
  const claim = claimOf(item, taskerId);
  require(claim.status === 'claimed', 'TaskMarketplace: a committed claim cannot be released');
  item.claims = item.claims.filter((c) => c !== claim);
  const tasker = loadTasker(taskerId);
  releaseSlot(tasker, itemKey(project.id, item.index));
  chargeStorageTo(taskerId, () => {
    saveItem(item);
    saveTasker(tasker);
  });
  emit('claim_released', [{ project_id: project.id, item_index: item.index, tasker: taskerId }]);
}

export function submit(projectId: number, itemIndex: number, commitment: string): void {
  const taskerId = near.predecessorAccountId();
  const hash = sha256Field(commitment, 'commitment');
  const project = loadProject(projectId);
  const item = loadItem(project.id, itemIndex);
  require(item.status === 'open', `TaskMarketplace: item is ${item.status}, commitments are taken only while it is open`);
  const claim = claimOf(item, taskerId);
  require(claim.status === 'claimed', 'TaskMarketplace: commitment already submitted');
  const time = now();
  require(time <= BigInt(claim.expires_at_ns), 'TaskMarketplace: claim has expired');
  require(!item.claims.some((c) => c.commitment === hash), 'TaskMarketplace: this commitment was already submitted for this item');
  // Lapsed claims of others leave first, so the item turns revealing only with live commitments.
  const taskers = new TaskerBatch();
  dropLapsedClaims(item, time, taskers);
  claim.status = 'committed';
  claim.commitment = hash;
  const committed = item.claims.filter((c) => c.status === 'committed').length;
  if (committed === project.redundancy) {
    item.status = 'revealing';
    item.reveal_deadline_ns = (time + BigInt(project.reveal_ttl_ns)).toString();
  }
  chargeStorageTo(taskerId, () => {
    saveItem(item);
    taskers.saveAll();
  });
  emit('result_committed', [{ project_id: project.id, item_index: item.index, tasker: taskerId }]);
}

export function reveal(projectId: number, itemIndex: number, result: string, salt: string): ItemStatus {
  const taskerId = near.predecessorAccountId();
  const value = sha256Field(result, 'result');
  assertText(salt, 'salt');
  const project = loadProject(projectId);
  const item = loadItem(project.id, itemIndex);
  require(item.status === 'revealing', `TaskMarketplace: item is ${item.status}, reveals need all commitments first`);
  const claim = claimOf(item, taskerId);
  require(claim.status === 'committed', 'TaskMarketplace: result already revealed');
  require(now() <= BigInt(item.reveal_deadline_ns!), 'TaskMarketplace: reveal period has ended');
  require(commitmentOf(project.id, item.index, taskerId, value, salt) === claim.commitment, 'TaskMarketplace: reveal does not match the commitment');
  claim.status = 'revealed';
  claim.result = value;
  emit('result_revealed', [{ project_id: project.id, item_index: item.index, tasker: taskerId, result: value }]);
  // The last reveal settles the item; the earnings records that creates are paid by the revealer.
  // Only settling changes the project record, so an earlier reveal writes the item alone.
  chargeStorageTo(taskerId, () => {
    if (item.claims.every((c) => c.status === 'revealed')) {
      settle(project, item);
      saveProject(project);
    }
    saveItem(item);
  });
  return item.status;
}

/**
 * Reputation: tasker registration, accepted/rejected counts, and gold answers.
 *
 * Gold answers are counted twice: per (vendor, tasker), which is what a vendor's gold gate reads,
 * and globally on the tasker record, which is informational only. A vendor chooses its own seals,
 * so a vendor could seal an answer nobody gives; if its gold items counted everywhere, it could
 * suspend honest taskers in every other vendor's projects (issue 13, attack 3). Counted per
 * vendor, a vendor's gold items can only change a tasker's standing in that vendor's projects.
 * A new account starts with no gold answers at every vendor: a project that must not admit fresh
 * accounts requires qualification.
 *
 * Rules (panic messages, each prefixed `TaskMarketplace: `): `tasker already registered`,
 * `tasker is suspended for low gold accuracy`, `gold answer already revealed`, `gold answers are
 * revealed after the item is settled`, `gold reveal does not match the seal`.
 */
import { near } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { chargeStorageTo } from '../../lib/storage-balance';
import { sealOf } from './commitment';
import {
  assertText, assertVendor, emit, goldStats, isTasker, loadItem, loadProject, loadTasker, saveGoldStats, saveItem, saveTasker, sha256Field, writeTaskerId,
} from './records';
import type { MarketState, Project, Tasker } from './types';

export function registerTasker(state: MarketState): Tasker {
  const accountId = near.predecessorAccountId();
  require(!isTasker(accountId), 'TaskMarketplace: tasker already registered');
  const tasker: Tasker = { account_id: accountId, accepted: 0, rejected: 0, gold_correct: 0, gold_wrong: 0, active_claims: [] };
  chargeStorageTo(accountId, () => {
    saveTasker(tasker);
    writeTaskerId(state.taskerIds.length, accountId);
    state.taskerIds.length += 1;
  });
  emit('tasker_registered', [{ account_id: accountId }]);
  return tasker;
}

/** The project's gold gate, on the tasker's gold answers for this project's vendor only. */
export function assertGoodStanding(project: Project, taskerId: string): void {
  if (project.min_gold_answers === 0) return;
  const gold = goldStats(project.vendor, taskerId);
  const answers = gold.correct + gold.wrong;
  if (answers >= project.min_gold_answers && Math.floor((gold.correct * 10_000) / answers) < project.min_gold_accuracy_bps) {
    panic('TaskMarketplace: tasker is suspended for low gold accuracy');
  }
}

/** Vendor: opens a gold item's seal; every revealed answer counts toward its tasker's gold record with this vendor. */
export function revealGold(projectId: number, itemIndex: number, expected: string, salt: string): void {
  const project = loadProject(projectId);
  assertVendor(project);
  const item = loadItem(project.id, itemIndex);
  require(item.gold_expected === null, 'TaskMarketplace: gold answer already revealed');
  require(item.status !== 'open' && item.status !== 'revealing', 'TaskMarketplace: gold answers are revealed after the item is settled');
  const value = sha256Field(expected, 'expected');
  assertText(salt, 'salt');
  require(sealOf(value, salt) === item.seal, 'TaskMarketplace: gold reveal does not match the seal');
  item.gold_expected = value;
  chargeStorageTo(project.vendor, () => {
    for (const claim of item.claims) {
      if (claim.status !== 'revealed') continue;
      const right = claim.result === value;
      const perVendor = goldStats(project.vendor, claim.tasker);
      if (right) perVendor.correct += 1;
      else perVendor.wrong += 1;
      saveGoldStats(project.vendor, claim.tasker, perVendor);
      const tasker = loadTasker(claim.tasker);
      if (right) tasker.gold_correct += 1;
      else tasker.gold_wrong += 1;
      saveTasker(tasker);
    }
    saveItem(item);
  });
  emit('gold_revealed', [{ project_id: project.id, item_index: item.index, expected: value }]);
}

/**
 * Projects: a vendor's terms (token, rewards, k and m, windows within the contract limits,
 * reviewers, gold gate, qualification), their funding and their items. Money moves go through
 * escrow.ts.
 *
 * Rules (panic messages, each prefixed `TaskMarketplace: `): `redundancy must be an integer from 1
 * to 10`, `consensus must be an integer from 1 to <k>`, `consensus must be more than half of
 * redundancy`, `at most 10 reviewers`, `reviewer is not a valid account id`, `token is not a valid
 * account id`, `<field> must be a string of 1 to 512 characters`, `<field> must be 64 lowercase hex
 * characters (sha256)`, window rules (limits.ts), `caller is not the project vendor`, `project is
 * closed`, `items must be an array of 1 to 100`, `tasker not registered`, `project is funded in a
 * token; use ft_transfer_call`, `attach the NEAR to fund the project`, `msg must be JSON
 * {"fund_project": <project id>}`, `token does not match the project token`, `reclaim opens after the deadline plus the
 * dispute period`, `from_index must be an integer from 0 to <n>`, `limit must be an integer from 1 to 100`.
 */
import { near } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { parseAmount, parsePositiveAmount } from '../../lib/amount';
import { chargeStorageTo } from '../../lib/storage-balance';
import { closeForReclaim } from './consensus';
import { fund, reclaimToVendor, reserveItems } from './escrow';
import { currentLimits, parseDeadline, parseWindow } from './limits';
import {
  MAX_ITEMS_PER_CALL, MAX_REDUNDANCY, MAX_REVIEWERS, NEAR_TOKEN, TaskerBatch, assertAccountId, assertCount, assertText, assertVendor, emit, isTasker, loadItem, loadProject,
  now, saveItem, saveProject, setQualified, sha256Field,
} from './records';
import type { TaskMarketplace } from './index';
import type { Item, MarketState, NewItem, Project } from './types';

/** create_project's arguments, as the contract's interface (index.ts) declares them. */
type ProjectTerms = Parameters<TaskMarketplace['create_project']>[0];

export function createProject(state: MarketState, args: ProjectTerms): Project {
  const vendor = near.predecessorAccountId();
  const token = args.token === NEAR_TOKEN ? NEAR_TOKEN : assertAccountId(args.token, 'token');
  const redundancy = assertCount(args.redundancy, 'redundancy', 1, MAX_REDUNDANCY);
  const consensus = assertCount(args.consensus, 'consensus', 1, redundancy);
  // A strict majority, so two different results can never both reach consensus.
  require(consensus * 2 > redundancy, 'TaskMarketplace: consensus must be more than half of redundancy');
  const reviewers = args.reviewers ?? [];
  require(Array.isArray(reviewers) && reviewers.length <= MAX_REVIEWERS, `TaskMarketplace: at most ${MAX_REVIEWERS} reviewers`);
  reviewers.forEach((r) => assertAccountId(r, 'reviewer'));
  const limits = currentLimits();
  const project: Project = {
    id: state.nextProjectId,
    vendor,
    token,
    title: assertText(args.title, 'title'),
    instructions_uri: assertText(args.instructions_uri, 'instructions_uri'),
    instructions_hash: sha256Field(args.instructions_hash, 'instructions_hash'),
    reward_per_item: parsePositiveAmount(args.reward_per_item, 'reward_per_item').toString(),
    reviewer_reward: parseAmount(args.reviewer_reward, 'reviewer_reward').toString(),
    redundancy,
    consensus,
    claim_ttl_ns: parseWindow(args.claim_ttl_ns, 'claim_ttl_ns', limits).toString(),
    reveal_ttl_ns: parseWindow(args.reveal_ttl_ns, 'reveal_ttl_ns', limits).toString(),
    dispute_ttl_ns: parseWindow(args.dispute_ttl_ns, 'dispute_ttl_ns', limits).toString(),
    deadline_ns: parseDeadline(args.deadline_ns, now(), limits).toString(),
    reviewers,
    min_gold_accuracy_bps: assertCount(args.min_gold_accuracy_bps ?? 0, 'min_gold_accuracy_bps', 0, 10_000),
    min_gold_answers: assertCount(args.min_gold_answers ?? 0, 'min_gold_answers', 0, 1_000_000),
    qualification_required: args.qualification_required === true,
    funded: '0',
    unallocated: '0',
    reserved: '0',
    credited: '0',
    reclaimed: '0',
    item_count: 0,
    closed: false,
  };
  chargeStorageTo(vendor, () => saveProject(project));
  state.nextProjectId += 1;
  emit('project_created', [{ project_id: project.id, vendor, token }]);
  return project;
}

export function fundWithNear(projectId: number): string {
  const project = loadProject(projectId);
  require(project.token === NEAR_TOKEN, 'TaskMarketplace: project is funded in a token; use ft_transfer_call');
  const amount = near.attachedDeposit();
  require(amount > 0n, 'TaskMarketplace: attach the NEAR to fund the project');
  fund(project, near.predecessorAccountId(), amount);
  return project.unallocated;
}

export function fundWithToken(senderId: string, amount: string, msg: string): void {
  const value = parsePositiveAmount(amount);
  const funder = assertAccountId(senderId, 'sender_id');
  let parsed: { fund_project?: unknown };
  try {
    parsed = JSON.parse(msg);
  } catch (_) {
    panic('TaskMarketplace: msg must be JSON {"fund_project": <project id>}');
  }
  const project = loadProject(parsed?.fund_project);
  require(project.token === near.predecessorAccountId(), 'TaskMarketplace: token does not match the project token');
  fund(project, funder, value);
}

export function addItems(projectId: number, items: NewItem[]): number {
  const project = loadProject(projectId);
  assertVendor(project);
  require(!project.closed, 'TaskMarketplace: project is closed');
  require(Array.isArray(items) && items.length > 0 && items.length <= MAX_ITEMS_PER_CALL, `TaskMarketplace: items must be an array of 1 to ${MAX_ITEMS_PER_CALL}`);
  const first = project.item_count;
  const prepared: Item[] = items.map((item, offset) => ({
    project_id: project.id,
    index: first + offset,
    content: assertText(item?.content, 'content'),
    seal: sha256Field(item?.seal, 'seal'),
    status: 'open',
    claims: [],
    reveal_deadline_ns: null,
    accepted_result: null,
    finalized_at_ns: null,
    gold_expected: null,
    reserve: '0',
  }));
  const perItem = reserveItems(project, items.length).toString();
  for (const item of prepared) item.reserve = perItem;
  project.item_count += items.length;
  chargeStorageTo(project.vendor, () => {
    for (const item of prepared) saveItem(item);
    saveProject(project);
  });
  emit('items_added', [{ project_id: project.id, from_index: first, count: items.length }]);
  return project.item_count;
}

export function qualifyTasker(projectId: number, accountId: string): void {
  const project = loadProject(projectId);
  assertVendor(project);
  require(isTasker(accountId), 'TaskMarketplace: tasker not registered');
  chargeStorageTo(project.vendor, () => setQualified(project.id, accountId));
  emit('tasker_qualified', [{ project_id: project.id, account_id: accountId }]);
}

/**
 * Vendor, after the deadline plus the dispute period: closes the project and credits the
 * unallocated budget and what the items from `from_index` (up to `limit`) release to the vendor's
 * earnings (consensus.ts closeForReclaim says which items release what).
 */
export function reclaim(projectId: number, fromIndex: number | undefined, limit: number | undefined): string {
  const project = loadProject(projectId);
  assertVendor(project);
  require(now() >= BigInt(project.deadline_ns) + BigInt(project.dispute_ttl_ns), 'TaskMarketplace: reclaim opens after the deadline plus the dispute period');
  const start = assertCount(fromIndex ?? 0, 'from_index', 0, project.item_count);
  const count = assertCount(limit ?? MAX_ITEMS_PER_CALL, 'limit', 1, MAX_ITEMS_PER_CALL);
  const end = Math.min(project.item_count, start + count);
  // Item status changes can grow records by a few bytes and paid results create earnings records: the vendor pays.
  const returned = chargeStorageTo(project.vendor, () => {
    const taskers = new TaskerBatch();
    let released = 0n;
    for (let index = start; index < end; index++) released += closeForReclaim(project, loadItem(project.id, index), taskers);
    taskers.saveAll();
    project.closed = true;
    const total = reclaimToVendor(project, released);
    saveProject(project);
    return total;
  });
  emit('budget_reclaimed', [{ project_id: project.id, vendor: project.vendor, amount: returned.toString() }]);
  return returned.toString();
}

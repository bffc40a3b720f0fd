/**
 * Task marketplace for AI-data annotation (in the spirit of NEAR Tasks, with NEARCrowd's and
 * Sputnik DAO bounties' on-chain mechanics).
 *
 * - Vendors create projects with a budget escrowed in NEAR or a NEP-141 token, add items in
 *   batches (content hash or URI, plus a sealed commitment per item; gold items are those whose
 *   seal opens to an expected answer, so taskers cannot tell them apart).
 * - Taskers register, claim an item for a limited time, submit a commitment
 *   sha256("<result>:<salt>") and, once all k commitments are in, reveal it. An item is accepted
 *   when at least m of its k results agree; otherwise reviewers decide; a tasker who was not paid
 *   may dispute, and the arbiter settles.
 * - Accepted work credits earnings, withdrawn in NEAR or the token with a callback that restores
 *   them if the transfer fails. After the deadline the vendor reclaims what is left.
 * - Every amount is conserved per token: funded = unallocated budgets + reserved rewards +
 *   unpaid earnings + paid (see `ledger`).
 *
 * Rules fail with `TaskMarketplace: <rule broken>`. Method table: ../README.md.
 */
import { NearBindgen, call, view, initialize, near, bytes, encode, decode, type PromiseIndex } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { parseAccountId } from '../../lib/account-id';
import { parseAmount, parsePositiveAmount, checkedAdd, checkedSub } from '../../lib/amount';
import { assertOneYocto, assertPrivate } from '../../lib/guards';
import { eventEmitter } from '../../lib/events';
import * as ownable from '../../lib/ownable';
import * as pausable from '../../lib/pausable';
import * as roles from '../../lib/access-control';
import { refund } from '../../lib/storage';
import { readJson, writeJson } from '../../lib/json-storage';
import { chargeStorageTo, depositStorage, storageBalanceOf, withdrawStorage } from '../../lib/storage-balance';

const TGAS = 1_000_000_000_000n;
const GAS_FOR_FT_TRANSFER = 15n * TGAS;
const GAS_FOR_WITHDRAW_CALLBACK = 15n * TGAS;
/** withdraw's own work (~15 Tgas under near-sdk-js) plus the transfer and the callback it schedules. */
const GAS_FOR_WITHDRAW = 60n * TGAS;

/** The token id of NEAR itself; never a valid account id, so it cannot clash with a token contract. */
const NEAR_TOKEN = 'NEAR';
const ROLE_ARBITER = 'arbiter';
const ROLE_PAUSER = 'pauser';

const MAX_REDUNDANCY = 10;
const MAX_REVIEWERS = 10;
const MAX_ITEMS_PER_CALL = 100;
const MAX_ACTIVE_CLAIMS = 20;
const MAX_PAGE = 100;
const MAX_TEXT = 512;

const emit = eventEmitter('task_marketplace', '1.0.0');

/**
 * open → revealing (all k committed) → accepted (m agree) or review → accepted (reviewed).
 * An accepted item holds the rewards of its unpaid revealed results until its dispute period
 * ends (finalize_item → final) or a dispute is resolved (→ final). closed: reclaimed unsettled.
 */
type ItemStatus = 'open' | 'revealing' | 'review' | 'accepted' | 'disputed' | 'final' | 'closed';
type ClaimStatus = 'claimed' | 'committed' | 'revealed';

interface Project {
  id: number;
  vendor: string;
  token: string;
  title: string;
  instructions_uri: string;
  instructions_hash: string;
  reward_per_item: string;
  reviewer_reward: string;
  redundancy: number;
  consensus: number;
  claim_ttl_ns: string;
  reveal_ttl_ns: string;
  dispute_ttl_ns: string;
  deadline_ns: string;
  reviewers: string[];
  /** Vendor-set gate: a tasker with at least `min_gold_answers` gold answers needs this accuracy. */
  min_gold_accuracy_bps: number;
  min_gold_answers: number;
  /** When true, only taskers the vendor qualified may claim. */
  qualification_required: boolean;
  /** Budget not yet reserved for items. */
  unallocated: string;
  /** Rewards reserved for added items and not yet credited or released. */
  reserved: string;
  /** Everything ever credited to taskers and reviewers from this project. */
  credited: string;
  funded: string;
  item_count: number;
  closed: boolean;
}

interface Claim {
  tasker: string;
  status: ClaimStatus;
  expires_at_ns: string;
  commitment: string | null;
  result: string | null;
  paid: boolean;
}

interface Item {
  project_id: number;
  index: number;
  content: string;
  /** sha256("<expected>:<salt>") for gold items; a random-looking hash for the others. */
  seal: string;
  status: ItemStatus;
  claims: Claim[];
  reveal_deadline_ns: string | null;
  accepted_result: string | null;
  finalized_at_ns: string | null;
  gold_expected: string | null;
  /** Reserved reward still held for this item (released to the budget when it finishes). */
  reserve: string;
}

interface Tasker {
  account_id: string;
  accepted: number;
  rejected: number;
  gold_correct: number;
  gold_wrong: number;
  active_claims: string[];
}

interface Ledger {
  funded: string;
  paid: string;
}

interface NewItem {
  content: string;
  seal: string;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

/** sha256 of "<result>:<salt>" as lowercase hex: the commitment format for results and gold seals. */
function commitmentOf(result: string, salt: string): string {
  return hex(near.sha256(encode(`${result}:${salt}`)));
}

function assertHash(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) panic(`TaskMarketplace: ${field} must be 64 lowercase hex characters (sha256)`);
  return value;
}

function assertText(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > MAX_TEXT) {
    panic(`TaskMarketplace: ${field} must be a string of ${allowEmpty ? 0 : 1} to ${MAX_TEXT} characters`);
  }
  return value;
}

function assertCount(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    panic(`TaskMarketplace: ${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function parseDuration(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,18}$/.test(value)) panic(`TaskMarketplace: ${field} must be a positive nanosecond count as a decimal string`);
  return BigInt(value);
}

function assertAccountId(value: unknown, field: string): string {
  return parseAccountId(value, `TaskMarketplace: ${field}`);
}

/** A view page [start, end): `from_index` default 0, `limit` default 20 and at most MAX_PAGE. */
function pageBounds(fromIndex: unknown, limit: unknown, total: number): [number, number] {
  const start = assertCount(fromIndex ?? 0, 'from_index', 0, Number.MAX_SAFE_INTEGER);
  const size = assertCount(limit ?? 20, 'limit', 1, MAX_PAGE);
  return [start, Math.min(total, start + size)];
}

function now(): bigint {
  return near.blockTimestamp();
}

/*
 * Records live under these key prefixes as "<prefix><key>" → JSON text (the layout of near-sdk-js's
 * LookupMap, which the contract used before). They are read and written with plain JSON.parse /
 * JSON.stringify instead of through LookupMap: its (de)serializer calls a JS reviver/replacer for
 * every value and `set` also parses the overwritten value, which in QuickJS cost ~0.3 Tgas per
 * item record (1.1 KB) read or written and ~0.27 Tgas per project record (0.7 KB), measured with
 * per-host-call gas traces on the local node (README "Gas targets"). No record holds a BigInt or
 * a Date, the only values that reviver/replacer changed, so the stored bytes are the same.
 */
const PROJECTS = 'p';
const ITEMS = 'i';
const TASKERS = 't';
/** "<project>|<tasker>" → true when the vendor qualified the tasker. */
const QUALIFICATIONS = 'q';
/** "<account>|<token>" → earnings as a decimal string. */
const EARNINGS = 'e';
const LEDGERS = 'l';
const TASKER_IDS = 'T';

/** Key of the tasker registered `index`-th: prefix + the index as u32 little-endian bytes (near-sdk-js Vector's layout). */
function taskerIdKey(index: number): Uint8Array {
  return bytes(TASKER_IDS + String.fromCharCode(index & 0xff, (index >>> 8) & 0xff, (index >>> 16) & 0xff, (index >>> 24) & 0xff));
}

/** Contract state (STATE) is numbers and the tasker list's {prefix, length}: plain JSON, for the same reason. */
function encodeState(value: unknown): Uint8Array {
  return encode(JSON.stringify(value));
}

function decodeState(value: Uint8Array): unknown {
  return JSON.parse(decode(value));
}

function itemKey(projectId: number, index: number): string {
  return `${projectId}:${index}`;
}

function earningsKey(accountId: string, token: string): string {
  return `${accountId}|${token}`;
}

/** The tasker records one call changes: each is read once and written once, by `saveAll`. */
class TaskerBatch {
  private readonly loaded = new Map<string, Tasker | null>();

  get(accountId: string): Tasker | null {
    let tasker = this.loaded.get(accountId);
    if (tasker === undefined) {
      tasker = readJson<Tasker>(TASKERS + accountId);
      this.loaded.set(accountId, tasker);
    }
    return tasker;
  }

  saveAll(): void {
    for (const [accountId, tasker] of this.loaded) if (tasker !== null) writeJson(TASKERS + accountId, tasker);
  }
}

@NearBindgen({ requireInit: true, serializer: encodeState, deserializer: decodeState })
export class TaskMarketplace {
  nextProjectId = 0;
  /**
   * Tasker ids in registration order, laid out as near-sdk-js's Vector (STATE holds {prefix, length};
   * element i under taskerIdKey(i)) without bundling Vector: every KB of bytecode is read at every call.
   */
  taskerIds: { prefix: string; length: number } = { prefix: TASKER_IDS, length: 0 };

  @initialize({})
  init({ owner_id, arbiter_id }: { owner_id: string; arbiter_id?: string | null }): void {
    ownable.initOwner(assertAccountId(owner_id, 'owner_id'));
    roles.grantRole(ROLE_ARBITER, arbiter_id ? assertAccountId(arbiter_id, 'arbiter_id') : owner_id);
  }

  // ------------------------------------------------------------ storage (NEP-145 style)

  /** Adds NEAR to the storage balance of `account_id` (default: caller) that pays for state they create. */
  @call({ payableFunction: true })
  storage_deposit({ account_id }: { account_id?: string | null }): { total: string } {
    const accountId = account_id ? assertAccountId(account_id, 'account_id') : near.predecessorAccountId();
    const deposit = near.attachedDeposit();
    require(deposit > 0n, 'TaskMarketplace: attach NEAR to deposit for storage');
    const total = depositStorage(accountId, deposit);
    return { total: total.toString() };
  }

  @call({ payableFunction: true })
  storage_withdraw({ amount }: { amount?: string | null }): { total: string } {
    assertOneYocto();
    const accountId = near.predecessorAccountId();
    const taken = withdrawStorage(accountId, amount === undefined || amount === null ? null : parseAmount(amount));
    refund(accountId, taken);
    return { total: (storageBalanceOf(accountId) ?? 0n).toString() };
  }

  @view({})
  storage_balance_of({ account_id }: { account_id: string }): { total: string } | null {
    const balance = storageBalanceOf(account_id);
    return balance === null ? null : { total: balance.toString() };
  }

  // ------------------------------------------------------------ taskers

  /** Registers the caller as a tasker; the record is paid from their storage balance. */
  @call({})
  register_tasker(): Tasker {
    pausable.assertNotPaused();
    const accountId = near.predecessorAccountId();
    require(!near.storageHasKey(TASKERS + accountId), 'TaskMarketplace: tasker already registered');
    const tasker: Tasker = { account_id: accountId, accepted: 0, rejected: 0, gold_correct: 0, gold_wrong: 0, active_claims: [] };
    chargeStorageTo(accountId, () => {
      writeJson(TASKERS + accountId, tasker);
      near.storageWriteRaw(taskerIdKey(this.taskerIds.length), encode(JSON.stringify(accountId)));
      this.taskerIds.length += 1;
    });
    emit('tasker_registered', [{ account_id: accountId }]);
    return tasker;
  }

  // ------------------------------------------------------------ projects

  /**
   * Creates a project owned by the caller; its record is paid from the caller's storage balance.
   * Budget comes separately: fund_project (NEAR) or ft_transfer_call with msg {"fund_project": id}.
   */
  @call({})
  create_project(args: {
    token: string;
    title: string;
    instructions_uri: string;
    instructions_hash: string;
    reward_per_item: string;
    reviewer_reward: string;
    redundancy: number;
    consensus: number;
    claim_ttl_ns: string;
    reveal_ttl_ns: string;
    dispute_ttl_ns: string;
    deadline_ns: string;
    reviewers?: string[];
    min_gold_accuracy_bps?: number;
    min_gold_answers?: number;
    qualification_required?: boolean;
  }): Project {
    pausable.assertNotPaused();
    const vendor = near.predecessorAccountId();
    const token = args.token === NEAR_TOKEN ? NEAR_TOKEN : assertAccountId(args.token, 'token');
    const redundancy = assertCount(args.redundancy, 'redundancy', 1, MAX_REDUNDANCY);
    const consensus = assertCount(args.consensus, 'consensus', 1, redundancy);
    // A strict majority, so two different results can never both reach consensus.
    require(consensus * 2 > redundancy, 'TaskMarketplace: consensus must be more than half of redundancy');
    const reviewers = args.reviewers ?? [];
    require(Array.isArray(reviewers) && reviewers.length <= MAX_REVIEWERS, `TaskMarketplace: at most ${MAX_REVIEWERS} reviewers`);
    reviewers.forEach((r) => assertAccountId(r, 'reviewer'));
    const deadline = parseDuration(args.deadline_ns, 'deadline_ns');
    require(deadline > now(), 'TaskMarketplace: deadline_ns must be in the future');
    const project: Project = {
      id: this.nextProjectId,
      vendor,
      token,
      title: assertText(args.title, 'title'),
      instructions_uri: assertText(args.instructions_uri, 'instructions_uri'),
      instructions_hash: assertHash(args.instructions_hash, 'instructions_hash'),
      reward_per_item: parsePositiveAmount(args.reward_per_item, 'reward_per_item').toString(),
      reviewer_reward: parseAmount(args.reviewer_reward, 'reviewer_reward').toString(),
      redundancy,
      consensus,
      claim_ttl_ns: parseDuration(args.claim_ttl_ns, 'claim_ttl_ns').toString(),
      reveal_ttl_ns: parseDuration(args.reveal_ttl_ns, 'reveal_ttl_ns').toString(),
      dispute_ttl_ns: parseDuration(args.dispute_ttl_ns, 'dispute_ttl_ns').toString(),
      deadline_ns: deadline.toString(),
      reviewers,
      min_gold_accuracy_bps: assertCount(args.min_gold_accuracy_bps ?? 0, 'min_gold_accuracy_bps', 0, 10_000),
      min_gold_answers: assertCount(args.min_gold_answers ?? 0, 'min_gold_answers', 0, 1_000_000),
      qualification_required: args.qualification_required === true,
      unallocated: '0',
      reserved: '0',
      credited: '0',
      funded: '0',
      item_count: 0,
      closed: false,
    };
    chargeStorageTo(vendor, () => writeJson(PROJECTS + project.id, project));
    this.nextProjectId += 1;
    emit('project_created', [{ project_id: project.id, vendor, token }]);
    return project;
  }

  /** Adds the attached NEAR to a NEAR-denominated project's budget. Anyone may fund. */
  @call({ payableFunction: true })
  fund_project({ project_id }: { project_id: number }): string {
    pausable.assertNotPaused();
    const project = this.project(project_id);
    require(project.token === NEAR_TOKEN, 'TaskMarketplace: project is funded in a token; use ft_transfer_call');
    const amount = near.attachedDeposit();
    require(amount > 0n, 'TaskMarketplace: attach the NEAR to fund the project');
    this.fund(project, near.predecessorAccountId(), amount);
    return project.unallocated;
  }

  /** NEP-141 receiver: msg {"fund_project": <id>} funds that project in the calling token. */
  @call({})
  ft_on_transfer({ sender_id, amount, msg }: { sender_id: string; amount: string; msg: string }): string {
    pausable.assertNotPaused();
    const value = parsePositiveAmount(amount);
    let parsed: { fund_project?: unknown };
    try {
      parsed = JSON.parse(msg);
    } catch (_) {
      panic('TaskMarketplace: msg must be JSON {"fund_project": <project id>}');
    }
    const project = this.project(parsed?.fund_project as number);
    require(project.token === near.predecessorAccountId(), 'TaskMarketplace: token does not match the project token');
    this.fund(project, sender_id, value);
    return '0';
  }

  /** Vendor: adds items (max 100 per call), reserving k rewards and the reviewer reward for each. */
  @call({})
  add_items({ project_id, items }: { project_id: number; items: NewItem[] }): number {
    pausable.assertNotPaused();
    const project = this.project(project_id);
    this.assertVendor(project);
    require(!project.closed, 'TaskMarketplace: project is closed');
    require(Array.isArray(items) && items.length > 0 && items.length <= MAX_ITEMS_PER_CALL, `TaskMarketplace: items must be an array of 1 to ${MAX_ITEMS_PER_CALL}`);
    const perItem = this.itemReserve(project);
    const first = project.item_count;
    const prepared = items.map((item, offset) => ({
      project_id: project.id,
      index: first + offset,
      content: assertText(item?.content, 'content'),
      seal: assertHash(item?.seal, 'seal'),
      status: 'open' as ItemStatus,
      claims: [],
      reveal_deadline_ns: null,
      accepted_result: null,
      finalized_at_ns: null,
      gold_expected: null,
      reserve: perItem.toString(),
    }));
    const total = perItem * BigInt(items.length);
    project.unallocated = checkedSub(BigInt(project.unallocated), total, `TaskMarketplace: insufficient budget: ${items.length} items need ${total}, unallocated is ${project.unallocated}`).toString();
    project.reserved = (BigInt(project.reserved) + total).toString();
    project.item_count += items.length;
    chargeStorageTo(project.vendor, () => {
      for (const item of prepared) writeJson(ITEMS + itemKey(project.id, item.index), item);
      writeJson(PROJECTS + project.id, project);
    });
    emit('items_added', [{ project_id: project.id, from_index: first, count: items.length }]);
    return project.item_count;
  }

  /** Vendor: lets `account_id` claim items of a project that requires qualification. */
  @call({})
  qualify_tasker({ project_id, account_id }: { project_id: number; account_id: string }): void {
    const project = this.project(project_id);
    this.assertVendor(project);
    require(near.storageHasKey(TASKERS + account_id), 'TaskMarketplace: tasker not registered');
    chargeStorageTo(project.vendor, () => writeJson(QUALIFICATIONS + `${project.id}|${account_id}`, true));
    emit('tasker_qualified', [{ project_id: project.id, account_id }]);
  }

  // ------------------------------------------------------------ tasker actions

  /** Tasker: claims a free slot of an open item until now + claim_ttl. Paid from their storage balance. */
  @call({})
  claim({ project_id, item_index }: { project_id: number; item_index: number }): Claim {
    pausable.assertNotPaused();
    const taskerId = near.predecessorAccountId();
    const tasker = this.tasker(taskerId);
    const project = this.project(project_id);
    require(!project.closed && now() < BigInt(project.deadline_ns), 'TaskMarketplace: project deadline has passed');
    require(!project.qualification_required || near.storageHasKey(QUALIFICATIONS + `${project.id}|${taskerId}`), 'TaskMarketplace: tasker is not qualified for this project');
    this.assertGoodStanding(project, tasker);
    const item = this.item(project.id, item_index);
    require(item.status === 'open', `TaskMarketplace: item is ${item.status}, not open`);
    this.dropExpiredClaims(item);
    require(!item.claims.some((c) => c.tasker === taskerId), 'TaskMarketplace: tasker already claimed this item');
    require(item.claims.length < project.redundancy, 'TaskMarketplace: all slots of this item are taken');
    require(tasker.active_claims.length < MAX_ACTIVE_CLAIMS, `TaskMarketplace: at most ${MAX_ACTIVE_CLAIMS} active claims per tasker`);
    const claim: Claim = {
      tasker: taskerId,
      status: 'claimed',
      expires_at_ns: (now() + BigInt(project.claim_ttl_ns)).toString(),
      commitment: null,
      result: null,
      paid: false,
    };
    item.claims.push(claim);
    tasker.active_claims.push(itemKey(project.id, item.index));
    chargeStorageTo(taskerId, () => {
      writeJson(ITEMS + itemKey(project.id, item.index), item);
      writeJson(TASKERS + taskerId, tasker);
    });
    emit('item_claimed', [{ project_id: project.id, item_index: item.index, tasker: taskerId, expires_at_ns: claim.expires_at_ns }]);
    return claim;
  }

  /** Tasker: gives back a claim not yet committed (also one that expired), freeing the slot. */
  @call({})
  release_claim({ project_id, item_index }: { project_id: number; item_index: number }): void {
    const taskerId = near.predecessorAccountId();
    const project = this.project(project_id);
    const item = this.item(project.id, item_index);
    const claim = this.claimOf(item, taskerId);
    require(claim.status === 'claimed', 'TaskMarketplace: a committed claim cannot be released');
    item.claims = item.claims.filter((c) => c !== claim);
    chargeStorageTo(taskerId, () => {
      writeJson(ITEMS + itemKey(project.id, item.index), item);
      this.releaseActiveClaim(taskerId, item);
    });
    emit('claim_released', [{ project_id: project.id, item_index: item.index, tasker: taskerId }]);
  }

  /** Tasker: submits sha256("<result>:<salt>") before the claim expires. */
  @call({})
  submit({ project_id, item_index, commitment }: { project_id: number; item_index: number; commitment: string }): void {
    pausable.assertNotPaused();
    const taskerId = near.predecessorAccountId();
    const hash = assertHash(commitment, 'commitment');
    const project = this.project(project_id);
    const item = this.item(project.id, item_index);
    const claim = this.claimOf(item, taskerId);
    require(claim.status === 'claimed', 'TaskMarketplace: commitment already submitted');
    require(now() <= BigInt(claim.expires_at_ns), 'TaskMarketplace: claim has expired');
    claim.status = 'committed';
    claim.commitment = hash;
    const committed = item.claims.filter((c) => c.status === 'committed').length;
    if (committed === project.redundancy) {
      item.status = 'revealing';
      item.reveal_deadline_ns = (now() + BigInt(project.reveal_ttl_ns)).toString();
    }
    chargeStorageTo(taskerId, () => writeJson(ITEMS + itemKey(project.id, item.index), item));
    emit('result_committed', [{ project_id: project.id, item_index: item.index, tasker: taskerId }]);
  }

  /** Tasker: opens their commitment once all k commitments are in. The last reveal settles the item. */
  @call({})
  reveal({ project_id, item_index, result, salt }: { project_id: number; item_index: number; result: string; salt: string }): ItemStatus {
    pausable.assertNotPaused();
    const taskerId = near.predecessorAccountId();
    const value = assertHash(result, 'result');
    assertText(salt, 'salt');
    const project = this.project(project_id);
    const item = this.item(project.id, item_index);
    require(item.status === 'revealing', `TaskMarketplace: item is ${item.status}, reveals need all commitments first`);
    const claim = this.claimOf(item, taskerId);
    require(claim.status === 'committed', 'TaskMarketplace: result already revealed');
    require(now() <= BigInt(item.reveal_deadline_ns!), 'TaskMarketplace: reveal period has ended');
    require(commitmentOf(value, salt) === claim.commitment, 'TaskMarketplace: reveal does not match the commitment');
    claim.status = 'revealed';
    claim.result = value;
    emit('result_revealed', [{ project_id: project.id, item_index: item.index, tasker: taskerId, result: value }]);
    // The last reveal settles the item; the earnings records that creates are paid by the revealer.
    // Only settling changes the project record, so an earlier reveal writes the item alone.
    chargeStorageTo(taskerId, () => {
      if (item.claims.every((c) => c.status === 'revealed')) {
        this.settle(project, item);
        this.saveItem(project, item);
      } else {
        writeJson(ITEMS + itemKey(project.id, item.index), item);
      }
    });
    return item.status;
  }

  /**
   * Anyone: moves an item on once its time is up. A revealing item whose reveal period ended is
   * settled (non-revealers are rejected); an accepted item whose dispute period ended releases its
   * dispute hold to the budget and becomes final.
   */
  @call({})
  finalize_item({ project_id, item_index }: { project_id: number; item_index: number }): ItemStatus {
    const project = this.project(project_id);
    const item = this.item(project.id, item_index);
    if (item.status === 'revealing') {
      require(now() > BigInt(item.reveal_deadline_ns!), 'TaskMarketplace: reveal period has not ended');
      chargeStorageTo(near.predecessorAccountId(), () => {
        this.settle(project, item);
        this.saveItem(project, item);
      });
    } else if (item.status === 'accepted') {
      require(!this.disputeOpen(project, item), 'TaskMarketplace: dispute period has not ended');
      this.finish(project, item);
      chargeStorageTo(near.predecessorAccountId(), () => this.saveItem(project, item));
    } else {
      panic(`TaskMarketplace: item is ${item.status}; only revealing or accepted items can be finalized`);
    }
    return item.status;
  }

  // ------------------------------------------------------------ review, gold, disputes

  /** Vendor or appointed reviewer: decides the correct result of an item in review. */
  @call({})
  review({ project_id, item_index, result }: { project_id: number; item_index: number; result: string }): void {
    const reviewer = near.predecessorAccountId();
    const value = assertHash(result, 'result');
    const project = this.project(project_id);
    require(reviewer === project.vendor || project.reviewers.includes(reviewer), 'TaskMarketplace: caller is not a reviewer of this project');
    const item = this.item(project.id, item_index);
    require(item.status === 'review', `TaskMarketplace: item is ${item.status}, not in review`);
    chargeStorageTo(reviewer, () => {
      this.creditFromItem(project, item, reviewer, BigInt(project.reviewer_reward));
      const taskers = new TaskerBatch();
      this.accept(project, item, value, taskers);
      taskers.saveAll();
      this.saveItem(project, item);
    });
    emit('item_reviewed', [{ project_id: project.id, item_index: item.index, reviewer, result: value }]);
  }

  /** Vendor: opens a gold item's seal; every revealed answer counts toward its tasker's gold accuracy. */
  @call({})
  reveal_gold({ project_id, item_index, expected, salt }: { project_id: number; item_index: number; expected: string; salt: string }): void {
    const project = this.project(project_id);
    this.assertVendor(project);
    const item = this.item(project.id, item_index);
    require(item.gold_expected === null, 'TaskMarketplace: gold answer already revealed');
    require(item.status !== 'open' && item.status !== 'revealing', 'TaskMarketplace: gold answers are revealed after the item is settled');
    const value = assertHash(expected, 'expected');
    assertText(salt, 'salt');
    require(commitmentOf(value, salt) === item.seal, 'TaskMarketplace: gold reveal does not match the seal');
    item.gold_expected = value;
    chargeStorageTo(project.vendor, () => {
      for (const claim of item.claims) {
        if (claim.status !== 'revealed') continue;
        const tasker = this.tasker(claim.tasker);
        if (claim.result === value) tasker.gold_correct += 1;
        else tasker.gold_wrong += 1;
        writeJson(TASKERS + tasker.account_id, tasker);
      }
      writeJson(ITEMS + itemKey(project.id, item.index), item);
    });
    emit('gold_revealed', [{ project_id: project.id, item_index: item.index, expected: value }]);
  }

  /** Tasker whose revealed result was not paid: disputes the decision within dispute_ttl. */
  @call({})
  dispute({ project_id, item_index }: { project_id: number; item_index: number }): void {
    const taskerId = near.predecessorAccountId();
    const project = this.project(project_id);
    const item = this.item(project.id, item_index);
    require(item.status === 'accepted', `TaskMarketplace: item is ${item.status}; only accepted items can be disputed`);
    const claim = this.claimOf(item, taskerId);
    require(claim.status === 'revealed' && !claim.paid, 'TaskMarketplace: only an unpaid revealed result can be disputed');
    require(this.disputeOpen(project, item), 'TaskMarketplace: dispute period has ended');
    item.status = 'disputed';
    writeJson(ITEMS + itemKey(project.id, item.index), item);
    emit('item_disputed', [{ project_id: project.id, item_index: item.index, tasker: taskerId }]);
  }

  /**
   * Arbiter: settles a dispute; the item becomes final. With `uphold`, every unpaid revealed
   * result equal to `result` is paid from the item's dispute hold (never twice: paid claims are
   * marked); what is left of the hold returns to the budget.
   */
  @call({})
  resolve_dispute({ project_id, item_index, uphold, result }: { project_id: number; item_index: number; uphold: boolean; result?: string | null }): void {
    roles.assertRole(ROLE_ARBITER);
    const project = this.project(project_id);
    const item = this.item(project.id, item_index);
    require(item.status === 'disputed', `TaskMarketplace: item is ${item.status}, not disputed`);
    require(uphold === true || uphold === false, 'TaskMarketplace: uphold must be true or false');
    const value = uphold ? assertHash(result, 'result') : item.accepted_result;
    chargeStorageTo(near.predecessorAccountId(), () => {
      if (uphold) this.upholdDispute(project, item, value!);
      this.finish(project, item);
      this.saveItem(project, item);
    });
    emit('dispute_resolved', [{ project_id: project.id, item_index: item.index, uphold, result: item.accepted_result }]);
  }

  // ------------------------------------------------------------ money out

  /**
   * Sends the caller's whole earnings in `token` (NEAR_TOKEN for NEAR). The amount is taken off
   * first and restored by the callback if the transfer fails, so it is never paid twice.
   * Needs no deposit, so it works through a relayer with a function-call key.
   */
  @call({})
  withdraw({ token }: { token: string }): void {
    const accountId = near.predecessorAccountId();
    if (token !== NEAR_TOKEN) assertAccountId(token, 'token');
    // Without enough gas the callback could not run; refuse up front rather than fail half-way.
    require(near.prepaidGas() >= GAS_FOR_WITHDRAW, `TaskMarketplace: withdraw needs at least ${GAS_FOR_WITHDRAW / TGAS} Tgas of prepaid gas`);
    const key = EARNINGS + earningsKey(accountId, token);
    // Earnings are stored as BigInt#toString output, so the stored text is the canonical amount
    // (no u128 → decimal conversion in QuickJS for the event and the two argument objects).
    const stored = readJson<string>(key) ?? '0';
    const amount = BigInt(stored);
    require(amount > 0n, 'TaskMarketplace: nothing to withdraw');
    writeJson(key, '0');
    emit('withdraw_started', [{ account_id: accountId, token, amount: stored }]);
    // near-sdk-js's promise host API rather than NearPromise, whose classes (every action type) would
    // add ~13 KB of source to the bundle that every call reads; the receipts are the same.
    let payout: PromiseIndex;
    if (token === NEAR_TOKEN) {
      payout = near.promiseBatchCreate(accountId);
      near.promiseBatchActionTransfer(payout, amount);
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
  @call({ privateFunction: true })
  on_withdraw({ account_id, token, amount }: { account_id: string; token: string; amount: string }): boolean {
    assertPrivate();
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
      const ledger = this.ledger(token);
      ledger.paid = checkedAdd(BigInt(ledger.paid), value, 'paid').toString();
      writeJson(LEDGERS + token, ledger);
      emit('withdraw_completed', [{ account_id, token, amount }]);
    } else {
      const key = earningsKey(account_id, token);
      writeJson(EARNINGS + key, (BigInt(readJson<string>(EARNINGS + key) ?? '0') + value).toString());
      emit('withdraw_failed', [{ account_id, token, amount }]);
    }
    return succeeded;
  }

  /**
   * Vendor, after the deadline plus the dispute period: closes the project and credits the
   * unallocated budget and the reserves of up to `limit` items from `from_index` to the vendor's
   * earnings (withdrawn like any earnings). Open items and items still in review are closed
   * unpaid; accepted items past their dispute period become final. Items still revealing, in
   * dispute or within their dispute period are skipped: call reclaim again once they settle.
   */
  @call({})
  reclaim({ project_id, from_index, limit }: { project_id: number; from_index?: number; limit?: number }): string {
    const project = this.project(project_id);
    this.assertVendor(project);
    require(now() >= BigInt(project.deadline_ns) + BigInt(project.dispute_ttl_ns), 'TaskMarketplace: reclaim opens after the deadline plus the dispute period');
    const start = assertCount(from_index ?? 0, 'from_index', 0, project.item_count);
    const count = assertCount(limit ?? MAX_ITEMS_PER_CALL, 'limit', 1, MAX_ITEMS_PER_CALL);
    const end = Math.min(project.item_count, start + count);
    // Item status changes can grow records by a few bytes: the vendor pays, as for its earnings record.
    const returned = chargeStorageTo(project.vendor, () => {
      let released = 0n;
      for (let index = start; index < end; index++) released += this.reclaimItem(project, index);
      project.reserved = (BigInt(project.reserved) - released).toString();
      const total = BigInt(project.unallocated) + released;
      project.unallocated = '0';
      project.closed = true;
      this.creditEarnings(project.vendor, project.token, total);
      writeJson(PROJECTS + project.id, project);
      return total;
    });
    emit('budget_reclaimed', [{ project_id: project.id, vendor: project.vendor, amount: returned.toString() }]);
    return returned.toString();
  }

  // ------------------------------------------------------------ admin

  @call({ payableFunction: true })
  pause(): void {
    assertOneYocto();
    roles.assertRole(ROLE_PAUSER);
    pausable.pause();
    emit('paused', [{ account_id: near.predecessorAccountId() }]);
  }

  @call({ payableFunction: true })
  unpause(): void {
    assertOneYocto();
    roles.assertRole(ROLE_PAUSER);
    pausable.unpause();
    emit('unpaused', [{ account_id: near.predecessorAccountId() }]);
  }

  @call({ payableFunction: true })
  grant_role({ role, account_id }: { role: string; account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    require(role === ROLE_ARBITER || role === ROLE_PAUSER, `TaskMarketplace: unknown role ${role}; roles are ${ROLE_ARBITER}, ${ROLE_PAUSER}`);
    roles.grantRole(role, assertAccountId(account_id, 'account_id'));
    emit('role_granted', [{ role, account_id }]);
  }

  @call({ payableFunction: true })
  revoke_role({ role, account_id }: { role: string; account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    roles.revokeRole(role, account_id);
    emit('role_revoked', [{ role, account_id }]);
  }

  // ------------------------------------------------------------ views

  @view({})
  get_project({ project_id }: { project_id: number }): Project | null {
    return readJson<Project>(PROJECTS + project_id);
  }

  /** Projects by id, `limit` at most 100; `open_only` skips closed and expired ones. */
  @view({})
  list_projects({ from_index, limit, open_only }: { from_index?: number; limit?: number; open_only?: boolean }): Project[] {
    const [start, end] = pageBounds(from_index, limit, this.nextProjectId);
    const page: Project[] = [];
    for (let id = start; id < end; id++) {
      const project = readJson<Project>(PROJECTS + id);
      if (project === null) continue;
      if (open_only === true && (project.closed || now() >= BigInt(project.deadline_ns))) continue;
      page.push(project);
    }
    return page;
  }

  @view({})
  get_item({ project_id, item_index }: { project_id: number; item_index: number }): Item | null {
    return readJson<Item>(ITEMS + itemKey(project_id, item_index));
  }

  @view({})
  list_items({ project_id, from_index, limit }: { project_id: number; from_index?: number; limit?: number }): Item[] {
    const project = readJson<Project>(PROJECTS + project_id);
    if (project === null) return [];
    const [start, end] = pageBounds(from_index, limit, project.item_count);
    const page: Item[] = [];
    for (let index = start; index < end; index++) page.push(readJson<Item>(ITEMS + itemKey(project_id, index))!);
    return page;
  }

  /** The caller-visible claims of a tasker ("my claims"), bounded by MAX_ACTIVE_CLAIMS. */
  @view({})
  get_tasker({ account_id }: { account_id: string }): Tasker | null {
    return readJson<Tasker>(TASKERS + account_id);
  }

  /** Tasker stats by registration order, for leaderboards (frontends sort a page). */
  @view({})
  list_taskers({ from_index, limit }: { from_index?: number; limit?: number }): Tasker[] {
    const [start, end] = pageBounds(from_index, limit, this.taskerIds.length);
    const page: Tasker[] = [];
    for (let i = start; i < end; i++) page.push(readJson<Tasker>(TASKERS + JSON.parse(decode(near.storageReadRaw(taskerIdKey(i))!)))!);
    return page;
  }

  @view({})
  earnings_of({ account_id, token }: { account_id: string; token: string }): string {
    return readJson<string>(EARNINGS + earningsKey(account_id, token)) ?? '0';
  }

  /** Per-token conservation figures: funded and paid (the rest is held as budgets, reserves and earnings). */
  @view({})
  get_ledger({ token }: { token: string }): Ledger {
    return this.ledger(token);
  }

  // ------------------------------------------------------------ internals

  private project(projectId: unknown): Project {
    if (typeof projectId !== 'number' || !Number.isInteger(projectId) || projectId < 0) panic('TaskMarketplace: project_id must be a non-negative integer');
    const project = readJson<Project>(PROJECTS + projectId);
    if (project === null) panic(`TaskMarketplace: project ${projectId} does not exist`);
    return project;
  }

  private item(projectId: number, index: unknown): Item {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) panic('TaskMarketplace: item_index must be a non-negative integer');
    const item = readJson<Item>(ITEMS + itemKey(projectId, index));
    if (item === null) panic(`TaskMarketplace: item ${index} does not exist`);
    return item;
  }

  private tasker(accountId: string): Tasker {
    const tasker = readJson<Tasker>(TASKERS + accountId);
    if (tasker === null) panic('TaskMarketplace: tasker not registered');
    return tasker;
  }

  private ledger(token: string): Ledger {
    return readJson<Ledger>(LEDGERS + token) ?? { funded: '0', paid: '0' };
  }

  private saveItem(project: Project, item: Item): void {
    writeJson(ITEMS + itemKey(project.id, item.index), item);
    writeJson(PROJECTS + project.id, project);
  }

  private claimOf(item: Item, taskerId: string): Claim {
    const claim = item.claims.find((c) => c.tasker === taskerId);
    if (claim === undefined) panic('TaskMarketplace: caller has no claim on this item');
    return claim;
  }

  private assertVendor(project: Project): void {
    if (near.predecessorAccountId() !== project.vendor) panic('TaskMarketplace: caller is not the project vendor');
  }

  private assertGoodStanding(project: Project, tasker: Tasker): void {
    const answers = tasker.gold_correct + tasker.gold_wrong;
    if (project.min_gold_answers > 0 && answers >= project.min_gold_answers) {
      const accuracyBps = Math.floor((tasker.gold_correct * 10_000) / answers);
      if (accuracyBps < project.min_gold_accuracy_bps) panic('TaskMarketplace: tasker is suspended for low gold accuracy');
    }
  }

  private itemReserve(project: Project): bigint {
    return BigInt(project.reward_per_item) * BigInt(project.redundancy) + BigInt(project.reviewer_reward);
  }

  private fund(project: Project, funder: string, amount: bigint): void {
    require(!project.closed, 'TaskMarketplace: project is closed');
    project.unallocated = checkedAdd(BigInt(project.unallocated), amount, 'budget').toString();
    project.funded = checkedAdd(BigInt(project.funded), amount, 'funded').toString();
    writeJson(PROJECTS + project.id, project);
    const ledger = this.ledger(project.token);
    ledger.funded = checkedAdd(BigInt(ledger.funded), amount, 'funded').toString();
    writeJson(LEDGERS + project.token, ledger);
    emit('project_funded', [{ project_id: project.id, funder, token: project.token, amount: amount.toString() }]);
  }

  /** Frees slots whose claim expired before a commitment was submitted. */
  private dropExpiredClaims(item: Item): void {
    const time = now();
    const expired = item.claims.filter((c) => c.status === 'claimed' && time > BigInt(c.expires_at_ns));
    if (expired.length === 0) return;
    item.claims = item.claims.filter((c) => !expired.includes(c));
    for (const claim of expired) {
      const tasker = readJson<Tasker>(TASKERS + claim.tasker);
      if (tasker === null) continue;
      tasker.active_claims = tasker.active_claims.filter((k) => k !== itemKey(item.project_id, item.index));
      writeJson(TASKERS + tasker.account_id, tasker);
      emit('claim_expired', [{ project_id: item.project_id, item_index: item.index, tasker: claim.tasker }]);
    }
  }

  /** Counts revealed results: m agreeing accept the item, anything else sends it to review. */
  private settle(project: Project, item: Item): void {
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
    const key = itemKey(item.project_id, item.index);
    for (const claim of item.claims) {
      const tasker = taskers.get(claim.tasker);
      if (tasker !== null) tasker.active_claims = tasker.active_claims.filter((k) => k !== key);
    }
    if (best !== null && bestVotes >= project.consensus) {
      // No review needed: the reviewer's share goes back to the budget.
      this.releaseToBudget(project, item, BigInt(project.reviewer_reward));
      this.accept(project, item, best, taskers);
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
  private accept(project: Project, item: Item, result: string, taskers: TaskerBatch): void {
    const reward = BigInt(project.reward_per_item);
    let held = 0n;
    for (const claim of item.claims) {
      const tasker = taskers.get(claim.tasker);
      if (tasker === null) continue;
      if (claim.status === 'revealed' && claim.result === result && !claim.paid) {
        this.creditFromItem(project, item, claim.tasker, reward);
        claim.paid = true;
        tasker.accepted += 1;
      } else {
        if (claim.status === 'revealed') held += reward;
        tasker.rejected += 1;
      }
    }
    this.releaseToBudget(project, item, BigInt(item.reserve) - held);
    item.status = 'accepted';
    item.accepted_result = result;
    item.finalized_at_ns = now().toString();
    emit('item_accepted', [{ project_id: project.id, item_index: item.index, result }]);
  }

  /** Pays every unpaid revealed result equal to `value` from the item's dispute hold. */
  private upholdDispute(project: Project, item: Item, value: string): void {
    const reward = BigInt(project.reward_per_item);
    for (const claim of item.claims) {
      if (claim.status !== 'revealed' || claim.paid || claim.result !== value) continue;
      this.creditFromItem(project, item, claim.tasker, reward);
      claim.paid = true;
      const tasker = this.tasker(claim.tasker);
      tasker.accepted += 1;
      tasker.rejected = tasker.rejected > 0 ? tasker.rejected - 1 : 0;
      writeJson(TASKERS + tasker.account_id, tasker);
    }
    item.accepted_result = value;
  }

  private releaseActiveClaim(taskerId: string, item: Item): void {
    const tasker = readJson<Tasker>(TASKERS + taskerId);
    if (tasker === null) return;
    tasker.active_claims = tasker.active_claims.filter((k) => k !== itemKey(item.project_id, item.index));
    writeJson(TASKERS + taskerId, tasker);
  }

  private releaseToBudget(project: Project, item: Item, amount: bigint): void {
    if (amount === 0n) return;
    item.reserve = checkedSub(BigInt(item.reserve), amount, 'TaskMarketplace: item reserve exhausted').toString();
    project.reserved = (BigInt(project.reserved) - amount).toString();
    project.unallocated = (BigInt(project.unallocated) + amount).toString();
  }

  private creditFromItem(project: Project, item: Item, accountId: string, amount: bigint): void {
    if (amount === 0n) return;
    item.reserve = checkedSub(BigInt(item.reserve), amount, 'TaskMarketplace: item reserve exhausted').toString();
    project.reserved = (BigInt(project.reserved) - amount).toString();
    project.credited = (BigInt(project.credited) + amount).toString();
    this.creditEarnings(accountId, project.token, amount);
  }

  /**
   * Releases an item's reserve for reclaim and returns it: open and review items close unpaid,
   * accepted items past their dispute period become final; live items are skipped (0).
   */
  private reclaimItem(project: Project, index: number): bigint {
    const item = this.item(project.id, index);
    if (item.status === 'revealing' || item.status === 'disputed' || item.status === 'final' || item.status === 'closed') return 0n;
    if (item.status === 'accepted' && this.disputeOpen(project, item)) return 0n;
    const reserve = BigInt(item.reserve);
    item.reserve = '0';
    if (item.status === 'accepted') item.status = 'final';
    else {
      item.status = 'closed';
      for (const claim of item.claims) this.releaseActiveClaim(claim.tasker, item);
    }
    writeJson(ITEMS + itemKey(project.id, index), item);
    return reserve;
  }

  private disputeOpen(project: Project, item: Item): boolean {
    return now() <= BigInt(item.finalized_at_ns!) + BigInt(project.dispute_ttl_ns);
  }

  /** Ends an item's life: its remaining reserve (the dispute hold) returns to the budget. */
  private finish(project: Project, item: Item): void {
    this.releaseToBudget(project, item, BigInt(item.reserve));
    item.status = 'final';
    emit('item_final', [{ project_id: project.id, item_index: item.index }]);
  }

  private creditEarnings(accountId: string, token: string, amount: bigint): void {
    if (amount === 0n) return;
    const key = earningsKey(accountId, token);
    writeJson(EARNINGS + key, checkedAdd(BigInt(readJson<string>(EARNINGS + key) ?? '0'), amount, 'earnings').toString());
    emit('earnings_credited', [{ account_id: accountId, token, amount: amount.toString() }]);
  }
}

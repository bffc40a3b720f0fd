/**
 * Property test of the task marketplace (issue 7): random multi-actor schedules, checked after
 * every step. Not a near-workspaces suite: it drives the in-process node (packages/sandbox)
 * directly, because each run restores a snapshot instead of redeploying, which near-workspaces
 * cannot do; the node runs the same contract Wasm under the same runtime and gas rules.
 *
 * Invariants, per token ("NEAR" and the stablecoin), after every transaction:
 *   1. escrow: ledger.funded − ledger.paid = Σ project.unallocated + Σ project.reserved + Σ earnings
 *      (and, at the end of each schedule, the token's escrow equals the market's real token balance);
 *   2. no tasker is ever paid twice for an item: each tasker appears at most once in an item's
 *      claims, and the rewards credited to a tasker (earnings_credited events) equal
 *      reward × the number of their claims marked paid.
 *
 * The state is read from the contract's storage records (one in-memory read) rather than through
 * view calls (~140 ms each), so the check after every step stays cheap.
 */
import test from 'ava';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSandbox, NEAR, TGAS, type Sandbox, type TransactionResult } from '../packages/sandbox/src/index.js';
import { contractWasm } from './helpers/wasm.js';

const MARKET = 'market.test.near';
const TOKEN = 'usd.test.near';
const ISSUER = 'issuer.test.near';
const VENDOR = 'vendor.test.near';
const REVIEWER = 'reviewer.test.near';
const ARBITER = 'arbiter.test.near';
const TASKERS = ['t0.test.near', 't1.test.near', 't2.test.near'];
const GAS = 100n * TGAS;
const SECOND = 10n ** 9n;
const RUNS = Number(process.env.TM_PROPERTY_RUNS ?? 200);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The contract's commitment, bound to the item and the tasker. */
const commitmentOf = (project: number, item: number, tasker: string, answer: string, salt: string) => sha256(`${project}:${item}:${tasker}:${answer}:${salt}`);
const ANSWERS = [sha256('label A'), sha256('label B')];

interface ProjectSpec {
  id: number;
  token: string;
  reward: bigint;
  reviewerReward: bigint;
  redundancy: number;
  consensus: number;
}
/** Project 0 in NEAR (k = 2, m = 2: disagreement goes to review); project 1 in the token (k = 1). */
const PROJECTS: ProjectSpec[] = [
  { id: 0, token: 'NEAR', reward: NEAR / 100n, reviewerReward: NEAR / 200n, redundancy: 2, consensus: 2 },
  { id: 1, token: TOKEN, reward: 1_000_000n, reviewerReward: 0n, redundancy: 1, consensus: 1 },
];
const ITEMS_PER_PROJECT = 5;

/** Every transaction that must succeed (set-up, token pause), kept for the credit count. */
const required: TransactionResult[] = [];

function ok(node: Sandbox, signer: string, receiver: string, method: string, args: Record<string, unknown>, deposit = 0n): TransactionResult {
  const result = node.call(signer, receiver, method, args, { gas: GAS, deposit });
  required.push(result);
  if (!result.succeeded || result.receiptFailures.length > 0) throw new Error(`${method} by ${signer} failed: ${JSON.stringify(result.failure ?? result.receiptFailures)}`);
  return result;
}

/** Deploys token and market, creates both projects with items, and pre-commits some items. */
function setUp(): { node: Sandbox; commits: Map<string, { answer: string; salt: string }> } {
  const node = createSandbox();
  for (const id of [MARKET, TOKEN, ISSUER, VENDOR, REVIEWER, ARBITER, ...TASKERS]) node.createAccount(id, { balance: 1000n * NEAR });
  node.deployContract(TOKEN, readFileSync(contractWasm('stablecoin')));
  node.deployContract(MARKET, readFileSync(contractWasm('task-marketplace')));
  ok(node, TOKEN, TOKEN, 'init', { owner_id: ISSUER });
  for (const role of ['master_minter', 'pauser']) ok(node, ISSUER, TOKEN, 'grant_role', { role, account_id: ISSUER }, 1n);
  ok(node, ISSUER, TOKEN, 'configure_minter', { account_id: ISSUER, allowance: (10n ** 30n).toString() }, 1n);
  const { min } = node.view<{ min: string }>(TOKEN, 'storage_balance_bounds', {});
  for (const id of [MARKET, VENDOR, REVIEWER, ARBITER, ...TASKERS]) ok(node, id, TOKEN, 'storage_deposit', {}, BigInt(min));
  ok(node, ISSUER, TOKEN, 'mint', { account_id: VENDOR, amount: (10n ** 12n).toString() }, 1n);

  ok(node, MARKET, MARKET, 'init', { owner_id: VENDOR, arbiter_id: ARBITER });
  // Windows of seconds (the contract's defaults are hours to days): schedules pass them in a few hundred 1 s blocks.
  const seconds = (min: bigint, max: bigint) => ({ min_ns: (min * SECOND).toString(), max_ns: (max * SECOND).toString() });
  ok(node, VENDOR, MARKET, 'set_limits', { limits: { claim_ttl: seconds(10n, 86_400n), reveal_ttl: seconds(10n, 86_400n), dispute_ttl: seconds(10n, 86_400n), deadline: seconds(10n, 864_000n) } }, 1n);
  for (const id of [VENDOR, REVIEWER, ARBITER, ...TASKERS]) ok(node, id, MARKET, 'storage_deposit', {}, 5n * NEAR);
  for (const id of TASKERS) ok(node, id, MARKET, 'register_tasker', {});
  const start = node.getBlock().timestamp;
  for (const p of PROJECTS) {
    ok(node, VENDOR, MARKET, 'create_project', {
      token: p.token, title: `project ${p.id}`, instructions_uri: 'ipfs://instructions', instructions_hash: sha256('instructions'),
      reward_per_item: p.reward.toString(), reviewer_reward: p.reviewerReward.toString(), redundancy: p.redundancy, consensus: p.consensus,
      claim_ttl_ns: (60n * SECOND).toString(), reveal_ttl_ns: (90n * SECOND).toString(), dispute_ttl_ns: (90n * SECOND).toString(),
      deadline_ns: (start + 300n * SECOND).toString(), reviewers: [REVIEWER],
    });
    const budget = BigInt(ITEMS_PER_PROJECT + 1) * (BigInt(p.redundancy) * p.reward + p.reviewerReward);
    if (p.token === 'NEAR') ok(node, VENDOR, MARKET, 'fund_project', { project_id: p.id }, budget);
    else ok(node, VENDOR, TOKEN, 'ft_transfer_call', { receiver_id: MARKET, amount: budget.toString(), msg: JSON.stringify({ fund_project: p.id }) }, 1n);
    ok(node, VENDOR, MARKET, 'add_items', { project_id: p.id, items: Array.from({ length: ITEMS_PER_PROJECT }, (_, i) => ({ content: `ipfs://item-${p.id}-${i}`, seal: sha256(`seal ${p.id} ${i}`) })) }, 1n);
  }
  // Head start so that short schedules reach reveals, review and disputes: project 0 item 0
  // committed by t0 and t1 (agreeing), item 1 revealed in disagreement (in review), item 2 reviewed
  // (t2's reward held for a dispute), item 3 disputed by t2; project 1 item 0 committed by t2.
  const commits = new Map<string, { answer: string; salt: string }>();
  const commit = (tasker: number, project: number, item: number, answer: string) => {
    const salt = `salt-${tasker}-${project}-${item}`;
    ok(node, TASKERS[tasker], MARKET, 'claim', { project_id: project, item_index: item });
    ok(node, TASKERS[tasker], MARKET, 'submit', { project_id: project, item_index: item, commitment: commitmentOf(project, item, TASKERS[tasker], answer, salt) });
    commits.set(`${tasker}:${project}:${item}`, { answer, salt });
  };
  commit(0, 0, 0, ANSWERS[0]);
  commit(1, 0, 0, ANSWERS[0]);
  commit(0, 0, 1, ANSWERS[0]);
  commit(1, 0, 1, ANSWERS[1]);
  commit(0, 0, 2, ANSWERS[0]);
  commit(2, 0, 2, ANSWERS[1]);
  commit(1, 0, 3, ANSWERS[0]);
  commit(2, 0, 3, ANSWERS[1]);
  commit(2, 1, 0, ANSWERS[1]);
  for (const [tasker, item] of [[0, 1], [1, 1], [0, 2], [2, 2], [1, 3], [2, 3]]) {
    const c = commits.get(`${tasker}:0:${item}`)!;
    ok(node, TASKERS[tasker], MARKET, 'reveal', { project_id: 0, item_index: item, result: c.answer, salt: c.salt });
  }
  ok(node, REVIEWER, MARKET, 'review', { project_id: 0, item_index: 2, result: ANSWERS[0] }, 1n);
  ok(node, VENDOR, MARKET, 'review', { project_id: 0, item_index: 3, result: ANSWERS[0] }, 1n);
  ok(node, TASKERS[2], MARKET, 'dispute', { project_id: 0, item_index: 3 });
  return { node, commits };
}

interface Claim { tasker: string; status: string; paid: boolean }
interface Item { project_id: number; claims: Claim[] }
interface Project { id: number; token: string; unallocated: string; reserved: string; reward_per_item: string }

/** The contract's records by storage prefix (near-sdk-js LookupMap: prefix + key → JSON). */
function records(node: Sandbox) {
  const projects: Project[] = [];
  const items: Item[] = [];
  const earnings = new Map<string, bigint>();
  const ledgers = new Map<string, { funded: bigint; paid: bigint }>();
  for (const { key, value } of node.viewState(MARKET)) {
    const k = Buffer.from(key).toString();
    const text = Buffer.from(value).toString();
    if (k.startsWith('p')) projects.push(JSON.parse(text));
    else if (k.startsWith('i')) items.push(JSON.parse(text));
    else if (k.startsWith('e')) earnings.set(k.slice(1), BigInt(JSON.parse(text)));
    else if (k.startsWith('l')) {
      const l = JSON.parse(text) as { funded: string; paid: string };
      ledgers.set(k.slice(1), { funded: BigInt(l.funded), paid: BigInt(l.paid) });
    }
  }
  return { projects, items, earnings, ledgers };
}

/** One storage record of the market, parsed (the state a view would return, without running Wasm). */
function readRecord<T>(node: Sandbox, key: string): T {
  const record = node.viewState(MARKET, key).find((r) => Buffer.from(r.key).toString() === key);
  if (!record) throw new Error(`no record ${key}`);
  return JSON.parse(Buffer.from(record.value).toString()) as T;
}

/** The market's real token balance must equal the token's escrow (a view: checked once per schedule). */
function checkTokenBalance(node: Sandbox): string | null {
  const ledger = records(node).ledgers.get(TOKEN)!;
  const balance = BigInt(node.view<string>(TOKEN, 'ft_balance_of', { account_id: MARKET }));
  return balance === ledger.funded - ledger.paid ? null : `token balance ${balance} ≠ escrow ${ledger.funded - ledger.paid}`;
}

/** Checks both invariants; `credited` sums earnings_credited events per tasker and token so far. */
function checkInvariants(node: Sandbox, credited: Map<string, bigint>): string | null {
  const { projects, items, earnings, ledgers } = records(node);
  for (const token of ['NEAR', TOKEN]) {
    const ledger = ledgers.get(token) ?? { funded: 0n, paid: 0n };
    let held = 0n;
    for (const p of projects.filter((p) => p.token === token)) held += BigInt(p.unallocated) + BigInt(p.reserved);
    for (const [key, amount] of earnings) if (key.endsWith(`|${token}`)) held += amount;
    if (ledger.funded - ledger.paid !== held) return `${token}: funded ${ledger.funded} − paid ${ledger.paid} ≠ held ${held}`;
  }
  const paidClaims = new Map<string, bigint>();
  for (const item of items) {
    const seen = new Set<string>();
    for (const claim of item.claims) {
      if (seen.has(claim.tasker)) return `${claim.tasker} holds two claims on item ${item.project_id}`;
      seen.add(claim.tasker);
      if (!claim.paid) continue;
      const project = projects.find((p) => p.id === item.project_id)!;
      const key = `${claim.tasker}|${project.token}`;
      paidClaims.set(key, (paidClaims.get(key) ?? 0n) + BigInt(project.reward_per_item));
    }
  }
  for (const tasker of TASKERS) {
    for (const token of ['NEAR', TOKEN]) {
      const key = `${tasker}|${token}`;
      if ((credited.get(key) ?? 0n) !== (paidClaims.get(key) ?? 0n)) return `${key}: credited ${credited.get(key) ?? 0n} but paid claims are worth ${paidClaims.get(key) ?? 0n}`;
    }
  }
  return null;
}

type Step =
  | { kind: 'work'; tasker: number; project: number; item: number; answer: number; honest: boolean }
  | { kind: 'review'; project: number; item: number; answer: number; byVendor: boolean }
  | { kind: 'dispute'; tasker: number; project: number; item: number }
  | { kind: 'resolve'; project: number; item: number; uphold: boolean; answer: number }
  | { kind: 'finalize'; project: number; item: number }
  | { kind: 'withdraw'; who: number; token: boolean; paused: boolean }
  | { kind: 'fund'; project: number; items: number }
  | { kind: 'release'; tasker: number; project: number; item: number }
  | { kind: 'wait'; seconds: number }
  | { kind: 'reclaim'; project: number };

const tasker = fc.nat(TASKERS.length - 1);
// Biased towards the items with a head start (project 0, items 0 to 3).
const project = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) });
const item = fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.nat(ITEMS_PER_PROJECT - 1) });
const answer = fc.nat(ANSWERS.length - 1);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('work' as const), tasker, project, item, answer, honest: fc.nat(5).map((n) => n > 0) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('review' as const), project, item, answer, byVendor: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispute' as const), tasker, project, item }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resolve' as const), project, item, uphold: fc.boolean(), answer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('finalize' as const), project, item }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), who: fc.nat(TASKERS.length + 1), token: fc.boolean(), paused: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fund' as const), project, items: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), tasker, project, item }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 10, max: 500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reclaim' as const), project }) },
);

/** Runs one step; the contract may refuse it (that is part of the schedule). Returns the tx results. */
function run(node: Sandbox, s: Step, commits: Map<string, { answer: string; salt: string }>): TransactionResult[] {
  const market = (signer: string, method: string, args: Record<string, unknown>, deposit = 0n) => node.call(signer, MARKET, method, args, { gas: GAS, deposit });
  switch (s.kind) {
    case 'work': {
      // The tasker's next action on the item: claim, then commit, then reveal (sometimes dishonestly).
      const key = `${s.tasker}:${s.project}:${s.item}`;
      const state = readRecord<Item>(node, `i${s.project}:${s.item}`);
      const mine = state.claims.find((c) => c.tasker === TASKERS[s.tasker]);
      const args = { project_id: s.project, item_index: s.item };
      if (!mine) return [market(TASKERS[s.tasker], 'claim', args)];
      if (mine.status === 'claimed') {
        const c = { answer: ANSWERS[s.answer], salt: `salt-${key}-${s.answer}` };
        commits.set(key, c);
        return [market(TASKERS[s.tasker], 'submit', { ...args, commitment: commitmentOf(s.project, s.item, TASKERS[s.tasker], c.answer, c.salt) })];
      }
      const c = commits.get(key)!;
      return [market(TASKERS[s.tasker], 'reveal', { ...args, result: c.answer, salt: s.honest ? c.salt : 'forged' })];
    }
    case 'review':
      return [market(s.byVendor ? VENDOR : REVIEWER, 'review', { project_id: s.project, item_index: s.item, result: ANSWERS[s.answer] }, 1n)];
    case 'dispute':
      return [market(TASKERS[s.tasker], 'dispute', { project_id: s.project, item_index: s.item })];
    case 'resolve':
      return [market(ARBITER, 'resolve_dispute', { project_id: s.project, item_index: s.item, uphold: s.uphold, result: ANSWERS[s.answer] }, 1n)];
    case 'finalize':
      return [market(VENDOR, 'finalize_item', { project_id: s.project, item_index: s.item })];
    case 'withdraw': {
      const who = [...TASKERS, VENDOR, REVIEWER][s.who];
      if (!s.token) return [market(who, 'withdraw', { token: 'NEAR' })];
      // A paused token makes the ft_transfer fail: the callback must restore the earnings.
      const results: TransactionResult[] = [];
      if (s.paused) results.push(ok(node, ISSUER, TOKEN, 'pause', {}, 1n));
      results.push(market(who, 'withdraw', { token: TOKEN }));
      if (s.paused) results.push(ok(node, ISSUER, TOKEN, 'unpause', {}, 1n));
      return results;
    }
    case 'fund': {
      const p = PROJECTS[s.project];
      const amount = BigInt(s.items) * (BigInt(p.redundancy) * p.reward + p.reviewerReward);
      const funded = p.token === 'NEAR'
        ? market(VENDOR, 'fund_project', { project_id: p.id }, amount)
        : node.call(VENDOR, TOKEN, 'ft_transfer_call', { receiver_id: MARKET, amount: amount.toString(), msg: JSON.stringify({ fund_project: p.id }) }, { gas: GAS, deposit: 1n });
      return [funded, market(VENDOR, 'add_items', { project_id: p.id, items: Array.from({ length: s.items }, (_, i) => ({ content: `ipfs://extra-${i}`, seal: sha256(`extra ${i}`) })) }, 1n)];
    }
    case 'release':
      return [market(TASKERS[s.tasker], 'release_claim', { project_id: s.project, item_index: s.item })];
    case 'wait':
      node.produceBlocks(s.seconds); // 1 s per block on the in-process node
      return [];
    case 'reclaim':
      return [market(VENDOR, 'reclaim', { project_id: s.project }, 1n)];
  }
}

/** earnings_credited events to taskers, summed per "tasker|token". */
function addCredits(credited: Map<string, bigint>, results: TransactionResult[]): void {
  for (const r of results) {
    for (const log of r.logs) {
      if (!log.startsWith('EVENT_JSON:')) continue;
      const e = JSON.parse(log.slice('EVENT_JSON:'.length)) as { standard: string; event: string; data: { account_id: string; token: string; amount: string }[] };
      if (e.standard !== 'task_marketplace' || e.event !== 'earnings_credited') continue;
      for (const d of e.data) if (TASKERS.includes(d.account_id)) credited.set(`${d.account_id}|${d.token}`, (credited.get(`${d.account_id}|${d.token}`) ?? 0n) + BigInt(d.amount));
    }
  }
}

test(`${RUNS} random multi-actor schedules keep escrow conserved and pay no tasker twice for an item`, async (t) => {
  const { node, commits: baseCommits } = setUp();
  const base = node.snapshot();
  const baseCredits = new Map<string, bigint>();
  addCredits(baseCredits, required.splice(0));
  t.is(checkInvariants(node, baseCredits), null);
  const outcomes = new Map<string, number>();
  let steps = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 12 }), async (schedule) => {
      node.restore(base);
      const commits = new Map(baseCommits);
      const credited = new Map(baseCredits);
      for (const [i, s] of schedule.entries()) {
        const results = run(node, s, commits);
        addCredits(credited, results);
        steps += 1;
        const last = results.at(-1);
        const outcome = last === undefined ? 'wait' : last.succeeded && last.receiptFailures.length === 0 ? 'ok' : 'refused';
        outcomes.set(`${s.kind}:${outcome}`, (outcomes.get(`${s.kind}:${outcome}`) ?? 0) + 1);
        const broken = checkInvariants(node, credited);
        if (broken !== null) throw new Error(`after step ${i} ${JSON.stringify(s)}: ${broken}`);
      }
      const balance = checkTokenBalance(node);
      if (balance !== null) throw new Error(`after the schedule: ${balance}`);
    }),
    { numRuns: RUNS },
  );
  t.log(`${RUNS} schedules, ${steps} steps; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  // The schedules must exercise the interesting paths, not only refusals.
  for (const kind of ['work', 'review', 'dispute', 'resolve', 'withdraw', 'reclaim']) t.true((outcomes.get(`${kind}:ok`) ?? 0) > 0, `no successful ${kind} in ${RUNS} schedules`);
});

/**
 * Property test of the task marketplace (issues 7 and 13): random schedules in which honest actors
 * (a vendor, a reviewer, an arbiter, three taskers) and attackers act in any order, checked after
 * every step. Attackers: a vendor with two Sybil taskers (its own project, self-review, a gold item
 * sealed to an answer nobody gives, reclaims, and the revival of a reclaimed item), a copier submitting other taskers' commitments
 * and revealing their openings, and holders of function-call keys of the vendors, the arbiter and
 * the owner calling every method the README marks "1 yoctoNEAR".
 *
 * Not a near-workspaces suite: it drives the in-process node (packages/sandbox) directly, because
 * each run restores a snapshot instead of redeploying; the node runs the same Wasm under the same
 * runtime and gas rules.
 *
 * Invariants after every transaction:
 *   1. no project pays more than it was funded: funded = unallocated + reserved + credited +
 *      reclaimed, every bucket ≥ 0, and reserved = Σ its items' reserves;
 *   2. per token, ledger.funded − ledger.paid = Σ unallocated + Σ reserved + Σ earnings, and the
 *      contract holds at least that: the market's token balance equals it; its NEAR balance, less
 *      the storage stake and the storage balances it owes, covers the NEAR escrow;
 *   3. an honest tasker whose revealed result is the item's accepted result (or whose result was
 *      revealed in an item the vendor left in review until finalize_item or reclaim) is paid, and nobody is paid
 *      twice: the rewards credited to each tasker (earnings_credited events) equal reward × their
 *      claims marked paid, one claim per tasker per item;
 *   4. nothing moves without 1 yoctoNEAR where the README's method table says so: a function-call
 *      key cannot attach it (the transaction is invalid) and without it the call panics with the
 *      guard's message; either way the market's state is unchanged;
 *   5. the copier is never paid and never holds a commitment; a tasker is refused as "suspended"
 *      only on the gold record of that project's own vendor; no slot outlives claim + reveal ceilings.
 *
 * The state is read from the contract's storage records (an in-memory read) rather than through
 * view calls, so the checks after every step stay cheap.
 */
import test from 'ava';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSandbox, InvalidTransactionError, KeyPair, NEAR, TGAS, type Sandbox, type TransactionResult } from '../packages/sandbox/src/index.js';
import { contractWasm } from './helpers/wasm.js';

const MARKET = 'market.test.near';
const TOKEN = 'usd.test.near';
const ISSUER = 'issuer.test.near';
const OWNER = 'owner.test.near';
const VENDOR = 'vendor.test.near';
const REVIEWER = 'reviewer.test.near';
const ARBITER = 'arbiter.test.near';
const TASKERS = ['t0.test.near', 't1.test.near', 't2.test.near'];
/** The attacking vendor and its Sybil taskers. */
const EVIL = 'evil.test.near';
const SYBILS = ['s0.test.near', 's1.test.near'];
const COPIER = 'copier.test.near';
const WORKERS = [...TASKERS, ...SYBILS];
const EVERY_TASKER = [...WORKERS, COPIER];
const GAS = 100n * TGAS;
const SECOND = 10n ** 9n;
const BYTE_COST = 10n ** 19n;
const RUNS = Number(process.env.TM_PROPERTY_RUNS ?? 200);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The contract's commitment, bound to the item and the tasker. */
const commitmentOf = (project: number, item: number, tasker: string, answer: string, salt: string) => sha256(`${project}:${item}:${tasker}:${answer}:${salt}`);
const ANSWERS = [sha256('label A'), sha256('label B')];
const JUNK = [sha256('junk 1'), sha256('junk 2')];
/** The attacking vendor's gold seal opens to this; nobody ever answers it. */
const SABOTAGE = sha256('an answer nobody gives');

const LIMIT_SECONDS = { claim_ttl: [10n, 3_600n], reveal_ttl: [10n, 3_600n], dispute_ttl: [10n, 3_600n], deadline: [10n, 86_400n] } as const;

interface ProjectSpec {
  id: number;
  vendor: string;
  token: string;
  reward: bigint;
  reviewerReward: bigint;
  redundancy: number;
  consensus: number;
  items: number;
  reviewers: string[];
  /** Windows in seconds (claim, reveal, dispute) and the deadline after set-up starts; default 120, 180, 240 and 400. */
  windows?: [bigint, bigint, bigint, bigint];
  gold?: { item: number; expected: string; salt: string; minAnswers: number; minBps: number };
}
/**
 * 0: the honest vendor in NEAR (k = 2, m = 2, a reviewer, a gold item answered A); 1: the honest
 * vendor in the token (k = 1); 2: the attacking vendor in NEAR (k = 3, m = 2, reviews itself, a
 * gold item sealed to SABOTAGE and a gate of 100 % gold accuracy); 3: the attacking vendor's project
 * that ends during set-up, its items claimed by the Sybils (for the revival attack, issue 13 attack 1).
 */
const PROJECTS: ProjectSpec[] = [
  { id: 0, vendor: VENDOR, token: 'NEAR', reward: NEAR / 100n, reviewerReward: NEAR / 200n, redundancy: 2, consensus: 2, items: 5, reviewers: [REVIEWER], gold: { item: 4, expected: ANSWERS[0], salt: 'gold-0', minAnswers: 1, minBps: 5_000 } },
  { id: 1, vendor: VENDOR, token: TOKEN, reward: 1_000_000n, reviewerReward: 0n, redundancy: 1, consensus: 1, items: 5, reviewers: [REVIEWER] },
  { id: 2, vendor: EVIL, token: 'NEAR', reward: NEAR / 100n, reviewerReward: NEAR / 200n, redundancy: 3, consensus: 2, items: 4, reviewers: [], gold: { item: 3, expected: SABOTAGE, salt: 'sabotage', minAnswers: 1, minBps: 10_000 } },
  { id: 3, vendor: EVIL, token: 'NEAR', reward: NEAR / 100n, reviewerReward: 0n, redundancy: 2, consensus: 2, items: 2, reviewers: [], windows: [3_600n, 180n, 10n, 60n] },
];

/** Methods the README's table marks "1 yoctoNEAR", with arguments a key holder would send. */
function oneYoctoMethods(): string[] {
  const readme = readFileSync(fileURLToPath(new URL('../contracts/task-marketplace/README.md', import.meta.url)), 'utf8');
  const methods: string[] = [];
  let deposit = -1;
  for (const line of readme.split('\n')) {
    if (!line.startsWith('|')) {
      deposit = -1;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.includes('Deposit')) deposit = cells.indexOf('Deposit');
    const name = /^`([a-z_]+)`/.exec(cells[0] ?? '')?.[1];
    if (deposit >= 0 && name && cells[deposit] === '1 yoctoNEAR') methods.push(name);
  }
  return methods;
}
const ONE_YOCTO = oneYoctoMethods();
if (ONE_YOCTO.length === 0) throw new Error('contracts/task-marketplace/README.md: no method table row has the Deposit "1 yoctoNEAR"');
const GUARD = 'Guard: requires an attached deposit of exactly 1 yoctoNEAR';
const ARGS_FOR: Record<string, Record<string, unknown>> = {
  set_limits: { limits: {} },
  storage_withdraw: { amount: '1' },
  add_items: { project_id: 2, items: [{ content: 'ipfs://x', seal: sha256('x') }] },
  qualify_tasker: { project_id: 0, account_id: SYBILS[0] },
  review: { project_id: 2, item_index: 1, result: JUNK[0] },
  resolve_dispute: { project_id: 0, item_index: 3, uphold: true, result: ANSWERS[1] },
  reclaim: { project_id: 2 },
  pause: {},
  unpause: {},
  grant_role: { role: 'arbiter', account_id: EVIL },
  revoke_role: { role: 'arbiter', account_id: ARBITER },
};
const KEY_HOLDERS = [VENDOR, EVIL, ARBITER, OWNER];

/** Every transaction that must succeed (set-up, token pause), kept for the credit count. */
const required: TransactionResult[] = [];

function ok(node: Sandbox, signer: string, receiver: string, method: string, args: Record<string, unknown>, deposit = 0n): TransactionResult {
  const result = node.call(signer, receiver, method, args, { gas: GAS, deposit });
  required.push(result);
  if (!result.succeeded || result.receiptFailures.length > 0) throw new Error(`${method} by ${signer} failed: ${JSON.stringify(result.failure ?? result.receiptFailures)}`);
  return result;
}

/** The panic message of a failed call ("Smart contract panicked: " removed), or null. */
function panicOf(result: TransactionResult): string | null {
  const failure = (result.failure ?? result.receiptFailures[0]) as { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string } } } } | undefined;
  const message = failure?.ActionError?.kind?.FunctionCallError?.ExecutionError;
  return message === undefined ? null : message.replace(/^Smart contract panicked: /, '');
}

type Commits = Map<string, { answer: string; salt: string }>;

interface World {
  node: Sandbox;
  commits: Commits;
  /** Function-call keys (receiver: the market, any method) of the key holders. */
  keys: Map<string, KeyPair>;
}

/** Deploys token and market, creates the three projects with items, and gives short schedules a head start. */
function setUp(): World {
  const node = createSandbox();
  for (const id of [TOKEN, ISSUER, OWNER, VENDOR, REVIEWER, ARBITER, EVIL, COPIER, ...WORKERS]) node.createAccount(id, { balance: 1000n * NEAR });
  // The market holds its code's storage stake and 1 NEAR more: invariant 2 then has little slack.
  const code = readFileSync(contractWasm('task-marketplace'));
  node.createAccount(MARKET, { balance: BigInt(code.length) * BYTE_COST + NEAR });
  node.deployContract(TOKEN, readFileSync(contractWasm('stablecoin')));
  node.deployContract(MARKET, code);
  ok(node, TOKEN, TOKEN, 'init', { owner_id: ISSUER });
  for (const role of ['master_minter', 'pauser']) ok(node, ISSUER, TOKEN, 'grant_role', { role, account_id: ISSUER }, 1n);
  ok(node, ISSUER, TOKEN, 'configure_minter', { account_id: ISSUER, allowance: (10n ** 30n).toString() }, 1n);
  const { min } = node.view<{ min: string }>(TOKEN, 'storage_balance_bounds', {});
  for (const id of [MARKET, VENDOR, REVIEWER, ARBITER, ...EVERY_TASKER]) ok(node, id, TOKEN, 'storage_deposit', {}, BigInt(min));
  ok(node, ISSUER, TOKEN, 'mint', { account_id: VENDOR, amount: (10n ** 12n).toString() }, 1n);

  ok(node, MARKET, MARKET, 'init', { owner_id: OWNER, arbiter_id: ARBITER });
  // Windows of seconds (the contract's defaults are hours to days): schedules pass them in a few hundred 1 s blocks.
  const limits = Object.fromEntries(Object.entries(LIMIT_SECONDS).map(([k, [min, max]]) => [k, { min_ns: (min * SECOND).toString(), max_ns: (max * SECOND).toString() }]));
  ok(node, OWNER, MARKET, 'set_limits', { limits }, 1n);
  for (const id of [VENDOR, REVIEWER, ARBITER, EVIL, ...EVERY_TASKER]) ok(node, id, MARKET, 'storage_deposit', {}, 5n * NEAR);
  for (const id of EVERY_TASKER) ok(node, id, MARKET, 'register_tasker', {});
  const keys = new Map<string, KeyPair>();
  for (const holder of KEY_HOLDERS) {
    const key = KeyPair.fromLabel(`${holder} dapp key`);
    const added = node.signAndSendTransaction(holder, holder, [{ type: 'AddKey', publicKey: key.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: NEAR, receiverId: MARKET, methodNames: [] } } }]);
    if (!added.succeeded) throw new Error(`adding ${holder}'s function-call key failed: ${JSON.stringify(added.failure)}`);
    keys.set(holder, key);
  }
  const start = node.getBlock().timestamp;
  for (const p of PROJECTS) {
    const [claim, reveal, dispute, deadline] = p.windows ?? [120n, 180n, 240n, 400n];
    ok(node, p.vendor, MARKET, 'create_project', {
      token: p.token, title: `project ${p.id}`, instructions_uri: 'ipfs://instructions', instructions_hash: sha256('instructions'),
      reward_per_item: p.reward.toString(), reviewer_reward: p.reviewerReward.toString(), redundancy: p.redundancy, consensus: p.consensus,
      claim_ttl_ns: (claim * SECOND).toString(), reveal_ttl_ns: (reveal * SECOND).toString(), dispute_ttl_ns: (dispute * SECOND).toString(),
      deadline_ns: (start + deadline * SECOND).toString(), reviewers: p.reviewers,
      min_gold_answers: p.gold?.minAnswers ?? 0, min_gold_accuracy_bps: p.gold?.minBps ?? 0,
    });
    const budget = BigInt(p.items + 1) * (BigInt(p.redundancy) * p.reward + p.reviewerReward);
    if (p.token === 'NEAR') ok(node, p.vendor, MARKET, 'fund_project', { project_id: p.id }, budget);
    else ok(node, p.vendor, TOKEN, 'ft_transfer_call', { receiver_id: MARKET, amount: budget.toString(), msg: JSON.stringify({ fund_project: p.id }) }, 1n);
    const seals = Array.from({ length: p.items }, (_, i) => (p.gold?.item === i ? sha256(`${p.gold.expected}:${p.gold.salt}`) : sha256(`seal ${p.id} ${i}`)));
    ok(node, p.vendor, MARKET, 'add_items', { project_id: p.id, items: seals.map((seal, i) => ({ content: `ipfs://item-${p.id}-${i}`, seal })) }, 1n);
  }
  // Project 3 ends during set-up with both its items claimed by the Sybils, uncommitted.
  for (const sybil of SYBILS) for (const item of [0, 1]) ok(node, sybil, MARKET, 'claim', { project_id: 3, item_index: item });
  // Head start so that short schedules reach reveals, review and disputes: project 0 item 0
  // committed by t0 and t1 (agreeing), item 1 revealed in disagreement (in review), item 2 reviewed
  // (t2's reward held for a dispute), item 3 disputed by t2, gold item 4 accepted; project 1 item 0
  // committed by t2; project 2 item 0 committed by both Sybils (junk) and t0, item 1 by t1 and one
  // Sybil, gold item 3 in review.
  const commits: Commits = new Map();
  const commit = (tasker: string, project: number, item: number, answer: string) => {
    const salt = `salt-${tasker}-${project}-${item}`;
    ok(node, tasker, MARKET, 'claim', { project_id: project, item_index: item });
    ok(node, tasker, MARKET, 'submit', { project_id: project, item_index: item, commitment: commitmentOf(project, item, tasker, answer, salt) });
    commits.set(`${tasker}:${project}:${item}`, { answer, salt });
  };
  const reveal = (tasker: string, project: number, item: number) => {
    const c = commits.get(`${tasker}:${project}:${item}`)!;
    ok(node, tasker, MARKET, 'reveal', { project_id: project, item_index: item, result: c.answer, salt: c.salt });
  };
  commit(TASKERS[0], 0, 0, ANSWERS[0]);
  commit(TASKERS[1], 0, 0, ANSWERS[0]);
  commit(TASKERS[2], 1, 0, ANSWERS[1]);
  commit(SYBILS[0], 2, 0, JUNK[0]);
  commit(SYBILS[1], 2, 0, JUNK[1]);
  commit(TASKERS[0], 2, 0, ANSWERS[0]);
  commit(TASKERS[1], 2, 1, ANSWERS[1]);
  commit(SYBILS[0], 2, 1, JUNK[0]);
  // Revealed at once (each reveal period starts at the item's last commitment): project 0 items
  // 1–3 and its gold item 4 (consensus on A), project 2's gold item 3 (t2 says A, the Sybils junk:
  // review), so their seals can be opened.
  const revealed: [string, number, number, string][] = [
    [TASKERS[0], 0, 1, ANSWERS[0]], [TASKERS[1], 0, 1, ANSWERS[1]],
    [TASKERS[0], 0, 2, ANSWERS[0]], [TASKERS[2], 0, 2, ANSWERS[1]],
    [TASKERS[1], 0, 3, ANSWERS[0]], [TASKERS[2], 0, 3, ANSWERS[1]],
    [TASKERS[0], 0, 4, ANSWERS[0]], [TASKERS[1], 0, 4, ANSWERS[0]],
    [TASKERS[2], 2, 3, ANSWERS[0]], [SYBILS[0], 2, 3, JUNK[0]], [SYBILS[1], 2, 3, JUNK[1]],
  ];
  for (const [i, [tasker, project, item, answer]] of revealed.entries()) {
    commit(tasker, project, item, answer);
    const last = revealed[i + 1] === undefined || revealed[i + 1]![1] !== project || revealed[i + 1]![2] !== item;
    if (last) for (const [other] of revealed.filter(([, p, it]) => p === project && it === item)) reveal(other, project, item);
  }
  ok(node, REVIEWER, MARKET, 'review', { project_id: 0, item_index: 2, result: ANSWERS[0] }, 1n);
  ok(node, VENDOR, MARKET, 'review', { project_id: 0, item_index: 3, result: ANSWERS[0] }, 1n);
  ok(node, TASKERS[2], MARKET, 'dispute', { project_id: 0, item_index: 3 });
  return { node, commits, keys };
}

interface Claim { tasker: string; status: string; paid: boolean; commitment: string | null; result: string | null }
interface Item { project_id: number; index: number; status: string; claims: Claim[]; accepted_result: string | null; reserve: string }
interface Project { id: number; vendor: string; token: string; funded: string; unallocated: string; reserved: string; credited: string; reclaimed: string; reward_per_item: string; min_gold_answers: number; min_gold_accuracy_bps: number }
interface Tasker { account_id: string; active_claims: { item: string; until_ns: string }[] }

/** The contract's records by storage prefix (near-sdk-js LookupMap: prefix + key → JSON). */
function records(node: Sandbox) {
  const projects: Project[] = [];
  const items: Item[] = [];
  const taskers: Tasker[] = [];
  const earnings = new Map<string, bigint>();
  const ledgers = new Map<string, { funded: bigint; paid: bigint }>();
  const gold = new Map<string, { correct: number; wrong: number }>();
  let storageBalances = 0n;
  for (const { key, value } of node.viewState(MARKET)) {
    const k = Buffer.from(key).toString();
    const text = Buffer.from(value).toString();
    if (k.startsWith('__storage:')) storageBalances += BigInt(text);
    else if (k.startsWith('p')) projects.push(JSON.parse(text));
    else if (k.startsWith('i')) items.push(JSON.parse(text));
    else if (k.startsWith('t')) taskers.push(JSON.parse(text));
    else if (k.startsWith('e')) earnings.set(k.slice(1), BigInt(JSON.parse(text)));
    else if (k.startsWith('g')) gold.set(k.slice(1), JSON.parse(text));
    else if (k.startsWith('l')) {
      const l = JSON.parse(text) as { funded: string; paid: string };
      ledgers.set(k.slice(1), { funded: BigInt(l.funded), paid: BigInt(l.paid) });
    }
  }
  return { projects, items, taskers, earnings, ledgers, gold, storageBalances };
}

/** The market's whole state as one string (invariant 4: a refused call leaves it as it was). */
function stateText(node: Sandbox): string {
  return node.viewState(MARKET).map(({ key, value }) => `${Buffer.from(key).toString('hex')}=${Buffer.from(value).toString('hex')}`).join(';');
}

/** One item's record, or null when the project has no such item. */
function readItem(node: Sandbox, project: number, item: number): Item | null {
  const key = `i${project}:${item}`;
  const record = node.viewState(MARKET, key).find((r) => Buffer.from(r.key).toString() === key);
  return record ? (JSON.parse(Buffer.from(record.value).toString()) as Item) : null;
}

/** The `n`-th item (cyclically) of those matching `wanted`, else the `n`-th of all items: steps aim at items where they can act. */
function pick(node: Sandbox, n: number, wanted: (item: Item) => boolean): Item {
  const all = records(node).items.sort((a, b) => a.project_id - b.project_id || a.index - b.index);
  const matching = all.filter(wanted);
  const from = matching.length > 0 ? matching : all;
  return from[n % from.length]!;
}

/** Invariants 1–3 and 5 on the current state; `credited` sums earnings_credited events per "tasker|token". */
function checkInvariants(node: Sandbox, credited: Map<string, bigint>): string | null {
  const { projects, items, taskers, earnings, ledgers, storageBalances } = records(node);
  // 1. per project
  for (const p of projects) {
    const buckets = [p.unallocated, p.reserved, p.credited, p.reclaimed].map(BigInt);
    if (buckets.some((b) => b < 0n)) return `project ${p.id} has a negative bucket: ${JSON.stringify(p)}`;
    if (buckets.reduce((a, b) => a + b) !== BigInt(p.funded)) return `project ${p.id}: funded ${p.funded} ≠ unallocated + reserved + credited + reclaimed (${buckets.join(' + ')})`;
    const reserves = items.filter((i) => i.project_id === p.id).reduce((sum, i) => sum + BigInt(i.reserve), 0n);
    if (reserves !== BigInt(p.reserved)) return `project ${p.id}: reserved ${p.reserved} ≠ Σ item reserves ${reserves}`;
  }
  // 2. per token, and what the contract really holds
  for (const token of ['NEAR', TOKEN]) {
    const ledger = ledgers.get(token) ?? { funded: 0n, paid: 0n };
    let held = 0n;
    for (const p of projects.filter((p) => p.token === token)) held += BigInt(p.unallocated) + BigInt(p.reserved);
    for (const [key, amount] of earnings) if (key.endsWith(`|${token}`)) held += amount;
    if (ledger.funded - ledger.paid !== held) return `${token}: funded ${ledger.funded} − paid ${ledger.paid} ≠ held ${held}`;
    if (token === 'NEAR') {
      const account = node.viewAccount(MARKET);
      const free = BigInt(account.amount) - BigInt(account.storage_usage) * BYTE_COST - storageBalances;
      if (free < held) return `NEAR: the market's balance less stake and storage balances (${free}) does not cover the escrow ${held}`;
    } else {
      const balance = BigInt(node.view<string>(TOKEN, 'ft_balance_of', { account_id: MARKET }));
      if (balance !== held) return `token balance ${balance} ≠ escrow ${held}`;
    }
  }
  // 3. paid exactly once
  const paidClaims = new Map<string, bigint>();
  for (const item of items) {
    const project = projects.find((p) => p.id === item.project_id)!;
    const seen = new Set<string>();
    for (const claim of item.claims) {
      if (seen.has(claim.tasker)) return `${claim.tasker} holds two claims on item ${item.project_id}:${item.index}`;
      seen.add(claim.tasker);
      const decided = (item.status === 'accepted' || item.status === 'disputed' || item.status === 'final') && claim.result === item.accepted_result;
      // Left in review: closed by reclaim, or finalized after its review period (final with no accepted result).
      const unreviewed = item.status === 'closed' || (item.status === 'final' && item.accepted_result === null);
      if (TASKERS.includes(claim.tasker) && claim.status === 'revealed' && (decided || unreviewed) && !claim.paid) return `honest ${claim.tasker} revealed the accepted result of ${item.project_id}:${item.index} (${item.status}) but is not paid`;
      if (!claim.paid) continue;
      const key = `${claim.tasker}|${project.token}`;
      paidClaims.set(key, (paidClaims.get(key) ?? 0n) + BigInt(project.reward_per_item));
    }
  }
  for (const tasker of EVERY_TASKER) {
    for (const token of ['NEAR', TOKEN]) {
      const key = `${tasker}|${token}`;
      if ((credited.get(key) ?? 0n) !== (paidClaims.get(key) ?? 0n)) return `${key}: credited ${credited.get(key) ?? 0n} but paid claims are worth ${paidClaims.get(key) ?? 0n}`;
    }
  }
  // 5. the copier, and slots
  if ((earnings.get(`${COPIER}|NEAR`) ?? 0n) !== 0n || items.some((i) => i.claims.some((c) => c.tasker === COPIER && c.status !== 'claimed'))) return 'the copier holds a commitment or earnings';
  const now = node.getBlock().timestamp;
  const longest = (LIMIT_SECONDS.claim_ttl[1] + LIMIT_SECONDS.reveal_ttl[1]) * SECOND;
  for (const t of taskers) {
    if (t.active_claims.some((a) => BigInt(a.until_ns) > now + longest)) return `${t.account_id} holds a slot beyond claim + reveal ceilings`;
    if (t.active_claims.filter((a) => BigInt(a.until_ns) >= now).length > 20) return `${t.account_id} holds more than 20 live slots`;
  }
  return null;
}

/** Invariant 5's gold rule: a "suspended" refusal must follow from the project vendor's own gold record of the tasker. */
function checkSuspension(node: Sandbox, project: number, tasker: string): string | null {
  const { projects, gold } = records(node);
  const p = projects.find((x) => x.id === project)!;
  const g = gold.get(`${p.vendor}|${tasker}`) ?? { correct: 0, wrong: 0 };
  const answers = g.correct + g.wrong;
  const justified = p.min_gold_answers > 0 && answers >= p.min_gold_answers && Math.floor((g.correct * 10_000) / answers) < p.min_gold_accuracy_bps;
  return justified ? null : `${tasker} suspended in project ${project} without a failing gold record with ${p.vendor}: ${JSON.stringify(g)}`;
}

type Step =
  | { kind: 'work'; worker: number; project: number; item: number; answer: number; honest: boolean }
  | { kind: 'copy'; project: number; item: number; victim: number }
  | { kind: 'review'; pick: number; answer: number; by: number }
  | { kind: 'gold'; project: number }
  | { kind: 'dispute'; pick: number }
  | { kind: 'resolve'; pick: number; uphold: boolean; answer: number; byEvil: boolean }
  | { kind: 'finalize'; pick: number }
  | { kind: 'withdraw'; who: number; token: boolean; paused: boolean }
  | { kind: 'fund'; project: number; items: number }
  | { kind: 'release'; worker: number; project: number; item: number }
  | { kind: 'wait'; seconds: number }
  | { kind: 'reclaim'; project: number }
  | { kind: 'key'; holder: number; method: number; attach: boolean }
  | { kind: 'revive'; item: number; answer: number };

const project = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.constant(2) });
const item = fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.nat(4) });
const answer = fc.nat(1);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('work' as const), worker: fc.nat(WORKERS.length - 1), project, item, answer, honest: fc.nat(7).map((n) => n > 0) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('copy' as const), project, item, victim: fc.nat(WORKERS.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('review' as const), pick: fc.nat(), answer: fc.nat(3), by: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gold' as const), project: fc.constantFrom(0, 2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispute' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resolve' as const), pick: fc.nat(), uphold: fc.boolean(), answer: fc.nat(3), byEvil: fc.nat(5).map((n) => n === 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('finalize' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), who: fc.nat(EVERY_TASKER.length + 2), token: fc.boolean(), paused: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fund' as const), project, items: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), worker: fc.nat(WORKERS.length - 1), project, item }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 10, max: 600 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reclaim' as const), project }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('key' as const), holder: fc.nat(KEY_HOLDERS.length - 1), method: fc.nat(ONE_YOCTO.length - 1), attach: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revive' as const), item: fc.nat(1), answer: fc.nat(1) }) },
);

const ALL_ANSWERS = [...ANSWERS, ...JUNK];

/** Runs one step; the contract may refuse it (that is part of the schedule). Returns the tx results. */
function run(world: World, s: Step): TransactionResult[] {
  const { node, commits } = world;
  const market = (signer: string, method: string, args: Record<string, unknown>, deposit = 0n) => node.call(signer, MARKET, method, args, { gas: GAS, deposit });
  const where = (p: number, i: number) => ({ project_id: p, item_index: i });
  switch (s.kind) {
    case 'work': {
      // The worker's next action on the item: claim, then commit, then reveal. Sybils answer junk.
      const worker = WORKERS[s.worker];
      const key = `${worker}:${s.project}:${s.item}`;
      const mine = readItem(node, s.project, s.item)?.claims.find((c) => c.tasker === worker);
      if (!mine) {
        const claimed = market(worker, 'claim', where(s.project, s.item));
        if (panicOf(claimed) === 'TaskMarketplace: tasker is suspended for low gold accuracy') {
          const unjust = checkSuspension(node, s.project, worker);
          if (unjust) throw new Error(unjust);
        }
        return [claimed];
      }
      if (mine.status === 'claimed') {
        const c = { answer: SYBILS.includes(worker) ? JUNK[s.answer] : ANSWERS[s.answer], salt: `salt-${key}-${s.answer}` };
        commits.set(key, c);
        return [market(worker, 'submit', { ...where(s.project, s.item), commitment: commitmentOf(s.project, s.item, worker, c.answer, c.salt) })];
      }
      const c = commits.get(key)!;
      return [market(worker, 'reveal', { ...where(s.project, s.item), result: c.answer, salt: s.honest ? c.salt : 'forged' })];
    }
    case 'copy': {
      // The copier claims, then submits the victim's commitment; once the victim revealed, it reveals the victim's opening.
      const state = readItem(node, s.project, s.item);
      if (state === null) return [];
      const victim = state.claims.find((c) => c.tasker === WORKERS[s.victim]);
      if (!state.claims.some((c) => c.tasker === COPIER)) return [market(COPIER, 'claim', where(s.project, s.item))];
      if (!victim?.commitment) return [];
      const opening = commits.get(`${victim.tasker}:${s.project}:${s.item}`);
      const copied = victim.status === 'revealed' && opening
        ? market(COPIER, 'reveal', { ...where(s.project, s.item), result: opening.answer, salt: opening.salt })
        : market(COPIER, 'submit', { ...where(s.project, s.item), commitment: victim.commitment });
      if (copied.succeeded) throw new Error(`the copier's ${JSON.stringify(s)} succeeded`);
      return [copied];
    }
    case 'review': {
      // An item in review (or any item), decided by its vendor (the attacker reviews its own), its reviewer, the other vendor or a Sybil.
      const it = pick(node, s.pick, (i) => i.status === 'review');
      const who = [PROJECTS[it.project_id].vendor, REVIEWER, it.project_id === 2 ? VENDOR : EVIL, SYBILS[0]][s.by];
      return [market(who, 'review', { ...where(it.project_id, it.index), result: ALL_ANSWERS[s.answer] }, 1n)];
    }
    case 'gold': {
      const p = PROJECTS[s.project];
      return [market(p.vendor, 'reveal_gold', { ...where(p.id, p.gold!.item), expected: p.gold!.expected, salt: p.gold!.salt })];
    }
    case 'dispute': {
      // An honest tasker with an unpaid revealed result in an accepted item (or any tasker and item).
      const it = pick(node, s.pick, (i) => i.status === 'accepted' && i.claims.some((c) => TASKERS.includes(c.tasker) && c.status === 'revealed' && !c.paid));
      const claim = it.claims.find((c) => TASKERS.includes(c.tasker) && c.status === 'revealed' && !c.paid);
      return [market(claim?.tasker ?? TASKERS[s.pick % TASKERS.length], 'dispute', where(it.project_id, it.index))];
    }
    case 'resolve': {
      const it = pick(node, s.pick, (i) => i.status === 'disputed');
      return [market(s.byEvil ? EVIL : ARBITER, 'resolve_dispute', { ...where(it.project_id, it.index), uphold: s.uphold, result: ALL_ANSWERS[s.answer] }, 1n)];
    }
    case 'finalize': {
      const it = pick(node, s.pick, (i) => i.status === 'revealing' || i.status === 'review' || i.status === 'accepted');
      return [market(VENDOR, 'finalize_item', where(it.project_id, it.index))];
    }
    case 'withdraw': {
      const who = [...EVERY_TASKER, VENDOR, REVIEWER, EVIL][s.who];
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
        ? market(p.vendor, 'fund_project', { project_id: p.id }, amount)
        : node.call(p.vendor, TOKEN, 'ft_transfer_call', { receiver_id: MARKET, amount: amount.toString(), msg: JSON.stringify({ fund_project: p.id }) }, { gas: GAS, deposit: 1n });
      return [funded, market(p.vendor, 'add_items', { project_id: p.id, items: Array.from({ length: s.items }, (_, i) => ({ content: `ipfs://extra-${i}`, seal: sha256(`extra ${i}`) })) }, 1n)];
    }
    case 'release':
      return [market(WORKERS[s.worker], 'release_claim', where(s.project, s.item))];
    case 'wait':
      node.produceBlocks(s.seconds); // 1 s per block on the in-process node
      return [];
    case 'reclaim':
      return [market(PROJECTS[s.project].vendor, 'reclaim', { project_id: s.project }, 1n)];
    case 'key': {
      // A dapp's function-call key of a vendor, the arbiter or the owner, on a method the README marks 1 yoctoNEAR.
      const holder = KEY_HOLDERS[s.holder];
      const method = ONE_YOCTO[s.method];
      const before = stateText(node);
      const tx = node.signTransaction(holder, MARKET, [{ type: 'FunctionCall', methodName: method, args: Buffer.from(JSON.stringify(ARGS_FOR[method] ?? {})), gas: GAS, deposit: s.attach ? 1n : 0n }], { keyPair: world.keys.get(holder) });
      let result: TransactionResult | null = null;
      try {
        result = node.sendTransaction(tx);
      } catch (error) {
        if (!(s.attach && error instanceof InvalidTransactionError && JSON.stringify(error.kind).includes('DepositWithFunctionCall'))) throw error;
      }
      if (s.attach && result !== null) throw new Error(`a function-call key attached 1 yoctoNEAR to ${method}`);
      if (result !== null && panicOf(result) !== GUARD) throw new Error(`${method} through ${holder}'s function-call key: expected "${GUARD}", got ${JSON.stringify(result.failure ?? 'success')}`);
      if (stateText(node) !== before) throw new Error(`${method} through ${holder}'s function-call key changed the market's state`);
      return result === null ? [] : [result];
    }
    case 'revive': {
      // Issue 13 attack 1 as one move of the attacking vendor: reclaim project 3 (its claims are the
      // Sybils'), then the Sybils commit and reveal on the closed item, the vendor reviews it for an
      // answer nobody gave and a Sybil disputes, which the arbiter upholds: before the fix this paid
      // the Sybils from other projects' escrow.
      const at = where(3, s.item);
      const results = [market(EVIL, 'reclaim', { project_id: 3 }, 1n)];
      for (const [i, sybil] of SYBILS.entries()) {
        const c = { answer: JUNK[(s.answer + i) % 2], salt: `revive-${sybil}` };
        commits.set(`${sybil}:3:${s.item}`, c);
        results.push(market(sybil, 'submit', { ...at, commitment: commitmentOf(3, s.item, sybil, c.answer, c.salt) }));
      }
      for (const sybil of SYBILS) {
        const c = commits.get(`${sybil}:3:${s.item}`)!;
        results.push(market(sybil, 'reveal', { ...at, result: c.answer, salt: c.salt }));
      }
      results.push(market(EVIL, 'review', { ...at, result: SABOTAGE }, 1n));
      results.push(market(SYBILS[0], 'dispute', at));
      results.push(market(ARBITER, 'resolve_dispute', { ...at, uphold: true, result: commits.get(`${SYBILS[0]}:3:${s.item}`)!.answer }, 1n));
      return results;
    }
  }
}

/** earnings_credited events to taskers, summed per "tasker|token". */
function addCredits(credited: Map<string, bigint>, results: TransactionResult[]): void {
  for (const r of results) {
    for (const log of r.logs) {
      if (!log.startsWith('EVENT_JSON:')) continue;
      const e = JSON.parse(log.slice('EVENT_JSON:'.length)) as { standard: string; event: string; data: { account_id: string; token: string; amount: string }[] };
      if (e.standard !== 'task_marketplace' || e.event !== 'earnings_credited') continue;
      for (const d of e.data) if (EVERY_TASKER.includes(d.account_id)) credited.set(`${d.account_id}|${d.token}`, (credited.get(`${d.account_id}|${d.token}`) ?? 0n) + BigInt(d.amount));
    }
  }
}

test(`${RUNS} random schedules of honest actors and attackers (Sybil vendor, copier, function-call keys) keep every project within its funding, escrow covered, honest taskers paid once`, async (t) => {
  const world = setUp();
  const base = world.node.snapshot();
  const baseCommits = new Map(world.commits);
  const baseCredits = new Map<string, bigint>();
  addCredits(baseCredits, required.splice(0));
  t.is(checkInvariants(world.node, baseCredits), null);
  t.true(ONE_YOCTO.length >= 10, `README lists ${ONE_YOCTO.length} methods as 1 yoctoNEAR: ${ONE_YOCTO.join(', ')}`);
  const outcomes = new Map<string, number>();
  let steps = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 6, maxLength: 20 }), async (schedule) => {
      world.node.restore(base);
      world.commits = new Map(baseCommits);
      const credited = new Map(baseCredits);
      for (const [i, s] of schedule.entries()) {
        const results = run(world, s);
        addCredits(credited, results);
        steps += 1;
        const last = results.at(-1);
        const outcome = last === undefined ? 'none' : last.succeeded && last.receiptFailures.length === 0 ? 'ok' : 'refused';
        outcomes.set(`${s.kind}:${outcome}`, (outcomes.get(`${s.kind}:${outcome}`) ?? 0) + 1);
        const broken = checkInvariants(world.node, credited);
        if (broken !== null) throw new Error(`after step ${i} ${JSON.stringify(s)}: ${broken}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.log(`${RUNS} schedules, ${steps} steps; outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  // The schedules must exercise the interesting paths, not only refusals.
  for (const kind of ['work', 'review', 'gold', 'dispute', 'resolve', 'withdraw', 'reclaim', 'fund']) t.true((outcomes.get(`${kind}:ok`) ?? 0) > 0, `no successful ${kind} in ${RUNS} schedules`);
  for (const kind of ['copy', 'key', 'revive']) t.true((outcomes.get(`${kind}:refused`) ?? 0) > 0, `no ${kind} attack tried in ${RUNS} schedules`);
});

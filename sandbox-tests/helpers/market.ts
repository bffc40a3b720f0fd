/**
 * The task marketplace through near-workspaces' public API: a deployed market with its people,
 * project terms, the commitment format, and the two assertions every suite makes (`ok`, and
 * `refused`: the exact panic and no change of the contract's state).
 */
import type { ExecutionContext, TestFn } from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeyPair, Worker, type NearAccount } from 'near-workspaces';
import { contractWasm } from './wasm.js';
import { createSubAccount, panics } from './accounts.js';

export const NEAR = 10n ** 24n;
export const TGAS = 10n ** 12n;
export const SECOND = 10n ** 9n;
export const MINUTE = 60n * SECOND;
export const DAY = 86_400n * SECOND;

export interface Context {
  worker: Worker;
  root: NearAccount;
}
export type T = ExecutionContext<Context>;

/** One node for the suite: started before its tests, torn down after them. */
export function withWorker(test: TestFn<Context>): void {
  test.before(async (t) => {
    const worker = await Worker.init();
    t.context = { worker, root: worker.rootAccount };
  });
  test.after.always(async (t) => {
    await t.context.worker?.tearDown();
  });
}

/** Accounts from the root, one at a time (see helpers/accounts.ts). */
export function createAccount(t: T, prefix: string, balance = 30n * NEAR): Promise<NearAccount> {
  return createSubAccount(t.context.root, prefix, balance);
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The contract's commitment: sha256("<project>:<item>:<tasker>:<result>:<salt>"), bound to the tasker and the item. */
export const commitment = (project: number, item: number, tasker: NearAccount | string, result: string, salt: string) =>
  sha256(`${project}:${item}:${typeof tasker === 'string' ? tasker : tasker.accountId}:${result}:${salt}`);
/** A gold seal: sha256("<expected>:<salt>"). */
export const seal = (expected: string, salt: string) => sha256(`${expected}:${salt}`);

export async function now(t: T): Promise<bigint> {
  const block = await (t.context.worker.provider as unknown as { block(q: { finality: string }): Promise<{ header: { timestamp_nanosec: string } }> }).block({ finality: 'final' });
  return BigInt(block.header.timestamp_nanosec);
}

/** Moves chain time past `target`: a fast-forwarded height adds at least 1 s (as on neard, the mean of the min and max block production delays: 1.3 s). */
export async function passTime(t: T, target: bigint): Promise<void> {
  const current = await now(t);
  if (current > target) return;
  await t.context.worker.provider.fastForward(Number((target - current) / SECOND) + 5);
  t.true((await now(t)) > target, 'fastForward moved time past the target');
}

export interface Market {
  contract: NearAccount;
  owner: NearAccount;
  arbiter: NearAccount;
  vendor: NearAccount;
  reviewer: NearAccount;
  taskers: NearAccount[];
  /** Every account whose earnings and storage the state fingerprint covers. */
  everyone: NearAccount[];
  /** Token id used for earnings: "NEAR" or the token contract. */
  tokenId: string;
  token?: NearAccount;
}

/** The contract's whole state (every storage record) plus, for token projects, the token's state. */
export async function fingerprint(m: Market): Promise<string> {
  const raw = async (a: NearAccount) => (await a.viewStateRaw()).map((r) => `${r.key}=${r.value}`).sort().join(';');
  return `${await raw(m.contract)}|${m.token ? await raw(m.token) : ''}`;
}

export interface CallOptions {
  deposit?: bigint;
  /** Sign with this key (e.g. a function-call access key) instead of the account's full-access key. */
  key?: KeyPair;
}

/** Calls and expects exactly `Smart contract panicked: <message>` and no change of the contract's state. */
export async function refused(t: T, m: Market, caller: NearAccount, method: string, args: Record<string, unknown>, message: string, options: CallOptions | bigint = {}): Promise<void> {
  const { deposit = 0n, key } = typeof options === 'bigint' ? { deposit: options } : options;
  const before = await fingerprint(m);
  const result = await caller.callRaw(m.contract, method, args, { attachedDeposit: deposit, gas: 100n * TGAS, signWithKey: key });
  t.true(result.failed, `${method} should fail with ${message}`);
  const got = panics(result.receiptFailureMessages);
  // near-sdk-js's own checks (private, init) throw an Error, whose message carries a JS stack.
  t.true(got.some((g) => g === `Smart contract panicked: ${message}` || g.startsWith(`Smart contract panicked: ${message}\n`)), `${method}: expected "${message}", got ${JSON.stringify(got)}`);
  t.is(await fingerprint(m), before, `${method} refused with "${message}" changed state`);
}

export async function ok(caller: NearAccount, m: Market, method: string, args: Record<string, unknown>, deposit = 0n) {
  const result = await caller.callRaw(m.contract, method, args, { attachedDeposit: deposit, gas: 100n * TGAS });
  if (result.failed) throw new Error(`${method} by ${caller.accountId} failed: ${JSON.stringify(panics(result.receiptFailureMessages))}`);
  return result;
}

const window = (min: bigint, max: bigint) => ({ min_ns: min.toString(), max_ns: max.toString() });
/**
 * Limits for suites on this node, where time passes 1 s per fast-forwarded block: one-minute
 * floors (the contract's defaults are hours to days, see get_limits), the default ceilings.
 */
export const MINUTE_LIMITS = {
  claim_ttl: window(MINUTE, DAY),
  reveal_ttl: window(MINUTE, 7n * DAY),
  dispute_ttl: window(MINUTE, 30n * DAY),
  deadline: window(MINUTE, 365n * DAY),
};

export interface MarketOptions {
  token?: NearAccount;
  /** 'minutes' (default): the owner sets MINUTE_LIMITS; 'default': the contract's own defaults. */
  limits?: 'minutes' | 'default';
}

/** A market with an owner, an arbiter, a vendor with a reviewer, and `taskerCount` registered taskers. */
export async function deployMarket(t: T, taskerCount: number, options: MarketOptions = {}): Promise<Market> {
  const { token, limits = 'minutes' } = options;
  const contract = await createAccount(t, 'market', 40n * NEAR);
  const [owner, arbiter, vendor, reviewer] = await Promise.all(['owner', 'arbiter', 'vendor', 'reviewer'].map((p) => createAccount(t, p)));
  const taskers = await Promise.all(Array.from({ length: taskerCount }, () => createAccount(t, 'tasker')));
  await contract.deploy(readFileSync(contractWasm('task-marketplace')));
  await contract.call(contract, 'init', { owner_id: owner.accountId, arbiter_id: arbiter.accountId }, { gas: 100n * TGAS });
  const m: Market = { contract, owner, arbiter, vendor, reviewer, taskers, everyone: [vendor, reviewer, owner, arbiter, ...taskers], tokenId: token ? token.accountId : 'NEAR', token };
  if (limits === 'minutes') await ok(owner, m, 'set_limits', { limits: MINUTE_LIMITS }, 1n);
  await ok(vendor, m, 'storage_deposit', {}, 2n * NEAR);
  // Reviewers and the arbiter pay for the earnings records their decisions create.
  await ok(reviewer, m, 'storage_deposit', {}, NEAR / 2n);
  await ok(arbiter, m, 'storage_deposit', {}, NEAR / 2n);
  for (const [i, tasker] of taskers.entries()) {
    // The last tasker is sponsored by the vendor (storage paid for someone else).
    if (i === taskers.length - 1) await ok(vendor, m, 'storage_deposit', { account_id: tasker.accountId }, NEAR / 2n);
    else await ok(tasker, m, 'storage_deposit', {}, NEAR / 2n);
    await ok(tasker, m, 'register_tasker', {});
  }
  return m;
}

/** Another registered account of the market (a second vendor, a Sybil tasker…), with a storage balance. */
export async function addAccount(t: T, m: Market, prefix: string, register: boolean): Promise<NearAccount> {
  const account = await createAccount(t, prefix);
  await ok(account, m, 'storage_deposit', {}, NEAR);
  if (register) await ok(account, m, 'register_tasker', {});
  m.everyone.push(account);
  return account;
}

export interface ProjectTerms {
  reward: bigint;
  reviewerReward: bigint;
  redundancy: number;
  consensus: number;
  claimTtl: bigint;
  revealTtl: bigint;
  disputeTtl: bigint;
  deadline: bigint;
  extra?: Record<string, unknown>;
}

export function projectArgs(m: Market, p: ProjectTerms): Record<string, unknown> {
  return {
    token: m.tokenId,
    title: 'Sentiment labels, batch 1',
    instructions_uri: 'ipfs://bafy-instructions',
    instructions_hash: sha256('instructions v1'),
    reward_per_item: p.reward.toString(),
    reviewer_reward: p.reviewerReward.toString(),
    redundancy: p.redundancy,
    consensus: p.consensus,
    claim_ttl_ns: p.claimTtl.toString(),
    reveal_ttl_ns: p.revealTtl.toString(),
    dispute_ttl_ns: p.disputeTtl.toString(),
    deadline_ns: p.deadline.toString(),
    reviewers: [m.reviewer.accountId],
    ...p.extra,
  };
}

export const items = (from: number, seals: string[]) => seals.map((s, i) => ({ content: `ipfs://bafy-item-${from + i}`, seal: s }));

/**
 * A NEAR project of `vendor` (default the market's vendor) with budget for `count` items and those
 * items added. Defaults: k = 2, m = 2, day-long periods, a 10-day deadline, no reviewer reward.
 */
export async function nearProject(t: T, m: Market, count: number, terms: Partial<ProjectTerms> = {}, vendor = m.vendor): Promise<{ terms: ProjectTerms; id: number }> {
  const full: ProjectTerms = { reward: NEAR / 10n, reviewerReward: 0n, redundancy: 2, consensus: 2, claimTtl: DAY, revealTtl: DAY, disputeTtl: DAY, deadline: (await now(t)) + 10n * DAY, ...terms };
  const created = (await ok(vendor, m, 'create_project', projectArgs(m, full))).parseResult() as { id: number };
  await ok(vendor, m, 'fund_project', { project_id: created.id }, BigInt(count) * (BigInt(full.redundancy) * full.reward + full.reviewerReward));
  await ok(vendor, m, 'add_items', { project_id: created.id, items: items(0, Array.from({ length: count }, (_, i) => sha256(`seal ${created.id} ${i}`))) }, 1n);
  return { terms: full, id: created.id };
}

/** `tasker` claims, commits `result` (salt `salt-<tasker>`) on one item; returns the reveal arguments. */
export async function claimAndCommit(m: Market, tasker: NearAccount, project: number, item: number, result: string) {
  const salt = `salt-${tasker.accountId}`;
  await ok(tasker, m, 'claim', { project_id: project, item_index: item });
  await ok(tasker, m, 'submit', { project_id: project, item_index: item, commitment: commitment(project, item, tasker, result, salt) });
  return { project_id: project, item_index: item, result, salt };
}

export interface Token {
  token: NearAccount;
  tokenOwner: NearAccount;
}

/** A fresh stablecoin whose owner holds every role. */
export async function deployToken(t: T): Promise<Token> {
  const token = await createAccount(t, 'usd');
  const tokenOwner = await createAccount(t, 'issuer');
  await token.deploy(readFileSync(contractWasm('stablecoin')));
  await token.call(token, 'init', { owner_id: tokenOwner.accountId }, { gas: 100n * TGAS });
  for (const role of ['master_minter', 'pauser']) await tokenOwner.call(token, 'grant_role', { role, account_id: tokenOwner.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await tokenOwner.call(token, 'configure_minter', { account_id: tokenOwner.accountId, allowance: (10n ** 30n).toString() }, { attachedDeposit: 1n, gas: 50n * TGAS });
  return { token, tokenOwner };
}

export async function registerWithToken(token: NearAccount, accounts: NearAccount[]): Promise<void> {
  const { min } = (await token.view('storage_balance_bounds', {})) as { min: string };
  for (const a of accounts) await a.call(token, 'storage_deposit', {}, { attachedDeposit: BigInt(min), gas: 50n * TGAS });
}

export const earnings = async (m: Market, a: NearAccount) => BigInt((await m.contract.view('earnings_of', { account_id: a.accountId, token: m.tokenId })) as string);

/**
 * Per token: funded − paid = Σ unallocated + Σ reserved + Σ unpaid earnings (projects 0..n-1), and
 * per project funded = unallocated + reserved + credited + reclaimed (it never pays out more).
 */
export async function assertConserved(t: T, m: Market, projects: number): Promise<void> {
  const ledger = (await m.contract.view('get_ledger', { token: m.tokenId })) as { funded: string; paid: string };
  let held = 0n;
  for (let id = 0; id < projects; id++) {
    const p = (await m.contract.view('get_project', { project_id: id })) as Record<string, string>;
    if (p.token !== m.tokenId) continue;
    held += BigInt(p.unallocated) + BigInt(p.reserved);
    t.is(BigInt(p.funded), BigInt(p.unallocated) + BigInt(p.reserved) + BigInt(p.credited) + BigInt(p.reclaimed), `project ${id}: funded = unallocated + reserved + credited + reclaimed`);
  }
  for (const a of m.everyone) held += await earnings(m, a);
  t.is(BigInt(ledger.funded) - BigInt(ledger.paid), held, 'escrow = budgets + reserves + unpaid earnings');
}

/** A function-call access key for `account` on the market (what a dapp holds): it can attach no deposit. */
export async function functionCallKey(m: Market, account: NearAccount, methods: string[] = []): Promise<KeyPair> {
  const key = KeyPair.fromRandom('ed25519');
  await account.updateAccessKey(key.getPublicKey().toString(), {
    nonce: 0,
    permission: { FunctionCall: { allowance: NEAR.toString(), receiver_id: m.contract.accountId, method_names: methods } },
  } as never);
  return key;
}

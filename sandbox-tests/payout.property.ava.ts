/**
 * Property test of the payout contract's money rules. NOTE: this suite imports the in-process node
 * (packages/sandbox) directly instead of near-workspaces, for snapshot/restore between runs and
 * for submitting a claim and a push for the same recipient into one block.
 *
 * fast-check generates ≥ 200 sequences interleaving funding, batches, claims, pushes, push_batch,
 * concurrent claim + push, expiry, withdrawals and token failures (pause, blacklist) on a
 * stablecoin pool and a NEAR pool. Every run starts from the same snapshot. After every step, once
 * all receipts have settled, for each pool:
 *   unallocated + claimable + paid = funded, and in_flight = 0;
 *   the contract's token balance = the token pool's unallocated + claimable (nothing paid twice or lost);
 *   per recipient: tokens received + claimable + expired = allocated (no double pay), and for the
 *   NEAR pool the same with the amounts of payout_completed events;
 *   the pool's claimable = the sum of the recipients' allocation records.
 * Refused steps must leave the contract state untouched.
 *
 * Attackers act at random among the honest payer and recipients (issue 13): someone holding only a
 * function-call key of the payer (as a dapp does) calls each method the README's table marks
 * `1 yoctoNEAR` / `≥ 1 yoctoNEAR` (read at run time) with realistic arguments, and Sybil accounts
 * with storage balances and token registrations claim, allocate and withdraw other pools and forge
 * funding and callbacks. Every attack must be refused (the guard's exact panic for the key), leave
 * the contract's whole state (storage balances included) unchanged, and pay the Sybils nothing.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createSandbox, InvalidTransactionError, KeyPair, NEAR, TGAS, type Sandbox, type Snapshot, type TransactionResult } from '../packages/sandbox/src/index.js';
import { contractWasm } from './helpers/wasm.js';
import { guardedMethods } from './helpers/readme.js';

const RUNS = Number(process.env.PAYOUT_PROPERTY_RUNS ?? 200);
/** Runs per ava test: each test stays well inside ava's inactivity timeout. */
const RUNS_PER_TEST = 25;

const ROOT = 'test.near';
const PAYOUT = `payout.${ROOT}`;
const TOKEN = `usd.${ROOT}`;
const OWNER = `owner.${ROOT}`;
const PAYER = `payer.${ROOT}`;
/** r0, r1 registered with the token; r2, r3 not (registered on their first payout). */
const RECIPIENTS = ['r0', 'r1', 'r2', 'r3'].map((r) => `${r}.${ROOT}`);
/** Sybil accounts: storage balance in the payout contract, registered with the token, never allocated anything. */
const SYBILS = ['s0', 's1'].map((s) => `${s}.${ROOT}`);
const GUARDED = guardedMethods('payout');
const GUARD_MESSAGE = {
  exact: 'Guard: requires an attached deposit of exactly 1 yoctoNEAR',
  atLeast: 'Guard: requires an attached deposit of at least 1 yoctoNEAR',
};
const SYBIL_ACTIONS = ['claim', 'allocate', 'withdraw', 'withdrawFund', 'forgeFunding', 'forgeCallback'] as const;
/** The payer's function-call key (any payout method, no deposit), held by the attacker. */
const payerFunctionCallKey = KeyPair.random();
const TOKEN_POOL = 0;
const NEAR_POOL = 1;
const NEAR_UNIT = 10n ** 21n;
const BLOCK_NS = 1_000_000_000n;

interface Pool {
  funded: string;
  unallocated: string;
  claimable: string;
  in_flight: string;
  paid: string;
}

type Step =
  | { kind: 'fund'; pool: number; amount: number }
  | { kind: 'batch'; pool: number; entries: { recipient: number; amount: number }[]; expiryBlocks: number }
  | { kind: 'claim'; pool: number; recipient: number }
  | { kind: 'push'; pool: number; recipients: number[] }
  | { kind: 'pushBatch'; recipients: number[] }
  | { kind: 'race'; pool: number; recipient: number }
  | { kind: 'expire'; pool: number; recipient: number }
  | { kind: 'withdraw'; pool: number; amount: number | null }
  | { kind: 'pause' }
  | { kind: 'blacklist'; recipient: number }
  | { kind: 'wait'; blocks: number }
  | { kind: 'functionCallKey'; method: string; pool: number; amount: number; withDeposit: boolean }
  | { kind: 'sybil'; who: number; action: (typeof SYBIL_ACTIONS)[number]; pool: number; amount: number };

const poolArb = fc.constantFrom(TOKEN_POOL, NEAR_POOL);
const recipientArb = fc.integer({ min: 0, max: 19 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fund' as const), pool: poolArb, amount: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 5, arbitrary: fc.record({
    kind: fc.constant('batch' as const),
    pool: poolArb,
    entries: fc.uniqueArray(fc.record({ recipient: fc.integer({ min: 0, max: RECIPIENTS.length - 1 }), amount: fc.integer({ min: 1, max: 2000 }) }), { minLength: 1, maxLength: 4, selector: (e) => e.recipient }),
    // Mostly long-lived; a short expiry lets later steps expire it (each transaction takes a few blocks).
    expiryBlocks: fc.constantFrom(3, 1000, 1000, 1000),
  }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const), pool: poolArb, recipient: recipientArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('push' as const), pool: poolArb, recipients: fc.uniqueArray(recipientArb, { minLength: 1, maxLength: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pushBatch' as const), recipients: fc.uniqueArray(recipientArb, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('race' as const), pool: poolArb, recipient: recipientArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), pool: poolArb, recipient: recipientArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), pool: poolArb, amount: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('blacklist' as const), recipient: recipientArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), blocks: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('functionCallKey' as const), method: fc.constantFrom(...GUARDED.exact, ...GUARDED.atLeast), pool: poolArb, amount: fc.integer({ min: 1, max: 3000 }), withDeposit: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sybil' as const), who: fc.integer({ min: 0, max: SYBILS.length - 1 }), action: fc.constantFrom(...SYBIL_ACTIONS), pool: poolArb, amount: fc.integer({ min: 1, max: 3000 }) }) },
);

/** What an attacker with the payer's function-call key would send: everything to a Sybil. */
function keyAttackArgs(method: string, pool: number, amount: bigint): Record<string, unknown> {
  switch (method) {
    case 'allocate': return { pool_id: pool, allocations: [{ recipient: SYBILS[0], amount: amount.toString() }] };
    case 'withdraw_unallocated': return { pool_id: pool };
    case 'withdraw_registration_fund': return { pool_id: pool };
    case 'storage_withdraw': return {};
    case 'create_pool': return { token: 'NEAR', default_expiry_ns: '1000000000000' };
    default: return { pool_id: pool };
  }
}

/** Amount units: plain token units, or 10^21 yoctoNEAR for the NEAR pool. */
const unit = (pool: number) => (pool === NEAR_POOL ? NEAR_UNIT : 1n);

function setUp(): { node: Sandbox; base: Snapshot } {
  const node = createSandbox();
  for (const id of [PAYOUT, TOKEN, OWNER]) node.createAccount(id, { balance: 1000n * NEAR });
  node.createAccount(PAYER, { balance: 100_000n * NEAR });
  for (const id of [...RECIPIENTS, ...SYBILS]) node.createAccount(id, { balance: 1000n * NEAR });
  node.deployContract(PAYOUT, readFileSync(contractWasm('payout')));
  node.deployContract(TOKEN, readFileSync(contractWasm('stablecoin')));
  const must = (r: TransactionResult, what: string) => {
    if (!r.succeeded || r.receiptFailures.length > 0) throw new Error(`${what}: ${JSON.stringify(r.failure ?? r.receiptFailures)}`);
    return r;
  };
  must(node.call(PAYOUT, PAYOUT, 'init', { owner_id: OWNER }, { gas: 100n * TGAS }), 'init payout');
  must(node.call(TOKEN, TOKEN, 'init', { owner_id: OWNER }, { gas: 100n * TGAS }), 'init token');
  for (const role of ['master_minter', 'pauser', 'blacklister']) must(node.call(OWNER, TOKEN, 'grant_role', { role, account_id: OWNER }, { deposit: 1n, gas: 100n * TGAS }), role);
  must(node.call(OWNER, TOKEN, 'configure_minter', { account_id: OWNER, allowance: (10n ** 30n).toString() }, { deposit: 1n, gas: 100n * TGAS }), 'minter');
  const { min } = node.view(TOKEN, 'storage_balance_bounds', {}) as { min: string };
  for (const id of [PAYER, PAYOUT, RECIPIENTS[0]!, RECIPIENTS[1]!, ...SYBILS]) must(node.call(OWNER, TOKEN, 'storage_deposit', { account_id: id }, { deposit: BigInt(min), gas: 100n * TGAS }), `register ${id}`);
  must(node.call(OWNER, TOKEN, 'mint', { account_id: PAYER, amount: (10n ** 15n).toString() }, { deposit: 1n, gas: 100n * TGAS }), 'mint');
  must(node.call(PAYER, PAYOUT, 'storage_deposit', {}, { deposit: 10n * NEAR, gas: 100n * TGAS }), 'storage');
  for (const id of SYBILS) must(node.call(id, PAYOUT, 'storage_deposit', {}, { deposit: NEAR, gas: 100n * TGAS }), `storage of ${id}`);
  must(node.signAndSendTransaction(PAYER, PAYER, [{ type: 'AddKey', publicKey: payerFunctionCallKey.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: null, receiverId: PAYOUT, methodNames: [] } } }]), 'function-call key');
  must(node.call(PAYER, PAYOUT, 'create_pool', { token: TOKEN, default_expiry_ns: String(1000n * BLOCK_NS), registration_fee: min, supports_batch_transfer: true }, { deposit: NEAR, gas: 100n * TGAS }), 'token pool');
  must(node.call(PAYER, PAYOUT, 'create_pool', { token: 'NEAR', default_expiry_ns: String(1000n * BLOCK_NS) }, { deposit: 1n, gas: 100n * TGAS }), 'NEAR pool');
  // Both pools start funded so that most generated batches can be allocated.
  must(node.call(PAYER, TOKEN, 'ft_transfer_call', { receiver_id: PAYOUT, amount: '10000', msg: JSON.stringify({ pool_id: TOKEN_POOL }) }, { deposit: 1n, gas: 150n * TGAS }), 'fund token pool');
  must(node.call(PAYER, PAYOUT, 'fund_pool', { pool_id: NEAR_POOL }, { deposit: 10_000n * NEAR_UNIT, gas: 50n * TGAS }), 'fund NEAR pool');
  return { node, base: node.snapshot() };
}

/** The contract's pools and allocations read from its storage (near-sdk-js LookupMap: key = prefix + key, value = JSON). */
function readLedger(node: Sandbox) {
  const state = new Map(node.viewState(PAYOUT).map(({ key, value }) => [Buffer.from(key).toString('utf8'), Buffer.from(value).toString('utf8')]));
  const pool = (id: number) => JSON.parse(state.get(`p${id}`)!) as Pool;
  const allocation = (poolId: number, recipient: string) => {
    const raw = state.get(`a${poolId}:${recipient}`);
    return raw === undefined ? 0n : BigInt((JSON.parse(raw) as string).split(':')[0]!);
  };
  const expiry = (poolId: number, recipient: string) => {
    const raw = state.get(`a${poolId}:${recipient}`);
    return raw === undefined ? null : BigInt((JSON.parse(raw) as string).split(':')[1]!);
  };
  return { pools: [pool(TOKEN_POOL), pool(NEAR_POOL)], allocation, expiry, raw: JSON.stringify([...state.entries()].filter(([k]) => !k.startsWith('__storage')).sort()) };
}

function tokenBalance(node: Sandbox, accountId: string): bigint {
  return BigInt(node.view(TOKEN, 'ft_balance_of', { account_id: accountId }) as string);
}

function payoutEvents(result: TransactionResult): { event: string; data: Record<string, string>[] }[] {
  return result.logs
    .filter((l) => l.startsWith('EVENT_JSON:'))
    .map((l) => JSON.parse(l.slice('EVENT_JSON:'.length)) as { standard: string; event: string; data: Record<string, string>[] })
    .filter((e) => e.standard === 'payout');
}

class Model {
  allocated = new Map<string, bigint>();
  expired = new Map<string, bigint>();
  nearPaid = new Map<string, bigint>();
  paused = false;
  blacklisted = new Set<string>();
  key = (pool: number, recipient: string) => `${pool}:${recipient}`;
  add(map: Map<string, bigint>, pool: number, recipient: string, amount: bigint) {
    map.set(this.key(pool, recipient), (map.get(this.key(pool, recipient)) ?? 0n) + amount);
  }
  /** Records what the transaction's events say happened (expiries, NEAR payouts). */
  observe(result: TransactionResult) {
    for (const e of payoutEvents(result)) {
      for (const d of e.data) {
        const pool = Number(d.pool_id);
        if (e.event === 'allocation_expired') this.add(this.expired, pool, d.recipient!, BigInt(d.amount!));
        if (e.event === 'payout_completed' && pool === NEAR_POOL) this.add(this.nearPaid, pool, d.recipient!, BigInt(d.amount!));
      }
    }
  }
}

/**
 * Steps name recipients by index; most of the time the index is taken among the recipients that
 * currently have an allocation in the pool, so claims, pushes and expiries mostly find something.
 */
function target(node: Sandbox, pool: number, index: number): string {
  if (index % 5 === 4) return RECIPIENTS[index % RECIPIENTS.length]!;
  const ledger = readLedger(node);
  const holders = RECIPIENTS.filter((r) => ledger.allocation(pool, r) > 0n);
  return holders.length === 0 ? RECIPIENTS[index % RECIPIENTS.length]! : holders[index % holders.length]!;
}

function run(node: Sandbox, model: Model, step: Step): TransactionResult[] {
  const gas = 300n * TGAS;
  switch (step.kind) {
    case 'fund':
      return step.pool === TOKEN_POOL
        ? [node.call(PAYER, TOKEN, 'ft_transfer_call', { receiver_id: PAYOUT, amount: String(step.amount), msg: JSON.stringify({ pool_id: TOKEN_POOL }) }, { deposit: 1n, gas: 150n * TGAS })]
        : [node.call(PAYER, PAYOUT, 'fund_pool', { pool_id: NEAR_POOL }, { deposit: BigInt(step.amount) * NEAR_UNIT, gas: 50n * TGAS })];
    case 'batch': {
      const allocations = step.entries.map((e) => ({ recipient: RECIPIENTS[e.recipient]!, amount: String(BigInt(e.amount) * unit(step.pool)), reference: `job-${e.recipient}` }));
      const r = node.call(PAYER, PAYOUT, 'allocate', { pool_id: step.pool, allocations, expires_in_ns: String(BigInt(step.expiryBlocks) * BLOCK_NS) }, { deposit: 1n, gas });
      if (r.succeeded) for (const e of step.entries) model.add(model.allocated, step.pool, RECIPIENTS[e.recipient]!, BigInt(e.amount) * unit(step.pool));
      return [r];
    }
    case 'claim':
      return [node.call(target(node, step.pool, step.recipient), PAYOUT, 'claim', { pool_id: step.pool }, { gas: 200n * TGAS })];
    case 'push':
      return [node.call(PAYER, PAYOUT, 'push', { pool_id: step.pool, recipients: [...new Set(step.recipients.map((i) => target(node, step.pool, i)))] }, { gas })];
    case 'pushBatch':
      return [node.call(PAYER, PAYOUT, 'push_batch', { pool_id: TOKEN_POOL, recipients: [...new Set(step.recipients.map((i) => target(node, TOKEN_POOL, i)))] }, { gas })];
    case 'race': {
      // A claim and a push for the same recipient in the same block: at most one may pay.
      const recipient = target(node, step.pool, step.recipient);
      const claimTx = node.signTransaction(recipient, PAYOUT, [{ type: 'FunctionCall', methodName: 'claim', args: new TextEncoder().encode(JSON.stringify({ pool_id: step.pool })), gas: 200n * TGAS, deposit: 0n }]);
      const pushTx = node.signTransaction(PAYER, PAYOUT, [{ type: 'FunctionCall', methodName: 'push', args: new TextEncoder().encode(JSON.stringify({ pool_id: step.pool, recipients: [recipient] })), gas, deposit: 0n }]);
      const hashes = [node.submitTransaction(claimTx), node.submitTransaction(pushTx)];
      for (let i = 0; i < 100 && node.chain.hasPendingWork; i++) node.produceBlocks(1);
      return hashes.map((h) => node.getTransactionOutcome(h));
    }
    case 'expire': {
      // A short allocation (2 blocks) to r1 or r3, time passing, then expire the holder whose
      // allocation expires first (mostly that one, unless it already held a longer allocation).
      const short = RECIPIENTS[step.recipient % 2 === 0 ? 1 : 3]!;
      const batch = node.call(PAYER, PAYOUT, 'allocate', { pool_id: step.pool, allocations: [{ recipient: short, amount: String(unit(step.pool)) }], expires_in_ns: String(2n * BLOCK_NS) }, { deposit: 1n, gas });
      if (batch.succeeded) model.add(model.allocated, step.pool, short, unit(step.pool));
      node.produceBlocks(5);
      const ledger = readLedger(node);
      const holders = RECIPIENTS.filter((r) => ledger.allocation(step.pool, r) > 0n).sort((a, b) => (ledger.expiry(step.pool, a)! < ledger.expiry(step.pool, b)! ? -1 : 1));
      const recipient = step.recipient % 5 === 4 || holders.length === 0 ? RECIPIENTS[step.recipient % RECIPIENTS.length]! : holders[0]!;
      return [batch, node.call(PAYER, PAYOUT, 'expire', { pool_id: step.pool, recipient }, { gas: 50n * TGAS })];
    }
    case 'withdraw':
      return [node.call(PAYER, PAYOUT, 'withdraw_unallocated', { pool_id: step.pool, amount: step.amount === null ? null : String(BigInt(step.amount) * unit(step.pool)) }, { deposit: 1n, gas: 100n * TGAS })];
    case 'pause': {
      const r = node.call(OWNER, TOKEN, model.paused ? 'unpause' : 'pause', {}, { deposit: 1n, gas: 50n * TGAS });
      model.paused = !model.paused;
      return [r];
    }
    case 'blacklist': {
      const recipient = RECIPIENTS[step.recipient % RECIPIENTS.length]!;
      const listed = model.blacklisted.has(recipient);
      const r = node.call(OWNER, TOKEN, listed ? 'unblacklist_account' : 'blacklist_account', { account_id: recipient }, { deposit: 1n, gas: 50n * TGAS });
      if (listed) model.blacklisted.delete(recipient);
      else model.blacklisted.add(recipient);
      return [r];
    }
    case 'wait':
      node.produceBlocks(step.blocks);
      return [];
    case 'functionCallKey': {
      const args = keyAttackArgs(step.method, step.pool, BigInt(step.amount) * unit(step.pool));
      const signed = node.signTransaction(PAYER, PAYOUT, [{ type: 'FunctionCall', methodName: step.method, args: new TextEncoder().encode(JSON.stringify(args)), gas: 100n * TGAS, deposit: step.withDeposit ? 1n : 0n }], { keyPair: payerFunctionCallKey });
      if (step.withDeposit) {
        try {
          node.sendTransaction(signed);
        } catch (error) {
          // nearcore refuses a deposit on a function-call key before anything runs.
          if (error instanceof InvalidTransactionError && JSON.stringify(error).includes('DepositWithFunctionCall')) return [];
          throw error;
        }
        throw new Error(`the payer's function-call key attached a deposit to ${step.method}`);
      }
      return [node.sendTransaction(signed)];
    }
    case 'sybil': {
      const who = SYBILS[step.who]!;
      const amount = String(BigInt(step.amount) * unit(step.pool));
      switch (step.action) {
        case 'claim':
          return [node.call(who, PAYOUT, 'claim', { pool_id: step.pool }, { gas: 200n * TGAS })];
        case 'allocate':
          return [node.call(who, PAYOUT, 'allocate', { pool_id: step.pool, allocations: [{ recipient: who, amount }] }, { deposit: 1n, gas })];
        case 'withdraw':
          return [node.call(who, PAYOUT, 'withdraw_unallocated', { pool_id: step.pool }, { deposit: 1n, gas: 100n * TGAS })];
        case 'withdrawFund':
          return [node.call(who, PAYOUT, 'withdraw_registration_fund', { pool_id: step.pool }, { deposit: 1n, gas: 100n * TGAS })];
        case 'forgeFunding':
          return [node.call(who, PAYOUT, 'ft_on_transfer', { sender_id: who, amount, msg: JSON.stringify({ pool_id: step.pool }) }, { gas: 50n * TGAS })];
        case 'forgeCallback':
          return [node.call(who, PAYOUT, step.pool === TOKEN_POOL ? 'on_paid' : 'on_withdrawn', { pool_id: step.pool, recipient: who, account_id: who, amount }, { gas: 50n * TGAS })];
      }
    }
  }
}

/** Every key and value the payout contract stores, storage balances included. */
function wholeState(node: Sandbox): string {
  return JSON.stringify(node.viewState(PAYOUT).map(({ key, value }) => [Buffer.from(key).toString('base64'), Buffer.from(value).toString('base64')]));
}

/** An attack step: refused (with the guard's panic for the function-call key) and nothing changed or paid. */
function checkAttack(node: Sandbox, step: Step, results: TransactionResult[], before: string, label: string): string | null {
  if (step.kind !== 'functionCallKey' && step.kind !== 'sybil') return null;
  if (results.some((r) => r.succeeded)) return `${label}: the attack succeeded`;
  if (step.kind === 'functionCallKey' && !step.withDeposit) {
    const expected = GUARDED.exact.includes(step.method) ? GUARD_MESSAGE.exact : GUARD_MESSAGE.atLeast;
    if (!JSON.stringify(results[0]!.failure).includes(expected)) return `${label}: expected "${expected}", got ${JSON.stringify(results[0]!.failure)}`;
  }
  if (wholeState(node) !== before) return `${label}: refused but the contract state changed`;
  for (const sybil of SYBILS) if (tokenBalance(node, sybil) !== 0n) return `${label}: ${sybil} holds ${tokenBalance(node, sybil)} tokens`;
  return null;
}

function check(node: Sandbox, model: Model, label: string): string | null {
  const ledger = readLedger(node);
  for (const [id, pool] of ledger.pools.entries()) {
    const sum = BigInt(pool.unallocated) + BigInt(pool.claimable) + BigInt(pool.paid);
    if (pool.in_flight !== '0') return `${label}: pool ${id} has ${pool.in_flight} in flight after settling`;
    if (sum !== BigInt(pool.funded)) return `${label}: pool ${id}: unallocated + claimable + paid = ${sum} ≠ funded ${pool.funded}`;
    const records = RECIPIENTS.reduce((s, r) => s + ledger.allocation(id, r), 0n);
    if (records !== BigInt(pool.claimable)) return `${label}: pool ${id}: allocation records sum to ${records}, claimable is ${pool.claimable}`;
  }
  const tokenPool = ledger.pools[TOKEN_POOL]!;
  const held = tokenBalance(node, PAYOUT);
  if (held !== BigInt(tokenPool.unallocated) + BigInt(tokenPool.claimable)) return `${label}: contract holds ${held} tokens, the token pool owes ${BigInt(tokenPool.unallocated) + BigInt(tokenPool.claimable)}`;
  let tokensOut = 0n;
  for (const r of RECIPIENTS) {
    const received = tokenBalance(node, r);
    tokensOut += received;
    const k = model.key(TOKEN_POOL, r);
    const accounted = received + ledger.allocation(TOKEN_POOL, r) + (model.expired.get(k) ?? 0n);
    if (accounted !== (model.allocated.get(k) ?? 0n)) return `${label}: ${r} received ${received} tokens; received + claimable + expired = ${accounted} ≠ allocated ${model.allocated.get(k) ?? 0n}`;
    const n = model.key(NEAR_POOL, r);
    const nearAccounted = (model.nearPaid.get(n) ?? 0n) + ledger.allocation(NEAR_POOL, r) + (model.expired.get(n) ?? 0n);
    if (nearAccounted !== (model.allocated.get(n) ?? 0n)) return `${label}: ${r} NEAR pool: paid + claimable + expired = ${nearAccounted} ≠ allocated ${model.allocated.get(n) ?? 0n}`;
  }
  if (tokensOut !== BigInt(tokenPool.paid)) return `${label}: recipients hold ${tokensOut} tokens, the pool paid ${tokenPool.paid}`;
  return null;
}

const { node, base } = setUp();
let runsDone = 0;
/** Steps by kind and outcome, to show what the runs exercised. */
const coverage = new Map<string, number>();

for (let part = 0; part * RUNS_PER_TEST < RUNS; part++) {
  const runs = Math.min(RUNS_PER_TEST, RUNS - part * RUNS_PER_TEST);
  test.serial(`money is conserved and nothing is paid twice, with function-call-key and Sybil attackers among the honest actors: runs ${part * RUNS_PER_TEST + 1}-${part * RUNS_PER_TEST + runs} of ${RUNS}`, (t) => {
    fc.assert(
      // Every run opens with long-lived batches to r0 (registered) and r2 (not) in both pools,
      // leaving r1 and r3 free for short expiries (a later batch extends an existing allocation's expiry).
      fc.property(fc.array(stepArb, { minLength: 4, maxLength: 14 }), fc.integer({ min: 1, max: 2000 }), (rest, amount) => {
        const opening: Step[] = [TOKEN_POOL, NEAR_POOL].map((pool) => ({ kind: 'batch', pool, entries: [0, 2].map((recipient) => ({ recipient, amount: amount + recipient })), expiryBlocks: 1000 }));
        const steps = [...opening, ...rest];
        node.restore(base);
        const model = new Model();
        let failure = check(node, model, 'start');
        for (const [i, step] of steps.entries()) {
          if (failure) break;
          const before = readLedger(node).raw;
          const whole = wholeState(node);
          const results = run(node, model, step);
          for (const r of results) model.observe(r);
          for (const r of results) {
            const outcome = payoutEvents(r).map((e) => e.event).filter((e) => /completed|failed|expired|allocated/.test(e));
            const key = `${step.kind}: ${r.succeeded ? 'ok' : 'refused'}${outcome.length ? ` (${[...new Set(outcome)].join(', ')})` : ''}`;
            coverage.set(key, (coverage.get(key) ?? 0) + 1);
            if (process.env.PAYOUT_PROPERTY_DEBUG && !r.succeeded) console.log(step.kind, JSON.stringify(r.failure).slice(0, 300));
          }
          const label = `step ${i} ${JSON.stringify(step)}`;
          // A refused call (its first receipt panicked) must not change the contract's state.
          const refused = results.length > 0 && results.every((r) => !r.succeeded && r.receipts[0]?.outcome.executor_id === PAYOUT);
          if (refused && readLedger(node).raw !== before) failure = `${label}: refused but changed state`;
          failure ??= checkAttack(node, step, results, whole, label);
          failure ??= check(node, model, label);
        }
        runsDone += 1;
        if (failure) throw new Error(failure);
      }),
      { numRuns: runs, seed: 0x9a70 + part, endOnFailure: true },
    );
    t.pass();
  });
}

test.serial('every planned run executed, covering payouts that completed and failed', (t) => {
  t.true(runsDone >= RUNS, `${runsDone} runs`);
  for (const [key, count] of [...coverage.entries()].sort()) t.log(`${key}: ${count}`);
  const seen = (pattern: RegExp) => [...coverage.keys()].some((k) => pattern.test(k));
  if (RUNS >= 200) {
    for (const pattern of [/^functionCallKey: refused/, /^sybil: refused/, /^claim: ok \(.*payout_completed/, /payout_failed/, /^pushBatch: ok \(.*push_batch_completed/, /push_batch_failed/, /^expire: ok/, /^withdraw: ok \(.*withdrawal_completed/, /^race: refused/]) {
      t.true(seen(pattern), `no step matched ${pattern}`);
    }
  }
});

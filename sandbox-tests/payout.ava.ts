/**
 * The payout contract through near-workspaces' public API, against the project's stablecoin and
 * NEAR: funding, batches, claims, pushes, push_batch, expiry, withdrawal, token failures mid-way
 * and bad input. One node for the file; each test deploys its own token, payout contract and
 * accounts, so tests run concurrently. After every settled step the pool ledger is checked:
 * funded = unallocated + claimable + in_flight + paid with nothing left in flight.
 */
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import { Worker, type NearAccount } from 'near-workspaces';
import { settled } from './helpers/accounts.js';
import { assertConserved, createAccount, deployPayout, events, panics, NEAR, TGAS, DAY_NS, type Fixture, type PayoutContext } from './helpers/payout.js';

const test = anyTest as TestFn<PayoutContext>;

test.before(async (t) => {
  const worker = await Worker.init();
  t.context = { worker, root: worker.rootAccount };
});

test.after.always(async (t) => {
  await t.context.worker?.tearDown();
});

/** Everything a refused call must leave unchanged: the pools, the recipients' allocations, token balances and the payer's storage balance. */
async function ledger(f: Fixture, poolIds: number[], recipients: string[]): Promise<string> {
  const pools = await Promise.all(poolIds.map((id) => f.pool(id)));
  const claimable = await Promise.all(recipients.map(async (r) => f.payout.view('claimable_of', { account_id: r, pool_ids: poolIds })));
  const balances = await Promise.all([f.payout.accountId, f.payer.accountId, ...recipients].map((a) => f.tokenBalance(a)));
  const storage = await f.payout.view('storage_balance_of', { account_id: f.payer.accountId });
  const batches = await Promise.all(poolIds.map((id) => f.payout.view('list_batches', { pool_id: id, limit: 100 })));
  return JSON.stringify({ pools, claimable, balances: balances.map(String), storage, batches });
}

/** Calls and expects exactly `Smart contract panicked: <message>`. */
async function refused(t: ExecutionContext<PayoutContext>, caller: NearAccount, contract: NearAccount, method: string, args: Record<string, unknown>, message: string, options: { deposit?: bigint; gas?: bigint } = {}): Promise<void> {
  const result = await caller.callRaw(contract, method, args, { attachedDeposit: options.deposit ?? 0n, gas: options.gas ?? 100n * TGAS });
  t.true(result.failed, `${method} should fail with ${message}`);
  const got = panics(result.receiptFailureMessages);
  t.true(got.includes(`Smart contract panicked: ${message}`), `expected "${message}", got ${JSON.stringify(got)}`);
}

async function claim(account: NearAccount, f: Fixture, poolId: number) {
  return account.callRaw(f.payout, 'claim', { pool_id: poolId }, { gas: 150n * TGAS });
}

test('NEAR pool: fund, allocate, claim, push (one to a missing account fails back to claimable), withdraw unallocated', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ token: 'NEAR', fund: 1n });
  const funding = await f.payer.callRaw(f.payout, 'fund_pool', { pool_id: poolId }, { attachedDeposit: 10n * NEAR, gas: 50n * TGAS });
  t.deepEqual(events(funding.logs).map((e) => [e.event, e.data]), [['pool_funded', [{ pool_id: poolId, sender_id: f.payer.accountId, amount: (10n * NEAR).toString() }]]]);
  const alice = await createAccount(t, 'alice', 40n * NEAR);
  const bob = await createAccount(t, 'bob', 40n * NEAR);
  const ghost = `ghost${Date.now()}.${t.context.root.accountId}`;
  await f.allocate(poolId, [[alice.accountId, 3n * NEAR], [bob.accountId, 2n * NEAR], [ghost, NEAR]]);
  let pool = await f.pool(poolId);
  t.is(pool.unallocated, (4n * NEAR).toString());
  t.is(pool.claimable, (6n * NEAR).toString());
  assertConserved(t, pool, 'after allocate');

  const before = await alice.availableBalance();
  const claimed = await claim(alice, f, poolId);
  t.true(claimed.succeeded);
  t.is(claimed.parseResult<boolean>(), true);
  await settled(t.context.worker, claimed);
  const gained = (await alice.availableBalance()) - before;
  t.true(gained > 3n * NEAR - NEAR / 100n && gained < 3n * NEAR, `alice gained ${gained}: 3 NEAR minus her gas`);
  t.is(await f.claimable(alice, poolId), 0n);

  const pushed = await f.payer.callRaw(f.payout, 'push', { pool_id: poolId, recipients: [bob.accountId, ghost] }, { gas: 300n * TGAS });
  t.true(pushed.succeeded);
  const outcome = events(pushed.logs).filter((e) => e.event.startsWith('payout_') && e.event !== 'payout_started').map((e) => [e.event, e.data[0]!.recipient]);
  t.deepEqual(outcome.sort(), [['payout_completed', bob.accountId], ['payout_failed', ghost]].sort());
  t.is(await f.claimable(ghost, poolId), NEAR, 'a transfer to a missing account returns to claimable');
  pool = await f.pool(poolId);
  t.is(pool.paid, (5n * NEAR).toString());
  assertConserved(t, pool, 'after push');

  const payerBefore = await f.payer.availableBalance();
  const withdrawn = await f.payer.callRaw(f.payout, 'withdraw_unallocated', { pool_id: poolId, amount: (3n * NEAR).toString() }, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.is(withdrawn.parseResult<boolean>(), true);
  await settled(t.context.worker, withdrawn);
  t.true((await f.payer.availableBalance()) - payerBefore > 3n * NEAR - NEAR / 100n);
  pool = await f.pool(poolId);
  t.is(pool.funded, (7n * NEAR).toString());
  t.is(pool.unallocated, NEAR.toString());
  assertConserved(t, pool, 'after withdrawal');
  await refused(t, f.payer, f.payout, 'withdraw_unallocated', { pool_id: poolId, amount: (2n * NEAR).toString() }, `Payout: amount exceeds the unallocated balance ${NEAR}`, { deposit: 1n });
  await refused(t, alice, f.payout, 'withdraw_unallocated', { pool_id: poolId }, 'Payout: caller is not the pool payer', { deposit: 1n });
});

test('stablecoin pool: ft_transfer_call funding, a batch to registered and unregistered recipients, claims register from the registration fund', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  await f.fundTokens(poolId, 1_000_000n);
  let pool = await f.pool(poolId);
  t.is(pool.funded, '1000000');
  t.is(await f.tokenBalance(f.payout), 1_000_000n);
  const registered = await createAccount(t, 'reg', 40n * NEAR);
  const fresh = await createAccount(t, 'fresh', 40n * NEAR);
  await f.register(registered.accountId);
  const result = await f.payer.callRaw(
    f.payout,
    'allocate',
    { pool_id: poolId, allocations: [{ recipient: registered.accountId, amount: '1500', reference: 'label-batch-7/1' }, { recipient: fresh.accountId, amount: '2500', reference: 'label-batch-7/2' }] },
    { attachedDeposit: 1n, gas: 100n * TGAS },
  );
  t.deepEqual(result.parseResult(), { id: 0, pool_id: poolId, count: 2, total: '4000', expires_at_ns: (result.parseResult<{ expires_at_ns: string }>()).expires_at_ns, created_at_ns: (result.parseResult<{ created_at_ns: string }>()).created_at_ns });
  t.is(BigInt(result.parseResult<{ expires_at_ns: string }>().expires_at_ns) - BigInt(result.parseResult<{ created_at_ns: string }>().created_at_ns), DAY_NS);
  t.deepEqual(events(result.logs)[0]!.event, 'batch_allocated');
  t.deepEqual(await f.payout.view('list_batches', { pool_id: poolId }), [result.parseResult()]);
  t.deepEqual((await f.payout.view('claimable_of', { account_id: fresh.accountId, from_index: 0, limit: 10 }) as { pool_id: number; amount: string }[]).map((r) => [r.pool_id, r.amount]), [[poolId, '2500']]);

  const nearBefore = await registered.availableBalance();
  const r1 = await claim(registered, f, poolId);
  t.is(r1.parseResult<boolean>(), true, 'a claim answers the payout callback result');
  t.is(await f.tokenBalance(registered), 1500n);
  await settled(t.context.worker, r1);
  t.true(nearBefore - (await registered.availableBalance()) < NEAR / 10n);

  t.is(await f.token.view('storage_balance_of', { account_id: fresh.accountId }), null);
  const r2 = await claim(fresh, f, poolId);
  t.is(r2.parseResult<boolean>(), true);
  t.deepEqual(events(r2.logs).map((e) => e.event), ['payout_started', 'recipient_registered', 'payout_completed']);
  t.is(await f.tokenBalance(fresh), 2500n);
  t.not(await f.token.view('storage_balance_of', { account_id: fresh.accountId }), null);
  pool = await f.pool(poolId);
  t.is(BigInt(pool.registration_fund), NEAR - f.registrationFee, 'one registration paid from the fund');
  t.is(pool.paid, '4000');
  assertConserved(t, pool, 'after claims');
  t.is(await f.tokenBalance(f.payout), 1_000_000n - 4000n);
  await refused(t, fresh, f.payout, 'claim', { pool_id: poolId }, `Payout: nothing claimable for ${fresh.accountId} in pool ${poolId}`, { gas: 150n * TGAS });
  // Funding a token pool with NEAR, or with another token, is refused.
  await refused(t, f.payer, f.payout, 'fund_pool', { pool_id: poolId }, 'Payout: pool is funded in a token; use ft_transfer_call, or pass registration_fund_only', { deposit: NEAR });
  const wrongToken = await f.payer.callRaw(f.token, 'ft_transfer_call', { receiver_id: f.payout.accountId, amount: '10', msg: JSON.stringify({ pool_id: 99 }) }, { attachedDeposit: 1n, gas: 150n * TGAS });
  t.true(panics(wrongToken.receiptFailureMessages).includes('Smart contract panicked: Payout: pool 99 does not exist'));
  t.is(await f.tokenBalance(f.payout), 1_000_000n - 4000n, 'the token refunded the refused funding');
});

test('an unregistered recipient with no registration fund left stays claimable; the payer tops the fund up', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: 1n });
  await f.fundTokens(poolId, 10_000n);
  const fresh = await createAccount(t, 'fresh', 40n * NEAR);
  await f.allocate(poolId, [[fresh.accountId, 700n]]);
  const r = await claim(fresh, f, poolId);
  t.is(r.parseResult<boolean>(), false);
  t.deepEqual(events(r.logs).at(-1)!.data[0]!.reason, 'recipient is not registered with the token and the pool registration fund cannot pay for it');
  t.is(await f.claimable(fresh, poolId), 700n);
  assertConserved(t, await f.pool(poolId), 'after failed registration');
  await f.payer.call(f.payout, 'fund_pool', { pool_id: poolId, registration_fund_only: true }, { attachedDeposit: f.registrationFee, gas: 50n * TGAS });
  t.is((await claim(fresh, f, poolId)).parseResult<boolean>(), true);
  t.is(await f.tokenBalance(fresh), 700n);
  t.is((await f.pool(poolId)).registration_fund, '1', 'the 1 yoctoNEAR the pool was created with');
});

test('push pays several recipients with one chain each; push_batch pays registered ones in one batch_transfer', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool();
  await f.fundTokens(poolId, 100_000n);
  const names = Array.from({ length: 12 }, (_, i) => `w${i}x${Date.now()}.${t.context.root.accountId}`);
  for (const name of names.slice(0, 10)) await f.register(name);
  await f.allocate(poolId, names.map((n, i) => [n, BigInt(100 + i)]));

  // Recipients need not exist or act: unregistered ones (the last two) are registered on push.
  // A first payout to a recipient asks the token whether it is registered, so costs 100 Tgas: two per push.
  const pushed = await f.payer.callRaw(f.payout, 'push', { pool_id: poolId, recipients: [names[0], names[10]] }, { gas: 300n * TGAS });
  t.true(pushed.succeeded, panics(pushed.receiptFailureMessages).join());
  await f.payer.call(f.payout, 'push', { pool_id: poolId, recipients: [names[11]] }, { gas: 300n * TGAS });
  t.deepEqual([await f.tokenBalance(names[0]!), await f.tokenBalance(names[10]!), await f.tokenBalance(names[11]!)], [100n, 110n, 111n]);
  assertConserved(t, await f.pool(poolId), 'after push');

  const batch = await f.payer.callRaw(f.payout, 'push_batch', { pool_id: poolId, recipients: names.slice(1, 10) }, { gas: 300n * TGAS });
  t.is(batch.parseResult<boolean>(), true);
  t.deepEqual(events(batch.logs).map((e) => e.event), ['push_batch_started', 'push_batch_completed']);
  t.is(events(batch.logs, 'nep141')[0]!.data.length, 9);
  for (let i = 1; i < 10; i++) t.is(await f.tokenBalance(names[i]!), BigInt(100 + i));
  const pool = await f.pool(poolId);
  t.is(pool.claimable, '0');
  t.is(BigInt(pool.paid), names.reduce((s, _n, i) => s + BigInt(100 + i), 0n));
  assertConserved(t, pool, 'after push_batch');

  const before = await ledger(f, [poolId], names.slice(0, 2));
  await refused(t, f.payer, f.payout, 'push', { pool_id: poolId, recipients: Array.from({ length: 9 }, (_, i) => `x${i}.near`) }, 'Payout: recipients must be an array of 1 to 8 account ids');
  await refused(t, f.payer, f.payout, 'push', { pool_id: poolId, recipients: [names[0], names[0]] }, `Payout: duplicate recipient ${names[0]}`);
  await refused(t, f.payer, f.payout, 'push_batch', { pool_id: poolId, recipients: [names[0]] }, `Payout: nothing claimable for ${names[0]} in pool ${poolId}`);
  t.is(await ledger(f, [poolId], names.slice(0, 2)), before);
});

test('too little gas for the payout chains is refused up front with the gas to attach', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool();
  await f.fundTokens(poolId, 10_000n);
  const fresh = await createAccount(t, 'fresh', 40n * NEAR);
  await f.allocate(poolId, [[fresh.accountId, 10n]]);
  const before = await ledger(f, [poolId], [fresh.accountId]);
  const r = await fresh.callRaw(f.payout, 'claim', { pool_id: poolId }, { gas: 60n * TGAS });
  t.regex(panics(r.receiptFailureMessages).join(), /Payout: claim needs at least \d+ Tgas attached; attach more gas/);
  t.is(await ledger(f, [poolId], [fresh.accountId]), before);
});

test('expiry: unclaimed allocations return to the pool; an expired allocation cannot be claimed', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool();
  await f.fundTokens(poolId, 10_000n);
  const alice = await createAccount(t, 'alice', 40n * NEAR);
  const bob = await createAccount(t, 'bob', 40n * NEAR);
  await f.register(alice.accountId);
  await f.allocate(poolId, [[alice.accountId, 400n]], 1n); // expires 1 ns after its block
  await f.allocate(poolId, [[bob.accountId, 600n]]);
  await refused(t, f.payer, f.payout, 'expire', { pool_id: poolId, recipient: bob.accountId }, `Payout: allocation of ${bob.accountId} has not expired; it expires at ${(await f.payout.view('claimable_of', { account_id: bob.accountId, pool_ids: [poolId] }) as { expires_at_ns: string }[])[0]!.expires_at_ns} ns`);
  await refused(t, alice, f.payout, 'claim', { pool_id: poolId }, `Payout: allocation of ${alice.accountId} has expired; the payer can return it to the pool with expire`, { gas: 150n * TGAS });
  const storageBefore = BigInt(((await f.payout.view('storage_balance_of', { account_id: f.payer.accountId })) as { total: string }).total);
  const expired = await bob.callRaw(f.payout, 'expire', { pool_id: poolId, recipient: alice.accountId }, { gas: 50n * TGAS });
  t.is(expired.parseResult<string>(), '400');
  t.deepEqual(events(expired.logs).map((e) => [e.event, e.data[0]!.amount]), [['allocation_expired', '400']]);
  const storageAfter = BigInt(((await f.payout.view('storage_balance_of', { account_id: f.payer.accountId })) as { total: string }).total);
  t.true(storageAfter > storageBefore, 'the freed allocation record is credited to the payer');
  const pool = await f.pool(poolId);
  t.is(pool.unallocated, (10_000n - 600n).toString());
  t.is(pool.claimable, '600');
  assertConserved(t, pool, 'after expiry');
  await refused(t, bob, f.payout, 'expire', { pool_id: poolId, recipient: alice.accountId }, `Payout: ${alice.accountId} has no claimable allocation in pool ${poolId}`);
  t.is(await f.claimable(alice, poolId), 0n);
});

test('token failure mid-way: a paused token and a blacklisted recipient leave the funds claimable, never lost or paid twice', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool();
  await f.fundTokens(poolId, 100_000n);
  const alice = await createAccount(t, 'alice', 40n * NEAR);
  const names = Array.from({ length: 4 }, (_, i) => `b${i}x${Date.now()}.${t.context.root.accountId}`);
  for (const n of [alice.accountId, ...names]) await f.register(n);
  await f.allocate(poolId, [[alice.accountId, 1000n], ...names.map((n): [string, bigint] => [n, 50n])]);

  await f.tokenAdmin('pause');
  const paused = await claim(alice, f, poolId);
  t.is(paused.parseResult<boolean>(), false);
  t.true(panics(paused.receiptFailureMessages).includes('Smart contract panicked: Pausable: paused'));
  t.deepEqual(events(paused.logs).map((e) => e.event), ['payout_started', 'payout_failed']);
  t.is(await f.claimable(alice, poolId), 1000n);
  t.is(await f.tokenBalance(alice), 0n);
  assertConserved(t, await f.pool(poolId), 'after paused claim');
  const pausedBatch = await f.payer.callRaw(f.payout, 'push_batch', { pool_id: poolId, recipients: names }, { gas: 300n * TGAS });
  t.is(pausedBatch.parseResult<boolean>(), false);
  for (const n of names) t.is(await f.claimable(n, poolId), 50n);
  await f.tokenAdmin('unpause');

  await f.tokenAdmin('blacklist_account', { account_id: names[2] });
  const blacklistedBatch = await f.payer.callRaw(f.payout, 'push_batch', { pool_id: poolId, recipients: names }, { gas: 300n * TGAS });
  t.is(blacklistedBatch.parseResult<boolean>(), false, 'batch_transfer is all or nothing');
  t.true(panics(blacklistedBatch.receiptFailureMessages).includes('Smart contract panicked: Stablecoin: receiver is blacklisted'));
  for (const n of names) {
    t.is(await f.claimable(n, poolId), 50n);
    t.is(await f.tokenBalance(n), 0n);
  }
  for (const pair of [names.slice(0, 2), names.slice(2)]) {
    const pushed = await f.payer.callRaw(f.payout, 'push', { pool_id: poolId, recipients: pair }, { gas: 300n * TGAS });
    t.true(pushed.succeeded);
  }
  t.deepEqual(await Promise.all(names.map((n) => f.claimable(n, poolId))), [0n, 0n, 50n, 0n], 'only the blacklisted recipient stays claimable');
  t.deepEqual(await Promise.all(names.map((n) => f.tokenBalance(n))), [50n, 50n, 0n, 50n]);
  assertConserved(t, await f.pool(poolId), 'after blacklist');

  t.is((await claim(alice, f, poolId)).parseResult<boolean>(), true);
  t.is(await f.tokenBalance(alice), 1000n);
  await f.tokenAdmin('unblacklist_account', { account_id: names[2] });
  await f.payer.call(f.payout, 'push', { pool_id: poolId, recipients: [names[2]] }, { gas: 300n * TGAS });
  const pool = await f.pool(poolId);
  t.is(pool.paid, '1200');
  t.is(await f.tokenBalance(f.payout), 100_000n - 1200n, 'the contract paid each recipient exactly once');
  assertConserved(t, pool, 'at the end');
});

test('withdraw_unallocated of tokens, with a failed withdrawal (token paused) returning to the pool; registration fund withdrawal', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: 2n * NEAR });
  await f.fundTokens(poolId, 5000n);
  const payerTokens = await f.tokenBalance(f.payer);
  await f.tokenAdmin('pause');
  const failed = await f.payer.callRaw(f.payout, 'withdraw_unallocated', { pool_id: poolId }, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.is(failed.parseResult<boolean>(), false);
  t.deepEqual(events(failed.logs).map((e) => e.event), ['withdrawal_started', 'withdrawal_failed']);
  let pool = await f.pool(poolId);
  t.is(pool.unallocated, '5000');
  assertConserved(t, pool, 'after failed withdrawal');
  await f.tokenAdmin('unpause');
  t.is((await f.payer.callRaw(f.payout, 'withdraw_unallocated', { pool_id: poolId, amount: '3000' }, { attachedDeposit: 1n, gas: 100n * TGAS })).parseResult<boolean>(), true);
  t.is(await f.tokenBalance(f.payer), payerTokens + 3000n);
  pool = await f.pool(poolId);
  t.is(pool.funded, '2000');
  assertConserved(t, pool, 'after withdrawal');

  const before = await f.payer.availableBalance();
  const fundBack = await f.payer.callRaw(f.payout, 'withdraw_registration_fund', { pool_id: poolId, amount: NEAR.toString() }, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.is(fundBack.parseResult<boolean>(), true);
  await settled(t.context.worker, fundBack);
  t.true((await f.payer.availableBalance()) - before > NEAR - NEAR / 100n);
  t.is((await f.pool(poolId)).registration_fund, NEAR.toString());
  await refused(t, f.payer, f.payout, 'withdraw_registration_fund', { pool_id: poolId, amount: (2n * NEAR).toString() }, `Payout: amount exceeds the registration fund ${NEAR}`, { deposit: 1n });
});

test('bad input is refused with a clear message and changes nothing', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool();
  await f.fundTokens(poolId, 10_000n);
  const alice = await createAccount(t, 'alice', 40n * NEAR);
  await f.allocate(poolId, [[alice.accountId, 10n]]);
  const recipients = [alice.accountId, 'bob.near', 'carol.near'];
  const before = await ledger(f, [poolId], recipients);
  const allocate = (allocations: unknown, message: string, extra: Record<string, unknown> = {}, caller = f.payer) =>
    refused(t, caller, f.payout, 'allocate', { pool_id: poolId, allocations, ...extra }, message, { deposit: 1n });

  await allocate([{ recipient: 'bob.near', amount: '0' }], 'Amount: allocations[0].amount must be greater than zero');
  const malformed = (i: number) => `Amount: allocations[${i}].amount must be a decimal string of an unsigned 128-bit integer, e.g. "1000000"`;
  for (const amount of ['-5', '1.5', '1e3', '01', ' 7', '', 'ten', 12, null]) {
    await allocate([{ recipient: 'carol.near', amount: '1' }, { recipient: 'bob.near', amount }], malformed(1));
  }
  await allocate([{ recipient: 'bob.near', amount: ((1n << 128n)).toString() }], 'Amount: allocations[0].amount exceeds 2^128 - 1');
  await allocate([{ recipient: 'bob.near', amount: '1' }, { recipient: 'carol.near', amount: '2' }, { recipient: 'bob.near', amount: '3' }], 'Payout: duplicate recipient bob.near in batch; merge its amounts into one entry');
  await allocate(Array.from({ length: 501 }, (_, i) => ({ recipient: `r${i}.near`, amount: '1' })), 'Payout: at most 500 allocations per batch; split it into several batches');
  await allocate([], 'Payout: allocations must be a non-empty array of {recipient, amount, reference?}');
  await allocate('bob.near', 'Payout: allocations must be a non-empty array of {recipient, amount, reference?}');
  await allocate([7], 'Payout: allocations[0] must be an object {recipient, amount, reference?}');
  await allocate([{ recipient: 'Bob Near', amount: '1' }], 'Payout: allocations[0].recipient is not a valid account id');
  await allocate([{ recipient: 'bob.near', amount: '1', reference: 'x'.repeat(129) }], 'Payout: allocations[0].reference must be a string of at most 128 characters');
  await allocate([{ recipient: 'bob.near', amount: '9991' }], 'Payout: batch total 9991 exceeds the unallocated balance 9990; fund the pool first');
  await allocate([{ recipient: 'bob.near', amount: '1' }], 'Payout: expires_in_ns must be a positive nanosecond count as a decimal string', { expires_in_ns: '0' });
  await allocate([{ recipient: 'bob.near', amount: '1' }], 'Payout: caller is not the pool payer', {}, alice);
  await refused(t, f.payer, f.payout, 'allocate', { pool_id: 77, allocations: [{ recipient: 'bob.near', amount: '1' }] }, 'Payout: pool 77 does not exist', { deposit: 1n });
  await refused(t, f.payer, f.payout, 'allocate', { pool_id: '0', allocations: [{ recipient: 'bob.near', amount: '1' }] }, 'Payout: pool_id must be a non-negative integer', { deposit: 1n });
  await refused(t, f.payer, f.payout, 'withdraw_unallocated', { pool_id: poolId, amount: '0' }, 'Amount: amount must be greater than zero', { deposit: 1n });
  await refused(t, f.payer, f.payout, 'create_pool', { token: 'NOT A TOKEN', default_expiry_ns: '1' }, 'Payout: token is not a valid account id', { deposit: 1n });
  await refused(t, f.payer, f.payout, 'create_pool', { token: f.token.accountId, default_expiry_ns: '-1' }, 'Payout: default_expiry_ns must be a positive nanosecond count as a decimal string', { deposit: 1n });
  await refused(t, f.payer, f.payout, 'push_batch', { pool_id: poolId, recipients: Array.from({ length: 401 }, (_, i) => `r${i}.near`) }, 'Payout: recipients must be an array of 1 to 400 account ids');
  // Callbacks are private (near-sdk-js checks before the method runs).
  const forged = await alice.callRaw(f.payout, 'on_paid', { pool_id: poolId, recipient: alice.accountId, amount: '10' }, { gas: 50n * TGAS });
  t.regex(panics(forged.receiptFailureMessages).join(), /Function is private/);
  // A deposit on a method that takes none is refused by near-sdk-js, so it is never silently kept.
  const paid = await alice.callRaw(f.payout, 'claim', { pool_id: poolId }, { attachedDeposit: 1n, gas: 150n * TGAS });
  t.regex(panics(paid.receiptFailureMessages).join(), /Function is not payable/);
  t.is(await ledger(f, [poolId], recipients), before);
  // A payer without a storage balance cannot create state it does not pay for.
  const stranger = await createAccount(t, 'stranger', 40n * NEAR);
  await refused(t, stranger, f.payout, 'create_pool', { token: 'NEAR', default_expiry_ns: '1000' }, 'StorageBalance: account has no storage balance; call storage_deposit first', { deposit: 1n });
});

test('views page through pools, batches and claimable balances', async (t) => {
  const f = await deployPayout(t);
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) ids.push(await f.createPool({ token: 'NEAR', fund: 1n }));
  await f.payer.call(f.payout, 'fund_pool', { pool_id: ids[1] }, { attachedDeposit: NEAR, gas: 50n * TGAS });
  await f.payer.call(f.payout, 'fund_pool', { pool_id: ids[2] }, { attachedDeposit: NEAR, gas: 50n * TGAS });
  await f.allocate(ids[1]!, [['ann.near', 5n]]);
  await f.allocate(ids[1]!, [['ann.near', 6n], ['ben.near', 1n]]);
  await f.allocate(ids[2]!, [['ann.near', 7n]]);
  t.deepEqual((await f.payout.view('list_pools', { from_index: 1, limit: 5 }) as { id: number }[]).map((p) => p.id), [1, 2]);
  t.deepEqual((await f.payout.view('list_batches', { pool_id: ids[1], from_index: 1 }) as { id: number; count: number }[]).map((b) => [b.id, b.count]), [[1, 2]]);
  const rows = (await f.payout.view('claimable_of', { account_id: 'ann.near', from_index: 0, limit: 100 })) as { pool_id: number; amount: string }[];
  t.deepEqual(rows.map((r) => [r.pool_id, r.amount]), [[1, '11'], [2, '7']]);
  t.deepEqual(await f.payout.view('claimable_of', { account_id: 'ann.near', from_index: 2, limit: 1 }).then((r) => (r as { pool_id: number }[]).map((x) => x.pool_id)), [2]);
});

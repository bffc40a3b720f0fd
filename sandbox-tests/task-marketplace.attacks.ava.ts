/**
 * Issue 13's attacks on the task marketplace, each run through the node as an attacker with
 * ordinary accounts would, and each asserting the rule's exact panic and no state change (or the
 * safe outcome). Every one of these succeeded on the contract before the fix: its test fails there.
 * One node for the file; tests that move chain time are serial, the others use day-long periods.
 */
import anyTest, { type TestFn } from 'ava';
import { readFileSync } from 'node:fs';
import { contractWasm } from './helpers/wasm.js';
import {
  DAY, MINUTE, MINUTE_LIMITS, NEAR, TGAS, addAccount, assertConserved, claimAndCommit, commitment, createAccount, deployMarket, earnings, fingerprint,
  functionCallKey, items, nearProject, now, ok, passTime, projectArgs, refused, seal, sha256, type Context, withWorker,
} from './helpers/market.js';

const test = anyTest as TestFn<Context>;

withWorker(test);

const [A, B, JUNK] = [sha256('label: A'), sha256('label: B'), sha256('junk')];
const tasker = async (m: Parameters<typeof ok>[1], address: string) => (await m.contract.view('get_tasker', { account_id: address })) as { active_claims: { item: string }[] };

test.serial('attack 1: escrow leak across projects — a reclaimed item takes no more commitments or reveals, so no project pays more than it was funded', async (t) => {
  const m = await deployMarket(t, 1);
  const [honest] = m.taskers;
  // The victim: another vendor's funded project, whose escrow the leak would pay from.
  const victim = await addAccount(t, m, 'victim', false);
  await nearProject(t, m, 2, {}, victim);
  // The attacker: a vendor with two Sybil taskers, a project that ends soon, one item both claim.
  const attacker = await addAccount(t, m, 'attacker', false);
  const [s1, s2] = [await addAccount(t, m, 'sybil', true), await addAccount(t, m, 'sybil', true)];
  const { id, terms } = await nearProject(t, m, 1, { deadline: (await now(t)) + 2n * MINUTE, disputeTtl: MINUTE, claimTtl: DAY }, attacker);
  await ok(s1, m, 'claim', { project_id: id, item_index: 0 });
  await ok(s2, m, 'claim', { project_id: id, item_index: 0 });
  await passTime(t, terms.deadline + terms.disputeTtl);
  const reclaimed = await ok(attacker, m, 'reclaim', { project_id: id }, 1n);
  t.is(reclaimed.parseResult(), (2n * terms.reward).toString(), 'the whole budget went back to the attacker');
  // Reclaiming closed the item's claims and freed the Sybils' slots.
  const item = (await m.contract.view('get_item', { project_id: id, item_index: 0 })) as { status: string; claims: unknown[]; reserve: string };
  t.deepEqual([item.status, item.claims, item.reserve], ['closed', [], '0']);
  t.deepEqual((await tasker(m, s1.accountId)).active_claims, []);
  // The revival: commitments, and so reveals, review and disputes, are refused on the closed item.
  for (const s of [s1, s2]) {
    await refused(t, m, s, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, s, JUNK, 'x') }, 'TaskMarketplace: item is closed, commitments are taken only while it is open');
    await refused(t, m, s, 'reveal', { project_id: id, item_index: 0, result: JUNK, salt: 'x' }, 'TaskMarketplace: item is closed, reveals need all commitments first');
    await refused(t, m, s, 'claim', { project_id: id, item_index: 0 }, 'TaskMarketplace: project deadline has passed');
  }
  await refused(t, m, attacker, 'review', { project_id: id, item_index: 0, result: sha256('nobody said this') }, 'TaskMarketplace: item is closed, not in review', 1n);
  const project = (await m.contract.view('get_project', { project_id: id })) as Record<string, string>;
  t.deepEqual([project.funded, project.unallocated, project.reserved, project.credited, project.reclaimed], [(2n * terms.reward).toString(), '0', '0', '0', (2n * terms.reward).toString()]);
  t.is(await earnings(m, honest), 0n);
  await assertConserved(t, m, id + 1);
});

test.serial('also examine: a reclaimed-then-revived item cannot reach consensus — its claimants cannot commit, their slots are free and they can work elsewhere', async (t) => {
  const m = await deployMarket(t, 2);
  const [t1, t2] = m.taskers;
  const { id, terms } = await nearProject(t, m, 1, { deadline: (await now(t)) + 2n * MINUTE, disputeTtl: MINUTE });
  const other = await nearProject(t, m, 1);
  await ok(t1, m, 'claim', { project_id: id, item_index: 0 });
  await ok(t2, m, 'claim', { project_id: id, item_index: 0 });
  await passTime(t, terms.deadline + terms.disputeTtl);
  await ok(m.vendor, m, 'reclaim', { project_id: id }, 1n);
  // Before the fix both committed the same answer, the item "revived" to revealing, and the last
  // reveal panicked in settle (the reserve was gone) and left both slots locked.
  for (const s of [t1, t2]) await refused(t, m, s, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, s, A, 'x') }, 'TaskMarketplace: item is closed, commitments are taken only while it is open');
  for (const s of [t1, t2]) t.deepEqual((await tasker(m, s.accountId)).active_claims, []);
  const r1 = await claimAndCommit(m, t1, other.id, 0, A);
  const r2 = await claimAndCommit(m, t2, other.id, 0, A);
  await ok(t2, m, 'reveal', r2);
  t.is((await ok(t1, m, 'reveal', r1)).parseResult(), 'accepted');
  t.is(await earnings(m, t1), NEAR / 10n);
  await assertConserved(t, m, 2);
});

test('attack 2: copied commitments — a copied hash is refused, and a commitment opens only for the tasker and item it was made for', async (t) => {
  const m = await deployMarket(t, 3);
  const [honest, copier, other] = m.taskers;
  const { id } = await nearProject(t, m, 1, { redundancy: 3 });
  for (const a of [honest, copier, other]) await ok(a, m, 'claim', { project_id: id, item_index: 0 });
  const hash = commitment(id, 0, honest, A, 'honest salt');
  await ok(honest, m, 'submit', { project_id: id, item_index: 0, commitment: hash });
  // The copier reads the honest tasker's commitment from the item and submits it as its own.
  await refused(t, m, copier, 'submit', { project_id: id, item_index: 0, commitment: hash }, 'TaskMarketplace: this commitment was already submitted for this item');
  // Even the old format sha256("<result>:<salt>") with the honest pair, or a hash for another item, will not open.
  await ok(copier, m, 'submit', { project_id: id, item_index: 0, commitment: sha256(`${A}:honest salt`) });
  await ok(other, m, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, other, B, 'other salt') });
  await ok(honest, m, 'reveal', { project_id: id, item_index: 0, result: A, salt: 'honest salt' });
  await refused(t, m, copier, 'reveal', { project_id: id, item_index: 0, result: A, salt: 'honest salt' }, 'TaskMarketplace: reveal does not match the commitment');
  t.is(await earnings(m, copier), 0n);
});

test('attack 3: gold sabotage across vendors — a vendor sealing an answer nobody gives suspends a tasker only in its own projects', async (t) => {
  const m = await deployMarket(t, 1);
  const [honest] = m.taskers;
  const saboteur = await addAccount(t, m, 'saboteur', false);
  // The saboteur's gold item: sealed to an answer nobody gives.
  const created = (await ok(saboteur, m, 'create_project', projectArgs(m, { reward: NEAR / 100n, reviewerReward: 0n, redundancy: 1, consensus: 1, claimTtl: DAY, revealTtl: DAY, disputeTtl: DAY, deadline: (await now(t)) + 10n * DAY, extra: { min_gold_answers: 1, min_gold_accuracy_bps: 10_000 } }))).parseResult() as { id: number };
  await ok(saboteur, m, 'fund_project', { project_id: created.id }, NEAR / 10n);
  await ok(saboteur, m, 'add_items', { project_id: created.id, items: items(0, [seal(sha256('nobody says this'), 'gold'), sha256('plain')]) }, 1n);
  const answer = await claimAndCommit(m, honest, created.id, 0, A);
  t.is((await ok(honest, m, 'reveal', answer)).parseResult(), 'accepted');
  await ok(saboteur, m, 'reveal_gold', { project_id: created.id, item_index: 0, expected: sha256('nobody says this'), salt: 'gold' });
  t.deepEqual(await m.contract.view('get_gold_stats', { vendor_id: saboteur.accountId, account_id: honest.accountId }), { correct: 0, wrong: 1 });
  // The honest vendor's project gates on gold too, but on its own gold items only.
  const { id } = await nearProject(t, m, 1, { redundancy: 1, consensus: 1, extra: { min_gold_answers: 1, min_gold_accuracy_bps: 10_000 } });
  t.deepEqual(await m.contract.view('get_gold_stats', { vendor_id: m.vendor.accountId, account_id: honest.accountId }), { correct: 0, wrong: 0 });
  const claimed = await ok(honest, m, 'claim', { project_id: id, item_index: 0 });
  t.is((claimed.parseResult() as { tasker: string }).tasker, honest.accountId, 'the honest tasker still works for other vendors');
  // In the saboteur's own projects the tasker is suspended; the global counts are informational.
  await refused(t, m, honest, 'claim', { project_id: created.id, item_index: 1 }, 'TaskMarketplace: tasker is suspended for low gold accuracy');
  const stats = (await m.contract.view('get_tasker', { account_id: honest.accountId })) as { gold_wrong: number };
  t.is(stats.gold_wrong, 1);
});

test('attack 4: vendor-chosen windows with no floor — 1 ns windows are refused, and a vendor deciding its own item for a Sybil is overturned by the arbiter', async (t) => {
  // On the contract's default limits (no set_limits): hours and days, not nanoseconds.
  const fresh = await deployMarket(t, 0, { limits: 'default' });
  const limits = (await fresh.contract.view('get_limits', {})) as Record<string, { min_ns: string; max_ns: string }>;
  t.deepEqual(Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, Number(BigInt(v.min_ns) / 60_000_000_000n)])), { claim_ttl: 10, reveal_ttl: 60, dispute_ttl: 1440, deadline: 60 }, 'floors in minutes');
  const terms = { reward: NEAR / 10n, reviewerReward: 0n, redundancy: 2, consensus: 2, claimTtl: DAY, revealTtl: DAY, disputeTtl: DAY, deadline: (await now(t)) + 10n * DAY };
  await refused(t, fresh, fresh.vendor, 'create_project', projectArgs(fresh, { ...terms, disputeTtl: 1n }), `TaskMarketplace: dispute_ttl_ns must be from ${limits.dispute_ttl.min_ns} to ${limits.dispute_ttl.max_ns} nanoseconds (contract limits, see get_limits)`);
  await refused(t, fresh, fresh.vendor, 'create_project', projectArgs(fresh, { ...terms, revealTtl: 1n }), `TaskMarketplace: reveal_ttl_ns must be from ${limits.reveal_ttl.min_ns} to ${limits.reveal_ttl.max_ns} nanoseconds (contract limits, see get_limits)`);
  await refused(t, fresh, fresh.vendor, 'create_project', projectArgs(fresh, { ...terms, deadline: terms.deadline + 400n * DAY }), `TaskMarketplace: deadline_ns must be from now + ${limits.deadline.min_ns} to now + ${limits.deadline.max_ns} nanoseconds (contract limits, see get_limits)`);
  // Only the owner sets the limits, with a full-access key, within their own bounds.
  await refused(t, fresh, fresh.vendor, 'set_limits', { limits: { ...MINUTE_LIMITS, dispute_ttl: { min_ns: '1', max_ns: '1' } } }, 'Ownable: caller is not the owner', 1n);
  await refused(t, fresh, fresh.owner, 'set_limits', { limits: { ...MINUTE_LIMITS, dispute_ttl: { min_ns: '5', max_ns: '1' } } }, 'TaskMarketplace: limits.dispute_ttl must have 0 < min_ns <= max_ns <= 315360000000000000', 1n);

  // A vendor with one Sybil tasker sends an item to review and decides it for the junk answer: the
  // honest tasker disputes within the floor and the arbiter, who is no party, pays it.
  const m = await deployMarket(t, 1);
  const [honest] = m.taskers;
  const sybil = await addAccount(t, m, 'sybil', true);
  const { id } = await nearProject(t, m, 1, { disputeTtl: MINUTE });
  const h = await claimAndCommit(m, honest, id, 0, A);
  const s = await claimAndCommit(m, sybil, id, 0, JUNK);
  await ok(honest, m, 'reveal', h);
  t.is((await ok(sybil, m, 'reveal', s)).parseResult(), 'review');
  // The Sybil cannot review its own item; the vendor may, but its decision stays disputable.
  await ok(m.owner, m, 'grant_role', { role: 'arbiter', account_id: m.vendor.accountId }, 1n);
  await ok(m.vendor, m, 'review', { project_id: id, item_index: 0, result: JUNK }, 1n);
  t.is(await earnings(m, sybil), NEAR / 10n);
  await ok(honest, m, 'dispute', { project_id: id, item_index: 0 });
  await refused(t, m, m.vendor, 'resolve_dispute', { project_id: id, item_index: 0, uphold: true, result: JUNK }, 'TaskMarketplace: the arbiter is a party to this item (vendor, reviewer or tasker) and cannot resolve its dispute', 1n);
  await ok(m.arbiter, m, 'resolve_dispute', { project_id: id, item_index: 0, uphold: true, result: A }, 1n);
  t.is(await earnings(m, honest), NEAR / 10n);
  await assertConserved(t, m, 1);
});

test.serial('attack 5: labels without paying — an item the vendor never reviews pays every revealed result, by finalize_item after its review period or by reclaim', async (t) => {
  const m = await deployMarket(t, 2);
  const [t1, t2] = m.taskers;
  const { id, terms } = await nearProject(t, m, 2, { deadline: (await now(t)) + 5n * MINUTE, disputeTtl: MINUTE, reviewerReward: NEAR / 20n });
  // Both items end in review: the two taskers disagree. The labels are public from now on.
  for (const index of [0, 1]) {
    const r1 = await claimAndCommit(m, t1, id, index, A);
    const r2 = await claimAndCommit(m, t2, id, index, B);
    await ok(t1, m, 'reveal', r1);
    t.is((await ok(t2, m, 'reveal', r2)).parseResult(), 'review');
  }
  // The vendor has the review period (the project's dispute_ttl, at least the contract floor) to decide.
  await refused(t, m, t1, 'finalize_item', { project_id: id, item_index: 1 }, 'TaskMarketplace: review period has not ended');
  const { finalized_at_ns } = (await m.contract.view('get_item', { project_id: id, item_index: 1 })) as { finalized_at_ns: string };
  await passTime(t, BigInt(finalized_at_ns) + terms.disputeTtl);
  // It did not: a tasker finalizes item 1 and both revealed results are paid.
  t.is((await ok(t1, m, 'finalize_item', { project_id: id, item_index: 1 })).parseResult(), 'final');
  t.deepEqual([await earnings(m, t1), await earnings(m, t2)], [terms.reward, terms.reward]);
  // Item 0 is still in review when the vendor reclaims after the deadline: reclaim pays it too.
  await passTime(t, terms.deadline + terms.disputeTtl);
  const budget = 2n * (2n * terms.reward + terms.reviewerReward);
  const reclaimed = await ok(m.vendor, m, 'reclaim', { project_id: id }, 1n);
  t.is(reclaimed.parseResult(), (budget - 4n * terms.reward).toString(), 'the vendor gets everything but the four revealed results');
  t.deepEqual([await earnings(m, t1), await earnings(m, t2)], [2n * terms.reward, 2n * terms.reward]);
  const item = (await m.contract.view('get_item', { project_id: id, item_index: 0 })) as { status: string; claims: { paid: boolean }[] };
  t.deepEqual([item.status, item.claims.map((c) => c.paid)], ['closed', [true, true]]);
  // Reclaiming again pays nobody twice.
  await ok(m.vendor, m, 'reclaim', { project_id: id }, 1n);
  t.is(await earnings(m, t1), 2n * terms.reward);
  await assertConserved(t, m, 1);
});

test.serial('attack 6: claim slots locked forever — committed claims on items nobody fills free the tasker\'s 20 slots within claim_ttl + reveal_ttl', async (t) => {
  const m = await deployMarket(t, 2);
  const [victim, late] = m.taskers;
  // A vendor with 20 items nobody else works on; its windows are the longest it could pick but the contract bounds them.
  await refused(t, m, m.vendor, 'create_project', projectArgs(m, { reward: NEAR / 100n, reviewerReward: 0n, redundancy: 2, consensus: 2, claimTtl: 2n * DAY, revealTtl: MINUTE, disputeTtl: DAY, deadline: (await now(t)) + 300n * DAY }), `TaskMarketplace: claim_ttl_ns must be from ${MINUTE_LIMITS.claim_ttl.min_ns} to ${MINUTE_LIMITS.claim_ttl.max_ns} nanoseconds (contract limits, see get_limits)`);
  const { id, terms } = await nearProject(t, m, 20, { reward: NEAR / 100n, claimTtl: MINUTE, revealTtl: MINUTE, deadline: (await now(t)) + 300n * DAY });
  const other = await nearProject(t, m, 1);
  for (let i = 0; i < 20; i++) await claimAndCommit(m, victim, id, i, A);
  await refused(t, m, victim, 'claim', { project_id: other.id, item_index: 0 }, 'TaskMarketplace: at most 20 active claims per tasker');
  const { active_claims } = (await m.contract.view('get_tasker', { account_id: victim.accountId })) as { active_claims: { until_ns: string }[] };
  const until = active_claims.map((a) => BigInt(a.until_ns)).reduce((x, y) => (x > y ? x : y));
  const lastClaim = await now(t);
  t.true(until <= lastClaim + terms.claimTtl + terms.revealTtl, 'every slot is bounded by claim_ttl + reveal_ttl');
  await passTime(t, until);
  await ok(victim, m, 'claim', { project_id: other.id, item_index: 0 });
  // The lapsed commitment leaves the item at the next claim, so others can fill it.
  const retaken = await ok(late, m, 'claim', { project_id: id, item_index: 0 });
  t.deepEqual(retaken.logs.filter((l) => l.includes('"claim_expired"')).length, 1);
  t.deepEqual(((await m.contract.view('get_item', { project_id: id, item_index: 0 })) as { claims: { tasker: string }[] }).claims.map((c) => c.tasker), [late.accountId]);
});

test('attack 7: function-call keys cannot move value — review, resolve_dispute and every other value-moving method need exactly 1 yoctoNEAR', async (t) => {
  const m = await deployMarket(t, 2);
  const [t1, t2] = m.taskers;
  const { id } = await nearProject(t, m, 2);
  const [r1, r2] = [await claimAndCommit(m, t1, id, 0, A), await claimAndCommit(m, t2, id, 0, B)];
  await ok(t1, m, 'reveal', r1);
  await ok(t2, m, 'reveal', r2);
  // The vendor's, the arbiter's and the owner's dapps hold function-call keys for the market.
  const [vendorKey, arbiterKey, ownerKey] = await Promise.all([m.vendor, m.arbiter, m.owner].map((a) => functionCallKey(m, a)));
  const guard = 'Guard: requires an attached deposit of exactly 1 yoctoNEAR';
  const withKey = (key: typeof vendorKey) => ({ key, deposit: 0n });
  await refused(t, m, m.vendor, 'review', { project_id: id, item_index: 0, result: A }, guard, withKey(vendorKey));
  await refused(t, m, m.vendor, 'add_items', { project_id: id, items: items(2, [sha256('x')]) }, guard, withKey(vendorKey));
  await refused(t, m, m.vendor, 'qualify_tasker', { project_id: id, account_id: t1.accountId }, guard, withKey(vendorKey));
  await refused(t, m, m.vendor, 'reclaim', { project_id: id }, guard, withKey(vendorKey));
  await refused(t, m, m.arbiter, 'resolve_dispute', { project_id: id, item_index: 0, uphold: true, result: A }, guard, withKey(arbiterKey));
  await refused(t, m, m.owner, 'set_limits', { limits: MINUTE_LIMITS }, guard, withKey(ownerKey));
  await refused(t, m, m.owner, 'grant_role', { role: 'pauser', account_id: m.owner.accountId }, guard, withKey(ownerKey));
  // A function-call key cannot attach the yocto at all: nearcore refuses the transaction.
  const before = await fingerprint(m);
  const attached = await t.throwsAsync(m.vendor.callRaw(m.contract, 'review', { project_id: id, item_index: 0, result: A }, { attachedDeposit: 1n, gas: 100n * TGAS, signWithKey: vendorKey }));
  t.is((attached as Error & { type?: string }).type, 'DepositWithFunctionCall');
  t.is(await fingerprint(m), before);
  // With its full-access key (a wallet confirmation) the vendor reviews.
  await ok(m.vendor, m, 'review', { project_id: id, item_index: 0, result: A }, 1n);
  t.is(await earnings(m, t1), NEAR / 10n);
});

test('attack 9: anyone can call init first — only the contract account initialises; deploy and init in two transactions still works', async (t) => {
  const contract = await createAccount(t, 'market', 40n * NEAR);
  const attacker = await createAccount(t, 'attacker');
  await contract.deploy(readFileSync(contractWasm('task-marketplace')));
  const first = await attacker.callRaw(contract, 'init', { owner_id: attacker.accountId }, { gas: 100n * TGAS });
  t.true(first.failed);
  t.true(first.receiptFailureMessages.some((m) => m.includes('Guard: init must be called by the contract account itself')), JSON.stringify(first.receiptFailureMessages));
  t.deepEqual(await contract.viewStateRaw(), [], 'nothing was initialised');
  const owner = await createAccount(t, 'owner');
  await contract.call(contract, 'init', { owner_id: owner.accountId }, { gas: 100n * TGAS });
  const state = await contract.viewStateRaw();
  t.is(state.find((r) => Buffer.from(r.key, 'base64').toString() === '__ownable:owner')?.value !== undefined, true);
  t.is(Buffer.from(state.find((r) => Buffer.from(r.key, 'base64').toString() === '__ownable:owner')!.value, 'base64').toString(), owner.accountId);
  const again = await attacker.callRaw(contract, 'init', { owner_id: attacker.accountId }, { gas: 100n * TGAS });
  t.true(again.failed);
});

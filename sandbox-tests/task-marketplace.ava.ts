/**
 * The task-marketplace contract through near-workspaces' public API (issue 7). One node for the
 * file. The two life-cycle tests (NEAR and stablecoin) are serial because they move chain time
 * with fastForward (at least 1 s per height, 1.3 s as on neard); ava runs serial tests before the concurrent ones,
 * whose projects use day-long periods so that time moving cannot affect them. Every refused call
 * is checked for its exact panic message and for leaving the contract's visible state unchanged.
 */
import anyTest, { type TestFn } from 'ava';
import { events, panics, settled } from './helpers/accounts.js';
import {
  DAY, MINUTE_LIMITS, NEAR, SECOND, TGAS, assertConserved, commitment, deployMarket, deployToken, earnings, fingerprint, items, nearProject, now, ok, passTime,
  projectArgs, refused, registerWithToken, seal, sha256, type Context, withWorker, type ProjectTerms, type T,
} from './helpers/market.js';

const test = anyTest as TestFn<Context>;

withWorker(test);

/**
 * The whole life cycle with four taskers, two reviewers (appointed reviewer, vendor) and an arbiter: funding, an expired claim
 * freeing its slot, a late submission, commit and reveal, consensus, disagreement resolved by the
 * reviewer, a gold item suspending the tasker who failed it, a dispute upheld, withdrawals
 * (with a failing token transfer restored by the callback) and the vendor's reclaim.
 */
async function lifeCycle(t: T, denomination: 'NEAR' | 'token'): Promise<void> {
  const tok = denomination === 'token' ? await deployToken(t) : undefined;
  const m = await deployMarket(t, 4, { token: tok?.token });
  const [t1, t2, t3, t4] = m.taskers;
  const reward = denomination === 'NEAR' ? NEAR / 10n : 1_000_000n;
  const reviewerReward = reward / 2n;
  const perItem = 3n * reward + reviewerReward;
  const start = await now(t);
  const terms: ProjectTerms = {
    reward, reviewerReward, redundancy: 3, consensus: 2,
    claimTtl: 100n * SECOND, revealTtl: 1000n * SECOND, disputeTtl: 600n * SECOND, deadline: start + 1500n * SECOND,
    // One wrong gold answer out of one puts a tasker below 100 % and suspends them.
    extra: { min_gold_answers: 1, min_gold_accuracy_bps: 10_000 },
  };
  const created = await ok(m.vendor, m, 'create_project', projectArgs(m, terms));
  t.deepEqual(events(created.logs).map((e) => e.event), ['project_created']);

  // Posting and funding: 5 items need 5 × (3 rewards + reviewer reward).
  const funding = 5n * perItem;
  let funded;
  if (tok) {
    await registerWithToken(tok.token, [m.contract, m.vendor, m.reviewer, ...m.taskers]);
    await tok.tokenOwner.call(tok.token, 'mint', { account_id: m.vendor.accountId, amount: funding.toString() }, { attachedDeposit: 1n, gas: 50n * TGAS });
    funded = await m.vendor.callRaw(tok.token, 'ft_transfer_call', { receiver_id: m.contract.accountId, amount: funding.toString(), msg: JSON.stringify({ fund_project: 0 }) }, { attachedDeposit: 1n, gas: 150n * TGAS });
    t.true(funded.succeeded);
    t.is(await tok.token.view('ft_balance_of', { account_id: m.contract.accountId }), funding.toString());
  } else {
    funded = await ok(m.vendor, m, 'fund_project', { project_id: 0 }, funding);
  }
  t.deepEqual(events(funded.logs).filter((e) => e.standard === 'task_marketplace').map((e) => e.data[0]), [{ project_id: 0, funder: m.vendor.accountId, token: m.tokenId, amount: funding.toString() }]);
  const goldAnswer = sha256('label: positive');
  const seals = [sha256('plain-0'), sha256('plain-1'), seal(goldAnswer, 'gold-salt'), sha256('plain-3'), sha256('plain-4')];
  await refused(t, m, m.vendor, 'add_items', { project_id: 0, items: items(0, [...seals, sha256('one too many')]) }, `TaskMarketplace: insufficient budget: 6 items need ${6n * perItem}, unallocated is ${funding}`, 1n);
  t.is((await ok(m.vendor, m, 'add_items', { project_id: 0, items: items(0, seals) }, 1n)).parseResult(), 5);
  let project = (await m.contract.view('get_project', { project_id: 0 })) as Record<string, string | number>;
  t.is(project.unallocated, '0');
  t.is(project.reserved, funding.toString());
  await assertConserved(t, m, 1);
  // Frontend views: open projects, a page of items.
  t.deepEqual(((await m.contract.view('list_projects', { open_only: true })) as { id: number }[]).map((p) => p.id), [0]);
  t.deepEqual(((await m.contract.view('list_items', { project_id: 0, from_index: 3, limit: 2 })) as { index: number; status: string }[]).map((i) => [i.index, i.status]), [[3, 'open'], [4, 'open']]);

  // Claiming and expiry: t4's claim on item 3 lapses; the late commitment is refused; t1 takes the slot.
  const claimed = await ok(t4, m, 'claim', { project_id: 0, item_index: 3 });
  const expiresAt = BigInt((claimed.parseResult() as { expires_at_ns: string }).expires_at_ns);
  t.deepEqual((await m.contract.view('get_tasker', { account_id: t4.accountId }) as { active_claims: { item: string }[] }).active_claims.map((a) => a.item), ['0:3']);
  await passTime(t, expiresAt);
  await refused(t, m, t4, 'submit', { project_id: 0, item_index: 3, commitment: commitment(0, 3, t4, sha256('late'), 's') }, 'TaskMarketplace: claim has expired');
  const retaken = await ok(t1, m, 'claim', { project_id: 0, item_index: 3 });
  t.deepEqual(events(retaken.logs).map((e) => e.event), ['claim_expired', 'item_claimed']);
  t.deepEqual((await m.contract.view('get_tasker', { account_id: t4.accountId }) as { active_claims: unknown[] }).active_claims, []);
  await refused(t, m, t1, 'claim', { project_id: 0, item_index: 3 }, 'TaskMarketplace: tasker already claimed this item');

  /** Three taskers (default t1..t3) claim `index`, commit and reveal `answers`; returns the last reveal. */
  const annotate = async (index: number, answers: string[], workers = [t1, t2, t3]) => {
    for (const tasker of workers) await ok(tasker, m, 'claim', { project_id: 0, item_index: index });
    await refused(t, m, workers[0], 'reveal', { project_id: 0, item_index: index, result: answers[0], salt: 'salt-0' }, 'TaskMarketplace: item is open, reveals need all commitments first');
    for (const [i, tasker] of workers.entries()) await ok(tasker, m, 'submit', { project_id: 0, item_index: index, commitment: commitment(0, index, tasker, answers[i], `salt-${i}`) });
    // A reveal that does not open the commitment is refused.
    await refused(t, m, workers[0], 'reveal', { project_id: 0, item_index: index, result: answers[0], salt: 'wrong salt' }, 'TaskMarketplace: reveal does not match the commitment');
    let last;
    for (const [i, tasker] of workers.entries()) last = await ok(tasker, m, 'reveal', { project_id: 0, item_index: index, result: answers[i], salt: `salt-${i}` });
    return last!;
  };

  // Consensus: 2 of 3 agree on A; t1 and t2 are paid, t3's reward is held for a dispute.
  const [A, B] = [sha256('label: A'), sha256('label: B')];
  const agreed = await annotate(0, [A, A, B]);
  t.is(agreed.parseResult(), 'accepted');
  t.deepEqual(events(agreed.logs).filter((e) => e.event === 'earnings_credited').map((e) => e.data[0].account_id), [t1.accountId, t2.accountId]);
  t.is(await earnings(m, t1), reward);
  t.is(await earnings(m, t3), 0n);
  const item0 = (await m.contract.view('get_item', { project_id: 0, item_index: 0 })) as { status: string; accepted_result: string; reserve: string };
  t.deepEqual([item0.status, item0.accepted_result, item0.reserve], ['accepted', A, reward.toString()]);
  await refused(t, m, t1, 'dispute', { project_id: 0, item_index: 0 }, 'TaskMarketplace: only an unpaid revealed result can be disputed');

  // A dispute: t3 disputes; only the arbiter may resolve; upheld, t3 is paid once from the hold.
  await ok(t3, m, 'dispute', { project_id: 0, item_index: 0 });
  await refused(t, m, m.vendor, 'resolve_dispute', { project_id: 0, item_index: 0, uphold: true, result: B }, 'AccessControl: caller lacks role arbiter', 1n);
  const resolved = await ok(m.arbiter, m, 'resolve_dispute', { project_id: 0, item_index: 0, uphold: true, result: B }, 1n);
  t.deepEqual(events(resolved.logs).map((e) => e.event), ['earnings_credited', 'item_final', 'dispute_resolved']);
  t.is(await earnings(m, t3), reward);
  await refused(t, m, m.arbiter, 'resolve_dispute', { project_id: 0, item_index: 0, uphold: true, result: B }, 'TaskMarketplace: item is final, not disputed', 1n);
  await refused(t, m, t3, 'dispute', { project_id: 0, item_index: 0 }, 'TaskMarketplace: item is final; only accepted items can be disputed');

  // Disagreement goes to review; the appointed reviewer picks t2's result and earns the reviewer reward.
  const toReview = await annotate(1, [sha256('x'), sha256('y'), sha256('z')]);
  t.is(toReview.parseResult(), 'review');
  await refused(t, m, t1, 'review', { project_id: 0, item_index: 1, result: sha256('x') }, 'TaskMarketplace: caller is not a reviewer of this project', 1n);
  await ok(m.reviewer, m, 'review', { project_id: 0, item_index: 1, result: sha256('y') }, 1n);
  t.is(await earnings(m, m.reviewer), reviewerReward);
  t.is(await earnings(m, t2), 2n * reward);

  // Gold item: t3 answers wrongly; after the vendor opens the seal t3 is suspended.
  await annotate(2, [goldAnswer, goldAnswer, sha256('label: negative')]);
  await refused(t, m, m.vendor, 'reveal_gold', { project_id: 0, item_index: 2, expected: goldAnswer, salt: 'not the salt' }, 'TaskMarketplace: gold reveal does not match the seal');
  await ok(m.vendor, m, 'reveal_gold', { project_id: 0, item_index: 2, expected: goldAnswer, salt: 'gold-salt' });
  const stats = (await m.contract.view('list_taskers', {})) as { account_id: string; accepted: number; rejected: number; gold_correct: number; gold_wrong: number }[];
  t.deepEqual(stats.map((s) => [s.accepted, s.rejected, s.gold_correct, s.gold_wrong]), [[2, 1, 1, 0], [3, 0, 1, 0], [1, 2, 0, 1], [0, 0, 0, 0]]);
  await refused(t, m, t3, 'claim', { project_id: 0, item_index: 4 }, 'TaskMarketplace: tasker is suspended for low gold accuracy');
  await assertConserved(t, m, 1);

  // A second reviewer: the vendor reviews item 4 (t1, t2, t4 disagree) and picks t4's result.
  t.is((await annotate(4, [sha256('p'), sha256('q'), sha256('r')], [t1, t2, t4])).parseResult(), 'review');
  await ok(m.vendor, m, 'review', { project_id: 0, item_index: 4, result: sha256('r') }, 1n);
  await refused(t, m, m.reviewer, 'review', { project_id: 0, item_index: 4, result: sha256('r') }, 'TaskMarketplace: item is accepted, not in review', 1n);
  t.is(await earnings(m, t4), reward);
  t.is(await earnings(m, m.vendor), reviewerReward);

  // Withdrawals. With the token paused the transfer fails and the callback restores the earnings.
  const t1Earned = await earnings(m, t1);
  t.is(t1Earned, 2n * reward);
  if (tok) {
    await tok.tokenOwner.call(tok.token, 'pause', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
    const failed = await t1.callRaw(m.contract, 'withdraw', { token: m.tokenId }, { gas: 100n * TGAS });
    t.deepEqual(events(failed.logs).filter((e) => e.standard === 'task_marketplace').map((e) => e.event), ['withdraw_started', 'withdraw_failed']);
    t.is(await earnings(m, t1), t1Earned);
    t.is(await tok.token.view('ft_balance_of', { account_id: t1.accountId }), '0');
    await assertConserved(t, m, 1);
    await tok.tokenOwner.call(tok.token, 'unpause', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  }
  // Too little gas for the transfer and its callback: refused up front, nothing taken off.
  const state = await fingerprint(m);
  const starved = await t1.callRaw(m.contract, 'withdraw', { token: m.tokenId }, { gas: 30n * TGAS });
  t.true(panics(starved.receiptFailureMessages).includes('Smart contract panicked: TaskMarketplace: withdraw needs at least 60 Tgas of prepaid gas'));
  t.is(await fingerprint(m), state);
  // t1's balance is read once each call's gas refund ran (settled): near-workspaces answers before it.
  await settled(t.context.worker, starved);
  const before = await t1.availableBalance();
  const paid = await ok(t1, m, 'withdraw', { token: m.tokenId });
  await settled(t.context.worker, paid);
  t.deepEqual(events(paid.logs).filter((e) => e.standard === 'task_marketplace').map((e) => e.event), ['withdraw_started', 'withdraw_completed']);
  t.is(await earnings(m, t1), 0n);
  if (tok) t.is(await tok.token.view('ft_balance_of', { account_id: t1.accountId }), t1Earned.toString());
  else {
    const gained = (await t1.availableBalance()) - before;
    t.true(gained > t1Earned - NEAR / 20n && gained < t1Earned, `gained ${gained} for earnings ${t1Earned} minus gas`);
  }
  await refused(t, m, t1, 'withdraw', { token: m.tokenId }, 'TaskMarketplace: nothing to withdraw');
  t.is(BigInt(((await m.contract.view('get_ledger', { token: m.tokenId })) as { paid: string }).paid), t1Earned);

  // Budget reclaim after the deadline plus the dispute period: everything not credited returns.
  await refused(t, m, m.vendor, 'reclaim', { project_id: 0 }, 'TaskMarketplace: reclaim opens after the deadline plus the dispute period', 1n);
  await passTime(t, terms.deadline + terms.disputeTtl);
  await refused(t, m, t1, 'claim', { project_id: 0, item_index: 4 }, 'TaskMarketplace: project deadline has passed');
  await refused(t, m, t2, 'reclaim', { project_id: 0 }, 'TaskMarketplace: caller is not the project vendor', 1n);
  const credited = 7n * reward + 2n * reviewerReward; // t1 2, t2 3, t3 1 (dispute), t4 1; reviewer and vendor 1 review each
  const reclaimed = await ok(m.vendor, m, 'reclaim', { project_id: 0 }, 1n);
  t.is(reclaimed.parseResult(), (funding - credited).toString());
  project = (await m.contract.view('get_project', { project_id: 0 })) as Record<string, string | number>;
  t.deepEqual([project.unallocated, project.reserved, project.credited, project.closed], ['0', '0', credited.toString(), true]);
  const statuses = ((await m.contract.view('list_items', { project_id: 0 })) as { status: string }[]).map((i) => i.status);
  t.deepEqual(statuses, ['final', 'final', 'final', 'closed', 'final']);
  t.is(await earnings(m, m.vendor), funding - credited + reviewerReward);
  t.deepEqual(await m.contract.view('list_projects', { open_only: true }), []);
  await assertConserved(t, m, 1);
  // Once everyone withdraws, the escrow is empty: funded = paid.
  for (const a of [m.vendor, m.reviewer, t2, t3, t4]) await ok(a, m, 'withdraw', { token: m.tokenId });
  t.deepEqual(await m.contract.view('get_ledger', { token: m.tokenId }), { funded: funding.toString(), paid: funding.toString() });
  if (tok) t.is(await tok.token.view('ft_balance_of', { account_id: m.contract.accountId }), '0');
}

test.serial('life cycle in NEAR: funding, expiry, commit-reveal, consensus, review by two reviewers, gold, dispute, withdraw, reclaim', async (t) => {
  await lifeCycle(t, 'NEAR');
});

test.serial('life cycle in the stablecoin: funded by ft_transfer_call; a paused token fails a withdrawal, the callback restores it', async (t) => {
  await lifeCycle(t, 'token');
});

test.serial('reveal period: a late reveal is refused, finalize_item settles without it and rejects the non-revealer', async (t) => {
  const m = await deployMarket(t, 2);
  const [t1, t2] = m.taskers;
  const { id } = await nearProject(t, m, 1, { revealTtl: 100n * SECOND });
  const [r1, r2] = [sha256('one'), sha256('two')];
  await ok(t1, m, 'claim', { project_id: id, item_index: 0 });
  await ok(t2, m, 'claim', { project_id: id, item_index: 0 });
  await ok(t1, m, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, t1, r1, 'a') });
  await ok(t2, m, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, t2, r2, 'b') });
  await ok(t1, m, 'reveal', { project_id: id, item_index: 0, result: r1, salt: 'a' });
  await refused(t, m, t2, 'finalize_item', { project_id: id, item_index: 0 }, 'TaskMarketplace: reveal period has not ended');
  const { reveal_deadline_ns } = (await m.contract.view('get_item', { project_id: id, item_index: 0 })) as { reveal_deadline_ns: string };
  await passTime(t, BigInt(reveal_deadline_ns));
  await refused(t, m, t2, 'reveal', { project_id: id, item_index: 0, result: r2, salt: 'b' }, 'TaskMarketplace: reveal period has ended');
  // One revealed result of the two needed: no consensus, so the item goes to review.
  t.is((await ok(t1, m, 'finalize_item', { project_id: id, item_index: 0 })).parseResult(), 'review');
  await ok(m.vendor, m, 'review', { project_id: id, item_index: 0, result: r1 }, 1n);
  t.is(await earnings(m, t1), NEAR / 10n);
  const item = (await m.contract.view('get_item', { project_id: id, item_index: 0 })) as { status: string; reserve: string };
  // Nothing is held: the non-revealer cannot dispute, so its reward went back to the budget.
  t.deepEqual([item.status, item.reserve], ['accepted', '0']);
  await refused(t, m, t2, 'dispute', { project_id: id, item_index: 0 }, 'TaskMarketplace: only an unpaid revealed result can be disputed');
  const stats = (await m.contract.view('list_taskers', {})) as { accepted: number; rejected: number }[];
  t.deepEqual(stats.map((s) => [s.accepted, s.rejected]), [[1, 0], [0, 1]]);
  await assertConserved(t, m, 1);
});

test('malformed project arguments are refused with what to fix; nothing is created', async (t) => {
  const m = await deployMarket(t, 1);
  const terms: ProjectTerms = { reward: NEAR / 10n, reviewerReward: 0n, redundancy: 3, consensus: 2, claimTtl: DAY, revealTtl: DAY, disputeTtl: DAY, deadline: (await now(t)) + 10n * DAY };
  const good = projectArgs(m, terms);
  const cases: [Record<string, unknown>, string][] = [
    [{ redundancy: 0 }, 'TaskMarketplace: redundancy must be an integer from 1 to 10'],
    [{ redundancy: 2.5 }, 'TaskMarketplace: redundancy must be an integer from 1 to 10'],
    [{ consensus: 1 }, 'TaskMarketplace: consensus must be more than half of redundancy'],
    [{ consensus: 4 }, 'TaskMarketplace: consensus must be an integer from 1 to 3'],
    [{ reward_per_item: '1.5' }, 'Amount: reward_per_item must be a decimal string of an unsigned 128-bit integer, e.g. "1000000"'],
    [{ reward_per_item: 100 }, 'Amount: reward_per_item must be a decimal string of an unsigned 128-bit integer, e.g. "1000000"'],
    [{ reward_per_item: '0' }, 'Amount: reward_per_item must be greater than zero'],
    [{ instructions_hash: 'abc' }, 'TaskMarketplace: instructions_hash must be 64 lowercase hex characters (sha256)'],
    [{ title: '' }, 'TaskMarketplace: title must be a string of 1 to 512 characters'],
    [{ deadline_ns: '1000' }, `TaskMarketplace: deadline_ns must be from now + ${MINUTE_LIMITS.deadline.min_ns} to now + ${MINUTE_LIMITS.deadline.max_ns} nanoseconds (contract limits, see get_limits)`],
    [{ claim_ttl_ns: '-5' }, `TaskMarketplace: claim_ttl_ns must be from ${MINUTE_LIMITS.claim_ttl.min_ns} to ${MINUTE_LIMITS.claim_ttl.max_ns} nanoseconds (contract limits, see get_limits)`],
    [{ reveal_ttl_ns: '1' }, `TaskMarketplace: reveal_ttl_ns must be from ${MINUTE_LIMITS.reveal_ttl.min_ns} to ${MINUTE_LIMITS.reveal_ttl.max_ns} nanoseconds (contract limits, see get_limits)`],
    [{ token: 'Not A Token!' }, 'TaskMarketplace: token is not a valid account id'],
    [{ reviewers: ['ok.near', 'BAD'] }, 'TaskMarketplace: reviewer is not a valid account id'],
    [{ min_gold_accuracy_bps: 10_001 }, 'TaskMarketplace: min_gold_accuracy_bps must be an integer from 0 to 10000'],
  ];
  for (const [change, message] of cases) await refused(t, m, m.vendor, 'create_project', { ...good, ...change }, message);
  // Whoever creates state pays for it: without a storage balance there is no project.
  await refused(t, m, m.owner, 'create_project', good, 'StorageBalance: account has no storage balance; call storage_deposit first');
  t.is(await m.contract.view('get_project', { project_id: 0 }), null);
  // Views refuse malformed pages too.
  await t.throwsAsync(m.contract.view('list_taskers', { limit: 1000 }), { message: /TaskMarketplace: limit must be an integer from 1 to 100/ });
  await t.throwsAsync(m.contract.view('list_projects', { from_index: 'x' }), { message: /TaskMarketplace: from_index must be an integer from 0 to/ });
});

test('funding and items: wrong caller, wrong token, bad batches and insufficient budget change nothing', async (t) => {
  const tok = await deployToken(t);
  const m = await deployMarket(t, 1);
  const { id } = await nearProject(t, m, 1);
  const outsider = m.taskers[0];
  await refused(t, m, outsider, 'add_items', { project_id: id, items: items(1, [sha256('s')]) }, 'TaskMarketplace: caller is not the project vendor', 1n);
  await refused(t, m, m.vendor, 'add_items', { project_id: id, items: items(1, [sha256('s')]) }, `TaskMarketplace: insufficient budget: 1 items need ${2n * (NEAR / 10n)}, unallocated is 0`, 1n);
  await refused(t, m, m.vendor, 'add_items', { project_id: id, items: [] }, 'TaskMarketplace: items must be an array of 1 to 100', 1n);
  await refused(t, m, m.vendor, 'add_items', { project_id: id, items: [{ content: 'ipfs://x', seal: 'not-hex' }] }, 'TaskMarketplace: seal must be 64 lowercase hex characters (sha256)', 1n);
  await refused(t, m, m.vendor, 'add_items', { project_id: 7, items: items(1, [sha256('s')]) }, 'TaskMarketplace: project 7 does not exist', 1n);
  await refused(t, m, m.vendor, 'add_items', { project_id: '0', items: items(1, [sha256('s')]) }, 'TaskMarketplace: project_id must be a non-negative integer', 1n);
  await refused(t, m, m.vendor, 'fund_project', { project_id: id }, 'TaskMarketplace: attach the NEAR to fund the project');
  // A token project cannot take NEAR; a token transfer for a NEAR project is refunded by the token.
  const tokenProject = (await ok(m.vendor, m, 'create_project', { ...projectArgs(m, { reward: 10n, reviewerReward: 0n, redundancy: 1, consensus: 1, claimTtl: DAY, revealTtl: DAY, disputeTtl: DAY, deadline: (await now(t)) + DAY }), token: tok.token.accountId })).parseResult() as { id: number };
  await refused(t, m, m.vendor, 'fund_project', { project_id: tokenProject.id }, 'TaskMarketplace: project is funded in a token; use ft_transfer_call', NEAR);
  await registerWithToken(tok.token, [m.contract, m.vendor]);
  await tok.tokenOwner.call(tok.token, 'mint', { account_id: m.vendor.accountId, amount: '1000' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  m.token = tok.token;
  for (const [msg, message] of [
    [JSON.stringify({ fund_project: id }), 'TaskMarketplace: token does not match the project token'],
    ['fund it', 'TaskMarketplace: msg must be JSON {"fund_project": <project id>}'],
  ]) {
    const before = await fingerprint(m);
    const r = await m.vendor.callRaw(tok.token, 'ft_transfer_call', { receiver_id: m.contract.accountId, amount: '1000', msg }, { attachedDeposit: 1n, gas: 150n * TGAS });
    t.true(panics(r.receiptFailureMessages).includes(`Smart contract panicked: ${message}`), JSON.stringify(r.receiptFailureMessages));
    t.is(await fingerprint(m), before, 'the refused funding was refunded and changed nothing');
  }
  t.is(await tok.token.view('ft_balance_of', { account_id: m.vendor.accountId }), '1000');
  // ft_on_transfer called directly by an account that is not the project's token.
  await refused(t, m, m.vendor, 'ft_on_transfer', { sender_id: m.vendor.accountId, amount: '5', msg: JSON.stringify({ fund_project: tokenProject.id }) }, 'TaskMarketplace: token does not match the project token');
});

test('tasker paths: registration, qualification, double claim, full item, wrong caller, reveal rules, release', async (t) => {
  const m = await deployMarket(t, 3);
  const [t1, t2, t3] = m.taskers;
  await refused(t, m, t1, 'register_tasker', {}, 'TaskMarketplace: tasker already registered');
  await refused(t, m, m.reviewer, 'claim', { project_id: 0, item_index: 0 }, 'TaskMarketplace: tasker not registered');
  await refused(t, m, m.owner, 'register_tasker', {}, 'StorageBalance: account has no storage balance; call storage_deposit first');
  const { id } = await nearProject(t, m, 2);
  await refused(t, m, t1, 'claim', { project_id: id, item_index: 2 }, 'TaskMarketplace: item 2 does not exist');
  await refused(t, m, t1, 'claim', { project_id: id, item_index: -1 }, 'TaskMarketplace: item_index must be a non-negative integer');
  await ok(t1, m, 'claim', { project_id: id, item_index: 0 });
  await refused(t, m, t1, 'claim', { project_id: id, item_index: 0 }, 'TaskMarketplace: tasker already claimed this item');
  await ok(t2, m, 'claim', { project_id: id, item_index: 0 });
  await refused(t, m, t3, 'claim', { project_id: id, item_index: 0 }, 'TaskMarketplace: all slots of this item are taken');
  await refused(t, m, t3, 'submit', { project_id: id, item_index: 0, commitment: sha256('c') }, 'TaskMarketplace: caller has no claim on this item');
  await refused(t, m, t1, 'submit', { project_id: id, item_index: 0, commitment: 'ABC' }, 'TaskMarketplace: commitment must be 64 lowercase hex characters (sha256)');
  // Releasing a claim frees the slot for someone else.
  await ok(t2, m, 'release_claim', { project_id: id, item_index: 0 });
  await ok(t3, m, 'claim', { project_id: id, item_index: 0 });
  const r = sha256('result');
  await ok(t1, m, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, t1, r, 'a') });
  await refused(t, m, t1, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, t1, r, 'a') }, 'TaskMarketplace: commitment already submitted');
  await refused(t, m, t1, 'release_claim', { project_id: id, item_index: 0 }, 'TaskMarketplace: a committed claim cannot be released');
  await ok(t3, m, 'submit', { project_id: id, item_index: 0, commitment: commitment(id, 0, t3, r, 'b') });
  await refused(t, m, t1, 'reveal', { project_id: id, item_index: 0, result: r, salt: '' }, 'TaskMarketplace: salt must be a string of 1 to 512 characters');
  await refused(t, m, t1, 'reveal', { project_id: id, item_index: 0, result: 'plain text', salt: 'a' }, 'TaskMarketplace: result must be 64 lowercase hex characters (sha256)');
  await refused(t, m, t1, 'reveal', { project_id: id, item_index: 0, result: r, salt: 'b' }, 'TaskMarketplace: reveal does not match the commitment');
  await ok(t1, m, 'reveal', { project_id: id, item_index: 0, result: r, salt: 'a' });
  await refused(t, m, t1, 'reveal', { project_id: id, item_index: 0, result: r, salt: 'a' }, 'TaskMarketplace: result already revealed');
  await refused(t, m, t1, 'finalize_item', { project_id: id, item_index: 0 }, 'TaskMarketplace: reveal period has not ended');
  await refused(t, m, m.vendor, 'review', { project_id: id, item_index: 0, result: r }, 'TaskMarketplace: item is revealing, not in review', 1n);
  await refused(t, m, m.vendor, 'reveal_gold', { project_id: id, item_index: 0, expected: r, salt: 'x' }, 'TaskMarketplace: gold answers are revealed after the item is settled');
  await ok(t3, m, 'reveal', { project_id: id, item_index: 0, result: r, salt: 'b' });
  t.is(await earnings(m, t3), NEAR / 10n);
  await refused(t, m, t3, 'dispute', { project_id: id, item_index: 0 }, 'TaskMarketplace: only an unpaid revealed result can be disputed');
  await refused(t, m, t2, 'dispute', { project_id: id, item_index: 0 }, 'TaskMarketplace: caller has no claim on this item');
  await refused(t, m, t1, 'finalize_item', { project_id: id, item_index: 0 }, 'TaskMarketplace: dispute period has not ended');

  // Qualification: a project that requires it admits only taskers the vendor qualified.
  const q = await nearProject(t, m, 1, { extra: { qualification_required: true } });
  await refused(t, m, t1, 'claim', { project_id: q.id, item_index: 0 }, 'TaskMarketplace: tasker is not qualified for this project');
  await refused(t, m, t1, 'qualify_tasker', { project_id: q.id, account_id: t1.accountId }, 'TaskMarketplace: caller is not the project vendor', 1n);
  await refused(t, m, m.vendor, 'qualify_tasker', { project_id: q.id, account_id: m.reviewer.accountId }, 'TaskMarketplace: tasker not registered', 1n);
  await ok(m.vendor, m, 'qualify_tasker', { project_id: q.id, account_id: t1.accountId }, 1n);
  const claim = await ok(t1, m, 'claim', { project_id: q.id, item_index: 0 });
  t.is((claim.parseResult() as { tasker: string }).tasker, t1.accountId);
  await assertConserved(t, m, 2);
});

test('owner, pauser and private methods: wrong callers and missing 1 yocto are refused; pause stops work until unpaused', async (t) => {
  const m = await deployMarket(t, 1);
  const [t1] = m.taskers;
  const { id } = await nearProject(t, m, 1);
  await refused(t, m, m.vendor, 'grant_role', { role: 'pauser', account_id: m.vendor.accountId }, 'Ownable: caller is not the owner', 1n);
  await refused(t, m, m.owner, 'grant_role', { role: 'pauser', account_id: m.owner.accountId }, 'Guard: requires an attached deposit of exactly 1 yoctoNEAR');
  await refused(t, m, m.owner, 'grant_role', { role: 'king', account_id: m.owner.accountId }, 'TaskMarketplace: unknown role king; roles are arbiter, pauser', 1n);
  await refused(t, m, m.owner, 'pause', {}, 'AccessControl: caller lacks role pauser', 1n);
  await refused(t, m, t1, 'on_withdraw', { account_id: t1.accountId, token: 'NEAR', amount: '1' }, 'Function is private');
  await refused(t, m, t1, 'init', { owner_id: t1.accountId }, 'Contract already initialized');
  await refused(t, m, m.vendor, 'reclaim', { project_id: id }, 'TaskMarketplace: reclaim opens after the deadline plus the dispute period', 1n);
  await refused(t, m, t1, 'storage_withdraw', { amount: '1' }, 'Guard: requires an attached deposit of exactly 1 yoctoNEAR');
  await refused(t, m, t1, 'storage_withdraw', { amount: (10n * NEAR).toString() }, `StorageBalance: withdrawal exceeds the available balance ${await m.contract.view('storage_balance_of', { account_id: t1.accountId }).then((b) => (b as { total: string }).total)}`, 1n);
  await ok(m.owner, m, 'grant_role', { role: 'pauser', account_id: m.owner.accountId }, 1n);
  await ok(m.owner, m, 'pause', {}, 1n);
  await refused(t, m, t1, 'claim', { project_id: id, item_index: 0 }, 'Pausable: paused');
  await refused(t, m, m.vendor, 'fund_project', { project_id: id }, 'Pausable: paused', NEAR);
  await ok(m.owner, m, 'unpause', {}, 1n);
  await ok(t1, m, 'claim', { project_id: id, item_index: 0 });
});

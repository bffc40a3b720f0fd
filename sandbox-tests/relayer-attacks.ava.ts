/**
 * Issue 13's relayer attacks, run through the node over HTTP: each test performs the attack that
 * succeeded before and asserts the refusal and that the relayer paid nothing for it (or no more
 * than its allowance).
 *   10. Paying for calls that fail: Sybil senders relay `claim` with nothing to claim.
 *   11. The same delegate submitted several times: concurrent posts of one signed delegate.
 */
import anyTest, { type TestFn } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStore } from '../packages/relayer/src/index.js';
import { budgetsFor } from '../packages/relayer/src/allowance.js';
import { decodeSignedDelegate } from '../packages/relayer/src/delegate.js';
import { deployPayout, NEAR, TGAS } from './helpers/payout.js';
import { claimantOfPool, countingRpcProxy, gaslessUser, headHeight, nearBalance, relay, settledRelays, signClaim, startingBalance, startRelayer, useRelayerWorker, type RelayerContext } from './helpers/relayer.js';

const test = anyTest as TestFn<RelayerContext>;
const MILLI_NEAR = NEAR / 1000n;

useRelayerWorker(test);

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The payout contract's own view says whether a claim can succeed: something claimable in that pool. */
const claimPreCheck = (payoutId: string) => ({
  [payoutId]: { claim: { view: 'claimable_of', args: { account_id: '$sender', pool_ids: ['$args.pool_id'] } } },
});

test('attack 10 "paying for calls that fail": Sybil claims with nothing to claim are refused by the claimable_of pre-check and cost the relayer nothing', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  await f.fundTokens(poolId, 1_000n);
  const honest = await gaslessUser(t, f, 'honest');
  const sybils = [await gaslessUser(t, f, 'sybila'), await gaslessUser(t, f, 'sybilb')];
  await f.allocate(poolId, [[honest.accountId, 700n]]);
  const { relayerAccount, server } = await startRelayer(t, f, { policy: { preChecks: claimPreCheck(f.payout.accountId) } });
  const before = await startingBalance(t, relayerAccount);

  for (const sybil of sybils) {
    for (const pool of [poolId, poolId + 7]) {
      const refused = await relay(server.url, { signed_delegate_action: await signClaim(sybil, f, pool) });
      t.is(refused.status, 403, JSON.stringify(refused.body));
      t.is(refused.body.error.code, 'PRECHECK_REFUSED');
      t.regex(refused.body.error.message, /claim on .* would fail: its pre-check claimable_of\(.*\) answered \[\]/);
    }
  }
  t.is(await nearBalance(t, relayerAccount.accountId), before, 'the relayer paid for none of the Sybil claims');

  const relayed = await relay(server.url, { signed_delegate_action: await signClaim(honest, f, poolId) });
  t.is(relayed.status, 200, JSON.stringify(relayed.body));
  t.true(relayed.body.succeeded, 'the pre-check lets a claim with something to claim through');
  t.is(await f.tokenBalance(honest.accountId), 700n);
});

test('attack 10 "paying for calls that fail": a sender\'s allowance bounds what its failing calls cost the relayer, also after a restart', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  const sybil = await gaslessUser(t, f, 'sybil');
  const other = await gaslessUser(t, f, 'other');
  const dir = tempDir(t);
  const allowance = { perSender: 6n * MILLI_NEAR, periodMs: 3_600_000 };
  let store = await localStore(dir);
  let relayer = await startRelayer(t, f, { policy: { allowance }, store });
  const { relayerAccount } = relayer;
  const before = await startingBalance(t, relayerAccount);

  // No pre-check: every claim is relayed and fails on chain ("nothing claimable") until the allowance refuses.
  const statuses: number[] = [];
  const relayedHashes: string[] = [];
  let refusal: Record<string, any> | undefined;
  for (let i = 0; i < 20 && refusal === undefined; i++) {
    const response = await relay(relayer.server.url, { signed_delegate_action: await signClaim(sybil, f, poolId, { gas: 30n * TGAS }) });
    statuses.push(response.status);
    if (response.status === 200) {
      t.false(response.body.succeeded, 'the claim fails on chain: nothing claimable');
      relayedHashes.push(response.body.transaction_hash);
    } else refusal = response.body;
  }
  t.is(refusal?.error.code, 'ALLOWANCE_EXCEEDED', JSON.stringify(refusal));
  t.regex(refusal!.error.message, new RegExp(`${sybil.accountId}'s allowance is ${allowance.perSender} yoctoNEAR per period; \\d+ is spent and this delegate may cost up to \\d+; retry after`));
  t.true(statuses.filter((s) => s === 200).length >= 2, `several failing claims were relayed before the allowance ran out: ${statuses}`);
  await settledRelays(t, relayerAccount.accountId, relayedHashes);
  const paid = before - (await nearBalance(t, relayerAccount.accountId));
  t.true(paid > 0n && paid <= allowance.perSender, `the relayer paid ${paid}, at most the allowance ${allowance.perSender}`);
  const [senderBudget] = budgetsFor(decodeSignedDelegate(await signClaim(sybil, f, poolId)), allowance, Date.now());
  t.is(await store.spent(senderBudget, Date.now()), paid, 'the allowance is charged exactly what the relayer paid (tokens burnt)');

  // Restart the relayer on the same store: the sender's spending is remembered.
  await relayer.close();
  await store.close();
  store = await localStore(dir);
  t.teardown(() => store.close());
  relayer = await startRelayer(t, f, { policy: { allowance }, store, relayerAccount });
  const afterRestart = await relay(relayer.server.url, { signed_delegate_action: await signClaim(sybil, f, poolId, { gas: 30n * TGAS }) });
  t.is(afterRestart.status, 429);
  t.is(afterRestart.body.error.code, 'ALLOWANCE_EXCEEDED');
  t.is(before - (await nearBalance(t, relayerAccount.accountId)), paid, 'nothing more was paid after the restart');

  // Another sender has its own allowance.
  const others = await relay(relayer.server.url, { signed_delegate_action: await signClaim(other, f, poolId, { gas: 30n * TGAS }) });
  t.is(others.status, 200, JSON.stringify(others.body));
});

test('attack 10 "paying for calls that fail": Sybil senders together cannot spend more than the receiver\'s budget', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  const sybils = [await gaslessUser(t, f, 'sybila'), await gaslessUser(t, f, 'sybilb'), await gaslessUser(t, f, 'sybilc')];
  const allowance = { perSender: NEAR, perReceiver: 9n * MILLI_NEAR };
  const { relayerAccount, server } = await startRelayer(t, f, { policy: { allowance } });
  const before = await startingBalance(t, relayerAccount);
  const codes: string[] = [];
  const relayedHashes: string[] = [];
  for (let round = 0; round < 6; round++) {
    for (const sybil of sybils) {
      const response = await relay(server.url, { signed_delegate_action: await signClaim(sybil, f, poolId, { gas: 30n * TGAS }) });
      codes.push(response.status === 200 ? 'relayed' : response.body.error.code);
      if (response.status === 200) relayedHashes.push(response.body.transaction_hash);
    }
  }
  t.true(codes.includes('relayed'), codes.join());
  t.is(codes.at(-1), 'ALLOWANCE_EXCEEDED', codes.join());
  t.regex(JSON.stringify(codes), /ALLOWANCE_EXCEEDED/);
  await settledRelays(t, relayerAccount.accountId, relayedHashes);
  const paid = before - (await nearBalance(t, relayerAccount.accountId));
  t.true(paid <= allowance.perReceiver, `all senders together cost ${paid}, at most the receiver's budget ${allowance.perReceiver}`);
});

test('attack 10 "paying for calls that fail": a delegate whose max_block_height is about to pass is refused before sending', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'late', 10n, 1_000n);
  const proxy = await countingRpcProxy(t);
  // A wide margin: the other tests make blocks on the same node meanwhile.
  const { relayerAccount, server } = await startRelayer(t, f, { rpcUrl: proxy.url, policy: { minBlocksLeft: 200 } });
  const before = await startingBalance(t, relayerAccount);
  const startSubmissions = proxy.submissions(); // the relayer added its pool key at start

  // Signed with a ttl of 100 blocks: max_block_height is about head + 100, inside the relayer's 200-block margin.
  const late = await signClaim(user, f, poolId, { blockHeightTtl: 100 });
  t.true(decodeSignedDelegate(late).maxBlockHeight >= (await headHeight(t)), 'not expired yet');
  const refused = await relay(server.url, { signed_delegate_action: late });
  t.is(refused.status, 400);
  t.is(refused.body.error.code, 'DELEGATE_EXPIRED');
  t.regex(refused.body.error.message, /expires within 200 blocks, at block \d+ \(head is \d+\); sign a new one with a later max_block_height/);
  t.is(proxy.submissions(), startSubmissions, 'nothing was sent to the node');
  t.is(await nearBalance(t, relayerAccount.accountId), before);

  // Signed again with room to land: relayed.
  const relayed = await relay(server.url, { signed_delegate_action: await signClaim(user, f, poolId, { blockHeightTtl: 400 }) });
  t.is(relayed.status, 200, JSON.stringify(relayed.body));
  t.true(relayed.body.succeeded);
});

test('attack 11 "the same delegate submitted several times": concurrent posts of one delegate give one submission and 409s that never touch the chain, also after a restart', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'twice', 10n, 1_000n);
  const proxy = await countingRpcProxy(t);
  const dir = tempDir(t);
  let store = await localStore(dir);
  let relayer = await startRelayer(t, f, { rpcUrl: proxy.url, store });
  const { relayerAccount } = relayer;
  const startSubmissions = proxy.submissions(); // the relayer added its pool key at start

  const delegate = await signClaim(user, f, poolId);
  const responses = await Promise.all(Array.from({ length: 5 }, () => relay(relayer.server.url, { signed_delegate_action: delegate })));
  const statuses = responses.map((r) => r.status).sort();
  t.deepEqual(statuses, [200, 409, 409, 409, 409], JSON.stringify(responses.map((r) => r.body.error ?? r.body.succeeded)));
  for (const duplicate of responses.filter((r) => r.status === 409)) {
    t.is(duplicate.body.error.code, 'DUPLICATE_DELEGATE');
    t.regex(duplicate.body.error.message, new RegExp(`\\(${user.accountId}, key ed25519:\\w+, nonce \\d+\\) was already posted to this relayer`));
  }
  t.is(proxy.submissions() - startSubmissions, 1, 'the node received one transaction');
  t.is(await f.tokenBalance(user.accountId), 10n);

  // A later duplicate, and one after a restart on the same store: refused without a single RPC call.
  let callsBefore = proxy.calls.length;
  const later = await relay(relayer.server.url, { signed_delegate_action: delegate });
  t.is(later.body.error?.code, 'DUPLICATE_DELEGATE');
  t.is(proxy.calls.length, callsBefore, 'a later duplicate made no JSON-RPC call');
  await relayer.close();
  await store.close();
  store = await localStore(dir);
  t.teardown(() => store.close());
  relayer = await startRelayer(t, f, { rpcUrl: proxy.url, store, relayerAccount });
  callsBefore = proxy.calls.length;
  const afterRestart = await relay(relayer.server.url, { signed_delegate_action: delegate });
  t.is(afterRestart.status, 409);
  t.is(afterRestart.body.error.code, 'DUPLICATE_DELEGATE');
  t.is(proxy.calls.length, callsBefore, 'a duplicate after the restart made no JSON-RPC call');
  t.is(proxy.submissions() - startSubmissions, 1);
});

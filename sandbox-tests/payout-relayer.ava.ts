/**
 * Gasless claims through the NEP-366 relayer (packages/relayer), end to end over HTTP against the
 * node near-workspaces starts: a user whose whole balance is its storage stake signs a
 * DelegateAction for `claim` with a function-call key (near-api-js); the relayer checks it and
 * submits it, paying the gas; the user ends with the stablecoin and exactly the same NEAR. The
 * relayer refuses policy violations with an HTTP status and a stable code, and pays for nothing it
 * refuses.
 */
import anyTest, { type TestFn } from 'ava';
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions, buildDelegateAction, encodeSignedDelegate, type KeyPairString } from 'near-api-js';
import { deployPayout, events, NEAR, TGAS } from './helpers/payout.js';
import { derivePoolKey } from '../packages/relayer/src/index.js';
import { claimantOfPool, BYTE_COST, countingRpcProxy, gaslessUser, nearBalance, relay, signClaim, startingBalance, startRelayer, useRelayerWorker, type RelayerContext } from './helpers/relayer.js';

const test = anyTest as TestFn<RelayerContext>;

useRelayerWorker(test);

test('a gasless claim: the user signs a DelegateAction with a function-call key, the relayer pays; the user gets the stablecoin and keeps exactly its NEAR', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'worker', 123_456n, 1_000_000n);
  const { relayerAccount, server } = await startRelayer(t, f);

  const userNear = await nearBalance(t, user.accountId);
  const view = await new JsonRpcProvider({ url: t.context.rpcUrl }).viewAccount({ accountId: user.accountId });
  t.is(userNear, BigInt(view.storage_usage) * BYTE_COST, 'the user holds only its storage stake');
  const relayerNear = await startingBalance(t, relayerAccount);
  t.is(await f.token.view('storage_balance_of', { account_id: user.accountId }), null, 'not registered with the token yet');

  const response = await relay(server.url, { signed_delegate_action: await signClaim(user, f, poolId) });
  t.is(response.status, 200, JSON.stringify(response.body));
  t.is(response.body.sender_id, user.accountId);
  t.is(response.body.receiver_id, f.payout.accountId);
  t.true(response.body.succeeded);
  t.deepEqual(response.body.status, { SuccessValue: Buffer.from('true').toString('base64') }, 'the claim chain ends in on_paid returning true');
  const logs = (response.body.outcome.receipts_outcome as { outcome: { logs: string[] } }[]).flatMap((r) => r.outcome.logs);
  t.deepEqual(events(logs).map((e) => e.event), ['payout_started', 'recipient_registered', 'payout_completed']);

  t.is(await f.tokenBalance(user.accountId), 123_456n);
  t.is(await nearBalance(t, user.accountId), userNear, 'the user paid nothing');
  t.true((await nearBalance(t, relayerAccount.accountId)) < relayerNear, 'the relayer paid the gas');
  t.is(await f.claimable(user.accountId, poolId), 0n);

  // The same signed delegate again: its nonce is used, so the relayer refuses before paying.
  const replay = await relay(server.url, { signed_delegate_action: await signClaim(user, f, poolId) });
  t.is(replay.status, 200, 'a fresh delegate with nothing left to claim is still relayed');
  t.false(replay.body.succeeded);
  t.regex(JSON.stringify(replay.body.status), /Payout: nothing claimable/);
});

test('the relayer refuses policy violations over HTTP with a status and a code, and pays for none of them', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'worker', 10n, 10_000n);
  const { relayerAccount, server } = await startRelayer(t, f, { policy: { allowed: { [f.payout.accountId]: ['claim', 'expire'] }, rateLimit: { count: 1, windowMs: 60_000 } } });
  const relayerNear = await startingBalance(t, relayerAccount);
  const provider = new JsonRpcProvider({ url: t.context.rpcUrl });

  const expectRefusal = async (body: unknown, status: number, code: string, raw = false) => {
    const response = await relay(server.url, body, raw);
    t.is(response.status, status, `${code}: ${JSON.stringify(response.body)}`);
    t.is(response.body.error?.code, code);
    t.true(typeof response.body.error?.message === 'string' && response.body.error.message.length > 10);
  };
  await expectRefusal('{not json', 400, 'INVALID_REQUEST', true);
  await expectRefusal({ signed_delegate_action: 'AAAA' }, 400, 'INVALID_DELEGATE');
  await expectRefusal({}, 400, 'INVALID_DELEGATE');
  await expectRefusal({ signed_delegate_action: await signClaim(user, f, poolId, { receiverId: f.token.accountId }) }, 403, 'RECEIVER_NOT_ALLOWED');
  await expectRefusal({ signed_delegate_action: await signClaim(user, f, poolId, { method: 'push' }) }, 403, 'METHOD_NOT_ALLOWED');
  await expectRefusal({ signed_delegate_action: await signClaim(user, f, poolId, { gas: 200n * TGAS }) }, 403, 'GAS_TOO_HIGH');
  await expectRefusal({ signed_delegate_action: await signClaim(user, f, poolId, { deposit: 1n }) }, 403, 'DEPOSIT_NOT_ALLOWED');
  // Allowed by the policy, but the user's function-call key may only call claim (nearcore would reject it in the Delegate receipt, at the relayer's cost).
  await expectRefusal({ signed_delegate_action: await signClaim(user, f, poolId, { method: 'expire' }) }, 403, 'ACCESS_KEY_INVALID');

  // Hand-built delegates: a tampered signature, a key that is not the user's, an expired one.
  const block = await provider.viewBlock({ finality: 'optimistic' });
  const key = await provider.viewAccessKey({ accountId: user.accountId, publicKey: user.claimKey.getPublicKey().toString() });
  const handBuilt = async (keyPair: KeyPair, maxBlockHeight: bigint, tamper = false, nonce = BigInt(key.nonce) + 1n) => {
    const delegateAction = buildDelegateAction({
      senderId: user.accountId,
      receiverId: f.payout.accountId,
      actions: [actions.functionCall('claim', { pool_id: poolId }, 100n * TGAS, 0n)],
      nonce,
      maxBlockHeight,
      publicKey: keyPair.getPublicKey(),
    });
    const { signedDelegate } = await new KeyPairSigner(keyPair).signDelegateAction(delegateAction);
    const bytes = encodeSignedDelegate(signedDelegate);
    if (tamper) bytes[bytes.length - 1] ^= 1;
    return Buffer.from(bytes).toString('base64');
  };
  const height = BigInt(block.header.height);
  await expectRefusal({ signed_delegate_action: await handBuilt(user.claimKey, height + 100n, true) }, 400, 'BAD_SIGNATURE');
  await expectRefusal({ signed_delegate_action: await handBuilt(KeyPair.fromRandom('ed25519'), height + 100n) }, 403, 'ACCESS_KEY_INVALID');
  await expectRefusal({ signed_delegate_action: await handBuilt(user.claimKey, 1n) }, 400, 'DELEGATE_EXPIRED');
  await expectRefusal({ signed_delegate_action: await handBuilt(user.claimKey, height + 100n, false, BigInt(key.nonce)) }, 409, 'NONCE_USED');

  t.is(await nearBalance(t, relayerAccount.accountId), relayerNear, 'nothing refused was submitted');
  t.is(await f.claimable(user.accountId, poolId), 10n);

  // One relayed transaction per minute for this sender: the first goes through, the second is rate limited.
  const first = await signClaim(user, f, poolId, { gas: 150n * TGAS });
  const relayed = await relay(server.url, { signed_delegate_action: first });
  t.is(relayed.status, 200);
  t.true(relayed.body.succeeded);
  await expectRefusal({ signed_delegate_action: await signClaim(user, f, poolId) }, 429, 'RATE_LIMITED');
  // Replaying a relayed delegate: this relayer has taken it (checked before the rate limit).
  await expectRefusal({ signed_delegate_action: first }, 409, 'DUPLICATE_DELEGATE');
  t.is(await f.tokenBalance(user.accountId), 10n);
});

test('GET /metrics counts requests, acceptances, refusals by code, outcomes, NEAR spent and the pool key\'s nonce lag (Prometheus text)', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'metered', 5n, 100n);
  const { server } = await startRelayer(t, f);
  t.is((await relay(server.url, { signed_delegate_action: await signClaim(user, f, poolId) })).body.state, 'final');
  t.is((await relay(server.url, { signed_delegate_action: await signClaim(user, f, poolId, { method: 'push' }) })).body.error.code, 'METHOD_NOT_ALLOWED');
  const response = await fetch(`${server.url}/metrics`);
  t.regex(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  const value = (line: RegExp) => Number(new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text)?.[1]);
  t.is(value(/relayer_requests_total/), 2);
  t.is(value(/relayer_accepted_total/), 1);
  t.is(value(/relayer_refused_total\{code="METHOD_NOT_ALLOWED"\}/), 1);
  t.is(value(/relayer_outcomes_total\{state="final_succeeded"\}/), 1);
  t.true(value(/relayer_near_spent_total/) > 0.0001 && value(/relayer_near_spent_total/) < 0.1, text);
  t.is(value(/relayer_in_flight/), 0);
  t.is(value(/relayer_key_nonce_lag\{public_key="ed25519:\w+"\}/), 0, 'the key\'s transactions are all on chain');
});

test('GET /health names the relayer; other routes are 404', async (t) => {
  const f = await deployPayout(t);
  const { relayerAccount, server } = await startRelayer(t, f);
  const health = await fetch(`${server.url}/health`);
  t.deepEqual(await health.json(), { status: 'ok', relayer_id: relayerAccount.accountId, in_flight: 0 });
  const other = await fetch(`${server.url}/relay`, { method: 'GET' });
  t.is(other.status, 404);
  t.is(((await other.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
});

test('CORS: a web app on an allowed origin gets the CORS headers on the preflight and on every answer, refusals included; another origin gets none', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'webapp', 5n, 100n);
  const app = 'https://app.example.com';
  const { server } = await startRelayer(t, f, { corsOrigins: [app, 'http://localhost:5173'] });

  const preflight = (origin: string) =>
    fetch(`${server.url}/relay`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  const allowed = await preflight(app);
  t.is(allowed.status, 204);
  t.is(allowed.headers.get('access-control-allow-origin'), app);
  t.is(allowed.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  t.is(allowed.headers.get('access-control-allow-headers'), 'content-type');
  const other = await preflight('https://evil.example');
  t.is(other.status, 204);
  t.is(other.headers.get('access-control-allow-origin'), null, 'the browser refuses the call from another origin');
  t.is(other.headers.get('access-control-allow-methods'), null);

  // The app reads the relayer's answers: an acceptance, its status, and a refusal's reason.
  const post = (body: unknown, origin: string) => fetch(`${server.url}/relay`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const accepted = await post({ signed_delegate_action: await signClaim(user, f, poolId) }, app);
  t.is(accepted.status, 202);
  t.is(accepted.headers.get('access-control-allow-origin'), app);
  t.is(accepted.headers.get('vary'), 'Origin');
  const { status_url } = (await accepted.json()) as { status_url: string };
  const final = await fetch(`${server.url}${status_url}?wait=final`, { headers: { origin: app } });
  t.is(final.headers.get('access-control-allow-origin'), app);
  t.like(await final.json(), { state: 'final', succeeded: true });
  const refused = await post({ signed_delegate_action: 'AAAA' }, app);
  t.is(refused.status, 400);
  t.is(refused.headers.get('access-control-allow-origin'), app);
  const fromOther = await post({ signed_delegate_action: 'AAAA' }, 'https://evil.example');
  t.is(fromOther.headers.get('access-control-allow-origin'), null);
  // Without an Origin (a server, curl), nothing changes.
  t.is((await fetch(`${server.url}/health`)).headers.get('access-control-allow-origin'), null);
});

test('CORS: with no allowed origins (the default) the relayer sends no CORS headers; "*" allows any origin', async (t) => {
  const f = await deployPayout(t);
  const closed = await startRelayer(t, f);
  const answer = await fetch(`${closed.server.url}/health`, { headers: { origin: 'https://app.example.com' } });
  t.is(answer.headers.get('access-control-allow-origin'), null);
  const open = await startRelayer(t, f, { corsOrigins: ['*'] });
  const any = await fetch(`${open.server.url}/relay`, { method: 'OPTIONS', headers: { origin: 'https://anything.example' } });
  t.is(any.status, 204);
  t.is(any.headers.get('access-control-allow-origin'), '*');
});

// NEAR docs, "Building a Meta Transaction Relayer" (high volume parallel processing): a key's later
// nonce that lands first makes its earlier transactions fail, so one key carries one transaction
// to a block at a time, and the pool's keys carry the rest.
test('one pool key sends in nonce order, each transaction once the previous one is in a block (send_tx wait_until INCLUDED): concurrent delegates of several senders are never signed again', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  const users = await Promise.all(Array.from({ length: 6 }, (_, i) => gaslessUser(t, f, `order${i}`)));
  const proxy = await countingRpcProxy(t);
  const { relayerAccount, server } = await startRelayer(t, f, { rpcUrl: proxy.url });
  const poolKey = derivePoolKey(relayerAccount.privateKey, 'main', 0).getPublicKey().toString();

  // Claims with nothing to claim: each fails on chain, what matters here is how they were sent.
  const delegates = await Promise.all(users.map((user) => signClaim(user, f, poolId)));
  const results = await Promise.all(delegates.map((delegate) => relay(server.url, { signed_delegate_action: delegate })));
  for (const result of results) {
    t.is(result.body.state, 'final', JSON.stringify(result.body));
    t.is(result.body.transaction_hash, result.accepted!.transaction_hash, 'the transaction on chain is the one answered: no later nonce went first, nothing was signed again');
  }
  const sends = proxy.sends.filter((send) => send.publicKey === poolKey);
  t.is(sends.length, users.length);
  for (const [i, send] of sends.entries()) {
    t.is(send.waitUntil, 'INCLUDED');
    if (i === 0) continue;
    t.true(send.nonce > sends[i - 1].nonce, `send ${i}: nonce ${send.nonce} after ${sends[i - 1].nonce}`);
    t.true(send.sentAt >= sends[i - 1].answeredAt!, `send ${i} waited until the previous one was in a block`);
  }
});

// nearcore answers a transaction whose nonce is not above its key's with INVALID_TRANSACTION
// {InvalidNonce: {tx_nonce, ak_nonce}} (chain/jsonrpc-primitives/src/types/transactions.rs): the
// relayer's own send_tx client must read that as a nonce error, never as a send with no answer.
test('a pool key whose nonce another process used: the node refuses the send as InvalidNonce, the relayer re-reads the key\'s nonce and signs the delegate again, and it lands once', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'nonce', 1_000n, 10_000n);
  const proxy = await countingRpcProxy(t);
  const { relayerAccount, server } = await startRelayer(t, f, { rpcUrl: proxy.url });
  const poolKey = derivePoolKey(relayerAccount.privateKey, 'main', 0);
  const warm = await relay(server.url, { signed_delegate_action: await signClaim(user, f, poolId) });
  t.true(warm.body.succeeded, JSON.stringify(warm.body));

  // Another process signs with the pool key: the nonce the relayer counted next is now used.
  const provider = new JsonRpcProvider({ url: t.context.rpcUrl });
  await new Account(relayerAccount.accountId, provider, poolKey.toString() as KeyPairString).signAndSendTransaction({ receiverId: relayerAccount.accountId, actions: [actions.transfer(1n)] });
  const usedNonce = BigInt((await provider.viewAccessKey({ accountId: relayerAccount.accountId, publicKey: poolKey.getPublicKey().toString() })).nonce);

  const relayed = await relay(server.url, { signed_delegate_action: await signClaim(user, f, poolId) });
  t.is(relayed.body.state, 'final', JSON.stringify(relayed.body));
  t.not(relayed.body.transaction_hash, relayed.accepted!.transaction_hash, 'the transaction on chain is the one signed again');
  const sends = proxy.sends.filter((send) => send.publicKey === poolKey.getPublicKey().toString());
  t.deepEqual(sends.slice(1).map((send) => send.nonce), [usedNonce, usedNonce + 1n], 'refused with the used nonce, then sent once with the next');
  t.regex(JSON.stringify(relayed.body.status), /Payout: nothing claimable/, 'the delegate ran: its claim found nothing left after the first');
});

test('GET /status/<hash>?wait=final on the instance that accepted the delegate answers the pending status once its wait ends (statusWaitMs; README: 30 s by default), and the final one when asked again', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'patient', 1_000n, 1_000_000n);
  // The node answers the relayer's first follow-up of the outcome (`tx`) 2 s late.
  let slowed = 0;
  const proxy = await countingRpcProxy(t, (call) => (call.method === 'tx' && slowed++ === 0 ? 2_000 : false));
  const { server } = await startRelayer(t, f, { rpcUrl: proxy.url, statusWaitMs: 300 });

  const accepted = await fetch(`${server.url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signed_delegate_action: await signClaim(user, f, poolId) }) });
  t.is(accepted.status, 202);
  const { status_url: statusUrl, transaction_hash: hash } = (await accepted.json()) as { status_url: string; transaction_hash: string };
  const asked = performance.now();
  const first = await fetch(`${server.url}${statusUrl}?wait=final`);
  const waited = performance.now() - asked;
  t.is(first.status, 200);
  t.like(await first.json(), { transaction_hash: hash, state: 'pending', sender_id: user.accountId });
  t.true(waited >= 290 && waited < 1_900, `answered after the 300 ms wait, before the outcome (${waited.toFixed(0)} ms)`);
  t.is(slowed, 1, 'the outcome was being followed while the status waited');

  // Asked again (each ask waits 300 ms) until the outcome, 2 s later.
  let status: { state: string; succeeded?: boolean } = { state: 'pending' };
  for (let ask = 0; status.state === 'pending' && ask < 40; ask++) status = (await (await fetch(`${server.url}${statusUrl}?wait=final`)).json()) as typeof status;
  t.like(status, { transaction_hash: hash, state: 'final', succeeded: true });
  t.is(await f.tokenBalance(user.accountId), 1_000n);
});

/**
 * Two relayer instances paying from one account, sharing a real Redis (a redis-server started
 * here, as a load balancer's instances would share one): under concurrent posts they never spend
 * more than a sender's allowance, never submit one delegate twice, and either answers the status
 * of a transaction the other accepted; an instance killed with SIGKILL right after accepting
 * finishes every accepted delegate when it starts again, each exactly once.
 */
import { createHash } from 'node:crypto';
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import type { KeyPairString } from 'near-api-js';
import { Redis } from 'ioredis';
import { redisStore, type RelayerStore } from '../packages/relayer/src/index.js';
import { actualCost, budgetsFor, maximumCost } from '../packages/relayer/src/allowance.js';
import { decodeSignedDelegate } from '../packages/relayer/src/delegate.js';
import type { RedisServer } from '../packages/relayer/test/helpers/redis-server.js';
import { startRelayerProcess } from '../packages/relayer/test/helpers/processes.js';
import { createAccount, deployPayout, NEAR, TGAS } from './helpers/payout.js';
import { claimantOfPool, countingRpcProxy, gaslessUser, signClaim, headGasPrice, nearBalance, relay, settledRelays, signClaims, startingBalance, startRelayer, useRelayerWorkerAndRedis, type RelayerContext } from './helpers/relayer.js';

const test = anyTest as TestFn<RelayerContext & { redis: RedisServer }>;
const MILLI_NEAR = NEAR / 1000n;

useRelayerWorkerAndRedis(test);

/** Instances "a" and "b" of one relayer account, two keys each, on one Redis. */
async function twoInstances(
  t: ExecutionContext<RelayerContext & { redis: RedisServer }>,
  f: Awaited<ReturnType<typeof deployPayout>>,
  policy = {},
  rpcUrls: (string | undefined)[] = [],
  /** What instance i's relayer is given as its store (default: the store itself). */
  storeOf: (store: RelayerStore, i: number) => RelayerStore = (store) => store,
) {
  // One prefix per test: ava runs a file's tests at once, and instances named "a"/"b" under a shared
  // prefix would resume (and settle) each other's in-flight work.
  const prefix = `${createHash('sha256').update(t.title).digest('hex').slice(0, 12)}:`;
  const stores = [await redisStore(t.context.redis.url, { prefix }), await redisStore(t.context.redis.url, { prefix })];
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  const a = await startRelayer(t, f, { store: storeOf(stores[0], 0), instance: 'a', keys: 2, policy, rpcUrl: rpcUrls[0] });
  const b = await startRelayer(t, f, { store: storeOf(stores[1], 1), instance: 'b', keys: 2, policy, relayerAccount: a.relayerAccount, rpcUrl: rpcUrls[1] });
  return { a, b, stores, relayerId: a.relayerAccount.accountId };
}

test('two instances on one Redis never both spend the last of a sender\'s allowance under concurrent posts', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  const sybil = await gaslessUser(t, f, 'sybil');
  // Room for one reservation (4 mNEAR: 30 Tgas + 10 Tgas overhead) and a few settled failures (~0.85 mNEAR each).
  const allowance = { perSender: 6n * MILLI_NEAR, periodMs: 3_600_000 };
  const { a, b, stores, relayerId } = await twoInstances(t, f, { allowance, rateLimit: { count: 100, windowMs: 60_000 } });
  const before = await startingBalance(t, a.relayerAccount);

  // 16 claims with nothing to claim (each fails on chain, at the relayer's cost), posted at once, alternately to each instance.
  const delegates = await signClaims(t, sybil, f, poolId, 16);
  const results = await Promise.all(delegates.map((delegate, i) => relay((i % 2 ? b : a).server.url, { signed_delegate_action: delegate })));
  const relayed = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status !== 200);
  t.log(`relayed ${relayed.length}, refused ${refused.length}`);
  t.true(relayed.length >= 1, `relayed ${relayed.length}`);
  // Whatever the timing, a delegate is accepted only while its whole reservation fits beside what
  // the others spent: at most 1 + (allowance − reservation) / (cheapest settled cost).
  const reservation = maximumCost(decodeSignedDelegate(delegates[0]), await headGasPrice(t));
  const cheapest = relayed.map((r) => actualCost(decodeSignedDelegate(delegates[0]), r.body.outcome)).reduce((min, c) => (c < min ? c : min));
  const bound = 1n + (allowance.perSender - reservation) / cheapest;
  t.true(BigInt(relayed.length) <= bound, `relayed ${relayed.length}, at most ${bound} fit one shared allowance`);
  t.deepEqual([...new Set(refused.map((r) => r.body.error.code))], ['ALLOWANCE_EXCEEDED']);
  for (const r of relayed) t.is(r.body.state, 'final');

  await settledRelays(t, relayerId, relayed.map((r) => r.body.transaction_hash));
  const paid = before - (await nearBalance(t, relayerId));
  const [senderBudget] = budgetsFor(decodeSignedDelegate(delegates[0]), allowance, Date.now());
  const spent = await stores[0].spent(senderBudget, Date.now());
  t.true(paid <= allowance.perSender, `both instances together paid ${paid}, at most the allowance ${allowance.perSender}`);
  t.true(spent >= paid && spent - paid < 10n ** 12n * BigInt(relayed.length + 1), `the allowance records ${spent} for ${paid} paid (Redis rounds each settle up to 10^12 yoctoNEAR)`);
});

test('two instances on one Redis: one delegate posted to both is submitted once, and either instance reports the status', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'both', 25n, 1_000n);
  const { a, b } = await twoInstances(t, f);

  const [delegate] = await signClaims(t, user, f, poolId, 1, 150n * 10n ** 12n);
  const posts = await Promise.all([a, b, a, b].map((instance) => fetch(`${instance.server.url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signed_delegate_action: delegate }) })));
  const statuses = posts.map((p) => p.status).sort();
  t.deepEqual(statuses, [202, 409, 409, 409]);
  const acceptedBy = posts.findIndex((p) => p.status === 202) % 2 ? b : a;
  const other = acceptedBy === a ? b : a;
  const accepted = (await posts.find((p) => p.status === 202)!.json()) as { transaction_hash: string; status_url: string };

  const final = (await (await fetch(`${other.server.url}${accepted.status_url}?wait=final`)).json()) as Record<string, any>;
  t.is(final.transaction_hash, accepted.transaction_hash);
  t.is(final.state, 'final');
  t.true(final.succeeded, JSON.stringify(final.status));
  t.is(await f.tokenBalance(user.accountId), 25n, 'paid once');
  const unknown = await fetch(`${other.server.url}/status/11111111111111111111111111111111`);
  t.is(unknown.status, 404);
});

test('two instances on one Redis share their reads of a sender\'s access key: the sender\'s next delegate on the other instance waits on no read, and one started later asks for the shared read in the take\'s round trip', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'shared', 1_000n, 10_000n);
  const proxies = [await countingRpcProxy(t), await countingRpcProxy(t), await countingRpcProxy(t)];
  // Store operations of instances b and c, in the order they were asked for and answered.
  const calls: Record<string, string[]> = { b: [], c: [] };
  const recorded = (store: RelayerStore, name: string): RelayerStore =>
    new Proxy(store, {
      get: (target, op: string) => {
        const value = Reflect.get(target, op) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls[name].push(`ask ${op}`);
          const answer = (value as (...a: unknown[]) => unknown).apply(target, args);
          return answer instanceof Promise ? answer.finally(() => calls[name].push(`answered ${op}`)) : answer;
        };
      },
    });
  const { a, b, stores } = await twoInstances(t, f, {}, proxies.map((proxy) => proxy.url), (store, i) => (i === 1 ? recorded(store, 'b') : store));
  const keyReads = (proxy: (typeof proxies)[number]) => proxy.queries.filter((q) => q.request_type === 'view_access_key' && q.account_id === user.accountId).length;
  const [first, second, third] = await signClaims(t, user, f, poolId, 3, 150n * TGAS);
  // b relays another sender's claim first, so it keeps a head, a block hash and its key's nonce, as an instance under load does.
  const other = await gaslessUser(t, f, 'shared-other');
  await f.allocate(poolId, [[other.accountId, 1_000n]]);
  const warm = await relay(b.server.url, { signed_delegate_action: await signClaim(other, f, poolId, { gas: 150n * TGAS }) });
  t.true(warm.body.succeeded, JSON.stringify(warm.body.status));

  const one = await relay(a.server.url, { signed_delegate_action: first });
  t.true(one.body.succeeded, JSON.stringify(one.body.status));
  t.is(keyReads(proxies[0]), 1, 'instance a read the sender\'s key from the node');
  calls.b.length = 0;
  const two = await relay(b.server.url, { signed_delegate_action: second });
  t.is(two.body.state, 'final', JSON.stringify(two.body.error));
  t.is(keyReads(proxies[1]), 0, 'instance b used the read a shared, seconds old');
  // a pushed its read to b as it shared it: b answered in one round trip (the reservation that takes and accepts).
  const untilAnswer = calls.b.slice(0, calls.b.indexOf('answered spend') + 1);
  t.deepEqual(untilAnswer.filter((c) => c.startsWith('ask')).sort(), ['ask hit', 'ask spend'], calls.b.join(', '));

  // An instance started after a's read missed the push: it asks for the shared read in the same round trip as the take.
  const c = await startRelayer(t, f, { store: recorded(stores[1], 'c'), instance: 'c', keys: 1, relayerAccount: a.relayerAccount, rpcUrl: proxies[2].url });
  calls.c.length = 0;
  const three = await relay(c.server.url, { signed_delegate_action: third });
  t.is(three.body.state, 'final', JSON.stringify(three.body.error));
  t.true(calls.c.includes('ask sharedRead') && calls.c.indexOf('ask sharedRead') < calls.c.indexOf('answered takeDelegate'), calls.c.join(', '));

  // A shared read still refuses what the chain would: the first delegate again (its nonce is used).
  const replayed = await relay(b.server.url, { signed_delegate_action: first });
  t.is(replayed.status, 409);
});

test('a sender\'s first delegate has its access key read from the node in the same round trip as the take, not after it', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'read-ahead', 1_000n, 10_000n);
  const proxy = await countingRpcProxy(t);
  const keyReads = () => proxy.queries.filter((q) => q.request_type === 'view_access_key' && q.account_id === user.accountId).length;
  const prefix = `${createHash('sha256').update(t.title).digest('hex').slice(0, 12)}:`;
  const store = await redisStore(t.context.redis.url, { prefix });
  t.teardown(() => store.close());
  // The take is answered only once the node has been asked for the sender's key (or after 5 s, when it never is).
  let readBeforeTake: boolean | undefined;
  const gated = new Proxy(store, {
    get: (target, op: string) => {
      const value = Reflect.get(target, op) as unknown;
      if (op !== 'takeDelegate' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const until = Date.now() + 5_000;
        while (keyReads() === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
        readBeforeTake ??= keyReads() > 0;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const relayer = await startRelayer(t, f, { store: gated, instance: 'ahead', keys: 1, rpcUrl: proxy.url });
  // Another sender's delegate first, so the instance keeps a head, as one under load does.
  const other = await gaslessUser(t, f, 'read-ahead-other');
  await f.allocate(poolId, [[other.accountId, 1_000n]]);
  const warm = await relay(relayer.server.url, { signed_delegate_action: await signClaim(other, f, poolId, { gas: 150n * TGAS }) });
  t.true(warm.body.succeeded, JSON.stringify(warm.body.status));
  readBeforeTake = undefined;

  const [claim] = await signClaims(t, user, f, poolId, 1, 150n * TGAS);
  const relayed = await relay(relayer.server.url, { signed_delegate_action: claim });
  t.true(relayed.body.succeeded, JSON.stringify(relayed.body.status));
  t.true(readBeforeTake, 'the node was asked for the sender\'s key before the take was answered');
  t.is(keyReads(), 1, 'one read of the sender\'s key');
});

test('an instance killed with SIGKILL right after accepting finishes every accepted delegate when it restarts, each exactly once, and its allowances match what was paid', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  await f.fundTokens(poolId, 1_000n);
  const users = [];
  for (let i = 0; i < 6; i++) users.push(await gaslessUser(t, f, `crash${i}`));
  await f.allocate(poolId, users.map((u) => [u.accountId, 10n] as [string, bigint]));
  const relayerAccount = await createAccount(t, 'relayer', 100n * NEAR);
  const prefix = 'crash:';
  const env = {
    RELAYER_ACCOUNT_ID: relayerAccount.accountId,
    RELAYER_PRIVATE_KEY: (await relayerAccount.getKey())!.toString(),
    RPC_URL: t.context.rpcUrl,
    RELAYER_POLICY: JSON.stringify({ allowed: { [f.payout.accountId]: ['claim'] }, maxGas: (150n * TGAS).toString() }),
    RELAYER_REDIS_URL: t.context.redis.url,
    RELAYER_REDIS_PREFIX: prefix,
    RELAYER_INSTANCE: 'crash',
  };
  let instance = await startRelayerProcess(env);
  t.teardown(() => instance.stop());
  const before = await startingBalance(t, { accountId: relayerAccount.accountId, privateKey: env.RELAYER_PRIVATE_KEY as KeyPairString }); // after the pool key was added

  // One key: the claims queue behind each other, so most are signed and not yet sent when the process dies.
  const delegates = await Promise.all(users.map((user) => signClaim(user, f, poolId)));
  const posts = await Promise.all(delegates.map((delegate) => fetch(`${instance.url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signed_delegate_action: delegate }) })));
  await instance.kill();
  t.deepEqual(posts.map((p) => p.status), users.map(() => 202));
  const hashes = await Promise.all(posts.map(async (p) => ((await p.json()) as { transaction_hash: string }).transaction_hash));
  const store = await redisStore(t.context.redis.url, { prefix });
  t.teardown(() => store.close());
  const statuses = await Promise.all(hashes.map((h) => store.getStatus(`${relayerAccount.accountId}/${h}`)));
  const unfinished = statuses.flatMap((text, i) => (JSON.parse(text!).state === 'pending' ? [i] : []));
  t.log(`${unfinished.length} of ${hashes.length} accepted delegates were unfinished at the kill`);
  t.true(unfinished.length > 0, 'the kill interrupted accepted work');
  // A record the restarted version cannot read (damaged, or from an unknown version), placed first: it must
  // hold back none of the others, and stays in the store.
  const raw = new Redis(t.context.redis.url);
  t.teardown(() => raw.disconnect());
  const inFlightKey = `${prefix}inflight/crash`;
  const records = await raw.hgetall(inFlightKey);
  await raw.multi().del(inFlightKey).hset(inFlightKey, 'unreadable', 'not a record', ...Object.entries(records).flat()).exec();

  instance = await startRelayerProcess(env);
  const finals = await Promise.all(hashes.map(async (hash) => (await (await fetch(`${instance.url}/status/${hash}?wait=final`)).json()) as Record<string, any>));
  for (const final of finals) t.like(final, { state: 'final', succeeded: true });
  // Its structured log names each delegate it finished, one JSON object per line, once each: every one
  // unfinished at the kill (and at most those whose status the old instance wrote but had not yet settled).
  // The log is written off the event loop (src/cli.ts), so its lines can reach this process after the
  // status answers: read once every unfinished delegate's line is in, or after 10 s.
  const finalsLogged = () => instance.log.filter((line) => line.event === 'final').map((line) => String(line.transaction_hash));
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !unfinished.every((i) => finalsLogged().includes(String(finals[i].transaction_hash))); ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const logged = finalsLogged();
  t.is(new Set(logged).size, logged.length, 'no delegate finished twice');
  for (const i of unfinished) t.true(logged.includes(String(finals[i].transaction_hash)), `the restarted instance finished ${hashes[i]}`);
  t.true(logged.every((hash) => finals.some((final) => String(final.transaction_hash) === hash)), 'it logged only accepted delegates');
  for (const user of users) t.is(await f.tokenBalance(user.accountId), 10n, `${user.accountId} paid exactly once`);
  const costs = finals.map((final, i) => actualCost(decodeSignedDelegate(delegates[i]), final.outcome));
  await settledRelays(t, relayerAccount.accountId, finals.map((final) => String(final.transaction_hash))); // a resumed delegate may be signed again
  t.is(before - (await nearBalance(t, relayerAccount.accountId)), costs.reduce((sum, c) => sum + c, 0n), 'the relayer paid for each delegate once');
  for (const [i, delegate] of delegates.entries()) {
    const [senderBudget] = budgetsFor(decodeSignedDelegate(delegate), undefined, Date.now());
    const spent = await store.spent(senderBudget, Date.now());
    t.true(spent >= costs[i] && spent - costs[i] < 2n * 10n ** 12n, `${users[i].accountId}'s allowance records ${spent} for ${costs[i]} paid`);
  }
  t.deepEqual(await store.listInFlight('crash'), ['not a record'], 'nothing left in flight but the unreadable record');
  t.true(instance.log.some((line) => line.event === 'resume_failed' && String(line.message).includes('could not be read')), 'the unreadable record is logged');
});

test('an instance killed after taking a delegate, before accepting it, releases it when it restarts: the delegate can be posted again, and nothing was reserved for it', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'unanswered', 10n, 1_000n);
  const relayerAccount = await createAccount(t, 'relayer', 100n * NEAR);
  // Once started, the relayer's read of its own pool key's nonce (its first signing: after the take and
  // the checks, before the reservation that accepts) is never answered: the process is killed while it waits there.
  let holding = false;
  const proxy = await countingRpcProxy(t, ({ method, params }) => holding && method === 'query' && params.request_type === 'view_access_key' && params.account_id === relayerAccount.accountId);
  const prefix = 'unanswered:';
  const env = {
    RELAYER_ACCOUNT_ID: relayerAccount.accountId,
    RELAYER_PRIVATE_KEY: (await relayerAccount.getKey())!.toString(),
    RPC_URL: proxy.url,
    RELAYER_POLICY: JSON.stringify({ allowed: { [f.payout.accountId]: ['claim'] }, maxGas: (150n * TGAS).toString() }),
    RELAYER_REDIS_URL: t.context.redis.url,
    RELAYER_REDIS_PREFIX: prefix,
    RELAYER_INSTANCE: 'unanswered',
  };
  let instance = await startRelayerProcess(env);
  t.teardown(() => instance.stop());
  holding = true;
  // valid for 2,000 blocks, so that it outlives a kill and two relayer process starts at any block pace: the default
  // 200 are 10 s on a node making a block every 50 ms (NEAR_SANDBOX_BLOCK_INTERVAL_MS=50), less than those starts
  // take on a loaded machine (it expired at 450 with the head at 532), and 2 minutes on neard's 600 ms
  const delegate = await signClaim(user, f, poolId, { blockHeightTtl: 2_000 });
  const decoded = decodeSignedDelegate(delegate);
  const delegateId = `${decoded.senderId}/${decoded.publicKey}/${decoded.nonce}`;
  const post = fetch(`${instance.url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signed_delegate_action: delegate }) }).then(
    (response) => response.status,
    (error: Error) => error.message,
  );
  while (proxy.held() === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  await instance.kill();
  t.is(await post, 'fetch failed', 'the client got no answer');

  const store = await redisStore(t.context.redis.url, { prefix });
  t.teardown(() => store.close());
  const [senderBudget] = budgetsFor(decoded, undefined, Date.now());
  t.deepEqual(Object.keys(await store.listAccepting('unanswered')), [delegateId], 'the kill left the delegate taken, with its acceptance record');
  t.is(await store.spent(senderBudget, Date.now()), 0n, 'nothing reserved: the reservation and the acceptance are one operation');
  t.deepEqual(await store.listInFlight('unanswered'), []);

  instance = await startRelayerProcess({ ...env, RPC_URL: t.context.rpcUrl });
  const deadline = Date.now() + 60_000;
  while (!instance.log.some((line) => line.event === 'released') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  t.like(instance.log.find((line) => line.event === 'released'), { delegate_id: delegateId });
  t.deepEqual(await store.listAccepting('unanswered'), {}, 'the restarted instance released it');

  const relayed = await relay(instance.url, { signed_delegate_action: delegate });
  t.is(relayed.status, 200, JSON.stringify(relayed.body));
  t.true(relayed.body.succeeded, 'the same delegate, posted again, is relayed once');
  t.is(await f.tokenBalance(user.accountId), 10n);
  const cost = actualCost(decoded, relayed.body.outcome);
  const spent = await store.spent(senderBudget, Date.now());
  t.true(spent >= cost && spent - cost < 10n ** 12n, `the allowance records ${spent} for ${cost} paid`);
});

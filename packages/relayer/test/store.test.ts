/**
 * The relayer's stores: the same rules for the embedded store (memory) and Redis (a real
 * redis-server started here), then what only each does: the folder store survives a reopen; two
 * Redis clients (two relayer instances) never both spend the last of a budget; a relayer whose
 * Redis is down answers 503 and never relays, and works again when Redis is back.
 */
import anyTest, { type TestFn } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { KeyPair, Signature, actions, buildDelegateAction, encodeDelegateAction, encodeSignedDelegate } from 'near-api-js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createRelayer, localStore, redisStore, RelayError, type Budget, type RelayerStore } from '../src/index.js';
import { startRedisServer, type RedisServer } from './helpers/redis-server.js';

const test = anyTest as TestFn<{ redis: RedisServer }>;

test.before(async (t) => {
  t.context.redis = await startRedisServer();
});
test.after.always(async (t) => {
  await t.context.redis?.stop();
});

const HOUR = 3_600_000;
/** Redis counts in 10^12 yoctoNEAR: amounts here are whole units so both stores agree exactly. */
const U = 10n ** 12n;
let prefixes = 0;
const budget = (key: string, limit: bigint): Budget => ({ key, limit, expiresAt: Date.now() + HOUR });

/** Two handles on one store: for Redis two clients, as two relayer instances have. */
const kinds: Record<string, (redis: RedisServer) => Promise<[RelayerStore, RelayerStore]>> = {
  memory: async () => {
    const store = await localStore();
    return [store, store];
  },
  redis: async (redis) => {
    const prefix = `test${++prefixes}:`;
    return [await redisStore(redis.url, { prefix }), await redisStore(redis.url, { prefix })];
  },
};
const closeBoth = ([a, b]: RelayerStore[]) => Promise.all(a === b ? [a.close()] : [a.close(), b.close()]).then(() => undefined);

for (const [kind, open] of Object.entries(kinds)) {
  test(`${kind}: a delegate is taken once, also by concurrent takers; a released one can be taken again`, async (t) => {
    const [a, b] = await open(t.context.redis);
    const stores = [a, b, a];
    t.teardown(() => closeBoth([a, b]));
    const taken = await Promise.all(stores.map((store) => store.takeDelegate('alice/ed25519:k/7', Date.now() + HOUR)));
    t.is(taken.filter(Boolean).length, 1, JSON.stringify(taken));
    await a.releaseDelegate('alice/ed25519:k/7');
    t.true(await stores[1].takeDelegate('alice/ed25519:k/7', Date.now() + HOUR));
    t.true(await a.takeDelegate('alice/ed25519:k/8', Date.now() + HOUR), 'another nonce is another delegate');
  });

  test(`${kind}: spend refuses past any budget's limit and changes nothing then; a finished job settles what it reserved`, async (t) => {
    const [store, other] = await open(t.context.redis);
    t.teardown(() => closeBoth([store, other]));
    const sender = budget('sender/a', 10n * U);
    const receiver = budget('receiver/p', 15n * U);
    t.deepEqual(await store.spend([sender, receiver], 6n * U, Date.now()), { ok: true });
    t.deepEqual(await store.spend([sender, receiver], 6n * U, Date.now()), { ok: false, budget: sender, spent: 6n * U });
    await store.putInFlight('one', 'h', 'job');
    t.true(await store.finish('one', 'h', { statusId: 'h', status: 'final', expiresAt: Date.now() + HOUR }, { budgets: [sender, receiver], delta: -4n * U, now: Date.now() }));
    t.deepEqual(await store.spend([sender, receiver], 8n * U, Date.now()), { ok: true });
    t.is(await store.spent(sender, Date.now()), 10n * U);
    t.is(await store.spent(receiver, Date.now()), 10n * U);
    t.is(await store.spent(budget('sender/b', U), Date.now()), 0n);
    t.false(await other.finish('one', 'h', { statusId: 'h', status: 'final', expiresAt: Date.now() + HOUR }, { budgets: [sender, receiver], delta: -4n * U, now: Date.now() }));
    t.is(await store.spent(sender, Date.now()), 10n * U, 'a job finished twice is settled once');
    await store.putInFlight('one', 'h2', 'job');
    t.true(await store.finish('one', 'h2', { statusId: 'h2', status: 'final', expiresAt: Date.now() + HOUR }, { budgets: [sender], delta: -20n * U, now: Date.now() }));
    t.is(await store.spent(sender, Date.now()), 0n, 'never below zero');
  });

  test(`${kind}: the rate limit (rate-limiter-flexible) counts per key within its window`, async (t) => {
    const [store, other] = await open(t.context.redis);
    t.teardown(() => closeBoth([store, other]));
    t.deepEqual([await store.hit('a', 2, 1000), await store.hit('a', 2, 1000)], [0, 0]);
    const wait = await store.hit('a', 2, 1000);
    t.true(wait > 0 && wait <= 1000, `over the limit: wait ${wait} ms`);
    t.is(await store.hit('b', 2, 1000), 0, 'another key has its own count');
    await new Promise((resolve) => setTimeout(resolve, wait + 20));
    t.is(await store.hit('a', 2, 1000), 0, 'a new window');
    await store.unhit('a', 2, 1000);
    t.deepEqual([await other.hit('a', 2, 1000), await store.hit('a', 2, 1000)], [0, 0], 'a hit given back is not counted');
    t.true((await other.hit('a', 2, 1000)) > 0);
  });

  test(`${kind}: a status is readable until it expires`, async (t) => {
    const [store, other] = await open(t.context.redis);
    t.teardown(() => closeBoth([store, other]));
    await store.finish('one', 'h1', { statusId: 'h1', status: '{"state":"pending"}', expiresAt: Date.now() + HOUR });
    await store.finish('one', 'h2', { statusId: 'h2', status: '{"state":"final"}', expiresAt: Date.now() + 30 });
    t.is(await store.getStatus('h1'), '{"state":"pending"}');
    await new Promise((resolve) => setTimeout(resolve, 60));
    t.is(await store.getStatus('h2'), undefined);
    t.is(await store.getStatus('unknown'), undefined);
  });

  test(`${kind}: in-flight records are listed per instance until finished, and only one finish removes each`, async (t) => {
    const [a, b] = await open(t.context.redis);
    t.teardown(() => closeBoth([a, b]));
    await a.putInFlight('one', 'h1', 'r1');
    await b.putInFlight('one', 'h2', 'r2');
    await a.putInFlight('two', 'h3', 'r3');
    t.deepEqual((await b.listInFlight('one')).sort(), ['r1', 'r2']);
    const final = { statusId: 'h1', status: 'final', expiresAt: Date.now() + HOUR };
    t.true(await b.finish('one', 'h1', final));
    t.false(await a.finish('one', 'h1', final), 'a second finish (the job finished twice) is told it did not remove it');
    t.is(await a.getStatus('h1'), 'final');
    t.deepEqual(await a.listInFlight('one'), ['r2']);
    t.deepEqual(await a.listInFlight('two'), ['r3']);
    t.deepEqual(await a.listInFlight('three'), []);
  });

  test(`${kind}: an acceptance record is written with the take and removed by the spend that accepts the delegate, with its in-flight record and pending status`, async (t) => {
    const [a, b] = await open(t.context.redis);
    t.teardown(() => closeBoth([a, b]));
    const sender = budget('sender/acc', 10n * U);
    const one = { instance: 'one', id: 'alice/ed25519:k/1' };
    t.true(await a.takeDelegate(one.id, Date.now() + HOUR, { ...one, record: '{"at":1}' }));
    t.false(await b.takeDelegate(one.id, Date.now() + HOUR, { ...one, record: '{"at":2}' }), 'a duplicate take writes no record');
    t.deepEqual(await b.listAccepting('one'), { [one.id]: '{"at":1}' });
    t.deepEqual(await b.listAccepting('two'), {});

    const accepting = { instance: 'one', delegateId: one.id, hash: 'h1', inFlight: 'job', statusId: 'relayer/h1', status: 'pending', statusExpiresAt: Date.now() + HOUR };
    t.false((await a.spend([sender], 11n * U, Date.now(), accepting)).ok);
    t.deepEqual(await a.listAccepting('one'), { [one.id]: '{"at":1}' }, 'a refused spend accepts nothing');
    t.deepEqual(await a.listInFlight('one'), []);
    t.is(await a.getStatus('relayer/h1'), undefined);
    t.true((await a.spend([sender], 4n * U, Date.now(), accepting)).ok);
    t.deepEqual(await b.listAccepting('one'), {}, 'the spend that accepts removes it');
    t.deepEqual(await b.listInFlight('one'), ['job']);
    t.is(await b.getStatus('relayer/h1'), 'pending');
    t.is(await b.spent(sender, Date.now()), 4n * U);

    const two = { instance: 'one', id: 'alice/ed25519:k/2' };
    t.true(await a.takeDelegate(two.id, Date.now() + HOUR, { ...two, record: '{"at":3}' }));
    t.true(await b.removeAccepting('one', two.id));
    t.false(await a.removeAccepting('one', two.id), 'only one removal releases');
    const three = { instance: 'one', id: 'alice/ed25519:k/3' };
    t.true(await a.takeDelegate(three.id, Date.now() + HOUR, { ...three, record: '{"at":4}' }));
    await b.releaseDelegate(three.id, three);
    t.deepEqual(await a.listAccepting('one'), {}, 'a release removes the record');
    t.true(await a.takeDelegate(three.id, Date.now() + HOUR), 'and frees the delegate');
  });

  test(`${kind}: a spend that takes the delegate (the answer in one round trip) takes, reserves and accepts at once, once: a duplicate or a budget passed changes nothing`, async (t) => {
    const [a, b] = await open(t.context.redis);
    t.teardown(() => closeBoth([a, b]));
    const sender = budget('sender/once', 10n * U);
    const id = 'bob/ed25519:k/1';
    const accepting = (hash: string) => ({ instance: 'one', delegateId: id, hash, inFlight: `job ${hash}`, statusId: `relayer/${hash}`, status: 'pending', statusExpiresAt: Date.now() + HOUR, takeUntil: Date.now() + HOUR });

    t.deepEqual(await a.spend([sender], 11n * U, Date.now(), accepting('h0')), { ok: false, budget: sender, spent: 0n });
    t.true(await b.takeDelegate(id, Date.now() + HOUR), 'a spend refused by its budget took nothing');
    await b.releaseDelegate(id);

    // Two instances accept the same delegate at once: one takes it, the other is told it is a duplicate.
    const results = await Promise.all([a.spend([sender], 4n * U, Date.now(), accepting('h1')), b.spend([sender], 4n * U, Date.now(), accepting('h2'))]);
    t.deepEqual(results.map((r) => r.ok).sort(), [false, true]);
    t.deepEqual(results.find((r) => !r.ok), { ok: false, duplicate: true });
    const hash = results[0].ok ? 'h1' : 'h2';
    t.is(await a.spent(sender, Date.now()), 4n * U, 'reserved once');
    t.deepEqual(await b.listInFlight('one'), [`job ${hash}`]);
    t.is(await b.getStatus(`relayer/${hash}`), 'pending');
    t.is(await a.getStatus(`relayer/${hash === 'h1' ? 'h2' : 'h1'}`), undefined, 'the duplicate wrote no status');
    t.false(await a.takeDelegate(id, Date.now() + HOUR), 'the delegate is taken');
    t.deepEqual(await a.listAccepting('one'), {}, 'and no acceptance record was needed');
  });

  test(`${kind}: property: concurrent spends (two instances on Redis) never take a budget past its limit, and the total is what was granted`, async (t) => {
    const [a, b] = await open(t.context.redis);
    t.teardown(() => closeBoth([a, b]));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 1n, max: 1000n }), fc.array(fc.bigInt({ min: 1n, max: 300n }), { minLength: 1, maxLength: 30 }), async (limit, amounts) => {
        const shared = budget(`sender/x${run++}`, limit * U);
        const results = await Promise.all(amounts.map((amount, i) => (i % 2 ? b : a).spend([shared], amount * U, Date.now())));
        const granted = amounts.filter((_, i) => results[i].ok).reduce((sum, x) => sum + x, 0n) * U;
        const spent = await a.spent(shared, Date.now());
        return spent === granted && spent <= limit * U;
      }),
      { numRuns: kind === 'redis' ? 100 : 200 },
    );
    t.pass();
  });
}

test("a status asked with wait=final for another instance's delegate is read again when that instance records it (Redis pub/sub), not every 50 ms", async (t) => {
  const prefix = `test${++prefixes}:`;
  const [mine, theirs] = [await redisStore(t.context.redis.url, { prefix }), await redisStore(t.context.redis.url, { prefix })];
  t.teardown(() => closeBoth([mine, theirs]));
  let reads = 0;
  const counted: RelayerStore = { ...mine, getStatus: (id) => (reads++, mine.getStatus(id)) };
  // No node at this RPC URL: status answers from the store alone.
  const relayer = createRelayer({ rpcUrl: 'http://127.0.0.1:1', accountId: 'relayer.test.near', privateKey: KeyPair.fromRandom('ed25519').toString(), policy: { allowed: { 'payout.test.near': ['claim'] } }, store: counted });
  const hash = '9'.repeat(44);
  const statusId = `relayer.test.near/${hash}`;
  const pending = { transactionHash: hash, senderId: 'alice.test.near', receiverId: 'payout.test.near', state: 'pending' };
  const accepting = { instance: 'theirs', delegateId: 'alice/ed25519:k/1', hash, inFlight: 'job', statusId, status: JSON.stringify(pending), statusExpiresAt: Date.now() + HOUR, takeUntil: Date.now() + HOUR };
  t.true((await theirs.spend([budget('sender/alice', 10n * U)], U, Date.now(), accepting)).ok);

  const asked = Date.now();
  const answer = relayer.status(hash, { waitFinal: true });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const final = { ...pending, state: 'refused', error: { code: 'SUBMISSION_FAILED', message: 'refused by the node' } };
  await theirs.finish('theirs', hash, { statusId, status: JSON.stringify(final), expiresAt: Date.now() + HOUR });
  t.deepEqual(await answer, final);
  t.true(Date.now() - asked < 2_000, 'answered as the status was recorded');
  t.true(reads <= 3, `the status was read ${reads} times while the other instance had it pending`);
});

test('an expired period is forgotten (memory)', async (t) => {
  const store = await localStore();
  const old: Budget = { key: 'sender/a/1', limit: 10n, expiresAt: 1_000 };
  t.deepEqual(await store.spend([old], 10n, 500), { ok: true });
  t.is(await store.spent(old, 999), 10n);
  t.is(await store.spent(old, 1_000), 0n);
});

test('the folder store keeps taken delegates and spending across a reopen, and refuses a second opener with a clear error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const b = budget('sender/a', 100n);
  let store = await localStore(dir);
  await store.takeDelegate('d1', Date.now() + HOUR);
  await store.spend([b], 42n, Date.now());
  const error = await t.throwsAsync(localStore(dir));
  t.regex(error!.message, /cannot be opened .*another relayer.*Redis/);
  await store.close();
  store = await localStore(dir);
  t.false(await store.takeDelegate('d1', Date.now() + HOUR));
  t.is(await store.spent(b, Date.now()), 42n);
  await store.close();
});

test('Redis rounds a spend up to its 10^12 yoctoNEAR unit and refuses a budget it cannot count exactly', async (t) => {
  const store = await redisStore(t.context.redis.url, { prefix: `test${++prefixes}:` });
  t.teardown(() => store.close());
  const b = budget('sender/r', 10n * U);
  await store.spend([b], 1n, Date.now());
  t.is(await store.spent(b, Date.now()), U);
  await t.throwsAsync(store.spend([budget('sender/huge', 10n ** 30n)], 1n, Date.now()), { message: /above what the Redis store counts exactly/ });
});

test('Redis unreachable at start: a clear error naming the URL', async (t) => {
  const error = await t.throwsAsync(redisStore('redis://127.0.0.1:1'));
  t.regex(error!.message, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1 .*start redis-server/);
});

function signedDelegate(nonce: bigint): string {
  const key = KeyPair.fromRandom('ed25519');
  const delegateAction = buildDelegateAction({
    senderId: 'alice.test.near',
    receiverId: 'payout.test.near',
    actions: [actions.functionCall('claim', { pool_id: 0 }, 30_000_000_000_000n, 0n)],
    nonce,
    maxBlockHeight: 1000n,
    publicKey: key.getPublicKey(),
  });
  const { signature } = key.sign(sha256(encodeDelegateAction(delegateAction)));
  const wrapped = actions.signedDelegate({ delegateAction, signature: new Signature({ keyType: 0, data: signature }) });
  return Buffer.from(encodeSignedDelegate(wrapped.signedDelegate!)).toString('base64');
}

test.serial('Redis going down makes the relayer refuse with 503 STORE_UNAVAILABLE, never relay unchecked; it recovers when Redis is back', async (t) => {
  const redis = await startRedisServer();
  t.teardown(() => redis.stop());
  const store = await redisStore(redis.url);
  t.teardown(() => store.close());
  // No node at this RPC URL: a relay that got past the store would fail there, differently.
  const relayer = createRelayer({ rpcUrl: 'http://127.0.0.1:1', accountId: 'relayer.test.near', privateKey: KeyPair.fromRandom('ed25519').toString(), policy: { allowed: { 'payout.test.near': ['claim'] } }, store });
  await redis.kill();
  const started = Date.now();
  const error = await t.throwsAsync(relayer.relay(signedDelegate(1n)), { instanceOf: RelayError });
  t.is((error as RelayError).code, 'STORE_UNAVAILABLE');
  t.is((error as RelayError).status, 503);
  t.regex(error!.message, /the relayer's store is unavailable \(.*\); nothing was relayed, retry shortly/);
  t.true(Date.now() - started < 2_000, 'refused at once, not after a queue of retries');

  await redis.start();
  let recovered = false;
  for (let i = 0; i < 50 && !recovered; i++) {
    recovered = await store.takeDelegate('probe', Date.now() + HOUR).catch(() => false);
    if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.true(recovered, 'the store reconnects by itself');
  const next = await t.throwsAsync(relayer.relay(signedDelegate(2n)));
  t.not((next as RelayError).code, 'STORE_UNAVAILABLE', `past the store now: ${next!.message}`);
});

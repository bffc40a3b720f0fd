import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { localStore, type Budget } from '../src/index.js';

const HOUR = 3_600_000;
const budget = (key: string, limit: bigint): Budget => ({ key, limit, expiresAt: Date.now() + HOUR });

test('a delegate is taken once; a released one can be taken again', async (t) => {
  const store = await localStore();
  const taken = await Promise.all([1, 2, 3].map(() => store.takeDelegate('alice/ed25519:k/7', Date.now() + HOUR)));
  t.deepEqual(taken, [true, false, false]);
  await store.releaseDelegate('alice/ed25519:k/7');
  t.true(await store.takeDelegate('alice/ed25519:k/7', Date.now() + HOUR));
  t.true(await store.takeDelegate('alice/ed25519:k/8', Date.now() + HOUR), 'another nonce is another delegate');
});

test("spend refuses past any budget's limit and changes nothing then; settle gives back", async (t) => {
  const store = await localStore();
  const sender = budget('sender/a', 10n);
  const receiver = budget('receiver/p', 15n);
  t.deepEqual(await store.spend([sender, receiver], 6n, Date.now()), { ok: true });
  const refused = await store.spend([sender, receiver], 6n, Date.now());
  t.false(refused.ok);
  t.deepEqual(refused, { ok: false, budget: sender, spent: 6n });
  await store.settle([sender, receiver], -4n, Date.now());
  t.deepEqual(await store.spend([sender, receiver], 8n, Date.now()), { ok: true });
  t.is(await store.spent(sender, Date.now()), 10n);
  t.is(await store.spent(receiver, Date.now()), 10n);
  t.is(await store.spent(budget('sender/b', 1n), Date.now()), 0n);
});

test('an expired period is forgotten', async (t) => {
  const store = await localStore();
  const old: Budget = { key: 'sender/a/1', limit: 10n, expiresAt: 1_000 };
  t.deepEqual(await store.spend([old], 10n, 500), { ok: true });
  t.is(await store.spent(old, 999), 10n);
  t.is(await store.spent(old, 1_000), 0n);
});

test('property: concurrent spends never take a budget past its limit, and the total is what was granted', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.bigInt({ min: 1n, max: 1000n }), fc.array(fc.bigInt({ min: 1n, max: 300n }), { minLength: 1, maxLength: 30 }), async (limit, amounts) => {
      const store = await localStore();
      const b = budget('sender/x', limit);
      const results = await Promise.all(amounts.map((amount) => store.spend([b], amount, Date.now())));
      const granted = amounts.filter((_, i) => results[i].ok).reduce((sum, a) => sum + a, 0n);
      const spent = await store.spent(b, Date.now());
      return spent === granted && spent <= limit;
    }),
    { numRuns: 200 },
  );
  t.pass();
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

/**
 * ReadCache (src/read-cache.ts) keeps a read another process shared (EarlierRead) with the time it
 * was read, not the time it was fetched: its age decides when it is read again, and it never
 * replaces a newer read.
 */
import test from 'ava';
import { EarlierRead, ReadCache } from '../src/read-cache.js';

test('a shared read is kept with the time it was read: it is refreshed once that is older than the refresh age', async (t) => {
  let clock = 10_000;
  const loads: string[] = [];
  let answer: () => number | EarlierRead<number> = () => new EarlierRead(1, 7_000);
  const cache = new ReadCache(
    async (key: string) => {
      loads.push(key);
      return answer();
    },
    { refreshAfterMs: 5_000, maxAgeMs: 60_000, now: () => clock },
  );
  t.deepEqual(await cache.get('k'), { value: 1, at: 7_000 });
  clock = 11_000; // 4 s after the shared read: no new read
  answer = () => 2;
  t.deepEqual(await cache.get('k'), { value: 1, at: 7_000 });
  t.is(loads.length, 1);
  clock = 12_500; // 5.5 s after it (2.5 s after it was fetched): the kept value answers, a new read starts
  t.deepEqual(await cache.get('k'), { value: 1, at: 7_000 });
  t.is(loads.length, 2);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(cache.peek('k'), { value: 2, at: 12_500 });
});

test('a shared read older than the kept one does not replace it; one from the future is kept as read when fetched', async (t) => {
  let clock = 20_000;
  let answer: () => number | EarlierRead<number> = () => 5;
  const cache = new ReadCache(async () => answer(), { refreshAfterMs: 5_000, maxAgeMs: 60_000, now: () => clock });
  await cache.get('k');
  answer = () => new EarlierRead(4, 19_000);
  clock = 30_000;
  await cache.fresh('k');
  t.deepEqual(cache.peek('k'), { value: 5, at: 20_000 });
  answer = () => new EarlierRead(6, 99_000); // another machine's clock ahead
  await new Promise((resolve) => setImmediate(resolve)); // the previous read is done (not joined)
  await cache.fresh('k');
  t.deepEqual(cache.peek('k'), { value: 6, at: 30_000 });
});

test('a read offered (pushed by another process) is kept unless the kept one is as recent, and starts no read; a get then answers it', async (t) => {
  let clock = 10_000;
  const loads: string[] = [];
  const cache = new ReadCache(
    async (key: string) => {
      loads.push(key);
      return 9;
    },
    { refreshAfterMs: 5_000, maxAgeMs: 60_000, now: () => clock },
  );
  cache.offer('k', { value: 1, at: 8_000 });
  t.deepEqual(cache.peek('k'), { value: 1, at: 8_000 });
  t.deepEqual(await cache.get('k'), { value: 1, at: 8_000 }, 'younger than the refresh age: answered without a read');
  cache.offer('k', { value: 2, at: 7_000 });
  cache.offer('k', { value: 3, at: 8_000 });
  t.deepEqual(cache.peek('k'), { value: 1, at: 8_000 }, 'an older or equally old read does not replace it');
  cache.offer('k', { value: 4, at: 9_500 });
  t.deepEqual(cache.peek('k'), { value: 4, at: 9_500 });
  t.deepEqual(loads, []);
  clock = 15_000; // 5.5 s after the newest: kept value answers, a read starts
  t.deepEqual(await cache.get('k'), { value: 4, at: 9_500 });
  t.deepEqual(loads, ['k']);
});

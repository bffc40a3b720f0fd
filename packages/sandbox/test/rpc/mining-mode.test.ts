/**
 * The node's two block production modes at run time: `sandbox_set_block_interval` (anvil's `evm_setIntervalMining`
 * / `evm_setAutomine`) switches between a block per transaction and a block every N ms; and the time a
 * fast-forward's skipped heights add in each mode, as neard adds it: the mean of its minimum and maximum block
 * production delays per skipped height (nearcore chain/client client.rs `sandbox_delta_time`, accrued in
 * client_actor.rs `sandbox_process_fast_forward`). Assertions are about blocks and timestamps, never durations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { initHome } from '../../src/node/init.js';
import { FAST_EPOCH_LENGTH } from '../../src/node/genesis-file.js';
import { sandboxControl } from '../../src/rpc/dev-client.js';
import { signNext, withNode, type TestNode } from './helpers.js';

const ROOT = 'test.near';
const INTERVAL_MS = 50;
const SECOND = 1_000_000_000n;
const MS = 1_000_000n;

const header = async (node: TestNode, ref: object = { finality: 'optimistic' }) => (await node.rpc('block', ref)).result.header as { height: number; timestamp_nanosec: string };

async function untilHeight(node: TestNode, done: (height: number) => boolean, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const height = (await header(node)).height;
    if (done(height)) return height;
    if (Date.now() > deadline) throw new Error(`the head stayed at ${height} for ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Fast-forwards by `delta` inside an epoch (one jump, landing at head + delta + 1); the jump block's time minus the head's before. */
async function jumpBlockAfter(node: TestNode, delta: number): Promise<bigint> {
  const before = await header(node);
  await sandboxControl(node.url).fastForward(delta);
  const jump = await header(node, { block_id: before.height + delta + 1 });
  return BigInt(jump.timestamp_nanosec) - BigInt(before.timestamp_nanosec);
}

/** How many blocks the chain has above `height` up to the block `ref` (heights a fast-forward skipped have none). */
async function blocksBetween(node: TestNode, height: number, ref: object): Promise<bigint> {
  let made = 0n;
  for (let b = (await node.rpc('block', ref)).result.header; b.height > height; b = (await node.rpc('block', { block_id: b.prev_hash })).result.header) made++;
  return made;
}

test('on demand, a fast-forward\'s skipped heights add neard\'s (min + max block production delay) / 2 each (client.rs sandbox_delta_time): 1.3 s with neard init\'s config.json, 310 ms with init --fast\'s', async (t) => {
  const node = await withNode(t);
  await sandboxControl(node.url).produceBlocks(3);
  t.is(await jumpBlockAfter(node, 100), SECOND + 100n * 1_300_000_000n, 'one block time for the block, 1.3 s per skipped height');

  const home = mkdtempSync(join(tmpdir(), 'fast-delays-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  initHome(home, { epochLength: FAST_EPOCH_LENGTH });
  const fast = await withNode(t, { home });
  await sandboxControl(fast.url).produceBlocks(3);
  t.is(await jumpBlockAfter(fast, 20), SECOND + 20n * 310_000_000n, '(120 + 500) / 2 ms per skipped height');
});

test('in interval mode the interval stands for neard\'s minimum delay: a skipped height adds (interval + max delay) / 2, so sandbox-tests/chain.ava.ts "time advanced" holds at 50 ms', async (t) => {
  const node = await withNode(t, { blockIntervalMs: INTERVAL_MS });
  const start = await header(node);
  await sandboxControl(node.url).fastForward(1000);
  const final = await header(node, { finality: 'final' });
  const perSkipped = ((BigInt(INTERVAL_MS) + 2000n) * MS) / 2n; // 1,025 ms
  const elapsed = BigInt(final.timestamp_nanosec) - BigInt(start.timestamp_nanosec);
  // the ticks before the call, then nearcore's heights (near 1, 498..501, 998..1001): each block made one interval on
  const blocksMade = await blocksBetween(node, start.height, { block_id: final.height });
  const skipped = BigInt(final.height - start.height) - blocksMade;
  t.true(skipped >= 980n, `${skipped} heights skipped`);
  t.true(final.height - start.height >= 1000, `final ${final.height} from ${start.height}`);
  t.is(elapsed, (blocksMade * BigInt(INTERVAL_MS) * MS) + skipped * perSkipped);
  t.true(elapsed > 500n * SECOND, 'more than the 500 s chain.ava.ts asks of 1000 heights');
});

test('sandbox_set_block_interval switches on demand → interval → on demand at run time; blocks follow the mode, timestamps its spacing', async (t) => {
  const node = await withNode(t);
  const control = sandboxControl(node.url);
  // on demand: an idle node makes no block
  const idle = (await header(node)).height;
  await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
  t.is((await header(node)).height, idle);

  const switched = await control.setBlockInterval(INTERVAL_MS);
  t.is(switched.height, idle, 'switching makes no block');
  const ticked = await untilHeight(node, (h) => h >= idle + 3);
  const a = await header(node, { block_id: ticked - 1 });
  const b = await header(node, { block_id: ticked });
  t.is(BigInt(b.timestamp_nanosec) - BigInt(a.timestamp_nanosec), BigInt(INTERVAL_MS) * MS, 'ticks one interval apart');
  // a transaction waits for the next tick, then FINAL comes two ticks after its last receipt
  const tx = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 5n }]);
  t.is((await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result.final_execution_status, 'FINAL');

  const back = (await node.rpc('sandbox_set_block_interval', { interval_ms: null })).result;
  t.is(back.block_interval_ms, null);
  const stopped = (await header(node)).height;
  await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
  t.is((await header(node)).height, stopped, 'on demand again: no ticks');
  const tx2 = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 6n }]);
  const outcome = (await node.rpc('send_tx', { signed_tx_base64: tx2.base64, wait_until: 'EXECUTED_OPTIMISTIC' })).result;
  const included = await header(node, { block_id: outcome.transaction_outcome.block_hash });
  t.is(included.height, stopped + 1, 'the transaction made the next block at once');
  const prev = await header(node, { block_id: stopped });
  t.is(BigInt(included.timestamp_nanosec) - BigInt(prev.timestamp_nanosec), SECOND, 'on demand blocks are 1 s apart again');
});

test('switching to on demand gives a state patch and a transaction that waited for the next tick their blocks at once; a new interval restarts the ticks from now', async (t) => {
  const node = await withNode(t, { blockIntervalMs: 60_000 }); // no tick comes during the test
  const before = (await header(node)).height;
  const patched = node.rpc('sandbox_patch_state', { records: [{ Account: { account_id: 'patched.test.near', account: { amount: '1000', locked: '0', code_hash: '11111111111111111111111111111111', storage_usage: 100 } } }] });
  const waiting = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 9n }]);
  t.is((await node.rpc('send_tx', { signed_tx_base64: waiting.base64, wait_until: 'NONE' })).result.final_execution_status, 'NONE');
  await new Promise((r) => setTimeout(r, 50));
  t.is((await header(node)).height, before, 'the patch and the transaction wait for the next tick');
  t.is((await node.rpc('sandbox_set_block_interval', [null])).result.block_interval_ms, null);
  t.deepEqual((await patched).result, {});
  const landed = (await node.rpc('tx', { tx_hash: waiting.hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
  t.deepEqual(landed.status, { SuccessValue: '' }, 'the pooled transaction ran on demand');
  const view = (await node.rpc('query', { request_type: 'view_account', account_id: 'patched.test.near', finality: 'optimistic' })).result;
  t.is(view.amount, '1000');
  t.is((await header(node, { block_id: landed.transaction_outcome.block_hash })).height, before + 1, 'the block made at the switch holds both');

  await sandboxControl(node.url).setBlockInterval(INTERVAL_MS);
  await untilHeight(node, (h) => h >= before + 3);
  await sandboxControl(node.url).setBlockInterval(60_000);
  const last = (await header(node)).height;
  await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
  t.true((await header(node)).height <= last + 1, 'the 50 ms ticks stopped (at most one was already queued)');
});

test('sandbox_set_block_interval refuses what is not a whole number of milliseconds ≥ 1 or null, saying what to give; the mode is unchanged', async (t) => {
  const node = await withNode(t);
  for (const bad of [{ interval_ms: 0 }, { interval_ms: -5 }, { interval_ms: 1.5 }, { interval_ms: '600' }, {}]) {
    const error = (await node.rpc('sandbox_set_block_interval', bad)).error;
    t.is(error?.cause?.name, 'PARSE_ERROR', JSON.stringify(bad));
    t.regex(error?.data ?? '', /expected \{"interval_ms": <a block every this many milliseconds, a whole number of at least 1>\} or \{"interval_ms": null\}/);
  }
  const idle = (await header(node)).height;
  await new Promise((r) => setTimeout(r, 100));
  t.is((await header(node)).height, idle, 'still on demand');
});

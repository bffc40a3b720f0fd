/**
 * Interval mode (runtime/block-producer.ts, `run --block-interval-ms`, NEAR_SANDBOX_BLOCK_INTERVAL_MS): a block on
 * every tick of the wall clock, empty ones included, as neard makes one every `min_block_production_delay`
 * (nearcore chain/client `Client::produce_block`, `produce_empty_blocks` true in every config `neard init`
 * writes); transactions wait in the pool for the next tick. Assertions are about which block things land in,
 * never about how long they took.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { blockIntervalOf, BLOCK_INTERVAL_ENV } from '../../src/node/cli.js';
import { initHome } from '../../src/node/init.js';
import { NEAR, signNext, signTransaction, startTestNode, withNode, type TestNode } from './helpers.js';

const ROOT = 'test.near';
/** Short, so the tests stay fast; the behaviour asserted does not depend on it. */
const INTERVAL_MS = 50;

/** A node making a block every INTERVAL_MS unless `options` say otherwise, stopped when the test ends. */
const withIntervalNode = (t: { teardown(fn: () => Promise<void>): void }, options: { blockIntervalMs?: number; persist?: boolean } = {}) => withNode(t, { blockIntervalMs: INTERVAL_MS, ...options });

const headOf = async (node: TestNode) => (await node.rpc('block', { finality: 'optimistic' })).result.header;
const heightOf = async (node: TestNode, blockHash: string) => (await node.rpc('block', { block_id: blockHash })).result.header.height as number;

/** Polls the head until `done(height)`; fails the test after `timeoutMs` (a node that stopped ticking). */
async function untilHeight(node: TestNode, done: (height: number) => boolean, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const height = (await headOf(node)).height as number;
    if (done(height)) return height;
    if (Date.now() > deadline) throw new Error(`the head stayed at ${height} for ${timeoutMs} ms: the node is not ticking`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const transfer = (node: TestNode, deposit: bigint, nonce: bigint, blockHash: string) =>
  signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit }], keyPair: node.rootKey, nonce, blockHash });

async function rootNonce(node: TestNode): Promise<bigint> {
  const key = await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: node.rootKey.publicKeyString, finality: 'optimistic' });
  return BigInt(key.result.nonce);
}

test('--block-interval-ms / NEAR_SANDBOX_BLOCK_INTERVAL_MS: a whole number of milliseconds ≥ 1; unset or empty is on demand; anything else is refused with what to give', (t) => {
  t.is(blockIntervalOf('250', {}), 250);
  t.is(blockIntervalOf(undefined, { [BLOCK_INTERVAL_ENV]: '1000' }), 1000);
  t.is(blockIntervalOf('40', { [BLOCK_INTERVAL_ENV]: '1000' }), 40, 'the flag wins over the environment');
  t.is(blockIntervalOf(undefined, {}), undefined);
  t.is(blockIntervalOf(undefined, { [BLOCK_INTERVAL_ENV]: '' }), undefined);
  for (const bad of ['0', '-5', '1.5', '1s', 'fast']) {
    t.throws(() => blockIntervalOf(bad, {}), { message: /^--block-interval-ms ".*" is not a block interval: give a whole number of milliseconds, at least 1/ });
    t.throws(() => blockIntervalOf(undefined, { [BLOCK_INTERVAL_ENV]: bad }), { message: new RegExp(`^${BLOCK_INTERVAL_ENV}=".*" is not a block interval`) });
  }
});

test('an idle node makes a block on every tick: consecutive empty blocks whose timestamps are one interval apart', async (t) => {
  const node = await withIntervalNode(t);
  const start = (await headOf(node)).height as number;
  const end = await untilHeight(node, (h) => h >= start + 4);
  const blocks = await Promise.all(Array.from({ length: end - start + 1 }, (_, i) => node.rpc('block', { block_id: start + i })));
  for (let i = 1; i < blocks.length; i++) {
    const [prev, cur] = [blocks[i - 1].result.header, blocks[i].result.header];
    t.is(cur.prev_hash, prev.hash);
    t.is(BigInt(cur.timestamp_nanosec) - BigInt(prev.timestamp_nanosec), BigInt(INTERVAL_MS) * 1_000_000n);
    const chunk = (await node.rpc('chunk', { block_id: cur.hash, shard_id: 0 })).result;
    t.deepEqual([chunk.transactions.length, chunk.receipts.length], [0, 0]);
  }
  // finality follows the ticks: the final block is the head's grandparent, as on neard with one validator
  const final = (await node.rpc('block', { finality: 'final' })).result.header.height as number;
  t.true(final >= end - 2);
});

test('a transaction waits in the pool until a block is made: none is made for it (the next tick, here sandbox_produce_blocks, takes it)', async (t) => {
  // a tick an hour away: nothing but the explicit block below can take the transaction
  const node = await withIntervalNode(t, { blockIntervalMs: 3_600_000 });
  const head = await headOf(node);
  const nonce = await rootNonce(node);
  const tx = transfer(node, 1n, nonce + 1n, head.hash);
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'NONE' })).result, { final_execution_status: 'NONE' });
  const waiting = node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'INCLUDED' });
  await new Promise((r) => setTimeout(r, 200));
  t.is((await headOf(node)).height, head.height, 'no block while the transaction waits');
  t.is(await rootNonce(node), nonce, 'the transaction has not run');
  const unknown = await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'NONE' });
  t.is(unknown.error?.cause?.name, 'UNKNOWN_TRANSACTION', 'a pooled transaction is not in a chunk yet (nearcore answers NONE at once)');
  const mined = (await node.rpc('sandbox_produce_blocks', { count: 1 })).result;
  const included = (await waiting).result;
  t.is(included.final_execution_status, 'INCLUDED');
  t.is(included.transaction_outcome.block_hash, mined.block_hash);
  t.is(await rootNonce(node), nonce + 1n);
});

test('transactions sent between two ticks share the next block, in nonce order; their receipts run in the blocks after it; FINAL waits for finality', async (t) => {
  const node = await withIntervalNode(t);
  const head = await headOf(node);
  const nonce = await rootNonce(node);
  // out of nonce order, in one batch (the node queues a batch's requests together, so no tick falls between them)
  const [later, first] = [transfer(node, 2n, nonce + 2n, head.hash), transfer(node, 1n, nonce + 1n, head.hash)];
  const { json } = await node.raw([later, first].map((x, i) => ({ jsonrpc: '2.0', id: i, method: 'send_tx', params: { signed_tx_base64: x.base64, wait_until: 'FINAL' } })));
  for (const r of json) t.is(r.result?.final_execution_status, 'FINAL', JSON.stringify(r.error));
  const [laterOutcome, firstOutcome] = json.map((r: any) => r.result.transaction_outcome);
  t.is(laterOutcome.block_hash, firstOutcome.block_hash, 'one block');
  const included = await heightOf(node, firstOutcome.block_hash);
  t.true(included > head.height);
  const chunk = (await node.rpc('chunk', { block_id: firstOutcome.block_hash, shard_id: 0 })).result;
  t.deepEqual(chunk.transactions.map((x: any) => x.nonce), [Number(nonce + 1n), Number(nonce + 2n)]);
  let last = included;
  for (const r of json) {
    const receiptHeights = await Promise.all(r.result.receipts_outcome.map((o: any) => heightOf(node, o.block_hash)));
    t.is(receiptHeights[0], included + 1, 'the transfer receipt runs in the next block');
    last = Math.max(last, ...receiptHeights);
  }
  const final = (await node.rpc('block', { finality: 'final' })).result.header.height as number;
  t.true(final >= last, `FINAL answered with the final block at ${final}, the last outcome at ${last}`);
});

test('every wait level answers once the ticks bring it: send_tx (NONE … FINAL), tx for a pooled transaction, broadcast_tx_commit', async (t) => {
  const node = await withIntervalNode(t);
  for (const level of ['NONE', 'INCLUDED', 'INCLUDED_FINAL', 'EXECUTED_OPTIMISTIC', 'EXECUTED', 'FINAL'] as const) {
    const tx = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 1n }]);
    const r = await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: level });
    t.truthy(r.result, `${level}: ${JSON.stringify(r.error)}`);
    // a tick may pass before the answer, so INCLUDED may come back INCLUDED_FINAL and so on: never less than asked
    // (nearcore TxExecutionStatus: what each level's answer may report)
    const reaches: Record<typeof level, string[]> = {
      NONE: ['NONE'],
      INCLUDED: ['INCLUDED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'EXECUTED', 'FINAL'],
      INCLUDED_FINAL: ['INCLUDED_FINAL', 'EXECUTED', 'FINAL'],
      EXECUTED_OPTIMISTIC: ['EXECUTED_OPTIMISTIC', 'EXECUTED', 'FINAL'],
      EXECUTED: ['EXECUTED', 'FINAL'],
      FINAL: ['FINAL'],
    };
    t.true(reaches[level].includes(r.result.final_execution_status), `${level} answered ${r.result.final_execution_status}`);
    if (level === 'NONE') {
      const done = (await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
      t.is(done.final_execution_status, 'FINAL');
      t.deepEqual(done.status, { SuccessValue: '' });
    } else if (level === 'INCLUDED' || level === 'INCLUDED_FINAL') {
      t.is(r.result.transaction_outcome.id, tx.hash);
    } else {
      t.deepEqual(r.result.status, { SuccessValue: '' });
    }
  }
  const tx = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 3n }]);
  const committed = (await node.rpc('broadcast_tx_commit', [tx.base64])).result;
  t.deepEqual(committed.status, { SuccessValue: '' });
  // nearcore's broadcast_tx_commit waits as send_tx with EXECUTED_OPTIMISTIC does
  t.true(['EXECUTED_OPTIMISTIC', 'EXECUTED', 'FINAL'].includes(committed.final_execution_status), committed.final_execution_status);
});

test('sandbox_patch_state is applied at the next tick and answered once that block is made', async (t) => {
  const node = await withIntervalNode(t);
  const before = (await headOf(node)).height as number;
  const account = (await node.rpc('query', { request_type: 'view_account', account_id: 'near', finality: 'optimistic' })).result;
  const amount = (123n * NEAR).toString();
  const r = await node.rpc('sandbox_patch_state', {
    records: [{ Account: { account_id: 'near', account: { amount, locked: account.locked, code_hash: account.code_hash, storage_usage: account.storage_usage } } }],
  });
  t.deepEqual(r.result, {}, JSON.stringify(r.error));
  const view = (await node.rpc('query', { request_type: 'view_account', account_id: 'near', finality: 'optimistic' })).result;
  t.is(view.amount, amount);
  t.true(view.block_height > before, 'a block was made after the patch');
  const bad = await node.rpc('sandbox_patch_state', { records: [{ Account: { account_id: 'near', account: { amount: 'lots' } } }] });
  t.regex(bad.error?.data ?? '', /Failed parsing args/);
  await untilHeight(node, (h) => h >= view.block_height + 2); // the node keeps ticking after a refused patch
});

test('sandbox_fast_forward jumps the height and the ticks go on from there; dev methods (produce_blocks, set_next_block_timestamp, snapshot/revert) work between ticks', async (t) => {
  const node = await withIntervalNode(t);
  const start = (await headOf(node)).height as number;
  t.deepEqual((await node.rpc('sandbox_fast_forward', { delta_height: 200 })).result, {});
  const jumped = (await node.rpc('block', { finality: 'final' })).result.header.height as number;
  t.true(jumped >= start + 200, `final ${jumped} after a fast-forward of 200 from ${start}`);
  await untilHeight(node, (h) => h >= jumped + 4);

  const produced = (await node.rpc('sandbox_produce_blocks', { count: 3 })).result;
  t.true(produced.block_height >= jumped + 7);

  const next = BigInt((await headOf(node)).timestamp_nanosec) + 10n ** 12n; // 1000 s ahead
  const set = (await node.rpc('sandbox_set_next_block_timestamp', { timestamp_nanosec: next.toString() })).result;
  await untilHeight(node, (h) => h >= set.block_height + 2);
  const stamps = await Promise.all([1, 2].map(async (i) => BigInt((await node.rpc('block', { block_id: set.block_height + i })).result.header.timestamp_nanosec)));
  t.is(stamps[0], next, 'the next tick took the timestamp set');
  t.is(stamps[1]! - stamps[0]!, BigInt(INTERVAL_MS) * 1_000_000n, 'later ticks follow it one interval apart');

  const snapshot = (await node.rpc('sandbox_snapshot', [])).result.snapshot_id;
  const tx = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 7n }]);
  t.is((await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result.final_execution_status, 'FINAL');
  const reverted = (await node.rpc('sandbox_revert', { snapshot_id: snapshot })).result;
  t.true(reverted.reverted);
  t.truthy((await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'NONE' })).error, 'the reverted transaction is gone');
  await untilHeight(node, (h) => h >= reverted.block_height + 3);
});

test('a restart keeps the chain and the ticks go on from its head; a chain made on an interval continues on demand too', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'interval-restart-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  let node = await startTestNode({ home, persist: true, blockIntervalMs: INTERVAL_MS });
  const tx = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 9n }]);
  t.is((await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result.final_execution_status, 'FINAL');
  await node.stop();
  const stopped = await (async () => {
    node = await startTestNode({ home, persist: true, blockIntervalMs: INTERVAL_MS });
    return (await headOf(node)).height as number;
  })();
  t.true(stopped > 0);
  const found = (await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
  t.deepEqual(found.status, { SuccessValue: '' });
  const later = await untilHeight(node, (h) => h >= stopped + 3);
  await node.stop();
  node = await startTestNode({ home, persist: true });
  try {
    const resumed = (await headOf(node)).height as number;
    t.true(resumed >= later, 'every block made before the stop was kept');
    const tx2 = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 1n }]);
    t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: tx2.base64, wait_until: 'FINAL' })).result.status, { SuccessValue: '' });
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
    const idle = (await headOf(node)).height as number;
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
    t.is((await headOf(node)).height, idle, 'on demand: no blocks while idle');
  } finally {
    await node.stop();
  }
});

test('a node keeping its chain in memory forgets history older than 5 epochs, as a non-archival neard collects it, so its memory stays flat while idle; a snapshot keeps its own', async (t) => {
  const EPOCH = 60;
  const home = mkdtempSync(join(tmpdir(), 'interval-gc-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  initHome(home, { epochLength: EPOCH });
  const node = await startTestNode({ home, blockIntervalMs: INTERVAL_MS });
  t.teardown(() => node.stop());
  const tx = await signNext(node, ROOT, 'near', [{ type: 'Transfer', deposit: 1n }]);
  const sent = (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result;
  const txHeight = await heightOf(node, sent.transaction_outcome.block_hash);
  const receipt = sent.receipts_outcome[0].id as string;
  const snapshot = (await node.rpc('sandbox_snapshot', [])).result.snapshot_id;
  const produced = (await node.rpc('sandbox_produce_blocks', { count: 6 * EPOCH })).result.block_height as number;
  const head = await untilHeight(node, (h) => h > produced + 1); // a tick after the blocks: it collects
  t.is((await node.rpc('block', { block_id: txHeight })).error?.cause?.name, 'UNKNOWN_BLOCK');
  t.is((await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT })).error?.cause?.name, 'UNKNOWN_TRANSACTION');
  t.is((await node.rpc('EXPERIMENTAL_receipt', { receipt_id: receipt })).error?.cause?.name, 'UNKNOWN_RECEIPT');
  // the kept epochs: the head's and the four before it (nearcore gc_num_epochs_to_keep = 5)
  const keptFrom = (Math.floor((head - 1) / EPOCH) - 4) * EPOCH + 1;
  t.truthy((await node.rpc('block', { block_id: keptFrom })).result, `block ${keptFrom} is kept`);
  t.is((await node.rpc('block', { block_id: keptFrom - 1 })).error?.cause?.name, 'UNKNOWN_BLOCK', `block ${keptFrom - 1} is collected`);
  t.truthy((await node.rpc('sandbox_revert', { snapshot_id: snapshot })).result);
  t.deepEqual((await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT })).result.status, { SuccessValue: '' }, 'the snapshot had its history');
});

test('near-workspaces: Worker.init() with NEAR_SANDBOX_BLOCK_INTERVAL_MS gets a node on an interval (through the installed launcher), and its account calls succeed', async (t) => {
  const { Worker } = await import('near-workspaces');
  process.env[BLOCK_INTERVAL_ENV] = String(INTERVAL_MS);
  let worker;
  try {
    worker = await Worker.init();
  } finally {
    delete process.env[BLOCK_INTERVAL_ENV];
  }
  t.teardown(() => worker.tearDown());
  const provider = worker.provider as unknown as { block(q: { finality: 'optimistic' | 'final' }): Promise<{ header: { height: number; timestamp_nanosec: string } }> };
  const root = worker.rootAccount;
  const alice = await root.createSubAccount('alice', { initialBalance: 5n * NEAR });
  await root.transfer(alice, 1n * NEAR);
  t.is((await alice.balance()).total.toString(), (6n * NEAR).toString());
  const head = await provider.block({ finality: 'optimistic' });
  const deadline = Date.now() + 20_000;
  let later = head;
  while (later.header.height < head.header.height + 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    later = await provider.block({ finality: 'optimistic' });
  }
  t.true(later.header.height >= head.header.height + 3, 'blocks while idle');
  const spacing = (BigInt(later.header.timestamp_nanosec) - BigInt(head.header.timestamp_nanosec)) / BigInt(later.header.height - head.header.height);
  t.is(spacing, BigInt(INTERVAL_MS) * 1_000_000n, 'timestamps one interval apart: the node runs on the interval set');
});

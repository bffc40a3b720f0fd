/**
 * History garbage collection on a node that keeps its chain (node/store.ts): as a non-archival neard, history
 * older than nearcore's `gc_num_epochs_to_keep` (5) epochs is deleted, and queries for it get nearcore's
 * unknown-block / unknown-transaction / unknown-receipt errors; `run --archive` keeps everything. Epochs of 60
 * blocks (`init --fast`) keep the test short.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR, initHome } from '../../src/node/init.js';
import { NodeStore } from '../../src/node/store.js';
import { signNext, startTestNode, type TestNode } from './helpers.js';

const EPOCH = 60;

async function nodeWithOldTransfer(t: { teardown(f: () => void | Promise<void>): void }, archival: boolean) {
  const home = mkdtempSync(join(tmpdir(), 'gc-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  initHome(home, { epochLength: EPOCH });
  let node: TestNode = await startTestNode({ persist: true, home, archival });
  t.teardown(() => node.stop());
  const tx = await signNext(node, 'test.near', 'near', [{ type: 'Transfer', deposit: 1n }]);
  const sent = (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result;
  const txHeight = (await node.rpc('block', { block_id: sent.transaction_outcome.block_hash })).result.header.height as number;
  const receipt = sent.receipts_outcome[0].id as string;
  // 20 epochs later: far beyond the 5 kept and the 512 blocks the node holds in memory; GC goes 200 blocks a commit
  for (let i = 0; i < 10; i++) await node.rpc('sandbox_produce_blocks', { count: 2 * EPOCH });
  return { home, tx, txHeight, receipt, node: () => node, restart: async () => {
    await node.stop();
    node = await startTestNode({ persist: true, home, archival });
  } };
}

test('non-archival: history older than 5 epochs is gone (UNKNOWN_BLOCK / _TRANSACTION / _RECEIPT), recent history and restarts are unaffected', async (t) => {
  const { home, tx, txHeight, receipt, node, restart } = await nodeWithOldTransfer(t, false);
  const head = (await node().rpc('block', { finality: 'optimistic' })).result.header.height as number;
  const check = async () => {
    t.is((await node().rpc('block', { block_id: txHeight })).error?.cause?.name, 'UNKNOWN_BLOCK');
    t.is((await node().rpc('tx', { tx_hash: tx.hash, sender_account_id: 'test.near' })).error?.cause?.name, 'UNKNOWN_TRANSACTION');
    t.is((await node().rpc('EXPERIMENTAL_receipt', { receipt_id: receipt })).error?.cause?.name, 'UNKNOWN_RECEIPT');
    // the kept epochs: the current one and the four before it
    const keptFrom = Math.floor((head - 1) / EPOCH - 4) * EPOCH + 1;
    t.truthy((await node().rpc('block', { block_id: keptFrom })).result, `block ${keptFrom} is kept`);
    t.is((await node().rpc('block', { block_id: keptFrom - 1 })).error?.cause?.name, 'UNKNOWN_BLOCK', `block ${keptFrom - 1} is collected`);
  };
  await check();
  await restart();
  await check();
  await node().stop();
  const store = await NodeStore.open(join(home, DATA_DIR));
  t.teardown(() => store.close());
  t.is(store.blockByHeight(BigInt(txHeight)), undefined, 'deleted from disk, not only hidden');
  t.is(store.transaction(tx.hash), undefined);
});

test('archival (run --archive): every block, transaction and receipt stays', async (t) => {
  const { tx, txHeight, receipt, node, restart } = await nodeWithOldTransfer(t, true);
  await restart();
  t.is((await node().rpc('block', { block_id: txHeight })).result.header.height, txHeight);
  t.deepEqual((await node().rpc('tx', { tx_hash: tx.hash, sender_account_id: 'test.near' })).result.status, { SuccessValue: '' });
  t.truthy((await node().rpc('EXPERIMENTAL_receipt', { receipt_id: receipt })).result);
});

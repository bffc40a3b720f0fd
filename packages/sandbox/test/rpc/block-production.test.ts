/**
 * Block production behind JSON-RPC (runtime/block-producer.ts): transactions that arrive together share a
 * block, ordered per access key by nonce as nearcore's transaction pool gives them to a chunk
 * (chain/pool `TransactionPool`: groups by (signer, public key), lowest nonce first), and the receipts a
 * block produces run in the blocks after it.
 */
import test from 'ava';
import { KeyPair } from '../../src/primitives/crypto.js';
import { createSandbox } from '../../src/index.js';
import { NEAR, signTransaction, withNode, type TestNode, newAccountActions } from './helpers.js';

const ROOT = 'test.near';

async function finalHash(node: TestNode): Promise<string> {
  return (await node.rpc('block', { finality: 'final' })).result.header.hash;
}

async function rootNonce(node: TestNode): Promise<bigint> {
  const key = await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: node.rootKey.publicKeyString, finality: 'optimistic' });
  return BigInt(key.result.nonce);
}

const heightOf = async (node: TestNode, blockHash: string) => (await node.rpc('block', { block_id: blockHash })).result.header.height as number;

test('transactions sent together share one block; their receipts run in the next blocks (pool → chunk, as neard)', async (t) => {
  const node = await withNode(t);
  const senders = Array.from({ length: 8 }, (_, i) => ({ id: `s${i}.test.near`, key: KeyPair.fromLabel(`s${i}`) }));
  let nonce = await rootNonce(node);
  const blockHash = await finalHash(node);
  const creations = senders.map((s) =>
    signTransaction({
      signerId: ROOT,
      receiverId: s.id,
      actions: newAccountActions(s.key.publicKey, 10n * NEAR),
      keyPair: node.rootKey,
      nonce: ++nonce,
      blockHash,
    }),
  );
  const before = (await node.rpc('block', { finality: 'optimistic' })).result.header.height as number;
  // one JSON-RPC batch: its requests reach the pool in one turn (separate connections usually do too, but
  // how they arrive depends on the machine; bench:node-load measures that case)
  const { json: created } = await node.raw(creations.map((tx, i) => ({ jsonrpc: '2.0', id: i, method: 'send_tx', params: { signed_tx_base64: tx.base64, wait_until: 'FINAL' } })));
  for (const r of created) t.deepEqual(Object.keys(r.result?.status ?? r.error), ['SuccessValue'], JSON.stringify(r.error));
  const inclusion = new Set(await Promise.all(created.map((r: any) => heightOf(node, r.result.transaction_outcome.block_hash))));
  t.is(inclusion.size, 1, 'all eight transactions in one block');
  const [included] = [...inclusion];
  for (const r of created) {
    // the receipt runs in the block after inclusion, the gas refund in the one after that
    t.is(await heightOf(node, r.result.receipts_outcome[0].block_hash), included! + 1);
  }
  const after = (await node.rpc('block', { finality: 'optimistic' })).result.header.height as number;
  t.true(after - before <= 6, `8 creations made ${after - before} blocks (inclusion, receipt, refund, two for finality)`);
});

test('one key, nonces arriving out of order in one batch: both run, lowest nonce first (no InvalidNonce)', async (t) => {
  const node = await withNode(t);
  const nonce = await rootNonce(node);
  const blockHash = await finalHash(node);
  const tx = (n: bigint, deposit: bigint) => signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit }], keyPair: node.rootKey, nonce: n, blockHash });
  const later = tx(nonce + 2n, 2n);
  const first = tx(nonce + 1n, 1n);
  const { json } = await node.raw([later, first].map((x, i) => ({ jsonrpc: '2.0', id: i, method: 'send_tx', params: { signed_tx_base64: x.base64, wait_until: 'EXECUTED_OPTIMISTIC' } })));
  for (const r of json) t.truthy(r.result, JSON.stringify(r.error));
  const [laterOutcome, firstOutcome] = json.map((r: any) => r.result.transaction_outcome);
  t.is(laterOutcome.block_hash, firstOutcome.block_hash);
  const chunk = (await node.rpc('chunk', { block_id: laterOutcome.block_hash, shard_id: 0 })).result;
  t.deepEqual(chunk.transactions.map((x: any) => x.nonce), [Number(nonce + 1n), Number(nonce + 2n)]);
  t.is(await rootNonce(node), nonce + 2n);
});

test('broadcast_tx_async answers at once; the producer runs the transaction and tx waits for it', async (t) => {
  const node = await withNode(t, { persist: true });
  const nonce = await rootNonce(node);
  const tx = signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit: 5n }], keyPair: node.rootKey, nonce: nonce + 1n, blockHash: await finalHash(node) });
  const hash = (await node.rpc('broadcast_tx_async', [tx.base64])).result;
  t.is(hash, tx.hash);
  const status = (await node.rpc('tx', { tx_hash: hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
  t.is(status.final_execution_status, 'FINAL');
  t.deepEqual(status.status, { SuccessValue: '' });
});

test('an idle node makes no blocks; a transaction waiting for FINAL makes exactly its blocks', async (t) => {
  const node = await withNode(t);
  const height = async () => (await node.rpc('block', { finality: 'optimistic' })).result.header.height as number;
  const start = await height();
  await new Promise((r) => setTimeout(r, 100));
  t.is(await height(), start);
  const tx = signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit: 1n }], keyPair: node.rootKey, nonce: (await rootNonce(node)) + 1n, blockHash: await finalHash(node) });
  const r = (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result;
  const last = Math.max(...(await Promise.all(r.receipts_outcome.map((o: any) => heightOf(node, o.block_hash)))));
  t.is(await height(), last + 2, 'final = head − 2');
  await new Promise((r) => setTimeout(r, 100));
  t.is(await height(), last + 2);
});

test('in process: submitTransaction out of nonce order, one block runs both in nonce order', (t) => {
  const node = createSandbox();
  const alice = node.createAccount('alice.test.near');
  const nonce = node.getAccessKey('alice.test.near', alice.keyPair.publicKey)!.nonce;
  const second = node.submitTransaction(node.signTransaction('alice.test.near', ROOT, [{ type: 'Transfer', deposit: 2n }], { nonce: nonce + 2n }));
  const first = node.submitTransaction(node.signTransaction('alice.test.near', ROOT, [{ type: 'Transfer', deposit: 1n }], { nonce: nonce + 1n }));
  const block = node.produceBlocks(1);
  t.deepEqual(block.transactions, [first, second]);
  node.produceBlocks(2);
  t.true(node.getTransactionOutcome(first).succeeded);
  t.true(node.getTransactionOutcome(second).succeeded);
});

test('two transactions racing on one nonce: the second is refused with InvalidNonce (near-api-js signs it again), never a failed outcome', async (t) => {
  const node = await withNode(t);
  const nonce = (await rootNonce(node)) + 1n;
  const blockHash = await finalHash(node);
  const [a, b] = [1n, 2n].map((deposit) => signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit }], keyPair: node.rootKey, nonce, blockHash }));
  const { json } = await node.raw([a!, b!].map((x, i) => ({ jsonrpc: '2.0', id: i, method: 'send_tx', params: { signed_tx_base64: x.base64, wait_until: 'EXECUTED_OPTIMISTIC' } })));
  t.deepEqual(json[0].result.status, { SuccessValue: '' });
  t.deepEqual(json[1].error?.data, { TxExecutionError: { InvalidTxError: { InvalidNonce: { tx_nonce: Number(nonce), ak_nonce: Number(nonce) } } } });
  t.is((await node.rpc('tx', { tx_hash: b!.hash, sender_account_id: ROOT })).error?.cause?.name, 'UNKNOWN_TRANSACTION', 'nothing of it is on chain');
});

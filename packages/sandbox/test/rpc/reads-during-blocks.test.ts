/**
 * Reads while the node applies a block (issue 18: a relayer's `view_access_key` must not wait for a whole block):
 * neard answers views from the head's state on its view client's threads while the next block is applied; this
 * node applies a block in slices and answers reads between them (runtime/block-producer.ts
 * `answerReadsDuringBlocks`), from the chain as it was before the block, never half of it. Through the node
 * process (`near-sandbox run`, persisting its chain) over JSON-RPC.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyPair } from '../../src/primitives/crypto.js';
import { initHome, VALIDATOR_KEY_FILE } from '../../src/node/init.js';
import { readKeyFile } from '../../src/node/key-file.js';
import { watToWasm } from '../runtime/contract-helpers.js';
import { NEAR, signTransaction, TGAS, newAccountActions } from './helpers.js';
import { killNode, rpc, startNodeProcess } from './node-process.js';

const wasm = await watToWasm('block-reads.wat');
const BURNER = 'burner.test.near';
/** Transactions in the block, each a receipt of ~200 Tgas of loop (tens of ms): the block's steps. */
const CALLS = 8;
const ITERATIONS = 25_000_000;

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

/** One JSON-RPC batch of reads, answered at one point in time (a batch's reads run in the same turn). */
interface Read {
  answeredAt: number;
  /** The head's height (`block` optimistic) and the heights the three queries read at. */
  heights: number[];
  nonce: number;
  amount: string;
  /** What the contract's `get` view returns (hex). */
  stored: string;
  /** Whether `EXPERIMENTAL_tx_status` (wait_until NONE) knows the block's first transaction. */
  txKnown: boolean;
}

test('view_access_key, view_account, call_function, block and tx status sent while a long block runs are answered before it ends, from the chain before it', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'reads-during-blocks-'));
  initHome(home);
  const node = await startNodeProcess(home);
  t.teardown(async () => {
    await killNode(node);
    rmSync(home, { recursive: true, force: true });
  });
  const root = KeyPair.fromString(readKeyFile(join(home, VALIDATOR_KEY_FILE)).key.secretKey);
  const call = async (method: string, params: unknown) => {
    const reply = await rpc(node.url, method, params);
    if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
    return reply.result;
  };
  const finalHash = async () => (await call('block', { finality: 'final' })).header.hash as string;

  const rootNonce = BigInt((await call('query', { request_type: 'view_access_key', account_id: 'test.near', public_key: root.publicKeyString, finality: 'optimistic' })).nonce);
  const create = signTransaction({
    signerId: 'test.near',
    receiverId: BURNER,
    actions: [
      ...newAccountActions(root.publicKey, 100n * NEAR),
      { type: 'DeployContract', code: wasm },
      { type: 'FunctionCall', methodName: 'set', args: new TextEncoder().encode('before'), gas: 30n * TGAS, deposit: 0n },
    ],
    keyPair: root,
    nonce: rootNonce + 1n,
    blockHash: await finalHash(),
  });
  await call('send_tx', { signed_tx_base64: create.base64, wait_until: 'FINAL' });

  let firstTx = '11111111111111111111111111111111';
  const read = async (): Promise<Read> => {
    const requests = [
      ['block', { finality: 'optimistic' }],
      ['query', { request_type: 'view_access_key', account_id: BURNER, public_key: root.publicKeyString, finality: 'optimistic' }],
      ['query', { request_type: 'view_account', account_id: BURNER, finality: 'optimistic' }],
      ['query', { request_type: 'call_function', account_id: BURNER, method_name: 'get', args_base64: '', finality: 'optimistic' }],
      ['EXPERIMENTAL_tx_status', { tx_hash: firstTx, sender_account_id: BURNER, wait_until: 'NONE' }],
    ] as const;
    const body = JSON.stringify(requests.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params })));
    const answers = (await (await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as any[];
    const [block, key, account, view, tx] = answers.sort((a, b) => a.id - b.id);
    for (const a of [block, key, account, view]) if (a.error) throw new Error(JSON.stringify(a.error));
    if (tx.error && tx.error.cause?.name !== 'UNKNOWN_TRANSACTION') throw new Error(JSON.stringify(tx.error));
    return {
      answeredAt: performance.now(),
      heights: [block.result.header.height, key.result.block_height, account.result.block_height, view.result.block_height],
      nonce: key.result.nonce,
      amount: account.result.amount,
      stored: Buffer.from(view.result.result).toString('hex'),
      txKnown: tx.result !== undefined,
    };
  };
  const start = await read();
  const startHeight = start.heights[0]!;

  // the burner calls itself: its receipts are local and run in the block that includes the transactions
  const blockHash = await finalHash();
  const txs = Array.from({ length: CALLS }, (_, i) =>
    signTransaction({
      signerId: BURNER,
      receiverId: BURNER,
      actions: [{ type: 'FunctionCall', methodName: 'burn', args: u32(ITERATIONS + i), gas: 300n * TGAS, deposit: 0n }],
      keyPair: root,
      nonce: BigInt(start.nonce) + 1n + BigInt(i),
      blockHash,
    }),
  );
  firstTx = txs[0]!.hash;
  let answeredAt = Infinity;
  // one JSON-RPC batch: the transactions enter the pool together and share a block
  const batch = txs.map((tx, id) => ({ jsonrpc: '2.0', id, method: 'send_tx', params: { signed_tx_base64: tx.base64, wait_until: 'INCLUDED' } }));
  const sent = fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) })
    .then((res) => res.json() as Promise<Array<{ result?: any; error?: unknown }>>)
    .then((answers) => {
      answeredAt = performance.now();
      return answers.map((a) => a.result ?? t.fail(`send_tx: ${JSON.stringify(a.error)}`));
    });
  // one read after the other until the block's transactions are answered, then one more
  const reads: Read[] = [];
  while (answeredAt === Infinity) reads.push(await read());
  const outcomes = await sent;
  const after = await read();

  const included = new Set(outcomes.map((o) => o.transaction_outcome.block_hash as string));
  t.is(included.size, 1, 'the transactions and their receipts ran in one block');
  const block = await call('block', { block_id: [...included][0] });
  const height = block.header.height as number;
  t.is(block.header.prev_height ?? height - 1, startHeight, 'the block follows the head the first read saw');
  t.true(outcomes.every((o) => o.receipts_outcome.length > 0 && o.receipts_outcome[0].block_hash === block.header.hash));

  const burnt = Buffer.from(u32(ITERATIONS + CALLS - 1)).toString('hex');
  t.is(after.nonce, start.nonce + CALLS);
  t.true(after.heights[0]! >= height);
  t.is(after.stored, burnt);
  t.true(after.txKnown);

  // every batch reads one point in time: the chain before the block (at its parent's height) or after it (the
  // block, or the one running its refunds), never half of it; a pooled transaction is not known at NONE
  for (const r of reads) {
    const [head] = r.heights;
    t.true(r.heights.every((h) => h === head), `one height in a batch: ${r.heights}`);
    if (head === startHeight) t.deepEqual([r.nonce, r.amount, r.stored, r.txKnown], [start.nonce, start.amount, start.stored, false], `the chain before the block, read at ${head}`);
    else {
      t.deepEqual([r.nonce, r.stored, r.txKnown], [start.nonce + CALLS, burnt, true], `the chain after the block, read at ${head}`);
      t.not(r.amount, start.amount, "the block's contract rewards");
    }
  }
  // each suspension between the block's receipts answers the reads waiting (one read after the other: up to
  // CALLS - 1 of them; fewer when the machine is loaded and the reader misses suspensions); a node that runs the
  // block at once answers only what arrived before it started (0-1 measured), and 3 is above that
  const beforeBlock = reads.filter((r) => r.answeredAt < answeredAt && r.heights[0] === startHeight);
  t.log(`${beforeBlock.length} of ${reads.length} reads answered from the state before the block while it ran`);
  t.true(beforeBlock.length >= 3, `${beforeBlock.length} reads answered from the state before the block while it ran (of ${reads.length})`);
});

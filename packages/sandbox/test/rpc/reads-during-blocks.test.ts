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
import { NEAR, signTransaction, TGAS } from './helpers.js';
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

/** Three queries sent together, each answered with the height of the state it read. */
interface Read {
  answeredAt: number;
  nonce: number;
  keyHeight: number;
  amount: string;
  accountHeight: number;
  /** What the contract's `get` view returns (hex). */
  stored: string;
  viewHeight: number;
}

test('view_access_key, view_account and call_function sent while a long block runs are answered before it ends, from the state before it', async (t) => {
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
  const keyView = () => call('query', { request_type: 'view_access_key', account_id: BURNER, public_key: root.publicKeyString, finality: 'optimistic' });

  const rootNonce = BigInt((await call('query', { request_type: 'view_access_key', account_id: 'test.near', public_key: root.publicKeyString, finality: 'optimistic' })).nonce);
  const create = signTransaction({
    signerId: 'test.near',
    receiverId: BURNER,
    actions: [
      { type: 'CreateAccount' },
      { type: 'Transfer', deposit: 100n * NEAR },
      { type: 'AddKey', publicKey: root.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } },
      { type: 'DeployContract', code: wasm },
      { type: 'FunctionCall', methodName: 'set', args: new TextEncoder().encode('before'), gas: 30n * TGAS, deposit: 0n },
    ],
    keyPair: root,
    nonce: rootNonce + 1n,
    blockHash: await finalHash(),
  });
  await call('send_tx', { signed_tx_base64: create.base64, wait_until: 'FINAL' });

  const read = async (): Promise<Read> => {
    const [key, account, view] = await Promise.all([
      keyView(),
      call('query', { request_type: 'view_account', account_id: BURNER, finality: 'optimistic' }),
      call('query', { request_type: 'call_function', account_id: BURNER, method_name: 'get', args_base64: '', finality: 'optimistic' }),
    ]);
    return {
      answeredAt: performance.now(),
      nonce: key.nonce,
      keyHeight: key.block_height,
      amount: account.amount,
      accountHeight: account.block_height,
      stored: Buffer.from(view.result).toString('hex'),
      viewHeight: view.block_height,
    };
  };
  const start = await read();

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
  t.is(block.header.prev_height ?? height - 1, start.keyHeight, 'the block follows the head the first read saw');
  t.true(outcomes.every((o) => o.receipts_outcome.length > 0 && o.receipts_outcome[0].block_hash === block.header.hash));

  const burnt = Buffer.from(u32(ITERATIONS + CALLS - 1)).toString('hex');
  t.is(after.nonce, start.nonce + CALLS);
  t.true(after.keyHeight >= height);
  t.is(after.stored, burnt);

  // every answer is the state before the block (at its parent's height) or after it (the block, or the one
  // running its refunds), never half of it
  for (const r of reads) {
    t.is(r.nonce, r.keyHeight === start.keyHeight ? start.nonce : start.nonce + CALLS, `view_access_key at ${r.keyHeight}`);
    t.is(r.stored, r.viewHeight === start.keyHeight ? start.stored : burnt, `call_function at ${r.viewHeight}`);
    if (r.accountHeight === start.keyHeight) t.is(r.amount, start.amount, `view_account at ${r.accountHeight}`);
    else t.not(r.amount, start.amount, `view_account at ${r.accountHeight}: the block's contract rewards`);
  }
  // each suspension between the block's receipts answers the reads waiting; a node that runs the block at once
  // answers only what arrived before it started
  const beforeBlock = reads.filter((r) => r.answeredAt < answeredAt && [r.keyHeight, r.accountHeight, r.viewHeight].every((h) => h === start.keyHeight));
  t.log(`${beforeBlock.length} of ${reads.length} reads answered from the state before the block while it ran`);
  t.true(beforeBlock.length >= CALLS / 2, `${beforeBlock.length} reads answered from the state before the block while it ran (of ${reads.length})`);
});

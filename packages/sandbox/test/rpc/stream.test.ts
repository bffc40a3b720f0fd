/**
 * The execution stream: `Sandbox.onExecution` in process, and the lines `npm run sandbox` prints for the same
 * transaction sent over JSON-RPC (near-api-js 7 against the dev node).
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Account, JsonRpcProvider, type KeyPairString } from 'near-api-js';
import { createSandbox, TGAS, type ExecutionEvent, type ReceiptEvent } from '../../src/index.js';
import { startDevNode } from '../../src/node/dev.js';
import { createStreamPrinter } from '../../src/node/stream-printer.js';
import { readKeyFile } from '../../src/node/key-file.js';
import { watToWasm } from '../runtime/contract-helpers.js';

const wasm = await watToWasm('events.wat');
const PANIC = 'Smart contract panicked: boom!';
const CALLBACK_PANIC = 'Smart contract panicked: Callback: the call to b failed';

test('onExecution: a cross-contract call with a failing callback, receipts in execution order with logs, events and panics', (t) => {
  const node = createSandbox();
  for (const id of ['a.test.near', 'b.test.near']) {
    node.createAccount(id);
    node.deployContract(id, wasm);
  }
  const events: ExecutionEvent[] = [];
  const stop = node.onExecution((e) => events.push(e));
  const result = node.call('test.near', 'a.test.near', 'start', undefined, { gas: 100n * TGAS });
  stop();
  node.call('test.near', 'a.test.near', 'start', undefined, { gas: 100n * TGAS });

  t.is(events[0]!.kind, 'transaction');
  t.like(events[0], { signerId: 'test.near', receiverId: 'a.test.near', hash: result.hash });
  const receipts = events.filter((e): e is ReceiptEvent => e.kind === 'receipt' && !e.isRefund);
  t.deepEqual(
    receipts.map((r) => [`${r.predecessorId} → ${r.receiverId}.${r.actions[0]!.methodName}`, r.failure ?? 'ok']),
    [
      ['test.near → a.test.near.start', 'ok'],
      ['a.test.near → b.test.near.boom', PANIC],
      ['a.test.near → a.test.near.on_done', CALLBACK_PANIC],
    ],
  );
  t.deepEqual(receipts[0]!.logs[0], 'start: calling b');
  t.deepEqual(receipts[0]!.events, [{ standard: 'probe', version: '1.0.0', event: 'started', data: [{ by: 'a' }] }]);
  t.deepEqual(receipts[2]!.logs, ['on_done: b failed']);
  // the stream is the outcomes: the same receipts, the same gas, in nearcore's order of execution
  const outcomes = new Map(result.receipts.map((o) => [o.id, o]));
  for (const r of events.filter((e): e is ReceiptEvent => e.kind === 'receipt')) t.is(r.gasBurnt, BigInt(outcomes.get(r.id)!.outcome.gas_burnt));
  t.is(events.filter((e) => e.kind === 'receipt').length, result.receipts.length);
  t.true(events.some((e) => e.kind === 'receipt' && e.isRefund), 'gas refunds are in the stream, flagged');
  t.is(events.length, 1 + result.receipts.length, 'nothing after unsubscribing');
});

test('npm run sandbox prints one line per transaction and receipt, logs and events beneath, the panic text; --verbose adds gas profiles; colour only when asked', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'stream-'));
  const plain: string[] = [];
  const verbose: string[] = [];
  const coloured: string[] = [];
  const printers = [
    createStreamPrinter((l) => plain.push(l)),
    createStreamPrinter((l) => verbose.push(l), { verbose: true }),
    createStreamPrinter((l) => coloured.push(l), { color: true }),
  ];
  const dev = await startDevNode({ home, port: 0, onExecution: (e) => printers.forEach((p) => p(e)) });
  t.teardown(async () => {
    await dev.node.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const provider = new JsonRpcProvider({ url: dev.rpcUrl });
  const root = new Account('test.near', provider, readKeyFile(dev.rootKeyFile).key.secretKey as KeyPairString);
  for (const prefix of ['a', 'b']) {
    await root.createSubAccount({ accountOrPrefix: prefix, publicKey: (await root.getAccessKeyList()).keys[0]!.public_key, nearToTransfer: 10n ** 25n });
    const account = new Account(`${prefix}.test.near`, provider, readKeyFile(dev.rootKeyFile).key.secretKey as KeyPairString);
    await account.deployContract(wasm);
  }
  plain.length = 0;
  verbose.length = 0;
  coloured.length = 0;
  const call = root.signAndSendTransaction({ receiverId: 'a.test.near', actions: [(await import('near-api-js')).actions.functionCall('start', new Uint8Array(), 100n * TGAS, 0n)] });
  await t.throwsAsync(call, { message: CALLBACK_PANIC }, 'the callback fails the transaction');

  const expected = [
    /^#\d+ tx {3}\w{4}… {2}test\.near → a\.test\.near {2}start\(\) {2}converted \d+\.\d\d Tgas$/,
    /^#\d+ {3}✔ a\.test\.near\.start\(\) {2}← test\.near {2}\d+\.\d\d Tgas$/,
    /^ {8}log {3}start: calling b$/,
    /^ {8}event probe started \[\{"by":"a"\}\]$/,
    /^#\d+ {3}✘ b\.test\.near\.boom\(\) {2}← a\.test\.near {2}\d+\.\d\d Tgas {2}Smart contract panicked: boom!$/,
    /^#\d+ {3}✘ a\.test\.near\.on_done\(\) {2}← a\.test\.near {2}\d+\.\d\d Tgas {2}Smart contract panicked: Callback: the call to b failed$/,
    /^ {8}log {3}on_done: b failed$/,
  ];
  t.is(plain.length, expected.length, plain.join('\n'));
  expected.forEach((pattern, i) => t.regex(plain[i] ?? '', pattern));
  const heights = plain.filter((l) => l.startsWith('#')).map((l) => Number(/^#(\d+)/.exec(l)![1]));
  t.deepEqual([...heights].sort((x, y) => x - y), heights, 'in execution order');
  t.true(plain.every((l) => !l.includes('\x1b[')), 'no colour codes unless asked');
  t.true(coloured.some((l) => l.includes('\x1b[31m✘')), 'failures in red on a terminal');
  t.true(verbose.some((l) => /^ {8}gas {3}host {3}WASM_INSTRUCTION +\d+\.\d\d Tgas$/.test(l)), verbose.join('\n'));
  t.true(verbose.some((l) => /refund .* → test\.near/.test(l)), 'refunds with --verbose');
});

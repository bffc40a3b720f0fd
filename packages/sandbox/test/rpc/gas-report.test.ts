/**
 * The gas report (`npm test -- --gas-report`): nodes record every function-call receipt
 * (src/node/gas-recorder.ts), scripts/lib/gas-report.ts sums them per contract.method, and the test runner
 * compares a run with a baseline and fails on a regression.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { base58 } from '@scure/base';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSandbox, TGAS, type TransactionResult } from '../../src/index.js';
import { GAS_REPORT_DIR_ENV } from '../../src/node/gas-recorder.js';
import { compareGasReports, readGasRecords, summarise, type GasReport } from '../../../../scripts/lib/gas-report.js';
import { watToWasm } from '../runtime/contract-helpers.js';
import { signNext, startTestNode } from './helpers.js';

/** The report's name for code the build does not know: the first 8 characters of its base58 sha256. */
const codeName = (wasm: Uint8Array) => base58.encode(createHash('sha256').update(wasm).digest()).slice(0, 8);
const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const events = await watToWasm('events.wat');
const caller = await watToWasm('caller.wat');

test('the report covers every function-call receipt of the run: totals equal the sum of their gas_burnt, in process and over RPC', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gas-records-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  process.env[GAS_REPORT_DIR_ENV] = dir;
  t.teardown(() => delete process.env[GAS_REPORT_DIR_ENV]);

  const node = createSandbox();
  node.createAccount('a.test.near');
  node.createAccount('b.test.near');
  node.deployContract('a.test.near', caller);
  node.deployContract('b.test.near', caller);
  const results: TransactionResult[] = [];
  for (const method of ['call_ok', 'call_boom', 'call_both', 'set', 'set', 'boom']) {
    results.push(node.call('test.near', 'a.test.near', method, method === 'set' ? '{"v":1}' : undefined, { gas: 100n * TGAS }));
  }
  const functionCalls = (r: TransactionResult, get: (id: string) => any) =>
    r.receipts.filter((o) => get(o.id).receipt.Action?.actions.some((a: any) => a.FunctionCall) && get(o.id).predecessor_id !== 'system');
  const inProcess = results.flatMap((r) => functionCalls(r, (id) => node.getReceipt(id)));

  // the node behind RPC records as well (what near-workspaces starts)
  const rpcNode = await startTestNode();
  t.teardown(() => rpcNode.stop());
  const deploy = await signNext(rpcNode, 'test.near', 'test.near', [{ type: 'DeployContract', code: events }]);
  await rpcNode.rpc('broadcast_tx_commit', [deploy.base64]);
  const call = await signNext(rpcNode, 'test.near', 'test.near', [{ type: 'FunctionCall', methodName: 'boom', args: new Uint8Array(), gas: 30n * TGAS, deposit: 0n }]);
  const answered = (await rpcNode.rpc('EXPERIMENTAL_tx_status', { tx_hash: (await rpcNode.rpc('broadcast_tx_commit', [call.base64])).result.transaction_outcome.id, sender_account_id: 'test.near', wait_until: 'FINAL' })).result;
  const overRpc = answered.receipts_outcome.filter((o: any) => answered.receipts.find((r: any) => r.receipt_id === o.id)?.receipt.Action.actions.some((a: any) => a.FunctionCall) && o.outcome.executor_id === 'test.near' && o.outcome.gas_burnt > 0 && answered.receipts.find((r: any) => r.receipt_id === o.id)?.predecessor_id !== 'system');
  await new Promise((done) => setImmediate(done)); // the recorder writes once the block's microtasks run

  const report = summarise(readGasRecords(dir));
  const expected = [...inProcess, ...overRpc];
  t.is(report.totals.calls, expected.length);
  t.is(report.totals.gas, expected.reduce((n, o) => n + Number(o.outcome.gas_burnt), 0));
  const sets = results.filter((_, i) => i === 3 || i === 4).map((r) => Number(r.receipts[0]!.outcome.gas_burnt)).sort((x, y) => x - y);
  // contracts the build does not know are named by their code, so one contract on many accounts is one row
  t.like(report.methods[`code:${codeName(caller)}.set`], { calls: 2, min: sets[0], max: sets[1] });
  t.is(report.methods[`code:${codeName(caller)}.boom`]?.calls, 3, 'b.boom from call_boom and call_both, and a.boom');
  t.is(report.methods[`code:${codeName(events)}.boom`]?.calls, 1, 'the call over RPC');
  const shares = report.methods[`code:${codeName(caller)}.set`]!.shares;
  t.true(shares.wasm > 0 && shares.storage > 0 && shares.actions > 0);
  t.is(Math.round((shares.wasm + shares.storage + shares.actions + shares.other) * 1e9), 1e9);
});

test('compare: a median above the baseline by more than the threshold is a regression; equal or within it is not', (t) => {
  const method = (median: number) => ({ calls: 1, min: median, median, max: median, total: median, shares: { wasm: 0.5, storage: 0.2, actions: 0.2, other: 0.1 } });
  const baseline: GasReport = { methods: { 'token.ft_transfer': method(4e12), 'token.gone': method(1e12) }, totals: { calls: 2, gas: 5e12 } };
  const current: GasReport = { methods: { 'token.ft_transfer': method(4.1e12), 'token.new': method(9e12) }, totals: { calls: 2, gas: 13.1e12 } };
  t.deepEqual(compareGasReports(baseline, current, 0.05), []);
  t.deepEqual(compareGasReports(baseline, current, 0.02), [{ method: 'token.ft_transfer', baseline: 4e12, current: 4.1e12, change: 0.1e12 / 4e12 }]);
});

test('npm test -- --gas-report=compare fails the run on an injected regression and names it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gas-baseline-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const baseline = join(dir, 'gas-report.json');
  const run = (args: string[], file = 'packages/sandbox/test/rpc/stream.test.ts') =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/test.ts'), ...args, file], {
      cwd: REPO,
      env: { ...process.env, NEAR_GAS_REPORT_BASELINE: baseline, NEAR_GAS_REPORT: '' },
      maxBuffer: 1 << 24,
    }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );

  const written = await run(['--gas-report=update', '--json']);
  t.is(written.code, 0, written.out);
  const printed = JSON.parse(written.out.split('\n').find((l) => l.startsWith('{"scope"'))!) as GasReport;
  const saved = JSON.parse(readFileSync(baseline, 'utf8')) as GasReport;
  t.deepEqual(saved, printed);
  const start = `code:${codeName(events)}.start`;
  t.true(saved.methods[start]!.calls >= 2, 'both tests of the file called start');

  // inject a regression: the baseline says start used to cost 10 % less
  saved.methods[start]!.median = Math.round(saved.methods[start]!.median / 1.1);
  writeFileSync(baseline, JSON.stringify(saved));
  const compared = await run(['--gas-report=compare']);
  t.is(compared.code, 1);
  t.true(compared.out.includes(`gas regression: ${start} median `), compared.out);
  t.regex(compared.out, /gas regression: code:\w{8}\.start median \d+\.\d\d → \d+\.\d\d Tgas \(\+10\.0% > 2\.0%\)/);
  t.regex(compared.out, /^\d+ passed, 1 failed$/m);
  t.regex(compared.out, /code:\w{8}\.start +\d+ +\d+\.\d\d/, 'the table is printed too');

  // medians depend on the tests that made the calls: a run of other files is refused, not compared
  const other = await run(['--gas-report=compare'], 'packages/sandbox/test/runtime/primitives.test.ts');
  t.is(other.code, 1);
  t.regex(other.out, /the baseline .* was made from packages\/sandbox\/test\/rpc\/stream\.test\.ts, this run covers packages\/sandbox\/test\/runtime\/primitives\.test\.ts; compare the same files/);
});

/**
 * In-process runtime throughput: `npm run bench:runtime` (table) or `npm run bench:runtime -- --json`.
 * Ratios within one run are what to compare; absolute numbers depend on the machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createSandbox, NEAR } from '../src/index.js';

const json = process.argv.includes('--json');
const N = Number(process.env.BENCH_N ?? 2000);

function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const require = createRequire(import.meta.url);
const wabt = await (require('wabt') as () => Promise<any>)();
const mod = wabt.parseWat('caller.wat', readFileSync(new URL('../test/runtime/contracts/caller.wat', import.meta.url), 'utf8'));
const wasm = new Uint8Array(mod.toBinary({}).buffer);

const results: Record<string, { ops: number; ms: number; perSecond: number; note: string }> = {};
const record = (name: string, ops: number, ms: number, note: string) => (results[name] = { ops, ms: Math.round(ms), perSecond: Math.round((ops / ms) * 1000), note });

{
  const node = createSandbox();
  node.createAccount('alice.test.near', { balance: 1000n * NEAR });
  const ms = timeIt(() => {
    for (let i = 0; i < N; i++) node.transfer('alice.test.near', 'test.near', 1n);
  });
  record('transfer, sendTransaction each', N, ms, 'sign + verify + 3 blocks (receipt, refund) per transfer');
}
{
  const node = createSandbox();
  node.createAccount('alice.test.near', { balance: 1000n * NEAR });
  const kp = node.keyPairOf('alice.test.near')!;
  const start = node.getAccessKey('alice.test.near', kp.publicKey)!.nonce;
  const txs = Array.from({ length: N }, (_, i) => node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { nonce: start + 1n + BigInt(i) }));
  const ms = timeIt(() => {
    for (const tx of txs) node.submitTransaction(tx);
    node.produceBlocks(3);
  });
  record('transfer, batched in one block', N, ms, 'submitTransaction ×N, then 3 blocks (signing excluded)');
}
{
  const node = createSandbox();
  node.createAccount('a.test.near');
  node.deployContract('a.test.near', wasm);
  const ms = timeIt(() => {
    for (let i = 0; i < N / 4; i++) node.call('a.test.near', 'a.test.near', 'set', `{"i":${i}}`);
  });
  record('function call (storage write)', N / 4, ms, 'local receipt, WAT contract');
}
{
  const node = createSandbox();
  node.createAccount('a.test.near');
  node.createAccount('b.test.near');
  node.deployContract('a.test.near', wasm);
  node.deployContract('b.test.near', wasm);
  const ms = timeIt(() => {
    for (let i = 0; i < N / 10; i++) node.call('test.near', 'a.test.near', 'call_ok', undefined, { gas: 100n * 10n ** 12n });
  });
  record('cross-contract call + callback', N / 10, ms, '6 receipts, 4 blocks per call');
}
{
  const node = createSandbox();
  for (let i = 0; i < 200; i++) node.createAccount(`u${i}.test.near`);
  const ms = timeIt(() => {
    for (let i = 0; i < 100; i++) node.restore(node.snapshot());
  });
  record('snapshot + restore (202 accounts, ~600 blocks)', 100, ms, 'copy of state maps and chain indexes');
}
{
  const node = createSandbox();
  const ms = timeIt(() => node.produceBlocks(10_000));
  record('empty blocks', 10_000, ms, 'produceBlocks(10000)');
}

if (json) {
  console.log(JSON.stringify({ bench: 'sandbox-runtime', n: N, results }));
} else {
  console.table(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { 'ops': v.ops, 'ms': v.ms, 'ops/s': v.perSecond, note: v.note }])));
}

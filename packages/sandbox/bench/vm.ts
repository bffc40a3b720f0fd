/**
 * VM micro benchmark: gas/stack instrumentation overhead (instrumented vs original module, same calls),
 * preparation time for real contracts, and per-call time of runFunctionCall.
 * Usage: tsx packages/sandbox/bench/vm.ts [--json]
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sha256 } from '@noble/hashes/sha2.js';
import wabtInit from 'wabt';
import { runtimeConfig } from '../src/parameters/index.js';
import { prepareContract } from '../src/vm/prepare.js';
import { runFunctionCall } from '../src/vm/index.js';
import { VMLogic } from '../src/vm/logic.js';
import type { VMContext } from '../src/vm/types.js';
import { MapExternal } from './map-external.js';

const json = process.argv.includes('--json');
const cfg = runtimeConfig(86);
const wabt = await wabtInit();
const wat = (s: string) => wabt.parseWat('bench.wat', s).toBinary({}).buffer as Uint8Array;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function timeIt(fn: () => void, runs: number): number {
  fn(); // warm up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

/**
 * A and B interleaved (so load changes on a shared machine hit both alike); returns median and minimum of
 * each. The minimum is the most load-robust estimate of the intrinsic cost.
 */
function timePair(a: () => void, b: () => void, runs: number) {
  a();
  b();
  const xa: number[] = [];
  const xb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    a();
    xa.push(performance.now() - t);
    t = performance.now();
    b();
    xb.push(performance.now() - t);
  }
  return { a: { median: median(xa), min: Math.min(...xa) }, b: { median: median(xb), min: Math.min(...xb) } };
}

const prepareCfg = { ...cfg.wasm };

/** Same exported function run from the original module and from the instrumented one (plenty of gas). */
function overhead(name: string, source: string, method: string, runs = 15) {
  const original = wat(source);
  const prepared = prepareContract(original, prepareCfg);
  const mem = () => new WebAssembly.Memory({ initial: cfg.wasm.initialMemoryPages, maximum: cfg.wasm.maxMemoryPages });
  const plain = new WebAssembly.Instance(new WebAssembly.Module(original as Uint8Array<ArrayBuffer>), {});
  const inst = new WebAssembly.Instance(new WebAssembly.Module(prepared.code as Uint8Array<ArrayBuffer>), { internal: { memory: mem() } });
  const setGas = inst.exports.gas_set as (v: bigint) => void;
  const plainFn = plain.exports[method] as () => void;
  const instFn = inst.exports['\0' + method] as () => void;
  const r = timePair(
    () => plainFn(),
    () => {
      setGas(1n << 62n);
      instFn();
    },
    runs,
  );
  return { name, plainMs: r.a.min, instrumentedMs: r.b.min, ratio: r.b.min / r.a.min, plainMedianMs: r.a.median, instrumentedMedianMs: r.b.median };
}

const fib = `(module
  (func $fib (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "main") (drop (call $fib (i32.const 27)))))`;
const loop = `(module (memory 1)
  (func (export "main") (local $i i32) (local $acc i64)
    (loop $l
      (i64.store (i32.and (local.get $i) (i32.const 1023)) (local.get $acc))
      (local.set $acc (i64.add (local.get $acc) (i64.load (i32.and (i32.mul (local.get $i) (i32.const 7)) (i32.const 1023)))))
      (local.set $acc (i64.xor (local.get $acc) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3000000))))))`;
const sortBench = `(module (memory 1)
  (func (export "main") (local $i i32) (local $j i32) (local $t i32)
    (local.set $i (i32.const 0))
    (loop $init (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.sub (i32.const 4000) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $init (i32.lt_u (local.get $i) (i32.const 2500))))
    (local.set $i (i32.const 0))
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (if (i32.gt_s (i32.load (i32.shl (local.get $j) (i32.const 2))) (i32.load (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2))))
          (then
            (local.set $t (i32.load (i32.shl (local.get $j) (i32.const 2))))
            (i32.store (i32.shl (local.get $j) (i32.const 2)) (i32.load (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2))))
            (i32.store (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 2)) (local.get $t))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.sub (i32.const 2499) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (i32.const 2499))))))`;

const overheads = [overhead('fib(27) (call-heavy)', fib, 'main'), overhead('load/store loop', loop, 'main'), overhead('bubble sort 2500', sortBench, 'main')];

// Real contracts: preparation time and per-call time.
const require = createRequire(import.meta.url);
const contracts: Array<{ name: string; code: Uint8Array; method?: string; input?: string }> = [];
const linkdrop = require.resolve('near-workspaces/package.json').replace('package.json', 'core_contracts/testnet-linkdrop.wasm');
contracts.push({ name: 'testnet-linkdrop.wasm (Rust)', code: new Uint8Array(readFileSync(linkdrop)), method: 'get_key_balance', input: '{"key":"ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp"}' });
const buildDir = new URL('../../../build/', import.meta.url);
if (existsSync(buildDir)) {
  for (const f of readdirSync(buildDir)) if (f.endsWith('.wasm')) contracts.push({ name: `build/${f}`, code: new Uint8Array(readFileSync(new URL(f, buildDir))) });
}

const context = (input: string): VMContext => ({
  currentAccountId: 'alice.near', signerAccountId: 'bob.near', signerAccountPk: new Uint8Array(33), predecessorAccountId: 'bob.near',
  input: new TextEncoder().encode(input), promiseResults: [], blockHeight: 1n, blockTimestamp: 1n, epochHeight: 1n,
  accountBalance: 10n ** 25n, accountLockedBalance: 0n, storageUsage: 1000n, attachedDeposit: 0n, prepaidGas: 300_000_000_000_000n,
  randomSeed: new Uint8Array(32), isView: false, outputDataReceivers: [],
});

const real = contracts.map((c) => {
  const prepareMs = timeIt(() => prepareContract(c.code, prepareCfg), 3);
  const prepared = prepareContract(c.code, prepareCfg);
  const method = c.method ?? [...prepared.functionExports.keys()].find((m) => m.startsWith('get') || m.startsWith('view')) ?? [...prepared.functionExports.keys()][0]!;
  const codeHash = sha256(c.code);
  const run = () => runFunctionCall({ code: c.code, codeHash, methodName: method, context: context(c.input ?? '{}'), external: new MapExternal(), protocolVersion: 86 });
  const outcome = run();
  // Same call on the original, uninstrumented module, with the same VMLogic host functions and a fresh
  // memory of the same size: the difference to runFunctionCall is gas/stack instrumentation + gas sync.
  const original = new WebAssembly.Module(c.code as Uint8Array<ArrayBuffer>);


  let rawOutcome = 'ok';
  const rawRun = () => {
    const logic = new VMLogic(cfg, context(c.input ?? '{}'), new MapExternal());
    const env: Record<string, Function> = {};
    for (const imp of WebAssembly.Module.imports(original)) {
      const fn = (logic as unknown as Record<string, Function>)[imp.name === 'gas' ? 'gas_op' : imp.name]!;
      env[imp.name] = (...args: unknown[]) => fn.apply(logic, args.map((a) => (typeof a === 'bigint' ? BigInt.asUintN(64, a) : a)));
    }
    const inst = new WebAssembly.Instance(original, { env: env as WebAssembly.ModuleImports });
    logic.memory = inst.exports.memory as WebAssembly.Memory;
    if ((logic.memory.buffer.byteLength >> 16) < cfg.wasm.initialMemoryPages)
      logic.memory.grow(cfg.wasm.initialMemoryPages - (logic.memory.buffer.byteLength >> 16));
    try {
      (inst.exports[method] as () => void)();
    } catch (e) {
      rawOutcome = (e as Error).message;
    }
  };
  const pair = timePair(run, rawRun, 25);
  return {
    name: c.name,
    sizeBytes: c.code.length,
    instrumentedBytes: prepared.code.length,
    prepareMs,
    method,
    callMedianMs: pair.a.median,
    callMinMs: pair.a.min,
    rawCallMedianMs: pair.b.median,
    rawCallMinMs: pair.b.min,
    rawOutcome,
    outcome: outcome.aborted ? JSON.stringify(outcome.aborted).slice(0, 80) : 'ok',
  };
});

const result = { overheads, contracts: real };
if (json) {
  console.log(JSON.stringify(result));
} else {
  console.log('Instrumentation overhead (same calls, instrumented vs original module, interleaved, minimum of 15):');
  console.table(overheads.map((o) => ({ workload: o.name, 'original ms': o.plainMs.toFixed(2), 'instrumented ms': o.instrumentedMs.toFixed(2), ratio: o.ratio.toFixed(2) })));
  console.log('Contracts (prepare = validate + instrument + re-encode; call = runFunctionCall median):');
  console.table(real.map((r) => ({ contract: r.name, KB: (r.sizeBytes / 1024).toFixed(0), 'instrumented KB': (r.instrumentedBytes / 1024).toFixed(0), 'prepare ms': r.prepareMs.toFixed(1), method: r.method, 'call ms (median/min)': `${r.callMedianMs.toFixed(1)}/${r.callMinMs.toFixed(1)}`, 'raw ms (median/min)': `${r.rawCallMedianMs.toFixed(1)}/${r.rawCallMinMs.toFixed(1)}`, 'ratio (min)': (r.callMinMs / r.rawCallMinMs).toFixed(2), outcome: r.outcome.slice(0, 60), 'raw outcome': r.rawOutcome.slice(0, 30) })));
  console.log('raw = original module (no gas/stack instrumentation) with the same host functions and memory size; ratio = runFunctionCall / raw (minimum of 25 interleaved runs).');
}

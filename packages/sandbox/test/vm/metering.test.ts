/**
 * The finite-wasm gas scheme (one charge per metered region, a mutable global decremented inline, checks at
 * function entry and loop heads) against a reference that charges and checks before every instruction, with
 * each instruction's cost worked out again from its opcode (prepare.ts `metering: 'per-instruction'`).
 * nearcore charges per region up front (near/finite-wasm src/gas/mod.rs, prepare_v3.rs cost table): a call
 * that succeeds burns exactly what its executed instructions cost, so both schemes must agree to the unit;
 * a call that runs out of gas must fail in both at the same prepaid amount; a trap may never be charged
 * less than the instructions that ran.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sha256 } from '@noble/hashes/sha2.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { runFunctionCall } from '../../src/vm/index.js';
import type { VMContext, VMOutcome } from '../../src/vm/types.js';
import { context, imports, MemoryExternal, wat } from './helpers.js';

const cfg = runtimeConfig(86);
const OP = cfg.wasm.regularOpCost;
type Metering = 'finite-wasm' | 'per-instruction';

function run(code: Uint8Array, metering: Metering, method = 'main', ctx: Partial<VMContext> = {}, external = new MemoryExternal()): VMOutcome {
  return runFunctionCall({ code, codeHash: sha256(code), methodName: method, context: context(ctx), external, protocolVersion: 86, metering });
}
const wasmGas = (o: VMOutcome) => o.profile.WASM_INSTRUCTION ?? 0n;
const summary = (o: VMOutcome) => ({ aborted: o.aborted, burntGas: o.burntGas, usedGas: o.usedGas, logs: o.logs, returnData: o.returnData });

const programs: Record<string, string> = {
  'recursion (fib 15) and if/else with results': `(module ${imports('value_return')} (memory 1)
    (func $fib (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func (export "main") (i32.store (i32.const 0) (call $fib (i32.const 15))) (call $value_return (i64.const 4) (i64.const 0))))`,
  'nested loops with br_if, br to an outer block, select and locals of every type': `(module ${imports('value_return')} (memory 1)
    (func (export "main") (local $i i32) (local $j i32) (local $acc i64) (local $f f64)
      (block $out
        (loop $outer
          (local.set $j (i32.const 0))
          (loop $inner
            (local.set $acc (i64.add (local.get $acc) (select (i64.const 3) (i64.const 5) (i32.and (local.get $j) (i32.const 1)))))
            (local.set $f (f64.add (local.get $f) (f64.const 0.5)))
            (br_if $out (i64.gt_u (local.get $acc) (i64.const 100000)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $inner (i32.lt_u (local.get $j) (i32.const 37))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $outer (i32.lt_u (local.get $i) (i32.const 50)))))
      (i64.store (i32.const 0) (local.get $acc))
      (call $value_return (i64.const 8) (i64.const 0))))`,
  'br_table dispatch, call_indirect, early return and unreachable-free dead code': `(module ${imports('value_return')} (memory 1)
    (type $t (func (param i32) (result i32)))
    (table 3 funcref) (elem (i32.const 0) $a $b $c)
    (func $a (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func $b (param i32) (result i32) (if (i32.eqz (local.get 0)) (then (return (i32.const 7)))) (i32.mul (local.get 0) (i32.const 3)))
    (func $c (param i32) (result i32) (block $x (block $y (block $z (br_table $x $y $z (local.get 0))) (return (i32.const 1))) (return (i32.const 2))) (i32.const 3))
    (func (export "main") (local $k i32) (local $s i32)
      (loop $l
        (local.set $s (i32.add (local.get $s) (call_indirect (type $t) (local.get $k) (i32.rem_u (local.get $k) (i32.const 3)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $k) (i32.const 40))))
      (i32.store (i32.const 0) (local.get $s))
      (call $value_return (i64.const 4) (i64.const 0))))`,
  'bulk memory (memory.fill, memory.copy: base + per byte) and memory.grow': `(module ${imports('value_return')} (memory 1)
    (func (export "main")
      (memory.fill (i32.const 100) (i32.const 9) (i32.const 5000))
      (memory.copy (i32.const 6000) (i32.const 100) (i32.const 3000))
      (drop (memory.grow (i32.const 1)))
      (i32.store (i32.const 0) (i32.add (i32.load8_u (i32.const 8999)) (memory.size)))
      (call $value_return (i64.const 4) (i64.const 0))))`,
  'host calls in a loop (gas synced around each call)': `(module ${imports('storage_write', 'log_utf8', 'used_gas', 'value_return')} (memory 1)
    (data (i32.const 0) "key-value")
    (func (export "main") (local $i i32)
      (loop $l
        (drop (call $storage_write (i64.const 3) (i64.const 0) (i64.const 5) (i64.const 4) (i64.const 0)))
        (call $log_utf8 (i64.const 9) (i64.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 5))))
      (i64.store (i32.const 16) (call $used_gas))
      (call $value_return (i64.const 8) (i64.const 16))))`,
};

for (const [name, source] of Object.entries(programs)) {
  test(`${name}: finite-wasm regions burn exactly the per-instruction reference`, (t) => {
    const code = wat(source);
    const a = run(code, 'finite-wasm');
    const b = run(code, 'per-instruction');
    t.is(a.aborted, null, JSON.stringify(a.aborted));
    t.deepEqual(summary(a), summary(b));
    t.true(wasmGas(a) > 10n * OP);
  });

  test(`${name}: out of gas at the same prepaid amount in both schemes (GasExceeded, burnt = prepaid)`, (t) => {
    const code = wat(source);
    const needed = run(code, 'finite-wasm').burntGas;
    // used_gas returns what was burnt so far, so that program's return value depends on the prepaid gas only
    // through GasExceeded; the other fields must match exactly.
    for (const metering of ['finite-wasm', 'per-instruction'] as const) {
      const enough = run(code, metering, 'main', { prepaidGas: needed });
      t.is(enough.aborted, null, `${metering} with exactly the gas it needs`);
      t.is(enough.burntGas, needed);
      for (const short of [1n, OP / 2n, OP + 1n]) {
        const o = run(code, metering, 'main', { prepaidGas: needed - short });
        t.deepEqual(o.aborted, { ExecutionError: 'Exceeded the prepaid gas.' }, `${metering} short by ${short}`);
        t.is(o.burntGas, needed - short);
      }
    }
  });
}

test('traps: unreachable and a trapping division are charged alike; a faulting load is never charged less than the reference', (t) => {
  const cases = {
    unreachable: '(i32.store (i32.const 0) (i32.const 1)) (unreachable) (drop (i32.add (i32.const 1) (i32.const 2)))',
    'division by zero': '(local i32) (local.set 0 (i32.const 0)) (drop (i32.div_u (i32.const 1) (local.get 0))) (drop (i32.add (i32.const 1) (i32.const 2)))',
    'load out of bounds': '(drop (i32.load (i32.const 2147483647))) (drop (i32.add (i32.const 1) (i32.const 2)))',
  };
  for (const [name, body] of Object.entries(cases)) {
    const code = wat(`(module (memory 1) (func (export "main") ${body}))`);
    const a = run(code, 'finite-wasm');
    const b = run(code, 'per-instruction');
    t.truthy(a.aborted, name);
    t.deepEqual(a.aborted, b.aborted, name);
    if (name === 'load out of bounds') {
      // Loads/stores are pure in our regions (prepare.ts MEMORY_ACCESS): the rest of the block is charged too.
      t.true(a.burntGas >= b.burntGas, name);
    } else t.is(a.burntGas, b.burntGas, name);
  }
});

// Real contract Wasm: the near-workspaces Rust linkdrop and the project's near-sdk-js builds, when present.
const contracts: Array<[string, Uint8Array]> = [];
const require = createRequire(import.meta.url);
contracts.push(['testnet-linkdrop.wasm', new Uint8Array(readFileSync(require.resolve('near-workspaces/package.json').replace('package.json', 'core_contracts/testnet-linkdrop.wasm')))]);
const buildDir = new URL('../../../../build/', import.meta.url);
if (existsSync(buildDir))
  for (const f of readdirSync(buildDir).sort()) if (f.endsWith('.wasm') && !f.startsWith('.')) contracts.push([`build/${f}`, new Uint8Array(readFileSync(new URL(f, buildDir)))]);

for (const [name, code] of contracts) {
  test(`${name}: every call of the first methods burns the same gas under both schemes`, (t) => {
    const methods = WebAssembly.Module.exports(new WebAssembly.Module(code as Uint8Array<ArrayBuffer>))
      .filter((e) => e.kind === 'function')
      .map((e) => e.name)
      .slice(0, 4);
    const input = new TextEncoder().encode('{}');
    let instructions = 0n;
    for (const method of methods) {
      const a = run(code, 'finite-wasm', method, { input });
      const b = run(code, 'per-instruction', method, { input });
      t.deepEqual(summary(a), summary(b), method);
      instructions += wasmGas(a);
    }
    t.true(instructions > 0n);
  });
}

const stablecoin = contracts.find(([n]) => n === 'build/stablecoin.wasm')?.[1];
test('stablecoin (@NearBindgen): init (storage writes) and then ft_balance_of burn the same gas under both schemes, leaving the same state', (t) => {
  if (!stablecoin) return t.pass('build/stablecoin.wasm not built');
  const state: Record<Metering, MemoryExternal> = { 'finite-wasm': new MemoryExternal(), 'per-instruction': new MemoryExternal() };
  const steps: Array<[string, object, bigint]> = [
    ['init', { owner_id: 'bob.near' }, 0n],
    ['ft_balance_of', { account_id: 'bob.near' }, 0n],
  ];
  for (const [method, args, deposit] of steps) {
    const input = new TextEncoder().encode(JSON.stringify(args));
    const [a, b] = (['finite-wasm', 'per-instruction'] as const).map((m) =>
      run(stablecoin, m, method, { input, attachedDeposit: deposit, predecessorAccountId: 'alice.near', signerAccountId: 'alice.near' }, state[m]),
    );
    t.is(a!.aborted, null, `${method}: ${JSON.stringify(a!.aborted)}`);
    t.deepEqual(summary(a!), summary(b!), method);
  }
  t.deepEqual([...state['finite-wasm'].data], [...state['per-instruction'].data]);
});

/**
 * Instances of a contract are reused between calls (vm/index.ts ContractInstance): each call must still see
 * exactly what a fresh instantiation gives, as nearcore instantiates per call (wasmtime_runner): zeroed
 * memory with the data segments in place, mutable globals at their initial values, the full stack budget.
 */
import test from 'ava';
import { prepareContract, type PreparedContract } from '../../src/vm/prepare.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, imports, u64, wat } from './helpers.js';

const cfg = runtimeConfig(86);
const returned = (o: ReturnType<typeof call>) => {
  if (o.returnData.kind !== 'Value') throw new Error(`no value: ${JSON.stringify(o.aborted)}`);
  return Buffer.from(o.returnData.value);
};

// main: returns [global $g, global $h, data byte at 100, byte at 5000, byte at 40 MiB], then changes all of them.
const stateful = wat(`(module ${imports('value_return', 'panic')} (memory 1)
  (global $g (mut i32) (i32.const 7))
  (global $h (mut i64) (i64.const -3))
  (data (i32.const 100) "\\2a\\2b")
  (data (i32.const 101) "\\2c")
  (func (export "main")
    (i32.store (i32.const 0) (global.get $g))
    (i64.store (i32.const 4) (global.get $h))
    (i32.store8 (i32.const 12) (i32.load8_u (i32.const 100)))
    (i32.store8 (i32.const 13) (i32.load8_u (i32.const 101)))
    (i32.store8 (i32.const 14) (i32.load8_u (i32.const 5000)))
    (i32.store8 (i32.const 15) (i32.load8_u (i32.const 41943040)))
    (call $value_return ${u64(16)} ${u64(0)})
    (global.set $g (i32.const 99)) (global.set $h (i64.const 99))
    (i32.store8 (i32.const 100) (i32.const 1)) (i32.store8 (i32.const 101) (i32.const 1))
    (i32.store8 (i32.const 5000) (i32.const 1)) (i32.store8 (i32.const 41943040) (i32.const 1)))
  (func (export "dirty_then_panic")
    (global.set $g (i32.const 55)) (i32.store8 (i32.const 100) (i32.const 9)) (i32.store8 (i32.const 41943040) (i32.const 9))
    (call $panic))
  (func (export "dirty_then_trap")
    (global.set $h (i64.const 55)) (i32.store8 (i32.const 5000) (i32.const 9))
    (unreachable)))`);

const fresh = Buffer.from([7, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2a, 0x2c, 0, 0]);

test('the module is reusable and exports reset', (t) => {
  const prepared = prepareContract(stateful, { ...cfg.wasm });
  t.true(prepared.reusable);
  t.true(WebAssembly.Module.exports(new WebAssembly.Module(prepared.code as Uint8Array<ArrayBuffer>)).some((e) => e.name === 'reset'));
});

test('every call sees initial globals, data segments (later segments win) and zeroed memory, after normal ends, panics and traps', (t) => {
  for (const before of ['main', 'dirty_then_panic', 'dirty_then_trap', 'main', 'main']) {
    if (before !== 'main') t.truthy(call(stateful, { method: before }).aborted, before);
    const o = call(stateful);
    t.deepEqual(returned(o), fresh, `after ${before}`);
  }
});

test('gas is identical on the first (fresh instance) and later (reused) calls', (t) => {
  const first = call(stateful);
  const again = [call(stateful), call(stateful)];
  for (const o of again) {
    t.is(o.burntGas, first.burntGas);
    t.deepEqual(o.profile, first.profile);
  }
});

test('the stack budget is full again after a call that exhausted it', (t) => {
  const code = wat(`(module ${imports('value_return')} (memory 1)
    (func $down (param i32) (result i32) (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
    (func (export "deep") (drop (call $down (i32.const 1000000))))
    (func (export "main") (i32.store (i32.const 0) (call $down (i32.const 2000))) (call $value_return ${u64(4)} ${u64(0)})))`);
  const ok = call(code);
  t.is(returned(ok).readInt32LE(0), 2000);
  t.deepEqual(call(code, { method: 'deep' }).aborted, { ExecutionError: 'Accessed memory outside the bounds.' });
  const again = call(code);
  t.is(returned(again).readInt32LE(0), 2000);
  t.is(again.burntGas, ok.burntGas);
});

test('a contract that drops a data segment is not reusable and behaves the same on every call', (t) => {
  const code = wat(`(module ${imports('value_return')} (memory 1)
    (data $p "\\05\\06")
    (func (export "main")
      (memory.init $p (i32.const 0) (i32.const 0) (i32.const 2))
      (data.drop $p)
      (call $value_return ${u64(2)} ${u64(0)})))`);
  t.false(prepareContract(code, { ...cfg.wasm }).reusable);
  for (let i = 0; i < 3; i++) t.deepEqual(returned(call(code)), Buffer.from([5, 6]));
});

test('a contract that writes its table is not reusable and sees its initial table on every call', (t) => {
  const code = wat(`(module ${imports('value_return')} (memory 1)
    (type $r (func (result i32)))
    (table 2 funcref) (elem (i32.const 0) $one $two)
    (func $one (result i32) (i32.const 1))
    (func $two (result i32) (i32.const 2))
    (func (export "main")
      (i32.store (i32.const 0) (call_indirect (type $r) (i32.const 0)))
      (table.set (i32.const 0) (ref.func $two))
      (call $value_return ${u64(4)} ${u64(0)})))`);
  t.false(prepareContract(code, { ...cfg.wasm }).reusable);
  for (let i = 0; i < 3; i++) t.is(returned(call(code)).readInt32LE(0), 1);
});

// Write tracking (prepare.ts PreparedContract.tracksWrites): a reused instance zeroes only the 2 MiB chunks its
// call wrote. Stores of every width at computed addresses with static offsets, a store across a chunk boundary,
// and host writes (read_register) into the last chunks must all be gone on the next call; a chunk of data segments
// the call wrote is zeroed and its segment written again (`reset`), one it did not write is left as it is.
const MiB = 1 << 20;
const written = [2 * MiB - 4, 40 * MiB + 8, 10 * MiB, 12 * MiB + 3, 14 * MiB - 2, 16 * MiB + 6, 20 * MiB - 1, 60 * MiB, 64 * MiB - 8];
const tracked = wat(`(module ${imports('value_return', 'write_register', 'read_register')} (memory 1)
  (global $eight (mut i32) (i32.const 8))
  (data (i32.const ${4 * MiB}) "\\01")
  (func $dirty
    (i64.store (i32.const ${2 * MiB - 4}) (i64.const -1))
    (i32.store offset=${40 * MiB} (global.get $eight) (i32.const -1))
    (f64.store (i32.const ${10 * MiB}) (f64.const -1))
    (f32.store offset=3 (i32.const ${12 * MiB}) (f32.const -1))
    (i64.store32 (i32.const ${14 * MiB - 2}) (i64.const -1))
    (i64.store16 offset=6 (global.get $eight) (i64.const -1))
    (i32.store16 (i32.sub (i32.const ${16 * MiB + 14}) (global.get $eight)) (i32.const -1))
    (i32.store8 (i32.const ${20 * MiB - 1}) (i32.const -1))
    (i64.store8 offset=${16 * MiB} (global.get $eight) (i64.const -1))
    (i32.store8 (i32.const ${4 * MiB}) (i32.const 9))
    (i32.store8 (i32.const ${4 * MiB + 100}) (i32.const -1))
    (call $write_register ${u64(0)} ${u64(8)} ${u64(2 * MiB - 4)})
    (call $read_register ${u64(0)} ${u64(60 * MiB)})
    (call $read_register ${u64(0)} ${u64(64 * MiB - 8)}))
  (func (export "dirty") (call $dirty))
  (func (export "dirty_then_trap") (call $dirty) (unreachable))
  (func (export "main") (local $acc i64)
    ${[...written, 16 * MiB + 8, 4 * MiB + 96].map((a) => `(local.set $acc (i64.or (local.get $acc) (i64.load (i32.const ${a}))))`).join('\n    ')}
    (i64.store (i32.const 0) (local.get $acc))
    (i32.store8 (i32.const 8) (i32.load8_u (i32.const 4194304)))
    (call $value_return ${u64(9)} ${u64(0)})))`);

test('a reused instance zeroes the chunks its call wrote: stores of every width at computed addresses, across a chunk boundary, host writes, and over a data segment', (t) => {
  const prepared = prepareContract(tracked, { ...cfg.wasm });
  t.true(prepared.reusable);
  t.true(prepared.tracksWrites);
  const clean = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 1]);
  t.deepEqual(returned(call(tracked)), clean);
  for (const before of ['dirty', 'dirty_then_trap', 'dirty']) {
    call(tracked, { method: before });
    t.deepEqual(returned(call(tracked)), clean, `after ${before}`);
  }
});

/** The chunks whose bits the `written` global holds once `method` has run in a fresh instance of the prepared module. */
function chunksWrittenBy(prepared: PreparedContract, method: string): number {
  const env = Object.fromEntries(prepared.imports.map(({ name }) => [name, () => {}]));
  const memory = new WebAssembly.Memory({ initial: cfg.wasm.initialMemoryPages, maximum: cfg.wasm.maxMemoryPages });
  const module = new WebAssembly.Module(prepared.code as Uint8Array<ArrayBuffer>);
  const { exports } = new WebAssembly.Instance(module, { env, internal: { memory } });
  (exports.gas_set as (gas: bigint) => void)(300n * 10n ** 12n);
  (exports[`\0${method}`] as () => void)(); // contract exports are renamed apart from the runner's (prepare.ts)
  return (exports.written_get as () => number)();
}

test("metering 'none' (bench/runtime.ts's unmetered baseline) tracks writes as 'finite-wasm' does, so a reused instance is zeroed only where its call wrote", (t) => {
  const unmetered = prepareContract(tracked, { ...cfg.wasm, metering: 'none' });
  const metered = prepareContract(tracked, { ...cfg.wasm, metering: 'finite-wasm' });
  t.true(unmetered.tracksWrites);
  // $dirty's Wasm stores start in chunks 0 (2 MiB - 4, 14), 2 (4 MiB), 5, 6, 8, 9 and 20 (40 MiB + 8); the host's
  // writes are the runner's to track (logic.writtenChunks), not the module's.
  const chunks = (1 << 0) | (1 << 2) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 20);
  t.is(chunksWrittenBy(unmetered, 'dirty'), chunks);
  t.is(chunksWrittenBy(metered, 'dirty'), chunks);
  const clean = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 1]);
  for (const before of ['main', 'dirty', 'dirty_then_trap', 'dirty']) {
    call(tracked, { method: before, metering: 'none' });
    t.deepEqual(returned(call(tracked, { metering: 'none' })), clean, `after ${before}`);
  }
});

test('a contract with a bulk memory write is not write-tracked and is zeroed whole', (t) => {
  const filler = wat(`(module ${imports('value_return')} (memory 1)
    (func (export "fill") (memory.fill (i32.const ${30 * MiB}) (i32.const 7) (i32.const 3)))
    (func (export "main") (call $value_return ${u64(4)} ${u64(30 * MiB)})))`);
  t.false(prepareContract(filler, { ...cfg.wasm }).tracksWrites);
  call(filler, { method: 'fill' });
  t.deepEqual(returned(call(filler)), Buffer.alloc(4));
});

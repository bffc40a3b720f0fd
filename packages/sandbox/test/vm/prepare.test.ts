/**
 * Preparation, method resolution, linking and traps (runtime/near-vm-runner/src/prepare/prepare_v3.rs,
 * runner.rs / wasmtime_runner, logic/errors.rs, runtime/runtime/src/conversions.rs JSON shapes).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runtimeConfig } from '../../src/parameters/index.js';
import { WASM_HEADER, call, concatBytes, leb, program, u64, wasmName, wasmSection, wat } from './helpers.js';

const cfg = runtimeConfig(86);

/** A module with one `main` function whose body is `body` (raw bytes incl. locals and end). */
function rawModule(body: Uint8Array): Uint8Array {
  return concatBytes(
    WASM_HEADER,
    wasmSection(1, Uint8Array.of(1, 0x60, 0, 0)),
    wasmSection(3, Uint8Array.of(1, 0)),
    wasmSection(7, concatBytes([1], wasmName('main'), [0, 0])),
    wasmSection(10, concatBytes([1], leb(body.length), body)),
  );
}

test('invalid Wasm: CompilationError PrepareError Deserialization with zero gas (prepare_v3.rs)', (t) => {
  const o = call(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]));
  t.deepEqual(o.aborted, { CompilationError: { PrepareError: 'Deserialization' } });
  t.is(o.burntGas, 0n);
  t.deepEqual(call(Buffer.from('not wasm at all')).aborted, { CompilationError: { PrepareError: 'Deserialization' } });
});

test('memory import -> Memory; non-env import -> Instantiate; table/global import -> Instantiate (prepare_v3.rs transform_import_section)', (t) => {
  t.deepEqual(call(wat(`(module (import "env" "memory" (memory 1)) (func (export "main")))`)).aborted, {
    CompilationError: { PrepareError: 'Memory' },
  });
  t.deepEqual(call(wat(`(module (import "foo" "bar" (func)) (func (export "main")))`)).aborted, {
    CompilationError: { PrepareError: 'Instantiate' },
  });
  t.deepEqual(call(wat(`(module (import "env" "g" (global i32)) (func (export "main")))`)).aborted, {
    CompilationError: { PrepareError: 'Instantiate' },
  });
});

test('more than 10_000 functions -> TooManyFunctions (49.yaml max_functions_number_per_contract)', (t) => {
  const funcs = Array.from({ length: 10_001 }, () => '(func)').join('');
  t.deepEqual(call(wat(`(module ${funcs} (func (export "main")))`)).aborted, { CompilationError: { PrepareError: 'TooManyFunctions' } });
});

test('more than 1_000_000 locals -> TooManyLocals (53.yaml max_locals_per_contract)', (t) => {
  // locals: 1 group of 1_000_001 i32 (LEB 0xc1 0x84 0x3d), then `end`
  const o = call(rawModule(Uint8Array.from([1, 0xc1, 0x84, 0x3d, 0x7f, 0x0b])));
  t.deepEqual(o.aborted, { CompilationError: { PrepareError: 'TooManyLocals' } });
});

test('function body over 196_608 bytes -> FunctionBodyTooLarge at PV86 only (84.yaml max_function_body_size)', (t) => {
  const body = new Uint8Array(196_610).fill(0x01); // nops
  body[0] = 0; // no locals
  body[body.length - 1] = 0x0b;
  t.deepEqual(call(rawModule(body)).aborted, { CompilationError: { PrepareError: 'FunctionBodyTooLarge' } });
  t.is(call(rawModule(body), { protocolVersion: 77 }).aborted, null);
});

test('two tables -> TooManyTables (max_tables_per_contract = 1)', (t) => {
  t.deepEqual(call(wat(`(module (table 1 funcref) (table 1 funcref) (func (export "main")))`)).aborted, {
    CompilationError: { PrepareError: 'TooManyTables' },
  });
});

test('disabled Wasm features are Deserialization: multi-value, SIMD; bulk memory before PV84 (prepare_v3 features)', (t) => {
  const mv = wat(`(module (func $f (result i32 i32) (i32.const 1) (i32.const 2)) (func (export "main")))`, { multi_value: true });
  t.deepEqual(call(mv).aborted, { CompilationError: { PrepareError: 'Deserialization' } });
  const simd = wat(`(module (func (export "main") (drop (v128.const i32x4 0 0 0 0))))`, { simd: true });
  t.deepEqual(call(simd).aborted, { CompilationError: { PrepareError: 'Deserialization' } });
  const bulk = wat(`(module (memory 1) (func (export "main") (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))))`);
  t.deepEqual(call(bulk, { protocolVersion: 77 }).aborted, { CompilationError: { PrepareError: 'Deserialization' } });
  t.is(call(bulk, { protocolVersion: 86 }).aborted, null);
});

test('method resolution: MethodEmptyName, MethodNotFound, MethodInvalidSignature are nop outcomes (errors.rs, gas_counter.rs)', (t) => {
  const code = wat(`(module (func (export "main")) (func (export "with_param") (param i32)) (global (export "g") i32 (i32.const 0)))`);
  for (const [method, kind] of [['', 'MethodEmptyName'], ['missing', 'MethodNotFound'], ['g', 'MethodNotFound'], ['with_param', 'MethodInvalidSignature']]) {
    const o = call(code, { method });
    t.deepEqual(o.aborted, { MethodResolveError: kind }, method);
    t.is(o.burntGas, 0n);
  }
});

test('empty code -> CodeDoesNotExist with the account id (errors.rs CompilationError)', (t) => {
  t.deepEqual(call(new Uint8Array()).aborted, { CompilationError: { CodeDoesNotExist: { account_id: 'alice.near' } } });
});

test('unknown or mistyped env import -> "Link Error: …" after the loading fee (conversions.rs LinkError)', (t) => {
  const unknown = call(wat(`(module (import "env" "no_such_fn" (func)) (func (export "main")))`));
  // Wasmtime at 86 (wasmtime_runner/mod.rs into_vm_error); imports.test.ts covers both VMs' texts.
  t.deepEqual(unknown.aborted, { ExecutionError: 'Link Error: unknown or invalid import' });
  t.true(unknown.burntGas > 0n);
  const mistyped = call(wat(`(module (import "env" "panic" (func (param i32))) (func (export "main")))`));
  t.deepEqual(mistyped.aborted, { ExecutionError: 'Link Error: types incompatible: expected type `(func (param i32))`, found type `(func)`' });
  // yield/resume arrived with PV67; both supported versions have them.
  t.is(call(program({ imports: ['promise_yield_resume'], body: '' }), { protocolVersion: 77 }).aborted, null);
});

test('traps map to WasmTrap Display strings (errors.rs WasmTrap, conversions.rs)', (t) => {
  const trap = (body: string) => call(wat(`(module (memory 1) (table 1 funcref) (type $t (func)) (func (export "main") ${body}))`)).aborted;
  t.deepEqual(trap('(unreachable)'), { ExecutionError: 'WebAssembly trap: An `unreachable` opcode was executed.' });
  t.deepEqual(trap('(drop (i32.div_s (i32.const 1) (i32.const 0)))'), {
    ExecutionError: 'WebAssembly trap: An arithmetic exception, e.g. divided by zero.',
  });
  t.deepEqual(trap('(drop (i32.load (i32.const -1)))'), { ExecutionError: 'WebAssembly trap: Memory out of bounds trap.' });
  t.deepEqual(trap('(call_indirect (type $t) (i32.const 5))'), { ExecutionError: 'WebAssembly trap: Call indirect out of bounds trap.' });
  t.regex(String(trap('(call_indirect (type $t) (i32.const 0))')?.ExecutionError), /^WebAssembly trap: (Indirect call to null|Call indirect incorrect signature trap)\.$/);
});

test('memory: the contract sees initial_memory_pages (1024) and can grow to max_memory_pages (2048)', (t) => {
  const o = call(
    program({
      imports: ['value_return'],
      body: `(i32.store (i32.const 0) (memory.size)) (i32.store (i32.const 4) (memory.grow (i32.const 1024))) (i32.store (i32.const 8) (memory.grow (i32.const 1)))
        (call $value_return ${u64(12)} ${u64(0)})`,
    }),
  );
  if (o.returnData.kind !== 'Value') return t.fail(JSON.stringify(o.aborted));
  const b = Buffer.from(o.returnData.value);
  t.deepEqual([b.readInt32LE(0), b.readInt32LE(4), b.readInt32LE(8)], [1024, 1024, -1]);
});

test('a start function runs (metered) before the method', (t) => {
  const o = call(
    wat(`(module ${''}
      (import "env" "log_utf8" (func $log (param i64 i64)))
      (memory 1) (data (i32.const 0) "start")
      (func $s (call $log (i64.const 5) (i64.const 0)))
      (start $s)
      (func (export "main")))`),
  );
  t.deepEqual(o.logs, ['start']);
});

test('fresh memory per call: data written by one call is not visible to the next (nearcore instantiates per call)', (t) => {
  const code = program({
    imports: ['value_return'],
    body: `(call $value_return ${u64(1)} ${u64(5000)}) (i32.store8 (i32.const 5000) (i32.const 9))`,
  });
  for (let i = 0; i < 3; i++) {
    const o = call(code);
    t.deepEqual(o.returnData.kind === 'Value' ? [...o.returnData.value] : null, [0]);
  }
});

test('a real Rust contract (near-workspaces testnet-linkdrop.wasm) runs and panics like nearcore would', (t) => {
  const require = createRequire(import.meta.url);
  const path = require.resolve('near-workspaces/package.json').replace('package.json', 'core_contracts/testnet-linkdrop.wasm');
  const code = new Uint8Array(readFileSync(path));
  const o = call(code, { method: 'get_key_balance', context: { input: Buffer.from('{"key":"ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp"}') } });
  t.deepEqual(o.aborted, { ExecutionError: "Smart contract panicked: panicked at 'Key is missing', src/lib.rs:181:9" });
  t.is(o.profile.CONTRACT_LOADING_BYTES, BigInt(code.length) * cfg.extCosts.contract_loading_bytes!);
  t.true(o.profile.STORAGE_READ_BASE! > 0n);
});

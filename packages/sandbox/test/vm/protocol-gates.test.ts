/**
 * Protocol gates and preparation limits by version. Sources:
 *  - core/primitives-core/src/version.rs: SaturatingFloatToInt => 78 (so nearcore 2.6.2 at 77 refuses
 *    trunc_sat at validation: Deserialization);
 *  - core/parameters snapshots __77 / __84 / __86.json.snap: the 77 snapshot has none of max_tables_per_contract,
 *    max_elements_per_contract_table, max_types_per_contract, max_params_per_*, max_operand_stack_bytes_per_function,
 *    max_blocks_per_*, max_instrumented_code_size; 84's has all of them (84.yaml), 86's the same values;
 *  - runtime/near-vm-runner/src/prepare/prepare_v3.rs (early pass: TooManyTypes, tables) and instrument_v3.rs
 *    transform_code_section (per function, in order: params per function, params per contract, operand stack,
 *    blocks per function, blocks per contract); the numbers follow nearcore's own tests in prepare.rs
 *    (`too_many_function_params`, `operand_stack_too_large`);
 *  - logic.rs promise_batch_action_function_call_weight `skip_deduct` (one_yocto_on_promise, 85.yaml).
 */
import test from 'ava';
import { runtimeConfig } from '../../src/parameters/index.js';
import { runtimeConfigView } from '../../src/rpc/views.js';
import { call, program, wat, u64 } from './helpers.js';

const prepareError = (kind: string) => ({ CompilationError: { PrepareError: kind } });
const aborted = (code: Uint8Array, protocolVersion: number) => call(code, { protocolVersion }).aborted;

/** `n` functions of `params` i64 parameters each, plus an exported `main`. */
function functionsWithParams(n: number, params: number): Uint8Array {
  const p = params ? `(param ${Array(params).fill('i64').join(' ')})` : '';
  return wat(`(module ${Array.from({ length: n }, () => `(func ${p})`).join('')} (func (export "main")))`);
}

test('trunc_sat is refused at 77 (SaturatingFloatToInt, version.rs: 78) and saturates from 78 on', (t) => {
  // i32.trunc_sat_f64_s of 1e10 saturates to i32::MAX; the plain i32.trunc_f64_s would trap
  const code = program({
    imports: ['value_return'],
    body: `(i32.store (i32.const 0) (i32.trunc_sat_f64_s (f64.const 1e10))) (call $value_return ${u64(4)} ${u64(0)})`,
  });
  t.deepEqual(aborted(code, 77), prepareError('Deserialization'));
  const o = call(code, { protocolVersion: 86 });
  if (o.returnData.kind !== 'Value') return t.fail(JSON.stringify(o.aborted));
  t.is(Buffer.from(o.returnData.value).readInt32LE(0), 2_147_483_647);
});

test('EXPERIMENTAL_protocol_config: no saturating_float_to_int key (neither the 77 nor the 86 snapshot lists one); prep limits only where the snapshot has them', (t) => {
  const v77 = runtimeConfigView(runtimeConfig(77)).wasm_config;
  const v86 = runtimeConfigView(runtimeConfig(86)).wasm_config;
  t.false('saturating_float_to_int' in v77);
  t.false('saturating_float_to_int' in v86);
  for (const key of ['max_tables_per_contract', 'max_elements_per_contract_table', 'max_types_per_contract', 'max_params_per_function', 'max_instrumented_code_size']) {
    t.false(key in v77.limit_config, `${key} is not in the 77 snapshot`);
  }
  t.like(v86.limit_config, {
    max_tables_per_contract: 1,
    max_elements_per_contract_table: 10_000,
    max_function_body_size: 196_608,
    max_types_per_contract: 1_024,
    max_params_per_function: 64,
    max_params_per_contract: 50_000,
    max_operand_stack_bytes_per_function: 8_192,
    max_blocks_per_function: 5_000,
    max_blocks_per_contract: 50_000,
    max_instrumented_code_size: 16_777_216,
  });
  t.false(v77.one_yocto_on_promise);
  t.true(v86.one_yocto_on_promise);
});

test('table limits apply from 84.yaml on, not at 77: two tables, a table of 10_001 elements', (t) => {
  const twoTables = wat(`(module (table 1 funcref) (table 1 funcref) (func (export "main")))`);
  t.deepEqual(aborted(twoTables, 86), prepareError('TooManyTables'));
  const bigTable = wat(`(module (table 10001 funcref) (func (export "main")))`);
  t.deepEqual(aborted(bigTable, 86), prepareError('TooManyTableElements'));
  t.is(aborted(wat(`(module (table 10000 funcref) (func (export "main")))`), 86), null);
  // at 77 (prepare_v2 with no table limits in the config) both prepare; V8 itself allows several tables
  t.is(aborted(bigTable, 77), null);
});

test('max_types_per_contract 1024: 1025 types -> TooManyTypes at 86, fine at 77', (t) => {
  const types = (n: number) =>
    wat(`(module ${Array.from({ length: n - 1 }, (_, i) => `(type (func (param ${Array(i % 30 + 1).fill('i32').join(' ')}) (result i64)))`).join('')} (func (export "main")))`);
  t.is(aborted(types(1024), 86), null);
  t.deepEqual(aborted(types(1025), 86), prepareError('TooManyTypes'));
  t.is(aborted(types(1025), 77), null);
});

test('params: 64 per function and 50_000 per contract (prepare.rs too_many_function_params)', (t) => {
  t.is(aborted(functionsWithParams(1000, 1), 86), null);
  t.is(aborted(functionsWithParams(Math.floor(50_000 / 64), 64), 86), null);
  t.deepEqual(aborted(functionsWithParams(Math.floor((50_000 + 64) / 64), 64), 86), prepareError('TooManyParamsPerContract'));
  // TooManyParamsPerFunction is met before TooManyParamsPerContract
  t.deepEqual(aborted(functionsWithParams(Math.floor((50_000 + 64) / 64), 65), 86), prepareError('TooManyParamsPerFunction'));
  t.deepEqual(aborted(functionsWithParams(1, 65), 86), prepareError('TooManyParamsPerFunction'));
  // TooManyFunctions (early pass) before either
  t.deepEqual(aborted(functionsWithParams(10_001, 65), 86), prepareError('TooManyFunctions'));
  // 9_999 functions of 6 parameters and `main`: 10_000 functions, 59_994 parameters
  t.deepEqual(aborted(functionsWithParams(9_999, 6), 86), prepareError('TooManyParamsPerContract'));
  // no such limits at 77
  t.is(aborted(functionsWithParams(1, 65), 77), null);
});

test('operand stack 8_192 bytes per function: 1_024 live i64 pass, 1_025 -> OperandStackTooLarge (prepare.rs operand_stack_too_large)', (t) => {
  const pushes = (n: number) => wat(`(module (func (export "main") ${'(i64.const 0) '.repeat(n)}${'(drop) '.repeat(n)}))`);
  t.is(aborted(pushes(1024), 86), null);
  t.deepEqual(aborted(pushes(1025), 86), prepareError('OperandStackTooLarge'));
  t.is(aborted(pushes(1025), 77), null);
});

test('the operand stack is finite-wasm\'s simulation (max_stack/instruction_visit.rs): call_indirect leaves its table index counted, code after unreachable counts nothing', (t) => {
  // visit_call_indirect pops the callee's parameters only: each `call_indirect` of a [] -> [] leaves 4 bytes
  const calls = (n: number) =>
    wat(`(module (type $v (func)) (table 1 funcref) (elem (i32.const 0) $f) (func $f)
      (func (export "main") (block ${'(call_indirect (type $v) (i32.const 0)) '.repeat(n)})))`);
  t.is(aborted(calls(2048), 86), null, '2_048 × 4 = 8_192 bytes');
  t.deepEqual(aborted(calls(2049), 86), prepareError('OperandStackTooLarge'));
  t.is(aborted(calls(2049), 77), null);
  // after `unreachable` the stack is polymorphic: push and pop change nothing until the frame ends
  const dead = wat(`(module (func (export "main") (block unreachable ${'(i64.const 0) '.repeat(1100)}${'(drop) '.repeat(1100)})))`);
  t.deepEqual(aborted(dead, 86), { ExecutionError: 'WebAssembly trap: An `unreachable` opcode was executed.' });
});

test('blocks: 5_000 per function, 50_000 per contract (block, loop and if count; instrument_v3.rs)', (t) => {
  const fn = (n: number) => `(func ${'(block) (loop) (if (i32.const 0) (then))'.repeat(Math.floor(n / 3))}${'(block)'.repeat(n % 3)})`;
  const mod = (fns: string[]) => wat(`(module ${fns.join('')} (func (export "main")))`);
  t.is(aborted(mod([fn(5000)]), 86), null);
  t.deepEqual(aborted(mod([fn(5001)]), 86), prepareError('TooManyBlocksPerFunction'));
  t.is(aborted(mod(Array(10).fill(fn(5000))), 86), null);
  t.deepEqual(aborted(mod([...Array(10).fill(fn(5000)), fn(1)]), 86), prepareError('TooManyBlocksPerContract'));
  t.is(aborted(mod([fn(5001)]), 77), null);
});

test('limit order follows the code section: a later function over a limit does not hide an earlier one; invalid Wasm wins', (t) => {
  const stack = `(func ${'(i64.const 0) '.repeat(1025)}${'(drop) '.repeat(1025)})`;
  const params = `(func (param ${Array(65).fill('i32').join(' ')}))`;
  t.deepEqual(aborted(wat(`(module ${stack} ${params} (func (export "main")))`), 86), prepareError('OperandStackTooLarge'));
  t.deepEqual(aborted(wat(`(module ${params} ${stack} (func (export "main")))`), 86), prepareError('TooManyParamsPerFunction'));
  // the whole module is validated before instrumentation: a type error anywhere is Deserialization
  const invalid = '(func (result i32) (i64.const 0))';
  t.deepEqual(aborted(wat(`(module ${params} ${invalid} (func (export "main")))`), 86), prepareError('Deserialization'));
});

test('one_yocto_on_promise (PV85+): a zero-balance contract attaches exactly 1 yoctoNEAR without paying it; not at 77', (t) => {
  // promise_batch_action_function_call(idx, "m", no args, deposit at 64, 5 Tgas), `n` times
  const calls = (deposit: bigint, n: number) =>
    program({
      imports: ['promise_batch_create', 'promise_batch_action_function_call'],
      data: [
        [0, 'bob.near'],
        [16, 'm'],
        [64, new Uint8Array(Buffer.from(deposit.toString(16).padStart(32, '0'), 'hex').reverse())],
      ],
      body: `(local $p i64) (local.set $p (call $promise_batch_create ${u64(8)} ${u64(0)}))
        ${`(call $promise_batch_action_function_call (local.get $p) ${u64(1)} ${u64(16)} ${u64(0)} ${u64(0)} ${u64(64)} ${u64(5_000_000_000_000n)})`.repeat(n)}`,
    });
  const zero = { accountBalance: 0n, attachedDeposit: 0n };
  const o = call(calls(1n, 1), { context: zero });
  t.is(o.aborted, null);
  t.is(o.balance, 0n);
  t.is(o.subsidizedAmount, 1n);
  t.is((o.receipts[0]!.actions[0] as { deposit: bigint }).deposit, 1n);
  // the balance stays zero, so every such call in one execution is subsidised (logic.rs subsidized_amount)
  t.is(call(calls(1n, 3), { context: zero }).subsidizedAmount, 3n);
  // exactly 1 yoctoNEAR, from exactly zero balance
  t.deepEqual(call(calls(2n, 1), { context: zero }).aborted, { ExecutionError: 'Exceeded the account balance.' });
  const funded = call(calls(1n, 1), { context: { accountBalance: 5n, attachedDeposit: 0n } });
  t.deepEqual([funded.balance, funded.subsidizedAmount], [4n, 0n]);
  // 77 has no exemption
  t.deepEqual(call(calls(1n, 1), { context: zero, protocolVersion: 77 }).aborted, { ExecutionError: 'Exceeded the account balance.' });
});

// Locals: wasmparser's MAX_WASM_FUNCTION_LOCALS 50,000 counts parameters and declared locals (OperatorValidator
// define_locals, "too many locals: locals exceed maximum"): more is Deserialization at both versions. At 86 nearcore's
// instrument_v3.rs (transform_code_section) gives every function two more locals, and Wasmtime validates the prepared
// module again (wasmtime_runner compile_uncached -> WasmtimeCompileError, WasmerCompileError outside the VM:
// runtime/runtime/src/conversions.rs), so 49,999 and 50,000 prepare and then fail to compile, with no gas (the
// compile error comes before the contract loading fee). NearVm at 77 adds no Wasm locals: they run.
const withLocals = (locals: number, params = 0) =>
  wat(`(module (func ${params ? `(param ${'i32 '.repeat(params)})` : ''} (local ${'i32 '.repeat(locals)})) (func (export "main") (drop (i32.const 1))))`);
const mainWithLocals = (locals: number) => wat(`(module (func (export "main") (local ${'i32 '.repeat(locals)}) (drop (i32.const 1))))`);

test('a function with 49,999 or 50,000 params + locals fails to compile at 86 (Wasmtime after instrument_v3.rs adds 2 locals), 0 gas; 49,998 runs', (t) => {
  // $f is function 0; Wasmtime counts instrument_v3.rs's three `internal` imports first: function[3]
  const compileError = { CompilationError: { WasmerCompileError: { msg: 'failed to compile: wasm[0]::function[3]' } } };
  for (const code of [withLocals(49_999), withLocals(50_000), withLocals(49_997, 2), withLocals(49_998, 2)]) {
    const o = call(code, { protocolVersion: 86 });
    t.deepEqual(o.aborted, compileError);
    t.is(o.burntGas, 0n);
    t.is(o.usedGas, 0n);
  }
  t.is(call(withLocals(49_998), { protocolVersion: 86 }).aborted, null);
  t.is(call(withLocals(49_996, 2), { protocolVersion: 86 }).aborted, null);
});

test('at 77 (NearVm) functions of 49,999 and 50,000 locals run and pay their frame: ceil((64 + 4 × locals) / 8) ops', (t) => {
  const OP = runtimeConfig(77).wasm.regularOpCost;
  // 49,999 i32 locals: 64 + 199,996 = 200,060 bytes -> 25,008 ops; 50,000: 200,064 -> 25,008; + i32.const, drop
  for (const locals of [49_999, 50_000]) {
    const o = call(mainWithLocals(locals), { protocolVersion: 77 });
    t.is(o.aborted, null);
    t.is(o.profile.WASM_INSTRUCTION, 25_010n * OP);
  }
});

test('more than 50,000 params + locals in one function is Deserialization at 77 and 86 (wasmparser counts the parameters too)', (t) => {
  for (const pv of [77, 86]) {
    t.deepEqual(aborted(withLocals(50_001), pv), prepareError('Deserialization'));
    t.deepEqual(aborted(withLocals(49_999, 2), pv), prepareError('Deserialization'));
  }
});

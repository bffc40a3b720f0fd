/**
 * `promise_yield_create_with_id` / `promise_yield_resume_with_yield_id` (protocol 85+, `yield_with_id_host_fns`;
 * nearcore PR #15602 renamed in #15846, runtime/near-vm-runner wasmtime_runner/logic.rs, runtime ext.rs
 * `create_promise_yield_receipt_with_id` / `submit_promise_resume_data_with_yield_id`, nearcore's unit tests
 * logic/tests/promises.rs). Costs from the protocol 85 config snapshot, which 86 keeps: `yield_create_with_id_base`
 * 290,000,000,000, `yield_create_byte` 15,643,988, `yield_resume_base` 1,195,627,285,210, `yield_resume_byte`
 * 47,683,715.
 */
import test from 'ava';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, MemoryExternal, program, u64, U64_MAX, wat, imports } from './helpers.js';

const ext = runtimeConfig(86).extCosts;
const fees = runtimeConfig(86).actionFees;
const YIELD_ID = new Uint8Array(32).fill(7);
const OTHER_ID = new Uint8Array(32).fill(9);
const le128 = (v: bigint) => Uint8Array.from({ length: 16 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const GAS = 5_000_000_000_000n;

/**
 * Memory: method `cb` at 0, args `{}` at 16, the yield id at 32, the deposit at 80 (u128 le), the payload at 128.
 * `main` creates `times` yields with that id, storing each result at 256 + 8·i, and returns those results.
 */
function creator(opts: { yieldId?: Uint8Array; deposit?: bigint; times?: number; method?: string } = {}): Uint8Array {
  const times = opts.times ?? 1;
  const yieldId = opts.yieldId ?? YIELD_ID;
  const method = opts.method ?? 'cb';
  const creates = Array.from({ length: times }, (_, i) =>
    `(i64.store (i32.const ${256 + 8 * i}) (call $promise_yield_create_with_id ${u64(method.length)} ${u64(0)} ${u64(2)} ${u64(16)} ${u64(80)} ${u64(GAS)} ${u64(0)} ${u64(yieldId.length)} ${u64(32)}))`,
  ).join('\n');
  return program({
    imports: ['promise_yield_create_with_id', 'value_return'],
    data: [[0, method], [16, '{}'], [32, yieldId], [80, le128(opts.deposit ?? 0n)]],
    body: `${creates} (call $value_return ${u64(8 * times)} ${u64(256)})`,
  });
}

function resumer(yieldId: Uint8Array, payload: string | number = 'ok'): Uint8Array {
  const bytes = typeof payload === 'string' ? payload : 'x'.repeat(payload);
  return program({
    imports: ['promise_yield_resume_with_yield_id', 'value_return'],
    data: [[0, yieldId], [128, bytes]],
    body: `(i32.store (i32.const 4000) (call $promise_yield_resume_with_yield_id ${u64(yieldId.length)} ${u64(0)} ${u64(bytes.length)} ${u64(128)}))
      (call $value_return ${u64(4)} ${u64(4000)})`,
  });
}

const results = (o: { returnData: { kind: string; value?: Uint8Array } }): bigint[] => {
  const v = o.returnData.kind === 'Value' ? o.returnData.value! : new Uint8Array();
  return Array.from({ length: v.length / 8 }, (_, i) => Buffer.from(v).readBigUInt64LE(8 * i));
};
const resumed = (o: { returnData: { kind: string; value?: Uint8Array } }) => (o.returnData.kind === 'Value' ? o.returnData.value![0] : undefined);

test('create_with_id makes a yield receipt to this account whose callback carries the deposit; charged yield_create_with_id_base, not yield_create_base', (t) => {
  const external = new MemoryExternal();
  const o = call(creator({ deposit: 25n }), { external });
  t.is(o.aborted, null);
  t.deepEqual(results(o), [0n]); // the promise index
  t.is(o.receipts.length, 1);
  const [r] = o.receipts;
  t.is(r!.receiverId, 'alice.near');
  t.deepEqual(r!.yieldDataId, external.yieldDataId(YIELD_ID));
  t.like(r!.actions[0], { kind: 'FunctionCall', methodName: 'cb', deposit: 25n, gas: GAS, gasWeight: 0n });
  // balance 100 + attached 10, less the callback's deposit (promises.rs test_promise_yield_create_with_id_deducts_balance)
  t.is(o.balance, 85n);
  t.is(o.profile.YIELD_CREATE_WITH_ID_BASE, 290_000_000_000n);
  t.is(o.profile.YIELD_CREATE_BASE ?? 0n, 0n);
  t.is(o.profile.YIELD_CREATE_BYTE, 4n * 15_643_988n);
  // burnt now: a local receipt with one local input (pay_gas_for_new_receipt(true, [true])), then the FunctionCall
  t.is(o.profile.NEW_ACTION_RECEIPT, fees.newActionReceipt.sendSir + fees.newDataReceiptBase.sendSir + fees.newDataReceiptBase.execution);
  t.is(o.profile.FUNCTION_CALL_BASE, fees.functionCallBase.sendSir);
  // used: those plus the receipt's and the call's execution and the callback's gas
  const execution = fees.newActionReceipt.execution + fees.functionCallBase.execution + 4n * fees.functionCallByte.execution;
  t.is(o.usedGas - o.burntGas, execution + GAS);
});

test('an id already pending for this account returns u64::MAX and charges nothing past yield_create_byte (ext.rs has_yield_id_mapping)', (t) => {
  const once = call(creator());
  const twice = call(creator({ times: 2 }));
  t.deepEqual(results(twice), [0n, U64_MAX]);
  t.is(twice.receipts.length, 1);
  t.is(twice.profile.YIELD_CREATE_WITH_ID_BASE, 2n * 290_000_000_000n);
  t.is(twice.profile.YIELD_CREATE_BYTE, 8n * 15_643_988n);
  t.is(twice.profile.NEW_ACTION_RECEIPT, once.profile.NEW_ACTION_RECEIPT);
  t.is(twice.profile.FUNCTION_CALL_BASE, once.profile.FUNCTION_CALL_BASE);
  // the callback's gas is prepaid once
  t.is(twice.usedGas - twice.burntGas, once.usedGas - once.burntGas);
  // a pending id from an earlier call is refused too, another id is not
  const external = new MemoryExternal();
  call(creator(), { external });
  t.deepEqual(results(call(creator(), { external })), [U64_MAX]);
  t.deepEqual(results(call(creator({ yieldId: OTHER_ID }), { external })), [0n]);
});

test('create_with_id errors in nearcore\'s order: view, empty method name, then a yield id that is not 32 bytes', (t) => {
  t.deepEqual(call(creator(), { context: { isView: true } }).aborted, { ExecutionError: 'promise_yield_create_with_id is not allowed in view calls' });
  t.deepEqual(call(creator({ method: '' })).aborted, { ExecutionError: 'Tried to call an empty method name.' });
  const short = call(creator({ yieldId: new Uint8Array(16) }));
  t.deepEqual(short.aborted, { ExecutionError: 'yield id is malformed' });
  // YieldIdMalformed comes before yield_create_byte (wasmtime_runner/logic.rs)
  t.is(short.profile.YIELD_CREATE_BYTE ?? 0n, 0n);
  t.deepEqual(call(creator({ yieldId: new Uint8Array(33) })).aborted, { ExecutionError: 'yield id is malformed' });
});

test('the deposit must be covered by the balance; one yoctoNEAR from a zero balance is subsidised (one_yocto_on_promise)', (t) => {
  t.deepEqual(call(creator({ deposit: 111n })).aborted, { ExecutionError: 'Exceeded the account balance.' });
  const zero = { accountBalance: 0n, attachedDeposit: 0n };
  const one = call(creator({ deposit: 1n }), { context: zero });
  t.is(one.aborted, null);
  t.deepEqual([one.balance, one.subsidizedAmount], [0n, 1n]);
  t.deepEqual(call(creator({ deposit: 2n }), { context: zero }).aborted, { ExecutionError: 'Exceeded the account balance.' });
  t.deepEqual(call(creator({ deposit: 1n }), { context: zero, protocolVersion: 86 }).receipts[0]!.actions[0], {
    kind: 'FunctionCall', methodName: 'cb', args: new TextEncoder().encode('{}'), deposit: 1n, gas: GAS, gasWeight: 0n,
  });
});

test('resume_with_yield_id resumes the yield made under that id with the payload; 0 for an id with no pending yield', (t) => {
  const external = new MemoryExternal();
  t.is(resumed(call(resumer(YIELD_ID), { external })), 0);
  call(creator(), { external });
  const o = call(resumer(YIELD_ID, 'done'), { external });
  t.is(o.aborted, null);
  t.is(resumed(o), 1);
  t.deepEqual(external.resumed.map((r) => [Buffer.from(r.dataId).toString('hex'), Buffer.from(r.payload).toString()]), [
    [Buffer.from(external.yieldDataId(YIELD_ID)!).toString('hex'), 'done'],
  ]);
  // charged as promise_yield_resume: base + yield_resume_base + yield_resume_byte × payload
  t.is(o.profile.YIELD_RESUME_BASE, 1_195_627_285_210n);
  t.is(o.profile.YIELD_RESUME_BYTE, 4n * 47_683_715n);
  t.is(resumed(call(resumer(OTHER_ID), { external })), 0);
  // once the callback ran, the id is free and resumes nothing (lib.rs remove_yield_id_mappings)
  external.runYieldCallback(external.yieldDataId(YIELD_ID)!);
  t.is(resumed(call(resumer(YIELD_ID), { external })), 0);
  t.deepEqual(results(call(creator(), { external })), [0n]);
});

test('resume_with_yield_id errors: view, payload over max_yield_payload_size (1,024), then a malformed yield id', (t) => {
  t.deepEqual(call(resumer(YIELD_ID), { context: { isView: true } }).aborted, { ExecutionError: 'promise_yield_resume_with_yield_id is not allowed in view calls' });
  t.deepEqual(call(resumer(YIELD_ID, 1025)).aborted, { ExecutionError: 'Yield resume payload is 1025 bytes which exceeds the 1024 byte limit' });
  t.deepEqual(call(resumer(new Uint8Array(31), 1025)).aborted, { ExecutionError: 'Yield resume payload is 1025 bytes which exceeds the 1024 byte limit' });
  t.deepEqual(call(resumer(new Uint8Array(31))).aborted, { ExecutionError: 'yield id is malformed' });
  // yield_resume_byte is charged on the raw length before the read: register mode (u64::MAX) overflows
  const viaRegister = program({
    imports: ['promise_yield_resume_with_yield_id'],
    data: [[0, YIELD_ID]],
    body: `(drop (call $promise_yield_resume_with_yield_id ${u64(32)} ${u64(0)} ${u64(-1)} ${u64(0)}))`,
  });
  t.deepEqual(call(viaRegister).aborted, { ExecutionError: 'Integer overflow.' });
});

test('at 77 neither links: NearVM\'s import error names the function and its type (imports.rs yield_with_id_host_fns)', (t) => {
  const expected = {
    promise_yield_create_with_id: 'Function(FunctionType { params: [I64, I64, I64, I64, I64, I64, I64, I64, I64], results: [I64] })',
    promise_yield_resume_with_yield_id: 'Function(FunctionType { params: [I64, I64, I64, I64], results: [I32] })',
  };
  for (const [name, type] of Object.entries(expected)) {
    const code = wat(`(module ${imports(name)} (memory 1) (func (export "main")))`);
    t.deepEqual(call(code, { protocolVersion: 77 }).aborted, { ExecutionError: `Link Error: Error while importing "env"."${name}": unknown import. Expected ${type}` });
    t.is(call(code, { protocolVersion: 86 }).aborted, null);
  }
});

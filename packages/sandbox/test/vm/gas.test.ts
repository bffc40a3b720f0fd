/**
 * Wasm gas and stack metering against nearcore's finite-wasm instrumentation
 * (runtime/near-vm-runner/src/prepare/prepare_v3.rs cost table, instrument_v3.rs, near/finite-wasm src/gas/mod.rs,
 * logic.rs finite_wasm_stack) and GasCounter rules (logic/gas_counter.rs, logic/tests/gas_counter.rs).
 */
import test from 'ava';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, program, u64, wat } from './helpers.js';

const cfg = runtimeConfig(86);
const OP = cfg.wasm.regularOpCost;

test('contract loading fee = contract_loading_bytes × len + contract_loading_base (gas_counter.rs add_contract_loading_fee)', (t) => {
  const code = program({ body: '' });
  const o = call(code);
  t.is(o.profile.CONTRACT_LOADING_BYTES, BigInt(code.length) * cfg.extCosts.contract_loading_bytes!);
  t.is(o.profile.CONTRACT_LOADING_BASE, cfg.extCosts.contract_loading_base);
});

test('straight-line code: every instruction costs regular_op_cost, end is free, plus ceil(frame/8) ops (prepare_v3.rs, finite_wasm_stack)', (t) => {
  // frame = 64 + 8 (i64 local) + 4 (i32 local) = 76 bytes -> 10 ops; body: 4 instructions.
  const o = call(wat(`(module (func (export "main") (local i64 i32) (drop (i32.add (i32.const 1) (i32.const 2)))))`));
  t.is(o.aborted, null);
  t.is(o.profile.WASM_INSTRUCTION, (10n + 4n) * OP);
});

test('loops pay for `loop` on every iteration (finite-wasm charges after loop, PostControlFlow target)', (t) => {
  // per iteration: loop + 8 instructions; 10 iterations; frame 68 bytes -> 9 ops
  const o = call(
    wat(`(module (func (export "main") (local $i i32)
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))))`),
  );
  t.is(o.profile.WASM_INSTRUCTION, (9n + 10n * 9n) * OP);
});

test('a loop directly inside a loop pays its own cost on every iteration (finite-wasm visit_loop: each loop has its own point after its header)', (t) => {
  // frame 68 bytes -> 9 ops; loop $a once; per iteration of $b: loop + 8 instructions; 10 iterations: 9 + 1 + 90
  const o = call(
    wat(`(module (func (export "main") (local $i i32)
      (loop $a (loop $b
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $b (i32.lt_u (local.get $i) (i32.const 10)))))))`),
  );
  t.is(o.aborted, null);
  t.is(o.profile.WASM_INSTRUCTION, 100n * OP);
  // and the outer loop's: $a runs 3 times around $b's single pass (frame 9, per $a iteration: loop $a, loop $b + 8)
  const outer = call(
    wat(`(module (func (export "main") (local $i i32)
      (loop $a (loop $b
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $a (i32.lt_u (local.get $i) (i32.const 3)))))))`),
  );
  t.is(outer.profile.WASM_INSTRUCTION, (9n + 3n * 10n) * OP);
});

test('code after the end of a block left by a branch is charged on the branch path, as finite-wasm\'s visit_end (@32c0e30a) places it', (t) => {
  // finite-wasm charges `end` before closing its frame (an Unreachable point where the frame ended in a branch, a
  // PostControlFlow point after a branch target); this node closes the frame first. The points differ only where
  // the code cannot run, so the gas is the same; worked by hand (frame 64 bytes = 8 ops, + the instructions run):
  const cases: Array<[string, bigint, boolean]> = [
    // i32.const, br_if (taken) and the unreachable after the block: 8 + 3
    ['(block (br_if 0 (i32.const 1)) (br 0)) (unreachable)', 11n, true],
    // br, then i32.const and drop after the block (the drop inside is dead): 8 + 3
    ['(block (br 0) (drop (i32.const 5))) (drop (i32.const 1))', 11n, false],
    // i32.const, if, br 1 in the taken arm, then i32.const and drop: 8 + 5
    ['(block (if (i32.const 1) (then (br 1)) (else (br 1)))) (drop (i32.const 1))', 13n, false],
    // i32.const, br_if (not taken), then the inner block's unreachable: 8 + 3
    ['(block (br_if 0 (i32.const 0)) (block (unreachable))) (drop (i32.const 2))', 11n, true],
  ];
  for (const [body, ops, traps] of cases) {
    const o = call(wat(`(module (func (export "main") ${body}))`));
    t.is(o.aborted !== null, traps, body);
    t.is(o.profile.WASM_INSTRUCTION, ops * OP, body);
  }
});

test('memory.fill costs linear_op_base + linear_op_unit × n at PV86 (prepare_v3.rs SimpleGasCostCfg)', (t) => {
  const o = call(wat(`(module (memory 1) (func (export "main") (memory.fill (i32.const 0) (i32.const 7) (i32.const 1000))))`));
  t.is(o.aborted, null);
  // frame 8 ops + 3 consts; memory.fill itself is the linear charge
  t.is(o.profile.WASM_INSTRUCTION, 11n * OP + cfg.wasm.linearOpBaseCost + 1000n * cfg.wasm.linearOpUnitCost);
});

// memory.grow / table.grow at 86 (Wasmtime): linear_op_base_cost 26,328,192 + linear_op_unit_cost 822,756 × the delta,
// charged before the instruction (nearcore PR #15482: prepare_v3.rs SimpleGasCostCfg visit_memory_grow/visit_table_grow,
// instrument_v3.rs @0169d8c5 call_gas_instrumentation MemoryGrow/TableGrow arm; 84.yaml sets both costs). At 77
// (NearVm, near_vm_runner/runner.rs GasCostCfg) a grow is one flat regular_op_cost.
const grow = (pages: number) => wat(`(module (memory 1) (func (export "main") (drop (memory.grow (i32.const ${pages})))))`);

test('memory.grow at 86: 26,328,192 + 822,756 × pages, worked by hand for 0, 1 and 1,000 pages (prepare_v3.rs visit_memory_grow linear, PR #15482)', (t) => {
  // frame 64 bytes = 8 ops, i32.const and drop 1 op each: 10 × 822,756 = 8,227,560, plus the grow's linear fee
  t.is(cfg.wasm.linearOpBaseCost, 26_328_192n);
  t.is(cfg.wasm.linearOpUnitCost, 822_756n);
  t.is(call(grow(0)).profile.WASM_INSTRUCTION, 34_555_752n); // 8,227,560 + 26,328,192
  t.is(call(grow(1)).profile.WASM_INSTRUCTION, 35_378_508n); // + 822,756
  const o = call(grow(1000)); // 1,024 + 1,000 pages ≤ max_memory_pages 2,048: the grow succeeds
  t.is(o.aborted, null);
  t.is(o.profile.WASM_INSTRUCTION, 857_311_752n); // 34,555,752 + 1,000 × 822,756
});

test('a memory.grow that fails (returns -1) is still charged for the pages it asked for (instrument_v3.rs charges the operand before the instruction)', (t) => {
  // 1,024 + 1,025 pages > 2,048: memory.grow returns -1 (i32.store writes ff ff ff ff)
  const code = wat(`(module (import "env" "value_return" (func $vr (param i64 i64))) (memory 1)
    (func (export "main") (i32.store (i32.const 0) (memory.grow (i32.const 1025))) (call $vr (i64.const 4) (i64.const 0))))`);
  const o = call(code);
  if (o.returnData.kind !== 'Value') return t.fail(JSON.stringify(o.aborted));
  t.deepEqual([...o.returnData.value], [0xff, 0xff, 0xff, 0xff]);
  // frame 8 ops + 6 instructions (2 i32.const, i32.store, 2 i64.const, call) = 14 × 822,756 = 11,518,584,
  // + 26,328,192 + 1,025 × 822,756 = 843,324,900
  t.is(o.profile.WASM_INSTRUCTION, 881_171_676n);
});

test('memory.grow of 2^32 - 1 pages: the fee (822,756 × 4,294,967,295 = 3,533,710,111,765,020 + base) passes max_gas_burnt before the grow runs: GasLimitExceeded, burnt = prepaid (gas_counter.rs process_gas_limit)', (t) => {
  const o = call(grow(-1), { context: { prepaidGas: 300_000_000_000_000n } });
  t.deepEqual(o.aborted, { ExecutionError: 'Exceeded the maximum amount of gas allowed to burn per contract.' });
  t.is(o.burntGas, 300_000_000_000_000n);
});

test('table.grow at 86: 26,328,192 + 822,756 × elements (prepare_v3.rs visit_table_grow linear, PR #15482)', (t) => {
  const o = call(wat(`(module (table 0 funcref) (func (export "main") (drop (table.grow (ref.null func) (i32.const 5)))))`));
  t.is(o.aborted, null);
  // frame 8 ops + ref.null, i32.const, drop = 11 × 822,756 = 9,050,316; + 26,328,192 + 5 × 822,756 = 4,113,780
  t.is(o.profile.WASM_INSTRUCTION, 39_492_288n);
});

test('memory.grow at 77 is one flat regular_op_cost whatever the delta (NearVm: near_vm_runner/runner.rs GasCostCfg)', (t) => {
  // frame 8 ops + i32.const, memory.grow, drop = 11 × 822,756 = 9,050,316, for 0, 1 and 1,000 pages alike
  for (const pages of [0, 1, 1000]) t.is(call(grow(pages), { protocolVersion: 77 }).profile.WASM_INSTRUCTION, 9_050_316n);
});

test('infinite loop: GasExceeded, burnt = used = prepaid (gas_counter.rs process_gas_limit)', (t) => {
  const o = call(wat(`(module (func (export "main") (loop $l (br $l))))`), { context: { prepaidGas: 10_000_000_000_000n } });
  t.deepEqual(o.aborted, { ExecutionError: 'Exceeded the prepaid gas.' });
  t.is(o.burntGas, 10_000_000_000_000n);
  t.is(o.usedGas, 10_000_000_000_000n);
});

test('prepaid above max_gas_burnt: GasLimitExceeded, burnt = max_gas_burnt, used = prepaid (tests/gas_counter.rs test_cant_burn_more_than_max_gas_burnt_gas)', (t) => {
  const o = call(program({ imports: ['gas'], body: '(call $gas (i32.const -1))' }), { context: { prepaidGas: 2n * cfg.wasm.maxGasBurnt } });
  t.deepEqual(o.aborted, { ExecutionError: 'Exceeded the maximum amount of gas allowed to burn per contract.' });
  t.is(o.burntGas, cfg.wasm.maxGasBurnt);
  t.is(o.usedGas, 2n * cfg.wasm.maxGasBurnt);
});

test('attaching more gas than prepaid: GasExceeded, used = prepaid, little burnt (tests/gas_counter.rs test_dont_burn_gas_when_exceeding_attached_gas_limit)', (t) => {
  const prepaid = 100_000_000_000_000n;
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_function_call'],
      data: [[0, 'bob.near'], [16, 'f']],
      body: `(call $promise_batch_action_function_call (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(1)} ${u64(16)} ${u64(0)} ${u64(0)} ${u64(100)} ${u64(2n * prepaid)})`,
    }),
    { context: { prepaidGas: prepaid } },
  );
  t.deepEqual(o.aborted, { ExecutionError: 'Exceeded the prepaid gas.' });
  t.is(o.usedGas, prepaid);
  t.true(o.burntGas < prepaid / 2n);
  t.deepEqual(o.receipts, []);
});

test('view calls burn up to max_gas_burnt_view and then fail with GasLimitExceeded (gas_counter.rs, views)', (t) => {
  const o = call(wat(`(module (func (export "main") (loop $l (br $l))))`), { context: { isView: true, prepaidGas: 0n } });
  t.deepEqual(o.aborted, { ExecutionError: 'Exceeded the maximum amount of gas allowed to burn per contract.' });
  t.is(o.burntGas, cfg.wasm.maxGasBurntView);
});

test('deep recursion is HostError MemoryAccessViolation after max_stack_height bytes, process survives (logic.rs finite_wasm_stack)', (t) => {
  const o = call(wat(`(module (func $f (export "main") (call $f)))`));
  t.deepEqual(o.aborted, { ExecutionError: 'Accessed memory outside the bounds.' });
  // Each frame reserves 64 bytes (no locals, empty operand stack): 262144 / 64 = 4096 frames fit; each pays
  // 8 ops of frame gas + 1 op for `call`. The 4097th fails its stack check before paying.
  t.is(o.profile.WASM_INSTRUCTION, 4096n * 9n * OP);
  const again = call(wat(`(module (func $f (export "main") (param) (local i64 i64 i64 i64) (call $f)))`));
  t.deepEqual(again.aborted, { ExecutionError: 'Accessed memory outside the bounds.' });
});

test('stack budget is released on return: many sequential calls succeed (instrument_v3.rs unstack)', (t) => {
  const o = call(
    wat(`(module
      (func $leaf (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
      (func (export "main") (local $i i32) (local $acc i64)
        (loop $l
          (local.set $acc (call $leaf (local.get $acc)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 10000))))))`),
  );
  t.is(o.aborted, null);
});

test('gas from a host call is synchronised: used_gas sees wasm gas burnt so far (wasmtime_runner remaining_gas sync)', (t) => {
  const o = call(
    program({
      imports: ['used_gas', 'value_return'],
      body: `(i64.store (i32.const 0) (call $used_gas)) (call $value_return ${u64(8)} ${u64(0)})`,
    }),
  );
  if (o.returnData.kind !== 'Value') return t.fail('no value');
  const seen = Buffer.from(o.returnData.value).readBigUInt64LE(0);
  // At the used_gas call: loading fee + the base of used_gas + frame (8 ops) + `i32.const 0` + `call` (region charged up front)
  const expected = o.profile.CONTRACT_LOADING_BYTES! + o.profile.CONTRACT_LOADING_BASE! + cfg.extCosts.base! + 10n * OP;
  t.is(seen, expected);
});

test('if/else and calls: gas = Σ executed instructions, each function paying its frame (finite-wasm regions)', (t) => {
  const o = call(
    wat(`(module
      (func $f (param i32) (result i32) (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
      (func (export "main") (drop (call $f (i32.const 0))) (drop (call $f (i32.const 1)))))`),
  );
  // main: frame 8 ops + 6 instructions; $f per call: frame ceil(68/8) = 9 ops + local.get, if, const.
  t.is(o.profile.WASM_INSTRUCTION, (8n + 6n + 2n * (9n + 3n)) * OP);
});

test('out of gas before a host call: the host function does not run, burnt = prepaid', (t) => {
  const code = program({ imports: ['log_utf8'], data: [[0, 'x']], body: `(call $log_utf8 ${u64(1)} ${u64(0)})` });
  const loading = BigInt(code.length) * cfg.extCosts.contract_loading_bytes! + cfg.extCosts.contract_loading_base!;
  const prepaid = loading + 5n * OP;
  const o = call(code, { context: { prepaidGas: prepaid } });
  t.deepEqual(o.aborted, { ExecutionError: 'Exceeded the prepaid gas.' });
  t.deepEqual(o.logs, []);
  t.is(o.burntGas, prepaid);
});

test('pooled memories come back zeroed, including high pages; grown memories are not reused', (t) => {
  const dirty = program({
    imports: [],
    body: `(i64.store (i32.const 67108856) (i64.const -1)) (i64.store (i32.const 33554432) (i64.const -1)) (i64.store (i32.const 64) (i64.const -1))`,
  });
  const check = program({
    imports: ['value_return'],
    body: `(i64.store (i32.const 0) (i64.or (i64.or (i64.load (i32.const 67108856)) (i64.load (i32.const 33554432))) (i64.load (i32.const 64))))
      (i32.store (i32.const 8) (memory.size)) (call $value_return ${u64(12)} ${u64(0)})`,
  });
  const grow = program({ imports: [], body: '(drop (memory.grow (i32.const 3)))' });
  for (let i = 0; i < 3; i++) {
    t.is(call(dirty).aborted, null);
    t.is(call(grow).aborted, null);
    const o = call(check);
    if (o.returnData.kind !== 'Value') return t.fail(JSON.stringify(o.aborted));
    const b = Buffer.from(o.returnData.value);
    t.is(b.readBigUInt64LE(0), 0n);
    t.is(b.readInt32LE(8), 1024);
  }
});

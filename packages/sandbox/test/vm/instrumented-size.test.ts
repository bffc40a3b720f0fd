/**
 * `max_instrumented_code_size` (84.yaml: 16_777_216; none at 77) measured as nearcore measures it: the length of
 * the module nearcore's preparation outputs (runtime/near-vm-runner/src/prepare/prepare_v3.rs `prepare_contract`:
 * `res.len() > max_size` → PrepareError::InstrumentedCodeTooLarge). The expected lengths below are worked out by
 * hand from that algorithm:
 *  - prepare_v3.rs early pass: exports renamed "\0" + name plus `memory` (lib.rs EXPORT_PREFIX, MEMORY_EXPORT),
 *    memory section (memory 1024 2048);
 *  - instrument_v3.rs InstrumentContext::run: types `[] -> []` and `[i64] -> []` added, imports
 *    internal.finite_wasm_gas_exhausted / finite_wasm_stack_exhausted / finite_wasm_gas first (function indices + 3),
 *    globals (mut i64 0) and (mut i64 262144), exports `remaining_gas` and `start`; per body: locals + (1 i64) (1 i32),
 *    `block`, the stack reservation (global.get, i64.const 0, i64.const charge, i64.const 0, checked_sub_i64,
 *    global.set: checked_* are 10 bytes with the 2-byte wide-arithmetic op), the frame's gas, a charge per
 *    instrumentation point (constant: 3 global ops + 3 i64.const + 9 bytes; linear: 36 bytes + operands), and
 *    `end; unstack; end` at the end and `unstack; return` at each return;
 *  - near/finite-wasm src/gas/mod.rs + optimize.rs: where the points are and what they cost (loads, stores and
 *    calls are side effects: a point before, a zero point after; points merge at one offset, then across pure
 *    instructions), with prepare_v3.rs SimpleGasCostCfg (regular 822_756, bulk memory 26_328_192 + 822_756·n);
 *    src/max_stack: the operand stack, charged with the frame (64 + locals) in one i64.const.
 */
import test from 'ava';
import { runtimeConfig } from '../../src/parameters/index.js';
import { prepareContract } from '../../src/vm/prepare.js';
import { WASM_HEADER, call, concatBytes, leb, wasmName, wasmSection, wat } from './helpers.js';

const config86 = runtimeConfig(86).wasm;
/** nearcore's length as prepareContract counts it (src/vm/nearcore-size.ts). */
const nearcoreLength = (wasm: Uint8Array): number => prepareContract(wasm, config86).instrumentedSize!;
const LIMIT = 16_777_216;
const prepareError = (kind: string) => ({ CompilationError: { PrepareError: kind } });

const ulebBytes = (n: number) => leb(n).length;
/** A section of `payload` bytes: id, LEB length, payload. */
const sect = (payload: number) => 1 + ulebBytes(payload) + payload;

test('(module (func (export "main"))): nearcore instruments it into 275 bytes (prepare_v3.rs + instrument_v3.rs, by hand)', (t) => {
  const wasm = wat(`(module (func (export "main")))`);
  // header 8
  // types: []->[] + the added []->[] (3) and [i64]->[] (4): 1 + 3 + 3 + 4 = 11 -> 13
  // imports: "internal" (9) + "finite_wasm_gas_exhausted" (26) + kind + type 1 = 37; + "..._stack_exhausted" (28) = 39;
  //          + "finite_wasm_gas" (16) + kind + type 2 = 27: 1 + 37 + 39 + 27 = 104 -> 106
  // functions: 1 + 1 = 2 -> 4; memory: 1 + 1 + leb(1024) 2 + leb(2048) 2 = 6 -> 8
  // globals: (i64 mut, i64.const 0, end) 5 + (i64.const 262144: 3-byte LEB) 7: 1 + 12 = 13 -> 15
  // exports: "\0main" 6 + kind + index 0+3 = 8; "memory" 7 + 2 = 9; "remaining_gas" 14 + 2 = 16: 1 + 33 = 34 -> 36
  // code: locals leb(2) + (1 i64) + (1 i32) = 5; prologue: block 2, stack reservation 21 (charge 0 + frame 64:
  //   2-byte LEB: global.get 2, 2, 3, 2, 10, global.set 2), frame gas 8 * 822_756 = 6_582_048 (4-byte LEB):
  //   3*2 + 3*5 + 9 = 30 -> 53; the `end` (a pure point of fee 0: no charge) becomes end + unstack 21 + end = 23.
  //   Body 5 + 53 + 23 = 81, entry 82; section 1 + 82 = 83 -> 85
  t.is(nearcoreLength(wasm), 8 + 13 + 106 + 4 + 8 + 15 + 36 + 85);
  t.is(prepareContract(wasm, config86).instrumentedSize, 275);
});

/**
 * A module using every kind of section nearcore re-encodes or copies:
 *   (type (func)) (import "env" "f" (func $f)) (table 1 funcref) (memory 1) (global $g (mut i32) (i32.const 100))
 *   (export "main" (func $main)) (start $s) (elem (i32.const 0) $main)
 *   (func $s) (func $main call $f (memory.fill (i32.const 0) (i32.const 0) (i32.const 8)) global.get $g if return end)
 *   (data (i32.const 0) "hi")
 */
function everySection(): Uint8Array {
  const main = [
    0, // no locals
    0x10, 0, // call $f
    0x41, 0, 0x41, 0, 0x41, 8, 0xfc, 11, 0, // memory.fill
    0x23, 0, // global.get $g
    0x04, 0x40, 0x0f, 0x0b, // if return end
    0x0b,
  ];
  return concatBytes(
    WASM_HEADER,
    wasmSection(1, Uint8Array.of(1, 0x60, 0, 0)),
    wasmSection(2, concatBytes([1], wasmName('env'), wasmName('f'), [0, 0])),
    wasmSection(3, Uint8Array.of(2, 0, 0)),
    wasmSection(4, Uint8Array.of(1, 0x70, 0, 1)),
    wasmSection(5, Uint8Array.of(1, 0, 1)),
    wasmSection(6, Uint8Array.of(1, 0x7f, 1, 0x41, 0xe4, 0x00, 0x0b)), // i32.const 100: a signed LEB of 2 bytes
    wasmSection(7, concatBytes([1], wasmName('main'), [0, 2])),
    wasmSection(8, Uint8Array.of(1)),
    wasmSection(9, Uint8Array.of(1, 0, 0x41, 0, 0x0b, 1, 2)),
    wasmSection(10, concatBytes([2, 2, 0, 0x0b], leb(main.length), main)),
    wasmSection(11, concatBytes([1, 0, 0x41, 0, 0x0b], wasmName('hi'))),
  );
}

test('a module with an import, table, global, start, element and data segment, memory.fill and return: 618 bytes by hand (instrument_v3.rs, finite-wasm gas/optimize.rs)', (t) => {
  const wasm = everySection();
  t.is(prepareContract(wasm, config86).limitError, null, 'the module is valid at 86');
  // types 13 (as above); imports: the 3 added with T = 1 (37 + 39 + 27) + "env" "f" (4 + 2 + 1 + 1 = 8): 1 + 111 -> 114
  // functions: 1 + 2 -> 5; table copied: 4 -> 6; memory 8
  // globals: (i32 mut, i32.const 100: 2-byte LEB, end) 6 + the added 12: 1 + 18 = 19 -> 21
  // exports: "\0main" 6 + 1 + index 2+3 = 8; memory 9; remaining_gas with index G = 1: 16; "start" 6 + 1 + index 1+3 = 8:
  //   1 + 41 = 42 -> 44
  // elements (flags 0 kept by wasm-encoder): 1 + i32.const 0 end 3 + leb(1) + index 2+3 = 6: 1 + 6 = 7 -> 9
  // code: $s is the empty body of the first test (G = 1 changes no LEB length): 82.
  //   $main: 18 bytes of operators; call $f becomes `call 3` (still 2 bytes). Points, after optimize.rs:
  //   [call] PRE r -> 27 (r = 822_756: 3-byte LEB); [post, 3 consts] POST 3r -> 30; [memory.fill] aggregate
  //   26_328_192 + 822_756·n, with the locals L = 0 and 1: 2*2 + 3*2 + 3*2 + 3 + 4 + 36 = 59; [post, global.get, if]
  //   BETWEEN 2r -> 30; [post, return] BETWEEN r -> 27; the inner `end` is unreachable and the last one costs 0.
  //   Charges 173. Operand stack at most 12 bytes (three i32 consts): charge 76, unstack 21, prologue 53.
  //   Operators 18 + 21 (unstack before the return) + 1 + 21 (the last end) = 61. Body 5 + 53 + 61 + 173 = 292,
  //   entry 294. Section 1 + 82 + 294 = 377 -> 380
  // data copied: 1 + 1 + 3 + 3 = 8 -> 10
  t.is(nearcoreLength(wasm), 8 + 13 + 114 + 5 + 6 + 8 + 21 + 44 + 9 + 380 + 10);
  t.is(nearcoreLength(wasm), 618);
});

test('a loop that branches to itself, with a parameter and locals: 402 bytes by hand (finite-wasm Loop(pre, post) points, frame of 64 + locals)', (t) => {
  // (func (param i32) (local i64 i64) (loop (br_if 0 (local.get 0)))) and an exported empty main
  const f = [1, 2, 0x7e, 0x03, 0x40, 0x20, 0, 0x0d, 0, 0x0b, 0x0b];
  const wasm = concatBytes(
    WASM_HEADER,
    wasmSection(1, Uint8Array.of(2, 0x60, 0, 0, 0x60, 1, 0x7f, 0)),
    wasmSection(3, Uint8Array.of(2, 1, 0)),
    wasmSection(7, concatBytes([1], wasmName('main'), [0, 1])),
    wasmSection(10, concatBytes([2], leb(f.length), f, [2, 0, 0x0b])),
  );
  t.is(prepareContract(wasm, config86).limitError, null);
  // Points: loop PURE 0 and, after it, PURE r; local.get PURE r; br_if PRE r and POST 0 after it, and as br_if
  // targets the loop its points become PRE and POST; the two ends PURE 0. Merged: [loop] PRE 0 (free),
  // [post, local.get, br_if] BETWEEN 3r = 30 bytes, [post, end, end] POST 0 (free).
  // Frame 64 + 4 + 8 + 8 = 84: frame gas 11 r (4-byte LEB) 30; stack 4 + 84 = 88 (2-byte LEB): unstack 21, prologue 53.
  // Locals leb(3) + (2 i64) 2 + 4 = 7; operators 8 + 1 + 21 = 30. Body 7 + 53 + 30 + 30 = 120, entry 121.
  // Types: 3 + 4 + the added 7, leb(4): 15 -> 17; imports 106; functions 1 + 2 -> 5; memory 8; globals 15;
  // exports 36; code 1 + 121 + 82 = 204 -> 207
  t.is(nearcoreLength(wasm), 8 + 17 + 106 + 5 + 8 + 15 + 36 + 207);
});

/**
 * 130 empty functions and `main`, a table of 200, and optionally an element section and a global: for counting
 * what those two sections become on their own.
 */
function withSegments(opts: { elements?: boolean; global?: boolean }): Uint8Array {
  const elements = [
    [0x00, 0x41, 0x81, 0x80, 0x00, 0x0b, 0x01, 0x7e], // active, i32.const 1 in a 3-byte LEB, [$126]
    [0x05, 0x70, 0x02, 0xd2, 0x7e, 0x0b, 0xd0, 0x70, 0x0b], // passive expressions: ref.func $126, ref.null func
    [0x02, 0x00, 0x41, 0x00, 0x0b, 0x00, 0x01, 0x05], // active with an explicit table 0, [$5]
    [0x03, 0x00, 0x01, 0x7f], // declarative, [$127]
  ];
  return concatBytes(
    WASM_HEADER,
    wasmSection(1, Uint8Array.of(1, 0x60, 0, 0)),
    wasmSection(3, concatBytes(leb(131), new Uint8Array(131))),
    wasmSection(4, Uint8Array.of(1, 0x70, 0, ...leb(200))),
    opts.global ? wasmSection(6, Uint8Array.of(1, 0x7f, 1, 0x41, 0x81, 0x80, 0x00, 0x0b)) : new Uint8Array(), // (mut i32) i32.const 1, 3-byte LEB
    wasmSection(7, concatBytes([1], wasmName('main'), [0], leb(130))),
    opts.elements ? wasmSection(9, concatBytes([elements.length], ...elements)) : new Uint8Array(),
    wasmSection(10, concatBytes(leb(131), ...Array<number[]>(131).fill([2, 0, 0x0b]))),
  );
}

test('element segments and globals are re-encoded by wasm-encoder: flags kept, shortest LEBs, function indices + 3 (instrument_v3.rs parse_element_section, parse_global)', (t) => {
  const plain = withSegments({});
  const elements = withSegments({ elements: true });
  const global = withSegments({ global: true });
  for (const m of [plain, elements, global]) t.is(prepareContract(m, config86).limitError, null);
  // flags 0: 1 + i32.const 1 now in 1 byte (3) + leb(1) + leb(126 + 3 = 129) 2 = 7;
  // flags 5: 1 + funcref 1 + leb(2) + ref.func 129 (1 + 2 + end) 4 + ref.null func (2 + end) 3 = 10;
  // flags 2: 1 + table 0 1 + i32.const 0 (3) + elemkind 1 + leb(1) + $8 1 = 8; flags 3: 1 + 1 + 1 + leb(130) 2 = 5.
  // Section: leb(4) + 30 = 31 -> 33
  t.is(nearcoreLength(elements) - nearcoreLength(plain), 33);
  // (mut i32) with i32.const 1 in one byte + end: 5 bytes more in the global section, whose count stays 1 byte;
  // G = 1 changes no other LEB (the stack global is 2, remaining_gas exports global 1)
  t.is(nearcoreLength(global) - nearcoreLength(plain), 5);
});

/** `n` copies of the function `body` (locals and `end` included), an empty exported `main` after them, (memory 1) and a data segment of `data` bytes. */
function copiesModule(n: number, body: Uint8Array, data = 0): Uint8Array {
  const entry = concatBytes(leb(body.length), body);
  return concatBytes(
    WASM_HEADER,
    wasmSection(1, Uint8Array.of(1, 0x60, 0, 0)),
    wasmSection(3, concatBytes(leb(n + 1), new Uint8Array(n + 1))),
    wasmSection(5, Uint8Array.of(1, 0, 1)),
    wasmSection(7, concatBytes([1], wasmName('main'), [0], leb(n))),
    wasmSection(10, concatBytes(leb(n + 1), ...Array<Uint8Array>(n).fill(entry), [2, 0, 0x0b])),
    data > 0 ? wasmSection(11, concatBytes([1, 0, 0x41, 0, 0x0b], leb(data), new Uint8Array(data))) : new Uint8Array(),
  );
}

/** `n` functions of `k` × (i32.const 0, i32.load8_u, drop), then `main`, and a data segment of `data` bytes. */
const loadHeavy = (n: number, k: number, data = 0) => copiesModule(n, concatBytes([0], ...Array<number[]>(k).fill([0x41, 0, 0x2d, 0, 0, 0x1a]), [0x0b]), data);

/**
 * nearcore's length of loadHeavy(n, k, data), worked out by hand. Each load is a side effect (finite-wasm
 * trapping_insn), so the points of a body merge into [const, load] 2r, then k - 1 × [post, drop, const, load] 3r,
 * then [post, drop, end] r: charges 30 + 30(k - 1) + 27 (2r and 3r have 4-byte LEBs, r 3). Stack 4 bytes, frame 64.
 * Body: locals 5 + prologue 53 + operators 6k + 1 + (1 + 21) + charges 30k + 27 = 36k + 108.
 */
function loadHeavyNearcoreSize(n: number, k: number, data = 0): number {
  const body = 36 * k + 108;
  const entry = ulebBytes(body) + body;
  return (
    8 +
    13 + // types
    106 + // the added imports
    sect(ulebBytes(n + 1) + n + 1) + // functions
    8 + // memory
    15 + // the added globals
    sect(1 + (6 + 1 + ulebBytes(n + 3)) + 9 + 16) + // exports: \0main, memory, remaining_gas
    sect(ulebBytes(n + 1) + n * entry + 82) + // code: the load bodies and main
    (data > 0 ? sect(1 + 1 + 3 + ulebBytes(data) + data) : 0)
  );
}

test('load-heavy code: nearcore charges gas around every load, 36 bytes per load where the original has 6 (finite-wasm gas/mod.rs trapping_insn)', (t) => {
  for (const [n, k, data] of [[1, 1, 0], [3, 1000, 0], [2, 30_000, 100], [5, 3, 70_000]] as const) {
    t.is(nearcoreLength(loadHeavy(n, k, data)), loadHeavyNearcoreSize(n, k, data), `n ${n}, k ${k}, data ${data}`);
  }
});

/** The data length that makes loadHeavy(15, 30_000, data) exactly `target` bytes long by nearcore's measure. */
function dataFor(target: number): number {
  let data = target - loadHeavyNearcoreSize(15, 30_000) - 10;
  while (loadHeavyNearcoreSize(15, 30_000, data) > target) data--;
  while (loadHeavyNearcoreSize(15, 30_000, data) < target) data++;
  return data;
}

test('16_777_216 bytes by nearcore measure prepares and runs at 86; one byte more is InstrumentedCodeTooLarge, which the node used to accept (prepare_v3.rs `res.len() > max_size`)', (t) => {
  const atLimit = loadHeavy(15, 30_000, dataFor(LIMIT));
  const over = loadHeavy(15, 30_000, dataFor(LIMIT + 1));
  t.is(loadHeavyNearcoreSize(15, 30_000, dataFor(LIMIT)), LIMIT);
  t.is(loadHeavyNearcoreSize(15, 30_000, dataFor(LIMIT + 1)), LIMIT + 1);
  t.is(nearcoreLength(atLimit), LIMIT);
  t.is(nearcoreLength(over), LIMIT + 1);

  const accepted = prepareContract(atLimit, config86);
  t.is(accepted.limitError, null);
  t.is(accepted.instrumentedSize, LIMIT);
  const refused = prepareContract(over, config86);
  t.is(refused.limitError?.kind, 'InstrumentedCodeTooLarge');
  t.regex(refused.limitError!.message, /16777217 bytes \(max_instrumented_code_size 16777216\)/);
  // The node's own module for it is a fraction of that: measuring it (as before) let the contract through.
  t.true(refused.code.length < LIMIT / 4, `this node's module has ${refused.code.length} bytes`);

  t.is(call(atLimit).aborted, null);
  t.deepEqual(call(over).aborted, prepareError('InstrumentedCodeTooLarge'));
});

test('at 77 there is no max_instrumented_code_size: the contract over the limit runs, and nothing is measured', (t) => {
  const over = loadHeavy(15, 30_000, dataFor(LIMIT + 1));
  t.is(call(over, { protocolVersion: 77 }).aborted, null);
  t.is(prepareContract(over, runtimeConfig(77).wasm).instrumentedSize, null);
});

/** `functions` bodies of about `size` bytes of `i32.const 0; drop` each, then `main`, and a data segment of `data` bytes. */
function bulkyModule(functions: number, size: number, data = 0): Uint8Array {
  const body = Buffer.alloc(Math.floor((size - 2) / 3) * 3 + 2);
  for (let k = 1; k < body.length - 1; k += 3) body.set([0x41, 0, 0x1a], k); // locals count 0 first, end last
  body[body.length - 1] = 0x0b;
  return copiesModule(functions, body, data);
}

test('pure code costs nearcore one charge per function: 16.86 MB of it is over the limit at 86 and runs at 77', (t) => {
  const wasm = bulkyModule(86, 196_000); // 86 bodies under max_function_body_size 196_608
  t.true(wasm.length > LIMIT);
  t.true(nearcoreLength(wasm) - wasm.length < 86 * 200, 'a few dozen bytes per function');
  t.deepEqual(call(wasm).aborted, prepareError('InstrumentedCodeTooLarge'));
  t.is(call(wasm, { protocolVersion: 77 }).aborted, null);
});

test('data segments count once, as nearcore copies the data section: a 9 MB segment prepares at 86', (t) => {
  const prepared = prepareContract(bulkyModule(1, 100, 9_000_000), config86);
  t.true(prepared.code.length > LIMIT, `this node's module (with its passive copy for instance reuse) has ${prepared.code.length} bytes`);
  t.true(prepared.instrumentedSize! > 9_000_000 && prepared.instrumentedSize! < 9_001_000);
  t.is(prepared.limitError, null);
});

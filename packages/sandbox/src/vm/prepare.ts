/**
 * Contract preparation and gas/stack instrumentation, after nearcore
 * `runtime/near-vm-runner/src/prepare/prepare_v3.rs` (validation, memory normalisation, limits) and
 * `prepare/instrument_v3.rs` + near/finite-wasm `src/gas/mod.rs` (where gas is charged).
 *
 * Output module layout (our own, for V8):
 *  - the contract's memory is replaced by an import `internal.memory` of `(memory initial max)` from the config;
 *  - contract exports keep their names but get the prefix `\0` (as nearcore's Wasmtime path does), so our
 *    internal exports (`memory`, `remaining_gas`, `remaining_stack`, `start`) can never collide;
 *  - two mutable i64 globals are appended (not exported: V8 boxes exported mutable globals, which is much
 *    slower; three appended accessor functions expose them): remaining gas and remaining stack bytes. Charges subtract from
 *    them inline; when one goes negative the code executes `unreachable` and the runner inspects the
 *    globals to tell gas/stack exhaustion from a genuine trap. No imports are added, so no function index
 *    is renumbered;
 *  - the start section is removed and the start function exported as `start`, so the runner can set the
 *    gas global before it runs (nearcore does the same: START_EXPORT).
 */
import { EXTERNREF, F32, F64, FUNCREF, I32, I64, PrepareError, Reader, deser, numericMayTrap, numericPops, numericResultSize, sizeOf } from './wasm-binary.js';
import { nearcoreInstrumentedSize } from './nearcore-size.js';
import { WRITE_CHUNK_SHIFT } from './memory-pool.js';

export { PrepareError } from './wasm-binary.js';


export interface PrepareConfig {
  regularOpCost: bigint;
  linearOpBaseCost: bigint;
  linearOpUnitCost: bigint;
  maxStackHeight: number;
  initialMemoryPages: number;
  maxMemoryPages: number;
  maxFunctionsNumberPerContract: number;
  maxLocalsPerContract: number;
  /** The limits below are null where the protocol version has none (all of them before 84.yaml). */
  maxTablesPerContract: number | null;
  maxElementsPerContractTable: number | null;
  maxFunctionBodySize: number | null;
  maxTypesPerContract: number | null;
  maxParamsPerFunction: number | null;
  maxParamsPerContract: number | null;
  maxOperandStackBytesPerFunction: number | null;
  maxBlocksPerFunction: number | null;
  maxBlocksPerContract: number | null;
  /**
   * `max_instrumented_code_size` (84.yaml): a bound on the length of the prepared module. nearcore measures the
   * bytes its own instrument_v3.rs emits (prepare_v3.rs: `res.len() > max_size` → InstrumentedCodeTooLarge); this
   * node counts those bytes without emitting them (nearcore-size.ts), since its own module is laid out for V8.
   */
  maxInstrumentedCodeSize?: number | null;
  reftypesBulkMemory: boolean;
  /**
   * The VM nearcore runs (84.yaml switches NearVm to Wasmtime). Only the Wasmtime path is instrumented by
   * instrument_v3.rs, which charges `memory.grow` and `table.grow` the linear fee (linearGrowFee below); NearVm
   * instruments with its own cost table, where they are a flat regular_op_cost.
   */
  vmKind: 'NearVm' | 'Wasmtime';
  /** Saturating float-to-int (0xfc 0..7): off at 77, where nearcore 2.6.2's validator refuses them. */
  saturatingFloatToInt: boolean;
  /**
   * How wasm gas is counted (default 'finite-wasm'):
   *  - 'finite-wasm': nearcore's scheme, one charge per metered region (a basic block), checked at function
   *    entry and loop heads;
   *  - 'per-instruction': a reference for tests, a charge and a check before every instruction, with each
   *    instruction's cost worked out again from its opcode; a successful call burns exactly the same gas as
   *    'finite-wasm' (test/vm/metering.test.ts);
   *  - 'none': no gas or stack metering, only to measure what metering costs (bench/runtime.ts); stores are
   *    write-tracked as with 'finite-wasm', so a reused instance is zeroed the same way.
   */
  metering?: Metering;
}

export type Metering = 'finite-wasm' | 'per-instruction' | 'none';

export interface FuncType {
  params: number[];
  results: number[];
}

export interface PreparedContract {
  /** Instrumented module bytes. */
  code: Uint8Array;
  /**
   * What `max_instrumented_code_size` bounds: the length of the module nearcore's instrumentation would produce
   * (nearcore-size.ts), not of `code`; null where the protocol version has no such limit.
   */
  instrumentedSize: number | null;
  /** Function exports of the original contract: name -> type. */
  functionExports: Map<string, FuncType>;
  /** `env` function imports: name -> type. */
  imports: Array<{ name: string; type: FuncType }>;
  hasStart: boolean;
  /**
   * The module exports `reset`, which puts an instance back in its freshly instantiated state (mutable
   * globals to their initial values, the stack budget to full, active data segments copied again from
   * passive duplicates) once its memory has been zeroed, so the runner can reuse the instance. False when the
   * contract itself can change state that `reset` does not restore: table contents (table.set/grow/fill/copy/
   * init) or dropped segments (data.drop, elem.drop).
   */
  reusable: boolean;
  /**
   * How a reused instance's memory is zeroed after a call (vm/memory-pool.ts zeroWrittenChunks). When true, every
   * store of the contract also sets, in a global the runner reads (`written_get`), the bit of the 2 MiB chunk it
   * writes to, and only those chunks are zeroed. False where writes are not tracked, and the whole memory is
   * scanned: a bulk memory instruction (memory.fill/copy/init) or a function with no room for the extra locals.
   * The tracking is not metered: gas is unchanged. Every metering mode, 'none' included, tracks the same way.
   */
  tracksWrites: boolean;
  /**
   * A limit nearcore checks while instrumenting (checkInstrumentationLimits), which it does only after the whole
   * module has validated: the runner reports it once the module has compiled, so invalid Wasm anywhere in the
   * module is Deserialization first, as in nearcore.
   */
  limitError: PrepareError | null;
  /**
   * Why Wasmtime would refuse nearcore's instrumented module although preparation accepted it (nearcore:
   * `CompilationError::WasmtimeCompileError { msg }`, shown as WasmerCompileError outside the VM,
   * runtime/runtime/src/conversions.rs), reported after limitError; null when it compiles.
   */
  compileError: string | null;
}



class Writer {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];
  byte(b: number): this {
    this.chunks.push(b);
    return this;
  }
  u32(v: number): this {
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.chunks.push(b);
    } while (v !== 0);
    return this;
  }
  s64(v: bigint): this {
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.chunks.push(b);
        return this;
      }
      this.chunks.push(b | 0x80);
    }
  }
  raw(bytes: Uint8Array): this {
    if (bytes.length < 64) {
      for (let i = 0; i < bytes.length; i++) this.chunks.push(bytes[i]!);
    } else {
      this.flush();
      this.parts.push(bytes);
    }
    return this;
  }
  private flush(): void {
    if (this.chunks.length) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }
  get length(): number {
    let n = this.chunks.length;
    for (const p of this.parts) n += p.length;
    return n;
  }
  finish(): Uint8Array {
    this.flush();
    let n = 0;
    for (const p of this.parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function section(out: Writer, id: number, body: Uint8Array): void {
  out.byte(id).u32(body.length).raw(body);
}

/**
 * externref is accepted at 86 as reference types are (84.yaml reftypes_bulk_memory). A third-party test of nearcore
 * 2.13.4 reports that nearcore refuses it (wasmparser with gc_types off admits funcref only: the stored wasmparser
 * features.rs check_ref_type has that rule), but no stored nearcore features.rs says gc_types is off (the stored
 * versions predate the field), so this node does not refuse it.
 */
function readValType(r: Reader, cfg: PrepareConfig): number {
  const t = r.byte();
  if (t === I32 || t === I64 || t === F32 || t === F64) return t;
  if ((t === FUNCREF || t === EXTERNREF) && cfg.reftypesBulkMemory) return t;
  throw deser(`unsupported value type 0x${t.toString(16)}`);
}

function readLimits(r: Reader): { initial: number; max: number | null } {
  const flag = r.byte();
  if (flag !== 0 && flag !== 1) throw deser('unsupported limits flag (shared or 64-bit memory)');
  const initial = r.u32();
  const max = flag === 1 ? r.u32() : null;
  return { initial, max };
}

/** Skips a constant expression up to and including its `end`. */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x0b:
        return;
      case 0x41:
        r.skipSigned(32);
        break;
      case 0x42:
        r.skipSigned(64);
        break;
      case 0x43:
        r.bytes(4);
        break;
      case 0x44:
        r.bytes(8);
        break;
      case 0x23:
      case 0xd2:
        r.u32();
        break;
      case 0xd0:
        r.byte();
        break;
      default:
        throw deser(`unsupported constant expression opcode 0x${op.toString(16)}`);
    }
  }
}

// finite-wasm instrumentation kinds (src/gas/mod.rs `InstrumentationKind`).
const PURE = 0;
const UNREACHABLE = 1;
const PRE = 2;
const POST = 3;
const AGGREGATE = 4;
/**
 * Loads and stores are PreControlFlow in finite-wasm (they may trap), which ends a gas region at every
 * memory access. We treat them as pure so a region spans a whole basic block: the burnt gas is identical
 * except when a load/store traps (MemoryOutOfBounds), where the rest of that basic block is also charged.
 */
const MEMORY_ACCESS = PURE;

/**
 * Whether `memory.grow` and `table.grow` pay the linear fee, linear_op_base_cost + linear_op_unit_cost × the delta
 * operand (pages, or table elements), like memory.fill, instead of a flat regular_op_cost:
 *  - Wasmtime (from 84.yaml, so at 86): nearcore PR #15482 ("charge linear gas for memory.grow and table.grow",
 *    merged 2026-03-30) put `visit_memory_grow`/`visit_table_grow` in prepare_v3.rs SimpleGasCostCfg's linear list
 *    and MemoryGrow/TableGrow in instrument_v3.rs call_gas_instrumentation's linear arm (the stored instrument_v3.rs
 *    @0169d8c5 has that arm, @5322a047 does not; prepare_v3.rs @0b1af126 and @659b0903 are older and charge them
 *    flat). No protocol gate: nearcore's test-loop eth_implicit_global_contract test notes that Wasmtime's V3
 *    instrumentation "charges linear gas for memory.grow/table.grow" at any version, the linear costs being 300 Tgas
 *    sentinels before 84.
 *  - NearVm (77): near_vm_runner/runner.rs GasCostCfg charges every operator except block/end/else a flat
 *    regular_op_cost, memory.grow included.
 * The charge is taken before the instruction from the requested delta, so a grow that fails (returns -1) pays it.
 */
const linearGrowFee = (cfg: PrepareConfig): boolean => cfg.vmKind === 'Wasmtime';

/**
 * wasmparser's MAX_WASM_FUNCTION_LOCALS (limits.rs): a function's parameters and declared locals together
 * (OperatorValidator define_locals counts both: "too many locals: locals exceed maximum"). nearcore's validator
 * refuses more (Deserialization), and Wasmtime validates the instrumented module again with the same bound after
 * instrument_v3.rs has given every function two more locals (an i64 and an i32, transform_code_section), so at 86 a
 * function with 49,999 or 50,000 passes preparation and then fails to compile (instrumentedLocalsError).
 */
const MAX_FUNCTION_LOCALS = 50_000;
/** instrument_v3.rs transform_code_section: `locals.push((1, I64)); locals.push((1, I32))`. */
const INSTRUMENTATION_LOCALS = 2;

/** The value type of stores 0x36..0x3e: i32/i64/f32/f64.store, i32.store8/16, i64.store8/16/32. */
const STORE_VALUE_TYPES = [I32, I64, F32, F64, I32, I32, I64, I64, I64];

const UNTAKEN = -1;
const FORWARD = -2;
interface GasFrame {
  polymorphic: boolean;
  /** UNTAKEN, FORWARD or (>= 0) the entry index of a `loop` (a backward branch target). */
  kind: number;
}

interface StackFrame {
  height: number;
  bytes: number;
  resultSize: number;
}

interface ModuleInfo {
  types: FuncType[];
  funcTypes: number[]; // type index per function (imports first)
  globalTypes: number[];
  numImportedFuncs: number;
}

/** Instruments one function body; returns the new body bytes (without the size prefix). */
function instrumentBody(
  code: Uint8Array,
  start: number,
  end: number,
  typeIndex: number,
  mod: ModuleInfo,
  cfg: PrepareConfig,
  state: { locals: number; reusable: boolean; tracksWrites: boolean; functions: FunctionFacts[] },
  gasGlobal: number,
  stackGlobal: number,
  writtenGlobal: number,
): Uint8Array {
  const r = new Reader(code, start, end);
  const ftype = mod.types[typeIndex]!;
  let blocks = 0; // block, loop and if (instrument_v3.rs transform_code_section block_count)
  const localTypes: number[] = [...ftype.params];
  const localGroupCount = r.u32();
  const localGroups: Array<[number, number]> = [];
  let declared = 0;
  for (let i = 0; i < localGroupCount; i++) {
    const n = r.u32();
    const t = readValType(r, cfg);
    declared += n;
    state.locals += n;
    if (state.locals > cfg.maxLocalsPerContract) throw new PrepareError('TooManyLocals', 'too many locals in contract');
    localGroups.push([n, t]);
    if (ftype.params.length + declared <= MAX_FUNCTION_LOCALS) for (let j = 0; j < n; j++) localTypes.push(t);
  }
  // prepare_v3.rs counts every group against max_locals_per_contract before the validator reads them
  if (ftype.params.length + declared > MAX_FUNCTION_LOCALS)
    throw deser(`${ftype.params.length} parameters and ${declared} locals in a function, above wasmparser's ${MAX_FUNCTION_LOCALS}`);
  const bodyStart = r.pos;

  // --- finite-wasm gas analysis + operand stack analysis, one pass ---
  const offsets: number[] = [];
  const costs: bigint[] = [];
  const kinds: number[] = [];
  let pending: { cost: bigint; kind: number } | null = null;
  const gasFrames: GasFrame[] = [];
  let cur: GasFrame = { polymorphic: false, kind: UNTAKEN };
  let offset = 0;
  const regular = cfg.regularOpCost;

  const chargeBefore = (kind: number, cost: bigint) => {
    if (pending !== null) {
      cost += pending.cost;
      if (pending.kind !== PURE) throw new PrepareError('Deserialization', 'internal: charge_after of non-pure kind');
      pending = null;
    }
    offsets.push(offset);
    kinds.push(cur.polymorphic ? UNREACHABLE : kind);
    costs.push(cost);
  };
  const chargeAfter = (kind: number, cost: bigint) => {
    if (pending !== null) {
      const p = pending;
      pending = null;
      chargeBefore(p.kind, p.cost);
    }
    pending = { cost, kind };
  };
  const newFrame = (kind: number) => {
    gasFrames.push(cur);
    cur = { polymorphic: cur.polymorphic, kind };
  };
  const endFrame = () => {
    const f = gasFrames.pop();
    if (f) cur = f;
  };
  const visitBranch = (depth: number) => {
    let frame: GasFrame;
    if (depth === 0) frame = cur;
    else {
      const f = gasFrames[gasFrames.length - depth];
      if (!f) throw deser('invalid branch depth');
      frame = f;
    }
    if (frame.kind === UNTAKEN) frame.kind = FORWARD;
    else if (frame.kind >= 0) kinds[frame.kind] = POST;
  };
  const makePolymorphic = () => {
    cur.polymorphic = true;
  };

  // Operand stack (finite-wasm max_stack): sizes of values, running byte total, maximum.
  const stack: number[] = [];
  let stackBytes = 0;
  let maxStackBytes = 0;
  const sframes: StackFrame[] = [];
  let sf: StackFrame = { height: 0, bytes: 0, resultSize: ftype.results.length ? sizeOf(ftype.results[0]!) : 0 };
  // finite-wasm src/max_stack/mod.rs: where the stack is polymorphic (after unreachable, br, br_table, return,
  // until the frame ends; a new frame inherits it) pushes and pops change nothing. The gas frames (`cur`) are
  // opened, closed and made polymorphic at the same instructions, so their flag serves here.
  const push = (size: number) => {
    if (cur.polymorphic) return;
    stack.push(size);
    stackBytes += size;
    if (stackBytes > maxStackBytes) maxStackBytes = stackBytes;
  };
  const pop = (): number => {
    if (cur.polymorphic || stack.length <= sf.height) return 4;
    const s = stack.pop()!;
    stackBytes -= s;
    return s;
  };
  const popN = (n: number) => {
    for (let i = 0; i < n; i++) pop();
  };
  const resetToFrame = () => {
    while (stack.length > sf.height) stackBytes -= stack.pop()!;
  };
  const blockResult = (bt: number): number => {
    if (bt === -64) return 0; // 0x40 empty
    if (bt < 0) {
      const t = bt + 128; // valtype byte
      if (t === I32 || t === F32) return 4;
      if (t === I64 || t === F64) return 8;
      if ((t === FUNCREF || t === EXTERNREF) && cfg.reftypesBulkMemory) return 8;
      throw deser('unsupported block type');
    }
    throw deser('multi-value block types are not supported');
  };
  const pushFrame = (resultSize: number) => {
    sframes.push(sf);
    sf = { height: stack.length, bytes: stackBytes, resultSize };
  };
  const calleeType = (fi: number): FuncType => {
    const ti = mod.funcTypes[fi];
    if (ti === undefined) throw deser('call to unknown function');
    return mod.types[ti]!;
  };
  const linearGrow = linearGrowFee(cfg);
  const needBulk = () => {
    if (!cfg.reftypesBulkMemory) throw deser('reference types / bulk memory are not enabled in this protocol version');
  };

  // Aggregate instrumentation points carry a linear part: offset -> true.
  const linearAt = new Set<number>();
  const returnOffsets: number[] = []; // `return` instructions: the stack budget is released before them
  let finalEnd = -1;
  const afterLoop = new Set<number>(); // offsets right after a `loop` header: its cost is paid per iteration there
  const afterCalls: number[] = []; // offsets right after call/call_indirect: reload the cached gas there
  const stores = new Map<number, { type: number; memOffset: number }>(); // store offset -> value type, static offset

  while (r.pos < end) {
    offset = r.pos;
    const op = r.byte();
    switch (op) {
      case 0x00: // unreachable
        chargeBefore(PRE, regular);
        makePolymorphic();
        break;
      case 0x01:
        chargeBefore(PURE, regular);
        break;
      case 0x02: {
        const rs = blockResult(r.s33());
        blocks++;
        chargeBefore(PURE, 0n);
        newFrame(UNTAKEN);
        pushFrame(rs);
        break;
      }
      case 0x03: {
        const rs = blockResult(r.s33());
        blocks++;
        afterLoop.add(r.pos);
        // A charge still scheduled after the previous instruction (the previous loop's cost, in `loop loop`) gets its
        // point here first, so that idx is this loop's own point, the one a branch to this loop lands on
        if (pending !== null) {
          const p = pending as { cost: bigint; kind: number };
          pending = null;
          chargeBefore(p.kind, p.cost);
        }
        const idx = kinds.length;
        chargeAfter(PURE, regular);
        newFrame(idx);
        pushFrame(rs);
        break;
      }
      case 0x04: {
        const rs = blockResult(r.s33());
        blocks++;
        pop();
        chargeBefore(PRE, regular);
        newFrame(FORWARD);
        pushFrame(rs);
        break;
      }
      case 0x05: // else
        endFrame();
        chargeBefore(PRE, 0n);
        newFrame(FORWARD);
        resetToFrame();
        break;
      case 0x0b: {
        // end. finite-wasm's visit_end (src/gas/mod.rs @32c0e30a) charges before closing the frame, so its point is
        // Unreachable where the closing frame's stack is polymorphic, and a branch target also gets a
        // PostControlFlow point after it. Here the frame is closed first: the points differ only at code that cannot
        // run (a polymorphic frame never falls through its `end`), so the gas charged is the same (on all 14,628
        // functions of the built contracts the charges differ only at such offsets; bench:gas unchanged;
        // test/vm/gas.test.ts), and the sign checks a PostControlFlow point would add are not emitted.
        const kind = cur.kind === FORWARD ? PRE : PURE;
        endFrame();
        chargeBefore(kind, 0n);
        if (sframes.length === 0) {
          if (r.pos !== end) throw deser('function body has trailing bytes after end');
          finalEnd = offset;
        } else {
          const rs = sf.resultSize;
          resetToFrame();
          sf = sframes.pop()!;
          if (rs) push(rs);
        }
        break;
      }
      case 0x0c: {
        const d = r.u32();
        chargeBefore(PRE, regular);
        visitBranch(d);
        makePolymorphic();
        break;
      }
      case 0x0d: {
        const d = r.u32();
        pop();
        chargeBefore(PRE, regular);
        visitBranch(d);
        break;
      }
      case 0x0e: {
        const n = r.u32();
        const targets: number[] = [];
        for (let i = 0; i < n; i++) targets.push(r.u32());
        const def = r.u32();
        pop();
        chargeBefore(PRE, regular);
        for (const t of targets) visitBranch(t);
        visitBranch(def);
        makePolymorphic();
        break;
      }
      case 0x0f:
        chargeBefore(PRE, regular);
        visitBranch(gasFrames.length);
        makePolymorphic();
        returnOffsets.push(offset);
        break;
      case 0x10: {
        const fi = r.u32();
        const t = calleeType(fi);
        afterCalls.push(r.pos);
        chargeBefore(PRE, regular);
        popN(t.params.length);
        for (const res of t.results) push(sizeOf(res));
        break;
      }
      case 0x11: {
        const ti = r.u32();
        const table = r.u32();
        if (table !== 0) needBulk();
        const t = mod.types[ti];
        if (!t) throw deser('call_indirect to unknown type');
        afterCalls.push(r.pos);
        chargeBefore(PRE, regular);
        // finite-wasm max_stack visit_call_indirect pops the callee's parameters, not the table index operand
        popN(t.params.length);
        for (const res of t.results) push(sizeOf(res));
        break;
      }
      case 0x1a:
        chargeBefore(PURE, regular);
        pop();
        break;
      case 0x1b: {
        chargeBefore(PURE, regular);
        pop();
        pop();
        const s = pop();
        push(s);
        break;
      }
      case 0x1c: {
        needBulk();
        const n = r.u32();
        if (n !== 1) throw deser('typed select must have one type');
        const t = readValType(r, cfg);
        chargeBefore(PURE, regular);
        popN(3);
        push(sizeOf(t));
        break;
      }
      case 0x20: {
        const li = r.u32();
        const t = localTypes[li];
        if (t === undefined) throw deser('unknown local');
        chargeBefore(PURE, regular);
        push(sizeOf(t));
        break;
      }
      case 0x21:
        r.u32();
        chargeBefore(PURE, regular);
        pop();
        break;
      case 0x22: {
        const li = r.u32();
        const t = localTypes[li];
        if (t === undefined) throw deser('unknown local');
        chargeBefore(PURE, regular);
        pop();
        push(sizeOf(t));
        break;
      }
      case 0x23: {
        const gi = r.u32();
        const t = mod.globalTypes[gi];
        if (t === undefined) throw deser('unknown global');
        chargeBefore(PURE, regular);
        push(sizeOf(t));
        break;
      }
      case 0x24:
        r.u32();
        chargeBefore(PURE, regular);
        pop();
        break;
      case 0x25: // table.get
        needBulk();
        r.u32();
        chargeBefore(PRE, regular);
        pop();
        push(8);
        break;
      case 0x26: // table.set
        needBulk();
        state.reusable = false;
        r.u32();
        chargeBefore(PRE, regular);
        popN(2);
        break;
      case 0x3f:
        if (r.byte() !== 0) throw deser('memory.size reserved byte');
        chargeBefore(PURE, regular);
        push(4);
        break;
      case 0x40:
        if (r.byte() !== 0) throw deser('memory.grow reserved byte');
        if (linearGrow) {
          chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
          linearAt.add(offset);
        } else chargeBefore(AGGREGATE, regular);
        pop();
        push(4);
        break;
      case 0x41:
        r.skipSigned(32);
        chargeBefore(PURE, regular);
        push(4);
        break;
      case 0x42:
        r.skipSigned(64);
        chargeBefore(PURE, regular);
        push(8);
        break;
      case 0x43:
        r.bytes(4);
        chargeBefore(PURE, regular);
        push(4);
        break;
      case 0x44:
        r.bytes(8);
        chargeBefore(PURE, regular);
        push(8);
        break;
      case 0xd0: {
        needBulk();
        const t = r.byte();
        if (t !== FUNCREF && t !== EXTERNREF) throw deser('bad ref.null type');
        chargeBefore(PURE, regular);
        push(8);
        break;
      }
      case 0xd1:
        needBulk();
        chargeBefore(PURE, regular);
        pop();
        push(4);
        break;
      case 0xd2:
        needBulk();
        r.u32();
        chargeBefore(PURE, regular);
        push(8);
        break;
      case 0xfc: {
        const sub = r.u32();
        if (sub <= 7) {
          // saturating truncations: pure (cvtop_complete); a validation error before PV78 (SaturatingFloatToInt)
          if (!cfg.saturatingFloatToInt) throw deser('saturating float-to-int conversions are not enabled in this protocol version');
          chargeBefore(PURE, regular);
          pop();
          push(sub < 4 ? 4 : 8);
          break;
        }
        needBulk();
        if (sub === 9 || sub >= 12) state.reusable = false; // data.drop, table.init, elem.drop, table.copy/grow/fill
        if (sub === 8 || sub === 10 || sub === 11) state.tracksWrites = false; // memory.init/copy/fill write memory untracked
        switch (sub) {
          case 8: // memory.init
            r.u32();
            if (r.byte() !== 0) throw deser('memory.init reserved byte');
            chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
            linearAt.add(offset);
            popN(3);
            break;
          case 9: // data.drop
            r.u32();
            chargeBefore(PURE, regular);
            break;
          case 10:
            if (r.byte() !== 0 || r.byte() !== 0) throw deser('memory.copy reserved byte');
            chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
            linearAt.add(offset);
            popN(3);
            break;
          case 11:
            if (r.byte() !== 0) throw deser('memory.fill reserved byte');
            chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
            linearAt.add(offset);
            popN(3);
            break;
          case 12: // table.init
            r.u32();
            r.u32();
            chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
            linearAt.add(offset);
            popN(3);
            break;
          case 13: // elem.drop
            r.u32();
            chargeBefore(PURE, regular);
            break;
          case 14: // table.copy
            r.u32();
            r.u32();
            chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
            linearAt.add(offset);
            popN(3);
            break;
          case 15: // table.grow
            r.u32();
            if (linearGrow) {
              chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
              linearAt.add(offset);
            } else chargeBefore(AGGREGATE, regular);
            popN(2);
            push(4);
            break;
          case 16: // table.size
            r.u32();
            chargeBefore(PURE, regular);
            push(4);
            break;
          case 17: // table.fill
            r.u32();
            chargeBefore(AGGREGATE, cfg.linearOpBaseCost);
            linearAt.add(offset);
            popN(3);
            break;
          default:
            throw deser(`unsupported 0xfc sub-opcode ${sub}`);
        }
        break;
      }
      default: {
        if (op >= 0x28 && op <= 0x35) {
          // loads
          r.u32();
          r.u32();
          chargeBefore(MEMORY_ACCESS, regular);
          pop();
          push(op === 0x29 || op === 0x2b || op >= 0x30 ? 8 : 4);
        } else if (op >= 0x36 && op <= 0x3e) {
          r.u32();
          stores.set(offset, { type: STORE_VALUE_TYPES[op - 0x36]!, memOffset: r.u32() });
          chargeBefore(MEMORY_ACCESS, regular);
          popN(2);
        } else if (op >= 0x45 && op <= 0xc4) {
          chargeBefore(numericMayTrap(op) ? PRE : PURE, regular);
          popN(numericPops(op));
          push(numericResultSize(op));
        } else {
          throw deser(`unsupported opcode 0x${op.toString(16)}`);
        }
      }
    }
  }
  if (finalEnd < 0) throw deser('function body without end');
  state.functions.push({ params: ftype.params.length, locals: localTypes.length, operandStackBytes: maxStackBytes, blocks });
  if (pending !== null) {
    const p = pending as { cost: bigint; kind: number };
    pending = null;
    chargeBefore(p.kind, p.cost);
  }

  // finite-wasm FunctionState::optimize: merge entries whose gas changes cannot be observed in between.
  let n = 0;
  // Kind of the first instruction of each merged group: loop heads (PostControlFlow) get a gas check.
  const groupKinds: number[] = [];
  if (cfg.metering === 'per-instruction') {
    // One entry per instruction (a loop's cost sits on the instruction after its header). Costs are worked
    // out again from the opcodes (prepare_v3.rs cost table), not taken from the analysis above.
    for (let i = 0; i < kinds.length; i++) {
      const at = offsets[i]!;
      const op = code[at]!;
      let c = op === 0x02 || op === 0x03 || op === 0x05 || op === 0x0b ? 0n : regular;
      if (op === 0xfc && [8, 10, 11, 12, 14, 17].includes(code[at + 1]!)) c = cfg.linearOpBaseCost;
      if (linearGrow && (op === 0x40 || (op === 0xfc && code[at + 1] === 15))) c = cfg.linearOpBaseCost;
      if (afterLoop.has(at)) c += regular;
      costs[i] = c;
      groupKinds[i] = POST;
    }
    n = kinds.length;
  } else if (kinds.length > 0) {
    groupKinds.push(kinds[0]!);
    let before = kinds[0]!;
    for (let i = 1; i < kinds.length; i++) {
      const after = kinds[i]!;
      const merge =
        (before === PURE && after === PURE) ||
        (before === UNREACHABLE && after === UNREACHABLE) ||
        (before === PURE && after === PRE) ||
        (before === POST && after === PURE);
      if (merge) {
        kinds[n] = after;
        costs[n] = costs[n]! + costs[i]!;
      } else {
        n++;
        groupKinds[n] = after;
        kinds[n] = after;
        costs[n] = costs[i]!;
        offsets[n] = offsets[i]!;
      }
      before = after;
    }
    n++;
  }

  // --- emit ---
  // 'none' leaves out gas and stack metering but keeps write tracking, so that a reused instance is zeroed the
  // same way as a metered one and the difference measures metering alone (bench/runtime.ts).
  const metered = cfg.metering !== 'none';
  // frame size: prepare_v3.rs SimpleMaxStackCfg::size_of_function_activation = 64 + sizes of all locals
  // (params included).
  let frameSize = 64;
  for (const t of localTypes) frameSize += sizeOf(t);
  const stackCharge = BigInt(maxStackBytes + frameSize);
  const frameGas = BigInt(Math.ceil(frameSize / 8)) * regular;
  const tmpLocal = localTypes.length; // an i32 scratch local for linear charges
  const gasLocal = tmpLocal + 1; // the function's cached copy of the gas global
  // V8 has wasmparser's bound on locals too (kV8MaxWasmFunctionLocals = 50,000). A function with no room for the two
  // added locals charges the gas global directly. It prepares only at 77 (at 86 nearcore's Wasmtime refuses it:
  // instrumentedLocalsError), where no instruction has a linear fee, so the i32 scratch local is never needed.
  const inLocal = localTypes.length + 2 <= MAX_FUNCTION_LOCALS;
  if (metered && !inLocal && linearAt.size > 0) return code.subarray(start, end); // refused before it is compiled (see above)
  const gasLocals = metered && inLocal ? 2 : 0;
  // Write tracking (PreparedContract.tracksWrites): an i32 local for the address and one per stored value type,
  // after the gas locals; a metered function with no room for those has none for these either.
  const valueTypes = [...new Set([...stores.values()].map((st) => st.type))];
  const tracking = stores.size > 0 && localTypes.length + (metered ? 2 : 0) + 1 + valueTypes.length <= MAX_FUNCTION_LOCALS;
  if (stores.size > 0 && !tracking) state.tracksWrites = false;
  const addrLocal = localTypes.length + gasLocals;
  const valueLocal = new Map(valueTypes.map((t, i) => [t, addrLocal + 1 + i]));

  const w = new Writer();
  w.u32(localGroups.length + (gasLocals > 0 ? 2 : 0) + (tracking ? 1 + valueTypes.length : 0));
  for (const [cnt, t] of localGroups) w.u32(cnt).byte(t);
  if (gasLocals > 0) {
    w.u32(1).byte(I32);
    w.u32(1).byte(I64);
  }
  if (tracking) {
    w.u32(1).byte(I32);
    for (const t of valueTypes) w.u32(1).byte(t);
  }

  // Gas is kept in a local (a register) and every charge also stores it to the global, so the global is
  // always exact for host functions and traps, without a load-modify-store chain through memory. After a
  // call the local is reloaded (the callee and host functions change the global).
  //
  // The sign check (remaining < 0 -> unreachable) is only emitted where execution could otherwise run on
  // without bound: function entry and loop heads (finite-wasm PostControlFlow entries). Elsewhere an
  // overdraft is caught at the next check, the next host call (the runner syncs gas before every host
  // function) or when the call returns; wasm-internal effects are discarded on abort anyway, so this burns
  // the same gas as checking every region.
  const emitCharge = (cost: bigint, check: boolean) => {
    if (!inLocal) {
      w.byte(0x23).u32(gasGlobal).byte(0x42).s64(cost).byte(0x7d).byte(0x24).u32(gasGlobal);
      if (check) w.byte(0x23).u32(gasGlobal).byte(0x42).byte(0).byte(0x53).byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
      return;
    }
    w.byte(0x20).u32(gasLocal).byte(0x42).s64(cost).byte(0x7d).byte(0x22).u32(gasLocal).byte(0x24).u32(gasGlobal);
    if (check) w.byte(0x20).u32(gasLocal).byte(0x42).byte(0).byte(0x53).byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
  };
  const emitLinearCharge = (base: bigint) => {
    // count is on top of the stack: tee it, charge base + unit * count.
    w.byte(0x22).u32(tmpLocal);
    w.byte(0x20).u32(gasLocal);
    w.byte(0x20).u32(tmpLocal).byte(0xad); // i64.extend_i32_u
    w.byte(0x42).s64(cfg.linearOpUnitCost).byte(0x7e); // i64.mul
    w.byte(0x42).s64(base).byte(0x7c); // i64.add
    w.byte(0x7d).byte(0x22).u32(gasLocal).byte(0x24).u32(gasGlobal);
    w.byte(0x20).u32(gasLocal).byte(0x42).byte(0).byte(0x53).byte(0x04).byte(0x40).byte(0x00).byte(0x0b);
  };
  const emitReload = () => {
    if (inLocal) w.byte(0x23).u32(gasGlobal).byte(0x21).u32(gasLocal);
  };
  const emitUnstack = () => {
    w.byte(0x23).u32(stackGlobal).byte(0x42).s64(stackCharge).byte(0x7c).byte(0x24).u32(stackGlobal);
  };
  // Before a store (operands: address, value): written |= 1 << ((address + offset) >> 21), the value kept in a local.
  // An address + offset past 2^32 wraps here, but the store itself then traps and writes nothing.
  const emitWriteTracking = (store: { type: number; memOffset: number }) => {
    const value = valueLocal.get(store.type)!;
    w.byte(0x21).u32(value).byte(0x22).u32(addrLocal);
    w.byte(0x23).u32(writtenGlobal).byte(0x41).byte(1).byte(0x20).u32(addrLocal);
    if (store.memOffset !== 0) w.byte(0x41).s64(BigInt.asIntN(32, BigInt(store.memOffset))).byte(0x6a); // i32.add
    w.byte(0x41).s64(BigInt(WRITE_CHUNK_SHIFT)).byte(0x76).byte(0x74).byte(0x72); // i32.shr_u, i32.shl, i32.or
    w.byte(0x24).u32(writtenGlobal).byte(0x20).u32(value);
  };

  const returns = new Set(metered ? returnOffsets : []);
  let copyFrom = bodyStart;
  // Walk instruction boundaries again, only where we insert something.
  const insertPoints: number[] = [];
  if (metered) for (let i = 0; i < n; i++) if (kinds[i] !== UNREACHABLE && (costs[i]! > 0n || linearAt.has(offsets[i]!))) insertPoints.push(i);
  const points = new Set<number>();
  for (const i of insertPoints) points.add(offsets[i]!);
  const reloads = new Set(metered ? afterCalls : []);
  const all = [...new Set([...points, ...returns, ...reloads, ...(tracking ? stores.keys() : []), finalEnd])].sort((a, b) => a - b);
  const checkAt = new Set<number>();
  for (const i of insertPoints) if (groupKinds[i] === POST) checkAt.add(offsets[i]!);
  const costAt = new Map<number, bigint>();
  for (const i of insertPoints) costAt.set(offsets[i]!, (costAt.get(offsets[i]!) ?? 0n) + costs[i]!);
  let prologueGas = frameGas;
  const first = costAt.get(bodyStart);
  if (first !== undefined && !linearAt.has(bodyStart) && !checkAt.has(bodyStart) && bodyStart !== finalEnd) {
    prologueGas += first;
    costAt.delete(bodyStart);
  }
  if (metered) {
    // Wrapper block so that branches to the function frame run the unstack code (instrument_v3.rs).
    w.byte(0x02);
    if (ftype.results.length === 0) w.byte(0x40);
    else w.byte(ftype.results[0]!);
    // Stack reservation, then the frame's gas (logic.rs finite_wasm_stack), merged with the first region's
    // charge; one sign check covers both (the runner tells them apart: gas is checked first).
    w.byte(0x23).u32(stackGlobal).byte(0x42).s64(stackCharge).byte(0x7d).byte(0x24).u32(stackGlobal);
    emitReload();
    emitCharge(prologueGas, false);
    // if ((stack | gas) < 0) { if (stack < 0) gas += prologueGas /* nearcore fails the stack check before
    // charging the frame */; unreachable }
    w.byte(0x23).u32(stackGlobal);
    if (inLocal) w.byte(0x20).u32(gasLocal);
    else w.byte(0x23).u32(gasGlobal);
    w.byte(0x84); // i64.or
    w.byte(0x42).byte(0).byte(0x53).byte(0x04).byte(0x40);
    w.byte(0x23).u32(stackGlobal).byte(0x42).byte(0).byte(0x53).byte(0x04).byte(0x40);
    w.byte(0x23).u32(gasGlobal).byte(0x42).s64(prologueGas).byte(0x7c).byte(0x24).u32(gasGlobal);
    w.byte(0x0b);
    w.byte(0x00).byte(0x0b);
  }
  for (const at of all) {
    w.raw(code.subarray(copyFrom, at));
    copyFrom = at;
    if (reloads.has(at)) emitReload();
    if (at === finalEnd) {
      if (metered) {
        const c = costAt.get(at);
        if (c !== undefined && c > 0n) emitCharge(c, false);
        w.byte(0x0b); // end of the original body = end of the wrapper block
        emitUnstack();
      }
      w.byte(0x0b);
      copyFrom = end;
      break;
    }
    const c = costAt.get(at);
    if (c !== undefined) {
      if (linearAt.has(at)) emitLinearCharge(c);
      else if (c > 0n) emitCharge(c, checkAt.has(at));
    }
    if (returns.has(at)) emitUnstack();
    const store = tracking ? stores.get(at) : undefined;
    if (store) emitWriteTracking(store);
  }
  return w.finish();
}


/** What instrument_v3.rs checks per defined function, gathered while the body is analysed. */
interface FunctionFacts {
  params: number;
  /** Parameters and declared locals. */
  locals: number;
  /** finite-wasm `function_operand_stack_sizes`: the most operand-stack bytes live at once. */
  operandStackBytes: number;
  blocks: number;
}

/**
 * The limits nearcore checks while it instruments, after the whole module has been validated
 * (instrument_v3.rs `transform_code_section`, in code-section order): per function, parameters
 * (TooManyParamsPerFunction, then the running contract total TooManyParamsPerContract), the operand stack
 * (OperandStackTooLarge), `block`/`loop`/`if` count (TooManyBlocksPerFunction), then the running block total
 * (TooManyBlocksPerContract). A bound of `> limit` everywhere, as nearcore's checked_sub on the remaining budget.
 */
function instrumentationLimitError(functions: FunctionFacts[], cfg: PrepareConfig): PrepareError | null {
  try {
    checkInstrumentationLimits(functions, cfg);
    return null;
  } catch (e) {
    if (e instanceof PrepareError) return e;
    throw e;
  }
}

function checkInstrumentationLimits(functions: FunctionFacts[], cfg: PrepareConfig): void {
  let params = 0;
  let blocks = 0;
  for (const f of functions) {
    if (cfg.maxParamsPerFunction !== null && f.params > cfg.maxParamsPerFunction)
      throw new PrepareError('TooManyParamsPerFunction', `a function with ${f.params} parameters (limit ${cfg.maxParamsPerFunction})`);
    params += f.params;
    if (cfg.maxParamsPerContract !== null && params > cfg.maxParamsPerContract)
      throw new PrepareError('TooManyParamsPerContract', `${params} parameters in all (limit ${cfg.maxParamsPerContract})`);
    if (cfg.maxOperandStackBytesPerFunction !== null && f.operandStackBytes > cfg.maxOperandStackBytesPerFunction)
      throw new PrepareError('OperandStackTooLarge', `${f.operandStackBytes} operand stack bytes (limit ${cfg.maxOperandStackBytesPerFunction})`);
    if (cfg.maxBlocksPerFunction !== null && f.blocks > cfg.maxBlocksPerFunction)
      throw new PrepareError('TooManyBlocksPerFunction', `a function with ${f.blocks} blocks (limit ${cfg.maxBlocksPerFunction})`);
    blocks += f.blocks;
    if (cfg.maxBlocksPerContract !== null && blocks > cfg.maxBlocksPerContract)
      throw new PrepareError('TooManyBlocksPerContract', `${blocks} blocks in all (limit ${cfg.maxBlocksPerContract})`);
  }
}

/** Validates, normalises and instruments contract Wasm (nearcore `prepare_contract`). */
export function prepareContract(original: Uint8Array, cfg: PrepareConfig): PreparedContract {
  const r = new Reader(original);
  if (original.length < 8) throw deser('module too short');
  const magic = r.bytes(4);
  const version = r.bytes(4);
  if (magic[0] !== 0 || magic[1] !== 0x61 || magic[2] !== 0x73 || magic[3] !== 0x6d) throw deser('bad magic');
  if (version[0] !== 1 || version[1] !== 0 || version[2] !== 0 || version[3] !== 0) throw deser('unsupported version');

  const mod: ModuleInfo = { types: [], funcTypes: [], globalTypes: [], numImportedFuncs: 0 };
  const imports: Array<{ name: string; type: FuncType }> = [];
  const exportsOut: Array<{ name: string; kind: number; index: number }> = [];
  const functionExports = new Map<string, FuncType>();
  const sections = new Map<number, Uint8Array>();
  let definedFuncTypes: number[] = [];
  let startFunc: number | null = null;
  let functionBudget = cfg.maxFunctionsNumberPerContract;
  let globalSectionBody: Uint8Array | null = null;
  let numGlobals = 0;
  const codeBodies: Uint8Array[] = [];
  let lastId = 0;
  const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11];
  const localsState = { locals: 0, reusable: true, tracksWrites: true, functions: [] as FunctionFacts[] };
  /** Mutable globals: index and init expression (without its `end`), for `reset`. */
  const mutableGlobals: Array<{ index: number; init: Uint8Array }> = [];
  /** Active data segments: offset expression (without `end`) and byte length, for `reset`. */
  const activeData: Array<{ offset: Uint8Array; length: number; bytes: Uint8Array }> = [];
  const dataSegments: Uint8Array[] = [];
  let codeRange: [number, number] | null = null;

  while (!r.eof()) {
    const id = r.byte();
    const size = r.u32();
    const bodyStart = r.pos;
    if (bodyStart + size > original.length) throw deser('section extends past the end of the module');
    const s = new Reader(original, bodyStart, bodyStart + size);
    if (id !== 0) {
      if (order.indexOf(id) < 0) throw deser(`unknown section id ${id}`);
      if (order.indexOf(id) <= order.indexOf(lastId) && lastId !== 0) throw deser('sections out of order or duplicated');
      lastId = id;
    }
    switch (id) {
      case 0:
        s.name(); // custom: validated name, content discarded (discard_custom_sections)
        break;
      case 1: {
        const n = s.u32();
        // prepare_v3.rs: the count is checked before the entries are parsed
        if (cfg.maxTypesPerContract !== null && n > cfg.maxTypesPerContract)
          throw new PrepareError('TooManyTypes', `${n} types (limit ${cfg.maxTypesPerContract})`);
        for (let i = 0; i < n; i++) {
          if (s.byte() !== 0x60) throw deser('only function types are supported');
          const params: number[] = [];
          const results: number[] = [];
          const np = s.u32();
          for (let j = 0; j < np; j++) params.push(readValType(s, cfg));
          const nr = s.u32();
          for (let j = 0; j < nr; j++) results.push(readValType(s, cfg));
          if (results.length > 1) throw deser('multi-value function types are not supported');
          mod.types.push({ params, results });
        }
        sections.set(1, original.subarray(bodyStart, bodyStart + size));
        break;
      }
      case 2: {
        const n = s.u32();
        const out = new Writer();
        let count = 0;
        const body = new Writer();
        for (let i = 0; i < n; i++) {
          const module = s.name();
          const name = s.name();
          const kind = s.byte();
          if (module !== 'env') throw new PrepareError('Instantiate', `import module "${module}" (only "env" is allowed)`);
          if (kind === 0) {
            const ti = s.u32();
            const t = mod.types[ti];
            if (!t) throw deser('import of unknown type');
            if (--functionBudget < 0) throw new PrepareError('TooManyFunctions', 'too many functions');
            mod.funcTypes.push(ti);
            mod.numImportedFuncs++;
            imports.push({ name, type: t });
            const nb = new TextEncoder().encode(module);
            const nn = new TextEncoder().encode(name);
            body.u32(nb.length).raw(nb).u32(nn.length).raw(nn).byte(0).u32(ti);
            count++;
          } else if (kind === 1 || kind === 3) {
            throw new PrepareError('Instantiate', 'table and global imports are not allowed');
          } else if (kind === 2) {
            throw new PrepareError('Memory', 'memory imports are not allowed; the VM provides the memory');
          } else {
            throw deser('unsupported import kind');
          }
        }
        out.u32(count).raw(body.finish());
        sections.set(2, out.finish());
        break;
      }
      case 3: {
        const n = s.u32();
        definedFuncTypes = [];
        for (let i = 0; i < n; i++) {
          const ti = s.u32();
          if (!mod.types[ti]) throw deser('function of unknown type');
          definedFuncTypes.push(ti);
          mod.funcTypes.push(ti);
        }
        sections.set(3, original.subarray(bodyStart, bodyStart + size));
        break;
      }
      case 4: {
        const n = s.u32();
        if (cfg.maxTablesPerContract !== null && n > cfg.maxTablesPerContract)
          throw new PrepareError('TooManyTables', `${n} tables (limit ${cfg.maxTablesPerContract})`);
        for (let i = 0; i < n; i++) {
          const t = s.byte();
          if (t !== FUNCREF && !(t === EXTERNREF && cfg.reftypesBulkMemory)) throw deser('bad table element type');
          const lim = readLimits(s);
          if (cfg.maxElementsPerContractTable !== null && lim.initial > cfg.maxElementsPerContractTable)
            throw new PrepareError('TooManyTableElements', `table of ${lim.initial} elements`);
        }
        sections.set(4, original.subarray(bodyStart, bodyStart + size));
        break;
      }
      case 5: {
        const n = s.u32();
        if (n > 1) throw deser('multiple memories');
        for (let i = 0; i < n; i++) readLimits(s);
        break; // replaced by the VM's memory
      }
      case 6: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const t = readValType(s, cfg);
          const mut = s.byte();
          if (mut > 1) throw deser('bad global mutability');
          const initStart = s.pos;
          skipConstExpr(s);
          if (mut === 1) mutableGlobals.push({ index: i, init: original.subarray(initStart, s.pos - 1) });
          mod.globalTypes.push(t);
        }
        numGlobals = n;
        globalSectionBody = original.subarray(bodyStart, bodyStart + size);
        break;
      }
      case 7: {
        const n = s.u32();
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const name = s.name();
          const kind = s.byte();
          const index = s.u32();
          if (seen.has(name)) throw deser(`duplicate export "${name}"`);
          seen.add(name);
          if (kind === 2) continue; // memory export dropped (nearcore exports its own)
          if (kind > 3) throw deser('unsupported export kind');
          exportsOut.push({ name, kind, index });
        }
        break;
      }
      case 8:
        startFunc = s.u32();
        break;
      case 9:
      case 12:
        sections.set(id, original.subarray(bodyStart, bodyStart + size));
        s.pos = s.end;
        break;
      case 11: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const segStart = s.pos;
          const flag = s.u32();
          if (flag === 1) {
            s.bytes(s.u32());
          } else if (flag === 0 || flag === 2) {
            if (flag === 2 && s.u32() !== 0) throw deser('data segment for a memory other than 0');
            const exprStart = s.pos;
            skipConstExpr(s);
            const offset = original.subarray(exprStart, s.pos - 1);
            const length = s.u32();
            activeData.push({ offset, length, bytes: s.bytes(length) });
          } else throw deser('bad data segment flag');
          dataSegments.push(original.subarray(segStart, s.pos));
        }
        break;
      }
      case 10: {
        const n = s.u32();
        if (n !== definedFuncTypes.length) throw deser('function and code section counts differ');
        functionBudget -= n;
        if (functionBudget < 0) throw new PrepareError('TooManyFunctions', 'too many functions');
        codeRange = [bodyStart, bodyStart + size];
        s.pos = s.end;
        break;
      }
      default:
        throw deser(`unknown section id ${id}`);
    }
    if (id !== 10 && id !== 9 && id !== 11 && id !== 12 && id !== 0 && s.pos !== s.end) throw deser(`section ${id} size mismatch`);
    r.pos = bodyStart + size;
  }
  if (definedFuncTypes.length > 0 && codeRange === null) throw deser('function section without code section');

  const gasGlobal = numGlobals;
  const stackGlobal = numGlobals + 1;
  const writtenGlobal = numGlobals + 2;
  mod.globalTypes.push(I64, I64, I32);

  if (codeRange) {
    const s = new Reader(original, codeRange[0], codeRange[1]);
    const n = s.u32();
    for (let i = 0; i < n; i++) {
      const size = s.u32();
      const start = s.pos;
      if (start + size > codeRange[1]) throw deser('function body extends past the code section');
      if (cfg.maxFunctionBodySize !== null && size > cfg.maxFunctionBodySize)
        throw new PrepareError('FunctionBodyTooLarge', `function body of ${size} bytes`);
      codeBodies.push(instrumentBody(original, start, start + size, definedFuncTypes[i]!, mod, cfg, localsState, gasGlobal, stackGlobal, writtenGlobal));
      s.pos = start + size;
    }
    if (s.pos !== codeRange[1]) throw deser('code section size mismatch');
  }

  for (const e of exportsOut) {
    if (e.kind === 0) {
      const ti = mod.funcTypes[e.index];
      if (ti === undefined) throw deser('export of unknown function');
      functionExports.set(e.name, mod.types[ti]!);
    }
  }

  // --- encode ---
  const out = new Writer();
  out.raw(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
  // Accessor functions for the (non-exported, hence faster in V8) gas and stack globals.
  const typeCount = mod.types.length;
  {
    const tw = new Writer();
    tw.u32(typeCount + 4);
    const prev = sections.get(1);
    if (prev) {
      const tr = new Reader(prev);
      tr.u32();
      tw.raw(prev.subarray(tr.pos));
    }
    tw.byte(0x60).u32(0).u32(1).byte(I64); // () -> i64
    tw.byte(0x60).u32(1).byte(I64).u32(0); // (i64) -> ()
    tw.byte(0x60).u32(0).u32(0); // () -> ()
    tw.byte(0x60).u32(0).u32(1).byte(I32); // () -> i32
    section(out, 1, tw.finish());
  }
  const definedCount = definedFuncTypes.length;
  const accessorBase = mod.numImportedFuncs + definedCount;
  {
    // The memory is imported from the runner (`internal.memory`), like nearcore's NearVm path imports
    // `env.memory`; the runner pools and re-zeroes memories instead of allocating 64 MiB per call.
    const im = new Writer();
    const prev = sections.get(2);
    const enc = new TextEncoder();
    const mod = enc.encode('internal');
    const nm = enc.encode('memory');
    if (prev) {
      const pr = new Reader(prev);
      const count = pr.u32();
      im.u32(count + 1).raw(prev.subarray(pr.pos));
    } else im.u32(1);
    im.u32(mod.length).raw(mod).u32(nm.length).raw(nm).byte(2).byte(1).u32(cfg.initialMemoryPages).u32(cfg.maxMemoryPages);
    section(out, 2, im.finish());
  }
  {
    const fw = new Writer();
    fw.u32(definedCount + 5);
    for (const ti of definedFuncTypes) fw.u32(ti);
    fw.u32(typeCount).u32(typeCount + 1).u32(typeCount).u32(typeCount + 2).u32(typeCount + 3);
    section(out, 3, fw.finish());
  }
  if (sections.has(4)) section(out, 4, sections.get(4)!);
  {
    const g = new Writer();
    g.u32(numGlobals + 3);
    if (globalSectionBody) {
      const gr = new Reader(globalSectionBody);
      gr.u32();
      g.raw(globalSectionBody.subarray(gr.pos));
    }
    g.byte(I64).byte(1).byte(0x42).s64(0n).byte(0x0b);
    g.byte(I64).byte(1).byte(0x42).s64(BigInt(cfg.maxStackHeight)).byte(0x0b);
    g.byte(I32).byte(1).byte(0x41).byte(0).byte(0x0b);
    section(out, 6, g.finish());
  }
  {
    const ex = new Writer();
    const enc = new TextEncoder();
    const items: Array<[Uint8Array, number, number]> = [];
    for (const e of exportsOut) items.push([enc.encode('\0' + e.name), e.kind, e.index]);
    items.push([enc.encode('gas_get'), 0, accessorBase]);
    items.push([enc.encode('gas_set'), 0, accessorBase + 1]);
    items.push([enc.encode('stack_get'), 0, accessorBase + 2]);
    items.push([enc.encode('reset'), 0, accessorBase + 3]);
    items.push([enc.encode('written_get'), 0, accessorBase + 4]);
    if (startFunc !== null) items.push([enc.encode('start'), 0, startFunc]);
    ex.u32(items.length);
    for (const [nm, k, idx] of items) ex.u32(nm.length).raw(nm).byte(k).u32(idx);
    section(out, 7, ex.finish());
  }
  if (sections.has(9)) section(out, 9, sections.get(9)!);
  // Active segments get passive duplicates (indices after the contract's own) that `reset` copies again.
  const dataCount = dataSegments.length + activeData.length;
  if (sections.has(12) || dataCount > 0) section(out, 12, new Writer().u32(dataCount).finish());
  {
    const gasGet = new Writer().u32(0).byte(0x23).u32(gasGlobal).byte(0x0b).finish();
    const gasSet = new Writer().u32(0).byte(0x20).u32(0).byte(0x24).u32(gasGlobal).byte(0x0b).finish();
    const stackGet = new Writer().u32(0).byte(0x23).u32(stackGlobal).byte(0x0b).finish();
    const writtenGet = new Writer().u32(0).byte(0x23).u32(writtenGlobal).byte(0x0b).finish();
    const reset = new Writer().u32(0);
    for (const g of mutableGlobals) reset.raw(g.init).byte(0x24).u32(g.index);
    reset.byte(0x42).s64(BigInt(cfg.maxStackHeight)).byte(0x24).u32(stackGlobal);
    reset.byte(0x42).s64(0n).byte(0x24).u32(gasGlobal);
    reset.byte(0x41).byte(0).byte(0x24).u32(writtenGlobal);
    activeData.forEach((d, k) => {
      reset.raw(d.offset).byte(0x41).s64(0n).byte(0x41).s64(BigInt(d.length));
      reset.byte(0xfc).u32(8).u32(dataSegments.length + k).byte(0); // memory.init
    });
    reset.byte(0x0b);
    const c = new Writer();
    c.u32(codeBodies.length + 5);
    for (const b of [...codeBodies, gasGet, gasSet, stackGet, reset.finish(), writtenGet]) c.u32(b.length).raw(b);
    section(out, 10, c.finish());
  }
  if (sections.has(11) || dataCount > 0) {
    const d = new Writer().u32(dataCount);
    for (const seg of dataSegments) d.raw(seg);
    for (const a of activeData) d.byte(1).u32(a.length).raw(a.bytes);
    section(out, 11, d.finish());
  }
  const code = out.finish();

  if (startFunc !== null) {
    const ti = mod.funcTypes[startFunc];
    if (ti === undefined) throw deser('start function does not exist');
    const t = mod.types[ti]!;
    if (t.params.length || t.results.length) throw deser('start function must have type [] -> []');
  }
  // Checked once instrumentation is done, after the per-function limits (nearcore's order), on the length of the
  // module nearcore would emit, not ours (nearcore-size.ts).
  const operandStacks = localsState.functions.map((f) => f.operandStackBytes);
  const instrumentedSize = cfg.maxInstrumentedCodeSize != null ? nearcoreInstrumentedSize(original, cfg, operandStacks) : null;
  const limitError =
    instrumentationLimitError(localsState.functions, cfg) ??
    (instrumentedSize !== null && instrumentedSize > cfg.maxInstrumentedCodeSize!
      ? new PrepareError(
          'InstrumentedCodeTooLarge',
          `nearcore's instrumentation of this contract would have ${instrumentedSize} bytes (max_instrumented_code_size ${cfg.maxInstrumentedCodeSize}); make the contract smaller, above all its code that reads and writes memory`,
        )
      : null);
  const compileError = cfg.vmKind === 'Wasmtime' ? instrumentedLocalsError(localsState.functions, mod.numImportedFuncs) : null;
  return { code, instrumentedSize, functionExports, imports, hasStart: startFunc !== null, reusable: localsState.reusable, tracksWrites: localsState.tracksWrites, limitError, compileError };
}

/**
 * A function whose parameters and locals fit wasmparser's 50,000 but not once instrument_v3.rs has added its two:
 * Wasmtime's validation of the prepared module fails (wasmtime_runner compile_uncached: `WasmtimeCompileError { msg:
 * err.to_string() }`). The message is Wasmtime's outermost error context for a function that does not compile,
 * "failed to compile: wasm[0]::function[N]" with N counting imports and instrument_v3.rs's three `internal` imports;
 * that text is taken from a third-party Wasmtime error chain, not from a stored nearcore test.
 */
function instrumentedLocalsError(functions: FunctionFacts[], importedFunctions: number): string | null {
  const i = functions.findIndex((f) => f.locals + INSTRUMENTATION_LOCALS > MAX_FUNCTION_LOCALS);
  return i < 0 ? null : `failed to compile: wasm[0]::function[${importedFunctions + 3 + i}]`;
}

/**
 * The byte length of the module nearcore's Wasm preparation outputs (protocol ≥ 84, Wasmtime), which is what
 * `max_instrumented_code_size` bounds: runtime/near-vm-runner/src/prepare/prepare_v3.rs `prepare_contract`,
 * `res.len() > max_size` → PrepareError::InstrumentedCodeTooLarge.
 *
 * This node runs contracts through its own instrumentation (prepare.ts, laid out for V8), whose module is several
 * times smaller than nearcore's on code with many memory accesses; measuring that would accept contracts that
 * mainnet refuses. So the length is counted here from nearcore's algorithm, without building the bytes:
 *
 *  1. prepare_v3.rs early pass ("lightly steamed" module): imports and exports re-encoded, exports renamed
 *     `"\0" + name` (lib.rs EXPORT_PREFIX) plus an export `memory` (MEMORY_EXPORT), the memory section replaced by
 *     `(memory initial_memory_pages max_memory_pages)`, memory exports and custom sections dropped
 *     (discard_custom_sections), every other section copied.
 *  2. finite-wasm's analyses of that module (near/finite-wasm src/gas/mod.rs visitor and src/gas/optimize.rs:
 *     instrumentation points with kinds and fees, merged in two passes; src/max_stack: the operand stack, which
 *     prepare.ts simulates for its own stack charges and hands in), with nearcore's costs (prepare_v3.rs
 *     SimpleGasCostCfg, SimpleMaxStackCfg).
 *  3. instrument_v3.rs `InstrumentContext::run`, re-encoded by wasm-encoder with canonical LEB128: two types and
 *     three `internal` imports added (so every function index moves up by 3), two i64 globals and the
 *     `remaining_gas` export, the start section turned into an export `start`; each function body gets two
 *     locals (i64, i32), a wrapping `block`, a stack prologue and epilogue and a gas charge per instrumentation
 *     point. Table, data count and data sections are copied as they are.
 *
 * Versions: the stored nearcore sources hold several instrument_v3.rs; this follows the newest (@0169d8c5, and the
 * later ones that add the per-function limits): checked additions with the wide-arithmetic `i64.add128`,
 * `i64.sub128`, `i64.mul_wide_u` (0xfc and one LEB byte each), and `memory.grow`/`table.grow` among the kinds with a
 * linear fee (base + unit × count, like `memory.fill`; older prepare_v3.rs snapshots charged them a flat
 * regular_op_cost). finite-wasm's analysis follows src/gas/mod.rs @32c0e30a (a side effect is a point before and a
 * zero point after; a loop a point before and its cost after).
 *
 * The input must already have been validated by prepareContract.
 */
import type { PrepareConfig } from './prepare.js';
import { Reader, deser, numericMayTrap, sizeOf } from './wasm-binary.js';

export type NearcoreSizeConfig = Pick<
  PrepareConfig,
  'regularOpCost' | 'linearOpBaseCost' | 'linearOpUnitCost' | 'maxStackHeight' | 'initialMemoryPages' | 'maxMemoryPages'
>;

/** Bytes of the LEB128 of `n` ≥ 0: unsigned, or signed (`i64.const` of a fee or a stack charge). */
const lebLength = (n: number, signed = false): number => {
  const last = signed ? 64 : 128; // a signed LEB's last byte also carries the sign bit
  let bytes = 1;
  for (; n >= last; bytes++) n = Math.floor(n / 128);
  return bytes;
};
const uleb = (n: number): number => lebLength(n);
const slebPositive = (n: number): number => lebLength(n, true);

const section = (payload: number): number => 1 + uleb(payload) + payload;
/** A name (or any byte vector) of `n` bytes. */
const vecBytes = (n: number): number => uleb(n) + n;

/**
 * Skips a signed LEB128 and returns the bytes wasm-encoder writes for the same value (the shortest form): a last
 * byte that only repeats the sign bit of the byte before it adds nothing.
 */
function canonicalSignedLength(r: Reader): number {
  const start = r.pos;
  while (r.byte() & 0x80);
  let n = r.pos - start;
  for (; n > 1; n--) {
    const last = r.buf[start + n - 1]! & 0x7f;
    const negative = r.buf[start + n - 2]! & 0x40;
    if (last !== (negative ? 0x7f : 0)) break;
  }
  return n;
}

/**
 * A constant expression as wasm-encoder's `Reencode::const_expr` writes it: each operator canonical, function
 * indices moved up by 3 (instrument_v3.rs InstrumentationReencoder::function_index), then `end`.
 */
function constExprSize(r: Reader): number {
  let size = 1; // end
  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x0b:
        return size;
      case 0x41:
        size += 1 + canonicalSignedLength(r);
        break;
      case 0x42:
        size += 1 + canonicalSignedLength(r);
        break;
      case 0x43:
        r.bytes(4);
        size += 5;
        break;
      case 0x44:
        r.bytes(8);
        size += 9;
        break;
      case 0x23:
        size += 1 + uleb(r.u32());
        break;
      case 0xd0:
        r.byte();
        size += 2;
        break;
      case 0xd2:
        size += 1 + uleb(r.u32() + ADDED_FUNCTIONS);
        break;
      default:
        throw deser(`unsupported constant expression opcode 0x${op.toString(16)}`);
    }
  }
}

/** instrument_v3.rs `F`: finite_wasm_gas_exhausted, finite_wasm_stack_exhausted, finite_wasm_gas, imported first. */
const ADDED_FUNCTIONS = 3;
/** instrument_v3.rs maybe_add_imports: module `internal` (prepare_v3.rs), then name, kind, type index. */
const INTERNAL = 'internal'.length;
const GAS_EXHAUSTED = 'finite_wasm_gas_exhausted'.length;
const STACK_EXHAUSTED = 'finite_wasm_stack_exhausted'.length;
const GAS = 'finite_wasm_gas'.length;
/** lib.rs MEMORY_EXPORT, REMAINING_GAS_EXPORT, START_EXPORT; EXPORT_PREFIX is one byte (`"\0"`). */
const MEMORY_EXPORT = 'memory'.length;
const REMAINING_GAS_EXPORT = 'remaining_gas'.length;
const START_EXPORT = 'start'.length;

interface Costs {
  regular: number;
  linearBase: number;
  linearUnit: number;
}

/**
 * The length of nearcore's instrumented module for `wasm` (see the file comment for the sources), given the
 * operand-stack bytes of each defined function (finite-wasm's max_stack simulation, which prepare.ts runs).
 */
export function nearcoreInstrumentedSize(wasm: Uint8Array, cfg: NearcoreSizeConfig, operandStackBytes: readonly number[]): number {
  const costs: Costs = { regular: Number(cfg.regularOpCost), linearBase: Number(cfg.linearOpBaseCost), linearUnit: Number(cfg.linearOpUnitCost) };
  /** Parameter sizes of each type. */
  const types: number[][] = [];
  /** Type of every function, imported ones first. */
  const funcTypes: number[] = [];
  let globalCount = 0;
  let typeItems = 0;
  let importSection = false;
  let importItems = 0;
  let importCount = 0;
  let definedTypeItems = 0;
  let tableSection = 0; // bytes of the copied section, 0 when absent
  let globalSection = false;
  let globalItems = 0;
  let exportItems = 0;
  let exportCount = 0;
  let start: number | null = null;
  let elementItems = 0;
  let elementCount = 0;
  let dataCountSection = 0;
  let dataSection = 0;
  let code: [number, number] | null = null;

  const r = new Reader(wasm, 8);
  while (!r.eof()) {
    const id = r.byte();
    const size = r.u32();
    const bodyStart = r.pos;
    const s = new Reader(wasm, bodyStart, bodyStart + size);
    switch (id) {
      case 1: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          s.byte(); // 0x60
          const params: number[] = [];
          const np = s.u32();
          for (let j = 0; j < np; j++) params.push(sizeOf(s.byte()));
          const nr = s.u32();
          s.bytes(nr);
          types.push(params);
          typeItems += 1 + uleb(np) + np + uleb(nr) + nr;
        }
        break;
      }
      case 2: {
        importSection = true;
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const moduleName = s.u32();
          s.bytes(moduleName);
          const name = s.u32();
          s.bytes(name);
          s.byte(); // kind: only functions get through preparation
          const type = s.u32();
          funcTypes.push(type);
          importItems += vecBytes(moduleName) + vecBytes(name) + 1 + uleb(type);
          importCount++;
        }
        break;
      }
      case 3: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const type = s.u32();
          funcTypes.push(type);
          definedTypeItems += uleb(type);
        }
        break;
      }
      case 4:
        tableSection = section(size);
        break;
      case 6: {
        globalSection = true;
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          s.byte(); // value type
          s.byte(); // mutability
          globalCount++;
          globalItems += 2 + constExprSize(s);
        }
        break;
      }
      case 7: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const name = s.u32();
          s.bytes(name);
          const kind = s.byte();
          const index = s.u32();
          if (kind === 2) continue; // prepare_v3.rs: memory exports are dropped
          exportItems += vecBytes(name + 1) + 1 + uleb(kind === 0 ? index + ADDED_FUNCTIONS : index);
          exportCount++;
        }
        break;
      }
      case 8:
        start = s.u32();
        break;
      case 9: {
        const n = s.u32();
        elementCount = n;
        for (let i = 0; i < n; i++) elementItems += elementSegmentSize(s);
        break;
      }
      case 10:
        code = [bodyStart, bodyStart + size];
        break;
      case 11:
        dataSection = section(size);
        break;
      case 12:
        dataCountSection = section(size);
        break;
      // 0 (custom: discarded) and 5 (memory: replaced) add nothing of their own
    }
    r.pos = bodyStart + size;
  }

  const T = types.length;
  const G = globalCount;
  const bodies: number[] = [];
  if (code) {
    const c = new Reader(wasm, code[0], code[1]);
    const n = c.u32();
    const sizer = new BodySizer(wasm, types, G, costs);
    for (let i = 0; i < n; i++) {
      const size = c.u32();
      const bodyStart = c.pos;
      bodies.push(sizer.entrySize(bodyStart, bodyStart + size, funcTypes[importCount + i]!, operandStackBytes[i]!));
      c.pos = bodyStart + size;
    }
  }
  // maybe_add_imports runs on the import section and on the first code entry; add_globals on the global section
  // and on the first code entry.
  const addImports = importSection || bodies.length > 0;
  const addGlobals = globalSection || bodies.length > 0;

  let total = 8;
  const typeEntries = typeItems + (addImports ? 3 /* [] -> [] */ + 4 /* [i64] -> [] */ : 0);
  if (T > 0 || addImports) total += section(uleb(T + (addImports ? 2 : 0)) + typeEntries);
  if (addImports) {
    const added =
      vecBytes(INTERNAL) + vecBytes(GAS_EXHAUSTED) + 1 + uleb(T) +
      vecBytes(INTERNAL) + vecBytes(STACK_EXHAUSTED) + 1 + uleb(T) +
      vecBytes(INTERNAL) + vecBytes(GAS) + 1 + uleb(T + 1);
    total += section(uleb(importCount + 3) + added + importItems);
  }
  if (bodies.length > 0) total += section(uleb(bodies.length) + definedTypeItems);
  total += tableSection;
  total += section(1 + 1 + uleb(cfg.initialMemoryPages) + uleb(cfg.maxMemoryPages)); // one memory with a maximum
  const globals = G + (addGlobals ? 2 : 0);
  if (globals > 0) {
    // add_globals: (mut i64) (i64.const 0) and (mut i64) (i64.const max_stack_height)
    const added = addGlobals ? 2 + 2 + 1 + 2 + 1 + slebPositive(cfg.maxStackHeight) + 1 : 0;
    total += section(uleb(globals) + globalItems + added);
  }
  {
    let items = exportItems + vecBytes(MEMORY_EXPORT) + 1 + 1;
    let count = exportCount + 1;
    if (addGlobals) {
      items += vecBytes(REMAINING_GAS_EXPORT) + 1 + uleb(G);
      count++;
    }
    if (start !== null) {
      items += vecBytes(START_EXPORT) + 1 + uleb(start + ADDED_FUNCTIONS);
      count++;
    }
    total += section(uleb(count) + items);
  }
  if (elementCount > 0) total += section(uleb(elementCount) + elementItems);
  total += dataCountSection;
  if (bodies.length > 0) {
    let entries = uleb(bodies.length);
    for (const b of bodies) entries += b;
    total += section(entries);
  }
  total += dataSection;
  return total;
}

/**
 * One element segment as wasm-encoder's ElementSection::segment re-encodes what wasmparser read: the flags stay
 * (an active segment without a table index keeps the short form), function indices move up by 3.
 */
function elementSegmentSize(r: Reader): number {
  const flags = r.u32();
  let size = 1;
  if (flags & 0b010 && !(flags & 0b001)) size += uleb(r.u32()); // explicit table index (2, 6)
  if (!(flags & 0b001)) size += constExprSize(r); // active: offset
  if (flags & 0b011) {
    r.byte(); // elemkind / reference type
    size += 1;
  }
  const n = r.u32();
  size += uleb(n);
  for (let i = 0; i < n; i++) size += flags & 0b100 ? constExprSize(r) : uleb(r.u32() + ADDED_FUNCTIONS);
  return size;
}

// finite-wasm InstrumentationKind (src/gas/mod.rs); the aggregate kinds (MemoryFill, TableGrow, ...) are one here.
const PURE = 0;
const UNREACHABLE = 1;
const PRE = 2;
const POST = 3;
const BETWEEN = 4;
const AGGREGATE = 5;
// BranchTargetKind
const UNTAKEN = 0;
const FORWARD = 1;
const LOOP = 2;

/** optimize.rs `merge_same_point`: two points at one offset. */
function mergeSamePoint(a: number, b: number): number {
  if (a === UNREACHABLE || b === UNREACHABLE) return UNREACHABLE;
  if (a === AGGREGATE || b === AGGREGATE) return AGGREGATE;
  if (a === PURE) return b;
  if (a === PRE) return b === PRE || b === PURE ? PRE : BETWEEN;
  if (a === POST) return b === POST || b === PURE ? POST : BETWEEN;
  return BETWEEN;
}

/** optimize.rs `merge_across_instructions`; -1 where the two points stay apart. */
function mergeAcross(a: number, b: number): number {
  if (a === PURE && b === PURE) return PURE;
  if (a === UNREACHABLE && b === UNREACHABLE) return UNREACHABLE;
  if (a === POST && b === PRE) return BETWEEN;
  if (a === PURE && b === PRE) return PRE;
  if (a === POST && b === PURE) return POST;
  return -1;
}

/**
 * Sizes the instrumented code section entries one function after another, reusing its tables (typed arrays,
 * grown to the largest body seen: a body of n bytes has at most n instructions, each adding at most two points,
 * one operand and one frame).
 */
class BodySizer {
  // instrumentation points: offset, kind, fee (constant + linear · count)
  private offsets = new Int32Array(0);
  private kinds = new Uint8Array(0);
  private constants = new Float64Array(0);
  private linears = new Float64Array(0);
  private points = 0;
  /** The last point, when it is an instruction's own pure point that later points may be added to; else -1. */
  private pureTail = -1;
  /** Kind of the point scheduled after the current instruction (push_instrumentation_after), or -1. */
  private scheduled = -1;
  private scheduledConstant = 0;
  private at = 0;
  // the gas visitor's frames: index `cur` is the current frame
  private polymorphic = new Uint8Array(0);
  private targetKinds = new Uint8Array(0);
  private loopPre = new Int32Array(0);
  private loopPost = new Int32Array(0);
  private cur = 0;

  constructor(
    private readonly wasm: Uint8Array,
    /** Parameter sizes of each type. */
    private readonly types: number[][],
    private readonly globals: number,
    private readonly costs: Costs,
  ) {}

  private reserve(bodyBytes: number): void {
    if (this.polymorphic.length < bodyBytes + 1) {
      const n = 2 * bodyBytes + 2; // also leaves room for bodies up to twice as large
      this.offsets = new Int32Array(n);
      this.kinds = new Uint8Array(n);
      this.constants = new Float64Array(n);
      this.linears = new Float64Array(n);
      const m = n;
      this.polymorphic = new Uint8Array(m);
      this.targetKinds = new Uint8Array(m);
      this.loopPre = new Int32Array(m);
      this.loopPost = new Int32Array(m);
    }
  }

  /**
   * push_instrumentation_before: unreachable where the stack is polymorphic. A pure point right after another
   * instruction's pure point is added to it here already: optimize.rs would merge them anyway (that point's group
   * after the first pass is pure or post-control-flow, and both take a pure one in), with the same offset, kind
   * and fee.
   */
  private point(kind: number, constant: number, linear: number): void {
    if (this.polymorphic[this.cur]) kind = UNREACHABLE;
    const last = this.points - 1;
    if (kind === PURE && last >= 0 && last === this.pureTail && this.offsets[last] !== this.at) {
      this.constants[last] += constant;
      return;
    }
    const i = this.points++;
    this.offsets[i] = this.at;
    this.kinds[i] = kind;
    this.constants[i] = constant;
    this.linears[i] = linear;
    this.pureTail = kind === PURE ? i : -1;
  }
  private sideEffect(cost: number): void {
    this.point(PRE, cost, 0);
    this.scheduled = POST;
    this.scheduledConstant = 0;
  }
  private aggregate(): void {
    this.point(AGGREGATE, this.costs.linearBase, this.costs.linearUnit);
    this.scheduled = POST;
    this.scheduledConstant = 0;
  }
  private newFrame(targetKind: number): void {
    const f = ++this.cur;
    this.polymorphic[f] = this.polymorphic[f - 1]!;
    this.targetKinds[f] = targetKind;
  }
  private branch(depth: number): void {
    const f = this.cur - depth;
    if (this.targetKinds[f] === UNTAKEN) this.targetKinds[f] = FORWARD;
    else if (this.targetKinds[f] === LOOP) {
      this.kinds[this.loopPost[f]!] = POST;
      this.kinds[this.loopPre[f]!] = PRE;
    }
  }

  /**
   * One size-prefixed code section entry of instrument_v3.rs `transform_code_section`, for the body at
   * `wasm[start, end)` of type `typeIndex` whose operand stack needs at most `operandStack` bytes.
   */
  entrySize(start: number, end: number, typeIndex: number, operandStack: number): number {
    const r = new Reader(this.wasm, start, end);
    const { regular } = this.costs;
    const params = this.types[typeIndex]!;
    let L = params.length; // ends as the index of the added i64 local; the i32 one is L + 1
    let frameSize = 64; // prepare_v3.rs SimpleMaxStackCfg::size_of_function_activation: 64 + params + locals
    for (const p of params) frameSize += p;
    const groups = r.u32();
    // wasm-encoder Function::new: the declared groups as they are, then (1 i64) and (1 i32)
    let localsBytes = uleb(groups + 2) + 2 + 2;
    for (let i = 0; i < groups; i++) {
      const n = r.u32();
      frameSize += n * sizeOf(r.byte());
      localsBytes += uleb(n) + 1;
      L += n;
    }
    const codeStart = r.pos;

    this.reserve(end - start);
    this.points = 0;
    this.pureTail = -1;
    this.scheduled = -1;
    this.cur = 0;
    this.polymorphic[0] = 0;
    this.targetKinds[0] = UNTAKEN;
    let callBytes = 0; // call and ref.func re-encoded with index + 3, minus their original bytes
    let returns = 0;

    while (r.pos < end) {
      const at = (this.at = r.pos);
      if (this.scheduled >= 0) {
        // set_offset: the scheduled point lands on this instruction, with the kind it was scheduled with
        const i = this.points++;
        this.offsets[i] = at;
        this.kinds[i] = this.scheduled;
        this.constants[i] = this.scheduledConstant;
        this.linears[i] = 0;
        this.scheduled = -1;
        this.pureTail = -1;
      }
      const op = r.byte();
      switch (op) {
        case 0x00: // unreachable
          this.point(PRE, regular, 0);
          this.scheduled = UNREACHABLE;
          this.scheduledConstant = 0;
          this.polymorphic[this.cur] = 1;
          break;
        case 0x02: // block
          r.s33();
          this.point(PURE, 0, 0);
          this.newFrame(UNTAKEN);
          break;
        case 0x03: {
          r.s33();
          // The loop's first point may have gone into the pure point before it: a branch to the loop then makes
          // that one pre-control-flow, which optimize.rs would have made of the two merged (pure, pre).
          this.point(PURE, 0, 0);
          const pre = this.points - 1;
          this.scheduled = PURE; // the loop's own cost, charged on every iteration
          this.scheduledConstant = regular;
          this.newFrame(LOOP);
          this.loopPre[this.cur] = pre;
          this.loopPost[this.cur] = this.points; // the index the scheduled point will get
          break;
        }
        case 0x04: // if
          r.s33();
          this.sideEffect(regular);
          this.newFrame(FORWARD);
          break;
        case 0x05: // else
          this.cur--;
          this.newFrame(FORWARD);
          this.sideEffect(0);
          break;
        case 0x0b: // end: a branch target if something branched to its frame
          if (this.targetKinds[this.cur] === FORWARD) this.sideEffect(0);
          else this.point(PURE, 0, 0);
          if (this.cur > 0) this.cur--;
          break;
        case 0x0c:
          this.sideEffect(regular);
          this.branch(r.u32());
          this.polymorphic[this.cur] = 1;
          break;
        case 0x0d:
          this.sideEffect(regular);
          this.branch(r.u32());
          break;
        case 0x0e: {
          this.sideEffect(regular);
          const n = r.u32();
          for (let i = 0; i <= n; i++) this.branch(r.u32()); // the targets, then the default
          this.polymorphic[this.cur] = 1;
          break;
        }
        case 0x0f:
          this.sideEffect(regular);
          this.branch(this.cur);
          this.polymorphic[this.cur] = 1;
          returns++;
          break;
        case 0x10:
        case 0xd2: {
          // call and ref.func: the function index moves up by 3; only a call is a side effect
          const f = r.u32();
          callBytes += 1 + uleb(f + ADDED_FUNCTIONS) - (r.pos - at);
          if (op === 0x10) this.sideEffect(regular);
          else this.point(PURE, regular, 0);
          break;
        }
        case 0x11: // call_indirect
          r.u32();
          r.u32();
          this.sideEffect(regular);
          break;
        case 0x1c: // typed select
          r.u32();
          r.byte();
          this.point(PURE, regular, 0);
          break;
        case 0x20: // local.*, global.*
        case 0x21:
        case 0x22:
        case 0x23:
        case 0x24:
          r.u32();
          this.point(PURE, regular, 0);
          break;
        case 0x25: // table.get, table.set
        case 0x26:
          r.u32();
          this.sideEffect(regular);
          break;
        case 0x3f: // memory.size
          r.byte();
          this.point(PURE, regular, 0);
          break;
        case 0x40: // memory.grow
          r.byte();
          this.aggregate();
          break;
        case 0x41:
          r.skipSigned(32);
          this.point(PURE, regular, 0);
          break;
        case 0x42:
          r.skipSigned(64);
          this.point(PURE, regular, 0);
          break;
        case 0x43:
          r.pos += 4;
          this.point(PURE, regular, 0);
          break;
        case 0x44:
          r.pos += 8;
          this.point(PURE, regular, 0);
          break;
        case 0xd0: // ref.null
          r.byte();
          this.point(PURE, regular, 0);
          break;
        case 0xfc: {
          const sub = r.u32();
          if (sub <= 7) this.point(PURE, regular, 0); // saturating truncations (cvtop_complete)
          else if (sub === 9 || sub === 13) {
            r.u32(); // data.drop, elem.drop
            this.point(PURE, regular, 0);
          } else if (sub === 16) {
            r.u32(); // table.size
            this.point(PURE, regular, 0);
          } else if (sub <= 17) {
            // memory.init (data index, memory), memory.copy (2 memories), memory.fill (memory), table.init and
            // table.copy (2 indices), table.grow and table.fill (table): aggregates
            if (sub === 8 || sub === 12 || sub === 14) r.u32();
            if (sub === 8 || sub === 10 || sub === 11) r.byte();
            else r.u32();
            if (sub === 10) r.byte();
            this.aggregate();
          } else throw deser(`unsupported 0xfc sub-opcode ${sub}`);
          break;
        }
        default:
          if (op >= 0x28 && op <= 0x3e) {
            // loads and stores (memarg: align, offset)
            r.u32();
            r.u32();
            this.sideEffect(regular);
          } else if (op === 0x01 || op === 0x1a || op === 0x1b || op === 0xd1 || (op >= 0x45 && op <= 0xc4)) {
            // nop, drop, select, ref.is_null, numeric operators
            if (op >= 0x45 && numericMayTrap(op)) this.sideEffect(regular);
            else this.point(PURE, regular, 0);
          } else {
            throw deser(`unsupported opcode 0x${op.toString(16)}`);
          }
      }
    }

    const G = this.globals;
    const gg = 1 + uleb(G); // global.get / global.set of the gas global
    const gs = 1 + uleb(G + 1); // ... of the stack global
    const charges = this.chargesSize(gg, 1 + uleb(L), 1 + uleb(L + 1));
    const stackCharge = operandStack + frameSize;
    // call_unstack_instrumentation: global.get, i64.const 0, i64.const charge, i64.const 0, checked_add_i64, global.set
    const unstack = 2 * gs + 2 + 1 + slebPositive(stackCharge) + 2 + 10;
    const frameGas = Math.ceil(frameSize / 8) * regular;
    // block, then the stack reservation (the same sequence with checked_sub_i64), then the frame's gas
    const prologue = 2 + unstack + (frameGas !== 0 ? constantCharge(gg, frameGas) : 0);
    const ops = end - codeStart + callBytes + returns * unstack + 1 + unstack; // the last `end` becomes end; unstack; end
    const body = localsBytes + prologue + ops + charges;
    return uleb(body) + body;
  }

  /**
   * The bytes of the gas charges: the points merged as optimize.rs `optimize` does (first the points at one
   * offset, then across instructions that cannot observe the gas; both passes of `optimize_with` run here as one
   * stream), then each one not unreachable and of a non-zero fee sized as call_gas_instrumentation emits it.
   */
  private chargesSize(gg: number, lt: number, lc: number): number {
    const { offsets, kinds, constants, linears } = this;
    const n = this.points;
    let charges = 0;
    // the point the second pass is growing (kind -1: none yet)
    let kind2 = -1;
    let constant2 = 0;
    let linear2 = 0;
    // the point the first pass is growing
    let offset1 = offsets[0]!;
    let kind1 = kinds[0]!;
    let constant1 = constants[0]!;
    let linear1 = linears[0]!;
    for (let i = 1; i <= n; i++) {
      if (i < n && offsets[i] === offset1) {
        kind1 = mergeSamePoint(kind1, kinds[i]!);
        constant1 += constants[i]!;
        linear1 += linears[i]!;
        continue;
      }
      // the first pass's point is complete: on to the second pass
      const merged = kind2 < 0 ? -1 : mergeAcross(kind2, kind1);
      if (merged >= 0) {
        kind2 = merged;
        constant2 += constant1;
        linear2 += linear1;
      } else {
        if (kind2 >= 0) charges += chargeSize(kind2, constant2, linear2, gg, lt, lc);
        kind2 = kind1;
        constant2 = constant1;
        linear2 = linear1;
      }
      if (i < n) {
        offset1 = offsets[i]!;
        kind1 = kinds[i]!;
        constant1 = constants[i]!;
        linear1 = linears[i]!;
      }
    }
    return n > 0 ? charges + chargeSize(kind2, constant2, linear2, gg, lt, lc) : 0;
  }
}

/** What call_gas_instrumentation emits for one point: nothing when it is unreachable or free. */
function chargeSize(kind: number, constant: number, linear: number, gg: number, lt: number, lc: number): number {
  if (kind === UNREACHABLE) return 0;
  if (linear !== 0) return linearCharge(gg, lt, lc, constant, linear);
  return constant !== 0 ? constantCharge(gg, constant) : 0;
}

/**
 * call_gas_instrumentation with a constant fee: global.get, i64.const c, i64.lt_u, if, i64.const c, call, unreachable,
 * else, global.get, i64.const c, i64.sub, global.set, end.
 */
function constantCharge(gg: number, c: number): number {
  return 3 * gg + 3 * (1 + slebPositive(c)) + 9;
}

/**
 * call_gas_instrumentation with a linear fee (aggregate instructions; `lt`, `lc`: local.* of the added i64 and i32
 * locals): local.tee count, i64.extend_i32_u, i64.const linear, checked_mul_i64, i64.const 0, i64.const constant,
 * i64.const 0, checked_add_i64, local.tee, global.get, i64.gt_u, if, local.get, call, unreachable, else, global.get,
 * local.get, i64.sub, global.set, end, local.get count. checked_*_i64 are 10 bytes: a wide-arithmetic op (0xfc and
 * one LEB byte), i64.eqz, if, else, call 0|1, unreachable, end.
 */
function linearCharge(gg: number, lt: number, lc: number, c: number, l: number): number {
  return 2 * lc + 3 * lt + 3 * gg + slebPositive(l) + slebPositive(c) + 36;
}

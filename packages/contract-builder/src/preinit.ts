/**
 * Pre-initialisation (Wizer-style snapshot), opt-in per contract (`preinitialize`).
 *
 * Every call of a near-sdk-js contract normally creates a QuickJS runtime and context, registers the
 * host functions, reads the whole bytecode and runs the module's top level before the method starts
 * (builder.c's DEFINE_NEAR_METHOD). With this option the template gets an exported `__near_ts_preinit`
 * that does those steps once and keeps the runtime, context and module namespace in C globals; the
 * method entry skips them when the `near_preinitialized` flag is set. At build time the contract runs
 * `__near_ts_preinit` in Node's WebAssembly with the memory nearcore gives every contract, and the
 * resulting linear memory and mutable globals become the contract's data segments and global
 * initialisers. The Wasm is then edited section by section (https://webassembly.github.io/spec/core/binary/)
 * so everything else (functions, table, imports) stays byte-identical.
 */
import { ContractBuildError } from "./errors.js";
import type { SourcePatch } from "./quickjs-sources.js";
import { concat, countedBody, Cursor, readSections, sleb32, uleb, type Section } from "./wasm-assemble.js";

/**
 * The memory nearcore gives a contract: prepare replaces the module's own memory by an import of
 * `initial_memory_pages` .. `max_memory_pages` (nearcore core/parameters/res/runtime_configs/parameters.yaml:
 * 1024 and 2048; packages/sandbox/src/parameters/table.ts; runtime/near-vm-runner/src/prepare/prepare_v3.rs
 * validates the module's memory section, then drops it for that import). The snapshot is taken with exactly this
 * memory so the allocator's idea of the memory size (wasi-libc's sbrk reads memory.size) matches the chain.
 */
export const NEARCORE_INITIAL_MEMORY_PAGES = 1024;
export const NEARCORE_MAX_MEMORY_PAGES = 2048;
const PAGE = 65536;

/** Name of the export that builds the runtime at build time; removed from the final contract. */
export const PREINIT_EXPORT = "__near_ts_preinit";

/**
 * A zero gap shorter than this inside a non-zero range is kept in the segment: an active segment's
 * header (flag, i32.const address up to 4 bytes, end, length) costs 8-10 bytes.
 */
const MERGE_GAP = 12;
/** wasmparser's MAX_WASM_DATA_SEGMENTS, which nearcore's prepare_v3 validation applies. */
const MAX_DATA_SEGMENTS = 100_000;

export class PreinitializationError extends ContractBuildError {}

/** Patches (applied after the template patches) that add `__near_ts_preinit` and the fast path of the method entry. */
export function preinitPatches(): SourcePatch[] {
  return [
    {
      file: "builder.c",
      why: "pre-initialisation: reuse the runtime, context and module made by __near_ts_preinit at build time (kept in the snapshot)",
      find:
        "    rt = JS_NewRuntime();\\\n" +
        "    ctx = JS_NewCustomContext(rt);\\\n" +
        "    js_add_near_host_functions(ctx);\\\n" +
        "    mod_obj = js_load_module_binary(ctx, code, code_size);\\\n",
      replace:
        "    if (near_preinitialized) {\\\n" +
        "      rt = near_preinit_rt;\\\n" +
        "      ctx = near_preinit_ctx;\\\n" +
        "      mod_obj = near_preinit_module;\\\n" +
        "      /* the snapshot's stack top was taken in __near_ts_preinit's frame */\\\n" +
        "      JS_UpdateStackTop(rt);\\\n" +
        "    } else {\\\n" +
        "    rt = JS_NewRuntime();\\\n" +
        "    ctx = JS_NewCustomContext(rt);\\\n" +
        "    js_add_near_host_functions(ctx);\\\n" +
        "    mod_obj = js_load_module_binary(ctx, code, code_size);\\\n" +
        "    }\\\n",
      occurrences: 1,
    },
    {
      file: "builder.c",
      why: "pre-initialisation: the exported build-time entry and the globals it fills",
      find: '#include "methods.h"',
      replace: `/* ---- added by @near-ts/contract-builder (preinitialize) ---- */
static JSRuntime *near_preinit_rt;
static JSContext *near_preinit_ctx;
static JSValue near_preinit_module;
static int near_preinitialized;

/* Run once at build time, never on chain (the builder removes the export after taking the snapshot). */
__attribute__((export_name("${PREINIT_EXPORT}"))) void near_ts_preinit(void) {
  if (near_preinitialized) __builtin_trap();
  near_preinit_rt = JS_NewRuntime();
  near_preinit_ctx = JS_NewCustomContext(near_preinit_rt);
  js_add_near_host_functions(near_preinit_ctx);
  near_preinit_module = js_load_module_binary(near_preinit_ctx, code, code_size);
  near_preinitialized = 1;
}
/* ---- end of additions ---- */

#include "methods.h"`,
      occurrences: 1,
    },
  ];
}

interface GlobalEntry {
  type: number;
  mutable: boolean;
  /** the init expression's constant (i32 as number, i64 as bigint) */
  value: number | bigint;
}

function readGlobals(section: Section | undefined): GlobalEntry[] {
  if (!section) return [];
  const c = new Cursor(section.body);
  const count = c.u32();
  const globals: GlobalEntry[] = [];
  for (let i = 0; i < count; i++) {
    const type = c.u8();
    const mutable = c.u8() === 1;
    const op = c.u8();
    let value: number | bigint;
    if (op === 0x41) value = Number(readSleb(c, 32));
    else if (op === 0x42) value = readSleb(c, 64);
    else throw new PreinitializationError(`global ${i} has an initialiser the snapshot cannot rewrite (opcode 0x${op.toString(16)})`, "build this contract without preinitialize and report it");
    if (c.u8() !== 0x0b) throw new PreinitializationError(`global ${i}: unexpected initialiser`, "build this contract without preinitialize and report it");
    globals.push({ type, mutable, value });
  }
  return globals;
}

function readSleb(c: Cursor, bits: number): bigint {
  let result = 0n;
  let shift = 0n;
  let byte: number;
  do {
    byte = c.u8();
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  if (shift < BigInt(bits) && byte & 0x40) result -= 1n << shift;
  return BigInt.asIntN(bits, result);
}

function sleb64(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function writeGlobals(globals: GlobalEntry[]): Uint8Array {
  const entries = globals.flatMap((g) => [g.type, g.mutable ? 1 : 0, ...(g.type === 0x7e ? [0x42, ...sleb64(BigInt(g.value))] : [0x41, ...sleb32(Number(g.value))]), 0x0b]);
  return countedBody(globals.length, entries);
}

function importedGlobalCount(section: Section | undefined): number {
  if (!section) return 0;
  const c = new Cursor(section.body);
  const count = c.u32();
  let globals = 0;
  for (let i = 0; i < count; i++) {
    c.name();
    c.name();
    const kind = c.u8();
    if (kind === 0) c.u32();
    else if (kind === 1) {
      c.u8();
      const flags = c.u8();
      c.u32();
      if (flags & 1) c.u32();
    } else if (kind === 2) {
      throw new PreinitializationError("the contract imports its memory; pre-initialisation needs the module's own memory", "build this contract without preinitialize");
    } else if (kind === 3) {
      c.u8();
      c.u8();
      globals++;
    } else throw new Error(`unsupported import kind ${kind}`);
  }
  return globals;
}

/** Export entries without `drop`, plus `extra` ([name, kind, index]). */
function rewriteExports(section: Section, drop: string[], extra: Array<[string, number, number]>): Uint8Array {
  const c = new Cursor(section.body);
  const count = c.u32();
  const kept: number[] = [];
  let keptCount = 0;
  for (let i = 0; i < count; i++) {
    const start = c.offset;
    const name = c.name();
    c.u8();
    c.u32();
    if (!drop.includes(name)) {
      kept.push(...section.body.subarray(start, c.offset));
      keptCount++;
    }
  }
  const encoder = new TextEncoder();
  const added = extra.flatMap(([name, kind, index]) => {
    const bytes = [...encoder.encode(name)];
    return [...uleb(bytes.length), ...bytes, kind, ...uleb(index)];
  });
  return countedBody(keptCount + extra.length, concat(kept, added));
}

function emit(header: Uint8Array, sections: Section[]): Uint8Array {
  return concat(header, ...sections.map((s) => [s.id, ...uleb(s.body.length), ...s.body]));
}

const NEARCORE_MEMORY_SECTION = countedBody(1, [0x01, ...uleb(NEARCORE_INITIAL_MEMORY_PAGES), ...uleb(NEARCORE_MAX_MEMORY_PAGES)]);

/** Non-zero byte ranges of `memory`, gaps shorter than MERGE_GAP merged. */
export function nonZeroRanges(memory: Uint8Array): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let i = 0;
  const n = memory.length;
  while (i < n) {
    while (i < n && memory[i] === 0) i++;
    if (i >= n) break;
    const start = i;
    let end = i;
    while (i < n) {
      if (memory[i] !== 0) {
        end = ++i;
        continue;
      }
      let j = i;
      while (j < n && memory[j] === 0 && j - end < MERGE_GAP) j++;
      if (j < n && memory[j] !== 0) {
        i = j;
        continue;
      }
      break;
    }
    ranges.push([start, end]);
    i = end;
  }
  return ranges;
}

export interface PreinitResult {
  wasm: Uint8Array;
  /** bytes of linear memory kept in data segments */
  snapshotBytes: number;
  dataSegments: number;
}

export interface PreinitOptions {
  /** for messages */
  label: string;
  /** size of the shadow stack below the first global's (__stack_pointer's) initial value: dead after the call, left out */
  stackSize: number;
  /** other memory no longer read once pre-initialised (the bytecode, copied by JS_ReadObject), left out: [start, end) */
  deadRanges: Array<[number, number]>;
}

class HostCallDuringPreinit extends Error {}

/**
 * Run `__near_ts_preinit` on the contract (built from a template with preinitPatches) and return the
 * contract with the snapshot as its data segments. The same input gives the same bytes (Wasm execution
 * is deterministic, and QuickJS's clock and random sources are fixed in this build).
 */
export function preinitializeContract(wasm: Uint8Array, options: PreinitOptions): PreinitResult {
  const sections = readSections(wasm);
  const find = (id: number) => sections.find((s) => s.id === id);
  const header = wasm.subarray(0, 8);
  const memorySection = find(5);
  const exportSection = find(7);
  const dataSection = find(11);
  if (!memorySection || !exportSection || !dataSection) throw new PreinitializationError(`${options.label}: the Wasm has no memory, export or data section`, "report this as a builder bug");
  const globals = readGlobals(find(6));
  const firstGlobal = importedGlobalCount(find(2));
  const mutable = globals.map((g, i) => [g, i] as const).filter(([g]) => g.mutable);

  // the probe: nearcore's memory size, every mutable global exported so its value can be read
  const probeSections = sections.map((s) =>
    s.id === 5 ? { id: 5, body: NEARCORE_MEMORY_SECTION } : s.id === 7 ? { id: 7, body: rewriteExports(s, [], mutable.map(([, i]) => [`__snapshot_global_${i}`, 3, firstGlobal + i])) } : s,
  );
  const module = new WebAssembly.Module(emit(header, probeSections) as Uint8Array<ArrayBuffer>);
  let memory: WebAssembly.Memory | undefined;
  const imports: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = (...args: unknown[]) => {
      if (imp.name === "panic_utf8" && memory) {
        const [len, ptr] = args.map((a) => Number(a));
        throw new HostCallDuringPreinit(`the module's top level threw: ${new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len)).split("\n")[0]}`);
      }
      throw new HostCallDuringPreinit(`the module's top level called the host function ${imp.module}.${imp.name}, which a snapshot taken at build time cannot answer for each call`);
    };
  }
  const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  memory = instance.exports.memory as WebAssembly.Memory;
  const preinit = instance.exports[PREINIT_EXPORT];
  if (typeof preinit !== "function") throw new PreinitializationError(`${options.label}: the template has no ${PREINIT_EXPORT} export`, "report this as a builder bug");
  try {
    (preinit as () => void)();
  } catch (error) {
    const reason = error instanceof HostCallDuringPreinit ? error.message : error instanceof WebAssembly.RuntimeError ? `the module's top level trapped (${error.message})` : undefined;
    if (reason === undefined) throw error;
    throw new PreinitializationError(
      `${options.label}: cannot pre-initialise: ${reason}`,
      "move code that reads the environment (near.* calls, storage, logs) from the module's top level into a method, or build without preinitialize (drop --preinit / \"preinitialize\" in build.json)",
    );
  }
  const bytes = new Uint8Array(memory.buffer);
  if (bytes.length !== NEARCORE_INITIAL_MEMORY_PAGES * PAGE) {
    throw new PreinitializationError(
      `${options.label}: the module's top level grew the memory to ${bytes.length / PAGE} pages; nearcore starts every call with ${NEARCORE_INITIAL_MEMORY_PAGES}, so the snapshot's allocator would not match`,
      "build this contract without preinitialize",
    );
  }
  for (const [g, i] of mutable) {
    const value = (instance.exports[`__snapshot_global_${i}`] as WebAssembly.Global).value as number | bigint;
    g.value = g.type === 0x7e ? BigInt(value) : Number(value);
  }

  const snapshot = Uint8Array.from(bytes);
  const stackPointer = globals[0];
  if (!stackPointer?.mutable || stackPointer.type !== 0x7f) throw new PreinitializationError(`${options.label}: the first global is not the stack pointer`, "report this as a builder bug");
  const stackTop = Number(stackPointer.value);
  for (const [start, end] of [[stackTop - options.stackSize, stackTop], ...options.deadRanges]) snapshot.fill(0, Math.max(0, start), end);

  const ranges = nonZeroRanges(snapshot);
  if (ranges.length > MAX_DATA_SEGMENTS) throw new PreinitializationError(`${options.label}: the snapshot needs ${ranges.length} data segments (limit ${MAX_DATA_SEGMENTS})`, "build this contract without preinitialize");
  const segments = ranges.flatMap(([start, end]) => [0x00, 0x41, ...sleb32(start), 0x0b, ...uleb(end - start), ...snapshot.subarray(start, end)]);

  const out = sections.map((s): Section => {
    switch (s.id) {
      case 5:
        return { id: 5, body: NEARCORE_MEMORY_SECTION };
      case 6:
        return { id: 6, body: writeGlobals(globals) };
      case 7:
        return { id: 7, body: rewriteExports(s, [PREINIT_EXPORT], []) };
      case 11:
        return { id: 11, body: countedBody(ranges.length, segments) };
      case 12:
        return { id: 12, body: new Uint8Array(uleb(ranges.length)) };
      default:
        return s;
    }
  });
  return { wasm: emit(header, out), snapshotBytes: ranges.reduce((n, [a, b]) => n + b - a, 0), dataSegments: ranges.length };
}

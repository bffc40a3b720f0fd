/**
 * Contract memories, reused across calls. nearcore gives every call a fresh zeroed memory of
 * `initial_memory_pages` (wasmtime_runner); allocating a fresh 64 MiB WebAssembly.Memory per call makes V8
 * collect garbage on almost every call, so memories are pooled and re-zeroed exactly instead: every 64 KiB
 * page that is not all zero is cleared. Memories that grew are dropped (a memory cannot shrink).
 *
 * The dirty-page scan runs in a small SIMD Wasm function (one read stream, 128 bytes per step) instead of
 * Buffer.compare against a zero page (two streams, a JS -> C++ call per page); untouched pages are never
 * written, so the OS never has to back them. Reading all 64 MiB still took ~0.8 ms a call, the largest cost of
 * a near-sdk-js call, so a reused instance scans only the 2 MiB chunks its call could have written
 * (`zeroWrittenChunks`): prepare.ts makes every store of the contract set its chunk's bit and the host sets the bits
 * of what it writes. Chunks holding only data segments the call did not write are left as they are: the instance's
 * `reset` writes the segments again before its next call.
 */

/**
 * Text of {@link ZERO_DIRTY_PAGES_WASM} (compiled with wabt; test/vm/memory-pool.test.ts checks the two agree).
 * zero_dirty_pages(from, to) clears each non-zero page among pages [from, to) and returns how many it cleared.
 */
export const ZERO_DIRTY_PAGES_WAT = `(module
  (import "internal" "memory" (memory 0))
  (func (export "zero_dirty_pages") (param $from i32) (param $to i32) (result i32)
    (local $page i32) (local $p i32) (local $end i32) (local $acc v128) (local $dirty i32)
    (local.set $page (local.get $from))
    (block $done
      (loop $next_page
        (br_if $done (i32.ge_u (local.get $page) (local.get $to)))
        (local.set $p (i32.shl (local.get $page) (i32.const 16)))
        (local.set $end (i32.add (local.get $p) (i32.const 65536)))
        (local.set $acc (v128.const i64x2 0 0))
        (loop $scan
          (local.set $acc
            (v128.or (local.get $acc)
              (v128.or
                (v128.or (v128.or (v128.load offset=0 (local.get $p)) (v128.load offset=16 (local.get $p)))
                         (v128.or (v128.load offset=32 (local.get $p)) (v128.load offset=48 (local.get $p))))
                (v128.or (v128.or (v128.load offset=64 (local.get $p)) (v128.load offset=80 (local.get $p)))
                         (v128.or (v128.load offset=96 (local.get $p)) (v128.load offset=112 (local.get $p)))))))
          (local.set $p (i32.add (local.get $p) (i32.const 128)))
          (br_if $scan (i32.lt_u (local.get $p) (local.get $end))))
        (if (v128.any_true (local.get $acc))
          (then
            (memory.fill (i32.sub (local.get $end) (i32.const 65536)) (i32.const 0) (i32.const 65536))
            (local.set $dirty (i32.add (local.get $dirty) (i32.const 1)))))
        (local.set $page (i32.add (local.get $page) (i32.const 1)))
        (br $next_page)))
    (local.get $dirty)))`;

export const ZERO_DIRTY_PAGES_WASM = Buffer.from(
  'AGFzbQEAAAABBwFgAn9/AX8CFAEIaW50ZXJuYWwGbWVtb3J5AgAAAwIBAAcUARB6ZXJvX2RpcnR5X3BhZ2VzAAAKvwEBvAEDA38BewF/IAAhAgJAA0AgAiABTw0BIAJBEHQhAyADQYCABGohBP0MAAAAAAAAAAAAAAAAAAAAACEFA0AgBSAD/QAEACAD/QAEEP1QIAP9AAQgIAP9AAQw/VD9UCAD/QAEQCAD/QAEUP1QIAP9AARgIAP9AARw/VD9UP1Q/VAhBSADQYABaiEDIAMgBEkNAAsgBf1TBEAgBEGAgARrQQBBgIAE/AsAIAZBAWohBgsgAkEBaiECDAALCyAGCw==',
  'base64',
);

/** null where V8 cannot run it (no SIMD): the Buffer.compare scan is used then. */
const zeroerModule: WebAssembly.Module | null = (() => {
  try {
    return new WebAssembly.Module(ZERO_DIRTY_PAGES_WASM);
  } catch {
    return null;
  }
})();

interface PooledMemory {
  memory: WebAssembly.Memory;
  /** Clears every non-zero page among pages [from, to); returns how many were cleared. */
  zeroDirtyPages: (from: number, to: number) => number;
}

const ZERO_PAGE = Buffer.alloc(65536);
function zeroDirtyPagesWithBuffer(memory: WebAssembly.Memory, from: number, to: number): number {
  const bytes = Buffer.from(memory.buffer);
  let cleared = 0;
  for (let page = from; page < to; page++) {
    const start = page * 65536;
    if (bytes.compare(ZERO_PAGE, 0, 65536, start, start + 65536) !== 0) {
      bytes.fill(0, start, start + 65536);
      cleared++;
    }
  }
  return cleared;
}

/**
 * Pages per bit of a written-chunks mask: 32 bits cover a 64 MiB memory (nearcore's initial_memory_pages, 1024).
 * A memory that grew past it is never reused, so the mask need not cover more.
 */
export const WRITE_CHUNK_PAGES = 32;
export const WRITE_CHUNK_SHIFT = 21; // log2(WRITE_CHUNK_PAGES * 65536), the shift prepare.ts emits per store

/** The chunk bits of a write of `length` bytes at `start` (the host's writes into contract memory). */
export function writtenChunks(start: number, length: number): number {
  if (length <= 0) return 0;
  const first = start >>> WRITE_CHUNK_SHIFT;
  const last = Math.min((start + length - 1) >>> WRITE_CHUNK_SHIFT, 31);
  let mask = 0;
  for (let chunk = first; chunk <= last; chunk++) mask |= 1 << chunk;
  return mask;
}

const MAX_POOLED = 2;
const pool: PooledMemory[] = [];
const owners = new WeakMap<WebAssembly.Memory, PooledMemory>();

/** A zeroed memory of `initialPages` (at most `maxPages`): a pooled one, or a new one. */
export function takeMemory(initialPages: number, maxPages: number): WebAssembly.Memory {
  for (let i = pool.length - 1; i >= 0; i--) {
    const entry = pool[i]!;
    if (entry.memory.buffer.byteLength === initialPages * 65536) {
      pool.splice(i, 1);
      return entry.memory;
    }
  }
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: maxPages });
  const zeroer = zeroerModule ? (new WebAssembly.Instance(zeroerModule, { internal: { memory } }).exports.zero_dirty_pages as (from: number, to: number) => number) : null;
  owners.set(memory, { memory, zeroDirtyPages: zeroer ?? ((from, to) => zeroDirtyPagesWithBuffer(memory, from, to)) });
  return memory;
}

/** Returns a memory after its call: zeroed and kept for the next call unless it grew or the pool is full. */
export function releaseMemory(memory: WebAssembly.Memory, initialPages: number): void {
  const entry = owners.get(memory);
  if (!entry || memory.buffer.byteLength !== initialPages * 65536 || pool.length >= MAX_POOLED) return;
  entry.zeroDirtyPages(0, initialPages);
  pool.push(entry);
}

function zeroerOf(memory: WebAssembly.Memory): (from: number, to: number) => number {
  return owners.get(memory)?.zeroDirtyPages ?? ((from, to) => zeroDirtyPagesWithBuffer(memory, from, to));
}

/** Zeroes a memory from takeMemory in place (for an instance that keeps its memory between calls). */
export function zeroMemory(memory: WebAssembly.Memory, pages: number): void {
  zeroerOf(memory)(0, pages);
}

/**
 * Zeroes, among the first `pages` of a memory whose other pages are known to be zero, the chunks whose bits
 * `chunks` has set, and the first page after each: a store of up to 8 bytes near a chunk's end reaches into it.
 */
export function zeroWrittenChunks(memory: WebAssembly.Memory, pages: number, chunks: number): void {
  const zero = zeroerOf(memory);
  for (let chunk = 0; chunks !== 0; chunk++, chunks >>>= 1) {
    if ((chunks & 1) === 0) continue;
    const from = chunk * WRITE_CHUNK_PAGES;
    if (from < pages) zero(from, Math.min(from + WRITE_CHUNK_PAGES + 1, pages));
  }
}

/** Exposed for tests: the scan used when SIMD is unavailable. */
export const zeroDirtyPagesFallback = zeroDirtyPagesWithBuffer;
/** Exposed for tests: whether the SIMD scan is in use. */
export const simdZeroing = zeroerModule !== null;

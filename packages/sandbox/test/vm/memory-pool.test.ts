import test from 'ava';
import wabtInit from 'wabt';
import { releaseMemory, simdZeroing, takeMemory, ZERO_DIRTY_PAGES_WASM, ZERO_DIRTY_PAGES_WAT, zeroDirtyPagesFallback } from '../../src/vm/memory-pool.js';

const PAGE = 65536;
const allZero = (m: WebAssembly.Memory) => Buffer.from(m.buffer).equals(Buffer.alloc(m.buffer.byteLength));

test('the embedded page zeroer is the compiled ZERO_DIRTY_PAGES_WAT', async (t) => {
  const wabt = await wabtInit();
  const bytes = wabt.parseWat('zero.wat', ZERO_DIRTY_PAGES_WAT, { simd: true, bulk_memory: true }).toBinary({}).buffer;
  t.deepEqual(Buffer.from(bytes), Buffer.from(ZERO_DIRTY_PAGES_WASM));
  t.true(simdZeroing, 'Node 20 on x86-64/arm64 runs Wasm SIMD');
});

/** Dirties the first and last byte of some pages and bytes in the middle of others. */
function dirty(memory: WebAssembly.Memory): number[] {
  const b = new Uint8Array(memory.buffer);
  const pages = [0, 1, 17, 511, 1022, 1023];
  b[0] = 1;
  b[2 * PAGE - 1] = 0x80; // page 1, last byte
  b[17 * PAGE + 12345] = 7;
  b[511 * PAGE + 16] = 1; // second 16-byte lane
  b[1022 * PAGE + 127] = 1; // last byte of the first 128-byte step
  b[1024 * PAGE - 1] = 0xff; // very last byte
  return pages;
}

test('released memories come back all zero, whichever bytes of which pages were written (SIMD scan and fallback agree)', (t) => {
  for (let round = 0; round < 3; round++) {
    const m = takeMemory(1024, 2048);
    dirty(m);
    releaseMemory(m, 1024);
    const again = takeMemory(1024, 2048);
    t.is(again, m, 'the pool hands the same memory back');
    t.is(again.buffer.byteLength, 1024 * PAGE);
    t.true(allZero(again));
    releaseMemory(again, 1024);
  }
  const other = new WebAssembly.Memory({ initial: 1024, maximum: 2048 });
  const pages = dirty(other);
  t.is(zeroDirtyPagesFallback(other, 0, 1024), pages.length);
  t.true(allZero(other));
});

test('a memory that grew is not pooled', (t) => {
  const m = takeMemory(1024, 2048);
  m.grow(1);
  releaseMemory(m, 1024);
  const next = takeMemory(1024, 2048);
  t.not(next, m);
  t.is(next.buffer.byteLength, 1024 * PAGE);
  releaseMemory(next, 1024);
});

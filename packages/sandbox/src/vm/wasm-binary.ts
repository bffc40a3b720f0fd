/**
 * Reading the Wasm binary format, shared by contract preparation (prepare.ts) and the measure of nearcore's
 * instrumented module (nearcore-size.ts): the byte reader, value types and what numeric opcodes do to the
 * operand stack.
 */
import { PrepareErrorKind } from './errors.js';

export class PrepareError extends Error {
  constructor(readonly kind: PrepareErrorKind, detail: string) {
    super(`Contract preparation failed (${kind}): ${detail}`);
    this.name = 'PrepareError';
  }
}

// Value types.
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;

/** finite-wasm value sizes as nearcore configures them (prepare_v3.rs `SimpleMaxStackCfg::size_of_value`). */
export function sizeOf(t: number): number {
  switch (t) {
    case I32:
    case F32:
      return 4;
    case I64:
    case F64:
      return 8;
    case V128:
      return 16;
    default:
      return 8; // references
  }
}

export const deser = (detail: string) => new PrepareError('Deserialization', detail);

export class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }
  eof(): boolean {
    return this.pos >= this.end;
  }
  byte(): number {
    if (this.pos >= this.end) throw deser('unexpected end of data');
    return this.buf[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      if (shift === 28 && (b & 0x70) !== 0) throw deser('u32 LEB128 out of range');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw deser('u32 LEB128 too long');
    }
    return result;
  }
  /** Skips a signed LEB128 of at most `bits` bits. */
  skipSigned(bits: number): void {
    const maxBytes = Math.ceil(bits / 7);
    for (let i = 0; ; i++) {
      if (i >= maxBytes) throw deser('signed LEB128 too long');
      if ((this.byte() & 0x80) === 0) return;
    }
  }
  /** Reads a signed 33-bit LEB (block type). */
  s33(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 35) throw deser('s33 too long');
    } while (b & 0x80);
    if (b & 0x40) result -= 2 ** shift;
    return result;
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw deser('unexpected end of data');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  name(): string {
    const n = this.u32();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(n));
    } catch {
      throw deser('invalid UTF-8 name');
    }
  }
}

/** Operands a numeric opcode (0x45..0xc4) pops: 1 for unary, test and conversion operators, 2 for the others. */
export function numericPops(op: number): number {
  if (op === 0x45 || op === 0x50) return 1; // eqz
  if (op <= 0x66) return 2; // comparisons
  if (op <= 0x69) return 1; // i32 clz, ctz, popcnt
  if (op <= 0x78) return 2;
  if (op <= 0x7b) return 1; // i64 clz, ctz, popcnt
  if (op <= 0x8a) return 2;
  if (op <= 0x91) return 1; // f32 unary
  if (op <= 0x98) return 2;
  if (op <= 0x9f) return 1; // f64 unary
  if (op <= 0xa6) return 2;
  return 1; // conversions, reinterpretations, sign extensions
}

/** Size of the value a numeric opcode (0x45..0xc4) pushes. */
export function numericResultSize(op: number): number {
  if (op <= 0x78) return 4; // tests and comparisons give i32; i32 arithmetic
  if (op <= 0x8a) return 8; // i64 arithmetic
  if (op <= 0x98) return 4; // f32 arithmetic
  if (op <= 0xa6) return 8; // f64 arithmetic
  if (op <= 0xab) return 4; // i32.wrap_i64, i32.trunc_*
  if (op <= 0xb1) return 8; // i64.extend_i32_*, i64.trunc_*
  if (op <= 0xb6) return 4; // f32.convert_*, f32.demote_f64
  if (op <= 0xbb) return 8; // f64.convert_*, f64.promote_f32
  if (op === 0xbc || op === 0xbe) return 4; // i32.reinterpret_f32, f32.reinterpret_i32
  if (op === 0xbd || op === 0xbf) return 8;
  if (op <= 0xc1) return 4; // i32.extend8_s, i32.extend16_s
  return 8; // i64.extend{8,16,32}_s
}

/**
 * Numeric opcodes that may trap (finite-wasm `binop_partial`/`cvtop_partial`: integer division and remainder,
 * float-to-int truncation), which finite-wasm treats as side effects rather than pure instructions.
 */
export function numericMayTrap(op: number): boolean {
  return (op >= 0x6d && op <= 0x70) || (op >= 0x7f && op <= 0x82) || (op >= 0xa8 && op <= 0xab) || (op >= 0xae && op <= 0xb1);
}

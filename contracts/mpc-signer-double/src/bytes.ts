/**
 * Byte strings as BigInts and back (big- or little-endian), for key derivation and base58.
 */

/** 2^48 − 1: a chunk of six bytes, exact in a double. */
const CHUNK_MASK = 0xffffffffffffn;

/**
 * Bytes ↔ BigInt six bytes at a time. QuickJS charges every BigInt operation 2–4 Ggas whatever
 * its size and a Number operation about 0.1 (measured on this node), so a loop of BigInt shifts
 * per byte cost about 7 Ggas a byte (0.24 Tgas for 32 bytes); chunks of 48 bits built or split
 * with Number operations need three BigInt operations per six bytes.
 */
function bytesToBigInt(bytes: Uint8Array | number[], littleEndian: boolean): bigint {
  const length = bytes.length;
  let value = 0n;
  let chunk = 0;
  let count = 0;
  // The most significant chunk takes the bytes left over by the six-byte ones.
  let size = length % 6 || 6;
  for (let i = 0; i < length; i++) {
    chunk = chunk * 256 + bytes[littleEndian ? length - 1 - i : i];
    if (++count === size) {
      value = (value << 48n) + BigInt(chunk);
      chunk = 0;
      count = 0;
      size = 6;
    }
  }
  return value;
}

export function bytesToBigIntBE(bytes: Uint8Array | number[]): bigint {
  return bytesToBigInt(bytes, false);
}

export function bytesToBigIntLE(bytes: Uint8Array | number[]): bigint {
  return bytesToBigInt(bytes, true);
}

/** The low `length` bytes of a non-negative value. */
function bigIntToBytes(value: bigint, length: number, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 6) {
    const chunk = Number(value & CHUNK_MASK);
    value >>= 48n;
    // Two 24-bit halves, so each byte is an int32 operation.
    const low = chunk % 16777216;
    let half = low;
    for (let k = 0; k < 6 && i + k < length; k++) {
      if (k === 3) half = (chunk - low) / 16777216;
      out[littleEndian ? i + k : length - 1 - i - k] = half & 255;
      half >>= 8;
    }
  }
  return out;
}

export function bigIntToBytesBE(value: bigint, length: number): Uint8Array {
  return bigIntToBytes(value, length, false);
}

export function bigIntToBytesLE(value: bigint, length: number): Uint8Array {
  return bigIntToBytes(value, length, true);
}

/** Byte-wise equality (comparing hex strings of two keys cost 0.3 Tgas here). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

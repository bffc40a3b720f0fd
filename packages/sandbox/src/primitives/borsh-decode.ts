/**
 * The `borsh` package's `deserialize` (2.0.0, lib/esm/deserialize.js) for bytes it accepts, with byte arrays taken
 * whole. The package decodes a `[u8; N]` or `Vec<u8>` one element at a time, each through a dozen string operations
 * (`decode_value` → `integers.includes`, `parseInt`, a method name built per byte): of parsing a relayed delegate's
 * 421-byte transaction (~60 µs), most went to its keys, signatures, block hash and call arguments.
 *
 * Same walk of the schema, same values, except that a byte array is a view of the bytes given (a Uint8Array, where the
 * package gives an array of numbers). It throws, saying nothing useful, wherever it is not sure to agree with the
 * package: bytes that end early, an enum or option tag out of range, text that is not ASCII (the package's own UTF-8
 * reading is lenient) or longer than {@link LONGEST_TEXT} (the package spreads its code points into one call's
 * arguments, which a long enough text overflows), a type it does not know. The caller then decodes with the package, so what is refused, and
 * in what words, stays the package's.
 */
import type { Schema } from 'borsh';

class NotDecodedHere extends Error {}

/** Texts longer than this go to the package (ids are at most 64 bytes, method names 256). */
const LONGEST_TEXT = 4096;

/** `schema` decoded from the start of `bytes` (trailing bytes are left unread, as the package leaves them). */
export function decodeBorsh(schema: Schema, bytes: Uint8Array): unknown {
  return new Reader(bytes).value(schema);
}

class Reader {
  #at = 0;
  readonly #view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #take(n: number): number {
    const at = this.#at;
    if (at + n > this.bytes.length) throw new NotDecodedHere();
    this.#at = at + n;
    return at;
  }

  value(schema: Schema): unknown {
    if (typeof schema === 'string') return this.#primitive(schema);
    if ('struct' in schema) {
      const out: Record<string, unknown> = {};
      for (const key in schema.struct) out[key] = this.value(schema.struct[key]!);
      return out;
    }
    if ('enum' in schema) {
      const variant = schema.enum[this.#view.getUint8(this.#take(1))];
      if (variant === undefined) throw new NotDecodedHere();
      const key = Object.keys(variant.struct)[0]!;
      return { [key]: this.value(variant.struct[key]!) };
    }
    if ('array' in schema) {
      // the package's test: a `len` of 0 is read as "a u32 length follows"
      const length = schema.array.len ? schema.array.len : this.#u32();
      if (schema.array.type === 'u8') {
        const at = this.#take(length);
        return this.bytes.subarray(at, at + length);
      }
      const out: unknown[] = [];
      for (let i = 0; i < length; i++) out.push(this.value(schema.array.type));
      return out;
    }
    if ('option' in schema) {
      const tag = this.#view.getUint8(this.#take(1));
      if (tag === 0) return null;
      if (tag === 1) return this.value(schema.option);
      throw new NotDecodedHere();
    }
    if ('map' in schema) {
      const out = new Map<unknown, unknown>();
      for (let i = this.#u32(); i > 0; i--) {
        const key = this.value(schema.map.key);
        out.set(key, this.value(schema.map.value));
      }
      return out;
    }
    if ('set' in schema) {
      const out = new Set<unknown>();
      for (let i = this.#u32(); i > 0; i--) out.add(this.value(schema.set));
      return out;
    }
    throw new NotDecodedHere();
  }

  #u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }

  #primitive(type: string): unknown {
    switch (type) {
      case 'u8':
        return this.#view.getUint8(this.#take(1));
      case 'u16':
        return this.#view.getUint16(this.#take(2), true);
      case 'u32':
        return this.#u32();
      case 'u64':
        return this.#view.getBigUint64(this.#take(8), true);
      case 'u128': {
        const at = this.#take(16);
        return this.#view.getBigUint64(at, true) | (this.#view.getBigUint64(at + 8, true) << 64n);
      }
      case 'bool':
        return this.#view.getUint8(this.#take(1)) > 0;
      case 'string': {
        const length = this.#u32();
        if (length > LONGEST_TEXT) throw new NotDecodedHere();
        const at = this.#take(length);
        let text = '';
        for (let i = at; i < at + length; i++) {
          const byte = this.bytes[i]!;
          if (byte >= 0x80) throw new NotDecodedHere();
          text += String.fromCharCode(byte);
        }
        return text;
      }
      default:
        throw new NotDecodedHere();
    }
  }
}

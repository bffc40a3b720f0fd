/**
 * A small reader for the two Wasm sections the builder checks (imports and exports) plus function
 * body sizes. Wasm binary format: https://webassembly.github.io/spec/core/binary/modules.html
 */
export interface WasmImport {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
}

export interface WasmExport {
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
}

export interface WasmSummary {
  imports: WasmImport[];
  exports: WasmExport[];
  /** byte size of the largest function body in the code section */
  largestFunctionBody: number;
  functionCount: number;
}

const KINDS = ["function", "table", "memory", "global", "tag"] as const;

class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.offset >= this.bytes.length) throw new Error("unexpected end of Wasm module");
    return this.bytes[this.offset++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  name(): string {
    const len = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + len));
    this.offset += len;
    return text;
  }
  skipLimits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

export function readWasmSummary(bytes: Uint8Array): WasmSummary {
  const r = new Reader(bytes);
  const magic = [0x00, 0x61, 0x73, 0x6d];
  if (bytes.length < 8 || magic.some((m, i) => bytes[i] !== m)) throw new Error("not a Wasm module (bad magic)");
  r.offset = 8;
  const imports: WasmImport[] = [];
  const exports: WasmExport[] = [];
  let largestFunctionBody = 0;
  let functionCount = 0;
  while (r.offset < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.offset + size;
    if (id === 2) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        imports.push({ module, name, kind: KINDS[kind] ?? "function" });
        if (kind === 0) r.u32();
        else if (kind === 1) {
          r.byte();
          r.skipLimits();
        } else if (kind === 2) r.skipLimits();
        else if (kind === 3) {
          r.byte();
          r.byte();
        } else if (kind === 4) {
          r.byte();
          r.u32();
        }
      }
    } else if (id === 7) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const name = r.name();
        const kind = r.byte();
        r.u32();
        exports.push({ name, kind: KINDS[kind] ?? "function" });
      }
    } else if (id === 10) {
      const count = r.u32();
      functionCount = count;
      for (let i = 0; i < count; i++) {
        const bodySize = r.u32();
        largestFunctionBody = Math.max(largestFunctionBody, bodySize);
        r.offset += bodySize;
      }
    }
    r.offset = end;
  }
  return { imports, exports, largestFunctionBody, functionCount };
}

/**
 * Turns the shared contract template (engine + builder.c, linked and optimised once) into one
 * contract's module by editing the Wasm binary: two active data segments (the QuickJS bytecode plus
 * method names into the template's reserved `code` area, and `code_size`), one exported function per
 * contract method that calls builder.c's method entry with the method name, and removal of the
 * template's helper exports. Binary format: https://webassembly.github.io/spec/core/binary/
 */
export const HELPER_EXPORTS = ["__near_run_method", "__near_code_address", "__near_code_size_address", "__near_code_capacity"];

export function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

export function sleb32(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function nameBytes(name: string): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...uleb(bytes.length), ...bytes];
}

export class Cursor {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}
  u8(): number {
    return this.bytes[this.offset++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  name(): string {
    const len = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + len));
    this.offset += len;
    return s;
  }
}

export interface Section {
  id: number;
  body: Uint8Array;
}

export function readSections(wasm: Uint8Array): Section[] {
  const c = new Cursor(wasm);
  c.offset = 8;
  const sections: Section[] = [];
  while (c.offset < wasm.length) {
    const id = c.u8();
    const size = c.u32();
    sections.push({ id, body: wasm.subarray(c.offset, c.offset + size) });
    c.offset += size;
  }
  return sections;
}

export function countedBody(count: number, rest: number[] | Uint8Array): Uint8Array {
  const head = uleb(count);
  const out = new Uint8Array(head.length + rest.length);
  out.set(head, 0);
  out.set(rest, head.length);
  return out;
}

/** Existing entries of a vector section, as raw bytes after the count. */
export function vectorTail(body: Uint8Array): { count: number; tail: Uint8Array } {
  const c = new Cursor(body);
  const count = c.u32();
  return { count, tail: body.subarray(c.offset) };
}

export function concat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface TemplateLayout {
  /** address of builder.c's `code` area */
  codeAddress: number;
  codeSizeAddress: number;
  codeCapacity: number;
}

/** Call the template's address getters (they touch no host function) to learn where `code` lives. */
export function readTemplateLayout(template: Uint8Array): TemplateLayout {
  const module = new WebAssembly.Module(template as Uint8Array<ArrayBuffer>);
  const imports: Record<string, Record<string, () => never>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] = () => {
      throw new Error(`template layout probe called host function ${imp.name}`);
    };
  }
  const exports = new WebAssembly.Instance(module, imports).exports as Record<string, () => number>;
  return {
    codeAddress: exports.__near_code_address() >>> 0,
    codeSizeAddress: exports.__near_code_size_address() >>> 0,
    codeCapacity: exports.__near_code_capacity() >>> 0,
  };
}

export class CodeAreaOverflowError extends Error {}

/** Build one contract's module from the template. */
export function assembleContract(template: Uint8Array, layout: TemplateLayout, bytecode: Uint8Array, methods: string[]): Uint8Array {
  const encoder = new TextEncoder();
  const nameOffsets: number[] = [];
  const area: number[] = [...bytecode];
  for (const method of methods) {
    nameOffsets.push(area.length);
    area.push(...encoder.encode(method), 0);
  }
  if (area.length > layout.codeCapacity) {
    throw new CodeAreaOverflowError(`bytecode and method names take ${area.length} bytes; the engine reserves ${layout.codeCapacity}`);
  }

  const sections = readSections(template);
  const find = (id: number) => sections.find((s) => s.id === id);

  // function indices: imported functions come first
  let importedFunctions = 0;
  const importSection = find(2);
  if (importSection) {
    const c = new Cursor(importSection.body);
    const count = c.u32();
    for (let i = 0; i < count; i++) {
      c.name();
      c.name();
      const kind = c.u8();
      if (kind === 0) {
        c.u32();
        importedFunctions++;
      } else if (kind === 1) {
        c.u8();
        const flags = c.u8();
        c.u32();
        if (flags & 1) c.u32();
      } else if (kind === 2) {
        const flags = c.u8();
        c.u32();
        if (flags & 1) c.u32();
      } else if (kind === 3) {
        c.u8();
        c.u8();
      } else throw new Error(`unsupported import kind ${kind} in the template`);
    }
  }

  // the () -> () type for the method exports
  const typeSection = find(1)!;
  const types = vectorTail(typeSection.body);
  let voidType = -1;
  {
    const c = new Cursor(typeSection.body);
    const count = c.u32();
    for (let i = 0; i < count; i++) {
      if (c.u8() !== 0x60) throw new Error("unexpected type form in the template");
      const params = c.u32();
      c.offset += params;
      const results = c.u32();
      c.offset += results;
      if (params === 0 && results === 0 && voidType < 0) voidType = i;
    }
  }
  if (voidType < 0) {
    voidType = types.count;
    typeSection.body = countedBody(types.count + 1, concat(types.tail, [0x60, 0, 0]));
  }

  // the template's exports: find the method entry, drop the helpers
  const exportSection = find(7)!;
  const keptExports: number[] = [];
  let keptCount = 0;
  let runMethodIndex = -1;
  {
    const c = new Cursor(exportSection.body);
    const count = c.u32();
    for (let i = 0; i < count; i++) {
      const start = c.offset;
      const name = c.name();
      const kind = c.u8();
      const index = c.u32();
      if (name === "__near_run_method" && kind === 0) runMethodIndex = index;
      if (!HELPER_EXPORTS.includes(name)) {
        keptExports.push(...exportSection.body.subarray(start, c.offset));
        keptCount++;
      }
    }
  }
  if (runMethodIndex < 0) throw new Error("the template does not export __near_run_method");

  const functionSection = find(3)!;
  const functions = vectorTail(functionSection.body);
  const firstNew = importedFunctions + functions.count;
  functionSection.body = countedBody(functions.count + methods.length, concat(functions.tail, methods.flatMap(() => uleb(voidType))));

  const codeSection = find(10)!;
  const code = vectorTail(codeSection.body);
  const bodies = methods.flatMap((_, i) => {
    const body = [0x00, 0x41, ...sleb32(layout.codeAddress + nameOffsets[i]), 0x10, ...uleb(runMethodIndex), 0x0b];
    return [...uleb(body.length), ...body];
  });
  codeSection.body = countedBody(code.count + methods.length, concat(code.tail, bodies));

  const newExports = methods.flatMap((m, i) => [...nameBytes(m), 0x00, ...uleb(firstNew + i)]);
  exportSection.body = countedBody(keptCount + methods.length, concat(keptExports, newExports));

  // active data segments for memory 0, applied after the template's own (later segments win)
  const dataSection = find(11)!;
  const data = vectorTail(dataSection.body);
  const sizeBytes = [bytecode.length & 0xff, (bytecode.length >>> 8) & 0xff, (bytecode.length >>> 16) & 0xff, (bytecode.length >>> 24) & 0xff];
  const segment = (address: number, bytes: number[]) => [0x00, 0x41, ...sleb32(address), 0x0b, ...uleb(bytes.length), ...bytes];
  dataSection.body = countedBody(data.count + 2, concat(data.tail, segment(layout.codeAddress, area), segment(layout.codeSizeAddress, sizeBytes)));
  const dataCount = find(12);
  if (dataCount) dataCount.body = new Uint8Array(uleb(data.count + 2));

  return concat(template.subarray(0, 8), ...sections.map((s) => [s.id, ...uleb(s.body.length), ...s.body]));
}

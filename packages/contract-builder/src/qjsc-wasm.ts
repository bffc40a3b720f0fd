/**
 * QuickJS's compiler as a WebAssembly program (artefacts/qjsc.wasm: c/qjsc_wasi.c linked with the same
 * engine objects as the contract template), run through Node's WASI: JS to QuickJS bytecode with no
 * native qjsc. The bytes equal the host qjsc's `-c -m -N code` output (test: qjsc-wasm.test.ts).
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { CompileError } from "./errors.js";

type WasiModule = typeof import("node:wasi");

let wasiModule: Promise<WasiModule> | undefined;
/** node:wasi prints an ExperimentalWarning once when loaded (Node 20): the build's output stays the builder's own. */
function loadWasi(): Promise<WasiModule> {
  wasiModule ??= (async () => {
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      const text = typeof warning === "string" ? warning : warning.message;
      if (/WASI/.test(text)) return;
      (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      return await import("node:wasi");
    } finally {
      process.emitWarning = emitWarning;
    }
  })();
  return wasiModule;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();
/** Compiled once per process and file (a warm process or the daemon skips it). */
function qjscModule(file: string): Promise<WebAssembly.Module> {
  let module = compiled.get(file);
  if (!module) {
    module = WebAssembly.compile(readFileSync(file));
    compiled.set(file, module);
  }
  return module;
}

/**
 * Compile `<dir>/<file>` (an ES module) to QuickJS bytecode with qjsc.wasm; the module name inside the
 * bytecode is `file`, as with `qjsc -c -m -N code <file>` run in `dir`.
 */
export async function compileWithQjscWasm(qjscWasm: string, dir: string, file: string): Promise<Uint8Array> {
  const [{ WASI }, module] = await Promise.all([loadWasi(), qjscModule(qjscWasm)]);
  const output = "code.bin";
  const stderrFile = path.join(dir, "qjsc.stderr");
  const stderr = openSync(stderrFile, "w");
  let exitCode: number;
  let trap = "";
  try {
    // the folder is the program's only view of the file system
    const wasi = new WASI({ version: "preview1", args: ["qjsc", `/work/${file}`, file, `/work/${output}`], env: {}, preopens: { "/work": dir }, stderr, returnOnExit: true });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    exitCode = wasi.start(instance);
  } catch (error) {
    // a trap (out of memory, a stack overflow the parser did not catch): reported like a failed qjsc
    if (!(error instanceof WebAssembly.RuntimeError)) throw error;
    exitCode = -1;
    trap = `qjsc.wasm trapped: ${error.message}\n`;
  } finally {
    closeSync(stderr);
  }
  if (exitCode !== 0) {
    throw new CompileError(
      "qjsc (JS to QuickJS bytecode, qjsc.wasm)",
      `qjsc.wasm ${file} (in ${dir})`,
      `${readFileSync(stderrFile, "utf8")}${trap}` || `exit code ${exitCode}`,
      "the bundle uses syntax QuickJS 2021-03-27 does not support, or is too large or deeply nested for it: see the qjsc message above",
    );
  }
  return readFileSync(path.join(dir, output));
}

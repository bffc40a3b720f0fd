/**
 * The QuickJS engine compiled once to wasm32 objects, plus a host qjsc built with gcc from the same
 * prepared sources and CONFIG flags (bytecode layout depends on both). Cached under
 * <cache>/engine/<key>, key = hash of the prepared source tree, flags and compiler versions, so
 * changing a contract never recompiles QuickJS.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BUILDER_DIR } from "./paths.js";
import { publishDir, withDirLock } from "./cache-dir.js";
import { CompileError } from "./errors.js";
import { ExecFailure, commandLine, run, runLimited } from "./exec.js";
import { prepareQuickjsSources, QUICKJS_SOURCE } from "./quickjs-sources.js";
import { TOOLCHAIN } from "./toolchain.js";

/** Our C layer, copied next to the patched engine sources. */
export const OWN_C_FILES = ["near_quickjs_compat.h", "near_quickjs_compat.c", "quickjs-libc-min.h", "quickjs-libc-min.c", "wasi_stubs.c"];
export const OWN_C_DIR = path.join(BUILDER_DIR, "c");
/** The driver of qjsc.wasm (QuickJS's compiler as a WASI program, artefacts.ts). */
export const QJSC_WASI_FILE = path.join(OWN_C_DIR, "qjsc_wasi.c");

/**
 * Source paths are mapped to fixed names in everything compiled (`-ffile-prefix-map`): QuickJS's
 * assert messages carry `__FILE__`, which would otherwise put the cache folder's path into every
 * template and contract, so the same sources gave other bytes in another checkout.
 */
export const reproducibilityMarker = "file-prefix-map: quickjs, wasi-sysroot, template";
export function pathMapFlags(map: Record<string, string>): string[] {
  return Object.entries(map).map(([from, to]) => `-ffile-prefix-map=${from}=${to}`);
}

/** Same defines as near-sdk-js 2.0.0's createWasmContract, for the engine, builder.c and host qjsc. */
export const QUICKJS_DEFINES = ["-D_GNU_SOURCE", `-DCONFIG_VERSION="${QUICKJS_SOURCE.quickjsVersion}"`, "-DCONFIG_BIGNUM"];

/** Engine translation units compiled to Wasm (near_quickjs_compat.c includes the patched quickjs.c). */
const ENGINE_UNITS = ["near_quickjs_compat.c", "libregexp.c", "libunicode.c", "cutils.c", "libbf.c", "quickjs-libc-min.c", "wasi_stubs.c"];

export interface EngineOptions {
  /** Compile the engine as LLVM bitcode so the contract link runs LTO (smaller, much slower link). */
  lto: boolean;
}

export interface Engine {
  key: string;
  dir: string;
  /** include folder for builder.c (patched QuickJS headers + compat headers) */
  includeDir: string;
  /** wasm32 objects to link into every contract */
  objects: string[];
  /** host qjsc executable */
  qjsc: string;
  sysroot: string;
  cflags: string[];
  lto: boolean;
}

export function wasmCflags(sysroot: string, lto: boolean): string[] {
  return ["--target=wasm32-wasi", `--sysroot=${sysroot}`, "-Oz", ...(lto ? ["-flto"] : []), ...QUICKJS_DEFINES];
}

let versionsMemo: string | undefined;
/** The first line of `clang --version` and `gcc --version`. */
export async function compilerVersions(): Promise<string> {
  if (versionsMemo === undefined) {
    const [clang, gcc] = await Promise.all([run(TOOLCHAIN.clang, ["--version"]), run(TOOLCHAIN.gcc, ["--version"])]);
    versionsMemo = `${clang.stdout.split("\n")[0]}|${gcc.stdout.split("\n")[0]}`;
  }
  return versionsMemo;
}

/** A sysroot folder laid out for clang's wasm32-wasi driver, pointing at Debian's wasi-libc. */
export function ensureSysroot(cacheDir: string): string {
  const sysroot = path.join(cacheDir, "wasi-sysroot");
  const marker = path.join(sysroot, "lib", "wasm32-wasi");
  if (!existsSync(marker)) {
    mkdirSync(path.join(sysroot, "include"), { recursive: true });
    mkdirSync(path.join(sysroot, "lib"), { recursive: true });
    for (const [target, link] of [
      [TOOLCHAIN.wasiInclude, path.join(sysroot, "include", "wasm32-wasi")],
      [TOOLCHAIN.wasiLib, marker],
    ]) {
      try {
        symlinkSync(target, link);
      } catch (error) {
        // another build created it at the same moment
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
  }
  return sysroot;
}

async function compile(step: string, file: string, args: string[], hint: string): Promise<void> {
  try {
    await run(file, args);
  } catch (error) {
    if (error instanceof ExecFailure) throw new CompileError(step, commandLine(file, args), error.output, hint);
    throw error;
  }
}

/** Build (or reuse) the engine for these options. */
export async function ensureEngine(cacheDir: string, options: EngineOptions, log: (line: string) => void = () => {}): Promise<Engine> {
  const sources = await prepareQuickjsSources(cacheDir, OWN_C_DIR, OWN_C_FILES);
  const sysroot = ensureSysroot(cacheDir);
  const cflags = wasmCflags(sysroot, options.lto);
  const key = createHash("sha256")
    .update(sources.treeHash)
    .update(JSON.stringify(cflags.filter((f) => !f.startsWith("--sysroot"))))
    .update(await compilerVersions())
    .update(reproducibilityMarker)
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(cacheDir, "engine", key);
  const objects = ENGINE_UNITS.map((u) => path.join(dir, u.replace(/\.c$/, ".o")));
  const engine: Engine = { key, dir, includeDir: sources.engineDir, objects, qjsc: path.join(dir, "qjsc"), sysroot, cflags, lto: options.lto };
  if (existsSync(path.join(dir, "ready"))) return engine;
  return withDirLock(dir, async () => {
    if (!existsSync(path.join(dir, "ready"))) await compileEngine(engine, sources, cflags, options, cacheDir, log);
    return engine;
  });
}

async function compileEngine(
  engine: Engine,
  sources: Awaited<ReturnType<typeof prepareQuickjsSources>>,
  cflags: string[],
  options: EngineOptions,
  cacheDir: string,
  log: (line: string) => void,
): Promise<void> {
  const { key, dir } = engine;
  log(`compiling the QuickJS engine once (cache key ${key}${options.lto ? ", LTO" : ""})...`);
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const hint = `a toolchain problem, not a contract problem: check the Debian packages (tsx packages/contract-builder/src/cli.ts setup) and delete ${cacheDir} to start clean`;
  const hostQjsc = () =>
    compile(
      "host qjsc (gcc)",
      TOOLCHAIN.gcc,
      [
        "-O1",
        ...QUICKJS_DEFINES,
        `-I${sources.engineDir}`,
        path.join(sources.hostDir, "qjsc.c"),
        path.join(sources.hostDir, "quickjs-libc.c"),
        ...["quickjs.c", "libregexp.c", "libunicode.c", "cutils.c", "libbf.c"].map((f) => path.join(sources.engineDir, f)),
        "-lm",
        "-ldl",
        "-lpthread",
        "-o",
        path.join(staging, "qjsc"),
      ],
      hint,
    );
  const mapped = pathMapFlags({ [sources.engineDir]: "quickjs", [engine.sysroot]: "wasi-sysroot" });
  const units = ENGINE_UNITS.map(
    (unit) => () => compile(`engine ${unit} (clang wasm32)`, TOOLCHAIN.clang, [...cflags, ...mapped, `-I${sources.engineDir}`, "-c", path.join(sources.engineDir, unit), "-o", path.join(staging, unit.replace(/\.c$/, ".o"))], hint),
  );
  // longest jobs first: the host qjsc and the unit holding quickjs.c
  await runLimited([hostQjsc, ...units], 2);
  writeFileSync(path.join(staging, "ready"), JSON.stringify({ key, treeHash: sources.treeHash, cflags, versions: await compilerVersions() }, null, 2));
  publishDir(staging, dir, "ready");
}

/** Engine objects qjsc.wasm links: the engine without the contract's runtime glue and WASI stubs (it runs under WASI). */
const QJSC_WASM_UNITS = ENGINE_UNITS.filter((u) => u !== "quickjs-libc-min.c" && u !== "wasi_stubs.c");

/**
 * qjsc.wasm: c/qjsc_wasi.c compiled with the engine's flags and linked with the engine objects as a
 * WASI command (wasi-libc's start code, WASI imports kept: Node's WASI provides them).
 */
export async function linkQjscWasm(engine: Engine, outFile: string): Promise<void> {
  const staging = `${outFile}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const hint = `a toolchain problem, not a contract problem: delete ${engine.dir} and run setup again`;
  try {
    const mapped = pathMapFlags({ [OWN_C_DIR]: "c", [engine.includeDir]: "quickjs", [engine.sysroot]: "wasi-sysroot" });
    await compile("qjsc_wasi.c (clang wasm32)", TOOLCHAIN.clang, [...engine.cflags, ...mapped, `-I${engine.includeDir}`, "-c", QJSC_WASI_FILE, "-o", path.join(staging, "qjsc_wasi.o")], hint);
    const objects = QJSC_WASM_UNITS.map((u) => path.join(engine.dir, u.replace(/\.c$/, ".o")));
    await compile(
      "wasm-ld link (qjsc.wasm)",
      TOOLCHAIN.clang,
      ["--target=wasm32-wasi", `--sysroot=${engine.sysroot}`, path.join(staging, "qjsc_wasi.o"), ...objects, "-lm", `-Wl,-z,stack-size=${QJSC_STACK_SIZE}`, "-Wl,--fatal-warnings", "-Wl,--strip-all", "-o", path.join(staging, "qjsc.wasm")],
      hint,
    );
    renameSync(path.join(staging, "qjsc.wasm"), outFile);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** qjsc.wasm's stack: QuickJS's parser recurses; its own limit (JS_SetMaxStackSize default 256 KiB) stays below. */
const QJSC_STACK_SIZE = 1024 * 1024;

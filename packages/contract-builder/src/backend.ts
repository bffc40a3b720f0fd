/**
 * From the Rollup bundle to a NEAR contract: host qjsc -> code.h, methods.h, a patched copy of
 * near-sdk-js's builder.c (extra host functions), clang-14 compile of builder.c, wasm-ld link with
 * the cached engine objects, optional binaryen -Oz, and the import/export checks.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BUILDER_DIR } from "./paths.js";
import { CompileError, ForbiddenImportsError, ReservedMethodNameError, SourceIntegrityError, ContractBuildError } from "./errors.js";
import { ExecFailure, commandLine, run } from "./exec.js";
import type { Engine } from "./engine.js";
import { countOccurrences, type SourcePatch } from "./quickjs-sources.js";
import { TOOLCHAIN } from "./toolchain.js";
import { readWasmSummary, type WasmSummary } from "./wasm.js";

/** Stack size near-sdk-js 2.0.0 links with (256 KiB). */
export const STACK_SIZE = 256 * 1024;
/** nearcore PV86 max_function_body_size (notes nearcore-vm.md 1.3); larger bodies fail deployment. */
export const MAX_FUNCTION_BODY_SIZE = 196_608;
/** nearcore: defined functions plus imports must stay within 10,000 (prepare_v3.rs TooManyFunctions). */
export const MAX_FUNCTIONS = 10_000;

const HOST_EXTRAS_FILE = path.join(BUILDER_DIR, "c", "host_extras.c");

/** Host functions the builder adds to builder.c's `env` object: [name, JS arity]. */
export const EXTRA_HOST_FUNCTIONS: Array<[string, number]> = [
  ["promise_yield_create", 5],
  ["promise_yield_resume", 2],
  ["ed25519_verify", 3],
];

export function builderPatches(): SourcePatch[] {
  const extras = readFileSync(HOST_EXTRAS_FILE, "utf8");
  const registrations = EXTRA_HOST_FUNCTIONS.map(
    ([name, arity]) => `  JS_SetPropertyStr(ctx, env, "${name}", JS_NewCFunction(ctx, near_${name}, "${name}", ${arity}));\n`,
  ).join("");
  return [
    {
      file: "builder.c",
      why: "include the engine headers from the cached engine folder (-I) instead of node_modules/near-sdk-js/lib/cli/deps",
      find: '#include "../node_modules/near-sdk-js/lib/cli/deps/quickjs/quickjs-libc-min.h"\n',
      replace: '#include "quickjs-libc-min.h"\n',
      occurrences: 1,
    },
    {
      file: "builder.c",
      why: "same for libbf.h",
      find: '#include "../node_modules/near-sdk-js/lib/cli/deps/quickjs/libbf.h"\n',
      replace: '#include "libbf.h"\n',
      occurrences: 1,
    },
    {
      file: "builder.c",
      why: "add C wrappers for promise_yield_create, promise_yield_resume and ed25519_verify",
      find: "static void js_add_near_host_functions(JSContext* ctx) {\n",
      replace: `/* ---- added by @near-ts/contract-builder (c/host_extras.c) ---- */\n${extras}\n/* ---- end of additions ---- */\n\nstatic void js_add_near_host_functions(JSContext* ctx) {\n`,
      occurrences: 1,
    },
    {
      file: "builder.c",
      why: "register the added wrappers on the env object",
      find: '  JS_SetPropertyStr(ctx, global_obj, "env", env);\n',
      replace: `${registrations}\n  JS_SetPropertyStr(ctx, global_obj, "env", env);\n`,
      occurrences: 1,
    },
  ];
}

/** near-sdk-js's builder.c with our patches applied (checked to match exactly). */
export function patchedBuilderSource(nearSdkDir: string): string {
  const original = path.join(nearSdkDir, "builder", "builder.c");
  // the published file has CRLF line endings; patches are written with LF
  let text = readFileSync(original, "utf8").replace(/\r\n/g, "\n");
  for (const patch of builderPatches()) {
    const found = countOccurrences(text, patch.find);
    if (found !== patch.occurrences) {
      throw new SourceIntegrityError(
        `${original}: patch "${patch.why}" expected ${patch.occurrences} occurrence(s), found ${found}`,
        "the builder supports near-sdk-js 2.0.0 only: reinstall near-sdk-js@2.0.0 (npm ci)",
      );
    }
    text = text.split(patch.find).join(patch.replace);
  }
  return text;
}

/** Host functions builder.c declares (`extern ... name(`): they become the contract's env imports. */
export function declaredHostFunctions(builderSource: string): string[] {
  const names = new Set<string>();
  for (const match of builderSource.matchAll(/^extern\s+[\w\s*]+?\b(\w+)\s*\(/gm)) names.add(match[1]);
  names.delete("JS_Call");
  return [...names].sort();
}

export interface BackendOptions {
  /** binaryen optimisation after the link (-Oz) */
  wasmOpt: boolean;
  /** strip the name section */
  strip: boolean;
  verbose: boolean;
}

export interface BackendTimings {
  qjscMs: number;
  compileMs: number;
  linkMs: number;
  wasmOptMs: number;
}

export interface BackendResult {
  wasm: Uint8Array;
  summary: WasmSummary;
  methods: string[];
  timings: BackendTimings;
}

async function step<T>(name: string, file: string, args: string[], hint: string, cwd?: string): Promise<T | void> {
  try {
    await run(file, args, { cwd });
  } catch (error) {
    if (error instanceof ExecFailure) throw new CompileError(name, commandLine(file, args), error.output, hint);
    throw error;
  }
}

export async function compileContract(
  engine: Engine,
  nearSdkDir: string,
  workDir: string,
  entryLabel: string,
  exportsOfBundle: string[],
  options: BackendOptions,
): Promise<BackendResult> {
  const builderSource = patchedBuilderSource(nearSdkDir);
  const hostFunctions = declaredHostFunctions(builderSource);
  // near-sdk-js rejects `panic` by name; every other builder.c host function name clashes in C the same way
  for (const name of exportsOfBundle) {
    if (name === "panic" || hostFunctions.includes(name)) throw new ReservedMethodNameError(entryLabel, name);
  }
  const timings: BackendTimings = { qjscMs: 0, compileMs: 0, linkMs: 0, wasmOptMs: 0 };
  const toolchainHint = "the contract compiled in TypeScript but not in C: run with --verbose and report the command above";

  let t = performance.now();
  await step("qjsc (JS to QuickJS bytecode)", engine.qjsc, ["-c", "-m", "-o", "code.h", "-N", "code", "contract.js"], "the bundle uses syntax QuickJS 2021-03-27 does not support: see the qjsc message above", workDir);
  timings.qjscMs = performance.now() - t;

  writeFileSync(path.join(workDir, "methods.h"), exportsOfBundle.map((name) => `DEFINE_NEAR_METHOD(${name})\n`).join(""));
  writeFileSync(path.join(workDir, "builder.c"), builderSource);
  writeFileSync(path.join(workDir, "host-functions.txt"), `${hostFunctions.join("\n")}\n`);

  t = performance.now();
  try {
    await run(TOOLCHAIN.clang, [...engine.cflags, `-I${workDir}`, `-I${engine.includeDir}`, "-c", "builder.c", "-o", "builder.o"], { cwd: workDir });
  } catch (error) {
    if (!(error instanceof ExecFailure)) throw error;
    const clash = error.output.match(/(?:conflicting types for|redefinition of) '([A-Za-z0-9_$]+)'/);
    if (clash && exportsOfBundle.includes(clash[1])) throw new ReservedMethodNameError(entryLabel, clash[1]);
    throw new CompileError("clang (builder.c)", "clang builder.c", error.output, toolchainHint);
  }
  timings.compileMs = performance.now() - t;

  t = performance.now();
  const linkArgs = [
    "--target=wasm32-wasi",
    `--sysroot=${engine.sysroot}`,
    "-nostartfiles",
    "-Oz",
    ...(engine.lto ? ["-flto", "-Wl,--lto-O3"] : []),
    "builder.o",
    ...engine.objects,
    "-lm",
    "-Wl,--no-entry",
    // only builder.c's declared host functions may stay undefined (they become env imports);
    // anything else is a link error instead of a surprise import
    "-Wl,--allow-undefined-file=host-functions.txt",
    `-Wl,-z,stack-size=${STACK_SIZE}`,
    "-Wl,--fatal-warnings",
    ...(options.strip ? ["-Wl,--strip-all"] : ["-Wl,--strip-debug"]),
    "-o",
    "contract.wasm",
  ];
  await step("wasm-ld link", TOOLCHAIN.clang, linkArgs, "an undefined symbol other than a NEAR host function: see the linker message above", workDir);
  timings.linkMs = performance.now() - t;

  let wasm: Uint8Array = readFileSync(path.join(workDir, "contract.wasm"));
  if (options.wasmOpt) {
    t = performance.now();
    wasm = await optimizeWithBinaryen(wasm);
    timings.wasmOptMs = performance.now() - t;
  }

  const summary = readWasmSummary(wasm);
  const foreign = summary.imports.filter((i) => i.module !== "env").map((i) => `${i.module}.${i.name}`);
  if (foreign.length > 0) throw new ForbiddenImportsError(`${entryLabel} -> contract.wasm`, foreign);
  const exported = new Set(summary.exports.filter((e) => e.kind === "function").map((e) => e.name));
  const missing = exportsOfBundle.filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new ContractBuildError(`${entryLabel}: the Wasm does not export ${missing.join(", ")}`, "report this as a builder bug with --verbose output");
  }
  if (summary.largestFunctionBody > MAX_FUNCTION_BODY_SIZE) {
    throw new ContractBuildError(
      `${entryLabel}: a Wasm function body is ${summary.largestFunctionBody} bytes, above nearcore's max_function_body_size ${MAX_FUNCTION_BODY_SIZE}`,
      "build without binaryen optimisation (--no-wasm-opt), which may inline functions into larger bodies",
    );
  }
  if (summary.functionCount + summary.imports.length > MAX_FUNCTIONS) {
    throw new ContractBuildError(`${entryLabel}: ${summary.functionCount + summary.imports.length} functions, above nearcore's limit ${MAX_FUNCTIONS}`, "reduce the contract's code");
  }
  return { wasm, summary, methods: exportsOfBundle, timings };
}

let binaryenModule: Promise<typeof import("binaryen").default> | undefined;

/** binaryen -Oz limited to the features clang-14 emits (MVP, mutable globals, sign extension; all enabled in nearcore), so the optimiser adds none NEAR lacks. */
export async function optimizeWithBinaryen(wasm: Uint8Array): Promise<Uint8Array> {
  binaryenModule ??= import("binaryen").then((m) => m.default);
  const binaryen = await binaryenModule;
  const module = (binaryen.readBinary as (data: Uint8Array, features?: number) => ReturnType<typeof binaryen.readBinary>)(wasm, binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt);
  try {
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    module.optimize();
    if (!module.validate()) throw new ContractBuildError("binaryen produced an invalid module", "build with --no-wasm-opt and report this");
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/**
 * From the Rollup bundle to a NEAR contract. near-sdk-js's builder.c (patched copy: extra host
 * functions, one shared method entry) is compiled and linked with the cached engine objects and
 * optimised ONCE into a template; per contract only the host qjsc runs, and the contract module is
 * assembled from the template (bytecode as a data segment, one export per method; see
 * wasm-assemble.ts), then checked (imports only from env, exports, nearcore limits).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BUILDER_DIR } from "./paths.js";
import { publishDir, withDirLock } from "./cache-dir.js";
import { CompileError, ForbiddenImportsError, ReservedMethodNameError, SourceIntegrityError, ContractBuildError } from "./errors.js";
import { ExecFailure, commandLine, run } from "./exec.js";
import { pathMapFlags, type Engine } from "./engine.js";
import { countOccurrences, type SourcePatch } from "./quickjs-sources.js";
import { TOOLCHAIN } from "./toolchain.js";
import { readWasmSummary, type WasmSummary } from "./wasm.js";
import { DROPPABLE_INTRINSICS, loadBabel, transformBundle, type BundleTransformResult, type DroppableIntrinsic, type EvalUse } from "./bundle-transform.js";
import { preinitializeContract, preinitPatches } from "./preinit.js";
import { shippedQjsc, shippedTemplate, shippedTemplateFor, templateId, type ArtefactContext } from "./artefacts.js";
import { compileWithQjscWasm } from "./qjsc-wasm.js";
import { assembleContract, CodeAreaOverflowError, readTemplateLayout, type TemplateLayout } from "./wasm-assemble.js";

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
  return applySourcePatches(readFileSync(original, "utf8").replace(/\r\n/g, "\n"), builderPatches(), original);
}

/** Host functions builder.c declares (`extern ... name(`): they become the contract's env imports. */
export function declaredHostFunctions(builderSource: string): string[] {
  const names = new Set<string>();
  for (const match of builderSource.matchAll(/^extern\s+[\w\s*]+?\b(\w+)\s*\(/gm)) names.add(match[1]);
  names.delete("JS_Call");
  return [...names].sort();
}

/** Bytes reserved in the template for a contract's QuickJS bytecode and method names. */
export const CODE_CAPACITY = 1024 * 1024;

export interface TemplateOptions {
  /** binaryen -Oz on the template (once per engine) */
  wasmOpt: boolean;
  /** keep JS_AddIntrinsicEval (eval / new Function); off drops the QuickJS compiler from the Wasm */
  allowEval: boolean;
  /** intrinsics left out of every context (the contract cannot reach them; see bundle-transform.ts) */
  dropIntrinsics?: DroppableIntrinsic[];
  /** add `__near_ts_preinit` and the method entry's fast path for a pre-initialised snapshot (preinit.ts) */
  preinit?: boolean;
}

/** Per-contract choices of the runtime, decided from the bundle (BuildOptions documents each). */
export interface RuntimeOptions {
  wasmOpt: boolean;
  /** true: keep eval; false: drop it (the build fails if the bundle uses it); "auto": keep it only if the bundle uses it */
  allowEval: boolean | "auto";
  /** leave out the intrinsics the bundle cannot reach */
  trimRuntime: boolean;
  /** keep line numbers and function source in the bytecode */
  debugInfo: boolean;
  /** snapshot the runtime, context and evaluated module at build time (preinit.ts); unset = false */
  preinitialize?: boolean;
}

/** Patches turning builder.c into the shared template: one method entry taking the name, `code` in a reserved area. */
export function templatePatches(options: TemplateOptions): SourcePatch[] {
  const patches: SourcePatch[] = [
    {
      file: "builder.c",
      why: "take the bytecode from the reserved area the builder fills per contract",
      find: '#include "code.h"\n',
      replace: '#include "near_template_code.h"\n',
      occurrences: 1,
    },
    {
      file: "builder.c",
      why: "one shared method entry instead of one C function per method (the builder adds a Wasm export per method that calls it)",
      find: "  void name () __attribute__((export_name(#name))) {\\\n",
      replace: '  __attribute__((export_name("__near_run_method"))) void near_run_method(const char *method_name) {\\\n',
      occurrences: 1,
    },
    {
      file: "builder.c",
      why: "look the method up by the name passed in",
      find: "JS_NewAtom(ctx, #name)",
      replace: "JS_NewAtom(ctx, method_name)",
      occurrences: 1,
    },
  ];
  if (!options.allowEval) {
    patches.push({
      file: "builder.c",
      why: "no eval/new Function: contracts ship precompiled bytecode, and without it the linker drops the QuickJS parser and compiler (about 80 KB)",
      find: "  JS_AddIntrinsicEval(ctx);\n",
      replace: "  /* JS_AddIntrinsicEval(ctx); removed by @near-ts/contract-builder: eval and new Function throw \"eval is not supported\" */\n",
      occurrences: 1,
    });
  }
  for (const intrinsic of [...(options.dropIntrinsics ?? [])].sort()) {
    patches.push({
      file: "builder.c",
      why: `the contract cannot reach ${intrinsic} (no name, property or string of it in the bundle): not creating it saves gas at every call, and the linker drops its code`,
      find: `  JS_AddIntrinsic${intrinsic}(ctx);\n`,
      replace: `  /* JS_AddIntrinsic${intrinsic}(ctx); left out by @near-ts/contract-builder: unreachable from this contract */\n`,
      occurrences: 1,
    });
  }
  if (options.preinit) patches.push(...preinitPatches());
  return patches;
}

const TEMPLATE_CODE_HEADER = `/* Written by @near-ts/contract-builder: the contract's bytecode and method names are placed in
   \`code\` (and its length in \`code_size\`) by active data segments the builder appends per contract. */
#include <stdint.h>
#define NEAR_CODE_CAPACITY ${CODE_CAPACITY}
uint8_t code[NEAR_CODE_CAPACITY] __attribute__((aligned(16)));
volatile uint32_t code_size;
__attribute__((export_name("__near_code_address"))) uint32_t near_code_address(void) { return (uint32_t)(uintptr_t)code; }
__attribute__((export_name("__near_code_size_address"))) uint32_t near_code_size_address(void) { return (uint32_t)(uintptr_t)&code_size; }
__attribute__((export_name("__near_code_capacity"))) uint32_t near_code_capacity(void) { return NEAR_CODE_CAPACITY; }
`;

function applySourcePatches(text: string, patches: SourcePatch[], origin: string): string {
  for (const patch of patches) {
    const found = countOccurrences(text, patch.find);
    if (found !== patch.occurrences) {
      throw new SourceIntegrityError(
        `${origin}: patch "${patch.why}" expected ${patch.occurrences} occurrence(s), found ${found}`,
        "the builder supports near-sdk-js 2.0.0 only: reinstall near-sdk-js@2.0.0 (npm ci)",
      );
    }
    text = text.split(patch.find).join(patch.replace);
  }
  return text;
}

/** near-sdk-js's builder.c as the template with these options compiles it (our patches, then the template's). */
export function templateBuilderSource(nearSdkDir: string, options: TemplateOptions): string {
  return applySourcePatches(patchedBuilderSource(nearSdkDir), templatePatches(options), path.join(nearSdkDir, "builder", "builder.c"));
}

/** Cache key of a template: the engine, the patched builder.c (which carries the eval and intrinsic choices) and every option. */
export function templateKey(engineKey: string, builderSource: string, options: TemplateOptions): string {
  const normalised = { wasmOpt: options.wasmOpt, allowEval: options.allowEval, dropIntrinsics: [...(options.dropIntrinsics ?? [])].sort(), ...(options.preinit ? { preinit: true } : {}) };
  return createHash("sha256").update(engineKey).update(builderSource).update(TEMPLATE_CODE_HEADER).update(JSON.stringify(normalised)).digest("hex").slice(0, 16);
}

export interface Template {
  key: string;
  wasm: Uint8Array;
  layout: TemplateLayout;
  hostFunctions: string[];
  /** how long building it took (0 when it came from the cache) */
  buildMs: number;
}

/**
 * The contract template: builder.c (patched) linked with the cached engine objects and optimised,
 * built once per engine and options and cached next to the engine.
 */
export async function ensureTemplate(engine: Engine, nearSdkDir: string, options: TemplateOptions, log: (line: string) => void = () => {}): Promise<Template> {
  const started = performance.now();
  const builderSource = templateBuilderSource(nearSdkDir, options);
  const hostFunctions = declaredHostFunctions(builderSource);
  const key = templateKey(engine.key, builderSource, options);
  const dir = path.join(engine.dir, "templates", key);
  const wasmFile = path.join(dir, "template.wasm");
  const layoutFile = path.join(dir, "layout.json");
  const cached = (): Template => ({ key, wasm: readFileSync(wasmFile), layout: JSON.parse(readFileSync(layoutFile, "utf8")) as TemplateLayout, hostFunctions, buildMs: 0 });
  if (existsSync(layoutFile)) return cached();
  return withDirLock(dir, async () => {
    if (existsSync(layoutFile)) return cached();
    await linkTemplate(engine, builderSource, hostFunctions, options, dir, log);
    return { ...cached(), buildMs: performance.now() - started };
  });
}

async function linkTemplate(engine: Engine, builderSource: string, hostFunctions: string[], options: TemplateOptions, dir: string, log: (line: string) => void): Promise<void> {
  const dropped = options.dropIntrinsics?.length ? `, without ${options.dropIntrinsics.join(", ")}` : "";
  log(`linking the contract template once (${options.wasmOpt ? "with binaryen -Oz, " : ""}${options.allowEval ? "with" : "without"} eval${dropped}${options.preinit ? ", pre-initialisable" : ""})...`);
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, "builder.c"), builderSource);
  writeFileSync(path.join(staging, "near_template_code.h"), TEMPLATE_CODE_HEADER);
  writeFileSync(path.join(staging, "methods.h"), "DEFINE_NEAR_METHOD(near_run_method)\n");
  writeFileSync(path.join(staging, "host-functions.txt"), `${hostFunctions.join("\n")}\n`);
  const hint = `a toolchain problem, not a contract problem: delete ${engine.dir} and rebuild with --verbose`;
  const mapped = pathMapFlags({ [staging]: "template", [engine.includeDir]: "quickjs", [engine.sysroot]: "wasi-sysroot" });
  await step("clang (builder.c template)", TOOLCHAIN.clang, [...engine.cflags, ...mapped, `-I${staging}`, `-I${engine.includeDir}`, "-c", "builder.c", "-o", "builder.o"], hint, staging);
  const linkArgs = [
    "--target=wasm32-wasi",
    `--sysroot=${engine.sysroot}`,
    "-nostartfiles",
    ...(engine.lto ? ["-Oz", "-flto", "-Wl,--lto-O3"] : []),
    "builder.o",
    ...engine.objects,
    "-lm",
    "-Wl,--no-entry",
    // only builder.c's declared host functions may stay undefined (they become env imports);
    // anything else is a link error instead of a surprise import
    "-Wl,--allow-undefined-file=host-functions.txt",
    `-Wl,-z,stack-size=${STACK_SIZE}`,
    "-Wl,--fatal-warnings",
    "-Wl,--strip-all",
    "-o",
    "template.wasm",
  ];
  await step("wasm-ld link (template)", TOOLCHAIN.clang, linkArgs, hint, staging);
  let wasm: Uint8Array = readFileSync(path.join(staging, "template.wasm"));
  if (options.wasmOpt) wasm = await optimizeWithBinaryen(wasm);
  writeFileSync(path.join(staging, "template.wasm"), wasm);
  const layout = readTemplateLayout(wasm);
  writeFileSync(path.join(staging, "layout.json"), JSON.stringify(layout, null, 2));
  writeFileSync(path.join(staging, "options.json"), JSON.stringify(options, null, 2));
  publishDir(staging, dir, "layout.json");
}

export interface BackendTimings {
  /** bundle transform (bundle-transform.ts) */
  transformMs: number;
  /** template link when this contract needed a template not cached yet (0 otherwise) */
  templateMs: number;
  qjscMs: number;
  assembleMs: number;
  /** running __near_ts_preinit and writing the snapshot (0 without preinitialize) */
  preinitMs: number;
}

export interface BackendResult {
  wasm: Uint8Array;
  summary: WasmSummary;
  methods: string[];
  timings: BackendTimings;
  /** what the bundle transform did and found */
  transform: Omit<BundleTransformResult, "code">;
  /** the template options chosen for this contract */
  template: TemplateOptions;
  /** the pre-initialised snapshot (only with preinitialize) */
  preinit?: { snapshotBytes: number; dataSegments: number };
}

/** Replace `latest` by `dir` (for inspection); another build doing the same at once may win instead. */
function keepAsLatest(dir: string, latest: string): void {
  try {
    rmSync(latest, { recursive: true, force: true });
    renameSync(dir, latest);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Name of the bundle file qjsc compiles; it is the module name inside the bytecode. */
const BUNDLE_FILE = "contract.js";

function describeEvalUses(uses: EvalUse[]): string {
  const shown = uses.slice(0, 3).map((u) => `${BUNDLE_FILE}:${u.line}:${u.column} ${u.code}`).join("; ");
  return uses.length > 3 ? `${shown} (and ${uses.length - 3} more)` : shown;
}

/**
 * The runtime a contract gets: eval only if asked for or (auto) if the bundle uses it; every
 * droppable intrinsic it cannot reach left out when trimming.
 */
export function chooseTemplateOptions(entryLabel: string, transform: Pick<BundleTransformResult, "evalUses" | "reachableIntrinsics">, runtime: RuntimeOptions, log: (line: string) => void = () => {}): TemplateOptions {
  const usesEval = transform.evalUses.length > 0;
  if (runtime.allowEval === false && usesEval) {
    throw new ContractBuildError(
      `${entryLabel}: the contract uses eval or the Function constructor (${describeEvalUses(transform.evalUses)} in the bundle), which a build without eval removes`,
      "drop --no-eval (allowEval: false): by default the runtime keeps eval exactly when the contract uses it; or remove the eval / new Function use",
    );
  }
  const allowEval = runtime.allowEval === "auto" ? usesEval : runtime.allowEval;
  if (runtime.allowEval === "auto" && usesEval) log(`${entryLabel}: keeping eval in the runtime (about 70 KB) for ${describeEvalUses(transform.evalUses)}`);
  const dropIntrinsics = runtime.trimRuntime ? (Object.keys(DROPPABLE_INTRINSICS) as DroppableIntrinsic[]).filter((i) => !transform.reachableIntrinsics.includes(i)).sort() : [];
  return { wasmOpt: runtime.wasmOpt, allowEval, dropIntrinsics, ...(runtime.preinitialize ? { preinit: true } : {}) };
}

async function step(name: string, file: string, args: string[], hint: string, cwd?: string): Promise<void> {
  try {
    await run(file, args, { cwd });
  } catch (error) {
    if (error instanceof ExecFailure) throw new CompileError(name, commandLine(file, args), error.output, hint);
    throw error;
  }
}

/** The bytes of qjsc's C output (`const uint8_t code[N] = { 0x.., ... };`). */
export function bytecodeFromHeader(header: string): Uint8Array {
  const size = header.match(/const uint32_t code_size = (\d+);/);
  const body = header.match(/const uint8_t code\[\d+\] = \{([^}]*)\}/);
  if (!size || !body) throw new Error("unexpected qjsc output: no code array");
  const bytes = Uint8Array.from(body[1].match(/0x[0-9a-fA-F]{2}/g) ?? [], (h) => parseInt(h, 16));
  if (bytes.length !== Number(size[1])) throw new Error(`qjsc output: code_size ${size[1]} but ${bytes.length} bytes`);
  return bytes;
}

/** near-sdk-js reserves `panic`; builder.c host function names and `memory` would clash as well. */
export function checkMethodNames(entryLabel: string, methods: string[], hostFunctions: string[]): void {
  for (const name of methods) {
    if (name === "panic" || name === "memory" || hostFunctions.includes(name)) throw new ReservedMethodNameError(entryLabel, name);
  }
}

/**
 * Transform the bundle (<workDir>/contract.js), pick and fetch the template it needs, qjsc the result,
 * then assemble the contract from the template and check it.
 */
/**
 * Where a contract's template and its JS compiler come from: the shipped artefacts (default: no compiler
 * runs, artefacts.ts), or the native toolchain (clang-14 and gcc: exactly the runtime asked for, and the
 * template options only it makes, `--lto` / `--no-wasm-opt`; the maintainers' route).
 */
export type ContractToolchain = { kind: "shipped"; artefacts: ArtefactContext } | { kind: "native"; engine: Engine };

export async function compileContract(toolchain: ContractToolchain, nearSdkDir: string, workDir: string, entryLabel: string, methods: string[], runtime: RuntimeOptions, log: (line: string) => void = () => {}): Promise<BackendResult> {
  const timings: BackendTimings = { transformMs: 0, templateMs: 0, qjscMs: 0, assembleMs: 0, preinitMs: 0 };
  let t = performance.now();
  const { code, ...transform } = transformBundle(loadBabel(nearSdkDir), readFileSync(path.join(workDir, BUNDLE_FILE), "utf8"), { debugInfo: runtime.debugInfo });
  timings.transformMs = performance.now() - t;

  const wanted = chooseTemplateOptions(entryLabel, transform, runtime, log);
  let templateOptions = wanted;
  if (toolchain.kind === "shipped") {
    const shipped = shippedTemplateFor(wanted);
    if (!shipped) throw new ContractBuildError(`${entryLabel}: no shipped template has the runtime ${templateId(wanted)}`, "template options other than the shipped ones (--no-wasm-opt, --lto) need the native toolchain: add --native-toolchain");
    if (templateId(shipped) !== templateId(wanted)) log(`${entryLabel}: the shipped runtime nearest to ${templateId(wanted)} is ${templateId(shipped)} (it keeps intrinsics the contract cannot reach; --native-toolchain builds the exact one)`);
    templateOptions = shipped;
  }
  const left = [...(templateOptions.allowEval ? [] : ["eval"]), ...(templateOptions.dropIntrinsics ?? [])];
  log(`${entryLabel}: runtime without ${left.length ? left.join(", ") : "nothing"}; ${transform.fastDecoratedMethods} decorated methods on the fast path, ${transform.foldedBigInts} BigInt expressions folded${runtime.debugInfo ? "" : ", debug info stripped"}`);
  const template = toolchain.kind === "shipped" ? await shippedTemplate(templateOptions, toolchain.artefacts) : await ensureTemplate(toolchain.engine, nearSdkDir, templateOptions, log);
  timings.templateMs = template.buildMs;
  checkMethodNames(entryLabel, methods, template.hostFunctions);

  t = performance.now();
  // the transformed bundle goes to a folder of its own under the same file name (the name is the
  // bytecode's module name); one folder per build, so builds of one contract with other options at the
  // same time (tests do) never read each other's half-written code.h. The last one stays as runtime/.
  const qjsDir = mkdtempSync(path.join(workDir, "runtime-"));
  let bytecode: Uint8Array;
  try {
    writeFileSync(path.join(qjsDir, BUNDLE_FILE), code);
    // a relative module name keeps the bytecode independent of where the repository lives
    if (toolchain.kind === "shipped") {
      const qjsc = await shippedQjsc(toolchain.artefacts);
      timings.templateMs += qjsc.madeMs;
      bytecode = await compileWithQjscWasm(qjsc.file, qjsDir, BUNDLE_FILE);
    } else {
      await step("qjsc (JS to QuickJS bytecode)", toolchain.engine.qjsc, ["-c", "-m", "-o", "code.h", "-N", "code", BUNDLE_FILE], "the bundle uses syntax QuickJS 2021-03-27 does not support: see the qjsc message above", qjsDir);
      bytecode = bytecodeFromHeader(readFileSync(path.join(qjsDir, "code.h"), "utf8"));
    }
  } catch (error) {
    rmSync(qjsDir, { recursive: true, force: true });
    throw error;
  }
  timings.qjscMs = performance.now() - t;
  keepAsLatest(qjsDir, path.join(workDir, "runtime"));

  t = performance.now();
  let wasm: Uint8Array;
  try {
    wasm = assembleContract(template.wasm, template.layout, bytecode, methods);
  } catch (error) {
    if (error instanceof CodeAreaOverflowError) {
      throw new ContractBuildError(`${entryLabel}: ${error.message}`, `raise CODE_CAPACITY in packages/contract-builder/src/backend.ts or split the contract`);
    }
    throw error;
  }
  timings.assembleMs = performance.now() - t;
  let preinit: BackendResult["preinit"];
  if (templateOptions.preinit) {
    t = performance.now();
    // JS_ReadObject copies what it reads, so the bytecode is dead once the module is loaded; the method names after it stay
    const snapshot = preinitializeContract(wasm, { label: entryLabel, stackSize: STACK_SIZE, deadRanges: [[template.layout.codeAddress, template.layout.codeAddress + bytecode.length]] });
    wasm = snapshot.wasm;
    preinit = { snapshotBytes: snapshot.snapshotBytes, dataSegments: snapshot.dataSegments };
    log(`${entryLabel}: pre-initialised: ${snapshot.snapshotBytes} bytes of memory in ${snapshot.dataSegments} data segments`);
    timings.preinitMs = performance.now() - t;
  }
  writeFileSync(path.join(workDir, "contract.wasm"), wasm);

  const summary = readWasmSummary(wasm);
  const foreign = summary.imports.filter((i) => i.module !== "env").map((i) => `${i.module}.${i.name}`);
  if (foreign.length > 0) throw new ForbiddenImportsError(`${entryLabel} -> contract.wasm`, foreign);
  const exported = new Set(summary.exports.filter((e) => e.kind === "function").map((e) => e.name));
  const missing = methods.filter((name) => !exported.has(name));
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
  if (templateOptions.preinit) await validateWithBinaryen(entryLabel, wasm);
  return { wasm, summary, methods, timings, transform, template: templateOptions, preinit };
}

let binaryenModule: Promise<typeof import("binaryen").default> | undefined;

/** binaryen's validator on an edited contract (the features clang emits, as optimizeWithBinaryen). */
async function validateWithBinaryen(entryLabel: string, wasm: Uint8Array): Promise<void> {
  binaryenModule ??= import("binaryen").then((m) => m.default);
  const binaryen = await binaryenModule;
  const module = (binaryen.readBinary as (data: Uint8Array, features?: number) => ReturnType<typeof binaryen.readBinary>)(wasm, binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt);
  try {
    if (!module.validate()) throw new ContractBuildError(`${entryLabel}: the pre-initialised Wasm does not validate`, "build without preinitialize and report this");
  } finally {
    module.dispose();
  }
}

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

/**
 * near-sdk-js 2.0.0's own front end, run in-process: its TypeScript 4.7 type-check (same options as
 * its `tsc --noEmit --skipLibCheck --experimentalDecorators --target es2020 --moduleResolution node`),
 * its validateContract, Rollup + Babel with its include-bytes and near-bindgen exporter plugins, and
 * its ABI generator. Everything is loaded from node_modules/near-sdk-js (and the versions it resolves).
 *
 * Two halves run at the same time on the machine's two cores:
 *  - the *checker* (type-check, then the ABI from the type-check's program) in a worker thread, which
 *    alone loads TypeScript and the JSON-schema generator;
 *  - validateContract (ts-morph), then the *bundler* (Rollup + Babel), in the calling thread.
 * Neither reads the other's output, so running them side by side changes no result; the build reports
 * a checker error before a bundler error, as the sequential order did.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import v8 from "node:v8";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import type * as TS from "typescript";
import { ContractBuildError, ContractValidationError, TypeScriptCheckError, type TypeScriptDiagnostic } from "./errors.js";
import { projectPaths } from "./paths.js";
import { cloneDeepAlias } from "./clone-deep-alias.js";

type TypeScript = typeof TS;

/**
 * Node parses the source map of every module it loads while source maps are enabled (tsx enables
 * them); Babel's and Rollup's packages ship maps, which cost ~0.4 s CPU per fresh process (measured
 * with --cpu-prof). Tool modules are loaded with maps off; the builder's own stack traces keep theirs
 * (its modules are already loaded).
 */
async function withoutSourceMaps<T>(load: () => Promise<T>): Promise<T> {
  const enabled = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true;
  if (enabled) process.setSourceMapsEnabled(false);
  try {
    return await load();
  } finally {
    if (enabled) process.setSourceMapsEnabled(true);
  }
}

/** The @types directory near-sdk-js resolves (the root overrides @types/node to 16.18.126 under it). */
function nearSdkTypeRoots(nearSdkDir: string): string[] {
  const require = createRequire(path.join(nearSdkDir, "package.json"));
  return [path.dirname(path.dirname(require.resolve("@types/node/package.json")))];
}

/** near-sdk-js's tsc options as tsconfig JSON (its ABI generator reads a tsconfig file). */
export function nearSdkTsconfig(nearSdkDir: string): Record<string, unknown> {
  return {
    compilerOptions: {
      noEmit: true,
      skipLibCheck: true,
      experimentalDecorators: true,
      target: "es2020",
      moduleResolution: "node",
      typeRoots: nearSdkTypeRoots(nearSdkDir),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Bundler (calling thread)
// ---------------------------------------------------------------------------------------------------

interface RollupBundle {
  generate(options: Record<string, unknown>): Promise<{ output: Array<{ type: string; code?: string; exports?: string[] }> }>;
  close?: () => Promise<void>;
  cache?: unknown;
}

export interface Bundler {
  rollup: (options: Record<string, unknown>) => Promise<RollupBundle>;
  nodeResolve: (options: Record<string, unknown>) => unknown;
  babel: (options: Record<string, unknown>) => unknown;
  presetTypescript: string;
  pluginDecorators: string;
  includeBytes: unknown;
  nearBindgenExporter: unknown;
  /**
   * What the transformed modules depend on besides their own source: near-sdk-js's version and the
   * exact versions of Rollup, its plugins and Babel. Names the on-disk module cache, so a cache written
   * by other tool versions is never read.
   */
  toolsKey: string;
}

const bundlers = new Map<string, Promise<Bundler>>();

/** near-sdk-js's Rollup, Babel and plugins, loaded once per process. */
export function loadBundler(nearSdkDir: string): Promise<Bundler> {
  let loaded = bundlers.get(nearSdkDir);
  if (!loaded) {
    loaded = withoutSourceMaps(async () => {
      const require = createRequire(path.join(nearSdkDir, "package.json"));
      // Rollup 2 and these plugins ship CommonJS: `require` skips the ESM loader (and its export
      // scan of rollup.js); near-sdk-js's own plugins are ES modules
      const rollupModule = require("rollup");
      const resolveModule = require("@rollup/plugin-node-resolve");
      const babelModule = require("@rollup/plugin-babel");
      const [includeBytes, exporter] = await Promise.all([
        import(pathToFileURL(path.join(nearSdkDir, "lib/cli/build-tools/include-bytes.js")).href),
        import(pathToFileURL(path.join(nearSdkDir, "lib/cli/build-tools/near-bindgen-exporter.js")).href),
      ]);
      const rollup = rollupModule.rollup ?? rollupModule.default.rollup;
      const versions = {
        "near-sdk-js": (require("./package.json") as { version: string }).version,
        rollup: (rollupModule.VERSION ?? rollupModule.default?.VERSION) as string,
        ...Object.fromEntries(
          ["@rollup/plugin-node-resolve", "@rollup/plugin-babel", "@babel/core", "@babel/preset-typescript", "@babel/plugin-proposal-decorators", "@babel/types"].map((name) => [name, packageVersion(require, name)]),
        ),
      };
      return {
        rollup,
        nodeResolve: resolveModule.nodeResolve ?? resolveModule.default,
        babel: babelModule.babel ?? babelModule.default.babel,
        presetTypescript: require.resolve("@babel/preset-typescript"),
        pluginDecorators: require.resolve("@babel/plugin-proposal-decorators"),
        includeBytes: includeBytes.default,
        nearBindgenExporter: exporter.default,
        toolsKey: JSON.stringify(versions),
      };
    });
    bundlers.set(nearSdkDir, loaded);
  }
  return loaded;
}

/** A package's version as `require` from near-sdk-js resolves it (read from its package.json on disk). */
function packageVersion(require: NodeJS.Require, name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

/** near-sdk-js's createJsFileWithRullup plugins (its configuration minus source maps). */
function rollupPlugins(bundler: Bundler, verbose: boolean): unknown[] {
  return [
    cloneDeepAlias(),
    bundler.nodeResolve({ extensions: [".js", ".ts"] }),
    bundler.babel({
      babelHelpers: "bundled",
      babelrc: false,
      configFile: false,
      extensions: [".ts", ".js", ".jsx", ".es6", ".es", ".mjs"],
      presets: [bundler.presetTypescript],
      plugins: [bundler.includeBytes, [bundler.nearBindgenExporter, { verbose }], [bundler.pluginDecorators, { version: "legacy" }]],
    }),
  ];
}

/** Describes the Babel/Rollup configuration above; part of the module cache's key. */
const ROLLUP_CONFIG_ID = "clone-deep-alias node-resolve[.js,.ts] babel(bundled, preset-typescript, include-bytes, near-bindgen-exporter, decorators legacy) es";

interface CachedModule {
  id: string;
  originalCode?: string;
}

/**
 * Rollup's module cache (Babel's output and the AST per module), kept on disk and shared by all
 * contracts: near-sdk-js and its dependencies are transformed once, and a rebuild re-transforms only the
 * modules whose source changed (Rollup reuses a cached module only when its source text is identical).
 * The folder is named by a hash of the tool versions and the configuration, so a cache made by another
 * near-sdk-js, Rollup or Babel is never read. Stored with v8.serialize (BigInt and RegExp literals in
 * the AST survive; 3x faster to read than JSON with a reviver, measured). node_modules modules and
 * project modules are stored apart, so a rebuild rewrites only the small project part; project
 * modules whose file is gone (scratch copies, test roots) are dropped when it is rewritten.
 */
class RollupModuleCache {
  private modules: Map<string, CachedModule> | undefined;
  constructor(readonly dir: string) {}

  private partFile(part: "deps" | "project"): string {
    return path.join(this.dir, `${part}.v8`);
  }

  private static partOf(id: string): "deps" | "project" {
    return id.includes(`${path.sep}node_modules${path.sep}`) ? "deps" : "project";
  }

  load(): { modules: CachedModule[] } {
    if (!this.modules) {
      this.modules = new Map();
      for (const part of ["deps", "project"] as const) {
        const file = this.partFile(part);
        if (!existsSync(file)) continue;
        try {
          const parsed = v8.deserialize(readFileSync(file)) as { modules?: CachedModule[] };
          for (const m of parsed.modules ?? []) this.modules.set(m.id, m);
        } catch {
          // a damaged cache only costs time
        }
      }
    }
    return { modules: [...this.modules.values()] };
  }

  save(cache: { modules?: CachedModule[] } | undefined): void {
    if (!cache?.modules) return;
    this.load();
    const dirty = new Set<"deps" | "project">();
    for (const m of cache.modules) {
      const previous = this.modules!.get(m.id);
      if (!previous || previous.originalCode !== m.originalCode) dirty.add(RollupModuleCache.partOf(m.id));
      this.modules!.set(m.id, m);
    }
    mkdirSync(this.dir, { recursive: true });
    for (const part of dirty) {
      const modules = [...this.modules!.values()].filter((m) => RollupModuleCache.partOf(m.id) === part && (part === "deps" || existsSync(m.id)));
      const file = this.partFile(part);
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, v8.serialize({ modules }));
      renameSync(tmp, file);
    }
  }
}

const rollupCaches = new Map<string, RollupModuleCache>();

/** The module cache folder for these tools and options under the builder's cache folder. */
export function rollupCacheDir(bundler: Bundler, cacheDir: string, verbose: boolean): string {
  const key = createHash("sha256").update(bundler.toolsKey).update("\0").update(ROLLUP_CONFIG_ID).update(`\0verbose=${verbose}`).digest("hex").slice(0, 16);
  return path.join(cacheDir, "rollup-cache", key);
}

export interface BundleResult {
  code: string;
  exports: string[];
}

/**
 * lodash-es (a near-sdk-js dependency) finds the global object with `Function('return this')()`,
 * which needs eval. Without eval the builder rewrites that idiom to `globalThis` (same value).
 */
export const GLOBAL_THIS_IDIOM = "Function('return this')()";

/** near-sdk-js's createJsFileWithRullup configuration (minus source maps), output kept in memory. */
export async function bundle(bundler: Bundler, entry: string, outFile: string, cacheDir: string, verbose: boolean, allowEval = true): Promise<BundleResult> {
  const dir = rollupCacheDir(bundler, cacheDir, verbose);
  let cache = rollupCaches.get(dir);
  if (!cache) rollupCaches.set(dir, (cache = new RollupModuleCache(dir)));
  const built = await bundler.rollup({ input: entry, cache: cache.load(), onwarn: verbose ? undefined : () => {}, plugins: rollupPlugins(bundler, verbose) });
  cache.save(built.cache as { modules?: CachedModule[] });
  const { output } = await built.generate({ format: "es" });
  await built.close?.();
  const chunk = output.find((o) => o.type === "chunk");
  if (!chunk?.code) throw new Error(`rollup produced no chunk for ${entry}`);
  const code = allowEval ? chunk.code : chunk.code.split(GLOBAL_THIS_IDIOM).join("globalThis");
  writeFileSync(outFile, code);
  return { code, exports: chunk.exports ?? [] };
}

const validators = new Map<string, Promise<(contractPath: string, verbose?: boolean) => Promise<boolean>>>();

/**
 * near-sdk-js's validateContract (ts-morph, syntax of the entry file only), run in the calling thread
 * before bundling; it reports through signale, so its output is captured for the error. It reads the
 * entry file and nothing else, so a pass is remembered (a marker file named by the hash of
 * near-sdk-js's and ts-morph's versions and the entry's path and text): a rebuild after an edit elsewhere (contracts/lib,
 * another module of the contract) skips loading ts-morph and its own TypeScript copy (~1.5 s CPU).
 */
export async function validate(nearSdkDir: string, entry: string, root: string, verbose: boolean): Promise<void> {
  const require = createRequire(path.join(nearSdkDir, "package.json"));
  const sdkVersion = (JSON.parse(readFileSync(path.join(nearSdkDir, "package.json"), "utf8")) as { version: string }).version;
  const tools = `near-sdk-js ${sdkVersion}, ts-morph ${packageVersion(require, "ts-morph")}`;
  const passed = path.join(projectPaths().cacheDir, "validated", createHash("sha256").update(`${tools}\0${entry}\0`).update(readFileSync(entry)).digest("hex"));
  if (existsSync(passed)) return;
  let loading = validators.get(nearSdkDir);
  if (!loading) {
    loading = withoutSourceMaps(async () => (await import(pathToFileURL(path.join(nearSdkDir, "lib/cli/utils.js")).href)).validateContract);
    validators.set(nearSdkDir, loading);
  }
  const validateContract = await loading;
  const captured: string[] = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const capture = (chunk: unknown): boolean => {
    captured.push(String(chunk));
    return true;
  };
  let ok: boolean;
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    ok = await validateContract(entry, verbose);
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
  }
  if (verbose) originalErr(captured.join(""));
  if (!ok) {
    // eslint-disable-next-line no-control-regex
    const detail = captured.join("").replace(/\u001b\[[0-9;]*m/g, "").replace(/\s+/g, " ").replace(/^.*?(All parameters)/, "$1").trim();
    throw new ContractValidationError(path.relative(root, entry), detail || "uninitialized class properties");
  }
  mkdirSync(path.dirname(passed), { recursive: true });
  writeFileSync(passed, "");
}

// ---------------------------------------------------------------------------------------------------
// Checker (worker thread): type-check, ABI
// ---------------------------------------------------------------------------------------------------

export interface CheckRequest {
  /** the contract's entry file */
  entry: string;
  /** repository root (file names in messages are relative to it) */
  root: string;
  /** run near-sdk-js's type-check (a TypeScript entry); false: only read the entry's exported classes (JavaScript, as near-sdk-js skips tsc) */
  typeCheck: boolean;
  /** generate the ABI: NEP-330 metadata from packageJson, compiler options from tsconfig */
  abi?: { packageJson: string; tsconfig: string };
}

export interface CheckResult {
  /** names of classes exported by the entry file (exported too, but not methods) */
  exportedClasses: string[];
  abi?: unknown;
  /** the ABI generator's failure, reported by the build only once the Wasm is built (as before) */
  abiError?: ContractBuildError;
  timings: { typeCheckMs: number; abiMs: number };
}

type SerializedError =
  | { kind: "typescript"; entry: string; diagnostics: TypeScriptDiagnostic[] }
  | { kind: "build"; message: string; hint: string }
  | { kind: "crash"; message: string; stack?: string };

function serializeError(error: unknown): SerializedError {
  if (error instanceof TypeScriptCheckError) return { kind: "typescript", entry: error.entry, diagnostics: error.diagnostics };
  if (error instanceof ContractBuildError) return { kind: "build", message: error.message, hint: error.hint };
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: "crash", message: e.message, stack: e.stack };
}

function deserializeError(e: SerializedError): Error {
  switch (e.kind) {
    case "typescript":
      return new TypeScriptCheckError(e.entry, e.diagnostics);
    case "build":
      return new ContractBuildError(e.message, e.hint);
    case "crash": {
      const error = new Error(`type-check worker: ${e.message}`);
      if (e.stack) error.stack = `${error.message}\n${e.stack}`;
      return error;
    }
  }
}

interface WorkerReply {
  id: number;
  result?: Omit<CheckResult, "abiError"> & { abiError?: SerializedError };
  error?: SerializedError;
}

/** One checker worker per process and near-sdk-js folder; it keeps parsed files and results warm. */
class CheckerWorker {
  private worker: Promise<Worker> | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  constructor(private readonly nearSdkDir: string) {}

  private async start(): Promise<Worker> {
    const worker = new Worker(await checkerEntry(), { workerData: { role: CHECKER_ROLE, nearSdkDir: this.nearSdkDir } });
    worker.on("message", (reply: WorkerReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref(); // an idle worker must not keep the process alive
      waiting?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.worker = undefined;
      worker.removeAllListeners();
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`type-check worker exited with code ${code}`)));
    return worker;
  }

  /** Load TypeScript and the checker's tools now (while the caller loads Rollup). */
  warmUp(): void {
    if (!this.worker) {
      this.worker = this.start();
      this.worker.then((w) => w.unref(), () => {});
    }
  }

  async check(request: CheckRequest): Promise<CheckResult> {
    if (!this.worker) this.worker = this.start();
    const worker = await this.worker;
    const id = this.nextId++;
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, request });
    });
    if (reply.error) throw deserializeError(reply.error);
    const { abiError, ...result } = reply.result!;
    return { ...result, abiError: abiError ? (deserializeError(abiError) as ContractBuildError) : undefined };
  }
}

const CHECKER_ROLE = "near-ts-contract-builder/checker";

/**
 * The worker runs this module. From TypeScript sources, it runs a plain-JS copy (this folder's modules
 * bundled by esbuild once per content, into the builder's cache): loading tsx's loader in the worker
 * would cost ~0.45 s CPU per process (measured), and Node 20 does not pass the parent's `--import tsx`
 * hooks to worker threads anyway.
 */
async function checkerEntry(): Promise<URL> {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith(".ts")) return new URL(import.meta.url);
  const srcDir = path.dirname(self);
  const hash = createHash("sha256");
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith(".ts")).sort()) hash.update(file).update("\0").update(readFileSync(path.join(srcDir, file)));
  const out = path.join(projectPaths().cacheDir, "checker", `frontend-${hash.digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(out)) {
    const esbuild = await import("esbuild");
    const tmp = `${out}.tmp-${process.pid}.mjs`;
    await esbuild.build({ entryPoints: [self], outfile: tmp, bundle: true, packages: "external", platform: "node", format: "esm", target: "node20", logLevel: "silent" });
    renameSync(tmp, out);
  }
  return pathToFileURL(out);
}

const checkers = new Map<string, CheckerWorker>();

function checkerFor(nearSdkDir: string): CheckerWorker {
  let checker = checkers.get(nearSdkDir);
  if (!checker) checkers.set(nearSdkDir, (checker = new CheckerWorker(nearSdkDir)));
  return checker;
}

/** Start loading the checker's tools in the background (optional: checkContract starts it too). */
export function warmUpChecker(nearSdkDir: string): void {
  checkerFor(nearSdkDir).warmUp();
}

/**
 * near-sdk-js's type-check, then (if asked) its ABI generator on the type-check's program, in the
 * checker worker. Throws TypeScriptCheckError.
 */
export function checkContract(nearSdkDir: string, request: CheckRequest): Promise<CheckResult> {
  return checkerFor(nearSdkDir).check(request);
}

// ---- inside the worker ----

interface CheckerTools {
  ts: TypeScript;
  typeRoots: string[];
  runAbiCompilerPlugin: (tsFile: string, packageJsonPath: string, tsConfigPath: string) => unknown;
}

async function loadCheckerTools(nearSdkDir: string): Promise<CheckerTools> {
  return withoutSourceMaps(async () => {
    const require = createRequire(path.join(nearSdkDir, "package.json"));
    const ts = require("typescript") as TypeScript;
    const abi = await import(pathToFileURL(path.join(nearSdkDir, "lib/cli/abi.js")).href);
    return { ts, typeRoots: nearSdkTypeRoots(nearSdkDir), runAbiCompilerPlugin: abi.runAbiCompilerPlugin };
  });
}

/** The compiler options near-sdk-js's checkTsBuildWithTsc passes on the tsc command line. */
function nearSdkCompilerOptions(tools: CheckerTools): TS.CompilerOptions {
  const { ts } = tools;
  return {
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    target: ts.ScriptTarget.ES2020,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    typeRoots: tools.typeRoots,
  };
}

/**
 * Parsed files kept across checks in this process (a watch session, a test run): a file is re-parsed
 * only when its text changed. The text is read on every check, so an edit is never missed.
 */
const parsedFiles = new Map<string, { text: string; languageVersion: string; file: TS.SourceFile }>();
/** The previous check of each entry: TypeScript's builder re-checks only the files an edit affects. */
const previousChecks = new Map<string, TS.SemanticDiagnosticsBuilderProgram>();

function cachingHost(ts: TypeScript, options: TS.CompilerOptions): TS.CompilerHost {
  const host = ts.createCompilerHost(options);
  const parse = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreateNewSourceFile) => {
    const text = host.readFile(fileName);
    if (text === undefined) return parse(fileName, languageVersion, onError, shouldCreateNewSourceFile);
    const key = JSON.stringify(languageVersion);
    const cached = parsedFiles.get(fileName);
    if (cached && cached.text === text && cached.languageVersion === key && !shouldCreateNewSourceFile) return cached.file;
    const file = parse(fileName, languageVersion, onError, shouldCreateNewSourceFile);
    if (file) {
      // TypeScript's builder tells files apart by `version` (as its own watch host sets it)
      (file as TS.SourceFile & { version?: string }).version = createHash("sha256").update(text).digest("hex");
      parsedFiles.set(fileName, { text, languageVersion: key, file });
    }
    return file;
  };
  return host;
}

function typeCheck(tools: CheckerTools, entry: string, root: string): { program: TS.Program; builder: TS.SemanticDiagnosticsBuilderProgram; exportedClasses: string[] } {
  const { ts } = tools;
  const options = nearSdkCompilerOptions(tools);
  const builder = ts.createSemanticDiagnosticsBuilderProgram([entry], options, cachingHost(ts, options), previousChecks.get(entry));
  // ts.getPreEmitDiagnostics's list, with the semantic part from the builder (which skips files
  // unaffected since this process's previous check of the entry; the first check checks every file)
  const diagnostics = ts.sortAndDeduplicateDiagnostics([
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
    ...builder.getGlobalDiagnostics(),
  ]);
  if (diagnostics.length > 0) {
    // keep no builder with errors: the next check starts from the last good one
    throw new TypeScriptCheckError(path.relative(root, entry), diagnostics.map((d) => toDiagnostic(ts, d, root)));
  }
  previousChecks.set(entry, builder);
  const program = builder.getProgram();
  const source = program.getSourceFile(entry);
  return { program, builder, exportedClasses: source ? exportedClassesOf(ts, source) : [] };
}

/** Classes the entry exports (exported by the bundle too, but not contract methods). */
function exportedClassesOf(ts: TypeScript, source: TS.SourceFile): string[] {
  const exportedClasses: string[] = [];
  source.forEachChild((node) => {
    if (ts.isClassDeclaration(node) && node.name && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      exportedClasses.push(node.name.text);
    }
  });
  return exportedClasses;
}

function toDiagnostic(ts: TypeScript, d: TS.Diagnostic, root: string): TypeScriptDiagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (d.file && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { file: path.relative(root, d.file.fileName), line: line + 1, column: character + 1, message };
  }
  return { message };
}

/**
 * near-sdk-js's ABI generator (near-abi schema; metadata as NEP-330 build info). It builds its own
 * TypeScript program for the entry with the same options the type-check used, then asks it for
 * pre-emit diagnostics; it is handed the type-check's program instead (same root, same options), whose
 * semantic diagnostics come from the builder, sparing a second parse and check.
 */
function generateAbi(tools: CheckerTools, checked: ReturnType<typeof typeCheck>, entry: string, root: string, packageJson: string, tsconfig: string): unknown {
  const ts = tools.ts as TypeScript & { createProgram: TypeScript["createProgram"] };
  const original = ts.createProgram;
  const reusable: TS.Program = Object.create(checked.program, {
    getSemanticDiagnostics: { value: (file?: TS.SourceFile) => checked.builder.getSemanticDiagnostics(file) },
  });
  ts.createProgram = ((rootNames: readonly string[], ...rest: unknown[]) => {
    if (Array.isArray(rootNames) && rootNames.length === 1 && path.resolve(rootNames[0]) === path.resolve(entry)) return reusable;
    return (original as (...args: unknown[]) => TS.Program)(rootNames, ...rest);
  }) as TypeScript["createProgram"];
  const originalError = console.error;
  const printed: string[] = [];
  console.error = (...args: unknown[]) => void printed.push(args.join(" "));
  try {
    return tools.runAbiCompilerPlugin(entry, packageJson, tsconfig);
  } catch (error) {
    throw new ContractBuildError(
      `near-sdk-js ABI generation failed for ${path.relative(root, entry)}: ${(error as Error).message}${printed.length ? `\n  ${printed.join("\n  ")}` : ""}`,
      "give every @call/@view method a single object parameter with an explicit type literal (e.g. `{ id }: { id: string }`), or build without --generateABI",
    );
  } finally {
    console.error = originalError;
    ts.createProgram = original;
  }
}

async function runChecker(nearSdkDir: string): Promise<void> {
  const port = parentPort!;
  const toolsLoaded = loadCheckerTools(nearSdkDir);
  toolsLoaded.catch(() => {}); // reported with the first request
  port.on("message", async ({ id, request }: { id: number; request: CheckRequest }) => {
    try {
      const tools = await toolsLoaded;
      const timings = { typeCheckMs: 0, abiMs: 0 };
      let t = performance.now();
      if (!request.typeCheck) {
        const source = tools.ts.createSourceFile(request.entry, readFileSync(request.entry, "utf8"), tools.ts.ScriptTarget.ES2020, true, tools.ts.ScriptKind.JS);
        port.postMessage({ id, result: { exportedClasses: exportedClassesOf(tools.ts, source), timings } } satisfies WorkerReply);
        return;
      }
      const checked = typeCheck(tools, request.entry, request.root);
      timings.typeCheckMs = performance.now() - t;
      let abi: unknown;
      let abiError: SerializedError | undefined;
      if (request.abi) {
        t = performance.now();
        try {
          abi = generateAbi(tools, checked, request.entry, request.root, request.abi.packageJson, request.abi.tsconfig);
        } catch (error) {
          abiError = serializeError(error);
        }
        timings.abiMs = performance.now() - t;
      }
      port.postMessage({ id, result: { exportedClasses: checked.exportedClasses, abi, abiError, timings } } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ id, error: serializeError(error) } satisfies WorkerReply);
    }
  });
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === CHECKER_ROLE) {
  void runChecker((workerData as { nearSdkDir: string }).nearSdkDir);
}

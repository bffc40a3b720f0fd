/**
 * near-sdk-js 2.0.0's own front end, run in-process: its TypeScript 4.7 type-check (same options as
 * its `tsc --noEmit --skipLibCheck --experimentalDecorators --target es2020 --moduleResolution node`),
 * its validateContract, Rollup + Babel with its include-bytes and near-bindgen exporter plugins, and
 * its ABI generator. Everything is loaded from node_modules/near-sdk-js (and the versions it resolves).
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as TS from "typescript";
import { ContractValidationError, TypeScriptCheckError, type TypeScriptDiagnostic } from "./errors.js";

type TypeScript = typeof TS;

interface NearSdkFrontEnd {
  ts: TypeScript;
  typeRoots: string[];
  rollup: (options: Record<string, unknown>) => Promise<RollupBundle>;
  nodeResolve: (options: Record<string, unknown>) => unknown;
  babel: (options: Record<string, unknown>) => unknown;
  presetTypescript: string;
  pluginDecorators: string;
  includeBytes: unknown;
  nearBindgenExporter: unknown;
  validateContract: (contractPath: string, verbose?: boolean) => Promise<boolean>;
  runAbiCompilerPlugin: (tsFile: string, packageJsonPath: string, tsConfigPath: string) => unknown;
  sdkVersion: string;
}

interface RollupBundle {
  generate(options: Record<string, unknown>): Promise<{ output: Array<{ type: string; code?: string; exports?: string[] }> }>;
  close?: () => Promise<void>;
  cache?: unknown;
}

const frontEnds = new Map<string, Promise<NearSdkFrontEnd>>();

async function importFrom(require: NodeJS.Require, specifier: string): Promise<any> {
  return import(pathToFileURL(require.resolve(specifier)).href);
}

/** Load near-sdk-js's front-end pieces once per process. */
export function loadFrontEnd(nearSdkDir: string): Promise<NearSdkFrontEnd> {
  let loaded = frontEnds.get(nearSdkDir);
  if (!loaded) {
    loaded = (async () => {
      const require = createRequire(path.join(nearSdkDir, "package.json"));
      const sdkPackage = require("./package.json") as { version: string };
      const ts = require("typescript") as TypeScript;
      // @types/node as near-sdk-js resolves it: the root package.json overrides it to 16.18.126 under
      // near-sdk-js, because TypeScript 4.7 cannot parse the newer @types/node the root uses.
      const typeRoots = [path.dirname(path.dirname(require.resolve("@types/node/package.json")))];
      const [rollupModule, resolveModule, babelModule, includeBytes, exporter, utils, abi] = await Promise.all([
        importFrom(require, "rollup"),
        importFrom(require, "@rollup/plugin-node-resolve"),
        importFrom(require, "@rollup/plugin-babel"),
        import(pathToFileURL(path.join(nearSdkDir, "lib/cli/build-tools/include-bytes.js")).href),
        import(pathToFileURL(path.join(nearSdkDir, "lib/cli/build-tools/near-bindgen-exporter.js")).href),
        import(pathToFileURL(path.join(nearSdkDir, "lib/cli/utils.js")).href),
        import(pathToFileURL(path.join(nearSdkDir, "lib/cli/abi.js")).href),
      ]);
      return {
        ts,
        typeRoots,
        rollup: rollupModule.rollup ?? rollupModule.default.rollup,
        nodeResolve: resolveModule.nodeResolve ?? resolveModule.default,
        babel: babelModule.babel ?? babelModule.default.babel,
        presetTypescript: require.resolve("@babel/preset-typescript"),
        pluginDecorators: require.resolve("@babel/plugin-proposal-decorators"),
        includeBytes: includeBytes.default,
        nearBindgenExporter: exporter.default,
        validateContract: utils.validateContract,
        runAbiCompilerPlugin: abi.runAbiCompilerPlugin,
        sdkVersion: sdkPackage.version,
      };
    })();
    frontEnds.set(nearSdkDir, loaded);
  }
  return loaded;
}

/** The compiler options near-sdk-js's checkTsBuildWithTsc passes on the tsc command line. */
export function nearSdkCompilerOptions(fe: NearSdkFrontEnd): TS.CompilerOptions {
  const { ts } = fe;
  return {
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    target: ts.ScriptTarget.ES2020,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    typeRoots: fe.typeRoots,
  };
}

/** The same options as tsconfig JSON (for near-sdk-js's ABI generator, which reads a tsconfig file). */
export function nearSdkTsconfig(fe: NearSdkFrontEnd): Record<string, unknown> {
  return {
    compilerOptions: {
      noEmit: true,
      skipLibCheck: true,
      experimentalDecorators: true,
      target: "es2020",
      moduleResolution: "node",
      typeRoots: fe.typeRoots,
    },
  };
}

let previousProgram: TS.Program | undefined;

export interface TypeCheckResult {
  /** names of classes exported by the entry file (exported too, but not methods) */
  exportedClasses: string[];
}

/** Type-check the contract with near-sdk-js's TypeScript; throws TypeScriptCheckError. */
export function typeCheck(fe: NearSdkFrontEnd, entry: string, root: string): TypeCheckResult {
  const { ts } = fe;
  // reusing the previous program lets TypeScript keep lib.d.ts and near-sdk-js's declarations
  const program = ts.createProgram({ rootNames: [entry], options: nearSdkCompilerOptions(fe), oldProgram: previousProgram });
  previousProgram = program;
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) {
    throw new TypeScriptCheckError(path.relative(root, entry), diagnostics.map((d) => toDiagnostic(ts, d, root)));
  }
  const source = program.getSourceFile(entry);
  const exportedClasses: string[] = [];
  source?.forEachChild((node) => {
    if (ts.isClassDeclaration(node) && node.name && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      exportedClasses.push(node.name.text);
    }
  });
  return { exportedClasses };
}

function toDiagnostic(ts: TypeScript, d: TS.Diagnostic, root: string): TypeScriptDiagnostic {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (d.file && d.start !== undefined) {
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { file: path.relative(root, d.file.fileName), line: line + 1, column: character + 1, message };
  }
  return { message };
}

/** near-sdk-js's validateContract; it reports through signale, so its output is captured for the error. */
export async function validate(fe: NearSdkFrontEnd, entry: string, root: string, verbose: boolean): Promise<void> {
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
    ok = await fe.validateContract(entry, verbose);
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
}

// ESTree literals carry BigInt and RegExp values, which JSON cannot hold
function replaceAstValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return { __bigint: value.toString() };
  if (value instanceof RegExp) return { __regexp: [value.source, value.flags] };
  return value;
}

function reviveAstValue(_key: string, value: unknown): unknown {
  if (value && typeof value === "object") {
    const v = value as { __bigint?: string; __regexp?: [string, string] };
    if (typeof v.__bigint === "string" && Object.keys(v).length === 1) return BigInt(v.__bigint);
    if (Array.isArray(v.__regexp) && Object.keys(v).length === 1) return new RegExp(v.__regexp[0], v.__regexp[1]);
  }
  return value;
}

interface CachedModule {
  id: string;
  originalCode?: string;
}

/**
 * Rollup's module cache (Babel output per module), shared by all contracts and kept on disk: near-sdk-js
 * and contracts/lib are transformed once, and a rebuild after a one-line change re-transforms only
 * the changed module. Rollup reuses a cached module only when its source is unchanged. Dependencies
 * (node_modules, about 19 MB of JSON) and project modules are stored apart, so a rebuild rewrites only
 * the small project part.
 */
class SharedRollupCache {
  private modules: Map<string, CachedModule> | undefined;
  constructor(private readonly file: string) {}

  private partFile(part: "deps" | "project"): string {
    return this.file.replace(/\.json$/, `.${part}.json`);
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
          const parsed = JSON.parse(readFileSync(file, "utf8"), reviveAstValue) as { modules?: CachedModule[] };
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
      if (!previous || previous.originalCode !== m.originalCode) dirty.add(SharedRollupCache.partOf(m.id));
      this.modules!.set(m.id, m);
    }
    for (const part of dirty) {
      const modules = [...this.modules!.values()].filter((m) => SharedRollupCache.partOf(m.id) === part);
      const file = this.partFile(part);
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ modules }, replaceAstValue));
      renameSync(tmp, file);
    }
  }
}

const rollupCaches = new Map<string, SharedRollupCache>();

export interface BundleResult {
  code: string;
  exports: string[];
}

/** near-sdk-js's createJsFileWithRullup configuration (minus source maps), output kept in memory. */
/**
 * lodash-es (a near-sdk-js dependency) finds the global object with `Function('return this')()`,
 * which needs eval. Without eval the builder rewrites that idiom to `globalThis` (same value).
 */
export const GLOBAL_THIS_IDIOM = "Function('return this')()";

export async function bundle(fe: NearSdkFrontEnd, entry: string, outFile: string, cacheFile: string, verbose: boolean, allowEval = true): Promise<BundleResult> {
  let cache = rollupCaches.get(cacheFile);
  if (!cache) rollupCaches.set(cacheFile, (cache = new SharedRollupCache(cacheFile)));
  const built = await fe.rollup({
    input: entry,
    cache: cache.load(),
    onwarn: verbose ? undefined : () => {},
    plugins: [
      fe.nodeResolve({ extensions: [".js", ".ts"] }),
      fe.babel({
        babelHelpers: "bundled",
        babelrc: false,
        configFile: false,
        extensions: [".ts", ".js", ".jsx", ".es6", ".es", ".mjs"],
        presets: [fe.presetTypescript],
        plugins: [fe.includeBytes, [fe.nearBindgenExporter, { verbose }], [fe.pluginDecorators, { version: "legacy" }]],
      }),
    ],
  });
  cache.save(built.cache as { modules?: CachedModule[] });
  const { output } = await built.generate({ format: "es" });
  await built.close?.();
  const chunk = output.find((o) => o.type === "chunk");
  if (!chunk?.code) throw new Error(`rollup produced no chunk for ${entry}`);
  const code = allowEval ? chunk.code : chunk.code.split(GLOBAL_THIS_IDIOM).join("globalThis");
  writeFileSync(outFile, code);
  return { code, exports: chunk.exports ?? [] };
}

/**
 * near-sdk-js's ABI generator (near-abi schema; metadata as NEP-330 build info). It builds its own
 * TypeScript program for the entry with the same options the type-check used; handing it the
 * type-check's program (same root, same options) spares a second parse and check.
 */
export function generateAbi(fe: NearSdkFrontEnd, entry: string, packageJson: string, tsconfig: string): unknown {
  const ts = fe.ts as TypeScript & { createProgram: TypeScript["createProgram"] };
  const original = ts.createProgram;
  const reusable = previousProgram;
  ts.createProgram = ((rootNames: readonly string[], ...rest: unknown[]) => {
    if (reusable && Array.isArray(rootNames) && rootNames.length === 1 && path.resolve(rootNames[0]) === path.resolve(entry) && reusable.getRootFileNames().length === 1 && path.resolve(reusable.getRootFileNames()[0]) === path.resolve(entry)) {
      return reusable;
    }
    return (original as (...args: unknown[]) => TS.Program)(rootNames, ...rest);
  }) as TypeScript["createProgram"];
  try {
    return fe.runAbiCompilerPlugin(entry, packageJson, tsconfig);
  } finally {
    ts.createProgram = original;
  }
}

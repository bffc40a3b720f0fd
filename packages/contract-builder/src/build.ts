import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compileContract, type ContractToolchain } from "./backend.js";
import { builderFiles, hashFiles } from "./builder-files.js";
import { readContractConfig } from "./contract-config.js";
import { ensureEngine } from "./engine.js";
import { ContractBuildError, ContractNotFoundError, NoContractMethodsError } from "./errors.js";
import { bundle, checkContract, loadBundler, nearSdkTsconfig, validate, warmUpChecker } from "./frontend.js";
import { BUILDER_DIR, projectPaths, type ProjectPaths } from "./paths.js";
import { ensureToolchain, type SystemRequirement } from "./toolchain.js";

/** A contract is contracts/<name>/src/index.ts; contracts/lib holds shared modules. */
export const CONTRACT_ENTRY = path.join("src", "index.ts");
const SHARED_DIR_NAME = "lib";

export interface BuildOptions {
  /** repository root (default: the root this package lives in) */
  root?: string;
  /** contract names under contracts/ (default: all) */
  names?: string[];
  /** where <name>.wasm and <name>.abi.json go (default <root>/build) */
  outDir?: string;
  /** write the near-sdk-js ABI (default false, as near-sdk-js without --generateABI) */
  abi?: boolean;
  /**
   * "shipped" (default): the template and qjsc come prebuilt in the package (artefacts/), so no compiler
   * runs; "native": clang-14 and gcc make exactly the runtime asked for (the maintainers' route; `lto` and
   * `wasmOpt: false` need it and choose it).
   */
  toolchain?: "shipped" | "native";
  /** LTO link of the template (default false: about 1% smaller for a 60x slower link, measured) */
  lto?: boolean;
  /** binaryen -Oz on the template (default true; runs once per engine, not per contract) */
  wasmOpt?: boolean;
  /**
   * eval / new Function in the runtime. Default: kept only when the contract's bundle uses them
   * (a global `eval` or `Function` call); without them the QuickJS parser and compiler leave the
   * Wasm (about 70 KB). true keeps them always (as near-sdk-js); false drops them and fails the build
   * if the bundle uses them. A route the build cannot see (`(function(){}).constructor(...)`) then
   * throws "eval is not supported" at run time.
   */
  allowEval?: boolean;
  /** leave out the QuickJS intrinsics the bundle cannot reach (Proxy, String.prototype.normalize, Promise, Map/Set) (default true) */
  trimRuntime?: boolean;
  /** keep line numbers and function source in the bytecode (default false: smaller, cheaper start; panic stacks read "at f (native)") */
  debugInfo?: boolean;
  /**
   * snapshot the QuickJS runtime, context and evaluated module at build time, so calls skip ~3-4 Tgas of
   * start-up (README "Pre-initialisation"). Unset: as the contract's `build.json` says (default off).
   */
  preinitialize?: boolean;
  /** rebuild even when the inputs are unchanged */
  force?: boolean;
  /**
   * folder of Rollup's module cache (default: the builder's cache folder, shared by all contracts);
   * an empty folder gives a clean bundle (the tests compare one with an incremental build)
   */
  moduleCacheDir?: string;
  verbose?: boolean;
  /** native toolchain: install missing Debian packages when running as root (default true) */
  installSystemPackages?: boolean;
  /** the Debian packages to require (default DEBIAN_REQUIREMENTS; tests pass others) */
  systemRequirements?: SystemRequirement[];
  log?: (line: string) => void;
}

export interface StepTimings {
  typeCheckMs: number;
  validateMs: number;
  bundleMs: number;
  abiMs: number;
  qjscMs: number;
  assembleMs: number;
  /** engine + template work in this build (0 when both came from the cache) */
  engineMs: number;
  totalMs: number;
}

export interface ContractBuildResult {
  name: string;
  /** the contract's entry file */
  entry: string;
  wasmPath: string;
  abiPath?: string;
  wasmSize: number;
  wasmSha256: string;
  /** exported contract methods (Wasm function exports) */
  methods: string[];
  /** true when the inputs were unchanged and the previous output was reused */
  cached: boolean;
  timings: StepTimings;
}

interface Stamp {
  inputs: string;
  wasmSha256: string;
  /** the ABI was written too (a build without it reuses this one; one with it after one without rebuilds) */
  abi: boolean;
  methods: string[];
}

const zeroTimings = (): StepTimings => ({ typeCheckMs: 0, validateMs: 0, bundleMs: 0, abiMs: 0, qjscMs: 0, assembleMs: 0, engineMs: 0, totalMs: 0 });

/** Contract names under contracts/ (folders with src/index.ts, except contracts/lib). */
export function listContracts(root?: string): string[] {
  const { contractsDir } = projectPaths(root);
  if (!existsSync(contractsDir)) return [];
  return readdirSync(contractsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== SHARED_DIR_NAME && !d.name.startsWith(".") && existsSync(path.join(contractsDir, d.name, CONTRACT_ENTRY)))
    .map((d) => d.name)
    .sort();
}

/** Build the named contracts (default: every contract under contracts/), one after another. */
export async function buildContracts(options: BuildOptions = {}): Promise<ContractBuildResult[]> {
  const paths = projectPaths(options.root);
  const available = listContracts(paths.root);
  const names = options.names && options.names.length > 0 ? options.names : available;
  for (const name of names) {
    // dot-folders are scratch copies (the benchmark's): buildable by name, never built by default
    if (!available.includes(name) && !(name.startsWith(".") && existsSync(path.join(paths.contractsDir, name, CONTRACT_ENTRY)))) throw new ContractNotFoundError(name, path.relative(paths.root, path.join(paths.contractsDir, name, CONTRACT_ENTRY)), available);
  }
  const results: ContractBuildResult[] = [];
  for (const name of names) results.push(await buildContract(path.join(paths.contractsDir, name), options));
  return results;
}

/** Build one contract folder (<dir>/src/index.ts) to <outDir>/<basename(dir)>.wasm (and <name>.abi.json with `abi`). */
export async function buildContract(dir: string, options: BuildOptions = {}): Promise<ContractBuildResult> {
  const paths = projectPaths(options.root);
  const contractDir = path.resolve(dir);
  const name = path.basename(contractDir);
  const entry = path.join(contractDir, CONTRACT_ENTRY);
  if (!existsSync(entry)) {
    throw new ContractNotFoundError(name, path.relative(paths.root, entry), listContracts(paths.root));
  }
  const outDir = path.resolve(options.outDir ?? paths.buildDir);
  const packageJson = path.join(contractDir, "package.json");
  return buildEntry(
    { name, entry, configDir: contractDir, sourceDirs: [contractDir, paths.libDir], wasmPath: path.join(outDir, `${name}.wasm`), abiPath: path.join(outDir, `${name}.abi.json`), packageJson: existsSync(packageJson) ? packageJson : undefined },
    paths,
    options,
  );
}

/** near-sdk-js's `build` arguments: `build [source] [target] [packageJson] [tsConfig]`. */
export interface FileBuildRequest {
  /** the entry file, `.ts` or `.js` (near-sdk-js's default: src/index.js) */
  source: string;
  /** the Wasm to write, ending in `.wasm` (default build/contract.wasm); the ABI goes next to it as `<name>-abi.json` */
  target: string;
  /** NEP-330 metadata for the ABI (default package.json; the entry's folder name and 0.0.0 if absent) */
  packageJson?: string;
  /** read by near-sdk-js's ABI generator (default tsconfig.json; near-sdk-js's own options if absent) */
  tsconfig?: string;
}

/**
 * `near-sdk-js build <source> <target>`: any entry file to any `.wasm`, with near-sdk-js's outputs (the
 * Wasm; `<target name>-abi.json` next to it with `abi`, for a TypeScript entry only). Relative paths are
 * taken from `root` (default: the current folder).
 */
export async function buildFile(request: FileBuildRequest, options: Omit<BuildOptions, "names" | "outDir"> = {}): Promise<ContractBuildResult> {
  const cwd = path.resolve(options.root ?? process.cwd());
  const entry = path.resolve(cwd, request.source);
  const wasmPath = path.resolve(cwd, request.target);
  if (!wasmPath.endsWith(".wasm")) {
    // near-sdk-js: "Unsupported target ${ext}, make sure target ends with .wasm!"
    throw new ContractBuildError(`Unsupported target ${path.extname(wasmPath).slice(1) || request.target}, make sure target ends with .wasm!`, "give the Wasm file to write as the second argument, e.g. build/contract.wasm");
  }
  if (!existsSync(entry)) throw new ContractBuildError(`${request.source}: no such file (the contract's entry, first argument)`, "give the contract's entry file, e.g. `build src/contract.ts build/contract.wasm`");
  const name = path.basename(wasmPath, ".wasm");
  const existing = (file: string | undefined) => (file && existsSync(path.resolve(cwd, file)) ? path.resolve(cwd, file) : undefined);
  return buildEntry(
    {
      name,
      entry,
      configDir: cwd,
      sourceDirs: [path.dirname(entry)],
      wasmPath,
      abiPath: path.join(path.dirname(wasmPath), `${name}-abi.json`),
      packageJson: existing(request.packageJson ?? "package.json"),
      tsconfig: existing(request.tsconfig ?? "tsconfig.json"),
    },
    projectPaths(cwd),
    options,
  );
}

interface EntryBuild {
  name: string;
  entry: string;
  /** folders whose files make the cache key (with near-sdk-js's version, the builder and the options) */
  sourceDirs: string[];
  wasmPath: string;
  abiPath: string;
  packageJson?: string;
  tsconfig?: string;
  /** the folder whose build.json is read (the contract's folder; the project for buildFile) */
  configDir: string;
}

async function buildEntry(target: EntryBuild, paths: ProjectPaths, options: BuildOptions): Promise<ContractBuildResult> {
  const started = performance.now();
  const { name, entry, wasmPath, abiPath } = target;
  const entryLabel = path.relative(paths.root, entry);
  const typescript = entry.endsWith(".ts");
  const log = options.log ?? (() => {});
  // near-sdk-js checks types and generates the ABI for TypeScript entries only
  if (options.abi && !typescript) log(`${entryLabel}: skipping ABI generation as source file is not a typescript file`);
  const wantAbi = (options.abi ?? false) && typescript;
  const workDir = path.join(paths.cacheDir, "contracts", `${name}-${shortHash(entry)}`);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(path.dirname(wasmPath), { recursive: true });

  const lto = options.lto ?? false;
  const wasmOpt = options.wasmOpt ?? true;
  // LTO and a template without binaryen exist only as the native toolchain makes them
  const toolchainKind = lto || !wasmOpt ? "native" : (options.toolchain ?? "shipped");
  if (toolchainKind === "native" && options.toolchain !== "native") log(`${entryLabel}: ${lto ? "LTO" : "a template without binaryen"} needs the native toolchain (clang-14): using it`);
  const settings = { lto, wasmOpt, allowEval: options.allowEval ?? ("auto" as const), trimRuntime: options.trimRuntime ?? true, debugInfo: options.debugInfo ?? false, preinitialize: options.preinitialize ?? readContractConfig(target.configDir).preinitialize ?? false, toolchain: toolchainKind };
  const inputs = inputsHash(target, paths, settings);
  const stampFile = path.join(workDir, "stamp.json");
  if (!options.force && existsSync(stampFile) && existsSync(wasmPath) && (!wantAbi || existsSync(abiPath))) {
    const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as Stamp;
    const wasm = readFileSync(wasmPath);
    if (stamp.inputs === inputs && sha256(wasm) === stamp.wasmSha256 && (stamp.abi || !wantAbi)) {
      return {
        name, entry, wasmPath, abiPath: wantAbi ? abiPath : undefined, wasmSize: wasm.length, wasmSha256: stamp.wasmSha256,
        methods: stamp.methods, cached: true, timings: { ...zeroTimings(), totalMs: performance.now() - started },
      };
    }
  }

  // TypeScript and the checker's tools load in their worker while this thread checks the toolchain
  warmUpChecker(paths.nearSdkDir);
  if (toolchainKind === "native") await ensureToolchain({ install: options.installSystemPackages, requirements: options.systemRequirements, log });
  const timings = zeroTimings();
  const verbose = options.verbose ?? false;
  // The checker (type-check, then the ABI from the type-check's program) runs in a worker thread while
  // this thread runs validateContract and bundles with Rollup + Babel: none reads another's output. The engine
  // (native toolchain, cached after the first build) compiles meanwhile. (The template depends on what the
  // bundle uses, so it is picked after bundling, in compileContract.)
  log(`${name}: ${typescript ? `type-checking ${entryLabel}, ` : ""}bundling with rollup + babel`);
  const checking = checkContract(paths.nearSdkDir, { entry, root: paths.root, typeCheck: typescript, abi: wantAbi ? abiInputs(target, workDir, paths) : undefined });
  const bundling = (async () => {
    let t = performance.now();
    await validate(paths.nearSdkDir, entry, paths.root, verbose);
    timings.validateMs = performance.now() - t;
    t = performance.now();
    const bundled = await bundle(await loadBundler(paths.nearSdkDir), entry, path.join(workDir, "contract.js"), options.moduleCacheDir ?? paths.cacheDir, verbose, settings.allowEval !== false);
    timings.bundleMs = performance.now() - t;
    return bundled;
  })();
  const toolchainReady = (async (): Promise<ContractToolchain> => {
    if (toolchainKind === "shipped") return { kind: "shipped", artefacts: { nearSdkDir: paths.nearSdkDir, cacheDir: paths.cacheDir, log } };
    const t = performance.now();
    const engine = await ensureEngine(paths.cacheDir, { lto }, log);
    if (performance.now() - t > 1000) timings.engineMs = performance.now() - t;
    return { kind: "native", engine };
  })();
  const [checkedOutcome, bundledOutcome, toolchainOutcome] = await Promise.allSettled([checking, bundling, toolchainReady]);
  // a type error, then a validation error, is reported first, as when the steps ran one after another
  if (checkedOutcome.status === "rejected") throw checkedOutcome.reason;
  if (bundledOutcome.status === "rejected") throw bundledOutcome.reason;
  if (toolchainOutcome.status === "rejected") throw toolchainOutcome.reason;
  const checked = checkedOutcome.value;
  Object.assign(timings, { typeCheckMs: checked.timings.typeCheckMs, abiMs: checked.timings.abiMs });
  const methods = bundledOutcome.value.exports.filter((e) => !checked.exportedClasses.includes(e));
  if (methods.length === 0) throw new NoContractMethodsError(entryLabel);
  // like near-sdk-js, every export of the bundle (the class too) becomes a Wasm export
  const bundledExports = bundledOutcome.value.exports;

  log(`${name}: compiling to Wasm (${toolchainKind === "shipped" ? "shipped template and qjsc.wasm" : "native toolchain"})`);
  const backend = await compileContract(toolchainOutcome.value, paths.nearSdkDir, workDir, entryLabel, bundledExports, settings, log);
  timings.qjscMs = backend.timings.transformMs + backend.timings.qjscMs;
  timings.assembleMs = backend.timings.assembleMs;
  timings.engineMs += backend.timings.templateMs;

  if (wantAbi) {
    // generated by the checker; a failure is reported once the Wasm built, as when the ABI came last
    if (checked.abiError) throw checked.abiError;
    writeAtomically(abiPath, `${JSON.stringify(checked.abi, null, 2)}\n`);
  }
  writeAtomically(wasmPath, backend.wasm);
  const wasmSha256 = sha256(backend.wasm);
  const stamp: Stamp = { inputs, wasmSha256, abi: wantAbi, methods: backend.methods };
  writeFileSync(stampFile, JSON.stringify(stamp, null, 2));
  timings.totalMs = performance.now() - started;
  return {
    name, entry, wasmPath, abiPath: wantAbi ? abiPath : undefined, wasmSize: backend.wasm.length, wasmSha256,
    methods: backend.methods, cached: false, timings,
  };
}

/**
 * The Wasm path of contracts/<name>, building it only when its sources, contracts/lib or the builder
 * changed. Meant for test suites: cheap when nothing changed.
 */
export async function ensureBuilt(name: string, options: Omit<BuildOptions, "names"> = {}): Promise<string> {
  const paths = projectPaths(options.root);
  const [result] = await buildContracts({ ...options, root: paths.root, names: [name] });
  return result.wasmPath;
}

/** near-sdk-js's ABI generator reads NEP-330 metadata from a package.json and options from a tsconfig. */
function abiInputs(target: EntryBuild, workDir: string, paths: ProjectPaths): { packageJson: string; tsconfig: string } {
  let packageJson = target.packageJson;
  if (!packageJson) {
    // NEP-330 metadata needs a name and version: the contract's name and the project's version
    const rootPackageFile = path.join(paths.root, "package.json");
    const rootPackage = (existsSync(rootPackageFile) ? JSON.parse(readFileSync(rootPackageFile, "utf8")) : {}) as { version?: string; author?: string };
    packageJson = path.join(workDir, "package.json");
    writeFileSync(packageJson, JSON.stringify({ name: target.name, version: rootPackage.version ?? "0.0.0", author: rootPackage.author }, null, 2));
  }
  let tsconfig = target.tsconfig;
  if (!tsconfig) {
    tsconfig = path.join(workDir, "tsconfig.abi.json");
    writeFileSync(tsconfig, JSON.stringify(nearSdkTsconfig(paths.nearSdkDir), null, 2));
  }
  return { packageJson, tsconfig };
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function shortHash(text: string): string {
  return sha256(text).slice(0, 10);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "build" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

let builderFingerprint: string | undefined;
/** Content of the builder itself (builderFiles: code, C layer, artefact stamps): a builder change rebuilds. */
function builderVersion(): string {
  builderFingerprint ??= hashFiles(builderFiles(), BUILDER_DIR);
  return builderFingerprint;
}

/** Content hash of the entry's sources (its folders), near-sdk-js's version, the builder and the settings. */
function inputsHash(target: EntryBuild, paths: ProjectPaths, settings: object): string {
  const hash = createHash("sha256");
  hash.update(builderVersion()).update(JSON.stringify(settings)).update(target.entry).update("\0");
  hash.update(readFileSync(path.join(paths.nearSdkDir, "package.json")));
  for (const file of [target.packageJson, target.tsconfig]) if (file) hash.update(readFileSync(file));
  for (const [index, dir] of target.sourceDirs.entries()) {
    for (const file of filesUnder(dir)) {
      if (file === target.wasmPath || file === target.abiPath) continue;
      hash.update(`${index}/${path.relative(dir, file)}\0`).update(readFileSync(file)).update(`\0${statSync(file).size}`);
    }
  }
  return hash.digest("hex");
}

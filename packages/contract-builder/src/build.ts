import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { compileContract } from "./backend.js";
import { readContractConfig } from "./contract-config.js";
import { ensureEngine } from "./engine.js";
import { ContractNotFoundError, NoContractMethodsError } from "./errors.js";
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
  /** write <name>.abi.json (default true) */
  abi?: boolean;
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
  /** install missing Debian packages when running as root (default true) */
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

/** Build one contract folder (<dir>/src/index.ts) to <outDir>/<basename(dir)>.wasm. */
export async function buildContract(dir: string, options: BuildOptions = {}): Promise<ContractBuildResult> {
  const started = performance.now();
  const paths = projectPaths(options.root);
  const contractDir = path.resolve(dir);
  const name = path.basename(contractDir);
  const entry = path.join(contractDir, CONTRACT_ENTRY);
  const entryLabel = path.relative(paths.root, entry);
  if (!existsSync(entry)) {
    throw new ContractNotFoundError(name, entryLabel, listContracts(paths.root));
  }
  const outDir = path.resolve(options.outDir ?? paths.buildDir);
  const wasmPath = path.join(outDir, `${name}.wasm`);
  const abiPath = path.join(outDir, `${name}.abi.json`);
  const wantAbi = options.abi ?? true;
  const log = options.log ?? (() => {});
  const workDir = path.join(paths.cacheDir, "contracts", `${name}-${shortHash(contractDir)}`);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });

  const settings = { abi: wantAbi, lto: options.lto ?? false, wasmOpt: options.wasmOpt ?? true, allowEval: options.allowEval ?? ("auto" as const), trimRuntime: options.trimRuntime ?? true, debugInfo: options.debugInfo ?? false, preinitialize: options.preinitialize ?? readContractConfig(contractDir).preinitialize ?? false };
  const inputs = inputsHash(contractDir, paths, settings);
  const stampFile = path.join(workDir, "stamp.json");
  if (!options.force && existsSync(stampFile) && existsSync(wasmPath) && (!wantAbi || existsSync(abiPath))) {
    const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as Stamp;
    const wasm = readFileSync(wasmPath);
    if (stamp.inputs === inputs && sha256(wasm) === stamp.wasmSha256) {
      return {
        name, entry, wasmPath, abiPath: wantAbi ? abiPath : undefined, wasmSize: wasm.length, wasmSha256: stamp.wasmSha256,
        methods: stamp.methods, cached: true, timings: { ...zeroTimings(), totalMs: performance.now() - started },
      };
    }
  }

  // TypeScript and the checker's tools load in their worker while this thread checks the toolchain
  warmUpChecker(paths.nearSdkDir);
  await ensureToolchain({ install: options.installSystemPackages, requirements: options.systemRequirements, log });
  const timings = zeroTimings();
  const verbose = options.verbose ?? false;
  // The checker (type-check, then the ABI from the type-check's program) runs in a worker thread while
  // this thread runs validateContract and bundles with Rollup + Babel: none reads another's output. The engine
  // (cached after the first build) compiles meanwhile. (The template depends on what the bundle uses,
  // so it is picked after bundling, in compileContract.)
  log(`${name}: type-checking ${entryLabel}, bundling with rollup + babel`);
  const checking = checkContract(paths.nearSdkDir, { entry, root: paths.root, abi: wantAbi ? abiInputs(contractDir, workDir, paths) : undefined });
  const bundling = (async () => {
    let t = performance.now();
    await validate(paths.nearSdkDir, entry, paths.root, verbose);
    timings.validateMs = performance.now() - t;
    t = performance.now();
    const bundled = await bundle(await loadBundler(paths.nearSdkDir), entry, path.join(workDir, "contract.js"), options.moduleCacheDir ?? paths.cacheDir, verbose, settings.allowEval !== false);
    timings.bundleMs = performance.now() - t;
    return bundled;
  })();
  const engineReady = (async () => {
    const t = performance.now();
    const engine = await ensureEngine(paths.cacheDir, { lto: settings.lto }, log);
    if (performance.now() - t > 1000) timings.engineMs = performance.now() - t;
    return engine;
  })();
  const [checkedOutcome, bundledOutcome, engineOutcome] = await Promise.allSettled([checking, bundling, engineReady]);
  // a type error, then a validation error, is reported first, as when the steps ran one after another
  if (checkedOutcome.status === "rejected") throw checkedOutcome.reason;
  if (bundledOutcome.status === "rejected") throw bundledOutcome.reason;
  if (engineOutcome.status === "rejected") throw engineOutcome.reason;
  const checked = checkedOutcome.value;
  const engine = engineOutcome.value;
  Object.assign(timings, { typeCheckMs: checked.timings.typeCheckMs, abiMs: checked.timings.abiMs });
  const methods = bundledOutcome.value.exports.filter((e) => !checked.exportedClasses.includes(e));
  if (methods.length === 0) throw new NoContractMethodsError(entryLabel);
  // like near-sdk-js, every export of the bundle (the class too) becomes a Wasm export
  const bundledExports = bundledOutcome.value.exports;

  log(`${name}: compiling to Wasm`);
  const backend = await compileContract(engine, paths.nearSdkDir, workDir, entryLabel, bundledExports, settings, log);
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
function abiInputs(contractDir: string, workDir: string, paths: ProjectPaths): { packageJson: string; tsconfig: string } {
  let packageJson = path.join(contractDir, "package.json");
  if (!existsSync(packageJson)) {
    // NEP-330 metadata needs a name and version: the contract folder's name and the repository version
    const rootPackage = JSON.parse(readFileSync(path.join(paths.root, "package.json"), "utf8")) as { version?: string; author?: string };
    packageJson = path.join(workDir, "package.json");
    writeFileSync(packageJson, JSON.stringify({ name: path.basename(contractDir), version: rootPackage.version ?? "0.0.0", author: rootPackage.author }, null, 2));
  }
  const tsconfig = path.join(workDir, "tsconfig.abi.json");
  writeFileSync(tsconfig, JSON.stringify(nearSdkTsconfig(paths.nearSdkDir), null, 2));
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
/** Content of the builder itself (sources, C layer, package.json): a builder change rebuilds. */
function builderVersion(): string {
  if (builderFingerprint === undefined) {
    const hash = createHash("sha256");
    for (const file of [...filesUnder(path.join(BUILDER_DIR, "src")), ...filesUnder(path.join(BUILDER_DIR, "c")), path.join(BUILDER_DIR, "package.json")]) {
      hash.update(path.relative(BUILDER_DIR, file)).update("\0").update(readFileSync(file));
    }
    builderFingerprint = hash.digest("hex");
  }
  return builderFingerprint;
}

/** Content hash of the contract's sources, contracts/lib, near-sdk-js's version, the builder and the settings. */
function inputsHash(contractDir: string, paths: ProjectPaths, settings: object): string {
  const hash = createHash("sha256");
  hash.update(builderVersion()).update(JSON.stringify(settings));
  hash.update(readFileSync(path.join(paths.nearSdkDir, "package.json")));
  for (const [label, dir] of [["contract", contractDir], ["lib", paths.libDir]] as const) {
    for (const file of filesUnder(dir)) {
      hash.update(`${label}/${path.relative(dir, file)}\0`).update(readFileSync(file)).update(`\0${statSync(file).size}`);
    }
  }
  return hash.digest("hex");
}

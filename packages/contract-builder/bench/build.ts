/**
 * npm run bench:build [-- --json] [-- --variants] [-- --contract <name>] [-- --no-clean] [-- --repeat N]
 *
 * Measures, on this machine and in one run, for both toolchains: the shipped artefacts (default: no
 * compiler runs) and the native one (`--native-toolchain`: clang-14 and gcc, the builder before issue 19):
 *  - clean build of every contract (contract and Rollup caches cleared; for the native toolchain the
 *    engine and templates too; the pinned QuickJS tarball is kept so the figure is not a network
 *    measurement), as a fresh CLI process, with each contract's time;
 *  - rebuild of one contract after a one-line change, as a fresh CLI process (what `npm run build --
 *    <name>` costs a developer) served by a warm build daemon and with --no-daemon, and in a warm
 *    process (what a test watcher pays);
 *  - Wasm size per contract;
 *  - the installable packages' sizes as `npm pack` makes them (packed and unpacked; scripts/pack-packages.ts);
 *  - with --variants: template options (binaryen -Oz, eval, LTO): template build time and contract size.
 * Wall-clock figures depend on the machine's load, which is printed alongside (2 shared cores here).
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildContract, buildContracts, listContracts, readContractConfig, type ContractBuildResult } from "../src/index.js";
import { ARTEFACTS_DIR, ensureArtefacts, TRIMMED_INTRINSICS } from "../src/artefacts.js";
import { ensureTemplate } from "../src/backend.js";
import { stopDaemons } from "../src/daemon.js";
import { ensureEngine } from "../src/engine.js";
import { BUILDER_DIR, projectPaths } from "../src/paths.js";
import { packPackages } from "../../../scripts/pack-packages.js";

const exec = promisify(execFile);
const args = process.argv.slice(2);
const json = args.includes("--json");
const variants = args.includes("--variants");
// --no-clean: keep the caches (skips the clean-build figure; sizes come from an incremental build)
const noClean = args.includes("--no-clean");
const contractArg = args.includes("--contract") ? args[args.indexOf("--contract") + 1] : undefined;
// rebuilds are repeated (each after its own one-line change) and the median reported: on a shared
// machine one run says more about the neighbours than about the builder
const repeat = args.includes("--repeat") ? Math.max(1, Number(args[args.indexOf("--repeat") + 1])) : 3;
const paths = projectPaths();
const CLI = path.join(BUILDER_DIR, "src", "cli.ts");
const FIXTURE = path.join(BUILDER_DIR, "test", "fixtures", "builder-fixture");

function say(line: string): void {
  if (!json) process.stderr.write(`${line}\n`);
}

interface CliRun {
  wallMs: number;
  /** CPU time of the CLI process (user + system) */
  cpuMs: number;
  contracts: ContractBuildResult[];
  /** set when the build daemon built */
  daemonPid?: number;
}

// the benchmark's own daemon (its own folder, stopped at the end): a developer's daemon is neither used nor stopped
const daemonFolder = mkdtempSync(path.join(os.tmpdir(), "ntcb-bench-"));

/** A fresh CLI process; `daemon` routes it through the benchmark's build daemon, else --no-daemon. */
async function cli(cliArgs: string[], daemon = false): Promise<CliRun> {
  const started = performance.now();
  const env = { ...process.env, NEAR_TS_BUILD_DAEMON: daemon ? "1" : "0", NEAR_TS_BUILD_DAEMON_DIR: daemonFolder };
  const { stdout } = await exec(process.execPath, ["--import", "tsx", CLI, "build", "--generateABI", ...cliArgs, "--json", ...(daemon ? [] : ["--no-daemon"])], { cwd: paths.root, env, maxBuffer: 64 * 1024 * 1024 });
  const parsed = JSON.parse(stdout) as { contracts: ContractBuildResult[]; cpuMs: number; daemonPid?: number };
  if (daemon && parsed.daemonPid === undefined) throw new Error("the build daemon did not serve a daemon run (see the note on stderr)");
  return { wallMs: performance.now() - started, cpuMs: parsed.cpuMs, contracts: parsed.contracts, daemonPid: parsed.daemonPid };
}

/** Clear the per-contract caches, and with `engine` what the native toolchain compiles (the shipped artefacts stay: they come with the package). */
function clearCaches(engine: boolean): void {
  const subs = ["contracts", "rollup-cache", "rollup-cache.deps.json", "rollup-cache.project.json", "rollup-cache.json", "validated"];
  for (const sub of [...subs, ...(engine ? ["engine", "sources", "wasi-sysroot"] : [])]) rmSync(path.join(paths.cacheDir, sub), { recursive: true, force: true });
}

/** Files of the shipped artefacts with their sizes. */
function artefactSizes(): Array<{ file: string; bytes: number }> {
  const out: Array<{ file: string; bytes: number }> = [];
  const walk = (dir: string) => {
    for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".wasm")) out.push({ file: path.relative(ARTEFACTS_DIR, full), bytes: statSync(full).size });
    }
  };
  walk(ARTEFACTS_DIR);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

/** Every installable package packed as it would be published, in a scratch folder. */
async function installedPackageSizes(): Promise<Array<{ name: string; packedBytes: number; unpackedBytes: number }>> {
  say("packing the installable packages (npm pack)...");
  const destination = mkdtempSync(path.join(os.tmpdir(), "bench-pack-"));
  try {
    return (await packPackages(destination)).map((p) => ({ name: p.name, packedBytes: p.size, unpackedBytes: p.unpackedSize }));
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const names = listContracts();
  const load = os.loadavg().map((l) => Number(l.toFixed(2)));
  say(`machine: ${os.cpus().length} cores, load average ${load.join(" ")}`);

  // 1. clean build of all contracts, shipped artefacts then native toolchain (engine and templates compiled)
  say(noClean ? "build of all contracts (caches kept)..." : "clean build of all contracts (contract caches cleared; shipped artefacts)...");
  await ensureArtefacts({ nearSdkDir: paths.nearSdkDir, cacheDir: paths.cacheDir, log: say }, [...new Set(names.map((n) => readContractConfig(path.join(paths.contractsDir, n)).preinitialize ?? false))].map((preinit) => ({ wasmOpt: true, allowEval: false, dropIntrinsics: TRIMMED_INTRINSICS, ...(preinit ? { preinit } : {}) })));
  if (!noClean) clearCaches(false);
  const clean: CliRun = names.length > 0 ? await cli(noClean ? [] : ["--force"]) : { wallMs: 0, cpuMs: 0, contracts: [] };
  say(noClean ? "build of all contracts with --native-toolchain (caches kept)..." : "clean build of all contracts with --native-toolchain (engine, templates and contract caches cleared)...");
  if (!noClean) clearCaches(true);
  const cleanNative: CliRun = names.length > 0 ? await cli(noClean ? ["--native-toolchain"] : ["--force", "--native-toolchain"]) : { wallMs: 0, cpuMs: 0, contracts: [] };

  // 2. rebuild of one contract after a one-line change, on a scratch copy (contracts/.bench-<name>,
  // removed afterwards) so the benchmark never edits a file someone else may be working on
  const target = contractArg ?? names[0];
  const sourceDir = target ? path.join(paths.contractsDir, target) : FIXTURE;
  // same folder depth as the original, so relative imports of contracts/lib still resolve
  const targetDir = target ? path.join(paths.contractsDir, `.bench-${target}`) : path.join(path.dirname(FIXTURE), ".bench-builder-fixture");
  const benchOut = path.join(paths.cacheDir, "bench-out");
  rmSync(targetDir, { recursive: true, force: true });
  cpSync(sourceDir, targetDir, { recursive: true });
  const entry = path.join(targetDir, "src", "index.ts");
  const original = readFileSync(entry, "utf8");
  const cliRuns: Array<CliRun & { load1: number }> = [];
  const nativeCliRuns: Array<CliRun & { load1: number }> = [];
  const daemonRuns: Array<CliRun & { load1: number }> = [];
  const warmRuns: Array<{ result: ContractBuildResult; cpuMs: number; load1: number }> = [];
  let edits = 0;
  // a text no earlier run produced, so no cache keyed by the entry's text (validateContract's) can hit
  const edit = () => writeFileSync(entry, `${original}\n// bench edit ${Date.now()}-${++edits}\n`);
  try {
    await buildContract(targetDir, { outDir: benchOut }); // first build of the copy (and warms this process)
    for (let i = 0; i < repeat && target; i++) {
      say(`rebuild of ${path.basename(sourceDir)} after a one-line change (fresh CLI process ${i + 1}/${repeat})...`);
      edit();
      const load1 = os.loadavg()[0];
      cliRuns.push({ ...(await cli([`.bench-${target}`])), load1 });
      // the same with the native toolchain, alternating so both see the same load
      say(`rebuild of ${path.basename(sourceDir)} after a one-line change (fresh CLI process, --native-toolchain ${i + 1}/${repeat})...`);
      edit();
      const nativeLoad1 = os.loadavg()[0];
      nativeCliRuns.push({ ...(await cli([`.bench-${target}`, "--native-toolchain"])), load1: nativeLoad1 });
    }
    if (target) {
      say("starting the build daemon (one build, not measured)...");
      edit();
      await cli([`.bench-${target}`], true);
    }
    for (let i = 0; i < repeat && target; i++) {
      say(`rebuild of ${path.basename(sourceDir)} after a one-line change (fresh CLI process, warm build daemon, ${i + 1}/${repeat})...`);
      edit();
      const load1 = os.loadavg()[0];
      daemonRuns.push({ ...(await cli([`.bench-${target}`], true)), load1 });
    }
    for (let i = 0; i < repeat; i++) {
      say(`rebuild after a one-line change (warm process, as --watch, ${i + 1}/${repeat})...`);
      edit();
      const load1 = os.loadavg()[0];
      const cpuBefore = process.cpuUsage();
      const result = await buildContract(targetDir, { outDir: benchOut });
      const cpu = process.cpuUsage(cpuBefore);
      warmRuns.push({ result, cpuMs: (cpu.user + cpu.system) / 1000, load1 });
    }
  } finally {
    await stopDaemons(daemonFolder);
    rmSync(daemonFolder, { recursive: true, force: true });
    rmSync(targetDir, { recursive: true, force: true });
    for (const ext of [".wasm", ".abi.json"]) rmSync(path.join(paths.buildDir, `.bench-${target}${ext}`), { force: true });
  }

  const median = <T>(runs: T[], wall: (r: T) => number): T | undefined => [...runs].sort((a, b) => wall(a) - wall(b))[Math.floor((runs.length - 1) / 2)];
  const rebuildCli = median(cliRuns, (r) => r.wallMs);
  const rebuildNativeCli = median(nativeCliRuns, (r) => r.wallMs);
  const rebuildDaemon = median(daemonRuns, (r) => r.wallMs);
  const warmMedian = median(warmRuns, (r) => r.result.timings.totalMs);
  const rebuildWarm = warmMedian?.result;
  const rebuildWarmCpuMs = warmMedian?.cpuMs ?? 0;

  // 3. template variants
  const variantRows: Array<{ variant: string; templateBuildS: number; templateBytes: number; contractBytes?: number }> = [];
  if (variants) {
    const engine = await ensureEngine(paths.cacheDir, { lto: false });
    const ltoEngine = await ensureEngine(paths.cacheDir, { lto: true });
    const cases = [
      { variant: "eval kept, binaryen -Oz", engine, options: { wasmOpt: true, allowEval: true } },
      { variant: "eval kept, no binaryen", engine, options: { wasmOpt: false, allowEval: true } },
      { variant: "no eval, binaryen -Oz", engine, options: { wasmOpt: true, allowEval: false } },
      { variant: "no eval, no binaryen", engine, options: { wasmOpt: false, allowEval: false } },
      { variant: "LTO, eval kept, no binaryen", engine: ltoEngine, options: { wasmOpt: false, allowEval: true } },
      { variant: "LTO, no eval, binaryen -Oz", engine: ltoEngine, options: { wasmOpt: true, allowEval: false } },
    ];
    for (const c of cases) {
      say(`template variant: ${c.variant}...`);
      const dir = path.join(c.engine.dir, "templates");
      const before = existsSync(dir);
      const started = performance.now();
      const template = await ensureTemplate(c.engine, paths.nearSdkDir, c.options);
      const built = await buildContract(sourceDir, {
        outDir: path.join(paths.cacheDir, "bench-variants", c.variant.replace(/\W+/g, "-")),
        lto: c.engine.lto,
        wasmOpt: c.options.wasmOpt,
        allowEval: c.options.allowEval,
        abi: false,
      });
      variantRows.push({ variant: c.variant, templateBuildS: template.buildMs > 0 || !before ? seconds(performance.now() - started) : 0, templateBytes: template.wasm.length, contractBytes: built.wasmSize });
    }
  }

  const result = {
    machine: { cores: os.cpus().length, loadAverage: load },
    cleanBuild: { cachesCleared: !noClean, contracts: clean.contracts.length, wallS: seconds(clean.wallMs), cpuS: seconds(clean.cpuMs), engineS: seconds(Math.max(0, ...clean.contracts.map((c) => c.timings.engineMs))) },
    cleanBuildNative: { cachesCleared: !noClean, contracts: cleanNative.contracts.length, wallS: seconds(cleanNative.wallMs), cpuS: seconds(cleanNative.cpuMs), engineS: seconds(cleanNative.contracts.reduce((sum, c) => sum + c.timings.engineMs, 0)) },
    // each contract's build in the clean runs: shipped artefacts against the native toolchain (engine and template time included where it fell)
    perContract: clean.contracts.map((c) => {
      const native = cleanNative.contracts.find((n) => n.name === c.name);
      return { contract: c.name, shippedS: seconds(c.timings.totalMs), nativeS: native ? seconds(native.timings.totalMs) : undefined, nativeEngineS: native ? seconds(native.timings.engineMs) : undefined, sameBytes: native ? native.wasmSha256 === c.wasmSha256 : undefined };
    }),
    artefacts: artefactSizes(),
    rebuild: {
      contract: path.basename(sourceDir),
      runs: repeat,
      freshProcessS: rebuildCli ? seconds(rebuildCli.wallMs) : undefined,
      freshProcessMinS: cliRuns.length > 0 ? seconds(Math.min(...cliRuns.map((r) => r.wallMs))) : undefined,
      freshProcessRuns: cliRuns.map((r) => ({ wallS: seconds(r.wallMs), cpuS: seconds(r.cpuMs), load1: Number(r.load1.toFixed(2)) })),
      freshProcessCpuS: rebuildCli ? seconds(rebuildCli.cpuMs) : undefined,
      // the same with --native-toolchain (host gcc qjsc, template from the clang-built cache), alternating with the runs above
      nativeFreshProcessS: rebuildNativeCli ? seconds(rebuildNativeCli.wallMs) : undefined,
      nativeFreshProcessMinS: nativeCliRuns.length > 0 ? seconds(Math.min(...nativeCliRuns.map((r) => r.wallMs))) : undefined,
      nativeFreshProcessRuns: nativeCliRuns.map((r) => ({ wallS: seconds(r.wallMs), cpuS: seconds(r.cpuMs), load1: Number(r.load1.toFixed(2)) })),
      nativeFreshSteps: rebuildNativeCli ? Object.fromEntries(Object.entries(rebuildNativeCli.contracts[0].timings).map(([k, v]) => [k, seconds(v)])) : undefined,
      // steps of the fresh process (type-check, validate and ABI run in a worker thread beside bundle)
      freshSteps: rebuildCli ? Object.fromEntries(Object.entries(rebuildCli.contracts[0].timings).map(([k, v]) => [k, seconds(v)])) : undefined,
      // the same fresh CLI process, handed to a warm build daemon (the default outside CI); CPU is the CLI's plus the daemon's for the request
      daemonS: rebuildDaemon ? seconds(rebuildDaemon.wallMs) : undefined,
      daemonMinS: daemonRuns.length > 0 ? seconds(Math.min(...daemonRuns.map((r) => r.wallMs))) : undefined,
      daemonRuns: daemonRuns.map((r) => ({ wallS: seconds(r.wallMs), cpuS: seconds(r.cpuMs), load1: Number(r.load1.toFixed(2)) })),
      daemonCpuS: rebuildDaemon ? seconds(rebuildDaemon.cpuMs) : undefined,
      daemonSteps: rebuildDaemon ? Object.fromEntries(Object.entries(rebuildDaemon.contracts[0].timings).map(([k, v]) => [k, seconds(v)])) : undefined,
      warmProcessS: rebuildWarm ? seconds(rebuildWarm.timings.totalMs) : undefined,
      warmProcessMinS: warmRuns.length > 0 ? seconds(Math.min(...warmRuns.map((r) => r.result.timings.totalMs))) : undefined,
      warmProcessRuns: warmRuns.map((r) => ({ wallS: seconds(r.result.timings.totalMs), cpuS: seconds(r.cpuMs), load1: Number(r.load1.toFixed(2)) })),
      warmProcessCpuS: seconds(rebuildWarmCpuMs),
      warmSteps: rebuildWarm ? Object.fromEntries(Object.entries(rebuildWarm.timings).map(([k, v]) => [k, seconds(v)])) : undefined,
      targetS: 5,
    },
    // contracts opted into pre-initialisation (build.json) carry their QuickJS heap: ~110-145 KB more, ~5 Tgas less per call
    sizes: clean.contracts.map((c) => ({ contract: c.name, bytes: c.wasmSize, buildS: seconds(c.timings.totalMs), preinitialized: readContractConfig(path.join(paths.contractsDir, c.name)).preinitialize ?? false })),
    sizeTargetBytes: 450 * 1024,
    variants: variantRows,
    packages: await installedPackageSizes(),
  };
  if (json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`\npackage                        packed KiB   unpacked KiB   (npm pack, as installed by users)`);
  for (const p of result.packages) console.log(`${p.name.padEnd(30)} ${(p.packedBytes / 1024).toFixed(1).padStart(10)} ${(p.unpackedBytes / 1024).toFixed(1).padStart(14)}`);
  console.log(`\nmachine: ${result.machine.cores} cores, load average ${load.join(" ")} (wall times scale with load)`);
  console.log(`${noClean ? "build (caches kept)" : "clean build (caches cleared)"}, ${result.cleanBuild.contracts} contracts, shipped artefacts (no compiler): ${result.cleanBuild.wallS} s wall, ${result.cleanBuild.cpuS} s CPU of the CLI process`);
  console.log(`${noClean ? "build (caches kept)" : "clean build (caches cleared)"}, ${result.cleanBuildNative.contracts} contracts, --native-toolchain: ${result.cleanBuildNative.wallS} s wall, ${result.cleanBuildNative.cpuS} s CPU of the CLI process (engine + templates: ${result.cleanBuildNative.engineS} s wall; gcc/clang children not in the CPU figure)`);
  console.log(`\ncontract                 shipped s   native s  (of which engine/template)  same bytes`);
  for (const c of result.perContract) console.log(`${c.contract.padEnd(24)} ${String(c.shippedS).padStart(9)} ${String(c.nativeS).padStart(10)} ${String(c.nativeEngineS).padStart(28)}  ${c.sameBytes ? "yes" : "NO"}`);
  console.log(`\nshipped artefacts: ${result.artefacts.map((a) => `${a.file} ${a.bytes} B`).join(", ")} (total ${result.artefacts.reduce((s, a) => s + a.bytes, 0)} B)\n`);
  console.log(`rebuild of ${result.rebuild.contract} after a one-line change (target ≤ 5 s; median of ${repeat}, min in brackets):`);
  console.log(`  fresh CLI process, warm build daemon (default): ${result.rebuild.daemonS} s wall (${result.rebuild.daemonMinS}), ${result.rebuild.daemonCpuS} s CPU (CLI + daemon); load at each run: ${daemonRuns.map((r) => r.load1.toFixed(1)).join(", ")}`);
  if (result.rebuild.daemonSteps) console.log(`  daemon steps (s): ${Object.entries(result.rebuild.daemonSteps).map(([k, v]) => `${k.replace(/Ms$/, "")} ${v}`).join(", ")}`);
  console.log(`  fresh CLI process, --no-daemon: ${result.rebuild.freshProcessS} s wall (${result.rebuild.freshProcessMinS}), ${result.rebuild.freshProcessCpuS} s CPU (both threads); load at each run: ${cliRuns.map((r) => r.load1.toFixed(1)).join(", ")}`);
  console.log(`  fresh CLI process, --no-daemon --native-toolchain: ${result.rebuild.nativeFreshProcessS} s wall (${result.rebuild.nativeFreshProcessMinS}); load at each run: ${nativeCliRuns.map((r) => r.load1.toFixed(1)).join(", ")}`);
  if (result.rebuild.nativeFreshSteps) console.log(`  native fresh steps (s): ${Object.entries(result.rebuild.nativeFreshSteps).map(([k, v]) => `${k.replace(/Ms$/, "")} ${v}`).join(", ")}`);
  if (result.rebuild.freshSteps) console.log(`  fresh steps (s): ${Object.entries(result.rebuild.freshSteps).map(([k, v]) => `${k.replace(/Ms$/, "")} ${v}`).join(", ")}`);
  console.log(`  warm process (as --watch): ${result.rebuild.warmProcessS} s wall (${result.rebuild.warmProcessMinS}), ${result.rebuild.warmProcessCpuS} s CPU; load at each run: ${warmRuns.map((r) => r.load1.toFixed(1)).join(", ")}`);
  if (result.rebuild.warmSteps) console.log(`  warm steps (s): ${Object.entries(result.rebuild.warmSteps).map(([k, v]) => `${k.replace(/Ms$/, "")} ${v}`).join(", ")}`);
  console.log(`\ncontract                 bytes      KiB     build s   (target ≤ ${result.sizeTargetBytes / 1024} KiB for the default build; * pre-initialised by its build.json)`);
  for (const s of result.sizes) console.log(`${(s.contract + (s.preinitialized ? " *" : "")).padEnd(24)} ${String(s.bytes).padStart(8)} ${(s.bytes / 1024).toFixed(1).padStart(8)} ${String(s.buildS).padStart(10)}`);
  if (variantRows.length > 0) {
    console.log(`\ntemplate variant                 template build s   template bytes   ${result.rebuild.contract} bytes`);
    for (const v of variantRows) console.log(`${v.variant.padEnd(32)} ${String(v.templateBuildS).padStart(16)} ${String(v.templateBytes).padStart(16)} ${String(v.contractBytes).padStart(14)}`);
  }
}

await main();

#!/usr/bin/env -S node --import tsx
/**
 * near-ts-contract-builder: `npm run build [-- <name...>] [options]` builds contracts/<name>/src/index.ts
 * to build/<name>.wasm and build/<name>.abi.json. `setup` installs/checks the toolchain and the engine.
 */
import { watch as watchFs } from "node:fs";
import { parseArgs } from "node:util";
import path from "node:path";
import { buildContracts, listContracts, type ContractBuildResult } from "./build.js";
import { chooseTemplateOptions, ensureTemplate } from "./backend.js";
import { ensureEngine } from "./engine.js";
import { buildThroughDaemon, daemonWanted, stopDaemons } from "./daemon.js";
import { ContractBuildError } from "./errors.js";
import { loadRedeployer, type Redeploy } from "./redeploy.js";
import { projectPaths } from "./paths.js";
import { ensureToolchain } from "./toolchain.js";

const USAGE = `Usage:
  npm run build [-- <name...>] [options]     build contracts/<name>/src/index.ts (default: every contract)
  tsx packages/contract-builder/src/cli.ts setup [options]   install/check Debian packages, build the engine

Options:
  --verbose        print each step and near-sdk-js's own output
  --no-abi         do not write build/<name>.abi.json
  --no-eval        drop eval/new Function from the runtime; fail if a contract uses them
  --eval           keep eval/new Function even for contracts that do not use them
                   (default: kept only for a contract whose bundle uses them; without: about 70 KB smaller)
  --full-runtime   keep every QuickJS intrinsic (default: leave out those the contract cannot reach)
  --debug-info     keep line numbers and function source in the bytecode (bigger, more gas per call)
  --preinit        pre-initialise every contract built (runtime + module snapshot in the Wasm: less gas per call)
  --no-preinit     pre-initialise none (default: as contracts/<name>/build.json says)
  --no-wasm-opt    skip binaryen -Oz on the shared template
  --lto            link the template with LTO (measured: ~1% smaller, much slower once)
  --force          rebuild even when sources are unchanged
  --json           print the results as one JSON object
  --watch          stay running and rebuild what changes (a warm process skips ~3.6 s CPU of module loading)
  --deploy         with --watch: redeploy each rebuilt contract to its dev account on the running node,
                   with the deploy config's migrate call (scripts/watch-deploy.ts of this repository)
  --rpc-url <url>  the node --deploy deploys to (default http://127.0.0.1:3030, npm run sandbox)
  --no-daemon      build in this process instead of the build daemon (also NEAR_TS_BUILD_DAEMON=0;
                   the daemon is off by default when CI is set, NEAR_TS_BUILD_DAEMON=1 turns it on)
  --stop-daemon    stop this checkout's build daemon and exit
  --root <dir>     repository root (default: this repository)
  -h, --help       this text`;

function formatKb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function printTable(results: ContractBuildResult[], root: string): void {
  const rows = results.map((r) => [r.name, path.relative(root, r.wasmPath), `${r.wasmSize} B (${formatKb(r.wasmSize)})`, r.cached ? "unchanged" : `${(r.timings.totalMs / 1000).toFixed(2)} s`, String(r.methods.length)]);
  const header = ["contract", "wasm", "size", "build", "exports"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      verbose: { type: "boolean", default: false },
      "no-abi": { type: "boolean", default: false },
      "no-eval": { type: "boolean", default: false },
      eval: { type: "boolean", default: false },
      "full-runtime": { type: "boolean", default: false },
      "debug-info": { type: "boolean", default: false },
      "no-wasm-opt": { type: "boolean", default: false },
      lto: { type: "boolean", default: false },
      preinit: { type: "boolean", default: false },
      "no-preinit": { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      deploy: { type: "boolean", default: false },
      "rpc-url": { type: "string" },
      "no-daemon": { type: "boolean", default: false },
      "stop-daemon": { type: "boolean", default: false },
      root: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values["stop-daemon"]) {
    const stopped = await stopDaemons();
    console.log(stopped.length > 0 ? `stopped build daemon${stopped.length > 1 ? "s" : ""} (pid ${stopped.join(", ")})` : "no build daemon was running");
    return 0;
  }
  const [command = "build", ...names] = positionals;
  const paths = projectPaths(values.root);
  const log = values.verbose || !values.json ? (line: string) => process.stderr.write(`${line}\n`) : () => {};
  if (values.eval && values["no-eval"]) {
    console.error(`--eval and --no-eval contradict each other: give at most one\n\n${USAGE}`);
    return 2;
  }
  if (values.preinit && values["no-preinit"]) {
    console.error(`--preinit and --no-preinit contradict each other: give at most one\n\n${USAGE}`);
    return 2;
  }
  const allowEval = values.eval ? true : values["no-eval"] ? false : undefined;
  // setup prepares the template most contracts get: no eval, and Map/Set kept because near-sdk-js's
  // state decoding bundles klona/full, which names them (see clone-deep-alias.ts)
  const templateOptions = chooseTemplateOptions("setup", { evalUses: [], reachableIntrinsics: ["MapSet"] }, { wasmOpt: !values["no-wasm-opt"], allowEval: allowEval ?? "auto", trimRuntime: !values["full-runtime"], debugInfo: false });

  if (command === "setup") {
    await ensureToolchain({ log });
    const engine = await ensureEngine(paths.cacheDir, { lto: values.lto }, log);
    const template = await ensureTemplate(engine, paths.nearSdkDir, templateOptions, log);
    console.log(`toolchain ready; engine ${engine.key}, template ${template.key} (${template.wasm.length} bytes) in ${path.relative(paths.root, engine.dir)}`);
    return 0;
  }
  if (command !== "build") {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (names.length === 0 && listContracts(paths.root).length === 0) {
    console.error(`no contracts under ${path.relative(process.cwd(), paths.contractsDir) || "contracts"}/ (a contract is contracts/<name>/src/index.ts)`);
    return values.json ? (console.log(JSON.stringify({ contracts: [] })), 0) : 0;
  }
  const buildOptions = {
    root: paths.root,
    abi: !values["no-abi"],
    allowEval,
    trimRuntime: !values["full-runtime"],
    debugInfo: values["debug-info"],
    preinitialize: values.preinit ? true : values["no-preinit"] ? false : undefined,
    wasmOpt: templateOptions.wasmOpt,
    lto: values.lto,
    verbose: values.verbose,
    log,
  };
  if (values.deploy && !values.watch) {
    console.error("--deploy redeploys on every rebuild and needs --watch (a one-off deploy: npm run dev-deploy -- <name>)\n\n" + USAGE);
    return 2;
  }
  if (values.watch) {
    const redeploy = values.deploy ? await loadRedeployer(paths.root, names.length > 0 ? names : listContracts(paths.root), values["rpc-url"]) : undefined;
    return watch(paths, names, buildOptions, redeploy);
  }
  let daemon: { pid: number; cpuMs: number } | undefined;
  let results: ContractBuildResult[] | undefined;
  // --verbose prints near-sdk-js's own output, which only an in-process build can show
  if (daemonWanted(values["no-daemon"]) && !values.verbose) {
    const { log: _log, ...serializable } = buildOptions;
    const outcome = await buildThroughDaemon({ ...serializable, names, force: values.force }, log);
    if (outcome.served && "failed" in outcome) {
      process.stderr.write(outcome.failed.exitCode === 1 ? `error: ${outcome.failed.text}\n` : `contract-builder crashed in the build daemon (a bug, please report): ${outcome.failed.text}\n`);
      return outcome.failed.exitCode;
    }
    if (outcome.served) {
      results = outcome.results;
      daemon = { pid: outcome.pid, cpuMs: outcome.cpuMs };
    } else process.stderr.write(`note: ${outcome.reason}; building in this process (--no-daemon skips the daemon)\n`);
  }
  results ??= await buildContracts({ ...buildOptions, names, force: values.force });
  const cpu = process.cpuUsage();
  // CPU time of this process (the builder runs in-process; only qjsc is a child) next to wall times,
  // plus the daemon's CPU for this request when it built
  const cpuMs = (cpu.user + cpu.system) / 1000 + (daemon?.cpuMs ?? 0);
  if (values.json) console.log(JSON.stringify({ contracts: results, cpuMs, ...(daemon ? { daemonPid: daemon.pid } : {}) }, null, 2));
  else printTable(results, paths.root);
  return 0;
}

/**
 * Rebuild on change: a file under contracts/<name>/ rebuilds that contract, contracts/lib rebuilds all. With
 * `redeploy`, every contract built (at start, and after a change whose Wasm differs) is redeployed.
 */
async function watch(paths: ReturnType<typeof projectPaths>, names: string[], options: Parameters<typeof buildContracts>[0], redeploy?: Redeploy): Promise<number> {
  const selected = () => (names.length > 0 ? names : listContracts(paths.root));
  const rebuild = async (which: string[], savedAt: number, atStart = false) => {
    try {
      const results = await buildContracts({ ...options, names: which });
      printTable(results, paths.root);
      for (const r of results) if (redeploy && (atStart || !r.cached)) await redeploy(r.name, savedAt);
    } catch (error) {
      if (!(error instanceof ContractBuildError)) throw error;
      process.stderr.write(`error: ${error.describe()}\n`);
    }
  };
  await rebuild(selected(), Date.now(), true);
  process.stderr.write(`watching ${path.relative(process.cwd(), paths.contractsDir) || "contracts"}/ (Ctrl-C to stop)\n`);
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  // when the first change of a batch was seen: the start of "save to deployed"
  let firstChange: number | undefined;
  watchFs(paths.contractsDir, { recursive: true }, (_event, file) => {
    if (!file) return;
    firstChange ??= Date.now();
    const [top] = String(file).split(path.sep);
    for (const name of top === "lib" ? selected() : selected().filter((n) => n === top)) pending.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const which = [...pending];
      const savedAt = firstChange ?? Date.now();
      pending.clear();
      firstChange = undefined;
      if (which.length > 0) running = running.then(() => rebuild(which, savedAt));
    }, 200);
  });
  return new Promise<number>(() => {});
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ContractBuildError) {
      process.stderr.write(`error: ${error.describe()}\n`);
      process.exit(1);
    }
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`contract-builder crashed (a bug, please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(3);
  },
);

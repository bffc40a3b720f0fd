#!/usr/bin/env node
/**
 * near-ts-contract-builder: near-sdk-js's `build <source> [target] [packageJson] [tsConfig]` (same arguments,
 * flags and outputs), or `build [<name>...]` for contracts/<name>/src/index.ts; `setup` makes the
 * shipped artefacts (maintainers, clang-14).
 */
import { existsSync, statSync, watch as watchFs } from "node:fs";
import { parseArgs } from "node:util";
import path from "node:path";
import { buildContracts, buildFile, listContracts, type BuildOptions, type ContractBuildResult, type FileBuildRequest } from "./build.js";
import { ensureArtefacts, SHIPPED_TEMPLATES, TRIMMED_INTRINSICS } from "./artefacts.js";
import { buildThroughDaemon, daemonWanted, stopDaemons } from "./daemon.js";
import { ContractBuildError } from "./errors.js";
import { loadRedeployer, type Redeploy } from "./redeploy.js";
import { projectPaths } from "./paths.js";

const USAGE = `Usage:
  near-ts-contract-builder build <source> [target] [packageJson] [tsConfig] [options]
      near-sdk-js's form: build one entry file (.ts or .js) to target (default build/contract.wasm)
  near-ts-contract-builder build [<name>...] [options]
      contracts/<name>/src/index.ts to build/<name>.wasm (default: every contract; in this repository: npm run build)
  near-ts-contract-builder setup [--all-artefacts]
      maintainers (needs clang-14): make the shipped artefacts (qjsc.wasm and the templates) from source

near-sdk-js's options:
  --generateABI    also write the ABI: <target name>-abi.json next to the target (contracts/: build/<name>.abi.json)
  --verbose        print each step and near-sdk-js's own output

Our options:
  --preinit        pre-initialise every contract built (runtime + module snapshot in the Wasm: less gas per call)
  --no-preinit     pre-initialise none (default: as build.json says)
  --no-eval        drop eval/new Function from the runtime; fail if a contract uses them
  --eval           keep eval/new Function even for contracts that do not use them
                   (default: kept only for a contract whose bundle uses them; without: about 70 KB smaller)
  --full-runtime   keep every QuickJS intrinsic (default: leave out those the contract cannot reach)
  --debug-info     keep line numbers and function source in the bytecode (bigger, more gas per call)
  --force          rebuild even when sources are unchanged (default: an unchanged contract is not rebuilt)
  --json           print the results as one JSON object
  --watch          stay running and rebuild what changes (a warm process skips ~3.6 s CPU of module loading)
  --deploy         with --watch, contracts/ form: redeploy each rebuilt contract to its dev account on the
                   running node, with the deploy config's migrate call (scripts/watch-deploy.ts of this repository)
  --rpc-url <url>  the node --deploy deploys to (default http://127.0.0.1:3030, npm run sandbox)
  --no-daemon      build in this process instead of the build daemon (also NEAR_TS_BUILD_DAEMON=0;
                   the daemon is off by default when CI is set, NEAR_TS_BUILD_DAEMON=1 turns it on)
  --stop-daemon    stop this installation's build daemons and exit
  --root <dir>     project root (default: this repository, or the current folder when installed)

Maintainers' options (native toolchain: clang-14, gcc):
  --native-toolchain  compile the template and bytecode with clang-14 and gcc instead of the shipped
                      artefacts (exactly the runtime each contract needs)
  --no-wasm-opt    skip binaryen -Oz on the template (implies --native-toolchain)
  --lto            link the template with LTO (implies --native-toolchain; ~1% smaller, much slower once)
  --all-artefacts  setup: make every shipped template (default: those this repository's contracts use)
  -h, --help       this text`;

/** A positional that names a file (near-sdk-js's form) rather than a contract under contracts/. */
function looksLikeFile(argument: string, root: string): boolean {
  return /\.[cm]?[jt]s$/.test(argument) || argument.includes("/") || argument.includes(path.sep) || (existsSync(path.resolve(root, argument)) && statSync(path.resolve(root, argument)).isFile());
}

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
      generateABI: { type: "boolean", default: false },
      "no-eval": { type: "boolean", default: false },
      eval: { type: "boolean", default: false },
      "full-runtime": { type: "boolean", default: false },
      "debug-info": { type: "boolean", default: false },
      "no-wasm-opt": { type: "boolean", default: false },
      lto: { type: "boolean", default: false },
      "native-toolchain": { type: "boolean", default: false },
      "all-artefacts": { type: "boolean", default: false },
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
  const [command = "build", ...args] = positionals;
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

  if (command === "setup") {
    // the templates this repository's contracts use (no eval, trimmed; plain and pre-initialised), or all
    const templates = values["all-artefacts"] ? SHIPPED_TEMPLATES : SHIPPED_TEMPLATES.filter((t) => !t.allowEval && t.dropIntrinsics?.join() === TRIMMED_INTRINSICS.join());
    const made = await ensureArtefacts({ nearSdkDir: paths.nearSdkDir, cacheDir: paths.cacheDir, log }, templates);
    console.log(`artefacts ready: ${path.relative(process.cwd(), made.qjsc)}; templates ${made.templates.map((t) => `${t.id} (${t.bytes} bytes)`).join(", ")}`);
    return 0;
  }
  if (command !== "build") {
    console.error(`unknown command "${command}" (near-sdk-js's validateContract, checkTypescript, createJsFileWithRollup and transpileJsAndBuildWasm are steps of build here)\n\n${USAGE}`);
    return 2;
  }
  const allowEval = values.eval ? true : values["no-eval"] ? false : undefined;
  const buildOptions: BuildOptions = {
    root: paths.root,
    abi: values.generateABI,
    allowEval,
    trimRuntime: !values["full-runtime"],
    debugInfo: values["debug-info"],
    preinitialize: values.preinit ? true : values["no-preinit"] ? false : undefined,
    wasmOpt: !values["no-wasm-opt"],
    lto: values.lto,
    toolchain: values["native-toolchain"] ? "native" : "shipped",
    verbose: values.verbose,
    log,
  };

  // near-sdk-js's form: a file argument, or no argument where there is no contracts/<name>/src/index.ts;
  // its paths are relative to the current folder, as near-sdk-js's
  const fileForm = args.length > 0 ? looksLikeFile(args[0], process.cwd()) : listContracts(values.root ?? process.cwd()).length === 0;
  let file: FileBuildRequest | undefined;
  if (fileForm) {
    buildOptions.root = values.root ? path.resolve(values.root) : process.cwd();
    if (args.length > 4) {
      console.error(`too many arguments: build takes [source] [target] [packageJson] [tsConfig]\n\n${USAGE}`);
      return 2;
    }
    // near-sdk-js's defaults; paths absolute, since the daemon runs elsewhere
    const [source = "src/index.js", target = "build/contract.wasm", packageJson, tsconfig] = args;
    const absolute = (p: string | undefined) => (p === undefined ? undefined : path.resolve(buildOptions.root!, p));
    file = { source: absolute(source)!, target: absolute(target)!, packageJson: absolute(packageJson), tsconfig: absolute(tsconfig) };
  }
  const names = fileForm ? [] : args;
  if (values.deploy && (!values.watch || file)) {
    console.error(`--deploy redeploys contracts/<name> on every rebuild and needs --watch (a one-off deploy: npm run dev-deploy -- <name>)\n\n${USAGE}`);
    return 2;
  }
  const build = (which: string[]): Promise<ContractBuildResult[]> => (file ? buildFile(file, buildOptions).then((r) => [r]) : buildContracts({ ...buildOptions, names: which }));
  if (values.watch) {
    const redeploy = values.deploy ? await loadRedeployer(paths.root, names.length > 0 ? names : listContracts(paths.root), values["rpc-url"]) : undefined;
    return file ? watchFile(file, buildOptions, paths.root) : watch(paths, names, buildOptions, redeploy);
  }
  let daemon: { pid: number; cpuMs: number } | undefined;
  let results: ContractBuildResult[] | undefined;
  // --verbose prints near-sdk-js's own output, which only an in-process build can show
  if (daemonWanted(values["no-daemon"]) && !values.verbose) {
    const { log: _log, ...serializable } = buildOptions;
    const outcome = await buildThroughDaemon({ ...serializable, names, file, force: values.force }, log);
    if (outcome.served && "failed" in outcome) {
      process.stderr.write(outcome.failed.exitCode === 1 ? `error: ${outcome.failed.text}\n` : `contract-builder crashed in the build daemon (a bug, please report): ${outcome.failed.text}\n`);
      return outcome.failed.exitCode;
    }
    if (outcome.served) {
      results = outcome.results;
      daemon = { pid: outcome.pid, cpuMs: outcome.cpuMs };
    } else process.stderr.write(`note: ${outcome.reason}; building in this process (--no-daemon skips the daemon)\n`);
  }
  if (!results) {
    buildOptions.force = values.force;
    results = await build(names);
  }
  const cpu = process.cpuUsage();
  // CPU time of this process (the builder runs in-process) next to wall times, plus the daemon's CPU
  // for this request when it built
  const cpuMs = (cpu.user + cpu.system) / 1000 + (daemon?.cpuMs ?? 0);
  if (values.json) console.log(JSON.stringify({ contracts: results, cpuMs, ...(daemon ? { daemonPid: daemon.pid } : {}) }, null, 2));
  else printTable(results, process.cwd());
  return 0;
}

/** near-sdk-js's form with --watch: a change under the entry's folder rebuilds it. */
async function watchFile(file: FileBuildRequest, options: BuildOptions, root: string): Promise<number> {
  const rebuild = async () => {
    try {
      printTable([await buildFile(file, options)], root);
    } catch (error) {
      if (!(error instanceof ContractBuildError)) throw error;
      process.stderr.write(`error: ${error.describe()}\n`);
    }
  };
  await rebuild();
  const dir = path.dirname(file.source);
  process.stderr.write(`watching ${path.relative(process.cwd(), dir) || "."}/ (Ctrl-C to stop)\n`);
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  watchFs(dir, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => (running = running.then(rebuild)), 200);
  });
  return new Promise<number>(() => {});
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

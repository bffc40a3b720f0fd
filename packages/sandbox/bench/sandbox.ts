/**
 * `npm run bench:sandbox` (`-- --json` for one JSON object): the project's node as near-workspaces sees it.
 *
 * - node start: `init`, then `run` until the RPC answers, through the installed launcher (both from V8
 *   startup snapshots), through the ESM bundle alone, and through `node --import tsx`;
 *   wall and CPU time of each step
 * - Worker.init + tearDown (near-workspaces 5.0.0, default config), and the same steps timed one by one as
 *   near-workspaces' SandboxWorker.init takes them (lock, init process, run until its 250 ms readiness poll
 *   is answered, release)
 * - median latency of a function-call transaction through near-workspaces (`account.callRaw`)
 * - median latency of a cross-contract call with a callback (probe contract `call_other`)
 * - wall time of the whole sandbox-tests suite (ava)
 * - snapshot + revert over JSON-RPC, and the gas report's overhead on the sandbox-tests run (bench/dev-loop.ts;
 *   `--gas-suite=<file,file>` measures the overhead on those files instead of the whole of sandbox-tests/,
 *   even with --no-suite)
 * - fork mode (bench/fork.ts): a view reading one key of a forked contract from the remote, from memory, from
 *   the disk cache of a second run, and from local state; Worker.init + tearDown on the forked launcher
 *
 * Targets from issue 4: Worker.init ≤ 500 ms, function call ≤ 30 ms median, cross-contract ≤ 60 ms; from
 * issue 16: snapshot + revert ≤ 5 ms, gas report overhead ≤ 5 %.
 * Timings depend on the machine's load: compare rows within one run, not across runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { format } from 'node:util';
import { dirname, join } from 'node:path';
import { Worker } from 'near-workspaces';
import { probeWasmPath } from '../../../sandbox-tests/probe-contract.js';
import { announcedUrl } from '../test/rpc/node-process.js';
import { buildBundle, currentBundleEntry, currentSnapshotBlob, ENTRY_TS, REPO_DIR } from '../src/node/bundle.js';
import { installLauncher } from '../src/node/install.js';
import { gasReportOverhead, snapshotRevertOverRpc } from './dev-loop.js';
import { forkBench } from './fork.js';

// near-workspaces prints every contract log of every call unless told not to; the table is the output.
process.env.NEAR_WORKSPACES_NO_LOGS ??= "1";

const JSON_OUTPUT = process.argv.includes('--json');
const QUICK = process.argv.includes('--quick');
const log = (line: string) => {
  if (!JSON_OUTPUT) process.stderr.write(`${line}\n`);
};
if (JSON_OUTPUT) {
  // near-api-js and near-workspaces print contract logs with console.log; stdout carries only the JSON object
  for (const level of ['log', 'info', 'debug'] as const) console[level] = (...args: unknown[]) => process.stderr.write(`${format(...args)}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (n: number) => Math.round(n * 10) / 10;

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU time (user + system) a live process has used, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

interface StartTimes {
  initMs: number;
  initCpuMs: number;
  /** From spawning `run` until `block` answers 200, polled every 5 ms. */
  readyMs: number;
  readyCpuMs: number;
}

/**
 * init, then run until `block` answers 200 (what near-workspaces waits for), then SIGINT. Wall time and the
 * CPU time each process used: the CPU figure depends much less on how busy the machine is.
 */
async function nodeStart(command: string[], env: NodeJS.ProcessEnv = process.env): Promise<StartTimes> {
  const home = mkdtempSync(join(tmpdir(), 'bench-start-'));
  try {
    let started = performance.now();
    // /usr/bin/time reports the init process's CPU time (user + system seconds) on stderr
    const init = spawnSync('/usr/bin/time', ['-f', '%U %S', command[0]!, ...command.slice(1), '--home', join(home, 'h'), 'init'], { encoding: 'utf8', env });
    if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
    const initMs = performance.now() - started;
    const [user, system] = init.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    started = performance.now();
    // the node chooses its port and announces it: one picked here and freed first could be taken meanwhile
    const child = spawn(command[0]!, [...command.slice(1), '--home', join(home, 'h'), 'run', '--rpc-addr', '0.0.0.0:0', '--network-addr', '0.0.0.0:0'], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    for (;;) {
      const url = announcedUrl(stderr, join(home, 'h'));
      if (url === undefined) {
        if (child.exitCode !== null) throw new Error(`run exited (${child.exitCode}): ${stderr}`);
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      try {
        const res = await fetch(url, {
          method: 'POST',
          body: JSON.stringify({ jsonrpc: '2.0', id: 'dontcare', method: 'block', params: { finality: 'final' } }),
        });
        if (res.status === 200) break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const readyMs = performance.now() - started;
    const readyCpuMs = cpuMsOf(child.pid!);
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
    return { initMs, initCpuMs: (user! + system!) * 1000, readyMs, readyCpuMs };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

interface WorkerInitSteps {
  lockAndPortMs: number;
  initProcessMs: number;
  runUntilReadyMs: number;
  releaseMs: number;
  tearDownMs: number;
}

/**
 * near-workspaces 5.0.0 `SandboxWorker.init` and `tearDown` (dist/worker.js, dist/server/server.js) step by
 * step, with the package's own SandboxServer and lock, so each step's share of Worker.init shows.
 */
async function workerInitSteps(): Promise<WorkerInitSteps> {
  const require = createRequire(join(dirname(createRequire(import.meta.url).resolve('near-workspaces')), 'worker.js'));
  const { SandboxServer } = require('./server/server.js');
  const { lock } = require('proper-lockfile');
  const syncFile = SandboxServer.lockfilePath('near-sandbox-worker-sync.txt');
  try {
    readFileSync(syncFile);
  } catch {
    writeFileSync(syncFile, 'workspace-js test port sync');
  }
  const t0 = performance.now();
  const release = await lock(syncFile, { retries: { retries: 100, factor: 3, minTimeout: 200, maxTimeout: 2000, randomize: true } });
  const port = await SandboxServer.nextPort();
  const config = { network: 'sandbox', rootAccountId: 'test.near', homeDir: SandboxServer.randomHomeDir(), port, rm: false, refDir: null, rpcAddr: `http://127.0.0.1:${port}` };
  const t1 = performance.now();
  const server = await SandboxServer.init(config);
  const t2 = performance.now();
  await server.start();
  const t3 = performance.now();
  await release();
  const t4 = performance.now();
  await server.close();
  const t5 = performance.now();
  return { lockAndPortMs: t1 - t0, initProcessMs: t2 - t1, runUntilReadyMs: t3 - t2, releaseMs: t4 - t3, tearDownMs: t5 - t4 };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

const medianOf = <T,>(runs: T[], key: keyof T) => round(median(runs.map((r) => r[key] as number)));

async function main(): Promise<void> {
  const build = await buildBundle();
  const bundleEntry = currentBundleEntry();
  if (bundleEntry === null) throw new Error('the bundle was not built');
  if (currentSnapshotBlob('run') === null) log(`note: no startup snapshots (${build.snapshotError}); init and run start from the ESM bundle`);
  const launcher = installLauncher();
  if (launcher.kind === 'foreign-binary') log(`note: ${launcher.path} is not this project's launcher; near-workspaces rows measure that binary`);

  const startRuns = QUICK ? 2 : 4;
  log('node start (init, then run until the RPC answers)…');
  const launcherStart: StartTimes[] = [];
  const bundleStart: StartTimes[] = [];
  const tsxStart: StartTimes[] = [];
  for (let i = 0; i < startRuns; i++) {
    launcherStart.push(await nodeStart([launcher.path]));
    bundleStart.push(await nodeStart([process.execPath, bundleEntry]));
    tsxStart.push(await nodeStart([process.execPath, '--import', 'tsx', ENTRY_TS]));
  }
  const loadAverage = loadavg()[0]!;

  log('Worker.init + tearDown…');
  const workerRuns: number[] = [];
  const stepRuns: WorkerInitSteps[] = [];
  for (let i = 0; i < (QUICK ? 3 : 6); i++) {
    const [ms] = await timed(async () => {
      const worker = await Worker.init();
      await worker.tearDown();
    });
    workerRuns.push(ms);
    stepRuns.push(await workerInitSteps());
  }

  // near-api-js prints each receipt's logs through console.log; keep the measurements' output clean
  const consoleLog = console.log;
  console.log = () => undefined;
  log('function calls and cross-contract calls…');
  const worker = await Worker.init();
  const root = worker.rootAccount;
  const wasm = await probeWasmPath();
  const contract = await root.devDeploy(wasm);
  const callee = await root.devDeploy(wasm);
  await root.callRaw(contract, 'set', Buffer.from('warm-up'));
  const callRuns: number[] = [];
  for (let i = 0; i < (QUICK ? 10 : 40); i++) {
    const [ms, result] = await timed(() => root.callRaw(contract, 'set', Buffer.from(`value ${i}`)));
    if (!result.succeeded) throw new Error(`set failed: ${JSON.stringify(result.Failure)}`);
    callRuns.push(ms);
  }
  await root.callRaw(contract, 'call_other', Buffer.from(callee.accountId));
  const crossRuns: number[] = [];
  for (let i = 0; i < (QUICK ? 6 : 20); i++) {
    const [ms, result] = await timed(() => root.callRaw(contract, 'call_other', Buffer.from(callee.accountId)));
    if (Buffer.from(result.SuccessValue ?? '', 'base64').toString() !== 'got:ping') throw new Error('call_other did not return got:ping');
    crossRuns.push(ms);
  }
  await worker.tearDown();
  console.log = consoleLog;

  log('fork mode: reads and Worker.init on the forked launcher…');
  const fork = await forkBench(QUICK);

  log('snapshot + revert over JSON-RPC…');
  const snapshotRevert = await snapshotRevertOverRpc(false, QUICK ? 10 : 40);
  const snapshotRevertStored = await snapshotRevertOverRpc(true, QUICK ? 10 : 40);
  const gasSuiteArg = process.argv.find((a) => a.startsWith('--gas-suite='));
  const gasSuite = gasSuiteArg ? gasSuiteArg.slice('--gas-suite='.length).split(',') : ['sandbox-tests/'];
  let gasOverhead: Awaited<ReturnType<typeof gasReportOverhead>> | null = null;
  if (!process.argv.includes('--no-suite') || gasSuiteArg) {
    log(`gas report overhead on ${gasSuite.join(' ')} (with and without, alternated)…`);
    gasOverhead = await gasReportOverhead(REPO_DIR, gasSuite, QUICK ? 1 : 2);
  }

  let suite: { ms: number; exitCode: number } | null = null;
  if (!process.argv.includes('--no-suite')) {
    log('sandbox-tests suite (ava)…');
    const avaCli = join(REPO_DIR, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
    const [ms, exitCode] = await timed(
      () =>
        new Promise<number>((done) => {
          const child = spawn(process.execPath, [avaCli, 'sandbox-tests/'], { cwd: REPO_DIR, stdio: 'ignore' });
          child.on('exit', (code) => done(code ?? 1));
        }),
    );
    suite = { ms, exitCode };
  }

  const startReport = (runs: StartTimes[]) => ({
    initMs: medianOf(runs, 'initMs'),
    initCpuMs: medianOf(runs, 'initCpuMs'),
    runReadyMs: medianOf(runs, 'readyMs'),
    runReadyCpuMs: medianOf(runs, 'readyCpuMs'),
  });
  const report = {
    nodeStartLauncher: startReport(launcherStart),
    nodeStartBundle: startReport(bundleStart),
    nodeStartTsx: startReport(tsxStart),
    loadAverage: round(loadAverage),
    cpus: cpus().length,
    workerInitTearDownMs: round(median(workerRuns)),
    workerInitSteps: {
      lockAndPortMs: medianOf(stepRuns, 'lockAndPortMs'),
      initProcessMs: medianOf(stepRuns, 'initProcessMs'),
      runUntilReadyMs: medianOf(stepRuns, 'runUntilReadyMs'),
      releaseMs: medianOf(stepRuns, 'releaseMs'),
      tearDownMs: medianOf(stepRuns, 'tearDownMs'),
    },
    functionCallMedianMs: round(median(callRuns)),
    crossContractCallMedianMs: round(median(crossRuns)),
    sandboxTestsWallMs: suite ? round(suite.ms) : null,
    sandboxTestsPassed: suite ? suite.exitCode === 0 : null,
    snapshotRevertRpcMedianMs: snapshotRevert.medianMs,
    snapshotRevertRpcStoredMedianMs: snapshotRevertStored.medianMs,
    gasReportOverhead: gasOverhead,
    fork,
    targets: { workerInitTearDownMs: 500, functionCallMedianMs: 30, crossContractCallMedianMs: 60, snapshotRevertRpcMedianMs: 5, gasReportOverhead: 0.05 },
    samples: { nodeStart: startRuns, workerInit: workerRuns.length, functionCall: callRuns.length, crossContract: crossRuns.length },
  };
  if (JSON_OUTPUT) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const startRow = (name: string, r: ReturnType<typeof startReport>): [string, string, string] => [
    name,
    `init ${r.initMs} ms (${r.initCpuMs} CPU) + run ${r.runReadyMs} ms (${r.runReadyCpuMs} CPU)`,
    '',
  ];
  const steps = report.workerInitSteps;
  const rows: [string, string, string][] = [
    startRow('node start, installed launcher (startup snapshots)', report.nodeStartLauncher),
    startRow('node start, precompiled ESM bundle', report.nodeStartBundle),
    startRow('node start, node --import tsx', report.nodeStartTsx),
    ['Worker.init + tearDown (median)', `${report.workerInitTearDownMs} ms`, '≤ 500 ms'],
    ['  lock + port', `${steps.lockAndPortMs} ms`, ''],
    ['  init process', `${steps.initProcessMs} ms`, ''],
    ['  run until the readiness poll (every 250 ms) is answered', `${steps.runUntilReadyMs} ms`, ''],
    ['  lock release', `${steps.releaseMs} ms`, ''],
    ['  tearDown (SIGINT, not awaited)', `${steps.tearDownMs} ms`, ''],
    ['function-call transaction (median)', `${report.functionCallMedianMs} ms`, '≤ 30 ms'],
    ['cross-contract call with callback (median)', `${report.crossContractCallMedianMs} ms`, '≤ 60 ms'],
    ['snapshot + revert over RPC, node without a store (median)', `${report.snapshotRevertRpcMedianMs} ms`, '≤ 5 ms'],
    ['snapshot + revert over RPC, node keeping its chain (revert waits for fsync)', `${report.snapshotRevertRpcStoredMedianMs} ms`, ''],
    [
      `gas report overhead, ${gasOverhead ? gasOverhead.files.join(' ') : 'sandbox-tests'} (median of ${gasOverhead?.rounds ?? 0}, alternated)`,
      gasOverhead ? `${(gasOverhead.overhead * 100).toFixed(1)}% (${gasOverhead.withMs} vs ${gasOverhead.withoutMs} ms)` : 'skipped',
      '≤ 5 %',
    ],
    ['fork: view reading one key from the remote (first read, median)', `${fork.firstReadMs} ms (${fork.remoteRequestsFirstRun} requests for ${fork.samples.reads} keys)`, ''],
    ['fork: the same view, key in memory', `${fork.cachedReadMs} ms`, ''],
    ['fork: second run on the disk cache: open / view', `${fork.diskCacheOpenMs} ms / ${fork.diskCachedReadMs} ms (${fork.remoteRequestsSecondRun} requests)`, ''],
    ['fork: the same view of a key the fork wrote (local state)', `${fork.localReadMs} ms`, ''],
    ['Worker.init + tearDown, forked launcher (median; first, empty cache)', `${fork.workerInitForkedMs} ms; ${fork.workerInitForkedColdMs} ms`, ''],
    ['Worker.init + tearDown, plain launcher, alternated with the forked', `${fork.workerInitPlainMs} ms`, ''],
    ['sandbox-tests suite wall time', suite ? `${report.sandboxTestsWallMs} ms (${suite.exitCode === 0 ? 'passed' : 'FAILED'})` : 'skipped', ''],
  ];
  rows.push(['machine load (1-min average / CPUs)', `${report.loadAverage} / ${report.cpus}`, '']);
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  console.log(`${'measure'.padEnd(width)}  ${'value'.padEnd(valueWidth)}  target`);
  for (const [name, value, target] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);


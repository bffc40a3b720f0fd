/**
 * `npm run bench:sandbox` (`-- --json` for one JSON object): the project's node as near-workspaces sees it.
 *
 * - node start: `init` + `run` until the RPC answers, through the precompiled bundle vs `node --import tsx`
 * - Worker.init + tearDown (near-workspaces 5.0.0, default config)
 * - median latency of a function-call transaction through near-workspaces (`account.callRaw`)
 * - median latency of a cross-contract call with a callback (probe contract `call_other`)
 * - wall time of the whole sandbox-tests suite (ava)
 *
 * Targets from issue 4: Worker.init ≤ 500 ms, function call ≤ 30 ms median, cross-contract ≤ 60 ms.
 * Timings depend on the machine's load: compare rows within one run, not across runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { format } from 'node:util';
import { join } from 'node:path';
import { Worker } from 'near-workspaces';
import { probeWasmPath } from '../../../sandbox-tests/probe-contract.js';
import { buildBundle, currentBundleEntry, ENTRY_TS, REPO_DIR } from '../src/node/bundle.js';
import { installLauncher } from '../src/node/install.js';

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

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU time (user + system) a live process has used, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * init + run until `block` answers 200 (what near-workspaces waits for), then SIGINT. Returns wall time and
 * the CPU time both processes used: the CPU figure does not depend on how busy the machine is.
 */
async function nodeStart(command: string[]): Promise<{ wallMs: number; cpuMs: number }> {
  const home = mkdtempSync(join(tmpdir(), 'bench-start-'));
  try {
    const port = await freePort();
    const started = performance.now();
    // /usr/bin/time reports the init process's CPU time (user + system seconds) on stderr
    const init = spawnSync('/usr/bin/time', ['-f', '%U %S', command[0]!, ...command.slice(1), '--home', join(home, 'h'), 'init'], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
    const [user, system] = init.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const initCpuMs = (user! + system!) * 1000;
    const child = spawn(command[0]!, [...command.slice(1), '--home', join(home, 'h'), 'run', '--rpc-addr', `0.0.0.0:${port}`, '--network-addr', '0.0.0.0:0'], { stdio: 'ignore' });
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}`, {
          method: 'POST',
          body: JSON.stringify({ jsonrpc: '2.0', id: 'dontcare', method: 'block', params: { finality: 'final' } }),
        });
        if (res.status === 200) break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const elapsed = performance.now() - started;
    const runCpu = cpuMsOf(child.pid!);
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
    return { wallMs: elapsed, cpuMs: runCpu + initCpuMs };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

async function main(): Promise<void> {
  await buildBundle();
  const bundleEntry = currentBundleEntry();
  if (bundleEntry === null) throw new Error('the bundle was not built');
  const launcher = installLauncher();
  if (launcher.kind === 'foreign-binary') log(`note: ${launcher.path} is not this project's launcher; near-workspaces rows measure that binary`);

  const startRuns = QUICK ? 2 : 4;
  log('node start (init + run until the RPC answers)…');
  const bundleStart: { wallMs: number; cpuMs: number }[] = [];
  const tsxStart: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < startRuns; i++) {
    bundleStart.push(await nodeStart([process.execPath, bundleEntry]));
    tsxStart.push(await nodeStart([process.execPath, '--import', 'tsx', ENTRY_TS]));
  }
  const loadAverage = loadavg()[0]!;

  log('Worker.init + tearDown…');
  const workerRuns: number[] = [];
  for (let i = 0; i < (QUICK ? 3 : 6); i++) {
    const [ms] = await timed(async () => {
      const worker = await Worker.init();
      await worker.tearDown();
    });
    workerRuns.push(ms);
  }

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

  const report = {
    nodeStartBundleMs: round(median(bundleStart.map((s) => s.wallMs))),
    nodeStartBundleCpuMs: round(median(bundleStart.map((s) => s.cpuMs))),
    nodeStartTsxMs: round(median(tsxStart.map((s) => s.wallMs))),
    nodeStartTsxCpuMs: round(median(tsxStart.map((s) => s.cpuMs))),
    loadAverage: round(loadAverage),
    cpus: cpus().length,
    workerInitTearDownMs: round(median(workerRuns)),
    functionCallMedianMs: round(median(callRuns)),
    crossContractCallMedianMs: round(median(crossRuns)),
    sandboxTestsWallMs: suite ? round(suite.ms) : null,
    sandboxTestsPassed: suite ? suite.exitCode === 0 : null,
    targets: { workerInitTearDownMs: 500, functionCallMedianMs: 30, crossContractCallMedianMs: 60 },
    samples: { nodeStart: startRuns, workerInit: workerRuns.length, functionCall: callRuns.length, crossContract: crossRuns.length },
  };
  if (JSON_OUTPUT) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const rows: [string, string, string][] = [
    ['node start, precompiled bundle (init + run ready)', `${report.nodeStartBundleMs} ms (${report.nodeStartBundleCpuMs} ms CPU)`, ''],
    ['node start, node --import tsx (init + run ready)', `${report.nodeStartTsxMs} ms (${report.nodeStartTsxCpuMs} ms CPU)`, ''],
    ['Worker.init + tearDown (median)', `${report.workerInitTearDownMs} ms`, '≤ 500 ms'],
    ['function-call transaction (median)', `${report.functionCallMedianMs} ms`, '≤ 30 ms'],
    ['cross-contract call with callback (median)', `${report.crossContractCallMedianMs} ms`, '≤ 60 ms'],
    ['sandbox-tests suite wall time', suite ? `${report.sandboxTestsWallMs} ms (${suite.exitCode === 0 ? 'passed' : 'FAILED'})` : 'skipped', ''],
  ];
  rows.push(['machine load (1-min average / CPUs)', `${report.loadAverage} / ${report.cpus}`, '']);
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`${'measure'.padEnd(width)}  ${'value'.padEnd(30)}  target`);
  for (const [name, value, target] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(30)}  ${target}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);


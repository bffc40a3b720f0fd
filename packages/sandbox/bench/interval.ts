/**
 * `npm run bench:interval` (`-- --json` for one JSON object; `-- --seconds N` per row, default 60): what an idle
 * node in interval mode (`run --block-interval-ms`) costs per hour, as a separate process through bin/launch.mjs:
 *
 * - CPU time (user + system, from /proc) the node used while idle, scaled to an hour;
 * - growth of its home directory on disk (a node keeping its chain in LevelDB), over the second half of the run,
 *   scaled to an hour, and its size at the end;
 * - growth of the JavaScript heap (after a full GC) likewise, for a node that keeps its chain in memory only
 *   (near-workspaces' homes); that node runs in this process (`startNode`), the only way to force a GC in it.
 *
 * History older than 5 epochs is garbage-collected (nearcore's `gc_num_epochs_to_keep`), on disk and in memory, so
 * growth stops once the chain is five epochs long: with `neard init`'s 500-block epochs that takes 25 minutes at
 * 600 ms, longer than a row; the rows with 60-block epochs (`init --fast`) reach it within the run (300 blocks at
 * 50 ms: 15 s) and show the level.
 * Rows: neard's own interval (600 ms, `min_block_production_delay` of `neard init`), 1 s, and the 50 ms tests use.
 * Compare rows within one run: the machine's load moves the CPU figures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { initHome } from '../src/node/init.js';
import { startNode } from '../src/node/run.js';
import { announcedUrl, LAUNCH } from '../test/rpc/node-process.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const JSON_OUTPUT = process.argv.includes('--json');
const secondsAt = process.argv.indexOf('--seconds');
const SECONDS = secondsAt >= 0 ? Number(process.argv[secondsAt + 1]) : 60;
if (!Number.isInteger(SECONDS) || SECONDS < 5) throw new Error(`--seconds ${process.argv[secondsAt + 1]}: give a whole number of seconds, at least 5`);
const log = (line: string) => {
  if (!JSON_OUTPUT) process.stderr.write(`${line}\n`);
};

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}


function duBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? duBytes(path) : statSync(path).size;
  }
  return total;
}

async function rpc(url: string, method: string, params: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()).result;
}

interface Row {
  intervalMs: number;
  store: 'LevelDB' | 'memory';
  epochLength: number;
  blocksPerHour: number;
  cpuSecondsPerHour: number;
  /** CPU share of one core while idle. */
  cpuPercent: number;
  diskMiBPerHour?: number;
  diskMiBAtEnd?: number;
  heapMiBPerHour?: number;
  heapMiBAtEnd?: number;
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

interface Sample {
  /** CPU time used so far, ms. */
  cpu: number;
  height: number;
  at: number;
}

/** Samples before and after SECONDS of idling, as the rates every row reports. */
async function idleRates<S extends Sample>(sample: () => S | Promise<S>): Promise<{ mid: S; end: S; secondHalfHours: number; rates: Pick<Row, 'blocksPerHour' | 'cpuSecondsPerHour' | 'cpuPercent'> }> {
  const start = await sample();
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
  const mid = await sample();
  await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
  const end = await sample();
  const hours = (end.at - start.at) / 3_600_000;
  const cpuMs = end.cpu - start.cpu;
  return {
    mid,
    end,
    secondHalfHours: (end.at - mid.at) / 3_600_000,
    rates: {
      blocksPerHour: Math.round((end.height - start.height) / hours),
      cpuSecondsPerHour: Math.round(cpuMs / 1000 / hours),
      cpuPercent: Math.round((cpuMs / (end.at - start.at)) * 1000) / 10,
    },
  };
}

/** A node keeping its chain in memory, in this process: CPU from process.cpuUsage, heap after a full GC. */
async function measureInMemory(intervalMs: number, fast: boolean): Promise<Row> {
  const home = mkdtempSync(join(tmpdir(), 'bench-interval-'));
  initHome(home, fast ? { epochLength: 60 } : {});
  const node = await startNode({ home, rpcPort: 0, persist: false, log: () => {}, blockIntervalMs: intervalMs });
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const sample = () => {
      gc();
      const cpu = process.cpuUsage();
      return { cpu: (cpu.user + cpu.system) / 1000, heap: process.memoryUsage().heapUsed, height: Number(node.client.sandbox.head.height), at: performance.now() };
    };
    const { mid, end, secondHalfHours, rates } = await idleRates(sample);
    return {
      intervalMs,
      store: 'memory',
      epochLength: Number(node.client.sandbox.chain.epochLength),
      ...rates,
      heapMiBPerHour: mib((end.heap - mid.heap) / secondHalfHours),
      heapMiBAtEnd: mib(end.heap),
    };
  } finally {
    await node.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** A node keeping its chain in LevelDB, as a separate process (what `npm run sandbox` runs). */
async function measureOnDisk(intervalMs: number, fast: boolean): Promise<Row> {
  const root = mkdtempSync(join(tmpdir(), 'bench-interval-'));
  const home = join(root, 'h');
  let child: ChildProcess | undefined;
  try {
    const init = spawnSync(process.execPath, [LAUNCH, '--home', home, 'init', ...(fast ? ['--fast'] : [])], { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
    const epochLength = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')).epoch_length as number;
    child = spawn(process.execPath, [LAUNCH, '--home', home, 'run', '--rpc-addr', '127.0.0.1:0', '--block-interval-ms', String(intervalMs)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    let url: string | undefined;
    while ((url = announcedUrl(stderr, home)) === undefined) {
      if (child.exitCode !== null) throw new Error(`run exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // settle: the store opens, the runtime loads, the first commits are written
    await new Promise((r) => setTimeout(r, 3000));
    const pid = child.pid!;
    const sample = async () => ({ cpu: cpuMsOf(pid), disk: duBytes(home), height: (await rpc(url!, 'block', { finality: 'optimistic' })).header.height as number, at: performance.now() });
    const { mid, end, secondHalfHours, rates } = await idleRates(sample);
    return {
      intervalMs,
      store: 'LevelDB',
      epochLength,
      ...rates,
      diskMiBPerHour: mib((end.disk - mid.disk) / secondHalfHours),
      diskMiBAtEnd: mib(end.disk),
    };
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => child!.on('exit', r));
    }
    rmSync(root, { recursive: true, force: true });
  }
}

const plan: Array<[number, Row['store'], boolean]> = [
  [600, 'LevelDB', false],
  [1000, 'LevelDB', false],
  [50, 'LevelDB', true],
  [600, 'memory', false],
  [50, 'memory', true],
];
const rows: Row[] = [];
for (const [interval, store, fast] of plan) {
  log(`idle node, a block every ${interval} ms, chain in ${store}${fast ? ', 60-block epochs' : ''}: ${SECONDS} s…`);
  rows.push(store === 'memory' ? await measureInMemory(interval, fast) : await measureOnDisk(interval, fast));
}
const load = `${loadavg()[0]!.toFixed(1)} / ${cpus().length}`;
if (JSON_OUTPUT) {
  process.stdout.write(`${JSON.stringify({ seconds: SECONDS, rows, load })}\n`);
} else {
  const lines = [['interval', 'store', 'epoch', 'blocks/h', 'CPU s/h (share of a core)', 'disk MiB/h, 2nd half (at end)', 'heap MiB/h, 2nd half (at end)']];
  for (const r of rows) {
    lines.push([
      `${r.intervalMs} ms`,
      r.store,
      String(r.epochLength),
      String(r.blocksPerHour),
      `${r.cpuSecondsPerHour} (${r.cpuPercent} %)`,
      r.diskMiBPerHour === undefined ? '' : `${r.diskMiBPerHour} (${r.diskMiBAtEnd})`,
      r.heapMiBPerHour === undefined ? '' : `${r.heapMiBPerHour} (${r.heapMiBAtEnd})`,
    ]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`${SECONDS} s per row, machine load (1-min average / CPUs) ${load}`);
}

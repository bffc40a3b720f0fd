/**
 * Who used the cores during a row of bench:relayer: the node, the relayer instance(s), Redis and the
 * load generator, each as a share of one core over the row (1 = a whole core), and the machine's busy
 * cores of all of them. Every process of the bench runs on the same machine, so a row's latency is read
 * against how saturated its cores were: when the parts together ask for every core, requests wait for
 * a core, wherever they are.
 *
 * The node is this process's descendants other than the relayers and Redis (near-workspaces starts it
 * through the sandbox launcher); per-process CPU is pidusage's `ctime` (user + system), the machine's
 * from os.cpus().
 */
import { cpus } from 'node:os';
import pidtree from 'pidtree';
import pidusage from 'pidusage';

export interface CpuSample {
  /** ms since the epoch. */
  at: number;
  /** CPU ms (user + system) of each process by id. */
  processes: Map<number, number>;
  /** This process's CPU ms. */
  generator: number;
  /** The machine's busy and total CPU ms over all cores since boot. */
  machine: { busy: number; total: number };
}

export interface CoresUsed {
  node: number;
  relayers: number;
  redis: number;
  generator: number;
  /** Busy cores of the whole machine (anything else running included), of `cores`. */
  machine: number;
  cores: number;
}

function machineTimes() {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    busy += all - times.idle;
    total += all;
  }
  return { busy, total };
}

/** A sample of every descendant process's CPU, this process's and the machine's. */
export async function sampleCpu(): Promise<CpuSample> {
  const pids = await pidtree(process.pid);
  const stats = pids.length ? await pidusage(pids) : {};
  const usage = process.cpuUsage();
  return {
    at: Date.now(),
    processes: new Map(Object.values(stats).filter((s) => s).map((s) => [s.pid, s.ctime])),
    generator: (usage.user + usage.system) / 1000,
    machine: machineTimes(),
  };
}

/** The cores each part used between two samples; the relayers and Redis are known by process id, the rest of the descendants are the node. */
export function coresUsedBetween(before: CpuSample, after: CpuSample, parts: { relayers: number[]; redis: number }): CoresUsed {
  const wallMs = Math.max(1, after.at - before.at);
  const cpuMs = (pid: number) => (after.processes.get(pid) ?? 0) - (before.processes.get(pid) ?? 0);
  const share = (ms: number) => Math.round((100 * ms) / wallMs) / 100;
  const named = new Set([...parts.relayers, parts.redis]);
  const node = [...after.processes.keys()].filter((pid) => !named.has(pid)).reduce((sum, pid) => sum + cpuMs(pid), 0);
  const cores = cpus().length;
  const machineTotal = after.machine.total - before.machine.total;
  return {
    node: share(node),
    relayers: share(parts.relayers.reduce((sum, pid) => sum + cpuMs(pid), 0)),
    redis: share(cpuMs(parts.redis)),
    generator: share(after.generator - before.generator),
    machine: machineTotal > 0 ? Math.round((100 * cores * (after.machine.busy - before.machine.busy)) / machineTotal) / 100 : NaN,
    cores,
  };
}

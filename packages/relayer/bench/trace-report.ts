/**
 * With RELAYER_RUNTIME_STATS=<dir> (and NEAR_SANDBOX_RPC_TRACE=<dir> for the node), bench:relayer lines up,
 * per delegate, the load generator's post and answer, the relayer's arrival and acceptance (its `accepted`
 * event) and every process's event-loop stalls on the one clock they all read (the node's rpc/trace.ts),
 * and reports where the slowest 1 % of delegates (those at or above the row's p99 to hash) spent their time:
 * - inbound: from the post to the request's arrival in the relayer (the relayer's loop busy, or not on a core);
 * - the relayer's own time, of it waiting for Redis and for the node (its accepted event);
 * - outbound: from the acceptance to the generator reading the 202 (either loop busy);
 * and, for each of those windows, how long each process's loop was stalled in it and what share of that it was
 * on a CPU (its own work) rather than waiting for a core. Also the node's time to answer each method.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Stall } from '../../sandbox/src/rpc/trace.js';
import { percentile } from './load-model.js';

export interface TracedDelegate {
  hash: string;
  first: boolean;
  postedAt: number;
  answeredAt: number;
}

interface Window {
  ms: number;
  /** Per process: ms of the window its loop was stalled, and of those, ms it was on a CPU. */
  stalled: Record<string, { ms: number; onCpuMs: number }>;
}

const round = (x: number) => Math.round(x * 10) / 10;

/** Stall time of `stalls` inside [from, to], and the part of it on a CPU. */
function stalledIn(stalls: Stall[], from: number, to: number): { ms: number; onCpuMs: number } {
  let ms = 0;
  let onCpuMs = 0;
  for (const stall of stalls) {
    const overlap = Math.min(to, stall.from + stall.ms + 1) - Math.max(from, stall.from);
    if (overlap <= 0) continue;
    ms += overlap;
    onCpuMs += overlap * stall.cpuShare;
  }
  return { ms, onCpuMs };
}

export function traceReport(dir: string, delegates: TracedDelegate[], relayers: { pid: number | undefined; log: Record<string, unknown>[] }[], generatorStalls: Stall[]) {
  const relayerStalls = new Map<number | undefined, Stall[]>(
    relayers.map(({ pid }) => [pid, (JSON.parse(readFileSync(`${dir}/runtime-${pid}.json`, 'utf8')) as { stalls: Stall[] }).stalls]),
  );
  const from = Math.min(...delegates.map((d) => d.postedAt));
  const to = Math.max(...delegates.map((d) => d.answeredAt));
  const nodeStalls: Stall[] = [];
  const nodeRequests: { m: string; in: number; start?: number; out: number }[] = [];
  for (const file of readdirSync(dir).filter((name) => name.startsWith('rpc-'))) {
    for (const line of readFileSync(`${dir}/${file}`, 'utf8').split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as { stall?: Stall; m: string; in: number; out: number };
      if (entry.stall) {
        if (entry.stall.from >= from - 1000 && entry.stall.from <= to) nodeStalls.push(entry.stall);
      } else if (entry.in >= from && entry.in <= to) nodeRequests.push(entry);
    }
  }
  const accepted = new Map<string, { pid: number | undefined; receivedAt: number; ms: number; storeMs: number; nodeMs: number; firstAtInstance: boolean }>();
  for (const { pid, log } of relayers) {
    const senders = new Set<string>();
    for (const line of log) {
      if (line.event !== 'accepted') continue;
      const sender = String(line.sender_id);
      accepted.set(String(line.transaction_hash), { pid, receivedAt: Number(line.received_at), ms: Number(line.ms), storeMs: Number(line.store_ms), nodeMs: Number(line.node_ms), firstAtInstance: !senders.has(sender) });
      senders.add(sender);
    }
  }
  const joined = delegates.flatMap((d) => {
    const a = accepted.get(d.hash);
    return a ? [{ ...d, ...a, total: d.answeredAt - d.postedAt, acceptedAt: a.receivedAt + a.ms }] : [];
  });
  const p99 = percentile(joined.map((d) => d.total).sort((a, b) => a - b), 99);
  const slowest = joined.filter((d) => d.total >= p99);
  const windowOf = (pid: number | undefined, a: number, b: number): Window => ({
    ms: b - a,
    stalled: { relayer: stalledIn(relayerStalls.get(pid) ?? [], a, b), node: stalledIn(nodeStalls, a, b), generator: stalledIn(generatorStalls, a, b) },
  });
  const mean = (windows: Window[]) => {
    const n = Math.max(1, windows.length);
    const stalled: Record<string, { ms: number; onCpuMs: number }> = {};
    for (const name of ['relayer', 'node', 'generator']) {
      stalled[name] = { ms: round(windows.reduce((s, w) => s + w.stalled[name].ms, 0) / n), onCpuMs: round(windows.reduce((s, w) => s + w.stalled[name].onCpuMs, 0) / n) };
    }
    return { ms: round(windows.reduce((s, w) => s + w.ms, 0) / n), stalled };
  };
  const stalledOverRow = (stalls: Stall[]) => {
    const { ms, onCpuMs } = stalledIn(stalls, from, to);
    return { ms: round(ms), onCpuMs: round(onCpuMs) };
  };
  const byMethod: Record<string, { n: number; p50: number; p99: number }> = {};
  for (const m of new Set(nodeRequests.map((r) => r.m))) {
    const times = nodeRequests.filter((r) => r.m === m).map((r) => r.out - r.in).sort((a, b) => a - b);
    byMethod[m] = { n: times.length, p50: round(percentile(times, 50)), p99: round(percentile(times, 99)) };
  }
  const hashOf = (rows: typeof joined) => {
    const times = rows.map((d) => d.total).sort((a, b) => a - b);
    return { delegates: times.length, p50: round(percentile(times, 50)), p99: round(percentile(times, 99)) };
  };
  return {
    p99HashMs: round(p99),
    /**
     * Time to hash of the delegates that were the first of their sender at the instance that took them (it
     * had no read of the sender's key: with two instances, each sender's first two), and of the others.
     */
    firstAtInstance: hashOf(joined.filter((d) => d.firstAtInstance)),
    laterAtInstance: hashOf(joined.filter((d) => !d.firstAtInstance)),
    slowest: {
      delegates: slowest.length,
      firstOfTheirSender: slowest.filter((d) => d.first).length,
      meanMs: {
        total: round(slowest.reduce((s, d) => s + d.total, 0) / Math.max(1, slowest.length)),
        storeWait: round(slowest.reduce((s, d) => s + d.storeMs, 0) / Math.max(1, slowest.length)),
        nodeWait: round(slowest.reduce((s, d) => s + d.nodeMs, 0) / Math.max(1, slowest.length)),
      },
      inbound: mean(slowest.map((d) => windowOf(d.pid, d.postedAt, d.receivedAt))),
      relayerOwn: mean(slowest.map((d) => windowOf(d.pid, d.receivedAt, d.acceptedAt))),
      outbound: mean(slowest.map((d) => windowOf(d.pid, d.acceptedAt, d.answeredAt))),
    },
    /** Per process over the row: stalls (ms in all, and on a CPU). */
    stalledOverRow: {
      relayers: [...relayerStalls.values()].map(stalledOverRow),
      node: stalledOverRow(nodeStalls),
      generator: stalledOverRow(generatorStalls),
    },
    /** The node's time from a request's arrival to its answer, per method (a query by its request_type). */
    nodeAnswerMs: byMethod,
  };
}

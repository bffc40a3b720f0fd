/**
 * Timing probes for load measurements (opt-in; nothing runs unless asked).
 *
 * `recordStalls`: busy stretches of this process's event loop, with wall-clock times that line up across
 * processes (performance.timeOrigin + performance.now(): every process on the machine reads the same
 * clock). A 1 ms timer that fires late by more than `minMs` means the loop ran something else, or the
 * process waited for a core, for that long; the share of it the process was on a CPU tells the two apart
 * (near 1: its own work; near 0: it was not running). The relayer's benchmark uses it too.
 *
 * `rpcTracer`: with NEAR_SANDBOX_RPC_TRACE=<dir>, the node writes `<dir>/rpc-<pid>.jsonl`: per request, its
 * method (a query's request_type), when it arrived, when it started (a write, once its turn in the queue
 * came), when it was answered; and, once a second, the event loop's stalls. Lets a client's slow answer be
 * told apart: the node late to read the request, queued behind writes, or answering on time.
 */
import { appendFileSync } from 'node:fs';

export interface Stall {
  /** When the loop last ran the timer before the stall (epoch ms). */
  from: number;
  /** How much later than due the timer ran (ms). */
  ms: number;
  /**
   * Of the time from the last CPU reading before the stall (at most CPU_EVERY ms before it) to its end, the share
   * this process was on a CPU (user + system): near 1, its own work; near 0, it waited for a core.
   */
  cpuShare: number;
}

/** Epoch ms (0.1 ms) of a performance.now() time. */
const TIME_ORIGIN = performance.timeOrigin;
export const wallClock = (t = performance.now()) => Math.round((TIME_ORIGIN + t) * 10) / 10;

/** Ticks between CPU readings (process.cpuUsage is a system call: every tick, it cost the relayer 2.5 % of its time under load). */
const CPU_EVERY = 8;

export function recordStalls(minMs = 2): { stalls: Stall[]; stop(): void } {
  const stalls: Stall[] = [];
  let last = performance.now();
  let cpu = { at: last, used: process.cpuUsage() };
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - 1;
    if (late > minMs || ++ticks >= CPU_EVERY) {
      const used = process.cpuUsage();
      if (late > minMs) {
        const share = (used.user - cpu.used.user + used.system - cpu.used.system) / 1000 / Math.max(1, now - cpu.at);
        stalls.push({ from: wallClock(last), ms: Math.round(late * 10) / 10, cpuShare: Math.round(Math.min(1, share) * 100) / 100 });
      }
      cpu = { at: now, used };
      ticks = 0;
    }
    last = now;
  }, 1);
  timer.unref();
  return { stalls, stop: () => clearInterval(timer) };
}

export const RPC_TRACE_ENV = 'NEAR_SANDBOX_RPC_TRACE';

export interface RpcTracer {
  /** A request arrived; call `started` when it runs (a write: its turn in the queue) and `answered` when its answer is written. */
  arrived(): { method(name: string): void; started(): void; answered(): void };
  /** Writes what is recorded so far (done once a second and at exit). */
  flush(): void;
}

/** The tracer NEAR_SANDBOX_RPC_TRACE asks for, or undefined. */
export function rpcTracer(env: NodeJS.ProcessEnv = process.env): RpcTracer | undefined {
  const dir = env[RPC_TRACE_ENV];
  if (!dir) return undefined;
  const file = `${dir}/rpc-${process.pid}.jsonl`;
  const stalls = recordStalls();
  let lines: string[] = [];
  const flush = () => {
    const pending = stalls.stalls.splice(0).map((stall) => JSON.stringify({ stall }));
    if (lines.length + pending.length === 0) return;
    appendFileSync(file, `${lines.concat(pending).join('\n')}\n`);
    lines = [];
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
  return {
    arrived() {
      const entry: { m?: string; in: number; start?: number; out?: number } = { in: wallClock() };
      return {
        method: (name) => void (entry.m = name),
        started: () => void (entry.start = wallClock()),
        answered: () => {
          entry.out = wallClock();
          lines.push(JSON.stringify(entry));
        },
      };
    },
    flush,
  };
}

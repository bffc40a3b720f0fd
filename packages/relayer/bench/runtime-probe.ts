/**
 * Preloaded into a relayer process that the benchmark or a test starts with RELAYER_RUNTIME_STATS=<dir>
 * (test/helpers/processes.ts): when the process exits, writes `<dir>/runtime-<pid>.json` with its
 * garbage-collection pauses (perf_hooks 'gc' entries: kind, ms), its event-loop delay (monitorEventLoopDelay,
 * 5 ms resolution: p50, p99, max), its CPU and its event loop's busy stretches (the node's rpc/trace.ts: when, how long, the CPU
 * it used meanwhile); with RELAYER_HEAP_PROFILE=1 also `<dir>/heap-<pid>.heapprofile`,
 * V8's sampling heap profile including the objects already collected: what the process allocated, by
 * function (opens in Chrome DevTools' Memory tab).
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { recordStalls, wallClock } from '../../sandbox/src/rpc/trace.js';

const dir = process.env.RELAYER_RUNTIME_STATS;
if (dir) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const gcs: { kind: number; ms: number; at: number }[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push({ kind: (entry as PerformanceEntry & { detail: { kind: number } }).detail.kind, ms: entry.duration, at: wallClock(entry.startTime) });
  }).observe({ entryTypes: ['gc'] });
  const cpuAtStart = process.cpuUsage();
  const stalls = recordStalls();
  const session = process.env.RELAYER_HEAP_PROFILE === '1' ? new Session() : undefined;
  if (session) {
    session.connect();
    session.post('HeapProfiler.enable');
    // Every 16 KB allocated on average; collected objects too (V8 ≥ 11.3), or it would show only what is still alive.
    session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
  }
  process.on('exit', () => {
    const cpu = process.cpuUsage(cpuAtStart);
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    // perf_hooks' NODE_PERFORMANCE_GC_* kinds: 1 minor (scavenge), 4 major, 8 incremental marking, 16 weak callbacks.
    writeFileSync(`${dir}/runtime-${process.pid}.json`, JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) }, gcs, stalls: stalls.stalls }));
    // The inspector answers a session of the same thread synchronously: the profile is written before the exit.
    session?.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(`${dir}/heap-${process.pid}.heapprofile`, JSON.stringify(result.profile));
    });
  });
}

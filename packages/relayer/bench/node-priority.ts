/**
 * The local node stands in for the NEAR network, which in production runs on other machines and takes
 * none of the relayer's cores. On this bench's shared cores it would otherwise take them by turns with
 * the relayer: a block executing for tens of milliseconds holds a core while a relayer's accepted
 * delegate waits for one. bench:relayer therefore runs the node at a lower CPU priority (`--node-nice`,
 * default 10): it gets every core the relayer, Redis and the load generator leave, and waits when they
 * need one. `--node-nice 0` runs it at their priority, as every row ran before.
 *
 * Linux keeps a nice value per thread (setpriority(2) with PRIO_PROCESS names one thread id), so every
 * thread of the process is lowered; threads it starts later inherit the value of the thread that
 * starts them.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The highest nice value (the lowest priority) setpriority(2) takes. */
export const MAX_NICE = 19;

/** Lowers every thread of `pids` to `nice` (0..19); returns how many threads it lowered. */
export function lowerPriority(pids: readonly number[], nice: number): number {
  if (!Number.isInteger(nice) || nice < 0 || nice > MAX_NICE) throw new RangeError(`lowerPriority: nice must be a whole number from 0 to ${MAX_NICE}, got ${nice}`);
  let threads = 0;
  for (const pid of pids) {
    let ids: number[];
    try {
      ids = readdirSync(`/proc/${pid}/task`).map(Number);
    } catch {
      ids = [pid]; // no /proc (macOS): the process's priority
    }
    for (const id of ids) {
      try {
        setPriority(id, nice);
        threads++;
      } catch {
        // the thread ended between the listing and the call
      }
    }
  }
  return threads;
}

/**
 * near-workspaces ignores a node's stdin and never waits for its exit, so a node whose test runner died
 * notices by polling the process that started it (node/run.ts, node/startup-snapshot.ts).
 *
 * Polling `process.ppid` alone misses a runner that died before the node got to read it: the node is then
 * already init's child and init never exits. So the starter's pid is recorded as early as possible and handed
 * down in `NEAR_SANDBOX_PARENT_PID`: `@near-ts/sandbox/near-workspaces` sets it to the test process's pid, and
 * the launchers (node/install.ts, node/launcher.ts) to their own parent's, first thing, unless it is set.
 */
export const PARENT_PID_ENV = 'NEAR_SANDBOX_PARENT_PID';

export interface ParentWatch {
  /** The process whose exit stops the node. */
  readonly pid: number;
  /** True once it has exited, or once this process was re-parented (its parent at start exited). */
  gone(): boolean;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: alive, another user's
  }
}

/**
 * Watches the process that started this one: the pid recorded in `NEAR_SANDBOX_PARENT_PID` (pid 1 or nothing
 * usable: this process's parent now). A node started by init itself (a container's entry point) watches init,
 * which never exits.
 */
export function watchParent(env: NodeJS.ProcessEnv = process.env): ParentWatch {
  const parentAtStart = process.ppid;
  const recorded = Number(env[PARENT_PID_ENV]);
  const pid = Number.isSafeInteger(recorded) && recorded > 1 ? recorded : parentAtStart;
  return { pid, gone: () => process.ppid !== parentAtStart || !isAlive(pid) };
}

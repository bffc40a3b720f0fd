/**
 * near-workspaces ignores a node's stdin and never waits for its exit, so a node whose test runner died
 * notices by polling its parent (node/run.ts, node/startup-snapshot.ts).
 */
export function parentIsGone(originalParent: number): boolean {
  if (process.ppid !== originalParent) return true; // re-parented to init/a subreaper
  try {
    process.kill(originalParent, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Cache folders are built in a private staging folder and published with one rename, under a lock
 * file, so concurrent builds (ava runs test files in parallel processes) neither duplicate the
 * engine compile nor see a half-written folder.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Run `fn` holding `<dir>.lock`; a lock left by a dead process is taken over. */
export async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(lock, "utf8").trim());
      if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Move a finished staging folder into place; if another process published it first, keep theirs. */
export function publishDir(staging: string, dir: string, marker: string): void {
  mkdirSync(path.dirname(dir), { recursive: true });
  if (existsSync(path.join(dir, marker))) {
    rmSync(staging, { recursive: true, force: true });
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
}

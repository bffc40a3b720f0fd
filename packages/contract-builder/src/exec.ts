import { execFile } from "node:child_process";
import path from "node:path";

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export class ExecFailure extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    readonly exitCode: number | null,
  ) {
    super(`${command} exited with ${exitCode}`);
  }
}

/**
 * The environment for toolchain commands: PATH without node_modules/.bin folders. clang's wasm32
 * driver runs any `wasm-opt` it finds on PATH after an optimised link, and npm puts binaryen's (slow,
 * JavaScript) wasm-opt there; the builder runs binaryen itself when asked to.
 */
export function toolchainEnv(): NodeJS.ProcessEnv {
  const dirs = (process.env.PATH ?? "/usr/bin:/bin").split(path.delimiter).filter((d) => !d.includes(`node_modules${path.sep}.bin`));
  return { ...process.env, PATH: dirs.join(path.delimiter) };
}

/** Run a program without a shell; rejects with the combined output when it fails. */
export function run(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? toolchainEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const code = typeof error.code === "number" ? error.code : null;
        reject(new ExecFailure(commandLine(file, args), `${stderr}${stdout}` || error.message, code));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

export function commandLine(file: string, args: string[]): string {
  return [file, ...args].map((a) => (/[^\w@%+=:,./-]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(" ");
}

/** Run tasks with at most `limit` in flight (the machines have 2 cores shared by several jobs). */
export async function runLimited<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * The build daemon: `npm run build` hands its request to a resident process that keeps near-sdk-js's
 * tools, TypeScript's program, Rollup's cache and the checker worker loaded (as Nx, Gradle and
 * Turborepo daemons do), so a fresh CLI call skips the ~13 s CPU of loading them.
 *
 * One daemon per checkout and builder version: its socket is `daemon-<key>.sock` in the builder's
 * cache folder, where the key hashes the builder's sources, near-sdk-js's version and Node's version,
 * so an edited builder is never served by an old daemon (the new one asks older ones to stop).
 * Protocol: one JSON line per message over a Unix socket; the client sends one request, the daemon
 * streams `log` lines and ends with `done` (or `failed`). Anything else (no daemon, a daemon that dies
 * mid-request) makes the CLI build in its own process: the daemon only ever saves time.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions, ContractBuildResult, FileBuildRequest } from "./build.js";
import { builderFiles, hashFiles } from "./builder-files.js";
import { BUILDER_DIR, DEFAULT_ROOT, projectPaths } from "./paths.js";

/** Build options a request carries (everything but the log callback, which becomes `log` messages). */
export type DaemonBuildOptions = Omit<BuildOptions, "log"> & {
  /** near-sdk-js's form (`build <source> <target>`), paths absolute: build this file instead of contracts by name */
  file?: FileBuildRequest;
};

export type DaemonRequest = { type: "build"; key: string; options: DaemonBuildOptions } | { type: "stop" };

export type DaemonMessage =
  | { type: "log"; line: string }
  | { type: "done"; results: ContractBuildResult[]; pid: number; cpuMs: number }
  /** a ContractBuildError (exit 1, `describe()` text) or a crash (exit 3, stack) */
  | { type: "failed"; exitCode: 1 | 3; text: string; pid: number }
  | { type: "stale"; pid: number }
  | { type: "stopping"; pid: number };

/** Default idle time before the daemon exits: 10 minutes. NEAR_TS_BUILD_DAEMON_IDLE_MS overrides (tests). */
export const DEFAULT_IDLE_MS = 10 * 60 * 1000;
/** How long a client waits for a daemon it started to listen before building in-process. */
const START_TIMEOUT_MS = 30_000;

/** Folder of the daemon's socket and log: the builder's cache folder, or NEAR_TS_BUILD_DAEMON_DIR (tests, benchmarks). */
export function daemonDir(): string {
  return process.env.NEAR_TS_BUILD_DAEMON_DIR ? path.resolve(process.env.NEAR_TS_BUILD_DAEMON_DIR) : projectPaths().cacheDir;
}

/** Hash of what the daemon's code is: the builder's files, near-sdk-js's package.json, Node's version. */
export function daemonKey(): string {
  const hash = createHash("sha256").update(process.version).update(hashFiles(builderFiles(), BUILDER_DIR));
  hash.update(readFileSync(path.join(projectPaths().nearSdkDir, "package.json")));
  return hash.digest("hex").slice(0, 16);
}

export function socketPath(key: string, dir = daemonDir()): string {
  return path.join(dir, `daemon-${key}.sock`);
}

/**
 * Whether `npm run build` goes through the daemon: yes unless `--no-daemon`, NEAR_TS_BUILD_DAEMON=0,
 * or CI is set (NEAR_TS_BUILD_DAEMON=1 turns it on even in CI).
 */
export function daemonWanted(noDaemonFlag: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (noDaemonFlag) return false;
  const setting = env.NEAR_TS_BUILD_DAEMON;
  if (setting === "0" || setting === "false") return false;
  if (setting === "1" || setting === "true") return true;
  return !env.CI || env.CI === "0" || env.CI === "false";
}

/** Send one request and hand every message to `onMessage`; resolves when the daemon closes the connection. */
export function converse(socket: string, request: DaemonRequest, onMessage: (message: DaemonMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const connection = net.createConnection(socket);
    let buffered = "";
    connection.setEncoding("utf8");
    connection.on("connect", () => connection.write(`${JSON.stringify(request)}\n`));
    connection.on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line) onMessage(JSON.parse(line) as DaemonMessage);
      }
    });
    connection.on("error", reject);
    connection.on("close", () => resolve());
  });
}

function startDaemon(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const logFd = openSync(path.join(dir, "daemon.log"), "a");
  // the server module next to this one: TypeScript under tsx in this repository, JavaScript once built
  const server = fileURLToPath(new URL(`./daemon-server${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child = spawn(process.execPath, [...(server.endsWith(".ts") ? ["--import", "tsx"] : []), server], {
    cwd: DEFAULT_ROOT,
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, NEAR_TS_BUILD_DAEMON_DIR: dir },
  });
  child.unref();
}

async function reachable(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  return new Promise((resolve) => {
    const probe = net.createConnection(socket);
    probe.on("connect", () => (probe.destroy(), resolve(true)));
    probe.on("error", () => resolve(false));
  });
}

export type DaemonOutcome =
  | { served: true; results: ContractBuildResult[]; pid: number; cpuMs: number }
  | { served: true; failed: { exitCode: 1 | 3; text: string }; pid: number }
  /** the caller builds in-process; `reason` is the one-line note */
  | { served: false; reason: string };

/**
 * Build through this checkout's daemon, starting it if none listens. Log lines reach `log` as they
 * happen. Never throws: when the daemon cannot serve, `served: false` says why.
 */
export async function buildThroughDaemon(options: DaemonBuildOptions, log: (line: string) => void): Promise<DaemonOutcome> {
  const dir = daemonDir();
  let key: string;
  try {
    key = daemonKey();
  } catch (error) {
    return { served: false, reason: `cannot compute the daemon key (${(error as Error).message})` };
  }
  const socket = socketPath(key, dir);
  if (!(await reachable(socket))) {
    startDaemon(dir);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await reachable(socket))) {
      if (Date.now() > deadline) return { served: false, reason: `the daemon did not start within ${START_TIMEOUT_MS / 1000} s (see ${path.join(dir, "daemon.log")})` };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  let outcome: DaemonOutcome | undefined;
  try {
    await converse(socket, { type: "build", key, options }, (message) => {
      if (message.type === "log") log(message.line);
      else if (message.type === "done") outcome = { served: true, results: message.results, pid: message.pid, cpuMs: message.cpuMs };
      else if (message.type === "failed") outcome = { served: true, failed: { exitCode: message.exitCode, text: message.text }, pid: message.pid };
      else if (message.type === "stale") outcome = { served: false, reason: `the daemon (pid ${message.pid}) runs another builder version and is stopping` };
    });
  } catch (error) {
    return { served: false, reason: `the daemon could not be reached (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  return outcome ?? { served: false, reason: "the daemon stopped before answering" };
}

/** Ask every daemon in the folder (any version) to stop; returns the pids that said they stop. */
export async function stopDaemons(dir = daemonDir(), except?: string): Promise<number[]> {
  if (!existsSync(dir)) return [];
  const stopped: number[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^daemon-[0-9a-f]+\.sock$/.test(name)) continue;
    const socket = path.join(dir, name);
    if (socket === except) continue;
    try {
      await converse(socket, { type: "stop" }, (message) => {
        if (message.type === "stopping") stopped.push(message.pid);
      });
    } catch {
      rmSync(socket, { force: true }); // left by a daemon that was killed
    }
  }
  return stopped;
}

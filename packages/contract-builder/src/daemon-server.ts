/**
 * The build daemon's process (started detached by `npm run build`, see daemon.ts). It serves build
 * requests one at a time with the same `buildContracts` the CLI runs in-process, and exits after an
 * idle period, on a `stop` request, on SIGTERM, or when a request comes from another builder version.
 */
import { rmSync, statSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { buildContracts, buildFile } from "./build.js";
import { withDirLock } from "./cache-dir.js";
import { daemonDir, daemonKey, DEFAULT_IDLE_MS, socketPath, stopDaemons, type DaemonMessage, type DaemonRequest } from "./daemon.js";
import { ContractBuildError } from "./errors.js";

const dir = daemonDir();
const key = daemonKey();
const socket = socketPath(key, dir);
const idleMs = Number(process.env.NEAR_TS_BUILD_DAEMON_IDLE_MS) > 0 ? Number(process.env.NEAR_TS_BUILD_DAEMON_IDLE_MS) : DEFAULT_IDLE_MS;
const say = (line: string) => process.stdout.write(`${new Date().toISOString()} daemon ${process.pid}: ${line}\n`);

let server: net.Server | undefined;
/** inode of the socket file this daemon bound: shutdown removes the file only while it is still this one */
let boundInode: number | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let queue = Promise.resolve();
let pending = 0;

function shutdown(reason: string): void {
  say(`exiting (${reason})`);
  // no server.close(): Node would unlink the socket path, which may by now be a newer daemon's file
  try {
    if (statSync(socket).ino === boundInode) rmSync(socket, { force: true });
  } catch {
    // already gone
  }
  // the checker worker and Rollup keep the event loop alive; nothing is in flight when this runs
  process.exit(0);
}

function armIdleTimer(): void {
  clearTimeout(idleTimer);
  if (pending === 0) idleTimer = setTimeout(() => shutdown(`idle for ${idleMs} ms`), idleMs);
}

function send(connection: net.Socket, message: DaemonMessage): void {
  if (!connection.destroyed) connection.write(`${JSON.stringify(message)}\n`);
}

async function serve(connection: net.Socket, request: DaemonRequest): Promise<void> {
  if (request.type === "stop") {
    send(connection, { type: "stopping", pid: process.pid });
    connection.end(() => shutdown("stop requested"));
    return;
  }
  if (request.key !== key) {
    send(connection, { type: "stale", pid: process.pid });
    connection.end(() => shutdown(`request from builder version ${request.key}, this is ${key}`));
    return;
  }
  const cpuBefore = process.cpuUsage();
  try {
    const { file, ...options } = request.options;
    const log = (line: string) => send(connection, { type: "log", line });
    const results = file ? [await buildFile(file, { ...options, log })] : await buildContracts({ ...options, log });
    const cpu = process.cpuUsage(cpuBefore);
    send(connection, { type: "done", results, pid: process.pid, cpuMs: (cpu.user + cpu.system) / 1000 });
  } catch (error) {
    if (error instanceof ContractBuildError) send(connection, { type: "failed", exitCode: 1, text: error.describe(), pid: process.pid });
    else send(connection, { type: "failed", exitCode: 3, text: error instanceof Error ? (error.stack ?? error.message) : String(error), pid: process.pid });
  }
  connection.end();
}

function accept(connection: net.Socket): void {
  let buffered = "";
  connection.setEncoding("utf8");
  connection.on("error", () => {}); // a client that went away: its build still finishes and writes its output
  connection.on("data", (chunk: string) => {
    buffered += chunk;
    const newline = buffered.indexOf("\n");
    if (newline < 0) return;
    connection.removeAllListeners("data");
    let request: DaemonRequest;
    try {
      request = JSON.parse(buffered.slice(0, newline)) as DaemonRequest;
    } catch {
      connection.destroy();
      return;
    }
    pending++;
    clearTimeout(idleTimer);
    // one request at a time: builds share the checker worker, Rollup's cache and build/
    queue = queue.then(() => serve(connection, request)).finally(() => {
      pending--;
      armIdleTimer();
    });
  });
}

async function listen(): Promise<boolean> {
  return withDirLock(path.join(dir, "daemon-start"), async () => {
    const live = await new Promise<boolean>((resolve) => {
      const probe = net.createConnection(socket);
      probe.on("connect", () => (probe.destroy(), resolve(true)));
      probe.on("error", () => resolve(false));
    });
    if (live) return false; // another client started one first
    rmSync(socket, { force: true }); // left by a killed daemon
    server = net.createServer(accept);
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(socket, resolve);
    });
    boundInode = statSync(socket).ino;
    return true;
  });
}

if (!(await listen())) {
  say("another daemon already serves this version");
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
say(`serving ${socket} (idle exit after ${idleMs} ms)`);
const replaced = await stopDaemons(dir, socket);
if (replaced.length > 0) say(`asked daemons of other builder versions to stop: ${replaced.join(", ")}`);
armIdleTimer();

/**
 * The build daemon (src/daemon.ts) changes where a CLI build runs, never what it produces: its bytes
 * equal an in-process build's, errors still exit 1 naming the file, a daemon that dies mid-request
 * leaves the user with an in-process build, and CI never starts one. Each test uses its own daemon
 * folder (NEAR_TS_BUILD_DAEMON_DIR), so a developer's daemon is neither used nor stopped, and every
 * daemon a test starts is stopped (and, failing that, killed by its pid) before ava exits.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildContract } from "../src/index.js";
import { converse, daemonKey, stopDaemons, type DaemonMessage } from "../src/daemon.js";
import { BUILDER_DIR } from "../src/paths.js";
import { counterProject, ENTRY, HELPER, removeScratch } from "./helpers/counter-project.js";

const CLI = path.join(BUILDER_DIR, "src", "cli.ts");
const daemonDirs: string[] = [];
const daemonPids = new Set<number>();

/** Running (a zombie counts as gone: the detached daemon's parent CLI has exited and PID 1 may not reap it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

test.after.always(async () => {
  for (const dir of daemonDirs) {
    await stopDaemons(dir).catch(() => []);
    // also any daemon no CLI call reported (e.g. one whose client fell back): its log names its pid
    const log = path.join(dir, "daemon.log");
    if (existsSync(log)) for (const match of readFileSync(log, "utf8").matchAll(/daemon (\d+): serving/g)) daemonPids.add(Number(match[1]));
  }
  for (const pid of daemonPids) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const dir of daemonDirs) rmSync(dir, { recursive: true, force: true });
  removeScratch();
});


/** A private daemon folder; short, under the OS temp folder (Unix socket paths are limited to ~107 bytes). */
function daemonFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ntcb-daemon-"));
  daemonDirs.push(dir);
  return dir;
}


interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** pid of the daemon that built (from --json), undefined when the CLI built in-process */
  daemonPid?: number;
}

/**
 * `npm run build -- <args> --json` as a fresh process. `onStderr` sees stderr as it streams (the kill
 * test uses it to strike mid-request).
 */
function cli(root: string, args: string[], env: NodeJS.ProcessEnv, onStderr?: (text: string) => void): Promise<CliOutcome> {
  // without --json the CLI prints the build's log lines (which the kill test waits for) and a table
  const json = onStderr ? [] : ["--json"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "build", ...args, "--generateABI", "--root", root, ...json], { cwd: root, env: { ...process.env, CI: "", NEAR_TS_BUILD_DAEMON: "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.on("error", reject);
    child.on("close", (code) => {
      let daemonPid: number | undefined;
      if (code === 0 && stdout.startsWith("{")) daemonPid = (JSON.parse(stdout) as { daemonPid?: number }).daemonPid;
      if (daemonPid !== undefined) daemonPids.add(daemonPid);
      resolve({ code: code ?? -1, stdout, stderr, daemonPid });
    });
  });
}

const sockets = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".sock"));

test.serial("through the daemon: the bytes of an in-process build, the same daemon for the next call, a type error exits 1 naming the file", async (t) => {
  const { root, dir, helper } = counterProject("daemon-");
  const env = { NEAR_TS_BUILD_DAEMON_DIR: daemonFolder() };

  const first = await cli(root, ["counter", "--force"], env);
  t.is(first.code, 0, first.stderr);
  t.true(Number.isInteger(first.daemonPid), "the first call was not served by a daemon");
  t.notRegex(first.stderr, /building in this process/);
  const viaDaemon = { wasm: readFileSync(path.join(root, "build", "counter.wasm")), abi: readFileSync(path.join(root, "build", "counter.abi.json"), "utf8") };
  const inProcess = await buildContract(dir, { root, outDir: path.join(root, "in-process"), force: true, abi: true });
  t.true(viaDaemon.wasm.equals(readFileSync(inProcess.wasmPath)), "the daemon's Wasm differs from an in-process build");
  t.is(viaDaemon.abi, readFileSync(inProcess.abiPath!, "utf8"));

  // an edit, rebuilt by a second fresh CLI process: the same (warm) daemon serves it
  writeFileSync(helper, HELPER.replace('"count"', '"counter"'));
  const second = await cli(root, ["counter"], env);
  t.is(second.code, 0, second.stderr);
  t.is(second.daemonPid, first.daemonPid, "a second daemon was started");
  const edited = readFileSync(path.join(root, "build", "counter.wasm"));
  t.false(edited.equals(viaDaemon.wasm), "the edit did not reach the Wasm");
  t.true(edited.equals(readFileSync((await buildContract(dir, { root, outDir: path.join(root, "in-process-edited"), force: true })).wasmPath)));

  // a type error reported by the daemon: exit 1, the file and position, no in-process fallback
  writeFileSync(helper, `${HELPER}export const broken: number = "seven";\n`);
  const broken = await cli(root, ["counter"], env);
  t.is(broken.code, 1, broken.stderr);
  t.regex(broken.stderr, /contracts\/counter\/src\/helper\.ts\(4,14\): Type 'string' is not assignable to type 'number'/);
  t.notRegex(broken.stderr, /building in this process/);
  t.true(alive(first.daemonPid!), "the daemon died on a type error");

  // --stop-daemon stops it and removes its socket
  const stop = await cli(root, ["--stop-daemon"], env);
  t.is(stop.code, 0, stop.stderr);
  t.regex(stop.stdout, new RegExp(`stopped build daemon \\(pid ${first.daemonPid}\\)`));
  for (let i = 0; i < 50 && alive(first.daemonPid!); i++) await new Promise((r) => setTimeout(r, 100));
  t.false(alive(first.daemonPid!), "--stop-daemon left the daemon running");
  t.deepEqual(sockets(env.NEAR_TS_BUILD_DAEMON_DIR), []);
});

test.serial("a daemon killed mid-request: the CLI says so in one line and builds in-process", async (t) => {
  const { root, dir, entry } = counterProject("daemon-");
  const env = { NEAR_TS_BUILD_DAEMON_DIR: daemonFolder() };
  const warm = await cli(root, ["counter"], env);
  t.is(warm.code, 0, warm.stderr);
  const pid = warm.daemonPid!;
  t.true(Number.isInteger(pid));

  writeFileSync(entry, ENTRY.replace(" is ", " now is "));
  let killed = false;
  // the daemon streams "counter: type-checking ..." when it starts the build: kill it then
  const rebuilt = await cli(root, ["counter"], env, (stderr) => {
    if (!killed && /counter: type-checking/.test(stderr)) {
      killed = true;
      process.kill(pid, "SIGKILL");
    }
  });
  t.true(killed, "the daemon never reported the build's start");
  t.is(rebuilt.code, 0, rebuilt.stderr);
  t.is(rebuilt.stderr.split("\n").filter((l) => l.startsWith("note: ")).length, 1, rebuilt.stderr);
  t.regex(rebuilt.stderr, /note: the daemon stopped before answering; building in this process/);
  const clean = await buildContract(dir, { root, outDir: path.join(root, "in-process"), force: true });
  t.true(readFileSync(path.join(root, "build", "counter.wasm")).equals(readFileSync(clean.wasmPath)));
});

test.serial("CI=1 builds in-process and starts no daemon; NEAR_TS_BUILD_DAEMON=0 and --no-daemon too", async (t) => {
  const { root } = counterProject("daemon-");
  for (const [label, env, args] of [
    ["CI=1", { CI: "1" }, []],
    ["NEAR_TS_BUILD_DAEMON=0", { NEAR_TS_BUILD_DAEMON: "0" }, []],
    ["--no-daemon", {}, ["--no-daemon"]],
  ] as const) {
    const folder = daemonFolder();
    const outcome = await cli(root, ["counter", ...args], { ...env, NEAR_TS_BUILD_DAEMON_DIR: folder });
    t.is(outcome.code, 0, outcome.stderr);
    t.is(outcome.daemonPid, undefined, `${label}: a daemon served the build`);
    t.deepEqual(readdirSync(folder), [], `${label}: the daemon folder is not empty`);
  }
});

test.serial("the daemon exits after its idle time and removes its socket", async (t) => {
  const { root } = counterProject("daemon-");
  const folder = daemonFolder();
  const outcome = await cli(root, ["counter"], { NEAR_TS_BUILD_DAEMON_DIR: folder, NEAR_TS_BUILD_DAEMON_IDLE_MS: "1500" });
  t.is(outcome.code, 0, outcome.stderr);
  const pid = outcome.daemonPid!;
  t.true(Number.isInteger(pid));
  t.true(alive(pid), "the daemon exited right after its build");
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  t.false(alive(pid), "the daemon did not exit within 20 s of a 1.5 s idle time");
  t.false(existsSync(path.join(folder, sockets(folder)[0] ?? "none.sock")));
  t.regex(readFileSync(path.join(folder, "daemon.log"), "utf8"), /exiting \(idle for 1500 ms\)/);
});

test.serial("a daemon of another builder version is replaced: it refuses a request with another key, and a new daemon stops it", async (t) => {
  const { root } = counterProject("daemon-");
  const folder = daemonFolder();
  const env = { NEAR_TS_BUILD_DAEMON_DIR: folder };
  const first = await cli(root, ["counter"], env);
  t.is(first.code, 0, first.stderr);
  const oldPid = first.daemonPid!;
  const [socket] = sockets(folder);
  t.is(socket, `daemon-${daemonKey()}.sock`);

  // as if the builder had changed since it started: its socket now carries another key
  const staleSocket = path.join(folder, "daemon-0000000000000000.sock");
  renameSync(path.join(folder, socket), staleSocket);
  const next = await cli(root, ["counter", "--force"], env);
  t.is(next.code, 0, next.stderr);
  t.true(Number.isInteger(next.daemonPid), `no daemon served the build: ${next.stderr}`);
  t.not(next.daemonPid, oldPid, "the old daemon served a build of the current version");
  for (let i = 0; i < 100 && alive(oldPid); i++) await new Promise((r) => setTimeout(r, 100));
  t.false(alive(oldPid), "the new daemon did not stop the old one");
  // the old daemon, leaving, did not remove the socket file the new one now listens on
  t.true(existsSync(path.join(folder, socket)), "the old daemon removed the new daemon's socket");

  // a request whose key is not the daemon's is refused, and the daemon exits
  const messages: DaemonMessage[] = [];
  await converse(path.join(folder, socket), { type: "build", key: "0000000000000000", options: { root, names: ["counter"] } }, (m) => messages.push(m));
  t.deepEqual(messages, [{ type: "stale", pid: next.daemonPid! }]);
  for (let i = 0; i < 100 && alive(next.daemonPid!); i++) await new Promise((r) => setTimeout(r, 100));
  t.false(alive(next.daemonPid!), "a daemon asked by another version kept running");
});

/**
 * Processes the relayer's tests and benchmark start: a relayer instance through its CLI
 * (packages/relayer/src/cli.ts), configured by environment as it is deployed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const RUNTIME_PROBE = fileURLToPath(new URL('../../bench/runtime-probe.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface RelayerProcess {
  url: string;
  /** The structured log lines so far. */
  log: Record<string, unknown>[];
  process: ChildProcess;
  /** SIGTERM (finishes what it accepted) and waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

/**
 * Starts `near-relayer` with `env` (RELAYER_ACCOUNT_ID, RELAYER_PRIVATE_KEY, RPC_URL, RELAYER_POLICY, …) on a port it
 * chooses (PORT=0), reached at the URL its `listening` log line gives: a port picked here and freed first could be
 * taken meanwhile by another suite's process;
 * with RELAYER_CPU_PROF=<dir> in `env`, Node writes the process's CPU profile there when it exits; with
 * RELAYER_RUNTIME_STATS=<dir>, its GC pauses, event-loop delay and (RELAYER_HEAP_PROFILE=1) allocation (bench/runtime-probe.ts).
 */
export async function startRelayerProcess(env: Record<string, string>): Promise<RelayerProcess> {
  const child = spawn(process.execPath, [...(env.RELAYER_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.RELAYER_CPU_PROF}`] : []), '--import', 'tsx', ...(env.RELAYER_RUNTIME_STATS ? ['--import', RUNTIME_PROBE] : []), CLI], { cwd: REPO, env: { ...process.env, ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const lines: Record<string, unknown>[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relayer did not start: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Its structured log: one JSON object per line.
      const complete = output.lastIndexOf('\n');
      for (const line of output.slice(0, complete + 1).split('\n').filter(Boolean)) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a line that is not JSON (a crash's stack) stays in the output only
        }
      }
      if (lines.some((l) => l.event === 'listening')) {
        clearTimeout(timer);
        resolve();
      }
      output = output.slice(complete + 1);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`relayer exited (${code}): ${output}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // 'close': after the exit and the last of its output (its final log lines) read.
    const exited = new Promise((resolve) => child.once('close', resolve));
    child.kill(signal);
    await exited;
  };
  const listening = lines.find((l) => l.event === 'listening')!;
  return { url: String(listening.url), log: lines, process: child, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

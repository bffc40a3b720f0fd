/** The node as a separate process (bin/launch.mjs `run`, what `npm run sandbox` and near-workspaces start), for tests that kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAUNCH = resolve(fileURLToPath(import.meta.url), '../../../bin/launch.mjs');

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  /** What the node printed on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
}

/**
 * Starts `run` and resolves once it answers at the address it announced, or rejects with its stderr if it
 * exits first. The node picks its own port (`--rpc-addr 127.0.0.1:0`) unless `rpcPort` is given: a port
 * picked here and freed before the node binds it can be taken meanwhile by another process (a near-workspaces
 * node of a suite running in parallel), whose answers would then be taken for this node's.
 */
export async function startNodeProcess(home: string, { timeoutMs = 60_000, rpcPort = 0 }: { timeoutMs?: number; rpcPort?: number } = {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, [LAUNCH, '--home', home, 'run', '--rpc-addr', `127.0.0.1:${rpcPort}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the node did not answer within ${timeoutMs} ms: ${stderr}`);
    }
    // node/run.ts runNode: "near-sandbox: JSON-RPC on http://127.0.0.1:<port> (home <home>…"
    const url = announcedUrl(stderr, home);
    if (url !== undefined) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'status', params: [] }),
          signal: AbortSignal.timeout(2000),
        });
        if (res.status === 200) return { child, url, stderr: () => stderr, exited };
      } catch {
        // not answering yet
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the node exited with code ${await exited}: ${stderr}`);
}

/** The JSON-RPC address a node announced on stderr for `home`, once it has. */
export function announcedUrl(stderr: string, home: string): string | undefined {
  for (const match of stderr.matchAll(/JSON-RPC on (http:\/\/127\.0\.0\.1:\d+) \(home ([^,)]*)/g)) {
    if (match[2] === home) return match[1];
  }
  return undefined;
}

/** Kills the process with SIGKILL and waits until it is gone. */
export async function killNode(node: NodeProcess): Promise<void> {
  node.child.kill('SIGKILL');
  await node.exited;
}

export async function rpc(url: string, method: string, params: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return res.json();
}

/** The node as a separate process (bin/launch.mjs `run`, what `npm run sandbox` and near-workspaces start), for tests that kill it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAUNCH = resolve(fileURLToPath(import.meta.url), '../../../bin/launch.mjs');

export function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  /** What the node printed on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once the process is gone. */
  exited: Promise<number | null>;
}

/** Starts `run` on a free port and resolves once it answers, or rejects with its stderr if it exits first. */
export async function startNodeProcess(home: string, timeoutMs = 60_000): Promise<NodeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [LAUNCH, '--home', home, 'run', '--rpc-addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the node did not answer within ${timeoutMs} ms: ${stderr}`);
    }
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'status', params: [] }),
        signal: AbortSignal.timeout(2000),
      });
      if (res.status === 200) return { child, url, stderr: () => stderr, exited };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the node exited with code ${await exited}: ${stderr}`);
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

/** Starts test/fork/remote-node.ts as a child process and reads what it serves (see there). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RemoteInfo } from './remote-node.js';

export type { RemoteInfo } from './remote-node.js';

const SCRIPT = fileURLToPath(new URL('./remote-node.ts', import.meta.url));

export interface Remote extends RemoteInfo {
  child: ChildProcess;
  /** Every JSON-RPC request the proxy forwarded so far. */
  requests(): Promise<Array<{ method: string; params: any }>>;
  /** The next `count` requests are answered with HTTP 429. */
  rateLimit(count: number): Promise<void>;
  /** A JSON-RPC call straight to the remote node (not through the proxy, not counted). */
  rpc(method: string, params: unknown): Promise<any>;
  stop(): Promise<void>;
}

export async function startRemote(env: Record<string, string> = {}): Promise<Remote> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const info = await new Promise<RemoteInfo>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as RemoteInfo);
    });
    child.on('exit', (code) => reject(new Error(`the remote node exited (${code}) before it was ready: ${stderr}`)));
  });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  return {
    ...info,
    child,
    requests: async () => (await fetch(`${info.url}/__requests`)).json() as Promise<Array<{ method: string; params: any }>>,
    rateLimit: async (count) => void (await fetch(`${info.url}/__rate-limit?count=${count}`, { method: 'POST' })),
    rpc: async (method, params) => {
      const res = await fetch(info.nodeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      return res.json();
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

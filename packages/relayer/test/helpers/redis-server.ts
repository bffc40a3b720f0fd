/**
 * A real redis-server for tests and the benchmark: started by us on a free loopback port with its
 * own temporary folder and no persistence, never a system service. It is known by its process id
 * (INFO server), and moved to another port if another process took the one picked first. Debian's `redis-server`
 * package must be installed (.ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: as a crash would); `start` brings it back on the same port, empty. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The process id of the redis-server answering on `port`, or undefined while none answers. A port can be taken by
 * another process between our pick and redis-server's bind: the id tells our server from another suite's.
 */
async function redisProcessIdAt(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = '';
    socket.once('error', () => resolve(undefined));
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      const id = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (id || !reply.startsWith('$')) {
        socket.destroy();
        resolve(id ? Number(id[1]) : undefined);
      }
    });
  });
}

/** A loopback port free at the time of the call (redis-server cannot choose its own: `--port 0` turns TCP off). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRedisServer(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: run `apt-get install redis-server` as root (.ci/run does)');
  }
  let port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'relayer-redis-'));
  let child: ChildProcess | undefined;
  /** Starts redis-server on `port`; false if another process took the port first (redis-server exits "Address already in use"). */
  const startOnPort = async (): Promise<boolean> => {
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = server;
    const closed = new Promise((resolve) => server.once('close', resolve));
    let output = '';
    server.stdout!.on('data', (c) => (output += c));
    server.stderr!.on('data', (c) => (output += c));
    const deadline = Date.now() + 10_000;
    while ((await redisProcessIdAt(port)) !== server.pid) {
      if (server.exitCode !== null) {
        await closed; // all its output read
        if (/Address already in use/.test(output)) return false;
        throw new Error(`redis-server exited (${server.exitCode}) on port ${port}: ${output}`);
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  };
  const start = async () => {
    if (!(await startOnPort())) throw new Error(`redis-server could not restart: port ${port} was taken by another process after it was killed`);
  };
  for (let attempt = 1; !(await startOnPort()); attempt++) {
    if (attempt === 5) throw new Error(`redis-server could not start: ${attempt} free ports in a row were taken before it bound them`);
    port = await freePort();
  }
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

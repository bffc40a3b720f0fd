/**
 * What a fork refuses before it starts (src/fork/index.ts): a protocol version or runtime parameters the node
 * does not reproduce; and the disk cache's tolerance of a line cut short by a crash (src/fork/cache.ts).
 * The remote here is a canned JSON-RPC server in a child process (the fork blocks this thread while it asks).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createSandbox, ForkError } from '../../src/index.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { runtimeConfigView } from '../../src/rpc/views.js';
import { ForkCache } from '../../src/fork/cache.js';

const HASH = '9McNK3hvDD8hKeStDoMCdkLfugbJ9KS6UU85JztS8AsD';

/** A remote that answers `block` and `EXPERIMENTAL_protocol_config` as given, and every query with UNKNOWN_ACCOUNT. */
async function cannedRemote(protocolVersion: number, runtimeConfigJson: unknown): Promise<{ url: string; stop(): void }> {
  const header = { height: 1000, hash: HASH, prev_hash: HASH, timestamp_nanosec: '1735689600000000000', gas_price: '100000000', total_supply: '1000', epoch_id: HASH, random_value: HASH };
  const answers = {
    block: { header },
    EXPERIMENTAL_protocol_config: { protocol_version: protocolVersion, chain_id: 'canned', runtime_config: runtimeConfigJson },
  };
  const code = `
    const answers = ${JSON.stringify(answers)};
    require('node:http').createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { id, method } = JSON.parse(body);
        const reply = answers[method] !== undefined
          ? { jsonrpc: '2.0', id, result: answers[method] }
          : { jsonrpc: '2.0', id, error: { name: 'HANDLER_ERROR', cause: { name: 'UNKNOWN_ACCOUNT', info: {} }, code: -32000, message: 'Server error' } };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(reply));
      });
    }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (c) => resolve(String(c).trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => void child.kill() };
}

test('a protocol version the node does not run is refused, unless protocolVersion is given', async (t) => {
  const remote = await cannedRemote(99, runtimeConfigView(runtimeConfig(86)));
  t.teardown(() => remote.stop());
  const error = t.throws(() => createSandbox({ fork: { rpcUrl: remote.url, cacheDir: false } }), { instanceOf: ForkError });
  t.is((error as ForkError).kind, 'unsupported');
  t.regex(error!.message, /ran protocol version 99 at block #1000; this node reproduces 77, 86/);
  const node = createSandbox({ fork: { rpcUrl: remote.url, cacheDir: false }, protocolVersion: 86 });
  t.teardown(() => node.fork?.close());
  t.is(node.protocolVersion, 86);
  t.is(node.chain.options.chainId, 'canned');
  t.is(node.head.height, 1000n);
});

test('runtime parameters that differ from the node table for the version are refused, naming what differs', async (t) => {
  const changed = runtimeConfigView(runtimeConfig(86)) as unknown as Record<string, unknown>;
  changed.storage_amount_per_byte = '20000000000000000000';
  const remote = await cannedRemote(86, changed);
  t.teardown(() => remote.stop());
  const error = t.throws(() => createSandbox({ fork: { rpcUrl: remote.url, cacheDir: false } }), { instanceOf: ForkError });
  t.regex(error!.message, /storage_amount_per_byte: remote 20000000000000000000, node 10000000000000000000/);
  t.notThrows(() => createSandbox({ fork: { rpcUrl: remote.url, cacheDir: false }, protocolVersion: 86 }).fork?.close());
});

test('the disk cache ignores a line cut short by a crash and keeps the lines before it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fork-cache-'));
  const cache = new ForkCache(dir);
  cache.put('account/a.near', { amount: '1' });
  cache.put('data/a.near/AA==', null);
  appendFileSync(join(dir, 'reads.jsonl'), '{"k":"data/a.near/AQ==","v":"cut sh');
  const reopened = new ForkCache(dir);
  t.deepEqual(reopened.get('account/a.near'), { amount: '1' });
  t.is(reopened.get('data/a.near/AA=='), null);
  t.is(reopened.get('data/a.near/AQ=='), undefined);
  // what is read after the crash starts a line of its own
  reopened.put('data/a.near/Ag==', 'AQ==');
  t.is(new ForkCache(dir).get('data/a.near/Ag=='), 'AQ==');
});

test.serial('near-workspaces on a fork that cannot start sees why: the node answers every request with the reason', async (t) => {
  const { Worker } = await import('near-workspaces');
  const unused = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  Object.assign(process.env, { NEAR_SANDBOX_FORK_URL: `http://127.0.0.1:${unused}`, NEAR_SANDBOX_FORK_BLOCK: '5', NEAR_SANDBOX_FORK_CACHE: mkdtempSync(join(tmpdir(), 'fork-cache-')) });
  try {
    // the node answers (so Worker.init returns); every request then fails with the reason
    const worker = await Worker.init();
    t.teardown(() => worker.tearDown());
    const error = await t.throwsAsync(() => worker.rootAccount.accountView());
    t.regex(error!.message, new RegExp(`fork: http://127.0.0.1:${unused} is unreachable \\(ECONNREFUSED\\)`));
  } finally {
    delete process.env.NEAR_SANDBOX_FORK_URL;
    delete process.env.NEAR_SANDBOX_FORK_BLOCK;
    delete process.env.NEAR_SANDBOX_FORK_CACHE;
  }
});

/**
 * The remote chain the fork tests and the bench read from, run as a child process (a fork blocks its thread
 * while it waits for an answer, so the remote must never share it): our own node with state of its own, behind
 * a proxy that records every request it forwards.
 *
 * State: the project's stablecoin at `usdx.test.near` with HOLDERS holders and ENTRIES extra storage entries
 * (`k/<i>`), the probe contract at `probe.test.near` (its "STATE" plus longer keys starting with "STATE", so a
 * read of "STATE" by prefix brings more than the key), `alice.test.near` with a function-call key for the token.
 *
 * stdout: one JSON line once ready (`RemoteInfo`). The proxy also answers:
 *   GET  /__requests          every JSON-RPC request forwarded so far: [{method, params}]
 *   POST /__rate-limit?count=N the next N requests get HTTP 429 (Retry-After: 0)
 */
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContracts } from '../../../contract-builder/src/index.js';
import { probeWasm } from '../../../../sandbox-tests/probe-contract.js';
import { initHome } from '../../src/node/init.js';
import { startNode } from '../../src/node/run.js';
import { KeyPair, NEAR, TGAS, type Sandbox, type StateRecord } from '../../src/index.js';
import { hashToString } from '../../src/primitives/hash.js';

export interface RemoteInfo {
  url: string;
  nodeUrl: string;
  height: number;
  hash: string;
  chainId: string;
  token: string;
  owner: string;
  probe: string;
  alice: string;
  aliceFunctionKey: string;
  holders: string[];
  entries: number;
}

const HOLDERS = Number(process.env.FORK_REMOTE_HOLDERS ?? 40);
const ENTRIES = Number(process.env.FORK_REMOTE_ENTRIES ?? 3000);
const TOKEN = 'usdx.test.near';
const OWNER = 'owner.test.near';
const PROBE = 'probe.test.near';
const ALICE = 'alice.test.near';

function setUp(node: Sandbox, stablecoin: Uint8Array, probe: Uint8Array): { holders: string[]; aliceFunctionKey: string } {
  const ok = (signer: string, receiver: string, method: string, args: unknown, deposit = 1n) => {
    const r = node.call(signer, receiver, method, args as Record<string, unknown>, { deposit, gas: 100n * TGAS });
    if (!r.succeeded) throw new Error(`${receiver}.${method} failed: ${JSON.stringify(r.failure)}`);
  };
  node.createAccount(TOKEN, { balance: 500n * NEAR });
  node.createAccount(OWNER, { balance: 1000n * NEAR });
  node.createAccount(PROBE, { balance: 50n * NEAR });
  node.createAccount(ALICE, { balance: 20n * NEAR });
  node.deployContract(TOKEN, stablecoin);
  node.deployContract(PROBE, probe);
  ok(TOKEN, TOKEN, 'init', { owner_id: OWNER }, 0n);
  const min = BigInt(node.view<{ min: string }>(TOKEN, 'storage_balance_bounds').min);
  ok(OWNER, TOKEN, 'grant_role', { role: 'master_minter', account_id: OWNER });
  ok(OWNER, TOKEN, 'configure_minter', { account_id: OWNER, allowance: (10n ** 30n).toString() });
  const holders: string[] = [];
  for (let i = 0; i < HOLDERS; i++) {
    const holder = `holder-${i}.test.near`;
    holders.push(holder);
    ok(OWNER, TOKEN, 'storage_deposit', { account_id: holder }, min);
    ok(OWNER, TOKEN, 'mint', { account_id: holder, amount: String(1000 * (i + 1)) });
  }
  ok(OWNER, TOKEN, 'storage_deposit', {}, min);
  ok(OWNER, TOKEN, 'mint', { account_id: OWNER, amount: (10n ** 24n).toString() });
  ok(PROBE, PROBE, 'set', 'remote value', 0n);
  const functionKey = KeyPair.fromLabel('alice function-call key');
  const added = node.signAndSendTransaction(ALICE, ALICE, [
    { type: 'AddKey', publicKey: functionKey.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: 10n ** 23n, receiverId: TOKEN, methodNames: ['ft_transfer'] } } },
  ]);
  if (!added.succeeded) throw new Error(`AddKey failed: ${JSON.stringify(added.failure)}`);
  // thousands of storage entries, and keys that extend "STATE" (a prefix read of "STATE" returns them too)
  const data = (account: string, key: string, value: string): StateRecord => ({
    Data: { account_id: account, data_key: Buffer.from(key).toString('base64'), value: Buffer.from(value).toString('base64') },
  });
  const records: StateRecord[] = [];
  for (let i = 0; i < ENTRIES; i++) records.push(data(TOKEN, `k/${i}`, `value ${i}`));
  for (let i = 0; i < 3; i++) records.push(data(PROBE, `STATE-extra-${i}`, `extra ${i}`));
  node.patchState(records);
  node.produceBlocks(3);
  return { holders, aliceFunctionKey: functionKey.publicKeyString };
}

async function main(): Promise<void> {
  const [stablecoinBuild] = await buildContracts({ names: ['stablecoin'], log: () => {} });
  const stablecoin = new Uint8Array(readFileSync(stablecoinBuild!.wasmPath));
  const probe = new Uint8Array(await probeWasm());
  const home = mkdtempSync(join(tmpdir(), 'fork-remote-'));
  initHome(home, { protocolVersion: 86 });
  const running = await startNode({ home, rpcPort: 0, persist: false, log: () => {} });
  const sandbox = running.client.sandbox;
  const { holders, aliceFunctionKey } = setUp(sandbox, stablecoin, probe);

  const requests: Array<{ method: string; params: unknown }> = [];
  let rateLimited = 0;
  const proxy = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (req.method === 'GET' && url.pathname === '/__requests') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(requests));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/__rate-limit') {
      rateLimited = Number(url.searchParams.get('count') ?? 1);
      res.end('{}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (rateLimited > 0) {
        rateLimited--;
        res.writeHead(429, { 'retry-after': '0', 'content-type': 'text/plain' });
        res.end('Too Many Requests');
        return;
      }
      try {
        const parsed = JSON.parse(body) as { method: string; params: unknown } | Array<{ method: string; params: unknown }>;
        for (const r of Array.isArray(parsed) ? parsed : [parsed]) requests.push({ method: r.method, params: r.params });
      } catch {
        requests.push({ method: '<not JSON>', params: body.slice(0, 200) });
      }
      fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(await answer.text());
        },
        (e) => {
          res.writeHead(502);
          res.end(String(e));
        },
      );
    });
  });
  // the test's thread blocks while a fork waits for an answer: keep its idle connections open meanwhile
  proxy.keepAliveTimeout = 120_000;
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const port = (proxy.address() as { port: number }).port;
  const head = sandbox.head;
  const info: RemoteInfo = {
    url: `http://127.0.0.1:${port}`,
    nodeUrl: running.url,
    height: Number(head.height),
    hash: hashToString(head.hash),
    chainId: sandbox.chain.options.chainId,
    token: TOKEN,
    owner: OWNER,
    probe: PROBE,
    alice: ALICE,
    aliceFunctionKey,
    holders,
    entries: ENTRIES,
  };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  // the parent ends this process (SIGTERM) or dies (stdin closes)
  const exit = () => {
    rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', exit);
  process.stdin.resume();
  process.once('SIGTERM', exit);
}

main().catch((e) => {
  process.stderr.write(`remote node failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

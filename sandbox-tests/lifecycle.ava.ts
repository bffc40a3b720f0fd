/**
 * Worker.init and tearDown, through near-workspaces' public API only (it starts the sandbox binary that
 * `npm test` names in NEAR_SANDBOX_BIN_PATH: this checkout's launcher for this project's node, unless the
 * caller named another binary such as a real neard).
 */
import test from 'ava';
import { Worker } from 'near-workspaces';

const NEAR = 10n ** 24n;

/** near-api-js' provider keeps its endpoint in `connection.url`. */
function rpcUrl(worker: Worker): string {
  return (worker.provider as unknown as { connection: { url: string } }).connection.url;
}

async function rpcAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'ping', method: 'status', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

test('Worker.init starts a node with test.near holding the validator key; tearDown stops it', async (t) => {
  const worker = await Worker.init();
  const root = worker.rootAccount;
  t.is(root.accountId, 'test.near');

  const keys = await root.viewAccessKeys(root.accountId);
  t.is(keys.keys.length, 1);
  t.is(keys.keys[0]!.access_key.permission, 'FullAccess');
  const signingKey = await root.getKey();
  t.is(keys.keys[0]!.public_key, signingKey!.getPublicKey().toString());

  // nearcore localnet genesis: 1e9 NEAR liquid and 5e7 NEAR staked on test.near
  const balance = await root.balance();
  t.true(BigInt(balance.total) > 1_000_000_000n * NEAR, `total ${balance.total}`);
  t.is((await root.accountView()).locked, (50_000_000n * NEAR).toString());

  const url = rpcUrl(worker);
  t.true(await rpcAnswers(url));
  await worker.tearDown();

  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await rpcAnswers(url))) await new Promise((r) => setTimeout(r, 50));
  t.false(await rpcAnswers(url), 'the node stops answering after tearDown (SIGINT)');
});

test('two workers are independent nodes', async (t) => {
  const [a, b] = await Promise.all([Worker.init(), Worker.init()]);
  t.teardown(async () => {
    await a.tearDown();
    await b.tearDown();
  });
  const alice = await a.rootAccount.createSubAccount('alice');
  t.true(await alice.exists());
  t.false(await b.rootAccount.getSubAccount('alice').exists());
  t.not(rpcUrl(a), rpcUrl(b));
});

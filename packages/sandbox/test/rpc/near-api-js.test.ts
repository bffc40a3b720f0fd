/**
 * The dapp path: near-api-js 7 (the project's client library) against the `npm run sandbox` node, signing
 * with the key from the node's key store. near-workspaces covers near-api-js 5 (sandbox-tests/).
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Account, JsonRpcProvider, KeyPair, type KeyPairString } from 'near-api-js';
import { startDevNode } from '../../src/node/dev.js';
import { probeWasm } from '../../../../sandbox-tests/probe-contract.js';

const NEAR = 10n ** 24n;

test('near-api-js 7: account state, transfer, sub-account, deploy, call and view on the dev node', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'dev-node-'));
  const dev = await startDevNode({ home, port: 0 });
  t.teardown(async () => {
    await dev.node.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const stored = JSON.parse(readFileSync(dev.rootKeyFile, 'utf8')) as { account_id: string; private_key: KeyPairString };
  t.is(stored.account_id, 'test.near');
  const provider = new JsonRpcProvider({ url: dev.rpcUrl });
  const root = new Account(stored.account_id, provider, stored.private_key);

  const state = await root.getState();
  t.is(BigInt(state.balance.total), 1_000_000_000n * NEAR + 50_000_000n * NEAR);

  const childKey = KeyPair.fromRandom('ed25519');
  await root.createSubAccount({ accountOrPrefix: 'app', publicKey: childKey.getPublicKey(), nearToTransfer: 5n * NEAR });
  const app = new Account('app.test.near', provider, childKey.toString() as KeyPairString);
  t.is((await app.getAccessKeyList()).keys.length, 1);

  await app.deployContract(await probeWasm());
  const echoed = await app.callFunction({ contractId: 'app.test.near', methodName: 'echo', args: { hello: 'near' } });
  t.deepEqual(echoed, { hello: 'near' });
  await app.callFunction({ contractId: 'app.test.near', methodName: 'set', args: new TextEncoder().encode('"kept"') });
  t.is(await provider.callFunction({ contractId: 'app.test.near', method: 'get', args: {} }), 'kept');

  const before = await app.getBalance();
  await root.transfer({ receiverId: 'app.test.near', amount: NEAR });
  t.is((await app.getBalance()) - before, NEAR);

  // a missing key is near-api-js' typed error, from nearcore's `result.error` answer
  await t.throwsAsync(provider.viewAccessKey({ accountId: 'test.near', publicKey: KeyPair.fromRandom('ed25519').getPublicKey() }));
  await t.throwsAsync(provider.viewAccount({ accountId: 'nobody.test.near' }));
});

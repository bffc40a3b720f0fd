/**
 * Global contracts through a real node (nearcore runtime/runtime/src/global_contracts.rs): a DeployGlobalContract
 * and a UseGlobalContract sent as transactions over JSON-RPC, the user account answering `view_account`
 * (global_contract_hash), and `view_code` with the global code, and all of it still there after
 * the node restarts on its store.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base58, base64 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { probeWasm } from '../../../../sandbox-tests/probe-contract.js';
import { KeyPair } from '../../src/primitives/crypto.js';
import { NEAR, signNext, startTestNode, type TestNode } from './helpers.js';

const ROOT = 'test.near';

async function send(node: TestNode, signer: string, receiver: string, actions: Parameters<typeof signNext>[3], key?: KeyPair) {
  const tx = await signNext(node, signer, receiver, actions, key);
  return (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'EXECUTED_OPTIMISTIC' })).result;
}

test('deploy by hash, use from another account, view_account and view_code show it; a restart keeps it', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'global-contracts-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  let node = await startTestNode({ persist: true, home });
  t.teardown(() => node.stop());
  const code = await probeWasm();
  const hash = sha256(code);
  const deploy = await send(node, ROOT, ROOT, [{ type: 'DeployGlobalContract', code, deployMode: 'CodeHash' }]);
  t.deepEqual(deploy.status, { SuccessValue: '' });

  const key = KeyPair.fromLabel('user.test.near');
  const use = await send(node, ROOT, 'user.test.near', [
    { type: 'CreateAccount' },
    { type: 'Transfer', deposit: 5n * NEAR },
    { type: 'AddKey', publicKey: key.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } },
  ]);
  t.deepEqual(use.status, { SuccessValue: '' });
  t.deepEqual((await send(node, 'user.test.near', 'user.test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'CodeHash', hash } }], key)).status, { SuccessValue: '' });

  const check = async () => {
    const account = (await node.rpc('query', { request_type: 'view_account', account_id: 'user.test.near', finality: 'optimistic' })).result;
    t.is(account.code_hash, base58.encode(hash));
    t.is(account.global_contract_hash, base58.encode(hash));
    const viewed = (await node.rpc('query', { request_type: 'view_code', account_id: 'user.test.near', finality: 'optimistic' })).result;
    t.deepEqual(base64.decode(viewed.code_base64), code);
    t.is(viewed.hash, base58.encode(hash));
  };
  await check();
  await node.stop();
  node = await startTestNode({ persist: true, home });
  await check();
});

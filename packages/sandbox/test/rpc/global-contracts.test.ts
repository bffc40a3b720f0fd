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
import { NEAR, signNext, startTestNode, type TestNode, newAccountActions } from './helpers.js';

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
  const use = await send(node, ROOT, 'user.test.near', newAccountActions(key.publicKey, 5n * NEAR));
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

// nearcore QueryRequest::ViewGlobalContractCode { code_hash } / ViewGlobalContractCodeByAccountId { account_id }
// (core/primitives/src/views.rs), answered as a ViewCode (code_base64, hash); a missing one is
// RpcQueryError::NoGlobalContractCode { identifier, block_height, block_hash } (chain/jsonrpc-primitives types/query.rs).
test('view_global_contract_code by hash and view_global_contract_code_by_account_id answer the code; a missing one is NO_GLOBAL_CONTRACT_CODE', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const code = await probeWasm();
  const hash = base58.encode(sha256(code));
  const query = async (request: Record<string, unknown>) => node.rpc('query', { ...request, finality: 'optimistic' });
  /**
   * The deployed code reaches the shard through a distribution receipt applied in a later block than the
   * transaction's outcome (apply.ts `initiate_distribution`), so a client reads until the view shows it, as it
   * would from neard (a read during that block answers from the head before it).
   */
  const queryUntil = async (request: Record<string, unknown>, shows: (result: { hash: string }) => boolean) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answer = await query(request);
      if (answer.result !== undefined && shows(answer.result)) return answer.result;
      if (Date.now() > deadline) throw new Error(`the view never showed the deployed code: ${JSON.stringify(answer.error ?? answer.result)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const missingByHash = await query({ request_type: 'view_global_contract_code', code_hash: hash });
  const head = (await node.rpc('block', { finality: 'optimistic' })).result.header;
  t.like(missingByHash.error, {
    name: 'HANDLER_ERROR',
    code: -32_000,
    message: 'Server error',
    cause: { name: 'NO_GLOBAL_CONTRACT_CODE', info: { identifier: { hash }, block_height: head.height, block_hash: head.hash } },
    data: `Global contract code with identifier CodeHash(${hash}) has never been observed on the node`,
  });
  const missingByAccount = await query({ request_type: 'view_global_contract_code_by_account_id', account_id: ROOT });
  t.like(missingByAccount.error, {
    cause: { name: 'NO_GLOBAL_CONTRACT_CODE', info: { identifier: { account_id: ROOT } } },
    data: `Global contract code with identifier AccountId("${ROOT}") has never been observed on the node`,
  });

  t.deepEqual((await send(node, ROOT, ROOT, [{ type: 'DeployGlobalContract', code, deployMode: 'CodeHash' }])).status, { SuccessValue: '' });
  const byHash = await queryUntil({ request_type: 'view_global_contract_code', code_hash: hash }, () => true);
  t.deepEqual(base64.decode(byHash.code_base64), code);
  t.is(byHash.hash, hash);
  t.is(typeof byHash.block_height, 'number');
  // deployed by hash only: the account id form still has nothing
  t.is((await query({ request_type: 'view_global_contract_code_by_account_id', account_id: ROOT })).error.cause.name, 'NO_GLOBAL_CONTRACT_CODE');

  const other = new Uint8Array([...code, 0, 2, 1, 0x61]); // the same module plus a custom section "a": another hash
  t.deepEqual((await send(node, ROOT, ROOT, [{ type: 'DeployGlobalContract', code, deployMode: 'AccountId' }])).status, { SuccessValue: '' });
  const byAccount = await queryUntil({ request_type: 'view_global_contract_code_by_account_id', account_id: ROOT }, () => true);
  t.deepEqual(base64.decode(byAccount.code_base64), code);
  t.is(byAccount.hash, hash);
  // redeployed by account id: the view follows the account's current code
  t.deepEqual((await send(node, ROOT, ROOT, [{ type: 'DeployGlobalContract', code: other, deployMode: 'AccountId' }])).status, { SuccessValue: '' });
  const redeployed = base58.encode(sha256(other));
  t.is((await queryUntil({ request_type: 'view_global_contract_code_by_account_id', account_id: ROOT }, (r) => r.hash === redeployed)).hash, redeployed);
});

test('view_global_contract_code: a malformed code_hash or account id is a parse error', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const bad = await node.rpc('query', { request_type: 'view_global_contract_code', code_hash: 'not-base58!', finality: 'final' });
  t.like(bad.error, { name: 'REQUEST_VALIDATION_ERROR', code: -32_700, cause: { name: 'PARSE_ERROR' } });
  const noHash = await node.rpc('query', { request_type: 'view_global_contract_code', finality: 'final' });
  t.is(noHash.error.cause.name, 'PARSE_ERROR');
  const badAccount = await node.rpc('query', { request_type: 'view_global_contract_code_by_account_id', account_id: 'A!', finality: 'final' });
  t.is(badAccount.error.cause.name, 'PARSE_ERROR');
});

/**
 * NEP-616 state init through a real node over JSON-RPC (nearcore views.rs ActionView::DeterministicStateInit,
 * runtime/runtime/src/deterministic_account_id.rs): send_tx, EXPERIMENTAL_tx_status (transaction and receipt
 * views), view_account / view_state / call_function on the `0s` account, all of it again after a restart.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base58, base64 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { deterministicAccountId, type StateInit } from '../../src/primitives/state-init.js';
import { watToWasm } from '../runtime/contract-helpers.js';
import { NEAR, signNext, startTestNode, type TestNode } from './helpers.js';

const ROOT = 'test.near';
const bytes = (s: string) => new TextEncoder().encode(s);
const GET = await watToWasm('storage-getter.wat');

async function send(node: TestNode, receiver: string, actions: Parameters<typeof signNext>[3]) {
  const tx = await signNext(node, ROOT, receiver, actions);
  return { hash: tx.hash, result: (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'EXECUTED_OPTIMISTIC' })).result };
}

test('send_tx with a DeterministicStateInit; tx status, receipts and the 0s account over RPC, before and after a restart', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'state-init-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  let node = await startTestNode({ persist: true, home });
  t.teardown(() => node.stop());
  const hash = sha256(GET);
  t.deepEqual((await send(node, ROOT, [{ type: 'DeployGlobalContract', code: GET, deployMode: 'CodeHash' }])).result.status, { SuccessValue: '' });

  const si: StateInit = { code: { type: 'CodeHash', hash }, data: [[bytes('name'), bytes('first')]] };
  const id = deterministicAccountId(si);
  const init = await send(node, id, [{ type: 'DeterministicStateInit', stateInit: si, deposit: NEAR }]);
  t.deepEqual(init.result.status, { SuccessValue: '' });
  const view = { DeterministicStateInit: { code: { hash: base58.encode(hash) }, data: { [base64.encode(bytes('name'))]: base64.encode(bytes('first')) }, deposit: NEAR.toString() } };

  const check = async () => {
    const status = (await node.rpc('EXPERIMENTAL_tx_status', { tx_hash: init.hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
    t.deepEqual(status.transaction.actions, [view]);
    const receipt = status.receipts.find((r: { receiver_id: string }) => r.receiver_id === id);
    t.deepEqual(receipt.receipt.Action.actions, [view]);
    const account = (await node.rpc('query', { request_type: 'view_account', account_id: id, finality: 'final' })).result;
    t.is(account.global_contract_hash, base58.encode(hash));
    t.is(account.storage_usage, 100 + 32 + 4 + 5 + 40);
    t.is(account.amount, '0'); // zero-balance account: the deposit went back
    const state = (await node.rpc('query', { request_type: 'view_state', account_id: id, prefix_base64: '', finality: 'final' })).result;
    t.deepEqual(state.values.map((v: { key: string; value: string }) => [v.key, v.value]), [[base64.encode(bytes('name')), base64.encode(bytes('first'))]]);
    const call = (await node.rpc('query', { request_type: 'call_function', account_id: id, method_name: 'get', args_base64: base64.encode(bytes('name')), finality: 'final' })).result;
    t.is(new TextDecoder().decode(Uint8Array.from(call.result)), 'first');
  };
  await check();
  await node.stop();
  node = await startTestNode({ persist: true, home });
  await check();
  // a state init sent to an id it does not derive is refused before it runs (INVALID_TRANSACTION)
  const other: StateInit = { ...si, data: [[bytes('name'), bytes('second')]] };
  const tx = await signNext(node, ROOT, deterministicAccountId(other), [{ type: 'DeterministicStateInit', stateInit: si, deposit: 0n }]);
  const refused = await node.rpc('send_tx', { signed_tx_base64: tx.base64 });
  t.is(refused.error.cause.name, 'INVALID_TRANSACTION');
  t.deepEqual(refused.error.data, {
    TxExecutionError: { InvalidTxError: { ActionsValidation: { InvalidDeterministicStateInitReceiver: { derived_id: id, receiver_id: deterministicAccountId(other) } } } },
  });
});

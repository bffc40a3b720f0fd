/**
 * Gas keys over JSON-RPC on a real node (nearcore chain/jsonrpc: `query` `view_access_key`, `view_access_key_list`,
 * `view_gas_key_nonces` → `GasKeyNoncesView { nonces }` or `RpcQueryError::UnknownGasKey`; core/primitives/src/views.rs
 * `AccessKeyPermissionView::GasKeyFullAccess`, `SignedTransactionView.nonce_index`), a TransactionV1 sent with
 * `send_tx`, and the gas key with its nonce rows still there after the node restarts on its store.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base58, base64 } from '@scure/base';
import { KeyPair } from '../../src/primitives/crypto.js';
import { encodeSignedTransaction, transactionHash, type Action, type Transaction } from '../../src/primitives/transaction.js';
import { NEAR, signNext, startTestNode, type TestNode } from './helpers.js';

const ROOT = 'test.near';

async function send(node: TestNode, actions: Action[]) {
  const tx = await signNext(node, ROOT, ROOT, actions);
  return (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'EXECUTED_OPTIMISTIC' })).result;
}

const nonces = async (node: TestNode, key: KeyPair) =>
  node.rpc('query', { request_type: 'view_gas_key_nonces', account_id: ROOT, public_key: key.publicKeyString, finality: 'optimistic' });

test('gas key over RPC: views, view_gas_key_nonces, a V1 transaction signed by the key, and a restart keeps it all', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gas-keys-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  let node = await startTestNode({ persist: true, home });
  t.teardown(() => node.stop());
  const gasKey = KeyPair.fromLabel('gas key');

  const add = await send(node, [{ type: 'AddKey', publicKey: gasKey.publicKey, accessKey: { nonce: 0n, permission: { type: 'GasKeyFullAccess', balance: 0n, numNonces: 2 } } }]);
  t.deepEqual(add.status, { SuccessValue: '' });
  const fund = await send(node, [{ type: 'TransferToGasKey', publicKey: gasKey.publicKey, deposit: NEAR }]);
  t.deepEqual(fund.transaction.actions, [{ TransferToGasKey: { public_key: gasKey.publicKeyString, deposit: NEAR.toString() } }]);

  const key = await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: gasKey.publicKeyString, finality: 'optimistic' });
  t.deepEqual(key.result.permission, { GasKeyFullAccess: { balance: NEAR.toString(), num_nonces: 2 } });
  t.is(key.result.nonce, 0);
  const list = await node.rpc('query', { request_type: 'view_access_key_list', account_id: ROOT, finality: 'optimistic' });
  t.true(list.result.keys.some((k: any) => k.public_key === gasKey.publicKeyString && 'GasKeyFullAccess' in k.access_key.permission));

  const before = (await nonces(node, gasKey)).result;
  t.is(before.nonces.length, 2);
  t.is(before.nonces[0], before.nonces[1]);
  const unknown = await nonces(node, node.rootKey);
  t.is(unknown.error.cause.name, 'UNKNOWN_GAS_KEY');
  t.is(unknown.error.cause.info.public_key, node.rootKey.publicKeyString);

  const block = await node.rpc('block', { finality: 'final' });
  const transaction: Transaction = {
    signerId: ROOT,
    publicKey: gasKey.publicKey,
    nonce: BigInt(before.nonces[1]) + 1n,
    receiverId: ROOT,
    blockHash: base58.decode(block.result.header.hash),
    actions: [{ type: 'Transfer', deposit: 1n }],
    v1: { nonceIndex: 1, nonceMode: 'Monotonic' },
  };
  const signed = base64.encode(encodeSignedTransaction({ transaction, signature: gasKey.sign(transactionHash(transaction)) }));
  const sent = (await node.rpc('send_tx', { signed_tx_base64: signed, wait_until: 'EXECUTED_OPTIMISTIC' })).result;
  t.deepEqual(sent.status, { SuccessValue: '' });
  t.is(sent.transaction.nonce_index, 1);
  t.is(sent.transaction.nonce_mode, 'Monotonic');
  const after = (await nonces(node, gasKey)).result;
  t.deepEqual(after.nonces, [before.nonces[0], before.nonces[1] + 1]);
  const paid = (await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: gasKey.publicKeyString, finality: 'optimistic' })).result;
  const balance = BigInt(paid.permission.GasKeyFullAccess.balance);
  t.true(balance < NEAR && balance > 0n);

  await node.stop();
  node = await startTestNode({ persist: true, home });
  const restarted = (await nonces(node, gasKey)).result;
  t.deepEqual(restarted.nonces, after.nonces);
  const key2 = await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: gasKey.publicKeyString, finality: 'optimistic' });
  t.deepEqual(key2.result.permission, { GasKeyFullAccess: { balance: balance.toString(), num_nonces: 2 } });
});

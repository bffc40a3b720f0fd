/**
 * Transaction bytes nearcore's decoder refuses, over JSON-RPC on a real node: a PARSE_ERROR whose text is
 * nearcore's ("Failed to decode transaction: " + the borsh error; chain/jsonrpc decode of the signed transaction),
 * for an invalid account id (near/near-account-id-rs src/borsh.rs @13d8bcab) and a nested Delegate
 * (near/nearcore core/primitives/src/action/delegate.rs); the node keeps answering.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64 } from '@scure/base';
import { KeyPair } from '../../src/primitives/crypto.js';
import { initHome } from '../../src/node/init.js';
import { encodeTransaction, type Action } from '../../src/primitives/transaction.js';
import { signNext, startTestNode } from './helpers.js';

const ROOT = 'test.near';

test('send_tx, broadcast_tx_commit and broadcast_tx_async with an invalid signer id: PARSE_ERROR "Failed to decode transaction: invalid value: …" (near-account-id src/borsh.rs @13d8bcab)', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const bad = await signNext(node, ROOT, 'Receiver.near', [{ type: 'Transfer', deposit: 1n }]);
  const text = 'Failed to decode transaction: invalid value: "Receiver.near", the Account ID contains an invalid character \'R\' at index 0';
  for (const [method, params] of [
    ['send_tx', { signed_tx_base64: bad.base64, wait_until: 'EXECUTED_OPTIMISTIC' }],
    ['broadcast_tx_commit', [bad.base64]],
    ['broadcast_tx_async', [bad.base64]],
  ] as const) {
    const { error } = await node.rpc(method, params);
    t.deepEqual(error, { name: 'REQUEST_VALIDATION_ERROR', cause: { name: 'PARSE_ERROR', info: { error_message: text } }, code: -32700, message: 'Parse error', data: text }, method);
  }
  const good = await signNext(node, ROOT, ROOT, [{ type: 'Transfer', deposit: 1n }]);
  const sent = await node.rpc('send_tx', { signed_tx_base64: good.base64, wait_until: 'EXECUTED_OPTIMISTIC' });
  t.deepEqual(sent.result.status, { SuccessValue: '' }, 'the node still runs transactions');
});

/** A transaction from test.near holding `before` and a Delegate whose only inner action's tag is patched to 8 (a nested Delegate). */
async function nestedDelegate(node: Awaited<ReturnType<typeof startTestNode>>, before: Action[] = []): Promise<string> {
  const inner = { type: 'Transfer', deposit: 1n } as const;
  const publicKey = node.rootKey.publicKey;
  const signed = await signNext(node, ROOT, 'relayed.near', [
    ...before,
    { type: 'Delegate', signedDelegate: { delegateAction: { senderId: 'relayed.near', receiverId: ROOT, actions: [inner], nonce: 1n, maxBlockHeight: 10_000n, publicKey }, signature: { keyType: 0, data: new Uint8Array(64) } } },
  ]);
  const bytes = base64.decode(signed.base64);
  // the inner Transfer's tag: after the transaction's head, the actions before, the outer tag 8, the two ids and the inner count
  const head = encodeTransaction({ signerId: ROOT, publicKey, nonce: 0n, receiverId: 'relayed.near', blockHash: new Uint8Array(32), actions: before }).length;
  const tagAt = head + 1 + (4 + 'relayed.near'.length) + (4 + ROOT.length) + 4;
  if (bytes[tagAt] !== 3) throw new Error('the inner Transfer tag is not where the test patches it');
  bytes[tagAt] = 8;
  return base64.encode(bytes);
}

test('a Delegate inside a DelegateAction over send_tx: PARSE_ERROR "DelegateAction mustn\'t contain a nested one" (core/primitives/src/action/delegate.rs)', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const { error } = await node.rpc('send_tx', { signed_tx_base64: await nestedDelegate(node), wait_until: 'EXECUTED_OPTIMISTIC' });
  t.is(error?.cause?.name, 'PARSE_ERROR');
  t.is(error?.data, "Failed to decode transaction: DelegateAction mustn't contain a nested one");
});

test('an invalid DeleteAccount beneficiary before a nested Delegate over send_tx: the beneficiary is refused, the first fault nearcore\'s borsh meets (near-account-id src/borsh.rs @13d8bcab)', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const bytes = await nestedDelegate(node, [{ type: 'DeleteAccount', beneficiaryId: 'Heir.near' }]);
  const { error } = await node.rpc('send_tx', { signed_tx_base64: bytes, wait_until: 'EXECUTED_OPTIMISTIC' });
  t.is(error?.cause?.name, 'PARSE_ERROR');
  t.is(error?.data, 'Failed to decode transaction: invalid value: "Heir.near", the Account ID contains an invalid character \'H\' at index 0');
});

test('at 77, broadcast_tx_async with an action 77 lacks (TransferToGasKey, tag 12): PARSE_ERROR as send_tx, not a hash (neard 2.6.2 decodes with its own Action enum before any mempool)', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rpc-node-77-'));
  initHome(home, { protocolVersion: 77 });
  const node = await startTestNode({ home });
  t.teardown(async () => {
    await node.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const gasKey = KeyPair.random();
  const signed = await signNext(node, ROOT, ROOT, [{ type: 'TransferToGasKey', publicKey: gasKey.publicKey, deposit: 1n }]);
  // nearcore's borsh text, then the node's hint (which version has the action)
  const text = /^Failed to decode transaction: Unexpected variant tag: 12 \(Action::TransferToGasKey exists from protocol 85; this node runs protocol 77\)$/;
  for (const [method, params] of [
    ['send_tx', { signed_tx_base64: signed.base64, wait_until: 'NONE' }],
    ['broadcast_tx_async', [signed.base64]],
  ] as const) {
    const { error, result } = await node.rpc(method, params);
    t.is(result, undefined, method);
    t.is(error?.cause?.name, 'PARSE_ERROR', method);
    t.regex(String(error?.data), text, method);
  }
  const good = await signNext(node, ROOT, ROOT, [{ type: 'Transfer', deposit: 1n }]);
  const sent = await node.rpc('send_tx', { signed_tx_base64: good.base64, wait_until: 'EXECUTED_OPTIMISTIC' });
  t.deepEqual(sent.result.status, { SuccessValue: '' }, 'the node still runs transactions');
});

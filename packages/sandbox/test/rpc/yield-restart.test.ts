/**
 * Pending yields survive a restart of a node that keeps its chain on disk, in the state and in the trie: the
 * restarted node's state root is the one it stopped with (the yield queue, receipt, status and id maps are
 * rebuilt from the saved runtime records), and the yield is resumed by its id afterwards.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { watToWasm } from '../runtime/contract-helpers.js';
import { NEAR, signNext, startTestNode, TGAS, type TestNode, newAccountActions } from './helpers.js';

const wasm = await watToWasm('yield-id.wat');
const YIELD_ID = new Uint8Array(32).fill(3);
const decode = (r: any) => Buffer.from(r.result.status.SuccessValue, 'base64').toString();

async function send(node: TestNode, actions: Parameters<typeof signNext>[3], receiverId = 'y.test.near'): Promise<any> {
  const signed = await signNext(node, 'test.near', receiverId, actions);
  return node.rpc('broadcast_tx_commit', [signed.base64]);
}
const fnCall = (methodName: string, args: Uint8Array) => ({ type: 'FunctionCall' as const, methodName, args, gas: 100n * TGAS, deposit: 0n });
const stateRoot = (node: TestNode) => bytesToHex(node.node.client.sandbox.chain.state.stateRoot);
const yieldRecordCount = (node: TestNode) =>
  [...node.node.client.sandbox.chain.state.trie.entries()].filter(([path]) => ['0a', '0b', '0c', '14', '16', '17'].includes(path.slice(0, 2))).length;

test('a pending yield with an id survives a restart: same state root, same trie records, resumed by its id afterwards', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'yield-restart-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  let node = await startTestNode({ persist: true, home });
  t.teardown(() => node.stop());
  const rootKey = node.rootKey.publicKey;
  await send(node, [
    ...newAccountActions(rootKey, 10n * NEAR),
    { type: 'DeployContract', code: wasm },
  ]);
  t.is(decode(await send(node, [fnCall('yield_id_detached', YIELD_ID)])), 'created');
  t.is(yieldRecordCount(node), 6, 'indices, timeout, receipt, status and both id maps');
  const root = stateRoot(node);

  await node.stop();
  node = await startTestNode({ persist: true, home });
  t.is(stateRoot(node), root);
  t.is(yieldRecordCount(node), 6);
  t.is(decode(await send(node, [fnCall('yield_id_detached', YIELD_ID)])), 'duplicate', 'the id is still pending');
  t.is(decode(await send(node, [fnCall('resume_id', Buffer.concat([YIELD_ID, Buffer.from('after restart')]))])), 'true');
});

/**
 * Snapshots and block time over JSON-RPC (rpc/dev-methods.ts) through the typed client (rpc/dev-client.ts),
 * driven by plain near-api-js 7 against a node that keeps its chain on disk: a revert must undo deploys and
 * bring back pending yields, be durable, and never look like damage on restart.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Account, JsonRpcProvider, KeyPair, type KeyPairString } from 'near-api-js';
import { sandboxControl, SandboxRpcError } from '../../src/rpc/dev-client.js';
import { watToWasm } from '../runtime/contract-helpers.js';
import { signNext, startTestNode, type TestNode } from './helpers.js';
import { killNode, startNodeProcess } from './node-process.js';
import { DATA_DIR, initHome, VALIDATOR_KEY_FILE } from '../../src/node/init.js';
import { NodeStore } from '../../src/node/store.js';
import { readKeyFile } from '../../src/node/key-file.js';

const NEAR = 10n ** 24n;
const TGAS = 10n ** 12n;
const wasm = await watToWasm('caller.wat');

function tempHome(t: { teardown(f: () => void): void }): string {
  const home = mkdtempSync(join(tmpdir(), 'dev-methods-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

function rootAccount(node: TestNode, provider: JsonRpcProvider): Account {
  return new Account('test.near', provider, node.rootKey.secretKey as KeyPairString);
}

test('near-api-js: revert across a deploy and a pending yield; the revert is durable and a restart finds no damage', async (t) => {
  const home = tempHome(t);
  let node = await startTestNode({ persist: true, home });
  t.teardown(() => node.stop());
  const provider = new JsonRpcProvider({ url: node.url });
  const control = sandboxControl(provider);
  const root = rootAccount(node, provider);

  const key = KeyPair.fromRandom('ed25519');
  await root.createSubAccount({ accountOrPrefix: 'a', publicKey: key.getPublicKey(), nearToTransfer: 10n * NEAR });
  const a = new Account('a.test.near', provider, key.toString() as KeyPairString);
  await a.deployContract(wasm);
  await a.callFunction({ contractId: 'a.test.near', methodName: 'yield_start', args: {}, gas: 100n * TGAS });

  const id = await control.snapshot();
  const at = await provider.viewBlock({ finality: 'optimistic' });

  // after the snapshot: a deploy to a new account and the yield resumed
  await root.createSubAccount({ accountOrPrefix: 'c', publicKey: key.getPublicKey(), nearToTransfer: 5n * NEAR });
  const c = new Account('c.test.near', provider, key.toString() as KeyPairString);
  const deploy = await c.deployContract(wasm);
  t.is(await a.callFunction({ contractId: 'a.test.near', methodName: 'resume', args: new TextEncoder().encode('first'), gas: 100n * TGAS }), true);
  const later = await provider.viewBlock({ finality: 'optimistic' });
  t.true(later.header.height > at.header.height);

  const head = await control.revert(id);
  t.is(head.height, at.header.height);
  t.is(head.hash, at.header.hash);
  await t.throwsAsync(provider.viewAccount({ accountId: 'c.test.near' }), undefined, 'the account created after the snapshot is gone');
  const lookup = await node.rpc('tx', { tx_hash: deploy.transaction_outcome.id, sender_account_id: 'c.test.near' });
  t.is(lookup.error?.cause?.name, 'UNKNOWN_TRANSACTION', 'a reverted transaction is unknown');
  // the yield is pending again: a resume after the revert succeeds and its callback runs
  const resumed = await a.signAndSendTransaction({
    receiverId: 'a.test.near',
    actions: [(await import('near-api-js')).actions.functionCall('resume', new TextEncoder().encode('second'), 100n * TGAS, 0n)],
  });
  t.true(resumed.receipts_outcome.length > 0);
  t.is(Buffer.from((resumed.status as { SuccessValue: string }).SuccessValue, 'base64').toString(), 'true');
  const after = await provider.viewBlock({ finality: 'optimistic' });

  // durable: a clean restart finds the reverted chain, continued, and no damage
  await node.stop();
  node = await startTestNode({ persist: true, home });
  const provider2 = new JsonRpcProvider({ url: node.url });
  const restarted = await provider2.viewBlock({ finality: 'optimistic' });
  t.is(restarted.header.hash, after.header.hash);
  await t.throwsAsync(provider2.viewAccount({ accountId: 'c.test.near' }));
  t.not((await provider2.viewAccount({ accountId: 'a.test.near' })).code_hash, '11111111111111111111111111111111');
  const blockAtRevert = await node.rpc('block', { block_id: at.header.height });
  t.is(blockAtRevert.result.header.hash, at.header.hash, 'the block reverted to keeps its hash');
  const reverted = await node.rpc('block', { block_id: later.header.hash });
  t.is(reverted.error?.cause?.name, 'UNKNOWN_BLOCK', 'a block of the discarded chain is unknown after restart');
  // the discarded chain's history is gone from disk too, not only hidden
  await node.stop();
  const store = await NodeStore.open(join(home, DATA_DIR));
  t.teardown(() => store.close());
  t.is(store.transaction(deploy.transaction_outcome.id), undefined);
  t.is(store.blockByHash(later.header.hash), undefined);
  t.not(store.transaction(resumed.transaction_outcome.id), undefined);
});

test('requests queued right behind a revert (one JSON-RPC batch) already see the reverted chain', async (t) => {
  const node = await startTestNode({ persist: true, home: tempHome(t) });
  t.teardown(() => node.stop());
  const control = sandboxControl(node.url);
  const id = await control.snapshot();
  const signed = await signNext(node, 'test.near', 'near', [{ type: 'Transfer', deposit: NEAR }]);
  t.truthy((await node.rpc('broadcast_tx_commit', [signed.base64])).result);
  await control.produceBlocks(3); // the transfer's history is on disk and has left memory
  const { json } = await node.raw([
    { jsonrpc: '2.0', id: 1, method: 'sandbox_revert', params: { snapshot_id: id } },
    { jsonrpc: '2.0', id: 2, method: 'tx', params: { tx_hash: signed.hash, sender_account_id: 'test.near' } },
    { jsonrpc: '2.0', id: 3, method: 'broadcast_tx_commit', params: [signed.base64] },
  ]);
  t.true(json[0].result.reverted);
  t.is(json[1].error?.cause?.name, 'UNKNOWN_TRANSACTION');
  t.true(json[2].result.receipts_outcome.length > 0);
  const block = await node.rpc('block', { block_id: json[2].result.transaction_outcome.block_hash });
  t.true(block.result.header.height <= json[0].result.block_height + 2, 'executed again on the reverted chain');
});

test('the same signed transaction sent again after a revert executes again', async (t) => {
  const node = await startTestNode({ persist: true, home: tempHome(t) });
  t.teardown(() => node.stop());
  const control = sandboxControl(node.url);
  const id = await control.snapshot();
  const signed = await signNext(node, 'test.near', 'near', [{ type: 'Transfer', deposit: NEAR }]);
  const balance = async () => BigInt((await node.rpc('query', { request_type: 'view_account', account_id: 'near', finality: 'optimistic' })).result.amount);
  const before = await balance();
  t.truthy((await node.rpc('broadcast_tx_commit', [signed.base64])).result);
  t.is(await balance(), before + NEAR);
  await control.revert(id);
  t.is(await balance(), before);
  const again = await node.rpc('broadcast_tx_commit', [signed.base64]);
  t.is(again.result.transaction_outcome.id, signed.hash);
  t.is(await balance(), before + NEAR, 'executed again, not answered from the discarded chain');
});

test("anvil's semantics: a revert spends its snapshot and every later one; unknown ids get a clear error", async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const control = sandboxControl(node.url);
  const first = await control.snapshot();
  await control.produceBlocks(3);
  const second = await control.snapshot();
  await control.produceBlocks(2);
  t.is(second, first + 1);
  const head = await control.revert(first);
  t.is(head.height, 0);
  const spent = await t.throwsAsync(control.revert(second), { instanceOf: SandboxRpcError });
  t.is(spent.cause, 'UNKNOWN_SNAPSHOT');
  t.regex(spent.message, /snapshot 2 was consumed by a revert/);
  await t.throwsAsync(control.revert(first), { message: /snapshot 1 was consumed/ });
  await t.throwsAsync(control.revert(99), { message: /snapshot 99 was never taken on this node/ });
  const bad = await node.rpc('sandbox_revert', { snapshot_id: 'x' });
  t.is(bad.error.cause.name, 'PARSE_ERROR');
  t.is((await control.snapshot()), second + 1, 'ids are never reused');
});

test('block time: set_next_block_timestamp moves the next block, later blocks follow at the block time; the past is refused', async (t) => {
  const node = await startTestNode({ persist: true, home: tempHome(t) });
  t.teardown(() => node.stop());
  const control = sandboxControl(node.url);
  const genesis = (await node.rpc('block', { block_id: 0 })).result.header;
  const target = new Date('2031-05-01T12:00:00Z');
  await control.setNextBlockTimestamp(target);
  const { height } = await control.produceBlocks(3);
  const header = async (h: number) => (await node.rpc('block', { block_id: h })).result.header;
  t.is((await header(height - 2)).timestamp_nanosec, (BigInt(target.getTime()) * 1_000_000n).toString());
  t.is(BigInt((await header(height)).timestamp_nanosec) - BigInt((await header(height - 2)).timestamp_nanosec), 2_000_000_000n);
  const past = await t.throwsAsync(control.setNextBlockTimestamp(BigInt(genesis.timestamp_nanosec)));
  t.regex(past!.message, /must be later than the head's/);
  // the clock survives a restart: the next block follows the moved head, not genesis + height
  const last = await header(height);
  await node.node.stop();
  const again = await startTestNode({ persist: true, home: node.home });
  t.teardown(() => again.stop());
  const next = await sandboxControl(again.url).produceBlocks(1);
  const moved = (await again.rpc('block', { block_id: next.height })).result.header;
  t.is(BigInt(moved.timestamp_nanosec) - BigInt(last.timestamp_nanosec), 1_000_000_000n);
});

test('a node killed right after answering a revert restarts on the reverted chain without reporting damage', async (t) => {
  const home = tempHome(t);
  initHome(home);
  let proc = await startNodeProcess(home);
  t.teardown(() => proc.child.kill('SIGKILL'));
  const control = sandboxControl(proc.url);
  await control.produceBlocks(5);
  const id = await control.snapshot();
  await control.produceBlocks(20);
  const head = await control.revert(id);
  await control.produceBlocks(2);
  await killNode(proc);
  proc = await startNodeProcess(home);
  const status = await (await fetch(proc.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'block', params: { block_id: head.height } }) })).json();
  t.is(status.result.header.hash, head.hash);
  const latest = await (await fetch(proc.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'block', params: { finality: 'optimistic' } }) })).json();
  t.is(latest.result.header.height, head.height + 2);
  t.true(existsSync(join(home, 'chain-head.json')));
  t.is(JSON.parse(readFileSync(join(home, 'chain-head.json'), 'utf8')).height, head.height + 2);
});

test('a yield waiting for its resume and a timestamp set for a block not yet made survive a SIGKILL', async (t) => {
  const home = tempHome(t);
  initHome(home);
  let proc = await startNodeProcess(home);
  t.teardown(() => proc.child.kill('SIGKILL'));
  const rootKey = readKeyFile(join(home, VALIDATOR_KEY_FILE)).key.secretKey as KeyPairString;
  const connect = (url: string) => {
    const provider = new JsonRpcProvider({ url });
    return { provider, root: new Account('test.near', provider, rootKey) };
  };
  let { provider, root } = connect(proc.url);
  const key = KeyPair.fromRandom('ed25519');
  await root.createSubAccount({ accountOrPrefix: 'a', publicKey: key.getPublicKey(), nearToTransfer: 10n * NEAR });
  let a = new Account('a.test.near', provider, key.toString() as KeyPairString);
  await a.deployContract(wasm);
  const { actions } = await import('near-api-js');
  const started = await a.signAndSendTransaction({ receiverId: 'a.test.near', actions: [actions.functionCall('yield_start', new Uint8Array(), 100n * TGAS, 0n)] });
  const target = new Date('2032-02-02T00:00:00Z');
  await sandboxControl(proc.url).setNextBlockTimestamp(target);
  await killNode(proc);

  proc = await startNodeProcess(home);
  ({ provider } = connect(proc.url));
  a = new Account('a.test.near', provider, key.toString() as KeyPairString);
  const { height } = await sandboxControl(proc.url).produceBlocks(1);
  const block = await provider.viewBlock({ blockId: height });
  t.is(block.header.timestamp_nanosec, (BigInt(target.getTime()) * 1_000_000n).toString(), 'the next block has the time set before the kill');
  const resumed = await a.signAndSendTransaction({
    receiverId: 'a.test.near',
    actions: [actions.functionCall('resume', new TextEncoder().encode('after'), 100n * TGAS, 0n)],
  });
  t.is(Buffer.from((resumed.status as { SuccessValue: string }).SuccessValue, 'base64').toString(), 'true', 'the yield is still there to resume');
  const yielded = await provider.viewTransactionStatus({ txHash: started.transaction_outcome.id, accountId: 'a.test.near', waitUntil: 'FINAL' });
  const logs = yielded.receipts_outcome.flatMap((o) => o.outcome.logs);
  t.true(logs.includes('resumed'), `the yielded callback ran: ${JSON.stringify(logs)}`);
});

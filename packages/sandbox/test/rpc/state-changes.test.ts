/**
 * `EXPERIMENTAL_changes` and `EXPERIMENTAL_changes_in_block` through near-api-js 7's provider methods
 * (`accountChanges`, `singleAccessKeyChanges`, `accessKeyChanges`, `contractCodeChanges`, `contractStateChanges`,
 * `blockChanges`) against a node. Shapes: nearcore chain/jsonrpc-primitives/src/types/changes.rs and
 * core/primitives/src/views.rs (`StateChangeWithCauseView`, `StateChangeCauseView`, `StateChangeKindView`); causes
 * as runtime/runtime/src/lib.rs commits them (TransactionProcessing when the transaction is converted,
 * ReceiptProcessing after a receipt's actions, ActionReceiptGasReward for the contract's 30 %, Migration for a
 * sandbox patch), one entry per commit that wrote the key, keys in trie-key order.
 */
import test from 'ava';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Account, JsonRpcProvider, KeyPair, actions, type KeyPairString } from 'near-api-js';
import { probeWasm } from '../../../../sandbox-tests/probe-contract.js';
import { startTestNode, NEAR, type TestNode } from './helpers.js';

const APP = 'app.test.near';

interface Change {
  cause: { type: string; tx_hash?: string; receipt_hash?: string };
  type: string;
  change: Record<string, any>;
}

function client(node: TestNode) {
  const secret = (JSON.parse(readFileSync(join(node.home, 'validator_key.json'), 'utf8')) as { secret_key: KeyPairString }).secret_key;
  const provider = new JsonRpcProvider({ url: node.url });
  return { provider, root: new Account('test.near', provider, secret) };
}

/** Sends and waits until FINAL, so each step's refunds ran before the next step's block. */
async function send(account: Account, receiverId: string, list: ReturnType<typeof actions.transfer>[]) {
  const outcome = (await account.signAndSendTransaction({ receiverId, actions: list, waitUntil: 'FINAL' })) as unknown as {
    transaction_outcome: { id: string; block_hash: string };
    receipts_outcome: { id: string; block_hash: string; outcome: { executor_id: string } }[];
  };
  return { txHash: outcome.transaction_outcome.id, txBlock: outcome.transaction_outcome.block_hash, receipt: outcome.receipts_outcome[0]! };
}

const causes = (changes: Change[]) => changes.map((c) => [c.cause.type, c.cause.tx_hash ?? c.cause.receipt_hash, c.type]);

test('accounts, access keys, code and data changed by transactions and receipts, with nearcore\'s causes, through near-api-js', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const { provider, root } = client(node);
  const key = KeyPair.fromRandom('ed25519');
  const publicKey = key.getPublicKey().toString();

  // CreateAccount + Transfer + AddKey: one receipt on the new account (test.near ≠ app: not local, the next block)
  const created = await send(root, APP, [actions.createAccount(), actions.transfer(10n * NEAR), actions.addFullAccessKey(key.getPublicKey())]);
  const createdAt = { blockId: created.receipt.block_hash };
  const [account] = (await provider.accountChanges([APP], createdAt)).changes as unknown as Change[];
  t.deepEqual(causes([account!]), [['receipt_processing', created.receipt.id, 'account_update']]);
  t.like(account!.change, { account_id: APP, amount: (10n * NEAR).toString(), locked: '0', storage_usage: 182, code_hash: '11111111111111111111111111111111' });
  const addedKey = (await provider.accessKeyChanges([APP], createdAt)).changes as unknown as Change[];
  t.deepEqual(causes(addedKey), [['receipt_processing', created.receipt.id, 'access_key_update']]);
  t.like(addedKey[0]!.change, { account_id: APP, public_key: publicKey, access_key: { permission: 'FullAccess' } });
  t.deepEqual(((await provider.accountChanges([APP], { blockId: created.txBlock })).changes as unknown as Change[]).length, 0, 'the account did not exist when the transaction was converted');

  // DeployContract: the code, and the account's code hash and storage
  const app = new Account(APP, provider, key.toString() as KeyPairString);
  const wasm = await probeWasm();
  const deployed = await send(app, APP, [actions.deployContract(wasm)]);
  const code = (await provider.contractCodeChanges([APP], { blockId: deployed.receipt.block_hash })).changes as unknown as Change[];
  t.deepEqual(causes(code), [['receipt_processing', deployed.receipt.id, 'contract_code_update']]);
  t.is(code[0]!.change.code_base64, Buffer.from(wasm).toString('base64'));

  // A call to itself: a local receipt, in the transaction's block. The account is charged (TransactionProcessing),
  // stores 51 bytes more (ReceiptProcessing: key, value and 40 bytes of record) and earns 30 % of the VM gas.
  const call = await send(app, APP, [actions.functionCall('set', new TextEncoder().encode('"kept"'), 30n * 10n ** 12n, 0n)]);
  t.is(call.receipt.block_hash, call.txBlock, 'a local receipt runs in the transaction\'s block');
  const atCall = { blockId: call.txBlock };
  const accountAtCall = (await provider.accountChanges([APP], atCall)).changes as unknown as Change[];
  t.deepEqual(causes(accountAtCall), [
    ['transaction_processing', call.txHash, 'account_update'],
    ['receipt_processing', call.receipt.id, 'account_update'],
    ['action_receipt_gas_reward', call.receipt.id, 'account_update'],
  ]);
  const [charged, ran, rewarded] = accountAtCall.map((c) => c.change);
  t.is(ran!.storage_usage - charged!.storage_usage, 'STATE'.length + '"kept"'.length + 40);
  t.is(ran!.amount, charged!.amount, 'the receipt moved no balance');
  t.true(BigInt(rewarded!.amount) > BigInt(ran!.amount), 'the contract reward');
  t.deepEqual(causes((await provider.contractStateChanges([APP], atCall)).changes as unknown as Change[]), [['receipt_processing', call.receipt.id, 'data_update']]);
  t.like(((await provider.contractStateChanges([APP], atCall, Buffer.from('ST').toString('base64'))).changes as unknown as Change[])[0]!.change, {
    key_base64: Buffer.from('STATE').toString('base64'),
    value_base64: Buffer.from('"kept"').toString('base64'),
  });
  t.deepEqual((await provider.contractStateChanges([APP], atCall, Buffer.from('X').toString('base64'))).changes, [], 'a key prefix filters');
  const nonce = (await provider.singleAccessKeyChanges([{ account_id: APP, public_key: publicKey }] as never, atCall)).changes as unknown as Change[];
  t.deepEqual(causes(nonce), [['transaction_processing', call.txHash, 'access_key_update']]);
  t.is(nonce[0]!.change.access_key.nonce, (addedKey[0]!.change.access_key.nonce as number) + 2, 'the deploy and the call each took a nonce');
  // changes_in_block: one kind per key, in trie-key order (account 0x00, access key 0x02, data 0x09)
  const kinds = await provider.blockChanges(atCall);
  t.is(kinds.block_hash, call.txBlock);
  t.deepEqual(kinds.changes, [
    { type: 'account_touched', account_id: APP },
    { type: 'access_key_touched', account_id: APP },
    { type: 'data_touched', account_id: APP },
  ]);
  // the gas refund, a receipt from `system`, in the next block
  const refundBlock = Number((await provider.viewBlock({ blockId: call.txBlock })).header.height) + 1;
  const refunded = (await provider.accountChanges([APP], { blockId: refundBlock })).changes as unknown as Change[];
  t.deepEqual(refunded.map((c) => c.cause.type), ['receipt_processing']);
  t.true(BigInt(refunded[0]!.change.amount) > BigInt(rewarded!.amount));

  // DeleteAccount (local: the transaction's block): the key takes its nonce, then every key of the account goes
  const deleted = await send(app, APP, [actions.deleteAccount('test.near')]);
  const atDelete = { blockId: deleted.receipt.block_hash };
  t.deepEqual(causes((await provider.accountChanges([APP], atDelete)).changes as unknown as Change[]), [
    ['transaction_processing', deleted.txHash, 'account_update'],
    ['receipt_processing', deleted.receipt.id, 'account_deletion'],
  ]);
  t.deepEqual(causes((await provider.accessKeyChanges([APP], atDelete)).changes as unknown as Change[]), [
    ['transaction_processing', deleted.txHash, 'access_key_update'],
    ['receipt_processing', deleted.receipt.id, 'access_key_deletion'],
  ]);
  t.deepEqual(((await provider.contractCodeChanges([APP], atDelete)).changes as unknown as Change[]).map((c) => c.type), ['contract_code_deletion']);
  t.deepEqual(((await provider.contractStateChanges([APP], atDelete)).changes as unknown as Change[]).map((c) => [c.type, c.change.key_base64]), [['data_deletion', Buffer.from('STATE').toString('base64')]]);
  t.deepEqual((await provider.blockChanges(atDelete)).changes.filter((k) => k.account_id === APP).map((k) => k.type), ['account_touched', 'contract_code_touched', 'access_key_touched', 'data_touched']);
});

test('a sandbox patch shows in the next block as Migration; an unknown block and a bad request get nearcore\'s errors', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const { provider } = client(node);
  const before = await provider.viewBlock({ finality: 'optimistic' });
  const patched = await node.rpc('sandbox_patch_state', { records: [{ Data: { account_id: 'test.near', data_key: Buffer.from('k').toString('base64'), value: Buffer.from('v').toString('base64') } }] });
  t.deepEqual(patched.result, {});
  const head = await provider.viewBlock({ finality: 'optimistic' });
  t.is(head.header.height, before.header.height + 1, 'the patch made one block');
  const changes = (await provider.contractStateChanges(['test.near'], { blockId: head.header.hash })).changes as unknown as Change[];
  t.deepEqual(changes, [{ cause: { type: 'migration' }, type: 'data_update', change: { account_id: 'test.near', key_base64: 'aw==', value_base64: 'dg==' } }] as never);
  const genesis = (await node.rpc('block', { sync_checkpoint: 'genesis' })).result.header.hash as string;
  t.deepEqual((await provider.accountChanges(['test.near'], { blockId: genesis })).changes, [], 'the genesis block records none');

  const unknown = await node.rpc('EXPERIMENTAL_changes', { changes_type: 'account_changes', account_ids: ['test.near'], block_id: 999_999 });
  t.deepEqual(unknown.error, { name: 'HANDLER_ERROR', cause: { name: 'UNKNOWN_BLOCK', info: {} }, code: -32_000, message: 'Server error', data: { name: 'UNKNOWN_BLOCK', info: {} } });
  t.is((await node.rpc('EXPERIMENTAL_changes_in_block', { block_id: 999_999 })).error?.cause?.name, 'UNKNOWN_BLOCK');
  const bad = await node.rpc('EXPERIMENTAL_changes', { changes_type: 'everything', account_ids: ['test.near'], finality: 'final' });
  t.is(bad.error?.cause?.name, 'PARSE_ERROR');
  const badId = await node.rpc('EXPERIMENTAL_changes', { changes_type: 'account_changes', account_ids: ['Not Valid'], finality: 'final' });
  t.regex(String(badId.error?.data), /account id "Not Valid" is invalid/);
});

test('a node that keeps its chain on disk answers a block\'s changes after a restart', async (t) => {
  const first = await startTestNode({ persist: true });
  const home = first.home;
  const { root } = client(first);
  const sent = await send(root, 'test.near', [actions.transfer(1n)]);
  const expected = await first.rpc('EXPERIMENTAL_changes', { changes_type: 'account_changes', account_ids: ['test.near'], block_id: sent.txBlock });
  t.deepEqual(expected.result.changes.map((c: Change) => c.cause.type), ['transaction_processing', 'receipt_processing']);
  await first.node.stop();
  const again = await startTestNode({ persist: true, home });
  t.teardown(async () => {
    await again.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const after = await again.rpc('EXPERIMENTAL_changes', { changes_type: 'account_changes', account_ids: ['test.near'], block_id: sent.txBlock });
  t.deepEqual(after.result, expected.result);
});

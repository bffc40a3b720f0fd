/**
 * Every JSON-RPC method against a real node (genesis from `init`, the runtime behind `run`), checked against
 * nearcore's response shapes and error strings (sandbox-compat.md §2, nearcore chain/jsonrpc).
 */
import test, { type ExecutionContext } from 'ava';
import { base58, base64 } from '@scure/base';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { KeyPair, verifyEd25519 } from '../../src/primitives/crypto.js';
import { probeWasm } from '../../../../sandbox-tests/probe-contract.js';
import { NEAR, signNext, signTransaction, startTestNode, withNode, TGAS, type TestNode, newAccountActions } from './helpers.js';

const ROOT = 'test.near';

async function deployProbe(node: TestNode, accountId: string): Promise<void> {
  const key = KeyPair.fromLabel(accountId);
  const tx = await signNext(node, ROOT, accountId, [
    ...newAccountActions(key.publicKey, 10n * NEAR),
    { type: 'DeployContract', code: await probeWasm() },
  ]);
  const res = await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'EXECUTED_OPTIMISTIC' });
  if (!res.result?.status?.SuccessValue && res.result?.status?.SuccessValue !== '') throw new Error(JSON.stringify(res));
}

test('status, health, network_info, validators, gas_price', async (t) => {
  const node = await withNode(t);
  const status = (await node.rpc('status', [])).result;
  const genesisConfig = (await node.rpc('EXPERIMENTAL_genesis_config')).result;
  t.is(status.chain_id, genesisConfig.chain_id);
  t.regex(status.chain_id, /^test-chain-[a-z0-9]{5}$/);
  t.is(status.protocol_version, 86); // a new home gets mainnet's version unless NEAR_SANDBOX_PROTOCOL_VERSION says otherwise
  t.is(status.validator_account_id, ROOT);
  t.is(status.validator_public_key, node.rootKey.publicKeyString);
  t.is(status.sync_info.latest_block_height, 0);
  t.false(status.sync_info.syncing);

  const health = await node.rpc('health', []);
  t.is(health.result, null);
  t.is(health.error, undefined);
  t.is((await node.rpc('network_info', [])).result.num_active_peers, 0);

  const validators = (await node.rpc('validators', [null])).result;
  t.is(validators.current_validators.length, 1);
  t.is(validators.current_validators[0].account_id, ROOT);
  t.is(validators.current_validators[0].stake, (50_000_000n * NEAR).toString());
  t.deepEqual((await node.rpc('validators', 'latest')).result.current_validators, validators.current_validators);

  t.deepEqual((await node.rpc('gas_price', [null])).result, { gas_price: '100000000' });
  t.deepEqual((await node.rpc('gas_price', { block_id: 0 })).result, { gas_price: '100000000' });
});

test('block by finality, height and hash; unknown block; chunk by id and by block/shard', async (t) => {
  const node = await withNode(t);
  // five blocks at consecutive heights (a fast-forward would skip heights as nearcore's does)
  await node.rpc('sandbox_produce_blocks', { count: 5 });
  const optimistic = (await node.rpc('block', { finality: 'optimistic' })).result;
  const final = (await node.rpc('block', { finality: 'final' })).result;
  t.is(optimistic.header.height, 5);
  t.is(final.header.height, 3, 'final lags the head by two blocks');
  t.is(optimistic.header.last_final_block, final.header.hash);
  const byHeight = (await node.rpc('block', { block_id: 3 })).result;
  const byHash = (await node.rpc('block', [final.header.hash])).result;
  t.deepEqual(byHeight, final);
  t.deepEqual(byHash, final);
  t.is(typeof final.header.timestamp, 'number');
  t.regex(final.header.timestamp_nanosec, /^\d+$/);
  t.is(final.header.prev_hash, (await node.rpc('block', { block_id: 2 })).result.header.hash);

  const missing = await node.rpc('block', { block_id: 999 });
  t.is(missing.error.cause.name, 'UNKNOWN_BLOCK');
  t.is(missing.error.name, 'HANDLER_ERROR');
  t.regex(missing.error.data, /^DB Not Found Error: BLOCK HEIGHT: 999/);

  const chunkId = final.chunks[0].chunk_hash;
  const chunk = (await node.rpc('chunk', { chunk_id: chunkId })).result;
  t.is(chunk.header.chunk_hash, chunkId);
  t.is(chunk.header.height_included, 3);
  t.deepEqual((await node.rpc('chunk', { block_id: 3, shard_id: 0 })).result, chunk);
  // nearcore's legacy positioned forms (chain/jsonrpc/src/api/chunks.rs), as near-api-js's viewChunk sends them
  t.deepEqual((await node.rpc('chunk', [chunkId])).result, chunk);
  t.deepEqual((await node.rpc('chunk', [[3, 0]])).result, chunk);
  t.is((await node.rpc('chunk', [3, 0])).error.name, 'REQUEST_VALIDATION_ERROR');
  t.is((await node.rpc('chunk', { block_id: 3, shard_id: 7 })).error.cause.name, 'INVALID_SHARD_ID');
  t.is((await node.rpc('chunk', { chunk_id: '11111111111111111111111111111111' })).error.cause.name, 'UNKNOWN_CHUNK');

  // State roots: empty blocks change no state, so every chunk reports the genesis root; the header's
  // prev_state_root is nearcore merklize([chunk prev_state_root]) = sha256 of the one root; status reports
  // the head header's (views.rs, merkle.rs, StatusSyncInfo).
  const genesisChunk = (await node.rpc('chunk', { block_id: 0, shard_id: 0 })).result;
  t.is(chunk.header.prev_state_root, genesisChunk.header.prev_state_root);
  t.not(chunk.header.prev_state_root, '11111111111111111111111111111111', 'not the empty root');
  t.is(final.header.prev_state_root, base58.encode(sha256(base58.decode(chunk.header.prev_state_root))));
  t.is((await node.rpc('status', [])).result.sync_info.latest_state_root, optimistic.header.prev_state_root);
});

test('query: view_account, view_access_key(_list), unknown account and key, both request forms', async (t) => {
  const node = await withNode(t);
  const account = (await node.rpc('query', { request_type: 'view_account', account_id: ROOT, finality: 'final' })).result;
  t.is(account.amount, (1_000_000_000n * NEAR).toString());
  t.is(account.locked, (50_000_000n * NEAR).toString());
  t.is(account.storage_usage, 182);
  t.is(account.code_hash, '11111111111111111111111111111111');
  t.is(account.block_height, 0);
  t.deepEqual((await node.rpc('query', ['account/test.near', ''])).result, account);

  const keys = (await node.rpc('query', { request_type: 'view_access_key_list', account_id: ROOT, finality: 'optimistic' })).result;
  t.deepEqual(keys.keys, [{ public_key: node.rootKey.publicKeyString, access_key: { nonce: 0, permission: 'FullAccess' } }]);
  const key = (await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: node.rootKey.publicKeyString, finality: 'optimistic' })).result;
  t.is(key.nonce, 0);
  t.is(key.permission, 'FullAccess');

  // nearcore answers a missing key with a *result* holding `error` (near-api-js: AccessKeyDoesNotExist)
  const other = KeyPair.random().publicKeyString;
  const missingKey = await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: other, finality: 'optimistic' });
  t.is(missingKey.error, undefined);
  t.is(missingKey.result.error, `access key ${other} does not exist while viewing`);
  t.deepEqual(missingKey.result.logs, []);
  t.is(missingKey.result.block_height, 0);

  const unknown = await node.rpc('query', { request_type: 'view_account', account_id: 'nobody.near', finality: 'final' });
  t.is(unknown.error.cause.name, 'UNKNOWN_ACCOUNT');
  t.is(unknown.error.data, 'account nobody.near does not exist while viewing');
  t.deepEqual(Object.keys(unknown.error.cause.info).sort(), ['block_hash', 'block_height', 'requested_account_id']);

  const stale = await node.rpc('query', { request_type: 'view_account', account_id: ROOT, block_id: 12345 });
  t.is(stale.error.cause.name, 'UNKNOWN_BLOCK');
  t.is(stale.error.data, 'DB Not Found Error: BLOCK HEIGHT: 12345 \n Cause: Unknown');
});

test('query: call_function, view_state, view_code; contract errors come back as result.error', async (t) => {
  const node = await withNode(t);
  await deployProbe(node, 'probe.test.near');
  const echo = (await node.rpc('query', { request_type: 'call_function', account_id: 'probe.test.near', method_name: 'echo', args_base64: base64.encode(new TextEncoder().encode('hi')), finality: 'optimistic' })).result;
  t.deepEqual(echo.result, [...new TextEncoder().encode('hi')]);
  t.deepEqual(echo.logs, []);

  const noMethod = (await node.rpc('query', { request_type: 'call_function', account_id: 'probe.test.near', method_name: 'nope', args_base64: '', finality: 'optimistic' })).result;
  // near-api-js maps this text to MethodNotFound by regex (@near-js/utils rpc_errors)
  t.is(noMethod.error, 'wasm execution failed with error: FunctionCallError(MethodResolveError(MethodNotFound))');
  const noCode = (await node.rpc('query', { request_type: 'call_function', account_id: ROOT, method_name: 'x', args_base64: '', finality: 'optimistic' })).result;
  t.is(noCode.error, 'wasm execution failed with error: FunctionCallError(CompilationError(CodeDoesNotExist { account_id: AccountId("test.near") }))');
  const panic = (await node.rpc('query', { request_type: 'call_function', account_id: 'probe.test.near', method_name: 'fail', args_base64: base64.encode(new TextEncoder().encode('no way')), finality: 'optimistic' })).result;
  t.is(panic.error, 'wasm execution failed with error: FunctionCallError(HostError(GuestPanic { panic_msg: "no way" }))');

  const set = await signNext(node, ROOT, 'probe.test.near', [{ type: 'FunctionCall', methodName: 'set', args: new TextEncoder().encode('v1'), gas: 30n * TGAS, deposit: 0n }]);
  t.truthy((await node.rpc('send_tx', { signed_tx_base64: set.base64 })).result);
  const state = (await node.rpc('query', { request_type: 'view_state', account_id: 'probe.test.near', prefix_base64: '', finality: 'optimistic' })).result;
  t.deepEqual(state.values, [{ key: base64.encode(new TextEncoder().encode('STATE')), value: base64.encode(new TextEncoder().encode('v1')) }]);
  const filtered = (await node.rpc('query', { request_type: 'view_state', account_id: 'probe.test.near', prefix_base64: base64.encode(new TextEncoder().encode('X')), finality: 'optimistic' })).result;
  t.deepEqual(filtered.values, []);

  const code = (await node.rpc('query', { request_type: 'view_code', account_id: 'probe.test.near', finality: 'optimistic' })).result;
  t.deepEqual(base64.decode(code.code_base64), await probeWasm());
  const account = (await node.rpc('query', { request_type: 'view_account', account_id: 'probe.test.near', finality: 'optimistic' })).result;
  t.is(code.hash, account.code_hash);
  const noContract = await node.rpc('query', { request_type: 'view_code', account_id: ROOT, finality: 'optimistic' });
  t.is(noContract.error.cause.name, 'NO_CONTRACT_CODE');
  t.is(noContract.error.data, 'Contract code for contract ID #test.near has never been observed on the node');
});

test('send_tx at every wait_until level; broadcast_tx_commit and broadcast_tx_async', async (t) => {
  const node = await withNode(t);
  const transfer = [{ type: 'Transfer' as const, deposit: 1n }];
  const levels = ['NONE', 'INCLUDED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'EXECUTED', 'FINAL'] as const;
  for (const level of levels) {
    const tx = await signNext(node, ROOT, 'near', transfer);
    const res = (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: level })).result;
    if (level === 'NONE') {
      t.deepEqual(res, { final_execution_status: 'NONE' });
    } else if (level === 'INCLUDED') {
      // answered once the transaction is in a block, before its receipt (to another account) runs
      t.is(res.final_execution_status, 'INCLUDED');
      t.is(res.status, 'Started');
      t.is(res.transaction.hash, tx.hash);
    } else {
      t.deepEqual(res.status, { SuccessValue: '' }, level);
      t.is(res.transaction.hash, tx.hash);
      const order = levels.indexOf(res.final_execution_status);
      t.true(order >= levels.indexOf(level), `${level} answered with ${res.final_execution_status}`);
      if (level === 'FINAL') {
        // every block holding an outcome of this transaction is final by the time FINAL answers
        const final = (await node.rpc('block', { finality: 'final' })).result.header.height;
        for (const o of [res.transaction_outcome, ...res.receipts_outcome]) {
          t.true((await node.rpc('block', [o.block_hash])).result.header.height <= final);
        }
        t.is(res.final_execution_status, 'FINAL');
      }
    }
  }
  // every level, NONE included, executed its transfer: the nonce moved on each time
  const key = (await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: node.rootKey.publicKeyString, finality: 'optimistic' })).result;
  t.true(key.nonce >= levels.length);

  const commit = await signNext(node, ROOT, 'near', transfer);
  const committed = (await node.rpc('broadcast_tx_commit', [commit.base64])).result;
  t.deepEqual(committed.status, { SuccessValue: '' });
  t.is(committed.transaction_outcome.id, commit.hash);
  t.is(typeof committed.transaction_outcome.outcome.gas_burnt, 'number');
  t.regex(committed.transaction_outcome.outcome.tokens_burnt, /^\d+$/);

  // resending the same signed bytes answers with the known outcome (no InvalidNonce, no second transfer)
  const near = (await node.rpc('query', { request_type: 'view_account', account_id: 'near', finality: 'optimistic' })).result.amount;
  const again = (await node.rpc('broadcast_tx_commit', [commit.base64])).result;
  t.is(again.transaction_outcome.id, commit.hash);
  await sameOutcomesButRefunds(t, node, committed, again);
  t.is((await node.rpc('query', { request_type: 'view_account', account_id: 'near', finality: 'optimistic' })).result.amount, near);

  const async = await signNext(node, ROOT, 'near', transfer);
  t.is((await node.rpc('broadcast_tx_async', [async.base64])).result, async.hash);
  const status = (await node.rpc('tx', [async.hash, ROOT])).result;
  t.deepEqual(status.status, { SuccessValue: '' });
});

test('tx and EXPERIMENTAL_tx_status by hash and by signed transaction; EXPERIMENTAL_receipt', async (t) => {
  const node = await withNode(t);
  await deployProbe(node, 'probe.test.near');
  const call = await signNext(node, ROOT, 'probe.test.near', [{ type: 'FunctionCall', methodName: 'echo', args: new TextEncoder().encode('x'), gas: 30n * TGAS, deposit: 0n }]);
  const sent = (await node.rpc('send_tx', { signed_tx_base64: call.base64 })).result;
  t.deepEqual(sent.status, { SuccessValue: base64.encode(new TextEncoder().encode('x')) });

  const byHash = (await node.rpc('tx', { tx_hash: call.hash, sender_account_id: ROOT })).result;
  t.deepEqual(byHash.status, sent.status);
  await sameOutcomesButRefunds(t, node, sent, byHash);
  const bySigned = (await node.rpc('tx', [call.base64])).result;
  t.deepEqual(bySigned.transaction, sent.transaction);
  const experimental = (await node.rpc('EXPERIMENTAL_tx_status', [call.hash, ROOT])).result;
  t.is(experimental.receipts.length, byHash.receipts_outcome.length);
  t.is(experimental.receipts[0].receipt_id, sent.receipts_outcome[0].id);
  t.is(experimental.receipts[0].receipt.Action.actions[0].FunctionCall.method_name, 'echo');

  const wrongSender = await node.rpc('tx', [call.hash, 'near']);
  t.is(wrongSender.error.cause.name, 'UNKNOWN_TRANSACTION');
  const unknownHash = '11111111111111111111111111111111';
  const unknown = await node.rpc('tx', [unknownHash, ROOT]);
  t.is(unknown.error.data, `Transaction ${unknownHash} doesn't exist`);

  const receipt = (await node.rpc('EXPERIMENTAL_receipt', { receipt_id: sent.receipts_outcome[0].id })).result;
  t.is(receipt.receiver_id, 'probe.test.near');
  t.is(receipt.predecessor_id, ROOT);
  const noReceipt = await node.rpc('EXPERIMENTAL_receipt', { receipt_id: unknownHash });
  t.deepEqual(noReceipt.error.cause, { name: 'UNKNOWN_RECEIPT', info: { receipt_id: unknownHash } });
  t.deepEqual(noReceipt.error.data, noReceipt.error.cause);
});

test('invalid transactions: structured InvalidNonce, Expired, InvalidSignature; nothing changes', async (t) => {
  const node = await withNode(t);
  const before = (await node.rpc('query', { request_type: 'view_account', account_id: ROOT, finality: 'optimistic' })).result;
  const head = (await node.rpc('block', { finality: 'final' })).result.header.hash;
  const stale = signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit: 1n }], keyPair: node.rootKey, nonce: 0n, blockHash: head });
  const nonce = await node.rpc('send_tx', { signed_tx_base64: stale.base64 });
  t.is(nonce.error.name, 'HANDLER_ERROR');
  t.is(nonce.error.cause.name, 'INVALID_TRANSACTION');
  t.deepEqual(nonce.error.data, { TxExecutionError: { InvalidTxError: { InvalidNonce: { tx_nonce: 0, ak_nonce: 0 } } } });

  const expired = signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit: 1n }], keyPair: node.rootKey, nonce: 5n, blockHash: '11111111111111111111111111111111' });
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: expired.base64 })).error.data, { TxExecutionError: { InvalidTxError: 'Expired' } });

  const forged = signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit: 1n }], keyPair: KeyPair.random(), nonce: 5n, blockHash: head });
  const forgedRes = await node.rpc('send_tx', { signed_tx_base64: forged.base64 });
  t.is(forgedRes.error.cause.name, 'INVALID_TRANSACTION');
  t.regex(JSON.stringify(forgedRes.error.data), /InvalidAccessKeyError|AccessKeyNotFound/);

  const after = (await node.rpc('query', { request_type: 'view_account', account_id: ROOT, finality: 'optimistic' })).result;
  t.is(after.amount, before.amount);
});

test('sandbox_patch_state is idempotent and accepts view fields; bad records change nothing', async (t) => {
  const node = await withNode(t);
  const records = [
    { Account: { account_id: 'patched.test.near', account: { amount: (100n * NEAR).toString(), locked: '0', code_hash: '11111111111111111111111111111111', storage_usage: 0, storage_paid_at: 0, block_height: 1, block_hash: '11111111111111111111111111111111', version: 'V1' } } },
    { AccessKey: { account_id: 'patched.test.near', public_key: node.rootKey.publicKeyString, access_key: { nonce: 0, permission: 'FullAccess' } } },
    { Data: { account_id: 'patched.test.near', data_key: base64.encode(new TextEncoder().encode('k')), value: base64.encode(new TextEncoder().encode('v')) } },
  ];
  t.deepEqual((await node.rpc('sandbox_patch_state', { records })).result, {});
  const once = (await node.rpc('query', { request_type: 'view_account', account_id: 'patched.test.near', finality: 'optimistic' })).result;
  t.deepEqual((await node.rpc('sandbox_patch_state', { records })).result, {});
  const twice = (await node.rpc('query', { request_type: 'view_account', account_id: 'patched.test.near', finality: 'optimistic' })).result;
  t.is(once.amount, (100n * NEAR).toString());
  t.is(once.storage_usage, 0);
  t.is(twice.amount, once.amount);
  const state = (await node.rpc('query', { request_type: 'view_state', account_id: 'patched.test.near', prefix_base64: '', finality: 'optimistic' })).result;
  t.is(state.values.length, 1);

  const bad = await node.rpc('sandbox_patch_state', { records: [{ Account: { account_id: 'other.test.near', account: { amount: '1', locked: '0', code_hash: '11111111111111111111111111111111', storage_usage: 0 } } }, { AccessKey: { account_id: 'other.test.near', public_key: 'ed25519:nope', access_key: { nonce: 0, permission: 'FullAccess' } } }] });
  t.is(bad.error.cause.name, 'PARSE_ERROR');
  t.is((await node.rpc('query', { request_type: 'view_account', account_id: 'other.test.near', finality: 'optimistic' })).error.cause.name, 'UNKNOWN_ACCOUNT');
  t.is((await node.rpc('sandbox_patch_state', { records: [{ Stuff: {} }] })).error.cause.name, 'PARSE_ERROR');
});

test('a fast-forward made of one jump leaves its last block final, so a transaction signed against the final block is not Expired', async (t) => {
  const node = await withNode(t);
  await node.rpc('sandbox_fast_forward', { delta_height: 10 });
  // from height 13 of a 500-block epoch, 300 heights are one jump (chain/client sandbox_process_fast_forward):
  // neard's next two blocks make it final; left behind, the final block is 300 heights under the head and
  // every transaction near-api-js signs against it is Expired (transaction_validity_period is 100)
  await node.rpc('sandbox_fast_forward', { delta_height: 300 });
  const head = (await node.rpc('block', { finality: 'optimistic' })).result.header.height;
  t.is((await node.rpc('block', { finality: 'final' })).result.header.height, head - 2);
  const tx = await signNext(node, ROOT, 'near', [{ type: 'Transfer' as const, deposit: 1n }]);
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result.status, { SuccessValue: '' });
});

test('sandbox_fast_forward moves height and time; EXPERIMENTAL_protocol_config has the storage price', async (t) => {
  const node = await withNode(t);
  const before = (await node.rpc('block', { finality: 'optimistic' })).result.header;
  t.deepEqual((await node.rpc('sandbox_fast_forward', { delta_height: 1000 })).result, {});
  const after = (await node.rpc('block', { finality: 'optimistic' })).result.header;
  // nearcore's heights from genesis (500-block epochs): 1, 498..501, 998..1000, then the two blocks neard
  // makes next, which make 1000 final (test/runtime/fast-forward.test.ts)
  t.is(after.height - before.height, 1002);
  t.is((await node.rpc('block', { finality: 'final' })).result.header.height, 1000);
  t.is((await node.rpc('block', { block_id: 497 })).error.cause.name, 'UNKNOWN_BLOCK');
  t.true(BigInt(after.timestamp_nanosec) > BigInt(before.timestamp_nanosec));
  t.is((await node.rpc('sandbox_fast_forward', { delta_height: -1 })).error.cause.name, 'PARSE_ERROR');

  const config = (await node.rpc('EXPERIMENTAL_protocol_config', { finality: 'final' })).result;
  t.is(config.runtime_config.storage_amount_per_byte, '10000000000000000000');
  t.is(config.protocol_version, 86);
  t.is(config.runtime_config.transaction_costs.storage_usage_config.num_bytes_account, 100);
});

/** `call_other(callee)`: call_other on the caller, echo on the callee, on_echo back on the caller, then refunds. */
async function crossContractCall(node: TestNode, caller: string, callee: string) {
  return signNext(node, ROOT, caller, [{ type: 'FunctionCall', methodName: 'call_other', args: new TextEncoder().encode(callee), gas: 100n * TGAS, deposit: 0n }]);
}

const heightOf = async (node: TestNode, blockHash: string): Promise<number> => (await node.rpc('block', { block_id: blockHash })).result.header.height;

test('send_tx INCLUDED answers once the transaction is in a block, before its receipts run, with the outcome so far (nearcore view_client_actor.rs get_tx_status / get_tx_execution_status)', async (t) => {
  const node = await startTestNode({ persist: true });
  t.teardown(() => node.stop());
  await deployProbe(node, 'caller.test.near');
  await deployProbe(node, 'callee.test.near');
  const call = await crossContractCall(node, 'caller.test.near', 'callee.test.near');

  const included = (await node.rpc('send_tx', { signed_tx_base64: call.base64, wait_until: 'INCLUDED' })).result;
  // nearcore: the partial FinalExecutionOutcomeView (chain.rs get_partial_transaction_result) flattened
  // beside final_execution_status; the first leaf has no outcome yet, so Started (views.rs FinalExecutionStatus)
  t.is(included.final_execution_status, 'INCLUDED');
  t.is(included.status, 'Started');
  t.is(included.transaction.hash, call.hash);
  t.is(included.transaction_outcome.id, call.hash);
  t.is(included.transaction_outcome.outcome.receipt_ids.length, 1);
  t.deepEqual(included.receipts_outcome, [], 'no receipt of the call had run when INCLUDED answered');
  const txHeight = await heightOf(node, included.transaction_outcome.block_hash);
  // answered only once that block is on disk: status reports the head on disk (node/run.ts group commit)
  t.true((await node.rpc('status', [])).result.sync_info.latest_block_height >= txHeight);

  // the receipts run afterwards, each in a later block, and the transaction's own outcome is the one INCLUDED gave
  const executed = (await node.rpc('tx', { tx_hash: call.hash, sender_account_id: ROOT, wait_until: 'EXECUTED_OPTIMISTIC' })).result;
  t.deepEqual(executed.transaction_outcome, included.transaction_outcome);
  t.is(Buffer.from(executed.status.SuccessValue, 'base64').toString(), 'got:ping');
  t.true(executed.receipts_outcome.length >= 3);
  for (const o of executed.receipts_outcome) t.true((await heightOf(node, o.block_hash)) > txHeight);
});

test('send_tx INCLUDED_FINAL answers once the transaction\'s block is final, whether or not its receipts ran; tx INCLUDED for a pooled transaction', async (t) => {
  const node = await withNode(t);
  await deployProbe(node, 'caller.test.near');
  await deployProbe(node, 'callee.test.near');
  const call = await crossContractCall(node, 'caller.test.near', 'callee.test.near');
  const answer = (await node.rpc('send_tx', { signed_tx_base64: call.base64, wait_until: 'INCLUDED_FINAL' })).result;
  // final two blocks after the transaction's (doomslug, one validator); the callback runs in the third
  t.is(answer.final_execution_status, 'INCLUDED_FINAL');
  t.is(answer.status, 'Started');
  const txHeight = await heightOf(node, answer.transaction_outcome.block_hash);
  t.true((await node.rpc('block', { finality: 'final' })).result.header.height >= txHeight);
  t.false(answer.receipts_outcome.some((o: { outcome: { executor_id: string }; id: string }, i: number) => i > 1 && o.outcome.executor_id === 'caller.test.near'), 'the callback had not run');

  // `tx` for a transaction still in the pool answers at INCLUDED as send_tx does
  const pooled = await crossContractCall(node, 'caller.test.near', 'callee.test.near');
  t.is((await node.rpc('broadcast_tx_async', [pooled.base64])).result, pooled.hash);
  const status = (await node.rpc('EXPERIMENTAL_tx_status', { tx_hash: pooled.hash, sender_account_id: ROOT, wait_until: 'INCLUDED' })).result;
  t.true(['INCLUDED', 'EXECUTED_OPTIMISTIC'].includes(status.final_execution_status), status.final_execution_status);
  t.is(status.transaction_outcome.id, pooled.hash);
  t.is(status.receipts.length, status.receipts_outcome.length);
});

interface OutcomeWithId {
  id: string;
  block_hash: string;
  outcome: { receipt_ids: string[] };
}

/**
 * The receipts an answer's outcome waits for, as nearcore's view client counts them
 * (view_client_actor.rs `get_tx_execution_status`): every receipt id in the transaction's and the receipts'
 * outcomes, except, for each receipt outcome, its last receipt when it has not run and comes from `system`
 * (a refund). `refundsToRun`: those left out.
 */
async function awaitedReceipts(node: TestNode, answer: { transaction_outcome: OutcomeWithId; receipts_outcome: OutcomeWithId[] }) {
  const ran = new Set(answer.receipts_outcome.map((o) => o.id));
  const awaited = [...answer.transaction_outcome.outcome.receipt_ids];
  const refundsToRun: string[] = [];
  for (const o of answer.receipts_outcome) {
    const ids = o.outcome.receipt_ids;
    awaited.push(...ids.slice(0, -1));
    const last = ids.at(-1);
    if (last === undefined) continue;
    const refund = !ran.has(last) && (await node.rpc('EXPERIMENTAL_receipt', { receipt_id: last })).result?.predecessor_id === 'system';
    if (refund) refundsToRun.push(last);
    else awaited.push(last);
  }
  return { ran, awaited, refundsToRun };
}

/**
 * `later` (asked for the same transaction after `earlier` was answered at an executed level) has the outcomes
 * `earlier` had, plus those of the refunds `earlier` did not wait for (nearcore get_tx_execution_status).
 */
async function sameOutcomesButRefunds(t: ExecutionContext, node: TestNode, earlier: { transaction_outcome: OutcomeWithId; receipts_outcome: OutcomeWithId[] }, later: { receipts_outcome: OutcomeWithId[] }) {
  const { refundsToRun } = await awaitedReceipts(node, earlier);
  const before = new Set(earlier.receipts_outcome.map((o) => o.id));
  t.deepEqual(later.receipts_outcome.filter((o) => before.has(o.id)), earlier.receipts_outcome);
  t.deepEqual(later.receipts_outcome.filter((o) => !before.has(o.id)).map((o) => o.id).sort(), [...refundsToRun].sort());
}

test('send_tx EXECUTED_OPTIMISTIC / EXECUTED do not wait for the refunds still to run, and answer without their outcomes (nearcore view_client_actor.rs get_tx_execution_status; chain.rs get_partial_transaction_result)', async (t) => {
  const node = await withNode(t);
  await deployProbe(node, 'caller.test.near');
  await deployProbe(node, 'callee.test.near');
  for (const level of ['EXECUTED_OPTIMISTIC', 'EXECUTED']) {
    const call = await crossContractCall(node, 'caller.test.near', 'callee.test.near');
    const answer = (await node.rpc('send_tx', { signed_tx_base64: call.base64, wait_until: level })).result;
    // our final block is the head − 2, so the transaction's block is often final by then (EXECUTED)
    t.true(['EXECUTED_OPTIMISTIC', 'EXECUTED'].filter((l) => MEETS[level]!.includes(l)).includes(answer.final_execution_status), answer.final_execution_status);
    t.is(Buffer.from(answer.status.SuccessValue, 'base64').toString(), 'got:ping');
    const { ran, awaited, refundsToRun } = await awaitedReceipts(node, answer);
    t.true(awaited.every((id) => ran.has(id)), `${level}: every receipt but refunds ran`);
    // the callback's gas refund runs in the block after the callback's; the answer came before it
    t.is(refundsToRun.length, 1, `${level}: answered before the callback's refund ran`);
    const lastHeight = Math.max(...(await Promise.all(answer.receipts_outcome.map((o: OutcomeWithId) => heightOf(node, o.block_hash)))));

    // the refund runs later, and FINAL waits for it (and its block's finality)
    const final = (await node.rpc('tx', { tx_hash: call.hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
    t.is(final.final_execution_status, 'FINAL');
    const refund = final.receipts_outcome.find((o: OutcomeWithId) => o.id === refundsToRun[0]);
    t.truthy(refund, 'FINAL carries the refund outcome');
    t.is(await heightOf(node, refund.block_hash), lastHeight + 1);
    t.is(final.receipts_outcome.length, answer.receipts_outcome.length + 1);
    t.deepEqual(final.status, answer.status);
  }
});

test('tx / EXPERIMENTAL_tx_status at wait_until NONE for a transaction only in the pool answer UNKNOWN_TRANSACTION at once (nearcore jsonrpc lib.rs tx_status_fetch; view_client_actor.rs get_tx_status: MissingTransaction)', async (t) => {
  const node = await withNode(t);
  const tx = await signNext(node, ROOT, ROOT, [{ type: 'Transfer', deposit: 1n }]);
  // one batch: the transaction enters the pool and is asked about before the producer makes its block
  const { json } = await node.raw([
    { jsonrpc: '2.0', id: 1, method: 'broadcast_tx_async', params: [tx.base64] },
    { jsonrpc: '2.0', id: 2, method: 'tx', params: { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'NONE' } },
    { jsonrpc: '2.0', id: 3, method: 'EXPERIMENTAL_tx_status', params: { signed_tx_base64: tx.base64, wait_until: 'NONE' } },
  ]);
  const byId = new Map<number, any>(json.map((r: { id: number }) => [r.id, r]));
  t.is(byId.get(1).result, tx.hash);
  for (const id of [2, 3]) {
    t.is(byId.get(id).error?.cause?.name, 'UNKNOWN_TRANSACTION', JSON.stringify(byId.get(id)));
    t.is(byId.get(id).error.data, `Transaction ${tx.hash} doesn't exist`);
  }
  // once it is in a block, NONE answers with whatever the chain has (lib.rs tx_execution_status_meets_expectations)
  const done = (await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
  t.is(done.final_execution_status, 'FINAL');
  const none = (await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'NONE' })).result;
  t.is(none.final_execution_status, 'FINAL');
  t.is(none.transaction_outcome.id, tx.hash);
});

/** nearcore jsonrpc lib.rs `tx_execution_status_meets_expectations`: the levels an answer at each level may report. */
const MEETS: Record<string, string[]> = {
  INCLUDED: ['INCLUDED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'EXECUTED', 'FINAL'],
  EXECUTED_OPTIMISTIC: ['EXECUTED_OPTIMISTIC', 'EXECUTED', 'FINAL'],
  INCLUDED_FINAL: ['INCLUDED_FINAL', 'EXECUTED', 'FINAL'],
  EXECUTED: ['EXECUTED', 'FINAL'],
  FINAL: ['FINAL'],
};

test('property: send_tx at any level reports a level that meets the one asked for and that its own outcome and the chain bear out', async (t) => {
  const node = await withNode(t);
  await deployProbe(node, 'caller.test.near');
  await deployProbe(node, 'callee.test.near');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...Object.keys(MEETS)), fc.constantFrom('transfer', 'call', 'failing call'), async (level, kind) => {
      const tx =
        kind === 'transfer'
          ? await signNext(node, ROOT, 'callee.test.near', [{ type: 'Transfer', deposit: 1n }])
          : await crossContractCall(node, 'caller.test.near', kind === 'call' ? 'callee.test.near' : 'nobody-here.test.near');
      const answer = (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: level })).result;
      const reported: string = answer.final_execution_status;
      t.true(MEETS[level]!.includes(reported), `${level} answered ${reported}`);
      const outcomes = [answer.transaction_outcome, ...answer.receipts_outcome];
      const { ran, awaited, refundsToRun } = await awaitedReceipts(node, answer);
      const executed = awaited.every((id: string) => ran.has(id));
      // EXECUTED_OPTIMISTIC and above: every receipt ran but refunds still to run, and the status is the first
      // leaf's; below, some receipt had not; FINAL: the refunds too
      t.is(executed, ['EXECUTED_OPTIMISTIC', 'EXECUTED', 'FINAL'].includes(reported), `${reported}: ${ran.size} of ${awaited.length} receipts ran`);
      if (reported === 'FINAL') t.is(refundsToRun.length, 0);
      if (executed) t.true(typeof answer.status === 'object', JSON.stringify(answer.status));
      else t.is(answer.status, 'Started');
      const final = (await node.rpc('block', { finality: 'final' })).result.header.height;
      if (['INCLUDED_FINAL', 'EXECUTED', 'FINAL'].includes(reported)) t.true((await heightOf(node, answer.transaction_outcome.block_hash)) <= final);
      if (reported === 'FINAL') for (const o of outcomes) t.true((await heightOf(node, o.block_hash)) <= final);
    }),
    { numRuns: 15 },
  );
});

test('a block view is signed by the validator key: header.signature over the block hash, approvals over the previous hash, the chunk signature over sha256 of the chunk hash (nearcore BlockHeader / ChunkHeader views)', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const sent = await signNext(node, 'test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }]);
  await node.rpc('send_tx', { signed_tx_base64: sent.base64, wait_until: 'FINAL' });
  const { header, chunks } = (await node.rpc('block', { finality: 'final' })).result;
  const validator = node.rootKey.publicKey;
  const verifies = (signature: string, message: Uint8Array) => {
    t.true(signature.startsWith('ed25519:'));
    return verifyEd25519(base58.decode(signature.slice('ed25519:'.length)), message, validator.data);
  };
  t.true(verifies(header.signature, base58.decode(header.hash)), 'header signature');
  t.true(verifies(header.approvals[0], base58.decode(header.prev_hash)), 'approval');
  t.true(verifies(chunks[0].signature, sha256(new TextEncoder().encode(chunks[0].chunk_hash))), 'chunk signature');
  t.false(verifies(header.signature, base58.decode(header.prev_hash)), 'a signature of another hash does not verify');
});

/**
 * Yields named by the caller through the node (protocol 86), and the yield state nearcore keeps in the trie:
 * `PromiseYieldIndices` (column 10), `PromiseYieldTimeout` (11), `PromiseYieldReceipt` (12), `PromiseYieldStatus`
 * (20), `YieldIdToDataId` (22), `DataIdToYieldId` (23) (core/primitives trie_key.rs; values as core/primitives
 * receipt.rs borsh-encodes them; written and removed as runtime ext.rs, lib.rs and core/store utils do).
 */
import test from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createSandbox, TGAS, type Sandbox } from '../../src/index.js';
import { actionHash, dataId as deriveDataId, hashFromString } from '../../src/primitives/hash.js';
import { watToWasm } from './contract-helpers.js';

const wasm = await watToWasm('yield-id.wat');
const onceWasm = await watToWasm('yield-once.wat');
const ACCOUNT = 'y.test.near';
const YIELD_ID = new Uint8Array(32).fill(1);
const utf8 = (s: string) => new TextEncoder().encode(s);
const resumeArgs = (id: Uint8Array, payload: string) => Buffer.concat([id, utf8(payload)]);

function setup(protocolVersion = 86): Sandbox {
  const node = createSandbox({ protocolVersion });
  node.createAccount(ACCOUNT);
  node.deployContract(ACCOUNT, wasm);
  return node;
}

const YIELD_COLUMNS = ['0a', '0b', '0c', '14', '16', '17'];

/** The yield records in the node's trie: nibble path → sha256 of the value (the trie keeps value hashes). */
function yieldRecords(node: Sandbox): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, value] of node.chain.state.trie.entries()) {
    if (YIELD_COLUMNS.includes(path.slice(0, 2))) out[path] = bytesToHex(value.hash);
  }
  return out;
}

const hashOf = (hex: string) => bytesToHex(sha256(Buffer.from(hex, 'hex')));
const accountHex = Buffer.from(ACCOUNT).toString('hex'); // 792e746573742e6e656172
const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b.toString('hex');
};

function yieldReceipt(node: Sandbox, tx: ReturnType<Sandbox['call']>) {
  const id = tx.receipts[0]!.outcome.receipt_ids[0]!;
  const receipt = (node.getReceipt(id) as any).receipt.Action;
  return { id, receipt, dataId: bytesToHex(hashFromString(receipt.input_data_ids[0])) };
}

test('a yield made with an id is resumed by that id from another transaction; the callback gets the payload and the deposit', (t) => {
  const node = setup();
  const y = node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS, deposit: 5n });
  const { id, receipt } = yieldReceipt(node, y);
  t.true(receipt.is_promise_yield);
  t.like(receipt.actions[0].FunctionCall, { method_name: 'on_resume_id', deposit: '5' });
  t.is(node.chain.receiptOutcome(id), undefined, 'the callback waits');
  t.is(node.call('test.near', ACCOUNT, 'resume_id', resumeArgs(YIELD_ID, 'hello')).value(), true);
  const done = node.getTransactionOutcome(y.hash);
  t.deepEqual(done.logs, ['resumed']);
  t.deepEqual(done.status, { SuccessValue: Buffer.from('hello').toString('base64') });
  // the callback ran: the id resumes nothing more, and is free for a new yield
  t.is(node.call('test.near', ACCOUNT, 'resume_id', resumeArgs(YIELD_ID, 'again')).value(), false);
  const again = node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS });
  t.not(yieldReceipt(node, again).id, id);
});

test('an id pending on this account gives u64::MAX: the contract sees the duplicate and no second yield is made', (t) => {
  const node = setup();
  node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS });
  const dup = node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS });
  t.is(dup.value(), 'duplicate');
  t.deepEqual(dup.receipts[0]!.outcome.receipt_ids.length, 1, 'only the gas refund');
  // another id is independent
  const other = new Uint8Array(32).fill(2);
  t.true(yieldReceipt(node, node.call('test.near', ACCOUNT, 'yield_id_start', other, { gas: 100n * TGAS })).receipt.is_promise_yield);
});

test('a yield and its resume in one call (PromiseYieldStatus, protocol 83+): the resume succeeds and the callback runs', (t) => {
  const node = setup();
  const r = node.call('test.near', ACCOUNT, 'yield_and_resume', YIELD_ID, { gas: 100n * TGAS });
  t.is(r.value(), true);
  node.produceBlocks(2);
  const callback = yieldReceipt(node, r).id;
  t.deepEqual(node.chain.receiptOutcome(callback)!.outcome.status, { SuccessValue: Buffer.from('true').toString('base64') });
});

test('timeout: 200 blocks later the callback runs with PromiseResult::Failed and the id is free again', (t) => {
  const node = setup();
  const y = node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS });
  const created = node.getBlock(y.receipts[0]!.block_hash).height;
  node.produceBlocks(Number(created + 201n - node.head.height));
  t.deepEqual(node.getTransactionOutcome(y.hash).logs, ['timed out']);
  t.is(node.call('test.near', ACCOUNT, 'resume_id', resumeArgs(YIELD_ID, 'late')).value(), false);
  t.true(yieldReceipt(node, node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS })).receipt.is_promise_yield);
});

test('trie records of a yield with an id, worked out by hand: created, resumed, then its timeout entry popped', (t) => {
  const node = setup();
  const rootBefore = bytesToHex(node.chain.state.stateRoot);
  const y = node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS });
  const { dataId } = yieldReceipt(node, y);
  const yieldIdHex = bytesToHex(YIELD_ID);
  const created = node.getBlock(y.receipts[0]!.block_hash).height;
  const expiresAt = created + 200n;

  // key = column ++ account ++ ',' (2c) ++ id; the queue's keys are the column alone and column ++ u64 le index
  const indicesKey = '0a';
  const timeoutKey = '0b' + u64(0n);
  const receiptKey = '0c' + accountHex + '2c' + dataId;
  const statusKey = '14' + accountHex + '2c' + dataId;
  const idToDataKey = '16' + accountHex + '2c' + yieldIdHex;
  const dataToIdKey = '17' + accountHex + '2c' + dataId;
  t.is(timeoutKey, '0b0000000000000000');
  t.is(idToDataKey, '16792e746573742e6e6561722c' + '01'.repeat(32));

  const records = yieldRecords(node);
  t.deepEqual(Object.keys(records).sort(), [indicesKey, timeoutKey, receiptKey, statusKey, idToDataKey, dataToIdKey].sort());
  // PromiseYieldIndices { first_index: 0, next_available_index: 1 }
  t.is(records[indicesKey], hashOf(u64(0n) + u64(1n)));
  // PromiseYieldTimeout { account_id: u32 length 11 ++ bytes, data_id, expires_at: u64 }
  t.is(records[timeoutKey], hashOf('0b000000' + accountHex + dataId + u64(expiresAt)));
  // PromiseYieldStatus::Yielded = 0; the id maps hold the other id
  t.is(records[statusKey], hashOf('00'));
  t.is(records[idToDataKey], hashOf(dataId));
  t.is(records[dataToIdKey], hashOf(yieldIdHex));
  t.not(bytesToHex(node.chain.state.stateRoot), rootBefore, 'the state root covers them');

  // resumed and run: receipt, status and maps are removed; the timeout entry stays until it expires
  node.call('test.near', ACCOUNT, 'resume_id', resumeArgs(YIELD_ID, 'hello'));
  t.deepEqual(node.getTransactionOutcome(y.hash).logs, ['resumed']);
  const afterResume = yieldRecords(node);
  t.deepEqual(Object.keys(afterResume).sort(), [indicesKey, timeoutKey]);
  t.is(afterResume[indicesKey], hashOf(u64(0n) + u64(1n)));

  // at expires_at the entry is popped (no resume: the yield is gone) and first_index moves on
  node.produceBlocks(Number(expiresAt - node.head.height));
  t.deepEqual(yieldRecords(node), { [indicesKey]: hashOf(u64(1n) + u64(1n)) });
});

test('a timeout after a resume in the same block is cancelled by ResumeInitiated (PromiseYieldStatus = 1 until the callback)', (t) => {
  const node = setup();
  const y = node.call('test.near', ACCOUNT, 'yield_id_start', YIELD_ID, { gas: 100n * TGAS });
  const { dataId } = yieldReceipt(node, y);
  const created = node.getBlock(y.receipts[0]!.block_hash).height;
  // reach the block before expiry, then resume in the expiry block: the status says a resume is in flight
  node.produceBlocks(Number(created + 199n - node.head.height));
  const statusKey = '14' + accountHex + '2c' + dataId;
  const r = node.call('test.near', ACCOUNT, 'resume_id', resumeArgs(YIELD_ID, 'just in time'));
  t.is(r.value(), true);
  t.deepEqual(node.getTransactionOutcome(y.hash).logs, ['resumed']);
  t.deepEqual(node.getTransactionOutcome(y.hash).status, { SuccessValue: Buffer.from('just in time').toString('base64') });
  t.false(statusKey in yieldRecords(node));
});

test('snapshot / restore brings a resumed yield back: its trie records and the state root are the snapshot\'s, and it resumes again', (t) => {
  const node = setup();
  const y = node.call('test.near', ACCOUNT, 'yield_id_detached', YIELD_ID, { gas: 100n * TGAS });
  t.is(y.value(), 'created');
  const snap = node.snapshot();
  const records = yieldRecords(node);
  const root = bytesToHex(node.chain.state.stateRoot);
  t.is(node.call('test.near', ACCOUNT, 'resume_id', resumeArgs(YIELD_ID, 'first')).value(), true);
  node.produceBlocks(1);
  t.notDeepEqual(yieldRecords(node), records);
  node.restore(snap);
  t.deepEqual(yieldRecords(node), records);
  t.is(bytesToHex(node.chain.state.stateRoot), root);
  t.is(node.call('test.near', ACCOUNT, 'resume_id', resumeArgs(YIELD_ID, 'second')).value(), true);
});

test('a store saved before the yield queue was kept by index is read into nearcore\'s queue and status', (t) => {
  const node = setup();
  const dataId = new Uint8Array(32).fill(5);
  const key = `${ACCOUNT}/${bytesToHex(dataId)}`;
  const timeout = { accountId: ACCOUNT, dataId, expiresAt: 500n };
  node.chain.restoreRuntime([
    [`yieldTimeout/${key}`, timeout],
    [`yieldResumeInitiated/${key}`, true],
  ]);
  const state = node.chain.state;
  t.deepEqual(state.promiseYieldIndices, { firstIndex: 0n, nextAvailableIndex: 1n });
  t.deepEqual(state.yieldTimeouts.get('0'), timeout);
  t.is(state.yieldStatus.get(key), 1);
  t.deepEqual(yieldRecords(node), {
    '0a': hashOf(u64(0n) + u64(1n)),
    '0b0000000000000000': hashOf('0b000000' + accountHex + bytesToHex(dataId) + u64(500n)),
    ['14' + accountHex + '2c' + bytesToHex(dataId)]: hashOf('01'),
  });
});

test('data ids come from one counter in creation order: a promise_then\'s dependency before a later yield (ext.rs generate_data_id)', (t) => {
  const node = setup();
  const r = node.call('test.near', ACCOUNT, 'then_and_yield', YIELD_ID, { gas: 100n * TGAS });
  const first = r.receipts[0]!;
  const height = node.getBlock(first.block_hash).height;
  const action = actionHash(hashFromString(first.id), height, 0);
  const [, then, yielded] = first.outcome.receipt_ids.map((id) => (node.getReceipt(id) as any).receipt.Action);
  t.deepEqual(then.input_data_ids.map(hashFromString), [deriveDataId(action, height, 0)]);
  t.true(yielded.is_promise_yield);
  t.deepEqual(yielded.input_data_ids.map(hashFromString), [deriveDataId(action, height, 1)]);
});

test('a yield resumed in the call that made it: from 83 a yield with its status; at 77 a plain receipt and data receipt, no timeout (receipt_manager.rs checked_resolve_promise_yield)', (t) => {
  for (const pv of [86, 77]) {
    const node = createSandbox({ protocolVersion: pv });
    node.createAccount(ACCOUNT);
    node.deployContract(ACCOUNT, onceWasm);
    const r = node.call('test.near', ACCOUNT, 'yield_and_resume_twice', undefined, { gas: 100n * TGAS });
    // at 86 both resumes succeed (the status stays until the callback runs); at 77 the first resolves the yield
    t.is(Buffer.from((r.status as { SuccessValue: string }).SuccessValue, 'base64').toString(), pv === 86 ? '11' : '10', `PV ${pv}`);
    const callbackId = r.receipts[0]!.outcome.receipt_ids[0]!;
    t.is((node.getReceipt(callbackId) as any).receipt.Action.is_promise_yield, pv === 86, `PV ${pv}`);
    node.produceBlocks(2);
    t.deepEqual(node.chain.receiptOutcome(callbackId)!.outcome.status, { SuccessValue: Buffer.from('hello').toString('base64') }, `PV ${pv}`);
    // a timeout was queued only for the yield (86); the 77 receipt never times out
    t.deepEqual(Object.keys(yieldRecords(node)).sort(), pv === 86 ? ['0a', '0b0000000000000000'] : [], `PV ${pv}`);
  }
});


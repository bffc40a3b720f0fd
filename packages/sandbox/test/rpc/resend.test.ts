/**
 * The same signed transaction sent again, answered as nearcore answers it. nearcore's client checks a resend
 * like any transaction (chain/client/src/rpc_handler.rs `process_tx_internal`): the validity period first
 * (chain/chain `check_transaction_validity_period`: Expired once the head is more than 100 blocks past the
 * transaction's block), then the stateless checks, then the state, where a landed transaction's nonce is taken;
 * only that InvalidNonce makes the RPC look the hash up (chain/jsonrpc/src/lib.rs `send_tx_internal` →
 * `tx_exists`) and answer as for an accepted transaction (`tx_status_fetch` at `wait_until`). A resend still in
 * the pool is a `Duplicate` there, accepted too. At `wait_until: NONE` and for `broadcast_tx_async` the RPC does
 * not wait for the client's answer (`send_tx_async`).
 */
import test from 'ava';
import { KeyPair } from '../../src/primitives/crypto.js';
import { NEAR, newAccountActions, signNext, signTransaction, withNode, type TestNode } from './helpers.js';

const ROOT = 'test.near';
const VALIDITY_PERIOD = 100;
const LEVELS = ['INCLUDED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'EXECUTED', 'FINAL'] as const;
const EXPIRED = { name: 'HANDLER_ERROR', cause: { name: 'INVALID_TRANSACTION' }, code: -32000, message: 'Server error', data: { TxExecutionError: { InvalidTxError: 'Expired' } } };

async function head(node: TestNode): Promise<{ height: number; hash: string }> {
  return (await node.rpc('block', { finality: 'optimistic' })).result.header;
}

/** A transfer of 1 yocto to `near`, signed against the head with the root key's next nonce. */
async function transfer(node: TestNode) {
  const key = (await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: node.rootKey.publicKeyString, finality: 'optimistic' })).result;
  const { height, hash } = await head(node);
  return { ...signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit: 1n }], keyPair: node.rootKey, nonce: BigInt(key.nonce) + 1n, blockHash: hash }), signedAt: height };
}

async function nearBalance(node: TestNode): Promise<bigint> {
  return BigInt((await node.rpc('query', { request_type: 'view_account', account_id: 'near', finality: 'optimistic' })).result.amount);
}

/** Blocks until the head is `height`. */
async function produceUntil(node: TestNode, height: number): Promise<void> {
  const count = height - (await head(node)).height;
  if (count > 0) await node.rpc('sandbox_produce_blocks', { count });
  if ((await head(node)).height !== height) throw new Error(`head is not at ${height}`);
}

/** Every way to send the bytes: send_tx at each level, broadcast_tx_commit, and the two that do not wait for the client. */
async function resendEveryWay(node: TestNode, base64: string) {
  const levels: Record<string, any> = {};
  for (const level of LEVELS) levels[level] = await node.rpc('send_tx', { signed_tx_base64: base64, wait_until: level });
  return {
    levels,
    commit: await node.rpc('broadcast_tx_commit', [base64]),
    none: await node.rpc('send_tx', { signed_tx_base64: base64, wait_until: 'NONE' }),
    async: await node.rpc('broadcast_tx_async', [base64]),
  };
}

test('a landed transaction sent again within its validity period (head exactly 100 blocks past its block) is answered with its outcome at every wait_until; nothing runs twice (lib.rs send_tx_internal: InvalidNonce → tx_exists → ValidTx)', async (t) => {
  const node = await withNode(t);
  const tx = await transfer(node);
  const first = (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result;
  t.deepEqual(first.status, { SuccessValue: '' });
  const balance = await nearBalance(node);
  await produceUntil(node, tx.signedAt + VALIDITY_PERIOD);

  const again = await resendEveryWay(node, tx.base64);
  for (const level of LEVELS) {
    const answer = again.levels[level];
    t.is(answer.error, undefined, `${level}: ${JSON.stringify(answer.error)}`);
    t.is(answer.result.final_execution_status, 'FINAL', level);
    t.deepEqual(answer.result.transaction_outcome, first.transaction_outcome, level);
    t.deepEqual(answer.result.receipts_outcome, first.receipts_outcome, level);
  }
  t.deepEqual(again.commit.result.transaction_outcome, first.transaction_outcome);
  t.deepEqual(again.none.result, { final_execution_status: 'NONE' });
  t.is(again.async.result, tx.hash);
  t.is(await nearBalance(node), balance, 'no second transfer');
});

test('a landed transaction sent again past its validity period (head 101 blocks past its block) is INVALID_TRANSACTION Expired, though the chain has its outcome (rpc_handler.rs process_tx_internal checks the validity period before anything else)', async (t) => {
  const node = await withNode(t);
  const tx = await transfer(node);
  const first = (await node.rpc('send_tx', { signed_tx_base64: tx.base64, wait_until: 'FINAL' })).result;
  const balance = await nearBalance(node);
  await produceUntil(node, tx.signedAt + VALIDITY_PERIOD + 1);

  const again = await resendEveryWay(node, tx.base64);
  for (const level of LEVELS) t.like(again.levels[level].error, EXPIRED, level);
  t.like(again.commit.error, EXPIRED);
  t.is(again.levels.FINAL.result, undefined);
  // the RPC does not wait for the client's refusal at NONE nor for broadcast_tx_async (lib.rs send_tx_async)
  t.deepEqual(again.none.result, { final_execution_status: 'NONE' });
  t.is(again.async.result, tx.hash);
  t.is(await nearBalance(node), balance, 'nothing ran again');
  const status = (await node.rpc('tx', { tx_hash: tx.hash, sender_account_id: ROOT, wait_until: 'FINAL' })).result;
  t.deepEqual(status.transaction_outcome, first.transaction_outcome, 'the landed transaction is still found by its hash');
});

test('a transaction sent again while it waits in the pool is accepted (pool insert_transaction: Duplicate → ValidTx) and answered with its one outcome', async (t) => {
  const node = await withNode(t);
  const tx = await transfer(node);
  const balance = await nearBalance(node);
  // one batch: the first copy is in the pool, not yet in a block, when the others arrive
  const { json } = await node.raw([
    { jsonrpc: '2.0', id: 1, method: 'broadcast_tx_async', params: [tx.base64] },
    { jsonrpc: '2.0', id: 2, method: 'send_tx', params: { signed_tx_base64: tx.base64, wait_until: 'NONE' } },
    { jsonrpc: '2.0', id: 3, method: 'send_tx', params: { signed_tx_base64: tx.base64, wait_until: 'EXECUTED_OPTIMISTIC' } },
    { jsonrpc: '2.0', id: 4, method: 'broadcast_tx_commit', params: [tx.base64] },
  ]);
  const byId = new Map<number, any>(json.map((r: { id: number }) => [r.id, r]));
  t.is(byId.get(1).result, tx.hash);
  t.deepEqual(byId.get(2).result, { final_execution_status: 'NONE' });
  for (const id of [3, 4]) {
    t.is(byId.get(id).error, undefined, JSON.stringify(byId.get(id).error));
    t.is(byId.get(id).result.transaction_outcome.id, tx.hash);
    t.deepEqual(byId.get(id).result.status, { SuccessValue: '' });
  }
  t.is(await nearBalance(node), balance + 1n, 'transferred once');
});

/** The transaction with its ed25519 signature altered (the signature closes the bytes): the same hash, a forged signature. */
function forged(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bytes.length - 1]! ^= 1;
  return bytes.toString('base64');
}

test('the validity period is checked before the signature: a forged signature on an expired transaction is Expired, on a recent one InvalidSignature (rpc_handler.rs process_tx_internal, before validate_tx)', async (t) => {
  const node = await withNode(t);
  const old = await transfer(node);
  await produceUntil(node, old.signedAt + VALIDITY_PERIOD + 1);
  t.like((await node.rpc('send_tx', { signed_tx_base64: forged(old.base64), wait_until: 'INCLUDED' })).error, EXPIRED);
  const recent = await transfer(node);
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: forged(recent.base64), wait_until: 'INCLUDED' })).error?.data, { TxExecutionError: { InvalidTxError: 'InvalidSignature' } });
});

test('send_tx at NONE answers NONE for a transaction the client refuses, and nothing runs (lib.rs send_tx: send_tx_async)', async (t) => {
  const node = await withNode(t);
  const key = (await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: node.rootKey.publicKeyString, finality: 'optimistic' })).result;
  const { hash } = await head(node);
  const stale = signTransaction({ signerId: ROOT, receiverId: 'near', actions: [{ type: 'Transfer', deposit: 1n }], keyPair: node.rootKey, nonce: BigInt(key.nonce), blockHash: hash });
  const balance = await nearBalance(node);
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: stale.base64, wait_until: 'NONE' })).result, { final_execution_status: 'NONE' });
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: stale.base64, wait_until: 'INCLUDED' })).error?.data, { TxExecutionError: { InvalidTxError: { InvalidNonce: { tx_nonce: Number(key.nonce), ak_nonce: Number(key.nonce) } } } });
  await node.rpc('sandbox_produce_blocks', { count: 1 });
  t.is(await nearBalance(node), balance);
  t.is((await node.rpc('tx', { tx_hash: stale.hash, sender_account_id: ROOT, wait_until: 'NONE' })).error?.cause?.name, 'UNKNOWN_TRANSACTION');
});

test('a landed transaction sent again after its key was deleted gets the refusal the state gives first, AccessKeyNotFound, not its outcome (runtime verifier.rs: the key is read before the nonce; only InvalidNonce leads to tx_exists)', async (t) => {
  const node = await withNode(t);
  const alice = 'alice.test.near';
  const key = KeyPair.fromLabel(alice);
  await node.rpc('send_tx', { signed_tx_base64: (await signNext(node, ROOT, alice, newAccountActions(key.publicKey, NEAR))).base64, wait_until: 'FINAL' });
  const sent = await signNext(node, alice, 'near', [{ type: 'Transfer', deposit: 1n }], key);
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: sent.base64, wait_until: 'FINAL' })).result.status, { SuccessValue: '' });
  const again = await node.rpc('send_tx', { signed_tx_base64: sent.base64, wait_until: 'FINAL' });
  t.is(again.result.transaction_outcome.id, sent.hash, 'while the key is there: its outcome');
  const deleteKey = await signNext(node, alice, alice, [{ type: 'DeleteKey', publicKey: key.publicKey }], key);
  t.deepEqual((await node.rpc('send_tx', { signed_tx_base64: deleteKey.base64, wait_until: 'FINAL' })).result.status, { SuccessValue: '' });
  const refused = await node.rpc('send_tx', { signed_tx_base64: sent.base64, wait_until: 'FINAL' });
  t.deepEqual(refused.error?.data, { TxExecutionError: { InvalidTxError: { InvalidAccessKeyError: { AccessKeyNotFound: { account_id: alice, public_key: key.publicKeyString } } } } });
});

/**
 * The relayer sends transactions over its own undici client (src/node-rpc.ts) instead of
 * near-api-js' JsonRpcProvider: for every send_tx answer the key pool tells apart, it must throw what
 * JsonRpcProvider throws for the same answer (the same class for a nonce or an expiry, a refusal for
 * every other invalid transaction, no refusal for a timeout), and retry what JsonRpcProvider retries.
 * A stub node answers nearcore's error shapes (chain/jsonrpc-primitives/src/errors.rs and
 * types/transactions.rs; core/primitives/src/errors.rs InvalidTxError).
 */
import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonRpcProvider } from 'near-api-js';
import { InvalidNonceError, InvalidTransactionError, TransactionExecutionError, TransactionExpiredError } from 'near-api-js/rpc-errors';
import { answeredAfterResend, answeredText, nodeRpc, stringifyWithOutcome } from '../src/node-rpc.js';
import { refusedByNode } from '../src/key-pool.js';

interface Stub {
  url: string;
  /** The JSON-RPC requests received. */
  received: { method: string; params: Record<string, unknown> }[];
}

/** A node that answers each request with the next of `answers` (HTTP status and JSON body), the last one repeated. */
async function stubNode(t: { teardown(fn: () => void): void }, answers: { status?: number; body: (id: string) => unknown; text?: (id: string) => string }[]): Promise<Stub> {
  const received: Stub['received'] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; method: string; params: Record<string, unknown> };
    received.push({ method: call.method, params: call.params });
    const answer = answers[Math.min(received.length - 1, answers.length - 1)];
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
    response.end(answer.text ? answer.text(call.id) : JSON.stringify(answer.body(call.id)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const handlerError = (cause: { name: string; info?: unknown }, data: unknown) => (id: string) => ({
  jsonrpc: '2.0',
  id,
  error: { name: 'HANDLER_ERROR', cause, code: -32000, message: 'Server error', data },
});
const invalidTransaction = (invalidTxError: unknown) => handlerError({ name: 'INVALID_TRANSACTION', info: {} }, { TxExecutionError: { InvalidTxError: invalidTxError } });

const SIGNED = 'AAAA';

/** What each client throws for one answer. */
async function bothThrow(t: { teardown(fn: () => void): void }, answer: (id: string) => unknown) {
  const stub = await stubNode(t, [{ body: answer }]);
  const rpc = nodeRpc(stub.url);
  t.teardown(() => rpc.close());
  const ours = await rpc.sendTx(SIGNED, 'INCLUDED').then(() => undefined, (error: unknown) => error);
  const theirs = await new JsonRpcProvider({ url: stub.url }, { retries: 1 }).sendJsonRpc('send_tx', { signed_tx_base64: SIGNED, wait_until: 'INCLUDED' }).then(() => undefined, (error: unknown) => error);
  return { ours, theirs };
}

test('send_tx refused for a nonce not above the key\'s: InvalidNonceError with both nonces, as JsonRpcProvider throws, and a refusal', async (t) => {
  const { ours, theirs } = await bothThrow(t, invalidTransaction({ InvalidNonce: { tx_nonce: 7, ak_nonce: 9 } }));
  t.true(theirs instanceof InvalidNonceError);
  t.true(ours instanceof InvalidNonceError, String(ours));
  t.is((ours as InvalidNonceError).accessKeyNonce, 9);
  t.is((ours as InvalidNonceError).transactionNonce, 7);
  t.is((ours as Error).message, (theirs as Error).message);
  t.true(refusedByNode(ours));
});

test('send_tx refused for an expired block hash: TransactionExpiredError, as JsonRpcProvider throws, and a refusal', async (t) => {
  const { ours, theirs } = await bothThrow(t, invalidTransaction('Expired'));
  t.true(theirs instanceof TransactionExpiredError);
  t.true(ours instanceof TransactionExpiredError, String(ours));
  t.true(refusedByNode(ours));
});

test('send_tx refused for any other invalid transaction: a TransactionExecutionError naming it (never a nonce or expiry error), a refusal as JsonRpcProvider\'s is', async (t) => {
  for (const invalid of [
    { NotEnoughBalance: { signer_id: 'relayer.test.near', balance: '1', cost: '2' } },
    'InvalidSignature',
    { ShardCongested: { shard_id: 0, congestion_level: 1 } },
    { InvalidAccessKeyError: { AccessKeyNotFound: { account_id: 'relayer.test.near', public_key: 'ed25519:11111111111111111111111111111111' } } },
  ]) {
    const { ours, theirs } = await bothThrow(t, invalidTransaction(invalid));
    t.true(refusedByNode(theirs), `near-api-js refuses ${JSON.stringify(invalid)}`);
    t.true(ours instanceof TransactionExecutionError, String(ours));
    t.false(ours instanceof InvalidNonceError || ours instanceof TransactionExpiredError);
    t.true(refusedByNode(ours));
    t.true((ours as Error).message.includes(JSON.stringify(invalid)), (ours as Error).message);
  }
});

test('send_tx refused as INVALID_TRANSACTION with no structured data: InvalidTransactionError, as JsonRpcProvider throws, and a refusal', async (t) => {
  const { ours, theirs } = await bothThrow(t, handlerError({ name: 'INVALID_TRANSACTION', info: {} }, 'invalid'));
  t.true(theirs instanceof InvalidTransactionError);
  t.true(ours instanceof InvalidTransactionError, String(ours));
  t.true(refusedByNode(ours));
});

test('send_tx that timed out or was routed elsewhere is no refusal (the node may have the transaction), as with JsonRpcProvider', async (t) => {
  for (const cause of [{ name: 'TIMEOUT_ERROR' }, { name: 'REQUEST_ROUTED', info: { transaction_hash: '11111111111111111111111111111111' } }]) {
    const { ours, theirs } = await bothThrow(t, handlerError(cause, 'Timeout'));
    t.false(refusedByNode(theirs));
    t.true(ours instanceof Error);
    t.false(refusedByNode(ours), String(ours));
    t.regex((ours as Error).message, new RegExp(`send_tx: HANDLER_ERROR: ${cause.name}`));
  }
});

test('send_tx answers the node\'s result, and posts the signed bytes and the wait level', async (t) => {
  const result = { final_execution_status: 'INCLUDED', transaction: { hash: 'abc' } };
  const stub = await stubNode(t, [{ body: (id) => ({ jsonrpc: '2.0', id, result }) }]);
  const rpc = nodeRpc(stub.url);
  t.teardown(() => rpc.close());
  t.deepEqual(await rpc.sendTx(SIGNED, 'INCLUDED'), result);
  t.deepEqual(stub.received, [{ method: 'send_tx', params: { signed_tx_base64: SIGNED, wait_until: 'INCLUDED' } }]);
});

test('send_tx answered HTTP 503 or 408 is posted again with the same bytes, as JsonRpcProvider does; HTTP 400 is not', async (t) => {
  const result = { final_execution_status: 'INCLUDED' };
  const retried = await stubNode(t, [{ status: 503, body: () => ({}) }, { status: 408, body: () => ({}) }, { body: (id) => ({ jsonrpc: '2.0', id, result }) }]);
  const rpc = nodeRpc(retried.url);
  t.teardown(() => rpc.close());
  t.deepEqual(await rpc.sendTx(SIGNED, 'INCLUDED'), result);
  t.is(retried.received.length, 3);
  t.true(retried.received.every((call) => call.params.signed_tx_base64 === SIGNED));

  const refused = await stubNode(t, [{ status: 400, body: () => ({ error: 'bad request' }) }]);
  const other = nodeRpc(refused.url);
  t.teardown(() => other.close());
  const error = await t.throwsAsync(other.sendTx(SIGNED, 'INCLUDED'));
  t.regex(error!.message, /send_tx: the node answered HTTP 400/);
  t.false(refusedByNode(error));
  t.is(refused.received.length, 1);
});

test('a node that never answers: the call fails after the timeout as no answer (a send then counts as sent), never as a refusal', async (t) => {
  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const rpc = nodeRpc(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, { timeoutMs: 200 });
  t.teardown(() => rpc.close());
  const started = performance.now();
  const error = await t.throwsAsync(rpc.sendTx(SIGNED, 'INCLUDED'));
  t.regex(error!.message, /send_tx: the node did not answer within 200 ms/);
  t.false(refusedByNode(error));
  t.true(performance.now() - started < 5_000);
});

// key-pool.ts "submitted once": a refusal of a copy posted again says nothing of the copy posted first,
// which a proxy may have passed to the node before it answered 503 or closed the connection.
test('a send_tx refusal after a resend (HTTP 503, then the same bytes again) is marked answeredAfterResend; a refusal of the only copy posted is not', async (t) => {
  const resent = await stubNode(t, [{ status: 503, body: () => ({}) }, { body: invalidTransaction('Expired') }]);
  const rpc = nodeRpc(resent.url);
  t.teardown(() => rpc.close());
  const afterResend = await t.throwsAsync(rpc.sendTx(SIGNED, 'INCLUDED'));
  t.true(afterResend instanceof TransactionExpiredError, String(afterResend));
  t.true(answeredAfterResend(afterResend));
  t.is(resent.received.length, 2);

  const clean = await stubNode(t, [{ body: invalidTransaction({ InvalidNonce: { tx_nonce: 7, ak_nonce: 9 } }) }]);
  const other = nodeRpc(clean.url);
  t.teardown(() => other.close());
  const refused = await t.throwsAsync(other.sendTx(SIGNED, 'INCLUDED'));
  t.true(refused instanceof InvalidNonceError, String(refused));
  t.false(answeredAfterResend(refused));
});

test('a send_tx whose kept connection is closed under it is posted again on a new one, and a refusal then is marked answeredAfterResend', async (t) => {
  const received: string[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; method: string };
    received.push(call.method);
    // The first send_tx is read, then its connection (kept from the `block` call before) is closed unanswered.
    if (call.method === 'send_tx' && received.filter((m) => m === 'send_tx').length === 1) return request.socket.destroy();
    response.writeHead(200, { 'content-type': 'application/json' });
    const answer = call.method === 'block' ? { jsonrpc: '2.0', id: call.id, result: { header: { height: 1, hash: '11111111111111111111111111111111', gas_price: '1' } } } : invalidTransaction('Expired')(call.id);
    response.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const rpc = nodeRpc(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.teardown(() => rpc.close());
  await rpc.block('final');
  const error = await t.throwsAsync(rpc.sendTx(SIGNED, 'INCLUDED'));
  t.deepEqual(received, ['block', 'send_tx', 'send_tx']);
  t.true(error instanceof TransactionExpiredError, String(error));
  t.true(answeredAfterResend(error));
});

test('txKnown asks `tx` at wait_until NONE: a result is known, UNKNOWN_TRANSACTION is not, any other error rejects (the node could not say)', async (t) => {
  const stub = await stubNode(t, [
    { body: (id) => ({ jsonrpc: '2.0', id, result: { final_execution_status: 'INCLUDED' } }) },
    { body: handlerError({ name: 'UNKNOWN_TRANSACTION', info: { requested_transaction_hash: 'abc' } }, 'Transaction abc doesn\'t exist') },
    { body: handlerError({ name: 'TIMEOUT_ERROR' }, 'Timeout') },
  ]);
  const rpc = nodeRpc(stub.url);
  t.teardown(() => rpc.close());
  t.true(await rpc.txKnown('abc', 'relayer.test.near'));
  t.false(await rpc.txKnown('abc', 'relayer.test.near'));
  await t.throwsAsync(rpc.txKnown('abc', 'relayer.test.near'), { message: /TIMEOUT_ERROR/ });
  t.deepEqual(stub.received[0], { method: 'tx', params: { tx_hash: 'abc', sender_account_id: 'relayer.test.near', wait_until: 'NONE' } });
});

test("a transaction's outcome keeps the node's own text (nearcore's member order and this repo's node's): a status spliced with it is the status stringified; an answer with other members keeps none", async (t) => {
  // The text as the node wrote it, not as JSON.stringify of the parsed object would write it again.
  const outcome = { status: { SuccessValue: '' }, receipts_outcome: [{ id: 'r1', outcome: { gas_burnt: 2428 } }], transaction: { hash: 'abc' } };
  const layouts = [(id: string) => ({ jsonrpc: '2.0', result: outcome, id }), (id: string) => ({ jsonrpc: '2.0', id, result: outcome }), (id: string) => ({ jsonrpc: '2.0', id, result: outcome, extra: 1 })];
  const stub = await stubNode(t, layouts.map((body) => ({ body })));
  const rpc = nodeRpc(stub.url);
  t.teardown(() => rpc.close());
  const status = { transactionHash: 'abc', state: 'final', succeeded: true };
  for (const kept of [true, true, false]) {
    const answered = await rpc.txStatus('abc', 'relayer.test.near');
    t.deepEqual(answered, outcome);
    t.is(answeredText(answered), kept ? JSON.stringify(outcome) : undefined);
    t.is(stringifyWithOutcome({ ...status, outcome: answered }), JSON.stringify({ ...status, outcome }));
  }
  t.is(stringifyWithOutcome({ outcome }), JSON.stringify({ outcome }));
  t.is(stringifyWithOutcome(status), JSON.stringify(status), 'no outcome: stringified as it is');
});

test('an answer that writes `result` twice keeps no text (JSON.parse keeps the last member): the status spliced with its outcome is still the status stringified', async (t) => {
  const outcome = { status: { SuccessValue: '' }, transaction: { hash: 'abc', note: 'a "}" in a string, and a \\ before it', tail: 'a backslash at the end \\' } };
  const twice = (id: string) => `{"jsonrpc":"2.0","result":{"status":"decoy"},"result":${JSON.stringify(outcome)},"id":${JSON.stringify(id)}}`;
  const once = (id: string) => `{"jsonrpc":"2.0","result":${JSON.stringify(outcome)},"id":${JSON.stringify(id)}}`;
  const stub = await stubNode(t, [{ body: () => null, text: twice }, { body: () => null, text: once }]);
  const rpc = nodeRpc(stub.url);
  t.teardown(() => rpc.close());
  const status = { transactionHash: 'abc', state: 'final', succeeded: true };
  for (const kept of [false, true]) {
    const answered = await rpc.txStatus('abc', 'relayer.test.near');
    t.deepEqual(answered, outcome);
    t.is(answeredText(answered), kept ? JSON.stringify(outcome) : undefined);
    t.deepEqual(JSON.parse(stringifyWithOutcome({ ...status, outcome: answered })), { ...status, outcome });
  }
});

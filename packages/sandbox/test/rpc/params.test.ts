/**
 * The request shapes params.ts accepts without zod (`fastAcceptedShapes`) are a sufficient condition only:
 * every input one of them accepts must be accepted by the `@near-js/jsonrpc-types` schema it stands for, and
 * parsing it must give what the zod path gives. Inputs are generated around the accepted shapes (right and
 * wrong types, unknown values, extra, missing and camelCase keys).
 */
import test from 'ava';
import fc from 'fast-check';
import * as schemas from '@near-js/jsonrpc-types';
import { fastAcceptedShapes, loadRequestSchemas, parseQueryParams, parseSendTxParams, parseTxStatusParams } from '../../src/rpc/params.js';
import { camelizeKeys } from '../../src/rpc/wire.js';

const value = fc.oneof(
  fc.constantFrom('final', 'optimistic', 'near-final', 'FINAL', 'INCLUDED', 'EXECUTED_OPTIMISTIC', 'NONE', 'bogus', 'view_access_key', 'view_account', 'call_function', 'view_code', 'view_access_key_list', 'view_state', 'alice.near', 'AQID', ''),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);
const key = fc.constantFrom(
  'signed_tx_base64', 'wait_until', 'tx_hash', 'sender_account_id', 'request_type', 'account_id', 'public_key', 'finality',
  'block_id', 'method_name', 'args_base64', 'prefix_base64', 'txHash', 'waitUntil', 'accountId', 'sync_checkpoint', 'extra', 'constructor', '__proto__',
);
const TEMPLATES: Record<string, unknown>[] = [
  { signed_tx_base64: 'AQID', wait_until: 'INCLUDED' },
  { tx_hash: '11111111111111111111111111111111', sender_account_id: 'alice.near', wait_until: 'EXECUTED_OPTIMISTIC' },
  { request_type: 'view_access_key', account_id: 'alice.near', public_key: 'ed25519:1', finality: 'optimistic' },
  { request_type: 'call_function', account_id: 'alice.near', method_name: 'm', args_base64: '', block_id: 5 },
  { request_type: 'view_account', account_id: 'alice.near', finality: 'final' },
];
/** A valid-looking template with keys removed, replaced and added. */
const params = fc
  .tuple(fc.constantFrom(...TEMPLATES), fc.array(key, { maxLength: 2 }), fc.dictionary(key, value, { maxKeys: 2 }))
  .map(([template, removed, changed]) => {
    const p: Record<string, unknown> = { ...template };
    for (const k of removed) delete p[k];
    for (const [k, v] of Object.entries(changed)) Object.defineProperty(p, k, { value: v, enumerable: true, writable: true, configurable: true });
    return p;
  });

const cases = [
  { name: 'send_tx', accepts: fastAcceptedShapes.acceptsSendTx, schema: schemas.RpcSendTransactionRequestSchema(), parse: parseSendTxParams },
  { name: 'tx', accepts: fastAcceptedShapes.acceptsTxStatus, schema: schemas.RpcTransactionStatusRequestSchema(), parse: parseTxStatusParams },
  { name: 'query', accepts: fastAcceptedShapes.acceptsQuery, schema: schemas.RpcQueryRequestSchema(), parse: parseQueryParams },
] as const;

for (const { name, accepts, schema, parse } of cases) {
  test(`${name}: every request shape accepted without zod is accepted by the jsonrpc-types schema`, async (t) => {
    await loadRequestSchemas();
    let accepted = 0;
    fc.assert(
      fc.property(params, (p) => {
        if (!accepts(p)) return true;
        accepted++;
        return schema.safeParse(camelizeKeys(p)).success;
      }),
      { numRuns: 20_000 },
    );
    t.true(accepted > 0, 'the generator reaches accepted shapes');
  });
}

test('the relayer\'s requests take the fast path and parse as before', async (t) => {
  await loadRequestSchemas();
  const tx = { tx_hash: '11111111111111111111111111111111', sender_account_id: 'relayer.test.near', wait_until: 'EXECUTED_OPTIMISTIC' };
  t.true(fastAcceptedShapes.acceptsTxStatus(tx));
  t.deepEqual(parseTxStatusParams(tx), { lookup: { kind: 'id', txHash: tx.tx_hash, senderAccountId: tx.sender_account_id }, waitUntil: 'EXECUTED_OPTIMISTIC' });
  const key = { request_type: 'view_access_key', account_id: 's1.test.near', public_key: 'ed25519:11111111111111111111111111111111', finality: 'optimistic' };
  t.true(fastAcceptedShapes.acceptsQuery(key));
  t.is(parseQueryParams(key).request.request_type, 'view_access_key');
  t.false(fastAcceptedShapes.acceptsQuery({ ...key, finality: 'latest' }));
  t.throws(() => parseQueryParams({ ...key, finality: 'latest' }), { message: /finality/ });
  t.false(fastAcceptedShapes.acceptsSendTx({ signed_tx_base64: 'AQID', wait_until: 'DONE' }));
  t.throws(() => parseSendTxParams({ signed_tx_base64: 'AQID', wait_until: 'DONE' }), { message: /wait_until/ });
});

test('legacy query data that is not base58: the bs58 crate\'s error text, as nearcore parse_bs58_data answers (chain/jsonrpc-primitives query.rs)', (t) => {
  const parseErrorText = (data: string) => {
    try {
      parseQueryParams(['call/alice.near/m', data]);
    } catch (e) {
      return String((e as { object?: { data?: unknown } }).object?.data);
    }
    return 'accepted';
  };
  t.is(parseErrorText('3mJr0'), "provided string contained invalid character '0' at byte 4");
  t.is(parseErrorText("ab'c"), "provided string contained invalid character '\\'' at byte 2");
  t.is(parseErrorText('aé1'), 'provided string contained non-ascii character starting at byte 1');
  t.is(parseErrorText('éaé0'), 'provided string contained non-ascii character starting at byte 0');
  t.is(parseErrorText('3mJr'), 'accepted');
});

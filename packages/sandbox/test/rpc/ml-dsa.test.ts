/**
 * ML-DSA-65 keys over JSON-RPC (NEP-645; near/nearcore core/crypto/src/signature.rs `PublicKeyHandle` Display):
 * a key added by AddKey is listed by `view_access_key_list` as `ml-dsa-65-hash:<base58 SHA3-256 handle>`,
 * `view_access_key` takes the full `ml-dsa-65:` key, a transaction signed with it goes through `send_tx`, and a
 * key of the wrong length is a parse error with nearcore's ParseKeyError::InvalidLength text.
 */
import test from 'ava';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { base58 } from '@scure/base';
import { KeyPair, KeyType } from '../../src/primitives/crypto.js';
import { NEAR, signNext, startTestNode } from './helpers.js';

const ROOT = 'test.near';

test('an ML-DSA-65 key over JSON-RPC: listed by its handle, viewed and used by its full key; a short key is a parse error', async (t) => {
  const node = await startTestNode();
  t.teardown(() => node.stop());
  const pq = KeyPair.random(KeyType.MLDSA65);
  const send = async (...args: Parameters<typeof signNext>) =>
    (await node.rpc('send_tx', { signed_tx_base64: (await signNext(...args)).base64, wait_until: 'EXECUTED_OPTIMISTIC' })).result;

  const added = await send(node, ROOT, ROOT, [{ type: 'AddKey', publicKey: pq.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } }]);
  t.deepEqual(added.status, { SuccessValue: '' });
  t.is(added.transaction.actions[0].AddKey.public_key, pq.publicKeyString, 'the transaction view shows the full key');

  const list = (await node.rpc('query', { request_type: 'view_access_key_list', account_id: ROOT, finality: 'optimistic' })).result;
  const domain = new TextEncoder().encode('near:ml-dsa-65-pubkey-hash:v1');
  const handle = 'ml-dsa-65-hash:' + base58.encode(sha3_256(new Uint8Array([...domain, ...pq.publicKey.data])));
  t.deepEqual(
    list.keys.map((k: any) => k.public_key),
    [node.rootKey.publicKeyString, handle],
    'trie order: tag 0 (ed25519) before tag 3 (ML-DSA-65 handle)',
  );

  const key = (await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: pq.publicKeyString, finality: 'optimistic' })).result;
  t.is(key.permission, 'FullAccess');

  const transfer = await send(node, ROOT, 'near', [{ type: 'Transfer', deposit: NEAR }], pq);
  t.deepEqual(transfer.status, { SuccessValue: '' });
  t.is(transfer.transaction.public_key, pq.publicKeyString);
  t.is(transfer.transaction.signature.slice(0, 'ml-dsa-65:'.length), 'ml-dsa-65:');
  t.is(BigInt(transfer.transaction_outcome.outcome.gas_burnt), 223_182_562_500n + 100_000_000_000n);

  const short = 'ml-dsa-65:' + base58.encode(pq.publicKey.data.subarray(0, 1951));
  const bad = await node.rpc('query', { request_type: 'view_access_key', account_id: ROOT, public_key: short, finality: 'optimistic' });
  t.like(bad.error, {
    name: 'REQUEST_VALIDATION_ERROR',
    code: -32_700,
    cause: { name: 'PARSE_ERROR', info: { error_message: 'Failed parsing args: invalid key length: expected the input of 1952 bytes, but 1951 was given' } },
  });
});

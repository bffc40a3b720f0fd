/**
 * nearcore's RPC refuses to decode a transaction whose ed25519 signature has a top 3 bit set in its last byte
 * (core/crypto/src/signature.rs `BorshDeserialize for Signature`: io::Error "signature error"; chain/jsonrpc
 * `decode_signed_transaction`: "Failed to decode transaction: {err}"), before the node sees it.
 */
import test from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import type { NodeClient } from '../../src/rpc/client.js';
import { startRpcServer } from '../../src/rpc/server.js';
import { KeyPair } from '../../src/primitives/crypto.js';
import { encodeTransaction, signedTransactionBytes } from '../../src/primitives/transaction.js';

test('send_tx with an ed25519 signature whose last byte has a top bit set: PARSE_ERROR "Failed to decode transaction: signature error"', async (t) => {
  const asked: string[] = [];
  const client = new Proxy({} as NodeClient, {
    get: (_t, method: string) => (method === 'then' ? undefined : async () => (asked.push(method), { method })),
  });
  const server = await startRpcServer({ client, port: 0 });
  t.teardown(() => server.close());
  const key = KeyPair.fromLabel('sender');
  const body = encodeTransaction({ signerId: 'a.near', publicKey: key.publicKey, nonce: 1n, receiverId: 'b.near', blockHash: new Uint8Array(32), actions: [{ type: 'Transfer', deposit: 1n }] });
  const signature = key.sign(sha256(body));
  const send = async (last: number) => {
    const data = Uint8Array.from(signature.data);
    data[63] = last;
    const signed = Buffer.from(signedTransactionBytes(body, { ...signature, data })).toString('base64');
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'send_tx', params: { signed_tx_base64: signed } }) });
    return (await res.json()) as { error?: { cause: { name: string }; data: string } };
  };
  for (const bit of [0x20, 0x40, 0x80]) {
    const refused = await send(signature.data[63]! | bit);
    t.is(refused.error?.cause.name, 'PARSE_ERROR');
    t.is(refused.error?.data, 'Failed to decode transaction: signature error');
  }
  t.deepEqual(asked, [], 'the node is never asked');
  t.is((await send(signature.data[63]!)).error, undefined, 'the signature as made decodes and reaches the node');
  t.true(asked.length > 0);
});

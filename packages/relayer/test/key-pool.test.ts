/**
 * The key pool's recovery from a send the node refuses, against a stub node (src/node-rpc.ts'
 * NodeRpc): what is signed again, with which nonce and block, and what is left as signed.
 */
import test from 'ava';
import { JsonRpcProvider, KeyPair, SignedTransaction, actions, type KeyPairString } from 'near-api-js';
import { TransactionExpiredError } from 'near-api-js/rpc-errors';
import { base58 } from '@scure/base';
import { derivePoolKey, openKeyPool } from '../src/key-pool.js';
import type { NodeRpc, SendTxAnswer } from '../src/node-rpc.js';

const RELAYER = 'relayer.test.near';

/**
 * A node whose final block moves one height per read, that refuses the sends `refuse` picks (by call index) as
 * Expired; a refusal is answered once `answerAfter` sends have arrived (default: at once).
 */
function stubNode(poolKeys: KeyPair[], refuse: (call: number) => boolean, answerAfter = 0) {
  let height = 1_000;
  const sent: { nonce: bigint; blockHash: string; receiverId: string }[] = [];
  const rpc: NodeRpc = {
    async block() {
      height++;
      return { header: { height, hash: base58.encode(new Uint8Array(32).fill(height % 256)), gas_price: '100000000' } };
    },
    async accessKey() {
      return { nonce: 10n, permission: 'FullAccess' };
    },
    async sendTx(signedTxBase64): Promise<SendTxAnswer> {
      const { transaction } = SignedTransaction.decode(Buffer.from(signedTxBase64, 'base64'));
      sent.push({ nonce: BigInt(transaction.nonce), blockHash: base58.encode(Uint8Array.from(transaction.blockHash)), receiverId: transaction.receiverId });
      if (refuse(sent.length - 1)) {
        while (sent.length < answerAfter) await new Promise((r) => setTimeout(r, 1));
        throw new TransactionExpiredError('', '');
      }
      return { final_execution_status: 'INCLUDED' };
    },
    async txStatus() {
      throw new Error('not asked here');
    },
    close() {},
  };
  // What openKeyPool asks near-api-js' provider at start: the account's keys (all there) and the validity period.
  const provider = {
    viewAccessKeyList: async () => ({ keys: poolKeys.map((pair) => ({ public_key: pair.getPublicKey().toString() })) }),
    sendJsonRpc: async () => ({ transaction_validity_period: 100 }),
  } as unknown as JsonRpcProvider;
  return { rpc, provider, sent };
}

test('a send the node refuses as expired is signed again with its own nonce and a newer block: the key\'s transactions waiting behind it keep theirs, none is signed again (nearcore InvalidTxError::Expired)', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => call === 0);
  const pool = await openKeyPool({ provider: node.provider, rpc: node.rpc, accountId: RELAYER, mainKey, size: 1, instance: 'test' });
  const list = { list: [actions.transfer(1n)] };
  const signed = [];
  for (const senderId of ['a.test.near', 'b.test.near', 'c.test.near']) signed.push(await pool.sign(senderId, list));
  t.deepEqual(signed.map((s) => BigInt(s.signedTransaction.transaction.nonce)), [11n, 12n, 13n]);
  const resigned: bigint[] = [];
  const results = await Promise.all(signed.map((s) => pool.send(s, list, { onResign: async (again) => void resigned.push(BigInt(again.signedTransaction.transaction.nonce)) })));
  t.deepEqual(
    node.sent.map((s) => [s.receiverId, s.nonce]),
    [
      ['a.test.near', 11n],
      ['a.test.near', 11n],
      ['b.test.near', 12n],
      ['c.test.near', 13n],
    ],
  );
  t.deepEqual(resigned, [11n], 'only the expired transaction is signed again');
  t.not(node.sent[1].blockHash, node.sent[0].blockHash, 'signed again with a newer block');
  t.not(results[0].sent.hash, signed[0].hash);
  t.deepEqual(
    results.slice(1).map((r) => r.sent.hash),
    signed.slice(1).map((s) => s.hash),
  );
});

test('with two transactions of a key in flight, one refused as expired after the next went out takes a new nonce: it never goes out below a nonce already sent, which could land first and leave it behind', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => call === 0, 2);
  const pool = await openKeyPool({ provider: node.provider, rpc: node.rpc, accountId: RELAYER, mainKey, size: 1, instance: 'test', depth: 2 });
  const list = { list: [actions.transfer(1n)] };
  const signed = [];
  for (const senderId of ['a.test.near', 'b.test.near']) signed.push(await pool.sign(senderId, list));
  await Promise.all(signed.map((s) => pool.send(s, list)));
  t.deepEqual(
    node.sent.map((s) => [s.receiverId, s.nonce]),
    [
      ['a.test.near', 11n],
      ['b.test.near', 12n],
      ['a.test.near', 13n],
    ],
  );
});

/** Test helpers: transactions built and signed by near-api-js 7.x and 5.x (the clients this node serves). */
import * as naj from 'near-api-js';
import { createRequire } from 'node:module';
import { sha256 } from '@noble/hashes/sha2.js';

const require = createRequire(import.meta.url);
/** near-api-js 5.1.1, the version near-workspaces 5.0.0 bundles. */
export const naj5 = require('near-workspaces/node_modules/near-api-js');
export { naj };

export const NEAR = 10n ** 24n;
export const TGAS = 10n ** 12n;

/** Signs with near-api-js 7.x: borsh SignedTransaction bytes. */
export function signWithNaj7(
  keyPair: naj.KeyPair,
  signerId: string,
  receiverId: string,
  nonce: bigint,
  actions: naj.Action[] | any[],
  blockHash: Uint8Array,
): Uint8Array {
  const tx = naj.createTransaction(signerId, keyPair.getPublicKey(), receiverId, nonce, actions, blockHash);
  const { signature } = keyPair.sign(sha256(naj.encodeTransaction(tx)));
  const keyType = keyPair.getPublicKey().keyType;
  return new naj.SignedTransaction({ transaction: tx, signature: new naj.Signature({ keyType, data: signature }) }).encode();
}

/** Signs with near-api-js 5.1.1 (what near-workspaces sends). */
export function signWithNaj5(
  secretKey: string,
  signerId: string,
  receiverId: string,
  nonce: bigint,
  actions: any[],
  blockHash: Uint8Array,
): Uint8Array {
  const t = naj5.transactions;
  const kp = naj5.KeyPair.fromString(secretKey);
  const tx = t.createTransaction(signerId, kp.getPublicKey(), receiverId, nonce, actions, blockHash);
  const { signature } = kp.sign(sha256(tx.encode()));
  return new t.SignedTransaction({ transaction: tx, signature: new t.Signature({ keyType: 0, data: signature }) }).encode();
}

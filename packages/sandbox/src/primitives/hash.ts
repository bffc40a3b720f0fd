/**
 * Id derivation (nearcore `core/primitives/src/utils.rs` `create_hash_upgradable`,
 * `create_receipt_id_from_transaction`, `create_receipt_id_from_receipt_id`, `create_action_hash`,
 * `create_data_id`, `create_random_seed`). From PV 77 (BlockHeightForReceiptId) every id is
 * sha256(base ‖ block_height u64 LE ‖ salt u64 LE); both protocol versions this node runs are ≥ 77.
 */
import { hash as nodeHash } from 'node:crypto';
import { base64 } from '@scure/base';
import base58 from 'bs58';

export type CryptoHash = Uint8Array;

/**
 * sha256 through OpenSSL (node:crypto), as a plain Uint8Array (not a Buffer, whose `slice` shares memory): the
 * node's one sha256. A JavaScript sha256 took ~13 µs on a 300-byte transaction, this ~3, and every transaction,
 * receipt id, action hash and block view hashes several times.
 */
export function sha256(bytes: Uint8Array): Uint8Array {
  const digest = nodeHash('sha256', bytes, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

const U64_MAX = (1n << 64n) - 1n;

export function hashUpgradable(base: CryptoHash, blockHeight: bigint, salt: bigint): CryptoHash {
  const buf = new Uint8Array(base.length + 16);
  buf.set(base, 0);
  const view = new DataView(buf.buffer);
  view.setBigUint64(base.length, blockHeight, true);
  view.setBigUint64(base.length + 8, salt, true);
  return sha256(buf);
}

export function receiptIdFromTransaction(txHash: CryptoHash, blockHeight: bigint): CryptoHash {
  return hashUpgradable(txHash, blockHeight, 0n);
}

/** Receipt #index of the parent's `new_receipts` (data receipts and refunds counted). */
export function receiptIdFromReceiptId(parentId: CryptoHash, blockHeight: bigint, index: number): CryptoHash {
  return hashUpgradable(parentId, blockHeight, BigInt(index));
}

/** The hash of action #k of a receipt: salt u64::MAX − k. */
export function actionHash(receiptId: CryptoHash, blockHeight: bigint, actionIndex: number): CryptoHash {
  return hashUpgradable(receiptId, blockHeight, U64_MAX - BigInt(actionIndex));
}

/** Data id #n generated during one action (`RuntimeExt::generate_data_id`). */
export function dataId(actionHashValue: CryptoHash, blockHeight: bigint, index: number): CryptoHash {
  return hashUpgradable(actionHashValue, blockHeight, BigInt(index));
}

/** `create_random_seed`: sha256(action_hash ‖ block random value). */
export function randomSeed(actionHashValue: CryptoHash, blockRandomValue: Uint8Array): Uint8Array {
  const buf = new Uint8Array(actionHashValue.length + blockRandomValue.length);
  buf.set(actionHashValue);
  buf.set(blockRandomValue, actionHashValue.length);
  return sha256(buf);
}

// Ids are stringified many times (outcomes, indexes, views); base58 is quadratic, so memoize per array.
const base58Cache = new WeakMap<CryptoHash, string>();
export function hashToString(h: CryptoHash): string {
  let s = base58Cache.get(h);
  if (s === undefined) {
    s = base58.encode(h);
    base58Cache.set(h, s);
  }
  return s;
}

export function hashFromString(text: string): CryptoHash {
  const bytes = base58.decode(text);
  if (bytes.length !== 32) throw new Error(`${JSON.stringify(text)} is not a 32-byte base58 hash`);
  return bytes;
}

/**
 * RFC 4648 base64 with padding, as @scure/base writes it, through Node's Buffer: @scure/base's generic radix
 * conversion took ~70 ms for a 410 KB contract, which every deploy writes twice (its state change and the store).
 * Decoding stays strict (@scure/base refuses what is not base64; Buffer would skip it).
 */
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
export const fromBase64 = (text: string): Uint8Array => base64.decode(text);

/** sha256 of nothing-at-all is not used for "no code": nearcore uses the all-zero hash. */
export const EMPTY_HASH: CryptoHash = new Uint8Array(32);

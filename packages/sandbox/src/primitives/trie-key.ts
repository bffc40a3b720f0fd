/**
 * nearcore `TrieKey` (core/primitives/src/trie_key.rs) as nibble paths: the hex of the key bytes
 * `col::X ++ account_id [++ separator ++ rest]`. Contract data is
 * `CONTRACT_DATA ++ account_id ++ ',' ++ key`; an access key uses `ACCESS_KEY` itself as separator,
 * followed by the borsh public key. The yield timeout queue is `PROMISE_YIELD_INDICES` alone and
 * `PROMISE_YIELD_TIMEOUT ++ u64 le index`; the yield status and the yield-id maps (columns 20, 22, 23) are laid
 * out as received data is.
 */
import { bytesToHex } from '@noble/hashes/utils.js';

/** nearcore `trie_key::col` (one byte each, so two nibbles). */
export const col = {
  ACCOUNT: '00',
  CONTRACT_CODE: '01',
  ACCESS_KEY: '02',
  RECEIVED_DATA: '03',
  POSTPONED_RECEIPT_ID: '04',
  PENDING_DATA_COUNT: '05',
  POSTPONED_RECEIPT: '06',
  DELAYED_RECEIPT_OR_INDICES: '07',
  CONTRACT_DATA: '09',
  PROMISE_YIELD_INDICES: '0a',
  PROMISE_YIELD_TIMEOUT: '0b',
  PROMISE_YIELD_RECEIPT: '0c',
  GLOBAL_CONTRACT_CODE: '12',
  PROMISE_YIELD_STATUS: '14',
  YIELD_ID_TO_DATA_ID: '16',
  DATA_ID_TO_YIELD_ID: '17',
} as const;

/** `ACCOUNT_DATA_SEPARATOR` (b','). */
const SEPARATOR = '2c';

const idHex = (accountId: string): string => Buffer.from(accountId, 'latin1').toString('hex');

/** A queue index as nearcore appends it to the column byte (`u64::to_le_bytes`). */
const indexHex = (index: bigint): string => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(index);
  return b.toString('hex');
};

export const trieKey = {
  account: (accountId: string) => col.ACCOUNT + idHex(accountId),
  contractCode: (accountId: string) => col.CONTRACT_CODE + idHex(accountId),
  accessKey: (accountId: string, publicKeyBorsh: Uint8Array) => col.ACCESS_KEY + idHex(accountId) + col.ACCESS_KEY + bytesToHex(publicKeyBorsh),
  /**
   * `TrieKey::GasKeyNonce` (GasKeys, PV 85): the gas key's access-key trie key followed by the nonce index as
   * u16 little-endian; the value is the u64 nonce. It shares the ACCESS_KEY column with the key itself.
   */
  gasKeyNonce: (accountId: string, publicKeyBorsh: Uint8Array, index: number) =>
    col.ACCESS_KEY + idHex(accountId) + col.ACCESS_KEY + bytesToHex(publicKeyBorsh) + bytesToHex(Uint8Array.of(index & 0xff, index >> 8)),
  /** `keyHex`: the contract's key bytes in hex. */
  contractData: (accountId: string, keyHex: string) => col.CONTRACT_DATA + idHex(accountId) + SEPARATOR + keyHex,
  /** Prefix of every contract-data key of one account. */
  contractDataPrefix: (accountId: string) => col.CONTRACT_DATA + idHex(accountId) + SEPARATOR,
  receivedData: (receiverId: string, dataIdHex: string) => col.RECEIVED_DATA + idHex(receiverId) + SEPARATOR + dataIdHex,
  postponedReceiptId: (receiverId: string, dataIdHex: string) => col.POSTPONED_RECEIPT_ID + idHex(receiverId) + SEPARATOR + dataIdHex,
  pendingDataCount: (receiverId: string, receiptIdHex: string) => col.PENDING_DATA_COUNT + idHex(receiverId) + SEPARATOR + receiptIdHex,
  postponedReceipt: (receiverId: string, receiptIdHex: string) => col.POSTPONED_RECEIPT + idHex(receiverId) + SEPARATOR + receiptIdHex,
  promiseYieldReceipt: (receiverId: string, dataIdHex: string) => col.PROMISE_YIELD_RECEIPT + idHex(receiverId) + SEPARATOR + dataIdHex,
  /** `PromiseYieldIndices`: the column byte alone (one per shard). */
  promiseYieldIndices: () => col.PROMISE_YIELD_INDICES,
  /** `PromiseYieldTimeout { index }`: the column byte, then the index as u64 little-endian. */
  promiseYieldTimeout: (index: bigint) => col.PROMISE_YIELD_TIMEOUT + indexHex(index),
  promiseYieldStatus: (receiverId: string, dataIdHex: string) => col.PROMISE_YIELD_STATUS + idHex(receiverId) + SEPARATOR + dataIdHex,
  yieldIdToDataId: (receiverId: string, yieldIdHex: string) => col.YIELD_ID_TO_DATA_ID + idHex(receiverId) + SEPARATOR + yieldIdHex,
  dataIdToYieldId: (receiverId: string, dataIdHex: string) => col.DATA_ID_TO_YIELD_ID + idHex(receiverId) + SEPARATOR + dataIdHex,
  /**
   * `GlobalContractCode`: the column, then borsh `GlobalContractCodeIdentifier` (CodeHash = 0 ++ hash,
   * AccountId = 1 ++ u32 length ++ id), from the state's `hash:<hex>` / `account:<id>` map key.
   */
  globalContractCode: (key: string): string => {
    if (key.startsWith('hash:')) return col.GLOBAL_CONTRACT_CODE + '00' + key.slice(5);
    const id = key.slice('account:'.length);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(Buffer.byteLength(id));
    return col.GLOBAL_CONTRACT_CODE + '01' + len.toString('hex') + idHex(id);
  },
} as const;

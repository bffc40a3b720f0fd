/**
 * Gas-key fees (nearcore core/parameters/src/cost.rs: `gas_key_transfer_send_fee`, `gas_key_transfer_exec_fee`,
 * `gas_key_add_key_send_fee`, `gas_key_add_key_exec_fee`; core/primitives-core/src/trie_key.rs
 * `access_key_key_len`). Shared by the VM's host functions and the runtime's transaction costs, so both charge
 * the same formula. Each fee is split as nearcore splits it: a base part and a per-byte part, which the VM
 * profiles under `GAS_KEY_TRANSFER_BASE` / `GAS_KEY_NONCE_WRITE_BASE` and `GAS_KEY_BYTE`.
 */
import { sendFee as send } from './index.js';
import type { RuntimeConfig } from './types.js';

/** Protocol feature GasKeys (core/primitives-core/src/version.rs): gas keys, their actions and TransactionV1. */
export const gasKeysEnabled = (config: RuntimeConfig): boolean => config.protocolVersion >= 85;

/** Largest `num_nonces` of a gas key (`AccessKeyPermission::MAX_NONCES_FOR_GAS_KEY`). */
export const MAX_NONCES_FOR_GAS_KEY = 1024;

/** `AccessKey::min_gas_key_borsh_len()`: nonce u64 + permission tag + GasKeyInfo (u128 + u16) = 27 bytes. */
const MIN_GAS_KEY_ACCESS_KEY_BORSH_LEN = 27n;
/** `GasKeyInfo::borsh_len()`: what a gas-key permission adds to the AddKey action sent. */
const GAS_KEY_INFO_BORSH_LEN = 18n;
/** A gas-key nonce row: key = access key's trie key + u16 index, value = u64 (`AccessKey::NONCE_VALUE_LEN`). */
const NONCE_INDEX_LEN = 2n;
const NONCE_VALUE_LEN = 8n;

export interface SplitFee {
  base: bigint;
  perByte: bigint;
}

/** `access_key_key_len`: column byte + account id + separator byte + public key. */
export const accessKeyTrieKeyLength = (accountIdLength: number, publicKeyLength: number): bigint =>
  1n + BigInt(accountIdLength) + 1n + BigInt(publicKeyLength);

/** TransferToGasKey / WithdrawFromGasKey send fee: the public key makes the receipt larger. */
export function gasKeyTransferSendFee(config: RuntimeConfig, sir: boolean, publicKeyLength: number): SplitFee {
  const f = config.actionFees;
  return { base: send(f.gasKeyTransferBase, sir), perByte: send(f.gasKeyByte, sir) * BigInt(publicKeyLength) };
}

/** Exec fee: the receiver reads and writes the access key (its trie key plus an estimated value length). */
export function gasKeyTransferExecFee(config: RuntimeConfig, accountIdLength: number, publicKeyLength: number): SplitFee {
  const f = config.actionFees;
  const bytes = accessKeyTrieKeyLength(accountIdLength, publicKeyLength) + MIN_GAS_KEY_ACCESS_KEY_BORSH_LEN;
  return { base: f.gasKeyTransferBase.execution, perByte: f.gasKeyByte.execution * bytes };
}

/** What a gas-key permission adds to AddKey's send fee (on top of the full-access / function-call key fee). */
export function gasKeyAddKeySendFee(config: RuntimeConfig, sir: boolean): bigint {
  return send(config.actionFees.gasKeyByte, sir) * GAS_KEY_INFO_BORSH_LEN;
}

/** What a gas-key permission adds to AddKey's exec fee: one nonce row written per nonce. */
export function gasKeyAddKeyExecFee(config: RuntimeConfig, accountIdLength: number, publicKeyLength: number, numNonces: number): SplitFee {
  const f = config.actionFees;
  const n = BigInt(numNonces);
  const rowBytes = accessKeyTrieKeyLength(accountIdLength, publicKeyLength) + NONCE_INDEX_LEN + NONCE_VALUE_LEN;
  return { base: f.gasKeyNonceWriteBase.execution * n, perByte: f.gasKeyByte.execution * rowBytes * n };
}

/**
 * Storage a gas key uses (runtime/runtime/src/gas_keys.rs `gas_key_storage_cost`): its access-key record plus,
 * per nonce, the public key and index of the row's key, the u64 value and `num_extra_bytes_record`. nearcore
 * leaves the account id and the two prefix bytes of each row's key out of the count, and so does this node.
 */
export function gasKeyNoncesStorageUsage(config: RuntimeConfig, publicKeyLength: number, numNonces: number): bigint {
  return BigInt(numNonces) * (BigInt(publicKeyLength) + NONCE_INDEX_LEN + NONCE_VALUE_LEN + config.storageNumExtraBytesRecord);
}

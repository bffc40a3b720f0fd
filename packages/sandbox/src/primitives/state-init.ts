/**
 * NEP-616 deterministic account state (nearcore `core/primitives-core/src/deterministic_account_id.rs`
 * `DeterministicAccountStateInit`, `core/primitives/src/utils.rs` `derive_near_deterministic_account_id`).
 *
 * A state init names a global contract and the account's first data entries; the account id is a hash of
 * its borsh encoding, so whoever knows the state init knows the account, and nobody holds a key to it.
 */
import { serialize, type Schema } from 'borsh';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { AccountId } from './account-id.js';

export type GlobalContractIdentifier = { type: 'CodeHash'; hash: Uint8Array } | { type: 'AccountId'; accountId: AccountId };

/**
 * `DeterministicAccountStateInit::V1`. `data` is nearcore's `BTreeMap<Vec<u8>, Vec<u8>>`: keys unique and in
 * bytewise order (build it with `stateInitData`).
 */
export interface StateInit {
  code: GlobalContractIdentifier;
  data: Array<[Uint8Array, Uint8Array]>;
}

/** borsh `GlobalContractIdentifier`: 0 ‖ 32-byte hash, or 1 ‖ string. */
export const GLOBAL_CONTRACT_IDENTIFIER: Schema = { enum: [{ struct: { codeHash: { array: { type: 'u8', len: 32 } } } }, { struct: { accountId: 'string' } }] };

const u8s = { array: { type: 'u8' } } as const;
/** borsh `DeterministicAccountStateInit` (enum with the single variant V1 = 0; the map is u32 count ‖ key ‖ value …). */
export const STATE_INIT: Schema = {
  enum: [{ struct: { v1: { struct: { code: GLOBAL_CONTRACT_IDENTIFIER, data: { map: { key: u8s, value: u8s } } } } } }],
};

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Entries as nearcore's BTreeMap holds them: sorted bytewise; of two equal keys the later one wins (what
 * `BTreeMap::from_iter` keeps when borsh decodes a map without `de_strict_order`).
 */
export function stateInitData(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Array<[Uint8Array, Uint8Array]> {
  const byKey = new Map<string, [Uint8Array, Uint8Array]>();
  for (const [k, v] of entries) byKey.set(bytesToHex(k), [Uint8Array.from(k), Uint8Array.from(v)]);
  return [...byKey.values()].sort((a, b) => compareBytes(a[0], b[0]));
}

export const globalContractIdentifierToRaw = (id: GlobalContractIdentifier) =>
  id.type === 'CodeHash' ? { codeHash: id.hash } : { accountId: id.accountId };

export function globalContractIdentifierFromRaw(raw: { codeHash?: ArrayLike<number>; accountId?: string }): GlobalContractIdentifier {
  return raw.codeHash ? { type: 'CodeHash', hash: Uint8Array.from(raw.codeHash) } : { type: 'AccountId', accountId: raw.accountId! };
}

export function stateInitToRaw(si: StateInit): { v1: { code: object; data: Map<Uint8Array, Uint8Array> } } {
  return { v1: { code: globalContractIdentifierToRaw(si.code), data: new Map(si.data) } };
}

/** The state init of borsh-decoded bytes, canonical, and whether the bytes were not (unsorted or repeated keys). */
export function stateInitFromRaw(raw: { v1: { code: object; data: Map<ArrayLike<number>, ArrayLike<number>> } }): { stateInit: StateInit; canonical: boolean; droppedBytes: number } {
  const received = [...raw.v1.data].map(([k, v]) => [Uint8Array.from(k), Uint8Array.from(v)] as [Uint8Array, Uint8Array]);
  const data = stateInitData(received);
  const canonical = data.length === received.length && received.every(([k], i) => compareBytes(k, data[i]![0]) === 0);
  const entryBytes = (es: Array<[Uint8Array, Uint8Array]>) => es.reduce((n, [k, v]) => n + 8 + k.length + v.length, 0);
  return { stateInit: { code: globalContractIdentifierFromRaw(raw.v1.code), data }, canonical, droppedBytes: entryBytes(received) - entryBytes(data) };
}

export function encodeStateInit(si: StateInit): Uint8Array {
  return serialize(STATE_INIT, stateInitToRaw(si), false);
}

/** borsh length: V1 tag, identifier tag and body, u32 count, then u32-prefixed key and value per entry. */
export function stateInitBorshLength(si: StateInit): number {
  const code = si.code.type === 'CodeHash' ? 1 + 32 : 1 + 4 + Buffer.byteLength(si.code.accountId, 'utf8');
  return 1 + code + 4 + si.data.reduce((n, [k, v]) => n + 8 + k.length + v.length, 0);
}

/** `DeterministicAccountStateInit::len_bytes`: the data bytes the per-byte state-init fee is charged on. */
export const stateInitDataBytes = (si: StateInit): bigint => si.data.reduce((n, [k, v]) => n + BigInt(k.length + v.length), 0n);

/** nearcore `derive_near_deterministic_account_id`: `0s` ‖ hex(keccak256(borsh(state_init))[12..32]). */
export function deterministicAccountId(si: StateInit): AccountId {
  return '0s' + bytesToHex(keccak_256(encodeStateInit(si)).subarray(12));
}

/**
 * Account ids (near/near-account-id-rs `src/validation.rs`, `src/account_id_ref.rs`; nearcore
 * `core/primitives/src/utils.rs` for implicit-id derivation).
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export type AccountId = string;

export const MIN_ACCOUNT_ID_LEN = 2;
export const MAX_ACCOUNT_ID_LEN = 64;
/** Refund receipts come from this reserved id (nearcore `AccountId::system`). */
export const SYSTEM_ACCOUNT_ID = 'system';

export type AccountIdErrorKind = 'TooShort' | 'TooLong' | 'InvalidChar' | 'RedundantSeparator';

export class InvalidAccountIdError extends Error {
  readonly kind: AccountIdErrorKind;
  readonly accountId: string;
  constructor(accountId: string, kind: AccountIdErrorKind) {
    super(
      `invalid account id ${JSON.stringify(accountId)} (${kind}): use 2-64 characters from a-z, 0-9 and ` +
        `the separators - _ . with no leading, trailing or doubled separator`,
    );
    this.name = 'InvalidAccountIdError';
    this.kind = kind;
    this.accountId = accountId;
  }
}

/**
 * Why an id is invalid, as near-account-id's `validate` reports it (`ParseAccountError`): the kind and, except for
 * a length error, the character it stopped at, counted in characters (`chars().enumerate()`). The length limits
 * count UTF-8 bytes (`str::len`), so `é` alone is an invalid character, not too short.
 */
export interface AccountIdFault {
  kind: AccountIdErrorKind;
  at: { index: number; char: string } | null;
}

export function accountIdFault(id: string): AccountIdFault | null {
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes < MIN_ACCOUNT_ID_LEN) return { kind: 'TooShort', at: null };
  if (bytes > MAX_ACCOUNT_ID_LEN) return { kind: 'TooLong', at: null };
  let lastWasSeparator = true; // a leading separator is redundant
  let index = -1;
  let char = '';
  for (const c of id) {
    index++;
    char = c;
    const code = c.codePointAt(0)!;
    const isSeparator = code === 0x2d /* - */ || code === 0x5f /* _ */ || code === 0x2e; /* . */
    const isAlnum = (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
    if (!isSeparator && !isAlnum) return { kind: 'InvalidChar', at: { index, char } };
    if (isSeparator && lastWasSeparator) return { kind: 'RedundantSeparator', at: { index, char } };
    lastWasSeparator = isSeparator;
  }
  return lastWasSeparator ? { kind: 'RedundantSeparator', at: { index, char } } : null;
}

/** Returns the reason an id is invalid, or null (near-account-id `validate`). */
export function accountIdError(id: string): AccountIdErrorKind | null {
  return accountIdFault(id)?.kind ?? null;
}

/** near-account-id `impl Display for ParseErrorKind`. */
const FAULT_TEXT: Record<AccountIdErrorKind, string> = {
  TooLong: 'the Account ID is too long',
  TooShort: 'the Account ID is too short',
  RedundantSeparator: 'the Account ID has a redundant separator',
  InvalidChar: 'the Account ID contains an invalid character',
};

/**
 * Rust's `{:?}` of a char (core `char::escape_debug_ext`): these escapes, and `\u{hex}` for grapheme extenders and
 * what Rust does not print (categories Cc Cf Cs Co Cn Zl Zp, and Zs but the space).
 */
const CHAR_ESCAPES: Record<string, string> = { '\0': '\\0', '\t': '\\t', '\r': '\\r', '\n': '\\n', "'": "\\'", '\\': '\\\\' };
const NOT_PRINTED = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}\p{Grapheme_Extend}]/u;
export function rustCharDebug(c: string): string {
  const escaped = CHAR_ESCAPES[c] ?? (c !== ' ' && NOT_PRINTED.test(c) ? `\\u{${c.codePointAt(0)!.toString(16)}}` : c);
  return `'${escaped}'`;
}

/**
 * The text nearcore's decoder gives for an invalid id (near-account-id `BorshDeserialize for AccountId`:
 * `invalid value: "<id>", <ParseAccountError>`), e.g. `invalid value: "Bob.near", the Account ID contains an
 * invalid character 'B' at index 0`.
 */
export function accountIdDecodeRefusal(id: string, fault: AccountIdFault): string {
  const at = fault.at ? ` ${rustCharDebug(fault.at.char)} at index ${fault.at.index}` : '';
  return `invalid value: "${id}", ${FAULT_TEXT[fault.kind]}${at}`;
}

export function isValidAccountId(id: string): boolean {
  return accountIdError(id) === null;
}

export function assertValidAccountId(id: string): AccountId {
  const kind = accountIdError(id);
  if (kind) throw new InvalidAccountIdError(id, kind);
  return id;
}

/** `is_top_level`: no dot, and not the reserved `system`. */
export function isTopLevelAccountId(id: AccountId): boolean {
  return id !== SYSTEM_ACCOUNT_ID && !id.includes('.');
}

/** `is_sub_account_of`: `x.parent` with no further dot in `x` (direct children only). */
export function isSubAccountOf(id: AccountId, parent: AccountId): boolean {
  if (!id.endsWith('.' + parent)) return false;
  const prefix = id.slice(0, id.length - parent.length - 1);
  return prefix.length > 0 && !prefix.includes('.');
}

const HEX_LOWER = /^[0-9a-f]+$/;

/** NEAR-implicit: 64 lowercase hex characters (the hex of an ed25519 public key). */
export function isNearImplicitAccountId(id: AccountId): boolean {
  return id.length === 64 && HEX_LOWER.test(id);
}

/** ETH-implicit (PV >= 70, EthImplicitAccounts): `0x` + 40 lowercase hex characters. */
export function isEthImplicitAccountId(id: AccountId): boolean {
  return id.length === 42 && id.startsWith('0x') && HEX_LOWER.test(id.slice(2));
}

/** NEP-616 deterministic: `0s` + 40 lowercase hex characters (see `deterministicAccountId` in state-init.ts). */
export function isDeterministicAccountId(id: AccountId): boolean {
  return id.length === 42 && id.startsWith('0s') && HEX_LOWER.test(id.slice(2));
}

export type AccountType = 'NamedAccount' | 'NearImplicitAccount' | 'EthImplicitAccount' | 'NearDeterministicAccount';

/**
 * near-account-id `get_account_type`. `0s` ids are a kind of their own only where DeterministicAccountIds
 * (PV 82) is on; before that (neard 2.6.2 at 77) they are named accounts.
 */
export function accountType(id: AccountId, deterministicAccountIds = true): AccountType {
  if (isNearImplicitAccountId(id)) return 'NearImplicitAccount';
  if (isEthImplicitAccountId(id)) return 'EthImplicitAccount';
  if (deterministicAccountIds && isDeterministicAccountId(id)) return 'NearDeterministicAccount';
  return 'NamedAccount';
}

/** nearcore `derive_near_implicit_account_id`: hex of the 32-byte ed25519 key. */
export function nearImplicitAccountId(ed25519PublicKey: Uint8Array): AccountId {
  return bytesToHex(ed25519PublicKey);
}

/** nearcore `derive_eth_implicit_account_id`: `0x` + last 20 bytes of keccak256(64-byte secp256k1 key). */
export function ethImplicitAccountId(secp256k1PublicKey: Uint8Array): AccountId {
  return '0x' + bytesToHex(keccak_256(secp256k1PublicKey).slice(12));
}

/**
 * The wire types of the real signer, parsed with its rules (near/mpc 3.14.1):
 * - `SignRequestArgs` with its compat layer (`crates/near-mpc-crypto-types/src/sign.rs`,
 *   `SignRequestArgsCompat`): current `payload_v2` + `domain_id`, legacy `payload` (32 integers,
 *   always ECDSA) + `key_version`, either pair may mix, but not both members of one pair;
 * - `Payload` (`primitives.rs`): `{"Ecdsa": hex of 32 bytes}` or `{"Eddsa": hex of at most 1232
 *   bytes}` (shorter than 32 bytes allowed since 3.14.0, near/mpc #3876);
 * - `SignatureRequest` (`sign.rs`): `{tweak: [32 integers], payload, domain_id}`, what `sign` stores
 *   and what `respond` and `get_pending_request` take;
 * - `SignatureResponse` (`primitives.rs`, serde tag `scheme`).
 * A value the real contract's serde would refuse fails with near-sdk-rs's "Failed to deserialize
 * input from JSON." message (errors.ts, `badInput`).
 */
import { badInput } from './errors';
import { deriveTweak } from './derivation';

export const ECDSA_PAYLOAD_BYTES = 32;
export const EDDSA_PAYLOAD_MAX_BYTES = 1232;

export type Payload = { Ecdsa: string } | { Eddsa: string };

export interface SignatureRequest {
  tweak: number[];
  payload: Payload;
  domain_id: number;
}

export type SignatureResponse =
  | { scheme: 'Secp256k1'; big_r: { affine_point: string }; s: { scalar: string }; recovery_id: number }
  | { scheme: 'Ed25519'; signature: number[] }
  | { scheme: 'Cheetah'; signature: number[] };

/**
 * Bytes of a hex string already checked (hexOfLength) or written by this contract. Six bytes per
 * `parseInt` (48 bits, exact in a double), split with int32 operations: one call per byte cost
 * QuickJS about 4 Ggas a byte.
 */
export function hexToBytes(hex: string): Uint8Array {
  const length = hex.length / 2;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 6) {
    const size = length - i < 6 ? length - i : 6;
    const chunk = parseInt(hex.substr(i * 2, size * 2), 16);
    // Two 24-bit halves, the low one first, each byte from the last of the chunk.
    const low = chunk % 16777216;
    let half = low;
    for (let k = size - 1, n = 0; k >= 0; k--, n++) {
      if (n === 3) half = (chunk - low) / 16777216;
      out[i + k] = half & 255;
      half >>= 8;
    }
  }
  return out;
}

/**
 * The two lower-case hex digits of each byte value, built once by the pre-initialisation: a lookup
 * per byte instead of a `toString(16)` call (82 Ggas less per 32 bytes on this node).
 */
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

export function bytesToHex(bytes: Uint8Array | number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i]];
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function field<T>(object: Record<string, unknown>, name: string): T {
  if (object[name] === undefined || object[name] === null) badInput(`missing field \`${name}\``);
  return object[name] as T;
}

function unsignedInteger(value: unknown, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) badInput(`invalid value: ${JSON.stringify(value)}, expected ${what}`);
  return value;
}

/** A hex string of `min`..`max` bytes (serde `hex_serde`; either case accepted, kept lower case). */
function hexOfLength(value: unknown, min: number, max: number): string {
  if (typeof value !== 'string' || value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) badInput(`invalid hex string: ${JSON.stringify(value)}`);
  const length = value.length / 2;
  if (length < min || length > max) badInput(`invalid length ${length}, expected ${min === max ? `${min}` : `${min} to ${max}`} bytes`);
  return value.toLowerCase();
}

function byteArray(value: unknown, length: number, what: string): number[] {
  if (!Array.isArray(value) || value.length !== length) badInput(`invalid length ${Array.isArray(value) ? value.length : 'of a non-array'}, expected ${what}`);
  for (const byte of value) unsignedInteger(byte, 255, 'u8');
  return value as number[];
}

export function parsePayload(value: unknown): Payload {
  if (!isObject(value)) badInput('invalid type, expected enum Payload');
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'Ecdsa' && keys[0] !== 'Eddsa')) badInput(`unknown variant \`${keys.join(',')}\`, expected \`Ecdsa\` or \`Eddsa\``);
  return 'Ecdsa' in value
    ? { Ecdsa: hexOfLength(value.Ecdsa, ECDSA_PAYLOAD_BYTES, ECDSA_PAYLOAD_BYTES) }
    : { Eddsa: hexOfLength(value.Eddsa, 0, EDDSA_PAYLOAD_MAX_BYTES) };
}

/** `sign`'s argument: path, payload and domain, from the current or the legacy field names. */
export function parseSignRequestArgs(value: unknown): { path: string; payload: Payload; domainId: number } {
  if (!isObject(value)) badInput('invalid type, expected struct SignRequestArgsCompat');
  const path = field<unknown>(value, 'path');
  if (typeof path !== 'string') badInput('invalid type, expected a string for `path`');
  const hasV2 = value.payload_v2 !== undefined && value.payload_v2 !== null;
  const hasLegacy = value.payload !== undefined && value.payload !== null;
  if (hasV2 && hasLegacy) badInput('payload_v2 and payload are mutually exclusive');
  if (!hasV2 && !hasLegacy) badInput('missing field `payload_v2`');
  const payload: Payload = hasV2 ? parsePayload(value.payload_v2) : { Ecdsa: bytesToHex(byteArray(value.payload, 32, 'an array of length 32')) };
  const hasDomain = value.domain_id !== undefined && value.domain_id !== null;
  const hasKeyVersion = value.key_version !== undefined && value.key_version !== null;
  if (hasDomain && hasKeyVersion) badInput('domain_id and key_version are mutually exclusive');
  if (!hasDomain && !hasKeyVersion) badInput('missing field `domain_id`');
  const domainId = hasDomain ? unsignedInteger(value.domain_id, Number.MAX_SAFE_INTEGER, 'u64') : unsignedInteger(value.key_version, 0xffffffff, 'u32');
  return { path, payload, domainId };
}

/** `SignatureRequest::new`: the tweak of (predecessor, path) replaces them. */
export function signatureRequest(domainId: number, payload: Payload, predecessor: string, path: string): SignatureRequest {
  return { tweak: Array.from(deriveTweak(predecessor, path)), payload, domain_id: domainId };
}

export function parseSignatureRequest(value: unknown): SignatureRequest {
  if (!isObject(value)) badInput('invalid type, expected struct SignatureRequest');
  return {
    tweak: byteArray(field(value, 'tweak'), 32, 'an array of length 32'),
    payload: parsePayload(field(value, 'payload')),
    domain_id: unsignedInteger(field(value, 'domain_id'), Number.MAX_SAFE_INTEGER, 'u64'),
  };
}

/**
 * The response as the real contract re-serializes it before resuming the callers (serde field
 * order, lower-case hex), so callers get the same bytes from the double.
 */
export function parseSignatureResponse(value: unknown): SignatureResponse {
  if (!isObject(value)) badInput('invalid type, expected internally tagged enum SignatureResponse');
  const scheme = field<unknown>(value, 'scheme');
  if (scheme === 'Secp256k1') {
    const bigR = field<unknown>(value, 'big_r');
    const s = field<unknown>(value, 's');
    if (!isObject(bigR) || !isObject(s)) badInput('invalid type, expected struct K256AffinePoint / K256Scalar');
    return {
      scheme,
      big_r: { affine_point: hexOfLength(field(bigR, 'affine_point'), 33, 33) },
      s: { scalar: hexOfLength(field(s, 'scalar'), 32, 32) },
      recovery_id: unsignedInteger(field(value, 'recovery_id'), 255, 'u8'),
    };
  }
  if (scheme === 'Ed25519' || scheme === 'Cheetah') return { scheme, signature: byteArray(field(value, 'signature'), 64, 'an array of length 64') };
  badInput(`unknown variant \`${String(scheme)}\`, expected one of \`Secp256k1\`, \`Ed25519\`, \`Cheetah\``);
}

/** The request as JSON in serde's field order: the pending-request key and the callback argument. */
export function requestJson(request: SignatureRequest): string {
  const payload = 'Ecdsa' in request.payload ? { Ecdsa: request.payload.Ecdsa } : { Eddsa: request.payload.Eddsa };
  return JSON.stringify({ tweak: request.tweak, payload, domain_id: request.domain_id });
}

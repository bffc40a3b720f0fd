/**
 * NEAR MPC key derivation, exactly as the MPC network derives (near/mpc
 * `crates/near-mpc-crypto-types/src/kdf.rs`):
 *   tweak = SHA3-256("near-mpc-recovery v0.1.0 epsilon derivation:" + predecessor + "," + path)
 *   secp256k1 (domain 0): eps = tweak big-endian (< n),      derived = root + eps·G
 *   ed25519   (domain 1): eps = tweak little-endian mod l,   derived = root + eps·B
 * `predecessor` is the account that calls the signer: for requests made through the proxy, the
 * proxy contract, with the path `<user>,<user path>`.
 */
import { sha3_256 } from '@noble/hashes/sha3.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { bytesToNumberBE, bytesToNumberLE } from '@noble/curves/utils.js';

export const TWEAK_PREFIX = 'near-mpc-recovery v0.1.0 epsilon derivation:';

export class InvalidPublicKeyError extends Error {
  constructor(key: string, expected: string) {
    super(`Invalid public key ${JSON.stringify(key)}: expected ${expected}`);
    this.name = 'InvalidPublicKeyError';
  }
}

export function deriveTweak(predecessor: string, path: string): Uint8Array {
  return sha3_256(new TextEncoder().encode(`${TWEAK_PREFIX}${predecessor},${path}`));
}

/** Parses `secp256k1:<base58 of 64 bytes x‖y>` (the signer's `public_key` view format). */
export function parseSecp256k1Key(key: string): Uint8Array {
  if (!key.startsWith('secp256k1:')) throw new InvalidPublicKeyError(key, 'secp256k1:<base58 of 64 bytes>');
  const bytes = base58.decode(key.slice('secp256k1:'.length));
  if (bytes.length !== 64) throw new InvalidPublicKeyError(key, 'a 64-byte x‖y point');
  return bytes;
}

export function parseEd25519Key(key: string): Uint8Array {
  if (!key.startsWith('ed25519:')) throw new InvalidPublicKeyError(key, 'ed25519:<base58 of 32 bytes>');
  const bytes = base58.decode(key.slice('ed25519:'.length));
  if (bytes.length !== 32) throw new InvalidPublicKeyError(key, 'a 32-byte point');
  return bytes;
}

export function secp256k1Epsilon(predecessor: string, path: string): bigint {
  return secp256k1TweakScalar(deriveTweak(predecessor, path));
}

export function ed25519Epsilon(predecessor: string, path: string): bigint {
  return ed25519TweakScalar(deriveTweak(predecessor, path));
}

/** A tweak as a secp256k1 scalar: big-endian, below the group order (near/mpc `derive_key_secp256k1`). */
export function secp256k1TweakScalar(tweak: Uint8Array): bigint {
  const eps = bytesToNumberBE(tweak);
  if (eps === 0n || eps >= secp256k1.Point.Fn.ORDER) throw new Error('The provided tweak is not on the curve');
  return eps;
}

/** A tweak as an ed25519 scalar: little-endian, reduced mod l (near/mpc `derive_public_key_edwards_point_ed25519`). */
export function ed25519TweakScalar(tweak: Uint8Array): bigint {
  return bytesToNumberLE(tweak) % ed25519.Point.Fn.ORDER;
}

/** Derived secp256k1 key as 64 bytes x‖y. */
export function deriveSecp256k1PublicKey(rootKey: string, predecessor: string, path: string): Uint8Array {
  const root = secp256k1.Point.fromBytes(Uint8Array.of(4, ...parseSecp256k1Key(rootKey)));
  const derived = root.add(secp256k1.Point.BASE.multiply(secp256k1Epsilon(predecessor, path)));
  return derived.toBytes(false).slice(1);
}

/** Derived ed25519 key (32 bytes). */
export function deriveEd25519PublicKey(rootKey: string, predecessor: string, path: string): Uint8Array {
  const root = ed25519.Point.fromBytes(parseEd25519Key(rootKey));
  const eps = ed25519Epsilon(predecessor, path);
  return (eps === 0n ? root : root.add(ed25519.Point.BASE.multiply(eps))).toBytes();
}

export function formatSecp256k1Key(xy: Uint8Array): string {
  return `secp256k1:${base58.encode(xy)}`;
}

export function formatEd25519Key(key: Uint8Array): string {
  return `ed25519:${base58.encode(key)}`;
}

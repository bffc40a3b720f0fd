/**
 * NEAR MPC key derivation (near/mpc `crates/near-mpc-crypto-types/src/kdf.rs`):
 *   tweak = SHA3-256("near-mpc-recovery v0.1.0 epsilon derivation:" + predecessor + "," + path)
 *   secp256k1: eps = tweak as a big-endian scalar (must be < n); derived = root + eps·G
 *   ed25519:   eps = tweak as a little-endian number mod l;      derived = root + eps·B
 *
 * Runs inside the contract (QuickJS), so it uses @noble's pure-JS primitives, with one saving for
 * secp256k1: eps·G comes from the ecrecover host function (see `secp256k1TweakPoint`).
 */
import { near, encode } from 'near-sdk-js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';

export const TWEAK_PREFIX = 'near-mpc-recovery v0.1.0 epsilon derivation:';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const SECP256K1_GX = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n;

export function deriveTweak(predecessor: string, path: string): Uint8Array {
  return sha3_256(encode(`${TWEAK_PREFIX}${predecessor},${path}`));
}

function bytesToBigIntBE(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

function bigIntToBytesBE(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/**
 * eps·G through ecrecover: ECDSA recovery computes Q = r⁻¹(s·R − z·G). With R = G (r = Gx,
 * recovery id 0 since Gy is even), z = 0 and s = r·eps mod n, Q = eps·G. One host call instead of
 * a 256-step scalar multiplication in interpreted BigInt code.
 */
function secp256k1TweakPoint(eps: bigint): Uint8Array {
  const s = (SECP256K1_GX * eps) % SECP256K1_N;
  const signature = new Uint8Array(64);
  signature.set(bigIntToBytesBE(SECP256K1_GX, 32), 0);
  signature.set(bigIntToBytesBE(s, 32), 32);
  const point = near.ecrecover(new Uint8Array(32), signature, 0, 0);
  if (point === null) throw new Error('MpcSigner: tweak point recovery failed');
  return point;
}

/** Derived secp256k1 public key as 64 bytes x‖y (the `secp256k1:` key string payload). */
export function deriveSecp256k1(rootXY: Uint8Array, predecessor: string, path: string): Uint8Array {
  const eps = bytesToBigIntBE(deriveTweak(predecessor, path));
  if (eps === 0n || eps >= SECP256K1_N) throw new Error('The provided tweak is not on the curve');
  const tweakXY = secp256k1TweakPoint(eps);
  const uncompressed = (xy: Uint8Array) => {
    const out = new Uint8Array(65);
    out[0] = 4;
    out.set(xy, 1);
    return out;
  };
  const derived = secp256k1.Point.fromBytes(uncompressed(rootXY)).add(secp256k1.Point.fromBytes(uncompressed(tweakXY)));
  return derived.toBytes(false).slice(1);
}

/** Derived ed25519 public key (32 bytes). */
export function deriveEd25519(root: Uint8Array, predecessor: string, path: string): Uint8Array {
  const tweak = deriveTweak(predecessor, path);
  let eps = 0n;
  for (let i = tweak.length - 1; i >= 0; i--) eps = (eps << 8n) | BigInt(tweak[i]);
  eps %= ED25519_L;
  const tweakPoint = eps === 0n ? ed25519.Point.ZERO : ed25519.Point.BASE.multiplyUnsafe(eps);
  return ed25519.Point.fromBytes(root).add(tweakPoint).toBytes();
}

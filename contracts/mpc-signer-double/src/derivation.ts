/**
 * NEAR MPC key derivation inside the contract (near/mpc `crates/near-mpc-crypto-types/src/kdf.rs`):
 *   tweak = SHA3-256("near-mpc-recovery v0.1.0 epsilon derivation:" + predecessor + "," + path)
 *   secp256k1: eps = tweak as a big-endian scalar (must be < n); derived = root + eps·G
 *   ed25519:   eps = tweak as a little-endian number mod l;      derived = root + eps·B
 *
 * Why no @noble/curves here: its 2.x point classes initialise static fields with their own class
 * (`static BASE = new Point(…)`), which near-sdk-js 2.0.0's QuickJS rejects at module load
 * ("Point is not initialized"). So:
 * - secp256k1 needs no curve code at all: the ecrecover host function computes root + eps·G in
 *   one call (see `deriveSecp256k1`);
 * - ed25519 uses the few RFC 8032 §5.1 formulas below (decode, add, encode) on BigInt. Off-chain
 *   code (packages/chain-signatures) uses @noble/curves, and the sandbox tests check that both give
 *   the same keys.
 */
import { near, encode } from 'near-sdk-js';
import { sha3_256 } from './sha3';
import { ED25519_BASE_TABLE } from './ed25519-base-table';

const TWEAK_PREFIX = 'near-mpc-recovery v0.1.0 epsilon derivation:';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export function deriveTweak(predecessor: string, path: string): Uint8Array {
  return sha3_256(encode(`${TWEAK_PREFIX}${predecessor},${path}`));
}

function bytesToBigIntBE(bytes: Uint8Array | number[]): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

function bytesToBigIntLE(bytes: Uint8Array | number[]): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
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

function bigIntToBytesLE(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/**
 * Derived secp256k1 public key as 64 bytes x‖y (the `secp256k1:` key string payload).
 *
 * ECDSA public-key recovery returns Q = r⁻¹·(s·R − z·G), where R is the point with x = r and the
 * parity given by the recovery id. Taking R = root (r = root.x, recovery id = root.y's parity),
 * s = r and z = −r·eps mod n gives Q = root + eps·G: the whole derivation in one ecrecover host
 * call (nearcore runtime/near-vm-runner/src/logic/logic.rs `ecrecover`; malleability flag 0 so
 * s may exceed n/2).
 */
export function deriveSecp256k1(rootXY: Uint8Array, tweak: Uint8Array | number[]): Uint8Array | null {
  const eps = bytesToBigIntBE(tweak);
  // near/mpc derive_key_secp256k1: a tweak that is not a scalar is TweakNotOnCurve (caller's message).
  if (eps >= SECP256K1_N) return null;
  const rootX = bytesToBigIntBE(rootXY.subarray(0, 32));
  // root.x ≥ n would need recovery id bit 1 (probability about 2^-128 for a random key).
  if (rootX >= SECP256K1_N) throw new Error('MpcSigner: root key x coordinate is not below the group order');
  const recoveryId = rootXY[63] & 1;
  const z = (SECP256K1_N - ((rootX * eps) % SECP256K1_N)) % SECP256K1_N;
  const signature = new Uint8Array(64);
  signature.set(rootXY.subarray(0, 32), 0);
  signature.set(rootXY.subarray(0, 32), 32);
  const derived = near.ecrecover(bigIntToBytesBE(z, 32), signature, recoveryId, 0);
  if (derived === null) throw new Error('MpcSigner: derived key recovery failed');
  return derived;
}

// ---------------------------------------------------------------- ed25519 (RFC 8032 §5.1)

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
const D2 = (2n * D) % P;
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;

/** Extended homogeneous coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, x·y = T/Z (RFC 8032 §5.1.4). */
type EdPoint = [bigint, bigint, bigint, bigint];

function mod(a: bigint): bigint {
  const r = a % P;
  return r >= 0n ? r : r + P;
}

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

/**
 * Field arithmetic below keeps values as signed residues in (−p, p): JavaScript's `%` truncates, so
 * a product reduced with `% P` keeps its sign, and only the final affine coordinates are brought into
 * [0, p). That spares a comparison per multiplication. The cost is QuickJS's: a 510-bit `% P` is
 * about 19 Ggas, a multiplication 5, an addition 4 (measured on this node), so a reduction per
 * product is the floor; keeping products unreduced makes the next `%` dearer by the same amount.
 */

/**
 * RFC 8032 §5.1.4 unified addition for a = −1 of an extended point and an affine one (x, y, x·y),
 * without the result's T (only encoding follows).
 */
function addAffine(p: EdPoint, x: bigint, y: bigint, xy: bigint): [bigint, bigint, bigint] {
  const a = ((p[1] - p[0]) * (y - x)) % P;
  const b = ((p[1] + p[0]) * (y + x)) % P;
  const c = (((p[3] * D2) % P) * xy) % P;
  const d = p[2] + p[2];
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [(e * f) % P, (g * h) % P, (f * g) % P];
}

/**
 * tweak·B with the fixed-base table (ed25519-base-table.ts, BigInts built at build time by the
 * pre-initialisation): the scalar in signed radix 16 (digits −8..7, 64 of them for a scalar below
 * 2^253), one mixed addition per non-zero digit ("Twisted Edwards Curves Revisited", Hisil et al.
 * 2008, §3.1, madd for a = −1: 7 multiplications) and no doubling.
 */
function baseMultiply(scalar: bigint): EdPoint {
  const nibbles = scalar.toString(16).padStart(64, '0');
  // The point in extended coordinates, kept in locals: a function call and a 4-element array per
  // addition cost more than the addition's own additions.
  let x = 0n;
  let y = 1n;
  let z = 1n;
  let t = 0n;
  let carry = 0;
  for (let j = 0; j < 64; j++) {
    let digit = parseInt(nibbles[63 - j], 16) + carry;
    carry = digit >= 8 ? 1 : 0;
    if (carry === 1) digit -= 16;
    if (digit === 0) continue;
    const entry = (j * 8 + (digit > 0 ? digit : -digit) - 1) * 3;
    // −(x, y) = (−x, y): y+x and y−x swap, 2d·x·y changes sign.
    const yPlusX = ED25519_BASE_TABLE[digit > 0 ? entry : entry + 1];
    const yMinusX = ED25519_BASE_TABLE[digit > 0 ? entry + 1 : entry];
    const t2d = digit > 0 ? ED25519_BASE_TABLE[entry + 2] : -ED25519_BASE_TABLE[entry + 2];
    // Mixed addition with an affine (y+x, y−x, 2d·x·y) point: 7 multiplications.
    const a = ((y - x) * yMinusX) % P;
    const b = ((y + x) * yPlusX) % P;
    const c = (t * t2d) % P;
    const d = z + z;
    const e = b - a;
    const f = d - c;
    const g = d + c;
    const h = b + a;
    x = (e * f) % P;
    y = (g * h) % P;
    z = (f * g) % P;
    t = (e * h) % P;
  }
  return [x, y, z, t];
}

/**
 * RFC 8032 §5.1.3 point decoding; throws on a string that is not a curve point. Returns the affine
 * x and y: the contract decodes its root key once at init and keeps them (the square root costs
 * about 500 field multiplications).
 */
export function decodeEd25519Point(bytes: Uint8Array): [bigint, bigint] {
  const encoded = bytesToBigIntLE(bytes);
  const sign = encoded >> 255n;
  const y = encoded & ((1n << 255n) - 1n);
  if (y >= P) throw new Error('MpcSigner: ed25519 key is not a valid point encoding');
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const v3 = (v * v % P) * v % P;
  let x = mod(u * v3 * pow(u * v3 * v3 * v, (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = mod(x * SQRT_M1);
  else if (vx2 !== u) throw new Error('MpcSigner: ed25519 key is not on the curve');
  if (x === 0n && sign === 1n) throw new Error('MpcSigner: ed25519 key is not a valid point encoding');
  if ((x & 1n) !== sign) x = P - x;
  return [x, y];
}

/**
 * z⁻¹ mod p by the extended Euclidean algorithm on BigInt: about 150 division steps, 1.0 Tgas here,
 * against 6.2 for Fermat's z^(p−2) by curve25519's addition chain (265 multiplications, each
 * dominated by a 510-bit `%`). z must not be 0 mod p (a point's Z never is).
 */
function invert(z: bigint): bigint {
  let a = ((z % P) + P) % P;
  let b = P;
  let x0 = 1n;
  let x1 = 0n;
  while (b !== 0n) {
    const q = a / b;
    const r = a - q * b;
    a = b;
    b = r;
    const x2 = x0 - q * x1;
    x0 = x1;
    x1 = x2;
  }
  return x0 < 0n ? x0 + P : x0;
}

function edEncode(point: [bigint, bigint, bigint]): Uint8Array {
  const zInverse = invert(point[2]);
  const x = mod(point[0] * zInverse);
  const y = mod(point[1] * zInverse);
  return bigIntToBytesLE(y | ((x & 1n) << 255n), 32);
}

/** Derived ed25519 public key (32 bytes) from the root's affine coordinates (decodeEd25519Point). */
export function deriveEd25519(root: [bigint, bigint], tweak: Uint8Array | number[]): Uint8Array {
  const eps = bytesToBigIntLE(tweak) % L;
  return edEncode(addAffine(baseMultiply(eps), root[0], root[1], (root[0] * root[1]) % P));
}

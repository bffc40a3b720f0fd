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
import { bigIntToBytesBE, bigIntToBytesLE, bytesToBigIntBE, bytesToBigIntLE } from './bytes';
import { ED25519_BASE_TABLE, ED25519_BASE_TABLE_SPACING, ED25519_BASE_TABLE_WINDOWS, ED25519_BASE_TABLE_WINDOW_BITS } from './ed25519-base-table';

const TWEAK_PREFIX = 'near-mpc-recovery v0.1.0 epsilon derivation:';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export function deriveTweak(predecessor: string, path: string): Uint8Array {
  return sha3_256(encode(`${TWEAK_PREFIX}${predecessor},${path}`));
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
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
const D2 = (2n * D) % P;
/** 2^255 − 1: the low part of a packed table entry. */
const MASK_255 = (1n << 255n) - 1n;
/** d⁻¹ mod p. */
const D_INVERSE = 29203323570479832313932222820853031755424015489030106335172286495629888845891n;
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;

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
 * Field arithmetic below keeps values as signed residues: JavaScript's `%` truncates, so a product
 * reduced with `% P` keeps its sign, and only the final affine coordinates are brought into [0, p).
 * The cost is QuickJS's, per BigInt operation whatever it does (measured on this node, 255-bit
 * operands): `% P` of a product 18.8 Ggas, a product 4.4, an addition 3.1, `>> 255n` 2.8; a Number
 * operation about 0.1.
 *
 * A cheaper partial reduction, the fold at 2^255: c − (c >> 255n)·P = (c mod 2^255) + 19·⌊c/2^255⌋
 * ≡ c (mod p), for negative c too (`>>` floors). Three operations, 11.5 Ggas, but a product below
 * 2^(256+k) leaves up to 2^255 + 19·2^(k+1), about k + 5 bits, so a chain of folds grows without
 * bound: every cycle of products needs one `% P`.
 */

/**
 * root + tweak·B with the fixed-base table (ed25519-base-table.ts, BigInts built at build time by
 * the pre-initialisation). The tweak, a 256-bit little-endian number, in signed radix 2^W (W = 7:
 * 37 digits in −64..63, read straight from its bytes, no BigInt scalar; l·B = 0, so
 * tweak·B = (tweak mod l)·B). The table holds rows for every M-th window only (M = 2, as ref10's
 * table does for W = 4), so the odd windows are summed first, doubled W times, then the even ones
 * and the root are added: one mixed addition per non-zero digit ("Twisted Edwards Curves
 * Revisited", Hisil et al. 2008, §3.1, madd for a = −1: 7 multiplications) and W·(M − 1) doublings.
 *
 * The table is a trade between the additions and the Wasm size, which every call of every method
 * pays in contract loading (1.09 Mgas per byte; twice per request: sign and its callback).
 * Measured on this node (random tweaks, derivation alone; Wasm bytes and a call that does nothing
 * against the first line). Three BigInts per point (318 bytes each): W = 4, M = 1, 513 points,
 * 11.95 Tgas; W = 5, M = 1, 818 points, 10.40, +97 KB, +0.105 Tgas per call; W = 6, M = 2, 688
 * points, 10.09, +56 KB, +0.060; W = 7, M = 2, 1,168 points, 9.34, +208 KB, +0.227. One packed
 * BigInt per point (170 bytes; 12 Ggas more per addition to unpack): W = 6, M = 2, 10.54, −46 KB,
 * −0.050; W = 7, M = 3, 10.86, −30 KB; **W = 7, M = 2, 9.73, +36 KB, +0.039**; W = 8, M = 2, 9.10,
 * +186 KB, +0.202.
 *
 * Reductions: `z` and the products `a`, `b` take `% P`, the others (`c`, `x`, `y`, `t`) a fold
 * (written out: a function call costs more than the saving). Every cycle of products through the
 * additions (x → a → x, y → b → y, z → z, t → c → x → a → t, …) has a `% P`, and nothing grows from
 * one addition to the next: a, b, z below p, so e, h below 2^256; t below 2^262, c below 2^266,
 * f, g below 2^267; x, y below 2^272 (y − x below 2^273, times a table value below 2^255: `% P` of
 * a 528-bit product). Measured per addition: 164 Ggas, against 190 with seven `% P`. A doubling
 * costs about the same.
 */
function baseMultiplyAdd(tweak: Uint8Array | number[], rootX: bigint, rootY: bigint): [bigint, bigint, bigint] {
  const bits = ED25519_BASE_TABLE_WINDOW_BITS;
  const spacing = ED25519_BASE_TABLE_SPACING;
  const half = 1 << (bits - 1);
  const mask = (half << 1) - 1;
  const digits: number[] = [];
  let carry = 0;
  for (let j = 0; j < ED25519_BASE_TABLE_WINDOWS; j++) {
    const bit = j * bits;
    // A window's W ≤ 8 bits lie in at most two bytes (past the top: zeros).
    const k = bit >> 3;
    const bytes = k < 31 ? tweak[k] | (tweak[k + 1] << 8) : k < 32 ? tweak[k] : 0;
    let digit = ((bytes >> (bit & 7)) & mask) + carry;
    carry = digit >= half ? 1 : 0;
    if (carry === 1) digit -= half << 1;
    digits.push(digit);
  }
  const rootT2d = (((rootX * rootY) % P) * D2) % P;
  // The point in extended coordinates, kept in locals: a function call and a 4-element array per
  // addition cost more than the addition's own additions.
  let x = 0n;
  let y = 1n;
  let z = 1n;
  let t = 0n;
  let started = false;
  // Windows cls, cls + M, cls + 2M, … use the table's rows 0, 1, 2, …: their sums, times
  // 2^(W·cls), by Horner's rule from cls = M − 1 down to 0 (W doublings between); the root is
  // added with class 0, after the doublings.
  for (let cls = spacing - 1; cls >= 0; cls--) {
    if (started) {
      for (let n = 0; n < bits; n++) {
        // dbl-2008-hwcd for a = −1 (Hisil et al. §3.3): 4 squarings and 3 multiplications (4 with
        // T, needed only before an addition). The squarings fold, the outputs take `% P`: inputs
        // below 2^272 give squares below 2^296 after the fold, products below 2^592.
        let aa = x * x;
        aa -= (aa >> 255n) * P;
        let bb = y * y;
        bb -= (bb >> 255n) * P;
        let cc = z * z;
        cc -= (cc >> 255n) * P;
        cc += cc;
        let ss = x + y;
        ss *= ss;
        ss -= (ss >> 255n) * P;
        const e = ss - aa - bb;
        const g = bb - aa;
        const f = g - cc;
        const h = -aa - bb;
        x = (e * f) % P;
        y = (g * h) % P;
        z = (f * g) % P;
        if (n === bits - 1) t = (e * h) % P;
      }
    }
    for (let j = cls === 0 ? -spacing : cls; j < ED25519_BASE_TABLE_WINDOWS; j += spacing) {
      let yPlusX: bigint;
      let yMinusX: bigint;
      let t2d: bigint;
      if (j < 0) {
        yPlusX = rootY + rootX;
        yMinusX = rootY - rootX;
        t2d = rootT2d;
      } else {
        const digit = digits[j];
        if (digit === 0) continue;
        // (y+x) + (y−x)·2^255 + 2d·x·y·2^510; −(x, y) = (−x, y): y+x and y−x swap, 2d·x·y changes sign.
        const packed = ED25519_BASE_TABLE[((j - cls) / spacing) * half + (digit > 0 ? digit : -digit) - 1];
        const low = packed & MASK_255;
        const middle = (packed >> 255n) & MASK_255;
        yPlusX = digit > 0 ? low : middle;
        yMinusX = digit > 0 ? middle : low;
        t2d = digit > 0 ? packed >> 510n : -(packed >> 510n);
      }
      if (!started) {
        // The first point is the sum so far: (2x : 2y : 2 : 2x·y), with 2x·y = t2d / d.
        x = yPlusX - yMinusX;
        y = yPlusX + yMinusX;
        z = 2n;
        t = (t2d * D_INVERSE) % P;
        started = true;
        continue;
      }
      const a = ((y - x) * yMinusX) % P;
      const b = ((y + x) * yPlusX) % P;
      let c = t * t2d;
      c -= (c >> 255n) * P;
      const d = z + z;
      const e = b - a;
      const f = d - c;
      const g = d + c;
      const h = b + a;
      x = e * f;
      x -= (x >> 255n) * P;
      y = g * h;
      y -= (y >> 255n) * P;
      z = (f * g) % P;
      t = e * h;
      t -= (t >> 255n) * P;
    }
  }
  return [x, y, z];
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

/** Bits of the leading parts Lehmer's algorithm below works on: a double holds 53 exactly. */
const LEAD_BITS = 48;

function bitLength(n: number): number {
  return n < 1 ? 0 : Math.floor(Math.log2(n)) + 1;
}

/**
 * z⁻¹ mod p (z in (−p, p), not 0) by the extended Euclidean algorithm with Lehmer's speed-up (Knuth,
 * TAOCP vol. 2, §4.5.2, Algorithm L): the quotients are found on the leading 48 bits of both
 * numbers as doubles (Number operations cost QuickJS about 0.1 Ggas, BigInt ones 2–19), checked with
 * Collins' bounds so each equals the true quotient, and applied to the BigInts as one 2×2 matrix
 * per about 24 bits; the last 48 bits run on doubles alone: 1.57 Tgas here for a random z (11 matrix
 * steps, 150 quotients on doubles), against 3.09 for plain Euclid on BigInt (150 division steps)
 * and 6.2 for Fermat's z^(p−2) (265 multiplications).
 */
function invert(z: bigint): bigint {
  // Invariants: a ≡ x0·z and b ≡ x1·z (mod p); the Euclidean sequence of (p, z) ends at a = 1.
  let a = P;
  let b = z < 0n ? z + P : z;
  let x0 = 0n;
  let x1 = 1n;
  let shift = 255 - LEAD_BITS;
  while (b !== 0n) {
    const s = BigInt(shift);
    let ah = Number(a >> s);
    let bh = Number(b >> s);
    // (new a, new b) = (A·a + B·b, C·a + D·b)
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    let step: number;
    if (shift === 0) {
      // a and b are exact doubles: run Euclid on them to the end (cofactors stay below a).
      while (bh !== 0) {
        const q = (ah - (ah % bh)) / bh;
        step = ah - q * bh;
        ah = bh;
        bh = step;
        step = A - q * C;
        A = C;
        C = step;
        step = B - q * D;
        B = D;
        D = step;
      }
      x0 = BigInt(A) * x0 + BigInt(B) * x1;
      break;
    }
    for (;;) {
      const below = bh + C;
      const above = bh + D;
      if (below <= 0 || above <= 0) break;
      const q = (ah + A - ((ah + A) % below)) / below;
      if (q !== (ah + B - ((ah + B) % above)) / above) break;
      step = A - q * C;
      A = C;
      C = step;
      step = B - q * D;
      B = D;
      D = step;
      step = ah - q * bh;
      ah = bh;
      bh = step;
    }
    if (B === 0) {
      // Not one quotient certain from the leading bits: one Euclid step on the BigInts.
      const q = a / b;
      const r = a - q * b;
      a = b;
      b = r;
      const x2 = x0 - q * x1;
      x0 = x1;
      x1 = x2;
      ah = bh;
    } else {
      const bigA = BigInt(A);
      const bigB = BigInt(B);
      const bigC = BigInt(C);
      const bigD = BigInt(D);
      const nextA = bigA * a + bigB * b;
      b = bigC * a + bigD * b;
      a = nextA;
      const nextX = bigA * x0 + bigB * x1;
      x1 = bigC * x0 + bigD * x1;
      x0 = nextX;
    }
    // ah now approximates a >> shift (within the cofactors): keep about LEAD_BITS bits next time.
    shift += bitLength(ah) - LEAD_BITS;
    if (shift < 0) shift = 0;
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
  return edEncode(baseMultiplyAdd(tweak, root[0], root[1]));
}

/**
 * BLS12-381 host-function arithmetic (nearcore runtime/near-vm-runner/src/logic/bls12381.rs on blst), on
 * @noble/curves. Each function takes the whole input and returns the register bytes, or `null` where nearcore
 * returns 1 (bad encoding, point not on the curve or not in the group) and writes nothing; a length that is not
 * a multiple of the item size is `BLS12381InvalidInput`.
 *
 * Encodings (blst, ZCash-like, big-endian): Fp is 48 bytes; Fp2 `c0 + c1·u` is `c1 ‖ c0`; an uncompressed point
 * is `x ‖ y` with the infinity point `0x40 ‖ 0…`; a compressed point is `x` with flag bits 0x80 (compressed),
 * 0x40 (infinity) and 0x20 (y is the lexicographically larger root); G1/G2 multiexp scalars are 32-byte
 * little-endian. Protocol 86 still runs semantics version 0 (`bls12381_not_in_group_fix = false`): a point with
 * x = 0 (on the curve, outside the subgroup: blst's BLST_POINT_NOT_IN_GROUP) is rejected by sum, multiexp,
 * decompress and pairing alike, while other on-curve points outside the subgroup are accepted by sum and
 * decompress (only multiexp and pairing check the subgroup).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { hostErrors } from '../errors.js';

const { Fp, Fp2, Fp12, Fr } = bls12_381.fields;
const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
type G1Point = InstanceType<typeof G1>;
type G2Point = InstanceType<typeof G2>;
type Fp2Value = ReturnType<typeof Fp2.create>;

const P = Fp.ORDER;
const HALF_P = (P - 1n) / 2n;
const FP = 48;
const B1 = 4n;
const B2 = Fp2.create({ c0: 4n, c1: 4n });

const beToBig = (b: Uint8Array): bigint => {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
};
const bigToBe = (v: bigint, out: Uint8Array, at: number): void => {
  for (let i = FP - 1; i >= 0; i--) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
};
const allZero = (b: Uint8Array, from: number): boolean => {
  for (let i = from; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
};

/** A canonical field element (< p), or null. */
function fp(bytes: Uint8Array): bigint | null {
  const v = beToBig(bytes);
  return v < P ? v : null;
}
/** `c1 ‖ c0`, both canonical. */
function fp2(bytes: Uint8Array): Fp2Value | null {
  const c1 = fp(bytes.subarray(0, FP));
  const c0 = fp(bytes.subarray(FP, 2 * FP));
  return c0 === null || c1 === null ? null : Fp2.create({ c0, c1 });
}

/** blst sign of a root: y > (p−1)/2; for Fp2 the sign of c1, or of c0 when c1 = 0. */
const fpSign = (y: bigint) => y > HALF_P;
const fp2Sign = (y: Fp2Value) => (y.c1 !== 0n ? fpSign(y.c1) : fpSign(y.c0));

interface Curve<F, Pt> {
  size: number;
  field: (b: Uint8Array) => F | null;
  isZero: (x: F) => boolean;
  onCurve: (x: F, y: F) => boolean;
  sqrtRhs: (x: F) => F | null;
  neg: (y: F) => F;
  sign: (y: F) => boolean;
  point: (x: F, y: F) => Pt;
  zero: Pt;
  write: (x: F, out: Uint8Array, at: number) => void;
}

const E1: Curve<bigint, G1Point> = {
  size: FP,
  field: fp,
  isZero: (x) => x === 0n,
  onCurve: (x, y) => Fp.eql(Fp.sqr(y), Fp.add(Fp.mul(Fp.sqr(x), x), B1)),
  sqrtRhs: (x) => {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), B1);
    try {
      const y = Fp.sqrt(rhs);
      return Fp.eql(Fp.sqr(y), rhs) ? y : null;
    } catch {
      return null;
    }
  },
  neg: (y) => Fp.neg(y),
  sign: fpSign,
  point: (x, y) => G1.fromAffine({ x, y }),
  zero: G1.ZERO,
  write: (x, out, at) => bigToBe(x, out, at),
};

const E2: Curve<Fp2Value, G2Point> = {
  size: 2 * FP,
  field: fp2,
  isZero: (x) => Fp2.is0(x),
  onCurve: (x, y) => Fp2.eql(Fp2.sqr(y), Fp2.add(Fp2.mul(Fp2.sqr(x), x), B2)),
  sqrtRhs: (x) => {
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), B2);
    try {
      const y = Fp2.sqrt(rhs);
      return Fp2.eql(Fp2.sqr(y), rhs) ? y : null;
    } catch {
      return null;
    }
  },
  neg: (y) => Fp2.neg(y),
  sign: fp2Sign,
  point: (x, y) => G2.fromAffine({ x, y }),
  zero: G2.ZERO,
  write: (x, out, at) => {
    bigToBe(x.c1, out, at);
    bigToBe(x.c0, out, at + FP);
  },
};

/** blst_pX_deserialize of an uncompressed point, version 0: null unless BLST_SUCCESS. */
function deserialize<F, Pt>(c: Curve<F, Pt>, data: Uint8Array): Pt | null {
  const b0 = data[0]!;
  if ((b0 & 0xe0) === 0) {
    const x = c.field(data.subarray(0, c.size));
    const y = c.field(data.subarray(c.size, 2 * c.size));
    if (x === null || y === null || !c.onCurve(x, y)) return null;
    // (0, ±2) / x = 0 lies on the curve but blst reports BLST_POINT_NOT_IN_GROUP.
    if (c.isZero(x)) return null;
    return c.point(x, y);
  }
  // Compressed bit set: nearcore rejects before blst sees it. Infinity: 0x40 and nothing else.
  if ((b0 & 0x80) === 0 && (b0 & 0x40) !== 0 && (b0 & 0x3f) === 0 && allZero(data, 1)) return c.zero;
  return null;
}

/** blst_pX_uncompress (through the legacy `min_pk` wrappers at version 0). */
function uncompress<F, Pt>(c: Curve<F, Pt>, data: Uint8Array): { x: F; y: F } | 'infinity' | null {
  const b0 = data[0]!;
  if ((b0 & 0x80) === 0) return null;
  if ((b0 & 0x40) !== 0) return (b0 & 0x3f) === 0 && allZero(data, 1) ? 'infinity' : null;
  const cleared = Uint8Array.from(data);
  cleared[0] = b0 & 0x1f;
  const x = c.field(cleared);
  if (x === null) return null;
  let y = c.sqrtRhs(x);
  if (y === null) return null;
  if (c.sign(y) !== ((b0 & 0x20) !== 0)) y = c.neg(y);
  if (c.isZero(x)) return null;
  return { x, y };
}

function serialize<F, Pt extends G1Point | G2Point>(c: Curve<F, Pt>, p: Pt): Uint8Array {
  const out = new Uint8Array(2 * c.size);
  if (p.is0()) {
    out[0] = 0x40;
    return out;
  }
  const a = p.toAffine() as { x: F; y: F };
  c.write(a.x, out, 0);
  c.write(a.y, out, c.size);
  return out;
}

function checkInputSize(data: Uint8Array, itemSize: number, fnName: string): number {
  if (data.length % itemSize !== 0) {
    throw hostErrors.bls12381InvalidInput(
      `Incorrect input length for ${fnName}: ${data.length} is not divisible by ${itemSize}`,
    );
  }
  return data.length / itemSize;
}

function sum<F, Pt extends G1Point | G2Point>(c: Curve<F, Pt>, data: Uint8Array, fnName: string): Uint8Array | null {
  const item = 1 + 2 * c.size;
  const n = checkInputSize(data, item, fnName);
  let acc = c.zero as G1Point | G2Point;
  for (let i = 0; i < n; i++) {
    const chunk = data.subarray(i * item, (i + 1) * item);
    let p = deserialize(c, chunk.subarray(1)) as G1Point | G2Point | null;
    if (p === null) return null;
    const sign = chunk[0]!;
    if (sign === 1) p = p.negate();
    else if (sign !== 0) return null;
    acc = (acc as G1Point).add(p as G1Point);
  }
  return serialize(c, acc as Pt);
}

function multiexp<F, Pt extends G1Point | G2Point>(c: Curve<F, Pt>, data: Uint8Array, fnName: string): Uint8Array | null {
  const pointSize = 2 * c.size;
  const item = pointSize + 32;
  const n = checkInputSize(data, item, fnName);
  let acc = c.zero as G1Point | G2Point;
  for (let i = 0; i < n; i++) {
    const chunk = data.subarray(i * item, (i + 1) * item);
    const p = deserialize(c, chunk.subarray(0, pointSize)) as G1Point | G2Point | null;
    if (p === null || !p.isTorsionFree()) return null;
    // blst_pX_mult takes the full 256-bit little-endian scalar; on the subgroup that is the scalar mod r.
    const scalar = beToBig(chunk.subarray(pointSize).reverse()) % Fr.ORDER;
    if (scalar !== 0n && !p.is0()) acc = (acc as G1Point).add((p as G1Point).multiplyUnsafe(scalar));
  }
  return serialize(c, acc as Pt);
}

function decompress<F, Pt extends G1Point | G2Point>(c: Curve<F, Pt>, data: Uint8Array, fnName: string): Uint8Array | null {
  const n = checkInputSize(data, c.size, fnName);
  const out = new Uint8Array(n * 2 * c.size);
  for (let i = 0; i < n; i++) {
    const r = uncompress(c, data.subarray(i * c.size, (i + 1) * c.size));
    if (r === null) return null;
    const at = i * 2 * c.size;
    if (r === 'infinity') out[at] = 0x40;
    else {
      c.write(r.x, out, at);
      c.write(r.y, out, at + c.size);
    }
  }
  return out;
}

export const p1Sum = (data: Uint8Array) => sum(E1, data, 'bls12381_p1_sum');
export const p2Sum = (data: Uint8Array) => sum(E2, data, 'bls12381_p2_sum');
export const g1Multiexp = (data: Uint8Array) => multiexp(E1, data, 'bls12381_p1_multiexp');
export const g2Multiexp = (data: Uint8Array) => multiexp(E2, data, 'bls12381_p2_multiexp');
export const p1Decompress = (data: Uint8Array) => decompress(E1, data, 'bls12381_p1_decompress');
export const p2Decompress = (data: Uint8Array) => decompress(E2, data, 'bls12381_p2_decompress');

/** blst_map_to_g1(out, u, NULL): RFC 9380 simplified SWU + 11-isogeny, then cofactor clearing. */
export function mapFpToG1(data: Uint8Array): Uint8Array | null {
  const n = checkInputSize(data, FP, 'bls12381_map_fp_to_g1');
  const out = new Uint8Array(n * 2 * FP);
  for (let i = 0; i < n; i++) {
    const u = fp(data.subarray(i * FP, (i + 1) * FP));
    if (u === null) return null;
    out.set(serialize(E1, bls12_381.G1.mapToCurve(u as never) as unknown as G1Point), i * 2 * FP);
  }
  return out;
}

/** blst_map_to_g2(out, u, NULL), `u = c0 + c1·u` given as `c1 ‖ c0`. */
export function mapFp2ToG2(data: Uint8Array): Uint8Array | null {
  const item = 2 * FP;
  const n = checkInputSize(data, item, 'bls12381_map_fp2_to_g2');
  const out = new Uint8Array(n * 4 * FP);
  for (let i = 0; i < n; i++) {
    const u = fp2(data.subarray(i * item, (i + 1) * item));
    if (u === null) return null;
    out.set(serialize(E2, bls12_381.G2.mapToCurve([u.c0, u.c1] as never) as unknown as G2Point), i * 4 * FP);
  }
  return out;
}

/** 0: the product of pairings is one; 2: it is not; 1: a point is badly encoded or outside its group. */
export function pairingCheck(data: Uint8Array): bigint {
  const p1Size = 2 * FP;
  const item = p1Size + 4 * FP;
  const n = checkInputSize(data, item, 'bls12381_pairing_check');
  const pairs: Array<{ g1: G1Point; g2: G2Point }> = [];
  for (let i = 0; i < n; i++) {
    const chunk = data.subarray(i * item, (i + 1) * item);
    const g1 = deserialize(E1, chunk.subarray(0, p1Size));
    if (g1 === null || !g1.isTorsionFree()) return 1n;
    const g2 = deserialize(E2, chunk.subarray(p1Size));
    if (g2 === null || !g2.isTorsionFree()) return 1n;
    // e(O, Q) = e(P, O) = 1: an infinity term leaves the product unchanged (blst's Miller loop skips it).
    if (!g1.is0() && !g2.is0()) pairs.push({ g1, g2 });
  }
  if (pairs.length === 0) return 0n;
  const gt = bls12_381.pairingBatch(pairs.map(({ g1, g2 }) => ({ g1, g2 })));
  return Fp12.eql(gt, Fp12.ONE) ? 0n : 2n;
}

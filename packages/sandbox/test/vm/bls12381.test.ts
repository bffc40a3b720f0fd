/**
 * The nine BLS12-381 host functions against nearcore: runtime/near-vm-runner/src/logic/tests/bls12381.rs and its
 * vectors (logic/tests/bls12381_test_vectors/fp_to_g1.csv, fp2_to_g2.csv, EIP-2537 encoding converted to
 * nearcore's: no 16-byte padding, Fp2 as c1 ‖ c0), logic/bls12381.rs (blst semantics version 0 at protocol 86)
 * and wasmtime_runner/logic.rs `bls12381_impl!` (charges). Gas is computed from the PV86 table.
 */
import test from 'ava';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, program, u64, U64_MAX } from './helpers.js';

const ext = runtimeConfig(86).extCosts;
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
const { Fp } = bls12_381.fields;

/** Calls `fn(len, 0, reg 0)` on `input`; returns nearcore's result code and the register when it is 0. */
function bls(fn: string, input: Uint8Array, len: bigint = BigInt(input.length)) {
  const pairing = fn === 'bls12381_pairing_check';
  const args = pairing ? `${u64(len)} ${u64(0)}` : `${u64(len)} ${u64(0)} ${u64(0)}`;
  const o = call(
    program({
      imports: [fn, 'value_return'],
      data: input.length ? [[0, input]] : [],
      body: `(i64.store (i32.const 65000) (call $${fn} ${args}))
        (if (i64.eqz (i64.load (i32.const 65000)))
          (then ${pairing ? '' : `(call $value_return ${u64(-1)} ${u64(0)})`})
          (else (call $value_return ${u64(8)} ${u64(65000)})))`,
    }),
  );
  if (o.aborted) return { aborted: o.aborted, profile: o.profile };
  const value = o.returnData.kind === 'Value' ? o.returnData.value : undefined;
  const code = value?.length === 8 ? new DataView(value.buffer, value.byteOffset).getBigUint64(0, true) : 0n;
  return { code, register: code === 0n ? value : undefined, profile: o.profile };
}

// fp_to_g1.csv rows 1 and 2, fp2_to_g2.csv row 1 (nearcore logic/tests/bls12381_test_vectors).
const FP_ROWS = [
  {
    u: '14406e5bfb9209256a3820879a29ac2f62d6aca82324bf3ae2aa7d3c54792043bd8c791fccdb080c1a52dc68b8b69350',
    p: '0d7721bcdb7ce1047557776eb2659a444166dc6dd55c7ca6e240e21ae9aa18f529f04ac31d861b54faf3307692545db7108286acbdf4384f67659a8abe89e712a504cb3ce1cba07a716869025d60d499a00d1da8cdc92958918c222ea93d87f0',
  },
  {
    u: '0e885bb33996e12f07da69073e2c0cc880bc8eff26d2a724299eb12d54f4bcf26f4748bb020e80a7e3794a7b0e47a641',
    p: '191ba6e4c4dafa22c03d41b050fe8782629337641be21e0397dc2553eb8588318a21d30647182782dee7f62a22fd020c0a721510a67277eabed3f153bd91df0074e1cbd37ef65b85226b1ce4fb5346d943cf21c388f0c5edbc753888254c760a',
  },
];
const FP2_ROW = {
  c0: '14406e5bfb9209256a3820879a29ac2f62d6aca82324bf3ae2aa7d3c54792043bd8c791fccdb080c1a52dc68b8b69350',
  c1: '0e885bb33996e12f07da69073e2c0cc880bc8eff26d2a724299eb12d54f4bcf26f4748bb020e80a7e3794a7b0e47a641',
  xc0: '0d029393d3a13ff5b26fe52bd8953768946c5510f9441f1136f1e938957882db6adbd7504177ee49281ecccba596f2bf',
  xc1: '1993f668fb1ae603aefbb1323000033fcb3b65d8ed3bf09c84c61e27704b745f540299a1872cd697ae45a5afd780f1d6',
  yc0: '079cb41060ef7a128d286c9ef8638689a49ca19da8672ea5c47b6ba6dbde193ee835d3b87a76a689966037c07159c10d',
  yc1: '17c688ae9a8b59a7069c27f2d58dd2196cb414f4fb89da8510518a1142ab19d158badd1c3bad03408fafb1669903cd6c',
};
// The G1 generator (draft-irtf-cfrg-pairing-friendly-curves), compressed and uncompressed.
const G1_GEN_X = '17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb';
const G1_GEN_Y = '08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1';
const INFINITY_G1 = concat(Uint8Array.of(0x40), new Uint8Array(95));

/** An uncompressed point on y² = x³ + 4 that is not in G1 (cofactor h ≠ 1): the smallest x ≥ 1 with a root. */
function offSubgroupG1(): Uint8Array {
  for (let x = 1n; ; x++) {
    const rhs = Fp.add(Fp.mul(Fp.sqr(x), x), 4n);
    let y: bigint;
    try {
      y = Fp.sqrt(rhs);
    } catch {
      continue;
    }
    if (!Fp.eql(Fp.sqr(y), rhs)) continue;
    if (!G1.fromAffine({ x, y }).isTorsionFree()) return hex(x.toString(16).padStart(96, '0') + y.toString(16).padStart(96, '0'));
  }
}
/** (0, 2): on the curve, outside the group, and rejected by blst as BLST_POINT_NOT_IN_GROUP at version 0. */
const ZERO_X_G1 = concat(new Uint8Array(48), hex('0'.repeat(94) + '02'));

test('map_fp_to_g1: fp_to_g1.csv rows, two elements per call; base once, element per item (bls12381.rs, logic.rs bls12381_impl)', (t) => {
  const r = bls('bls12381_map_fp_to_g1', concat(hex(FP_ROWS[0]!.u), hex(FP_ROWS[1]!.u)));
  t.is(r.code, 0n);
  t.is(Buffer.from(r.register!).toString('hex'), FP_ROWS[0]!.p + FP_ROWS[1]!.p);
  t.is(r.profile.BLS12381_MAP_FP_TO_G1_BASE, ext.bls12381_map_fp_to_g1_base);
  t.is(r.profile.BLS12381_MAP_FP_TO_G1_ELEMENT, 2n * ext.bls12381_map_fp_to_g1_element!);
  // no `base` for the BLS call itself: the only base is value_return's
  t.is(r.profile.BASE, ext.base);
});

test('map_fp_to_g1: an element ≥ p is not a field element -> 1, register untouched (read_fp_point)', (t) => {
  const p = Fp.ORDER.toString(16).padStart(96, '0');
  t.is(bls('bls12381_map_fp_to_g1', hex(p)).code, 1n);
});

test('map_fp2_to_g2: fp2_to_g2.csv row 1 with Fp2 as c1 ‖ c0 (bls12381.rs read_fp2_point)', (t) => {
  const r = bls('bls12381_map_fp2_to_g2', hex(FP2_ROW.c1 + FP2_ROW.c0));
  t.is(r.code, 0n);
  t.is(Buffer.from(r.register!).toString('hex'), FP2_ROW.xc1 + FP2_ROW.xc0 + FP2_ROW.yc1 + FP2_ROW.yc0);
  t.is(r.profile.BLS12381_MAP_FP2_TO_G2_ELEMENT, ext.bls12381_map_fp2_to_g2_element);
});

test('p1_decompress: the generator, its negation, infinity; x = 0 and a missing compression bit -> 1', (t) => {
  const gen = hex(G1_GEN_X);
  gen[0]! |= 0x80;
  const neg = Uint8Array.from(gen);
  neg[0]! |= 0x20;
  const inf = concat(Uint8Array.of(0xc0), new Uint8Array(47));
  const r = bls('bls12381_p1_decompress', concat(gen, neg, inf));
  t.is(r.code, 0n);
  t.deepEqual(r.register, concat(hex(G1_GEN_X + G1_GEN_Y), G1.BASE.negate().toBytes(false), INFINITY_G1));
  t.is(r.profile.BLS12381_P1_DECOMPRESS_ELEMENT, 3n * ext.bls12381_p1_decompress_element!);
  const zeroX = concat(Uint8Array.of(0x80), new Uint8Array(47));
  t.is(bls('bls12381_p1_decompress', zeroX).code, 1n);
  t.is(bls('bls12381_p1_decompress', hex(G1_GEN_X)).code, 1n);
});

test('p2_decompress: compressed G2 points round-trip to c1 ‖ c0 uncompressed coordinates', (t) => {
  const q = G2.BASE.multiply(7n);
  const r = bls('bls12381_p2_decompress', concat(q.toBytes(true), q.negate().toBytes(true)));
  t.is(r.code, 0n);
  t.deepEqual(r.register, concat(q.toBytes(false), q.negate().toBytes(false)));
});

test('p1_sum: G + G = 2G, G + (−G) = infinity; bad sign byte, compressed input and x = 0 -> 1 (bls12381.rs p1_sum)', (t) => {
  const g = G1.BASE.toBytes(false);
  const item = (sign: number, p: Uint8Array) => concat(Uint8Array.of(sign), p);
  const r = bls('bls12381_p1_sum', concat(item(0, g), item(0, g)));
  t.deepEqual(r.register, G1.BASE.double().toBytes(false));
  t.is(r.profile.BLS12381_P1_SUM_ELEMENT, 2n * ext.bls12381_p1_sum_element!);
  t.deepEqual(bls('bls12381_p1_sum', concat(item(0, g), item(1, g))).register, INFINITY_G1);
  t.is(bls('bls12381_p1_sum', item(2, g)).code, 1n);
  const flagged = Uint8Array.from(g);
  flagged[0]! |= 0x80;
  t.is(bls('bls12381_p1_sum', item(0, flagged)).code, 1n);
  t.is(bls('bls12381_p1_sum', item(0, ZERO_X_G1)).code, 1n);
});

test('p1_sum accepts an on-curve point outside G1 at version 0, g1_multiexp rejects it (subgroup check only in multiexp)', (t) => {
  const off = offSubgroupG1();
  t.deepEqual(bls('bls12381_p1_sum', concat(Uint8Array.of(0), off)).register, off);
  t.is(bls('bls12381_g1_multiexp', concat(off, Uint8Array.of(1), new Uint8Array(31))).code, 1n);
});

test('p2_sum: Q + Q = 2Q', (t) => {
  const q = G2.BASE.toBytes(false);
  const r = bls('bls12381_p2_sum', concat(Uint8Array.of(0), q, Uint8Array.of(0), q));
  t.deepEqual(r.register, G2.BASE.double().toBytes(false));
});

test('g1_multiexp / g2_multiexp: little-endian 256-bit scalars; 5·G + 261·G and 3·Q', (t) => {
  const s5 = concat(Uint8Array.of(5), new Uint8Array(31));
  const s261 = concat(Uint8Array.of(5, 1), new Uint8Array(30));
  const g = G1.BASE.toBytes(false);
  const r = bls('bls12381_g1_multiexp', concat(g, s5, g, s261));
  t.deepEqual(r.register, G1.BASE.multiply(266n).toBytes(false));
  t.is(r.profile.BLS12381_G1_MULTIEXP_ELEMENT, 2n * ext.bls12381_g1_multiexp_element!);
  const r2 = bls('bls12381_g2_multiexp', concat(G2.BASE.toBytes(false), Uint8Array.of(3), new Uint8Array(31)));
  t.deepEqual(r2.register, G2.BASE.multiply(3n).toBytes(false));
});

test('pairing_check: e(P,Q)·e(−P,Q) = 1 -> 0, e(P,Q) alone -> 2, empty -> 0, x = 0 -> 1 (bls12381.rs pairing_check)', (t) => {
  const p = G1.BASE.toBytes(false);
  const q = G2.BASE.toBytes(false);
  const r = bls('bls12381_pairing_check', concat(p, q, G1.BASE.negate().toBytes(false), q));
  t.is(r.code, 0n);
  t.is(r.profile.BLS12381_PAIRING_BASE, ext.bls12381_pairing_base);
  t.is(r.profile.BLS12381_PAIRING_ELEMENT, 2n * ext.bls12381_pairing_element!);
  t.is(bls('bls12381_pairing_check', concat(p, q)).code, 2n);
  t.is(bls('bls12381_pairing_check', new Uint8Array()).code, 0n);
  t.is(bls('bls12381_pairing_check', concat(ZERO_X_G1, q)).code, 1n);
});

test('a length that is not a multiple of the item size is BLS12381InvalidInput with nearcore\'s text (check_input_size)', (t) => {
  const cases: Array<[string, number, string]> = [
    ['bls12381_p1_sum', 98, 'Incorrect input length for bls12381_p1_sum: 98 is not divisible by 97'],
    ['bls12381_g2_multiexp', 225, 'Incorrect input length for bls12381_p2_multiexp: 225 is not divisible by 224'],
    ['bls12381_p2_decompress', 95, 'Incorrect input length for bls12381_p2_decompress: 95 is not divisible by 96'],
    ['bls12381_map_fp_to_g1', 47, 'Incorrect input length for bls12381_map_fp_to_g1: 47 is not divisible by 48'],
    ['bls12381_pairing_check', 289, 'Incorrect input length for bls12381_pairing_check: 289 is not divisible by 288'],
  ];
  for (const [fn, len, msg] of cases) {
    t.deepEqual(bls(fn, new Uint8Array(len)).aborted, { ExecutionError: `BLS12-381 invalid input: ${msg}` }, fn);
  }
});

test('register input (len = u64::MAX) overflows the per-element charge before the register is read (bls12381_impl)', (t) => {
  t.deepEqual(bls('bls12381_p1_decompress', new Uint8Array(), U64_MAX).aborted, { ExecutionError: 'Integer overflow.' });
});

/**
 * Which signatures `ecrecover` recovers a key from, against nearcore runtime/near-vm-runner/src/logic/logic.rs
 * and core/crypto/src/signature.rs: `check_signature_values` wants r < n and s < n, or s < n/2 + 1 with
 * malleability flag 1 (r or s = 0 pass it, and libsecp256k1 recovery then fails); recovery ids 2 and 3 take
 * x = r + n (libsecp256k1 `secp256k1_ecdsa_sig_recover`), which exists only when r + n < p. A refusal is 0 with
 * no register written; a key is 64 bytes, x ‖ y.
 */
import test from 'ava';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { call, program, u64 } from './helpers.js';

const N = secp256k1.Point.CURVE().n;
const P = secp256k1.Point.CURVE().p;
const be32 = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
const hash = sha256(new TextEncoder().encode('ecrecover edge cases'));

/** ecrecover(hash, r ‖ s, v, flag) into register 0: the key, or undefined when it returned 0. */
function ecrecover(r: bigint, s: bigint, v: number, malleabilityFlag: 0 | 1): Uint8Array | undefined {
  const o = call(
    program({
      imports: ['ecrecover', 'value_return'],
      data: [[0, hash], [32, new Uint8Array([...be32(r), ...be32(s)])]],
      body: `(if (i64.eq (call $ecrecover ${u64(32)} ${u64(0)} ${u64(64)} ${u64(32)} ${u64(v)} ${u64(malleabilityFlag)} ${u64(0)}) (i64.const 1))
        (then (call $value_return ${u64(-1)} ${u64(0)})))`,
    }),
  );
  if (o.aborted) throw new Error(JSON.stringify(o.aborted));
  return o.returnData.kind === 'Value' ? o.returnData.value : undefined;
}

/** The recovered key is one the signature verifies under (noble, high s allowed): recovery, not a guess. */
function verifiesUnder(key: Uint8Array, r: bigint, s: bigint): boolean {
  return secp256k1.verify(new Uint8Array([...be32(r), ...be32(s)]), hash, new Uint8Array([4, ...key]), { prehash: false, lowS: false, format: 'compact' });
}

const signed = secp256k1.Signature.fromBytes(secp256k1.sign(hash, new Uint8Array(32).fill(5), { prehash: false, format: 'recovered' }), 'recovered');

test('recovery ids 2 and 3 of an ordinary signature: 0 (x = r + n is at least p)', (t) => {
  t.true(signed.r + N >= P);
  t.is(ecrecover(signed.r, signed.s, signed.recovery!, 0)?.length, 64);
  t.is(ecrecover(signed.r, signed.s, 2, 0), undefined);
  t.is(ecrecover(signed.r, signed.s, 3, 0), undefined);
});

test('recovery id 2 or 3 with r < p − n recovers from the point x = r + n, a key the signature verifies under', (t) => {
  // the smallest r whose r + n is the x of a curve point
  let r = 1n;
  for (; ; r++) {
    try {
      secp256k1.Point.fromBytes(new Uint8Array([2, ...be32(r + N)]));
      break;
    } catch {
      /* not on the curve: next */
    }
  }
  const s = 12345n;
  for (const v of [2, 3]) {
    const key = ecrecover(r, s, v, 0);
    t.is(key?.length, 64, `v = ${v}`);
    t.true(verifiesUnder(key!, r, s), `v = ${v}`);
  }
  t.notDeepEqual(ecrecover(r, s, 2, 0), ecrecover(r, s, 3, 0));
});

test('malleability flag 1 accepts s up to ⌊n/2⌋ and refuses ⌊n/2⌋ + 1, which flag 0 accepts (check_signature_values)', (t) => {
  const half = N / 2n;
  const atHalf = ecrecover(signed.r, half, 0, 1);
  t.true(atHalf !== undefined && verifiesUnder(atHalf, signed.r, half));
  t.is(ecrecover(signed.r, half + 1n, 0, 1), undefined);
  const above = ecrecover(signed.r, half + 1n, 0, 0);
  t.true(above !== undefined && verifiesUnder(above, signed.r, half + 1n));
});

test('r = 0, s = 0, r = n or s = n: 0 whatever the flag', (t) => {
  for (const flag of [0, 1] as const) {
    t.is(ecrecover(0n, signed.s, signed.recovery!, flag), undefined, `r = 0, flag ${flag}`);
    t.is(ecrecover(signed.r, 0n, signed.recovery!, flag), undefined, `s = 0, flag ${flag}`);
    t.is(ecrecover(N, signed.s, signed.recovery!, flag), undefined, `r = n, flag ${flag}`);
    t.is(ecrecover(signed.r, N, signed.recovery!, flag), undefined, `s = n, flag ${flag}`);
  }
});

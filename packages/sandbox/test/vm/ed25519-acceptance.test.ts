/**
 * Which ed25519 signatures the `ed25519_verify` host function accepts: nearcore's logic.rs refuses a signature
 * whose last byte has a top bit set before reading the message, then calls ed25519-dalek's `Verifier::verify`
 * (cofactorless; small-order and non-canonical keys accepted; non-canonical R and S ≥ L refused). Run from a
 * Wasm module, one call per vector; the vectors and their sources are in test/ed25519-vectors.ts.
 */
import test from 'ava';
import { runtimeConfig } from '../../src/parameters/index.js';
import { DALEK_VALIDATION_VECTORS, TAMING_THE_MANY_EDDSAS, dalekVerifies, hexBytes } from '../ed25519-vectors.js';
import { call, program, u64 } from './helpers.js';

const ext = runtimeConfig(86).extCosts;

/** ed25519_verify(sig, msg, pk) from guest memory: its result and what it charged. */
function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
  const [sigAt, pkAt, msgAt, resultAt] = [0, 64, 96, 96 + message.length];
  const o = call(
    program({
      imports: ['ed25519_verify', 'value_return'],
      data: [[sigAt, signature], [pkAt, publicKey], ...(message.length ? [[msgAt, message] as [number, Uint8Array]] : [])],
      body: `(i64.store (i32.const ${resultAt}) (call $ed25519_verify ${u64(64)} ${u64(sigAt)} ${u64(message.length)} ${u64(msgAt)} ${u64(32)} ${u64(pkAt)}))
        (call $value_return ${u64(1)} ${u64(resultAt)})`,
    }),
  );
  if (o.returnData.kind !== 'Value') throw new Error(`ed25519_verify did not return: ${JSON.stringify(o.aborted)}`);
  return { accepted: o.returnData.value![0] === 1, profile: o.profile };
}

for (const v of TAMING_THE_MANY_EDDSAS) {
  test(`Taming the many EdDSAs case ${v.case} (${v.what}): ed25519_verify ${v.nearcore ? 'accepts' : 'refuses'} as dalek verify in logic.rs`, (t) => {
    const message = hexBytes(v.message);
    const { accepted, profile } = ed25519Verify(hexBytes(v.signature), message, hexBytes(v.publicKey));
    t.is(accepted, v.nearcore);
    t.is(profile.ED25519_VERIFY_BASE, ext.ed25519_verify_base);
    // logic.rs returns 0 for S ≥ 2^253 before the message is read: no per-byte charge then
    const tooBig = (hexBytes(v.signature)[63]! & 0xe0) !== 0;
    t.is(profile.ED25519_VERIFY_BYTE ?? 0n, tooBig ? 0n : BigInt(message.length) * ext.ed25519_verify_byte!);
  });
}

test('the Taming cases where dalek verify and verify_strict differ are the small-order ones (0, 1, 2, 11): ed25519_verify follows verify', (t) => {
  const differ = TAMING_THE_MANY_EDDSAS.filter((v) => v.nearcore !== v.verifyStrict).map((v) => v.case);
  t.deepEqual(differ, [0, 1, 2, 11]);
  for (const c of differ) {
    const v = TAMING_THE_MANY_EDDSAS[c]!;
    t.true(ed25519Verify(hexBytes(v.signature), hexBytes(v.message), hexBytes(v.publicKey)).accepted, `case ${c}`);
  }
});

test('ed25519-dalek VALIDATIONVECTORS 0–39: ed25519_verify accepts exactly the vectors whose flags dalek verify permits (validation_criteria.rs)', (t) => {
  const wrong: string[] = [];
  for (const [n, key, sig, msg, flags] of DALEK_VALIDATION_VECTORS) {
    const { accepted } = ed25519Verify(hexBytes(sig), new TextEncoder().encode(msg), hexBytes(key));
    if (accepted !== dalekVerifies(flags)) wrong.push(`#${n} [${flags.join(', ')}]: ${accepted ? 'accepted' : 'refused'}`);
  }
  t.deepEqual(wrong, []);
  // the set exercises both answers and every kind of edge case
  t.true(DALEK_VALIDATION_VECTORS.some(([, , , , f]) => dalekVerifies(f)) && DALEK_VALIDATION_VECTORS.some(([, , , , f]) => !dalekVerifies(f)));
});

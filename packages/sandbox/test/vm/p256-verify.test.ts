/**
 * `p256_verify` (protocol 85+, `p256_verify_host_fn`) against nearcore runtime/near-vm-runner/src/logic/tests/
 * p256_verify.rs: ECDSA P-256 over SHA-256 of the message, raw r ‖ s, compressed SEC1 key, high s accepted,
 * and its Wycheproof cases (ecdsa_secp256r1_sha256_p1363_test.json). Costs per the PV86 table.
 */
import test from 'ava';
import { p256 } from '@noble/curves/nist.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, program, u64 } from './helpers.js';

const ext = runtimeConfig(86).extCosts;
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

/** Calls p256_verify(sig, msg, pk) from guest memory and returns its result and profile. */
function verify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, protocolVersion = 86) {
  const at = [0, 200, 600];
  const o = call(
    program({
      imports: ['p256_verify', 'value_return'],
      data: [[at[0]!, sig], [at[1]!, msg], [at[2]!, pk]].filter(([, b]) => (b as Uint8Array).length > 0) as Array<[number, Uint8Array]>,
      body: `(i64.store (i32.const 1000) (call $p256_verify ${u64(sig.length)} ${u64(at[0]!)} ${u64(msg.length)} ${u64(at[1]!)} ${u64(pk.length)} ${u64(at[2]!)}))
        (call $value_return ${u64(8)} ${u64(1000)})`,
    }),
    { protocolVersion },
  );
  const v = o.returnData.kind === 'Value' ? o.returnData.value : undefined;
  return { result: v ? v[0] : undefined, aborted: o.aborted, profile: o.profile };
}

// p256_test_vectors(): the deterministic key of the nearcore test and a 32-byte message of 7s.
const secretKey = hex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
const message = new Uint8Array(32).fill(7);
const signature = p256.sign(message, secretKey, { prehash: true, format: 'compact' });
const publicKey = p256.getPublicKey(secretKey, true);

test('a valid signature verifies; costs read_memory ×3, p256_verify_base, p256_verify_byte × message (test_p256_verify_valid_signature)', (t) => {
  const r = verify(signature, message, publicKey);
  t.is(r.result, 1);
  t.is(r.profile.P256_VERIFY_BASE, ext.p256_verify_base);
  t.is(r.profile.P256_VERIFY_BYTE, 32n * ext.p256_verify_byte!);
  t.is(r.profile.READ_MEMORY_BYTE, BigInt(64 + 32 + 33 + 8) * ext.read_memory_byte!); // + value_return's 8 bytes
});

test('an all-zero signature does not parse: 0 before the message is read (test_p256_verify_bad_signature_bytes)', (t) => {
  const r = verify(new Uint8Array(64), message, publicKey);
  t.is(r.result, 0);
  t.false('P256_VERIFY_BYTE' in r.profile);
  t.is(r.profile.READ_MEMORY_BYTE, BigInt(64 + 8) * ext.read_memory_byte!);
});

test('a tampered message, another key or an all-zero key -> 0 (test_p256_verify_tampered_message / wrong_public_key / not_on_curve)', (t) => {
  const tampered = Uint8Array.from(message);
  tampered[0]! ^= 1;
  t.is(verify(signature, tampered, publicKey).result, 0);
  const other = p256.getPublicKey(hex('112233445566778899aabbccddeeff0102030405060708090a0b0c0d0e0f1021'), true);
  t.is(verify(signature, message, other).result, 0);
  t.is(verify(signature, message, new Uint8Array(33)).result, 0);
});

test('wrong signature or key length is P256VerifyInvalidInput (test_p256_verify_invalid_signature_length / public_key_length)', (t) => {
  t.regex(String(verify(signature.subarray(0, 63), message, publicKey).aborted?.ExecutionError), /invalid signature length$/);
  t.regex(String(verify(signature, message, publicKey.subarray(0, 32)).aborted?.ExecutionError), /invalid public key length$/);
});

test('Wycheproof: tcId 1 low s and tcId 171 high s verify; r = 0, r = n, n − r and a bad SEC1 tag do not', (t) => {
  const pk = hex('022927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838');
  const msg = hex('313233343030');
  t.is(verify(hex('2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76'), msg, pk).result, 1);
  const high = hex('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a9'.repeat(2));
  t.is(verify(high, msg, hex('0268ec6e298eafe16539156ce57a14b04a7047c221bafc3a582eaeb0d857c4d946')).result, 1);
  t.is(verify(new Uint8Array(64), msg, pk).result, 0);
  t.is(verify(hex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551' + '00'.repeat(32)), msg, pk).result, 0);
  t.is(verify(hex('d45c5740946b2a147f59262ee6f5bc90bd01ed280528b62b3aed5fc93f06f739b329f479a2bbd0a5c384ee1493b1f5186a87139cac5df4087c134b49156847db'), msg, pk).result, 0);
  const badTag = Uint8Array.from(pk);
  badTag[0] = 5;
  t.is(verify(hex('2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e184cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76'), msg, badTag).result, 0);
});

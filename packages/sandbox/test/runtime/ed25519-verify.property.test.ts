/**
 * The node verifies ed25519 with Node's OpenSSL for speed; nearcore with ed25519-dalek 2.x `Verifier::verify`
 * (core/crypto/src/signature.rs, runtime/near-vm-runner/src/logic/logic.rs). This checks they agree beyond the named
 * vectors: a model of dalek's steps (ed25519-dalek verifying.rs `raw_verify`: canonical S, curve25519-dalek's lenient
 * decompression of A, k = SHA-512(R ‖ A ‖ M) over the bytes as sent, [S]B − [k]A compressed and compared with R's
 * bytes) is first held to every vector's documented outcome, then compared with the node on signatures built at the
 * edges: keys and R with small-order components, non-canonical encodings, S = 0 and S + L.
 */
import test from 'ava';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { KeyType } from '../../src/index.js';
import { verifySignature } from '../../src/primitives/crypto.js';
import { DALEK_VALIDATION_VECTORS, TAMING_THE_MANY_EDDSAS, dalekVerifies, hexBytes } from '../ed25519-vectors.js';

const Point = ed25519.Point;
const L = Point.Fn.ORDER;
const P = Point.Fp.ORDER;
const fromLE = (b: Uint8Array) => b.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);
const toLE = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

/** curve25519-dalek `CompressedEdwardsY::decompress`: y taken mod p, x = 0 with the sign bit set accepted (ZIP 215's decoding). */
const decompress = (bytes: Uint8Array) => {
  try {
    return Point.fromBytes(bytes, true);
  } catch {
    return undefined;
  }
};

function dalekVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const A = decompress(publicKey);
  const S = fromLE(signature.subarray(32));
  if (!A || S >= L) return false;
  const R = signature.subarray(0, 32);
  const k = fromLE(sha512(new Uint8Array([...R, ...publicKey, ...message]))) % L;
  const expected = Point.BASE.multiplyUnsafe(S).subtract(A.multiplyUnsafe(k)).toBytes();
  return Buffer.from(expected).equals(Buffer.from(R));
}

const node = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
  verifySignature({ keyType: KeyType.ED25519, data: signature }, message, { keyType: KeyType.ED25519, data: publicKey });

test('the dalek model gives every named vector its documented outcome (so it can judge the node below)', (t) => {
  for (const v of TAMING_THE_MANY_EDDSAS) t.is(dalekVerify(hexBytes(v.signature), hexBytes(v.message), hexBytes(v.publicKey)), v.nearcore, `Taming case ${v.case}`);
  for (const [n, key, sig, msg, flags] of DALEK_VALIDATION_VECTORS) {
    t.is(dalekVerify(hexBytes(sig), new TextEncoder().encode(msg), hexBytes(key)), dalekVerifies(flags), `validation vector ${n}`);
  }
});

/** The 8 points of order dividing 8: multiples of an order-8 point (Taming case 0's public key). */
const TORSION = Array.from({ length: 8 }, (_, i) => Point.fromBytes(hexBytes('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa')).multiplyUnsafe(BigInt(i)));

/** The encodings dalek decodes to `point`: canonical; sign bit flipped when x = 0; y + p when that fits in 255 bits. */
function encodings(point: InstanceType<typeof Point>): Uint8Array[] {
  const canonical = point.toBytes();
  const out = [canonical];
  const y = fromLE(canonical.map((b, i) => (i === 31 ? b & 0x7f : b)));
  const xIsZero = point.toAffine().x === 0n;
  const flipped = (b: Uint8Array) => b.map((x, i) => (i === 31 ? x ^ 0x80 : x));
  if (xIsZero) out.push(flipped(canonical));
  if (y + P < 2n ** 255n) {
    const nonCanonical = toLE(y + P);
    nonCanonical[31]! |= canonical[31]! & 0x80;
    out.push(nonCanonical);
    if (xIsZero) out.push(flipped(nonCanonical));
  }
  return out;
}

const scalar = fc.bigInt({ min: 0n, max: L - 1n });
const edgeSignature = fc.record({
  a: fc.oneof(fc.constant(0n), scalar),
  torsionA: fc.nat(7),
  r: fc.oneof(fc.constant(0n), scalar),
  torsionR: fc.nat(7),
  encodingA: fc.nat(3),
  encodingR: fc.nat(3),
  message: fc.uint8Array({ maxLength: 40 }),
  s: fc.constantFrom('honest', 'plus L', 'zero'),
});

test('property: the node (OpenSSL) accepts exactly the signatures dalek verify accepts, at the small-order and encoding edges', (t) => {
  let accepted = 0;
  fc.assert(
    fc.property(edgeSignature, (c) => {
      const A = (c.a === 0n ? Point.ZERO : Point.BASE.multiply(c.a)).add(TORSION[c.torsionA]!);
      const R = (c.r === 0n ? Point.ZERO : Point.BASE.multiply(c.r)).add(TORSION[c.torsionR]!);
      const aEncodings = encodings(A);
      const rEncodings = encodings(R);
      const publicKey = aEncodings[c.encodingA % aEncodings.length]!;
      const rBytes = rEncodings[c.encodingR % rEncodings.length]!;
      const k = fromLE(sha512(new Uint8Array([...rBytes, ...publicKey, ...c.message]))) % L;
      const honest = (c.r + k * c.a) % L;
      const S = c.s === 'zero' ? 0n : c.s === 'plus L' ? honest + L : honest;
      const signature = new Uint8Array([...rBytes, ...toLE(S)]);
      const expected = dalekVerify(signature, c.message, publicKey);
      if (expected) accepted++;
      return node(signature, c.message, publicKey) === expected;
    }),
    { numRuns: 300 },
  );
  t.true(accepted > 0, 'some generated signatures verify, so both answers were compared');
});

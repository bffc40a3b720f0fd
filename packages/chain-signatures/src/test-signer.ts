/**
 * What the MPC network does, done with one key: signs with the derived private key of
 * (predecessor, path). Used by the off-chain responder of the signer test double and by tests.
 * Never use these root keys for real funds.
 *
 * secp256k1: derived secret = root secret + eps (mod n).
 * ed25519:   derived secret scalar = root scalar + eps (mod l). FROST produces standard Ed25519
 *            signatures for that scalar; signing with a bare scalar (no seed) follows RFC 8032's
 *            equations with a deterministic nonce from the scalar and the message.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToNumberLE, numberToBytesLE, numberToBytesBE } from '@noble/curves/utils.js';
import { deriveTweak, ed25519TweakScalar, formatEd25519Key, formatSecp256k1Key, secp256k1TweakScalar } from './derivation.js';
import type { EcdsaResponse, EddsaResponse, SignatureResponse } from './response.js';
import type { SignatureRequest } from './request.js';

export interface TestRootKeys {
  secp256k1Secret: bigint;
  ed25519Scalar: bigint;
}

/** Fixed, public test roots, so a local node's addresses are reproducible. */
export const TEST_ROOT_KEYS: TestRootKeys = {
  secp256k1Secret: 0x6e6561722d74732d737461636b2d746573742d726f6f742d7365637032353601n,
  ed25519Scalar: 0x6e6561722d74732d737461636b2d746573742d726f6f742d65643235353139n % ed25519.Point.Fn.ORDER,
};

export function rootPublicKeys(keys: TestRootKeys = TEST_ROOT_KEYS): { secp256k1: string; ed25519: string } {
  return {
    secp256k1: formatSecp256k1Key(secp256k1.Point.BASE.multiply(keys.secp256k1Secret).toBytes(false).slice(1)),
    ed25519: formatEd25519Key(ed25519.Point.BASE.multiply(keys.ed25519Scalar).toBytes()),
  };
}

/** Signs a 32-byte prehash (e.g. keccak256 of an Ethereum transaction) as the MPC network would. */
export function signEcdsa(payload: Uint8Array, predecessor: string, path: string, keys: TestRootKeys = TEST_ROOT_KEYS): EcdsaResponse {
  return signEcdsaWithTweak(payload, deriveTweak(predecessor, path), keys);
}

/** Signs `message` with the derived ed25519 scalar; verifies with standard Ed25519 against the derived key. */
export function signEddsa(message: Uint8Array, predecessor: string, path: string, keys: TestRootKeys = TEST_ROOT_KEYS): EddsaResponse {
  return signEddsaWithTweak(message, deriveTweak(predecessor, path), keys);
}

/**
 * Answers a stored request as the MPC network would (it knows only the tweak, not who asked):
 * domain 0 signs the ECDSA prehash, domain 1 the EdDSA message.
 */
export function signRequest(request: SignatureRequest, keys: TestRootKeys = TEST_ROOT_KEYS): SignatureResponse {
  const tweak = Uint8Array.from(request.tweak);
  if (request.domain_id === 0 && 'Ecdsa' in request.payload) return signEcdsaWithTweak(Buffer.from(request.payload.Ecdsa, 'hex'), tweak, keys);
  if (request.domain_id === 1 && 'Eddsa' in request.payload) return signEddsaWithTweak(Buffer.from(request.payload.Eddsa, 'hex'), tweak, keys);
  throw new Error(`The test signer has no key for domain ${request.domain_id} with a ${Object.keys(request.payload)[0]} payload`);
}

function signEcdsaWithTweak(payload: Uint8Array, tweak: Uint8Array, keys: TestRootKeys): EcdsaResponse {
  const n = secp256k1.Point.Fn.ORDER;
  const secret = (keys.secp256k1Secret + secp256k1TweakScalar(tweak)) % n;
  const signature = secp256k1.Signature.fromBytes(
    secp256k1.sign(payload, numberToBytesBE(secret, 32), { prehash: false, format: 'recovered' }),
    'recovered',
  );
  const recovery = signature.recovery!;
  // Bit 1 of the recovery id would mean R.x = r + n; that happens with probability ~2^-128.
  if (recovery > 1) throw new Error('Unsupported recovery id; sign again with another payload');
  return {
    scheme: 'Secp256k1',
    big_r: { affine_point: `${recovery === 1 ? '03' : '02'}${signature.r.toString(16).padStart(64, '0')}` },
    s: { scalar: signature.s.toString(16).padStart(64, '0') },
    recovery_id: recovery,
  };
}

function signEddsaWithTweak(message: Uint8Array, tweak: Uint8Array, keys: TestRootKeys): EddsaResponse {
  const l = ed25519.Point.Fn.ORDER;
  const scalar = (keys.ed25519Scalar + ed25519TweakScalar(tweak)) % l;
  const publicKey = ed25519.Point.BASE.multiply(scalar).toBytes();
  const nonce = bytesToNumberLE(sha512(new Uint8Array([...numberToBytesLE(scalar, 32), ...message]))) % l;
  const R = ed25519.Point.BASE.multiply(nonce === 0n ? 1n : nonce).toBytes();
  const k = bytesToNumberLE(sha512(new Uint8Array([...R, ...publicKey, ...message]))) % l;
  const S = ((nonce === 0n ? 1n : nonce) + k * scalar) % l;
  return { scheme: 'Ed25519', signature: [...R, ...numberToBytesLE(S, 32)] };
}

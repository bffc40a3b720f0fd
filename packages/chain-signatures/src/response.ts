/**
 * The MPC signer's response shapes (near/mpc `crates/near-mpc-crypto-types/src/primitives.rs`):
 *   ECDSA: {"scheme":"Secp256k1","big_r":{"affine_point":"03<x>"},"s":{"scalar":"<s>"},"recovery_id":1}
 *   EdDSA: {"scheme":"Ed25519","signature":[64 integers]}
 * Legacy responses carry the ECDSA fields without `scheme`.
 */
export interface EcdsaResponse {
  scheme?: 'Secp256k1';
  big_r: { affine_point: string };
  s: { scalar: string };
  recovery_id: number;
}

export interface EddsaResponse {
  scheme: 'Ed25519';
  signature: number[];
}

export type SignatureResponse = EcdsaResponse | EddsaResponse;

export class MalformedSignatureResponseError extends Error {
  constructor(detail: string) {
    super(`Malformed signature response: ${detail}`);
    this.name = 'MalformedSignatureResponseError';
  }
}

export interface EcdsaSignature {
  r: bigint;
  s: bigint;
  /** 0 or 1: the parity of R's y coordinate. */
  recoveryId: number;
}

/** r, s and the recovery id of an ECDSA response (chainsig.js `toRSV`: r is big_r without its prefix byte). */
export function ecdsaFromResponse(response: SignatureResponse): EcdsaSignature {
  if ('signature' in response) throw new MalformedSignatureResponseError('expected an ECDSA (Secp256k1) response, got Ed25519');
  const point = response.big_r?.affine_point;
  const scalar = response.s?.scalar;
  if (typeof point !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(point)) throw new MalformedSignatureResponseError('big_r.affine_point must be a 33-byte compressed point in hex');
  if (typeof scalar !== 'string' || !/^[0-9a-fA-F]{64}$/.test(scalar)) throw new MalformedSignatureResponseError('s.scalar must be 32 bytes in hex');
  if (response.recovery_id !== 0 && response.recovery_id !== 1) throw new MalformedSignatureResponseError('recovery_id must be 0 or 1');
  return { r: BigInt(`0x${point.slice(2)}`), s: BigInt(`0x${scalar}`), recoveryId: response.recovery_id };
}

export function eddsaFromResponse(response: SignatureResponse): Uint8Array {
  if (!('signature' in response) || !Array.isArray(response.signature) || response.signature.length !== 64) {
    throw new MalformedSignatureResponseError('expected an Ed25519 response with 64 signature bytes');
  }
  return Uint8Array.from(response.signature);
}

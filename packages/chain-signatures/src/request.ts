/**
 * The signer's request types on the wire (near/mpc `crates/near-mpc-crypto-types/src/sign.rs` and
 * `primitives.rs`, release 3.14.1):
 * - `SignRequestArgs`, the argument of `sign`: `{path, payload_v2, domain_id}`, or the legacy
 *   `{path, payload: [32 integers], key_version}` (always ECDSA), either pair may mix;
 * - `SignatureRequest`, what `sign` stores and `respond` / `get_pending_request` take:
 *   `{tweak: [32 integers], payload, domain_id}` with tweak = deriveTweak(predecessor, path).
 * An MPC node (here scripts/mpc-responder.ts) turns the first into the second from the `sign`
 * receipt it sees on chain: the predecessor is the receipt's, the path is in the arguments.
 */
import { deriveTweak } from './derivation.js';

export type SignPayload = { Ecdsa: string } | { Eddsa: string };

/** near/mpc `EDDSA_PAYLOAD_SIZE_UPPER_BOUND_BYTES` (a Solana transaction); since 3.14.0 there is no lower bound. */
export const EDDSA_PAYLOAD_MAX_BYTES = 1232;

export interface SignatureRequest {
  tweak: number[];
  payload: SignPayload;
  domain_id: number;
}

export class InvalidSignRequestError extends Error {
  constructor(detail: string) {
    super(`Invalid sign request: ${detail}`);
    this.name = 'InvalidSignRequestError';
  }
}

/** The request `sign` stores for `predecessor` calling with these arguments (lower-case hex, as serde writes it). */
export function signatureRequest(predecessor: string, path: string, payload: SignPayload, domainId: number): SignatureRequest {
  const normalised: SignPayload = 'Ecdsa' in payload ? { Ecdsa: payload.Ecdsa.toLowerCase() } : { Eddsa: payload.Eddsa.toLowerCase() };
  return { tweak: Array.from(deriveTweak(predecessor, path)), payload: normalised, domain_id: domainId };
}

/**
 * The request of a `sign` call from its arguments (`{request: SignRequestArgs}`, current or legacy
 * field names) and the caller. Throws InvalidSignRequestError on arguments the signer refuses to parse.
 */
export function signatureRequestFromSignArgs(predecessor: string, args: unknown): SignatureRequest {
  const request = (args as { request?: Record<string, unknown> } | null)?.request;
  if (request === null || typeof request !== 'object') throw new InvalidSignRequestError('expected {"request": {path, payload_v2, domain_id}}');
  if (typeof request.path !== 'string') throw new InvalidSignRequestError('path must be a string');
  let payload: SignPayload;
  if (request.payload_v2 !== undefined && request.payload_v2 !== null) {
    payload = request.payload_v2 as SignPayload;
    const hex = typeof payload === 'object' ? ('Ecdsa' in payload ? payload.Ecdsa : 'Eddsa' in payload ? payload.Eddsa : undefined) : undefined;
    if (typeof hex !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(hex)) throw new InvalidSignRequestError('payload_v2 must be {"Ecdsa": hex} or {"Eddsa": hex}');
    if ('Ecdsa' in payload ? hex.length !== 64 : hex.length > 2 * EDDSA_PAYLOAD_MAX_BYTES) throw new InvalidSignRequestError(`an Ecdsa payload is 32 bytes, an Eddsa payload at most ${EDDSA_PAYLOAD_MAX_BYTES}`);
  } else if (Array.isArray(request.payload) && request.payload.length === 32) {
    payload = { Ecdsa: Buffer.from(request.payload as number[]).toString('hex') };
  } else {
    throw new InvalidSignRequestError('payload_v2, or a legacy payload of 32 integers, is required');
  }
  const domainId = request.domain_id ?? request.key_version;
  if (typeof domainId !== 'number') throw new InvalidSignRequestError('domain_id (or legacy key_version) is required');
  return signatureRequest(predecessor, request.path, payload, domainId);
}

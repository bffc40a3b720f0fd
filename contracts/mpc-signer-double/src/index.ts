/**
 * A stand-in for NEAR's MPC signer (`v1.signer`, near/mpc 3.14.1) on the local node: the same
 * methods, argument and return shapes, deposit and gas rules, failure messages and yield/resume
 * flow (near/mpc `crates/contract/src/api/sign.rs`, `api/keys.rs`, `api/common.rs`,
 * `pending_requests.rs`, `errors.rs`). What differs: the root keys are fixed test keys (init), the
 * participants are test accounts named at init, and there is no governance, TEE, CKD or
 * foreign-chain API (README, "Differences").
 *
 * `sign` yields; a participant signs off-chain and calls `respond({request, response})`
 * (scripts/mpc-responder.ts reads the `sign` receipts from the node's chunks, as MPC nodes index
 * the chain); the double checks the signature against the derived key and resumes every caller
 * queued for that request. An unanswered request fails after 200 blocks with
 * `Request has timed out.`
 *
 * Test-only: deploy scripts refuse to put it anywhere but the local node and testnet.
 */
import { NearBindgen, call, view, initialize, near } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { assertInitBySelf } from '../../lib/guards';
import { ed25519Verify, yieldCreate } from '../../lib/host';
import * as errors from './errors';
import { CURVE_OF_DOMAIN, DOMAIN_SECP256K1, derivedKeyBytes, formatKey, isSignDomain, rootPublicKey, storeRootKeys } from './keys';
import { addParticipant, assertCallerIsAttestedParticipant } from './participants';
import { bytesEqual } from './bytes';
import { deriveTweak } from './derivation';
import { oldestPendingYield, popOldestPendingYield, pushPendingYield, resolveYieldsFor } from './pending';
import {
  hexToBytes,
  parseSignatureRequest,
  parseSignatureResponse,
  parseSignRequestArgs,
  requestJson,
  signatureRequest,
  type SignatureRequest,
  type SignatureResponse,
} from './request';

const TGAS = 1_000_000_000_000n;
/** near/mpc config default `sign_call_gas_attachment_requirement_tera_gas`. */
const SIGN_CALL_GAS_REQUIREMENT_TGAS = 15;
/**
 * Gas of the yield callback. near/mpc attaches 7 Tgas (`return_signature_and_clean_state_on_success_call_tera_gas`);
 * the double's callback burns about the same on success, and on a timeout it also attaches
 * FAIL_ON_TIMEOUT_TGAS to `fail_on_timeout` (measured: README, "Gas").
 */
const RETURN_SIGNATURE_TGAS = 7;
/** near/mpc config default `fail_on_timeout_tera_gas`. */
const FAIL_ON_TIMEOUT_TGAS = 2;
/** near/mpc `SIGN_DEPOSIT_YOCTONEAR` (crates/near-mpc-contract-interface/src/deposits.rs). */
const SIGN_DEPOSIT = 1n;
/** The secp256k1 group order n in hex: a prehash must be below it (k256 `Scalar::from_repr`). */
const SECP256K1_N_HEX = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141';

function assertPrivateMethod(method: string): void {
  if (near.predecessorAccountId() !== near.currentAccountId()) panic(errors.methodIsPrivate(method));
}

function assertNoDeposit(method: string): void {
  if (near.attachedDeposit() !== 0n) panic(errors.methodTakesNoDeposit(method));
}

/** Rust's `{:?}` of a SignatureResponse, for the scheme-mismatch message. */
function debugResponse(response: SignatureResponse): string {
  if (response.scheme === 'Secp256k1') {
    const point = Array.from(hexToBytes(response.big_r.affine_point)).join(', ');
    const scalar = Array.from(hexToBytes(response.s.scalar)).join(', ');
    return `Secp256k1(K256Signature { big_r: K256AffinePoint { affine_point: [${point}] }, s: K256Scalar { scalar: [${scalar}] }, recovery_id: ${response.recovery_id} })`;
  }
  const type = response.scheme === 'Ed25519' ? 'Ed25519Signature' : 'CheetahSignature';
  return `${response.scheme} { signature: ${type}([${response.signature.join(', ')}]) }`;
}

/** Whether `response` is a valid signature of the request's payload by the request's derived key (api/sign.rs `respond`). */
function signatureIsValid(request: SignatureRequest, response: SignatureResponse): boolean {
  const curve = CURVE_OF_DOMAIN[request.domain_id];
  if (curve === 'Secp256k1' && response.scheme === 'Secp256k1') {
    const expected = derivedKeyBytes(request.domain_id, request.tweak);
    if (!('Ecdsa' in request.payload)) panic('Payload is not ECDSA');
    if (response.recovery_id > 3) return false;
    const signature = new Uint8Array(64);
    signature.set(hexToBytes(response.big_r.affine_point).subarray(1), 0);
    signature.set(hexToBytes(response.s.scalar), 32);
    const recovered = near.ecrecover(hexToBytes(request.payload.Ecdsa), signature, response.recovery_id, 1);
    return recovered !== null && bytesEqual(recovered, expected);
  }
  if (curve === 'Edwards25519' && response.scheme === 'Ed25519') {
    const expected = derivedKeyBytes(request.domain_id, request.tweak);
    if (!('Eddsa' in request.payload)) panic(errors.PAYLOAD_NOT_EDDSA);
    return ed25519Verify(Uint8Array.from(response.signature), hexToBytes(request.payload.Eddsa), expected);
  }
  panic(errors.schemeMismatch(debugResponse(response), `${curve} { public_key: ${rootPublicKey(request.domain_id)} }`));
}

/**
 * No fields: each part of the state lives under its own key (keys.ts, participants.ts, pending.ts),
 * so a call reads only what it needs.
 */
@NearBindgen({ requireInit: true })
export class MpcSignerDouble {
  /**
   * Test-only initialisation (the real contract starts through `init` + key generation, or
   * `init_running`): the root public keys of domains 0 and 1 (their secrets are the test keys of
   * packages/chain-signatures) and the accounts that count as attested participants.
   */
  @initialize({})
  init({ secp256k1_root, ed25519_root, participants }: { secp256k1_root: string; ed25519_root: string; participants: string[] }): void {
    assertInitBySelf();
    storeRootKeys(secp256k1_root, ed25519_root);
    require(Array.isArray(participants) && participants.length > 0 && participants.every((p) => typeof p === 'string' && p.length > 0), 'MpcSignerDouble: participants must be a non-empty list of account ids');
    for (const participant of participants) addParticipant(participant);
  }

  /**
   * near/mpc `sign` (api/sign.rs, api/common.rs `check_request_preconditions`): domain, gas,
   * deposit (≥ 1 yoctoNEAR, the excess refunded), payload; then yields until `respond` or the
   * 200-block timeout. The caller's receipt returns the `SignatureResponse`.
   */
  @call({ payableFunction: true })
  sign({ request }: { request: unknown }): void {
    const { path, payload, domainId } = parseSignRequestArgs(request);
    if (!isSignDomain(domainId)) panic(errors.domainNotFound(domainId));
    const required = BigInt(SIGN_CALL_GAS_REQUIREMENT_TGAS) * TGAS;
    if (near.prepaidGas() < required) panic(errors.insufficientGas(near.prepaidGas(), required));
    const predecessor = near.predecessorAccountId();
    const deposit = near.attachedDeposit();
    if (deposit < SIGN_DEPOSIT) panic(errors.insufficientDeposit(deposit, SIGN_DEPOSIT));
    if (deposit > SIGN_DEPOSIT) near.promiseBatchActionTransfer(near.promiseBatchCreate(predecessor), deposit - SIGN_DEPOSIT);
    if (domainId === DOMAIN_SECP256K1) {
      if (!('Ecdsa' in payload)) panic(errors.PAYLOAD_NOT_ECDSA);
      // Both are 64 lower-case hex digits, so string order is numeric order (and costs no BigInt work in QuickJS).
      if (payload.Ecdsa >= SECP256K1_N_HEX) panic(errors.PAYLOAD_NOT_SCALAR);
    } else if (!('Eddsa' in payload)) {
      panic(errors.PAYLOAD_NOT_EDDSA);
    }
    const json = requestJson(signatureRequest(domainId, payload, predecessor, path));
    // The callback's argument is the one-element tuple `(request,)`, a JSON array, as near/mpc's.
    const { promiseIndex, dataId } = yieldCreate('return_signature_and_clean_state_on_success', `[${json}]`, BigInt(RETURN_SIGNATURE_TGAS) * TGAS);
    pushPendingYield(json, dataId);
    near.promiseReturn(promiseIndex);
  }

  /**
   * near/mpc `respond`: an attested participant, from its own account, answers `request` (as
   * `sign` stored it) with `response`. The signature must verify against the request's derived
   * key; then every caller queued for the request is resumed with it. Returns nothing.
   */
  @call({ payableFunction: true })
  respond({ request, response }: { request: unknown; response: unknown }): void {
    assertNoDeposit('respond');
    const parsedRequest = parseSignatureRequest(request);
    const parsedResponse = parseSignatureResponse(response);
    assertCallerIsAttestedParticipant();
    if (!isSignDomain(parsedRequest.domain_id)) panic(errors.NO_SUCH_DOMAIN);
    if (!signatureIsValid(parsedRequest, parsedResponse)) panic(errors.INVALID_SIGNATURE);
    if (resolveYieldsFor(requestJson(parsedRequest), JSON.stringify(parsedResponse)) === 0) panic(errors.REQUEST_NOT_FOUND);
  }

  /**
   * Yield callback (private): the signature to the waiting caller, or, when the protocol resumed
   * the yield after 200 blocks, the oldest queued yield removed and `fail_on_timeout` scheduled,
   * as near/mpc does. Its argument is `[request]`.
   */
  @call({ payableFunction: true })
  return_signature_and_clean_state_on_success({ request }: { request?: unknown }): void {
    assertPrivateMethod('return_signature_and_clean_state_on_success');
    let signature: string | null = null;
    try {
      signature = near.promiseResult(0);
    } catch (_) {
      signature = null;
    }
    if (signature !== null) {
      near.valueReturn(signature);
      return;
    }
    // near-sdk-js hands the parsed input over as is: here the array `[request]`, not `{request}`.
    const input = JSON.parse(near.input()) as unknown;
    popOldestPendingYield(requestJson(parseSignatureRequest(Array.isArray(input) ? input[0] : request)));
    const fail = near.promiseBatchCreate(near.currentAccountId());
    near.promiseBatchActionFunctionCall(fail, 'fail_on_timeout', '', 0n, BigInt(FAIL_ON_TIMEOUT_TGAS) * TGAS);
    near.promiseReturn(fail);
  }

  /** Private: fails the waiting caller's promise with near/mpc's timeout message. */
  @call({ payableFunction: true })
  fail_on_timeout(): void {
    assertPrivateMethod('fail_on_timeout');
    panic(errors.TIMEOUT);
  }

  // ------------------------------------------------------------ views (near/mpc api/keys.rs, api/sign.rs)

  /** Presence of a pending request: `{data_id: [32 integers]}` of its oldest queued yield, or null. */
  @view({})
  get_pending_request({ request }: { request: unknown }): { data_id: number[] } | null {
    const dataId = oldestPendingYield(requestJson(parseSignatureRequest(request)));
    return dataId === null ? null : { data_id: Array.from(hexToBytes(dataId)) };
  }

  @view({})
  public_key({ domain_id }: { domain_id?: number | null }): string {
    return rootPublicKey(domain_id ?? DOMAIN_SECP256K1);
  }

  @view({})
  derived_public_key({ path, predecessor, domain_id }: { path: string; predecessor?: string | null; domain_id?: number | null }): string {
    if (typeof path !== 'string') errors.badInput('missing field `path`');
    const domain = domain_id ?? DOMAIN_SECP256K1;
    rootPublicKey(domain);
    return formatKey(domain, derivedKeyBytes(domain, deriveTweak(predecessor ?? near.predecessorAccountId(), path)));
  }

  /** The most recent domain of a curve (`Secp256k1` by default, `Edwards25519`). */
  @view({})
  latest_key_version({ signature_scheme }: { signature_scheme?: string | null }): number {
    const curve = signature_scheme ?? 'Secp256k1';
    if (curve !== 'Secp256k1' && curve !== 'Edwards25519' && curve !== 'Bls12381') {
      errors.badInput(`unknown variant \`${String(curve)}\`, expected one of \`Secp256k1\`, \`Edwards25519\`, \`Bls12381\``);
    }
    const domain = Object.keys(CURVE_OF_DOMAIN).map(Number).filter((id) => CURVE_OF_DOMAIN[id] === curve).pop();
    // near/mpc: `most_recent_domain_for_curve(..).unwrap()` on a curve without a domain.
    if (domain === undefined) panic('called `Option::unwrap()` on a `None` value');
    return domain;
  }

  /** The request-related part of near/mpc's `Config` (the governance and TEE fields are absent). */
  @view({})
  config(): Record<string, number> {
    return {
      sign_call_gas_attachment_requirement_tera_gas: SIGN_CALL_GAS_REQUIREMENT_TGAS,
      return_signature_and_clean_state_on_success_call_tera_gas: RETURN_SIGNATURE_TGAS,
      fail_on_timeout_tera_gas: FAIL_ON_TIMEOUT_TGAS,
    };
  }
}

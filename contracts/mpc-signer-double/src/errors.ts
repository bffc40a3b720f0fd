/**
 * The real signer's failure messages, word for word, so that callers and tests of the double see
 * what `v1.signer` says. Sources (near/mpc, release 3.14.1 and main after it):
 * - `crates/contract/src/errors.rs` (`InvalidParameters`, `RequestError`, `RespondError`,
 *   `DomainError`), raised with `env::panic_str(&err.to_string())` ("Smart contract panicked: <text>");
 * - near-sdk-rs's generated wrappers: "Method <name> is private", "Method <name> doesn't accept
 *   deposit", "Failed to deserialize input from JSON. Error: `<serde_json error>`";
 * - `crates/contract/src/api/authorization.rs` (`assert_caller_is_signer`,
 *   `assert_caller_is_attested_participant_and_protocol_active`) and `api/sign.rs`
 *   (`expect("Payload is not Ecdsa")`): Rust assertion panics. On the real contract these reach the
 *   caller through near-sdk's panic hook, prefixed with the Rust source location
 *   ("panicked at crates/contract/src/…:<line>:<column>:\n"), which depends on the release; the
 *   double gives the text after that prefix.
 */
import { panic } from '../../lib/errors';

/** InvalidParameters::DomainNotFound (sign, on an unknown domain id). */
export const domainNotFound = (domainId: number | string) => `The provided domain ID, ${domainId}, was not found.`;
/** DomainError::NoSuchDomain (public_key, derived_public_key, respond). */
export const NO_SUCH_DOMAIN = 'No such domain.';
export const insufficientGas = (provided: bigint, required: bigint) => `Provided gas is lower than required. Provided: ${provided}, required: ${required}`;
export const insufficientDeposit = (attached: bigint, required: bigint) => `Attached deposit is lower than required. Attached: ${attached}, required: ${required}`;
/** InvalidParameters::RequestNotFound. */
export const REQUEST_NOT_FOUND = 'This sign request has timed out, was completed, or never existed.';
/** RequestError::Timeout. */
export const TIMEOUT = 'Request has timed out.';
/** RequestError::PendingRequestQueueFull. */
export const queueFull = (limit: number) =>
  `Pending-request queue is full for this request key (limit: ${limit}). Try again once an in-flight response or timeout has cleared room.`;
/** RespondError::InvalidSignature. */
export const INVALID_SIGNATURE = 'The provided signature is invalid.';
/** RespondError::TweakNotOnCurve / PublicKeyError::TweakNotOnCurve. */
export const TWEAK_NOT_ON_CURVE = 'The provided tweak is not on the curve of the public key.';
/** api/sign.rs `request.payload.as_ecdsa().expect(...)` and `as_eddsa().expect(...)`. */
export const PAYLOAD_NOT_ECDSA = 'Payload is not Ecdsa';
export const PAYLOAD_NOT_EDDSA = 'Payload is not EdDSA';
/** api/sign.rs `k256::Scalar::from_repr(hash).expect(...)`: the prehash must be below the group order. */
export const PAYLOAD_NOT_SCALAR = 'Ecdsa payload cannot be converted to Scalar';
/** RespondError::SignatureSchemeMismatch; the real one prints both values with Rust's `{:?}`. */
export const schemeMismatch = (response: string, requested: string) =>
  `The provided signature scheme does not match. MPC response: ${response}, user request: ${requested}`;
/** authorization.rs `assert_caller_is_signer` (an `assert_eq!` on signer and predecessor). */
export const callerNotSigner = (signer: string, predecessor: string) =>
  `assertion \`left == right\` failed: Caller must be the signer account (signer: ${signer}, predecessor: ${predecessor})\n  left: AccountId(${JSON.stringify(signer)})\n right: AccountId(${JSON.stringify(predecessor)})`;
/** authorization.rs `assert_matches!(attestation_check, Ok(()), ...)` for an account outside the participant set. */
export const CALLER_NOT_PARTICIPANT = 'assertion failed: `Err(CallerNotParticipant)` does not match `Ok(())`: Caller must be an attested participant';
/** near-sdk-rs `#[private]`. */
export const methodIsPrivate = (method: string) => `Method ${method} is private`;
/** near-sdk-rs: a method without `#[payable]` called with a deposit. */
export const methodTakesNoDeposit = (method: string) => `Method ${method} doesn't accept deposit`;

/** near-sdk-rs's answer to arguments its serde types refuse; `detail` is serde_json's message without its position. */
export function badInput(detail: string): never {
  panic(`Failed to deserialize input from JSON. Error: \`${detail}\``);
}

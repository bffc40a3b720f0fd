/**
 * Who may `respond`: on the real signer, a participant of the running protocol whose TEE attestation
 * is stored, calling from its own account (near/mpc `crates/contract/src/api/authorization.rs`:
 * `assert_caller_is_signer`, then `assert_caller_is_attested_participant_and_protocol_active`,
 * which asks `TeeState::is_caller_an_attested_participant`). The double's participants are the test
 * accounts listed at `init`, and each counts as attested; the real contract also compares the
 * signing key with the attested one, which the double does not.
 *
 * Storage: `p` + account id → "1".
 */
import { near } from 'near-sdk-js';
import { panic } from '../../lib/errors';
import { CALLER_NOT_PARTICIPANT, callerNotSigner } from './errors';

const PREFIX = 'p';

export function addParticipant(accountId: string): void {
  near.storageWrite(PREFIX + accountId, '1');
}

export function isParticipant(accountId: string): boolean {
  return near.storageHasKey(PREFIX + accountId);
}

/** The signer of the transaction must be the predecessor: no forwarding through another contract. */
export function assertCallerIsSigner(): string {
  const signer = near.signerAccountId();
  const predecessor = near.predecessorAccountId();
  if (signer !== predecessor) panic(callerNotSigner(signer, predecessor));
  return signer;
}

export function assertCallerIsAttestedParticipant(): string {
  const signer = assertCallerIsSigner();
  if (!isParticipant(signer)) panic(CALLER_NOT_PARTICIPANT);
  return signer;
}

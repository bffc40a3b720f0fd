/**
 * What nearcore's decoder refuses in a transaction that the borsh layout alone accepts, found in the order it
 * reads the bytes, since it stops at the first: an invalid account id (near-account-id `BorshDeserialize for
 * AccountId` validates while decoding: the signer, the receiver, a DeleteAccount beneficiary, a Delegate's sender
 * and receiver, a global contract or state init named by account) and, at a protocol version, an action or
 * access-key permission its enums lack (action-versions.ts), and an ed25519 signature (a Delegate's, then the
 * transaction's) with a top bit set in its last byte. A FunctionCall key's `receiver_id` is a plain String
 * in nearcore and is not checked here.
 */
import { accountIdDecodeRefusal, accountIdFault } from './account-id.js';
import { actionVariant, permissionVariant, variantExistsAt, variantRefusal, type VersionedVariant } from './action-versions.js';
import { KeyType, type Signature } from './crypto.js';
import type { Action, GlobalContractIdentifier, Transaction } from './transaction.js';

/**
 * nearcore's refusal text for the first fault in decoding order, or null. Without a version only ids and
 * signatures are checked; the transaction's own signature, when given, is read last.
 */
export function firstDecodeRefusal(tx: Transaction, protocolVersion?: number, signature?: Signature): string | null {
  return idRefusal(tx.signerId) ?? idRefusal(tx.receiverId) ?? actionsRefusal(tx.actions, protocolVersion) ?? (signature ? signatureRefusal(signature) : null);
}

/**
 * core/crypto/src/signature.rs `BorshDeserialize for Signature` refuses an ed25519 signature whose last byte has a
 * top 3 bit set (S ≥ 2^253: the check ed25519-dalek 1.x made in `from_bytes`) with io::Error "signature error".
 */
function signatureRefusal(signature: Signature): string | null {
  return signature.keyType === KeyType.ED25519 && (signature.data[63]! & 0xe0) !== 0 ? 'signature error' : null;
}

export function idRefusal(id: string): string | null {
  const fault = accountIdFault(id);
  return fault ? accountIdDecodeRefusal(id, fault) : null;
}

export function variantGate(v: VersionedVariant, protocolVersion: number | undefined): string | null {
  return protocolVersion === undefined || variantExistsAt(v, protocolVersion) ? null : variantRefusal(v, protocolVersion);
}

const contractIdRefusal = (id: GlobalContractIdentifier) => (id.type === 'AccountId' ? idRefusal(id.accountId) : null);

function actionsRefusal(actions: readonly Action[], protocolVersion: number | undefined): string | null {
  for (const a of actions) {
    const refusal = oneActionRefusal(a, protocolVersion);
    if (refusal) return refusal;
  }
  return null;
}

/** The first refusal in one decoded action: its tag at the version, then its fields. */
export function oneActionRefusal(a: Action, protocolVersion: number | undefined): string | null {
  return variantGate(actionVariant(a), protocolVersion) ?? actionRefusal(a, protocolVersion);
}

/** The fields after the tag, in borsh order. */
function actionRefusal(a: Action, protocolVersion: number | undefined): string | null {
  switch (a.type) {
    case 'AddKey': return variantGate(permissionVariant(a.accessKey.permission), protocolVersion);
    case 'DeleteAccount': return idRefusal(a.beneficiaryId);
    case 'Delegate': {
      const d = a.signedDelegate.delegateAction;
      return idRefusal(d.senderId) ?? idRefusal(d.receiverId) ?? actionsRefusal(d.actions, protocolVersion) ?? signatureRefusal(a.signedDelegate.signature);
    }
    case 'UseGlobalContract': return contractIdRefusal(a.contractIdentifier);
    case 'DeterministicStateInit': return contractIdRefusal(a.stateInit.code);
    default: return null;
  }
}

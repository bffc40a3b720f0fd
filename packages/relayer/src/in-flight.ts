/**
 * An accepted delegate's in-flight record: written with its reservation in one store operation, replaced
 * when its transaction is signed again, removed when its status is final, and read by the instance when
 * it starts again to finish the job (relayer.ts resumeInFlight). One format, written and read here only.
 */
import { SignedTransaction } from 'near-api-js';
import { base58 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeSignedDelegate, signedDelegateOf, type DecodedDelegate } from './delegate.js';
import type { Accepting, Budget } from './store.js';
import type { RelayStatus } from './relayer.js';

/** How long the status of a relayed transaction can be read. */
export const STATUS_MEMORY_MS = 60 * 60 * 1000;

/** What a restarted instance needs of an accepted job besides its transaction. */
export interface AcceptedJob {
  delegate: DecodedDelegate;
  delegateId: string;
  reserved: { budgets: Budget[]; amount: bigint };
  /** The hash first answered to the client: the status and the in-flight record are kept under it. */
  firstHash: string;
}

/** An in-flight record as read back: the job and the transaction that last carried its delegate. */
export interface InFlightRecord extends AcceptedJob {
  signedTransaction: SignedTransaction;
  /** `signedTransaction` as sent (base64 of its borsh bytes). */
  base64: string;
  /** `signedTransaction`'s hash. */
  hash: string;
}

/** The store key of a transaction's status (one relayer account's statuses beside another's). */
export const statusId = (accountId: string, hash: string) => `${accountId}/${hash}`;

/** The record of `job` whose delegate `signedTransactionBase64` carries. */
export const inFlightRecord = (job: AcceptedJob, signedTransactionBase64: string) =>
  JSON.stringify({
    firstHash: job.firstHash,
    delegateId: job.delegateId,
    // The signed delegate is the transaction's one action: not kept a second time (records written
    // before it was left out name it as `signedDelegate`, read as before).
    budgets: job.reserved.budgets.map((b) => ({ ...b, limit: b.limit.toString() })),
    amount: job.reserved.amount.toString(),
    signedTransaction: signedTransactionBase64,
  });

/** What accepting `job` writes with its reservation (store.spend): its in-flight record and pending status. */
export const acceptanceOf = (accountId: string, instance: string, job: AcceptedJob, signedTransactionBase64: string): Accepting => ({
  instance,
  delegateId: job.delegateId,
  hash: job.firstHash,
  inFlight: inFlightRecord(job, signedTransactionBase64),
  statusId: statusId(accountId, job.firstHash),
  status: JSON.stringify({ transactionHash: job.firstHash, senderId: job.delegate.senderId, receiverId: job.delegate.receiverId, state: 'pending' } satisfies RelayStatus),
  statusExpiresAt: Date.now() + STATUS_MEMORY_MS,
});

/** Reads a record `inFlightRecord` (or an earlier version) wrote; throws when it cannot. */
export function readInFlightRecord(text: string): InFlightRecord {
  const saved = JSON.parse(text) as { firstHash: string; delegateId: string; signedDelegate?: string; budgets: (Omit<Budget, 'limit'> & { limit: string })[]; amount: string; signedTransaction: string };
  const signedTransaction = SignedTransaction.decode(Buffer.from(saved.signedTransaction, 'base64'));
  return {
    firstHash: saved.firstHash,
    delegateId: saved.delegateId,
    delegate: decodeSignedDelegate(saved.signedDelegate ?? signedDelegateOf(signedTransaction)),
    reserved: { budgets: saved.budgets.map((b) => ({ ...b, limit: BigInt(b.limit) })), amount: BigInt(saved.amount) },
    signedTransaction,
    base64: saved.signedTransaction,
    hash: base58.encode(sha256(signedTransaction.transaction.encode())),
  };
}

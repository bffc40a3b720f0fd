import { near } from 'near-sdk-js';
import { panic } from './errors';

/**
 * Storage accounting: whoever creates state pays its storage stake (10^19 yoctoNEAR per byte on
 * mainnet, read from the chain through `storageByteCost`). Wrap a state-creating change in
 * `chargeStorage`: it measures the bytes added, requires the attached deposit to cover them and
 * refunds the rest to the caller.
 *
 * Rules (panic messages):
 * - `Storage: attached deposit <d> does not cover storage cost <c>`
 */
export function storageCost(bytes: bigint): bigint {
  return bytes * near.storageByteCost();
}

/**
 * Runs `change`, charges the caller for the storage it added out of `deposit` (default: the
 * attached deposit) and returns the refund owed. The refund is not sent here, so callers can
 * combine it with other transfers.
 */
export function chargeStorage<T>(change: () => T, deposit: bigint = near.attachedDeposit()): { result: T; refund: bigint } {
  const before = near.storageUsage();
  const result = change();
  const after = near.storageUsage();
  const cost = after > before ? storageCost(after - before) : 0n;
  if (cost > deposit) panic(`Storage: attached deposit ${deposit} does not cover storage cost ${cost}`);
  return { result, refund: deposit - cost };
}

/** Schedules a transfer of `amount` yoctoNEAR to `accountId` when it is positive (not the call's return value). */
export function refund(accountId: string, amount: bigint): void {
  if (amount <= 0n) return;
  const promise = near.promiseBatchCreate(accountId);
  near.promiseBatchActionTransfer(promise, amount);
}

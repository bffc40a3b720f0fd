import { near } from 'near-sdk-js';
import { panic } from './errors';

/**
 * Requires exactly 1 yoctoNEAR attached. A function-call access key cannot attach a deposit, so
 * this forces a full-access key (a wallet confirmation) for sensitive calls (NEP-141 ft_transfer).
 */
export function assertOneYocto(): void {
  if (near.attachedDeposit() !== 1n) {
    panic('Guard: requires an attached deposit of exactly 1 yoctoNEAR');
  }
}

/** Requires that no NEAR is attached, so a deposit is never silently kept. */
export function assertNoDeposit(): void {
  if (near.attachedDeposit() !== 0n) panic('Guard: method does not accept a deposit');
}

/** Requires the caller to be the contract itself: callbacks and other internal methods. */
export function assertPrivate(): void {
  if (near.predecessorAccountId() !== near.currentAccountId()) {
    panic('Guard: method is private');
  }
}

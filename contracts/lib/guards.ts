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

/**
 * Requires at least 1 yoctoNEAR attached: for methods whose deposit also pays for something (staged
 * code's storage, a fund), so that a function-call access key (which cannot attach a deposit)
 * still cannot call them.
 */
export function assertAtLeastOneYocto(): void {
  if (near.attachedDeposit() < 1n) {
    panic('Guard: requires an attached deposit of at least 1 yoctoNEAR');
  }
}

/**
 * Requires `init` to be called by the contract account itself (a deploy-and-init batch, or a
 * second transaction signed with the contract account's key), so that between a deploy and a
 * separate init nobody else can initialise the contract and make themselves its owner.
 */
export function assertInitBySelf(): void {
  if (near.predecessorAccountId() !== near.currentAccountId()) {
    panic('Guard: init must be called by the contract account itself');
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

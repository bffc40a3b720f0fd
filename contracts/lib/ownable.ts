import { near } from 'near-sdk-js';
import { panic } from './errors';

/**
 * Ownable: one owner account, transferred in two steps (the current owner proposes, the proposed
 * account accepts) so ownership can never go to a mistyped account. Keeps its own storage keys,
 * so it composes with any contract state.
 *
 * Rules (panic messages):
 * - `Ownable: caller is not the owner`
 * - `Ownable: caller is not the proposed owner`
 * - `Ownable: already initialized`
 */
const OWNER_KEY = '__ownable:owner';
const PROPOSED_KEY = '__ownable:proposed';

export interface OwnershipEvents {
  onProposed?: (owner: string, proposed: string | null) => void;
  onTransferred?: (previous: string, owner: string) => void;
}

export function initOwner(owner: string): void {
  if (near.storageHasKey(OWNER_KEY)) panic('Ownable: already initialized');
  near.storageWrite(OWNER_KEY, owner);
}

export function owner(): string {
  const value = near.storageRead(OWNER_KEY);
  if (value === null) panic('Ownable: not initialized');
  return value;
}

export function proposedOwner(): string | null {
  return near.storageRead(PROPOSED_KEY);
}

export function isOwner(accountId: string): boolean {
  return owner() === accountId;
}

export function assertOwner(): void {
  if (near.predecessorAccountId() !== owner()) panic('Ownable: caller is not the owner');
}

/** Owner only. Proposes `accountId` as the next owner; null cancels a pending proposal. */
export function proposeOwner(accountId: string | null, events: OwnershipEvents = {}): void {
  assertOwner();
  if (accountId === null) near.storageRemove(PROPOSED_KEY);
  else near.storageWrite(PROPOSED_KEY, accountId);
  events.onProposed?.(owner(), accountId);
}

/** Proposed owner only. Completes the transfer. */
export function acceptOwnership(events: OwnershipEvents = {}): void {
  const proposed = proposedOwner();
  const caller = near.predecessorAccountId();
  if (proposed === null || proposed !== caller) panic('Ownable: caller is not the proposed owner');
  const previous = owner();
  near.storageWrite(OWNER_KEY, caller);
  near.storageRemove(PROPOSED_KEY);
  events.onTransferred?.(previous, caller);
}

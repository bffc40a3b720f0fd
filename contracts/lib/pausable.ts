import { near } from 'near-sdk-js';
import { panic } from './errors';

/**
 * Pausable: a contract-wide switch. Guarded methods call `assertNotPaused()`; who may pause is
 * decided by the contract (usually a pauser role).
 *
 * Rules (panic messages):
 * - `Pausable: paused`
 * - `Pausable: not paused`
 */
const PAUSED_KEY = '__pausable:paused';

export function isPaused(): boolean {
  return near.storageHasKey(PAUSED_KEY);
}

export function assertNotPaused(): void {
  if (isPaused()) panic('Pausable: paused');
}

export function pause(): void {
  if (isPaused()) panic('Pausable: paused');
  near.storageWrite(PAUSED_KEY, '1');
}

export function unpause(): void {
  if (!isPaused()) panic('Pausable: not paused');
  near.storageRemove(PAUSED_KEY);
}

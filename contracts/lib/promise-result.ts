import { near } from 'near-sdk-js';

/**
 * True when the single promise result a callback sees succeeded. near-sdk-js signals a failed
 * result (promise_result status 2) by throwing; a callback must check, never assume.
 */
export function promiseSucceeded(): boolean {
  if (near.promiseResultsCount() !== 1n) return false;
  try {
    near.promiseResultRaw(0);
    return true;
  } catch (_) {
    return false;
  }
}

/**
 * Pending requests with the real signer's fan-out (near/mpc `crates/contract/src/pending_requests.rs`,
 * since 3.10.0, PR #3187): identical requests (same caller, path, domain and payload, hence the
 * same `SignatureRequest`) queue their yields under one key, at most 128; one `respond` resumes them
 * all; a timed-out yield pops the oldest entry of its queue.
 *
 * Storage: `q` + sha256 of the request's JSON → JSON array of the yields' data ids (hex), oldest
 * first. Hashing keeps keys short (an EdDSA payload may be 1232 bytes; nearcore limits storage keys
 * to 2048 bytes); sha256 is a host function, cheap where SHA3 in QuickJS is not.
 */
import { near, encode } from 'near-sdk-js';
import { require } from '../../lib/errors';
import { readJson, writeJson } from '../../lib/json-storage';
import { promiseYieldResume } from '../../lib/host';
import { queueFull } from './errors';
import { bytesToHex, hexToBytes } from './request';

/** near/mpc `MAX_PENDING_REQUEST_FAN_OUT`. */
export const MAX_PENDING_REQUEST_FAN_OUT = 128;

function queueKey(requestJson: string): string {
  return `q${bytesToHex(near.sha256(encode(requestJson)))}`;
}

/** `push_pending_yield`: appends a yield, refused past the fan-out cap. */
export function pushPendingYield(requestJson: string, dataId: Uint8Array): void {
  const key = queueKey(requestJson);
  const queue = readJson<string[]>(key) ?? [];
  require(queue.length < MAX_PENDING_REQUEST_FAN_OUT, queueFull(MAX_PENDING_REQUEST_FAN_OUT));
  queue.push(bytesToHex(dataId));
  writeJson(key, queue);
}

/** The oldest queued yield's data id, or null (`get_pending_request`: presence only). */
export function oldestPendingYield(requestJson: string): string | null {
  const queue = readJson<string[]>(queueKey(requestJson));
  return queue === null || queue.length === 0 ? null : queue[0];
}

/**
 * `resolve_yields_for`: resumes every queued yield with `payload` and removes the queue. Returns how
 * many were queued (0: the request was never made, already answered or every yield timed out).
 * Resuming a yield that already timed out is a no-op of the host, as on the real contract.
 */
export function resolveYieldsFor(requestJson: string, payload: string): number {
  const key = queueKey(requestJson);
  const queue = readJson<string[]>(key);
  if (queue === null) return 0;
  near.storageRemove(key);
  for (const dataId of queue) promiseYieldResume(hexToBytes(dataId), payload);
  return queue.length;
}

/** `pop_oldest_pending_yield`: a timed-out yield leaves its queue (FIFO: the oldest times out first). */
export function popOldestPendingYield(requestJson: string): void {
  const key = queueKey(requestJson);
  const queue = readJson<string[]>(key);
  if (queue === null) return;
  queue.shift();
  if (queue.length === 0) near.storageRemove(key);
  else writeJson(key, queue);
}

/**
 * The development methods beyond neard's sandbox (`sandbox_patch_state`, `sandbox_fast_forward` live in
 * handlers.ts): snapshots with anvil's semantics and control of block time.
 *
 * - `sandbox_snapshot` → `{snapshot_id}`: the whole chain (state, blocks, outcomes, pending receipts and
 *   yields, the clock) as it is now. Ids count up from 1 and are never reused.
 * - `sandbox_revert {snapshot_id}` → `{reverted: true, block_height, block_hash}`: back to that snapshot. As
 *   anvil's `evm_revert`, the snapshot and every later one are consumed (take a new one to revert again).
 *   On a node that keeps its chain on disk the revert is durable like any other answer.
 * - `sandbox_set_next_block_timestamp {timestamp_nanosec}` (anvil's `evm_setNextBlockTimestamp`, in NEAR's
 *   nanoseconds as a decimal string, as block headers carry it): the next block's time; later blocks follow
 *   at the block time.
 * - `sandbox_produce_blocks {count}` (anvil's `anvil_mine`) → the new head `{block_height, block_hash}`.
 * - `sandbox_set_block_interval {interval_ms}` (anvil's `evm_setIntervalMining` / `evm_setAutomine`): a block every
 *   `interval_ms` milliseconds from now on (what `run --block-interval-ms` starts with), or on demand with `null`
 *   → `{block_interval_ms, block_height, block_hash}`. Until the node stops: a restart takes its command line's mode.
 */
import base58 from 'bs58';
import type { Sandbox, Snapshot } from '../index.js';
import { parseError, RpcError } from './errors.js';

/** How many blocks one `sandbox_produce_blocks` may ask for (nearcore's fast_forward has no bound; a typo should not hang the node). */
export const MAX_PRODUCE_BLOCKS = 1_000_000;

export interface HeadRef {
  block_height: number;
  block_hash: string;
}

export interface DevControls {
  snapshot(): { snapshot_id: number };
  revert(snapshotId: number): { reverted: true } & HeadRef;
  setNextBlockTimestamp(timestampNanos: bigint): HeadRef & { next_block_timestamp_nanosec: string };
  produceBlocks(count: number): HeadRef;
  setBlockInterval(intervalMs: number | null): HeadRef & { block_interval_ms: number | null };
  /** The lowest head of a snapshot a revert may still go back to: its history is kept (no GC below it). */
  oldestSnapshotHeight(): bigint | undefined;
}

function headRef(sandbox: Sandbox): HeadRef {
  return { block_height: Number(sandbox.head.height), block_hash: base58.encode(sandbox.head.hash) };
}

function unknownSnapshot(id: number, newest: number): RpcError {
  const why =
    id > 0 && id <= newest
      ? `snapshot ${id} was consumed by a revert to it or to an earlier snapshot (anvil's semantics); take a new one with sandbox_snapshot after reverting`
      : `snapshot ${id} was never taken on this node (ids so far: 1..${newest}; snapshots live in the node's memory and do not survive a restart)`;
  return new RpcError({ name: 'HANDLER_ERROR', cause: { name: 'UNKNOWN_SNAPSHOT', info: { snapshot_id: id } }, code: -32_000, message: 'Server error', data: why });
}

/**
 * `changed` is called after every change, so clients waiting for blocks see them (runtime/block-producer.ts);
 * `setBlockInterval` switches the node's block production (undefined: on demand), where there is a producer.
 */
export function createDevControls(sandbox: Sandbox, changed: () => void = () => {}, setBlockInterval?: (intervalMs: number | undefined) => void): DevControls {
  const snapshots = new Map<number, Snapshot>();
  let newest = 0;
  return {
    snapshot() {
      const id = ++newest;
      snapshots.set(id, sandbox.snapshot());
      return { snapshot_id: id };
    },
    revert(id) {
      const snapshot = snapshots.get(id);
      if (!snapshot) throw unknownSnapshot(id, newest);
      for (const later of snapshots.keys()) if (later >= id) snapshots.delete(later);
      sandbox.restore(snapshot);
      changed();
      return { reverted: true, ...headRef(sandbox) };
    },
    setNextBlockTimestamp(timestampNanos) {
      try {
        sandbox.setNextBlockTimestamp(timestampNanos);
      } catch (e) {
        throw parseError(`Failed parsing args: ${(e as Error).message}`);
      }
      return { ...headRef(sandbox), next_block_timestamp_nanosec: timestampNanos.toString() };
    },
    oldestSnapshotHeight() {
      let oldest: bigint | undefined;
      for (const s of snapshots.values()) {
        const h = s.chain.data.head.height;
        if (oldest === undefined || h < oldest) oldest = h;
      }
      return oldest;
    },
    produceBlocks(count) {
      sandbox.produceBlocks(count);
      changed();
      return headRef(sandbox);
    },
    setBlockInterval(intervalMs) {
      if (!setBlockInterval) throw new RpcError({ name: 'HANDLER_ERROR', cause: { name: 'INTERNAL_ERROR', info: {} }, code: -32_000, message: 'Server error', data: 'this node has no block producer to switch' });
      setBlockInterval(intervalMs ?? undefined);
      return { block_interval_ms: intervalMs, ...headRef(sandbox) };
    },
  };
}

/** `{name: value}` or `[value]`, as nearcore's sandbox methods take either. */
function param(params: unknown, name: string): unknown {
  if (Array.isArray(params)) return params.length === 1 && (params[0] === null || typeof params[0] !== 'object') ? params[0] : (params[0] as Record<string, unknown> | undefined)?.[name];
  return params !== null && typeof params === 'object' ? (params as Record<string, unknown>)[name] : undefined;
}

export function parseSnapshotId(params: unknown): number {
  const id = param(params, 'snapshot_id');
  const value = typeof id === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(id) ? Number(id) : id;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw parseError('Failed parsing args: expected {"snapshot_id": <the id sandbox_snapshot returned>}');
  }
  return value;
}

export function parseTimestampNanos(params: unknown): bigint {
  const t = param(params, 'timestamp_nanosec');
  const text = typeof t === 'number' && Number.isSafeInteger(t) ? String(t) : t;
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text) || BigInt(text) >= 2n ** 64n) {
    throw parseError('Failed parsing args: expected {"timestamp_nanosec": "<nanoseconds since the Unix epoch, a decimal string as in block headers>"}');
  }
  return BigInt(text);
}

export function parseBlockCount(params: unknown): number {
  const count = param(params, 'count');
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > MAX_PRODUCE_BLOCKS) {
    throw parseError(`Failed parsing args: expected {"count": <blocks to produce, 1..${MAX_PRODUCE_BLOCKS}>}`);
  }
  return count;
}

/** `{"interval_ms": N}` (a whole number of milliseconds, at least 1) or `{"interval_ms": null}` (on demand). */
export function parseBlockInterval(params: unknown): number | null {
  const ms = param(params, 'interval_ms');
  if (ms === null) return null;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1) {
    throw parseError(`Failed parsing args: expected {"interval_ms": <a block every this many milliseconds, a whole number of at least 1>} or {"interval_ms": null} for a block per transaction (on demand); got ${JSON.stringify(ms) ?? 'nothing'}`);
  }
  return ms;
}

type DevHandler = (dev: DevControls, params: unknown) => unknown;

export const DEV_HANDLERS: Readonly<Record<string, DevHandler>> = {
  sandbox_snapshot: (dev) => dev.snapshot(),
  sandbox_revert: (dev, params) => dev.revert(parseSnapshotId(params)),
  sandbox_set_next_block_timestamp: (dev, params) => dev.setNextBlockTimestamp(parseTimestampNanos(params)),
  sandbox_produce_blocks: (dev, params) => dev.produceBlocks(parseBlockCount(params)),
  sandbox_set_block_interval: (dev, params) => dev.setBlockInterval(parseBlockInterval(params)),
};

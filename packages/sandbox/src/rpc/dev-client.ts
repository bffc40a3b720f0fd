/**
 * A small typed client for the node's development methods (snapshots, block time, state patches), for
 * near-workspaces suites, scripts and browser tests. It only needs `fetch` (or a provider that already
 * talks JSON-RPC), so it runs in Node and in a browser alike.
 *
 *   const node = sandboxControl(worker);                // a near-workspaces Worker
 *   const node = sandboxControl('http://127.0.0.1:3030'); // or a URL, or near-api-js' JsonRpcProvider
 *   const id = await node.snapshot();
 *   await node.setNextBlockTimestamp(new Date('2030-01-01'));
 *   await node.produceBlocks(10);
 *   await node.setBlockInterval(600);                    // a block every 600 ms from now on; null: one per transaction
 *   await node.revert(id);                               // the chain as it was; id and later ones are spent
 */

/** What near-api-js' `JsonRpcProvider` and near-workspaces' `worker.provider` offer. */
export interface JsonRpcSender {
  // near-api-js 7 types `method` by its own method table, near-workspaces' provider by string: take either
  sendJsonRpc(method: any, params: any): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type SnapshotId = number;

export interface HeadRef {
  /** The head after the call. */
  height: number;
  hash: string;
}

/** nearcore's `StateRecord` JSON, as `sandbox_patch_state` takes it. */
export type StateRecordJson = Record<string, unknown>;

export interface SandboxControl {
  /** Saves the whole chain (state, blocks, outcomes, pending yields, the clock); returns its id. */
  snapshot(): Promise<SnapshotId>;
  /** Back to the snapshot; it and every later snapshot are spent (anvil's `evm_revert`). */
  revert(id: SnapshotId): Promise<HeadRef>;
  /** The next block's time (a Date or nanoseconds since the Unix epoch); later than the head's. */
  setNextBlockTimestamp(time: Date | bigint): Promise<void>;
  /** Produces `count` blocks (default 1) now. */
  produceBlocks(count?: number): Promise<HeadRef>;
  /** neard's `sandbox_fast_forward`: `deltaHeight` blocks. */
  fastForward(deltaHeight: number): Promise<void>;
  /** neard's `sandbox_patch_state`. */
  patchState(records: StateRecordJson[]): Promise<void>;
  /**
   * A block every `intervalMs` milliseconds from now on, empty or not (anvil's `evm_setIntervalMining`), or `null`:
   * blocks on demand, one per transaction (anvil's automine).
   */
  setBlockInterval(intervalMs: number | null): Promise<HeadRef>;
}

/** The node answered with an error; `message` is the node's explanation, `cause` nearcore's error name. */
export class SandboxRpcError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly cause?: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'SandboxRpcError';
  }
}

function fetchSender(url: string): JsonRpcSender {
  let id = 0;
  return {
    async sendJsonRpc(method: string, params: object): Promise<unknown> {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      });
      if (!response.ok) throw new SandboxRpcError(method, `HTTP ${response.status} from ${url}; is the node running (npm run sandbox)?`);
      const body = (await response.json()) as { result?: unknown; error?: { data?: unknown; message?: string; cause?: { name?: string } } };
      if (body.error) {
        const detail = typeof body.error.data === 'string' ? body.error.data : (body.error.message ?? JSON.stringify(body.error));
        throw new SandboxRpcError(method, detail, body.error.cause?.name);
      }
      return body.result;
    },
  };
}

function isSender(value: unknown): value is JsonRpcSender {
  return typeof (value as JsonRpcSender | null)?.sendJsonRpc === 'function';
}

/**
 * A client for a node URL, a JSON-RPC provider, or anything with a `provider` (a near-workspaces Worker,
 * whose provider type comes from near-api-js 5 and is taken as it is).
 */
export function sandboxControl(target: string | JsonRpcSender | { provider: object }): SandboxControl {
  let sender: JsonRpcSender;
  if (typeof target === 'string') sender = fetchSender(target);
  else if (isSender(target)) sender = target;
  else if (isSender(target.provider)) sender = target.provider;
  else throw new TypeError('sandboxControl needs a node URL, a JSON-RPC provider (sendJsonRpc), or an object with one as `provider` (a near-workspaces Worker)');
  const call = async <T>(method: string, params: object): Promise<T> => (await sender.sendJsonRpc(method, params)) as T;
  const head = (r: { block_height: number; block_hash: string }): HeadRef => ({ height: r.block_height, hash: r.block_hash });
  return {
    snapshot: async () => (await call<{ snapshot_id: number }>('sandbox_snapshot', {})).snapshot_id,
    revert: async (id) => head(await call('sandbox_revert', { snapshot_id: id })),
    setNextBlockTimestamp: async (time) => {
      const nanos = typeof time === 'bigint' ? time : BigInt(time.getTime()) * 1_000_000n;
      await call('sandbox_set_next_block_timestamp', { timestamp_nanosec: nanos.toString() });
    },
    produceBlocks: async (count = 1) => head(await call('sandbox_produce_blocks', { count })),
    fastForward: async (deltaHeight) => void (await call('sandbox_fast_forward', { delta_height: deltaHeight })),
    patchState: async (records) => void (await call('sandbox_patch_state', { records })),
    setBlockInterval: async (intervalMs) => head(await call('sandbox_set_block_interval', { interval_ms: intervalMs })),
  };
}

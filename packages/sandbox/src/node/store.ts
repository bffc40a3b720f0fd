/**
 * The node's on-disk state, in `<home>/data` (where neard keeps its RocksDB), in a LevelDB database through
 * `classic-level`.
 *
 * What is stored: the chain head (height, hash, timestamp) under `meta`, and the state as nearcore
 * `StateRecord` JSON (`Account`, `AccessKey`, `Contract`, `Data`; the records of genesis.json and
 * `sandbox_patch_state`), one LevelDB entry per record under `record/<kind>/<account>[/<public key or
 * base64 data key>]`. On start the
 * node rebuilds its state from these records and continues the chain at the stored height, so nonces of keys
 * added at height h (h × 10^6) stay valid. Block and outcome history is not kept across restarts.
 *
 * Saves are incremental: the store remembers what it last wrote and writes only records that changed, in one
 * atomic batch with the new head.
 */
import type { ClassicLevel } from 'classic-level';
import type { StateRecordJson } from '../rpc/client.js';

export interface ChainHead {
  height: number;
  hash: string;
  /** Nanoseconds since the epoch, as a decimal string. */
  timestampNanos: string;
  chainId: string;
}

export interface StoredState {
  head: ChainHead;
  records: StateRecordJson[];
}

export class StoreLockedError extends Error {
  constructor(dir: string) {
    super(`${dir} is in use by another running node; stop it first (or use another --home)`);
    this.name = 'StoreLockedError';
  }
}

const META_KEY = 'meta';
const RECORD_PREFIX = 'record/';

export class NodeStore {
  #db: ClassicLevel<string, string>;
  #written = new Map<string, string>();
  #head: string | undefined;

  private constructor(db: ClassicLevel<string, string>) {
    this.#db = db;
  }

  static async open(dir: string): Promise<NodeStore> {
    // Loaded on demand: the native binding costs start-up time a fresh node does not need (node/run.ts).
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(dir);
      throw e;
    }
    return new NodeStore(db);
  }

  /** The saved state, or null for a node that never saved one. */
  async load(): Promise<StoredState | null> {
    const meta = await this.#db.get(META_KEY);
    if (meta === undefined) return null;
    const records: StateRecordJson[] = [];
    for await (const [key, value] of this.#db.iterator({ gte: RECORD_PREFIX, lt: `${RECORD_PREFIX}\xff` })) {
      this.#written.set(key, value);
      records.push(JSON.parse(value) as StateRecordJson);
    }

    this.#head = meta;
    return { head: JSON.parse(meta) as ChainHead, records };
  }

  /**
   * Writes what changed since the last save (or load) in one atomic batch. `entries` are `[key, record
   * JSON]` (see `recordKey`); unchanged entries are recognised by string equality (by reference when the
   * caller reuses its strings, as the view client does).
   */
  async save(head: ChainHead, entries: Iterable<[string, string]>): Promise<{ put: number; deleted: number }> {
    const batch = this.#db.batch();
    const next = new Map<string, string>();
    let put = 0;
    for (const [recordId, value] of entries) {
      const key = RECORD_PREFIX + recordId;
      next.set(key, value);
      if (this.#written.get(key) !== value) {
        batch.put(key, value);
        put++;
      }
    }
    let deleted = 0;
    for (const key of this.#written.keys()) {
      if (!next.has(key)) {
        batch.del(key);
        deleted++;
      }
    }
    const meta = JSON.stringify(head);
    if (meta !== this.#head) batch.put(META_KEY, meta);
    if (put === 0 && deleted === 0 && meta === this.#head) {
      await batch.close();
      return { put, deleted };
    }
    await batch.write();
    this.#written = next;
    this.#head = meta;
    return { put, deleted };
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

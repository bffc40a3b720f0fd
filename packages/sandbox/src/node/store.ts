/**
 * The node's on-disk chain, in `<home>/data` (where neard keeps its RocksDB), a LevelDB database through
 * `classic-level`.
 *
 * What is stored:
 * - `meta`: the head (height, hash, timestamp), the number of state records and their checksum;
 * - `record/<kind>/<account>[/<public key or base64 data key>]`: the state as nearcore `StateRecord` JSON
 *   (`Account`, `AccessKey`, `Contract`, `Data`);
 * - history: `block/<height>`, `blockhash/<hash>`, `tx/<hash>`, `outcome/<id>`, `receipt/<id>` (nearcore's
 *   views), read back one at a time when a query asks for something no longer in memory.
 *
 * Durability (write-ahead): `commit` writes what changed since the last commit (state records that differ,
 * new history, the new head) in one atomic batch with `sync: true` (fsync) and resolves once it is on
 * disk; the node answers a request only after the commit that holds its effects (node/run.ts), so an
 * answer is never lost to a crash and heights are never issued twice.
 *
 * Integrity on open (`load`): LevelDB checks its own log and table checksums as it reads; on top of that
 * the records must match the count and the order-independent SHA-256 checksum saved with the head, the
 * newest blocks must chain by hash up to the head, and the head must not be older than the one named in
 * `<home>/chain-head.json`, which the node rewrites after every commit (a truncated or emptied newest log
 * would otherwise silently give an older chain); a marker a kill left behind must name a block of this chain. A data folder that holds LevelDB files but no `CURRENT`
 * is refused rather than opened as a new chain. Damage is reported as a `StoreDamagedError` that says
 * what was found and what to do.
 *
 * Backups: on a clean stop the store is copied to `<home>/backup` (LevelDB's table files are immutable, so
 * they are hard-linked; the log and manifest are copied).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { basename, dirname, join } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import type { Block, ChainHistory, HistoryDelta, StoredTransaction } from '../runtime/chain.js';
import { keyChangesView, type KeyChanges } from '../runtime/state-changes.js';
import type { ExecutionOutcomeWithIdView } from '../primitives/views.js';
import type { JsonValue } from '../primitives/errors.js';
import type { StateRecordJson } from '../rpc/client.js';
import { chunkHashOf } from '../rpc/views.js';
import base58 from 'bs58';

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
  /** The newest blocks, oldest first, ending with the head; empty for a store written before history was kept. */
  recentBlocks: Block[];
}

/** What one commit writes: the head, the full state as `[key, record JSON]` (only changes are written) and new history. */
export interface Commit {
  head: ChainHead;
  entries: Iterable<[string, string]>;
  history?: HistoryDelta;
  /**
   * Garbage collection (non-archival): history below this height is deleted, at most GC_BLOCKS_PER_COMMIT
   * blocks per commit (as neard collects a few blocks per step), oldest first.
   */
  gcBelow?: number;
}

export class StoreLockedError extends Error {
  constructor(dir: string) {
    super(`${dir} is in use by another running node; stop it first (or use another --home)`);
    this.name = 'StoreLockedError';
  }
}

/** The store on disk is not a consistent chain; `message` says what was found and what to do. */
export class StoreDamagedError extends Error {
  constructor(dir: string, found: string) {
    const home = dirname(dir);
    const backup = readMarker(join(home, BACKUP_DIR, MARKER_FILE));
    const restore = backup
      ? `restore the automatic backup taken at the last clean stop (height ${backup.height}): npm run sandbox -- --home ${home} --restore-backup`
      : 'there is no automatic backup yet (one is taken at every clean stop)';
    super(
      `the chain in ${dir} is damaged: ${found}. The node will not start on it (that would serve an older or mixed chain). ` +
        `To go on, ${restore}; or start a new chain: npm run sandbox -- --home ${home} --reset (deletes this chain).`,
    );
    this.name = 'StoreDamagedError';
  }
}

interface Meta extends ChainHead {
  /** 2: history and checksums are kept (absent in stores written before). */
  format?: 2;
  records?: number;
  /** hex of the XOR of sha256(key, value) over all records */
  digest?: string;
  /** The first block height with history on disk. */
  historyFrom?: number;
}

const META_KEY = 'meta';
const RECORD_PREFIX = 'record/';
const BLOCK_PREFIX = 'block/';
const BLOCK_HASH_PREFIX = 'blockhash/';
const TX_PREFIX = 'tx/';
const OUTCOME_PREFIX = 'outcome/';
const RECEIPT_PREFIX = 'receipt/';
const CHUNK_PREFIX = 'chunk/';
/** Written next to `data/` after every commit: the newest head this node put on disk. */
export const MARKER_FILE = 'chain-head.json';
export const BACKUP_DIR = 'backup';
/** Blocks one commit garbage-collects at most, so a commit stays short (neard: gc_blocks_limit per step). */
export const GC_BLOCKS_PER_COMMIT = 200;
/** Blocks read back and checked on open (the validity window, finality and the chain's tail). */
export const RECENT_BLOCKS_ON_OPEN = 512;
/**
 * Synchronous work a commit does before it lets the event loop serve requests (reads never wait behind a
 * commit for longer: a fast-forward slice or a large state takes tens of milliseconds to encode).
 */
const COMMIT_SLICE_MS = 1;

/** Tells a long loop when it has worked `COMMIT_SLICE_MS` since it last let the event loop run. */
class Pacer {
  #since = performance.now();

  due(): boolean {
    return performance.now() - this.#since >= COMMIT_SLICE_MS;
  }

  async yield(): Promise<void> {
    await nextTurn();
    this.#since = performance.now();
  }
}

const blockKey = (height: bigint | number) => BLOCK_PREFIX + String(height).padStart(16, '0');

function recordDigest(key: string, value: string): Buffer {
  return createHash('sha256').update(key).update('\0').update(value).digest();
}

function xorInto(acc: Buffer, x: Buffer): void {
  for (let i = 0; i < 32; i++) acc[i]! ^= x[i]!;
}

/** Blocks in JSON with hex hashes (base58 costs ~10× more to encode, and a fast-forward writes many blocks). */
function blockToJson(b: Block): string {
  return JSON.stringify({
    height: b.height.toString(),
    hash: hex(b.hash),
    prevHash: hex(b.prevHash),
    timestamp: b.timestamp.toString(),
    gasPrice: b.gasPrice.toString(),
    epochHeight: b.epochHeight.toString(),
    epochId: hex(b.epochId),
    randomValue: hex(b.randomValue),
    totalSupply: b.totalSupply.toString(),
    transactions: b.transactions,
    receipts: b.receipts,
    stateRoot: hex(b.stateRoot),
    stateChanges: b.stateChanges?.map(keyChangesView),
  });
}

function blockFromJson(text: string): Block {
  const j = JSON.parse(text) as Record<string, string> & { transactions: string[]; receipts: string[]; stateChanges?: KeyChanges[] };
  return {
    height: BigInt(j.height),
    hash: unhex(j.hash),
    prevHash: unhex(j.prevHash),
    timestamp: BigInt(j.timestamp),
    gasPrice: BigInt(j.gasPrice),
    epochHeight: BigInt(j.epochHeight),
    epochId: unhex(j.epochId),
    randomValue: unhex(j.randomValue),
    totalSupply: BigInt(j.totalSupply),
    transactions: j.transactions,
    receipts: j.receipts,
    // stores written before state roots were kept: the empty root
    stateRoot: j.stateRoot ? unhex(j.stateRoot) : new Uint8Array(32),
    stateChanges: j.stateChanges,
  };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

function readMarker(file: string): { height: number; hash: string } | null {
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { height?: unknown; hash?: unknown };
    return typeof m.height === 'number' && typeof m.hash === 'string' ? { height: m.height, hash: m.hash } : null;
  } catch {
    return null;
  }
}

const markerText = (head: ChainHead) => JSON.stringify({ height: head.height, hash: head.hash, chainId: head.chainId });

function writeMarker(file: string, head: ChainHead): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, markerText(head));
  renameSync(tmp, file);
}

/** `writeMarker` off the event loop (a rename waits on the file system's journal); the caller keeps the writes in order. */
async function writeMarkerAsync(file: string, head: ChainHead): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, markerText(head));
  await rename(tmp, file);
}

/** LevelDB files in a folder (a chain's data), apart from the info logs LevelDB writes anyway. */
function levelDbFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => /^(MANIFEST-\d+|\d+\.(log|ldb|sst))$/.test(name));
}

export class NodeStore implements ChainHistory {
  #db: ClassicLevel<string, string>;
  #dir: string;
  #marker: string;
  /**
   * The marker write of the last commit, in flight: each commit's write starts after the one before it, and a
   * commit that lowers the marker (a revert) or a close waits for it. The marker may lag the data by a commit,
   * never lead it (a crash in between leaves a marker at or below the head on disk, which is not damage).
   */
  #markerWritten: Promise<void> = Promise.resolve();
  /** A marker write that failed: the next commit fails with it (as a failed batch would). */
  #markerFailure: Error | undefined;
  #written = new Map<string, string>();
  #digest = Buffer.alloc(32);
  #meta: Meta | undefined;

  private constructor(db: ClassicLevel<string, string>, dir: string) {
    this.#db = db;
    this.#dir = dir;
    this.#marker = join(dirname(dir), MARKER_FILE);
  }

  /**
   * Opens (or creates) the store. Refuses a folder that holds LevelDB files without `CURRENT`, and a
   * missing store where `chain-head.json` says one was written: neither is a new chain.
   */
  static async open(dir: string): Promise<NodeStore> {
    const marker = readMarker(join(dirname(dir), MARKER_FILE));
    const files = levelDbFiles(dir);
    if (!existsSync(join(dir, 'CURRENT'))) {
      if (files.length > 0) {
        throw new StoreDamagedError(dir, `LevelDB's CURRENT file is missing while ${files.length} data file(s) remain (${files.slice(0, 3).join(', ')}…)`);
      }
      if (marker) throw new StoreDamagedError(dir, `the store is missing or empty, but this node had saved the chain up to height ${marker.height} (${MARKER_FILE})`);
    }
    // Loaded on demand: the native binding costs start-up time a fresh node does not need (node/run.ts).
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: files.length === 0 && !marker });
    try {
      await db.open();
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(dir);
      throw new StoreDamagedError(dir, `LevelDB cannot open it (${cause?.message ?? (e as Error).message})`);
    }
    return new NodeStore(db, dir);
  }

  /** The saved state, checked against its checksum, marker and block chain; null for a node that never saved one. */
  async load(): Promise<StoredState | null> {
    const damaged = (found: string) => new StoreDamagedError(this.#dir, found);
    let metaText: string | undefined;
    const records: StateRecordJson[] = [];
    const digest = Buffer.alloc(32);
    const recentBlocks: Block[] = [];
    try {
      metaText = await this.#db.get(META_KEY);
      if (metaText === undefined) {
        const marker = readMarker(this.#marker);
        if (marker) throw damaged(`it holds no chain head, but this node had saved the chain up to height ${marker.height} (${MARKER_FILE})`);
        return null;
      }
      for await (const [key, value] of this.#db.iterator({ gte: RECORD_PREFIX, lt: `${RECORD_PREFIX}\xff` })) {
        this.#written.set(key, value);
        records.push(JSON.parse(value) as StateRecordJson);
        xorInto(digest, recordDigest(key, value));
      }
      const meta = JSON.parse(metaText) as Meta;
      if (meta.format === 2 && meta.historyFrom !== undefined) {
        const from = Math.max(meta.historyFrom ?? 1, meta.height - RECENT_BLOCKS_ON_OPEN + 1);
        if (from <= meta.height) {
          for await (const value of this.#db.values({ gte: blockKey(from), lte: blockKey(meta.height) })) recentBlocks.push(blockFromJson(value));
        }
      }
    } catch (e) {
      if (e instanceof StoreDamagedError) throw e;
      throw damaged(`reading it failed (${(e as Error).message})`);
    }
    const meta = JSON.parse(metaText) as Meta;
    const marker = readMarker(this.#marker);
    if (marker && marker.height > meta.height) {
      throw damaged(`it ends at height ${meta.height}, but this node had saved the chain up to height ${marker.height} (${MARKER_FILE}): the newest LevelDB log was lost or truncated`);
    }
    if (marker && marker.height === meta.height && marker.hash !== meta.hash) {
      throw damaged(`its head at height ${meta.height} is block ${meta.hash}, but this node had saved block ${marker.hash} at that height (${MARKER_FILE}): it holds another chain`);
    }
    if (meta.format === 2) {
      if (records.length !== meta.records || digest.toString('hex') !== meta.digest) {
        throw damaged(`its ${records.length} state records do not match the ${meta.records} records and checksum saved with the head at height ${meta.height} (entries lost or altered)`);
      }
    }
    if (meta.format === 2 && meta.historyFrom !== undefined) {
      const from = Math.max(meta.historyFrom, meta.height - RECENT_BLOCKS_ON_OPEN + 1);
      // heights need not be consecutive (a fast-forward skips them), but each block names the one before it
      if (from <= meta.height && recentBlocks.length === 0) throw damaged(`of the blocks ${from}..${meta.height} all are missing`);
      for (let i = 1; i < recentBlocks.length; i++) {
        const b = recentBlocks[i]!;
        const before = recentBlocks[i - 1]!;
        if (hex(b.prevHash) === hex(before.hash)) continue;
        if (before.height + 1n < b.height) throw damaged(`some of the blocks ${before.height + 1n}..${b.height - 1n} are missing (block ${b.height} does not follow block ${before.height})`);
        throw damaged(`block ${b.height} does not follow block ${before.height} (previous hash differs)`);
      }
      const head = recentBlocks[recentBlocks.length - 1];
      if (head && base58.encode(head.hash) !== meta.hash) throw damaged(`the head block at height ${meta.height} has hash ${base58.encode(head.hash)}, not ${meta.hash} as saved`);
      // The marker is written after each commit, off the event loop, so a kill can leave it a few blocks behind:
      // then its block must be one of this chain's.
      const markerBlock = marker && marker.height < meta.height ? recentBlocks.find((b) => Number(b.height) === marker.height) : undefined;
      if (marker && markerBlock && base58.encode(markerBlock.hash) !== marker.hash) {
        throw damaged(`its block at height ${marker.height} is ${base58.encode(markerBlock.hash)}, but this node had saved block ${marker.hash} at that height (${MARKER_FILE}): it holds another chain`);
      }
    }
    // What was just checked is the chain from now on: a marker left behind by a kill catches up, so the next
    // open compares against this head, not an older one.
    if (!marker || marker.height < meta.height) writeMarker(this.#marker, meta);
    this.#meta = meta;
    this.#digest = digest;
    return { head: meta, records, recentBlocks };
  }

  /**
   * Writes what changed since the last commit (or load) in one atomic, synchronous (fsync) batch and
   * resolves once it is on disk. `entries` are `[key, record JSON]` (see `recordKey`); unchanged entries
   * are recognised by string equality (by reference when the caller reuses its strings, as the view client does).
   */
  async commit({ head, entries, history, gcBelow }: Commit): Promise<{ put: number; deleted: number }> {
    if (this.#markerFailure) throw new Error(`writing ${MARKER_FILE} failed: ${this.#markerFailure.message}`);
    const pacer = new Pacer();
    const from = this.#meta?.historyFrom;
    const garbage = gcBelow !== undefined && from !== undefined && gcBelow > from ? await this.#garbage(from, gcBelow, pacer) : undefined;
    const batch = this.#db.batch();
    const next = new Map<string, string>();
    const digest = Buffer.from(this.#digest);
    let put = 0;
    // what is taken for a commit is a snapshot (the caller's arrays; this store's own maps change only here), so
    // requests may run between the steps
    for (const [recordId, value] of entries) {
      if (pacer.due()) await pacer.yield();
      const key = RECORD_PREFIX + recordId;
      next.set(key, value);
      const old = this.#written.get(key);
      if (old !== value) {
        batch.put(key, value);
        if (old !== undefined) xorInto(digest, recordDigest(key, old));
        xorInto(digest, recordDigest(key, value));
        put++;
      }
    }
    let deleted = 0;
    for (const [key, old] of this.#written) {
      if (pacer.due()) await pacer.yield();
      if (!next.has(key)) {
        batch.del(key);
        xorInto(digest, recordDigest(key, old));
        deleted++;
      }
    }
    let historyFrom = this.#meta?.historyFrom;
    if (garbage) {
      for (const key of garbage.keys) batch.del(key);
      historyFrom = garbage.next;
    }
    if (history?.rewoundTo) {
      await this.#markerWritten; // the lowered marker must not be overwritten by an older commit's
      this.#discardAbove(batch, history.rewoundTo);
    }
    if (history) {
      for (const b of history.blocks) {
        if (pacer.due()) await pacer.yield();
        batch.put(blockKey(b.height), blockToJson(b));
        batch.put(BLOCK_HASH_PREFIX + hex(b.hash), b.height.toString());
        batch.put(CHUNK_PREFIX + chunkHashOf(b), b.height.toString());
        historyFrom ??= Number(b.height);
      }
      for (const [hash, tx] of history.transactions) {
        if (pacer.due()) await pacer.yield();
        batch.put(TX_PREFIX + hash, JSON.stringify(tx));
      }
      for (const o of history.outcomes) {
        if (pacer.due()) await pacer.yield();
        batch.put(OUTCOME_PREFIX + o.id, JSON.stringify(o));
      }
      for (const [id, r] of history.receipts) {
        if (pacer.due()) await pacer.yield();
        batch.put(RECEIPT_PREFIX + id, JSON.stringify(r));
      }
    }
    const meta: Meta = { ...head, format: 2, records: next.size, digest: digest.toString('hex'), ...(historyFrom === undefined ? {} : { historyFrom }) };
    const metaText = JSON.stringify(meta);
    const historyWritten = history !== undefined && history.blocks.length + history.transactions.length + history.outcomes.length + history.receipts.length > 0;
    if (put === 0 && deleted === 0 && !historyWritten && !garbage && this.#meta !== undefined && metaText === JSON.stringify(this.#meta)) {
      await batch.close();
      return { put, deleted };
    }
    batch.put(META_KEY, metaText);
    await batch.write({ sync: true });
    this.#written = next;
    this.#digest = digest;
    this.#meta = meta;
    this.#markerWritten = this.#markerWritten.then(() =>
      writeMarkerAsync(this.#marker, head).catch((e: Error) => {
        this.#markerFailure ??= e;
      }),
    );
    return { put, deleted };
  }

  /**
   * The keys of the oldest blocks in [from, below) with their chunk index, transactions, and the outcomes and
   * receipts applied in them (nearcore clears a block's chunks, outcomes and receipts with it), read with an
   * asynchronous iterator so reads are served meanwhile; `next` is the new lowest height with history.
   */
  async #garbage(from: number, below: number, pacer: Pacer): Promise<{ keys: string[]; next: number }> {
    const keys: string[] = [];
    let next = below;
    let blocks = 0;
    for await (const [key, value] of this.#db.iterator({ gte: blockKey(from), lt: blockKey(below), limit: GC_BLOCKS_PER_COMMIT })) {
      if (pacer.due()) await pacer.yield();
      const b = blockFromJson(value);
      keys.push(key, BLOCK_HASH_PREFIX + hex(b.hash), CHUNK_PREFIX + chunkHashOf(b));
      for (const hash of b.transactions) keys.push(TX_PREFIX + hash);
      for (const id of b.receipts) keys.push(OUTCOME_PREFIX + id, RECEIPT_PREFIX + id);
      if (++blocks === GC_BLOCKS_PER_COMMIT) next = Number(b.height) + 1;
    }
    return { keys, next };
  }

  /**
   * A revert (sandbox_revert) brought the chain back to `base`: the history above it on disk belongs to a
   * discarded chain. Deleted in the same batch, before the new chain's blocks are put. The marker is lowered
   * to `base` first (a block both chains share), so a crash before the batch lands never looks like a lost
   * log on restart, and a crash after it finds marker and head agreeing.
   */
  #discardAbove(batch: ReturnType<ClassicLevel<string, string>['batch']>, base: Block): void {
    const saved = this.#meta;
    if (!saved || saved.height <= Number(base.height)) return;
    writeMarker(this.#marker, { height: Number(base.height), hash: base58.encode(base.hash), timestampNanos: base.timestamp.toString(), chainId: saved.chainId });
    for (let height = base.height + 1n; height <= BigInt(saved.height); height++) {
      const block = this.blockByHeight(height);
      batch.del(blockKey(height));
      if (!block) continue;
      batch.del(BLOCK_HASH_PREFIX + hex(block.hash));
      batch.del(CHUNK_PREFIX + chunkHashOf(block));
      for (const hash of block.transactions) {
        const created = this.transaction(hash)?.outcome?.outcome.receipt_ids ?? [];
        for (const id of created) batch.del(RECEIPT_PREFIX + id);
        batch.del(TX_PREFIX + hash);
      }
      for (const id of block.receipts) {
        for (const child of this.outcome(id)?.outcome.receipt_ids ?? []) batch.del(RECEIPT_PREFIX + child);
        batch.del(OUTCOME_PREFIX + id);
        batch.del(RECEIPT_PREFIX + id);
      }
    }
  }

  /** The lowest height with history on disk (raised by garbage collection). */
  get historyFrom(): number | undefined {
    return this.#meta?.historyFrom;
  }

  // --- ChainHistory: what left memory, read back synchronously (LevelDB's cache, then the OS's) ---

  #get(key: string): string | undefined {
    return this.#db.getSync(key);
  }

  blockByHeight(height: bigint): Block | undefined {
    const text = this.#get(blockKey(height));
    return text === undefined ? undefined : blockFromJson(text);
  }

  blockByHash(hash: string): Block | undefined {
    if (hash.length > 44) return undefined; // a 32-byte hash; base58 decoding is quadratic in the length
    let bytes: Uint8Array;
    try {
      bytes = base58.decode(hash);
    } catch {
      return undefined;
    }
    const height = this.#get(BLOCK_HASH_PREFIX + hex(bytes));
    const block = height === undefined ? undefined : this.blockByHeight(BigInt(height));
    // the block at that height now, only if it is the one asked for (a revert replaces blocks)
    return block && hex(block.hash) === hex(bytes) ? block : undefined;
  }

  blockByChunkHash(chunkHash: string): Block | undefined {
    if (chunkHash.length > 44) return undefined;
    const height = this.#get(CHUNK_PREFIX + chunkHash);
    const block = height === undefined ? undefined : this.blockByHeight(BigInt(height));
    return block && chunkHashOf(block) === chunkHash ? block : undefined;
  }

  transaction(hash: string): StoredTransaction | undefined {
    const text = this.#get(TX_PREFIX + hash);
    return text === undefined ? undefined : (JSON.parse(text) as StoredTransaction);
  }

  outcome(id: string): ExecutionOutcomeWithIdView | undefined {
    const text = this.#get(OUTCOME_PREFIX + id);
    return text === undefined ? undefined : (JSON.parse(text) as ExecutionOutcomeWithIdView);
  }

  receipt(id: string): JsonValue | undefined {
    const text = this.#get(RECEIPT_PREFIX + id);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  }

  async close(): Promise<void> {
    await this.#markerWritten;
    await this.#db.close();
  }

  /** Copies a closed store to `<home>/backup` (replacing the previous backup once the copy is complete). */
  static backup(dir: string): void {
    const home = dirname(dir);
    const target = join(home, BACKUP_DIR);
    const tmp = `${target}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    copyStore(dir, join(tmp, basename(dir)));
    const marker = join(home, MARKER_FILE);
    if (existsSync(marker)) copyFileSync(marker, join(tmp, MARKER_FILE));
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  }

  /**
   * Replaces `<home>/data` by the backup; the damaged store is kept as `data.damaged-<time>`. Returns the
   * backup's head height.
   */
  static restoreBackup(dir: string): number {
    const home = dirname(dir);
    const backup = join(home, BACKUP_DIR);
    const marker = readMarker(join(backup, MARKER_FILE));
    if (!marker || !existsSync(join(backup, basename(dir), 'CURRENT'))) throw new Error(`there is no backup in ${backup} (one is taken at every clean stop)`);
    if (existsSync(dir)) renameSync(dir, `${dir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    copyStore(join(backup, basename(dir)), dir);
    copyFileSync(join(backup, MARKER_FILE), join(home, MARKER_FILE));
    return marker.height;
  }
}

/** LevelDB tables never change once written: a hard link is a copy (falls back to copying across devices). */
function copyStore(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name === 'LOCK') continue;
    const source = join(from, name);
    if (/\.(ldb|sst)$/.test(name)) {
      try {
        linkSync(source, join(to, name));
        continue;
      } catch {
        // another file system: copy
      }
    }
    copyFileSync(source, join(to, name));
  }
}

/**
 * The state of the one shard this node runs (nearcore's trie columns `Account`, `AccessKey`,
 * `ContractCode`, `ContractData` and the runtime's bookkeeping keys: `ReceivedData`,
 * `PostponedReceiptId`, `PendingDataCount`, `PostponedReceipt`, and NEP-519's `PromiseYieldIndices`,
 * `PromiseYieldTimeout`, `PromiseYieldReceipt`, `PromiseYieldStatus`, `YieldIdToDataId`, `DataIdToYieldId`).
 *
 * Writes go straight to the maps and are recorded in an undo journal: a failed receipt is rolled
 * back to the last commit (nearcore's `TrieUpdate::rollback`), a block that throws is undone as a
 * whole, and `finalize` drops the journal. `clone()` gives a snapshot (values are never mutated in place).
 *
 * Fork mode (src/fork): a `StateSource` answers for accounts, access keys, code and contract data this state
 * never wrote. Reads fall through to it on a miss; writes stay here; deleting something the source has
 * leaves a journaled tombstone (`hidden`), so it stays deleted across rollbacks and snapshots.
 *
 * The records this state holds are also kept in nearcore's trie shape (store/trie): every write marks its
 * trie key, and `finalize` (end of a chunk) applies the marked keys to the trie and hashes the changed
 * paths, giving the state root. During a chunk the trie stays as it was at the chunk's start, as nearcore's
 * does, and the trie-node accounting of contract storage (`contractStorageAccess`) walks it. In fork mode the
 * trie holds only what this state wrote, not the source's records.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { encodeAccessKey, type AccessKey, type GlobalContractIdentifier } from '../primitives/transaction.js';
import { publicKeyHandleBorsh, type PublicKey } from '../primitives/crypto.js';
import { EMPTY_HASH } from '../primitives/hash.js';
import { trieKey } from '../primitives/trie-key.js';
import { Trie, type TrieValue } from '../store/trie/trie.js';
import { TrieAccountingCache, type StorageAccess } from '../store/trie/accounting-cache.js';
import { encodeReceipt, type Receipt } from './receipt.js';
import { StateChangeRecorder, type StateChangeCause } from './state-changes.js';

export interface Account {
  amount: bigint;
  locked: bigint;
  /** sha256 of the code the account runs (its own or, for a global contract, the global code's); zeros: none. */
  codeHash: Uint8Array;
  storageUsage: bigint;
  /** Set when the account runs a global contract (nearcore `AccountContract::Global` / `GlobalByAccount`). */
  global?: GlobalContractIdentifier;
}

/** A deployed global contract (nearcore `TrieKey::GlobalContractCode`). */
export interface GlobalContract {
  code: Uint8Array;
  hash: Uint8Array;
}

/** The `globalCode` key of an identifier. */
export const globalContractKey = (id: GlobalContractIdentifier): string =>
  id.type === 'CodeHash' ? `hash:${bytesToHex(id.hash)}` : `account:${id.accountId}`;

/** Bytes an identifier adds to the using account's storage (nearcore `GlobalContractIdentifier::len`). */
export const globalContractIdLength = (id: GlobalContractIdentifier): bigint =>
  id.type === 'CodeHash' ? 32n : BigInt(Buffer.byteLength(id.accountId));

/** nearcore `PromiseYieldTimeout` (core/primitives receipt.rs): one entry of the shard's yield timeout queue. */
export interface PromiseYieldTimeout {
  accountId: string;
  dataId: Uint8Array;
  expiresAt: bigint;
}

/** nearcore `PromiseYieldIndices`: the queue holds entries `firstIndex ..< nextAvailableIndex`. */
export interface PromiseYieldIndices {
  firstIndex: bigint;
  nextAvailableIndex: bigint;
}

/** nearcore `PromiseYieldStatus` (PR #15085, borsh discriminants): kept from the yield until its receipt runs. */
export const PromiseYieldStatus = { Yielded: 0, ResumeInitiated: 1 } as const;
export type PromiseYieldStatus = (typeof PromiseYieldStatus)[keyof typeof PromiseYieldStatus];

/** The one key of `State.yieldIndices` (nearcore's `PromiseYieldIndices` is a singleton per shard). */
export const YIELD_QUEUE = 'queue';

export interface StoredAccessKey {
  publicKey: PublicKey;
  accessKey: AccessKey;
}

type Undo = () => void;

/** Reads the value a marked trie key has now (null: deleted), when the chunk ends. */
type TrieValueOf = () => TrieValue | null;

/**
 * Read-only state underneath this one (fork mode: a remote chain at a pinned block, src/fork/source.ts).
 * Answers never change; a source that cannot answer throws, and the block that asked is undone.
 */
export interface StateSource {
  account(accountId: string): Account | undefined;
  accessKey(accountId: string, publicKey: PublicKey): AccessKey | undefined;
  /** Every access key of the account. */
  accessKeys(accountId: string): StoredAccessKey[];
  /** The code whose hash the source's account record names. */
  code(accountId: string): Uint8Array | undefined;
  data(accountId: string, key: Uint8Array): Uint8Array | undefined;
  /** Entries whose key starts with `prefix`, in any order. */
  dataWithPrefix(accountId: string, prefix: Uint8Array): Array<[Uint8Array, Uint8Array]>;
  /** The nonces of a gas key by index (nearcore `view_gas_key_nonces`); undefined if it is not a gas key there. */
  gasKeyNonces?(accountId: string, publicKey: PublicKey): bigint[] | undefined;
}

/**
 * A `StateSource` could not answer (fork mode: the remote is unreachable, rate-limits, ...). The block that
 * asked is undone; the chain sets the receipt or transaction that needed the state aside and produces the
 * block without it (runtime/chain.ts), so one unreachable read never stops local work.
 */
export class StateUnavailableError extends Error {
  /** Set by the chain: what was being applied when the source failed. */
  receipt?: Receipt;
  transactionHash?: string;
}

/**
 * Map key of an access key within its account: its handle (nearcore `PublicKeyHandle`, the trie key's
 * suffix) in hex, so an ML-DSA-65 key is found by the hash nearcore keeps, whichever full key asked.
 */
const keyId = (pk: PublicKey) => bytesToHex(publicKeyHandleBorsh(pk));

/** Marks the trie keys a map entry is stored under (called on every write, with the old value). */
type TrieKeysOf<K, V> = (state: State, key: K, value: V | undefined, prev: V | undefined) => void;

/** A key's value before the block: nothing there. */
const ABSENT: unique symbol = Symbol('absent');
type Recorded<V> = V | typeof ABSENT;

/** Where a JournaledMap keeps its values: a Map, or `ContractDataStore` (grouped by account). */
interface Store<K, V> {
  get(k: K): V | undefined;
  has(k: K): boolean;
  set(k: K, v: V): unknown;
  delete(k: K): boolean;
  entries(): IterableIterator<[K, V]>;
}

/**
 * A map whose writes are journaled by the owning State, each key on its own (nearcore core/store/src/trie/update.rs:
 * `TrieUpdate`'s prospective and committed changes are per trie key), so a write costs the same however many
 * entries the map holds. From `State.keepBlockStart` on, it also keeps each written key's value as of then (the
 * block's start): while the owner is suspended between the steps of a block (`State.suspend`), reads see those
 * values, and the writes of a view (a `call_function` may write storage; nearcore discards them) go to an overlay
 * its rollback drops, touching neither the block's maps nor its journal.
 */
class JournaledMap<K, V, S extends Store<K, V> = Map<K, V>> {
  /** Keys written since `State.keepBlockStart`, with the value each had then. */
  #before = new Map<K, Recorded<V>>();
  /** While suspended: a view's own writes, read first; dropped by its rollback and on resume. */
  #overlay: Map<K, Recorded<V>> | null = null;

  constructor(
    private readonly state: State,
    public map: S,
    private readonly trieKeys?: TrieKeysOf<K, V>,
  ) {}
  get(k: K): V | undefined {
    if (!this.state.suspended) return this.map.get(k);
    const v = this.#viewed(k);
    return v === ABSENT ? undefined : v;
  }
  has(k: K): boolean {
    return this.state.suspended ? this.#viewed(k) !== ABSENT : this.map.has(k);
  }
  set(k: K, v: V): void {
    if (this.state.suspended) {
      (this.#overlay ??= new Map()).set(k, v);
      return;
    }
    const had = this.map.has(k);
    const prev = this.map.get(k);
    if (this.state.keepsBlockStart && !this.#before.has(k)) this.#before.set(k, had ? (prev as V) : ABSENT);
    this.map.set(k, v);
    this.state.record(() => (had ? this.map.set(k, prev as V) : this.map.delete(k)));
    this.trieKeys?.(this.state, k, v, prev);
  }
  delete(k: K): boolean {
    if (this.state.suspended) {
      if (!this.has(k)) return false;
      (this.#overlay ??= new Map()).set(k, ABSENT);
      return true;
    }
    if (!this.map.has(k)) return false;
    const prev = this.map.get(k) as V;
    if (this.state.keepsBlockStart && !this.#before.has(k)) this.#before.set(k, prev);
    this.map.delete(k);
    this.state.record(() => this.map.set(k, prev));
    this.trieKeys?.(this.state, k, undefined, prev);
    return true;
  }
  /**
   * Entries as the reads see them: the maps as they are, or while suspended as of the block's start with a view's
   * writes over them (for the few read paths that list a whole map).
   */
  entries(): Iterable<[K, V]> {
    return this.entriesAmong(this.map.entries(), () => true);
  }
  /**
   * The entries of a part of the map as the reads see them: `stored`, the part's entries in the map (one account's
   * contract data), and `within`, whether a key is in the part (for the block's start and a view's writes).
   */
  entriesAmong(stored: Iterable<[K, V]>, within: (k: K) => boolean): Iterable<[K, V]> {
    return this.state.suspended ? this.#viewedEntries(stored, within) : stored;
  }
  /** Every key of the part that the map, the block's start or a view has, once each, as `#viewed` sees it. */
  *#viewedEntries(stored: Iterable<[K, V]>, within: (k: K) => boolean): IterableIterator<[K, V]> {
    const keys = [...stored].map(([k]) => k);
    for (const k of this.#before.keys()) if (within(k) && !this.map.has(k)) keys.push(k);
    if (this.#overlay) for (const k of this.#overlay.keys()) if (within(k) && !this.map.has(k) && !this.#before.has(k)) keys.push(k);
    for (const k of keys) {
      const v = this.#viewed(k);
      if (v !== ABSENT) yield [k, v];
    }
  }
  #viewed(k: K): Recorded<V> {
    const mine = this.#overlay?.get(k);
    if (mine !== undefined || this.#overlay?.has(k)) return mine as Recorded<V>;
    const before = this.#before.get(k);
    if (before !== undefined || this.#before.has(k)) return before as Recorded<V>;
    return this.map.has(k) ? (this.map.get(k) as V) : ABSENT;
  }
  /** @internal State: a view ended (its rollback) or the block resumed. */
  dropOverlay(): void {
    this.#overlay = null;
  }
  /** @internal State: the block's start moved (`finalize`) or the block was undone (`abort`). */
  forgetBefore(): void {
    this.#before.clear();
  }
}

const u32le = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
};

const u64le = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

const u128le = (v: bigint) => Buffer.concat([u64le(v & 0xffff_ffff_ffff_ffffn), u64le(v >> 64n)]);

/** `u128::MAX`, which a V2 account starts with where V1's `amount` stood (account.rs). */
const ACCOUNT_V2_SENTINEL = new Uint8Array(16).fill(0xff);

/** borsh `PromiseYieldIndices { first_index: u64, next_available_index: u64 }`. */
export const encodePromiseYieldIndices = (i: PromiseYieldIndices): Uint8Array =>
  Buffer.concat([u64le(i.firstIndex), u64le(i.nextAvailableIndex)]);

/** borsh `PromiseYieldTimeout { account_id: AccountId (u32 length ++ bytes), data_id: [u8; 32], expires_at: u64 }`. */
export const encodePromiseYieldTimeout = (t: PromiseYieldTimeout): Uint8Array => {
  const id = Buffer.from(t.accountId, 'latin1');
  return Buffer.concat([u32le(id.length), id, t.dataId, u64le(t.expiresAt)]);
};

/**
 * borsh of nearcore's `Account` (core/primitives/src/account.rs): the legacy V1 layout
 * `{amount, locked, code_hash, storage_usage}`; an account on a global contract is V2, written after the
 * `u128::MAX` sentinel and version byte 1 as `{amount, locked, storage_usage, contract}` with
 * `AccountContract::Global(hash)` = 2 or `GlobalByAccount(account id)` = 3.
 */
export function encodeAccount(a: Account): Uint8Array {
  if (a.global) {
    const contract = a.global.type === 'CodeHash' ? [Uint8Array.of(2), a.global.hash] : [Uint8Array.of(3), u32le(Buffer.byteLength(a.global.accountId)), Buffer.from(a.global.accountId)];
    return Buffer.concat([ACCOUNT_V2_SENTINEL, Uint8Array.of(1), u128le(a.amount), u128le(a.locked), u64le(a.storageUsage), ...contract]);
  }
  return Buffer.concat([u128le(a.amount), u128le(a.locked), a.codeHash, u64le(a.storageUsage)]);
}

/** `${account}/${idHex}` keys of the receipt-bookkeeping maps and of contract data. */
const splitDataKey = (key: string): [string, string] => {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), key.slice(at + 1)];
};

/** A contract data entry's key in `State.data`: `${accountId}/${keyHex}` (no account id or hex has a `/`). */
const dataKey = (accountId: string, keyHex: string) => `${accountId}/${keyHex}`;

/**
 * Contract data (nearcore `TrieKey::ContractData`) by `dataKey`, kept per account so that one account's entries
 * are listed (`listData`, account deletion) without visiting the others'.
 */
class ContractDataStore implements Store<string, Uint8Array> {
  readonly #accounts: Map<string, Map<string, Uint8Array>>;

  /** A copy of `source` sharing no map with it (values are never mutated in place). */
  constructor(source?: ContractDataStore) {
    this.#accounts = new Map(source ? [...source.#accounts].map(([a, m]) => [a, new Map(m)]) : []);
  }
  get(k: string): Uint8Array | undefined {
    const [accountId, keyHex] = splitDataKey(k);
    return this.#accounts.get(accountId)?.get(keyHex);
  }
  has(k: string): boolean {
    const [accountId, keyHex] = splitDataKey(k);
    return this.#accounts.get(accountId)?.has(keyHex) ?? false;
  }
  set(k: string, v: Uint8Array): void {
    const [accountId, keyHex] = splitDataKey(k);
    const entries = this.#accounts.get(accountId);
    if (entries) entries.set(keyHex, v);
    else this.#accounts.set(accountId, new Map([[keyHex, v]]));
  }
  delete(k: string): boolean {
    const [accountId, keyHex] = splitDataKey(k);
    const entries = this.#accounts.get(accountId);
    if (!entries?.delete(keyHex)) return false;
    if (entries.size === 0) this.#accounts.delete(accountId);
    return true;
  }
  *entries(): IterableIterator<[string, Uint8Array]> {
    for (const accountId of this.#accounts.keys()) yield* this.entriesOf(accountId);
  }
  /** One account's entries, keyed by `dataKey`. */
  *entriesOf(accountId: string): IterableIterator<[string, Uint8Array]> {
    for (const [keyHex, v] of this.#accounts.get(accountId) ?? []) yield [dataKey(accountId, keyHex), v];
  }
}

// Trie keys and values of each map's entries (nearcore trie_key.rs; values as nearcore borsh-encodes them).
const accountKeys: TrieKeysOf<string, Account> = (state, id) => {
  const key = trieKey.account(id);
  state.changes.written(key, () => ({ kind: 'account', accountId: id, account: state.accounts.map.get(id) }));
  state.markTrieKey(key, () => {
    const a = state.accounts.map.get(id);
    return a ? { bytes: encodeAccount(a) } : null;
  });
};
const codeKeys: TrieKeysOf<string, Uint8Array> = (state, id) => {
  const key = trieKey.contractCode(id);
  state.changes.written(key, () => ({ kind: 'contract_code', accountId: id, code: state.code.map.get(id) }));
  state.markTrieKey(key, () => {
    const code = state.code.map.get(id);
    return code ? { bytes: code } : null;
  });
};
const receivedDataKeys: TrieKeysOf<string, Uint8Array | null> = (state, key) => {
  const [receiver, dataId] = splitDataKey(key);
  state.markTrieKey(trieKey.receivedData(receiver, dataId), () => {
    if (!state.receivedData.has(key)) return null;
    const data = state.receivedData.map.get(key)!;
    // borsh ReceivedData { data: Option<Vec<u8>> }
    return { bytes: data === null ? Uint8Array.of(0) : Buffer.concat([Uint8Array.of(1), u32le(data.length), data]) };
  });
};
const postponedIdKeys: TrieKeysOf<string, string> = (state, key) => {
  const [receiver, dataId] = splitDataKey(key);
  state.markTrieKey(trieKey.postponedReceiptId(receiver, dataId), () => {
    const id = state.postponedReceiptIds.map.get(key);
    return id === undefined ? null : { bytes: hexToBytes(id) };
  });
};
const postponedKeys: TrieKeysOf<string, { receipt: Receipt; pending: number }> = (state, id, value, prev) => {
  const receiver = (value ?? prev)!.receipt.receiverId;
  state.markTrieKey(trieKey.pendingDataCount(receiver, id), () => {
    const entry = state.postponedReceipts.map.get(id);
    return entry ? { bytes: u32le(entry.pending) } : null;
  });
  state.markTrieKey(trieKey.postponedReceipt(receiver, id), () => {
    const entry = state.postponedReceipts.map.get(id);
    return entry ? { bytes: encodeReceipt(entry.receipt) } : null;
  });
};
const globalCodeKeys: TrieKeysOf<string, GlobalContract> = (state, key) => {
  state.markTrieKey(trieKey.globalContractCode(key), () => {
    const contract = state.globalCode.map.get(key);
    return contract ? { bytes: contract.code, hash: contract.hash } : null;
  });
};
/** `${account}/${public key handle hex}/${index}`: a gas-key nonce row in `gasKeyNonces` (the key handle, as in the trie key). */
const gasKeyNonceKey = (accountId: string, pk: PublicKey, index: number) => `${accountId}/${bytesToHex(publicKeyHandleBorsh(pk))}/${index}`;
const gasKeyNonceKeys: TrieKeysOf<string, bigint> = (state, key) => {
  const [accountId, pkHex, index] = key.split('/') as [string, string, string];
  state.markTrieKey(trieKey.gasKeyNonce(accountId, hexToBytes(pkHex), Number(index)), () => {
    const nonce = state.gasKeyNonces.map.get(key);
    if (nonce === undefined) return null;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, nonce, true);
    return { bytes };
  });
};
const yieldReceiptKeys: TrieKeysOf<string, Receipt> = (state, key) => {
  const [receiver, dataId] = splitDataKey(key);
  state.markTrieKey(trieKey.promiseYieldReceipt(receiver, dataId), () => {
    const r = state.yieldReceipts.map.get(key);
    return r ? { bytes: encodeReceipt(r) } : null;
  });
};

const yieldIndicesKeys: TrieKeysOf<string, PromiseYieldIndices> = (state) => {
  state.markTrieKey(trieKey.promiseYieldIndices(), () => {
    const i = state.yieldIndices.map.get(YIELD_QUEUE);
    return i ? { bytes: encodePromiseYieldIndices(i) } : null;
  });
};
const yieldTimeoutKeys: TrieKeysOf<string, PromiseYieldTimeout> = (state, index) => {
  state.markTrieKey(trieKey.promiseYieldTimeout(BigInt(index)), () => {
    const t = state.yieldTimeouts.map.get(index);
    return t ? { bytes: encodePromiseYieldTimeout(t) } : null;
  });
};
const yieldStatusKeys: TrieKeysOf<string, PromiseYieldStatus> = (state, key) => {
  const [receiver, dataId] = splitDataKey(key);
  state.markTrieKey(trieKey.promiseYieldStatus(receiver, dataId), () => {
    const status = state.yieldStatus.map.get(key);
    return status === undefined ? null : { bytes: Uint8Array.of(status) };
  });
};
/** `YieldIdToDataId` and `DataIdToYieldId` values are the other 32-byte id (borsh `CryptoHash`). */
const yieldIdMapKeys =
  (column: (receiver: string, idHex: string) => string, map: (state: State) => Map<string, Uint8Array>): TrieKeysOf<string, Uint8Array> =>
  (state, key) => {
    const [receiver, id] = splitDataKey(key);
    state.markTrieKey(column(receiver, id), () => {
      const other = map(state).get(key);
      return other ? { bytes: other } : null;
    });
  };

export class State {
  #journal: Undo[] = [];
  /** The trie as of the last `finalize` (the chunk's start): hashed, immutable, shared by clones. */
  #trie: Trie = Trie.EMPTY;
  /**
   * Trie keys written since the last `finalize`, journaled like the maps: nearcore's committed plus
   * prospective `TrieUpdate` changes. `finalize` applies them to the trie.
   */
  #changed = new Map<string, TrieValueOf>();
  /** nearcore `TrieAccountingCache`: node ids contract storage touched in this chunk. */
  #accounting = new TrieAccountingCache();
  /** Journal length at the last commit: writes before it belong to committed receipts of this block. */
  #mark = 0;
  /** Set while a block is suspended between its steps (`suspend`): reads see the state as of the block's start. */
  #suspended = false;
  /** Set from `keepBlockStart` until `finalize` or `abort`: the maps keep the values written keys had then. */
  #keepsBlockStart = false;
  /** Every journaled map (the view's bookkeeping clears them together). */
  readonly #maps: Array<Pick<JournaledMap<string, unknown>, 'dropOverlay' | 'forgetBefore'>>;
  /** While suspended: the trie-node accounting of views, apart from the chunk's. */
  #viewAccounting: TrieAccountingCache | null = null;
  /** Accounts, access keys, code and data committed in this block, with causes (RPC `EXPERIMENTAL_changes`). */
  readonly changes = new StateChangeRecorder();
  readonly accounts: JournaledMap<string, Account>;
  /** account id → (public key string → key) */
  readonly accessKeys: JournaledMap<string, Map<string, StoredAccessKey>>;
  /** account id → code (nearcore `TrieKey::ContractCode`) */
  readonly code: JournaledMap<string, Uint8Array>;
  /** Contract data: `dataKey(account id, hex key)` → value */
  readonly data: JournaledMap<string, Uint8Array, ContractDataStore>;
  /** `ReceivedData`: `${account}/${dataIdHex}` → data (null = the promise failed) */
  readonly receivedData: JournaledMap<string, Uint8Array | null>;
  /** `PostponedReceiptId`: `${account}/${dataIdHex}` → receipt id hex */
  readonly postponedReceiptIds: JournaledMap<string, string>;
  /** `PendingDataCount` and `PostponedReceipt`: receipt id hex → what it still waits for */
  readonly postponedReceipts: JournaledMap<string, { receipt: Receipt; pending: number }>;
  /** `PromiseYieldReceipt`: `${account}/${dataIdHex}` → the yielded receipt */
  readonly yieldReceipts: JournaledMap<string, Receipt>;
  /** `PromiseYieldIndices`: the timeout queue's bounds, under the one key `YIELD_QUEUE` (absent until a first yield) */
  readonly yieldIndices: JournaledMap<string, PromiseYieldIndices>;
  /** `PromiseYieldTimeout`: queue index (decimal) → the yield it times out, in creation order */
  readonly yieldTimeouts: JournaledMap<string, PromiseYieldTimeout>;
  /** `PromiseYieldStatus` (PV ≥ 83): `${account}/${dataIdHex}` → Yielded or ResumeInitiated */
  readonly yieldStatus: JournaledMap<string, PromiseYieldStatus>;
  /** `YieldIdToDataId` (PV ≥ 85, `promise_yield_create_with_id`): `${account}/${yieldIdHex}` → data id */
  readonly yieldIdToDataId: JournaledMap<string, Uint8Array>;
  /** `DataIdToYieldId`: `${account}/${dataIdHex}` → yield id (to clean up both when the yield's receipt runs) */
  readonly dataIdToYieldId: JournaledMap<string, Uint8Array>;
  /** Unstake proposals (stake below the locked amount), applied at the next epoch boundary. */
  readonly stakeProposals: JournaledMap<string, bigint>;
  /** Fork mode: what `readThrough` has that this state deleted: `account` (all of it), `account key:<id>`, `account data:<hex>`. */
  readonly hidden: JournaledMap<string, true>;
  readonly readThrough: StateSource | undefined;
  /** Global contracts by identifier (`globalContractKey`): the whole shard sees them. */
  readonly globalCode: JournaledMap<string, GlobalContract>;
  /** `GasKeyNonce` rows (GasKeys, PV 85): `${account}/${public key borsh hex}/${index}` → nonce. */
  readonly gasKeyNonces: JournaledMap<string, bigint>;

  constructor(source?: State, readThrough: StateSource | undefined = source?.readThrough) {
    this.readThrough = readThrough;
    const copyNested = <V>(m: Map<string, Map<string, V>>) => new Map([...m].map(([k, v]) => [k, new Map(v)]));
    this.accounts = new JournaledMap(this, new Map(source?.accounts.map), accountKeys);
    this.accessKeys = new JournaledMap(this, source ? copyNested(source.accessKeys.map) : new Map());
    this.code = new JournaledMap(this, new Map(source?.code.map), codeKeys);
    this.data = new JournaledMap(this, new ContractDataStore(source?.data.map));
    this.receivedData = new JournaledMap(this, new Map(source?.receivedData.map), receivedDataKeys);
    this.postponedReceiptIds = new JournaledMap(this, new Map(source?.postponedReceiptIds.map), postponedIdKeys);
    this.postponedReceipts = new JournaledMap(this, new Map(source?.postponedReceipts.map), postponedKeys);
    this.yieldReceipts = new JournaledMap(this, new Map(source?.yieldReceipts.map), yieldReceiptKeys);
    this.yieldIndices = new JournaledMap(this, new Map(source?.yieldIndices.map), yieldIndicesKeys);
    this.yieldTimeouts = new JournaledMap(this, new Map(source?.yieldTimeouts.map), yieldTimeoutKeys);
    this.yieldStatus = new JournaledMap(this, new Map(source?.yieldStatus.map), yieldStatusKeys);
    this.yieldIdToDataId = new JournaledMap(this, new Map(source?.yieldIdToDataId.map), yieldIdMapKeys(trieKey.yieldIdToDataId, (s) => s.yieldIdToDataId.map));
    this.dataIdToYieldId = new JournaledMap(this, new Map(source?.dataIdToYieldId.map), yieldIdMapKeys(trieKey.dataIdToYieldId, (s) => s.dataIdToYieldId.map));
    this.stakeProposals = new JournaledMap(this, new Map(source?.stakeProposals.map));
    this.hidden = new JournaledMap(this, new Map(source?.hidden.map));
    this.globalCode = new JournaledMap(this, new Map(source?.globalCode.map), globalCodeKeys);
    this.gasKeyNonces = new JournaledMap(this, new Map(source?.gasKeyNonces.map), gasKeyNonceKeys);
    this.#maps = [
      this.accounts, this.accessKeys, this.code, this.data, this.receivedData, this.postponedReceiptIds, this.postponedReceipts,
      this.yieldReceipts, this.yieldIndices, this.yieldTimeouts, this.yieldStatus, this.yieldIdToDataId, this.dataIdToYieldId,
      this.stakeProposals, this.hidden, this.globalCode, this.gasKeyNonces,
    ];
    if (source) this.#trie = source.#trie;
  }

  /** Every journaled map (the view's bookkeeping clears them together). */

  /** Whether a block is suspended between its steps: reads see the state as of its start (nearcore's view client reads the head's state). */
  get suspended(): boolean {
    return this.#suspended;
  }

  get keepsBlockStart(): boolean {
    return this.#keepsBlockStart;
  }

  /**
   * A block that may be suspended starts: until `finalize` or `abort`, each key's value before its first write is
   * kept, for reads while suspended. (A block that runs at once keeps nothing: no read can see it midway.)
   */
  keepBlockStart(): void {
    this.#keepsBlockStart = true;
  }

  /**
   * Suspends the block being applied, at a consistent point (every write so far committed or rolled back):
   * until `resume`, reads see the state as of the block's start (`keepBlockStart`), and writes (a view's)
   * go to an overlay that its `rollback` drops, never to the block.
   */
  suspend(): void {
    if (!this.#keepsBlockStart) throw new Error('only a block that kept its start (keepBlockStart) can be suspended');
    this.assertCommitted();
    this.#suspended = true;
  }

  /**
   * Throws unless every write so far is committed or rolled back: what a point where a block may be suspended
   * must hold. The block's steps check it at each such point whether or not they are suspended there, so a step
   * that breaks it fails every time, not only when a slice happens to end there.
   */
  assertCommitted(): void {
    if (this.#journal.length !== this.#mark) throw new Error('a block can only be suspended where its writes are committed or rolled back');
  }

  /** Continues the block: what views wrote meanwhile is gone. */
  resume(): void {
    this.#suspended = false;
    this.#dropViewWrites();
  }

  #forgetBlockStart(): void {
    if (!this.#keepsBlockStart) return;
    this.#keepsBlockStart = false;
    for (const m of this.#maps) m.forgetBefore();
  }

  #dropViewWrites(): void {
    for (const m of this.#maps) m.dropOverlay();
    this.#viewAccounting = null;
  }

  #refuseWhileSuspended(what: string): void {
    if (this.#suspended) throw new Error(`cannot ${what} while a block is suspended (views only read, and roll back)`);
  }

  /** nearcore state root of the records as of the last `finalize`. */
  get stateRoot(): Uint8Array {
    return this.#trie.rootHash;
  }

  /** The trie as of the last `finalize` (nearcore's trie at the chunk's start). */
  get trie(): Trie {
    return this.#trie;
  }

  /** Marks a trie key written; `valueOf` reads its value when the chunk ends. Undone with the write. */
  markTrieKey(path: string, valueOf: TrieValueOf): void {
    if (this.#suspended || this.#changed.has(path)) return;
    this.#changed.set(path, valueOf);
    this.record(() => void this.#changed.delete(path));
  }

  /**
   * nearcore's trie-node accounting of one contract storage access (runtime/runtime/src/ext.rs; for the
   * counting, `Trie::lookup_from_state_column` and `TrieAccountingCache`). A key written earlier in this
   * chunk is served from the update in memory and touches nothing. Otherwise, with `walkTrie` (writes and
   * removes: `KeyLookupMode::MemOrTrie`) every node from the root to the key is touched; without it
   * (reads: flat storage) none is. `touchValue` touches the value's node when it is dereferenced.
   */
  contractStorageAccess(accountId: string, key: Uint8Array, walkTrie: boolean): StorageAccess {
    const path = trieKey.contractData(accountId, bytesToHex(key));
    if (this.#suspended) return (this.#viewAccounting ??= new TrieAccountingCache()).access(this.#trie, path, walkTrie);
    if (this.#changed.has(path)) return this.#accounting.inMemory();
    return this.#accounting.access(this.#trie, path, walkTrie);
  }

  /** A snapshot sharing no mutable structure with this state (only between blocks). */
  clone(): State {
    if (this.#journal.length > 0) throw new Error('cannot snapshot state in the middle of a block');
    return new State(this);
  }

  record(undo: Undo): void {
    if (this.#suspended) return; // a view's write, in the overlay
    this.#journal.push(undo);
  }

  /**
   * Keeps the writes since the last commit (a successful receipt); they stay undoable until `finalize`. `cause`:
   * nearcore's `StateChangeCause` of the `TrieUpdate::commit` this stands for (none where nearcore does not commit).
   */
  commit(cause?: StateChangeCause): void {
    this.#refuseWhileSuspended('commit');
    this.changes.commit(cause);
    this.#mark = this.#journal.length;
  }

  /** Undoes every write since the last commit (a failed receipt, or a view call). */
  rollback(): void {
    if (this.#suspended) return this.#dropViewWrites();
    this.changes.rollback();
    this.#undoTo(this.#mark);
  }

  /** Undoes everything since the last `finalize` (a block that could not be applied). */
  abort(): void {
    this.#refuseWhileSuspended('abort the block');
    this.#forgetBlockStart();
    this.changes.abort();
    this.#undoTo(0);
    this.#mark = 0;
    this.#accounting = new TrieAccountingCache();
  }

  /**
   * Makes all writes permanent (end of a block, or of a state patch) and brings the trie up to date; true
   * when there were any.
   */
  finalize(): boolean {
    this.#refuseWhileSuspended('finalize');
    this.#forgetBlockStart();
    this.changes.finalize();
    const wrote = this.#journal.length > 0;
    if (this.#changed.size > 0) {
      const changes: Array<[string, TrieValue | null]> = [];
      for (const [path, valueOf] of this.#changed) changes.push([path, valueOf()]);
      this.#trie = this.#trie.update(changes);
      this.#changed = new Map();
    }
    this.#accounting = new TrieAccountingCache();
    this.#journal = [];
    this.#mark = 0;
    return wrote;
  }

  #undoTo(mark: number): void {
    while (this.#journal.length > mark) this.#journal.pop()!();
  }

  // --- accounts ---

  getAccount(id: string): Account | undefined {
    const local = this.accounts.get(id);
    if (local !== undefined || this.readThrough === undefined || this.hidden.has(id)) return local;
    return this.readThrough.account(id);
  }

  setAccount(id: string, account: Account): void {
    this.accounts.set(id, account);
  }

  // --- access keys (inner maps are replaced, never mutated, so rollback and snapshots stay exact) ---

  getAccessKey(accountId: string, pk: PublicKey): AccessKey | undefined {
    const local = this.accessKeys.get(accountId)?.get(keyId(pk))?.accessKey;
    if (local !== undefined || this.readThrough === undefined || this.#hiddenBelow(accountId, `key:${keyId(pk)}`)) return local;
    return this.readThrough.accessKey(accountId, pk);
  }

  listAccessKeys(accountId: string): StoredAccessKey[] {
    const local = this.accessKeys.get(accountId);
    const keys = [...(local?.values() ?? [])];
    if (this.readThrough === undefined || this.hidden.has(accountId)) return keys;
    for (const key of this.readThrough.accessKeys(accountId)) {
      const id = keyId(key.publicKey);
      if (!local?.has(id) && !this.hidden.has(`${accountId} key:${id}`)) keys.push(key);
    }
    return keys;
  }

  setAccessKey(accountId: string, pk: PublicKey, accessKey: AccessKey): void {
    const next = new Map(this.accessKeys.get(accountId));
    next.set(keyId(pk), { publicKey: pk, accessKey });
    this.accessKeys.set(accountId, next);
    this.#markAccessKey(accountId, pk);
  }

  removeAccessKey(accountId: string, pk: PublicKey): void {
    if (this.readThrough !== undefined) this.hidden.set(`${accountId} key:${keyId(pk)}`, true);
    const cur = this.accessKeys.get(accountId);
    if (!cur) return;
    const next = new Map(cur);
    next.delete(keyId(pk));
    this.accessKeys.set(accountId, next);
    this.#markAccessKey(accountId, pk);
  }

  // --- gas-key nonces (nearcore `get_gas_key_nonce` / `set_gas_key_nonce` / `remove_gas_key_nonce`) ---

  getGasKeyNonce(accountId: string, pk: PublicKey, index: number): bigint | undefined {
    const local = this.gasKeyNonces.get(gasKeyNonceKey(accountId, pk, index));
    // fork mode: the remote's rows, unless this state deleted the key (a key added again here has local rows)
    if (local !== undefined || this.readThrough?.gasKeyNonces === undefined || this.#hiddenBelow(accountId, `key:${keyId(pk)}`)) return local;
    return this.readThrough.gasKeyNonces(accountId, pk)?.[index];
  }

  setGasKeyNonce(accountId: string, pk: PublicKey, index: number, nonce: bigint): void {
    this.gasKeyNonces.set(gasKeyNonceKey(accountId, pk, index), nonce);
  }

  removeGasKeyNonce(accountId: string, pk: PublicKey, index: number): void {
    this.gasKeyNonces.delete(gasKeyNonceKey(accountId, pk, index));
  }

  #markAccessKey(accountId: string, pk: PublicKey): void {
    if (this.#suspended) return; // a view's write: no change to record
    const id = keyId(pk);
    const key = trieKey.accessKey(accountId, publicKeyHandleBorsh(pk));
    this.changes.written(key, () => ({ kind: 'access_key', accountId, publicKey: pk, accessKey: this.accessKeys.map.get(accountId)?.get(id)?.accessKey }));
    this.markTrieKey(key, () => {
      const stored = this.accessKeys.map.get(accountId)?.get(id);
      return stored ? { bytes: encodeAccessKey(stored.accessKey) } : null;
    });
  }

  #markData(accountId: string, keyHex: string): void {
    if (this.#suspended) return; // a view's write: no change to record
    const key = trieKey.contractData(accountId, keyHex);
    this.changes.written(key, () => ({ kind: 'data', accountId, keyHex, value: this.data.map.get(dataKey(accountId, keyHex)) }));
    this.markTrieKey(key, () => {
      const value = this.data.map.get(dataKey(accountId, keyHex));
      return value ? { bytes: value } : null;
    });
  }

  // --- code ---

  getCode(accountId: string): Uint8Array | undefined {
    const local = this.code.get(accountId);
    if (local !== undefined || this.readThrough === undefined || this.hidden.has(accountId)) return local;
    return this.readThrough.code(accountId);
  }

  getData(accountId: string, key: Uint8Array): Uint8Array | undefined {
    const hex = bytesToHex(key);
    const local = this.data.get(dataKey(accountId, hex));
    if (local !== undefined || this.readThrough === undefined || this.#hiddenBelow(accountId, `data:${hex}`)) return local;
    return this.readThrough.data(accountId, key);
  }

  /** Fork mode: whether this state deleted the account, or the item of it, that `readThrough` has. */
  #hiddenBelow(accountId: string, item: string): boolean {
    return this.hidden.has(accountId) || this.hidden.has(`${accountId} ${item}`);
  }

  setData(accountId: string, key: Uint8Array, value: Uint8Array): Uint8Array | undefined {
    // fork mode: the value being replaced may be the source's (read before anything is written)
    const below = this.readThrough === undefined ? undefined : this.getData(accountId, key);
    const k = bytesToHex(key);
    const prev = this.data.get(dataKey(accountId, k));
    this.data.set(dataKey(accountId, k), value);
    this.#markData(accountId, k);
    return prev ?? below;
  }

  removeData(accountId: string, key: Uint8Array): Uint8Array | undefined {
    const k = bytesToHex(key);
    if (this.readThrough !== undefined) {
      const prev = this.getData(accountId, key);
      if (prev === undefined) return undefined;
      this.data.delete(dataKey(accountId, k));
      this.hidden.set(`${accountId} data:${k}`, true);
      this.#markData(accountId, k);
      return prev;
    }
    const prev = this.data.get(dataKey(accountId, k));
    if (!this.data.delete(dataKey(accountId, k))) return undefined;
    this.#markData(accountId, k);
    return prev;
  }

  /** The contract data this state holds for the account (not `readThrough`'s) as reads see it: hex key → value, in no order. */
  *localData(accountId: string): IterableIterator<[string, Uint8Array]> {
    const start = dataKey(accountId, '');
    for (const [k, v] of this.data.entriesAmong(this.data.map.entriesOf(accountId), (k) => k.startsWith(start))) yield [k.slice(start.length), v];
  }

  /** Entries whose key starts with `prefix`, sorted by key bytes (trie order). */
  listData(accountId: string, prefix: Uint8Array = new Uint8Array()): Array<[Uint8Array, Uint8Array]> {
    const p = bytesToHex(prefix);
    const entries = new Map<string, Uint8Array>();
    if (this.readThrough !== undefined && !this.hidden.has(accountId)) {
      for (const [key, value] of this.readThrough.dataWithPrefix(accountId, prefix)) {
        const hex = bytesToHex(key);
        if (!this.hidden.has(`${accountId} data:${hex}`)) entries.set(hex, value);
      }
    }
    for (const [k, v] of this.localData(accountId)) if (k.startsWith(p)) entries.set(k, v);
    const keys = [...entries.keys()].sort();
    return keys.map((k) => [hexToBytes(k), entries.get(k)!]);
  }

  // --- the yield timeout queue (core/store utils `enqueue_promise_yield_timeout`) ---

  get promiseYieldIndices(): PromiseYieldIndices {
    return this.yieldIndices.get(YIELD_QUEUE) ?? { firstIndex: 0n, nextAvailableIndex: 0n };
  }

  /** Appends a timeout at `next_available_index` and moves that index on. */
  enqueueYieldTimeout(timeout: PromiseYieldTimeout): void {
    const indices = this.promiseYieldIndices;
    this.yieldTimeouts.set(indices.nextAvailableIndex.toString(), timeout);
    this.yieldIndices.set(YIELD_QUEUE, { ...indices, nextAvailableIndex: indices.nextAvailableIndex + 1n });
  }

  /** Deleting an account removes its keys, code and data (nearcore `action_delete_account`). */
  removeAccount(accountId: string): void {
    for (const { publicKey } of this.accessKeys.get(accountId)?.values() ?? []) this.#markAccessKey(accountId, publicKey);
    const dataKeys = [...this.localData(accountId)].map(([k]) => k);
    for (const k of dataKeys) this.#markData(accountId, k);
    const prefix = `${accountId}/`;
    for (const key of [...this.gasKeyNonces.map.keys()]) if (key.startsWith(prefix)) this.gasKeyNonces.delete(key);
    this.accounts.delete(accountId);
    this.accessKeys.delete(accountId);
    this.code.delete(accountId);
    for (const k of dataKeys) this.data.delete(dataKey(accountId, k));
    if (this.readThrough !== undefined) this.hidden.set(accountId, true);
  }
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const hasCode = (a: Account): boolean => a.codeHash.some((b) => b !== 0);

/** The code an account runs and its hash: its own, or the global contract it uses (by account: the current code). */
export function accountCode(state: State, accountId: string, account: Account): { code: Uint8Array; hash: Uint8Array } | undefined {
  if (account.global) return state.globalCode.get(globalContractKey(account.global));
  const code = state.getCode(accountId);
  return code === undefined || !hasCode(account) ? undefined : { code, hash: account.codeHash };
}
export const NO_CODE_HASH = EMPTY_HASH;

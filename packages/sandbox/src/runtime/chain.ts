/**
 * The chain around the runtime: genesis, block production, the transaction pool, outcome storage
 * (nearcore `chain/chain` + `chain/client` as far as a one-shard, one-validator sandbox needs them).
 *
 * Deterministic: block hashes, timestamps and random values derive from the genesis config and the
 * block contents only; the wall clock never enters.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { RuntimeConfig } from '../parameters/types.js';
import { publicKeyEquals, publicKeyTrieIdLength, type PublicKey } from '../primitives/crypto.js';
import { InvalidTransactionError, ParseTransactionError, type TxExecutionError } from '../primitives/errors.js';
import { hashToString, receiptIdFromTransaction, sha256 } from '../primitives/hash.js';
import {
  BorshDecodeError,
  isTransactionV1,
  parseSignedTransaction,
  type SignedTransaction,
} from '../primitives/transaction.js';
import {
  signedTransactionView,
  type ExecutionOutcomeWithIdView,
  type FinalExecutionOutcomeView,
  type FinalExecutionStatus,
  type SignedTransactionView,
} from '../primitives/views.js';
import type { JsonValue } from '../primitives/errors.js';
import { accessKeyBorshLength } from '../primitives/transaction.js';
import { ReceiptExecutor, type RunFunctionCallFn } from './apply.js';
import { receiptView, type Receipt } from './receipt.js';
import { NO_CODE_HASH, PromiseYieldStatus, State, StateUnavailableError, type PromiseYieldTimeout, type StateSource } from './state.js';
import type { BlockStateChanges } from './state-changes.js';
import { validateTransaction, verifyAndChargeTransaction } from './verifier.js';
import type { BlockClock } from './block-clock.js';
import { gasKeysEnabled } from '../parameters/gas-key-fees.js';

/** nearcore `TRANSACTION_VALIDITY_PERIOD` in the genesis helpers (chain-configs). */
export const TRANSACTION_VALIDITY_PERIOD = 100n;
/** nearcore `MIN_GAS_PRICE` of a localnet/sandbox genesis. */
export const MIN_GAS_PRICE = 100_000_000n;
/** `neard init` without --fast: 300000 ms / 600 ms (nearcore `EXPECTED_EPOCH_LENGTH`). */
export const SANDBOX_EPOCH_LENGTH = 500n;
/** Genesis `minimum_stake_ratio` = 1/6250 (nearcore chain-configs default). */
export const MINIMUM_STAKE_RATIO_DENOMINATOR = 6250n;
/** nearcore `TESTING_INIT_BALANCE` / `TESTING_INIT_STAKE` (chain-configs test_utils.rs). */
export const TESTING_INIT_BALANCE = 1_000_000_000n * 10n ** 24n;
export const TESTING_INIT_STAKE = 50_000_000n * 10n ** 24n;

export interface Block {
  height: bigint;
  hash: Uint8Array;
  prevHash: Uint8Array;
  /** nanoseconds since the Unix epoch */
  timestamp: bigint;
  gasPrice: bigint;
  epochHeight: bigint;
  epochId: Uint8Array;
  randomValue: Uint8Array;
  totalSupply: bigint;
  /** hashes (base58) of transactions converted in this block */
  transactions: string[];
  /** ids (base58) of receipts applied in this block */
  receipts: string[];
  /**
   * nearcore state root after this block's chunk was applied (nearcore `ChunkExtra::state_root`): the
   * next block's chunk reports it as `prev_state_root`.
   */
  stateRoot: Uint8Array;
  /** Accounts, access keys, code and data this block changed, each with its changes and their causes (RPC `EXPERIMENTAL_changes`). */
  stateChanges?: BlockStateChanges;
}

export interface GenesisAccount {
  accountId: string;
  amount: bigint;
  locked: bigint;
  publicKey: PublicKey;
}

export interface ChainOptions {
  config: RuntimeConfig;
  genesisTime: bigint;
  /** The block clock (`BlockClock`); `Chain.setClock` changes it later (the RPC node switching mining mode). */
  clock: BlockClock;
  genesisHeight: bigint;
  epochLength: bigint;
  chainId: string;
  accounts: GenesisAccount[];
  validatorId: string;
  runFunctionCall: RunFunctionCallFn | null;
  /**
   * Fork mode (src/fork): state the chain never wrote is read from `source`, and the chain continues from
   * `parent`, a block of the remote chain (`genesisHeight` and `genesisTime` are its height and time). Genesis
   * accounts are granted on top of the remote's: their amounts and stakes are added and their keys are local.
   */
  fork?: { source: StateSource; parent: Omit<Block, 'stateRoot'> };
}

interface TxRecord {
  signed: SignedTransaction;
  hash: Uint8Array;
  outcome: ExecutionOutcomeWithIdView | null;
  /** Set when the transaction failed its checks at inclusion (nearcore drops it before PV 83). */
  error: TxExecutionError | null;
}

/** A transaction as history keeps it on disk: what its outcome queries need. */
export interface StoredTransaction {
  transaction: SignedTransactionView;
  outcome: ExecutionOutcomeWithIdView | null;
  error: TxExecutionError | null;
}

/**
 * History that has left memory (node/store.ts keeps it in LevelDB): synchronous reads, consulted when a
 * block, transaction, outcome or receipt is not in memory.
 */
export interface ChainHistory {
  blockByHeight(height: bigint): Block | undefined;
  blockByHash(hash: string): Block | undefined;
  transaction(hash: string): StoredTransaction | undefined;
  outcome(id: string): ExecutionOutcomeWithIdView | undefined;
  receipt(id: string): JsonValue | undefined;
  /** The block whose (only) chunk has this hash (rpc/views.ts `chunkHashOf`). */
  blockByChunkHash?(chunkHash: string): Block | undefined;
}

/** What the chain produced since the last `takeHistory`: written to disk, then `forgetHistory` drops it from memory. */
export interface HistoryDelta {
  blocks: Block[];
  transactions: Array<[string, StoredTransaction]>;
  outcomes: ExecutionOutcomeWithIdView[];
  receipts: Array<[string, JsonValue]>;
  /** The in-memory objects taken, so `forgetHistory` drops exactly these and nothing newer. */
  readonly taken: { txs: Array<[string, TxRecord]>; receipts: Array<[string, Receipt]> };
  /**
   * Set when the chain was restored to an earlier head since the last `takeHistory` (a revert): the lowest
   * head restored. History above its height on disk belongs to a chain that no longer exists.
   */
  rewoundTo?: Block;
}

/** What one block executed, in execution order (transactions converted, then receipts applied): for observers. */
export interface BlockExecution {
  block: Block;
  transactions: Array<{ hash: string; signed: SignedTransaction; outcome: ExecutionOutcomeWithIdView | null; error: TxExecutionError | null }>;
  receipts: Array<{ receipt: Receipt; outcome: ExecutionOutcomeWithIdView }>;
}

/** Blocks kept in memory once history is on disk: the validity window and finality with room to spare. */
const RECENT_BLOCKS = 512n;

interface PoolEntry {
  signed: SignedTransaction;
  hash: Uint8Array;
  key: string;
}

/** A block being applied (`Chain.#applyBlock`): its steps, then the block. */
type BlockSteps = Generator<void, Block, void>;

interface ChainData {
  state: State;
  /** by height; with a history store, only recent blocks (and genesis) */
  blocks: Map<bigint, Block>;
  head: Block;
  pool: PoolEntry[];
  incoming: Receipt[];
  txs: Map<string, TxRecord>;
  outcomes: Map<string, ExecutionOutcomeWithIdView>;
  receipts: Map<string, Receipt>;
  /** Added to the next block's time (`setNextBlockTimestamp`); back to 0 once that block is made. */
  nextBlockShiftNs: bigint;
}

/**
 * The order a chunk takes pooled transactions in (nearcore chain/pool `TransactionPool`: transactions are
 * grouped by (signer, public key); groups are visited round-robin, each giving its lowest nonce first), so
 * transactions from one key that arrive out of order still run in nonce order and none fails InvalidNonce
 * for its place in the block. Groups are visited in the order their first transaction arrived (nearcore
 * shuffles them with a per-node seed; arrival order keeps the chain deterministic); equal nonces keep their
 * arrival order (the later one then fails InvalidNonce, as in nearcore).
 */
export function chunkOrder<T extends { signed: SignedTransaction }>(pool: readonly T[]): T[] {
  if (pool.length < 2) return [...pool];
  const groups = new Map<string, T[]>();
  for (const entry of pool) {
    const tx = entry.signed.transaction;
    const key = `${tx.signerId}\0${tx.publicKey.keyType}:${bytesToHex(tx.publicKey.data)}`;
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  const queues = [...groups.values()].map((g) => g.map((entry, i) => ({ entry, i })).sort((a, b) => (a.entry.signed.transaction.nonce < b.entry.signed.transaction.nonce ? -1 : a.entry.signed.transaction.nonce > b.entry.signed.transaction.nonce ? 1 : a.i - b.i)).map((x) => x.entry));
  const ordered: T[] = [];
  for (let round = 0; ordered.length < pool.length; round++) {
    for (const q of queues) if (round < q.length) ordered.push(q[round]!);
  }
  return ordered;
}

/** Fork mode: whether what was set aside (`takeUnavailable`) is the transaction or one of its receipts (those its outcomes name). */
export function concernsTransaction(chain: Chain, txHash: string, e: StateUnavailableError): boolean {
  if (e.transactionHash !== undefined) return e.transactionHash === txHash;
  if (e.receipt === undefined) return false;
  const outcome = chain.finalOutcome(txHash);
  const id = hashToString(e.receipt.receiptId);
  return outcome !== null && [outcome.transaction_outcome, ...outcome.receipts_outcome].some((o) => o.outcome.receipt_ids.includes(id));
}

/** nearcore `DEFAULT_GC_NUM_EPOCHS_TO_KEEP` (core/chain-configs client_config.rs): epochs of history a non-archival node keeps. */
export const GC_NUM_EPOCHS_TO_KEEP = 5n;

/** The runtime's bookkeeping maps a store saves besides accounts, keys, code and data (`runtimeRecords`), by record kind. */
const runtimeMaps = (s: State) => ({
  receivedData: s.receivedData,
  postponedReceiptId: s.postponedReceiptIds,
  postponedReceipt: s.postponedReceipts,
  yieldReceipt: s.yieldReceipts,
  yieldIndices: s.yieldIndices,
  yieldTimeout: s.yieldTimeouts,
  yieldStatus: s.yieldStatus,
  yieldIdToDataId: s.yieldIdToDataId,
  dataIdToYieldId: s.dataIdToYieldId,
  stakeProposal: s.stakeProposals,
  gasKeyNonce: s.gasKeyNonces,
});

/** A transaction rejected before execution: nearcore's `InvalidTxError`, with nothing changed. */
export { InvalidTransactionError };

function u64le(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

export class Chain {
  readonly config: RuntimeConfig;
  readonly options: ChainOptions;
  #d: ChainData;
  #clock: BlockClock;
  #blocksByHash = new Map<string, Block>();
  #poolKeys = new Set<string>();
  #history: ChainHistory | null = null;
  /** Keys produced since the last `takeHistory` (only while a history store is attached). */
  #unsaved: { blocks: Block[]; txs: Set<string>; outcomes: Set<string>; receipts: Set<string>; rewoundTo?: Block } | null = null;
  /**
   * One validator and one seat: the seat price is its genesis stake (epoch manager find_threshold),
   * times genesis `minimum_stake_ratio` 1/6250 (chain-configs default).
   */
  #minimumStake: bigint;
  #observers = new Set<(execution: BlockExecution) => void>();
  /** Receipts set aside because the state they needed was unavailable: they run again from the next block on. */
  #setAside: Receipt[] = [];
  /** The height of the last block that changed the state (a patch since counts as after the head). */
  #stateChangedAt = 0n;
  /** Why state was unavailable since the last `takeUnavailable`. */
  #unavailable: StateUnavailableError[] = [];
  /** While a block is applied: the pool and incoming receipts it started from (restored if it fails). */
  #producing: { pool: PoolEntry[]; incoming: Receipt[] } | null = null;

  constructor(options: ChainOptions) {
    this.options = options;
    this.#clock = { ...options.clock };
    this.config = options.config;
    const fork = options.fork;
    const state = new State(undefined, fork?.source);
    let totalSupply = fork?.parent.totalSupply ?? 0n;
    for (const a of options.accounts) {
      const remote = state.getAccount(a.accountId);
      state.setAccessKey(a.accountId, a.publicKey, { nonce: 0n, permission: { type: 'FullAccess' } });
      // Genesis recomputes storage usage: 100 + Σ(key borsh + access key borsh + 40).
      const keyBytes = BigInt(publicKeyTrieIdLength(a.publicKey) + accessKeyBorshLength({ nonce: 0n, permission: { type: 'FullAccess' } }));
      const recordBytes = keyBytes + this.config.storageNumExtraBytesRecord;
      state.setAccount(a.accountId, {
        amount: (remote?.amount ?? 0n) + a.amount,
        locked: (remote?.locked ?? 0n) + a.locked,
        codeHash: remote?.codeHash ?? NO_CODE_HASH,
        storageUsage: (remote?.storageUsage ?? this.config.storageNumBytesAccount) + recordBytes,
      });
      totalSupply += a.amount + a.locked;
    }
    state.finalize();
    const validatorStake = options.accounts.find((a) => a.accountId === options.validatorId)?.locked ?? 0n;
    this.#minimumStake = validatorStake / MINIMUM_STAKE_RATIO_DENOMINATOR;
    const hash = sha256(concat(text('genesis'), text(options.chainId), u64le(BigInt(this.config.protocolVersion)), u64le(options.genesisTime)));
    const genesis: Block = fork ? { ...fork.parent, totalSupply, stateRoot: state.stateRoot } : {
      height: options.genesisHeight,
      hash,
      prevHash: new Uint8Array(32),
      timestamp: options.genesisTime,
      gasPrice: MIN_GAS_PRICE,
      epochHeight: 1n,
      epochId: new Uint8Array(32),
      randomValue: sha256(concat(hash, text('random'))),
      totalSupply,
      transactions: [],
      receipts: [],
      stateRoot: state.stateRoot,
    };
    this.#d = { state, blocks: new Map([[genesis.height, genesis]]), head: genesis, pool: [], incoming: [], txs: new Map(), outcomes: new Map(), receipts: new Map(), nextBlockShiftNs: 0n };
    this.#blocksByHash.set(hashToString(genesis.hash), genesis);
  }

  /** The block before `block` (undefined for genesis). */
  previous(block: Block): Block | undefined {
    return block.height === this.options.genesisHeight ? undefined : this.blockByHash(hashToString(block.prevHash));
  }

  /**
   * The last final block of the chain ending at `tip` (NEPs specs/ChainSpec/Consensus.md, "Finality
   * condition"): genesis, or the newest block B with a block X on top such that B, prev(X) and X have
   * consecutive heights. With one block per height it is the tip's grandparent; after heights were skipped
   * (a fast-forward) finality waits for two consecutive blocks again.
   */
  lastFinalBlock(tip: Block = this.head): Block {
    for (let x: Block | undefined = tip; x !== undefined; x = this.previous(x)) {
      const p = this.previous(x);
      const pp = p && this.previous(p);
      if (pp && p!.height + 1n === x.height && pp.height + 2n === x.height) return pp;
      if (!pp) break;
    }
    return this.genesis;
  }

  /** Doomslug finality (`near-final`): the newest block with a child at the next height, or genesis. */
  lastDoomslugFinalBlock(tip: Block = this.head): Block {
    for (let x: Block | undefined = tip; x !== undefined; x = this.previous(x)) {
      const p = this.previous(x);
      if (p && p.height + 1n === x.height) return p;
    }
    return this.genesis;
  }

  get epochLength(): bigint {
    return this.options.epochLength;
  }

  get state(): State {
    return this.#d.state;
  }

  /**
   * Calls `observer` after every block with what it executed (src/runtime/execution-events.ts turns that into
   * the dev node's stream). An observer that throws is reported and never undoes the block. Returns the
   * unsubscribe function.
   */
  observe(observer: (execution: BlockExecution) => void): () => void {
    this.#observers.add(observer);
    return () => void this.#observers.delete(observer);
  }

  #notify(execution: () => BlockExecution): void {
    if (this.#observers.size === 0) return;
    const e = execution();
    for (const observer of this.#observers) {
      try {
        observer(e);
      } catch (error) {
        console.error(`an execution observer failed (the block stands): ${(error as Error)?.stack ?? error}`);
      }
    }
  }

  get head(): Block {
    return this.#d.head;
  }

  /**
   * The lowest height a non-archival node keeps history for: the first height of the epoch
   * GC_NUM_EPOCHS_TO_KEEP − 1 epochs before the head's (nearcore docs/architecture/how/gc.md, `gc_stop`).
   */
  gcStopHeight(): bigint {
    const { genesisHeight, epochLength } = this.options;
    const headEpoch = (this.head.height - genesisHeight - 1n) / epochLength;
    const keepFrom = headEpoch - (GC_NUM_EPOCHS_TO_KEEP - 1n);
    return keepFrom <= 0n ? genesisHeight + 1n : genesisHeight + keepFrom * epochLength + 1n;
  }

  get genesis(): Block {
    return this.#d.blocks.get(this.options.genesisHeight)!;
  }

  blockByHeight(height: bigint): Block | undefined {
    if (height > this.#d.head.height) return undefined;
    return this.#d.blocks.get(height) ?? this.#history?.blockByHeight(height);
  }

  blockByHash(hash: string): Block | undefined {
    const block = this.#blocksByHash.get(hash);
    if (block) return block;
    const stored = this.#history?.blockByHash(hash);
    return stored && this.#isCanonical(stored.height, stored.hash) ? stored : undefined;
  }

  /**
   * Whether the block at `height` on this chain has `hash`. History on disk can hold blocks of a chain a
   * revert discarded until the store has written the new one; memory (newest blocks) is asked first.
   */
  #isCanonical(height: bigint, hash: Uint8Array): boolean {
    const ours = this.blockByHeight(height);
    return ours !== undefined && hashToString(ours.hash) === hashToString(hash);
  }

  get clock(): BlockClock {
    return this.#clock;
  }

  /** From the next block on, timestamps advance by `clock` (the head's and any time set for the next block stay). */
  setClock(clock: BlockClock): void {
    this.#clock = { ...clock };
  }

  /** Time of a block at `height` after the head: the head's, one block time, the skipped heights', and any shift set for it. */
  #timestampAt(height: bigint): bigint {
    const head = this.#d.head;
    return head.timestamp + this.#clock.blockTimeNs + (height - head.height - 1n) * this.#clock.skippedHeightNs + this.#d.nextBlockShiftNs;
  }

  /**
   * Sets the next block's timestamp (nanoseconds; anvil's `evm_setNextBlockTimestamp`); later blocks follow it
   * at the usual block time. It must be later than the head's timestamp: block time never goes back.
   */
  setNextBlockTimestamp(timestampNs: bigint): void {
    const head = this.#d.head;
    if (timestampNs <= head.timestamp) {
      throw new RangeError(`the next block's timestamp must be later than the head's (${head.timestamp} ns at height ${head.height}); got ${timestampNs} ns`);
    }
    this.#d.nextBlockShiftNs += timestampNs - this.#timestampAt(head.height + 1n);
  }

  /**
   * Continues a chain saved by a previous run, with an empty state for the saved records; `recent` are the newest blocks
   * (ending with the head), and everything older is read from `history` when asked for. Restart time
   * depends on the state and this window, never on the chain's height.
   */
  resume(recent: Block[], history: ChainHistory): void {
    const head = recent[recent.length - 1];
    if (!head) throw new Error('resume needs at least the head block');
    const d = this.#d;
    const genesis = this.genesis;
    d.state = new State(undefined, this.options.fork?.source);
    d.blocks = new Map([[genesis.height, genesis], ...recent.map((b): [bigint, Block] => [b.height, b])]);
    d.head = head;
    this.#stateChangedAt = head.height;
    d.nextBlockShiftNs = 0n;
    this.#blocksByHash = new Map([...d.blocks.values()].map((b) => [hashToString(b.hash), b]));
    this.keepHistoryIn(history);
  }

  /**
   * From now on, what the chain produces is collected for `takeHistory`, and what is not in memory is read
   * from `history`.
   */
  keepHistoryIn(history: ChainHistory): void {
    this.#history = history;
    this.#unsaved ??= { blocks: [], txs: new Set(), outcomes: new Set(), receipts: new Set() };
  }

  /** Everything produced since the last call, for the store to write (call between blocks). */
  takeHistory(): HistoryDelta {
    const u = this.#unsaved;
    if (!u) throw new Error('takeHistory needs keepHistoryIn first');
    const d = this.#d;
    this.#unsaved = { blocks: [], txs: new Set(), outcomes: new Set(), receipts: new Set() };
    const txs: Array<[string, TxRecord]> = [];
    for (const key of u.txs) {
      const rec = d.txs.get(key);
      if (rec) txs.push([key, rec]);
    }
    const receipts: Array<[string, Receipt]> = [];
    for (const id of u.receipts) {
      const r = d.receipts.get(id);
      if (r) receipts.push([id, r]);
    }
    const outcomes: ExecutionOutcomeWithIdView[] = [];
    for (const id of u.outcomes) {
      const o = d.outcomes.get(id);
      if (o) outcomes.push(o);
    }
    return {
      blocks: u.blocks,
      transactions: txs.map(([key, rec]) => [key, { transaction: signedTransactionView(rec.signed, rec.hash), outcome: rec.outcome, error: rec.error }]),
      outcomes,
      receipts: receipts.map(([id, r]) => [id, receiptView(r)]),
      taken: { txs, receipts },
      ...(u.rewoundTo ? { rewoundTo: u.rewoundTo } : {}),
    };
  }

  /**
   * Drops history that is on disk now from memory, keeping the recent blocks (flat memory under load) above
   * `collectedBelow` (the store's garbage collection).
   */
  forgetHistory(delta: HistoryDelta, collectedBelow?: bigint): void {
    const d = this.#d;
    for (const [key, rec] of delta.taken.txs) if (d.txs.get(key) === rec) d.txs.delete(key);
    for (const [id, r] of delta.taken.receipts) if (d.receipts.get(id) === r) d.receipts.delete(id);
    for (const o of delta.outcomes) if (d.outcomes.get(o.id) === o) d.outcomes.delete(o.id);
    // recent blocks stay in memory, except those garbage collection deleted from the store
    const recentFrom = d.head.height - RECENT_BLOCKS;
    const keepFrom = collectedBelow !== undefined && collectedBelow > recentFrom ? collectedBelow : recentFrom;
    for (const block of delta.blocks) {
      if (block.height < keepFrom && block.height !== this.options.genesisHeight && d.blocks.get(block.height) === block) {
        d.blocks.delete(block.height);
        this.#blocksByHash.delete(hashToString(block.hash));
      }
    }
    // blocks of earlier deltas that were still recent then
    for (const [height, block] of d.blocks) {
      if (height >= keepFrom) break;
      if (height === this.options.genesisHeight) continue;
      if (this.#unsaved?.blocks.includes(block)) break;
      d.blocks.delete(height);
      this.#blocksByHash.delete(hashToString(block.hash));
    }
  }

  /**
   * Garbage collection for a chain whose history lives in memory only (no store: a near-workspaces node in
   * interval mode): forgets the blocks below `height` (genesis stays), with the transactions they included
   * and the receipts and outcomes they applied, as a non-archival neard deletes history older than its kept
   * epochs (`gcStopHeight`). Queries for them then get nearcore's unknown-block / -transaction / -receipt
   * errors. Snapshots keep their own copies. Returns how many blocks were forgotten.
   */
  forgetBelow(height: bigint): number {
    if (this.#history) throw new Error('forgetBelow is for a chain without a history store (the store collects its own garbage)');
    const d = this.#d;
    let forgotten = 0;
    // heights are inserted in ascending order (produceBlock, restore and resume keep it)
    for (const [h, block] of d.blocks) {
      if (h === this.options.genesisHeight) continue;
      if (h >= height) break;
      d.blocks.delete(h);
      this.#blocksByHash.delete(hashToString(block.hash));
      for (const key of block.transactions) d.txs.delete(key);
      for (const id of block.receipts) {
        d.receipts.delete(id);
        d.outcomes.delete(id);
      }
      forgotten++;
    }
    return forgotten;
  }

  /**
   * Whether the state now is the state at the end of block `height`: no block since changed it and nothing was
   * patched in. The node keeps state for its head only; this lets it answer a query at such an older block
   * truthfully (a fork of this node pins the remote's final block, two behind its head).
   */
  stateUnchangedSince(height: bigint): boolean {
    return height >= this.#stateChangedAt && height <= this.#d.head.height;
  }

  /** The state was changed outside a block (a patch): no older block has it. */
  stateChangedOutsideBlocks(): void {
    this.#stateChangedAt = this.#d.head.height + 1n;
  }

  /**
   * What the chain keeps besides accounts, keys, code and contract data, as `[id, value]` pairs for a store
   * to save with them: receipts waiting for the next block, nearcore's postponed receipts, received data
   * and NEP-519 yields with their timeouts, unstake proposals, and the block clock (a timestamp set for a
   * block not yet produced). Values are never mutated in place (a store may cache their serialisation).
   */
  *runtimeRecords(): Generator<[string, unknown]> {
    const d = this.#d;
    const s = d.state;
    if (d.nextBlockShiftNs !== 0n) yield ['nextBlockShift', { shiftNs: d.nextBlockShiftNs }];
    if (d.incoming.length > 0) yield ['incoming', d.incoming];
    for (const [kind, map] of Object.entries(runtimeMaps(s))) for (const [key, value] of map.entries()) yield [`${kind}/${key}`, value];
  }

  /** Brings back what `runtimeRecords` gave (after `resume`, on a chain with nothing pending). */
  restoreRuntime(records: Iterable<[string, unknown]>): void {
    const d = this.#d;
    const s = d.state;
    const maps = runtimeMaps(s) as Record<string, { set(key: string, value: unknown): void }>;
    const legacyTimeouts: PromiseYieldTimeout[] = [];
    for (const [id, value] of records) {
      if (id === 'nextBlockShift') d.nextBlockShiftNs = (value as { shiftNs: bigint }).shiftNs;
      // `clock`: stores written before timestamps were counted from the head; the time set for a block not yet made is dropped
      else if (id === 'clock') continue;
      else if (id === 'incoming') d.incoming = value as Receipt[];
      else {
        const slash = id.indexOf('/');
        const kind = id.slice(0, slash);
        const key = id.slice(slash + 1);
        // Stores saved before the timeout queue was kept by index: `yieldTimeout/<account>/<data id>` in
        // creation order, and `yieldResumeInitiated/<account>/<data id>` for PromiseYieldStatus::ResumeInitiated.
        if (kind === 'yieldTimeout' && key.includes('/')) legacyTimeouts.push(value as PromiseYieldTimeout);
        else if (kind === 'yieldResumeInitiated') s.yieldStatus.set(key, PromiseYieldStatus.ResumeInitiated);
        else if (slash > 0 && maps[kind]) maps[kind].set(key, value); // through the journal: the trie gets them too
        else throw new Error(`unknown runtime record ${JSON.stringify(id)}`);
      }
    }
    for (const t of legacyTimeouts) s.enqueueYieldTimeout(t);
    s.finalize();
  }

  /** True while receipts or transactions wait for a block. */
  get hasPendingWork(): boolean {
    return this.#d.pool.length > 0 || this.#d.incoming.length > 0;
  }

  /**
   * Decodes and checks a transaction against the head state as nearcore's RPC does before accepting
   * it (stateless checks, validity window, signer/key/nonce/balance/permissions). Throws
   * `ParseTransactionError` or `InvalidTransactionError`; never changes state.
   */
  checkTransaction(bytes: Uint8Array): { signed: SignedTransaction; hash: Uint8Array } {
    const { signed, hash, size } = this.#parse(bytes);
    this.#check(signed, hash, size);
    return { signed, hash };
  }

  #parse(bytes: Uint8Array): { signed: SignedTransaction; hash: Uint8Array; size: number } {
    // Before GasKeys (PV 85) any V1 bytes are refused as a version, whatever follows the tag.
    if (isTransactionV1(bytes) && !gasKeysEnabled(this.config)) throw new InvalidTransactionError('InvalidTransactionVersion');
    // nearcore decodes with its own enums: what that version lacks (neard 2.6.2 at 77: actions 0–10, permissions
    // 0–1; primitives/action-versions.ts) is refused while decoding, in byte order with invalid account ids.
    try {
      return parseSignedTransaction(bytes, this.config.protocolVersion);
    } catch (e) {
      if (e instanceof BorshDecodeError) throw new ParseTransactionError(`Failed to decode transaction: ${e.message}`);
      throw e;
    }
  }

  /**
   * nearcore chain/client/src/rpc_handler.rs `process_tx_internal`: the validity period first
   * (`check_transaction_validity_period`), then the stateless checks (`validate_tx`), then the state
   * (`can_verify_and_charge_tx`).
   */
  #check(signed: SignedTransaction, hash: Uint8Array, size: number): void {
    this.#checkValidityPeriod(signed, this.head.height);
    validateTransaction(this.config, signed, hash, size);
    verifyAndChargeTransaction(this.config, this.#d.state, signed.transaction, this.head.gasPrice, this.head.height + 1n, false);
  }

  #checkValidityPeriod(signed: SignedTransaction, prevHeight: bigint): void {
    const base = this.blockByHash(hashToString(signed.transaction.blockHash));
    if (!base) throw new InvalidTransactionError('Expired');
    if (prevHeight - base.height > TRANSACTION_VALIDITY_PERIOD) throw new InvalidTransactionError('Expired');
  }

  /**
   * Checks the transaction and queues it for the next block. Returns its hash (base58). The same
   * transaction sent again is checked like any other, as nearcore does: past the validity period it is
   * Expired; once in a block its nonce is taken, and that InvalidNonce becomes its hash because the chain
   * has the transaction (chain/jsonrpc/src/lib.rs `send_tx_internal` → `tx_exists`); still in the pool it
   * passes and its hash comes back (chain/pool `insert_transaction`: `Duplicate`, answered `ValidTx`).
   * `tx_exists` finds a transaction by its outcome: one dropped invalid at inclusion below PV 83 has none,
   * so its resend is answered InvalidNonce, as any other.
   */
  submitTransaction(bytes: Uint8Array, options: { refusePooledNonce?: boolean } = {}): string {
    const { signed, hash, size } = this.#parse(bytes);
    const key = hashToString(hash);
    try {
      this.#check(signed, hash, size);
    } catch (e) {
      if (e instanceof InvalidTransactionError && e.variant === 'InvalidNonce' && this.#transaction(key)?.outcome) return key;
      throw e;
    }
    if (this.#poolKeys.has(key)) return key;
    if (this.#producing) throw new Error('a block is being applied: a transaction is submitted after it (the node queues writes behind it)');
    if (options.refusePooledNonce) this.#refusePooledNonce(signed.transaction);
    this.#d.pool.push({ signed, hash, key });
    this.#poolKeys.add(key);
    return key;
  }

  /**
   * A transaction whose key and nonce a pooled one already uses would fail InvalidNonce in the block: refused
   * now, as if the pooled one had run (what the node answered when it ran transactions one at a time), so a
   * client that raced another on a nonce gets the structured error and signs again.
   */
  #refusePooledNonce(tx: SignedTransaction['transaction']): void {
    for (const { signed } of this.#d.pool) {
      const p = signed.transaction;
      if (p.nonce === tx.nonce && p.signerId === tx.signerId && publicKeyEquals(p.publicKey, tx.publicKey)) {
        throw new InvalidTransactionError({ InvalidNonce: { tx_nonce: Number(tx.nonce), ak_nonce: Number(p.nonce) } });
      }
    }
  }

  /**
   * Produces one block: converts pooled transactions, applies receipts, resolves yield timeouts.
   * Atomic: if anything throws (a bug, not a transaction failure), the state, pool and queues are
   * as before and the error propagates.
   */
  produceBlock(height?: bigint): Block {
    for (;;) {
      const attempt = this.#startBlock(height);
      try {
        let step = attempt.next();
        while (!step.done) {
          this.#d.state.assertCommitted();
          step = attempt.next();
        }
        return this.#blockMade(step.value);
      } catch (e) {
        this.#blockFailed(attempt, e);
      }
    }
  }

  /**
   * `produceBlock` in slices, for a node that answers reads meanwhile (nearcore's view client reads the head's
   * state on its own threads while the next block is applied): the block's steps (one transaction, or one
   * receipt with the instant receipts it made) run until `shouldYield()`, then the block is suspended while
   * `yieldNow()` lets the event loop answer reads, and goes on. While suspended, every read sees the chain as
   * just before the block: the head, its state (runtime/state.ts `suspend`), the pool, the outcomes. Nothing
   * may write meanwhile (the node queues writes behind the block). Same block, outcomes and errors as
   * `produceBlock`.
   */
  async produceBlockInSlices(shouldYield: () => boolean, yieldNow: () => Promise<void>, height?: bigint): Promise<Block> {
    for (;;) {
      const attempt = this.#startBlock(height);
      this.#d.state.keepBlockStart();
      try {
        let step = attempt.next();
        while (!step.done) {
          this.#d.state.assertCommitted();
          if (shouldYield()) {
            this.#d.state.suspend();
            try {
              await yieldNow();
            } finally {
              this.#d.state.resume();
            }
          }
          step = attempt.next();
        }
        return this.#blockMade(step.value);
      } catch (e) {
        this.#blockFailed(attempt, e);
      }
    }
  }

  /** True while a block is being applied (between its slices, too). */
  get producing(): boolean {
    return this.#producing !== null;
  }

  #startBlock(height: bigint | undefined): BlockSteps {
    if (this.#producing) throw new Error('a block is already being applied: wait for it (the node queues writes behind it)');
    if (height !== undefined && height <= this.#d.head.height) throw new RangeError(`a block at height ${height} cannot follow the head at ${this.#d.head.height}`);
    const d = this.#d;
    this.#producing = { pool: d.pool, incoming: d.incoming };
    return this.#applyBlock(d.pool, d.incoming, height);
  }

  #blockMade(block: Block): Block {
    this.#producing = null;
    this.#d.incoming.push(...this.#setAside.splice(0));
    return block;
  }

  /** Undoes the block; returns when it can be tried again without what was set aside, else throws `e`. */
  #blockFailed(attempt: BlockSteps, e: unknown): void {
    const d = this.#d;
    const { pool, incoming } = this.#producing!;
    this.#producing = null;
    attempt.return(undefined as never);
    d.state.abort();
    d.pool = pool;
    d.incoming = incoming;
    this.#poolKeys = new Set(pool.map((p) => p.key));
    if (!(e instanceof StateUnavailableError) || !this.#setAsideFor(e)) throw e;
  }

  /**
   * Fork mode: the state a receipt or transaction needed could not be read (runtime/state.ts StateSource). A
   * receipt waits for a later block (as a delayed receipt would); a transaction leaves the pool (its sender sees
   * the error and may send it again). The block is then produced without it. False: nothing to set aside.
   */
  #setAsideFor(e: StateUnavailableError): boolean {
    const d = this.#d;
    if (e.receipt !== undefined && d.incoming.includes(e.receipt)) {
      d.incoming = d.incoming.filter((r) => r !== e.receipt);
      this.#setAside.push(e.receipt);
      e.message += ` (receipt ${hashToString(e.receipt.receiptId)} to ${e.receipt.receiverId} was not applied; it waits and runs again in a later block)`;
    } else if (e.transactionHash !== undefined && this.#poolKeys.has(e.transactionHash)) {
      d.pool = d.pool.filter((p) => p.key !== e.transactionHash);
      this.#poolKeys.delete(e.transactionHash);
      e.message += ` (transaction ${e.transactionHash} was not applied and left the pool: send it again)`;
    } else {
      return false;
    }
    // kept for the caller that produced the block (Sandbox.sendTransaction); a few are enough to report
    if (this.#unavailable.length < 16) this.#unavailable.push(e);
    return true;
  }

  /** The state read failures since the last call (each one set a receipt or transaction aside). */
  takeUnavailable(): StateUnavailableError[] {
    return this.#unavailable.splice(0);
  }

  /**
   * The block's steps: each `yield` is a point where every write so far is committed or rolled back (after a
   * transaction, after a receipt and the instant receipts it made), where `produceBlockInSlices` may suspend it.
   * The pool and the incoming receipts are taken at the end (the block's hash covers them from the start).
   */
  *#applyBlock(arrived: PoolEntry[], incoming: Receipt[], at?: bigint): BlockSteps {
    const d = this.#d;
    const pool = chunkOrder(arrived);
    const prev = this.head;
    // heights need not be consecutive (nearcore's sandbox fast-forward skips them)
    const height = at ?? prev.height + 1n;
    const timestamp = this.#timestampAt(height);
    const gasPrice = prev.gasPrice;
    const first = this.genesis;
    const epochHeight = (height - this.options.genesisHeight - 1n) / this.options.epochLength + first.epochHeight;
    const epochId = epochHeight === first.epochHeight ? first.epochId : sha256(concat(text('epoch'), u64le(epochHeight)));
    // The hash covers what the block contains; computed up front from the pool and incoming receipts.
    const txRecords: Array<[string, TxRecord]> = [];
    const hash = sha256(
      concat(prev.hash, u64le(height), u64le(timestamp), ...pool.map((p) => p.hash), ...incoming.map((r) => r.receiptId)),
    );
    const randomValue = sha256(concat(hash, text('random')));
    const blockHashString = hashToString(hash);
    const validator = this.options.validatorId;
    const executor = new ReceiptExecutor(d.state, {
      config: this.config,
      blockHeight: height,
      blockHash: hash,
      blockTimestamp: timestamp,
      epochHeight,
      gasPrice,
      randomValue,
      runFunctionCall: this.options.runFunctionCall,
      validatorStake: (id) => (id === validator ? d.state.getAccount(id)?.locked : undefined),
      validatorTotalStake: () => d.state.getAccount(validator)?.locked ?? 0n,
      minimumStake: this.#minimumStake,
      chainId: this.options.chainId,
    });

    if (epochHeight !== prev.epochHeight) {
      // Epoch boundary: lowered stakes are unlocked (nearcore update_validator_accounts).
      for (const [accountId, stake] of [...d.state.stakeProposals.map]) {
        d.state.stakeProposals.delete(accountId);
        const acc = d.state.getAccount(accountId);
        if (acc && stake < acc.locked) d.state.setAccount(accountId, { ...acc, amount: acc.amount + acc.locked - stake, locked: stake });
      }
      d.state.commit({ type: 'validator_accounts_update' });
    }

    let supplyDelta = 0n;
    const transactions: string[] = [];
    const local: Receipt[] = [];
    /** The transaction of each local receipt (same chunk): what is set aside when its state is unavailable. */
    const localTransaction = new Map<Receipt, string>();
    const next: Receipt[] = [];
    for (const { signed, hash: txHash, key } of pool) {
      yield;
      const tx = signed.transaction;
      let cost;
      try {
        this.#checkValidityPeriod(signed, prev.height);
        cost = verifyAndChargeTransaction(this.config, d.state, tx, gasPrice, height, true);
        d.state.commit({ type: 'transaction_processing', tx_hash: key });
      } catch (e) {
        d.state.rollback();
        if (e instanceof StateUnavailableError) e.transactionHash = key;
        if (!(e instanceof InvalidTransactionError)) throw e;
        // PV ≥ 83 (InvalidTxGenerateOutcomes): an invalid transaction in a chunk gets a failure
        // outcome with nothing burnt; before, it is dropped without one.
        const outcome: ExecutionOutcomeWithIdView | null =
          this.config.protocolVersion >= 83
            ? {
                proof: [],
                block_hash: blockHashString,
                id: key,
                outcome: { logs: [], receipt_ids: [], gas_burnt: 0, tokens_burnt: '0', executor_id: tx.signerId, status: { Failure: e.toJSON() }, metadata: { version: 1, gas_profile: null } },
              }
            : null;
        txRecords.push([key, { signed, hash: txHash, outcome, error: e.toJSON() }]);
        if (outcome) transactions.push(key);
        continue;
      }
      if (cost.depositFailure !== undefined) {
        // verifier.rs TxVerdict::DepositFailed (gas keys): the gas key paid the send gas and the nonce moved on;
        // the transaction fails without a receipt.
        supplyDelta += cost.burntAmount;
        transactions.push(key);
        const error = { InvalidTxError: cost.depositFailure };
        txRecords.push([key, {
          signed,
          hash: txHash,
          error,
          outcome: {
            proof: [],
            block_hash: blockHashString,
            id: key,
            outcome: { logs: [], receipt_ids: [], gas_burnt: Number(cost.gasBurnt), tokens_burnt: cost.burntAmount.toString(), executor_id: tx.signerId, status: { Failure: error }, metadata: { version: 1, gas_profile: null } },
          },
        }]);
        continue;
      }
      const receiptId = receiptIdFromTransaction(txHash, height);
      const receipt: Receipt = {
        predecessorId: tx.signerId,
        receiverId: tx.receiverId,
        receiptId,
        body: {
          type: 'Action',
          action: { signerId: tx.signerId, signerPublicKey: tx.publicKey, gasPrice: cost.receiptGasPrice, outputDataReceivers: [], inputDataIds: [], actions: tx.actions },
        },
      };
      // Local receipts (signer == receiver) run in the same chunk; others in the next block.
      (tx.signerId === tx.receiverId ? local : next).push(receipt);
      if (tx.signerId === tx.receiverId) localTransaction.set(receipt, key);
      supplyDelta += cost.burntAmount;
      transactions.push(key);
      txRecords.push([key, {
        signed,
        hash: txHash,
        error: null,
        outcome: {
          proof: [],
          block_hash: blockHashString,
          id: key,
          outcome: {
            logs: [],
            receipt_ids: [hashToString(receiptId)],
            gas_burnt: Number(cost.gasBurnt),
            tokens_burnt: cost.burntAmount.toString(),
            executor_id: tx.signerId,
            status: { SuccessReceiptId: hashToString(receiptId) },
            metadata: { version: 1, gas_profile: null },
          },
        },
      }]);
    }

    // PV ≥ 83 (InstantPromiseYield, InstantDeleteAccount): a PromiseYield receipt, or an action receipt
    // that is exactly [DeleteAccount] with no inputs, runs right after the receipt that made it
    // (receipt.rs is_instant_receipt; lib.rs process_receipts).
    const instant = this.config.protocolVersion >= 83;
    const isInstant = (r: Receipt) =>
      r.body.type === 'PromiseYield' ||
      (r.body.type === 'Action' && r.body.action.inputDataIds.length === 0 && r.body.action.actions.length === 1 && r.body.action.actions[0]!.type === 'DeleteAccount');
    const apply = (r: Receipt) => {
      const from = executor.outgoing.length;
      executor.processReceipt(r);
      if (!instant) return;
      const queue = executor.outgoing.splice(from).filter((o) => {
        if (isInstant(o)) return true;
        executor.outgoing.push(o);
        return false;
      });
      for (const o of queue) apply(o);
    };
    // which receipt needed state that was unavailable (set aside by produceBlock)
    const applyNamed = (r: Receipt, txKey?: string) => {
      try {
        apply(r);
      } catch (e) {
        if (e instanceof StateUnavailableError) {
          e.receipt = txKey === undefined ? r : undefined;
          e.transactionHash = txKey;
        }
        throw e;
      }
    };
    for (const r of local) {
      yield;
      applyNamed(r, localTransaction.get(r));
    }
    for (const r of incoming) {
      yield;
      applyNamed(r);
    }
    yield;
    executor.resolveYieldTimeouts();
    // the pool and the receipts it was made of leave only now: a read between the steps saw them waiting
    d.pool = [];
    this.#poolKeys.clear();

    if (d.state.finalize()) this.#stateChangedAt = height;
    const unsaved = this.#unsaved;
    for (const [key, rec] of txRecords) {
      d.txs.set(key, rec);
      unsaved?.txs.add(key);
    }
    const receipts: string[] = [];
    const keepReceipt = (r: Receipt) => {
      const id = hashToString(r.receiptId);
      d.receipts.set(id, r);
      unsaved?.receipts.add(id);
    };
    for (const r of executor.seen) keepReceipt(r);
    for (const o of executor.outcomes) {
      const id = hashToString(o.receiptId);
      receipts.push(id);
      supplyDelta += o.supplyDelta;
      d.outcomes.set(id, { proof: [], block_hash: blockHashString, id, outcome: o.outcome });
      unsaved?.outcomes.add(id);
    }
    for (const r of executor.outgoing) keepReceipt(r);
    d.incoming = [...next, ...executor.outgoing];

    const block: Block = {
      height,
      hash,
      prevHash: prev.hash,
      timestamp,
      gasPrice,
      epochHeight,
      epochId,
      randomValue,
      totalSupply: prev.totalSupply - supplyDelta,
      transactions,
      receipts,
      stateRoot: d.state.stateRoot,
      stateChanges: d.state.changes.take(),
    };
    d.blocks.set(height, block);
    d.head = block;
    d.nextBlockShiftNs = 0n;
    this.#blocksByHash.set(blockHashString, block);
    unsaved?.blocks.push(block);
    this.#notify(() => ({
      block,
      transactions: txRecords.map(([hash, rec]) => ({ hash, signed: rec.signed, outcome: rec.outcome, error: rec.error })),
      receipts: executor.outcomes.map((o) => ({ receipt: o.receipt, outcome: d.outcomes.get(hashToString(o.receiptId))! })),
    }));
    return block;
  }

  /** The outcome of a transaction so far, in nearcore's `FinalExecutionOutcomeView` shape. */
  finalOutcome(txHash: string): FinalExecutionOutcomeView | null {
    const rec = this.#transaction(txHash);
    if (!rec || !rec.outcome) return null;
    const receiptsOutcome: ExecutionOutcomeWithIdView[] = [];
    // Pre-order depth-first over receipt_ids (nearcore get_recursive_transaction_results).
    const visit = (ids: string[]) => {
      for (const id of ids) {
        const o = this.receiptOutcome(id);
        if (!o) continue;
        receiptsOutcome.push(o);
        visit(o.outcome.receipt_ids);
      }
    };
    visit(rec.outcome.outcome.receipt_ids);
    return {
      status: this.#finalStatus(rec.outcome, receiptsOutcome),
      transaction: 'transaction' in rec ? rec.transaction : signedTransactionView(rec.signed, rec.hash),
      transaction_outcome: rec.outcome,
      receipts_outcome: receiptsOutcome,
    };
  }

  /** nearcore `get_final_transaction_result`: follow SuccessReceiptId from the transaction outcome. */
  #finalStatus(txOutcome: ExecutionOutcomeWithIdView, receipts: ExecutionOutcomeWithIdView[]): FinalExecutionStatus {
    const byId = new Map(receipts.map((r) => [r.id, r]));
    let current: ExecutionOutcomeWithIdView | undefined = txOutcome;
    while (current) {
      const s = current.outcome.status;
      if (s === 'Unknown') break;
      if ('Failure' in s) return { Failure: s.Failure };
      if ('SuccessValue' in s) return { SuccessValue: s.SuccessValue };
      current = byId.get(s.SuccessReceiptId);
    }
    // nearcore FinalExecutionStatus (core/primitives views.rs): NotStarted only while the transaction is not
    // converted to a receipt yet; once it is and the first leaf has not run (an INCLUDED answer), Started
    return txOutcome.outcome.status === 'Unknown' ? 'NotStarted' : 'Started';
  }

  /** Whether every receipt reachable from the transaction has an outcome. */
  isSettled(txHash: string): boolean {
    return this.progress(txHash)?.settled ?? false;
  }

  /**
   * How far a transaction got: undefined while it is unknown or still in the pool; else whether every
   * receipt reachable from it has an outcome (`settled`), whether every one has but refunds (`executed`),
   * and how many outcomes it has so far (transaction included).
   *
   * `executed` is nearcore's "executed ignoring refunds" (chain/client view_client_actor.rs
   * `get_tx_execution_status`): the last receipt an executed receipt created is not waited for when it has
   * not run yet and its predecessor is `system` (a refund, which the runtime appends after the receipts the
   * call created). Only that last one: the receipts of the transaction's own outcome, and any other refund,
   * are still waited for.
   */
  progress(txHash: string): { settled: boolean; executed: boolean; outcomes: number } | undefined {
    const rec = this.#transaction(txHash);
    if (!rec) return undefined;
    if (!rec.outcome) return { settled: true, executed: true, outcomes: 0 };
    const pending = rec.outcome.outcome.receipt_ids.map((id) => ({ id, refundable: false }));
    let outcomes = 1;
    let settled = true;
    let executed = true;
    while (pending.length) {
      const { id, refundable } = pending.pop()!;
      const o = this.receiptOutcome(id);
      if (!o) {
        settled = false;
        if (!refundable || !this.#isRefund(id)) executed = false;
        continue;
      }
      outcomes++;
      const ids = o.outcome.receipt_ids;
      ids.forEach((child, i) => pending.push({ id: child, refundable: i === ids.length - 1 }));
    }
    return { settled, executed, outcomes };
  }

  /** Whether a receipt this chain made comes from `system` (a balance or gas refund). */
  #isRefund(id: string): boolean {
    const made = this.#d.receipts.get(id);
    if (made) return made.predecessorId === 'system';
    const stored = this.#history?.receipt(id) as { predecessor_id?: string } | undefined;
    return stored?.predecessor_id === 'system';
  }

  /** A transaction waiting in the pool. */
  pooledTransaction(txHash: string): SignedTransaction['transaction'] | undefined {
    if (!this.#poolKeys.has(txHash)) return undefined;
    return this.#d.pool.find((p) => p.key === txHash)?.signed.transaction;
  }

  /** Whether the transaction waits in the pool for the next block. */
  isPooled(txHash: string): boolean {
    return this.#poolKeys.has(txHash);
  }

  #transaction(txHash: string): TxRecord | StoredTransaction | undefined {
    const rec = this.#d.txs.get(txHash);
    if (rec) return rec;
    const stored = this.#history?.transaction(txHash);
    return stored && this.#onChain(stored.outcome) ? stored : undefined;
  }

  /** History read back from disk counts only when its block is on this chain (see `#isCanonical`). */
  #onChain(outcome: ExecutionOutcomeWithIdView | null | undefined): boolean {
    if (!outcome) return true;
    return this.blockByHash(outcome.block_hash) !== undefined;
  }

  transactionError(txHash: string): TxExecutionError | null {
    return this.#transaction(txHash)?.error ?? null;
  }

  hasTransaction(txHash: string): boolean {
    return this.#poolKeys.has(txHash) || this.#transaction(txHash) !== undefined;
  }

  /** nearcore's `ReceiptView` of a receipt this chain has seen. */
  receiptView(id: string): JsonValue | undefined {
    const r = this.#d.receipts.get(id);
    return r ? receiptView(r) : this.#history?.receipt(id);
  }

  receiptOutcome(id: string): ExecutionOutcomeWithIdView | undefined {
    const outcome = this.#d.outcomes.get(id);
    if (outcome) return outcome;
    const stored = this.#history?.outcome(id);
    return stored && this.#onChain(stored) ? stored : undefined;
  }

  /** A copy of everything; `restore` brings it back. */
  snapshot(): ChainSnapshot {
    const d = this.#d;
    return new ChainSnapshot({
      state: d.state.clone(),
      blocks: new Map(d.blocks),
      head: d.head,
      pool: [...d.pool],
      incoming: [...d.incoming],
      txs: new Map(d.txs),
      outcomes: new Map(d.outcomes),
      receipts: new Map(d.receipts),
      nextBlockShiftNs: d.nextBlockShiftNs,
    });
  }

  /**
   * Brings back a snapshot. With history on disk, what was produced after it is discarded there too at the
   * next `takeHistory` (`rewoundTo`), and history it holds that has left memory since is written again.
   */
  restore(s: ChainSnapshot): void {
    const d = s.data;
    this.#d = {
      state: d.state.clone(),
      blocks: new Map(d.blocks),
      head: d.head,
      pool: [...d.pool],
      incoming: [...d.incoming],
      txs: new Map(d.txs),
      outcomes: new Map(d.outcomes),
      receipts: new Map(d.receipts),
      nextBlockShiftNs: d.nextBlockShiftNs,
    };
    this.#blocksByHash = new Map([...d.blocks.values()].map((b) => [hashToString(b.hash), b]));
    this.#poolKeys = new Set(d.pool.map((p) => p.key));
    this.#stateChangedAt = d.head.height;
    const u = this.#unsaved;
    if (u) {
      if (!u.rewoundTo || d.head.height < u.rewoundTo.height) u.rewoundTo = d.head;
      u.blocks = u.blocks.filter((b) => d.blocks.get(b.height) === b);
      for (const b of d.blocks.values()) if (b.height > u.rewoundTo.height && !u.blocks.includes(b)) u.blocks.push(b);
      u.blocks.sort((a, b) => (a.height < b.height ? -1 : 1));
      for (const key of d.txs.keys()) u.txs.add(key);
      for (const id of d.outcomes.keys()) u.outcomes.add(id);
      for (const id of d.receipts.keys()) u.receipts.add(id);
    }
  }
}

/** An opaque saved chain (state, blocks, outcomes). */
export class ChainSnapshot {
  /** @internal */
  constructor(readonly data: ChainData) {}
}


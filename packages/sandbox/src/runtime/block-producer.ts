/**
 * Block production for the node behind JSON-RPC (nearcore `chain/client`'s block producer), in one of two modes:
 *
 * - on demand (the default; anvil's automine): a transaction that arrives goes into the pool, and the producer
 *   makes the next block once the requests that arrived with it are in the pool too, so transactions that
 *   arrive together share a block (as in a neard chunk, ordered per access key by nonce: runtime/chain.ts
 *   `chunkOrder`). It goes on making blocks while the pool or the receipts of the last block wait, or while a
 *   client waits for finality; then it stops, so an idle node makes no blocks.
 * - on an interval (`intervalMs`; anvil's `--block-time`, and what neard always does: a block every
 *   `min_block_production_delay`, empty ones included, since `produce_empty_blocks` is true in every config
 *   `neard init` writes): a block on every tick of the wall clock, whatever is waiting; transactions wait in
 *   the pool for the next tick and share its block, receipts run in the blocks after it, and clients waiting
 *   for an outcome or for finality are answered after the tick that brings it. Between ticks the producer
 *   makes no block (a client waiting for FINAL waits two more ticks, as on neard).
 *
 * The in-process API (`createSandbox`) does not use it: there `sendTransaction` runs a transaction to the
 * end at once and `submitTransaction` + `produceBlocks` leave the blocks to the caller, deterministically.
 */
import { concernsTransaction, type Chain } from './chain.js';
import type { StateUnavailableError } from './state.js';

/** A client stops waiting for a transaction whose receipts still run after this many blocks (a runaway loop). */
export const MAX_BLOCKS_PER_TRANSACTION = 1000n;
/**
 * Blocks in which none of a transaction's receipts ran before its answer stops waiting for the rest: they
 * wait for what only another transaction gives (a NEP-519 yield's resume), which may never come.
 */
const STALLED_AFTER_BLOCKS = 2n;

/** Event-loop turns a step waits at most for requests still arriving (see `#waitForQuiet`). */
const QUIET_TURNS_MAX = 8;

/**
 * `answerReadsDuringBlocks`: milliseconds of a block's work between two turns of the event loop, in which reads
 * that arrived meanwhile are answered (a step, one transaction or receipt, is never cut: one may take longer).
 */
export const BLOCK_SLICE_MS = 2;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface BlockProducerOptions {
  /**
   * Runs one production step where writes run (node/run.ts: the request queue, behind the requests that
   * arrived meanwhile); default: at once.
   */
  runWrite?: (step: () => void | Promise<void>) => void;
  /**
   * Applies each block in slices of about BLOCK_SLICE_MS (Chain `produceBlockInSlices`), so reads that arrive
   * during a block are answered from the state before it (nearcore's view client), while writes wait in
   * `runWrite` for the block's end. Default: a block runs at once.
   */
  answerReadsDuringBlocks?: boolean;
  /** Called (where writes run) after every block the producer made, before anything else runs (node/run.ts saves it). */
  afterBlock?: () => void;
  /** Interval mode: a block every this many milliseconds of wall-clock time (a positive integer). Default: on demand. */
  intervalMs?: number;
  /** Interval mode: called (where writes run) after each block a tick made (node/run.ts saves it). */
  afterTick?: () => void;
}

const NOTHING_BEFORE: readonly BeforeBlock[] = [];

/** Work that must happen just before the next tick's block (a state patch, which neard applies at the next block). */
interface BeforeBlock {
  run: () => void;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * What of a transaction must have run before a client waiting for it is answered (nearcore
 * view_client_actor.rs `get_tx_execution_status`): `block`, only the transaction's block (INCLUDED /
 * INCLUDED_FINAL; each block is its own step, so the answer comes before the receipts' blocks);
 * `non-refunds`, every receipt but the refunds not run yet (EXECUTED_OPTIMISTIC / EXECUTED; Chain
 * `progress().executed`); `all`, every receipt (FINAL).
 */
export type RunsBeforeAnswer = 'block' | 'non-refunds' | 'all';

interface Waiter {
  hash: string;
  /** Head height when the wait started. */
  since: bigint;
  outcomes: number;
  progressAt: bigint;
  /** Once the transaction's receipts have run: the height that must be final before the answer, if any. */
  finalHeight: () => bigint | undefined;
  /** What of the transaction must have run before the answer (see `RunsBeforeAnswer`). */
  runs: RunsBeforeAnswer;
  /** Set once the transaction has run and waits only for finality. */
  target?: bigint;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class BlockProducer {
  #waiters = new Set<Waiter>();
  #scheduled = false;
  #kicks = 0;
  readonly #runWrite: (step: () => void | Promise<void>) => void;
  #intervalMs: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts mode changes: a tick queued under an earlier mode makes no block. */
  #mode = 0;
  /** Wall-clock time (performance.now()) of the next tick. */
  #nextTickAt = 0;
  #tickQueued = false;
  /** Holds taken by `hold()` (a fast-forward makes its own blocks): ticks make no block meanwhile. */
  #holds = 0;
  #beforeNextBlock: BeforeBlock[] = [];
  #stopped = false;

  constructor(
    private readonly chain: Chain,
    private readonly options: BlockProducerOptions,
  ) {
    this.#runWrite = options.runWrite ?? ((step) => step());
    if (options.intervalMs !== undefined) this.setIntervalMs(options.intervalMs);
  }

  /** The block interval in milliseconds, or undefined when blocks are made on demand. */
  get intervalMs(): number | undefined {
    return this.#intervalMs;
  }

  /**
   * Switches mode (anvil's `evm_setIntervalMining` / `evm_setAutomine`): a block every `intervalMs` from one
   * interval after now, or on demand (undefined). Work that waited for the next tick (a state patch), the pool and
   * clients waiting for finality get their blocks at once on demand.
   */
  setIntervalMs(intervalMs: number | undefined): void {
    if (intervalMs !== undefined && (!Number.isSafeInteger(intervalMs) || intervalMs < 1)) {
      throw new RangeError(`the block interval must be a whole number of milliseconds, at least 1; got ${intervalMs}`);
    }
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#mode++;
    this.#tickQueued = false;
    this.#intervalMs = intervalMs;
    if (intervalMs !== undefined) {
      this.#nextTickAt = performance.now() + intervalMs;
      this.#scheduleTick();
    } else {
      this.kick();
    }
  }

  /** Stops the ticks of interval mode (the node is stopping); pending `beforeNextBlock` work is refused. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const refused = this.#beforeNextBlock.splice(0);
    for (const b of refused) b.reject(new Error('the node is stopping: no further block will be produced'));
  }

  /**
   * Interval mode: until the returned function is called, ticks make no block (clients are still answered). A
   * fast-forward holds the producer while it makes its own blocks, so no tick lands between them.
   */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (!released) this.#holds--;
      released = true;
    };
  }

  /**
   * Interval mode: runs `work` just before the next tick's block (in the same write step) and resolves once that
   * block is made; rejects with what `work` threw (the block is made anyway).
   */
  beforeNextBlock(work: () => void): Promise<void> {
    if (this.#intervalMs === undefined) throw new Error('beforeNextBlock is for interval mode; on demand, make the block yourself');
    if (this.#stopped) return Promise.reject(new Error('the node is stopping: no further block will be produced'));
    return new Promise((resolve, reject) => this.#beforeNextBlock.push({ run: work, resolve, reject }));
  }

  /**
   * One tick per interval of the wall clock. A tick that finds the previous one still waiting for its turn
   * (a long request ahead of it) is skipped, and a late timer does not make up for missed ticks: as neard,
   * the producer makes at most one block per interval and never a burst.
   */
  #scheduleTick(): void {
    if (this.#stopped) return;
    const mode = this.#mode;
    this.#timer = setTimeout(() => {
      const now = performance.now();
      this.#nextTickAt += this.#intervalMs!;
      if (this.#nextTickAt <= now) this.#nextTickAt = now + this.#intervalMs!;
      if (!this.#tickQueued) {
        this.#tickQueued = true;
        this.#runWrite(() => {
          if (mode !== this.#mode) return;
          this.#tickQueued = false;
          if (!this.#stopped) return this.#step(true);
        });
      }
      this.#scheduleTick();
    }, Math.max(0, this.#nextTickAt - performance.now()));
    // the node's server keeps the process alive; an in-process client nobody stopped must not
    this.#timer.unref?.();
  }

  /**
   * Resolves once the transaction (submitted to the chain's pool) has run: every receipt it caused has an
   * outcome, or none ran for a while and nothing it waits for is queued (a yield waiting for its resume),
   * or it left the chain (a revert); then once `finalHeight()` (asked after it ran) is final. `runs` narrows
   * what must have run (`RunsBeforeAnswer`).
   */
  waitFor(hash: string, finalHeight: () => bigint | undefined, runs: RunsBeforeAnswer = 'all'): Promise<void> {
    return new Promise((resolve, reject) => {
      const since = this.chain.head.height;
      this.#waiters.add({ hash, since, outcomes: 0, progressAt: since, finalHeight, runs, resolve, reject });
      this.kick();
    });
  }

  /**
   * Schedules a production step after the requests already on their way (called when a transaction
   * enters the pool, and after other writes so that waiting clients see their blocks). In interval mode the
   * step only answers the clients whose wait is over; blocks come with the ticks.
   */
  kick(): void {
    this.#kicks++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#waitForQuiet(this.#kicks, 0);
  }

  /**
   * Requests sent together on separate connections arrive over a few turns of the event loop: the step
   * waits for a turn in which nothing new arrived (at most a few turns, microseconds each), so they share
   * the block.
   */
  #waitForQuiet(seen: number, turns: number): void {
    setImmediate(() => {
      if (this.#kicks !== seen && turns < QUIET_TURNS_MAX) this.#waitForQuiet(this.#kicks, turns + 1);
      else this.#runWrite(() => this.#step());
    });
  }

  /** `tick`: the step of an interval's tick (interval mode), which makes a block unless the producer is held. */
  #step(tick = false): void | Promise<void> {
    if (!tick) this.#scheduled = false;
    const produce = this.#intervalMs === undefined ? this.#needsBlock() : tick && this.#holds === 0;
    const before = produce && this.#beforeNextBlock.length > 0 ? this.#beforeNextBlock.splice(0) : NOTHING_BEFORE;
    const failed = new Map<BeforeBlock, unknown>();
    for (const b of before) {
      try {
        b.run();
      } catch (e) {
        failed.set(b, e);
      }
    }
    const made = () => this.#afterStep(produce, tick, before, failed);
    const notMade = (e: unknown) => {
      for (const b of before) b.reject(failed.get(b) ?? e);
      // a bug, not a transaction failure: the block was undone; its clients get the error
      for (const w of this.#waiters) w.reject(e);
      this.#waiters.clear();
    };
    let slices: Promise<unknown> | undefined;
    try {
      if (produce) slices = this.#produceBlock();
    } catch (e) {
      return notMade(e);
    }
    // the synchronous form stays synchronous: clients are answered in the same turn as the block
    return slices ? slices.then(made, notMade) : made();
  }

  #afterStep(produce: boolean, tick: boolean, before: readonly BeforeBlock[], failed: Map<BeforeBlock, unknown>): void {
    let unavailable: StateUnavailableError[] = [];
    if (produce) {
      this.options.afterBlock?.();
      // fork mode: state the remote could not give set a transaction or receipt aside (runtime/chain.ts)
      unavailable = this.chain.takeUnavailable();
    }
    for (const b of before) (failed.has(b) ? b.reject(failed.get(b)) : b.resolve());
    if (produce && tick) this.options.afterTick?.();
    for (const w of this.#waiters) {
      let done: boolean;
      try {
        const setAside = unavailable.find((e) => concernsTransaction(this.chain, w.hash, e));
        if (setAside) throw setAside;
        done = this.#isDone(w);
      } catch (e) {
        this.#waiters.delete(w);
        w.reject(e);
        continue;
      }
      if (done) {
        this.#waiters.delete(w);
        w.resolve();
      }
    }
    if (this.#intervalMs === undefined && this.#needsBlock()) this.kick();
  }

  /** One block: at once, or in slices with turns of the event loop between them (`answerReadsDuringBlocks`). */
  #produceBlock(): Promise<unknown> | undefined {
    if (!this.options.answerReadsDuringBlocks) {
      this.chain.produceBlock();
      return undefined;
    }
    let sliceStart = performance.now();
    const shouldYield = () => performance.now() - sliceStart >= BLOCK_SLICE_MS;
    const yieldNow = async () => {
      await nextTurn();
      sliceStart = performance.now();
    };
    return this.chain.produceBlockInSlices(shouldYield, yieldNow);
  }

  #needsBlock(): boolean {
    if (this.chain.hasPendingWork || this.#beforeNextBlock.length > 0) return true;
    for (const w of this.#waiters) if (w.target !== undefined) return true;
    return false;
  }

  #isDone(w: Waiter): boolean {
    const chain = this.chain;
    const head = chain.head.height;
    if (w.target !== undefined) return chain.lastFinalBlock().height >= w.target;
    if (chain.isPooled(w.hash)) return false;
    const progress = chain.progress(w.hash);
    if (progress === undefined) return true; // invalid at inclusion before PV 83, or reverted away: answered as the chain has it
    const error = chain.transactionError(w.hash);
    if (error && 'InvalidTxError' in error) return true;
    const ran = w.runs === 'block' || (w.runs === 'non-refunds' ? progress.executed : progress.settled);
    if (!ran) {
      if (progress.outcomes > w.outcomes) {
        w.outcomes = progress.outcomes;
        w.progressAt = head;
      }
      const stalled = !chain.hasPendingWork || head - w.progressAt >= STALLED_AFTER_BLOCKS || head - w.since >= MAX_BLOCKS_PER_TRANSACTION;
      if (!stalled) return false;
    }
    const target = w.finalHeight();
    if (target === undefined || chain.lastFinalBlock().height >= target) return true;
    w.target = target;
    return false;
  }
}

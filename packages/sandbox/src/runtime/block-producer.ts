/**
 * Block production for the node behind JSON-RPC (nearcore `chain/client`'s block producer, on demand): a
 * transaction that arrives goes into the pool, and the producer makes the next block once the requests
 * that arrived with it are in the pool too, so transactions that arrive together share a block (as in a
 * neard chunk, ordered per access key by nonce: runtime/chain.ts `chunkOrder`). It goes on making blocks
 * while the pool or the receipts of the last block wait, or while a client waits for finality; then it
 * stops, so an idle node makes no blocks.
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

export interface BlockProducerOptions {
  /**
   * Runs one production step where writes run (node/run.ts: the request queue, behind the requests that
   * arrived meanwhile); default: at once.
   */
  runWrite?: (step: () => void) => void;
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
  readonly #runWrite: (step: () => void) => void;

  constructor(
    private readonly chain: Chain,
    private readonly options: BlockProducerOptions,
  ) {
    this.#runWrite = options.runWrite ?? ((step) => step());
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
   * enters the pool, and after other writes so that waiting clients see their blocks).
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

  #step(): void {
    this.#scheduled = false;
    let unavailable: StateUnavailableError[] = [];
    try {
      if (this.#needsBlock()) {
        this.chain.produceBlock();
        // fork mode: state the remote could not give set a transaction or receipt aside (runtime/chain.ts)
        unavailable = this.chain.takeUnavailable();
      }
    } catch (e) {
      // a bug, not a transaction failure: the block was undone; its clients get the error
      for (const w of this.#waiters) w.reject(e);
      this.#waiters.clear();
      return;
    }
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
    if (this.#needsBlock()) this.kick();
  }

  #needsBlock(): boolean {
    if (this.chain.hasPendingWork) return true;
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

/**
 * `near-sandbox --home DIR run`: load genesis and the saved state, serve JSON-RPC on 127.0.0.1, save state
 * changes to `<home>/data`, and stop promptly on SIGINT/SIGTERM or when the parent process goes away
 * (near-workspaces ignores stdin and never waits for the exit, so a dead parent is detected by polling).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRpcServer, SerialQueue, type RpcServer } from '../rpc/server.js';
import type { SandboxClient } from '../rpc/view-client.js';
import type { Block, ChainHistory } from '../runtime/chain.js';
import type { ExecutionEvent } from '../runtime/execution-events.js';
import { readGenesisFile } from './genesis-file.js';
import { CONFIG_FILE, DATA_DIR, GENESIS_FILE, VALIDATOR_KEY_FILE } from './init.js';
import { readKeyFile } from './key-file.js';
import { MARKER_FILE, NodeStore } from './store.js';
import { watchParent } from './parent.js';
import { BLOCK_PRODUCTION_DELAY_MS } from '../runtime/block-clock.js';
import type { ForkOptions } from '../fork/index.js';

const PARENT_POLL_MS = 500;
/** Methods that answer from the head on disk (view-client `reportedHead`) or report nothing: they never wait for a commit. */
const REPORTS_DURABLE_HEAD = new Set(['status', 'health']);
/**
 * How far the final block answered from disk may lag the chain's (a third of nearcore's transaction validity
 * period of 100 blocks): a transaction signed against it has the rest of the window to be included.
 */
const MAX_FINAL_LAG_BLOCKS = 32n;
/** `block {"finality":"final"}`: answered with the newest final block on disk when there is one (`GroupCommit.finalBlockOnDisk`). */
const asksFinalBlock = (method: string, params: unknown) =>
  method === 'block' && params !== null && typeof params === 'object' && (params as { finality?: unknown }).finality === 'final';
/** Methods that change what the store keeps without producing a block (the block clock). */
const CHANGES_WITHOUT_A_BLOCK = new Set(['sandbox_set_next_block_timestamp']);
/** A fresh node opens its store this long after it starts serving (see startNode). */
const STORE_OPEN_DELAY_MS = 500;

export interface RunOptions {
  home: string;
  rpcPort: number;
  /** Keep state in `<home>/data` (default true). */
  persist?: boolean;
  log?: (line: string) => void;
  /** Every transaction and receipt as it executes (runtime/execution-events.ts): the dev node's stream. */
  onExecution?: (event: ExecutionEvent) => void;
  /** Keep all history (neard's archival node, `run --archive`); default: history older than 5 epochs is garbage-collected. */
  archival?: boolean;
  /** Called when the node cannot go on (e.g. another node holds the store); `runNode` exits. */
  onFatalError?: (error: Error) => void;
  /** Fork a remote chain (src/fork; `near-sandbox run` reads NEAR_SANDBOX_FORK_URL): state in memory only. */
  fork?: ForkOptions;
  /**
   * Interval mode (runtime/block-producer.ts; `--block-interval-ms`, NEAR_SANDBOX_BLOCK_INTERVAL_MS): a block every
   * this many milliseconds, empty or not; default: blocks on demand.
   */
  blockIntervalMs?: number;
}

export interface RunningNode {
  readonly url: string;
  readonly client: SandboxClient;
  /** Saves pending changes, stops serving, closes the store and backs it up. */
  stop(): Promise<void>;
}

/** `<tmpdir>/sandbox/<uuid v4>`: near-workspaces 5.0.0 `SandboxServer.randomHomeDir()`. */
const NEAR_WORKSPACES_HOME = /\/sandbox\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\/?$/;

/**
 * near-workspaces 5.0.0 gives every node a fresh temporary home and never reads one back: its `init`
 * step deletes the home first, even one copied from `refDir` (sandbox-compat.md §1.4). Such a node keeps
 * its state in memory only; saving it would cost every worker a LevelDB open and a write per change.
 */
export function isNearWorkspacesHome(home: string): boolean {
  return NEAR_WORKSPACES_HOME.test(home);
}

/**
 * Group commit: after every request that produced blocks, the next commit takes the state and the new
 * history (between requests, through the queue) and writes them with fsync; every answer waits for the
 * commit that covers what it saw. Requests that arrive while a commit is on disk share the next one, so
 * throughput stays high while nothing is answered before it is durable.
 */
class GroupCommit {
  /** Requests that changed the chain so far, and how many of them are on disk. */
  #changed = 0;
  #durable = 0;
  #lastHead: Block | undefined;
  #durableHead: Block | undefined;
  #running: Promise<void> | null = null;
  #waiters: Array<{ seq: number; resolve: () => void; reject: (e: Error) => void }> = [];
  #failure: Error | null = null;

  constructor(
    private readonly queue: SerialQueue,
    private readonly client: () => SandboxClient | undefined,
    private readonly store: () => Promise<NodeStore>,
    private readonly onFailure: (e: Error) => void,
    private readonly archival: boolean,
  ) {}

  /** The chain as loaded: what later heads are compared with. */
  ready(client: SandboxClient): void {
    this.#lastHead = client.sandbox.head;
    this.#durableHead = client.sandbox.head;
  }

  /** The newest head on disk: what `status` reports, so it never waits for a commit and never shows a block a crash could take back. */
  get durableHead(): Block | undefined {
    return this.#durableHead;
  }

  /**
   * The newest final block that is on disk: the chain's final block once the head on disk has reached it, else
   * the head on disk itself (an ancestor of a final block is final). Undefined while the head on disk is not on
   * the chain (a revert not yet saved) or lags the final block by more than MAX_FINAL_LAG_BLOCKS (a slow
   * commit): then the chain's final block is answered, after a commit.
   */
  finalBlockOnDisk(): Block | undefined {
    const durable = this.#durableHead;
    const chain = this.client()?.sandbox.chain;
    if (!durable || !chain) return undefined;
    const ours = chain.blockByHeight(durable.height);
    if (ours !== durable && (ours === undefined || Buffer.compare(ours.hash, durable.hash) !== 0)) return undefined;
    const final = chain.lastFinalBlock();
    if (final.height <= durable.height) return final;
    // a transaction signed against it must still be in its validity window when it is included
    return final.height - durable.height <= MAX_FINAL_LAG_BLOCKS ? durable : undefined;
  }

  /** Inside the queue, after a request: the promise the answer waits for (undefined: nothing to wait for). */
  afterRequest(method: string, params: unknown): Promise<void> | undefined {
    this.progress(CHANGES_WITHOUT_A_BLOCK.has(method));
    if (REPORTS_DURABLE_HEAD.has(method)) return undefined;
    if (asksFinalBlock(method, params) && this.finalBlockOnDisk() !== undefined) return undefined;
    return this.#untilDurable();
  }

  /** Between the slices of a fast-forward: the commit of what was produced so far (it paces the slices). */
  sliceDone(): Promise<void> {
    this.progress();
    return this.#untilDurable() ?? Promise.resolve();
  }

  #untilDurable(): Promise<void> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#durable >= this.#changed) return undefined;
    const seq = this.#changed;
    return new Promise((resolve, reject) => this.#waiters.push({ seq, resolve, reject }));
  }

  /** Inside the queue: if the chain moved, a commit is due (also called between the slices of a fast-forward). */
  progress(changed = false): void {
    const head = this.client()?.sandbox.head;
    if (changed || (head !== undefined && head !== this.#lastHead)) {
      this.#changed++;
      this.#lastHead = head;
    }
    if (this.#durable < this.#changed && !this.#failure) this.#kick();
  }

  /** Resolves once everything changed so far is on disk. */
  async flush(): Promise<void> {
    this.progress(); // blocks made since the last answer (transactions sent with wait_until NONE)
    if (this.#durable < this.#changed) this.#kick();
    while (this.#running) await this.#running;
    if (this.#failure) throw this.#failure;
  }

  #kick(): void {
    this.#running ??= this.#loop().finally(() => {
      this.#running = null;
    });
  }

  async #loop(): Promise<void> {
    try {
      while (this.#durable < this.#changed && !this.#failure) {
        const store = await this.store();
        const take = () => {
          const client = this.client()!;
          const chain = client.sandbox.chain;
          const snapshot = client.dev?.oldestSnapshotHeight();
          const gcStop = chain.gcStopHeight();
          const gcBelow = this.archival ? undefined : Number(snapshot !== undefined && snapshot < gcStop ? snapshot : gcStop);
          return { seq: this.#changed, block: client.sandbox.head, ...client.exportState(), history: chain.takeHistory(), gcBelow };
        };
        // A block being applied is suspended whenever this runs (its slices run to a suspension point): the chain
        // then reads as before the block (runtime/chain.ts produceBlockInSlices), which is what the head's commit
        // takes, without waiting behind the block; otherwise the take waits its turn between writes.
        const taken = this.client()?.sandbox.chain.producing ? take() : await this.queue.run(take);
        await store.commit(taken);
        this.#durable = taken.seq;
        this.#durableHead = taken.block;
        const collectedBelow = store.historyFrom;
        this.client()!.sandbox.chain.forgetHistory(taken.history, collectedBelow === undefined ? undefined : BigInt(collectedBelow));
        this.#waiters = this.#waiters.filter((w) => (w.seq <= taken.seq ? (w.resolve(), false) : true));
      }
    } catch (e) {
      this.#failure = e as Error;
      for (const w of this.#waiters) w.reject(this.#failure);
      this.#waiters = [];
      this.onFailure(this.#failure);
    }
  }
}

/**
 * config.json `rpc.limits_config.json_payload_max_size` (nearcore RpcLimitsConfig), which near-sandbox 0.3.x
 * raises to 1 GiB; absent or unreadable, the 10 MiB default.
 */
function jsonPayloadMaxSize(config: unknown): number | undefined {
  const size = (config as { rpc?: { limits_config?: { json_payload_max_size?: unknown } } } | undefined)?.rpc?.limits_config?.json_payload_max_size;
  return typeof size === 'number' && Number.isSafeInteger(size) && size > 0 ? size : undefined;
}

/** config.json as JSON, or undefined when it is missing or not JSON (every setting then has neard's default). */
function readNodeConfig(home: string): unknown {
  try {
    return JSON.parse(readFileSync(join(home, CONFIG_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** A config.json duration (nearcore's serde form `{secs, nanos}`) in whole milliseconds, or undefined. */
function durationMs(value: unknown): number | undefined {
  const { secs, nanos } = (value ?? {}) as { secs?: unknown; nanos?: unknown };
  if (typeof secs !== 'number' || typeof nanos !== 'number' || !Number.isSafeInteger(secs) || !Number.isSafeInteger(nanos) || secs < 0 || nanos < 0) return undefined;
  return secs * 1000 + Math.floor(nanos / 1_000_000);
}

/**
 * neard's `consensus.min_block_production_delay` / `max_block_production_delay` from config.json (what a
 * fast-forward's skipped heights take their time from); `neard init`'s where missing (a home from an older init).
 */
function blockProductionDelays(config: unknown): { min: number; max: number } {
  const consensus = (config as { consensus?: Record<string, unknown> } | undefined)?.consensus;
  const min = durationMs(consensus?.min_block_production_delay) ?? BLOCK_PRODUCTION_DELAY_MS.min;
  const max = durationMs(consensus?.max_block_production_delay) ?? BLOCK_PRODUCTION_DELAY_MS.max;
  return { min, max: Math.max(min, max) };
}

export async function startNode(options: RunOptions): Promise<RunningNode> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const genesis = readGenesisFile(join(options.home, GENESIS_FILE));
  const validator = readKeyFile(join(options.home, VALIDATOR_KEY_FILE));
  const config = readNodeConfig(options.home);
  const dataDir = join(options.home, DATA_DIR);
  // a fork's local changes live in memory (its remote reads are cached on disk, per network and block)
  const persist = options.persist !== false && options.fork === undefined;
  // A node with a saved chain opens and checks it before serving (damage is refused before any answer);
  // a fresh one opens its store after it is up, keeping the native LevelDB binding out of
  // near-workspaces' start-up lock.
  const hasSavedState = existsSync(dataDir) || existsSync(join(options.home, MARKER_FILE));
  let store: NodeStore | null = null;
  let storeOpening: Promise<NodeStore> | null = null;
  if (persist && hasSavedState) store = await NodeStore.open(dataDir);
  let saved;
  try {
    saved = store ? await store.load() : null;
  } catch (e) {
    await store?.close();
    throw e;
  }
  // History that left memory is read back from the store (open by the time anything has left memory).
  const history: ChainHistory = {
    blockByHeight: (height) => store?.blockByHeight(height),
    blockByHash: (hash) => store?.blockByHash(hash),
    transaction: (hash) => store?.transaction(hash),
    outcome: (id) => store?.outcome(id),
    receipt: (id) => store?.receipt(id),
    blockByChunkHash: (chunkHash) => store?.blockByChunkHash(chunkHash),
  };
  // The runtime is the heavy part of start-up: it loads once the server listens (started below), so
  // near-workspaces' readiness probe connects early and is answered the moment the node is ready. (From a
  // startup snapshot the runtime's modules evaluate synchronously, which would otherwise delay the listen.)
  let loadRuntime!: () => void;
  let readyClient: SandboxClient | undefined;
  const clientReady = new Promise<void>((resolve) => (loadRuntime = resolve))
    .then(() => import('../rpc/view-client.js'))
    .then(async ({ createSandboxClient }) => {
      const { KeyPair } = await import('../primitives/crypto.js');
      return createSandboxClient({
        genesis,
        validatorKey: KeyPair.fromString(validator.key.secretKey),
        restore: saved ?? undefined,
        history: persist ? history : undefined,
        // a fast-forward goes on once its last slice is on disk (so commits stay small and a read that
        // waits for one waits briefly); other requests run meanwhile
        reportedHead: commits ? () => commits.durableHead : undefined,
        finalBlockOnDisk: commits ? () => commits.finalBlockOnDisk() : undefined,
        betweenBlocks: () => (commits ? queue.yieldUntil(commits.sliceDone()) : queue.yieldTurn()),
        ...(options.fork ? { fork: options.fork } : {}),
        runWrite: (step) => void queue.run(step),
        // reads are answered between the slices of a block, from the head before it (nearcore's view client)
        answerReadsDuringBlocks: true,
        // the block's commit takes its state before the next block starts, so a read during that block waits
        // for the disk at most, never for the block
        afterBlock: () => commits?.progress(),
        yieldToReads: () => queue.yieldTurn(),
        ...(options.blockIntervalMs !== undefined ? { blockIntervalMs: options.blockIntervalMs } : {}),
        blockProductionDelayMs: blockProductionDelays(config),
        afterTick,
      });
    })
    .then((c) => {
      if (options.onExecution) c.sandbox.onExecution(options.onExecution);
      commits?.ready(c);
      return (readyClient = c);
    });
  /**
   * Interval mode, after each tick's block: a node keeping its chain saves it; a node keeping it in memory
   * forgets what a non-archival neard's garbage collection deletes, so an idle node's memory stays flat.
   */
  const afterTick = () => {
    if (commits) return commits.progress();
    const chain = readyClient?.sandbox.chain;
    if (chain && options.archival !== true) chain.forgetBelow(chain.gcStopHeight());
  };
  const openStore = (): Promise<NodeStore> => {
    if (store) return Promise.resolve(store);
    storeOpening ??= NodeStore.open(dataDir).then((opened) => (store = opened));
    return storeOpening;
  };

  const queue = new SerialQueue();
  const commits = persist
    ? new GroupCommit(queue, () => readyClient, openStore, (e) => {
        log(`near-sandbox: saving the chain failed, stopping: ${e.stack ?? e}`);
        options.onFatalError?.(e);
      }, options.archival === true)
    : null;

  let server: RpcServer;
  try {
    server = await startRpcServer({
      client: clientReady,
      port: options.rpcPort,
      maxBodyBytes: jsonPayloadMaxSize(config),
      queue,
      log,
      afterRequest: commits ? (method, params) => commits.afterRequest(method, params) : undefined,
    });
  } catch (e) {
    await store?.close();
    throw e;
  }
  loadRuntime();
  let client: SandboxClient;
  try {
    client = await clientReady;
  } catch (e) {
    await server.close();
    await store?.close();
    throw e;
  }
  // Take the store's lock soon, so a second node on this home fails early with a clear message.
  const lockTimer = setTimeout(() => {
    if (!persist) return;
    openStore().catch((e) => {
      log(`near-sandbox: ${(e as Error).message}`);
      options.onFatalError?.(e as Error);
    });
  }, STORE_OPEN_DELAY_MS);
  lockTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearTimeout(lockTimer);
      client.stopProducing();
      await server.close();
      // A block being applied in slices holds the queue until it ends: the flush below then saves it, and no
      // commit of it starts after the store is closed.
      await queue.run(() => undefined);
      try {
        await commits?.flush();
      } finally {
        const opened = await (storeOpening ?? Promise.resolve(store)).catch(() => null);
        if (opened) {
          await opened.close();
          NodeStore.backup(dataDir);
        }
      }
    })());
  return { url: server.url, client, stop };
}

/** The long-running command: start, then wait for a signal or the parent's death. */
export async function runNode(options: RunOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let node: RunningNode;
  try {
    node = await startNode({ ...options, onFatalError: () => process.exit(1) });
  } catch (e) {
    if ((e as Error)?.name !== 'ForkError') throw e;
    return serveStartError(e as Error, options, log);
  }
  const fork = node.client.sandbox.fork;
  const forking = fork ? `, forking ${fork.point.rpcUrl} at #${fork.point.height} (chain ${fork.point.chainId}), cache ${fork.cacheDir ?? 'in memory'}` : '';
  const interval = node.client.blockIntervalMs === undefined ? '' : `, a block every ${node.client.blockIntervalMs} ms`;
  log(`near-sandbox: JSON-RPC on ${node.url} (home ${options.home}${options.persist === false || fork ? ', state in memory only' : ''}${forking}${interval})`);
  const parent = watchParent();
  const shutdown = (reason: string) => {
    log(`near-sandbox: ${reason}, stopping`);
    const hardStop = setTimeout(() => process.exit(0), 2_000);
    hardStop.unref();
    node.stop().then(
      () => process.exit(0),
      (e) => {
        log(`near-sandbox: error while stopping: ${(e as Error).stack ?? e}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGHUP', () => shutdown('SIGHUP'));
  const watch = setInterval(() => {
    if (parent.gone()) shutdown(`the process that started it (${parent.pid}) exited`);
  }, PARENT_POLL_MS);
  watch.unref();
}

/**
 * A fork that could not start (the remote unreachable, a pruned block, a protocol version the node does not run):
 * near-workspaces ignores the node's stderr and would only see a node that never answers, so the port answers
 * every request with the reason (an INTERNAL_ERROR whose message is the ForkError's) until the node is stopped.
 */
async function serveStartError(error: Error, options: RunOptions, log: (line: string) => void): Promise<void> {
  log(`near-sandbox: ${error.message}`);
  const failed = Promise.reject(error);
  failed.catch(() => undefined);
  const server = await startRpcServer({ client: failed, port: options.rpcPort, queue: new SerialQueue(), log: () => undefined });
  const stop = () => void server.close().finally(() => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  const parent = watchParent();
  setInterval(() => parent.gone() && stop(), PARENT_POLL_MS).unref();
}

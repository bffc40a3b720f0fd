/**
 * `near-sandbox --home DIR run`: load genesis and the saved state, serve JSON-RPC on 127.0.0.1, save state
 * changes to `<home>/data`, and stop promptly on SIGINT/SIGTERM or when the parent process goes away
 * (near-workspaces ignores stdin and never waits for the exit, so a dead parent is detected by polling).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startRpcServer, SerialQueue, type RpcServer } from '../rpc/server.js';
import type { SandboxClient } from '../rpc/view-client.js';
import { readGenesisFile } from './genesis-file.js';
import { DATA_DIR, GENESIS_FILE, VALIDATOR_KEY_FILE } from './init.js';
import { readKeyFile } from './key-file.js';
import { NodeStore } from './store.js';
import { parentIsGone } from './parent.js';

/** Methods that can change state; a save is scheduled after each. */
const MUTATING_METHODS = new Set(['send_tx', 'broadcast_tx_commit', 'broadcast_tx_async', 'sandbox_patch_state', 'sandbox_fast_forward']);

/** Saves are batched: one write at most this long after the last change (and always before exit). */
const SAVE_DELAY_MS = 200;
const PARENT_POLL_MS = 500;
/** A fresh node opens its store this long after it starts serving (see startNode). */
const STORE_OPEN_DELAY_MS = 500;

export interface RunOptions {
  home: string;
  rpcPort: number;
  /** Keep state in `<home>/data` (default true). */
  persist?: boolean;
  log?: (line: string) => void;
  /** Called when the node cannot go on (e.g. another node holds the store); `runNode` exits. */
  onFatalError?: (error: Error) => void;
}

export interface RunningNode {
  readonly url: string;
  readonly client: SandboxClient;
  /** Saves pending changes, stops serving and closes the store. */
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

export async function startNode(options: RunOptions): Promise<RunningNode> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const genesis = readGenesisFile(join(options.home, GENESIS_FILE));
  const validator = readKeyFile(join(options.home, VALIDATOR_KEY_FILE));
  const dataDir = join(options.home, DATA_DIR);
  // A node with saved state restores it before serving; a fresh one opens its store after it is up,
  // keeping the native LevelDB binding out of near-workspaces' start-up lock.
  const hasSavedState = existsSync(join(dataDir, 'CURRENT'));
  let store: NodeStore | null = null;
  let storeOpening: Promise<NodeStore> | null = null;
  if (options.persist !== false && hasSavedState) store = await NodeStore.open(dataDir);
  const saved = store ? await store.load() : null;
  // The runtime is the heavy part of start-up: it loads once the server listens (started below), so
  // near-workspaces' readiness probe connects early and is answered the moment the node is ready. (From a
  // startup snapshot the runtime's modules evaluate synchronously, which would otherwise delay the listen.)
  let loadRuntime!: () => void;
  const clientReady = new Promise<void>((resolve) => (loadRuntime = resolve))
    .then(() => import('../rpc/view-client.js'))
    .then(async ({ createSandboxClient }) => {
      const { KeyPair } = await import('../primitives/crypto.js');
      return createSandboxClient({ genesis, validatorKey: KeyPair.fromString(validator.key.secretKey), restore: saved ?? undefined });
    });
  const openStore = (): Promise<NodeStore> | null => {
    if (options.persist === false) return null;
    if (store) return Promise.resolve(store);
    storeOpening ??= NodeStore.open(dataDir).then((opened) => (store = opened));
    return storeOpening;
  };

  const queue = new SerialQueue();
  let dirty = false;
  let saveTimer: NodeJS.Timeout | undefined;
  /** Store writes, one after the other, outside the request queue. */
  let writes: Promise<unknown> = Promise.resolve();
  /** Takes a consistent export between requests, then writes it without holding requests up. */
  const save = async (): Promise<void> => {
    saveTimer = undefined;
    if (!dirty || options.persist === false) return;
    dirty = false;
    const { head, entries } = await queue.run(() => client.exportState());
    const write = writes.then(async () => {
      const opened = await openStore();
      if (opened) await opened.save(head, entries);
    });
    writes = write.catch(() => undefined);
    await write;
  };
  const scheduleSave = () => {
    dirty = true;
    saveTimer ??= setTimeout(() => {
      save().catch((e) => log(`[store] save failed: ${(e as Error).stack ?? e}`));
    }, SAVE_DELAY_MS);
  };

  let server: RpcServer;
  try {
    server = await startRpcServer({
      client: clientReady,
      port: options.rpcPort,
      queue,
      log,
      afterRequest: (method) => {
        if (MUTATING_METHODS.has(method)) scheduleSave();
      },
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
    openStore()?.catch((e) => {
      log(`near-sandbox: ${(e as Error).message}`);
      options.onFatalError?.(e as Error);
    });
  }, STORE_OPEN_DELAY_MS);
  lockTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearTimeout(saveTimer);
      clearTimeout(lockTimer);
      await server.close();
      await save();
      await writes;
      await (storeOpening ?? Promise.resolve(store)).catch(() => null);
      await store?.close();
    })());
  return { url: server.url, client, stop };
}

/** The long-running command: start, then wait for a signal or the parent's death. */
export async function runNode(options: RunOptions): Promise<void> {
  const node = await startNode({ ...options, onFatalError: () => process.exit(1) });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  log(`near-sandbox: JSON-RPC on ${node.url} (home ${options.home}${options.persist === false ? ', state in memory only' : ''})`);
  const parent = process.ppid;
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
    if (parentIsGone(parent)) shutdown(`parent process ${parent} exited`);
  }, PARENT_POLL_MS);
  watch.unref();
}

/**
 * The long-lived development node behind `npm run sandbox`: one home directory in the project
 * (`.near-sandbox/` by default) holding genesis, keys, the LevelDB state and a key store laid out as
 * near-api-js' `UnencryptedFileSystemKeyStore` and near-cli-rs' legacy credentials expect:
 * `<home>/credentials/<network>/<account>.json` = `{"account_id","public_key","private_key"}`.
 */
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, GENESIS_FILE, initHome, VALIDATOR_KEY_FILE } from './init.js';
import { readGenesisFile } from './genesis-file.js';
import { readKeyFile, writeKeyFile } from './key-file.js';
import { startNode, type RunningNode, type RunOptions } from './run.js';
import { NodeStore } from './store.js';

/** near-workspaces calls its sandbox network `sandbox`; the dev key store uses the same network id. */
export const DEV_NETWORK_ID = 'sandbox';
/** nearcore's default RPC port. */
export const DEV_RPC_PORT = 3030;

export interface DevNodeOptions {
  home: string;
  port?: number;
  /** Delete the home directory first: a fresh chain with a fresh validator key. */
  reset?: boolean;
  /** Replace `<home>/data` by the automatic backup of the last clean stop (the damaged store is kept aside). */
  restoreBackup?: boolean;
  /** Every transaction and receipt as it executes (`npm run sandbox` prints them). */
  onExecution?: RunOptions['onExecution'];
  /** The node cannot go on (its store failed or is held by another node); `npm run sandbox` exits. */
  onFatalError?: RunOptions['onFatalError'];
  /** Keep all history (neard's archival node); default: history older than 5 epochs is garbage-collected. */
  archival?: boolean;
  /** Fork a remote chain (src/fork): its state is read lazily; local changes are kept in memory only. */
  fork?: RunOptions['fork'];
  /** Interval mode: a block every this many milliseconds, empty or not (runtime/block-producer.ts); default on demand. */
  blockIntervalMs?: number;
}

export interface DevNode {
  node: RunningNode;
  rpcUrl: string;
  rootAccountId: string;
  rootPublicKey: string;
  chainId: string;
  keyStoreDir: string;
  rootKeyFile: string;
  restored: boolean;
  /** Set when the node forks a remote chain. */
  fork?: import('../index.js').ForkInfo;
  /** The height of the backup restored by `restoreBackup`. */
  restoredBackupHeight?: number;
}

export async function startDevNode(options: DevNodeOptions): Promise<DevNode> {
  if (options.reset) rmSync(options.home, { recursive: true, force: true });
  const restoredBackupHeight = options.restoreBackup ? NodeStore.restoreBackup(join(options.home, DATA_DIR)) : undefined;
  const restored = existsSync(join(options.home, DATA_DIR, 'CURRENT'));
  initHome(options.home);
  const genesis = readGenesisFile(join(options.home, GENESIS_FILE));
  const { accountId, key } = readKeyFile(join(options.home, VALIDATOR_KEY_FILE));

  const keyStoreDir = join(options.home, 'credentials');
  const networkDir = join(keyStoreDir, DEV_NETWORK_ID);
  mkdirSync(networkDir, { recursive: true });
  const rootKeyFile = join(networkDir, `${accountId}.json`);
  // near-api-js' key store reads `private_key`; near-cli-rs accepts it too
  writeKeyFile(rootKeyFile, { account_id: accountId, public_key: key.publicKeyString, private_key: key.secretKey });

  const node = await startNode({
    home: options.home,
    rpcPort: options.port ?? DEV_RPC_PORT,
    ...(options.onExecution ? { onExecution: options.onExecution } : {}),
    ...(options.onFatalError ? { onFatalError: options.onFatalError } : {}),
    ...(options.fork ? { fork: options.fork } : {}),
    ...(options.archival ? { archival: true } : {}),
    ...(options.blockIntervalMs !== undefined ? { blockIntervalMs: options.blockIntervalMs } : {}),
  });
  return {
    node,
    rpcUrl: node.url,
    rootAccountId: accountId,
    rootPublicKey: key.publicKeyString,
    chainId: node.client.sandbox.chain.options.chainId,
    keyStoreDir,
    rootKeyFile,
    restored: restored && !options.fork,
    ...(node.client.sandbox.fork ? { fork: node.client.sandbox.fork } : {}),
    ...(restoredBackupHeight === undefined ? {} : { restoredBackupHeight }),
  };
}

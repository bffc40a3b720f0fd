/**
 * `npm run sandbox`: a long-lived local NEAR node for dapp development (packages/sandbox).
 *
 *   npm run sandbox                 start (or resume) the node in .near-sandbox/ on port 3030
 *   npm run sandbox -- --port 3031  another port
 *   npm run sandbox -- --home DIR   another home directory
 *   npm run sandbox -- --reset      wipe the home directory first (new chain, new root key)
 *   npm run sandbox -- --restore-backup   replace a damaged chain by the backup of the last clean stop
 *   npm run sandbox -- --quiet      print no transactions or receipts
 *   npm run sandbox -- --archival   keep all history (default: older than 5 epochs is garbage-collected, as neard)
 *   npm run sandbox -- --verbose    print refunds and each receipt's gas profile too
 *   npm run sandbox -- --block-interval-ms 600   a block every 600 ms, empty ones too, as neard makes them
 *                                   (transactions wait for the next block); default: a block per transaction
 *   npm run sandbox -- --fork mainnet|testnet|URL [--block N]   fork a remote chain at a block (default its
 *                                   final block): its state is read lazily and cached on disk per (network,
 *                                   block); local changes are kept in memory only
 *
 * State (accounts, keys, contracts, storage, height) is kept in <home>/data between runs (not for a fork).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blockIntervalOf } from '../packages/sandbox/src/node/cli.js';
import { startDevNode } from '../packages/sandbox/src/node/dev.js';
import { createStreamPrinter } from '../packages/sandbox/src/node/stream-printer.js';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const home = resolve(option('home') ?? join(repo, '.near-sandbox'));
  const port = Number(option('port') ?? 3030);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${option('port')} is not a port number`);
  const quiet = process.argv.includes('--quiet');
  const verbose = process.argv.includes('--verbose');
  if (quiet && verbose) throw new Error('--quiet and --verbose contradict each other: give at most one');
  const forkUrl = option('fork');
  const block = option('block');
  if (process.argv.includes('--fork') && (forkUrl === undefined || forkUrl.startsWith('--'))) throw new Error('--fork needs mainnet, testnet or a JSON-RPC URL');
  if (block !== undefined && forkUrl === undefined) throw new Error('--block needs --fork: it names the remote block to fork at');
  const blockIntervalMs = blockIntervalOf(option('block-interval-ms') ?? (process.argv.includes('--block-interval-ms') ? '' : undefined));
  // colours on a terminal only, and never when NO_COLOR is set (no-color.org)
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const print = createStreamPrinter((line) => process.stdout.write(`${line}\n`), { color, verbose });
  const dev = await startDevNode({
    home,
    port,
    reset: process.argv.includes('--reset'),
    archival: process.argv.includes('--archival'),
    // a node that cannot save what it answers stops rather than answer what a restart would lose
    onFatalError: (e) => {
      console.error(`npm run sandbox: ${e.message}`);
      process.exit(1);
    },
    restoreBackup: process.argv.includes('--restore-backup'),
    ...(forkUrl ? { fork: { rpcUrl: forkUrl, ...(block !== undefined ? { blockId: block } : {}) } } : {}),
    ...(quiet ? {} : { onExecution: print }),
    ...(blockIntervalMs !== undefined ? { blockIntervalMs } : {}),
  });
  const fork = dev.fork;
  const lines = [
    `NEAR sandbox node ${fork ? `(fork of ${fork.point.rpcUrl} at #${fork.point.height})` : dev.restoredBackupHeight !== undefined ? `(backup restored at height ${dev.restoredBackupHeight})` : dev.restored ? '(state restored)' : '(new chain)'}`,
    `  RPC URL        ${dev.rpcUrl}`,
    `  chain id       ${dev.chainId}`,
    `  root account   ${dev.rootAccountId}  (${dev.rootPublicKey})`,
    `  root key file  ${dev.rootKeyFile}`,
    `  key store      ${dev.keyStoreDir}  (near-api-js UnencryptedFileSystemKeyStore, network id "sandbox")`,
    `  home           ${home}`,
    `  blocks         ${blockIntervalMs === undefined ? 'one as soon as a transaction arrives, none while idle' : `one every ${blockIntervalMs} ms, empty ones too`}`,
    '',
    fork
      ? `Forked: remote state is read when first touched and cached in ${fork.cacheDir ?? 'memory'}; writes stay local and live in memory only (the root account ${dev.rootAccountId} is granted a local key and balance).`
      : 'Every answer is on disk before it is sent; Ctrl-C stops the node and backs the chain up to <home>/backup (--reset for a new chain).',
    quiet ? '' : `Transactions and receipts are printed below as they execute (--quiet for none, --verbose for refunds and gas profiles).\n`,
  ];
  console.log(lines.join('\n'));
  const stop = (signal: string) => {
    console.log(`\n${signal}: saving state and stopping`);
    dev.node.stop().then(() => process.exit(0), (e) => {
      console.error(e);
      process.exit(1);
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e) => {
  console.error(`npm run sandbox: ${(e as Error).message}`);
  process.exit(1);
});

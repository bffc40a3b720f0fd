/**
 * The `near-sandbox` command line, with neard's syntax (nearcore `neard/src/cli.rs`): `--home` is a global
 * option before the subcommand.
 *
 *   near-sandbox [--home DIR] init [--account-id ID] [--chain-id ID] [--protocol-version N] [--fast]
 *   near-sandbox [--home DIR] run [--rpc-addr HOST:PORT] [--network-addr HOST:PORT] [--archive] [--block-interval-ms MS]
 *
 * near-workspaces 5.0.0 calls exactly `--home DIR init` and `--home DIR run --rpc-addr 0.0.0.0:P --network-addr 0.0.0.0:Q`;
 * near-sandbox 0.3.x's `Sandbox.start()` calls `--version`, `--home DIR init --fast` (then edits genesis.json and
 * config.json) and `--home DIR run --rpc-addr 127.0.0.1:P --network-addr 127.0.0.1:Q`. The protocol version of a
 * new home is `--protocol-version`, else NEAR_SANDBOX_PROTOCOL_VERSION (a protocol or a neard version), else mainnet's.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { initHome } from './init.js';
import { forkFromEnvironment } from '../fork/env.js';
import { FAST_EPOCH_LENGTH, protocolVersionFromEnv } from './genesis-file.js';

export const USAGE = `usage:
  near-sandbox [--home DIR] init [--account-id ID] [--chain-id ID] [--protocol-version N] [--fast]
  near-sandbox [--home DIR] run [--rpc-addr HOST:PORT] [--network-addr HOST:PORT] [--archive] [--block-interval-ms MS]

  --home DIR   node directory (default ~/.near)
  --block-interval-ms MS   make a block every MS milliseconds, empty or not, as neard does every
               min_block_production_delay (anvil's --block-time); transactions wait for the next block, and
               block timestamps advance by MS per height. Else NEAR_SANDBOX_BLOCK_INTERVAL_MS; unset, a block
               is made as soon as a transaction arrives (and none while idle).
  The protocol version of a new home: --protocol-version, else NEAR_SANDBOX_PROTOCOL_VERSION (77, 86, or a
  neard version such as 2.6.2 or 2.13.4), else 86 (mainnet).
  The RPC server always listens on 127.0.0.1, whatever host --rpc-addr names.
  run forks a remote chain when NEAR_SANDBOX_FORK_URL is set (mainnet, testnet or a JSON-RPC URL), at
  NEAR_SANDBOX_FORK_BLOCK (height or hash; default its final block), caching reads in NEAR_SANDBOX_FORK_CACHE.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

export interface ParsedCommand {
  home: string;
  command: 'init' | 'run' | 'help' | 'version';
  options: Record<string, string | true>;
}

/** Flags each subcommand takes; `true` marks a flag with a value. neard flags we accept but ignore are listed too. */
const FLAGS: Record<string, Record<string, boolean>> = {
  init: { 'account-id': true, 'chain-id': true, 'protocol-version': true, fast: false, 'test-seed': true, 'num-shards': true },
  run: { 'rpc-addr': true, 'network-addr': true, boot_nodes: true, 'boot-nodes': true, archive: false, archival: false, 'block-interval-ms': true },
  help: {},
  version: {},
};

export function parseArgs(argv: string[]): ParsedCommand {
  let home = join(homedir(), '.near');
  let command: ParsedCommand['command'] | undefined;
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') ? (arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]) : [undefined, undefined];
    if (flag === 'home') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError('--home needs a directory');
      home = resolve(value);
    } else if (arg === '-h' || arg === '--help') {
      command = 'help';
    } else if (arg === '-V' || arg === '--version') {
      command = 'version';
    } else if (command === undefined && flag === undefined) {
      if (arg !== 'init' && arg !== 'run') throw new UsageError(`unknown command ${JSON.stringify(arg)}`);
      command = arg;
    } else if (flag !== undefined && command !== undefined && flag in FLAGS[command]!) {
      if (FLAGS[command]![flag]) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new UsageError(`--${flag} needs a value`);
        options[flag] = value;
      } else {
        options[flag] = true;
      }
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}${command ? ` for ${command}` : ''}`);
    }
  }
  if (command === undefined) throw new UsageError('missing command');
  return { home, command, options };
}

/** The environment variable near-workspaces users set to run the node in interval mode (`--block-interval-ms`). */
export const BLOCK_INTERVAL_ENV = 'NEAR_SANDBOX_BLOCK_INTERVAL_MS';

/**
 * The block interval of `run`: `--block-interval-ms`, else NEAR_SANDBOX_BLOCK_INTERVAL_MS; undefined (blocks on
 * demand) when neither is given or the variable is empty.
 */
export function blockIntervalOf(flag: string | true | undefined, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const [source, value] = typeof flag === 'string' ? ['--block-interval-ms', flag] : [BLOCK_INTERVAL_ENV, env[BLOCK_INTERVAL_ENV]];
  if (value === undefined || (source === BLOCK_INTERVAL_ENV && value.trim() === '')) return undefined;
  const ms = /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : NaN;
  if (!(ms >= 1)) {
    throw new RangeError(`${source}${source === BLOCK_INTERVAL_ENV ? '=' : ' '}${JSON.stringify(value)} is not a block interval: give a whole number of milliseconds, at least 1 (e.g. 1000), or leave it unset for a block per transaction`);
  }
  return ms;
}

/** `HOST:PORT` → port; the host is ignored (loopback only). */
export function portOf(addr: string, flag: string): number {
  const match = /^(?:.*:)?(\d{1,5})$/.exec(addr);
  const port = match ? Number(match[1]) : NaN;
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--${flag} ${JSON.stringify(addr)} is not HOST:PORT`);
  return port;
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ParsedCommand;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const { home, command, options } = parsed;
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'version') {
    process.stdout.write('near-sandbox (near-ts-stack packages/sandbox, neard-compatible CLI)\n');
    return 0;
  }
  if (command === 'init') {
    let protocolVersion: number;
    try {
      protocolVersion = options['protocol-version'] === undefined ? protocolVersionFromEnv() : Number(options['protocol-version']);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
    if (!Number.isInteger(protocolVersion)) {
      process.stderr.write('--protocol-version needs an integer\n');
      return 2;
    }
    initHome(home, {
      accountId: typeof options['account-id'] === 'string' ? options['account-id'] : undefined,
      chainId: typeof options['chain-id'] === 'string' ? options['chain-id'] : undefined,
      protocolVersion,
      // nearcore init_configs: `--fast` makes FAST_EPOCH_LENGTH epochs (and shorter block delays)
      epochLength: options.fast === true ? FAST_EPOCH_LENGTH : undefined,
    });
    return 0;
  }
  const rpcPort = portOf(typeof options['rpc-addr'] === 'string' ? options['rpc-addr'] : '127.0.0.1:3030', 'rpc-addr');
  let blockIntervalMs: number | undefined;
  try {
    blockIntervalMs = blockIntervalOf(options['block-interval-ms']);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const { runNode, isNearWorkspacesHome } = await import('./run.js');
  const fork = forkFromEnvironment();
  const archival = options.archive === true || options.archival === true;
  await runNode({
    home,
    rpcPort,
    persist: !isNearWorkspacesHome(home),
    ...(archival ? { archival } : {}),
    ...(fork ? { fork } : {}),
    ...(blockIntervalMs !== undefined ? { blockIntervalMs } : {}),
  });
  return 0;
}

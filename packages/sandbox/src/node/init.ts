/**
 * `near-sandbox --home DIR init` (nearcore `nearcore/src/config.rs` `init_configs`): creates DIR and writes
 * config.json, genesis.json, node_key.json and validator_key.json. near-workspaces reads only
 * validator_key.json (the key it signs with as `test.near`); the rest is for people and for `run`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGenesis, writeGenesisFile, type GenesisFile } from './genesis-file.js';
import { keyFileFor, randomEd25519Key, writeKeyFile } from './key-file.js';

export const GENESIS_FILE = 'genesis.json';
export const CONFIG_FILE = 'config.json';
export const NODE_KEY_FILE = 'node_key.json';
export const VALIDATOR_KEY_FILE = 'validator_key.json';
/** The embedded store (classic-level) lives here, as nearcore's RocksDB lives in `<home>/data`. */
export const DATA_DIR = 'data';

export interface InitOptions {
  /** Root account holding the validator key (nearcore `--account-id`, default `test.near`). */
  accountId?: string;
  chainId?: string;
  protocolVersion?: number;
  /** Blocks per epoch (`init --fast`: 60). */
  epochLength?: number;
}

export interface InitResult {
  created: boolean;
  genesis: GenesisFile | null;
  validatorPublicKey: string | null;
}

/** Our node's part of nearcore's config.json: only what `run` reads, under nearcore's key names. */
function nodeConfig(): Record<string, unknown> {
  return {
    rpc: { addr: '127.0.0.1:3030', limits_config: { json_payload_max_size: 10 * 1024 * 1024 } },
    network: { addr: '0.0.0.0:24567' },
    store: { path: DATA_DIR },
    consensus: { min_block_production_delay: { secs: 0, nanos: 600_000_000 }, produce_empty_blocks: false },
  };
}

/**
 * Like nearcore, an existing genesis.json is kept (init is idempotent); otherwise every file is written
 * with a fresh validator key.
 */
export function initHome(home: string, options: InitOptions = {}): InitResult {
  mkdirSync(home, { recursive: true });
  if (existsSync(join(home, GENESIS_FILE)) && existsSync(join(home, VALIDATOR_KEY_FILE))) {
    return { created: false, genesis: null, validatorPublicKey: null };
  }
  const accountId = options.accountId ?? 'test.near';
  const validatorKey = randomEd25519Key();
  const genesis = buildGenesis({
    rootAccountId: accountId,
    rootPublicKey: validatorKey.publicKeyString,
    chainId: options.chainId,
    protocolVersion: options.protocolVersion,
    epochLength: options.epochLength,
  });
  writeFileSync(join(home, CONFIG_FILE), `${JSON.stringify(nodeConfig(), null, 2)}\n`);
  writeGenesisFile(join(home, GENESIS_FILE), genesis);
  writeKeyFile(join(home, NODE_KEY_FILE), keyFileFor('node', randomEd25519Key()));
  writeKeyFile(join(home, VALIDATOR_KEY_FILE), keyFileFor(accountId, validatorKey));
  return { created: true, genesis, validatorPublicKey: validatorKey.publicKeyString };
}

/**
 * `near-sandbox --home DIR init` (nearcore `nearcore/src/config.rs` `init_configs`): creates DIR and writes
 * config.json, genesis.json, node_key.json and validator_key.json. near-workspaces reads only
 * validator_key.json (the key it signs with as `test.near`); the rest is for people and for `run`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildGenesis, FAST_EPOCH_LENGTH, writeGenesisFile, type GenesisFile } from './genesis-file.js';
import { BLOCK_PRODUCTION_DELAY_MS, FAST_BLOCK_PRODUCTION_DELAY_MS } from '../runtime/block-clock.js';
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

/** A nearcore config.json duration (serde's `{secs, nanos}`). */
const duration = (ms: number) => ({ secs: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });

/**
 * Our node's part of nearcore's config.json: only what `run` reads, under nearcore's key names. The block
 * production delays are `neard init`'s (with `--fast`, nearcore's `FAST_*` ones); `run` takes a fast-forward's
 * time per skipped height from them.
 */
function nodeConfig(fast: boolean): Record<string, unknown> {
  const delays = fast ? FAST_BLOCK_PRODUCTION_DELAY_MS : BLOCK_PRODUCTION_DELAY_MS;
  return {
    rpc: { addr: '127.0.0.1:3030', limits_config: { json_payload_max_size: 10 * 1024 * 1024 } },
    network: { addr: '0.0.0.0:24567' },
    store: { path: DATA_DIR },
    consensus: { min_block_production_delay: duration(delays.min), max_block_production_delay: duration(delays.max), produce_empty_blocks: false },
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
  writeFileSync(join(home, CONFIG_FILE), `${JSON.stringify(nodeConfig(options.epochLength === FAST_EPOCH_LENGTH), null, 2)}\n`);
  writeGenesisFile(join(home, GENESIS_FILE), genesis);
  writeKeyFile(join(home, NODE_KEY_FILE), keyFileFor('node', randomEd25519Key()));
  writeKeyFile(join(home, VALIDATOR_KEY_FILE), keyFileFor(accountId, validatorKey));
  return { created: true, genesis, validatorPublicKey: validatorKey.publicKeyString };
}

/**
 * `genesis.json` in nearcore's format (`core/chain-configs/src/genesis_config.rs` `GenesisConfig` plus
 * `records`), as `neard init` writes it for a localnet (`nearcore/src/config.rs` `init_configs`):
 * `test.near` is the only validator and holds the validator key; `near` is the protocol treasury with a
 * key from the seed "near". The node reads this file back on every `run`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ed25519KeyFromSeed } from './key-file.js';
import type { GenesisConfig } from '../rpc/wire.js';
import { DEFAULT_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '../parameters/index.js';

const NEAR = 10n ** 24n;
/** nearcore `TESTING_INIT_BALANCE` and `TESTING_INIT_STAKE` (core/chain-configs test_utils.rs). */
export const TESTING_INIT_BALANCE = 1_000_000_000n * NEAR;
export const TESTING_INIT_STAKE = 50_000_000n * NEAR;
/** nearcore `MIN_GAS_PRICE` and the localnet `gas_limit`. */
export const MIN_GAS_PRICE = 100_000_000n;
export const GAS_LIMIT = 1_000_000_000_000_000;
/** nearcore `TRANSACTION_VALIDITY_PERIOD`. */
export const TRANSACTION_VALIDITY_PERIOD = 100;
/** `EXPECTED_EPOCH_LENGTH` / `MIN_BLOCK_PRODUCTION_DELAY` for a sandbox `init` without `--fast`. */
export const SANDBOX_EPOCH_LENGTH = 500;
/** nearcore `FAST_EPOCH_LENGTH`: the epoch of `init --fast` (what near-sandbox 0.3.x's `Sandbox.start()` asks for). */
export const FAST_EPOCH_LENGTH = 60;

/**
 * The protocol version each neard release runs (its `PROTOCOL_VERSION`, core/primitives-core/src/version.rs at
 * the release): 2.6.x runs 77 (near-workspaces 5.0.0 downloads 2.6.2 through near-sandbox 0.1.x); 2.13.x runs 86
 * (near-sandbox 0.3.x downloads 2.13.4; 2.13.0 took mainnet from 84 to 86, whose features arrived at 85).
 */
export const NEARD_PROTOCOL_VERSIONS: Readonly<Record<string, number>> = { '2.6': 77, '2.13': 86 };

export class ProtocolVersionChoiceError extends Error {
  constructor(value: string, supported: readonly number[]) {
    super(
      `NEAR_SANDBOX_PROTOCOL_VERSION=${value} is not understood: give a protocol version (${supported.join(', ')}) or a neard ` +
        `version (${Object.entries(NEARD_PROTOCOL_VERSIONS).map(([v, pv]) => `${v}.x = ${pv}`).join(', ')}), or leave it unset for ${DEFAULT_PROTOCOL_VERSION} (mainnet).`,
    );
    this.name = 'ProtocolVersionChoiceError';
  }
}

/**
 * The protocol version a new home gets: `NEAR_SANDBOX_PROTOCOL_VERSION` as a protocol version (`77`, `86`) or
 * a neard version (`2.6.2`, `2.13.4`); unset, the current mainnet version.
 */
export function protocolVersionFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.NEAR_SANDBOX_PROTOCOL_VERSION?.trim();
  if (!value) return DEFAULT_PROTOCOL_VERSION;
  if (/^\d+$/.test(value)) {
    const pv = Number(value);
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(pv)) throw new ProtocolVersionChoiceError(value, SUPPORTED_PROTOCOL_VERSIONS);
    return pv;
  }
  const release = /^v?(\d+\.\d+)(?:\.\d+)?(?:-[\w.]+)?$/.exec(value)?.[1];
  const pv = release === undefined ? undefined : NEARD_PROTOCOL_VERSIONS[release];
  if (pv === undefined) throw new ProtocolVersionChoiceError(value, SUPPORTED_PROTOCOL_VERSIONS);
  return pv;
}

/** The 32 zero bytes nearcore writes as the code hash of an account without code. */
export const EMPTY_CODE_HASH = '11111111111111111111111111111111';

export type GenesisRecord =
  | { Account: { account_id: string; account: { amount: string; locked: string; code_hash: string; storage_usage: number; version?: string } } }
  | { AccessKey: { account_id: string; public_key: string; access_key: { nonce: number; permission: 'FullAccess' } } };

/** `GenesisConfig` (the JSON of `EXPERIMENTAL_genesis_config`) plus the state records. */
export type GenesisFile = GenesisConfig & { records: GenesisRecord[] };

export interface GenesisOptions {
  rootAccountId: string;
  /** `ed25519:<base58>`: the validator key, the root account's only access key. */
  rootPublicKey: string;
  chainId?: string;
  protocolVersion?: number;
  /** RFC 3339; defaults to now. */
  genesisTime?: string;
  /** Default 500 (`init`); `init --fast` makes 60. */
  epochLength?: number;
}

/** nearcore `random_chain_id()`: `test-chain-` and five random alphanumerics. */
export function randomChainId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(5);
  return `test-chain-${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

function accountRecord(accountId: string, amount: bigint, locked: bigint): GenesisRecord {
  // storage_usage 0: nearcore recomputes it when it builds the genesis state (182 for one ed25519 key).
  return { Account: { account_id: accountId, account: { amount: amount.toString(), locked: locked.toString(), code_hash: EMPTY_CODE_HASH, storage_usage: 0 } } };
}

function fullAccessKeyRecord(accountId: string, publicKey: string): GenesisRecord {
  return { AccessKey: { account_id: accountId, public_key: publicKey, access_key: { nonce: 0, permission: 'FullAccess' } } };
}

export function buildGenesis(options: GenesisOptions): GenesisFile {
  const root = options.rootAccountId;
  const treasuryKey = ed25519KeyFromSeed('near');
  const records: GenesisRecord[] = [
    accountRecord(root, TESTING_INIT_BALANCE, TESTING_INIT_STAKE),
    fullAccessKeyRecord(root, options.rootPublicKey),
  ];
  if (root !== 'near') {
    records.push(accountRecord('near', TESTING_INIT_BALANCE, 0n), fullAccessKeyRecord('near', treasuryKey.publicKeyString));
  }
  const totalSupply = (root !== 'near' ? 2n : 1n) * TESTING_INIT_BALANCE + TESTING_INIT_STAKE;
  return {
    protocol_version: options.protocolVersion ?? DEFAULT_PROTOCOL_VERSION,
    genesis_time: options.genesisTime ?? new Date().toISOString(),
    chain_id: options.chainId ?? randomChainId(),
    genesis_height: 0,
    num_block_producer_seats: 50,
    num_block_producer_seats_per_shard: [50],
    avg_hidden_validator_seats_per_shard: [0],
    dynamic_resharding: false,
    protocol_upgrade_stake_threshold: [4, 5],
    epoch_length: options.epochLength ?? SANDBOX_EPOCH_LENGTH,
    gas_limit: GAS_LIMIT,
    min_gas_price: MIN_GAS_PRICE.toString(),
    max_gas_price: '10000000000000000000000',
    block_producer_kickout_threshold: 90,
    chunk_producer_kickout_threshold: 90,
    online_min_threshold: [9, 10],
    online_max_threshold: [99, 100],
    gas_price_adjustment_rate: [1, 100],
    validators: [{ account_id: root, public_key: options.rootPublicKey, amount: TESTING_INIT_STAKE.toString() }],
    transaction_validity_period: TRANSACTION_VALIDITY_PERIOD,
    protocol_reward_rate: [1, 10],
    max_inflation_rate: [1, 20],
    total_supply: totalSupply.toString(),
    num_blocks_per_year: 31_536_000,
    protocol_treasury_account: root,
    fishermen_threshold: '10000000000000000000000000',
    minimum_stake_divisor: 10,
    records,
  } as GenesisFile;
}

export class GenesisFileError extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}. Recreate the home directory with \`near-sandbox --home <dir> init\`.`);
    this.name = 'GenesisFileError';
  }
}

export function writeGenesisFile(path: string, genesis: GenesisFile): void {
  writeFileSync(path, `${JSON.stringify(genesis, null, 2)}\n`);
}

export function readGenesisFile(path: string): GenesisFile {
  let parsed: GenesisFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GenesisFileError(path, `cannot read genesis (${(e as Error).message})`);
  }
  if (typeof parsed.chain_id !== 'string' || typeof parsed.protocol_version !== 'number' || !Array.isArray(parsed.records)) {
    throw new GenesisFileError(path, 'missing chain_id, protocol_version or records');
  }
  return parsed;
}

/**
 * Accounts in the records besides the ones `init` makes (the root and `near`): what a client added before
 * `run`, as near-sandbox 0.3.x adds `sandbox` (and `additionalAccounts`) with a full-access key each. An
 * account gets the first full-access key its records give it.
 */
export function extraGenesisAccounts(genesis: GenesisFile, known: readonly string[]): Array<{ accountId: string; amount: bigint; locked: bigint; publicKey: string }> {
  const keys = new Map<string, string>();
  for (const r of genesis.records) {
    if ('AccessKey' in r && r.AccessKey.access_key.permission === 'FullAccess' && !keys.has(r.AccessKey.account_id)) {
      keys.set(r.AccessKey.account_id, r.AccessKey.public_key);
    }
  }
  const out = [];
  for (const r of genesis.records) {
    if (!('Account' in r) || known.includes(r.Account.account_id)) continue;
    const publicKey = keys.get(r.Account.account_id);
    if (publicKey === undefined) throw new GenesisFileError('genesis.json', `account ${r.Account.account_id} has no full-access key in the records`);
    out.push({ accountId: r.Account.account_id, amount: BigInt(r.Account.account.amount), locked: BigInt(r.Account.account.locked), publicKey });
  }
  return out;
}

/** The genesis without its records: the `EXPERIMENTAL_genesis_config` answer. */
export function genesisConfigOf(genesis: GenesisFile): GenesisConfig {
  const { records: _records, ...config } = genesis;
  return config;
}

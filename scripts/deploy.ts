/**
 * `npm run deploy -- <contract> [options]`: deploys a contract with near-api-js to the local node,
 * testnet, mainnet or any RPC URL, optionally calling its init or migrate method in the same
 * transaction (a failing call reverts the deploy: nothing changes). Usage: `USAGE` below; the config
 * format: lib/deploy-config.ts; where keys are read: lib/credentials.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Account, actions, baseEncode, type Provider } from 'near-api-js';
import { connectNetwork, declaredNetwork, type ConnectedNetwork } from './lib/networks.js';
import { loadCredentials, type Credentials } from './lib/credentials.js';
import { loadDeployConfig, resolveArgs, TGAS, type ConfiguredCall, type DeployConfig } from './lib/deploy-config.js';

export const REPO = resolve(fileURLToPath(import.meta.url), '..', '..');
export const DEFAULT_CONFIG = resolve(REPO, 'scripts', 'deploy.config.json');
/** nearcore storage_amount_per_byte (parameters: 10^19 yoctoNEAR per byte). */
export const STORAGE_PRICE_PER_BYTE = 10n ** 19n;
const YOCTO_PER_NEAR = 10n ** 24n;
/** Test doubles, never for mainnet: a signer double would "sign" with keys anyone can derive. */
const TEST_ONLY_CONTRACTS = new Set(['mpc-signer-double']);
/** view_account's code_hash of an account without code: 32 zero bytes in base58. */
const NO_CODE_HASH = '11111111111111111111111111111111';

const USAGE = `usage: npm run deploy -- <contract> [options]

  <contract>             a name under "contracts" in the config, or build/<contract>.wasm
  --network <name>       local (default, ${'http://127.0.0.1:3030'}), testnet or mainnet
  --rpc-url <url>        another RPC endpoint (alone: the network is the chain the node reports)
  --account <id>         the account to deploy to and sign with (default: NEAR_ACCOUNT_ID)
  --wasm <file>          the Wasm to deploy (default: the config's "wasm", else build/<contract>.wasm)
  --config <file>        deploy config (default: scripts/deploy.config.json)
  --init                 call the config's init in the deploy transaction (first deploy)
  --migrate              call the config's migrate in the deploy transaction (upgrade)
  --dry-run              check everything and print the plan; send nothing
  --json                 print one JSON object with the result (the log goes to stderr)

keys: NEAR_ACCOUNT_ID + NEAR_PRIVATE_KEY, or ~/.near-credentials/<network>/<account>.json (near-cli, near-cli-rs)`;

export class DeployError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployError';
  }
}

export class DeployRefusedError extends DeployError {
  constructor(message: string) {
    super(message);
    this.name = 'DeployRefusedError';
  }
}

export class UsageError extends Error {
  constructor(message: string, usage = USAGE) {
    super(`${message}\n\n${usage}`);
    this.name = 'UsageError';
  }
}

/** `--help`: the usage on stdout, exit 0. */
export class HelpRequested extends Error {
  constructor(usage = USAGE) {
    super(usage);
    this.name = 'HelpRequested';
  }
}

export interface DeployOptions {
  contract: string;
  network?: string;
  rpcUrl?: string;
  accountId?: string;
  wasm?: string;
  config?: string;
  init?: boolean;
  migrate?: boolean;
  dryRun?: boolean;
  log?: (line: string) => void;
  /** Already-loaded signer (dev-deploy passes the key it just created). */
  credentials?: Credentials;
}

export interface DeployReport {
  network: string;
  chainId: string;
  rpcUrl: string;
  accountId: string;
  contract: string;
  wasm: string;
  codeSize: number;
  /** base58(sha256(code)), as view_account reports code_hash. */
  codeHash: string;
  previousCodeHash: string;
  call?: { method: string; args: Record<string, unknown>; gas: string; deposit: string };
  dryRun: boolean;
  transactionHash?: string;
  explorerUrl?: string;
}

export function codeHashOf(code: Uint8Array): string {
  return baseEncode(createHash('sha256').update(code).digest());
}

function formatNear(yocto: bigint): string {
  const whole = yocto / YOCTO_PER_NEAR;
  const fraction = ((yocto % YOCTO_PER_NEAR) * 10_000n) / YOCTO_PER_NEAR;
  return `${whole}.${fraction.toString().padStart(4, '0')}`;
}

function isTestOnly(contract: string, wasmPath: string): boolean {
  return TEST_ONLY_CONTRACTS.has(contract) || TEST_ONLY_CONTRACTS.has(basename(wasmPath, '.wasm'));
}

/**
 * Test doubles go only to a local node or testnet: refused by a `--network mainnet` before any request,
 * then by the node's chain id (anything but testnet or a development chain).
 */
function refuseTestDouble(contract: string, wasmPath: string, network: { name: string; chainId?: string; isLocalChain?: boolean }): void {
  if (!isTestOnly(contract, wasmPath)) return;
  const allowed = network.chainId === undefined ? network.name !== 'mainnet' : network.chainId === 'testnet' || network.isLocalChain === true;
  if (!allowed) {
    throw new DeployRefusedError(
      `${contract} is a test double of the MPC signer and is deployed only to the local node or testnet, never to chain ${network.chainId ?? network.name}; ` +
        'on mainnet, point the proxy at the real signer (v1.signer)',
    );
  }
}

/** The Wasm a deploy sends: --wasm, else the config's "wasm", else build/<contract>.wasm. */
export function resolveWasm(options: { contract: string; wasm?: string; config?: string }): { wasmPath: string; config?: DeployConfig } {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(options.contract)) throw new UsageError(`"${options.contract}" is not a contract name (lowercase letters, digits, - and _)`);
  const configPath = options.config ?? DEFAULT_CONFIG;
  const config = options.config !== undefined || existsSync(configPath) ? loadDeployConfig(configPath) : undefined;
  const wasmPath = resolve(options.wasm ?? config?.contracts[options.contract]?.wasm ?? resolve(REPO, 'build', `${options.contract}.wasm`));
  return { wasmPath, config };
}

export function readWasm(path: string): Uint8Array {
  if (!existsSync(path)) {
    const name = basename(path, '.wasm');
    throw new DeployError(`${path} does not exist: build it with \`npm run build -- ${name}\` or pass --wasm <file>`);
  }
  const code = readFileSync(path);
  // the Wasm binary magic and version 1 (WebAssembly core spec 5.5.16)
  if (code.length < 8 || code.readUInt32BE(0) !== 0x0061736d || code.readUInt32LE(4) !== 1) throw new DeployError(`${path} is not a Wasm module`);
  return code;
}

function chooseCall(options: DeployOptions, config: DeployConfig | undefined): ConfiguredCall | undefined {
  if (options.init && options.migrate) throw new UsageError('--init and --migrate exclude each other: init is for a first deploy, migrate for an upgrade');
  const which = options.init ? 'init' : options.migrate ? 'migrate' : undefined;
  if (!which) return undefined;
  const entry = config?.contracts[options.contract];
  const call = entry?.[which];
  if (!call) {
    const where = config ? config.path : 'the deploy config';
    throw new DeployError(`--${which}: ${where} has no contracts.${options.contract}.${which}; add one, e.g. "${which}": { "method": "${which}", "args": { … } }`);
  }
  return call;
}

async function accountState(provider: Provider, accountId: string, networkName: string): Promise<{ codeHash: string; amount: bigint; storageUsage: bigint }> {
  try {
    const view = (await provider.viewAccount({ accountId, blockQuery: { finality: 'optimistic' } })) as unknown as { code_hash: string; amount: string; storage_usage: number };
    return { codeHash: view.code_hash, amount: BigInt(view.amount), storageUsage: BigInt(view.storage_usage) };
  } catch (error) {
    if (/does not exist|UNKNOWN_ACCOUNT/i.test((error as Error).message)) {
      throw new DeployError(`account ${accountId} does not exist on ${networkName}: create it first (near-cli-rs: near account create-account …) or use \`npm run dev-deploy\``);
    }
    throw error;
  }
}

async function assertFullAccessKey(provider: Provider, credentials: Credentials, networkName: string): Promise<void> {
  const publicKey = credentials.keyPair.getPublicKey().toString();
  let permission: unknown;
  try {
    permission = (await provider.viewAccessKey({ accountId: credentials.accountId, publicKey, finalityQuery: { finality: 'optimistic' } })).permission;
  } catch {
    throw new DeployError(`${publicKey} (from ${credentials.source}) is not an access key of ${credentials.accountId} on ${networkName}: use the account's own key`);
  }
  if (permission !== 'FullAccess') {
    throw new DeployError(`${publicKey} (from ${credentials.source}) is a function-call key of ${credentials.accountId}; deploying needs a full-access key`);
  }
}

interface Outcome {
  transaction: { hash: string };
  status: { Failure?: unknown } | string;
  receipts_outcome: { outcome: { status: { Failure?: unknown } | string } }[];
}

/** The first failure of a transaction, in words: a panic's message, a storage shortfall with its remedy, else nearcore's JSON. */
function failureOf(outcome: Outcome, accountId: string): string | undefined {
  const statuses = [outcome.status, ...outcome.receipts_outcome.map((r) => r.outcome.status)];
  for (const status of statuses) {
    if (typeof status === 'object' && status && 'Failure' in status) {
      const failure = status.Failure as { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string }; LackBalanceForState?: { amount: string } } } };
      const kind = failure.ActionError?.kind;
      if (kind?.FunctionCallError?.ExecutionError) return kind.FunctionCallError.ExecutionError;
      // nearcore ActionErrorKind::LackBalanceForState: the account cannot pay storage for its new size
      if (kind?.LackBalanceForState) return `${accountId} lacks ${formatNear(BigInt(kind.LackBalanceForState.amount))} NEAR to store the code: transfer at least that much to it`;
      return JSON.stringify(status.Failure);
    }
  }
  return undefined;
}

export async function deploy(options: DeployOptions): Promise<DeployReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { wasmPath, config } = resolveWasm(options);
  // before any I/O: a named mainnet deploy of a double stops here
  refuseTestDouble(options.contract, wasmPath, { name: declaredNetwork(options)?.name ?? '' });
  const call = chooseCall(options, config);
  const code = readWasm(wasmPath);

  const network: ConnectedNetwork = await connectNetwork(options);
  refuseTestDouble(options.contract, wasmPath, network);
  const credentials = options.credentials ?? (await loadCredentials(network, options.accountId, network.provider));
  const accountId = credentials.accountId;
  const where = `contracts.${options.contract}.${options.init ? 'init' : 'migrate'}.args`;
  const args = call ? resolveArgs(call.args, accountId, config ? `${config.path}: ${where}` : where) : undefined;

  const before = await accountState(network.provider, accountId, network.name);
  await assertFullAccessKey(network.provider, credentials, network.name);
  if (before.codeHash === NO_CODE_HASH) {
    // a first deploy adds the whole code to the account's storage (a redeploy's old size is unknown here; the node decides)
    const needed = (before.storageUsage + BigInt(code.length)) * STORAGE_PRICE_PER_BYTE;
    if (before.amount < needed) {
      throw new DeployError(`${accountId} has ${formatNear(before.amount)} NEAR; storing ${code.length} bytes of code needs at least ${formatNear(needed)} NEAR: transfer ${formatNear(needed - before.amount)} NEAR or more to it first`);
    }
  }
  const report: DeployReport = {
    network: network.name,
    chainId: network.chainId,
    rpcUrl: network.rpcUrl,
    accountId,
    contract: options.contract,
    wasm: wasmPath,
    codeSize: code.length,
    codeHash: codeHashOf(code),
    previousCodeHash: before.codeHash,
    call: call && args ? { method: call.method, args, gas: call.gas.toString(), deposit: call.deposit.toString() } : undefined,
    dryRun: Boolean(options.dryRun),
  };

  log(`deploy ${options.contract} to ${accountId} on ${network.name} (${network.rpcUrl}, chain ${network.chainId})`);
  log(`  wasm     ${relative(process.cwd(), wasmPath) || wasmPath}: ${code.length} bytes, code hash ${report.codeHash}`);
  log(`  signer   ${credentials.keyPair.getPublicKey().toString()} from ${credentials.source}`);
  log(`  now      ${before.codeHash === NO_CODE_HASH ? 'no contract' : before.codeHash === report.codeHash ? 'the same code (redeploy)' : `code hash ${before.codeHash}`}; balance ${formatNear(before.amount)} NEAR`);
  if (report.call) log(`  call     ${report.call.method}(${JSON.stringify(report.call.args)}) with ${BigInt(report.call.gas) / TGAS} Tgas, deposit ${report.call.deposit} yoctoNEAR, in the same transaction`);
  log(`  storage  the code alone locks ${formatNear(BigInt(code.length) * STORAGE_PRICE_PER_BYTE)} NEAR of the balance`);
  if (options.dryRun) {
    log('dry run: nothing sent');
    return report;
  }

  const account = new Account(accountId, network.provider, credentials.keyPair.toString());
  const outcome = (await account.signAndSendTransaction({
    receiverId: accountId,
    actions: [
      actions.deployContract(code),
      ...(call && args ? [actions.functionCall(call.method, args, call.gas, call.deposit)] : []),
    ],
    waitUntil: 'FINAL',
    throwOnFailure: false,
  })) as unknown as Outcome;
  report.transactionHash = outcome.transaction.hash;
  report.explorerUrl = network.explorerTransactionUrl?.(outcome.transaction.hash);
  const failure = failureOf(outcome, accountId);
  if (failure) {
    throw new DeployError(
      `transaction ${outcome.transaction.hash} failed: ${failure}\n` +
        `nothing changed: the deploy${call ? ` and ${call.method}` : ''} are one transaction${report.explorerUrl ? ` (${report.explorerUrl})` : ''}`,
    );
  }
  const after = await accountState(network.provider, accountId, network.name);
  if (after.codeHash !== report.codeHash) throw new DeployError(`transaction ${outcome.transaction.hash} succeeded but ${accountId} reports code hash ${after.codeHash}, not ${report.codeHash}`);
  log(`deployed: transaction ${outcome.transaction.hash}`);
  log(report.explorerUrl ? `  explorer ${report.explorerUrl}` : `  (local node: no explorer; RPC \`tx\` with ${outcome.transaction.hash} and ${accountId} shows it)`);
  return report;
}

/**
 * The command line both deploy commands take: `<contract> [--flags]`. Unknown flags, a missing or second
 * contract name are usage errors (exit 2) that print `usage`; `--help` prints it and exits 0.
 */
export function parseContractCommand<const T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: T, usage: string, missing: string) {
  type Values = { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean } & { json?: boolean; help?: boolean };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean' } } });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
  const values = parsed.values as Values;
  const { positionals } = parsed;
  if (values.help) throw new HelpRequested(usage);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `one contract at a time, got ${positionals.join(' ')}` : missing, usage);
  return { contract: positionals[0]!, values, json: Boolean(values.json) };
}

export function parseDeployArgs(argv: string[]): DeployOptions & { json: boolean } {
  const { contract, values, json } = parseContractCommand(
    argv,
    {
      network: { type: 'string' },
      'rpc-url': { type: 'string' },
      account: { type: 'string' },
      wasm: { type: 'string' },
      config: { type: 'string' },
      init: { type: 'boolean' },
      migrate: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
    USAGE,
    'name the contract to deploy',
  );
  return {
    contract,
    network: values.network,
    rpcUrl: values['rpc-url'],
    accountId: values.account,
    wasm: values.wasm,
    config: values.config,
    init: values.init,
    migrate: values.migrate,
    dryRun: values['dry-run'],
    json,
  };
}

/** Runs a command's main: errors print as `<name>: message` and exit 1 (2 for usage). */
export async function runCli<T>(name: string, main: (json: (value: T) => void) => Promise<void>): Promise<void> {
  try {
    await main((value) => console.log(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))));
  } catch (error) {
    if (error instanceof HelpRequested) {
      console.log(error.message);
      return;
    }
    console.error(`${name}: ${(error as Error).message}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runCli<DeployReport>('deploy', async (printJson) => {
    const { json, ...options } = parseDeployArgs(process.argv.slice(2));
    const report = await deploy({ ...options, log: json ? (line) => console.error(line) : undefined });
    if (json) printJson(report);
  });
}

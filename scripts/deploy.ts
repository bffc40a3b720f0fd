/**
 * Deploys a contract from build/<name>.wasm to local, testnet, mainnet or any RPC URL.
 *
 *   npx tsx scripts/deploy.ts <contract> --network testnet --account usdx.alice.testnet \
 *     [--init '{"owner_id":"alice.testnet"}' | --init-file init.json] [--init-method init] \
 *     [--migrate] [--dry-run]
 *
 * Credentials: NEAR_ACCOUNT_ID / NEAR_PRIVATE_KEY, or ~/.near-credentials/<network>/<account>.json.
 * `--migrate` deploys and calls `migrate` in the same transaction (a failing migration reverts
 * the deploy). The MPC signer double is refused anywhere but a local node and testnet.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Account, JsonRpcProvider, actions, type KeyPairString } from 'near-api-js';
import { resolveNetwork, type Network } from './lib/networks.js';
import { loadCredentials } from './lib/credentials.js';

const TGAS = 1_000_000_000_000n;
const STORAGE_PRICE_PER_BYTE = 10n ** 19n;
const TEST_ONLY_CONTRACTS = new Set(['mpc-signer-double']);

export interface DeployOptions {
  contract: string;
  network: string;
  accountId?: string;
  privateKey?: KeyPairString;
  wasmPath?: string;
  initMethod?: string;
  initArgs?: Record<string, unknown>;
  migrate?: boolean;
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface DeployPlan {
  network: string;
  rpcUrl: string;
  accountId: string;
  contract: string;
  codeSize: number;
  codeSha256: string;
  storageStakeYocto: bigint;
  calls: { method: string; args: Record<string, unknown> }[];
}

export interface DeployResult extends DeployPlan {
  transactionHash?: string;
  explorerUrl?: string;
}

export class DeployRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployRefusedError';
  }
}

async function assertTestContractAllowed(contract: string, network: Network, provider: JsonRpcProvider): Promise<void> {
  if (!TEST_ONLY_CONTRACTS.has(contract)) return;
  if (!network.allowsTestContracts) throw new DeployRefusedError(`${contract} is a test double and is never deployed to ${network.name}`);
  const status = (await provider.viewNodeStatus()) as { chain_id: string };
  if (status.chain_id === 'mainnet') throw new DeployRefusedError(`${contract} is a test double; ${network.rpcUrl} is a mainnet node`);
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const log = options.log ?? console.log;
  const network = resolveNetwork(options.network);
  const provider = new JsonRpcProvider({ url: network.rpcUrl });
  await assertTestContractAllowed(options.contract, network, provider);
  const wasmPath = options.wasmPath ?? `build/${options.contract}.wasm`;
  if (!existsSync(wasmPath)) throw new Error(`${wasmPath} does not exist: run npm run build -- ${options.contract}`);
  const code = readFileSync(wasmPath);
  const credentials = options.privateKey && options.accountId
    ? { accountId: options.accountId, privateKey: options.privateKey }
    : loadCredentials(network.credentialsName, options.accountId);
  const calls: DeployPlan['calls'] = [];
  if (options.initArgs) calls.push({ method: options.initMethod ?? 'init', args: options.initArgs });
  if (options.migrate) calls.push({ method: 'migrate', args: {} });
  const plan: DeployPlan = {
    network: network.name,
    rpcUrl: network.rpcUrl,
    accountId: credentials.accountId,
    contract: options.contract,
    codeSize: code.length,
    codeSha256: createHash('sha256').update(code).digest('hex'),
    storageStakeYocto: BigInt(code.length) * STORAGE_PRICE_PER_BYTE,
    calls,
  };
  log(`deploy ${plan.contract} (${plan.codeSize} bytes, sha256 ${plan.codeSha256.slice(0, 16)}…) to ${plan.accountId} on ${plan.network}`);
  log(`  storage stake for the code: ${Number(plan.storageStakeYocto / 10n ** 20n) / 10_000} NEAR`);
  for (const call of calls) log(`  then ${call.method}(${JSON.stringify(call.args)})`);
  if (options.dryRun) {
    log('  dry run: nothing sent');
    return plan;
  }
  const account = new Account(credentials.accountId, provider, credentials.privateKey);
  const outcome = (await account.signAndSendTransaction({
    receiverId: credentials.accountId,
    actions: [
      actions.deployContract(code),
      ...calls.map((call) => actions.functionCall(call.method, call.args, 250n * TGAS / BigInt(Math.max(1, calls.length)), 0n)),
    ],
    throwOnFailure: true,
  })) as unknown as { transaction: { hash: string } };
  const result: DeployResult = { ...plan, transactionHash: outcome.transaction.hash, explorerUrl: network.explorerTx?.(outcome.transaction.hash) };
  log(`  done: ${result.transactionHash}${result.explorerUrl ? `\n  ${result.explorerUrl}` : ''}`);
  return result;
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const contract = process.argv[2];
  if (!contract || contract.startsWith('--')) {
    console.error('usage: deploy <contract> --network local|testnet|mainnet|<rpc url> --account <id> [--init JSON | --init-file FILE] [--init-method init] [--migrate] [--dry-run]');
    process.exit(2);
  }
  const initFile = flag('init-file');
  const initJson = flag('init') ?? (initFile ? readFileSync(initFile, 'utf8') : undefined);
  try {
    await deploy({
      contract,
      network: flag('network') ?? 'local',
      accountId: flag('account'),
      initMethod: flag('init-method'),
      initArgs: initJson ? JSON.parse(initJson) : undefined,
      migrate: process.argv.includes('--migrate'),
      dryRun: process.argv.includes('--dry-run'),
    });
  } catch (error) {
    console.error(`deploy: ${(error as Error).message}`);
    process.exit(1);
  }
}

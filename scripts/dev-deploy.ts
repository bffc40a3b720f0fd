/**
 * `npm run dev-deploy -- <contract> [options]`: deploys a contract to a throwaway dev account and
 * records it where frontends look, as near-cli's `dev-deploy` did (near-cli commands/dev-deploy.js):
 *
 *   neardev/dev-account       the account id (no newline)
 *   neardev/dev-account.env   CONTRACT_NAME=<account id> (no newline; read by env-cmd and dotenv)
 *
 * Like near-cli, a later run redeploys to the recorded account while its key is in the credentials
 * folder and the account exists on the chain; `--force` creates a new one.
 *
 * Where the account comes from:
 *   - with a funded master account (`--master`, default test.near on the local node, as near-cli's local
 *     config): dev-<ms>.<master>, created and funded by the master (near-cli's masterAccount path);
 *   - on testnet without --master: dev-<ms>-<14 digits>.testnet from the faucet (near-cli-rs
 *     `sponsor-by-faucet-service`; top-level names on testnet are sub-accounts of the `testnet` registrar).
 * Mainnet has no dev accounts (near-cli refused it too). The new key is saved to
 * ~/.near-credentials/<network>/ before the account is created, so a lost answer never loses the key.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Account, KeyPair } from 'near-api-js';
import { connectNetwork, declaredNetwork, type ConnectedNetwork } from './lib/networks.js';
import { CredentialsError, loadCredentials, saveCredentials, type Credentials } from './lib/credentials.js';
import { deploy, DeployError, DeployRefusedError, parseContractCommand, readWasm, REPO, resolveWasm, runCli, STORAGE_PRICE_PER_BYTE, UsageError, type DeployReport } from './deploy.js';

export const DEFAULT_RECORDS_DIR = resolve(REPO, 'neardev');
const YOCTO_PER_NEAR = 10n ** 24n;
/** Balance beyond the code's storage: contract state, gas for the deploy and a few calls. */
const DEV_ACCOUNT_MARGIN = 2n * YOCTO_PER_NEAR;

const USAGE = `usage: npm run dev-deploy -- <contract> [options]

  --network <name>          local (default) or testnet
  --rpc-url <url>           another RPC endpoint
  --master <id>             funded account that creates dev-<ms>.<id> (default on the local node: test.near;
                            on testnet without it the faucet creates dev-<ms>-<n>.testnet)
  --initial-balance <NEAR>  NEAR the master gives the dev account (default: the code's storage + 2 NEAR)
  --force                   create a new dev account even if neardev/dev-account names a usable one
  --init                    call the config's init in the deploy transaction
  --wasm <file>, --config <file>   as for deploy
  --records <dir>           where dev-account and dev-account.env go (default: neardev/)
  --json                    print one JSON object with the result`;

export interface DevDeployOptions {
  contract: string;
  network?: string;
  rpcUrl?: string;
  masterAccountId?: string;
  initialBalance?: bigint;
  force?: boolean;
  init?: boolean;
  /**
   * Call the config's init when the dev account is new and its migrate when it is reused, each only if the
   * config names one (`npm run build -- --watch --deploy`).
   */
  initOrMigrate?: boolean;
  wasm?: string;
  config?: string;
  recordsDir?: string;
  log?: (line: string) => void;
}

export interface DevDeployReport extends DeployReport {
  devAccountId: string;
  created: boolean;
  recordFiles: string[];
}

function parseNear(value: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,24}))?$/.exec(value);
  if (!match) throw new UsageError(`--initial-balance "${value}" is not an amount of NEAR, e.g. 10 or 7.5`, USAGE);
  return BigInt(match[1]!) * YOCTO_PER_NEAR + BigInt((match[2] ?? '').padEnd(24, '0'));
}

/** The account neardev/ names, when its key is at hand and it still exists on this chain. */
async function recordedAccount(dir: string, network: ConnectedNetwork, log: (line: string) => void): Promise<Credentials | undefined> {
  const file = join(dir, 'dev-account');
  if (!existsSync(file) || !existsSync(join(dir, 'dev-account.env'))) return undefined;
  const accountId = readFileSync(file, 'utf8').trim();
  if (!accountId) return undefined;
  let credentials: Credentials;
  try {
    credentials = await loadCredentials(network, accountId, network.provider);
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error;
    log(`${file} names ${accountId}, but its key is not in the credentials folder: creating a new dev account`);
    return undefined;
  }
  try {
    await network.provider.viewAccessKey({ accountId, publicKey: credentials.keyPair.getPublicKey(), finalityQuery: { finality: 'optimistic' } });
  } catch {
    log(`${file} names ${accountId}, which ${network.name} does not know with that key (a new chain?): creating a new dev account`);
    return undefined;
  }
  return credentials;
}

async function createWithFaucet(network: ConnectedNetwork, accountId: string, keyPair: KeyPair): Promise<void> {
  const response = await fetch(network.faucetUrl!, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ newAccountId: accountId, newAccountPublicKey: keyPair.getPublicKey().toString() }),
  });
  if (!response.ok) {
    throw new DeployError(`the ${network.name} faucet (${network.faucetUrl}) refused ${accountId}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}; pass --master <funded account> instead`);
  }
}

export async function devDeploy(options: DevDeployOptions): Promise<DevDeployReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (declaredNetwork(options)?.name === 'mainnet') {
    throw new DeployRefusedError('mainnet has no dev accounts: deploy to an account you own with `npm run deploy -- <contract> --network mainnet --account <id>`');
  }
  // the Wasm is read before any account is created, so a missing build costs nothing
  const wasmSize = readWasm(resolveWasm(options).wasmPath).length;
  const network = await connectNetwork(options);
  if (network.name === 'mainnet') throw new DeployRefusedError(`${network.rpcUrl} is a mainnet node, and mainnet has no dev accounts: use \`npm run deploy\``);
  const dir = resolve(options.recordsDir ?? DEFAULT_RECORDS_DIR);

  let credentials = options.force ? undefined : await recordedAccount(dir, network, log);
  const created = credentials === undefined;
  if (credentials) {
    log(`reusing ${credentials.accountId} from ${join(dir, 'dev-account')} (--force for a new one)`);
  } else {
    const keyPair = KeyPair.fromRandom('ed25519');
    const masterId = options.masterAccountId ?? (network.name === 'local' ? 'test.near' : undefined);
    let accountId: string;
    let keyFile: string;
    if (masterId) {
      const master = await loadCredentials(network, masterId, network.provider);
      accountId = `dev-${Date.now()}.${masterId}`;
      const balance = options.initialBalance ?? BigInt(wasmSize) * STORAGE_PRICE_PER_BYTE + DEV_ACCOUNT_MARGIN;
      keyFile = saveCredentials(network, accountId, keyPair);
      const outcome = (await new Account(masterId, network.provider, master.keyPair.toString()).createAccount({
        newAccountId: accountId,
        publicKey: keyPair.getPublicKey(),
        nearToTransfer: balance,
      })) as unknown as { status: { Failure?: unknown } | string };
      if (typeof outcome.status === 'object' && outcome.status && 'Failure' in outcome.status) {
        throw new DeployError(`${masterId} could not create ${accountId}: ${JSON.stringify(outcome.status.Failure)}`);
      }
      log(`created ${accountId} with ${Number((balance * 10_000n) / YOCTO_PER_NEAR) / 10_000} NEAR from ${masterId}`);
    } else if (network.faucetUrl) {
      // near-cli's random part: at least 14 digits
      const random = Math.floor(Math.random() * (99999999999999 - 10000000000000) + 10000000000000);
      accountId = `dev-${Date.now()}-${random}.${network.faucetParentAccount}`;
      keyFile = saveCredentials(network, accountId, keyPair);
      await createWithFaucet(network, accountId, keyPair);
      log(`created ${accountId} through the ${network.name} faucet`);
    } else {
      throw new UsageError(`${network.name} has no faucet: pass --master <funded account> to create the dev account from`, USAGE);
    }
    credentials = { accountId, keyPair, source: keyFile };
    mkdirSync(dir, { recursive: true });
    // near-cli writes both files right after creating the account, without a trailing newline
    writeFileSync(join(dir, 'dev-account'), accountId);
    writeFileSync(join(dir, 'dev-account.env'), `CONTRACT_NAME=${accountId}`);
    log(`recorded in ${join(dir, 'dev-account')} and ${join(dir, 'dev-account.env')}`);
  }

  const configured = options.initOrMigrate ? resolveWasm(options).config?.contracts[options.contract] : undefined;
  const report = await deploy({
    contract: options.contract,
    network: options.network,
    rpcUrl: network.rpcUrl,
    wasm: options.wasm,
    config: options.config,
    init: options.init || (created && configured?.init !== undefined),
    migrate: !created && configured?.migrate !== undefined,
    credentials,
    log,
  });
  return { ...report, devAccountId: credentials.accountId, created, recordFiles: [join(dir, 'dev-account'), join(dir, 'dev-account.env')] };
}

export function parseDevDeployArgs(argv: string[]): DevDeployOptions & { json: boolean } {
  const { contract, values, json } = parseContractCommand(
    argv,
    {
      network: { type: 'string' },
      'rpc-url': { type: 'string' },
      master: { type: 'string' },
      'initial-balance': { type: 'string' },
      force: { type: 'boolean' },
      init: { type: 'boolean' },
      wasm: { type: 'string' },
      config: { type: 'string' },
      records: { type: 'string' },
    },
    USAGE,
    'name one contract to deploy',
  );
  return {
    contract,
    network: values.network,
    rpcUrl: values['rpc-url'],
    masterAccountId: values.master,
    initialBalance: values['initial-balance'] === undefined ? undefined : parseNear(values['initial-balance']),
    force: values.force,
    init: values.init,
    wasm: values.wasm,
    config: values.config,
    recordsDir: values.records,
    json,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runCli<DevDeployReport>('dev-deploy', async (printJson) => {
    const { json, ...options } = parseDevDeployArgs(process.argv.slice(2));
    const report = await devDeploy({ ...options, log: json ? (line) => console.error(line) : undefined });
    if (json) printJson(report);
  });
}

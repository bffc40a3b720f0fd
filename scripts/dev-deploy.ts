/**
 * Creates a fresh dev account under a master account, deploys a contract to it and records it
 * where frontends look (near-cli convention): neardev/dev-account (the account id) and
 * neardev/dev-account.env (CONTRACT_NAME=<id>). The new key is saved to
 * ~/.near-credentials/<network>/<id>.json.
 *
 *   npx tsx scripts/dev-deploy.ts <contract> --network local --master test.near [--init JSON]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Account, JsonRpcProvider, KeyPair, type KeyPairString } from 'near-api-js';
import { resolveNetwork } from './lib/networks.js';
import { loadCredentials, saveCredentials } from './lib/credentials.js';
import { deploy, type DeployResult } from './deploy.js';

export interface DevDeployOptions {
  contract: string;
  network: string;
  masterAccountId?: string;
  masterPrivateKey?: KeyPairString;
  initArgs?: Record<string, unknown>;
  initialBalance?: bigint;
  /** Folder for dev-account records (default: neardev/). */
  recordDir?: string;
  log?: (line: string) => void;
}

export async function devDeploy(options: DevDeployOptions): Promise<DeployResult & { devAccountId: string }> {
  const log = options.log ?? console.log;
  const network = resolveNetwork(options.network);
  const master = options.masterPrivateKey && options.masterAccountId
    ? { accountId: options.masterAccountId, privateKey: options.masterPrivateKey }
    : loadCredentials(network.credentialsName, options.masterAccountId);
  const provider = new JsonRpcProvider({ url: network.rpcUrl });
  const masterAccount = new Account(master.accountId, provider, master.privateKey);
  const status = (await provider.viewBlock({ finality: 'final' })) as { header: { height: number } };
  const devAccountId = `dev-${status.header.height}-${Math.floor(Math.random() * 1e6)}.${master.accountId}`;
  const key = KeyPair.fromRandom('ed25519');
  await masterAccount.createAccount({
    newAccountId: devAccountId,
    publicKey: key.getPublicKey(),
    nearToTransfer: options.initialBalance ?? 10n * 10n ** 24n,
  });
  saveCredentials(network.credentialsName, devAccountId, key.getPublicKey().toString(), key.toString());
  log(`created ${devAccountId}`);
  const result = await deploy({
    contract: options.contract,
    network: options.network,
    accountId: devAccountId,
    privateKey: key.toString() as KeyPairString,
    initArgs: options.initArgs,
    log,
  });
  const dir = options.recordDir ?? 'neardev';
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dev-account'), devAccountId);
  writeFileSync(join(dir, 'dev-account.env'), `CONTRACT_NAME=${devAccountId}\n`);
  log(`recorded in ${join(dir, 'dev-account')} and ${join(dir, 'dev-account.env')}`);
  return { ...result, devAccountId };
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const contract = process.argv[2];
  if (!contract || contract.startsWith('--')) {
    console.error('usage: dev-deploy <contract> --network local|testnet|<rpc url> --master <account> [--init JSON]');
    process.exit(2);
  }
  try {
    await devDeploy({ contract, network: flag('network') ?? 'local', masterAccountId: flag('master'), initArgs: flag('init') ? JSON.parse(flag('init')!) : undefined });
  } catch (error) {
    console.error(`dev-deploy: ${(error as Error).message}`);
    process.exit(1);
  }
}

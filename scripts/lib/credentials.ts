/**
 * Signing keys where NEAR's command-line tools keep them, or from the environment.
 *
 * Layouts read (first match wins):
 *   1. NEAR_ACCOUNT_ID and NEAR_PRIVATE_KEY together, for that account only;
 *   2. <home>/.near-credentials/<network>/<account>.json: near-cli's UnencryptedFileSystemKeyStore
 *      and near-cli-rs' legacy keychain, {"account_id","public_key","private_key"} (near-api-js also
 *      accepts "secret_key" for "private_key");
 *   3. <home>/.near-credentials/<network>/<account>/<ed25519_…>.json: near-cli-rs' per-key files
 *      (src/common.rs save_access_key_to_legacy_keychain names them by the public key with ':' -> '_';
 *      sign_with_legacy_keychain picks the one matching a full-access key of the account on chain);
 *   4. for the local node only, the key store `npm run sandbox` writes: .near-sandbox/credentials/sandbox/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyPair, type KeyPairString, type Provider } from 'near-api-js';
import type { Network } from './networks.js';

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

export interface Credentials {
  accountId: string;
  keyPair: KeyPair;
  /** Where the key came from: a file path or "NEAR_PRIVATE_KEY". */
  source: string;
}

export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsError';
  }
}

/** ~/.near-credentials, following HOME like near-cli and near-cli-rs (dirs::home_dir). */
export function credentialsHome(): string {
  return join(homedir(), '.near-credentials');
}

function parseKey(value: unknown, where: string): KeyPair {
  if (typeof value !== 'string') throw new CredentialsError(`${where} has no "private_key" string`);
  try {
    return KeyPair.fromString(value as KeyPairString);
  } catch (error) {
    throw new CredentialsError(`${where} does not hold a NEAR private key (expected ed25519:<base58>): ${(error as Error).message}`);
  }
}

function readKeyFile(path: string): KeyPair {
  let json: { private_key?: unknown; secret_key?: unknown };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CredentialsError(`${path} is not a JSON key file: ${(error as Error).message}`);
  }
  return parseKey(json.private_key ?? json.secret_key, path);
}

function searchDirs(network: Network): string[] {
  const dirs = [join(credentialsHome(), network.credentialsNetwork)];
  if (network.name === 'local') dirs.push(join(REPO, '.near-sandbox', 'credentials', 'sandbox'));
  return dirs;
}

/** Full-access public keys of an account on chain; empty when the account does not exist. */
async function fullAccessKeys(provider: Provider, accountId: string): Promise<Set<string>> {
  try {
    const list = await provider.viewAccessKeyList({ accountId, finalityQuery: { finality: 'final' } });
    return new Set(list.keys.filter((k) => k.access_key.permission === 'FullAccess').map((k) => k.public_key));
  } catch {
    return new Set();
  }
}

/** NEAR_ACCOUNT_ID + NEAR_PRIVATE_KEY, used for that account only (a CI secret never signs for another one). */
function fromEnvironment(accountId: string | undefined): Credentials | undefined {
  const privateKey = process.env.NEAR_PRIVATE_KEY;
  if (!privateKey) return undefined;
  const envAccount = process.env.NEAR_ACCOUNT_ID;
  if (!envAccount) throw new CredentialsError('NEAR_PRIVATE_KEY is set without NEAR_ACCOUNT_ID: set NEAR_ACCOUNT_ID to the account the key signs for');
  if (accountId && envAccount !== accountId) return undefined;
  return { accountId: envAccount, keyPair: parseKey(privateKey, 'NEAR_PRIVATE_KEY'), source: 'NEAR_PRIVATE_KEY' };
}

/**
 * The key to sign for `accountId` on `network`. With a provider, near-cli-rs' per-key files are
 * matched against the account's full-access keys on chain; without one, the first such file is used.
 */
export async function loadCredentials(network: Network, accountId: string | undefined, provider?: Provider): Promise<Credentials> {
  const env = fromEnvironment(accountId);
  if (env) return env;
  const id = accountId ?? process.env.NEAR_ACCOUNT_ID;
  if (!id) throw new CredentialsError('no account given: pass --account <id> (or set NEAR_ACCOUNT_ID and NEAR_PRIVATE_KEY)');
  const looked: string[] = [];
  for (const dir of searchDirs(network)) {
    const file = join(dir, `${id}.json`);
    looked.push(file);
    if (existsSync(file)) return { accountId: id, keyPair: readKeyFile(file), source: file };
    const keyDir = join(dir, id);
    looked.push(`${keyDir}/ed25519_*.json`);
    if (!existsSync(keyDir)) continue;
    const files = readdirSync(keyDir).filter((f) => f.endsWith('.json')).sort();
    const onChain = provider && files.length > 1 ? await fullAccessKeys(provider, id) : undefined;
    for (const f of files) {
      const keyPair = readKeyFile(join(keyDir, f));
      if (!onChain || onChain.has(keyPair.getPublicKey().toString())) return { accountId: id, keyPair, source: join(keyDir, f) };
    }
  }
  throw new CredentialsError(
    [
      `no key for ${id} on ${network.name}. Looked for:`,
      ...looked.map((p) => `  ${p}`),
      '  NEAR_PRIVATE_KEY (with NEAR_ACCOUNT_ID) in the environment',
      'Add one of them, e.g.:',
      `  near account import-account using-private-key <ed25519:…> network-config ${network.credentialsNetwork}   (near-cli-rs)`,
      `  NEAR_ACCOUNT_ID=${id} NEAR_PRIVATE_KEY=ed25519:… npm run deploy -- …`,
    ].join('\n'),
  );
}

/**
 * Saves a new key the way both tools read it: <network>/<account>.json (near-cli, near-cli-rs) and
 * <network>/<account>/<ed25519_…>.json (near-cli-rs). Files are owner-only (0600), as near-cli writes them.
 */
export function saveCredentials(network: Network, accountId: string, keyPair: KeyPair): string {
  const dir = join(credentialsHome(), network.credentialsNetwork);
  const publicKey = keyPair.getPublicKey().toString();
  const content = JSON.stringify({ account_id: accountId, public_key: publicKey, private_key: keyPair.toString() });
  mkdirSync(join(dir, accountId), { recursive: true, mode: 0o700 });
  const file = join(dir, `${accountId}.json`);
  writeFileSync(file, content, { mode: 0o600 });
  writeFileSync(join(dir, accountId, `${publicKey.replace(':', '_')}.json`), content, { mode: 0o600 });
  return file;
}

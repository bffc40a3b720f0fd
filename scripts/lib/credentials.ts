import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KeyPairString } from 'near-api-js';

/**
 * Credentials in the near-cli / near-cli-rs convention: ~/.near-credentials/<network>/<account>.json
 * holding {"account_id","public_key","private_key"}; or NEAR_ACCOUNT_ID and NEAR_PRIVATE_KEY from
 * the environment, which win.
 */
export function credentialsDir(network: string, home = process.env.NEAR_CREDENTIALS_HOME ?? join(homedir(), '.near-credentials')): string {
  return join(home, network);
}

export function loadCredentials(network: string, accountId?: string): { accountId: string; privateKey: KeyPairString } {
  if (process.env.NEAR_PRIVATE_KEY && (process.env.NEAR_ACCOUNT_ID || accountId)) {
    return { accountId: accountId ?? process.env.NEAR_ACCOUNT_ID!, privateKey: process.env.NEAR_PRIVATE_KEY as KeyPairString };
  }
  if (!accountId) throw new Error('No account: pass --account <id> or set NEAR_ACCOUNT_ID and NEAR_PRIVATE_KEY');
  const file = join(credentialsDir(network), `${accountId}.json`);
  if (!existsSync(file)) {
    throw new Error(`No key for ${accountId}: expected ${file} (near-cli convention) or NEAR_PRIVATE_KEY in the environment`);
  }
  const json = JSON.parse(readFileSync(file, 'utf8')) as { private_key?: string; secret_key?: string };
  const privateKey = json.private_key ?? json.secret_key;
  if (!privateKey) throw new Error(`${file} has no private_key`);
  return { accountId, privateKey: privateKey as KeyPairString };
}

export function saveCredentials(network: string, accountId: string, publicKey: string, privateKey: string): string {
  const dir = credentialsDir(network);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${accountId}.json`);
  writeFileSync(file, JSON.stringify({ account_id: accountId, public_key: publicKey, private_key: privateKey }, null, 2), { mode: 0o600 });
  return file;
}

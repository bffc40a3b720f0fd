/**
 * Key files as neard writes them (near-crypto `key_file.rs` `KeyFile`): pretty-printed
 * `{"account_id","public_key","secret_key"}`, mode 0600. `private_key` is accepted as an alias of
 * `secret_key` on read, as nearcore and near-workspaces (`getKeyFromFile`) do.
 */
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { KeyPair } from '../primitives/crypto.js';

export interface KeyFile {
  account_id: string;
  public_key: string;
  secret_key: string;
}

export class KeyFileError extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}. Recreate it with \`near-sandbox --home <dir> init\`.`);
    this.name = 'KeyFileError';
  }
}

export function keyFileFor(accountId: string, keyPair: KeyPair): KeyFile {
  return { account_id: accountId, public_key: keyPair.publicKeyString, secret_key: keyPair.secretKey };
}

export function writeKeyFile(path: string, file: KeyFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode under writeFileSync
}

export function readKeyFile(path: string): { accountId: string; keyPair: KeyPair } {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new KeyFileError(path, `cannot read key file (${(e as Error).message})`);
  }
  const secret = parsed.secret_key ?? parsed.private_key;
  if (typeof parsed.account_id !== 'string' || typeof secret !== 'string') {
    throw new KeyFileError(path, 'expected {"account_id": "...", "secret_key": "ed25519:..."}');
  }
  const keyPair = KeyPair.fromString(secret);
  if (typeof parsed.public_key === 'string' && parsed.public_key !== keyPair.publicKeyString) {
    throw new KeyFileError(path, `public_key ${parsed.public_key} does not belong to secret_key`);
  }
  return { accountId: parsed.account_id, keyPair };
}

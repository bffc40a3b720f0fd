/**
 * Key files as neard writes them (near-crypto `key_file.rs` `KeyFile`): pretty-printed
 * `{"account_id","public_key","secret_key"}`, mode 0600. `private_key` is accepted as an alias of
 * `secret_key` on read, as nearcore and near-workspaces (`getKeyFromFile`) do.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import base58 from 'bs58';

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

/** near-api-js `UnencryptedFileSystemKeyStore` / near-cli-rs credentials: the same file with `private_key`. */
export interface KeyStoreFile {
  account_id: string;
  public_key: string;
  private_key: string;
}

export function keyFileFor(accountId: string, keyPair: { publicKeyString: string; secretKey: string }): KeyFile {
  return { account_id: accountId, public_key: keyPair.publicKeyString, secret_key: keyPair.secretKey };
}

/** An ed25519 key in near-api-js / nearcore text form: `ed25519:<base58 pub>`, `ed25519:<base58 seed ‖ pub>`. */
export interface Ed25519KeyText {
  publicKeyString: string;
  secretKey: string;
}

/** PKCS#8 DER header of an ed25519 private key (RFC 8410); the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function keyTextFromSeed(seed: Uint8Array): Ed25519KeyText {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  return {
    publicKeyString: `ed25519:${base58.encode(publicKey)}`,
    secretKey: `ed25519:${base58.encode(Buffer.concat([seed, publicKey]))}`,
  };
}

/**
 * Key generation for `init` on node:crypto. `init` runs inside near-workspaces' start-up lock, and the
 * pure-JS signer spends most of a cold start building its tables; node:crypto gives the same keys natively.
 */
export function randomEd25519Key(): Ed25519KeyText {
  const { privateKey } = generateKeyPairSync('ed25519');
  return keyTextFromSeed(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
}

/** nearcore `SecretKey::from_seed(ED25519, seed)`: the seed text padded with spaces to 32 bytes. */
export function ed25519KeyFromSeed(seed: string): Ed25519KeyText {
  const bytes = Buffer.alloc(32, 0x20);
  Buffer.from(seed).copy(bytes, 0, 0, 32);
  return keyTextFromSeed(bytes);
}

export function writeKeyFile(path: string, file: KeyFile | KeyStoreFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode under writeFileSync
}

/** Reads and checks a key file; the key comes back in text form (`KeyPair.fromString(secretKey)` signs with it). */
export function readKeyFile(path: string): { accountId: string; key: Ed25519KeyText } {
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
  const [type, body] = secret.split(':');
  let seed: Uint8Array;
  try {
    seed = base58.decode(body ?? '');
  } catch {
    throw new KeyFileError(path, 'secret_key is not base58');
  }
  if (type !== 'ed25519' || (seed.length !== 64 && seed.length !== 32)) {
    throw new KeyFileError(path, 'secret_key must be an ed25519 key ("ed25519:<base58 of 64 bytes>")');
  }
  const key = keyTextFromSeed(seed.subarray(0, 32));
  if (typeof parsed.public_key === 'string' && parsed.public_key !== key.publicKeyString) {
    throw new KeyFileError(path, `public_key ${parsed.public_key} does not belong to secret_key`);
  }
  return { accountId: parsed.account_id, key };
}

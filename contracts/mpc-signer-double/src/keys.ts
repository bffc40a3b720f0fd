/**
 * Domains and root keys. The double has the two signing domains mainnet and testnet run
 * (near/mpc `crates/primitives/src/domain.rs`; `state` of `v1.signer`): 0 = secp256k1 (CaitSith
 * ECDSA), 1 = ed25519 (FROST EdDSA), both of purpose Sign. Key strings and derivation as
 * `api/keys.rs`: `secp256k1:` + base58 of x‖y, `ed25519:` + base58 of the 32-byte point; derived
 * key = root + tweak·G (secp256k1, big-endian tweak) or root + (tweak mod l)·B (ed25519,
 * little-endian).
 *
 * Storage: `k0` → {public_key, xy: hex}, `k1` → {public_key, point: [x, y] decimal}, decoded once
 * at init (base58 and the ed25519 square root cost gas in QuickJS).
 */
import { panic, require } from '../../lib/errors';
import { readJson, writeJson } from '../../lib/json-storage';
import { base58Decode, base58Encode } from './base58';
import { decodeEd25519Point, deriveEd25519, deriveSecp256k1 } from './derivation';
import { NO_SUCH_DOMAIN, TWEAK_NOT_ON_CURVE } from './errors';
import { bytesToHex, hexToBytes } from './request';

export const DOMAIN_SECP256K1 = 0;
export const DOMAIN_ED25519 = 1;

/** near/mpc `Curve` (JSON names) of each domain; `latest_key_version` answers per curve. */
export const CURVE_OF_DOMAIN: Record<number, 'Secp256k1' | 'Edwards25519'> = { [DOMAIN_SECP256K1]: 'Secp256k1', [DOMAIN_ED25519]: 'Edwards25519' };

interface Secp256k1Root {
  public_key: string;
  xy: string;
}

interface Ed25519Root {
  public_key: string;
  point: [string, string];
}

export function isSignDomain(domainId: number): boolean {
  return domainId === DOMAIN_SECP256K1 || domainId === DOMAIN_ED25519;
}

function decodeKey(key: unknown, prefix: string, length: number): Uint8Array {
  require(typeof key === 'string' && key.startsWith(prefix), `MpcSignerDouble: root key must start with ${prefix}`);
  const bytes = base58Decode(key.slice(prefix.length));
  require(bytes.length === length, `MpcSignerDouble: ${prefix} root key must be ${length} bytes`);
  return bytes;
}

export function storeRootKeys(secp256k1Root: unknown, ed25519Root: unknown): void {
  const xy = decodeKey(secp256k1Root, 'secp256k1:', 64);
  const point = decodeEd25519Point(decodeKey(ed25519Root, 'ed25519:', 32));
  writeJson('k0', { public_key: secp256k1Root, xy: bytesToHex(xy) } as Secp256k1Root);
  writeJson('k1', { public_key: ed25519Root, point: [point[0].toString(), point[1].toString()] } as Ed25519Root);
}

/** `public_key(domain_id)`: the domain's root key string, or "No such domain." */
export function rootPublicKey(domainId: number): string {
  if (!isSignDomain(domainId)) panic(NO_SUCH_DOMAIN);
  return readJson<{ public_key: string }>(`k${domainId}`)!.public_key;
}

/** The derived key's bytes: 64 (x‖y) for secp256k1, 32 for ed25519. */
export function derivedKeyBytes(domainId: number, tweak: number[] | Uint8Array): Uint8Array {
  if (domainId === DOMAIN_SECP256K1) {
    const derived = deriveSecp256k1(hexToBytes(readJson<Secp256k1Root>('k0')!.xy), tweak);
    if (derived === null) panic(TWEAK_NOT_ON_CURVE);
    return derived;
  }
  if (domainId === DOMAIN_ED25519) {
    const [x, y] = readJson<Ed25519Root>('k1')!.point;
    return deriveEd25519([BigInt(x), BigInt(y)], tweak);
  }
  panic(NO_SUCH_DOMAIN);
}

export function formatKey(domainId: number, bytes: Uint8Array): string {
  return `${domainId === DOMAIN_SECP256K1 ? 'secp256k1' : 'ed25519'}:${base58Encode(bytes)}`;
}

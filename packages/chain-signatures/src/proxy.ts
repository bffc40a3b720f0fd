/**
 * Requests through the chain-signatures proxy contract (contracts/chain-signatures-proxy): the
 * signer sees the proxy as predecessor and the path `<user>,<user path>`, so a user's foreign
 * addresses derive from (root key, proxy account, namespaced path). The user-path rule here is the
 * contract's own, so a client learns about a bad path before it pays for a transaction.
 */
import { deriveEd25519PublicKey, deriveSecp256k1PublicKey } from './derivation.js';
import { ethereumAddress } from './ethereum.js';
import { bitcoinP2wpkhAddress, type BitcoinNetwork } from './bitcoin.js';
import { solanaAddress } from './solana.js';

/** NEAR mainnet and testnet signer accounts (near/mpc crates/contract/README.md, "Live deployments"). */
export const SIGNER_ACCOUNTS = { mainnet: 'v1.signer', testnet: 'v1.signer-prod.testnet' } as const;

/** Signer domains on mainnet and testnet: 0 = secp256k1 ECDSA, 1 = ed25519 EdDSA. */
export const DOMAIN = { secp256k1: 0, ed25519: 1 } as const;

const MAX_USER_PATH = 128;

export class InvalidUserPathError extends Error {
  constructor(path: string, rule: string) {
    super(`Invalid derivation path ${JSON.stringify(path)}: ${rule}`);
    this.name = 'InvalidUserPathError';
  }
}

/** The path the signer derives from for `user` and their `path` (the proxy's `derivation_path` view). */
export function proxyDerivationPath(user: string, path: string): string {
  if (path.length > MAX_USER_PATH) throw new InvalidUserPathError(path, `at most ${MAX_USER_PATH} characters`);
  if (path.includes(',')) throw new InvalidUserPathError(path, 'the separator "," is reserved for the user namespace');
  if (!/^[\x21-\x7e]*$/.test(path)) throw new InvalidUserPathError(path, 'only printable ASCII without spaces');
  return `${user},${path}`;
}

/** Arguments of the proxy's `sign`: a 32-byte prehash for secp256k1, the message for ed25519. */
export function proxySignArgs(path: string, payload: Uint8Array, domain: 'secp256k1' | 'ed25519'): { path: string; payload_v2: { Ecdsa: string } | { Eddsa: string }; domain_id: number } {
  const hex = Buffer.from(payload).toString('hex');
  if (domain === 'secp256k1') {
    if (payload.length !== 32) throw new Error(`An ECDSA payload is a 32-byte prehash, got ${payload.length} bytes`);
    return { path, payload_v2: { Ecdsa: hex }, domain_id: DOMAIN.secp256k1 };
  }
  if (payload.length < 32 || payload.length > 1232) throw new Error(`An EdDSA payload is 32 to 1232 bytes, got ${payload.length}`);
  return { path, payload_v2: { Eddsa: hex }, domain_id: DOMAIN.ed25519 };
}

export interface ProxyUserAddresses {
  ethereum: string;
  bitcoin: string;
  solana: string;
}

/** A proxy user's Ethereum, Bitcoin (P2WPKH) and Solana addresses for one path. */
export function proxyUserAddresses(
  roots: { secp256k1: string; ed25519: string },
  proxyAccountId: string,
  user: string,
  path: string,
  bitcoinNetwork: BitcoinNetwork = 'testnet',
): ProxyUserAddresses {
  const signerPath = proxyDerivationPath(user, path);
  const secp = deriveSecp256k1PublicKey(roots.secp256k1, proxyAccountId, signerPath);
  return {
    ethereum: ethereumAddress(secp),
    bitcoin: bitcoinP2wpkhAddress(secp, bitcoinNetwork),
    solana: solanaAddress(deriveEd25519PublicKey(roots.ed25519, proxyAccountId, signerPath)),
  };
}

/**
 * Keys and signatures (nearcore `core/crypto/src/signature.rs`: `PublicKey`, `PublicKeyHandle`, `Signature`,
 * `KeyType`). ed25519 and secp256k1 as nearcore supports them, and ML-DSA-65 (FIPS 204, NEP-645, protocol
 * feature PostQuantumSignatures from PV 85): `ml-dsa-65:<base58 of the 1952-byte key>`, borsh tag 2, verified as
 * pure ML-DSA with an empty context (nearcore: aws-lc-rs `UnparsedPublicKey::new(&ML_DSA_65, pk).verify(data, sig)`;
 * here @noble/post-quantum). In state an ML-DSA-65 key is kept by its handle (`PublicKeyHandle::MlDsa65`, borsh tag
 * 3): SHA3-256(b"near:ml-dsa-65-pubkey-hash:v1" ‖ key), shown as `ml-dsa-65-hash:<base58>`.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import base58 from 'bs58';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { sha256 } from './hash.js';

// ed25519 runs on Node's OpenSSL binding (~40x faster than pure JS). Key objects are cached.
const ed25519KeyObjects = new Map<string, KeyObject>();
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
function ed25519PublicKeyObject(pub: Uint8Array): KeyObject {
  const k = b64url(pub);
  let obj = ed25519KeyObjects.get(k);
  if (!obj) {
    if (ed25519KeyObjects.size > 10_000) ed25519KeyObjects.clear();
    obj = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k }, format: 'jwk' });
    ed25519KeyObjects.set(k, obj);
  }
  return obj;
}

/** PKCS#8 DER header of an ed25519 private key (RFC 8410); the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The ed25519 public key of a 32-byte seed (RFC 8032 §5.1.5), on node:crypto: the pure-JS derivation
 * builds its precomputed tables on first use (~100 ms), which a node pays on every start.
 */
function ed25519PublicKeyOf(seed: Uint8Array): Uint8Array {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return new Uint8Array(Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url'));
}

/** nearcore `KeyType` discriminants: the borsh enum tag. */
export const KeyType = { ED25519: 0, SECP256K1: 1, MLDSA65: 2 } as const;
export type KeyType = (typeof KeyType)[keyof typeof KeyType];

/** nearcore `KeyType` Display (`ml-dsa-65` for MLDSA65); parsing lowercases first, as nearcore's `FromStr` does. */
const KEY_NAMES: Record<KeyType, string> = { 0: 'ed25519', 1: 'secp256k1', 2: 'ml-dsa-65' };
const KEY_LENGTHS: Record<KeyType, number> = { 0: 32, 1: 64, 2: 1952 };
const SIGNATURE_LENGTHS: Record<KeyType, number> = { 0: 64, 1: 65, 2: 3309 };
/** nearcore `ML_DSA_65_SECRET_KEY_LENGTH`: the FIPS 204 encoded private key (`ml-dsa-65:<base58>` secret keys). */
const ML_DSA_65_SECRET_KEY_LENGTH = 4032;

/** nearcore `HashDomainTag::MlDsa65PubkeyHash` (core/crypto/src/hash_domain.rs). */
const ML_DSA_65_HASH_DOMAIN = new TextEncoder().encode('near:ml-dsa-65-pubkey-hash:v1');
/** nearcore `ML_DSA_65_HASH_PREFIX`: how `view_access_key_list` shows an ML-DSA-65 key's handle. */
const ML_DSA_65_HASH_PREFIX = 'ml-dsa-65-hash:';
/** nearcore `KeyTag::MlDsa65Hash`: the borsh tag of an ML-DSA-65 handle in trie keys (never on the wire). */
const ML_DSA_65_HANDLE_TAG = 3;

export interface PublicKey {
  keyType: KeyType;
  data: Uint8Array;
  /**
   * An ML-DSA-65 key known only by its handle (`data` is the 32-byte SHA3-256 hash): what a remote node's
   * `view_access_key_list` gives (fork mode). It can be listed and looked up, never verify a signature.
   */
  handleOnly?: true;
}

export interface Signature {
  keyType: KeyType;
  data: Uint8Array;
}

export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

function keyTypeFromName(name: string): KeyType {
  const lower = name.toLowerCase();
  for (const [tag, n] of Object.entries(KEY_NAMES)) if (n === lower) return Number(tag) as KeyType;
  throw new InvalidKeyError(`unknown key type '${lower}': expected ed25519, secp256k1 or ml-dsa-65`);
}

/** Longest base58 text of `bytes` bytes (log(256)/log(58) < 1.366 characters a byte). */
const maxBase58Length = (bytes: number) => Math.ceil(bytes * 1.366) + 1;

/** `ed25519:<base58>` as nearcore's Display/serde renders keys. */
export function publicKeyToString(pk: PublicKey): string {
  if (pk.handleOnly) return publicKeyHandleToString(pk);
  let body = publicKeyBodies.get(pk.data);
  if (body === undefined) {
    body = base58.encode(pk.data);
    publicKeyBodies.set(pk.data, body);
  }
  return `${KEY_NAMES[pk.keyType]}:${body}`;
}

/** Keys are rendered for every view and every saved access key record; base58 is quadratic, so memoized per key. */
const publicKeyBodies = new WeakMap<Uint8Array, string>();

export function parsePublicKey(text: string): PublicKey {
  const [name, body] = text.includes(':') ? text.split(':', 2) : ['ed25519', text];
  const keyType = keyTypeFromName(name!);
  // refused before decoding: base58 decoding is quadratic in the length (a 64-byte key is at most 88 characters)
  if (body!.length > maxBase58Length(KEY_LENGTHS[keyType])) {
    throw new InvalidKeyError(`public key ${JSON.stringify(text.slice(0, 60))}… is ${text.length} characters; ${KEY_NAMES[keyType]} keys have ${KEY_LENGTHS[keyType]} bytes`);
  }
  let data: Uint8Array;
  try {
    data = base58.decode(body!);
  } catch {
    throw new InvalidKeyError(`public key ${JSON.stringify(text)} is not valid base58`);
  }
  if (data.length !== KEY_LENGTHS[keyType]) {
    // nearcore ParseKeyError::InvalidLength (core/crypto/src/errors.rs)
    throw new InvalidKeyError(
      `invalid key length: expected the input of ${KEY_LENGTHS[keyType]} bytes, but ${data.length} was given`,
    );
  }
  return { keyType, data };
}

/**
 * borsh of the key's `PublicKeyHandle`, its identity in state (trie keys, key order, storage usage): the key
 * itself for ed25519/secp256k1, tag 3 and SHA3-256(domain ‖ key) for ML-DSA-65 (`MlDsa65PublicKey::to_public_key_handle`).
 */
export function publicKeyHandleBorsh(pk: PublicKey): Uint8Array {
  if (pk.keyType !== KeyType.MLDSA65) return publicKeyBorsh(pk);
  if (pk.handleOnly) return Uint8Array.of(ML_DSA_65_HANDLE_TAG, ...pk.data);
  let out = mlDsa65Handles.get(pk.data);
  if (out === undefined) {
    out = new Uint8Array(33);
    out[0] = ML_DSA_65_HANDLE_TAG;
    out.set(sha3_256(concatBytes(ML_DSA_65_HASH_DOMAIN, pk.data)), 1);
    mlDsa65Handles.set(pk.data, out);
  }
  return out;
}

/** The state looks a key up by its handle on every access: hashed once per key object. */
const mlDsa65Handles = new WeakMap<Uint8Array, Uint8Array>();

/** nearcore `PublicKey::trie_id_len`: what an access key's key adds to storage usage (33 for ML-DSA-65, not 1953). */
export function publicKeyTrieIdLength(pk: PublicKey): number {
  return pk.keyType === KeyType.MLDSA65 ? 33 : 1 + pk.data.length;
}

/** nearcore `PublicKeyHandle` Display: the key for ed25519/secp256k1, `ml-dsa-65-hash:<base58>` for ML-DSA-65. */
export function publicKeyHandleToString(pk: PublicKey): string {
  if (pk.keyType !== KeyType.MLDSA65) return publicKeyToString(pk);
  return ML_DSA_65_HASH_PREFIX + base58.encode(publicKeyHandleBorsh(pk).subarray(1));
}

/** nearcore `PublicKeyHandle::from_str`: a key, or an ML-DSA-65 handle `ml-dsa-65-hash:<base58 of 32 bytes>`. */
export function parsePublicKeyHandle(text: string): PublicKey {
  if (!text.startsWith(ML_DSA_65_HASH_PREFIX)) return parsePublicKey(text);
  const body = text.slice(ML_DSA_65_HASH_PREFIX.length);
  let data: Uint8Array;
  try {
    if (body.length > maxBase58Length(32)) throw new Error('too long');
    data = base58.decode(body);
  } catch {
    throw new InvalidKeyError(`ML-DSA-65 handle ${JSON.stringify(text.slice(0, 80))} is not base58 of 32 bytes`);
  }
  if (data.length !== 32) throw new InvalidKeyError(`invalid key length: expected the input of 32 bytes, but ${data.length} was given`);
  return { keyType: KeyType.MLDSA65, data, handleOnly: true };
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function publicKeyEquals(a: PublicKey, b: PublicKey): boolean {
  return a.keyType === b.keyType && bytesEqual(a.data, b.data);
}

/** borsh(PublicKey): 1-byte tag then the key bytes (33 bytes for ed25519). */
export function publicKeyBorsh(pk: PublicKey): Uint8Array {
  const out = new Uint8Array(1 + pk.data.length);
  out[0] = pk.keyType;
  out.set(pk.data, 1);
  return out;
}

export function publicKeyFromBorsh(bytes: Uint8Array): PublicKey {
  const keyType = bytes[0] as KeyType;
  if (!(keyType in KEY_LENGTHS) || bytes.length !== 1 + KEY_LENGTHS[keyType]) {
    throw new InvalidKeyError(`invalid borsh public key (${bytes.length} bytes, tag ${bytes[0]})`);
  }
  return { keyType, data: bytes.slice(1) };
}

export function publicKeyLength(keyType: KeyType): number {
  return KEY_LENGTHS[keyType];
}

export function signatureLength(keyType: KeyType): number {
  return SIGNATURE_LENGTHS[keyType];
}

export function signatureToString(sig: Signature): string {
  return `${KEY_NAMES[sig.keyType]}:${base58.encode(sig.data)}`;
}

/**
 * ed25519 acceptance exactly as ed25519-dalek 2.x `VerifyingKey::verify` (the `Verifier` trait), which nearcore
 * calls for transaction and delegate signatures (core/crypto/src/signature.rs `Signature::verify`) and for the
 * `ed25519_verify` host function (runtime/near-vm-runner/src/logic/logic.rs) — not `verify_strict`:
 * - S must be canonical (S < ℓ), else rejected;
 * - A is decoded leniently (a y ≥ p is reduced, x = 0 with the sign bit set is accepted): non-canonical and
 *   small-order keys are accepted;
 * - the equation is cofactorless, R = [S]B − [k]A with k = SHA-512(R ‖ A ‖ M) over the bytes as sent, and R is
 *   compared as bytes with the canonical encoding, so a non-canonical R never verifies; small-order R is accepted.
 * OpenSSL's Ed25519 verify (crypto/ec/curve25519.c) makes the same choices at each step. Pinned by the "Taming the
 * many EdDSAs" vectors and ed25519-dalek's own validation vectors (test/ed25519-vectors.ts).
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return nodeVerify(null, message, ed25519PublicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/**
 * nearcore `is_valid_staking_key` (core/crypto/src/key_conversion.rs): an ed25519 key that curve25519-dalek
 * decompresses (leniently, as for signatures) to a torsion-free point, which `convert_public_key` can turn into a
 * Ristretto VRF key. Small- and mixed-order keys and bytes that are no point are refused; the identity is torsion-free.
 */
export function isValidStakingKey(pk: PublicKey): boolean {
  if (pk.keyType !== KeyType.ED25519 || pk.data.length !== 32) return false;
  try {
    return ed25519.Point.fromBytes(pk.data, true).isTorsionFree();
  } catch {
    return false;
  }
}

/**
 * nearcore `Signature::verify(data, public_key)` (core/crypto/src/signature.rs). ed25519: `verifyEd25519`.
 * secp256k1 (r ‖ s ‖ v over a 32-byte hash): v must be a recovery id 0–3 and r, s below n
 * (`RecoverableSignature::from_compact`), but the id then plays no part: the signature is verified against the
 * given key (`to_standard()` + libsecp256k1 `verify_ecdsa`), which refuses a high s (s > n/2) and r or s = 0.
 * ML-DSA-65 is FIPS 204 ML-DSA.Verify with an empty context over `message` (a malformed signature is false, as in
 * aws-lc).
 */
export function verifySignature(sig: Signature, message: Uint8Array, pk: PublicKey): boolean {
  if (sig.keyType !== pk.keyType || pk.handleOnly) return false;
  try {
    if (pk.keyType === KeyType.ED25519) return verifyEd25519(sig.data, message, pk.data);
    if (pk.keyType === KeyType.SECP256K1) {
      if (message.length !== 32 || sig.data.length !== 65 || pk.data.length !== 64 || sig.data[64]! > 3) return false;
      const uncompressed = new Uint8Array(65);
      uncompressed[0] = 4;
      uncompressed.set(pk.data, 1);
      return secp256k1.verify(sig.data.subarray(0, 64), message, uncompressed, { prehash: false, lowS: true, format: 'compact' });
    }
    if (pk.keyType === KeyType.MLDSA65) {
      if (sig.data.length !== SIGNATURE_LENGTHS[KeyType.MLDSA65] || pk.data.length !== KEY_LENGTHS[KeyType.MLDSA65]) return false;
      return ml_dsa65.verify(sig.data, message, pk.data);
    }
  } catch {
    return false;
  }
  return false;
}

/** A signing key pair; secret keys render as nearcore/near-api-js do (`ed25519:<base58 seed‖pub>`). */
export class KeyPair {
  readonly publicKey: PublicKey;
  readonly #secret: Uint8Array;
  #signingKey: KeyObject | undefined;

  private constructor(keyType: KeyType, secret: Uint8Array) {
    this.#secret = secret;
    if (keyType === KeyType.ED25519) {
      this.publicKey = { keyType, data: ed25519PublicKeyOf(secret) };
    } else if (keyType === KeyType.SECP256K1) {
      this.publicKey = { keyType, data: secp256k1.getPublicKey(secret, false).slice(1) };
    } else {
      this.publicKey = { keyType, data: ml_dsa65.getPublicKey(secret) };
    }
  }

  static random(keyType: KeyType = KeyType.ED25519): KeyPair {
    if (keyType === KeyType.MLDSA65) return new KeyPair(keyType, ml_dsa65.keygen().secretKey);
    const secret = keyType === KeyType.SECP256K1 ? secp256k1.utils.randomSecretKey() : ed25519.utils.randomSecretKey();
    return new KeyPair(keyType, secret);
  }

  /** An ML-DSA-65 key pair from a 32-byte seed: FIPS 204 ML-DSA.KeyGen(ξ), as nearcore's `ml_dsa_65_from_seed`. */
  static mlDsa65FromSeed(seed: Uint8Array): KeyPair {
    if (seed.length !== 32) throw new InvalidKeyError(`an ML-DSA-65 seed has 32 bytes, not ${seed.length}`);
    return new KeyPair(KeyType.MLDSA65, ml_dsa65.keygen(seed).secretKey);
  }

  /**
   * nearcore `SecretKey::from_seed(ED25519, seed)`: the seed string, padded with spaces to 32 bytes,
   * is the ed25519 secret (used for genesis test signers, e.g. `near`).
   */
  static fromSeed(seed: string): KeyPair {
    const bytes = new Uint8Array(32).fill(0x20);
    bytes.set(new TextEncoder().encode(seed).subarray(0, 32));
    return new KeyPair(KeyType.ED25519, bytes);
  }

  /** Deterministic key for tests: ed25519 secret = sha256(label). */
  static fromLabel(label: string): KeyPair {
    return new KeyPair(KeyType.ED25519, sha256(new TextEncoder().encode(label)));
  }

  /**
   * Parses `ed25519:<base58 of 64 bytes or 32-byte seed>`, `secp256k1:<base58 of 32 bytes>` or
   * `ml-dsa-65:<base58 of the 4032-byte FIPS 204 private key>` (nearcore's and near-api-js's form).
   */
  static fromString(text: string): KeyPair {
    const [name, body] = text.split(':', 2);
    if (!body) throw new InvalidKeyError('secret key must look like "ed25519:<base58>"');
    const keyType = keyTypeFromName(name!);
    const raw = base58.decode(body);
    if (keyType === KeyType.ED25519 && (raw.length === 64 || raw.length === 32)) {
      return new KeyPair(keyType, raw.slice(0, 32));
    }
    // near-api-js writes secp256k1 secrets as 32-byte secret ‖ 64-byte public key
    if (keyType === KeyType.SECP256K1 && (raw.length === 32 || raw.length === 96)) {
      return new KeyPair(keyType, raw.slice(0, 32));
    }
    if (keyType === KeyType.MLDSA65 && raw.length === ML_DSA_65_SECRET_KEY_LENGTH) return new KeyPair(keyType, raw);
    throw new InvalidKeyError(`secret key of ${raw.length} bytes is not a valid ${name} key`);
  }

  get secretKey(): string {
    if (this.publicKey.keyType === KeyType.ED25519) {
      const full = new Uint8Array(64);
      full.set(this.#secret);
      full.set(this.publicKey.data, 32);
      return `ed25519:${base58.encode(full)}`;
    }
    return `${KEY_NAMES[this.publicKey.keyType]}:${base58.encode(this.#secret)}`;
  }

  get publicKeyString(): string {
    return publicKeyToString(this.publicKey);
  }

  sign(message: Uint8Array): Signature {
    if (this.publicKey.keyType === KeyType.ED25519) {
      this.#signingKey ??= createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(this.#secret), x: b64url(this.publicKey.data) }, format: 'jwk' });
      return { keyType: KeyType.ED25519, data: new Uint8Array(nodeSign(null, message, this.#signingKey)) };
    }
    if (this.publicKey.keyType === KeyType.MLDSA65) return { keyType: KeyType.MLDSA65, data: ml_dsa65.sign(message, this.#secret) };
    const recovered = secp256k1.sign(message, this.#secret, { prehash: false, format: 'recovered' });
    const data = new Uint8Array(65);
    data.set(recovered.subarray(1), 0);
    data[64] = recovered[0]!;
    return { keyType: KeyType.SECP256K1, data };
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

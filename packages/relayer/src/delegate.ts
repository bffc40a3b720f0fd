/**
 * Decoding and verification of a user's SignedDelegateAction (NEP-366), with near-api-js's own
 * borsh schema and encoder: the signature covers sha256 of the NEP-461-prefixed borsh encoding of
 * the DelegateAction (`encodeDelegateAction`).
 */
import { KeyType, PublicKey, SCHEMA, actions, type SignedDelegate, type SignedTransaction } from 'near-api-js';
import type { TransactionActions } from './key-pool.js';
import { deserialize, serialize } from 'borsh';
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { RelayError } from './errors.js';

export interface DecodedAction {
  kind: string;
  methodName?: string;
  gas?: bigint;
  deposit?: bigint;
  /** A function call's arguments as JSON, when they are JSON (undefined otherwise). */
  args?: unknown;
}

function jsonArgs(bytes: unknown): unknown {
  if (!(bytes instanceof Uint8Array) && !Array.isArray(bytes)) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes as Uint8Array).toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface DecodedDelegate {
  signedDelegate: SignedDelegate;
  /** The base64 it was decoded from. */
  base64: string;
  senderId: string;
  receiverId: string;
  nonce: bigint;
  maxBlockHeight: bigint;
  /** The signing key as "ed25519:<base58>" (or "secp256k1:…"), as RPC names it. */
  publicKey: string;
  actions: DecodedAction[];
  /** The DelegateAction's borsh (near-api-js' schema): what its signature covers, and what the relayer's transaction carries. */
  delegateActionBorsh: Uint8Array;
  /** The whole SignedDelegateAction's borsh as posted: the DelegateAction's, then the signature's. */
  signedDelegateBorsh: Uint8Array;
}

/** DER SubjectPublicKeyInfo header of a raw 32-byte Ed25519 key (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Recent senders' keys, by key type and raw bytes: a sender relays many delegates with one key, and
 * its name ("ed25519:<base58>", a base58 encoding) and OpenSSL key object are made once.
 */
const senderKeys = new Map<string, { name: string; keyObject?: KeyObject }>();
const SENDER_KEYS_KEPT = 10_000;

function senderKey(keyType: KeyType, raw: Uint8Array): { name: string; keyObject?: KeyObject } {
  const id = `${keyType}:${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')}`;
  let key = senderKeys.get(id);
  if (!key) {
    if (senderKeys.size >= SENDER_KEYS_KEPT) senderKeys.delete(senderKeys.keys().next().value!);
    senderKeys.set(id, (key = { name: new PublicKey({ keyType, data: Uint8Array.from(raw) }).toString() }));
  }
  return key;
}

function ed25519KeyObject(raw: Uint8Array): KeyObject {
  const key = senderKey(KeyType.ED25519, raw);
  return (key.keyObject ??= createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' }));
}

type KeyEnum = { ed25519Key?: { data: number[] | Uint8Array }; secp256k1Key?: { data: number[] | Uint8Array } };
type SignatureEnum = { ed25519Signature?: { data: number[] | Uint8Array }; secp256k1Signature?: { data: number[] | Uint8Array } };

/**
 * The length of the signature's borsh that ends `bytes` (its key-type byte, then its data): the
 * DelegateAction's borsh is what comes before it, taken as posted instead of encoded again. Bytes after
 * the signature are refused, as nearcore's borsh refuses them ("Not all bytes read"); a signature whose
 * copy ends such bytes would sign a message that holds itself, and fails verification.
 */
function signatureBorshLength(decoded: SignedDelegate, bytes: Uint8Array): number {
  const signature = decoded.signature as unknown as SignatureEnum;
  const data = signature.ed25519Signature?.data ?? signature.secp256k1Signature?.data ?? [];
  const tail = bytes.subarray(bytes.length - data.length);
  if (bytes[bytes.length - data.length - 1] !== (signature.ed25519Signature ? KeyType.ED25519 : KeyType.SECP256K1) || !tail.every((byte, i) => byte === data[i])) {
    throw new RelayError('INVALID_DELEGATE', 'signed_delegate_action has bytes after its signature; post exactly the borsh SignedDelegateAction');
  }
  return data.length + 1;
}

/** Parses base64 borsh of a SignedDelegateAction; throws RelayError('INVALID_DELEGATE') on anything else. */
export function decodeSignedDelegate(base64: unknown): DecodedDelegate {
  if (typeof base64 !== 'string' || base64.length === 0) {
    throw new RelayError('INVALID_DELEGATE', 'signed_delegate_action must be a base64 string of a borsh SignedDelegateAction');
  }
  const bytes = Buffer.from(base64, 'base64');
  let decoded: SignedDelegate;
  try {
    // near-api-js' schema is valid: borsh-js need not check it again on every request.
    decoded = deserialize(SCHEMA.SignedDelegate, bytes, false) as SignedDelegate;
  } catch (error) {
    throw new RelayError('INVALID_DELEGATE', `signed_delegate_action is not a borsh SignedDelegateAction: ${(error as Error).message}`);
  }
  const delegateActionBorsh = bytes.subarray(0, bytes.length - signatureBorshLength(decoded, bytes));
  const delegate = decoded.delegateAction;
  const actions = (delegate.actions as unknown as Record<string, Record<string, unknown>>[]).map((action) => {
    const kind = Object.keys(action)[0];
    const body = action[kind] ?? {};
    return {
      kind,
      methodName: typeof body.methodName === 'string' ? body.methodName : undefined,
      gas: body.gas !== undefined ? BigInt(body.gas as bigint) : undefined,
      deposit: body.deposit !== undefined ? BigInt(body.deposit as bigint) : undefined,
      ...(kind === 'functionCall' ? { args: jsonArgs(body.args) } : {}),
    };
  });
  const key = delegate.publicKey as unknown as KeyEnum;
  const publicKey = key.ed25519Key
    ? senderKey(KeyType.ED25519, Uint8Array.from(key.ed25519Key.data)).name
    : key.secp256k1Key
      ? senderKey(KeyType.SECP256K1, Uint8Array.from(key.secp256k1Key.data)).name
      : 'unsupported';
  return {
    signedDelegate: decoded,
    delegateActionBorsh,
    signedDelegateBorsh: bytes,
    base64,
    publicKey,
    senderId: delegate.senderId,
    receiverId: delegate.receiverId,
    nonce: BigInt(delegate.nonce),
    maxBlockHeight: BigInt(delegate.maxBlockHeight),
    actions,
  };
}

/**
 * NEP-461's prefix of a DelegateAction's signed message: the u32 2^30 + 366 (NEP-366), borsh-encoded
 * with near-api-js' schema, as its `encodeDelegateAction` puts it before the action's borsh.
 */
const DELEGATE_ACTION_PREFIX = serialize(SCHEMA.DelegateActionPrefix, { prefix: 2 ** 30 + 366 });

/**
 * sha256 of `encodeDelegateAction` of the decoded delegate's action (the bytes NEP-366 signs, what
 * verifyDelegateSignature checks), hashed through OpenSSL from the prefix and the action's borsh kept from decoding.
 */
export const delegateActionHash = ({ delegateActionBorsh }: DecodedDelegate): Buffer => createHash('sha256').update(DELEGATE_ACTION_PREFIX).update(delegateActionBorsh).digest();

/** The borsh tag of near-api-js' Action variant `signedDelegate` (its index in the enum). */
const SIGNED_DELEGATE_TAG = (SCHEMA.Action as { enum: { struct: Record<string, unknown> }[] }).enum.findIndex((variant) => 'signedDelegate' in variant.struct);
/** The start of a one-action list holding a SignedDelegate: the u32 count 1, then the Action tag. */
const ONE_SIGNED_DELEGATE = Buffer.from([1, 0, 0, 0, SIGNED_DELEGATE_TAG]);

/**
 * The delegate as the whole action list of the relayer's transaction, with that list's borsh: a u32
 * count (1), the Action tag, then the SignedDelegate as posted (the DelegateAction's borsh, which the
 * signature check hashed, and the signature's). Signing encodes only the transaction's other fields.
 */
export function delegateActions(delegate: DecodedDelegate): TransactionActions {
  return { list: [actions.signedDelegate(delegate.signedDelegate)], borsh: Buffer.concat([ONE_SIGNED_DELEGATE, delegate.signedDelegateBorsh]) };
}

/** The signed delegate a relayer transaction carries (its one action, `delegateActions`), as base64 borsh. */
export function signedDelegateOf(signedTransaction: SignedTransaction): string {
  const [action] = signedTransaction.transaction.actions;
  if (signedTransaction.transaction.actions.length !== 1 || !action?.signedDelegate) throw new Error('not a relayer transaction: its one action must be a signed delegate');
  return Buffer.from(serialize(SCHEMA.SignedDelegate, action.signedDelegate)).toString('base64');
}

/** Checks the user's signature over the delegate action. */
export function verifyDelegateSignature(delegate: DecodedDelegate): boolean {
  const { signedDelegate } = delegate;
  const message = delegateActionHash(delegate);
  const key = signedDelegate.delegateAction.publicKey as unknown as KeyEnum;
  const signature = signedDelegate.signature as unknown as SignatureEnum;
  if (key.ed25519Key && signature.ed25519Signature) {
    // Node's OpenSSL Ed25519 (RFC 8032): about 5x faster than a JavaScript verify, and every request pays it.
    return verify(null, message, ed25519KeyObject(Uint8Array.from(key.ed25519Key.data)), Uint8Array.from(signature.ed25519Signature.data));
  }
  if (key.secp256k1Key && signature.secp256k1Signature) {
    // as nearcore's Signature::verify (core/crypto signature.rs): a recovery id 0–3, otherwise unused; libsecp256k1's
    // verify refuses a high s. A delegate the chain would refuse costs the relayer its gas.
    const sig = Uint8Array.from(signature.secp256k1Signature.data);
    if (sig.length !== 65 || sig[64]! > 3) return false;
    return secp256k1.verify(sig.slice(0, 64), message, Uint8Array.of(4, ...key.secp256k1Key.data), { prehash: false, lowS: true });
  }
  return false;
}

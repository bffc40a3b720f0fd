/**
 * A stand-in for NEAR's MPC signer (`v1.signer`) on the local node: same method names, argument
 * and response shapes (current `payload_v2`/`domain_id` and legacy `payload`/`key_version`),
 * deposit and gas rules, built on yield/resume (NEP-519) like the real contract
 * (near/mpc `crates/contract/src/api/sign.rs`).
 *
 * `sign` yields. An off-chain responder (`scripts/mpc-responder.ts`) holding the test root keys
 * watches `list_pending_requests`, signs with the derived key and calls `respond`; the double
 * checks the signature against the derived public key before it resumes every queued caller.
 * Unanswered requests time out after 200 blocks and fail with `Request has timed out.`
 *
 * Test-only: deploy scripts refuse to put it anywhere but the local node and testnet.
 */
import './polyfills';
import { NearBindgen, call, view, initialize, near, UnorderedMap, encode } from 'near-sdk-js';
import { base58Decode, base58Encode } from './base58';
import { panic, require } from '../../lib/errors';
import { assertInitBySelf, assertPrivate } from '../../lib/guards';
import { eventEmitter } from '../../lib/events';
import { promiseYieldCreate, promiseYieldResume, ed25519Verify, readRegister } from '../../lib/host';
import { decodeEd25519Point, deriveEd25519, deriveSecp256k1 } from './derivation';

const TGAS = 1_000_000_000_000n;
/** near/mpc `DEFAULT_SIGN_CALL_GAS_ATTACHMENT_REQUIREMENT_TERA_GAS`. */
const SIGN_GAS_REQUIREMENT = 15n * TGAS;
/** near/mpc `SIGN_DEPOSIT_YOCTONEAR` (crates/near-mpc-contract-interface/src/deposits.rs). */
const SIGN_DEPOSIT = 1n;
/**
 * Gas of the yield callback. near/mpc attaches 7 Tgas; a method of this contract costs about
 * 15 Tgas before it does anything (QuickJS start-up and module load) and the callback about 16 Tgas
 * in all (measured on the local node, `npm run bench:gas -- chain-signatures`).
 */
const RETURN_SIGNATURE_GAS = 20n * TGAS;
/** NEP-519 / nearcore `yield_timeout_length_in_blocks`. */
const YIELD_TIMEOUT_BLOCKS = 200n;
/** near/mpc `MAX_PENDING_REQUEST_FAN_OUT`. */
const MAX_FAN_OUT = 128;
const DOMAIN_SECP256K1 = 0;
const DOMAIN_ED25519 = 1;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const emit = eventEmitter('mpc_signer_double', '1.0.0');

type Payload = { Ecdsa: string } | { Eddsa: string };

interface SignRequestArgs {
  path: string;
  payload_v2?: Payload;
  domain_id?: number;
  /** Legacy V1 shape: 32 integers and key_version (treated as Ecdsa in domain key_version). */
  payload?: number[];
  key_version?: number;
}

/**
 * What the double stores and the responder signs. near/mpc stores the tweak; the double stores
 * predecessor and path and derives the tweak in `respond`, so `sign` stays cheap (SHA3 runs as
 * interpreted JS here: no host function for it).
 */
export interface SignatureRequest {
  payload: Payload;
  domain_id: number;
  predecessor: string;
  path: string;
}

/** One waiting caller: the yield's data id and the block height it was created at. */
interface QueuedYield {
  data_id: string;
  height: string;
}

interface Pending {
  request: SignatureRequest;
  yields: QueuedYield[];
}

type SignatureResponse =
  | { scheme: 'Secp256k1'; big_r: { affine_point: string }; s: { scalar: string }; recovery_id: number }
  | { scheme: 'Ed25519'; signature: number[] };

function hexToBytes(hex: string, field: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) panic(`${field} must be a hex string`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

/** Same caller, path, domain and payload → same key (near/mpc queues duplicates under one key). */
function requestKey(request: SignatureRequest): string {
  const payload = 'Ecdsa' in request.payload ? request.payload.Ecdsa : request.payload.Eddsa;
  return bytesToHex(near.sha256(encode(JSON.stringify([request.predecessor, request.path, request.domain_id, payload.toLowerCase()]))));
}

/** A yield is live until the protocol times it out, 200 blocks after its creation. */
function isLive(queued: QueuedYield): boolean {
  return near.blockHeight() < BigInt(queued.height) + YIELD_TIMEOUT_BLOCKS;
}

/** Normalises current and legacy request shapes (near/mpc `SignRequestArgsCompat`). */
function normaliseRequest(args: SignRequestArgs): { path: string; payload: Payload; domainId: number } {
  require(args !== null && typeof args === 'object', 'MpcSigner: request must be an object');
  require(typeof args.path === 'string', 'MpcSigner: request.path must be a string');
  if (args.payload_v2 !== undefined) {
    require(args.payload === undefined && args.key_version === undefined, 'MpcSigner: payload_v2 cannot be mixed with payload or key_version');
    return { path: args.path, payload: args.payload_v2, domainId: args.domain_id ?? DOMAIN_SECP256K1 };
  }
  require(Array.isArray(args.payload) && args.payload.length === 32, 'MpcSigner: legacy payload must be 32 integers');
  require(args.domain_id === undefined, 'MpcSigner: domain_id cannot be mixed with key_version');
  const bytes = new Uint8Array(32);
  args.payload!.forEach((v, i) => {
    require(Number.isInteger(v) && v >= 0 && v <= 255, 'MpcSigner: legacy payload must be 32 integers from 0 to 255');
    bytes[i] = v;
  });
  return { path: args.path, payload: { Ecdsa: bytesToHex(bytes) }, domainId: args.key_version ?? DOMAIN_SECP256K1 };
}

function validatePayload(payload: Payload, domainId: number): void {
  if (domainId === DOMAIN_SECP256K1) {
    require(payload !== null && typeof payload === 'object' && 'Ecdsa' in payload, 'Payload is not Ecdsa');
    const bytes = hexToBytes(payload.Ecdsa, 'Ecdsa payload');
    require(bytes.length === 32, 'Ecdsa payload must be 32 bytes');
    let scalar = 0n;
    for (const b of bytes) scalar = (scalar << 8n) | BigInt(b);
    require(scalar < SECP256K1_N, 'Ecdsa payload cannot be converted to Scalar');
  } else if (domainId === DOMAIN_ED25519) {
    require(payload !== null && typeof payload === 'object' && 'Eddsa' in payload, 'Payload is not EdDSA');
    const bytes = hexToBytes(payload.Eddsa, 'Eddsa payload');
    require(bytes.length >= 32 && bytes.length <= 1232, 'Eddsa payload must be 32 to 1232 bytes');
  } else {
    panic(`The provided domain ID, ${domainId}, was not found.`);
  }
}

function decodeKey(key: string, prefix: string, length: number): Uint8Array {
  require(typeof key === 'string' && key.startsWith(prefix), `MpcSigner: root key must start with ${prefix}`);
  const bytes = base58Decode(key.slice(prefix.length));
  require(bytes.length === length, `MpcSigner: ${prefix} root key must be ${length} bytes`);
  return bytes;
}

@NearBindgen({ requireInit: true })
export class MpcSignerDouble {
  secp256k1Root = '';
  ed25519Root = '';
  /** The root keys' bytes in hex, decoded once at init (base58 costs gas in QuickJS). */
  secp256k1RootHex = '';
  /** The ed25519 root's affine x and y as decimal strings (decoding takes a square root). */
  ed25519RootPoint: [string, string] = ['0', '1'];
  responder = '';
  pending: UnorderedMap<Pending> = new UnorderedMap<Pending>('q');

  @initialize({})
  init({ secp256k1_root, ed25519_root, responder_id }: { secp256k1_root: string; ed25519_root: string; responder_id: string }): void {
    assertInitBySelf();
    this.secp256k1RootHex = bytesToHex(decodeKey(secp256k1_root, 'secp256k1:', 64));
    const point = decodeEd25519Point(decodeKey(ed25519_root, 'ed25519:', 32));
    this.ed25519RootPoint = [point[0].toString(), point[1].toString()];
    require(typeof responder_id === 'string' && responder_id.length > 0, 'MpcSigner: responder_id is required');
    this.secp256k1Root = secp256k1_root;
    this.ed25519Root = ed25519_root;
    this.responder = responder_id;
  }

  /**
   * Requests a signature. Deposit ≥ 1 yoctoNEAR (excess refunded), prepaid gas ≥ 15 Tgas. The
   * call's result arrives when the responder answers, or fails after 200 blocks.
   */
  @call({ payableFunction: true })
  sign({ request }: { request: SignRequestArgs }): void {
    // near/mpc api/sign.rs order: domain, gas, deposit (excess refunded), then the payload.
    const { path, payload, domainId } = normaliseRequest(request);
    if (domainId !== DOMAIN_SECP256K1 && domainId !== DOMAIN_ED25519) panic(`The provided domain ID, ${domainId}, was not found.`);
    require(near.prepaidGas() >= SIGN_GAS_REQUIREMENT, `Provided gas is lower than required. Provided: ${near.prepaidGas()}, required: ${SIGN_GAS_REQUIREMENT}`);
    const deposit = near.attachedDeposit();
    require(deposit >= SIGN_DEPOSIT, `Attached deposit is lower than required. Attached: ${deposit}, required: ${SIGN_DEPOSIT}`);
    validatePayload(payload, domainId);
    const predecessor = near.predecessorAccountId();
    const signatureRequest: SignatureRequest = { payload, domain_id: domainId, predecessor, path };
    const key = requestKey(signatureRequest);
    const entry = this.pending.get(key) ?? { request: signatureRequest, yields: [] };
    // Timed-out callers were already failed by the protocol; drop them here (see the callback).
    entry.yields = entry.yields.filter(isLive);
    require(entry.yields.length < MAX_FAN_OUT, `Pending-request queue is full for this request key (limit: ${MAX_FAN_OUT})`);
    if (deposit > SIGN_DEPOSIT) {
      const refund = near.promiseBatchCreate(predecessor);
      near.promiseBatchActionTransfer(refund, deposit - SIGN_DEPOSIT);
    }
    const yieldIndex = promiseYieldCreate('return_signature_and_clean_state_on_success', JSON.stringify({ request_key: key }), RETURN_SIGNATURE_GAS, 0n, 0n);
    // promise_yield_create writes the yield's 32-byte data id into the register it was given.
    entry.yields.push({ data_id: bytesToHex(readRegister(0n)), height: near.blockHeight().toString() });
    this.pending.set(key, entry);
    emit('sign_requested', [{ request_key: key, predecessor, path, domain_id: domainId }]);
    near.promiseReturn(yieldIndex);
  }

  /**
   * Responder only: answers a pending request. The signature must verify against the key derived
   * for the request's predecessor and path; then every queued caller is resumed with it.
   */
  @call({})
  respond({ request_key, response }: { request_key: string; response: SignatureResponse }): number {
    require(near.predecessorAccountId() === this.responder, 'MpcSigner: caller is not the responder');
    const entry = this.pending.get(request_key);
    const live = entry === null ? [] : entry.yields.filter(isLive);
    // near/mpc InvalidParameters::RequestNotFound
    if (entry === null || live.length === 0) panic('This sign request has timed out, was completed, or never existed.');
    this.verify(entry.request, response);
    let resumed = 0;
    for (const queued of live) {
      if (promiseYieldResume(hexToBytes(queued.data_id, 'data id'), JSON.stringify(response))) resumed += 1;
    }
    this.pending.remove(request_key);
    emit('sign_responded', [{ request_key, resumed }]);
    return resumed;
  }

  /**
   * Yield callback: returns the signature, or fails with `Request has timed out.` when the
   * protocol resumed the yield after 200 blocks. near/mpc cleans its queue here and fails in a
   * second receipt (`fail_on_timeout`); the double fails at once (one near-sdk-js call fewer, about
   * 15 Tgas) and treats queued yields older than 200 blocks as gone (`isLive`), which the caller
   * cannot tell apart.
   */
  @call({ privateFunction: true })
  return_signature_and_clean_state_on_success({ request_key }: { request_key: string }): SignatureResponse {
    assertPrivate();
    let response: SignatureResponse;
    try {
      response = JSON.parse(near.promiseResult(0)) as SignatureResponse;
    } catch (_) {
      panic('Request has timed out.');
    }
    return response;
  }

  // ------------------------------------------------------------ views (near/mpc api/keys.rs)

  @view({})
  public_key({ domain_id }: { domain_id?: number }): string {
    const domain = domain_id ?? DOMAIN_SECP256K1;
    if (domain === DOMAIN_SECP256K1) return this.secp256k1Root;
    if (domain === DOMAIN_ED25519) return this.ed25519Root;
    panic(`The provided domain ID, ${domain}, was not found.`);
  }

  @view({})
  derived_public_key({ path, predecessor, domain_id }: { path: string; predecessor?: string; domain_id?: number }): string {
    const who = predecessor ?? near.predecessorAccountId();
    const domain = domain_id ?? DOMAIN_SECP256K1;
    if (domain === DOMAIN_SECP256K1) {
      return `secp256k1:${base58Encode(deriveSecp256k1(hexToBytes(this.secp256k1RootHex, 'root'), who, path))}`;
    }
    if (domain === DOMAIN_ED25519) {
      return `ed25519:${base58Encode(deriveEd25519(this.ed25519RootCoordinates(), who, path))}`;
    }
    panic(`The provided domain ID, ${domain}, was not found.`);
  }

  @view({})
  latest_key_version({ signature_scheme }: { signature_scheme?: string }): number {
    return signature_scheme === 'Edwards25519' ? DOMAIN_ED25519 : DOMAIN_SECP256K1;
  }

  @view({})
  config(): { sign_call_gas_attachment_requirement_tera_gas: number; responder_id: string } {
    return { sign_call_gas_attachment_requirement_tera_gas: Number(SIGN_GAS_REQUIREMENT / TGAS), responder_id: this.responder };
  }

  /** Pending requests for the responder, oldest first. */
  @view({})
  list_pending_requests({ from_index, limit }: { from_index?: number; limit?: number }): { request_key: string; request: SignatureRequest; waiting: number }[] {
    const live = this.pending
      .toArray()
      .map(([key, entry]) => ({ request_key: key, request: entry.request, waiting: entry.yields.filter(isLive).length }))
      .filter((entry) => entry.waiting > 0);
    return live.slice(from_index ?? 0, (from_index ?? 0) + Math.min(limit ?? 50, 100));
  }

  // ------------------------------------------------------------ internals

  private ed25519RootCoordinates(): [bigint, bigint] {
    return [BigInt(this.ed25519RootPoint[0]), BigInt(this.ed25519RootPoint[1])];
  }

  /** Errors as near/mpc `RespondError` (crates/contract/src/errors.rs) where it has one. */
  private verify(request: SignatureRequest, response: SignatureResponse): void {
    require(response !== null && typeof response === 'object', 'MpcSigner: response must be an object');
    if (request.domain_id === DOMAIN_SECP256K1) {
      require(response.scheme === 'Secp256k1', `The provided signature scheme does not match. MPC response: ${String(response.scheme)}, user request: Secp256k1 (domain ${request.domain_id})`);
      const bigR = hexToBytes(response.big_r?.affine_point ?? '', 'big_r');
      const s = hexToBytes(response.s?.scalar ?? '', 's');
      require(bigR.length === 33 && s.length === 32, 'MpcSigner: malformed Secp256k1 signature');
      require(response.recovery_id === 0 || response.recovery_id === 1, 'MpcSigner: recovery_id must be 0 or 1');
      const signature = new Uint8Array(64);
      signature.set(bigR.slice(1), 0);
      signature.set(s, 32);
      const payload = hexToBytes((request.payload as { Ecdsa: string }).Ecdsa, 'payload');
      const recovered = near.ecrecover(payload, signature, response.recovery_id, 1);
      const expected = deriveSecp256k1(hexToBytes(this.secp256k1RootHex, 'root'), request.predecessor, request.path);
      require(recovered !== null && bytesToHex(recovered) === bytesToHex(expected), 'The provided signature is invalid.');
    } else {
      require(response.scheme === 'Ed25519', `The provided signature scheme does not match. MPC response: ${String(response.scheme)}, user request: Ed25519 (domain ${request.domain_id})`);
      require(Array.isArray(response.signature) && response.signature.length === 64, 'MpcSigner: malformed Ed25519 signature');
      const message = hexToBytes((request.payload as { Eddsa: string }).Eddsa, 'payload');
      const expected = deriveEd25519(this.ed25519RootCoordinates(), request.predecessor, request.path);
      require(ed25519Verify(Uint8Array.from(response.signature), message, expected), 'The provided signature is invalid.');
    }
  }
}

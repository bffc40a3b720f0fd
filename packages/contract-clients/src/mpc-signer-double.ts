/**
 * The MPC signer test double (contracts/mpc-signer-double) — local node and testnet only.
 * `sign` yields until the responder (scripts/mpc-responder.ts) calls `respond`; the client polls
 * the transaction until then. near/mpc's 15 Tgas rule is checked, but a request needs ≥ 40 Tgas here.
 */
import type { Account } from 'near-api-js';
import type { SignatureResponse } from '../../chain-signatures/src/index.js';
import { bindContract, call, ONE_YOCTO, privateCall, TGAS, view, type ContractClient } from './contract.js';
import type { SignPayload } from './chain-signatures-proxy.js';

export interface SignRequest {
  path: string;
  payload_v2?: SignPayload;
  domain_id?: 0 | 1;
  /** Legacy shape: 32 integers with `key_version` (not mixed with payload_v2/domain_id). */
  payload?: number[];
  key_version?: number;
}

export interface PendingRequest {
  request_key: string;
  request: { payload: SignPayload; domain_id: number; predecessor: string; path: string };
  waiting: number;
}

export const mpcSignerDoubleMethods = {
  /** Root keys as `secp256k1:<base58 x‖y>` and `ed25519:<base58>` (TEST_ROOT_KEYS via rootPublicKeys()). */
  init: call<{ secp256k1_root: string; ed25519_root: string; responder_id: string }>(['secp256k1_root', 'ed25519_root', 'responder_id'], { gas: 100n * TGAS }),
  sign: call<{ request: SignRequest }, SignatureResponse>(['request'], { gas: 100n * TGAS, deposit: ONE_YOCTO }),
  /** Responder only; returns how many waiting requests it resumed. EdDSA responses cost ~116 Tgas. */
  respond: call<{ request_key: string; response: SignatureResponse }, number>(['request_key', 'response'], { gas: 200n * TGAS }),
  return_signature_and_clean_state_on_success: privateCall(['request_key']),
  public_key: view<{ domain_id?: 0 | 1 }, string>(['domain_id']),
  derived_public_key: view<{ path: string; predecessor?: string; domain_id?: 0 | 1 }, string>(['path', 'predecessor', 'domain_id']),
  latest_key_version: view<{ signature_scheme?: 'Secp256k1' | 'Edwards25519' }, number>(['signature_scheme']),
  config: view<Record<string, never>, { sign_call_gas_attachment_requirement_tera_gas: number; responder_id: string }>([]),
  list_pending_requests: view<{ from_index?: number; limit?: number }, PendingRequest[]>(['from_index', 'limit']),
} as const;

export type MpcSignerDoubleClient = ContractClient<typeof mpcSignerDoubleMethods>;

export function mpcSignerDouble(account: Account, contractId: string): MpcSignerDoubleClient {
  return bindContract(mpcSignerDoubleMethods, account, contractId);
}

/**
 * The MPC signer test double (contracts/mpc-signer-double) — local node and testnet only. Its
 * interface is the real signer's (near/mpc 3.14.1), so this client also fits `v1.signer` for
 * `sign` and the views. `sign` yields until a participant (scripts/mpc-responder.ts) calls
 * `respond`; the client polls the transaction until then.
 */
import type { Account } from 'near-api-js';
import type { SignatureRequest, SignatureResponse } from '@near-ts/chain-signatures';
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

export const mpcSignerDoubleMethods = {
  /** Test-only init: root keys as `secp256k1:<base58 x‖y>` and `ed25519:<base58>` (rootPublicKeys()) and the attested participants. */
  init: call<{ secp256k1_root: string; ed25519_root: string; participants: string[] }>(['secp256k1_root', 'ed25519_root', 'participants'], { gas: 100n * TGAS }),
  /** near/mpc requires ≥ 15 Tgas; the double's request and callback burn about 8 Tgas. */
  sign: call<{ request: SignRequest }, SignatureResponse>(['request'], { gas: 50n * TGAS, deposit: ONE_YOCTO }),
  /** Attested participants only, from their own account; returns nothing. EdDSA responses cost ~29 Tgas on the double. */
  respond: call<{ request: SignatureRequest; response: SignatureResponse }>(['request', 'response'], { gas: 300n * TGAS }),
  return_signature_and_clean_state_on_success: privateCall(['request']),
  fail_on_timeout: privateCall([]),
  /** `{data_id}` of the oldest yield waiting for `request`, or null. */
  get_pending_request: view<{ request: SignatureRequest }, { data_id: number[] } | null>(['request']),
  public_key: view<{ domain_id?: 0 | 1 }, string>(['domain_id']),
  derived_public_key: view<{ path: string; predecessor?: string; domain_id?: 0 | 1 }, string>(['path', 'predecessor', 'domain_id']),
  latest_key_version: view<{ signature_scheme?: 'Secp256k1' | 'Edwards25519' }, number>(['signature_scheme']),
  config: view<Record<string, never>, { sign_call_gas_attachment_requirement_tera_gas: number; return_signature_and_clean_state_on_success_call_tera_gas: number; fail_on_timeout_tera_gas: number }>([]),
} as const;

export type MpcSignerDoubleClient = ContractClient<typeof mpcSignerDoubleMethods>;

export function mpcSignerDouble(account: Account, contractId: string): MpcSignerDoubleClient {
  return bindContract(mpcSignerDoubleMethods, account, contractId);
}

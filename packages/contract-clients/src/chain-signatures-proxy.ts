/**
 * The chain-signature request proxy (contracts/chain-signatures-proxy). `sign` forwards to the MPC
 * signer and returns its response once the signer resumes the yield (the client polls the
 * transaction until then). Attach 1 yoctoNEAR + the configured `fee_near` (the default deposit is
 * 1 yoctoNEAR, right for a proxy without a NEAR fee) and ≥ 15 + `sign_gas_tgas` + 27 Tgas.
 */
import type { Account } from 'near-api-js';
import type { SignatureResponse } from '@near-ts/chain-signatures';
import { amountsIn, bindContract, call, ONE_YOCTO, privateCall, TGAS, toAmount, view, type Amount, type ContractClient } from './contract.js';

export type SignPayload = { Ecdsa: string } | { Eddsa: string };

export interface ProxyConfig {
  signer_id: string;
  sign_gas_tgas: number;
  allowlist_enabled: boolean;
  quota_per_period: number;
  period_ns: bigint;
  fee_near: bigint;
  fee_token: string | null;
  fee_token_amount: bigint;
}

/** `init`/`set_config` input: any subset, amounts as bigint or decimal strings. */
export type ProxyConfigInput = Partial<Omit<ProxyConfig, 'period_ns' | 'fee_near' | 'fee_token_amount'> & { period_ns: Amount; fee_near: Amount; fee_token_amount: Amount }>;

export interface Usage {
  period_start_ns: bigint;
  count: number;
  pending: number;
}

const config = amountsIn<ProxyConfig>(['period_ns', 'fee_near', 'fee_token_amount']);

export const chainSignaturesProxyMethods = {
  init: call<{ owner_id: string; config?: ProxyConfigInput }>(['owner_id', 'config'], { gas: 100n * TGAS }),
  /** domain_id 0 = secp256k1 (Ecdsa payload), 1 = ed25519 (Eddsa payload). */
  sign: call<{ path: string; payload_v2: SignPayload; domain_id?: 0 | 1 }, SignatureResponse>(['path', 'payload_v2', 'domain_id'], { gas: 150n * TGAS, deposit: ONE_YOCTO }),
  on_signed: privateCall(['user', 'fee_near', 'fee_token', 'token', 'period_start_ns']),
  fail_request: privateCall(['user']),
  /** Called by the fee token in `ft_transfer_call` (msg `"fee"`); not called directly. */
  ft_on_transfer: call<{ sender_id: string; amount: Amount; msg: string }, bigint>(['sender_id', 'amount', 'msg'], { gas: 30n * TGAS, decode: toAmount }),
  /** Sends back all the caller's prepaid token fees (in the token they are held in). */
  withdraw_prepaid_fees: call([], { gas: 60n * TGAS, deposit: ONE_YOCTO }),
  on_prepaid_fees_withdrawn: privateCall(['user', 'token', 'amount']),
  /** Prepays the storage of the account's records (usage, prepaid fees). */
  storage_deposit: call<{ account_id?: string | null }, { total: bigint }>(['account_id'], { gas: 30n * TGAS, deposit: 'caller-chooses', decode: amountsIn(['total']) }),
  storage_withdraw: call<{ amount?: Amount | null }, { total: bigint }>(['amount'], { gas: 30n * TGAS, deposit: ONE_YOCTO, decode: amountsIn(['total']) }),
  set_config: call<{ config: ProxyConfigInput }, ProxyConfig>(['config'], { gas: 30n * TGAS, deposit: ONE_YOCTO, decode: config }),
  allow: call<{ account_id: string }>(['account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  disallow: call<{ account_id: string }>(['account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  pause: call([], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  unpause: call([], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  withdraw_fees: call<Record<string, never>, bigint>([], { gas: 30n * TGAS, deposit: ONE_YOCTO, decode: toAmount }),
  /** Owner: sends the fees collected in `token` to the owner. */
  withdraw_token_fees: call<{ token: string }>(['token'], { gas: 60n * TGAS, deposit: ONE_YOCTO }),
  on_token_fees_withdrawn: privateCall(['token', 'amount']),
  get_config: view<Record<string, never>, ProxyConfig>([], config),
  derivation_path: view<{ account_id: string; path: string }, { predecessor: string; path: string }>(['account_id', 'path']),
  usage_of: view<{ account_id: string }, Usage | null>(['account_id'], amountsIn<Usage | null>(['period_start_ns'])),
  /** Prepaid balance in the current fee token. */
  fee_balance_of: view<{ account_id: string }, bigint>(['account_id'], toAmount),
  prepaid_fees_of: view<{ account_id: string }, { token: string; balance: bigint } | null>(['account_id'], amountsIn(['balance'])),
  collected_token_fees: view<{ token: string }, bigint>(['token'], toAmount),
  storage_balance_of: view<{ account_id: string }, { total: bigint } | null>(['account_id'], amountsIn(['total'])),
  /** What to attach to `sign` when paying in NEAR: 1 yoctoNEAR + fee_near + a first request's record storage. */
  sign_deposit: view<{ account_id: string }, bigint>(['account_id'], toAmount),
  collected_fees: view<Record<string, never>, bigint>([], toAmount),
  is_allowed: view<{ account_id: string }, boolean>(['account_id']),
} as const;

export type ChainSignaturesProxyClient = ContractClient<typeof chainSignaturesProxyMethods>;

export function chainSignaturesProxy(account: Account, contractId: string): ChainSignaturesProxyClient {
  return bindContract(chainSignaturesProxyMethods, account, contractId);
}

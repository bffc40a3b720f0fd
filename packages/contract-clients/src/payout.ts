/**
 * The payout contract (contracts/payout): pools funded in NEAR or a NEP-141 token, batched
 * allocations, claims (gasless through a NEP-366 relayer) and pushes. Gas defaults follow the
 * README's "attach" column: claim 125 Tgas covers a first payout that registers the recipient.
 */
import type { Account } from 'near-api-js';
import { amountsIn, bindContract, call, listOf, privateCall, TGAS, toAmount, view, type Amount, type ContractClient } from './contract.js';

/** `"NEAR"` for a NEAR pool, otherwise the token contract. */
export const NEAR_POOL_TOKEN = 'NEAR';

export interface Pool {
  id: number;
  payer: string;
  token: string;
  supports_batch_transfer: boolean;
  registration_fund: bigint;
  registration_fee: bigint;
  funded: bigint;
  unallocated: bigint;
  claimable: bigint;
  in_flight: bigint;
  paid: bigint;
  default_expiry_ns: bigint;
  batch_count: number;
}

export interface Batch {
  id: number;
  pool_id: number;
  count: number;
  total: bigint;
  expires_at_ns: bigint;
  created_at_ns: bigint;
}

export interface Allocation {
  recipient: string;
  amount: Amount;
  reference?: string;
}

export interface Claimable {
  pool_id: number;
  amount: bigint;
  expires_at_ns: bigint;
}

const pool = amountsIn<Pool>(['registration_fund', 'registration_fee', 'funded', 'unallocated', 'claimable', 'in_flight', 'paid', 'default_expiry_ns']);
const batch = amountsIn<Batch>(['total', 'expires_at_ns', 'created_at_ns']);
const total = amountsIn<{ total: bigint }>(['total']);

export const payoutMethods = {
  init: call<{ owner_id: string }>(['owner_id'], { gas: 100n * TGAS }),
  owner: view<Record<string, never>, string>([]),
  /** Prepays the storage of pools, batches and allocations (attach NEAR). */
  storage_deposit: call<{ account_id?: string | null }, { total: bigint }>(['account_id'], { gas: 30n * TGAS, deposit: 'caller-chooses', decode: total }),
  /** 1 yoctoNEAR: a function-call key cannot withdraw. */
  storage_withdraw: call<{ amount?: Amount | null }, { total: bigint }>(['amount'], { gas: 30n * TGAS, deposit: 1n, decode: total }),
  storage_balance_of: view<{ account_id: string }, { total: bigint } | null>(['account_id'], amountsIn(['total'])),
  /** The attached deposit (at least 1 yoctoNEAR, the default) becomes the pool's registration fund. */
  create_pool: call<{ token: string; default_expiry_ns: Amount; registration_fee?: Amount; supports_batch_transfer?: boolean }, Pool>(
    ['token', 'default_expiry_ns', 'registration_fee', 'supports_batch_transfer'],
    { gas: 30n * TGAS, deposit: 1n, decode: pool },
  ),
  fund_pool: call<{ pool_id: number; registration_fund_only?: boolean }, Pool>(['pool_id', 'registration_fund_only'], { gas: 30n * TGAS, deposit: 'caller-chooses', decode: pool }),
  /** Called by the token in `ft_transfer_call` (msg `{"pool_id": n}`); not called directly. */
  ft_on_transfer: call<{ sender_id: string; amount: Amount; msg: string }, bigint>(['sender_id', 'amount', 'msg'], { gas: 30n * TGAS, decode: toAmount }),
  /** Returns whether the transfer back succeeded; attach ≥ 60 Tgas and 1 yoctoNEAR. */
  withdraw_unallocated: call<{ pool_id: number; amount?: Amount | null }, boolean>(['pool_id', 'amount'], { gas: 100n * TGAS, deposit: 1n }),
  on_withdrawn: privateCall(['pool_id', 'account_id', 'amount']),
  withdraw_registration_fund: call<{ pool_id: number; amount?: Amount | null }, boolean>(['pool_id', 'amount'], { gas: 60n * TGAS, deposit: 1n }),
  on_registration_fund_withdrawn: privateCall(['pool_id', 'amount']),
  /** Up to 500 allocations, 1 yoctoNEAR; 44 Tgas for 100, 251 Tgas for 500 worst-case entries. */
  allocate: call<{ pool_id: number; allocations: Allocation[]; expires_in_ns?: Amount | null }, Batch>(['pool_id', 'allocations', 'expires_in_ns'], { gas: 300n * TGAS, deposit: 1n, decode: batch }),
  expire: call<{ pool_id: number; recipient: string }, bigint>(['pool_id', 'recipient'], { gas: 30n * TGAS, decode: toAmount }),
  /** true: paid; false: the transfer failed and the amount is claimable again. 125 Tgas covers registration. */
  claim: call<{ pool_id: number }, boolean>(['pool_id'], { gas: 125n * TGAS }),
  push: call<{ pool_id: number; recipients: string[] }>(['pool_id', 'recipients'], { gas: 300n * TGAS }),
  push_batch: call<{ pool_id: number; recipients: string[] }, boolean>(['pool_id', 'recipients'], { gas: 300n * TGAS }),
  on_batch_paid: privateCall(['pool_id', 'transfers']),
  on_registration_checked: privateCall(['pool_id', 'recipient', 'amount']),
  on_paid: privateCall(['pool_id', 'recipient', 'amount']),
  get_pool: view<{ pool_id: number }, Pool | null>(['pool_id'], pool),
  list_pools: view<{ from_index?: number; limit?: number }, Pool[]>(['from_index', 'limit'], listOf(pool)),
  list_batches: view<{ pool_id: number; from_index?: number; limit?: number }, Batch[]>(['pool_id', 'from_index', 'limit'], listOf(batch)),
  claimable_of: view<{ account_id: string; pool_ids?: number[]; from_index?: number; limit?: number }, Claimable[]>(
    ['account_id', 'pool_ids', 'from_index', 'limit'],
    listOf(amountsIn<Claimable>(['amount', 'expires_at_ns'])),
  ),
} as const;

export type PayoutClient = ContractClient<typeof payoutMethods>;

export function payout(account: Account, contractId: string): PayoutClient {
  return bindContract(payoutMethods, account, contractId);
}

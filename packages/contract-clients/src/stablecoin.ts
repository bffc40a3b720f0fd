/**
 * The stablecoin (contracts/stablecoin): NEP-141/145/148/330 plus issuer controls. Gas defaults are
 * the README's measured figures rounded up with headroom; every control and transfer needs exactly
 * 1 yoctoNEAR (`Guard: requires an attached deposit of exactly 1 yoctoNEAR`), which is the default.
 */
import type { Account } from 'near-api-js';
import { amountsIn, bindContract, call, ONE_YOCTO, privateCall, TGAS, toAmount, view, type Amount, type ContractClient } from './contract.js';

export interface FungibleTokenMetadata {
  spec: string;
  name: string;
  symbol: string;
  icon: string | null;
  reference: string | null;
  reference_hash: string | null;
  decimals: number;
}

export interface StorageBalance {
  total: bigint;
  available: bigint;
}

export interface Transfer {
  receiver_id: string;
  amount: Amount;
  memo?: string | null;
}

/** Roles of `grant_role`/`revoke_role` (contracts/stablecoin README). */
export type StablecoinRole = 'master_minter' | 'pauser' | 'blacklister' | 'upgrader';

const storageBalance = amountsIn<StorageBalance | null>(['total', 'available']);
const maybeAmount = (raw: unknown) => (raw === null ? null : toAmount(raw));

export const stablecoinMethods = {
  init: call<{ owner_id: string; metadata?: Partial<FungibleTokenMetadata> }>(['owner_id', 'metadata'], { gas: 100n * TGAS }),
  ft_transfer: call<{ receiver_id: string; amount: Amount; memo?: string | null }>(['receiver_id', 'amount', 'memo'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  /** Returns the amount the receiver kept (after `ft_resolve_transfer`); needs ≥ 60 Tgas. */
  ft_transfer_call: call<{ receiver_id: string; amount: Amount; memo?: string | null; msg: string }, bigint>(['receiver_id', 'amount', 'memo', 'msg'], {
    gas: 150n * TGAS,
    deposit: ONE_YOCTO,
    decode: toAmount,
  }),
  ft_resolve_transfer: privateCall(['sender_id', 'receiver_id', 'amount']),
  ft_total_supply: view<Record<string, never>, bigint>([], toAmount),
  ft_balance_of: view<{ account_id: string }, bigint>(['account_id'], toAmount),
  ft_metadata: view<Record<string, never>, FungibleTokenMetadata>([]),
  /** All or nothing; 68 Tgas for 100 receivers. */
  batch_transfer: call<{ transfers: Transfer[] }>(['transfers'], { gas: 150n * TGAS, deposit: ONE_YOCTO }),
  /** Attach at least `storage_balance_bounds().min`; the excess is refunded. */
  storage_deposit: call<{ account_id?: string | null; registration_only?: boolean | null }, StorageBalance>(['account_id', 'registration_only'], {
    gas: 30n * TGAS,
    deposit: 'caller-chooses',
    decode: storageBalance as (raw: unknown) => StorageBalance,
  }),
  storage_withdraw: call<{ amount?: Amount | null }, StorageBalance>(['amount'], { gas: 30n * TGAS, deposit: ONE_YOCTO, decode: storageBalance as (raw: unknown) => StorageBalance }),
  storage_unregister: call<{ force?: boolean | null }, boolean>(['force'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  storage_balance_bounds: view<Record<string, never>, { min: bigint; max: bigint }>([], amountsIn(['min', 'max'])),
  storage_balance_of: view<{ account_id: string }, StorageBalance | null>(['account_id'], storageBalance),
  contract_source_metadata: view<Record<string, never>, { version: string; link: string; standards: { standard: string; version: string }[] }>([]),
  owner: view<Record<string, never>, string>([]),
  proposed_owner: view<Record<string, never>, string | null>([]),
  propose_owner: call<{ account_id: string | null }>(['account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  accept_ownership: call([], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  grant_role: call<{ role: StablecoinRole; account_id: string }>(['role', 'account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  revoke_role: call<{ role: StablecoinRole; account_id: string }>(['role', 'account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  has_role: view<{ role: StablecoinRole; account_id: string }, boolean>(['role', 'account_id']),
  configure_minter: call<{ account_id: string; allowance: Amount }>(['account_id', 'allowance'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  remove_minter: call<{ account_id: string }>(['account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  minter_allowance: view<{ account_id: string }, bigint | null>(['account_id'], maybeAmount),
  mint: call<{ account_id: string; amount: Amount; memo?: string | null }>(['account_id', 'amount', 'memo'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  burn: call<{ amount: Amount; memo?: string | null }>(['amount', 'memo'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  pause: call([], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  unpause: call([], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  is_paused: view<Record<string, never>, boolean>([]),
  blacklist_account: call<{ account_id: string }>(['account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  unblacklist_account: call<{ account_id: string }>(['account_id'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  is_blacklisted: view<{ account_id: string }, boolean>(['account_id']),
  state_version: view<Record<string, never>, number>([]),
  /**
   * Time-locked upgrades: `stage_upgrade` takes the raw Wasm as its input (not JSON, so it is not
   * in this table: send a function call with the code as its arguments, attaching the code's
   * storage, about 10^19 yoctoNEAR per byte); after the owner's delay the upgrader applies it.
   */
  apply_upgrade: call([], { gas: 300n * TGAS, deposit: ONE_YOCTO }),
  cancel_upgrade: call([], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  set_upgrade_delay: call<{ delay_ns: Amount }>(['delay_ns'], { gas: 30n * TGAS, deposit: ONE_YOCTO }),
  upgrade_delay: view<Record<string, never>, { delay_ns: bigint; min_ns: bigint; max_ns: bigint }>([], amountsIn(['delay_ns', 'min_ns', 'max_ns'])),
  staged_upgrade: view<Record<string, never>, StagedUpgrade | null>([], amountsIn(['staged_at_ns', 'ready_at_ns'])),
} as const;

/** The upgrade waiting for its delay (`staged_upgrade`). */
export interface StagedUpgrade {
  /** sha256 of the staged Wasm, hex. */
  code_hash: string;
  code_size: number;
  staged_by: string;
  staged_at_ns: bigint;
  ready_at_ns: bigint;
}

export type StablecoinClient = ContractClient<typeof stablecoinMethods>;

export function stablecoin(account: Account, contractId: string): StablecoinClient {
  return bindContract(stablecoinMethods, account, contractId);
}

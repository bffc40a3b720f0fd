/**
 * Shared fixture of the payout suites (near-workspaces public API only): a fresh stablecoin and
 * payout contract per test, a payer holding tokens and a storage balance, and helpers that read
 * the pool ledger and check its conservation rule.
 */
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import type { NearAccount, Worker } from 'near-workspaces';
import { contractWasm } from './wasm.js';
import { createSubAccount, events as allEvents, panics } from './accounts.js';

export const NEAR = 10n ** 24n;
export const TGAS = 10n ** 12n;
/** One day in nanoseconds: the default allocation expiry of test pools. */
export const DAY_NS = 86_400n * 10n ** 9n;

export interface PayoutContext {
  worker: Worker;
  root: NearAccount;
}

export interface Pool {
  id: number;
  payer: string;
  token: string;
  supports_batch_transfer: boolean;
  registration_fund: string;
  registration_fee: string;
  funded: string;
  unallocated: string;
  claimable: string;
  in_flight: string;
  paid: string;
  default_expiry_ns: string;
  batch_count: number;
}

/** Accounts from the root, one at a time (see helpers/accounts.ts). */
export function createAccount(t: ExecutionContext<PayoutContext>, prefix: string, balance: bigint): Promise<NearAccount> {
  return createSubAccount(t.context.root, prefix, balance);
}

export interface Fixture {
  token: NearAccount;
  payout: NearAccount;
  owner: NearAccount;
  payer: NearAccount;
  /** The token's NEP-145 registration cost (storage_balance_bounds().min). */
  registrationFee: bigint;
  register(accountId: string): Promise<void>;
  tokenBalance(account: NearAccount | string): Promise<bigint>;
  pool(id: number): Promise<Pool>;
  claimable(account: NearAccount | string, poolId: number): Promise<bigint>;
  /** Creates a pool of the payer; `fund` NEAR (at least 1 yoctoNEAR) goes to its registration fund. */
  createPool(options?: { token?: string; fee?: bigint; fund?: bigint; batch?: boolean; expiryNs?: bigint }): Promise<number>;
  /** Funds a token pool with ft_transfer_call from the payer. */
  fundTokens(poolId: number, amount: bigint): Promise<void>;
  allocate(poolId: number, entries: [string, bigint][], expiresInNs?: bigint): Promise<void>;
  /** Owner-only token controls (the owner holds every role). */
  tokenAdmin(method: 'pause' | 'unpause' | 'blacklist_account' | 'unblacklist_account', args?: Record<string, unknown>): Promise<void>;
}

export { panics };

export interface PayoutEvent {
  standard: string;
  version: string;
  event: string;
  data: Record<string, unknown>[];
}

/** The NEP-297 events of one standard among a transaction's logs. */
export function events(logs: string[], standard = 'payout'): PayoutEvent[] {
  return allEvents(logs).filter((e) => e.standard === standard);
}

/** funded = unallocated + claimable + in_flight + paid, and nothing in flight once receipts settle. */
export function assertConserved(t: ExecutionContext<PayoutContext>, pool: Pool, message = ''): void {
  const sum = BigInt(pool.unallocated) + BigInt(pool.claimable) + BigInt(pool.in_flight) + BigInt(pool.paid);
  t.is(sum, BigInt(pool.funded), `pool ${pool.id} conservation ${message}: ${JSON.stringify(pool)}`);
  t.is(pool.in_flight, '0', `pool ${pool.id} settled ${message}`);
}

export async function deployPayout(t: ExecutionContext<PayoutContext>, tokens = 10n ** 12n): Promise<Fixture> {
  const token = await createAccount(t, 'usd', 40n * NEAR);
  const payout = await createAccount(t, 'payout', 40n * NEAR);
  const owner = await createAccount(t, 'owner', 40n * NEAR);
  const payer = await createAccount(t, 'payer', 200n * NEAR);
  await token.deploy(readFileSync(contractWasm('stablecoin')));
  await token.call(token, 'init', { owner_id: owner.accountId }, { gas: 100n * TGAS });
  await payout.deploy(readFileSync(contractWasm('payout')));
  await payout.call(payout, 'init', { owner_id: owner.accountId }, { gas: 100n * TGAS });
  const { min } = (await token.view('storage_balance_bounds', {})) as { min: string };
  const registrationFee = BigInt(min);
  for (const role of ['master_minter', 'pauser', 'blacklister']) {
    await owner.call(token, 'grant_role', { role, account_id: owner.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  }
  await owner.call(token, 'configure_minter', { account_id: owner.accountId, allowance: (10n ** 30n).toString() }, { attachedDeposit: 1n, gas: 50n * TGAS });
  const register = async (accountId: string) => {
    await owner.call(token, 'storage_deposit', { account_id: accountId }, { attachedDeposit: registrationFee, gas: 50n * TGAS });
  };
  await register(payer.accountId);
  await register(payout.accountId);
  await owner.call(token, 'mint', { account_id: payer.accountId, amount: tokens.toString() }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await payer.call(payout, 'storage_deposit', {}, { attachedDeposit: 5n * NEAR, gas: 50n * TGAS });

  const fixture: Fixture = {
    token,
    payout,
    owner,
    payer,
    registrationFee,
    register,
    tokenBalance: async (account) => BigInt((await token.view('ft_balance_of', { account_id: typeof account === 'string' ? account : account.accountId })) as string),
    pool: async (id) => (await payout.view('get_pool', { pool_id: id })) as Pool,
    claimable: async (account, poolId) => {
      const rows = (await payout.view('claimable_of', { account_id: typeof account === 'string' ? account : account.accountId, pool_ids: [poolId] })) as { amount: string }[];
      return rows.length === 0 ? 0n : BigInt(rows[0]!.amount);
    },
    createPool: async ({ token: poolToken = token.accountId, fee = registrationFee, fund = NEAR, batch = true, expiryNs = DAY_NS } = {}) => {
      const pool = (await payer.call(
        payout,
        'create_pool',
        { token: poolToken, default_expiry_ns: expiryNs.toString(), registration_fee: fee.toString(), supports_batch_transfer: batch },
        { attachedDeposit: fund, gas: 50n * TGAS },
      )) as Pool;
      return pool.id;
    },
    fundTokens: async (poolId, amount) => {
      const r = await payer.callRaw(token, 'ft_transfer_call', { receiver_id: payout.accountId, amount: amount.toString(), msg: JSON.stringify({ pool_id: poolId }) }, { attachedDeposit: 1n, gas: 150n * TGAS });
      if (r.failed || r.receiptFailureMessages.length > 0) throw new Error(`funding failed: ${r.receiptFailureMessages.join('; ')}`);
    },
    allocate: async (poolId, entries, expiresInNs) => {
      const r = await payer.callRaw(
        payout,
        'allocate',
        { pool_id: poolId, allocations: entries.map(([recipient, amount], i) => ({ recipient, amount: amount.toString(), reference: `task-${i}` })), expires_in_ns: expiresInNs?.toString() },
        { attachedDeposit: 1n, gas: 300n * TGAS },
      );
      if (r.failed) throw new Error(`allocate failed: ${panics(r.receiptFailureMessages).join('; ')}`);
    },
    tokenAdmin: async (method, args = {}) => {
      await owner.call(token, method, args, { attachedDeposit: 1n, gas: 50n * TGAS });
    },
  };
  return fixture;
}

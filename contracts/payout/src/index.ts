/**
 * Payouts: a payer funds a pool in NEAR or any NEP-141 token, allocates many small amounts in one
 * call (internal ledger writes, no cross-contract transfer per recipient), and recipients claim
 * (or anyone pushes) later. Claims need no deposit, so a recipient with no NEAR can claim through
 * a NEP-366 relayer with a function-call key.
 *
 * Money is conserved per pool: funded = unallocated + claimable + in_flight + paid. A transfer
 * moves the amount from claimable to in_flight; its callback moves it to paid, or back to
 * claimable if the transfer failed, so nothing is lost or paid twice.
 *
 * Rules fail with `Payout: <rule broken>`. Method table: ../README.md.
 */
import { NearBindgen, call, view, initialize, near, LookupMap, NearPromise } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { parseAccountId } from '../../lib/account-id';
import { parseAmount, parsePositiveAmount, checkedAdd, checkedSub } from '../../lib/amount';
import { assertAtLeastOneYocto, assertInitBySelf, assertOneYocto, assertPrivate } from '../../lib/guards';
import { eventEmitter } from '../../lib/events';
import { promiseSucceeded } from '../../lib/promise-result';
import * as ownable from '../../lib/ownable';
import { storageCost } from '../../lib/storage';
import { chargeStorageTo, depositStorage, settleStorageWith, storageBalanceOf, withdrawStorageToCaller } from '../../lib/storage-balance';

const TGAS = 1_000_000_000_000n;
// A near-sdk-js method costs 11-15 Tgas (measured on the in-process node: ft_transfer 14.2,
// storage_balance_of 10.9, storage_deposit 13.5, on_paid 12.7), so each hop gets 20 Tgas.
const GAS_FOR_FT_TRANSFER = 20n * TGAS;
const GAS_FOR_STORAGE_CHECK = 20n * TGAS;
const GAS_FOR_STORAGE_DEPOSIT = 20n * TGAS;
const GAS_FOR_PAYOUT_CALLBACK = 20n * TGAS;
/** Its own work plus storage_deposit, ft_transfer and on_paid. */
const GAS_FOR_REGISTRATION_CALLBACK = 20n * TGAS + GAS_FOR_STORAGE_DEPOSIT + GAS_FOR_FT_TRANSFER + GAS_FOR_PAYOUT_CALLBACK;
/** Gas a payout chain needs beyond the calling method: a known-registered recipient, or a check first. */
const GAS_FOR_PAYOUT = GAS_FOR_FT_TRANSFER + GAS_FOR_PAYOUT_CALLBACK;
const GAS_FOR_CHECKED_PAYOUT = GAS_FOR_STORAGE_CHECK + GAS_FOR_REGISTRATION_CALLBACK;
/** batch_transfer and on_batch_paid: a fixed part plus a part per transfer (measured, with margin). */
const GAS_FOR_BATCH_TRANSFER_BASE = 15n * TGAS;
const GAS_FOR_BATCH_TRANSFER_EACH = 800_000_000_000n;
const GAS_FOR_BATCH_CALLBACK_BASE = 15n * TGAS;
const GAS_FOR_BATCH_CALLBACK_EACH = 450_000_000_000n;
/** What the calling method keeps for itself after scheduling promises. */
const GAS_RESERVE = 5n * TGAS;

const NEAR_TOKEN = 'NEAR';
/**
 * Allocations per batch: a batch of this many worst-case entries (64-character ids, 18-digit
 * amounts, 128-character references) still fits one 300 Tgas transaction (scripts/bench-gas/payout.ts).
 */
const MAX_BATCH = 500;
const MAX_PUSH = 8;
/** The stablecoin's batch_transfer accepts at most 400 transfers. */
const MAX_PUSH_BATCH = 400;
const MAX_PAGE = 100;
const MAX_REFERENCE = 128;

const emit = eventEmitter('payout', '1.0.0');

interface Pool {
  id: number;
  payer: string;
  token: string;
  /** When true the token is our stablecoin and push_batch may use its batch_transfer. */
  supports_batch_transfer: boolean;
  /** NEAR set aside by the payer to register recipients with the token (NEP-145). */
  registration_fund: string;
  /** NEAR attached per registration: the token's storage_balance_bounds().min. */
  registration_fee: string;
  funded: string;
  unallocated: string;
  claimable: string;
  in_flight: string;
  paid: string;
  default_expiry_ns: string;
  batch_count: number;
}

interface Batch {
  id: number;
  pool_id: number;
  count: number;
  total: string;
  expires_at_ns: string;
  created_at_ns: string;
}

interface AllocationInput {
  recipient: string;
  amount: string;
  reference?: string | null;
}

interface Allocation {
  amount: bigint;
  expiresAt: bigint;
}

/** Allocations are stored compactly as "<amount>:<expires_at_ns>" to keep batches cheap. */
function encodeAllocation(allocation: Allocation): string {
  return `${allocation.amount}:${allocation.expiresAt}`;
}

function decodeAllocation(raw: string | null): Allocation | null {
  if (raw === null) return null;
  const [amount, expiresAt] = raw.split(':');
  return { amount: BigInt(amount), expiresAt: BigInt(expiresAt) };
}

function assertAccountId(value: unknown, field: string): string {
  return parseAccountId(value, `Payout: ${field}`);
}

function parseDuration(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,18}$/.test(value)) panic(`Payout: ${field} must be a positive nanosecond count as a decimal string`);
  return BigInt(value);
}

function parseIndex(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) panic(`Payout: ${field} must be a non-negative integer`);
  return value;
}

@NearBindgen({ requireInit: true })
export class Payout {
  nextPoolId = 0;
  pools: LookupMap<Pool> = new LookupMap<Pool>('p');
  batches: LookupMap<Batch> = new LookupMap<Batch>('b');
  /** "<pool>:<recipient>" -> "<amount>:<expires_at_ns>" */
  allocations: LookupMap<string> = new LookupMap<string>('a');
  /** "<token>:<account>" -> true once the account is known to be registered with the token. */
  registered: LookupMap<boolean> = new LookupMap<boolean>('r');

  @initialize({})
  init({ owner_id }: { owner_id: string }): void {
    assertInitBySelf();
    ownable.initOwner(assertAccountId(owner_id, 'owner_id'));
  }

  @view({})
  owner(): string {
    return ownable.owner();
  }

  // ------------------------------------------------------------ storage balance of payers

  /** Prepays the storage of pools, batches and allocations created by `account_id` (default: the caller). */
  @call({ payableFunction: true })
  storage_deposit({ account_id }: { account_id?: string | null }): { total: string } {
    const accountId = account_id ? assertAccountId(account_id, 'account_id') : near.predecessorAccountId();
    require(near.attachedDeposit() > 0n, 'Payout: attach NEAR to deposit for storage');
    const total = depositStorage(accountId, near.attachedDeposit());
    emit('storage_deposit', [{ account_id: accountId, amount: near.attachedDeposit().toString(), total: total.toString() }]);
    return { total: total.toString() };
  }

  /** Returns unused storage balance to the caller (default: all of it). 1 yoctoNEAR: moves the caller's NEAR. */
  @call({ payableFunction: true })
  storage_withdraw({ amount }: { amount?: string | null }): { total: string } {
    assertOneYocto();
    const { accountId, taken, total } = withdrawStorageToCaller(amount);
    emit('storage_withdraw', [{ account_id: accountId, amount: taken.toString(), total: total.toString() }]);
    return { total: total.toString() };
  }

  @view({})
  storage_balance_of({ account_id }: { account_id: string }): { total: string } | null {
    const balance = storageBalanceOf(account_id);
    return balance === null ? null : { total: balance.toString() };
  }

  // ------------------------------------------------------------ pools

  /**
   * Creates a pool owned by the caller. Attach NEAR to fill the registration fund (used to
   * register unregistered recipients with the token); the pool record is paid from the caller's
   * storage balance.
   */
  @call({ payableFunction: true })
  create_pool(args: { token: string; default_expiry_ns: string; registration_fee?: string; supports_batch_transfer?: boolean }): Pool {
    // At least 1 yoctoNEAR (it goes to the fund): a function-call key cannot spend the storage balance on pools.
    assertAtLeastOneYocto();
    const payer = near.predecessorAccountId();
    const token = args?.token === NEAR_TOKEN ? NEAR_TOKEN : assertAccountId(args?.token, 'token');
    const pool: Pool = {
      id: this.nextPoolId,
      payer,
      token,
      supports_batch_transfer: args.supports_batch_transfer === true && token !== NEAR_TOKEN,
      registration_fund: near.attachedDeposit().toString(),
      registration_fee: parseAmount(args.registration_fee ?? '0', 'registration_fee').toString(),
      funded: '0',
      unallocated: '0',
      claimable: '0',
      in_flight: '0',
      paid: '0',
      default_expiry_ns: parseDuration(args.default_expiry_ns, 'default_expiry_ns').toString(),
      batch_count: 0,
    };
    chargeStorageTo(payer, () => this.pools.set(String(pool.id), pool));
    this.nextPoolId += 1;
    emit('pool_created', [{ pool_id: pool.id, payer, token, registration_fund: pool.registration_fund, registration_fee: pool.registration_fee }]);
    return pool;
  }

  /** Funds a NEAR pool with the attached deposit, or adds to any pool's registration fund. */
  @call({ payableFunction: true })
  fund_pool({ pool_id, registration_fund_only }: { pool_id: number; registration_fund_only?: boolean }): Pool {
    const pool = this.pool(pool_id);
    const amount = near.attachedDeposit();
    require(amount > 0n, 'Payout: attach NEAR to fund the pool');
    if (registration_fund_only === true || pool.token !== NEAR_TOKEN) {
      require(registration_fund_only === true, 'Payout: pool is funded in a token; use ft_transfer_call, or pass registration_fund_only');
      pool.registration_fund = (BigInt(pool.registration_fund) + amount).toString();
      emit('registration_funded', [{ pool_id: pool.id, sender_id: near.predecessorAccountId(), amount: amount.toString() }]);
    } else {
      this.credit(pool, amount, near.predecessorAccountId());
    }
    this.pools.set(String(pool.id), pool);
    return pool;
  }

  /** NEP-141 receiver: msg {"pool_id": <id>} funds that pool in the calling token. */
  @call({})
  ft_on_transfer({ sender_id, amount, msg }: { sender_id: string; amount: string; msg: string }): string {
    const value = parsePositiveAmount(amount);
    let parsed: { pool_id?: unknown } | null;
    try {
      parsed = JSON.parse(msg);
    } catch (_) {
      panic('Payout: msg must be JSON {"pool_id": <pool id>}');
    }
    const pool = this.pool(parsed?.pool_id);
    require(pool.token === near.predecessorAccountId(), 'Payout: token does not match the pool token');
    this.credit(pool, value, sender_id);
    this.pools.set(String(pool.id), pool);
    return '0';
  }

  /** Payer: takes back unallocated funds (default: all), with a callback that restores them if the transfer fails. */
  @call({ payableFunction: true })
  withdraw_unallocated({ pool_id, amount }: { pool_id: number; amount?: string | null }): NearPromise {
    assertOneYocto();
    const pool = this.pool(pool_id);
    this.assertPayer(pool);
    const available = BigInt(pool.unallocated);
    const value = amount === undefined || amount === null ? available : parsePositiveAmount(amount);
    require(value > 0n, 'Payout: nothing to withdraw');
    this.assertGas(GAS_FOR_PAYOUT, 'withdraw_unallocated');
    pool.unallocated = checkedSub(available, value, `Payout: amount exceeds the unallocated balance ${available}`).toString();
    pool.in_flight = (BigInt(pool.in_flight) + value).toString();
    this.pools.set(String(pool.id), pool);
    emit('withdrawal_started', [{ pool_id: pool.id, payer: pool.payer, amount: value.toString() }]);
    return this.transferWithCallback(pool, pool.payer, value, 'on_withdrawn');
  }

  /** Private callback of withdraw_unallocated. */
  @call({ privateFunction: true })
  on_withdrawn({ pool_id, account_id, amount }: { pool_id: number; account_id: string; amount: string }): boolean {
    assertPrivate();
    const pool = this.pool(pool_id);
    const value = parseAmount(amount);
    const ok = promiseSucceeded();
    pool.in_flight = (BigInt(pool.in_flight) - value).toString();
    if (ok) {
      pool.funded = (BigInt(pool.funded) - value).toString();
    } else {
      pool.unallocated = (BigInt(pool.unallocated) + value).toString();
    }
    this.pools.set(String(pool.id), pool);
    emit(ok ? 'withdrawal_completed' : 'withdrawal_failed', [{ pool_id: pool.id, account_id, amount }]);
    return ok;
  }

  /** Payer: takes back NEAR of the registration fund (default: all). */
  @call({ payableFunction: true })
  withdraw_registration_fund({ pool_id, amount }: { pool_id: number; amount?: string | null }): NearPromise {
    assertOneYocto();
    const pool = this.pool(pool_id);
    this.assertPayer(pool);
    const available = BigInt(pool.registration_fund);
    const value = amount === undefined || amount === null ? available : parsePositiveAmount(amount);
    require(value > 0n, 'Payout: registration fund is empty');
    this.assertGas(GAS_FOR_PAYOUT_CALLBACK, 'withdraw_registration_fund');
    pool.registration_fund = checkedSub(available, value, `Payout: amount exceeds the registration fund ${available}`).toString();
    this.pools.set(String(pool.id), pool);
    emit('registration_fund_withdrawal_started', [{ pool_id: pool.id, payer: pool.payer, amount: value.toString() }]);
    return NearPromise.new(pool.payer)
      .transfer(value)
      .then(this.callback('on_registration_fund_withdrawn', { pool_id: pool.id, amount: value.toString() }, GAS_FOR_PAYOUT_CALLBACK));
  }

  /** Private callback of withdraw_registration_fund: a failed transfer goes back to the fund. */
  @call({ privateFunction: true })
  on_registration_fund_withdrawn({ pool_id, amount }: { pool_id: number; amount: string }): boolean {
    assertPrivate();
    const pool = this.pool(pool_id);
    const ok = promiseSucceeded();
    if (!ok) {
      pool.registration_fund = (BigInt(pool.registration_fund) + parseAmount(amount)).toString();
      this.pools.set(String(pool.id), pool);
    }
    emit(ok ? 'registration_fund_withdrawn' : 'registration_fund_withdrawal_failed', [{ pool_id: pool.id, amount }]);
    return ok;
  }

  // ------------------------------------------------------------ allocation

  /**
   * Payer: credits many recipients in one call (duplicates refused). Each becomes claimable until
   * `expires_in_ns` from now (default: the pool's). Storage is paid from the payer's storage
   * balance. All or nothing: any bad entry refuses the whole batch. References are validated but
   * not stored (they would double a batch's storage) nor logged (NEAR allows 16 KiB of logs per
   * call, about 180 entries): they stay in the transaction's arguments on chain. The event is a
   * summary of the batch.
   */
  @call({ payableFunction: true })
  allocate({ pool_id, allocations, expires_in_ns }: { pool_id: number; allocations: AllocationInput[]; expires_in_ns?: string | null }): Batch {
    assertOneYocto();
    const pool = this.pool(pool_id);
    this.assertPayer(pool);
    require(Array.isArray(allocations) && allocations.length > 0, 'Payout: allocations must be a non-empty array of {recipient, amount, reference?}');
    require(allocations.length <= MAX_BATCH, `Payout: at most ${MAX_BATCH} allocations per batch; split it into several batches`);
    const now = near.blockTimestamp();
    const expiresAt = now + (expires_in_ns === undefined || expires_in_ns === null ? BigInt(pool.default_expiry_ns) : parseDuration(expires_in_ns, 'expires_in_ns'));
    const seen = new Set<string>();
    let total = 0n;
    const parsed: { recipient: string; amount: bigint }[] = [];
    for (let i = 0; i < allocations.length; i++) {
      const entry = allocations[i];
      require(typeof entry === 'object' && entry !== null, `Payout: allocations[${i}] must be an object {recipient, amount, reference?}`);
      const recipient = assertAccountId(entry.recipient, `allocations[${i}].recipient`);
      require(!seen.has(recipient), `Payout: duplicate recipient ${recipient} in batch; merge its amounts into one entry`);
      seen.add(recipient);
      const amount = parsePositiveAmount(entry.amount, `allocations[${i}].amount`);
      const reference = entry.reference;
      if (reference !== undefined && reference !== null) {
        require(typeof reference === 'string' && reference.length <= MAX_REFERENCE, `Payout: allocations[${i}].reference must be a string of at most ${MAX_REFERENCE} characters`);
      }
      total = checkedAdd(total, amount, 'batch total');
      parsed.push({ recipient, amount });
    }
    pool.unallocated = checkedSub(BigInt(pool.unallocated), total, `Payout: batch total ${total} exceeds the unallocated balance ${pool.unallocated}; fund the pool first`).toString();
    pool.claimable = (BigInt(pool.claimable) + total).toString();
    const batch: Batch = {
      id: pool.batch_count,
      pool_id: pool.id,
      count: parsed.length,
      total: total.toString(),
      expires_at_ns: expiresAt.toString(),
      created_at_ns: now.toString(),
    };
    pool.batch_count += 1;
    chargeStorageTo(pool.payer, () => {
      for (const { recipient, amount } of parsed) {
        const key = `${pool.id}:${recipient}`;
        const existing = decodeAllocation(this.allocations.get(key));
        // A later batch adds to an existing allocation and extends its expiry.
        const next: Allocation = existing === null
          ? { amount, expiresAt }
          : { amount: existing.amount + amount, expiresAt: existing.expiresAt > expiresAt ? existing.expiresAt : expiresAt };
        this.allocations.set(key, encodeAllocation(next));
      }
      this.batches.set(`${pool.id}:${batch.id}`, batch);
      this.pools.set(String(pool.id), pool);
    });
    emit('batch_allocated', [{ pool_id: pool.id, batch_id: batch.id, count: batch.count, total: batch.total, expires_at_ns: batch.expires_at_ns }]);
    return batch;
  }

  /** Anyone: returns an expired allocation to its pool's unallocated balance. */
  @call({})
  expire({ pool_id, recipient }: { pool_id: number; recipient: string }): string {
    const pool = this.pool(pool_id);
    const key = `${pool.id}:${assertAccountId(recipient, 'recipient')}`;
    const allocation = decodeAllocation(this.allocations.get(key));
    require(allocation !== null && allocation.amount > 0n, `Payout: ${recipient} has no claimable allocation in pool ${pool.id}`);
    require(near.blockTimestamp() > allocation.expiresAt, `Payout: allocation of ${recipient} has not expired; it expires at ${allocation.expiresAt} ns`);
    pool.claimable = (BigInt(pool.claimable) - allocation.amount).toString();
    pool.unallocated = (BigInt(pool.unallocated) + allocation.amount).toString();
    chargeStorageTo(pool.payer, () => {
      this.allocations.remove(key);
      this.pools.set(String(pool.id), pool);
    });
    emit('allocation_expired', [{ pool_id: pool.id, recipient, amount: allocation.amount.toString() }]);
    return allocation.amount.toString();
  }

  // ------------------------------------------------------------ paying out

  /**
   * Recipient: pays out their whole allocation from a pool. No deposit, so a relayed
   * (NEP-366) call with a function-call key works. Unregistered recipients of a token pool are
   * registered first, paid from the pool's registration fund.
   */
  @call({})
  claim({ pool_id }: { pool_id: number }): NearPromise {
    const pool = this.pool(pool_id);
    const recipient = near.predecessorAccountId();
    this.assertGas(this.payoutGas(pool, recipient), 'claim');
    return this.startPayout(pool, recipient);
  }

  /** Anyone (payer, relayer): pays up to 8 recipients' allocations with one transfer chain each. */
  @call({})
  push({ pool_id, recipients }: { pool_id: number; recipients: string[] }): void {
    const pool = this.pool(pool_id);
    require(Array.isArray(recipients) && recipients.length > 0 && recipients.length <= MAX_PUSH, `Payout: recipients must be an array of 1 to ${MAX_PUSH} account ids`);
    const seen = new Set<string>();
    let gas = 0n;
    for (let i = 0; i < recipients.length; i++) {
      const recipient = assertAccountId(recipients[i], `recipients[${i}]`);
      require(!seen.has(recipient), `Payout: duplicate recipient ${recipient}`);
      seen.add(recipient);
      gas += this.payoutGas(pool, recipient);
    }
    this.assertGas(gas, 'push');
    for (const recipient of recipients) {
      // Detached: each chain settles on its own; every callback re-reads the pool record.
      this.startPayout(pool, recipient).build();
    }
  }

  /**
   * Anyone: pays many recipients in one batch_transfer of the project's stablecoin (pools created
   * with supports_batch_transfer). All or nothing: if the batch fails (a recipient not registered
   * or blacklisted, the token paused), every amount returns to claimable.
   */
  @call({})
  push_batch({ pool_id, recipients }: { pool_id: number; recipients: string[] }): NearPromise {
    const pool = this.pool(pool_id);
    require(pool.supports_batch_transfer, 'Payout: pool token does not support batch_transfer; use push');
    require(Array.isArray(recipients) && recipients.length > 0 && recipients.length <= MAX_PUSH_BATCH, `Payout: recipients must be an array of 1 to ${MAX_PUSH_BATCH} account ids`);
    const n = BigInt(recipients.length);
    const transferGas = GAS_FOR_BATCH_TRANSFER_BASE + GAS_FOR_BATCH_TRANSFER_EACH * n;
    const callbackGas = GAS_FOR_BATCH_CALLBACK_BASE + GAS_FOR_BATCH_CALLBACK_EACH * n;
    const seen = new Set<string>();
    const transfers: { receiver_id: string; amount: string }[] = [];
    let total = 0n;
    for (let i = 0; i < recipients.length; i++) {
      const recipient = assertAccountId(recipients[i], `recipients[${i}]`);
      require(!seen.has(recipient), `Payout: duplicate recipient ${recipient}`);
      seen.add(recipient);
      const amount = this.takeClaimable(pool, recipient);
      total += amount;
      transfers.push({ receiver_id: recipient, amount: amount.toString() });
    }
    // Checked after the work above, whose cost grows with the batch.
    this.assertGas(transferGas + callbackGas, 'push_batch');
    pool.claimable = (BigInt(pool.claimable) - total).toString();
    pool.in_flight = (BigInt(pool.in_flight) + total).toString();
    this.pools.set(String(pool.id), pool);
    emit('push_batch_started', [{ pool_id: pool.id, count: transfers.length, total: total.toString() }]);
    return NearPromise.new(pool.token)
      .functionCall('batch_transfer', JSON.stringify({ transfers }), 1n, transferGas)
      .then(this.callback('on_batch_paid', { pool_id: pool.id, transfers }, callbackGas));
  }

  /** Private callback of push_batch. */
  @call({ privateFunction: true })
  on_batch_paid({ pool_id, transfers }: { pool_id: number; transfers: { receiver_id: string; amount: string }[] }): boolean {
    assertPrivate();
    const pool = this.pool(pool_id);
    const ok = promiseSucceeded();
    let total = 0n;
    for (const transfer of transfers) {
      const amount = BigInt(transfer.amount);
      total += amount;
      if (!ok) this.restoreClaimable(pool, transfer.receiver_id, amount);
    }
    pool.in_flight = (BigInt(pool.in_flight) - total).toString();
    if (ok) pool.paid = (BigInt(pool.paid) + total).toString();
    else pool.claimable = (BigInt(pool.claimable) + total).toString();
    this.pools.set(String(pool.id), pool);
    emit(ok ? 'push_batch_completed' : 'push_batch_failed', [{ pool_id: pool.id, count: transfers.length, total: total.toString() }]);
    return ok;
  }

  /** Private callback after asking the token whether the recipient is registered (NEP-145 storage_balance_of). */
  @call({ privateFunction: true })
  on_registration_checked({ pool_id, recipient, amount }: { pool_id: number; recipient: string; amount: string }): NearPromise | boolean {
    assertPrivate();
    const pool = this.pool(pool_id);
    const value = parseAmount(amount);
    if (!promiseSucceeded()) {
      // Without an answer nothing is spent: the amount goes back to claimable.
      this.undoPayout(pool, recipient, value, 'the token did not answer storage_balance_of');
      return false;
    }
    let registered: boolean;
    try {
      registered = JSON.parse(near.promiseResult(0)) !== null;
    } catch (_) {
      this.undoPayout(pool, recipient, value, 'the token answered storage_balance_of with something other than JSON');
      return false;
    }
    const payout = NearPromise.new(pool.token).functionCall(
      'ft_transfer',
      JSON.stringify({ receiver_id: recipient, amount: value.toString(), memo: `payout pool ${pool.id}` }),
      1n,
      GAS_FOR_FT_TRANSFER,
    );
    const callback = this.callback('on_paid', { pool_id: pool.id, recipient, amount: value.toString() }, GAS_FOR_PAYOUT_CALLBACK);
    if (registered) {
      this.rememberRegistered(pool, recipient);
      return payout.then(callback);
    }
    const fee = BigInt(pool.registration_fee);
    if (fee === 0n || BigInt(pool.registration_fund) < fee) {
      this.undoPayout(pool, recipient, value, 'recipient is not registered with the token and the pool registration fund cannot pay for it');
      return false;
    }
    pool.registration_fund = (BigInt(pool.registration_fund) - fee).toString();
    this.pools.set(String(pool.id), pool);
    emit('recipient_registered', [{ pool_id: pool.id, recipient, token: pool.token, fee: fee.toString() }]);
    return NearPromise.new(pool.token)
      .functionCall('storage_deposit', JSON.stringify({ account_id: recipient, registration_only: true }), fee, GAS_FOR_STORAGE_DEPOSIT)
      .then(payout)
      .then(callback);
  }

  /** Private callback of every single-recipient payout: settles in_flight to paid or back to claimable. */
  @call({ privateFunction: true })
  on_paid({ pool_id, recipient, amount }: { pool_id: number; recipient: string; amount: string }): boolean {
    assertPrivate();
    const pool = this.pool(pool_id);
    const value = parseAmount(amount);
    const ok = promiseSucceeded();
    pool.in_flight = (BigInt(pool.in_flight) - value).toString();
    if (ok) {
      pool.paid = (BigInt(pool.paid) + value).toString();
      if (pool.token !== NEAR_TOKEN) this.rememberRegistered(pool, recipient);
      // A drained allocation record is deleted and its storage credited back to the payer.
      const key = `${pool.id}:${recipient}`;
      const allocation = decodeAllocation(this.allocations.get(key));
      // Never chargeStorageTo here: the payer's storage balance is not this callback's to rely on.
      settleStorageWith(pool.payer, () => {
        if (allocation !== null && allocation.amount === 0n) this.allocations.remove(key);
        this.pools.set(String(pool.id), pool);
      });
    } else {
      this.restoreClaimable(pool, recipient, value);
      pool.claimable = (BigInt(pool.claimable) + value).toString();
      // The cached registration may be stale (the recipient unregistered): check again next time.
      if (pool.token !== NEAR_TOKEN) this.registered.remove(`${pool.token}:${recipient}`);
      this.pools.set(String(pool.id), pool);
    }
    emit(ok ? 'payout_completed' : 'payout_failed', [{ pool_id: pool.id, recipient, amount }]);
    return ok;
  }

  // ------------------------------------------------------------ views

  @view({})
  get_pool({ pool_id }: { pool_id: number }): Pool | null {
    return this.pools.get(String(pool_id));
  }

  @view({})
  list_pools({ from_index, limit }: { from_index?: number; limit?: number }): Pool[] {
    const start = parseIndex(from_index, 'from_index', 0);
    const end = Math.min(this.nextPoolId, start + Math.min(parseIndex(limit, 'limit', 20), MAX_PAGE));
    const page: Pool[] = [];
    for (let id = start; id < end; id++) page.push(this.pools.get(String(id))!);
    return page;
  }

  @view({})
  list_batches({ pool_id, from_index, limit }: { pool_id: number; from_index?: number; limit?: number }): Batch[] {
    const pool = this.pools.get(String(pool_id));
    if (pool === null) return [];
    const start = parseIndex(from_index, 'from_index', 0);
    const end = Math.min(pool.batch_count, start + Math.min(parseIndex(limit, 'limit', 20), MAX_PAGE));
    const page: Batch[] = [];
    for (let id = start; id < end; id++) page.push(this.batches.get(`${pool_id}:${id}`)!);
    return page;
  }

  /**
   * Claimable amounts of one account, with expiry: in the given pools (at most 100), or page by
   * page over all pools (`from_index`, `limit` ≤ 100 pool ids per page; empty pools are skipped).
   */
  @view({})
  claimable_of({ account_id, pool_ids, from_index, limit }: { account_id: string; pool_ids?: number[]; from_index?: number; limit?: number }): { pool_id: number; amount: string; expires_at_ns: string }[] {
    let ids: number[];
    if (pool_ids !== undefined && pool_ids !== null) {
      require(Array.isArray(pool_ids) && pool_ids.length <= MAX_PAGE, `Payout: pool_ids must be an array of at most ${MAX_PAGE}`);
      ids = pool_ids;
    } else {
      const start = parseIndex(from_index, 'from_index', 0);
      const end = Math.min(this.nextPoolId, start + Math.min(parseIndex(limit, 'limit', MAX_PAGE), MAX_PAGE));
      ids = [];
      for (let id = start; id < end; id++) ids.push(id);
    }
    const result: { pool_id: number; amount: string; expires_at_ns: string }[] = [];
    for (const poolId of ids) {
      const allocation = decodeAllocation(this.allocations.get(`${poolId}:${account_id}`));
      if (allocation !== null && allocation.amount > 0n) result.push({ pool_id: poolId, amount: allocation.amount.toString(), expires_at_ns: allocation.expiresAt.toString() });
    }
    return result;
  }

  // ------------------------------------------------------------ internals

  private pool(poolId: unknown): Pool {
    if (typeof poolId !== 'number' || !Number.isInteger(poolId) || poolId < 0) panic('Payout: pool_id must be a non-negative integer');
    const pool = this.pools.get(String(poolId));
    if (pool === null) panic(`Payout: pool ${poolId} does not exist`);
    return pool;
  }

  private assertPayer(pool: Pool): void {
    if (near.predecessorAccountId() !== pool.payer) panic('Payout: caller is not the pool payer');
  }

  /** Refuses up front when the attached gas cannot carry the promises (and their callbacks) to be scheduled. */
  private assertGas(needed: bigint, method: string): void {
    const left = near.prepaidGas() - near.usedGas();
    if (left < needed + GAS_RESERVE) {
      const attach = (near.usedGas() + needed + GAS_RESERVE + TGAS - 1n) / TGAS;
      panic(`Payout: ${method} needs at least ${attach} Tgas attached; attach more gas${method === 'push' || method === 'push_batch' ? ' or pay fewer recipients' : ''}`);
    }
  }

  private payoutGas(pool: Pool, recipient: string): bigint {
    return pool.token === NEAR_TOKEN || this.registered.containsKey(`${pool.token}:${recipient}`) ? GAS_FOR_PAYOUT : GAS_FOR_CHECKED_PAYOUT;
  }

  private credit(pool: Pool, amount: bigint, sender: string): void {
    pool.funded = checkedAdd(BigInt(pool.funded), amount, 'funded').toString();
    pool.unallocated = checkedAdd(BigInt(pool.unallocated), amount, 'unallocated').toString();
    emit('pool_funded', [{ pool_id: pool.id, sender_id: sender, amount: amount.toString() }]);
  }

  /** Zeroes the recipient's allocation (unexpired) and returns it; the caller moves it to in_flight. */
  private takeClaimable(pool: Pool, recipient: string): bigint {
    const key = `${pool.id}:${recipient}`;
    const allocation = decodeAllocation(this.allocations.get(key));
    require(allocation !== null && allocation.amount > 0n, `Payout: nothing claimable for ${recipient} in pool ${pool.id}`);
    require(near.blockTimestamp() <= allocation.expiresAt, `Payout: allocation of ${recipient} has expired; the payer can return it to the pool with expire`);
    this.allocations.set(key, encodeAllocation({ amount: 0n, expiresAt: allocation.expiresAt }));
    return allocation.amount;
  }

  private restoreClaimable(pool: Pool, recipient: string, amount: bigint): void {
    const key = `${pool.id}:${recipient}`;
    const allocation = decodeAllocation(this.allocations.get(key)) ?? { amount: 0n, expiresAt: near.blockTimestamp() + BigInt(pool.default_expiry_ns) };
    this.allocations.set(key, encodeAllocation({ amount: allocation.amount + amount, expiresAt: allocation.expiresAt }));
  }

  /** A payout that never reached the token: in_flight back to claimable. */
  private undoPayout(pool: Pool, recipient: string, amount: bigint, reason: string): void {
    this.restoreClaimable(pool, recipient, amount);
    pool.in_flight = (BigInt(pool.in_flight) - amount).toString();
    pool.claimable = (BigInt(pool.claimable) + amount).toString();
    this.pools.set(String(pool.id), pool);
    emit('payout_failed', [{ pool_id: pool.id, recipient, amount: amount.toString(), reason }]);
  }

  /**
   * Caches that `recipient` is registered with the pool's token, paid from the payer's storage
   * balance. Callbacks must not panic, so when the payer cannot pay the cache is simply skipped.
   */
  private rememberRegistered(pool: Pool, recipient: string): void {
    const key = `${pool.token}:${recipient}`;
    if (this.registered.containsKey(key)) return;
    // Measure the record's cost first, so that chargeStorageTo below cannot panic.
    const before = near.storageUsage();
    this.registered.set(key, true);
    const cost = storageCost(near.storageUsage() - before);
    this.registered.remove(key);
    const balance = storageBalanceOf(pool.payer);
    if (balance === null || balance < cost) return;
    chargeStorageTo(pool.payer, () => this.registered.set(key, true));
  }

  private startPayout(pool: Pool, recipient: string): NearPromise {
    const amount = this.takeClaimable(pool, recipient);
    pool.claimable = (BigInt(pool.claimable) - amount).toString();
    pool.in_flight = (BigInt(pool.in_flight) + amount).toString();
    this.pools.set(String(pool.id), pool);
    emit('payout_started', [{ pool_id: pool.id, recipient, amount: amount.toString() }]);
    if (pool.token === NEAR_TOKEN || this.registered.containsKey(`${pool.token}:${recipient}`)) {
      return this.transferWithCallback(pool, recipient, amount, 'on_paid');
    }
    return NearPromise.new(pool.token)
      .functionCall('storage_balance_of', JSON.stringify({ account_id: recipient }), 0n, GAS_FOR_STORAGE_CHECK)
      .then(this.callback('on_registration_checked', { pool_id: pool.id, recipient, amount: amount.toString() }, GAS_FOR_REGISTRATION_CALLBACK));
  }

  private callback(method: string, args: Record<string, unknown>, gas: bigint): NearPromise {
    return NearPromise.new(near.currentAccountId()).functionCall(method, JSON.stringify(args), 0n, gas);
  }

  private transferWithCallback(pool: Pool, recipient: string, amount: bigint, method: 'on_paid' | 'on_withdrawn'): NearPromise {
    const args = method === 'on_paid' ? { pool_id: pool.id, recipient, amount: amount.toString() } : { pool_id: pool.id, account_id: recipient, amount: amount.toString() };
    const callback = this.callback(method, args, GAS_FOR_PAYOUT_CALLBACK);
    if (pool.token === NEAR_TOKEN) return NearPromise.new(recipient).transfer(amount).then(callback);
    return NearPromise.new(pool.token)
      .functionCall('ft_transfer', JSON.stringify({ receiver_id: recipient, amount: amount.toString(), memo: `payout pool ${pool.id}` }), 1n, GAS_FOR_FT_TRANSFER)
      .then(callback);
  }
}

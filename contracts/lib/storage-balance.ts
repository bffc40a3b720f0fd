import { near } from 'near-sdk-js';
import { panic } from './errors';
import { parseAmount } from './amount';
import { refund, storageCost } from './storage';

/**
 * StorageBalance: a prepaid NEAR balance per account that pays for the state the account creates
 * (NEP-145 in spirit). `chargeStorageTo(account, change)` measures the bytes `change` adds or
 * frees and debits or credits the account's balance, so every byte is paid by whoever caused it.
 *
 * Rules (panic messages):
 * - `StorageBalance: account has no storage balance; call storage_deposit first`
 * - `StorageBalance: insufficient storage balance: needs <n> yoctoNEAR more`
 * - `StorageBalance: withdrawal exceeds the available balance <n>`
 */
const PREFIX = '__storage:';

export function storageBalanceOf(accountId: string): bigint | null {
  const value = near.storageRead(PREFIX + accountId);
  return value === null ? null : BigInt(value);
}

/** Adds `amount` to the account's storage balance, creating it (its own record is paid from `amount`). */
export function depositStorage(accountId: string, amount: bigint): bigint {
  const existing = storageBalanceOf(accountId);
  if (existing !== null) {
    const total = existing + amount;
    near.storageWrite(PREFIX + accountId, total.toString());
    return total;
  }
  const before = near.storageUsage();
  near.storageWrite(PREFIX + accountId, amount.toString());
  const recordCost = storageCost(near.storageUsage() - before);
  if (amount < recordCost) {
    panic(`StorageBalance: insufficient storage balance: needs ${recordCost - amount} yoctoNEAR more`);
  }
  const total = amount - recordCost;
  near.storageWrite(PREFIX + accountId, total.toString());
  return total;
}

/** Runs `change` and settles the storage it added (debit) or freed (credit) with `accountId`. */
export function chargeStorageTo<T>(accountId: string, change: () => T): T {
  const before = near.storageUsage();
  const result = change();
  const after = near.storageUsage();
  if (after === before) return result;
  const balance = storageBalanceOf(accountId);
  if (balance === null) {
    // Freed bytes with nobody to credit stay with the contract; added bytes must be paid.
    if (after < before) return result;
    panic('StorageBalance: account has no storage balance; call storage_deposit first');
  }
  if (after > before) {
    const cost = storageCost(after - before);
    if (cost > balance) panic(`StorageBalance: insufficient storage balance: needs ${cost - balance} yoctoNEAR more`);
    near.storageWrite(PREFIX + accountId, (balance - cost).toString());
  } else {
    near.storageWrite(PREFIX + accountId, (balance + storageCost(before - after)).toString());
  }
  return result;
}

/** Takes `amount` (default: all) out of the account's storage balance; returns what was taken. */
export function withdrawStorage(accountId: string, amount: bigint | null): bigint {
  const balance = storageBalanceOf(accountId);
  if (balance === null) panic('StorageBalance: account has no storage balance; call storage_deposit first');
  const taken = amount ?? balance;
  if (taken > balance) panic(`StorageBalance: withdrawal exceeds the available balance ${balance}`);
  near.storageWrite(PREFIX + accountId, (balance - taken).toString());
  return taken;
}

/**
 * `storage_withdraw` for every contract with storage balances (the method itself asserts its 1 yoctoNEAR):
 * sends the caller `amount` (default: all) of its balance and says what was sent and what is left.
 */
export function withdrawStorageToCaller(amount: string | null | undefined): { accountId: string; taken: bigint; total: bigint } {
  const accountId = near.predecessorAccountId();
  const taken = withdrawStorage(accountId, amount === undefined || amount === null ? null : parseAmount(amount));
  refund(accountId, taken);
  return { accountId, taken, total: storageBalanceOf(accountId) ?? 0n };
}

/**
 * For callbacks, which must never panic on state they do not control: like `chargeStorageTo`,
 * but bytes the account's balance cannot pay (or no balance at all) are left to the contract
 * account instead of panicking. Returns the yoctoNEAR the contract absorbed (0 when fully paid).
 */
export function settleStorageWith<T>(accountId: string, change: () => T): { result: T; absorbed: bigint } {
  const before = near.storageUsage();
  const result = change();
  const after = near.storageUsage();
  const balance = storageBalanceOf(accountId);
  if (after === before || balance === null) return { result, absorbed: after > before ? storageCost(after - before) : 0n };
  if (after < before) {
    near.storageWrite(PREFIX + accountId, (balance + storageCost(before - after)).toString());
    return { result, absorbed: 0n };
  }
  const cost = storageCost(after - before);
  const paid = cost < balance ? cost : balance;
  near.storageWrite(PREFIX + accountId, (balance - paid).toString());
  return { result, absorbed: cost - paid };
}

/** Debits `cost` from the account's storage balance if it has one that covers it; returns whether it did. */
export function debitStorage(accountId: string, cost: bigint): boolean {
  const balance = storageBalanceOf(accountId);
  if (balance === null || balance < cost) return false;
  near.storageWrite(PREFIX + accountId, (balance - cost).toString());
  return true;
}

import { panic } from './errors';

/** 2^128 - 1: the largest u128, the range of NEAR balances and NEP-141 amounts. */
export const U128_MAX = (1n << 128n) - 1n;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses a u128 amount given in JSON as a decimal string (NEP-141 `U128`), the one way amounts
 * enter a contract. Rejects numbers (JSON numbers lose precision above 2^53), signs, leading zeros,
 * whitespace, exponents and anything above 2^128 - 1.
 */
export function parseAmount(value: unknown, field = 'amount'): bigint {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    panic(`Amount: ${field} must be a decimal string of an unsigned 128-bit integer, e.g. "1000000"`);
  }
  const amount = BigInt(value);
  if (amount > U128_MAX) panic(`Amount: ${field} exceeds 2^128 - 1`);
  return amount;
}

/** Like parseAmount, and also refuses zero. */
export function parsePositiveAmount(value: unknown, field = 'amount'): bigint {
  const amount = parseAmount(value, field);
  if (amount === 0n) panic(`Amount: ${field} must be greater than zero`);
  return amount;
}

/** Adds two u128 values, panicking on overflow instead of leaving the u128 range. */
export function checkedAdd(a: bigint, b: bigint, what = 'amount'): bigint {
  const sum = a + b;
  if (sum > U128_MAX) panic(`Amount: ${what} overflows u128`);
  return sum;
}

/** Subtracts b from a, panicking with `message` when b > a. */
export function checkedSub(a: bigint, b: bigint, message: string): bigint {
  if (b > a) panic(message);
  return a - b;
}

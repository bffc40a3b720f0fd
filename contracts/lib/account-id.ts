import { panic } from './errors';

/**
 * nearcore's account id rules (near-account-id `validation.rs`): 2 to 64 characters, lowercase
 * letters and digits in parts separated by single `-` or `_`, parts joined by `.`.
 */
const ACCOUNT_ID = /^(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/;

export function isValidAccountId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 2 && value.length <= 64 && ACCOUNT_ID.test(value);
}

/** Returns `value` as an account id, or panics with `<what> is not a valid account id`. */
export function parseAccountId(value: unknown, what: string): string {
  if (!isValidAccountId(value)) panic(`${what} is not a valid account id`);
  return value;
}

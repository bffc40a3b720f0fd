import { near, encode } from 'near-sdk-js';
import { panic } from './errors';

/** Lowercase hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return out;
}

/** sha256 of the UTF-8 text as 64 lowercase hex characters (the host's sha256). */
export function sha256Hex(text: string): string {
  return hex(near.sha256(encode(text)));
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Returns `value` if it is a sha256 in lowercase hex, else panics with `<what> must be 64 lowercase hex characters (sha256)`. */
export function parseSha256Hex(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) panic(`${what} must be 64 lowercase hex characters (sha256)`);
  return value;
}

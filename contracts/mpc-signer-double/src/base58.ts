/**
 * Base58 (Bitcoin alphabet) for the signer's key strings, on one BigInt. Why not @scure/base:
 * its byte-array radix conversion costs about 20 Tgas per 64-byte key in near-sdk-js's QuickJS,
 * and loading the module adds to every call (measured with `npm run bench:gas -- chain-signatures`).
 * The sandbox tests compare every key string with @scure/base's output off-chain.
 */
import { bytesToBigIntBE } from './bytes';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58Encode(bytes: Uint8Array): string {
  let value = bytesToBigIntBE(bytes);
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  // Each leading zero byte is a leading '1'.
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out = '1' + out;
  return out;
}

export function base58Decode(text: string): Uint8Array {
  let value = 0n;
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  for (let i = 0; i < text.length; i++) {
    const digit = ALPHABET.indexOf(text[i]);
    if (digit < 0) throw new Error(`MpcSigner: "${text[i]}" is not a base58 character`);
    value = value * 58n + BigInt(digit);
  }
  const body: number[] = [];
  while (value > 0n) {
    body.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  const out = new Uint8Array(zeros + body.length);
  out.set(body, zeros);
  return out;
}

import { near } from 'near-sdk-js';

/**
 * Records stored as plain JSON under a string key. near-sdk-js's LookupMap runs a reviver/replacer
 * over every value (and re-reads the old value on `set`), which costs ~0.3-0.4 Tgas per kilobyte-sized
 * record; records that hold no BigInt or Date need none of that, and the stored bytes are the same.
 */
export function readJson<T>(key: string): T | null {
  const raw = near.storageRead(key);
  return raw === null ? null : (JSON.parse(raw) as T);
}

export function writeJson(key: string, value: unknown): void {
  near.storageWrite(key, JSON.stringify(value));
}

import type { External } from '../src/vm/types.js';

/**
 * The smallest storage a VM call needs, for benchmarks that time `runFunctionCall` alone: a Map keyed by
 * the hex of each storage key, no validators, no yields. The runtime's trie-backed External is what
 * nodes use; this one keeps the runtime's work out of the timing.
 */
export class MapExternal implements External {
  constructor(readonly data: Map<string, Uint8Array> = new Map()) {}
  storageGet = (k: Uint8Array) => this.data.get(Buffer.from(k).toString('hex'));
  storageSet = (k: Uint8Array, v: Uint8Array) => {
    const key = Buffer.from(k).toString('hex');
    const old = this.data.get(key);
    this.data.set(key, v);
    return old;
  };
  storageRemove = (k: Uint8Array) => {
    const key = Buffer.from(k).toString('hex');
    const old = this.data.get(key);
    this.data.delete(key);
    return old;
  };
  storageHasKey = (k: Uint8Array) => this.data.has(Buffer.from(k).toString('hex'));
  validatorStake = () => undefined;
  validatorTotalStake = () => 0n;
  generateDataId = () => new Uint8Array(32);
  createPromiseYield = () => new Uint8Array(32);
  yieldDataId = () => undefined;
  submitYieldResume = () => false;
}

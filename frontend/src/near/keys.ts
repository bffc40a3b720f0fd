/**
 * Keys the browser holds, in localStorage:
 *   - the dev wallet's full-access keys (local node only, development-only by design);
 *   - the app's function-call keys, one per (account, contract), that sign NEP-366 delegate actions
 *     for the relayer: such a key can only call the listed methods with no deposit, so it can never move
 *     NEAR (what wallet-selector's `createAccessKeyFor` keeps for browser wallets).
 * Private keys are never put in a URL or a log.
 */
import { KeyPair, type KeyPairString } from 'near-api-js';
import { config } from '../config';

const FC_KEYS = `near-app:function-call-keys:v1:${config.networkId}`;

type FunctionCallKeys = Record<string, Record<string, KeyPairString>>;

function read<T>(key: string, fallback: T): T {
  try {
    return (JSON.parse(localStorage.getItem(key) ?? 'null') as T) ?? fallback;
  } catch {
    return fallback;
  }
}

export function functionCallKey(accountId: string, contractId: string): KeyPairString | undefined {
  return read<FunctionCallKeys>(FC_KEYS, {})[accountId]?.[contractId];
}

/** A new function-call key for `accountId` on `contractId`; returns its public key (the chain must add it). */
export function newFunctionCallKey(accountId: string, contractId: string): string {
  const keys = read<FunctionCallKeys>(FC_KEYS, {});
  const pair = KeyPair.fromRandom('ed25519');
  keys[accountId] = { ...keys[accountId], [contractId]: pair.toString() as KeyPairString };
  localStorage.setItem(FC_KEYS, JSON.stringify(keys));
  return pair.getPublicKey().toString();
}

export function storedJson<T>(key: string, fallback: T): T {
  return read(key, fallback);
}

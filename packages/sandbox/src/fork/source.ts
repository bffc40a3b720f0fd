/**
 * The remote chain at the pinned block as a `StateSource` (runtime/state.ts): every read is answered from the
 * cache (memory, then disk) or by one JSON-RPC `query` at that block, then cached. Nothing is ever written to
 * the remote.
 *
 * A storage key is read with nearcore's `view_state` with the key as prefix (the only way nearcore's RPC reads
 * contract storage): the answer holds the key and every longer key that starts with it, so the entry whose key
 * is exactly the one asked for is picked, the others are cached too (they are the remote's values at the
 * same block), and a key the answer lacks is cached as absent.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { parsePublicKeyHandle, publicKeyHandleToString, publicKeyToString, type PublicKey } from '../primitives/crypto.js';
import { fromBase64, hashFromString, hashToString, sha256, toBase64 } from '../primitives/hash.js';
import type { AccessKey } from '../primitives/transaction.js';
import { accessKeyPermissionFromView } from '../primitives/views.js';
import type { JsonValue } from '../primitives/errors.js';
import type { Account, StateSource, StoredAccessKey } from '../runtime/state.js';
import type { ForkCache } from './cache.js';
import { ForkError, type RemoteAnswer, type RemoteRpc, type RemoteRpcError } from './remote.js';

/** nearcore `AccountView` as `view_account` answers it (global contracts: nearcore 2.7+). */
interface AccountRecord {
  amount: string;
  locked: string;
  code_hash: string;
  storage_usage: number;
  global_contract_hash?: string | null;
  global_contract_account_id?: string | null;
}

interface AccessKeyRecord {
  nonce: number | string;
  permission: JsonValue;
}

type KeyListRecord = Array<{ public_key: string; access_key: AccessKeyRecord }>;
/** `[key base64, value base64]` */
type EntriesRecord = Array<[string, string]>;

const NO_CODE = '11111111111111111111111111111111';
/** Longer keys a `view_state` answer brings along that are cached as well (beyond it they are dropped). */
const MAX_EXTRA_ENTRIES_CACHED = 1000;

export interface ForkReadCounts {
  /** Reads answered by the remote (one request each, retries not counted). */
  remote: number;
  /** Reads answered from the cache (memory or disk). */
  cached: number;
}

export class ForkSource implements StateSource {
  readonly counts: ForkReadCounts = { remote: 0, cached: 0 };
  readonly #accounts = new Map<string, Account | null>();

  constructor(
    private readonly rpc: RemoteRpc,
    private readonly cache: ForkCache,
    /** The pinned block (base58 hash) every query names. */
    readonly blockHash: string,
    readonly blockHeight: bigint,
  ) {}

  account(accountId: string): Account | undefined {
    let account = this.#accounts.get(accountId);
    if (account === undefined) {
      const record = this.#accountRecord(accountId);
      account = record === null
        ? null
        : { amount: BigInt(record.amount), locked: BigInt(record.locked), codeHash: hashFromString(record.code_hash), storageUsage: BigInt(record.storage_usage) };
      this.#accounts.set(accountId, account);
    }
    return account ?? undefined;
  }

  accessKey(accountId: string, publicKey: PublicKey): AccessKey | undefined {
    const pk = publicKeyToString(publicKey);
    const list = this.cache.get<KeyListRecord>(`keys/${accountId}`);
    if (list !== undefined && list !== null) {
      // the list names an ML-DSA-65 key by its handle (nearcore keeps only the hash)
      const listed = publicKeyHandleToString(publicKey);
      const found = list.find((k) => k.public_key === listed);
      this.counts.cached++;
      return found ? accessKeyFromRecord(found.access_key) : undefined;
    }
    const record = this.#read<AccessKeyRecord>(`key/${accountId}/${pk}`, () => {
      const answer = this.#query<AccessKeyRecord & { error?: string }>({ request_type: 'view_access_key', account_id: accountId, public_key: pk });
      if ('error' in answer) {
        if (isAbsent(answer.error, 'UNKNOWN_ACCOUNT', 'UNKNOWN_ACCESS_KEY')) return null;
        throw this.#unexpected('view_access_key', accountId, answer.error);
      }
      // nearcore answers a missing key with a result holding `error` (jsonrpc process_query_response)
      if (typeof answer.result.error === 'string') return null;
      return { nonce: answer.result.nonce, permission: answer.result.permission };
    });
    return record === null ? undefined : accessKeyFromRecord(record);
  }

  accessKeys(accountId: string): StoredAccessKey[] {
    const list = this.#read<KeyListRecord>(`keys/${accountId}`, () => {
      const answer = this.#query<{ keys: KeyListRecord }>({ request_type: 'view_access_key_list', account_id: accountId });
      if ('error' in answer) {
        if (isAbsent(answer.error, 'UNKNOWN_ACCOUNT')) return [];
        throw this.#unexpected('view_access_key_list', accountId, answer.error);
      }
      return answer.result.keys.map((k) => ({ public_key: k.public_key, access_key: { nonce: k.access_key.nonce, permission: k.access_key.permission } }));
    });
    return (list ?? []).map((k) => ({ publicKey: parsePublicKeyHandle(k.public_key), accessKey: accessKeyFromRecord(k.access_key) }));
  }

  gasKeyNonces(accountId: string, publicKey: PublicKey): bigint[] | undefined {
    const pk = publicKeyToString(publicKey);
    const nonces = this.#read<number[]>(`gasKeyNonces/${accountId}/${pk}`, () => {
      const answer = this.#query<{ nonces: number[] }>({ request_type: 'view_gas_key_nonces', account_id: accountId, public_key: pk });
      if ('error' in answer) {
        if (isAbsent(answer.error, 'UNKNOWN_ACCOUNT', 'UNKNOWN_GAS_KEY')) return null;
        throw this.#unexpected('view_gas_key_nonces', accountId, answer.error);
      }
      return answer.result.nonces;
    });
    return nonces === null ? undefined : nonces.map((n) => BigInt(n));
  }

  code(accountId: string): Uint8Array | undefined {
    const record = this.#accountRecord(accountId);
    if (record === null) return undefined;
    if (record.global_contract_hash || record.global_contract_account_id) {
      throw new ForkError(
        'unsupported',
        `${accountId} runs a global contract (${record.global_contract_account_id ?? record.global_contract_hash}) at block ${this.blockHeight}; this node does not run global contracts yet, so it cannot execute that account's code`,
      );
    }
    if (record.code_hash === NO_CODE) return undefined;
    const cached = this.cache.code(record.code_hash);
    if (cached !== undefined) {
      this.counts.cached++;
      return cached;
    }
    const answer = this.#query<{ code_base64: string; hash: string }>({ request_type: 'view_code', account_id: accountId });
    this.counts.remote++;
    if ('error' in answer) throw this.#unexpected('view_code', accountId, answer.error);
    const code = fromBase64(answer.result.code_base64);
    if (hashToString(sha256(code)) !== record.code_hash) {
      throw new ForkError('bad-answer', `${this.rpc.url} answered view_code for ${accountId} with code whose sha256 is not the account's code_hash ${record.code_hash}`);
    }
    this.cache.putCode(record.code_hash, code);
    return code;
  }

  data(accountId: string, key: Uint8Array): Uint8Array | undefined {
    const key64 = toBase64(key);
    const value = this.#read<string>(`data/${accountId}/${key64}`, () => {
      const entries = this.#viewState(accountId, key64);
      let found: string | null = null;
      let extra = 0;
      for (const [k, v] of entries) {
        if (k === key64) found = v;
        else if (extra++ < MAX_EXTRA_ENTRIES_CACHED && this.cache.get(`data/${accountId}/${k}`) === undefined) this.cache.put(`data/${accountId}/${k}`, v);
      }
      return found;
    });
    return value === null ? undefined : fromBase64(value);
  }

  dataWithPrefix(accountId: string, prefix: Uint8Array): Array<[Uint8Array, Uint8Array]> {
    const entries = this.#read<EntriesRecord>(`prefix/${accountId}/${toBase64(prefix)}`, () => this.#viewState(accountId, toBase64(prefix)));
    return (entries ?? []).map(([k, v]) => [fromBase64(k), fromBase64(v)]);
  }

  #accountRecord(accountId: string): AccountRecord | null {
    return this.#read<AccountRecord>(`account/${accountId}`, () => {
      const answer = this.#query<AccountRecord>({ request_type: 'view_account', account_id: accountId });
      if ('error' in answer) {
        if (isAbsent(answer.error, 'UNKNOWN_ACCOUNT')) return null;
        throw this.#unexpected('view_account', accountId, answer.error);
      }
      const { amount, locked, code_hash, storage_usage, global_contract_hash, global_contract_account_id } = answer.result;
      return { amount, locked, code_hash, storage_usage, ...(global_contract_hash ? { global_contract_hash } : {}), ...(global_contract_account_id ? { global_contract_account_id } : {}) };
    }) ?? null;
  }

  /** `view_state` at the block: every entry whose key starts with `prefix64`, as base64 pairs. */
  #viewState(accountId: string, prefix64: string): EntriesRecord {
    const answer = this.#query<{ values: Array<{ key: string; value: string }> }>({ request_type: 'view_state', account_id: accountId, prefix_base64: prefix64 });
    if ('error' in answer) {
      if (isAbsent(answer.error, 'UNKNOWN_ACCOUNT')) return [];
      throw this.#unexpected('view_state', accountId, answer.error);
    }
    return answer.result.values.map((e) => [e.key, e.value]);
  }

  /** The cached value under `key`, or `fetch`'s (cached once it returned: a fetch that throws leaves nothing). */
  #read<T>(key: string, fetch: () => T | null): T | null {
    const cached = this.cache.get<T>(key);
    if (cached !== undefined) {
      this.counts.cached++;
      return cached;
    }
    const value = fetch();
    this.counts.remote++;
    this.cache.put(key, value);
    return value;
  }

  #query<T>(request: Record<string, unknown>): RemoteAnswer<T> {
    return this.rpc.call<T>('query', { ...request, block_id: this.blockHash });
  }

  #unexpected(what: string, accountId: string, error: RemoteRpcError): ForkError {
    return remoteError(this.rpc.url, `${what} of ${accountId}`, { height: this.blockHeight, hash: this.blockHash }, error);
  }
}

function accessKeyFromRecord(record: AccessKeyRecord): AccessKey {
  return { nonce: BigInt(record.nonce), permission: accessKeyPermissionFromView(record.permission) };
}

/** Whether nearcore's error says the thing asked for does not exist (older nodes say it in words only). */
function isAbsent(error: RemoteRpcError, ...names: string[]): boolean {
  const name = error.cause?.name ?? error.name ?? '';
  if (names.includes(name)) return true;
  return /does not exist while viewing/.test(`${String(error.data ?? '')} ${error.message ?? ''}`);
}

/** A remote error that is not an answer: a pruned block, a state too large to list, or anything else. */
export function remoteError(url: string, what: string, block: { height?: bigint; hash?: string }, error: RemoteRpcError): ForkError {
  const name = error.cause?.name ?? error.name ?? 'error';
  const detail = String(error.data ?? error.message ?? JSON.stringify(error));
  const at = [block.height !== undefined ? `#${block.height}` : '', block.hash ?? ''].filter(Boolean).join(' ');
  if (name === 'UNKNOWN_BLOCK' || name === 'GARBAGE_COLLECTED_BLOCK') {
    return new ForkError(
      'archival-required',
      `${url} does not have block ${at} (${name}): this block needs an archival RPC (a node that keeps old state), or fork a recent block; a height with no block (skipped) gives the same error`,
    );
  }
  if (name === 'TOO_LARGE_CONTRACT_STATE') {
    return new ForkError(
      'too-large',
      `${url} refuses to list ${what} (${detail}): the key is a prefix of more state than the RPC's trie_viewer_state_size_limit allows; use an RPC with a larger limit`,
    );
  }
  return new ForkError('bad-answer', `${url} answered ${what} at block ${at} with ${name}: ${detail}`);
}

/**
 * nearcore's JSON-RPC wire shapes, taken from `@near-js/jsonrpc-types` (generated from nearcore's OpenAPI spec).
 *
 * That package exposes its types and zod schemas with camelCase field names (its client converts on the
 * wire), while nearcore speaks snake_case. `Wire<T>` maps a package type back to the snake_case JSON nearcore
 * sends, and `camelizeKeys` maps an incoming snake_case request onto the package's schemas for validation.
 * Enum variant keys (`SuccessValue`, `FullAccess`, ...) start with a capital letter and are left alone in both
 * directions, as in the package.
 */
import type * as Rpc from '@near-js/jsonrpc-types';

type SnakeCase<S extends string> = S extends `${infer Head}${infer Rest}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Rest>}`
  : S;

type SnakeKey<K> = K extends string ? (K extends Capitalize<K> ? K : SnakeCase<K>) : K;

/** The snake_case JSON shape of a camelCase `@near-js/jsonrpc-types` type. */
export type Wire<T> = T extends readonly (infer E)[]
  ? Wire<E>[]
  : T extends object
    ? { [K in keyof T as SnakeKey<K>]: Wire<T[K]> }
    : T;

export type AccountView = Wire<Rpc.AccountView>;
export type AccessKeyView = Wire<Rpc.AccessKeyView>;
export type AccessKeyList = Wire<Rpc.AccessKeyList>;
export type AccessKeyPermissionView = Wire<Rpc.AccessKeyPermissionView>;
export type ContractCodeView = Wire<Rpc.ContractCodeView>;
export type ViewStateResult = Wire<Rpc.ViewStateResult>;
export type CallResult = Wire<Rpc.CallResult>;
export type BlockView = Wire<Rpc.RpcBlockResponse>;
export type BlockHeaderView = Wire<Rpc.BlockHeaderView>;
export type ChunkHeaderView = Wire<Rpc.ChunkHeaderView>;
export type ChunkView = Wire<Rpc.RpcChunkResponse>;
export type ExecutionOutcomeWithIdView = Wire<Rpc.ExecutionOutcomeWithIdView>;
export type ExecutionStatusView = Wire<Rpc.ExecutionStatusView>;
export type FinalExecutionOutcomeView = Wire<Rpc.FinalExecutionOutcomeView>;
export type SignedTransactionView = Wire<Rpc.SignedTransactionView>;
export type ReceiptView = Wire<Rpc.ReceiptView>;
export type TxExecutionStatus = Rpc.TxExecutionStatus;
export type TransactionResponse = Wire<Rpc.RpcTransactionResponse>;
export type StatusResponse = Wire<Rpc.RpcStatusResponse>;
export type GasPriceResponse = Wire<Rpc.RpcGasPriceResponse>;
export type ProtocolConfigResponse = Wire<Rpc.RpcProtocolConfigResponse>;
export type GenesisConfig = Wire<Rpc.GenesisConfig>;
export type ValidatorResponse = Wire<Rpc.RpcValidatorResponse>;
export type NetworkInfoResponse = Wire<Rpc.RpcNetworkInfoResponse>;

/** A block reference as nearcore's `BlockReference` (`finality`, `block_id` or `sync_checkpoint`). */
export type BlockReference =
  | { finality: 'optimistic' | 'near-final' | 'final' }
  | { block_id: number | string }
  | { sync_checkpoint: 'genesis' | 'earliest_available' };

function camelize(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** snake_case → camelCase keys, deeply (values untouched), to validate a request with the package's schemas. */
export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[camelize(k)] = camelizeKeys(v);
    return out;
  }
  return value;
}

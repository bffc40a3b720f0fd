/**
 * JSON-RPC error objects exactly as nearcore's `chain/jsonrpc` emits them.
 *
 * Shape (nearcore `chain/jsonrpc-primitives/src/errors.rs`, `RpcError` with the flattened `RpcErrorKind`):
 *   { name: "REQUEST_VALIDATION_ERROR" | "HANDLER_ERROR" | "INTERNAL_ERROR",
 *     cause: { name: "<SCREAMING_SNAKE variant>", info?: {...} },
 *     code: -32700 | -32601 | -32000, message: "Parse error" | "Method not found" | "Server error",
 *     data: <legacy: a message string, or the structured TxExecutionError for invalid transactions> }
 *
 * The message strings are the `#[error(...)]` texts of nearcore's per-method error enums
 * (`chain/jsonrpc-primitives/src/types/{query,blocks,chunks,transactions,receipts,sandbox}.rs`);
 * near-api-js classifies errors by regex over them (`@near-js/utils` `errors/rpc_errors`), so they are kept verbatim.
 */

export type RpcErrorName = 'REQUEST_VALIDATION_ERROR' | 'HANDLER_ERROR' | 'INTERNAL_ERROR';

export interface RpcErrorCause {
  name: string;
  info?: Record<string, unknown>;
}

/** The `error` member of a JSON-RPC response. */
export interface RpcErrorObject {
  name?: RpcErrorName;
  cause?: RpcErrorCause;
  code: number;
  message: string;
  data?: unknown;
}

/** Thrown by method handlers; the server turns it into the `error` member of the response. */
export class RpcError extends Error {
  constructor(readonly object: RpcErrorObject) {
    super(typeof object.data === 'string' ? object.data : object.message);
    this.name = 'RpcError';
  }

  toJSON(): RpcErrorObject {
    return this.object;
  }
}

const SERVER_ERROR = { code: -32_000, message: 'Server error' } as const;

/** nearcore `RpcError::parse_error`: bad JSON, a malformed request, or params that do not parse. */
export function parseError(errorMessage: string): RpcError {
  return new RpcError({
    name: 'REQUEST_VALIDATION_ERROR',
    cause: { name: 'PARSE_ERROR', info: { error_message: errorMessage } },
    code: -32_700,
    message: 'Parse error',
    data: errorMessage,
  });
}

/** nearcore `RpcError::method_not_found`. */
export function methodNotFound(methodName: string): RpcError {
  return new RpcError({
    name: 'REQUEST_VALIDATION_ERROR',
    cause: { name: 'METHOD_NOT_FOUND', info: { method_name: methodName } },
    code: -32_601,
    message: 'Method not found',
    data: methodName,
  });
}

/** nearcore `RpcError::new_internal_error`. */
export function internalError(errorMessage: string): RpcError {
  return new RpcError({
    name: 'INTERNAL_ERROR',
    cause: { name: 'INTERNAL_ERROR', info: { error_message: errorMessage } },
    ...SERVER_ERROR,
    data: `The node reached its limits. Try again later. More details: ${errorMessage}`,
  });
}

function handlerError(cause: RpcErrorCause, data: unknown): RpcError {
  return new RpcError({ name: 'HANDLER_ERROR', cause, ...SERVER_ERROR, data });
}

// ---- query (nearcore `RpcQueryError`) ----

export interface BlockRef {
  block_height: number;
  block_hash: string;
}

export function unknownAccount(accountId: string, at: BlockRef): RpcError {
  return handlerError(
    { name: 'UNKNOWN_ACCOUNT', info: { requested_account_id: accountId, ...at } },
    `account ${accountId} does not exist while viewing`,
  );
}

/** nearcore `RpcQueryError::UnknownGasKey` (view_gas_key_nonces for a key that is missing or not a gas key). */
export function unknownGasKey(publicKey: string, at: BlockRef): RpcError {
  return handlerError({ name: 'UNKNOWN_GAS_KEY', info: { public_key: publicKey, ...at } }, `Gas key for public key ${publicKey} does not exist while viewing`);
}

export function invalidAccount(accountId: string, at: BlockRef): RpcError {
  return handlerError(
    { name: 'INVALID_ACCOUNT', info: { requested_account_id: accountId, ...at } },
    `Account ID ${accountId} is invalid`,
  );
}

export function noContractCode(accountId: string, at: BlockRef): RpcError {
  return handlerError(
    { name: 'NO_CONTRACT_CODE', info: { contract_account_id: accountId, ...at } },
    `Contract code for contract ID #${accountId} has never been observed on the node`,
  );
}

/**
 * nearcore `RpcQueryError::NoGlobalContractCode` (chain/jsonrpc-primitives/src/types/query.rs): `identifier` is the
 * `GlobalContractIdentifier` JSON (`{"hash": …}` / `{"account_id": …}`), the text its Rust `Debug` form.
 */
export function noGlobalContractCode(identifier: { hash: string } | { account_id: string }, at: BlockRef): RpcError {
  const debug = 'hash' in identifier ? `CodeHash(${identifier.hash})` : `AccountId(${JSON.stringify(identifier.account_id)})`;
  return handlerError(
    { name: 'NO_GLOBAL_CONTRACT_CODE', info: { identifier, ...at } },
    `Global contract code with identifier ${debug} has never been observed on the node`,
  );
}

export function tooLargeContractState(accountId: string, at: BlockRef): RpcError {
  return handlerError(
    { name: 'TOO_LARGE_CONTRACT_STATE', info: { contract_account_id: accountId, ...at } },
    `State of contract ${accountId} is too large to be viewed`,
  );
}

/**
 * nearcore `RpcQueryError::UnknownBlock` for a `block_id` reference (lib.rs `process_query_response` rewrites
 * its data to the "DB Not Found Error" text).
 */
export function unknownBlockInQuery(blockId: number | string): RpcError {
  const data =
    typeof blockId === 'number'
      ? `DB Not Found Error: BLOCK HEIGHT: ${blockId} \n Cause: Unknown`
      : `DB Not Found Error: BLOCK HEADER: ${blockId}`;
  return handlerError({ name: 'UNKNOWN_BLOCK', info: { block_reference: { block_id: blockId } } }, data);
}

// ---- block / chunk (nearcore `RpcBlockError`, `RpcChunkError`) ----

export function unknownBlock(description: string): RpcError {
  return handlerError({ name: 'UNKNOWN_BLOCK', info: {} }, `DB Not Found Error: ${description} \n Cause: Unknown`);
}

/** nearcore `RpcStateChangesError::UnknownBlock` (chain/jsonrpc-primitives changes.rs): its message is not serialized, and `data` is the error. */
export function unknownBlockInChanges(): RpcError {
  const cause = { name: 'UNKNOWN_BLOCK', info: {} };
  return handlerError(cause, cause);
}

export function unknownChunk(chunkHash: string): RpcError {
  return handlerError(
    { name: 'UNKNOWN_CHUNK', info: { chunk_hash: chunkHash } },
    `Chunk Missing (unavailable on the node): ChunkHash(\`${chunkHash}\`) \n Cause: Unknown`,
  );
}

export function invalidShardId(shardId: number): RpcError {
  return handlerError({ name: 'INVALID_SHARD_ID', info: { shard_id: shardId } }, `Shard id ${shardId} does not exist`);
}

// ---- transactions (nearcore `RpcTransactionError`) ----

/**
 * A transaction rejected before execution. `data` is the structured `ServerError::TxExecutionError`
 * so near-api-js recognises `InvalidNonce` / `Expired` and retries.
 */
export function invalidTransaction(invalidTxError: unknown): RpcError {
  return handlerError(
    { name: 'INVALID_TRANSACTION', info: {} },
    { TxExecutionError: { InvalidTxError: invalidTxError } },
  );
}

export function unknownTransaction(txHash: string): RpcError {
  return handlerError(
    { name: 'UNKNOWN_TRANSACTION', info: { requested_transaction_hash: txHash } },
    `Transaction ${txHash} doesn't exist`,
  );
}

export function timeoutError(): RpcError {
  return handlerError({ name: 'TIMEOUT_ERROR' }, 'Timeout');
}

// ---- receipts (nearcore `RpcReceiptError`: data is the serialised error itself) ----

export function unknownReceipt(receiptId: string): RpcError {
  const cause = { name: 'UNKNOWN_RECEIPT', info: { receipt_id: receiptId } };
  return handlerError(cause, cause);
}

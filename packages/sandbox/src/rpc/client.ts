/**
 * What the JSON-RPC layer asks of the node: nearcore's `ClientActor` / `ViewClientActor` messages
 * (`chain/client/src/view_client_actor.rs`), already turned into nearcore's JSON views.
 *
 * `rpc/handlers.ts` parses requests and calls these; `rpc/view-client.ts` implements them over the
 * in-process runtime. Every method may throw an `RpcError` (rpc/errors.ts) with nearcore's shape.
 */
import type {
  AccessKeyList,
  AccessKeyView,
  AccountView,
  BlockReference,
  BlockView,
  CallResult,
  ChunkView,
  ContractCodeView,
  GasPriceResponse,
  GenesisConfig,
  NetworkInfoResponse,
  ProtocolConfigResponse,
  ReceiptView,
  StatusResponse,
  TransactionResponse,
  TxExecutionStatus,
  ValidatorResponse,
  ViewStateResult,
} from './wire.js';
import type { DevControls } from './dev-methods.js';
import type { PublicKey } from '../primitives/crypto.js';
import type { StateChangeKindType, StateChangeWithCauseView } from '../runtime/state-changes.js';

/** Every query answer carries the block it was evaluated at. */
export interface AtBlock {
  block_height: number;
  block_hash: string;
}

export type QueryRequest =
  | { request_type: 'view_account'; account_id: string }
  | { request_type: 'view_code'; account_id: string }
  | { request_type: 'view_state'; account_id: string; prefix: Uint8Array; include_proof: boolean }
  | { request_type: 'view_access_key'; account_id: string; public_key: string }
  | { request_type: 'view_access_key_list'; account_id: string }
  | { request_type: 'view_gas_key_nonces'; account_id: string; public_key: string }
  | { request_type: 'call_function'; account_id: string; method_name: string; args: Uint8Array }
  /** nearcore `QueryRequest::ViewGlobalContractCode` / `…ByAccountId` (core/primitives/src/views.rs). */
  | { request_type: 'view_global_contract_code'; code_hash: string }
  | { request_type: 'view_global_contract_code_by_account_id'; account_id: string };

export type QueryResult =
  | (AccountView & AtBlock)
  | (ContractCodeView & AtBlock)
  | (ViewStateResult & AtBlock)
  | (AccessKeyView & AtBlock)
  | (AccessKeyList & AtBlock)
  /** `view_gas_key_nonces`: nearcore `GasKeyNoncesView`, one nonce per index. */
  | ({ nonces: number[] } & AtBlock)
  | (CallResult & AtBlock)
  /** nearcore answers a missing access key and a failing view call with a *result* carrying `error`. */
  | { error: string; logs: string[]; block_height: number; block_hash: string };

export type ChunkReference = { chunk_id: string } | { block_id: number | string; shard_id: number };

export type TransactionLookup =
  | { kind: 'signed'; signedTransaction: Uint8Array }
  | { kind: 'id'; txHash: string; senderAccountId: string };

/** One `StateRecord` of `sandbox_patch_state`, as JSON (nearcore `core/primitives/src/state_record.rs`). */
export type StateRecordJson = Record<string, unknown>;

/** nearcore `StateChangesRequestView` (core/primitives/src/views.rs), parsed. */
export type StateChangesRequest =
  | { type: 'account_changes' | 'all_access_key_changes' | 'contract_code_changes'; accountIds: string[] }
  | { type: 'single_access_key_changes'; keys: Array<{ accountId: string; publicKey: PublicKey }> }
  | { type: 'data_changes'; accountIds: string[]; keyPrefix: Uint8Array };

/** Methods may answer synchronously or with a promise; the server awaits either. */
export type Awaitable<T> = T | Promise<T>;

/**
 * An answer that waits for blocks (a transaction waiting for its execution and finality). A method that
 * returns one has done its part of the work in the server's request queue (a transaction is in the pool);
 * the server waits for `answer` outside the queue, so the requests behind it run meanwhile and
 * transactions that arrive together share the next block.
 */
export class Later<T> {
  constructor(readonly answer: Promise<T>) {}
}

export interface NodeClient {
  status(): Awaitable<StatusResponse>;
  block(reference: BlockReference): Awaitable<BlockView>;
  chunk(reference: ChunkReference): Awaitable<ChunkView>;
  gasPrice(blockId: number | string | null): Awaitable<GasPriceResponse>;
  query(reference: BlockReference, request: QueryRequest): Awaitable<QueryResult>;

  /**
   * Validates, executes to completion and answers as nearcore's `send_tx` at `waitUntil`. Invalid
   * transactions throw `invalidTransaction`, except at `NONE`, which answers only `{final_execution_status}`
   * and drops an invalid transaction. The same transaction sent again is checked like a new one (Expired
   * past its validity period) and, once accepted, answered with its outcome.
   */
  sendTransaction(signedTransaction: Uint8Array, waitUntil: TxExecutionStatus): Awaitable<TransactionResponse | Later<TransactionResponse>>;
  /** `tx` / `EXPERIMENTAL_tx_status`; `withReceipts` adds the `receipts` array of the EXPERIMENTAL form. */
  transactionStatus(lookup: TransactionLookup, waitUntil: TxExecutionStatus, withReceipts: boolean): Awaitable<TransactionResponse | Later<TransactionResponse>>;
  receipt(receiptId: string): Awaitable<ReceiptView>;

  protocolConfig(reference: BlockReference): Awaitable<ProtocolConfigResponse>;
  genesisConfig(): Awaitable<GenesisConfig>;
  validators(reference: { epoch_id: string } | { block_id: number | string } | null): Awaitable<ValidatorResponse>;
  networkInfo(): Awaitable<NetworkInfoResponse>;

  /**
   * Applies the records at the next block (nearcore `apply_state_patch`); applying the same records twice is a
   * no-op. A `Later` when the next block is a tick away (interval mode).
   */
  patchState(records: StateRecordJson[]): Awaitable<void | Later<void>>;
  /** Advances the chain by `deltaHeight` blocks (nearcore `sandbox_fast_forward`). */
  fastForward(deltaHeight: number): Awaitable<void>;
  /** `EXPERIMENTAL_changes`: the block's changes of the requested accounts, keys or data, with their causes. */
  changes(reference: BlockReference, request: StateChangesRequest): Awaitable<{ block_hash: string; changes: StateChangeWithCauseView[] }>;
  /** `EXPERIMENTAL_changes_in_block`: which accounts the block touched, and how. */
  changesInBlock(reference: BlockReference): Awaitable<{ block_hash: string; changes: Array<{ type: StateChangeKindType; account_id: string }> }>;
  /** Snapshots and block time (rpc/dev-methods.ts); a node without them answers METHOD_NOT_FOUND. */
  readonly dev?: DevControls;
}

/**
 * `NodeClient` over the in-process runtime (`createSandbox`, src/index.ts): nearcore's view client and
 * client actor for a one-validator chain whose blocks are produced on demand.
 *
 * Chain rules of this node (README "JSON-RPC"):
 * - A transaction is included in the next block and every receipt it causes runs in the blocks after it,
 *   produced one after another at once; `send_tx` / `tx` answer when their `wait_until` level is reached:
 *   `INCLUDED` once the transaction's block is made (before the blocks of its receipts, with the outcomes
 *   so far and `status: "Started"`, as nearcore's view client answers a partial result), `INCLUDED_FINAL`
 *   once that block is final, whether or not the receipts ran; `EXECUTED_OPTIMISTIC` / `EXECUTED` once every
 *   receipt ran except refunds not run yet (so a block before the refunds' block, without their outcomes),
 *   `FINAL` once the refunds ran too; at `NONE`, `tx` answers a pooled transaction at once with
 *   UNKNOWN_TRANSACTION. Like every answer, it is sent once the block it reports is on disk (node/run.ts
 *   group commit).
 * - Finality: the `final` block is head − 2 and `near-final` head − 1 (doomslug on one validator), so
 *   `FINAL` / `INCLUDED_FINAL` / `EXECUTED` levels produce up to two extra blocks.
 * - State is kept for the head only: queries at `finality` (any) see the head; a query at an older
 *   `block_id` is answered when no block since changed the state, else with nearcore's garbage-collected-block
 *   error.
 */
import base58 from 'bs58';
import {
  createSandbox,
  InvalidTransactionError,
  NoGlobalContractCodeError,
  ParseTransactionError,
  type Block,
  type Sandbox,
  type StateRecord,
  type TransactionResult,
  UnknownAccessKeyError,
  UnknownAccountError,
  UnknownTransactionError,
  ViewCallError,
} from '../index.js';
import { InvalidKeyError, publicKeyToString, type KeyPair } from '../primitives/crypto.js';
import { hashToString, toBase64 } from '../primitives/hash.js';
import { parseSignedTransaction, type GlobalContractIdentifier } from '../primitives/transaction.js';
import { accessKeyView } from '../primitives/views.js';
import { publicKeyHandleBorsh } from '../primitives/crypto.js';
import { trieKey } from '../primitives/trie-key.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { keyChangesView, type KeyChanges } from '../runtime/state-changes.js';
import type { ChainHead } from '../node/store.js';
import type { ForkOptions } from '../fork/index.js';
import type { ChainHistory } from '../runtime/chain.js';
import { BLOCK_PRODUCTION_DELAY_MS, skippedHeightNs, type BlockClock } from '../runtime/block-clock.js';
import { BlockProducer, type RunsBeforeAnswer } from '../runtime/block-producer.js';
import { extraGenesisAccounts, genesisConfigOf, type GenesisFile } from '../node/genesis-file.js';
import { createDevControls } from './dev-methods.js';
import { Later, type ChunkReference, type NodeClient, type QueryRequest, type QueryResult, type StateChangesRequest, type StateRecordJson, type TransactionLookup } from './client.js';
import {
  invalidShardId,
  invalidTransaction,
  noContractCode,
  noGlobalContractCode,
  parseError,
  RpcError,
  unknownAccount,
  unknownGasKey,
  unknownBlock,
  unknownBlockInChanges,
  unknownBlockInQuery,
  unknownChunk,
  unknownReceipt,
  unknownTransaction,
  type BlockRef,
} from './errors.js';
import { blockView, validatorSigner, chunkHashOf, chunkHeaderView, networkInfoView, runtimeConfigView, statusView, validatorsView, type ChainInfo } from './views.js';
import type { BlockReference, BlockView, TxExecutionStatus } from './wire.js';

const BLOCK_VIEW_CACHE_SIZE = 256;
/** Chunk ids looked up by scanning the newest blocks (those still in memory) before the store's index. */
const CHUNK_SCAN_BLOCKS = 256n;
/** Blocks a fast-forward produces before letting other requests run (a few ms of work). */
const FAST_FORWARD_SLICE = 200;
/** Milliseconds of fast-forward work between two chances for reads to run. */
const FAST_FORWARD_YIELD_MS = 1;
/** nearcore `trie_viewer_state_size_limit` default: 50 kB of values per `view_state`. */
const VIEW_STATE_SIZE_LIMIT = 50_000;

const STATUS_ORDER: TxExecutionStatus[] = ['NONE', 'INCLUDED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'EXECUTED', 'FINAL'];
/**
 * Whether a transaction at `reached` is at `level` (nearcore `TxExecutionStatus`): the levels are not a
 * line, INCLUDED_FINAL (its block is final) says nothing about its receipts, EXECUTED_OPTIMISTIC nothing about finality.
 */
const REACHES: Record<TxExecutionStatus, TxExecutionStatus[]> = {
  NONE: STATUS_ORDER,
  INCLUDED: STATUS_ORDER.slice(1),
  EXECUTED_OPTIMISTIC: ['EXECUTED_OPTIMISTIC', 'EXECUTED', 'FINAL'],
  INCLUDED_FINAL: ['INCLUDED_FINAL', 'EXECUTED', 'FINAL'],
  EXECUTED: ['EXECUTED', 'FINAL'],
  FINAL: ['FINAL'],
};
const satisfies = (reached: TxExecutionStatus, level: TxExecutionStatus) => REACHES[level].includes(reached);

export interface SandboxClientOptions {
  genesis: GenesisFile;
  validatorKey: KeyPair;
  /** State saved by a previous run (node/store.ts). */
  restore?: { head: ChainHead; records: StateRecordJson[]; recentBlocks?: Block[] };
  /** Where history goes once it is on disk (node/store.ts): given, the chain collects what it produces for the store. */
  history?: ChainHistory;
  /** The address `status` reports. */
  rpcAddr?: string;
  /** The head `status` reports (node/run.ts: the newest one on disk); default the chain's head. */
  reportedHead?: () => Block | undefined;
  /**
   * The block `block {"finality":"final"}` answers with (node/run.ts: the newest final block on disk, so the
   * answer needs no commit); undefined: the chain's final block.
   */
  finalBlockOnDisk?: () => Block | undefined;
  /**
   * Called between slices of a long fast-forward (node/run.ts lets waiting requests run and the blocks so
   * far be saved), so a jump of many blocks never stalls other clients.
   */
  betweenBlocks?: () => Promise<void>;
  /** Called every few milliseconds of a long fast-forward: lets requests that arrived meanwhile run (no save). */
  yieldToReads?: () => Promise<void>;
  /** Fork a remote chain (src/fork): its chain id, protocol version, height and time replace genesis.json's. */
  fork?: ForkOptions;
  /**
   * Runs one step of block production where writes run (node/run.ts: the server's request queue, behind
   * the requests that arrived meanwhile, so they share the block); default: at once.
   */
  runWrite?: (step: () => void | Promise<void>) => void;
  /**
   * Blocks are applied in slices and reads that arrive meanwhile are answered from the chain as it was before
   * the block (runtime/block-producer.ts `answerReadsDuringBlocks`; node/run.ts); default: a block runs at once.
   */
  answerReadsDuringBlocks?: boolean;
  /** Called where writes run after every block the producer made (node/run.ts starts saving it at once). */
  afterBlock?: () => void;
  /**
   * Interval mode (runtime/block-producer.ts): a block every this many milliseconds of wall-clock time, empty or
   * not, and block timestamps `blockIntervalMs` apart; default: blocks on demand, timestamps 1 s apart.
   */
  blockIntervalMs?: number;
  /**
   * neard's minimum and maximum block production delays (config.json `consensus`; node/run.ts reads them), from
   * which a fast-forward's skipped heights take their time (runtime/block-clock.ts). Default `neard init`'s.
   */
  blockProductionDelayMs?: { min: number; max: number };
  /** Interval mode: called where writes run after each block a tick made (node/run.ts saves it). */
  afterTick?: () => void;
}

/** `[stable key, StateRecord JSON]`. */
export type StateEntry = [string, string];

export interface SandboxClient extends NodeClient {
  readonly sandbox: Sandbox;
  /**
   * The state as `StateRecord` JSON, one entry per record with a stable key, plus the head (node/store.ts).
   * Serialised records are cached by the identity of the runtime's values (never mutated in place), so an
   * export after a small change costs little and the store can compare entries by reference.
   */
  exportState(): { head: ChainHead; entries: StateEntry[] };
  /** The block interval of interval mode, in milliseconds; undefined when blocks are made on demand (`sandbox_set_block_interval` changes it). */
  readonly blockIntervalMs: number | undefined;
  /** Stops making blocks (interval mode's ticks): the node is stopping. */
  stopProducing(): void;
}

/** Renders a `FunctionCallError` view as nearcore's view-call text (`{:?}` of the error), which clients regex. */
export function describeFunctionCallError(error: unknown): string {
  const debug = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (v === null || typeof v !== 'object') return String(v);
    const [variant, inner] = Object.entries(v as Record<string, unknown>)[0] ?? ['Unknown', null];
    if (variant === 'ExecutionError' && typeof inner === 'string') {
      // The view carries HostError's Display text; give back its Debug form for the variants clients match.
      const panic = /^Smart contract panicked: ([\s\S]*)$/.exec(inner);
      if (panic) return `HostError(GuestPanic { panic_msg: ${JSON.stringify(panic[1])} })`;
      const prohibited = /^(\w+) is not allowed in view calls$/.exec(inner);
      if (prohibited) return `HostError(ProhibitedInView { method_name: ${JSON.stringify(prohibited[1])} })`;
      return `HostError(${inner})`;
    }
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      const entries = Object.entries(inner as Record<string, unknown>);
      const fieldsLike = entries.every(([k]) => /^[a-z_]+$/.test(k));
      if (fieldsLike) {
        const fields = entries.map(([k, x]) => `${k}: ${k === 'account_id' ? `AccountId(${JSON.stringify(x)})` : typeof x === 'string' ? JSON.stringify(x) : debug(x)}`);
        return `${variant} { ${fields.join(', ')} }`;
      }
      return `${variant}(${debug(inner)})`;
    }
    return `${variant}(${debug(inner)})`;
  };
  return `wasm execution failed with error: FunctionCallError(${debug(error)})`;
}

/**
 * The runtime's own values (receipts, postponed receipts, yields) as JSON text: bigints and byte arrays
 * are tagged so they come back as they were.
 */
export function toTaggedJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string) {
    const v = this[key];
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
    return v;
  });
}

export function fromTaggedJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if (typeof v.$bigint === 'string') return BigInt(v.$bigint);
      if (typeof v.$bytes === 'string') return new Uint8Array(Buffer.from(v.$bytes, 'hex'));
    }
    return v;
  });
}

function toStateRecord(record: StateRecordJson): StateRecord {
  return record as unknown as StateRecord;
}

/** nearcore `StateChangesRequest` against a block's recorded keys (`keys` gives the changes of the keys a test matches). */
function changesOf(request: StateChangesRequest, keys: (match: (k: Pick<KeyChanges, 'key'>) => boolean) => KeyChanges['changes']): KeyChanges['changes'] {
  const exact = (path: string) => keys((k) => k.key === path);
  const prefixed = (prefix: string) => keys((k) => k.key.startsWith(prefix));
  switch (request.type) {
    case 'account_changes':
      return request.accountIds.flatMap((id) => exact(trieKey.account(id)));
    case 'contract_code_changes':
      return request.accountIds.flatMap((id) => exact(trieKey.contractCode(id)));
    case 'single_access_key_changes':
      return request.keys.flatMap(({ accountId, publicKey }) => exact(trieKey.accessKey(accountId, publicKeyHandleBorsh(publicKey))));
    case 'all_access_key_changes':
      return request.accountIds.flatMap((id) => prefixed(trieKey.accessKey(id, new Uint8Array())));
    case 'data_changes':
      return request.accountIds.flatMap((id) => prefixed(trieKey.contractData(id, bytesToHex(request.keyPrefix))));
  }
}

export async function createSandboxClient(options: SandboxClientOptions): Promise<SandboxClient> {
  const { genesis, validatorKey } = options;
  const startedAt = Date.now();
  const genesisMillis = Date.parse(genesis.genesis_time);
  if (Number.isNaN(genesisMillis)) throw new Error(`genesis_time ${JSON.stringify(genesis.genesis_time)} is not an RFC 3339 time; fix genesis.json or re-run init`);
  const genesisTime = BigInt(genesisMillis) * 1_000_000n;
  const rootAccountId = genesis.validators[0]?.account_id ?? 'test.near';
  const sandbox = createSandbox({
    protocolVersion: genesis.protocol_version,
    chainId: genesis.chain_id,
    rootAccountId,
    rootKeyPair: validatorKey,
    genesisTime,
    epochLength: Number(genesis.epoch_length),
    // accounts a client put in genesis.json after `init` (near-sandbox 0.3.x: `sandbox`, additionalAccounts)
    genesisAccounts: extraGenesisAccounts(genesis, [rootAccountId, 'near']),
    ...(options.fork ? { fork: options.fork, protocolVersion: undefined, chainId: undefined } : {}),
  });
  const delays = options.blockProductionDelayMs ?? BLOCK_PRODUCTION_DELAY_MS;
  /**
   * The block clock of a mode. Interval mode: blocks one interval apart (deterministic, and close to the wall clock
   * while the node keeps up, as neard's timestamps are the wall clock at each production), the interval standing
   * for neard's minimum delay in what a skipped height adds. On demand: 1 s apart, and config.json's delays.
   */
  const clockFor = (intervalMs: number | undefined): BlockClock =>
    intervalMs === undefined
      ? { blockTimeNs: 1_000_000_000n, skippedHeightNs: skippedHeightNs(delays) }
      : { blockTimeNs: BigInt(intervalMs) * 1_000_000n, skippedHeightNs: skippedHeightNs({ min: intervalMs, max: Math.max(delays.max, intervalMs) }) };
  sandbox.chain.setClock(clockFor(options.blockIntervalMs));
  const rootId = sandbox.root.accountId;

  const recentBlocks = options.restore?.recentBlocks ?? [];
  // A saved chain continues from its own head block; a store written before history was kept gets empty
  // blocks up to its height (its old block hashes were never saved).
  if (options.history && recentBlocks.length > 0) sandbox.chain.resume(recentBlocks, options.history);
  else if (options.history) sandbox.chain.keepHistoryIn(options.history);
  if (options.restore) {
    const runtime: Array<[string, unknown]> = [];
    const records: StateRecord[] = [];
    for (const r of options.restore.records) {
      if ('Runtime' in r) {
        const { id, value } = r.Runtime as { id: string; value: string };
        runtime.push([id, fromTaggedJson(value)]);
      } else records.push(toStateRecord(r));
    }
    // Accounts first: a Contract record updates the code hash of an existing account.
    const order = (r: StateRecord) => ('GlobalContractCode' in r ? 0 : 'Account' in r ? 1 : 'AccessKey' in r ? 2 : 'Contract' in r ? 3 : 4);
    sandbox.patchState([...records].sort((a, b) => order(a) - order(b)));
    const height = BigInt(options.restore.head.height);
    if (height > sandbox.head.height) sandbox.produceBlocks(Number(height - sandbox.head.height));
    sandbox.chain.restoreRuntime(runtime);
  }

  const info: ChainInfo = {
    chainId: sandbox.chain.options.chainId,
    protocolVersion: sandbox.protocolVersion,
    genesis: sandbox.chain.genesis,
    validatorId: rootId,
    validatorKey,
    sign: validatorSigner(validatorKey),
    get validatorStake() {
      return BigInt(sandbox.viewAccount(rootId).locked);
    },
    epochLength: Number(genesis.epoch_length),
    gasLimit: Number(genesis.gas_limit),
    // heights skipped by a fast-forward have no block
    blockAt: (height) => (height < sandbox.chain.genesis.height || height > sandbox.head.height ? undefined : sandbox.chain.blockByHeight(height)),
    finalHeight: (head) => sandbox.chain.lastFinalBlock(head).height,
    doomslugFinalHeight: (head) => sandbox.chain.lastDoomslugFinalBlock(head).height,
  };

  const head = () => sandbox.head;
  const serialised = new WeakMap<object, string>();
  const cached = (value: object, serialise: () => string): string => {
    let json = serialised.get(value);
    if (json === undefined) {
      json = serialise();
      serialised.set(value, json);
    }
    return json;
  };
  const runtimeJson = new WeakMap<object, { id: string; json: string }>();
  const blockViews = new Map<string, BlockView>();
  const at = (block: Block): BlockRef => ({ block_height: Number(block.height), block_hash: hashToString(block.hash) });

  function blockById(id: number | string): Block | undefined {
    try {
      return sandbox.getBlock(id);
    } catch {
      return undefined;
    }
  }

  function resolveBlock(reference: BlockReference): Block {
    if ('finality' in reference) {
      if (reference.finality === 'optimistic') return head();
      return reference.finality === 'final' ? sandbox.chain.lastFinalBlock() : sandbox.chain.lastDoomslugFinalBlock();
    }
    if ('sync_checkpoint' in reference) return info.genesis as Block;
    const block = blockById(reference.block_id);
    if (!block) {
      const what = typeof reference.block_id === 'number' ? `BLOCK HEIGHT: ${reference.block_id}` : `BLOCK HEADER: ${reference.block_id}`;
      throw unknownBlock(what);
    }
    return block;
  }

  /** The block a changes request names (nearcore answers an unknown one with `UNKNOWN_BLOCK` and no message). */
  function changesBlock(reference: BlockReference): Block {
    try {
      return resolveBlock(reference);
    } catch (e) {
      if (e instanceof RpcError && e.object.cause?.name === 'UNKNOWN_BLOCK') throw unknownBlockInChanges();
      throw e;
    }
  }

  /**
   * State exists for the head only; finality references read the head. An older block is answered when the
   * state has not changed since it (runtime/chain.ts `stateUnchangedSince`), which is then its state.
   */
  function queryBlock(reference: BlockReference): Block {
    if (!('block_id' in reference)) return head();
    const block = blockById(reference.block_id);
    if (!block) throw unknownBlockInQuery(reference.block_id);
    if (block.height !== head().height && !sandbox.chain.stateUnchangedSince(block.height)) {
      throw new RpcError({
        name: 'HANDLER_ERROR',
        cause: { name: 'GARBAGE_COLLECTED_BLOCK', info: { block_height: Number(block.height), block_hash: hashToString(block.hash) } },
        code: -32_000,
        message: 'Server error',
        data: `The data for block #${block.height} is garbage collected on this node, use an archival node to fetch historical data`,
      });
    }
    return block;
  }

  function query(reference: BlockReference, request: QueryRequest): QueryResult {
    const block = queryBlock(reference);
    const ref = at(block);
    const account = 'account_id' in request ? request.account_id : '';
    try {
      switch (request.request_type) {
        // view_client_actor.rs: the global contract views answer a ViewCode (code_base64, hash) from any shard
        case 'view_global_contract_code':
        case 'view_global_contract_code_by_account_id': {
          const byHash = request.request_type === 'view_global_contract_code';
          const id: GlobalContractIdentifier = byHash ? { type: 'CodeHash', hash: base58.decode(request.code_hash) } : { type: 'AccountId', accountId: account };
          try {
            const { code, hash } = sandbox.viewGlobalContractCode(id);
            return { code_base64: toBase64(code), hash: base58.encode(hash), ...ref } as QueryResult;
          } catch (e) {
            if (e instanceof NoGlobalContractCodeError) throw noGlobalContractCode(byHash ? { hash: request.code_hash } : { account_id: account }, ref);
            throw e;
          }
        }
        case 'view_account':
          return { ...sandbox.viewAccount(account), ...ref } as QueryResult;
        case 'view_code': {
          const view = sandbox.viewAccount(account);
          if (view.code_hash === '11111111111111111111111111111111') throw noContractCode(account, ref);
          return { code_base64: toBase64(sandbox.viewCode(account)), hash: view.code_hash, ...ref } as QueryResult;
        }
        case 'view_state': {
          const entries = sandbox.viewState(account, request.prefix);
          let size = 0;
          for (const e of entries) size += e.value.length;
          if (size > VIEW_STATE_SIZE_LIMIT) {
            throw new RpcError({
              name: 'HANDLER_ERROR',
              cause: { name: 'TOO_LARGE_CONTRACT_STATE', info: { contract_account_id: account, ...ref } },
              code: -32_000,
              message: 'Server error',
              data: `State of contract ${account} is too large to be viewed`,
            });
          }
          const values = entries.map((e) => ({ key: toBase64(e.key), value: toBase64(e.value), ...(request.include_proof ? { proof: [] } : {}) }));
          return { values, ...(request.include_proof ? { proof: [] } : {}), ...ref } as QueryResult;
        }
        case 'view_access_key':
          sandbox.viewAccount(account);
          return { ...sandbox.viewAccessKey(account, request.public_key), ...ref } as QueryResult;
        case 'view_access_key_list':
          sandbox.viewAccount(account);
          return { keys: sandbox.viewAccessKeys(account), ...ref } as QueryResult;
        case 'view_gas_key_nonces': {
          sandbox.viewAccount(account);
          const nonces = sandbox.viewGasKeyNonces(account, request.public_key);
          if (!nonces) throw unknownGasKey(request.public_key, ref);
          return { nonces, ...ref } as QueryResult;
        }
        case 'call_function': {
          const { result, logs } = sandbox.viewFunction(account, request.method_name, request.args);
          return { result: [...result], logs, ...ref } as QueryResult;
        }
      }
    } catch (e) {
      if (e instanceof RpcError) throw e;
      if (e instanceof UnknownAccountError) throw unknownAccount(account, ref);
      // nearcore answers these two with a *result* holding `error` (lib.rs process_query_response)
      if (e instanceof UnknownAccessKeyError) {
        return { error: `access key ${e.publicKey} does not exist while viewing`, logs: [], ...ref };
      }
      if (e instanceof ViewCallError) return { error: describeFunctionCallError(e.error), logs: [], ...ref };
      if (e instanceof InvalidKeyError || (e instanceof Error && /public key|base58|key type/i.test(e.message))) throw parseError(`Failed parsing args: ${e.message}`);
      throw e;
    }
  }

  const producer = new BlockProducer(sandbox.chain, {
    runWrite: options.runWrite,
    ...(options.answerReadsDuringBlocks ? { answerReadsDuringBlocks: true } : {}),
    ...(options.afterBlock ? { afterBlock: options.afterBlock } : {}),
    ...(options.blockIntervalMs !== undefined ? { intervalMs: options.blockIntervalMs } : {}),
    ...(options.afterTick ? { afterTick: options.afterTick } : {}),
  });
  // receipts a saved chain had in flight run at once, as its next blocks (in interval mode, at the next ticks)
  if (sandbox.chain.hasPendingWork) producer.kick();

  /**
   * Produces blocks until the `final` block is at least `height` (two more consecutive heights at most). In
   * interval mode only ticks make blocks: the producer has waited for the ticks that made `height` final.
   */
  function finalise(height: bigint): void {
    if (producer.intervalMs !== undefined) return;
    for (let i = 0; i < 3 && sandbox.chain.lastFinalBlock().height < height; i++) sandbox.produceBlocks(1);
  }

  function outcomeHeights(result: TransactionResult): { txHeight: bigint; lastHeight: bigint } {
    const heightOf = (hash: string) => sandbox.getBlock(hash).height;
    const txHeight = heightOf(result.transactionOutcome.block_hash);
    let lastHeight = txHeight;
    for (const o of result.receipts) {
      const h = heightOf(o.block_hash);
      if (h > lastHeight) lastHeight = h;
    }
    return { txHeight, lastHeight };
  }

  /**
   * nearcore view_client_actor.rs `get_tx_execution_status`: EXECUTED_OPTIMISTIC / EXECUTED once every
   * receipt has run but the refunds still to run (Chain `progress`), FINAL once the refunds ran too and
   * every block with an outcome is final.
   */
  function reachedStatus(result: TransactionResult): TxExecutionStatus {
    const { txHeight, lastHeight } = outcomeHeights(result);
    const final = info.finalHeight(head());
    const progress = sandbox.chain.progress(result.hash);
    if (!progress?.executed) return final >= txHeight ? 'INCLUDED_FINAL' : 'INCLUDED';
    if (final < txHeight) return 'EXECUTED_OPTIMISTIC';
    return progress.settled && final >= lastHeight ? 'FINAL' : 'EXECUTED';
  }

  function respond(result: TransactionResult, waitUntil: TxExecutionStatus, withReceipts: boolean) {
    const { txHeight, lastHeight } = outcomeHeights(result);
    if (waitUntil === 'INCLUDED_FINAL' || waitUntil === 'EXECUTED') finalise(txHeight);
    if (waitUntil === 'FINAL') finalise(lastHeight);
    const status = reachedStatus(result);
    const body: Record<string, unknown> = { final_execution_status: status, ...result.outcome };
    if (withReceipts) {
      body.receipts = result.receipts.map((o) => sandbox.getReceipt(o.id));
    }
    return body as never;
  }

  function mapTransactionError(e: unknown): never {
    if (e instanceof InvalidTransactionError) throw invalidTransaction(e.kind);
    if (e instanceof ParseTransactionError) throw parseError(e.message);
    throw e;
  }

  function outcomeOf(hash: string): TransactionResult {
    try {
      return sandbox.getTransactionOutcome(hash);
    } catch (e) {
      if (e instanceof UnknownTransactionError) throw unknownTransaction(hash);
      mapTransactionError(e);
    }
  }

  /**
   * The answer for a pooled transaction once the blocks the producer makes have taken it to `level`: its
   * receipts have run (or it waits for something only another transaction can give, such as a yield's
   * resume) and, for the final levels, its blocks are final.
   */
  function awaitOutcome(hash: string, level: TxExecutionStatus, withReceipts: boolean): Later<never> {
    // the levels that wait for finality read the outcome's heights; the others need no outcome built here
    const finalTarget = (): bigint | undefined => {
      if (level !== 'INCLUDED_FINAL' && level !== 'EXECUTED' && level !== 'FINAL') return undefined;
      const { txHeight, lastHeight } = outcomeHeights(outcomeOf(hash));
      return level === 'FINAL' ? lastHeight : txHeight;
    };
    // nearcore view_client_actor.rs get_tx_execution_status: INCLUDED and INCLUDED_FINAL say nothing about
    // receipts, EXECUTED_OPTIMISTIC and EXECUTED do not wait for refunds
    const runs: RunsBeforeAnswer = level === 'INCLUDED' || level === 'INCLUDED_FINAL' ? 'block' : level === 'FINAL' ? 'all' : 'non-refunds';
    return new Later(
      producer.waitFor(hash, finalTarget, runs).then(() => respond(outcomeOf(hash), level, withReceipts)),
    );
  }

  /** A transaction the chain has: answered now if it reached `level`, else once the producer's blocks take it there. */
  function answerAt(result: TransactionResult, level: TxExecutionStatus, withReceipts: boolean) {
    if (satisfies(reachedStatus(result), level)) return respond(result, level, withReceipts);
    return awaitOutcome(result.hash, level, withReceipts);
  }

  /** nearcore's steps (Sandbox.fastForward), in slices between which other requests are served. */
  async function fastForwardBy(deltaHeight: number): Promise<void> {
    // nearcore's steps (Sandbox.fastForward); other requests are served every FAST_FORWARD_SLICE blocks made
    // and reads every few milliseconds of work in between (a read never waits for a whole slice)
    let made = 0;
    let sliceStarted = performance.now();
    for (let left = BigInt(deltaHeight); left > 0n; ) {
      left = sandbox.fastForwardStep(left);
      if (left <= 0n) break;
      if (++made % FAST_FORWARD_SLICE === 0) await options.betweenBlocks?.();
      else if (performance.now() - sliceStarted < FAST_FORWARD_YIELD_MS) continue;
      else await options.yieldToReads?.();
      sliceStarted = performance.now();
    }
    // settled even when the whole delta was one jump (made stays 0): left unsettled, the final block stays
    // behind the jump, and every transaction signed against it is Expired once the jump exceeds the validity period
    if (deltaHeight > 0) sandbox.settleFastForward(sandbox.head);
  }

  const client: SandboxClient = {
    sandbox,
    get blockIntervalMs() {
      return producer.intervalMs;
    },
    stopProducing: () => producer.stop(),
    dev: createDevControls(sandbox, () => producer.kick(), (intervalMs) => {
      producer.setIntervalMs(intervalMs);
      sandbox.chain.setClock(clockFor(intervalMs));
    }),

    status: () => statusView(info, options.reportedHead?.() ?? head(), options.rpcAddr ?? '127.0.0.1', startedAt),

    block(reference) {
      // near-api-js asks for the final block before every transaction it signs: answered from disk, it never waits
      // for a commit
      const onDisk = 'finality' in reference && reference.finality === 'final' ? options.finalBlockOnDisk?.() : undefined;
      const block = onDisk ?? resolveBlock(reference);
      // Blocks never change once produced: build each view once.
      const key = hashToString(block.hash);
      let view = blockViews.get(key);
      if (view === undefined) {
        view = blockView(info, block);
        if (blockViews.size >= BLOCK_VIEW_CACHE_SIZE) blockViews.delete(blockViews.keys().next().value!);
        blockViews.set(key, view);
      }
      return view;
    },

    chunk(reference: ChunkReference) {
      let block: Block | undefined;
      if ('chunk_id' in reference) {
        // the newest blocks are in memory; older ones are found through the store's chunk index
        const oldest = options.history?.blockByChunkHash ? head().height - CHUNK_SCAN_BLOCKS : 0n;
        for (let h = head().height; h >= 0n && h >= oldest && block === undefined; h--) {
          const b = sandbox.getBlock(h);
          if (chunkHashOf(b) === reference.chunk_id) block = b;
        }
        block ??= options.history?.blockByChunkHash?.(reference.chunk_id);
        if (!block) throw unknownChunk(reference.chunk_id);
      } else {
        if (reference.shard_id !== 0) throw invalidShardId(reference.shard_id);
        block = resolveBlock({ block_id: reference.block_id });
      }
      const transactions = block.transactions.map((hash) => {
        try {
          return sandbox.getTransactionOutcome(hash).outcome.transaction;
        } catch {
          return null;
        }
      });
      const receipts = block.receipts.map((id) => {
        try {
          return sandbox.getReceipt(id);
        } catch {
          return null;
        }
      });
      return {
        author: info.validatorId,
        header: chunkHeaderView(info, block),
        transactions: transactions.filter((t) => t !== null),
        receipts: receipts.filter((r) => r !== null),
      } as never;
    },

    changes(reference, request) {
      const block = changesBlock(reference);
      const recorded = block.stateChanges ?? [];
      // nearcore chain/chain store `get_state_changes`: per requested id in request order, that id's keys in trie-key order
      const keys = (match: (k: Pick<KeyChanges, 'key'>) => boolean) => recorded.filter(match).flatMap((k) => keyChangesView(k).changes);
      return { block_hash: hashToString(block.hash), changes: changesOf(request, keys) };
    },

    changesInBlock(reference) {
      const block = changesBlock(reference);
      // nearcore `StateChangesKinds::from_changes`: one kind per key changed, in trie-key order
      return { block_hash: hashToString(block.hash), changes: (block.stateChanges ?? []).map((k) => ({ type: k.kind, account_id: k.account_id })) };
    },

    gasPrice(blockId) {
      const block = blockId === null ? head() : resolveBlock({ block_id: blockId });
      return { gas_price: block.gasPrice.toString() };
    },

    query,

    sendTransaction(signedTransaction, waitUntil) {
      // nearcore chain/jsonrpc/src/lib.rs `send_tx`: at NONE the transaction goes to the client unawaited
      // (`send_tx_async`) and the answer is NONE whatever the client makes of it (only undecodable bytes are
      // refused, while the params are parsed). Otherwise the client's answer counts (`send_tx_internal`): a
      // refusal is the error, and an accepted transaction (new, still pooled, or already in a block and sent
      // again within its validity period) is answered at `waitUntil` (`tx_status_fetch`).
      let hash: string;
      try {
        hash = sandbox.chain.submitTransaction(signedTransaction, { refusePooledNonce: true });
      } catch (e) {
        if (waitUntil === 'NONE' && e instanceof InvalidTransactionError) return { final_execution_status: 'NONE' } as never;
        mapTransactionError(e);
      }
      producer.kick();
      if (waitUntil === 'NONE') return { final_execution_status: 'NONE' } as never;
      if (sandbox.chain.isPooled(hash)) return awaitOutcome(hash, waitUntil, false);
      return answerAt(outcomeOf(hash), waitUntil, false);
    },

    transactionStatus(lookup: TransactionLookup, waitUntil, withReceipts) {
      let hash: string;
      let sender: string;
      if (lookup.kind === 'signed') {
        const parsed = parseSignedTransaction(lookup.signedTransaction);
        hash = hashToString(parsed.hash);
        sender = parsed.signed.transaction.signerId;
      } else {
        hash = lookup.txHash;
        sender = lookup.senderAccountId;
      }
      if (sandbox.chain.isPooled(hash)) {
        // in the pool: answered once the transaction reaches the level asked for, as nearcore's tx does
        const pooled = sandbox.chain.pooledTransaction(hash);
        if (pooled?.signerId !== sender) throw unknownTransaction(hash);
        // but at NONE not waited for: nearcore's view client knows only transactions in a chunk
        // (view_client_actor.rs get_tx_status: MissingTransaction), and jsonrpc lib.rs tx_status_fetch
        // answers that at once as UNKNOWN_TRANSACTION when wait_until is NONE
        if (waitUntil === 'NONE') throw unknownTransaction(hash);
        return awaitOutcome(hash, waitUntil, withReceipts);
      }
      const result = outcomeOf(hash);
      if (result.outcome.transaction.signer_id !== sender) throw unknownTransaction(hash);
      return answerAt(result, waitUntil, withReceipts);
    },

    receipt(receiptId) {
      try {
        return sandbox.getReceipt(receiptId) as never;
      } catch {
        throw unknownReceipt(receiptId);
      }
    },

    protocolConfig(reference) {
      resolveBlock(reference);
      return { ...genesisConfigOf(genesis), chain_id: info.chainId, protocol_version: sandbox.protocolVersion, runtime_config: runtimeConfigView(sandbox.config) } as never;
    },

    genesisConfig: () => ({ ...genesisConfigOf(genesis), chain_id: info.chainId }),

    validators(reference) {
      if (reference !== null && 'block_id' in reference) resolveBlock(reference);
      return validatorsView(info, head());
    },

    networkInfo: () => networkInfoView(),

    patchState(records) {
      const patch = () => {
        try {
          sandbox.patchState(records.map(toStateRecord));
        } catch (e) {
          throw parseError(`Failed parsing args: ${(e as Error).message}`);
        }
      };
      // nearcore applies a patch at the next block and answers once it is in: in interval mode, the next tick's
      if (producer.intervalMs !== undefined) return new Later(producer.beforeNextBlock(patch));
      patch();
      sandbox.produceBlocks(1);
      producer.kick();
    },

    async fastForward(deltaHeight) {
      producer.kick();
      // interval mode: no tick makes a block between the fast-forward's own
      const release = producer.hold();
      try {
        await fastForwardBy(deltaHeight);
      } finally {
        release();
      }
    },

    exportState() {
      const state = sandbox.chain.state;
      const entries: StateEntry[] = [];
      for (const [accountId, account] of state.accounts.entries()) {
        entries.push([`Account/${accountId}`, cached(account, () => JSON.stringify({
          Account: {
            account_id: accountId,
            account: {
              amount: account.amount.toString(),
              locked: account.locked.toString(),
              code_hash: base58.encode(account.codeHash),
              storage_usage: Number(account.storageUsage),
              ...(account.global?.type === 'CodeHash' ? { global_contract_hash: base58.encode(account.global.hash) } : {}),
              ...(account.global?.type === 'AccountId' ? { global_contract_account_id: account.global.accountId } : {}),
            },
          },
        }))]);
        for (const key of state.listAccessKeys(accountId)) {
          const publicKey = publicKeyToString(key.publicKey);
          entries.push([`AccessKey/${accountId}/${publicKey}`, cached(key.accessKey, () => JSON.stringify({
            AccessKey: { account_id: accountId, public_key: publicKey, access_key: { ...accessKeyView(key.accessKey), nonce: key.accessKey.nonce.toString() } },
          }))]);
        }
        const code = state.code.get(accountId);
        if (code !== undefined && account.codeHash.some((b) => b !== 0)) {
          entries.push([`Contract/${accountId}`, cached(code, () => JSON.stringify({ Contract: { account_id: accountId, code: toBase64(code) } }))]);
        }
        for (const [hexKey, value] of state.localData(accountId)) {
          const dataKey = toBase64(Buffer.from(hexKey, 'hex'));
          entries.push([`Data/${accountId}/${dataKey}`, cached(value, () => JSON.stringify({ Data: { account_id: accountId, data_key: dataKey, value: toBase64(value) } }))]);
        }
      }
      for (const [key, contract] of state.globalCode.entries()) {
        const identifier = key.startsWith('hash:') ? { CodeHash: base58.encode(contract.hash) } : { AccountId: key.slice('account:'.length) };
        entries.push([`GlobalContractCode/${key}`, cached(contract, () => JSON.stringify({ GlobalContractCode: { identifier, code: toBase64(contract.code) } }))]);
      }
      for (const [id, value] of sandbox.chain.runtimeRecords()) {
        const json = () => JSON.stringify({ Runtime: { id, value: toTaggedJson(value) } });
        if (value === null || typeof value !== 'object') {
          entries.push([`Runtime/${id}`, json()]);
          continue;
        }
        let saved = runtimeJson.get(value);
        if (saved?.id !== id) runtimeJson.set(value, (saved = { id, json: json() }));
        entries.push([`Runtime/${id}`, saved.json]);
      }
      const h = head();
      return {
        head: { height: Number(h.height), hash: hashToString(h.hash), timestampNanos: h.timestamp.toString(), chainId: genesis.chain_id },
        entries,
      };
    },
  };

  return client;
}

/**
 * Request parameter parsing, as nearcore's `chain/jsonrpc/src/api/*.rs` `RpcRequest::parse` does: the object
 * form is checked against `@near-js/jsonrpc-types`' zod schemas (nearcore's OpenAPI spec), and the legacy
 * positional forms (`[block_id]`, `[path, data]`, `[signed_tx_base64]`, `[tx_hash, sender]`) are accepted
 * where nearcore accepts them. Every failure is a `parseError` with a message that names the bad field.
 */
import base58 from 'bs58';
import { accountIdError, rustCharDebug } from '../primitives/account-id.js';
import type { ChunkReference, QueryRequest, StateChangesRequest, StateRecordJson, TransactionLookup } from './client.js';
import { parsePublicKey } from '../primitives/crypto.js';
import { parseError } from './errors.js';
import { camelizeKeys, type BlockReference, type TxExecutionStatus } from './wire.js';

/** nearcore `QUERY_DATA_MAX_SIZE` for the legacy path form (chain/jsonrpc/src/api/query.rs). */
const QUERY_DATA_MAX_SIZE = 10 * 1024;

interface ZodIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  errors?: ZodIssue[][];
}

interface SafeParser {
  safeParse(value: unknown): { success: true; data: any } | { success: false; error: { issues: ZodIssue[] } };
}

function snake(key: PropertyKey): string {
  return String(key).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Flattens union alternatives into their closest match so the message names real fields: a branch whose
 * literal (e.g. `request_type`) did not match is the wrong branch; among the rest, the fewest issues wins.
 */
function leafIssues(issues: ZodIssue[], prefix: PropertyKey[] = []): { path: PropertyKey[]; issue: ZodIssue }[] {
  const out: { path: PropertyKey[]; issue: ZodIssue }[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
      const branches = issue.errors.map((branch) => leafIssues(branch, path));
      const literalMisses = (b: { issue: ZodIssue }[]) => b.filter(({ issue }) => issue.code === 'invalid_value').length;
      branches.sort((a, b) => literalMisses(a) - literalMisses(b) || a.length - b.length);
      out.push(...branches[0]!);
    } else {
      out.push({ path, issue });
    }
  }
  return out;
}

function describeIssues(issues: ZodIssue[]): string {
  return leafIssues(issues)
    .slice(0, 3)
    .map(({ path, issue }) => {
      const field = path.length > 0 ? `\`${path.map(snake).join('.')}\`` : 'params';
      if (issue.code === 'invalid_type') return `${field}: expected ${issue.expected}`;
      if (issue.code === 'invalid_value') return `${field}: expected one of ${issue.values?.map((v) => JSON.stringify(v)).join(', ')}`;
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

type SchemaName =
  | 'RpcBlockRequestSchema'
  | 'RpcChunkRequestSchema'
  | 'RpcGasPriceRequestSchema'
  | 'RpcProtocolConfigRequestSchema'
  | 'RpcQueryRequestSchema'
  | 'RpcReceiptRequestSchema'
  | 'RpcSendTransactionRequestSchema'
  | 'RpcStateChangesInBlockByTypeRequestSchema'
  | 'RpcStateChangesInBlockRequestSchema'
  | 'RpcTransactionStatusRequestSchema';

type SchemaModule = Record<SchemaName, () => SafeParser>;

/**
 * The schemas (and zod) take a few hundred milliseconds to load, which would sit inside near-workspaces'
 * start-up lock; the server loads them right after it starts listening (`loadRequestSchemas`) and waits for
 * them before parsing. Only the readiness probe's `{"finality": …}` is recognised before they are in.
 */
let schemaModule: SchemaModule | undefined;
let schemaLoad: Promise<void> | undefined;

export function loadRequestSchemas(): Promise<void> {
  schemaLoad ??= import('@near-js/jsonrpc-types').then((m) => {
    schemaModule = m as unknown as SchemaModule;
  });
  return schemaLoad;
}

export function requestSchemasLoaded(): boolean {
  return schemaModule !== undefined;
}

/** The package builds a new zod schema on every call of a `…Schema()` factory; build each once. */
const schemaCache = new Map<SchemaName, SafeParser>();

function validate(schema: SchemaName, params: unknown, example: string, accepted?: (params: Record<string, unknown>) => boolean): any {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw parseError(`Failed parsing args: expected an object like ${example}`);
  }
  if (accepted?.(params as Record<string, unknown>)) return params as Record<string, unknown>;
  let parser = schemaCache.get(schema);
  if (parser === undefined) {
    if (schemaModule === undefined) throw new Error('request schemas are not loaded yet: await loadRequestSchemas() first');
    parser = schemaModule[schema]();
    schemaCache.set(schema, parser);
  }
  const result = parser.safeParse(camelizeKeys(params));
  if (!result.success) {
    throw parseError(`Failed parsing args: ${describeIssues(result.error.issues)} (expected ${example})`);
  }
  return params as Record<string, unknown>;
}

/**
 * The common request shapes, recognised without zod (its parse was ~2 % of the node's CPU under a relayer's
 * load). Each `accepts…` below is a sufficient condition only: it holds for inputs its schema accepts (zod
 * objects let unknown keys through, and the schemas' ids, hashes, keys and base64 are plain `z.string()`), and
 * anything else still goes through zod, which words the refusal. Only the listed snake_case keys are allowed, so
 * camelizing cannot merge two keys into one. test/rpc/params.test.ts checks every accepted input against zod.
 */
type FieldRule = 'string' | 'blockId' | ReadonlySet<string>;
function hasShape(params: Record<string, unknown>, required: Record<string, FieldRule>, optional: Record<string, FieldRule> = {}): boolean {
  let present = 0;
  for (const key in params) {
    const isRequired = Object.hasOwn(required, key);
    const rule = isRequired ? required[key] : Object.hasOwn(optional, key) ? optional[key] : undefined;
    if (rule === undefined || !Object.hasOwn(params, key)) return false;
    const value = params[key];
    if (rule === 'string' ? typeof value !== 'string' : rule === 'blockId' ? typeof value !== 'string' && typeof value !== 'number' : typeof value !== 'string' || !rule.has(value)) return false;
    if (isRequired) present++;
  }
  return present === Object.keys(required).length;
}

const TX_STATUSES: ReadonlySet<string> = new Set(['NONE', 'INCLUDED', 'EXECUTED_OPTIMISTIC', 'INCLUDED_FINAL', 'EXECUTED', 'FINAL']);
const WAIT_UNTIL = { wait_until: TX_STATUSES };
const acceptsSendTx = (p: Record<string, unknown>) => hasShape(p, { signed_tx_base64: 'string' }, WAIT_UNTIL);
const acceptsTxStatus = (p: Record<string, unknown>) =>
  hasShape(p, { tx_hash: 'string', sender_account_id: 'string' }, WAIT_UNTIL) || hasShape(p, { signed_tx_base64: 'string' }, WAIT_UNTIL);
/** `RpcQueryRequestSchema`'s object branches: request fields per request type (each with `account_id`). */
const QUERY_FIELDS: Record<string, Record<string, FieldRule>> = {
  view_account: {},
  view_code: {},
  view_access_key_list: {},
  view_access_key: { public_key: 'string' },
  call_function: { method_name: 'string', args_base64: 'string' },
};
const acceptsQuery = (p: Record<string, unknown>) => {
  const fields = typeof p.request_type === 'string' && Object.hasOwn(QUERY_FIELDS, p.request_type) ? QUERY_FIELDS[p.request_type]! : undefined;
  if (fields === undefined) return false;
  const request = { request_type: 'string', account_id: 'string', ...fields } as const;
  return hasShape(p, { ...request, finality: FINALITIES }) || hasShape(p, { ...request, block_id: 'blockId' });
};
export const fastAcceptedShapes = { acceptsSendTx, acceptsTxStatus, acceptsQuery };

function decodeBase64(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw parseError(`Failed to decode ${what}: invalid base64`);
  }
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function decodeBase58Data(text: string, maxLen: number): Uint8Array {
  // every base58 character carries more than 5 bits: longer text than this cannot fit (and decoding is quadratic)
  if (text.length > Math.ceil((maxLen * 8) / 5.8) + 1) throw parseError('Query data size is too large');
  const bytes = base58.decodeUnsafe(text);
  if (bytes === undefined) throw parseError(base58DecodeErrorText(text));
  if (bytes.length > maxLen) throw parseError('Query data size is too large');
  return bytes;
}

/**
 * nearcore's `parse_bs58_data` answers with the bs58 crate's `decode::Error` text: the first character outside
 * the alphabet, `{:?}`-formatted, at its byte offset, or the first non-ASCII character's byte offset.
 */
function base58DecodeErrorText(text: string): string {
  const at = [...text].findIndex((c) => !BASE58_ALPHABET.includes(c));
  const c = [...text][at]!;
  const byte = Buffer.byteLength([...text].slice(0, at).join(''));
  if (c.codePointAt(0)! > 0x7f) return `provided string contained non-ascii character starting at byte ${byte}`;
  return `provided string contained invalid character ${rustCharDebug(c)} at byte ${byte}`;
}
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function checkAccountId(id: string): string {
  const problem = accountIdError(id);
  if (problem !== null) throw parseError(`Failed parsing args: account id ${JSON.stringify(id)} is invalid (${problem})`);
  return id;
}

/** `BlockReference` from already-validated params (`finality` wins over nothing, as serde's flatten order). */
export function blockReferenceOf(params: Record<string, unknown>): BlockReference {
  if (params.block_id !== undefined && params.block_id !== null) return { block_id: checkBlockId(params.block_id as number | string) };
  if (params.sync_checkpoint !== undefined) return { sync_checkpoint: params.sync_checkpoint as 'genesis' };
  if (params.finality !== undefined) return { finality: params.finality as 'final' };
  throw parseError('Failed parsing args: give one of `finality`, `block_id` or `sync_checkpoint`');
}

function isPair(params: unknown): params is [unknown, unknown] {
  return Array.isArray(params) && params.length === 2;
}
function isSingleton(params: unknown): params is [unknown] {
  return Array.isArray(params) && params.length === 1;
}

// ---- per method ----

const FINALITIES = new Set(['optimistic', 'near-final', 'final']);

/** `{"finality": "final"}` and the like: what near-workspaces' readiness probe sends (valid under the schema). */
function isBareFinality(params: unknown): params is { finality: 'optimistic' | 'near-final' | 'final' } {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return false;
  const keys = Object.keys(params);
  return keys.length === 1 && keys[0] === 'finality' && FINALITIES.has((params as { finality: string }).finality);
}

export function parseBlockParams(params: unknown): BlockReference {
  if (isBareFinality(params)) return { finality: params.finality };
  if (isSingleton(params)) {
    const id = params[0];
    if (typeof id !== 'number' && typeof id !== 'string') throw parseError('Failed parsing args: block id must be a height or a hash');
    return { block_id: checkBlockId(id) };
  }
  return blockReferenceOf(validate('RpcBlockRequestSchema', params, '{"finality":"final"} or {"block_id":<height|hash>}'));
}

export function parseChunkParams(params: unknown): ChunkReference {
  // nearcore's legacy positioned forms (chain/jsonrpc/src/api/chunks.rs): `[chunk_id]` and `[[block_id, shard_id]]`,
  // the second being what near-api-js's `viewChunk([height, shard])` sends. A bare `[block_id, shard_id]` is not one.
  if (isSingleton(params) && typeof params[0] === 'string') return { chunk_id: checkHash(params[0]) };
  if (isSingleton(params) && isPair(params[0])) {
    const [blockId, shardId] = params[0];
    if ((typeof blockId === 'number' || typeof blockId === 'string') && typeof shardId === 'number') {
      return { block_id: checkBlockId(blockId), shard_id: shardId };
    }
    throw parseError('Failed parsing args: expected [[block_id, shard_id]]');
  }
  const p = validate('RpcChunkRequestSchema', params, '{"chunk_id":"<hash>"} or {"block_id":<height|hash>,"shard_id":0}');
  if (typeof p.chunk_id === 'string') return { chunk_id: checkHash(p.chunk_id) };
  return { block_id: checkBlockId(p.block_id as number | string), shard_id: p.shard_id as number };
}

export function parseGasPriceParams(params: unknown): number | string | null {
  if (params === undefined || params === null) return null;
  if (Array.isArray(params) && params.length <= 1) {
    const id = params[0] ?? null;
    if (id === null || typeof id === 'number' || typeof id === 'string') return id === null ? null : checkBlockId(id);
    throw parseError('Failed parsing args: expected [block_id] or [null]');
  }
  const p = validate('RpcGasPriceRequestSchema', params, '{"block_id":null}');
  const id = (p.block_id ?? null) as number | string | null;
  return id === null ? null : checkBlockId(id);
}

export function parseQueryParams(params: unknown): { reference: BlockReference; request: QueryRequest } {
  if (isPair(params) && typeof params[0] === 'string' && typeof params[1] === 'string') {
    return parseLegacyQuery(params[0], params[1]);
  }
  // `view_gas_key_nonces` (GasKeys) is newer than @near-js/jsonrpc-types' schema: checked here instead.
  if (params && typeof params === 'object' && (params as Record<string, unknown>).request_type === 'view_gas_key_nonces') {
    const p = params as Record<string, unknown>;
    if (typeof p.public_key !== 'string') throw parseError('Failed parsing args: `public_key`: expected string');
    const reference = blockReferenceOf(p);
    return { reference, request: { request_type: 'view_gas_key_nonces', account_id: checkAccountId(p.account_id as string), public_key: p.public_key } };
  }
  const p = validate(
    'RpcQueryRequestSchema',
    params,
    '{"request_type":"view_account","account_id":"x.near","finality":"final"}',
    acceptsQuery,
  );
  const reference = blockReferenceOf(p);
  if (p.request_type === 'view_global_contract_code') {
    if (typeof p.code_hash !== 'string') throw parseError('Failed parsing args: missing field `code_hash`');
    return { reference, request: { request_type: 'view_global_contract_code', code_hash: checkHash(p.code_hash) } };
  }
  const account_id = checkAccountId(p.account_id as string);
  switch (p.request_type) {
    case 'view_global_contract_code_by_account_id':
    case 'view_account':
    case 'view_code':
    case 'view_access_key_list':
      return { reference, request: { request_type: p.request_type, account_id } };
    case 'view_access_key':
      return { reference, request: { request_type: 'view_access_key', account_id, public_key: p.public_key as string } };
    case 'view_state':
      return {
        reference,
        request: {
          request_type: 'view_state',
          account_id,
          prefix: decodeBase64(p.prefix_base64, 'prefix_base64'),
          include_proof: p.include_proof === true,
        },
      };
    case 'call_function':
      return {
        reference,
        request: {
          request_type: 'call_function',
          account_id,
          method_name: p.method_name as string,
          args: decodeBase64(p.args_base64, 'args_base64'),
        },
      };
    default:
      throw parseError(`Failed parsing args: unsupported request_type ${JSON.stringify(p.request_type)}`);
  }
}

/** The soft-deprecated `[path, base58 data]` form (nearcore `parse_path_data`); evaluated at the latest block. */
function parseLegacyQuery(path: string, data: string): { reference: BlockReference; request: QueryRequest } {
  const parts = path.split('/');
  const command = parts[0];
  const accountId = parts[1];
  const extra = parts.length > 2 ? parts.slice(2).join('/') : undefined;
  if (!command || accountId === undefined) throw parseError('Not enough query parameters provided');
  const account_id = checkAccountId(accountId);
  const reference: BlockReference = { finality: 'optimistic' };
  const body = () => decodeBase58Data(data, Math.max(0, QUERY_DATA_MAX_SIZE - path.length));
  switch (command) {
    case 'account':
      return { reference, request: { request_type: 'view_account', account_id } };
    case 'access_key':
      return extra === undefined
        ? { reference, request: { request_type: 'view_access_key_list', account_id } }
        : { reference, request: { request_type: 'view_access_key', account_id, public_key: extra } };
    case 'code':
      return { reference, request: { request_type: 'view_code', account_id } };
    case 'contract':
      return { reference, request: { request_type: 'view_state', account_id, prefix: body(), include_proof: false } };
    case 'call':
      if (extra === undefined) throw parseError('Method name is missing');
      return { reference, request: { request_type: 'call_function', account_id, method_name: extra, args: body() } };
    default:
      throw parseError(`Unknown path ${command}`);
  }
}

const TX_EXAMPLE = '{"signed_tx_base64":"<base64 borsh SignedTransaction>","wait_until":"EXECUTED_OPTIMISTIC"}';

/** `send_tx`, `broadcast_tx_commit`, `broadcast_tx_async` (nearcore `RpcSendTransactionRequest::parse`). */
export function parseSendTxParams(params: unknown): { signedTransaction: Uint8Array; waitUntil: TxExecutionStatus } {
  if (isSingleton(params)) {
    return { signedTransaction: decodeBase64(params[0], 'transaction'), waitUntil: 'EXECUTED_OPTIMISTIC' };
  }
  if (isPair(params)) throw parseError('Unable to parse send request: too many params passed');
  const p = validate('RpcSendTransactionRequestSchema', params, TX_EXAMPLE, acceptsSendTx);
  return {
    signedTransaction: decodeBase64(p.signed_tx_base64, 'transaction'),
    waitUntil: (p.wait_until as TxExecutionStatus | undefined) ?? 'EXECUTED_OPTIMISTIC',
  };
}

/** `tx`, `EXPERIMENTAL_tx_status` (nearcore `RpcTransactionStatusRequest::parse`). */
export function parseTxStatusParams(params: unknown): { lookup: TransactionLookup; waitUntil: TxExecutionStatus } {
  const waitUntil: TxExecutionStatus = 'EXECUTED_OPTIMISTIC';
  if (isSingleton(params)) {
    return { lookup: { kind: 'signed', signedTransaction: decodeBase64(params[0], 'transaction') }, waitUntil };
  }
  if (isPair(params)) {
    const [hash, sender] = params;
    if (typeof hash !== 'string' || typeof sender !== 'string') throw parseError('Failed parsing args: expected [tx_hash, sender_account_id]');
    return { lookup: { kind: 'id', txHash: checkHash(hash), senderAccountId: checkAccountId(sender) }, waitUntil };
  }
  const p = validate(
    'RpcTransactionStatusRequestSchema',
    params,
    '{"tx_hash":"<base58>","sender_account_id":"x.near","wait_until":"EXECUTED_OPTIMISTIC"}',
    acceptsTxStatus,
  );
  const level = (p.wait_until as TxExecutionStatus | undefined) ?? waitUntil;
  if (typeof p.signed_tx_base64 === 'string') {
    return { lookup: { kind: 'signed', signedTransaction: decodeBase64(p.signed_tx_base64, 'transaction') }, waitUntil: level };
  }
  return {
    lookup: { kind: 'id', txHash: checkHash(p.tx_hash as string), senderAccountId: checkAccountId(p.sender_account_id as string) },
    waitUntil: level,
  };
}

/** base58 of 32 bytes is at most 44 characters; longer text is refused before decoding (quadratic in its length). */
const MAX_HASH_CHARS = 44;

function checkHash(text: string): string {
  if (text.length > MAX_HASH_CHARS) throw parseError(`Failed parsing args: a hash is 32 bytes (at most ${MAX_HASH_CHARS} base58 characters), got ${text.length} characters`);
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(text);
  } catch {
    throw parseError(`Failed parsing args: ${JSON.stringify(text)} is not a base58 hash`);
  }
  if (bytes.length !== 32) throw parseError(`Failed parsing args: hash ${JSON.stringify(text)} is not 32 bytes`);
  return text;
}

/**
 * A `block_id` string is a block hash: text too long for 32 bytes is refused as nearcore's `CryptoHash`
 * deserialisation refuses it (core/primitives-core/src/hash.rs: "incorrect length for hash", so the untagged
 * `BlockId` does not parse), before anything looks it up or repeats it in an answer.
 */
function checkBlockId<T extends number | string>(id: T): T {
  if (typeof id === 'string' && id.length > MAX_HASH_CHARS) {
    throw parseError(`Failed parsing args: block_id is a height or a 32-byte hash (at most ${MAX_HASH_CHARS} base58 characters), got ${id.length} characters`);
  }
  return id;
}

export function parseReceiptParams(params: unknown): string {
  const p = validate('RpcReceiptRequestSchema', params, '{"receipt_id":"<base58>"}');
  return checkHash(p.receipt_id as string);
}

export function parseProtocolConfigParams(params: unknown): BlockReference {
  return blockReferenceOf(validate('RpcProtocolConfigRequestSchema', params, '{"finality":"final"}'));
}

/** `validators`: `[null]`, `null`, `"latest"`, `{"latest":null}`, `{"epoch_id"}` or `{"block_id"}`. */
export function parseValidatorsParams(params: unknown): { epoch_id: string } | { block_id: number | string } | null {
  if (params === undefined || params === null || params === 'latest') return null;
  if (Array.isArray(params)) {
    if (params.length === 1 && params[0] === null) return null;
    if (params.length === 1 && (typeof params[0] === 'number' || typeof params[0] === 'string')) return { block_id: checkBlockId(params[0]) };
    throw parseError('Failed parsing args: expected [null] or [block_id]');
  }
  if (typeof params === 'object') {
    const p = params as Record<string, unknown>;
    if ('latest' in p) return null;
    if (typeof p.epoch_id === 'string') return { epoch_id: p.epoch_id };
    if (typeof p.block_id === 'number' || typeof p.block_id === 'string') return { block_id: checkBlockId(p.block_id) };
  }
  throw parseError('Failed parsing args: expected [null], {"epoch_id":"<hash>"} or {"block_id":<height|hash>}');
}

const STATE_RECORD_KINDS = new Set(['Account', 'AccessKey', 'Contract', 'Data', 'PostponedReceipt', 'ReceivedData', 'DelayedReceipt']);

/** `sandbox_patch_state` (nearcore `RpcSandboxPatchStateRequest`): `{records: [StateRecord]}`. */
export function parsePatchStateParams(params: unknown): StateRecordJson[] {
  const records = Array.isArray(params) ? (params.length === 1 ? (params[0] as any)?.records : undefined) : (params as any)?.records;
  if (!Array.isArray(records)) throw parseError('Failed parsing args: expected {"records":[StateRecord, ...]}');
  records.forEach((record: unknown, i: number) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw parseError(`Failed parsing args: records[${i}] must be an object like {"Account":{...}}`);
    }
    const kinds = Object.keys(record);
    if (kinds.length !== 1 || !STATE_RECORD_KINDS.has(kinds[0]!)) {
      throw parseError(`Failed parsing args: records[${i}] must have exactly one of ${[...STATE_RECORD_KINDS].join(', ')}`);
    }
  });
  return records as StateRecordJson[];
}

/** `sandbox_fast_forward` (nearcore `RpcSandboxFastForwardRequest`): `{delta_height: u64}`. */
/**
 * Blocks one `sandbox_fast_forward` may ask for (nearcore takes any u64; here each block is produced and
 * stored, about 10^6 a few minutes and a few hundred MB): a larger jump is several calls.
 */
/** `EXPERIMENTAL_changes_in_block`: a block reference (nearcore `RpcStateChangesInBlockRequest`). */
export function parseChangesInBlockParams(params: unknown): BlockReference {
  if (isBareFinality(params)) return { finality: params.finality };
  return blockReferenceOf(validate('RpcStateChangesInBlockRequestSchema', params, '{"finality":"final"} or {"block_id":<height or hash>}'));
}

/** `EXPERIMENTAL_changes`: a block reference and nearcore's `StateChangesRequestView` (`changes_type` and its fields). */
export function parseChangesParams(params: unknown): { reference: BlockReference; request: StateChangesRequest } {
  const p = validate('RpcStateChangesInBlockByTypeRequestSchema', params, '{"changes_type":"account_changes","account_ids":["x.near"],"finality":"final"}');
  const accountIds = () => (p.account_ids as string[]).map(checkAccountId);
  const type = p.changes_type as StateChangesRequest['type'];
  let request: StateChangesRequest;
  if (type === 'single_access_key_changes') {
    const keys = p.keys as { account_id: string; public_key: string }[];
    request = {
      type,
      keys: keys.map((k) => {
        try {
          return { accountId: checkAccountId(k.account_id), publicKey: parsePublicKey(k.public_key) };
        } catch (e) {
          throw parseError(`Failed parsing args: public key ${JSON.stringify(k.public_key)}: ${(e as Error).message}`);
        }
      }),
    };
  } else if (type === 'data_changes') {
    request = { type, accountIds: accountIds(), keyPrefix: decodeBase64(p.key_prefix_base64, 'key_prefix_base64') };
  } else {
    request = { type, accountIds: accountIds() };
  }
  return { reference: blockReferenceOf(p), request };
}

export const MAX_FAST_FORWARD = 1_000_000;

export function parseFastForwardParams(params: unknown): number {
  const delta = (params as any)?.delta_height;
  if (typeof delta !== 'number' || !Number.isSafeInteger(delta) || delta < 0) {
    throw parseError('Failed parsing args: expected {"delta_height": <non-negative integer>}');
  }
  if (delta > MAX_FAST_FORWARD) {
    throw parseError(`Failed parsing args: delta_height ${delta} is over this node's limit of ${MAX_FAST_FORWARD} blocks per call; fast-forward in several calls`);
  }
  return delta;
}

export function expectNoParams(method: string, params: unknown): void {
  const empty =
    params === undefined ||
    params === null ||
    (Array.isArray(params) && params.length === 0) ||
    (typeof params === 'object' && !Array.isArray(params) && Object.keys(params).length === 0) ||
    (Array.isArray(params) && params.length === 1 && params[0] === null);
  if (!empty) throw parseError(`Failed parsing args: ${method} takes no parameters`);
}

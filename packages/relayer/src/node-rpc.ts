/**
 * The relayer's frequent calls to the node (the head and final blocks, access keys, sending a
 * transaction, a transaction's outcome) as JSON-RPC posts over undici's keep-alive `Pool.request`.
 * near-api-js' JsonRpcProvider posts through Node's fetch (undici's too), which takes no other
 * transport and, measured here, costs about four times the CPU of node:http per call (0.30 against
 * 0.07 ms, a local server answering) and was the relayer's largest cost under load (a tenth of its
 * busy time in bench:relayer's CPU profile for `send_tx` alone, with its garbage on top); undici's
 * `request` without fetch costs about half of node:http's (0.033-0.038 against 0.063-0.088 ms of
 * client CPU per call, a 5.4 KB answer like a `tx` outcome, 8 calls at once, load 4): every relayed
 * delegate is one `send_tx` and, unless its answer carries the outcome, one `tx`, and the head, the
 * final block and each active sender's access key are read again every few blocks or seconds. What
 * runs once or rarely (the start's key list and key additions, the policy's pre-check views) stays
 * with near-api-js.
 *
 * An error answered by the node is thrown as one of near-api-js' own error classes
 * (`near-api-js/rpc-errors`), which the key pool recovers from; near-api-js builds them in a parser
 * it does not export, so the few shapes the relayer tells apart are mapped here (sendTxError). No
 * answer, or an HTTP error status, is a plain `Error` (the node is unavailable: the request is not
 * the sender's fault).
 */
import { Pool, errors } from 'undici';
import { InvalidNonceError, InvalidTransactionError, RpcError, TransactionExecutionError, TransactionExpiredError } from 'near-api-js/rpc-errors';

export interface BlockHeader {
  height: number;
  hash: string;
  gas_price: string;
}

export interface AccessKeyView {
  nonce: bigint;
  permission: 'FullAccess' | { FunctionCall: { receiver_id: string; method_names: string[]; allowance?: string | null } };
}

/** What `send_tx` answers: at `EXECUTED_OPTIMISTIC` or later, the transaction's whole outcome. */
export interface SendTxAnswer {
  final_execution_status?: string;
  receipts_outcome?: unknown;
}

export interface NodeRpc {
  /** The block at a finality, or the one with this hash (base58). */
  block(at: 'optimistic' | 'final' | { hash: string }): Promise<{ header: BlockHeader }>;
  accessKey(accountId: string, publicKey: string): Promise<AccessKeyView>;
  /**
   * `send_tx` of a signed transaction (base64 borsh). A refusal of the transaction itself rejects with
   * near-api-js' InvalidNonceError, TransactionExpiredError, another TransactionExecutionError or
   * InvalidTransactionError (sendTxError); any other error answer with its RpcError.
   */
  sendTx(signedTxBase64: string, waitUntil: 'INCLUDED' | 'EXECUTED_OPTIMISTIC'): Promise<SendTxAnswer>;
  /** The transaction's outcome once executed (`tx` at EXECUTED_OPTIMISTIC), as the node answers it. */
  txStatus(txHash: string, senderAccountId: string): Promise<unknown>;
  /**
   * Whether the node knows the transaction by its hash (`tx` at `wait_until: NONE`, answered at once):
   * true once it is in a chunk (included or executed), false on UNKNOWN_TRANSACTION, which nearcore also
   * answers for a transaction still in a pool (view_client_actor.rs get_tx_status knows chunks only).
   * Any other answer rejects: the node could not say.
   */
  txKnown(txHash: string, senderAccountId: string): Promise<boolean>;
  close(): void;
}

/**
 * The access key's nonce on chain, or null when the account has no such key (nearcore's
 * UNKNOWN_ACCESS_KEY; older nodes answer "access key … does not exist while viewing"): a deleted key's
 * nonce can never be used again. Any other failure rejects: the node could not say.
 */
export async function nonceOrGone(rpc: NodeRpc, accountId: string, publicKey: string): Promise<bigint | null> {
  try {
    return (await rpc.accessKey(accountId, publicKey)).nonce;
  } catch (error) {
    if (error instanceof RpcError && /does not exist|UNKNOWN_ACCESS_KEY/i.test(error.message)) return null;
    throw error;
  }
}

/** A JSON-RPC error answer (nearcore chain/jsonrpc-primitives/src/errors.rs: name, cause {name, info}, code, message, data). */
interface RpcErrorAnswer {
  name?: string;
  cause?: { name?: string; info?: unknown };
  message?: string;
  data?: unknown;
}

/** What a JSON-RPC error answer says, in the node's words. */
function describe(error: RpcErrorAnswer): string {
  const cause = error.cause?.name ? `${error.cause.name}${error.cause.info ? ` ${JSON.stringify(error.cause.info)}` : ''}` : undefined;
  return [error.name, cause ?? (typeof error.data === 'string' ? error.data : error.message)].filter(Boolean).join(': ');
}

/**
 * The error near-api-js' JsonRpcProvider throws for a `send_tx` error answer, for the shapes the key
 * pool tells apart. nearcore answers a transaction it refuses (RpcTransactionError::InvalidTransaction,
 * chain/jsonrpc-primitives/src/types/transactions.rs) as a HANDLER_ERROR whose cause is
 * INVALID_TRANSACTION and whose `data` is `{TxExecutionError: {InvalidTxError: <the error>}}`, e.g.
 * `{InvalidNonce: {tx_nonce, ak_nonce}}` or `"Expired"` (core/primitives/src/errors.rs InvalidTxError).
 * Every such refusal is a TransactionExecutionError (the transaction entered no pool and never runs);
 * InvalidNonce and Expired get the subclasses near-api-js gives them, which the pool recovers from
 * (a fresh nonce, a newer block). Anything else (a timeout, a routed request) is an RpcError.
 */
export function sendTxError(error: RpcErrorAnswer): RpcError {
  if (error.name !== 'HANDLER_ERROR' || error.cause?.name !== 'INVALID_TRANSACTION') return new RpcError(`send_tx: ${describe(error)}`);
  const invalid = (error.data as { TxExecutionError?: { InvalidTxError?: unknown } } | undefined)?.TxExecutionError?.InvalidTxError;
  if (invalid === undefined) return new InvalidTransactionError();
  if (invalid === 'Expired') return new TransactionExpiredError('', '');
  const nonce = (invalid as { InvalidNonce?: { ak_nonce: number; tx_nonce: number } }).InvalidNonce;
  if (nonce !== undefined) return new InvalidNonceError(nonce.ak_nonce, nonce.tx_nonce, '', '');
  return new TransactionExecutionError(`Invalid transaction: ${JSON.stringify(invalid)}`, '', '');
}

/**
 * Marks an error `sendTx` threw after it had posted the same bytes more than once (an HTTP 408/500/503
 * answer, or a kept connection closed under the request): an earlier copy may be with the node, so a
 * refusal of the last copy says nothing about it (key-pool.ts checks that copy's hash before signing again).
 */
const AFTER_RESEND = Symbol('send_tx answered after a resend');
export const answeredAfterResend = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { [AFTER_RESEND]?: true })[AFTER_RESEND] === true;

/**
 * The node's own JSON text of a transaction's outcome (a `tx` or `send_tx` result), kept beside the parsed
 * object: the final status carries it into the store and into every status answer, where it is the
 * largest part (5 KB of a 5.6 KB answer in bench:relayer), so it is spliced as the node wrote it instead of
 * stringified again each time (answeredText).
 */
const answeredTexts = new WeakMap<object, string>();
export const answeredText = (result: unknown): string | undefined => (typeof result === 'object' && result !== null ? answeredTexts.get(result) : undefined);

/**
 * `value` as JSON, its `outcome` (when it has one) last and written as the node wrote it when that text was kept
 * (answeredText), the rest by `stringify`.
 */
export function stringifyWithOutcome(value: object, stringify: (value: unknown) => string = JSON.stringify): string {
  const { outcome } = value as { outcome?: unknown };
  if (outcome === undefined) return stringify(value);
  const head = stringify({ ...value, outcome: undefined });
  const outcomeJson = answeredText(outcome) ?? JSON.stringify(outcome);
  return head === '{}' ? `{"outcome":${outcomeJson}}` : `${head.slice(0, -1)},"outcome":${outcomeJson}}`;
}

/**
 * The result's text within the answer `text` of the request `id`, when the answer holds just `jsonrpc`,
 * `result` and `id`, written without spaces in either order (nearcore's serde writes
 * `{"jsonrpc":"2.0","result":…,"id":…}`; this repo's node `…"id":…,"result":…}`): the text between is then the result's.
 */
function resultText(text: string, answer: object, id: string): string | undefined {
  if (Object.keys(answer).length !== 3) return undefined;
  const idJson = JSON.stringify(id);
  for (const [head, tail] of [['{"jsonrpc":"2.0","result":', `,"id":${idJson}}`], [`{"jsonrpc":"2.0","id":${idJson},"result":`, '}']]) {
    if (text.startsWith(head) && text.endsWith(tail)) {
      const end = text.length - tail.length;
      // One object from head to tail, not `{…},"result":{…}` (a member written twice: JSON.parse keeps the last).
      return closingBrace(text, head.length) === end - 1 ? text.slice(head.length, end) : undefined;
    }
  }
  return undefined;
}

/** Where the object opening at `text[start]` closes (strings skipped), or -1 when none opens there or it never closes. */
function closingBrace(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x7b) return -1;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
      if (i < 0) return -1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i;
  }
  return -1;
}

/** Where the string opening at `text[open]` closes: the next quote after an even run of backslashes (-1: none). */
function closingQuote(text: string, open: number): number {
  for (let i = open; ; ) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return -1;
    let backslash = i - 1;
    while (text.charCodeAt(backslash) === 0x5c) backslash--;
    if ((i - 1 - backslash) % 2 === 0) return i;
  }
}

/** HTTP statuses for which near-api-js' JsonRpcProvider posts the same request again (its fetch_json retryConfig). */
const RETRIED_HTTP_STATUSES = new Set([408, 500, 503]);
/** How near-api-js' JsonRpcProvider retries them by default: 12 attempts, 500 ms apart, × 1.5 each time. */
const SEND_RETRIES = { attempts: 12, firstDelayMs: 500, multiplier: 1.5 };

/** A `tx` error answer, with the name of its cause (nearcore RpcTransactionError: UNKNOWN_TRANSACTION, TIMEOUT_ERROR…). */
class TxStatusError extends RpcError {
  constructor(
    text: string,
    readonly causeName: string | undefined,
  ) {
    super(`tx: ${text}`);
  }
}

class HttpStatusError extends Error {
  constructor(
    method: string,
    readonly status: number | undefined,
    text: string,
  ) {
    super(`${method}: the node answered HTTP ${status} ${text.slice(0, 200)}`);
  }
}

/**
 * How long a call waits for the node's answer before it counts as unanswered (a send then counts as
 * sent, and its outcome is followed): far above nearcore's own wait for a transaction (about 10 s,
 * then TIMEOUT_ERROR), so only a node or proxy that stopped answering reaches it. A call with no limit
 * would hold its pool key, and every transaction behind it, for as long as the node stays silent.
 */
const DEFAULT_TIMEOUT_MS = 60_000;

const JSON_CONTENT = { 'content-type': 'application/json' };

interface CallOptions {
  toError?: (error: RpcErrorAnswer) => Error;
  onResend?: () => void;
  keepText?: boolean;
}

export function nodeRpc(url: string, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}): NodeRpc {
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  // Keep-alive connections, as many as calls at once; no answer (headers or body) within timeoutMs fails the call.
  const pool = new Pool(target.origin, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  let id = 0;

  /**
   * The method's result; an error answer rejects with `toError(error)`. `onResend` is told when the request
   * is posted again. `keepText`: the result's own text is kept for answeredText (a transaction's outcome).
   */
  const call = async (method: string, params: unknown, options: CallOptions = {}, retried = false): Promise<unknown> => {
    const { toError = (error) => new RpcError(`${method}: ${describe(error)}`), onResend, keepText = false } = options;
    const requestId = String(++id);
    let status: number;
    let text: string;
    try {
      const response = await pool.request({ path, method: 'POST', headers: JSON_CONTENT, body: JSON.stringify({ jsonrpc: '2.0', id: requestId, method, params }) });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) throw new Error(`${method}: the node did not answer within ${timeoutMs} ms`);
      // A connection closed under the request: usually a kept one the node closed idle, which the request
      // never reached, and it is posted once more on a new one; a proxy may have passed it on first, so it counts as a resend.
      if (!(error instanceof errors.SocketError) || retried) throw error;
      onResend?.();
      return call(method, params, options, true);
    }
    if (status !== 200) throw new HttpStatusError(method, status, text);
    let answer: { result?: { error?: unknown }; error?: RpcErrorAnswer };
    try {
      answer = JSON.parse(text);
    } catch {
      throw new Error(`${method}: the node's answer is not JSON: ${text.slice(0, 200)}`);
    }
    if (answer.error !== undefined) throw toError(answer.error);
    // Older nodes answer a failed query inside the result (near-api-js reads it the same way).
    if (typeof answer.result?.error === 'string') throw new RpcError(`${method}: ${answer.result.error}`);
    if (keepText && typeof answer.result === 'object' && answer.result !== null) {
      const kept = resultText(text, answer, requestId);
      if (kept !== undefined) answeredTexts.set(answer.result, kept);
    }
    return answer.result;
  };

  return {
    block: (at) => call('block', typeof at === 'string' ? { finality: at } : { block_id: at.hash }) as Promise<{ header: BlockHeader }>,
    async accessKey(accountId, publicKey) {
      const view = (await call('query', { request_type: 'view_access_key', finality: 'optimistic', account_id: accountId, public_key: publicKey })) as { nonce: number | string; permission: AccessKeyView['permission'] };
      return { nonce: BigInt(view.nonce), permission: view.permission };
    },
    async sendTx(signedTxBase64, waitUntil) {
      // An HTTP status that says the request was not taken is retried with the same signed bytes, as
      // near-api-js did: one nonce cannot run twice, and a node that already has it answers its outcome.
      // A proxy may have passed the first copy on anyway: an error after a resend is marked (answeredAfterResend).
      let resent = false;
      const onResend = () => void (resent = true);
      for (let attempt = 1, delay = SEND_RETRIES.firstDelayMs; ; attempt++, delay *= SEND_RETRIES.multiplier) {
        try {
          return (await call('send_tx', { signed_tx_base64: signedTxBase64, wait_until: waitUntil }, { toError: sendTxError, onResend, keepText: true })) as SendTxAnswer;
        } catch (error) {
          if (!(error instanceof HttpStatusError && RETRIED_HTTP_STATUSES.has(error.status!)) || attempt >= SEND_RETRIES.attempts) {
            if (resent && typeof error === 'object' && error !== null) (error as { [AFTER_RESEND]?: true })[AFTER_RESEND] = true;
            throw error;
          }
          onResend();
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
    txStatus: (txHash, senderAccountId) => call('tx', { tx_hash: txHash, sender_account_id: senderAccountId, wait_until: 'EXECUTED_OPTIMISTIC' }, { keepText: true }),
    async txKnown(txHash, senderAccountId) {
      try {
        await call('tx', { tx_hash: txHash, sender_account_id: senderAccountId, wait_until: 'NONE' }, { toError: (error) => new TxStatusError(describe(error), error.cause?.name) });
        return true;
      } catch (error) {
        if (error instanceof TxStatusError && error.causeName === 'UNKNOWN_TRANSACTION') return false;
        throw error;
      }
    },
    close: () => void pool.destroy().catch(() => undefined),
  };
}

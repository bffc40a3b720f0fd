/**
 * A blocking JSON-RPC client for the remote chain a fork reads from. The runtime is synchronous (a contract's
 * `storage_read` returns its value before the Wasm continues), so a miss must be answered in place: the
 * request runs on a worker thread and the caller waits on an `Atomics.wait` until it is answered
 * (Node's `receiveMessageOnPort` pattern). The worker is a few lines of plain JavaScript evaluated from a
 * string, so the node's esbuild bundle and V8 startup snapshot need no second file to find.
 *
 * Transient failures (connection errors, timeouts, HTTP 408/429/5xx, nearcore's `TIMEOUT_ERROR`) are
 * retried with exponential back-off (a 429's `Retry-After` is honoured up to a cap); what is still failing
 * then becomes a `ForkError` that says what happened and what to do.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { StateUnavailableError } from '../runtime/state.js';

export type ForkErrorKind =
  | 'unreachable'
  | 'rate-limited'
  | 'unavailable'
  | 'archival-required'
  | 'unsupported'
  | 'too-large'
  | 'bad-answer'
  | 'offline';

/** The fork could not get what it needed from the remote; whatever asked for it was not applied. */
export class ForkError extends StateUnavailableError {
  constructor(
    readonly kind: ForkErrorKind,
    message: string,
  ) {
    super(`fork: ${message}`);
    this.name = 'ForkError';
  }
}

/** A JSON-RPC error object as nearcore sends it (`name`, `cause: {name, info}`, `data`, `message`). */
export interface RemoteRpcError {
  name?: string;
  cause?: { name?: string; info?: unknown };
  code?: number;
  message?: string;
  data?: unknown;
}

export type RemoteAnswer<T> = { result: T } | { error: RemoteRpcError };

export interface RemoteRpcOptions {
  /** Attempts after the first for a transient failure. Default 4. */
  retries?: number;
  /** First back-off; doubled for every retry. Default 250 ms. */
  retryDelayMs?: number;
  /** One request's time limit. Default 30 s. */
  timeoutMs?: number;
  /**
   * After a call failed for good (unreachable, rate-limited, unavailable), calls in the next `cooldownMs` fail
   * at once with the same error instead of retrying: a receipt waiting for the remote is retried every block,
   * and each retry must not cost the back-off again. Default 5000 ms.
   */
  cooldownMs?: number;
}

/** The longest `Retry-After` honoured; a longer one fails at once with the rate-limit error. */
const MAX_RETRY_AFTER_MS = 10_000;
const TRANSIENT_RPC_ERRORS = new Set(['TIMEOUT_ERROR', 'NO_SYNCED_BLOCKS', 'NOT_SYNCED_YET']);

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const done = new Int32Array(workerData.done);
workerData.port.on('message', async ({ url, body, timeoutMs }) => {
  let reply;
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
    reply = { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  } catch (e) {
    const cause = e && e.cause;
    reply = { failure: (e && e.name === 'TimeoutError') ? 'timed out after ' + timeoutMs + ' ms' : String((cause && (cause.code || cause.message)) || (e && e.message) || e) };
  }
  workerData.port.postMessage(reply);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
`;

type HttpReply = { status: number; retryAfter: string | null; text: string } | { failure: string };

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** A worker thread that performs one HTTP POST at a time for a caller that blocks until it is answered. */
class BlockingHttp {
  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  #done = new Int32Array(new SharedArrayBuffer(4));

  post(url: string, body: string, timeoutMs: number): HttpReply {
    const threads = process.getBuiltinModule('node:worker_threads');
    if (this.#worker === undefined) {
      const { port1, port2 } = new threads.MessageChannel();
      this.#worker = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: { done: this.#done.buffer, port: port2 }, transferList: [port2] });
      this.#worker.unref();
      this.#port = port1;
    }
    Atomics.store(this.#done, 0, 0);
    this.#port!.postMessage({ url, body, timeoutMs });
    // the worker's own timeout ends the request; the margin covers a worker that is still starting
    const waited = Atomics.wait(this.#done, 0, 0, timeoutMs + 10_000);
    const message = threads.receiveMessageOnPort(this.#port!);
    if (waited === 'timed-out' || message === undefined) return { failure: `no answer within ${timeoutMs} ms` };
    return message.message as HttpReply;
  }

  close(): void {
    void this.#worker?.terminate();
    this.#port?.close();
    this.#worker = undefined;
    this.#port = undefined;
  }
}

export class RemoteRpc {
  readonly url: string;
  readonly #http = new BlockingHttp();
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #timeoutMs: number;
  readonly #cooldownMs: number;
  #failure: { error: ForkError; at: number } | undefined;
  #id = 0;
  /** Requests sent (attempts included), for the bench and the tests. */
  requests = 0;

  constructor(url: string, options: RemoteRpcOptions = {}) {
    this.url = url;
    this.#retries = options.retries ?? 4;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#cooldownMs = options.cooldownMs ?? 5_000;
  }

  /**
   * One JSON-RPC call, retried while the failure is transient. Answers the result or nearcore's error object
   * (the caller decides what UNKNOWN_ACCOUNT and the like mean); throws `ForkError` for everything else.
   */
  call<T>(method: string, params: unknown): RemoteAnswer<T> {
    const failure = this.#failure;
    if (failure !== undefined && Date.now() - failure.at < this.#cooldownMs) {
      const ago = ((Date.now() - failure.at) / 1000).toFixed(1);
      throw new ForkError(failure.error.kind, `${failure.error.message.replace(/^fork: /, '')} [failed ${ago} s ago; not asked again for ${this.#cooldownMs / 1000} s]`);
    }
    try {
      const answer = this.#call<T>(method, params);
      this.#failure = undefined;
      return answer;
    } catch (e) {
      if (e instanceof ForkError && (e.kind === 'unreachable' || e.kind === 'unavailable' || e.kind === 'rate-limited')) this.#failure = { error: e, at: Date.now() };
      throw e;
    }
  }

  #call<T>(method: string, params: unknown): RemoteAnswer<T> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++this.#id, method, params });
    let lastProblem = '';
    let rateLimited = false;
    const started = Date.now();
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) sleep(this.#retryDelayMs * 2 ** (attempt - 1));
      this.requests++;
      const reply = this.#http.post(this.url, body, this.#timeoutMs);
      if ('failure' in reply) {
        lastProblem = reply.failure;
        continue;
      }
      if (reply.status === 429) {
        rateLimited = true;
        lastProblem = 'HTTP 429 Too Many Requests';
        const retryAfterMs = Number(reply.retryAfter) * 1000;
        if (Number.isFinite(retryAfterMs) && retryAfterMs > MAX_RETRY_AFTER_MS) break;
        if (Number.isFinite(retryAfterMs) && retryAfterMs > 0 && attempt < this.#retries) sleep(retryAfterMs);
        continue;
      }
      if (reply.status === 408 || reply.status >= 500) {
        lastProblem = `HTTP ${reply.status}`;
        continue;
      }
      let answer: { result?: T; error?: RemoteRpcError };
      try {
        answer = JSON.parse(reply.text);
      } catch {
        throw new ForkError('bad-answer', `${this.url} answered ${method} with HTTP ${reply.status} and no JSON (${JSON.stringify(reply.text.slice(0, 120))}): is it a NEAR JSON-RPC endpoint?`);
      }
      if (answer.error) {
        const name = answer.error.cause?.name ?? answer.error.name ?? '';
        if (TRANSIENT_RPC_ERRORS.has(name)) {
          lastProblem = `${name}: ${String(answer.error.data ?? answer.error.message ?? '')}`;
          continue;
        }
        if (/too many requests|rate limit/i.test(`${name} ${answer.error.message ?? ''} ${String(answer.error.data ?? '')}`)) {
          rateLimited = true;
          lastProblem = name || String(answer.error.message);
          continue;
        }
        return { error: answer.error };
      }
      if (!('result' in answer)) throw new ForkError('bad-answer', `${this.url} answered ${method} with neither a result nor an error`);
      return { result: answer.result as T };
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (rateLimited) {
      throw new ForkError('rate-limited', `${this.url} rate-limits this fork (${lastProblem}) and still did after ${this.#retries + 1} attempts over ${seconds} s: wait and retry, use an RPC with a higher limit (a provider's key), or run again with the disk cache so fewer reads reach it`);
    }
    if (/^HTTP /.test(lastProblem) || TRANSIENT_RPC_ERRORS.has(lastProblem.split(':')[0]!)) {
      throw new ForkError('unavailable', `${this.url} kept failing (${lastProblem}) for ${method}, ${this.#retries + 1} attempts over ${seconds} s: the remote node is overloaded or down; try again later or use another RPC`);
    }
    throw new ForkError('unreachable', `${this.url} is unreachable (${lastProblem}) for ${method}, ${this.#retries + 1} attempts over ${seconds} s: check the URL and the network; reads already cached on disk keep working offline`);
  }

  close(): void {
    this.#http.close();
  }
}

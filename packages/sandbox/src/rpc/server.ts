/**
 * The JSON-RPC HTTP server (nearcore `chain/jsonrpc/src/lib.rs` `start_http`, `rpc_handler`).
 *
 * - `POST /` with a JSON-RPC 2.0 request (or a batch array). Every JSON-RPC answer, errors included, is sent
 *   with HTTP 200, as nearcore does: near-api-js retries 500/503/408 and loses the body of a 400.
 * - `GET /status` and `GET /health` as nearcore's plain HTTP routes.
 * - Requests that can write run one at a time in arrival order (a FIFO queue), so each sees every earlier
 *   write and transactions from one key are checked against the nonce the previous one left; a request
 *   whose answer waits for blocks (`Later`) leaves the queue once its transaction is in the pool.
 *   Read-only methods run as they arrive.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Later, type NodeClient } from './client.js';
import { internalError, parseError, RpcError, type RpcErrorObject } from './errors.js';
import type { RpcTracer } from './trace.js';

type Trace = ReturnType<RpcTracer['arrived']>;

/**
 * Method dispatch and parameter parsing pull in the primitives (borsh, hashes, curves); they load after the
 * server listens, alongside the node, so a readiness probe connects as early as possible.
 */
type Dispatch = typeof import('./handlers.js') & typeof import('./params.js');
let dispatch: Dispatch | undefined;
let dispatchLoading: Promise<Dispatch> | undefined;
function loadDispatch(): Promise<Dispatch> {
  dispatchLoading ??= Promise.all([import('./handlers.js'), import('./params.js')]).then(([handlers, params]) => (dispatch = { ...handlers, ...params }));
  return dispatchLoading;
}
const requestSchemasLoaded = () => dispatch?.requestSchemasLoaded() ?? false;
const loadRequestSchemas = async () => (await loadDispatch()).loadRequestSchemas();

/** nearcore `RpcLimitsConfig::json_payload_max_size` default (10 MiB); a 4 MiB contract in base64 fits. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Requests in one JSON-RPC batch: a batch is answered as one body, so its size bounds the answer's. */
export const MAX_BATCH_REQUESTS = 1000;
/** Nesting of `params`: no method takes more than a few levels; deeper input is refused before any parsing walks it. */
export const MAX_PARAMS_DEPTH = 64;

/**
 * Methods that only read: they run as soon as they arrive instead of waiting in the queue behind writes
 * (the chain is consistent between the synchronous steps of every write, so a read never sees half of one),
 * during a block too (it is applied in slices and reads as before it: runtime/chain.ts produceBlockInSlices).
 * `tx` and `EXPERIMENTAL_tx_status` read too: a `wait_until` not reached yet waits for the blocks the producer
 * makes (a `Later`; on demand its wait asks the producer for them), and no block is made inside the request.
 */
const READ_ONLY_METHODS = new Set([
  'status', 'health', 'network_info', 'validators', 'block', 'chunk', 'gas_price', 'query',
  'EXPERIMENTAL_receipt', 'EXPERIMENTAL_protocol_config', 'EXPERIMENTAL_genesis_config', 'tx', 'EXPERIMENTAL_tx_status',
]);

const METHOD_KEY = Buffer.from('"method"');
/** The empty tail every request's BatchCounter starts with, allocated once. */
const NO_BYTES = Buffer.alloc(0);
const isJsonSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * Counts the requests of a batch as its body arrives (its `"method"` keys), so a batch of more than
 * MAX_BATCH_REQUESTS is refused without being kept, joined or parsed (a 10 MB one would otherwise hold
 * every other client while it is copied and parsed). Chunks are scanned where they lie.
 */
class BatchCounter {
  /** null until the first byte that is not white space: whether the body is a batch. */
  #batch: boolean | null = null;
  #count = 0;
  /** The previous chunk's last bytes: a key split between two chunks (replaced, never written to). */
  #tail: Buffer = NO_BYTES;

  /** Adds a chunk; true once the batch is over the limit. */
  over(chunk: Buffer): boolean {
    if (this.#batch === null) {
      let i = 0;
      while (i < chunk.length && isJsonSpace(chunk[i]!)) i++;
      if (i === chunk.length) return false;
      this.#batch = chunk[i] === 0x5b; /* [ */
    }
    if (!this.#batch) return false;
    if (this.#tail.length > 0) {
      const seam = Buffer.concat([this.#tail, chunk.subarray(0, METHOD_KEY.length - 1)]);
      if (seam.includes(METHOD_KEY)) this.#count++;
    }
    for (let at = chunk.indexOf(METHOD_KEY); at !== -1; at = chunk.indexOf(METHOD_KEY, at + METHOD_KEY.length)) {
      if (++this.#count > MAX_BATCH_REQUESTS) return true;
    }
    this.#tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (METHOD_KEY.length - 1))));
    return this.#count > MAX_BATCH_REQUESTS;
  }
}

/** Whether `value` nests deeper than `limit` (iteratively: deep input must not overflow the stack here either). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

export interface RpcServerOptions {
  /**
   * The node. May still be starting: the server listens at once and holds requests until it is ready,
   * so near-workspaces' readiness probe connects early and is answered the moment the node can answer.
   */
  client: NodeClient | Promise<NodeClient>;
  /** Default 127.0.0.1: the node never listens beyond loopback. */
  host?: string;
  port: number;
  maxBodyBytes?: number;
  /**
   * Called after each request, still inside the queue (persistence hooks in here). The answer waits,
   * outside the queue, for the promise it returns (write-ahead: an answer is sent once what it reports is
   * on disk); a rejection is answered with INTERNAL_ERROR.
   */
  afterRequest?: (method: string, params: unknown) => void | Promise<void>;
  /** The queue requests run in; pass one to run other work (e.g. saving state) between requests. */
  queue?: SerialQueue;
  /** Where unexpected handler failures are reported (default stderr). */
  log?: (line: string) => void;
  /** Records each request's timing (trace.ts); default: the one NEAR_SANDBOX_RPC_TRACE asks for, else none. */
  tracer?: RpcTracer;
}

/** The RPC address is held by another process (the node cannot serve there; nothing else it did is lost). */
export class RpcAddressInUseError extends Error {
  constructor(host: string, port: number) {
    super(`${host}:${port} is in use by another process; stop it or choose another port (--rpc-addr ${host}:0 lets the system choose one and the node prints it)`);
    this.name = 'RpcAddressInUseError';
  }
}

export interface RpcServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type JsonRpcId = string | number | null;

interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: RpcErrorObject;
}

/** How long a freshly started server waits for its first request before loading the request schemas. */
const IDLE_LOAD_DELAY_MS = 300;

/** One-at-a-time execution in arrival order. */
export class SerialQueue {
  #pending: Array<() => Promise<void>> = [];
  #busy = false;

  run<T>(task: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push(async () => {
        try {
          resolve(await task());
        } catch (e) {
          reject(e);
        }
      });
      void this.#pump();
    });
  }

  async #pump(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    while (this.#pending.length > 0) await this.#pending.shift()!();
    this.#busy = false;
  }

  /**
   * From inside a running task that is long but consistent between its steps (a fast-forward between
   * blocks): lets the requests that arrived meanwhile run now, then continues. Later arrivals wait as usual.
   */
  async yieldTurn(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let requests on the wire arrive and queue
    for (const task of this.#pending.splice(0)) await task();
  }

  /** `yieldTurn` until `done` settles: the requests that arrive meanwhile run as they come. */
  async yieldUntil(done: Promise<unknown>): Promise<void> {
    let settled = false;
    const finished = done.then(
      () => (settled = true),
      () => (settled = true),
    );
    await this.yieldTurn();
    while (!settled) {
      await Promise.race([finished, new Promise((r) => setTimeout(r, 1))]);
      for (const task of this.#pending.splice(0)) await task();
    }
  }
}

/** near-workspaces polls `block {"finality":"final"}` until the node answers; it needs no schema. */
function isReadinessProbe(params: unknown): boolean {
  return params !== null && typeof params === 'object' && !Array.isArray(params) && Object.keys(params).length === 1 && 'finality' in params;
}

function errorResponse(id: JsonRpcId, error: RpcError): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: error.object };
}

/**
 * JSON cannot carry bigint; views use decimal strings for balances, but guard against a stray bigint. The
 * replacer runs only when plain JSON.stringify refuses a bigint (a TypeError, before any output): calling it
 * on every key of every answer was ~1 % of the node's CPU under load.
 */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  // loaded here, not at module load: node:http cannot be part of a V8 startup snapshot (node/startup-snapshot.ts)
  const { createServer } = await import('node:http');
  const client = Promise.resolve(options.client);
  client.catch(() => undefined); // a failed start is reported by whoever awaits the client
  loadDispatch().catch(() => undefined); // a failure shows in the first request's answer
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const queue = options.queue ?? new SerialQueue();
  // NEAR_SANDBOX_RPC_TRACE=<dir>: each request's arrival, start and answer times (trace.ts); loaded only when asked.
  const tracer = options.tracer ?? (process.env.NEAR_SANDBOX_RPC_TRACE ? (await import('./trace.js')).rpcTracer() : undefined);

  async function answer(request: unknown, trace?: Trace): Promise<JsonRpcResponse> {
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      return errorResponse(null, parseError('JSON RPC Request format was expected'));
    }
    const { jsonrpc, id: rawId, method, params } = request as Record<string, unknown>;
    const id: JsonRpcId = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
    if (jsonrpc !== '2.0' || typeof method !== 'string') {
      return errorResponse(id, parseError('JSON RPC Request format was expected: {"jsonrpc":"2.0","id":…,"method":"…","params":…}'));
    }
    if (nestedDeeperThan(params, MAX_PARAMS_DEPTH)) {
      return errorResponse(id, parseError(`Failed parsing args: params are nested deeper than ${MAX_PARAMS_DEPTH} levels`));
    }
    trace?.method(method === 'query' && params !== null && typeof params === 'object' ? String((params as { request_type?: unknown }).request_type ?? method) : method);
    let durable: void | Promise<void> = undefined;
    const failed = (e: unknown): JsonRpcResponse => {
      if (e instanceof RpcError) return errorResponse(id, e);
      log(`[rpc] ${method} failed: ${(e as Error)?.stack ?? String(e)}`);
      return errorResponse(id, internalError(String((e as Error)?.message ?? e)));
    };
    const afterRequest = () => {
      try {
        durable = options.afterRequest?.(method, params);
      } catch (e) {
        durable = Promise.reject(e);
      }
    };
    const run = async (): Promise<JsonRpcResponse | Later<unknown>> => {
      let later = false;
      trace?.started();
      try {
        const { handle } = dispatch ?? (await loadDispatch());
        if (!requestSchemasLoaded() && !(method === 'block' && isReadinessProbe(params))) await loadRequestSchemas();
        const result = await handle(await client, method, params);
        if (result instanceof Later) {
          later = true;
          return result;
        }
        return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
      } catch (e) {
        return failed(e);
      } finally {
        if (!later) afterRequest();
      }
    };
    let response = READ_ONLY_METHODS.has(method) && dispatch !== undefined ? await run() : await queue.run(run);
    if (response instanceof Later) {
      // waits for its blocks outside the queue; what it reports is saved once it is known
      try {
        const result = await response.answer;
        response = { jsonrpc: '2.0', id, result: result === undefined ? null : result };
      } catch (e) {
        response = failed(e);
      }
      afterRequest();
    }
    if (durable === undefined) return response;
    try {
      await durable;
      return response;
    } catch (e) {
      log(`[rpc] after ${method}: ${(e as Error)?.stack ?? String(e)}`);
      return errorResponse(id, internalError(`the node could not save the result: ${(e as Error)?.message ?? e}`));
    }
  }

  function send(res: ServerResponse, body: unknown): void {
    const text = stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    if (!requestSchemasLoaded()) setImmediate(() => void loadRequestSchemas());
  }

  /**
   * The body, unless it is refused as it arrives: over the size limit (by Content-Length before any byte is
   * read, or by the bytes counted), or a batch of too many requests. A refused body is read to its end and
   * dropped, so the answer reaches a client that is still sending.
   */
  function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'too-many'> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBodyBytes) {
        req.resume();
        resolve('too-large');
        return;
      }
      const chunks: Buffer[] = [];
      const batch = new BatchCounter();
      let size = 0;
      let refused: 'too-large' | 'too-many' | null = null;
      req.on('data', (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        if (size > maxBodyBytes) refused = 'too-large';
        else if (batch.over(chunk)) refused = 'too-many';
        if (refused) chunks.length = 0;
        else chunks.push(chunk);
      });
      req.on('end', () => resolve(refused ?? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
      req.on('error', reject);
    });
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const trace = tracer?.arrived();
    if (trace) {
      // Answered when the answer is handed to the socket ('finish' comes a turn later, after whatever else runs then).
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const ended = end(...args);
        trace.answered();
        return ended;
      }) as typeof res.end;
    }
    if (req.method === 'GET' && (req.url === '/status' || req.url === '/health')) {
      const reply = await answer({ jsonrpc: '2.0', id: 'http', method: req.url.slice(1), params: [] });
      send(res, reply.error ?? reply.result ?? {});
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' });
      res.end('POST a JSON-RPC 2.0 request to /\n');
      return;
    }
    const body = await readBody(req);
    if (body === 'too-large') {
      send(res, errorResponse(null, parseError(`JSON payload is larger than the node's limit of ${maxBodyBytes} bytes`)));
      return;
    }
    if (body === 'too-many') {
      send(res, errorResponse(null, parseError(`a batch of more than ${MAX_BATCH_REQUESTS} requests is over this node's limit of ${MAX_BATCH_REQUESTS}; send it in smaller batches`)));
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch (e) {
      send(res, errorResponse(null, parseError(`Invalid JSON: ${(e as Error).message}`)));
      return;
    }
    if (Array.isArray(request)) {
      if (request.length === 0) {
        send(res, errorResponse(null, parseError('JSON RPC Request format was expected: empty batch')));
        return;
      }
      if (request.length > MAX_BATCH_REQUESTS) {
        send(res, errorResponse(null, parseError(`a batch of ${request.length} requests is over this node's limit of ${MAX_BATCH_REQUESTS}; send it in smaller batches`)));
        return;
      }
      send(res, await Promise.all(request.map((item) => answer(item))));
      return;
    }
    send(res, await answer(request, trace));
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch((e) => {
      log(`[rpc] request failed: ${(e as Error)?.stack ?? String(e)}`);
      if (!res.headersSent) send(res, errorResponse(null, internalError(String((e as Error)?.message ?? e))));
      else res.destroy();
    });
  });
  // An idle kept-alive connection is closed by the client, never by the node: a server timeout races a client
  // reusing the socket at that moment (its request is lost as ECONNRESET, which near-api-js 7 does not retry:
  // "fetch failed"), and a loaded machine fires both timers late. Without a timeout, Node sends no
  // `Keep-Alive: timeout` hint and undici closes an idle socket after its own 4 s.
  server.keepAliveTimeout = 0;

  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new RpcAddressInUseError(host, options.port) : e);
    server.once('error', failed);
    server.listen(options.port, host, () => {
      server.off('error', failed);
      // Load the request schemas once the first answer is out, or after a short idle time (see params.ts).
      setTimeout(() => void loadRequestSchemas(), IDLE_LOAD_DELAY_MS).unref();
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * HTTP front of the relayer:
 *   POST /relay  {"signed_delegate_action": "<base64 borsh>"}  → 202 {transaction_hash, sender_id, receiver_id, status_url}
 *   GET  /status/<hash>[?wait=final] → 200 {transaction_hash, state: pending|final|refused|outcome_unknown, sender_id, receiver_id, succeeded, status, outcome, error} or 404
 *   GET  /health → 200 {"status":"ok","relayer_id":…,"in_flight":…}
 *   GET  /metrics → Prometheus text (prom-client)
 *   OPTIONS <any>  → a CORS preflight: 204, with the CORS headers when the Origin is allowed
 * Answers to an allowed Origin (`corsOrigins`) carry `Access-Control-Allow-Origin`, so a web app on
 * another origin can post delegates and read the answers; other origins get no CORS headers (the
 * browser then hides the answer from their pages).
 * Refusals answer {"error":{"code","message"}} with 400, 403, 404, 409, 429, 502 or 503; nothing is submitted.
 * A relayed call that fails on chain is `state: final` with `succeeded: false` (the relayer has paid).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayError } from './errors.js';
import type { Relayer, RelayStatus } from './relayer.js';
import { stringifyWithOutcome } from './node-rpc.js';

const MAX_BODY_BYTES = 64 * 1024;

/** The request's JSON body (events, not an async iterator: every relayed delegate is one). */
function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the refusal reaches the client.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new RelayError('INVALID_REQUEST', `request body exceeds ${MAX_BODY_BYTES} bytes`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new RelayError('INVALID_REQUEST', 'request body must be JSON: {"signed_delegate_action": "<base64>"}'));
      }
    });
  });
}

/**
 * JSON with bigints as decimal strings. The answers hold none (a final status carries the node's own
 * JSON outcome, the largest answer), so the replacer, which slows JSON.stringify several times on
 * them, runs only when a bigint is met.
 */
const stringify = (value: unknown) => {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
};

/** The status as the HTTP API names it. */
export function statusBody(status: RelayStatus): Record<string, unknown> {
  const body: Record<string, unknown> = { transaction_hash: status.transactionHash, state: status.state, sender_id: status.senderId, receiver_id: status.receiverId };
  if (status.state === 'final') Object.assign(body, { succeeded: status.succeeded, status: status.status, outcome: status.outcome });
  if (status.state === 'refused' || status.state === 'outcome_unknown') body.error = status.error;
  return body;
}

export interface RelayerServer {
  url: string;
  server: Server;
  /** Stops accepting, then waits until every accepted delegate has its outcome. */
  close(): Promise<void>;
}

/** Origins whose pages may call the relayer: exact origins ("https://app.example.com"), or "*" for any. */
export type CorsOrigins = readonly string[];

/** The CORS headers for `origin` (none when it is not allowed). */
export function corsHeaders(allowed: CorsOrigins, origin: string | undefined): Record<string, string> {
  if (origin === undefined || allowed.length === 0) return {};
  if (allowed.includes('*')) return { 'access-control-allow-origin': '*' };
  return allowed.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' };
}

/** How long a browser may keep a preflight's answer (seconds). */
const PREFLIGHT_MAX_AGE_S = 600;

const STATUS_PATH = /^\/status\/([1-9A-HJ-NP-Za-km-z]{32,44})(\?wait=final)?$/;

export async function startRelayerServer(relayer: Relayer, { port = 0, host = '127.0.0.1', corsOrigins = [] as CorsOrigins } = {}): Promise<RelayerServer> {
  await relayer.ready();
  const server = createServer(async (request, response) => {
    const receivedAt = performance.now();
    const cors = corsHeaders(corsOrigins, request.headers.origin);
    const send = (status: number, body: unknown) => sendText(status, stringify(body));
    const sendText = (status: number, text: string) => {
      // With its length known the answer is one buffer, not chunks (one write, less for the client to parse).
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...cors });
      response.end(text);
    };
    try {
      if (request.method === 'OPTIONS') {
        const allowed = 'access-control-allow-origin' in cors;
        response.writeHead(204, allowed ? { ...cors, 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'content-type', 'access-control-max-age': String(PREFLIGHT_MAX_AGE_S) } : cors);
        return response.end();
      }
      if (request.method === 'GET' && request.url === '/health') return send(200, { status: 'ok', relayer_id: relayer.accountId, in_flight: relayer.inFlight });
      if (request.method === 'GET' && request.url === '/metrics') {
        const text = await relayer.metrics.registry.metrics();
        response.writeHead(200, { 'content-type': relayer.metrics.registry.contentType, ...cors });
        return response.end(text);
      }
      const statusPath = request.method === 'GET' ? STATUS_PATH.exec(request.url ?? '') : null;
      if (statusPath) {
        const status = await relayer.status(statusPath[1], { waitFinal: statusPath[2] !== undefined });
        if (!status) return send(404, { error: { code: 'UNKNOWN_TRANSACTION', message: `no delegate relayed here has transaction ${statusPath[1]} (statuses are kept for an hour)` } });
        // The outcome as the node wrote it (node-rpc answeredText): the largest part of the answer, not stringified again.
        return sendText(200, stringifyWithOutcome(statusBody(status), stringify));
      }
      if (request.method !== 'POST' || request.url !== '/relay') {
        return send(404, { error: { code: 'NOT_FOUND', message: 'use POST /relay, GET /status/<transaction hash>[?wait=final], GET /health or GET /metrics' } });
      }
      const body = (await readJson(request)) as { signed_delegate_action?: unknown } | null;
      const accepted = await relayer.relay(body?.signed_delegate_action, receivedAt);
      send(202, { transaction_hash: accepted.transactionHash, sender_id: accepted.senderId, receiver_id: accepted.receiverId, status_url: `/status/${accepted.transactionHash}` });
    } catch (error) {
      if (error instanceof RelayError) return send(error.status, { error: { code: error.code, message: error.message } });
      send(500, { error: { code: 'INTERNAL', message: (error as Error).message } });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    server,
    async close() {
      const closed = new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      server.closeIdleConnections();
      await relayer.drain();
      await closed;
    },
  };
}

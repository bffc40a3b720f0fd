/**
 * HTTP front of the relayer:
 *   POST /relay  {"signed_delegate_action": "<base64 borsh>"}  → 200 {transaction_hash, sender_id, receiver_id, succeeded, status, outcome}
 *   GET  /health → 200 {"status":"ok","relayer_id":…}
 * Refusals answer {"error":{"code","message"}} with 400, 403, 404, 409, 429 or 502; nothing is submitted.
 * A relayed call that fails on chain answers 200 with succeeded: false (the relayer has paid).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayError } from './errors.js';
import type { Relayer } from './relayer.js';

const MAX_BODY_BYTES = 64 * 1024;

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RelayError('INVALID_REQUEST', `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RelayError('INVALID_REQUEST', 'request body must be JSON: {"signed_delegate_action": "<base64>"}');
  }
}

const stringify = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

export interface RelayerServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startRelayerServer(relayer: Relayer, { port = 0, host = '127.0.0.1' } = {}): Promise<RelayerServer> {
  const server = createServer(async (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(stringify(body));
    };
    try {
      if (request.method === 'GET' && request.url === '/health') return send(200, { status: 'ok', relayer_id: relayer.accountId });
      if (request.method !== 'POST' || request.url !== '/relay') {
        return send(404, { error: { code: 'NOT_FOUND', message: 'use POST /relay or GET /health' } });
      }
      const body = (await readJson(request)) as { signed_delegate_action?: unknown } | null;
      const result = await relayer.relay(body?.signed_delegate_action);
      send(200, { transaction_hash: result.transactionHash, sender_id: result.senderId, receiver_id: result.receiverId, succeeded: result.succeeded, status: result.status, outcome: result.outcome });
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
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

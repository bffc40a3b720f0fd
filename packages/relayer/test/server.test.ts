/**
 * The HTTP front (src/server.ts) over a relayer that records what it is given: the request body is
 * read whole and handed on, refused when it is not JSON or larger than 64 KiB, and every answer is
 * one JSON body of the length it declares.
 */
import test from 'ava';
import { startRelayerServer } from '../src/server.js';
import { relayerMetrics } from '../src/metrics.js';
import type { Relayer } from '../src/relayer.js';
import type { RelayPolicy } from '../src/policy.js';

/** A relayer that accepts every delegate as the transaction named by the delegate's own text. */
function recordingRelayer(): Relayer & { given: unknown[] } {
  const given: unknown[] = [];
  return {
    given,
    accountId: 'relayer.test.near',
    policy: {} as RelayPolicy,
    inFlight: 0,
    metrics: relayerMetrics({ inFlight: () => 0, nonceLag: async () => ({}) }),
    ready: async () => {},
    drain: async () => {},
    status: async () => undefined,
    async relay(signedDelegate) {
      given.push(signedDelegate);
      return { transactionHash: '11111111111111111111111111111111', senderId: 'alice.test.near', receiverId: 'token.test.near', outcome: new Promise(() => {}) };
    },
  };
}

async function started(t: { teardown(fn: () => void): void }) {
  const relayer = recordingRelayer();
  const server = await startRelayerServer(relayer);
  t.teardown(() => {
    server.server.closeAllConnections();
    server.server.close();
  });
  return { relayer, url: server.url };
}

test('POST /relay hands the body\'s signed_delegate_action to the relayer, read whole even when it arrives in many chunks, and answers 202 with a declared length', async (t) => {
  const { relayer, url } = await started(t);
  const delegate = 'A'.repeat(40_000);
  const body = JSON.stringify({ signed_delegate_action: delegate });
  // A stream body is sent in several chunks.
  const chunks = new ReadableStream({
    start(controller) {
      for (let i = 0; i < body.length; i += 1_000) controller.enqueue(new TextEncoder().encode(body.slice(i, i + 1_000)));
      controller.close();
    },
  });
  const response = await fetch(`${url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunks, duplex: 'half' } as RequestInit);
  t.is(response.status, 202);
  const text = await response.text();
  t.is(response.headers.get('content-length'), String(Buffer.byteLength(text)));
  t.is(response.headers.get('transfer-encoding'), null, 'not chunked');
  t.like(JSON.parse(text), { transaction_hash: '11111111111111111111111111111111', status_url: '/status/11111111111111111111111111111111' });
  t.deepEqual(relayer.given, [delegate]);
});

test('POST /relay with a body over 64 KiB is refused with 400 INVALID_REQUEST, and the relayer is not asked', async (t) => {
  const { relayer, url } = await started(t);
  const response = await fetch(`${url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signed_delegate_action: 'A'.repeat(70_000) }) });
  t.is(response.status, 400);
  t.deepEqual(await response.json(), { error: { code: 'INVALID_REQUEST', message: 'request body exceeds 65536 bytes' } });
  t.deepEqual(relayer.given, []);
});

test('POST /relay with a body that is not JSON is refused with 400 INVALID_REQUEST, and the relayer is not asked', async (t) => {
  const { relayer, url } = await started(t);
  const response = await fetch(`${url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"signed_delegate_action": ' });
  t.is(response.status, 400);
  t.is(((await response.json()) as { error: { code: string } }).error.code, 'INVALID_REQUEST');
  t.deepEqual(relayer.given, []);
});

/**
 * The JSON-RPC transport and request parsing (rpc/server.ts, rpc/params.ts, rpc/errors.ts) against nearcore's
 * shapes: HTTP 200 for every JSON-RPC error, PARSE_ERROR / METHOD_NOT_FOUND objects, legacy param forms, the
 * FIFO queue. The node behind the server here only records what it was asked: these tests are about the
 * transport; the node's answers are covered by node.test.ts against the real runtime.
 */
import test from 'ava';
import { Agent, request } from 'node:http';
import { base58 } from '@scure/base';
import type { NodeClient } from '../../src/rpc/client.js';
import { startRpcServer, type RpcServer } from '../../src/rpc/server.js';
import { unknownAccount } from '../../src/rpc/errors.js';

interface Call {
  method: string;
  args: unknown[];
}

function recordingClient(calls: Call[], delays: Record<string, number> = {}): NodeClient {
  return new Proxy({} as NodeClient, {
    // not a thenable: the server accepts a client or a promise of one
    get: (_t, method: string) =>
      method === 'then'
        ? undefined
        : async (...args: unknown[]) => {
        calls.push({ method, args });
        if (delays[method]) await new Promise((r) => setTimeout(r, delays[method]));
        if (method === 'query') throw unknownAccount('nobody.near', { block_height: 7, block_hash: '11111111111111111111111111111111' });
        return { method };
      },
  });
}

async function post(server: RpcServer, body: string | object): Promise<{ status: number; json: any }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const rpc = (method: string, params?: unknown, id: string | number = 'x') => ({ jsonrpc: '2.0', id, method, params });

test('bad JSON is a PARSE_ERROR with HTTP 200 (nearcore RpcError::parse_error)', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  const { status, json } = await post(server, '{"jsonrpc":"2.0",');
  t.is(status, 200);
  t.is(json.jsonrpc, '2.0');
  t.is(json.id, null);
  t.is(json.error.code, -32700);
  t.is(json.error.message, 'Parse error');
  t.is(json.error.name, 'REQUEST_VALIDATION_ERROR');
  t.is(json.error.cause.name, 'PARSE_ERROR');
  t.regex(json.error.data, /Invalid JSON/);
  t.is(json.error.cause.info.error_message, json.error.data);
});

test('unknown method is METHOD_NOT_FOUND with the method as data (nearcore RpcError::method_not_found)', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  const { status, json } = await post(server, rpc('no_such_method', {}, 5));
  t.is(status, 200);
  t.is(json.id, 5);
  t.deepEqual(json.error, {
    name: 'REQUEST_VALIDATION_ERROR',
    cause: { name: 'METHOD_NOT_FOUND', info: { method_name: 'no_such_method' } },
    code: -32601,
    message: 'Method not found',
    data: 'no_such_method',
  });
});

test('a prototype key is not a method', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const { json } = await post(server, rpc(method, {}));
    t.is(json.error?.cause?.name, 'METHOD_NOT_FOUND', method);
  }
});

test('a request without jsonrpc/method is a parse error, and the id is echoed', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  const { json } = await post(server, { id: 9, params: [] });
  t.is(json.id, 9);
  t.is(json.error.code, -32700);
  t.regex(json.error.data, /JSON RPC Request format was expected/);
});

test('handler errors keep nearcore shape: UNKNOWN_ACCOUNT with the "does not exist while viewing" text', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  const { status, json } = await post(server, rpc('query', { request_type: 'view_account', account_id: 'nobody.near', finality: 'final' }));
  t.is(status, 200);
  t.is(json.error.name, 'HANDLER_ERROR');
  t.is(json.error.code, -32000);
  t.is(json.error.message, 'Server error');
  t.is(json.error.cause.name, 'UNKNOWN_ACCOUNT');
  t.is(json.error.cause.info.requested_account_id, 'nobody.near');
  t.is(json.error.data, 'account nobody.near does not exist while viewing');
});

test('query params: object form, legacy path form, and validation messages that name the field', async (t) => {
  const calls: Call[] = [];
  const server = await startRpcServer({ client: recordingClient(calls), port: 0 });
  t.teardown(() => server.close());

  await post(server, rpc('query', { request_type: 'call_function', account_id: 'c.near', method_name: 'get', args_base64: 'e30=', finality: 'optimistic' }));
  t.deepEqual(calls.at(-1)!.args, [
    { finality: 'optimistic' },
    { request_type: 'call_function', account_id: 'c.near', method_name: 'get', args: new Uint8Array([0x7b, 0x7d]) },
  ]);

  // near-api-js' legacy form: [path, base58 data] (nearcore api/query.rs parse_path_data)
  const args = new TextEncoder().encode('{"a":1}');
  await post(server, rpc('query', ['call/c.near/get', base58.encode(args)]));
  t.deepEqual(calls.at(-1)!.args, [{ finality: 'optimistic' }, { request_type: 'call_function', account_id: 'c.near', method_name: 'get', args }]);
  await post(server, rpc('query', ['access_key/c.near', '']));
  t.deepEqual(calls.at(-1)!.args[1], { request_type: 'view_access_key_list', account_id: 'c.near' });

  const before = calls.length;
  const missing = await post(server, rpc('query', { request_type: 'view_account', finality: 'final' }));
  t.is(missing.json.error.cause.name, 'PARSE_ERROR');
  t.regex(missing.json.error.data, /`account_id`/);
  const badType = await post(server, rpc('query', { request_type: 'view_state', account_id: 'c.near', prefix_base64: 5, finality: 'final' }));
  t.regex(badType.json.error.data, /`prefix_base64`/);
  const badAccount = await post(server, rpc('query', { request_type: 'view_account', account_id: 'Bad..Id', finality: 'final' }));
  t.regex(badAccount.json.error.data, /account id "Bad\.\.Id" is invalid/);
  const unknownPath = await post(server, rpc('query', ['stuff/c.near', '']));
  t.is(unknownPath.json.error.data, 'Unknown path stuff');
  t.is(calls.length, before, 'invalid requests never reach the node');
});

test('send_tx params: wait_until levels, positional form, "too many params", undecodable transactions', async (t) => {
  const calls: Call[] = [];
  const server = await startRpcServer({ client: recordingClient(calls), port: 0 });
  t.teardown(() => server.close());
  const bad = await post(server, rpc('send_tx', { signed_tx_base64: 'AAAA', wait_until: 'FINAL' }));
  t.is(bad.json.error.cause.name, 'PARSE_ERROR');
  t.regex(bad.json.error.data, /^Failed to decode transaction: /);
  const level = await post(server, rpc('send_tx', { signed_tx_base64: 'AAAA', wait_until: 'SOMETIMES' }));
  t.regex(level.json.error.data, /`wait_until`/);
  const pair = await post(server, rpc('broadcast_tx_commit', ['AAAA', 'FINAL']));
  t.is(pair.json.error.data, 'Unable to parse send request: too many params passed');
  const notBase64 = await post(server, rpc('broadcast_tx_commit', ['***']));
  t.regex(notBase64.json.error.data, /invalid base64/);
  t.is(calls.length, 0);
});

test('requests run one at a time in arrival order', async (t) => {
  const calls: Call[] = [];
  // the first request is slow; without the queue the second would finish first
  const server = await startRpcServer({ client: recordingClient(calls, { status: 80 }), port: 0 });
  t.teardown(() => server.close());
  const order: string[] = [];
  const slow = post(server, rpc('status', [])).then(() => order.push('status'));
  await new Promise((r) => setTimeout(r, 10));
  const fast = post(server, rpc('network_info', [])).then(() => order.push('network_info'));
  await Promise.all([slow, fast]);
  t.deepEqual(order, ['status', 'network_info']);
});

test('batch requests get an array of answers', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  const { json } = await post(server, [rpc('status', [], 1), rpc('nope', [], 2)]);
  t.is(json.length, 2);
  t.deepEqual(json[0], { jsonrpc: '2.0', id: 1, result: { method: 'status' } });
  t.is(json[1].error.cause.name, 'METHOD_NOT_FOUND');
});

test('an oversized body is answered with a parse error, not a dropped connection', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0, maxBodyBytes: 1024 });
  t.teardown(() => server.close());
  const { status, json } = await post(server, rpc('status', ['x'.repeat(5000)]));
  t.is(status, 200);
  t.is(json.error.code, -32700);
  t.regex(json.error.data, /larger than the node's limit of 1024 bytes/);
  const after = await post(server, rpc('status', []));
  t.deepEqual(after.json.result, { method: 'status' });
});

test('a batch of more than 1000 requests is refused as it arrives, even with every "method" key split between two chunks', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  const body = JSON.stringify(Array.from({ length: 1001 }, (_, id) => rpc('health', [], id)));
  // cut in the middle of every "method" key, each piece sent on its own
  const cuts = [...body.matchAll(/"method"/g)].map((m) => m.index! + 4);
  const { request } = await import('node:http');
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    void (async () => {
      let from = 0;
      for (const cut of [...cuts, body.length]) {
        req.write(body.slice(from, cut));
        from = cut;
        await new Promise((r) => setTimeout(r, 0));
      }
      req.end();
    })();
  });
  const json = JSON.parse(answer);
  t.is(json.error.cause.name, 'PARSE_ERROR');
  // counted while streaming ("more than"); a count after parsing would say "a batch of 1001 requests"
  t.regex(json.error.data, /^a batch of more than 1000 requests is over this node's limit of 1000; send it in smaller batches$/);
  const allowed = await post(server, Array.from({ length: 1000 }, (_, id) => rpc('health', [], id)));
  t.is(allowed.json.length, 1000);
});

test('the server listens on loopback only', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  t.teardown(() => server.close());
  t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('an idle kept-alive connection is left for the client to close: no Keep-Alive timeout hint, and the socket still serves after 6 s idle (past the 5 s Node default that raced clients reusing it)', async (t) => {
  const server = await startRpcServer({ client: recordingClient([]), port: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => {
    agent.destroy();
    return server.close();
  });
  const ask = () =>
    new Promise<{ reused: boolean; keepAliveHeader: string | string[] | undefined; json: any }>((resolve, reject) => {
      const body = JSON.stringify(rpc('status', []));
      const req = request(server.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ reused: req.reusedSocket, keepAliveHeader: res.headers['keep-alive'], json: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const first = await ask();
  t.is(first.keepAliveHeader, undefined, 'no timeout hint: the client keeps its own idle limit (undici 4 s)');
  await new Promise((r) => setTimeout(r, 6_000));
  const second = await ask();
  t.true(second.reused, 'the node closed the idle connection');
  t.deepEqual(second.json.result, { method: 'status' });
});

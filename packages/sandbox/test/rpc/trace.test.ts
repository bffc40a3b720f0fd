/**
 * NEAR_SANDBOX_RPC_TRACE (rpc/trace.ts): the node's record of when each request arrived, started and was
 * answered, which bench:relayer lines up with the relayer's and the load generator's clocks.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeClient } from '../../src/rpc/client.js';
import { startRpcServer } from '../../src/rpc/server.js';
import { recordStalls, rpcTracer } from '../../src/rpc/trace.js';

/** A node that answers every method after `ms`. */
const slowClient = (ms: number) =>
  new Proxy({} as NodeClient, {
    get: (_t, method: string) => (method === 'then' ? undefined : async () => (await new Promise((r) => setTimeout(r, ms)), { method })),
  });

const post = (url: string, method: string, params: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) }).then((r) => r.json());

test('each request is written with its method (a query by request_type), arrival, start and answer on the wall clock', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rpc-trace-'));
  const tracer = rpcTracer({ NEAR_SANDBOX_RPC_TRACE: dir })!;
  const server = await startRpcServer({ client: slowClient(20), port: 0, tracer });
  t.teardown(() => server.close());
  const before = Date.now();
  await post(server.url, 'query', { request_type: 'view_access_key', finality: 'optimistic', account_id: 'a.near', public_key: 'ed25519:11111111111111111111111111111111' });
  // Two writes at once: the second starts only once the first is done (the queue).
  await Promise.all([post(server.url, 'sandbox_fast_forward', { delta_height: 1 }), post(server.url, 'sandbox_fast_forward', { delta_height: 1 })]);
  tracer.flush();
  const [file] = readdirSync(dir);
  t.is(file, `rpc-${process.pid}.jsonl`);
  const requests = readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((entry) => !('stall' in entry));
  t.deepEqual(requests.map((r) => r.m), ['view_access_key', 'sandbox_fast_forward', 'sandbox_fast_forward']);
  for (const r of requests) {
    t.true(r.in >= before - 1 && r.in <= r.start && r.start <= r.out && r.out <= Date.now() + 1, JSON.stringify(r));
  }
  // The query took the client's 20 ms; the second write started once the first's 20 ms were over.
  t.true(requests[0].out - requests[0].in >= 19);
  const [first, second] = requests.slice(1).sort((a, b) => a.start - b.start);
  t.true(second.start >= first.start + 19, JSON.stringify({ first, second }));
});

test('a stall of the event loop is recorded with its length and the share of it spent on a CPU', async (t) => {
  const recorder = recordStalls();
  t.teardown(recorder.stop);
  await new Promise((r) => setTimeout(r, 20));
  const from = Date.now();
  while (Date.now() - from < 30); // busy: the loop cannot run the timer
  await new Promise((r) => setTimeout(r, 20));
  // The stall that covers the busy stretch: it starts at the timer's last run before it.
  const stall = recorder.stalls.find((s) => s.from <= from + 2 && s.from + s.ms >= from + 25);
  t.truthy(stall, JSON.stringify({ from, stalls: recorder.stalls }));
  // Busy on a CPU, not waiting for one: a share well above nothing (a loaded machine takes some of it away: 0.47 at load 7).
  t.true(stall!.cpuShare >= 0.1 && stall!.cpuShare <= 1, JSON.stringify(stall));
});

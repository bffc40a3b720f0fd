/**
 * Bounded fuzzing of a running node (a child process started through bin/launch.mjs, as near-workspaces
 * starts it): 5,600 malformed JSON-RPC requests and transactions generated with fast-check. Each must be
 * answered with HTTP 200 and a JSON-RPC `error`; the process must stay up; and the state must be exactly
 * what it was (no block produced, no balance or nonce moved), with a valid transaction still accepted after.
 * Then the requests that used to stall the node: megabyte-long hashes, keys and ids (refused before any
 * decoding), a 10 MB batch, params nested 10,000 deep, and fast-forwards that are too large or long.
 */
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base58, base64 } from '@scure/base';
import { KeyPair } from '../../src/primitives/crypto.js';
import { initHome, VALIDATOR_KEY_FILE } from '../../src/node/init.js';
import { readKeyFile } from '../../src/node/key-file.js';
import { signTransaction } from './helpers.js';
import { startNodeProcess } from './node-process.js';

const MAX_BODY = 10 * 1024 * 1024;

async function post(url: string, body: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) };
}

test('5,600 malformed requests and transactions: every one gets a JSON-RPC error, the node stays up, state is untouched', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rpc-fuzz-'));
  initHome(home);
  const rootKey = KeyPair.fromString(readKeyFile(join(home, VALIDATOR_KEY_FILE)).key.secretKey);
  const { child, url } = await startNodeProcess(home);
  t.teardown(() => {
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });
  const rpc = async (method: string, params: unknown) => (await post(url, JSON.stringify({ jsonrpc: '2.0', id: 'q', method, params }))).json;
  const snapshot = async () => ({
    account: (await rpc('query', { request_type: 'view_account', account_id: 'test.near', finality: 'optimistic' })).result,
    key: (await rpc('query', { request_type: 'view_access_key', account_id: 'test.near', public_key: rootKey.publicKeyString, finality: 'optimistic' })).result,
    head: (await rpc('block', { finality: 'optimistic' })).result.header.height,
  });
  const before = await snapshot();
  const blockHash = (await rpc('block', { finality: 'final' })).result.header.hash;
  const validTx = base64.decode(
    signTransaction({ signerId: 'test.near', receiverId: 'near', actions: [{ type: 'Transfer', deposit: 1n }], keyPair: rootKey, nonce: 1n, blockHash }).base64,
  );

  let answered = 0;
  const expectError = (status: number, json: any, what: string) => {
    answered++;
    if (status !== 200 || typeof json?.error?.code !== 'number' || json.result !== undefined || child.exitCode !== null) {
      throw new Error(`${what}: HTTP ${status} ${JSON.stringify(json).slice(0, 300)}`);
    }
  };

  // 1. bodies that are not JSON at all
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 200 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }), async (body) => {
      const { status, json } = await post(url, body);
      expectError(status, json, `bad JSON ${JSON.stringify(body)}`);
      return json.error.cause.name === 'PARSE_ERROR';
    }),
    { numRuns: 1200 },
  );

  // 2. JSON that is not a JSON-RPC request, and unknown methods
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v) || !('method' in v)).map((v) => JSON.stringify(v)),
        fc.record({ jsonrpc: fc.constant('2.0'), id: fc.nat(), method: fc.string({ maxLength: 30 }).filter((m) => !KNOWN.has(m)), params: fc.jsonValue() }).map((v) => JSON.stringify(v)),
      ),
      async (body) => {
        const { status, json } = await post(url, body);
        if (Array.isArray(json)) {
          for (const item of json) expectError(status, item, `batch ${body}`);
          return true;
        }
        expectError(status, json, `not a request ${body}`);
        return true;
      },
    ),
    { numRuns: 1200 },
  );

  // 3. known methods with parameters of the wrong shape or type
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...PARAM_METHODS), fc.jsonValue(), async (method, params) => {
      const { status, json } = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
      expectError(status, json, `${method}(${JSON.stringify(params)})`);
      return true;
    }),
    { numRuns: 1600 },
  );

  // 4. transactions: truncated, extended or corrupted borsh of a valid signed transaction
  const mutated = fc.oneof(
    fc.nat({ max: validTx.length - 1 }).map((n) => validTx.slice(0, n)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => Uint8Array.from([...validTx, ...extra])),
    fc.tuple(fc.nat({ max: validTx.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const copy = validTx.slice();
      copy[i] ^= x;
      return copy;
    }),
    fc.uint8Array({ maxLength: 300 }),
  );
  await fc.assert(
    fc.asyncProperty(mutated, fc.constantFrom('send_tx', 'broadcast_tx_commit', 'broadcast_tx_async', 'tx'), async (bytes, method) => {
      const encoded = base64.encode(bytes);
      const params = method === 'send_tx' ? { signed_tx_base64: encoded, wait_until: 'FINAL' } : [encoded];
      const { status, json } = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 2, method, params }));
      if (method === 'broadcast_tx_async' && typeof json.result === 'string') {
        // nearcore answers broadcast_tx_async with the hash of anything that decodes; it must not execute
        answered++;
        return base58.decode(json.result).length === 32;
      }
      expectError(status, json, `${method} with ${bytes.length} mutated bytes`);
      return true;
    }),
    { numRuns: 1600 },
  );

  // 5. oversized payloads
  const huge = `{"jsonrpc":"2.0","id":3,"method":"send_tx","params":["${'A'.repeat(MAX_BODY)}"]}`;
  for (let i = 0; i < 3; i++) {
    const { status, json } = await post(url, huge);
    expectError(status, json, 'oversized body');
    t.regex(json.error.data, /larger than the node's limit/);
  }

  t.true(answered >= 5000, `${answered} malformed requests answered`);
  t.is(child.exitCode, null, 'the node is still running');
  t.deepEqual(await snapshot(), before, 'no block produced, no balance or nonce changed');

  const accepted = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'send_tx', params: { signed_tx_base64: base64.encode(validTx) } }));
  t.deepEqual(accepted.json.result?.status, { SuccessValue: '' });
  t.is((await snapshot()).key.nonce, 1);
});

const KNOWN = new Set([
  'block', 'broadcast_tx_async', 'broadcast_tx_commit', 'chunk', 'gas_price', 'health', 'network_info', 'query', 'send_tx', 'status',
  'tx', 'validators', 'EXPERIMENTAL_genesis_config', 'EXPERIMENTAL_protocol_config', 'EXPERIMENTAL_receipt', 'EXPERIMENTAL_tx_status',
  'sandbox_patch_state', 'sandbox_fast_forward',
]);

/** Methods whose parameters a random JSON value cannot satisfy (each needs specific keys or a decodable transaction). */
const PARAM_METHODS = ['query', 'send_tx', 'broadcast_tx_commit', 'tx', 'EXPERIMENTAL_tx_status', 'EXPERIMENTAL_receipt', 'sandbox_patch_state', 'sandbox_fast_forward', 'chunk'];

test('long strings, huge batches, deep nesting and huge fast-forwards are refused or served without stalling the node', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rpc-fuzz-limits-'));
  initHome(home);
  const { child, url } = await startNodeProcess(home);
  t.teardown(() => {
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });
  const call = async (method: string, params: unknown) => (await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }))).json;
  const head = async () => (await call('block', { finality: 'optimistic' })).result.header.height as number;
  const before = await head();
  const parseErrorOf = (json: any) => (json.error?.cause?.name === 'PARSE_ERROR' ? String(json.error.data) : `not a PARSE_ERROR: ${JSON.stringify(json).slice(0, 300)}`);

  // 1. a megabyte of base58 where a 32-byte hash or a key goes (decoding it would take most of an hour)
  const long = '1'.repeat(1024 * 1024);
  const longCases: Array<[string, unknown, RegExp]> = [
    ['tx', [long, 'test.near'], /a hash is 32 bytes/],
    ['tx', { tx_hash: long, sender_account_id: 'test.near' }, /a hash is 32 bytes/],
    ['EXPERIMENTAL_tx_status', { tx_hash: long, sender_account_id: 'test.near' }, /a hash is 32 bytes/],
    ['EXPERIMENTAL_receipt', { receipt_id: long }, /a hash is 32 bytes/],
    ['chunk', { chunk_id: long }, /a hash is 32 bytes/],
    ['chunk', [long], /a hash is 32 bytes/],
    ['query', { request_type: 'view_access_key', account_id: 'test.near', public_key: `ed25519:${long}`, finality: 'final' }, /characters; ed25519 keys have 32 bytes/],
    ['query', ['call/test.near/method', long], /Query data size is too large/],
  ];
  for (const [method, params, message] of longCases) {
    t.regex(parseErrorOf(await call(method, params)), message, `${method} with a 1 MiB string`);
  }
  // nearcore's CryptoHash refuses text longer than a hash before decoding it, so `BlockId` does not parse
  // (core/primitives-core/src/hash.rs); the answer does not repeat the megabyte
  const blockIdCases: Array<[string, unknown]> = [
    ['block', { block_id: long }],
    ['block', [long]],
    ['chunk', { block_id: long, shard_id: 0 }],
    ['chunk', [[long, 0]]],
    ['query', { request_type: 'view_account', account_id: 'test.near', block_id: long }],
    ['gas_price', [long]],
    ['gas_price', { block_id: long }],
    ['validators', [long]],
    ['validators', { block_id: long }],
    ['EXPERIMENTAL_protocol_config', { block_id: long }],
  ];
  for (const [method, params] of blockIdCases) {
    const json = await call(method, params);
    t.regex(parseErrorOf(json), /block_id is a height or a 32-byte hash \(at most 44 base58 characters\), got 1048576 characters/, `${method} ${JSON.stringify(params).slice(0, 40)}`);
    t.true(JSON.stringify(json).length < 1000, `${method}: the answer does not repeat the block id`);
  }

  // 2. a 10 MB batch of 190,000 status calls: refused as a whole, naming the limit; 1,000 are served
  const huge = JSON.stringify(Array.from({ length: 190_000 }, () => ({ jsonrpc: '2.0', id: 0, method: 'status' })));
  t.true(huge.length < MAX_BODY);
  t.regex(parseErrorOf((await post(url, huge)).json), /a batch of more than 1000 requests is over this node.s limit of 1000/);
  const allowed = (await post(url, JSON.stringify(Array.from({ length: 1000 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'health', params: [] }))))).json;
  t.is(allowed.length, 1000);
  t.true(allowed.every((r: any) => r.result === null));

  // 3. params nested 10,000 deep: a parse error naming the limit, never INTERNAL_ERROR, for every method
  // (written as text: JSON.stringify itself overflows the stack on such a value)
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  for (const method of [...PARAM_METHODS, 'block', 'status', 'validators', 'gas_price']) {
    for (const params of [deep, `{"finality":"final","nested":${deep}}`]) {
      const { status, json } = await post(url, `{"jsonrpc":"2.0","id":1,"method":"${method}","params":${params}}`);
      t.is(status, 200);
      t.regex(parseErrorOf(json), /nested deeper than 64 levels/, `${method} ${params.slice(0, 30)}`);
    }
  }
  t.is(await head(), before, 'nothing above produced a block');

  // 4. fast-forwards: beyond the per-call limit refused; a long one leaves the node serving others
  for (const delta of [Number.MAX_SAFE_INTEGER, 1e15, 1_000_001]) {
    t.regex(parseErrorOf(await call('sandbox_fast_forward', { delta_height: delta })), /over this node's limit of 1000000 blocks per call/);
  }
  let done = false;
  // the longest fast-forward a call may ask for (nearcore's jumps make ~5 blocks per 500-block epoch: ~10,000 blocks)
  const forward = call('sandbox_fast_forward', { delta_height: 1_000_000 }).then((json) => {
    done = true;
    return json;
  });
  let servedMeanwhile = 0;
  let lastSeen = before;
  while (!done) {
    const status = await call('status', []);
    if (!done) servedMeanwhile++;
    t.true(status.result.sync_info.latest_block_height >= lastSeen, 'the head only moves forward');
    lastSeen = status.result.sync_info.latest_block_height;
  }
  t.deepEqual((await forward).result, {});
  t.true(servedMeanwhile >= 3, `status was answered ${servedMeanwhile} times during a 1,000,000-height fast-forward`);
  t.true((await head()) >= before + 1_000_000, 'the head moved by the delta (nearcore\'s fast-forward ends a block or two past it)');
  t.is(child.exitCode, null, 'the node is still running');
});

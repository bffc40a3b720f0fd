/**
 * `npm run bench:relayer-cpu [-- --json] [-- --rounds N --delegates N --senders N]`: the relayer's
 * own CPU per delegate, apart from the node's. bench:relayer runs the relayer beside the node on two shared
 * cores, where its CPU per delegate moves by ±15 % between runs with the load; here one relayer process
 * (its CLI, on a real Redis, 8 keys) relays against a node stub that answers at once, so what its CPU
 * counts is the relayer's work alone: each sender posts a delegate, asks `GET /status/<hash>?wait=final`
 * and posts its next (bench:relayer's closed loop, without the ramp). The stub answers the calls the
 * relayer makes with nearcore's shapes and sizes as this repo's node answers them in bench:relayer
 * (`send_tx` at INCLUDED 1.4 KB, `tx` 5.4 KB with four receipts); every block has the same hash. Prints
 * the relayer's CPU ms per delegate (its /metrics) for each round after a warm-up round and their median
 * (`--json`: one object with both). With
 * RELAYER_CPU_PROF=<dir>, the relayer's V8 CPU profile is written there (bench/cpu-profile.ts reads it).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyPair, KeyPairSigner, actions, buildDelegateAction, encodeSignedDelegate, type KeyPairString } from 'near-api-js';
import { base58 } from '@scure/base';
import { derivePoolKey } from '../src/key-pool.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { startRelayerProcess } from '../test/helpers/processes.js';
import { numberOption } from './load-model.js';
import { httpJson } from './http-json.js';

const JSON_OUTPUT = process.argv.includes('--json');
const ROUNDS = numberOption(process.argv, 'rounds', 3, { min: 1 });
const DELEGATES = numberOption(process.argv, 'delegates', 2000, { min: 1 });
const SENDERS = numberOption(process.argv, 'senders', 100, { min: 1 });
const KEYS = 8;
const RELAYER = 'relayer.test.near';
const TOKEN = 'token.test.near';
const BLOCK_HASH = base58.encode(new Uint8Array(32).fill(7));

const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
const senderKey = KeyPair.fromRandom('ed25519');
const senders = Array.from({ length: SENDERS }, (_, i) => `s${i}.test.near`);
let height = 1_000;

/** A receipt outcome as nearcore writes it, with a gas profile: four of them make a `tx` answer the size of bench:relayer's. */
const receipt = (id: string, next: string[], status: object) => ({
  block_hash: BLOCK_HASH,
  id,
  outcome: {
    executor_id: TOKEN,
    gas_burnt: 2_428_000_000_000,
    logs: [],
    metadata: { gas_profile: ['BASE', 'CONTRACT_LOADING_BASE', 'READ_MEMORY_BASE', 'STORAGE_READ_BASE', 'WRITE_REGISTER_BASE'].map((cost) => ({ cost, cost_category: 'WASM_HOST_COST', gas_used: '2647681110' })), version: 3 },
    receipt_ids: next,
    status,
    tokens_burnt: '242800000000000000000',
  },
  proof: [],
});
const outcomeOf = (hash: string) => ({
  final_execution_status: 'EXECUTED_OPTIMISTIC',
  receipts_outcome: [receipt('r1', ['r2'], { SuccessReceiptId: 'r2' }), receipt('r2', ['r3'], { SuccessValue: '' }), receipt('r3', [], { SuccessValue: '' }), receipt('r4', [], { SuccessValue: '' })],
  status: { SuccessValue: '' },
  transaction: { hash, signer_id: RELAYER, public_key: 'ed25519:11111111111111111111111111111111', nonce: 1, receiver_id: senders[0], actions: [{ Delegate: { delegate_action: { sender_id: senders[0], receiver_id: TOKEN, actions: [], nonce: 1, max_block_height: 1, public_key: 'ed25519:11111111111111111111111111111111' }, signature: `ed25519:${'1'.repeat(88)}` } }], signature: `ed25519:${'1'.repeat(88)}`, priority_fee: 0 },
  transaction_outcome: receipt(hash, ['r1'], { SuccessReceiptId: 'r1' }),
});
const included = { final_execution_status: 'INCLUDED', transaction: outcomeOf(BLOCK_HASH).transaction, padding: 'x'.repeat(700) };

function answer(method: string, params: Record<string, unknown>): unknown {
  if (method === 'send_tx') return (height++, included);
  if (method === 'tx') return outcomeOf(String(params.tx_hash));
  if (method === 'block') return { header: { height: height, hash: BLOCK_HASH, gas_price: '100000000' } };
  if (method === 'EXPERIMENTAL_genesis_config') return { transaction_validity_period: 86_400 };
  if (method === 'query' && params.request_type === 'view_access_key') return { nonce: 0, permission: 'FullAccess', block_height: height, block_hash: BLOCK_HASH };
  if (method === 'query' && params.request_type === 'view_access_key_list') {
    const keys = Array.from({ length: KEYS }, (_, i) => derivePoolKey(mainKey, 'cpu', i).getPublicKey().toString());
    return { keys: keys.map((public_key) => ({ public_key, access_key: { nonce: 0, permission: 'FullAccess' } })), block_height: height, block_hash: BLOCK_HASH };
  }
  throw new Error(`the node stub does not answer ${method}`);
}

const node = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; method: string; params: Record<string, unknown> };
    const body = JSON.stringify({ jsonrpc: '2.0', id: call.id, result: answer(call.method, call.params) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
const redis = await startRedisServer();
const relayer = await startRelayerProcess({
  RELAYER_ACCOUNT_ID: RELAYER,
  RELAYER_PRIVATE_KEY: mainKey,
  RPC_URL: `http://127.0.0.1:${(node.address() as AddressInfo).port}`,
  RELAYER_POLICY: JSON.stringify({ allowed: { [TOKEN]: ['ft_transfer'] }, maxGas: '30000000000000', maxDeposit: '1', rateLimit: { count: 100_000, windowMs: 60_000 }, allowance: { perSender: (10n ** 24n).toString(), periodMs: 86_400_000 } }),
  RELAYER_REDIS_URL: redis.url,
  RELAYER_KEYS: String(KEYS),
  RELAYER_INSTANCE: 'cpu',
  ...(process.env.RELAYER_CPU_PROF ? { RELAYER_CPU_PROF: process.env.RELAYER_CPU_PROF } : {}),
});

const cpuSeconds = async () => Number(/^process_cpu_seconds_total (\S+)$/m.exec(await (await fetch(`${relayer.url}/metrics`)).text())?.[1]);

const signer = new KeyPairSigner(senderKey);
let nonce = 0n;
/** One round: every sender relays its share of `DELEGATES`, one after another, all senders at once; the relayer's CPU ms per delegate. */
async function round(): Promise<number> {
  const perSender = Math.ceil(DELEGATES / SENDERS);
  const first = nonce + 1n;
  nonce += BigInt(perSender);
  const bodies = await Promise.all(
    senders.map((senderId) =>
      Promise.all(
        Array.from({ length: perSender }, async (_, j) => {
          const delegateAction = buildDelegateAction({ senderId, receiverId: TOKEN, actions: [actions.functionCall('ft_transfer', { receiver_id: 'sink.test.near', amount: '1' }, 10n ** 13n, 1n)], nonce: first + BigInt(j), maxBlockHeight: 10n ** 9n, publicKey: senderKey.getPublicKey() });
          const { signedDelegate } = await signer.signDelegateAction(delegateAction);
          return JSON.stringify({ signed_delegate_action: Buffer.from(encodeSignedDelegate(signedDelegate)).toString('base64') });
        }),
      ),
    ),
  );
  const before = await cpuSeconds();
  let relayed = 0;
  await Promise.all(
    bodies.map(async (mine) => {
      for (const body of mine) {
        const accepted = await httpJson(`${relayer.url}/relay`, body);
        const answer = accepted.json as { status_url?: string };
        if (accepted.status !== 202) throw new Error(`refused: ${JSON.stringify(answer)}`);
        const final = (await httpJson(`${relayer.url}${answer.status_url}?wait=final`)).json as { state?: string };
        if (final.state !== 'final') throw new Error(`not final: ${JSON.stringify(final)}`);
        relayed++;
      }
    }),
  );
  return ((await cpuSeconds()) - before) * 1000 / relayed;
}

try {
  await round(); // warm-up: every sender's first delegate reads its key, and the relayer's code is compiled
  const rounds: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    rounds.push(Math.round((await round()) * 1000) / 1000);
    if (!JSON_OUTPUT) console.log(`round ${r}: relayer CPU ${rounds[r - 1].toFixed(3)} ms per delegate`);
  }
  const sorted = [...rounds].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor((sorted.length - 1) / 2)];
  if (JSON_OUTPUT) console.log(JSON.stringify({ delegatesPerRound: DELEGATES, senders: SENDERS, keys: KEYS, relayerCpuMsPerDelegate: { rounds, median: medianMs } }));
  else console.log(`median: ${medianMs.toFixed(3)} ms per delegate (${ROUNDS} rounds of ${DELEGATES} delegates from ${SENDERS} senders, ${KEYS} keys)`);
} finally {
  await relayer.stop();
  await redis.stop();
  node.close();
  node.closeAllConnections();
}

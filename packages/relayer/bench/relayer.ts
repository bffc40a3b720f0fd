/**
 * `npm run bench:relayer` (`-- --json` for one JSON object; `-- --delegates N --senders N`;
 * `-- --only <text>` for the configurations whose name contains it; RELAYER_CPU_PROF=<dir> writes each
 * relayer process's V8 CPU profile there): the
 * relayer under load against the local node, as separate processes (node, Redis, one or two
 * relayer instances through their CLI, and this load generator).
 *
 * Each sender holds the stablecoin and signs `ft_transfer` delegates (1 token to a sink, 1
 * yoctoNEAR deposit the relayer pays) with consecutive nonces; senders post concurrently, each
 * its next delegate once the previous is final (a delegate overtaking an earlier nonce of its
 * sender would fail on chain). Configurations: 1 key, 8 keys, and two instances with 8 keys each
 * sharing one Redis (requests spread over both, as a load balancer would). Reported per
 * configuration: relayed delegates per second, p50/p99 time from the post to the transaction hash
 * (202) and to the final outcome (`GET /status/<hash>?wait=final`), refusals and on-chain failures.
 *
 * Two nodes, one after the other, each with its own accounts:
 * - **on demand** (the node's default): a block as soon as a transaction arrives (~9 ms), so one key
 *   already relays about as fast as the node executes; these rows show the node-bound ceiling.
 * - **every 120 ms** (NEAR_SANDBOX_BLOCK_INTERVAL_MS=120: a block on a wall-clock interval, as neard
 *   makes them): a key carries one transaction on its way to a block (README "Key pool"), so it relays
 *   one delegate per block and throughput grows with the keys, as on a real network. neard's intervals
 *   (nearcore nearcore/src/config.rs `min_block_production_delay`): 1,300 ms on mainnet, 1,000 ms on
 *   testnet, 600 ms for `neard init` (localnet, the JS sandbox), 120 ms with `init --fast`
 *   (FAST_MIN_BLOCK_PRODUCTION_DELAY). 120 ms is the fastest interval neard itself is configured with,
 *   and the only one that keeps the run short: one key relays one delegate per block, so 2,000
 *   delegates take 2,000 blocks, 4 minutes at 120 ms (20 at 600 ms). It is still 10× a key's
 *   round trip (sign, send, answer: ~10 ms), so the interval, not the relayer, sets a key's rate, as it
 *   does at 600 ms or 1.3 s; what a longer interval changes is the scale (a key relays 1/interval per
 *   second), not the ratio of keys.
 *
 * The whole run takes about 7 minutes on the shared 2-core machine (7.2 at load 6-10, of which the
 * interval 1-key row 4).
 *
 * Targets from issue 18: 8 keys ≥ 5× the throughput of 1 key; p99 time to hash ≤ 50 ms.
 * The machine is shared: compare rows of one run, not runs.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { format } from 'node:util';
import { Agent, request } from 'node:http';
import { Worker } from 'near-workspaces';
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions, buildDelegateAction, encodeSignedDelegate, type KeyPairString } from 'near-api-js';
import { Redis } from 'ioredis';
import { TransactionExpiredError } from 'near-api-js/rpc-errors';
import { buildContracts } from '../../contract-builder/src/index.js';
import { setUpSandboxLauncher } from '../../sandbox/src/node/install.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { startRelayerProcess } from '../test/helpers/processes.js';

process.env.NEAR_WORKSPACES_NO_LOGS ??= '1';
const JSON_OUTPUT = process.argv.includes('--json');
const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
};
const DELEGATES = option('delegates', 2000);
const SENDERS = option('senders', 200);
/** `--only <text>`: the configurations whose name contains it (a partial run prints its rows only). */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const log = (line: string) => process.stderr.write(`${line}\n`);
if (JSON_OUTPUT) for (const level of ['log', 'info', 'debug'] as const) console[level] = (...args: unknown[]) => process.stderr.write(`${format(...args)}\n`);

const NEAR = 10n ** 24n;
const TGAS = 10n ** 12n;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The block interval of the second node (ms): the bench's doc comment says why 120. */
const BLOCK_INTERVAL_MS = 120;

interface Mode {
  /** Row prefix: how the node makes blocks. */
  name: string;
  /** NEAR_SANDBOX_BLOCK_INTERVAL_MS for the node; undefined: a block per transaction. */
  blockIntervalMs?: number;
}
const ON_DEMAND: Mode = { name: 'on demand' };
const INTERVAL: Mode = { name: `every ${BLOCK_INTERVAL_MS} ms`, blockIntervalMs: BLOCK_INTERVAL_MS };

interface Configuration {
  name: string;
  mode: Mode;
  instances: number;
  keys: number;
  /** Senders posting at once (default all); `delegates` overrides the run's count. */
  concurrency?: number;
  delegates?: number;
}
const configurationsOf = (mode: Mode): Configuration[] => [
  { name: `${mode.name}: 1 instance, 1 key`, mode, instances: 1, keys: 1 },
  { name: `${mode.name}: 1 instance, 8 keys`, mode, instances: 1, keys: 8 },
  { name: `${mode.name}: 2 instances on one Redis, 8 keys each`, mode, instances: 2, keys: 8 },
];
const CONFIGURATIONS: Configuration[] = [
  ...configurationsOf(ON_DEMAND),
  // Not saturated: one delegate at a time shows the relayer's own time to hash, without queueing.
  { name: `${ON_DEMAND.name}: 1 instance, 8 keys, one delegate at a time`, mode: ON_DEMAND, instances: 1, keys: 8, concurrency: 1, delegates: 100 },
  ...configurationsOf(INTERVAL),
];
const selected = CONFIGURATIONS.filter((c) => ONLY === undefined || c.name.includes(ONLY));

interface RunResult {
  configuration: string;
  /** The node's block interval (ms), or null for a block per transaction. */
  blockIntervalMs: number | null;
  /** Senders posting at once. */
  concurrency: number;
  instances: number;
  keys: number;
  delegates: number;
  senders: number;
  seconds: number;
  relayedPerSecond: number;
  hashMs: { p50: number; p99: number };
  /** The relayers' own time to the hash (their `accepted` log events: from the delegate's arrival to its acceptance), without the HTTP and the load generator. */
  relayerHashMs: { p50: number; p99: number };
  /** Of the relayer's own time to the hash, the time it waited for the store (Redis) and for the node (chain reads it had not kept). */
  relayerWaitsMs: { storeP99: number; nodeP99: number };
  /**
   * The same p99s without each sender's first delegate: all senders post their first at the same
   * instant, and the relayer reads each one's access key from the node then (the cold start); after
   * it, delegates arrive as blocks complete earlier ones.
   */
  warmP99Ms: { hash: number; relayerOwn: number };
  finalMs: { p50: number; p99: number };
  refused: Record<string, number>;
  failedOnChain: number;
  /** CPU the relayer processes used (user + system, from their /metrics) per delegate relayed: the relayer's own overhead. */
  relayerCpuMsPerDelegate: number;
  /** Load average (1 min) when the row started and ended. */
  load: [number, number];
}

/** The relayer process's CPU seconds so far (prom-client's process_cpu_seconds_total). */
async function cpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

/**
 * The load generator's HTTP: keep-alive connections through node:http. It shares the machine with
 * the relayer it measures, and fetch costs it several times more CPU per request, which every
 * relayer answer would then wait behind before the generator reads it.
 */
// Idle connections closed before the relayer's (Node's 5 s keepAliveTimeout) would close them.
const agent = new Agent({ keepAlive: true, timeout: 4_000 });
function httpJson(url: string, body?: string, retried = false): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
    const req = request(url, { method: body === undefined ? 'GET' : 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (error) {
          reject(error);
        }
      });
    });
    // A kept connection the server closed as it was reused: the request never reached it (Node's documented retry).
    req.on('error', (error: NodeJS.ErrnoException) => (req.reusedSocket && error.code === 'ECONNRESET' && !retried ? httpJson(url, body, true).then(resolve, reject) : reject(error)));
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Chain {
  rpcUrl: string;
  provider: JsonRpcProvider;
  token: string;
  sink: string;
  relayer: { accountId: string; key: KeyPair };
  senders: string[];
  senderKey: KeyPair;
}

/**
 * `account` with `n` more full-access keys, as `n` Accounts that each sign with one of them: each key is
 * its own nonce sequence, so `n` transactions are on their way at once (on a node with a block
 * interval, one at a time would take a few blocks each).
 */
async function withKeys(account: Account, n: number): Promise<Account[]> {
  const keys = Array.from({ length: n }, () => KeyPair.fromRandom('ed25519'));
  await account.signAndSendTransaction({ receiverId: account.accountId, actions: keys.map((key) => actions.addFullAccessKey(key.getPublicKey())) });
  return keys.map((key) => new Account(account.accountId, account.provider, key.toString() as KeyPairString));
}

/** `task` for every item, one at a time per signer, the signers at once. */
async function acrossSigners<T>(signers: Account[], items: T[], task: (signer: Account, item: T) => Promise<unknown>): Promise<void> {
  await Promise.all(
    signers.map(async (signer, s) => {
      for (let i = s; i < items.length; i += signers.length) await task(signer, items[i]);
    }),
  );
}

/** The accounts of one node: the token and its owner, the relayer, a sink, and the senders (one key shared by all: only the accounts differ). */
async function setUpChain(worker: Worker): Promise<Chain> {
  const rpcUrl = (worker.provider as unknown as { connection: { url: string } }).connection.url;
  const provider = new JsonRpcProvider({ url: rpcUrl });
  const rootWs = worker.rootAccount;
  const root = new Account(rootWs.accountId, provider, (await rootWs.getKey())!.toString() as KeyPairString);
  const roots = await withKeys(root, 10);
  const make = async (signer: Account, name: string, balance: bigint, key = KeyPair.fromRandom('ed25519')) => {
    const accountId = `${name}.${root.accountId}`;
    await signer.signAndSendTransaction({ receiverId: accountId, actions: [actions.createAccount(), actions.transfer(balance), actions.addFullAccessKey(key.getPublicKey())] });
    return { accountId, key, account: new Account(accountId, provider, key.toString() as KeyPairString) };
  };
  const [token, owner, relayer, sink] = await Promise.all([make(roots[0], 'token', 50n * NEAR), make(roots[1], 'owner', 1000n * NEAR), make(roots[2], 'relayer', 1000n * NEAR), make(roots[3], 'sink', NEAR)]);
  await token.account.signAndSendTransaction({ receiverId: token.accountId, actions: [actions.deployContract(readFileSync(`${REPO}build/stablecoin.wasm`))] });
  const call = (method: string, args: Record<string, unknown>, deposit: bigint) => actions.functionCall(method, args, 12n * TGAS, deposit);
  await token.account.callFunction({ contractId: token.accountId, methodName: 'init', args: { owner_id: owner.accountId }, gas: 100n * TGAS });
  await owner.account.signAndSendTransaction({
    receiverId: token.accountId,
    actions: [call('grant_role', { role: 'master_minter', account_id: owner.accountId }, 1n), call('configure_minter', { account_id: owner.accountId, allowance: (10n ** 30n).toString() }, 1n)],
  });
  const fee = BigInt(((await provider.callFunction({ contractId: token.accountId, method: 'storage_balance_bounds', args: {} })) as { min: string }).min);
  const senderKey = KeyPair.fromRandom('ed25519');
  const senders = Array.from({ length: SENDERS }, (_, i) => `s${i}.${root.accountId}`);
  await acrossSigners(
    roots,
    senders.map((_, i) => i),
    (signer, i) => make(signer, `s${i}`, NEAR / 10n, senderKey),
  );
  const groups: string[][] = [];
  for (let i = 0; i < SENDERS + 1; i += 6) groups.push([...senders, sink.accountId].slice(i, i + 6));
  await acrossSigners(await withKeys(owner.account, 10), groups, (signer, group) =>
    signer.signAndSendTransaction({
      receiverId: token.accountId,
      actions: group.flatMap((accountId) => [
        call('storage_deposit', { account_id: accountId }, fee),
        ...(accountId === sink.accountId ? [] : [call('mint', { account_id: accountId, amount: '1000000' }, 1n)]),
      ]),
    }),
  );
  return { rpcUrl, provider, token: token.accountId, sink: sink.accountId, relayer: { accountId: relayer.accountId, key: relayer.key }, senders, senderKey };
}

/**
 * The node alone: the same transfers sent directly by the senders, all at once (each its own nonce
 * sequence, the next once the previous is final), as they post through the relayer: what the node
 * executes without a relayer.
 */
async function nodeAlone({ provider, token, sink, senders, senderKey }: Chain) {
  const perSender = Math.ceil(DELEGATES / SENDERS);
  const latencies: number[] = [];
  let sent = 0;
  let expired = 0;
  const started = performance.now();
  await Promise.all(
    senders.map(async (sender) => {
      const account = new Account(sender, provider, senderKey.toString() as KeyPairString);
      for (let j = 0; j < perSender && sent < DELEGATES; j++) {
        sent++;
        const t0 = performance.now();
        // A transaction refused as expired (the local node's validity period is 100 blocks) never ran: sign it again.
        for (let attempt = 1; ; attempt++) {
          try {
            await account.signAndSendTransaction({ receiverId: token, actions: [actions.functionCall('ft_transfer', { receiver_id: sink, amount: '1' }, 10n * TGAS, 1n)] });
            break;
          } catch (error) {
            if (!(error instanceof TransactionExpiredError) || attempt >= 10) throw error;
            expired++;
          }
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { transactions: sent, expiredAndResigned: expired, seconds: round(seconds, 2), perSecond: round(latencies.length / seconds), finalMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) } };
}

/** One configuration's row: its relayer processes on `chain`, every sender posting its delegates. */
async function runConfiguration(configuration: Configuration, chain: Chain, redisUrl: string): Promise<RunResult> {
  const { provider, senders, senderKey } = chain;
  const loadBefore = loadavg()[0];
  const flush = new Redis(redisUrl);
  await flush.flushall();
  flush.disconnect();
  const policy = JSON.stringify({
    allowed: { [chain.token]: ['ft_transfer'] },
    maxGas: (30n * TGAS).toString(),
    maxDeposit: '1',
    rateLimit: { count: 100_000, windowMs: 60_000 },
    allowance: { perSender: NEAR.toString(), periodMs: 86_400_000 },
  });
  const instances = await Promise.all(
    Array.from({ length: configuration.instances }, (_, i) =>
      startRelayerProcess({
        RELAYER_ACCOUNT_ID: chain.relayer.accountId,
        RELAYER_PRIVATE_KEY: chain.relayer.key.toString(),
        RPC_URL: chain.rpcUrl,
        RELAYER_POLICY: policy,
        RELAYER_REDIS_URL: redisUrl,
        RELAYER_KEYS: String(configuration.keys),
        RELAYER_INSTANCE: `bench-${configuration.keys}-${i}`,
        ...(process.env.RELAYER_CPU_PROF ? { RELAYER_CPU_PROF: process.env.RELAYER_CPU_PROF } : {}),
      }),
    ),
  );
  // Each sender's delegates, signed before timing: consecutive nonces from its key's nonce.
  const signer = new KeyPairSigner(senderKey);
  const perSender = Math.ceil(DELEGATES / SENDERS);
  const head = BigInt((await provider.viewBlock({ finality: 'optimistic' })).header.height);
  const signed = await Promise.all(
    senders.map(async (accountId) => {
      const { nonce } = await provider.viewAccessKey({ accountId, publicKey: senderKey.getPublicKey().toString(), finalityQuery: { finality: 'optimistic' } });
      return Promise.all(
        Array.from({ length: perSender }, async (_, j) => {
          const delegateAction = buildDelegateAction({
            senderId: accountId,
            receiverId: chain.token,
            actions: [actions.functionCall('ft_transfer', { receiver_id: chain.sink, amount: '1' }, 10n * TGAS, 1n)],
            nonce: BigInt(nonce) + 1n + BigInt(j),
            maxBlockHeight: head + 100_000n,
            publicKey: senderKey.getPublicKey(),
          });
          const { signedDelegate } = await signer.signDelegateAction(delegateAction);
          return JSON.stringify({ signed_delegate_action: Buffer.from(encodeSignedDelegate(signedDelegate)).toString('base64') });
        }),
      );
    }),
  );
  log(`run: ${configuration.name}`);
  const cpuBefore = await Promise.all(instances.map((instance) => cpuSeconds(instance.url)));
  const hashMs: number[] = [];
  const warmHashMs: number[] = [];
  const firstHashes = new Set<string>();
  const finalMs: number[] = [];
  const refused: Record<string, number> = {};
  let failedOnChain = 0;
  let sent = 0;
  const started = performance.now();
  const limit = configuration.delegates ?? DELEGATES;
  const postAll = async (bodies: string[], i: number) => {
    for (let j = 0; j < bodies.length && sent < limit; j++) {
      sent++;
      const url = instances[(i + j) % instances.length].url;
      const t0 = performance.now();
      const response = await httpJson(`${url}/relay`, bodies[j]);
      const answer = response.json as { transaction_hash?: string; status_url?: string; error?: { code: string } };
      if (response.status !== 202) {
        refused[answer.error?.code ?? `HTTP_${response.status}`] = (refused[answer.error?.code ?? `HTTP_${response.status}`] ?? 0) + 1;
        return; // the sender's later nonces would need this one first
      }
      hashMs.push(performance.now() - t0);
      if (j === 0) firstHashes.add(String(answer.transaction_hash));
      else warmHashMs.push(hashMs[hashMs.length - 1]);
      // Asked again while pending: a status wait ends after 30 s, and with one key on a node making a block
      // every 120 ms, 200 senders' delegates wait about 25 s for their turn.
      let final: { state: string; succeeded?: boolean; status?: unknown; error?: unknown };
      do final = (await httpJson(`${url}${answer.status_url}?wait=final`)).json as typeof final;
      while (final.state === 'pending');
      finalMs.push(performance.now() - t0);
      if (final.state !== 'final' || !final.succeeded) {
        if (failedOnChain++ === 0) log(`  first failure: ${JSON.stringify({ state: final.state, status: final.status, error: final.error })}`);
      }
    }
  };
  const concurrency = configuration.concurrency ?? signed.length;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, stream) => {
      for (let i = stream; i < signed.length && sent < limit; i += concurrency) await postAll(signed[i], i);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await Promise.all(instances.map((instance) => cpuSeconds(instance.url)));
  await Promise.all(instances.map((instance) => instance.stop()));
  const acceptedEvents = instances.flatMap((instance) => instance.log.filter((line) => line.event === 'accepted'));
  const sortedOf = (field: string) => acceptedEvents.map((line) => Number(line[field])).sort((a, b) => a - b);
  const relayerHashMs = sortedOf('ms');
  hashMs.sort((a, b) => a - b);
  finalMs.sort((a, b) => a - b);
  const result: RunResult = {
    configuration: configuration.name,
    blockIntervalMs: configuration.mode.blockIntervalMs ?? null,
    concurrency,
    instances: configuration.instances,
    keys: configuration.keys,
    delegates: sent,
    senders: Math.min(SENDERS, Math.ceil(sent / perSender)),
    seconds: round(seconds, 2),
    relayedPerSecond: round(finalMs.length / seconds),
    hashMs: { p50: round(percentile(hashMs, 50)), p99: round(percentile(hashMs, 99)) },
    relayerHashMs: { p50: round(percentile(relayerHashMs, 50)), p99: round(percentile(relayerHashMs, 99)) },
    relayerWaitsMs: { storeP99: round(percentile(sortedOf('store_ms'), 99)), nodeP99: round(percentile(sortedOf('node_ms'), 99)) },
    warmP99Ms: {
      hash: round(percentile(warmHashMs.sort((a, b) => a - b), 99)),
      relayerOwn: round(percentile(acceptedEvents.filter((line) => !firstHashes.has(String(line.transaction_hash))).map((line) => Number(line.ms)).sort((a, b) => a - b), 99)),
    },
    finalMs: { p50: round(percentile(finalMs, 50)), p99: round(percentile(finalMs, 99)) },
    refused,
    failedOnChain,
    relayerCpuMsPerDelegate: round((1000 * cpuAfter.reduce((sum, c, i) => sum + c - cpuBefore[i], 0)) / Math.max(1, finalMs.length), 2),
    load: [round(loadBefore, 2), round(loadavg()[0], 2)],
  };
  log(`  ${JSON.stringify(result)}`);
  return result;
}

/** Starts a node making blocks as `mode` says (near-workspaces passes the environment on to the launcher). */
async function startNode(mode: Mode): Promise<Worker> {
  const previous = process.env.NEAR_SANDBOX_BLOCK_INTERVAL_MS;
  if (mode.blockIntervalMs === undefined) delete process.env.NEAR_SANDBOX_BLOCK_INTERVAL_MS;
  else process.env.NEAR_SANDBOX_BLOCK_INTERVAL_MS = String(mode.blockIntervalMs);
  try {
    return await Worker.init();
  } finally {
    if (previous === undefined) delete process.env.NEAR_SANDBOX_BLOCK_INTERVAL_MS;
    else process.env.NEAR_SANDBOX_BLOCK_INTERVAL_MS = previous;
  }
}

/** `x / y` of two rows' throughput, when both ran. */
function ratio(results: RunResult[], over: string, under: string): number | null {
  const a = results.find((r) => r.configuration === over);
  const b = results.find((r) => r.configuration === under);
  return a && b ? round(a.relayedPerSecond / b.relayedPerSecond, 2) : null;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const loadBefore = loadavg();
  log(`bench:relayer: ${DELEGATES} delegates from ${SENDERS} senders per configuration; ${cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  // This checkout's node, as npm test starts it (scripts/test.ts): near-workspaces runs the launcher NEAR_SANDBOX_BIN_PATH names.
  const launcher = `${REPO}node_modules/.cache/near-ts-sandbox/launcher/near-sandbox`;
  if (!process.env.NEAR_SANDBOX_BIN_PATH) Object.assign(process.env, { NEAR_TS_SANDBOX_LAUNCHER: launcher, NEAR_SANDBOX_BIN_PATH: launcher, NEAR_SANDBOX_BINARY_PATH: dirname(launcher) });
  await setUpSandboxLauncher(() => {});
  await buildContracts({ log: () => {}, names: ['stablecoin'] });
  const redis = await startRedisServer();
  const results: RunResult[] = [];
  let alone: Awaited<ReturnType<typeof nodeAlone>> | undefined;
  try {
    for (const mode of [ON_DEMAND, INTERVAL]) {
      const configurations = selected.filter((c) => c.mode === mode);
      if (configurations.length === 0) continue;
      const worker = await startNode(mode);
      try {
        log(`setup (${mode.name}): token, relayer and ${SENDERS} senders`);
        const chain = await setUpChain(worker);
        if (mode === ON_DEMAND && ONLY === undefined) {
          log('run: node alone (direct ft_transfer, no relayer)');
          alone = await nodeAlone(chain);
          log(`  ${JSON.stringify(alone)}`);
        }
        for (const configuration of configurations) results.push(await runConfiguration(configuration, chain, redis.url));
      } finally {
        await worker.tearDown();
      }
    }
  } finally {
    await redis.stop();
  }
  const loadAfter = loadavg();
  const minutes = round((performance.now() - startedAt) / 60_000, 1);
  // A partial run (--only) has no summary: its rows were printed as they ran.
  if (results.length < CONFIGURATIONS.length) return;
  const p99 = (mode: Mode) => {
    const saturated = results.filter((r) => r.blockIntervalMs === (mode.blockIntervalMs ?? null) && r.concurrency > 1);
    return {
      hashMs: Math.max(...saturated.map((r) => r.hashMs.p99)),
      relayerOwnMs: Math.max(...saturated.map((r) => r.relayerHashMs.p99)),
      afterFirstHashMs: Math.max(...saturated.map((r) => r.warmP99Ms.hash)),
      afterFirstRelayerOwnMs: Math.max(...saturated.map((r) => r.warmP99Ms.relayerOwn)),
    };
  };
  const summary = {
    machine: { cores: cpus().length, loadBefore: loadBefore.map((l) => round(l, 2)), loadAfter: loadAfter.map((l) => round(l, 2)) },
    minutes,
    nodeAlone: alone,
    runs: results,
    targets: {
      eightKeysOverOneKey: {
        onDemand: ratio(results, `${ON_DEMAND.name}: 1 instance, 8 keys`, `${ON_DEMAND.name}: 1 instance, 1 key`),
        interval: ratio(results, `${INTERVAL.name}: 1 instance, 8 keys`, `${INTERVAL.name}: 1 instance, 1 key`),
        target: 5,
      },
      p99HashMs: {
        onDemand: p99(ON_DEMAND),
        interval: p99(INTERVAL),
        oneAtATime: results.find((r) => r.concurrency === 1)!.hashMs.p99,
        target: 50,
      },
    },
  };
  if (JSON_OUTPUT) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const rows = results.map((r) => [
    r.configuration,
    String(r.delegates),
    r.relayedPerSecond.toFixed(1),
    `${r.hashMs.p50} / ${r.hashMs.p99}`,
    `${r.relayerHashMs.p50} / ${r.relayerHashMs.p99}`,
    `${r.relayerWaitsMs.storeP99} / ${r.relayerWaitsMs.nodeP99}`,
    `${r.warmP99Ms.hash} (${r.warmP99Ms.relayerOwn})`,
    `${r.finalMs.p50} / ${r.finalMs.p99}`,
    Object.entries(r.refused).map(([code, n]) => `${code} ${n}`).join(', ') || '0',
    String(r.failedOnChain),
    r.relayerCpuMsPerDelegate.toFixed(2),
    `${r.load[0]} → ${r.load[1]}`,
  ]);
  const header = ['configuration', 'delegates', 'relayed/s', 'to hash p50/p99 ms', "relayer's own to hash p50/p99 ms", 'of it waiting for Redis / node p99 ms', "p99 to hash after each sender's first (relayer's own) ms", 'to final p50/p99 ms', 'refused', 'failed on chain', 'relayer CPU ms/delegate', 'load'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  const { eightKeysOverOneKey, p99HashMs } = summary.targets;
  console.log(`relayer under load: ${DELEGATES} delegates (ft_transfer) from ${SENDERS} senders per configuration; ${cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')} -> ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; ${minutes} min`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(row));
  console.log(`node alone, on demand (the same transfers sent directly by the ${SENDERS} senders at once, no relayer): ${alone!.perSecond} tx/s, to final p50/p99 ${alone!.finalMs.p50} / ${alone!.finalMs.p99} ms`);
  console.log(`8 keys / 1 key throughput: ${eightKeysOverOneKey.interval}x with a block every ${BLOCK_INTERVAL_MS} ms, ${eightKeysOverOneKey.onDemand}x on demand (target 5x)`);
  console.log(
    `p99 to hash at worst with ${SENDERS} senders at once (the relayer's own): ${p99HashMs.interval.hashMs} (${p99HashMs.interval.relayerOwnMs}) ms with a block every ${BLOCK_INTERVAL_MS} ms, ${p99HashMs.onDemand.hashMs} (${p99HashMs.onDemand.relayerOwnMs}) ms on demand; after each sender's first delegate ${p99HashMs.interval.afterFirstHashMs} (${p99HashMs.interval.afterFirstRelayerOwnMs}) and ${p99HashMs.onDemand.afterFirstHashMs} (${p99HashMs.onDemand.afterFirstRelayerOwnMs}) ms; one at a time ${p99HashMs.oneAtATime} ms (target 50 ms)`,
  );
}

main().catch((error) => {
  console.error(`bench:relayer: ${(error as Error).stack ?? error}${(error as Error).cause ? `\ncause: ${String((error as { cause: unknown }).cause)}` : ''}`);
  process.exit(1);
});

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

interface Configuration {
  name: string;
  instances: number;
  keys: number;
  /** Senders posting at once (default all); `delegates` overrides the run's count. */
  concurrency?: number;
  delegates?: number;
}
const CONFIGURATIONS: Configuration[] = [
  { name: '1 instance, 1 key', instances: 1, keys: 1 },
  { name: '1 instance, 8 keys', instances: 1, keys: 8 },
  { name: '2 instances on one Redis, 8 keys each', instances: 2, keys: 8 },
  // Not saturated: one delegate at a time shows the relayer's own time to hash, without queueing.
  { name: '1 instance, 8 keys, one delegate at a time', instances: 1, keys: 8, concurrency: 1, delegates: 100 },
];

interface RunResult {
  configuration: string;
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
  finalMs: { p50: number; p99: number };
  refused: Record<string, number>;
  failedOnChain: number;
  /** CPU the relayer processes used (user + system, from their /metrics) per delegate relayed: the relayer's own overhead. */
  relayerCpuMsPerDelegate: number;
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

async function main(): Promise<void> {
  const loadBefore = loadavg();
  log(`bench:relayer: ${DELEGATES} delegates from ${SENDERS} senders per configuration; ${cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  // This checkout's node, as npm test starts it (scripts/test.ts): near-workspaces runs the launcher NEAR_SANDBOX_BIN_PATH names.
  const launcher = `${REPO}node_modules/.cache/near-ts-sandbox/launcher/near-sandbox`;
  if (!process.env.NEAR_SANDBOX_BIN_PATH) Object.assign(process.env, { NEAR_TS_SANDBOX_LAUNCHER: launcher, NEAR_SANDBOX_BIN_PATH: launcher, NEAR_SANDBOX_BINARY_PATH: dirname(launcher) });
  await setUpSandboxLauncher(() => {});
  await buildContracts({ log: () => {}, names: ['stablecoin'] });
  const [worker, redis] = await Promise.all([Worker.init(), startRedisServer()]);
  try {
    const rpcUrl = (worker.provider as unknown as { connection: { url: string } }).connection.url;
    const provider = new JsonRpcProvider({ url: rpcUrl });
    const rootWs = worker.rootAccount;
    const root = new Account(rootWs.accountId, provider, (await rootWs.getKey())!.toString() as KeyPairString);

    // Accounts: the token and its owner, the relayer, a sink, and the senders (one key shared by all: only the accounts differ).
    log('setup: token, relayer and senders');
    const make = async (name: string, balance: bigint, key = KeyPair.fromRandom('ed25519')) => {
      const accountId = `${name}.${root.accountId}`;
      await root.signAndSendTransaction({ receiverId: accountId, actions: [actions.createAccount(), actions.transfer(balance), actions.addFullAccessKey(key.getPublicKey())] });
      return { accountId, key, account: new Account(accountId, provider, key.toString() as KeyPairString) };
    };
    const token = await make('token', 50n * NEAR);
    const owner = await make('owner', 1000n * NEAR);
    const relayer = await make('relayer', 1000n * NEAR);
    const sink = await make('sink', NEAR);
    await token.account.signAndSendTransaction({ receiverId: token.accountId, actions: [actions.deployContract(readFileSync(`${REPO}build/stablecoin.wasm`))] });
    const call = (method: string, args: Record<string, unknown>, deposit: bigint) => actions.functionCall(method, args, 12n * TGAS, deposit);
    await token.account.callFunction({ contractId: token.accountId, methodName: 'init', args: { owner_id: owner.accountId }, gas: 100n * TGAS });
    await owner.account.signAndSendTransaction({
      receiverId: token.accountId,
      actions: [call('grant_role', { role: 'master_minter', account_id: owner.accountId }, 1n), call('configure_minter', { account_id: owner.accountId, allowance: (10n ** 30n).toString() }, 1n)],
    });
    const fee = BigInt(((await provider.callFunction({ contractId: token.accountId, method: 'storage_balance_bounds', args: {} })) as { min: string }).min);
    const senderKey = KeyPair.fromRandom('ed25519');
    const senders: string[] = [];
    for (let i = 0; i < SENDERS; i++) senders.push((await make(`s${i}`, NEAR / 10n, senderKey)).accountId);
    for (let i = 0; i < SENDERS + 1; i += 6) {
      const group = [...senders, sink.accountId].slice(i, i + 6);
      await owner.account.signAndSendTransaction({
        receiverId: token.accountId,
        actions: group.flatMap((accountId) => [
          call('storage_deposit', { account_id: accountId }, fee),
          ...(accountId === sink.accountId ? [] : [call('mint', { account_id: accountId, amount: '1000000' }, 1n)]),
        ]),
      });
    }

    const policy = JSON.stringify({
      allowed: { [token.accountId]: ['ft_transfer'] },
      maxGas: (30n * TGAS).toString(),
      maxDeposit: '1',
      rateLimit: { count: 100_000, windowMs: 60_000 },
      allowance: { perSender: NEAR.toString(), periodMs: 86_400_000 },
    });
    const signer = new KeyPairSigner(senderKey);

    // The node alone: the same transfers sent directly by the senders, all at once (each its own
    // nonce sequence, the next once the previous is final), as they post through the relayer: what
    // the node executes without a relayer.
    log('run: node alone (direct ft_transfer, no relayer)');
    const nodeAlone = await (async () => {
      const perSender = Math.ceil(DELEGATES / SENDERS);
      const latencies: number[] = [];
      let sent = 0;
      let expired = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: senders.length }, async (_, stream) => {
          for (let i = stream; i < senders.length; i += senders.length) {
            const account = new Account(senders[i], provider, senderKey.toString() as KeyPairString);
            for (let j = 0; j < perSender && sent < DELEGATES; j++) {
              sent++;
              const t0 = performance.now();
              // A transaction refused as expired (the local node's validity period is 100 blocks) never ran: sign it again.
              for (let attempt = 1; ; attempt++) {
                try {
                  await account.signAndSendTransaction({ receiverId: token.accountId, actions: [actions.functionCall('ft_transfer', { receiver_id: sink.accountId, amount: '1' }, 10n * TGAS, 1n)] });
                  break;
                } catch (error) {
                  if (!(error instanceof TransactionExpiredError) || attempt >= 10) throw error;
                  expired++;
                }
              }
              latencies.push(performance.now() - t0);
            }
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return { transactions: sent, expiredAndResigned: expired, seconds: round(seconds, 2), perSecond: round(latencies.length / seconds), finalMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) } };
    })();
    log(`  ${JSON.stringify(nodeAlone)}`);
    const flush = new Redis(redis.url);
    const results: RunResult[] = [];
    for (const configuration of CONFIGURATIONS.filter((c) => ONLY === undefined || c.name.includes(ONLY))) {
      await flush.flushall();
      const instances = await Promise.all(
        Array.from({ length: configuration.instances }, (_, i) =>
          startRelayerProcess({
            RELAYER_ACCOUNT_ID: relayer.accountId,
            RELAYER_PRIVATE_KEY: relayer.key.toString(),
            RPC_URL: rpcUrl,
            RELAYER_POLICY: policy,
            RELAYER_REDIS_URL: redis.url,
            RELAYER_KEYS: String(configuration.keys),
            RELAYER_INSTANCE: `bench-${configuration.keys}-${i}`,
            ...(process.env.RELAYER_CPU_PROF ? { RELAYER_CPU_PROF: process.env.RELAYER_CPU_PROF } : {}),
          }),
        ),
      );
      // Each sender's delegates, signed before timing: consecutive nonces from its key's nonce.
      const perSender = Math.ceil(DELEGATES / SENDERS);
      const head = BigInt((await provider.viewBlock({ finality: 'optimistic' })).header.height);
      const signed = await Promise.all(
        senders.map(async (accountId) => {
          const { nonce } = await provider.viewAccessKey({ accountId, publicKey: senderKey.getPublicKey().toString(), finalityQuery: { finality: 'optimistic' } });
          return Promise.all(
            Array.from({ length: perSender }, async (_, j) => {
              const delegateAction = buildDelegateAction({
                senderId: accountId,
                receiverId: token.accountId,
                actions: [actions.functionCall('ft_transfer', { receiver_id: sink.accountId, amount: '1' }, 10n * TGAS, 1n)],
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
          const answer = response.json as { status_url?: string; error?: { code: string } };
          if (response.status !== 202) {
            refused[answer.error?.code ?? `HTTP_${response.status}`] = (refused[answer.error?.code ?? `HTTP_${response.status}`] ?? 0) + 1;
            return; // the sender's later nonces would need this one first
          }
          hashMs.push(performance.now() - t0);
          const final = (await httpJson(`${url}${answer.status_url}?wait=final`)).json as { state: string; succeeded?: boolean; status?: unknown; error?: unknown };
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
      const relayerHashMs = instances.flatMap((instance) => instance.log.filter((line) => line.event === 'accepted').map((line) => Number(line.ms))).sort((a, b) => a - b);
      hashMs.sort((a, b) => a - b);
      finalMs.sort((a, b) => a - b);
      const result: RunResult = {
        configuration: configuration.name,
        concurrency,
        instances: configuration.instances,
        keys: configuration.keys,
        delegates: sent,
        senders: Math.min(SENDERS, Math.ceil(sent / perSender)),
        seconds: round(seconds, 2),
        relayedPerSecond: round(finalMs.length / seconds),
        hashMs: { p50: round(percentile(hashMs, 50)), p99: round(percentile(hashMs, 99)) },
        relayerHashMs: { p50: round(percentile(relayerHashMs, 50)), p99: round(percentile(relayerHashMs, 99)) },
        finalMs: { p50: round(percentile(finalMs, 50)), p99: round(percentile(finalMs, 99)) },
        refused,
        failedOnChain,
        relayerCpuMsPerDelegate: round((1000 * cpuAfter.reduce((sum, c, i) => sum + c - cpuBefore[i], 0)) / Math.max(1, finalMs.length), 2),
      };
      log(`  ${JSON.stringify(result)}`);
      results.push(result);
    }
    flush.disconnect();
    const loadAfter = loadavg();
    // A partial run (--only) has no ratios: its rows were printed as they ran.
    if (results.length < CONFIGURATIONS.length) return;
    const oneKey = results[0].relayedPerSecond;
    const eightKeys = results[1].relayedPerSecond;
    const summary = {
      machine: { cores: cpus().length, loadBefore: loadBefore.map((l) => round(l, 2)), loadAfter: loadAfter.map((l) => round(l, 2)) },
      nodeAlone,
      runs: results,
      targets: {
        eightKeysOverOneKey: { measured: round(eightKeys / oneKey, 2), target: 5 },
        p99HashMs: {
          saturated: Math.max(...results.slice(0, 3).map((r) => r.hashMs.p99)),
          saturatedRelayerOwn: Math.max(...results.slice(0, 3).map((r) => r.relayerHashMs.p99)),
          oneAtATime: results[3].hashMs.p99,
          target: 50,
        },
      },
    };
    if (JSON_OUTPUT) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      const rows = results.map((r) => [
        r.configuration,
        String(r.delegates),
        r.relayedPerSecond.toFixed(1),
        `${r.hashMs.p50} / ${r.hashMs.p99}`,
        `${r.relayerHashMs.p50} / ${r.relayerHashMs.p99}`,
        `${r.finalMs.p50} / ${r.finalMs.p99}`,
        Object.entries(r.refused).map(([code, n]) => `${code} ${n}`).join(', ') || '0',
        String(r.failedOnChain),
        r.relayerCpuMsPerDelegate.toFixed(2),
      ]);
      const header = ['configuration', 'delegates', 'relayed/s', 'to hash p50/p99 ms', "relayer's own to hash p50/p99 ms", 'to final p50/p99 ms', 'refused', 'failed on chain', 'relayer CPU ms/delegate'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
      console.log(`relayer under load: ${DELEGATES} delegates (ft_transfer) from ${SENDERS} senders per configuration; ${cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')} -> ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
      console.log(line(header));
      console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
      for (const row of rows) console.log(line(row));
      console.log(`node alone (the same transfers sent directly by the ${SENDERS} senders at once, no relayer): ${nodeAlone.perSecond} tx/s, to final p50/p99 ${nodeAlone.finalMs.p50} / ${nodeAlone.finalMs.p99} ms`);
      console.log(`8 keys / 1 key throughput: ${summary.targets.eightKeysOverOneKey.measured}x (target 5x); p99 to hash ${summary.targets.p99HashMs.oneAtATime} ms one at a time, ${summary.targets.p99HashMs.saturated} ms at worst with ${SENDERS} senders at once (the relayer's own ${summary.targets.p99HashMs.saturatedRelayerOwn} ms) (target 50 ms)`);
    }
  } finally {
    await Promise.all([worker.tearDown(), redis.stop()]);
  }
}

main().catch((error) => {
  console.error(`bench:relayer: ${(error as Error).stack ?? error}${(error as Error).cause ? `\ncause: ${String((error as { cause: unknown }).cause)}` : ''}`);
  process.exit(1);
});

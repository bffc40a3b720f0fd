/**
 * The relayer suites' fixture: gasless users (their whole balance is their storage stake, their
 * only key a function-call key for the payout contract's `claim`), signed claim delegates, the
 * relayer started over HTTP, and a counting proxy between the relayer and the node that shows
 * which JSON-RPC methods the relayer called.
 */
import type { ExecutionContext, TestFn } from 'ava';
import { Worker } from 'near-workspaces';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, SignedTransaction, actions, buildDelegateAction, encodeSignedDelegate, type KeyPairString } from 'near-api-js';
import { createRelayer, startRelayerServer, type RelayerConfig, type RelayerStore, type RelayPolicy } from '../../packages/relayer/src/index.js';
import { startRedisServer, type RedisServer } from '../../packages/relayer/test/helpers/redis-server.js';
import { createAccount, deployPayout, NEAR, TGAS, type Fixture, type PayoutContext } from './payout.js';

export interface RelayerContext extends PayoutContext {
  rpcUrl: string;
}

/** Byte cost of storage (nearcore storage_amount_per_byte, 10^19 yoctoNEAR). */
export const BYTE_COST = 10n ** 19n;

export interface User {
  accountId: string;
  /** The function-call key (payout contract, method claim) the user signs with. */
  claimKey: KeyPair;
  account: Account;
}

/**
 * A user whose balance is exactly its storage stake: it cannot pay for any transaction. Created
 * by a funded parent with CreateAccount + Transfer + AddKey(function-call key for `claim`).
 */
export async function gaslessUser(t: ExecutionContext<RelayerContext>, f: Fixture, name: string): Promise<User> {
  const parent = await createAccount(t, 'parent', 20n * NEAR);
  const provider = new JsonRpcProvider({ url: t.context.rpcUrl });
  const parentAccount = new Account(parent.accountId, provider, (await parent.getKey())!.toString() as KeyPairString);
  const claimKey = KeyPair.fromRandom('ed25519');
  const create = (accountId: string, balance: bigint) =>
    parentAccount.signAndSendTransaction({
      receiverId: accountId,
      actions: [actions.createAccount(), actions.transfer(balance), actions.addFunctionCallAccessKey(claimKey.getPublicKey(), f.payout.accountId, ['claim'])],
    });
  // The storage of an account with this key, measured on a probe account of the same id length,
  // so the user can be created holding exactly its stake.
  const probe = `${name}p.${parent.accountId}`;
  const accountId = `${name}u.${parent.accountId}`;
  await create(probe, NEAR / 100n);
  const stake = BigInt((await provider.viewAccount({ accountId: probe })).storage_usage) * BYTE_COST;
  await create(accountId, stake);
  const account = new Account(accountId, provider, claimKey.toString() as KeyPairString);
  return { accountId, claimKey, account };
}

/** A payout contract with a token pool holding `funded` and a gasless user allocated `amount` of it. */
export async function claimantOfPool(t: ExecutionContext<RelayerContext>, name: string, amount: bigint, funded: bigint) {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  await f.fundTokens(poolId, funded);
  const user = await gaslessUser(t, f, name);
  await f.allocate(poolId, [[user.accountId, amount]]);
  return { f, poolId, user };
}

export async function signClaim(
  user: User,
  f: Fixture,
  poolId: number,
  options: { gas?: bigint; method?: string; receiverId?: string; deposit?: bigint; blockHeightTtl?: number } = {},
): Promise<string> {
  const { signedDelegate } = await user.account.createSignedMetaTransaction({
    receiverId: options.receiverId ?? f.payout.accountId,
    actions: [actions.functionCall(options.method ?? 'claim', { pool_id: poolId }, options.gas ?? 150n * TGAS, options.deposit ?? 0n)],
    blockHeightTtl: options.blockHeightTtl ?? 200,
  });
  return Buffer.from(encodeSignedDelegate(signedDelegate)).toString('base64');
}

/** `count` claim delegates of one user with consecutive nonces (what a client posting several at once signs). */
export async function signClaims(t: ExecutionContext<RelayerContext>, user: User, f: Fixture, poolId: number, count: number, gas = 30n * TGAS): Promise<string[]> {
  const provider = new JsonRpcProvider({ url: t.context.rpcUrl });
  const key = await provider.viewAccessKey({ accountId: user.accountId, publicKey: user.claimKey.getPublicKey().toString() });
  const height = await headHeight(t);
  const signer = new KeyPairSigner(user.claimKey);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const delegateAction = buildDelegateAction({
        senderId: user.accountId,
        receiverId: f.payout.accountId,
        actions: [actions.functionCall('claim', { pool_id: poolId }, gas, 0n)],
        nonce: BigInt(key.nonce) + 1n + BigInt(i),
        maxBlockHeight: height + 200n,
        publicKey: user.claimKey.getPublicKey(),
      });
      const { signedDelegate } = await signer.signDelegateAction(delegateAction);
      return Buffer.from(encodeSignedDelegate(signedDelegate)).toString('base64');
    }),
  );
}

/**
 * Posts to /relay; when accepted (202), follows `GET /status/<hash>?wait=final` and answers the
 * final status (200) with the acceptance in `accepted`. A refusal is answered as posted.
 */
export async function relay(url: string, body: unknown, raw = false): Promise<{ status: number; body: Record<string, any>; accepted?: Record<string, any> }> {
  const response = await fetch(`${url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
  const answer = (await response.json()) as Record<string, any>;
  if (response.status !== 202) return { status: response.status, body: answer };
  const final = await fetch(`${url}${answer.status_url}?wait=final`);
  return { status: final.status, body: (await final.json()) as Record<string, any>, accepted: answer };
}

/**
 * A relayer for the payout contract's `claim` over HTTP, paid by a fresh account. `rpcUrl` lets a
 * test put a proxy in front of the node; `relayerAccountId`/`privateKey` restart one relayer.
 */
export async function startRelayer(
  t: ExecutionContext<RelayerContext>,
  f: Fixture,
  options: { policy?: Partial<RelayPolicy>; store?: RelayerStore; rpcUrl?: string; keys?: number; instance?: string; statusWaitMs?: number; corsOrigins?: string[]; relayerAccount?: { accountId: string; privateKey: KeyPairString } } & Pick<RelayerConfig, 'resumeRetryMs' | 'log'> = {},
) {
  const relayerAccount = options.relayerAccount ?? (await (async () => {
    const account = await createAccount(t, 'relayer', 200n * NEAR);
    return { accountId: account.accountId, privateKey: (await account.getKey())!.toString() as KeyPairString };
  })());
  const relayer = createRelayer({
    rpcUrl: options.rpcUrl ?? t.context.rpcUrl,
    accountId: relayerAccount.accountId,
    privateKey: relayerAccount.privateKey,
    policy: { allowed: { [f.payout.accountId]: ['claim'] }, maxGas: 150n * TGAS, ...options.policy },
    store: options.store,
    keys: options.keys,
    instance: options.instance,
    statusWaitMs: options.statusWaitMs,
    resumeRetryMs: options.resumeRetryMs,
    log: options.log,
  });
  const server = await startRelayerServer(relayer, { corsOrigins: options.corsOrigins });
  let closed = false;
  const close = async () => {
    if (!closed) await server.close();
    closed = true;
  };
  t.teardown(close);
  return { relayerAccount, relayer, server, close };
}

export async function nearBalance(t: ExecutionContext<RelayerContext>, accountId: string): Promise<bigint> {
  const view = await new JsonRpcProvider({ url: t.context.rpcUrl }).viewAccount({ accountId });
  return BigInt(view.amount);
}

/**
 * The relayer account's balance once the gas refunds of its transactions so far ran: the relayer adds its pool keys
 * and follows what it relays at EXECUTED_OPTIMISTIC, which on nearcore does not wait for the refund receipt
 * (view_client_actor.rs `get_tx_execution_status`). A transaction the account signs now with its main key is
 * included after the block that made any such refund, so once it is FINAL they all ran. It costs the account a
 * transfer's fees: read a starting balance with this, and later balances after `settledRelays`.
 */
export async function startingBalance(t: ExecutionContext<RelayerContext>, relayerAccount: { accountId: string; privateKey: KeyPairString }): Promise<bigint> {
  const account = new Account(relayerAccount.accountId, new JsonRpcProvider({ url: t.context.rpcUrl }), relayerAccount.privateKey);
  await account.signAndSendTransaction({ receiverId: relayerAccount.accountId, actions: [actions.transfer(0n)], waitUntil: 'FINAL' });
  return nearBalance(t, relayerAccount.accountId);
}

/** Waits until the relayed transactions are FINAL, their gas refunds run (the relayer follows them to EXECUTED_OPTIMISTIC). */
export async function settledRelays(t: ExecutionContext<RelayerContext>, relayerId: string, hashes: string[]): Promise<void> {
  const provider = new JsonRpcProvider({ url: t.context.rpcUrl });
  await Promise.all(hashes.map((txHash) => provider.viewTransactionStatus({ txHash, accountId: relayerId, waitUntil: 'FINAL' })));
}

export async function headHeight(t: ExecutionContext<RelayerContext>): Promise<bigint> {
  return BigInt((await new JsonRpcProvider({ url: t.context.rpcUrl }).viewBlock({ finality: 'optimistic' })).header.height);
}

export async function headGasPrice(t: ExecutionContext<RelayerContext>): Promise<bigint> {
  return BigInt((await new JsonRpcProvider({ url: t.context.rpcUrl }).viewBlock({ finality: 'optimistic' })).header.gas_price);
}

/** JSON-RPC methods that hand the node a transaction. */
/** A send_tx the proxy passed on: its key, nonce and wait level, when it was sent and when the node answered. */
export interface Send {
  publicKey: string;
  nonce: bigint;
  waitUntil: string;
  sentAt: number;
  answeredAt?: number;
}

const SUBMISSIONS = new Set(['send_tx', 'broadcast_tx_commit', 'broadcast_tx_async']);

/** Listens on a free loopback port until the test ends (open connections closed first); its base URL. */
export async function serveOnLoopback(t: ExecutionContext, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** `relayer_resend_checks_total` by `result`, from the Prometheus text a relayer serves at /metrics. */
export function resendChecks(metricsText: string): Record<string, number> {
  return Object.fromEntries([...metricsText.matchAll(/^relayer_resend_checks_total\{result="(\w+)"\} (\d+)$/gm)].map(([, result, count]) => [result!, Number(count)]));
}

/**
 * An HTTP proxy to the node that counts the JSON-RPC calls through it. Calls for which `hold`
 * answers true are never answered (a node that stops answering mid-request); a number, passed on after
 * that many ms (a slow node); 'unavailable', answered HTTP 503 without reaching the node.
 */
export async function countingRpcProxy(t: ExecutionContext<RelayerContext>, hold?: (request: { method: string; params: Record<string, unknown> }) => boolean | number | 'unavailable') {
  const calls: string[] = [];
  const queries: Record<string, unknown>[] = [];
  const sends: Send[] = [];
  let held = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const call = JSON.parse(body.toString('utf8')) as { method: string; params: Record<string, unknown> };
    calls.push(String(call.method));
    if (call.method === 'query') queries.push(call.params);
    const holding = hold?.(call);
    if (holding === true) {
      held++;
      return;
    }
    if (holding === 'unavailable') {
      response.writeHead(503, { 'content-type': 'text/plain' });
      return response.end('Service Unavailable');
    }
    if (typeof holding === 'number') await new Promise((resolve) => setTimeout(resolve, holding));
    let send: Send | undefined;
    if (call.method === 'send_tx') {
      const { transaction } = SignedTransaction.decode(Buffer.from(String(call.params.signed_tx_base64), 'base64'));
      sends.push((send = { publicKey: transaction.publicKey.toString(), nonce: BigInt(transaction.nonce), waitUntil: String(call.params.wait_until), sentAt: performance.now() }));
    }
    const answer = await fetch(t.context.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const bytes = Buffer.from(await answer.arrayBuffer());
    if (send) send.answeredAt = performance.now();
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(bytes);
  });
  const url = await serveOnLoopback(t, server);
  return {
    url,
    /** Every JSON-RPC call so far, in order. */
    calls,
    submissions: () => calls.filter((method) => SUBMISSIONS.has(method)).length,
    /** The params of every `query` call so far (views, access keys), in order. */
    queries,
    /** Every send_tx so far, in the order sent: the key and nonce it carries, and when the node answered. */
    sends,
    /** Calls held unanswered so far. */
    held: () => held,
  };
}

/** A node started for a relayer suite, and its RPC URL. */
async function relayerWorker(): Promise<RelayerContext> {
  const worker = await Worker.init();
  return { worker, root: worker.rootAccount, rpcUrl: (worker.provider as unknown as { connection: { url: string } }).connection.url };
}

/** One node and one redis-server (shared by a suite's instances, as a load balancer's are) for a whole relayer suite. */
export function useRelayerWorkerAndRedis(test: TestFn<RelayerContext & { redis: RedisServer }>): void {
  test.before(async (t) => {
    const [context, redis] = await Promise.all([relayerWorker(), startRedisServer()]);
    t.context = { ...context, redis };
  });
  test.after.always(async (t) => {
    await Promise.all([t.context.worker?.tearDown(), t.context.redis?.stop()]);
  });
}

/** One node for a whole relayer suite: started before its tests, torn down after them. */
export function useRelayerWorker(test: TestFn<RelayerContext>): void {
  test.before(async (t) => {
    t.context = await relayerWorker();
  });
  test.after.always(async (t) => {
    await t.context.worker?.tearDown();
  });
}

/**
 * Issue 18, "no accepted request is lost or submitted twice", after an ambiguous send: the relayer's
 * send_tx client posts the same bytes again after an HTTP 503 (as near-api-js does), so the copy it
 * sent first may already be in a block when the resend is refused; so may a transaction a killed relayer
 * sent, which its restarted process sends again. The relayer must look that hash up
 * before it signs the delegate again (packages/relayer/src/key-pool.ts, "submitted once"): one
 * transaction of its key lands, it pays once, the status names the hash that landed and the sender's
 * allowance is charged what was paid.
 *
 * The refusal is the node's answer to a resend once the chain is past the transaction's validity
 * period, as nearcore's: its client checks the validity period before anything else
 * (chain/client/src/rpc_handler.rs `process_tx_internal`, `check_transaction_validity_period`) and its RPC
 * looks the hash up only after an InvalidNonce (chain/jsonrpc/src/lib.rs `send_tx_internal` → `tx_exists`),
 * so a landed transaction sent again that late is answered `Expired`. The proxy moves the real chain past
 * the validity period (`sandbox_fast_forward`), checks that it is, and passes the resend on to the node.
 *
 * The tests run one at a time (`test.serial`): they share one node, and each moves its chain past the
 * validity period, which expires any transaction another test signed and has not sent yet. Run
 * concurrently under load (CI, 2 cores), one test's fast-forward came between another's signing and its
 * first send: the node refused that first copy as Expired, so no copy could ever land and the relayer
 * rightly signed the delegate again, which the test read as the relayer not following a landed copy.
 * The proxy now checks what the node answered the first copy, and that interleaving is a test of its own
 * (`expireFirst`).
 */
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProvider, SignedTransaction, type KeyPairString } from 'near-api-js';
import { base58 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { derivePoolKey, localStore } from '../packages/relayer/src/index.js';
import { budgetsFor } from '../packages/relayer/src/allowance.js';
import { decodeSignedDelegate } from '../packages/relayer/src/delegate.js';
import { createAccount, NEAR, TGAS } from './helpers/payout.js';
import { startRelayerProcess } from '../packages/relayer/test/helpers/processes.js';
import { claimantOfPool, nearBalance, resendChecks, serveOnLoopback, relay, settledRelays, signClaim, startingBalance, startRelayer, useRelayerWorker, type RelayerContext } from './helpers/relayer.js';

const test = anyTest as TestFn<RelayerContext>;

useRelayerWorker(test);

/** The local node's `transaction_validity_period` (packages/sandbox genesis). */
const VALIDITY_BLOCKS = 100;
/** nearcore's `error.data` for a transaction past its validity period. */
const EXPIRED = { TxExecutionError: { InvalidTxError: 'Expired' } };

async function rpcCall(t: ExecutionContext<RelayerContext>, method: string, params: unknown): Promise<any> {
  const answer = (await (await fetch(t.context.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: '1', method, params }) })).json()) as { result?: unknown; error?: unknown };
  if (answer.error !== undefined) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

/**
 * A proxy to the node for the relayer. Once `arm(publicKey)` is called, the next send_tx signed with that
 * key is passed to the node and its answer awaited and kept (`forwardFirst`: the transaction is then in a
 * block, or refused: `firstRefusal`) or dropped (it never reaches the node); `expireFirst`: the chain is moved
 * past its validity period before it is passed on, so the node refuses it Expired, and the relayer is answered HTTP 503 (`first: 'unavailable'`)
 * or never answered (`first: 'held'`: the relayer is killed meanwhile; `landed` resolves), in which case
 * the first `tx` asked for it at EXECUTED_OPTIMISTIC is answered 503 too (a restarted relayer then cannot
 * learn its outcome before sending it again). The next send of the same bytes reaches the node once the
 * chain is past its validity period; the node's refusal is kept (`resendRefusal`). `forgets`: every `tx` for the
 * armed transaction is answered UNKNOWN_TRANSACTION, as a node that garbage-collected it answers (nearcore keeps
 * transactions a few epochs). Everything else is passed on.
 */
async function ambiguousSendProxy(
  t: ExecutionContext<RelayerContext>,
  { forwardFirst, first = 'unavailable', forgets = false, expireFirst = false }: { forwardFirst: boolean; first?: 'unavailable' | 'held'; forgets?: boolean; expireFirst?: boolean },
) {
  let armed: string | undefined;
  let outcomeRefused = false;
  let landed!: () => void;
  const landedOnce = new Promise<void>((resolve) => (landed = resolve));
  /** The armed transaction's copies as they arrived (hash of each), and every later send_tx with the armed key. */
  const copies: string[] = [];
  const laterSends: string[] = [];
  let firstRefusal: unknown;
  let resendRefusal: unknown;
  /** Moves the real chain past the validity period of `signed`'s block, and checks that it is. */
  const expire = async (signed: SignedTransaction) => {
    const blockHash = base58.encode(Uint8Array.from(signed.transaction.blockHash));
    const signedAt = Number((await rpcCall(t, 'block', { block_id: blockHash })).header.height);
    await rpcCall(t, 'sandbox_fast_forward', { delta_height: VALIDITY_BLOCKS + 10 });
    const head = Number((await rpcCall(t, 'block', { finality: 'optimistic' })).header.height);
    if (head - signedAt <= VALIDITY_BLOCKS) throw new Error(`the chain is not past the validity period: head ${head}, block ${signedAt}`);
  };
  /** The node's `error.data` in an answer, if it refused. */
  const refusalIn = (answer: Buffer): unknown => (JSON.parse(answer.toString('utf8')) as { error?: { data?: unknown } }).error?.data;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const call = JSON.parse(body.toString('utf8')) as { id: string; method: string; params: Record<string, unknown> };
    const pass = async (): Promise<Buffer> => {
      const answer = await fetch(t.context.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answered = Buffer.from(await answer.arrayBuffer());
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answered);
      return answered;
    };
    if (first === 'held' && call.method === 'tx' && call.params.tx_hash === copies[0] && call.params.wait_until === 'EXECUTED_OPTIMISTIC' && !outcomeRefused) {
      outcomeRefused = true;
      response.writeHead(503, { 'content-type': 'text/plain' });
      return response.end('Service Unavailable');
    }
    if (forgets && call.method === 'tx' && call.params.tx_hash === copies[0]) {
      const info = { requested_transaction_hash: copies[0] };
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, error: { name: 'HANDLER_ERROR', cause: { name: 'UNKNOWN_TRANSACTION', info }, code: -32000, message: 'Server error', data: `Transaction ${copies[0]} doesn't exist` } }));
    }
    if (call.method !== 'send_tx' || armed === undefined) return pass();
    const signed = SignedTransaction.decode(Buffer.from(String(call.params.signed_tx_base64), 'base64'));
    if (signed.transaction.publicKey.toString() !== armed) return pass();
    const hash = base58.encode(sha256(signed.transaction.encode()));
    if (copies.length === 0) {
      copies.push(hash);
      if (expireFirst) await expire(signed);
      if (forwardFirst) firstRefusal = refusalIn(Buffer.from(await (await fetch(t.context.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).arrayBuffer()));
      if (first === 'held') return landed();
      response.writeHead(503, { 'content-type': 'text/plain' });
      return response.end('Service Unavailable');
    }
    if (copies.length === 1 && hash === copies[0]) {
      copies.push(hash);
      await expire(signed);
      resendRefusal = refusalIn(await pass());
      return;
    }
    laterSends.push(hash);
    return pass();
  });
  const url = await serveOnLoopback(t, server);
  return {
    url,
    arm: (publicKey: string) => void (armed = publicKey),
    copies,
    laterSends,
    landed: landedOnce,
    outcomeRefused: () => outcomeRefused,
    firstRefusal: () => firstRefusal,
    resendRefusal: () => resendRefusal,
  };
}

/**
 * The relayer process's log lines of `event`, once there is one: the CLI writes its log every 20 ms
 * (packages/relayer/src/cli.ts), so a line can come after the answer that followed its event.
 */
async function loggedEvents(instance: { log: Record<string, unknown>[] }, event: string): Promise<Record<string, unknown>[]> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (instance.log.some((line) => line.event === event)) break;
  }
  return instance.log.filter((line) => line.event === event);
}

/** One claim relayed through the proxy with the first copy of its transaction `forwardFirst` or not (`expireFirst`: refused); what the chain and the store say after. */
async function relayAfterAmbiguousSend(t: ExecutionContext<RelayerContext>, name: string, forwardFirst: boolean, { forgets = false, expireFirst = false } = {}) {
  const { f, poolId, user } = await claimantOfPool(t, name, 1_000n, 10_000n);
  const proxy = await ambiguousSendProxy(t, { forwardFirst, forgets, expireFirst });
  const dir = mkdtempSync(join(tmpdir(), 'relayer-store-'));
  const store = await localStore(dir);
  t.teardown(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const allowance = { perSender: NEAR, periodMs: 3_600_000 };
  const { relayer, relayerAccount, server } = await startRelayer(t, f, { rpcUrl: proxy.url, store, policy: { allowance } });
  await relayer.ready();
  const poolKey = derivePoolKey(relayerAccount.privateKey, 'main', 0).getPublicKey().toString();
  const provider = new JsonRpcProvider({ url: t.context.rpcUrl });
  const keyNonce = async () => BigInt((await provider.viewAccessKey({ accountId: relayerAccount.accountId, publicKey: poolKey })).nonce);
  const before = await startingBalance(t, relayerAccount);
  const nonceBefore = await keyNonce();

  proxy.arm(poolKey);
  // Valid well past the blocks the proxy moves the chain by.
  const delegate = await signClaim(user, f, poolId, { blockHeightTtl: 1_000 });
  const relayed = await relay(server.url, { signed_delegate_action: delegate });
  if (forwardFirst) t.deepEqual(proxy.firstRefusal(), expireFirst ? EXPIRED : undefined, expireFirst ? 'the node refused the first copy as Expired' : 'the node took the first copy');
  t.is(relayed.body.state, forgets ? 'outcome_unknown' : 'final', JSON.stringify(relayed.body));
  t.deepEqual(proxy.copies, [relayed.accepted!.transaction_hash, relayed.accepted!.transaction_hash], 'sent, answered 503, sent again with the same bytes');
  t.deepEqual(proxy.resendRefusal(), EXPIRED, 'the node refused the resend as Expired');
  await settledRelays(t, relayerAccount.accountId, [relayed.body.transaction_hash]);
  const sender = decodeSignedDelegate(delegate);
  const senderKeyNonce = BigInt((await provider.viewAccessKey({ accountId: sender.senderId, publicKey: sender.publicKey })).nonce);
  const [senderBudget] = budgetsFor(decodeSignedDelegate(delegate), allowance, Date.now());
  return {
    relayed,
    proxy,
    paid: before - (await nearBalance(t, relayerAccount.accountId)),
    charged: await store.spent(senderBudget, Date.now()),
    keyNonceIncrease: (await keyNonce()) - nonceBefore,
    resendChecks: resendChecks(await (await fetch(`${server.url}/metrics`)).text()),
    delegateNonce: sender.nonce,
    senderKeyNonce,
  };
}

test.serial('a resend refused as Expired after the first copy landed: the relayer finds the landed hash and follows it; one transaction of its key lands, paid and charged once', async (t) => {
  const { relayed, proxy, paid, charged, keyNonceIncrease, resendChecks } = await relayAfterAmbiguousSend(t, 'landed', true);
  t.deepEqual(resendChecks, { followed: 1 }, 'the look-up that followed the landed copy is counted');
  t.true(relayed.body.succeeded, JSON.stringify(relayed.body.status));
  t.is(relayed.body.transaction_hash, relayed.accepted!.transaction_hash, 'the status names the hash that landed (the first copy)');
  t.deepEqual(proxy.laterSends, [], 'nothing signed again was sent');
  t.is(keyNonceIncrease, 1n, 'one transaction of the pool key landed');
  t.true(paid > 0n, `paid ${paid}`);
  t.is(charged, paid, 'the allowance is charged once, exactly what the relayer paid');
});

test.serial('a resend refused as Expired after the first copy landed, on a node that no longer knows that hash (garbage-collected): the delegate\'s nonce is used on chain, so nothing is signed again; the job ends outcome_unknown (DELEGATE_NONCE_USED) and its reservation stays spent', async (t) => {
  const { relayed, proxy, paid, charged, keyNonceIncrease, resendChecks, delegateNonce, senderKeyNonce } = await relayAfterAmbiguousSend(t, 'forgot', true, { forgets: true });
  t.deepEqual(resendChecks, { delegate_used: 1 }, 'the look-up that found the delegate used is counted');
  t.is(relayed.body.error?.code, 'DELEGATE_NONCE_USED', JSON.stringify(relayed.body));
  t.regex(relayed.body.error?.message, new RegExp(`nonce ${delegateNonce} is used on chain`));
  t.is(relayed.body.transaction_hash, relayed.accepted!.transaction_hash, 'the status names the transaction that may have carried it');
  t.is(senderKeyNonce, delegateNonce, 'the first copy ran the delegate');
  t.deepEqual(proxy.laterSends, [], 'nothing signed again was sent');
  t.is(keyNonceIncrease, 1n, 'one transaction of the pool key landed: paid once');
  t.true(paid > 0n, `paid ${paid}`);
  t.true(charged >= paid, `the reservation stays spent: charged ${charged}, paid ${paid}`);
});

/** What a relay whose every copy was refused or lost ends with: signed again once, and that transaction lands, paid and charged once. */
function signedAgainOnce(t: ExecutionContext<RelayerContext>, { relayed, proxy, paid, charged, keyNonceIncrease, resendChecks }: Awaited<ReturnType<typeof relayAfterAmbiguousSend>>): void {
  t.deepEqual(resendChecks, { signed_again: 1 }, 'the look-up that found no copy and signed again is counted');
  t.true(relayed.body.succeeded, JSON.stringify(relayed.body.status));
  t.not(relayed.body.transaction_hash, relayed.accepted!.transaction_hash, 'the status names the transaction signed again');
  t.deepEqual(proxy.laterSends, [relayed.body.transaction_hash], 'signed again once, and that is the one that landed');
  t.is(keyNonceIncrease, 1n, 'one transaction of the pool key landed');
  t.is(charged, paid, 'the allowance is charged once, exactly what the relayer paid');
}

test.serial('a resend refused as Expired when no copy reached the node: the hash is unknown and can never be included, so the delegate is signed again (same nonce, newer block) and lands once', async (t) => {
  signedAgainOnce(t, await relayAfterAmbiguousSend(t, 'lost', false));
});

test.serial('a first copy the node refused as Expired (the chain passed its validity period between signing and sending), answered 503, its resend refused as Expired too: no copy can land, so the delegate is signed again and lands once', async (t) => {
  signedAgainOnce(t, await relayAfterAmbiguousSend(t, 'refused', true, { expireFirst: true }));
});

test.serial('a relayer killed after its transaction landed, unanswered: the restarted relayer cannot learn the outcome, sends the same bytes, is refused as Expired, finds the landed hash and follows it; paid and charged once', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'killed', 1_000n, 10_000n);
  const proxy = await ambiguousSendProxy(t, { forwardFirst: true, first: 'held' });
  const relayerAccount = await createAccount(t, 'relayer', 100n * NEAR);
  const privateKey = (await relayerAccount.getKey())!.toString() as KeyPairString;
  const dir = mkdtempSync(join(tmpdir(), 'relayer-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const allowance = { perSender: NEAR.toString(), periodMs: 3_600_000 };
  const env = {
    RELAYER_ACCOUNT_ID: relayerAccount.accountId,
    RELAYER_PRIVATE_KEY: privateKey,
    RPC_URL: proxy.url,
    RELAYER_POLICY: JSON.stringify({ allowed: { [f.payout.accountId]: ['claim'] }, maxGas: (150n * TGAS).toString(), allowance }),
    RELAYER_STORE: dir,
  };
  let instance = await startRelayerProcess(env);
  t.teardown(() => instance.kill());
  const poolKey = derivePoolKey(privateKey, 'main', 0).getPublicKey().toString();
  const provider = new JsonRpcProvider({ url: t.context.rpcUrl });
  const keyNonce = async () => BigInt((await provider.viewAccessKey({ accountId: relayerAccount.accountId, publicKey: poolKey })).nonce);
  const before = await startingBalance(t, { accountId: relayerAccount.accountId, privateKey });
  const nonceBefore = await keyNonce();

  proxy.arm(poolKey);
  const delegate = await signClaim(user, f, poolId, { blockHeightTtl: 1_000 });
  const posted = await fetch(`${instance.url}/relay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signed_delegate_action: delegate }) });
  t.is(posted.status, 202);
  const hash = String(((await posted.json()) as { transaction_hash: string }).transaction_hash);
  await proxy.landed;
  t.is(proxy.firstRefusal(), undefined, 'the node took the first copy');
  await instance.kill();

  instance = await startRelayerProcess(env);
  const final = (await (await fetch(`${instance.url}/status/${hash}?wait=final`)).json()) as Record<string, any>;
  t.is(final.state, 'final', JSON.stringify(final));
  t.true(proxy.outcomeRefused(), 'the restarted relayer asked for the outcome first and was refused');
  t.deepEqual(proxy.copies, [hash, hash], 'the same bytes were sent again after the restart');
  t.deepEqual(proxy.resendRefusal(), EXPIRED, 'the node refused the resend as Expired');
  t.true(final.succeeded, JSON.stringify(final.status));
  t.is(final.transaction_hash, hash, 'the status names the hash that landed');
  t.deepEqual(proxy.laterSends, [], 'nothing signed again was sent');
  t.deepEqual(resendChecks(await (await fetch(`${instance.url}/metrics`)).text()), { followed: 1 }, 'the restarted relayer counted the look-up');
  const logged = await loggedEvents(instance, 'resend_check');
  t.is(logged.length, 1, 'and logged it once');
  t.like(logged[0], { result: 'followed', transaction_hash: hash });
  t.regex(String(logged[0]?.refusal), /Expired/i, 'with the refusal that led to it');
  await settledRelays(t, relayerAccount.accountId, [hash]);
  t.is((await keyNonce()) - nonceBefore, 1n, 'one transaction of the pool key landed');
  const paid = before - (await nearBalance(t, relayerAccount.accountId));
  await instance.stop();
  const store = await localStore(dir);
  t.teardown(() => store.close());
  const [senderBudget] = budgetsFor(decodeSignedDelegate(delegate), { perSender: NEAR, periodMs: allowance.periodMs }, Date.now());
  t.true(paid > 0n, `paid ${paid}`);
  t.is(await store.spent(senderBudget, Date.now()), paid, 'the allowance is charged once, exactly what the relayer paid');
});

/**
 * The relayer's resume path for a record signed by a key no longer in its pool (packages/relayer README,
 * "Several instances with Redis"; src/relayer.ts resumeForeign), on the real node and a real redis-server.
 * Each test accepts a claim delegate as an instance with two keys would have: its transaction signed by
 * pool key 1, its reservation and in-flight record written in one store operation (the relayer's own
 * writer, src/in-flight.ts acceptanceOf), then puts the chain into one state and starts the instance
 * again with one key. The decision follows key-pool.ts "submitted once": the relayer pays for every
 * transaction that lands, and a second one carrying the same delegate fails on its nonce
 * (nearcore apply_delegate_action: DelegateActionInvalidNonce) but still burns the relayer's gas.
 */
import { createHash } from 'node:crypto';
import { base58 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { JsonRpcProvider, KeyPairSigner, actions, baseDecode, createTransaction, type Action, type KeyPair } from 'near-api-js';
import { derivePoolKey, redisStore, type RelayerEvent, type RelayerStore, type RelayStatus } from '../packages/relayer/src/index.js';
import { actualCost, budgetsFor, maximumCost } from '../packages/relayer/src/allowance.js';
import { decodeSignedDelegate, type DecodedDelegate } from '../packages/relayer/src/delegate.js';
import { acceptanceOf, readInFlightRecord } from '../packages/relayer/src/in-flight.js';
import { nodeRpc } from '../packages/relayer/src/node-rpc.js';
import type { RedisServer } from '../packages/relayer/test/helpers/redis-server.js';
import { claimantOfPool, countingRpcProxy, headGasPrice, resendChecks, signClaim, startRelayer, useRelayerWorkerAndRedis, type RelayerContext } from './helpers/relayer.js';

type Context = RelayerContext & { redis: RedisServer };
const test = anyTest as TestFn<Context>;
const INSTANCE = 'resume';
const DAY_MS = 24 * 60 * 60 * 1000;

useRelayerWorkerAndRedis(test);

/**
 * A user's claim of 10 tokens accepted by instance `resume` while it had two keys: signed by its pool key 1
 * (never sent), reserved for and recorded in flight on Redis. Answers what the test needs to change the
 * chain and start the instance again.
 */
async function acceptedWithKeyOne(t: ExecutionContext<Context>, name: string) {
  const { f, poolId, user } = await claimantOfPool(t, name, 10n, 1_000n);
  // One prefix per test: ava runs a file's tests at once, and instances of one name would resume each other's records.
  const store = await redisStore(t.context.redis.url, { prefix: `${createHash('sha256').update(t.title).digest('hex').slice(0, 12)}:` });
  t.teardown(() => store.close());
  const first = await startRelayer(t, f, { store, instance: INSTANCE, keys: 2 });
  await first.relayer.ready(); // adds both pool keys to the account
  await first.close();
  const { relayerAccount } = first;
  const keyOne = derivePoolKey(relayerAccount.privateKey, INSTANCE, 1);
  // valid for 2,000 blocks: it outlives the test's transactions and the restart at any block pace
  const delegate = decodeSignedDelegate(await signClaim(user, f, poolId, { blockHeightTtl: 2_000 }));
  const onChain = await new JsonRpcProvider({ url: t.context.rpcUrl }).viewAccessKey({ accountId: relayerAccount.accountId, publicKey: keyOne.getPublicKey().toString() });
  const nonce = BigInt(onChain.nonce) + 1n;
  const { signedTransaction } = await signedWith(t, relayerAccount.accountId, keyOne, nonce, delegate.senderId, [actions.signedDelegate(delegate.signedDelegate)]);
  const base64 = Buffer.from(signedTransaction.encode()).toString('base64');
  const hash = base58.encode(sha256(signedTransaction.transaction.encode()));
  const job = { delegate, delegateId: `${delegate.senderId}/${delegate.publicKey}/${delegate.nonce}`, reserved: { budgets: budgetsFor(delegate, undefined, Date.now()), amount: maximumCost(delegate, await headGasPrice(t)) }, firstHash: hash };
  const accepted = await store.spend(job.reserved.budgets, job.reserved.amount, Date.now(), { ...acceptanceOf(relayerAccount.accountId, INSTANCE, job, base64), takeUntil: Date.now() + DAY_MS });
  t.deepEqual(accepted, { ok: true });
  const record = readInFlightRecord((await store.listInFlight(INSTANCE))[0]);
  t.is(record.hash, hash);
  /**
   * Another transaction of key 1 lands, with the nonce above the recorded one's (so it differs from it
   * whatever block it names): the key's nonce on chain passes the recorded transaction's, which can never land.
   */
  const takeKeyOneNonce = async (receiverId: string, list: Action[]) => {
    const other = await signedWith(t, relayerAccount.accountId, keyOne, nonce + 1n, receiverId, list);
    await new JsonRpcProvider({ url: t.context.rpcUrl }).sendTransactionUntil(other.signedTransaction, 'FINAL');
  };
  return { f, user, store, relayerAccount, delegate, record, reserved: job.reserved.amount, takeKeyOneNonce };
}

/** A transaction of the relayer account signed with `key` and `nonce`, naming the final block (not sent). */
async function signedWith(t: ExecutionContext<Context>, relayerId: string, key: KeyPair, nonce: bigint, receiverId: string, list: Action[]) {
  const block = await new JsonRpcProvider({ url: t.context.rpcUrl }).viewBlock({ finality: 'final' });
  return new KeyPairSigner(key).signTransaction(createTransaction(relayerId, key.getPublicKey(), receiverId, nonce, list, baseDecode(block.header.hash)));
}

/** Starts instance `resume` again with one key (pool key 0) over `rpcUrl`, and waits for its resume at start. */
async function restartWithOneKey(t: ExecutionContext<Context>, s: Awaited<ReturnType<typeof acceptedWithKeyOne>>, rpcUrl: string, resumeRetryMs?: { first: number; max: number }) {
  const events: RelayerEvent[] = [];
  const again = await startRelayer(t, s.f, { store: s.store, instance: INSTANCE, keys: 1, relayerAccount: s.relayerAccount, rpcUrl, resumeRetryMs, log: (event) => events.push(event) });
  await again.relayer.ready();
  const checks = async () => resendChecks(await again.relayer.metrics.registry.metrics());
  return { ...again, events, checks };
}

/** The sender's allowance spent in its budget this period. */
const spentBy = (store: RelayerStore, delegate: DecodedDelegate) => store.spent(budgetsFor(delegate, undefined, Date.now())[0], Date.now());

/** The sender's allowance records what the final status says was paid (Redis rounds each settle up to 10^12 yoctoNEAR). */
function settledTo(spent: bigint, delegate: DecodedDelegate, final: RelayStatus | undefined): boolean {
  if (final?.state !== 'final') return false;
  const paid = actualCost(delegate, final.outcome as Parameters<typeof actualCost>[1]);
  return spent >= paid && spent - paid < 10n ** 12n;
}

test('resumed with fewer keys, its transaction landed but no outcome at first: the node knows the hash, so it is followed, status final with its outcome, nothing signed again', async (t) => {
  const s = await acceptedWithKeyOne(t, 'known');
  const node = nodeRpc(t.context.rpcUrl);
  await node.sendTx(s.record.base64, 'EXECUTED_OPTIMISTIC'); // it landed before the instance stopped
  node.close();
  t.is(await s.f.tokenBalance(s.user.accountId), 10n);
  // The first outcome read at start is answered 503, so the instance looks the hash up (lookForEarlierCopy).
  let refused = false;
  const proxy = await countingRpcProxy(t, ({ method, params }) => {
    if (refused || method !== 'tx' || params.tx_hash !== s.record.hash || params.wait_until !== 'EXECUTED_OPTIMISTIC') return false;
    refused = true;
    return 'unavailable';
  });
  const again = await restartWithOneKey(t, s, proxy.url);
  t.true(refused, 'the outcome read at start failed');

  const final = await again.relayer.status(s.record.firstHash, { waitFinal: true });
  t.like(final, { state: 'final', succeeded: true, transactionHash: s.record.hash });
  t.is(proxy.submissions(), 0, 'nothing sent or signed again');
  t.deepEqual(await again.checks(), { followed: 1 });
  t.like(again.events.find((e) => e.event === 'resend_check'), { result: 'followed', transaction_hash: s.record.hash });
  t.is(await s.f.tokenBalance(s.user.accountId), 10n, 'the delegate ran once');
  t.true(settledTo(await spentBy(s.store, s.delegate), s.delegate, final), 'the reservation settled to what was paid');
  t.deepEqual(await s.store.listInFlight(INSTANCE), []);
});

test('resumed with fewer keys, its transaction can never land (another took its key\'s nonce) and the delegate never ran: signed again with a current pool key, it runs once', async (t) => {
  const s = await acceptedWithKeyOne(t, 'unincludable');
  await s.takeKeyOneNonce(s.relayerAccount.accountId, [actions.transfer(0n)]);
  const proxy = await countingRpcProxy(t);
  const again = await restartWithOneKey(t, s, proxy.url);

  const final = await again.relayer.status(s.record.firstHash, { waitFinal: true });
  t.like(final, { state: 'final', succeeded: true });
  t.not(final!.transactionHash, s.record.hash, 'a new transaction carried it');
  const poolKey = derivePoolKey(s.relayerAccount.privateKey, INSTANCE, 0).getPublicKey().toString();
  t.deepEqual(proxy.sends.map((send) => send.publicKey), [poolKey], 'one transaction sent, signed with pool key 0');
  t.deepEqual(await again.checks(), { signed_again: 1 });
  t.is(await s.f.tokenBalance(s.user.accountId), 10n, 'the delegate ran once');
  t.true(settledTo(await spentBy(s.store, s.delegate), s.delegate, final), 'the reservation settled to what was paid');
  t.deepEqual(await s.store.listInFlight(INSTANCE), []);
});

test('resumed with fewer keys, its transaction unknown and the delegate\'s nonce used on chain (another transaction ran it): the job ends outcome_unknown, nothing signed, the reservation kept as spent', async (t) => {
  const s = await acceptedWithKeyOne(t, 'delegate-used');
  // Another transaction of key 1 carried the same delegate: the recorded one can never land, and the node does not know it.
  await s.takeKeyOneNonce(s.delegate.senderId, [actions.signedDelegate(s.delegate.signedDelegate)]);
  t.is(await s.f.tokenBalance(s.user.accountId), 10n);
  const proxy = await countingRpcProxy(t);
  const again = await restartWithOneKey(t, s, proxy.url);

  const final = await again.relayer.status(s.record.firstHash, { waitFinal: true });
  t.like(final, { state: 'outcome_unknown', transactionHash: s.record.hash, error: { code: 'DELEGATE_NONCE_USED' } });
  t.is(proxy.submissions(), 0, 'nothing sent or signed again');
  t.deepEqual(await again.checks(), { delegate_used: 1 });
  t.is(await s.f.tokenBalance(s.user.accountId), 10n, 'the delegate ran once');
  t.is(await spentBy(s.store, s.delegate), s.reserved, 'the reservation is kept as spent');
  t.deepEqual(await s.store.listInFlight(INSTANCE), []);
});

test('resumed with fewer keys and undecided at start (its transaction could still land): looked at again while the instance runs, it ends once decidable, without a restart', async (t) => {
  const s = await acceptedWithKeyOne(t, 'undecided');
  const proxy = await countingRpcProxy(t);
  const again = await restartWithOneKey(t, s, proxy.url, { first: 200, max: 400 });
  t.like(await again.relayer.status(s.record.firstHash), { state: 'pending' });
  t.deepEqual(await again.checks(), { undecided: 1 });
  t.true(again.events.some((e) => e.event === 'resume_failed' && e.message.includes('looked at again in 200 ms')));
  t.is(proxy.submissions(), 0);

  // Another transaction takes key 1's nonce while the instance runs: the recorded one can never land.
  await s.takeKeyOneNonce(s.relayerAccount.accountId, [actions.transfer(0n)]);
  const final = await again.relayer.status(s.record.firstHash, { waitFinal: true });
  t.like(final, { state: 'final', succeeded: true });
  const checks = await again.checks();
  t.is(checks.signed_again, 1);
  t.true(checks.undecided >= 1, JSON.stringify(checks));
  t.is(again.events.filter((e) => e.event === 'resend_check').length, checks.undecided + 1, 'each look logged');
  t.is(proxy.submissions(), 1, 'signed again once');
  t.is(await s.f.tokenBalance(s.user.accountId), 10n, 'the delegate ran once');
  t.deepEqual(await s.store.listInFlight(INSTANCE), []);
});

test('an undecided record is no longer looked at once the instance is closed (drain), and the next start decides it', async (t) => {
  const s = await acceptedWithKeyOne(t, 'closed');
  const proxy = await countingRpcProxy(t);
  const first = await restartWithOneKey(t, s, proxy.url, { first: 100, max: 100 });
  t.deepEqual(await first.checks(), { undecided: 1 });
  await first.close();
  const looksAtClose = first.events.length;

  await s.takeKeyOneNonce(s.relayerAccount.accountId, [actions.transfer(0n)]);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // ten times the delay between looks
  t.deepEqual(first.events.slice(looksAtClose), [], 'the closed instance looked no more');
  t.is(proxy.submissions(), 0);
  t.is((await s.store.listInFlight(INSTANCE)).length, 1, 'the record stays in the store');

  const next = await restartWithOneKey(t, s, proxy.url);
  t.like(await next.relayer.status(s.record.firstHash, { waitFinal: true }), { state: 'final', succeeded: true });
  t.deepEqual(await next.checks(), { signed_again: 1 });
  t.is(await s.f.tokenBalance(s.user.accountId), 10n, 'the delegate ran once');
  t.deepEqual(await s.store.listInFlight(INSTANCE), []);
});

test('closing while a look is under way waits for it: the delegate it signs again is sent and final before close returns, never signed by a closed instance', async (t) => {
  const s = await acceptedWithKeyOne(t, 'closing-mid-look');
  let slow = false;
  // Once slow, the next look's question to the node about the recorded hash (`tx` at NONE) is answered 1.5 s late.
  const proxy = await countingRpcProxy(t, ({ method, params }) => (slow && method === 'tx' && params.tx_hash === s.record.hash && params.wait_until === 'NONE' ? 1_500 : false));
  const again = await restartWithOneKey(t, s, proxy.url, { first: 300, max: 300 });
  t.deepEqual(await again.checks(), { undecided: 1 });
  await s.takeKeyOneNonce(s.relayerAccount.accountId, [actions.transfer(0n)]);
  const asked = proxy.calls.length;
  slow = true;
  while (!proxy.calls.slice(asked).includes('tx')) await new Promise((resolve) => setTimeout(resolve, 20)); // the look is under way
  await again.close();
  const eventsAtClose = again.events.length;

  t.like(await again.relayer.status(s.record.firstHash), { state: 'final', succeeded: true }, 'the look ended, and its job, before close returned');
  t.is(proxy.submissions(), 1, 'signed again once, while the instance was still open');
  t.is(await s.f.tokenBalance(s.user.accountId), 10n, 'the delegate ran once');
  t.deepEqual(await s.store.listInFlight(INSTANCE), []);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  t.is(again.events.length, eventsAtClose, 'nothing after close');
});

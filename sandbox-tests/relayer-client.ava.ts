/**
 * The relayer's TypeScript client (packages/relayer/src/client.ts, `@near-ts/relayer/client`), the one the app
 * and the `npm start` scenario use: against a relayer process (its CLI) on the local node for what that
 * produces (an accepted claim that succeeds, one that runs and fails, refusals, an unreachable relayer), and
 * against a stand-in HTTP server answering in the relayer's own shapes (src/server.ts `statusBody`) for the
 * states that need fault injection to produce for real: `pending` (the relayer's 30 s wait over),
 * `outcome_unknown` (sandbox-tests/relayer-submit-once.ava.ts makes one with a node proxy that loses answers)
 * and `refused` after acceptance.
 */
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { createServer } from 'node:http';
import { base64 } from '@scure/base';
import { RelayOutcomeUnknownError, RelayRefusedError, RelayStillPendingError, RelayerUnreachableError, relayDelegate, waitForRelayed } from '../packages/relayer/src/client.js';
import type { RelayStatus } from '../packages/relayer/src/index.js';
import { statusBody } from '../packages/relayer/src/server.js';
import { startRelayerProcess } from '../packages/relayer/test/helpers/processes.js';
import { createAccount, NEAR, TGAS, type Fixture } from './helpers/payout.js';
import { claimantOfPool, serveOnLoopback, signClaim, useRelayerWorker, type RelayerContext } from './helpers/relayer.js';

const test = anyTest as TestFn<RelayerContext>;

useRelayerWorker(test);

/** A relayer process (packages/relayer CLI) for the payout contract's `claim`, paid by a fresh account. */
async function relayerProcess(t: ExecutionContext<RelayerContext>, f: Fixture) {
  const relayerAccount = await createAccount(t, 'relayer', 50n * NEAR);
  const instance = await startRelayerProcess({
    RELAYER_ACCOUNT_ID: relayerAccount.accountId,
    RELAYER_PRIVATE_KEY: (await relayerAccount.getKey())!.toString(),
    RPC_URL: t.context.rpcUrl,
    RELAYER_POLICY: JSON.stringify({ allowed: { [f.payout.accountId]: ['claim'] }, maxGas: (150n * TGAS).toString() }),
  });
  t.teardown(() => instance.stop());
  return instance;
}

const HASH = '8Ffb1gNjGV5Wkz2k2N9xELfXPqpbvTRHNSkFrzvC9Jn7';
const WHO = { transactionHash: HASH, senderId: 'user.test.near', receiverId: 'payout.test.near' };

/**
 * A stand-in relayer: accepts any post (202, as src/server.ts answers) and answers the status asks with
 * `answers` in turn (the last one repeated), in `statusBody`'s shapes. Counts the asks.
 */
async function standInRelayer(t: ExecutionContext, answers: RelayStatus[]) {
  let asks = 0;
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    if (request.method === 'POST') {
      response.writeHead(202).end(JSON.stringify({ transaction_hash: HASH, sender_id: WHO.senderId, receiver_id: WHO.receiverId, status_url: `/status/${HASH}` }));
      return;
    }
    const answer = answers[Math.min(asks++, answers.length - 1)]!;
    response.writeHead(200).end(JSON.stringify(statusBody(answer)));
  });
  const url = await serveOnLoopback(t, server);
  return { url, server, asks: () => asks };
}

test('a claim relayed through a relayer process: accepted with its hash and status URL, then final: succeeded with its value and the gas the relayer paid; a second claim runs and fails on chain: final, not succeeded, with its Failure', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'client', 50n, 100n);
  const relayer = await relayerProcess(t, f);

  const accepted = await relayDelegate(relayer.url, base64.decode(await signClaim(user, f, poolId)));
  t.like(accepted, { senderId: user.accountId, receiverId: f.payout.accountId, statusUrl: `${relayer.url}/status/${accepted.transactionHash}` });
  t.regex(accepted.transactionHash, /^[1-9A-HJ-NP-Za-km-z]{43,44}$/);
  const paid = await waitForRelayed(accepted);
  t.like(paid, { transactionHash: accepted.transactionHash, senderId: user.accountId, succeeded: true, value: true, status: { SuccessValue: base64.encode(new TextEncoder().encode('true')) } });
  t.is(paid.outcome.transaction_outcome.id, accepted.transactionHash);
  t.true(paid.gasBurnt > 10n * TGAS, `gas burnt ${paid.gasBurnt}`);
  t.is(await f.tokenBalance(user.accountId), 50n);

  // Nothing left to claim (no pre-check in this policy): the relayer pays for a call that panics.
  const failed = await waitForRelayed(await relayDelegate(`${relayer.url}/`, await signClaim(user, f, poolId)));
  t.false(failed.succeeded);
  t.is(failed.value, undefined);
  t.regex(JSON.stringify(failed.status.Failure), /Payout: nothing claimable/);
});

test('refusals from a relayer process are RelayRefusedError with its code, HTTP status and message (policy, replayed delegate); a relayer that is not listening is RelayerUnreachableError', async (t) => {
  const { f, poolId, user } = await claimantOfPool(t, 'refused', 5n, 10n);
  const relayer = await relayerProcess(t, f);

  const policy = await t.throwsAsync(relayDelegate(relayer.url, await signClaim(user, f, poolId, { method: 'push' })), { instanceOf: RelayRefusedError });
  t.like(policy, { code: 'METHOD_NOT_ALLOWED', httpStatus: 403 });
  t.regex(policy!.message, /push/);

  const delegate = await signClaim(user, f, poolId);
  await waitForRelayed(await relayDelegate(relayer.url, delegate));
  const replay = await t.throwsAsync(relayDelegate(relayer.url, delegate), { instanceOf: RelayRefusedError });
  t.like(replay, { code: 'DUPLICATE_DELEGATE', httpStatus: 409 });

  await relayer.stop();
  const unreachable = await t.throwsAsync(relayDelegate(relayer.url, delegate), { instanceOf: RelayerUnreachableError });
  t.regex(unreachable!.message, new RegExp(`^the relayer at ${relayer.url} could not be reached \\(.+\\): check the relayer URL and that it is running, then post the same signed delegate again \\(a delegate the relayer already took is refused as DUPLICATE_DELEGATE, never run twice\\)$`));
});

test('stand-in relayer (pending needs the relayer\'s 30 s wait to end): answered pending, the client asks again and gets the final status', async (t) => {
  const outcome = { status: { SuccessValue: '' }, transaction_outcome: { id: HASH, outcome: { logs: [], gas_burnt: 2, tokens_burnt: '0', status: {} } }, receipts_outcome: [{ id: 'r', outcome: { logs: [], gas_burnt: 3, tokens_burnt: '0', status: {} } }] };
  const relayer = await standInRelayer(t, [
    { ...WHO, state: 'pending' },
    { ...WHO, state: 'final', succeeded: true, status: { SuccessValue: base64.encode(new TextEncoder().encode('"ok"')) }, outcome },
  ]);
  const call = await waitForRelayed(await relayDelegate(relayer.url, 'AAAA'), { pauseMs: 10 });
  t.like(call, { transactionHash: HASH, succeeded: true, value: 'ok', gasBurnt: 5n });
  t.is(relayer.asks(), 2);
});

test('stand-in relayer (pending needs the relayer\'s 30 s wait to end): pending at every ask ends in RelayStillPendingError after the asks allowed, with the hash to look up; a relayer gone meanwhile says so', async (t) => {
  const relayer = await standInRelayer(t, [{ ...WHO, state: 'pending' }]);
  const accepted = await relayDelegate(relayer.url, 'AAAA');
  const pending = await t.throwsAsync(waitForRelayed(accepted, { asks: 3, pauseMs: 10 }), { instanceOf: RelayStillPendingError });
  t.like(pending, { transactionHash: HASH, lastAskFailure: undefined });
  t.regex(pending!.message, new RegExp(`^the relayer had no outcome for transaction ${HASH} after \\d+ s: it may still run; look the transaction up, or ask GET /status/${HASH} again, before signing it again$`));
  t.is(relayer.asks(), 3);

  relayer.server.closeAllConnections();
  await new Promise((resolve) => relayer.server.close(resolve));
  const gone = await t.throwsAsync(waitForRelayed(accepted, { asks: 2, pauseMs: 10 }), { instanceOf: RelayStillPendingError });
  t.truthy(gone!.lastAskFailure);
  t.regex(gone!.message, /\(its last status ask: .+\): it may still run/);
});

test('stand-in relayer (outcome_unknown needs a node that loses answers, relayer-submit-once.ava.ts): RelayOutcomeUnknownError with the relayer\'s code and message, not a refusal', async (t) => {
  const message = 'its transaction is unknown to the node and the delegate nonce is used on chain';
  const relayer = await standInRelayer(t, [{ ...WHO, state: 'outcome_unknown', error: { code: 'DELEGATE_NONCE_USED', message } }]);
  const unknown = await t.throwsAsync(waitForRelayed(await relayDelegate(relayer.url, 'AAAA')), { instanceOf: RelayOutcomeUnknownError });
  t.like(unknown, { transactionHash: HASH, code: 'DELEGATE_NONCE_USED', message });
  t.false(unknown instanceof RelayRefusedError);
});

test('stand-in relayer (a refusal after acceptance needs a delegate that expires in its key\'s queue): status refused is RelayRefusedError with the node\'s code, and no HTTP status', async (t) => {
  const relayer = await standInRelayer(t, [{ ...WHO, state: 'refused', error: { code: 'DELEGATE_EXPIRED', message: 'the delegate expired before its turn: sign it again' } }]);
  const refused = await t.throwsAsync(waitForRelayed(await relayDelegate(relayer.url, 'AAAA')), { instanceOf: RelayRefusedError });
  t.like(refused, { code: 'DELEGATE_EXPIRED', httpStatus: undefined, transactionHash: HASH, message: 'the delegate expired before its turn: sign it again' });
});

/**
 * Chain behaviour through near-workspaces' public API: fastForward and block heights/timestamps, and
 * cross-contract calls with a callback (receipt outcomes in nearcore's depth-first order).
 */
import anyTest, { type TestFn } from 'ava';
import { Worker, type NearAccount } from 'near-workspaces';
import { probeWasmPath } from './probe-contract.js';

/** The part of near-api-js' JsonRpcProvider (inherited by near-workspaces' provider) these tests use. */
interface BlockSource {
  block(query: { finality: 'final' | 'optimistic' }): Promise<{ header: { height: number; timestamp_nanosec: string } }>;
}

interface OutcomeWithId {
  id: string;
  outcome: { executor_id: string; status: unknown; receipt_ids: string[]; gas_burnt: unknown; tokens_burnt: unknown };
}

const test = anyTest as TestFn<{ worker: Worker; root: NearAccount; wasm: string }>;

test.before(async (t) => {
  const worker = await Worker.init();
  t.context = { worker, root: worker.rootAccount, wasm: await probeWasmPath() };
});

test.after.always(async (t) => {
  await t.context.worker?.tearDown();
});

test.serial('fastForward advances the final height by the delta and moves time forward', async (t) => {
  const provider = t.context.worker.provider as unknown as BlockSource;
  const before = await provider.block({ finality: 'final' });
  await t.context.worker.provider.fastForward(1000);
  const after = await provider.block({ finality: 'final' });
  const advanced = after.header.height - before.header.height;
  // nearcore's sandbox lands within a few blocks of the target (the final block lags the head)
  t.true(advanced >= 990 && advanced <= 1010, `advanced ${advanced} blocks`);
  const seconds = (Number(BigInt(after.header.timestamp_nanosec) - BigInt(before.header.timestamp_nanosec)) / 1e9);
  t.true(seconds > 1000 * 0.5, `time advanced ${seconds}s for 1000 blocks`);

  // transactions still work after the jump (their block hash comes from the new head)
  const contract = await t.context.root.devDeploy(t.context.wasm);
  t.is(await t.context.root.call(contract, 'echo', Buffer.from('"after"')), 'after');
});

test('cross-contract call with a callback returns the callback value; outcomes are depth-first', async (t) => {
  const root = t.context.root;
  const caller = await root.devDeploy(t.context.wasm);
  const callee = await root.devDeploy(t.context.wasm);
  const result = await root.callRaw(caller, 'call_other', Buffer.from(callee.accountId));
  t.true(result.succeeded, JSON.stringify(result.Failure));
  t.is(Buffer.from(result.SuccessValue!, 'base64').toString(), 'got:ping');

  const outcomes = result.result.receipts_outcome as unknown as OutcomeWithId[];
  // 0: call_other on caller; 1: echo on callee; then its gas refund if any; then on_echo on caller
  t.is(outcomes[0]!.outcome.executor_id, caller.accountId);
  t.is(outcomes[1]!.outcome.executor_id, callee.accountId);
  t.is(Buffer.from((outcomes[1]!.outcome.status as { SuccessValue: string }).SuccessValue, 'base64').toString(), 'ping');
  const callback = outcomes.find((o, i) => i > 1 && o.outcome.executor_id === caller.accountId);
  t.truthy(callback, 'the callback ran on the caller');
  t.is(Buffer.from((callback!.outcome.status as { SuccessValue: string }).SuccessValue, 'base64').toString(), 'got:ping');
  // the first receipt lists the two receipts it created before any refund
  t.true(outcomes[0]!.outcome.receipt_ids.length >= 2);
  t.is(outcomes[0]!.outcome.receipt_ids[0], outcomes[1]!.id);
  for (const o of outcomes) {
    t.is(typeof o.outcome.gas_burnt, 'number');
    t.regex(o.outcome.tokens_burnt as unknown as string, /^\d+$/);
  }
  // refunds come from `system` and go to the signer
  const refunds = outcomes.filter((o) => o.outcome.executor_id === root.accountId);
  t.true(refunds.length >= 1, 'unused gas is refunded to the signer');
});

test('a failing callee makes the callback see a failed promise', async (t) => {
  const root = t.context.root;
  const caller = await root.devDeploy(t.context.wasm);
  // the callee does not exist: the cross-contract receipt fails with AccountDoesNotExist
  const result = await root.callRaw(caller, 'call_other', Buffer.from('nobody-here.test.near'));
  t.true(result.failed);
  t.true(result.receiptFailureMessagesContain('callback saw a failed promise'));
  t.regex(JSON.stringify(result.receiptFailures), /AccountDoesNotExist/);
});

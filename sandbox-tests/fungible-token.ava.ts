/**
 * A cross-contract ft_transfer_call on the project's NEP-141 stablecoin (build/stablecoin.wasm, built by
 * `npm run build`), through near-workspaces' public API only: the receiver keeps part of the amount, the
 * token refunds the rest in ft_resolve_transfer, and receipts_outcome lists the receipts depth-first with
 * gas refunds after the receipts each call created (nearcore `get_recursive_transaction_results`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Worker } from 'near-workspaces';
import { ftReceiverWasmPath } from './probe-contract.js';

const NEAR = 10n ** 24n;
const TGAS = 10n ** 12n;
const TOKEN_WASM = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'stablecoin.wasm');

interface OutcomeWithId {
  id: string;
  outcome: { executor_id: string; status: { SuccessValue?: string; Failure?: unknown } | string; receipt_ids: string[]; logs: string[] };
}

const decode = (status: OutcomeWithId['outcome']['status']) =>
  typeof status === 'object' && status.SuccessValue !== undefined ? Buffer.from(status.SuccessValue, 'base64').toString() : undefined;

test('ft_transfer_call: receiver keeps 90, 10 is refunded; outcomes are depth-first with refunds after created receipts', async (t) => {
  if (!existsSync(TOKEN_WASM)) t.fail(`${TOKEN_WASM} is missing: run \`npm run build\` first`);
  const worker = await Worker.init();
  t.teardown(() => worker.tearDown());
  const root = worker.rootAccount;
  // init in a second transaction from the token account itself: devDeploy's init would come from the
  // parent (the batch's signer), and the contract accepts init only from its own account.
  const token = await root.devDeploy(TOKEN_WASM, { initialBalance: 20n * NEAR });
  await token.call(token, 'init', { owner_id: root.accountId }, { gas: 100n * TGAS });
  const receiver = await root.devDeploy(await ftReceiverWasmPath());

  await root.call(token, 'grant_role', { role: 'master_minter', account_id: root.accountId }, { attachedDeposit: 1n, gas: 100n * TGAS });
  await root.call(token, 'configure_minter', { account_id: root.accountId, allowance: '1000' }, { attachedDeposit: 1n, gas: 100n * TGAS });
  for (const account of [root.accountId, receiver.accountId]) {
    await root.call(token, 'storage_deposit', { account_id: account }, { attachedDeposit: NEAR / 10n, gas: 100n * TGAS });
  }
  await root.call(token, 'mint', { account_id: root.accountId, amount: '1000' }, { attachedDeposit: 1n, gas: 100n * TGAS });

  const result = await root.callRaw(token, 'ft_transfer_call', { receiver_id: receiver.accountId, amount: '100', msg: '' }, { attachedDeposit: 1n, gas: 200n * TGAS });
  t.true(result.succeeded, JSON.stringify(result.Failure));
  // the final status is ft_resolve_transfer's value: the amount the receiver kept
  t.is(result.parseResult<string>(), '90');
  t.is(await token.view('ft_balance_of', { account_id: receiver.accountId }), '90');
  t.is(await token.view('ft_balance_of', { account_id: root.accountId }), '910');

  const outcomes = result.result.receipts_outcome as unknown as OutcomeWithId[];
  const index = (executor: string, value?: string) =>
    outcomes.findIndex((o) => o.outcome.executor_id === executor && (value === undefined || decode(o.outcome.status) === value));
  t.is(outcomes[0]!.outcome.executor_id, token.accountId, 'first: ft_transfer_call on the token');
  const onTransfer = outcomes.findIndex((o) => o.outcome.logs.includes('ft_on_transfer called'));
  const valuePlease = index(receiver.accountId, '"10"');
  const resolve = index(token.accountId, '"90"');
  t.is(onTransfer, 1, 'then the receiver call the token created first');
  t.is(valuePlease, 2, 'then what ft_on_transfer created, before anything the token created later');
  t.true(resolve > valuePlease, 'ft_resolve_transfer after the whole receiver subtree');
  // each receipt lists the receipts it created, then its refunds (executed on the signer)
  const first = outcomes[0]!.outcome;
  t.is(first.receipt_ids[0], outcomes[onTransfer]!.id);
  t.is(first.receipt_ids[1], outcomes[resolve]!.id);
  const refunds = first.receipt_ids.slice(2).map((id) => outcomes.find((o) => o.id === id)!);
  t.true(refunds.every((o) => o.outcome.executor_id === root.accountId), 'refunds go to the signer');
  // depth-first: every outcome comes after the outcome that created it
  for (const [i, o] of outcomes.entries()) {
    const parent = [result.result.transaction_outcome as unknown as OutcomeWithId, ...outcomes].findIndex((p) => p.outcome.receipt_ids.includes(o.id));
    t.true(parent >= 0 && parent - 1 < i, `outcome ${i} follows its creator`);
  }
});

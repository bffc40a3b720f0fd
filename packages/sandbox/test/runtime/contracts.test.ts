import test from 'ava';
import { createSandbox, NEAR, TGAS, ViewCallError, type Sandbox } from '../../src/index.js';
import { watToWasm } from './contract-helpers.js';

const wasm = await watToWasm('caller.wat');
const BURN_PRICE = 100_000_000n;

function setup(protocolVersion = 86): Sandbox {
  const node = createSandbox({ protocolVersion });
  node.createAccount('a.test.near');
  node.createAccount('b.test.near');
  node.deployContract('a.test.near', wasm);
  node.deployContract('b.test.near', wasm);
  return node;
}

const statuses = (node: Sandbox, r: ReturnType<Sandbox['call']>) =>
  r.receipts.map((o) => {
    const receipt = node.getReceipt(o.id) as any;
    const action = receipt.receipt.Action.actions[0];
    return `${receipt.predecessor_id}->${o.outcome.executor_id}:${action.FunctionCall?.method_name ?? 'refund'}`;
  });

test('function call conversion: gas_burnt = receipt send + function_call send + per-byte × (method + args) (notes §1.4)', (t) => {
  const node = setup();
  const r = node.call('test.near', 'a.test.near', 'set', '{"v":1}');
  const f = node.config.actionFees;
  t.is(BigInt(r.transactionOutcome.outcome.gas_burnt), f.newActionReceipt.sendNotSir + f.functionCallBase.sendNotSir + f.functionCallByte.sendNotSir * BigInt(3 + 7));
  t.is(BigInt(r.transactionOutcome.outcome.gas_burnt), 108_059_500_000n + 200_000_000_000n + 47_683_715n * 10n);
  t.deepEqual(node.view('a.test.near', 'get'), { v: 1 });
  // data record: 40 + key (1) + value (7) bytes on top of account + key + code
  t.is(node.viewAccount('a.test.near').storage_usage, 182 + wasm.length + 48);
  t.deepEqual(node.viewState('a.test.near', 'k').map((e) => new TextDecoder().decode(e.value)), ['{"v":1}']);
  // receipt outcome metadata V3: gas_profile sorted by category then cost, amounts as strings (views.rs)
  const profile = r.receipts[0]!.outcome.metadata.gas_profile!;
  t.is(r.receipts[0]!.outcome.metadata.version, 3);
  t.deepEqual(profile.filter((p) => p.cost_category === 'ACTION_COST').map((p) => [p.cost, p.gas_used]), [
    ['FUNCTION_CALL_BASE', f.functionCallBase.execution.toString()],
    ['FUNCTION_CALL_BYTE', (f.functionCallByte.execution * 10n).toString()],
  ]);
  t.true(profile.some((p) => p.cost_category === 'WASM_HOST_COST' && p.cost === 'STORAGE_WRITE_BASE'));
  const categories = profile.map((p) => p.cost_category);
  t.deepEqual(categories, [...categories].sort());
});

test('cross-contract call whose callback sees success; receipts in nearcore DFS order with refunds after created receipts', (t) => {
  const node = setup();
  const r = node.call('test.near', 'a.test.near', 'call_ok', undefined, { gas: 100n * TGAS });
  t.is(r.value(), 'pong');
  t.deepEqual(r.logs, ['ok called', 'callback: success']);
  t.deepEqual(statuses(node, r), [
    'test.near->a.test.near:call_ok',
    'a.test.near->b.test.near:ok',
    'system->test.near:refund',
    'a.test.near->a.test.near:callback',
    'system->test.near:refund',
    'system->test.near:refund',
  ]);
  // the first receipt returned the callback promise
  t.deepEqual(r.receipts[0]!.outcome.status, { SuccessReceiptId: r.receipts[3]!.id });
  // B's receipt carries the data receiver for the callback; the callback waits for that data id
  const b = node.getReceipt(r.receipts[1]!.id) as any;
  const cb = node.getReceipt(r.receipts[3]!.id) as any;
  t.is(b.receipt.Action.output_data_receivers.length, 1);
  t.deepEqual(cb.receipt.Action.input_data_ids, [b.receipt.Action.output_data_receivers[0].data_id]);
  // cross-contract hops: tx block h, a at h+1, b at h+2, callback at h+3
  const h = (id: string) => node.getBlock(id).height;
  t.is(h(r.receipts[3]!.block_hash), h(r.receipts[0]!.block_hash) + 2n);
});

test('cross-contract call whose callback sees the failure; the failed branch does not fail the transaction', (t) => {
  const node = setup();
  const r = node.call('test.near', 'a.test.near', 'call_boom', undefined, { gas: 100n * TGAS });
  t.is(r.value(), 'failed');
  t.deepEqual(r.logs, ['callback: failed']);
  t.deepEqual(r.receiptFailures, [{ ActionError: { index: 0, kind: { FunctionCallError: { ExecutionError: 'Smart contract panicked: boom!' } } } }]);
});

test('a panicking call fails the transaction with nearcore ActionError JSON and refunds the attached deposit', (t) => {
  const node = setup();
  const before = node.getBalance('test.near');
  const r = node.call('test.near', 'b.test.near', 'boom', undefined, { deposit: 5n * NEAR });
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { FunctionCallError: { ExecutionError: 'Smart contract panicked: boom!' } } } });
  t.throws(() => r.value(), { message: /boom!/ });
  t.is(node.getBalance('test.near'), before - r.tokensBurnt);
  const missing = node.call('test.near', 'b.test.near', 'no_such_method');
  t.deepEqual(missing.failure, { ActionError: { index: 0, kind: { FunctionCallError: { MethodResolveError: 'MethodNotFound' } } } });
});

test('contract reward: 30% of the VM gas burnt, credited to the receiver at the burn price (notes §7)', (t) => {
  for (const pv of [77, 86]) {
    const node = setup(pv);
    const before = node.getBalance('b.test.near');
    const r = node.call('test.near', 'b.test.near', 'ok');
    const f = node.config.actionFees;
    const execFees = f.newActionReceipt.execution + f.functionCallBase.execution + f.functionCallByte.execution * 2n;
    const vmGas = BigInt(r.receipts[0]!.outcome.gas_burnt) - execFees;
    t.true(vmGas > 0n);
    t.is(node.getBalance('b.test.near') - before, ((vmGas * 3n) / 10n) * BURN_PRICE, `PV ${pv}`);
  }
});

test('yield / resume round trip (NEP-519): the callback runs with the payload under the yield receipt id', (t) => {
  for (const pv of [77, 86]) {
    const node = setup(pv);
    const y = node.call('test.near', 'a.test.near', 'yield_start', undefined, { gas: 100n * TGAS });
    const yieldReceiptId = y.receipts[0]!.outcome.receipt_ids[0]!;
    t.is((node.getReceipt(yieldReceiptId) as any).receipt.Action.is_promise_yield, true);
    t.is(node.chain.receiptOutcome(yieldReceiptId), undefined);
    const resume = node.call('test.near', 'a.test.near', 'resume', 'hello');
    t.is(resume.value(), true, `PV ${pv}`);
    const after = node.getTransactionOutcome(y.hash);
    t.deepEqual(after.logs, ['resumed']);
    t.deepEqual(node.chain.receiptOutcome(yieldReceiptId)!.outcome.status, { SuccessValue: Buffer.from('hello').toString('base64') });
    // a second resume finds no pending yield
    t.is(node.call('test.near', 'a.test.near', 'resume', 'again').value(), false);
  }
});

test('yield timeout: after yield_timeout_length_in_blocks (200) the callback runs with PromiseResult::Failed', (t) => {
  const node = setup();
  const y = node.call('test.near', 'a.test.near', 'yield_start', undefined, { gas: 100n * TGAS });
  const created = node.getBlock(y.receipts[0]!.block_hash).height;
  node.produceBlocks(Number(created + 200n - node.head.height));
  t.deepEqual(node.getTransactionOutcome(y.hash).logs, []);
  node.produceBlocks(1);
  const done = node.getTransactionOutcome(y.hash);
  t.deepEqual(done.logs, ['timed out']);
  const cbOutcome = done.receipts.find((o) => o.outcome.logs.includes('timed out'))!;
  t.is(node.getBlock(cbOutcome.block_hash).height, created + 201n);
  t.is(node.call('test.near', 'a.test.near', 'resume', 'late').value(), false);
});

test('view calls: results and logs, no state change, ViewCallError on panic', (t) => {
  const node = setup();
  node.call('test.near', 'a.test.near', 'set', '"x"');
  t.is(node.view('a.test.near', 'get'), 'x');
  const { logs } = node.viewFunction('b.test.near', 'ok');
  t.deepEqual(logs, ['ok called']);
  const err = t.throws(() => node.view('b.test.near', 'boom'), { instanceOf: ViewCallError }) as ViewCallError;
  t.deepEqual(err.error, { ExecutionError: 'Smart contract panicked: boom!' });
  const before = node.viewAccount('a.test.near');
  t.throws(() => node.view('a.test.near', 'set', '"y"'), { instanceOf: ViewCallError });
  t.is(node.view('a.test.near', 'get'), 'x');
  t.deepEqual(node.viewAccount('a.test.near'), before);
});

test('a second resume of the same yield before its callback runs also returns true, at 86 and 77; the callback runs once with the first payload (ext.rs submit_promise_resume_data; nearcore issue #15200)', (t) => {
  for (const pv of [86, 77]) {
    const node = setup(pv);
    const y = node.call('test.near', 'a.test.near', 'yield_start', undefined, { gas: 100n * TGAS });
    if (pv === 77) node.produceBlocks(1); // before PV 83 the yield is stored one block later
    const call = (payload: string) => ({ type: 'FunctionCall' as const, methodName: 'resume', args: new TextEncoder().encode(payload), gas: 20n * TGAS, deposit: 0n });
    const r = node.signAndSendTransaction('test.near', 'a.test.near', [call('one'), call('two')]);
    t.is(r.value(), true, `PV ${pv}`);
    node.produceBlocks(2);
    const done = node.getTransactionOutcome(y.hash);
    t.deepEqual(done.logs, ['resumed'], `PV ${pv}`);
    const callback = done.receipts.find((o) => o.outcome.logs.includes('resumed'))!;
    t.deepEqual(callback.outcome.status, { SuccessValue: Buffer.from('one').toString('base64') }, `PV ${pv}`);
  }
});

test('receipts a contract creates are validated: a zero-gas function call is NewReceiptValidationError (verifier.rs validate_receipt)', (t) => {
  const node = setup();
  const r = node.call('test.near', 'a.test.near', 'call_zero_gas');
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { NewReceiptValidationError: { ActionsValidation: 'FunctionCallZeroAttachedGas' } } } });
  t.is(r.receipts[0]!.outcome.receipt_ids.length, 1); // only the gas refund; the invalid receipt was dropped
});

test('promise_and: one callback waits for two data receipts and sees [Successful, Failed] in input order', (t) => {
  const node = setup();
  const r = node.call('test.near', 'a.test.near', 'call_both', undefined, { gas: 100n * TGAS });
  t.true(r.succeeded);
  t.true(r.logs.includes('both: ok then failed'), JSON.stringify(r.logs));
  const cbOutcome = r.receipts.find((o) => o.outcome.logs.includes('both: ok then failed'))!;
  const cb = node.getReceipt(cbOutcome.id) as any;
  t.is(cb.receipt.Action.input_data_ids.length, 2);
  const producers = r.receipts.filter((o) => o.outcome.executor_id === 'b.test.near').map((o) => (node.getReceipt(o.id) as any).receipt.Action);
  t.deepEqual(producers.map((p: any) => p.output_data_receivers[0].data_id), cb.receipt.Action.input_data_ids);
});

test('conservation: Σ(amount + locked) over all accounts equals the block total supply after mixed traffic (refunds, rewards, burns)', (t) => {
  for (const pv of [77, 86]) {
    const node = setup(pv);
    const total = () => [...node.chain.state.accounts.map.values()].reduce((n, a) => n + a.amount + a.locked, 0n);
    t.is(total(), node.head.totalSupply);
    node.transfer('a.test.near', 'b.test.near', NEAR);
    node.call('test.near', 'a.test.near', 'call_ok', undefined, { gas: 100n * TGAS });
    node.call('test.near', 'a.test.near', 'call_boom', undefined, { gas: 100n * TGAS, deposit: 3n });
    node.call('test.near', 'b.test.near', 'boom', undefined, { deposit: NEAR });
    node.call('test.near', 'a.test.near', 'call_both', undefined, { gas: 200n * TGAS });
    node.call('test.near', 'a.test.near', 'yield_start', undefined, { gas: 100n * TGAS });
    node.call('test.near', 'a.test.near', 'resume', 'x');
    node.transfer('test.near', 'missing.test.near', NEAR);
    node.createAccount('gone.test.near');
    node.signAndSendTransaction('gone.test.near', 'gone.test.near', [{ type: 'DeleteAccount', beneficiaryId: 'nobody.test.near' }]);
    node.produceBlocks(3);
    t.false(node.chain.hasPendingWork);
    t.is(total(), node.head.totalSupply, `PV ${pv}`);
  }
});

test('a batch receipt returns the last action’s result: [FunctionCall → "pong", Transfer] succeeds with an empty value', (t) => {
  const node = setup();
  const fc = { type: 'FunctionCall' as const, methodName: 'ok', args: new Uint8Array(), gas: 10n * TGAS, deposit: 0n };
  t.is(node.signAndSendTransaction('test.near', 'b.test.near', [fc]).value(), 'pong');
  const r = node.signAndSendTransaction('test.near', 'b.test.near', [fc, { type: 'Transfer', deposit: 1n }]);
  t.deepEqual(r.status, { SuccessValue: '' });
  t.deepEqual(r.logs, ['ok called']);
});

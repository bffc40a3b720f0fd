/**
 * Promises, batch actions, fees and gas-weight distribution (logic.rs promise_*, receipt_manager.rs
 * distribute_unused_gas, gas_counter.rs pay_action_base / prepay_gas), and NEP-519 yield/resume.
 */
import test from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import { runtimeConfig, sendFee } from '../../src/parameters/index.js';
import { call, MemoryExternal, program, u64 } from './helpers.js';

const cfg = runtimeConfig(86);
const fees = cfg.actionFees;
const le16 = (v: bigint) => {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(v & ((1n << 64n) - 1n));
  b.writeBigUInt64LE(v >> 64n, 8);
  return b;
};

const FC = (idx: string, gas: bigint, weight = 0n) =>
  `(call $promise_batch_action_function_call_weight ${idx} ${u64(1)} ${u64(16)} ${u64(2)} ${u64(32)} ${u64(48)} ${u64(gas)} ${u64(weight)})`;

test('promise_batch_create + function_call: receipt, fees (not sir) and attached gas (logic.rs, gas_counter.rs pay_action_base)', (t) => {
  const attached = 5_000_000_000_000n;
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_function_call_weight'],
      data: [[0, 'bob.near'], [16, 'f'], [32, '{}'], [48, le16(3n)]],
      body: `(local $p i64) (local.set $p (call $promise_batch_create ${u64(8)} ${u64(0)})) ${FC('(local.get $p)', attached)}`,
    }),
  );
  t.is(o.aborted, null);
  t.is(o.receipts.length, 1);
  t.deepEqual(o.receipts[0], {
    receiverId: 'bob.near',
    dependsOn: [],
    dependencyDataIds: [],
    actions: [{ kind: 'FunctionCall', methodName: 'f', args: new Uint8Array(Buffer.from('{}')), deposit: 3n, gas: attached, gasWeight: 0n }],
  });
  t.is(o.balance, 107n); // 100 + 10 attached - 3 sent
  t.is(o.profile.NEW_ACTION_RECEIPT, fees.newActionReceipt.sendNotSir);
  t.is(o.profile.FUNCTION_CALL_BASE, fees.functionCallBase.sendNotSir);
  t.is(o.profile.FUNCTION_CALL_BYTE, 3n * fees.functionCallByte.sendNotSir);
  const reserved =
    fees.newActionReceipt.execution + fees.functionCallBase.execution + 3n * fees.functionCallByte.execution + attached;
  t.is(o.usedGas - o.burntGas, reserved);
});

test('a receipt to the current account pays send_sir fees (Fee::send_fee(sender_is_receiver))', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_function_call_weight'],
      data: [[0, 'alice.near'], [16, 'f'], [32, '{}'], [48, le16(0n)]],
      body: `${FC(`(call $promise_batch_create ${u64(10)} ${u64(0)})`, 1n)}`,
    }),
  );
  t.is(o.profile.FUNCTION_CALL_BYTE, 3n * sendFee(fees.functionCallByte, true));
});

test('gas weights 1, 5, 2 split unused gas floor(unused·w/W), remainder to the last; used = prepaid (receipt_manager.rs)', (t) => {
  const prepaid = 300_000_000_000_000n;
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_function_call_weight'],
      data: [[0, 'bob.near'], [16, 'f'], [32, '{}'], [48, le16(0n)]],
      body: `(local $p i64) (local.set $p (call $promise_batch_create ${u64(8)} ${u64(0)}))
        ${FC('(local.get $p)', 1000n, 1n)} ${FC('(local.get $p)', 1000n, 5n)} ${FC('(local.get $p)', 1000n, 2n)} ${FC('(local.get $p)', 1000n, 0n)}`,
    }),
    { context: { prepaidGas: prepaid } },
  );
  t.is(o.aborted, null);
  t.is(o.usedGas, prepaid);
  const gas = o.receipts[0]!.actions.map((a) => (a.kind === 'FunctionCall' ? a.gas - 1000n : -1n));
  const unused = gas[0]! + gas[1]! + gas[2]!;
  t.is(gas[0], (unused * 1n) / 8n);
  t.is(gas[1], (unused * 5n) / 8n);
  t.is(gas[2], unused - gas[0]! - gas[1]!);
  t.is(gas[3], 0n); // weight 0 gets nothing (tests/gas_counter.rs function_call_no_weight_refund)
});

test('promise_then / promise_and: dependencies and data-receipt fees (logic.rs promise_batch_then, promise_and)', (t) => {
  const o = call(
    program({
      imports: ['promise_create', 'promise_and', 'promise_then', 'promise_return'],
      data: [[0, 'bob.near'], [16, 'f'], [32, '{}'], [48, le16(0n)], [64, 'carol.near'], [80, 'alice.near']],
      body: `(local $a i64) (local $b i64)
        (local.set $a (call $promise_create ${u64(8)} ${u64(0)} ${u64(1)} ${u64(16)} ${u64(2)} ${u64(32)} ${u64(48)} ${u64(1000)}))
        (local.set $b (call $promise_create ${u64(10)} ${u64(64)} ${u64(1)} ${u64(16)} ${u64(2)} ${u64(32)} ${u64(48)} ${u64(1000)}))
        (i64.store (i32.const 100) (local.get $a)) (i64.store (i32.const 108) (local.get $b))
        (call $promise_return (call $promise_then (call $promise_and ${u64(100)} ${u64(2)}) ${u64(10)} ${u64(80)} ${u64(1)} ${u64(16)} ${u64(2)} ${u64(32)} ${u64(48)} ${u64(1000)}))`,
    }),
  );
  t.is(o.aborted, null);
  t.deepEqual(
    o.receipts.map((r) => [r.receiverId, r.dependsOn]),
    [['bob.near', []], ['carol.near', []], ['alice.near', [0, 1]]],
  );
  // one data id per dependency, taken from the runtime's counter when promise_then ran (ext.rs create_action_receipt)
  t.deepEqual(o.receipts[2]!.dependencyDataIds, [0, 1].map((n) => sha256(new TextEncoder().encode(`data-id-${n}`))));
  t.deepEqual(o.returnData, { kind: 'ReceiptIndex', index: 2 });
  const db = fees.newDataReceiptBase;
  // 3 action receipts (2 not-sir, 1 sir) + 2 data receipts to alice.near from non-alice receipts (send_not_sir + exec).
  t.is(
    o.profile.NEW_ACTION_RECEIPT,
    2n * fees.newActionReceipt.sendNotSir + fees.newActionReceipt.sendSir + 2n * (db.sendNotSir + db.execution),
  );
  t.is(o.profile.PROMISE_AND_BASE, cfg.extCosts.promise_and_base);
  t.is(o.profile.PROMISE_AND_PER_PROMISE, 16n * cfg.extCosts.promise_and_per_promise!);
  t.is(o.profile.PROMISE_RETURN, cfg.extCosts.promise_return);
});

test('promise errors: invalid index, joint promise, returning a joint promise, bad account id (errors.rs)', (t) => {
  const run = (body: string) =>
    call(
      program({
        imports: ['promise_batch_create', 'promise_batch_action_transfer', 'promise_and', 'promise_return'],
        data: [[0, 'bob.near'], [16, le16(1n)], [48, 'Bad!Account']],
        body,
      }),
    ).aborted;
  t.deepEqual(run(`(call $promise_batch_action_transfer ${u64(3)} ${u64(16)})`), { ExecutionError: '3 does not correspond to existing promises' });
  const joint = `(i64.store (i32.const 100) (call $promise_batch_create ${u64(8)} ${u64(0)})) (drop (call $promise_and ${u64(100)} ${u64(1)}))`;
  t.deepEqual(run(`${joint} (call $promise_batch_action_transfer ${u64(1)} ${u64(16)})`), {
    ExecutionError: 'Actions can only be appended to non-joint promise.',
  });
  t.deepEqual(run(`${joint} (call $promise_return ${u64(1)})`), { ExecutionError: 'Returning joint promise is currently prohibited.' });
  t.deepEqual(run(`(drop (call $promise_batch_create ${u64(11)} ${u64(48)}))`), { ExecutionError: 'VM Logic returned an invalid account id' });
});

test('transfer deducts the balance; more than the balance is BalanceExceeded (logic.rs deduct_balance)', (t) => {
  const transfer = (amount: bigint) =>
    call(
      program({
        imports: ['promise_batch_create', 'promise_batch_action_transfer'],
        data: [[0, 'bob.near'], [16, le16(amount)]],
        body: `(call $promise_batch_action_transfer (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(16)})`,
      }),
    );
  const ok = transfer(60n);
  t.is(ok.balance, 50n); // 100 + 10 attached - 60
  t.is(ok.profile.TRANSFER, fees.transfer.sendNotSir);
  t.deepEqual(ok.receipts[0]!.actions, [{ kind: 'Transfer', deposit: 60n }]);
  t.deepEqual(transfer(111n).aborted, { ExecutionError: 'Exceeded the account balance.' });
});

test('transfer to a NEAR-implicit account also pays create_account + add_full_access_key (transfer_send_fee)', (t) => {
  const implicit = 'a'.repeat(64);
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_transfer'],
      data: [[0, implicit], [100, le16(1n)]],
      body: `(call $promise_batch_action_transfer (call $promise_batch_create ${u64(64)} ${u64(0)}) ${u64(100)})`,
    }),
  );
  t.is(o.profile.TRANSFER, fees.transfer.sendNotSir + fees.createAccount.sendNotSir + fees.addFullAccessKey.sendNotSir);
});

test('batch actions: create account, deploy, add keys (allowance 0 = unlimited), delete key, stake, delete account', (t) => {
  const pk = Buffer.concat([Buffer.of(0), Buffer.alloc(32, 1)]);
  const o = call(
    program({
      imports: [
        'promise_batch_create',
        'promise_batch_action_create_account',
        'promise_batch_action_deploy_contract',
        'promise_batch_action_add_key_with_full_access',
        'promise_batch_action_add_key_with_function_call',
        'promise_batch_action_delete_key',
        'promise_batch_action_stake',
        'promise_batch_action_delete_account',
      ],
      data: [[0, 'sub.alice.near'], [32, pk], [80, le16(0n)], [100, 'a,bb'], [120, 'code'], [140, le16(7n)]],
      body: `(local $p i64) (local.set $p (call $promise_batch_create ${u64(14)} ${u64(0)}))
        (call $promise_batch_action_create_account (local.get $p))
        (call $promise_batch_action_deploy_contract (local.get $p) ${u64(4)} ${u64(120)})
        (call $promise_batch_action_add_key_with_full_access (local.get $p) ${u64(33)} ${u64(32)} ${u64(5)})
        (call $promise_batch_action_add_key_with_function_call (local.get $p) ${u64(33)} ${u64(32)} ${u64(6)} ${u64(80)} ${u64(10)} ${u64(4)} ${u64(4)} ${u64(100)})
        (call $promise_batch_action_delete_key (local.get $p) ${u64(33)} ${u64(32)})
        (call $promise_batch_action_stake (local.get $p) ${u64(140)} ${u64(33)} ${u64(32)})
        (call $promise_batch_action_delete_account (local.get $p) ${u64(10)} ${u64(4)})`,
    }),
  );
  t.is(o.aborted, null);
  const kinds = o.receipts[0]!.actions.map((a) => a.kind);
  t.deepEqual(kinds, ['CreateAccount', 'DeployContract', 'AddKey', 'AddKey', 'DeleteKey', 'Stake', 'DeleteAccount']);
  const fcKey = o.receipts[0]!.actions[3]!;
  t.deepEqual(fcKey.kind === 'AddKey' ? fcKey.permission : null, { kind: 'FunctionCall', allowance: null, receiverId: 'alice.near', methodNames: ['a', 'bb'] } as never);
  t.is(o.profile.ADD_FUNCTION_CALL_KEY_BYTE, 5n * fees.addFunctionCallKeyByte.sendNotSir); // "a," + "bb," = 2 + 3
  t.is(o.profile.DEPLOY_CONTRACT_BYTE, 4n * fees.deployContractByte.sendNotSir);
  t.is(o.profile.CREATE_ACCOUNT, fees.createAccount.sendNotSir);
  const bad = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_delete_key'],
      data: [[0, 'bob.near'], [32, Buffer.alloc(5)]],
      body: `(call $promise_batch_action_delete_key (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(5)} ${u64(32)})`,
    }),
  );
  t.deepEqual(bad.aborted, { ExecutionError: 'VM Logic provided an invalid public key' });
  t.is(bad.profile.DELETE_KEY, fees.deleteKey.sendNotSir); // the fee is paid before the key is decoded
});

test('the 1025th promise fails with NumberPromisesExceeded (miscs.rs test_num_promises)', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create'],
      data: [[0, 'bob.near']],
      body: `(local $i i32) (loop $l (drop (call $promise_batch_create ${u64(8)} ${u64(0)})) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.le_u (local.get $i) (i32.const 1024))))`,
    }),
  );
  t.deepEqual(o.aborted, { ExecutionError: 'The number of promises within a FunctionCall 1025 exceeds the limit 1024' });
  t.deepEqual(o.receipts, []);
});

test('promise_results_count / promise_result: 1 Successful (value in register), 2 Failed, 0 NotReady (logic.rs)', (t) => {
  const o = call(
    program({
      imports: ['promise_results_count', 'promise_result', 'value_return'],
      body: `(i64.store (i32.const 0) (call $promise_results_count))
        (i64.store (i32.const 8) (call $promise_result ${u64(0)} ${u64(1)}))
        (i64.store (i32.const 16) (call $promise_result ${u64(1)} ${u64(2)}))
        (i64.store (i32.const 24) (call $promise_result ${u64(2)} ${u64(3)}))
        (call $value_return ${u64(32)} ${u64(0)})`,
    }),
    { context: { promiseResults: [{ kind: 'Successful', value: new Uint8Array([1, 2]) }, { kind: 'Failed' }, { kind: 'NotReady' }] } },
  );
  if (o.returnData.kind !== 'Value') return t.fail(JSON.stringify(o.aborted));
  const b = Buffer.from(o.returnData.value);
  t.deepEqual([0, 8, 16, 24].map((i) => b.readBigUInt64LE(i)), [3n, 1n, 2n, 0n]);
  const bad = call(program({ imports: ['promise_result'], body: `(drop (call $promise_result ${u64(0)} ${u64(0)}))` }));
  t.deepEqual(bad.aborted, { ExecutionError: 'Accessed invalid promise result index: 0' });
});

test('promise_yield_create / promise_yield_resume (NEP-519; logic.rs yield)', (t) => {
  const external = new MemoryExternal();
  const create = call(
    program({
      imports: ['promise_yield_create', 'value_return'],
      data: [[0, 'cb'], [16, '{}']],
      body: `(drop (call $promise_yield_create ${u64(2)} ${u64(0)} ${u64(2)} ${u64(16)} ${u64(1000)} ${u64(1)} ${u64(0)})) (call $value_return ${u64(-1)} ${u64(0)})`,
    }),
    { external },
  );
  t.is(create.aborted, null);
  if (create.returnData.kind !== 'Value') return t.fail();
  const dataId = create.returnData.value;
  t.is(dataId.length, 32);
  t.is(create.receipts.length, 1);
  t.is(create.receipts[0]!.receiverId, 'alice.near');
  t.deepEqual(create.receipts[0]!.yieldDataId, dataId);
  t.is(create.profile.YIELD_CREATE_BASE, cfg.extCosts.yield_create_base);
  t.is(create.profile.YIELD_CREATE_BYTE, 4n * cfg.extCosts.yield_create_byte!);
  const resume = (payloadLen: number) =>
    call(
      program({
        imports: ['promise_yield_resume', 'value_return'],
        data: [[0, dataId], [64, 'ok']],
        body: `(i32.store (i32.const 200) (call $promise_yield_resume ${u64(32)} ${u64(0)} ${u64(payloadLen)} ${u64(64)})) (call $value_return ${u64(4)} ${u64(200)})`,
      }),
      { external },
    );
  const first = resume(2);
  t.deepEqual(first.returnData.kind === 'Value' ? [...first.returnData.value] : null, [1, 0, 0, 0]);
  t.deepEqual(external.resumed.map((r) => Buffer.from(r.payload).toString()), ['ok']);
  t.is(first.profile.YIELD_RESUME_BYTE, 2n * cfg.extCosts.yield_resume_byte!);
  // every resume before the callback runs succeeds (ext.rs submit_promise_resume_data; nearcore issue #15200)
  const second = resume(2);
  t.deepEqual(second.returnData.kind === 'Value' ? [...second.returnData.value] : null, [1, 0, 0, 0]);
  external.runYieldCallback(dataId);
  const afterCallback = resume(2);
  t.deepEqual(afterCallback.returnData.kind === 'Value' ? [...afterCallback.returnData.value] : null, [0, 0, 0, 0]);
  t.deepEqual(resume(1025).aborted, { ExecutionError: 'Yield resume payload is 1025 bytes which exceeds the 1024 byte limit' });
});

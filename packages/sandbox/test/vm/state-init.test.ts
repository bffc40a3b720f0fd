/**
 * NEP-616 host functions (nearcore runtime/near-vm-runner/src/logic/logic.rs `promise_batch_action_state_init`,
 * `_by_account_id`, `set_state_init_data_entry`; fees parameters.yaml action_deterministic_state_init[_per_entry,
 * _per_byte] with the 85.yaml AccountCostIncrease split). Each test builds a Wasm module with wabt.
 */
import test from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, program, u64 } from './helpers.js';

const config = runtimeConfig(86);
const fees = config.actionFees;
const ext = config.extCosts;
const bytes = (s: string) => new TextEncoder().encode(s);
const amount = (v: bigint) => {
  const out = new Uint8Array(16);
  new DataView(out.buffer).setBigUint64(0, v & 0xffff_ffff_ffff_ffffn, true);
  new DataView(out.buffer).setBigUint64(8, v >> 64n, true);
  return out;
};
/** Host costs of a call: every profile entry except wasm instructions and contract loading. */
const hostGas = (profile: Record<string, bigint>) =>
  Object.entries(profile)
    .filter(([k]) => k !== 'WASM_INSTRUCTION' && !k.startsWith('CONTRACT_LOADING'))
    .reduce((n, [, g]) => n + g, 0n);

// memory layout: 0 receiver "rick.test", 16 "global.near", 32 amount 110, 64 "key", 80 "value", 96 a 32-byte hash
const hash = sha256(bytes('global code'));
const DATA: Array<[number, Uint8Array | string]> = [[0, 'rick.test'], [16, 'global.near'], [32, amount(110n)], [64, 'key'], [80, 'value'], [96, hash]];
const IMPORTS = ['promise_batch_create', 'promise_batch_action_state_init', 'promise_batch_action_state_init_by_account_id', 'set_state_init_data_entry'];
const create = `(call $promise_batch_create ${u64(9)} ${u64(0)})`;
const byAccount = (promise: string) => `(call $promise_batch_action_state_init_by_account_id ${promise} ${u64(11)} ${u64(16)} ${u64(32)})`;
const entry = (promise: string, action: string, key = [3, 64], value = [5, 80]) =>
  `(call $set_state_init_data_entry ${promise} ${action} ${u64(key[0]!)} ${u64(key[1]!)} ${u64(value[0]!)} ${u64(value[1]!)})`;
const run = (body: string, opts: Parameters<typeof call>[1] = {}) =>
  call(program({ imports: IMPORTS, data: DATA, body, extra: '(global $p (mut i64) (i64.const 0)) (global $a (mut i64) (i64.const 0))' }), opts);

test('nearcore logic/tests/promises.rs test_promise_batch_action_state_init: used gas 8_373_585_814_798 (its used_gas() call adds one base)', (t) => {
  const o = run(`(global.set $p ${create}) (global.set $a ${byAccount('(global.get $p)')}) ${entry('(global.get $p)', '(global.get $a)')}`, { context: { accountBalance: 1000n } });
  t.is(o.aborted, null);
  // promise_batch_create + state_init_by_account_id + set_state_init_data_entry, burnt and reserved
  t.is(hostGas(o.profile) + (o.usedGas - o.burntGas), 8_373_585_814_798n - ext.base!);
  // the action profile as that test checks it: send fees burnt (not sender-is-receiver: alice.near → rick.test)
  t.is(o.profile.DETERMINISTIC_STATE_INIT_BASE, fees.deterministicStateInitBase.sendNotSir);
  t.false('DETERMINISTIC_STATE_INIT_ENTRY' in o.profile); // send fee 0: nothing burnt
  t.is(o.profile.DETERMINISTIC_STATE_INIT_BYTE, 8n * fees.deterministicStateInitByte.sendNotSir);
  t.is(o.profile.DETERMINISTIC_STATE_INIT_BYTE, 576_000_000n);
  t.deepEqual(o.receipts[0]!.actions, [
    { kind: 'DeterministicStateInit', code: { kind: 'AccountId', accountId: 'global.near' }, data: [[bytes('key'), bytes('value')]], deposit: 110n },
  ]);
  t.is(o.balance, 1000n + 10n - 110n); // the deposit leaves the balance (deduct_balance); 10 attached
});

test('promise_batch_action_state_init takes a 32-byte code hash, else ContractCodeHashMalformed; returns the action index', (t) => {
  const o = run(
    `(global.set $p ${create})
     (call $promise_batch_action_state_init (global.get $p) ${u64(32)} ${u64(96)} ${u64(32)}) (drop)
     (global.set $a (call $promise_batch_action_state_init (global.get $p) ${u64(32)} ${u64(96)} ${u64(32)}))
     ${entry('(global.get $p)', '(global.get $a)')}`,
    { context: { accountBalance: 1000n } },
  );
  t.is(o.aborted, null);
  const [first, second] = o.receipts[0]!.actions as Array<{ data: unknown[] }>;
  t.deepEqual(first!.data, []); // index 1 got the entry: the second call returned 1
  t.is(second!.data.length, 1);
  const bad = run(`(drop (call $promise_batch_action_state_init ${create} ${u64(31)} ${u64(96)} ${u64(32)}))`);
  t.deepEqual(bad.aborted, { ExecutionError: 'contract code hash is malformed' });
});

test('failures: deposit over the balance (BalanceExceeded), invalid account id, joint promise, view call', (t) => {
  t.deepEqual(run(`(drop ${byAccount(create)})`, { context: { accountBalance: 0n, attachedDeposit: 0n } }).aborted, { ExecutionError: 'Exceeded the account balance.' });
  const badId = call(
    program({ imports: IMPORTS, data: [[0, 'rick.test'], [16, 'Not An Id'], [32, amount(0n)]], body: `(drop (call $promise_batch_action_state_init_by_account_id ${create} ${u64(9)} ${u64(16)} ${u64(32)}))` }),
  );
  t.deepEqual(badId.aborted, { ExecutionError: 'VM Logic returned an invalid account id' });
  const joint = call(
    program({
      imports: [...IMPORTS, 'promise_and'],
      data: DATA,
      body: `(i64.store (i32.const 200) ${create}) (drop ${byAccount(`(call $promise_and ${u64(200)} ${u64(1)})`)})`,
    }),
    { context: { accountBalance: 1000n } },
  );
  t.deepEqual(joint.aborted, { ExecutionError: 'Actions can only be appended to non-joint promise.' });
  for (const fn of ['promise_batch_action_state_init', 'promise_batch_action_state_init_by_account_id']) {
    const view = call(program({ imports: [fn], body: `(drop (call $${fn} ${u64(0)} ${u64(0)} ${u64(0)} ${u64(0)}))` }), { context: { isView: true } });
    t.deepEqual(view.aborted, { ExecutionError: `${fn} is not allowed in view calls` });
  }
  const viewEntry = call(program({ imports: ['set_state_init_data_entry'], body: entry(u64(0), u64(0)) }), { context: { isView: true } });
  t.deepEqual(viewEntry.aborted, { ExecutionError: 'set_state_init_data_entry is not allowed in view calls' });
});

test('set_state_init_data_entry: fees are paid before the action index and key are checked (InvalidActionIndex, DataEntryAlreadyExists)', (t) => {
  const notStateInit = call(
    program({
      imports: [...IMPORTS, 'promise_batch_action_transfer'],
      data: DATA,
      body: `(global.set $p ${create}) (call $promise_batch_action_transfer (global.get $p) ${u64(32)}) ${entry('(global.get $p)', u64(0))}`,
      extra: '(global $p (mut i64) (i64.const 0))',
    }),
    { context: { accountBalance: 1000n } },
  );
  t.is(notStateInit.aborted?.ExecutionError, 'action index 0 does not refer to a DeterministicStateInit action of this promise');
  t.is(notStateInit.profile.DETERMINISTIC_STATE_INIT_BYTE, 8n * fees.deterministicStateInitByte.sendNotSir);
  const outOfRange = run(`(global.set $p ${create}) ${entry('(global.get $p)', u64(5))}`);
  t.is(outOfRange.aborted?.ExecutionError, 'action index 5 does not refer to a DeterministicStateInit action of this promise');
  const twice = run(
    `(global.set $p ${create}) (global.set $a ${byAccount('(global.get $p)')})
     ${entry('(global.get $p)', '(global.get $a)')} ${entry('(global.get $p)', '(global.get $a)', [3, 64], [3, 64])}`,
    { context: { accountBalance: 1000n } },
  );
  t.is(twice.aborted?.ExecutionError, 'the state init already has a data entry with this key');
  // the promise is looked up before key and value are read: a bad index fails without reading memory out of bounds
  const badPromise = run(entry(u64(7), u64(0), [3, 1 << 30]));
  t.deepEqual(badPromise.aborted, { ExecutionError: '7 does not correspond to existing promises' });
});

test('state init to the current account: sender-is-receiver fees; PV 77 does not link the functions', (t) => {
  const o = call(
    program({ imports: IMPORTS, data: [[0, 'alice.near'], [16, 'global.near'], [32, amount(0n)]], body: `(drop (call $promise_batch_action_state_init_by_account_id (call $promise_batch_create ${u64(10)} ${u64(0)}) ${u64(11)} ${u64(16)} ${u64(32)}))` }),
  );
  t.is(o.aborted, null);
  t.is(o.profile.DETERMINISTIC_STATE_INIT_BASE, fees.deterministicStateInitBase.sendSir);
  const at77 = call(program({ imports: ['promise_batch_action_state_init'], body: `(drop (call $promise_batch_action_state_init ${u64(0)} ${u64(0)} ${u64(0)} ${u64(0)}))` }), { protocolVersion: 77 });
  t.regex(String(at77.aborted?.ExecutionError), /^Link Error/);
});

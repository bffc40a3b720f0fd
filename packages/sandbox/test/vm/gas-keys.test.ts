/**
 * The gas-key host functions (gas_key_host_fns, 85.yaml; nearcore runtime/near-vm-runner/src/logic/logic.rs
 * `promise_batch_action_transfer_to_gas_key`, `promise_batch_action_add_gas_key_with_full_access`,
 * `promise_batch_action_add_gas_key_with_function_call`; fees from core/parameters/src/cost.rs
 * `gas_key_transfer_send_fee` / `gas_key_transfer_exec_fee` / `gas_key_add_key_exec_fee` and gas_counter.rs
 * `pay_gas_key_add_key_fees`). PV 86 values: gas_key_transfer_base 115_123_062_500 send / 235_676_644_250 exec,
 * gas_key_byte 59_357_464 / 101_435_400, gas_key_nonce_write_base 0 / 64_196_736_000, new_action_receipt exec
 * 108_059_500_000, add_full_access_key 101_765_125_000, add_function_call_key 102_217_625_000 + 1_925_331 per byte.
 */
import test from 'ava';
import { KeyPair } from '../../src/primitives/crypto.js';
import { publicKeyBorsh } from '../../src/primitives/crypto.js';
import { call, program, u64 } from './helpers.js';

const PK = publicKeyBorsh(KeyPair.fromSeed('gas key').publicKey); // 33 bytes: ed25519 tag + key
const U128 = (v: bigint) => Uint8Array.from({ length: 16 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

test('transfer_to_gas_key: TransferToGasKey on the receipt; burns base + 33·gas_key_byte send, reserves the exec fee; the amount leaves the balance', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_transfer_to_gas_key'],
      data: [[0, 'bob.near'], [16, PK], [64, U128(60n)]],
      body: `(call $promise_batch_action_transfer_to_gas_key (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(33)} ${u64(16)} ${u64(64)})`,
    }),
  );
  t.is(o.aborted, null);
  t.deepEqual(o.receipts[0]!.actions, [{ kind: 'TransferToGasKey', publicKey: PK, deposit: 60n }]);
  t.is(o.profile.GAS_KEY_TRANSFER_BASE, 115_123_062_500n);
  t.is(o.profile.GAS_KEY_BYTE, 1_958_796_312n); // 59_357_464 · 33
  // new_action_receipt + gas_key_transfer_base + gas_key_byte · (1 + 8 + 1 + 33 + 27): exec, reserved for the receipt
  t.is(o.usedGas - o.burntGas, 350_836_622_250n);
  t.is(o.balance, 110n - 60n); // account_balance 100 + attached 10
});

test('transfer_to_gas_key: more than the balance is BalanceExceeded; a bad key is InvalidPublicKey (decoded after the fees); prohibited in views', (t) => {
  const run = (amount: bigint, key: Uint8Array, isView = false) =>
    call(
      program({
        imports: ['promise_batch_create', 'promise_batch_action_transfer_to_gas_key'],
        data: [[0, 'bob.near'], [16, key], [64, U128(amount)]],
        body: `(call $promise_batch_action_transfer_to_gas_key (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(key.length)} ${u64(16)} ${u64(64)})`,
      }),
      { context: { isView } },
    );
  t.deepEqual(run(111n, PK).aborted, { ExecutionError: 'Exceeded the account balance.' });
  const bad = run(1n, Uint8Array.of(0, 1, 2));
  t.deepEqual(bad.aborted, { ExecutionError: 'VM Logic provided an invalid public key' });
  t.is(bad.profile.GAS_KEY_BYTE, 3n * 59_357_464n);
  t.deepEqual(run(1n, PK, true).aborted, { ExecutionError: 'promise_batch_create is not allowed in view calls' });
  const view = call(program({ imports: ['promise_batch_action_transfer_to_gas_key'], body: `(call $promise_batch_action_transfer_to_gas_key ${u64(0)} ${u64(0)} ${u64(0)} ${u64(0)})` }), {
    context: { isView: true },
  });
  t.deepEqual(view.aborted, { ExecutionError: 'promise_batch_action_transfer_to_gas_key is not allowed in view calls' });
});

test('add_gas_key_with_full_access: AddKey GasKeyFullAccess (balance 0); add_full_access_key + 18·gas_key_byte send; nonce rows reserved', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_add_gas_key_with_full_access'],
      data: [[0, 'bob.near'], [16, PK]],
      body: `(call $promise_batch_action_add_gas_key_with_full_access (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(33)} ${u64(16)} ${u64(2)})`,
    }),
  );
  t.is(o.aborted, null);
  t.deepEqual(o.receipts[0]!.actions, [{ kind: 'AddKey', publicKey: PK, nonce: 0n, permission: { kind: 'GasKeyFullAccess', numNonces: 2 } }]);
  t.is(o.profile.ADD_FULL_ACCESS_KEY, 101_765_125_000n);
  t.is(o.profile.GAS_KEY_BYTE, 1_068_434_352n); // 59_357_464 · 18 (GasKeyInfo borsh)
  // new_action_receipt + add_full_access_key + 2·gas_key_nonce_write_base + gas_key_byte · (1 + 8 + 1 + 33 + 2 + 8) · 2
  t.is(o.usedGas - o.burntGas, 348_970_249_400n);
});

test('add_gas_key_with_full_access: num_nonces beyond u16 is IntegerOverflow', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_add_gas_key_with_full_access'],
      data: [[0, 'bob.near'], [16, PK]],
      body: `(call $promise_batch_action_add_gas_key_with_full_access (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(33)} ${u64(16)} ${u64(65_536)})`,
    }),
  );
  t.deepEqual(o.aborted, { ExecutionError: 'Integer overflow.' });
});

test('add_gas_key_with_function_call: AddKey GasKeyFunctionCall with receiver and methods; function-call key fees plus the gas-key fees', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_add_gas_key_with_function_call'],
      data: [[0, 'bob.near'], [16, PK], [64, U128(0n)], [96, 'app.near'], [112, 'ping,pong']],
      body: `(call $promise_batch_action_add_gas_key_with_function_call (call $promise_batch_create ${u64(8)} ${u64(0)})
        ${u64(33)} ${u64(16)} ${u64(2)} ${u64(64)} ${u64(8)} ${u64(96)} ${u64(9)} ${u64(112)})`,
    }),
  );
  t.is(o.aborted, null);
  t.deepEqual(o.receipts[0]!.actions, [{
    kind: 'AddKey', publicKey: PK, nonce: 0n,
    permission: { kind: 'GasKeyFunctionCall', numNonces: 2, allowance: null, receiverId: 'app.near', methodNames: ['ping', 'pong'] },
  }]);
  t.is(o.profile.ADD_FUNCTION_CALL_KEY_BASE, 102_217_625_000n);
  t.is(o.profile.ADD_FUNCTION_CALL_KEY_BYTE, 10n * 47_683_715n); // (4 + 1) · 2 bytes at send_not_sir
  // new_action_receipt + add_function_call_key (base + 10 bytes) + 2·nonce_write_base + gas_key_byte · 53 · 2
  t.is(o.usedGas - o.burntGas, 349_442_002_710n);
  const empty = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_add_gas_key_with_function_call'],
      data: [[0, 'bob.near'], [16, PK], [64, U128(0n)], [96, 'app.near'], [112, 'ping,,pong']],
      body: `(call $promise_batch_action_add_gas_key_with_function_call (call $promise_batch_create ${u64(8)} ${u64(0)})
        ${u64(33)} ${u64(16)} ${u64(2)} ${u64(64)} ${u64(8)} ${u64(96)} ${u64(10)} ${u64(112)})`,
    }),
  );
  t.deepEqual(empty.aborted, { ExecutionError: 'Tried to call an empty method name.' }); // utils.rs split_method_names: EmptyMethodName
});

test('the gas-key host functions do not link at 77 (gas_key_host_fns off)', (t) => {
  const o = call(program({ imports: ['promise_batch_action_transfer_to_gas_key'], body: `(call $promise_batch_action_transfer_to_gas_key ${u64(0)} ${u64(0)} ${u64(0)} ${u64(0)})` }), {
    protocolVersion: 77,
  });
  t.regex(JSON.stringify(o.aborted), /promise_batch_action_transfer_to_gas_key/);
  t.regex(JSON.stringify(o.aborted), /LinkError|Link Error|unknown import/i);
});

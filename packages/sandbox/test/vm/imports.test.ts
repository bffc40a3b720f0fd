/**
 * Which `env` imports link at each protocol version (nearcore runtime/near-vm-runner/src/imports.rs) and the text of
 * the link error each VM gives: Wasmtime from 84 ("unknown or invalid import", wasmtime_runner/mod.rs
 * into_vm_error), NearVM before (`Error while importing "env"."<name>": unknown import. Expected <type>`,
 * nearcore test_bad_import_4). The module below imports every host function protocol 86 links.
 */
import test from 'ava';
import { runtimeConfig } from '../../src/parameters/index.js';
import { HOST_FUNCTIONS, hostFunctionsAt } from '../../src/vm/index.js';
import { call, imports, wat } from './helpers.js';

/** Host functions nearcore 2.13.4 (protocol 86) links that nearcore 2.6.2 (protocol 77) does not. */
const NEW_AT_86 = [
  'chain_id', 'refund_to_account_id', 'current_contract_code', 'p256_verify', 'promise_set_refund_to',
  'promise_batch_action_deploy_global_contract', 'promise_batch_action_deploy_global_contract_by_account_id',
  'promise_batch_action_use_global_contract', 'promise_batch_action_use_global_contract_by_account_id',
  'promise_batch_action_state_init', 'promise_batch_action_state_init_by_account_id', 'set_state_init_data_entry',
  'promise_batch_action_transfer_to_gas_key', 'promise_batch_action_add_gas_key_with_full_access',
  'promise_batch_action_add_gas_key_with_function_call', 'promise_yield_create_with_id', 'promise_yield_resume_with_yield_id',
];
// The imports the MPC signer contract 3.14.x needs beyond 3.7.0 (issue 15).
const MPC_SIGNER_3_14 = [
  'bls12381_p1_decompress', 'bls12381_p2_decompress', 'bls12381_pairing_check', 'promise_batch_action_deploy_global_contract',
  'promise_batch_action_deploy_global_contract_by_account_id', 'promise_batch_action_use_global_contract',
  'promise_batch_action_use_global_contract_by_account_id', 'promise_batch_action_transfer_to_gas_key',
  'promise_batch_action_add_gas_key_with_full_access', 'promise_batch_action_add_gas_key_with_function_call',
];

const everything86 = wat(`(module ${imports(...hostFunctionsAt(runtimeConfig(86)))} (memory 1) (func (export "main")))`);

test('protocol 86 links 89 host functions plus the sandbox build\'s sandbox_debug_log; 77 links 73 (imports.rs)', (t) => {
  const at86 = hostFunctionsAt(runtimeConfig(86));
  const at77 = hostFunctionsAt(runtimeConfig(77));
  t.is(at86.length, 90);
  t.true(at86.includes('sandbox_debug_log'));
  t.deepEqual(at86.filter((n) => !at77.includes(n)).sort(), [...NEW_AT_86].sort());
  t.is(at77.length, 90 - NEW_AT_86.length);
  for (const name of MPC_SIGNER_3_14) t.true(at86.includes(name), name);
  t.is(Object.keys(HOST_FUNCTIONS).length, 90);
});

test('a module importing every 86 host function links and runs at 86', (t) => {
  const o = call(everything86, { protocolVersion: 86 });
  t.is(o.aborted, null);
});

test('the same module at 77 fails to link on chain_id with NearVM\'s text, after the loading fee', (t) => {
  const o = call(everything86, { protocolVersion: 77 });
  t.deepEqual(o.aborted, {
    ExecutionError: 'Link Error: Error while importing "env"."chain_id": unknown import. Expected Function(FunctionType { params: [I64], results: [] })',
  });
  const ext = runtimeConfig(77).extCosts;
  t.is(o.burntGas, ext.contract_loading_base! + ext.contract_loading_bytes! * BigInt(everything86.length));
});

test('each host function new at 86 is refused at 77 by name, and BLS12-381 links at both', (t) => {
  for (const name of NEW_AT_86) {
    const code = wat(`(module ${imports(name)} (memory 1) (func (export "main")))`);
    t.regex(String(call(code, { protocolVersion: 77 }).aborted?.ExecutionError), new RegExp(`^Link Error: Error while importing "env"\\."${name}": unknown import\\. Expected Function\\(`), name);
    t.is(call(code, { protocolVersion: 86 }).aborted, null, name);
  }
  const bls = wat(`(module ${imports('bls12381_p1_decompress', 'bls12381_p2_decompress', 'bls12381_pairing_check')} (memory 1) (func (export "main")))`);
  t.is(call(bls, { protocolVersion: 77 }).aborted, null);
});

test('at 86 an unknown import is "Link Error: unknown or invalid import"; a mistyped one names both types', (t) => {
  const unknown = wat(`(module (import "env" "sha3_256" (func (param i64 i64 i64))) (memory 1) (func (export "main")))`);
  t.deepEqual(call(unknown, { protocolVersion: 86 }).aborted, { ExecutionError: 'Link Error: unknown or invalid import' });
  const mistyped = wat(`(module (import "env" "chain_id" (func (param i32))) (memory 1) (func (export "main")))`);
  t.deepEqual(call(mistyped, { protocolVersion: 86 }).aborted, {
    ExecutionError: 'Link Error: types incompatible: expected type `(func (param i32))`, found type `(func (param i64))`',
  });
  t.deepEqual(call(mistyped, { protocolVersion: 77 }).aborted, {
    ExecutionError: 'Link Error: Error while importing "env"."chain_id": unknown import. Expected Function(FunctionType { params: [I32], results: [] })',
  });
});

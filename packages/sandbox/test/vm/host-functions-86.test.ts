/**
 * Host functions protocol 86 added to the VM (nearcore runtime/near-vm-runner/src/wasmtime_runner/logic.rs, as
 * nearcore 2.13.4 links them): chain_id, refund_to_account_id, current_contract_code, promise_set_refund_to,
 * the global-contract actions (state init: test/vm/state-init.test.ts), and the sandbox build's sandbox_debug_log. Fees from the PV86 table (77.yaml for
 * the global-contract action fees).
 */
import test from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, MemoryExternal, program, u64 } from './helpers.js';

const config = runtimeConfig(86);
const fees = config.actionFees;
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const RET_REG0 = `(call $value_return ${u64(-1)} ${u64(0)})`;
const returned = (o: { returnData: { kind: string; value?: Uint8Array } }) => (o.returnData.kind === 'Value' ? o.returnData.value! : undefined);

test('chain_id writes the genesis chain id, also in a view; costs base + register write (chain_id_host_fn)', (t) => {
  const code = program({ imports: ['chain_id', 'value_return'], body: `(call $chain_id ${u64(0)}) ${RET_REG0}` });
  const o = call(code, { context: { chainId: 'localnet' } });
  t.is(text(returned(o)), 'localnet');
  t.is(o.profile.WRITE_REGISTER_BYTE, 8n * config.extCosts.write_register_byte!);
  t.is(text(returned(call(code, { context: { chainId: 'localnet', isView: true } }))), 'localnet');
});

test('refund_to_account_id: the receipt\'s refund_to, else the predecessor; prohibited in views', (t) => {
  const code = program({ imports: ['refund_to_account_id', 'value_return'], body: `(call $refund_to_account_id ${u64(0)}) ${RET_REG0}` });
  t.is(text(returned(call(code))), 'carol.near');
  t.is(text(returned(call(code, { context: { refundToAccountId: 'dave.near' } }))), 'dave.near');
  t.deepEqual(call(code, { context: { isView: true } }).aborted, { ExecutionError: 'refund_to_account_id is not allowed in view calls' });
});

test('current_contract_code: 0 none, 1 local hash, 2 global hash, 3 global account id (AccountContract)', (t) => {
  const code = program({
    imports: ['current_contract_code', 'value_return'],
    body: `(i64.store (i32.const 0) (call $current_contract_code ${u64(0)}))
      (if (i64.eqz (i64.load (i32.const 0))) (then (call $value_return ${u64(8)} ${u64(0)})) (else ${RET_REG0}))`,
  });
  const hash = sha256(new TextEncoder().encode('code'));
  t.deepEqual(returned(call(code, { context: { accountContract: { kind: 'None' } } })), new Uint8Array(8));
  t.deepEqual(returned(call(code, { context: { accountContract: { kind: 'Local', hash } } })), hash);
  const kind = (c: Parameters<typeof call>[1]) => {
    const o = program({ imports: ['current_contract_code', 'value_return'], body: `(i64.store (i32.const 0) (call $current_contract_code ${u64(0)})) (call $value_return ${u64(8)} ${u64(0)})` });
    return returned(call(o, c))![0];
  };
  t.is(kind({ context: { accountContract: { kind: 'Global', hash } } }), 2);
  t.is(kind({ context: { accountContract: { kind: 'GlobalByAccount', accountId: 'lib.near' } } }), 3);
  t.is(text(returned(call(code, { context: { accountContract: { kind: 'GlobalByAccount', accountId: 'lib.near' } } }))), 'lib.near');
});

test('promise_set_refund_to sets the receipt\'s refund receiver; a joint promise is refused', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_set_refund_to'],
      data: [[0, 'bob.near'], [16, 'dave.near']],
      body: `(call $promise_set_refund_to (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(9)} ${u64(16)})`,
    }),
  );
  t.is(o.aborted, null);
  t.is(o.receipts[0]!.refundTo, 'dave.near');
  const joint = call(
    program({
      imports: ['promise_batch_create', 'promise_and', 'promise_set_refund_to'],
      data: [[0, 'bob.near'], [16, 'dave.near']],
      body: `(i64.store (i32.const 100) (call $promise_batch_create ${u64(8)} ${u64(0)}))
        (call $promise_set_refund_to (call $promise_and ${u64(100)} ${u64(1)}) ${u64(9)} ${u64(16)})`,
    }),
  );
  t.regex(String(joint.aborted?.ExecutionError), /joint promise/);
  t.is(joint.receipts.length, 0);
});

test('deploy_global_contract[_by_account_id]: code to the receipt, base + per-byte deploy_global_contract fees (burn send, use send + exec)', (t) => {
  const wasm = new Uint8Array(100).fill(1);
  for (const [fn, deployMode] of [['promise_batch_action_deploy_global_contract', 'CodeHash'], ['promise_batch_action_deploy_global_contract_by_account_id', 'AccountId']] as const) {
    const o = call(
      program({
        imports: ['promise_batch_create', fn],
        data: [[0, 'bob.near'], [32, wasm]],
        body: `(call $${fn} (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(100)} ${u64(32)})`,
      }),
    );
    t.is(o.aborted, null, fn);
    t.deepEqual(o.receipts[0]!.actions, [{ kind: 'DeployGlobalContract', code: wasm, deployMode }]);
    t.is(o.profile.DEPLOY_GLOBAL_CONTRACT_BASE, fees.deployGlobalContractBase.sendNotSir);
    t.is(o.profile.DEPLOY_GLOBAL_CONTRACT_BYTE, 100n * fees.deployGlobalContractByte.sendNotSir);
    const reserved = fees.newActionReceipt.execution + fees.deployGlobalContractBase.execution + 100n * fees.deployGlobalContractByte.execution;
    t.is(o.usedGas - o.burntGas, reserved, fn);
  }
});

test('deploy_global_contract: code over max_contract_size is ContractSizeExceeded; prohibited in views', (t) => {
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_deploy_global_contract'],
      data: [[0, 'bob.near']],
      body: `(call $promise_batch_action_deploy_global_contract (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(config.wasm.maxContractSize + 1)} ${u64(0)})`,
    }),
  );
  t.deepEqual(o.aborted, { ExecutionError: `The size of a contract code in DeployContract action ${config.wasm.maxContractSize + 1} exceeds the limit ${config.wasm.maxContractSize}` });
  const view = call(program({ imports: ['promise_batch_action_deploy_global_contract'], body: `(call $promise_batch_action_deploy_global_contract ${u64(0)} ${u64(0)} ${u64(0)})` }), { context: { isView: true } });
  t.deepEqual(view.aborted, { ExecutionError: 'promise_batch_action_deploy_global_contract is not allowed in view calls' });
});

test('use_global_contract: a 32-byte hash (else ContractCodeHashMalformed) or an account id; per identifier byte', (t) => {
  const hash = sha256(new TextEncoder().encode('lib'));
  const o = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_use_global_contract', 'promise_batch_action_use_global_contract_by_account_id'],
      data: [[0, 'bob.near'], [32, hash], [64, 'lib.near']],
      body: `(drop (call $promise_batch_create ${u64(8)} ${u64(0)}))
        (call $promise_batch_action_use_global_contract ${u64(0)} ${u64(32)} ${u64(32)})
        (call $promise_batch_action_use_global_contract_by_account_id ${u64(0)} ${u64(8)} ${u64(64)})`,
    }),
  );
  t.is(o.aborted, null);
  t.deepEqual(o.receipts[0]!.actions, [
    { kind: 'UseGlobalContract', contractIdentifier: { kind: 'CodeHash', hash } },
    { kind: 'UseGlobalContract', contractIdentifier: { kind: 'AccountId', accountId: 'lib.near' } },
  ]);
  t.is(o.profile.USE_GLOBAL_CONTRACT_BASE, 2n * fees.useGlobalContractBase.sendNotSir);
  t.is(o.profile.USE_GLOBAL_CONTRACT_BYTE, (32n + 8n) * fees.useGlobalContractByte.sendNotSir);
  const bad = call(
    program({
      imports: ['promise_batch_create', 'promise_batch_action_use_global_contract'],
      data: [[0, 'bob.near']],
      body: `(call $promise_batch_action_use_global_contract (call $promise_batch_create ${u64(8)} ${u64(0)}) ${u64(31)} ${u64(0)})`,
    }),
  );
  t.deepEqual(bad.aborted, { ExecutionError: 'contract code hash is malformed' });
});

test('sandbox_debug_log is free and reaches the node; invalid UTF-8 is BadUTF8', (t) => {
  const external = new MemoryExternal();
  const seen: string[] = [];
  external.sandboxDebugLog = (m) => seen.push(m);
  const o = call(program({ imports: ['sandbox_debug_log'], data: [[0, 'hello']], body: `(call $sandbox_debug_log ${u64(5)} ${u64(0)})` }), { external });
  t.is(o.aborted, null);
  t.deepEqual(seen, ['hello']);
  t.false('BASE' in o.profile);
  const bad = call(program({ imports: ['sandbox_debug_log'], data: [[0, new Uint8Array([0xff])]], body: `(call $sandbox_debug_log ${u64(1)} ${u64(0)})` }));
  t.deepEqual(bad.aborted, { ExecutionError: 'String encoding is bad UTF-8 sequence.' });
});

/**
 * Global contracts (protocol 77; nearcore runtime/runtime/src/global_contracts.rs, actions.rs, verifier.rs,
 * 77.yaml fees): DeployGlobalContract burns the code's storage at global_contract_storage_amount_per_byte,
 * UseGlobalContract points an account at it (storage usage + identifier length, local code dropped), the
 * account then runs and views that code; borsh variant indices 9 and 10 (core/primitives/src/action/mod.rs).
 */
import test from 'ava';
import { base58 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import wabtInit from 'wabt';
import { createSandbox, NEAR, TGAS } from '../../src/index.js';
import { decodeSignedTransaction, encodeAction } from '../../src/primitives/transaction.js';
import { runtimeConfig } from '../../src/parameters/index.js';

const wabt = await wabtInit();
const wat = (src: string) => {
  const m = wabt.parseWat('c.wat', src);
  try {
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
};
/** `hello` returns `text`; `code_kind` returns current_contract_code's result as one byte. */
const contract = (text: string) =>
  wat(`(module
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "current_contract_code" (func $ccc (param i64) (result i64)))
  (memory 1)
  (data (i32.const 0) "${text}")
  (func (export "hello") (call $value_return (i64.const ${text.length}) (i64.const 0)))
  (func (export "code_kind") (i64.store8 (i32.const 100) (call $ccc (i64.const 0))) (call $value_return (i64.const 1) (i64.const 100))))`);

const config = runtimeConfig(86);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test('DeployGlobalContract (by hash) burns 10^20 yN per code byte; UseGlobalContract adds 32 bytes and runs that code', (t) => {
  const node = createSandbox();
  node.createAccount('lib.test.near', { balance: 10n * NEAR });
  node.createAccount('alice.test.near', { balance: 10n * NEAR });
  const code = contract('global hi');
  const hash = sha256(code);
  const before = node.viewAccount('lib.test.near');
  const deploy = node.signAndSendTransaction('lib.test.near', 'lib.test.near', [{ type: 'DeployGlobalContract', code, deployMode: 'CodeHash' }]);
  t.true(deploy.succeeded, JSON.stringify(deploy.failure));
  const after = node.viewAccount('lib.test.near');
  const storageCost = 100_000_000_000_000_000_000n * BigInt(code.length);
  // global_contracts.rs action_deploy_global_contract: `result.tokens_burnt += storage_cost`, so the receipt reports it
  t.is(BigInt(before.amount) - BigInt(after.amount), deploy.tokensBurnt);
  t.true(BigInt(deploy.receipts[0]!.outcome.tokens_burnt) > storageCost);
  t.is(after.storage_usage, before.storage_usage); // the code lives in the global trie, not in the account
  // conversion charges new_action_receipt + deploy_global_contract base + per byte (send, sender is receiver)
  const f = config.actionFees;
  t.is(BigInt(deploy.transactionOutcome.outcome.gas_burnt), f.newActionReceipt.sendSir + f.deployGlobalContractBase.sendSir + f.deployGlobalContractByte.sendSir * BigInt(code.length));

  const usage = node.viewAccount('alice.test.near').storage_usage;
  const use = node.signAndSendTransaction('alice.test.near', 'alice.test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'CodeHash', hash } }]);
  t.true(use.succeeded, JSON.stringify(use.failure));
  const view = node.viewAccount('alice.test.near');
  t.is(view.storage_usage, usage + 32);
  t.is(view.code_hash, base58.encode(hash));
  t.is(view.global_contract_hash, base58.encode(hash));
  t.deepEqual(node.viewCode('alice.test.near'), code);
  t.is(text(node.call('alice.test.near', 'alice.test.near', 'hello').bytes()), 'global hi');
  t.deepEqual([...node.call('alice.test.near', 'alice.test.near', 'code_kind').bytes()], [2]);
});

test('by account id: the user runs whatever that account deployed last, storage + id length, current_contract_code 3', (t) => {
  const node = createSandbox();
  node.createAccount('lib.test.near', { balance: 10n * NEAR });
  node.createAccount('bob.test.near', { balance: 10n * NEAR });
  node.deployContract('bob.test.near', contract('local'));
  const localUsage = node.viewAccount('bob.test.near').storage_usage;
  const localLen = contract('local').length;
  t.true(node.signAndSendTransaction('lib.test.near', 'lib.test.near', [{ type: 'DeployGlobalContract', code: contract('v1'), deployMode: 'AccountId' }]).succeeded);
  const use = node.signAndSendTransaction('bob.test.near', 'bob.test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'AccountId', accountId: 'lib.test.near' } }]);
  t.true(use.succeeded, JSON.stringify(use.failure));
  const view = node.viewAccount('bob.test.near');
  t.is(view.storage_usage, localUsage - localLen + 'lib.test.near'.length); // the local code's bytes are released
  t.is(view.global_contract_account_id, 'lib.test.near');
  t.is(text(node.viewFunction('bob.test.near', 'hello').result), 'v1');
  t.deepEqual([...node.call('bob.test.near', 'bob.test.near', 'code_kind').bytes()], [3]);
  t.true(node.signAndSendTransaction('lib.test.near', 'lib.test.near', [{ type: 'DeployGlobalContract', code: contract('v2'), deployMode: 'AccountId' }]).succeeded);
  t.is(text(node.viewFunction('bob.test.near', 'hello').result), 'v2');
  t.is(node.viewAccount('bob.test.near').code_hash, base58.encode(sha256(contract('v2'))));
  // a local deploy replaces the global contract and gives its identifier bytes back
  node.deployContract('bob.test.near', contract('local'));
  t.is(node.viewAccount('bob.test.near').storage_usage, localUsage);
  t.is(node.viewAccount('bob.test.near').global_contract_account_id, undefined);
});

test('failures: unknown global contract, too little balance for the code, another account\'s global use (ActorNoPermission)', (t) => {
  const node = createSandbox();
  node.createAccount('poor.test.near', { balance: NEAR / 100n });
  const hash = sha256(new Uint8Array([1]));
  t.deepEqual(node.signAndSendTransaction('test.near', 'test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'CodeHash', hash } }]).failure, {
    ActionError: { index: 0, kind: { GlobalContractDoesNotExist: { identifier: { CodeHash: base58.encode(hash) } } } },
  });
  const code = contract('x');
  const poor = node.signAndSendTransaction('poor.test.near', 'poor.test.near', [{ type: 'DeployGlobalContract', code, deployMode: 'CodeHash' }]);
  t.deepEqual(poor.failure, {
    ActionError: { index: 0, kind: { LackBalanceForState: { account_id: 'poor.test.near', amount: (100_000_000_000_000_000_000n * BigInt(code.length)).toString() } } },
  });
  node.createAccount('alice.test.near');
  t.deepEqual(
    node.signAndSendTransaction('test.near', 'alice.test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'AccountId', accountId: 'test.near' } }]).failure,
    { ActionError: { index: 0, kind: { ActorNoPermission: { account_id: 'alice.test.near', actor_id: 'test.near' } } } },
  );
});

test('the code is distributed by a receipt in a later block: a UseGlobalContract beside the deploy does not see it yet', (t) => {
  const node = createSandbox();
  node.createAccount('lib.test.near', { balance: 10n * NEAR });
  const code = contract('soon');
  const hash = sha256(code);
  const both = node.signAndSendTransaction('lib.test.near', 'lib.test.near', [
    { type: 'DeployGlobalContract', code, deployMode: 'CodeHash' },
    { type: 'UseGlobalContract', contractIdentifier: { type: 'CodeHash', hash } },
  ]);
  t.deepEqual(both.failure, { ActionError: { index: 1, kind: { GlobalContractDoesNotExist: { identifier: { CodeHash: base58.encode(hash) } } } } });
  // the failed receipt distributed nothing
  t.deepEqual(node.signAndSendTransaction('lib.test.near', 'lib.test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'CodeHash', hash } }]).failure, {
    ActionError: { index: 0, kind: { GlobalContractDoesNotExist: { identifier: { CodeHash: base58.encode(hash) } } } },
  });
  t.true(node.signAndSendTransaction('lib.test.near', 'lib.test.near', [{ type: 'DeployGlobalContract', code, deployMode: 'CodeHash' }]).succeeded);
  t.true(node.signAndSendTransaction('lib.test.near', 'lib.test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'CodeHash', hash } }]).succeeded);
  t.is(text(node.viewFunction('lib.test.near', 'hello').result), 'soon');
});

test('borsh: DeployGlobalContract is variant 9 and UseGlobalContract 10; a signed transaction with both round-trips', (t) => {
  const hash = sha256(new Uint8Array([1]));
  const deploy = { type: 'DeployGlobalContract' as const, code: new Uint8Array([0, 97, 115, 109]), deployMode: 'AccountId' as const };
  const use = { type: 'UseGlobalContract' as const, contractIdentifier: { type: 'CodeHash' as const, hash } };
  t.deepEqual([...encodeAction(deploy)], [9, 4, 0, 0, 0, 0, 97, 115, 109, 1]);
  t.deepEqual([...encodeAction(use)].slice(0, 2), [10, 0]);
  const node = createSandbox();
  const signed = node.signTransaction('test.near', 'test.near', [deploy, use]);
  t.deepEqual(decodeSignedTransaction(signed).transaction.actions, [deploy, use]);
});

test('a contract deploys a global contract through promise_batch_action_deploy_global_contract_by_account_id (86)', (t) => {
  const node = createSandbox();
  const factory = wat(`(module
    (import "env" "input" (func $input (param i64)))
    (import "env" "current_account_id" (func $current_account_id (param i64)))
    (import "env" "promise_batch_create" (func $create (param i64 i64) (result i64)))
    (import "env" "promise_batch_action_deploy_global_contract_by_account_id" (func $deploy (param i64 i64 i64)))
    (memory 1)
    (func (export "publish")
      (call $input (i64.const 0))
      (call $current_account_id (i64.const 1))
      (call $deploy (call $create (i64.const -1) (i64.const 1)) (i64.const -1) (i64.const 0))))`);
  node.createAccount('factory.test.near', { balance: 20n * NEAR });
  node.deployContract('factory.test.near', factory);
  const r = node.call('test.near', 'factory.test.near', 'publish', contract('from factory'), { gas: 100n * TGAS });
  t.true(r.succeeded, JSON.stringify(r.receiptFailures));
  node.createAccount('user.test.near', { balance: 5n * NEAR });
  t.true(node.signAndSendTransaction('user.test.near', 'user.test.near', [{ type: 'UseGlobalContract', contractIdentifier: { type: 'AccountId', accountId: 'factory.test.near' } }]).succeeded);
  t.is(text(node.viewFunction('user.test.near', 'hello').result), 'from factory');
});

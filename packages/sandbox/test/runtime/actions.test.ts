import test from 'ava';
import { createSandbox, KeyPair, NEAR, TGAS, KeyType } from '../../src/index.js';
import { nearImplicitAccountId, ethImplicitAccountId } from '../../src/primitives/account-id.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';

const BURN_PRICE = 100_000_000n; // sandbox min gas price
const PURCHASE_PRICE = 1_000_000_000n; // PV 86 min_gas_purchase_price

const STORAGE_PRICE = 10n ** 19n; // storage_amount_per_byte

test('CreateAccount + Transfer + AddKey: sub-account of the predecessor, 182 bytes, key nonce (height−1)·10^6', (t) => {
  const node = createSandbox();
  const kp = KeyPair.fromLabel('carol');
  const r = node.signAndSendTransaction('test.near', 'carol.test.near', [
    { type: 'CreateAccount' },
    { type: 'Transfer', deposit: 5n * NEAR },
    { type: 'AddKey', publicKey: kp.publicKey, accessKey: { nonce: 42n, permission: { type: 'FullAccess' } } },
  ]);
  t.true(r.succeeded);
  const account = node.viewAccount('carol.test.near');
  t.is(account.amount, (5n * NEAR).toString());
  t.is(account.storage_usage, 182); // 100 + 33 + 9 + 40 (nearcore-runtime notes §8)
  const execHeight = node.getBlock(r.receipts[0]!.block_hash).height;
  t.is(node.viewAccessKey('carol.test.near', kp.publicKey).nonce, Number((execHeight - 1n) * 1_000_000n)); // action nonce 42 ignored
});

test('CreateAccount rules: AccountAlreadyExists, CreateAccountNotAllowed (not a direct sub-account), CreateAccountOnlyByRegistrar (top-level)', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const create = (signer: string, id: string) => node.signAndSendTransaction(signer, id, [{ type: 'CreateAccount' }, { type: 'Transfer', deposit: NEAR }]);
  t.deepEqual(create('test.near', 'alice.test.near').failure, { ActionError: { index: 0, kind: { AccountAlreadyExists: { account_id: 'alice.test.near' } } } });
  t.deepEqual(create('test.near', 'x.alice.test.near').failure, {
    ActionError: { index: 0, kind: { CreateAccountNotAllowed: { account_id: 'x.alice.test.near', predecessor_id: 'test.near' } } },
  });
  t.deepEqual(create('alice.test.near', 'bob.test.near').failure, {
    ActionError: { index: 0, kind: { CreateAccountNotAllowed: { account_id: 'bob.test.near', predecessor_id: 'alice.test.near' } } },
  });
  t.deepEqual(create('test.near', 'toplevel').failure, {
    ActionError: { index: 0, kind: { CreateAccountOnlyByRegistrar: { account_id: 'toplevel', registrar_account_id: 'registrar', predecessor_id: 'test.near' } } },
  });
  t.throws(() => node.viewAccount('toplevel'));
  t.true(create('alice.test.near', 'x.alice.test.near').succeeded);
});

test('a failing action rolls back the whole receipt and refunds the deposit to the predecessor', (t) => {
  const node = createSandbox();
  const before = node.getBalance('test.near');
  const r = node.signAndSendTransaction('test.near', 'dave.test.near', [
    { type: 'CreateAccount' },
    { type: 'Transfer', deposit: 7n * NEAR },
    { type: 'FunctionCall', methodName: 'init', args: new Uint8Array(), gas: 10n * TGAS, deposit: 0n },
  ]);
  t.deepEqual(r.failure, { ActionError: { index: 2, kind: { FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: 'dave.test.near' } } } } } });
  t.throws(() => node.viewAccount('dave.test.near'), { message: /does not exist/ });
  // deposit refund receipt from system, then the gas refund
  const refunds = r.receipts.slice(1).map((o) => node.getReceipt(o.id) as any);
  t.deepEqual(refunds.map((x) => x.predecessor_id), ['system', 'system']);
  t.deepEqual(refunds[0].receipt.Action.actions, [{ Transfer: { deposit: (7n * NEAR).toString() } }]);
  t.is(node.getBalance('test.near'), before - r.tokensBurnt);
});

test('Transfer to a missing named account: AccountDoesNotExist; deposit comes back', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const before = node.getBalance('alice.test.near');
  const r = node.transfer('alice.test.near', 'nobody.test.near', NEAR);
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { AccountDoesNotExist: { account_id: 'nobody.test.near' } } } });
  t.is(node.getBalance('alice.test.near'), before - r.tokensBurnt);
});

test('NEAR-implicit account: a transfer creates it with the key its id encodes, 182 bytes; creation fees charged', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const kp = KeyPair.fromLabel('implicit');
  const id = nearImplicitAccountId(kp.publicKey.data);
  const r = node.transfer('alice.test.near', id, NEAR);
  t.true(r.succeeded);
  const f = node.config.actionFees;
  // send fees: new receipt + transfer + create_account + add_full_access_key (config.rs transfer_send_fee)
  t.is(BigInt(r.transactionOutcome.outcome.gas_burnt), f.newActionReceipt.sendNotSir + f.transfer.sendNotSir + f.createAccount.sendNotSir + f.addFullAccessKey.sendNotSir);
  t.is(node.viewAccount(id).storage_usage, 182);
  t.is(node.viewAccount(id).amount, NEAR.toString());
  node.setKeyPair(id, kp);
  t.true(node.transfer(id, 'alice.test.near', 1n).succeeded);
  // CreateAccount of an implicit id is refused
  const c = node.signAndSendTransaction('test.near', nearImplicitAccountId(KeyPair.fromLabel('other').publicKey.data), [{ type: 'CreateAccount' }]);
  t.is(Object.keys((c.failure as any).ActionError.kind)[0], 'OnlyImplicitAccountCreationAllowed');
});

test('ETH-implicit account (0x…): created by a transfer, keyless (PV ≥ 70)', (t) => {
  const node = createSandbox();
  const kp = KeyPair.random(KeyType.SECP256K1);
  const id = ethImplicitAccountId(kp.publicKey.data);
  t.regex(id, /^0x[0-9a-f]{40}$/);
  t.true(node.transfer('test.near', id, NEAR).succeeded);
  t.is(node.viewAccount(id).amount, NEAR.toString());
  t.deepEqual(node.viewAccessKeys(id), []);
});

test('AddKey / DeleteKey: storage usage +/− (33 + borsh(access key) + 40); AddKeyAlreadyExists, DeleteKeyDoesNotExist', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const kp = KeyPair.fromLabel('fc');
  const perm = { type: 'FunctionCall' as const, allowance: NEAR, receiverId: 'c.test.near', methodNames: [] };
  const add = () => node.signAndSendTransaction('alice.test.near', 'alice.test.near', [{ type: 'AddKey', publicKey: kp.publicKey, accessKey: { nonce: 0n, permission: perm } }]);
  t.true(add().succeeded);
  t.is(node.viewAccount('alice.test.near').storage_usage, 182 + 118); // notes §8 example: 118 bytes
  t.deepEqual(add().failure, { ActionError: { index: 0, kind: { AddKeyAlreadyExists: { account_id: 'alice.test.near', public_key: kp.publicKeyString } } } });
  const del = () => node.signAndSendTransaction('alice.test.near', 'alice.test.near', [{ type: 'DeleteKey', publicKey: kp.publicKey }]);
  t.true(del().succeeded);
  t.is(node.viewAccount('alice.test.near').storage_usage, 182);
  t.deepEqual(del().failure, { ActionError: { index: 0, kind: { DeleteKeyDoesNotExist: { account_id: 'alice.test.near', public_key: kp.publicKeyString } } } });
});

test('ActorNoPermission: only the account itself may deploy, add/delete keys, stake or delete', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const r = node.signAndSendTransaction('test.near', 'alice.test.near', [{ type: 'AddKey', publicKey: KeyPair.fromLabel('x').publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } }]);
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { ActorNoPermission: { account_id: 'alice.test.near', actor_id: 'test.near' } } } });
  const d = node.signAndSendTransaction('test.near', 'alice.test.near', [{ type: 'DeployContract', code: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }]);
  t.is(Object.keys((d.failure as any).ActionError.kind)[0], 'ActorNoPermission');
});

test('DeployContract: storage usage grows by the code length and shrinks on redeploy; code_hash is sha256', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const code = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
  t.true(node.deployContract('alice.test.near', code).succeeded);
  t.is(node.viewAccount('alice.test.near').storage_usage, 182 + 8);
  t.is(node.viewAccount('alice.test.near').code_hash, base58.encode(sha256(code)));
  t.deepEqual(node.viewCode('alice.test.near'), code);
  t.true(node.deployContract('alice.test.near', new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 0, 0])).succeeded);
  t.is(node.viewAccount('alice.test.near').storage_usage, 182 + 10);
});

test('LackBalanceForState after a receipt (index null): a big deploy on a small account fails and is rolled back', (t) => {
  const node = createSandbox();
  node.createAccount('tiny.test.near', { balance: NEAR / 100n });
  const code = new Uint8Array(2000);
  code.set([0, 97, 115, 109, 1, 0, 0, 0]);
  const before = node.getBalance('tiny.test.near');
  const r = node.deployContract('tiny.test.near', code);
  t.is(node.viewAccount('tiny.test.near').storage_usage, 182); // rolled back
  const f = node.config.actionFees;
  // tx_cost: send fees burnt at 10^8, exec fees bought at 10^9 (sender is receiver: send_sir)
  const txCost = (f.newActionReceipt.sendSir + f.deployContractBase.sendSir + f.deployContractByte.sendSir * 2000n) * BURN_PRICE +
    (f.newActionReceipt.execution + f.deployContractBase.execution + f.deployContractByte.execution * 2000n) * PURCHASE_PRICE;
  t.deepEqual(r.failure, {
    ActionError: { index: null, kind: { LackBalanceForState: { account_id: 'tiny.test.near', amount: (2182n * STORAGE_PRICE - (before - txCost)).toString() } } },
  });
  t.is(node.getBalance('tiny.test.near'), before - r.tokensBurnt);
});

test('DeleteAccount: balance goes to the beneficiary by a system transfer; keys and code are gone', (t) => {
  const node = createSandbox();
  node.createAccount('gone.test.near', { balance: 10n * NEAR });
  node.createAccount('heir.test.near');
  const r = node.signAndSendTransaction('gone.test.near', 'gone.test.near', [{ type: 'DeleteAccount', beneficiaryId: 'heir.test.near' }]);
  t.true(r.succeeded);
  t.throws(() => node.viewAccount('gone.test.near'));
  t.deepEqual(node.viewAccessKeys('gone.test.near'), []);
  const payout = r.receipts.map((o) => node.getReceipt(o.id) as any).find((x) => x.receiver_id === 'heir.test.near');
  t.is(payout.predecessor_id, 'system');
  const paid = BigInt(payout.receipt.Action.actions[0].Transfer.deposit);
  t.is(node.getBalance('heir.test.near'), 100n * NEAR + paid);
  const f = node.config.actionFees;
  const txCost = (f.newActionReceipt.sendSir + f.deleteAccount.sendSir) * BURN_PRICE + (f.newActionReceipt.execution + f.deleteAccount.execution) * PURCHASE_PRICE;
  t.is(paid, 10n * NEAR - txCost);
});

test('DeleteAccount to a missing beneficiary burns the balance (refund receipts never create accounts)', (t) => {
  const node = createSandbox();
  node.createAccount('gone.test.near', { balance: 10n * NEAR });
  const supplyBefore = node.head.totalSupply;
  const r = node.signAndSendTransaction('gone.test.near', 'gone.test.near', [{ type: 'DeleteAccount', beneficiaryId: 'missing.test.near' }]);
  t.true(r.succeeded);
  const payout = r.receipts.find((o) => o.outcome.executor_id === 'missing.test.near')!;
  t.deepEqual(payout.outcome.status, { Failure: { ActionError: { index: 0, kind: { AccountDoesNotExist: { account_id: 'missing.test.near' } } } } });
  t.is(payout.outcome.tokens_burnt, '0');
  t.true(supplyBefore - node.head.totalSupply > 9n * NEAR);
});

test('Stake locks balance; InsufficientStake below seat price/6250 (8000 NEAR here); TriesToStake; TriesToUnstake; UnsuitableStakingKey', (t) => {
  const node = createSandbox();
  const v = node.createAccount('val.test.near', { balance: 20_000n * NEAR });
  const stake = (amount: bigint, publicKey = v.keyPair.publicKey) => node.signAndSendTransaction('val.test.near', 'val.test.near', [{ type: 'Stake', stake: amount, publicKey }]);
  t.deepEqual(stake(0n).failure, { ActionError: { index: 0, kind: { TriesToUnstake: { account_id: 'val.test.near' } } } });
  // one validator with 5·10^7 NEAR and one seat: minimum stake 5·10^7 / 6250 = 8000 NEAR
  t.deepEqual(stake(10n * NEAR).failure, {
    ActionError: { index: 0, kind: { InsufficientStake: { account_id: 'val.test.near', stake: (10n * NEAR).toString(), minimum_stake: (8000n * NEAR).toString() } } },
  });
  const before = node.getBalance('val.test.near');
  const r = stake(10_000n * NEAR);
  t.true(r.succeeded);
  t.is(node.viewAccount('val.test.near').locked, (10_000n * NEAR).toString());
  t.is(node.getBalance('val.test.near'), before - 10_000n * NEAR - r.tokensBurnt);
  const over = stake(100_000n * NEAR);
  t.is(Object.keys((over.failure as any).ActionError.kind)[0], 'TriesToStake');
  const secp = KeyPair.random(KeyType.SECP256K1);
  t.throws(() => stake(9000n * NEAR, secp.publicKey), { message: /UnsuitableStakingKey/ });
  // a staking account cannot be deleted
  const del = node.signAndSendTransaction('val.test.near', 'val.test.near', [{ type: 'DeleteAccount', beneficiaryId: 'test.near' }]);
  t.deepEqual(del.failure, { ActionError: { index: 0, kind: { DeleteAccountStaking: { account_id: 'val.test.near' } } } });
  // lowering the stake is a proposal: the lock stays until the epoch boundary (500-block epochs)
  const amountBefore = node.getBalance('val.test.near');
  const u = stake(9000n * NEAR);
  t.true(u.succeeded);
  t.is(node.viewAccount('val.test.near').locked, (10_000n * NEAR).toString());
  const untilEpoch = Number(500n - (node.head.height % 500n)) + 1;
  node.produceBlocks(untilEpoch);
  t.is(node.viewAccount('val.test.near').locked, (9000n * NEAR).toString());
  t.is(node.getBalance('val.test.near'), amountBefore - u.tokensBurnt + 1000n * NEAR);
});

test('PV 86 account creation charge only when the receipt leaves a new account behind (lib.rs created_new_account): CreateAccount then DeleteAccount, or a failed receipt, is not charged', (t) => {
  const node = createSandbox();
  const burntOnly = (r: { receipts: Array<{ outcome: { tokens_burnt: string; gas_burnt: number } }> }) =>
    BigInt(r.receipts[0]!.outcome.tokens_burnt) === BURN_PRICE * BigInt(r.receipts[0]!.outcome.gas_burnt);
  const gone = node.signAndSendTransaction('test.near', 'brief.test.near', [
    { type: 'CreateAccount' },
    { type: 'Transfer', deposit: NEAR },
    { type: 'DeleteAccount', beneficiaryId: 'test.near' },
  ]);
  t.true(gone.succeeded);
  t.throws(() => node.viewAccount('brief.test.near'));
  t.true(burntOnly(gone), 'no account exists at the end: no charge');
  // a receipt that fails after CreateAccount is rolled back and not charged (FunctionCall on an account without code)
  const failed = node.signAndSendTransaction('test.near', 'nocode.test.near', [
    { type: 'CreateAccount' },
    { type: 'Transfer', deposit: NEAR },
    { type: 'FunctionCall', methodName: 'main', args: new Uint8Array(), gas: 5n * TGAS, deposit: 0n },
  ]);
  t.false(failed.succeeded);
  t.true(burntOnly(failed), 'failed receipt: no charge');
  // an existing account is never charged
  node.createAccount('exists.test.near');
  const transfer = node.transfer('test.near', 'exists.test.near', NEAR);
  t.true(burntOnly(transfer));
});

test('PV 86 one_yocto_on_promise: a zero-balance contract sends 1 yoctoNEAR it does not have; the total supply grows by it (subsidized_amount); PV 77 fails with BalanceExceeded', async (t) => {
  const { watToWasm } = await import('./contract-helpers.js');
  const wasm = await watToWasm('one-yocto.wat');
  for (const protocolVersion of [86, 77]) {
    const node = createSandbox({ protocolVersion });
    // storage 100 + code ≤ 770 bytes: a zero-balance account (NEP-448) may hold it
    node.patchState([
      { Account: { account_id: 'zero.test.near', account: { amount: '0', locked: '0', code_hash: base58.encode(sha256(wasm)), storage_usage: 100 + wasm.length } } },
      { Contract: { account_id: 'zero.test.near', code: Buffer.from(wasm).toString('base64') } },
    ]);
    const sum = () => ['test.near', 'near', 'zero.test.near'].reduce((a, id) => a + node.getBalance(id) + BigInt(node.viewAccount(id).locked), 0n);
    t.is(sum(), node.head.totalSupply);
    const r = node.call('test.near', 'zero.test.near', 'main', {}, { gas: 50n * TGAS });
    node.produceBlocks(3);
    if (protocolVersion === 86) {
      t.true(r.succeeded, JSON.stringify(r.failure));
      const noop = r.receipts.find((x) => x.outcome.executor_id === 'zero.test.near' && x.id !== r.receipts[0]!.id);
      t.truthy(noop, 'the 1 yoctoNEAR call ran');
    } else {
      t.deepEqual(r.failure, { ActionError: { index: 0, kind: { FunctionCallError: { ExecutionError: 'Exceeded the account balance.' } } } });
    }
    // every yoctoNEAR is accounted for: balances sum to the total supply (the subsidy is minted, not moved)
    t.is(sum(), node.head.totalSupply, `PV ${protocolVersion}`);
  }
});

test('PV 86 account creation charge (AccountCostIncrease): 0.007 NEAR minus the burnt create_account exec gas is withheld from the refund', (t) => {
  const node = createSandbox();
  const before = node.getBalance('test.near');
  const kp = KeyPair.fromLabel('newbie');
  const r = node.signAndSendTransaction('test.near', 'newbie.test.near', [
    { type: 'CreateAccount' },
    { type: 'Transfer', deposit: NEAR },
    { type: 'AddKey', publicKey: kp.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } },
  ]);
  t.true(r.succeeded);
  const f = node.config.actionFees;
  const charge = 7n * 10n ** 21n - BURN_PRICE * f.createAccount.execution; // lib.rs: desired_cost − burned_cost
  t.is(charge, 6_280_000_000_000_000_000_000n);
  const receipt = r.receipts[0]!.outcome;
  t.is(BigInt(receipt.tokens_burnt), BURN_PRICE * BigInt(receipt.gas_burnt) + charge);
  t.is(node.getBalance('test.near'), before - NEAR - r.tokensBurnt);
  // PV 77 has no such charge
  const old = createSandbox({ protocolVersion: 77 });
  const r77 = old.signAndSendTransaction('test.near', 'newbie.test.near', [{ type: 'CreateAccount' }, { type: 'Transfer', deposit: NEAR }]);
  t.is(BigInt(r77.receipts[0]!.outcome.tokens_burnt), BURN_PRICE * BigInt(r77.receipts[0]!.outcome.gas_burnt));
});

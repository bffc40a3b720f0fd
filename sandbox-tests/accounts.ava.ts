/**
 * Accounts, contracts, state and keys through near-workspaces' public API only. One node for the file;
 * each test works on its own accounts, so the tests run concurrently on it.
 */
import anyTest, { type TestFn } from 'ava';
import { KeyPair, Worker, type NearAccount } from 'near-workspaces';
import { probeWasmPath } from './probe-contract.js';
import { settled } from './helpers/accounts.js';

const NEAR = 10n ** 24n;
/** nearcore `storage_amount_per_byte` (parameters.yaml): 10^19 yoctoNEAR. */
const STORAGE_PRICE = 10n ** 19n;

const test = anyTest as TestFn<{ worker: Worker; root: NearAccount; wasm: string }>;

test.before(async (t) => {
  const worker = await Worker.init();
  t.context = { worker, root: worker.rootAccount, wasm: await probeWasmPath() };
});

test.after.always(async (t) => {
  await t.context.worker?.tearDown();
});

test('createSubAccount makes <name>.test.near with the requested balance and one full-access key', async (t) => {
  const alice = await t.context.root.createSubAccount('alice', { initialBalance: 1n * NEAR });
  t.is(alice.accountId, 'alice.test.near');
  const view = await alice.accountView();
  t.is(view.amount, NEAR.toString());
  // 100 bytes of account + 82 for one ed25519 full-access key (nearcore storage accounting)
  t.is(view.storage_usage, 182);
  t.is(await alice.availableBalance(), NEAR - 182n * STORAGE_PRICE); // 0.99818 NEAR
  const keys = await alice.viewAccessKeys(alice.accountId);
  t.is(keys.keys.length, 1);
  t.is(keys.keys[0]!.access_key.permission, 'FullAccess');
});

test('devDeploy, call and view run the contract; logs and return values come back', async (t) => {
  const contract = await t.context.root.devDeploy(t.context.wasm);
  t.regex(contract.accountId, /^dev-\d+-\d+\.test\.near$/);
  const result = await t.context.root.callRaw(contract, 'set', Buffer.from('hello'));
  t.true(result.succeeded);
  t.deepEqual(result.logs, ['hello']);
  t.is(Buffer.from(result.SuccessValue!, 'base64').toString(), 'hello');
  t.is(await contract.view('get'), 'hello');
  // nearcore forbids predecessor_account_id in view calls (HostError::ProhibitedInView)
  const prohibited = await t.throwsAsync(contract.view('whoami'));
  t.regex(prohibited!.message, /ProhibitedInView \{ method_name: "predecessor_account_id" \}/);
  t.is(await t.context.root.call(contract, 'whoami', {}), 'test.near');
  // JSON args reach the contract as bytes; a JSON result is parsed by near-workspaces
  t.deepEqual(await t.context.root.call(contract, 'echo', { n: 1 }), { n: 1 });
});

test('a contract panic is a Failure whose message passes through verbatim', async (t) => {
  const contract = await t.context.root.devDeploy(t.context.wasm);
  const result = await t.context.root.callRaw(contract, 'fail', Buffer.from('Can\'t do that: ParseIntError'));
  t.true(result.failed);
  t.true(result.receiptFailureMessagesContain("Smart contract panicked: Can't do that: ParseIntError"));
  const error = await t.throwsAsync(t.context.root.call(contract, 'fail', Buffer.from('boom')));
  t.regex(error!.message, /Smart contract panicked: boom/);
});

test('viewState returns the contract storage', async (t) => {
  const contract = await t.context.root.devDeploy(t.context.wasm);
  await t.context.root.call(contract, 'set', Buffer.from('stored'));
  const state = await contract.viewState();
  t.is(state.getRaw('STATE').toString(), 'stored');
  const raw = await contract.viewStateRaw();
  t.deepEqual(raw.map((item) => Buffer.from(item.key, 'base64').toString()), ['STATE']);
});

test('patchState writes contract data; updateAccount patches give an exact availableBalance', async (t) => {
  const contract = await t.context.root.devDeploy(t.context.wasm);
  await contract.patchState('STATE', 'patched');
  t.is(await contract.view('get'), 'patched');

  const bob = await t.context.root.createSubAccount('bob');
  await bob.updateAccount({ amount: (100n * NEAR).toString(), storage_usage: 0 });
  // nearcore applies patches without recomputing storage: nothing is reserved
  t.is(await bob.availableBalance(), 100n * NEAR);
  t.is((await bob.accountView()).storage_usage, 0);
});

test('a whole account patched into existence with a key can sign', async (t) => {
  const keyPair = KeyPair.fromRandom('ed25519');
  const carol = t.context.root.getAccount('carol-patched.test.near');
  await carol.updateAccount({ amount: (5n * NEAR).toString(), storage_usage: 0 });
  await carol.updateAccessKey(keyPair.getPublicKey().toString(), { nonce: 0, permission: 'FullAccess' });
  await carol.setKey(keyPair);
  const result = await carol.transfer(t.context.root, 1n * NEAR);
  t.true(result.succeeded);
  t.true((await carol.availableBalance()) < 4n * NEAR);
});

test('function-call access keys: allowed method and receiver pass, others fail (signWithKey)', async (t) => {
  const contract = await t.context.root.devDeploy(t.context.wasm);
  const other = await t.context.root.devDeploy(t.context.wasm);
  const dave = await t.context.root.createSubAccount('dave');
  const limited = KeyPair.fromRandom('ed25519');
  await dave.updateAccessKey(limited.getPublicKey().toString(), {
    nonce: 0,
    permission: { FunctionCall: { allowance: (1n * NEAR).toString(), receiver_id: contract.accountId, method_names: ['set'] } },
  } as never);

  const ok = await dave.callRaw(contract, 'set', Buffer.from('via limited key'), { signWithKey: limited });
  t.true(ok.succeeded);
  t.is(await contract.view('get'), 'via limited key');

  const wrongMethod = await t.throwsAsync(dave.callRaw(contract, 'echo', Buffer.from('x'), { signWithKey: limited }));
  // near-api-js renders nearcore's InvalidAccessKeyError variants with its error_messages.json templates
  t.regex(wrongMethod!.message, /method name echo isn't allowed by the access key/);
  const wrongReceiver = await t.throwsAsync(dave.callRaw(other, 'set', Buffer.from('x'), { signWithKey: limited }));
  t.regex(wrongReceiver!.message, /restricted to only use with receiver_id=dev-/);
  const withDeposit = await t.throwsAsync(dave.callRaw(contract, 'set', Buffer.from('x'), { signWithKey: limited, attachedDeposit: 1n }));
  // no message template for this variant in near-api-js: the error type carries it
  t.is((withDeposit as Error & { type?: string }).type, 'DepositWithFunctionCall');
  t.is(await contract.view('get'), 'via limited key', 'rejected transactions change nothing');
});

test('batch transactions: create, fund, add key and deploy in one transaction', async (t) => {
  const root = t.context.root;
  const keyPair = KeyPair.fromRandom('ed25519');
  const id = root.makeSubAccount('erin');
  const batch = root.batch(id).createAccount().transfer(3n * NEAR).addKey(keyPair.getPublicKey().toString());
  await batch.deployContractFile(t.context.wasm);
  const result = await batch.functionCall('set', Buffer.from('from batch')).transact();
  t.true(result.succeeded, JSON.stringify(result.Failure));
  const erin = root.getAccount(id);
  t.is(await erin.view('get'), 'from batch');
  const keys = await erin.viewAccessKeys(id);
  t.deepEqual(keys.keys.map((k: { public_key: string }) => k.public_key), [keyPair.getPublicKey().toString()]);
});

test('a failing action in a batch rolls the whole receipt back', async (t) => {
  const root = t.context.root;
  const id = root.makeSubAccount('frank');
  const result = await root
    .batch(id)
    .createAccount()
    .transfer(1n * NEAR)
    .deleteKey(KeyPair.fromRandom('ed25519').getPublicKey().toString())
    .transact();
  t.true(result.failed);
  t.regex(JSON.stringify(result.Failure), /DeleteKeyDoesNotExist/);
  t.false(await root.getAccount(id).exists());
});

test('deleteAccount sends the balance to the beneficiary and removes the account', async (t) => {
  const root = t.context.root;
  const grace = await root.createSubAccount('grace', { initialBalance: 10n * NEAR });
  const heir = await root.createSubAccount('heir', { initialBalance: 1n * NEAR });
  const before = BigInt((await heir.accountView()).amount);
  const result = await grace.delete(heir.accountId);
  t.true(result.succeeded);
  t.false(await grace.exists());
  // the balance reaches the heir in a refund receipt from `system`, which near-workspaces' answer (EXECUTED_OPTIMISTIC)
  // does not wait for when it is the delete receipt's last (at 77, where no gas refund follows it)
  await settled(t.context.worker, result);
  const gained = BigInt((await heir.accountView()).amount) - before;
  // the whole balance minus what the delete transaction burnt (a few milliNEAR at most)
  t.true(gained > 9_990n * 10n ** 21n && gained <= 10n * NEAR, `gained ${gained}`);
});

test('concurrent calls from one account all land (nonce conflicts are retried)', async (t) => {
  const contract = await t.context.root.devDeploy(t.context.wasm);
  const caller = await t.context.root.createSubAccount('busy');
  // distinct arguments make distinct transactions: identical signed bytes are one transaction (same hash)
  // and run once, as on nearcore; these race for the same nonce and the losers retry
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => caller.callRaw(contract, 'incr', { call: i })));
  t.true(results.every((r) => r.succeeded));
  const count = Buffer.from((await contract.viewRaw('count')).result).readBigUInt64LE(0);
  t.is(count, 12n);
  const returned = results.map((r) => Buffer.from(r.SuccessValue!, 'base64').readBigUInt64LE(0)).sort((a, b) => Number(a - b));
  t.deepEqual(returned, Array.from({ length: 12 }, (_, i) => BigInt(i + 1)), 'each call saw the previous one');
});

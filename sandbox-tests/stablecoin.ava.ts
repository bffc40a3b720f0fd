/**
 * The stablecoin contract through near-workspaces' public API: NEP-141/145/148/297/330 and the
 * issuer controls. One node for the file; each test deploys its own token and accounts, so tests
 * run concurrently. Every refused call is checked for its exact panic message and for leaving
 * balances and supply unchanged.
 */
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { Worker, type NearAccount, type TransactionResult } from 'near-workspaces';
import { contractWasm, testContractWasm } from './helpers/wasm.js';
import { createSubAccount, events, panics, settled } from './helpers/accounts.js';

const NEAR = 10n ** 24n;
const TGAS = 10n ** 12n;
const U128_MAX = (1n << 128n) - 1n;

interface Context {
  worker: Worker;
  root: NearAccount;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  const worker = await Worker.init();
  t.context = { worker, root: worker.rootAccount };
});

test.after.always(async (t) => {
  await t.context.worker?.tearDown();
});

/** Accounts from the root, one at a time (see helpers/accounts.ts). */
function createAccount(t: ExecutionContext<Context>, prefix: string, balance: bigint): Promise<NearAccount> {
  return createSubAccount(t.context.root, prefix, balance);
}

interface Token {
  token: NearAccount;
  owner: NearAccount;
  alice: NearAccount;
  bob: NearAccount;
  /** Registers `account` with the token, paying the minimum. */
  register(account: NearAccount): Promise<void>;
  balance(account: NearAccount | string): Promise<bigint>;
  supply(): Promise<bigint>;
  /** Owner grants every role to itself and mints `amount` to `to`. */
  mint(to: NearAccount, amount: bigint): Promise<void>;
}

/** A fresh token with an owner holding every role, and two registered users. */
async function deployToken(t: ExecutionContext<Context>): Promise<Token> {
  const token = await createAccount(t, 'usd', 30n * NEAR);
  const owner = await createAccount(t, 'owner', 20n * NEAR);
  const alice = await createAccount(t, 'alice', 20n * NEAR);
  const bob = await createAccount(t, 'bob', 20n * NEAR);
  await token.deploy(readFileSync(contractWasm('stablecoin')));
  await token.call(token, 'init', { owner_id: owner.accountId }, { gas: 100n * TGAS });
  const { min } = await token.view('storage_balance_bounds', {}) as { min: string };
  const register = async (account: NearAccount) => {
    await account.call(token, 'storage_deposit', {}, { attachedDeposit: BigInt(min), gas: 50n * TGAS });
  };
  const balance = async (account: NearAccount | string) =>
    BigInt((await token.view('ft_balance_of', { account_id: typeof account === 'string' ? account : account.accountId })) as string);
  const supply = async () => BigInt((await token.view('ft_total_supply', {})) as string);
  let rolesGranted = false;
  const mint = async (to: NearAccount, amount: bigint) => {
    if (!rolesGranted) {
      for (const role of ['master_minter', 'pauser', 'blacklister', 'upgrader']) {
        await owner.call(token, 'grant_role', { role, account_id: owner.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
      }
      await owner.call(token, 'configure_minter', { account_id: owner.accountId, allowance: (10n ** 30n).toString() }, { attachedDeposit: 1n, gas: 50n * TGAS });
      rolesGranted = true;
    }
    await owner.call(token, 'mint', { account_id: to.accountId, amount: amount.toString() }, { attachedDeposit: 1n, gas: 50n * TGAS });
  };
  await register(owner);
  await register(alice);
  await register(bob);
  return { token, owner, alice, bob, register, balance, supply, mint };
}

/** Calls and expects a failure whose message is exactly `Smart contract panicked: <message>`. */
async function refused(t: ExecutionContext<Context>, caller: NearAccount, token: NearAccount, method: string, args: Record<string, unknown>, message: string, deposit = 1n): Promise<TransactionResult> {
  const result = await caller.callRaw(token, method, args, { attachedDeposit: deposit, gas: 100n * TGAS });
  t.true(result.failed, `${method} should fail with ${message}`);
  const got = panics(result.receiptFailureMessages);
  t.true(got.includes(`Smart contract panicked: ${message}`), `expected "${message}", got ${JSON.stringify(got)}`);
  return result;
}

async function snapshot(c: Token): Promise<string> {
  const entries = await Promise.all([c.owner, c.alice, c.bob].map(async (a) => `${a.accountId}=${await c.balance(a)}`));
  return `${entries.join(',')};supply=${await c.supply()}`;
}

test('NEP-148 metadata, NEP-330 source metadata and a fresh supply of zero', async (t) => {
  const c = await deployToken(t);
  const metadata = await c.token.view('ft_metadata', {}) as Record<string, unknown>;
  t.is(metadata.spec, 'ft-1.0.0');
  t.is(metadata.decimals, 6);
  t.regex(metadata.icon as string, /^data:image\/svg\+xml,/);
  t.is(metadata.reference, null);
  const source = await c.token.view('contract_source_metadata', {}) as { standards: { standard: string }[] };
  t.deepEqual(source.standards.map((s) => s.standard), ['nep141', 'nep145', 'nep148', 'nep297', 'nep330']);
  t.is(await c.supply(), 0n);
  t.is(await c.token.view('owner', {}), c.owner.accountId);
  const again = await c.token.callRaw(c.token, 'init', { owner_id: c.alice.accountId });
  t.true(again.failed);
  t.true(again.receiptFailureMessagesContain('Contract already initialized'));
});

test('NEP-145: the minimum is the measured cost of the longest registration; extra is refunded', async (t) => {
  const c = await deployToken(t);
  const { min, max } = await c.token.view('storage_balance_bounds', {}) as { min: string; max: string };
  t.is(min, max);
  // 64-character account id + the largest balance string, at 10^19 yoctoNEAR per byte
  t.true(BigInt(min) > 100n * 10n ** 19n && BigInt(min) < 250n * 10n ** 19n);
  const carol = await createAccount(t, 'carol', 5n * NEAR);
  t.is(await c.token.view('storage_balance_of', { account_id: carol.accountId }), null);
  // Balances are read once each call's gas refund ran (settled): near-workspaces answers before it.
  await settled(t.context.worker, await refused(t, carol, c.token, 'storage_deposit', {}, `Stablecoin: attached deposit is less than the minimum storage balance ${min}`, BigInt(min) - 1n));
  const before = await carol.availableBalance();
  const first = await carol.callRaw(c.token, 'storage_deposit', {}, { attachedDeposit: NEAR, gas: 50n * TGAS });
  t.true(first.succeeded, JSON.stringify(first.receiptFailureMessages));
  await settled(t.context.worker, first);
  const spent = before - (await carol.availableBalance());
  t.true(spent >= BigInt(min) && spent < BigInt(min) + NEAR / 100n, `spent ${spent}, expected min ${min} plus gas`);
  t.deepEqual(await c.token.view('storage_balance_of', { account_id: carol.accountId }), { total: min, available: '0' });
  // A second deposit for a registered account is returned in full.
  const again = await carol.availableBalance();
  const second = await carol.callRaw(c.token, 'storage_deposit', {}, { attachedDeposit: NEAR, gas: 50n * TGAS });
  t.true(second.succeeded, JSON.stringify(second.receiptFailureMessages));
  await settled(t.context.worker, second);
  t.true(again - (await carol.availableBalance()) < NEAR / 100n);
});

test('NEP-145: withdraw and unregister, with force burning the balance', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.alice, 500n);
  await refused(t, c.alice, c.token, 'storage_withdraw', { amount: '1' }, 'Stablecoin: amount exceeds the available storage balance 0');
  await refused(t, c.alice, c.token, 'storage_unregister', {}, 'Stablecoin: account has a positive balance; pass force=true to burn it');
  await refused(t, c.alice, c.token, 'storage_unregister', { force: true }, 'Guard: requires an attached deposit of exactly 1 yoctoNEAR', 0n);
  t.is(await c.balance(c.alice), 500n);
  const result = await c.alice.callRaw(c.token, 'storage_unregister', { force: true }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.true(result.succeeded);
  t.deepEqual(events(result.logs).find((e) => e.event === 'ft_burn')?.data, [{ owner_id: c.alice.accountId, amount: '500', memo: 'storage_unregister' }]);
  t.is(await c.supply(), 0n);
  t.is(await c.token.view('storage_balance_of', { account_id: c.alice.accountId }), null);
  t.false(await c.alice.call(c.token, 'storage_unregister', {}, { attachedDeposit: 1n, gas: 50n * TGAS }));
});

test('mint spends the minter allowance; every refusal leaves supply and balances unchanged', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.alice, 1_000_000n);
  await c.owner.call(c.token, 'configure_minter', { account_id: c.bob.accountId, allowance: '100' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  const result = await c.bob.callRaw(c.token, 'mint', { account_id: c.alice.accountId, amount: '60', memo: 'payroll' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.deepEqual(events(result.logs), [{ standard: 'nep141', version: '1.0.0', event: 'ft_mint', data: [{ owner_id: c.alice.accountId, amount: '60', memo: 'payroll' }] }]);
  t.is(await c.token.view('minter_allowance', { account_id: c.bob.accountId }), '40');
  const before = await snapshot(c);
  await refused(t, c.bob, c.token, 'mint', { account_id: c.alice.accountId, amount: '41' }, 'Stablecoin: mint exceeds minter allowance');
  await refused(t, c.alice, c.token, 'mint', { account_id: c.alice.accountId, amount: '1' }, 'Stablecoin: caller is not a minter');
  await refused(t, c.bob, c.token, 'mint', { account_id: 'nobody.test.near', amount: '1' }, 'Stablecoin: receiver not registered');
  await refused(t, c.alice, c.token, 'configure_minter', { account_id: c.alice.accountId, allowance: '5' }, 'AccessControl: caller lacks role master_minter');
  await refused(t, c.owner, c.token, 'configure_minter', { account_id: c.alice.accountId, allowance: '-5' }, 'Amount: allowance must be a decimal string of an unsigned 128-bit integer, e.g. "1000000"');
  t.is(await snapshot(c), before);
  t.is(await c.token.view('minter_allowance', { account_id: c.bob.accountId }), '40');
  await c.owner.call(c.token, 'remove_minter', { account_id: c.bob.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await refused(t, c.bob, c.token, 'mint', { account_id: c.alice.accountId, amount: '1' }, 'Stablecoin: caller is not a minter');
});

test('burn: minters burn their own balance, the allowance is not restored', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.owner, 1000n);
  const allowance = await c.token.view('minter_allowance', { account_id: c.owner.accountId });
  const result = await c.owner.callRaw(c.token, 'burn', { amount: '400' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.deepEqual(events(result.logs)[0]?.data, [{ owner_id: c.owner.accountId, amount: '400' }]);
  t.is(await c.balance(c.owner), 600n);
  t.is(await c.supply(), 600n);
  t.is(await c.token.view('minter_allowance', { account_id: c.owner.accountId }), allowance);
  await refused(t, c.owner, c.token, 'burn', { amount: '601' }, 'Stablecoin: insufficient balance');
  await refused(t, c.alice, c.token, 'burn', { amount: '1' }, 'Stablecoin: caller is not a minter');
});

test('ft_transfer moves the amount and emits the NEP-141 event exactly', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.alice, 1000n);
  const result = await c.alice.callRaw(c.token, 'ft_transfer', { receiver_id: c.bob.accountId, amount: '250', memo: 'invoice 7' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.true(result.succeeded);
  t.deepEqual(result.logs, [
    `EVENT_JSON:{"standard":"nep141","version":"1.0.0","event":"ft_transfer","data":[{"old_owner_id":"${c.alice.accountId}","new_owner_id":"${c.bob.accountId}","amount":"250","memo":"invoice 7"}]}`,
  ]);
  t.is(await c.balance(c.alice), 750n);
  t.is(await c.balance(c.bob), 250n);
  t.is(await c.supply(), 1000n);
  t.is(await c.balance('unknown.test.near'), 0n);
});

test('ft_transfer refuses bad deposits, receivers and amounts with precise messages and no state change', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.alice, 1000n);
  const before = await snapshot(c);
  const transfer = (args: Record<string, unknown>, message: string, deposit = 1n) => refused(t, c.alice, c.token, 'ft_transfer', { receiver_id: c.bob.accountId, amount: '1', ...args }, message, deposit);
  await transfer({}, 'Guard: requires an attached deposit of exactly 1 yoctoNEAR', 0n);
  await transfer({}, 'Guard: requires an attached deposit of exactly 1 yoctoNEAR', 2n);
  await transfer({ receiver_id: 'nobody.test.near' }, 'Stablecoin: receiver not registered');
  await transfer({ receiver_id: c.alice.accountId }, 'Stablecoin: sender and receiver must differ');
  await transfer({ receiver_id: 'Not An Account' }, 'Stablecoin: receiver_id is not a valid account id');
  await transfer({ amount: '1001' }, 'Stablecoin: insufficient balance');
  await transfer({ amount: '0' }, 'Amount: amount must be greater than zero');
  const malformed = 'Amount: amount must be a decimal string of an unsigned 128-bit integer, e.g. "1000000"';
  for (const amount of ['-1', '1e3', '01', ' 1', '1.5', '', 5, null, '0x10']) await transfer({ amount }, malformed);
  await transfer({ amount: (U128_MAX + 1n).toString() }, 'Amount: amount exceeds 2^128 - 1');
  await transfer({ memo: 7 }, 'Stablecoin: memo must be a string');
  t.is(await snapshot(c), before);
  const stranger = await createAccount(t, 'stranger', 5n * NEAR);
  await refused(t, stranger, c.token, 'ft_transfer', { receiver_id: c.bob.accountId, amount: '1' }, 'Stablecoin: sender not registered');
});

test('ft_transfer_call: keep, partial return, full return, invalid answer and receiver failure (NEP-141 resolve rules)', async (t) => {
  const c = await deployToken(t);
  const receiver = await createAccount(t, 'recv', 10n * NEAR);
  await receiver.deploy(readFileSync(testContractWasm('ft-receiver')));
  await c.register(receiver);
  await c.mint(c.alice, 10_000n);
  const cases: [string, bigint][] = [['keep', 100n], ['return:30', 70n], ['return-all', 0n], ['return-invalid', 0n], ['fail', 0n], ['return:999', 0n]];
  let kept = 0n;
  for (const [msg, keeps] of cases) {
    const result = await c.alice.callRaw(c.token, 'ft_transfer_call', { receiver_id: receiver.accountId, amount: '100', msg }, { attachedDeposit: 1n, gas: 150n * TGAS });
    kept += keeps;
    t.is(result.receiptFailureMessages.length, msg === 'fail' ? 1 : 0, msg);
    t.is(await c.balance(receiver), kept, msg);
    t.is(await c.balance(c.alice), 10_000n - kept, msg);
  }
  t.is(await c.supply(), 10_000n);
  // The receiver's own record of the call that panicked is rolled back with it.
  const received = await receiver.view('received', {}) as string[];
  t.is(received.length, cases.length - 1);
  t.deepEqual(JSON.parse(received[0]!), { token: c.token.accountId, sender_id: c.alice.accountId, amount: '100', msg: 'keep' });
});

test('ft_transfer_call returns the used amount and refuses too little gas', async (t) => {
  const c = await deployToken(t);
  const receiver = await createAccount(t, 'recv', 10n * NEAR);
  await receiver.deploy(readFileSync(testContractWasm('ft-receiver')));
  await c.register(receiver);
  await c.mint(c.alice, 1000n);
  t.is(await c.alice.call(c.token, 'ft_transfer_call', { receiver_id: receiver.accountId, amount: '100', msg: 'return:25' }, { attachedDeposit: 1n, gas: 150n * TGAS }), '75');
  const before = await snapshot(c);
  const result = await c.alice.callRaw(c.token, 'ft_transfer_call', { receiver_id: receiver.accountId, amount: '100', msg: 'keep' }, { attachedDeposit: 1n, gas: 30n * TGAS });
  t.true(result.receiptFailureMessagesContain('Stablecoin: ft_transfer_call needs at least 60 Tgas'));
  t.is(await snapshot(c), before);
  // near-sdk-js's @call({ privateFunction: true }) refuses other predecessors before the method runs.
  const direct = await c.alice.callRaw(c.token, 'ft_resolve_transfer', { sender_id: c.alice.accountId, receiver_id: receiver.accountId, amount: '1' });
  t.true(direct.receiptFailureMessagesContain('Function is private'));
  t.is(await snapshot(c), before);
});

test('pause stops transfers, mints, burns and minter changes; blacklisting still works', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.alice, 1000n);
  await refused(t, c.alice, c.token, 'pause', {}, 'AccessControl: caller lacks role pauser');
  const paused = await c.owner.callRaw(c.token, 'pause', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.deepEqual(events(paused.logs).map((e) => e.event), ['paused']);
  t.true(await c.token.view('is_paused', {}));
  const before = await snapshot(c);
  await refused(t, c.alice, c.token, 'ft_transfer', { receiver_id: c.bob.accountId, amount: '1' }, 'Pausable: paused');
  await refused(t, c.alice, c.token, 'batch_transfer', { transfers: [{ receiver_id: c.bob.accountId, amount: '1' }] }, 'Pausable: paused');
  await refused(t, c.owner, c.token, 'mint', { account_id: c.alice.accountId, amount: '1' }, 'Pausable: paused');
  await refused(t, c.owner, c.token, 'burn', { amount: '1' }, 'Pausable: paused');
  await refused(t, c.owner, c.token, 'configure_minter', { account_id: c.bob.accountId, allowance: '1' }, 'Pausable: paused');
  await refused(t, c.owner, c.token, 'pause', {}, 'Pausable: paused');
  await c.owner.call(c.token, 'blacklist_account', { account_id: c.bob.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.is(await snapshot(c), before);
  await c.owner.call(c.token, 'unpause', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  await refused(t, c.owner, c.token, 'unpause', {}, 'Pausable: not paused');
  await c.alice.call(c.token, 'ft_transfer', { receiver_id: c.owner.accountId, amount: '5' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.is(await c.balance(c.owner), 5n);
});

test('a blacklisted account can neither send nor receive nor be minted to nor unregister', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.alice, 1000n);
  await c.mint(c.bob, 1000n);
  await refused(t, c.alice, c.token, 'blacklist_account', { account_id: c.bob.accountId }, 'AccessControl: caller lacks role blacklister');
  const result = await c.owner.callRaw(c.token, 'blacklist_account', { account_id: c.bob.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.deepEqual(events(result.logs)[0], { standard: 'stablecoin', version: '1.0.0', event: 'blacklisted', data: [{ account_id: c.bob.accountId }] });
  t.true(await c.token.view('is_blacklisted', { account_id: c.bob.accountId }));
  const before = await snapshot(c);
  await refused(t, c.bob, c.token, 'ft_transfer', { receiver_id: c.alice.accountId, amount: '1' }, 'Stablecoin: sender is blacklisted');
  await refused(t, c.alice, c.token, 'ft_transfer', { receiver_id: c.bob.accountId, amount: '1' }, 'Stablecoin: receiver is blacklisted');
  await refused(t, c.alice, c.token, 'batch_transfer', { transfers: [{ receiver_id: c.bob.accountId, amount: '1' }] }, 'Stablecoin: receiver is blacklisted');
  await refused(t, c.owner, c.token, 'mint', { account_id: c.bob.accountId, amount: '1' }, 'Stablecoin: receiver is blacklisted');
  await refused(t, c.bob, c.token, 'storage_unregister', { force: true }, 'Stablecoin: account is blacklisted');
  await refused(t, c.owner, c.token, 'blacklist_account', { account_id: c.bob.accountId }, 'Stablecoin: account is already blacklisted');
  t.is(await snapshot(c), before);
  await c.owner.call(c.token, 'unblacklist_account', { account_id: c.bob.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  await refused(t, c.owner, c.token, 'unblacklist_account', { account_id: c.bob.accountId }, 'Stablecoin: account is not blacklisted');
  await c.bob.call(c.token, 'ft_transfer', { receiver_id: c.alice.accountId, amount: '10' }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.is(await c.balance(c.alice), 1010n);
});

test('ft_resolve_transfer never returns funds out of a receiver blacklisted meanwhile', async (t) => {
  const c = await deployToken(t);
  const receiver = await createAccount(t, 'recv', 10n * NEAR);
  await receiver.deploy(readFileSync(testContractWasm('ft-receiver')));
  await c.register(receiver);
  await c.mint(c.alice, 1000n);
  // The receiver holds the blacklister role, blacklists itself inside ft_on_transfer and then
  // answers "all unused": the resolve runs with the receiver already blacklisted.
  await c.owner.call(c.token, 'grant_role', { role: 'blacklister', account_id: receiver.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  const result = await c.alice.callRaw(c.token, 'ft_transfer_call', { receiver_id: receiver.accountId, amount: '100', msg: 'blacklist-self' }, { attachedDeposit: 1n, gas: 250n * TGAS });
  t.true(result.succeeded, JSON.stringify(result.receiptFailureMessages));
  t.true(result.logs.includes(`Stablecoin: refund of 100 withheld, receiver ${receiver.accountId} is blacklisted`));
  t.true(await c.token.view('is_blacklisted', { account_id: receiver.accountId }));
  t.is(await c.balance(receiver), 100n);
  t.is(await c.balance(c.alice), 900n);
  t.is(await c.supply(), 1000n);
});

test('ownership moves in two steps; roles are granted and revoked by the owner only', async (t) => {
  const c = await deployToken(t);
  await refused(t, c.alice, c.token, 'propose_owner', { account_id: c.alice.accountId }, 'Ownable: caller is not the owner');
  await c.owner.call(c.token, 'propose_owner', { account_id: c.alice.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.is(await c.token.view('proposed_owner', {}), c.alice.accountId);
  await refused(t, c.bob, c.token, 'accept_ownership', {}, 'Ownable: caller is not the proposed owner');
  const accepted = await c.alice.callRaw(c.token, 'accept_ownership', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.deepEqual(events(accepted.logs)[0]?.data, [{ previous_owner_id: c.owner.accountId, owner_id: c.alice.accountId }]);
  t.is(await c.token.view('owner', {}), c.alice.accountId);
  t.is(await c.token.view('proposed_owner', {}), null);
  await refused(t, c.owner, c.token, 'grant_role', { role: 'pauser', account_id: c.owner.accountId }, 'Ownable: caller is not the owner');
  await refused(t, c.alice, c.token, 'grant_role', { role: 'king', account_id: c.bob.accountId }, 'Stablecoin: unknown role king; roles are master_minter, pauser, blacklister, upgrader');
  await c.alice.call(c.token, 'grant_role', { role: 'pauser', account_id: c.bob.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.true(await c.token.view('has_role', { role: 'pauser', account_id: c.bob.accountId }));
  await refused(t, c.alice, c.token, 'grant_role', { role: 'pauser', account_id: c.bob.accountId }, 'AccessControl: account already has role pauser');
  await c.alice.call(c.token, 'revoke_role', { role: 'pauser', account_id: c.bob.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.false(await c.token.view('has_role', { role: 'pauser', account_id: c.bob.accountId }));
  await refused(t, c.alice, c.token, 'revoke_role', { role: 'pauser', account_id: c.bob.accountId }, 'AccessControl: account does not have role pauser');
});

test('batch_transfer pays many receivers in one call, all or nothing', async (t) => {
  const c = await deployToken(t);
  await c.mint(c.alice, 10_000n);
  const carol = await createAccount(t, 'carol', 5n * NEAR);
  await c.register(carol);
  const result = await c.alice.callRaw(c.token, 'batch_transfer', {
    transfers: [
      { receiver_id: c.bob.accountId, amount: '100', memo: 'task 1' },
      { receiver_id: carol.accountId, amount: '200' },
      { receiver_id: c.bob.accountId, amount: '50' },
    ],
  }, { attachedDeposit: 1n, gas: 100n * TGAS });
  t.true(result.succeeded);
  t.deepEqual(events(result.logs)[0]?.data.map((d) => [d.new_owner_id, d.amount]), [[c.bob.accountId, '100'], [carol.accountId, '200'], [c.bob.accountId, '50']]);
  t.is(await c.balance(c.bob), 150n);
  t.is(await c.balance(carol), 200n);
  t.is(await c.balance(c.alice), 9650n);
  const before = await snapshot(c);
  await refused(t, c.alice, c.token, 'batch_transfer', { transfers: [{ receiver_id: c.bob.accountId, amount: '1' }, { receiver_id: 'nobody.test.near', amount: '1' }] }, 'Stablecoin: receiver not registered: nobody.test.near');
  await refused(t, c.alice, c.token, 'batch_transfer', { transfers: [] }, 'Stablecoin: transfers must be a non-empty array');
  await refused(t, c.alice, c.token, 'batch_transfer', { transfers: [{ receiver_id: c.bob.accountId, amount: '9651' }] }, 'Stablecoin: insufficient balance');
  await refused(t, c.alice, c.token, 'batch_transfer', { transfers: Array.from({ length: 401 }, () => ({ receiver_id: c.bob.accountId, amount: '1' })) }, 'Stablecoin: at most 400 transfers per batch');
  // 300 transfers to a 64-character id would log ~45 KB of events: refused up front, not by the VM.
  const longEvent = await c.alice.callRaw(c.token, 'batch_transfer', { transfers: Array.from({ length: 300 }, () => ({ receiver_id: c.bob.accountId, amount: '1', memo: 'x'.repeat(40) })) }, { attachedDeposit: 1n, gas: 200n * TGAS });
  t.regex(panics(longEvent.receiptFailureMessages)[0] ?? '', /^Smart contract panicked: Stablecoin: the batch's ft_transfer event would be \d+ bytes, above the 16384-byte log limit of one receipt; split the batch$/);
  await refused(t, c.alice, c.token, 'batch_transfer', { transfers: [{ receiver_id: c.bob.accountId, amount: 'ten' }] }, 'Amount: amount must be a decimal string of an unsigned 128-bit integer, e.g. "1000000"');
  t.is(await snapshot(c), before);
});

/**
 * Issue 13's attacks on the payout contract, the stablecoin, the chain-signatures proxy and the
 * signer double, each run through the node as an attacker with ordinary accounts and keys would,
 * and each asserting the rule's exact panic and that nothing changed. Every one of these attacks
 * succeeded before the fix.
 *
 * A function-call access key (what a dapp or a relayer user holds) cannot attach a deposit: nearcore
 * refuses such a transaction (`DepositWithFunctionCall`). So a method that requires exactly (or at
 * least) 1 yoctoNEAR can only be called with a full-access key, that is, with the holder's wallet.
 */
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Worker, type KeyPair, type NearAccount, type TransactionResult } from 'near-workspaces';
import { contractWasm, testContractWasm } from './helpers/wasm.js';
import { addFunctionCallKey, panics, settled } from './helpers/accounts.js';
import { createAccount, deployPayout, events, NEAR, TGAS, type Fixture, type PayoutContext } from './helpers/payout.js';
import { base58 } from '@scure/base';
import { rootPublicKeys } from '../packages/chain-signatures/src/index.js';

const test = anyTest as TestFn<PayoutContext>;
const HOUR_NS = 3_600_000_000_000n;
const ONE_YOCTO = 'Guard: requires an attached deposit of exactly 1 yoctoNEAR';
const AT_LEAST_ONE_YOCTO = 'Guard: requires an attached deposit of at least 1 yoctoNEAR';
const INIT_BY_SELF = 'Guard: init must be called by the contract account itself';

test.before(async (t) => {
  const worker = await Worker.init();
  t.context = { worker, root: worker.rootAccount };
});

test.after.always(async (t) => {
  await t.context.worker?.tearDown();
});

/** Calls (optionally with a function-call key) and expects exactly `Smart contract panicked: <message>`. */
async function refused(
  t: ExecutionContext<PayoutContext>,
  caller: NearAccount,
  contract: NearAccount,
  method: string,
  args: Record<string, unknown> | Uint8Array,
  message: string,
  options: { deposit?: bigint; key?: KeyPair; gas?: bigint } = {},
): Promise<TransactionResult> {
  const result = await caller.callRaw(contract, method, args, { attachedDeposit: options.deposit ?? 0n, gas: options.gas ?? 100n * TGAS, signWithKey: options.key });
  t.true(result.failed, `${method} should fail with ${message}`);
  const got = panics(result.receiptFailureMessages);
  t.true(got.includes(`Smart contract panicked: ${message}`), `${method}: expected "${message}", got ${JSON.stringify(got)}`);
  return result;
}

/** Everything of the payout contract and the token a refused call must leave as it was. */
async function payoutLedger(f: Fixture, poolId: number, accounts: string[]): Promise<string> {
  const claimable = await Promise.all(accounts.map((a) => f.payout.view('claimable_of', { account_id: a, pool_ids: [poolId] })));
  const tokens = await Promise.all([f.payout.accountId, ...accounts].map(async (a) => String(await f.tokenBalance(a))));
  const storage = await f.payout.view('storage_balance_of', { account_id: f.payer.accountId });
  return JSON.stringify({ pool: await f.pool(poolId), claimable, tokens, storage, batches: await f.payout.view('list_batches', { pool_id: poolId }) });
}

test('attack 7: a function-call key cannot allocate a payout pool, withdraw its funds or registration fund, withdraw the storage balance or create pools', async (t) => {
  const f = await deployPayout(t);
  const poolId = await f.createPool({ fund: NEAR });
  await f.fundTokens(poolId, 10_000n);
  const attacker = await createAccount(t, 'attacker', 10n * NEAR);
  await f.register(attacker.accountId);
  // The key a dapp holds for the payer: any method of the payout contract, no deposit.
  const dappKey = await addFunctionCallKey(f.payer, f.payout.accountId);
  const before = await payoutLedger(f, poolId, [attacker.accountId]);
  const payerNear = (await f.payer.availableBalance());

  await refused(t, f.payer, f.payout, 'allocate', { pool_id: poolId, allocations: [{ recipient: attacker.accountId, amount: '10000' }] }, ONE_YOCTO, { key: dappKey, gas: 100n * TGAS });
  await refused(t, f.payer, f.payout, 'withdraw_unallocated', { pool_id: poolId }, ONE_YOCTO, { key: dappKey });
  await refused(t, f.payer, f.payout, 'withdraw_registration_fund', { pool_id: poolId }, ONE_YOCTO, { key: dappKey });
  await refused(t, f.payer, f.payout, 'storage_withdraw', {}, ONE_YOCTO, { key: dappKey });
  // read the payer's balance once the last refused call's gas refund ran (near-workspaces answers before it)
  await settled(t.context.worker, await refused(t, f.payer, f.payout, 'create_pool', { token: 'NEAR', default_expiry_ns: '1000' }, AT_LEAST_ONE_YOCTO, { key: dappKey }));
  // And the protocol refuses any deposit on a function-call key, so the guard cannot be met with it.
  const withDeposit = await t.throwsAsync(f.payer.callRaw(f.payout, 'allocate', { pool_id: poolId, allocations: [{ recipient: attacker.accountId, amount: '10000' }] }, { attachedDeposit: 1n, gas: 100n * TGAS, signWithKey: dappKey }));
  t.is((withDeposit as Error & { type?: string }).type, 'DepositWithFunctionCall');

  t.is(await payoutLedger(f, poolId, [attacker.accountId]), before, 'pool, allocations, token balances and storage balance unchanged');
  t.true(payerNear - (await f.payer.availableBalance()) < NEAR / 100n, 'the payer lost nothing but the gas of the refused calls');
  // The payer's wallet (full-access key, 1 yoctoNEAR) still can.
  await f.allocate(poolId, [[attacker.accountId, 10n]]);
  t.is(await f.claimable(attacker, poolId), 10n);
});

/** A stablecoin whose owner holds the upgrader role, with one holder. */
async function deployToken(t: ExecutionContext<PayoutContext>) {
  const f = await deployPayout(t);
  await f.owner.call(f.token, 'grant_role', { role: 'upgrader', account_id: f.owner.accountId }, { attachedDeposit: 1n, gas: 50n * TGAS });
  // Staging pays ~4.3 NEAR of storage, and a 300 Tgas call reserves its gas at nearcore's pessimistic price.
  await t.context.root.transfer(f.owner, 200n * NEAR);
  return f;
}

const codeHash = async (account: NearAccount) => (await account.accountView()).code_hash;

test('attack 8: a function-call key of the upgrader cannot stage, apply or cancel a stablecoin upgrade, nor change the delay', async (t) => {
  const f = await deployToken(t);
  const v2 = readFileSync(testContractWasm('stablecoin-v2'));
  const leakedKey = await addFunctionCallKey(f.owner, f.token.accountId);
  const code = await codeHash(f.token);

  // (100 Tgas: the key's 0.25 NEAR allowance must cover the gas reserved at the pessimistic price.)
  await refused(t, f.owner, f.token, 'stage_upgrade', v2, AT_LEAST_ONE_YOCTO, { key: leakedKey });
  await refused(t, f.owner, f.token, 'apply_upgrade', {}, ONE_YOCTO, { key: leakedKey });
  await refused(t, f.owner, f.token, 'cancel_upgrade', {}, ONE_YOCTO, { key: leakedKey });
  await refused(t, f.owner, f.token, 'set_upgrade_delay', { delay_ns: HOUR_NS.toString() }, ONE_YOCTO, { key: leakedKey });
  t.is(await f.token.view('staged_upgrade', {}), null);
  t.is(await codeHash(f.token), code, 'the code is unchanged');

  // With the wallet: staged now, and even the rightful upgrader must wait for the delay (48 h by default).
  const staged = await f.owner.callRaw(f.token, 'stage_upgrade', v2, { attachedDeposit: BigInt(v2.length + 1000) * 10n ** 19n, gas: 300n * TGAS });
  t.true(staged.succeeded, JSON.stringify(staged.receiptFailureMessages));
  const record = (await f.token.view('staged_upgrade', {})) as { ready_at_ns: string; staged_at_ns: string; code_hash: string };
  t.is(BigInt(record.ready_at_ns) - BigInt(record.staged_at_ns), 48n * HOUR_NS);
  t.is(record.code_hash, createHash('sha256').update(v2).digest('hex'));
  await refused(t, f.owner, f.token, 'apply_upgrade', {}, `Upgrade: the staged upgrade is ready at ${record.ready_at_ns} ns, not before`, { deposit: 1n, gas: 300n * TGAS });
  // A function-call key still cannot cancel the staged upgrade (which would block a security fix).
  await refused(t, f.owner, f.token, 'cancel_upgrade', {}, ONE_YOCTO, { key: leakedKey });
  t.is(await codeHash(f.token), code);
  t.deepEqual(await f.token.view('staged_upgrade', {}), record);
});

// Serial (ava runs serial tests before the concurrent ones): it fast-forwards the file's one node 3,610 blocks, past the
// 100-block validity period, so a transaction another test signed just before the jump would be refused as Expired.
test.serial('upgrade in two steps: staged code (its storage paid by the stager) is applied after the owner-set delay and migrates; cancel returns the deposit', async (t) => {
  const f = await deployToken(t);
  await f.tokenAdmin('pause');
  await f.tokenAdmin('unpause');
  const v2 = readFileSync(testContractWasm('stablecoin-v2'));
  const deposit = BigInt(v2.length + 1000) * 10n ** 19n;
  const payerTokens = await f.tokenBalance(f.payer);
  const supply = BigInt((await f.token.view('ft_total_supply', {})) as string);

  await refused(t, f.payer, f.token, 'stage_upgrade', v2, 'AccessControl: caller lacks role upgrader', { deposit, gas: 300n * TGAS });
  await refused(t, f.owner, f.token, 'stage_upgrade', Buffer.from('not wasm at all'), 'Upgrade: input must be a Wasm module', { deposit, gas: 300n * TGAS });
  const tooLittle = await f.owner.callRaw(f.token, 'stage_upgrade', v2, { attachedDeposit: 1n, gas: 300n * TGAS });
  t.regex(panics(tooLittle.receiptFailureMessages).join(), /Smart contract panicked: Upgrade: attached deposit 1 does not cover the staged code's storage \d+/);
  const bounds = 'Upgrade: delay_ns must be a decimal string from 3600000000000 to 2592000000000000 nanoseconds';
  await refused(t, f.owner, f.token, 'set_upgrade_delay', { delay_ns: (HOUR_NS - 1n).toString() }, bounds, { deposit: 1n });
  await refused(t, f.owner, f.token, 'set_upgrade_delay', { delay_ns: (721n * HOUR_NS).toString() }, bounds, { deposit: 1n });
  await refused(t, f.payer, f.token, 'set_upgrade_delay', { delay_ns: HOUR_NS.toString() }, 'Ownable: caller is not the owner', { deposit: 1n });
  const delaySet = await f.owner.callRaw(f.token, 'set_upgrade_delay', { delay_ns: HOUR_NS.toString() }, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.true(delaySet.succeeded, JSON.stringify(delaySet.receiptFailureMessages));
  t.deepEqual(await f.token.view('upgrade_delay', {}), { delay_ns: HOUR_NS.toString(), min_ns: HOUR_NS.toString(), max_ns: (720n * HOUR_NS).toString() });

  // Stage and cancel: the storage deposit comes back exactly (only gas is spent). The owner's balance is read
  // once each call's gas refund ran (settled): near-workspaces answers before it.
  await settled(t.context.worker, delaySet);
  const ownerBefore = (await f.owner.availableBalance());
  const staged = await f.owner.callRaw(f.token, 'stage_upgrade', v2, { attachedDeposit: deposit, gas: 300n * TGAS });
  t.deepEqual(events(staged.logs, 'stablecoin').map((e) => e.event), ['upgrade_staged']);
  await settled(t.context.worker, staged);
  const held = ownerBefore - (await f.owner.availableBalance());
  t.true(held >= BigInt(v2.length) * 10n ** 19n && held < BigInt(v2.length + 400) * 10n ** 19n + NEAR / 100n, `held ${held} for ${v2.length} bytes`);
  await refused(t, f.owner, f.token, 'stage_upgrade', v2, 'Upgrade: an upgrade is already staged; apply or cancel it first', { deposit, gas: 300n * TGAS });
  await refused(t, f.payer, f.token, 'cancel_upgrade', {}, 'AccessControl: caller lacks role upgrader', { deposit: 1n });
  const cancelled = await f.owner.callRaw(f.token, 'cancel_upgrade', {}, { attachedDeposit: 1n, gas: 50n * TGAS });
  t.true(cancelled.succeeded, JSON.stringify(cancelled.receiptFailureMessages));
  await settled(t.context.worker, cancelled);
  t.true(ownerBefore - (await f.owner.availableBalance()) < NEAR / 100n, 'the deposit came back');
  t.is(await f.token.view('staged_upgrade', {}), null);
  await refused(t, f.owner, f.token, 'apply_upgrade', {}, 'Upgrade: nothing is staged', { deposit: 1n, gas: 300n * TGAS });

  // Stage, wait for the delay, apply: deploy and migrate in one batch; balances and supply kept.
  await f.owner.call(f.token, 'stage_upgrade', v2, { attachedDeposit: deposit, gas: 300n * TGAS });
  const { ready_at_ns } = (await f.token.view('staged_upgrade', {})) as { ready_at_ns: string };
  await t.context.worker.provider.fastForward(3_610);
  // near-api-js' provider has block(); near-workspaces' type declarations leave it out
  const provider = t.context.worker.provider as unknown as { block(query: { finality: 'final' }): Promise<{ header: { timestamp_nanosec: string } }> };
  const block = await provider.block({ finality: 'final' });
  t.true(BigInt(block.header.timestamp_nanosec) >= BigInt(ready_at_ns), 'the delay has passed');
  await refused(t, f.payer, f.token, 'apply_upgrade', {}, 'AccessControl: caller lacks role upgrader', { deposit: 1n, gas: 300n * TGAS });
  const applied = await f.owner.callRaw(f.token, 'apply_upgrade', {}, { attachedDeposit: 1n, gas: 300n * TGAS });
  t.true(applied.succeeded, JSON.stringify(applied.receiptFailureMessages));
  t.deepEqual(events(applied.logs, 'stablecoin').map((e) => e.event), ['upgraded', 'migrated']);
  t.is(await codeHash(f.token), base58.encode(createHash('sha256').update(v2).digest()));
  t.is(await f.token.view('stablecoin_v2_marker', {}), 'v2');
  t.is(await f.token.view('staged_upgrade', {}), null);
  t.is(await f.tokenBalance(f.payer), payerTokens);
  t.is(BigInt((await f.token.view('ft_total_supply', {})) as string), supply);
  await settled(t.context.worker, applied);
  const spent = ownerBefore - (await f.owner.availableBalance());
  t.true(spent < NEAR / 20n, `the ~4.3 NEAR deposit came back on apply (spent ${spent}: gas only)`);
});

/** Deploys `wasm` to a fresh account without init, as a deploy followed by a separate init would. */
async function deployed(t: ExecutionContext<PayoutContext>, name: string, prefix: string): Promise<NearAccount> {
  const account = await createAccount(t, prefix, 30n * NEAR);
  await account.deploy(readFileSync(contractWasm(name)));
  return account;
}

test('attack 9: between a deploy and a separate init nobody but the contract account can call init (stablecoin, payout, proxy, signer double)', async (t) => {
  const attacker = await createAccount(t, 'attacker', 10n * NEAR);
  const owner = await createAccount(t, 'owner', 10n * NEAR);
  const roots = rootPublicKeys();
  const attackerRoots = rootPublicKeys({ secp256k1Secret: 12345n, ed25519Scalar: 67890n });
  const cases: [string, string, Record<string, unknown>, (a: NearAccount) => Record<string, unknown>][] = [
    ['stablecoin', 'owner', { owner_id: attacker.accountId }, () => ({ owner_id: owner.accountId })],
    ['payout', 'owner', { owner_id: attacker.accountId }, () => ({ owner_id: owner.accountId })],
    ['chain-signatures-proxy', 'get_config', { owner_id: attacker.accountId, config: { signer_id: attacker.accountId } }, () => ({ owner_id: owner.accountId })],
    // The attacker would install root keys whose secrets it knows and make itself a participant.
    ['mpc-signer-double', 'public_key', { secp256k1_root: attackerRoots.secp256k1, ed25519_root: attackerRoots.ed25519, participants: [attacker.accountId] }, () => ({ secp256k1_root: roots.secp256k1, ed25519_root: roots.ed25519, participants: [owner.accountId] })],
  ];
  for (const [name, probe, attack, honest] of cases) {
    const contract = await deployed(t, name, name.slice(0, 6));
    await refused(t, attacker, contract, 'init', attack, INIT_BY_SELF);
    // Still uninitialised: the contract's own init (second transaction) goes through.
    t.deepEqual(await contract.viewStateRaw(), [], `${name}: no state written by the refused init`);
    await contract.call(contract, 'init', honest(contract), { gas: 100n * TGAS });
    const view = await contract.view(probe, {});
    if (probe === 'owner') t.is(view, owner.accountId, name);
    if (probe === 'get_config') t.not((view as { signer_id: string }).signer_id, attacker.accountId, name);
    if (probe === 'public_key') t.is(view, roots.secp256k1, name);
  }
});

/**
 * The clients against real contracts on the local node, reached only over JSON-RPC (the node of
 * scripts/scenario/node.ts): decoded results (bigint amounts), default deposits and gas, refused
 * calls as ContractCallError with the contract's panic text and no state change, a missing
 * deposit refused before anything is sent, and a yielded call (the MPC signer double) followed to
 * its final value. The scenario test (sandbox-tests/start.ava.ts) drives the other two contracts.
 */
import anyTest, { type TestFn } from 'ava';
import { readFileSync } from 'node:fs';
import { actions, type Account } from 'near-api-js';
import { ensureBuilt } from '../../contract-builder/src/index.js';
import { rootPublicKeys, signatureRequest, signEcdsa } from '../../chain-signatures/src/index.js';
import { startResponder } from '../../../scripts/mpc-responder.js';
import { createAccount, keyOf } from '../../../scripts/scenario/accounts.js';
import { startLocalNode, type LocalNode } from '../../../scripts/scenario/node.js';
import {
  ContractCallError,
  MissingDepositError,
  NEAR,
  TGAS,
  mpcSignerDouble,
  payout,
  stablecoin,
  type StablecoinClient,
} from '../src/index.js';

interface Context {
  node: LocalNode;
  issuer: Account;
  alice: Account;
  tokenId: string;
}
const test = anyTest as TestFn<Context>;

async function deploy(owner: Account, name: string, init: Record<string, unknown>): Promise<void> {
  const code = readFileSync(await ensureBuilt(name));
  await owner.signAndSendTransaction({ receiverId: owner.accountId, actions: [actions.deployContract(code), actions.functionCall('init', init, 100n * TGAS, 0n)] });
}

test.before(async (t) => {
  const node = await startLocalNode();
  const token = await createAccount(node.root, 'usd', 10n * NEAR);
  const issuer = await createAccount(node.root, 'issuer', 10n * NEAR);
  const alice = await createAccount(node.root, 'alice', 10n * NEAR);
  await deploy(token, 'stablecoin', { owner_id: issuer.accountId });
  t.context = { node, issuer, alice, tokenId: token.accountId };
});

test.after.always(async (t) => {
  await t.context.node?.stop();
});

async function nonceOf(account: Account): Promise<bigint> {
  const keys = await account.getAccessKeyList();
  return BigInt(keys.keys[0]!.access_key.nonce);
}

test.serial('stablecoin: views decode amounts to bigint; calls default to 1 yoctoNEAR and report gas; a panic is a ContractCallError and changes nothing', async (t) => {
  const { issuer, alice, tokenId } = t.context;
  const asIssuer: StablecoinClient = stablecoin(issuer, tokenId);
  const asAlice = stablecoin(alice, tokenId);

  const bounds = await asIssuer.storage_balance_bounds();
  t.is(typeof bounds.min, 'bigint');
  t.true(bounds.min > 0n && bounds.min === bounds.max, 'one fixed registration cost (min = max)');
  t.is(await asIssuer.storage_balance_of({ account_id: alice.accountId }), null);

  const registered = await asAlice.storage_deposit({}, { deposit: bounds.min });
  t.deepEqual(registered.value, { total: bounds.min, available: 0n });
  // Above the function-call fees alone (~1.4 Tgas with the refund), so the contract's execution is counted;
  // a pre-initialised stablecoin (contracts/stablecoin/build.json) burns ~3.3 Tgas here, the default build ~8.8.
  t.true(registered.gasBurnt > 2n * TGAS && registered.gasBurnt < 30n * TGAS, `storage_deposit burnt ${registered.gasBurnt}`);
  await asIssuer.storage_deposit({}, { deposit: bounds.min });

  // grant_role, configure_minter and mint require exactly 1 yoctoNEAR: the client's default.
  await asIssuer.grant_role({ role: 'master_minter', account_id: issuer.accountId });
  await asIssuer.configure_minter({ account_id: issuer.accountId, allowance: 1_000n });
  t.is(await asIssuer.minter_allowance({ account_id: issuer.accountId }), 1_000n);
  const minted = await asIssuer.mint({ account_id: alice.accountId, amount: 700n });
  t.is(minted.value, undefined);
  t.true(minted.logs.some((line) => line.includes('"event":"ft_mint"')), 'the NEP-141 ft_mint event is in the logs');
  t.is(await asIssuer.ft_balance_of({ account_id: alice.accountId }), 700n);
  t.is(await asIssuer.ft_total_supply(), 700n);

  // The contract refuses: the client throws with the exact panic, and the balance is unchanged.
  const overdraft = await t.throwsAsync(asAlice.ft_transfer({ receiver_id: issuer.accountId, amount: 701n }), { instanceOf: ContractCallError });
  t.is(overdraft?.panic, 'Stablecoin: insufficient balance');
  t.is(overdraft?.methodName, 'ft_transfer');
  t.is(await asIssuer.ft_balance_of({ account_id: alice.accountId }), 700n);

  // An explicit deposit overrides the default (and here breaks the 1-yocto rule on purpose).
  const zero = await t.throwsAsync(asAlice.ft_transfer({ receiver_id: issuer.accountId, amount: 1n }, { deposit: 0n }), { instanceOf: ContractCallError });
  t.is(zero?.panic, 'Guard: requires an attached deposit of exactly 1 yoctoNEAR');

  const moved = await asAlice.ft_transfer({ receiver_id: issuer.accountId, amount: '200' });
  t.true(moved.transactionHash.length > 40);
  t.is(await asIssuer.ft_balance_of({ account_id: issuer.accountId }), 200n);
});

test.serial('a method whose deposit the caller chooses is refused before anything is sent when no deposit is given', async (t) => {
  const { alice, tokenId } = t.context;
  const before = await nonceOf(alice);
  const error = await t.throwsAsync(stablecoin(alice, tokenId).storage_deposit({ account_id: 'someone.test.near' }), { instanceOf: MissingDepositError });
  t.regex(error!.message, /storage_deposit needs NEAR attached and has no default: pass \{ deposit \}/);
  t.is(await nonceOf(alice), before, 'no transaction was signed');
});

test.serial('private callbacks are not part of a client', (t) => {
  const client = stablecoin(t.context.alice, t.context.tokenId);
  t.false('ft_resolve_transfer' in client);
  t.true('ft_transfer_call' in client);
  // @ts-expect-error a private callback has no client function
  t.is(client.ft_resolve_transfer, undefined);
});

/** Compile-time checks only (npx tsc): never called. */
export function typeChecks(client: StablecoinClient): void {
  // @ts-expect-error account ids are strings
  void client.ft_balance_of({ account_id: 1 });
  // @ts-expect-error amount is required
  void client.ft_transfer({ receiver_id: 'bob.near' });
  // @ts-expect-error amounts are bigint or decimal strings, not numbers
  void client.mint({ account_id: 'bob.near', amount: 5 });
  // views without required arguments take none
  void client.ft_total_supply();
}

test.serial('payout: a pool in the stablecoin decodes with bigint amounts; ft_transfer_call returns what the receiver kept', async (t) => {
  const { node, issuer, tokenId } = t.context;
  const payoutAccount = await createAccount(node.root, 'payout', 10n * NEAR);
  await deploy(payoutAccount, 'payout', { owner_id: payoutAccount.accountId });
  const asIssuer = payout(issuer, payoutAccount.accountId);
  const token = stablecoin(issuer, tokenId);
  const { min } = await token.storage_balance_bounds();
  await token.storage_deposit({ account_id: payoutAccount.accountId }, { deposit: min });
  await asIssuer.storage_deposit({}, { deposit: NEAR / 10n });
  const created = await asIssuer.create_pool({ token: tokenId, default_expiry_ns: 10n ** 15n, registration_fee: min });
  t.like(created.value, { id: 0, payer: issuer.accountId, token: tokenId, funded: 0n, registration_fee: min, default_expiry_ns: 10n ** 15n });
  const kept = await token.ft_transfer_call({ receiver_id: payoutAccount.accountId, amount: 150n, msg: JSON.stringify({ pool_id: created.value.id }) });
  t.is(kept.value, 150n);
  const batch = await asIssuer.allocate({ pool_id: 0, allocations: [{ recipient: t.context.alice.accountId, amount: 40n }] });
  t.like(batch.value, { pool_id: 0, count: 1, total: 40n });
  t.deepEqual((await asIssuer.claimable_of({ account_id: t.context.alice.accountId })).map((c) => [c.pool_id, c.amount]), [[0, 40n]]);
  t.like(await asIssuer.get_pool({ pool_id: 0 }), { funded: 150n, unallocated: 110n, claimable: 40n });
  const refused = await t.throwsAsync(asIssuer.allocate({ pool_id: 0, allocations: [{ recipient: 'x.test.near', amount: 1_000n }] }), { instanceOf: ContractCallError });
  t.is(refused?.panic, 'Payout: batch total 1000 exceeds the unallocated balance 110; fund the pool first');
});

test.serial('mpc-signer-double: sign yields until the responder answers; the client follows the transaction to the signature', async (t) => {
  const { node, alice } = t.context;
  const signer = await createAccount(node.root, 'signer', 20n * NEAR);
  const participant = await createAccount(node.root, 'participant', 50n * NEAR);
  const roots = rootPublicKeys();
  await deploy(signer, 'mpc-signer-double', { secp256k1_root: roots.secp256k1, ed25519_root: roots.ed25519, participants: [participant.accountId] });
  const double = mpcSignerDouble(alice, signer.accountId);
  t.is(await double.public_key({}), roots.secp256k1);
  t.is((await double.config()).sign_call_gas_attachment_requirement_tera_gas, 15);

  const payload = 'ab'.repeat(32);
  const responder = startResponder({ rpcUrl: node.rpcUrl, contractId: signer.accountId, accountId: participant.accountId, privateKey: keyOf(participant), intervalMs: 50 });
  try {
    const signed = await node.whileProducingBlocks(double.sign({ request: { path: 'test-path', payload_v2: { Ecdsa: payload }, domain_id: 0 } }));
    const expected = signEcdsa(Buffer.from(payload, 'hex'), alice.accountId, 'test-path');
    t.deepEqual(signed.value, expected, 'the response of the off-chain signer, returned to the caller');
    t.is(responder.answered, 1);
    t.is(await double.get_pending_request({ request: signatureRequest(alice.accountId, 'test-path', { Ecdsa: payload }, 0) }), null, 'nothing left pending');
  } finally {
    await responder.stop();
  }
});

/**
 * Payout gas on a fresh in-process node (issue 6): a batch of 100 allocations, the largest batch
 * that fits one 300 Tgas transaction (target: at least 300), claims (first claim that registers
 * the recipient, first claim of a registered recipient, a repeat claim), a relayed claim
 * (NEP-366: the relayer's transaction carrying the user's signed DelegateAction), push and
 * push_batch. Every figure is the gas burnt by the whole transaction (all receipts).
 */
import { readFileSync } from 'node:fs';
import { KeyPair, NEAR, TGAS, delegateActionHash, type Sandbox, type TransactionResult } from '../../packages/sandbox/src/index.js';
import type { GasRow } from './types.js';

const PAYOUT = 'payout.test.near';
const TOKEN = 'usd.test.near';
const OWNER = 'owner.test.near';
const PAYER = 'payer.test.near';
const RELAYER = 'relayer.test.near';
/** The contract's MAX_BATCH (contracts/payout/src/index.ts). */
const MAX_BATCH = 500;
const LARGEST_BATCH_TARGET = 300;

function ok(result: TransactionResult, what: string): TransactionResult {
  if (!result.succeeded || result.receiptFailures.length > 0) throw new Error(`${what} failed: ${JSON.stringify(result.failure ?? result.receiptFailures)}`);
  return result;
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

export async function measure(node: Sandbox): Promise<GasRow[]> {
  const rows: GasRow[] = [];
  const row = (operation: string, gasBurnt: bigint, target?: bigint, note?: string) => rows.push({ contract: 'payout', operation, gasBurnt, target, note });
  for (const id of [PAYOUT, TOKEN, OWNER, RELAYER]) node.createAccount(id, { balance: 1000n * NEAR });
  node.createAccount(PAYER, { balance: 10_000n * NEAR });
  node.deployContract(PAYOUT, readFileSync('build/payout.wasm'));
  node.deployContract(TOKEN, readFileSync('build/stablecoin.wasm'));
  const call = (signer: string, receiver: string, method: string, args: Record<string, unknown>, deposit = 0n, gas = 300n * TGAS) => ok(node.call(signer, receiver, method, args, { deposit, gas }), method);

  call(PAYOUT, PAYOUT, 'init', { owner_id: OWNER });
  call(TOKEN, TOKEN, 'init', { owner_id: OWNER });
  for (const role of ['master_minter', 'pauser', 'blacklister']) call(OWNER, TOKEN, 'grant_role', { role, account_id: OWNER }, 1n);
  call(OWNER, TOKEN, 'configure_minter', { account_id: OWNER, allowance: (10n ** 30n).toString() }, 1n);
  const fee = BigInt((node.view(TOKEN, 'storage_balance_bounds', {}) as { min: string }).min);
  const register = (accountId: string) => call(OWNER, TOKEN, 'storage_deposit', { account_id: accountId }, fee);
  register(PAYER);
  register(PAYOUT);
  call(OWNER, TOKEN, 'mint', { account_id: PAYER, amount: (10n ** 24n).toString() }, 1n);
  row('storage_deposit (payer, first)', call(PAYER, PAYOUT, 'storage_deposit', {}, 500n * NEAR).gasBurnt);
  row('create_pool', call(PAYER, PAYOUT, 'create_pool', { token: TOKEN, default_expiry_ns: String(30n * 86_400n * 10n ** 9n), registration_fee: fee.toString(), supports_batch_transfer: true }, 10n * NEAR).gasBurnt);
  row('fund (ft_transfer_call, transaction total)', call(PAYER, TOKEN, 'ft_transfer_call', { receiver_id: PAYOUT, amount: (10n ** 23n).toString(), msg: JSON.stringify({ pool_id: 0 }) }, 1n).gasBurnt);

  const typical = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ recipient: `worker-${tag}-${i}.test.near`, amount: String(1_000_000 + i), reference: `task-${tag}-${i}` }));
  const allocate = (allocations: unknown[]) => node.call(PAYER, PAYOUT, 'allocate', { pool_id: 0, allocations }, { deposit: 1n, gas: 300n * TGAS });
  const fits = (allocations: unknown[]): bigint | null => {
    const snapshot = node.snapshot();
    try {
      const result = allocate(allocations);
      return result.succeeded ? result.gasBurnt : null;
    } finally {
      node.restore(snapshot);
    }
  };

  row('allocate, batch of 100', fits(typical(100, 'a'))!);
  let low = 1;
  let high = MAX_BATCH;
  if (fits(typical(high, 'b')) !== null) low = high;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (fits(typical(mid, 'b')) !== null) low = mid;
    else high = mid;
  }
  row(
    `allocate, largest batch in 300 Tgas (${low})`,
    fits(typical(low, 'b'))!,
    300n * TGAS,
    `${low >= MAX_BATCH ? `capped by MAX_BATCH = ${MAX_BATCH}` : 'gas-bound'}; target ≥ ${LARGEST_BATCH_TARGET}: ${low >= LARGEST_BATCH_TARGET ? 'met' : `missed by ${LARGEST_BATCH_TARGET - low}`}`,
  );
  // The cap is safe: MAX_BATCH worst-case entries (64-character ids, 39-digit amounts, 128-character references) still fit.
  const worst = Array.from({ length: MAX_BATCH }, (_, i) => ({ recipient: `${String(i).padStart(4, '0')}${'f'.repeat(60)}`, amount: '1'.repeat(18), reference: 'r'.repeat(128) }));
  const worstGas = fits(worst);
  row(`allocate, ${MAX_BATCH} worst-case entries`, worstGas ?? 0n, 300n * TGAS, worstGas === null ? 'does NOT fit: lower MAX_BATCH' : '64-char ids, 128-char references');

  // Claims: recipients with allocations, registered with the token or not.
  const registered = 'alice.test.near';
  const unregistered = 'bob.test.near';
  const user = 'carol.test.near';
  for (const id of [registered, unregistered, user]) node.createAccount(id, { balance: 10n * NEAR });
  register(registered);
  register(user);
  ok(allocate([registered, unregistered, user].map((recipient) => ({ recipient, amount: '5000000' }))), 'allocate claims');
  row('claim, first payout, registers the recipient', call(unregistered, PAYOUT, 'claim', { pool_id: 0 }, 0n, 150n * TGAS).gasBurnt);
  row('claim, first payout, recipient already registered', call(registered, PAYOUT, 'claim', { pool_id: 0 }, 0n, 150n * TGAS).gasBurnt);
  ok(allocate([{ recipient: registered, amount: '7000000' }]), 'allocate again');
  row('claim, repeat (registration known)', call(registered, PAYOUT, 'claim', { pool_id: 0 }, 0n, 150n * TGAS).gasBurnt);

  // Relayed claim: the user signs a DelegateAction with a function-call key; the relayer's transaction carries it.
  const userKey = KeyPair.fromLabel('carol claim key');
  ok(node.signAndSendTransaction(user, user, [{ type: 'AddKey', publicKey: userKey.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: null, receiverId: PAYOUT, methodNames: ['claim'] } } }]), 'add claim key');
  const key = node.getAccessKey(user, userKey.publicKey)!;
  const delegateAction = {
    senderId: user,
    receiverId: PAYOUT,
    actions: [{ type: 'FunctionCall' as const, methodName: 'claim', args: encode({ pool_id: 0 }), gas: 150n * TGAS, deposit: 0n }],
    nonce: key.nonce + 1n,
    maxBlockHeight: node.head.height + 100n,
    publicKey: userKey.publicKey,
  };
  const relayed = ok(node.signAndSendTransaction(RELAYER, user, [{ type: 'Delegate', signedDelegate: { delegateAction, signature: userKey.sign(delegateActionHash(delegateAction)) } }]), 'relayed claim');
  row('relayed claim (NEP-366, registered recipient, first payout)', relayed.gasBurnt);

  // Push and push_batch to registered recipients.
  const workers = Array.from({ length: 400 }, (_, i) => `w${i}.test.near`);
  for (const id of workers) register(id);
  for (let i = 0; i < workers.length; i += 200) ok(allocate(workers.slice(i, i + 200).map((recipient) => ({ recipient, amount: '3000000' }))), 'allocate workers');
  // Expiry, withdrawals and a NEAR pool.
  ok(node.call(PAYER, PAYOUT, 'allocate', { pool_id: 0, allocations: [{ recipient: 'dave.test.near', amount: '10' }], expires_in_ns: '1' }, { deposit: 1n, gas: 300n * TGAS }), 'short allocation');
  row('expire', call(RELAYER, PAYOUT, 'expire', { pool_id: 0, recipient: 'dave.test.near' }, 0n, 50n * TGAS).gasBurnt);
  row('withdraw_unallocated (token, transaction total)', call(PAYER, PAYOUT, 'withdraw_unallocated', { pool_id: 0, amount: '1000' }, 1n, 100n * TGAS).gasBurnt);
  row('fund_pool (registration fund)', call(PAYER, PAYOUT, 'fund_pool', { pool_id: 0, registration_fund_only: true }, NEAR, 50n * TGAS).gasBurnt);
  row('withdraw_registration_fund (transaction total)', call(PAYER, PAYOUT, 'withdraw_registration_fund', { pool_id: 0, amount: NEAR.toString() }, 1n, 100n * TGAS).gasBurnt);
  call(PAYER, PAYOUT, 'create_pool', { token: 'NEAR', default_expiry_ns: '1000000000000' }, 1n);
  row('fund_pool (NEAR pool)', call(PAYER, PAYOUT, 'fund_pool', { pool_id: 1 }, 10n * NEAR, 50n * TGAS).gasBurnt);
  ok(node.call(PAYER, PAYOUT, 'allocate', { pool_id: 1, allocations: [{ recipient: registered, amount: NEAR.toString() }] }, { deposit: 1n, gas: 300n * TGAS }), 'NEAR allocation');
  row('claim, NEAR pool', call(registered, PAYOUT, 'claim', { pool_id: 1 }, 0n, 150n * TGAS).gasBurnt);

  row('push, 1 recipient (first payout)', call(PAYER, PAYOUT, 'push', { pool_id: 0, recipients: [workers[0]] }).gasBurnt);
  const pushBatch = (n: number): bigint | null => {
    const snapshot = node.snapshot();
    try {
      const result = node.call(PAYER, PAYOUT, 'push_batch', { pool_id: 0, recipients: workers.slice(1, 1 + n) }, { gas: 300n * TGAS });
      return result.succeeded && result.receiptFailures.length === 0 ? result.gasBurnt : null;
    } finally {
      node.restore(snapshot);
    }
  };
  row('push_batch, 100 recipients', pushBatch(100) ?? 0n, undefined, pushBatch(100) === null ? 'does not fit' : undefined);
  let lo = 1;
  let hi = 399;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (pushBatch(mid) !== null) lo = mid;
    else hi = mid;
  }
  row(`push_batch, largest in 300 Tgas (${lo})`, pushBatch(lo)!, 300n * TGAS, 'gas reserved for the failure callback bounds it');
  return rows;
}

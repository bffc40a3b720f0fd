/**
 * Payout callbacks never panic on state they do not control (issue 13, "also examine"): `on_paid`
 * used to charge the payer's storage balance for the bytes its pool record grew by, so a payer who
 * emptied that balance while a payout was in flight made `on_paid` panic and left the amount in
 * `in_flight` for ever. Interleaving transactions in one block needs the in-process node
 * (packages/sandbox: submitTransaction + produceBlocks), the same runtime near-workspaces talks to.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createSandbox, NEAR, TGAS, type Sandbox, type TransactionResult } from '../packages/sandbox/src/index.js';
import { contractWasm } from './helpers/wasm.js';

const ROOT = 'test.near';
const PAYOUT = `payout.${ROOT}`;
const PAYER = `payer.${ROOT}`;
const OWNER = `owner.${ROOT}`;
const [R1, R2] = ['r1', 'r2'].map((r) => `${r}.${ROOT}`) as [string, string];

function must(r: TransactionResult, what: string): TransactionResult {
  if (!r.succeeded || r.receiptFailures.length > 0) throw new Error(`${what}: ${JSON.stringify(r.failure ?? r.receiptFailures)}`);
  return r;
}

function pool(node: Sandbox) {
  return node.view(PAYOUT, 'get_pool', { pool_id: 0 }) as { funded: string; unallocated: string; claimable: string; in_flight: string; paid: string };
}

function call(node: Sandbox, signer: string, method: string, args: Record<string, unknown>, deposit: bigint, nonce: bigint): Uint8Array {
  return node.signTransaction(signer, PAYOUT, [{ type: 'FunctionCall', methodName: method, args: new TextEncoder().encode(JSON.stringify(args)), gas: 200n * TGAS, deposit }], { nonce });
}

test("on_paid settles a payout even when the payer emptied its storage balance while it was in flight and the pool record grew", (t) => {
  const node = createSandbox();
  for (const id of [PAYOUT, OWNER, R1, R2]) node.createAccount(id, { balance: 100n * NEAR });
  node.createAccount(PAYER, { balance: 10_000n * NEAR });
  node.deployContract(PAYOUT, readFileSync(contractWasm('payout')));
  must(node.call(PAYOUT, PAYOUT, 'init', { owner_id: OWNER }, { gas: 100n * TGAS }), 'init');
  must(node.call(PAYER, PAYOUT, 'storage_deposit', {}, { deposit: NEAR, gas: 100n * TGAS }), 'storage');
  must(node.call(PAYER, PAYOUT, 'create_pool', { token: 'NEAR', default_expiry_ns: '1000000000000000' }, { deposit: 1n, gas: 100n * TGAS }), 'pool');
  must(node.call(PAYER, PAYOUT, 'fund_pool', { pool_id: 0 }, { deposit: 10_000n, gas: 100n * TGAS }), 'fund');
  // 999 paid first, so that the next payout of 1 makes `paid` one digit longer while `in_flight`
  // (1 + 10 → 10) keeps its length: the pool record grows by a byte in on_paid.
  must(node.call(PAYER, PAYOUT, 'allocate', { pool_id: 0, allocations: [{ recipient: R1, amount: '999' }] }, { deposit: 1n, gas: 100n * TGAS }), 'allocate 999');
  must(node.call(R1, PAYOUT, 'claim', { pool_id: 0 }, { gas: 200n * TGAS }), 'claim 999');
  must(node.call(PAYER, PAYOUT, 'allocate', { pool_id: 0, allocations: [{ recipient: R1, amount: '1' }, { recipient: R2, amount: '10' }] }, { deposit: 1n, gas: 100n * TGAS }), 'allocate 1 and 10');

  // One block: both claims start, then the payer allocates to r1 again (its record is not drained
  // in on_paid) and withdraws its whole storage balance.
  const payerNonce = node.getAccessKey(PAYER, node.keyPairOf(PAYER)!.publicKey)!.nonce;
  const hashes = [
    node.submitTransaction(call(node, R1, 'claim', { pool_id: 0 }, 0n, node.getAccessKey(R1, node.keyPairOf(R1)!.publicKey)!.nonce + 1n)),
    node.submitTransaction(call(node, R2, 'claim', { pool_id: 0 }, 0n, node.getAccessKey(R2, node.keyPairOf(R2)!.publicKey)!.nonce + 1n)),
    node.submitTransaction(call(node, PAYER, 'allocate', { pool_id: 0, allocations: [{ recipient: R1, amount: '5' }] }, 1n, payerNonce + 1n)),
    node.submitTransaction(call(node, PAYER, 'storage_withdraw', {}, 1n, payerNonce + 2n)),
  ];
  for (let i = 0; i < 50 && node.chain.hasPendingWork; i++) node.produceBlocks(1);
  const outcomes = hashes.map((h) => node.getTransactionOutcome(h));
  for (const [i, o] of outcomes.entries()) t.true(o.succeeded, `transaction ${i}: ${JSON.stringify(o.failure)}`);
  const failures = outcomes.flatMap((o) => o.receiptFailures);
  t.deepEqual(failures, [], 'no callback panicked');
  t.deepEqual(outcomes[3]!.value(), { total: '0' }, 'the payer emptied its storage balance before the callbacks ran');

  const p = pool(node);
  t.is(p.in_flight, '0', 'nothing stuck in flight');
  t.is(p.paid, '1010');
  t.is(BigInt(p.unallocated) + BigInt(p.claimable) + BigInt(p.paid), BigInt(p.funded), 'funded = unallocated + claimable + paid');
  t.is(p.claimable, '5');
  const events = outcomes.flatMap((o) => o.logs).filter((l) => l.includes('"payout_completed"'));
  t.is(events.length, 2, 'both payouts completed');
});

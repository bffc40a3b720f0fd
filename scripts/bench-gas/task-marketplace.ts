/**
 * Task-marketplace gas: one transaction per operation on a fresh in-process node, NEAR project
 * with k = 3 and m = 2 (issue 7 targets: each tasker action — claim, submit, reveal, withdraw —
 * ≤ 15 Tgas for the whole transaction; add_items with 100 items fits one 300 Tgas transaction).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NEAR, TGAS, type Sandbox } from '../../packages/sandbox/src/index.js';
import type { GasRow } from './types.js';

const MARKET = 'market.test.near';
const VENDOR = 'vendor.test.near';
const TASKERS = ['t1.test.near', 't2.test.near', 't3.test.near'];
const TASKER_TARGET = 15n * TGAS;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function ok(node: Sandbox, signer: string, method: string, args: Record<string, unknown>, deposit = 0n, gas = 300n * TGAS) {
  const result = node.call(signer, MARKET, method, args, { deposit, gas });
  if (!result.succeeded) throw new Error(`${method} failed: ${JSON.stringify(result.failure)}`);
  return result;
}

export async function measure(node: Sandbox): Promise<GasRow[]> {
  node.createAccount(MARKET, { balance: 50n * NEAR });
  node.createAccount(VENDOR, { balance: 1000n * NEAR });
  for (const t of TASKERS) node.createAccount(t, { balance: 50n * NEAR });
  node.deployContract(MARKET, readFileSync('build/task-marketplace.wasm'));
  const rows: GasRow[] = [];
  const row = (operation: string, gasBurnt: bigint, target?: bigint, note?: string) => rows.push({ contract: 'task-marketplace', operation, gasBurnt, target, note });

  ok(node, MARKET, 'init', { owner_id: VENDOR });
  row('storage_deposit', ok(node, VENDOR, 'storage_deposit', {}, 10n * NEAR).gasBurnt);
  for (const t of TASKERS) ok(node, t, 'storage_deposit', {}, NEAR);
  row('register_tasker', ok(node, TASKERS[0], 'register_tasker', {}).gasBurnt);
  for (const t of TASKERS.slice(1)) ok(node, t, 'register_tasker', {});
  const deadline = node.getBlock().timestamp + 1200n * 10n ** 9n;
  row('create_project', ok(node, VENDOR, 'create_project', {
    token: 'NEAR', title: 'bench', instructions_uri: 'ipfs://bench', instructions_hash: sha256('instructions'),
    reward_per_item: (NEAR / 100n).toString(), reviewer_reward: (NEAR / 200n).toString(), redundancy: 3, consensus: 2,
    claim_ttl_ns: '600000000000', reveal_ttl_ns: '600000000000', dispute_ttl_ns: '600000000000', deadline_ns: deadline.toString(),
  }).gasBurnt);
  row('fund_project', ok(node, VENDOR, 'fund_project', { project_id: 0 }, 100n * NEAR).gasBurnt);
  // Item 0 is a gold item: its seal opens to label-a with salt "gold".
  const items = Array.from({ length: 100 }, (_, i) => ({ content: `ipfs://bafy-item-${String(i).padStart(4, '0')}`, seal: i === 0 ? sha256(`${sha256('label-a')}:gold`) : sha256(`seal-${i}`) }));
  const add = ok(node, VENDOR, 'add_items', { project_id: 0, items });
  row('add_items (100 items, one transaction)', add.gasBurnt, 300n * TGAS, `${items.length} items`);

  // Item 0: two agree, one differs → accepted by consensus. Item 1: all differ → review.
  const results = [sha256('label-a'), sha256('label-a'), sha256('label-b')];
  const claim = TASKERS.map((t, i) => ok(node, t, 'claim', { project_id: 0, item_index: 0 }).gasBurnt);
  const submit = TASKERS.map((t, i) => ok(node, t, 'submit', { project_id: 0, item_index: 0, commitment: sha256(`${results[i]}:salt${i}`) }).gasBurnt);
  const reveal = TASKERS.map((t, i) => ok(node, t, 'reveal', { project_id: 0, item_index: 0, result: results[i], salt: `salt${i}` }).gasBurnt);
  const max = (xs: bigint[]) => xs.reduce((a, b) => (a > b ? a : b));
  row('claim (largest of 3)', max(claim), TASKER_TARGET);
  row('submit (largest of 3)', max(submit), TASKER_TARGET);
  row('reveal (first)', reveal[0], TASKER_TARGET);
  row('reveal (last: settles by consensus, pays 2)', reveal[2], TASKER_TARGET);

  for (const [i, t] of TASKERS.entries()) ok(node, t, 'claim', { project_id: 0, item_index: 1 });
  for (const [i, t] of TASKERS.entries()) ok(node, t, 'submit', { project_id: 0, item_index: 1, commitment: sha256(`${sha256(`x${i}`)}:s`) });
  let last = 0n;
  for (const [i, t] of TASKERS.entries()) last = ok(node, t, 'reveal', { project_id: 0, item_index: 1, result: sha256(`x${i}`), salt: 's' }).gasBurnt;
  row('reveal (last: no consensus, to review)', last, TASKER_TARGET);
  row('reveal_gold (3 answers scored)', ok(node, VENDOR, 'reveal_gold', { project_id: 0, item_index: 0, expected: results[0], salt: 'gold' }).gasBurnt);
  row('review (approve a result)', ok(node, VENDOR, 'review', { project_id: 0, item_index: 1, result: sha256('x0') }).gasBurnt);
  row('dispute', ok(node, TASKERS[1], 'dispute', { project_id: 0, item_index: 1 }).gasBurnt, TASKER_TARGET);
  row('resolve_dispute (uphold)', ok(node, VENDOR, 'resolve_dispute', { project_id: 0, item_index: 1, uphold: true, result: sha256('x1') }).gasBurnt);
  row('withdraw NEAR (transaction total, 2 executions)', ok(node, TASKERS[0], 'withdraw', { token: 'NEAR' }, 0n, 100n * TGAS).gasBurnt, TASKER_TARGET);
  // A token project: funded with ft_transfer_call, one item settled by a single tasker, withdrawn in the token.
  const TOKEN = 'usd.test.near';
  node.createAccount(TOKEN, { balance: 50n * NEAR });
  node.deployContract(TOKEN, readFileSync('build/stablecoin.wasm'));
  const token = (signer: string, method: string, args: Record<string, unknown>, deposit = 1n) => {
    const result = node.call(signer, TOKEN, method, args, { deposit, gas: 150n * TGAS });
    if (!result.succeeded || result.receiptFailures.length > 0) throw new Error(`${method} failed: ${JSON.stringify(result.failure ?? result.receiptFailures)}`);
    return result;
  };
  token(TOKEN, 'init', { owner_id: VENDOR }, 0n);
  token(VENDOR, 'grant_role', { role: 'master_minter', account_id: VENDOR });
  token(VENDOR, 'configure_minter', { account_id: VENDOR, allowance: '1000000000000' });
  const { min } = node.view<{ min: string }>(TOKEN, 'storage_balance_bounds', {});
  for (const id of [MARKET, VENDOR, TASKERS[0]]) token(id, 'storage_deposit', {}, BigInt(min));
  token(VENDOR, 'mint', { account_id: VENDOR, amount: '1000000000' });
  ok(node, VENDOR, 'create_project', {
    token: TOKEN, title: 'bench token', instructions_uri: 'ipfs://bench', instructions_hash: sha256('instructions'),
    reward_per_item: '1000000', reviewer_reward: '0', redundancy: 1, consensus: 1,
    claim_ttl_ns: '600000000000', reveal_ttl_ns: '600000000000', dispute_ttl_ns: '600000000000', deadline_ns: deadline.toString(),
  });
  row('fund a token project (ft_transfer_call, 3 receipts)', token(VENDOR, 'ft_transfer_call', { receiver_id: MARKET, amount: '10000000', msg: JSON.stringify({ fund_project: 1 }) }).gasBurnt);
  ok(node, VENDOR, 'add_items', { project_id: 1, items: [{ content: 'ipfs://t', seal: sha256('t') }] });
  ok(node, TASKERS[0], 'claim', { project_id: 1, item_index: 0 });
  ok(node, TASKERS[0], 'submit', { project_id: 1, item_index: 0, commitment: sha256(`${results[0]}:t`) });
  ok(node, TASKERS[0], 'reveal', { project_id: 1, item_index: 0, result: results[0], salt: 't' });
  row('withdraw token (transaction total, 3 executions)', ok(node, TASKERS[0], 'withdraw', { token: TOKEN }, 0n, 100n * TGAS).gasBurnt, TASKER_TARGET);
  row('qualify_tasker', ok(node, VENDOR, 'qualify_tasker', { project_id: 0, account_id: TASKERS[0] }).gasBurnt);
  row('grant_role', ok(node, VENDOR, 'grant_role', { role: 'pauser', account_id: VENDOR }, 1n).gasBurnt);
  row('pause', ok(node, VENDOR, 'pause', {}, 1n).gasBurnt);
  row('unpause', ok(node, VENDOR, 'unpause', {}, 1n).gasBurnt);
  row('storage_withdraw (transaction total)', ok(node, TASKERS[1], 'storage_withdraw', { amount: '1' }, 1n).gasBurnt);
  // The near-sdk-js floor: a call refused at its first check still starts QuickJS and loads the bundle.
  const refused = node.call(TASKERS[0], MARKET, 'withdraw', { token: 'NEAR' }, { gas: 100n * TGAS });
  if (refused.succeeded) throw new Error('withdraw with no earnings should be refused');
  row('floor: withdraw refused at its first check', refused.gasBurnt, undefined, 'any near-sdk-js call costs at least this');
  ok(node, TASKERS[0], 'claim', { project_id: 0, item_index: 2 });
  row('release_claim', ok(node, TASKERS[0], 'release_claim', { project_id: 0, item_index: 2 }).gasBurnt, TASKER_TARGET);
  node.produceBlocks(2000); // past the deadline plus the dispute period (1 s per block)
  row('finalize_item (release a dispute hold)', ok(node, TASKERS[0], 'finalize_item', { project_id: 0, item_index: 0 }).gasBurnt);
  row('reclaim (100 items, one call)', ok(node, VENDOR, 'reclaim', { project_id: 0, limit: 100 }).gasBurnt, 300n * TGAS);
  return rows;
}

/**
 * Task-marketplace gas: one transaction per operation on a fresh in-process node, NEAR project
 * with k = 3 and m = 2 (issue 7 targets: each tasker action — claim, submit, reveal, withdraw —
 * ≤ 15 Tgas for the whole transaction; add_items with 100 items fits one 300 Tgas transaction).
 * The settling reveal's note groups its receipt's gas_profile; the withdraw rows list each receipt,
 * and the `floor:` rows compute a checked withdraw's minimum from nearcore's fees (the node's
 * runtime parameters) and the smallest near-sdk-js execution measured here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NEAR, TGAS, type Sandbox, type TransactionResult } from '../../packages/sandbox/src/index.js';
import { execFee, runtimeConfig, sendFee, type RuntimeConfig } from '../../packages/sandbox/src/parameters/index.js';
import type { GasRow } from './types.js';

const MARKET = 'market.test.near';
const VENDOR = 'vendor.test.near';
const ARBITER = 'arbiter.test.near';
const TASKERS = ['t1.test.near', 't2.test.near', 't3.test.near'];
const TASKER_TARGET = 15n * TGAS;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The contract's commitment: sha256("<project>:<item>:<tasker>:<result>:<salt>"). */
const commitment = (project: number, item: number, tasker: string, result: string, salt: string) => sha256(`${project}:${item}:${tasker}:${result}:${salt}`);
const tgas = (gas: bigint) => (Number(gas) / 1e12).toFixed(2);
const bytes = (text: string) => BigInt(Buffer.byteLength(text));

/** Each receipt's gas_burnt, e.g. "tx 0.31 + market 2.94 + t1 0.22 + …" (refund receipts burn no tokens). */
function perReceipt(result: TransactionResult): string {
  const parts = [`tx ${tgas(BigInt(result.transactionOutcome.outcome.gas_burnt))}`];
  for (const r of result.receipts) parts.push(`${r.outcome.executor_id.split('.')[0]}${r.outcome.tokens_burnt === '0' ? ' (refund)' : ''} ${tgas(BigInt(r.outcome.gas_burnt))}`);
  return parts.join(' + ');
}

/**
 * The contract receipts' gas_profile grouped: fees (action costs and the receipt's exec fee, the
 * part of gas_burnt the profile does not list), contract loading, Wasm instructions (near-sdk-js
 * start-up + the method), storage host calls, logs (log_* and the UTF-8 decoding of the message) and
 * the other host calls.
 */
function profileSummary(result: TransactionResult, contract: string): string {
  const groups = { fees: 0n, loading: 0n, wasm: 0n, storage: 0n, logs: 0n, host: 0n };
  for (const r of result.receipts.filter((o) => o.outcome.executor_id === contract)) {
    const profile = r.outcome.metadata.gas_profile ?? [];
    let listed = 0n;
    for (const e of profile) {
      const gas = BigInt(e.gas_used);
      listed += gas;
      if (e.cost_category === 'ACTION_COST') groups.fees += gas;
      else if (e.cost.startsWith('CONTRACT_LOADING')) groups.loading += gas;
      else if (e.cost === 'WASM_INSTRUCTION') groups.wasm += gas;
      else if (e.cost.startsWith('STORAGE_')) groups.storage += gas;
      else if (e.cost.startsWith('LOG_') || e.cost.startsWith('UTF8_DECODING')) groups.logs += gas;
      else groups.host += gas;
    }
    groups.fees += BigInt(r.outcome.gas_burnt) - listed;
  }
  return Object.entries(groups).map(([k, v]) => `${k} ${tgas(v)}`).join(', ');
}

/**
 * nearcore's fees for one function-call receipt: the sender pays the send fee when it creates the
 * receipt and the exec fee is burnt when the receipt runs (core/parameters, runtime/src/config.rs).
 */
function functionCallFees(config: RuntimeConfig, senderIsReceiver: boolean, method: string, args: string): bigint {
  const fees = config.actionFees;
  const n = bytes(method) + bytes(args);
  return sendFee(fees.newActionReceipt, senderIsReceiver) + sendFee(fees.functionCallBase, senderIsReceiver) + sendFee(fees.functionCallByte, senderIsReceiver) * n
    + execFee(fees.newActionReceipt) + execFee(fees.functionCallBase) + execFee(fees.functionCallByte) * n;
}

/**
 * The smallest near-sdk-js execution of a contract, Wasm side only: a view method sent as a call
 * (QuickJS start-up, bytecode, STATE, arguments, one storage read, return value). The receipt's
 * gas_burnt minus its exec fees.
 */
function minimalExecution(node: Sandbox, config: RuntimeConfig, signer: string, contract: string, method: string, args: Record<string, unknown>): bigint {
  const result = node.call(signer, contract, method, args, { gas: 100n * TGAS });
  if (!result.succeeded) throw new Error(`${method} as a call failed: ${JSON.stringify(result.failure)}`);
  const fees = config.actionFees;
  const exec = execFee(fees.newActionReceipt) + execFee(fees.functionCallBase) + execFee(fees.functionCallByte) * (bytes(method) + bytes(JSON.stringify(args)));
  return BigInt(result.receipts[0]!.outcome.gas_burnt) - exec;
}

function ok(node: Sandbox, signer: string, method: string, args: Record<string, unknown>, deposit = 0n, gas = 300n * TGAS) {
  const result = node.call(signer, MARKET, method, args, { deposit, gas });
  if (!result.succeeded) throw new Error(`${method} failed: ${JSON.stringify(result.failure)}`);
  return result;
}

export async function measure(node: Sandbox): Promise<GasRow[]> {
  node.createAccount(MARKET, { balance: 50n * NEAR });
  node.createAccount(VENDOR, { balance: 1000n * NEAR });
  node.createAccount(ARBITER, { balance: 50n * NEAR });
  for (const t of TASKERS) node.createAccount(t, { balance: 50n * NEAR });
  node.deployContract(MARKET, readFileSync('build/task-marketplace.wasm'));
  const rows: GasRow[] = [];
  const row = (operation: string, gasBurnt: bigint, target?: bigint, note?: string) => rows.push({ contract: 'task-marketplace', operation, gasBurnt, target, note });

  ok(node, MARKET, 'init', { owner_id: VENDOR, arbiter_id: ARBITER });
  // Windows of minutes so the bench can pass them in a few thousand 1 s blocks (the defaults are hours to days).
  const minutes = (min: number, max: number) => ({ min_ns: (BigInt(min) * 60n * 10n ** 9n).toString(), max_ns: (BigInt(max) * 60n * 10n ** 9n).toString() });
  row('set_limits', ok(node, VENDOR, 'set_limits', { limits: { claim_ttl: minutes(1, 60), reveal_ttl: minutes(1, 60), dispute_ttl: minutes(1, 60), deadline: minutes(1, 600) } }, 1n).gasBurnt);
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
  const add = ok(node, VENDOR, 'add_items', { project_id: 0, items }, 1n);
  row('add_items (100 items, one transaction)', add.gasBurnt, 300n * TGAS, `${items.length} items`);

  // Item 0: two agree, one differs → accepted by consensus. Item 1: all differ → review.
  const results = [sha256('label-a'), sha256('label-a'), sha256('label-b')];
  const claim = TASKERS.map((t, i) => ok(node, t, 'claim', { project_id: 0, item_index: 0 }).gasBurnt);
  const submit = TASKERS.map((t, i) => ok(node, t, 'submit', { project_id: 0, item_index: 0, commitment: commitment(0, 0, t, results[i], `salt${i}`) }).gasBurnt);
  const reveal = TASKERS.map((t, i) => ok(node, t, 'reveal', { project_id: 0, item_index: 0, result: results[i], salt: `salt${i}` }));
  const max = (xs: bigint[]) => xs.reduce((a, b) => (a > b ? a : b));
  row('claim (largest of 3)', max(claim), TASKER_TARGET);
  row('submit (largest of 3)', max(submit), TASKER_TARGET);
  row('reveal (first)', reveal[0].gasBurnt, TASKER_TARGET);
  row('reveal (last: settles by consensus, pays 2)', reveal[2].gasBurnt, TASKER_TARGET, profileSummary(reveal[2], MARKET));

  for (const [i, t] of TASKERS.entries()) ok(node, t, 'claim', { project_id: 0, item_index: 1 });
  for (const [i, t] of TASKERS.entries()) ok(node, t, 'submit', { project_id: 0, item_index: 1, commitment: commitment(0, 1, t, sha256(`x${i}`), 's') });
  let last = 0n;
  for (const [i, t] of TASKERS.entries()) last = ok(node, t, 'reveal', { project_id: 0, item_index: 1, result: sha256(`x${i}`), salt: 's' }).gasBurnt;
  row('reveal (last: no consensus, to review)', last, TASKER_TARGET);
  row('reveal_gold (3 answers scored)', ok(node, VENDOR, 'reveal_gold', { project_id: 0, item_index: 0, expected: results[0], salt: 'gold' }).gasBurnt);
  row('review (approve a result)', ok(node, VENDOR, 'review', { project_id: 0, item_index: 1, result: sha256('x0') }, 1n).gasBurnt);
  row('dispute', ok(node, TASKERS[1], 'dispute', { project_id: 0, item_index: 1 }).gasBurnt, TASKER_TARGET);
  row('resolve_dispute (uphold)', ok(node, ARBITER, 'resolve_dispute', { project_id: 0, item_index: 1, uphold: true, result: sha256('x1') }, 1n).gasBurnt);
  const withdrawNear = ok(node, TASKERS[0], 'withdraw', { token: 'NEAR' }, 0n, 100n * TGAS);
  row('withdraw NEAR (transaction total, 2 executions)', withdrawNear.gasBurnt, TASKER_TARGET, `${perReceipt(withdrawNear)}; market receipts: ${profileSummary(withdrawNear, MARKET)}`);
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
  ok(node, VENDOR, 'add_items', { project_id: 1, items: [{ content: 'ipfs://t', seal: sha256('t') }] }, 1n);
  ok(node, TASKERS[0], 'claim', { project_id: 1, item_index: 0 });
  ok(node, TASKERS[0], 'submit', { project_id: 1, item_index: 0, commitment: commitment(1, 0, TASKERS[0], results[0], 't') });
  ok(node, TASKERS[0], 'reveal', { project_id: 1, item_index: 0, result: results[0], salt: 't' });
  const withdrawToken = ok(node, TASKERS[0], 'withdraw', { token: TOKEN }, 0n, 100n * TGAS);
  row('withdraw token (transaction total, 3 executions)', withdrawToken.gasBurnt, TASKER_TARGET, perReceipt(withdrawToken));

  // The floor of a withdraw whose callback checks the transfer, with no method work at all: nearcore's
  // fees for its receipts plus the smallest near-sdk-js execution per contract run (measured above).
  const config = runtimeConfig(node.protocolVersion);
  const fees = config.actionFees;
  const marketRun = minimalExecution(node, config, TASKERS[0], MARKET, 'get_ledger', { token: 'NEAR' });
  const tokenRun = minimalExecution(node, config, TASKERS[0], TOKEN, 'ft_balance_of', { account_id: TASKERS[0] });
  const amount = '10000000000000000000000';
  const withdrawFees = (token: string) => functionCallFees(config, false, 'withdraw', JSON.stringify({ token }))
    + functionCallFees(config, true, 'on_withdraw', JSON.stringify({ account_id: TASKERS[0], token, amount }))
    // promise_batch_then: one data dependency, send (sender is receiver) + exec; the results carry no bytes.
    + sendFee(fees.newDataReceiptBase, true) + execFee(fees.newDataReceiptBase);
  const nearPayout = sendFee(fees.newActionReceipt, false) + sendFee(fees.transfer, false) + execFee(fees.newActionReceipt) + execFee(fees.transfer);
  const tokenPayout = functionCallFees(config, false, 'ft_transfer', JSON.stringify({ receiver_id: TASKERS[0], amount, memo: 'task_marketplace withdraw' }));
  const nearFees = withdrawFees('NEAR') + nearPayout;
  const tokenFees = withdrawFees(TOKEN) + tokenPayout;
  row('floor: smallest task-marketplace execution (Wasm only)', marketRun, undefined, 'get_ledger sent as a call, minus its exec fees');
  row('floor: smallest stablecoin execution (Wasm only)', tokenRun, undefined, 'ft_balance_of sent as a call, minus its exec fees');
  row('floor: withdraw NEAR with a checked callback', nearFees + 2n * marketRun, TASKER_TARGET, `fees ${tgas(nearFees)} + 2 × ${tgas(marketRun)}`);
  row('floor: withdraw token with a checked callback', tokenFees + 2n * marketRun + tokenRun, TASKER_TARGET, `fees ${tgas(tokenFees)} + 2 × ${tgas(marketRun)} + ${tgas(tokenRun)}`);
  row('qualify_tasker', ok(node, VENDOR, 'qualify_tasker', { project_id: 0, account_id: TASKERS[0] }, 1n).gasBurnt);
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
  row('reclaim (100 items, one call)', ok(node, VENDOR, 'reclaim', { project_id: 0, limit: 100 }, 1n).gasBurnt, 300n * TGAS);
  return rows;
}

/**
 * Property test of the stablecoin on the in-process node (packages/sandbox, imported directly:
 * this is not a near-workspaces suite, it trades the RPC layer for speed). Random sequences of
 * mint, burn, transfer, transfer_call to a receiver that keeps, returns part of or fails on the
 * amount, storage register and unregister, pause and blacklist run against a model of the rules.
 * After every step the contract's stored balances must equal the model's exactly (so no balance
 * moved except as the operation allows) and the total supply must equal the sum of balances.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createSandbox, NEAR, TGAS, type Sandbox, type Snapshot } from '../packages/sandbox/src/index.js';
import { contractWasm, testContractWasm } from './helpers/wasm.js';

const TOKEN = 'usdx.test.near';
const OWNER = 'owner.test.near';
const RECEIVER = 'recv.test.near';
const USERS = ['a.test.near', 'b.test.near', 'c.test.near'];
const HOLDERS = [OWNER, ...USERS, RECEIVER];
const SEEDS = 200;
const STEPS = 10;

type Op =
  | { kind: 'mint'; to: string; amount: bigint }
  | { kind: 'burn'; amount: bigint }
  | { kind: 'transfer'; from: string; to: string; amount: bigint }
  | { kind: 'transferCall'; from: string; amount: bigint; msg: string }
  | { kind: 'register'; who: string }
  | { kind: 'unregister'; who: string; force: boolean }
  | { kind: 'pause' }
  | { kind: 'unpause' }
  | { kind: 'blacklist'; who: string }
  | { kind: 'unblacklist'; who: string }
  | { kind: 'transferCallThenUnregister'; from: string; amount: bigint };

interface Model {
  balances: Map<string, bigint>;
  blacklisted: Set<string>;
  paused: boolean;
}

const amount = fc.oneof(fc.bigInt({ min: 0n, max: 50n }), fc.constantFrom(1n, 100n, 1000n, 10n ** 6n));
const user = fc.constantFrom(...USERS);
const holder = fc.constantFrom(OWNER, ...USERS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('mint' as const), to: fc.constantFrom(...HOLDERS), amount }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('burn' as const), amount }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('transfer' as const), from: holder, to: fc.constantFrom(...HOLDERS), amount }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('transferCall' as const), from: holder, amount, msg: fc.constantFrom('keep', 'return:0', 'return:7', 'return-all', 'return:99999999', 'fail') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('register' as const), who: user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unregister' as const), who: user, force: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pause' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unpause' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('blacklist' as const), who: fc.constantFrom(...USERS, RECEIVER) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unblacklist' as const), who: fc.constantFrom(...USERS, RECEIVER) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transferCallThenUnregister' as const), from: user, amount }) },
);

/** Balances as stored by the contract: LookupMap 'b' holds JSON strings per registered account. */
function storedBalances(node: Sandbox): Map<string, bigint> {
  const balances = new Map<string, bigint>();
  for (const { key, value } of node.viewState(TOKEN, 'b')) {
    balances.set(Buffer.from(key).toString().slice(1), BigInt(JSON.parse(Buffer.from(value).toString())));
  }
  return balances;
}

function storedSupply(node: Sandbox): bigint {
  const [state] = node.viewState(TOKEN, 'STATE');
  return BigInt((JSON.parse(Buffer.from(state!.value).toString()) as { totalSupply: string }).totalSupply);
}

function call(node: Sandbox, signer: string, method: string, args: Record<string, unknown>, deposit = 1n) {
  return node.call(signer, TOKEN, method, args, { deposit, gas: 150n * TGAS });
}

/** Applies `op` to the model and returns whether the contract must accept it. */
function applyRules(model: Model, op: Op): boolean {
  const b = model.balances;
  const canMove = (from: string, to: string, value: bigint) =>
    !model.paused && value > 0n && from !== to && b.has(from) && b.has(to) && !model.blacklisted.has(from) && !model.blacklisted.has(to) && b.get(from)! >= value;
  switch (op.kind) {
    case 'mint':
      if (model.paused || op.amount === 0n || !b.has(op.to) || model.blacklisted.has(op.to)) return false;
      b.set(op.to, b.get(op.to)! + op.amount);
      return true;
    case 'burn':
      if (model.paused || op.amount === 0n || b.get(OWNER)! < op.amount) return false;
      b.set(OWNER, b.get(OWNER)! - op.amount);
      return true;
    case 'transfer':
      if (!canMove(op.from, op.to, op.amount)) return false;
      b.set(op.from, b.get(op.from)! - op.amount);
      b.set(op.to, b.get(op.to)! + op.amount);
      return true;
    case 'transferCall': {
      if (!canMove(op.from, RECEIVER, op.amount)) return false;
      // NEP-141 resolve: unused = min(answer, amount); a failure or non-number answer means all.
      const answer = op.msg === 'keep' ? 0n : op.msg === 'fail' || op.msg === 'return-all' ? op.amount : BigInt(op.msg.slice('return:'.length));
      const unused = answer > op.amount ? op.amount : answer;
      b.set(op.from, b.get(op.from)! - op.amount + unused);
      b.set(RECEIVER, b.get(RECEIVER)! + op.amount - unused);
      return true;
    }
    case 'transferCallThenUnregister': {
      // Both transactions land in one block. The sender's forced unregistration runs right after
      // the transfer (it is not stopped by pause), so the resolve finds no sender and burns the
      // refund of the receiver's "return-all" answer.
      const moved = canMove(op.from, RECEIVER, op.amount);
      if (moved) b.set(op.from, b.get(op.from)! - op.amount);
      if (b.has(op.from) && !model.blacklisted.has(op.from)) b.delete(op.from);
      return moved;
    }
    case 'register':
      if (!b.has(op.who)) b.set(op.who, 0n);
      return true;
    case 'unregister':
      if (!b.has(op.who) || model.blacklisted.has(op.who) || (b.get(op.who)! > 0n && !op.force)) return false;
      b.delete(op.who);
      return true;
    case 'pause':
      if (model.paused) return false;
      model.paused = true;
      return true;
    case 'unpause':
      if (!model.paused) return false;
      model.paused = false;
      return true;
    case 'blacklist':
      if (model.blacklisted.has(op.who)) return false;
      model.blacklisted.add(op.who);
      return true;
    case 'unblacklist':
      if (!model.blacklisted.has(op.who)) return false;
      model.blacklisted.delete(op.who);
      return true;
  }
}

/** Runs `op` on the node; returns whether the contract accepted it. */
function run(node: Sandbox, op: Op, min: bigint): boolean {
  switch (op.kind) {
    case 'mint':
      return call(node, OWNER, 'mint', { account_id: op.to, amount: op.amount.toString() }).succeeded;
    case 'burn':
      return call(node, OWNER, 'burn', { amount: op.amount.toString() }).succeeded;
    case 'transfer':
      return call(node, op.from, 'ft_transfer', { receiver_id: op.to, amount: op.amount.toString() }).succeeded;
    case 'transferCall': {
      const result = call(node, op.from, 'ft_transfer_call', { receiver_id: RECEIVER, amount: op.amount.toString(), msg: op.msg });
      // The transfer itself is the first receipt; a failing receiver only fails a later one.
      return !('Failure' in (result.receipts[0]!.outcome.status as object));
    }
    case 'transferCallThenUnregister': {
      // Both are signed before either runs, so the second needs the next nonce explicitly.
      const nonce = node.getAccessKey(op.from, node.keyPairOf(op.from)!.publicKey)!.nonce;
      const transfer = node.submitTransaction(node.signTransaction(op.from, TOKEN, [
        { type: 'FunctionCall', methodName: 'ft_transfer_call', args: Buffer.from(JSON.stringify({ receiver_id: RECEIVER, amount: op.amount.toString(), msg: 'return-all' })), gas: 150n * TGAS, deposit: 1n },
      ], { nonce: nonce + 1n }));
      lastDetail = node.submitTransaction(node.signTransaction(op.from, TOKEN, [
        { type: 'FunctionCall', methodName: 'storage_unregister', args: Buffer.from(JSON.stringify({ force: true })), gas: 50n * TGAS, deposit: 1n },
      ], { nonce: nonce + 2n }));
      node.produceBlocks(8);
      lastDetail = JSON.stringify(node.getTransactionOutcome(lastDetail).outcome).slice(0, 1500);
      const first = node.getTransactionOutcome(transfer).receipts[0]!;
      return !('Failure' in (first.outcome.status as object));
    }
    case 'register':
      return call(node, op.who, 'storage_deposit', {}, min).succeeded;
    case 'unregister':
      // Unregistering an unknown account succeeds with `false` (NEP-145); only `true` is a change.
      const result = call(node, op.who, 'storage_unregister', { force: op.force });
      return result.succeeded && result.value() === true;
    case 'pause':
      return call(node, OWNER, 'pause', {}).succeeded;
    case 'unpause':
      return call(node, OWNER, 'unpause', {}).succeeded;
    case 'blacklist':
      return call(node, OWNER, 'blacklist_account', { account_id: op.who }).succeeded;
    case 'unblacklist':
      return call(node, OWNER, 'unblacklist_account', { account_id: op.who }).succeeded;
  }
}

let lastDetail = '';
let currentOps = '';

function setup(): { node: Sandbox; start: Snapshot; min: bigint } {
  const node = createSandbox();
  node.createAccount(TOKEN, { balance: 100n * NEAR });
  node.createAccount(RECEIVER, { balance: 100n * NEAR });
  for (const id of [OWNER, ...USERS]) node.createAccount(id, { balance: 1000n * NEAR });
  node.deployContract(TOKEN, readFileSync(contractWasm('stablecoin')));
  node.deployContract(RECEIVER, readFileSync(testContractWasm('ft-receiver')));
  const must = (result: { succeeded: boolean; failure: unknown }) => {
    if (!result.succeeded) throw new Error(JSON.stringify(result.failure));
  };
  must(node.call(TOKEN, TOKEN, 'init', { owner_id: OWNER }, { gas: 100n * TGAS }));
  const min = BigInt((JSON.parse(Buffer.from(node.viewFunction(TOKEN, 'storage_balance_bounds', {}).result).toString()) as { min: string }).min);
  for (const id of [OWNER, ...USERS]) must(call(node, id, 'storage_deposit', {}, min));
  must(call(node, RECEIVER, 'storage_deposit', {}, min));
  for (const role of ['master_minter', 'pauser', 'blacklister']) must(call(node, OWNER, 'grant_role', { role, account_id: OWNER }));
  must(call(node, OWNER, 'configure_minter', { account_id: OWNER, allowance: (10n ** 30n).toString() }));
  for (const id of [OWNER, ...USERS]) must(call(node, OWNER, 'mint', { account_id: id, amount: '1000' }));
  return { node, start: node.snapshot(), min };
}

test('supply equals the sum of balances and balances move only as each operation allows', async (t) => {
  t.timeout(40 * 60_000);
  const { node, start, min } = setup();
  let steps = 0;
  let firstError: string | undefined;
  const checked = fc.check(
    fc.asyncProperty(fc.array(op, { minLength: STEPS, maxLength: STEPS }), async (ops) => {
      node.restore(start);
      currentOps = JSON.stringify(ops, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
      const model: Model = { balances: storedBalances(node), blacklisted: new Set(), paused: false };
      for (const [index, step] of ops.entries()) {
        const accepted = applyRules(model, step);
        const ran = run(node, step, min);
        steps += 1;
        const where = `step ${index} ${JSON.stringify(step, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
        if (ran !== accepted) fail(`${where}: contract ${ran ? 'accepted' : 'refused'}, the rules say ${accepted ? 'accept' : 'refuse'}`);
        const stored = storedBalances(node);
        const expected = [...model.balances.entries()].sort();
        const actual = [...stored.entries()].sort();
        if (JSON.stringify(actual, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(expected, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) {
          fail(`${where}: balances ${JSON.stringify(actual, (_, v) => (typeof v === 'bigint' ? v.toString() : v))} differ from the model`);
        }
        const sum = [...stored.values()].reduce((a, v) => a + v, 0n);
        if (storedSupply(node) !== sum) fail(`${where}: supply ${storedSupply(node)} != sum of balances ${sum}`);
      }
    }),
    { numRuns: SEEDS },
  );
  function fail(message: string): never {
    firstError ??= `${message}\n${lastDetail}\nrun: ${currentOps}`;
    throw new Error(message);
  }
  const result = await checked;
  if (result.failed) t.fail(`${firstError ?? String(result.errorInstance)}\n${fc.defaultReportMessage(result)}`);
  t.true(steps >= SEEDS * STEPS, `ran ${steps} operations`);
  t.log(`${steps} operations over ${SEEDS} seeds`);
});

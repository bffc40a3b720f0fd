/**
 * Property test of the stablecoin on the in-process node (packages/sandbox, imported directly:
 * this is not a near-workspaces suite, it trades the RPC layer for speed). Random sequences of
 * mint, burn, transfer, transfer_call to a receiver that keeps, returns part of or fails on the
 * amount, storage register and unregister, pause and blacklist run against a model of the rules.
 * After every step the contract's stored balances must equal the model's exactly (so no balance
 * moved except as the operation allows) and the total supply must equal the sum of balances.
 *
 * Attackers act at random among the honest holders (issue 13): Sybil accounts (ordinary registered
 * holders) try every privileged method with 1 yoctoNEAR attached, and someone holding only
 * function-call keys of the owner (every role) or of a holder calls each method the README's table
 * marks `1 yoctoNEAR` / `≥ 1 yoctoNEAR` (read at run time), with no deposit or, which the protocol
 * refuses, with one. Each attack must be refused (the guard's exact panic for the function-call
 * key), and every refused call must leave the contract's whole state unchanged.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createSandbox, InvalidTransactionError, KeyPair, NEAR, TGAS, type Sandbox, type Snapshot } from '../packages/sandbox/src/index.js';
import { contractWasm, testContractWasm } from './helpers/wasm.js';
import { guardedMethods } from './helpers/readme.js';

const TOKEN = 'usdx.test.near';
const OWNER = 'owner.test.near';
const RECEIVER = 'recv.test.near';
/** Sybil accounts: ordinary registered holders that also attack. */
const SYBILS = ['s0.test.near', 's1.test.near'];
const USERS = ['a.test.near', 'b.test.near', 'c.test.near', ...SYBILS];
/** Holders whose function-call keys (any token method, no deposit) the attacker holds. */
const FC_HOLDERS = [OWNER, 'a.test.near'];
const GUARDED = guardedMethods('stablecoin');
const GUARD_MESSAGE = {
  exact: 'Guard: requires an attached deposit of exactly 1 yoctoNEAR',
  atLeast: 'Guard: requires an attached deposit of at least 1 yoctoNEAR',
};
/** Privileged methods a Sybil tries with 1 yoctoNEAR (a full-access key of its own). */
const PRIVILEGED = ['mint', 'burn', 'configure_minter', 'remove_minter', 'grant_role', 'revoke_role', 'propose_owner', 'accept_ownership', 'pause', 'blacklist_account', 'stage_upgrade', 'apply_upgrade', 'cancel_upgrade', 'set_upgrade_delay', 'ft_resolve_transfer'];
const HOLDERS = [OWNER, ...USERS, RECEIVER];
const SEEDS = 200;
const STEPS = 14;

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
  | { kind: 'transferCallThenUnregister'; from: string; amount: bigint }
  | { kind: 'functionCallKey'; holder: string; method: string; amount: bigint; withDeposit: boolean }
  | { kind: 'sybilPrivileged'; who: string; method: string; amount: bigint };

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
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('functionCallKey' as const), holder: fc.constantFrom(...FC_HOLDERS), method: fc.constantFrom(...GUARDED.exact, ...GUARDED.atLeast), amount, withDeposit: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sybilPrivileged' as const), who: fc.constantFrom(...SYBILS), method: fc.constantFrom(...PRIVILEGED), amount }) },
);

/** Arguments an attacker would send: everything to itself or a fellow Sybil. */
function attackArgs(method: string, attacker: string, value: bigint): Record<string, unknown> {
  const amount = (value + 1n).toString();
  switch (method) {
    case 'ft_transfer': return { receiver_id: SYBILS[0], amount };
    case 'ft_transfer_call': return { receiver_id: RECEIVER, amount, msg: 'keep' };
    case 'batch_transfer': return { transfers: [{ receiver_id: SYBILS[0], amount }, { receiver_id: SYBILS[1], amount }] };
    case 'storage_withdraw': return { amount: '1' };
    case 'storage_unregister': return { force: true };
    case 'propose_owner': return { account_id: attacker };
    case 'grant_role':
    case 'revoke_role': return { role: 'master_minter', account_id: attacker };
    case 'configure_minter': return { account_id: attacker, allowance: (10n ** 20n).toString() };
    case 'remove_minter': return { account_id: OWNER };
    case 'mint': return { account_id: attacker, amount };
    case 'burn': return { amount };
    case 'blacklist_account':
    case 'unblacklist_account': return { account_id: 'b.test.near' };
    case 'set_upgrade_delay': return { delay_ns: '3600000000000' };
    case 'ft_resolve_transfer': return { sender_id: attacker, receiver_id: RECEIVER, amount };
    default: return {};
  }
}

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
    case 'functionCallKey':
    case 'sybilPrivileged':
      return false;
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
    case 'functionCallKey': {
      const actions = [{ type: 'FunctionCall' as const, methodName: op.method, args: Buffer.from(JSON.stringify(attackArgs(op.method, op.holder, op.amount))), gas: 100n * TGAS, deposit: op.withDeposit ? 1n : 0n }];
      const signed = node.signTransaction(op.holder, TOKEN, actions, { keyPair: functionCallKeys.get(op.holder)! });
      if (op.withDeposit) {
        // nearcore refuses a deposit on a function-call key before anything runs.
        try {
          node.sendTransaction(signed);
        } catch (error) {
          if (error instanceof InvalidTransactionError && JSON.stringify(error).includes('DepositWithFunctionCall')) return false;
          throw error;
        }
        throw new Error(`a function-call key attached a deposit to ${op.method}`);
      }
      const result = node.sendTransaction(signed);
      const expected = GUARDED.exact.includes(op.method) ? GUARD_MESSAGE.exact : GUARD_MESSAGE.atLeast;
      lastDetail = JSON.stringify(result.failure);
      if (result.succeeded || !lastDetail.includes(expected)) throw new Error(`function-call key on ${op.method}: expected "${expected}", got ${lastDetail}`);
      return false;
    }
    case 'sybilPrivileged':
      if (op.method === 'stage_upgrade') return node.call(op.who, TOKEN, op.method, Buffer.from(readFileSync(contractWasm('stablecoin'))), { deposit: 10n * NEAR, gas: 300n * TGAS }).succeeded;
      return call(node, op.who, op.method, attackArgs(op.method, op.who, op.amount), op.method === 'ft_resolve_transfer' ? 0n : 1n).succeeded;
  }
}

const functionCallKeys = new Map<string, KeyPair>();

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
  for (const holder of FC_HOLDERS) {
    const key = KeyPair.random();
    functionCallKeys.set(holder, key);
    must(node.signAndSendTransaction(holder, holder, [{ type: 'AddKey', publicKey: key.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: null, receiverId: TOKEN, methodNames: [] } } }]));
  }
  return { node, start: node.snapshot(), min };
}

/** Every key and value the token stores. */
function wholeState(node: Sandbox): string {
  return JSON.stringify(node.viewState(TOKEN).map(({ key, value }) => [Buffer.from(key).toString('base64'), Buffer.from(value).toString('base64')]));
}

const kinds = new Map<string, number>();

test('supply equals the sum of balances and balances move only as each operation allows, with Sybil and function-call-key attackers among the holders', async (t) => {
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
        const before = wholeState(node);
        const ran = run(node, step, min);
        kinds.set(`${step.kind}: ${ran ? 'accepted' : 'refused'}`, (kinds.get(`${step.kind}: ${ran ? 'accepted' : 'refused'}`) ?? 0) + 1);
        steps += 1;
        const where = `step ${index} ${JSON.stringify(step, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
        if (ran !== accepted) fail(`${where}: contract ${ran ? 'accepted' : 'refused'}, the rules say ${accepted ? 'accept' : 'refuse'}`);
        const stored = storedBalances(node);
        const expected = [...model.balances.entries()].sort();
        const actual = [...stored.entries()].sort();
        if (JSON.stringify(actual, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(expected, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) {
          fail(`${where}: balances ${JSON.stringify(actual, (_, v) => (typeof v === 'bigint' ? v.toString() : v))} differ from the model`);
        }
        // A refused call changes nothing (the one-block transfer + unregister pair is two calls).
        if (!ran && step.kind !== 'transferCallThenUnregister' && wholeState(node) !== before) fail(`${where}: refused but the contract state changed`);
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
  for (const [kind, count] of [...kinds].sort()) t.log(`${kind}: ${count}`);
  t.true((kinds.get('functionCallKey: refused') ?? 0) > 100 && (kinds.get('sybilPrivileged: refused') ?? 0) > 100, 'attackers acted');
  t.true(GUARDED.exact.length >= 15, `the README marks ${GUARDED.exact.length} methods 1 yoctoNEAR`);
});

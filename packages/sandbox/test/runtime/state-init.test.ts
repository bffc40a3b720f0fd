/**
 * NEP-616 deterministic account ids through the node at protocol 86 (nearcore core/primitives/src/utils.rs
 * derive_near_deterministic_account_id; runtime/runtime/src/deterministic_account_id.rs
 * action_deterministic_state_init; action_validation.rs validate_deterministic_state_init; actions.rs
 * check_account_existence / implicit account creation; config.rs fees; views.rs ActionView).
 */
import test from 'ava';
import fc from 'fast-check';
import { base58, base64 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createSandbox, deterministicAccountId, InvalidTransactionError, NEAR, ParseTransactionError, stateInitData, TGAS, type StateInit } from '../../src/index.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { wat } from '../vm/helpers.js';
import { watToWasm } from './contract-helpers.js';
import { decodeSignedTransaction, delegateActionHash, encodeAction, encodeTransaction, parseSignedTransaction, transactionHash, type DelegateAction } from '../../src/primitives/transaction.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const config = runtimeConfig(86);
const fees = config.actionFees;
const BYTE = config.storageAmountPerByte;

/** `get(key)` returns the value stored under the key: the code every deterministic account below runs. */
const WALLET = await watToWasm('storage-getter.wat');

/** borsh(DeterministicAccountStateInit) written out by hand from deterministic_account_id.rs (not with the node's encoder). */
function handBorsh(si: StateInit): Uint8Array {
  const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
  const out: number[] = [0]; // V1
  if (si.code.type === 'CodeHash') out.push(0, ...si.code.hash);
  else out.push(1, ...u32(si.code.accountId.length), ...bytes(si.code.accountId));
  out.push(...u32(si.data.length));
  for (const [k, v] of si.data) out.push(...u32(k.length), ...k, ...u32(v.length), ...v);
  return Uint8Array.from(out);
}
const nearcoreDerivation = (si: StateInit) => '0s' + bytesToHex(keccak_256(handBorsh(si)).slice(12, 32));

function withGlobalWallet(): { node: ReturnType<typeof createSandbox>; hash: Uint8Array } {
  const node = createSandbox();
  node.createAccount('lib.test.near', { balance: 10n * NEAR });
  const r = node.signAndSendTransaction('lib.test.near', 'lib.test.near', [{ type: 'DeployGlobalContract', code: WALLET, deployMode: 'AccountId' }]);
  if (!r.succeeded) throw new Error(JSON.stringify(r.failure));
  return { node, hash: sha256(WALLET) };
}

test('derived id: 0s + hex of keccak256(borsh)[12..32] (utils.rs); near-kit-ts golden vectors; entry order does not matter', (t) => {
  const byHash: StateInit = { code: { type: 'CodeHash', hash: Uint8Array.from({ length: 32 }, (_, i) => i) }, data: [] };
  const byAccount: StateInit = { code: { type: 'AccountId', accountId: 'publisher.near' }, data: [] };
  // near-kit (Python) tests/test_deterministic_account_id.py, generated with near-kit-ts utils/state-init.ts deriveAccountId
  t.is(deterministicAccountId(byHash), '0sd7edcaae250c1c526ddd82f35d6034996c0c1060');
  t.is(deterministicAccountId(byAccount), '0s2293da2d32cd0a067950616036ff973884abab0a');
  const data = stateInitData([[bytes('zeta'), bytes('last')], [bytes('alpha'), bytes('first')], [bytes('ab'), bytes('')], [bytes('b'), bytes('')]]);
  t.deepEqual(data.map(([k]) => new TextDecoder().decode(k)), ['ab', 'alpha', 'b', 'zeta']); // bytewise, not by length
  const si: StateInit = { code: { type: 'AccountId', accountId: 'p.near' }, data };
  t.is(deterministicAccountId(si), nearcoreDerivation(si));
  t.not(deterministicAccountId(si), deterministicAccountId(byAccount));
});

test('property: the id is a pure function of the state init: any entry order, the same id, equal to nearcore\'s derivation', (t) => {
  const entry = fc.tuple(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }));
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 6 }), fc.boolean(), fc.uint8Array({ minLength: 32, maxLength: 32 }), (entries, byHash, hash) => {
      const code = byHash ? ({ type: 'CodeHash', hash } as const) : ({ type: 'AccountId', accountId: 'lib.near' } as const);
      const a: StateInit = { code, data: stateInitData(entries) };
      const b: StateInit = { code, data: stateInitData([...entries].reverse().filter((e, i, all) => all.findIndex((x) => bytesToHex(x[0]) === bytesToHex(e[0])) === i)) };
      // reversing keeps the last duplicate first: dedupe the reversed list to keep the same winner
      const id = deterministicAccountId(a);
      return id === nearcoreDerivation(a) && id === deterministicAccountId(b) && /^0s[0-9a-f]{40}$/.test(id);
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test('borsh: DeterministicStateInit is action 11 (action/mod.rs): V1 tag, identifier, sorted map, u128 deposit; round-trips', (t) => {
  const si: StateInit = { code: { type: 'AccountId', accountId: 'p.near' }, data: stateInitData([[Uint8Array.of(0x10), bytes('b')], [Uint8Array.of(0x02), bytes('a')]]) };
  const action = { type: 'DeterministicStateInit' as const, stateInit: si, deposit: 1n };
  const u32 = (n: number) => [n, 0, 0, 0];
  t.deepEqual([...encodeAction(action)], [11, 0, 1, ...u32(6), ...bytes('p.near'), ...u32(2), ...u32(1), 2, ...u32(1), 97, ...u32(1), 0x10, ...u32(1), 98, 1, ...new Array(15).fill(0)]);
  const node = createSandbox();
  const receiver = deterministicAccountId(si);
  const signed = node.signTransaction('test.near', receiver, [action]);
  t.deepEqual(decodeSignedTransaction(signed).transaction.actions, [action]);
  // keys out of order or repeated still decode (borsh BTreeMap without de_strict_order; the last repeat wins),
  // and the transaction hash is of the re-encoded, canonical bytes (SignedTransaction::init)
  const entry = (k: number, v: number) => [...u32(1), k, ...u32(1), v];
  const canonical = [...u32(2), ...entry(0x02, 97), ...entry(0x10, 98)];
  const messy = [...u32(3), ...entry(0x10, 120), ...entry(0x02, 97), ...entry(0x10, 98)];
  const start = [...signed].findIndex((_, i) => canonical.every((b, j) => signed[i + j] === b));
  const tampered = Uint8Array.from([...signed.slice(0, start), ...messy, ...signed.slice(start + canonical.length)]);
  const { signed: decoded, hash, size } = parseSignedTransaction(tampered);
  t.deepEqual(decoded.transaction.actions, [action]);
  t.deepEqual(hash, transactionHash(decoded.transaction));
  t.is(size, encodeTransaction(decoded.transaction).length);
});

test('a transaction creates the account: global code, data entries, storage 100 + id + Σ(k+v+40); the unneeded deposit comes back', (t) => {
  const { node } = withGlobalWallet();
  const si: StateInit = { code: { type: 'AccountId', accountId: 'lib.test.near' }, data: stateInitData([[bytes('greeting'), bytes('hello')], [bytes('owner'), bytes('alice.test.near')]]) };
  const id = deterministicAccountId(si);
  const before = BigInt(node.viewAccount('test.near').amount);
  const r = node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit: NEAR }]);
  t.true(r.succeeded, JSON.stringify(r.failure));
  const account = node.viewAccount(id);
  const usage = 100 + 'lib.test.near'.length + (8 + 5 + 40) + (5 + 15 + 40);
  t.is(account.storage_usage, usage);
  t.is(account.global_contract_account_id, 'lib.test.near');
  t.is(account.code_hash, base58.encode(sha256(WALLET)));
  // 281 bytes ≤ 770: a zero-balance account (check_storage_stake), so the whole deposit is refunded
  t.is(account.amount, '0');
  t.is(BigInt(node.viewAccount('test.near').amount), before - r.tokensBurnt);
  t.deepEqual(node.viewState(id).map(({ key, value }) => [new TextDecoder().decode(key), new TextDecoder().decode(value)]), [['greeting', 'hello'], ['owner', 'alice.test.near']]);
  t.is(new TextDecoder().decode(node.viewFunction(id, 'get', 'owner').result), 'alice.test.near');
  // conversion burns new_action_receipt + state-init send fees: base, 2 entries (send 0), 33 data bytes
  t.is(BigInt(r.transactionOutcome.outcome.gas_burnt), fees.newActionReceipt.sendNotSir + fees.deterministicStateInitBase.sendNotSir + 33n * fees.deterministicStateInitByte.sendNotSir);
  // the receipt's exec profile and the action's view (tx status) as nearcore shows them
  const profile = Object.fromEntries(((r.receipts[0]!.outcome.metadata as { gas_profile: Array<{ cost: string; gas_used: string }> }).gas_profile).map((e) => [e.cost, BigInt(e.gas_used)]));
  t.is(profile.DETERMINISTIC_STATE_INIT_BASE, fees.deterministicStateInitBase.execution);
  t.is(profile.DETERMINISTIC_STATE_INIT_ENTRY, 2n * fees.deterministicStateInitEntry.execution);
  t.is(profile.DETERMINISTIC_STATE_INIT_BYTE, 33n * fees.deterministicStateInitByte.execution);
  t.deepEqual(r.outcome.transaction.actions, [
    {
      DeterministicStateInit: {
        code: { account_id: 'lib.test.near' },
        data: { [base64.encode(bytes('greeting'))]: base64.encode(bytes('hello')), [base64.encode(bytes('owner'))]: base64.encode(bytes('alice.test.near')) },
        deposit: NEAR.toString(),
      },
    },
  ]);
  // the refund receipt returns the deposit to the predecessor (Receipt::new_balance_refund)
  const refund = node.getReceipt(r.receipts[0]!.outcome.receipt_ids[0]!) as { predecessor_id: string; receiver_id: string; receipt: { Action: { actions: unknown[] } } };
  t.is(refund.predecessor_id, 'system');
  t.is(refund.receiver_id, 'test.near');
  t.deepEqual(refund.receipt.Action.actions, [{ Transfer: { deposit: NEAR.toString() } }]);
});

test('storage over 770 bytes: the deposit pays exactly the missing stake and the rest is refunded; too small a deposit fails the receipt', (t) => {
  const { node, hash } = withGlobalWallet();
  node.signAndSendTransaction('test.near', 'test.near', [{ type: 'DeployGlobalContract', code: WALLET, deployMode: 'CodeHash' }]);
  const si: StateInit = { code: { type: 'CodeHash', hash }, data: [[bytes('blob'), new Uint8Array(1000).fill(7)]] };
  const id = deterministicAccountId(si);
  const usage = 100n + 32n + (4n + 1000n + 40n);
  const lacking = node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit: usage * BYTE - 1n }]);
  t.deepEqual(lacking.failure, { ActionError: { index: null, kind: { LackBalanceForState: { account_id: id, amount: '1' } } } });
  t.throws(() => node.viewAccount(id)); // the failed receipt created nothing
  const before = BigInt(node.viewAccount('test.near').amount);
  const r = node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit: NEAR }]);
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.is(BigInt(node.viewAccount(id).amount), usage * BYTE);
  t.is(BigInt(node.viewAccount('test.near').amount), before - r.tokensBurnt - usage * BYTE);
});

test('an account that already runs code is left alone: data unchanged, the whole deposit refunded (idempotent init)', (t) => {
  const { node } = withGlobalWallet();
  const si: StateInit = { code: { type: 'AccountId', accountId: 'lib.test.near' }, data: [[bytes('k'), bytes('v')]] };
  const id = deterministicAccountId(si);
  t.true(node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit: 0n }]).succeeded);
  const account = node.viewAccount(id);
  const before = BigInt(node.viewAccount('test.near').amount);
  const again = node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit: 5n * NEAR }]);
  t.true(again.succeeded, JSON.stringify(again.failure));
  t.deepEqual(node.viewAccount(id), account);
  t.is(BigInt(node.viewAccount('test.near').amount), before - again.tokensBurnt);
});

test('prepaying by transfer (nearcore test_deterministic_state_init_prepay_for_storage): the transfer makes an uninit account, the init later uses its balance', (t) => {
  const { node } = withGlobalWallet();
  const si: StateInit = { code: { type: 'AccountId', accountId: 'lib.test.near' }, data: [[bytes('blob'), new Uint8Array(900)]] };
  const id = deterministicAccountId(si);
  const transfer = node.transfer('test.near', id, NEAR);
  t.true(transfer.succeeded, JSON.stringify(transfer.failure));
  // transfer_exec_fee: a 0s receiver is created like an ETH-implicit one (transfer + create_account)
  t.is(BigInt(transfer.transactionOutcome.outcome.gas_burnt), fees.newActionReceipt.sendNotSir + fees.transfer.sendNotSir + fees.createAccount.sendNotSir);
  const uninit = node.viewAccount(id);
  t.deepEqual([uninit.amount, uninit.code_hash, uninit.storage_usage], [NEAR.toString(), '11111111111111111111111111111111', 100]);
  t.deepEqual(node.viewAccessKeys(id), []);
  const init = node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit: 0n }]);
  t.true(init.succeeded, JSON.stringify(init.failure));
  t.is(node.viewAccount(id).storage_usage, 100 + 13 + 4 + 900 + 40);
  t.is(node.viewAccount(id).amount, NEAR.toString());
});

test('failures with nearcore\'s shapes: receiver mismatch, key and value limits, invalid code id (a decode refusal), missing global code, CreateAccount on 0s, AddKey after init', (t) => {
  const { node } = withGlobalWallet();
  const si: StateInit = { code: { type: 'AccountId', accountId: 'lib.test.near' }, data: [] };
  const id = deterministicAccountId(si);
  const validation = (receiver: string, stateInit: StateInit) => {
    const e = t.throws(() => node.signAndSendTransaction('test.near', receiver, [{ type: 'DeterministicStateInit', stateInit, deposit: 0n }]), { instanceOf: InvalidTransactionError });
    return e!.kind;
  };
  t.deepEqual(validation('alice.test.near', si), { ActionsValidation: { InvalidDeterministicStateInitReceiver: { derived_id: id, receiver_id: 'alice.test.near' } } });
  const longKey: StateInit = { ...si, data: [[new Uint8Array(2049), bytes('v')]] };
  t.deepEqual(validation(deterministicAccountId(longKey), longKey), { ActionsValidation: { DeterministicStateInitKeyLengthExceeded: { length: 2049, limit: 2048 } } });
  const bigValue: StateInit = { ...si, data: [[bytes('k'), new Uint8Array(4_194_305)]] };
  t.deepEqual(validation(deterministicAccountId(bigValue), bigValue), { ActionsValidation: { DeterministicStateInitValueLengthExceeded: { length: 4_194_305, limit: 4_194_304 } } });
  // the code's AccountId is validated while decoding (near-account-id src/borsh.rs): a parse error, not a validation one
  const badCode: StateInit = { code: { type: 'AccountId', accountId: 'Bad Id' }, data: [] };
  t.throws(() => node.signAndSendTransaction('test.near', deterministicAccountId(badCode), [{ type: 'DeterministicStateInit', stateInit: badCode, deposit: 0n }]), {
    instanceOf: ParseTransactionError,
    message: 'Failed to decode transaction: invalid value: "Bad Id", the Account ID contains an invalid character \'B\' at index 0',
  });
  const missing: StateInit = { code: { type: 'AccountId', accountId: 'nobody.test.near' }, data: [[bytes('k'), bytes('v')]] };
  const missingId = deterministicAccountId(missing);
  const before = BigInt(node.viewAccount('test.near').amount);
  const noCode = node.signAndSendTransaction('test.near', missingId, [{ type: 'DeterministicStateInit', stateInit: missing, deposit: NEAR }]);
  t.deepEqual(noCode.failure, { ActionError: { index: 0, kind: { GlobalContractDoesNotExist: { identifier: { AccountId: 'nobody.test.near' } } } } });
  t.throws(() => node.viewAccount(missingId));
  t.is(BigInt(node.viewAccount('test.near').amount), before - noCode.tokensBurnt); // the deposit came back
  t.deepEqual(node.signAndSendTransaction('test.near', id, [{ type: 'CreateAccount' }]).failure, {
    ActionError: { index: 0, kind: { OnlyImplicitAccountCreationAllowed: { account_id: id } } },
  });
  // the init does not make the sender the actor (deterministic_account_id.rs create_deterministic_account)
  const key = node.signAndSendTransaction('test.near', id, [
    { type: 'DeterministicStateInit', stateInit: si, deposit: 0n },
    { type: 'AddKey', publicKey: node.root.keyPair.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } },
  ]);
  t.deepEqual(key.failure, { ActionError: { index: 1, kind: { ActorNoPermission: { account_id: id, actor_id: 'test.near' } } } });
  t.throws(() => node.viewAccount(id));
});

test('protocol 77 has no DeterministicStateInit: the transaction does not decode, and a 0s id is a plain named account', (t) => {
  const node = createSandbox({ protocolVersion: 77 });
  const si: StateInit = { code: { type: 'AccountId', accountId: 'test.near' }, data: [] };
  const e = t.throws(() => node.signAndSendTransaction('test.near', deterministicAccountId(si), [{ type: 'DeterministicStateInit', stateInit: si, deposit: 0n }]), {
    instanceOf: ParseTransactionError,
  });
  t.regex(e!.message, /Unexpected variant tag: 11/);
  // a transfer to a missing 0s account is a transfer to a missing named account (no implicit creation)
  t.deepEqual(node.transfer('test.near', deterministicAccountId(si), 1n).failure, {
    ActionError: { index: 0, kind: { AccountDoesNotExist: { account_id: deterministicAccountId(si) } } },
  });
});

test('a contract initialises an account with promise_batch_action_state_init + set_state_init_data_entry; the excess deposit returns to it', (t) => {
  const { node } = withGlobalWallet();
  node.signAndSendTransaction('test.near', 'test.near', [{ type: 'DeployGlobalContract', code: WALLET, deployMode: 'CodeHash' }]);
  node.createAccount('factory.test.near', { balance: 10n * NEAR });
  node.deployContract(
    'factory.test.near',
    wat(`(module
    (import "env" "input" (func $input (param i64)))
    (import "env" "read_register" (func $read_register (param i64 i64)))
    (import "env" "register_len" (func $register_len (param i64) (result i64)))
    (import "env" "promise_batch_create" (func $create (param i64 i64) (result i64)))
    (import "env" "promise_batch_action_state_init" (func $init (param i64 i64 i64 i64) (result i64)))
    (import "env" "set_state_init_data_entry" (func $entry (param i64 i64 i64 i64 i64 i64)))
    (memory 1)
    ;; input: receiver (42) ‖ code hash (32) ‖ deposit u128 (16) ‖ key (1) ‖ value
    (func (export "spawn") (local $p i64) (local $a i64)
      (call $input (i64.const 0))
      (call $read_register (i64.const 0) (i64.const 0))
      (local.set $p (call $create (i64.const 42) (i64.const 0)))
      (local.set $a (call $init (local.get $p) (i64.const 32) (i64.const 42) (i64.const 74)))
      (call $entry (local.get $p) (local.get $a) (i64.const 1) (i64.const 90) (i64.sub (call $register_len (i64.const 0)) (i64.const 91)) (i64.const 91))))`),
  );
  const hash = sha256(WALLET);
  const si: StateInit = { code: { type: 'CodeHash', hash }, data: [[bytes('k'), bytes('from the factory')]] };
  const id = deterministicAccountId(si);
  const deposit = new Uint8Array(16);
  new DataView(deposit.buffer).setBigUint64(0, 2n * NEAR & 0xffff_ffff_ffff_ffffn, true);
  new DataView(deposit.buffer).setBigUint64(8, (2n * NEAR) >> 64n, true);
  const input = Uint8Array.from([...bytes(id), ...hash, ...deposit, ...bytes('k'), ...bytes('from the factory')]);
  const before = BigInt(node.viewAccount('factory.test.near').amount);
  const r = node.call('test.near', 'factory.test.near', 'spawn', input, { gas: 100n * TGAS });
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.deepEqual(r.receiptFailures, []);
  t.is(new TextDecoder().decode(node.viewFunction(id, 'get', 'k').result), 'from the factory');
  t.is(node.viewAccount(id).global_contract_hash, base58.encode(hash));
  // 2 NEAR left the factory and came back as the init's refund (the account is zero-balance): it keeps its
  // balance apart from the 30% contract reward it earned
  const after = BigInt(node.viewAccount('factory.test.near').amount);
  t.true(after >= before, `${after} < ${before}`);
  t.true(after - before < NEAR / 100n);
});

test('property: a failed init leaves every account as it was, apart from the gas the signer paid', (t) => {
  const node = createSandbox();
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 40 })), { maxLength: 4 }), fc.bigInt({ min: 0n, max: 3n * NEAR }), (entries, deposit) => {
      const si: StateInit = { code: { type: 'AccountId', accountId: 'missing.test.near' }, data: stateInitData(entries) };
      const id = deterministicAccountId(si);
      const before = BigInt(node.viewAccount('test.near').amount);
      const r = node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit }]);
      const gone = (() => {
        try {
          node.viewAccount(id);
          return false;
        } catch {
          return true;
        }
      })();
      return r.failure !== null && gone && BigInt(node.viewAccount('test.near').amount) === before - r.tokensBurnt;
    }),
    { numRuns: 15 },
  );
  t.pass();
});

test('property: money is conserved: after any mix of inits (new, repeated, short of stake, unknown code) balances sum to the total supply', (t) => {
  const { node, hash } = withGlobalWallet();
  node.signAndSendTransaction('test.near', 'test.near', [{ type: 'DeployGlobalContract', code: WALLET, deployMode: 'CodeHash' }]);
  const accounts = new Set(['test.near', 'near', 'lib.test.near']);
  const sum = () => [...accounts].reduce((n, id) => n + node.getBalance(id) + BigInt(node.viewAccount(id).locked), 0n);
  const code = fc.constantFrom<StateInit['code']>({ type: 'CodeHash', hash }, { type: 'AccountId', accountId: 'lib.test.near' }, { type: 'AccountId', accountId: 'none.test.near' });
  const init = fc.record({ code, value: fc.nat({ max: 1500 }), key: fc.constantFrom('a', 'b'), deposit: fc.constantFrom(0n, 1n, NEAR / 100n, NEAR) });
  fc.assert(
    fc.property(fc.array(init, { minLength: 1, maxLength: 4 }), (inits) => {
      for (const { code, value, key, deposit } of inits) {
        const si: StateInit = { code, data: [[bytes(key), new Uint8Array(value)]] };
        const id = deterministicAccountId(si);
        node.signAndSendTransaction('test.near', id, [{ type: 'DeterministicStateInit', stateInit: si, deposit }]);
        node.produceBlocks(2);
        try {
          node.viewAccount(id);
          accounts.add(id);
        } catch {
          // not created
        }
      }
      return sum() === node.head.totalSupply;
    }),
    { numRuns: 12 },
  );
  t.pass();
});

test('a contract\'s state init to an id its state init does not derive fails its receipt with NewReceiptValidationError', (t) => {
  const { node } = withGlobalWallet();
  node.createAccount('factory.test.near', { balance: 10n * NEAR });
  node.deployContract(
    'factory.test.near',
    wat(`(module
    (import "env" "promise_batch_create" (func $create (param i64 i64) (result i64)))
    (import "env" "promise_batch_action_state_init_by_account_id" (func $init (param i64 i64 i64 i64) (result i64)))
    (memory 1)
    (data (i32.const 0) "alice.test.near")
    (data (i32.const 16) "lib.test.near")
    (func (export "spawn") (drop (call $init (call $create (i64.const 15) (i64.const 0)) (i64.const 13) (i64.const 16) (i64.const 100)))))`),
  );
  const si: StateInit = { code: { type: 'AccountId', accountId: 'lib.test.near' }, data: [] };
  const r = node.call('test.near', 'factory.test.near', 'spawn', undefined, { gas: 50n * TGAS });
  t.deepEqual(r.failure, {
    ActionError: {
      index: 0,
      kind: { NewReceiptValidationError: { ActionsValidation: { InvalidDeterministicStateInitReceiver: { derived_id: deterministicAccountId(si), receiver_id: 'alice.test.near' } } } },
    },
  });
});

test('meta transaction (FixDelegatedDeterministicStateInit, 85): the inner state init is checked against the delegate receiver; its refund goes to the sender', (t) => {
  const { node } = withGlobalWallet();
  const sender = node.createAccount('sender.test.near', { balance: NEAR });
  node.createAccount('relayer.test.near', { balance: 10n * NEAR });
  const si: StateInit = { code: { type: 'AccountId', accountId: 'lib.test.near' }, data: [[bytes('by'), bytes('meta')]] };
  const id = deterministicAccountId(si);
  const delegateAction: DelegateAction = {
    senderId: 'sender.test.near',
    receiverId: id,
    actions: [{ type: 'DeterministicStateInit', stateInit: si, deposit: 2n * NEAR }],
    nonce: BigInt(node.viewAccessKey('sender.test.near', sender.keyPair.publicKey).nonce) + 1n,
    maxBlockHeight: node.head.height + 100n,
    publicKey: sender.keyPair.publicKey,
  };
  const senderBefore = node.getBalance('sender.test.near');
  const r = node.signAndSendTransaction('relayer.test.near', 'sender.test.near', [
    { type: 'Delegate', signedDelegate: { delegateAction, signature: sender.keyPair.sign(delegateActionHash(delegateAction)) } },
  ]);
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.deepEqual(r.receiptFailures, []);
  t.is(new TextDecoder().decode(node.viewFunction(id, 'get', 'by').result), 'meta');
  // the relayer paid the deposit; the zero-balance account needed none of it, so it went to the inner receipt's
  // predecessor, the sender
  t.is(node.getBalance('sender.test.near'), senderBefore + 2n * NEAR);
});

test('init and call in one receipt (NEP-616\'s use): the FunctionCall after the init runs the new account\'s global code', (t) => {
  const { node } = withGlobalWallet();
  const si: StateInit = { code: { type: 'AccountId', accountId: 'lib.test.near' }, data: [[bytes('k'), bytes('ready')]] };
  const id = deterministicAccountId(si);
  const r = node.signAndSendTransaction('test.near', id, [
    { type: 'DeterministicStateInit', stateInit: si, deposit: 0n },
    { type: 'FunctionCall', methodName: 'get', args: bytes('k'), gas: 10n * TGAS, deposit: 0n },
  ]);
  t.is(new TextDecoder().decode(r.bytes()), 'ready');
  // without the init the call has no account to run on
  const other: StateInit = { ...si, data: [[bytes('k'), bytes('other')]] };
  t.deepEqual(node.call('test.near', deterministicAccountId(other), 'get', 'k').failure, {
    ActionError: { index: 0, kind: { AccountDoesNotExist: { account_id: deterministicAccountId(other) } } },
  });
});

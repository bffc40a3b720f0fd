/**
 * Gas keys through the node (protocol feature GasKeys, PV 85; nearcore 2.13.4 at PV 86). Sources of the expected values:
 * - actions and state: runtime/runtime/src/access_keys.rs (`action_add_key` → `add_gas_key`, `action_delete_key` →
 *   `delete_gas_key`, `action_transfer_to_gas_key`, `action_withdraw_from_gas_key`), runtime/runtime/src/gas_keys.rs
 *   (`gas_key_storage_cost`), runtime/runtime/src/actions.rs (`action_delete_account`: GasKeyBalanceTooHigh, and
 *   `action_transfer`: a gas refund goes back to the gas key);
 * - validation: runtime/runtime/src/action_validation.rs (`validate_add_key_action`, `require_protocol_feature`);
 * - transactions: runtime/runtime/src/verifier.rs (`verify_and_charge_gas_key_tx_ephemeral`, `verify_nonce`),
 *   chain/chain/src/runtime/mod.rs (missing nonce row → InvalidNonceIndex);
 * - fees: core/parameters/src/cost.rs (`gas_key_transfer_send_fee` / `_exec_fee`, `gas_key_add_key_exec_fee`) with
 *   the PV 86 values of gas_key_transfer_base 115_123_062_500 / 235_676_644_250 (send / exec), gas_key_byte
 *   59_357_464 / 101_435_400 and gas_key_nonce_write_base 0 / 64_196_736_000;
 * - views: core/primitives/src/views.rs (`AccessKeyPermissionView::GasKeyFullAccess { balance, num_nonces }`).
 */
import test from 'ava';
import fc from 'fast-check';
import { createSandbox, InvalidTransactionError, KeyPair, NEAR, ParseTransactionError, publicKeyToString, TGAS, type Sandbox } from '../../src/index.js';
import { base58 } from '@scure/base';
import { publicKeyBorsh } from '../../src/primitives/crypto.js';
import { program, u64 } from '../vm/helpers.js';
import { NO_CODE_HASH, State, type StateSource } from '../../src/runtime/state.js';
import {
  BorshDecodeError,
  actionBorshLength,
  delegateActionHash,
  encodeAccessKey,
  encodeAction,
  encodeSignedTransaction,
  encodeTransaction,
  parseSignedTransaction,
  transactionHash,
  type AccessKeyPermission,
  type Action,
  type DelegateAction,
  type Transaction,
} from '../../src/primitives/transaction.js';

const ALICE = 'alice.test.near';
const GAS_PRICE = 100_000_000n; // sandbox genesis gas price (nearcore MIN_GAS_PRICE)
const PURCHASE_PRICE = 1_000_000_000n; // PV 86 min_gas_purchase_price (86 snapshot)
const HEIGHT_NONCE = 1_000_000n; // AccessKey::ACCESS_KEY_NONCE_RANGE_MULTIPLIER

function expectInvalid(t: any, fn: () => unknown, kind: unknown): void {
  const err = t.throws(fn, { instanceOf: InvalidTransactionError }) as InvalidTransactionError;
  t.deepEqual(err.kind, kind);
}

const gasKeyFullAccess = (numNonces: number): AccessKeyPermission => ({ type: 'GasKeyFullAccess', balance: 0n, numNonces });

function setup(protocolVersion = 86) {
  const node = createSandbox({ protocolVersion });
  const alice = node.createAccount(ALICE);
  node.createAccount('bob.test.near');
  const gasKey = KeyPair.fromSeed('gas-key');
  return { node, alice, gasKey };
}

function addGasKey(node: Sandbox, gasKey: KeyPair, numNonces = 3) {
  return node.signAndSendTransaction(ALICE, ALICE, [{ type: 'AddKey', publicKey: gasKey.publicKey, accessKey: { nonce: 0n, permission: gasKeyFullAccess(numNonces) } }]);
}

function fund(node: Sandbox, gasKey: KeyPair, deposit: bigint) {
  return node.signAndSendTransaction(ALICE, ALICE, [{ type: 'TransferToGasKey', publicKey: gasKey.publicKey, deposit }]);
}

const gasKeyBalance = (node: Sandbox, gasKey: KeyPair): bigint => {
  const p = node.getAccessKey(ALICE, gasKey.publicKey)!.permission;
  return p.type === 'GasKeyFullAccess' || p.type === 'GasKeyFunctionCall' ? p.balance : -1n;
};

test('AddKey with GasKeyFullAccess: nonce 0 on the key, num_nonces rows at (height−1)·10⁶, storage 100 + 3·83 bytes, fees of add_gas_key', (t) => {
  const { node, gasKey } = setup();
  const usage = node.viewAccount(ALICE).storage_usage;
  const r = addGasKey(node, gasKey, 3);
  t.true(r.succeeded);
  // config.rs: send = add_full_access_key.send_sir + gas_key_byte.send·18 (GasKeyInfo borsh); tx burns new_action_receipt + send
  t.is(r.transactionOutcome.outcome.gas_burnt, 210_893_059_352);
  // exec = add_full_access_key + 3·gas_key_nonce_write_base + gas_key_byte·(1 + 15 + 1 + 33 + 2 + 8)·3, plus new_action_receipt
  t.is(r.receipts[0]!.outcome.gas_burnt, 420_673_205_000);
  const profile = r.receipts[0]!.outcome.metadata.gas_profile!.map((e) => [e.cost, e.gas_used]);
  t.deepEqual(profile, [['ADD_FULL_ACCESS_KEY', '101765125000'], ['GAS_KEY_BYTE', '18258372000'], ['GAS_KEY_NONCE_WRITE_BASE', '192590208000']]);
  const view = node.viewAccessKey(ALICE, gasKey.publicKey);
  t.deepEqual(view, { nonce: 0, permission: { GasKeyFullAccess: { balance: '0', num_nonces: 3 } } });
  // gas_keys.rs gas_key_storage_cost: 33 + borsh(AccessKey) 27 + 40, and per nonce 33 + 2 + 8 + 40
  t.is(node.viewAccount(ALICE).storage_usage, usage + 100 + 3 * 83);
  const height = BigInt(node.getBlock(r.receipts[0]!.block_hash).height);
  t.deepEqual(node.viewGasKeyNonces(ALICE, gasKey.publicKey), [0, 1, 2].map(() => Number((height - 1n) * HEIGHT_NONCE)));
  t.is(node.viewGasKeyNonces(ALICE, KeyPair.fromSeed('not a key of alice').publicKey), null);
});

test('TransferToGasKey moves the deposit from the account to the key; fees gas_key_transfer_base + gas_key_byte', (t) => {
  const { node, gasKey } = setup();
  addGasKey(node, gasKey);
  const before = node.getBalance(ALICE);
  const r = fund(node, gasKey, 2n * NEAR);
  t.true(r.succeeded);
  t.is(r.transactionOutcome.outcome.gas_burnt, 225_141_358_812); // 108_059_500_000 + 115_123_062_500 + 59_357_464·33
  t.is(r.receipts[0]!.outcome.gas_burnt, 351_546_670_050); // 108_059_500_000 + 235_676_644_250 + 101_435_400·(17 + 33 + 27)
  t.is(gasKeyBalance(node, gasKey), 2n * NEAR);
  t.is(node.getBalance(ALICE), before - 2n * NEAR - r.tokensBurnt);
  t.deepEqual(r.outcome.transaction.actions, [{ TransferToGasKey: { public_key: publicKeyToString(gasKey.publicKey), deposit: (2n * NEAR).toString() } }]);
});

test('a V1 transaction signed by the gas key: the key pays the gas (refund included), the account only the deposit; the nonce row advances', (t) => {
  const { node, gasKey } = setup();
  addGasKey(node, gasKey);
  fund(node, gasKey, NEAR);
  const accountBefore = node.getBalance(ALICE);
  const keyBefore = gasKeyBalance(node, gasKey);
  const nonces = node.viewGasKeyNonces(ALICE, gasKey.publicKey)!;
  const r = node.sendTransaction(node.signTransaction(ALICE, 'bob.test.near', [{ type: 'Transfer', deposit: 5n * NEAR }], { keyPair: gasKey, nonceIndex: 1 }));
  t.true(r.succeeded);
  t.is(r.outcome.transaction.nonce_index, 1);
  t.is(r.outcome.transaction.nonce_mode, 'Monotonic');
  t.is(node.getBalance(ALICE), accountBefore - 5n * NEAR);
  // test-loop-tests gas_keys.rs test_gas_key_transaction: the key lost exactly the tokens burnt (the price-difference refund came back to it)
  t.is(gasKeyBalance(node, gasKey), keyBefore - r.tokensBurnt);
  t.is(r.tokensBurnt, 2n * 223_182_562_500n * GAS_PRICE);
  t.deepEqual(node.viewGasKeyNonces(ALICE, gasKey.publicKey), [nonces[0], nonces[1]! + 1, nonces[2]]);
  t.is(node.getBalance('bob.test.near'), 105n * NEAR);
});

test('a failed call from a gas key: the deposit comes back to the account, the unused gas to the gas key (test_gas_key_refund)', (t) => {
  const { node, gasKey } = setup();
  addGasKey(node, gasKey);
  fund(node, gasKey, NEAR);
  const accountBefore = node.getBalance(ALICE);
  const keyBefore = gasKeyBalance(node, gasKey);
  const r = node.sendTransaction(
    node.signTransaction(ALICE, 'bob.test.near', [{ type: 'FunctionCall', methodName: 'nonexistent_method', args: new Uint8Array(), gas: 100n * TGAS, deposit: 5n * NEAR }], { keyPair: gasKey, nonceIndex: 0 }),
  );
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: 'bob.test.near' } } } } } });
  t.is(node.getBalance(ALICE), accountBefore);
  t.is(gasKeyBalance(node, gasKey), keyBefore - r.tokensBurnt);
});

test('nonce checks: a regular nonce with a gas key, a gas-key nonce with a regular key or out of range → InvalidNonceIndex; strict nonces', (t) => {
  const { node, alice, gasKey } = setup();
  addGasKey(node, gasKey, 2);
  fund(node, gasKey, NEAR);
  const transfer: Action[] = [{ type: 'Transfer', deposit: 1n }];
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, ALICE, transfer, { keyPair: gasKey })), { InvalidNonceIndex: { tx_nonce_index: null, num_nonces: 2 } });
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, ALICE, transfer, { keyPair: gasKey, nonceIndex: 2, nonce: 10n ** 12n })), {
    InvalidNonceIndex: { tx_nonce_index: 2, num_nonces: 2 },
  });
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, ALICE, transfer, { keyPair: alice.keyPair, nonceIndex: 0, nonce: 10n ** 12n })), {
    InvalidNonceIndex: { tx_nonce_index: 0, num_nonces: 0 },
  });
  const current = BigInt(node.viewGasKeyNonces(ALICE, gasKey.publicKey)![0]!);
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, ALICE, transfer, { keyPair: gasKey, nonceIndex: 0, nonce: current })), {
    InvalidNonce: { tx_nonce: Number(current), ak_nonce: Number(current) },
  });
  // verify_nonce, NonceMode::Strict: exactly current + 1
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, ALICE, transfer, { keyPair: gasKey, nonceIndex: 0, nonce: current + 2n, nonceMode: 'Strict' })), {
    InvalidNonce: { tx_nonce: Number(current + 2n), ak_nonce: Number(current) },
  });
  t.true(node.sendTransaction(node.signTransaction(ALICE, ALICE, transfer, { keyPair: gasKey, nonceIndex: 0, nonce: current + 1n, nonceMode: 'Strict' })).succeeded);
});

test('NotEnoughGasKeyBalance when the key cannot pay the gas; DepositFailed burns the send gas from the key and fails without a receipt', (t) => {
  const { node, gasKey } = setup();
  addGasKey(node, gasKey);
  const transfer = (deposit: bigint): Action[] => [{ type: 'Transfer', deposit }];
  // gas_cost = 223_182_562_500·10⁸ burnt + 223_182_562_500·10⁹ (new_action_receipt + transfer exec) at the purchase price
  const gasCost = 223_182_562_500n * GAS_PRICE + 223_182_562_500n * PURCHASE_PRICE;
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, 'bob.test.near', transfer(1n), { keyPair: gasKey, nonceIndex: 0 })), {
    NotEnoughGasKeyBalance: { signer_id: ALICE, balance: '0', cost: gasCost.toString() },
  });
  fund(node, gasKey, NEAR);
  const key = gasKeyBalance(node, gasKey);
  const nonce = node.viewGasKeyNonces(ALICE, gasKey.publicKey)![0]!;
  // Admitted while the account can pay 10 NEAR; a regular transfer in the same block spends it first.
  const drain = node.submitTransaction(node.signTransaction(ALICE, 'bob.test.near', transfer(node.getBalance(ALICE) - NEAR)));
  const gasKeyTx = node.submitTransaction(node.signTransaction(ALICE, 'bob.test.near', transfer(10n * NEAR), { keyPair: gasKey, nonceIndex: 0 }));
  node.produceBlocks(3);
  t.true(node.getTransactionOutcome(drain).succeeded);
  const failed = node.getTransactionOutcome(gasKeyTx);
  // the balance when the gas-key transaction was applied: 1 NEAR left by the drain, minus its gas bought at conversion
  const balanceThen = NEAR - 223_182_562_500n * (GAS_PRICE + PURCHASE_PRICE);
  t.deepEqual(failed.failure, { InvalidTxError: { NotEnoughBalanceForDeposit: { signer_id: ALICE, balance: balanceThen.toString(), deposit: (10n * NEAR).toString() } } });
  t.is(failed.receipts.length, 0);
  // TxVerdict::DepositFailed: only the send gas (new_action_receipt + transfer send) is burnt, from the key
  t.is(failed.transactionOutcome.outcome.gas_burnt, 223_182_562_500);
  t.is(failed.tokensBurnt, 223_182_562_500n * GAS_PRICE);
  t.is(gasKeyBalance(node, gasKey), key - 223_182_562_500n * GAS_PRICE);
  t.is(node.viewGasKeyNonces(ALICE, gasKey.publicKey)![0], nonce + 1);
});

test('WithdrawFromGasKey returns NEAR to the account; more than the balance → InsufficientGasKeyBalance; another account → ActorNoPermission', (t) => {
  const { node, gasKey } = setup();
  addGasKey(node, gasKey);
  fund(node, gasKey, 3n * NEAR);
  const before = node.getBalance(ALICE);
  const r = node.signAndSendTransaction(ALICE, ALICE, [{ type: 'WithdrawFromGasKey', publicKey: gasKey.publicKey, amount: NEAR }]);
  t.true(r.succeeded);
  t.is(gasKeyBalance(node, gasKey), 2n * NEAR);
  t.is(node.getBalance(ALICE), before + NEAR - r.tokensBurnt);
  const pk = publicKeyToString(gasKey.publicKey);
  const tooMuch = node.signAndSendTransaction(ALICE, ALICE, [{ type: 'WithdrawFromGasKey', publicKey: gasKey.publicKey, amount: 5n * NEAR }]);
  t.deepEqual(tooMuch.failure, {
    ActionError: { index: 0, kind: { InsufficientGasKeyBalance: { account_id: ALICE, public_key: pk, balance: (2n * NEAR).toString(), required: (5n * NEAR).toString() } } },
  });
  const byBob = node.signAndSendTransaction('bob.test.near', ALICE, [{ type: 'WithdrawFromGasKey', publicKey: gasKey.publicKey, amount: 1n }]);
  t.deepEqual(byBob.failure, { ActionError: { index: 0, kind: { ActorNoPermission: { account_id: ALICE, actor_id: 'bob.test.near' } } } });
  t.is(gasKeyBalance(node, gasKey), 2n * NEAR);
});

test('TransferToGasKey to a missing key or a regular key → GasKeyDoesNotExist, and the deposit is refunded', (t) => {
  const { node, alice, gasKey } = setup();
  for (const key of [gasKey, alice.keyPair]) {
    const before = node.getBalance(ALICE);
    const r = node.signAndSendTransaction(ALICE, ALICE, [{ type: 'TransferToGasKey', publicKey: key.publicKey, deposit: NEAR }]);
    t.deepEqual(r.failure, { ActionError: { index: 0, kind: { GasKeyDoesNotExist: { account_id: ALICE, public_key: publicKeyToString(key.publicKey) } } } });
    t.is(node.getBalance(ALICE), before - r.tokensBurnt);
  }
});

test('DeleteKey burns a gas key balance up to 1 NEAR, refuses more (GasKeyBalanceTooHigh); removes the nonce rows and their storage', (t) => {
  const { node, gasKey } = setup();
  const usage = node.viewAccount(ALICE).storage_usage;
  addGasKey(node, gasKey);
  fund(node, gasKey, 2n * NEAR);
  const del: Action[] = [{ type: 'DeleteKey', publicKey: gasKey.publicKey }];
  const refused = node.signAndSendTransaction(ALICE, ALICE, del);
  t.deepEqual(refused.failure, {
    ActionError: { index: 0, kind: { GasKeyBalanceTooHigh: { account_id: ALICE, public_key: publicKeyToString(gasKey.publicKey), balance: (2n * NEAR).toString() } } },
  });
  node.signAndSendTransaction(ALICE, ALICE, [{ type: 'WithdrawFromGasKey', publicKey: gasKey.publicKey, amount: NEAR + 1n }]);
  const r = node.signAndSendTransaction(ALICE, ALICE, del);
  t.true(r.succeeded);
  // the receipt burns its gas and the key's remaining balance (ActionResult.tokens_burnt)
  const receiptGas = BigInt(r.receipts[0]!.outcome.gas_burnt);
  t.is(BigInt(r.receipts[0]!.outcome.tokens_burnt), receiptGas * GAS_PRICE + (NEAR - 1n));
  t.is(node.getAccessKey(ALICE, gasKey.publicKey), undefined);
  t.is(node.viewGasKeyNonces(ALICE, gasKey.publicKey), null);
  t.is(node.viewAccount(ALICE).storage_usage, usage);
});

test('DeleteAccount with gas keys holding more than 1 NEAR in all → GasKeyBalanceTooHigh with public_key null', (t) => {
  const { node, gasKey } = setup();
  addGasKey(node, gasKey);
  fund(node, gasKey, NEAR);
  const second = KeyPair.fromSeed('second gas key');
  node.signAndSendTransaction(ALICE, ALICE, [{ type: 'AddKey', publicKey: second.publicKey, accessKey: { nonce: 0n, permission: gasKeyFullAccess(1) } }]);
  node.signAndSendTransaction(ALICE, ALICE, [{ type: 'TransferToGasKey', publicKey: second.publicKey, deposit: 1n }]);
  const r = node.signAndSendTransaction(ALICE, ALICE, [{ type: 'DeleteAccount', beneficiaryId: 'bob.test.near' }]);
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { GasKeyBalanceTooHigh: { account_id: ALICE, public_key: null, balance: (NEAR + 1n).toString() } } } });
  t.truthy(node.getAccessKey(ALICE, gasKey.publicKey));
});

test('AddKey validation: num_nonces 0 or over 1024, a balance, an allowance on a GasKeyFunctionCall (action_validation.rs)', (t) => {
  const { node, gasKey } = setup();
  const add = (permission: AccessKeyPermission) => () =>
    node.sendTransaction(node.signTransaction(ALICE, ALICE, [{ type: 'AddKey', publicKey: gasKey.publicKey, accessKey: { nonce: 0n, permission } }]));
  expectInvalid(t, add(gasKeyFullAccess(0)), { ActionsValidation: { GasKeyInvalidNumNonces: { requested_nonces: 0, limit: 1024 } } });
  expectInvalid(t, add(gasKeyFullAccess(1025)), { ActionsValidation: { GasKeyInvalidNumNonces: { requested_nonces: 1025, limit: 1024 } } });
  expectInvalid(t, add({ type: 'GasKeyFullAccess', balance: 5n, numNonces: 1 }), { ActionsValidation: { AddGasKeyWithNonZeroBalance: { balance: '5' } } });
  expectInvalid(t, add({ type: 'GasKeyFunctionCall', balance: 0n, numNonces: 1, allowance: NEAR, receiverId: 'bob.test.near', methodNames: [] }), {
    ActionsValidation: 'GasKeyFunctionCallAllowanceNotAllowed',
  });
  const ok = node.sendTransaction(node.signTransaction(ALICE, ALICE, [{
    type: 'AddKey', publicKey: gasKey.publicKey,
    accessKey: { nonce: 0n, permission: { type: 'GasKeyFunctionCall', balance: 0n, numNonces: 1, allowance: null, receiverId: 'bob.test.near', methodNames: ['ping'] } },
  }]));
  t.true(ok.succeeded);
  t.deepEqual(node.viewAccessKey(ALICE, gasKey.publicKey).permission, {
    GasKeyFunctionCall: { balance: '0', num_nonces: 1, allowance: null, receiver_id: 'bob.test.near', method_names: ['ping'] },
  });
});

test('a GasKeyFunctionCall key signs only its calls: a transfer → RequiresFullAccess (verify_function_call_permission)', (t) => {
  const { node, gasKey } = setup();
  node.signAndSendTransaction(ALICE, ALICE, [{
    type: 'AddKey', publicKey: gasKey.publicKey,
    accessKey: { nonce: 0n, permission: { type: 'GasKeyFunctionCall', balance: 0n, numNonces: 1, allowance: null, receiverId: 'bob.test.near', methodNames: [] } },
  }]);
  fund(node, gasKey, NEAR);
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, 'bob.test.near', [{ type: 'Transfer', deposit: 1n }], { keyPair: gasKey, nonceIndex: 0 })), {
    InvalidAccessKeyError: 'RequiresFullAccess',
  });
});

test('protocol 77 (neard 2.6.2) has no gas keys: actions 12–14 and permissions 2–3 do not decode; a V1 transaction is InvalidTransactionVersion', (t) => {
  const { node, gasKey } = setup(77);
  t.throws(() => addGasKey(node, gasKey), { instanceOf: ParseTransactionError, message: /Unexpected variant tag: 3 / });
  t.throws(() => fund(node, gasKey, 1n), { instanceOf: ParseTransactionError, message: /Unexpected variant tag: 12 / });
  expectInvalid(t, () => node.sendTransaction(node.signTransaction(ALICE, ALICE, [{ type: 'Transfer', deposit: 1n }], { nonceMode: 'Monotonic' })), 'InvalidTransactionVersion');
});

test('property: NEAR is conserved across gas-key funding, withdrawals and gas-key transactions (account + key + burnt)', (t) => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('fund' as const), amount: fc.bigInt({ min: 0n, max: 3n * NEAR }) }),
    fc.record({ kind: fc.constant('withdraw' as const), amount: fc.bigInt({ min: 0n, max: 3n * NEAR }) }),
    fc.record({ kind: fc.constant('send' as const), amount: fc.bigInt({ min: 0n, max: 2n * NEAR }), index: fc.integer({ min: 0, max: 2 }) }),
  );
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), (ops) => {
      const { node, gasKey } = setup();
      addGasKey(node, gasKey);
      const total = () => node.getBalance(ALICE) + node.getBalance('bob.test.near') + gasKeyBalance(node, gasKey);
      for (const o of ops) {
        const before = total();
        let burnt = 0n;
        try {
          const r =
            o.kind === 'fund'
              ? fund(node, gasKey, o.amount)
              : o.kind === 'withdraw'
                ? node.signAndSendTransaction(ALICE, ALICE, [{ type: 'WithdrawFromGasKey', publicKey: gasKey.publicKey, amount: o.amount }])
                : node.sendTransaction(node.signTransaction(ALICE, 'bob.test.near', [{ type: 'Transfer', deposit: o.amount }], { keyPair: gasKey, nonceIndex: o.index }));
          burnt = r.tokensBurnt;
        } catch (e) {
          if (!(e instanceof InvalidTransactionError)) throw e; // e.g. NotEnoughGasKeyBalance: nothing changes
        }
        if (total() + burnt !== before) return false;
      }
      return gasKeyBalance(node, gasKey) >= 0n;
    }),
    { numRuns: 25 },
  );
  t.pass();
});

test('borsh: gas-key permissions (tags 2 and 3), TransferToGasKey/WithdrawFromGasKey (12, 13) and TransactionV1 match independent encoders', (t) => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const pk = { keyType: 0, data: Uint8Array.from({ length: 32 }, (_, i) => i) } as const;
  // account.rs AccessKeyPermission::GasKeyFullAccess(GasKeyInfo { balance: 0, num_nonces: 3 }); vector from near-kit-ts' gas-key tests
  t.is(hex(encodeAccessKey({ nonce: 0n, permission: gasKeyFullAccess(3) })), '000000000000000003000000000000000000000000000000000300');
  t.is(
    hex(encodeAccessKey({ nonce: 0n, permission: { type: 'GasKeyFunctionCall', balance: 0n, numNonces: 3, allowance: null, receiverId: 'app.near', methodNames: ['foo'] } })),
    '00000000000000000200000000000000000000000000000000030000080000006170702e6e6561720100000003000000666f6f',
  );
  for (const a of [
    { type: 'TransferToGasKey', publicKey: pk, deposit: 7n },
    { type: 'WithdrawFromGasKey', publicKey: pk, amount: 9n },
  ] as Action[]) {
    const bytes = encodeAction(a);
    t.is(bytes[0], a.type === 'TransferToGasKey' ? 12 : 13); // action/mod.rs discriminants
    t.is(bytes.length, actionBorshLength(a));
  }
  // transaction.rs TransactionV1: tag 1, GasKeyNonce { 42, 3 }, NonceMode::Strict; near-kit-ts golden vector and hash
  const tx: Transaction = {
    signerId: 'alice.near',
    publicKey: { keyType: 0, data: new Uint8Array(32).fill(8) },
    nonce: 42n,
    receiverId: 'bob.near',
    blockHash: new Uint8Array(32).fill(5),
    actions: [{ type: 'Transfer', deposit: 1000n }],
    v1: { nonceIndex: 3, nonceMode: 'Strict' },
  };
  const expected =
    '01' + '0a000000616c6963652e6e656172' + '00' + '08'.repeat(32) + '012a00000000000000' + '0300' + '08000000626f622e6e656172' + '05'.repeat(32) +
    '01000000' + '03e8030000000000000000000000000000' + '01';
  t.is(hex(encodeTransaction(tx)), expected);
  t.is(base58.encode(transactionHash(tx)), 'CTiJAvymxtKdfAWh7uq1N8pSiXxH4tk7FpjvhQrhFdyq');
  const signed = encodeSignedTransaction({ transaction: tx, signature: { keyType: 0, data: new Uint8Array(64).fill(12) } });
  const parsed = parseSignedTransaction(signed);
  t.deepEqual(parsed.signed.transaction, tx);
  t.is(parsed.size, encodeTransaction(tx).length);
  t.is(base58.encode(parsed.hash), 'CTiJAvymxtKdfAWh7uq1N8pSiXxH4tk7FpjvhQrhFdyq');
});

/** A relayer (bob) sends alice's meta-transaction: V1 (NEP-366) or V2 (NEP-611, action 14) signed by `key`. */
function relay(node: Sandbox, key: KeyPair, d: Omit<DelegateAction, 'senderId' | 'publicKey' | 'maxBlockHeight' | 'actions'> & { actions: Action[] }) {
  const delegateAction = { ...d, senderId: ALICE, publicKey: key.publicKey, maxBlockHeight: node.head.height + 100n } as DelegateAction;
  const signedDelegate = { delegateAction, signature: key.sign(delegateActionHash(delegateAction)) };
  return node.signAndSendTransaction('bob.test.near', ALICE, [{ type: 'Delegate', signedDelegate }]);
}

test('DelegateV2 (NEP-611): a meta-transaction signed by a gas key advances its nonce row; the relayer pays the gas', (t) => {
  const { node, gasKey } = setup();
  addGasKey(node, gasKey, 2);
  const nonces = node.viewGasKeyNonces(ALICE, gasKey.publicKey)!;
  const alice = node.getBalance(ALICE);
  const r = relay(node, gasKey, { receiverId: 'bob.test.near', actions: [{ type: 'Transfer', deposit: NEAR }], nonce: BigInt(nonces[1]!) + 1n, v2: { nonceIndex: 1 } });
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.deepEqual(node.viewGasKeyNonces(ALICE, gasKey.publicKey), [nonces[0], nonces[1]! + 1]);
  // NEP-366 semantics: the relayer's transaction carries the inner deposit and buys the gas; alice and her gas key pay nothing
  t.is(node.getBalance(ALICE), alice);
  t.is(gasKeyBalance(node, gasKey), 0n);
  // views.rs ActionView::DelegateV2 { delegate_action: VersionedDelegateActionPayload::V2, signature }
  const view = r.outcome.transaction.actions[0] as any;
  t.deepEqual(view.DelegateV2.delegate_action.V2.nonce, { GasKeyNonce: { nonce: nonces[1]! + 1, nonce_index: 1 } });
  t.deepEqual(view.DelegateV2.delegate_action.V2.actions, [{ Transfer: { deposit: NEAR.toString() } }]);
});

test('delegate nonces (actions.rs apply_delegate_action): gas key with a plain nonce, a regular key with a gas-key nonce, an index out of range', (t) => {
  const { node, alice, gasKey } = setup();
  addGasKey(node, gasKey, 2);
  const transfer: Action[] = [{ type: 'Transfer', deposit: 1n }];
  const failure = (r: { failure: unknown }) => (r.failure as any).ActionError.kind;
  t.deepEqual(failure(relay(node, gasKey, { receiverId: 'bob.test.near', actions: transfer, nonce: 10n ** 12n })), {
    DelegateActionAccessKeyError: 'DelegateActionRequiresNonGasKey',
  });
  t.deepEqual(failure(relay(node, gasKey, { receiverId: 'bob.test.near', actions: transfer, nonce: 10n ** 12n, v2: { nonceIndex: null } })), {
    DelegateActionAccessKeyError: 'DelegateActionRequiresNonGasKey',
  });
  t.deepEqual(failure(relay(node, alice.keyPair, { receiverId: 'bob.test.near', actions: transfer, nonce: 10n ** 12n, v2: { nonceIndex: 0 } })), {
    DelegateActionAccessKeyError: 'DelegateActionRequiresGasKey',
  });
  t.deepEqual(failure(relay(node, gasKey, { receiverId: 'bob.test.near', actions: transfer, nonce: 10n ** 12n, v2: { nonceIndex: 2 } })), {
    DelegateActionInvalidNonceIndex: { nonce_index: 2, num_nonces: 2 },
  });
  const current = BigInt(node.viewGasKeyNonces(ALICE, gasKey.publicKey)![0]!);
  t.deepEqual(failure(relay(node, gasKey, { receiverId: 'bob.test.near', actions: transfer, nonce: current, v2: { nonceIndex: 0 } })), {
    DelegateActionInvalidNonce: { delegate_nonce: Number(current), ak_nonce: Number(current) },
  });
  // a V2 with a plain nonce from a regular key works like NEP-366
  const ak = node.getAccessKey(ALICE, alice.keyPair.publicKey)!;
  t.true(relay(node, alice.keyPair, { receiverId: 'bob.test.near', actions: transfer, nonce: ak.nonce + 1n, v2: { nonceIndex: null } }).succeeded);
  t.is(node.getAccessKey(ALICE, alice.keyPair.publicKey)!.nonce, ak.nonce + 1n);
});

test('borsh: DelegateV2 is action 14 with VersionedDelegateActionPayload::V2 = 0, signed under 2^30 + 611; no delegate nests inside', (t) => {
  const pk = { keyType: 0, data: new Uint8Array(32).fill(3) } as const;
  const d: DelegateAction = { senderId: 'alice.near', receiverId: 'bob.near', actions: [], nonce: 1n, maxBlockHeight: 1000n, publicKey: pk, v2: { nonceIndex: 7 } };
  const action: Action = { type: 'Delegate', signedDelegate: { delegateAction: d, signature: { keyType: 0, data: new Uint8Array(64) } } };
  const bytes = encodeAction(action);
  t.is(bytes[0], 14);
  t.is(bytes[1], 0); // VersionedDelegateActionPayload::V2
  t.is(bytes.length, actionBorshLength(action));
  const v1Hash = delegateActionHash({ ...d, v2: undefined });
  t.notDeepEqual(delegateActionHash(d), v1Hash);
  const tx: Transaction = { signerId: 'bob.near', publicKey: pk, nonce: 1n, receiverId: 'alice.near', blockHash: new Uint8Array(32), actions: [action] };
  const signed = encodeSignedTransaction({ transaction: tx, signature: { keyType: 0, data: new Uint8Array(64) } });
  t.deepEqual(parseSignedTransaction(signed).signed.transaction.actions, [action]);
  // NonDelegateAction refuses tags 8 and 14 inside: patch the inner Transfer's tag (after 14, 0, the two ids, the count)
  const withTransfer: Action = { type: 'Delegate', signedDelegate: { ...action.signedDelegate, delegateAction: { ...d, actions: [{ type: 'Transfer', deposit: 1n }] } } };
  const txBytes = encodeSignedTransaction({ transaction: { ...tx, actions: [withTransfer] }, signature: { keyType: 0, data: new Uint8Array(64) } });
  const at = encodeTransaction({ ...tx, actions: [] }).length + 1 + 1 + 14 + 12 + 4;
  t.is(txBytes[at], 3);
  for (const tag of [8, 14]) {
    const nested = txBytes.slice();
    nested[at] = tag;
    t.throws(() => parseSignedTransaction(nested), { instanceOf: BorshDecodeError });
  }
});

test('a contract adds and funds a gas key on its own account through the host functions; an allowance on a gas key fails NewReceiptValidationError', (t) => {
  const { node, gasKey } = setup();
  const pk = publicKeyBorsh(gasKey.publicKey);
  const u128 = (v: bigint) => Uint8Array.from({ length: 16 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  const code = program({
    imports: ['promise_batch_create', 'promise_batch_action_add_gas_key_with_full_access', 'promise_batch_action_transfer_to_gas_key', 'promise_batch_action_add_gas_key_with_function_call'],
    data: [[0, ALICE], [32, pk], [80, u128(NEAR)], [96, u128(5n)], [112, 'bob.test.near']],
    body: `(local $p i64)
      (local.set $p (call $promise_batch_create ${u64(15)} ${u64(0)}))
      (call $promise_batch_action_add_gas_key_with_full_access (local.get $p) ${u64(33)} ${u64(32)} ${u64(2)})
      (call $promise_batch_action_transfer_to_gas_key (local.get $p) ${u64(33)} ${u64(32)} ${u64(80)})`,
    extra: `(func (export "with_allowance")
      (call $promise_batch_action_add_gas_key_with_function_call (call $promise_batch_create ${u64(15)} ${u64(0)})
        ${u64(33)} ${u64(32)} ${u64(1)} ${u64(96)} ${u64(13)} ${u64(112)} ${u64(0)} ${u64(0)}))`,
  });
  node.deployContract(ALICE, code);
  const before = node.getBalance(ALICE);
  const r = node.call(ALICE, ALICE, 'main', undefined, { gas: 100n * TGAS });
  t.true(r.succeeded, JSON.stringify(r.receiptFailures));
  t.deepEqual(node.viewAccessKey(ALICE, gasKey.publicKey), { nonce: 0, permission: { GasKeyFullAccess: { balance: NEAR.toString(), num_nonces: 2 } } });
  t.is(node.viewGasKeyNonces(ALICE, gasKey.publicKey)!.length, 2);
  t.true(node.getBalance(ALICE) < before - NEAR);
  const denied = node.call(ALICE, ALICE, 'with_allowance', undefined, { gas: 100n * TGAS });
  t.deepEqual(denied.receiptFailures, [{ ActionError: { index: 0, kind: { NewReceiptValidationError: { ActionsValidation: 'GasKeyFunctionCallAllowanceNotAllowed' } } } }]);
});

test('fork mode: a remote gas key\'s nonce rows are read through (view_gas_key_nonces); written here they are local; deleting the key hides them', (t) => {
  const gasKey = KeyPair.fromSeed('remote gas key');
  const reads: string[] = [];
  const remoteKey = { nonce: 0n, permission: { type: 'GasKeyFullAccess', balance: NEAR, numNonces: 2 } as AccessKeyPermission };
  const source: StateSource = {
    account: () => ({ amount: NEAR, locked: 0n, codeHash: NO_CODE_HASH, storageUsage: 500n }),
    accessKey: () => remoteKey,
    accessKeys: () => [{ publicKey: gasKey.publicKey, accessKey: remoteKey }],
    code: () => undefined,
    data: () => undefined,
    dataWithPrefix: () => [],
    gasKeyNonces: (id) => (reads.push(id), [5n, 7n]),
  };
  const state = new State(undefined, source);
  t.is(state.getGasKeyNonce(ALICE, gasKey.publicKey, 1), 7n);
  t.deepEqual(reads, [ALICE]);
  state.setGasKeyNonce(ALICE, gasKey.publicKey, 1, 8n);
  t.is(state.getGasKeyNonce(ALICE, gasKey.publicKey, 1), 8n);
  t.is(state.getGasKeyNonce(ALICE, gasKey.publicKey, 0), 5n);
  state.removeAccessKey(ALICE, gasKey.publicKey);
  t.is(state.getGasKeyNonce(ALICE, gasKey.publicKey, 0), undefined);
});

import test from 'ava';
import { createSandbox, InvalidTransactionError, KeyPair, NEAR, ParseTransactionError, TGAS, type Sandbox } from '../../src/index.js';
import { decodeSignedTransaction, encodeSignedTransaction } from '../../src/primitives/transaction.js';
import { naj, signWithNaj5, signWithNaj7 } from './helpers.js';

const TRANSFER_GAS = 223_182_562_500n; // nearcore-runtime notes §1.4: 108_059_500_000 + 115_123_062_500
const GAS_PRICE = 100_000_000n; // nearcore MIN_GAS_PRICE (sandbox genesis)

function expectInvalid(t: any, fn: () => unknown, kind: unknown): void {
  const err = t.throws(fn, { instanceOf: InvalidTransactionError }) as InvalidTransactionError;
  t.deepEqual(err.kind, kind);
}

/** Everything observable about an account and its key, to show a rejected transaction changed nothing. */
function fingerprint(node: Sandbox, id: string, kp: KeyPair) {
  return { account: node.viewAccount(id), key: node.viewAccessKey(id, kp.publicKey), height: node.head.height };
}

test('transfer at PV 86: gas_burnt 223_182_562_500 at conversion and in the receipt; purchase/burn price difference refunded', (t) => {
  const node = createSandbox();
  const alice = node.createAccount('alice.test.near');
  node.createAccount('bob.test.near');
  const before = node.getBalance('alice.test.near');
  const r = node.transfer('alice.test.near', 'bob.test.near', 3n * NEAR);
  t.true(r.succeeded);
  t.is(r.transactionOutcome.outcome.gas_burnt, Number(TRANSFER_GAS));
  t.is(r.transactionOutcome.outcome.tokens_burnt, (TRANSFER_GAS * GAS_PRICE).toString());
  t.is(r.receipts[0]!.outcome.gas_burnt, Number(TRANSFER_GAS));
  t.is(r.receipts[0]!.outcome.executor_id, 'bob.test.near');
  // PV 85+: gas bought at min_gas_purchase_price 10^9, burnt at 10^8; the difference comes back as a refund receipt.
  t.is(r.receipts.length, 2);
  const refund = node.getReceipt(r.receipts[1]!.id) as any;
  t.is(refund.predecessor_id, 'system');
  t.deepEqual(refund.receipt.Action.actions, [{ Transfer: { deposit: ((1_000_000_000n - GAS_PRICE) * TRANSFER_GAS).toString() } }]);
  t.is(r.receipts[1]!.outcome.tokens_burnt, '0');
  t.is(node.getBalance('alice.test.near'), before - 3n * NEAR - 2n * TRANSFER_GAS * GAS_PRICE);
  t.is(node.getBalance('bob.test.near'), 103n * NEAR);
  t.is(r.gasBurnt, 3n * TRANSFER_GAS);
  t.is(alice.accountId, 'alice.test.near');
});

test('transfer at PV 77: pessimistic receipt price ceil(10^8·1.03) and a price-surplus refund receipt', (t) => {
  const node = createSandbox({ protocolVersion: 77 });
  node.createAccount('alice.test.near');
  node.createAccount('bob.test.near');
  const before = node.getBalance('alice.test.near');
  const r = node.transfer('alice.test.near', 'bob.test.near', NEAR);
  const actionReceipt = node.getReceipt(r.receipts[0]!.id) as any;
  t.is(actionReceipt.receipt.Action.gas_price, '103000000');
  const refund = node.getReceipt(r.receipts[1]!.id) as any;
  t.deepEqual(refund.receipt.Action.actions, [{ Transfer: { deposit: (3_000_000n * TRANSFER_GAS).toString() } }]);
  t.is(node.getBalance('alice.test.near'), before - NEAR - 2n * TRANSFER_GAS * GAS_PRICE);
});

test('self-transfer at PV 77 is a local receipt: executed in the inclusion block, exponent 0, no refund receipt', (t) => {
  const node = createSandbox({ protocolVersion: 77 });
  node.createAccount('alice.test.near');
  const r = node.transfer('alice.test.near', 'alice.test.near', NEAR);
  t.is(r.receipts.length, 1);
  t.is(r.receipts[0]!.block_hash, r.transactionOutcome.block_hash);
  t.is((node.getReceipt(r.receipts[0]!.id) as any).receipt.Action.gas_price, GAS_PRICE.toString());
});

test('near-api-js 5.1.1 and 7.3.1 signed transfers are accepted by sendTransaction', (t) => {
  const node = createSandbox();
  const alice = node.createAccount('alice.test.near');
  const nonce = node.getAccessKey('alice.test.near', alice.keyPair.publicKey)!.nonce;
  const r5 = node.sendTransaction(signWithNaj5(alice.keyPair.secretKey, 'alice.test.near', 'test.near', nonce + 1n, [naj.actions.transfer(5n)], node.head.hash));
  t.true(r5.succeeded);
  const kp7 = naj.KeyPair.fromString(alice.keyPair.secretKey as any);
  const r7 = node.sendTransaction(signWithNaj7(kp7, 'alice.test.near', 'test.near', nonce + 2n, [naj.actions.transfer(6n)], node.head.hash));
  t.true(r7.succeeded);
  t.is(r7.outcome.transaction.nonce, Number(nonce + 2n));
});

test('InvalidNonce: a nonce not above the key nonce is rejected and nothing changes', (t) => {
  const node = createSandbox();
  const alice = node.createAccount('alice.test.near');
  node.transfer('alice.test.near', 'test.near', 1n);
  const akNonce = node.getAccessKey('alice.test.near', alice.keyPair.publicKey)!.nonce;
  const before = fingerprint(node, 'alice.test.near', alice.keyPair);
  const bytes = node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { nonce: akNonce });
  expectInvalid(t, () => node.sendTransaction(bytes), { InvalidNonce: { tx_nonce: Number(akNonce), ak_nonce: Number(akNonce) } });
  t.deepEqual(fingerprint(node, 'alice.test.near', alice.keyPair), before);
});

test('NonceTooLarge: nonce ≥ block_height·10^6 of the block that would include it', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const upper = (node.head.height + 1n) * 1_000_000n;
  const bytes = node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { nonce: upper });
  expectInvalid(t, () => node.sendTransaction(bytes), { NonceTooLarge: { tx_nonce: Number(upper), upper_bound: Number(upper) } });
});

test('Expired: a block hash older than the 100-block validity period, or unknown', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const old = node.head;
  node.produceBlocks(100);
  // head − base = 100: still valid
  t.true(node.sendTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { blockHash: old.hash })).succeeded);
  const older = node.getBlock(old.height - 1n);
  expectInvalid(t, () => node.sendTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { blockHash: older.hash })), 'Expired');
  expectInvalid(t, () => node.sendTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { blockHash: new Uint8Array(32).fill(1) })), 'Expired');
});

test('InvalidSignature: a tampered signature or a key other than transaction.public_key', (t) => {
  const node = createSandbox();
  const alice = node.createAccount('alice.test.near');
  const before = fingerprint(node, 'alice.test.near', alice.keyPair);
  const st = decodeSignedTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }]));
  const sig = st.signature.data.slice();
  sig[0]! ^= 1;
  expectInvalid(t, () => node.sendTransaction(encodeSignedTransaction({ ...st, signature: { ...st.signature, data: sig } })), 'InvalidSignature');
  const other = KeyPair.fromLabel('someone else');
  expectInvalid(t, () => node.sendTransaction(encodeSignedTransaction({ ...st, signature: other.sign(new Uint8Array(32)) })), 'InvalidSignature');
  t.deepEqual(fingerprint(node, 'alice.test.near', alice.keyPair), before);
});

test('SignerDoesNotExist and AccessKeyNotFound', (t) => {
  const node = createSandbox();
  const ghost = KeyPair.fromLabel('ghost');
  expectInvalid(t, () => node.sendTransaction(node.signTransaction('ghost.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { keyPair: ghost, nonce: 1n })), {
    SignerDoesNotExist: { signer_id: 'ghost.test.near' },
  });
  expectInvalid(t, () => node.sendTransaction(node.signTransaction('test.near', 'near', [{ type: 'Transfer', deposit: 1n }], { keyPair: ghost, nonce: 1n })), {
    InvalidAccessKeyError: { AccessKeyNotFound: { account_id: 'test.near', public_key: ghost.publicKeyString } },
  });
});

test('NotEnoughBalance reports balance and total cost (gas at the purchase price + deposit)', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near', { balance: NEAR });
  const balance = node.getBalance('alice.test.near');
  const bytes = node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 2n * NEAR }]);
  // tx_cost: burnt 223_182_562_500 × 10^8 + exec 223_182_562_500 × max(10^8, 10^9) + deposit
  const cost = TRANSFER_GAS * GAS_PRICE + TRANSFER_GAS * 1_000_000_000n + 2n * NEAR;
  expectInvalid(t, () => node.sendTransaction(bytes), { NotEnoughBalance: { signer_id: 'alice.test.near', balance: balance.toString(), cost: cost.toString() } });
});

test('LackBalanceForState at verification: the signer must keep storage stake (accounts over 770 bytes)', (t) => {
  const node = createSandbox();
  // 1000 bytes of storage needs 10^22 yocto; patch an account that has 1 NEAR and 1000 bytes.
  const kp = KeyPair.fromLabel('heavy');
  node.patchState([
    { Account: { account_id: 'heavy.test.near', account: { amount: NEAR.toString(), locked: '0', code_hash: '11111111111111111111111111111111', storage_usage: 100_000 } } },
    { AccessKey: { account_id: 'heavy.test.near', public_key: kp.publicKeyString, access_key: { nonce: 0, permission: 'FullAccess' } } },
  ]);
  node.setKeyPair('heavy.test.near', kp);
  const bytes = node.signTransaction('heavy.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }]);
  const err = t.throws(() => node.sendTransaction(bytes), { instanceOf: InvalidTransactionError }) as InvalidTransactionError;
  t.is(err.variant, 'LackBalanceForState');
  const cost = TRANSFER_GAS * GAS_PRICE + TRANSFER_GAS * 1_000_000_000n + 1n;
  t.deepEqual(err.kind, { LackBalanceForState: { signer_id: 'heavy.test.near', amount: (100_000n * 10n ** 19n - (NEAR - cost)).toString() } });
});

test('function-call access key: RequiresFullAccess, DepositWithFunctionCall, ReceiverMismatch, MethodNameMismatch, NotEnoughAllowance', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const fk = KeyPair.fromLabel('fc key');
  t.true(
    node.signAndSendTransaction('alice.test.near', 'alice.test.near', [
      { type: 'AddKey', publicKey: fk.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: NEAR / 10n, receiverId: 'app.test.near', methodNames: ['ping'] } } },
    ]).succeeded,
  );
  const send = (receiver: string, actions: any[]) => () => node.sendTransaction(node.signTransaction('alice.test.near', receiver, actions, { keyPair: fk }));
  const call = (method: string, deposit = 0n, gas = 10n * TGAS) => ({ type: 'FunctionCall', methodName: method, args: new Uint8Array(), gas, deposit });
  expectInvalid(t, send('app.test.near', [{ type: 'Transfer', deposit: 1n }]), { InvalidAccessKeyError: 'RequiresFullAccess' });
  expectInvalid(t, send('app.test.near', [call('ping'), call('ping')]), { InvalidAccessKeyError: 'RequiresFullAccess' });
  expectInvalid(t, send('app.test.near', [call('ping', 1n)]), { InvalidAccessKeyError: 'DepositWithFunctionCall' });
  expectInvalid(t, send('other.test.near', [call('ping')]), { InvalidAccessKeyError: { ReceiverMismatch: { tx_receiver: 'other.test.near', ak_receiver: 'app.test.near' } } });
  expectInvalid(t, send('app.test.near', [call('pong')]), { InvalidAccessKeyError: { MethodNameMismatch: { method_name: 'pong' } } });
  const err = t.throws(send('app.test.near', [call('ping', 0n, 300n * TGAS)]), { instanceOf: InvalidTransactionError }) as InvalidTransactionError;
  t.is(Object.keys((err.kind as any).InvalidAccessKeyError)[0], 'NotEnoughAllowance');
  t.is((err.kind as any).InvalidAccessKeyError.NotEnoughAllowance.allowance, (NEAR / 10n).toString());
});

test('function-call key allowance is charged at conversion and topped up by the gas refund', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  node.createAccount('app.test.near');
  const fk = KeyPair.fromLabel('fc key 2');
  node.signAndSendTransaction('alice.test.near', 'alice.test.near', [
    { type: 'AddKey', publicKey: fk.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: NEAR, receiverId: 'app.test.near', methodNames: [] } } },
  ]);
  const r = node.sendTransaction(node.signTransaction('alice.test.near', 'app.test.near', [{ type: 'FunctionCall', methodName: 'x', args: new Uint8Array(), gas: 10n * TGAS, deposit: 0n }], { keyPair: fk }));
  // app has no code: CodeDoesNotExist, and the unused gas is refunded to the key's allowance
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: 'app.test.near' } } } } } });
  const ak = node.getAccessKey('alice.test.near', fk.publicKey)!;
  const allowance = (ak.permission as any).allowance as bigint;
  const spent = NEAR - allowance;
  // net cost = tokens burnt by the tx and the receipt (refund receipts burn nothing)
  t.is(spent, r.tokensBurnt);
});

test('malformed borsh: ParseTransactionError, nothing changes; V1 bytes: a parse error at 86, InvalidTransactionVersion at 77', (t) => {
  const node = createSandbox();
  const alice = node.createAccount('alice.test.near');
  const before = fingerprint(node, 'alice.test.near', alice.keyPair);
  const good = node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }]);
  t.throws(() => node.sendTransaction(good.slice(0, 20)), { instanceOf: ParseTransactionError, message: /Failed to decode transaction/ });
  t.throws(() => node.sendTransaction(new Uint8Array([...good, 7])), { instanceOf: ParseTransactionError });
  // PV 86 decodes TransactionV1 (GasKeys): these bytes are a truncated one
  t.throws(() => node.sendTransaction(new Uint8Array([1, 15, 0, 0, 0])), { instanceOf: ParseTransactionError });
  t.deepEqual(fingerprint(node, 'alice.test.near', alice.keyPair), before);
  expectInvalid(t, () => createSandbox({ protocolVersion: 77 }).sendTransaction(new Uint8Array([1, 15, 0, 0, 0])), 'InvalidTransactionVersion');
});

test('ActionsValidation: zero gas, oversized args, too many actions, DeleteAccount not last, prepaid gas over the limit', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const send = (actions: any[]) => () => node.sendTransaction(node.signTransaction('alice.test.near', 'test.near', actions));
  const fc = (args: Uint8Array, gas: bigint) => ({ type: 'FunctionCall', methodName: 'm', args, gas, deposit: 0n });
  expectInvalid(t, send([fc(new Uint8Array(), 0n)]), { ActionsValidation: 'FunctionCallZeroAttachedGas' });
  const limit = node.config.wasm.maxArgumentsLength;
  expectInvalid(t, send([fc(new Uint8Array(limit + 1), TGAS)]), { ActionsValidation: { FunctionCallArgumentsLengthExceeded: { length: limit + 1, limit } } });
  expectInvalid(t, send(Array.from({ length: 101 }, () => ({ type: 'Transfer', deposit: 1n }))), { ActionsValidation: { TotalNumberOfActionsExceeded: { total_number_of_actions: 101, limit: 100 } } });
  expectInvalid(t, send([{ type: 'DeleteAccount', beneficiaryId: 'test.near' }, { type: 'Transfer', deposit: 1n }]), { ActionsValidation: 'DeleteActionMustBeFinal' });
  const max = node.config.limits.maxTotalPrepaidGas;
  expectInvalid(t, send([fc(new Uint8Array(), max), fc(new Uint8Array(), 1n)]), { ActionsValidation: { TotalPrepaidGasExceeded: { total_prepaid_gas: Number(max + 1n), limit: Number(max) } } });
});

test('submitTransaction queues; the transaction runs in the next produced block', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const hash = node.submitTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 5n }]));
  const h = node.head.height;
  node.produceBlocks(1);
  const r1 = node.getTransactionOutcome(hash);
  // converted to its receipt, which has not run: nearcore's Started (views.rs FinalExecutionStatus), not NotStarted
  t.is(r1.status, 'Started');
  t.is(node.getBlock(h + 1n).transactions[0], hash);
  node.produceBlocks(2);
  t.true(node.getTransactionOutcome(hash).succeeded);
});

test('PV 77 pessimistic price for attached gas: exp = 1 + prepaid / min_receipt_with_function_call_gas (config.rs tx_cost)', (t) => {
  const node = createSandbox({ protocolVersion: 77 });
  node.createAccount('alice.test.near');
  const f = node.config.actionFees;
  // Fee::min_send_and_exec_fee of new_action_receipt + function_call_base (core/parameters cost.rs)
  const minReceiptGas = f.newActionReceipt.sendSir + f.newActionReceipt.execution + f.functionCallBase.sendSir + f.functionCallBase.execution;
  t.is(minReceiptGas, 1_196_119_000_000n);
  const gas = 30n * TGAS;
  const exp = 1n + gas / minReceiptGas;
  const price = (GAS_PRICE * 103n ** exp + 100n ** exp - 1n) / 100n ** exp;
  const r = node.call('alice.test.near', 'test.near', 'anything', undefined, { gas });
  t.is((node.getReceipt(r.receipts[0]!.id) as any).receipt.Action.gas_price, price.toString());
});

test('a transaction invalid at inclusion (same nonce twice in a block): PV 86 records a failure outcome, PV 77 drops it', (t) => {
  for (const pv of [86, 77]) {
    const node = createSandbox({ protocolVersion: pv });
    const alice = node.createAccount('alice.test.near');
    const nonce = node.getAccessKey('alice.test.near', alice.keyPair.publicKey)!.nonce + 1n;
    const first = node.submitTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { nonce }));
    const second = node.submitTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 2n }], { nonce }));
    node.produceBlocks(3);
    t.true(node.getTransactionOutcome(first).succeeded);
    const invalid = { InvalidNonce: { tx_nonce: Number(nonce), ak_nonce: Number(nonce) } };
    if (pv >= 83) {
      const r = node.getTransactionOutcome(second);
      t.deepEqual(r.failure, { InvalidTxError: invalid });
      t.is(r.transactionOutcome.outcome.gas_burnt, 0);
      t.deepEqual(r.receipts, []);
    } else {
      const err = t.throws(() => node.getTransactionOutcome(second), { instanceOf: InvalidTransactionError }) as InvalidTransactionError;
      t.deepEqual(err.kind, invalid);
    }
  }
});

test('a transaction dropped invalid at inclusion (PV 77, no outcome) sent again is refused InvalidNonce: nearcore\'s tx_exists finds transactions by their outcome (chain/jsonrpc send_tx_internal); at PV 86 its failure outcome is found and answered', (t) => {
  for (const pv of [77, 86]) {
    const node = createSandbox({ protocolVersion: pv });
    const alice = node.createAccount('alice.test.near');
    const nonce = node.getAccessKey('alice.test.near', alice.keyPair.publicKey)!.nonce + 1n;
    node.submitTransaction(node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 1n }], { nonce }));
    const dropped = node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: 2n }], { nonce });
    const hash = node.submitTransaction(dropped);
    node.produceBlocks(3);
    const invalid = { InvalidNonce: { tx_nonce: Number(nonce), ak_nonce: Number(nonce) } };
    if (pv >= 83) t.is(node.submitTransaction(dropped), hash, 'PV 86: found by its failure outcome');
    else expectInvalid(t, () => node.submitTransaction(dropped), invalid);
  }
});

test('sending the same signed transaction twice returns the first outcome (no InvalidNonce, no second execution)', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const bytes = node.signTransaction('alice.test.near', 'test.near', [{ type: 'Transfer', deposit: NEAR }]);
  const first = node.sendTransaction(bytes);
  const balance = node.getBalance('alice.test.near');
  const height = node.head.height;
  const again = node.sendTransaction(bytes);
  t.is(node.head.height, height);
  t.is(again.hash, first.hash);
  t.deepEqual(again.outcome.transaction_outcome, first.outcome.transaction_outcome);
  t.is(node.getBalance('alice.test.near'), balance);
});

import test from 'ava';
import { createSandbox, NEAR, TGAS, type Sandbox } from '../../src/index.js';
import { naj } from './helpers.js';

/** A NEP-366 SignedDelegateAction built and signed by near-api-js 7.x, wrapped by a relayer tx. */
async function relay(node: Sandbox, opts: { sender: string; senderKey: string; receiver: string; actions: any[]; nonce?: bigint; maxBlockHeight?: bigint; relayer?: string }) {
  const kp = naj.KeyPair.fromString(opts.senderKey as any);
  const ak = node.getAccessKey(opts.sender, kp.getPublicKey().toString());
  const delegate = naj.buildDelegateAction({
    actions: opts.actions,
    maxBlockHeight: opts.maxBlockHeight ?? node.head.height + 100n,
    nonce: opts.nonce ?? (ak ? ak.nonce + 1n : 1n),
    publicKey: kp.getPublicKey(),
    receiverId: opts.receiver,
    senderId: opts.sender,
  });
  const { signedDelegate } = await new naj.KeyPairSigner(kp).signDelegateAction(delegate);
  const relayer = opts.relayer ?? 'relayer.test.near';
  // the relayer's tx carries the naj-encoded SignedDelegate as a borsh action (tag 8)
  const bytes = naj.encodeSignedDelegate(signedDelegate);
  const { decodeSignedDelegateAction } = await import('../../src/primitives/transaction.js');
  return node.signAndSendTransaction(relayer, opts.sender, [{ type: 'Delegate', signedDelegate: decodeSignedDelegateAction(bytes) }]);
}

function setup() {
  const node = createSandbox();
  const sender = node.createAccount('sender.test.near', { balance: 10n * NEAR });
  node.createAccount('relayer.test.near', { balance: 50n * NEAR });
  node.createAccount('bob.test.near');
  return { node, senderKey: sender.keyPair.secretKey };
}

test('delegate action (NEP-366): inner transfer runs as sender → receiver, relayer pays gas and deposit', async (t) => {
  const { node, senderKey } = setup();
  const senderBefore = node.getBalance('sender.test.near');
  const relayerBefore = node.getBalance('relayer.test.near');
  const r = await relay(node, { sender: 'sender.test.near', senderKey, receiver: 'bob.test.near', actions: [naj.actions.transfer(2n * NEAR)] });
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.is(node.getBalance('bob.test.near'), 102n * NEAR);
  // the relayer's tx cost includes the inner deposit (config.rs total_deposit), so the sender's balance is untouched
  t.is(node.getBalance('sender.test.near'), senderBefore);
  t.is(node.getBalance('relayer.test.near'), relayerBefore - 2n * NEAR - r.tokensBurnt);
  const inner = r.receipts.map((o) => node.getReceipt(o.id) as any).find((x) => x.receiver_id === 'bob.test.near');
  t.is(inner.predecessor_id, 'sender.test.near');
  t.is(inner.receipt.Action.signer_id, 'relayer.test.near');
  const f = node.config.actionFees;
  // tx burnt gas: new receipt + delegate send + inner send fees (outer sir = false)
  t.is(BigInt(r.transactionOutcome.outcome.gas_burnt), f.newActionReceipt.sendNotSir + f.delegate.sendNotSir + f.transfer.sendNotSir);
});

test('delegate action nonce is consumed: replay gives DelegateActionInvalidNonce', async (t) => {
  const { node, senderKey } = setup();
  const first = await relay(node, { sender: 'sender.test.near', senderKey, receiver: 'bob.test.near', actions: [naj.actions.transfer(1n)] });
  t.true(first.succeeded);
  const used = node.getAccessKey('sender.test.near', naj.KeyPair.fromString(senderKey as any).getPublicKey().toString())!.nonce;
  const replay = await relay(node, { sender: 'sender.test.near', senderKey, receiver: 'bob.test.near', actions: [naj.actions.transfer(1n)], nonce: used });
  t.deepEqual(replay.failure, { ActionError: { index: 0, kind: { DelegateActionInvalidNonce: { delegate_nonce: Number(used), ak_nonce: Number(used) } } } });
});

test('DelegateActionExpired when the block height passes max_block_height', async (t) => {
  const { node, senderKey } = setup();
  const r = await relay(node, { sender: 'sender.test.near', senderKey, receiver: 'bob.test.near', actions: [naj.actions.transfer(1n)], maxBlockHeight: node.head.height });
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: 'DelegateActionExpired' } });
});

test('DelegateActionInvalidSignature when signed by another key; deposit refunded to the relayer', async (t) => {
  const { node } = setup();
  const other = naj.KeyPair.fromRandom('ed25519');
  // the key is not on sender's account either; the signature check comes first in nearcore
  const delegate = naj.buildDelegateAction({
    actions: [naj.actions.transfer(NEAR)],
    maxBlockHeight: node.head.height + 100n,
    nonce: 1n,
    publicKey: naj.KeyPair.fromString(node.keyPairOf('sender.test.near')!.secretKey as any).getPublicKey(),
    receiverId: 'bob.test.near',
    senderId: 'sender.test.near',
  });
  const { signedDelegate } = await new naj.KeyPairSigner(naj.KeyPair.fromString(node.keyPairOf('sender.test.near')!.secretKey as any)).signDelegateAction(delegate);
  const { decodeSignedDelegateAction } = await import('../../src/primitives/transaction.js');
  const sd = decodeSignedDelegateAction(naj.encodeSignedDelegate(signedDelegate));
  const forged = { ...sd, signature: { keyType: sd.signature.keyType, data: other.sign(new Uint8Array(32)).signature } };
  const before = node.getBalance('relayer.test.near');
  const r = node.signAndSendTransaction('relayer.test.near', 'sender.test.near', [{ type: 'Delegate', signedDelegate: forged }]);
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: 'DelegateActionInvalidSignature' } });
  t.is(node.getBalance('relayer.test.near'), before - r.tokensBurnt);
});

test('DelegateActionSenderDoesNotMatchTxReceiver and DelegateActionAccessKeyError', async (t) => {
  const { node, senderKey } = setup();
  const kp = naj.KeyPair.fromString(senderKey as any);
  const delegate = naj.buildDelegateAction({
    actions: [naj.actions.transfer(1n)], maxBlockHeight: node.head.height + 100n, nonce: 5n, publicKey: kp.getPublicKey(), receiverId: 'bob.test.near', senderId: 'sender.test.near',
  });
  const { signedDelegate } = await new naj.KeyPairSigner(kp).signDelegateAction(delegate);
  const { decodeSignedDelegateAction } = await import('../../src/primitives/transaction.js');
  const sd = decodeSignedDelegateAction(naj.encodeSignedDelegate(signedDelegate));
  const wrong = node.signAndSendTransaction('relayer.test.near', 'bob.test.near', [{ type: 'Delegate', signedDelegate: sd }]);
  t.deepEqual(wrong.failure, { ActionError: { index: 0, kind: { DelegateActionSenderDoesNotMatchTxReceiver: { sender_id: 'sender.test.near', receiver_id: 'bob.test.near' } } } });
  // remove the key, then the same delegate action has no key to check against
  node.signAndSendTransaction('sender.test.near', 'sender.test.near', [{ type: 'AddKey', publicKey: node.keyPairOf('bob.test.near')!.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } }]);
  node.signAndSendTransaction('sender.test.near', 'sender.test.near', [{ type: 'DeleteKey', publicKey: node.keyPairOf('sender.test.near')!.publicKey }]);
  const nokey = node.signAndSendTransaction('relayer.test.near', 'sender.test.near', [{ type: 'Delegate', signedDelegate: sd }]);
  t.deepEqual(nokey.failure, { ActionError: { index: 0, kind: { DelegateActionAccessKeyError: { AccessKeyNotFound: { account_id: 'sender.test.near', public_key: kp.getPublicKey().toString() } } } } });
});

test('a failing inner action: its deposit goes back to the sender (inner predecessor), gas to the relayer', async (t) => {
  const { node, senderKey } = setup();
  const senderBefore = node.getBalance('sender.test.near');
  const r = await relay(node, { sender: 'sender.test.near', senderKey, receiver: 'nobody.test.near', actions: [naj.actions.transfer(3n * NEAR)] });
  t.true(r.succeeded); // the outer receipt succeeded: final status follows the delegate receipt
  const innerOutcome = r.receipts.find((o) => o.outcome.executor_id === 'nobody.test.near')!;
  t.deepEqual(innerOutcome.outcome.status, { Failure: { ActionError: { index: 0, kind: { AccountDoesNotExist: { account_id: 'nobody.test.near' } } } } });
  // sender receives the 3 NEAR the relayer paid for
  t.is(node.getBalance('sender.test.near'), senderBefore + 3n * NEAR);
});

test('function-call delegate with a function-call key: allowed receiver/method; deposit rejected', async (t) => {
  const { node } = setup();
  const fk = naj.KeyPair.fromRandom('ed25519');
  const { parsePublicKey } = await import('../../src/primitives/crypto.js');
  node.signAndSendTransaction('sender.test.near', 'sender.test.near', [
    { type: 'AddKey', publicKey: parsePublicKey(fk.getPublicKey().toString()), accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: null, receiverId: 'bob.test.near', methodNames: ['hi'] } } },
  ]);
  const r = await relay(node, { sender: 'sender.test.near', senderKey: fk.toString(), receiver: 'bob.test.near', actions: [naj.actions.functionCall('hi', new Uint8Array(), 5n * TGAS, 1n)] });
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: { DelegateActionAccessKeyError: 'DepositWithFunctionCall' } } });
  const ok = await relay(node, { sender: 'sender.test.near', senderKey: fk.toString(), receiver: 'bob.test.near', actions: [naj.actions.functionCall('hi', new Uint8Array(), 5n * TGAS, 0n)] });
  t.true(ok.succeeded);
  const inner = ok.receipts.find((o) => o.outcome.executor_id === 'bob.test.near')!;
  t.deepEqual(inner.outcome.status, { Failure: { ActionError: { index: 0, kind: { FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: 'bob.test.near' } } } } } } });
});

test('PV 86 instant receipts: a delegated [DeleteAccount] runs in the same block as the delegate receipt; PV 77 one block later', async (t) => {
  for (const [pv, sameBlock] of [[86, true], [77, false]] as const) {
    const node = createSandbox({ protocolVersion: pv });
    const sender = node.createAccount('sender.test.near', { balance: 10n * NEAR });
    node.createAccount('relayer.test.near', { balance: 50n * NEAR });
    const r = await relay(node, { sender: 'sender.test.near', senderKey: sender.keyPair.secretKey, receiver: 'sender.test.near', actions: [naj.actions.deleteAccount('relayer.test.near')], relayer: 'relayer.test.near' });
    t.true(r.succeeded, JSON.stringify(r.failure));
    const [outer, inner] = r.receipts;
    t.is(inner!.outcome.executor_id, 'sender.test.near');
    t.is(inner!.block_hash === outer!.block_hash, sameBlock, `PV ${pv}`);
    t.throws(() => node.viewAccount('sender.test.near'));
  }
});

test('deposit with a function-call key in a delegate: PV 86 reports DepositWithFunctionCall first, PV 77 lets a receiver mismatch overwrite it', async (t) => {
  for (const [pv, expected] of [[86, 'DepositWithFunctionCall'], [77, { ReceiverMismatch: { tx_receiver: 'carol.test.near', ak_receiver: 'bob.test.near' } }]] as const) {
    const node = createSandbox({ protocolVersion: pv });
    node.createAccount('sender.test.near', { balance: 10n * NEAR });
    node.createAccount('relayer.test.near', { balance: 50n * NEAR });
    node.createAccount('carol.test.near');
    const fk = naj.KeyPair.fromRandom('ed25519');
    const { parsePublicKey } = await import('../../src/primitives/crypto.js');
    node.signAndSendTransaction('sender.test.near', 'sender.test.near', [
      { type: 'AddKey', publicKey: parsePublicKey(fk.getPublicKey().toString()), accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: null, receiverId: 'bob.test.near', methodNames: [] } } },
    ]);
    const r = await relay(node, { sender: 'sender.test.near', senderKey: fk.toString(), receiver: 'carol.test.near', actions: [naj.actions.functionCall('hi', new Uint8Array(), 5n * TGAS, 1n)] });
    t.deepEqual(r.failure, { ActionError: { index: 0, kind: { DelegateActionAccessKeyError: expected } } }, `PV ${pv}`);
  }
});

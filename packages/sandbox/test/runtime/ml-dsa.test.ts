/**
 * ML-DSA-65 access keys and signatures (NEP-645, protocol feature PostQuantumSignatures at 85; neard 2.13.x runs 86).
 * Sources: near/NEPs neps/nep-0645.md; near/nearcore core/crypto/src/signature.rs (`ml-dsa-65:` string form, borsh tag 2,
 * 1952-byte keys, 3309-byte signatures, `PublicKeyHandle` tag 3 = SHA3-256(b"near:ml-dsa-65-pubkey-hash:v1" ‖ key),
 * `ml-dsa-65-hash:` in views), core/crypto/src/hash_domain.rs, runtime/runtime/src/config.rs (`signature_verification_cost`:
 * burnt at conversion, once for the signer and once per Delegate inner signer), the 86 config snapshot
 * (`ml_dsa_65_verification_cost` 100_000_000_000), core/primitives/src/transaction.rs (`check_valid_for_config`:
 * InvalidTransactionVersion before 85) and action_validation.rs (`UnsupportedProtocolFeature` for receipts before 85).
 */
import test from 'ava';
import { createRequire } from 'node:module';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { base58 } from '@scure/base';
import { createSandbox, InvalidTransactionError, KeyPair, KeyType, NEAR, ParseTransactionError, parsePublicKey, TGAS, type Sandbox } from '../../src/index.js';
import { decodeSignedTransaction, delegateActionHash, encodeSignedTransaction, transactionHash, type DelegateAction } from '../../src/primitives/transaction.js';
import { naj, signWithNaj7 } from './helpers.js';

const TRANSFER_GAS = 223_182_562_500n; // new_action_receipt 108_059_500_000 + transfer 115_123_062_500 (86 snapshot)
const ML_DSA_65_VERIFICATION_COST = 100_000_000_000n; // near_parameters__config_store__tests__86.json.snap @11babcf8
const GAS_PRICE = 100_000_000n; // MIN_GAS_PRICE of the sandbox genesis
const FULL_ACCESS = { nonce: 0n, permission: { type: 'FullAccess' as const } };

const require = createRequire(import.meta.url);
const wabtInit = require('wabt') as () => Promise<any>;

/** The on-trie handle as NEP-645 specifies it, worked out here independently of the node. */
function expectedHandle(publicKey: Uint8Array): string {
  const domain = new TextEncoder().encode('near:ml-dsa-65-pubkey-hash:v1');
  return 'ml-dsa-65-hash:' + base58.encode(sha3_256(new Uint8Array([...domain, ...publicKey])));
}

function expectInvalid(t: any, fn: () => unknown, kind: unknown): void {
  const err = t.throws(fn, { instanceOf: InvalidTransactionError }) as InvalidTransactionError;
  t.deepEqual(err.kind, kind);
}

/** alice with her ed25519 key and an ML-DSA-65 full-access key added by an ed25519-signed AddKey. */
function withPostQuantumKey(protocolVersion = 86) {
  const node = createSandbox({ protocolVersion });
  node.createAccount('alice.test.near', { balance: 10n * NEAR });
  node.createAccount('bob.test.near');
  const pq = KeyPair.random(KeyType.MLDSA65);
  return { node, pq };
}

function addKey(node: Sandbox, accountId: string, pq: KeyPair) {
  return node.signAndSendTransaction(accountId, accountId, [{ type: 'AddKey', publicKey: pq.publicKey, accessKey: FULL_ACCESS }]);
}

test('ML-DSA-65 key strings: ml-dsa-65:<base58 of 1952 bytes>; a 1951-byte key is refused with nearcore ParseKeyError::InvalidLength text', (t) => {
  const pq = KeyPair.random(KeyType.MLDSA65);
  t.regex(pq.publicKeyString, /^ml-dsa-65:[1-9A-HJ-NP-Za-km-z]+$/);
  t.is(pq.publicKey.data.length, 1952);
  t.deepEqual(parsePublicKey(pq.publicKeyString), pq.publicKey);
  t.deepEqual(parsePublicKey(pq.publicKeyString.replace('ml-dsa-65', 'ML-DSA-65')), pq.publicKey, 'nearcore lowercases the key type');
  const short = 'ml-dsa-65:' + base58.encode(pq.publicKey.data.subarray(1));
  t.throws(() => parsePublicKey(short), { message: 'invalid key length: expected the input of 1952 bytes, but 1951 was given' });
  // the secret key round-trips in nearcore's / near-api-js's form (4032-byte FIPS 204 private key)
  t.deepEqual(KeyPair.fromString(pq.secretKey).publicKey, pq.publicKey);
  t.is(base58.decode(pq.secretKey.slice('ml-dsa-65:'.length)).length, 4032);
});

test('at 86: AddKey of an ML-DSA-65 key; view_access_key by the full key; the list shows ml-dsa-65-hash:<SHA3-256 handle>; storage grows by 33 + 9 + 40 (trie_id_len)', (t) => {
  const { node, pq } = withPostQuantumKey();
  const before = node.viewAccount('alice.test.near').storage_usage;
  const r = addKey(node, 'alice.test.near', pq);
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.is(node.viewAccessKey('alice.test.near', pq.publicKeyString).permission, 'FullAccess');
  const listed = node.viewAccessKeys('alice.test.near').map((k) => k.public_key);
  t.true(listed.includes(expectedHandle(pq.publicKey.data)), JSON.stringify(listed));
  t.false(listed.includes(pq.publicKeyString), 'the full key is not in state');
  // nearcore access_key_storage_usage: trie_id_len (1 + 32) + borsh(AccessKey full access) 9 + num_extra_bytes_record 40
  t.is(node.viewAccount('alice.test.near').storage_usage, before + 33 + 9 + 40);
  // the receipt shows the key in full, as an Action view does
  const receipt = node.getReceipt(r.receipts[0]!.id) as any;
  t.is(receipt.receipt.Action.actions[0].AddKey.public_key, pq.publicKeyString);
});

test('a transfer signed with the ML-DSA-65 key: 100 Ggas more burnt at conversion, the receipt burns what an ed25519 one does', (t) => {
  const { node, pq } = withPostQuantumKey();
  addKey(node, 'alice.test.near', pq);
  const aliceBefore = node.getBalance('alice.test.near');
  const r = node.sendTransaction(node.signTransaction('alice.test.near', 'bob.test.near', [{ type: 'Transfer', deposit: NEAR }], { keyPair: pq }));
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.is(BigInt(r.transactionOutcome.outcome.gas_burnt), TRANSFER_GAS + ML_DSA_65_VERIFICATION_COST);
  t.is(r.transactionOutcome.outcome.tokens_burnt, ((TRANSFER_GAS + ML_DSA_65_VERIFICATION_COST) * GAS_PRICE).toString());
  t.is(BigInt(r.receipts[0]!.outcome.gas_burnt), TRANSFER_GAS);
  t.is(node.getBalance('bob.test.near'), 101n * NEAR);
  t.is(node.getBalance('alice.test.near'), aliceBefore - NEAR - (2n * TRANSFER_GAS + ML_DSA_65_VERIFICATION_COST) * GAS_PRICE);
  // the nonce of the ML-DSA key moved; the receipt carries the full signer key
  t.is(BigInt(node.viewAccessKey('alice.test.near', pq.publicKey).nonce), BigInt(r.outcome.transaction.nonce));
  t.is((node.getReceipt(r.receipts[0]!.id) as any).receipt.Action.signer_public_key, pq.publicKeyString);
});

test('near-api-js 7.3.1 KeyPairMLDSA65 (ml-dsa-65:<secret>) signs a transaction the node accepts; our KeyPair reads its secret', (t) => {
  const { node } = withPostQuantumKey();
  const kp = naj.KeyPair.fromRandom('ml-dsa-65' as any);
  const publicKey = parsePublicKey(kp.getPublicKey().toString());
  t.is(publicKey.keyType, KeyType.MLDSA65);
  t.deepEqual(KeyPair.fromString(kp.toString()).publicKey, publicKey);
  t.true(node.signAndSendTransaction('alice.test.near', 'alice.test.near', [{ type: 'AddKey', publicKey, accessKey: FULL_ACCESS }]).succeeded);
  const nonce = node.getAccessKey('alice.test.near', publicKey)!.nonce + 1n;
  const bytes = signWithNaj7(kp, 'alice.test.near', 'bob.test.near', nonce, [naj.actions.transfer(7n)], node.head.hash);
  const r = node.sendTransaction(bytes);
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.is(node.getBalance('bob.test.near'), 100n * NEAR + 7n);
});

test('wrong signature: a flipped byte, or another ML-DSA-65 key signing, is InvalidSignature and changes nothing', (t) => {
  const { node, pq } = withPostQuantumKey();
  addKey(node, 'alice.test.near', pq);
  const seen = () => ({ account: node.viewAccount('alice.test.near'), key: node.viewAccessKey('alice.test.near', pq.publicKey), height: node.head.height });
  const before = seen();
  const st = decodeSignedTransaction(node.signTransaction('alice.test.near', 'bob.test.near', [{ type: 'Transfer', deposit: 1n }], { keyPair: pq }));
  t.is(st.signature.data.length, 3309);
  const flipped = st.signature.data.slice();
  flipped[100]! ^= 1;
  expectInvalid(t, () => node.sendTransaction(encodeSignedTransaction({ ...st, signature: { ...st.signature, data: flipped } })), 'InvalidSignature');
  const other = KeyPair.random(KeyType.MLDSA65);
  expectInvalid(t, () => node.sendTransaction(encodeSignedTransaction({ ...st, signature: other.sign(new Uint8Array(32)) })), 'InvalidSignature');
  // a signature of another scheme under an ML-DSA key does not verify either (Signature::verify: `_ => false`)
  expectInvalid(t, () => node.sendTransaction(encodeSignedTransaction({ ...st, signature: KeyPair.fromLabel('x').sign(new Uint8Array(32)) })), 'InvalidSignature');
  t.deepEqual(seen(), before);
});

test('wrong length: a signature one byte short or long does not decode (borsh reads exactly 3309 bytes): a parse error, nothing changes', (t) => {
  const { node, pq } = withPostQuantumKey();
  addKey(node, 'alice.test.near', pq);
  const before = node.viewAccount('alice.test.near');
  const bytes = node.signTransaction('alice.test.near', 'bob.test.near', [{ type: 'Transfer', deposit: 1n }], { keyPair: pq });
  t.throws(() => node.sendTransaction(bytes.subarray(0, bytes.length - 1)), { instanceOf: ParseTransactionError, message: /^Failed to decode transaction/ });
  t.throws(() => node.sendTransaction(new Uint8Array([...bytes, 0])), { instanceOf: ParseTransactionError, message: /^Failed to decode transaction/ });
  t.deepEqual(node.viewAccount('alice.test.near'), before);
});

test('DeleteKey by the full ML-DSA-65 key removes the handle entry and gives its storage back', (t) => {
  const { node, pq } = withPostQuantumKey();
  const before = node.viewAccount('alice.test.near').storage_usage;
  addKey(node, 'alice.test.near', pq);
  const r = node.signAndSendTransaction('alice.test.near', 'alice.test.near', [{ type: 'DeleteKey', publicKey: pq.publicKey }]);
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.is(node.getAccessKey('alice.test.near', pq.publicKey), undefined);
  t.is(node.viewAccount('alice.test.near').storage_usage, before);
  expectInvalid(t, () => node.sendTransaction(node.signTransaction('alice.test.near', 'bob.test.near', [{ type: 'Transfer', deposit: 1n }], { keyPair: pq, nonce: 10n ** 9n })), {
    InvalidAccessKeyError: { AccessKeyNotFound: { account_id: 'alice.test.near', public_key: pq.publicKeyString } },
  });
});

/** A NEP-366 delegate action of `sender` signed with `signer`, relayed by bob. */
function relay(node: Sandbox, sender: string, signer: KeyPair, opts: { signature?: Uint8Array; relayerKey?: KeyPair } = {}) {
  const delegateAction: DelegateAction = {
    senderId: sender,
    receiverId: 'bob.test.near',
    actions: [{ type: 'Transfer', deposit: 5n }],
    nonce: node.getAccessKey(sender, signer.publicKey)!.nonce + 1n,
    maxBlockHeight: node.head.height + 100n,
    publicKey: signer.publicKey,
  };
  const signature = signer.sign(delegateActionHash(delegateAction));
  if (opts.signature) signature.data = opts.signature;
  const bytes = node.signTransaction('bob.test.near', sender, [{ type: 'Delegate', signedDelegate: { delegateAction, signature } }], { keyPair: opts.relayerKey });
  return node.sendTransaction(bytes);
}

test('delegate action (NEP-366) signed by an ML-DSA-65 key runs; the relayer pays 100 Ggas more at conversion; a bad signature is DelegateActionInvalidSignature', (t) => {
  const { node, pq } = withPostQuantumKey();
  addKey(node, 'alice.test.near', pq);
  const edRelay = relay(node, 'alice.test.near', node.keyPairOf('alice.test.near')!);
  const pqRelay = relay(node, 'alice.test.near', pq);
  t.true(pqRelay.succeeded, JSON.stringify(pqRelay.failure));
  t.is(BigInt(pqRelay.transactionOutcome.outcome.gas_burnt), BigInt(edRelay.transactionOutcome.outcome.gas_burnt) + ML_DSA_65_VERIFICATION_COST);
  // an ML-DSA relayer key wrapping an ML-DSA delegate: two verifications (config.rs tests, outer + inner)
  const relayerPq = KeyPair.random(KeyType.MLDSA65);
  addKey(node, 'bob.test.near', relayerPq);
  const both = relay(node, 'alice.test.near', pq, { relayerKey: relayerPq });
  t.true(both.succeeded, JSON.stringify(both.failure));
  t.is(BigInt(both.transactionOutcome.outcome.gas_burnt), BigInt(edRelay.transactionOutcome.outcome.gas_burnt) + 2n * ML_DSA_65_VERIFICATION_COST);
  const bad = new Uint8Array(3309);
  const r = relay(node, 'alice.test.near', pq, { signature: bad });
  t.deepEqual(r.failure, { ActionError: { index: 0, kind: 'DelegateActionInvalidSignature' } });
});

test('ML-DSA-65 signatures are FIPS 204 pure ML-DSA over the transaction hash with an empty context (what aws-lc verifies)', (t) => {
  const { node, pq } = withPostQuantumKey();
  const st = decodeSignedTransaction(node.signTransaction('alice.test.near', 'bob.test.near', [{ type: 'Transfer', deposit: 1n }], { keyPair: pq, nonce: 1n }));
  t.true(ml_dsa65.verify(st.signature.data, transactionHash(st.transaction), pq.publicKey.data));
  t.false(ml_dsa65.verify(st.signature.data, transactionHash(st.transaction), pq.publicKey.data, { context: new Uint8Array([1]) }));
});

/** A contract whose `add` method adds the borsh public key given as input to its own account (full access). */
async function keyAdderWasm(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('adder.wat', `(module
    (import "env" "input" (func $input (param i64)))
    (import "env" "register_len" (func $register_len (param i64) (result i64)))
    (import "env" "read_register" (func $read_register (param i64 i64)))
    (import "env" "current_account_id" (func $current_account_id (param i64)))
    (import "env" "promise_batch_create" (func $promise_batch_create (param i64 i64) (result i64)))
    (import "env" "promise_batch_action_add_key_with_full_access" (func $add_key (param i64 i64 i64 i64)))
    (memory 1)
    (func (export "add") (local $p i64)
      (call $input (i64.const 0))
      (call $read_register (i64.const 0) (i64.const 0))
      (call $current_account_id (i64.const 1))
      (call $read_register (i64.const 1) (i64.const 8192))
      (local.set $p (call $promise_batch_create (call $register_len (i64.const 1)) (i64.const 8192)))
      (call $add_key (local.get $p) (call $register_len (i64.const 0)) (i64.const 0) (i64.const 0))))`);
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return new Uint8Array(buffer);
}

test('at 77 (before PostQuantumSignatures): AddKey of an ML-DSA-65 key and an ML-DSA-signed transaction are InvalidTransactionVersion; a contract adding one fails with UnsupportedProtocolFeature', async (t) => {
  const { node, pq } = withPostQuantumKey(77);
  const before = node.viewAccount('alice.test.near');
  expectInvalid(t, () => addKey(node, 'alice.test.near', pq), 'InvalidTransactionVersion');
  expectInvalid(t, () => node.sendTransaction(node.signTransaction('alice.test.near', 'bob.test.near', [{ type: 'Transfer', deposit: 1n }], { keyPair: pq, nonce: 1n })), 'InvalidTransactionVersion');
  // a gas-key action naming an ML-DSA-65 key: at 77 the action itself does not decode (neard 2.6.2's Action ends
  // at tag 10), before any post-quantum gate (action-versions.ts, readme-actions.test.ts)
  t.throws(() => node.signAndSendTransaction('alice.test.near', 'alice.test.near', [{ type: 'TransferToGasKey', publicKey: pq.publicKey, deposit: 1n }]), {
    instanceOf: ParseTransactionError,
    message: /Unexpected variant tag: 12/,
  });
  t.deepEqual(node.viewAccount('alice.test.near'), before);

  node.deployContract('alice.test.near', await keyAdderWasm());
  const borshKey = new Uint8Array([2, ...pq.publicKey.data]);
  const r = node.call('alice.test.near', 'alice.test.near', 'add', borshKey, { gas: 100n * TGAS });
  t.deepEqual(r.failure, {
    ActionError: {
      index: 0,
      kind: { NewReceiptValidationError: { ActionsValidation: { UnsupportedProtocolFeature: { protocol_feature: 'PostQuantumSignatures', version: 77 } } } },
    },
  });
  t.is(node.getAccessKey('alice.test.near', pq.publicKey), undefined);
});

test('at 86 the same contract adds the ML-DSA-65 key through a receipt', async (t) => {
  const { node, pq } = withPostQuantumKey(86);
  node.deployContract('alice.test.near', await keyAdderWasm());
  const r = node.call('alice.test.near', 'alice.test.near', 'add', new Uint8Array([2, ...pq.publicKey.data]), { gas: 100n * TGAS });
  t.true(r.succeeded, JSON.stringify(r.failure));
  t.is(node.viewAccessKey('alice.test.near', pq.publicKey).permission, 'FullAccess');
});

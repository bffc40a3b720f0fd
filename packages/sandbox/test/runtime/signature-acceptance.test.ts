/**
 * Which transaction signatures the node accepts, against nearcore core/crypto/src/signature.rs:
 * - ed25519: `Signature::verify` is ed25519-dalek's `VerifyingKey::verify` (not `verify_strict`): cofactorless,
 *   S < L, small-order and non-canonically encoded keys accepted, R compared as bytes. Decoding
 *   (`BorshDeserialize for Signature`) first refuses a signature whose last byte has a top 3 bit set.
 * - secp256k1: v must be 0–3 and r, s below n (`RecoverableSignature::from_compact`), then libsecp256k1
 *   `verify_ecdsa` against the signer's key: the recovery id plays no part, a high s (s > n/2) is refused.
 * Named vectors and their sources: test/ed25519-vectors.ts.
 */
import test from 'ava';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import { createSandbox, encodeTransaction, InvalidTransactionError, KeyPair, KeyType, NEAR, ParseTransactionError, type Sandbox } from '../../src/index.js';
import { verifySignature, type PublicKey, type Signature } from '../../src/primitives/crypto.js';
import { signedTransactionBytes, type Action, type Transaction } from '../../src/primitives/transaction.js';
import { watToWasm } from './contract-helpers.js';
import { DALEK_VALIDATION_VECTORS, TAMING_THE_MANY_EDDSAS, dalekVerifies, hexBytes } from '../ed25519-vectors.js';

const ALICE = 'alice.test.near';
const ed25519Key = (data: Uint8Array): PublicKey => ({ keyType: KeyType.ED25519, data });
const ed25519Signature = (data: Uint8Array): Signature => ({ keyType: KeyType.ED25519, data });

for (const v of TAMING_THE_MANY_EDDSAS) {
  test(`Taming the many EdDSAs case ${v.case} (${v.what}): Signature::verify ${v.nearcore ? 'accepts' : 'refuses'} (dalek verify, core/crypto signature.rs)`, (t) => {
    t.is(verifySignature(ed25519Signature(hexBytes(v.signature)), hexBytes(v.message), ed25519Key(hexBytes(v.publicKey))), v.nearcore);
  });
}

test('ed25519-dalek VALIDATIONVECTORS 0–39: Signature::verify accepts exactly what dalek verify permits (validation_criteria.rs)', (t) => {
  const wrong = DALEK_VALIDATION_VECTORS.filter(
    ([, key, sig, msg, flags]) => verifySignature(ed25519Signature(hexBytes(sig)), new TextEncoder().encode(msg), ed25519Key(hexBytes(key))) !== dalekVerifies(flags),
  ).map(([n]) => n);
  t.deepEqual(wrong, []);
});

// --- through the node ---

test('Taming the many EdDSAs through a deployed contract calling ed25519_verify: each case answers as nearcore (logic.rs, dalek verify)', async (t) => {
  const node = createSandbox();
  node.createAccount('verifier.test.near');
  node.deployContract('verifier.test.near', await watToWasm('ed25519-verifier.wat'));
  const answers = TAMING_THE_MANY_EDDSAS.map((v) => {
    const input = new Uint8Array([...hexBytes(v.signature), ...hexBytes(v.publicKey), ...hexBytes(v.message)]);
    return node.call('test.near', 'verifier.test.near', 'verify', input).bytes()[0] === 1;
  });
  t.deepEqual(answers, TAMING_THE_MANY_EDDSAS.map((v) => v.nearcore));
});

/** alice (her own key) and bob; `extraKey` is added to alice as a full-access key by a transaction of hers. */
function setup(extraKey?: PublicKey): Sandbox {
  const node = createSandbox();
  node.createAccount(ALICE);
  node.createAccount('bob.test.near');
  if (extraKey) {
    const added = node.signAndSendTransaction(ALICE, ALICE, [{ type: 'AddKey', publicKey: extraKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } }]);
    if (!added.succeeded) throw new Error(`AddKey failed: ${JSON.stringify(added.failure)}`);
  }
  return node;
}

/** A transfer from alice under `publicKey` with a signature made by `sign` from the transaction hash. */
function transfer(node: Sandbox, publicKey: PublicKey, sign: (hash: Uint8Array) => Signature, actions: Action[] = [{ type: 'Transfer', deposit: NEAR }]): Uint8Array {
  const tx: Transaction = {
    signerId: ALICE,
    publicKey,
    nonce: BigInt(node.viewAccessKey(ALICE, publicKey).nonce) + 1n,
    receiverId: 'bob.test.near',
    blockHash: node.head.hash,
    actions,
  };
  const body = encodeTransaction(tx);
  return signedTransactionBytes(body, sign(sha256(body)));
}

const IDENTITY = hexBytes('01' + '00'.repeat(31));
/** The identity point (y = 1) as nearcore's decoder also reads it: the sign bit set with x = 0, and y + p. */
const IDENTITY_ENCODINGS: Array<[string, Uint8Array]> = [
  ['canonical 01 00…00', IDENTITY],
  ['sign bit set, x = 0 (01 00…80)', hexBytes('01' + '00'.repeat(30) + '80')],
  ['y + p (ee ff…7f)', hexBytes('ee' + 'ff'.repeat(30) + '7f')],
];
/** R = identity, S = 0: [S]B − [k]A = identity for every message when A is the identity. */
const IDENTITY_SIGNATURE = ed25519Signature(new Uint8Array([...IDENTITY, ...new Uint8Array(32)]));

for (const [name, key] of IDENTITY_ENCODINGS) {
  test(`an access key that is the identity point (${name}) signs every transaction with R = identity, S = 0: nearcore accepts (dalek verify allows small-order and non-canonical A)`, (t) => {
    const node = setup(ed25519Key(key));
    const before = BigInt(node.viewAccount('bob.test.near').amount);
    const result = node.sendTransaction(transfer(node, ed25519Key(key), () => IDENTITY_SIGNATURE));
    t.true(result.succeeded);
    t.is(BigInt(node.viewAccount('bob.test.near').amount), before + NEAR);
  });
}

test('the same weak key with R encoded non-canonically (y + p) is InvalidSignature: dalek compares R as bytes', (t) => {
  const node = setup(ed25519Key(IDENTITY));
  const nonCanonicalR = ed25519Signature(new Uint8Array([...hexBytes('ee' + 'ff'.repeat(30) + '7f'), ...new Uint8Array(32)]));
  const err = t.throws(() => node.sendTransaction(transfer(node, ed25519Key(IDENTITY), () => nonCanonicalR)), { instanceOf: InvalidTransactionError });
  t.is(err?.kind, 'InvalidSignature');
});

test('a Delegate signed by the identity key with R = identity, S = 0 executes (SignedDelegateAction::verify is dalek verify); with R as y + p it is DelegateActionInvalidSignature', (t) => {
  const node = setup(ed25519Key(IDENTITY));
  node.createAccount('carol.test.near');
  const relay = (r: Uint8Array) => {
    const delegateAction = {
      senderId: ALICE,
      receiverId: 'carol.test.near',
      actions: [{ type: 'Transfer' as const, deposit: NEAR }],
      nonce: BigInt(node.viewAccessKey(ALICE, ed25519Key(IDENTITY)).nonce) + 1n,
      maxBlockHeight: node.head.height + 100n,
      publicKey: ed25519Key(IDENTITY),
    };
    const signature = ed25519Signature(new Uint8Array([...r, ...new Uint8Array(32)]));
    return node.signAndSendTransaction('bob.test.near', ALICE, [{ type: 'Delegate', signedDelegate: { delegateAction, signature } }]);
  };
  const carolBefore = BigInt(node.viewAccount('carol.test.near').amount);
  const accepted = relay(IDENTITY);
  t.true(accepted.succeeded);
  t.is(BigInt(node.viewAccount('carol.test.near').amount), carolBefore + NEAR, 'the transfer the weak key signed ran');
  t.deepEqual(relay(hexBytes('ee' + 'ff'.repeat(30) + '7f')).failure, { ActionError: { index: 0, kind: 'DelegateActionInvalidSignature' } });
});

/** alice's signature with S replaced by S + m·L (little-endian), the same point equation mod L. */
function withS(signature: Signature, multiplesOfL: bigint): Signature {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature.data[i]!);
  s += multiplesOfL * L;
  const data = Uint8Array.from(signature.data);
  for (let i = 32; i < 64; i++, s >>= 8n) data[i] = Number(s & 0xffn);
  return ed25519Signature(data);
}

test('S + L (below 2^253) is InvalidSignature: dalek refuses a non-canonical S', (t) => {
  const node = setup();
  const alice = node.keyPairOf(ALICE)!;
  const err = t.throws(() => node.sendTransaction(transfer(node, alice.publicKey, (hash) => withS(alice.sign(hash), 1n))), { instanceOf: InvalidTransactionError });
  t.is(err?.kind, 'InvalidSignature');
  t.true(node.sendTransaction(transfer(node, alice.publicKey, (hash) => alice.sign(hash))).succeeded, 'the canonical signature verifies');
});

test('S + 2L (≥ 2^253) does not even decode: "Failed to decode transaction: signature error" (BorshDeserialize for Signature, jsonrpc decode_signed_transaction)', (t) => {
  const node = setup();
  const alice = node.keyPairOf(ALICE)!;
  const bytes = transfer(node, alice.publicKey, (hash) => withS(alice.sign(hash), 2n));
  t.not(bytes[bytes.length - 1]! & 0xe0, 0);
  t.throws(() => node.sendTransaction(bytes), { instanceOf: ParseTransactionError, message: 'Failed to decode transaction: signature error' });
});

test('a delegate action whose ed25519 signature has a top bit set makes the whole transaction undecodable', (t) => {
  const node = setup();
  const alice = node.keyPairOf(ALICE)!;
  const signature = ed25519Signature(new Uint8Array(64).fill(0xff));
  const delegate: Action = {
    type: 'Delegate',
    signedDelegate: {
      delegateAction: { senderId: ALICE, receiverId: 'bob.test.near', actions: [{ type: 'Transfer', deposit: 1n }], nonce: 1n, maxBlockHeight: 1000n, publicKey: alice.publicKey },
      signature,
    },
  };
  t.throws(() => node.sendTransaction(transfer(node, alice.publicKey, (hash) => alice.sign(hash), [delegate])), {
    instanceOf: ParseTransactionError,
    message: 'Failed to decode transaction: signature error',
  });
});

test('decoding stops at the first fault in byte order: an invalid signer id before the signature, a Delegate\'s signature before a later action', (t) => {
  const node = setup();
  const alice = node.keyPairOf(ALICE)!;
  const topBit = (s: Signature) => ed25519Signature(Uint8Array.from(s.data, (b, i) => (i === 63 ? b | 0x20 : b)));
  const body = encodeTransaction({ signerId: 'Bob.near', publicKey: alice.publicKey, nonce: 1n, receiverId: 'bob.test.near', blockHash: node.head.hash, actions: [{ type: 'Transfer', deposit: 1n }] });
  t.throws(() => node.sendTransaction(signedTransactionBytes(body, topBit(alice.sign(sha256(body))))), { instanceOf: ParseTransactionError, message: /^Failed to decode transaction: invalid value: "Bob.near"/ });
  const delegate: Action = {
    type: 'Delegate',
    signedDelegate: {
      delegateAction: { senderId: ALICE, receiverId: 'bob.test.near', actions: [{ type: 'Transfer', deposit: 1n }], nonce: 1n, maxBlockHeight: 1000n, publicKey: alice.publicKey },
      signature: ed25519Signature(new Uint8Array(64).fill(0xff)),
    },
  };
  const laterFault: Action = { type: 'DeleteAccount', beneficiaryId: 'Not.Valid' };
  t.throws(() => node.sendTransaction(transfer(node, alice.publicKey, (hash) => alice.sign(hash), [delegate, laterFault])), {
    instanceOf: ParseTransactionError,
    message: 'Failed to decode transaction: signature error',
  });
});

test('Stake: the key must decompress (leniently) to a torsion-free point (key_conversion.rs is_valid_staking_key, verifier.rs validate_stake_action)', (t) => {
  const node = createSandbox();
  node.createAccount('val.test.near', { balance: 20_000n * NEAR });
  const stake = (data: Uint8Array) =>
    node.signAndSendTransaction('val.test.near', 'val.test.near', [{ type: 'Stake', stake: 10_000n * NEAR, publicKey: ed25519Key(data) }]);
  const unsuitable = (name: string, data: Uint8Array) => {
    const err = t.throws(() => stake(data), { instanceOf: InvalidTransactionError }, name);
    t.deepEqual(err?.kind, { ActionsValidation: { UnsuitableStakingKey: { public_key: `ed25519:${base58.encode(data)}` } } }, name);
  };
  unsuitable('order-8 point (Taming case 0 key)', hexBytes(TAMING_THE_MANY_EDDSAS[0]!.publicKey));
  unsuitable('mixed-order point (Taming case 3 key)', hexBytes(TAMING_THE_MANY_EDDSAS[3]!.publicKey));
  unsuitable('y = 2: no point has it', hexBytes('02' + '00'.repeat(31)));
  // the identity is torsion-free, in any encoding dalek decodes
  t.true(stake(IDENTITY).succeeded, 'identity');
  t.true(stake(hexBytes('ee' + 'ff'.repeat(30) + '7f')).succeeded, 'identity as y + p');
  t.true(stake(node.keyPairOf('val.test.near')!.publicKey.data).succeeded, 'an ordinary key');
});

// --- secp256k1 ---

const N = secp256k1.Point.CURVE().n;
const be32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
/** r ‖ s ‖ v with parts replaced. */
function secpSignature(signature: Signature, parts: { r?: bigint; s?: bigint; v?: number }): Signature {
  const data = Uint8Array.from(signature.data);
  if (parts.r !== undefined) data.set(be32(parts.r), 0);
  if (parts.s !== undefined) data.set(be32(parts.s), 32);
  if (parts.v !== undefined) data[64] = parts.v;
  return { keyType: KeyType.SECP256K1, data };
}
const sOf = (signature: Signature) => BigInt('0x' + Buffer.from(signature.data.subarray(32, 64)).toString('hex'));

function secpSetup() {
  const key = KeyPair.fromString(`secp256k1:${base58.encode(new Uint8Array(32).fill(7))}`);
  const node = setup(key.publicKey);
  return { node, key, send: (change: (s: Signature) => Signature) => node.sendTransaction(transfer(node, key.publicKey, (hash) => change(key.sign(hash)))) };
}

test('secp256k1: any recovery id 0–3 verifies: nearcore verifies against the signer key (to_standard + verify_ecdsa), the id is not used', (t) => {
  const { send } = secpSetup();
  for (let v = 0; v < 4; v++) t.true(send((s) => secpSignature(s, { v })).succeeded, `v = ${v}`);
});

test('secp256k1: v = 4, a high s (n − s, the malleable twin), r = 0 or s = n are InvalidSignature', (t) => {
  const { send } = secpSetup();
  const refused = (name: string, change: (s: Signature) => Signature) => {
    const err = t.throws(() => send(change), { instanceOf: InvalidTransactionError }, name);
    t.is(err?.kind, 'InvalidSignature', name);
  };
  refused('v = 4 (RecoveryId::from_i32)', (s) => secpSignature(s, { v: 4 }));
  refused('high s (libsecp256k1 verify_ecdsa refuses s > n/2)', (s) => secpSignature(s, { s: N - sOf(s), v: s.data[64]! ^ 1 }));
  refused('r = 0', (s) => secpSignature(s, { r: 0n }));
  refused('s = n (from_compact overflow)', (s) => secpSignature(s, { s: N }));
});

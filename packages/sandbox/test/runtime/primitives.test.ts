import test from 'ava';
import { createHash } from 'node:crypto';
import { base58 } from '@scure/base';
import {
  accountIdError,
  accountType,
  ethImplicitAccountId,
  isSubAccountOf,
  isTopLevelAccountId,
  isValidAccountId,
  nearImplicitAccountId,
} from '../../src/primitives/account-id.js';
import { KeyPair, KeyType, parsePublicKey, publicKeyToString } from '../../src/primitives/crypto.js';
import { actionHash, dataId, hashUpgradable, receiptIdFromTransaction } from '../../src/primitives/hash.js';
import { createSandbox } from '../../src/index.js';
import { naj } from './helpers.js';

// Examples from near/near-account-id-rs validation tests.
const VALID = ['aa', 'a-a', 'a-aa', '100', '0o', 'com', 'near', 'bowen', 'b-o_w_e-n', 'b.owen', 'bro.wen', 'a.ha', 'a.b-a.ra', 'system', 'over.9000',
  'google.com', 'illia.cheapaccounts.near', '0o0ooo00oo00o', 'alex-skidanov', '10-4.8-2', 'b-o_w_e-n', 'no_lols', '0123456789012345678901234567890123456789012345678901234567890123'];
const INVALID: Array<[string, string]> = [['a', 'TooShort'], ['', 'TooShort'], ['A', 'TooShort'], ['Abc', 'InvalidChar'], ['-near', 'RedundantSeparator'], ['near-', 'RedundantSeparator'],
  ['-near-', 'RedundantSeparator'], ['near.', 'RedundantSeparator'], ['.near', 'RedundantSeparator'], ['near@', 'InvalidChar'], ['@near', 'InvalidChar'], ['неар', 'InvalidChar'],
  ['@@@@@', 'InvalidChar'], ['0__0', 'RedundantSeparator'], ['0_-_0', 'RedundantSeparator'], ['..', 'RedundantSeparator'], ['a..near', 'RedundantSeparator'], ['nEar', 'InvalidChar'],
  ['_bowen', 'RedundantSeparator'], ['hello world', 'InvalidChar'], ['abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz', 'TooLong'],
  ['01234567890123456789012345678901234567890123456789012345678901234', 'TooLong']];

test('account id validation (near-account-id validation.rs)', (t) => {
  for (const id of VALID) t.true(isValidAccountId(id), id);
  for (const [id, kind] of INVALID) t.is(accountIdError(id) as string | null, kind, id);
});

test('top-level, sub-account and implicit classification', (t) => {
  t.true(isTopLevelAccountId('near'));
  t.false(isTopLevelAccountId('system'));
  t.false(isTopLevelAccountId('a.near'));
  t.true(isSubAccountOf('a.near', 'near'));
  t.false(isSubAccountOf('x.a.near', 'near'));
  t.false(isSubAccountOf('near', 'near'));
  t.false(isSubAccountOf('anear', 'near'));
  const ed = KeyPair.fromLabel('x');
  const hex = nearImplicitAccountId(ed.publicKey.data);
  t.is(accountType(hex), 'NearImplicitAccount');
  t.is(accountType(hex.toUpperCase()), 'NamedAccount');
  // near-api-js's keyToImplicitAddress agrees
  t.is(naj.keyToImplicitAddress(ed.publicKeyString), hex);
  const secp = KeyPair.random(KeyType.SECP256K1);
  t.is(accountType(ethImplicitAccountId(secp.publicKey.data)), 'EthImplicitAccount');
  t.is(accountType('0x' + 'a'.repeat(39)), 'NamedAccount');
});

test('public keys render and parse as nearcore (ed25519:<base58>, secp256k1 64-byte keys)', (t) => {
  const k = KeyPair.fromSeed('test.near');
  t.deepEqual(parsePublicKey(k.publicKeyString), k.publicKey);
  t.is(publicKeyToString(parsePublicKey(naj.KeyPair.fromRandom('secp256k1').getPublicKey().toString())).startsWith('secp256k1:'), true);
  // nearcore ParseKeyError::InvalidLength (core/crypto/src/errors.rs)
  t.throws(() => parsePublicKey('ed25519:abc'), { message: 'invalid key length: expected the input of 32 bytes, but 3 was given' });
  t.throws(() => parsePublicKey('rsa:abc'), { message: /unknown key type/ });
});

test('id derivation: sha256(base ‖ height u64 LE ‖ salt u64 LE) for receipts, actions and data (utils.rs, PV ≥ 77)', (t) => {
  const base = new Uint8Array(32).fill(3);
  const manual = (b: Uint8Array, h: bigint, salt: bigint) => {
    const buf = Buffer.alloc(48);
    buf.set(b);
    buf.writeBigUInt64LE(h, 32);
    buf.writeBigUInt64LE(salt, 40);
    return new Uint8Array(createHash('sha256').update(buf).digest());
  };
  t.deepEqual(hashUpgradable(base, 7n, 9n), manual(base, 7n, 9n));
  t.deepEqual(receiptIdFromTransaction(base, 5n), manual(base, 5n, 0n));
  t.deepEqual(actionHash(base, 5n, 0), manual(base, 5n, (1n << 64n) - 1n));
  t.deepEqual(dataId(base, 5n, 2), manual(base, 5n, 2n));
  // and the node uses it: the first receipt id of a transaction is H(tx_hash, inclusion height, 0)
  const node = createSandbox();
  const r = node.transfer('test.near', 'near', 1n);
  const height = node.getBlock(r.transactionOutcome.block_hash).height;
  t.is(r.transactionOutcome.outcome.receipt_ids[0], base58.encode(manual(base58.decode(r.hash), height, 0n)));
});

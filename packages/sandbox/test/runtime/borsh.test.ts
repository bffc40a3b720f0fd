import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  decodeSignedTransaction,
  encodeSignedTransaction,
  transactionHash,
  decodeSignedDelegateAction,
  encodeSignedDelegateAction,
  delegateActionHash,
  encodeDelegateAction,
  parseSignedTransaction,
  signedTransactionDecodings,
  encodeTransaction,
  BorshDecodeError,
  type Action,
  type DelegateAction,
  type NonDelegateAction,
} from '../../src/primitives/transaction.js';
import { KeyPair as OurKeyPair, verifySignature, publicKeyToString } from '../../src/primitives/crypto.js';
import { naj, naj5, signWithNaj5, signWithNaj7, TGAS } from './helpers.js';

const blockHash = new Uint8Array(32).fill(9);

test('near-api-js 7.x SignedTransaction with every classic action round-trips byte for byte (nearcore transaction.rs layout)', (t) => {
  const kp = naj.KeyPair.fromRandom('ed25519');
  const other = naj.KeyPair.fromRandom('secp256k1');
  const a = naj.actions;
  const bytes = signWithNaj7(kp, 'alice.test.near', 'bob.test.near', 42n, [
    a.createAccount(),
    a.deployContract(new Uint8Array([0, 97, 115, 109])),
    a.functionCall('do_it', new Uint8Array([123, 125]), 30n * TGAS, 7n),
    a.transfer(10n ** 24n),
    a.stake(5n, kp.getPublicKey()),
    a.addFullAccessKey(other.getPublicKey()),
    a.addFunctionCallAccessKey(kp.getPublicKey(), 'c.test.near', ['x', 'y'], 10n ** 20n),
    a.deleteKey(other.getPublicKey()),
    a.deleteAccount('carol.test.near'),
  ], blockHash);
  const st = decodeSignedTransaction(bytes);
  t.is(st.transaction.signerId, 'alice.test.near');
  t.is(st.transaction.nonce, 42n);
  t.is(publicKeyToString(st.transaction.publicKey), kp.getPublicKey().toString());
  t.deepEqual(st.transaction.actions.map((x) => x.type), [
    'CreateAccount', 'DeployContract', 'FunctionCall', 'Transfer', 'Stake', 'AddKey', 'AddKey', 'DeleteKey', 'DeleteAccount',
  ]);
  const fc = st.transaction.actions[2];
  t.true(fc?.type === 'FunctionCall' && fc.gas === 30n * TGAS && fc.deposit === 7n && fc.methodName === 'do_it');
  const fk = st.transaction.actions[6];
  t.true(fk?.type === 'AddKey' && fk.accessKey.permission.type === 'FunctionCall' && fk.accessKey.permission.allowance === 10n ** 20n);
  t.is(bytesToHex(encodeSignedTransaction(st)), bytesToHex(bytes));
  const hash = transactionHash(st.transaction);
  t.true(verifySignature(st.signature, hash, st.transaction.publicKey));
});

test('near-api-js 5.1.1 SignedTransaction decodes, hashes as sha256(borsh(Transaction)) and verifies', (t) => {
  const kp = naj5.KeyPair.fromRandom('ed25519');
  const tr = naj5.transactions;
  const bytes = signWithNaj5(kp.toString(), 'a.test.near', 'b.test.near', 3n, [tr.transfer(5n), tr.functionCall('m', Buffer.from('{}'), 10n * TGAS, 0n)], blockHash);
  const st = decodeSignedTransaction(bytes);
  t.is(st.transaction.actions.length, 2);
  const tx5 = tr.createTransaction('a.test.near', kp.getPublicKey(), 'b.test.near', 3n, [tr.transfer(5n), tr.functionCall('m', Buffer.from('{}'), 10n * TGAS, 0n)], blockHash);
  t.is(bytesToHex(transactionHash(st.transaction)), bytesToHex(sha256(tx5.encode())));
  t.true(verifySignature(st.signature, transactionHash(st.transaction), st.transaction.publicKey));
});

test('secp256k1-signed transaction from near-api-js 7.x verifies (r ‖ s ‖ v layout)', (t) => {
  const kp = naj.KeyPair.fromRandom('secp256k1');
  const st = decodeSignedTransaction(signWithNaj7(kp, 'a.test.near', 'b.test.near', 1n, [naj.actions.transfer(1n)], blockHash));
  t.true(verifySignature(st.signature, transactionHash(st.transaction), st.transaction.publicKey));
  const tampered = { ...st.transaction, nonce: 2n };
  t.false(verifySignature(st.signature, transactionHash(tampered), st.transaction.publicKey));
});

test('SignedDelegateAction from near-api-js 7.x: NEP-461 hash matches what naj signs (prefix 2^30+366)', async (t) => {
  const kp = naj.KeyPair.fromRandom('ed25519');
  const da = naj.buildDelegateAction({
    actions: [naj.actions.transfer(3n), naj.actions.functionCall('f', new Uint8Array([]), 5n * TGAS, 0n)],
    maxBlockHeight: 100n, nonce: 8n, publicKey: kp.getPublicKey(), receiverId: 'r.test.near', senderId: 's.test.near',
  });
  const ours = OurKeyPair.fromString(kp.toString());
  // naj's encodeDelegateAction includes the NEP-461 prefix; nearcore hashes exactly those bytes.
  const hashNaj = sha256(naj.encodeDelegateAction(da));
  const { signedDelegate: signed } = await new naj.KeyPairSigner(kp).signDelegateAction(da);
  const decoded = decodeSignedDelegateAction(naj.encodeSignedDelegate(signed));
  t.is(decoded.delegateAction.senderId, 's.test.near');
  t.is(decoded.delegateAction.maxBlockHeight, 100n);
  t.is(bytesToHex(delegateActionHash(decoded.delegateAction)), bytesToHex(hashNaj));
  t.true(verifySignature(decoded.signature, delegateActionHash(decoded.delegateAction), ours.publicKey));
  t.is(bytesToHex(encodeSignedDelegateAction(decoded)), bytesToHex(naj.encodeSignedDelegate(signed)));
  // and inside a transaction as action 8
  const st = decodeSignedTransaction(signWithNaj7(kp, 'relayer.test.near', 's.test.near', 1n, [naj.actions.signedDelegate(signed)], blockHash));
  t.is(st.transaction.actions[0]?.type, 'Delegate');
});

test('malformed borsh: truncated input, trailing bytes and unknown action tags are rejected with BorshDecodeError', (t) => {
  const kp = naj.KeyPair.fromRandom('ed25519');
  const bytes = signWithNaj7(kp, 'a.test.near', 'b.test.near', 1n, [naj.actions.transfer(1n)], blockHash);
  t.throws(() => decodeSignedTransaction(bytes.slice(0, bytes.length - 3)), { instanceOf: BorshDecodeError });
  t.throws(() => decodeSignedTransaction(new Uint8Array([...bytes, 0])), { instanceOf: BorshDecodeError, message: /Not all bytes read/ });
  const badTag = bytes.slice();
  // the single action's tag sits right after the u32 action count, after signer/key/nonce/receiver/hash
  const tagOffset = 4 + 11 + 33 + 8 + 4 + 11 + 32 + 4;
  t.is(badTag[tagOffset], 3);
  badTag[tagOffset] = 200;
  t.throws(() => decodeSignedTransaction(badTag), { instanceOf: BorshDecodeError });
  t.throws(() => decodeSignedTransaction(new Uint8Array([1, 5, 0, 0])), { instanceOf: BorshDecodeError });
  t.throws(() => decodeSignedTransaction(new Uint8Array([2, 5, 0, 0])), { instanceOf: BorshDecodeError, message: /invalid transaction version tag/ });
});

test('a DelegateAction parsed from a transaction hashes from the bytes it arrived in, which are its borsh re-encoding', (t) => {
  const key = OurKeyPair.fromLabel('delegate sender');
  const other = OurKeyPair.random(1); // secp256k1: keys and signatures of another length before and inside
  const inner = fc.oneof(
    fc.record({ args: fc.uint8Array({ maxLength: 300 }), methodName: fc.string({ minLength: 1, maxLength: 20 }), gas: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), deposit: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }) }).map((f): NonDelegateAction => ({ type: 'FunctionCall', ...f })),
    fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((deposit): NonDelegateAction => ({ type: 'Transfer', deposit })),
    fc.constant<NonDelegateAction>({ type: 'AddKey', publicKey: other.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } }),
  );
  const delegate = fc.record({ actions: fc.array(inner, { minLength: 1, maxLength: 3 }), nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), maxBlockHeight: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), secp: fc.boolean() });
  fc.assert(
    fc.property(fc.array(inner, { maxLength: 2 }), fc.array(delegate, { minLength: 1, maxLength: 2 }), fc.array(inner, { maxLength: 2 }), (before, delegates, after) => {
      const actions: Action[] = [
        ...before,
        ...delegates.map(({ secp, ...d }): Action => {
          const signer = secp ? other : key;
          const action: DelegateAction = { senderId: 'sender.near', receiverId: 'token.near', publicKey: signer.publicKey, ...d };
          return { type: 'Delegate', signedDelegate: { delegateAction: action, signature: signer.sign(delegateActionHash(action)) } };
        }),
        ...after,
      ];
      const transaction = { signerId: 'relayer.near', publicKey: key.publicKey, nonce: 1n, receiverId: 'sender.near', blockHash, actions };
      const bytes = encodeSignedTransaction({ transaction, signature: key.sign(transactionHash(transaction)) });
      const parsed = parseSignedTransaction(bytes).signed.transaction.actions.filter((a) => a.type === 'Delegate');
      t.is(parsed.length, delegates.length);
      for (const a of parsed) {
        const d = a.signedDelegate.delegateAction;
        const received = encodeDelegateAction(d);
        if (received.buffer !== bytes.buffer) return false; // taken from the request's bytes
        if (!Buffer.from(received).equals(Buffer.from(encodeDelegateAction({ ...d })))) return false; // = a fresh encoding
        if (!verifySignature(a.signedDelegate.signature, delegateActionHash(d), d.publicKey)) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

/** A decoding or its refusal, comparable: byte vectors (Uint8Arrays or arrays of numbers) as arrays, bigints as text. */
function outcomeOf(decode: () => unknown): string {
  try {
    return JSON.stringify(decode(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v));
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

test('a transaction decodes with its byte arrays taken whole (borsh-decode.ts) exactly as the borsh package decodes it, and damaged bytes either decode the same or go to the package', (t) => {
  const key = OurKeyPair.fromLabel('large transactions');
  const other = OurKeyPair.random(1);
  // lengths across the whole range (fast-check's own arrays stay short): contents patterned by a seed
  const bytesOf = (max: number) => fc.tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max: 255 })).map(([n, seed]) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255));
  const action: fc.Arbitrary<Action> = fc.oneof(
    // method names beyond ASCII: text the package reads its own way, so borsh-decode.ts leaves the whole decoding to it
    fc.record({ methodName: fc.string({ minLength: 1, maxLength: 20, unit: fc.constantFrom('a', 'é', '€', '😀') }), args: bytesOf(20_000), gas: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), deposit: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }) }).map((f): Action => ({ type: 'FunctionCall', ...f })),
    bytesOf(40_000).map((code): Action => ({ type: 'DeployContract', code })),
    fc.record({ code: bytesOf(40_000), deployMode: fc.constantFrom<'CodeHash' | 'AccountId'>('CodeHash', 'AccountId') }).map((g): Action => ({ type: 'DeployGlobalContract', ...g })),
    fc.constant<Action>({ type: 'CreateAccount' }),
    fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((deposit): Action => ({ type: 'Transfer', deposit })),
    fc.constant<Action>({ type: 'AddKey', publicKey: other.publicKey, accessKey: { nonce: 0n, permission: { type: 'FunctionCall', allowance: null, receiverId: 'c.near', methodNames: ['m'] } } }),
    fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((allowance): Action => ({ type: 'AddKey', publicKey: key.publicKey, accessKey: { nonce: 7n, permission: { type: 'FunctionCall', allowance, receiverId: 'c.near', methodNames: ['m', 'n'] } } })),
    fc.constant<Action>({ type: 'AddKey', publicKey: key.publicKey, accessKey: { nonce: 0n, permission: { type: 'GasKeyFullAccess', balance: 0n, numNonces: 3 } } }),
    fc.constant<Action>({ type: 'Stake', stake: 5n, publicKey: key.publicKey }),
    fc.constant<Action>({ type: 'DeleteKey', publicKey: other.publicKey }),
    fc.constant<Action>({ type: 'DeleteAccount', beneficiaryId: 'beneficiary.near' }),
    fc.constant<Action>({ type: 'UseGlobalContract', contractIdentifier: { type: 'CodeHash', hash: blockHash } }),
    fc.constant<Action>({ type: 'DeterministicStateInit', stateInit: { code: { type: 'AccountId', accountId: 'code.near' }, data: [[Uint8Array.of(1), Uint8Array.of(2, 3)]] }, deposit: 1n }),
    bytesOf(300).map((args): Action => {
      const d: DelegateAction = { senderId: 'sender.near', receiverId: 'token.near', publicKey: key.publicKey, nonce: 5n, maxBlockHeight: 9n, actions: [{ type: 'FunctionCall', methodName: 'ft_transfer', args, gas: 1n, deposit: 1n }] };
      return { type: 'Delegate', signedDelegate: { delegateAction: d, signature: key.sign(delegateActionHash(d)) } };
    }),
  );
  const damage = fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('setEarly' as const), at: fc.nat(160), value: fc.integer({ min: 0, max: 255 }) }),
    fc.constant({ kind: 'trailing' as const }),
  );
  const seen = { large: 0, refused: 0, decoded: 0, leftToPackage: 0 };
  fc.assert(
    fc.property(fc.array(action, { minLength: 1, maxLength: 4 }), fc.boolean(), damage, (actions, v1, d) => {
      const transaction = { signerId: 'relayer.near', publicKey: key.publicKey, nonce: 1n, receiverId: 'sender.near', blockHash, actions, ...(v1 ? { v1: { nonceIndex: null, nonceMode: 'Monotonic' as const } } : {}) };
      const signed = { transaction, signature: key.sign(transactionHash(transaction)) };
      let bytes = encodeSignedTransaction(signed);
      const ascii = actions.every((a) => a.type !== 'FunctionCall' || /^[\x00-\x7f]*$/.test(a.methodName));
      if (d.kind === 'none' && ascii) {
        // every byte array is a view of the bytes received, none decoded byte by byte
        const raw = signedTransactionDecodings.here(bytes) as any;
        const arrays = [raw.transaction.blockHash, raw.transaction.publicKey.ed25519, raw.signature.ed25519, ...raw.transaction.actions.flatMap((a: any) => (a.functionCall ? [a.functionCall.args] : a.deployContract ? [a.deployContract.code] : a.deployGlobalContract ? [a.deployGlobalContract.code] : []))];
        if (arrays.some((v: unknown) => !(v instanceof Uint8Array && v.buffer === bytes.buffer))) return false;
      }
      if (d.kind === 'none') {
        // whole: the same transaction, hashed from the bytes as received
        const parsed = parseSignedTransaction(bytes);
        if (!isDeepStrictEqual(parsed.signed, signed)) return false;
        if (!Buffer.from(parsed.hash).equals(Buffer.from(sha256(encodeTransaction(transaction))))) return false;
        if (bytes.length >= 16 * 1024) seen.large++;
      }
      if (d.kind === 'truncate') bytes = bytes.slice(0, Math.floor(d.at * bytes.length));
      if (d.kind === 'set' || d.kind === 'setEarly') {
        bytes = bytes.slice();
        bytes[d.kind === 'set' ? Math.floor(d.at * (bytes.length - 1)) : Math.min(d.at, bytes.length - 1)] = d.value;
      }
      if (d.kind === 'trailing') bytes = new Uint8Array([...bytes, 7]);
      const byPackage = outcomeOf(() => signedTransactionDecodings.byPackage(bytes));
      const here = outcomeOf(() => signedTransactionDecodings.here(bytes));
      seen[byPackage.startsWith('refused: ') ? 'refused' : 'decoded']++;
      // where borsh-decode.ts gives up, the package decodes (decodeRaw): so it may give up, never differ
      if (here.startsWith('refused: ')) seen.leftToPackage++;
      else if (here !== byPackage) return false;
      return true;
    }),
    { numRuns: 300 },
  );
  // the property ran on whole large transactions, on bytes that decode and on bytes that are refused
  t.true(seen.large > 0 && seen.refused > 0 && seen.decoded > 0 && seen.leftToPackage > 0, JSON.stringify(seen));
});

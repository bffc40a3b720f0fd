/**
 * The relayer's own fast paths for the bytes it hashes and signs give exactly what near-api-js gives:
 * the NEP-366 message hash of a delegate (encodeDelegateAction) and a signed transaction's hash, signature
 * and borsh bytes (KeyPairSigner.signTransaction, SignedTransaction.encode), for any delegate it may carry.
 */
import test from 'ava';
import fc from 'fast-check';
import { KeyPair, KeyPairSigner, KeyType, Signature, SignedTransaction, actions, buildDelegateAction, createTransaction, encodeDelegateAction, encodeSignedDelegate, type KeyPairString } from 'near-api-js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeSignedDelegate, delegateActionHash, delegateActions, signedDelegateOf, verifyDelegateSignature } from '../src/delegate.js';
import { OpenSslSigner, derivePoolKey } from '../src/key-pool.js';

const accountId = fc.stringMatching(/^[a-z0-9]{2,20}\.test\.near$/);
const delegateArbitrary = fc.record({
  senderId: accountId,
  receiverId: accountId,
  method: fc.stringMatching(/^[a-z_]{1,30}$/),
  args: fc.uint8Array({ maxLength: 300 }),
  gas: fc.bigInt({ min: 0n, max: 300n * 10n ** 12n }),
  deposit: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
  nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  maxBlockHeight: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  keyType: fc.constantFrom('ed25519' as const, 'secp256k1' as const),
  transfer: fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n })),
});

type DelegateCase = typeof delegateArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** `d` as its sender would sign it with a fresh key of d.keyType (near-api-js' KeyPairSigner), carrying `relayedActions`. */
async function userSignedDelegate(d: DelegateCase, relayedActions: ReturnType<typeof actions.functionCall>[]) {
  const user = new KeyPairSigner(KeyPair.fromRandom(d.keyType));
  const delegateAction = buildDelegateAction({
    senderId: d.senderId,
    receiverId: d.receiverId,
    actions: relayedActions,
    nonce: d.nonce,
    maxBlockHeight: d.maxBlockHeight,
    publicKey: await user.getPublicKey(),
  });
  return (await user.signDelegateAction(delegateAction)).signedDelegate;
}

/** The relayer's signature (hash, bytes, SignedTransaction) is near-api-js' own. */
function assertSameSignedTransaction(
  t: { deepEqual(actual: unknown, expected: unknown): void },
  fast: ReturnType<OpenSslSigner['signNow']>,
  expected: Awaited<ReturnType<KeyPairSigner['signTransaction']>>,
): void {
  t.deepEqual(new Uint8Array(fast.hash), expected.txHash);
  t.deepEqual(new Uint8Array(fast.bytes), expected.signedTransaction.encode());
  t.deepEqual(fast.signedTransaction.encode(), expected.signedTransaction.encode());
}

test('delegateActionHash of a decoded delegate (what its signature is checked against) is sha256 of near-api-js encodeDelegateAction for any delegate action (NEP-461 prefix 2^30 + 366)', (t) => {
  fc.assert(
    fc.property(delegateArbitrary, fc.uint8Array({ minLength: 64, maxLength: 64 }), (d, signature) => {
      const delegateAction = buildDelegateAction({
        senderId: d.senderId,
        receiverId: d.receiverId,
        actions: [actions.functionCall(d.method, d.args, d.gas, d.deposit), ...(d.transfer === null ? [] : [actions.transfer(d.transfer)])],
        nonce: d.nonce,
        maxBlockHeight: d.maxBlockHeight,
        publicKey: KeyPair.fromRandom(d.keyType).getPublicKey(),
      });
      const decoded = decodeSignedDelegate(Buffer.from(encodeSignedDelegate({ delegateAction, signature: new Signature({ keyType: KeyType.ED25519, data: signature }) } as Parameters<typeof encodeSignedDelegate>[0])).toString('base64'));
      t.deepEqual(new Uint8Array(delegateActionHash(decoded)), sha256(encodeDelegateAction(delegateAction)));
    }),
    { numRuns: 200 },
  );
});

test("OpenSslSigner.signNow gives near-api-js' hash, signature and SignedTransaction bytes, encoding the transaction once", async (t) => {
  const main = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  await fc.assert(
    fc.asyncProperty(delegateArbitrary, fc.nat(63), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (d, index, blockHash) => {
      const signedDelegate = await userSignedDelegate(d, [actions.functionCall(d.method, d.args, d.gas, d.deposit)]);
      const poolKey = derivePoolKey(main, 'test', index);
      const transaction = createTransaction('relayer.test.near', poolKey.getPublicKey(), d.senderId, d.nonce, [actions.signedDelegate(signedDelegate)], blockHash);
      const expected = await new KeyPairSigner(poolKey).signTransaction(transaction);
      const fast = new OpenSslSigner(poolKey).signNow(transaction);
      assertSameSignedTransaction(t, fast, expected);
    }),
    { numRuns: 100 },
  );
});

test("a relayed delegate's transaction, encoded from the delegate action's borsh kept from decoding (delegateActions), is near-api-js' own: the same hash, signature and bytes", async (t) => {
  const main = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  await fc.assert(
    fc.asyncProperty(delegateArbitrary, fc.nat(63), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (d, index, blockHash) => {
      const signedDelegate = await userSignedDelegate(d, [actions.functionCall(d.method, d.args, d.gas, d.deposit), ...(d.transfer === null ? [] : [actions.transfer(d.transfer)])]);
      const decoded = decodeSignedDelegate(Buffer.from(encodeSignedDelegate(signedDelegate)).toString('base64'));
      t.true(verifyDelegateSignature(decoded));
      const poolKey = derivePoolKey(main, 'test', index);
      const relayed = delegateActions(decoded);
      const transaction = createTransaction('relayer.test.near', poolKey.getPublicKey(), d.senderId, d.nonce, relayed.list, blockHash);
      const expected = await new KeyPairSigner(poolKey).signTransaction(createTransaction('relayer.test.near', poolKey.getPublicKey(), d.senderId, d.nonce, [actions.signedDelegate(signedDelegate)], blockHash));
      const fast = new OpenSslSigner(poolKey).signNow(transaction, relayed.borsh);
      assertSameSignedTransaction(t, fast, expected);
      // What a restarted relayer reads back from its in-flight record: the signed delegate is the transaction's one action.
      t.is(signedDelegateOf(SignedTransaction.decode(fast.bytes)), decoded.base64);
    }),
    { numRuns: 150 },
  );
});

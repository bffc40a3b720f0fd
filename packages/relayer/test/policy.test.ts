import test from 'ava';
import { KeyPair, Signature, actions, buildDelegateAction, encodeDelegateAction, encodeSignedDelegate } from 'near-api-js';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { checkPolicy, decodeSignedDelegate, RelayError, verifyDelegateSignature, type RelayPolicy } from '../src/index.js';
import { allowsCall, preCheckArgs } from '../src/policy.js';
import { maximumCost, RELAY_OVERHEAD_GAS } from '../src/allowance.js';

const TGAS = 1_000_000_000_000n;

function signedDelegate(options: { receiverId?: string; actionList?: ReturnType<typeof actions.functionCall>[]; tamper?: boolean } = {}) {
  const key = KeyPair.fromRandom('ed25519');
  const delegateAction = buildDelegateAction({
    senderId: 'alice.test.near',
    receiverId: options.receiverId ?? 'payout.test.near',
    actions: options.actionList ?? [actions.functionCall('claim', { pool_id: 0 }, 30n * TGAS, 0n)],
    nonce: 7n,
    maxBlockHeight: 1000n,
    publicKey: key.getPublicKey(),
  });
  const { signature } = key.sign(sha256(encodeDelegateAction(delegateAction)));
  if (options.tamper) signature[0] ^= 1;
  const wrapped = actions.signedDelegate({ delegateAction, signature: new Signature({ keyType: 0, data: signature }) });
  return Buffer.from(encodeSignedDelegate(wrapped.signedDelegate!)).toString('base64');
}

const policy: RelayPolicy = { allowed: { 'payout.test.near': ['claim'] }, maxGas: 50n * TGAS };

test('a well-formed delegate decodes with its sender, receiver, nonce and actions', (t) => {
  const decoded = decodeSignedDelegate(signedDelegate());
  t.is(decoded.senderId, 'alice.test.near');
  t.is(decoded.receiverId, 'payout.test.near');
  t.is(decoded.nonce, 7n);
  t.deepEqual(decoded.actions, [{ kind: 'functionCall', methodName: 'claim', gas: 30n * TGAS, deposit: 0n, args: { pool_id: 0 } }]);
  t.true(verifyDelegateSignature(decoded));
  t.notThrows(() => checkPolicy(decoded, policy));
});

test('bytes after the signature are refused as INVALID_DELEGATE, as nearcore refuses them (borsh: "Not all bytes read"): the relayer carries the delegate as posted', (t) => {
  const posted = Buffer.from(signedDelegate(), 'base64');
  for (const extra of [Buffer.from([0]), Buffer.alloc(65, 7)]) {
    const error = t.throws(() => decodeSignedDelegate(Buffer.concat([posted, extra]).toString('base64')), { instanceOf: RelayError });
    t.is(error?.code, 'INVALID_DELEGATE');
  }
  // The signature posted twice ends the bytes as a signature does: the message it would then sign holds the signature itself.
  t.false(verifyDelegateSignature(decodeSignedDelegate(Buffer.concat([posted, posted.subarray(posted.length - 65)]).toString('base64'))));
});

test('a tampered signature is detected (NEP-366 signs sha256 of the NEP-461-prefixed DelegateAction)', (t) => {
  t.false(verifyDelegateSignature(decodeSignedDelegate(signedDelegate({ tamper: true }))));
});

test('a secp256k1 delegate is checked as nearcore checks it: any recovery id 0-3, not 4; its high-s twin is refused (core/crypto Signature::verify)', (t) => {
  const key = KeyPair.fromRandom('secp256k1');
  const delegateAction = buildDelegateAction({
    senderId: 'alice.test.near',
    receiverId: 'payout.test.near',
    actions: [actions.functionCall('claim', { pool_id: 0 }, 30n * TGAS, 0n)],
    nonce: 7n,
    maxBlockHeight: 1000n,
    publicKey: key.getPublicKey(),
  });
  const { signature } = key.sign(sha256(encodeDelegateAction(delegateAction)));
  const verifies = (change: (sig: Uint8Array) => void) => {
    const data = Uint8Array.from(signature);
    change(data);
    const wrapped = actions.signedDelegate({ delegateAction, signature: new Signature({ keyType: 1, data }) });
    return verifyDelegateSignature(decodeSignedDelegate(Buffer.from(encodeSignedDelegate(wrapped.signedDelegate!)).toString('base64')));
  };
  t.true(verifies(() => {}));
  for (const v of [0, 1, 2, 3]) t.true(verifies((sig) => (sig[64] = v)), `v = ${v}`);
  t.false(verifies((sig) => (sig[64] = 4)));
  const N = secp256k1.Point.CURVE().n;
  const s = BigInt('0x' + Buffer.from(signature.subarray(32, 64)).toString('hex'));
  t.false(verifies((sig) => sig.set(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'), 32)));
});

test('garbage is refused as INVALID_DELEGATE', (t) => {
  for (const input of [undefined, '', 'not base64 borsh', Buffer.from([1, 2, 3]).toString('base64')]) {
    const error = t.throws(() => decodeSignedDelegate(input), { instanceOf: RelayError });
    t.is(error!.code, 'INVALID_DELEGATE');
  }
});

test('policy refuses other receivers, other methods, other actions, too much gas and deposits', (t) => {
  const codes = [
    signedDelegate({ receiverId: 'evil.test.near' }),
    signedDelegate({ actionList: [actions.functionCall('push', {}, 30n * TGAS, 0n)] }),
    signedDelegate({ actionList: [actions.transfer(5n) as ReturnType<typeof actions.functionCall>] }),
    signedDelegate({ actionList: [actions.functionCall('claim', {}, 60n * TGAS, 0n)] }),
    signedDelegate({ actionList: [actions.functionCall('claim', {}, 30n * TGAS, 1n)] }),
  ].map((encoded) => t.throws(() => checkPolicy(decodeSignedDelegate(encoded), policy), { instanceOf: RelayError })!.code);
  t.deepEqual(codes, ['RECEIVER_NOT_ALLOWED', 'METHOD_NOT_ALLOWED', 'ACTION_NOT_ALLOWED', 'GAS_TOO_HIGH', 'DEPOSIT_NOT_ALLOWED']);
});

test('innerStatus follows the user call through the receipts it returned (claim → ft_transfer → on_paid)', async (t) => {
  const { innerStatus } = await import('../src/index.js');
  const receipt = (id: string, status: Record<string, unknown>, children: string[] = []) => ({ id, outcome: { receipt_ids: children, status } });
  const outcome = (callStatus: Record<string, unknown>, rest: ReturnType<typeof receipt>[]) => ({
    status: { SuccessValue: '' },
    transaction: { hash: 'tx' },
    transaction_outcome: { outcome: { receipt_ids: ['delegate'] } },
    receipts_outcome: [receipt('delegate', { SuccessValue: '' }, ['call']), receipt('call', callStatus, ['transfer', 'callback']), ...rest],
  });
  const settled = outcome({ SuccessReceiptId: 'callback' }, [receipt('transfer', { Failure: { x: 1 } }), receipt('callback', { SuccessValue: 'ZmFsc2U=' })]);
  t.deepEqual(innerStatus(settled), { SuccessValue: 'ZmFsc2U=' }, 'the callback decides, not the failed transfer it handled');
  t.deepEqual(innerStatus(outcome({ Failure: { panic: 'Payout: nothing claimable' } }, [])), { Failure: { panic: 'Payout: nothing claimable' } });
  const rejected = { ...settled, receipts_outcome: [receipt('delegate', { Failure: { DelegateActionExpired: {} } })] };
  t.deepEqual(innerStatus(rejected), { Failure: { DelegateActionExpired: {} } }, 'a rejected Delegate receipt is the failure');
});

test('pre-check arguments: "$sender" and "$args.<name>" are replaced at any depth, the rest passed as written', (t) => {
  const template = { account_id: '$sender', pool_ids: ['$args.pool_id'], nested: { missing: '$args.nope', literal: 'x', n: 3 } };
  t.deepEqual(preCheckArgs(template, 'alice.near', { pool_id: 4 }), { account_id: 'alice.near', pool_ids: [4], nested: { missing: null, literal: 'x', n: 3 } });
});

test('a pre-check allows the call only on a truthy answer: nothing claimable is [], null, false, 0 or "0"', (t) => {
  t.deepEqual([null, undefined, false, 0, '', '0', [], {}].map(allowsCall), [false, false, false, false, false, false, false, false]);
  t.deepEqual([true, 1, '12', [{ amount: '1' }], { amount: '1' }].map(allowsCall), [true, true, true, true, true]);
});

test('the reservation is the delegate\'s gas plus the relayer\'s overhead at the gas price, plus its deposits', (t) => {
  const decoded = decodeSignedDelegate(signedDelegate({ actionList: [actions.functionCall('claim', {}, 30n * TGAS, 5n)] }));
  t.is(maximumCost(decoded, 100_000_000n), (30n * TGAS + RELAY_OVERHEAD_GAS) * 100_000_000n + 5n);
});

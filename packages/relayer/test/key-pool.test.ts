/**
 * The key pool's recovery from a send the node refuses, against a stub node (src/node-rpc.ts'
 * NodeRpc): what is signed again, with which nonce and block, and what is left as signed.
 */
import test from 'ava';
import { JsonRpcProvider, KeyPair, Signature, SignedTransaction, actions, buildDelegateAction, type KeyPairString } from 'near-api-js';
import { InvalidNonceError, RpcError, TransactionExecutionError, TransactionExpiredError } from 'near-api-js/rpc-errors';
import { base58 } from '@scure/base';
import { DelegateNonceUsedError, derivePoolKey, openKeyPool, type ResendCheck, type ResendCheckResult } from '../src/key-pool.js';
import type { NodeRpc, SendTxAnswer } from '../src/node-rpc.js';

const RELAYER = 'relayer.test.near';

/** A block hash that names its height (its first four bytes), so any stub node reads a block by its hash. */
const blockHashAt = (height: number) => {
  const hash = new Uint8Array(32);
  new DataView(hash.buffer).setUint32(0, height);
  return base58.encode(hash);
};
/** nearcore's answer for an access key an account does not have (a deleted one). */
const unknownAccessKey = () => new RpcError('query: HANDLER_ERROR: UNKNOWN_ACCESS_KEY {"public_key":"ed25519:…"}');

/**
 * A node whose final block moves one height per read (`skip` moves it further), that refuses the sends `refuse`
 * picks (by call index) as Expired, or with the error it answers; a refusal is answered once `answerAfter` sends have
 * arrived (default: at once). `known`: the hashes it knows (`txKnown`, default none); `keyNonce`: the pool keys' nonce
 * on chain (default 10; null: the key is deleted); `senderNonce`: other accounts' keys' (default: none there).
 */
function stubNode(
  poolKeys: KeyPair[],
  refuse: (call: number) => boolean | Error,
  answerAfter = 0,
  { known = () => false, keyNonce = () => 10n, senderNonce = () => null }: { known?: (hash: string) => boolean; keyNonce?: () => bigint | null; senderNonce?: () => bigint | null } = {},
) {
  let height = 1_000;
  const sent: { nonce: bigint; blockHash: string; receiverId: string }[] = [];
  /** The hashes asked about with txKnown, in order. */
  const asked: string[] = [];
  const rpc: NodeRpc = {
    async block(at) {
      const named = typeof at === 'string' ? ++height : new DataView(base58.decode(at.hash).buffer).getUint32(0);
      return { header: { height: named, hash: blockHashAt(named), gas_price: '100000000' } };
    },
    async accessKey(accountId) {
      const nonce = accountId === RELAYER ? keyNonce() : senderNonce();
      if (nonce === null) throw unknownAccessKey();
      return { nonce, permission: 'FullAccess' };
    },
    async sendTx(signedTxBase64): Promise<SendTxAnswer> {
      const { transaction } = SignedTransaction.decode(Buffer.from(signedTxBase64, 'base64'));
      sent.push({ nonce: BigInt(transaction.nonce), blockHash: base58.encode(Uint8Array.from(transaction.blockHash)), receiverId: transaction.receiverId });
      const refusal = refuse(sent.length - 1);
      if (refusal) {
        while (sent.length < answerAfter) await new Promise((r) => setTimeout(r, 1));
        throw refusal === true ? new TransactionExpiredError('', '') : refusal;
      }
      return { final_execution_status: 'INCLUDED' };
    },
    async txStatus() {
      throw new Error('not asked here');
    },
    async txKnown(hash) {
      asked.push(hash);
      return known(hash);
    },
    close() {},
  };
  // What openKeyPool asks near-api-js' provider at start: the account's keys (all there) and the validity period.
  const provider = {
    viewAccessKeyList: async () => ({ keys: poolKeys.map((pair) => ({ public_key: pair.getPublicKey().toString() })) }),
    sendJsonRpc: async () => ({ transaction_validity_period: 100 }),
  } as unknown as JsonRpcProvider;
  return { rpc, provider, sent, asked, skip: (blocks: number) => void (height += blocks) };
}

/** A pool of one key of instance "test" on a stub node, with `options` beside. */
const poolOn = (node: ReturnType<typeof stubNode>, mainKey: KeyPairString, options: Partial<Parameters<typeof openKeyPool>[0]> = {}) =>
  openKeyPool({ provider: node.provider, rpc: node.rpc, accountId: RELAYER, mainKey, size: 1, instance: 'test', ...options });

test('a send the node refuses as expired is signed again with its own nonce and a newer block: the key\'s transactions waiting behind it keep theirs, none is signed again (nearcore InvalidTxError::Expired)', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => call === 0);
  const pool = await poolOn(node, mainKey);
  const list = { list: [actions.transfer(1n)] };
  const signed = [];
  for (const senderId of ['a.test.near', 'b.test.near', 'c.test.near']) signed.push(await pool.sign(senderId, list));
  t.deepEqual(signed.map((s) => BigInt(s.signedTransaction.transaction.nonce)), [11n, 12n, 13n]);
  const resigned: bigint[] = [];
  const results = await Promise.all(signed.map((s) => pool.send(s, list, { onResign: async (again) => void resigned.push(BigInt(again.signedTransaction.transaction.nonce)) })));
  t.deepEqual(
    node.sent.map((s) => [s.receiverId, s.nonce]),
    [
      ['a.test.near', 11n],
      ['a.test.near', 11n],
      ['b.test.near', 12n],
      ['c.test.near', 13n],
    ],
  );
  t.deepEqual(resigned, [11n], 'only the expired transaction is signed again');
  t.not(node.sent[1].blockHash, node.sent[0].blockHash, 'signed again with a newer block');
  t.not(results[0].sent.hash, signed[0].hash);
  t.deepEqual(
    results.slice(1).map((r) => r.sent.hash),
    signed.slice(1).map((s) => s.hash),
  );
});

test('with two transactions of a key in flight, one refused as expired after the next went out takes a new nonce: it never goes out below a nonce already sent, which could land first and leave it behind', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => call === 0, 2);
  const pool = await poolOn(node, mainKey, { depth: 2 });
  const list = { list: [actions.transfer(1n)] };
  const signed = [];
  for (const senderId of ['a.test.near', 'b.test.near']) signed.push(await pool.sign(senderId, list));
  await Promise.all(signed.map((s) => pool.send(s, list)));
  t.deepEqual(
    node.sent.map((s) => [s.receiverId, s.nonce]),
    [
      ['a.test.near', 11n],
      ['b.test.near', 12n],
      ['a.test.near', 13n],
    ],
  );
});

/** A transaction signed by a first process of instance `test` (its pool key 0, nonce 11), to be resumed by a second. */
async function signedBeforeRestart(mainKey: KeyPairString, list: { list: ReturnType<typeof actions.transfer>[] }) {
  const first = stubNode([derivePoolKey(mainKey, 'test', 0)], () => false);
  const pool = await openKeyPool({ provider: first.provider, rpc: first.rpc, accountId: RELAYER, mainKey, size: 1, instance: 'test' });
  return pool.sign('a.test.near', list);
}

const invalidNonce = (txNonce: number, akNonce: number) => new InvalidNonceError(akNonce, txNonce, '', '');

// key-pool.ts "submitted once": a copy sent before the restart may have landed; the relayer pays for every transaction that lands.
test('a transaction resumed after a restart, refused as InvalidNonce, whose hash the node knows: it is followed, nothing is signed again', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const list = { list: [actions.transfer(1n)] };
  const before = await signedBeforeRestart(mainKey, list);
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? invalidNonce(11, 11) : false), 0, { known: (hash) => hash === before.hash, keyNonce: () => 11n });
  const pool = await poolOn(node, mainKey);
  const resumed = pool.resume(before.signedTransaction, before.base64, 'a.test.near');
  let resigned = 0;
  const result = await pool.send(resumed, list, { onResign: async () => void resigned++ });
  t.is(result.sent.hash, before.hash, 'the known hash is the one followed');
  t.deepEqual(node.asked, [before.hash]);
  t.is(resigned, 0);
  t.deepEqual(node.sent.map((s) => s.nonce), [11n], 'sent once, as it was signed');
});

test('a transaction resumed after a restart, refused as InvalidNonce, unknown to the node while the key\'s nonce on chain is at or above its own: another transaction took the nonce, so it is signed again with the next', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const list = { list: [actions.transfer(1n)] };
  const before = await signedBeforeRestart(mainKey, list);
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? invalidNonce(11, 11) : false), 0, { keyNonce: () => 11n });
  const pool = await poolOn(node, mainKey);
  const resigned: bigint[] = [];
  const result = await pool.send(pool.resume(before.signedTransaction, before.base64, 'a.test.near'), list, { onResign: async (again) => void resigned.push(BigInt(again.signedTransaction.transaction.nonce)) });
  t.deepEqual(node.asked, [before.hash]);
  t.deepEqual(resigned, [12n]);
  t.deepEqual(node.sent.map((s) => s.nonce), [11n, 12n]);
  t.not(result.sent.hash, before.hash);
});

test('a transaction resumed after a restart, refused as InvalidNonce, unknown to the node but its nonce not yet used on chain (a lagging view): never signed again, its outcome is followed', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const list = { list: [actions.transfer(1n)] };
  const before = await signedBeforeRestart(mainKey, list);
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? invalidNonce(11, 11) : false), 0, { keyNonce: () => 10n });
  const pool = await poolOn(node, mainKey);
  let resigned = 0;
  const result = await pool.send(pool.resume(before.signedTransaction, before.base64, 'a.test.near'), list, { onResign: async () => void resigned++ });
  t.is(result.sent.hash, before.hash);
  t.is(resigned, 0);
  t.deepEqual(node.asked, [before.hash, before.hash, before.hash], 'asked three times');
  t.deepEqual(node.sent.map((s) => s.nonce), [11n]);
});

test('a clean InvalidNonce (the only copy ever sent): signed again at once with the key\'s next nonce, without asking the node about its hash', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? invalidNonce(11, 11) : false), 0, { keyNonce: () => 11n });
  const pool = await poolOn(node, mainKey);
  const list = { list: [actions.transfer(1n)] };
  const signed = await pool.sign('a.test.near', list);
  const result = await pool.send(signed, list);
  t.deepEqual(node.asked, [], 'no status check on the cheap path');
  t.deepEqual(node.sent.map((s) => s.nonce), [12n, 13n]);
  t.not(result.sent.hash, signed.hash);
});

test('a transaction resumed after a restart and refused otherwise (NotEnoughBalance): the job\'s refusal only once its hash is unknown and its nonce taken; while it could still land, it is followed', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const list = { list: [actions.transfer(1n)] };
  const before = await signedBeforeRestart(mainKey, list);
  const notEnoughBalance = () => new TransactionExecutionError('Invalid transaction: {"NotEnoughBalance":{}}', '', '');
  for (const [keyNonce, refused] of [[10n, false], [11n, true]] as const) {
    const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? notEnoughBalance() : false), 0, { keyNonce: () => keyNonce });
    const pool = await poolOn(node, mainKey);
    const sending = pool.send(pool.resume(before.signedTransaction, before.base64, 'a.test.near'), list);
    if (refused) await t.throwsAsync(sending, { instanceOf: TransactionExecutionError }, 'unknown, its nonce taken: it never ran');
    else t.is((await sending).sent.hash, before.hash, 'unknown but its nonce free: it may still land, so it is followed');
    t.deepEqual(node.sent.map((s) => s.nonce), [11n], 'nothing signed again');
  }
});

test('every look-up of an earlier copy is reported with what it decided (followed, signed_again, refused, undecided), once per refusal; a clean refusal reports none', async (t) => {
  const list = { list: [actions.transfer(1n)] };
  const notEnoughBalance = () => new TransactionExecutionError('Invalid transaction: {"NotEnoughBalance":{}}', '', '');
  const cases: { result: ResendCheckResult | undefined; refusal: () => Error; known: boolean; keyNonce: bigint; resumed: boolean }[] = [
    { result: 'followed', refusal: () => invalidNonce(11, 11), known: true, keyNonce: 11n, resumed: true },
    { result: 'signed_again', refusal: () => invalidNonce(11, 11), known: false, keyNonce: 11n, resumed: true },
    { result: 'refused', refusal: notEnoughBalance, known: false, keyNonce: 11n, resumed: true },
    { result: 'undecided', refusal: () => invalidNonce(11, 11), known: false, keyNonce: 10n, resumed: true },
    { result: undefined, refusal: () => invalidNonce(11, 11), known: false, keyNonce: 11n, resumed: false },
  ];
  for (const { result, refusal, known, keyNonce, resumed } of cases) {
    const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
    const before = await signedBeforeRestart(mainKey, list);
    const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? refusal() : false), 0, { known: (hash) => known && hash === before.hash, keyNonce: () => keyNonce });
    const checks: ResendCheck[] = [];
    const pool = await poolOn(node, mainKey, { onResendCheck: (check) => void checks.push(check) });
    const signed = resumed ? pool.resume(before.signedTransaction, before.base64, 'a.test.near') : await pool.sign('a.test.near', list);
    await pool.send(signed, list).catch(() => undefined);
    const expected = result === undefined ? [] : [{ result, transactionHash: before.hash, senderId: 'a.test.near', refusal: `${refusal().name}: ${refusal().message}` }];
    t.deepEqual(checks, expected, String(result));
  }
});

/** A relayer transaction's actions: a delegate of a.test.near with nonce 7 (its signature is not checked here). */
function delegateList() {
  const delegateAction = buildDelegateAction({ senderId: 'a.test.near', receiverId: 'payout.test.near', actions: [actions.transfer(1n)], nonce: 7n, maxBlockHeight: 5_000n, publicKey: KeyPair.fromRandom('ed25519').getPublicKey() });
  return { list: [actions.signedDelegate({ delegateAction, signature: new Signature({ keyType: 0, data: new Uint8Array(64) }) })] };
}

// nearcore garbage-collects transactions a few epochs old and then answers UNKNOWN_TRANSACTION for one that landed.
test('a resumed transaction, unknown to the node and unable to land, whose delegate\'s nonce is used on chain (or whose sender key is gone): never signed again, the job ends with DelegateNonceUsedError; a delegate still unused is signed again', async (t) => {
  const list = delegateList();
  const cases = [
    { senderNonce: 7n, ends: true },
    { senderNonce: null, ends: true },
    { senderNonce: 6n, ends: false },
  ];
  for (const { senderNonce, ends } of cases) {
    const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
    const before = await signedBeforeRestart(mainKey, list);
    const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? invalidNonce(11, 11) : false), 0, { keyNonce: () => 11n, senderNonce: () => senderNonce });
    const checks: ResendCheckResult[] = [];
    const pool = await poolOn(node, mainKey, { onResendCheck: (check) => void checks.push(check.result) });
    const sending = pool.send(pool.resume(before.signedTransaction, before.base64, 'a.test.near'), list);
    if (ends) {
      const error = await t.throwsAsync(sending, { instanceOf: DelegateNonceUsedError });
      t.is(error?.transactionHash, before.hash);
      t.regex(error?.message ?? '', senderNonce === null ? /nonce 7 is used on chain \(a\.test\.near's key .* no longer exists\)/ : /nonce 7 is used on chain \(a\.test\.near's key .* is at nonce 7\)/);
      t.deepEqual(checks, ['delegate_used']);
      t.deepEqual(node.sent.map((s) => s.nonce), [11n], `sender nonce ${senderNonce}: nothing signed again`);
    } else {
      t.not((await sending).sent.hash, before.hash);
      t.deepEqual(checks, ['signed_again']);
      t.deepEqual(node.sent.map((s) => s.nonce), [11n, 12n], 'the delegate can still run: signed again with the next nonce');
    }
  }
});

// nearcore chain/chain/src/store/utils.rs check_transaction_validity_period: Expired also when the node does not
// know the transaction's block (a lagging node) or it is not an ancestor of its head.
test('a resumed transaction refused as Expired while its block is within the validity period of the final block: never taken as unable to land (a lagging node), its outcome is followed; past the period it is signed again', async (t) => {
  const list = { list: [actions.transfer(1n)] };
  for (const pastPeriod of [false, true]) {
    const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
    const before = await signedBeforeRestart(mainKey, list);
    // Depth 2: b's transaction (nonce 12) goes out before the resumed one is refused, so signing again takes nonce 13.
    const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => call === 0, 2);
    if (pastPeriod) node.skip(150);
    const checks: ResendCheckResult[] = [];
    const pool = await poolOn(node, mainKey, { depth: 2, onResendCheck: (check) => void checks.push(check.result) });
    const resumed = pool.resume(before.signedTransaction, before.base64, 'a.test.near');
    const next = await pool.sign('b.test.near', list);
    const [result] = await Promise.all([pool.send(resumed, list), pool.send(next, list)]);
    if (pastPeriod) {
      t.deepEqual(checks, ['signed_again']);
      t.deepEqual(node.sent.map((s) => s.nonce), [11n, 12n, 13n]);
    } else {
      t.is(result.sent.hash, before.hash, 'followed');
      t.deepEqual(checks, ['undecided']);
      t.deepEqual(node.sent.map((s) => s.nonce), [11n, 12n], 'no second copy with a new nonce');
    }
  }
});

test('a resumed transaction refused otherwise after its pool key was deleted on chain (UNKNOWN_ACCESS_KEY): the key is gone, so it can never land: the job\'s refusal, not followed forever', async (t) => {
  const mainKey = KeyPair.fromRandom('ed25519').toString() as KeyPairString;
  const list = { list: [actions.transfer(1n)] };
  const before = await signedBeforeRestart(mainKey, list);
  const keyNotFound = () => new TransactionExecutionError('Invalid transaction: {"InvalidAccessKeyError":"AccessKeyNotFound"}', '', '');
  const node = stubNode([derivePoolKey(mainKey, 'test', 0)], (call) => (call === 0 ? keyNotFound() : false), 0, { keyNonce: () => null });
  const checks: ResendCheckResult[] = [];
  const pool = await poolOn(node, mainKey, { onResendCheck: (check) => void checks.push(check.result) });
  await t.throwsAsync(pool.send(pool.resume(before.signedTransaction, before.base64, 'a.test.near'), list), { instanceOf: TransactionExecutionError });
  t.deepEqual(checks, ['refused']);
  t.deepEqual(node.asked, [before.hash], 'decided at the first check');
  t.deepEqual(node.sent.map((s) => s.nonce), [11n]);
});

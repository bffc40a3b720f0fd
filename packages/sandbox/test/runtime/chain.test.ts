import test from 'ava';
import { createSandbox, KeyPair, NEAR, UnknownAccountError } from '../../src/index.js';
import { hashToString } from '../../src/primitives/hash.js';

test('genesis as `neard init` makes it: test.near 10^9 NEAR + 5·10^7 NEAR locked, near 10^9 NEAR, 182 bytes each', (t) => {
  const node = createSandbox();
  t.deepEqual(node.viewAccount('test.near'), {
    amount: (1_000_000_000n * NEAR).toString(),
    locked: (50_000_000n * NEAR).toString(),
    code_hash: '11111111111111111111111111111111',
    storage_usage: 182,
    storage_paid_at: 0,
  });
  t.is(node.viewAccount('near').amount, (1_000_000_000n * NEAR).toString());
  t.is(node.head.height, 0n);
  t.is(node.head.totalSupply, 2_050_000_000n * NEAR);
  // the root key is nearcore's SecretKey::from_seed("test.near")
  t.is(node.root.keyPair.publicKeyString, KeyPair.fromSeed('test.near').publicKeyString);
  t.deepEqual(node.viewAccessKeys('test.near'), [{ public_key: node.root.keyPair.publicKeyString, access_key: { nonce: 0, permission: 'FullAccess' } }]);
  t.is(node.protocolVersion, 86);
  t.is(createSandbox({ protocolVersion: 77 }).protocolVersion, 77);
  t.throws(() => createSandbox({ protocolVersion: 12 }), { message: /not supported/ });
});

test('deterministic chain: same inputs give the same block hashes, tx hashes and timestamps', (t) => {
  const run = () => {
    const node = createSandbox({ genesisTime: new Date('2030-01-01T00:00:00Z'), blockTimeMs: 600 });
    node.createAccount('alice.test.near');
    const r = node.transfer('alice.test.near', 'test.near', 1n);
    return { head: hashToString(node.head.hash), tx: r.hash, ts: node.head.timestamp, height: node.head.height };
  };
  const a = run();
  t.deepEqual(run(), a);
  t.is(a.ts, BigInt(Date.parse('2030-01-01T00:00:00Z')) * 1_000_000n + a.height * 600_000_000n);
});

test('produceBlocks advances height/time; epochs of 500 blocks; getBlock by height and hash', (t) => {
  const node = createSandbox();
  const head = node.produceBlocks(1000);
  t.is(head.height, 1000n);
  t.is(node.getBlock(500).epochHeight, 1n);
  t.is(node.getBlock(501).epochHeight, 2n);
  t.is(node.getBlock(hashToString(node.getBlock(42).hash)).height, 42n);
  t.deepEqual(node.getBlock(43).prevHash, node.getBlock(42).hash);
  t.throws(() => node.getBlock(5000), { message: /not known/ });
});

test('snapshot / restore brings back state, blocks and keys', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const snap = node.snapshot();
  const height = node.head.height;
  node.createAccount('bob.test.near');
  node.transfer('alice.test.near', 'bob.test.near', NEAR);
  t.is(node.getBalance('bob.test.near'), 101n * NEAR);
  node.restore(snap);
  t.is(node.head.height, height);
  t.throws(() => node.viewAccount('bob.test.near'), { instanceOf: UnknownAccountError });
  t.is(node.getBalance('alice.test.near'), 100n * NEAR);
  // the restored chain continues normally, and the snapshot can be restored again
  t.true(node.transfer('alice.test.near', 'test.near', 1n).succeeded);
  node.restore(snap);
  t.is(node.getBalance('alice.test.near'), 100n * NEAR);
});

test('patchState: Account / AccessKey / Contract / Data records applied verbatim (no storage recomputation)', (t) => {
  const node = createSandbox();
  const kp = KeyPair.fromLabel('patched');
  node.patchState([
    { Account: { account_id: 'patched.test.near', account: { amount: (100n * NEAR).toString(), locked: '0', code_hash: '11111111111111111111111111111111', storage_usage: 0 } } },
    { AccessKey: { account_id: 'patched.test.near', public_key: kp.publicKeyString, access_key: { nonce: 0, permission: 'FullAccess' } } },
    { Data: { account_id: 'patched.test.near', data_key: Buffer.from('STATE').toString('base64'), value: Buffer.from('v1').toString('base64') } },
  ]);
  t.is(node.viewAccount('patched.test.near').storage_usage, 0);
  t.is(node.viewAccount('patched.test.near').amount, (100n * NEAR).toString());
  t.deepEqual(node.viewState('patched.test.near').map((e) => Buffer.from(e.key).toString()), ['STATE']);
  node.setKeyPair('patched.test.near', kp);
  t.true(node.transfer('patched.test.near', 'test.near', NEAR).succeeded);
  // a bad record in a batch changes nothing
  t.throws(() => node.patchState([
    { Data: { account_id: 'patched.test.near', data_key: Buffer.from('A').toString('base64'), value: '' } },
    { AccessKey: { account_id: 'patched.test.near', public_key: 'ed25519:nope', access_key: { nonce: 0, permission: 'FullAccess' } } },
  ]));
  t.is(node.viewState('patched.test.near').length, 1);
});

test('createAccount: sub-account by a real transaction, top-level by patch; bad ids get a clear error', (t) => {
  const node = createSandbox();
  const alice = node.createAccount('alice.test.near', { balance: 3n * NEAR });
  t.is(node.getBalance('alice.test.near'), 3n * NEAR);
  t.is(node.head.height > 0n, true);
  const top = node.createAccount('registrarless');
  t.is(node.viewAccount('registrarless').storage_usage, 182);
  t.true(node.transfer('registrarless', alice.accountId, 1n).succeeded);
  t.throws(() => node.createAccount('Bad..Id'), { message: /invalid account id/ });
  t.is(top.keyPair.publicKeyString, node.viewAccessKeys('registrarless')[0]!.public_key);
});

test('total supply decreases by burnt tokens minus contract rewards', (t) => {
  const node = createSandbox();
  node.createAccount('alice.test.near');
  const before = node.head.totalSupply;
  const r = node.transfer('alice.test.near', 'test.near', NEAR);
  t.is(before - node.head.totalSupply, r.tokensBurnt);
});

test('a block that throws (a VM bug, not a contract failure) is undone as a whole: state, pool and queues unchanged', async (t) => {
  const { Chain } = await import('../../src/runtime/chain.js');
  const { runtimeConfig } = await import('../../src/parameters/index.js');
  const { encodeTransaction, signedTransactionBytes } = await import('../../src/primitives/transaction.js');
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const key = KeyPair.fromLabel('root');
  let broken = true;
  const chain = new Chain({
    config: runtimeConfig(86), genesisTime: 0n, clock: { blockTimeNs: 1n, skippedHeightNs: 1n }, genesisHeight: 0n, epochLength: 500n, chainId: 't', validatorId: 'test.near',
    accounts: [{ accountId: 'test.near', amount: 1000n * NEAR, locked: 0n, publicKey: key.publicKey }],
    runFunctionCall: () => {
      if (broken) throw new Error('vm bug');
      return { balance: 0n, subsidizedAmount: 0n, storageUsage: 0n, returnData: { kind: 'None' }, burntGas: 0n, usedGas: 0n, logs: [], receipts: [], profile: {}, aborted: null };
    },
  });
  chain.state.code.set('test.near', new Uint8Array([0]));
  chain.state.setAccount('test.near', { ...chain.state.getAccount('test.near')!, codeHash: new Uint8Array(32).fill(1) });
  chain.state.finalize();
  const sign = (nonce: bigint, actions: any[]) => {
    const body = encodeTransaction({ signerId: 'test.near', publicKey: key.publicKey, nonce, receiverId: 'test.near', blockHash: chain.head.hash, actions });
    return signedTransactionBytes(body, key.sign(sha256(body)));
  };
  chain.submitTransaction(sign(1n, [{ type: 'Transfer', deposit: 1n }, { type: 'FunctionCall', methodName: 'f', args: new Uint8Array(), gas: 10n ** 12n, deposit: 0n }]));
  const before = chain.state.getAccount('test.near');
  t.throws(() => chain.produceBlock(), { message: 'vm bug' });
  t.deepEqual(chain.state.getAccount('test.near'), before);
  t.is(chain.head.height, 0n);
  t.true(chain.hasPendingWork);
  broken = false;
  chain.produceBlock();
  t.is(chain.head.height, 1n);
  t.is(chain.state.getAccessKey('test.near', key.publicKey)!.nonce, 1n);
});

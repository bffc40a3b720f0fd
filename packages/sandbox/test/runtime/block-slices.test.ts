/**
 * A block applied in slices (Chain `produceBlockInSlices`, what the node's producer runs so that reads are
 * answered during a block, as nearcore's view client answers from the head's state while the next block is
 * applied): at every point where the block is suspended, every read equals the read before the block (state,
 * head, pool, outcomes), a view's writes see themselves and vanish with its rollback, and the block comes out
 * exactly as `produceBlock` makes it (outcomes, gas, state root, hash, state changes).
 */
import test from 'ava';
import { deepStrictEqual, strictEqual, throws } from 'node:assert';
import fc from 'fast-check';
import { createSandbox, KeyPair, NEAR, TGAS, ViewCallError, type Sandbox } from '../../src/index.js';
import { hashToString } from '../../src/primitives/hash.js';
import { watToWasm } from './contract-helpers.js';

const wasm = await watToWasm('block-reads.wat');
const CONTRACT = 'c.test.near';
const USERS = ['u0.test.near', 'u1.test.near', 'u2.test.near'];
const SIGNERS = [...USERS, CONTRACT];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

/** The same chain every time (createSandbox is deterministic): users, and the contract that signs to itself too. */
function setup(): Sandbox {
  const node = createSandbox();
  for (const id of SIGNERS) node.createAccount(id, { balance: 100n * NEAR, keyPair: KeyPair.fromLabel(id) });
  node.deployContract(CONTRACT, wasm);
  node.call(CONTRACT, CONTRACT, 'set', new TextEncoder().encode('start'), { gas: 30n * TGAS });
  return node;
}

type Op =
  | { kind: 'transfer'; from: number; to: number; amount: bigint }
  | { kind: 'set'; from: number; value: Uint8Array }
  | { kind: 'burn'; from: number; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('transfer' as const), from: fc.nat(3), to: fc.nat(3), amount: fc.bigInt({ min: 1n, max: 10n ** 24n }) }),
  fc.record({ kind: fc.constant('set' as const), from: fc.nat(3), value: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('burn' as const), from: fc.nat(3), n: fc.nat(20_000) }),
);

/** Signs the block's transactions with consecutive nonces per signer (a signer's several in one block). */
function submit(node: Sandbox, ops: Op[]): string[] {
  const nonces = new Map<string, bigint>();
  return ops.map((o) => {
    const signer = SIGNERS[o.from]!;
    const nonce = (nonces.get(signer) ?? node.getAccessKey(signer, KeyPair.fromLabel(signer).publicKey)!.nonce) + 1n;
    nonces.set(signer, nonce);
    const call = (methodName: string, args: Uint8Array) => [{ type: 'FunctionCall' as const, methodName, args, gas: 50n * TGAS, deposit: 0n }];
    const [receiver, actions] =
      o.kind === 'transfer' ? [SIGNERS[o.to]!, [{ type: 'Transfer' as const, deposit: o.amount }]] : o.kind === 'set' ? [CONTRACT, call('set', o.value)] : [CONTRACT, call('burn', u32(o.n))];
    return node.submitTransaction(node.signTransaction(signer, receiver, actions, { nonce }));
  });
}

/** Everything a client can read: head, accounts, keys, contract state and a view call, the pool, outcomes. */
function reads(node: Sandbox, txs: string[]) {
  const chain = node.chain;
  return {
    head: [chain.head.height, hashToString(chain.head.hash), hashToString(chain.state.stateRoot)],
    accounts: SIGNERS.map((id) => node.viewAccount(id)),
    keys: SIGNERS.map((id) => node.viewAccessKeys(id)),
    storage: node.viewState(CONTRACT).map(({ key, value }) => [hex(key), hex(value)]),
    view: hex(node.viewFunction(CONTRACT, 'get').result),
    pending: chain.hasPendingWork,
    // what a commit to disk takes besides accounts, keys, code and data (node/run.ts takes it during a suspension)
    runtime: [...chain.runtimeRecords()],
    txs: txs.map((h) => ({ pooled: chain.isPooled(h), known: chain.hasTransaction(h), outcome: chain.finalOutcome(h) })),
  };
}

/** What a block produced, to compare the two ways of producing it. */
function produced(node: Sandbox, txs: string[]) {
  const head = node.chain.head;
  return {
    block: { ...head, stateChanges: JSON.stringify(head.stateChanges, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) },
    outcomes: txs.map((h) => node.chain.finalOutcome(h)),
    state: reads(node, txs),
  };
}

test('a block in slices: every read at every suspension equals the read before the block; same block as produceBlock', async (t) => {
  let suspensions = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 3 }), async (blocks) => {
      const whole = setup();
      const sliced = setup();
      const all: string[] = [];
      // each list of operations is one block; one more block runs the receipts they left
      for (const ops of [...blocks, []]) {
        const hashes = submit(whole, ops);
        deepStrictEqual(submit(sliced, ops), hashes);
        all.push(...hashes);
        whole.chain.produceBlock();
        const before = reads(sliced, all);
        await sliced.chain.produceBlockInSlices(
          () => true,
          async () => {
            suspensions++;
            deepStrictEqual(reads(sliced, all), before);
            // a write while suspended (what a view writes) is seen by the next read, then gone with the rollback
            const state = sliced.chain.state;
            state.setData(CONTRACT, new TextEncoder().encode('v'), Uint8Array.of(7, 7));
            deepStrictEqual(state.getData(CONTRACT, new TextEncoder().encode('v')), Uint8Array.of(7, 7));
            state.rollback();
            // nearcore refuses storage_write in a view (logic.rs: ProhibitedInView): the call fails and changes nothing
            throws(() => sliced.viewFunction(CONTRACT, 'write_then_read', Uint8Array.of(9)), (e) => e instanceof ViewCallError && /storage_write is not allowed in view calls/.test(JSON.stringify(e.error)));
            deepStrictEqual(reads(sliced, all), before);
          },
        );
        strictEqual(sliced.chain.state.suspended, false);
        deepStrictEqual(produced(sliced, all), produced(whole, all));
      }
    }),
    { numRuns: 20 },
  );
  t.true(suspensions > 20, `the blocks were suspended ${suspensions} times`);
});

test('a block that throws between slices is undone as a whole, and the next attempt makes the block produceBlock makes', async (t) => {
  const whole = setup();
  const sliced = setup();
  const ops: Op[] = [{ kind: 'set', from: 3, value: Uint8Array.of(1) }, { kind: 'transfer', from: 0, to: 3, amount: 5n }];
  const hashes = submit(whole, ops);
  submit(sliced, ops);
  const before = reads(sliced, hashes);
  let turns = 0;
  await t.throwsAsync(
    sliced.chain.produceBlockInSlices(
      () => true,
      async () => {
        if (++turns === 2) throw new Error('the event loop failed');
      },
    ),
    { message: 'the event loop failed' },
  );
  t.is(turns, 2, 'the block stopped at its second suspension');
  t.false(sliced.chain.producing);
  t.deepEqual(reads(sliced, hashes), before, 'state, head and pool as before the block');
  t.false(sliced.chain.state.suspended);
  whole.chain.produceBlock();
  await sliced.chain.produceBlockInSlices(() => false, async () => undefined);
  t.deepEqual(produced(sliced, hashes), produced(whole, hashes));
});

test('while a block is suspended, nothing else may produce a block or submit a transaction', async (t) => {
  const node = setup();
  submit(node, [{ kind: 'set', from: 3, value: Uint8Array.of(1) }]);
  const extra = node.signTransaction(USERS[0]!, USERS[1]!, [{ type: 'Transfer', deposit: 1n }]);
  let checked = false;
  await node.chain.produceBlockInSlices(
    () => !checked,
    async () => {
      checked = true;
      t.throws(() => node.chain.produceBlock(), { message: /a block is already being applied/ });
      t.throws(() => node.chain.submitTransaction(extra), { message: /a block is being applied/ });
    },
  );
  t.true(checked);
  node.chain.submitTransaction(extra);
  t.true(node.chain.hasPendingWork);
});

/**
 * Contract data in runtime/state.ts is journaled per key (nearcore's `TrieUpdate` keeps per-key prospective and
 * committed changes, core/store/src/trie/update.rs). fast-check drives random writes and deletes to the keys of
 * one account holding many entries, across receipts (commits, rollbacks), blocks (finalize), account deletion and
 * snapshots, against a plain model: after each step reads and prefix listings are the model's; while the block is
 * suspended they are the block's start whatever a view writes meanwhile; at each block's end the state root is
 * that of a state holding just the model's entries (so every written key was marked in the trie).
 */
import test from 'ava';
import fc from 'fast-check';
import { State } from '../../src/runtime/state.js';

const ACCOUNT = 'token.near';
const OTHER = 'other.near';
/** Keys sharing prefixes, so listings by prefix pick some of them. */
const KEYS = ['', 'a', 'ab', 'abc', 'b', 'ba', 'STATE', 'x1', 'x2', 'x3', 'x10', 'y'];
const PREFIXES = ['', 'a', 'ab', 'x', 'x1', 'S'];
/** Entries the account holds from the start, beside the keys the steps write. */
const FILLER = Array.from({ length: 40 }, (_, i) => `f${i}`);

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());
const hex = (s: string) => Buffer.from(s).toString('hex');

type Model = Map<string, string>;

type Step =
  | { op: 'set'; account: string; key: string; value: string }
  | { op: 'remove'; key: string }
  | { op: 'commit' }
  | { op: 'rollback' }
  | { op: 'suspendedRead'; viewSets: string[]; viewRemoves: string[] }
  | { op: 'finalize' }
  | { op: 'deleteAccount' }
  | { op: 'snapshot' }
  | { op: 'restore' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), account: fc.constantFrom(ACCOUNT, ACCOUNT, OTHER), key: fc.constantFrom(...KEYS, ...FILLER.slice(0, 3)), value: fc.string({ maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), key: fc.constantFrom(...KEYS, ...FILLER.slice(0, 3)) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'commit' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'rollback' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('suspendedRead' as const), viewSets: fc.array(fc.constantFrom(...KEYS), { maxLength: 3 }), viewRemoves: fc.array(fc.constantFrom(...KEYS, FILLER[0]!), { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'finalize' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'deleteAccount' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restore' as const }) },
);

/** Whether the state's reads of ACCOUNT (every key, and listings by prefix in trie order) are the model's. */
function readsEqual(state: State, model: Model): boolean {
  for (const key of [...KEYS, ...FILLER]) if (text(state.getData(ACCOUNT, bytes(key))) !== model.get(key)) return false;
  for (const prefix of PREFIXES) {
    const listed = state.listData(ACCOUNT, bytes(prefix)).map(([k, v]) => `${text(k)}=${text(v)}`);
    const expected = [...model].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (hex(a) < hex(b) ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
    if (listed.join(',') !== expected.join(',')) return false;
  }
  return true;
}

/** The state root of a state holding only `model` (ACCOUNT's entries) and `other` (OTHER's). */
function rootOf(model: Model, other: Model): string {
  const s = new State();
  for (const [k, v] of model) s.setData(ACCOUNT, bytes(k), bytes(v));
  for (const [k, v] of other) s.setData(OTHER, bytes(k), bytes(v));
  s.commit();
  s.finalize();
  return rootHex(s);
}
const rootHex = (s: State) => Buffer.from(s.stateRoot).toString('hex');

test('contract data written per key: reads, listings, suspended reads and the state root equal a model across receipts, blocks and snapshots', (t) => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      let state = new State();
      const start: Model = new Map(FILLER.map((k) => [k, `v${k}`]));
      for (const [k, v] of start) state.setData(ACCOUNT, bytes(k), bytes(v));
      state.commit();
      state.finalize();
      state.keepBlockStart();
      /** ACCOUNT's entries: as written so far, as of the last commit, as of the block's start. */
      let current = new Map(start);
      let committed = new Map(start);
      let blockStart = new Map(start);
      /** OTHER's entries (only written, to check one account's writes and deletion leave the other's alone). */
      let other: Model = new Map();
      let otherCommitted: Model = new Map();
      let saved: { state: State; model: Model; other: Model } | undefined;
      const endBlock = () => {
        state.commit();
        state.finalize();
        state.keepBlockStart();
        committed = new Map(current);
        otherCommitted = new Map(other);
        blockStart = new Map(current);
      };
      for (const s of steps) {
        switch (s.op) {
          case 'set': {
            const model = s.account === ACCOUNT ? current : other;
            if (text(state.setData(s.account, bytes(s.key), bytes(s.value))) !== model.get(s.key)) return false;
            model.set(s.key, s.value);
            break;
          }
          case 'remove':
            if (text(state.removeData(ACCOUNT, bytes(s.key))) !== current.get(s.key)) return false;
            current.delete(s.key);
            break;
          case 'commit':
            state.commit();
            committed = new Map(current);
            otherCommitted = new Map(other);
            break;
          case 'rollback':
            state.rollback();
            current = new Map(committed);
            other = new Map(otherCommitted);
            break;
          case 'suspendedRead': {
            // a block may only be suspended where its writes are committed or rolled back
            state.commit();
            committed = new Map(current);
            otherCommitted = new Map(other);
            state.suspend();
            if (!readsEqual(state, blockStart)) return false;
            // a view's writes: seen by the view, dropped by its rollback, never in the block
            const viewed = new Map(blockStart);
            for (const k of s.viewSets) {
              state.setData(ACCOUNT, bytes(k), bytes('view'));
              viewed.set(k, 'view');
            }
            for (const k of s.viewRemoves) {
              state.removeData(ACCOUNT, bytes(k));
              viewed.delete(k);
            }
            if (!readsEqual(state, viewed)) return false;
            state.rollback();
            if (!readsEqual(state, blockStart)) return false;
            state.resume();
            break;
          }
          case 'finalize': {
            endBlock();
            if (rootHex(state) !== rootOf(current, other)) return false;
            break;
          }
          case 'deleteAccount':
            state.removeAccount(ACCOUNT);
            current = new Map();
            break;
          case 'snapshot':
            endBlock();
            saved = { state: state.clone(), model: new Map(current), other: new Map(other) };
            break;
          case 'restore':
            if (!saved) break;
            state.commit();
            state.finalize();
            state = saved.state.clone();
            state.keepBlockStart();
            current = new Map(saved.model);
            other = new Map(saved.other);
            committed = new Map(current);
            otherCommitted = new Map(other);
            blockStart = new Map(current);
            break;
        }
        if (!readsEqual(state, current)) return false;
        for (const k of KEYS) if (text(state.getData(OTHER, bytes(k))) !== other.get(k)) return false;
      }
      endBlock();
      return rootHex(state) === rootOf(current, other);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

/**
 * The fork's overlay in runtime/state.ts (a read-only StateSource under the local state, tombstones for what was
 * deleted) against a plain model: a Map that starts as the source's entries and takes every write and delete.
 * fast-check drives random writes, deletes, receipt rollbacks, commits and snapshots over a few keys of two
 * accounts, one of which the source has and the other not; after every step reads, prefix listings and the
 * values `setData`/`removeData` report as replaced must be the model's, and the source is never written.
 */
import test from 'ava';
import fc from 'fast-check';
import { State, type Account, type StateSource } from '../../src/runtime/state.js';
import { NO_CODE_HASH } from '../../src/runtime/state.js';

const ACCOUNTS = ['forked.near', 'local.near'] as const;
const KEYS = ['a', 'ab', 'abc', 'b', 'STATE'];
const hex = (s: string) => Buffer.from(s).toString('hex');
const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

/** The remote: `forked.near` with a value under every other key; reads counted, never written. */
function source(): StateSource & { entries: Map<string, string> } {
  const entries = new Map(KEYS.filter((_, i) => i % 2 === 0).map((k) => [k, `remote ${k}`]));
  const account: Account = { amount: 10n, locked: 0n, codeHash: NO_CODE_HASH, storageUsage: 100n };
  return {
    entries,
    account: (id) => (id === ACCOUNTS[0] ? account : undefined),
    accessKey: () => undefined,
    accessKeys: () => [],
    code: () => undefined,
    data: (id, key) => (id === ACCOUNTS[0] ? (entries.has(Buffer.from(key).toString()) ? bytes(entries.get(Buffer.from(key).toString())!) : undefined) : undefined),
    dataWithPrefix: (id, prefix) =>
      id === ACCOUNTS[0] ? [...entries].filter(([k]) => hex(k).startsWith(Buffer.from(prefix).toString('hex'))).map(([k, v]) => [bytes(k), bytes(v)]) : [],
  };
}

type Step =
  | { op: 'set'; account: number; key: string; value: string }
  | { op: 'remove'; account: number; key: string }
  | { op: 'commit' }
  | { op: 'rollback' }
  | { op: 'deleteAccount'; account: number }
  | { op: 'snapshot' }
  | { op: 'restore' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), account: fc.integer({ min: 0, max: 1 }), key: fc.constantFrom(...KEYS), value: fc.string({ maxLength: 3 }) }),
  fc.record({ op: fc.constant('remove' as const), account: fc.integer({ min: 0, max: 1 }), key: fc.constantFrom(...KEYS) }),
  fc.constant({ op: 'commit' as const }),
  fc.constant({ op: 'rollback' as const }),
  fc.record({ op: fc.constant('deleteAccount' as const), account: fc.integer({ min: 0, max: 1 }) }),
  fc.constant({ op: 'snapshot' as const }),
  fc.constant({ op: 'restore' as const }),
);

test('reads through the fork overlay equal a model of the remote plus local writes, across rollbacks and snapshots', (t) => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const remote = source();
      const remoteBefore = new Map(remote.entries);
      let state = new State(undefined, remote);
      type Model = Map<string, Map<string, string>>;
      const copy = (m: Model): Model => new Map([...m].map(([a, e]) => [a, new Map(e)]));
      let committed: Model = new Map([[ACCOUNTS[0], new Map(remote.entries)], [ACCOUNTS[1], new Map()]]);
      let current = copy(committed);
      let saved: { state: State; model: Model } | undefined;
      for (const s of steps) {
        switch (s.op) {
          case 'set': {
            const replaced = text(state.setData(ACCOUNTS[s.account]!, bytes(s.key), bytes(s.value)));
            if (replaced !== current.get(ACCOUNTS[s.account]!)!.get(s.key)) return false;
            current.get(ACCOUNTS[s.account]!)!.set(s.key, s.value);
            break;
          }
          case 'remove': {
            const removed = text(state.removeData(ACCOUNTS[s.account]!, bytes(s.key)));
            if (removed !== current.get(ACCOUNTS[s.account]!)!.get(s.key)) return false;
            current.get(ACCOUNTS[s.account]!)!.delete(s.key);
            break;
          }
          case 'deleteAccount':
            state.removeAccount(ACCOUNTS[s.account]!);
            current.set(ACCOUNTS[s.account]!, new Map());
            break;
          case 'commit':
            state.commit();
            committed = copy(current);
            break;
          case 'rollback':
            state.rollback();
            current = copy(committed);
            break;
          case 'snapshot':
            state.finalize();
            committed = copy(current);
            saved = { state: state.clone(), model: copy(current) };
            break;
          case 'restore':
            if (!saved) break;
            state = saved.state.clone();
            current = copy(saved.model);
            committed = copy(current);
            break;
        }
        for (const account of ACCOUNTS) {
          const model = current.get(account)!;
          for (const key of KEYS) if (text(state.getData(account, bytes(key))) !== model.get(key)) return false;
          for (const prefix of ['', 'a', 'ab', 'S']) {
            const listed = state.listData(account, bytes(prefix)).map(([k, v]) => `${text(k)}=${text(v)}`);
            const expected = [...model].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (hex(a) < hex(b) ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
            if (listed.join(',') !== expected.join(',')) return false;
          }
        }
      }
      return [...remote.entries].join() === [...remoteBefore].join();
    }),
    { numRuns: 400 },
  );
  t.pass();
});

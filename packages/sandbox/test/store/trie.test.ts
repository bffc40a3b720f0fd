/**
 * The trie in nearcore's shape (src/store/trie): node encoding and hashing, canonical shape under inserts
 * and deletes, memory usage, and the trie-node counts of lookups, worked out by hand from nearcore's
 * `lookup_from_state_column` and `TrieAccountingCache`.
 */
import test from 'ava';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeNibbles, encodeRawNode, EMPTY_ROOT } from '../../src/store/trie/raw-node.js';
import { Trie, type TrieValue } from '../../src/store/trie/trie.js';
import { TrieAccountingCache } from '../../src/store/trie/accounting-cache.js';
import { trieKey } from '../../src/primitives/trie-key.js';

const bytes = (...b: number[]) => Uint8Array.from(b);
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const value = (text: string): TrieValue => ({ bytes: new TextEncoder().encode(text) });
const build = (entries: Array<[string, string]>) => Trie.EMPTY.update(entries.map(([k, v]) => [k, value(v)]));

test('RawTrieNodeWithSize borsh matches nearcore raw_node.rs test_encode_decode vectors', (t) => {
  const v = { length: 3, hash: sha256(bytes(123, 245, 255)) };
  const mem = bytes(42, 0, 0, 0, 0, 0, 0, 0);
  t.deepEqual(
    encodeRawNode({ kind: 'leaf', key: bytes(1, 2, 3), value: v }, 42),
    Uint8Array.from([0, 3, 0, 0, 0, 1, 2, 3, 3, 0, 0, 0, 194, 40, 8, 24, 64, 219, 69, 132, 86, 52, 110, 175, 57, 198, 165, 200, 83, 237, 211, 11, 194, 83, 251, 33, 145, 138, 234, 226, 7, 242, 186, 73, ...mem]),
  );
  const children = (set: Record<number, Uint8Array>) => Array.from({ length: 16 }, (_, i) => set[i] ?? null);
  t.deepEqual(encodeRawNode({ kind: 'branch', children: children({ 3: fill(32, 1), 5: fill(32, 2) }), value: null }, 42), Uint8Array.from([1, 40, 0, ...fill(32, 1), ...fill(32, 2), ...mem]));
  t.deepEqual(encodeRawNode({ kind: 'branch', children: children({ 0: fill(32, 1) }), value: null }, 42), Uint8Array.from([1, 1, 0, ...fill(32, 1), ...mem]));
  t.deepEqual(encodeRawNode({ kind: 'branch', children: children({ 15: fill(32, 1) }), value: null }, 42), Uint8Array.from([1, 0, 128, ...fill(32, 1), ...mem]));
  t.deepEqual(
    encodeRawNode({ kind: 'branch', children: children({ 3: fill(32, 1) }), value: v }, 42),
    Uint8Array.from([2, 3, 0, 0, 0, ...v.hash, 8, 0, ...fill(32, 1), ...mem]),
  );
  t.deepEqual(encodeRawNode({ kind: 'extension', key: bytes(123, 245, 255), child: EMPTY_ROOT }, 42), Uint8Array.from([3, 3, 0, 0, 0, 123, 245, 255, ...fill(32, 0), ...mem]));
});

test('nibble keys are hex-prefix encoded as nearcore NibbleSlice::encode_nibbles does', (t) => {
  t.deepEqual(encodeNibbles('123', true), bytes(0x31, 0x23));
  t.deepEqual(encodeNibbles('12', false), bytes(0x00, 0x12));
  t.deepEqual(encodeNibbles('1', false), bytes(0x11));
  t.deepEqual(encodeNibbles('', true), bytes(0x20));
});

test('trie keys are laid out as nearcore trie_key.rs encodes them', (t) => {
  // col::CONTRACT_DATA ++ "a.near" ++ ',' ++ key
  t.is(trieKey.contractData('a.near', '6b'), '09' + Buffer.from('a.near').toString('hex') + '2c6b');
  t.is(trieKey.account('a.near'), '00612e6e656172');
  // ACCESS_KEY is its own separator, then the borsh public key (key type byte + 32 bytes)
  t.is(trieKey.accessKey('a', bytes(0, ...fill(32, 7))), '02' + '61' + '02' + '00' + '07'.repeat(32));
});

// The small trie of the next tests: an account record and two contract-data keys of account "a".
//   Extension(0) ─ Branch ┬ 0: Leaf(61)                       account "a"
//                         └ 9: Extension(612c6b3) ─ Branch ┬ 1: Leaf()   data "k1"
//                                                          └ 2: Leaf()   data "k2"
const A = trieKey.account('a');
const K1 = trieKey.contractData('a', '6b31');
const K2 = trieKey.contractData('a', '6b32');
const small = () => build([[A, 'account'], [K1, 'x'], [K2, 'y']]);

test('shape and memory usage of a small trie, by hand from insert_delete.rs and TRIE_COSTS (50 per node, 2 per key byte, 1 per value byte)', (t) => {
  const trie = small();
  const root = trie.root!;
  t.is(root.kind, 'extension');
  if (root.kind !== 'extension') return;
  t.is(root.key, '0');
  const branch = root.child;
  t.is(branch.kind, 'branch');
  if (branch.kind !== 'branch') return;
  t.deepEqual(branch.children.map((c, i) => (c ? i : -1)).filter((i) => i >= 0), [0, 9]);
  const data = branch.children[9]!;
  t.true(data.kind === 'extension' && data.key === '612c6b3');
  // Leaf(): 50 + 2·1 (key byte 0x20) + (1 + 50) = 103; their branch 50 + 2·103 = 256;
  // Extension(612c6b3): 50 + 2·4 + 256 = 314; Leaf(61) with 7 value bytes: 50 + 2·2 + 57 = 111;
  // the column branch 50 + 111 + 314 = 475; the root Extension(0): 50 + 2·1 + 475 = 527.
  t.is(data.memoryUsage, 314);
  t.is(branch.children[0]!.memoryUsage, 111);
  t.is(trie.memoryUsage, 527);
});

test('lookup touches every node from the root to the key, and to the last node when absent (lookup_from_state_column)', (t) => {
  const trie = small();
  const count = (path: string) => {
    let n = 0;
    const found = trie.lookup(path, () => n++);
    return { n, found: found !== undefined };
  };
  t.deepEqual(count(K1), { n: 5, found: true }, 'ext, branch, ext, branch, leaf');
  t.deepEqual(count(A), { n: 3, found: true }, 'ext, branch, leaf');
  t.deepEqual(count(trieKey.contractData('a', '6b33')), { n: 4, found: false }, 'stops at the branch without child 3');
  t.deepEqual(count(trieKey.contractData('b', '6b31')), { n: 3, found: false }, 'stops at Extension(612c6b3), which the key leaves');
  t.deepEqual(count(trieKey.contractData('a', '6b')), { n: 3, found: false }, 'a key ending inside Extension(612c6b3)');
  t.deepEqual(Trie.EMPTY.lookup(K1, () => t.fail('the empty trie has no nodes')), undefined);
});

test('accounting cache: a chunk touches each node once from the database, then from memory; identical nodes are one node (TrieAccountingCache keys by hash)', (t) => {
  const trie = small();
  const cache = new TrieAccountingCache();
  const first = cache.access(trie, K1, true);
  first.touchValue();
  t.deepEqual([first.dbReads, first.memReads], [6, 0], '5 nodes and the value, all new');
  const missing = cache.access(trie, trieKey.contractData('a', '6b33'), true);
  t.deepEqual([missing.dbReads, missing.memReads], [0, 4], 'the path to the branch was touched already');
  const other = cache.access(trie, K2, true);
  other.touchValue();
  t.deepEqual([other.dbReads, other.memReads], [2, 4], "k2's leaf and value are new");
  // Two keys with the same value under the same branch: their leaves (empty key, same value) hash alike.
  const twins = build([[A, 'account'], [K1, 'same'], [K2, 'same']]);
  const c2 = new TrieAccountingCache();
  c2.access(twins, K1, true).touchValue();
  const twin = c2.access(twins, K2, true);
  twin.touchValue();
  t.deepEqual([twin.dbReads, twin.memReads], [0, 6]);
  // Flat-storage reads touch no node; the value touch still counts once.
  const flat = new TrieAccountingCache().access(trie, K1, false);
  t.deepEqual([flat.dbReads, flat.memReads], [0, 0]);
  flat.touchValue();
  t.deepEqual([flat.dbReads, flat.memReads], [1, 0]);
});

test('deleting keys squashes branches back to the shape inserting the rest gives (fix_nodes, fix_extension_node)', (t) => {
  const full = small();
  const less = full.update([[K2, null]]);
  t.deepEqual(less.rootHash, build([[A, 'account'], [K1, 'x']]).rootHash);
  const root = less.root!;
  // Branch{1: Leaf()} merged into Extension(612c6b3) → one Leaf(612c6b31) under the column branch.
  t.true(root.kind === 'extension' && root.child.kind === 'branch' && root.child.children[9]!.kind === 'leaf' && root.child.children[9]!.key === '612c6b31');
  t.deepEqual(less.update([[K1, null], [A, null]]).rootHash, EMPTY_ROOT);
  t.is(full.update([[trieKey.contractData('z', '00'), null]]), full, 'deleting an absent key changes nothing');
});

test('a key that ends where others branch is the branch value; alone again, it is a leaf with an empty key', (t) => {
  const trie = build([['ab', '1'], ['abc', '2'], ['abd', '3']]);
  const root = trie.root!;
  t.true(root.kind === 'extension' && root.key === 'ab' && root.child.kind === 'branch' && root.child.value?.length === 1);
  const alone = trie.update([['abc', null], ['abd', null]]);
  t.deepEqual(alone.rootHash, build([['ab', '1']]).rootHash);
  t.true(alone.root!.kind === 'leaf' && alone.root!.key === 'ab');
});

const hexPath = fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: 0, maxLength: 8 }).map((a) => a.join(''));

test('the root depends only on the final key set, not on the order of inserts and deletes (canonical trie)', (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(hexPath, fc.string({ maxLength: 3 })), { selector: ([k]) => k, maxLength: 30 }), fc.array(fc.nat()), (entries, removals) => {
      const removed = new Set(removals.map((i) => entries[i % Math.max(entries.length, 1)]?.[0]).filter((k): k is string => k !== undefined));
      let trie = Trie.EMPTY;
      for (const [k, v] of [...entries].reverse()) trie = trie.update([[k, value(v)]]);
      trie = trie.update([...removed].map((k) => [k, null] as const));
      const direct = build(entries.filter(([k]) => !removed.has(k)));
      t.deepEqual(trie.rootHash, direct.rootHash);
      t.is(trie.memoryUsage, direct.memoryUsage);
      for (const [k, v] of entries) t.is(trie.lookup(k)?.length, removed.has(k) ? undefined : value(v).bytes.length);
    }),
    { numRuns: 200 },
  );
});

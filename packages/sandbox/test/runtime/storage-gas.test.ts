/**
 * Storage gas as nearcore charges it, through the node: `storage_write` and `storage_remove` pay
 * `touching_trie_node` per trie node on the key's path the chunk has not touched yet and
 * `read_cached_trie_node` per node it has (logic.rs storage_*, runtime ext.rs, TrieAccountingCache);
 * `storage_read` and `storage_has_key` go through flat storage and pay for none; keys written earlier
 * in the chunk are served from memory. The node counts are worked out by hand for this node's state:
 * accounts, keys and code live under columns 0x00–0x02, so the trie's root is Extension(0) over a
 * branch on the column nibble, and contract data (column 0x09) hangs off that branch.
 */
import test from 'ava';
import { createSandbox, TGAS, type Sandbox } from '../../src/index.js';
import { watToWasm } from './contract-helpers.js';
import { State } from '../../src/runtime/state.js';
import { trieKey } from '../../src/primitives/trie-key.js';

const wasm = await watToWasm('storage.wat');

function setup(protocolVersion: number): Sandbox {
  const node = createSandbox({ protocolVersion });
  node.createAccount('a.test.near');
  node.deployContract('a.test.near', wasm);
  return node;
}

/** The trie-node part of the function call's gas profile: [touching_trie_node, read_cached_trie_node] gas. */
function trieGas(node: Sandbox, method: string): [bigint, bigint] {
  const r = node.call('test.near', 'a.test.near', method, undefined, { gas: 30n * TGAS });
  t_assertOk(r, method);
  const profile = r.receipts[0]!.outcome.metadata.gas_profile!;
  const gas = (cost: string) => BigInt(profile.find((p) => p.cost === cost)?.gas_used ?? 0);
  return [gas('TOUCHING_TRIE_NODE'), gas('READ_CACHED_TRIE_NODE')];
}

function t_assertOk(r: ReturnType<Sandbox['call']>, method: string) {
  if (r.receiptFailures.length > 0) throw new Error(`${method} failed: ${JSON.stringify(r.receiptFailures)}`);
}

// Each call runs in a chunk of its own, so every count starts from an empty accounting cache.
const steps: Array<[method: string, db: bigint, mem: bigint, why: string]> = [
  ['write_k1', 2n, 0n, 'no data yet: Extension(0), then the column branch without child 9'],
  ['write_k1', 4n, 0n, 'Extension(0), column branch, Leaf(k1), and the evicted value'],
  ['write_k2', 3n, 0n, 'the path ends at Leaf(k1), which k2 leaves'],
  ['write_k1_k2', 8n, 4n, 'k1: 5 nodes (… Extension(common prefix), Branch, Leaf) + value; k2: 4 cached + Leaf(k2) + value'],
  ['read_k1', 0n, 0n, 'flat storage: no node'],
  ['has_k1', 0n, 0n, 'flat storage: no node'],
  ['read_then_write_k1', 5n, 1n, "the read's value dereference warms the cache: the write's value is a cached read"],
  ['remove_k2', 6n, 0n, '5 nodes and the removed value'],
  ['remove_k1_then_write_k1', 4n, 0n, 'k1 is a leaf under the column branch again; the write after the remove is served from memory'],
];

for (const [version, touching, cached] of [
  [77, 16_101_955_926n, 2_280_000_000n],
  [86, 2_280_000_000n, 2_280_000_000n],
] as const) {
  test(`PV ${version}: trie nodes charged per storage op equal nearcore's count × touching_trie_node ${touching} / read_cached_trie_node ${cached} (parameters snapshots ${version}, logic.rs, ext.rs, accounting_cache.rs)`, (t) => {
    const node = setup(version);
    t.is(node.config.extCosts.touching_trie_node, touching);
    t.is(node.config.extCosts.read_cached_trie_node, cached);
    for (const [method, db, mem, why] of steps) {
      t.deepEqual(trieGas(node, method), [db * touching, mem * cached], `${method}: ${why}`);
    }
  });
}

test('a failed call leaves no trace in the trie: its write is rolled back, so a later write of the key finds it absent', (t) => {
  const node = setup(86);
  const ttn = node.config.extCosts.touching_trie_node;
  trieGas(node, 'write_k1');
  const failed = node.call('test.near', 'a.test.near', 'write_k2_then_panic', undefined, { gas: 30n * TGAS });
  t.deepEqual(failed.receiptFailures.map((f: any) => f.ActionError.kind.FunctionCallError.ExecutionError), ['Smart contract panicked: k1']);
  // had k2 stayed, the path would run Extension, Branch, Leaf(k2) and the value (5 + 1)
  t.deepEqual(trieGas(node, 'write_k2'), [3n * ttn, 0n], 'Extension(0), column branch, Leaf(k1)');
});

test('state roots: deterministic per block, changed by a write; the incremental root equals a trie built at once from the same records', (t) => {
  const a = setup(86);
  const b = setup(86);
  const before = a.chain.head.stateRoot;
  for (const method of ['write_k1', 'write_k2', 'remove_k2', 'write_k1_k2']) {
    trieGas(a, method);
    trieGas(b, method);
  }
  t.notDeepEqual(a.chain.head.stateRoot, before);
  for (let h = a.chain.genesis.height; h <= a.chain.head.height; h++) t.deepEqual(a.chain.blockByHeight(h)!.stateRoot, b.chain.blockByHeight(h)!.stateRoot, `block ${h}`);
  t.deepEqual(a.chain.state.stateRoot, a.chain.head.stateRoot);
  // The same records written at once into an empty state give the same root.
  const source = a.chain.state;
  const copy = new State();
  for (const [id, account] of source.accounts.map) {
    copy.setAccount(id, account);
    for (const { publicKey, accessKey } of source.listAccessKeys(id)) copy.setAccessKey(id, publicKey, accessKey);
    const code = source.code.get(id);
    if (code) copy.code.set(id, code);
    for (const [key, value] of source.listData(id)) copy.setData(id, key, value);
  }
  copy.finalize();
  t.deepEqual(copy.stateRoot, source.stateRoot);
  t.deepEqual([...source.trie.entries()].filter(([k]) => k.startsWith('09')).map(([k]) => k), [trieKey.contractData('a.test.near', '6b31'), trieKey.contractData('a.test.near', '6b32')]);
});

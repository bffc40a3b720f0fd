/**
 * The state trie in nearcore's shape (`core/store/src/trie`): a Merkle-Patricia trie over nibble paths
 * with leaf, branch and extension nodes, each hashed as sha256 of its `RawTrieNodeWithSize`.
 *
 * Nodes are immutable: `update` copies the paths it changes and shares the rest, so a trie is a
 * cheap snapshot. The shape is canonical, as `insert_delete.rs` keeps it: a key ending where others
 * branch is the branch's value; a branch left with one child and no value merges into an extension
 * or leaf; a branch left with only its value becomes a leaf with an empty key. Hashes and memory
 * usage of new nodes are computed once per `update`, over the changed paths only.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  EMPTY_ROOT,
  TRIE_COSTS,
  encodeNibbles,
  encodedKeyLength,
  hashRawNode,
  nibbleAt,
  valueMemoryUsage,
  type ValueRef,
} from './raw-node.js';
import { sha256 } from '../../primitives/hash.js';

interface Sealed {
  /** sha256 of the serialized node; null until `seal` (only while an update builds it). */
  hash: Uint8Array | null;
  /** `hash` in hex: the node's identity in the accounting cache. */
  id: string;
  /** nearcore `memory_usage`: this node's own cost plus its subtree's. */
  memoryUsage: number;
}

export interface LeafNode extends Sealed {
  kind: 'leaf';
  /** The rest of the key, in nibbles (may be empty). */
  key: string;
  value: ValueRef;
}

export interface BranchNode extends Sealed {
  kind: 'branch';
  children: ReadonlyArray<TrieNode | null>;
  value: ValueRef | null;
}

export interface ExtensionNode extends Sealed {
  kind: 'extension';
  /** The shared nibbles (never empty). */
  key: string;
  child: TrieNode;
}

export type TrieNode = LeafNode | BranchNode | ExtensionNode;

/** A value to store, with its sha256 when the caller already has it (contract code: the account's code hash). */
export interface TrieValue {
  bytes: Uint8Array;
  hash?: Uint8Array;
}

export function valueRef(value: TrieValue): ValueRef {
  const hash = value.hash ?? sha256(value.bytes);
  return { length: value.bytes.length, hash, id: bytesToHex(hash) };
}

const fresh = { hash: null, id: '', memoryUsage: 0 } as const;
const leaf = (key: string, value: ValueRef): LeafNode => ({ kind: 'leaf', key, value, ...fresh });
const extension = (key: string, child: TrieNode): ExtensionNode => ({ kind: 'extension', key, child, ...fresh });
const branch = (children: ReadonlyArray<TrieNode | null>, value: ValueRef | null): BranchNode => ({ kind: 'branch', children, value, ...fresh });
const EMPTY_CHILDREN: ReadonlyArray<TrieNode | null> = Object.freeze(new Array<TrieNode | null>(16).fill(null));

function commonPrefix(a: string, b: string, bFrom: number): number {
  const n = Math.min(a.length, b.length - bFrom);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(bFrom + i)) i++;
  return i;
}

const withChild = (children: ReadonlyArray<TrieNode | null>, idx: number, child: TrieNode | null) => {
  const next = children.slice();
  next[idx] = child;
  return next;
};

const prefixed = (key: string, node: TrieNode): TrieNode => (key.length > 0 ? extension(key, node) : node);

/** `Trie::insert` (insert_delete.rs), functional: returns the new subtree for `path[pos..]` set to `value`. */
function insert(node: TrieNode | null, path: string, pos: number, value: ValueRef): TrieNode {
  if (node === null) return leaf(path.slice(pos), value);
  switch (node.kind) {
    case 'leaf': {
      const c = commonPrefix(node.key, path, pos);
      const rest = path.length - pos;
      if (c === node.key.length && c === rest) return leaf(node.key, value);
      let children = EMPTY_CHILDREN;
      let branchValue: ValueRef | null = null;
      if (c === node.key.length) branchValue = node.value;
      else children = withChild(children, nibbleAt(node.key, c), leaf(node.key.slice(c + 1), node.value));
      if (c === rest) branchValue = value;
      else children = withChild(children, nibbleAt(path, pos + c), leaf(path.slice(pos + c + 1), value));
      return prefixed(node.key.slice(0, c), branch(children, branchValue));
    }
    case 'extension': {
      const c = commonPrefix(node.key, path, pos);
      if (c === node.key.length) return extension(node.key, insert(node.child, path, pos + c, value));
      const below = prefixed(node.key.slice(c + 1), node.child);
      let children = withChild(EMPTY_CHILDREN, nibbleAt(node.key, c), below);
      let branchValue: ValueRef | null = null;
      if (c === path.length - pos) branchValue = value;
      else children = withChild(children, nibbleAt(path, pos + c), leaf(path.slice(pos + c + 1), value));
      return prefixed(node.key.slice(0, c), branch(children, branchValue));
    }
    case 'branch': {
      if (pos === path.length) return branch(node.children, value);
      const idx = nibbleAt(path, pos);
      return branch(withChild(node.children, idx, insert(node.children[idx] ?? null, path, pos + 1, value)), node.value);
    }
  }
}

/** nearcore `fix_extension_node`: an extension over a leaf or extension merges into it. */
function joinExtension(key: string, child: TrieNode | null): TrieNode | null {
  if (child === null) return null;
  if (child.kind === 'leaf') return leaf(key + child.key, child.value);
  if (child.kind === 'extension') return extension(key + child.key, child.child);
  return extension(key, child);
}

/** nearcore `fix_nodes` for a branch: no children → leaf with an empty key (or nothing); one child and no value → extension. */
function fixBranch(children: ReadonlyArray<TrieNode | null>, value: ValueRef | null): TrieNode | null {
  let count = 0;
  let only = -1;
  for (let i = 0; i < 16; i++) {
    if (children[i]) {
      count++;
      only = i;
    }
  }
  if (count === 0) return value ? leaf('', value) : null;
  if (count === 1 && !value) return joinExtension(only.toString(16), children[only]!);
  return branch(children, value);
}

/** `Trie::delete` + `fix_nodes` (insert_delete.rs), functional. Returns `node` itself when the key is absent. */
function remove(node: TrieNode | null, path: string, pos: number): TrieNode | null {
  if (node === null) return null;
  switch (node.kind) {
    case 'leaf':
      return node.key.length === path.length - pos && path.startsWith(node.key, pos) ? null : node;
    case 'extension': {
      if (!path.startsWith(node.key, pos)) return node;
      const child = remove(node.child, path, pos + node.key.length);
      return child === node.child ? node : joinExtension(node.key, child);
    }
    case 'branch': {
      if (pos === path.length) return node.value ? fixBranch(node.children, null) : node;
      const idx = nibbleAt(path, pos);
      const old = node.children[idx] ?? null;
      const child = remove(old, path, pos + 1);
      return child === old ? node : fixBranch(withChild(node.children, idx, child), node.value);
    }
  }
}

/** Computes hash and memory usage of every node an update created (children first). */
function seal(node: TrieNode): void {
  if (node.hash) return;
  let memoryUsage: number;
  switch (node.kind) {
    case 'leaf':
      memoryUsage = TRIE_COSTS.nodeCost + encodedKeyLength(node.key.length) * TRIE_COSTS.byteOfKey + valueMemoryUsage(node.value.length);
      node.hash = hashRawNode({ kind: 'leaf', key: encodeNibbles(node.key, true), value: node.value }, memoryUsage);
      break;
    case 'extension':
      seal(node.child);
      memoryUsage = TRIE_COSTS.nodeCost + encodedKeyLength(node.key.length) * TRIE_COSTS.byteOfKey + node.child.memoryUsage;
      node.hash = hashRawNode({ kind: 'extension', key: encodeNibbles(node.key, false), child: node.child.hash! }, memoryUsage);
      break;
    case 'branch': {
      memoryUsage = TRIE_COSTS.nodeCost + (node.value ? valueMemoryUsage(node.value.length) : 0);
      const hashes: Array<Uint8Array | null> = new Array(16);
      for (let i = 0; i < 16; i++) {
        const child = node.children[i];
        if (child) {
          seal(child);
          memoryUsage += child.memoryUsage;
          hashes[i] = child.hash;
        } else hashes[i] = null;
      }
      node.hash = hashRawNode({ kind: 'branch', children: hashes, value: node.value }, memoryUsage);
      break;
    }
  }
  node.memoryUsage = memoryUsage;
  node.id = bytesToHex(node.hash);
}

/** An immutable trie: a root node (or none) whose nodes all carry their hashes. */
export class Trie {
  static readonly EMPTY = new Trie(null);

  private constructor(readonly root: TrieNode | null) {}

  /** nearcore state root: the root node's hash, or `EMPTY_ROOT`. */
  get rootHash(): Uint8Array {
    return this.root?.hash ?? EMPTY_ROOT;
  }

  /** Total `memory_usage` of the trie (the root's). */
  get memoryUsage(): number {
    return this.root?.memoryUsage ?? 0;
  }

  /**
   * A new trie with `changes` applied (a value sets the key, null deletes it); keys are nibble paths
   * (hex of the trie key). Only new nodes are hashed.
   */
  update(changes: Iterable<readonly [path: string, value: TrieValue | null]>): Trie {
    let root = this.root;
    for (const [path, value] of changes) root = value ? insert(root, path, 0, valueRef(value)) : remove(root, path, 0);
    if (root === this.root) return this;
    if (root) seal(root);
    return new Trie(root);
  }

  /**
   * nearcore `lookup_from_state_column`: walks from the root towards `path`, calling `touch` with the id of
   * every node it retrieves (the last one too when the key is absent), and returns the key's value ref.
   */
  lookup(path: string, touch?: (nodeId: string) => void): ValueRef | undefined {
    let node = this.root;
    let pos = 0;
    while (node) {
      touch?.(node.id);
      switch (node.kind) {
        case 'leaf':
          return node.key.length === path.length - pos && path.startsWith(node.key, pos) ? node.value : undefined;
        case 'extension':
          if (!path.startsWith(node.key, pos)) return undefined;
          pos += node.key.length;
          node = node.child;
          break;
        case 'branch':
          if (pos === path.length) return node.value ?? undefined;
          node = node.children[nibbleAt(path, pos++)] ?? null;
          break;
      }
    }
    return undefined;
  }

  /** Every key and value ref in key order (nearcore's trie iterator order). */
  *entries(): Generator<[path: string, value: ValueRef]> {
    function* walk(node: TrieNode, prefix: string): Generator<[string, ValueRef]> {
      switch (node.kind) {
        case 'leaf':
          yield [prefix + node.key, node.value];
          return;
        case 'extension':
          yield* walk(node.child, prefix + node.key);
          return;
        case 'branch':
          if (node.value) yield [prefix, node.value];
          for (let i = 0; i < 16; i++) {
            const child = node.children[i];
            if (child) yield* walk(child, prefix + i.toString(16));
          }
      }
    }
    if (this.root) yield* walk(this.root, '');
  }
}

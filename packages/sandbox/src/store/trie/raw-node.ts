/**
 * nearcore's on-disk trie node (`core/store/src/trie/raw_node.rs`: `RawTrieNodeWithSize`) and the
 * encodings it is made of: hex-prefix nibble keys (`nibble_slice.rs` `encode_nibbles`), the borsh
 * layout of leaf, branch and extension nodes, and the memory-usage figure each node carries
 * (`TRIE_COSTS` in `trie/mod.rs`). A node's hash is sha256 of that serialization.
 *
 * Nibble paths are lowercase hex strings here: the hex of a trie key is its nibble sequence.
 */
import { sha256 } from '../../primitives/hash.js';

/** nearcore `Trie::EMPTY_ROOT` (`CryptoHash::default()`): the root of a trie with no keys. */
export const EMPTY_ROOT = new Uint8Array(32);

/** nearcore `TRIE_COSTS` (trie/mod.rs): the memory-usage weights serialized into every node. */
export const TRIE_COSTS = { byteOfKey: 2, byteOfValue: 1, nodeCost: 50 } as const;

/** nearcore `ValueRef`: a value's length and sha256, as nodes hold it; `id` is the hash in hex (accounting-cache key). */
export interface ValueRef {
  length: number;
  hash: Uint8Array;
  id: string;
}

export const nibbleAt = (path: string, i: number): number => {
  const c = path.charCodeAt(i);
  return c <= 57 ? c - 48 : c - 87;
};

/** Byte length of `encode_nibbles` for `n` nibbles: a flag byte (holding the first nibble when odd) and the packed rest. */
export const encodedKeyLength = (n: number): number => 1 + (n >> 1);

/** nearcore `NibbleSlice::encode_nibbles`: 0x20 marks a leaf, 0x10 an odd length (with the first nibble in the low half). */
export function writeEncodedKey(out: Uint8Array, offset: number, nibbles: string, isLeaf: boolean): number {
  const l = nibbles.length;
  let i = l & 1;
  out[offset++] = (i === 1 ? 0x10 + nibbleAt(nibbles, 0) : 0) + (isLeaf ? 0x20 : 0);
  for (; i < l; i += 2) out[offset++] = nibbleAt(nibbles, i) * 16 + nibbleAt(nibbles, i + 1);
  return offset;
}

export function encodeNibbles(nibbles: string, isLeaf: boolean): Uint8Array {
  const out = new Uint8Array(encodedKeyLength(nibbles.length));
  writeEncodedKey(out, 0, nibbles, isLeaf);
  return out;
}

/** nearcore `RawTrieNode`: keys already hex-prefix encoded, children as hashes. */
export type RawTrieNode =
  | { kind: 'leaf'; key: Uint8Array; value: Pick<ValueRef, 'length' | 'hash'> }
  | { kind: 'branch'; children: ReadonlyArray<Uint8Array | null>; value: Pick<ValueRef, 'length' | 'hash'> | null }
  | { kind: 'extension'; key: Uint8Array; child: Uint8Array };

// borsh enum tags of RawTrieNode (raw_node.rs)
const LEAF = 0;
const BRANCH_NO_VALUE = 1;
const BRANCH_WITH_VALUE = 2;
const EXTENSION = 3;

const u32 = (out: Uint8Array, o: number, v: number) => {
  out[o] = v & 0xff;
  out[o + 1] = (v >>> 8) & 0xff;
  out[o + 2] = (v >>> 16) & 0xff;
  out[o + 3] = (v >>> 24) & 0xff;
  return o + 4;
};

const u64 = (out: Uint8Array, o: number, v: number) => {
  u32(out, o, v % 0x1_0000_0000);
  u32(out, o + 4, Math.floor(v / 0x1_0000_0000));
  return o + 8;
};

/** borsh of `RawTrieNodeWithSize { node, memory_usage }` (raw_node.rs; test vectors in its `test_encode_decode`). */
export function encodeRawNode(node: RawTrieNode, memoryUsage: number): Uint8Array {
  switch (node.kind) {
    case 'leaf': {
      const out = new Uint8Array(1 + 4 + node.key.length + 4 + 32 + 8);
      out[0] = LEAF;
      let o = u32(out, 1, node.key.length);
      out.set(node.key, o);
      o = u32(out, o + node.key.length, node.value.length);
      out.set(node.value.hash, o);
      u64(out, o + 32, memoryUsage);
      return out;
    }
    case 'branch': {
      let count = 0;
      let bitmap = 0;
      for (let i = 0; i < 16; i++) {
        if (node.children[i]) {
          bitmap |= 1 << i;
          count++;
        }
      }
      const out = new Uint8Array(1 + (node.value ? 36 : 0) + 2 + 32 * count + 8);
      let o = 1;
      if (node.value) {
        out[0] = BRANCH_WITH_VALUE;
        o = u32(out, o, node.value.length);
        out.set(node.value.hash, o);
        o += 32;
      } else out[0] = BRANCH_NO_VALUE;
      out[o++] = bitmap & 0xff;
      out[o++] = bitmap >>> 8;
      for (let i = 0; i < 16; i++) {
        const child = node.children[i];
        if (child) {
          out.set(child, o);
          o += 32;
        }
      }
      u64(out, o, memoryUsage);
      return out;
    }
    case 'extension': {
      const out = new Uint8Array(1 + 4 + node.key.length + 32 + 8);
      out[0] = EXTENSION;
      const o = u32(out, 1, node.key.length) + node.key.length;
      out.set(node.key, o - node.key.length);
      out.set(node.child, o);
      u64(out, o + 32, memoryUsage);
      return out;
    }
  }
}

export const hashRawNode = (node: RawTrieNode, memoryUsage: number): Uint8Array => sha256(encodeRawNode(node, memoryUsage));

/** `TrieNode::memory_usage_for_value_length`. */
export const valueMemoryUsage = (length: number): number => length * TRIE_COSTS.byteOfValue + TRIE_COSTS.nodeCost;

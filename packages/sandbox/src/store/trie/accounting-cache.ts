/**
 * nearcore `TrieAccountingCache` (core/store/src/trie/accounting_cache.rs): the nodes and values contract
 * storage touched in this chunk, by hash. A touch of something already there is a memory read
 * (`read_cached_trie_node`), anything else a database read (`touching_trie_node`) that enters it. A new
 * cache starts with every chunk and nothing is ever taken out (a failed receipt's touches stay).
 */
import type { StorageAccess } from '../../vm/types.js';
import type { Trie } from './trie.js';

export type { StorageAccess };

const NOTHING: StorageAccess = Object.freeze({ dbReads: 0, memReads: 0, touchValue: () => {} });

export class TrieAccountingCache {
  #seen = new Set<string>();

  /** An access served by the chunk's in-memory changes (`TrieUpdate` committed or prospective): no trie reads. */
  inMemory(): StorageAccess {
    return NOTHING;
  }

  /**
   * An access to `path` in `trie`. With `walkTrie`, every node from the root to the key is touched
   * (`lookup_from_state_column`); without it (flat storage) the value is found without touching nodes.
   */
  access(trie: Trie, path: string, walkTrie: boolean): StorageAccess {
    const seen = this.#seen;
    const result: StorageAccess = { dbReads: 0, memReads: 0, touchValue: () => {} };
    const touch = (id: string) => {
      if (seen.has(id)) result.memReads++;
      else {
        result.dbReads++;
        seen.add(id);
      }
    };
    const value = trie.lookup(path, walkTrie ? touch : undefined);
    if (value) result.touchValue = () => touch(value.id);
    return result;
  }
}

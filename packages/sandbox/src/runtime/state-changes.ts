/**
 * State changes with their causes, as nearcore records them for the RPC (`EXPERIMENTAL_changes`,
 * `EXPERIMENTAL_changes_in_block`): every `TrieUpdate::commit(cause)` appends, for each key written since the
 * previous commit, the key's value then and the cause (core/store `TrieUpdate::commit`, `RawStateChange`);
 * a rollback drops the writes since the last commit. Of the trie keys, only accounts, access keys, contract
 * code and contract data are kept for the RPC (core/store `WrappedTrieChanges::state_changes_into`), stored
 * by block and trie key, so answers list keys in trie-key byte order and each key's changes in commit order.
 *
 * Views: core/primitives/src/views.rs `StateChangeWithCauseView` (`{cause, type, change}`),
 * `StateChangeCauseView` and `StateChangeKindView`.
 */
import type { AccessKey } from '../primitives/transaction.js';
import { publicKeyToString, type PublicKey } from '../primitives/crypto.js';
import { hashToString, toBase64 } from '../primitives/hash.js';
import { accessKeyView, accountView, type AccountView } from '../primitives/views.js';
import type { JsonValue } from '../primitives/errors.js';
import type { Account } from './state.js';

type ReceiptCauseType = 'action_receipt_processing_started' | 'action_receipt_gas_reward' | 'receipt_processing' | 'postponed_receipt';
type PlainCause = { type: 'updated_delayed_receipts' | 'validator_accounts_update' | 'migration' };

/** A commit's cause as the runtime names it (a receipt by its id bytes: put in base58 only when a change is kept). */
export type StateChangeCause = { type: 'transaction_processing'; tx_hash: string } | { type: ReceiptCauseType; receiptId: Uint8Array } | PlainCause;

/** nearcore `StateChangeCauseView` (snake_case `type`; hashes base58). */
export type StateChangeCauseView = { type: 'transaction_processing'; tx_hash: string } | { type: ReceiptCauseType; receipt_hash: string } | PlainCause;

const causeView = (c: StateChangeCause): StateChangeCauseView => ('receiptId' in c ? { type: c.type, receipt_hash: hashToString(c.receiptId) } : c);

/** The value of a written key when its write was committed (undefined: deleted). */
export type TouchedValue =
  | { kind: 'account'; accountId: string; account: Account | undefined }
  | { kind: 'access_key'; accountId: string; publicKey: PublicKey; accessKey: AccessKey | undefined }
  | { kind: 'contract_code'; accountId: string; code: Uint8Array | undefined }
  | { kind: 'data'; accountId: string; keyHex: string; value: Uint8Array | undefined };

export type StateChangeKindType = 'account_touched' | 'access_key_touched' | 'data_touched' | 'contract_code_touched';

/** nearcore `StateChangeWithCauseView`. */
export interface StateChangeWithCauseView {
  cause: StateChangeCauseView;
  type: string;
  change: Record<string, JsonValue>;
}

/** One trie key's changes in a block, as the RPC answers them (and a store keeps them). */
export interface KeyChanges {
  /** the trie key (hex of its bytes): the order nearcore answers in */
  key: string;
  kind: StateChangeKindType;
  account_id: string;
  changes: StateChangeWithCauseView[];
}

/** One trie key's changes as the block recorded them: turned into views only when asked (`keyChangesView`). */
export interface RecordedKeyChanges {
  key: string;
  kind: StateChangeKindType;
  account_id: string;
  recorded: Array<{ cause: StateChangeCause; value: TouchedValue }>;
}

export type BlockStateChanges = Array<KeyChanges | RecordedKeyChanges>;

const views = new WeakMap<RecordedKeyChanges, KeyChanges>();

/** The view of a block's key changes (built once per key: most blocks are never asked about). */
export function keyChangesView(k: KeyChanges | RecordedKeyChanges): KeyChanges {
  if (!('recorded' in k)) return k;
  let view = views.get(k);
  if (view === undefined) {
    view = { key: k.key, kind: k.kind, account_id: k.account_id, changes: k.recorded.map(({ cause, value }) => ({ cause: causeView(cause), ...changeView(value) })) };
    views.set(k, view);
  }
  return view;
}

const KINDS: Record<TouchedValue['kind'], StateChangeKindType> = {
  account: 'account_touched',
  access_key: 'access_key_touched',
  contract_code: 'contract_code_touched',
  data: 'data_touched',
};

/** nearcore `StateChangeValueView` of a committed value. */
function changeView(v: TouchedValue): { type: string; change: Record<string, JsonValue> } {
  const account_id = v.accountId;
  switch (v.kind) {
    case 'account':
      return v.account
        ? { type: 'account_update', change: { account_id, ...(accountView(v.account) as AccountView & Record<string, JsonValue>) } }
        : { type: 'account_deletion', change: { account_id } };
    case 'access_key': {
      const public_key = publicKeyToString(v.publicKey);
      return v.accessKey
        ? { type: 'access_key_update', change: { account_id, public_key, access_key: accessKeyView(v.accessKey) } }
        : { type: 'access_key_deletion', change: { account_id, public_key } };
    }
    case 'contract_code':
      return v.code ? { type: 'contract_code_update', change: { account_id, code_base64: toBase64(v.code) } } : { type: 'contract_code_deletion', change: { account_id } };
    case 'data': {
      const key_base64 = Buffer.from(v.keyHex, 'hex').toString('base64');
      return v.value ? { type: 'data_update', change: { account_id, key_base64, value_base64: toBase64(v.value) } } : { type: 'data_deletion', change: { account_id, key_base64 } };
    }
  }
}

type Recorded = Array<{ cause: StateChangeCause; value: TouchedValue }>;

/**
 * The recorder a `State` keeps: keys written since the last commit, and each key's committed values with causes
 * since the last `take` (one block). A commit without a cause has no nearcore counterpart: its writes are
 * attributed to the next commit that has one, as nearcore's single `TrieUpdate` would.
 */
export class StateChangeRecorder {
  #written = new Map<string, () => TouchedValue>();
  #uncaused = new Map<string, () => TouchedValue>();
  #recorded = new Map<string, Recorded>();
  /** sandbox_patch_state records (cause `migration`), applied between blocks: nearcore applies them last in the next chunk */
  #migration = new Map<string, Recorded>();

  /** A user-facing key was written; `read` gives its value at the commit. */
  written(key: string, read: () => TouchedValue): void {
    this.#written.set(key, read);
  }

  commit(cause: StateChangeCause | undefined): void {
    if (cause === undefined) {
      for (const [key, read] of this.#written) this.#uncaused.set(key, read);
      this.#written.clear();
      return;
    }
    const into = cause.type === 'migration' ? this.#migration : this.#recorded;
    for (const writes of [this.#uncaused, this.#written]) {
      for (const [key, read] of writes) {
        let entry = into.get(key);
        if (!entry) into.set(key, (entry = []));
        entry.push({ cause, value: read() });
      }
      writes.clear();
    }
  }

  /** The writes since the last commit were undone. */
  rollback(): void {
    this.#written.clear();
  }

  /** The block was undone (patches applied before it stay). */
  abort(): void {
    this.#written.clear();
    this.#uncaused.clear();
    this.#recorded.clear();
  }

  /** End of a block or patch: writes never committed with a cause (genesis, a state built in place) are not changes. */
  finalize(): void {
    this.#written.clear();
    this.#uncaused.clear();
  }

  /** This block's changes in trie-key order, with any patch's after the block's own (undefined: none); the recorder starts over. */
  take(): RecordedKeyChanges[] | undefined {
    if (this.#recorded.size === 0 && this.#migration.size === 0) return undefined;
    const keys = this.#recorded;
    for (const [key, entry] of this.#migration) keys.set(key, [...(keys.get(key) ?? []), ...entry]);
    this.#recorded = new Map();
    this.#migration.clear();
    return [...keys.keys()].sort().map((key) => {
      const recorded = keys.get(key)!;
      const first = recorded[0]!.value;
      return { key, kind: KINDS[first.kind], account_id: first.accountId, recorded };
    });
  }
}

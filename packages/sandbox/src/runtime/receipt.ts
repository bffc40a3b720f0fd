/** Receipts (nearcore `core/primitives/src/receipt.rs`) and their RPC view (`ReceiptView`, views.rs). */
import type { PublicKey } from '../primitives/crypto.js';
import { KeyType, publicKeyBorsh, publicKeyToString } from '../primitives/crypto.js';
import { encodeAction, type Action, type GlobalContractIdentifier } from '../primitives/transaction.js';
import { hashToString, toBase64 } from '../primitives/hash.js';
import { actionView } from '../primitives/views.js';
import type { JsonValue } from '../primitives/errors.js';
import { SYSTEM_ACCOUNT_ID } from '../primitives/account-id.js';

export interface DataReceiver {
  dataId: Uint8Array;
  receiverId: string;
}

export interface ActionReceipt {
  signerId: string;
  signerPublicKey: PublicKey;
  gasPrice: bigint;
  outputDataReceivers: DataReceiver[];
  inputDataIds: Uint8Array[];
  actions: Action[];
  /** Receiver of the balance refund if not the predecessor (`promise_set_refund_to`; ActionReceiptV2 `refund_to`). */
  refundTo?: string;
}

export type ReceiptBody =
  | { type: 'Action'; action: ActionReceipt }
  /** NEP-519: an action receipt waiting for exactly one yield data id. */
  | { type: 'PromiseYield'; action: ActionReceipt }
  | { type: 'Data'; dataId: Uint8Array; data: Uint8Array | null }
  | { type: 'PromiseResume'; dataId: Uint8Array; data: Uint8Array | null }
  /** A DeployGlobalContract's code on its way to the shard (nearcore `GlobalContractDistributionReceipt`). */
  | { type: 'GlobalContractDistribution'; id: GlobalContractIdentifier; code: Uint8Array };

export interface Receipt {
  predecessorId: string;
  receiverId: string;
  receiptId: Uint8Array;
  body: ReceiptBody;
}

/** `PublicKey::empty(ED25519)`: the key of balance-refund receipts. */
export const EMPTY_ED25519_KEY: PublicKey = { keyType: KeyType.ED25519, data: new Uint8Array(32) };

/** A receipt whose id is assigned when its parent finishes (ids depend on the position in new_receipts). */
export type PendingReceipt = Omit<Receipt, 'receiptId'>;

/** `Receipt::new_balance_refund`: a Transfer from `system`, gas price 0. */
export function balanceRefund(receiverId: string, amount: bigint): PendingReceipt {
  return {
    predecessorId: SYSTEM_ACCOUNT_ID,
    receiverId,
    body: {
      type: 'Action',
      action: { signerId: SYSTEM_ACCOUNT_ID, signerPublicKey: EMPTY_ED25519_KEY, gasPrice: 0n, outputDataReceivers: [], inputDataIds: [], actions: [{ type: 'Transfer', deposit: amount }] },
    },
  };
}

/** `Receipt::new_gas_refund`: a Transfer from `system` to the signer, keeping its key (allowance top-up). */
export function gasRefund(signerId: string, amount: bigint, signerPublicKey: PublicKey): PendingReceipt {
  return {
    predecessorId: SYSTEM_ACCOUNT_ID,
    receiverId: signerId,
    body: {
      type: 'Action',
      action: { signerId, signerPublicKey, gasPrice: 0n, outputDataReceivers: [], inputDataIds: [], actions: [{ type: 'Transfer', deposit: amount }] },
    },
  };
}

export function isActionLike(r: { body: ReceiptBody }): boolean {
  return r.body.type === 'Action' || r.body.type === 'PromiseYield';
}

/** nearcore `ReceiptView` as `EXPERIMENTAL_receipt` returns it. */
export function receiptView(r: Receipt): JsonValue {
  const b = r.body;
  let receipt: JsonValue;
  if (b.type === 'Action' || b.type === 'PromiseYield') {
    const a = b.action;
    receipt = {
      Action: {
        signer_id: a.signerId,
        signer_public_key: publicKeyToString(a.signerPublicKey),
        gas_price: a.gasPrice.toString(),
        output_data_receivers: a.outputDataReceivers.map((d) => ({ data_id: hashToString(d.dataId), receiver_id: d.receiverId })),
        input_data_ids: a.inputDataIds.map(hashToString),
        actions: a.actions.map(actionView),
        is_promise_yield: b.type === 'PromiseYield',
      },
    };
  } else if (b.type === 'GlobalContractDistribution') {
    // ReceiptEnumView::GlobalContractDistribution; one shard, so shard 0 and nothing delivered before.
    const id: JsonValue = b.id.type === 'CodeHash' ? { CodeHash: hashToString(b.id.hash) } : { AccountId: b.id.accountId };
    receipt = { GlobalContractDistribution: { id, target_shard: 0, already_delivered_shards: [], code: toBase64(b.code) } };
  } else {
    receipt = { Data: { data_id: hashToString(b.dataId), data: b.data === null ? null : toBase64(b.data), is_promise_resume: b.type === 'PromiseResume' } };
  }
  return { predecessor_id: r.predecessorId, receiver_id: r.receiverId, receipt_id: hashToString(r.receiptId), receipt, priority: 0 };
}

/**
 * borsh of a receipt as nearcore stores it in the trie (`Receipt::V0(ReceiptV0)` is written without a
 * version tag; `ReceiptEnum`: Action 0, Data 1, PromiseYield 2, PromiseResume 3).
 */
export function encodeReceipt(r: Receipt): Uint8Array {
  const parts: Uint8Array[] = [];
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u32(b.length);
    parts.push(b);
  };
  const u128 = (v: bigint) => {
    const b = new Uint8Array(16);
    const view = new DataView(b.buffer);
    view.setBigUint64(0, v & 0xffff_ffff_ffff_ffffn, true);
    view.setBigUint64(8, v >> 64n, true);
    parts.push(b);
  };
  str(r.predecessorId);
  str(r.receiverId);
  parts.push(r.receiptId);
  const b = r.body;
  if (b.type === 'Action' || b.type === 'PromiseYield') {
    const a = b.action;
    parts.push(Uint8Array.of(b.type === 'Action' ? 0 : 2));
    str(a.signerId);
    parts.push(publicKeyBorsh(a.signerPublicKey));
    u128(a.gasPrice);
    u32(a.outputDataReceivers.length);
    for (const d of a.outputDataReceivers) {
      parts.push(d.dataId);
      str(d.receiverId);
    }
    u32(a.inputDataIds.length);
    for (const id of a.inputDataIds) parts.push(id);
    u32(a.actions.length);
    for (const action of a.actions) parts.push(encodeAction(action));
  } else if (b.type === 'GlobalContractDistribution') {
    // Never stored in the trie by this node (only postponed and yielded action receipts are): the
    // identifier and code, without nearcore's shard bookkeeping.
    parts.push(Uint8Array.of(4));
    if (b.id.type === 'CodeHash') parts.push(Uint8Array.of(0), b.id.hash);
    else {
      parts.push(Uint8Array.of(1));
      str(b.id.accountId);
    }
    u32(b.code.length);
    parts.push(b.code);
  } else {
    parts.push(Uint8Array.of(b.type === 'Data' ? 1 : 3), b.dataId);
    if (b.data === null) parts.push(Uint8Array.of(0));
    else {
      parts.push(Uint8Array.of(1));
      u32(b.data.length);
      parts.push(b.data);
    }
  }
  return Buffer.concat(parts);
}

/** Receipts (nearcore `core/primitives/src/receipt.rs`) and their RPC view (`ReceiptView`, views.rs). */
import type { PublicKey } from '../primitives/crypto.js';
import { KeyType, publicKeyToString } from '../primitives/crypto.js';
import type { Action, GlobalContractIdentifier } from '../primitives/transaction.js';
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

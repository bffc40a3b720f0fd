/**
 * nearcore error values in the JSON shapes RPC serves (core/primitives/src/errors.rs, externally
 * tagged serde enums; unit variants are bare strings, balances decimal strings).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** `InvalidTxError` content, e.g. `{ InvalidNonce: { tx_nonce: 7, ak_nonce: 9 } }` or `"Expired"`. */
export type InvalidTxErrorKind = string | { [variant: string]: JsonValue };

/** `ActionErrorKind` content, e.g. `{ AccountDoesNotExist: { account_id } }` or `"DelegateActionExpired"`. */
export type ActionErrorKind = string | { [variant: string]: JsonValue };

export interface ActionError {
  index: number | null;
  kind: ActionErrorKind;
}

/** `TxExecutionError`: what `status.Failure` holds. */
export type TxExecutionError = { ActionError: ActionError } | { InvalidTxError: InvalidTxErrorKind };

const HINTS: Record<string, string> = {
  InvalidNonce: 'use a nonce greater than the access key nonce (view the access key for its current nonce)',
  NonceTooLarge: 'nonces must stay below block_height * 10^6',
  Expired: 'sign the transaction with a recent block hash (within 100 blocks of the head)',
  InvalidChain: 'the block hash is not on this chain; fetch a block hash from this node',
  InvalidSignature: 'sign sha256(borsh(Transaction)) with the key named in transaction.public_key',
  SignerDoesNotExist: 'create the signer account first',
  NotEnoughBalance: 'fund the signer or attach less deposit/gas',
  LackBalanceForState: 'the signer must keep storage_usage * 10^19 yoctoNEAR after paying',
  InvalidAccessKeyError: 'use a key with the needed permission (full access for non-function-call actions)',
  ActionsValidation: 'fix the action list (limits of the runtime config)',
  TransactionSizeExceeded: 'make the transaction smaller',
  InvalidTransactionVersion: 'send a V0 transaction (as near-api-js builds); TransactionV1 needs protocol version 85 or later',
  InvalidNonceIndex: 'sign with a gas key only through a V1 transaction with a GasKeyNonce whose nonce_index is below num_nonces, and with a regular key only with a plain nonce',
  NotEnoughGasKeyBalance: 'fund the gas key with a TransferToGasKey action',
  NotEnoughBalanceForDeposit: 'the account, not the gas key, pays the deposits: fund the account or attach less',
  InvalidSignerId: 'use a valid account id as signer',
  InvalidReceiverId: 'use a valid account id as receiver',
  CostOverflow: 'the transaction cost overflows u128; attach less gas or deposit',
};

function variantOf(kind: InvalidTxErrorKind): string {
  return typeof kind === 'string' ? kind : Object.keys(kind)[0]!;
}

/** A transaction nearcore would reject before executing it. No state changed. */
export class InvalidTransactionError extends Error {
  readonly kind: InvalidTxErrorKind;
  constructor(kind: InvalidTxErrorKind) {
    const variant = variantOf(kind);
    super(`invalid transaction: ${JSON.stringify(kind)}${HINTS[variant] ? ` (${HINTS[variant]})` : ''}`);
    this.name = 'InvalidTransactionError';
    this.kind = kind;
  }
  get variant(): string {
    return variantOf(this.kind);
  }
  /** `{ InvalidTxError: … }`, the `TxExecutionError` nearcore reports. */
  toJSON(): TxExecutionError {
    return { InvalidTxError: this.kind };
  }
}

/** Raised for malformed input before it reaches nearcore's checks (e.g. bytes that are not borsh). */
export class ParseTransactionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseTransactionError';
  }
}

export const dec = (v: bigint): string => v.toString();

export type RelayErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_DELEGATE'
  | 'BAD_SIGNATURE'
  | 'RECEIVER_NOT_ALLOWED'
  | 'METHOD_NOT_ALLOWED'
  | 'ACTION_NOT_ALLOWED'
  | 'GAS_TOO_HIGH'
  | 'DEPOSIT_NOT_ALLOWED'
  | 'DELEGATE_EXPIRED'
  | 'ACCESS_KEY_INVALID'
  | 'NONCE_USED'
  | 'DUPLICATE_DELEGATE'
  | 'PRECHECK_REFUSED'
  | 'ALLOWANCE_EXCEEDED'
  | 'RATE_LIMITED'
  | 'SUBMISSION_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'NODE_UNAVAILABLE';

const HTTP_STATUS: Record<RelayErrorCode, number> = {
  INVALID_REQUEST: 400,
  INVALID_DELEGATE: 400,
  BAD_SIGNATURE: 400,
  RECEIVER_NOT_ALLOWED: 403,
  METHOD_NOT_ALLOWED: 403,
  ACTION_NOT_ALLOWED: 403,
  GAS_TOO_HIGH: 403,
  DEPOSIT_NOT_ALLOWED: 403,
  DELEGATE_EXPIRED: 400,
  ACCESS_KEY_INVALID: 403,
  NONCE_USED: 409,
  DUPLICATE_DELEGATE: 409,
  PRECHECK_REFUSED: 403,
  ALLOWANCE_EXCEEDED: 429,
  RATE_LIMITED: 429,
  SUBMISSION_FAILED: 502,
  STORE_UNAVAILABLE: 503,
  NODE_UNAVAILABLE: 503,
};

/** A refusal with a stable code and a message that says what to change. */
export class RelayError extends Error {
  readonly code: RelayErrorCode;
  readonly status: number;
  constructor(code: RelayErrorCode, message: string) {
    super(message);
    this.name = 'RelayError';
    this.code = code;
    this.status = HTTP_STATUS[code];
  }
}

/**
 * The relayer core: decode, verify, check policy and rate limit, then submit the user's signed
 * delegate action wrapped in a transaction from the relayer's account (near-api-js
 * `Account.relayMetaTransaction`), which pays the gas. Submissions are serialised so the
 * relayer's access-key nonce never races.
 */
import { Account, JsonRpcProvider, type KeyPairString } from 'near-api-js';
import { decodeSignedDelegate, verifyDelegateSignature } from './delegate.js';
import { RelayError } from './errors.js';
import { checkPolicy, RateLimiter, type RelayPolicy } from './policy.js';

export interface RelayerConfig {
  rpcUrl: string;
  accountId: string;
  privateKey: KeyPairString;
  policy: RelayPolicy;
  /** Clock for the rate limit (tests pass their own). */
  now?: () => number;
}

export interface RelayResult {
  transactionHash: string;
  senderId: string;
  receiverId: string;
  /** The status of the user's inner call: its return value (base64) or its failure. */
  status: { SuccessValue: string } | { Failure: unknown } | { Unknown: true };
  outcome: unknown;
}

export interface Relayer {
  relay(signedDelegateBase64: unknown): Promise<RelayResult>;
  readonly accountId: string;
  readonly policy: RelayPolicy;
}

interface Outcome {
  transaction: { hash: string };
  transaction_outcome: { outcome: { receipt_ids: string[] } };
  receipts_outcome: { id: string; outcome: { receipt_ids: string[]; status: Record<string, unknown> } }[];
}

/** The inner call's receipt is the one the relayer's Delegate receipt creates. */
function innerStatus(outcome: Outcome): RelayResult['status'] {
  const delegateReceipt = outcome.receipts_outcome.find((r) => r.id === outcome.transaction_outcome.outcome.receipt_ids[0]);
  const innerId = delegateReceipt?.outcome.receipt_ids[0];
  const inner = outcome.receipts_outcome.find((r) => r.id === innerId);
  if (!inner) return { Unknown: true };
  if ('Failure' in inner.outcome.status) return { Failure: inner.outcome.status.Failure };
  if ('SuccessValue' in inner.outcome.status) return { SuccessValue: String(inner.outcome.status.SuccessValue) };
  return { Unknown: true };
}

export function createRelayer(config: RelayerConfig): Relayer {
  const provider = new JsonRpcProvider({ url: config.rpcUrl });
  const account = new Account(config.accountId, provider, config.privateKey);
  const limit = config.policy.rateLimit ?? { count: 10, windowMs: 60_000 };
  const limiter = new RateLimiter(limit.count, limit.windowMs);
  const now = config.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();

  async function submit(delegate: ReturnType<typeof decodeSignedDelegate>): Promise<RelayResult> {
    let outcome: Outcome;
    try {
      outcome = (await account.relayMetaTransaction(delegate.signedDelegate)) as unknown as Outcome;
    } catch (error) {
      throw new RelayError('SUBMISSION_FAILED', `the node refused the relayed transaction: ${(error as Error).message}`);
    }
    return {
      transactionHash: outcome.transaction.hash,
      senderId: delegate.senderId,
      receiverId: delegate.receiverId,
      status: innerStatus(outcome),
      outcome,
    };
  }

  return {
    accountId: config.accountId,
    policy: config.policy,
    async relay(signedDelegateBase64) {
      const delegate = decodeSignedDelegate(signedDelegateBase64);
      if (!verifyDelegateSignature(delegate)) {
        throw new RelayError('BAD_SIGNATURE', `the signature does not match the delegate action of ${delegate.senderId}; sign the exact DelegateAction with the key it names`);
      }
      checkPolicy(delegate, config.policy);
      limiter.take(delegate.senderId, now());
      const result = queue.then(() => submit(delegate));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

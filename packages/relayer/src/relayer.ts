/**
 * The relayer core: decode, verify, check policy, check the delegate against the chain (expiry,
 * the sender's access key, its nonce and permission), rate limit, then submit the user's signed
 * delegate action wrapped in a transaction from the relayer's account, which pays the gas.
 *
 * Everything a node would reject inside the Delegate receipt (nearcore
 * runtime/runtime/src/actions.rs `apply_delegate_action`: expired, unknown key, nonce not above
 * the key's, function-call key for another receiver or method) is refused here first, because a
 * rejected Delegate receipt still burns the relayer's gas. Submissions are serialised so the
 * relayer's own access-key nonce never races.
 */
import { Account, JsonRpcProvider, actions, type KeyPairString } from 'near-api-js';
import { decodeSignedDelegate, verifyDelegateSignature, type DecodedDelegate } from './delegate.js';
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

export type InnerStatus = { SuccessValue: string } | { Failure: unknown } | { Unknown: true };

export interface RelayResult {
  transactionHash: string;
  senderId: string;
  receiverId: string;
  /** True when the user's call and every receipt it returned through succeeded. */
  succeeded: boolean;
  /**
   * The user's call as its caller sees it: the final value (base64) after following the promises
   * it returned, or the first failure on that path.
   */
  status: InnerStatus;
  outcome: unknown;
}

export interface Relayer {
  relay(signedDelegateBase64: unknown): Promise<RelayResult>;
  readonly accountId: string;
  readonly policy: RelayPolicy;
}

interface ReceiptOutcome {
  id: string;
  outcome: { receipt_ids: string[]; status: Record<string, unknown> };
}

interface Outcome {
  status: Record<string, unknown>;
  transaction: { hash: string };
  transaction_outcome: { outcome: { receipt_ids: string[] } };
  receipts_outcome: ReceiptOutcome[];
}

/**
 * The transaction's receipt is the relayer's Delegate receipt (on the user's account); the first
 * receipt it creates is the user's call. Follows SuccessReceiptId to the call's final result.
 */
export function innerStatus(outcome: Outcome): InnerStatus {
  const byId = new Map(outcome.receipts_outcome.map((r) => [r.id, r]));
  const delegateReceipt = byId.get(outcome.transaction_outcome.outcome.receipt_ids[0]);
  if (delegateReceipt && 'Failure' in delegateReceipt.outcome.status) return { Failure: delegateReceipt.outcome.status.Failure };
  let current = byId.get(delegateReceipt?.outcome.receipt_ids[0] ?? '');
  for (let hops = 0; current && hops < 64; hops++) {
    const status = current.outcome.status;
    if ('Failure' in status) return { Failure: status.Failure };
    if ('SuccessValue' in status) return { SuccessValue: String(status.SuccessValue) };
    if ('SuccessReceiptId' in status) current = byId.get(String(status.SuccessReceiptId));
    else break;
  }
  return { Unknown: true };
}

export function createRelayer(config: RelayerConfig): Relayer {
  const provider = new JsonRpcProvider({ url: config.rpcUrl });
  const account = new Account(config.accountId, provider, config.privateKey);
  const limit = config.policy.rateLimit ?? { count: 10, windowMs: 60_000 };
  const limiter = new RateLimiter(limit.count, limit.windowMs);
  const now = config.now ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();

  /** What the node would check in apply_delegate_action, asked of the node before paying. */
  async function checkAgainstChain(delegate: DecodedDelegate): Promise<void> {
    const block = await provider.viewBlock({ finality: 'optimistic' });
    const height = BigInt(block.header.height);
    if (delegate.maxBlockHeight < height) {
      throw new RelayError('DELEGATE_EXPIRED', `the delegate action expired at block ${delegate.maxBlockHeight} (head is ${height}); sign a new one with a later max_block_height`);
    }
    let key: Awaited<ReturnType<typeof provider.viewAccessKey>>;
    try {
      key = await provider.viewAccessKey({ accountId: delegate.senderId, publicKey: delegate.publicKey, finalityQuery: { finality: 'optimistic' } });
    } catch (error) {
      throw new RelayError('ACCESS_KEY_INVALID', `${delegate.publicKey} is not an access key of ${delegate.senderId}: ${(error as Error).message}`);
    }
    if (delegate.nonce <= BigInt(key.nonce)) {
      throw new RelayError('NONCE_USED', `nonce ${delegate.nonce} is not above the key's nonce ${key.nonce}; sign again with a fresh nonce`);
    }
    const permission = key.permission;
    if (permission !== 'FullAccess') {
      const fc = (permission as { FunctionCall: { receiver_id: string; method_names: string[] } }).FunctionCall;
      // nearcore: a function-call key signs one FunctionCall, to its receiver, without deposit.
      const [action] = delegate.actions;
      const methodAllowed = fc.method_names.length === 0 || (action?.methodName !== undefined && fc.method_names.includes(action.methodName));
      if (delegate.actions.length !== 1 || action.kind !== 'functionCall' || fc.receiver_id !== delegate.receiverId || !methodAllowed || (action.deposit ?? 0n) > 0n) {
        throw new RelayError('ACCESS_KEY_INVALID', `${delegate.publicKey} is a function-call key for ${fc.receiver_id} (${fc.method_names.join(', ') || 'any method'}); it cannot sign these actions`);
      }
    }
  }

  async function submit(delegate: DecodedDelegate): Promise<RelayResult> {
    let outcome: Outcome;
    try {
      // What Account.relayMetaTransaction does, but keeping the outcome when the user's call
      // fails: the relayer has paid either way and the client needs the failure.
      outcome = (await account.signAndSendTransaction({
        receiverId: delegate.senderId,
        actions: [actions.signedDelegate(delegate.signedDelegate)],
        throwOnFailure: false,
      })) as unknown as Outcome;
    } catch (error) {
      throw new RelayError('SUBMISSION_FAILED', `the node refused the relayed transaction: ${(error as Error).message}`);
    }
    const status = innerStatus(outcome);
    return {
      transactionHash: outcome.transaction.hash,
      senderId: delegate.senderId,
      receiverId: delegate.receiverId,
      succeeded: 'SuccessValue' in status,
      status,
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
      await checkAgainstChain(delegate);
      limiter.take(delegate.senderId, now());
      const result = queue.then(() => submit(delegate));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

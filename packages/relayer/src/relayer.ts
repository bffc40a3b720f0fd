/**
 * The relayer core: decode, verify, check policy, take the delegate (one submission per sender,
 * key and nonce), check it against the chain (expiry with a margin, the sender's access key, its
 * nonce and permission), run the method's pre-check view, rate limit, reserve its maximum cost
 * from the sender's and receiver's allowances, then submit the user's signed delegate action
 * wrapped in a transaction from the relayer's account, which pays the gas, and settle the
 * allowances to what was really burnt.
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
import { allowsCall, checkPolicy, DEFAULT_MIN_BLOCKS_LEFT, preCheckArgs, RateLimiter, type RelayPolicy } from './policy.js';
import { actualCost, budgetsFor, maximumCost } from './allowance.js';
import { localStore, type Budget, type RelayerStore } from './store.js';

/** How long a taken delegate is remembered: far longer than any max_block_height a client signs (200 blocks ≈ 4 min). */
const DELEGATE_MEMORY_MS = 24 * 60 * 60 * 1000;

export interface RelayerConfig {
  rpcUrl: string;
  accountId: string;
  privateKey: KeyPairString;
  policy: RelayPolicy;
  /**
   * Where taken delegates and allowances are kept (src/store.ts): `localStore(dir)` survives
   * restarts. Default: memory, forgotten when the process ends.
   */
  store?: RelayerStore;
  /** Clock for the rate limit and allowance periods (tests pass their own). */
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
  const minBlocksLeft = BigInt(config.policy.minBlocksLeft ?? DEFAULT_MIN_BLOCKS_LEFT);
  let store: Promise<RelayerStore> | undefined = config.store ? Promise.resolve(config.store) : undefined;
  const theStore = () => (store ??= localStore());
  let queue: Promise<unknown> = Promise.resolve();

  /** What the node would check in apply_delegate_action, asked of the node before paying. Answers the head's gas price. */
  async function checkAgainstChain(delegate: DecodedDelegate): Promise<bigint> {
    const block = await provider.viewBlock({ finality: 'optimistic' });
    const height = BigInt(block.header.height);
    if (delegate.maxBlockHeight < height + minBlocksLeft) {
      const when = delegate.maxBlockHeight < height ? 'expired at' : `expires within ${minBlocksLeft} blocks, at`;
      throw new RelayError('DELEGATE_EXPIRED', `the delegate action ${when} block ${delegate.maxBlockHeight} (head is ${height}); sign a new one with a later max_block_height`);
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
    return BigInt(block.header.gas_price);
  }

  /** The policy's views for the delegate's methods must each allow the call (e.g. something to claim). */
  async function runPreChecks(delegate: DecodedDelegate): Promise<void> {
    const checks = config.policy.preChecks?.[delegate.receiverId] ?? {};
    for (const action of delegate.actions) {
      const check = checks[action.methodName ?? ''];
      if (!check) continue;
      const args = preCheckArgs(check.args, delegate.senderId, action.args) as Record<string, unknown>;
      let answer: unknown;
      try {
        answer = await provider.callFunction({ contractId: delegate.receiverId, method: check.view, args, blockQuery: { finality: 'optimistic' } });
      } catch (error) {
        throw new RelayError('PRECHECK_REFUSED', `the pre-check ${delegate.receiverId}.${check.view}(${JSON.stringify(args)}) for ${action.methodName} failed: ${(error as Error).message}`);
      }
      if (!allowsCall(answer)) {
        throw new RelayError('PRECHECK_REFUSED', `${action.methodName} on ${delegate.receiverId} would fail: its pre-check ${check.view}(${JSON.stringify(args)}) answered ${JSON.stringify(answer)}; nothing was relayed`);
      }
    }
  }

  /** Reserves the delegate's maximum cost from its allowances, or refuses naming the budget that is spent. */
  async function reserve(delegate: DecodedDelegate, gasPrice: bigint): Promise<{ budgets: Budget[]; amount: bigint }> {
    const at = now();
    const budgets = budgetsFor(delegate, config.policy.allowance, at);
    const amount = maximumCost(delegate, gasPrice);
    const result = await (await theStore()).spend(budgets, amount, at);
    if (!result.ok) {
      const whose = result.budget.key.startsWith('sender/') ? `${delegate.senderId}'s allowance` : `the budget of receiver ${delegate.receiverId}`;
      throw new RelayError(
        'ALLOWANCE_EXCEEDED',
        `${whose} is ${result.budget.limit} yoctoNEAR per period; ${result.spent} is spent and this delegate may cost up to ${amount}; retry after ${new Date(result.budget.expiresAt).toISOString()}`,
      );
    }
    return { budgets, amount };
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
      const kept = await theStore();
      const delegateId = `${delegate.senderId}/${delegate.publicKey}/${delegate.nonce}`;
      if (!(await kept.takeDelegate(delegateId, now() + DELEGATE_MEMORY_MS))) {
        throw new RelayError('DUPLICATE_DELEGATE', `this delegate (${delegate.senderId}, key ${delegate.publicKey}, nonce ${delegate.nonce}) was already posted to this relayer; each is submitted at most once`);
      }
      let reserved: { budgets: Budget[]; amount: bigint };
      try {
        const gasPrice = await checkAgainstChain(delegate);
        await runPreChecks(delegate);
        limiter.take(delegate.senderId, now());
        reserved = await reserve(delegate, gasPrice);
      } catch (error) {
        await kept.releaseDelegate(delegateId);
        throw error;
      }
      const submitted = queue.then(() => submit(delegate));
      queue = submitted.catch(() => undefined);
      // A failed submission keeps the delegate taken and the reservation spent: the node may have
      // run it, and relaying it again or under-counting its cost is what these records prevent.
      const result = await submitted;
      await kept.settle(reserved.budgets, actualCost(delegate, result.outcome as Parameters<typeof actualCost>[1]) - reserved.amount, now());
      return result;
    },
  };
}

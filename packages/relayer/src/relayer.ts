/**
 * The relayer core: decode, verify, check policy, take the delegate (one submission per sender,
 * key and nonce) and rate limit, check it against the chain (expiry with a margin, the sender's
 * access key, its nonce and permission), run the method's pre-check view, sign the transaction that
 * carries the user's signed delegate action with one of the relayer's pool keys, reserve its maximum
 * cost from the sender's and receiver's allowances (accepting it in the same store operation), and
 * answer with its hash. In the
 * background the transaction is sent (in its key's nonce order), its outcome awaited, the
 * allowances settled to what was really burnt and the status recorded in the store, where every
 * instance can read it. One slow call holds no other delegate: nothing waits for a receipt tree
 * but its own status.
 *
 * Everything a node would reject inside the Delegate receipt (nearcore
 * runtime/runtime/src/actions.rs `apply_delegate_action`: expired, unknown key, nonce not above
 * the key's, function-call key for another receiver or method) is refused here first, because a
 * rejected Delegate receipt still burns the relayer's gas.
 *
 * The answer waits on the node only when the relayer has no recent read (read-cache.ts): the head
 * (height, gas price) and each sender key's access key are read again in the background once a
 * few blocks (the head) or 5 s (an access key) old, and waited for when older than their maximum age, unknown, or (the head) when the
 * delegate's max_block_height is close enough to it that blocks made since the read could matter.
 */
import { JsonRpcProvider, type KeyPairString } from 'near-api-js';
import { RpcError } from 'near-api-js/rpc-errors';
import { decodeSignedDelegate, delegateActions, verifyDelegateSignature, type DecodedDelegate } from './delegate.js';
import { RelayError } from './errors.js';
import { allowsCall, checkPolicy, DEFAULT_MIN_BLOCKS_LEFT, DEFAULT_RATE_LIMIT, preCheckArgs, type RelayPolicy } from './policy.js';
import { actualCost, budgetsFor, maximumCost } from './allowance.js';
import { localStore, type Accepting, type RelayerStore, type SpendResult } from './store.js';
import { DelegateNonceUsedError, lookForEarlierCopy, openKeyPool, refusedByNode, type KeyPool, type ResendCheck, type ResendCheckResult, type SignedForPool, type TransactionActions } from './key-pool.js';
import { BlockRate, EarlierRead, ReadCache, type Read } from './read-cache.js';
import { relayerMetrics, type RelayerMetrics } from './metrics.js';
import { nodeRpc, stringifyWithOutcome, type AccessKeyView } from './node-rpc.js';
import { acceptanceOf, inFlightRecord, readInFlightRecord, statusId, STATUS_MEMORY_MS, type AcceptedJob, type InFlightRecord } from './in-flight.js';

/**
 * Resolves after the I/O callbacks of the event loop's current turn (setImmediate): background work
 * (sends, outcomes) waits there so that the requests that arrived meanwhile are answered first.
 */
const afterThisTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long a taken delegate is remembered: far longer than any max_block_height a client signs (200 blocks ≈ 4 min). */
const DELEGATE_MEMORY_MS = 24 * 60 * 60 * 1000;
/**
 * The head block (height, gas price) is read again in the background once the chain has made about
 * HEAD_REFRESH_BLOCKS blocks since the kept read (at the recent rate; every 100 ms to 1 s). The answer
 * waits for a new read only when the delegate's max_block_height is within what the head may have
 * moved since the kept read (headFor), or, as a backstop, when the read is older than the maximum: a
 * node busy making blocks answers reads late, and a request must not wait on it for what the kept
 * read and the block rate already answer. (The gas price moves at most 1 % a block on nearcore, and
 * a reservation is settled to what was really burnt.)
 */
const HEAD_REFRESH_BLOCKS = 5;
const HEAD_REFRESH_MS = { min: 100, max: 1_000 };
const HEAD_MAX_AGE_MS = 30_000;
/**
 * A sender key's access key (nonce, permission) is read again in the background after this long,
 * and waited for when older than the maximum: a nonce used or a key deleted since the read can
 * still reach the chain meanwhile, as it can between any read and the transaction's landing, and
 * the sender's allowance bounds what that costs (README "What the relayer pays for"). Each refresh
 * is a view the node serves between blocks: every 5 s per active sender, not one per delegate.
 */
const ACCESS_KEY_REFRESH_MS = 5_000;
const ACCESS_KEY_MAX_AGE_MS = 60_000;
/** An acceptance record older than this at start belongs to a process that died before answering (an answer never takes this long). */
const ACCEPTANCE_GRACE_MS = 10_000;
/** Times the outcome of a sent transaction is asked for (1 s, 2 s, … apart) before the job is left to a restart. */
const OUTCOME_ATTEMPTS = 5;
/** An undecided resumed record is looked at again after `first` ms, then twice as long each time up to `max` (default of `resumeRetryMs`). */
const RESUME_RETRY_MS = { first: 5_000, max: 300_000 };
/** A status request with wait=final gives up after this long and answers the pending status (default of `statusWaitMs`). */
const STATUS_WAIT_MS = 30_000;

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
  /**
   * Access keys the relayer signs with (default 1, at most 64), each with its own nonce sequence:
   * derived from `privateKey` and `instance`, added to the account at start if missing.
   */
  keys?: number;
  /** This instance's name among several paying from one account (default "main"): each signs with its own keys. */
  instance?: string;
  /** Transactions of one pool key sent and not yet in a block at most (default 1: key-pool.ts, README "Key pool"). */
  pipelineDepth?: number;
  /**
   * How long `GET /status/<hash>?wait=final` waits for the outcome before it answers the pending status
   * (default 30 s: under common proxies' idle timeouts, so the client asks again rather than losing the answer).
   */
  statusWaitMs?: number;
  /**
   * A record resumed at start that is signed by a key no longer in the pool, and that may still land, is
   * looked at again while the instance runs: after `first` ms, then twice as long each time up to `max`
   * (default 5 s doubling to 5 min; README "Several instances with Redis").
   */
  resumeRetryMs?: { first: number; max: number };
  /** Clock for allowance periods (tests pass their own). */
  now?: () => number;
  /** Receives one structured event per accepted, refused and finished delegate, and per check of an earlier copy (the CLI prints them as JSON lines). */
  log?: (event: RelayerEvent) => void;
}

export type RelayerEvent =
  /**
   * `ms`: the relayer's own time to the hash, from the request's arrival to the delegate's acceptance; of it,
   * `store_ms` waiting for the store (the take with the rate limit, then the reservation that accepts)
   * and `node_ms` waiting for the node in the chain checks and pre-checks (reads the relayer had not kept, views).
   * `received_at`: when the request arrived (epoch ms, 0.1 ms), to line it up with other processes' clocks.
   */
  | { event: 'accepted'; transaction_hash: string; sender_id: string; receiver_id: string; received_at: number; ms: number; store_ms: number; node_ms: number }
  | { event: 'refused'; code: string; message: string }
  | { event: 'final'; transaction_hash: string; sender_id: string; state: RelayStatus['state']; succeeded?: boolean; near_spent?: string }
  /** A refusal after an ambiguous send made the relayer look up the earlier copy's hash (key-pool.ts "submitted once"): what it decided. */
  | { event: 'resend_check'; result: ResendCheckResult; transaction_hash: string; sender_id: string; refusal: string }
  | { event: 'resume_failed'; message: string }
  | { event: 'released'; delegate_id: string; message: string };

export type InnerStatus = { SuccessValue: string } | { Failure: unknown } | { Unknown: true };

/** A delegate the relayer accepted: signed, and being sent in the background. */
export interface Accepted {
  /** The hash of the relayer's transaction, to ask `status` about. */
  transactionHash: string;
  senderId: string;
  receiverId: string;
  /** Resolves with the final status (never rejects). */
  outcome: Promise<RelayStatus>;
}

interface StatusBase {
  /** The transaction that carries the delegate; differs from the hash first answered only if a nonce error made the relayer sign it again. */
  transactionHash: string;
  senderId: string;
  receiverId: string;
}

export type RelayStatus =
  | (StatusBase & { state: 'pending' })
  | (StatusBase & {
      state: 'final';
      /** True when the user's call and every receipt it returned through succeeded. */
      succeeded: boolean;
      /** The user's call as its caller sees it: the final value (base64) after following the promises it returned, or the first failure on that path. */
      status: InnerStatus;
      outcome: unknown;
    })
  | (StatusBase & { state: 'refused'; error: { code: string; message: string } })
  /**
   * The job's transaction is unknown to the node and its delegate's nonce is used on chain (code
   * DELEGATE_NONCE_USED): it may have landed long ago (nodes forget old transactions), so nothing was
   * signed again, its outcome cannot be retrieved, and the reservation is kept as spent.
   */
  | (StatusBase & { state: 'outcome_unknown'; error: { code: string; message: string } });

export interface Relayer {
  /**
   * Validates, reserves and signs; throws RelayError on a refusal, nothing spent. `receivedAt`: when the
   * request arrived (performance.now(); default now), from which the `accepted` event's `ms` counts.
   */
  relay(signedDelegateBase64: unknown, receivedAt?: number): Promise<Accepted>;
  /** The status of a transaction this relayer (or another instance on the same store) accepted; undefined if unknown. */
  status(transactionHash: string, options?: { waitFinal?: boolean }): Promise<RelayStatus | undefined>;
  /** Opens the key pool (adds missing keys); `relay` does it on first use. */
  ready(): Promise<void>;
  /** Waits until every accepted delegate has its outcome, and stops looking at undecided resumed records: graceful shutdown. */
  drain(): Promise<void>;
  /** Delegates accepted and not yet final in this process. */
  readonly inFlight: number;
  /** Prometheus metrics (`metrics.registry.metrics()` is what GET /metrics serves). */
  readonly metrics: RelayerMetrics;
  readonly accountId: string;
  readonly policy: RelayPolicy;
}

/** One accepted delegate, from signing to its final status. */
interface Job extends AcceptedJob {
  signed: SignedForPool;
  /** The delegate as the transaction's action list, built once: signed with, and signed again with after a nonce or expiry refusal. */
  actions: TransactionActions;
  /** Set when a restart found the job's transaction unknown and its delegate's nonce used: it ends so, nothing sent. */
  ended?: DelegateNonceUsedError;
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
  const rpc = nodeRpc(config.rpcUrl);
  const rateLimit = config.policy.rateLimit ?? DEFAULT_RATE_LIMIT;
  const now = config.now ?? Date.now;
  const minBlocksLeft = BigInt(config.policy.minBlocksLeft ?? DEFAULT_MIN_BLOCKS_LEFT);
  let opened: Promise<RelayerStore> | undefined = config.store ? Promise.resolve(config.store) : undefined;
  let pool: Promise<KeyPool> | undefined;
  /** Listening for the reads other instances share (once, at the pool's first opening). */
  let watchingSharedReads: Promise<void> | undefined;
  /** The store pushes the reads other instances share, and this instance keeps them as they come (keepSharedRead). */
  let sharedReadsPushed = false;
  /** The key pool once open (acceptAtOnce signs only with a pool that needs no wait). */
  let poolOpened: KeyPool | undefined;
  const keyPool = () =>
    (pool ??= openKeyPool({ provider, rpc, accountId: config.accountId, mainKey: config.privateKey, size: config.keys ?? 1, instance, depth: config.pipelineDepth, onResendCheck }).then(
      async (opened) => {
        // Reads other instances share from now on are kept as they come (a store that cannot push them: read when needed, as before).
        await (watchingSharedReads ??= kept(async (store) => {
          if (!store.watchSharedReads) return;
          await store.watchSharedReads(keepSharedRead);
          sharedReadsPushed = true;
        }).catch(() => undefined));
        // A store that is down now leaves the records for the next start; new requests get 503 meanwhile.
        await resumeInFlight(opened).catch((error) => log({ event: 'resume_failed', message: `in-flight work not resumed until the next start: ${(error as Error).message}` }));
        poolOpened = opened;
        return opened;
      },
      (error) => {
        pool = undefined;
        throw error;
      },
    ));
  const instance = config.instance ?? 'main';
  const inFlight = new Map<string, Promise<RelayStatus>>();
  /** Delegates this process has taken and not yet accepted or released (their acceptance records are its own). */
  const accepting = new Set<string>();
  const log = config.log ?? (() => {});
  const resumeRetry = config.resumeRetryMs ?? RESUME_RETRY_MS;
  /** The timers of undecided records' next looks (lookAgainLater); drain clears them and sets `stopped`. */
  const lookingAgain = new Set<ReturnType<typeof setTimeout>>();
  /** Looks a timer started and that have not ended: drain waits for them (one may sign the delegate again and track it). */
  const looksUnderWay = new Set<Promise<unknown>>();
  let stopped = false;
  const metrics = relayerMetrics({ inFlight: () => inFlight.size, nonceLag: async () => (pool ? (await pool).nonceLag() : {}) });
  function onResendCheck(check: ResendCheck): void {
    metrics.resendChecks.inc({ result: check.result });
    log({ event: 'resend_check', result: check.result, transaction_hash: check.transactionHash, sender_id: check.senderId, refusal: check.refusal });
  }

  /** The store, with its failures answered as 503: never relay without the records it keeps. */
  async function kept<T>(operation: (store: RelayerStore) => Promise<T>): Promise<T> {
    const store = await (opened ??= localStore());
    try {
      return await operation(store);
    } catch (error) {
      throw new RelayError('STORE_UNAVAILABLE', `the relayer's store is unavailable (${(error as Error).message}); nothing was relayed, retry shortly`);
    }
  }

  const blockRate = new BlockRate();
  const heads = new ReadCache(
    async () => {
      const at = Date.now();
      const block = await rpc.block('optimistic');
      blockRate.observe(block.header.height, at);
      return { height: BigInt(block.header.height), gasPrice: BigInt(block.header.gas_price) };
    },
    { refreshAfterMs: () => blockRate.msFor(HEAD_REFRESH_BLOCKS, HEAD_REFRESH_MS.min, HEAD_REFRESH_MS.max), maxAgeMs: HEAD_MAX_AGE_MS },
  );
  /**
   * The head's height and gas price: the kept read, unless the delegate's max_block_height is within
   * what the head may have moved since (twice the recent block rate, and 20 blocks): then a new read.
   */
  async function headFor(delegate: DecodedDelegate): Promise<{ height: bigint; gasPrice: bigint }> {
    const kept = await heads.get('head');
    if (keptHeadSuffices(delegate, kept)) return kept.value;
    return (await heads.fresh('head')).value;
  }
  /** The delegate's max_block_height is beyond what the head may have moved since the kept read (headFor). */
  const keptHeadSuffices = (delegate: DecodedDelegate, kept: Read<{ height: bigint }>) =>
    delegate.maxBlockHeight >= kept.value.height + minBlocksLeft + BigInt(Math.ceil(2 * blockRate.since(kept.at))) + 20n;

  /**
   * A sender key's access key: the read another instance shared in the store when it is younger than
   * the refresh age (as good as a read of this instance's own), else one from the node, then shared.
   * When a delegate waits for it (none kept, or the kept one past its maximum age), the node is asked
   * at the same time as the store, so the delegate waits for one round trip instead of two in a row
   * (the node's answer is unused when the store has a fresh one); a refresh in the background asks the
   * store first, and another instance's read spares the node one, unless the store pushes shared reads
   * (watchSharedReads): then the node alone.
   */
  const accessKeys = new ReadCache(
    async (id: string): Promise<AccessKeyView | EarlierRead<AccessKeyView>> => {
      const ahead = sharedAhead.get(id);
      sharedAhead.delete(id);
      const [accountId, publicKey] = id.split('\n');
      const at = Date.now();
      const keptRead = accessKeys.peek(id);
      const waitedFor = keptRead === undefined || at - keptRead.at > ACCESS_KEY_MAX_AGE_MS;
      const fromNode = waitedFor ? rpc.accessKey(accountId, publicKey) : undefined;
      fromNode?.catch(() => undefined); // unused when the store answers; its refusal is thrown below when it does not
      // A refresh while the store pushes shared reads asks the node alone: a read another instance shared
      // since the kept one would have been pushed here and kept, and no refresh would have started.
      const shared = await (ahead ?? (waitedFor || !sharedReadsPushed ? sharedAccessKey(id) : undefined));
      if (shared !== undefined && Date.now() - shared.at < ACCESS_KEY_REFRESH_MS) return shared;
      const view = await (fromNode ?? rpc.accessKey(accountId, publicKey));
      void kept(async (store) => store.shareRead?.(`access-key/${id}`, JSON.stringify({ nonce: view.nonce.toString(), permission: view.permission, at }), at + ACCESS_KEY_MAX_AGE_MS)).catch(() => undefined);
      return view;
    },
    { refreshAfterMs: ACCESS_KEY_REFRESH_MS, maxAgeMs: ACCESS_KEY_MAX_AGE_MS },
  );
  /** Shared reads of a sender key asked for while its delegate was being taken (acceptTaken), for the access-key read that follows. */
  const sharedAhead = new Map<string, Promise<EarlierRead<AccessKeyView> | undefined>>();
  /** The access key read another instance shared, or undefined (none, the store has none to share, or it is unavailable: the node is read). */
  async function sharedAccessKey(id: string): Promise<EarlierRead<AccessKeyView> | undefined> {
    const text = await kept(async (store) => store.sharedRead?.(`access-key/${id}`)).catch(() => undefined);
    return text === undefined ? undefined : parseSharedAccessKey(text);
  }
  /** A shared access-key read, or undefined when the text is not what shareRead writes (the node is read instead). */
  function parseSharedAccessKey(text: string): EarlierRead<AccessKeyView> | undefined {
    try {
      const shared = JSON.parse(text) as { nonce: string; permission: AccessKeyView['permission']; at: number };
      if (typeof shared.at !== 'number') return undefined;
      return new EarlierRead({ nonce: BigInt(shared.nonce), permission: shared.permission }, shared.at);
    } catch {
      return undefined;
    }
  }
  /**
   * A read another instance shares as it shares it (the store pushes it: watchSharedReads) is kept here
   * as if read here at its time, so a sender's next delegate on this instance, a load balancer having
   * sent it here, is answered in one round trip (acceptAtOnce) instead of reading first.
   */
  function keepSharedRead(id: string, text: string): void {
    if (!id.startsWith('access-key/')) return;
    const read = parseSharedAccessKey(text);
    if (read !== undefined) accessKeys.offer(id.slice('access-key/'.length), { value: read.value, at: read.at });
  }

  /** The delegate's sender key's access key (kept, or read: the read on its way is joined). */
  const keyRead = (delegate: DecodedDelegate) => accessKeys.get(`${delegate.senderId}\n${delegate.publicKey}`);

  const expired = (delegate: DecodedDelegate, height: bigint) => {
    const when = delegate.maxBlockHeight < height ? 'expired at' : `expires within ${minBlocksLeft} blocks, at`;
    return new RelayError('DELEGATE_EXPIRED', `the delegate action ${when} block ${delegate.maxBlockHeight} (head is ${height}); sign a new one with a later max_block_height`);
  };

  /** What the node would check in apply_delegate_action, asked of the node (or its recent answers) before paying. Answers the head's gas price. */
  async function checkAgainstChain(delegate: DecodedDelegate): Promise<bigint> {
    const { height, gasPrice } = await headFor(delegate);
    if (delegate.maxBlockHeight < height + minBlocksLeft) throw expired(delegate, height);
    let key: AccessKeyView;
    try {
      key = (await keyRead(delegate)).value;
    } catch (error) {
      // The node's own answer (unknown key or account) is a refusal; no answer is not the sender's fault.
      if (!(error instanceof RpcError)) throw new RelayError('NODE_UNAVAILABLE', `the node did not answer (${(error as Error).message}); nothing was relayed, retry shortly`);
      throw new RelayError('ACCESS_KEY_INVALID', `${delegate.publicKey} is not an access key of ${delegate.senderId}: ${(error as Error).message}`);
    }
    checkAccessKey(delegate, key);
    return gasPrice;
  }

  /**
   * The chain checks from kept reads alone, starting no read: the head's gas price, or undefined when
   * a read would be needed (no kept read, one too old, or a max_block_height close to the kept head).
   */
  function checkAgainstKept(delegate: DecodedDelegate): bigint | undefined {
    const head = heads.peek('head');
    const key = accessKeys.peek(`${delegate.senderId}\n${delegate.publicKey}`);
    if (!head || !key || Date.now() - head.at > HEAD_MAX_AGE_MS || Date.now() - key.at > ACCESS_KEY_MAX_AGE_MS || !keptHeadSuffices(delegate, head)) return undefined;
    checkAccessKey(delegate, key.value);
    return head.value.gasPrice;
  }

  /** What apply_delegate_action checks of the sender's access key: a nonce above the key's, and a function-call key's limits. */
  function checkAccessKey(delegate: DecodedDelegate, key: AccessKeyView): void {
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

  /** The policy's views for the delegate's methods must each allow the call (e.g. something to claim). */
  const hasPreChecks = (delegate: DecodedDelegate) => delegate.actions.some((action) => config.policy.preChecks?.[delegate.receiverId]?.[action.methodName ?? ''] !== undefined);
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
  /**
   * Reserves the job's maximum cost from its allowances and, in the same atomic operation, accepts it
   * (its in-flight record, its pending status), or refuses naming the budget that is spent.
   */
  async function reserveAndAccept(job: Job): Promise<void> {
    const { budgets, amount } = job.reserved;
    const result = await kept((store) => store.spend(budgets, amount, now(), acceptingOf(job)));
    if (!result.ok) throw spendRefusal(job, result);
  }

  /** What accepting `job` writes with its reservation: its in-flight record and pending status. */
  const acceptingOf = (job: Job): Accepting => acceptanceOf(config.accountId, instance, job, job.signed.base64);

  const duplicateDelegate = (delegate: DecodedDelegate) =>
    new RelayError('DUPLICATE_DELEGATE', `this delegate (${delegate.senderId}, key ${delegate.publicKey}, nonce ${delegate.nonce}) was already posted to this relayer; each is submitted at most once`);
  const rateLimited = (delegate: DecodedDelegate, waitMs: number) =>
    new RelayError('RATE_LIMITED', `${delegate.senderId} reached ${rateLimit.count} relayed transactions per ${rateLimit.windowMs} ms; retry in ${waitMs} ms`);

  /** The refusal a spend answered: the budget it would pass, or (taking the delegate with it) a duplicate. */
  function spendRefusal(job: Job, result: Exclude<SpendResult, { ok: true }>): RelayError {
    const { delegate } = job;
    if ('duplicate' in result) return duplicateDelegate(delegate);
    const whose = result.budget.key.startsWith('sender/') ? `${delegate.senderId}'s allowance` : `the budget of receiver ${delegate.receiverId}`;
    return new RelayError(
      'ALLOWANCE_EXCEEDED',
      `${whose} is ${result.budget.limit} yoctoNEAR per period; ${result.spent} is spent and this delegate may cost up to ${job.reserved.amount}; retry after ${new Date(result.budget.expiresAt).toISOString()}`,
    );
  }

  /**
   * The answer in one round trip to the store when nothing in it needs the node: the chain checks
   * from kept reads, no pre-check for the call, and a pool key that signs from what it kept. The
   * delegate is then checked and signed first, and taken, reserved for and accepted in one atomic
   * store operation, the rate limit sent with it (rate-limiter-flexible's own operation). Undefined,
   * with nothing signed, taken or read, when a read would be needed or the kept reads refuse the
   * delegate: the caller takes first, as before, so a duplicate never makes the relayer read from the
   * node and refusals keep their order (a duplicate costs a signature here, its nonce skipped, which
   * NEAR allows). A delegate accepted while its sender is over the rate limit is
   * undone before anything is sent: its status refused, its reservation given back, the delegate released.
   */
  async function acceptAtOnce(delegate: DecodedDelegate, delegateId: string, waits: Waits): Promise<Job | undefined> {
    const pool = poolOpened;
    if (pool === undefined || hasPreChecks(delegate)) return undefined;
    // A refusal (a nonce used, a key that cannot sign it) goes the usual way, after the take: a replayed
    // delegate is then refused as a duplicate, as before, and any other refusal in the same order.
    let gasPrice: bigint | undefined;
    try {
      gasPrice = checkAgainstKept(delegate);
    } catch {
      return undefined;
    }
    if (gasPrice === undefined) return undefined;
    const actionList = delegateActions(delegate);
    const signed = pool.signKept(delegate.senderId, actionList);
    if (signed === undefined) return undefined;
    const job: Job = { delegate, delegateId, reserved: { budgets: budgetsFor(delegate, config.policy.allowance, now()), amount: maximumCost(delegate, gasPrice) }, firstHash: signed.hash, signed, actions: actionList };
    const rateKey = `sender/${delegate.senderId}`;
    const [spent, hit] = await timed(
      waits,
      'store',
      Promise.allSettled([
        kept((store) => store.spend(job.reserved.budgets, job.reserved.amount, now(), { ...acceptingOf(job), takeUntil: now() + DELEGATE_MEMORY_MS })),
        kept((store) => store.hit(rateKey, rateLimit.count, rateLimit.windowMs)),
      ]),
    );
    const hitAllowed = hit.status === 'fulfilled' && hit.value === 0;
    const result = spent.status === 'fulfilled' ? spent.value : undefined;
    if (result === undefined || !result.ok) {
      pool.abandon(signed);
      if (hitAllowed) await kept((store) => store.unhit(rateKey, rateLimit.count, rateLimit.windowMs)).catch(() => undefined);
      throw result === undefined ? (spent as PromiseRejectedResult).reason : spendRefusal(job, result);
    }
    if (!hitAllowed) {
      pool.abandon(signed);
      const refusal = hit.status === 'rejected' ? (hit.reason as RelayError) : rateLimited(delegate, hit.value);
      const refused: RelayStatus = { transactionHash: job.firstHash, senderId: delegate.senderId, receiverId: delegate.receiverId, state: 'refused', error: { code: refusal.code, message: refusal.message } };
      // Best effort with the store down: the job then stays in flight, and a restart sends it (within its reservation).
      await kept((store) =>
        store.finish(instance, job.firstHash, { statusId: statusKey(job.firstHash), status: JSON.stringify(refused), expiresAt: Date.now() + STATUS_MEMORY_MS }, { budgets: job.reserved.budgets, delta: -job.reserved.amount, now: now() }),
      )
        .then(() => kept((store) => store.releaseDelegate(delegateId)))
        .catch(() => undefined);
      throw refusal;
    }
    // The reads the answer used are kept fresh as `get` would have (not before: a duplicate starts none).
    void heads.get('head').catch(() => undefined);
    void keyRead(delegate).catch(() => undefined);
    pool.keepFresh();
    return job;
  }


  const statusKey = (hash: string) => statusId(config.accountId, hash);

  /** The outcome of a transaction the node has, or undefined when it has none. */
  const outcomeOf = (txHash: string) => rpc.txStatus(txHash, config.accountId) as Promise<Outcome>;

  /**
   * The outcome of a transaction sent, asked again while the node answers that it has none yet or
   * times out (a send left unanswered, a receipt tree still running): nearcore's `tx` waits about
   * 10 s at most. After that the job stays pending, and a restart finishes it.
   */
  async function followOutcome(txHash: string): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await outcomeOf(txHash);
      } catch (error) {
        if (attempt >= OUTCOME_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
      }
    }
  }

  /**
   * Sends the job's transaction in its key's order (unless `onChain` already has its outcome),
   * awaits the outcome, then records the final status under the hash first answered, removes the
   * in-flight record and settles the allowances to what was paid, in one atomic operation
   * (store.finish) that settles only if it removed the record: a job finished twice is settled
   * once. If the outcome cannot be learnt (node or store unreachable) the job stays in flight and
   * pending: this instance finishes it when it starts again.
   */
  async function complete(job: Job, onChain?: Outcome): Promise<RelayStatus> {
    const { delegate, reserved } = job;
    const base = { transactionHash: job.firstHash, senderId: delegate.senderId, receiverId: delegate.receiverId };
    let final: RelayStatus;
    let spent: bigint | undefined;
    /** What the job's budgets are settled by once the outcome is recorded (exactly once: store.finish). */
    let delta: bigint | undefined;
    try {
      let outcome = onChain;
      if (job.ended) throw job.ended;
      if (!outcome) {
        let sent: { sent: SignedForPool; outcome?: unknown };
        try {
          sent = await (await keyPool()).send(job.signed, job.actions, {
            onResign: (resigned) => kept((store) => store.putInFlight(instance, job.firstHash, inFlightRecord(job, resigned.base64))),
            // Expired while it waited for its turn (the head read since says so): never sent, never paid.
            beforeSend: () => {
              const height = heads.peek('head')?.value.height;
              if (height !== undefined && delegate.maxBlockHeight < height) throw expired(delegate, height);
            },
          });
        } catch (error) {
          const refusedHere = error instanceof RelayError && error.code === 'DELEGATE_EXPIRED';
          if (!(refusedHere || refusedByNode(error))) throw error;
          // The node refused the transaction, or it was never sent: nothing ran, so the reservation is
          // given back and the delegate released (its signer may post it again).
          delta = -reserved.amount;
          await kept((store) => store.releaseDelegate(job.delegateId));
          throw refusedHere ? error : new RelayError('SUBMISSION_FAILED', `the node refused the relayed transaction: ${(error as Error).message}`);
        }
        outcome = (sent.outcome as Outcome | undefined) ?? (await followOutcome(sent.sent.hash));
        // Settled and answered after the requests that arrived with it (as sends are: track).
        await afterThisTurn();
      }
      spent = actualCost(delegate, outcome as unknown as Parameters<typeof actualCost>[1]);
      delta = spent - reserved.amount;
      const status = innerStatus(outcome);
      final = { ...base, transactionHash: outcome.transaction.hash, state: 'final', succeeded: 'SuccessValue' in status, status, outcome };
      metrics.nearSpent.inc(Number(spent) / 1e24);
    } catch (error) {
      if (error instanceof DelegateNonceUsedError) {
        // The relayer may have paid for the transaction that used it: the reservation stays spent.
        delta = 0n;
        final = { ...base, transactionHash: error.transactionHash, state: 'outcome_unknown', error: { code: 'DELEGATE_NONCE_USED', message: error.message } };
      } else if (!(error instanceof RelayError) || error.code === 'STORE_UNAVAILABLE') return { ...base, state: 'pending' };
      else final = { ...base, state: 'refused', error: { code: error.code, message: error.message } };
    }
    metrics.outcomes.inc({ state: final.state === 'refused' ? 'refused_by_node' : final.state === 'outcome_unknown' ? 'outcome_unknown' : final.succeeded ? 'final_succeeded' : 'final_failed' });
    log({ event: 'final', transaction_hash: final.transactionHash, sender_id: final.senderId, state: final.state, succeeded: final.state === 'final' ? final.succeeded : undefined, near_spent: spent?.toString() });
    // With the store unreachable the job stays in flight, and this instance settles it when it starts again.
    const settle = delta === undefined ? undefined : { budgets: reserved.budgets, delta, now: now() };
    await kept((store) => store.finish(instance, job.firstHash, { statusId: statusKey(job.firstHash), status: stringifyWithOutcome(final), expiresAt: Date.now() + STATUS_MEMORY_MS }, settle)).catch(() => undefined);
    return final;
  }

  function track(job: Job, onChain?: Outcome): Promise<RelayStatus> {
    // Sent once the answers of this turn of the event loop are written: under a burst, every accepted
    // request is answered before the sends and outcome reads of any of them take the CPU.
    const outcome = afterThisTurn().then(() => complete(job, onChain));
    inFlight.set(job.firstHash, outcome);
    void outcome.finally(() => inFlight.delete(job.firstHash));
    return outcome;
  }

  /** Finishes what this instance accepted before it stopped: known transactions are followed, the others sent as signed. */
  async function resumeInFlight(pool: KeyPool): Promise<void> {
    await releaseUnanswered();
    for (const text of await kept((store) => store.listInFlight(instance))) {
      let record: InFlightRecord;
      try {
        record = readInFlightRecord(text);
      } catch (error) {
        // One record this version cannot read holds back none of the others; it stays in the store, reserved.
        log({ event: 'resume_failed', message: `an in-flight record could not be read and stays in the store: ${(error as Error).message} (${text.slice(0, 120)})` });
        continue;
      }
      if (inFlight.has(record.firstHash)) continue;
      if (!(await resumeRecord(pool, record))) lookAgainLater(pool, record, resumeRetry.first);
    }
  }

  /**
   * Resumes one in-flight record: tracks its job, or answers false when it was signed by a key no longer
   * in the pool and may still land or its outcome is not known yet (resumeForeign).
   */
  async function resumeRecord(pool: KeyPool, record: InFlightRecord): Promise<boolean> {
    const { hash, signedTransaction, base64, delegate } = record;
    // Sending the same signed bytes again cannot run them twice (one nonce); a node that has them answers their outcome.
    let onChain = await outcomeOf(hash).catch(() => undefined);
    const actionList = delegateActions(delegate);
    let signed: SignedForPool;
    let ended: DelegateNonceUsedError | undefined;
    const asSigned = (): SignedForPool => ({ hash, signedTransaction, base64, key: undefined as never, senderId: delegate.senderId });
    if (onChain) signed = asSigned();
    else if (pool.keys.some((key) => key.publicKey === signedTransaction.transaction.publicKey.toString())) signed = pool.resume(signedTransaction, base64, delegate.senderId);
    else {
      const decided = await resumeForeign(pool, record, actionList);
      if (decided === undefined) return false;
      ({ onChain, ended } = decided);
      signed = decided.signed ?? asSigned();
    }
    const job: Job = { ...record, signed, actions: actionList, ended };
    if (signed.hash !== hash) {
      // Never sent unless recorded: a restart must find the hash that can land.
      await kept((store) => store.putInFlight(instance, job.firstHash, inFlightRecord(job, signed.base64))).catch((error: unknown) => {
        pool.abandon(signed);
        throw error;
      });
    }
    void track(job, onChain);
    return true;
  }

  /**
   * A record signed by a key this instance no longer has (fewer keys configured), which the node gave no
   * outcome for: one look for its transaction (lookForEarlierCopy, key-pool.ts "submitted once"), logged and
   * counted as a resend check. Known: its outcome is followed. Its delegate's nonce used on chain (the node
   * may have forgotten a transaction that landed): the job ends so. Unable to land (its key's nonce on chain,
   * read before the node said it does not know the hash, at or above its own, or the key gone): signed again
   * with a current key (`signed`). Otherwise undefined: it may still land, and is looked at again later.
   */
  async function resumeForeign(pool: KeyPool, record: InFlightRecord, actionList: TransactionActions): Promise<{ signed?: SignedForPool; onChain?: Outcome; ended?: DelegateNonceUsedError } | undefined> {
    const { hash, signedTransaction, delegate } = record;
    const earlier = await lookForEarlierCopy(rpc, config.accountId, { hash, signedTransaction });
    const onChain = earlier.copy === 'known' ? await followOutcome(hash).catch(() => undefined) : undefined;
    const ended = earlier.copy === 'delegate_used' ? new DelegateNonceUsedError(hash, earlier.use) : undefined;
    const result: ResendCheckResult = onChain ? 'followed' : ended ? 'delegate_used' : earlier.copy === 'unincludable' ? 'signed_again' : 'undecided';
    onResendCheck({ result, transactionHash: hash, senderId: delegate.senderId, refusal: `none: resumed, signed with ${signedTransaction.transaction.publicKey.toString()}, no longer a pool key` });
    if (result === 'undecided') return undefined;
    return { onChain, ended, signed: result === 'signed_again' ? await pool.sign(delegate.senderId, actionList) : undefined };
  }

  /**
   * An undecided record (resumeForeign) is looked at again while the instance runs, after `delayMs`, then
   * twice as long each time up to the maximum, so that its delegate and reservation are not held until the
   * next start. Each look is the same decision, so nothing is signed twice. Stopped by drain (the next start
   * looks again); unref'd, so it keeps no process alive.
   */
  function lookAgainLater(pool: KeyPool, record: InFlightRecord, delayMs: number, reason = 'it may still land or its outcome is not known yet'): void {
    if (stopped) return;
    log({ event: 'resume_failed', message: `${record.hash} was signed with ${record.signedTransaction.transaction.publicKey.toString()}, no longer a pool key, and ${reason}: its record stays in the store, looked at again in ${delayMs} ms` });
    const timer = setTimeout(() => {
      lookingAgain.delete(timer);
      const next = Math.min(delayMs * 2, resumeRetry.max);
      const look = resumeRecord(pool, record).then(
        (resumed) => resumed || lookAgainLater(pool, record, next),
        (error: Error) => lookAgainLater(pool, record, next, `the look failed (${error.message})`),
      );
      looksUnderWay.add(look);
      void look.finally(() => looksUnderWay.delete(look));
    }, delayMs).unref();
    lookingAgain.add(timer);
  }

  /**
   * Releases what a killed process of this instance had taken but not accepted (its acceptance
   * records; nothing was reserved for them: the reservation and the acceptance are one operation), so
   * the delegate can be posted again. Records younger than the grace may belong to an accept still
   * running: they are looked at again once the grace has passed.
   */
  async function releaseUnanswered(): Promise<void> {
    let later = false;
    for (const [id, text] of Object.entries(await kept((store) => store.listAccepting(instance)))) {
      if (accepting.has(id)) continue;
      if (Date.now() - (JSON.parse(text) as { at: number }).at < ACCEPTANCE_GRACE_MS) {
        later = true;
        continue;
      }
      if (!(await kept((store) => store.removeAccepting(instance, id)))) continue;
      await kept((store) => store.releaseDelegate(id));
      log({ event: 'released', delegate_id: id, message: 'taken by a process that stopped before accepting it: nothing was reserved or sent, and it may be posted again' });
    }
    if (later) setTimeout(() => void releaseUnanswered().catch(() => undefined), ACCEPTANCE_GRACE_MS).unref();
  }

  /** Time an answer spent waiting for the store and for the node (the `accepted` event's store_ms and node_ms). */
  interface Waits {
    store: number;
    node: number;
  }
  /** `promise`, its wait added to `waits[on]`. */
  async function timed<T>(waits: Waits, on: keyof Waits, promise: Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await promise;
    } finally {
      waits[on] += performance.now() - t0;
    }
  }

  /**
   * When the delegate's sender key must be read (none kept, or too old), starts its read now (the store's
   * shared read and, at once, the node's: accessKeys), so that it travels in the same round trip as the
   * take (acceptTaken) instead of the ones after; its answer is used only after the take, so refusals keep
   * their order. The node is not read ahead for a delegate the kept head (if any) does not show valid, whose
   * refusal may read nothing from the node. A
   * duplicate posted while no read of its key is kept may so read from the node: the read is joined and
   * kept (ReadCache), one per sender key and maximum age at most, as for a new delegate. Answers the key
   * read ahead (the caller removes it from sharedAhead once done), or undefined.
   */
  function readKeyAhead(delegate: DecodedDelegate): string | undefined {
    const id = `${delegate.senderId}\n${delegate.publicKey}`;
    const keptKey = accessKeys.peek(id);
    if ((keptKey !== undefined && Date.now() - keptKey.at <= ACCESS_KEY_MAX_AGE_MS) || sharedAhead.has(id)) return undefined;
    sharedAhead.set(id, sharedAccessKey(id));
    const keptHead = heads.peek('head');
    // awaited after the take (checkAgainstChain), which joins this read
    if (keptHead !== undefined && delegate.maxBlockHeight >= keptHead.value.height + minBlocksLeft) keyRead(delegate).catch(() => undefined);
    return id;
  }

  /** Validates, reserves and signs one delegate; throws RelayError on a refusal, nothing spent. */
  async function accept(signedDelegateBase64: unknown, waits: Waits): Promise<Accepted> {
    const delegate = decodeSignedDelegate(signedDelegateBase64);
    if (!verifyDelegateSignature(delegate)) {
      throw new RelayError('BAD_SIGNATURE', `the signature does not match the delegate action of ${delegate.senderId}; sign the exact DelegateAction with the key it names`);
    }
    checkPolicy(delegate, config.policy);
    const delegateId = `${delegate.senderId}/${delegate.publicKey}/${delegate.nonce}`;
    const atOnce = await acceptAtOnce(delegate, delegateId, waits);
    if (atOnce) return { transactionHash: atOnce.firstHash, senderId: delegate.senderId, receiverId: delegate.receiverId, outcome: track(atOnce) };
    const acceptance = { instance, id: delegateId };
    const readAhead = readKeyAhead(delegate);
    accepting.add(delegateId);
    try {
      return await acceptTaken(delegate, delegateId, acceptance, waits);
    } finally {
      accepting.delete(delegateId);
      // Unused when the delegate was refused first, or a read was already on its way.
      if (readAhead !== undefined) sharedAhead.delete(readAhead);
    }
  }

  async function acceptTaken(delegate: DecodedDelegate, delegateId: string, acceptance: { instance: string; id: string }, waits: Waits): Promise<Accepted> {
    // The take and the rate limit in one round trip to the store (sent together); a hit that is
    // allowed is given back when the delegate is refused, so refusals do not count against the rate.
    const rateKey = `sender/${delegate.senderId}`;
    const [taken, waitMs] = await timed(waits, 'store', Promise.all([
      kept((store) => store.takeDelegate(delegateId, now() + DELEGATE_MEMORY_MS, { ...acceptance, record: JSON.stringify({ at: Date.now() }) })),
      kept((store) => store.hit(rateKey, rateLimit.count, rateLimit.windowMs)).catch((error: unknown) => error as RelayError),
    ]));
    const giveBackHit = () => (typeof waitMs === 'number' && waitMs === 0 ? kept((store) => store.unhit(rateKey, rateLimit.count, rateLimit.windowMs)).catch(() => undefined) : undefined);
    if (!taken) {
      await giveBackHit();
      throw duplicateDelegate(delegate);
    }
    let signed: SignedForPool | undefined;
    let job: Job | undefined;
    const actionList = delegateActions(delegate);
    try {
      if (typeof waitMs !== 'number') throw waitMs;
      if (waitMs > 0) throw rateLimited(delegate, waitMs);
      const gasPrice = await timed(waits, 'node', checkAgainstChain(delegate));
      await timed(waits, 'node', runPreChecks(delegate));
      // Signed before the reservation (a refusal skips the nonce, which NEAR allows), so that reserving and
      // accepting are one atomic operation: from there a restart finishes the job.
      signed = await (await keyPool()).sign(delegate.senderId, actionList);
      const reserved = { budgets: budgetsFor(delegate, config.policy.allowance, now()), amount: maximumCost(delegate, gasPrice) };
      const accepted: Job = { delegate, delegateId, reserved, firstHash: signed.hash, signed, actions: actionList };
      await timed(waits, 'store', reserveAndAccept(accepted));
      job = accepted;
    } catch (error) {
      // Refused before anything was reserved or sent: give back the nonce, the rate hit and the delegate (best effort if the store is down).
      if (signed !== undefined) (await keyPool()).abandon(signed);
      await Promise.all([kept((store) => store.releaseDelegate(delegateId, acceptance)).catch(() => undefined), giveBackHit()]);
      if (error instanceof RelayError) throw error;
      throw new RelayError('SUBMISSION_FAILED', `the relayer could not sign for ${delegate.senderId}: ${(error as Error).message}`);
    }
    const outcome = track(job);
    return { transactionHash: job.firstHash, senderId: delegate.senderId, receiverId: delegate.receiverId, outcome };
  }

  return {
    accountId: config.accountId,
    policy: config.policy,
    get inFlight() {
      return inFlight.size;
    },
    async ready() {
      await keyPool();
    },
    async drain() {
      // Undecided records wait for the next start from here: no look starts while the process stops.
      stopped = true;
      for (const timer of lookingAgain) clearTimeout(timer);
      lookingAgain.clear();
      await Promise.all(looksUnderWay);
      while (inFlight.size > 0) await Promise.all(inFlight.values());
    },
    metrics,
    async relay(signedDelegateBase64, receivedAt) {
      metrics.requests.inc();
      const arrived = receivedAt ?? performance.now();
      const waits: Waits = { store: 0, node: 0 };
      try {
        const accepted = await accept(signedDelegateBase64, waits);
        metrics.accepted.inc();
        const tenths = (ms: number) => Math.round(ms * 10) / 10;
        log({
          event: 'accepted',
          transaction_hash: accepted.transactionHash,
          sender_id: accepted.senderId,
          receiver_id: accepted.receiverId,
          received_at: tenths(performance.timeOrigin + arrived),
          ms: tenths(performance.now() - arrived),
          store_ms: tenths(waits.store),
          node_ms: tenths(waits.node),
        });
        return accepted;
      } catch (error) {
        const code = error instanceof RelayError ? error.code : 'INTERNAL';
        metrics.refused.inc({ code });
        log({ event: 'refused', code, message: (error as Error).message });
        throw error;
      }
    },
    async status(transactionHash, options = {}) {
      const id = statusKey(transactionHash);
      const read = async () => {
        const text = await kept((store) => store.getStatus(id));
        return text === undefined ? undefined : (JSON.parse(text) as RelayStatus);
      };
      const waitMs = config.statusWaitMs ?? STATUS_WAIT_MS;
      const local = inFlight.get(transactionHash);
      if (local && options.waitFinal) {
        // Accepted here: its outcome, or once the wait ends its record as it stands (pending).
        let timer: ReturnType<typeof setTimeout> | undefined;
        const final = await Promise.race([local, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)))]).finally(() => clearTimeout(timer));
        return final ?? read();
      }
      const status = await read();
      if (!options.waitFinal || status?.state !== 'pending') return status;
      // Accepted by another instance: its record changes when that instance knows the outcome. A store
      // that tells when it does (listenForStatus) is read once more then; another is read every 50 ms.
      const deadline = Date.now() + waitMs;
      const listening = await kept(async (store) => store.listenForStatus?.(id, deadline)).catch(() => undefined);
      for (let told = false; ; ) {
        // Read once listening, first: a status recorded before is read here.
        const current = await read();
        if (current?.state !== 'pending' || told || Date.now() > deadline) return current;
        if (listening) told = await listening.recorded.then(() => true);
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

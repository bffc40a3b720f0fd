/**
 * The relayer's HTTP API (src/server.ts) for a TypeScript caller: a browser, a script, another service.
 * `fetch` only (no node: imports, no Buffer), so the app's bundle takes it as is (`@near-ts/relayer/client`).
 *
 *   const accepted = await relayDelegate(relayerUrl, encodeSignedDelegate(signedDelegate));
 *   const call = await waitForRelayed(accepted); // or throws one of the errors below
 *
 * An accepted delegate may run, so after acceptance only the relayer's `refused` means "nothing ran";
 * a wait that ends without an outcome is `RelayStillPendingError`, never a refusal.
 */
import { base64 } from '@scure/base';

/** The relayer took the delegate (HTTP 202): it is signed into `transactionHash` and will be sent. */
export interface RelayAccepted {
  transactionHash: string;
  senderId: string;
  receiverId: string;
  /** Absolute URL of `GET /status/<hash>`. */
  statusUrl: string;
}

/** The user's call as its caller sees it (the relayer's `innerStatus`): the final value, or the first failure. */
export interface RelayedCallStatus {
  SuccessValue?: string;
  Failure?: unknown;
}

interface ExecutionOutcomeWithId {
  id: string;
  outcome: { logs: string[]; gas_burnt: number | string; tokens_burnt: string; status: unknown };
}

/** nearcore's `FinalExecutionOutcomeView` (the parts a caller reads). */
export interface RelayedOutcome {
  status: unknown;
  transaction_outcome: ExecutionOutcomeWithId;
  receipts_outcome: ExecutionOutcomeWithId[];
}

/** The relayer's `final` status: the transaction ran; `succeeded` says whether the user's call did. */
export interface RelayedCall {
  /** The transaction that carried the delegate (differs from the accepted hash if the relayer had to sign it again). */
  transactionHash: string;
  senderId: string;
  receiverId: string;
  succeeded: boolean;
  status: RelayedCallStatus;
  outcome: RelayedOutcome;
  /** Gas burnt by the transaction and every receipt it caused (paid by the relayer). */
  gasBurnt: bigint;
  /** The call's return value: its JSON, or its text when it is not JSON; undefined when it returned nothing or failed. */
  value: unknown;
}

/**
 * The relayer refused the delegate (its `code`, e.g. RATE_LIMITED, and message say what to change), or
 * accepted it and then the node refused its transaction (status `refused`): either way nothing ran, and
 * the user may sign again.
 */
export class RelayRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status of the refused post; undefined for a refusal reported by the status endpoint. */
    readonly httpStatus?: number,
    readonly transactionHash?: string,
  ) {
    super(message);
    this.name = 'RelayRefusedError';
  }
}

/**
 * The post got no answer from the relayer (no connection, or an answer that is not its API, e.g. a proxy's 502).
 * Posting the same signed delegate again is safe: the relayer runs a delegate at most once.
 */
export class RelayerUnreachableError extends Error {
  constructor(readonly relayerUrl: string, detail: string, options?: { cause?: unknown }) {
    super(`the relayer at ${relayerUrl} could not be reached (${detail}): check the relayer URL and that it is running, then post the same signed delegate again (a delegate the relayer already took is refused as DUPLICATE_DELEGATE, never run twice)`, options);
    this.name = 'RelayerUnreachableError';
  }
}

/**
 * Accepted, but no outcome by the end of the wait (the relayer answered `pending`, or could not be reached
 * to ask): the delegate may still run. Look the transaction up, or ask again later; do not sign it again blindly.
 */
export class RelayStillPendingError extends Error {
  constructor(
    readonly transactionHash: string,
    readonly waitedMs: number,
    /** Why the last ask gave no status (unreachable, timed out, HTTP 404 …); undefined when the relayer answered `pending`. */
    readonly lastAskFailure?: string,
  ) {
    super(
      `the relayer had no outcome for transaction ${transactionHash} after ${Math.round(waitedMs / 1000)} s${lastAskFailure ? ` (its last status ask: ${lastAskFailure})` : ''}: it may still run; look the transaction up, or ask GET /status/${transactionHash} again, before signing it again`,
    );
    this.name = 'RelayStillPendingError';
  }
}

/**
 * The relayer's `outcome_unknown` (README, "Each delegate is submitted once"; code DELEGATE_NONCE_USED): after an
 * ambiguous send the delegate's nonce was found used on chain, so the relayer did not sign it again, and the
 * transaction that may have carried it cannot be looked up. It may have run; it can never run again: check
 * its effects before signing a new one.
 */
export class RelayOutcomeUnknownError extends Error {
  constructor(readonly transactionHash: string, readonly code: string, message: string) {
    super(message);
    this.name = 'RelayOutcomeUnknownError';
  }
}

export interface WaitOptions {
  /** Status asks before giving up: the relayer holds each up to 30 s, then answers `pending`. Default 4. */
  asks?: number;
  /** How long to keep asking in all. Default 120 s. */
  deadlineMs?: number;
  /** An ask that outlives the relayer's own 30 s wait has lost its answer. Default 40 s. */
  askTimeoutMs?: number;
  /** Between asks answered early (another instance's `pending`, or no answer at all). Default 1 s. */
  pauseMs?: number;
}

/** The relayer's JSON bodies (src/server.ts `statusBody` and the 202 / error answers). */
interface RelayerBody {
  transaction_hash?: string;
  sender_id?: string;
  receiver_id?: string;
  status_url?: string;
  state?: 'pending' | 'final' | 'refused' | 'outcome_unknown';
  succeeded?: boolean;
  status?: RelayedCallStatus;
  outcome?: RelayedOutcome;
  error?: { code: string; message: string };
}

const base = (relayerUrl: string) => relayerUrl.replace(/\/+$/, '');

/**
 * POSTs a signed delegate (borsh `SignedDelegate`, e.g. near-api-js `encodeSignedDelegate`, or its base64) to
 * `<relayerUrl>/relay`. Answers the acceptance; throws `RelayRefusedError` (the relayer's code and message) or
 * `RelayerUnreachableError`.
 */
export async function relayDelegate(relayerUrl: string, signedDelegate: Uint8Array | string): Promise<RelayAccepted> {
  const url = base(relayerUrl);
  let response: Response;
  try {
    response = await fetch(`${url}/relay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signed_delegate_action: typeof signedDelegate === 'string' ? signedDelegate : base64.encode(signedDelegate) }),
    });
  } catch (error) {
    throw new RelayerUnreachableError(url, (error as Error).message, { cause: error });
  }
  const body = (await response.json().catch(() => undefined)) as RelayerBody | undefined;
  if (response.status === 202 && body?.transaction_hash && body.status_url) {
    return { transactionHash: body.transaction_hash, senderId: body.sender_id ?? '', receiverId: body.receiver_id ?? '', statusUrl: `${url}${body.status_url}` };
  }
  if (body?.error?.code) throw new RelayRefusedError(body.error.code, body.error.message, response.status);
  throw new RelayerUnreachableError(url, `HTTP ${response.status} without the relayer's answer: is ${url} the relayer's base URL?`);
}

/** One status ask: the relayer's status, or why there was none (the outcome is then still unknown to the caller). */
async function askStatus(statusUrl: string, timeoutMs: number): Promise<{ body: RelayerBody } | { failure: string }> {
  try {
    const response = await fetch(`${statusUrl}?wait=final`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { failure: `HTTP ${response.status}` };
    return { body: (await response.json()) as RelayerBody };
  } catch (error) {
    return { failure: (error as Error).message };
  }
}

/** base64 → the call's value: its JSON, or its text when it is not JSON. */
function decodeValue(successValue: string | undefined): unknown {
  const text = new TextDecoder().decode(base64.decode(successValue ?? ''));
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function relayedCall(body: RelayerBody & { status: RelayedCallStatus; outcome: RelayedOutcome }, accepted: RelayAccepted): RelayedCall {
  const outcome = body.outcome;
  const gasBurnt = [outcome.transaction_outcome, ...outcome.receipts_outcome].reduce((sum, o) => sum + BigInt(o.outcome.gas_burnt), 0n);
  return {
    transactionHash: body.transaction_hash ?? accepted.transactionHash,
    senderId: body.sender_id ?? accepted.senderId,
    receiverId: body.receiver_id ?? accepted.receiverId,
    succeeded: body.succeeded === true,
    status: body.status,
    outcome,
    gasBurnt,
    value: body.succeeded ? decodeValue(body.status.SuccessValue) : undefined,
  };
}

/**
 * Asks `GET /status/<hash>?wait=final` until the relayer knows the outcome: answers the `final` status (the call
 * may have failed: see `succeeded`), or throws `RelayRefusedError` (nothing ran), `RelayOutcomeUnknownError` or
 * `RelayStillPendingError` (it may have run).
 */
export async function waitForRelayed(accepted: RelayAccepted, { asks = 4, deadlineMs = 120_000, askTimeoutMs = 40_000, pauseMs = 1_000 }: WaitOptions = {}): Promise<RelayedCall> {
  const started = Date.now();
  let transactionHash = accepted.transactionHash;
  for (let ask = 1; ; ask++) {
    const answer = await askStatus(accepted.statusUrl, askTimeoutMs);
    const body = 'body' in answer ? answer.body : undefined;
    transactionHash = body?.transaction_hash ?? transactionHash;
    if (body?.state === 'final' && body.status && body.outcome) return relayedCall(body as Parameters<typeof relayedCall>[0], accepted);
    if (body?.state === 'refused') throw new RelayRefusedError(body.error?.code ?? 'REFUSED', body.error?.message ?? 'the node refused the relayed transaction: nothing ran; sign the call again', undefined, transactionHash);
    if (body?.state === 'outcome_unknown') {
      throw new RelayOutcomeUnknownError(transactionHash, body.error?.code ?? 'OUTCOME_UNKNOWN', body.error?.message ?? 'the relayer cannot tell whether it ran: check its effects before signing it again');
    }
    if (ask >= asks || Date.now() - started >= deadlineMs) throw new RelayStillPendingError(transactionHash, Date.now() - started, 'failure' in answer ? answer.failure : undefined);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

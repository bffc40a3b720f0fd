/**
 * Gasless calls (NEP-366): the app signs a DelegateAction with its function-call key for the contract
 * and posts it to the relayer (packages/relayer), which wraps it in a transaction and pays the gas.
 */
import { Account, actions, encodeSignedDelegate } from 'near-api-js';
import { ContractCallError, panicMessage, type TransactionOutcome } from '../../../packages/contract-clients/src/index';
import { absoluteUrl, config } from '../config';
import { functionCallKey } from './keys';
import { provider } from './session';

export interface RelayedResult<R> {
  value: R;
  transactionHash: string;
  gasBurnt: bigint;
  relayed: true;
}

/** The relayer refused the delegate, or the node refused its transaction: nothing ran. */
export class RelayRefusedError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'RelayRefusedError';
  }
}

/** The relayer accepted the delegate but had no outcome by the time the app stopped asking: it may still run. */
export class RelayStillPendingError extends Error {
  constructor(readonly transactionHash: string, readonly waitedMs: number) {
    super(`the relayer had no outcome for transaction ${transactionHash} after ${Math.round(waitedMs / 1000)} s`);
    this.name = 'RelayStillPendingError';
  }
}

/**
 * The relayer's `outcome_unknown` (packages/relayer README, "Each delegate is submitted once"): after an
 * ambiguous send the delegate's nonce was found used on chain, so the relayer did not sign it again, and the
 * transaction that may have carried it cannot be looked up. It may have run; it can never run again.
 */
export class RelayOutcomeUnknownError extends Error {
  constructor(readonly transactionHash: string, readonly code: string, message: string) {
    super(message);
    this.name = 'RelayOutcomeUnknownError';
  }
}

/** The relayer's answer to `GET /status/<hash>` (packages/relayer `statusBody`). */
interface RelayStatusBody {
  transaction_hash?: string;
  state?: 'pending' | 'final' | 'refused' | 'outcome_unknown';
  succeeded?: boolean;
  status?: { SuccessValue?: string; Failure?: unknown };
  outcome?: TransactionOutcome;
  error?: { code: string; message: string };
}

type FinalStatus = RelayStatusBody & { state: 'final'; status: NonNullable<RelayStatusBody['status']>; outcome: TransactionOutcome };

/**
 * The relayer holds each `?wait=final` ask up to 30 s and then answers `pending`; the app asks again, at
 * most this many times and for this long in all, before it tells the person the call is still pending.
 */
const STATUS_ASKS = 4;
const STATUS_DEADLINE_MS = 120_000;
/** An ask that outlives the relayer's own 30 s wait has lost its answer. */
const STATUS_ASK_TIMEOUT_MS = 40_000;
/** Between asks answered early (`pending` from another instance's record, or no answer at all). */
const STATUS_ASK_PAUSE_MS = 1_000;

/** One status ask; undefined when the relayer could not be reached or gave no status (the outcome is still unknown to us). */
async function askStatus(statusUrl: string): Promise<RelayStatusBody | undefined> {
  try {
    const response = await fetch(statusUrl, { signal: AbortSignal.timeout(STATUS_ASK_TIMEOUT_MS) });
    return response.ok ? ((await response.json()) as RelayStatusBody) : undefined;
  } catch {
    return undefined;
  }
}

/** Asks until the relayer knows the outcome; an accepted delegate may run, so only `refused` counts as not run. */
async function finalStatus(statusUrl: string, acceptedHash: string): Promise<FinalStatus> {
  const started = Date.now();
  let transactionHash = acceptedHash;
  for (let ask = 1; ; ask++) {
    const body = await askStatus(statusUrl);
    transactionHash = body?.transaction_hash ?? transactionHash;
    if (body?.state === 'final' && body.status && body.outcome) return body as FinalStatus;
    if (body?.state === 'refused') throw new RelayRefusedError(body.error?.code ?? 'REFUSED', body.error?.message ?? 'the node refused the relayed transaction');
    if (body?.state === 'outcome_unknown') throw new RelayOutcomeUnknownError(transactionHash, body.error?.code ?? 'OUTCOME_UNKNOWN', body.error?.message ?? 'the relayer cannot tell whether it ran');
    if (ask >= STATUS_ASKS || Date.now() - started >= STATUS_DEADLINE_MS) throw new RelayStillPendingError(transactionHash, Date.now() - started);
    await new Promise((resolve) => setTimeout(resolve, STATUS_ASK_PAUSE_MS));
  }
}

/** Whether `accountId` can call `method` on `contractId` through the relayer from this browser. */
export function canRelay(accountId: string, contractId: string, method: string): boolean {
  const methods = contractId === config.contracts.payout ? config.gaslessMethods.payout : contractId === config.contracts.market ? config.gaslessMethods.market : [];
  return config.relayerUrl !== null && methods.includes(method) && functionCallKey(accountId, contractId) !== undefined;
}

const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));

export async function relayCall<R>(accountId: string, contractId: string, methodName: string, args: Record<string, unknown>, gas: bigint): Promise<RelayedResult<R>> {
  const key = functionCallKey(accountId, contractId);
  if (!key || !config.relayerUrl) throw new RelayRefusedError('NO_KEY', `this browser has no function-call key of ${accountId} for ${contractId}`);
  const { signedDelegate } = await new Account(accountId, provider, key).createSignedMetaTransaction({
    receiverId: contractId,
    actions: [actions.functionCall(methodName, args, gas, 0n)],
    blockHeightTtl: 200,
  });
  const relayerUrl = absoluteUrl(config.relayerUrl);
  const response = await fetch(`${relayerUrl}/relay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signed_delegate_action: toBase64(encodeSignedDelegate(signedDelegate)) }),
  });
  const accepted = (await response.json().catch(() => ({}))) as { transaction_hash?: string; status_url?: string; error?: { code: string; message: string } };
  if (response.status !== 202 || !accepted.status_url || !accepted.transaction_hash) {
    throw new RelayRefusedError(accepted.error?.code ?? `HTTP_${response.status}`, accepted.error?.message ?? `the relayer answered HTTP ${response.status}`);
  }
  // The relayer answers with the transaction hash once signed; its status endpoint waits for the outcome.
  const body = await finalStatus(`${relayerUrl}${accepted.status_url}?wait=final`, accepted.transaction_hash);
  const gasBurnt = [body.outcome.transaction_outcome, ...body.outcome.receipts_outcome].reduce((sum, o) => sum + BigInt(o.outcome.gas_burnt), 0n);
  if (!body.succeeded) {
    throw Object.assign(new ContractCallError(contractId, methodName, panicMessage(body.status.Failure), body.status.Failure, body.outcome), { gasBurnt });
  }
  const text = new TextDecoder().decode(Uint8Array.from(atob(body.status.SuccessValue ?? ''), (c) => c.charCodeAt(0)));
  return { value: (text ? JSON.parse(text) : undefined) as R, transactionHash: body.transaction_hash ?? accepted.transaction_hash, gasBurnt, relayed: true };
}

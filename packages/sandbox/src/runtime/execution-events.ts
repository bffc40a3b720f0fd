/**
 * The node's execution stream: one event per transaction converted and per receipt applied, in execution
 * order, with logs, NEP-297 events and failures in words. The dev node prints it (node/stream-printer.ts),
 * the in-process API hands it to `Sandbox.onExecution`, and the gas report records it (node/gas-recorder.ts).
 */
import type { GasProfileEntry } from '../primitives/views.js';
import type { TxExecutionError } from '../primitives/errors.js';
import type { Action } from '../primitives/transaction.js';
import type { BlockExecution } from './chain.js';

/** One action, as the stream shows it. */
export interface ActionSummary {
  /** nearcore's action name: FunctionCall, Transfer, DeployContract, CreateAccount, AddKey, … */
  type: Action['type'];
  methodName?: string;
  /** yoctoNEAR attached (function calls, transfers, stakes). */
  deposit?: bigint;
  /** Gas attached to a function call. */
  gas?: bigint;
}

/** A NEP-297 event log: `EVENT_JSON:{"standard","version","event","data"}`. */
export interface Nep297Event {
  standard: string;
  version: string;
  event: string;
  data?: unknown;
}

interface Common {
  blockHeight: bigint;
  /** The failure in words (a contract panic is its message), undefined on success. */
  failure?: string;
  /** The failure as nearcore's `TxExecutionError` JSON. */
  error?: TxExecutionError;
  gasBurnt: bigint;
}

export interface TransactionEvent extends Common {
  kind: 'transaction';
  hash: string;
  signerId: string;
  receiverId: string;
  actions: ActionSummary[];
}

export interface ReceiptEvent extends Common {
  kind: 'receipt';
  id: string;
  predecessorId: string;
  receiverId: string;
  signerId: string;
  actions: ActionSummary[];
  /** Total yoctoNEAR the receipt's actions attach. */
  deposit: bigint;
  logs: string[];
  /** The logs that are NEP-297 events, parsed. */
  events: Nep297Event[];
  /** A gas or balance refund from `system` (the dev node shows these with --verbose only). */
  isRefund: boolean;
  gasProfile: GasProfileEntry[];
}

export type ExecutionEvent = TransactionEvent | ReceiptEvent;

const EVENT_PREFIX = 'EVENT_JSON:';

/** The NEP-297 event in a log line, or undefined when the line is not one (nep-0297.md: prefix, then JSON). */
export function parseNep297(log: string): Nep297Event | undefined {
  if (!log.startsWith(EVENT_PREFIX)) return undefined;
  try {
    const value = JSON.parse(log.slice(EVENT_PREFIX.length)) as Partial<Nep297Event>;
    if (typeof value.standard !== 'string' || typeof value.version !== 'string' || typeof value.event !== 'string') return undefined;
    return { standard: value.standard, version: value.version, event: value.event, ...('data' in value ? { data: value.data } : {}) };
  } catch {
    return undefined;
  }
}

/** A failure in words: a contract's panic message as it wrote it, anything else as nearcore's error name and fields. */
export function describeFailure(error: TxExecutionError): string {
  const e = error as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const kind = e.ActionError?.kind ?? e.InvalidTxError;
  const execution = kind?.FunctionCallError?.ExecutionError;
  if (typeof execution === 'string') return execution;
  if (typeof kind === 'string') return kind;
  const [name, detail] = Object.entries(kind ?? e)[0] ?? ['Unknown', null];
  return detail === null || detail === undefined ? name : `${name} ${JSON.stringify(detail)}`;
}

function summarise(actions: Action[]): ActionSummary[] {
  return actions.map((a) => {
    const summary: ActionSummary = { type: a.type };
    if (a.type === 'FunctionCall') Object.assign(summary, { methodName: a.methodName, deposit: a.deposit, gas: a.gas });
    else if (a.type === 'Transfer') summary.deposit = a.deposit;
    else if (a.type === 'Stake') summary.deposit = a.stake;
    return summary;
  });
}

function failureOf(status: unknown): TxExecutionError | undefined {
  return status !== null && typeof status === 'object' && 'Failure' in status ? (status as { Failure: TxExecutionError }).Failure : undefined;
}

/** The events of one block, transactions first, then receipts in the order they ran. */
export function executionEvents(execution: BlockExecution): ExecutionEvent[] {
  const blockHeight = execution.block.height;
  const events: ExecutionEvent[] = [];
  for (const tx of execution.transactions) {
    const t = tx.signed.transaction;
    const error = tx.error ?? failureOf(tx.outcome?.outcome.status);
    events.push({
      kind: 'transaction',
      blockHeight,
      hash: tx.hash,
      signerId: t.signerId,
      receiverId: t.receiverId,
      actions: summarise(t.actions),
      gasBurnt: BigInt(tx.outcome?.outcome.gas_burnt ?? 0),
      ...(error ? { error, failure: describeFailure(error) } : {}),
    });
  }
  for (const { receipt, outcome } of execution.receipts) {
    const body = receipt.body;
    const action = body.type === 'Action' || body.type === 'PromiseYield' ? body.action : undefined;
    const actions = action ? summarise(action.actions) : [];
    const error = failureOf(outcome.outcome.status);
    const logs = outcome.outcome.logs;
    events.push({
      kind: 'receipt',
      blockHeight,
      id: outcome.id,
      predecessorId: receipt.predecessorId,
      receiverId: receipt.receiverId,
      signerId: action?.signerId ?? receipt.predecessorId,
      actions,
      deposit: actions.reduce((n, a) => n + (a.deposit ?? 0n), 0n),
      gasBurnt: BigInt(outcome.outcome.gas_burnt),
      logs,
      // parsed on first read: most listeners (the gas report) never look
      get events() {
        const parsed = logs.flatMap((line) => parseNep297(line) ?? []);
        Object.defineProperty(this, 'events', { value: parsed, enumerable: true });
        return parsed;
      },
      isRefund: receipt.predecessorId === 'system',
      gasProfile: outcome.outcome.metadata.gas_profile ?? [],
      ...(error ? { error, failure: describeFailure(error) } : {}),
    });
  }
  return events;
}

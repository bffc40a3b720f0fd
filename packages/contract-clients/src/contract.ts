/**
 * The one mechanism behind every client: a method table (`view(...)`, `call(...)` entries, checked
 * against the contract's ABI by test/abi.test.ts) bound to a near-api-js `Account` and a contract id.
 *
 * Conventions: amounts are bigint in TypeScript and decimal strings in JSON (any bigint in the
 * arguments is sent as its decimal string); ids and counts are numbers; gas and deposits are bigint.
 */
import { actions, type Account } from 'near-api-js';

export const TGAS = 10n ** 12n;
export const NEAR = 10n ** 24n;
/** What methods guarded by `assertOneYocto` require (contracts/lib/guards.ts): a full-access key signed it. */
export const ONE_YOCTO = 1n;

/** An amount argument: bigint, or a u128 decimal string as it comes from a view. */
export type Amount = bigint | string;

/** How a call attaches NEAR by default. */
export type DepositRule =
  /** exactly this many yoctoNEAR unless the caller says otherwise */
  | bigint
  /** the caller must choose an amount (storage deposits, funding in NEAR): `{ deposit }` is required */
  | 'caller-chooses';

export interface ViewMethod<A, R> {
  readonly kind: 'view';
  /** Parameter names as the contract reads them (the ABI's `params.args[].name`). */
  readonly params: readonly string[];
  readonly decode: (raw: unknown) => R;
  /** Type carrier only. */
  readonly __args?: A;
}

export interface CallMethod<A, R> {
  readonly kind: 'call';
  readonly params: readonly string[];
  /** Default prepaid gas, from the contract's README (measured cost plus what it must forward). */
  readonly gas: bigint;
  readonly deposit: DepositRule;
  readonly decode: (raw: unknown) => R;
  /**
   * Callbacks and other methods only the contract itself may call (`@call({privateFunction})` or
   * `assertPrivate`). Listed so the table covers the whole ABI; the bound client leaves them out.
   */
  readonly private: boolean;
  readonly __args?: A;
}

export type AnyMethod = ViewMethod<any, any> | CallMethod<any, any>;
export type MethodTable = Record<string, AnyMethod>;

const same = (raw: unknown) => raw;

export function view<A = Record<string, never>, R = unknown>(params: readonly string[], decode: (raw: unknown) => R = same as (raw: unknown) => R): ViewMethod<A, R> {
  return { kind: 'view', params, decode };
}

export function call<A = Record<string, never>, R = void>(
  params: readonly string[],
  options: { gas: bigint; deposit?: DepositRule; decode?: (raw: unknown) => R },
): CallMethod<A, R> {
  return { kind: 'call', params, gas: options.gas, deposit: options.deposit ?? 0n, decode: options.decode ?? (same as (raw: unknown) => R), private: false };
}

/** A method only the contract calls on itself (a callback); present for ABI coverage, not bound. */
export function privateCall(params: readonly string[], gas = 30n * TGAS): CallMethod<never, never> {
  return { kind: 'call', params, gas, deposit: 0n, decode: same as (raw: unknown) => never, private: true };
}

// --- decoders ---

export function toAmount(raw: unknown): bigint {
  if (typeof raw !== 'string' || !/^(0|[1-9][0-9]*)$/.test(raw)) throw new UnexpectedResultError(`expected a u128 decimal string, got ${JSON.stringify(raw)}`);
  return BigInt(raw);
}

/** Converts the named u128 string fields of a record to bigint; `null` stays `null`. */
export function amountsIn<T>(fields: readonly string[]) {
  return (raw: unknown): T => {
    if (raw === null) return null as T;
    if (typeof raw !== 'object') throw new UnexpectedResultError(`expected an object, got ${JSON.stringify(raw)}`);
    const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
    for (const field of fields) {
      const value = out[field];
      if (value !== null && value !== undefined) out[field] = toAmount(value);
    }
    return out as T;
  };
}

export function listOf<T>(decode: (raw: unknown) => T) {
  return (raw: unknown): T[] => {
    if (!Array.isArray(raw)) throw new UnexpectedResultError(`expected an array, got ${JSON.stringify(raw)}`);
    return raw.map(decode);
  };
}

// --- errors ---

export class UnexpectedResultError extends Error {
  constructor(message: string) {
    super(`${message}; the client does not match the deployed contract (rebuild with npm run build, or update @near-ts/contract-clients)`);
    this.name = 'UnexpectedResultError';
  }
}

export class MissingDepositError extends Error {
  constructor(readonly contractId: string, readonly methodName: string) {
    super(`${contractId}.${methodName} needs NEAR attached and has no default: pass { deposit } (yoctoNEAR) in the call options`);
    this.name = 'MissingDepositError';
  }
}

export class MissingSignerError extends Error {
  constructor(readonly accountId: string, readonly methodName: string) {
    super(`${methodName} is a change call and ${accountId} has no signer: create the Account with a key (new Account(id, provider, 'ed25519:…'))`);
    this.name = 'MissingSignerError';
  }
}

/** The transaction ran and failed: `panic` is the contract's message when a contract panicked. */
export class ContractCallError extends Error {
  constructor(
    readonly contractId: string,
    readonly methodName: string,
    readonly panic: string | null,
    readonly failure: unknown,
    readonly outcome: TransactionOutcome,
  ) {
    super(`${contractId}.${methodName} failed: ${panic ?? JSON.stringify(failure)} (transaction ${outcome.transaction_outcome.id})`);
    this.name = 'ContractCallError';
  }
}

export class TransactionTimeoutError extends Error {
  constructor(readonly transactionHash: string, readonly waitedMs: number) {
    super(`transaction ${transactionHash} did not finish within ${waitedMs} ms (a yielded call waits for its resume, e.g. the MPC responder); raise { timeoutMs } or check the responder`);
    this.name = 'TransactionTimeoutError';
  }
}

// --- outcomes ---

type Status = { SuccessValue?: string; Failure?: unknown } | string;

interface ExecutionOutcomeWithId {
  id: string;
  outcome: { logs: string[]; gas_burnt: number | string; tokens_burnt: string; status: Status | unknown };
}

/** nearcore's `FinalExecutionOutcomeView` as near-api-js returns it (the parts the clients read). */
export interface TransactionOutcome {
  status: Status | unknown;
  transaction_outcome: ExecutionOutcomeWithId;
  receipts_outcome: ExecutionOutcomeWithId[];
}

export interface CallResult<R> {
  /** The method's return value (for methods returning a promise: what the promise chain ends with). */
  value: R;
  transactionHash: string;
  /** Gas burnt by the transaction and every receipt it caused. */
  gasBurnt: bigint;
  /** NEAR burnt for that gas (what the signer and the contracts paid). */
  tokensBurnt: bigint;
  logs: string[];
  outcome: TransactionOutcome;
}

export interface CallOptions {
  /** Prepaid gas; default: the method's default from the contract README. */
  gas?: bigint;
  /** Attached yoctoNEAR; default: the method's rule (0, 1 yoctoNEAR, or required). */
  deposit?: bigint;
  /** How long a call whose receipts wait (NEP-519 yield) is polled for its final outcome. Default 60 s. */
  timeoutMs?: number;
  /** Poll interval for such calls. Default 100 ms. */
  pollMs?: number;
}

function outcomes(o: TransactionOutcome): ExecutionOutcomeWithId[] {
  return [o.transaction_outcome, ...o.receipts_outcome];
}

function isFinal(status: unknown): boolean {
  return typeof status === 'object' && status !== null && ('SuccessValue' in status || 'Failure' in status);
}

/** `Smart contract panicked: <message>` of the first failed receipt, as nearcore reports it. */
export function panicMessage(failure: unknown): string | null {
  const error = (failure as { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string } } } })?.ActionError?.kind?.FunctionCallError?.ExecutionError;
  if (typeof error !== 'string') return null;
  return error.replace(/^Smart contract panicked: /, '');
}

function firstFailure(o: TransactionOutcome): unknown {
  const status = o.status as Status;
  if (typeof status === 'object' && status && 'Failure' in status) {
    // The final status is the failure on the returned path; a receipt failure carries the panic text.
    const receipt = o.receipts_outcome.map((r) => r.outcome.status as Status).find((s) => typeof s === 'object' && s && 'Failure' in s && panicMessage(s.Failure) !== null);
    return receipt && typeof receipt === 'object' ? receipt.Failure : status.Failure;
  }
  return null;
}

function resultOf<R>(o: TransactionOutcome, decode: (raw: unknown) => R): CallResult<R> {
  const status = o.status as { SuccessValue: string };
  const text = decodeBase64Utf8(status.SuccessValue);
  let raw: unknown = undefined;
  if (text.length > 0) {
    try {
      raw = JSON.parse(text);
    } catch {
      raw = text;
    }
  }
  return {
    value: decode(raw),
    transactionHash: o.transaction_outcome.id,
    gasBurnt: outcomes(o).reduce((sum, r) => sum + BigInt(r.outcome.gas_burnt), 0n),
    tokensBurnt: outcomes(o).reduce((sum, r) => sum + BigInt(r.outcome.tokens_burnt), 0n),
    logs: outcomes(o).flatMap((r) => r.outcome.logs),
    outcome: o,
  };
}

/** base64 → UTF-8 text with the web platform's own functions, so the clients run in browsers too (no Node Buffer). */
export function decodeBase64Utf8(base64: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

/** JSON with every bigint as its decimal string (the contracts' u128 convention). */
export function encodeArgs(args: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(args ?? {}, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
}

// --- binding ---

type NoRequiredArgs<A> = Record<string, never> extends A ? true : false;

export type ViewFunction<A, R> = NoRequiredArgs<A> extends true ? (args?: A) => Promise<R> : (args: A) => Promise<R>;
export type CallFunction<A, R> = NoRequiredArgs<A> extends true
  ? (args?: A, options?: CallOptions) => Promise<CallResult<R>>
  : (args: A, options?: CallOptions) => Promise<CallResult<R>>;

/** The typed functions of a method table; private callbacks are left out. */
export type Bound<T extends MethodTable> = {
  [K in keyof T as T[K] extends CallMethod<any, any> ? (T[K]['private'] extends true ? never : K) : K]: T[K] extends ViewMethod<infer A, infer R>
    ? ViewFunction<A, R>
    : T[K] extends CallMethod<infer A, infer R>
      ? CallFunction<A, R>
      : never;
};

export type ContractClient<T extends MethodTable> = Bound<T> & {
  readonly contractId: string;
  /** The account that signs the calls (and whose provider serves the views). */
  readonly account: Account;
};

async function finalOutcome(account: Account, hash: string, first: TransactionOutcome, options: CallOptions): Promise<TransactionOutcome> {
  if (isFinal(first.status)) return first;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > timeoutMs) throw new TransactionTimeoutError(hash, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
    const outcome = (await account.provider.viewTransactionStatus({ txHash: hash, accountId: account.accountId, waitUntil: 'EXECUTED_OPTIMISTIC' })) as unknown as TransactionOutcome;
    if (isFinal(outcome.status)) return outcome;
  }
}

export function bindContract<T extends MethodTable>(table: T, account: Account, contractId: string): ContractClient<T> {
  const client: Record<string, unknown> = { contractId, account };
  for (const [name, method] of Object.entries(table)) {
    if (method.kind === 'view') {
      client[name] = async (args?: unknown) => {
        // views take the same encoding as calls (bigint → decimal string)
        const raw = await account.provider.callFunction({ contractId, method: name, args: encodeArgs(args) });
        return method.decode(raw);
      };
    } else if (!method.private) {
      client[name] = async (args?: unknown, options: CallOptions = {}) => {
        const deposit = options.deposit ?? (method.deposit === 'caller-chooses' ? undefined : method.deposit);
        if (deposit === undefined) throw new MissingDepositError(contractId, name);
        if (!account.getSigner()) throw new MissingSignerError(account.accountId, name);
        const sent = (await account.signAndSendTransaction({
          receiverId: contractId,
          actions: [actions.functionCall(name, encodeArgs(args), options.gas ?? method.gas, deposit)],
          waitUntil: 'EXECUTED_OPTIMISTIC',
          throwOnFailure: false,
        })) as unknown as TransactionOutcome;
        const outcome = await finalOutcome(account, sent.transaction_outcome.id, sent, options);
        const failure = firstFailure(outcome);
        if (failure !== null) throw new ContractCallError(contractId, name, panicMessage(failure), failure, outcome);
        return resultOf(outcome, method.decode);
      };
    }
  }
  return client as ContractClient<T>;
}

/**
 * What the relayer pays for. The relayer's NEAR is at stake, so everything not allowed is
 * refused: only function calls, only to listed receivers and methods, bounded gas and deposit,
 * and a per-sender rate limit.
 */
import type { AllowancePolicy } from './allowance.js';
import type { DecodedDelegate } from './delegate.js';
import { RelayError } from './errors.js';

/**
 * A view the relayer calls before paying for a method, which must answer something truthy (not
 * null, false, 0, "0", "", [] or {}), e.g. the sender's claimable amounts before a `claim`. In
 * `args`, the string "$sender" stands for the delegate's sender and "$args.<name>" for the
 * call's own argument <name>; everything else is passed as written.
 */
export interface PreCheck {
  view: string;
  args: Record<string, unknown>;
}

export interface RelayPolicy {
  /** receiver account -> methods it may be called with ("*" for any). */
  allowed: Record<string, string[]>;
  /** Gas summed over the delegate's function calls. Default 100 Tgas. */
  maxGas?: bigint;
  /** Deposit summed over the actions, paid by the relayer (NEP-366). Default 0. */
  maxDeposit?: bigint;
  /** Relayed transactions per sender per window (whole seconds, fixed windows). Default 10 per 60 s. */
  rateLimit?: { count: number; windowMs: number };
  /** NEAR the relayer spends per sender and per receiver and period (src/allowance.ts). */
  allowance?: AllowancePolicy;
  /** receiver -> method -> the view that must allow the call before it is relayed. */
  preChecks?: Record<string, Record<string, PreCheck>>;
  /**
   * Delegates whose max_block_height is fewer than this many blocks above the head are refused:
   * they could expire before the relayer's transaction lands, and an expired Delegate receipt
   * still burns the relayer's gas. Default 10.
   */
  minBlocksLeft?: number;
}

export const DEFAULT_MIN_BLOCKS_LEFT = 10;
export const DEFAULT_RATE_LIMIT = { count: 10, windowMs: 60_000 };

/** The view's arguments for one call: "$sender" and "$args.<name>" replaced, at any depth. */
export function preCheckArgs(template: unknown, senderId: string, callArgs: unknown): unknown {
  if (typeof template === 'string') {
    if (template === '$sender') return senderId;
    if (template.startsWith('$args.')) return (callArgs as Record<string, unknown> | undefined)?.[template.slice('$args.'.length)] ?? null;
    return template;
  }
  if (Array.isArray(template)) return template.map((item) => preCheckArgs(item, senderId, callArgs));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, preCheckArgs(value, senderId, callArgs)]));
  }
  return template;
}

/** The truthiness a pre-check's answer needs: nothing claimable answers [], null, false, 0 or "0". */
export function allowsCall(answer: unknown): boolean {
  if (answer === null || answer === undefined || answer === false || answer === 0 || answer === '' || answer === '0') return false;
  if (Array.isArray(answer)) return answer.length > 0;
  if (typeof answer === 'object') return Object.keys(answer).length > 0;
  return true;
}

export function checkPolicy(delegate: DecodedDelegate, policy: RelayPolicy): void {
  const methods = policy.allowed[delegate.receiverId];
  if (methods === undefined) {
    throw new RelayError('RECEIVER_NOT_ALLOWED', `receiver ${delegate.receiverId} is not served by this relayer; allowed: ${Object.keys(policy.allowed).join(', ')}`);
  }
  if (delegate.actions.length === 0) throw new RelayError('ACTION_NOT_ALLOWED', 'the delegate action has no actions');
  let gas = 0n;
  let deposit = 0n;
  for (const action of delegate.actions) {
    if (action.kind !== 'functionCall') {
      throw new RelayError('ACTION_NOT_ALLOWED', `only function calls are relayed, got ${action.kind}`);
    }
    if (!methods.includes('*') && !methods.includes(action.methodName!)) {
      throw new RelayError('METHOD_NOT_ALLOWED', `method ${action.methodName} on ${delegate.receiverId} is not relayed; allowed: ${methods.join(', ')}`);
    }
    gas += action.gas ?? 0n;
    deposit += action.deposit ?? 0n;
  }
  const maxGas = policy.maxGas ?? 100_000_000_000_000n;
  if (gas > maxGas) throw new RelayError('GAS_TOO_HIGH', `the actions ask for ${gas} gas; this relayer pays at most ${maxGas}`);
  const maxDeposit = policy.maxDeposit ?? 0n;
  if (deposit > maxDeposit) throw new RelayError('DEPOSIT_NOT_ALLOWED', `the actions attach ${deposit} yoctoNEAR; this relayer attaches at most ${maxDeposit}`);
}

/**
 * What the relayer pays for. The relayer's NEAR is at stake, so everything not allowed is
 * refused: only function calls, only to listed receivers and methods, bounded gas and deposit,
 * and a per-sender rate limit.
 */
import type { DecodedDelegate } from './delegate.js';
import { RelayError } from './errors.js';

export interface RelayPolicy {
  /** receiver account -> methods it may be called with ("*" for any). */
  allowed: Record<string, string[]>;
  /** Gas summed over the delegate's function calls. Default 100 Tgas. */
  maxGas?: bigint;
  /** Deposit summed over the actions, paid by the relayer (NEP-366). Default 0. */
  maxDeposit?: bigint;
  /** Relayed transactions per sender per window. Default 10 per 60 s. */
  rateLimit?: { count: number; windowMs: number };
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

/** Sliding-window counter per sender. */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(private readonly count: number, private readonly windowMs: number) {}

  take(sender: string, now: number): void {
    const recent = (this.hits.get(sender) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.count) {
      const retryMs = this.windowMs - (now - recent[0]);
      throw new RelayError('RATE_LIMITED', `${sender} reached ${this.count} relayed transactions per ${this.windowMs} ms; retry in ${retryMs} ms`);
    }
    recent.push(now);
    this.hits.set(sender, recent);
  }
}

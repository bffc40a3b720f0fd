/**
 * Limits: the contract-level floor and ceiling of every window a vendor chooses (claim, reveal,
 * dispute, deadline). The owner sets them (`set_limits`); until then the defaults below apply.
 * A project's windows are checked against the limits when it is created and kept with it, so
 * changing the limits never changes a running project.
 *
 * Why floors: a vendor who could choose a 1 ns reveal or dispute window would decide its own
 * items unopposed (issue 13, attack 4). Why ceilings: every claim must free its tasker's slot
 * within claim_ttl + reveal_ttl, a time the contract bounds, not the vendor (attack 6).
 *
 * Rules (panic messages):
 * - `TaskMarketplace: <window>_ns must be from <min> to <max> nanoseconds (contract limits, see get_limits)`
 * - `TaskMarketplace: deadline_ns must be from now + <min> to now + <max> nanoseconds (contract limits, see get_limits)`
 * - `TaskMarketplace: limits.<window> must have 0 < min_ns <= max_ns <= <MAX_WINDOW_NS>`
 */
import { readJson, writeJson } from '../../lib/json-storage';
import { panic } from '../../lib/errors';
import type { Limits, WindowLimits } from './types';

const SECOND = 1_000_000_000n;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;
const DAY = 24n * HOUR;
/** No window may exceed ten years: keeps every sum of times far inside u64 nanoseconds. */
const MAX_WINDOW_NS = 3650n * DAY;

const window = (min: bigint, max: bigint): WindowLimits => ({ min_ns: min.toString(), max_ns: max.toString() });

export const DEFAULT_LIMITS: Limits = {
  claim_ttl: window(10n * MINUTE, DAY),
  reveal_ttl: window(HOUR, 7n * DAY),
  dispute_ttl: window(DAY, 30n * DAY),
  deadline: window(HOUR, 365n * DAY),
};

const WINDOWS = ['claim_ttl', 'reveal_ttl', 'dispute_ttl', 'deadline'] as const;
const LIMITS_KEY = 'L';

export function currentLimits(): Limits {
  return readJson<Limits>(LIMITS_KEY) ?? DEFAULT_LIMITS;
}

function nanoseconds(value: unknown): bigint | null {
  return typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) ? BigInt(value) : null;
}

/** Validates and stores new limits (the owner's call checks the caller). */
export function setLimits(limits: Limits): Limits {
  const clean = {} as Limits;
  for (const name of WINDOWS) {
    const given = (limits as unknown as Record<string, WindowLimits | undefined>)?.[name];
    const min = nanoseconds(given?.min_ns);
    const max = nanoseconds(given?.max_ns);
    if (min === null || max === null || min > max || max > MAX_WINDOW_NS) panic(`TaskMarketplace: limits.${name} must have 0 < min_ns <= max_ns <= ${MAX_WINDOW_NS}`);
    clean[name] = window(min, max);
  }
  writeJson(LIMITS_KEY, clean);
  return clean;
}

/** A vendor-chosen duration, checked against the contract's window for it. */
export function parseWindow(value: unknown, field: 'claim_ttl_ns' | 'reveal_ttl_ns' | 'dispute_ttl_ns', limits: Limits): bigint {
  const bounds = limits[field.slice(0, -3) as 'claim_ttl' | 'reveal_ttl' | 'dispute_ttl'];
  const duration = nanoseconds(value);
  if (duration === null || duration < BigInt(bounds.min_ns) || duration > BigInt(bounds.max_ns)) {
    panic(`TaskMarketplace: ${field} must be from ${bounds.min_ns} to ${bounds.max_ns} nanoseconds (contract limits, see get_limits)`);
  }
  return duration;
}

/** A deadline (block timestamp) within the contract's window after `now`. */
export function parseDeadline(value: unknown, now: bigint, limits: Limits): bigint {
  const deadline = nanoseconds(value);
  const bounds = limits.deadline;
  if (deadline === null || deadline < now + BigInt(bounds.min_ns) || deadline > now + BigInt(bounds.max_ns)) {
    panic(`TaskMarketplace: deadline_ns must be from now + ${bounds.min_ns} to now + ${bounds.max_ns} nanoseconds (contract limits, see get_limits)`);
  }
  return deadline;
}

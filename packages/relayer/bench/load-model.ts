/**
 * The relayer bench's load model, as load testers model arrival: the senders start over a ramp-up
 * (JMeter's ramp-up period, k6's `ramping-vus` executor, Gatling's `rampUsers(n).during(d)`) instead
 * of all in one instant, then each posts closed-loop (its next delegate once the previous is final).
 */

/** When each of `senders` starts, in ms from the run's start: sender i at i × ramp / senders (all at 0 for a ramp of 0). */
export function rampStarts(senders: number, rampMs: number): number[] {
  if (!Number.isInteger(senders) || senders < 0) throw new RangeError(`rampStarts: senders must be a whole number ≥ 0, got ${senders}`);
  if (!Number.isFinite(rampMs) || rampMs < 0) throw new RangeError(`rampStarts: the ramp must be a finite number of ms ≥ 0, got ${rampMs}`);
  return Array.from({ length: senders }, (_, i) => (i * rampMs) / senders);
}

/** New senders per second a ramp brings (Infinity for a ramp of 0: all at once). */
export const arrivalsPerSecond = (senders: number, rampMs: number) => (rampMs === 0 ? Infinity : (senders * 1000) / rampMs);

/** The nearest-rank percentile `p` (0-100] of ascending `sorted` (NaN when empty). */
export const percentile = (sorted: readonly number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);

/**
 * The number after `--<name>` in `argv`, or `fallback` when the option is absent; a missing or
 * malformed value, or one below `min`, is an error naming the option and what to write.
 */
export function numberOption(argv: readonly string[], name: string, fallback: number, { min = 0, integer = true } = {}): number {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const text = argv[index + 1];
  const value = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new RangeError(`--${name} needs ${integer ? 'a whole number' : 'a number'} ≥ ${min} after it (e.g. --${name} ${fallback}), got ${text === undefined ? 'nothing' : JSON.stringify(text)}`);
  }
  return value;
}

import { near } from 'near-sdk-js';

/**
 * Emits a NEP-297 event: a log line `EVENT_JSON:` followed by the JSON, with no space
 * (neps/nep-0297.md). `data` is the event's payload, by convention an array of objects.
 */
export function emitEvent(standard: string, version: string, event: string, data: unknown): void {
  near.log(eventLine(standard, version, event, data));
}

/** The log line of a NEP-297 event, for callers that check its size before emitting it. */
export function eventLine(standard: string, version: string, event: string, data: unknown): string {
  return `EVENT_JSON:${JSON.stringify({ standard, version, event, data })}`;
}

/** An emitter bound to one standard name and version, e.g. `eventEmitter('task_marketplace', '1.0.0')`. */
export function eventEmitter(standard: string, version: string) {
  return (event: string, data: unknown): void => emitEvent(standard, version, event, data);
}

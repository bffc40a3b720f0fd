/**
 * The JSON text a value was received as, kept with the parsed value, so that a value the relayer
 * only passes on (a transaction's outcome, about 5 KB: written to the store's status record, then
 * answered to each status request) is written as the text it came in, not serialized again each time.
 * A value kept here is never changed after it is parsed.
 */
const texts = new WeakMap<object, string>();

/** Keeps `text` as the JSON of `value` (parsed from it). */
export function keepReceivedJson(value: unknown, text: string): void {
  if (typeof value === 'object' && value !== null) texts.set(value, text);
}

/**
 * The record's last member (its name and value) and the JSON text that stringify writes for the
 * record up to it, ending with `"<name>":` (the value's text and the closing brace are to follow).
 */
function splitLast(record: object, stringify: (value: unknown) => string): { value: unknown; head: string } | undefined {
  const keys = Object.keys(record);
  const last = keys.at(-1);
  if (last === undefined) return undefined;
  const rest: Record<string, unknown> = {};
  for (const key of keys) if (key !== last) rest[key] = (record as Record<string, unknown>)[key];
  const others = stringify(rest);
  return { value: (record as Record<string, unknown>)[last], head: `${others.length > 2 ? `${others.slice(0, -1)},` : '{'}${JSON.stringify(last)}:` };
}

/** The kept text of `value`, if it was received as JSON (keepReceivedJson). */
const receivedText = (value: unknown) => (typeof value === 'object' && value !== null ? texts.get(value) : undefined);

/**
 * `stringify(record)`, with the value of the record's last property written as the JSON text it was
 * received as, when that text was kept (keepReceivedJson): the same JSON, the largest part copied
 * rather than serialized.
 */
export function stringifyWithReceived(record: object, stringify: (value: unknown) => string = JSON.stringify): string {
  const keys = Object.keys(record);
  const text = receivedText((record as Record<string, unknown>)[keys.at(-1) ?? '']);
  if (text === undefined) return stringify(record);
  return `${splitLast(record, stringify)!.head}${text}}`;
}

/**
 * `JSON.parse(text)`, the value of its last member kept with its text when `text` is what
 * stringifyWithReceived writes (the other members as JSON.stringify writes them, then the last), so a
 * record read from the store is answered on without its largest part serialized again.
 */
export function parseKeepingLast(text: string): unknown {
  const record = JSON.parse(text) as unknown;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record;
  const split = splitLast(record, JSON.stringify);
  if (split === undefined || typeof split.value !== 'object' || split.value === null) return record;
  if (text.startsWith(split.head) && text.endsWith('}')) keepReceivedJson(split.value, text.slice(split.head.length, -1));
  return record;
}

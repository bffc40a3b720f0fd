import { near, encode } from 'near-sdk-js';

/**
 * Aborts the call with exactly `message` ("Smart contract panicked: <message>" on chain) and undoes
 * every state change of the receipt. A thrown Error would append the JS stack to the message, so
 * rules that tests and clients match on go through here.
 *
 * Messages follow `<Module>: <rule broken>`, e.g. `Pausable: paused`.
 */
export function panic(message: string): never {
  near.panicUtf8(encode(message));
  // panic_utf8 never returns; this line only tells TypeScript so.
  throw new Error(message);
}

/** Panics with `message` unless `condition` holds. */
export function require(condition: boolean, message: string): asserts condition {
  if (!condition) panic(message);
}

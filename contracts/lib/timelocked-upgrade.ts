import { near, encode } from 'near-sdk-js';
import { panic, require } from './errors';
import { storageCost, refund } from './storage';

/**
 * TimelockedUpgrade: new contract code is staged first and can be deployed only after a delay,
 * so holders see the code hash (the `staged` record) and can react before it runs — the timelock
 * production stablecoins put in front of their upgrades. The owner sets the delay within a
 * contract-level floor and ceiling; the delay of a staged upgrade is fixed when it is staged.
 * Whoever stages pays the staged code's storage with the attached deposit, and gets it back when
 * the upgrade is applied or cancelled. Keeps its own storage keys.
 *
 * Rules (panic messages):
 * - `Upgrade: input must be a Wasm module`
 * - `Upgrade: an upgrade is already staged; apply or cancel it first`
 * - `Upgrade: attached deposit <d> does not cover the staged code's storage <c>`
 * - `Upgrade: nothing is staged`
 * - `Upgrade: the staged upgrade is ready at <ns> ns, not before`
 * - `Upgrade: delay_ns must be a decimal string from <min> to <max> nanoseconds`
 */
const CODE_KEY = '__upgrade:code';
const STAGED_KEY = '__upgrade:staged';
const DELAY_KEY = '__upgrade:delay';

const HOUR_NS = 3_600_000_000_000n;
/** The shortest delay the owner can set: long enough for a holder or a monitor to see a staged hash. */
export const MIN_UPGRADE_DELAY_NS = HOUR_NS;
/** The longest: a mistake can still be fixed within a month. */
export const MAX_UPGRADE_DELAY_NS = 30n * 24n * HOUR_NS;
/** Until the owner sets one. */
export const DEFAULT_UPGRADE_DELAY_NS = 48n * HOUR_NS;

export interface StagedUpgrade {
  /** sha256 of the staged code, hex (what `code_hash` of the account will be after the upgrade, in hex). */
  code_hash: string;
  code_size: number;
  /** Paid the staged code's storage; gets it back (the freed bytes' stake) on apply or cancel. */
  staged_by: string;
  staged_at_ns: string;
  ready_at_ns: string;
}

export function upgradeDelay(): bigint {
  const value = near.storageRead(DELAY_KEY);
  return value === null ? DEFAULT_UPGRADE_DELAY_NS : BigInt(value);
}

export function setUpgradeDelay(delayNs: unknown): bigint {
  const message = `Upgrade: delay_ns must be a decimal string from ${MIN_UPGRADE_DELAY_NS} to ${MAX_UPGRADE_DELAY_NS} nanoseconds`;
  if (typeof delayNs !== 'string' || !/^[1-9][0-9]{0,19}$/.test(delayNs)) panic(message);
  const delay = BigInt(delayNs);
  require(delay >= MIN_UPGRADE_DELAY_NS && delay <= MAX_UPGRADE_DELAY_NS, message);
  near.storageWrite(DELAY_KEY, delay.toString());
  return delay;
}

export function stagedUpgrade(): StagedUpgrade | null {
  const value = near.storageRead(STAGED_KEY);
  return value === null ? null : (JSON.parse(value) as StagedUpgrade);
}

function isWasm(code: Uint8Array): boolean {
  return code.length > 8 && code[0] === 0 && code[1] === 0x61 && code[2] === 0x73 && code[3] === 0x6d;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return hex;
}

/** Stores `code` to be applied after the current delay; the attached deposit pays its storage (excess refunded). */
export function stage(code: Uint8Array): StagedUpgrade {
  require(isWasm(code), 'Upgrade: input must be a Wasm module');
  require(!near.storageHasKey(STAGED_KEY), 'Upgrade: an upgrade is already staged; apply or cancel it first');
  const now = near.blockTimestamp();
  const stager = near.predecessorAccountId();
  const deposit = near.attachedDeposit();
  const before = near.storageUsage();
  near.storageWriteRaw(encode(CODE_KEY), code);
  const staged: StagedUpgrade = {
    code_hash: toHex(near.sha256(code)),
    code_size: code.length,
    staged_by: stager,
    staged_at_ns: now.toString(),
    ready_at_ns: (now + upgradeDelay()).toString(),
  };
  near.storageWrite(STAGED_KEY, JSON.stringify(staged));
  const cost = storageCost(near.storageUsage() - before);
  if (deposit < cost) panic(`Upgrade: attached deposit ${deposit} does not cover the staged code's storage ${cost}`);
  refund(stager, deposit - cost);
  return staged;
}

function clear(): StagedUpgrade {
  const staged = stagedUpgrade();
  if (staged === null) panic('Upgrade: nothing is staged');
  const before = near.storageUsage();
  near.storageRemove(CODE_KEY);
  near.storageRemove(STAGED_KEY);
  // The same bytes that were paid for at stage: exactly the deposit kept then.
  refund(staged.staged_by, storageCost(before - near.storageUsage()));
  return staged;
}

/** Removes the staged upgrade and returns its storage deposit to whoever staged it. */
export function cancel(): StagedUpgrade {
  return clear();
}

/** Once the delay has passed: removes the staged code (returning its deposit) and returns it for deployment. */
export function takeReadyCode(): { staged: StagedUpgrade; code: Uint8Array } {
  const staged = stagedUpgrade();
  if (staged === null) panic('Upgrade: nothing is staged');
  require(near.blockTimestamp() >= BigInt(staged.ready_at_ns), `Upgrade: the staged upgrade is ready at ${staged.ready_at_ns} ns, not before`);
  const code = near.storageReadRaw(encode(CODE_KEY));
  if (code === null) panic('Upgrade: nothing is staged');
  clear();
  return { staged, code };
}

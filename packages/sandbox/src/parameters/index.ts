/**
 * nearcore `core/parameters`: the effective `RuntimeConfig` of a protocol version, plus the fee helpers
 * nearcore's `RuntimeFeesConfig` / `Fee` provide (core/parameters/src/cost.rs).
 */
import { CONFIG_TABLES } from './table.js';
import type { Fee, RuntimeConfig } from './types.js';

export type { ActionCost, ExtCost, Fee, RuntimeConfig } from './types.js';

/** Mainnet's stable protocol version in the nearcore snapshot we follow (`STABLE_PROTOCOL_VERSION = 86`). */
export const DEFAULT_PROTOCOL_VERSION = 86;

/** 77: what near-workspaces 5.0.0's sandbox binary (nearcore 2.6.2) runs. 86: current mainnet. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [...CONFIG_TABLES.keys()].sort((a, b) => a - b);

export class UnsupportedProtocolVersionError extends Error {
  constructor(readonly protocolVersion: number) {
    super(
      `Protocol version ${protocolVersion} is not supported; use one of ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')} ` +
        `(default ${DEFAULT_PROTOCOL_VERSION}).`,
    );
    this.name = 'UnsupportedProtocolVersionError';
  }
}

/** The effective runtime parameters of `protocolVersion` (exact match: each table is one nearcore snapshot). */
export function runtimeConfig(protocolVersion: number = DEFAULT_PROTOCOL_VERSION): RuntimeConfig {
  const config = CONFIG_TABLES.get(protocolVersion);
  if (config === undefined) throw new UnsupportedProtocolVersionError(protocolVersion);
  return config;
}

/** nearcore `Fee::send_fee(sender_is_receiver)`. */
export function sendFee(fee: Fee, senderIsReceiver: boolean): bigint {
  return senderIsReceiver ? fee.sendSir : fee.sendNotSir;
}

/** nearcore `Fee::exec_fee()`. */
export function execFee(fee: Fee): bigint {
  return fee.execution;
}

/** nearcore `Fee::min_send_and_exec_fee()`: the smaller send fee plus exec (used for pessimistic pricing). */
export function minSendAndExecFee(fee: Fee): bigint {
  return (fee.sendSir < fee.sendNotSir ? fee.sendSir : fee.sendNotSir) + fee.execution;
}

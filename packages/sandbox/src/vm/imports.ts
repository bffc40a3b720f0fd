/**
 * The `env` host functions a contract may import (nearcore runtime/near-vm-runner/src/imports.rs), each with its
 * wasm signature and the protocol versions that link it, and the link check with the error text each VM gives.
 *
 * Which functions exist where:
 * - nearcore 2.6.2 (protocol 77) links everything up to BLS12-381 (70) and yield/resume (67); its sandbox build
 *   adds `sandbox_debug_log`.
 * - nearcore 2.13.4 (protocol 86) links 89 functions: the above plus `chain_id`, `p256_verify`, the yield-with-id
 *   pair and the gas-key actions (gated by the 85 flags `chain_id_host_fn`, `p256_verify_host_fn`,
 *   `yield_with_id_host_fns`, `gas_key_host_fns`), the global-contract actions (`global_contract_host_fns`, 78),
 *   and `refund_to_account_id`, `current_contract_code`, `promise_set_refund_to`, the deterministic state-init
 *   actions (NEP-616, ungated in 2.13.4 but absent from 2.6.2).
 */
import type { RuntimeConfig } from '../parameters/types.js';
import { errorViews } from './errors.js';
import type { FunctionCallErrorView } from './types.js';

export const I32 = 0x7f;
export const I64 = 0x7e;

export interface HostSignature {
  params: number[];
  results: number[];
  /** Whether the function links at this protocol version (absent: at every supported version). */
  enabled?: (config: RuntimeConfig) => boolean;
}

const since = (version: number) => (config: RuntimeConfig) => config.protocolVersion >= version;
const flag = (name: keyof RuntimeConfig['wasm']) => (config: RuntimeConfig) => config.wasm[name] === true;

const SIGNATURES: Record<string, HostSignature> = {};
/** 'i' = i32, 'L' = i64, as in nearcore's `imports!` list (u32 / u64). */
function host(name: string, params: string, results: string, enabled?: HostSignature['enabled']): void {
  const t = (c: string) => (c === 'i' ? I32 : I64);
  SIGNATURES[name] = { params: [...params].map(t), results: [...results].map(t), enabled };
}

// Registers
host('read_register', 'LL', '');
host('register_len', 'L', 'L');
host('write_register', 'LLL', '');
// Context
host('current_account_id', 'L', '');
host('chain_id', 'L', '', flag('chainIdHostFn'));
host('signer_account_id', 'L', '');
host('signer_account_pk', 'L', '');
host('predecessor_account_id', 'L', '');
host('refund_to_account_id', 'L', '', since(82));
host('input', 'L', '');
host('block_index', '', 'L');
host('block_timestamp', '', 'L');
host('epoch_height', '', 'L');
host('storage_usage', '', 'L');
host('current_contract_code', 'L', 'L', since(82));
// Economics
host('account_balance', 'L', '');
host('account_locked_balance', 'L', '');
host('attached_deposit', 'L', '');
host('prepaid_gas', '', 'L');
host('used_gas', '', 'L');
// Math
host('random_seed', 'L', '');
host('sha256', 'LLL', '');
host('keccak256', 'LLL', '');
host('keccak512', 'LLL', '');
host('ed25519_verify', 'LLLLLL', 'L', since(59));
host('p256_verify', 'LLLLLL', 'L', flag('p256VerifyHostFn'));
host('ripemd160', 'LLL', '');
host('ecrecover', 'LLLLLLL', 'L');
host('alt_bn128_g1_multiexp', 'LLL', '');
host('alt_bn128_g1_sum', 'LLL', '');
host('alt_bn128_pairing_check', 'LL', 'L');
// BLS12-381 (70.yaml)
for (const name of ['p1_sum', 'p2_sum', 'g1_multiexp', 'g2_multiexp', 'map_fp_to_g1', 'map_fp2_to_g2', 'p1_decompress', 'p2_decompress'])
  host(`bls12381_${name}`, 'LLL', 'L', since(70));
host('bls12381_pairing_check', 'LL', 'L', since(70));
// Miscellaneous
host('value_return', 'LL', '');
host('panic', '', '');
host('panic_utf8', 'LL', '');
host('log_utf8', 'LL', '');
host('log_utf16', 'LL', '');
host('abort', 'iiii', '');
host('gas', 'i', '');
// Promises
host('promise_create', 'LLLLLLLL', 'L');
host('promise_then', 'LLLLLLLLL', 'L');
host('promise_and', 'LL', 'L');
host('promise_batch_create', 'LL', 'L');
host('promise_batch_then', 'LLL', 'L');
host('promise_set_refund_to', 'LLL', '', since(82));
// Promise actions
host('promise_batch_action_create_account', 'L', '');
host('promise_batch_action_deploy_contract', 'LLL', '');
for (const name of ['deploy_global_contract', 'deploy_global_contract_by_account_id', 'use_global_contract', 'use_global_contract_by_account_id'])
  host(`promise_batch_action_${name}`, 'LLL', '', flag('globalContractHostFns'));
host('promise_batch_action_state_init', 'LLLL', 'L', since(82));
host('promise_batch_action_state_init_by_account_id', 'LLLL', 'L', since(82));
host('set_state_init_data_entry', 'LLLLLL', '', since(82));
host('promise_batch_action_function_call', 'LLLLLLL', '');
host('promise_batch_action_function_call_weight', 'LLLLLLLL', '');
host('promise_batch_action_transfer', 'LL', '');
host('promise_batch_action_stake', 'LLLL', '');
host('promise_batch_action_add_key_with_full_access', 'LLLL', '');
host('promise_batch_action_add_key_with_function_call', 'LLLLLLLLL', '');
host('promise_batch_action_delete_key', 'LLL', '');
host('promise_batch_action_delete_account', 'LLL', '');
host('promise_batch_action_transfer_to_gas_key', 'LLLL', '', flag('gasKeyHostFns'));
host('promise_batch_action_add_gas_key_with_full_access', 'LLLL', '', flag('gasKeyHostFns'));
host('promise_batch_action_add_gas_key_with_function_call', 'LLLLLLLLL', '', flag('gasKeyHostFns'));
// Yield / resume (NEP-519, 67)
host('promise_yield_create', 'LLLLLLL', 'L', since(67));
host('promise_yield_resume', 'LLLL', 'i', since(67));
host('promise_yield_create_with_id', 'LLLLLLLLL', 'L', flag('yieldWithIdHostFns'));
host('promise_yield_resume_with_yield_id', 'LLLL', 'i', flag('yieldWithIdHostFns'));
// Promise results
host('promise_results_count', '', 'L');
host('promise_result', 'LL', 'L');
host('promise_return', 'L', '');
// Storage
host('storage_write', 'LLLLL', 'L');
host('storage_read', 'LLL', 'L');
host('storage_remove', 'LLL', 'L');
host('storage_has_key', 'LL', 'L');
host('storage_iter_prefix', 'LL', 'L');
host('storage_iter_range', 'LLLL', 'L');
host('storage_iter_next', 'LLL', 'L');
// Validators
host('validator_stake', 'LLL', '');
host('validator_total_stake', 'L', '');
// The sandbox build of neard (cargo feature "sandbox") also links its free debug log.
host('sandbox_debug_log', 'LL', '');

/** Every `env` host function of any supported version, with its wasm signature. */
export const HOST_FUNCTIONS: Readonly<Record<string, HostSignature>> = SIGNATURES;

/** The host functions `config`'s protocol version links, in nearcore's order. */
export function hostFunctionsAt(config: RuntimeConfig): string[] {
  return Object.keys(SIGNATURES).filter((name) => SIGNATURES[name]!.enabled?.(config) ?? true);
}

export function isHostFunctionEnabled(name: string, config: RuntimeConfig): boolean {
  const s = SIGNATURES[name];
  return s !== undefined && (s.enabled?.(config) ?? true);
}

export interface FuncType {
  params: number[];
  results: number[];
}

const sameType = (a: FuncType, b: FuncType) =>
  a.params.length === b.params.length &&
  a.results.length === b.results.length &&
  a.params.every((p, i) => p === b.params[i]) &&
  a.results.every((r, i) => r === b.results[i]);

/** Wasmtime's text form of a function type, e.g. `(func (param i64 i64) (result i64))`. */
function wasmtimeFuncType(t: FuncType): string {
  const name = (v: number) => (v === I32 ? 'i32' : 'i64');
  let s = '(func';
  if (t.params.length) s += ` (param ${t.params.map(name).join(' ')})`;
  if (t.results.length) s += ` (result ${t.results.map(name).join(' ')})`;
  return s + ')';
}

/** Wasmer/NearVM `{:?}` of an extern function type, e.g. `Function(FunctionType { params: [I64], results: [] })`. */
function nearVmFuncType(t: FuncType): string {
  const name = (v: number) => (v === I32 ? 'I32' : 'I64');
  return `Function(FunctionType { params: [${t.params.map(name).join(', ')}], results: [${t.results.map(name).join(', ')}] })`;
}

/**
 * The link step: every function import must be an enabled `env` host function of the same type, else
 * `LinkError{msg}` (RPC: "Link Error: <msg>"). From 84 (84.yaml: vm_kind NearVm → Wasmtime) nearcore maps
 * Wasmtime's unknown-import error to "unknown or invalid import" (wasmtime_runner/mod.rs into_vm_error) and
 * passes its type-mismatch text through; before, NearVM's `LinkError::Import` Display is
 * `Error while importing "env"."<name>": unknown import. Expected <type>` (nearcore test_bad_import_4) or
 * `…: incompatible import type. Expected <type> but received <type>`.
 */
export function linkError(imports: ReadonlyArray<{ name: string; type: FuncType }>, config: RuntimeConfig): FunctionCallErrorView | null {
  const wasmtime = config.protocolVersion >= 84;
  for (const imp of imports) {
    const host = SIGNATURES[imp.name];
    if (host === undefined || !(host.enabled?.(config) ?? true)) {
      return errorViews.link(
        wasmtime ? 'unknown or invalid import' : `Error while importing "env"."${imp.name}": unknown import. Expected ${nearVmFuncType(imp.type)}`,
      );
    }
    if (!sameType(imp.type, host)) {
      return errorViews.link(
        wasmtime
          ? `types incompatible: expected type \`${wasmtimeFuncType(imp.type)}\`, found type \`${wasmtimeFuncType(host)}\``
          : `Error while importing "env"."${imp.name}": incompatible import type. Expected ${nearVmFuncType(imp.type)} but received ${nearVmFuncType(host)}`,
      );
    }
  }
  return null;
}

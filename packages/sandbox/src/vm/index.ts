/**
 * nearcore `near_vm_runner::run` for Node's WebAssembly: prepare + instrument (cached by code hash),
 * compile (cached), instantiate per call with fresh memory, link the `env` host functions, run the
 * method, and turn the result into a `VMOutcome`.
 */
import { runtimeConfig } from '../parameters/index.js';
import type { RuntimeConfig } from '../parameters/types.js';
import { errorViews, HostError, hostErrors, type WasmTrapKind } from './errors.js';
import { VMLogic } from './logic.js';
import { releaseMemory, takeMemory } from './memory-pool.js';
import { prepareContract, PrepareError, type FuncType, type Metering, type PreparedContract } from './prepare.js';
import type { FunctionCallErrorView, RunFunctionCall, VMOutcome } from './types.js';

export type * from './types.js';
export { HostError } from './errors.js';
export { isValidAccountId } from './logic.js';

const I = 0x7f; // i32
const L = 0x7e; // i64

/** `env` host functions: wasm signature and (for gated ones) the first protocol version that has them. */
const HOST_SIGNATURES: Record<string, { params: number[]; results: number[]; since?: number }> = {};
/** The `env` host functions this VM provides, with wasm value types (0x7f i32, 0x7e i64). */
export const HOST_FUNCTIONS: Readonly<typeof HOST_SIGNATURES> = HOST_SIGNATURES;
const sig = (name: string, params: string, result: string, since?: number) => {
  const t = (c: string) => (c === 'i' ? I : L);
  HOST_SIGNATURES[name] = { params: [...params].map(t), results: [...result].map(t), since };
};
sig('read_register', 'LL', '');
sig('register_len', 'L', 'L');
sig('write_register', 'LLL', '');
sig('current_account_id', 'L', '');
sig('signer_account_id', 'L', '');
sig('signer_account_pk', 'L', '');
sig('predecessor_account_id', 'L', '');
sig('input', 'L', '');
sig('block_index', '', 'L');
sig('block_timestamp', '', 'L');
sig('epoch_height', '', 'L');
sig('storage_usage', '', 'L');
sig('account_balance', 'L', '');
sig('account_locked_balance', 'L', '');
sig('attached_deposit', 'L', '');
sig('prepaid_gas', '', 'L');
sig('used_gas', '', 'L');
sig('random_seed', 'L', '');
sig('sha256', 'LLL', '');
sig('keccak256', 'LLL', '');
sig('keccak512', 'LLL', '');
sig('ripemd160', 'LLL', '');
sig('ecrecover', 'LLLLLLL', 'L');
sig('ed25519_verify', 'LLLLLL', 'L', 59);
sig('alt_bn128_g1_multiexp', 'LLL', '');
sig('alt_bn128_g1_sum', 'LLL', '');
sig('alt_bn128_pairing_check', 'LL', 'L');
sig('value_return', 'LL', '');
sig('panic', '', '');
sig('panic_utf8', 'LL', '');
sig('log_utf8', 'LL', '');
sig('log_utf16', 'LL', '');
sig('abort', 'iiii', '');
sig('gas', 'i', '');
sig('promise_create', 'LLLLLLLL', 'L');
sig('promise_then', 'LLLLLLLLL', 'L');
sig('promise_and', 'LL', 'L');
sig('promise_batch_create', 'LL', 'L');
sig('promise_batch_then', 'LLL', 'L');
sig('promise_batch_action_create_account', 'L', '');
sig('promise_batch_action_deploy_contract', 'LLL', '');
sig('promise_batch_action_function_call', 'LLLLLLL', '');
sig('promise_batch_action_function_call_weight', 'LLLLLLLL', '');
sig('promise_batch_action_transfer', 'LL', '');
sig('promise_batch_action_stake', 'LLLL', '');
sig('promise_batch_action_add_key_with_full_access', 'LLLL', '');
sig('promise_batch_action_add_key_with_function_call', 'LLLLLLLLL', '');
sig('promise_batch_action_delete_key', 'LLL', '');
sig('promise_batch_action_delete_account', 'LLL', '');
sig('promise_yield_create', 'LLLLLLL', 'L', 67);
sig('promise_yield_resume', 'LLLL', 'i', 67);
sig('promise_results_count', '', 'L');
sig('promise_result', 'LL', 'L');
sig('promise_return', 'L', '');
sig('storage_write', 'LLLLL', 'L');
sig('storage_read', 'LLL', 'L');
sig('storage_remove', 'LLL', 'L');
sig('storage_has_key', 'LL', 'L');
sig('storage_iter_prefix', 'LL', 'L');
sig('storage_iter_range', 'LLLL', 'L');
sig('storage_iter_next', 'LLL', 'L');
sig('validator_stake', 'LLL', '');
sig('validator_total_stake', 'L', '');

const sameType = (a: FuncType, b: { params: number[]; results: number[] }) =>
  a.params.length === b.params.length &&
  a.results.length === b.results.length &&
  a.params.every((p, i) => p === b.params[i]) &&
  a.results.every((r, i) => r === b.results[i]);

interface CompiledContract {
  ok: true;
  prepared: PreparedContract;
  module: WebAssembly.Module;
}
type CompileResult = CompiledContract | { ok: false; error: FunctionCallErrorView };

const MAX_CACHED_MODULES = 64;
/** code hash + protocol version -> compiled module or the preparation error (nearcore caches both). */
const moduleCache = new Map<string, CompileResult>();

function cacheKey(codeHash: Uint8Array, protocolVersion: number, metering: Metering): string {
  return `${protocolVersion}:${metering}:${Buffer.from(codeHash).toString('hex')}`;
}

/** Prepares, instruments and compiles `code` (or returns the cached result). Exposed for benchmarks. */
export function compileContract(code: Uint8Array, codeHash: Uint8Array, config: RuntimeConfig, metering: Metering = 'finite-wasm'): CompileResult {
  const key = cacheKey(codeHash, config.protocolVersion, metering);
  const hit = moduleCache.get(key);
  if (hit) return hit;
  let result: CompileResult;
  try {
    const w = config.wasm;
    const prepared = prepareContract(code, {
      regularOpCost: w.regularOpCost,
      linearOpBaseCost: w.linearOpBaseCost,
      linearOpUnitCost: w.linearOpUnitCost,
      maxStackHeight: w.maxStackHeight,
      initialMemoryPages: w.initialMemoryPages,
      maxMemoryPages: w.maxMemoryPages,
      maxFunctionsNumberPerContract: w.maxFunctionsNumberPerContract,
      maxLocalsPerContract: w.maxLocalsPerContract,
      maxTablesPerContract: w.maxTablesPerContract,
      maxElementsPerContractTable: w.maxElementsPerContractTable,
      maxFunctionBodySize: w.maxFunctionBodySize,
      reftypesBulkMemory: w.reftypesBulkMemory,
      metering,
    });
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(prepared.code as Uint8Array<ArrayBuffer>);
    } catch {
      // Anything our reader let through but V8 rejects is invalid Wasm: wasmparser validation -> Deserialization.
      throw new PrepareError('Deserialization', 'the module failed validation');
    }
    result = { ok: true, prepared, module };
  } catch (e) {
    if (!(e instanceof PrepareError)) throw e;
    result = { ok: false, error: errorViews.prepare(e.kind) };
  }
  if (moduleCache.size >= MAX_CACHED_MODULES) moduleCache.delete(moduleCache.keys().next().value!);
  moduleCache.set(key, result);
  return result;
}

const nopOutcome = (context: RunFunctionCall['context'], aborted: FunctionCallErrorView): VMOutcome => ({
  balance: context.accountBalance,
  storageUsage: context.storageUsage,
  returnData: { kind: 'None' },
  burntGas: 0n,
  usedGas: 0n,
  logs: [],
  receipts: [],
  profile: {},
  aborted,
});

/** V8 trap messages -> nearcore WasmTrap (wasmtime_runner trap mapping). */
function trapKind(message: string): WasmTrapKind {
  if (message.includes('unreachable')) return 'Unreachable';
  if (message.includes('memory access out of bounds') || message.includes('out of bounds memory')) return 'MemoryOutOfBounds';
  if (message.includes('data segment') || message.includes('segment out of bounds')) return 'MemoryOutOfBounds';
  if (
    message.includes('divide by zero') ||
    message.includes('remainder by zero') ||
    message.includes('integer overflow') ||
    message.includes('float unrepresentable') ||
    message.includes('integer result unrepresentable')
  )
    return 'IllegalArithmetic';
  if (message.includes('table index is out of bounds') || message.includes('table access out of bounds')) return 'CallIndirectOOB';
  if (message.includes('signature mismatch')) return 'IncorrectCallIndirectSignature';
  if (message.includes('null')) return 'IndirectCallToNull';
  return 'GenericTrap';
}

/** Runs one function call (nearcore `near_vm_runner::run`). Never throws for contract faults. */
export function runFunctionCall(req: RunFunctionCall): VMOutcome {
  const { context, methodName } = req;
  const config = runtimeConfig(req.protocolVersion);
  // gas_counter.rs before_loading_executable: the empty name is rejected before any fee.
  if (methodName.length === 0) return nopOutcome(context, errorViews.methodResolve('MethodEmptyName'));
  if (req.code.length === 0) return nopOutcome(context, errorViews.codeDoesNotExist(context.currentAccountId));

  const compiled = compileContract(req.code, req.codeHash, config, req.metering ?? 'finite-wasm');
  if (!compiled.ok) return nopOutcome(context, compiled.error);
  const { prepared, module } = compiled;

  // Method resolution failures are nop outcomes at PV <= 86 (abort_but_nop_outcome_in_old_protocol).
  const method = prepared.functionExports.get(methodName);
  if (method === undefined) return nopOutcome(context, errorViews.methodResolve('MethodNotFound'));
  if (method.params.length !== 0 || method.results.length !== 0)
    return nopOutcome(context, errorViews.methodResolve('MethodInvalidSignature'));

  const logic = new VMLogic(config, context, req.external);
  let aborted: FunctionCallErrorView | null = null;
  try {
    // gas_counter.rs add_contract_loading_fee: bytes then base; at PV86 a failure is always GasExceeded.
    try {
      logic.gas.payPer(config.extCosts.contract_loading_bytes!, BigInt(req.code.length), 'CONTRACT_LOADING_BYTES');
      logic.gas.burn(config.extCosts.contract_loading_base!, 'CONTRACT_LOADING_BASE');
    } catch (e) {
      if (e instanceof HostError) throw hostErrors.gasExceeded();
      throw e;
    }
    aborted = execute(req, config, prepared, module, logic);
  } catch (e) {
    if (e instanceof HostError) aborted = errorViews.host(e);
    else throw e;
  }
  if (aborted === null) logic.distributeUnusedGas();
  return {
    balance: logic.balance,
    storageUsage: logic.storageUsage,
    returnData: aborted ? { kind: 'None' } : logic.returnData,
    burntGas: logic.gas.burntGas,
    usedGas: logic.gas.usedGas,
    logs: logic.logs,
    receipts: aborted ? [] : logic.receipts,
    profile: logic.gas.finalProfile(),
    aborted,
  };
}

function execute(
  req: RunFunctionCall,
  config: RuntimeConfig,
  prepared: PreparedContract,
  module: WebAssembly.Module,
  logic: VMLogic,
): FunctionCallErrorView | null {
  // Link: every import must be a known, enabled `env` function of the right type (else LinkError).
  const env: Record<string, Function> = {};
  // Set once the instance exists: the instrumented module's gas accessors (prepare.ts).
  const gas = { get: (): bigint => 0n, set: (_v: bigint): void => {} };
  let lastRemaining = 0n;
  const syncIn = () => {
    const now = gas.get();
    const spent = lastRemaining - now;
    if (spent > 0n) logic.gas.burn(spent, null);
  };
  const syncOut = () => {
    lastRemaining = logic.gas.gasLimit - logic.gas.burntGas;
    gas.set(lastRemaining);
  };
  for (const imp of prepared.imports) {
    const name = imp.name;
    const hostSig = HOST_SIGNATURES[name];
    if (hostSig === undefined || (hostSig.since !== undefined && config.protocolVersion < hostSig.since))
      return errorViews.link(`unknown import: \`env::${name}\` has not been defined`);
    if (!sameType(imp.type, hostSig)) return errorViews.link(`incompatible import type for \`env::${name}\``);
    if (env[name]) continue;
    let impl: Function;
    if (name === 'storage_iter_prefix' || name === 'storage_iter_range' || name === 'storage_iter_next') {
      impl = () => {
        throw hostErrors.deprecated(name);
      };
    } else {
      const fnName = name === 'gas' ? 'gas_op' : name;
      const fn = (logic as unknown as Record<string, Function>)[fnName]!;
      // Wasm i64 arrives as a signed BigInt; nearcore's host functions take u64.
      const unsigned = hostSig.params.map((p) => p === L);
      impl = (...args: unknown[]) => {
        for (let i = 0; i < args.length; i++) if (unsigned[i]) args[i] = BigInt.asUintN(64, args[i] as bigint);
        syncIn();
        try {
          return fn.apply(logic, args);
        } finally {
          syncOut();
        }
      };
    }
    env[name] = impl;
  }

  const memory = takeMemory(config.wasm.initialMemoryPages, config.wasm.maxMemoryPages);
  logic.memory = memory;
  try {
    return instantiateAndRun(req, prepared, module, env, memory, gas, syncIn, syncOut);
  } finally {
    releaseMemory(memory, config.wasm.initialMemoryPages);
  }
}

function instantiateAndRun(
  req: RunFunctionCall,
  prepared: PreparedContract,
  module: WebAssembly.Module,
  env: Record<string, Function>,
  memory: WebAssembly.Memory,
  gas: { get: () => bigint; set: (v: bigint) => void },
  syncIn: () => void,
  syncOut: () => void,
): FunctionCallErrorView | null {
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, {
      env: env as WebAssembly.ModuleImports,
      internal: { memory },
    });
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) return errorViews.wasmTrap(trapKind(e.message));
    if (e instanceof WebAssembly.LinkError) return errorViews.link(e.message);
    throw e;
  }
  const exports = instance.exports;
  gas.get = exports.gas_get as () => bigint;
  gas.set = exports.gas_set as (v: bigint) => void;
  const stackLeft = exports.stack_get as () => bigint;
  syncOut();
  const run = (f: Function) => {
    try {
      f();
      syncIn();
      return null;
    } catch (e) {
      if (e instanceof HostError) throw e;
      const gasLeft = gas.get();
      if (gasLeft < 0n) {
        // finite-wasm gas exhaustion: burn what the block asked for; burn() raises GasExceeded/GasLimitExceeded.
        syncIn();
        throw hostErrors.gasExceeded(); // unreachable in practice: syncIn throws first
      }
      syncIn();
      if (stackLeft() < 0n) throw hostErrors.memoryAccessViolation();
      // V8's own stack ran out before the finite-wasm budget: nearcore reports stack exhaustion as
      // HostError::MemoryAccessViolation (wasmtime_runner/logic.rs finite_wasm_stack).
      if (e instanceof RangeError) throw hostErrors.memoryAccessViolation();
      if (e instanceof WebAssembly.RuntimeError) return errorViews.wasmTrap(trapKind(e.message));
      throw e;
    }
  };
  if (prepared.hasStart) {
    const r = run(exports.start as Function);
    if (r) return r;
  }
  return run(exports['\0' + req.methodName] as Function);
}

/**
 * nearcore `near_vm_runner::run` for Node's WebAssembly: prepare + instrument (cached by code hash),
 * compile (cached), instantiate per call with fresh memory, link the `env` host functions, run the
 * method, and turn the result into a `VMOutcome`.
 */
import { runtimeConfig } from '../parameters/index.js';
import type { RuntimeConfig } from '../parameters/types.js';
import { errorViews, HostError, hostErrors, type WasmTrapKind } from './errors.js';
import { VMLogic } from './logic.js';
import { releaseMemory, takeMemory, zeroMemory, zeroWrittenChunks } from './memory-pool.js';
import { HOST_FUNCTIONS, I64, linkError } from './imports.js';
import { prepareContract, PrepareError, type Metering, type PreparedContract } from './prepare.js';
import type { FunctionCallErrorView, RunFunctionCall, VMOutcome } from './types.js';

export type * from './types.js';
export { HostError } from './errors.js';
export { isValidAccountId } from './logic.js';
export { HOST_FUNCTIONS, hostFunctionsAt } from './imports.js';

const L = I64;

interface CompiledContract {
  ok: true;
  prepared: PreparedContract;
  module: WebAssembly.Module;
  /** The link check's result, worked out on the first call (null: links). */
  linkError?: FunctionCallErrorView | null;
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
    // the wasm config carries every preparation limit and feature gate under PrepareConfig's names
    const prepared = prepareContract(code, { ...config.wasm, metering });
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(prepared.code as Uint8Array<ArrayBuffer>);
    } catch {
      // Anything our reader let through but V8 rejects is invalid Wasm: wasmparser validation -> Deserialization.
      throw new PrepareError('Deserialization', 'the module failed validation');
    }
    if (prepared.limitError) throw prepared.limitError;
    // nearcore compiles only what preparation accepted, and then Wasmtime may refuse it (prepare.ts compileError)
    result = prepared.compileError === null ? { ok: true, prepared, module } : { ok: false, error: errorViews.compile(prepared.compileError) };
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
  subsidizedAmount: 0n,
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
  const { prepared } = compiled;

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
    aborted = execute(req, config, compiled, logic);
  } catch (e) {
    if (e instanceof HostError) aborted = errorViews.host(e);
    else throw e;
  }
  if (aborted === null) logic.distributeUnusedGas();
  return {
    balance: logic.balance,
    subsidizedAmount: aborted ? 0n : logic.subsidizedAmount,
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

/**
 * An instance of a compiled contract with its memory. Host functions reach the current call's VMLogic through
 * `logic`, so an instance of a `reusable` module (prepare.ts) serves call after call: between calls its
 * memory is zeroed and `reset` restores globals and data segments, which leaves it exactly as a fresh
 * instantiation would (nearcore instantiates per call). Instantiating a near-sdk-js contract costs about as
 * much as a small call's own Wasm work, so this is the main saving per call.
 */
class ContractInstance {
  logic: VMLogic | null = null;
  /** Gas left in the instance's global when the host last wrote it; what the Wasm spent since is the difference. */
  private lastRemaining = 0n;
  readonly exports: WebAssembly.Exports;
  private readonly gasGet: () => bigint;
  private readonly gasSet: (v: bigint) => void;

  constructor(module: WebAssembly.Module, env: Record<string, Function>, readonly memory: WebAssembly.Memory) {
    this.exports = new WebAssembly.Instance(module, { env: env as WebAssembly.ModuleImports, internal: { memory } }).exports;
    this.gasGet = this.exports.gas_get as () => bigint;
    this.gasSet = this.exports.gas_set as (v: bigint) => void;
  }

  /** Burns the Wasm gas spent since the last syncOut (raises GasExceeded/GasLimitExceeded past the limit). */
  syncIn(): void {
    const spent = this.lastRemaining - this.gasGet();
    if (spent > 0n) this.logic!.gas.burn(spent, null);
  }
  /** Gives the Wasm the gas it may still burn. */
  syncOut(): void {
    const gas = this.logic!.gas;
    this.lastRemaining = gas.gasLimit - gas.burntGas;
    this.gasSet(this.lastRemaining);
  }
  gasLeft(): bigint {
    return this.gasGet();
  }
}

/** The `env` imports of one instance, bound to whatever call the instance runs. */
function hostImports(prepared: PreparedContract, instance: { current: ContractInstance | null }): Record<string, Function> {
  const env: Record<string, Function> = {};
  for (const { name } of prepared.imports) {
    if (env[name]) continue;
    if (name === 'storage_iter_prefix' || name === 'storage_iter_range' || name === 'storage_iter_next') {
      env[name] = () => {
        throw hostErrors.deprecated(name);
      };
      continue;
    }
    const fnName = name === 'gas' ? 'gas_op' : name;
    const fn = (VMLogic.prototype as unknown as Record<string, Function>)[fnName]!;
    // Wasm i64 arrives as a signed BigInt; nearcore's host functions take u64.
    const unsigned = HOST_FUNCTIONS[name]!.params.map((p) => p === L);
    env[name] = (...args: unknown[]) => {
      for (let i = 0; i < args.length; i++) if (unsigned[i]) args[i] = BigInt.asUintN(64, args[i] as bigint);
      const ci = instance.current!;
      ci.syncIn();
      try {
        return fn.apply(ci.logic, args);
      } finally {
        ci.syncOut();
      }
    };
  }
  return env;
}

/** Idle instances of reusable modules, oldest first; each holds a 64 MiB memory, so only a few are kept. */
const MAX_IDLE_INSTANCES = 4;
const idleInstances: Array<{ compiled: CompiledContract; instance: ContractInstance }> = [];

function takeIdleInstance(compiled: CompiledContract): ContractInstance | null {
  for (let i = idleInstances.length - 1; i >= 0; i--) {
    if (idleInstances[i]!.compiled === compiled) return idleInstances.splice(i, 1)[0]!.instance;
  }
  return null;
}

function execute(req: RunFunctionCall, config: RuntimeConfig, compiled: CompiledContract, logic: VMLogic): FunctionCallErrorView | null {
  const { prepared, module } = compiled;
  if (compiled.linkError === undefined) compiled.linkError = linkError(prepared.imports, config);
  if (compiled.linkError) return compiled.linkError;

  const pages = config.wasm.initialMemoryPages;
  let ci = prepared.reusable ? takeIdleInstance(compiled) : null;
  if (ci) {
    // The chunks its last call wrote were zeroed when the instance was put back; restore globals and data segments.
    (ci.exports.reset as () => void)();
  } else {
    const memory = takeMemory(pages, config.wasm.maxMemoryPages);
    const holder: { current: ContractInstance | null } = { current: null };
    try {
      ci = new ContractInstance(module, hostImports(prepared, holder), memory);
    } catch (e) {
      releaseMemory(memory, pages);
      if (e instanceof WebAssembly.RuntimeError) return errorViews.wasmTrap(trapKind(e.message));
      if (e instanceof WebAssembly.LinkError) return errorViews.link(e.message);
      throw e;
    }
    holder.current = ci;
  }
  ci.logic = logic;
  logic.memory = ci.memory;
  try {
    return run(req, prepared, ci);
  } finally {
    ci.logic = null;
    if (!prepared.reusable || ci.memory.buffer.byteLength !== pages * 65536) releaseMemory(ci.memory, pages);
    else {
      // A chunk the call did not write holds what instantiation or the last `reset` put there (data segments,
      // zeros elsewhere), and `reset` writes the segments again before the next call: only written chunks are zeroed.
      if (!prepared.tracksWrites) zeroMemory(ci.memory, pages);
      else zeroWrittenChunks(ci.memory, pages, (ci.exports.written_get as () => number)() | logic.writtenChunks);
      idleInstances.push({ compiled, instance: ci });
      if (idleInstances.length > MAX_IDLE_INSTANCES) releaseMemory(idleInstances.shift()!.instance.memory, pages);
    }
  }
}

function run(req: RunFunctionCall, prepared: PreparedContract, ci: ContractInstance): FunctionCallErrorView | null {
  const stackLeft = ci.exports.stack_get as () => bigint;
  ci.syncOut();
  const call = (f: Function) => {
    try {
      f();
      ci.syncIn();
      return null;
    } catch (e) {
      if (e instanceof HostError) throw e;
      if (ci.gasLeft() < 0n) {
        // finite-wasm gas exhaustion: burn what the block asked for; burn() raises GasExceeded/GasLimitExceeded.
        ci.syncIn();
        throw hostErrors.gasExceeded(); // unreachable in practice: syncIn throws first
      }
      ci.syncIn();
      if (stackLeft() < 0n) throw hostErrors.memoryAccessViolation();
      // V8's own stack ran out before the finite-wasm budget: nearcore reports stack exhaustion as
      // HostError::MemoryAccessViolation (wasmtime_runner/logic.rs finite_wasm_stack).
      if (e instanceof RangeError) throw hostErrors.memoryAccessViolation();
      if (e instanceof WebAssembly.RuntimeError) return errorViews.wasmTrap(trapKind(e.message));
      throw e;
    }
  };
  if (prepared.hasStart) {
    const r = call(ci.exports.start as Function);
    if (r) return r;
  }
  return call(ci.exports['\0' + req.methodName] as Function);
}

/**
 * Real contract Wasm: near-workspaces' prebuilt Rust linkdrop and, when `npm run build` has produced them,
 * the near-sdk-js contracts in build/*.wasm. Differential check: the instrumented run (runFunctionCall) and a
 * run of the original, uninstrumented module with the same host functions must behave identically (same
 * logs, same return value or panic message). Gas instrumentation must not change contract behaviour.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runtimeConfig } from '../../src/parameters/index.js';
import { HostError } from '../../src/vm/errors.js';
import { VMLogic } from '../../src/vm/logic.js';
import { call, context, MemoryExternal } from './helpers.js';

const cfg = runtimeConfig(86);

function runUninstrumented(code: Uint8Array, method: string, input: Uint8Array) {
  const logic = new VMLogic(cfg, context({ input }), new MemoryExternal());
  const module = new WebAssembly.Module(code as Uint8Array<ArrayBuffer>);
  const env: Record<string, Function> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const fn = (logic as unknown as Record<string, Function>)[imp.name]!;
    env[imp.name] = (...args: unknown[]) => fn.apply(logic, args.map((a) => (typeof a === 'bigint' ? BigInt.asUintN(64, a) : a)));
  }
  const instance = new WebAssembly.Instance(module, { env: env as WebAssembly.ModuleImports });
  logic.memory = instance.exports.memory as WebAssembly.Memory;
  const pages = logic.memory.buffer.byteLength >> 16;
  if (pages < cfg.wasm.initialMemoryPages) logic.memory.grow(cfg.wasm.initialMemoryPages - pages);
  let error: string | null = null;
  try {
    (instance.exports[method] as () => void)();
  } catch (e) {
    error = e instanceof HostError ? e.message : `WebAssembly trap: ${(e as Error).message}`;
  }
  return { logs: logic.logs, returnData: logic.returnData, error };
}

const contracts: Array<[string, Uint8Array]> = [];
const require = createRequire(import.meta.url);
const linkdrop = require.resolve('near-workspaces/package.json').replace('package.json', 'core_contracts/testnet-linkdrop.wasm');
contracts.push(['testnet-linkdrop.wasm', new Uint8Array(readFileSync(linkdrop))]);
const buildDir = new URL('../../../../build/', import.meta.url);
if (existsSync(buildDir))
  for (const f of readdirSync(buildDir).sort()) if (f.endsWith('.wasm')) contracts.push([`build/${f}`, new Uint8Array(readFileSync(new URL(f, buildDir)))]);

for (const [name, code] of contracts) {
  test(`${name}: instrumented and uninstrumented runs agree on logs, return value and panic message`, (t) => {
    const module = new WebAssembly.Module(code as Uint8Array<ArrayBuffer>);
    const methods = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name)
      .slice(0, 6);
    t.true(methods.length > 0);
    const input = new TextEncoder().encode('{}');
    for (const method of methods) {
      const vm = call(code, { method, context: { input } });
      const raw = runUninstrumented(code, method, input);
      t.deepEqual(vm.logs, raw.logs, method);
      t.is((vm.aborted?.ExecutionError as string | undefined) ?? null, raw.error, method);
      if (!vm.aborted) t.deepEqual(vm.returnData, raw.returnData, method);
      t.true(vm.burntGas >= BigInt(code.length) * cfg.extCosts.contract_loading_bytes!, method);
    }
  });
}

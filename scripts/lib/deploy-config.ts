/**
 * The deploy config: per contract, the Wasm to deploy and the calls `--init` and `--migrate` make in the
 * same transaction as the deploy (so a failing call reverts the new code too).
 *
 *   {
 *     "contracts": {
 *       "stablecoin": {
 *         "wasm": "build/stablecoin.wasm",                       // optional; relative to the config file
 *         "init": { "method": "init", "args": { "owner_id": "${account}" }, "gas": "100000000000000", "deposit": "0" },
 *         "migrate": { "method": "migrate", "args": {} }
 *       }
 *     }
 *   }
 *
 * In any string of "args", `${account}` is the account deployed to and `${env:NAME}` the environment
 * variable NAME (an unset variable is an error, never an empty string). "gas" (default 100 Tgas) and
 * "deposit" (yoctoNEAR, default 0) are decimal strings. Unknown keys are errors, so a typo never
 * silently drops an argument.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const TGAS = 1_000_000_000_000n;
const DEFAULT_CALL_GAS = 100n * TGAS;
/** nearcore max_total_prepaid_gas (parameters: max_total_prepaid_gas = 300 Tgas). */
const MAX_TRANSACTION_GAS = 300n * TGAS;

export interface ConfiguredCall {
  method: string;
  args: Record<string, unknown>;
  gas: bigint;
  deposit: bigint;
}

export interface ContractConfig {
  /** Absolute path of the Wasm, when the config names one. */
  wasm?: string;
  init?: ConfiguredCall;
  migrate?: ConfiguredCall;
}

export interface DeployConfig {
  path: string;
  contracts: Record<string, ContractConfig>;
}

export class DeployConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployConfigError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: string[], where: string, fail: (m: string) => never): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${where}: unknown key "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

function amount(value: unknown, where: string, fallback: bigint, fail: (m: string) => never): bigint {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) fail(`${where} must be a decimal string, e.g. "100000000000000"`);
  return BigInt(value);
}

function parseCall(value: unknown, where: string, defaultMethod: string | undefined, fail: (m: string) => never): ConfiguredCall {
  if (!isObject(value)) fail(`${where} must be an object like { "method": "init", "args": { … } }`);
  checkKeys(value, ['method', 'args', 'gas', 'deposit'], where, fail);
  const method = value.method ?? defaultMethod;
  if (typeof method !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(method)) fail(`${where}.method must be a contract method name`);
  const args = value.args ?? {};
  if (!isObject(args)) fail(`${where}.args must be a JSON object (the method's named arguments)`);
  const gas = amount(value.gas, `${where}.gas`, DEFAULT_CALL_GAS, fail);
  if (gas === 0n || gas > MAX_TRANSACTION_GAS) fail(`${where}.gas must be between 1 and ${MAX_TRANSACTION_GAS} (300 Tgas)`);
  return { method, args, gas, deposit: amount(value.deposit, `${where}.deposit`, 0n, fail) };
}

/** Parses and checks a config file; every problem names the file and the field. */
export function loadDeployConfig(path: string): DeployConfig {
  const absolute = resolve(path);
  const fail: (message: string) => never = (message) => {
    throw new DeployConfigError(`${absolute}: ${message}`);
  };
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    return fail(`cannot read the deploy config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass --config <file>`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(json)) return fail('must be a JSON object with a "contracts" object');
  checkKeys(json, ['$comment', 'contracts'], 'top level', fail);
  if (!isObject(json.contracts)) return fail('"contracts" must be an object keyed by contract name');
  const contracts: Record<string, ContractConfig> = {};
  for (const [name, entry] of Object.entries(json.contracts)) {
    const where = `contracts.${name}`;
    if (!isObject(entry)) fail(`${where} must be an object`);
    const e = entry as Record<string, unknown>;
    checkKeys(e, ['$comment', 'wasm', 'init', 'migrate'], where, fail);
    if (e.wasm !== undefined && typeof e.wasm !== 'string') fail(`${where}.wasm must be a path string`);
    contracts[name] = {
      wasm: typeof e.wasm === 'string' ? resolve(dirname(absolute), e.wasm) : undefined,
      init: e.init === undefined ? undefined : parseCall(e.init, `${where}.init`, undefined, fail),
      migrate: e.migrate === undefined ? undefined : parseCall(e.migrate, `${where}.migrate`, 'migrate', fail),
    };
  }
  return { path: absolute, contracts };
}

/** Replaces `${account}` and `${env:NAME}` in every string of `args`. */
export function resolveArgs(args: Record<string, unknown>, accountId: string, where: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
        if (name === 'account') return accountId;
        const envName = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(name)?.[1];
        if (!envName) throw new DeployConfigError(`${where}: unknown placeholder \${${name}} (use \${account} or \${env:NAME})`);
        const envValue = env[envName];
        if (envValue === undefined || envValue === '') throw new DeployConfigError(`${where}: \${env:${envName}} is not set; export ${envName}=… first`);
        return envValue;
      });
    }
    if (Array.isArray(value)) return value.map(substitute);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    return value;
  };
  return substitute(args) as Record<string, unknown>;
}

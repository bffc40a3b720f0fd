/**
 * The CLI's configuration: environment variables, or the same names in a JSON file named by
 * RELAYER_CONFIG (the environment wins), validated before anything starts, every problem named
 * with what to write instead.
 */
import { readFileSync } from 'node:fs';
import { KeyPair, type KeyPairString } from 'near-api-js';
import type { RelayPolicy } from './policy.js';

export interface CliConfig {
  accountId: string;
  privateKey: KeyPairString;
  rpcUrl: string;
  policy: RelayPolicy;
  port: number;
  keys: number;
  instance: string;
  store: { redisUrl: string; prefix?: string } | { dir?: string };
  /** Origins whose web pages may call the relayer (CORS); empty: none. */
  corsOrigins: string[];
  /** Unanswered transactions per pool key. */
  pipelineDepth?: number;
}

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`near-relayer: the configuration is not valid (see packages/relayer/README.md, "CLI"):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const POLICY_EXAMPLE = '{"allowed": {"payout.near": ["claim"]}, "maxGas": "150000000000000"}';

export function loadConfig(env: Record<string, string | undefined>): CliConfig {
  const problems: string[] = [];
  let values: Record<string, string | undefined> = env;
  if (env.RELAYER_CONFIG) {
    try {
      const file = JSON.parse(readFileSync(env.RELAYER_CONFIG, 'utf8')) as Record<string, unknown>;
      const fromFile = Object.fromEntries(Object.entries(file).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
      values = { ...fromFile, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) };
    } catch (error) {
      throw new ConfigError([`RELAYER_CONFIG ${env.RELAYER_CONFIG} is not a readable JSON object of variable names: ${(error as Error).message}`]);
    }
  }
  const required = (name: string, hint: string) => {
    const value = values[name];
    if (!value) problems.push(`${name} is missing: ${hint}`);
    return value ?? '';
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const text = values[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
    return value;
  };

  const accountId = required('RELAYER_ACCOUNT_ID', 'the account that pays, e.g. relayer.near');
  const privateKey = required('RELAYER_PRIVATE_KEY', 'a full-access key of that account, "ed25519:…"') as KeyPairString;
  if (privateKey) {
    try {
      KeyPair.fromString(privateKey);
    } catch {
      problems.push('RELAYER_PRIVATE_KEY is not a key pair string: write "ed25519:<base58 secret key>"');
    }
  }
  const policyText = required('RELAYER_POLICY', `JSON such as ${POLICY_EXAMPLE}`);
  let policy = {} as RelayPolicy;
  if (policyText) {
    try {
      policy = parsePolicy(JSON.parse(policyText), problems);
    } catch (error) {
      problems.push(`RELAYER_POLICY is not JSON (${(error as Error).message}); write e.g. ${POLICY_EXAMPLE}`);
    }
  }
  if (values.RELAYER_REDIS_URL && values.RELAYER_STORE) problems.push('set RELAYER_REDIS_URL (several instances) or RELAYER_STORE (one), not both');
  if (values.RELAYER_REDIS_URL && !/^rediss?:\/\//.test(values.RELAYER_REDIS_URL)) problems.push(`RELAYER_REDIS_URL must start with redis:// or rediss://, got "${values.RELAYER_REDIS_URL}"`);
  const corsOrigins = (values.RELAYER_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !isOrigin(origin)) problems.push(`RELAYER_CORS_ORIGINS must list origins such as https://app.example.com (scheme, host and port only, comma-separated) or *, got "${origin}"`);
  }
  const config: CliConfig = {
    accountId,
    privateKey,
    rpcUrl: values.RPC_URL || 'http://127.0.0.1:3030',
    policy,
    port: integer('PORT', 3040, 0, 65535),
    keys: integer('RELAYER_KEYS', 1, 1, 64),
    instance: values.RELAYER_INSTANCE || 'main',
    corsOrigins,
    pipelineDepth: values.RELAYER_PIPELINE_DEPTH ? integer('RELAYER_PIPELINE_DEPTH', 4, 1, 64) : undefined,
    store: values.RELAYER_REDIS_URL ? { redisUrl: values.RELAYER_REDIS_URL, prefix: values.RELAYER_REDIS_PREFIX || undefined } : { dir: values.RELAYER_STORE || undefined },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** "https://app.example.com" or "http://localhost:5173": what a browser sends as Origin. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

function parsePolicy(raw: unknown, problems: string[]): RelayPolicy {
  const policy = (raw ?? {}) as Record<string, any>;
  const allowed = policy.allowed;
  if (typeof allowed !== 'object' || allowed === null || Object.values(allowed).some((methods) => !Array.isArray(methods) || methods.some((m) => typeof m !== 'string'))) {
    problems.push(`RELAYER_POLICY.allowed must map receivers to method lists, e.g. ${POLICY_EXAMPLE}`);
  }
  const amount = (path: string, value: unknown) => {
    if (value === undefined) return undefined;
    if ((typeof value !== 'string' && typeof value !== 'number') || !/^\d+$/.test(String(value))) {
      problems.push(`RELAYER_POLICY.${path} must be a non-negative integer as a decimal string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return BigInt(value);
  };
  const rateLimit = policy.rateLimit;
  if (rateLimit !== undefined && !(Number.isInteger(rateLimit?.count) && rateLimit.count > 0 && Number.isInteger(rateLimit?.windowMs) && rateLimit.windowMs >= 1000)) {
    problems.push(`RELAYER_POLICY.rateLimit must be {"count": <positive integer>, "windowMs": <integer ≥ 1000>}, got ${JSON.stringify(rateLimit)}`);
  }
  const allowance = policy.allowance;
  if (allowance !== undefined && allowance.periodMs !== undefined && !(Number.isInteger(allowance.periodMs) && allowance.periodMs > 0)) {
    problems.push(`RELAYER_POLICY.allowance.periodMs must be a positive integer, got ${JSON.stringify(allowance.periodMs)}`);
  }
  if (policy.minBlocksLeft !== undefined && !(Number.isInteger(policy.minBlocksLeft) && policy.minBlocksLeft >= 0)) {
    problems.push(`RELAYER_POLICY.minBlocksLeft must be a non-negative integer, got ${JSON.stringify(policy.minBlocksLeft)}`);
  }
  return {
    allowed,
    maxGas: amount('maxGas', policy.maxGas),
    maxDeposit: amount('maxDeposit', policy.maxDeposit),
    rateLimit,
    allowance: allowance && { perSender: amount('allowance.perSender', allowance.perSender), perReceiver: amount('allowance.perReceiver', allowance.perReceiver), periodMs: allowance.periodMs },
    preChecks: policy.preChecks,
    minBlocksLeft: policy.minBlocksLeft,
  };
}

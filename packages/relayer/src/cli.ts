#!/usr/bin/env -S npx tsx
/**
 * near-relayer: serves POST /relay for one relayer account.
 *   RELAYER_ACCOUNT_ID, RELAYER_PRIVATE_KEY (ed25519:…), RPC_URL, RELAYER_POLICY (JSON
 *   {"allowed": {"payout.test.near": ["claim"]}, "maxGas": "100000000000000"}), PORT, RELAYER_STORE
 *   (a folder for taken delegates and allowances, kept across restarts; default: memory),
 *   RELAYER_REDIS_URL (Redis shared by several instances; instead of RELAYER_STORE), RELAYER_KEYS
 *   (access keys to sign with, default 1), RELAYER_INSTANCE (this instance's name, default "main"),
 *   RELAYER_REDIS_PREFIX (prefix of the relayer's Redis keys, default "near-relayer:").
 * SIGINT/SIGTERM stop accepting and wait for the outcome of every accepted delegate.
 */
import { createRelayer } from './relayer.js';
import { startRelayerServer } from './server.js';
import { localStore } from './store.js';
import { redisStore } from './redis-store.js';
import type { KeyPairString } from 'near-api-js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`near-relayer: set ${name} (see packages/relayer/README.md)`);
    process.exit(2);
  }
  return value;
}

const policy = JSON.parse(required('RELAYER_POLICY'));
const bigintOrUndefined = (value: unknown) => (value === undefined ? undefined : BigInt(value as string));
const relayer = createRelayer({
  rpcUrl: process.env.RPC_URL ?? 'http://127.0.0.1:3030',
  accountId: required('RELAYER_ACCOUNT_ID'),
  privateKey: required('RELAYER_PRIVATE_KEY') as KeyPairString,
  policy: {
    allowed: policy.allowed,
    maxGas: bigintOrUndefined(policy.maxGas),
    maxDeposit: bigintOrUndefined(policy.maxDeposit),
    rateLimit: policy.rateLimit,
    allowance: policy.allowance && {
      perSender: bigintOrUndefined(policy.allowance.perSender),
      perReceiver: bigintOrUndefined(policy.allowance.perReceiver),
      periodMs: policy.allowance.periodMs,
    },
    preChecks: policy.preChecks,
    minBlocksLeft: policy.minBlocksLeft,
  },
  store: process.env.RELAYER_REDIS_URL ? await redisStore(process.env.RELAYER_REDIS_URL, { prefix: process.env.RELAYER_REDIS_PREFIX }) : await localStore(process.env.RELAYER_STORE || undefined),
  keys: Number(process.env.RELAYER_KEYS ?? 1),
  instance: process.env.RELAYER_INSTANCE ?? 'main',
});
if (process.env.RELAYER_REDIS_URL && process.env.RELAYER_STORE) {
  console.error('near-relayer: set RELAYER_REDIS_URL or RELAYER_STORE, not both');
  process.exit(2);
}
const server = await startRelayerServer(relayer, { port: Number(process.env.PORT ?? 3040) });
console.log(`near-relayer for ${relayer.accountId} (instance ${process.env.RELAYER_INSTANCE ?? 'main'}, ${process.env.RELAYER_KEYS ?? 1} keys) listening on ${server.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void server.close().then(() => process.exit(0)));

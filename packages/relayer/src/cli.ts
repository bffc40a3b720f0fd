#!/usr/bin/env -S npx tsx
/**
 * near-relayer: serves POST /relay for one relayer account.
 *   RELAYER_ACCOUNT_ID, RELAYER_PRIVATE_KEY (ed25519:…), RPC_URL, RELAYER_POLICY (JSON
 *   {"allowed": {"payout.test.near": ["claim"]}, "maxGas": "100000000000000"}), PORT.
 */
import { createRelayer } from './relayer.js';
import { startRelayerServer } from './server.js';
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
const relayer = createRelayer({
  rpcUrl: process.env.RPC_URL ?? 'http://127.0.0.1:3030',
  accountId: required('RELAYER_ACCOUNT_ID'),
  privateKey: required('RELAYER_PRIVATE_KEY') as KeyPairString,
  policy: {
    allowed: policy.allowed,
    maxGas: policy.maxGas === undefined ? undefined : BigInt(policy.maxGas),
    maxDeposit: policy.maxDeposit === undefined ? undefined : BigInt(policy.maxDeposit),
    rateLimit: policy.rateLimit,
  },
});
const server = await startRelayerServer(relayer, { port: Number(process.env.PORT ?? 3040) });
console.log(`near-relayer for ${relayer.accountId} listening on ${server.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void server.close().then(() => process.exit(0)));

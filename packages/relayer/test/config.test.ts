import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyPair } from 'near-api-js';
import { ConfigError, loadConfig } from '../src/config.js';

const key = KeyPair.fromRandom('ed25519').toString();
const valid = { RELAYER_ACCOUNT_ID: 'relayer.near', RELAYER_PRIVATE_KEY: key, RELAYER_POLICY: '{"allowed": {"payout.near": ["claim"]}, "maxGas": "150000000000000", "allowance": {"perSender": "5"}}' };

test('a valid environment gives the configuration with its defaults', (t) => {
  const config = loadConfig(valid);
  t.like(config, { accountId: 'relayer.near', rpcUrl: 'http://127.0.0.1:3030', port: 3040, keys: 1, instance: 'main', store: { dir: undefined }, pipelineDepth: undefined });
  t.deepEqual(config.corsOrigins, []);
  t.deepEqual(loadConfig({ ...valid, RELAYER_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins, ['https://app.example.com', 'http://localhost:5173']);
  t.is(loadConfig({ ...valid, RELAYER_PIPELINE_DEPTH: '2' }).pipelineDepth, 2);
  t.deepEqual(config.policy.allowed, { 'payout.near': ['claim'] });
  t.is(config.policy.maxGas, 150_000_000_000_000n);
  t.is(config.policy.allowance?.perSender, 5n);
});

test('every problem is named at once, with what to write instead', (t) => {
  const error = t.throws(
    () =>
      loadConfig({
        RELAYER_PRIVATE_KEY: 'not-a-key',
        RELAYER_POLICY: '{"allowed": {"payout.near": "claim"}, "maxGas": "1.5", "rateLimit": {"count": 0}}',
        RELAYER_KEYS: '0',
        RELAYER_REDIS_URL: 'localhost:6379',
        RELAYER_STORE: '/tmp/x',
        RELAYER_CORS_ORIGINS: 'https://app.example.com, app.example.com,https://app.example.com/path',
      }),
    { instanceOf: ConfigError },
  );
  for (const problem of [
    /RELAYER_ACCOUNT_ID is missing: the account that pays/,
    /RELAYER_PRIVATE_KEY is not a key pair string: write "ed25519:<base58 secret key>"/,
    /RELAYER_POLICY\.allowed must map receivers to method lists/,
    /RELAYER_POLICY\.maxGas must be a non-negative integer as a decimal string, got "1\.5"/,
    /RELAYER_POLICY\.rateLimit must be \{"count": <positive integer>/,
    /RELAYER_KEYS must be an integer from 1 to 64, got "0"/,
    /set RELAYER_REDIS_URL \(several instances\) or RELAYER_STORE \(one\), not both/,
    /RELAYER_REDIS_URL must start with redis:\/\//,
    /RELAYER_CORS_ORIGINS must list origins such as https:\/\/app\.example\.com .*got "app\.example\.com"/,
    /RELAYER_CORS_ORIGINS must list origins .*got "https:\/\/app\.example\.com\/path"/,
  ]) {
    t.regex(error!.message, problem);
  }
  t.regex(t.throws(() => loadConfig({ ...valid, RELAYER_POLICY: '{allowed' }))!.message, /RELAYER_POLICY is not JSON \(.*\); write e\.g\. \{"allowed"/);
});

test('a file of the same names (RELAYER_CONFIG) configures it; the environment wins', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relayer-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'relayer.json');
  writeFileSync(file, JSON.stringify({ ...valid, RELAYER_POLICY: JSON.parse(valid.RELAYER_POLICY), RELAYER_KEYS: 8, RELAYER_REDIS_URL: 'redis://10.0.0.5:6379' }));
  const config = loadConfig({ RELAYER_CONFIG: file, RELAYER_INSTANCE: 'eu-1', RELAYER_KEYS: '4' });
  t.like(config, { accountId: 'relayer.near', keys: 4, instance: 'eu-1', store: { redisUrl: 'redis://10.0.0.5:6379' } });
  t.is(config.policy.maxGas, 150_000_000_000_000n);
  t.regex(t.throws(() => loadConfig({ RELAYER_CONFIG: join(dir, 'missing.json') }))!.message, /RELAYER_CONFIG .*missing\.json is not a readable JSON object/);
});

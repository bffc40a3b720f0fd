/**
 * The standalone `near-sandbox` npm package (0.3.x, devDependency pinned at 0.3.4) against our launcher: its
 * `Sandbox.start()` runs the binary NEAR_SANDBOX_BIN_PATH names (`--version`, `--home DIR init --fast`, then it
 * adds the `sandbox` account with its published key to genesis.json's records and total supply, raises
 * config.json's `rpc.limits_config.json_payload_max_size`, and runs `run --rpc-addr 127.0.0.1:P --network-addr
 * 127.0.0.1:Q`), polls `GET /status`, and `stop()` sends SIGTERM and waits for the exit. It downloads neard
 * 2.13.4 (DEFAULT_NEAR_SANDBOX_VERSION), which runs protocol 86.
 */
import test from 'ava';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base58 } from '@scure/base';
import { installLauncher } from '../../src/node/install.js';
import { NEARD_PROTOCOL_VERSIONS } from '../../src/node/genesis-file.js';
import { naj, signWithNaj7 } from '../runtime/helpers.js';

async function rpcCall(url: string, method: string, params: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

test('near-sandbox 0.3.4 Sandbox.start() runs our launcher at neard 2.13.4\'s protocol (86): the `sandbox` account signs a transfer; stop() ends the node', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'near-sandbox-js-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const launcher = join(dir, 'near-sandbox');
  installLauncher(launcher);
  const { Sandbox, DEFAULT_NEAR_SANDBOX_VERSION, DEFAULT_ACCOUNT_ID, DEFAULT_PRIVATE_KEY, DEFAULT_BALANCE } = await import('near-sandbox');
  t.is(DEFAULT_NEAR_SANDBOX_VERSION, '2.13.4');
  process.env.NEAR_SANDBOX_BIN_PATH = launcher;
  // the protocol of the neard the package would download; the package's own readiness wait (10 s by default)
  // is stretched for this shared, loaded machine
  process.env.NEAR_SANDBOX_PROTOCOL_VERSION = DEFAULT_NEAR_SANDBOX_VERSION;
  process.env.NEAR_RPC_TIMEOUT_SECS = '60';
  const sandbox = await Sandbox.start({});
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await sandbox.tearDown();
  });

  const status = await (await fetch(`${sandbox.rpcUrl}/status`)).json();
  t.is(status.protocol_version, NEARD_PROTOCOL_VERSIONS['2.13']);
  t.is(status.protocol_version, 86);
  const genesis = await rpcCall(sandbox.rpcUrl, 'EXPERIMENTAL_genesis_config', {});
  t.is(genesis.epoch_length, 60); // init --fast
  t.is(JSON.parse(readFileSync(join(sandbox.homeDir, 'config.json'), 'utf8')).rpc.limits_config.json_payload_max_size, 1024 ** 3);

  // the account near-sandbox put in genesis, with its balance and key
  const account = await rpcCall(sandbox.rpcUrl, 'query', { request_type: 'view_account', account_id: DEFAULT_ACCOUNT_ID, finality: 'final' });
  t.is(BigInt(account.amount), DEFAULT_BALANCE);
  const kp = naj.KeyPair.fromString(DEFAULT_PRIVATE_KEY as naj.KeyPairString);
  const key = await rpcCall(sandbox.rpcUrl, 'query', {
    request_type: 'view_access_key', account_id: DEFAULT_ACCOUNT_ID, public_key: kp.getPublicKey().toString(), finality: 'final',
  });
  const block = await rpcCall(sandbox.rpcUrl, 'block', { finality: 'final' });
  // a new sub-account of `sandbox` with 1 NEAR: what arrives is exactly what was sent
  const alice = naj.KeyPair.fromRandom('ed25519');
  const tx = signWithNaj7(kp, DEFAULT_ACCOUNT_ID, `alice.${DEFAULT_ACCOUNT_ID}`, BigInt(key.nonce) + 1n, [
    naj.actions.createAccount(),
    naj.actions.transfer(10n ** 24n),
    naj.actions.addFullAccessKey(alice.getPublicKey()),
  ], base58.decode(block.header.hash));
  const outcome = await rpcCall(sandbox.rpcUrl, 'send_tx', { signed_tx_base64: Buffer.from(tx).toString('base64'), wait_until: 'FINAL' });
  t.deepEqual(outcome.status, { SuccessValue: '' });
  const created = await rpcCall(sandbox.rpcUrl, 'query', { request_type: 'view_account', account_id: `alice.${DEFAULT_ACCOUNT_ID}`, finality: 'final' });
  t.is(created.amount, (10n ** 24n).toString());

  // the process the package spawned (a private field in its types): stop() must leave it exited
  const child = (sandbox as unknown as { childProcess: ChildProcess }).childProcess;
  await sandbox.stop();
  stopped = true;
  t.true(child.exitCode === 0 || child.signalCode === 'SIGTERM', `exit ${child.exitCode} ${child.signalCode}`);
  await t.throwsAsync(fetch(`${sandbox.rpcUrl}/status`, { signal: AbortSignal.timeout(2000) }));
  // (tearDown() would stop again and wait for a second exit that never comes)
  rmSync(sandbox.homeDir, { recursive: true, force: true });
});

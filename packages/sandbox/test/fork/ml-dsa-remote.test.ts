/**
 * Fork mode over a remote whose account has an ML-DSA-65 key (NEP-645): nearcore's `view_access_key_list` names
 * it by its handle `ml-dsa-65-hash:<base58>` (core/crypto/src/signature.rs `PublicKeyHandle` Display; the full key
 * is not in state), `view_access_key` takes the full key. The fork lists the handle as the remote does and signs
 * with the full key. The remote is a canned JSON-RPC server in a child process (the fork blocks this thread).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { createSandbox, KeyPair, KeyType, publicKeyHandleToString } from '../../src/index.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { runtimeConfigView } from '../../src/rpc/views.js';

const HASH = '9McNK3hvDD8hKeStDoMCdkLfugbJ9KS6UU85JztS8AsD';
const ACCOUNT = 'pq.near';

async function remoteWithPostQuantumKey(ed: KeyPair, pq: KeyPair): Promise<{ url: string; stop(): void }> {
  const header = { height: 1000, hash: HASH, prev_hash: HASH, timestamp_nanosec: '1735689600000000000', gas_price: '100000000', total_supply: '1000', epoch_id: HASH, random_value: HASH };
  const at = { block_height: 1000, block_hash: HASH };
  const handle = publicKeyHandleToString(pq.publicKey);
  const answers = {
    block: { header },
    EXPERIMENTAL_protocol_config: { protocol_version: 86, chain_id: 'canned', runtime_config: runtimeConfigView(runtimeConfig(86)) },
    view_account: { amount: (10n ** 25n).toString(), locked: '0', code_hash: '11111111111111111111111111111111', storage_usage: 264, storage_paid_at: 0, ...at },
    view_access_key_list: { keys: [
      { public_key: ed.publicKeyString, access_key: { nonce: 3, permission: 'FullAccess' } },
      { public_key: handle, access_key: { nonce: 5, permission: 'FullAccess' } },
    ], ...at },
    keys: { [ed.publicKeyString]: { nonce: 3, permission: 'FullAccess', ...at }, [pq.publicKeyString]: { nonce: 5, permission: 'FullAccess', ...at } },
  };
  const code = `
    const answers = ${JSON.stringify(answers)};
    const unknown = { name: 'HANDLER_ERROR', cause: { name: 'UNKNOWN_ACCOUNT', info: {} }, code: -32000, message: 'Server error' };
    require('node:http').createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { id, method, params } = JSON.parse(body);
        let result = answers[method];
        if (method === 'query') {
          result = params.account_id !== ${JSON.stringify(ACCOUNT)} ? undefined
            : params.request_type === 'view_access_key' ? answers.keys[params.public_key]
            : answers[params.request_type];
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(result !== undefined ? { jsonrpc: '2.0', id, result } : { jsonrpc: '2.0', id, error: unknown }));
      });
    }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (c) => resolve(String(c).trim())));
  return { url: `http://127.0.0.1:${port}`, stop: () => void child.kill() };
}

test('a forked account with an ML-DSA-65 key: listed by its handle as the remote lists it, used by its full key', async (t) => {
  const ed = KeyPair.fromLabel('pq.near ed25519');
  const pq = KeyPair.random(KeyType.MLDSA65);
  const remote = await remoteWithPostQuantumKey(ed, pq);
  t.teardown(() => remote.stop());
  const node = createSandbox({ fork: { rpcUrl: remote.url, cacheDir: false } });
  t.teardown(() => node.fork?.close());
  const handle = publicKeyHandleToString(pq.publicKey);
  t.regex(handle, /^ml-dsa-65-hash:/);
  t.deepEqual(node.viewAccessKeys(ACCOUNT).map((k) => [k.public_key, k.access_key.nonce]), [[ed.publicKeyString, 3], [handle, 5]]);
  t.is(node.viewAccessKey(ACCOUNT, pq.publicKey).nonce, 5);

  const r = node.sendTransaction(node.signTransaction(ACCOUNT, ACCOUNT, [{ type: 'Transfer', deposit: 1n }], { keyPair: pq }));
  t.true(r.succeeded, JSON.stringify(r.failure));
  // the local write (full key) and the remote entry (handle) are one key: listed once, nonce 6
  t.deepEqual(node.viewAccessKeys(ACCOUNT).map((k) => [k.public_key, k.access_key.nonce]), [[ed.publicKeyString, 3], [handle, 6]]);
});

/**
 * `npm run deploy` and `npm run dev-deploy` as a user runs them: subprocesses (the real CLI path) against
 * the local node given as a plain `--rpc-url`, the code path testnet and mainnet take, with keys in a
 * temporary HOME laid out as near-cli and near-cli-rs keep them. Every assertion reads the chain over
 * JSON-RPC: code_hash is base58(sha256(wasm)) (nearcore core/primitives CryptoHash::hash_bytes of the
 * code), state after init and migrate through view calls, and nothing-sent checks compare the signer's
 * access-key nonce before and after. The node: near-workspaces' Worker.init (public API only).
 */
import test from 'ava';
import { Worker, type NearAccount } from 'near-workspaces';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base58 } from '@scure/base';
import { contractWasm, testContractWasm } from './helpers/wasm.js';
import { events } from './helpers/accounts.js';
import { connectNetwork } from '../scripts/lib/networks.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const NEAR = 10n ** 24n;
const NO_CODE = '11111111111111111111111111111111';

let worker: Worker;
let rpcUrl: string;
let root: NearAccount;
/** Temporary HOME for the subprocesses: holds .near-credentials, never the developer's own. */
let home: string;
/** Copies of the Wasm, so a concurrent `npm run build` cannot change the bytes between deploy and assertion. */
let wasm: { stablecoin: string; v2: string; double: string };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(script: 'deploy' | 'dev-deploy', args: string[], env: Record<string, string> = {}, homeDir = home): Promise<Run> {
  return new Promise((resolve, reject) => {
    const { NEAR_ACCOUNT_ID: _a, NEAR_PRIVATE_KEY: _k, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'scripts', `${script}.ts`), ...args], {
      cwd: REPO,
      env: { ...inherited, HOME: homeDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'deploy-test', method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: unknown };
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result as T;
}

function codeHash(path: string): string {
  return base58.encode(createHash('sha256').update(readFileSync(path)).digest());
}

async function chainCodeHash(accountId: string): Promise<string> {
  return (await rpc<{ code_hash: string }>('query', { request_type: 'view_account', finality: 'final', account_id: accountId })).code_hash;
}

async function view<T>(accountId: string, method: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await rpc<{ result: number[] }>('query', {
    request_type: 'call_function',
    finality: 'final',
    account_id: accountId,
    method_name: method,
    args_base64: Buffer.from(JSON.stringify(args)).toString('base64'),
  });
  return JSON.parse(Buffer.from(result.result).toString()) as T;
}

/** What a transaction would change: the signer key's nonce, the code and the balance. */
async function footprint(account: NearAccount): Promise<string> {
  const key = (await account.getKey())!.getPublicKey().toString();
  const accessKey = await rpc<{ nonce: number }>('query', { request_type: 'view_access_key', finality: 'final', account_id: account.accountId, public_key: key });
  const state = await rpc<{ code_hash: string; amount: string }>('query', { request_type: 'view_account', finality: 'final', account_id: account.accountId });
  return JSON.stringify({ nonce: accessKey.nonce, code: state.code_hash, amount: state.amount });
}

type KeyLayout = 'near-cli' | 'near-cli-rs';

/** near-cli: <network>/<account>.json; near-cli-rs: <network>/<account>/<ed25519_…>.json (src/common.rs). */
async function writeKey(account: NearAccount, layout: KeyLayout, homeDir = home): Promise<void> {
  const key = (await account.getKey())!;
  const publicKey = key.getPublicKey().toString();
  const content = JSON.stringify({ account_id: account.accountId, public_key: publicKey, private_key: key.toString() });
  const dir = join(homeDir, '.near-credentials', 'local');
  if (layout === 'near-cli') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${account.accountId}.json`), content);
  } else {
    mkdirSync(join(dir, account.accountId), { recursive: true });
    writeFileSync(join(dir, account.accountId, `${publicKey.replace(':', '_')}.json`), content);
  }
}

async function newAccount(name: string, layout: KeyLayout | 'none' = 'near-cli'): Promise<NearAccount> {
  const account = await root.createSubAccount(name, { initialBalance: 20n * NEAR });
  if (layout !== 'none') await writeKey(account, layout);
  return account;
}

function report(result: Run): Record<string, unknown> {
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

test.before(async () => {
  worker = await Worker.init();
  root = worker.rootAccount;
  rpcUrl = (worker.provider as unknown as { connection: { url: string } }).connection.url;
  home = mkdtempSync(join(tmpdir(), 'deploy-test-home-'));
  const wasmDir = join(home, 'wasm');
  mkdirSync(wasmDir);
  wasm = { stablecoin: join(wasmDir, 'stablecoin.wasm'), v2: join(wasmDir, 'stablecoin-v2.wasm'), double: join(wasmDir, 'mpc-signer-double.wasm') };
  copyFileSync(contractWasm('stablecoin'), wasm.stablecoin);
  copyFileSync(testContractWasm('stablecoin-v2'), wasm.v2);
  copyFileSync(contractWasm('mpc-signer-double'), wasm.double);
  await writeKey(root, 'near-cli');
});

test.after.always(async () => {
  await worker?.tearDown();
  if (home) rmSync(home, { recursive: true, force: true });
});

test.serial('deploy --init: the code on chain is the Wasm (code_hash = sha256) and init ran in the same transaction', async (t) => {
  const token = await newAccount('token');
  const result = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', token.accountId, '--wasm', wasm.stablecoin, '--init', '--json']);
  t.is(result.code, 0, result.stderr);
  t.is(await chainCodeHash(token.accountId), codeHash(wasm.stablecoin));
  // init args from scripts/deploy.config.json: owner ${account}, USDX metadata
  t.is(await view(token.accountId, 'owner'), token.accountId);
  t.like(await view(token.accountId, 'ft_metadata'), { symbol: 'USDX', name: 'Example USD', decimals: 6 });
  t.is(await view(token.accountId, 'state_version'), 1);
  const out = report(result);
  t.like(out, { network: 'local', accountId: token.accountId, codeHash: codeHash(wasm.stablecoin), previousCodeHash: NO_CODE, dryRun: false });
  t.regex(String(out.transactionHash), /^[1-9A-HJ-NP-Za-km-z]{43,44}$/);
  t.regex(result.stderr, /local node: no explorer/);
});

test.serial('deploy --migrate: stablecoin-v2 replaces the code, migrate runs in the same transaction, state is kept', async (t) => {
  const token = await newAccount('upgradable', 'near-cli-rs');
  const first = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', token.accountId, '--wasm', wasm.stablecoin, '--init']);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /signer .* from .*\/upgradable\.test\.near\/ed25519_\w+\.json/, 'near-cli-rs per-key file used');
  // state written between the versions must survive the upgrade
  await root.call(token, 'storage_deposit', { account_id: root.accountId }, { attachedDeposit: NEAR / 10n });
  const registered = await view<{ total: string }>(token.accountId, 'storage_balance_of', { account_id: root.accountId });

  const upgrade = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', token.accountId, '--wasm', wasm.v2, '--migrate', '--json']);
  t.is(upgrade.code, 0, upgrade.stderr);
  t.is(await chainCodeHash(token.accountId), codeHash(wasm.v2));
  t.not(codeHash(wasm.v2), codeHash(wasm.stablecoin));
  t.is(await view(token.accountId, 'stablecoin_v2_marker'), 'v2');
  t.is(await view(token.accountId, 'owner'), token.accountId);
  t.deepEqual(await view(token.accountId, 'storage_balance_of', { account_id: root.accountId }), registered);
  const tx = await rpc<{ receipts_outcome: { outcome: { logs: string[] } }[] }>('tx', { tx_hash: report(upgrade).transactionHash, sender_account_id: token.accountId, wait_until: 'FINAL' });
  const migrated = events(tx.receipts_outcome.flatMap((r) => r.outcome.logs)).filter((e) => e.event === 'migrated');
  t.deepEqual(migrated.map((e) => e.data), [[{ from_version: 1, to_version: 1 }]]);
});

test.serial('a failing call reverts its deploy: --migrate on empty state and --init on initialized state change nothing', async (t) => {
  const fresh = await newAccount('fresh');
  const before = await footprint(fresh);
  const failedMigrate = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', fresh.accountId, '--wasm', wasm.stablecoin, '--migrate']);
  t.is(failedMigrate.code, 1);
  t.regex(failedMigrate.stderr, /failed: Smart contract panicked: Stablecoin: nothing to migrate/);
  t.regex(failedMigrate.stderr, /nothing changed: the deploy and migrate are one transaction/);
  t.is(await chainCodeHash(fresh.accountId), NO_CODE, 'the code of the failed transaction is not there');
  t.not(await footprint(fresh), before, 'the failed transaction was sent and paid for (nonce moved)');

  const ok = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', fresh.accountId, '--wasm', wasm.stablecoin, '--init']);
  t.is(ok.code, 0, ok.stderr);
  const again = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', fresh.accountId, '--wasm', wasm.v2, '--init']);
  t.is(again.code, 1);
  t.regex(again.stderr, /Contract already initialized/);
  t.is(await chainCodeHash(fresh.accountId), codeHash(wasm.stablecoin), 'v2 was not left behind by the failed init');
});

test.serial('--dry-run checks everything and sends nothing', async (t) => {
  const token = await newAccount('dryrun');
  const before = await footprint(token);
  const result = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', token.accountId, '--init', '--dry-run', '--json']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /dry run: nothing sent/);
  t.regex(result.stderr, /wasm {5}build\/stablecoin\.wasm/, 'default Wasm: build/<contract>.wasm');
  t.regex(result.stderr, /call {5}init\(\{"owner_id":"dryrun\.test\.near"/);
  const out = report(result);
  t.like(out, { dryRun: true, accountId: token.accountId, previousCodeHash: NO_CODE });
  t.is(out.transactionHash, undefined);
  t.is(await footprint(token), before);
});

test.serial('keys from NEAR_ACCOUNT_ID + NEAR_PRIVATE_KEY with an empty credentials folder', async (t) => {
  const ci = await newAccount('ci', 'none');
  const emptyHome = mkdtempSync(join(tmpdir(), 'deploy-test-empty-'));
  t.teardown(() => rmSync(emptyHome, { recursive: true, force: true }));
  const key = (await ci.getKey())!.toString();
  const result = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--wasm', wasm.stablecoin], { NEAR_ACCOUNT_ID: ci.accountId, NEAR_PRIVATE_KEY: key }, emptyHome);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /from NEAR_PRIVATE_KEY/);
  t.is(await chainCodeHash(ci.accountId), codeHash(wasm.stablecoin));
  // a key without the account it belongs to is refused rather than guessed
  const noId = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', ci.accountId, '--wasm', wasm.stablecoin], { NEAR_PRIVATE_KEY: key }, emptyHome);
  t.is(noId.code, 1);
  t.regex(noId.stderr, /NEAR_PRIVATE_KEY is set without NEAR_ACCOUNT_ID/);
});

test.serial('missing credentials: refused with the paths looked at and how to add a key; nothing sent', async (t) => {
  const keyless = await newAccount('keyless', 'none');
  const before = await footprint(keyless);
  const result = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', keyless.accountId, '--wasm', wasm.stablecoin]);
  t.is(result.code, 1);
  t.true(result.stderr.includes(`no key for keyless.test.near on local`), result.stderr);
  t.true(result.stderr.includes(join(home, '.near-credentials', 'local', 'keyless.test.near.json')));
  t.regex(result.stderr, /near account import-account using-private-key/);
  t.regex(result.stderr, /NEAR_ACCOUNT_ID=keyless\.test\.near NEAR_PRIVATE_KEY=/);
  t.is(await footprint(keyless), before);
});

test.serial('refused before sending: an account that does not exist, a key the account does not have, too little NEAR for the code', async (t) => {
  const poor = await root.createSubAccount('poor', { initialBalance: 1n * NEAR });
  await writeKey(poor, 'near-cli');
  const before = await footprint(poor);
  const short = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', poor.accountId, '--wasm', wasm.stablecoin]);
  t.is(short.code, 1);
  // nearcore storage_amount_per_byte: 10^19 yoctoNEAR per byte of code
  t.regex(short.stderr, /poor\.test\.near has 1\.0000 NEAR; storing \d+ bytes of code needs at least \d+\.\d{4} NEAR: transfer \d+\.\d{4} NEAR or more to it first/);
  t.is(await footprint(poor), before);

  // the poor account's key, filed under two other names
  const dir = join(home, '.near-credentials', 'local');
  const poorKey = JSON.parse(readFileSync(join(dir, `${poor.accountId}.json`), 'utf8')) as Record<string, string>;
  const other = await newAccount('other', 'none');
  const otherBefore = await footprint(other);
  for (const id of ['ghost.test.near', other.accountId]) writeFileSync(join(dir, `${id}.json`), JSON.stringify({ ...poorKey, account_id: id }));
  const ghost = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', 'ghost.test.near', '--wasm', wasm.stablecoin]);
  t.is(ghost.code, 1);
  t.regex(ghost.stderr, /account ghost\.test\.near does not exist on local: create it first/);
  const wrongKey = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', other.accountId, '--wasm', wasm.stablecoin]);
  t.is(wrongKey.code, 1);
  t.true(wrongKey.stderr.includes(`${poorKey.public_key} (from ${join(dir, 'other.test.near.json')}) is not an access key of other.test.near on local`), wrongKey.stderr);
  t.is(await footprint(other), otherBefore);
});

test.serial('bad config or arguments: each refused with the file and field named; nothing sent', async (t) => {
  const target = await newAccount('badconfig');
  const before = await footprint(target);
  const configs: [string, string, RegExp][] = [
    ['not-json.json', '{ "contracts": { "stablecoin": ', /not-json\.json: not valid JSON/],
    ['typo.json', JSON.stringify({ contracts: { stablecoin: { init: { method: 'init', arg: {} } } } }), /contracts\.stablecoin\.init: unknown key "arg" \(allowed: method, args, gas, deposit\)/],
    ['args-array.json', JSON.stringify({ contracts: { stablecoin: { init: { method: 'init', args: ['x'] } } } }), /contracts\.stablecoin\.init\.args must be a JSON object/],
    ['gas.json', JSON.stringify({ contracts: { stablecoin: { init: { method: 'init', args: {}, gas: '301000000000000' } } } }), /contracts\.stablecoin\.init\.gas must be between 1 and 300000000000000/],
    ['env.json', JSON.stringify({ contracts: { stablecoin: { init: { method: 'init', args: { owner_id: '${env:DEPLOY_TEST_UNSET}' } } } } }), /\$\{env:DEPLOY_TEST_UNSET\} is not set; export DEPLOY_TEST_UNSET=/],
    ['no-init.json', JSON.stringify({ contracts: { stablecoin: { migrate: { args: {} } } } }), /--init: .*no-init\.json has no contracts\.stablecoin\.init; add one/],
  ];
  for (const [name, text, expected] of configs) {
    const file = join(home, name);
    writeFileSync(file, text);
    const result = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', target.accountId, '--wasm', wasm.stablecoin, '--config', file, '--init']);
    t.is(result.code, 1, name);
    t.regex(result.stderr, expected, name);
  }
  const notWasm = join(home, 'not.wasm');
  writeFileSync(notWasm, 'not wasm at all');
  const badWasm = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', target.accountId, '--wasm', notWasm]);
  t.is(badWasm.code, 1);
  t.regex(badWasm.stderr, /not\.wasm is not a Wasm module/);
  const both = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--account', target.accountId, '--init', '--migrate']);
  t.is(both.code, 2, 'usage error');
  t.regex(both.stderr, /--init and --migrate exclude each other/);
  const unknownFlag = await run('deploy', ['stablecoin', '--rpc-url', rpcUrl, '--acount', target.accountId]);
  t.is(unknownFlag.code, 2);
  t.regex(unknownFlag.stderr, /Unknown option '--acount'[\s\S]*usage: npm run deploy/);
  t.is(await footprint(target), before);
});

test.serial('a network name that does not match the node is refused: --network testnet --rpc-url <local node>', async (t) => {
  const target = await newAccount('mismatch');
  const before = await footprint(target);
  const result = await run('deploy', ['stablecoin', '--network', 'testnet', '--rpc-url', rpcUrl, '--account', target.accountId, '--wasm', wasm.stablecoin]);
  t.is(result.code, 1);
  t.regex(result.stderr, /serves chain "[^"]+", not testnet: fix --rpc-url or --network/);
  t.is(await footprint(target), before);
});

/** A stand-in for a public network's RPC (out of reach here): answers `status` with the chain id, records every method. */
async function fakePublicRpc(t: { teardown: (fn: () => void) => void }, chainId = 'mainnet'): Promise<{ url: string; methods: string[] }> {
  const methods: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const request = JSON.parse(body) as { id: unknown; method: string };
      methods.push(request.method);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(request.method === 'status'
        ? { jsonrpc: '2.0', id: request.id, result: { chain_id: chainId, sync_info: {}, version: {} } }
        : { jsonrpc: '2.0', id: request.id, error: { code: -32601, message: 'not served by this stand-in' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, methods };
}

test.serial('the MPC signer double: deployed to the local node, refused on mainnet by name, on mainnet and other public chains by chain id', async (t) => {
  const double = await newAccount('signer-double');
  const ok = await run('deploy', ['mpc-signer-double', '--rpc-url', rpcUrl, '--account', double.accountId, '--wasm', wasm.double]);
  t.is(ok.code, 0, ok.stderr);
  t.is(await chainCodeHash(double.accountId), codeHash(wasm.double));

  const mainnet = await fakePublicRpc(t);
  const byName = await run('deploy', ['mpc-signer-double', '--network', 'mainnet', '--rpc-url', mainnet.url, '--account', 'signer.near', '--wasm', wasm.double]);
  t.is(byName.code, 1);
  t.regex(byName.stderr, /mpc-signer-double is a test double of the MPC signer and is deployed only to the local node or testnet, never to chain mainnet/);
  t.deepEqual(mainnet.methods, [], 'refused before any request');
  const byChain = await run('deploy', ['mpc-signer-double', '--rpc-url', mainnet.url, '--account', 'signer.near', '--wasm', wasm.double]);
  t.is(byChain.code, 1);
  t.regex(byChain.stderr, /never to chain mainnet/);
  t.deepEqual(mainnet.methods, ['status'], 'only the chain id was asked');
  // any other public chain is refused too: only testnet and development chains (nearcore's test-chain-XXXXX) take it
  const otherChain = await fakePublicRpc(t, 'statelessnet');
  const byOtherChain = await run('deploy', ['mpc-signer-double', '--rpc-url', otherChain.url, '--account', 'signer.test.near', '--wasm', wasm.double]);
  t.is(byOtherChain.code, 1);
  t.regex(byOtherChain.stderr, /never to chain statelessnet/);
  t.deepEqual(otherChain.methods, ['status']);
  // under another contract name, the Wasm file name still gives the double away
  const renamed = await run('deploy', ['stablecoin', '--network', 'mainnet', '--account', 'signer.near', '--wasm', wasm.double]);
  t.is(renamed.code, 1);
  t.regex(renamed.stderr, /never to chain mainnet/);
  const devOnMainnet = await run('dev-deploy', ['stablecoin', '--network', 'mainnet', '--wasm', wasm.stablecoin]);
  t.is(devOnMainnet.code, 1);
  t.regex(devOnMainnet.stderr, /mainnet has no dev accounts/);
});

test.serial('a bare --rpc-url takes its network (credentials folder, explorer, faucet) from the chain id the node reports', async (t) => {
  const local = await connectNetwork({ rpcUrl });
  t.like(local, { name: 'local', credentialsNetwork: 'local', rpcUrl, explorerTransactionUrl: undefined, faucetUrl: undefined, isLocalChain: true });
  t.regex(local.chainId, /^test-chain-/);
  const testnetNode = await fakePublicRpc(t, 'testnet');
  const testnet = await connectNetwork({ rpcUrl: testnetNode.url });
  t.like(testnet, { name: 'testnet', credentialsNetwork: 'testnet', rpcUrl: testnetNode.url, faucetUrl: 'https://helper.nearprotocol.com/account' });
  t.is(testnet.explorerTransactionUrl?.('AbC'), 'https://testnet.nearblocks.io/txns/AbC');
  const mainnetNode = await fakePublicRpc(t, 'mainnet');
  const mainnet = await connectNetwork({ rpcUrl: mainnetNode.url });
  t.is(mainnet.explorerTransactionUrl?.('AbC'), 'https://nearblocks.io/txns/AbC');
  t.is(mainnet.faucetUrl, undefined);
  await t.throwsAsync(connectNetwork({ network: 'mainnet', rpcUrl: testnetNode.url }), { message: /serves chain "testnet", not mainnet/ });
  await t.throwsAsync(connectNetwork({ network: 'devnet' }), { message: /unknown network "devnet": use --network local\|testnet\|mainnet/ });
  await t.throwsAsync(connectNetwork({ rpcUrl: 'http://127.0.0.1:9' }), { message: /no NEAR node answers at http:\/\/127\.0\.0\.1:9/ });
});

test.serial('dev-deploy: creates dev-<ms>.test.near from the master, saves its key, writes neardev files as near-cli did; reuses it; --force makes a new one', async (t) => {
  const records = join(home, 'neardev');
  const first = await run('dev-deploy', ['stablecoin', '--rpc-url', rpcUrl, '--master', root.accountId, '--wasm', wasm.stablecoin, '--records', records, '--init', '--json']);
  t.is(first.code, 0, first.stderr);
  const out = report(first);
  const devAccount = String(out.devAccountId);
  t.regex(devAccount, /^dev-\d{13}\.test\.near$/);
  t.true(out.created as boolean);
  // near-cli commands/dev-deploy.js: the id, and CONTRACT_NAME=<id>, both without a trailing newline
  t.is(readFileSync(join(records, 'dev-account'), 'utf8'), devAccount);
  t.is(readFileSync(join(records, 'dev-account.env'), 'utf8'), `CONTRACT_NAME=${devAccount}`);
  t.is(await chainCodeHash(devAccount), codeHash(wasm.stablecoin));
  t.is(await view(devAccount, 'owner'), devAccount);

  const keyFile = join(home, '.near-credentials', 'local', `${devAccount}.json`);
  const saved = JSON.parse(readFileSync(keyFile, 'utf8')) as { account_id: string; public_key: string; private_key: string };
  t.is(saved.account_id, devAccount);
  t.deepEqual(readdirSync(join(home, '.near-credentials', 'local', devAccount)), [`${saved.public_key.replace(':', '_')}.json`]);
  const onChain = await rpc<{ permission: unknown }>('query', { request_type: 'view_access_key', finality: 'final', account_id: devAccount, public_key: saved.public_key });
  t.is(onChain.permission, 'FullAccess');
  const balance = BigInt((await rpc<{ amount: string }>('query', { request_type: 'view_account', finality: 'final', account_id: devAccount })).amount);
  // default funding: the code's storage (10^19 yoctoNEAR per byte) + 2 NEAR, less the deploy's fees
  const funded = BigInt(readFileSync(wasm.stablecoin).length) * 10n ** 19n + 2n * NEAR;
  t.true(balance <= funded && balance > funded - NEAR / 10n, `balance ${balance}, funded ${funded}`);

  const second = await run('dev-deploy', ['stablecoin', '--rpc-url', rpcUrl, '--master', root.accountId, '--wasm', wasm.v2, '--records', records, '--json']);
  t.is(second.code, 0, second.stderr);
  t.like(report(second), { devAccountId: devAccount, created: false });
  t.is(await chainCodeHash(devAccount), codeHash(wasm.v2));

  const forced = await run('dev-deploy', ['stablecoin', '--rpc-url', rpcUrl, '--wasm', wasm.stablecoin, '--records', records, '--force', '--json']);
  t.is(forced.code, 0, forced.stderr);
  const newId = String(report(forced).devAccountId);
  t.not(newId, devAccount);
  t.regex(newId, /^dev-\d{13}\.test\.near$/, 'the local node\'s master defaults to test.near');
  t.is(readFileSync(join(records, 'dev-account'), 'utf8'), newId);
  t.is(await chainCodeHash(newId), codeHash(wasm.stablecoin));
  t.true(existsSync(join(home, '.near-credentials', 'local', `${newId}.json`)));
});

test.serial('dev-deploy: a master without a key is refused before anything is created', async (t) => {
  const records = join(home, 'neardev-nokey');
  const before = await footprint(root);
  const result = await run('dev-deploy', ['stablecoin', '--rpc-url', rpcUrl, '--master', 'nobody.test.near', '--wasm', wasm.stablecoin, '--records', records]);
  t.is(result.code, 1);
  t.regex(result.stderr, /no key for nobody\.test\.near on local/);
  t.false(existsSync(records));
  t.is(await footprint(root), before);
});

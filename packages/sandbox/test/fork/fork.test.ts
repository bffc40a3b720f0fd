/**
 * Fork mode (src/fork) against a remote that is a second instance of our own node serving JSON-RPC with state
 * of its own (test/fork/remote-node.ts: a token with holders and thousands of storage entries, a probe contract,
 * an account with a function-call key), behind a proxy that records every request, so reads can be counted.
 * Serial: each test counts the requests its own reads made.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { probeWasm } from '../../../../sandbox-tests/probe-contract.js';
import { createSandbox, ForkError, NEAR, TGAS, UnknownAccountError, type ForkOptions, type Sandbox } from '../../src/index.js';
import { hashToString } from '../../src/primitives/hash.js';
import { startRemote, type Remote } from './remote.js';

let remote: Remote;
test.before(async () => {
  remote = await startRemote();
});
const caches: string[] = [];
test.after.always(async () => {
  await remote?.stop();
  for (const dir of caches) rmSync(dir, { recursive: true, force: true });
});

const freshCache = () => {
  const dir = mkdtempSync(join(tmpdir(), 'fork-cache-'));
  caches.push(dir);
  return dir;
};

function fork(r: Remote, options: Partial<ForkOptions> = {}): Sandbox {
  return createSandbox({ fork: { rpcUrl: r.url, blockId: r.height, cacheDir: freshCache(), retryDelayMs: 20, ...options } });
}

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('latin1');
const viewStates = (requests: Array<{ method: string; params: any }>) =>
  requests.filter((r) => r.method === 'query' && r.params?.request_type === 'view_state').map((r) => ({ account: r.params.account_id as string, prefix: decode(r.params.prefix_base64) }));

/** The remote's own answer for a query at the forked block (straight to the node, not counted). */
async function remoteQuery(params: Record<string, unknown>): Promise<any> {
  const answer = await remote.rpc('query', { ...params, block_id: remote.height });
  if (answer.error) throw new Error(JSON.stringify(answer.error));
  return answer.result;
}
const remoteBalance = async (holder: string) =>
  JSON.parse(Buffer.from((await remoteQuery({ request_type: 'call_function', account_id: remote.token, method_name: 'ft_balance_of', args_base64: Buffer.from(JSON.stringify({ account_id: holder })).toString('base64') })).result).toString());

test.serial('the fork continues from the remote block under its chain id and serves remote accounts, code and access keys', async (t) => {
  const node = fork(remote);
  t.teardown(() => node.fork?.close());
  t.is(node.head.height, BigInt(remote.height));
  t.is(hashToString(node.head.hash), remote.hash);
  t.is(node.chain.options.chainId, remote.chainId);
  t.is(node.fork?.point.height, String(remote.height));

  const account = await remoteQuery({ request_type: 'view_account', account_id: remote.token });
  const view = node.viewAccount(remote.token);
  t.deepEqual([view.amount, view.locked, view.code_hash, view.storage_usage], [account.amount, account.locked, account.code_hash, account.storage_usage]);
  t.is(hashToString(sha256(node.viewCode(remote.token))), account.code_hash);

  const keys = await remoteQuery({ request_type: 'view_access_key_list', account_id: remote.alice });
  t.deepEqual(node.viewAccessKeys(remote.alice), keys.keys);
  const functionKey = node.viewAccessKey(remote.alice, remote.aliceFunctionKey);
  t.deepEqual(functionKey.permission, { FunctionCall: { allowance: (10n ** 23n).toString(), receiver_id: remote.token, method_names: ['ft_transfer'] } });

  t.is(node.view(remote.token, 'ft_balance_of', { account_id: remote.holders[3] }), '4000');
  t.throws(() => node.viewAccount('nobody-here.test.near'), { instanceOf: UnknownAccountError });

  // a block after the fork point continues the remote's chain: next height, later time, the remote's gas price
  const parent = node.head;
  node.produceBlocks(1);
  t.is(node.head.height, parent.height + 1n);
  t.deepEqual(node.head.prevHash, parent.hash);
  t.true(node.head.timestamp > parent.timestamp);
  t.is(node.head.gasPrice, parent.gasPrice);
});

test.serial('without a block the fork pins the final block of the remote', async (t) => {
  const node = fork(remote, { blockId: undefined });
  t.teardown(() => node.fork?.close());
  t.is(node.head.height, BigInt(remote.height - 2)); // one validator: final = head - 2
  t.is(node.view(remote.token, 'ft_balance_of', { account_id: remote.holders[2] }), '3000');
});

test.serial('a local transaction calls a forked contract, which calls a local contract and back', async (t) => {
  const node = fork(remote);
  t.teardown(() => node.fork?.close());
  node.createAccount('caller.test.near', { balance: 10n * NEAR });
  node.createAccount('echo.test.near', { balance: 10n * NEAR });
  node.deployContract('echo.test.near', await probeWasm());
  // probe.test.near exists only on the remote: its code and state are read from there
  const result = node.call('caller.test.near', remote.probe, 'call_other', 'echo.test.near', { gas: 150n * TGAS });
  t.true(result.succeeded, JSON.stringify(result.failure));
  t.is(new TextDecoder().decode(result.bytes()), 'got:ping');
  const executors = result.receipts.map((o) => o.outcome.executor_id).filter((id) => id === remote.probe || id === 'echo.test.near');
  t.deepEqual(executors, [remote.probe, 'echo.test.near', remote.probe]);
  // the forked contract's own storage is the remote's, and the remote never saw the call
  t.is(new TextDecoder().decode(node.viewFunction(remote.probe, 'get').result), 'remote value');
  const methods = new Set((await remote.requests()).map((r) => r.method));
  t.deepEqual([...methods].sort(), ['EXPERIMENTAL_protocol_config', 'block', 'query']);
});

test.serial('one storage read makes one remote request for that key only; a second run reads the disk cache and makes none', async (t) => {
  const cacheDir = freshCache();
  const first = fork(remote, { cacheDir });
  t.is(first.view(remote.token, 'ft_balance_of', { account_id: remote.holders[0] }), '1000'); // account, code, contract state
  let before = (await remote.requests()).length;
  t.is(first.view(remote.token, 'ft_balance_of', { account_id: remote.holders[5] }), '6000');
  let made = (await remote.requests()).slice(before);
  t.is(made.length, 1, JSON.stringify(made));
  const [read] = viewStates(made);
  t.is(read!.account, remote.token);
  t.true(read!.prefix.includes(remote.holders[5]!), read!.prefix);

  // "STATE" is a prefix of three longer keys on the remote probe: the exact key is picked
  before = (await remote.requests()).length;
  t.is(new TextDecoder().decode(first.viewFunction(remote.probe, 'get').result), 'remote value');
  const probeReads = viewStates((await remote.requests()).slice(before)).filter((r) => r.account === remote.probe);
  t.deepEqual(probeReads, [{ account: remote.probe, prefix: 'STATE' }]);

  // an absent key is cached as absent
  before = (await remote.requests()).length;
  t.is(first.view(remote.token, 'ft_balance_of', { account_id: 'nobody.test.near' }), '0');
  t.is((await remote.requests()).length - before, 1);
  t.is(first.view(remote.token, 'ft_balance_of', { account_id: 'nobody.test.near' }), '0');
  t.is((await remote.requests()).length - before, 1);
  // the token's thousands of other entries were never listed
  t.false(viewStates(await remote.requests()).some((r) => r.prefix === '' || r.prefix === 'k/'));
  first.fork?.close();

  before = (await remote.requests()).length;
  const second = fork(remote, { cacheDir });
  t.teardown(() => second.fork?.close());
  t.is(second.view(remote.token, 'ft_balance_of', { account_id: remote.holders[0] }), '1000');
  t.is(second.view(remote.token, 'ft_balance_of', { account_id: remote.holders[5] }), '6000');
  t.is(second.view(remote.token, 'ft_balance_of', { account_id: 'nobody.test.near' }), '0');
  t.is(new TextDecoder().decode(second.viewFunction(remote.probe, 'get').result), 'remote value');
  made = (await remote.requests()).slice(before);
  t.deepEqual(made, []);
  t.is(second.fork?.requests, 0);
  t.true((second.fork?.reads.cached ?? 0) > 0);
});

test.serial('writes stay local and the remote state is unchanged; deletions hide the remote copy; snapshots restore', async (t) => {
  const node = fork(remote);
  t.teardown(() => node.fork?.close());
  const [from, to] = [remote.holders[1]!, remote.holders[2]!];
  const snapshot = node.snapshot();

  // act as the remote's token owner (a key patched on locally, as anvil's impersonation)
  node.impersonate(remote.owner);
  const moved = node.call(remote.owner, remote.token, 'ft_transfer', { receiver_id: to, amount: '5' }, { deposit: 1n, gas: 100n * TGAS });
  t.true(moved.succeeded, JSON.stringify(moved.failure));
  t.is(node.view(remote.token, 'ft_balance_of', { account_id: to }), '3005');
  t.is(await remoteBalance(to), '3000');

  node.createAccount('writer.test.near', { balance: 10n * NEAR });
  t.true(node.call('writer.test.near', remote.probe, 'set', 'local value').succeeded);
  t.is(new TextDecoder().decode(node.viewFunction(remote.probe, 'get').result), 'local value');
  t.deepEqual(node.viewState(remote.probe, 'STATE').map((e) => Buffer.from(e.key).toString()), ['STATE', 'STATE-extra-0', 'STATE-extra-1', 'STATE-extra-2']);

  // deleting the remote's function-call key hides it here only
  node.impersonate(remote.alice);
  const deleted = node.signAndSendTransaction(remote.alice, remote.alice, [{ type: 'DeleteKey', publicKey: (await import('../../src/index.js')).parsePublicKey(remote.aliceFunctionKey) }]);
  t.true(deleted.succeeded, JSON.stringify(deleted.failure));
  t.false(node.viewAccessKeys(remote.alice).some((k) => k.public_key === remote.aliceFunctionKey));
  t.true((await remoteQuery({ request_type: 'view_access_key_list', account_id: remote.alice })).keys.some((k: any) => k.public_key === remote.aliceFunctionKey));

  // a remote account deleted here is gone here (keys, code, storage), and its name can be made again locally
  node.impersonate(remote.probe);
  t.true(node.signAndSendTransaction(remote.probe, remote.probe, [{ type: 'DeleteAccount', beneficiaryId: 'writer.test.near' }]).succeeded);
  t.throws(() => node.viewAccount(remote.probe), { instanceOf: UnknownAccountError });
  node.createAccount(remote.probe, { balance: NEAR });
  t.deepEqual(node.viewState(remote.probe), []);
  t.is((await remoteQuery({ request_type: 'view_account', account_id: remote.probe })).code_hash, hashToString(sha256(await probeWasm())));

  node.restore(snapshot);
  t.is(node.view(remote.token, 'ft_balance_of', { account_id: to }), '3000');
  t.is(node.view(remote.token, 'ft_balance_of', { account_id: from }), '2000');
  t.true(node.viewAccessKeys(remote.alice).some((k) => k.public_key === remote.aliceFunctionKey));
  t.is(new TextDecoder().decode(node.viewFunction(remote.probe, 'get').result), 'remote value');

  const methods = new Set((await remote.requests()).map((r) => r.method));
  t.deepEqual([...methods].sort(), ['EXPERIMENTAL_protocol_config', 'block', 'query']);
});

test.serial('an account the remote has cannot be created again; storage usage and balances of forked accounts stay consistent', async (t) => {
  const node = fork(remote);
  t.teardown(() => node.fork?.close());
  const error = t.throws(() => node.createAccount(remote.alice));
  t.regex(JSON.stringify((error as any).failure), /AccountAlreadyExists/);
  // a write to a forked contract's remote key charges the storage difference against the remote's usage
  node.createAccount('payer.test.near', { balance: 10n * NEAR });
  const usage = BigInt(node.viewAccount(remote.probe).storage_usage);
  t.true(node.call('payer.test.near', remote.probe, 'set', 'remote valu3').succeeded); // same length as "remote value"
  t.is(BigInt(node.viewAccount(remote.probe).storage_usage), usage);
  t.true(node.call('payer.test.near', remote.probe, 'set', 'remote value, longer by 16').succeeded);
  t.is(BigInt(node.viewAccount(remote.probe).storage_usage), usage + 14n);
});

test.serial('a rate-limiting remote is retried with back-off; one that keeps refusing gives a clear error and changes nothing', async (t) => {
  const node = fork(remote, { cooldownMs: 0 });
  t.teardown(() => node.fork?.close());
  t.is(node.view(remote.token, 'ft_balance_of', { account_id: remote.holders[0] }), '1000');
  await remote.rateLimit(2);
  t.is(node.view(remote.token, 'ft_balance_of', { account_id: remote.holders[7] }), '8000');
  await remote.rateLimit(100);
  const error = t.throws(() => node.view(remote.token, 'ft_balance_of', { account_id: remote.holders[8] }), { instanceOf: ForkError });
  t.is((error as ForkError).kind, 'rate-limited');
  t.regex(error!.message, /rate-limits this fork \(HTTP 429 Too Many Requests\) and still did after 5 attempts/);
  await remote.rateLimit(0);
  // nothing of the failed read was kept: the key is read again and answered
  t.is(node.view(remote.token, 'ft_balance_of', { account_id: remote.holders[8] }), '9000');
});

test.serial('a block the remote no longer has needs an archival RPC', async (t) => {
  // our node keeps state for its head only: a block before its last state change answers GARBAGE_COLLECTED_BLOCK,
  // as a pruned RPC does (the remote's setup patched its state, then produced 3 empty blocks)
  const error = t.throws(() => fork(remote, { blockId: remote.height - 3 }), { instanceOf: ForkError });
  t.is((error as ForkError).kind, 'archival-required');
  t.regex(error!.message, /this block needs an archival RPC/);
  const unknown = t.throws(() => fork(remote, { blockId: remote.height + 1_000_000 }), { instanceOf: ForkError });
  t.regex(unknown!.message, /UNKNOWN_BLOCK.*needs an archival RPC/);
  t.throws(() => fork(remote, { rpcUrl: 'ftp://example' }), { message: /not a network or URL to fork/ });
});

test.serial('the remote disappearing mid-run: a clear error, nothing half-applied, the receipt waits and local work goes on', async (t) => {
  const gone = await startRemote({ FORK_REMOTE_HOLDERS: '12', FORK_REMOTE_ENTRIES: '10' });
  t.teardown(() => gone.stop());
  const node = fork(gone, { retries: 1, retryDelayMs: 10 });
  t.teardown(() => node.fork?.close());
  node.impersonate(gone.owner);
  node.createAccount('local.test.near', { balance: NEAR });
  t.is(node.view(gone.token, 'ft_balance_of', { account_id: gone.holders[0] }), '1000');
  t.is(node.view(gone.token, 'ft_balance_of', { account_id: gone.owner }), (10n ** 24n).toString());
  await gone.stop();

  const read = t.throws(() => node.view(gone.token, 'ft_balance_of', { account_id: gone.holders[9] }), { instanceOf: ForkError });
  t.is((read as ForkError).kind, 'unreachable');
  t.regex(read!.message, new RegExp(`${gone.url.replace(/[.:/]/g, '\\$&')} is unreachable \\(ECONNREFUSED\\)`));

  const head = node.head.height;
  const ownerNear = node.getBalance(gone.owner);
  const transfer = t.throws(() => node.call(gone.owner, gone.token, 'ft_transfer', { receiver_id: gone.holders[9], amount: '7' }, { deposit: 1n, gas: 100n * TGAS }), { instanceOf: ForkError });
  t.regex(transfer!.message, /was not applied; it waits and runs again in a later block/);
  // the transaction was converted (its gas bought), its receipt was not applied: no token moved
  t.true(node.head.height > head);
  t.true(node.getBalance(gone.owner) < ownerNear);
  t.is(node.view(gone.token, 'ft_balance_of', { account_id: gone.owner }), (10n ** 24n).toString());
  t.true(node.chain.hasPendingWork);

  // local work goes on while the receipt waits
  node.transfer(node.root.accountId, 'local.test.near', NEAR);
  t.is(node.getBalance('local.test.near'), 2n * NEAR);
  t.true(node.chain.hasPendingWork);
  // a new account's name must be checked against the remote too: refused clearly, nothing created
  const create = t.throws(() => node.createAccount('later.test.near', { balance: NEAR }), { instanceOf: ForkError });
  t.regex(create!.message, /is unreachable/);
  t.throws(() => node.viewAccount('later.test.near'), { instanceOf: ForkError });
});

test.serial('an existing near-workspaces suite runs unchanged on the forked launcher (NEAR_SANDBOX_FORK_URL)', async (t) => {
  const repo = fileURLToPath(new URL('../../../../', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, NEAR_SANDBOX_FORK_URL: remote.url, NEAR_SANDBOX_FORK_BLOCK: String(remote.height), NEAR_SANDBOX_FORK_CACHE: freshCache() };
  delete env.NEAR_GAS_REPORT; // the inner run is not part of an outer gas report
  delete env.NEAR_GAS_REPORT_DIR;
  // the second pass at another protocol (CI sets it for the outer run) would run the suite twice against a remote of one version
  delete env.NEAR_SANDBOX_TESTS_ALSO_AT;
  const before = (await remote.requests()).length;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/test.ts', 'sandbox-tests/chain.ava.ts'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  t.is(code, 0, output);
  t.regex(output, /^3 passed, 0 failed$/m);
  // the suite's nodes forked the remote: the pinned block, and the names they created checked against it
  const made = (await remote.requests()).slice(before);
  t.true(made.some((r) => r.method === 'block' && r.params?.block_id === remote.height));
  t.true(made.some((r) => r.method === 'query' && r.params?.request_type === 'view_account' && /^dev-\d+-\d+\.test\.near$/.test(r.params.account_id)));
});

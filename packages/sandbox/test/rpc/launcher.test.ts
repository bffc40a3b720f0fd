/**
 * The neard-compatible command line and launcher: what `init` writes (nearcore `init_configs`, near-crypto
 * `KeyFile`), `run` lifecycle (SIGINT, SIGTERM, parent death), the install step's marker rule, and state
 * surviving a restart in the classic-level store.
 */
import test from 'ava';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyPair } from '../../src/primitives/crypto.js';
import { parseArgs, portOf } from '../../src/node/cli.js';
import { currentSnapshotBlob } from '../../src/node/bundle.js';
import { installLauncher, LAUNCHER_MARKER, launcherScript } from '../../src/node/install.js';
import { nodeLauncherScript, writeLauncher } from '../../src/node/launcher.js';
import { NodeStore } from '../../src/node/store.js';
import { NEAR, signNext, startTestNode, newAccountActions } from './helpers.js';
import { announcedUrl } from './node-process.js';

const LAUNCH = resolve(fileURLToPath(import.meta.url), '../../../bin/launch.mjs');

function tempDir(t: { teardown(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The address a node started with `--rpc-addr <host>:0` announces for `home` (on the stderr read by `stderr()`).
 * The node picks its own port: one picked here and freed first could be taken by another suite's node meanwhile.
 */
async function announcedAddress(stderr: () => string, home: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = announcedUrl(stderr(), home);
    if (url !== undefined) return url;
    if (Date.now() > deadline) throw new Error(`the node announced no JSON-RPC address within ${timeoutMs} ms: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts `command` `run` on a port of the node's choosing and resolves with the address it announced. */
async function runOnChosenPort(t: { teardown(fn: () => void): void }, command: string[], home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(command[0]!, [...command.slice(1), '--home', home, 'run', '--rpc-addr', '0.0.0.0:0', '--network-addr', '0.0.0.0:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  return { child, url: await announcedAddress(() => stderr, home) };
}

async function waitUntilAnswering(url: string, want: boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let answering = false;
    try {
      const res = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 'dontcare', method: 'block', params: { finality: 'final' } }),
        signal: AbortSignal.timeout(1000),
      });
      answering = res.status === 200;
    } catch {
      answering = false;
    }
    if (answering === want) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** The environment without a protocol choice (CI runs the sandbox-tests again with one). */
const envWithoutChoice = () => {
  const env = { ...process.env };
  delete env.NEAR_SANDBOX_PROTOCOL_VERSION;
  return env;
};

test('init: NEAR_SANDBOX_PROTOCOL_VERSION picks the protocol (77, 86, or a neard version: 2.6.x runs 77, 2.13.x 86); --fast makes 60-block epochs; a bad choice is refused with what to write', (t) => {
  const dir = tempDir(t, 'init-pv-');
  const genesisOf = (name: string, choice: string | undefined, ...flags: string[]) => {
    const env = envWithoutChoice();
    if (choice !== undefined) env.NEAR_SANDBOX_PROTOCOL_VERSION = choice;
    execFileSync(process.execPath, [LAUNCH, '--home', join(dir, name), 'init', ...flags], { env });
    return JSON.parse(readFileSync(join(dir, name, 'genesis.json'), 'utf8'));
  };
  t.is(genesisOf('a', '77').protocol_version, 77);
  t.is(genesisOf('b', '2.6.2').protocol_version, 77);
  t.is(genesisOf('c', '2.13.4').protocol_version, 86);
  t.is(genesisOf('d', '86').protocol_version, 86);
  t.is(genesisOf('e', '77', '--protocol-version', '86').protocol_version, 86); // the flag wins
  t.is(genesisOf('f', undefined, '--fast').epoch_length, 60); // nearcore FAST_EPOCH_LENGTH
  const bad = (() => {
    try {
      execFileSync(process.execPath, [LAUNCH, '--home', join(dir, 'g'), 'init'], { env: { ...envWithoutChoice(), NEAR_SANDBOX_PROTOCOL_VERSION: '80' }, stdio: 'pipe' });
      return null;
    } catch (e) {
      return e as { status: number; stderr: Buffer };
    }
  })();
  t.is(bad?.status, 2);
  t.regex(String(bad?.stderr), /NEAR_SANDBOX_PROTOCOL_VERSION=80 is not understood: give a protocol version \(77, 86\) or a neard version/);
  t.false(existsSync(join(dir, 'g', 'genesis.json')));
});

test('init writes genesis, config, node and validator keys as neard does (0600, test.near key in genesis)', (t) => {
  const home = join(tempDir(t, 'init-'), 'nested', 'home');
  execFileSync(process.execPath, [LAUNCH, '--home', home, 'init'], { env: envWithoutChoice() });
  for (const file of ['genesis.json', 'config.json', 'node_key.json', 'validator_key.json']) t.true(existsSync(join(home, file)), file);
  const validator = JSON.parse(readFileSync(join(home, 'validator_key.json'), 'utf8'));
  t.deepEqual(Object.keys(validator), ['account_id', 'public_key', 'secret_key']);
  t.is(validator.account_id, 'test.near');
  t.is(statSync(join(home, 'validator_key.json')).mode & 0o777, 0o600);
  t.is(statSync(join(home, 'node_key.json')).mode & 0o777, 0o600);
  // the secret key is near-api-js' format and derives the public key (what near-workspaces signs with)
  t.is(KeyPair.fromString(validator.secret_key).publicKeyString, validator.public_key);

  const genesis = JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8'));
  t.regex(genesis.chain_id, /^test-chain-[a-z0-9]{5}$/);
  t.is(genesis.protocol_version, 86); // mainnet's, unless NEAR_SANDBOX_PROTOCOL_VERSION chooses
  t.is(genesis.epoch_length, 500);
  t.deepEqual(
    genesis.records.find((r: any) => r.AccessKey?.account_id === 'test.near').AccessKey,
    { account_id: 'test.near', public_key: validator.public_key, access_key: { nonce: 0, permission: 'FullAccess' } },
  );
  t.is(genesis.validators[0].public_key, validator.public_key);

  // a second init keeps the existing files (nearcore keeps an existing genesis and keys)
  execFileSync(process.execPath, [LAUNCH, '--home', home, 'init']);
  t.is(JSON.parse(readFileSync(join(home, 'validator_key.json'), 'utf8')).secret_key, validator.secret_key);
  // a fresh home gets a fresh key
  const other = join(tempDir(t, 'init2-'), 'h');
  execFileSync(process.execPath, [LAUNCH, '--home', other, 'init']);
  t.not(JSON.parse(readFileSync(join(other, 'validator_key.json'), 'utf8')).secret_key, validator.secret_key);
});

test('command line: neard syntax, loopback-only port parsing, clear usage errors', (t) => {
  t.deepEqual(parseArgs(['--home', '/x', 'run', '--rpc-addr', '0.0.0.0:3030', '--network-addr', '0.0.0.0:24567']), {
    home: '/x',
    command: 'run',
    options: { 'rpc-addr': '0.0.0.0:3030', 'network-addr': '0.0.0.0:24567' },
  });
  t.is(parseArgs(['--home=/y', 'init', '--fast']).options.fast, true);
  t.is(portOf('0.0.0.0:4321', 'rpc-addr'), 4321);
  t.throws(() => parseArgs(['--home', '/x', 'serve']), { message: /unknown command "serve"/ });
  t.throws(() => parseArgs(['--home', '/x', 'run', '--bogus']), { message: /unexpected argument "--bogus" for run/ });
  t.throws(() => portOf('localhost:http', 'rpc-addr'), { message: /is not HOST:PORT/ });
  const failed = spawn(process.execPath, [LAUNCH, 'frobnicate'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  failed.stderr!.on('data', (c) => (stderr += c));
  return new Promise<void>((done) =>
    failed.on('exit', (code) => {
      t.is(code, 2);
      t.regex(stderr, /usage:/);
      done();
    }),
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`run serves on 127.0.0.1 when told 0.0.0.0 and exits promptly on ${signal}`, async (t) => {
    const home = join(tempDir(t, 'run-'), 'home');
    execFileSync(process.execPath, [LAUNCH, '--home', home, 'init']);
    const { child, url } = await runOnChosenPort(t, [process.execPath, LAUNCH], home);
    t.true(await waitUntilAnswering(url, true));
    const port = new URL(url).port;
    // nothing answers on the machine's other addresses
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      await t.throwsAsync(fetch(`http://${external.address}:${port}`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) }));
    }
    const started = Date.now();
    child.kill(signal);
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    t.is(code, 0);
    t.true(Date.now() - started < 2500, `exited after ${Date.now() - started} ms`);
  });
}

/**
 * A process that starts `run` (detached, its stderr to a file that outlives it) and exits, like a killed test runner:
 * at once, or when `exit()` is called; `nameItself` sets NEAR_SANDBOX_PARENT_PID to its own pid, as
 * `@near-ts/sandbox/near-workspaces` does for a test process. Resolves once the starter has printed the node's pid.
 */
async function startFromStarter(t: { teardown(fn: () => void): void }, prefix: string, options: { atOnce: boolean; nameItself: boolean }) {
  const home = join(tempDir(t, prefix), 'home');
  execFileSync(process.execPath, [LAUNCH, '--home', home, 'init']);
  const stderrFile = join(home, '..', 'node-stderr');
  const starterScript = `
    const { spawn } = require('node:child_process');
    const { openSync } = require('node:fs');
    const stderr = openSync(${JSON.stringify(stderrFile)}, 'w');
    const env = { ...process.env, ${options.nameItself ? 'NEAR_SANDBOX_PARENT_PID: String(process.pid)' : ''} };
    const child = spawn(process.execPath, [${JSON.stringify(LAUNCH)}, '--home', ${JSON.stringify(home)}, 'run', '--rpc-addr', '0.0.0.0:0'], { stdio: ['ignore', 'ignore', stderr], detached: true, env });
    console.log(child.pid);
    ${options.atOnce ? 'process.exit(0);' : "process.stdin.on('data', () => process.exit(0));"}
  `;
  const { NEAR_SANDBOX_PARENT_PID: _inherited, ...env } = process.env;
  const starter = spawn(process.execPath, ['-e', starterScript], { stdio: ['pipe', 'pipe', 'ignore'], env });
  t.teardown(() => starter.kill());
  let pidText = '';
  starter.stdout!.on('data', (c) => (pidText += c));
  const exited = new Promise((done) => starter.on('exit', done));
  const nodePid = await new Promise<number>((resolve, reject) => {
    starter.stdout!.on('data', () => pidText.includes('\n') && resolve(Number(pidText.trim())));
    starter.on('exit', () => (pidText.includes('\n') ? resolve(Number(pidText.trim())) : reject(new Error('the starter printed no pid'))));
  });
  t.teardown(() => {
    if (isRunning(nodePid)) process.kill(nodePid, 'SIGKILL');
  });
  const stderr = () => (existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : '');
  return { home, stderr, starter, exited, nodePid, exit: () => starter.stdin!.write('exit\n') };
}

/** Whether process `pid` still exists. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

test('run exits when its parent process dies', async (t) => {
  const { home, stderr, exited, exit } = await startFromStarter(t, 'orphan-', { atOnce: false, nameItself: false });
  const url = await announcedAddress(stderr, home);
  t.true(await waitUntilAnswering(url, true), 'node started');
  exit();
  await exited;
  t.true(await waitUntilAnswering(url, false, 5000), 'node stopped after its parent died');
});

test('a node started by a process that has already exited stops: the starter is recorded in NEAR_SANDBOX_PARENT_PID (the node itself is then init\'s child)', async (t) => {
  // the starter exits at once: the node reads its parent only after start-up, when the starter is long gone
  const { stderr, starter, exited, nodePid } = await startFromStarter(t, 'orphan-at-start-', { atOnce: true, nameItself: true });
  await exited;
  const deadline = Date.now() + 30_000;
  while (isRunning(nodePid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.false(isRunning(nodePid), `the node is still running: ${stderr()}`);
  t.regex(stderr(), new RegExp(`the process that started it \\(${starter.pid}\\) exited, stopping`));
});

test('the sh launcher records its own parent in NEAR_SANDBOX_PARENT_PID first thing, and keeps one a starter set', (t) => {
  const dir = tempDir(t, 'parent-env-');
  // a stand-in for node that prints what the node would read
  const fakeNode = join(dir, 'fake-node');
  writeFileSync(fakeNode, '#!/bin/sh\necho "$NEAR_SANDBOX_PARENT_PID"\n', { mode: 0o755 });
  const launcher = join(dir, 'near-sandbox');
  writeFileSync(launcher, launcherScript(fakeNode, join(dir, 'launch.mjs'), join(dir, 'no-snapshots')), { mode: 0o755 });
  const { NEAR_SANDBOX_PARENT_PID: _inherited, ...env } = process.env;
  t.is(execFileSync(launcher, ['--version'], { env, encoding: 'utf8' }).trim(), String(process.pid));
  t.is(execFileSync(launcher, ['--version'], { env: { ...env, NEAR_SANDBOX_PARENT_PID: '4242' }, encoding: 'utf8' }).trim(), '4242');
});

test('install writes a marked launcher with absolute paths, and never replaces a foreign binary', (t) => {
  const dir = tempDir(t, 'install-');
  const path = join(dir, 'sandbox', 'near-sandbox');
  t.is(installLauncher(path).kind, 'installed');
  const script = readFileSync(path, 'utf8');
  t.true(script.startsWith('#!/bin/sh\n'));
  t.true(script.includes(LAUNCHER_MARKER));
  t.true(script.includes(`'${process.execPath}'`), 'node by absolute path (near-workspaces debug mode clears PATH)');
  t.is(statSync(path).mode & 0o111, 0o111);
  t.is(installLauncher(path).kind, 'unchanged');
  writeFileSync(path, launcherScript('/old/node', '/old/launch.mjs'), { mode: 0o755 });
  t.is(installLauncher(path).kind, 'updated');

  const foreign = join(dir, 'neard');
  const binary = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(5000, 1)]);
  writeFileSync(foreign, binary, { mode: 0o755 });
  t.is(installLauncher(foreign).kind, 'foreign-binary');
  t.deepEqual(readFileSync(foreign), binary);
});

test('the installed launcher runs with an empty environment (near-workspaces debug mode)', (t) => {
  const dir = tempDir(t, 'envless-');
  const path = join(dir, 'near-sandbox');
  installLauncher(path);
  execFileSync(path, ['--home', join(dir, 'home'), 'init'], { env: {} });
  t.true(existsSync(join(dir, 'home', 'validator_key.json')));
});

test('the Node.js launcher (what the installed package writes) needs no shell: it runs init with an empty environment and never replaces a foreign binary', (t) => {
  const dir = tempDir(t, 'node-launcher-');
  const path = join(dir, 'near-sandbox');
  const script = nodeLauncherScript(process.execPath, LAUNCH);
  t.true(script.startsWith(`#!${process.execPath}\n`));
  t.false(script.includes('/bin/sh'));
  t.is(writeLauncher(path, script).kind, 'installed');
  t.is(writeLauncher(path, script).kind, 'unchanged');
  execFileSync(path, ['--home', join(dir, 'home'), 'init'], { env: {} });
  t.true(existsSync(join(dir, 'home', 'validator_key.json')));
  const foreign = join(dir, 'neard');
  writeFileSync(foreign, '\x7fELF not ours');
  t.is(writeLauncher(foreign, script).kind, 'foreign-binary');
  t.is(readFileSync(foreign, 'utf8'), '\x7fELF not ours');
  t.throws(() => nodeLauncherScript('/opt/my node/bin/node', LAUNCH), { message: /contains white space, which a #! line cannot carry/ });
});

test('the installed launcher starts `run` from the startup snapshot and serves near-workspaces\' probe', async (t) => {
  const blob = currentSnapshotBlob('run');
  if (blob === null) return t.fail('no startup snapshot: run `npx tsx packages/sandbox/src/node/install.ts` (it prints why)');
  const dir = tempDir(t, 'snapshot-');
  const path = join(dir, 'near-sandbox');
  installLauncher(path);
  // a near-workspaces home (<tmpdir>/sandbox/<uuid v4>) keeps its state in memory
  const home = join(dir, 'sandbox', '0b6c1f4e-8a2d-4c3b-9e5f-7a1d2c3b4e5f');
  execFileSync(path, ['--home', home, 'init']);
  const { child, url } = await runOnChosenPort(t, [path], home);
  t.true(await waitUntilAnswering(url, true));
  t.true(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').includes(blob), 'node started with --snapshot-blob <current blob>');
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'query', params: { request_type: 'view_account', account_id: 7, finality: 'final' } }),
  });
  t.regex(JSON.stringify(await res.json()), /Failed parsing args: `account_id`: expected string/, 'request schemas are in the snapshot');
  child.kill('SIGINT');
  t.is(await new Promise<number | null>((done) => child.on('exit', (c) => done(c))), 0);
  t.false(existsSync(join(home, 'data')), 'no LevelDB store for a near-workspaces home');
});

test('init still works when node cannot load the snapshot (another Node.js version): the launcher falls back to launch.mjs', (t) => {
  const dir = tempDir(t, 'badsnapshot-');
  writeFileSync(join(dir, 'near-sandbox-init.blob'), 'not a V8 startup snapshot');
  writeFileSync(join(dir, 'current-snapshots'), `${dir}\n`);
  const path = join(dir, 'near-sandbox');
  writeFileSync(path, launcherScript(process.execPath, LAUNCH, join(dir, 'current-snapshots')), { mode: 0o755 });
  const home = join(dir, 'home');
  execFileSync(path, ['--home', home, 'init'], { stdio: 'pipe' });
  const validator = JSON.parse(readFileSync(join(home, 'validator_key.json'), 'utf8'));
  t.is(KeyPair.fromString(validator.secret_key).publicKeyString, validator.public_key);
});

/**
 * A copy of bin/launch.mjs in a repository of its own, with stand-ins for what it runs: a bundle builder
 * (`src/node/bundle.ts`, which writes a build whose entry prints "ran: bundle", or throws when told) and the
 * sources' entry (`bin/near-sandbox.ts`, which prints "ran: sources"). Each source's mtime is in the
 * build's manifest, as src/node/build-manifest.ts writes it.
 */
function launcherRepository(t: { teardown(fn: () => void): void }, options: { buildFails?: boolean } = {}) {
  const repo = tempDir(t, 'launch-repo-');
  const bin = join(repo, 'packages', 'sandbox', 'bin');
  const source = join(repo, 'packages', 'sandbox', 'src', 'node', 'bundle.ts');
  mkdirSync(dirname(source), { recursive: true });
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(repo, 'node_modules'), { recursive: true });
  symlinkSync(dirname(fileURLToPath(import.meta.resolve('tsx/package.json'))), join(repo, 'node_modules', 'tsx'));
  writeFileSync(join(repo, 'packages', 'sandbox', 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(bin, 'launch.mjs'), readFileSync(LAUNCH));
  writeFileSync(join(bin, 'near-sandbox.ts'), "const where: string = 'sources';\nconsole.log(`ran: ${where}`);\n");
  const root = join(repo, 'node_modules', '.cache', 'near-ts-sandbox');
  writeFileSync(source, [
    "import { mkdirSync, statSync, writeFileSync } from 'node:fs';",
    `export async function buildBundle(): Promise<void> {`,
    options.buildFails ? "  throw new Error('esbuild failed');" : '',
    `  mkdirSync(${JSON.stringify(join(root, 'b1'))}, { recursive: true });`,
    `  const inputs = { 'packages/sandbox/src/node/bundle.ts': statSync(${JSON.stringify(source)}).mtimeMs };`,
    `  writeFileSync(${JSON.stringify(join(root, 'b1', 'manifest.json'))}, JSON.stringify({ node: process.version, inputs }));`,
    `  writeFileSync(${JSON.stringify(join(root, 'b1', 'near-sandbox.mjs'))}, "console.log('ran: bundle');\\n");`,
    `  writeFileSync(${JSON.stringify(join(root, 'current.json'))}, JSON.stringify({ dir: 'b1' }));`,
    '}',
  ].join('\n'));
  const run = () => {
    const child = spawnSync(process.execPath, [join(bin, 'launch.mjs')], { encoding: 'utf8' });
    return { stdout: child.stdout.trim(), stderr: child.stderr };
  };
  /** Saves the source again (a newer mtime), as an edit does. */
  const edit = () => utimesSync(source, new Date(), new Date(Date.now() + 5_000));
  return { run, edit };
}

test('bin/launch.mjs runs the bundle built from the current sources, and rebuilds it first when a source is newer: a start right after an edit runs the new build, not the sources', (t) => {
  const repo = launcherRepository(t);
  const first = repo.run();
  t.is(first.stdout, 'ran: bundle', first.stderr);
  t.is(repo.run().stdout, 'ran: bundle');
  repo.edit();
  const afterEdit = repo.run();
  t.is(afterEdit.stdout, 'ran: bundle', afterEdit.stderr);
  t.is(afterEdit.stderr, '');
});

test('bin/launch.mjs runs the TypeScript sources only when the bundle cannot be rebuilt, and says so on stderr', (t) => {
  const repo = launcherRepository(t, { buildFails: true });
  const { stdout, stderr } = repo.run();
  t.is(stdout, 'ran: sources');
  t.regex(stderr, /could not rebuild the bundle \(esbuild failed\); running from the TypeScript sources/);
});

test('state survives a restart (classic-level store in <home>/data)', async (t) => {
  const home = tempDir(t, 'persist-');
  const first = await startTestNode({ persist: true, home });
  const tx = await signNext(first, 'test.near', 'kept.test.near', newAccountActions(first.rootKey.publicKey, 7n * NEAR));
  t.truthy((await first.rpc('send_tx', { signed_tx_base64: tx.base64 })).result);
  // across two epoch boundaries: nearcore's fast-forward skips heights, which the store must take back
  await first.rpc('sandbox_fast_forward', { delta_height: 1200 });
  const final = (await first.rpc('block', { finality: 'final' })).result.header;
  const account = (await first.rpc('query', { request_type: 'view_account', account_id: 'kept.test.near', finality: 'optimistic' })).result;
  const rootKey = (await first.rpc('query', { request_type: 'view_access_key', account_id: 'test.near', public_key: first.rootKey.publicKeyString, finality: 'optimistic' })).result;
  const height = (await first.rpc('block', { finality: 'optimistic' })).result.header.height;
  await first.stop();
  t.true(existsSync(join(home, 'data', 'CURRENT')), 'LevelDB files in <home>/data');

  const second = await startTestNode({ persist: true, home });
  t.teardown(() => second.stop());
  const again = (await second.rpc('query', { request_type: 'view_account', account_id: 'kept.test.near', finality: 'optimistic' })).result;
  t.is(again.amount, account.amount);
  t.is(again.storage_usage, account.storage_usage);
  const keyAgain = (await second.rpc('query', { request_type: 'view_access_key', account_id: 'test.near', public_key: second.rootKey.publicKeyString, finality: 'optimistic' })).result;
  t.is(keyAgain.nonce, rootKey.nonce, 'nonces survive, so signed transactions stay ordered');
  t.true((await second.rpc('block', { finality: 'optimistic' })).result.header.height >= height, 'the chain continues at its height');
  t.deepEqual((await second.rpc('block', { finality: 'final' })).result.header, final, 'the same final block, found across the skipped heights');
  t.is((await second.rpc('block', { block_id: 497 })).error?.cause.name, 'UNKNOWN_BLOCK');
  // and the restarted node takes new transactions from the restored key
  const next = await signNext(second, 'kept.test.near', 'test.near', [{ type: 'Transfer', deposit: NEAR }], second.rootKey);
  t.deepEqual((await second.rpc('send_tx', { signed_tx_base64: next.base64 })).result.status, { SuccessValue: '' });
});

test('a second node on the same home is refused with a clear message', async (t) => {
  const home = tempDir(t, 'locked-');
  const first = await startTestNode({ persist: true, home });
  t.teardown(() => first.stop());
  // a fresh node takes the store's lock shortly after it starts serving
  while (!existsSync(join(home, 'data', 'CURRENT'))) await new Promise((r) => setTimeout(r, 20));
  await t.throwsAsync(startTestNode({ persist: true, home }), { message: /in use by another running node/ });
});

test('the store writes only what changed, in one batch with the head', async (t) => {
  const dir = tempDir(t, 'store-');
  const store = await NodeStore.open(join(dir, 'data'));
  const head = { height: 5, hash: 'h5', timestampNanos: '5', chainId: 'c' };
  const a = JSON.stringify({ Account: { account_id: 'a.near' } });
  const b = JSON.stringify({ Data: { account_id: 'a.near', data_key: 'AA==', value: 'AQ==' } });
  t.deepEqual(await store.commit({ head, entries: [['Account/a.near', a], ['Data/a.near/AA==', b]] }), { put: 2, deleted: 0 });
  t.deepEqual(await store.commit({ head, entries: [['Account/a.near', a], ['Data/a.near/AA==', b]] }), { put: 0, deleted: 0 });
  const a2 = JSON.stringify({ Account: { account_id: 'a.near', v: 2 } });
  t.deepEqual(await store.commit({ head: { ...head, height: 6 }, entries: [['Account/a.near', a2]] }), { put: 1, deleted: 1 });
  await store.close();

  const reopened = await NodeStore.open(join(dir, 'data'));
  t.teardown(() => reopened.close());
  const loaded = await reopened.load();
  t.is(loaded!.head.height, 6);
  t.deepEqual(loaded!.records, [JSON.parse(a2)]);
});

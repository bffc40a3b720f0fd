/**
 * The packages as a user gets them: every package packed (`npm pack`), the tarballs installed into a fresh
 * project outside the repository (under the OS temp folder), and there, with a PATH holding only `node`
 * (no clang, gcc or tsx) and every child process of the build but node itself (its daemon) refused:
 *  - near-sdk-js's own command, `build src/contract.ts build/contract.wasm`, through the builder's bin;
 *  - a near-workspaces test (node:test) on the installed node, started through its Node.js launcher;
 *  - the in-process API (`createSandbox`) running the same Wasm.
 * The project's `npm install` uses npm's cache first (`--prefer-offline`), so only a cold cache reaches the registry.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packPackages, type PackedPackage } from '../scripts/pack-packages.js';
import { HELLO_NEAR } from '../packages/contract-builder/test/helpers/hello-near.js';

const exec = promisify(execFile);
const ROOT_PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const WORKSPACES_TEST = `import { sandboxLauncher } from '@near-ts/sandbox/near-workspaces';
import { Worker } from 'near-workspaces';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import assert from 'node:assert/strict';

test('near-workspaces runs the contract on the installed node', async () => {
  assert.equal(process.env.NEAR_SANDBOX_BIN_PATH, sandboxLauncher.path);
  assert.ok(readFileSync(sandboxLauncher.path, 'utf8').startsWith('#!' + process.execPath + '\\n'), 'the launcher is a Node.js script');
  const worker = await Worker.init();
  try {
    const root = worker.rootAccount;
    const contract = await root.devDeploy('build/contract.wasm');
    assert.equal(await contract.view('get_greeting'), 'Hello');
    const alice = await root.createSubAccount('alice');
    await alice.call(contract, 'set_greeting', { greeting: 'howdy' });
    assert.equal(await contract.view('get_greeting'), 'howdy');
  } finally {
    await worker.tearDown();
  }
});
`;

const FAST_TEST = `import { createSandbox, TGAS } from '@near-ts/sandbox';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import assert from 'node:assert/strict';

test('the in-process node runs the contract', () => {
  const node = createSandbox();
  node.createAccount('hello.test.near');
  node.deployContract('hello.test.near', readFileSync('build/contract.wasm'));
  const result = node.call('hello.test.near', 'hello.test.near', 'set_greeting', { greeting: 'hi' }, { gas: 30n * TGAS });
  assert.ok(result.succeeded, JSON.stringify(result.failure));
  assert.deepEqual(result.logs, ['Saving greeting hi']);
  assert.equal(node.view('hello.test.near', 'get_greeting'), 'hi');
});
`;

/** Environment for the project's commands: none of the repository's sandbox or tsx settings. */
function userEnv(path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path };
  for (const name of ['NEAR_SANDBOX_BIN_PATH', 'NEAR_SANDBOX_BINARY_PATH', 'NEAR_TS_SANDBOX_LAUNCHER', 'NODE_OPTIONS', 'TSX_TSCONFIG_PATH']) delete env[name];
  return env;
}

let scratch: string;
let packed: PackedPackage[];

test.before(async () => {
  scratch = mkdtempSync(join(os.tmpdir(), 'near-ts-installed-'));
  packed = await packPackages(join(scratch, 'tarballs'));
});

test.after.always(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('packed packages install into a fresh project, build near-sdk-js-style without a compiler, and pass near-workspaces and in-process tests', async (t) => {
  t.timeout(20 * 60_000);
  t.deepEqual(packed.map((p) => p.name).sort(), ['@near-ts/chain-signatures', '@near-ts/contract-builder', '@near-ts/contract-clients', '@near-ts/create-app', '@near-ts/relayer', '@near-ts/sandbox']);
  t.log(packed.map((p) => `${p.name}: ${(p.size / 1024).toFixed(0)} kB packed, ${(p.unpackedSize / 1024).toFixed(0)} kB unpacked`).join('\n'));

  const project = join(scratch, 'hello-near');
  mkdirSync(join(project, 'src'), { recursive: true });
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
  for (const name of ['near-sdk-js', 'near-workspaces']) dependencies[name] = ROOT_PACKAGE.dependencies[name];
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'hello-near', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { experimentalDecorators: true, target: 'ES2020', noEmit: true }, exclude: ['node_modules'] }));
  writeFileSync(join(project, 'src', 'contract.ts'), HELLO_NEAR);
  writeFileSync(join(project, 'workspaces.test.mjs'), WORKSPACES_TEST);
  writeFileSync(join(project, 'fast.test.mjs'), FAST_TEST);

  // as the READMEs say: near-sdk-js's install scripts insist on pnpm and download its toolchain
  const started = performance.now();
  await exec('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: project, env: userEnv(process.env.PATH ?? ''), maxBuffer: 64 * 1024 * 1024 });
  t.log(`npm install: ${Math.round(performance.now() - started)} ms`);
  t.false(existsSync(join(project, 'node_modules', 'tsx')), 'tsx is not installed in the project');

  // PATH holds node only; inside the build every way to start a process other than node itself (the
  // builder's daemon) throws, so a compiler run by absolute path fails the build too
  const binDir = join(scratch, 'path');
  mkdirSync(binDir);
  symlinkSync(process.execPath, join(binDir, 'node'));
  const guard = join(scratch, 'no-child-processes.cjs');
  writeFileSync(
    guard,
    `const cp = require("node:child_process");
for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync"]) {
  const original = cp[name];
  cp[name] = function (command, ...rest) {
    if (command !== process.execPath) throw new Error("the build started a process other than node (" + name + " " + command + ")");
    return original.call(this, command, ...rest);
  };
}
require("node:module").syncBuiltinESMExports();
`,
  );
  const buildStarted = performance.now();
  const build = await exec(join(project, 'node_modules', '.bin', 'near-ts-contract-builder'), ['build', 'src/contract.ts', 'build/contract.wasm'], {
    cwd: project,
    env: { ...userEnv(binDir), NODE_OPTIONS: `--require ${guard}` },
  });
  t.log(`build: ${Math.round(performance.now() - buildStarted)} ms\n${build.stdout}${build.stderr}`);
  await exec(join(project, 'node_modules', '.bin', 'near-ts-contract-builder'), ['--stop-daemon'], { cwd: project, env: userEnv(binDir) });
  t.true(existsSync(join(project, 'build', 'contract.wasm')));
  t.false(existsSync(join(project, 'build', 'contract-abi.json')), 'no ABI unless --generateABI, as near-sdk-js');

  const tests = await exec(process.execPath, ['--test', 'fast.test.mjs', 'workspaces.test.mjs'], { cwd: project, env: userEnv(binDir), maxBuffer: 64 * 1024 * 1024 }).catch(
    (error: { stdout: string; stderr: string }) => ({ ...error, failed: true }),
  );
  t.log(tests.stdout.split('\n').filter((l) => /^# (pass|fail)|^not ok|^ok/.test(l)).join('\n'));
  t.false('failed' in tests, `${tests.stdout}\n${tests.stderr}`);
  t.regex(tests.stdout, /# pass 2/);
  t.regex(tests.stdout, /# fail 0/);
  t.true(existsSync(join(project, 'node_modules', '.cache', 'near-ts-sandbox', 'launcher', 'near-sandbox')), 'near-workspaces ran the launcher installed in the project');
});

test('npm create @near-ts/app: the generated project installs from the tarballs, builds, passes its own tests, and its frontend builds', async (t) => {
  t.timeout(20 * 60_000);
  const tarball = (name: string) => `file:${packed.find((p) => p.name === name)!.tarball}`;
  // the generator as `npm create` runs it: installed from its tarball, its bin run with the folder
  const generator = join(scratch, 'generator');
  mkdirSync(generator);
  writeFileSync(join(generator, 'package.json'), JSON.stringify({ private: true, dependencies: { '@near-ts/create-app': tarball('@near-ts/create-app') } }));
  const path = (process.env.PATH ?? '').split(':').filter((dir) => !dir.includes('node_modules')).join(':');
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: generator, env: userEnv(path) });
  const created = await exec(join(generator, 'node_modules', '.bin', 'create-app'), ['my-app'], { cwd: scratch, env: userEnv(path) });
  t.regex(created.stdout, /created my-app/);
  const app = join(scratch, 'my-app');
  t.true(existsSync(join(app, '.npmrc')) && existsSync(join(app, '.gitignore')), 'the dotfiles are written');
  await t.throwsAsync(exec(join(generator, 'node_modules', '.bin', 'create-app'), ['my-app'], { cwd: scratch, env: userEnv(path) }), { message: /my-app is not empty; choose a new folder \(nothing was written\)/ });

  // the packages are not on the registry: point the project's @near-ts dependencies at the tarballs
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  for (const name of Object.keys(manifest.devDependencies).filter((n) => n.startsWith('@near-ts/'))) manifest.devDependencies[name] = tarball(name);
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));

  const started = performance.now();
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: userEnv(path), maxBuffer: 64 * 1024 * 1024 });
  const installed = performance.now();
  const tests = await exec('npm', ['test'], { cwd: app, env: userEnv(path), maxBuffer: 64 * 1024 * 1024 }).catch((error: { stdout: string; stderr: string }) => ({ ...error, failed: true }));
  t.log(`generated project: npm install ${Math.round(installed - started)} ms, npm test (build + tests) ${Math.round(performance.now() - installed)} ms, install to passing test ${Math.round(performance.now() - started)} ms`);
  t.false('failed' in tests, `${tests.stdout}\n${tests.stderr}`);
  t.regex(tests.stdout, /# pass 5/);
  t.regex(tests.stdout, /# fail 0/);
  await exec(join(app, 'node_modules', '.bin', 'near-ts-contract-builder'), ['--stop-daemon'], { cwd: app, env: userEnv(path) });

  // the frontend shell builds (Vite, Wallet Selector); running it needs a browser and a wallet
  const frontend = join(app, 'frontend');
  await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: frontend, env: userEnv(path), maxBuffer: 64 * 1024 * 1024 });
  await exec('npm', ['run', 'build'], { cwd: frontend, env: { ...userEnv(path), VITE_CONTRACT_ID: 'hello.testnet' }, maxBuffer: 64 * 1024 * 1024 });
  t.regex(readFileSync(join(frontend, 'dist', 'index.html'), 'utf8'), /<script type="module"[^>]* src="\/assets\/index-[^"]+\.js"/);
});

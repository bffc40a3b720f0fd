/**
 * `npm test`: runs every ava suite (package unit tests and sandbox-tests) and ends with the plain
 * summary line CI reads: `N passed, N failed` (skipped tests are reported after it).
 *
 * First it installs the near-sandbox launcher that near-workspaces starts (our node; a real neard
 * binary already there is left alone) and builds every contract under contracts/ and every test
 * contract under sandbox-tests/contracts/ (cached: unchanged sources are not rebuilt), so suites
 * only read Wasm.
 * Extra arguments are passed to ava, e.g. `npm test -- packages/sandbox/test/vm`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';

// ava's package exports do not expose its CLI entry; it sits at a fixed place in the root node_modules.
const avaCli = fileURLToPath(new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url));

interface AvaCounts {
  passed: number;
  failed: number;
  skipped: number;
}

function count(output: string, pattern: RegExp): number {
  let total = 0;
  for (const match of output.matchAll(pattern)) total += Number(match[1]);
  return total;
}

/** Reads the closing summary of ava's default reporter. */
export function parseAvaSummary(output: string, exitCode: number): AvaCounts {
  // ava's summary lines look like "  12 tests passed", "  1 test failed", "  2 uncaught exceptions".
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  // When anything fails ava omits the passed count, so count the passing lines ("✔ title") instead.
  const passed = /^\s*\d+ tests? passed/m.test(plain)
    ? count(plain, /^\s*(\d+) tests? passed/gm)
    : plain.split('\n').filter((line) => /^\s*✔ (?!\[expected fail\])/.test(line)).length;
  let failed =
    count(plain, /^\s*(\d+) tests? failed/gm) +
    count(plain, /^\s*(\d+) uncaught exceptions?/gm) +
    count(plain, /^\s*(\d+) unhandled rejections?/gm) +
    count(plain, /^\s*(\d+) tests? remained pending/gm);
  const skipped = count(plain, /^\s*(\d+) tests? skipped/gm) + count(plain, /^\s*(\d+) tests? todo/gm);
  // A crash, a timeout or a file that failed to load can end ava non-zero without a failed-test line.
  if (exitCode !== 0 && failed === 0) failed = 1;
  return { passed, failed, skipped };
}

const TEST_CONTRACTS_DIR = fileURLToPath(new URL('../sandbox-tests/contracts/', import.meta.url));

/**
 * The launcher near-workspaces starts during this run: one per checkout, so two checkouts testing at
 * once (worktrees, a CI clone beside a work tree) never run each other's node. near-sandbox 0.1.x's
 * getBinary looks in NEAR_SANDBOX_BINARY_PATH instead of ~/.near/sandbox when NEAR_SANDBOX_BIN_PATH is set.
 */
const CHECKOUT_LAUNCHER = fileURLToPath(new URL('../node_modules/.cache/near-ts-sandbox/launcher/near-sandbox', import.meta.url));
const LAUNCHER_ENV = {
  NEAR_TS_SANDBOX_LAUNCHER: CHECKOUT_LAUNCHER,
  NEAR_SANDBOX_BIN_PATH: CHECKOUT_LAUNCHER,
  NEAR_SANDBOX_BINARY_PATH: dirname(CHECKOUT_LAUNCHER),
};

/** Installs the launcher and builds contracts and test contracts; a failure counts as one failed test. */
async function prepare(): Promise<boolean> {
  const { buildContracts, buildContract } = await import('../packages/contract-builder/src/index.js');
  const { setUpSandboxLauncher } = await import('../packages/sandbox/src/node/install.js');
  try {
    // a sandbox binary the caller chose (NEAR_SANDBOX_BIN_PATH, e.g. a real neard) is left in place
    if (!process.env.NEAR_SANDBOX_BIN_PATH) Object.assign(process.env, LAUNCHER_ENV);
    await setUpSandboxLauncher((line) => console.log(line));
    const started = performance.now();
    const built = await buildContracts({ log: () => {} });
    const fixtures = existsSync(TEST_CONTRACTS_DIR) ? readdirSync(TEST_CONTRACTS_DIR) : [];
    for (const name of fixtures) {
      built.push(await buildContract(`${TEST_CONTRACTS_DIR}${name}`, { outDir: fileURLToPath(new URL('../build/test-contracts/', import.meta.url)), abi: false }));
    }
    const rebuilt = built.filter((r) => !r.cached).map((r) => r.name);
    console.log(`contracts: ${built.length} ready (${rebuilt.length ? `built ${rebuilt.join(', ')}` : 'all cached'}) in ${Math.round(performance.now() - started)} ms`);
    return true;
  } catch (error) {
    console.error(`preparing the tests failed: ${(error as Error).message}`);
    return false;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (!(await prepare())) {
    console.log('\n0 passed, 1 failed');
    process.exitCode = 1;
    return;
  }
  const child = spawn(process.execPath, [avaCli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // near-workspaces prints every contract log of every call unless told not to; keep test output readable.
    env: { NEAR_WORKSPACES_NO_LOGS: '1', ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  const exitCode: number = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  const { passed, failed, skipped } = parseAvaSummary(output, exitCode);
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

await main();

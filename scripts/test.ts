/**
 * `npm test`: runs every ava suite (package unit tests and sandbox-tests) and ends with the plain
 * summary line CI reads: `N passed, N failed` (skipped tests are reported after it). The counts are ava's own
 * tally of its workers' test events (scripts/lib/ava-with-results.mjs), so nothing a test prints can change them.
 *
 * First it installs the near-sandbox launcher that near-workspaces starts (our node; a real neard
 * binary already there is left alone) and builds every contract under contracts/ and every test
 * contract under sandbox-tests/contracts/ (cached: unchanged sources are not rebuilt), so suites
 * only read Wasm.
 * Extra arguments are passed to ava, e.g. `npm test -- packages/sandbox/test/vm`.
 *
 * Gas report (scripts/lib/gas-report.ts): `--gas-report` (or NEAR_GAS_REPORT=1) has every node of the run
 * record its function calls and prints calls and min/median/max gas per `contract.method` after the tests;
 * `--json` prints it as one JSON object instead. `--gas-report=compare` (NEAR_GAS_REPORT=compare) also
 * compares with the committed gas-report.json and counts a failure when a median rose more than 2 %
 * (`--gas-report-threshold=<percent>`); `--gas-report=update` rewrites gas-report.json from this run. The
 * baseline records the files its run covered, and compares only with a run of the same files.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * ava's CLI behind a thin wrapper that writes the run's counts, as ava itself tallies them from its workers'
 * test events, to a results file (scripts/lib/ava-with-results.mjs). Counting from the printed output instead
 * can be fooled by any test that prints summary-like lines, e.g. one that runs an inner suite.
 */
const avaWithResults = fileURLToPath(new URL('./lib/ava-with-results.mjs', import.meta.url));

export interface AvaCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The counts the wrapper wrote; a run that wrote none (ava crashed) or ended non-zero with no failure counts one failure. */
export function readAvaResults(resultsFile: string, exitCode: number): AvaCounts {
  let counts: AvaCounts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(resultsFile)) {
    const written = JSON.parse(readFileSync(resultsFile, 'utf8')) as AvaCounts;
    counts = { passed: written.passed, failed: written.failed, skipped: written.skipped };
  } else {
    console.error(`ava ended (exit code ${exitCode}) before reporting its results: counted as one failure`);
  }
  // A crash, a worker that exited early or a file that failed to load can end ava non-zero without a failed test.
  if (exitCode !== 0 && counts.failed === 0) counts.failed = 1;
  return counts;
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
    const built = await buildContracts({ abi: true, log: () => {} });
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

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BASELINE = process.env.NEAR_GAS_REPORT_BASELINE ?? join(REPO, 'gas-report.json');

type GasReportMode = 'off' | 'print' | 'compare' | 'update';

interface GasReportOptions {
  mode: GasReportMode;
  json: boolean;
  threshold: number;
}

/** Takes the gas report's options out of the arguments; the rest go to ava. */
export function gasReportOptions(args: string[], env: NodeJS.ProcessEnv): { options: GasReportOptions; rest: string[] } {
  const modes: Record<string, GasReportMode> = { '': 'off', '0': 'off', '1': 'print', true: 'print', compare: 'compare', update: 'update' };
  let mode = modes[env.NEAR_GAS_REPORT ?? ''];
  if (mode === undefined) throw new Error(`NEAR_GAS_REPORT=${env.NEAR_GAS_REPORT} is not understood: use 1, compare or update`);
  let json = false;
  let threshold = 0.02;
  const rest: string[] = [];
  for (const arg of args) {
    const m = /^--gas-report(?:=(.*))?$/.exec(arg);
    const t = /^--gas-report-threshold=(.*)$/.exec(arg);
    if (m) {
      const chosen = m[1] === undefined ? 'print' : modes[m[1]];
      if (chosen === undefined || chosen === 'off') throw new Error(`${arg}: use --gas-report, --gas-report=compare or --gas-report=update`);
      mode = chosen;
    } else if (t) {
      threshold = Number(t[1]) / 100;
      if (!Number.isFinite(threshold) || threshold < 0) throw new Error(`${arg}: give a percentage, e.g. --gas-report-threshold=5`);
    } else if (arg === '--json') json = true;
    else rest.push(arg);
  }
  if (json && mode === 'off') throw new Error('--json applies to the gas report: add --gas-report');
  return { options: { mode, json, threshold }, rest };
}

/** Prints the run's gas report; returns how many failures it counts (regressions against the baseline). */
async function reportGas(dir: string, options: GasReportOptions, avaArgs: string[]): Promise<number> {
  const { compareGasReports, contractNames, formatGasReport, formatRegressions, readGasRecords, summarise } = await import('./lib/gas-report.js');
  // the files the run covered (none named: every suite); a baseline compares only with a run of the same files
  const scope = avaArgs.filter((a) => !a.startsWith('-')).sort();
  const report = { scope, ...summarise(readGasRecords(dir), contractNames(join(REPO, 'build'))) };
  console.log(options.json ? JSON.stringify(report) : `\n${formatGasReport(report)}`);
  if (options.mode === 'update') {
    writeFileSync(BASELINE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`gas report: baseline written to ${BASELINE}`);
  }
  if (options.mode !== 'compare') return 0;
  if (!existsSync(BASELINE)) {
    console.log(`gas report: no baseline at ${BASELINE}; create it with npm test -- --gas-report=update`);
    return 1;
  }
  const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as typeof report;
  const named = (files: string[] | undefined) => (files?.length ? files.join(' ') : 'every suite');
  if (JSON.stringify(baseline.scope ?? []) !== JSON.stringify(scope)) {
    // medians depend on which tests made the calls: another set of files is not comparable
    console.log(`gas report: the baseline ${BASELINE} was made from ${named(baseline.scope)}, this run covers ${named(scope)}; compare the same files (npm test -- --gas-report=compare ${baseline.scope?.join(' ') ?? ''}) or rewrite the baseline with --gas-report=update`);
    return 1;
  }
  const regressions = compareGasReports(baseline, report, options.threshold);
  console.log(regressions.length ? formatRegressions(regressions, options.threshold) : `gas report: no median above the baseline by more than ${(options.threshold * 100).toFixed(1)}%`);
  return regressions.length;
}

/** Runs ava with `args` and extra environment, echoing its output; returns its counts. */
export async function runAva(args: string[], env: Record<string, string>): Promise<AvaCounts> {
  const resultsDir = mkdtempSync(join(tmpdir(), 'ava-results-'));
  const resultsFile = join(resultsDir, 'results.json');
  const child = spawn(process.execPath, [avaWithResults, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // near-workspaces prints every contract log of every call unless told not to; keep test output readable.
    env: { NEAR_WORKSPACES_NO_LOGS: '1', ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0', ...env, AVA_RESULTS_FILE: resultsFile },
  });
  const exitCode: number = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  try {
    return readAvaResults(resultsFile, exitCode);
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}

const SANDBOX_TESTS_GLOB = 'sandbox-tests/**/*.ava.ts';

/**
 * NEAR_SANDBOX_TESTS_ALSO_AT=77 (CI sets it): after the run, the near-workspaces suites (sandbox-tests) run once
 * more with the launcher at that protocol version, so they stay green both at mainnet's version (the default)
 * and at 77, what near-workspaces 5.0.0's own binary (neard 2.6.2) runs.
 */
export function alsoAtProtocols(env: NodeJS.ProcessEnv): string[] {
  return (env.NEAR_SANDBOX_TESTS_ALSO_AT ?? '').split(',').map((v) => v.trim()).filter(Boolean);
}

/** The sandbox-tests files among the run's arguments; every one when the run named no file. */
export function sandboxTestFiles(args: string[]): string[] {
  const files = args.filter((a) => !a.startsWith('-'));
  if (files.length === 0) return [SANDBOX_TESTS_GLOB];
  return files.filter((f) => f.replace(/^\.\//, '').startsWith('sandbox-tests/'));
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = gasReportOptions(process.argv.slice(2), process.env);
  } catch (e) {
    console.error((e as Error).message);
    console.log('\n0 passed, 1 failed');
    process.exitCode = 1;
    return;
  }
  const { options: gas, rest: args } = parsed;
  const gasDir = gas.mode === 'off' ? undefined : mkdtempSync(join(tmpdir(), 'gas-report-'));
  if (!(await prepare())) {
    console.log('\n0 passed, 1 failed');
    process.exitCode = 1;
    return;
  }
  let { passed, failed, skipped } = await runAva(args, gasDir ? { NEAR_GAS_REPORT_DIR: gasDir } : {});
  if (gasDir) {
    failed += await reportGas(gasDir, gas, args);
    rmSync(gasDir, { recursive: true, force: true });
  }
  for (const protocolVersion of alsoAtProtocols(process.env)) {
    const files = sandboxTestFiles(args);
    if (files.length === 0) continue;
    const started = performance.now();
    console.log(`\n== near-workspaces suites again at protocol ${protocolVersion} (NEAR_SANDBOX_PROTOCOL_VERSION=${protocolVersion}): ${files.length === 1 && files[0] === SANDBOX_TESTS_GLOB ? 'sandbox-tests' : files.join(' ')}`);
    const again = await runAva(files, { NEAR_SANDBOX_PROTOCOL_VERSION: protocolVersion });
    console.log(`protocol ${protocolVersion}: ${again.passed} passed, ${again.failed} failed in ${Math.round((performance.now() - started) / 1000)} s`);
    passed += again.passed;
    failed += again.failed;
    skipped += again.skipped;
  }
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

await main();

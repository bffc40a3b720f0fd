/**
 * `npm test` (scripts/test.ts) counts tests from ava's own tally (scripts/lib/ava-with-results.mjs), not from
 * the printed output: a suite whose tests print summary-shaped lines (an inner suite's output, a log, a failure
 * message) is still counted right, and the closing line keeps the `N passed, N failed` form CI reads.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPO = fileURLToPath(new URL('..', import.meta.url));

test('a suite printing fake summaries on stdout, stderr, in a log and in a failure is counted 2 passed, 1 failed', async (t) => {
  const run = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/test.ts', '--config', 'test/fixtures/fake-summary/ava.config.mjs'],
    // NEAR_SANDBOX_TESTS_ALSO_AT (CI) would run sandbox-tests again; this run names none, so it must not.
    { cwd: REPO, env: { ...process.env, NEAR_SANDBOX_TESTS_ALSO_AT: '', NEAR_GAS_REPORT: '' }, maxBuffer: 1 << 24 },
  ).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  const output = `${run.stdout}\n${run.stderr}`;
  // the spoofing lines were really printed: the tests' own output (ava forwards it to stderr) and the failure report
  t.regex(run.stderr, /^99 passed, 0 failed$/m);
  t.regex(run.stderr, /^ {2}7 tests failed$/m);
  t.regex(run.stdout, /^\s+99 passed, 0 failed$/m);
  t.is(run.code, 1, output);
  const closing = run.stdout.trimEnd().split('\n').pop();
  t.is(closing, '2 passed, 1 failed', output);
});

/**
 * ava's CLI, unchanged (same arguments, same reporter on the terminal), that also writes the run's counts
 * to the file named by AVA_RESULTS_FILE when the run ends: the counts ava's own RunStatus keeps from its
 * workers' test events. scripts/test.ts counts from this file, never from the printed output, which any
 * test can write into (a test that runs an inner suite prints that suite's summary lines).
 *
 * Plain JavaScript on purpose: ava's workers inherit this process's Node flags, and the workers already
 * load tsx through ava's `nodeArguments` (package.json).
 */
import { writeFileSync } from 'node:fs';
// Internal module of ava 7.0.0 (pinned): its tally of the run, which the CLI's reporter prints from.
import RunStatus from '../../node_modules/ava/lib/run-status.js';

const resultsFile = process.env.AVA_RESULTS_FILE;
if (!resultsFile) throw new Error('AVA_RESULTS_FILE must name the file to write the counts to');
if (typeof RunStatus?.prototype?.emitStateChange !== 'function') {
  throw new Error('ava/lib/run-status.js has no RunStatus.emitStateChange: this ava version is not the one scripts/lib/ava-with-results.mjs was written for (7.0.0)');
}

const emitStateChange = RunStatus.prototype.emitStateChange;
RunStatus.prototype.emitStateChange = function (event) {
  const result = emitStateChange.call(this, event);
  if (event.type === 'end') {
    const s = this.stats;
    writeFileSync(
      resultsFile,
      JSON.stringify({
        passed: s.passedTests + s.passedKnownFailingTests,
        // Tests still pending at the end failed too: a crashed worker, a timeout, a process.exit().
        failed: s.failedTests + s.remainingTests + s.failedHooks + s.uncaughtExceptions + s.unhandledRejections + s.internalErrors + s.sharedWorkerErrors,
        skipped: s.skippedTests + s.todoTests,
        declared: s.declaredTests,
      }),
    );
  }
  return result;
};

await import('../../node_modules/ava/entrypoints/cli.mjs');

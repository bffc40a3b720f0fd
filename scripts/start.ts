/**
 * `npm start`: builds the contracts (cached), starts the local node, deploys the five contracts and
 * runs the narrated scenario (scripts/scenario/run.ts). Exit 0 when every step's checks held;
 * otherwise 1 with the failing step and what was expected. `--no-build` uses the Wasm already in build/.
 */
import { runScenario } from './scenario/run.js';
import { ScenarioStepFailed } from './scenario/log.js';

async function main(): Promise<number> {
  try {
    await runScenario({ interactive: process.stdout.isTTY === true, build: !process.argv.includes('--no-build') });
    return 0;
  } catch (error) {
    if (error instanceof ScenarioStepFailed) {
      console.error(`\nnpm start: ${error.message}`);
      if (process.env.DEBUG && error.cause.stack) console.error(error.cause.stack);
      else console.error('(set DEBUG=1 for the stack trace)');
    } else {
      console.error(`\nnpm start: ${(error as Error)?.stack ?? String(error)}`);
    }
    return 1;
  }
}

main().then((code) => process.exit(code));

/**
 * Entry point of the `near-sandbox` executable (bundled by src/node/bundle.ts; `bin/near-sandbox` runs it).
 */
import { main } from '../src/node/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    // a damaged or locked store is the user's to fix: its message says how; a stack would bury it
    const expected = error instanceof Error && (error.name === 'StoreDamagedError' || error.name === 'StoreLockedError');
    process.stderr.write(`near-sandbox: ${expected ? error.message : ((error as Error)?.stack ?? String(error))}\n`);
    process.exit(1);
  },
);

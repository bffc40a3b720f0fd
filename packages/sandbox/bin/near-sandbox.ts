/**
 * Entry point of the `near-sandbox` executable (bundled by src/node/bundle.ts; `bin/near-sandbox` runs it).
 */
import { main } from '../src/node/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`near-sandbox: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);

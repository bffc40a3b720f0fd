#!/usr/bin/env node
/**
 * The `near-sandbox` command: neard's command line on this package's node. The installed package's bin
 * (`near-ts-sandbox`) and the launcher near-workspaces runs (src/node/launcher.ts) start here; in this
 * repository bin/near-sandbox.ts does, bundled by src/node/bundle.ts.
 */
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    // a damaged or locked store or a taken port is the user's to fix: its message says how; a stack would bury it
    const expected = error instanceof Error && ['StoreDamagedError', 'StoreLockedError', 'RpcAddressInUseError'].includes(error.name);
    process.stderr.write(`near-sandbox: ${expected ? error.message : ((error as Error)?.stack ?? String(error))}\n`);
    process.exit(1);
  },
);

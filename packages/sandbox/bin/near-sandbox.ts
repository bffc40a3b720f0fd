/**
 * Entry point of the `near-sandbox` executable in this repository (bundled by src/node/bundle.ts;
 * `bin/near-sandbox` runs it). The installed package runs src/node/main.ts directly.
 */
import '../src/node/main.js';

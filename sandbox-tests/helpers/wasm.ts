/**
 * Paths of compiled contracts. `npm test` builds every contract (build/<name>.wasm) and every test
 * contract under sandbox-tests/contracts (build/test-contracts/<name>.wasm) before ava starts, so
 * suites only read files here.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function existing(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  return path;
}

/** build/<name>.wasm of a contract under contracts/. */
export function contractWasm(name: string): string {
  return existing(`${root}build/${name}.wasm`, `run \`npm run build -- ${name}\` (npm test does it for you)`);
}

/** build/test-contracts/<name>.wasm of a test contract under sandbox-tests/contracts/. */
export function testContractWasm(name: string): string {
  return existing(`${root}build/test-contracts/${name}.wasm`, 'run `npm test`, which builds the test contracts first');
}

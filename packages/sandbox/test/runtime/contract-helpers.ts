/** Compiles the WAT test contracts with the `wabt` npm package. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const wabtInit = require('wabt') as () => Promise<any>;

export async function watToWasm(file: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const text = readFileSync(new URL(`./contracts/${file}`, import.meta.url), 'utf8');
  const mod = wabt.parseWat(file, text);
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return new Uint8Array(buffer);
}

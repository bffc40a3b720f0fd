/**
 * `npm run bench:gas`: gas per contract method and contract sizes, measured on the in-process
 * node (same runtime and gas rules as the RPC node). A table for people; `--json` prints one JSON
 * object { contracts: {name: {wasmBytes}}, rows: [...] } instead.
 */
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSandbox } from '../packages/sandbox/src/index.js';
import { buildContracts } from '../packages/contract-builder/src/index.js';
import type { GasBenchmark, GasRow } from './bench-gas/types.js';

const json = process.argv.includes('--json');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

const built = await buildContracts({ log: () => {} });
const contracts = Object.fromEntries(built.map((r) => [r.name, { wasmBytes: statSync(r.wasmPath).size }]));

const dir = fileURLToPath(new URL('./bench-gas/', import.meta.url));
const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'types.ts' && (only.length === 0 || only.includes(f.replace(/\.ts$/, ''))));
const rows: GasRow[] = [];
for (const file of modules.sort()) {
  const { measure } = (await import(`./bench-gas/${file}`)) as { measure: GasBenchmark };
  rows.push(...(await measure(createSandbox())));
}

const tgas = (gas: bigint) => (Number(gas) / 1e12).toFixed(2);
if (json) {
  console.log(JSON.stringify({
    contracts,
    rows: rows.map((r) => ({ ...r, gasBurnt: r.gasBurnt.toString(), tgas: Number(tgas(r.gasBurnt)), target: r.target?.toString(), withinTarget: r.target === undefined ? undefined : r.gasBurnt <= r.target })),
  }));
} else {
  console.log('contract sizes');
  for (const [name, { wasmBytes }] of Object.entries(contracts)) console.log(`  ${name.padEnd(24)} ${(wasmBytes / 1024).toFixed(1).padStart(8)} KiB`);
  console.log('\ngas (Tgas; * = above target)');
  for (const row of rows) {
    const mark = row.target !== undefined && row.gasBurnt > row.target ? '*' : ' ';
    const target = row.target !== undefined ? ` (target ≤ ${tgas(row.target)})` : '';
    console.log(`  ${row.contract.padEnd(22)} ${row.operation.padEnd(48)} ${tgas(row.gasBurnt).padStart(8)}${mark}${target}${row.note ? `  ${row.note}` : ''}`);
  }
}

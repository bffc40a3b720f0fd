/**
 * `npm run bench:gas`: gas per contract method and contract sizes, measured on the in-process
 * node (same runtime and gas rules as the RPC node). A table for people; `--json` prints one JSON
 * object { contracts: {name: {wasmBytes}}, rows: [...] } instead. Each row also shows its gas before
 * storage ops were charged per trie node (scripts/bench-gas/baseline.json, measured on main before).
 *
 * `--write-readmes` also rewrites the gas figures in contracts/<name>/README.md from this run: a figure
 * written as `3.99<!-- bench:gas stablecoin / ft_transfer (transaction total) -->` is replaced by that row's
 * Tgas (` / ` because a `|` would split a Markdown table cell; counts in parentheses of an operation may be
 * written `(#`, as in the baseline). So the READMEs'
 * figures are measured, not typed; a marker naming a row the run does not have fails the command.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSandbox } from '../packages/sandbox/src/index.js';
import { buildContracts } from '../packages/contract-builder/src/index.js';
import type { GasBenchmark, GasRow } from './bench-gas/types.js';

const json = process.argv.includes('--json');
const writeReadmes = process.argv.includes('--write-readmes');
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

const baseline = JSON.parse(readFileSync(new URL('./bench-gas/baseline.json', import.meta.url), 'utf8')) as { rows: Record<string, string> };
/** The baseline's key of a row: counts in parentheses vary with gas ("largest in 300 Tgas (151)"), so they are #. */
const baselineKey = (r: GasRow) => `${r.contract} | ${r.operation}`.replace(/\((\d+)/g, '(#');
const before = (r: GasRow): bigint | undefined => {
  const gas = baseline.rows[baselineKey(r)];
  return gas === undefined ? undefined : BigInt(gas);
};

const tgas = (gas: bigint) => (Number(gas) / 1e12).toFixed(2);
const change = (now: bigint, then: bigint | undefined) =>
  then === undefined ? '      new' : `${tgas(then).padStart(8)} ${(now >= then ? '+' : '') + ((Number(now - then) / Number(then)) * 100).toFixed(1)}%`;
if (json) {
  console.log(JSON.stringify({
    contracts,
    rows: rows.map((r) => ({ ...r, gasBurnt: r.gasBurnt.toString(), tgas: Number(tgas(r.gasBurnt)), before: before(r)?.toString(), target: r.target?.toString(), withinTarget: r.target === undefined ? undefined : r.gasBurnt <= r.target })),
  }));
} else {
  console.log('contract sizes');
  for (const [name, { wasmBytes }] of Object.entries(contracts)) console.log(`  ${name.padEnd(24)} ${(wasmBytes / 1024).toFixed(1).padStart(8)} KiB`);
  console.log('\ngas (Tgas; * = above target; before = without trie-node charges on storage ops, and the change)');
  console.log(`  ${'contract'.padEnd(22)} ${'operation'.padEnd(48)} ${'now'.padStart(8)}  ${'before'.padStart(8)} change`);
  for (const row of rows) {
    const mark = row.target !== undefined && row.gasBurnt > row.target ? '*' : ' ';
    const target = row.target !== undefined ? ` (target ≤ ${tgas(row.target)})` : '';
    console.log(`  ${row.contract.padEnd(22)} ${row.operation.padEnd(48)} ${tgas(row.gasBurnt).padStart(8)}${mark} ${change(row.gasBurnt, before(row))}${target}${row.note ? `  ${row.note}` : ''}`);
  }
}

/** Rewrites every `<figure><!-- bench:gas <contract> / <operation> -->` in the contracts' READMEs from `rows`. */
function writeReadmeFigures(): void {
  const key = (contract: string, operation: string) => `${contract} | ${operation.trim()}`.replace(/\((\d+)/g, '(#');
  const measured = new Map(rows.map((r) => [key(r.contract, r.operation), r.gasBurnt]));
  const contractsMeasured = new Set(rows.map((r) => r.contract));
  const contractsDir = fileURLToPath(new URL('../contracts/', import.meta.url));
  const unknown: string[] = [];
  for (const name of readdirSync(contractsDir)) {
    const file = `${contractsDir}${name}/README.md`;
    if (!existsSync(file)) continue;
    let count = 0;
    const text = readFileSync(file, 'utf8');
    const updated = text.replace(/\d+(?:\.\d+)?(<!-- bench:gas (.+?) \/ (.+?) -->)/g, (whole, marker: string, contract: string, operation: string) => {
      const gas = measured.get(key(contract, operation));
      if (gas === undefined) {
        if (contractsMeasured.has(contract)) unknown.push(`contracts/${name}/README.md: ${marker}`);
        return whole;
      }
      count++;
      return `${tgas(gas)}${marker}`;
    });
    if (updated !== text) writeFileSync(file, updated);
    if (count > 0) console.error(`contracts/${name}/README.md: ${count} gas figures written`);
  }
  if (unknown.length > 0) {
    console.error(`these README markers name no row of this run (operations: scripts/bench-gas/*.ts):\n  ${unknown.join('\n  ')}`);
    process.exitCode = 1;
  }
}

if (writeReadmes) writeReadmeFigures();

/**
 * Contract READMEs' method tables, read at run time (sandbox-tests/readme-deposits.ava.ts states the
 * convention): the first column names methods in backticks, a column headed "Deposit" says
 * `1 yoctoNEAR` where exactly one yoctoNEAR is required and `≥ 1 yoctoNEAR` where at least one is.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface MethodRow {
  methods: string[];
  /** The Deposit cell, or null in a table without that column. */
  deposit: string | null;
}

/** Every table row of a markdown document: the backticked method names of its first cell and its Deposit cell. */
export function methodRows(markdown: string): MethodRow[] {
  const rows: MethodRow[] = [];
  let depositColumn: number | null = null;
  let inTable = false;
  const cells = (line: string) => line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim());
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim().startsWith('|')) {
      inTable = false;
      continue;
    }
    if (!inTable) {
      inTable = true;
      const header = cells(line);
      const index = header.findIndex((h) => h === 'Deposit');
      depositColumn = index < 0 ? null : index;
      i += 1; // the |---| line
      continue;
    }
    const row = cells(line);
    const methods = [...(row[0] ?? '').matchAll(/`([a-z_][a-z0-9_]*)/g)].map((m) => m[1]!);
    if (methods.length > 0) rows.push({ methods, deposit: depositColumn === null ? null : (row[depositColumn] ?? '').replace(/\*\*/g, '') });
  }
  return rows;
}

/** The methods a contract's README marks `1 yoctoNEAR` (exact) and `≥ 1 yoctoNEAR` (at least). */
export function guardedMethods(contract: string): { exact: string[]; atLeast: string[] } {
  const rows = methodRows(readFileSync(`${root}contracts/${contract}/README.md`, 'utf8'));
  const pick = (deposit: string) => [...new Set(rows.filter((r) => r.deposit === deposit).flatMap((r) => r.methods))];
  return { exact: pick('1 yoctoNEAR'), atLeast: pick('≥ 1 yoctoNEAR') };
}

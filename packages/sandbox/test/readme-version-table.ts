/**
 * Reads a "… by protocol version" table of packages/sandbox/README.md for the tests that hold it to the code
 * (vm/readme-host-functions, runtime/readme-actions): the header's version columns and, per row, its first cell
 * and whether each version's cell says the thing exists (anything but `–`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

export interface VersionTableRow {
  /** 1-based line in the README, for failure messages */
  line: number;
  first: string;
  exists: Map<number, boolean>;
}

const cells = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());

export function readVersionTable(section: string, headerStart: string): { versions: number[]; rows: VersionTableRow[] } {
  const lines = readFileSync(README, 'utf8').split('\n');
  const start = lines.indexOf(section);
  if (start < 0) throw new Error(`packages/sandbox/README.md has no section "${section}"`);
  const header = lines.findIndex((l, i) => i > start && l.startsWith(headerStart));
  if (header < 0) throw new Error(`the section "${section}" has no table starting "${headerStart}"`);
  const versions = cells(lines[header]!).slice(1).map(Number);
  const rows: VersionTableRow[] = [];
  for (let i = header + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const [first, ...marks] = cells(lines[i]!);
    rows.push({ line: i + 1, first: first!, exists: new Map(versions.map((v, c) => [v, marks[c] !== '–'])) });
  }
  return { versions, rows };
}

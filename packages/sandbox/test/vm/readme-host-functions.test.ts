/**
 * packages/sandbox/README.md's table "Host functions by protocol version" against what the VM links
 * (src/vm/imports.ts): every host function any supported protocol version links has a row, and each row's ✓ / –
 * per version is what `isHostFunctionEnabled` says (issue 15: "the README lists every host function … with the
 * versions at which it exists"). A failure names the row to add or fix.
 *
 * Table conventions the test reads: the first cell lists names in backticks; text in parentheses is comment
 * (`bls12381_not_in_group_fix` there is no function); `_rest` abbreviates the preceding full name's prefix
 * (`promise_batch_action_create_account`, `_deploy_contract`); a version cell is `–` (not linked) or anything
 * else (`✓`, `links ¹`: linked).
 */
import test from 'ava';
import { runtimeConfig, SUPPORTED_PROTOCOL_VERSIONS } from '../../src/parameters/index.js';
import { HOST_FUNCTIONS } from '../../src/vm/index.js';
import { isHostFunctionEnabled } from '../../src/vm/imports.js';
import { readVersionTable } from '../readme-version-table.js';

const SECTION = '### Host functions by protocol version';

interface Row {
  line: number;
  text: string;
  names: string[];
  /** linked or not, per protocol version column */
  linked: Map<number, boolean>;
}

/** `_rest` → the preceding full name's prefix + `rest`, the longest prefix (cut at an `_`) that names a host function. */
function expand(short: string, full: string | undefined): string {
  if (full === undefined) return short;
  for (let cut = full.lastIndexOf('_'); cut > 0; cut = full.lastIndexOf('_', cut - 1)) {
    const candidate = full.slice(0, cut) + short;
    if (candidate in HOST_FUNCTIONS) return candidate;
  }
  return short;
}

function readTable(): { versions: number[]; rows: Row[] } {
  const { versions, rows } = readVersionTable(SECTION, '| host functions |');
  return {
    versions,
    rows: rows.map(({ line, first, exists }) => {
      const names: string[] = [];
      let full: string | undefined;
      for (const [, name] of first.replace(/\([^)]*\)/g, '').matchAll(/`([a-z0-9_]+)`/g)) {
        if (name!.startsWith('_')) names.push(expand(name!, full));
        else names.push((full = name!));
      }
      return { line, text: first, names, linked: exists };
    }),
  };
}

const mark = (linked: boolean) => (linked ? '✓' : '–');

test('the README lists every host function the VM links, at the versions it links them (imports.ts)', (t) => {
  const { versions, rows } = readTable();
  const problems: string[] = [];
  for (const v of SUPPORTED_PROTOCOL_VERSIONS) {
    if (!versions.includes(v)) problems.push(`the table has no column for protocol ${v}: add one to its header (| host functions | ${[...versions, v].sort((a, b) => a - b).join(' | ')} |) and a mark to every row`);
  }
  const linkedAt = (name: string) => new Map(versions.map((v) => [v, SUPPORTED_PROTOCOL_VERSIONS.includes(v) && isHostFunctionEnabled(name, runtimeConfig(v))]));
  const marks = (linked: Map<number, boolean>) => versions.map((v) => mark(linked.get(v)!)).join(' | ');
  const rowOf = new Map<string, Row>();
  for (const row of rows) {
    for (const name of row.names) {
      const where = `packages/sandbox/README.md:${row.line} (row "${row.text.slice(0, 60)}")`;
      if (!(name in HOST_FUNCTIONS)) {
        problems.push(`${where} names \`${name}\`, which src/vm/imports.ts does not link at any version: fix the name or remove it`);
        continue;
      }
      if (rowOf.has(name)) problems.push(`${where} names \`${name}\` again (first at line ${rowOf.get(name)!.line}): keep one`);
      rowOf.set(name, row);
      const actual = linkedAt(name);
      const wrong = versions.filter((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v) && actual.get(v) !== row.linked.get(v));
      if (wrong.length > 0) {
        problems.push(
          `${where} marks \`${name}\` ${marks(row.linked)} (protocols ${versions.join(', ')}), but imports.ts links it ${marks(actual)}: ` +
            `move it to a row marked | ${marks(actual)} |, e.g. | \`${name}\` | ${marks(actual)} |`,
        );
      }
    }
  }
  for (const name of Object.keys(HOST_FUNCTIONS)) {
    if (rowOf.has(name)) continue;
    const actual = linkedAt(name);
    if (![...actual.values()].some(Boolean)) continue;
    problems.push(`packages/sandbox/README.md, "${SECTION.replace(/^#+ /, '')}": no row names \`${name}\`; add it to a row marked | ${marks(actual)} | or add the row | \`${name}\` | ${marks(actual)} |`);
  }
  t.deepEqual(problems, [], problems.join('\n'));
});

test('the table reader expands `_rest` abbreviations and skips names in parentheses', (t) => {
  const { rows } = readTable();
  const all = rows.flatMap((r) => r.names);
  t.true(all.includes('promise_batch_action_deploy_contract'), '`_deploy_contract` after promise_batch_action_create_account');
  t.true(all.includes('promise_batch_action_add_gas_key_with_full_access'));
  t.false(all.includes('bls12381_not_in_group_fix'), 'parenthesised text is comment');
  t.false(all.some((n) => n.startsWith('_')), 'every abbreviation expands');
});

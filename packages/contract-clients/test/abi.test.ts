/**
 * Every client against its contract's ABI (build/<name>.abi.json, near-sdk-js ABI 0.3.0 written by
 * the contract builder): the same method names, the same kind (view/call), the same parameter
 * names in the same order, private callbacks marked private, and nothing extra on either side.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { ensureBuilt } from '../../contract-builder/src/index.js';
import { METHOD_TABLES, type MethodTable } from '../src/index.js';

interface AbiFunction {
  name: string;
  kind: 'view' | 'call';
  modifiers?: string[];
  params?: { args: { name: string }[] };
}

async function abiOf(name: string): Promise<AbiFunction[]> {
  const wasmPath = await ensureBuilt(name, { abi: true });
  const abi = JSON.parse(readFileSync(wasmPath.replace(/\.wasm$/, '.abi.json'), 'utf8')) as { body: { functions: AbiFunction[] } };
  return abi.body.functions;
}

/**
 * Methods whose body refuses other callers with `assertPrivateMethod('<name>')` (the signer double does
 * this to give near-sdk-rs's `#[private]` message, as near/mpc's callbacks do): private, though the ABI,
 * which only sees `@call({ privateFunction })`, cannot say so.
 */
function privateByAssertion(name: string): Set<string> {
  const dir = new URL(`../../../contracts/${name}/src/`, import.meta.url);
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const match of readFileSync(new URL(file, dir), 'utf8').matchAll(/assertPrivateMethod\('(\w+)'\)/g)) names.add(match[1]!);
  }
  return names;
}

/** Every difference between a method table and an ABI, one line each (empty when they agree). */
function mismatches(table: MethodTable, functions: AbiFunction[], assertedPrivate: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  const inAbi = new Set(functions.map((f) => f.name));
  for (const name of Object.keys(table)) if (!inAbi.has(name)) problems.push(`${name}: in the client, not in the ABI`);
  for (const f of functions) {
    const method = table[f.name];
    if (!method) {
      problems.push(`${f.name}: in the ABI, not in the client`);
      continue;
    }
    if (method.kind !== f.kind) problems.push(`${f.name}: kind ${method.kind}, ABI ${f.kind}`);
    const abiParams = (f.params?.args ?? []).map((a) => a.name);
    if (JSON.stringify(method.params) !== JSON.stringify(abiParams)) problems.push(`${f.name}: parameters ${method.params.join(',')}, ABI ${abiParams.join(',')}`);
    const abiPrivate = (f.modifiers ?? []).includes('private') || assertedPrivate.has(f.name);
    if (method.kind === 'call' && method.private !== abiPrivate) problems.push(`${f.name}: private ${method.private}, ABI ${abiPrivate}`);
  }
  return problems;
}

for (const [name, table] of Object.entries(METHOD_TABLES) as [string, MethodTable][]) {
  test(`${name}: the client has exactly the ABI's methods, kinds, parameter names and private callbacks`, async (t) => {
    const functions = await abiOf(name);
    t.deepEqual(mismatches(table, functions, privateByAssertion(name)), []);
    t.true(functions.length >= 9, 'the ABI lists the contract methods');
  });
}

test('the check notices a missing method, an extra one, a wrong kind, a renamed parameter and an unmarked callback', (t) => {
  const abi: AbiFunction[] = [
    { name: 'ft_balance_of', kind: 'view', params: { args: [{ name: 'owner_id' }] } },
    { name: 'ft_total_supply', kind: 'call' },
    { name: 'ft_resolve_transfer', kind: 'call', modifiers: [], params: { args: [{ name: 'sender_id' }, { name: 'receiver_id' }, { name: 'amount' }] } },
    { name: 'not_in_client', kind: 'view' },
  ];
  const { ft_balance_of, ft_total_supply, ft_resolve_transfer, owner } = METHOD_TABLES.stablecoin;
  t.deepEqual(mismatches({ ft_balance_of, ft_total_supply, ft_resolve_transfer, owner }, abi), [
    'owner: in the client, not in the ABI',
    'ft_balance_of: parameters account_id, ABI owner_id',
    'ft_total_supply: kind view, ABI call',
    'ft_resolve_transfer: private true, ABI false',
    'not_in_client: in the ABI, not in the client',
  ]);
});

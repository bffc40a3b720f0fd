/**
 * Each contract README's method table against the contract, through the node (issue 13, attack 7:
 * "each README's method table has a column for it and a test checks the table against the
 * contract"). The README is read when the test runs, so a README edited later is checked as it is.
 *
 * Convention every contract README follows:
 * - a markdown table whose first column names the method in backticks (`name(...)`; a cell may name
 *   several, e.g. `pause()` / `unpause()`), with a column headed "Deposit";
 * - a Deposit cell that is exactly `1 yoctoNEAR` means exactly 1 yoctoNEAR is required, and exactly
 *   `≥ 1 yoctoNEAR` means at least that; such a method checks the deposit first, so a call with no
 *   deposit (through a full-access key, arguments `{}`) fails with the guard's panic
 *   (contracts/lib/guards.ts) whatever else is wrong;
 * - every change method (the ABI's calls and the Wasm's plain exports such as `stage_upgrade`) has a
 *   row in a table with a Deposit column; views are named in a table or in the text.
 *
 * Init arguments come from scripts/deploy.config.json, so the contract is set up as `npm run deploy
 * -- --init` would.
 */
import anyTest, { type TestFn, type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type NearAccount } from 'near-workspaces';
import { contractWasm } from './helpers/wasm.js';
import { createSubAccount, panics } from './helpers/accounts.js';
import { methodRows } from './helpers/readme.js';
import { loadDeployConfig, resolveArgs } from '../scripts/lib/deploy-config.js';
import { rootPublicKeys } from '../packages/chain-signatures/src/index.js';

const NEAR = 10n ** 24n;
const TGAS = 10n ** 12n;
const root = fileURLToPath(new URL('../', import.meta.url));
const GUARDS = {
  exact: 'Guard: requires an attached deposit of exactly 1 yoctoNEAR',
  atLeast: 'Guard: requires an attached deposit of at least 1 yoctoNEAR',
};
const CONTRACTS = ['stablecoin', 'payout', 'chain-signatures-proxy', 'task-marketplace', 'mpc-signer-double'];

const test = anyTest as TestFn<{ worker: Worker; root: NearAccount }>;

test.before(async (t) => {
  const worker = await Worker.init();
  t.context = { worker, root: worker.rootAccount };
});

test.after.always(async (t) => {
  await t.context.worker?.tearDown();
});

/** Change methods of the built contract: the ABI's calls, plus plain exports (lowercase) the ABI does not list. */
function changeMethods(name: string): { calls: string[]; views: string[] } {
  const wasm = contractWasm(name);
  const abi = JSON.parse(readFileSync(wasm.replace(/\.wasm$/, '.abi.json'), 'utf8')) as { body: { functions: { name: string; kind: string }[] } };
  const listed = new Set(abi.body.functions.map((f) => f.name));
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasm))).filter((e) => e.kind === 'function' && /^[a-z]/.test(e.name) && !listed.has(e.name)).map((e) => e.name);
  return {
    calls: [...abi.body.functions.filter((f) => f.kind === 'call').map((f) => f.name), ...exports],
    views: abi.body.functions.filter((f) => f.kind === 'view').map((f) => f.name),
  };
}

async function deployInitialised(t: ExecutionContext<{ worker: Worker; root: NearAccount }>, name: string): Promise<NearAccount> {
  const contract = await createSubAccount(t.context.root, name.slice(0, 8).replace(/-$/, ''), 30n * NEAR);
  const config = loadDeployConfig(`${root}scripts/deploy.config.json`).contracts[name]!.init!;
  const roots = rootPublicKeys();
  const env = { ...process.env, MPC_SECP256K1_ROOT: roots.secp256k1, MPC_ED25519_ROOT: roots.ed25519, MPC_PARTICIPANT_ID: contract.accountId };
  const args = resolveArgs(config.args, contract.accountId, `${name}.init.args`, env);
  const result = await contract.batch(contract).deployContract(readFileSync(contractWasm(name))).functionCall(config.method, args, { gas: config.gas, attachedDeposit: config.deposit }).transact();
  if (!result.succeeded) throw new Error(`${name}: deploy and init failed: ${JSON.stringify(result.Failure)}`);
  return contract;
}

for (const name of CONTRACTS) {
  test(`${name} README: every change method has a row with a Deposit; each "1 yoctoNEAR" / "≥ 1 yoctoNEAR" method refuses a call without it`, async (t) => {
    const readme = readFileSync(`${root}contracts/${name}/README.md`, 'utf8');
    const rows = methodRows(readme);
    const withDeposit = new Map<string, string>();
    for (const row of rows) for (const method of row.methods) if (row.deposit !== null && !withDeposit.has(method)) withDeposit.set(method, row.deposit);
    const { calls, views } = changeMethods(name);
    t.deepEqual(calls.filter((m) => !withDeposit.has(m)), [], `change methods without a Deposit row in contracts/${name}/README.md`);
    t.deepEqual(views.filter((m) => !readme.includes(`\`${m}(`)), [], `views not named in contracts/${name}/README.md`);

    const guarded = [...withDeposit].filter(([, d]) => d === '1 yoctoNEAR' || d === '≥ 1 yoctoNEAR');
    if (guarded.length === 0) {
      t.log(`${name}: no method marked 1 yoctoNEAR`);
      return;
    }
    const contract = await deployInitialised(t, name);
    const caller = await createSubAccount(t.context.root, 'caller', 10n * NEAR);
    for (const [method, deposit] of guarded) {
      t.true(calls.includes(method), `${method} is marked "${deposit}" but the contract has no such change method`);
      const result = await caller.callRaw(contract, method, {}, { attachedDeposit: 0n, gas: 100n * TGAS });
      const expected = deposit === '1 yoctoNEAR' ? GUARDS.exact : GUARDS.atLeast;
      t.deepEqual(panics(result.receiptFailureMessages), [`Smart contract panicked: ${expected}`], `${name}.${method} (Deposit "${deposit}") called without a deposit`);
    }
    t.log(`${name}: ${guarded.length} guarded methods checked: ${guarded.map(([m]) => m).join(', ')}`);
  });
}

test('the table parser: method names from the first cell, the Deposit cell, tables without one', (t) => {
  const markdown = [
    '| Method | Caller | Deposit | Errors |',
    '|---|---|---|---|',
    '| `pause()` / `unpause()` | owner | 1 yoctoNEAR | `Pausable: paused` |',
    '| `create({a \\| b})` → Pool | anyone | ≥ 1 yoctoNEAR | – |',
    '| token `ft_transfer_call(...)` | – | **1 yoctoNEAR** | x |',
    '',
    '| Method | Returns |',
    '|---|---|',
    '| `get_pool({pool_id})` | Pool |',
  ].join('\n');
  t.deepEqual(methodRows(markdown), [
    { methods: ['pause', 'unpause'], deposit: '1 yoctoNEAR' },
    { methods: ['create'], deposit: '≥ 1 yoctoNEAR' },
    { methods: ['ft_transfer_call'], deposit: '1 yoctoNEAR' },
    { methods: ['get_pool'], deposit: null },
  ]);
});

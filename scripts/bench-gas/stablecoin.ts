/**
 * Stablecoin gas: one transaction per operation on a fresh in-process node, and the largest
 * batch_transfer that fits one 300 Tgas transaction (issue targets: ft_transfer ≤ 10 Tgas in
 * total; batch_transfer pays ≥ 200 registered receivers in one 300 Tgas transaction).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildContract } from '../../packages/contract-builder/src/index.js';
import { NEAR, TGAS, type Sandbox } from '../../packages/sandbox/src/index.js';
import type { GasRow } from './types.js';

const TOKEN = 'usdx.test.near';
const OWNER = 'owner.test.near';

function ok(node: Sandbox, signer: string, method: string, args: Record<string, unknown>, deposit = 1n, gas = 300n * TGAS) {
  const result = node.call(signer, TOKEN, method, args, { deposit, gas });
  if (!result.succeeded) throw new Error(`${method} failed: ${JSON.stringify(result.failure)}`);
  return result;
}

export async function measure(node: Sandbox): Promise<GasRow[]> {
  node.createAccount(TOKEN, { balance: 50n * NEAR });
  node.createAccount(OWNER, { balance: 1000n * NEAR });
  node.createAccount('bob.test.near', { balance: 10n * NEAR });
  node.deployContract(TOKEN, readFileSync('build/stablecoin.wasm'));
  const rows: GasRow[] = [];
  const row = (operation: string, gasBurnt: bigint, target?: bigint, note?: string) => rows.push({ contract: 'stablecoin', operation, gasBurnt, target, note });

  row('init', ok(node, TOKEN, 'init', { owner_id: OWNER }, 0n).gasBurnt);
  const bounds = JSON.parse(new TextDecoder().decode(node.viewFunction(TOKEN, 'storage_balance_bounds', {}).result)) as { min: string };
  const min = BigInt(bounds.min);
  row('storage_deposit (register)', ok(node, OWNER, 'storage_deposit', {}, min).gasBurnt);
  ok(node, 'bob.test.near', 'storage_deposit', {}, min);
  row('grant_role', ok(node, OWNER, 'grant_role', { role: 'master_minter', account_id: OWNER }).gasBurnt);
  for (const role of ['pauser', 'blacklister']) ok(node, OWNER, 'grant_role', { role, account_id: OWNER });
  row('configure_minter', ok(node, OWNER, 'configure_minter', { account_id: OWNER, allowance: (10n ** 30n).toString() }).gasBurnt);
  row('mint', ok(node, OWNER, 'mint', { account_id: OWNER, amount: (10n ** 18n).toString() }).gasBurnt);
  row('ft_transfer (transaction total)', ok(node, OWNER, 'ft_transfer', { receiver_id: 'bob.test.near', amount: '1000000' }).gasBurnt, 10n * TGAS);
  row('burn', ok(node, OWNER, 'burn', { amount: '1' }).gasBurnt);
  node.createAccount('recv.test.near', { balance: 10n * NEAR });
  // Built here (cached by source hash) so that a fresh checkout's bench:gas needs no `npm test` first.
  const receiver = await buildContract(fileURLToPath(new URL('../../sandbox-tests/contracts/ft-receiver/', import.meta.url)), {
    outDir: fileURLToPath(new URL('../../build/test-contracts/', import.meta.url)),
    abi: false,
  });
  node.deployContract('recv.test.near', readFileSync(receiver.wasmPath));
  ok(node, OWNER, 'storage_deposit', { account_id: 'recv.test.near' }, min);
  row('ft_transfer_call, receiver keeps all (3 receipts)', ok(node, OWNER, 'ft_transfer_call', { receiver_id: 'recv.test.near', amount: '10', msg: 'keep' }).gasBurnt);
  row('ft_transfer_call, receiver returns all (refund)', ok(node, OWNER, 'ft_transfer_call', { receiver_id: 'recv.test.near', amount: '10', msg: 'return-all' }).gasBurnt);
  row('blacklist_account', ok(node, OWNER, 'blacklist_account', { account_id: 'recv.test.near' }).gasBurnt);
  row('unblacklist_account', ok(node, OWNER, 'unblacklist_account', { account_id: 'recv.test.near' }).gasBurnt);
  row('pause', ok(node, OWNER, 'pause', {}).gasBurnt);
  row('unpause', ok(node, OWNER, 'unpause', {}).gasBurnt);
  node.createAccount('carol.test.near', { balance: 10n * NEAR });
  ok(node, 'carol.test.near', 'storage_deposit', {}, min);
  row('storage_unregister (zero balance)', ok(node, 'carol.test.near', 'storage_unregister', {}).gasBurnt);

  // Two-step upgrade to the same code: stage (the code's storage attached), wait the 1 hour floor, apply.
  ok(node, OWNER, 'grant_role', { role: 'upgrader', account_id: OWNER });
  row('set_upgrade_delay', ok(node, OWNER, 'set_upgrade_delay', { delay_ns: '3600000000000' }).gasBurnt);
  const code = readFileSync('build/stablecoin.wasm');
  const staged = node.call(OWNER, TOKEN, 'stage_upgrade', code, { deposit: BigInt(code.length + 1000) * 10n ** 19n, gas: 300n * TGAS });
  if (!staged.succeeded) throw new Error(`stage_upgrade failed: ${JSON.stringify(staged.failure)}`);
  row(`stage_upgrade (${Math.round(code.length / 1000)} KB, transaction total)`, staged.gasBurnt);
  node.produceBlocks(3_601);
  row('apply_upgrade (deploy + migrate, transaction total)', ok(node, OWNER, 'apply_upgrade', {}).gasBurnt);

  // Register receivers for the batch probe (each registration is a real storage_deposit).
  const receivers: string[] = [];
  for (let i = 0; i < 420; i++) {
    const id = `r${i}.test.near`;
    ok(node, OWNER, 'storage_deposit', { account_id: id }, min);
    receivers.push(id);
  }
  const fits = (n: number) => {
    const snapshot = node.snapshot();
    try {
      const result = node.call(OWNER, TOKEN, 'batch_transfer', { transfers: receivers.slice(0, n).map((id) => ({ receiver_id: id, amount: '1' })) }, { deposit: 1n, gas: 300n * TGAS });
      return result.succeeded ? result.gasBurnt : null;
    } finally {
      node.restore(snapshot);
    }
  };
  let low = 1;
  let high = Math.min(400, receivers.length);
  if (fits(high) !== null) low = high;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (fits(mid) !== null) low = mid;
    else high = mid;
  }
  const best = fits(low);
  const hundred = fits(100);
  if (hundred !== null) row('batch_transfer, 100 receivers', hundred);
  row(`batch_transfer, largest in 300 Tgas (${low} receivers)`, best ?? 0n, undefined, low >= 400 ? 'capped by MAX_BATCH_TRANSFER = 400' : `target ≥ 200 receivers: ${low >= 200 ? 'met' : 'missed'}`);
  row('remove_minter', ok(node, OWNER, 'remove_minter', { account_id: OWNER }).gasBurnt);
  row('revoke_role', ok(node, OWNER, 'revoke_role', { role: 'blacklister', account_id: OWNER }).gasBurnt);
  row('propose_owner', ok(node, OWNER, 'propose_owner', { account_id: 'bob.test.near' }).gasBurnt);
  row('accept_ownership', ok(node, 'bob.test.near', 'accept_ownership', {}).gasBurnt);
  return rows;
}

/**
 * Damaged storage: each kind of damage to `<home>/data` is refused with what was found and what to do
 * (restore the backup or `--reset`), never served as an older chain or opened as a new one; the backup of
 * the last clean stop brings the chain back.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { startDevNode } from '../../src/node/dev.js';
import { StoreDamagedError } from '../../src/node/store.js';
import { NEAR, signNext, startTestNode } from './helpers.js';

/** A chain of two runs (the second one's writes are in the newest LevelDB log), stopped cleanly. */
async function savedChain(): Promise<{ home: string; height: number; balance: string }> {
  const home = mkdtempSync(join(tmpdir(), 'damage-'));
  const first = await startTestNode({ persist: true, home });
  const create = await signNext(first, 'test.near', 'kept.test.near', [{ type: 'CreateAccount' }, { type: 'Transfer', deposit: 5n * NEAR }]);
  await first.rpc('send_tx', { signed_tx_base64: create.base64, wait_until: 'FINAL' });
  await first.stop();
  const second = await startTestNode({ persist: true, home });
  const transfer = await signNext(second, 'test.near', 'kept.test.near', [{ type: 'Transfer', deposit: 2n * NEAR }]);
  await second.rpc('send_tx', { signed_tx_base64: transfer.base64, wait_until: 'FINAL' });
  const height = (await second.rpc('block', { finality: 'optimistic' })).result.header.height;
  const balance = (await second.rpc('query', { request_type: 'view_account', account_id: 'kept.test.near', finality: 'optimistic' })).result.amount;
  await second.stop();
  return { home, height, balance };
}

const dataFiles = (home: string, pattern: RegExp) => readdirSync(join(home, 'data')).filter((f) => pattern.test(f)).sort();
const newestLog = (home: string) => join(home, 'data', dataFiles(home, /^\d+\.log$/).pop()!);

async function refusal(t: { throwsAsync: any; teardown(fn: () => void): void }, home: string, found: RegExp): Promise<void> {
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const error: StoreDamagedError = await t.throwsAsync(startTestNode({ persist: true, home }), { instanceOf: StoreDamagedError, message: found });
  // what to do: the backup (with its height) or a new chain
  if (!/--restore-backup/.test(error.message) || !/--reset/.test(error.message)) throw new Error(`the refusal does not say what to do: ${error.message}`);
}

const damages: Array<[string, (home: string) => void | Promise<void>, RegExp]> = [
  ['the newest log truncated', (home) => truncateSync(newestLog(home), Math.floor(statSync(newestLog(home)).size / 2)), /saved the chain up to height \d+ \(chain-head.json\): the newest LevelDB log was lost or truncated/],
  ['the newest log emptied', (home) => truncateSync(newestLog(home), 0), /the newest LevelDB log was lost or truncated/],
  ['CURRENT deleted', (home) => unlinkSync(join(home, 'data', 'CURRENT')), /LevelDB's CURRENT file is missing while \d+ data file\(s\) remain/],
  ['the data folder deleted', (home) => rmSync(join(home, 'data'), { recursive: true }), /the store is missing or empty, but this node had saved the chain up to height \d+/],
  ['the MANIFEST overwritten', (home) => writeFileSync(join(home, 'data', dataFiles(home, /^MANIFEST-/)[0]!), 'not a manifest'), /LevelDB cannot open it/],
  ['a table file deleted', (home) => {
    for (const f of dataFiles(home, /\.ldb$/)) unlinkSync(join(home, 'data', f));
  }, /reading it failed|cannot open it/],
  ['a state record altered', async (home) => {
    const db = new ClassicLevel<string, string>(join(home, 'data'));
    const key = 'record/Account/kept.test.near';
    const record = JSON.parse((await db.get(key))!);
    record.Account.account.amount = (BigInt(record.Account.account.amount) * 2n).toString();
    await db.put(key, JSON.stringify(record));
    await db.close();
  }, /state records do not match the \d+ records and checksum saved with the head/],
  ['a state record deleted', async (home) => {
    const db = new ClassicLevel<string, string>(join(home, 'data'));
    await db.del('record/Account/kept.test.near');
    await db.close();
  }, /its \d+ state records do not match/],
  ['a recent block deleted', async (home) => {
    const db = new ClassicLevel<string, string>(join(home, 'data'));
    const keys = await db.keys({ gte: 'block/', lt: 'block/\xff' }).all();
    await db.del(keys[Math.floor(keys.length / 2)]!);
    await db.close();
  }, /of the blocks \d+\.\.\d+ are missing/],
];

for (const [kind, damage, found] of damages) {
  test(`${kind}: refused with what was found and what to do, nothing opened as a new chain`, async (t) => {
    const { home } = await savedChain();
    const before = existsSync(join(home, 'data')) ? readdirSync(join(home, 'data')).length : 0;
    await damage(home);
    await refusal(t, home, found);
    // still refused on a second try: the refusal itself wrote nothing that would make the folder look fine
    await refusal(t, home, found);
    if (kind === 'CURRENT deleted') {
      t.false(existsSync(join(home, 'data', 'CURRENT')), 'no new LevelDB created over the old files');
      t.is(readdirSync(join(home, 'data')).length, before - 1);
    }
  });
}

test('the backup of the last clean stop restores the chain after damage (npm run sandbox --restore-backup)', async (t) => {
  const { home, height, balance } = await savedChain();
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  truncateSync(newestLog(home), 0);
  await t.throwsAsync(startTestNode({ persist: true, home }), { instanceOf: StoreDamagedError, message: new RegExp(`backup taken at the last clean stop \\(height ${height}\\)`) });
  const dev = await startDevNode({ home, port: 0, restoreBackup: true });
  t.teardown(() => dev.node.stop());
  t.is(dev.restoredBackupHeight, height);
  const call = async (method: string, params: unknown) => (await (await fetch(dev.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()).result;
  t.is((await call('block', { finality: 'optimistic' })).header.height, height);
  t.is((await call('query', { request_type: 'view_account', account_id: 'kept.test.near', finality: 'optimistic' })).amount, balance);
  t.true(readdirSync(home).some((f) => f.startsWith('data.damaged-')), 'the damaged store is kept aside');
});

/** The hash (base58) of the saved chain's block at `height`, read through a node that is then stopped cleanly. */
async function savedBlockHash(home: string, height: number): Promise<string> {
  const node = await startTestNode({ persist: true, home });
  const hash = (await node.rpc('block', { block_id: height })).result.header.hash as string;
  await node.stop();
  return hash;
}

test('a clean restart is not mistaken for damage, and a crash between the write and chain-head.json is not either', async (t) => {
  const { home, height } = await savedChain();
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  // chain-head.json one commit behind the store: the node wrote the batch and died before the marker
  const older = await savedBlockHash(home, height - 1);
  writeFileSync(join(home, 'chain-head.json'), JSON.stringify({ height: height - 1, hash: older }));
  const node = await startTestNode({ persist: true, home });
  t.teardown(() => node.stop());
  t.is((await node.rpc('block', { finality: 'optimistic' })).result.header.height, height);
  // the checked head becomes the marker at once, so a later kill compares against it (not the older block)
  t.is(JSON.parse(readFileSync(join(home, 'chain-head.json'), 'utf8')).height, height);
});

test('chain-head.json behind the store naming a block this chain does not have: refused as another chain', async (t) => {
  const { home, height } = await savedChain();
  const older = await savedBlockHash(home, height - 1);
  const other = older.slice(0, -1) + (older.endsWith('1') ? '2' : '1');
  writeFileSync(join(home, 'chain-head.json'), JSON.stringify({ height: height - 1, hash: other }));
  await refusal(t, home, new RegExp(`its block at height ${height - 1} is ${older}, but this node had saved block ${other} at that height \\(chain-head.json\\): it holds another chain`));
});

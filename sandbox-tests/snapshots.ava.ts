/**
 * Snapshots and block time from a near-workspaces suite, through the node's typed client
 * (`sandboxControl(worker)`): the state between tests without a new worker, and a deadline test without
 * producing thousands of blocks.
 */
import anyTest, { type TestFn } from 'ava';
import { Worker, type NearAccount } from 'near-workspaces';
import { sandboxControl, type SandboxControl } from '../packages/sandbox/src/rpc/dev-client.js';
import { probeWasm } from './probe-contract.js';
import { settled } from './helpers/accounts.js';

const test = anyTest as TestFn<{ worker: Worker; probe: NearAccount; control: SandboxControl }>;

test.before(async (t) => {
  const worker = await Worker.init();
  const probe = await worker.rootAccount.devDeploy(await probeWasm());
  t.context = { worker, probe, control: sandboxControl(worker) };
});

test.after.always(async (t) => {
  await t.context.worker?.tearDown();
});

test.serial('a revert undoes a call and a deploy made after the snapshot', async (t) => {
  const { worker, probe, control } = t.context;
  await probe.call(probe, 'set', Buffer.from('"before"'));
  const id = await control.snapshot();
  await probe.call(probe, 'set', Buffer.from('"after"'));
  const late = await worker.rootAccount.devDeploy(await probeWasm());
  t.is(await probe.view('get'), 'after');
  await control.revert(id);
  t.is(await probe.view('get'), 'before');
  t.false(await late.exists());
});

test.serial('the next block time is what the test sets, and later blocks follow it', async (t) => {
  const { worker, control } = t.context;
  const target = new Date('2032-02-29T00:00:00Z');
  await control.setNextBlockTimestamp(target);
  const head = await control.produceBlocks(1);
  const provider = worker.provider as unknown as { block(query: { blockId: number }): Promise<{ header: { timestamp_nanosec: string } }> };
  const block = await provider.block({ blockId: head.height });
  t.is(block.header.timestamp_nanosec, (BigInt(target.getTime()) * 1_000_000n).toString());
});

test.serial('setBlockInterval switches the running node to a block every N ms and back to a block per transaction (anvil evm_setIntervalMining / evm_setAutomine)', async (t) => {
  const { worker, probe, control } = t.context;
  const provider = worker.provider as unknown as { block(query: { finality: 'optimistic' }): Promise<{ header: { height: number } }> };
  const height = async () => (await provider.block({ finality: 'optimistic' })).header.height;
  // the mode this suite's node started in (NEAR_SANDBOX_BLOCK_INTERVAL_MS, which near-workspaces passed on), restored at the end
  const started = process.env.NEAR_SANDBOX_BLOCK_INTERVAL_MS ? Number(process.env.NEAR_SANDBOX_BLOCK_INTERVAL_MS) : null;
  t.teardown(() => control.setBlockInterval(started).then(() => undefined));

  await control.setBlockInterval(100);
  const from = await height();
  for (const deadline = Date.now() + 20_000; (await height()) < from + 3; ) {
    t.true(Date.now() < deadline, 'the idle node makes a block every 100 ms');
    await new Promise((r) => setTimeout(r, 50));
  }
  // FINAL: its gas refund has run too, so nothing is left for the node to do once it is on demand
  await settled(worker, await probe.callRaw(probe, 'set', Buffer.from('"ticking"')));
  t.is(await probe.view('get'), 'ticking');

  const stopped = (await control.setBlockInterval(null)).height;
  await new Promise((r) => setTimeout(r, 500));
  t.is(await height(), stopped, 'on demand again: an idle node makes no block');
  await probe.call(probe, 'set', Buffer.from('"on demand"'));
  t.is(await probe.view('get'), 'on demand');
});

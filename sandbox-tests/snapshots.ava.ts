/**
 * Snapshots and block time from a near-workspaces suite, through the node's typed client
 * (`sandboxControl(worker)`): the state between tests without a new worker, and a deadline test without
 * producing thousands of blocks.
 */
import anyTest, { type TestFn } from 'ava';
import { Worker, type NearAccount } from 'near-workspaces';
import { sandboxControl, type SandboxControl } from '../packages/sandbox/src/rpc/dev-client.js';
import { probeWasm } from './probe-contract.js';

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

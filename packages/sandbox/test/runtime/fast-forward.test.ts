/**
 * `sandbox_fast_forward` heights as nearcore's sandbox client makes them (chain/client client_actions.rs
 * `sandbox_process_fast_forward`, `pre_block_production`, `post_block_production`): from latest height L with
 * epoch length E and w = L mod E, a block is made at L + 1 when w = 0 or E − w ≤ 3 (1 of the delta); otherwise
 * the chain jumps: by E − w − 3 when the delta reaches the boundary (the block lands at L + jump + 1, and the jump
 * plus that block count against the delta), else by all that is left (the block lands 1 past it). Finality is
 * the Consensus spec's (NEPs specs/ChainSpec/Consensus.md "Finality condition"): a block is final once two
 * blocks with the next two heights follow it. nearcore's pytest sandbox/fast_forward.py expects the height to be
 * past the forwarded delta afterwards.
 */
import test from 'ava';
import { createSandbox, UnknownBlockError } from '../../src/index.js';
import type { Block } from '../../src/runtime/chain.js';

/** Heights of the chain from just after `from` up to the head, oldest first. */
function heightsSince(node: ReturnType<typeof createSandbox>, from: bigint): bigint[] {
  const out: bigint[] = [];
  for (let b: Block | undefined = node.head; b && b.height > from; b = node.chain.previous(b)) out.unshift(b.height);
  return out;
}

test('fastForward(10_000) from height 3 with 500-block epochs: nearcore jumps to 3 heights before each boundary and steps over it', (t) => {
  const node = createSandbox();
  node.produceBlocks(3);
  let left = 10_000n;
  while (left > 0n) left = node.fastForwardStep(left);
  const heights = heightsSince(node, 3n);
  // first epoch: jump 494 to 497, block 498; then 499, 500, 501 one at a time
  t.deepEqual(heights.slice(0, 8), [498n, 499n, 500n, 501n, 998n, 999n, 1000n, 1001n]);
  // every later epoch the same, up to 10_001; 2 left: jump 2, block at 10_004 = 3 + 10_000 + 1
  t.deepEqual(heights.slice(-5), [9998n, 9999n, 10_000n, 10_001n, 10_004n]);
  t.is(heights.length, 4 + 19 * 4 + 1);
  t.throws(() => node.getBlock(497), { instanceOf: UnknownBlockError });
  t.throws(() => node.getBlock(10_002), { instanceOf: UnknownBlockError });
  t.is(node.head.epochHeight, 21n);
  // final: 10_004 follows a gap, so the newest block with two consecutive successors is 9_999
  t.is(node.chain.lastFinalBlock().height, 9999n);
  t.is(node.chain.lastDoomslugFinalBlock().height, 10_000n);
  node.produceBlocks(1); // 10_005: 10_004 is now doomslug-final, finality still waits
  t.deepEqual([node.chain.lastDoomslugFinalBlock().height, node.chain.lastFinalBlock().height], [10_004n, 9999n]);
  node.produceBlocks(1); // 10_006
  t.is(node.chain.lastFinalBlock().height, 10_004n);
  // time: one block time per block made, and neard's (min + max block production delay) / 2 per skipped height
  const made = BigInt(heightsSince(node, 3n).length);
  t.is(made, 83n);
  t.is(node.head.timestamp - node.getBlock(3).timestamp, made * 1_000_000_000n + (10_006n - 3n - made) * 1_300_000_000n);
});

test('each skipped height adds neard\'s sandbox_delta_time share, (min + max block production delay) / 2 (chain/client client.rs sandbox_delta_time): 1.3 s with neard init\'s 600/2000 ms, 310 ms with init --fast\'s 120/500', (t) => {
  for (const [delays, perSkippedHeight] of [[undefined, 1_300_000_000n], [{ min: 120, max: 500 }, 310_000_000n]] as const) {
    const node = createSandbox({ ...(delays ? { blockProductionDelayMs: delays } : {}) });
    node.produceBlocks(3);
    const before = node.head.timestamp;
    node.fastForward(100); // one jump of 100 from height 3: block 104, then 105 and 106 at one block time each
    t.deepEqual(heightsSince(node, 3n), [104n, 105n, 106n]);
    t.is(node.getBlock(104).timestamp - before, 1_000_000_000n + 100n * perSkippedHeight);
    t.is(node.head.timestamp - node.getBlock(104).timestamp, 2n * 1_000_000_000n);
  }
  // a time set for the next block holds for a jump's block too; later blocks follow it
  const node = createSandbox();
  node.produceBlocks(3);
  const at = node.head.timestamp + 10n ** 15n;
  node.setNextBlockTimestamp(at);
  node.fastForward(10);
  t.is(node.getBlock(14).timestamp, at + 10n * 1_300_000_000n);
});

test('fastForward ends with the two blocks neard makes next, so its last block is final (what near-workspaces reads right after)', (t) => {
  const node = createSandbox();
  node.produceBlocks(3);
  node.fastForward(10_000);
  t.deepEqual(heightsSince(node, 10_001n), [10_004n, 10_005n, 10_006n]);
  t.is(node.chain.lastFinalBlock().height, 10_004n);
  // from genesis the delta runs out on boundary steps: ..., 998, 999, 1000, then 1001 and 1002
  const fresh = createSandbox();
  fresh.fastForward(1000);
  t.deepEqual(heightsSince(fresh, 0n), [1n, 498n, 499n, 500n, 501n, 998n, 999n, 1000n, 1001n, 1002n]);
  t.is(fresh.chain.lastFinalBlock().height, 1000n);
});

test('a short fastForward inside an epoch is one jump: the block lands at start + delta + 1', (t) => {
  const node = createSandbox();
  node.produceBlocks(3);
  t.is(node.fastForwardStep(10n), 0n);
  t.deepEqual(heightsSince(node, 3n), [14n]);
  t.is(node.chain.lastFinalBlock().height, 1n);
  node.produceBlocks(1);
  t.is(node.chain.lastFinalBlock().height, 1n);
  node.produceBlocks(1);
  t.is(node.chain.lastFinalBlock().height, 14n);
  // with one block per height the final block is the head's grandparent
  node.produceBlocks(5);
  t.is(node.chain.lastFinalBlock().height, node.head.height - 2n);
  // fastForward(1), as tests poll with it: the jump block at +2, then two more
  const before = node.head.height;
  node.fastForward(1);
  t.deepEqual(heightsSince(node, before), [before + 2n, before + 3n, before + 4n]);
});

test('fast-forward needs epochs longer than 3 blocks (nearcore: "Unsupported: fast_forward with an epoch length of 3 or less")', (t) => {
  const node = createSandbox({ epochLength: 3 });
  t.throws(() => node.fastForward(10), { message: /epoch length of 3 or less/ });
});

/**
 * How the chain's block timestamps advance (runtime/chain.ts), deterministically, never by the wall clock; apart
 * from the chain so that `init` (node/init.ts, in a small startup snapshot) writes neard's delays without loading
 * the runtime. A block at the next height is `blockTimeNs` after the head; each height a fast-forward skips adds
 * `skippedHeightNs` more. neard stamps a block with the wall clock plus `sandbox_delta_time()`: the heights its
 * fast-forwards skipped so far times the mean of its minimum and maximum block production delays (nearcore
 * chain/client client.rs `sandbox_delta_time`, added in `produce_block_on_head` / `OptimisticBlock::produce`;
 * client_actor.rs `sandbox_process_fast_forward` accrues each jump's `delta_height`): (600 + 2,000) / 2 = 1,300 ms
 * per skipped height with `neard init`'s config.
 */
export interface BlockClock {
  blockTimeNs: bigint;
  skippedHeightNs: bigint;
}

/** neard's block production delays (ms): `neard init`'s config.json and `init --fast`'s (nearcore config.rs `FAST_*`). */
export const BLOCK_PRODUCTION_DELAY_MS = { min: 600, max: 2000 } as const;
export const FAST_BLOCK_PRODUCTION_DELAY_MS = { min: 120, max: 500 } as const;

/** What a skipped height adds to the time on neard (client.rs `sandbox_delta_time`): the mean of the two delays. */
export function skippedHeightNs(delays: { min: number; max: number }): bigint {
  return ((BigInt(delays.min) + BigInt(delays.max)) * 1_000_000n) / 2n;
}

/**
 * One contract's part of `npm run bench:gas`. Each module under scripts/bench-gas/ exports
 * `measure(node)` that deploys its contract on a fresh in-process node and returns rows; the
 * aggregator (scripts/bench-gas.ts) prints them as one table, or one JSON object with --json.
 */
import type { Sandbox } from '../../packages/sandbox/src/index.js';

export interface GasRow {
  contract: string;
  /** What was measured, e.g. "ft_transfer (transaction total)". */
  operation: string;
  /** Gas burnt by the whole transaction (all receipts), in gas units. */
  gasBurnt: bigint;
  /** Optional target in gas units; the table marks rows above it. */
  target?: bigint;
  /** Free-form figure, e.g. "largest batch: 412 receivers". */
  note?: string;
}

export type GasBenchmark = (node: Sandbox) => Promise<GasRow[]> | GasRow[];

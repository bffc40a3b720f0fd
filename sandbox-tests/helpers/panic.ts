/**
 * The panic text of a failed call on the in-process node (packages/sandbox), for suites that
 * assert contract messages exactly.
 */
import type { TransactionResult } from '../../packages/sandbox/src/index.js';

/** A contract panic's text (without "Smart contract panicked: "), or the failure as JSON. */
export function panicOf(result: TransactionResult): string {
  const failure = result.failure ?? result.receiptFailures[0];
  const text = (failure as { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string } } } } | null)?.ActionError?.kind?.FunctionCallError?.ExecutionError;
  return text?.startsWith('Smart contract panicked: ') ? text.slice('Smart contract panicked: '.length) : JSON.stringify(failure);
}

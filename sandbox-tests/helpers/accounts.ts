/**
 * Helpers shared by the near-workspaces suites (public API only).
 */
import { KeyPair, type AccessKey, type NearAccount, type TransactionResult, type Worker } from 'near-workspaces';

const queues = new WeakMap<NearAccount, { counter: number; last: Promise<unknown> }>();

/**
 * Creates `<prefix><n>.<parent>` with `balance`, one at a time per parent: concurrent transactions
 * from one access key race for nonces, and near-api-js gives up after its retries, on any node.
 */
export function createSubAccount(parent: NearAccount, prefix: string, balance: bigint): Promise<NearAccount> {
  const queue = queues.get(parent) ?? { counter: 0, last: Promise.resolve() };
  queues.set(parent, queue);
  const created = queue.last.then(() => parent.createSubAccount(`${prefix}${++queue.counter}`, { initialBalance: balance }));
  queue.last = created.catch(() => undefined);
  return created;
}

/** The panic messages of a transaction's failed receipts (nearcore `FunctionCallError::ExecutionError`). */
export function panics(messages: string[]): string[] {
  return messages.map((message) => {
    try {
      const error = JSON.parse(message) as { ActionError?: { kind?: { FunctionCallError?: { ExecutionError?: string } } } };
      return error.ActionError?.kind?.FunctionCallError?.ExecutionError ?? message;
    } catch {
      return message;
    }
  });
}

export interface NearEvent {
  standard: string;
  version: string;
  event: string;
  data: Record<string, unknown>[];
}

/** The NEP-297 events among a transaction's logs. */
export function events(logs: string[]): NearEvent[] {
  return logs.filter((l) => l.startsWith('EVENT_JSON:')).map((l) => JSON.parse(l.slice('EVENT_JSON:'.length)) as NearEvent);
}

/**
 * Adds a function-call access key to `account` (an AddKey transaction signed with its full-access
 * key), as a dapp or a relayer user holds: calls to `receiverId` only (`methodNames` empty: any
 * method), with a 0.25 NEAR gas allowance and, by protocol, no deposit. Sign with it through
 * `callRaw(..., { signWithKey })`.
 */
export async function addFunctionCallKey(account: NearAccount, receiverId: string, methodNames: string[] = []): Promise<KeyPair> {
  const key = KeyPair.fromRandom('ed25519');
  // near-api-js's borsh schema (AccessKeyPermission enum) takes the permission as a plain object.
  const accessKey = { nonce: 0n, permission: { functionCall: { allowance: 25n * 10n ** 22n, receiverId, methodNames } } } as unknown as AccessKey;
  const result = await account.batch(account).addKey(key.getPublicKey().toString(), accessKey).transact();
  if (!result.succeeded) throw new Error(`adding a function-call key to ${account.accountId} failed: ${JSON.stringify(result.Failure)}`);
  return key;
}

/**
 * Waits until every receipt of a transaction has run, its gas refund included, and its block is final
 * (`tx` with `wait_until: FINAL`). near-workspaces answers a call at EXECUTED_OPTIMISTIC, which on nearcore
 * does not wait for refund receipts (view_client_actor.rs `get_tx_execution_status`): read balances after this.
 */
export async function settled(worker: Worker, result: TransactionResult): Promise<void> {
  const { hash, signer_id: signerId } = result.result.transaction as { hash: string; signer_id: string };
  await (worker.provider as unknown as { txStatus(hash: string, sender: string, waitUntil: string): Promise<unknown> }).txStatus(hash, signerId, 'FINAL');
}

/**
 * The gas report's recording side (`npm test -- --gas-report`, scripts/lib/gas-report.ts reads it): with
 * `NEAR_GAS_REPORT_DIR` set, every node (in process or behind near-workspaces) appends one JSON line per
 * function-call receipt to a file of its own in that folder, once per block.
 *
 * A line: `{"account","codeHash","method","gas","wasm","storage","actions"}`: gas burnt and the parts of it
 * the receipt's gas profile puts on Wasm instructions (`WASM_INSTRUCTION`), storage (`STORAGE_*` and trie
 * node costs) and actions (`ACTION_COST`). Gas values are decimal strings.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import base58 from 'bs58';
import type { Sandbox } from '../index.js';
import type { ExecutionEvent } from '../runtime/execution-events.js';
import type { GasProfileEntry } from '../primitives/views.js';

export const GAS_REPORT_DIR_ENV = 'NEAR_GAS_REPORT_DIR';

export interface GasRecord {
  account: string;
  /** base58 sha256 of the code that ran, so the report can name the contract by its build. */
  codeHash: string;
  method: string;
  gas: string;
  wasm: string;
  storage: string;
  actions: string;
}

const isStorageCost = (cost: string) => cost.startsWith('STORAGE_') || cost === 'TOUCHING_TRIE_NODE' || cost === 'READ_CACHED_TRIE_NODE';

/** Splits a receipt's gas profile into the report's shares. */
export function gasShares(profile: GasProfileEntry[]): { wasm: bigint; storage: bigint; actions: bigint } {
  let wasm = 0n;
  let storage = 0n;
  let actions = 0n;
  for (const p of profile) {
    const gas = BigInt(p.gas_used);
    if (p.cost_category === 'ACTION_COST') actions += gas;
    else if (p.cost === 'WASM_INSTRUCTION') wasm += gas;
    else if (isStorageCost(p.cost)) storage += gas;
  }
  return { wasm, storage, actions };
}

let fileCounter = 0;
/** What each recording sandbox still holds, written when the process exits (one listener for all of them). */
const unwritten = new Set<() => void>();
let exitHookInstalled = false;

/** Records `sandbox`'s function-call receipts into `dir` (one file per node). */
export function recordGas(sandbox: Sandbox, dir: string): () => void {
  const file = join(dir, `${process.pid}-${++fileCounter}-${Date.now()}.jsonl`);
  let pending: string[] = [];
  // code hashes are the same few arrays call after call: encode each once
  const encoded = new WeakMap<Uint8Array, string>();
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(file, pending.join(''));
    pending = [];
  };
  const stop = sandbox.onExecution((event: ExecutionEvent) => {
    if (event.kind === 'transaction') return;
    if (event.isRefund || event.failure?.startsWith('CompilationError')) return;
    const call = event.actions.find((a) => a.type === 'FunctionCall');
    if (!call) return;
    const account = sandbox.chain.state.getAccount(event.receiverId);
    const codeHash = account ? (encoded.get(account.codeHash) ?? encoded.set(account.codeHash, base58.encode(account.codeHash)).get(account.codeHash)!) : '';
    const { wasm, storage, actions } = gasShares(event.gasProfile);
    const record: GasRecord = {
      account: event.receiverId,
      codeHash,
      method: call.methodName!,
      gas: event.gasBurnt.toString(),
      wasm: wasm.toString(),
      storage: storage.toString(),
      actions: actions.toString(),
    };
    // one write per run of blocks (a transaction and its receipts run synchronously), not per receipt
    if (pending.length === 0) queueMicrotask(flush);
    pending.push(`${JSON.stringify(record)}\n`);
  });
  unwritten.add(flush);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => unwritten.forEach((f) => f()));
  }
  return () => {
    flush();
    unwritten.delete(flush);
    stop();
  };
}

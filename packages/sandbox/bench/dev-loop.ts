/**
 * The developer's inner loop in `npm run bench:sandbox` (issue 16):
 * - snapshot + revert over JSON-RPC (`sandbox_snapshot` then `sandbox_revert` through the typed client, one
 *   function call between them so the revert has something to undo): on a node without a store (what
 *   near-workspaces starts) and on one that keeps its chain on disk (the revert waits for its fsync);
 * - the gas report's overhead on the sandbox-tests run: the same ava run with and without
 *   NEAR_GAS_REPORT_DIR, alternated, wall time of each.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initHome, VALIDATOR_KEY_FILE } from '../src/node/init.js';
import { readKeyFile } from '../src/node/key-file.js';
import { startNode } from '../src/node/run.js';
import { sandboxControl } from '../src/rpc/dev-client.js';
import { KeyPair } from '../src/primitives/crypto.js';
import { signedTransactionBytes, encodeTransaction } from '../src/primitives/transaction.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, base64 } from '@scure/base';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Median ms of snapshot + revert over RPC, with one transfer between them (not timed). */
export async function snapshotRevertOverRpc(persist: boolean, rounds: number): Promise<{ medianMs: number; samples: number }> {
  const home = mkdtempSync(join(tmpdir(), 'bench-dev-loop-'));
  initHome(home);
  const node = await startNode({ home, rpcPort: 0, persist, log: () => {} });
  try {
    const control = sandboxControl(node.url);
    const key = KeyPair.fromString(readKeyFile(join(home, VALIDATOR_KEY_FILE)).key.secretKey);
    const rpc = async (method: string, params: unknown) =>
      (await (await fetch(node.url, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()) as { result: any };
    const transfer = async () => {
      const ak = (await rpc('query', { request_type: 'view_access_key', account_id: 'test.near', public_key: key.publicKeyString, finality: 'optimistic' })).result;
      const body = encodeTransaction({ signerId: 'test.near', publicKey: key.publicKey, nonce: BigInt(ak.nonce) + 1n, receiverId: 'near', blockHash: base58.decode(ak.block_hash), actions: [{ type: 'Transfer', deposit: 1n }] });
      await rpc('broadcast_tx_commit', [base64.encode(signedTransactionBytes(body, key.sign(sha256(body))))]);
    };
    const samples: number[] = [];
    for (let i = 0; i < rounds + 2; i++) {
      const started = performance.now();
      const id = await control.snapshot();
      let ms = performance.now() - started;
      await transfer();
      const reverting = performance.now();
      await control.revert(id);
      ms += performance.now() - reverting;
      if (i >= 2) samples.push(ms); // the first rounds warm up the request schemas and the store
    }
    return { medianMs: Math.round(median(samples) * 100) / 100, samples: samples.length };
  } finally {
    await node.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Wall time of ava over `files` with and without the gas report, alternated `rounds` times. */
export async function gasReportOverhead(repoDir: string, files: string[], rounds: number): Promise<{ withoutMs: number; withMs: number; overhead: number; files: string[]; rounds: number }> {
  const avaCli = join(repoDir, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
  const run = (gasDir?: string) =>
    new Promise<number>((done, fail) => {
      const started = performance.now();
      const env: NodeJS.ProcessEnv = { ...process.env, NEAR_WORKSPACES_NO_LOGS: '1' };
      delete env.NEAR_GAS_REPORT_DIR;
      const child = spawn(process.execPath, [avaCli, ...files], { cwd: repoDir, stdio: 'ignore', env: gasDir ? { ...env, NEAR_GAS_REPORT_DIR: gasDir } : env });
      child.on('exit', (code) => (code === 0 ? done(performance.now() - started) : fail(new Error(`ava ${files.join(' ')} failed (exit ${code})`))));
    });
  const without: number[] = [];
  const withReport: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const gasDir = mkdtempSync(join(tmpdir(), 'bench-gas-'));
    try {
      // alternate the order so a load change does not favour one side
      if (i % 2 === 0) {
        without.push(await run());
        withReport.push(await run(gasDir));
      } else {
        withReport.push(await run(gasDir));
        without.push(await run());
      }
    } finally {
      rmSync(gasDir, { recursive: true, force: true });
    }
  }
  const withoutMs = median(without);
  const withMs = median(withReport);
  return { withoutMs: Math.round(withoutMs), withMs: Math.round(withMs), overhead: Math.round(((withMs - withoutMs) / withoutMs) * 1000) / 1000, files, rounds };
}

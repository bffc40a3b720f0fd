/**
 * The local node as a plain JSON-RPC URL, in this process: packages/sandbox's `startNode` (what
 * `near-sandbox run` serves) on a fresh temporary home, with no state kept on disk. Clients reach it
 * only over HTTP with near-api-js, the same path they take to testnet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Account, JsonRpcProvider, type KeyPairString } from 'near-api-js';
import { initHome, VALIDATOR_KEY_FILE } from '../../packages/sandbox/src/node/init.js';
import { readKeyFile } from '../../packages/sandbox/src/node/key-file.js';
import { startNode } from '../../packages/sandbox/src/node/run.js';

export interface LocalNode {
  rpcUrl: string;
  provider: JsonRpcProvider;
  /** `test.near`, holding 10^9 NEAR, signing with the validator key. */
  root: Account;
  rootKey: KeyPairString;
  /**
   * Runs `task` while producing a block every `intervalMs`. This node makes blocks on demand, so a
   * call that waits for a later block (a NEP-519 yield resumed by the MPC responder) needs someone
   * to make them; on testnet the validators do.
   */
  whileProducingBlocks<T>(task: Promise<T>, intervalMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/** Protocol 86 (current mainnet) unless asked otherwise; the near-workspaces launcher uses 77. */
export async function startLocalNode(options: { protocolVersion?: number } = {}): Promise<LocalNode> {
  const home = mkdtempSync(join(tmpdir(), 'near-ts-start-'));
  try {
    initHome(home, { protocolVersion: options.protocolVersion ?? 86 });
    const { accountId, key } = readKeyFile(join(home, VALIDATOR_KEY_FILE));
    const node = await startNode({ home, rpcPort: 0, persist: false, log: () => {} });
    const provider = new JsonRpcProvider({ url: node.url });
    const rootKey = key.secretKey as KeyPairString;
    return {
      rpcUrl: node.url,
      provider,
      root: new Account(accountId, provider, rootKey),
      rootKey,
      async whileProducingBlocks(task, intervalMs = 100) {
        let producing = Promise.resolve();
        const timer = setInterval(() => {
          // nearcore's sandbox method (not in near-api-js' typed RPC methods)
          const body = JSON.stringify({ jsonrpc: '2.0', id: 'tick', method: 'sandbox_fast_forward', params: { delta_height: 1 } });
          producing = producing.then(() => fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).then(() => undefined, () => undefined);
        }, intervalMs);
        try {
          return await task;
        } finally {
          clearInterval(timer);
          await producing;
        }
      },
      async stop() {
        await node.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

/** Shared helpers for the RPC tests: a real node (init + run in process) and a small JSON-RPC caller. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base58, base64 } from '@scure/base';
import { KeyPair, type PublicKey } from '../../src/primitives/crypto.js';
import { encodeSignedTransaction, transactionHash, type Action, type Transaction } from '../../src/primitives/transaction.js';
import { initHome, VALIDATOR_KEY_FILE } from '../../src/node/init.js';
import { readKeyFile } from '../../src/node/key-file.js';
import { startNode, type RunningNode } from '../../src/node/run.js';

export interface TestNode {
  node: RunningNode;
  home: string;
  url: string;
  rootKey: KeyPair;
  rpc(method: string, params?: unknown): Promise<any>;
  /** The full JSON-RPC response body (result or error). */
  raw(body: unknown): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

export async function startTestNode(options: { persist?: boolean; home?: string; archival?: boolean; blockIntervalMs?: number } = {}): Promise<TestNode> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'rpc-node-'));
  initHome(home);
  const node = await startNode({
    home,
    rpcPort: 0,
    persist: options.persist ?? false,
    log: () => {},
    ...(options.archival ? { archival: true } : {}),
    ...(options.blockIntervalMs !== undefined ? { blockIntervalMs: options.blockIntervalMs } : {}),
  });
  const rootKey = KeyPair.fromString(readKeyFile(join(home, VALIDATOR_KEY_FILE)).key.secretKey);
  let id = 0;
  const raw = async (body: unknown) => {
    const res = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  return {
    node,
    home,
    url: node.url,
    rootKey,
    raw,
    rpc: async (method, params) => (await raw({ jsonrpc: '2.0', id: ++id, method, params })).json,
    stop: async () => {
      await node.stop();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A node started for one test and stopped when the test ends. */
export async function withNode(t: { teardown(fn: () => Promise<void>): void }, options: Parameters<typeof startTestNode>[0] = {}): Promise<TestNode> {
  const node = await startTestNode(options);
  t.teardown(() => node.stop());
  return node;
}

export interface SignOptions {
  signerId: string;
  receiverId: string;
  actions: Action[];
  keyPair: KeyPair;
  nonce: bigint;
  blockHash: string;
}

export function signTransaction(o: SignOptions): { base64: string; hash: string } {
  const transaction: Transaction = {
    signerId: o.signerId,
    publicKey: o.keyPair.publicKey,
    nonce: o.nonce,
    receiverId: o.receiverId,
    blockHash: base58.decode(o.blockHash),
    actions: o.actions,
  };
  const hash = transactionHash(transaction);
  const bytes = encodeSignedTransaction({ transaction, signature: o.keyPair.sign(hash) });
  return { base64: base64.encode(bytes), hash: base58.encode(hash) };
}

/** Signs with the key's current nonce + 1 and the final block hash, as near-api-js does. */
export async function signNext(node: TestNode, signerId: string, receiverId: string, actions: Action[], keyPair = node.rootKey) {
  const key = await node.rpc('query', { request_type: 'view_access_key', account_id: signerId, public_key: keyPair.publicKeyString, finality: 'optimistic' });
  const block = await node.rpc('block', { finality: 'final' });
  return signTransaction({ signerId, receiverId, actions, keyPair, nonce: BigInt(key.result.nonce) + 1n, blockHash: block.result.header.hash });
}

/** A new account funded with `deposit` and one full-access key: CreateAccount, Transfer, AddKey (what a wallet sends). */
export const newAccountActions = (publicKey: PublicKey, deposit: bigint): Action[] => [
  { type: 'CreateAccount' },
  { type: 'Transfer', deposit },
  { type: 'AddKey', publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } },
];

export const NEAR = 10n ** 24n;
export const TGAS = 10n ** 12n;

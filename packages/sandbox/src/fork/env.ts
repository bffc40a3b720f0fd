/**
 * Fork mode through the environment, for `near-sandbox run` as near-workspaces starts it (it passes its own
 * environment on): `NEAR_SANDBOX_FORK_URL` (mainnet, testnet or a JSON-RPC URL), `NEAR_SANDBOX_FORK_BLOCK`
 * (height or hash; default the remote's final block) and `NEAR_SANDBOX_FORK_CACHE` (the cache directory).
 * No imports: the command line reads it before anything heavy loads.
 */
export const FORK_URL_ENV = 'NEAR_SANDBOX_FORK_URL';
export const FORK_BLOCK_ENV = 'NEAR_SANDBOX_FORK_BLOCK';

export interface ForkFromEnvironment {
  rpcUrl: string;
  blockId?: string;
}

export function forkFromEnvironment(env: NodeJS.ProcessEnv = process.env): ForkFromEnvironment | undefined {
  const rpcUrl = env[FORK_URL_ENV]?.trim();
  if (!rpcUrl) return undefined;
  const blockId = env[FORK_BLOCK_ENV]?.trim();
  return { rpcUrl, ...(blockId ? { blockId } : {}) };
}

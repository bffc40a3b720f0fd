/** Where a deploy goes: an RPC URL, a credentials folder name, and an explorer for links. */
export interface Network {
  name: string;
  rpcUrl: string;
  /** ~/.near-credentials/<credentialsName>/<account>.json (near-cli / near-cli-rs legacy keychain). */
  credentialsName: string;
  explorerTx?: (hash: string) => string;
  /** Test-only contracts (the MPC signer double) may be deployed here. */
  allowsTestContracts: boolean;
}

export const NETWORKS: Record<string, Network> = {
  local: { name: 'local', rpcUrl: 'http://127.0.0.1:3030', credentialsName: 'local', allowsTestContracts: true },
  testnet: {
    name: 'testnet',
    rpcUrl: 'https://rpc.testnet.near.org',
    credentialsName: 'testnet',
    explorerTx: (hash) => `https://testnet.nearblocks.io/txns/${hash}`,
    allowsTestContracts: true,
  },
  mainnet: {
    name: 'mainnet',
    rpcUrl: 'https://rpc.mainnet.near.org',
    credentialsName: 'mainnet',
    explorerTx: (hash) => `https://nearblocks.io/txns/${hash}`,
    allowsTestContracts: false,
  },
};

/** `local`, `testnet`, `mainnet`, or any RPC URL (treated like a local node unless its chain id says mainnet). */
export function resolveNetwork(nameOrUrl: string): Network {
  const known = NETWORKS[nameOrUrl];
  if (known) return known;
  if (/^https?:\/\//.test(nameOrUrl)) return { name: nameOrUrl, rpcUrl: nameOrUrl, credentialsName: 'local', allowsTestContracts: true };
  throw new Error(`Unknown network "${nameOrUrl}": use local, testnet, mainnet or an http(s) RPC URL`);
}

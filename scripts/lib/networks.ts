/**
 * Where a deploy goes. A network is a name (local, testnet, mainnet) with its RPC URL, the folder of
 * ~/.near-credentials its keys live in, its explorer and its faucet; `--rpc-url` points any of them at
 * another endpoint, and a bare URL takes its name from the chain id the node reports.
 */
import { JsonRpcProvider } from 'near-api-js';

export type NetworkName = 'local' | 'testnet' | 'mainnet';

export interface Network {
  name: NetworkName;
  rpcUrl: string;
  /** ~/.near-credentials/<credentialsNetwork>/ (near-cli's networkId, near-cli-rs' network_name). */
  credentialsNetwork: string;
  /** Transaction page of the network's explorer; none for a local node. */
  explorerTransactionUrl?: (hash: string) => string;
  /** near-cli-rs `sponsor-by-faucet-service`: POST {newAccountId, newAccountPublicKey}; testnet only. */
  faucetUrl?: string;
  /** Account a faucet-created dev account is a sub-account of. */
  faucetParentAccount?: string;
}

/** The RPC URL `npm run sandbox` serves (nearcore's default RPC port). */
export const LOCAL_RPC_URL = 'http://127.0.0.1:3030';

const KNOWN: Record<NetworkName, Network> = {
  // near-cli's `local` network id (config.js: nodeUrl http://localhost:3030, masterAccount test.near)
  local: { name: 'local', rpcUrl: LOCAL_RPC_URL, credentialsNetwork: 'local' },
  testnet: {
    name: 'testnet',
    rpcUrl: 'https://rpc.testnet.near.org',
    credentialsNetwork: 'testnet',
    explorerTransactionUrl: (hash) => `https://testnet.nearblocks.io/txns/${hash}`,
    // near-cli-rs src/config: testnet faucet_url
    faucetUrl: 'https://helper.nearprotocol.com/account',
    faucetParentAccount: 'testnet',
  },
  mainnet: {
    name: 'mainnet',
    rpcUrl: 'https://rpc.mainnet.near.org',
    credentialsNetwork: 'mainnet',
    explorerTransactionUrl: (hash) => `https://nearblocks.io/txns/${hash}`,
  },
};

export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export function isNetworkName(value: string): value is NetworkName {
  return value === 'local' || value === 'testnet' || value === 'mainnet';
}

/**
 * The network a command names, before any I/O: `--network` alone, or with `--rpc-url` replacing its
 * endpoint. With `--rpc-url` alone the name is not known yet (undefined): see `connectNetwork`.
 */
export function declaredNetwork(options: { network?: string; rpcUrl?: string }): Network | undefined {
  if (options.rpcUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(options.rpcUrl)) {
    throw new NetworkError(`--rpc-url "${options.rpcUrl}" is not an http(s) URL, e.g. http://127.0.0.1:3030`);
  }
  if (options.network === undefined) return options.rpcUrl === undefined ? KNOWN.local : undefined;
  if (!isNetworkName(options.network)) {
    throw new NetworkError(`unknown network "${options.network}": use --network local|testnet|mainnet, and --rpc-url <url> for another endpoint`);
  }
  const known = KNOWN[options.network];
  return options.rpcUrl === undefined ? known : { ...known, rpcUrl: options.rpcUrl };
}

export interface ConnectedNetwork extends Network {
  provider: JsonRpcProvider;
  chainId: string;
  /** A development chain: nearcore's random `test-chain-XXXXX` (neard init, sandbox), or `localnet` / `sandbox`. */
  isLocalChain: boolean;
}

/** nearcore chain-configs test_utils.rs random_chain_id(): `test-chain-` and five alphanumerics. */
export function isLocalChainId(chainId: string): boolean {
  return /^test-chain-[A-Za-z0-9]{5}$/.test(chainId) || chainId === 'localnet' || chainId === 'sandbox';
}

/** nearcore's chain ids of the public networks; anything else (a sandbox's test-chain-XXXXX) is a local node. */
function nameOfChain(chainId: string): NetworkName {
  return chainId === 'mainnet' || chainId === 'testnet' ? chainId : 'local';
}

/**
 * Asks the node its chain id (RPC `status`) and checks it against the declared network, so a testnet
 * command never lands on mainnet through a mistyped URL. A bare `--rpc-url` takes the chain's network.
 */
export async function connectNetwork(options: { network?: string; rpcUrl?: string }): Promise<ConnectedNetwork> {
  const declared = declaredNetwork(options);
  const rpcUrl = declared?.rpcUrl ?? options.rpcUrl!;
  const provider = new JsonRpcProvider({ url: rpcUrl });
  // one quick attempt: an unreachable node is a setup mistake, not a transient failure worth backing off for
  const probe = new JsonRpcProvider({ url: rpcUrl }, { retries: 1, wait: 100, backoff: 1 });
  let chainId: string;
  try {
    chainId = (await probe.viewNodeStatus()).chain_id;
  } catch (error) {
    const remedy = declared?.name === 'local' && options.rpcUrl === undefined ? 'start the local node with `npm run sandbox`, or pass --rpc-url' : 'check the URL and your connection';
    throw new NetworkError(`no NEAR node answers at ${rpcUrl} (${(error as Error).message}): ${remedy}`);
  }
  const actual = nameOfChain(chainId);
  if (declared && actual !== declared.name) {
    throw new NetworkError(`${rpcUrl} serves chain "${chainId}", not ${declared.name}: fix --rpc-url or --network`);
  }
  const network = declared ?? { ...KNOWN[actual], rpcUrl };
  return { ...network, provider, chainId, isLocalChain: isLocalChainId(chainId) };
}

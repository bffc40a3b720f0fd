/**
 * What the app points at: the network, its RPC and relayer, and the contract ids. Set at build time
 * from a JSON file (`npm run app:build -- --config frontend/config/testnet.json`) or, for
 * `npm run app` and the tests, from the local stack (frontend/dev/local-stack.ts); Vite inlines it as
 * `__APP_CONFIG__`, so the same code serves the local node, testnet or mainnet.
 */
export type NetworkId = 'local' | 'testnet' | 'mainnet';

export interface AppConfig {
  networkId: NetworkId;
  /** JSON-RPC endpoint; a path ("/rpc") is resolved against the page's origin. */
  nodeUrl: string;
  /** NEP-366 relayer (packages/relayer) base URL: POST <relayerUrl>/relay; null: no gasless calls. */
  relayerUrl: string | null;
  /** Local node only: the development faucet the dev wallet creates accounts with. */
  devFaucetUrl?: string | null;
  /** Transaction explorer base, e.g. https://testnet.nearblocks.io; null on the local node. */
  explorerUrl: string | null;
  contracts: { stablecoin: string; payout: string; market: string; proxy: string; signer: string };
  /** Methods the relayer pays for, per contract (the function-call keys of gasless accounts). */
  gaslessMethods: { payout: string[]; market: string[] };
}

declare const __APP_CONFIG__: AppConfig;

export const config: AppConfig = __APP_CONFIG__;

export const absoluteUrl = (url: string): string => new URL(url, window.location.href).toString().replace(/\/$/, '');

export const explorerTxUrl = (hash: string): string | null => (config.explorerUrl ? `${config.explorerUrl}/txns/${hash}` : null);

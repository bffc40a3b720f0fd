/**
 * `npm run app:build -- --config <file> [--out <dir>]`: the production build of the dapp for the network
 * and contracts the configuration file names (format: frontend/src/config.ts, example:
 * frontend/config/testnet.example.json). Output: frontend/dist/ (static files for any web server).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { AppConfig } from '../frontend/src/config.js';
import { appViteConfig, FRONTEND_ROOT } from '../frontend/vite.config.js';

const NETWORKS = ['local', 'testnet', 'mainnet'];
const CONTRACT_KEYS = ['stablecoin', 'payout', 'market', 'proxy', 'signer'] as const;

/** Reads and checks a configuration file; every problem is named with the field. */
export function readAppConfig(file: string): AppConfig {
  if (!existsSync(file)) throw new Error(`${file} does not exist: copy frontend/config/testnet.example.json and fill in your contract ids`);
  const config = JSON.parse(readFileSync(file, 'utf8')) as Partial<AppConfig> & Pick<AppConfig, 'networkId' | 'nodeUrl' | 'contracts'>;
  const problems: string[] = [];
  if (!NETWORKS.includes(config.networkId)) problems.push(`networkId must be one of ${NETWORKS.join(', ')}`);
  if (typeof config.nodeUrl !== 'string') problems.push('nodeUrl must be the JSON-RPC URL');
  for (const key of CONTRACT_KEYS) if (typeof config.contracts?.[key] !== 'string') problems.push(`contracts.${key} must be an account id`);
  if (config.networkId !== 'local' && config.devFaucetUrl) problems.push('devFaucetUrl is for the local node only');
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return { relayerUrl: null, explorerUrl: null, gaslessMethods: { payout: ['claim'], market: [] }, ...config };
}

/** `quiet`: errors only (tests and benches; the build's warnings about js-sha256's eval and is-my-json-valid's `util` come from dependencies). */
export async function buildApp(config: AppConfig, outDir: string, options: { quiet?: boolean } = {}): Promise<void> {
  await build({ ...appViteConfig({ config, outDir }), ...(options.quiet ? { logLevel: 'error' as const } : {}) });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  try {
    const file = arg('config');
    if (!file) throw new Error('usage: npm run app:build -- --config <file> [--out <dir>]  (example: frontend/config/testnet.example.json)');
    const config = readAppConfig(resolve(file));
    const outDir = resolve(arg('out') ?? resolve(FRONTEND_ROOT, 'dist'));
    await buildApp(config, outDir);
    console.log(`built the app for ${config.networkId} (${config.nodeUrl}) into ${outDir}`);
  } catch (error) {
    console.error(`npm run app:build: ${(error as Error).message}`);
    process.exit(1);
  }
}

/**
 * Vite for the dapp. The app's configuration (network, RPC, relayer, contract ids: src/config.ts) is
 * inlined as `__APP_CONFIG__`; `npm run app`, `npm run app:build` and the tests pass it through
 * `appViteConfig`. Run directly (`npx vite frontend`), it reads the file named by NEAR_APP_CONFIG.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type InlineConfig, type Plugin, type ProxyOptions } from 'vite';
import type { AppConfig } from './src/config.js';

export const FRONTEND_ROOT = fileURLToPath(new URL('.', import.meta.url));

/**
 * Wallet Selector core 10.1.4 depends on its own `@near-js/crypto` 2.x, whose `PublicKey` imports the
 * `secp256k1` package (elliptic, bn.js, hash.js: ~45 KB gzipped) at module level. near-api-js 7, which the
 * app loads anyway, exports the same `PublicKey`, `KeyPair` and `KeyType` (ED25519 = 0, SECP256K1 = 1),
 * with secp256k1 from @noble/curves; so core and its own `@near-js/*` packages get near-api-js' copy,
 * and a returning visitor's restored session does not download a second crypto library.
 */
function shareNearApiJsCrypto(): Plugin {
  const inSelectorCore = /[\\/]node_modules[\\/]@near-wallet-selector[\\/]core[\\/]/;
  return {
    name: 'share-near-api-js-crypto',
    enforce: 'pre',
    resolveId(source, importer, options) {
      if (source !== '@near-js/crypto' || !importer || !inSelectorCore.test(importer)) return null;
      return this.resolve('near-api-js', fileURLToPath(new URL('./src/main.tsx', import.meta.url)), { ...options, skipSelf: true });
    },
  };
}

export function appViteConfig(options: { config: AppConfig; proxy?: Record<string, ProxyOptions>; outDir?: string }): InlineConfig {
  return {
    root: FRONTEND_ROOT,
    configFile: false,
    plugins: [react(), shareNearApiJsCrypto()],
    // The workspace packages' `source` export condition (their TypeScript, as the root tsconfig resolves them), so
    // `@near-ts/relayer/client` needs no build of packages/relayer first; no dependency from npm has that condition.
    resolve: { conditions: ['source', ...defaultClientConditions] },
    define: { __APP_CONFIG__: JSON.stringify(options.config) },
    server: { proxy: options.proxy, host: '127.0.0.1' },
    preview: { proxy: options.proxy, host: '127.0.0.1' },
    build: { outDir: options.outDir ?? 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 2048 },
    logLevel: 'warn',
  };
}

export default defineConfig(() => {
  const file = process.env.NEAR_APP_CONFIG;
  if (!file) throw new Error('set NEAR_APP_CONFIG to the app configuration file (see frontend/config/testnet.example.json), or use npm run app / npm run app:build');
  return appViteConfig({ config: JSON.parse(readFileSync(file, 'utf8')) as AppConfig });
});

/**
 * `npm run app`: the dapp against the local node, in one command.
 *
 *   1. builds the contracts (cached);
 *   2. starts the local node with `npm run sandbox`'s state (.near-sandbox/, port 3030);
 *   3. deploys the five contracts to dev accounts unless neardev/app.json names live ones;
 *   4. starts the NEP-366 relayer, the signer double's responder and the dev faucet;
 *   5. serves the app with hot reload (Vite) and prints its URL and the accounts.
 *
 * Options: --port N (the app, default 5173), --rpc-port N (default 3030), --reset (new chain).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { buildContracts } from '../packages/contract-builder/src/index.js';
import { CONTRACTS, proxyFor, startLocalStack } from '../frontend/dev/local-stack.js';
import { appViteConfig } from '../frontend/vite.config.js';

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`--${name} ${process.argv[i + 1]} is not a port number`);
  return value;
}

async function main(): Promise<void> {
  const home = join(REPO, '.near-sandbox');
  if (process.argv.includes('--reset')) rmSync(home, { recursive: true, force: true });
  console.log('building the contracts (cached after the first build; the first takes 1.5–2 minutes)…');
  await buildContracts({ names: [...CONTRACTS], log: () => {} });
  const stack = await startLocalStack({
    home,
    port: option('rpc-port', 3030),
    recordsDir: join(REPO, 'neardev'),
    wasm: (name) => readFileSync(join(REPO, 'build', `${name}.wasm`)),
    log: (line) => console.log(line),
  });
  const vite = await createServer({ ...appViteConfig({ config: stack.appConfig, proxy: proxyFor(stack) }), server: { host: '127.0.0.1', port: option('port', 5173), proxy: proxyFor(stack) } });
  await vite.listen();
  const url = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${option('port', 5173)}/`;
  const { contracts } = stack.deployment;
  console.log(
    [
      '',
      `  App        ${url}`,
      `  Node       ${stack.rpcUrl} (chain ${stack.deployment.chainId}, state in .near-sandbox/)`,
      `  Contracts  ${stack.deployed ? 'deployed now' : 'reused from neardev/app.json'}`,
      `             stablecoin (USDX)  ${contracts.stablecoin}`,
      `             payout             ${contracts.payout}`,
      `             task marketplace   ${contracts.market}`,
      `             signatures proxy   ${contracts.proxy}`,
      `             MPC signer double  ${contracts.signer}`,
      `  Services   relayer ${stack.deployment.relayer} · responder ${stack.deployment.responder} · issuer ${stack.deployment.issuer}`,
      '  Accounts   create them in the app with the Dev wallet: <name>.test.near with 10 NEAR and 100 USDX,',
      '             or gasless (storage stake only, function-call keys; the relayer pays its gas)',
      '',
      'Ctrl-C stops everything; the chain is saved and reused next time (--reset for a new one).',
    ].join('\n'),
  );
  const stop = async () => {
    await vite.close();
    await stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error) => {
  console.error(`npm run app: ${(error as Error).message}`);
  process.exit(1);
});

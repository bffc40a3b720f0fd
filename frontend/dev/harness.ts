/**
 * The app as the browser tests and `npm run bench:app` see it: a fresh local stack in a temporary
 * home, the production build for it, Vite's preview server in front (same-origin /rpc, /relayer,
 * /dev-faucet) and headless Chromium from Debian's `chromium` package driven by playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { preview } from 'vite';
import { buildApp } from '../../scripts/app-build.js';
import { appViteConfig } from '../vite.config.js';
import { proxyFor, startLocalStack, type LocalStack } from './local-stack.js';

const REPO = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';

/** The flags the project runs Chromium with: no GPU, no network chatter of its own, no first-run UI. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Installs Debian's chromium when it is missing and we are root (as the contract build does with clang). */
export function ensureChromium(log: (line: string) => void = () => {}): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: run \`sudo apt-get update && sudo apt-get install -y chromium\``);
  log('installing Debian chromium (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium', 'fonts-dejavu-core'], { stdio: 'ignore', env });
}

/** Playwright's launch() gives every browser a new empty --user-data-dir of its own. */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface AppUnderTest {
  stack: LocalStack;
  url: string;
  /** Bytes of the built files, by path relative to dist/. */
  distDir: string;
  stop(): Promise<void>;
}

export async function startAppUnderTest(log: (line: string) => void = () => {}): Promise<AppUnderTest> {
  const home = mkdtempSync(join(tmpdir(), 'near-app-'));
  const stack = await startLocalStack({ home, recordsDir: home, wasm: (name) => readFileSync(join(REPO, 'build', `${name}.wasm`)), log });
  const distDir = join(home, 'dist');
  try {
    await buildApp(stack.appConfig, distDir, { quiet: true });
    const server = await preview({ ...appViteConfig({ config: stack.appConfig, proxy: proxyFor(stack), outDir: distDir }), preview: { host: '127.0.0.1', port: 0, strictPort: false, proxy: proxyFor(stack) } });
    const address = server.httpServer.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return {
      stack,
      url: `http://127.0.0.1:${port}/`,
      distDir,
      async stop() {
        await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
        await stack.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

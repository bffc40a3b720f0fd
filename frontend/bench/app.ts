/**
 * `npm run bench:app [-- --json] [--runs N]`: the dapp's size and speed, measured in headless Chromium
 * against a fresh local node (the production build, served by Vite's preview server).
 *
 *   landing JS (gzip)   the JavaScript the landing page loads before it is interactive, gzipped
 *                       (target ≤ 250 KB; chain-signature libraries must not be in it): a first visit,
 *                       and a returning person whose wallet session is restored (the selector loads)
 *   chain page JS       what the chain-signatures page adds (viem, bitcoinjs-lib, @solana/web3.js)
 *   time to interactive navigation start → the dev wallet's "Create and sign in" button is enabled
 *                       (the wallet selector is set up), fresh browser context each run (target ≤ 1.5 s)
 *   click → pending     the click on "Create a USDX pool" → the pending status painted (target ≤ 100 ms)
 *
 * Medians over --runs (default 5). Times are this machine's, under its current load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, startAppUnderTest, type AppUnderTest } from '../dev/harness.js';

const json = process.argv.includes('--json');
const runsIndex = process.argv.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(process.argv[runsIndex + 1]) : 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The JS files a page fetched from the app (paths under dist/), in load order. */
function recordScripts(page: Page, origin: string): string[] {
  const files: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.resourceType() === 'script' && url.origin === origin) files.push(url.pathname.replace(/^\//, ''));
  });
  return files;
}

const gzipBytes = (app: AppUnderTest, files: string[]) => files.reduce((sum, file) => sum + gzipSync(readFileSync(join(app.distDir, file)), { level: 9 }).length, 0);

async function timeToInteractive(browser: Browser, app: AppUnderTest): Promise<{ ms: number; scripts: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const scripts = recordScripts(page, new URL(app.url).origin);
  await page.goto(app.url);
  await page.waitForFunction(() => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Create and sign in');
    return button !== undefined && !button.disabled;
  });
  const ms = await page.evaluate(() => performance.now());
  await context.close();
  return { ms, scripts };
}

/**
 * A returning person: signed in before, so the wallet selector loads at start to restore the session.
 * Returns the scripts of that reload, and what the chain-signatures page adds on top of them.
 */
async function returningAndChainPage(browser: Browser, app: AppUnderTest): Promise<{ returning: string[]; chainPage: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(app.url);
  await page.getByLabel('New account name').fill('bench-chain');
  await page.getByRole('button', { name: 'Create and sign in' }).click();
  await page.getByTestId('account-id').waitFor({ timeout: 30_000 });
  const fresh = await context.newPage();
  const scripts = recordScripts(fresh, new URL(app.url).origin);
  await fresh.goto(app.url);
  await fresh.getByTestId('account-id').waitFor({ timeout: 30_000 });
  const returning = [...scripts];
  await fresh.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chain signatures' }).click();
  await fresh.getByTestId('eth-address').waitFor({ timeout: 30_000 });
  await context.close();
  return { returning, chainPage: scripts.filter((s) => !returning.includes(s)) };
}

async function clickToPending(browser: Browser, app: AppUnderTest): Promise<number[]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${app.url}#/payouts`);
  await page.getByLabel('New account name').fill('bench-payer');
  await page.getByRole('button', { name: 'Create and sign in' }).click();
  await page.getByText('Balance: 100 USDX').waitFor({ timeout: 30_000 });
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const button = page.getByRole('button', { name: 'Create a USDX pool' });
    await button.waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-phase="pending"]'));
    // in the page: the click event's time → the first frame painted after the pending status appeared
    const measured = page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let clickedAt = 0;
          document.addEventListener('click', (event) => (clickedAt = event.timeStamp), { capture: true, once: true });
          const observer = new MutationObserver(() => {
            if (clickedAt && document.querySelector('[data-phase="pending"]')) {
              observer.disconnect();
              requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - clickedAt)));
            }
          });
          observer.observe(document.body, { childList: true, subtree: true, attributes: true });
        }),
    );
    await button.click();
    samples.push(await measured);
    await page.locator('[data-phase="done"], [data-phase="failed"]').first().waitFor({ timeout: 60_000 });
  }
  await context.close();
  return samples;
}

const app = await startAppUnderTest();
const browser = await launchChromium();
try {
  const tti: number[] = [];
  let landingScripts: string[] = [];
  // one warm-up load (the preview server and Chromium's first start), then the measured runs
  await timeToInteractive(browser, app);
  for (let run = 0; run < RUNS; run++) {
    const result = await timeToInteractive(browser, app);
    tti.push(result.ms);
    landingScripts = result.scripts;
  }
  const { returning, chainPage: chainScripts } = await returningAndChainPage(browser, app);
  const pending = await clickToPending(browser, app);
  const result = {
    landing_js_gzip_bytes: gzipBytes(app, landingScripts),
    landing_js_files: landingScripts.length,
    chain_page_extra_js_gzip_bytes: gzipBytes(app, chainScripts),
    returning_landing_js_gzip_bytes: gzipBytes(app, returning),
    landing_loads_chain_libraries: [...landingScripts, ...returning].some((s) => /ChainSignatures/.test(s)),
    time_to_interactive_ms: Math.round(median(tti)),
    click_to_pending_ms: Math.round(median(pending) * 10) / 10,
    runs: RUNS,
    targets: { landing_js_gzip_bytes: 250_000, time_to_interactive_ms: 1500, click_to_pending_ms: 100 },
  };
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
    const rows: [string, string, string][] = [
      ['landing JS (gzip)', `${kb(result.landing_js_gzip_bytes)} in ${result.landing_js_files} files`, '≤ 250 KB'],
      ['landing JS, signed in before (gzip)', `${kb(result.returning_landing_js_gzip_bytes)} in ${returning.length} files`, '≤ 250 KB (restores the wallet session)'],
      ['chain-signatures page adds (gzip)', kb(result.chain_page_extra_js_gzip_bytes), 'not on the landing page'],
      ['landing loads chain libraries', String(result.landing_loads_chain_libraries), 'false'],
      ['time to interactive (median)', `${result.time_to_interactive_ms} ms (${tti.map(Math.round).join(', ')})`, '≤ 1500 ms'],
      ['click → pending painted (median)', `${result.click_to_pending_ms} ms (${pending.map((p) => p.toFixed(1)).join(', ')})`, '≤ 100 ms'],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    const valueWidth = Math.max(...rows.map((r) => r[1].length));
    console.log(`${'measure'.padEnd(width)}  ${'value'.padEnd(valueWidth)}  target`);
    for (const [name, value, target] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`);
  }
} finally {
  await browser.close();
  await app.stop();
}

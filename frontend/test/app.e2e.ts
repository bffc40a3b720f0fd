/**
 * The dapp end to end in headless Chromium (Debian's package, driven by playwright-core) against a
 * fresh local node, through the UI alone, one browser context per person. Every step checks what the
 * page shows and the chain state read over RPC. Each page is scanned with axe-core (no serious or
 * critical violations) and screenshotted at desktop and phone width into frontend/test-artifacts/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import anyTest, { type TestFn } from 'ava';
import { Account, KeyPair, type KeyPairString } from 'near-api-js';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { commitmentOf, NEAR, payout, sealOf, sha256Hex, stablecoin, taskMarketplace, TGAS } from '../../packages/contract-clients/src/index.js';
import { proxyUserAddresses, rootPublicKeys } from '../../packages/chain-signatures/src/index.js';
import { sandboxControl } from '../../packages/sandbox/src/rpc/dev-client.js';
import { launchChromium, startAppUnderTest, type AppUnderTest } from '../dev/harness.js';
import { USDX } from '../dev/local-stack.js';

const ARTIFACTS = resolve(fileURLToPath(import.meta.url), '..', '..', 'test-artifacts');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const test = anyTest as TestFn<{ app: AppUnderTest; browser: Browser }>;

test.before(async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t.context.app = await startAppUnderTest();
  t.context.browser = await launchChromium();
});

test.after.always(async (t) => {
  await t.context.browser?.close();
  await t.context.app?.stop();
});

const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

interface Person {
  context: BrowserContext;
  page: Page;
  /** Every URL, request body and console message this person's browser produced. */
  observed: string[];
}

async function person(browser: Browser, app: AppUnderTest): Promise<Person> {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, acceptDownloads: true });
  const observed: string[] = [];
  context.on('request', (request) => observed.push(request.url(), request.postData() ?? ''));
  context.on('console', (message) => observed.push(message.text()));
  const page = await context.newPage();
  await page.goto(app.url);
  return { context, page, observed };
}

/** The private keys this person's browser holds (ed25519 secret keys: 64 bytes, ~88 base58 characters). */
async function privateKeysOf(p: Person): Promise<string[]> {
  const values = await p.page.evaluate(() => Object.keys(localStorage).map((k) => localStorage.getItem(k) ?? ''));
  return [...new Set(values.flatMap((v) => v.match(/ed25519:[1-9A-HJ-NP-Za-km-z]{80,}/g) ?? []))];
}

async function expectNoKeyLeaked(t: { true: (v: boolean, m?: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void }, p: Person): Promise<void> {
  const keys = await privateKeysOf(p);
  t.true(keys.length > 0, 'the browser holds its keys');
  t.deepEqual(keys.filter((key) => p.observed.some((text) => text.includes(key) || text.includes(encodeURIComponent(key)))), [], 'no private key in any URL, request body or console message');
}

async function createDevAccount(page: Page, name: string, options: { gasless?: boolean } = {}): Promise<string> {
  await page.getByLabel('New account name').fill(name);
  if (options.gasless) await page.getByLabel(/gasless/).check();
  await page.getByRole('button', { name: 'Create and sign in' }).click();
  const id = `${name}.test.near`;
  await page.getByTestId('account-id').filter({ hasText: id }).waitFor({ timeout: 30_000 });
  return id;
}

/** axe-core on the page as it is: serious and critical violations, as "rule: target" lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const results = (await page.evaluate(() => (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as {
    violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
  };
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function scanAndShoot(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, page: Page, name: string): Promise<void> {
  t.deepEqual(await seriousViolations(page), [], `axe: no serious or critical violations on ${name}`);
  for (const [label, size] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
    t.deepEqual(await page.evaluate(() => document.documentElement.scrollWidth), size.width, `${name} fits ${size.width} px without scrolling sideways`);
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

/** Waits for a transaction status matching `done`; fails at once with the page's message if one fails instead. */
async function expectDone(page: Page, done: RegExp, timeout = 30_000): Promise<void> {
  const failed = page.locator('[data-phase="failed"]');
  const outcome = await Promise.race([
    page.getByText(done).waitFor({ timeout }).then(() => 'done', () => 'timeout'),
    failed.first().waitFor({ timeout }).then(() => 'failed', () => 'timeout'),
  ]);
  if (outcome === 'timeout') throw new Error(`no transaction status matched ${done} within ${timeout} ms; statuses: ${(await page.getByTestId('tx-status').allInnerTexts()).join(' | ')}`);
  if (outcome === 'failed') throw new Error(`expected ${done}, the page shows: ${await failed.first().innerText()}`);
}

test.serial('a payer pays a bonus from a CSV; a payee with no NEAR claims it gaslessly through the relayer', async (t) => {
  const { app, browser } = t.context;
  const view = new Account('view.near', app.stack.root.provider);
  const token = stablecoin(view, app.stack.deployment.contracts.stablecoin);
  const payouts = payout(view, app.stack.deployment.contracts.payout);

  const payee = await person(browser, app);
  const carol = await createDevAccount(payee.page, 'payee', { gasless: true });
  const carolNear = BigInt((await view.provider.viewAccount({ accountId: carol })).amount);
  t.is(await token.ft_balance_of({ account_id: carol }), 0n, 'carol starts with no USDX');

  const payer = await person(browser, app);
  await payer.page.goto(`${app.url}#/payouts`);
  const vendor = await createDevAccount(payer.page, 'payer');
  await payer.page.getByText('Balance: 100 USDX').waitFor();
  await scanAndShoot(t, payer.page, 'home-signed-in');

  await payer.page.getByRole('button', { name: 'Create a USDX pool' }).click();
  await expectDone(payer.page, /✓ Create pool: done/);
  const [pool] = await payouts.list_pools({});
  t.is(pool!.payer, vendor, 'the pool on chain belongs to the payer');

  await payer.page.getByLabel('Amount (USDX)').fill('10');
  await payer.page.getByRole('button', { name: 'Fund pool' }).click();
  await expectDone(payer.page, /✓ Fund pool 0 with 10 USDX: done · [\d.]+ Tgas · 1 yoctoNEAR/);
  await payer.page.getByTestId('pool-unallocated').filter({ hasText: '10 USDX' }).waitFor();
  t.is((await payouts.get_pool({ pool_id: pool!.id }))!.funded, 10n * USDX, 'funded on chain');

  // a bad CSV line is named before anything is sent
  await payer.page.getByLabel(/Payouts, one per line/).fill(`${carol},two`);
  await payer.page.getByText('line 1: "two" is not an amount of USDX').waitFor();
  await payer.page.getByLabel(/Payouts, one per line/).fill(`recipient,amount,reference\n${carol},2,gold bonus`);
  await payer.page.getByRole('button', { name: /Allocate 1 payouts \(2 USDX\)/ }).click();
  await expectDone(payer.page, /✓ Allocate 1 payouts: done/);
  await payer.page.getByTestId('pool-claimable').filter({ hasText: '2 USDX' }).waitFor();
  await scanAndShoot(t, payer.page, 'payouts-payer');

  await payee.page.goto(`${app.url}#/payouts`);
  const row = payee.page.getByTestId(`claimable-${pool!.id}`);
  await row.getByText('2 USDX').waitFor({ timeout: 15_000 });
  await scanAndShoot(t, payee.page, 'payouts-payee');
  await row.getByRole('button', { name: 'Claim (gas-free)' }).click();
  await expectDone(payee.page, /✓ Claim 2 USDX from pool 0: done · [\d.]+ Tgas · no deposit · gas paid by the relayer/, 60_000);
  await payee.page.getByTestId('usdx-balance').filter({ hasText: '2 USDX' }).waitFor();
  await payee.page.getByTestId('nothing-claimable').waitFor();
  t.is(await token.ft_balance_of({ account_id: carol }), 2n * USDX, 'carol holds 2 USDX on chain');
  t.is(BigInt((await view.provider.viewAccount({ accountId: carol })).amount), carolNear, "carol's NEAR is unchanged: the relayer paid");
  t.deepEqual(await payouts.claimable_of({ account_id: carol }), [], 'nothing left to claim on chain');

  // a second batch, pushed by the payer instead of claimed: one batch_transfer of the stablecoin
  const recipient = 'recipient.test.near';
  const created = await fetch(`${app.url}dev-faucet/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'recipient', public_key: KeyPair.fromRandom('ed25519').getPublicKey().toString() }) });
  t.is(created.status, 200, 'the dev faucet created the recipient');
  await payer.page.getByLabel(/Payouts, one per line/).fill(`${recipient},1.5,pushed`);
  await payer.page.getByRole('button', { name: /Allocate 1 payouts \(1.5 USDX\)/ }).click();
  await expectDone(payer.page, /✓ Allocate 1 payouts: done/);
  await payer.page.getByRole('button', { name: 'Push to recipients now' }).click();
  await expectDone(payer.page, /✓ Pay 1 recipients now: done/, 60_000);
  t.is(await token.ft_balance_of({ account_id: recipient }), 101_500_000n, 'the recipient got 1.5 USDX on top of the faucet\'s 100');
  await payer.page.getByTestId('pool-claimable').filter({ hasText: '0 USDX' }).waitFor();

  // failure path: funding beyond the balance shows the contract's reason and changes nothing
  const before = await token.ft_balance_of({ account_id: vendor });
  await payer.page.getByLabel('Amount (USDX)').fill('1000');
  await payer.page.getByRole('button', { name: 'Fund pool' }).click();
  const failed = payer.page.locator('[data-phase="failed"]');
  await failed.waitFor({ timeout: 30_000 });
  t.regex(await failed.innerText(), /Fund pool 0 with 1000 USDX failed\. The stablecoin refused: .+\. \([\d.]+ Tgas used, 1 yoctoNEAR\)/);
  t.is(await token.ft_balance_of({ account_id: vendor }), before, "the payer's USDX is unchanged");
  t.is((await payouts.get_pool({ pool_id: pool!.id }))!.funded, 10n * USDX, 'the pool is unchanged');

  // failure path: a paused token refuses the funding; the page says which contract and why
  const issuer = stablecoin(app.stack.signerOf(app.stack.deployment.issuer), app.stack.deployment.contracts.stablecoin);
  await issuer.grant_role({ role: 'pauser', account_id: app.stack.deployment.issuer });
  await issuer.pause();
  await payer.page.getByLabel('Amount (USDX)').fill('1');
  await payer.page.getByRole('button', { name: 'Fund pool' }).click();
  await payer.page.getByText(/Fund pool 0 with 1 USDX failed\. The stablecoin refused: paused\. \([\d.]+ Tgas used, 1 yoctoNEAR\)/).waitFor({ timeout: 30_000 });
  t.is(await token.ft_balance_of({ account_id: vendor }), before, "the payer's USDX is unchanged while the token is paused");
  t.is((await payouts.get_pool({ pool_id: pool!.id }))!.funded, 10n * USDX, 'the pool is unchanged while the token is paused');
  await issuer.unpause();

  await expectNoKeyLeaked(t, payee);
  await expectNoKeyLeaked(t, payer);
  await payee.context.close();
  await payer.context.close();
});

/** The relayer's status endpoint as the browser reaches it (Vite's proxy: /relayer → the relayer); group 1: the transaction hash. */
const RELAYER_STATUS = /\/relayer\/status\/([1-9A-HJ-NP-Za-km-z]{32,44})\?wait=final$/;

/** A body in the shape of the relayer's `statusBody` (packages/relayer/src/server.ts) for the transaction an ask names. */
function statusAnswer(url: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { transaction_hash: RELAYER_STATUS.exec(url)![1], ...fields };
}

interface GaslessPayee extends Person {
  id: string;
  /** Allocates `usdx` to the payee from a pool of its own payer (over RPC) and reloads its payouts page: the row's claim button. */
  claimable(usdx: bigint): Promise<Locator>;
}

/** A gasless payee on the payouts page, and a payer (a faucet account this test holds the key of) with a funded pool for it. */
async function gaslessPayee(app: AppUnderTest, browser: Browser, name: string): Promise<GaslessPayee> {
  const { contracts } = app.stack.deployment;
  const payee = await person(browser, app);
  await payee.page.goto(`${app.url}#/payouts`);
  const id = await createDevAccount(payee.page, `${name}-payee`, { gasless: true });
  const payerKey = KeyPair.fromRandom('ed25519');
  const created = await fetch(`${app.url}dev-faucet/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `${name}-payer`, public_key: payerKey.getPublicKey().toString() }) });
  if (created.status !== 200) throw new Error(`the dev faucet answered ${created.status}: ${await created.text()}`);
  const payer = new Account(`${name}-payer.test.near`, app.stack.root.provider, payerKey.toString() as KeyPairString);
  const payouts = payout(payer, contracts.payout);
  await payouts.storage_deposit({}, { deposit: NEAR / 10n });
  const { min } = await stablecoin(payer, contracts.stablecoin).storage_balance_bounds();
  const { value: pool } = await payouts.create_pool({ token: contracts.stablecoin, default_expiry_ns: 86_400n * 10n ** 9n, registration_fee: min }, { deposit: NEAR / 100n });
  await stablecoin(payer, contracts.stablecoin).ft_transfer_call({ receiver_id: contracts.payout, amount: 10n * USDX, msg: JSON.stringify({ pool_id: pool.id }) });
  return {
    ...payee,
    id,
    async claimable(usdx) {
      await payouts.allocate({ pool_id: pool.id, allocations: [{ recipient: id, amount: usdx * USDX }] }, { gas: 50n * TGAS });
      await payee.page.reload();
      return payee.page.getByTestId(`claimable-${pool.id}`).filter({ hasText: `${usdx} USDX` }).getByRole('button', { name: 'Claim (gas-free)' });
    },
  };
}

/*
 * The relayer's `pending` (its 30 s wait over) and `outcome_unknown` (DELEGATE_NONCE_USED) need a node that
 * loses answers and forgets transactions (sandbox-tests/relayer-submit-once.ava.ts has such a proxy; this
 * suite does not), so in the next three tests the browser's status asks are answered in the relayer's
 * shapes, while the delegate itself is posted to the real relayer and runs on the real node.
 */
test.serial('a relayed claim whose status answer is pending (the relayer\'s 30 s wait over) is asked again and ends done with the final outcome', async (t) => {
  const { app, browser } = t.context;
  const payee = await gaslessPayee(app, browser, 'pending');
  const asks: string[] = [];
  await payee.page.route(RELAYER_STATUS, (route) => {
    asks.push(route.request().url());
    return asks.length === 1 ? route.fulfill({ json: statusAnswer(route.request().url(), { state: 'pending', sender_id: payee.id }) }) : route.continue();
  });
  await (await payee.claimable(1n)).click();
  await expectDone(payee.page, /✓ Claim 1 USDX from pool \d+: done · [\d.]+ Tgas · no deposit · gas paid by the relayer/, 60_000);
  t.is(asks.length, 2, 'asked again after the pending answer');
  const token = stablecoin(new Account('view.near', app.stack.root.provider), app.stack.deployment.contracts.stablecoin);
  t.is(await token.ft_balance_of({ account_id: payee.id }), 1n * USDX, 'the claim ran');
  await payee.context.close();
});

test.serial('a relayed claim the relayer answers outcome_unknown (DELEGATE_NONCE_USED) is shown as its own state, not as a refusal: it may have run (here it did), check before trying again', async (t) => {
  const { app, browser } = t.context;
  const payee = await gaslessPayee(app, browser, 'unknown');
  await payee.page.route(RELAYER_STATUS, async (route) => {
    // the real relayer's answer first: the delegate ran, as it may have when the relayer answers outcome_unknown
    const real = (await (await route.fetch()).json()) as { state: string };
    t.is(real.state, 'final', 'the delegate ran on the node');
    await route.fulfill({ json: statusAnswer(route.request().url(), { state: 'outcome_unknown', sender_id: payee.id, error: { code: 'DELEGATE_NONCE_USED', message: 'its transaction is unknown to the node and the delegate nonce is used on chain' } }) });
  });
  await (await payee.claimable(2n)).click();
  const unknown = payee.page.locator('[data-phase="outcome-unknown"]');
  await unknown.waitFor({ timeout: 60_000 });
  t.regex(
    await unknown.innerText(),
    /^⚠ Claim 2 USDX from pool \d+: outcome unknown\. The relayer cannot tell whether it ran \(DELEGATE_NONCE_USED\): .+ Check whether it took effect \(your balances and this page, refreshed now, or the transaction below in an explorer\) before trying again; do not sign it again blindly\. · transaction [1-9A-HJ-NP-Za-km-z]{43,44}$/,
  );
  // the page refreshed after it: the person can see the claim was paid
  await payee.page.getByTestId('usdx-balance').filter({ hasText: '2 USDX' }).waitFor();
  await payee.page.getByTestId('nothing-claimable').waitFor();
  await scanAndShoot(t, payee.page, 'payouts-outcome-unknown');
  await payee.context.close();
});

test.serial("a relayed claim still pending after the app's last status ask says so, with the transaction hash to look up, not as a failure", async (t) => {
  const { app, browser } = t.context;
  const payee = await gaslessPayee(app, browser, 'stuck');
  let asks = 0;
  let hash = '';
  await payee.page.route(RELAYER_STATUS, (route) => {
    asks++;
    hash = RELAYER_STATUS.exec(route.request().url())![1]!;
    return route.fulfill({ json: statusAnswer(route.request().url(), { state: 'pending', sender_id: payee.id }) });
  });
  await (await payee.claimable(4n)).click();
  const stillPending = payee.page.locator('[data-phase="still-pending"]');
  await stillPending.waitFor({ timeout: 60_000 });
  t.is(asks, 4, 'asked four times (the relayer client\'s default asks), then stopped');
  t.regex(
    await stillPending.innerText(),
    new RegExp(`^⚠ Claim 4 USDX from pool \\d+: still pending\\. The relayer accepted it but had no outcome after \\d+ s: it may still run\\. Before trying again, look up the transaction below, or reload this page in a minute and see whether it took effect\\. · transaction ${hash}$`),
  );
  await payee.context.close();
});

test.serial('a user signs an Ethereum transfer through the proxy; the page shows the recovered sender = the derived address', async (t) => {
  const { app, browser } = t.context;
  const user = await person(browser, app);
  const accountId = await createDevAccount(user.page, 'signer-user');
  await scanAndShoot(t, user.page, 'home');
  await user.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chain signatures' }).click();
  const derived = proxyUserAddresses(rootPublicKeys(), app.stack.deployment.contracts.proxy, accountId, 'ethereum-1');
  await user.page.getByTestId('eth-address').filter({ hasText: derived.ethereum }).waitFor({ timeout: 15_000 });
  t.is(await user.page.getByTestId('sol-address').innerText(), derived.solana, 'Solana address = derived off-chain');
  t.is(await user.page.getByTestId('btc-address').innerText(), derived.bitcoin, 'Bitcoin address = derived off-chain');
  await user.page.getByRole('button', { name: 'Sign with NEAR' }).click();
  await expectDone(user.page, /✓ Sign the Ethereum transfer through the proxy: done/, 90_000);
  t.is(await user.page.getByTestId('eth-recovered').innerText(), derived.ethereum, 'recovered sender = derived address');
  await user.page.getByText('= your derived address ✓').waitFor();
  // an ed25519 request: the page assembles the Solana transaction only if the signature verifies against the derived key
  await user.page.getByRole('button', { name: 'Sign Solana transfer' }).click();
  await expectDone(user.page, /✓ Sign the Solana transfer through the proxy: done/, 90_000);
  t.regex(await user.page.getByTestId('sol-signed').innerText(), new RegExp(`signature verified against ${derived.solana}`));
  await scanAndShoot(t, user.page, 'chain-signatures');
  await user.context.close();
});

test.serial('a lost connection to the node shows a clear message, and the app recovers when it answers again', async (t) => {
  const { app, browser } = t.context;
  const { context, page } = await person(browser, app);
  await page.route('**/rpc', (route) => route.abort('connectionrefused'));
  await page.getByTestId('node-offline').waitFor({ timeout: 10_000 });
  t.regex(await page.getByTestId('node-offline').innerText(), /Cannot reach the NEAR node .* retries every 3 seconds/);
  await page.unroute('**/rpc');
  await page.getByTestId('node-offline').waitFor({ state: 'detached', timeout: 10_000 });
  t.is(await page.getByTestId('node-offline').count(), 0, 'the banner went away by itself');
  await context.close();
});

test.serial('the labelling story: a vendor funds a project with a gold item; three taskers claim, label, commit and reveal; consensus pays two; the vendor opens the gold seal; a tasker withdraws', async (t) => {
  const { app, browser } = t.context;
  const view = new Account('view.near', app.stack.root.provider);
  const market = taskMarketplace(view, app.stack.deployment.contracts.market);
  const token = stablecoin(view, app.stack.deployment.contracts.stablecoin);

  const vendor = await person(browser, app);
  await vendor.page.goto(`${app.url}#/vendor`);
  const vendorId = await createDevAccount(vendor.page, 'vendor');
  await vendor.page.getByLabel('Title').fill('Sentiment of product reviews');
  // a rule broken in the form is named there and nothing is sent
  await vendor.page.getByLabel('Answers that must agree').fill('1');
  await vendor.page.getByRole('button', { name: 'Create project' }).click();
  await vendor.page.getByText('Agreement must be more than half of 3 (so two answers can never both win): at least 2.').waitFor();
  t.deepEqual(await market.list_projects({}), [], 'no project was created');
  await vendor.page.getByLabel('Answers that must agree').fill('2');
  await vendor.page.getByRole('button', { name: 'Create project' }).click();
  await expectDone(vendor.page, /✓ Create project "Sentiment of product reviews": done/);
  const [project] = await market.list_projects({});
  t.is(project!.vendor, vendorId);
  t.is(project!.consensus, 2);

  await vendor.page.getByLabel('Add budget (USDX)').fill('40');
  await vendor.page.getByRole('button', { name: 'Fund project' }).click();
  await expectDone(vendor.page, /✓ Fund "Sentiment of product reviews" with 40 USDX: done · [\d.]+ Tgas · 1 yoctoNEAR/);
  await vendor.page.getByTestId('project-funded').filter({ hasText: '40 USDX' }).waitFor();
  t.is((await market.get_project({ project_id: project!.id }))!.funded, 40n * USDX, 'funded on chain');

  await vendor.page.getByLabel(/Items: CSV lines/).fill('Great product, works as described,positive\nBroke after one day');
  await vendor.page.getByRole('button', { name: 'Add 2 items (1 gold, sealed here)' }).click();
  await expectDone(vendor.page, /✓ Add 2 items: done · [\d.]+ Tgas · 1 yoctoNEAR/);
  await vendor.page.getByText('Download your gold seals now').waitFor();
  const download = vendor.page.waitForEvent('download');
  await vendor.page.getByRole('button', { name: 'Download gold seals' }).click();
  const seals = JSON.parse(readFileSync(await (await download).path(), 'utf8')) as Record<string, { label: string; expected: string; salt: string }>;
  t.is(seals[`${project!.id}:0`]!.label, 'positive', 'the downloaded seals hold the gold answer');
  const gold = (await market.get_item({ project_id: project!.id, item_index: 0 }))!;
  t.is(gold.seal, sealOf(seals[`${project!.id}:0`]!.expected, seals[`${project!.id}:0`]!.salt), 'the seal on chain is the one sealed in the browser');
  await scanAndShoot(t, vendor.page, 'vendor');

  const answers = { alice: ['positive', 'positive'], bob: ['negative', 'negative'], carol: ['positive', 'positive'] } as const;
  const taskers: Record<string, Person & { id: string }> = {};
  for (const [name, labels] of Object.entries(answers)) {
    const p = await person(browser, app);
    await p.page.goto(`${app.url}#/tasks`);
    const id = await createDevAccount(p.page, name, { gasless: name === 'carol' });
    taskers[name] = { ...p, id };
    await p.page.getByRole('button', { name: 'Join the marketplace' }).click();
    await expectDone(p.page, /✓ Join the marketplace: done/);
    await p.page.getByRole('button', { name: 'Work on this' }).click();
    for (const index of [0, 1]) {
      const card = p.page.getByTestId(`item-${index}`);
      await card.getByRole('button', { name: 'Claim' }).click();
      await expectDone(p.page, new RegExp(`✓ Claim item ${index}: done`));
      await card.getByLabel(labels[index]!).check();
      await card.getByRole('button', { name: 'Commit answer' }).click();
      await expectDone(p.page, new RegExp(`✓ Commit your answer for item ${index}: done`));
    }
    if (name === 'alice') {
      // the salts survive a reload, and the exported file opens the commitments on chain
      await p.page.reload();
      await p.page.getByRole('button', { name: 'Work on this' }).click();
      await p.page.getByTestId('item-1').getByText('Committed "positive"').waitFor();
      const exported = p.page.waitForEvent('download');
      await p.page.getByRole('button', { name: 'Export my salts' }).click();
      const salts = JSON.parse(readFileSync(await (await exported).path(), 'utf8')) as Record<string, { result: string; salt: string }>;
      for (const index of [0, 1]) {
        const claim = (await market.get_item({ project_id: project!.id, item_index: index }))!.claims.find((c) => c.tasker === id)!;
        const kept = salts[`${project!.id}:${index}`]!;
        t.is(claim.commitment, commitmentOf(project!.id, index, id, kept.result, kept.salt), `the exported salt opens alice's commitment on item ${index}`);
      }
    }
  }
  await scanAndShoot(t, taskers.alice!.page, 'tasks');
  // every tasker's page reveals on its own once all three committed
  for (const { page } of Object.values(taskers)) {
    for (const index of [0, 1]) await page.getByTestId(`item-${index}`).getByTestId('my-result').waitFor({ timeout: 60_000 });
  }
  for (const index of [0, 1]) {
    const item = (await market.get_item({ project_id: project!.id, item_index: index }))!;
    t.is(item.status, 'accepted', `item ${index} accepted by consensus`);
    t.deepEqual(item.claims.filter((c) => c.paid).map((c) => c.tasker).sort(), [taskers.alice!.id, taskers.carol!.id], `alice and carol paid for item ${index}`);
  }
  t.is(await market.earnings_of({ account_id: taskers.alice!.id, token: app.stack.deployment.contracts.stablecoin }), 10n * USDX, 'alice earned 2 × 5 USDX');
  t.is(await market.earnings_of({ account_id: taskers.bob!.id, token: app.stack.deployment.contracts.stablecoin }), 0n, 'bob earned nothing');

  await vendor.page.reload();
  await vendor.page.getByRole('button', { name: 'Open gold seal (positive)' }).click();
  await expectDone(vendor.page, /✓ Open the gold seal of item 0: done/);
  await vendor.page.getByTestId('vendor-item-0').getByText('gold: positive').waitFor();
  t.is((await market.get_tasker({ account_id: taskers.alice!.id }))!.gold_correct, 1, 'alice answered the gold item right');
  t.is((await market.get_tasker({ account_id: taskers.bob!.id }))!.gold_wrong, 1, 'bob answered it wrong');

  const alice = taskers.alice!.page;
  await alice.getByTestId('earnings').filter({ hasText: '10 USDX' }).waitFor();
  await alice.getByRole('button', { name: 'Withdraw earnings' }).click();
  await expectDone(alice, /✓ Withdraw 10 USDX: done/);
  t.is(await token.ft_balance_of({ account_id: taskers.alice!.id }), 110n * USDX, 'alice holds her 100 USDX plus 10 earned');
  t.is(await market.earnings_of({ account_id: taskers.alice!.id, token: app.stack.deployment.contracts.stablecoin }), 0n, 'nothing left to withdraw');
  for (const p of [vendor, ...Object.values(taskers)]) {
    await expectNoKeyLeaked(t, p);
    await p.context.close();
  }
});

test.serial('image items: the tasker sees the image from its URI, labels it, and the single answer is accepted; after the deadline the vendor reclaims the rest', async (t) => {
  const { app, browser } = t.context;
  const view = new Account('view.near', app.stack.root.provider);
  const market = taskMarketplace(view, app.stack.deployment.contracts.market);
  const vendor = await person(browser, app);
  await vendor.page.goto(`${app.url}#/vendor`);
  const vendorId = await createDevAccount(vendor.page, 'image-vendor');
  await vendor.page.getByLabel('Title').fill('Animals in pictures');
  await vendor.page.getByLabel('Labels (comma-separated)').fill('cat, dog');
  await vendor.page.getByLabel('Items are').selectOption('image');
  await vendor.page.getByLabel('Answers per item').fill('1');
  await vendor.page.getByLabel('Answers that must agree').fill('1');
  await vendor.page.getByRole('button', { name: 'Create project' }).click();
  await expectDone(vendor.page, /✓ Create project "Animals in pictures": done/);
  await vendor.page.getByLabel('Add budget (USDX)').fill('10');
  await vendor.page.getByRole('button', { name: 'Fund project' }).click();
  await expectDone(vendor.page, /✓ Fund "Animals in pictures" with 10 USDX: done/);
  const image = "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='160' height='100'><rect width='160' height='100' fill='%23c0392b'/></svg>";
  await vendor.page.getByLabel(/Items: CSV lines/).fill(image);
  await vendor.page.getByRole('button', { name: 'Add 1 items' }).click();
  await expectDone(vendor.page, /✓ Add 1 items: done/);
  const project = (await market.list_projects({})).find((p) => p.title === 'Animals in pictures')!;

  const tasker = await person(browser, app);
  await tasker.page.goto(`${app.url}#/tasks`);
  const taskerId = await createDevAccount(tasker.page, 'image-tasker');
  await tasker.page.getByRole('button', { name: 'Join the marketplace' }).click();
  await expectDone(tasker.page, /✓ Join the marketplace: done/);
  await tasker.page.getByRole('listitem').filter({ hasText: 'Animals in pictures' }).getByRole('button', { name: 'Work on this' }).click();
  const card = tasker.page.getByTestId('item-0');
  await card.getByRole('button', { name: 'Claim' }).click();
  await expectDone(tasker.page, /✓ Claim item 0: done/);
  const picture = card.getByRole('img', { name: 'Item 0 to label' });
  await picture.waitFor();
  t.is(await picture.evaluate((img: HTMLImageElement) => img.naturalWidth), 160, 'the image from the item URI is shown');
  await card.getByLabel('cat').check();
  await card.getByRole('button', { name: 'Commit answer' }).click();
  await expectDone(tasker.page, /✓ Commit your answer for item 0: done/);
  await card.getByTestId('my-result').waitFor({ timeout: 60_000 });
  const item = (await market.get_item({ project_id: project.id, item_index: 0 }))!;
  t.is(item.status, 'accepted', 'one answer of one accepts the item');
  t.is(item.accepted_result, sha256Hex('label: cat'), 'the accepted result is the label the tasker chose');
  t.is(item.claims[0]!.tasker, taskerId);

  // after the deadline plus the dispute window (the node's clock moved 9 days on), the vendor reclaims
  // the unused budget; before that the button is disabled and says when
  await vendor.page.getByText(/Possible after the deadline plus the dispute window/).waitFor();
  const before = (await market.get_project({ project_id: project.id }))!;
  const block = await view.provider.viewBlock({ finality: 'optimistic' });
  const dev = sandboxControl(app.stack.rpcUrl);
  await dev.setNextBlockTimestamp(BigInt(block.header.timestamp_nanosec) + 9n * 86_400n * 10n ** 9n);
  await dev.produceBlocks(1);
  await vendor.page.reload();
  await vendor.page.getByRole('button', { name: 'Reclaim unused budget' }).click();
  await expectDone(vendor.page, /✓ Reclaim the unused budget of "Animals in pictures": done · [\d.]+ Tgas · 1 yoctoNEAR/);
  const after = (await market.get_project({ project_id: project.id }))!;
  t.is(after.unallocated, 0n, 'nothing left unallocated');
  t.is(await market.earnings_of({ account_id: vendorId, token: app.stack.deployment.contracts.stablecoin }), before.unallocated + before.reserved, "the unallocated budget and the item's released reserve are the vendor's earnings");
  await vendor.context.close();
  await tasker.context.close();
});

/*
 * Last: it stops the responder (the signature request it leaves waits for its yield to time out). The page's clock
 * is Playwright's, moved past the call's 60 s timeout once the app is polling, so the test does not wait 60 s.
 */
test.serial('a direct call that does not finish in time (a signature request the responder never answers) is still pending, with its hash, not failed: it may still complete', async (t) => {
  const { app, browser } = t.context;
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  await context.clock.install();
  const page = await context.newPage();
  await page.goto(app.url);
  await createDevAccount(page, 'timeout-user');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chain signatures' }).click();
  await page.getByTestId('eth-address').waitFor({ timeout: 15_000 });
  await app.stack.responder.stop();
  // contract-clients polls the transaction while its receipts wait for the yield's resume
  const polling = page.waitForRequest((request) => /"method":"(tx|EXPERIMENTAL_tx_status)"/.test(request.postData() ?? ''), { timeout: 30_000 });
  await page.getByRole('button', { name: 'Sign with NEAR' }).click();
  await polling;
  await page.clock.fastForward(61_000);
  const settled = page.locator('[data-phase="still-pending"], [data-phase="failed"]');
  await settled.waitFor({ timeout: 30_000 });
  const text = await settled.innerText();
  t.is(await settled.getAttribute('data-phase'), 'still-pending', text);
  t.regex(
    text,
    /^⚠ Sign the Ethereum transfer through the proxy: still pending\. The transaction was sent but had not finished after 60 s: it may still complete\. Before trying again, look up the transaction below, or reload this page in a minute and see whether it took effect\. · transaction [1-9A-HJ-NP-Za-km-z]{43,44}$/,
  );
  const hash = /transaction ([1-9A-HJ-NP-Za-km-z]{43,44})$/.exec(text)![1]!;
  const sent = await app.stack.root.provider.viewTransactionStatus({ txHash: hash, accountId: 'timeout-user.test.near', waitUntil: 'INCLUDED' });
  t.is(sent.transaction_outcome.id, hash, 'the hash shown is the transaction on the node');
  await context.close();
});

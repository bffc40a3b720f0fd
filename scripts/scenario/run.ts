/**
 * The project's main job, end to end on the local node (`npm start`, issue 9):
 *
 *   a vendor funds a labelling project in the stablecoin; three taskers claim, commit and reveal;
 *   consensus and a gold item decide; payouts follow (marketplace earnings and a gold bonus through
 *   the payout contract), one tasker having no NEAR and doing everything through the NEP-366
 *   relayer; a tasker signs an Ethereum transaction through the chain-signatures proxy.
 *
 * Every contract is driven through @near-ts/contract-clients over JSON-RPC, the path a dapp takes to
 * testnet. Every step checks its outcome (balances, states) and throws on the first surprise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Account, actions } from 'near-api-js';
import { recoverTransactionAddress } from 'viem';
import { buildContracts } from '../../packages/contract-builder/src/index.js';
import {
  NEAR,
  TGAS,
  chainSignaturesProxy,
  commitmentOf,
  sealOf,
  mpcSignerDouble,
  payout,
  sha256Hex,
  stablecoin,
  taskMarketplace,
  type CallResult,
  type ItemStatus,
} from '../../packages/contract-clients/src/index.js';
import {
  assembleEthereumTransaction,
  ethereumAddress,
  ethereumSigningPayload,
  parseSecp256k1Key,
  proxySignArgs,
  proxyUserAddresses,
  rootPublicKeys,
  type UnsignedEip1559,
} from '../../packages/chain-signatures/src/index.js';
import { createRelayer, startRelayerServer, type RelayerServer } from '../../packages/relayer/src/index.js';
import { startResponder, type Responder } from '../mpc-responder.js';
import { createAccount, createGaslessAccount, keyOf, relayCall, type GaslessAccount } from './accounts.js';
import { formatMs, Narrator, type Step } from './log.js';
import { startLocalNode, type LocalNode } from './node.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CONTRACTS = ['stablecoin', 'payout', 'task-marketplace', 'chain-signatures-proxy', 'mpc-signer-double'] as const;

/** 1 USDX: the stablecoin has 6 decimals. */
const USDX = 1_000_000n;
const HOUR_NS = 3_600n * 10n ** 9n;

export interface ScenarioOptions {
  /** Where the narration goes (default stdout). */
  write?: (line: string) => void;
  /** A terminal: progress as a ticking line instead of a line every 10 s. */
  interactive?: boolean;
  /** false: use the Wasm already in build/ instead of running the (cached) build. Default true. */
  build?: boolean;
}

export interface ScenarioResult {
  ok: true;
  ms: number;
  buildMs: number;
  steps: Narrator['steps'];
  /** Final stablecoin balances (USDX base units) by role. */
  usdx: Record<string, bigint>;
  ethereumAddress: string;
}

const usd = (amount: bigint) => `${amount / USDX}.${(amount % USDX).toString().padStart(6, '0').slice(0, 2)} USDX`;
const near = (amount: bigint) => `${(Number(amount) / Number(NEAR)).toFixed(4)} NEAR`;

export async function runScenario(options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const log = new Narrator(options.write, options.interactive);
  const started = performance.now();
  let node: LocalNode | undefined;
  let responder: Responder | undefined;
  let relayerServer: RelayerServer | undefined;
  try {
    log.line('near-ts-stack: a labelling project paid in a stablecoin, on a local NEAR node');

    // --- 1. build ---
    const buildStarted = performance.now();
    const wasm = await log.step('Build the five contracts (cached after the first build)', async (step) => {
      if (options.build === false) {
        step.note('using the Wasm in build/ (build: false)');
        return Object.fromEntries(CONTRACTS.map((name) => [name, readBuilt(name)])) as Record<(typeof CONTRACTS)[number], Buffer>;
      }
      // the builder's own milestones (engine, template, each contract) show where a first build is
      const milestone = /compiling|linking|type-checking/;
      const results = await log.progress(
        'compiling TypeScript contracts to Wasm (the first build takes 1.5–2 min)',
        buildContracts({ names: [...CONTRACTS], log: (line) => milestone.test(line) && step.note(`· ${line}`) }),
      );
      for (const r of results) step.note(`${r.name.padEnd(24)} ${(r.wasmSize / 1024).toFixed(0).padStart(4)} KiB ${r.cached ? 'cached' : `built in ${formatMs(r.timings.totalMs)}`}`);
      return Object.fromEntries(results.map((r) => [r.name, readFileSync(r.wasmPath)])) as Record<(typeof CONTRACTS)[number], Buffer>;
    });
    const buildMs = performance.now() - buildStarted;

    // --- 2. node and accounts ---
    const local = await log.step('Start the local NEAR node (packages/sandbox) as a JSON-RPC URL', async (step) => {
      const started = await startLocalNode();
      const status = await started.provider.viewNodeStatus();
      step.note(`${started.rpcUrl}  chain ${status.chain_id}, protocol ${status.protocol_version}, root ${started.root.accountId}`);
      step.expectEqual(status.protocol_version, 86, 'protocol version');
      return started;
    });
    node = local;
    const { root, provider } = local;

    const accounts = await log.step('Create the accounts', async (step) => {
      const make = (name: string, balance: bigint) => createAccount(root, name, balance);
      // One signer (the root) creates them one after another: its nonce orders the transactions.
      const issuer = await make('issuer', 10n * NEAR);
      const usdc = await make('usd', 10n * NEAR);
      const market = await make('market', 10n * NEAR);
      const payoutAccount = await make('payout', 10n * NEAR);
      const signer = await make('signer', 20n * NEAR);
      const responderAccount = await make('responder', 100n * NEAR);
      const proxy = await make('proxy', 10n * NEAR);
      const relayerAccount = await make('relayer', 50n * NEAR);
      const vendor = await make('vendor', 20n * NEAR);
      const alice = await make('alice', 5n * NEAR);
      const bob = await make('bob', 5n * NEAR);
      const carol = await createGaslessAccount(root, 'carol', {
        [market.accountId]: ['register_tasker', 'claim', 'submit', 'reveal', 'withdraw'],
        [payoutAccount.accountId]: ['claim'],
      });
      const carolView = await provider.viewAccount({ accountId: carol.accountId });
      step.note(`contracts: ${[usdc, market, payoutAccount, proxy, signer].map((a) => a.accountId).join(', ')}`);
      step.note(`people: issuer, vendor, alice and bob (5 NEAR each), carol with ${near(BigInt(carolView.amount))}: exactly her storage stake, nothing for gas`);
      step.note(`carol's keys: function-call keys for ${market.accountId} (5 methods) and ${payoutAccount.accountId} (claim); the relayer pays her gas`);
      step.expectEqual(BigInt(carolView.amount), carol.stake, "carol's balance is her storage stake");
      return { issuer, usdc, market, payoutAccount, signer, responderAccount, proxy, relayerAccount, vendor, alice, bob, carol };
    });
    const { issuer, usdc, market, payoutAccount, signer, responderAccount, proxy, relayerAccount, vendor, alice, bob, carol } = accounts;

    // --- 3. deploy ---
    const roots = rootPublicKeys();
    await log.step('Deploy and initialise the five contracts (deploy + init in one transaction each)', async (step) => {
      const deploy = async (account: Account, code: Buffer, args: Record<string, unknown>) => {
        const outcome = (await account.signAndSendTransaction({
          receiverId: account.accountId,
          actions: [actions.deployContract(code), actions.functionCall('init', args, 100n * TGAS, 0n)],
        })) as unknown as { transaction_outcome: { outcome: { gas_burnt: number } }; receipts_outcome: { outcome: { gas_burnt: number } }[] };
        const gasBurnt = [outcome.transaction_outcome, ...outcome.receipts_outcome].reduce((sum, o) => sum + BigInt(o.outcome.gas_burnt), 0n);
        step.gas({ gasBurnt });
      };
      // One after another: the node is single-threaded and prepares each module in turn anyway.
      const all = async () => {
        await deploy(usdc, wasm.stablecoin, { owner_id: issuer.accountId });
        await deploy(market, wasm['task-marketplace'], { owner_id: market.accountId });
        await deploy(payoutAccount, wasm.payout, { owner_id: payoutAccount.accountId });
        await deploy(signer, wasm['mpc-signer-double'], { secp256k1_root: roots.secp256k1, ed25519_root: roots.ed25519, participants: [responderAccount.accountId] });
        await deploy(proxy, wasm['chain-signatures-proxy'], { owner_id: proxy.accountId, config: { signer_id: signer.accountId, sign_gas_tgas: 60 } });
      };
      await log.progress('deploying: the node checks and gas-instruments each ~400 KiB module before its first call', all());
      const metadata = await stablecoin(vendor, usdc.accountId).ft_metadata();
      const config = await chainSignaturesProxy(vendor, proxy.accountId).get_config();
      step.note(`stablecoin ${metadata.name} (${metadata.symbol}, ${metadata.decimals} decimals) at ${usdc.accountId}`);
      step.note(`proxy forwards to ${config.signer_id} with ${config.sign_gas_tgas} Tgas; signer double answers through ${responderAccount.accountId}`);
      step.expectEqual(metadata.decimals, 6, 'stablecoin decimals');
      step.expectEqual(config.signer_id, signer.accountId, 'proxy signer');
    });

    responder = startResponder({ rpcUrl: local.rpcUrl, contractId: signer.accountId, accountId: responderAccount.accountId, privateKey: keyOf(responderAccount) });
    const relayer = createRelayer({
      rpcUrl: local.rpcUrl,
      accountId: relayerAccount.accountId,
      privateKey: keyOf(relayerAccount),
      policy: {
        allowed: { [market.accountId]: ['register_tasker', 'claim', 'submit', 'reveal', 'withdraw'], [payoutAccount.accountId]: ['claim'] },
        maxGas: 150n * TGAS,
        rateLimit: { count: 50, windowMs: 60_000 },
        // A claim with nothing to claim would fail at the relayer's cost: the payout contract's view says first.
        preChecks: { [payoutAccount.accountId]: { claim: { view: 'claimable_of', args: { account_id: '$sender', pool_ids: ['$args.pool_id'] } } } },
      },
    });
    relayerServer = await startRelayerServer(relayer);
    const relayerUrl = relayerServer;

    // --- clients per signer ---
    const token = {
      issuer: stablecoin(issuer, usdc.accountId),
      vendor: stablecoin(vendor, usdc.accountId),
      alice: stablecoin(alice, usdc.accountId),
      bob: stablecoin(bob, usdc.accountId),
    };
    const marketOf = { vendor: taskMarketplace(vendor, market.accountId), alice: taskMarketplace(alice, market.accountId), bob: taskMarketplace(bob, market.accountId) };
    const payoutOf = { vendor: payout(vendor, payoutAccount.accountId), alice: payout(alice, payoutAccount.accountId) };
    const balanceOf = (accountId: string) => token.vendor.ft_balance_of({ account_id: accountId });
    const people = { vendor: vendor.accountId, alice: alice.accountId, bob: bob.accountId, carol: carol.accountId };
    const balances = async (step: Step) => {
      const entries = await Promise.all(Object.entries(people).map(async ([name, id]) => [name, await balanceOf(id)] as const));
      step.note(`USDX: ${entries.map(([name, amount]) => `${name} ${usd(amount)}`).join(' · ')}`);
      return Object.fromEntries(entries) as Record<keyof typeof people, bigint>;
    };

    // --- 4. stablecoin ---
    await log.step('The issuer mints 100 USDX to the vendor; alice, bob and the two contracts register with the token', async (step) => {
      const { min } = await token.vendor.storage_balance_bounds();
      await Promise.all([
        (async () => {
          step.gas(await token.vendor.storage_deposit({}, { deposit: min }));
          // the vendor pays the token storage of the contracts it will send USDX to
          step.gas(await token.vendor.storage_deposit({ account_id: market.accountId }, { deposit: min }));
          step.gas(await token.vendor.storage_deposit({ account_id: payoutAccount.accountId }, { deposit: min }));
        })(),
        token.alice.storage_deposit({}, { deposit: min }).then(step.gas),
        token.bob.storage_deposit({}, { deposit: min }).then(step.gas),
        (async () => {
          step.gas(await token.issuer.grant_role({ role: 'master_minter', account_id: issuer.accountId }));
          step.gas(await token.issuer.configure_minter({ account_id: issuer.accountId, allowance: 1_000_000n * USDX }));
        })(),
      ]);
      step.gas(await token.issuer.mint({ account_id: vendor.accountId, amount: 100n * USDX, memo: 'wire 2026-11-28' }));
      const after = await balances(step);
      step.expectEqual(after.vendor, 100n * USDX, 'vendor USDX after mint');
      step.expectEqual(await token.vendor.ft_total_supply(), 100n * USDX, 'total supply');
    });

    // --- 5. project ---
    const GOLD_ANSWER = sha256Hex('label: positive');
    const GOLD_SALT = `gold-${Date.now()}`;
    const reward = 5n * USDX;
    const reviewerReward = 1n * USDX;
    const projectId = await log.step('The vendor creates a labelling project (k = 3, consensus 2) and funds it with 40 USDX', async (step) => {
      const block = await provider.viewBlock({ finality: 'final' });
      const now = BigInt(block.header.timestamp_nanosec);
      await Promise.all([
        marketOf.vendor.storage_deposit({}, { deposit: NEAR }).then(step.gas),
        // carol has no NEAR: the vendor sponsors her storage on the marketplace
        marketOf.vendor.storage_deposit({ account_id: carol.accountId }, { deposit: NEAR / 2n }).then(step.gas),
        taskMarketplace(alice, market.accountId).storage_deposit({}, { deposit: NEAR / 2n }).then(step.gas),
        taskMarketplace(bob, market.accountId).storage_deposit({}, { deposit: NEAR / 2n }).then(step.gas),
      ]);
      const created = step.gas(
        await marketOf.vendor.create_project({
          token: usdc.accountId,
          title: 'Sentiment of product reviews, batch 1',
          instructions_uri: 'ipfs://bafy-instructions-v1',
          instructions_hash: sha256Hex('instructions v1'),
          reward_per_item: reward,
          reviewer_reward: reviewerReward,
          redundancy: 3,
          consensus: 2,
          claim_ttl_ns: HOUR_NS,
          reveal_ttl_ns: HOUR_NS,
          // the contract's floor for the dispute window is 24 h (get_limits): a tasker always has a day to dispute
          dispute_ttl_ns: 24n * HOUR_NS,
          deadline_ns: now + 24n * HOUR_NS,
        }),
      ).value;
      const kept = step.gas(await token.vendor.ft_transfer_call({ receiver_id: market.accountId, amount: 40n * USDX, msg: JSON.stringify({ fund_project: created.id }) }));
      step.expectEqual(kept.value, 40n * USDX, 'amount the marketplace kept');
      const items = [
        { content: 'ipfs://bafy-review-0', seal: sha256Hex(`plain-${GOLD_SALT}`) },
        // the gold item: its seal commits to the expected answer; taskers cannot tell it apart
        { content: 'ipfs://bafy-review-1', seal: sealOf(GOLD_ANSWER, GOLD_SALT) },
      ];
      const count = step.gas(await marketOf.vendor.add_items({ project_id: created.id, items })).value;
      const project = (await marketOf.vendor.get_project({ project_id: created.id }))!;
      step.note(`project ${created.id}: ${count} items, reward ${usd(reward)} per result, ${usd(reviewerReward)} reviewer reserve; funded ${usd(project.funded)}, reserved ${usd(project.reserved)}, unallocated ${usd(project.unallocated)}`);
      step.expectEqual(count, 2, 'items added');
      step.expectEqual(project.funded, 40n * USDX, 'project funded');
      step.expectEqual(project.reserved, 2n * (3n * reward + reviewerReward), 'reserved for two items');
      await balances(step);
      return created.id;
    });

    // --- 6. taskers ---
    type Tasker = {
      name: string;
      accountId: string;
      /** A marketplace call as this tasker: direct, or through the relayer for carol. */
      call: (method: 'register_tasker' | 'claim' | 'submit' | 'reveal' | 'withdraw', args: Record<string, unknown>, gas: bigint) => Promise<{ gasBurnt: bigint; value: unknown }>;
      answers: [string, string];
    };
    const direct = (account: Account): Tasker['call'] => {
      const client = taskMarketplace(account, market.accountId);
      return async (method, args, gas) => {
        const result: CallResult<unknown> = await (client[method] as (a: unknown, o: unknown) => Promise<CallResult<unknown>>)(args, { gas });
        return result;
      };
    };
    const relayed = (user: GaslessAccount, contractId: string) => (method: string, args: Record<string, unknown>, gas: bigint) => relayCall(relayerUrl, user, contractId, method, args, gas);
    const POSITIVE = GOLD_ANSWER;
    const NEGATIVE = sha256Hex('label: negative');
    const taskers: Tasker[] = [
      { name: 'alice', accountId: alice.accountId, call: direct(alice), answers: [POSITIVE, POSITIVE] },
      { name: 'bob', accountId: bob.accountId, call: direct(bob), answers: [NEGATIVE, NEGATIVE] },
      { name: 'carol', accountId: carol.accountId, call: relayed(carol, market.accountId), answers: [POSITIVE, POSITIVE] },
    ];
    const salt = (t: Tasker, item: number) => `${t.name}-${item}-${GOLD_SALT}`;

    await log.step('Three taskers register and claim both items (carol through the relayer)', async (step) => {
      await Promise.all(
        taskers.map(async (t) => {
          step.gas(await t.call('register_tasker', {}, 30n * TGAS));
          for (const item of [0, 1]) step.gas(await t.call('claim', { project_id: projectId, item_index: item }, 30n * TGAS));
        }),
      );
      for (const item of [0, 1]) {
        const state = (await marketOf.vendor.get_item({ project_id: projectId, item_index: item }))!;
        step.expectEqual(state.claims.length, 3, `claims on item ${item}`);
        step.expect(state.claims.every((c) => c.status === 'claimed'), `every claim on item ${item} is "claimed"`);
      }
      step.note('item 0 and item 1: 3 of 3 slots claimed');
    });

    await log.step('Each tasker commits sha256(project:item:tasker:result:salt) for both items', async (step) => {
      await Promise.all(
        taskers.map(async (t) => {
          for (const item of [0, 1]) step.gas(await t.call('submit', { project_id: projectId, item_index: item, commitment: commitmentOf(projectId, item, t.accountId, t.answers[item]!, salt(t, item)) }, 30n * TGAS));
        }),
      );
      const states = await Promise.all([0, 1].map((item) => marketOf.vendor.get_item({ project_id: projectId, item_index: item })));
      for (const [item, state] of states.entries()) step.expectEqual(state!.status, 'revealing', `item ${item} status once all three committed`);
      step.note('both items are "revealing": the answers stay hidden until every tasker has committed');
    });

    await log.step('They reveal; the last reveal settles each item by consensus (2 of 3)', async (step) => {
      const last: ItemStatus[] = [];
      for (const t of taskers) {
        for (const item of [0, 1]) {
          const r = step.gas(await t.call('reveal', { project_id: projectId, item_index: item, result: t.answers[item], salt: salt(t, item) }, 50n * TGAS));
          if (t === taskers[taskers.length - 1]) last.push(r.value as ItemStatus);
        }
      }
      step.expectEqual(last.join(','), 'accepted,accepted', 'status after the last reveal');
      for (const item of [0, 1]) {
        const state = (await marketOf.vendor.get_item({ project_id: projectId, item_index: item }))!;
        step.expectEqual(state.accepted_result, POSITIVE, `accepted result of item ${item}`);
        // Claims are listed in the order they landed, and the three taskers claim at once: who is paid, not in what order.
        const paid = state.claims.filter((c) => c.paid).map((c) => c.tasker.split('.')[0]).sort().join(', ');
        step.note(`item ${item}: "positive" accepted (alice, carol); bob said "negative" and is not paid — paid: ${paid}`);
        step.expectEqual(paid, 'alice, carol', `paid taskers of item ${item}`);
      }
      const earnings = await Promise.all(taskers.map((t) => marketOf.vendor.earnings_of({ account_id: t.accountId, token: usdc.accountId })));
      step.note(`earnings: ${taskers.map((t, i) => `${t.name} ${usd(earnings[i]!)}`).join(' · ')}`);
      step.expectEqual(earnings.join(','), [2n * reward, 0n, 2n * reward].join(','), 'earnings alice, bob, carol');
    });

    await log.step('The vendor opens the gold seal: item 1 was a gold item, answered right by alice and carol', async (step) => {
      step.gas(await marketOf.vendor.reveal_gold({ project_id: projectId, item_index: 1, expected: GOLD_ANSWER, salt: GOLD_SALT }));
      const stats = await Promise.all(taskers.map((t) => marketOf.vendor.get_tasker({ account_id: t.accountId })));
      for (const [i, s] of stats.entries()) step.note(`${taskers[i]!.name}: accepted ${s!.accepted}, rejected ${s!.rejected}, gold correct ${s!.gold_correct}, gold wrong ${s!.gold_wrong}`);
      step.expectEqual(stats.map((s) => `${s!.gold_correct}/${s!.gold_wrong}`).join(' '), '1/0 0/1 1/0', 'gold correct/wrong of alice, bob, carol');
      const ledger = await marketOf.vendor.get_ledger({ token: usdc.accountId });
      const project = (await marketOf.vendor.get_project({ project_id: projectId }))!;
      const unpaid = (await Promise.all(taskers.map((t) => marketOf.vendor.earnings_of({ account_id: t.accountId, token: usdc.accountId })))).reduce((a, b) => a + b, 0n);
      step.expectEqual(ledger.funded - ledger.paid, project.unallocated + project.reserved + unpaid, 'escrow conservation: funded − paid = unallocated + reserved + earnings');
      step.note(`escrow: funded ${usd(ledger.funded)} = unallocated ${usd(project.unallocated)} + reserved ${usd(project.reserved)} (bob's results held for disputes) + earnings ${usd(unpaid)}`);
    });

    // --- 7. payouts ---
    const BONUS = 2n * USDX;
    const poolId = await log.step('The vendor pays a gold bonus through the payout contract: a pool of 4 USDX for alice and carol', async (step) => {
      const { min } = await token.vendor.storage_balance_bounds();
      step.gas(await payoutOf.vendor.storage_deposit({}, { deposit: NEAR / 10n }));
      // the registration fund pays the token storage of recipients who are not registered yet (carol)
      const pool = step.gas(await payoutOf.vendor.create_pool({ token: usdc.accountId, default_expiry_ns: 30n * 24n * HOUR_NS, registration_fee: min }, { deposit: NEAR / 100n })).value;
      step.gas(await token.vendor.ft_transfer_call({ receiver_id: payoutAccount.accountId, amount: 2n * BONUS, msg: JSON.stringify({ pool_id: pool.id }) }));
      const batch = step.gas(await payoutOf.vendor.allocate({ pool_id: pool.id, allocations: [{ recipient: alice.accountId, amount: BONUS, reference: 'gold item 1' }, { recipient: carol.accountId, amount: BONUS, reference: 'gold item 1' }] })).value;
      const after = (await payoutOf.vendor.get_pool({ pool_id: pool.id }))!;
      step.note(`pool ${pool.id}: funded ${usd(after.funded)}, claimable ${usd(after.claimable)} in batch ${batch.id} (${batch.count} recipients)`);
      step.expectEqual(after.claimable, 2n * BONUS, 'claimable after allocate');
      await balances(step);
      return pool.id;
    });

    await log.step('alice withdraws her earnings and claims her bonus herself', async (step) => {
      const before = await balanceOf(alice.accountId);
      const nearBefore = BigInt((await provider.viewAccount({ accountId: alice.accountId })).amount);
      const withdrawn = step.gas(await marketOf.alice.withdraw({ token: usdc.accountId }));
      step.expectEqual(withdrawn.value, true, 'withdraw transfer succeeded');
      const claimed = step.gas(await payoutOf.alice.claim({ pool_id: poolId }));
      step.expectEqual(claimed.value, true, 'claim paid');
      const after = await balanceOf(alice.accountId);
      const nearAfter = BigInt((await provider.viewAccount({ accountId: alice.accountId })).amount);
      step.note(`alice: +${usd(after - before)}, paid ${near(nearBefore - nearAfter)} for gas`);
      step.expectEqual(after - before, 2n * reward + BONUS, "alice's USDX gain");
    });

    await log.step('carol, with no NEAR, claims her bonus and withdraws her earnings through the relayer', async (step) => {
      const nearBefore = BigInt((await provider.viewAccount({ accountId: carol.accountId })).amount);
      const relayerBefore = BigInt((await provider.viewAccount({ accountId: relayerAccount.accountId })).amount);
      const claimed = step.gas(await relayed(carol, payoutAccount.accountId)('claim', { pool_id: poolId }, 125n * TGAS));
      step.expectEqual(claimed.value, true, 'relayed claim paid (the payout contract registered carol with the token)');
      const withdrawn = step.gas(await relayed(carol, market.accountId)('withdraw', { token: usdc.accountId }, 100n * TGAS));
      step.expectEqual(withdrawn.value, true, 'relayed withdraw succeeded');
      const nearAfter = BigInt((await provider.viewAccount({ accountId: carol.accountId })).amount);
      const relayerAfter = BigInt((await provider.viewAccount({ accountId: relayerAccount.accountId })).amount);
      step.note(`carol: ${usd(await balanceOf(carol.accountId))}; her NEAR ${near(nearBefore)} → ${near(nearAfter)}; the relayer paid ${near(relayerBefore - relayerAfter)} for her in this step`);
      step.expectEqual(nearAfter, nearBefore, "carol's NEAR is unchanged");
      step.expect(relayerAfter < relayerBefore, 'the relayer paid the gas');
      const final = await balances(step);
      step.expectEqual(final.carol, 2n * reward + BONUS, "carol's USDX");
      step.expectEqual(final.bob, 0n, "bob's USDX (both answers rejected)");
      step.expectEqual(final.vendor, 100n * USDX - 40n * USDX - 2n * BONUS, "vendor's USDX");
    });

    // --- 8. chain signatures ---
    const eth = await log.step('alice signs an Ethereum transaction through the chain-signatures proxy', async (step) => {
      const path = 'ethereum-1';
      const { ethereum } = proxyUserAddresses(roots, proxy.accountId, alice.accountId, path);
      const derived = await mpcSignerDouble(alice, signer.accountId).derived_public_key({ path: `${alice.accountId},${path}`, predecessor: proxy.accountId, domain_id: 0 });
      step.expectEqual(ethereumAddress(parseSecp256k1Key(derived)), ethereum, 'address derived off-chain = address of the signer double’s derived key');
      step.note(`alice's Ethereum address under the proxy: ${ethereum}`);
      const tx: UnsignedEip1559 = { chainId: 11155111, nonce: 0, to: '0x000000000000000000000000000000000000dEaD', value: 10n ** 15n, gas: 21_000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
      const args = proxySignArgs(path, ethereumSigningPayload(tx), 'secp256k1');
      const signed = step.gas(
        await log.progress(
          'waiting for the MPC responder',
          local.whileProducingBlocks(chainSignaturesProxy(alice, proxy.accountId).sign({ path, payload_v2: args.payload_v2, domain_id: 0 }, { gas: 150n * TGAS, deposit: await chainSignaturesProxy(alice, proxy.accountId).sign_deposit({ account_id: alice.accountId }) })),
        ),
      );
      const raw = assembleEthereumTransaction(tx, signed.value);
      const recovered = await recoverTransactionAddress({ serializedTransaction: raw as `0x02${string}` });
      step.note(`signed EIP-1559 transaction (Sepolia, 0.001 ETH to 0x…dEaD): ${raw.slice(0, 42)}…`);
      step.note(`viem recovers the sender ${recovered}`);
      step.expectEqual(recovered, ethereum, 'recovered sender = derived address');
      step.expectEqual(responder!.answered, 1, 'requests the responder answered');
      return ethereum;
    });

    const usdx = Object.fromEntries(await Promise.all(Object.entries(people).map(async ([name, id]) => [name, await balanceOf(id)] as const)));
    const ms = performance.now() - started;
    log.summary([
      ['USDX balances', Object.entries(usdx).map(([name, amount]) => `${name} ${usd(amount)}`).join(' · ')],
      ['escrow left', `${usd(await balanceOf(market.accountId))} in the marketplace (unallocated budget and dispute holds)`],
      ['carol', `paid no gas: ${near(BigInt((await provider.viewAccount({ accountId: carol.accountId })).amount))} before and after`],
      ['Ethereum', `${eth} signed through ${proxy.accountId}`],
      ['wall time', `${formatMs(ms)} (build ${formatMs(buildMs)}, scenario ${formatMs(ms - buildMs)})`],
    ]);
    log.line('\nScenario complete: every step checked its balances and states.');
    return { ok: true, ms, buildMs, steps: log.steps, usdx, ethereumAddress: eth };
  } finally {
    await responder?.stop();
    await relayerServer?.close();
    await node?.stop();
  }
}

function readBuilt(name: string): Buffer {
  const path = join(REPO, 'build', `${name}.wasm`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build -- ${name} (or the scenario with the build on)`);
  return readFileSync(path);
}

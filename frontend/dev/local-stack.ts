/**
 * Everything the app needs on the local node, in one process: the node (packages/sandbox, state kept
 * in its home), the five contracts on dev accounts (deployed once, recorded in `<records>/app.json`
 * and reused while they exist on the chain), the NEP-366 relayer, the signer double's responder, a
 * block clock for NEP-519 yields, and the development faucet the dev wallet creates accounts with.
 *
 * Used by `npm run app` (scripts/app.ts), the browser tests and `npm run bench:app`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Account, KeyPair, PublicKey, actions, type KeyPairString } from 'near-api-js';
import { startDevNode } from '../../packages/sandbox/src/node/dev.js';
import { readKeyFile, writeKeyFile } from '../../packages/sandbox/src/node/key-file.js';
import { NEAR, TGAS, stablecoin, taskMarketplace } from '../../packages/contract-clients/src/index.js';
import { rootPublicKeys } from '../../packages/chain-signatures/src/index.js';
import { createRelayer, startRelayerServer, type RelayerServer } from '../../packages/relayer/src/index.js';
import { startResponder, type Responder } from '../../scripts/mpc-responder.js';
import { createStakeOnlyAccount } from '../../scripts/scenario/accounts.js';
import { codeHashOf } from '../../scripts/deploy.js';
import type { AppConfig } from '../src/config.js';

export const CONTRACTS = ['stablecoin', 'payout', 'task-marketplace', 'chain-signatures-proxy', 'mpc-signer-double'] as const;
type ContractName = (typeof CONTRACTS)[number];

/** 1 USDX (6 decimals). */
export const USDX = 1_000_000n;
/** What the faucet gives a new dev account. */
export const FAUCET_NEAR = 10n * NEAR;
export const FAUCET_USDX = 100n * USDX;
/** The marketplace storage the faucet sponsors for a gasless account (it cannot pay its own). */
export const GASLESS_MARKET_STORAGE = NEAR / 2n;

/** Methods a gasless account's function-call keys may call, and the relayer pays for. */
export const GASLESS_METHODS = {
  payout: ['claim'],
  market: ['register_tasker', 'claim', 'submit', 'reveal', 'withdraw', 'dispute'],
} as const;

export interface Deployment {
  chainId: string;
  contracts: { stablecoin: string; payout: string; market: string; proxy: string; signer: string };
  issuer: string;
  relayer: string;
  responder: string;
}

export interface LocalStack {
  rpcUrl: string;
  relayerUrl: string;
  faucetUrl: string;
  deployment: Deployment;
  /** Whether the contracts were deployed by this start (false: reused from the records). */
  deployed: boolean;
  root: Account;
  /** A service or contract account of the deployment, signing with its key from the node's key store (tests: the issuer pauses the token). */
  signerOf(accountId: string): Account;
  /** The app's configuration for this stack (the RPC, relayer and faucet behind the app's own origin). */
  appConfig: AppConfig;
  /** The signer double's responder (tests: stopped, it leaves signature requests unanswered). */
  responder: Responder;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** The node's home (state, keys): `.near-sandbox/` for `npm run app`, a temporary folder in tests. */
  home: string;
  port?: number;
  /** Where app.json goes (`neardev/` for `npm run app`). */
  recordsDir: string;
  /** The contracts' Wasm by name (build/<name>.wasm). */
  wasm: (name: ContractName) => Uint8Array;
  log?: (line: string) => void;
}

function keyStorePath(home: string, accountId: string): string {
  return join(home, 'credentials', 'sandbox', `${accountId}.json`);
}

function loadKey(home: string, accountId: string): KeyPairString {
  return readKeyFile(keyStorePath(home, accountId)).key.secretKey as KeyPairString;
}

async function exists(root: Account, accountId: string): Promise<boolean> {
  try {
    await root.provider.viewAccount({ accountId });
    return true;
  } catch {
    return false;
  }
}

/** Creates `<name>.<root>` with a full-access key saved in the node's key store. */
async function createKeyedAccount(root: Account, home: string, accountId: string, balance: bigint): Promise<Account> {
  const key = KeyPair.fromRandom('ed25519');
  writeKeyFile(keyStorePath(home, accountId), { account_id: accountId, public_key: key.getPublicKey().toString(), private_key: key.toString() });
  await root.signAndSendTransaction({ receiverId: accountId, actions: [actions.createAccount(), actions.transfer(balance), actions.addFullAccessKey(key.getPublicKey())] });
  return new Account(accountId, root.provider, key.toString() as KeyPairString);
}

async function deployAll(root: Account, home: string, chainId: string, wasm: LocalStackOptions['wasm'], log: (line: string) => void): Promise<Deployment> {
  const tag = `dev-${Date.now()}`;
  const id = (name: string) => `${tag}-${name}.${root.accountId}`;
  const make = (name: string, balance: bigint) => createKeyedAccount(root, home, id(name), balance);
  const issuer = await make('issuer', 20n * NEAR);
  const usdx = await make('usdx', 10n * NEAR);
  const market = await make('market', 10n * NEAR);
  const payout = await make('payout', 10n * NEAR);
  const signer = await make('signer', 20n * NEAR);
  const proxy = await make('proxy', 10n * NEAR);
  const relayer = await make('relayer', 100n * NEAR);
  const responder = await make('responder', 100n * NEAR);
  const roots = rootPublicKeys();
  const deploy = async (account: Account, name: ContractName, args: Record<string, unknown>) => {
    log(`  deploying ${name} to ${account.accountId}`);
    await account.signAndSendTransaction({ receiverId: account.accountId, actions: [actions.deployContract(wasm(name)), actions.functionCall('init', args, 100n * TGAS, 0n)] });
  };
  await deploy(usdx, 'stablecoin', { owner_id: issuer.accountId, metadata: { name: 'Example USD', symbol: 'USDX', decimals: 6 } });
  await deploy(market, 'task-marketplace', { owner_id: market.accountId });
  await deploy(payout, 'payout', { owner_id: payout.accountId });
  await deploy(signer, 'mpc-signer-double', { secp256k1_root: roots.secp256k1, ed25519_root: roots.ed25519, participants: [responder.accountId] });
  await deploy(proxy, 'chain-signatures-proxy', { owner_id: proxy.accountId, config: { signer_id: signer.accountId, sign_gas_tgas: 60 } });
  const token = stablecoin(issuer, usdx.accountId);
  await token.grant_role({ role: 'master_minter', account_id: issuer.accountId });
  await token.configure_minter({ account_id: issuer.accountId, allowance: 1_000_000_000n * USDX });
  const { min } = await token.storage_balance_bounds();
  // the contracts hold USDX: their token storage is paid once here, by the issuer
  for (const holder of [market, payout]) await token.storage_deposit({ account_id: holder.accountId }, { deposit: min });
  return {
    chainId,
    contracts: { stablecoin: usdx.accountId, payout: payout.accountId, market: market.accountId, proxy: proxy.accountId, signer: signer.accountId },
    issuer: issuer.accountId,
    relayer: relayer.accountId,
    responder: responder.accountId,
  };
}

const CONTRACT_OF: Record<keyof Deployment['contracts'], ContractName> = {
  stablecoin: 'stablecoin',
  payout: 'payout',
  market: 'task-marketplace',
  proxy: 'chain-signatures-proxy',
  signer: 'mpc-signer-double',
};

/**
 * The recorded deployment, when it belongs to this chain, every account still exists with its key at
 * hand, and every contract runs the Wasm in build/ (a contract changed since: its state may not fit
 * the new code, so the five are deployed afresh to new dev accounts).
 */
async function recordedDeployment(root: Account, home: string, file: string, chainId: string, wasm: LocalStackOptions['wasm'], log: (line: string) => void): Promise<Deployment | undefined> {
  if (!existsSync(file)) return undefined;
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Deployment;
  if (recorded.chainId !== chainId) return undefined;
  for (const accountId of [...Object.values(recorded.contracts), recorded.issuer, recorded.relayer, recorded.responder]) {
    if (!(await exists(root, accountId)) || !existsSync(keyStorePath(home, accountId))) return undefined;
  }
  for (const [key, accountId] of Object.entries(recorded.contracts) as [keyof Deployment['contracts'], string][]) {
    const { code_hash } = await root.provider.viewAccount({ accountId });
    if (code_hash !== codeHashOf(wasm(CONTRACT_OF[key]))) {
      log(`${CONTRACT_OF[key]} changed since it was deployed to ${accountId}: deploying the five contracts to new dev accounts`);
      return undefined;
    }
  }
  return recorded;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

interface FaucetRequest {
  /** A new sub-account name (lowercase letters, digits, - and _), created as `<name>.<root>`. */
  name: string;
  /** A full-access key (normal accounts); the private key never leaves the browser. */
  public_key?: string;
  /** Gasless accounts: only function-call keys and exactly their storage stake. */
  function_call_keys?: { public_key: string; receiver_id: string; method_names: string[] }[];
}

/**
 * POST /accounts {name, public_key} → a dev account with 10 NEAR and 100 USDX; with
 * `function_call_keys` instead, a gasless account holding only its storage stake. Only public keys
 * are sent: the dev wallet keeps the private keys in the browser.
 */
async function startFaucet(root: Account, issuer: Account, deployment: Deployment): Promise<{ url: string; server: Server }> {
  const token = stablecoin(issuer, deployment.contracts.stablecoin);
  let queue: Promise<unknown> = Promise.resolve();
  const create = async (body: FaucetRequest) => {
    if (typeof body.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{1,30}$/.test(body.name)) {
      throw new FaucetError(400, `"${String(body.name)}" is not a valid account name: use 2-31 lowercase letters, digits, - or _`);
    }
    const accountId = `${body.name}.${root.accountId}`;
    if (await exists(root, accountId)) throw new FaucetError(409, `${accountId} already exists: choose another name`);
    if (body.function_call_keys?.length) {
      const keys = body.function_call_keys.map((k) => ({ publicKey: PublicKey.fromString(k.public_key), contractId: k.receiver_id, methods: k.method_names }));
      const { stake } = await createStakeOnlyAccount(root, body.name, keys);
      // anyone may sponsor storage: the faucet pays the gasless tasker's marketplace records
      await taskMarketplace(root, deployment.contracts.market).storage_deposit({ account_id: accountId }, { deposit: GASLESS_MARKET_STORAGE });
      return { account_id: accountId, balance: stake.toString(), usdx: '0' };
    }
    if (typeof body.public_key !== 'string') throw new FaucetError(400, 'public_key (ed25519:…) is required for an account with a full-access key');
    await root.signAndSendTransaction({ receiverId: accountId, actions: [actions.createAccount(), actions.transfer(FAUCET_NEAR), actions.addFullAccessKey(PublicKey.fromString(body.public_key))] });
    const { min } = await token.storage_balance_bounds();
    await token.storage_deposit({ account_id: accountId }, { deposit: min });
    await token.mint({ account_id: accountId, amount: FAUCET_USDX, memo: 'dev faucet' });
    return { account_id: accountId, balance: FAUCET_NEAR.toString(), usdx: FAUCET_USDX.toString() };
  };
  const server = createServer(async (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    try {
      if (request.method !== 'POST' || request.url !== '/accounts') return send(404, { error: 'use POST /accounts' });
      const body = (await readJson(request)) as FaucetRequest;
      // one creation at a time: the root account's nonce orders the transactions
      const result = queue.then(() => create(body));
      queue = result.catch(() => undefined);
      send(200, await result);
    } catch (error) {
      send(error instanceof FaucetError ? error.status : 500, { error: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

class FaucetError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The local node makes blocks only when a transaction or `sandbox_fast_forward` asks: a yielded call
 * (NEP-519, the signer double's `sign`) is resumed in a later block. After the responder answers, this
 * clock makes a block every 150 ms for a few seconds, as validators would.
 */
function startBlockClock(rpcUrl: string): { kick(): void; stop(): void } {
  let until = 0;
  let busy = false;
  const body = JSON.stringify({ jsonrpc: '2.0', id: 'clock', method: 'sandbox_fast_forward', params: { delta_height: 1 } });
  const timer = setInterval(() => {
    if (busy || Date.now() > until) return;
    busy = true;
    fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 150);
  return {
    kick: () => (until = Date.now() + 5_000),
    stop: () => clearInterval(timer),
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dev = await startDevNode({ home: options.home, port: options.port ?? 0 });
  const stopping: Array<() => Promise<void> | void> = [() => dev.node.stop()];
  try {
    const root = new Account(dev.rootAccountId, new (await import('near-api-js')).JsonRpcProvider({ url: dev.rpcUrl }), readKeyFile(dev.rootKeyFile).key.secretKey as KeyPairString);
    const recordsFile = join(options.recordsDir, 'app.json');
    let deployment = await recordedDeployment(root, options.home, recordsFile, dev.chainId, options.wasm, log);
    const deployed = deployment === undefined;
    if (!deployment) {
      log('deploying the five contracts to dev accounts');
      deployment = await deployAll(root, options.home, dev.chainId, options.wasm, log);
      mkdirSync(options.recordsDir, { recursive: true });
      writeFileSync(recordsFile, `${JSON.stringify(deployment, null, 2)}\n`);
    }
    const signerOf = (accountId: string) => new Account(accountId, root.provider, loadKey(options.home, accountId));

    const clock = startBlockClock(dev.rpcUrl);
    stopping.push(() => clock.stop());
    const responder: Responder = startResponder({
      rpcUrl: dev.rpcUrl,
      contractId: deployment.contracts.signer,
      accountId: deployment.responder,
      privateKey: loadKey(options.home, deployment.responder),
      onResponse: () => clock.kick(),
      onError: (error) => log(`responder: ${error.message}`),
    });
    stopping.push(() => responder.stop());

    const relayer = createRelayer({
      rpcUrl: dev.rpcUrl,
      accountId: deployment.relayer,
      privateKey: loadKey(options.home, deployment.relayer),
      policy: {
        allowed: { [deployment.contracts.payout]: [...GASLESS_METHODS.payout], [deployment.contracts.market]: [...GASLESS_METHODS.market] },
        maxGas: 150n * TGAS,
        rateLimit: { count: 60, windowMs: 60_000 },
      },
    });
    const relayerServer: RelayerServer = await startRelayerServer(relayer);
    stopping.push(() => relayerServer.close());

    const faucet = await startFaucet(root, signerOf(deployment.issuer), deployment);
    stopping.push(() => new Promise<void>((resolve) => faucet.server.close(() => resolve())));

    const appConfig: AppConfig = {
      networkId: 'local',
      nodeUrl: '/rpc',
      relayerUrl: '/relayer',
      devFaucetUrl: '/dev-faucet',
      explorerUrl: null,
      contracts: deployment.contracts,
      gaslessMethods: { payout: [...GASLESS_METHODS.payout], market: [...GASLESS_METHODS.market] },
    };
    return {
      rpcUrl: dev.rpcUrl,
      relayerUrl: relayerServer.url,
      faucetUrl: faucet.url,
      deployment,
      deployed,
      root,
      signerOf,
      appConfig,
      responder,
      async stop() {
        for (const stop of stopping.reverse()) await stop();
      },
    };
  } catch (error) {
    for (const stop of stopping.reverse()) await stop();
    throw error;
  }
}

/** Vite `server.proxy` entries: the app reaches the node, relayer and faucet on its own origin (none of them sends CORS headers). */
export function proxyFor(stack: Pick<LocalStack, 'rpcUrl' | 'relayerUrl' | 'faucetUrl'>) {
  return {
    '/rpc': { target: stack.rpcUrl, rewrite: () => '/' },
    '/relayer': { target: stack.relayerUrl, rewrite: (path: string) => path.replace(/^\/relayer/, '') },
    '/dev-faucet': { target: stack.faucetUrl, rewrite: (path: string) => path.replace(/^\/dev-faucet/, '') },
  };
}

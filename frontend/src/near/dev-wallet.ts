/**
 * The development wallet: a NEAR Wallet Selector module for the local node only. It signs with keys
 * it generated in this browser for sub-accounts of the local root account (`<name>.test.near`),
 * created by the local development faucet from their public keys. It is never offered on testnet or
 * mainnet (setupDevWallet returns null there), and says so in its name and description.
 */
import type { Account as SelectorAccount, InjectedWallet, WalletBehaviourFactory, WalletModuleFactory } from '@near-wallet-selector/core';
import { Account, JsonRpcProvider, KeyPair, type KeyPairString } from 'near-api-js';
import { absoluteUrl, config } from '../config';
import { newFunctionCallKey, storedJson } from './keys';

export const DEV_WALLET_ID = 'dev-wallet';
const STORE = 'near-app:dev-wallet:v1';

export interface DevAccount {
  accountId: string;
  /** Absent for a gasless account: it has only the app's function-call keys and no NEAR for gas. */
  fullAccessKey?: KeyPairString;
}

interface DevWalletState {
  accounts: DevAccount[];
  selected: string | null;
}

const load = (): DevWalletState => storedJson<DevWalletState>(STORE, { accounts: [], selected: null });
const save = (state: DevWalletState) => localStorage.setItem(STORE, JSON.stringify(state));

export const devAccounts = (): DevAccount[] => load().accounts;

/** Chooses which dev account the next `signIn` connects. */
export function selectDevAccount(accountId: string): void {
  const state = load();
  if (!state.accounts.some((a) => a.accountId === accountId)) throw new Error(`${accountId} is not in the dev wallet`);
  save({ ...state, selected: accountId });
}

export class FaucetError extends Error {}

/**
 * Creates `<name>.<root>` through the local faucet. A normal account gets a full-access key (10 NEAR,
 * 100 USDX); a gasless one only function-call keys for the payout and market contracts (the relayer
 * pays its gas). Only public keys leave the browser.
 */
export async function createDevAccount(name: string, options: { gasless: boolean }): Promise<DevAccount> {
  if (!config.devFaucetUrl) throw new FaucetError('this network has no development faucet: dev accounts exist only on the local node');
  const accountId = `${name}.test.near`;
  const full = options.gasless ? undefined : KeyPair.fromRandom('ed25519');
  const body = options.gasless
    ? {
        name,
        function_call_keys: [
          { public_key: newFunctionCallKey(accountId, config.contracts.payout), receiver_id: config.contracts.payout, method_names: config.gaslessMethods.payout },
          { public_key: newFunctionCallKey(accountId, config.contracts.market), receiver_id: config.contracts.market, method_names: config.gaslessMethods.market },
        ],
      }
    : { name, public_key: full!.getPublicKey().toString() };
  const response = await fetch(`${absoluteUrl(config.devFaucetUrl)}/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json().catch(() => ({}))) as { account_id?: string; error?: string };
  if (!response.ok || !answer.account_id) throw new FaucetError(answer.error ?? `the dev faucet answered HTTP ${response.status}`);
  const account: DevAccount = { accountId: answer.account_id, fullAccessKey: full?.toString() as KeyPairString | undefined };
  const state = load();
  save({ accounts: [...state.accounts.filter((a) => a.accountId !== account.accountId), account], selected: account.accountId });
  return account;
}

export class GaslessAccountError extends Error {
  constructor(accountId: string) {
    super(`${accountId} has no full-access key and no NEAR for gas: this action has no gasless route (the relayer pays only ${[...config.gaslessMethods.payout.map((m) => `payout.${m}`), ...config.gaslessMethods.market.map((m) => `market.${m}`)].join(', ')})`);
    this.name = 'GaslessAccountError';
  }
}

const devWallet: WalletBehaviourFactory<InjectedWallet> = async ({ emitter }) => {
  const provider = new JsonRpcProvider({ url: absoluteUrl(config.nodeUrl) });
  const signedIn = (): DevAccount | undefined => {
    const state = load();
    return state.accounts.find((a) => a.accountId === state.selected);
  };
  const signingAccount = (): Account => {
    const current = signedIn();
    if (!current) throw new Error('no dev account is signed in: create one or choose one first');
    if (!current.fullAccessKey) throw new GaslessAccountError(current.accountId);
    return new Account(current.accountId, provider, current.fullAccessKey);
  };
  const accounts = (): SelectorAccount[] => {
    const current = signedIn();
    return current ? [{ accountId: current.accountId, publicKey: current.fullAccessKey ? KeyPair.fromString(current.fullAccessKey).getPublicKey().toString() : undefined }] : [];
  };
  const unsupported = (what: string) => async (): Promise<never> => {
    throw new Error(`the dev wallet does not ${what}`);
  };
  return {
    async signIn() {
      if (!signedIn()) throw new Error('create or choose a dev account first');
      return accounts();
    },
    async signOut() {
      save({ ...load(), selected: null });
      emitter.emit('signedOut', null);
    },
    async getAccounts() {
      return accounts();
    },
    async signAndSendTransaction({ receiverId, actions }) {
      const account = signingAccount();
      // near-api-js' Action and wallet-selector's @near-js Action have the same borsh shape
      return (await account.signAndSendTransaction({ receiverId: receiverId!, actions: actions as never, waitUntil: 'EXECUTED_OPTIMISTIC', throwOnFailure: false })) as never;
    },
    async signAndSendTransactions({ transactions }) {
      const account = signingAccount();
      const outcomes = [];
      for (const t of transactions) outcomes.push(await account.signAndSendTransaction({ receiverId: t.receiverId, actions: t.actions as never, waitUntil: 'EXECUTED_OPTIMISTIC', throwOnFailure: false }));
      return outcomes as never;
    },
    verifyOwner: unsupported('verify owners'),
    signMessage: unsupported('sign NEP-413 messages'),
    getPublicKey: async () => (await signingAccount().getSigner()!.getPublicKey()) as never,
    signNep413Message: unsupported('sign NEP-413 messages'),
    signTransaction: async (transaction) => (await signingAccount().getSigner()!.signTransaction(transaction as never)) as never,
    signDelegateAction: async (delegate) => (await signingAccount().getSigner()!.signDelegateAction(delegate as never)) as never,
  };
};

/** The module: only where the app is configured for the local node. */
export function setupDevWallet(): WalletModuleFactory<InjectedWallet> {
  return async () => {
    if (config.networkId !== 'local') return null;
    return {
      id: DEV_WALLET_ID,
      type: 'injected',
      metadata: {
        name: 'Dev wallet (local node only)',
        description: 'Development only: keys live unencrypted in this browser. Never offered on testnet or mainnet.',
        iconUrl: '',
        downloadUrl: '',
        deprecated: false,
        available: true,
      },
      init: devWallet,
    };
  };
}

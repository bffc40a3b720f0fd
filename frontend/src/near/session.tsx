/**
 * Who is signed in, and the typed contract clients bound to them. Wallet Selector 10 manages the
 * wallets; its signing goes through `WalletAccount`, a near-api-js Account whose transactions the
 * wallet signs, so `@near-ts/contract-clients` works unchanged with any wallet.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Wallet, WalletSelector } from '@near-wallet-selector/core';
import { Account, JsonRpcProvider } from 'near-api-js';
import { chainSignaturesProxy, mpcSignerDouble, payout, stablecoin, taskMarketplace } from '../../../packages/contract-clients/src/index';
import { absoluteUrl, config } from '../config';
import { DEV_WALLET_ID, selectDevAccount, setupDevWallet } from './dev-wallet';

/** A near-api-js Account whose transactions the connected wallet signs and sends. */
class WalletAccount extends Account {
  constructor(accountId: string, provider: JsonRpcProvider, private readonly wallet: Wallet) {
    super(accountId, provider);
  }
  override getSigner() {
    // the wallet holds the key; the clients only ask whether someone can sign
    return {} as ReturnType<Account['getSigner']>;
  }
  override async signAndSendTransaction({ receiverId, actions }: Parameters<Account['signAndSendTransaction']>[0]) {
    const outcome = await this.wallet.signAndSendTransaction({ signerId: this.accountId, receiverId, actions: actions as never });
    if (!outcome) throw new Error('the wallet did not return the transaction outcome (it may have redirected); reload to see the result');
    return outcome as never;
  }
}

export const provider = new JsonRpcProvider({ url: absoluteUrl(config.nodeUrl) });

function clientsFor(account: Account) {
  return {
    token: stablecoin(account, config.contracts.stablecoin),
    payout: payout(account, config.contracts.payout),
    market: taskMarketplace(account, config.contracts.market),
    proxy: chainSignaturesProxy(account, config.contracts.proxy),
    signer: mpcSignerDouble(account, config.contracts.signer),
  };
}
export type Clients = ReturnType<typeof clientsFor>;

/** Read-only clients (views need no account). */
export const viewClients = clientsFor(new Account('view.near', provider));

async function createSelector(): Promise<WalletSelector> {
  const { setupWalletSelector } = await import('@near-wallet-selector/core');
  const local = config.networkId === 'local';
  const modules = local
    ? [setupDevWallet()]
    : await Promise.all([
        import('@near-wallet-selector/meteor-wallet').then((m) => m.setupMeteorWallet()),
        import('@near-wallet-selector/my-near-wallet').then((m) => m.setupMyNearWallet()),
        import('@near-wallet-selector/hot-wallet').then((m) => m.setupHotWallet()),
        import('@near-wallet-selector/intear-wallet').then((m) => m.setupIntearWallet()),
        import('@near-wallet-selector/ledger').then((m) => m.setupLedger()),
      ]);
  if (!local) return setupWalletSelector({ network: config.networkId as 'testnet' | 'mainnet', fallbackRpcUrls: [absoluteUrl(config.nodeUrl)], modules: modules as never });
  // wallet-selector 10.1.4 accepts a custom Network but then looks its id up among its presets
  // (setupWalletSelector → getNetworkPreset(options.network.networkId)) and throws for any other id;
  // the local node goes in under the testnet preset's id with fallbackRpcUrls pointing at it. Only the
  // dev wallet is offered here, and it signs against config.nodeUrl itself.
  const nodeUrl = absoluteUrl(config.nodeUrl);
  return setupWalletSelector({ network: { networkId: 'testnet', nodeUrl, helperUrl: '', explorerUrl: '', indexerUrl: '' }, fallbackRpcUrls: [nodeUrl], modules: modules as never });
}

interface Session {
  /** false while a previous wallet session is being restored (sign-in buttons wait for it). */
  ready: boolean;
  accountId: string | null;
  /** Clients signing as the connected account (null when signed out). */
  clients: Clients | null;
  /** Local node: connect a dev account of the dev wallet. */
  signInDev(accountId: string): Promise<void>;
  /** testnet/mainnet: the Wallet Selector modal (loaded on first use). */
  showWallets(): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/**
 * Whether a wallet session may need restoring: wallet-selector keeps the chosen wallet under
 * `near-wallet-selector:selectedWalletId`, and browser wallets come back with `account_id` or
 * `transactionHashes` in the URL. Otherwise the selector (~80 KB gzipped with its own @near-js/* 2.x copy)
 * loads only when the person signs in, keeping it off a first visit's landing page.
 */
function sessionToRestore(): boolean {
  const stored = (key: string) => {
    const value = localStorage.getItem(`near-wallet-selector:${key}`);
    return value !== null && value !== 'null';
  };
  const params = new URLSearchParams(window.location.search);
  return stored('selectedWalletId') || stored('selectedWalletId:pending') || params.has('account_id') || params.has('transactionHashes') || params.has('errorCode');
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [selector, setSelector] = useState<WalletSelector | null>(null);
  const [restoring, setRestoring] = useState(sessionToRestore);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [wallet, setWallet] = useState<Wallet | null>(null);
  const loading = useRef<Promise<WalletSelector> | null>(null);

  const ensureSelector = useCallback(() => {
    loading.current ??= createSelector().then(async (s) => {
      const sync = async () => {
        const state = s.store.getState();
        const active = state.accounts.find((a) => a.active)?.accountId ?? null;
        setAccountId(active);
        setWallet(active ? await s.wallet() : null);
      };
      s.store.observable.subscribe(() => void sync());
      await sync();
      setSelector(s);
      setRestoring(false);
      return s;
    });
    return loading.current;
  }, []);

  useEffect(() => {
    if (restoring) void ensureSelector();
  }, [restoring, ensureSelector]);

  const signInDev = useCallback(
    async (id: string) => {
      const s = await ensureSelector();
      selectDevAccount(id);
      const dev = await s.wallet(DEV_WALLET_ID);
      await dev.signIn({} as never);
    },
    [ensureSelector],
  );
  const showWallets = useCallback(async () => {
    const s = await ensureSelector();
    const { setupModal } = await import('@near-wallet-selector/modal-ui');
    await import('@near-wallet-selector/modal-ui/styles.css');
    setupModal(s, {}).show();
  }, [ensureSelector]);
  const signOut = useCallback(async () => {
    if (selector?.isSignedIn()) await (await selector.wallet()).signOut();
  }, [selector]);

  const clients = useMemo(() => (accountId && wallet ? clientsFor(new WalletAccount(accountId, provider, wallet)) : null), [accountId, wallet]);
  const value = useMemo<Session>(() => ({ ready: !restoring, accountId, clients, signInDev, showWallets, signOut }), [restoring, accountId, clients, signInDev, showWallets, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

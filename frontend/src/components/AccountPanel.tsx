import { useState, type FormEvent } from 'react';
import { config } from '../config';
import { createDevAccount, devAccounts } from '../near/dev-wallet';
import { useSession } from '../near/session';
import { reasonOf } from '../near/tx';

/** Sign-in: the dev wallet's accounts on the local node; the Wallet Selector modal elsewhere. */
export function AccountPanel() {
  const session = useSession();
  const [name, setName] = useState('');
  const [gasless, setGasless] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  if (session.accountId) {
    return (
      <div className="account">
        <span>
          Signed in as <strong data-testid="account-id">{session.accountId}</strong>
        </span>
        <button type="button" className="secondary" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </div>
    );
  }
  if (config.networkId !== 'local') {
    return (
      <button type="button" disabled={!session.ready} onClick={() => void session.showWallets()}>
        Connect wallet
      </button>
    );
  }
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setCreating(true);
    try {
      const account = await createDevAccount(name.trim(), { gasless });
      await session.signInDev(account.accountId);
    } catch (e) {
      setError(reasonOf(e));
    } finally {
      setCreating(false);
    }
  };
  const existing = devAccounts();
  return (
    <section className="card dev-wallet" aria-labelledby="dev-wallet-title">
      <h2 id="dev-wallet-title">Dev wallet</h2>
      <p className="warning">Development only: keys are kept unencrypted in this browser. This wallet exists only on the local node.</p>
      {existing.length > 0 && (
        <ul className="plain">
          {existing.map((a) => (
            <li key={a.accountId}>
              <button type="button" className="secondary" disabled={!session.ready} onClick={() => void session.signInDev(a.accountId)}>
                Sign in as {a.accountId}
              </button>
              {!a.fullAccessKey && <span className="badge">gasless</span>}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} className="row">
        <label>
          New account name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="alice" required pattern="[a-z0-9][a-z0-9_\-]{1,30}" />
        </label>
        <label className="check">
          <input type="checkbox" checked={gasless} onChange={(e) => setGasless(e.target.checked)} /> gasless (no NEAR; the relayer pays)
        </label>
        <button type="submit" disabled={creating || !session.ready}>
          {creating ? 'Creating…' : 'Create and sign in'}
        </button>
      </form>
      <p className="hint">A normal dev account gets 10 NEAR and 100 USDX from the local faucet; a gasless one only its storage stake and function-call keys.</p>
      {error && (
        <p role="alert" className="tx tx-failed">
          {error}
        </p>
      )}
    </section>
  );
}

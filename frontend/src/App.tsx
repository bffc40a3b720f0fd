import { lazy, Suspense, useEffect, useState } from 'react';
import { AccountPanel } from './components/AccountPanel';
import { absoluteUrl, config } from './config';
import { useSession } from './near/session';

const pages = {
  '': { title: 'Home', component: lazy(() => import('./pages/Home')) },
  vendor: { title: 'Vendor console', component: lazy(() => import('./pages/Vendor')) },
  tasks: { title: 'Tasker workspace', component: lazy(() => import('./pages/Tasks')) },
  payouts: { title: 'Payouts', component: lazy(() => import('./pages/Payouts')) },
  'chain-signatures': { title: 'Chain signatures', component: lazy(() => import('./pages/ChainSignatures')) },
} as const;
type Route = keyof typeof pages;

function useRoute(): Route {
  const read = () => (window.location.hash.replace(/^#\/?/, '') as Route) in pages ? (window.location.hash.replace(/^#\/?/, '') as Route) : '';
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Polls the node; while it cannot be reached, a banner says so, and it goes away by itself when it answers again. */
function useNodeReachable(): boolean {
  const [reachable, setReachable] = useState(true);
  useEffect(() => {
    let stopped = false;
    const check = async () => {
      try {
        // one plain request, no retries: near-api-js' provider retries with back-off for many seconds
        const response = await fetch(absoluteUrl(config.nodeUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 'health', method: 'status', params: [] }),
          signal: AbortSignal.timeout(2_500),
        });
        if (!stopped) setReachable(response.ok);
      } catch {
        if (!stopped) setReachable(false);
      }
    };
    const timer = setInterval(check, 3_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return reachable;
}

export default function App() {
  const route = useRoute();
  const reachable = useNodeReachable();
  const session = useSession();
  const Page = pages[route].component;
  useEffect(() => {
    document.title = `${pages[route].title} · near-ts-stack`;
  }, [route]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="#/">
          near-ts-stack
        </a>
        <nav aria-label="Main">
          {(Object.keys(pages) as Route[]).map((r) => (
            <a key={r} href={`#/${r}`} aria-current={r === route ? 'page' : undefined}>
              {pages[r].title}
            </a>
          ))}
        </nav>
        <span className={`network network-${config.networkId}`}>{config.networkId === 'local' ? 'local node' : config.networkId}</span>
      </header>
      {!reachable && (
        <p className="banner" role="alert" data-testid="node-offline">
          Cannot reach the NEAR node at {config.nodeUrl}. Your data is safe; the app retries every 3 seconds{config.networkId === 'local' ? ' (is `npm run app` running?)' : ''}.
        </p>
      )}
      <main id="main">
        {!session.accountId && <AccountPanel />}
        {session.accountId && (
          <div className="signed-in">
            <AccountPanel />
          </div>
        )}
        <Suspense fallback={<p role="status">Loading…</p>}>
          <Page />
        </Suspense>
      </main>
    </>
  );
}

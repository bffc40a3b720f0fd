/**
 * The tasker workspace: join, browse open projects, claim an item, label it, commit with a salt the
 * app keeps until the reveal (it survives a reload and can be exported), reveal (automatically when
 * the item is ready, or with one click), see earnings and reputation, withdraw, dispute.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { NEAR, commitmentOf, type Item, type Project, type Tasker } from '../../../packages/contract-clients/src/index';
import { ItemPager } from '../components/ItemPager';
import { TxStatus } from '../components/TxStatus';
import { config } from '../config';
import { formatNear, formatUsdx } from '../format';
import { commitments, itemKey, parseInstructions, randomSalt, resultOf, labelOf } from '../market';
import { useMarketCall } from '../near/market-call';
import { canRelay } from '../near/relay';
import { useSession, viewClients } from '../near/session';
import { useTransaction } from '../near/tx';

const PAGE = 10;
/** What a self-paying tasker deposits for its marketplace records (registration, claims, commitments). */
const TASKER_STORAGE = NEAR / 10n;

const formatReward = (project: Project, amount: bigint) => (project.token === config.contracts.stablecoin ? formatUsdx(amount) : formatNear(amount));

function ItemCard({ project, item, accountId, busy, autoReveal, act }: { project: Project; item: Item; accountId: string; busy: boolean; autoReveal: boolean; act: (label: string, method: Parameters<ReturnType<typeof useMarketCall>>[0], args: Record<string, unknown>, after?: () => void) => Promise<void> }) {
  const instructions = parseInstructions(project.instructions_uri);
  const mine = item.claims.find((c) => c.tasker === accountId);
  const key = itemKey(project.id, item.index);
  const saved = commitments(accountId).get(key);
  const [label, setLabel] = useState<string>(saved?.label ?? '');
  const slots = item.claims.length;
  const id = { project_id: project.id, item_index: item.index };

  const commit = async () => {
    const salt = randomSalt();
    const result = resultOf(label);
    // saved before sending: a reload or a lost answer never loses the salt
    commitments(accountId).set(key, { label, result, salt });
    await act(`Commit your answer for item ${item.index}`, 'submit', { ...id, commitment: commitmentOf(project.id, item.index, accountId, result, salt) });
  };

  return (
    <li className="item card" data-testid={`item-${item.index}`}>
      <div className="row between">
        <strong>Item {item.index}</strong>
        <span className={`status status-${item.status}`} data-testid="item-status">
          {item.status}
        </span>
        <span className="hint">
          {slots}/{project.redundancy} claimed
        </span>
      </div>
      {instructions?.kind !== 'image' ? (
        <p className="content-text">{item.content}</p>
      ) : mine ? (
        <img className="content" src={item.content} alt={`Item ${item.index} to label`} />
      ) : (
        <p className="hint">An image to label: claim the item to see it.</p>
      )}
      {!mine && item.status === 'open' && slots < project.redundancy && (
        <button type="button" disabled={busy} onClick={() => void act(`Claim item ${item.index}`, 'claim', id)}>
          Claim
        </button>
      )}
      {mine?.status === 'claimed' && instructions && (
        <fieldset>
          <legend>Your label</legend>
          <div className="row">
            {instructions.labels.map((l) => (
              <label key={l} className="check">
                <input type="radio" name={`label-${key}`} value={l} checked={label === l} onChange={() => setLabel(l)} /> {l}
              </label>
            ))}
          </div>
          <button type="button" disabled={busy || !label} onClick={() => void commit()}>
            Commit answer
          </button>
        </fieldset>
      )}
      {mine?.status === 'committed' && (
        <p className="hint">
          Committed{saved ? ` "${saved.label}"` : ''}.{' '}
          {item.status === 'revealing' && autoReveal && saved ? (
            'Everyone has committed: revealing automatically.'
          ) : item.status === 'revealing' ? (
            <button type="button" disabled={busy || !saved} onClick={() => void act(`Reveal item ${item.index}`, 'reveal', { ...id, result: saved!.result, salt: saved!.salt })}>
              Reveal now
            </button>
          ) : (
            'Waiting for the other taskers to commit before anyone reveals.'
          )}
          {!saved && <span className="field-error"> This browser has no salt for this commitment: import your exported salts to reveal.</span>}
        </p>
      )}
      {mine?.status === 'revealed' && (
        <p className="hint" data-testid="my-result">
          You answered "{labelOf(mine.result, instructions?.labels ?? []) ?? mine.result}"{mine.paid ? ' · paid' : ''}
          {item.accepted_result && ` · accepted answer: "${labelOf(item.accepted_result, instructions?.labels ?? []) ?? item.accepted_result}"`}
          {item.status === 'accepted' && !mine.paid && (
            <>
              {' '}
              <button type="button" className="secondary" disabled={busy} onClick={() => void act(`Dispute item ${item.index}`, 'dispute', id)}>
                Dispute
              </button>
            </>
          )}
        </p>
      )}
    </li>
  );
}

export default function Tasks() {
  const { accountId, clients } = useSession();
  const marketCall = useMarketCall();
  const tx = useTransaction();
  /** Automatic reveals have their own status line, so they never hide the result of what the person clicked. */
  const auto = useTransaction();
  const busy = tx.busy;
  /**
   * The person's actions and automatic reveals are sent one after the other (one signer, one nonce
   * sequence), but a click is never blocked by a reveal in flight: it shows pending at once and is sent next.
   */
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const inTurn = useCallback(<T,>(send: () => Promise<T>): Promise<T> => {
    const next = queue.current.then(send, send);
    queue.current = next.catch(() => undefined);
    return next;
  }, []);
  const [me, setMe] = useState<Tasker | null | undefined>(undefined);
  const [earnings, setEarnings] = useState<bigint>(0n);
  const [projects, setProjects] = useState<Project[]>([]);
  const [projectId, setProjectId] = useState<number | null>(null);
  const [from, setFrom] = useState(0);
  const [items, setItems] = useState<Item[]>([]);
  const [autoReveal, setAutoReveal] = useState(true);
  const [imported, setImported] = useState<string | null>(null);
  const revealing = useRef(false);
  const project = projects.find((p) => p.id === projectId) ?? null;

  const refresh = useCallback(async () => {
    if (!accountId) return;
    const [tasker, earned, open] = await Promise.all([
      viewClients.market.get_tasker({ account_id: accountId }),
      viewClients.market.earnings_of({ account_id: accountId, token: config.contracts.stablecoin }),
      viewClients.market.list_projects({ open_only: true, limit: 50 }),
    ]);
    setMe(tasker);
    setEarnings(earned);
    setProjects(open);
    if (projectId !== null) setItems(await viewClients.market.list_items({ project_id: projectId, from_index: from, limit: PAGE }));
  }, [accountId, projectId, from]);
  useEffect(() => {
    refresh().catch(() => undefined);
  }, [refresh]);

  const act = useCallback(
    async (label: string, method: Parameters<typeof marketCall>[0], args: Record<string, unknown>) => {
      await tx.run(label, () => inTurn(() => marketCall(method, args)));
      await refresh();
    },
    [marketCall, refresh, tx, inTurn],
  );
  const autoReveal_ = useCallback(
    async (label: string, args: Record<string, unknown>) => {
      await auto.run(label, () => inTurn(() => marketCall('reveal', args)));
      await refresh();
    },
    [marketCall, refresh, auto, inTurn],
  );

  // reveal automatically once every tasker of an item has committed
  useEffect(() => {
    if (!autoReveal || !accountId || !project || revealing.current) return;
    const ready = items.find((i) => i.status === 'revealing' && i.claims.some((c) => c.tasker === accountId && c.status === 'committed') && commitments(accountId).get(itemKey(project.id, i.index)));
    if (!ready) return;
    const saved = commitments(accountId).get(itemKey(project.id, ready.index))!;
    revealing.current = true;
    void autoReveal_(`Reveal item ${ready.index} (automatic)`, { project_id: project.id, item_index: ready.index, result: saved.result, salt: saved.salt }).finally(() => (revealing.current = false));
  }, [items, autoReveal, accountId, project, autoReveal_]);

  // other taskers' commitments make items ready: look again every few seconds while a project is open
  useEffect(() => {
    if (projectId === null) return;
    const timer = setInterval(() => void refresh().catch(() => undefined), 4_000);
    return () => clearInterval(timer);
  }, [projectId, refresh]);

  if (!accountId) return <p className="hint">Sign in to work on labelling projects.</p>;

  const join = async () => {
    await tx.run('Join the marketplace', async () => {
      const gasless = canRelay(accountId, config.contracts.market, 'register_tasker');
      if (!gasless) {
        const storage = await viewClients.market.storage_balance_of({ account_id: accountId });
        if (!storage) await clients!.market.storage_deposit({}, { deposit: TASKER_STORAGE });
      }
      return marketCall('register_tasker', {});
    });
    await refresh();
  };

  return (
    <>
      <section className="card" aria-labelledby="work-title">
        <h1 id="work-title">Your work</h1>
        {me === undefined && <p role="status">Loading…</p>}
        {me === null && (
          <>
            <p>Join the marketplace to claim and label items.</p>
            <button type="button" onClick={() => void join()} disabled={busy}>
              Join the marketplace
            </button>
          </>
        )}
        {me && (
          <>
            <dl className="stats" data-testid="tasker-stats">
              <dt>Earnings</dt>
              <dd data-testid="earnings">{formatUsdx(earnings)}</dd>
              <dt>Accepted / rejected</dt>
              <dd>
                {me.accepted} / {me.rejected}
              </dd>
              <dt>Gold answers right / wrong</dt>
              <dd data-testid="gold-stats">
                {me.gold_correct} / {me.gold_wrong}
              </dd>
            </dl>
            <div className="row">
              <button type="button" disabled={busy || earnings === 0n} onClick={() => void act(`Withdraw ${formatUsdx(earnings)}`, 'withdraw', { token: config.contracts.stablecoin })}>
                Withdraw earnings
              </button>
              <button type="button" className="secondary" onClick={() => commitments(accountId).download(`salts-${accountId}.json`)}>
                Export my salts
              </button>
              <label className="secondary-file">
                Import salts
                <input
                  type="file"
                  accept="application/json,.json"
                  onChange={async (e) => {
                    const file = e.target.files?.[0];
                    if (!file) return;
                    try {
                      setImported(`Imported ${commitments(accountId).importJson(await file.text())} salts.`);
                      await refresh();
                    } catch (error) {
                      setImported(`Could not import ${file.name}: ${(error as Error).message}.`);
                    }
                  }}
                />
              </label>
              <label className="check">
                <input type="checkbox" checked={autoReveal} onChange={(e) => setAutoReveal(e.target.checked)} /> reveal automatically when ready
              </label>
            </div>
          </>
        )}
        {imported && <p role="status">{imported}</p>}
        <TxStatus state={tx.state} />
        <TxStatus state={auto.state} />
      </section>
      {me && (
        <section className="card" aria-labelledby="projects-title">
          <h2 id="projects-title">Open projects</h2>
          {projects.length === 0 && <p>No open projects right now.</p>}
          <ul className="plain">
            {projects.map((p) => (
              <li key={p.id} className="row between">
                <span>
                  <strong>{p.title}</strong> · {formatReward(p, p.reward_per_item)} per answer · {p.item_count} items · {p.consensus} of {p.redundancy} must agree
                </span>
                <button type="button" className={p.id === projectId ? '' : 'secondary'} onClick={() => (setProjectId(p.id), setFrom(0))} aria-pressed={p.id === projectId}>
                  {p.id === projectId ? 'Working on it' : 'Work on this'}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {me && project && (
        <section className="card" aria-labelledby="items-title">
          <h2 id="items-title">{project.title}: items</h2>
          <ul className="plain">
            {items.map((item) => (
              <ItemCard key={item.index} project={project} item={item} accountId={accountId} busy={busy} autoReveal={autoReveal} act={act} />
            ))}
          </ul>
          <ItemPager from={from} page={PAGE} total={project.item_count} onMove={setFrom} />
        </section>
      )}
    </>
  );
}

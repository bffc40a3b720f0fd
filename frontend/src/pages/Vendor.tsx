/**
 * The vendor console: create a project (every field checked against the contract's rules and limits
 * before sending, with the reason shown), fund it in USDX (ft_transfer_call) or NEAR, upload items as
 * CSV or JSON (gold items sealed in the browser, the seals saved locally and downloadable), watch
 * progress page by page, review items, open gold seals, reclaim after the deadline.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { NEAR, sealOf, sha256Hex, type Item, type Limits, type NewItem, type Project } from '../../../packages/contract-clients/src/index';
import { ItemPager } from '../components/ItemPager';
import { TxStatus } from '../components/TxStatus';
import { config } from '../config';
import { formatNear, formatUsdx, parseUsdx } from '../format';
import { formatDuration, goldSeals, instructionsUri, itemKey, labelOf, NS_PER, parseInstructions, randomSalt, resultOf, type ItemKind } from '../market';
import { provider, useSession, viewClients } from '../near/session';
import { useTransaction } from '../near/tx';

const PAGE = 20;
/** The vendor's storage prepayment for its projects and items. */
const VENDOR_STORAGE = NEAR;

interface ProjectForm {
  title: string;
  kind: ItemKind;
  labels: string;
  token: 'USDX' | 'NEAR';
  reward: string;
  reviewerReward: string;
  redundancy: string;
  consensus: string;
  claimMinutes: string;
  revealHours: string;
  disputeDays: string;
  deadlineDays: string;
}

const parseAmount = (text: string, token: ProjectForm['token']): bigint => {
  if (token === 'USDX') return parseUsdx(text);
  const match = /^\s*(\d+)(?:\.(\d{1,24}))?\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not an amount of NEAR`);
  return BigInt(match[1]!) * NEAR + BigInt((match[2] ?? '').padEnd(24, '0'));
};

const whole = (text: string) => (/^\s*\d+\s*$/.test(text) ? BigInt(text.trim()) : null);

/** The contract's rules for a new project (contracts/task-marketplace README), field by field. */
export function checkProject(form: ProjectForm, limits: Limits | null): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.title.trim().length < 1 || form.title.length > 512) errors.title = 'The title must be 1 to 512 characters.';
  const labels = form.labels.split(',').map((l) => l.trim()).filter(Boolean);
  if (labels.length < 2) errors.labels = 'Give at least two labels, separated by commas.';
  else if (new Set(labels).size !== labels.length) errors.labels = 'Each label must appear once.';
  for (const [field, text] of [['reward', form.reward], ['reviewerReward', form.reviewerReward]] as const) {
    try {
      const amount = parseAmount(text, form.token);
      if (field === 'reward' && amount === 0n) errors.reward = 'The reward per answer must be above 0.';
    } catch (e) {
      errors[field] = `${(e as Error).message}.`;
    }
  }
  const k = whole(form.redundancy);
  const m = whole(form.consensus);
  if (k === null || k < 1n || k > 10n) errors.redundancy = 'Answers per item must be a whole number from 1 to 10.';
  else if (m === null || m < 1n || m > k) errors.consensus = `Agreement must be a whole number from 1 to ${k}.`;
  else if (m * 2n <= k) errors.consensus = `Agreement must be more than half of ${k} (so two answers can never both win): at least ${k / 2n + 1n}.`;
  const windows = [
    ['claimMinutes', form.claimMinutes, NS_PER.minute, limits?.claim_ttl, 'The claim window'],
    ['revealHours', form.revealHours, NS_PER.hour, limits?.reveal_ttl, 'The reveal window'],
    ['disputeDays', form.disputeDays, NS_PER.day, limits?.dispute_ttl, 'The dispute window'],
    ['deadlineDays', form.deadlineDays, NS_PER.day, limits?.deadline, 'The deadline'],
  ] as const;
  for (const [field, text, unit, bounds, name] of windows) {
    const n = whole(text);
    if (n === null || n === 0n) errors[field] = `${name} must be a whole number above 0.`;
    else if (bounds && (n * unit < bounds.min_ns || n * unit > bounds.max_ns)) errors[field] = `${name} must be from ${formatDuration(bounds.min_ns)} to ${formatDuration(bounds.max_ns)} (the marketplace's limits).`;
  }
  return errors;
}

/** `content[,gold label]` per CSV line, or a JSON array of {content, gold?}. */
export function parseItems(text: string, labels: string[]): { items: { content: string; gold: string | null }[]; errors: string[] } {
  const items: { content: string; gold: string | null }[] = [];
  const errors: string[] = [];
  const add = (content: unknown, gold: unknown, where: string) => {
    if (typeof content !== 'string' || content.trim().length === 0 || content.length > 512) return errors.push(`${where}: content must be 1 to 512 characters`);
    if (gold !== null && gold !== undefined && gold !== '' && !labels.includes(String(gold))) return errors.push(`${where}: gold label "${String(gold)}" is not one of ${labels.join(', ')}`);
    items.push({ content: content.trim(), gold: gold ? String(gold) : null });
  };
  if (text.trim().startsWith('[')) {
    try {
      (JSON.parse(text) as { content: unknown; gold?: unknown }[]).forEach((entry, i) => add(entry?.content, entry?.gold ?? null, `item ${i + 1}`));
    } catch (e) {
      errors.push(`the JSON does not parse: ${(e as Error).message}`);
    }
  } else {
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim() || /^content\s*(,|$)/i.test(line)) return;
      const comma = line.lastIndexOf(',');
      const gold = comma > 0 ? line.slice(comma + 1).trim() : '';
      const looksGold = gold !== '' && labels.includes(gold);
      add(looksGold ? line.slice(0, comma) : line, looksGold ? gold : null, `line ${i + 1}`);
    });
  }
  if (items.length > 100) errors.push(`${items.length} items: at most 100 per upload; split the file`);
  return { items, errors };
}

function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => JSX.Element }) {
  return (
    <div className={id === 'title' || id === 'labels' ? 'wide' : undefined}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': error ? `${id}-error` : undefined })}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export default function Vendor() {
  const { accountId, clients } = useSession();
  const [limits, setLimits] = useState<Limits | null>(null);
  const [projects, setProjects] = useState<Project[]>([]);
  const [projectId, setProjectId] = useState<number | null>(null);
  const [items, setItems] = useState<Item[]>([]);
  const [from, setFrom] = useState(0);
  const [now, setNow] = useState<bigint>(0n);
  const [form, setForm] = useState<ProjectForm>({ title: '', kind: 'text', labels: 'positive, negative', token: 'USDX', reward: '5', reviewerReward: '1', redundancy: '3', consensus: '2', claimMinutes: '60', revealHours: '1', disputeDays: '1', deadlineDays: '7' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [fundAmount, setFundAmount] = useState('');
  const [itemsText, setItemsText] = useState('');
  const [sealsSaved, setSealsSaved] = useState(true);
  const [reviewLabel, setReviewLabel] = useState<Record<number, string>>({});
  const create = useTransaction();
  const fund = useTransaction();
  const upload = useTransaction();
  const manage = useTransaction();
  const project = projects.find((p) => p.id === projectId) ?? projects[projects.length - 1] ?? null;
  const instructions = project ? parseInstructions(project.instructions_uri) : null;

  const refresh = useCallback(async () => {
    if (!accountId) return;
    const [all, l, block] = await Promise.all([viewClients.market.list_projects({ limit: 100 }), viewClients.market.get_limits(), provider.viewBlock({ finality: 'optimistic' })]);
    setLimits(l);
    setNow(BigInt(block.header.timestamp_nanosec));
    const mine = all.filter((p) => p.vendor === accountId);
    setProjects(mine);
    const current = mine.find((p) => p.id === projectId) ?? mine[mine.length - 1];
    if (current) setItems(await viewClients.market.list_items({ project_id: current.id, from_index: from, limit: PAGE }));
  }, [accountId, projectId, from]);
  useEffect(() => {
    refresh().catch(() => undefined);
  }, [refresh]);

  // gold seals not yet downloaded: warn before the page can be closed
  useEffect(() => {
    if (sealsSaved) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [sealsSaved]);

  if (!accountId) return <p className="hint">Sign in to run labelling projects.</p>;
  const set = (field: keyof ProjectForm) => (value: string) => setForm({ ...form, [field]: value });

  const submitProject = async (event: FormEvent) => {
    event.preventDefault();
    const found = checkProject(form, limits);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const labels = form.labels.split(',').map((l) => l.trim());
    const uri = instructionsUri(form.kind, labels);
    const token = form.token === 'USDX' ? config.contracts.stablecoin : 'NEAR';
    const result = await create.run(`Create project "${form.title}"`, async () => {
      const storage = await viewClients.market.storage_balance_of({ account_id: accountId });
      if (!storage) await clients!.market.storage_deposit({}, { deposit: VENDOR_STORAGE });
      const block = await provider.viewBlock({ finality: 'optimistic' });
      return clients!.market.create_project({
        token,
        title: form.title.trim(),
        instructions_uri: uri,
        instructions_hash: sha256Hex(uri),
        reward_per_item: parseAmount(form.reward, form.token),
        reviewer_reward: parseAmount(form.reviewerReward, form.token),
        redundancy: Number(form.redundancy),
        consensus: Number(form.consensus),
        claim_ttl_ns: BigInt(form.claimMinutes) * NS_PER.minute,
        reveal_ttl_ns: BigInt(form.revealHours) * NS_PER.hour,
        dispute_ttl_ns: BigInt(form.disputeDays) * NS_PER.day,
        deadline_ns: BigInt(block.header.timestamp_nanosec) + BigInt(form.deadlineDays) * NS_PER.day,
      });
    });
    if (result) {
      setProjectId(result.value.id);
      await refresh();
    }
  };

  const fundProject = async (event: FormEvent) => {
    event.preventDefault();
    if (!project) return;
    const usdx = project.token === config.contracts.stablecoin;
    let amount: bigint;
    try {
      amount = parseAmount(fundAmount, usdx ? 'USDX' : 'NEAR');
      if (amount === 0n) throw new Error('the amount must be above 0');
    } catch (e) {
      return setErrors({ fund: `${(e as Error).message}.` });
    }
    setErrors({});
    const label = `Fund "${project.title}" with ${usdx ? formatUsdx(amount) : formatNear(amount)}`;
    const result = usdx
      ? await fund.run(label, () => clients!.token.ft_transfer_call({ receiver_id: config.contracts.market, amount, msg: JSON.stringify({ fund_project: project.id }) }), 1n)
      : await fund.run(label, () => clients!.market.fund_project({ project_id: project.id }, { deposit: amount }), amount);
    if (result) await refresh();
  };

  const parsedItems = instructions ? parseItems(itemsText, instructions.labels) : { items: [], errors: [] };
  const uploadItems = async (event: FormEvent) => {
    event.preventDefault();
    if (!project || parsedItems.errors.length > 0 || parsedItems.items.length === 0) return;
    const seals = goldSeals(accountId);
    const start = project.item_count;
    const toSend: NewItem[] = parsedItems.items.map((entry, i) => {
      if (!entry.gold) return { content: entry.content, seal: sha256Hex(randomSalt()) };
      const salt = randomSalt();
      const expected = resultOf(entry.gold);
      // saved before sending: the seal can only ever be opened with this salt
      seals.set(itemKey(project.id, start + i), { label: entry.gold, expected, salt });
      return { content: entry.content, seal: sealOf(expected, salt) };
    });
    if (parsedItems.items.some((e) => e.gold)) setSealsSaved(false);
    const result = await upload.run(`Add ${toSend.length} items`, () => clients!.market.add_items({ project_id: project.id, items: toSend }), 1n);
    if (result) {
      setItemsText('');
      await refresh();
    }
  };

  const act = async (label: string, send: () => Promise<{ transactionHash: string; gasBurnt: bigint }>, deposit = 0n) => {
    await manage.run(label, send, deposit);
    await refresh();
  };

  const reclaimAt = project ? project.deadline_ns + project.dispute_ttl_ns : 0n;

  return (
    <>
      <section className="card" aria-labelledby="new-project-title">
        <h1 id="new-project-title">New labelling project</h1>
        <form onSubmit={submitProject} noValidate>
          <div className="form-grid">
            <Field id="title" label="Title" error={errors.title}>
              {(p) => <input {...p} value={form.title} onChange={(e) => set('title')(e.target.value)} />}
            </Field>
            <Field id="labels" label="Labels (comma-separated)" error={errors.labels}>
              {(p) => <input {...p} value={form.labels} onChange={(e) => set('labels')(e.target.value)} />}
            </Field>
            <Field id="kind" label="Items are">
              {(p) => (
                <select {...p} value={form.kind} onChange={(e) => set('kind')(e.target.value)}>
                  <option value="text">text</option>
                  <option value="image">images (URLs)</option>
                </select>
              )}
            </Field>
            <Field id="token" label="Paid in">
              {(p) => (
                <select {...p} value={form.token} onChange={(e) => set('token')(e.target.value)}>
                  <option value="USDX">USDX</option>
                  <option value="NEAR">NEAR</option>
                </select>
              )}
            </Field>
            <Field id="reward" label={`Reward per answer (${form.token})`} error={errors.reward}>
              {(p) => <input {...p} inputMode="decimal" value={form.reward} onChange={(e) => set('reward')(e.target.value)} />}
            </Field>
            <Field id="reviewerReward" label={`Reviewer reward (${form.token})`} error={errors.reviewerReward}>
              {(p) => <input {...p} inputMode="decimal" value={form.reviewerReward} onChange={(e) => set('reviewerReward')(e.target.value)} />}
            </Field>
            <Field id="redundancy" label="Answers per item" error={errors.redundancy}>
              {(p) => <input {...p} inputMode="numeric" value={form.redundancy} onChange={(e) => set('redundancy')(e.target.value)} />}
            </Field>
            <Field id="consensus" label="Answers that must agree" error={errors.consensus}>
              {(p) => <input {...p} inputMode="numeric" value={form.consensus} onChange={(e) => set('consensus')(e.target.value)} />}
            </Field>
            <Field id="claimMinutes" label="Claim window (minutes)" error={errors.claimMinutes}>
              {(p) => <input {...p} inputMode="numeric" value={form.claimMinutes} onChange={(e) => set('claimMinutes')(e.target.value)} />}
            </Field>
            <Field id="revealHours" label="Reveal window (hours)" error={errors.revealHours}>
              {(p) => <input {...p} inputMode="numeric" value={form.revealHours} onChange={(e) => set('revealHours')(e.target.value)} />}
            </Field>
            <Field id="disputeDays" label="Dispute window (days)" error={errors.disputeDays}>
              {(p) => <input {...p} inputMode="numeric" value={form.disputeDays} onChange={(e) => set('disputeDays')(e.target.value)} />}
            </Field>
            <Field id="deadlineDays" label="Deadline (days from now)" error={errors.deadlineDays}>
              {(p) => <input {...p} inputMode="numeric" value={form.deadlineDays} onChange={(e) => set('deadlineDays')(e.target.value)} />}
            </Field>
          </div>
          <button type="submit" disabled={create.busy}>
            Create project
          </button>
        </form>
        <TxStatus state={create.state} />
      </section>

      {project && (
        <section className="card" aria-labelledby="project-title">
          <div className="row between">
            <h2 id="project-title">{project.title}</h2>
            {projects.length > 1 && (
              <label>
                Project
                <select value={project.id} onChange={(e) => (setProjectId(Number(e.target.value)), setFrom(0))}>
                  {projects.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.title}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          <dl className="stats" data-testid="project-stats">
            <dt>Funded</dt>
            <dd data-testid="project-funded">{project.token === 'NEAR' ? formatNear(project.funded) : formatUsdx(project.funded)}</dd>
            <dt>Unallocated</dt>
            <dd>{project.token === 'NEAR' ? formatNear(project.unallocated) : formatUsdx(project.unallocated)}</dd>
            <dt>Reserved for items</dt>
            <dd>{project.token === 'NEAR' ? formatNear(project.reserved) : formatUsdx(project.reserved)}</dd>
            <dt>Items</dt>
            <dd>{project.item_count}</dd>
          </dl>
          <form onSubmit={fundProject} className="row">
            <label>
              Add budget ({project.token === 'NEAR' ? 'NEAR' : 'USDX'})
              <input value={fundAmount} onChange={(e) => setFundAmount(e.target.value)} inputMode="decimal" aria-invalid={Boolean(errors.fund)} aria-describedby="fund-error" />
            </label>
            <button type="submit" disabled={fund.busy}>
              Fund project
            </button>
          </form>
          {errors.fund && (
            <p id="fund-error" className="field-error">
              {errors.fund}
            </p>
          )}
          <TxStatus state={fund.state} />

          <form onSubmit={uploadItems}>
            <label>
              Items: CSV lines <code>content[,gold label]</code> or JSON <code>[{'{'}"content", "gold"?{'}'}]</code>
              <textarea rows={4} value={itemsText} onChange={(e) => setItemsText(e.target.value)} placeholder={'Great product, works well,positive\nipfs://bafy-review-2'} aria-describedby="items-errors" />
            </label>
            <input
              type="file"
              accept=".csv,.json,text/csv,application/json"
              aria-label="Load items from a CSV or JSON file"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) setItemsText(await file.text());
              }}
            />
            <div id="items-errors">
              {parsedItems.errors.map((error) => (
                <p key={error} className="field-error">
                  {error}
                </p>
              ))}
            </div>
            <button type="submit" disabled={upload.busy || parsedItems.items.length === 0 || parsedItems.errors.length > 0}>
              Add {parsedItems.items.length || ''} items{parsedItems.items.some((i) => i.gold) ? ` (${parsedItems.items.filter((i) => i.gold).length} gold, sealed here)` : ''}
            </button>
          </form>
          <TxStatus state={upload.state} />
          {!sealsSaved && (
            <p className="warning" role="alert">
              Download your gold seals now: they are kept only in this browser, and without them the gold answers can never be opened.{' '}
              <button type="button" onClick={() => (goldSeals(accountId).download(`gold-seals-${accountId}.json`), setSealsSaved(true))}>
                Download gold seals
              </button>
            </p>
          )}
        </section>
      )}

      {project && (
        <section className="card" aria-labelledby="progress-title">
          <h2 id="progress-title">Progress</h2>
          <div className="table-wrap">
          <table className="items-table">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Content</th>
                <th scope="col">Status</th>
                <th scope="col">Answers</th>
                <th scope="col">Accepted</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const seal = goldSeals(accountId).get(itemKey(project.id, item.index));
                const settled = item.status === 'accepted' || item.status === 'final' || item.status === 'disputed';
                return (
                  <tr key={item.index} data-testid={`vendor-item-${item.index}`}>
                    <td>{item.index}</td>
                    <td>{item.content}</td>
                    <td>
                      <span className={`status status-${item.status}`}>{item.status}</span>
                    </td>
                    <td>
                      {item.claims.filter((c) => c.status === 'revealed').length}/{project.redundancy}
                    </td>
                    <td>{labelOf(item.accepted_result, instructions?.labels ?? []) ?? '—'}</td>
                    <td>
                      {seal && settled && item.gold_expected === null && (
                        <button type="button" disabled={manage.busy} onClick={() => void act(`Open the gold seal of item ${item.index}`, () => clients!.market.reveal_gold({ project_id: project.id, item_index: item.index, expected: seal.expected, salt: seal.salt }))}>
                          Open gold seal ({seal.label})
                        </button>
                      )}
                      {item.gold_expected !== null && <span className="badge">gold: {labelOf(item.gold_expected, instructions?.labels ?? []) ?? 'opened'}</span>}
                      {item.status === 'review' && instructions && (
                        <span className="row">
                          <select aria-label={`Answer for item ${item.index}`} value={reviewLabel[item.index] ?? ''} onChange={(e) => setReviewLabel({ ...reviewLabel, [item.index]: e.target.value })}>
                            <option value="">choose…</option>
                            {instructions.labels.map((l) => (
                              <option key={l}>{l}</option>
                            ))}
                          </select>
                          <button type="button" disabled={manage.busy || !reviewLabel[item.index]} onClick={() => void act(`Review item ${item.index}`, () => clients!.market.review({ project_id: project.id, item_index: item.index, result: resultOf(reviewLabel[item.index]!) }), 1n)}>
                            Review
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          </div>
          <ItemPager from={from} page={PAGE} total={project.item_count} onMove={setFrom} />
          <p className="hint">Disputes are settled by the marketplace's arbiter, never by the vendor: no party decides its own dispute.</p>
          <div className="row">
            <button type="button" className="secondary" disabled={manage.busy || now < reclaimAt} onClick={() => void act(`Reclaim the unused budget of "${project.title}"`, () => clients!.market.reclaim({ project_id: project.id }), 1n)}>
              Reclaim unused budget
            </button>
            {now < reclaimAt && <span className="hint">Possible after the deadline plus the dispute window ({new Date(Number(reclaimAt / 1_000_000n)).toLocaleString()}).</span>}
          </div>
          <TxStatus state={manage.state} />
        </section>
      )}
    </>
  );
}

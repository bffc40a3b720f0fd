import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { NEAR, TGAS, type Claimable, type Pool } from '../../../packages/contract-clients/src/index';
import { TxStatus } from '../components/TxStatus';
import { config } from '../config';
import { formatUsdx, parseUsdx } from '../format';
import { canRelay, relayCall } from '../near/relay';
import { useSession, viewClients } from '../near/session';
import { useTransaction } from '../near/tx';

const DAY_NS = 86_400n * 10n ** 9n;
/** What the payer prepays on the payout contract for its pools, batches and allocations. */
const PAYER_STORAGE = NEAR / 10n;
/** The pool's registration fund: pays the token storage of recipients not registered yet. */
const REGISTRATION_FUND = NEAR / 100n;

/**
 * Prepaid gas for a batch of n entries: contracts/payout README measures 48.7 Tgas for 100 allocations
 * and 256 Tgas for 500 worst-case ones (~0.52 Tgas each); attaching the 300 Tgas maximum for a small
 * batch would make the account hold ~50 NEAR, which nearcore requires for prepaid gas at its price ceiling.
 */
export const gasForEntries = (n: number): bigint => {
  const tgas = 30n + (BigInt(n) * 6n) / 10n;
  return (tgas > 200n ? 200n : tgas) * TGAS;
};

export interface AllocationLine {
  recipient: string;
  amount: bigint;
  reference?: string;
}

/** `recipient,amount[,reference]` per line; every bad line is reported with its number. */
export function parseAllocations(csv: string): { allocations: AllocationLine[]; errors: string[] } {
  const allocations: AllocationLine[] = [];
  const errors: string[] = [];
  csv.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || /^recipient\s*,/i.test(line)) return;
    const [recipient = '', amount = '', reference] = line.split(',').map((cell) => cell.trim());
    if (!/^(([a-z\d]+[-_])*[a-z\d]+\.)*([a-z\d]+[-_])*[a-z\d]+$/.test(recipient) || recipient.length < 2 || recipient.length > 64) {
      errors.push(`line ${i + 1}: "${recipient}" is not a NEAR account id`);
      return;
    }
    try {
      const value = parseUsdx(amount);
      if (value === 0n) throw new Error('the amount must be above 0');
      allocations.push({ recipient, amount: value, ...(reference ? { reference } : {}) });
    } catch (e) {
      errors.push(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  return { allocations, errors };
}

function useBalances(accountId: string | null) {
  const [usdx, setUsdx] = useState<bigint | null>(null);
  const [claimable, setClaimable] = useState<Claimable[]>([]);
  const [pools, setPools] = useState<Pool[]>([]);
  const refresh = useCallback(async () => {
    if (!accountId) return;
    const [balance, claims, all] = await Promise.all([
      viewClients.token.ft_balance_of({ account_id: accountId }),
      viewClients.payout.claimable_of({ account_id: accountId }),
      viewClients.payout.list_pools({ limit: 100 }),
    ]);
    setUsdx(balance);
    setClaimable(claims);
    setPools(all.filter((p) => p.payer === accountId));
  }, [accountId]);
  useEffect(() => {
    refresh().catch(() => undefined);
  }, [refresh]);
  return { usdx, claimable, pools, refresh };
}

/** The payee's claims; the status stays under the list after a claimed row disappears. */
function Claims({ claimable, onDone }: { claimable: Claimable[]; onDone: () => Promise<void> }) {
  const { accountId, clients } = useSession();
  const tx = useTransaction();
  const gasless = accountId !== null && canRelay(accountId, config.contracts.payout, 'claim');
  const claim = async (c: Claimable) => {
    await tx.run(`Claim ${formatUsdx(c.amount)} from pool ${c.pool_id}`, async () =>
      gasless ? await relayCall<boolean>(accountId!, config.contracts.payout, 'claim', { pool_id: c.pool_id }, 125n * TGAS) : await clients!.payout.claim({ pool_id: c.pool_id }),
    );
    // After a failure or an unsettled relay too: the list then shows whether the claim was paid.
    await onDone();
  };
  return (
    <>
      {claimable.length === 0 ? (
        <p data-testid="nothing-claimable">Nothing to claim right now.</p>
      ) : (
        <ul className="plain">
          {claimable.map((c) => (
            <li className="claim" key={c.pool_id} data-testid={`claimable-${c.pool_id}`}>
              <span>
                Pool {c.pool_id}: <strong>{formatUsdx(c.amount)}</strong>
              </span>
              <button type="button" onClick={() => void claim(c)} disabled={tx.busy}>
                {gasless ? 'Claim (gas-free)' : 'Claim'}
              </button>
            </li>
          ))}
        </ul>
      )}
      <TxStatus state={tx.state} />
    </>
  );
}

function PayerConsole({ pools, refresh }: { pools: Pool[]; refresh: () => Promise<void> }) {
  const { clients } = useSession();
  const create = useTransaction();
  const fund = useTransaction();
  const allocate = useTransaction();
  const push = useTransaction();
  const [expiryDays, setExpiryDays] = useState('30');
  const [poolId, setPoolId] = useState<number | null>(null);
  const [amount, setAmount] = useState('');
  const [csv, setCsv] = useState('');
  const [fieldError, setFieldError] = useState<Record<string, string>>({});
  const selected = pools.find((p) => p.id === poolId) ?? pools[pools.length - 1];
  const parsed = parseAllocations(csv);

  const createPool = async (event: FormEvent) => {
    event.preventDefault();
    const days = Number(expiryDays);
    if (!Number.isInteger(days) || days < 1 || days > 365) return setFieldError({ expiry: 'Expiry must be a whole number of days from 1 to 365.' });
    setFieldError({});
    const result = await create.run(
      'Create pool',
      async () => {
        const storage = await clients!.payout.storage_balance_of({ account_id: clients!.payout.account.accountId });
        if (!storage || storage.total === 0n) await clients!.payout.storage_deposit({}, { deposit: PAYER_STORAGE });
        const { min } = await viewClients.token.storage_balance_bounds();
        return clients!.payout.create_pool({ token: config.contracts.stablecoin, default_expiry_ns: BigInt(days) * DAY_NS, registration_fee: min, supports_batch_transfer: true }, { deposit: REGISTRATION_FUND });
      },
      REGISTRATION_FUND,
    );
    if (result) {
      setPoolId(result.value.id);
      await refresh();
    }
  };
  const fundPool = async (event: FormEvent) => {
    event.preventDefault();
    let value: bigint;
    try {
      value = parseUsdx(amount);
      if (value === 0n) throw new Error('the amount must be above 0');
    } catch (e) {
      return setFieldError({ amount: `${(e as Error).message}.` });
    }
    setFieldError({});
    const result = await fund.run(`Fund pool ${selected!.id} with ${formatUsdx(value)}`, () =>
      clients!.token.ft_transfer_call({ receiver_id: config.contracts.payout, amount: value, msg: JSON.stringify({ pool_id: selected!.id }) }),
    1n);
    if (result) await refresh();
  };
  const allocateCsv = async (event: FormEvent) => {
    event.preventDefault();
    if (parsed.errors.length > 0 || parsed.allocations.length === 0) return;
    const result = await allocate.run(`Allocate ${parsed.allocations.length} payouts`, () =>
      clients!.payout.allocate({ pool_id: selected!.id, allocations: parsed.allocations }, { gas: gasForEntries(parsed.allocations.length) }),
    );
    if (result) await refresh();
  };
  const pushBatch = async () => {
    const result = await push.run(`Pay ${parsed.allocations.length} recipients now`, () =>
      clients!.payout.push_batch({ pool_id: selected!.id, recipients: parsed.allocations.map((a) => a.recipient) }, { gas: gasForEntries(parsed.allocations.length) + 100n * TGAS }),
    );
    if (result) await refresh();
  };

  return (
    <section className="card" aria-labelledby="payer-title">
      <h2 id="payer-title">Pay people</h2>
      <form onSubmit={createPool} className="row">
        <label>
          Claims expire after (days)
          <input inputMode="numeric" value={expiryDays} onChange={(e) => setExpiryDays(e.target.value)} aria-invalid={Boolean(fieldError.expiry)} aria-describedby="expiry-error" />
        </label>
        <button type="submit" disabled={create.busy}>
          Create a USDX pool
        </button>
      </form>
      {fieldError.expiry && (
        <p id="expiry-error" className="field-error">
          {fieldError.expiry}
        </p>
      )}
      <TxStatus state={create.state} />
      {pools.length > 0 && selected && (
        <>
          <label>
            Pool
            <select value={selected.id} onChange={(e) => setPoolId(Number(e.target.value))}>
              {pools.map((p) => (
                <option key={p.id} value={p.id}>
                  Pool {p.id}
                </option>
              ))}
            </select>
          </label>
          <dl className="stats" data-testid="pool-stats">
            <dt>Funded</dt>
            <dd>{formatUsdx(selected.funded)}</dd>
            <dt>Unallocated</dt>
            <dd data-testid="pool-unallocated">{formatUsdx(selected.unallocated)}</dd>
            <dt>Claimable</dt>
            <dd data-testid="pool-claimable">{formatUsdx(selected.claimable)}</dd>
            <dt>Paid</dt>
            <dd>{formatUsdx(selected.paid)}</dd>
          </dl>
          <form onSubmit={fundPool} className="row">
            <label>
              Amount (USDX)
              <input value={amount} onChange={(e) => setAmount(e.target.value)} inputMode="decimal" aria-invalid={Boolean(fieldError.amount)} aria-describedby="amount-error" />
            </label>
            <button type="submit" disabled={fund.busy}>
              Fund pool
            </button>
          </form>
          {fieldError.amount && (
            <p id="amount-error" className="field-error">
              {fieldError.amount}
            </p>
          )}
          <TxStatus state={fund.state} />
          <form onSubmit={allocateCsv}>
            <label>
              Payouts, one per line: recipient,amount[,reference]
              <textarea rows={4} value={csv} onChange={(e) => setCsv(e.target.value)} placeholder={'alice.test.near,2.50,gold bonus\nbob.test.near,1'} aria-describedby="csv-errors" />
            </label>
            <input
              type="file"
              accept=".csv,text/csv"
              aria-label="Load payouts from a CSV file"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) setCsv(await file.text());
              }}
            />
            <div id="csv-errors">
              {parsed.errors.map((error) => (
                <p key={error} className="field-error">
                  {error}
                </p>
              ))}
            </div>
            <div className="row">
              <button type="submit" disabled={allocate.busy || parsed.errors.length > 0 || parsed.allocations.length === 0}>
                Allocate {parsed.allocations.length > 0 ? `${parsed.allocations.length} payouts (${formatUsdx(parsed.allocations.reduce((s, a) => s + a.amount, 0n))})` : ''}
              </button>
              <button type="button" className="secondary" onClick={() => void pushBatch()} disabled={push.busy || parsed.allocations.length === 0}>
                Push to recipients now
              </button>
            </div>
          </form>
          <TxStatus state={allocate.state} />
          <TxStatus state={push.state} />
        </>
      )}
    </section>
  );
}

export default function Payouts() {
  const { accountId } = useSession();
  const { usdx, claimable, pools, refresh } = useBalances(accountId);
  if (!accountId) return <p className="hint">Sign in to see your payouts.</p>;
  return (
    <>
      <section className="card" aria-labelledby="payee-title">
        <h1 id="payee-title">Your payouts</h1>
        <p>
          Balance: <strong data-testid="usdx-balance">{usdx === null ? '…' : formatUsdx(usdx)}</strong>
        </p>
        <Claims claimable={claimable} onDone={refresh} />
      </section>
      <PayerConsole pools={pools} refresh={refresh} />
    </>
  );
}

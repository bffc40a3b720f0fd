/**
 * What the relayer keeps beyond one request: the delegates it has taken (so one signed delegate is
 * submitted at most once) and the NEAR each sender and receiver has spent on gas in the current
 * period. Every operation is atomic: two concurrent requests never both take one delegate, and
 * never both spend the last of a budget.
 *
 * It also keeps request rates (rate-limiter-flexible) and the status of each accepted delegate.
 *
 * `localStore()` keeps this in memory; `localStore(dir)` in a LevelDB folder (classic-level), so a
 * restarted relayer remembers it. One process only: several instances share `redisStore(url)`
 * (src/redis-store.ts).
 */
import type { ClassicLevel } from 'classic-level';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A budget in one period: `key` names the sender or receiver and the period. */
export interface Budget {
  key: string;
  /** yoctoNEAR that may be spent in the period. */
  limit: bigint;
  /** ms since the epoch when the period ends and the record can be forgotten. */
  expiresAt: number;
}

export type SpendResult = { ok: true } | { ok: false; budget: Budget; spent: bigint } | { ok: false; duplicate: true };

/**
 * A delegate an instance has taken and not yet accepted (no 202 sent) nor released: written with
 * the take in the same atomic operation, removed by the reservation that accepts it (which writes
 * the in-flight record) or by its release. An instance restarted after a kill releases what its
 * records name.
 */
export interface Acceptance {
  instance: string;
  /** The delegate's id (sender/public key/nonce). */
  id: string;
}

/** What accepting a delegate writes with its reservation, in the same atomic operation. */
export interface Accepting {
  instance: string;
  /** The delegate's id: its acceptance record is removed. */
  delegateId: string;
  /** The transaction hash the client is answered, and the in-flight record kept under it until the job is final. */
  hash: string;
  inFlight: string;
  /** The pending status, readable by every instance (`getStatus(statusId)`) until `statusExpiresAt`. */
  statusId: string;
  status: string;
  statusExpiresAt: number;
  /**
   * Take the delegate in the same operation, until this time, instead of removing an acceptance record
   * (there is none: nothing came between the take and the acceptance). When it is already taken the
   * operation changes nothing and answers `duplicate`.
   */
  takeUntil?: number;
}

export interface RelayerStore {
  /** Takes the delegate `id` until `expiresAt` (and records `accepting`, in the same operation); false when it is already taken (a duplicate). */
  takeDelegate(id: string, expiresAt: number, accepting?: Acceptance & { record: string }): Promise<boolean>;
  /** Frees a delegate refused before it was submitted, so its signer may post it again (and removes its acceptance record). */
  releaseDelegate(id: string, accepting?: Acceptance): Promise<void>;
  /**
   * Adds `amount` to every budget if none goes past its limit; otherwise changes nothing and names the
   * first that would. With `accepting`, the same operation (when it spends) accepts the delegate: its
   * in-flight record and pending status are written and its acceptance record removed (or, with
   * `takeUntil`, the delegate taken, unless it already is: then nothing changes).
   */
  spend(budgets: Budget[], amount: bigint, now: number, accepting?: Accepting): Promise<SpendResult>;
  /** yoctoNEAR spent so far against the budget (0 when the period has no record). */
  spent(budget: Budget, now: number): Promise<bigint>;
  /** Counts one request of `key` against `count` per `windowMs`: 0 when allowed, else the ms to wait. */
  hit(key: string, count: number, windowMs: number): Promise<number>;
  /** Gives back an allowed hit (the request was refused for another reason). */
  unhit(key: string, count: number, windowMs: number): Promise<void>;
  /** The JSON status record of a relayed transaction (written by `spend` when it accepts, and by `finish`), readable by every instance until it expires. */
  getStatus(hash: string): Promise<string | undefined>;
  /** What `instance` accepted and has not finished, so that instance can finish it after a crash. */
  putInFlight(instance: string, hash: string, record: string): Promise<void>;
  listInFlight(instance: string): Promise<string[]>;
  /**
   * A job is final: records its status, removes its in-flight record and, only if this call removed
   * it, adds `settle.delta` (negative: gives back) to its budgets, never below zero: a job finished twice
   * (two processes under one instance name) is settled once. True if it removed the record.
   */
  finish(instance: string, hash: string, final: { statusId: string; status: string; expiresAt: number }, settle?: { budgets: Budget[]; delta: bigint; now: number }): Promise<boolean>;
  /** `instance`'s acceptance records: delegate id -> record. */
  listAccepting(instance: string): Promise<Record<string, string>>;
  /** Removes an acceptance record; true only for the call that removed it (that one gives back what it names). */
  removeAccepting(instance: string, id: string): Promise<boolean>;
  /**
   * A read from the chain another instance shared (`shareRead`), or undefined. Only a store shared by
   * several instances keeps them (Redis): behind one load balancer every instance sees the same
   * senders, and a sender's next delegate on another instance then waits on no read from the node.
   */
  sharedRead?(id: string): Promise<string | undefined>;
  shareRead?(id: string, text: string, expiresAt: number): Promise<void>;
  /**
   * Calls `listener` with each read another instance shares from now on (as it shares it), so that a
   * sender's next delegate on this instance finds the read already kept: a store shared by several
   * instances only (Redis pub/sub). Resolves once listening.
   */
  watchSharedReads?(listener: (id: string, text: string) => void): Promise<void>;
  /**
   * Listens for `finish` recording the status `statusId` (on any instance) until `until`: resolves once
   * listening (a status recorded before is read by the caller after it), with `recorded`, which resolves when
   * it is recorded, or at `until`. A status request for another instance's delegate then reads the store
   * once more instead of every 50 ms. A store shared by several instances only (Redis pub/sub).
   */
  listenForStatus?(statusId: string, until: number): Promise<{ recorded: Promise<void> }>;
  close(): Promise<void>;
}

/** An in-flight record is kept until its work is finished; this long at most. */
const IN_FLIGHT_MEMORY_MS = 24 * 60 * 60 * 1000;

/**
 * One rate-limiter-flexible limiter per (count, window), made by `make`; windows are whole seconds
 * (its `duration`), fixed windows per key.
 */
export function rateLimits(make: (points: number, duration: number, keyPrefix: string) => RateLimiterAbstract): Pick<RelayerStore, 'hit' | 'unhit'> {
  const limiters = new Map<string, RateLimiterAbstract>();
  const limiter = (count: number, windowMs: number) => {
    const duration = Math.max(1, Math.round(windowMs / 1000));
    const id = `${count}/${duration}`;
    let made = limiters.get(id);
    if (!made) limiters.set(id, (made = make(count, duration, `rate/${id}`)));
    return made;
  };
  return {
    async hit(key, count, windowMs) {
      try {
        await limiter(count, windowMs).consume(key);
        return 0;
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return Math.max(1, refusal.msBeforeNext);
        throw refusal;
      }
    },
    async unhit(key, count, windowMs) {
      await limiter(count, windowMs).reward(key, 1);
    },
  };
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** The little a local store needs from its storage: read one entry, write several at once. */
interface LocalBackend {
  get(key: string): Promise<Entry | undefined>;
  write(puts: [string, Entry][], deletes: string[]): Promise<void>;
  /** Every entry, or those whose key starts with `prefix`. */
  entries(prefix?: string): AsyncIterable<[string, Entry]>;
  close(): Promise<void>;
}

function memoryBackend(): LocalBackend {
  const map = new Map<string, Entry>();
  return {
    get: async (key) => map.get(key),
    async write(puts, deletes) {
      for (const key of deletes) map.delete(key);
      for (const [key, entry] of puts) map.set(key, entry);
    },
    entries: (prefix = '') => (async function* () {
      for (const entry of map.entries()) if (entry[0].startsWith(prefix)) yield entry;
    })(),
    close: async () => {},
  };
}

async function levelBackend(dir: string): Promise<LocalBackend> {
  const { ClassicLevel } = await import('classic-level');
  const db: ClassicLevel<string, string> = new ClassicLevel(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new Error(`relayer store ${dir} cannot be opened (${cause}); is another relayer using it? Several instances need a shared Redis store.`);
  }
  return {
    async get(key) {
      const text = await db.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as Entry);
    },
    write: (puts, deletes) =>
      db.batch([...deletes.map((key) => ({ type: 'del' as const, key })), ...puts.map(([key, entry]) => ({ type: 'put' as const, key, value: JSON.stringify(entry) }))]),
    entries: (prefix = '') => (async function* () {
      const range = prefix ? { gte: prefix, lt: `${prefix}\uffff` } : {};
      for await (const [key, text] of db.iterator(range)) yield [key, JSON.parse(text) as Entry] as [string, Entry];
    })(),
    close: () => db.close(),
  };
}

const acceptingKey = (instance: string, id: string) => `accepting/${instance}\n${id}`;
const acceptingEntry = (accepting: Acceptance, record: string): [string, Entry] => [acceptingKey(accepting.instance, accepting.id), { value: record, expiresAt: Date.now() + IN_FLIGHT_MEMORY_MS }];

/** Memory (no `dir`) or a LevelDB folder that survives restarts. Operations run one at a time, so each is atomic. */
export async function localStore(dir?: string): Promise<RelayerStore> {
  const backend = dir === undefined ? memoryBackend() : await levelBackend(dir);
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = tail.then(operation);
    tail = result.catch(() => undefined);
    return result;
  };
  const live = async (key: string, now: number) => {
    const entry = await backend.get(key);
    return entry !== undefined && entry.expiresAt > now ? entry : undefined;
  };
  const spentOf = async (key: string, now: number) => BigInt((await live(key, now))?.value ?? '0');
  /** The budgets' entries after adding `delta`, never below zero. */
  const settled = async (budgets: Budget[], delta: bigint, now: number) => {
    const puts: [string, Entry][] = [];
    for (const budget of budgets) {
      const spent = (await spentOf(`budget/${budget.key}`, now)) + delta;
      puts.push([`budget/${budget.key}`, { value: (spent < 0n ? 0n : spent).toString(), expiresAt: budget.expiresAt }]);
    }
    return puts;
  };

  // Forget what has expired since the last run.
  const expired: string[] = [];
  for await (const [key, entry] of backend.entries()) if (entry.expiresAt <= Date.now()) expired.push(key);
  if (expired.length > 0) await backend.write([], expired);

  return {
    takeDelegate: (id, expiresAt, accepting) =>
      serially(async () => {
        const key = `delegate/${id}`;
        if (await live(key, Date.now())) return false;
        await backend.write([[key, { value: '1', expiresAt }], ...(accepting ? [acceptingEntry(accepting, accepting.record)] : [])], []);
        return true;
      }),
    releaseDelegate: (id, accepting) => serially(() => backend.write([], [`delegate/${id}`, ...(accepting ? [acceptingKey(accepting.instance, accepting.id)] : [])])),
    spend: (budgets, amount, now, accepted) =>
      serially(async () => {
        const takeKey = `delegate/${accepted?.delegateId}`;
        if (accepted?.takeUntil !== undefined && (await live(takeKey, Date.now()))) return { ok: false as const, duplicate: true as const };
        const totals: bigint[] = [];
        for (const budget of budgets) {
          const spent = await spentOf(`budget/${budget.key}`, now);
          if (spent + amount > budget.limit) return { ok: false as const, budget, spent };
          totals.push(spent + amount);
        }
        const puts: [string, Entry][] = budgets.map((b, i) => [`budget/${b.key}`, { value: totals[i].toString(), expiresAt: b.expiresAt }]);
        if (!accepted) {
          await backend.write(puts, []);
          return { ok: true as const };
        }
        puts.push([`inflight/${accepted.instance}/${accepted.hash}`, { value: accepted.inFlight, expiresAt: Date.now() + IN_FLIGHT_MEMORY_MS }]);
        puts.push([`status/${accepted.statusId}`, { value: accepted.status, expiresAt: accepted.statusExpiresAt }]);
        if (accepted.takeUntil !== undefined) puts.push([takeKey, { value: '1', expiresAt: accepted.takeUntil }]);
        await backend.write(puts, accepted.takeUntil !== undefined ? [] : [acceptingKey(accepted.instance, accepted.delegateId)]);
        return { ok: true as const };
      }),
    spent: (budget, now) => serially(() => spentOf(`budget/${budget.key}`, now)),
    // Rates are the one thing kept in memory even with a folder: a restart starts their windows afresh.
    ...rateLimits((points, duration, keyPrefix) => new RateLimiterMemory({ points, duration, keyPrefix })),
    getStatus: (hash) => serially(async () => (await live(`status/${hash}`, Date.now()))?.value),
    putInFlight: (instance, hash, record) => serially(() => backend.write([[`inflight/${instance}/${hash}`, { value: record, expiresAt: Date.now() + IN_FLIGHT_MEMORY_MS }]], [])),
    finish: (instance, hash, final, settle) =>
      serially(async () => {
        const puts: [string, Entry][] = [[`status/${final.statusId}`, { value: final.status, expiresAt: final.expiresAt }]];
        const key = `inflight/${instance}/${hash}`;
        const removed = (await backend.get(key)) !== undefined;
        if (removed && settle) puts.push(...(await settled(settle.budgets, settle.delta, settle.now)));
        await backend.write(puts, removed ? [key] : []);
        return removed;
      }),
    listInFlight: (instance) =>
      serially(async () => {
        const records: string[] = [];
        for await (const [, entry] of backend.entries(`inflight/${instance}/`)) if (entry.expiresAt > Date.now()) records.push(entry.value);
        return records;
      }),
    listAccepting: (instance) =>
      serially(async () => {
        const records: Record<string, string> = {};
        const prefix = acceptingKey(instance, '');
        for await (const [key, entry] of backend.entries(prefix)) if (entry.expiresAt > Date.now()) records[key.slice(prefix.length)] = entry.value;
        return records;
      }),
    removeAccepting: (instance, id) =>
      serially(async () => {
        const key = acceptingKey(instance, id);
        if ((await backend.get(key)) === undefined) return false;
        await backend.write([], [key]);
        return true;
      }),
    close: () => serially(() => backend.close()),
  };
}

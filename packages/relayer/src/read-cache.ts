/**
 * Reads from the node that the relayer keeps for a short while, so that answering a delegate waits
 * on the node only when it has nothing recent: a value older than `refreshAfterMs` is still used
 * but read again in the background (one read per key at a time); one older than `maxAgeMs`, or
 * none, is waited for. A failed read is not kept (the next `get` reads again).
 */
export interface Read<V> {
  value: V;
  /** When the read that answered `value` was sent (ms, the cache's clock). */
  at: number;
}

/** What a load answers when its value was read earlier than the load started (a read another process made and shared): kept with that time. */
export class EarlierRead<V> {
  constructor(
    readonly value: V,
    readonly at: number,
  ) {}
}

export interface ReadCacheOptions {
  /** Age after which a kept value is read again in the background (a function: asked at each `get`). */
  refreshAfterMs: number | (() => number);
  maxAgeMs: number;
  /** Entries kept at most; the oldest are forgotten first. Default 100,000. */
  maxEntries?: number;
  now?: () => number;
}

export class ReadCache<K, V> {
  readonly #entries = new Map<K, { read?: Read<V>; loading?: Promise<Read<V>>; loadingAt?: number }>();
  readonly #now: () => number;

  constructor(
    private readonly load: (key: K) => Promise<V | EarlierRead<V>>,
    private readonly options: ReadCacheOptions,
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** A value read at most `maxAgeMs` ago (by default the cache's), waiting for the node when there is none. */
  async get(key: K, maxAgeMs = this.options.maxAgeMs): Promise<Read<V>> {
    const entry = this.#entries.get(key);
    const read = entry?.read;
    const age = read === undefined ? Infinity : this.#now() - read.at;
    const { refreshAfterMs } = this.options;
    if (age > (typeof refreshAfterMs === 'number' ? refreshAfterMs : refreshAfterMs())) {
      const loading = this.fresh(key);
      if (age > maxAgeMs) return loading;
      loading.catch(() => undefined); // a failed background read leaves the kept value to age
    }
    return read!;
  }

  /** Reads now (or joins the read on its way, if it was sent at `sentFrom` or later) and keeps the answer. */
  fresh(key: K, sentFrom = -Infinity): Promise<Read<V>> {
    const kept = this.#entries.get(key);
    if (kept?.loading && kept.loadingAt! >= sentFrom) return kept.loading;
    const at = this.#now();
    const current = kept ?? this.#entryOf(key);
    const loading = this.load(key).then(
      (loaded) => {
        const read = loaded instanceof EarlierRead ? { value: loaded.value, at: Math.min(loaded.at, at) } : { value: loaded, at };
        if (current.read === undefined || current.read.at <= read.at) current.read = read;
        return read;
      },
      (error) => {
        if (current.read === undefined) this.#entries.delete(key);
        throw error;
      },
    );
    current.loading = loading;
    current.loadingAt = at;
    void loading.catch(() => undefined).finally(() => {
      if (current.loading === loading) current.loading = undefined;
    });
    return loading;
  }

  /** Keeps `read`, made elsewhere (another process shared it), unless the kept one is as recent; starts no read. */
  offer(key: K, read: Read<V>): void {
    const entry = this.#entryOf(key);
    if (entry.read === undefined || entry.read.at < read.at) entry.read = read;
  }

  /** The key's entry, made (the oldest forgotten past maxEntries) when it has none. */
  #entryOf(key: K): { read?: Read<V>; loading?: Promise<Read<V>>; loadingAt?: number } {
    let entry = this.#entries.get(key);
    if (!entry) {
      if (this.#entries.size >= (this.options.maxEntries ?? 100_000)) this.#entries.delete(this.#entries.keys().next().value as K);
      this.#entries.set(key, (entry = {}));
    }
    return entry;
  }

  /** The kept value, however old, without reading (undefined when none). */
  peek(key: K): Read<V> | undefined {
    return this.#entries.get(key)?.read;
  }

  forget(key: K): void {
    this.#entries.delete(key);
  }
}

/** Blocks per ms, from the heights of the last two reads: how far the head may have moved since a read. */
export class BlockRate {
  #last: { height: number; at: number } | undefined;
  perMs = 0;

  observe(height: number | bigint, at: number): void {
    const h = Number(height);
    if (this.#last && at > this.#last.at) this.perMs = Math.max(0, h - this.#last.height) / (at - this.#last.at);
    if (!this.#last || at >= this.#last.at) this.#last = { height: h, at };
  }

  /** Blocks made since `at`, at the recent rate. */
  since(at: number, now = Date.now()): number {
    return this.perMs * Math.max(0, now - at);
  }

  /**
   * How long the chain takes to make `blocks` at the recent rate, kept within [min, max] ms (min while
   * the rate is unknown): how often a kept read is worth refreshing. A node making a block per
   * transaction (hundreds a second) needs the floor; neard every 0.6 to 1.3 s (mainnet), the ceiling.
   */
  msFor(blocks: number, min: number, max: number): number {
    return this.perMs === 0 ? min : Math.min(max, Math.max(min, blocks / this.perMs));
  }
}

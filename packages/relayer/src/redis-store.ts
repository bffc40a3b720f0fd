/**
 * The relayer's store in Redis, shared by every instance behind one load balancer (ioredis). Each
 * operation is one command or one Lua script, which Redis runs atomically, so two instances never
 * both take one delegate or both spend the last of a budget.
 *
 * Amounts are kept in units of 10^12 yoctoNEAR, rounded up when spent: Lua numbers are doubles,
 * exact to 2^53 units (9,007 NEAR per budget and period), far above any gas budget. When Redis is
 * unreachable every operation fails at once (no offline queue), and the relayer answers 503
 * instead of relaying without checking the budget.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { rateLimits, type Budget, type RelayerStore } from './store.js';

const UNIT = 10n ** 12n;
const MAX_UNITS = 2n ** 53n;

const toUnits = (yocto: bigint) => (yocto <= 0n ? -(-yocto / UNIT) : (yocto + UNIT - 1n) / UNIT);

/**
 * KEYS: budgets…, then (when accepting) the instance's in-flight records, its acceptance records, the
 * status and the delegate; ARGV: amount, limits…, expiry times…, then (when accepting) the delegate id,
 * the transaction hash, the in-flight record, the status, its expiry time and the time to take the
 * delegate until ('' to remove its acceptance record instead). Adds amount to all budgets (and accepts:
 * writes the in-flight record and the status, removes the acceptance record or takes the delegate), or
 * answers the first budget that would pass its limit, or -1 when the delegate to take is already taken.
 */
const SPEND = `
local n = #KEYS
local accepting = (#ARGV - 1) ~= 2 * n
if accepting then n = n - 4 end
local a = 2 + 2 * n
local take = accepting and ARGV[a + 5] ~= ''
if take and redis.call('EXISTS', KEYS[n + 4]) == 1 then return {-1, '0'} end
local amount = tonumber(ARGV[1])
for i = 1, n do
  local spent = redis.call('GET', KEYS[i]) or '0'
  if tonumber(spent) + amount > tonumber(ARGV[1 + i]) then return {i, spent} end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[i], ARGV[1])
  redis.call('PEXPIREAT', KEYS[i], ARGV[1 + n + i])
end
if accepting then
  redis.call('HSET', KEYS[n + 1], ARGV[a + 1], ARGV[a + 2])
  if take then redis.call('SET', KEYS[n + 4], '1', 'PXAT', ARGV[a + 5]) else redis.call('HDEL', KEYS[n + 2], ARGV[a]) end
  redis.call('SET', KEYS[n + 3], ARGV[a + 3], 'PXAT', ARGV[a + 4])
end
return {0, '0'}`;

/**
 * KEYS: the status, its listeners' mark, the instance's in-flight records, budgets…; ARGV: status, its
 * expiry time, the transaction hash, delta ('' for none), the statuses' channel, budget expiry times….
 * Records the final status (and, when an instance listens for it, publishes its key), removes the
 * in-flight record and, only if it was there, settles the budgets. Answers 1 if it removed the record.
 */
const FINISH = `
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PUBLISH', ARGV[5], KEYS[1]) end
if redis.call('HDEL', KEYS[3], ARGV[3]) == 0 then return 0 end
if ARGV[4] ~= '' then
  for i = 4, #KEYS do
    if redis.call('INCRBY', KEYS[i], ARGV[4]) < 0 then redis.call('SET', KEYS[i], '0') end
    redis.call('PEXPIREAT', KEYS[i], ARGV[2 + i])
  end
end
return 1`;

/** KEYS: the delegate, the instance's acceptance records; ARGV: expiry time, delegate id, acceptance record. Takes the delegate and records its acceptance, or answers 0. */
const TAKE = `
if not redis.call('SET', KEYS[1], '1', 'PXAT', ARGV[1], 'NX') then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;


export interface RedisStoreOptions {
  /** Prefix of every key (default "near-relayer:"): relayers with separate allowances use separate prefixes. */
  prefix?: string;
  /** Extra ioredis options. */
  redis?: RedisOptions;
}

type ScriptedRedis = Redis & {
  relayerSpend(numberOfKeys: number, ...args: string[]): Promise<[number, string]>;
  relayerTake(numberOfKeys: number, ...args: string[]): Promise<number>;
  relayerFinish(numberOfKeys: number, ...args: string[]): Promise<number>;
};

/** Connects to Redis at `url` (redis://host:port/db); throws with the reason when it cannot. */
export async function redisStore(url: string, options: RedisStoreOptions = {}): Promise<RelayerStore> {
  const prefix = options.prefix ?? 'near-relayer:';
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    // Commands issued in the same tick go out in one write: a relayed delegate makes about ten.
    enableAutoPipelining: true,
    ...options.redis,
  }) as ScriptedRedis;
  client.on('error', () => {
    // Reported to each request as 503 while it lasts; ioredis keeps reconnecting.
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`relayer store: cannot connect to Redis at ${url} (${(error as Error).message}); start redis-server or fix RELAYER_REDIS_URL`);
  }
  /** Where shareRead pushes each read to the instances listening (watchSharedReads). */
  const readsChannel = `${prefix}reads`;
  /** Where finish publishes a status key that an instance listens for (listenForStatus). */
  const statusChannel = `${prefix}status`;
  const statusKey = (statusId: string) => `${prefix}status/${statusId}`;
  const listenersMark = (statusId: string) => `${prefix}status-listened/${statusId}`;
  /** Per status key, the listeners of this process waiting for it to be recorded. */
  const statusListeners = new Map<string, Set<() => void>>();
  let readsListener: ((id: string, text: string) => void) | undefined;
  let watcher: Promise<Redis> | undefined;
  /** The connection subscribed to the channels (a subscribed connection takes no other command): one, closed with the store. */
  const subscriber = () =>
    (watcher ??= (async () => {
      const connection = client.duplicate();
      connection.on('error', () => {}); // ioredis reconnects and subscribes again; what was missed meanwhile is read as before
      connection.on('message', (channel: string, message: string) => {
        if (channel === statusChannel) for (const recorded of statusListeners.get(message) ?? []) recorded();
        if (channel !== readsChannel || !readsListener) return;
        try {
          const [id, text] = JSON.parse(message) as [string, string];
          if (typeof id === 'string' && typeof text === 'string') readsListener(id, text);
        } catch {
          // not what shareRead publishes: ignored
        }
      });
      if (connection.status === 'wait') await connection.connect();
      return connection;
    })().catch((error: unknown) => {
      watcher = undefined;
      throw error;
    }));
  let statusesWatched: Promise<unknown> | undefined;
  client.defineCommand('relayerSpend', { lua: SPEND });
  client.defineCommand('relayerTake', { lua: TAKE });
  client.defineCommand('relayerFinish', { lua: FINISH });
  const inFlightKey = (instance: string) => `${prefix}inflight/${instance}`;
  const acceptingKey = (instance: string) => `${prefix}accepting/${instance}`;
  const budgetKey = (budget: Budget) => `${prefix}budget/${budget.key}`;
  const limitUnits = (budget: Budget) => {
    const units = budget.limit / UNIT;
    if (units >= MAX_UNITS) throw new Error(`relayer store: a budget of ${budget.limit} yoctoNEAR is above what the Redis store counts exactly (${MAX_UNITS * UNIT})`);
    return units;
  };

  return {
    async takeDelegate(id, expiresAt, accepting) {
      if (!accepting) return (await client.set(`${prefix}delegate/${id}`, '1', 'PXAT', expiresAt, 'NX')) === 'OK';
      return (await client.relayerTake(2, `${prefix}delegate/${id}`, acceptingKey(accepting.instance), String(expiresAt), accepting.id, accepting.record)) === 1;
    },
    async releaseDelegate(id, accepting) {
      if (!accepting) await client.del(`${prefix}delegate/${id}`);
      else await client.multi().del(`${prefix}delegate/${id}`).hdel(acceptingKey(accepting.instance), accepting.id).exec();
    },
    async spend(budgets, amount, _now, accepted) {
      const [index, spent] = await client.relayerSpend(
        budgets.length + (accepted ? 4 : 0),
        ...budgets.map(budgetKey),
        ...(accepted ? [inFlightKey(accepted.instance), acceptingKey(accepted.instance), `${prefix}status/${accepted.statusId}`, `${prefix}delegate/${accepted.delegateId}`] : []),
        toUnits(amount).toString(),
        ...budgets.map((b) => limitUnits(b).toString()),
        ...budgets.map((b) => String(b.expiresAt)),
        ...(accepted ? [accepted.delegateId, accepted.hash, accepted.inFlight, accepted.status, String(accepted.statusExpiresAt), accepted.takeUntil === undefined ? '' : String(accepted.takeUntil)] : []),
      );
      if (index === -1) return { ok: false, duplicate: true };
      return index === 0 ? { ok: true } : { ok: false, budget: budgets[index - 1], spent: BigInt(spent) * UNIT };
    },
    async spent(budget) {
      return BigInt((await client.get(budgetKey(budget))) ?? '0') * UNIT;
    },
    ...rateLimits((points, duration, keyPrefix) => new RateLimiterRedis({ storeClient: client, points, duration, keyPrefix: `${prefix}${keyPrefix}` })),
    async getStatus(hash) {
      return (await client.get(statusKey(hash))) ?? undefined;
    },
    async putInFlight(instance, hash, record) {
      await client.hset(inFlightKey(instance), hash, record);
    },
    async finish(instance, hash, final, settle) {
      const budgets = settle?.budgets ?? [];
      return (
        (await client.relayerFinish(
          3 + budgets.length,
          statusKey(final.statusId),
          listenersMark(final.statusId),
          inFlightKey(instance),
          ...budgets.map(budgetKey),
          final.status,
          String(final.expiresAt),
          hash,
          settle ? toUnits(settle.delta).toString() : '',
          statusChannel,
          ...budgets.map((b) => String(b.expiresAt)),
        )) === 1
      );
    },
    async listInFlight(instance) {
      return Object.values(await client.hgetall(`${prefix}inflight/${instance}`));
    },
    async listAccepting(instance) {
      return client.hgetall(acceptingKey(instance));
    },
    async removeAccepting(instance, id) {
      return (await client.hdel(acceptingKey(instance), id)) === 1;
    },
    async sharedRead(id) {
      return (await client.get(`${prefix}read/${id}`)) ?? undefined;
    },
    async shareRead(id, text, expiresAt) {
      // Kept for a later sharedRead, and pushed to the instances listening now (one write: auto-pipelined).
      await Promise.all([client.set(`${prefix}read/${id}`, text, 'PXAT', expiresAt), client.publish(readsChannel, JSON.stringify([id, text]))]);
    },
    async watchSharedReads(listener) {
      readsListener = listener;
      await (await subscriber()).subscribe(readsChannel);
    },
    async listenForStatus(statusId, until) {
      const connection = await subscriber();
      await (statusesWatched ??= connection.subscribe(statusChannel).catch((error: unknown) => {
        statusesWatched = undefined;
        throw error;
      }));
      const key = statusKey(statusId);
      let done!: () => void;
      const recorded = new Promise<void>((resolve) => (done = resolve));
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      const listeners = statusListeners.get(key) ?? new Set();
      statusListeners.set(key, listeners.add(done));
      void recorded.then(() => {
        clearTimeout(timer);
        listeners.delete(done);
        if (listeners.size === 0 && statusListeners.get(key) === listeners) statusListeners.delete(key);
      });
      // Marked once this process listens: finish publishes the status only while someone listens for it.
      await client.set(listenersMark(statusId), '1', 'PXAT', until);
      return { recorded };
    },
    async close() {
      if (watcher) void watcher.then((connection) => connection.disconnect(), () => undefined);
      client.disconnect();
    },
  };
}

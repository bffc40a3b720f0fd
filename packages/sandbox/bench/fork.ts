/**
 * Fork mode's rows of `npm run bench:sandbox`: a remote (a second instance of this node, test/fork/remote-node.ts:
 * the stablecoin with holders, run as a child process behind its counting proxy) and
 * - `ft_balance_of` views on a fork, each reading one holder's key: the first read of the key (one remote
 *   request), the same key again (memory), the same keys from a second fork on the disk cache, and keys the fork
 *   wrote itself (local state);
 * - Worker.init + tearDown with the launcher forking the remote (NEAR_SANDBOX_FORK_URL), alternated with the
 *   plain launcher; the first forked start has an empty cache.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'near-workspaces';
import { createSandbox, TGAS, type ForkOptions, type Sandbox } from '../src/index.js';
import { startRemote } from '../test/fork/remote.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round = (n: number) => Math.round(n * 100) / 100;

function timedSync(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

export interface ForkBench {
  /** Median ms of an `ft_balance_of` view whose holder key is read from the remote (one request). */
  firstReadMs: number;
  /** The same views again: the keys are in memory. */
  cachedReadMs: number;
  /** A second fork on the same disk cache: opening it, and the same views (no remote request). */
  diskCacheOpenMs: number;
  diskCachedReadMs: number;
  /** Views of keys the fork wrote itself (local state, no cache involved). */
  localReadMs: number;
  remoteRequestsFirstRun: number;
  remoteRequestsSecondRun: number;
  workerInitPlainMs: number;
  workerInitForkedMs: number;
  workerInitForkedColdMs: number;
  samples: { reads: number; workerInit: number };
}

export async function forkBench(quick: boolean): Promise<ForkBench> {
  const remote = await startRemote({ FORK_REMOTE_HOLDERS: quick ? '16' : '41' });
  try {
    const options: ForkOptions = { rpcUrl: remote.url, blockId: remote.height, cacheDir: mkdtempSync(join(tmpdir(), 'bench-fork-')) };
    const view = (node: Sandbox, holder: string) => node.view(remote.token, 'ft_balance_of', { account_id: holder });
    const [warmHolder, ...holders] = remote.holders;

    const first = createSandbox({ fork: options });
    view(first, warmHolder!); // the token's account, code and contract state
    const before = first.fork!.requests;
    const firstReads = holders.map((h) => timedSync(() => view(first, h)));
    const remoteRequestsFirstRun = first.fork!.requests - before;
    const cachedReads = holders.map((h) => timedSync(() => view(first, h)));
    first.fork!.close();

    let second!: Sandbox;
    const diskCacheOpenMs = timedSync(() => (second = createSandbox({ fork: options })));
    view(second, warmHolder!);
    const diskReads = holders.map((h) => timedSync(() => view(second, h)));
    const remoteRequestsSecondRun = second.fork!.requests;
    second.impersonate(remote.owner);
    for (const h of holders) {
      const r = second.call(remote.owner, remote.token, 'ft_transfer', { receiver_id: h, amount: '1' }, { deposit: 1n, gas: 100n * TGAS });
      if (!r.succeeded) throw new Error(`ft_transfer failed: ${JSON.stringify(r.failure)}`);
    }
    const localReads = holders.map((h) => timedSync(() => view(second, h)));
    second.fork!.close();

    // near-workspaces' node forks through the environment it passes on
    const runs = quick ? 3 : 6;
    const plain: number[] = [];
    const forked: number[] = [];
    let cold = 0;
    const workerInit = async (fork: boolean): Promise<number> => {
      if (fork) {
        process.env.NEAR_SANDBOX_FORK_URL = remote.url;
        process.env.NEAR_SANDBOX_FORK_BLOCK = String(remote.height);
        process.env.NEAR_SANDBOX_FORK_CACHE = options.cacheDir as string;
      }
      try {
        const started = performance.now();
        const worker = await Worker.init();
        await worker.tearDown();
        return performance.now() - started;
      } finally {
        delete process.env.NEAR_SANDBOX_FORK_URL;
        delete process.env.NEAR_SANDBOX_FORK_BLOCK;
        delete process.env.NEAR_SANDBOX_FORK_CACHE;
      }
    };
    // the first forked start reads the fork point and the root account from the remote
    options.cacheDir = mkdtempSync(join(tmpdir(), 'bench-fork-workers-'));
    cold = await workerInit(true);
    for (let i = 0; i < runs; i++) {
      plain.push(await workerInit(false));
      forked.push(await workerInit(true));
    }
    return {
      firstReadMs: round(median(firstReads)),
      cachedReadMs: round(median(cachedReads)),
      diskCacheOpenMs: round(diskCacheOpenMs),
      diskCachedReadMs: round(median(diskReads)),
      localReadMs: round(median(localReads)),
      remoteRequestsFirstRun,
      remoteRequestsSecondRun,
      workerInitPlainMs: round(median(plain)),
      workerInitForkedMs: round(median(forked)),
      workerInitForkedColdMs: round(cold),
      samples: { reads: holders.length, workerInit: runs },
    };
  } finally {
    await remote.stop();
  }
}

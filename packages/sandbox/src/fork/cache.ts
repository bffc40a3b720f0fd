/**
 * What a fork read from its remote, kept per (network, block) so the same fork again makes no remote request
 * and works offline. The state at a block never changes, so entries never expire.
 *
 * `<root>/<network>/<block>/`:
 * - `block.json`: the remote's block, chain id and protocol version the fork continues from;
 * - `reads.jsonl`: one `{"k": key, "v": value}` line per answer (`null`: the remote has nothing there), appended
 *   as each read is answered. A line cut short by a crash is ignored when loading (the read is made again);
 * - `code/<code hash>.wasm`: contract code, written to a temporary name and renamed.
 *
 * Nothing is written for a read that failed, so a failed fetch leaves no entry behind.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const FORK_CACHE_ENV = 'NEAR_SANDBOX_FORK_CACHE';

/** `$NEAR_SANDBOX_FORK_CACHE`, else `$XDG_CACHE_HOME/near-ts-sandbox/fork`, else `~/.cache/near-ts-sandbox/fork`. */
export function defaultForkCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env[FORK_CACHE_ENV]) return env[FORK_CACHE_ENV]!;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'near-ts-sandbox', 'fork');
}

/** A directory name for a network: `mainnet`/`testnet` as given, a URL as its host and path. */
export function networkDirName(network: string): string {
  return network.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'remote';
}

export class ForkCache {
  readonly dir: string | null;
  #entries = new Map<string, unknown>();
  #codes = new Map<string, Uint8Array>();

  /** `dir` null: kept in memory only. */
  constructor(dir: string | null) {
    this.dir = dir;
    if (dir === null) return;
    mkdirSync(join(dir, 'code'), { recursive: true });
    const log = join(dir, 'reads.jsonl');
    if (!existsSync(log)) return;
    const text = readFileSync(log, 'utf8');
    // a line cut short by a crash: end it, so the next read appended starts a line of its own
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(log, '\n');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const { k, v } = JSON.parse(line) as { k: string; v: unknown };
        if (typeof k === 'string') this.#entries.set(k, v);
      } catch {
        // a line cut short by a crash: that read is made again
      }
    }
  }

  /** undefined: never read; null: the remote has nothing there. */
  get<T>(key: string): T | null | undefined {
    return this.#entries.get(key) as T | null | undefined;
  }

  put(key: string, value: unknown): void {
    this.#entries.set(key, value);
    if (this.dir !== null) appendFileSync(join(this.dir, 'reads.jsonl'), `${JSON.stringify({ k: key, v: value })}\n`);
  }

  code(hash: string): Uint8Array | undefined {
    const known = this.#codes.get(hash);
    if (known !== undefined || this.dir === null) return known;
    const file = join(this.dir, 'code', `${hash}.wasm`);
    if (!existsSync(file)) return undefined;
    const code = new Uint8Array(readFileSync(file));
    this.#codes.set(hash, code);
    return code;
  }

  putCode(hash: string, code: Uint8Array): void {
    this.#codes.set(hash, code);
    if (this.dir === null) return;
    const file = join(this.dir, 'code', `${hash}.wasm`);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, file);
  }

  /** The block the fork continues from, as saved by the first run (undefined when not cached). */
  readBlock<T>(): T | undefined {
    if (this.dir === null) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.dir, 'block.json'), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  writeBlock(block: unknown): void {
    if (this.dir === null) return;
    const file = join(this.dir, 'block.json');
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(block, null, 2)}\n`);
    renameSync(temporary, file);
  }
}

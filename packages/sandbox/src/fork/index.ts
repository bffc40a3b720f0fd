/**
 * Fork mode: a local chain that continues from a block of a remote chain (testnet, mainnet, any NEAR JSON-RPC),
 * reading the remote's accounts, access keys, code and contract storage lazily, the first time something
 * touches them (src/fork/source.ts), as `anvil --fork-url` does for Ethereum.
 *
 * `openFork` pins the block (the remote's final block when none is given), takes the chain id and protocol
 * version the remote had there (`EXPERIMENTAL_protocol_config`), refuses what this node cannot reproduce, and
 * opens the disk cache of that (network, block). With a pinned block whose cache exists, it makes no request.
 */
import { runtimeConfig, SUPPORTED_PROTOCOL_VERSIONS } from '../parameters/index.js';
import { runtimeConfigView } from '../rpc/views.js';
import { defaultForkCacheRoot, ForkCache, networkDirName } from './cache.js';
import { ForkError, RemoteRpc, type RemoteRpcOptions } from './remote.js';
import { ForkSource, remoteError } from './source.js';

export { ForkError } from './remote.js';
export type { ForkErrorKind } from './remote.js';
export type { ForkReadCounts } from './source.js';
export { defaultForkCacheRoot, FORK_CACHE_ENV } from './cache.js';

/** Public RPC endpoints the names `mainnet` and `testnet` stand for (non-archival: recent blocks only). */
export const FORK_NETWORKS: Readonly<Record<string, string>> = {
  mainnet: 'https://rpc.mainnet.fastnear.com',
  testnet: 'https://rpc.testnet.fastnear.com',
};

export interface ForkOptions extends RemoteRpcOptions {
  /** `mainnet`, `testnet` or the URL of a NEAR JSON-RPC endpoint. */
  rpcUrl: string;
  /** Height or hash of the block to fork at. Default: the remote's final block (a new one every run). */
  blockId?: number | bigint | string;
  /** Where remote reads are kept, per (network, block). Default `defaultForkCacheRoot()`; `false`: memory only. */
  cacheDir?: string | false;
}

/** The remote block a fork continues from, and what the remote ran there (saved as the cache's block.json). */
export interface ForkPoint {
  rpcUrl: string;
  chainId: string;
  protocolVersion: number;
  height: string;
  hash: string;
  prevHash: string;
  timestampNanos: string;
  gasPrice: string;
  totalSupply: string;
  epochId: string;
  randomValue: string;
  /** Where the remote's runtime parameters differ from this node's table for `protocolVersion` (empty: none). */
  parameterDifferences: string[];
}

export interface OpenFork {
  point: ForkPoint;
  source: ForkSource;
  rpc: RemoteRpc;
  /** The cache directory of this (network, block); null when kept in memory only. */
  cacheDir: string | null;
}

interface BlockHeaderJson {
  height: number;
  hash: string;
  prev_hash: string;
  timestamp_nanosec: string;
  gas_price: string;
  total_supply: string;
  epoch_id: string;
  random_value: string;
}

/** Subtrees of the runtime config compared with the node's own table: what decides fees, storage cost and limits. */
const COMPARED_PARAMETERS = ['storage_amount_per_byte', 'transaction_costs', 'wasm_config.ext_costs', 'wasm_config.limit_config.max_gas_burnt', 'account_creation_config'];

export function resolveForkUrl(rpcUrl: string): string {
  const url = FORK_NETWORKS[rpcUrl] ?? rpcUrl;
  if (!/^https?:\/\/[^/]+/i.test(url)) {
    throw new ForkError('unsupported', `${JSON.stringify(rpcUrl)} is not a network or URL to fork: give mainnet, testnet or an http(s) JSON-RPC URL`);
  }
  return url;
}

/**
 * Pins the fork's block and opens its cache; throws `ForkError` when the remote cannot be reached, no longer
 * has the block, or ran a protocol version or parameters this node does not reproduce (unless
 * `protocolVersion` is given: the caller then chooses the version the fork runs).
 */
export function openFork(options: ForkOptions, protocolVersion?: number): OpenFork {
  const url = resolveForkUrl(options.rpcUrl);
  const rpc = new RemoteRpc(url, options);
  const root = options.cacheDir === false ? null : (options.cacheDir ?? defaultForkCacheRoot());
  const network = networkDirName(options.rpcUrl);
  const dirFor = (block: string) => (root === null ? null : `${root}/${network}/${block}`);

  let cache = options.blockId === undefined ? null : new ForkCache(dirFor(String(options.blockId)));
  let point = cache?.readBlock<ForkPoint>();
  if (point === undefined) {
    point = fetchForkPoint(rpc, options.blockId);
    cache ??= new ForkCache(dirFor(point.height));
    cache.writeBlock(point);
  }
  if (protocolVersion === undefined) checkReproducible(rpc, point);
  const source = new ForkSource(rpc, cache!, point.hash, BigInt(point.height));
  return { point, source, rpc, cacheDir: cache!.dir };
}

function fetchForkPoint(rpc: RemoteRpc, blockId: ForkOptions['blockId']): ForkPoint {
  const reference = blockId === undefined ? { finality: 'final' } : { block_id: typeof blockId === 'string' && !/^\d+$/.test(blockId) ? blockId : Number(blockId) };
  const block = rpc.call<{ header: BlockHeaderJson }>('block', reference);
  if ('error' in block) throw remoteError(rpc.url, 'the block', { hash: blockId === undefined ? 'final' : String(blockId) }, block.error);
  const header = block.result.header;
  const config = rpc.call<{ protocol_version: number; chain_id: string; runtime_config: Record<string, unknown> }>('EXPERIMENTAL_protocol_config', { block_id: header.hash });
  if ('error' in config) throw remoteError(rpc.url, 'EXPERIMENTAL_protocol_config', { height: BigInt(header.height), hash: header.hash }, config.error);
  return {
    rpcUrl: rpc.url,
    chainId: config.result.chain_id,
    protocolVersion: config.result.protocol_version,
    height: String(header.height),
    hash: header.hash,
    prevHash: header.prev_hash,
    timestampNanos: header.timestamp_nanosec,
    gasPrice: header.gas_price,
    totalSupply: header.total_supply,
    epochId: header.epoch_id,
    randomValue: header.random_value,
    parameterDifferences: SUPPORTED_PROTOCOL_VERSIONS.includes(config.result.protocol_version)
      ? compareParameters(config.result.runtime_config ?? {}, config.result.protocol_version)
      : [],
  };
}

/**
 * The protocol version must be one this node has parameters for, and the remote's parameters at the block must
 * be that table's (checked once, when the fork point is first fetched: block.json records only checked points).
 */
function checkReproducible(rpc: RemoteRpc, point: ForkPoint): void {
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(point.protocolVersion)) {
    throw new ForkError(
      'unsupported',
      `${rpc.url} ran protocol version ${point.protocolVersion} at block #${point.height}; this node reproduces ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}: fork a block of one of those, or pass protocolVersion to run the fork under one of them knowingly (fees and limits may then differ from the remote's)`,
    );
  }
  if (point.parameterDifferences.length > 0) {
    throw new ForkError(
      'unsupported',
      `${rpc.url}'s runtime parameters at block #${point.height} (protocol ${point.protocolVersion}) are not this node's for that version (${point.parameterDifferences.slice(0, 5).join('; ')}${point.parameterDifferences.length > 5 ? `; ${point.parameterDifferences.length - 5} more` : ''}): pass protocolVersion to run the fork with the node's parameters knowingly`,
    );
  }
}

/** Where the remote's runtime config (`EXPERIMENTAL_protocol_config`) differs from the node's table for the version. */
export function compareParameters(remote: Record<string, unknown>, protocolVersion: number): string[] {
  const ours = runtimeConfigView(runtimeConfig(protocolVersion)) as unknown as Record<string, unknown>;
  const differences: string[] = [];
  const at = (o: unknown, path: string) => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
  const walk = (a: unknown, b: unknown, path: string) => {
    if (a === undefined || b === undefined) return; // a field one side does not have (another nearcore release)
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
      for (const k of Object.keys(a as object)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      return;
    }
    if (String(a) !== String(b)) differences.push(`${path}: remote ${String(a)}, node ${String(b)}`);
  };
  for (const path of COMPARED_PARAMETERS) walk(at(remote, path), at(ours, path), path);
  return differences;
}

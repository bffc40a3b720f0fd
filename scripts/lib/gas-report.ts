/**
 * The gas report of a test run (`npm test -- --gas-report`, or NEAR_GAS_REPORT=1): what every node recorded
 * (packages/sandbox/src/node/gas-recorder.ts) summed per `contract.method`: calls, min/median/max gas burnt,
 * and the shares of Wasm instructions, storage and actions. `compare` checks a run against the committed
 * baseline (gas-report.json) as Foundry's `forge snapshot --diff` does, failing on a regression above a
 * threshold.
 *
 * A contract is named by its build: the code hash of every `build/**.wasm` maps to its file name
 * (`stablecoin`, `test-contracts/ft-receiver`), so the random account ids of near-workspaces dev accounts
 * do not split one contract into many rows. Code the build does not know (a test's WAT probe) is named
 * `code:<first 8 characters of its hash>`, the same in every run.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { base58 } from '@scure/base';
import type { GasRecord } from '../../packages/sandbox/src/node/gas-recorder.js';

export interface MethodGas {
  calls: number;
  min: number;
  median: number;
  max: number;
  /** Sum of gas burnt over all calls. */
  total: number;
  /** Shares of `total`, 0..1. `other` is the rest: host calls other than storage, contract loading, base costs. */
  shares: { wasm: number; storage: number; actions: number; other: number };
}

export interface GasReport {
  /** `contract.method` → figures, sorted by name. */
  methods: Record<string, MethodGas>;
  totals: { calls: number; gas: number };
}

export interface GasRegression {
  method: string;
  baseline: number;
  current: number;
  /** (current − baseline) / baseline. */
  change: number;
}

/** Default regression threshold of `--gas-report=compare`: a median more than 2 % above the baseline fails. */
export const DEFAULT_THRESHOLD = 0.02;

function wasmFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return wasmFiles(path);
    return name.endsWith('.wasm') ? [path] : [];
  });
}

/** Code hash (base58 sha256, as nearcore shows it) → contract name, for every Wasm under `buildDir`. */
export function contractNames(buildDir: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const file of wasmFiles(buildDir)) {
    const hash = base58.encode(createHash('sha256').update(readFileSync(file)).digest());
    names.set(hash, relative(buildDir, file).replace(/\.wasm$/, ''));
  }
  return names;
}

/** Every record the nodes of a run wrote into `dir`. */
export function readGasRecords(dir: string): GasRecord[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as GasRecord];
          } catch {
            return []; // a node killed mid-write leaves at most a torn last line
          }
        }),
    );
}

function contractName(r: GasRecord, names: Map<string, string>): string {
  return names.get(r.codeHash) ?? (r.codeHash ? `code:${r.codeHash.slice(0, 8)}` : r.account);
}

export function summarise(records: GasRecord[], names: Map<string, string> = new Map()): GasReport {
  const groups = new Map<string, GasRecord[]>();
  for (const r of records) {
    const key = `${contractName(r, names)}.${r.method}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(r);
  }
  const methods: Record<string, MethodGas> = {};
  let calls = 0;
  let gas = 0;
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    const burnt = group.map((r) => Number(r.gas)).sort((a, b) => a - b);
    const total = burnt.reduce((n, g) => n + g, 0);
    const sum = (field: 'wasm' | 'storage' | 'actions') => group.reduce((n, r) => n + Number(r[field]), 0);
    const share = (part: number) => (total === 0 ? 0 : part / total);
    const wasm = sum('wasm');
    const storage = sum('storage');
    const actions = sum('actions');
    const mid = burnt.length >> 1;
    methods[key] = {
      calls: group.length,
      min: burnt[0]!,
      median: burnt.length % 2 === 1 ? burnt[mid]! : Math.round((burnt[mid - 1]! + burnt[mid]!) / 2),
      max: burnt[burnt.length - 1]!,
      total,
      shares: { wasm: share(wasm), storage: share(storage), actions: share(actions), other: share(total - wasm - storage - actions) },
    };
    calls += group.length;
    gas += total;
  }
  return { methods, totals: { calls, gas } };
}

/** Methods whose median gas rose more than `threshold` over the baseline (methods new or gone are not regressions). */
export function compareGasReports(baseline: GasReport, current: GasReport, threshold = DEFAULT_THRESHOLD): GasRegression[] {
  const regressions: GasRegression[] = [];
  for (const [method, now] of Object.entries(current.methods)) {
    const before = baseline.methods[method];
    if (!before || before.median === 0) continue;
    const change = (now.median - before.median) / before.median;
    if (change > threshold) regressions.push({ method, baseline: before.median, current: now.median, change });
  }
  return regressions;
}

const tgas = (gas: number) => (gas / 1e12).toFixed(2);
const percent = (share: number) => `${Math.round(share * 100)}%`;

export function formatGasReport(report: GasReport): string {
  const header = ['contract.method', 'calls', 'min Tgas', 'median', 'max', 'wasm', 'storage', 'actions', 'other'];
  const rows = Object.entries(report.methods).map(([name, m]) => [name, String(m.calls), tgas(m.min), tgas(m.median), tgas(m.max), percent(m.shares.wasm), percent(m.shares.storage), percent(m.shares.actions), percent(m.shares.other)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `gas report: ${report.totals.calls} function calls, ${tgas(report.totals.gas)} Tgas burnt, in ${rows.length} contract methods`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

export function formatRegressions(regressions: GasRegression[], threshold: number): string {
  return regressions
    .map((r) => `gas regression: ${r.method} median ${tgas(r.baseline)} → ${tgas(r.current)} Tgas (+${(r.change * 100).toFixed(1)}% > ${(threshold * 100).toFixed(1)}%)`)
    .join('\n');
}

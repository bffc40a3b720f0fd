/**
 * Storage layout and typed access to the records, plus the argument checks every module shares.
 *
 * Records live under one-letter prefixes as "<prefix><key>" → JSON text (near-sdk-js LookupMap's
 * layout), read and written with plain JSON (contracts/lib/json-storage.ts: LookupMap's reviver
 * and replacer cost ~0.3 Tgas per kilobyte-sized record and no record holds a BigInt or a Date).
 */
import { near, bytes, decode, encode } from 'near-sdk-js';
import { panic } from '../../lib/errors';
import { parseAccountId } from '../../lib/account-id';
import { readJson, writeJson } from '../../lib/json-storage';
import { parseSha256Hex } from '../../lib/hash';
import { eventEmitter } from '../../lib/events';
import type { GoldStats, Item, Ledger, Project, Tasker } from './types';

export const NEAR_TOKEN = 'NEAR';
export const ROLE_ARBITER = 'arbiter';
export const ROLE_PAUSER = 'pauser';

export const MAX_REDUNDANCY = 10;
export const MAX_REVIEWERS = 10;
export const MAX_ITEMS_PER_CALL = 100;
export const MAX_ACTIVE_CLAIMS = 20;
const MAX_PAGE = 100;
const MAX_TEXT = 512;

export const emit = eventEmitter('task_marketplace', '1.0.0');

const PROJECTS = 'p';
const ITEMS = 'i';
const TASKERS = 't';
/** "<project>|<tasker>" → true when the vendor qualified the tasker. */
const QUALIFICATIONS = 'q';
/** "<account>|<token>" → earnings as a decimal string. */
const EARNINGS = 'e';
const LEDGERS = 'l';
/** "<vendor>|<tasker>" → GoldStats. */
const GOLD = 'g';
export const TASKER_IDS = 'T';

export function now(): bigint {
  return near.blockTimestamp();
}

export function itemKey(projectId: number, index: number): string {
  return `${projectId}:${index}`;
}

// ------------------------------------------------------------ projects and items

export function findProject(projectId: number): Project | null {
  return readJson<Project>(PROJECTS + projectId);
}

export function loadProject(projectId: unknown): Project {
  if (typeof projectId !== 'number' || !Number.isInteger(projectId) || projectId < 0) panic('TaskMarketplace: project_id must be a non-negative integer');
  const project = findProject(projectId);
  if (project === null) panic(`TaskMarketplace: project ${projectId} does not exist`);
  return project;
}

export function saveProject(project: Project): void {
  writeJson(PROJECTS + project.id, project);
}

export function findItem(projectId: number, index: number): Item | null {
  return readJson<Item>(ITEMS + itemKey(projectId, index));
}

export function loadItem(projectId: number, index: unknown): Item {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) panic('TaskMarketplace: item_index must be a non-negative integer');
  const item = findItem(projectId, index);
  if (item === null) panic(`TaskMarketplace: item ${index} does not exist`);
  return item;
}

export function saveItem(item: Item): void {
  writeJson(ITEMS + itemKey(item.project_id, item.index), item);
}

export function assertVendor(project: Project): void {
  if (near.predecessorAccountId() !== project.vendor) panic('TaskMarketplace: caller is not the project vendor');
}

export function isQualified(projectId: number, accountId: string): boolean {
  return near.storageHasKey(QUALIFICATIONS + `${projectId}|${accountId}`);
}

export function setQualified(projectId: number, accountId: string): void {
  writeJson(QUALIFICATIONS + `${projectId}|${accountId}`, true);
}

// ------------------------------------------------------------ taskers

export function findTasker(accountId: string): Tasker | null {
  return readJson<Tasker>(TASKERS + accountId);
}

export function loadTasker(accountId: string): Tasker {
  const tasker = findTasker(accountId);
  if (tasker === null) panic('TaskMarketplace: tasker not registered');
  return tasker;
}

export function isTasker(accountId: string): boolean {
  return near.storageHasKey(TASKERS + accountId);
}

export function saveTasker(tasker: Tasker): void {
  writeJson(TASKERS + tasker.account_id, tasker);
}

/** Key of the tasker registered `index`-th: prefix + the index as u32 little-endian bytes (near-sdk-js Vector's layout). */
export function taskerIdKey(index: number): Uint8Array {
  return bytes(TASKER_IDS + String.fromCharCode(index & 0xff, (index >>> 8) & 0xff, (index >>> 16) & 0xff, (index >>> 24) & 0xff));
}

export function writeTaskerId(index: number, accountId: string): void {
  near.storageWriteRaw(taskerIdKey(index), encode(JSON.stringify(accountId)));
}

export function readTaskerId(index: number): string {
  return JSON.parse(decode(near.storageReadRaw(taskerIdKey(index))!)) as string;
}

/** The tasker records one call changes: each is read once and written once, by `saveAll`. */
export class TaskerBatch {
  private readonly loaded = new Map<string, Tasker | null>();

  get(accountId: string): Tasker | null {
    let tasker = this.loaded.get(accountId);
    if (tasker === undefined) {
      tasker = findTasker(accountId);
      this.loaded.set(accountId, tasker);
    }
    return tasker;
  }

  saveAll(): void {
    for (const tasker of this.loaded.values()) if (tasker !== null) saveTasker(tasker);
  }
}

export function goldStats(vendor: string, tasker: string): GoldStats {
  return readJson<GoldStats>(GOLD + `${vendor}|${tasker}`) ?? { correct: 0, wrong: 0 };
}

export function saveGoldStats(vendor: string, tasker: string, stats: GoldStats): void {
  writeJson(GOLD + `${vendor}|${tasker}`, stats);
}

// ------------------------------------------------------------ money records

export function earningsOf(accountId: string, token: string): string {
  return readJson<string>(EARNINGS + `${accountId}|${token}`) ?? '0';
}

export function setEarnings(accountId: string, token: string, amount: string): void {
  writeJson(EARNINGS + `${accountId}|${token}`, amount);
}

export function ledgerOf(token: string): Ledger {
  return readJson<Ledger>(LEDGERS + token) ?? { funded: '0', paid: '0' };
}

export function saveLedger(token: string, ledger: Ledger): void {
  writeJson(LEDGERS + token, ledger);
}

// ------------------------------------------------------------ argument checks

export function assertText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) panic(`TaskMarketplace: ${field} must be a string of 1 to ${MAX_TEXT} characters`);
  return value;
}

export function assertCount(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) panic(`TaskMarketplace: ${field} must be an integer from ${min} to ${max}`);
  return value;
}

export function assertAccountId(value: unknown, field: string): string {
  return parseAccountId(value, `TaskMarketplace: ${field}`);
}

/** A view page [start, end): `from_index` default 0, `limit` default 20 and at most MAX_PAGE. */
export function pageBounds(fromIndex: unknown, limit: unknown, total: number): [number, number] {
  const start = assertCount(fromIndex ?? 0, 'from_index', 0, Number.MAX_SAFE_INTEGER);
  const size = assertCount(limit ?? 20, 'limit', 1, MAX_PAGE);
  return [start, Math.min(total, start + size)];
}

export function sha256Field(value: unknown, field: string): string {
  return parseSha256Hex(value, `TaskMarketplace: ${field}`);
}

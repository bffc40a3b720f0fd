/**
 * Task marketplace for AI-data annotation (in the spirit of NEAR Tasks, with NEARCrowd's and
 * Sputnik DAO bounties' on-chain mechanics). This file is the contract's interface: each method
 * checks who may call it and what it must attach, then hands over to the module that does one
 * thing (OpenZeppelin-style composition):
 *
 * - projects.ts   projects, funding, items, qualification, reclaim
 * - escrow.ts     every movement of a project's money (funded = unallocated + reserved + credited + reclaimed)
 * - claims.ts     claim, release, submit, reveal; slots that free within contract-bounded time
 * - consensus.ts  settling, review, disputes, finalisation
 * - reputation.ts registration, accepted/rejected counts, gold answers per vendor
 * - withdrawals.ts earnings out, with a callback that restores them on failure
 * - limits.ts     the owner's floors and ceilings for every window a vendor chooses
 * - commitment.ts the commitment and seal formats
 * - records.ts    storage layout and shared argument checks
 * and, from contracts/lib, Ownable, AccessControl (arbiter, pauser), Pausable, StorageBalance.
 *
 * Every method that moves value or changes control requires exactly 1 yoctoNEAR, so a
 * function-call key cannot call it; tasker actions (claim, submit, reveal, dispute, withdraw to
 * oneself) stay free so a gasless tasker can make them through a relayer. Rules fail with
 * `TaskMarketplace: <rule broken>`. Method table and threat model: ../README.md.
 */
import { NearBindgen, call, view, initialize, near, encode, decode } from 'near-sdk-js';
import { require } from '../../lib/errors';
import { assertInitBySelf, assertOneYocto, assertPrivate } from '../../lib/guards';
import * as ownable from '../../lib/ownable';
import * as pausable from '../../lib/pausable';
import * as roles from '../../lib/access-control';
import { depositStorage, storageBalanceOf, withdrawStorageToCaller } from '../../lib/storage-balance';
import * as claims from './claims';
import * as consensus from './consensus';
import * as projects from './projects';
import * as reputation from './reputation';
import * as withdrawals from './withdrawals';
import { currentLimits, setLimits } from './limits';
import {
  ROLE_ARBITER, ROLE_PAUSER, TASKER_IDS, assertAccountId, earningsOf, emit, findItem, findProject, findTasker, goldStats, ledgerOf, now, pageBounds,
  readTaskerId,
} from './records';
import type { Claim, GoldStats, Item, ItemStatus, Ledger, Limits, MarketState, NewItem, Project, Tasker } from './types';

/** Contract state (STATE) is numbers and the tasker list's {prefix, length}: plain JSON. */
function encodeState(value: unknown): Uint8Array {
  return encode(JSON.stringify(value));
}

function decodeState(value: Uint8Array): unknown {
  return JSON.parse(decode(value));
}

@NearBindgen({ requireInit: true, serializer: encodeState, deserializer: decodeState })
export class TaskMarketplace implements MarketState {
  nextProjectId = 0;
  /**
   * Tasker ids in registration order, laid out as near-sdk-js's Vector (STATE holds {prefix, length};
   * element i under taskerIdKey(i)) without bundling Vector: every KB of bytecode is read at every call.
   */
  taskerIds: { prefix: string; length: number } = { prefix: TASKER_IDS, length: 0 };

  /** Only the contract account itself (deploy + init in one transaction, or its own key later). */
  @initialize({})
  init({ owner_id, arbiter_id }: { owner_id: string; arbiter_id?: string | null }): void {
    assertInitBySelf();
    ownable.initOwner(assertAccountId(owner_id, 'owner_id'));
    roles.grantRole(ROLE_ARBITER, arbiter_id ? assertAccountId(arbiter_id, 'arbiter_id') : owner_id);
  }

  // ------------------------------------------------------------ storage (NEP-145 style)

  /** Adds NEAR to the storage balance of `account_id` (default: caller) that pays for state they create. */
  @call({ payableFunction: true })
  storage_deposit({ account_id }: { account_id?: string | null }): { total: string } {
    const accountId = account_id ? assertAccountId(account_id, 'account_id') : near.predecessorAccountId();
    const deposit = near.attachedDeposit();
    require(deposit > 0n, 'TaskMarketplace: attach NEAR to deposit for storage');
    return { total: depositStorage(accountId, deposit).toString() };
  }

  @call({ payableFunction: true })
  storage_withdraw({ amount }: { amount?: string | null }): { total: string } {
    assertOneYocto();
    return { total: withdrawStorageToCaller(amount).total.toString() };
  }

  @view({})
  storage_balance_of({ account_id }: { account_id: string }): { total: string } | null {
    const balance = storageBalanceOf(account_id);
    return balance === null ? null : { total: balance.toString() };
  }

  // ------------------------------------------------------------ taskers

  /** Registers the caller as a tasker; the record is paid from their storage balance. */
  @call({})
  register_tasker(): Tasker {
    pausable.assertNotPaused();
    return reputation.registerTasker(this);
  }

  // ------------------------------------------------------------ projects

  /**
   * Creates a project owned by the caller (windows within get_limits); its record is paid from the
   * caller's storage balance. Budget: fund_project (NEAR) or ft_transfer_call with msg {"fund_project": id}.
   */
  @call({})
  create_project(args: {
    token: string;
    title: string;
    instructions_uri: string;
    instructions_hash: string;
    reward_per_item: string;
    reviewer_reward: string;
    redundancy: number;
    consensus: number;
    claim_ttl_ns: string;
    reveal_ttl_ns: string;
    dispute_ttl_ns: string;
    deadline_ns: string;
    reviewers?: string[];
    min_gold_accuracy_bps?: number;
    min_gold_answers?: number;
    qualification_required?: boolean;
  }): Project {
    pausable.assertNotPaused();
    return projects.createProject(this, args);
  }

  /** Adds the attached NEAR to a NEAR-denominated project's budget. Anyone may fund. */
  @call({ payableFunction: true })
  fund_project({ project_id }: { project_id: number }): string {
    pausable.assertNotPaused();
    return projects.fundWithNear(project_id);
  }

  /** NEP-141 receiver: msg {"fund_project": <id>} funds that project in the calling token. */
  @call({})
  ft_on_transfer({ sender_id, amount, msg }: { sender_id: string; amount: string; msg: string }): string {
    pausable.assertNotPaused();
    projects.fundWithToken(sender_id, amount, msg);
    return '0';
  }

  /** Vendor, 1 yoctoNEAR: adds items (max 100 per call), reserving k rewards and the reviewer reward for each. */
  @call({ payableFunction: true })
  add_items({ project_id, items }: { project_id: number; items: NewItem[] }): number {
    assertOneYocto();
    pausable.assertNotPaused();
    return projects.addItems(project_id, items);
  }

  /** Vendor, 1 yoctoNEAR: lets `account_id` claim items of a project that requires qualification. */
  @call({ payableFunction: true })
  qualify_tasker({ project_id, account_id }: { project_id: number; account_id: string }): void {
    assertOneYocto();
    projects.qualifyTasker(project_id, account_id);
  }

  /** Vendor, 1 yoctoNEAR, after the deadline plus the dispute period: closes the project and credits what is left to the vendor. */
  @call({ payableFunction: true })
  reclaim({ project_id, from_index, limit }: { project_id: number; from_index?: number; limit?: number }): string {
    assertOneYocto();
    return projects.reclaim(project_id, from_index, limit);
  }

  // ------------------------------------------------------------ tasker actions

  /** Tasker: claims a free slot of an open item until now + claim_ttl. Paid from their storage balance. */
  @call({})
  claim({ project_id, item_index }: { project_id: number; item_index: number }): Claim {
    pausable.assertNotPaused();
    return claims.claimItem(project_id, item_index);
  }

  /** Tasker: gives back a claim not yet committed, freeing the slot. */
  @call({})
  release_claim({ project_id, item_index }: { project_id: number; item_index: number }): void {
    claims.releaseClaim(project_id, item_index);
  }

  /** Tasker: submits sha256("<project_id>:<item_index>:<tasker>:<result>:<salt>") before the claim expires. */
  @call({})
  submit({ project_id, item_index, commitment }: { project_id: number; item_index: number; commitment: string }): void {
    pausable.assertNotPaused();
    claims.submit(project_id, item_index, commitment);
  }

  /** Tasker: opens their commitment once all k commitments are in. The last reveal settles the item. */
  @call({})
  reveal({ project_id, item_index, result, salt }: { project_id: number; item_index: number; result: string; salt: string }): ItemStatus {
    pausable.assertNotPaused();
    return claims.reveal(project_id, item_index, result, salt);
  }

  /** Anyone: settles a revealing item after its reveal period, or makes an accepted item final after its dispute period. */
  @call({})
  finalize_item({ project_id, item_index }: { project_id: number; item_index: number }): ItemStatus {
    return consensus.finalizeItem(project_id, item_index);
  }

  // ------------------------------------------------------------ review, gold, disputes

  /** Vendor or appointed reviewer (not a tasker of the item), 1 yoctoNEAR: decides an item in review. */
  @call({ payableFunction: true })
  review({ project_id, item_index, result }: { project_id: number; item_index: number; result: string }): void {
    assertOneYocto();
    consensus.review(project_id, item_index, result);
  }

  /** Vendor: opens a gold item's seal; revealed answers count toward the taskers' gold record with this vendor. */
  @call({})
  reveal_gold({ project_id, item_index, expected, salt }: { project_id: number; item_index: number; expected: string; salt: string }): void {
    reputation.revealGold(project_id, item_index, expected, salt);
  }

  /** Tasker whose revealed result was not paid: takes the decision to the arbiter within dispute_ttl. */
  @call({})
  dispute({ project_id, item_index }: { project_id: number; item_index: number }): void {
    consensus.dispute(project_id, item_index);
  }

  /** Arbiter (not a party to the item), 1 yoctoNEAR: settles a dispute; the item becomes final. */
  @call({ payableFunction: true })
  resolve_dispute({ project_id, item_index, uphold, result }: { project_id: number; item_index: number; uphold: boolean; result?: string | null }): void {
    assertOneYocto();
    roles.assertRole(ROLE_ARBITER);
    consensus.resolveDispute(project_id, item_index, uphold, result);
  }

  // ------------------------------------------------------------ money out

  /** Sends the caller's whole earnings in `token` ("NEAR" for NEAR) to the caller; no deposit (relayer-friendly). */
  @call({})
  withdraw({ token }: { token: string }): void {
    withdrawals.withdraw(token);
  }

  @call({ privateFunction: true })
  on_withdraw({ account_id, token, amount }: { account_id: string; token: string; amount: string }): boolean {
    assertPrivate();
    return withdrawals.onWithdraw(account_id, token, amount);
  }

  // ------------------------------------------------------------ admin

  /** Owner, 1 yoctoNEAR: the floor and ceiling of each window new projects may choose. */
  @call({ payableFunction: true })
  set_limits({ limits }: { limits: Limits }): Limits {
    assertOneYocto();
    ownable.assertOwner();
    const stored = setLimits(limits);
    emit('limits_set', [stored]);
    return stored;
  }

  @call({ payableFunction: true })
  pause(): void {
    assertOneYocto();
    roles.assertRole(ROLE_PAUSER);
    pausable.pause();
    emit('paused', [{ account_id: near.predecessorAccountId() }]);
  }

  @call({ payableFunction: true })
  unpause(): void {
    assertOneYocto();
    roles.assertRole(ROLE_PAUSER);
    pausable.unpause();
    emit('unpaused', [{ account_id: near.predecessorAccountId() }]);
  }

  @call({ payableFunction: true })
  grant_role({ role, account_id }: { role: string; account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    require(role === ROLE_ARBITER || role === ROLE_PAUSER, `TaskMarketplace: unknown role ${role}; roles are ${ROLE_ARBITER}, ${ROLE_PAUSER}`);
    roles.grantRole(role, assertAccountId(account_id, 'account_id'));
    emit('role_granted', [{ role, account_id }]);
  }

  @call({ payableFunction: true })
  revoke_role({ role, account_id }: { role: string; account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    roles.revokeRole(role, account_id);
    emit('role_revoked', [{ role, account_id }]);
  }

  // ------------------------------------------------------------ views

  @view({})
  get_limits(): Limits {
    return currentLimits();
  }

  @view({})
  get_project({ project_id }: { project_id: number }): Project | null {
    return findProject(project_id);
  }

  /** Projects by id, `limit` at most 100; `open_only` skips closed and expired ones. */
  @view({})
  list_projects({ from_index, limit, open_only }: { from_index?: number; limit?: number; open_only?: boolean }): Project[] {
    const [start, end] = pageBounds(from_index, limit, this.nextProjectId);
    const page: Project[] = [];
    for (let id = start; id < end; id++) {
      const project = findProject(id);
      if (project === null) continue;
      if (open_only === true && (project.closed || now() >= BigInt(project.deadline_ns))) continue;
      page.push(project);
    }
    return page;
  }

  @view({})
  get_item({ project_id, item_index }: { project_id: number; item_index: number }): Item | null {
    return findItem(project_id, item_index);
  }

  @view({})
  list_items({ project_id, from_index, limit }: { project_id: number; from_index?: number; limit?: number }): Item[] {
    const project = findProject(project_id);
    if (project === null) return [];
    const [start, end] = pageBounds(from_index, limit, project.item_count);
    const page: Item[] = [];
    for (let index = start; index < end; index++) page.push(findItem(project_id, index)!);
    return page;
  }

  /** Stats and slots ("my claims"; a slot whose until_ns has passed no longer counts), bounded by 20. */
  @view({})
  get_tasker({ account_id }: { account_id: string }): Tasker | null {
    return findTasker(account_id);
  }

  /** Tasker stats by registration order, for leaderboards (frontends sort a page). */
  @view({})
  list_taskers({ from_index, limit }: { from_index?: number; limit?: number }): Tasker[] {
    const [start, end] = pageBounds(from_index, limit, this.taskerIds.length);
    const page: Tasker[] = [];
    for (let i = start; i < end; i++) page.push(findTasker(readTaskerId(i))!);
    return page;
  }

  /** A tasker's gold answers on one vendor's items: what that vendor's gold gate reads. */
  @view({})
  get_gold_stats({ vendor_id, account_id }: { vendor_id: string; account_id: string }): GoldStats {
    return goldStats(vendor_id, account_id);
  }

  @view({})
  earnings_of({ account_id, token }: { account_id: string; token: string }): string {
    return earningsOf(account_id, token);
  }

  /** Per-token conservation figures: funded and paid (the rest is held as budgets, reserves and earnings). */
  @view({})
  get_ledger({ token }: { token: string }): Ledger {
    return ledgerOf(token);
  }
}

/**
 * The task marketplace (contracts/task-marketplace): projects funded in NEAR or a NEP-141 token,
 * items with sealed gold answers, claim / commit / reveal, consensus, review, disputes, earnings.
 * Gas defaults: the README's measured figures with headroom; `withdraw` needs ≥ 60 Tgas (100 here).
 * Deposits: 1 yoctoNEAR by default for the methods that move value or change control (add_items,
 * qualify_tasker, review, resolve_dispute, reclaim, set_limits, roles, pause, storage_withdraw).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Account } from 'near-api-js';
import { amountsIn, bindContract, call, listOf, privateCall, TGAS, toAmount, view, type Amount, type ContractClient } from './contract.js';

export const NEAR_TOKEN = 'NEAR';

export type ItemStatus = 'open' | 'revealing' | 'accepted' | 'review' | 'disputed' | 'final' | 'closed';
export type ClaimStatus = 'claimed' | 'committed' | 'revealed';
export type MarketplaceRole = 'arbiter' | 'pauser';

export interface Project {
  id: number;
  vendor: string;
  token: string;
  title: string;
  instructions_uri: string;
  instructions_hash: string;
  reward_per_item: bigint;
  reviewer_reward: bigint;
  redundancy: number;
  consensus: number;
  claim_ttl_ns: bigint;
  reveal_ttl_ns: bigint;
  dispute_ttl_ns: bigint;
  deadline_ns: bigint;
  reviewers: string[];
  min_gold_accuracy_bps: number;
  min_gold_answers: number;
  qualification_required: boolean;
  unallocated: bigint;
  reserved: bigint;
  credited: bigint;
  reclaimed: bigint;
  funded: bigint;
  item_count: number;
  closed: boolean;
}

export interface NewProject {
  token: string;
  title: string;
  instructions_uri: string;
  /** sha256 of the instructions, 64 lowercase hex characters. */
  instructions_hash: string;
  reward_per_item: Amount;
  reviewer_reward: Amount;
  redundancy: number;
  consensus: number;
  claim_ttl_ns: Amount;
  reveal_ttl_ns: Amount;
  dispute_ttl_ns: Amount;
  /** A block timestamp in ns. */
  deadline_ns: Amount;
  reviewers?: string[];
  min_gold_accuracy_bps?: number;
  min_gold_answers?: number;
  qualification_required?: boolean;
}

export interface NewItem {
  content: string;
  /** sha256("<expected>:<salt>") for a gold item; any random-looking sha256 otherwise. */
  seal: string;
}

export interface Claim {
  tasker: string;
  status: ClaimStatus;
  expires_at_ns: bigint;
  commitment: string | null;
  result: string | null;
  paid: boolean;
}

export interface Item {
  project_id: number;
  index: number;
  content: string;
  seal: string;
  status: ItemStatus;
  claims: Claim[];
  reveal_deadline_ns: bigint | null;
  accepted_result: string | null;
  finalized_at_ns: bigint | null;
  gold_expected: string | null;
  reserve: bigint;
}

/** A slot a tasker holds: the item ("<project>:<index>") and the time it frees at the latest. */
export interface ActiveClaim {
  item: string;
  until_ns: bigint;
}

export interface Tasker {
  account_id: string;
  accepted: number;
  rejected: number;
  /** Over all vendors, informational; gates read `get_gold_stats` per vendor. */
  gold_correct: number;
  gold_wrong: number;
  /** Entries whose `until_ns` has passed no longer count toward the 20-slot limit. */
  active_claims: ActiveClaim[];
}

/** A tasker's gold answers on one vendor's items. */
export interface GoldStats {
  correct: number;
  wrong: number;
}

/** Contract-level bounds of a window, in nanoseconds. */
export interface WindowLimits {
  min_ns: bigint;
  max_ns: bigint;
}

/** The owner's floors and ceilings for the windows a vendor chooses (`deadline`: time after creation). */
export interface Limits {
  claim_ttl: WindowLimits;
  reveal_ttl: WindowLimits;
  dispute_ttl: WindowLimits;
  deadline: WindowLimits;
}

export interface Ledger {
  funded: bigint;
  paid: bigint;
}

const PROJECT_AMOUNTS = ['reward_per_item', 'reviewer_reward', 'claim_ttl_ns', 'reveal_ttl_ns', 'dispute_ttl_ns', 'deadline_ns', 'unallocated', 'reserved', 'credited', 'reclaimed', 'funded'];
const project = amountsIn<Project>(PROJECT_AMOUNTS);
const claimRecord = amountsIn<Claim>(['expires_at_ns']);
const item = (raw: unknown): Item => {
  const decoded = amountsIn<Item>(['reveal_deadline_ns', 'finalized_at_ns', 'reserve'])(raw);
  return decoded === null ? decoded : { ...decoded, claims: decoded.claims.map(claimRecord) };
};
const storageTotal = amountsIn<{ total: bigint }>(['total']);
const activeClaim = amountsIn<ActiveClaim>(['until_ns']);
const tasker = (raw: unknown): Tasker => (raw === null ? (raw as unknown as Tasker) : { ...(raw as Tasker), active_claims: (raw as Tasker).active_claims.map(activeClaim) });
const windowLimits = amountsIn<WindowLimits>(['min_ns', 'max_ns']);
const limits = (raw: unknown): Limits => {
  const l = raw as Record<keyof Limits, unknown>;
  return { claim_ttl: windowLimits(l.claim_ttl), reveal_ttl: windowLimits(l.reveal_ttl), dispute_ttl: windowLimits(l.dispute_ttl), deadline: windowLimits(l.deadline) };
};

export const taskMarketplaceMethods = {
  init: call<{ owner_id: string; arbiter_id?: string | null }>(['owner_id', 'arbiter_id'], { gas: 100n * TGAS }),
  storage_deposit: call<{ account_id?: string | null }, { total: bigint }>(['account_id'], { gas: 30n * TGAS, deposit: 'caller-chooses', decode: storageTotal }),
  storage_withdraw: call<{ amount?: Amount | null }, { total: bigint }>(['amount'], { gas: 30n * TGAS, deposit: 1n, decode: storageTotal }),
  storage_balance_of: view<{ account_id: string }, { total: bigint } | null>(['account_id'], amountsIn(['total'])),
  register_tasker: call<Record<string, never>, Tasker>([], { gas: 30n * TGAS, decode: tasker }),
  create_project: call<NewProject, Project>(
    ['token', 'title', 'instructions_uri', 'instructions_hash', 'reward_per_item', 'reviewer_reward', 'redundancy', 'consensus', 'claim_ttl_ns', 'reveal_ttl_ns', 'dispute_ttl_ns', 'deadline_ns', 'reviewers', 'min_gold_accuracy_bps', 'min_gold_answers', 'qualification_required'],
    { gas: 30n * TGAS, decode: project },
  ),
  /** NEAR projects: attach the budget. Token projects are funded with the token's `ft_transfer_call` (msg `{"fund_project": id}`). */
  fund_project: call<{ project_id: number }, bigint>(['project_id'], { gas: 30n * TGAS, deposit: 'caller-chooses', decode: toAmount }),
  /** Called by the project's token in `ft_transfer_call`; not called directly. */
  ft_on_transfer: call<{ sender_id: string; amount: Amount; msg: string }, bigint>(['sender_id', 'amount', 'msg'], { gas: 30n * TGAS, decode: toAmount }),
  /** Up to 100 items (47.7 Tgas); returns the new item count. */
  add_items: call<{ project_id: number; items: NewItem[] }, number>(['project_id', 'items'], { gas: 100n * TGAS, deposit: 1n }),
  qualify_tasker: call<{ project_id: number; account_id: string }>(['project_id', 'account_id'], { gas: 30n * TGAS, deposit: 1n }),
  claim: call<{ project_id: number; item_index: number }, Claim>(['project_id', 'item_index'], { gas: 30n * TGAS, decode: claimRecord }),
  release_claim: call<{ project_id: number; item_index: number }>(['project_id', 'item_index'], { gas: 30n * TGAS }),
  /** `commitment` = sha256("<project_id>:<item_index>:<tasker>:<result>:<salt>"), see `commitmentOf`. */
  submit: call<{ project_id: number; item_index: number; commitment: string }>(['project_id', 'item_index', 'commitment'], { gas: 30n * TGAS }),
  /** Returns the item's status after this reveal (the last one settles the item: up to 21.8 Tgas). */
  reveal: call<{ project_id: number; item_index: number; result: string; salt: string }, ItemStatus>(['project_id', 'item_index', 'result', 'salt'], { gas: 50n * TGAS }),
  finalize_item: call<{ project_id: number; item_index: number }, ItemStatus>(['project_id', 'item_index'], { gas: 50n * TGAS }),
  review: call<{ project_id: number; item_index: number; result: string }>(['project_id', 'item_index', 'result'], { gas: 50n * TGAS, deposit: 1n }),
  reveal_gold: call<{ project_id: number; item_index: number; expected: string; salt: string }>(['project_id', 'item_index', 'expected', 'salt'], { gas: 50n * TGAS }),
  dispute: call<{ project_id: number; item_index: number }>(['project_id', 'item_index'], { gas: 30n * TGAS }),
  resolve_dispute: call<{ project_id: number; item_index: number; uphold: boolean; result?: string | null }>(['project_id', 'item_index', 'uphold', 'result'], { gas: 50n * TGAS, deposit: 1n }),
  /** Sends all earnings in `token` ("NEAR" or the token contract); true when the transfer succeeded (false: earnings restored). */
  withdraw: call<{ token: string }, boolean>(['token'], { gas: 100n * TGAS }),
  on_withdraw: privateCall(['account_id', 'token', 'amount']),
  /** After deadline + dispute period: returns the amount credited back to the vendor. */
  reclaim: call<{ project_id: number; from_index?: number; limit?: number }, bigint>(['project_id', 'from_index', 'limit'], { gas: 150n * TGAS, deposit: 1n, decode: toAmount }),
  /** Owner: the floor and ceiling of each window new projects may choose. */
  set_limits: call<{ limits: Limits }, Limits>(['limits'], { gas: 30n * TGAS, deposit: 1n, decode: limits }),
  pause: call([], { gas: 30n * TGAS, deposit: 1n }),
  unpause: call([], { gas: 30n * TGAS, deposit: 1n }),
  grant_role: call<{ role: MarketplaceRole; account_id: string }>(['role', 'account_id'], { gas: 30n * TGAS, deposit: 1n }),
  revoke_role: call<{ role: MarketplaceRole; account_id: string }>(['role', 'account_id'], { gas: 30n * TGAS, deposit: 1n }),
  get_limits: view<Record<string, never>, Limits>([], limits),
  get_project: view<{ project_id: number }, Project | null>(['project_id'], project),
  list_projects: view<{ from_index?: number; limit?: number; open_only?: boolean }, Project[]>(['from_index', 'limit', 'open_only'], listOf(project)),
  get_item: view<{ project_id: number; item_index: number }, Item | null>(['project_id', 'item_index'], (raw) => (raw === null ? null : item(raw))),
  list_items: view<{ project_id: number; from_index?: number; limit?: number }, Item[]>(['project_id', 'from_index', 'limit'], listOf(item)),
  get_tasker: view<{ account_id: string }, Tasker | null>(['account_id'], tasker),
  list_taskers: view<{ from_index?: number; limit?: number }, Tasker[]>(['from_index', 'limit'], listOf(tasker)),
  get_gold_stats: view<{ vendor_id: string; account_id: string }, GoldStats>(['vendor_id', 'account_id']),
  earnings_of: view<{ account_id: string; token: string }, bigint>(['account_id', 'token'], toAmount),
  get_ledger: view<{ token: string }, Ledger>(['token'], amountsIn<Ledger>(['funded', 'paid'])),
} as const;

export type TaskMarketplaceClient = ContractClient<typeof taskMarketplaceMethods>;

export function taskMarketplace(account: Account, contractId: string): TaskMarketplaceClient {
  return bindContract(taskMarketplaceMethods, account, contractId);
}

export const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));

/**
 * A tasker's commitment, bound to the item and the tasker (a copied hash never opens for another
 * account): sha256("<project_id>:<item_index>:<tasker>:<result>:<salt>") in lowercase hex.
 */
export const commitmentOf = (projectId: number, itemIndex: number, tasker: string, result: string, salt: string): string =>
  sha256Hex(`${projectId}:${itemIndex}:${tasker}:${result}:${salt}`);

/** A gold item's seal, the vendor's commitment to the expected answer: sha256("<expected>:<salt>"). */
export const sealOf = (expected: string, salt: string): string => sha256Hex(`${expected}:${salt}`);

/**
 * The marketplace's records, as stored (plain JSON) and as the views return them. Amounts and
 * times are decimal strings (u128 yoctoNEAR or token units; nanoseconds).
 */

/**
 * open → revealing (all k committed) → accepted (m agree) or review → accepted (reviewed).
 * An accepted item holds the rewards of its unpaid revealed results until its dispute period
 * ends (finalize_item → final) or a dispute is resolved (→ final). closed: closed by reclaim
 * (open items unpaid; items in review with every revealed result paid).
 */
export type ItemStatus = 'open' | 'revealing' | 'review' | 'accepted' | 'disputed' | 'final' | 'closed';
export type ClaimStatus = 'claimed' | 'committed' | 'revealed';

export interface Project {
  id: number;
  vendor: string;
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
  reviewers: string[];
  /** Vendor-set gate on the tasker's gold answers in this vendor's projects (reputation.ts). */
  min_gold_accuracy_bps: number;
  min_gold_answers: number;
  /** When true, only taskers the vendor qualified may claim. */
  qualification_required: boolean;
  /** Escrow, always funded = unallocated + reserved + credited + reclaimed (escrow.ts). */
  funded: string;
  /** Budget not yet reserved for items. */
  unallocated: string;
  /** Rewards reserved for added items and not yet credited or released (= Σ item.reserve). */
  reserved: string;
  /** Everything credited to taskers and reviewers from this project. */
  credited: string;
  /** Everything credited back to the vendor by reclaim. */
  reclaimed: string;
  item_count: number;
  closed: boolean;
}

export interface Claim {
  tasker: string;
  status: ClaimStatus;
  /** While the item is open, the claim (committed or not) lapses after this time. */
  expires_at_ns: string;
  commitment: string | null;
  result: string | null;
  paid: boolean;
}

export interface Item {
  project_id: number;
  index: number;
  content: string;
  /** sha256("<expected>:<salt>") for gold items; a random-looking hash for the others. */
  seal: string;
  status: ItemStatus;
  claims: Claim[];
  reveal_deadline_ns: string | null;
  accepted_result: string | null;
  finalized_at_ns: string | null;
  gold_expected: string | null;
  /** Reserved reward still held for this item. */
  reserve: string;
}

/** A slot a tasker holds: the item ("<project>:<index>") and when it frees at the latest. */
export interface ActiveClaim {
  item: string;
  until_ns: string;
}

export interface Tasker {
  account_id: string;
  accepted: number;
  rejected: number;
  /** Gold answers over all vendors: informational only, never gates a claim (see GoldStats). */
  gold_correct: number;
  gold_wrong: number;
  active_claims: ActiveClaim[];
}

/** A tasker's gold answers on one vendor's items: what that vendor's projects gate on. */
export interface GoldStats {
  correct: number;
  wrong: number;
}

export interface Ledger {
  funded: string;
  paid: string;
}

/** Contract-level bounds of a window a vendor chooses, in nanoseconds. */
export interface WindowLimits {
  min_ns: string;
  max_ns: string;
}

export interface Limits {
  claim_ttl: WindowLimits;
  reveal_ttl: WindowLimits;
  dispute_ttl: WindowLimits;
  /** How far after creation a project's deadline may be. */
  deadline: WindowLimits;
}

export interface NewItem {
  content: string;
  seal: string;
}

/** What the contract keeps in STATE; modules that add projects or taskers take it. */
export interface MarketState {
  nextProjectId: number;
  taskerIds: { prefix: string; length: number };
}

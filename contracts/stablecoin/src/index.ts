/**
 * A USD stablecoin: NEP-141 fungible token with NEP-145 storage management, NEP-148 metadata,
 * NEP-297 events and NEP-330 source metadata, plus the issuer controls of a regulated stablecoin
 * (Circle FiatToken design): two-step ownership, a master minter that configures minters with
 * allowances, pause, blacklist, batch transfers for payouts and role-gated, time-locked upgrades
 * (stage the code, apply it after the owner's delay).
 *
 * Every rule that fails panics with `Stablecoin: <rule broken>` (or the lib module's own prefix)
 * and leaves state unchanged. Method table with deposits, gas and errors: ../README.md.
 */
import { NearBindgen, call, view, initialize, near, LookupMap, LookupSet, NearPromise, encode } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { parseAccountId } from '../../lib/account-id';
import { parseAmount, parsePositiveAmount, checkedAdd, checkedSub } from '../../lib/amount';
import { assertAtLeastOneYocto, assertInitBySelf, assertOneYocto, assertPrivate } from '../../lib/guards';
import { emitEvent, eventEmitter, eventLine } from '../../lib/events';
import * as ownable from '../../lib/ownable';
import * as pausable from '../../lib/pausable';
import * as roles from '../../lib/access-control';
import { storageCost, refund } from '../../lib/storage';
import * as timelock from '../../lib/timelocked-upgrade';

const TGAS = 1_000_000_000_000n;
/** Gas kept for ft_resolve_transfer when forwarding to ft_on_transfer. */
const GAS_FOR_RESOLVE_TRANSFER = 20n * TGAS;
/** ft_transfer_call needs this much prepaid gas: its own work, the receiver call and the resolver. */
const GAS_FOR_FT_TRANSFER_CALL = 60n * TGAS;
/** Gas for the migrate call scheduled by apply_upgrade. */
const GAS_FOR_MIGRATE = 100n * TGAS;
/**
 * nearcore's max_total_log_length: all logs of one receipt together. A batch's NEP-297 event
 * must fit, which bounds a batch by its account ids' length (~200 short ids, ~95 of 64 chars).
 */
const MAX_TOTAL_LOG_LENGTH = 16_384;
/** The largest batch_transfer accepted; within this, the event size is the binding limit. */
const MAX_BATCH_TRANSFER = 400;

const STATE_VERSION = 1;

const ROLE_MASTER_MINTER = 'master_minter';
const ROLE_PAUSER = 'pauser';
const ROLE_BLACKLISTER = 'blacklister';
const ROLE_UPGRADER = 'upgrader';
const ROLES = [ROLE_MASTER_MINTER, ROLE_PAUSER, ROLE_BLACKLISTER, ROLE_UPGRADER];

/** The 64-character account id used to measure the storage of the largest possible registration. */
const LONGEST_ACCOUNT_ID = 'a'.repeat(64);

const emitControl = eventEmitter('stablecoin', '1.0.0');

interface FungibleTokenMetadata {
  spec: string;
  name: string;
  symbol: string;
  icon: string | null;
  reference: string | null;
  reference_hash: string | null;
  decimals: number;
}

interface StorageBalance {
  total: string;
  available: string;
}

interface Transfer {
  receiver_id: string;
  amount: string;
  memo?: string | null;
}

const DEFAULT_ICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Ccircle cx='16' cy='16' r='16' fill='%232775CA'/%3E%3Ctext x='16' y='22' font-size='16' text-anchor='middle' fill='white'%3E%24%3C/text%3E%3C/svg%3E";

function ftEvent(event: 'ft_mint' | 'ft_burn' | 'ft_transfer', entries: Record<string, unknown>[]): void {
  emitEvent('nep141', '1.0.0', event, entries);
}

function withMemo(entry: Record<string, unknown>, memo?: string | null): Record<string, unknown> {
  if (memo !== undefined && memo !== null) entry.memo = memo;
  return entry;
}

function assertAccountId(value: unknown, field: string): string {
  return parseAccountId(value, `Stablecoin: ${field}`);
}

function assertMemo(memo: unknown): string | null {
  if (memo === undefined || memo === null) return null;
  if (typeof memo !== 'string') panic('Stablecoin: memo must be a string');
  if (memo.length > 256) panic('Stablecoin: memo longer than 256 characters');
  return memo;
}

@NearBindgen({ requireInit: true })
export class Stablecoin {
  stateVersion = STATE_VERSION;
  totalSupply = '0';
  /** Bytes one registration adds, measured at init with the longest account id. */
  accountStorageUsage = '0';
  metadata: FungibleTokenMetadata = {
    spec: 'ft-1.0.0',
    name: '',
    symbol: '',
    icon: null,
    reference: null,
    reference_hash: null,
    decimals: 6,
  };
  /** account id -> balance (decimal string). Presence means registered (NEP-145). */
  balances: LookupMap<string> = new LookupMap<string>('b');
  /** minter id -> remaining mint allowance (decimal string). */
  minters: LookupMap<string> = new LookupMap<string>('m');
  blacklist: LookupSet<string> = new LookupSet<string>('x');

  @initialize({})
  init({ owner_id, metadata }: { owner_id: string; metadata?: Partial<FungibleTokenMetadata> }): void {
    assertInitBySelf();
    ownable.initOwner(assertAccountId(owner_id, 'owner_id'));
    this.metadata = {
      spec: 'ft-1.0.0',
      name: metadata?.name ?? 'Example USD',
      symbol: metadata?.symbol ?? 'USDX',
      icon: metadata?.icon ?? DEFAULT_ICON,
      reference: metadata?.reference ?? null,
      reference_hash: metadata?.reference_hash ?? null,
      decimals: metadata?.decimals ?? 6,
    };
    require((this.metadata.reference === null) === (this.metadata.reference_hash === null), 'Stablecoin: reference and reference_hash go together');
    const before = near.storageUsage();
    this.balances.set(LONGEST_ACCOUNT_ID, '340282366920938463463374607431768211455');
    this.accountStorageUsage = (near.storageUsage() - before).toString();
    this.balances.remove(LONGEST_ACCOUNT_ID);
  }

  // ---------------------------------------------------------------- NEP-141

  @call({ payableFunction: true })
  ft_transfer({ receiver_id, amount, memo }: { receiver_id: string; amount: string; memo?: string | null }): void {
    assertOneYocto();
    const sender = near.predecessorAccountId();
    const value = parsePositiveAmount(amount);
    const note = assertMemo(memo);
    this.transfer(sender, assertAccountId(receiver_id, 'receiver_id'), value);
    ftEvent('ft_transfer', [withMemo({ old_owner_id: sender, new_owner_id: receiver_id, amount: value.toString() }, note)]);
  }

  @call({ payableFunction: true })
  ft_transfer_call({ receiver_id, amount, memo, msg }: { receiver_id: string; amount: string; memo?: string | null; msg: string }): NearPromise {
    assertOneYocto();
    require(typeof msg === 'string', 'Stablecoin: msg must be a string');
    require(near.prepaidGas() >= GAS_FOR_FT_TRANSFER_CALL, `Stablecoin: ft_transfer_call needs at least ${GAS_FOR_FT_TRANSFER_CALL / TGAS} Tgas`);
    const sender = near.predecessorAccountId();
    const value = parsePositiveAmount(amount);
    const note = assertMemo(memo);
    this.transfer(sender, assertAccountId(receiver_id, 'receiver_id'), value);
    ftEvent('ft_transfer', [withMemo({ old_owner_id: sender, new_owner_id: receiver_id, amount: value.toString() }, note)]);
    const receiverGas = near.prepaidGas() - near.usedGas() - GAS_FOR_RESOLVE_TRANSFER - 5n * TGAS;
    return NearPromise.new(receiver_id)
      .functionCall('ft_on_transfer', JSON.stringify({ sender_id: sender, amount: value.toString(), msg }), 0n, receiverGas)
      .then(
        NearPromise.new(near.currentAccountId()).functionCall(
          'ft_resolve_transfer',
          JSON.stringify({ sender_id: sender, receiver_id, amount: value.toString() }),
          0n,
          GAS_FOR_RESOLVE_TRANSFER,
        ),
      );
  }

  /**
   * Private callback of ft_transfer_call. Returns the amount the receiver kept. Refunds
   * min(unused, receiver balance) to the sender, except that funds never leave a blacklisted
   * receiver (that would unfreeze them); a refund to a sender who unregistered meanwhile is burnt.
   */
  @call({ privateFunction: true })
  ft_resolve_transfer({ sender_id, receiver_id, amount }: { sender_id: string; receiver_id: string; amount: string }): string {
    assertPrivate();
    const value = parseAmount(amount);
    // NEP-141: a failed receiver call, or an answer that is not a u128 string, means all unused.
    const reported = readUnusedAmount();
    const unused = reported === null || reported > value ? value : reported;
    if (unused === 0n) return value.toString();

    if (this.blacklist.contains(receiver_id)) {
      near.log(`Stablecoin: refund of ${unused} withheld, receiver ${receiver_id} is blacklisted`);
      return value.toString();
    }
    const receiverBalance = this.balances.get(receiver_id);
    if (receiverBalance === null) return value.toString();
    const refund = unused < BigInt(receiverBalance) ? unused : BigInt(receiverBalance);
    if (refund === 0n) return value.toString();
    this.balances.set(receiver_id, (BigInt(receiverBalance) - refund).toString());

    const senderBalance = this.balances.get(sender_id);
    if (senderBalance === null) {
      this.totalSupply = (BigInt(this.totalSupply) - refund).toString();
      ftEvent('ft_burn', [{ owner_id: receiver_id, amount: refund.toString(), memo: 'refund for unregistered sender' }]);
    } else {
      this.balances.set(sender_id, (BigInt(senderBalance) + refund).toString());
      ftEvent('ft_transfer', [{ old_owner_id: receiver_id, new_owner_id: sender_id, amount: refund.toString(), memo: 'refund' }]);
    }
    return (value - refund).toString();
  }

  @view({})
  ft_total_supply(): string {
    return this.totalSupply;
  }

  @view({})
  ft_balance_of({ account_id }: { account_id: string }): string {
    return this.balances.get(account_id) ?? '0';
  }

  @view({})
  ft_metadata(): FungibleTokenMetadata {
    return this.metadata;
  }

  /** Pays many receivers from the caller's balance in one call (payouts), all or nothing, with one NEP-297 event. */
  @call({ payableFunction: true })
  batch_transfer({ transfers }: { transfers: Transfer[] }): void {
    assertOneYocto();
    require(Array.isArray(transfers) && transfers.length > 0, 'Stablecoin: transfers must be a non-empty array');
    require(transfers.length <= MAX_BATCH_TRANSFER, `Stablecoin: at most ${MAX_BATCH_TRANSFER} transfers per batch`);
    const sender = near.predecessorAccountId();
    this.assertCanSend(sender);
    let senderBalance = this.balanceOfRegistered(sender, 'Stablecoin: sender not registered');
    const credits = new Map<string, bigint>();
    const entries: Record<string, unknown>[] = [];
    let total = 0n;
    for (const transfer of transfers) {
      const receiver = assertAccountId(transfer?.receiver_id, 'receiver_id');
      const value = parsePositiveAmount(transfer.amount);
      const note = assertMemo(transfer.memo);
      require(receiver !== sender, 'Stablecoin: sender and receiver must differ');
      total = checkedAdd(total, value, 'batch total');
      credits.set(receiver, (credits.get(receiver) ?? 0n) + value);
      entries.push(withMemo({ old_owner_id: sender, new_owner_id: receiver, amount: value.toString() }, note));
    }
    const event = eventLine('nep141', '1.0.0', 'ft_transfer', entries);
    const eventLength = encode(event).length;
    require(eventLength <= MAX_TOTAL_LOG_LENGTH, `Stablecoin: the batch's ft_transfer event would be ${eventLength} bytes, above the ${MAX_TOTAL_LOG_LENGTH}-byte log limit of one receipt; split the batch`);
    senderBalance = checkedSub(senderBalance, total, 'Stablecoin: insufficient balance');
    for (const [receiver, value] of credits) {
      this.assertCanReceive(receiver);
      const balance = this.balanceOfRegistered(receiver, `Stablecoin: receiver not registered: ${receiver}`);
      this.balances.set(receiver, checkedAdd(balance, value, 'balance').toString());
    }
    this.balances.set(sender, senderBalance.toString());
    near.log(event);
  }

  // ---------------------------------------------------------------- NEP-145

  @call({ payableFunction: true })
  // min == max, so registration_only changes nothing: a new account is charged the minimum and
  // refunded the rest, a registered one gets its whole deposit back.
  storage_deposit({ account_id }: { account_id?: string | null; registration_only?: boolean | null }): StorageBalance {
    const accountId = account_id ? assertAccountId(account_id, 'account_id') : near.predecessorAccountId();
    const deposit = near.attachedDeposit();
    const minimum = this.storageMinimum();
    if (this.balances.containsKey(accountId)) {
      // Registration costs a fixed amount (min == max), so a repeated deposit is returned in full.
      refund(near.predecessorAccountId(), deposit);
    } else {
      require(deposit >= minimum, `Stablecoin: attached deposit is less than the minimum storage balance ${minimum}`);
      this.balances.set(accountId, '0');
      refund(near.predecessorAccountId(), deposit - minimum);
      emitControl('storage_register', [{ account_id: accountId }]);
    }
    return { total: minimum.toString(), available: '0' };
  }

  /** Nothing above the minimum is ever held, so only amount 0 (or none) can be withdrawn. */
  @call({ payableFunction: true })
  storage_withdraw({ amount }: { amount?: string | null }): StorageBalance {
    assertOneYocto();
    const accountId = near.predecessorAccountId();
    require(this.balances.containsKey(accountId), 'Stablecoin: account not registered');
    if (amount !== undefined && amount !== null && parseAmount(amount) > 0n) {
      panic('Stablecoin: amount exceeds the available storage balance 0');
    }
    return { total: this.storageMinimum().toString(), available: '0' };
  }

  /**
   * Removes the caller's registration and returns its storage deposit. With a token balance it
   * panics unless `force`, which burns the balance. A blacklisted account cannot unregister.
   */
  @call({ payableFunction: true })
  storage_unregister({ force }: { force?: boolean | null }): boolean {
    assertOneYocto();
    const accountId = near.predecessorAccountId();
    const balance = this.balances.get(accountId);
    if (balance === null) return false;
    require(!this.blacklist.contains(accountId), 'Stablecoin: account is blacklisted');
    const value = BigInt(balance);
    if (value > 0n) {
      require(force === true, 'Stablecoin: account has a positive balance; pass force=true to burn it');
      this.totalSupply = (BigInt(this.totalSupply) - value).toString();
      ftEvent('ft_burn', [{ owner_id: accountId, amount: value.toString(), memo: 'storage_unregister' }]);
    }
    this.balances.remove(accountId);
    refund(accountId, this.storageMinimum() + 1n);
    emitControl('storage_unregister', [{ account_id: accountId, burnt: value.toString() }]);
    return true;
  }

  @view({})
  storage_balance_bounds(): { min: string; max: string } {
    const minimum = this.storageMinimum().toString();
    return { min: minimum, max: minimum };
  }

  @view({})
  storage_balance_of({ account_id }: { account_id: string }): StorageBalance | null {
    if (!this.balances.containsKey(account_id)) return null;
    return { total: this.storageMinimum().toString(), available: '0' };
  }

  // ---------------------------------------------------------------- NEP-330

  @view({})
  contract_source_metadata(): { version: string; link: string; standards: { standard: string; version: string }[] } {
    return {
      version: '1.0.0',
      link: 'contracts/stablecoin',
      standards: [
        { standard: 'nep141', version: '1.0.0' },
        { standard: 'nep145', version: '1.0.0' },
        { standard: 'nep148', version: '1.0.0' },
        { standard: 'nep297', version: '1.0.0' },
        { standard: 'nep330', version: '1.1.0' },
      ],
    };
  }

  // ---------------------------------------------------------------- issuer controls

  @view({})
  owner(): string {
    return ownable.owner();
  }

  @view({})
  proposed_owner(): string | null {
    return ownable.proposedOwner();
  }

  @call({ payableFunction: true })
  propose_owner({ account_id }: { account_id: string | null }): void {
    assertOneYocto();
    const proposed = account_id === null ? null : assertAccountId(account_id, 'account_id');
    ownable.proposeOwner(proposed, {
      onProposed: (owner, next) => emitControl('owner_proposed', [{ owner_id: owner, proposed_owner_id: next }]),
    });
  }

  @call({ payableFunction: true })
  accept_ownership(): void {
    assertOneYocto();
    ownable.acceptOwnership({
      onTransferred: (previous, owner) => emitControl('owner_transferred', [{ previous_owner_id: previous, owner_id: owner }]),
    });
  }

  @call({ payableFunction: true })
  grant_role({ role, account_id }: { role: string; account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    require(ROLES.includes(role), `Stablecoin: unknown role ${role}; roles are ${ROLES.join(', ')}`);
    roles.grantRole(role, assertAccountId(account_id, 'account_id'));
    emitControl('role_granted', [{ role, account_id }]);
  }

  @call({ payableFunction: true })
  revoke_role({ role, account_id }: { role: string; account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    require(ROLES.includes(role), `Stablecoin: unknown role ${role}; roles are ${ROLES.join(', ')}`);
    roles.revokeRole(role, account_id);
    emitControl('role_revoked', [{ role, account_id }]);
  }

  @view({})
  has_role({ role, account_id }: { role: string; account_id: string }): boolean {
    return roles.hasRole(role, account_id);
  }

  /** Master minter: adds a minter or sets its allowance (not a delta). Blocked while paused. */
  @call({ payableFunction: true })
  configure_minter({ account_id, allowance }: { account_id: string; allowance: string }): void {
    assertOneYocto();
    pausable.assertNotPaused();
    roles.assertRole(ROLE_MASTER_MINTER);
    const value = parseAmount(allowance, 'allowance');
    this.minters.set(assertAccountId(account_id, 'account_id'), value.toString());
    emitControl('minter_configured', [{ account_id, allowance: value.toString() }]);
  }

  @call({ payableFunction: true })
  remove_minter({ account_id }: { account_id: string }): void {
    assertOneYocto();
    roles.assertRole(ROLE_MASTER_MINTER);
    require(this.minters.containsKey(account_id), 'Stablecoin: account is not a minter');
    this.minters.remove(account_id);
    emitControl('minter_removed', [{ account_id }]);
  }

  @view({})
  minter_allowance({ account_id }: { account_id: string }): string | null {
    return this.minters.get(account_id);
  }

  /** Minter: mints to a registered, non-blacklisted account, spending the minter's allowance. */
  @call({ payableFunction: true })
  mint({ account_id, amount, memo }: { account_id: string; amount: string; memo?: string | null }): void {
    assertOneYocto();
    pausable.assertNotPaused();
    const minter = near.predecessorAccountId();
    const allowance = this.minters.get(minter);
    require(allowance !== null, 'Stablecoin: caller is not a minter');
    require(!this.blacklist.contains(minter), 'Stablecoin: minter is blacklisted');
    const value = parsePositiveAmount(amount);
    const note = assertMemo(memo);
    const receiver = assertAccountId(account_id, 'account_id');
    this.assertCanReceive(receiver);
    const remaining = checkedSub(BigInt(allowance), value, 'Stablecoin: mint exceeds minter allowance');
    const balance = this.balanceOfRegistered(receiver, 'Stablecoin: receiver not registered');
    this.balances.set(receiver, checkedAdd(balance, value, 'balance').toString());
    this.totalSupply = checkedAdd(BigInt(this.totalSupply), value, 'total supply').toString();
    this.minters.set(minter, remaining.toString());
    ftEvent('ft_mint', [withMemo({ owner_id: receiver, amount: value.toString() }, note)]);
  }

  /** Minter: burns from its own balance. Does not restore the allowance (FiatToken rule). */
  @call({ payableFunction: true })
  burn({ amount, memo }: { amount: string; memo?: string | null }): void {
    assertOneYocto();
    pausable.assertNotPaused();
    const minter = near.predecessorAccountId();
    require(this.minters.containsKey(minter), 'Stablecoin: caller is not a minter');
    require(!this.blacklist.contains(minter), 'Stablecoin: minter is blacklisted');
    const value = parsePositiveAmount(amount);
    const note = assertMemo(memo);
    const balance = this.balanceOfRegistered(minter, 'Stablecoin: sender not registered');
    this.balances.set(minter, checkedSub(balance, value, 'Stablecoin: insufficient balance').toString());
    this.totalSupply = (BigInt(this.totalSupply) - value).toString();
    ftEvent('ft_burn', [withMemo({ owner_id: minter, amount: value.toString() }, note)]);
  }

  @call({ payableFunction: true })
  pause(): void {
    assertOneYocto();
    roles.assertRole(ROLE_PAUSER);
    pausable.pause();
    emitControl('paused', [{ account_id: near.predecessorAccountId() }]);
  }

  @call({ payableFunction: true })
  unpause(): void {
    assertOneYocto();
    roles.assertRole(ROLE_PAUSER);
    pausable.unpause();
    emitControl('unpaused', [{ account_id: near.predecessorAccountId() }]);
  }

  @view({})
  is_paused(): boolean {
    return pausable.isPaused();
  }

  @call({ payableFunction: true })
  blacklist_account({ account_id }: { account_id: string }): void {
    assertOneYocto();
    roles.assertRole(ROLE_BLACKLISTER);
    const accountId = assertAccountId(account_id, 'account_id');
    require(!this.blacklist.contains(accountId), 'Stablecoin: account is already blacklisted');
    this.blacklist.set(accountId);
    emitControl('blacklisted', [{ account_id: accountId }]);
  }

  @call({ payableFunction: true })
  unblacklist_account({ account_id }: { account_id: string }): void {
    assertOneYocto();
    roles.assertRole(ROLE_BLACKLISTER);
    require(this.blacklist.contains(account_id), 'Stablecoin: account is not blacklisted');
    this.blacklist.remove(account_id);
    emitControl('unblacklisted', [{ account_id }]);
  }

  @view({})
  is_blacklisted({ account_id }: { account_id: string }): boolean {
    return this.blacklist.contains(account_id);
  }

  @view({})
  state_version(): number {
    return this.stateVersion;
  }

  // ---------------------------------------------------------------- time-locked upgrades

  /**
   * Upgrader, step 2: once the staged upgrade's delay has passed, deploys its code and calls
   * `migrate` on it in one batch, so a failed migration reverts the deploy (the staged code is gone
   * either way: stage it again).
   */
  @call({ payableFunction: true })
  apply_upgrade(): void {
    assertOneYocto();
    roles.assertRole(ROLE_UPGRADER);
    const { staged, code } = timelock.takeReadyCode();
    const promise = near.promiseBatchCreate(near.currentAccountId());
    near.promiseBatchActionDeployContract(promise, code);
    near.promiseBatchActionFunctionCall(promise, 'migrate', '{}', 0n, GAS_FOR_MIGRATE);
    emitControl('upgraded', [{ account_id: near.predecessorAccountId(), code_hash: staged.code_hash, code_size: staged.code_size }]);
    near.promiseReturn(promise);
  }

  /** Upgrader or owner: drops the staged upgrade and returns its storage deposit to whoever staged it. */
  @call({ payableFunction: true })
  cancel_upgrade(): void {
    assertOneYocto();
    const caller = near.predecessorAccountId();
    if (!ownable.isOwner(caller)) roles.assertRole(ROLE_UPGRADER);
    const staged = timelock.cancel();
    emitControl('upgrade_cancelled', [{ account_id: caller, code_hash: staged.code_hash }]);
  }

  /** Owner: the delay between staging and applying later upgrades, from 1 hour to 30 days (default 48 hours). */
  @call({ payableFunction: true })
  set_upgrade_delay({ delay_ns }: { delay_ns: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    const delay = timelock.setUpgradeDelay(delay_ns);
    emitControl('upgrade_delay_set', [{ delay_ns: delay.toString() }]);
  }

  @view({})
  upgrade_delay(): { delay_ns: string; min_ns: string; max_ns: string } {
    return { delay_ns: timelock.upgradeDelay().toString(), min_ns: timelock.MIN_UPGRADE_DELAY_NS.toString(), max_ns: timelock.MAX_UPGRADE_DELAY_NS.toString() };
  }

  @view({})
  staged_upgrade(): timelock.StagedUpgrade | null {
    return timelock.stagedUpgrade();
  }

  // ---------------------------------------------------------------- internals

  private storageMinimum(): bigint {
    return storageCost(BigInt(this.accountStorageUsage));
  }

  private balanceOfRegistered(accountId: string, message: string): bigint {
    const balance = this.balances.get(accountId);
    if (balance === null) panic(message);
    return BigInt(balance);
  }

  private assertCanSend(sender: string): void {
    pausable.assertNotPaused();
    require(!this.blacklist.contains(sender), 'Stablecoin: sender is blacklisted');
  }

  private assertCanReceive(receiver: string): void {
    require(!this.blacklist.contains(receiver), 'Stablecoin: receiver is blacklisted');
  }

  private transfer(sender: string, receiver: string, value: bigint): void {
    require(sender !== receiver, 'Stablecoin: sender and receiver must differ');
    this.assertCanSend(sender);
    this.assertCanReceive(receiver);
    const senderBalance = this.balanceOfRegistered(sender, 'Stablecoin: sender not registered');
    const receiverBalance = this.balanceOfRegistered(receiver, 'Stablecoin: receiver not registered');
    this.balances.set(sender, checkedSub(senderBalance, value, 'Stablecoin: insufficient balance').toString());
    this.balances.set(receiver, checkedAdd(receiverBalance, value, 'balance').toString());
  }
}

/**
 * Reads promise result 0 as a NEP-141 unused amount: null when the receiver call failed or
 * answered something that is not a u128 decimal string.
 */
function readUnusedAmount(): bigint | null {
  if (near.promiseResultsCount() !== 1n) return null;
  let raw: string;
  try {
    // near-sdk-js signals a Failed result (promise_result status 2) by throwing.
    raw = near.promiseResult(0);
  } catch (_) {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'string' && /^(0|[1-9][0-9]{0,38})$/.test(parsed)) return BigInt(parsed);
  } catch (_) {
    // not JSON: treated as all unused
  }
  return null;
}

/**
 * Upgrader only, step 1 of an upgrade: stages the Wasm given as the raw call input (not JSON; a
 * plain export, because near-sdk-js parses decorated methods' input as JSON). Attach at least the
 * staged code's storage (10^19 yoctoNEAR per byte; the excess is refunded, and the deposit comes
 * back on apply or cancel), so a function-call key can never stage code. `apply_upgrade` deploys it
 * once the owner's delay has passed.
 */
export function stage_upgrade(): void {
  assertAtLeastOneYocto();
  roles.assertRole(ROLE_UPGRADER);
  const staged = timelock.stage(near.inputRaw());
  emitControl('upgrade_staged', [staged]);
}

/**
 * Called by `apply_upgrade` on the freshly deployed code, in the same receipt batch. Brings stored state
 * to this code's STATE_VERSION; balances and other collections live under their own keys and are
 * untouched. Private: only the contract itself can call it.
 */
export function migrate(): void {
  assertPrivate();
  const raw = near.storageRead('STATE');
  require(raw !== null, 'Stablecoin: nothing to migrate');
  const state = JSON.parse(raw);
  require(typeof state.stateVersion === 'number' && state.stateVersion <= STATE_VERSION, 'Stablecoin: stored state is newer than this code');
  const from = state.stateVersion;
  state.stateVersion = STATE_VERSION;
  near.storageWrite('STATE', JSON.stringify(state));
  emitControl('migrated', [{ from_version: from, to_version: STATE_VERSION }]);
}

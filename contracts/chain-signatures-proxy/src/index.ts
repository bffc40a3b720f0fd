/**
 * Chain-signature request proxy: lets an application, DAO or AI agent request signatures from
 * NEAR's MPC signer (`v1.signer`, `v1.signer-prod.testnet`) for its users, under its own rules.
 *
 * - Each user signs only with their own keys: the path sent to the signer is
 *   `<user account id>,<user path>`, and user paths may not contain `,` or control characters,
 *   so no user can reach another's namespace. The signer sees this contract as predecessor, so a
 *   user's foreign address is derive(root, <proxy account>, "<user>,<path>").
 * - Policies: optional allow-list of callers, a quota of requests per user per period, an
 *   optional fee in NEAR (attached) or in a NEP-141 token (prepaid with ft_transfer_call, kept per
 *   token: a prepaid balance is never re-denominated when the fee token changes), pause.
 * - Users pay the storage of their records (usage, prepaid fees): from a storage balance
 *   (storage_deposit) or, for the usage record, from the deposit attached to their first request.
 * - The request is forwarded with the 1 yoctoNEAR and gas the signer requires; the callback
 *   returns the signature to the caller, or refunds the fee and fails on a signer failure or
 *   timeout.
 *
 * Rules fail with `ChainSignaturesProxy: <rule broken>`. Method table: ../README.md.
 */
import { NearBindgen, call, view, initialize, near, LookupSet, encode } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { parseAccountId } from '../../lib/account-id';
import { parseAmount } from '../../lib/amount';
import { promiseSucceeded } from '../../lib/promise-result';
import { assertInitBySelf, assertOneYocto, assertPrivate } from '../../lib/guards';
import { eventEmitter } from '../../lib/events';
import * as ownable from '../../lib/ownable';
import * as pausable from '../../lib/pausable';
import { refund, storageCost } from '../../lib/storage';
import { readJson, writeJson } from '../../lib/json-storage';
import { debitStorage, depositStorage, storageBalanceOf, withdrawStorageToCaller } from '../../lib/storage-balance';

const TGAS = 1_000_000_000_000n;
/**
 * Static gas of `on_signed` and of `fail_request`, measured on the local node (see README): a
 * near-sdk-js method costs about 10 Tgas before it runs a line (QuickJS start-up), and on failure
 * `on_signed` hands FAIL_GAS on to `fail_request`.
 */
const FAIL_GAS = 12n * TGAS;
const CALLBACK_GAS = 15n * TGAS + FAIL_GAS;
/** What `sign` itself burns before the promises (measured), so the prepaid-gas check is honest. */
const OWN_GAS = 15n * TGAS;
/** The signer needs 1 yoctoNEAR per request (near/mpc `SIGN_DEPOSIT_YOCTONEAR`). */
const SIGNER_DEPOSIT = 1n;
const MAX_USER_PATH = 128;

const MAINNET_SIGNER = 'v1.signer';
const TESTNET_SIGNER = 'v1.signer-prod.testnet';

const emit = eventEmitter('chain_signatures_proxy', '1.0.0');

/*
 * Storage layout. Each call of a near-sdk-js contract pays for what NearBindgen reads, parses,
 * serializes and writes back (the whole top-level object, every call), so the class holds no
 * fields and each part lives under its own key, read only by the methods that need it:
 * `on_signed` never touches the config. Values are JSON, as near-sdk-js's LookupMap stores them.
 */
const CONFIG_KEY = 'config';
const COLLECTED_NEAR_KEY = 'collected_near';
/** "<user>" -> Usage. */
const USAGE_PREFIX = 'u';
/** "<user>" -> PrepaidFees: the user's prepaid token fees, in one token at a time. */
const FEE_BALANCE_PREFIX = 'f';
/** "<token>" -> token fees collected and not yet withdrawn by the owner (decimal string). */
const COLLECTED_TOKEN_PREFIX = 't';
const allowlist = new LookupSet<string>('a');
/** Gas of an ft_transfer and of the callback that settles it (near-sdk-js calls cost 3-15 Tgas). */
const GAS_FOR_FT_TRANSFER = 20n * TGAS;
const GAS_FOR_TRANSFER_CALLBACK = 15n * TGAS;
/** nearcore storage_num_extra_bytes_record: what every stored record costs besides its key and value. */
const RECORD_OVERHEAD_BYTES = 40n;
/** The largest records a user can grow: the usage counters and a prepaid balance in the longest token id. */
const LARGEST_USAGE = JSON.stringify({ period_start_ns: '9'.repeat(20), count: Number.MAX_SAFE_INTEGER, pending: Number.MAX_SAFE_INTEGER });
const LARGEST_PREPAID_FEES = JSON.stringify({ token: 'a'.repeat(64), balance: '9'.repeat(39) });

interface PrepaidFees {
  token: string;
  balance: string;
}

/**
 * The storage a user's record costs at its largest, charged once when it is created: later growth
 * (counters, a longer token id) is already paid for, so callbacks never need to charge anyone.
 */
function recordCost(prefix: string, user: string, largestValue: string): bigint {
  return storageCost(RECORD_OVERHEAD_BYTES + BigInt(encode(prefix + user).length + encode(largestValue).length));
}

function prepaidFeesOf(user: string): PrepaidFees | null {
  return readJson<PrepaidFees>(FEE_BALANCE_PREFIX + user);
}

function collectedTokenFees(token: string): bigint {
  return BigInt(readJson<string>(COLLECTED_TOKEN_PREFIX + token) ?? '0');
}

function readConfig(): Config {
  return readJson<Config>(CONFIG_KEY)!;
}

/** The user's prepaid balance in `token` (0 when their prepaid fees are in another token). */
function feeBalanceOf(user: string, token: string | null): bigint {
  const fees = prepaidFeesOf(user);
  return fees === null || token === null || fees.token !== token ? 0n : BigInt(fees.balance);
}

/** Sets the balance of an existing prepaid-fee record (its storage was paid when it was created). */
function setFeeBalance(user: string, token: string, balance: bigint): void {
  writeJson(FEE_BALANCE_PREFIX + user, { token, balance: balance.toString() });
}

function collectedNear(): bigint {
  return BigInt(readJson<string>(COLLECTED_NEAR_KEY) ?? '0');
}

/** Gas `sign` must be given: its own share, the signer's and the callback's. */
function requiredGas(config: Config): bigint {
  return OWN_GAS + BigInt(config.sign_gas_tgas) * TGAS + CALLBACK_GAS;
}

/** Schedules a function call of `receiver` (plain promise API: NearPromise's classes cost bytecode every call). */
function functionCall(receiver: string, method: string, args: unknown, deposit: bigint, gas: bigint): number {
  const promise = near.promiseBatchCreate(receiver);
  near.promiseBatchActionFunctionCall(promise, method, JSON.stringify(args), deposit, gas);
  return Number(promise);
}

/** ft_transfer of `amount` of `token` to `receiver` (1 yoctoNEAR attached), then `callback` on this contract. */
function transferToken(token: string, receiver: string, amount: bigint, callback: string, args: Record<string, unknown>): void {
  const transfer = functionCall(token, 'ft_transfer', { receiver_id: receiver, amount: amount.toString() }, 1n, GAS_FOR_FT_TRANSFER);
  const then = near.promiseBatchThen(transfer, near.currentAccountId());
  near.promiseBatchActionFunctionCall(then, callback, JSON.stringify(args), 0n, GAS_FOR_TRANSFER_CALLBACK);
  near.promiseReturn(then);
}

type Payload = { Ecdsa: string } | { Eddsa: string };

interface Config {
  signer_id: string;
  /** Gas forwarded to the signer's `sign` (it requires ≥ 15 Tgas by default). */
  sign_gas_tgas: number;
  /** null: anyone may call; otherwise only accounts on the allow-list. */
  allowlist_enabled: boolean;
  /** Requests per user per period; 0 means unlimited. */
  quota_per_period: number;
  period_ns: string;
  /** NEAR fee per request in yoctoNEAR, on top of the signer's deposit. */
  fee_near: string;
  /** Token accepted for prepaid fees (ft_transfer_call), and its fee per request. */
  fee_token: string | null;
  fee_token_amount: string;
}

interface Usage {
  period_start_ns: string;
  count: number;
  pending: number;
}

function assertAccountId(value: unknown, field: string): string {
  return parseAccountId(value, `ChainSignaturesProxy: ${field}`);
}

/** The user part of a derivation path: printable ASCII without the `,` namespace separator. */
function assertUserPath(path: unknown): string {
  if (typeof path !== 'string' || path.length > MAX_USER_PATH) panic(`ChainSignaturesProxy: path must be a string of at most ${MAX_USER_PATH} characters`);
  if (!/^[\x21-\x7e]*$/.test(path)) panic('ChainSignaturesProxy: path may contain only printable ASCII without spaces');
  if (path.includes(',')) panic('ChainSignaturesProxy: path may not contain the separator ","');
  return path;
}

/** The path the signer sees for `user` and their `path`. */
function namespacedPath(user: string, path: string): string {
  return `${user},${path}`;
}

/** Counts a request against `user`'s quota of the current period and marks it pending. */
function useQuota(config: Config, user: string): Usage {
  const now = near.blockTimestamp();
  const key = USAGE_PREFIX + user;
  const usage = readJson<Usage>(key) ?? { period_start_ns: now.toString(), count: 0, pending: 0 };
  if (now - BigInt(usage.period_start_ns) >= BigInt(config.period_ns)) {
    usage.period_start_ns = now.toString();
    usage.count = 0;
  }
  if (config.quota_per_period > 0 && usage.count >= config.quota_per_period) {
    panic(`ChainSignaturesProxy: quota of ${config.quota_per_period} requests per period exceeded`);
  }
  usage.count += 1;
  usage.pending += 1;
  writeJson(key, usage);
  return usage;
}

@NearBindgen({ requireInit: true })
export class ChainSignaturesProxy {
  /**
   * `signer_id` defaults by network: v1.signer-prod.testnet when this account ends in .testnet,
   * otherwise v1.signer.
   */
  @initialize({})
  init({ owner_id, config }: { owner_id: string; config?: Partial<Config> }): void {
    assertInitBySelf();
    ownable.initOwner(assertAccountId(owner_id, 'owner_id'));
    const defaultSigner = near.currentAccountId().endsWith('.testnet') ? TESTNET_SIGNER : MAINNET_SIGNER;
    const defaults: Config = {
      signer_id: defaultSigner,
      sign_gas_tgas: 50,
      allowlist_enabled: false,
      quota_per_period: 0,
      period_ns: '86400000000000',
      fee_near: '0',
      fee_token: null,
      fee_token_amount: '0',
    };
    writeJson(CONFIG_KEY, this.validConfig({ ...defaults, ...(config ?? {}) }));
  }

  /**
   * Requests a signature for the caller's own key `path` in `domain_id` (0 secp256k1, 1 ed25519).
   * Attach 1 yoctoNEAR + fee_near; excess is refunded. Returns the signer's response.
   */
  @call({ payableFunction: true })
  sign({ path, payload_v2, domain_id }: { path: string; payload_v2: Payload; domain_id?: number }): void {
    require(!pausable.isPaused(), 'ChainSignaturesProxy: requests are paused by the owner; try again after unpause');
    const user = near.predecessorAccountId();
    const userPath = assertUserPath(path);
    require(payload_v2 !== null && typeof payload_v2 === 'object' && ('Ecdsa' in payload_v2 || 'Eddsa' in payload_v2), 'ChainSignaturesProxy: payload_v2 must be {"Ecdsa": hex} or {"Eddsa": hex}');
    const domain = domain_id ?? ('Eddsa' in payload_v2 ? 1 : 0);
    require(domain === 0 || domain === 1, 'ChainSignaturesProxy: domain_id must be 0 (secp256k1) or 1 (ed25519)');
    const config = readConfig();
    require(config.allowlist_enabled === false || allowlist.contains(user), 'ChainSignaturesProxy: caller is not on the allow-list');
    const gasNeeded = requiredGas(config);
    if (near.prepaidGas() < gasNeeded) panic(`ChainSignaturesProxy: attach at least ${gasNeeded / TGAS} Tgas`);

    const feeNear = BigInt(config.fee_near);
    const deposit = near.attachedDeposit();
    let feeToken = 0n;
    const tokenFeeConfigured = config.fee_token !== null && BigInt(config.fee_token_amount) > 0n;
    if (tokenFeeConfigured && (feeNear === 0n || deposit < SIGNER_DEPOSIT + feeNear)) {
      // The prepaid token fee pays unless a NEAR fee is configured and attached.
      feeToken = BigInt(config.fee_token_amount);
      const balance = feeBalanceOf(user, config.fee_token);
      if (balance < feeToken) panic(`ChainSignaturesProxy: prepaid token fee balance ${balance} is below the fee ${feeToken}; top up with ft_transfer_call`);
      setFeeBalance(user, config.fee_token!, balance - feeToken);
      if (deposit < SIGNER_DEPOSIT) panic(`ChainSignaturesProxy: attach at least ${SIGNER_DEPOSIT} yoctoNEAR for the signer`);
    } else if (deposit < SIGNER_DEPOSIT + feeNear) {
      panic(`ChainSignaturesProxy: attach at least ${SIGNER_DEPOSIT + feeNear} yoctoNEAR (signer deposit plus fee)`);
    }
    const paidNear = feeToken > 0n ? SIGNER_DEPOSIT : SIGNER_DEPOSIT + feeNear;
    let spare = deposit - paidNear;
    if (readJson<Usage>(USAGE_PREFIX + user) === null) {
      // A first request creates the user's usage record: paid from their storage balance, else from the attached excess.
      const cost = recordCost(USAGE_PREFIX, user, LARGEST_USAGE);
      if (!debitStorage(user, cost)) {
        if (spare < cost) panic(`ChainSignaturesProxy: a first request stores your usage record: attach ${paidNear + cost} yoctoNEAR (or prepay ${cost} with storage_deposit); see sign_deposit`);
        spare -= cost;
      }
    }
    refund(user, spare);
    const usage = useQuota(config, user);

    const fullPath = namespacedPath(user, userPath);
    emit('sign_requested', [{ user, path: userPath, signer_path: fullPath, domain_id: domain }]);
    const request = { request: { path: fullPath, payload_v2, domain_id: domain } };
    // Static gas, not gas weights: near-sdk-js 2.0.0's functionCallWeight binding reads the
    // Uint8Array arguments as a C string (builder.c, JS_ToCStringLenRaw), garbling them (README).
    const signerCall = functionCall(config.signer_id, 'sign', request, SIGNER_DEPOSIT, BigInt(config.sign_gas_tgas) * TGAS);
    const callback = near.promiseBatchThen(signerCall, near.currentAccountId());
    const callbackArgs = { user, fee_near: (paidNear - SIGNER_DEPOSIT).toString(), fee_token: feeToken.toString(), token: feeToken > 0n ? config.fee_token : null, period_start_ns: usage.period_start_ns };
    near.promiseBatchActionFunctionCall(callback, 'on_signed', JSON.stringify(callbackArgs), 0n, CALLBACK_GAS);
    near.promiseReturn(callback);
  }

  /**
   * Private callback: passes the signature through, or refunds the fee and fails. Other callers are
   * refused by near-sdk-js's `privateFunction` wrapper ("Function is private") before this runs.
   */
  @call({ privateFunction: true })
  on_signed({ user, fee_near, fee_token, token, period_start_ns }: { user: string; fee_near: string; fee_token: string; token?: string | null; period_start_ns: string }): void {
    let response: string | null = null;
    let ok = near.promiseResultsCount() === 1n;
    if (ok) {
      try {
        // near-sdk-js's promiseResult throws unless the signer's call succeeded; the response
        // must be JSON. It is returned as the signer wrote it (no parse-and-serialize round trip).
        response = near.promiseResult(0);
        JSON.parse(response);
      } catch (_) {
        ok = false;
      }
    }
    const usageKey = USAGE_PREFIX + user;
    const usage = readJson<Usage>(usageKey);
    if (usage !== null) {
      if (usage.pending > 0) usage.pending -= 1;
      // A failed request does not count against the quota of the period it was made in.
      if (!ok && usage.period_start_ns === period_start_ns && usage.count > 0) usage.count -= 1;
      writeJson(usageKey, usage);
    }
    const feeNear = BigInt(fee_near);
    const feeToken = BigInt(fee_token);
    if (ok) {
      if (feeNear > 0n) writeJson(COLLECTED_NEAR_KEY, (collectedNear() + feeNear).toString());
      if (feeToken > 0n && token) writeJson(COLLECTED_TOKEN_PREFIX + token, (collectedTokenFees(token) + feeToken).toString());
      emit('sign_completed', [{ user }]);
      near.valueReturn(response!);
      return;
    }
    // Refund what the user paid for this request (the signer keeps its 1 yoctoNEAR).
    refund(user, feeNear);
    // The record stays in this token while a request is pending (ft_on_transfer refuses a switch then).
    if (feeToken > 0n && token) setFeeBalance(user, token, feeBalanceOf(user, token) + feeToken);
    emit('sign_failed', [{ user, refunded_near: fee_near, refunded_token: fee_token }]);
    near.promiseReturn(functionCall(near.currentAccountId(), 'fail_request', { user }, 0n, FAIL_GAS));
  }

  /** Private: makes the caller's promise fail after the refund in on_signed has been committed. */
  @call({ privateFunction: true })
  fail_request({ user }: { user: string }): void {
    panic(`ChainSignaturesProxy: signature request of ${user} failed or timed out; fee refunded`);
  }

  /**
   * NEP-141 receiver: prepaid token fees. msg must be "fee" and the token the configured fee token.
   * A first prepayment creates the sender's record, paid from their storage balance. Prepaid fees
   * are held in one token at a time: a sender holding fees in an older fee token withdraws them
   * first (withdraw_prepaid_fees), so nothing is ever re-denominated.
   */
  @call({})
  ft_on_transfer({ sender_id, amount, msg }: { sender_id: string; amount: string; msg: string }): string {
    const feeTokenId = readConfig().fee_token;
    const token = near.predecessorAccountId();
    require(feeTokenId !== null && token === feeTokenId, 'ChainSignaturesProxy: token is not the fee token');
    require(msg === 'fee', 'ChainSignaturesProxy: msg must be "fee"');
    const value = parseAmount(amount);
    const fees = prepaidFeesOf(sender_id);
    if (fees === null) {
      const cost = recordCost(FEE_BALANCE_PREFIX, sender_id, LARGEST_PREPAID_FEES);
      if (!debitStorage(sender_id, cost)) panic(`ChainSignaturesProxy: ${sender_id} needs a storage balance of ${cost} yoctoNEAR for the prepaid-fee record; call storage_deposit first`);
    } else if (fees.token !== token) {
      require(BigInt(fees.balance) === 0n, `ChainSignaturesProxy: ${sender_id} holds prepaid fees in ${fees.token}; withdraw them with withdraw_prepaid_fees first`);
      const usage = readJson<Usage>(USAGE_PREFIX + sender_id);
      require(usage === null || usage.pending === 0, `ChainSignaturesProxy: ${sender_id} has requests pending with fees in ${fees.token}; prepay after they finish`);
    }
    setFeeBalance(sender_id, token, feeBalanceOf(sender_id, token) + value);
    emit('fee_prepaid', [{ user: sender_id, token, amount: value.toString() }]);
    return '0';
  }

  /** User, 1 yoctoNEAR: sends back all their prepaid token fees (in whatever token they are held). */
  @call({ payableFunction: true })
  withdraw_prepaid_fees(): void {
    assertOneYocto();
    const user = near.predecessorAccountId();
    const fees = prepaidFeesOf(user);
    const amount = fees === null ? 0n : BigInt(fees.balance);
    require(amount > 0n, 'ChainSignaturesProxy: no prepaid fees to withdraw');
    this.assertTransferGas();
    setFeeBalance(user, fees!.token, 0n);
    emit('prepaid_fees_withdrawal_started', [{ user, token: fees!.token, amount: amount.toString() }]);
    transferToken(fees!.token, user, amount, 'on_prepaid_fees_withdrawn', { user, token: fees!.token, amount: amount.toString() });
  }

  /** Private callback of withdraw_prepaid_fees: a failed transfer goes back to the user's prepaid balance. */
  @call({ privateFunction: true })
  on_prepaid_fees_withdrawn({ user, token, amount }: { user: string; token: string; amount: string }): boolean {
    assertPrivate();
    const ok = promiseSucceeded();
    // The record cannot have switched token: a switch needs a zero balance, and it is zero until here.
    if (!ok) setFeeBalance(user, token, feeBalanceOf(user, token) + BigInt(amount));
    emit(ok ? 'prepaid_fees_withdrawn' : 'prepaid_fees_withdrawal_failed', [{ user, token, amount }]);
    return ok;
  }

  // ------------------------------------------------------------ storage balance of users

  /** Prepays the storage of `account_id`'s records (default: the caller's). */
  @call({ payableFunction: true })
  storage_deposit({ account_id }: { account_id?: string | null }): { total: string } {
    const accountId = account_id ? assertAccountId(account_id, 'account_id') : near.predecessorAccountId();
    require(near.attachedDeposit() > 0n, 'ChainSignaturesProxy: attach NEAR to deposit for storage');
    return { total: depositStorage(accountId, near.attachedDeposit()).toString() };
  }

  /** Returns unused storage balance to the caller (default: all of it). */
  @call({ payableFunction: true })
  storage_withdraw({ amount }: { amount?: string | null }): { total: string } {
    assertOneYocto();
    return { total: withdrawStorageToCaller(amount).total.toString() };
  }

  // ------------------------------------------------------------ admin (owner, 1 yoctoNEAR)

  @call({ payableFunction: true })
  set_config({ config }: { config: Partial<Config> }): Config {
    assertOneYocto();
    ownable.assertOwner();
    const updated = this.validConfig({ ...readConfig(), ...config });
    writeJson(CONFIG_KEY, updated);
    emit('config_updated', [updated]);
    return updated;
  }

  @call({ payableFunction: true })
  allow({ account_id }: { account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    allowlist.set(assertAccountId(account_id, 'account_id'));
    emit('caller_allowed', [{ account_id }]);
  }

  @call({ payableFunction: true })
  disallow({ account_id }: { account_id: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    require(allowlist.contains(account_id), 'ChainSignaturesProxy: account is not on the allow-list');
    allowlist.remove(account_id);
    emit('caller_disallowed', [{ account_id }]);
  }

  @call({ payableFunction: true })
  pause(): void {
    assertOneYocto();
    ownable.assertOwner();
    pausable.pause();
    emit('paused', [{}]);
  }

  @call({ payableFunction: true })
  unpause(): void {
    assertOneYocto();
    ownable.assertOwner();
    pausable.unpause();
    emit('unpaused', [{}]);
  }

  /** Owner: withdraws collected NEAR fees. */
  @call({ payableFunction: true })
  withdraw_fees(): string {
    assertOneYocto();
    ownable.assertOwner();
    const amount = collectedNear();
    require(amount > 0n, 'ChainSignaturesProxy: no fees to withdraw');
    writeJson(COLLECTED_NEAR_KEY, '0');
    refund(ownable.owner(), amount);
    return amount.toString();
  }

  /** Owner: withdraws the fees collected in `token` (any fee token, current or past) to the owner. */
  @call({ payableFunction: true })
  withdraw_token_fees({ token }: { token: string }): void {
    assertOneYocto();
    ownable.assertOwner();
    const tokenId = assertAccountId(token, 'token');
    const amount = collectedTokenFees(tokenId);
    require(amount > 0n, `ChainSignaturesProxy: no fees collected in ${tokenId}`);
    this.assertTransferGas();
    writeJson(COLLECTED_TOKEN_PREFIX + tokenId, '0');
    const owner = ownable.owner();
    transferToken(tokenId, owner, amount, 'on_token_fees_withdrawn', { token: tokenId, amount: amount.toString() });
  }

  /** Private callback of withdraw_token_fees: a failed transfer goes back to the collected fees. */
  @call({ privateFunction: true })
  on_token_fees_withdrawn({ token, amount }: { token: string; amount: string }): boolean {
    assertPrivate();
    const ok = promiseSucceeded();
    if (!ok) writeJson(COLLECTED_TOKEN_PREFIX + token, (collectedTokenFees(token) + BigInt(amount)).toString());
    emit(ok ? 'token_fees_withdrawn' : 'token_fees_withdrawal_failed', [{ token, amount }]);
    return ok;
  }

  // ------------------------------------------------------------ views

  @view({})
  get_config(): Config {
    return readConfig();
  }

  /** The path the signer derives from for `account_id` and `path` (predecessor: this contract). */
  @view({})
  derivation_path({ account_id, path }: { account_id: string; path: string }): { predecessor: string; path: string } {
    return { predecessor: near.currentAccountId(), path: namespacedPath(assertAccountId(account_id, 'account_id'), assertUserPath(path)) };
  }

  @view({})
  usage_of({ account_id }: { account_id: string }): Usage | null {
    return readJson<Usage>(USAGE_PREFIX + account_id);
  }

  /** Prepaid balance in the current fee token. */
  @view({})
  fee_balance_of({ account_id }: { account_id: string }): string {
    return feeBalanceOf(account_id, readConfig().fee_token).toString();
  }

  /** The user's prepaid fees with their token (which may be an earlier fee token), or null. */
  @view({})
  prepaid_fees_of({ account_id }: { account_id: string }): PrepaidFees | null {
    return prepaidFeesOf(account_id);
  }

  /** Token fees collected in `token` and not yet withdrawn. */
  @view({})
  collected_token_fees({ token }: { token: string }): string {
    return collectedTokenFees(token).toString();
  }

  @view({})
  storage_balance_of({ account_id }: { account_id: string }): { total: string } | null {
    const balance = storageBalanceOf(account_id);
    return balance === null ? null : { total: balance.toString() };
  }

  /**
   * What `account_id` attaches to `sign` when paying in NEAR: the signer's 1 yoctoNEAR, the NEAR
   * fee and, before their first request, their usage record's storage unless their storage balance
   * covers it.
   */
  @view({})
  sign_deposit({ account_id }: { account_id: string }): string {
    let deposit = SIGNER_DEPOSIT + BigInt(readConfig().fee_near);
    if (readJson<Usage>(USAGE_PREFIX + account_id) === null) {
      const cost = recordCost(USAGE_PREFIX, account_id, LARGEST_USAGE);
      if ((storageBalanceOf(account_id) ?? 0n) < cost) deposit += cost;
    }
    return deposit.toString();
  }

  /** NEAR fees collected and not yet withdrawn (yoctoNEAR). */
  @view({})
  collected_fees(): string {
    return collectedNear().toString();
  }

  @view({})
  is_allowed({ account_id }: { account_id: string }): boolean {
    return readConfig().allowlist_enabled === false || allowlist.contains(account_id);
  }

  // ------------------------------------------------------------ internals

  private assertTransferGas(): void {
    const needed = GAS_FOR_FT_TRANSFER + GAS_FOR_TRANSFER_CALLBACK + 5n * TGAS;
    if (near.prepaidGas() - near.usedGas() < needed) panic(`ChainSignaturesProxy: attach at least ${(near.usedGas() + needed) / TGAS + 1n} Tgas`);
  }

  private validConfig(config: Config): Config {
    assertAccountId(config.signer_id, 'signer_id');
    require(Number.isInteger(config.sign_gas_tgas) && config.sign_gas_tgas >= 15 && config.sign_gas_tgas <= 250, 'ChainSignaturesProxy: sign_gas_tgas must be an integer from 15 to 250');
    require(typeof config.allowlist_enabled === 'boolean', 'ChainSignaturesProxy: allowlist_enabled must be a boolean');
    require(Number.isInteger(config.quota_per_period) && config.quota_per_period >= 0, 'ChainSignaturesProxy: quota_per_period must be a non-negative integer');
    require(typeof config.period_ns === 'string' && /^[1-9][0-9]{0,18}$/.test(config.period_ns), 'ChainSignaturesProxy: period_ns must be a positive decimal string');
    parseAmount(config.fee_near, 'fee_near');
    parseAmount(config.fee_token_amount, 'fee_token_amount');
    if (config.fee_token !== null) assertAccountId(config.fee_token, 'fee_token');
    return {
      signer_id: config.signer_id,
      sign_gas_tgas: config.sign_gas_tgas,
      allowlist_enabled: config.allowlist_enabled,
      quota_per_period: config.quota_per_period,
      period_ns: config.period_ns,
      fee_near: config.fee_near,
      fee_token: config.fee_token,
      fee_token_amount: config.fee_token_amount,
    };
  }
}

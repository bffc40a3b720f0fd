/**
 * Chain-signature request proxy: lets an application, DAO or AI agent request signatures from
 * NEAR's MPC signer (`v1.signer`, `v1.signer-prod.testnet`) for its users, under its own rules.
 *
 * - Each user signs only with their own keys: the path sent to the signer is
 *   `<user account id>,<user path>`, and user paths may not contain `,` or control characters,
 *   so no user can reach another's namespace. The signer sees this contract as predecessor, so a
 *   user's foreign address is derive(root, <proxy account>, "<user>,<path>").
 * - Policies: optional allow-list of callers, a quota of requests per user per period, an
 *   optional fee in NEAR (attached) or in a NEP-141 token (prepaid with ft_transfer_call), pause.
 * - The request is forwarded with the 1 yoctoNEAR and gas the signer requires; the callback
 *   returns the signature to the caller, or refunds the fee and fails on a signer failure or
 *   timeout.
 *
 * Rules fail with `ChainSignaturesProxy: <rule broken>`. Method table: ../README.md.
 */
import { NearBindgen, call, view, initialize, near, LookupSet } from 'near-sdk-js';
import { panic, require } from '../../lib/errors';
import { parseAccountId } from '../../lib/account-id';
import { parseAmount } from '../../lib/amount';
import { assertInitBySelf, assertOneYocto } from '../../lib/guards';
import { eventEmitter } from '../../lib/events';
import * as ownable from '../../lib/ownable';
import * as pausable from '../../lib/pausable';
import { refund } from '../../lib/storage';
import { readJson, writeJson } from '../../lib/json-storage';

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
/** "<user>" -> prepaid token fee balance (decimal string). */
const FEE_BALANCE_PREFIX = 'f';
const allowlist = new LookupSet<string>('a');

function readConfig(): Config {
  return readJson<Config>(CONFIG_KEY)!;
}

function feeBalanceOf(user: string): bigint {
  return BigInt(readJson<string>(FEE_BALANCE_PREFIX + user) ?? '0');
}

function setFeeBalance(user: string, balance: bigint): void {
  writeJson(FEE_BALANCE_PREFIX + user, balance.toString());
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
      const balance = feeBalanceOf(user);
      if (balance < feeToken) panic(`ChainSignaturesProxy: prepaid token fee balance ${balance} is below the fee ${feeToken}; top up with ft_transfer_call`);
      setFeeBalance(user, balance - feeToken);
      if (deposit < SIGNER_DEPOSIT) panic(`ChainSignaturesProxy: attach at least ${SIGNER_DEPOSIT} yoctoNEAR for the signer`);
    } else if (deposit < SIGNER_DEPOSIT + feeNear) {
      panic(`ChainSignaturesProxy: attach at least ${SIGNER_DEPOSIT + feeNear} yoctoNEAR (signer deposit plus fee)`);
    }
    const paidNear = feeToken > 0n ? SIGNER_DEPOSIT : SIGNER_DEPOSIT + feeNear;
    refund(user, deposit - paidNear);
    const usage = useQuota(config, user);

    const fullPath = namespacedPath(user, userPath);
    emit('sign_requested', [{ user, path: userPath, signer_path: fullPath, domain_id: domain }]);
    const request = { request: { path: fullPath, payload_v2, domain_id: domain } };
    // Static gas, not gas weights: near-sdk-js 2.0.0's functionCallWeight binding reads the
    // Uint8Array arguments as a C string (builder.c, JS_ToCStringLenRaw), garbling them (README).
    const signerCall = functionCall(config.signer_id, 'sign', request, SIGNER_DEPOSIT, BigInt(config.sign_gas_tgas) * TGAS);
    const callback = near.promiseBatchThen(signerCall, near.currentAccountId());
    const callbackArgs = { user, fee_near: (paidNear - SIGNER_DEPOSIT).toString(), fee_token: feeToken.toString(), period_start_ns: usage.period_start_ns };
    near.promiseBatchActionFunctionCall(callback, 'on_signed', JSON.stringify(callbackArgs), 0n, CALLBACK_GAS);
    near.promiseReturn(callback);
  }

  /**
   * Private callback: passes the signature through, or refunds the fee and fails. Other callers are
   * refused by near-sdk-js's `privateFunction` wrapper ("Function is private") before this runs.
   */
  @call({ privateFunction: true })
  on_signed({ user, fee_near, fee_token, period_start_ns }: { user: string; fee_near: string; fee_token: string; period_start_ns: string }): void {
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
    if (ok) {
      if (feeNear > 0n) writeJson(COLLECTED_NEAR_KEY, (collectedNear() + feeNear).toString());
      emit('sign_completed', [{ user }]);
      near.valueReturn(response!);
      return;
    }
    // Refund what the user paid for this request (the signer keeps its 1 yoctoNEAR).
    refund(user, feeNear);
    const feeToken = BigInt(fee_token);
    if (feeToken > 0n) setFeeBalance(user, feeBalanceOf(user) + feeToken);
    emit('sign_failed', [{ user, refunded_near: fee_near, refunded_token: fee_token }]);
    near.promiseReturn(functionCall(near.currentAccountId(), 'fail_request', { user }, 0n, FAIL_GAS));
  }

  /** Private: makes the caller's promise fail after the refund in on_signed has been committed. */
  @call({ privateFunction: true })
  fail_request({ user }: { user: string }): void {
    panic(`ChainSignaturesProxy: signature request of ${user} failed or timed out; fee refunded`);
  }

  /** NEP-141 receiver: prepaid token fees. msg must be "fee" and the token the configured fee token. */
  @call({})
  ft_on_transfer({ sender_id, amount, msg }: { sender_id: string; amount: string; msg: string }): string {
    const feeTokenId = readConfig().fee_token;
    require(feeTokenId !== null && near.predecessorAccountId() === feeTokenId, 'ChainSignaturesProxy: token is not the fee token');
    require(msg === 'fee', 'ChainSignaturesProxy: msg must be "fee"');
    const value = parseAmount(amount);
    setFeeBalance(sender_id, feeBalanceOf(sender_id) + value);
    emit('fee_prepaid', [{ user: sender_id, amount: value.toString() }]);
    return '0';
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

  @view({})
  fee_balance_of({ account_id }: { account_id: string }): string {
    return feeBalanceOf(account_id).toString();
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

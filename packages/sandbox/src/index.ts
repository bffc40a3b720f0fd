/**
 * @near-ts/sandbox: a NEAR node in process. One entry point, `createSandbox()`:
 *
 *   const node = createSandbox();
 *   const alice = node.createAccount('alice.test.near');
 *   node.deployContract('alice.test.near', wasm);
 *   const r = node.call('alice.test.near', 'alice.test.near', 'set', { v: 1 });
 *   node.view('alice.test.near', 'get');
 *
 * Every state change goes through a real signed transaction (borsh bytes, the path RPC uses) and
 * nearcore's runtime semantics; results are nearcore's JSON views. Deterministic: block times
 * come from `genesisTime` and `blockTimeMs`, never from the wall clock.
 */
import { runtimeConfig, DEFAULT_PROTOCOL_VERSION } from './parameters/index.js';
import type { RuntimeConfig } from './parameters/types.js';
import { runFunctionCall } from './vm/index.js';
import type { FunctionCallErrorView } from './vm/types.js';
import {
  accountType,
  assertValidAccountId,
  isSubAccountOf,
  nearImplicitAccountId,
  type AccountId,
} from './primitives/account-id.js';
import { KeyPair, parsePublicKey, parsePublicKeyHandle, publicKeyHandleBorsh, publicKeyHandleToString, publicKeyToString, publicKeyTrieIdLength, type PublicKey } from './primitives/crypto.js';
import { InvalidTransactionError, type TxExecutionError, type JsonValue } from './primitives/errors.js';
import { fromBase64, hashFromString, hashToString, randomSeed, sha256 } from './primitives/hash.js';
import {
  encodeTransaction,
  gasKeyInfo,
  signedTransactionBytes,
  type AccessKey,
  type Action,
  type GlobalContractIdentifier,
  type Transaction,
} from './primitives/transaction.js';
import {
  accessKeyPermissionFromView,
  accessKeyView,
  accountView,
  type AccountView,
  type ExecutionOutcomeWithIdView,
  type FinalExecutionOutcomeView,
  type FinalExecutionStatus,
} from './primitives/views.js';
import { BLOCK_PRODUCTION_DELAY_MS, skippedHeightNs } from './runtime/block-clock.js';
import {
  Chain,
  concernsTransaction,
  ChainSnapshot,
  SANDBOX_EPOCH_LENGTH,
  TESTING_INIT_BALANCE,
  TESTING_INIT_STAKE,
  type Block,
} from './runtime/chain.js';
import { accountCode, globalContractKey, NO_CODE_HASH, type Account } from './runtime/state.js';
import { accountContractOf } from './runtime/apply.js';
import { executionEvents, type ExecutionEvent } from './runtime/execution-events.js';
import { GAS_REPORT_DIR_ENV, recordGas } from './node/gas-recorder.js';
import { openFork, type ForkOptions, type ForkPoint, type ForkReadCounts } from './fork/index.js';

export { KeyPair, KeyType, parsePublicKey, publicKeyHandleToString, publicKeyToString } from './primitives/crypto.js';
export type { PublicKey, Signature } from './primitives/crypto.js';
export { InvalidTransactionError, ParseTransactionError } from './primitives/errors.js';
export type { ActionError, TxExecutionError, JsonValue } from './primitives/errors.js';
export type { Action, AccessKey, AccessKeyPermission, Transaction, SignedTransaction, DelegateAction, SignedDelegateAction } from './primitives/transaction.js';
export {
  decodeSignedTransaction,
  encodeSignedTransaction,
  encodeTransaction,
  transactionHash,
  delegateActionHash,
  BorshDecodeError,
} from './primitives/transaction.js';
export { isValidAccountId, accountIdError } from './primitives/account-id.js';
export { deterministicAccountId, stateInitData } from './primitives/state-init.js';
export type { StateInit, GlobalContractIdentifier } from './primitives/state-init.js';
export type * from './primitives/views.js';
export type { Block } from './runtime/chain.js';
export type { ExecutionEvent, TransactionEvent, ReceiptEvent, ActionSummary, Nep297Event } from './runtime/execution-events.js';
export { parseNep297, describeFailure } from './runtime/execution-events.js';
export { Chain, MIN_GAS_PRICE, TRANSACTION_VALIDITY_PERIOD } from './runtime/chain.js';
export { ForkError, FORK_NETWORKS, defaultForkCacheRoot } from './fork/index.js';
export type { ForkOptions, ForkPoint, ForkErrorKind, ForkReadCounts } from './fork/index.js';

export const NEAR = 10n ** 24n;
export const TGAS = 10n ** 12n;

export interface SandboxOptions {
  /** 86 (default, current mainnet) or 77 (nearcore 2.6.2, what near-workspaces 5.0.0 downloads). */
  protocolVersion?: number;
  /** Genesis time: a Date or nanoseconds since the Unix epoch. Default 2025-01-01T00:00:00Z. */
  genesisTime?: Date | bigint;
  /** Time between blocks. Default 1000 ms. */
  blockTimeMs?: number;
  /**
   * What each height a fast-forward skips adds to the time, as neard's sandbox does: the mean of its minimum and
   * maximum block production delays (chain/client client.rs `sandbox_delta_time`). Default 600 and 2,000 ms
   * (`neard init`'s config.json): 1,300 ms per skipped height.
   */
  blockProductionDelayMs?: { min: number; max: number };
  /** Default `test.near`, as `neard init` makes it. */
  rootAccountId?: AccountId;
  /** Default: the ed25519 key from seed = the root account id (nearcore `SecretKey::from_seed`). */
  rootKeyPair?: KeyPair;
  /** Default `sandbox` (a fork: the remote's). */
  chainId?: string;
  /** Blocks per epoch. Default 500 (`neard init`; `init --fast` makes 60). */
  epochLength?: number;
  /** Accounts in the genesis state besides the root and `near`, each with one full-access key (genesis.json records). */
  genesisAccounts?: Array<{ accountId: AccountId; amount: bigint; locked?: bigint; publicKey: string }>;
  /**
   * Fork a remote chain (`mainnet`, `testnet` or a JSON-RPC URL) at a block: its accounts, keys, code and
   * contract storage are read the first time something touches them, cached on disk per (network, block),
   * and every write stays local. The chain continues from that block's height, time and gas price, under the
   * remote's chain id and protocol version (`protocolVersion` given: that one, knowingly). Only the root
   * account is made at genesis: granted its balance and stake and a local key on top of the remote's account.
   */
  fork?: ForkOptions;
}

/** What a forked node forks (`Sandbox.fork`). */
export interface ForkInfo {
  /** The remote block the chain continues from, and what the remote ran there. */
  readonly point: ForkPoint;
  /** The cache directory of this (network, block); null when reads are kept in memory only. */
  readonly cacheDir: string | null;
  /** Reads answered by the remote and from the cache so far. */
  readonly reads: ForkReadCounts;
  /** HTTP requests sent to the remote so far (retries included). */
  readonly requests: number;
  /** Stops the thread that talks to the remote (it never keeps the process alive). */
  close(): void;
}

export interface AccountHandle {
  accountId: AccountId;
  keyPair: KeyPair;
}

export interface CallOptions {
  /** Default 30 Tgas, near-api-js's default. */
  gas?: bigint;
  /** yoctoNEAR, default 0. */
  deposit?: bigint;
}

export type Args = Record<string, unknown> | unknown[] | string | Uint8Array | undefined;

export class UnknownAccountError extends Error {
  constructor(readonly accountId: string) {
    super(`account ${accountId} does not exist while viewing (create it with createAccount or patchState first)`);
    this.name = 'UnknownAccountError';
  }
}

export class UnknownAccessKeyError extends Error {
  constructor(readonly accountId: string, readonly publicKey: string) {
    super(`access key ${publicKey} does not exist while viewing (account ${accountId})`);
    this.name = 'UnknownAccessKeyError';
  }
}

export class NoGlobalContractCodeError extends Error {
  constructor(readonly identifier: GlobalContractIdentifier) {
    super(
      identifier.type === 'CodeHash'
        ? `no global contract with code hash ${hashToString(identifier.hash)} has been deployed (DeployGlobalContract with deployMode CodeHash)`
        : `${identifier.accountId} has not deployed a global contract by account id (DeployGlobalContract with deployMode AccountId)`,
    );
    this.name = 'NoGlobalContractCodeError';
  }
}

export class MissingSignerKeyError extends Error {
  constructor(readonly accountId: string) {
    super(`no key pair known for ${accountId}: create it with createAccount, or pass its key with setKeyPair`);
    this.name = 'MissingSignerKeyError';
  }
}

/** A view call failed in the contract (nearcore answers `wasm execution failed with error: …`). */
export class ViewCallError extends Error {
  constructor(readonly error: FunctionCallErrorView | JsonValue, readonly logs: string[]) {
    super(`wasm execution failed with error: ${JSON.stringify(error)}`);
    this.name = 'ViewCallError';
  }
}

export class UnknownTransactionError extends Error {
  constructor(readonly hash: string) {
    super(`transaction ${hash} is not known to this node`);
    this.name = 'UnknownTransactionError';
  }
}

export class UnknownBlockError extends Error {
  constructor(readonly reference: string) {
    super(`block ${reference} is not known to this node (blocks run from genesis to the head)`);
    this.name = 'UnknownBlockError';
  }
}

export class TransactionFailedError extends Error {
  constructor(readonly failure: TxExecutionError, readonly result: TransactionResult) {
    super(`transaction ${result.hash} failed: ${JSON.stringify(failure)}`);
    this.name = 'TransactionFailedError';
  }
}

/** The outcome of one transaction: nearcore's `FinalExecutionOutcomeView` plus helpers. */
export class TransactionResult {
  constructor(readonly hash: string, readonly outcome: FinalExecutionOutcomeView) {}

  get status(): FinalExecutionStatus {
    return this.outcome.status;
  }
  get succeeded(): boolean {
    return typeof this.status === 'object' && 'SuccessValue' in this.status;
  }
  get failure(): TxExecutionError | null {
    return typeof this.status === 'object' && 'Failure' in this.status ? this.status.Failure : null;
  }
  get transactionOutcome(): ExecutionOutcomeWithIdView {
    return this.outcome.transaction_outcome;
  }
  /** Receipt outcomes in nearcore's order (depth-first; refunds after the receipts a call created). */
  get receipts(): ExecutionOutcomeWithIdView[] {
    return this.outcome.receipts_outcome;
  }
  /** Logs of the transaction and every receipt, in `receipts` order. */
  get logs(): string[] {
    return [this.transactionOutcome, ...this.receipts].flatMap((o) => o.outcome.logs);
  }
  /** Failures of any receipt, including side branches the final status does not show. */
  get receiptFailures(): TxExecutionError[] {
    return this.receipts.flatMap((o) => (typeof o.outcome.status === 'object' && 'Failure' in o.outcome.status ? [o.outcome.status.Failure] : []));
  }
  get gasBurnt(): bigint {
    return [this.transactionOutcome, ...this.receipts].reduce((n, o) => n + BigInt(o.outcome.gas_burnt), 0n);
  }
  get tokensBurnt(): bigint {
    return [this.transactionOutcome, ...this.receipts].reduce((n, o) => n + BigInt(o.outcome.tokens_burnt), 0n);
  }
  /** The returned bytes; throws `TransactionFailedError` if the transaction failed. */
  bytes(): Uint8Array {
    const s = this.status;
    if (typeof s === 'object' && 'SuccessValue' in s) return fromBase64(s.SuccessValue);
    if (typeof s === 'object' && 'Failure' in s) throw new TransactionFailedError(s.Failure, this);
    throw new Error(`transaction ${this.hash} has not finished (status ${JSON.stringify(s)}); produce more blocks`);
  }
  /** The returned value parsed as JSON (the raw string when it is not JSON; undefined when empty). */
  value<T = unknown>(): T {
    return parseReturn(this.bytes()) as T;
  }
}

function parseReturn(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function encodeArgs(args: Args): Uint8Array {
  if (args === undefined) return new Uint8Array();
  if (args instanceof Uint8Array) return args;
  if (typeof args === 'string') return new TextEncoder().encode(args);
  return new TextEncoder().encode(JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** One `sandbox_patch_state` record as nearcore's `StateRecord` JSON. */
export type StateRecord =
  | {
      Account: {
        account_id: string;
        account: { amount: string; locked: string; code_hash: string; storage_usage: number; global_contract_hash?: string; global_contract_account_id?: string };
      };
    }
  | { AccessKey: { account_id: string; public_key: string; access_key: { nonce: number | string; permission: JsonValue } } }
  | { Contract: { account_id: string; code: string } }
  | { Data: { account_id: string; data_key: string; value: string } }
  /** A deployed global contract (nearcore `TrieKey::GlobalContractCode`): how the node's store keeps them. */
  | { GlobalContractCode: { identifier: { CodeHash: string } | { AccountId: string }; code: string } };

export class Snapshot {
  /** @internal */
  constructor(readonly chain: ChainSnapshot, readonly keys: Map<string, KeyPair>) {}
}

const DEFAULT_GENESIS_TIME = 1_735_689_600_000_000_000n; // 2025-01-01T00:00:00Z in ns

/** Guards against runaway receipt loops when waiting for a transaction. */
const MAX_BLOCKS_PER_TRANSACTION = 1000;

export class Sandbox {
  readonly chain: Chain;
  readonly config: RuntimeConfig;
  readonly root: AccountHandle;
  /** Set when this node forks a remote chain. */
  readonly fork: ForkInfo | undefined;
  #keys = new Map<string, KeyPair>();

  constructor(options: SandboxOptions = {}) {
    const fork = options.fork ? openFork(options.fork, options.protocolVersion) : undefined;
    const point = fork?.point;
    const protocolVersion = options.protocolVersion ?? point?.protocolVersion ?? DEFAULT_PROTOCOL_VERSION;
    this.config = runtimeConfig(protocolVersion);
    const rootAccountId = assertValidAccountId(options.rootAccountId ?? 'test.near');
    const rootKeyPair = options.rootKeyPair ?? KeyPair.fromSeed(rootAccountId);
    const genesisTime = point
      ? BigInt(point.timestampNanos)
      : options.genesisTime === undefined
        ? DEFAULT_GENESIS_TIME
        : typeof options.genesisTime === 'bigint'
          ? options.genesisTime
          : BigInt(options.genesisTime.getTime()) * 1_000_000n;
    const nearKey = KeyPair.fromSeed('near');
    const genesisHeight = point ? BigInt(point.height) : 0n;
    this.chain = new Chain({
      config: this.config,
      genesisTime,
      clock: {
        blockTimeNs: BigInt(options.blockTimeMs ?? 1000) * 1_000_000n,
        skippedHeightNs: skippedHeightNs(options.blockProductionDelayMs ?? BLOCK_PRODUCTION_DELAY_MS),
      },
      genesisHeight,
      epochLength: options.epochLength === undefined ? SANDBOX_EPOCH_LENGTH : BigInt(options.epochLength),
      chainId: options.chainId ?? point?.chainId ?? 'sandbox',
      validatorId: rootAccountId,
      runFunctionCall,
      accounts: [
        { accountId: rootAccountId, amount: TESTING_INIT_BALANCE, locked: TESTING_INIT_STAKE, publicKey: rootKeyPair.publicKey },
        // a fork has the remote's `near`: the node makes no key for it
        ...(fork ? [] : [{ accountId: 'near', amount: TESTING_INIT_BALANCE, locked: 0n, publicKey: nearKey.publicKey }]),
        ...(options.genesisAccounts ?? []).map((a) => ({
          accountId: assertValidAccountId(a.accountId),
          amount: a.amount,
          locked: a.locked ?? 0n,
          publicKey: parsePublicKey(a.publicKey),
        })),
      ],
      ...(fork && point
        ? {
            fork: {
              source: fork.source,
              parent: {
                height: genesisHeight,
                hash: hashFromString(point.hash),
                prevHash: hashFromString(point.prevHash),
                timestamp: genesisTime,
                gasPrice: BigInt(point.gasPrice),
                epochHeight: 1n,
                epochId: hashFromString(point.epochId),
                randomValue: hashFromString(point.randomValue),
                totalSupply: BigInt(point.totalSupply),
                transactions: [],
                receipts: [],
              },
            },
          }
        : {}),
    });
    this.#keys.set(rootAccountId, rootKeyPair);
    if (!fork) this.#keys.set('near', nearKey);
    this.root = { accountId: rootAccountId, keyPair: rootKeyPair };
    this.fork = fork && {
      point: fork.point,
      cacheDir: fork.cacheDir,
      reads: fork.source.counts,
      get requests() {
        return fork.rpc.requests;
      },
      close: () => fork.rpc.close(),
    };
  }

  get protocolVersion(): number {
    return this.config.protocolVersion;
  }

  get head(): Block {
    return this.chain.head;
  }

  // --- keys ---

  /** Registers the key `call`/`transfer`/... sign with for `accountId`. */
  setKeyPair(accountId: AccountId, keyPair: KeyPair): void {
    this.#keys.set(accountId, keyPair);
  }

  keyPairOf(accountId: AccountId): KeyPair | undefined {
    return this.#keys.get(accountId);
  }

  // --- transactions ---

  /**
   * Signs a transaction with the account's registered key; nonce = key nonce + 1 and the head block
   * hash unless given. Returns borsh `SignedTransaction` bytes.
   */
  /**
   * Signs a transaction. `nonceIndex` makes it a TransactionV1 with a gas-key nonce (the key must be a gas key; its
   * gas is then paid from the key's balance), `nonceMode: 'Strict'` a V1 whose nonce must be exactly the next one.
   */
  signTransaction(
    signerId: AccountId,
    receiverId: AccountId,
    actions: Action[],
    opts: { nonce?: bigint; blockHash?: Uint8Array; keyPair?: KeyPair; nonceIndex?: number; nonceMode?: 'Monotonic' | 'Strict' } = {},
  ): Uint8Array {
    const keyPair = opts.keyPair ?? this.#keys.get(signerId);
    if (!keyPair) throw new MissingSignerKeyError(signerId);
    const state = this.chain.state;
    const ak = state.getAccessKey(signerId, keyPair.publicKey);
    const current = opts.nonceIndex === undefined ? ak?.nonce : state.getGasKeyNonce(signerId, keyPair.publicKey, opts.nonceIndex);
    const v1 = opts.nonceIndex !== undefined || opts.nonceMode !== undefined;
    const tx: Transaction = {
      signerId,
      publicKey: keyPair.publicKey,
      nonce: opts.nonce ?? (current !== undefined ? current + 1n : 1n),
      receiverId,
      blockHash: opts.blockHash ?? this.head.hash,
      actions,
      ...(v1 ? { v1: { nonceIndex: opts.nonceIndex ?? null, nonceMode: opts.nonceMode ?? 'Monotonic' } } : {}),
    };
    const body = encodeTransaction(tx);
    return signedTransactionBytes(body, keyPair.sign(sha256(body)));
  }

  /**
   * Checks, includes and executes a borsh `SignedTransaction`, producing blocks until every receipt
   * it caused has run (or only yields wait). Throws `ParseTransactionError` / `InvalidTransactionError`
   * (nearcore's `InvalidTxError`) with no state change.
   */
  sendTransaction(signedTransaction: Uint8Array): TransactionResult {
    const hash = this.chain.submitTransaction(signedTransaction);
    for (let i = 0; i <= MAX_BLOCKS_PER_TRANSACTION; i++) {
      const error = this.chain.transactionError(hash);
      if (error && 'InvalidTxError' in error) throw new InvalidTransactionError(error.InvalidTxError);
      if (this.chain.isSettled(hash) || !this.chain.hasPendingWork) break;
      this.chain.produceBlock();
      // fork mode: state the remote could not give set something of this transaction aside (runtime/chain.ts)
      const unavailable = this.chain.takeUnavailable().find((e) => concernsTransaction(this.chain, hash, e));
      if (unavailable) throw unavailable;
    }
    return this.getTransactionOutcome(hash);
  }

  /** Checks a transaction and queues it for the next block; returns its hash. Run it with `produceBlocks`. */
  submitTransaction(signedTransaction: Uint8Array): string {
    return this.chain.submitTransaction(signedTransaction);
  }

  signAndSendTransaction(signerId: AccountId, receiverId: AccountId, actions: Action[]): TransactionResult {
    return this.sendTransaction(this.signTransaction(signerId, receiverId, actions));
  }

  call(signerId: AccountId, receiverId: AccountId, methodName: string, args?: Args, opts: CallOptions = {}): TransactionResult {
    return this.signAndSendTransaction(signerId, receiverId, [
      { type: 'FunctionCall', methodName, args: encodeArgs(args), gas: opts.gas ?? 30n * TGAS, deposit: opts.deposit ?? 0n },
    ]);
  }

  transfer(signerId: AccountId, receiverId: AccountId, amount: bigint): TransactionResult {
    return this.signAndSendTransaction(signerId, receiverId, [{ type: 'Transfer', deposit: amount }]);
  }

  deployContract(accountId: AccountId, wasm: Uint8Array): TransactionResult {
    return this.signAndSendTransaction(accountId, accountId, [{ type: 'DeployContract', code: wasm }]);
  }

  /**
   * Creates an account with a full-access key (default: a key derived from the id) and `balance`
   * (default 100 NEAR). Sub-accounts of an account whose key is known are created by a real
   * transaction from the parent (CreateAccount + Transfer + AddKey); NEAR-implicit ids by a transfer
   * from the root; anything else (e.g. top-level ids only `registrar` could create) by a state patch.
   */
  createAccount(accountId: AccountId, opts: { balance?: bigint; keyPair?: KeyPair } = {}): AccountHandle {
    assertValidAccountId(accountId);
    const balance = opts.balance ?? 100n * NEAR;
    if (accountType(accountId) === 'NearImplicitAccount') {
      const keyPair = opts.keyPair;
      if (!keyPair || nearImplicitAccountId(keyPair.publicKey.data) !== accountId) {
        throw new Error(`implicit account ${accountId} needs the ed25519 key pair whose public key it encodes (keyPair option)`);
      }
      this.#expectSuccess(this.transfer(this.root.accountId, accountId, balance));
      this.#keys.set(accountId, keyPair);
      return { accountId, keyPair };
    }
    const keyPair = opts.keyPair ?? KeyPair.fromLabel(accountId);
    const parent = accountId.slice(accountId.indexOf('.') + 1);
    if (accountId.includes('.') && isSubAccountOf(accountId, parent) && this.#keys.has(parent) && this.chain.state.getAccount(parent)) {
      this.#expectSuccess(
        this.signAndSendTransaction(parent, accountId, [
          { type: 'CreateAccount' },
          { type: 'Transfer', deposit: balance },
          { type: 'AddKey', publicKey: keyPair.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } },
        ]),
      );
    } else {
      if (this.chain.state.getAccount(accountId)) throw new Error(`account ${accountId} already exists`);
      // what genesis / AddKey account for: 100 + the key's trie id (borsh key; 33 for ML-DSA-65) + borsh(full-access key) 9 + 40
      const storage = this.config.storageNumBytesAccount + BigInt(publicKeyTrieIdLength(keyPair.publicKey)) + 9n + this.config.storageNumExtraBytesRecord;
      this.patchState([
        { Account: { account_id: accountId, account: { amount: balance.toString(), locked: '0', code_hash: hashToString(NO_CODE_HASH), storage_usage: Number(storage) } } },
        { AccessKey: { account_id: accountId, public_key: publicKeyToString(keyPair.publicKey), access_key: { nonce: 0, permission: 'FullAccess' } } },
      ]);
    }
    this.#keys.set(accountId, keyPair);
    return { accountId, keyPair };
  }

  #expectSuccess(r: TransactionResult): TransactionResult {
    if (!r.succeeded) throw new TransactionFailedError(r.failure ?? { ActionError: { index: null, kind: 'Unknown' } }, r);
    return r;
  }

  // --- blocks ---

  /** Produces `n` blocks (default 1), running queued transactions and receipts; returns the new head. */
  produceBlocks(n = 1): Block {
    for (let i = 0; i < n; i++) this.chain.produceBlock();
    // fork mode: receipts whose remote state was unavailable wait for a later block (sendTransaction reports them)
    this.chain.takeUnavailable();
    return this.head;
  }

  /**
   * neard's `sandbox_fast_forward(delta)`, block by block as nearcore's sandbox client does it
   * (chain/client client_actions.rs `sandbox_process_fast_forward`, `post_block_production`): heights are
   * skipped in one jump, except that within 3 heights of an epoch boundary blocks are made one at a time (the
   * epoch manager sees every boundary), and a jump stops 3 heights before the next boundary. Each block made
   * counts 1 of the delta and a jump counts its skipped heights; the last jump's block is 1 past them, so a
   * fast-forward that ends in a jump leaves the head at `start + delta + 1` and one that ends at a boundary at
   * `start + delta`. The final block (`lastFinalBlock`) lags behind until two consecutive heights follow:
   * neard goes on making a block every block time, which makes it final within two blocks; this node makes
   * blocks on demand, so a fast-forward ends with those two (`settleFastForward`).
   */
  fastForward(deltaHeight: number | bigint): Block {
    let last: Block | undefined;
    for (let left = BigInt(deltaHeight); left > 0n; ) {
      left = this.fastForwardStep(left);
      last = this.head;
    }
    if (last) this.settleFastForward(last);
    return this.head;
  }

  /** The blocks neard makes next, at consecutive heights, until `last` (a fast-forward's last block) is final. */
  settleFastForward(last: Block): void {
    while (this.chain.lastFinalBlock().height < last.height) this.chain.produceBlock();
  }

  /** One block of `fastForward`; returns what is left of the delta. */
  fastForwardStep(left: bigint): bigint {
    const epochLength = this.chain.epochLength;
    if (epochLength <= 3n) throw new RangeError('Unsupported: fast_forward with an epoch length of 3 or less');
    const height = this.head.height;
    const inEpoch = height % epochLength;
    if (epochLength - inEpoch <= 3n || inEpoch === 0n) {
      this.chain.produceBlock();
      return left - 1n;
    }
    if (inEpoch + left >= epochLength) {
      const jump = epochLength - inEpoch - 3n;
      this.chain.produceBlock(height + jump + 1n);
      return left - jump - 1n;
    }
    this.chain.produceBlock(height + left + 1n);
    return 0n;
  }

  /** A block by height, base58 hash, or the head when omitted. */
  getBlock(reference?: number | bigint | string): Block {
    if (reference === undefined) return this.head;
    const block = typeof reference === 'string' ? this.chain.blockByHash(reference) : this.chain.blockByHeight(BigInt(reference));
    if (!block) throw new UnknownBlockError(String(reference));
    return block;
  }

  // --- outcomes ---

  getTransactionOutcome(hash: string): TransactionResult {
    const outcome = this.chain.finalOutcome(hash);
    if (!outcome) {
      const error = this.chain.transactionError(hash);
      if (error && 'InvalidTxError' in error) throw new InvalidTransactionError(error.InvalidTxError);
      throw new UnknownTransactionError(hash);
    }
    return new TransactionResult(hash, outcome);
  }

  /** nearcore `ReceiptView` (EXPERIMENTAL_receipt). */
  getReceipt(receiptId: string): JsonValue {
    const view = this.chain.receiptView(receiptId);
    if (view === undefined) throw new Error(`receipt ${receiptId} is not known to this node`);
    return view;
  }

  // --- views ---

  viewAccount(accountId: AccountId): AccountView {
    const a = this.chain.state.getAccount(accountId);
    if (!a) throw new UnknownAccountError(accountId);
    const view = accountView(a);
    if (a.global?.type === 'AccountId') {
      // GlobalByAccount: the hash of the code that account has deployed now (AccountContract::hash).
      const current = this.chain.state.globalCode.get(globalContractKey(a.global));
      if (current) view.code_hash = hashToString(current.hash);
    }
    return view;
  }

  getBalance(accountId: AccountId): bigint {
    const a = this.chain.state.getAccount(accountId);
    if (!a) throw new UnknownAccountError(accountId);
    return a.amount;
  }

  viewAccessKey(accountId: AccountId, publicKey: string | PublicKey): { nonce: number; permission: JsonValue } {
    const pk = typeof publicKey === 'string' ? parsePublicKey(publicKey) : publicKey;
    const ak = this.chain.state.getAccessKey(accountId, pk);
    if (!ak) throw new UnknownAccessKeyError(accountId, publicKeyToString(pk));
    return accessKeyView(ak);
  }

  /**
   * The nonces of a gas key, by index (nearcore `view_gas_key_nonces`, runtime/runtime/src/state_viewer); null when
   * the key is missing or is not a gas key.
   */
  viewGasKeyNonces(accountId: AccountId, publicKey: string | PublicKey): number[] | null {
    const pk = typeof publicKey === 'string' ? parsePublicKey(publicKey) : publicKey;
    const ak = this.chain.state.getAccessKey(accountId, pk);
    const info = ak ? gasKeyInfo(ak.permission) : null;
    if (!info) return null;
    return Array.from({ length: info.numNonces }, (_, i) => Number(this.chain.state.getGasKeyNonce(accountId, pk, i) ?? 0n));
  }

  /** The raw access key (nonce as bigint), or undefined. */
  getAccessKey(accountId: AccountId, publicKey: string | PublicKey): AccessKey | undefined {
    const pk = typeof publicKey === 'string' ? parsePublicKey(publicKey) : publicKey;
    return this.chain.state.getAccessKey(accountId, pk);
  }

  viewAccessKeys(accountId: AccountId): Array<{ public_key: string; access_key: { nonce: number; permission: JsonValue } }> {
    // trie order: by borsh(PublicKeyHandle) bytes; an ML-DSA-65 key is listed by its handle, `ml-dsa-65-hash:…`
    // (nearcore keeps only the hash, so view_access_key_list cannot show the key itself; NEP-645)
    const order = (pk: PublicKey) => Buffer.from(publicKeyHandleBorsh(pk)).toString('hex');
    return this.chain.state
      .listAccessKeys(accountId)
      .sort((a, b) => (order(a.publicKey) < order(b.publicKey) ? -1 : 1))
      .map((k) => ({ public_key: publicKeyHandleToString(k.publicKey), access_key: accessKeyView(k.accessKey) }));
  }

  viewCode(accountId: AccountId): Uint8Array {
    const a = this.chain.state.getAccount(accountId);
    if (!a) throw new UnknownAccountError(accountId);
    const contract = accountCode(this.chain.state, accountId, a);
    if (!contract) throw new Error(`contract code of ${accountId} does not exist (deploy a contract first)`);
    return contract.code;
  }

  /**
   * A deployed global contract's code and hash (nearcore `view_global_contract_code[_by_account_id]`): by code hash,
   * or the code an account has deployed as global by account id now. Throws `NoGlobalContractCodeError`.
   */
  viewGlobalContractCode(identifier: GlobalContractIdentifier): { code: Uint8Array; hash: Uint8Array } {
    const contract = this.chain.state.globalCode.get(globalContractKey(identifier));
    if (!contract) throw new NoGlobalContractCodeError(identifier);
    return contract;
  }

  /** Contract storage entries whose key starts with `prefix`, in key order. */
  viewState(accountId: AccountId, prefix: Uint8Array | string = new Uint8Array()): Array<{ key: Uint8Array; value: Uint8Array }> {
    if (!this.chain.state.getAccount(accountId)) throw new UnknownAccountError(accountId);
    const p = typeof prefix === 'string' ? new TextEncoder().encode(prefix) : prefix;
    return this.chain.state.listData(accountId, p).map(([key, value]) => ({ key, value }));
  }

  /** Runs a view method; returns the raw result and logs. Throws `ViewCallError` if the contract fails. */
  viewFunction(accountId: AccountId, methodName: string, args?: Args): { result: Uint8Array; logs: string[] } {
    const state = this.chain.state;
    const account = state.getAccount(accountId);
    if (!account) throw new UnknownAccountError(accountId);
    const contract = accountCode(state, accountId, account);
    if (!contract) throw new ViewCallError({ CompilationError: { CodeDoesNotExist: { account_id: accountId } } }, []);
    const head = this.head;
    try {
      const out = runFunctionCall({
        code: contract.code,
        codeHash: contract.hash,
        methodName,
        protocolVersion: this.protocolVersion,
        context: {
          currentAccountId: accountId,
          signerAccountId: accountId,
          signerAccountPk: new Uint8Array(),
          predecessorAccountId: accountId,
          input: encodeArgs(args),
          promiseResults: [],
          blockHeight: head.height,
          blockTimestamp: head.timestamp,
          epochHeight: head.epochHeight,
          accountBalance: account.amount,
          accountLockedBalance: account.locked,
          storageUsage: account.storageUsage,
          attachedDeposit: 0n,
          prepaidGas: this.config.wasm.maxGasBurntView,
          randomSeed: randomSeed(sha256(head.hash), head.randomValue),
          isView: true,
          outputDataReceivers: [],
          chainId: this.chain.options.chainId,
          accountContract: accountContractOf(account),
        },
        external: {
          storageGet: (key) => state.getData(accountId, key),
          storageSet: (key, value) => state.setData(accountId, key, value),
          storageRemove: (key) => state.removeData(accountId, key),
          storageHasKey: (key) => state.getData(accountId, key) !== undefined,
          validatorStake: (id) => (id === this.root.accountId ? state.getAccount(id)?.locked : undefined),
          validatorTotalStake: () => state.getAccount(this.root.accountId)?.locked ?? 0n,
          // promises and yields are ProhibitedInView before they reach these
          generateDataId: () => new Uint8Array(32),
          createPromiseYield: () => undefined,
          yieldDataId: () => undefined,
          submitYieldResume: () => false,
        },
      });
      if (out.aborted) throw new ViewCallError(out.aborted, out.logs);
      const result = out.returnData.kind === 'Value' ? out.returnData.value : new Uint8Array();
      return { result, logs: out.logs };
    } finally {
      state.rollback(); // a view never changes state
    }
  }

  /** Runs a view method and parses its JSON result (the raw string if it is not JSON). */
  view<T = unknown>(accountId: AccountId, methodName: string, args?: Args): T {
    return parseReturn(this.viewFunction(accountId, methodName, args).result) as T;
  }

  // --- sandbox powers ---

  /**
   * Acts as an existing account (a forked one, typically: anvil's impersonation): adds a full-access key to it
   * in this node's state only and signs for it from now on. The remote never sees the key; storage usage is not
   * recomputed (a state patch). Default key: one derived from the account id.
   */
  impersonate(accountId: AccountId, keyPair: KeyPair = KeyPair.fromLabel(`impersonate:${accountId}`)): AccountHandle {
    if (!this.chain.state.getAccount(accountId)) throw new UnknownAccountError(accountId);
    if (!this.chain.state.getAccessKey(accountId, keyPair.publicKey)) {
      this.patchState([{ AccessKey: { account_id: accountId, public_key: publicKeyToString(keyPair.publicKey), access_key: { nonce: 0, permission: 'FullAccess' } } }]);
    }
    this.#keys.set(accountId, keyPair);
    return { accountId, keyPair };
  }

  /**
   * nearcore `sandbox_patch_state` records, applied at once and verbatim (storage usage is not
   * recomputed, as nearcore's `apply_state_patch`). Record shapes: `StateRecord`.
   */
  patchState(records: StateRecord[]): void {
    const state = this.chain.state;
    const parsed = records.map((r) => parseRecord(r));
    for (const p of parsed) p(state);
    state.commit({ type: 'migration' }); // nearcore apply_state_patch: its changes show in the next block
    if (state.finalize()) this.chain.stateChangedOutsideBlocks();
  }

  /**
   * Calls `listener` for every transaction converted and every receipt applied, in execution order, with
   * logs, NEP-297 events and failures in words (the stream `npm run sandbox` prints). Returns the unsubscribe
   * function.
   */
  onExecution(listener: (event: ExecutionEvent) => void): () => void {
    return this.chain.observe((block) => {
      for (const event of executionEvents(block)) listener(event);
    });
  }

  /**
   * The next block's timestamp (a Date or nanoseconds since the Unix epoch; anvil's `evm_setNextBlockTimestamp`);
   * later blocks follow at the block time. It must be later than the head's.
   */
  setNextBlockTimestamp(time: Date | bigint): void {
    this.chain.setNextBlockTimestamp(typeof time === 'bigint' ? time : BigInt(time.getTime()) * 1_000_000n);
  }

  snapshot(): Snapshot {
    return new Snapshot(this.chain.snapshot(), new Map(this.#keys));
  }

  restore(snapshot: Snapshot): void {
    this.chain.restore(snapshot.chain);
    this.#keys = new Map(snapshot.keys);
  }
}

/** Validates a record up front (so a bad batch changes nothing) and returns its writer. */
function parseRecord(r: StateRecord): (state: Chain['state']) => void {
  const bad = (why: string) => new Error(`invalid state record ${JSON.stringify(r).slice(0, 200)}: ${why}`);
  if ('Account' in r) {
    const { account_id, account } = r.Account;
    assertValidAccountId(account_id);
    const codeHash = account.code_hash ? (account.code_hash === '11111111111111111111111111111111' ? NO_CODE_HASH : hashFromString(account.code_hash)) : NO_CODE_HASH;
    const value: Account = { amount: BigInt(account.amount), locked: BigInt(account.locked ?? 0), codeHash, storageUsage: BigInt(account.storage_usage ?? 0) };
    if (account.global_contract_hash) value.global = { type: 'CodeHash', hash: hashFromString(account.global_contract_hash) };
    else if (account.global_contract_account_id) value.global = { type: 'AccountId', accountId: assertValidAccountId(account.global_contract_account_id) };
    return (s) => s.setAccount(account_id, value);
  }
  if ('AccessKey' in r) {
    const { account_id, public_key, access_key } = r.AccessKey;
    assertValidAccountId(account_id);
    // an ML-DSA-65 key may come as its handle (`ml-dsa-65-hash:…`, what a fork's remote lists and the store keeps)
    const pk = parsePublicKeyHandle(public_key);
    const ak: AccessKey = { nonce: BigInt(access_key.nonce), permission: accessKeyPermissionFromView(access_key.permission) };
    return (s) => s.setAccessKey(account_id, pk, ak);
  }
  if ('Contract' in r) {
    const { account_id, code } = r.Contract;
    assertValidAccountId(account_id);
    const bytes = fromBase64(code);
    return (s) => {
      s.code.set(account_id, bytes);
      const acc = s.getAccount(account_id);
      // nearcore expects a preceding Account record with the code hash; keep the account consistent either way.
      if (acc) s.setAccount(account_id, { ...acc, codeHash: sha256(bytes) });
    };
  }
  if ('Data' in r) {
    const { account_id, data_key, value } = r.Data;
    assertValidAccountId(account_id);
    const k = fromBase64(data_key);
    const v = fromBase64(value);
    return (s) => void s.setData(account_id, k, v);
  }
  if ('GlobalContractCode' in r) {
    const { identifier, code } = r.GlobalContractCode;
    const bytes = fromBase64(code);
    const id: GlobalContractIdentifier =
      'CodeHash' in identifier ? { type: 'CodeHash', hash: hashFromString(identifier.CodeHash) } : { type: 'AccountId', accountId: assertValidAccountId(identifier.AccountId) };
    return (s) => s.globalCode.set(globalContractKey(id), { code: bytes, hash: sha256(bytes) });
  }
  throw bad('expected one of Account, AccessKey, Contract, Data, GlobalContractCode');
}

/**
 * The one entry point: a fresh node at genesis (`test.near` and `near` funded as `neard init` does). With
 * `NEAR_GAS_REPORT_DIR` set (`npm test -- --gas-report`), it records its function calls for the gas report.
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const sandbox = new Sandbox(options);
  const gasReportDir = globalThis.process?.env?.[GAS_REPORT_DIR_ENV];
  if (gasReportDir) recordGas(sandbox, gasReportDir);
  return sandbox;
}


/**
 * The boundary between the contract VM (`vm/`, nearcore's `runtime/near-vm-runner`) and the
 * runtime (`runtime/`, nearcore's `runtime/runtime`). Mirrors nearcore's `VMContext`,
 * `External` (logic/dependencies.rs), `ReceiptManager` and `VMOutcome` (logic/logic.rs).
 *
 * Both sides code against this file only. Amounts are bigint yoctoNEAR, gas is bigint.
 */

export type AccountId = string;
export type Gas = bigint;
export type Balance = bigint;

/** nearcore `PromiseResult`. */
export type PromiseResult =
  | { kind: 'NotReady' }
  | { kind: 'Successful'; value: Uint8Array }
  | { kind: 'Failed' };

/** nearcore `VMContext` (near-vm-runner/src/logic/context.rs). */
export interface VMContext {
  currentAccountId: AccountId;
  signerAccountId: AccountId;
  /** borsh-serialized PublicKey: 1 byte key type (0 ed25519, 1 secp256k1) then the key bytes. */
  signerAccountPk: Uint8Array;
  predecessorAccountId: AccountId;
  input: Uint8Array;
  promiseResults: PromiseResult[];
  blockHeight: bigint;
  blockTimestamp: bigint;
  epochHeight: bigint;
  /** The account's amount before this call; the VM credits `attachedDeposit` itself (nearcore logic.rs). */
  accountBalance: Balance;
  accountLockedBalance: Balance;
  storageUsage: bigint;
  attachedDeposit: Balance;
  prepaidGas: Gas;
  /** 32 bytes. */
  randomSeed: Uint8Array;
  /** Set for view calls (`query call_function`): state-changing host functions fail with ProhibitedInView. */
  isView: boolean;
  /** Accounts that receive this receipt's return value as data (output_data_receivers). */
  outputDataReceivers: AccountId[];
  /** The genesis chain id (`chain_id` host function, protocol 85+). */
  chainId?: string;
  /** Who gets this receipt's balance refund: set by the predecessor's `promise_set_refund_to`, else the predecessor. */
  refundToAccountId?: AccountId;
  /** The account's contract as `current_contract_code` reports it (nearcore `AccountContract`); absent: None. */
  accountContract?: AccountContract;
}

/** nearcore `AccountContract`: what code an account runs. */
export type AccountContract =
  | { kind: 'None' }
  | { kind: 'Local'; hash: Uint8Array }
  | { kind: 'Global'; hash: Uint8Array }
  | { kind: 'GlobalByAccount'; accountId: AccountId };

/** nearcore `GlobalContractIdentifier`. */
export type GlobalContractId = { kind: 'CodeHash'; hash: Uint8Array } | { kind: 'AccountId'; accountId: AccountId };

/** One action appended to a receipt by a `promise_batch_action_*` host function. */
export type ReceiptAction =
  | { kind: 'CreateAccount' }
  | { kind: 'DeployContract'; code: Uint8Array }
  | { kind: 'FunctionCall'; methodName: string; args: Uint8Array; deposit: Balance; gas: Gas; gasWeight: bigint }
  | { kind: 'Transfer'; deposit: Balance }
  | { kind: 'Stake'; stake: Balance; publicKey: Uint8Array }
  | { kind: 'AddKey'; publicKey: Uint8Array; nonce: bigint; permission: AccessKeyPermissionSpec }
  | { kind: 'DeleteKey'; publicKey: Uint8Array }
  | { kind: 'DeleteAccount'; beneficiaryId: AccountId }
  | { kind: 'DeployGlobalContract'; code: Uint8Array; deployMode: 'CodeHash' | 'AccountId' }
  | { kind: 'UseGlobalContract'; contractIdentifier: GlobalContractId }
  /** NEP-616; `set_state_init_data_entry` adds to `data` (in call order; the runtime keeps nearcore's BTreeMap order). */
  | { kind: 'DeterministicStateInit'; code: GlobalContractId; data: Array<[Uint8Array, Uint8Array]>; deposit: Balance }
  | { kind: 'TransferToGasKey'; publicKey: Uint8Array; deposit: Balance };

export type AccessKeyPermissionSpec =
  | { kind: 'FullAccess' }
  /** allowance null = unlimited (0 in the host call means None). */
  | { kind: 'FunctionCall'; allowance: Balance | null; receiverId: AccountId; methodNames: string[] }
  /** A gas key (balance 0 when added); the nonce the host function is given is not used. */
  | { kind: 'GasKeyFullAccess'; numNonces: number }
  | { kind: 'GasKeyFunctionCall'; numNonces: number; allowance: Balance | null; receiverId: AccountId; methodNames: string[] };

/**
 * A receipt the contract asked for (nearcore ReceiptManager's `ActionReceiptMetadata`).
 * `dependsOn` holds indices into `VMOutcome.receipts` whose results this receipt waits for.
 */
export interface PlannedReceipt {
  receiverId: AccountId;
  dependsOn: number[];
  /**
   * The data id of each dependency's result, made when the receipt was (ext.rs `create_action_receipt` takes
   * them from the same counter as yields, so a yield between two `promise_then`s takes the id between theirs).
   */
  dependencyDataIds: Uint8Array[];
  actions: ReceiptAction[];
  /** For a yield's receipt (`promise_yield_create` / `_with_id`): the 32-byte data id it waits for (its only input). */
  yieldDataId?: Uint8Array;
  /** Set by `promise_set_refund_to`: the account that receives this receipt's balance refund. */
  refundTo?: AccountId;
}

/**
 * Trie reads of one storage access (nearcore `TrieNodesCount`, which near-store takes from the VM
 * runner): `dbReads` are charged `touching_trie_node`, `memReads` (nodes this chunk already touched)
 * `read_cached_trie_node`. `touchValue` counts the value's node when the value is dereferenced.
 */
export interface StorageAccess {
  dbReads: number;
  memReads: number;
  touchValue(): void;
}

/**
 * What the VM needs from the runtime while running (nearcore `External`). Reads and writes go to
 * the current account's data; the runtime applies them only when the call succeeds.
 */
export interface External {
  storageGet(key: Uint8Array): Uint8Array | undefined;
  /** Returns the evicted value, if any. */
  storageSet(key: Uint8Array, value: Uint8Array): Uint8Array | undefined;
  /** Returns the removed value, if any. */
  storageRemove(key: Uint8Array): Uint8Array | undefined;
  storageHasKey(key: Uint8Array): boolean;
  validatorStake(accountId: AccountId): Balance | undefined;
  validatorTotalStake(): Balance;
  /** A fresh 32-byte data id (ext.rs `generate_data_id`: nearcore `create_data_id` from the action hash, block height and counter). */
  generateDataId(): Uint8Array;
  /**
   * A yield of this account (runtime ext.rs `create_promise_yield_receipt` / `_with_id`): a fresh data id from
   * `generateDataId`'s counter, its `PromiseYieldStatus`, and with `yieldId` the id ↔ data id maps. Undefined
   * when `yieldId` names a yield this account has pending (no id is used up then).
   */
  createPromiseYield(yieldId?: Uint8Array): Uint8Array | undefined;
  /** The data id of this account's pending yield named `yieldId` (nearcore `YieldIdToDataId`). */
  yieldDataId(yieldId: Uint8Array): Uint8Array | undefined;
  /**
   * NEP-519: deliver `payload` to a pending yield of this account. Returns false when there is no
   * such pending yield (unknown, or its callback already ran).
   */
  submitYieldResume(dataId: Uint8Array, payload: Uint8Array): boolean;
  /**
   * Optional: nearcore's trie-node accounting of a storage access to `key`, asked just before the access
   * (runtime/runtime/src/ext.rs). `walkTrie` is true for `storage_write` and `storage_remove`, which look
   * the key up through the trie (`KeyLookupMode::MemOrTrie`), and false for `storage_read` (flat storage).
   * Omitted means no trie nodes, like nearcore's `MockedExternal`.
   */
  storageAccess?(key: Uint8Array, walkTrie: boolean): StorageAccess;
  /** `sandbox_debug_log` (the sandbox build of neard logs it at debug level, for free). */
  sandboxDebugLog?(message: string): void;
}

/** nearcore `ReturnData`. */
export type ReturnData =
  | { kind: 'None' }
  | { kind: 'Value'; value: Uint8Array }
  | { kind: 'ReceiptIndex'; index: number };

/**
 * nearcore `FunctionCallError`, already in the JSON shape RPC reports inside
 * `ActionError.kind.FunctionCallError` (e.g. `{ ExecutionError: "Smart contract panicked: x" }`,
 * `{ CompilationError: { CodeDoesNotExist: { account_id } } }`, `{ MethodResolveError: "MethodNotFound" }`).
 */
export type FunctionCallErrorView = Record<string, unknown>;

/** nearcore `VMOutcome`. */
export interface VMOutcome {
  /** Account amount after the call: context balance + attached deposit − deposits sent by promises. */
  balance: Balance;
  /** logic.rs `subsidized_amount`: deposits of promise calls minted under `one_yocto_on_promise` (0 before 85). */
  subsidizedAmount: Balance;
  storageUsage: bigint;
  returnData: ReturnData;
  burntGas: Gas;
  usedGas: Gas;
  logs: string[];
  /** Receipts created by promise host functions, in creation order. Ignored by the runtime on abort. */
  receipts: PlannedReceipt[];
  /** Per-cost profile: ExtCost name -> gas, action name -> gas, plus WASM_INSTRUCTION. */
  profile: Record<string, Gas>;
  aborted: FunctionCallErrorView | null;
}

/** What the runtime passes to run one function call. */
export interface RunFunctionCall {
  /** Contract Wasm as deployed (the VM prepares, instruments and caches it by `codeHash`). */
  code: Uint8Array;
  codeHash: Uint8Array;
  methodName: string;
  context: VMContext;
  external: External;
  protocolVersion: number;
  /**
   * Tests and benchmarks only (prepare.ts `Metering`): 'per-instruction' is the reference counter, 'none' runs
   * without wasm gas/stack metering (host functions still charge). The runtime never sets it.
   */
  metering?: 'finite-wasm' | 'per-instruction' | 'none';
}

/**
 * The shape of nearcore's `RuntimeConfig` (core/parameters) as this node uses it. Values live in
 * one table per protocol version (`./table.ts`), taken from nearcore's generated parameter
 * snapshots (`core/parameters/src/snapshots/near_parameters__config_store__tests__<PV>.json.snap`).
 */

/** A fee triple: charged on send (sender is receiver or not) and on execution. */
export interface Fee {
  sendSir: bigint;
  sendNotSir: bigint;
  execution: bigint;
}

/** nearcore `RuntimeFeesConfig.action_fees` keys, camelCased (`ActionCosts`). */
export type ActionCost =
  | 'newActionReceipt'
  | 'newDataReceiptBase'
  | 'newDataReceiptByte'
  | 'createAccount'
  | 'deleteAccount'
  | 'deployContractBase'
  | 'deployContractByte'
  | 'functionCallBase'
  | 'functionCallByte'
  | 'transfer'
  | 'stake'
  | 'addFullAccessKey'
  | 'addFunctionCallKeyBase'
  | 'addFunctionCallKeyByte'
  | 'deleteKey'
  | 'delegate'
  | 'deployGlobalContractBase'
  | 'deployGlobalContractByte'
  | 'useGlobalContractBase'
  | 'useGlobalContractByte'
  | 'deterministicStateInitBase'
  | 'deterministicStateInitEntry'
  | 'deterministicStateInitByte'
  | 'gasKeyTransferBase'
  | 'gasKeyByte'
  | 'gasKeyNonceWriteBase';

/** nearcore `ExtCosts` names exactly as nearcore spells them (snake_case), so profiles match RPC output. */
export type ExtCost = string;

export interface RuntimeConfig {
  protocolVersion: number;
  /** The nearcore snapshot file (and commit) the table was copied from. */
  snapshot: string;
  actionFees: Record<ActionCost, Fee>;
  /** ExtCosts in gas, keyed by nearcore's name (`base`, `read_memory_byte`, `storage_write_base`, …). */
  extCosts: Record<ExtCost, bigint>;
  storageAmountPerByte: bigint;
  /** Burnt per code byte by DeployGlobalContract (77.yaml `global_contract_storage_amount_per_byte`). */
  globalContractStorageAmountPerByte: bigint;
  storageNumBytesAccount: bigint;
  storageNumExtraBytesRecord: bigint;
  burntGasReward: { numerator: bigint; denominator: bigint };
  pessimisticGasPriceInflation: { numerator: bigint; denominator: bigint };
  refundGasPriceChanges: boolean;
  minGasPurchasePrice: bigint;
  /**
   * `ml_dsa_65_verification_cost` (`RuntimeFeesConfig::signature_verification_costs[MlDsa65]`, NEP-645): gas burnt
   * at conversion per ML-DSA-65 signature a transaction carries (its own, each delegate's); 0 before 85.
   */
  mlDsa65VerificationCost: bigint;
  accountCreationCharge: bigint;
  minAllowedTopLevelAccountLength: number;
  registrarAccountId: string;
  accountIdValidityRulesVersion: number;
  wasm: {
    regularOpCost: bigint;
    linearOpBaseCost: bigint;
    linearOpUnitCost: bigint;
    maxGasBurnt: bigint;
    maxGasBurntView: bigint;
    maxStackHeight: number;
    initialMemoryPages: number;
    maxMemoryPages: number;
    registersMemoryLimit: bigint;
    maxRegisterSize: bigint;
    maxNumberRegisters: number;
    maxNumberLogs: number;
    maxTotalLogLength: number;
    maxLengthMethodName: number;
    maxArgumentsLength: number;
    maxLengthReturnedData: number;
    maxContractSize: number;
    maxLengthStorageKey: number;
    maxLengthStorageValue: number;
    maxPromisesPerFunctionCallAction: number;
    maxNumberInputDataDependencies: number;
    maxFunctionsNumberPerContract: number;
    maxLocalsPerContract: number;
    maxYieldPayloadSize: number;
    yieldTimeoutLengthInBlocks: number;
    /**
     * Contract preparation limits (prepare_v3.rs early pass, instrument_v3.rs); null where the version has no
     * such limit: every one of them arrives with 84.yaml (the 77 snapshot has none of them, the 84 one all).
     */
    maxTablesPerContract: number | null;
    maxElementsPerContractTable: number | null;
    maxFunctionBodySize: number | null;
    maxTypesPerContract: number | null;
    maxParamsPerFunction: number | null;
    maxParamsPerContract: number | null;
    maxOperandStackBytesPerFunction: number | null;
    maxBlocksPerFunction: number | null;
    maxBlocksPerContract: number | null;
    maxInstrumentedCodeSize: number | null;
    perReceiptStorageProofSizeLimit: number;
    /** Wasm feature and host-function gates (wasm_config flags in the snapshot). */
    reftypesBulkMemory: boolean;
    /**
     * Saturating float-to-int conversions (`i32.trunc_sat_f32_s` …, 0xfc 0..7): protocol feature
     * SaturatingFloatToInt, enabled from 78 (core/primitives-core/src/version.rs); a protocol feature, not a
     * snapshot parameter.
     */
    saturatingFloatToInt: boolean;
    /** `one_yocto_on_promise` (85.yaml): a zero-balance contract may attach exactly 1 yoctoNEAR to a promise call. */
    oneYoctoOnPromise: boolean;
    discardCustomSections: boolean;
    yieldWithIdHostFns: boolean;
    chainIdHostFn: boolean;
    p256VerifyHostFn: boolean;
    globalContractHostFns: boolean;
    /** 85: `promise_batch_action_transfer_to_gas_key` and the two `add_gas_key_*` host functions. */
    gasKeyHostFns: boolean;
    /** Protocol feature DeterministicAccountIds (PV 82); changes register-write charging of `input`. */
    deterministicAccountIds: boolean;
    /** `bls12381_not_in_group_fix` (false in both snapshots). */
    bls12381NotInGroupFix: boolean;
    /**
     * `sha3_256_host_fn`: listed (false) only by the 77 snapshot this table follows, a later nearcore than the 86
     * one, which predates the flag; null where the snapshot has no such key.
     */
    sha3HostFn: boolean | null;
    /** `vm_kind` (redacted in the snapshots): NearVm until 84.yaml switched it to Wasmtime. */
    vmKind: 'NearVm' | 'Wasmtime';
  };
  /** `congestion_control_config` of the snapshot: only reported (this node runs one shard and never congests). */
  congestionControl: Record<string, number>;
  /** `witness_config` of the snapshot: only reported (no chunk witnesses here). */
  witness: Record<string, number>;
  limits: {
    maxTotalPrepaidGas: bigint;
    maxActionsPerReceipt: number;
    maxDeployActionsPerReceipt: number;
    maxNumberBytesMethodNames: number;
    maxTransactionSize: number;
    maxReceiptSize: number;
  };
}

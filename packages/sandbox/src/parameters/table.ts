/**
 * Effective runtime parameters, one table per supported protocol version. Every value is copied from
 * nearcore's generated config snapshots (the tested effective config of a version):
 *   PV 86: near/nearcore core/parameters/src/snapshots/near_parameters__config_store__tests__86.json.snap @11babcf8
 *   PV 77: near/nearcore core/parameters/src/snapshots/near_parameters__config_store__tests__77.json.snap @05668890
 * Values the snapshots do not show (max_gas_burnt_view, feature flags that are protocol features rather than
 * parameters) carry their own source comment.
 */
import type { ActionCost, Fee, RuntimeConfig } from './types.js';

const fee = (sendSir: bigint, sendNotSir: bigint, execution: bigint): Fee => ({ sendSir, sendNotSir, execution });

/** `wasm_config.ext_costs` of the PV 86 snapshot. */
const EXT_COSTS_86: Record<string, bigint> = {
  base: 264_768_111n,
  contract_loading_base: 35_445_963n,
  contract_loading_bytes: 1_089_295n,
  read_memory_base: 2_609_863_200n,
  read_memory_byte: 3_801_333n,
  write_memory_base: 2_803_794_861n,
  write_memory_byte: 2_723_772n,
  read_register_base: 2_517_165_186n,
  read_register_byte: 98_562n,
  write_register_base: 2_865_522_486n,
  write_register_byte: 3_801_564n,
  utf8_decoding_base: 3_111_779_061n,
  utf8_decoding_byte: 291_580_479n,
  utf16_decoding_base: 3_543_313_050n,
  utf16_decoding_byte: 163_577_493n,
  sha256_base: 4_540_970_250n,
  sha256_byte: 24_117_351n,
  keccak256_base: 5_879_491_275n,
  keccak256_byte: 21_471_105n,
  keccak512_base: 5_811_388_236n,
  keccak512_byte: 36_649_701n,
  ripemd160_base: 853_675_086n,
  ripemd160_block: 680_107_584n,
  ed25519_verify_base: 210_000_000_000n,
  ed25519_verify_byte: 9_000_000n,
  ecrecover_base: 278_821_988_457n,
  p256_verify_base: 1_300_000_000_000n,
  p256_verify_byte: 13_000_000n,
  log_base: 3_543_313_050n,
  log_byte: 13_198_791n,
  storage_write_base: 64_196_736_000n,
  storage_write_key_byte: 70_482_867n,
  storage_write_value_byte: 31_018_539n,
  storage_write_evicted_byte: 32_117_307n,
  storage_read_base: 56_356_845_749n,
  storage_read_key_byte: 30_952_533n,
  storage_read_value_byte: 5_611_004n,
  storage_large_read_overhead_base: 1n,
  storage_large_read_overhead_byte: 1n,
  storage_remove_base: 53_473_030_500n,
  storage_remove_key_byte: 38_220_384n,
  storage_remove_ret_value_byte: 11_531_556n,
  storage_has_key_base: 54_039_896_625n,
  storage_has_key_byte: 30_790_845n,
  storage_iter_create_prefix_base: 0n,
  storage_iter_create_prefix_byte: 0n,
  storage_iter_create_range_base: 0n,
  storage_iter_create_from_byte: 0n,
  storage_iter_create_to_byte: 0n,
  storage_iter_next_base: 0n,
  storage_iter_next_key_byte: 0n,
  storage_iter_next_value_byte: 0n,
  touching_trie_node: 2_280_000_000n,
  read_cached_trie_node: 2_280_000_000n,
  promise_and_base: 1_465_013_400n,
  promise_and_per_promise: 5_452_176n,
  promise_return: 560_152_386n,
  validator_stake_base: 911_834_726_400n,
  validator_total_stake_base: 911_834_726_400n,
  contract_compile_base: 0n,
  contract_compile_bytes: 0n,
  alt_bn128_g1_multiexp_base: 713_000_000_000n,
  alt_bn128_g1_multiexp_element: 320_000_000_000n,
  alt_bn128_g1_sum_base: 3_000_000_000n,
  alt_bn128_g1_sum_element: 5_000_000_000n,
  alt_bn128_pairing_check_base: 9_686_000_000_000n,
  alt_bn128_pairing_check_element: 5_102_000_000_000n,
  yield_create_base: 153_411_779_276n,
  yield_create_byte: 15_643_988n,
  yield_create_with_id_base: 290_000_000_000n,
  yield_resume_base: 1_195_627_285_210n,
  yield_resume_byte: 47_683_715n,
  bls12381_p1_sum_base: 16_500_000_000n,
  bls12381_p1_sum_element: 6_000_000_000n,
  bls12381_p2_sum_base: 18_600_000_000n,
  bls12381_p2_sum_element: 15_000_000_000n,
  bls12381_g1_multiexp_base: 16_500_000_000n,
  bls12381_g1_multiexp_element: 930_000_000_000n,
  bls12381_g2_multiexp_base: 18_600_000_000n,
  bls12381_g2_multiexp_element: 1_995_000_000_000n,
  bls12381_map_fp_to_g1_base: 1_500_000_000n,
  bls12381_map_fp_to_g1_element: 252_000_000_000n,
  bls12381_map_fp2_to_g2_base: 1_500_000_000n,
  bls12381_map_fp2_to_g2_element: 900_000_000_000n,
  bls12381_pairing_base: 2_130_000_000_000n,
  bls12381_pairing_element: 2_130_000_000_000n,
  bls12381_p1_decompress_base: 15_000_000_000n,
  bls12381_p1_decompress_element: 81_000_000_000n,
  bls12381_p2_decompress_base: 15_000_000_000n,
  bls12381_p2_decompress_element: 165_000_000_000n,
};

/** PV 77 snapshot differs from PV 86 in these ext costs only (everything else is equal). */
const EXT_COSTS_77: Record<string, bigint> = {
  ...EXT_COSTS_86,
  // 81.yaml lowered touching_trie_node 16_101_955_926 -> 2_280_000_000; PV 77 predates it.
  touching_trie_node: 16_101_955_926n,
  // Placeholder (feature off at 77).
  yield_create_with_id_base: 300_000_000_000_000n,
  sha3_256_base: 5_879_491_275n,
  sha3_256_byte: 21_471_105n,
};

const ACTION_FEES_86: Record<ActionCost, Fee> = {
  newActionReceipt: fee(108_059_500_000n, 108_059_500_000n, 108_059_500_000n),
  newDataReceiptBase: fee(36_486_732_312n, 36_486_732_312n, 36_486_732_312n),
  newDataReceiptByte: fee(17_212_011n, 47_683_715n, 17_212_011n),
  createAccount: fee(500_000_000_000n, 500_000_000_000n, 7_200_000_000_000n),
  deleteAccount: fee(147_489_000_000n, 147_489_000_000n, 147_489_000_000n),
  deployContractBase: fee(184_765_750_000n, 184_765_750_000n, 184_765_750_000n),
  deployContractByte: fee(6_812_999n, 47_683_715n, 64_572_944n),
  functionCallBase: fee(200_000_000_000n, 200_000_000_000n, 780_000_000_000n),
  functionCallByte: fee(2_235_934n, 47_683_715n, 2_235_934n),
  transfer: fee(115_123_062_500n, 115_123_062_500n, 115_123_062_500n),
  stake: fee(141_715_687_500n, 141_715_687_500n, 102_217_625_000n),
  addFullAccessKey: fee(101_765_125_000n, 101_765_125_000n, 101_765_125_000n),
  addFunctionCallKeyBase: fee(102_217_625_000n, 102_217_625_000n, 102_217_625_000n),
  addFunctionCallKeyByte: fee(1_925_331n, 47_683_715n, 1_925_331n),
  deleteKey: fee(94_946_625_000n, 94_946_625_000n, 94_946_625_000n),
  delegate: fee(200_000_000_000n, 200_000_000_000n, 200_000_000_000n),
  // Global contracts (77.yaml; not part of the snapshot view): action_deploy_global_contract[_per_byte],
  // action_use_global_contract[_per_identifier_byte].
  deployGlobalContractBase: fee(184_765_750_000n, 184_765_750_000n, 184_765_750_000n),
  deployGlobalContractByte: fee(6_812_999n, 47_683_715n, 70_000_000n),
  useGlobalContractBase: fee(184_765_750_000n, 184_765_750_000n, 184_765_750_000n),
  useGlobalContractByte: fee(6_812_999n, 47_683_715n, 64_572_944n),
  // DeterministicAccountIds (82; not part of the snapshot view). parameters.yaml (@000b8da7) sets
  // action_deterministic_state_init 3.85T/3.85T/4.08T; near/nearcore core/parameters/res/runtime_configs/85.yaml
  // @890e1b08 (AccountCostIncrease) moves it to 0.5T send (sir and not) / 7.43T exec, beside action_create_account's
  // 0.5T/0.5T/7.2T; 86.yaml @890e1b08 leaves it. _per_entry and _per_byte are parameters.yaml's; no stored diff up to 86 changes them.
  deterministicStateInitBase: fee(500_000_000_000n, 500_000_000_000n, 7_430_000_000_000n),
  deterministicStateInitEntry: fee(0n, 0n, 200_000_000_000n),
  deterministicStateInitByte: fee(72_000_000n, 72_000_000n, 70_000_000n),
  // Gas keys (GasKeys, PV 85; ActionCosts gas_key_transfer_base, gas_key_byte, gas_key_nonce_write_base in
  // core/parameters/src/cost.rs). Not part of the snapshot view: near/nearcore
  // core/parameters/res/runtime_configs/parameters.yaml @000b8da7 action_gas_key_transfer, action_gas_key_byte and
  // action_gas_key_nonce_write_base, which no diff up to 86 changes (85.yaml and 86.yaml @890e1b08; 77, 78, 79, 83,
  // 84.yaml as stored). At 77 the actions do not exist (UnsupportedProtocolFeature).
  gasKeyTransferBase: fee(115_123_062_500n, 115_123_062_500n, 235_676_644_250n),
  gasKeyByte: fee(59_357_464n, 59_357_464n, 101_435_400n),
  gasKeyNonceWriteBase: fee(0n, 0n, 64_196_736_000n),
};

const ACTION_FEES_77: Record<ActionCost, Fee> = {
  ...ACTION_FEES_86,
  // 85 (AccountCostIncrease) changed create_account to 0.5T/0.5T/7.2T.
  createAccount: fee(3_850_000_000_000n, 3_850_000_000_000n, 3_850_000_000_000n),
  // parameters.yaml base values; the action does not exist at 77 (DeterministicAccountIds is PV 82)
  deterministicStateInitBase: fee(3_850_000_000_000n, 3_850_000_000_000n, 4_080_000_000_000n),
};

const WASM_86: RuntimeConfig['wasm'] = {
  regularOpCost: 822_756n,
  linearOpBaseCost: 26_328_192n,
  linearOpUnitCost: 822_756n,
  maxGasBurnt: 1_000_000_000_000_000n,
  // max_gas_burnt_view is a node config, not in the snapshot; 83.yaml raised it with max_gas_burnt to 1 PGas.
  maxGasBurntView: 1_000_000_000_000_000n,
  maxStackHeight: 262_144,
  initialMemoryPages: 1_024,
  maxMemoryPages: 2_048,
  registersMemoryLimit: 1_073_741_824n,
  maxRegisterSize: 104_857_600n,
  maxNumberRegisters: 100,
  maxNumberLogs: 100,
  maxTotalLogLength: 16_384,
  maxLengthMethodName: 256,
  maxArgumentsLength: 4_194_304,
  maxLengthReturnedData: 4_194_304,
  maxContractSize: 4_194_304,
  maxLengthStorageKey: 2_048,
  maxLengthStorageValue: 4_194_304,
  maxPromisesPerFunctionCallAction: 1_024,
  maxNumberInputDataDependencies: 128,
  maxFunctionsNumberPerContract: 10_000,
  maxLocalsPerContract: 1_000_000,
  maxYieldPayloadSize: 1_024,
  yieldTimeoutLengthInBlocks: 200,
  maxTablesPerContract: 1,
  maxElementsPerContractTable: 10_000,
  maxFunctionBodySize: 196_608,
  maxTypesPerContract: 1_024,
  maxParamsPerFunction: 64,
  maxParamsPerContract: 50_000,
  maxOperandStackBytesPerFunction: 8_192,
  maxBlocksPerFunction: 5_000,
  maxBlocksPerContract: 50_000,
  maxInstrumentedCodeSize: 16_777_216,
  perReceiptStorageProofSizeLimit: 4_000_000,
  reftypesBulkMemory: true,
  saturatingFloatToInt: true,
  oneYoctoOnPromise: true,
  discardCustomSections: true,
  yieldWithIdHostFns: true,
  chainIdHostFn: true,
  p256VerifyHostFn: true,
  globalContractHostFns: true,
  gasKeyHostFns: true,
  // DeterministicAccountIds (PV 82, core/primitives-core/src/version.rs): `input`/`promise_result` register
  // writes stop charging write_register_byte (logic.rs `charge_bytes_gas = !deterministic_account_ids`).
  deterministicAccountIds: true,
  bls12381NotInGroupFix: false,
  sha3HostFn: null,
  vmKind: 'Wasmtime',
};

const WASM_77: RuntimeConfig['wasm'] = {
  ...WASM_86,
  // Linear (bulk-memory) op costs are 300T placeholders at 77; bulk memory itself is off (84.yaml turns it on).
  linearOpBaseCost: 300_000_000_000_000n,
  linearOpUnitCost: 300_000_000_000_000n,
  maxGasBurnt: 300_000_000_000_000n,
  maxGasBurntView: 300_000_000_000_000n,
  // Preparation limits arrive with 84.yaml (the Wasmtime prepare_v3 path): none exists at 77. prepare_v2
  // (77's NearVm path) reads the table and type limits as Option and finds None.
  maxTablesPerContract: null,
  maxElementsPerContractTable: null,
  maxFunctionBodySize: null,
  maxTypesPerContract: null,
  maxParamsPerFunction: null,
  maxParamsPerContract: null,
  maxOperandStackBytesPerFunction: null,
  maxBlocksPerFunction: null,
  maxBlocksPerContract: null,
  maxInstrumentedCodeSize: null,
  reftypesBulkMemory: false,
  // SaturatingFloatToInt is a PV78 protocol feature (version.rs); nearcore 2.6.2 refuses trunc_sat at 77.
  saturatingFloatToInt: false,
  oneYoctoOnPromise: false,
  yieldWithIdHostFns: false,
  chainIdHostFn: false,
  p256VerifyHostFn: false,
  globalContractHostFns: false,
  gasKeyHostFns: false,
  deterministicAccountIds: false,
  sha3HostFn: false,
  vmKind: 'NearVm',
};

const CONGESTION_CONTROL_86: Record<string, number> = {
  max_congestion_incoming_gas: 400_000_000_000_000_000,
  max_congestion_outgoing_gas: 10_000_000_000_000_000,
  max_congestion_memory_consumption: 1_000_000_000,
  max_congestion_missed_chunks: 125,
  max_outgoing_gas: 300_000_000_000_000_000,
  min_outgoing_gas: 1_000_000_000_000_000,
  allowed_shard_outgoing_gas: 1_000_000_000_000_000,
  max_tx_gas: 500_000_000_000_000,
  min_tx_gas: 20_000_000_000_000,
  reject_tx_congestion_threshold: 0.8,
  outgoing_receipts_usual_size_limit: 102_400,
  outgoing_receipts_big_size_limit: 4_718_592,
};

const COMMON = {
  witness: {
    main_storage_proof_size_soft_limit: 4_000_000,
    combined_transactions_size_limit: 4_194_304,
    new_transactions_validation_state_size_soft_limit: 572_864,
  },
  storageAmountPerByte: 10_000_000_000_000_000_000n,
  // 77.yaml global_contract_storage_amount_per_byte (10x the account storage price; burnt, not staked).
  globalContractStorageAmountPerByte: 100_000_000_000_000_000_000n,
  storageNumBytesAccount: 100n,
  storageNumExtraBytesRecord: 40n,
  burntGasReward: { numerator: 3n, denominator: 10n },
  minAllowedTopLevelAccountLength: 65,
  registrarAccountId: 'registrar',
};

/** Tables are shared by every caller, so they are frozen (a mutation would silently change consensus rules). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const CONFIG_TABLES: ReadonlyMap<number, RuntimeConfig> = new Map<number, RuntimeConfig>([
  [
    77,
    {
      protocolVersion: 77,
      snapshot: 'near/nearcore core/parameters/src/snapshots/near_parameters__config_store__tests__77.json.snap @05668890',
      actionFees: ACTION_FEES_77,
      extCosts: EXT_COSTS_77,
      ...COMMON,
      pessimisticGasPriceInflation: { numerator: 103n, denominator: 100n },
      refundGasPriceChanges: true,
      minGasPurchasePrice: 0n,
      mlDsa65VerificationCost: 0n,
      accountCreationCharge: 0n,
      accountIdValidityRulesVersion: 1,
      wasm: WASM_77,
      congestionControl: { ...CONGESTION_CONTROL_86, max_congestion_missed_chunks: 5 },
      limits: {
        maxTotalPrepaidGas: 300_000_000_000_000n,
        maxActionsPerReceipt: 100,
        maxDeployActionsPerReceipt: 100,
        maxNumberBytesMethodNames: 2_000,
        maxTransactionSize: 1_572_864,
        maxReceiptSize: 4_194_304,
      },
    },
  ],
  [
    86,
    {
      protocolVersion: 86,
      snapshot: 'near/nearcore core/parameters/src/snapshots/near_parameters__config_store__tests__86.json.snap @11babcf8',
      actionFees: ACTION_FEES_86,
      extCosts: EXT_COSTS_86,
      ...COMMON,
      pessimisticGasPriceInflation: { numerator: 1n, denominator: 1n },
      refundGasPriceChanges: false,
      minGasPurchasePrice: 1_000_000_000n,
      mlDsa65VerificationCost: 100_000_000_000n,
      accountCreationCharge: 7_000_000_000_000_000_000_000n,
      accountIdValidityRulesVersion: 2,
      wasm: WASM_86,
      congestionControl: CONGESTION_CONTROL_86,
      limits: {
        maxTotalPrepaidGas: 1_000_000_000_000_000n,
        maxActionsPerReceipt: 100,
        maxDeployActionsPerReceipt: 10,
        maxNumberBytesMethodNames: 2_000,
        maxTransactionSize: 1_572_864,
        maxReceiptSize: 4_194_304,
      },
    },
  ],
].map(([v, c]) => [v, deepFreeze(c)] as [number, RuntimeConfig]));

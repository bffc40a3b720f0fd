/**
 * Chain-level JSON views (nearcore `core/primitives/src/views.rs`: `BlockView`, `BlockHeaderView`,
 * `ChunkView`, `ChunkHeaderView`, `RuntimeConfigView`; `chain/jsonrpc-primitives` status/validators/network
 * responses) for this node's one-shard, one-validator chain. Hashes that nearcore derives from structures the
 * sandbox does not have (merkle roots, chunk hashes) are derived deterministically from the block hash, so
 * they are stable and unique per block. State roots are the trie's (store/trie).
 */
import base58 from 'bs58';
import type { RuntimeConfig, Fee } from '../parameters/types.js';
import type * as Rpc from '@near-js/jsonrpc-types';
import type { BlockView, ChunkHeaderView, NetworkInfoResponse, StatusResponse, ValidatorResponse, Wire } from './wire.js';
import { signatureToString, type KeyPair } from '../primitives/crypto.js';
import type { Block } from '../runtime/chain.js';
import { hashToString, sha256 } from '../primitives/hash.js';

/** A block as the runtime keeps it (type-only import: the RPC layer still loads before the runtime). */
type BlockLike = Block;

export interface ChainInfo {
  chainId: string;
  protocolVersion: number;
  genesis: BlockLike;
  validatorId: string;
  validatorKey: KeyPair;
  /** Signs block and chunk hashes as the validator (`ed25519:<base58>`). */
  sign(message: Uint8Array): string;
  validatorStake: bigint;
  epochLength: number;
  gasLimit: number;
  /** A block by height, for epoch starts and last-final links. */
  blockAt(height: bigint): BlockLike | undefined;
  /** The last final block's height as of `head` (the Consensus spec's rule). */
  finalHeight(head: BlockLike): bigint;
  /** The last doomslug-final block's height as of `head`. */
  doomslugFinalHeight(head: BlockLike): bigint;
}

const NODE_VERSION = { build: 'near-ts-stack-sandbox', commit: 'packages/sandbox', rustc_version: 'n/a (TypeScript)' };
/** The neard release whose protocol the node runs (node/genesis-file.ts NEARD_PROTOCOL_VERSIONS), for `status.version`. */
const NEARD_RELEASE_OF_PROTOCOL: Record<number, string> = { 77: '2.6.2', 86: '2.13.4' };
const textBytes = (s: string) => new TextEncoder().encode(s);

function derived(tag: string, hash: Uint8Array): string {
  const buf = new Uint8Array(tag.length + hash.length);
  buf.set(textBytes(tag));
  buf.set(hash, tag.length);
  return base58.encode(sha256(buf));
}


/**
 * The chunk's `prev_state_root`: the state root after the previous block's chunk (the genesis chunk
 * reports the genesis state root).
 */
function chunkPrevStateRoot(info: ChainInfo, block: BlockLike): Uint8Array {
  if (block.height === info.genesis.height) return block.stateRoot;
  return info.blockAt(block.height - 1n)?.stateRoot ?? block.stateRoot;
}

/** The block header's `prev_state_root`: nearcore `merklize` of its chunks' roots; one chunk gives sha256(root). */
const blockPrevStateRoot = (info: ChainInfo, block: BlockLike): string => hashToString(sha256(chunkPrevStateRoot(info, block)));

/** The one chunk of a block (shard 0): its hash is derived from the block hash. */
export function chunkHashOf(block: BlockLike): string {
  return derived('chunk', block.hash);
}

function sign(info: ChainInfo, hash: Uint8Array): string {
  return info.sign(hash);
}

/** The validator's signature of a header hash, as views print it (`ed25519:<base58>`). */
export function validatorSigner(keyPair: KeyPair): (message: Uint8Array) => string {
  return (message) => signatureToString(keyPair.sign(message));
}

export function chunkHeaderView(info: ChainInfo, block: BlockLike): ChunkHeaderView {
  return {
    chunk_hash: chunkHashOf(block),
    prev_block_hash: hashToString(block.prevHash),
    outcome_root: derived('outcome_root', block.hash),
    prev_state_root: hashToString(chunkPrevStateRoot(info, block)),
    encoded_merkle_root: derived('encoded_merkle_root', block.hash),
    encoded_length: 8,
    height_created: Number(block.height),
    height_included: Number(block.height),
    shard_id: 0,
    gas_used: 0,
    gas_limit: info.gasLimit,
    rent_paid: '0',
    validator_reward: '0',
    balance_burnt: '0',
    outgoing_receipts_root: derived('outgoing_receipts_root', block.hash),
    tx_root: derived('tx_root', block.hash),
    validator_proposals: [],
    congestion_info: { delayed_receipts_gas: '0', buffered_receipts_gas: '0', receipt_bytes: 0, allowed_shard: 0 },
    bandwidth_requests: null,
    signature: sign(info, sha256(textBytes(chunkHashOf(block)))),
  };
}

export function blockView(info: ChainInfo, block: BlockLike): BlockView {
  const lastFinal = info.blockAt(info.finalHeight(block)) ?? info.genesis;
  const lastDsFinal = info.blockAt(info.doomslugFinalHeight(block)) ?? info.genesis;
  const isGenesis = block.height === info.genesis.height;
  const nextEpochId = derived('next_epoch', block.epochId);
  return {
    author: info.validatorId,
    header: {
      height: Number(block.height),
      prev_height: isGenesis ? null : Number(block.height - 1n),
      epoch_id: hashToString(block.epochId),
      next_epoch_id: nextEpochId,
      hash: hashToString(block.hash),
      prev_hash: hashToString(block.prevHash),
      prev_state_root: blockPrevStateRoot(info, block),
      block_body_hash: derived('block_body', block.hash),
      chunk_receipts_root: derived('chunk_receipts_root', block.hash),
      chunk_headers_root: derived('chunk_headers_root', block.hash),
      chunk_tx_root: derived('chunk_tx_root', block.hash),
      outcome_root: derived('outcome_root', block.hash),
      chunks_included: 1,
      challenges_root: '11111111111111111111111111111111',
      // nearcore serialises `timestamp` as a u64 number and `timestamp_nanosec` as a decimal string
      timestamp: Number(block.timestamp),
      timestamp_nanosec: block.timestamp.toString(),
      random_value: hashToString(block.randomValue),
      validator_proposals: [],
      chunk_mask: [true],
      gas_price: block.gasPrice.toString(),
      block_ordinal: Number(block.height - info.genesis.height) + 1,
      rent_paid: '0',
      validator_reward: '0',
      total_supply: block.totalSupply.toString(),
      challenges_result: [],
      last_final_block: isGenesis ? '11111111111111111111111111111111' : hashToString(lastFinal.hash),
      last_ds_final_block: isGenesis ? '11111111111111111111111111111111' : hashToString(lastDsFinal.hash),
      next_bp_hash: derived('next_bp', block.epochId),
      block_merkle_root: derived('block_merkle_root', block.hash),
      epoch_sync_data_hash: null,
      approvals: isGenesis ? [] : [sign(info, block.prevHash)],
      signature: sign(info, block.hash),
      latest_protocol_version: info.protocolVersion,
    },
    chunks: [chunkHeaderView(info, block)],
  };
}

/**
 * `sync_info` of a head: its five hashes cost ~0.1 ms to encode, and `status` is what clients poll (and what must
 * stay fast while the node is busy), so it is made once per head block and chain.
 */
const syncInfos = new WeakMap<BlockLike, WeakMap<ChainInfo, StatusResponse['sync_info']>>();

function syncInfoOf(info: ChainInfo, head: BlockLike): StatusResponse['sync_info'] {
  let byChain = syncInfos.get(head);
  if (byChain === undefined) syncInfos.set(head, (byChain = new WeakMap()));
  let syncInfo = byChain.get(info);
  if (syncInfo === undefined) {
    syncInfo = {
      latest_block_hash: hashToString(head.hash),
      latest_block_height: Number(head.height),
      // nearcore `StatusSyncInfo::latest_state_root`: the head header's `prev_state_root`
      latest_state_root: blockPrevStateRoot(info, head),
      latest_block_time: new Date(Number(head.timestamp / 1_000_000n)).toISOString(),
      syncing: false,
      earliest_block_hash: hashToString(info.genesis.hash),
      earliest_block_height: Number(info.genesis.height),
      earliest_block_time: new Date(Number(info.genesis.timestamp / 1_000_000n)).toISOString(),
      epoch_id: hashToString(head.epochId),
      epoch_start_height: epochStartHeight(info, head),
    };
    byChain.set(info, syncInfo);
  }
  return syncInfo;
}

export function statusView(info: ChainInfo, head: BlockLike, rpcAddr: string, startedAt: number): StatusResponse {
  const syncInfo = syncInfoOf(info, head);
  return {
    version: { version: NEARD_RELEASE_OF_PROTOCOL[info.protocolVersion] ?? 'unknown', ...NODE_VERSION },
    chain_id: info.chainId,
    protocol_version: info.protocolVersion,
    latest_protocol_version: info.protocolVersion,
    rpc_addr: rpcAddr,
    validators: [{ account_id: info.validatorId }],
    sync_info: { ...syncInfo },
    validator_account_id: info.validatorId,
    validator_public_key: info.validatorKey.publicKeyString,
    node_public_key: info.validatorKey.publicKeyString,
    node_key: null,
    uptime_sec: Math.floor((Date.now() - startedAt) / 1000),
    genesis_hash: syncInfo.earliest_block_hash!,
    detailed_debug_status: null,
  };
}

export function epochStartHeight(info: ChainInfo, block: BlockLike): number {
  const offset = (block.epochHeight - 1n) * BigInt(info.epochLength);
  return Number(info.genesis.height + offset + (block.epochHeight > 1n ? 1n : 0n));
}

export function validatorsView(info: ChainInfo, head: BlockLike): ValidatorResponse {
  const stake = info.validatorStake.toString();
  const validator = {
    account_id: info.validatorId,
    public_key: info.validatorKey.publicKeyString,
    is_slashed: false,
    stake,
    shards: [0],
    num_produced_blocks: Number(head.height - info.genesis.height),
    num_expected_blocks: Number(head.height - info.genesis.height),
    num_produced_chunks: Number(head.height - info.genesis.height),
    num_expected_chunks: Number(head.height - info.genesis.height),
    num_produced_chunks_per_shard: [Number(head.height - info.genesis.height)],
    num_expected_chunks_per_shard: [Number(head.height - info.genesis.height)],
    num_produced_endorsements: 0,
    num_expected_endorsements: 0,
    num_produced_endorsements_per_shard: [0],
    num_expected_endorsements_per_shard: [0],
    shards_endorsed: [0],
  };
  return {
    current_validators: [validator],
    next_validators: [{ account_id: info.validatorId, public_key: info.validatorKey.publicKeyString, stake, shards: [0] }],
    current_fishermen: [],
    next_fishermen: [],
    current_proposals: [],
    prev_epoch_kickout: [],
    epoch_start_height: epochStartHeight(info, head),
    epoch_height: Number(head.epochHeight),
  };
}

export function networkInfoView(): NetworkInfoResponse {
  return { active_peers: [], num_active_peers: 0, peer_max_count: 0, sent_bytes_per_sec: 0, received_bytes_per_sec: 0, known_producers: [] };
}

function feeView(fee: Fee): Wire<Rpc.Fee> {
  return { send_sir: Number(fee.sendSir), send_not_sir: Number(fee.sendNotSir), execution: Number(fee.execution) };
}

/**
 * nearcore `RuntimeConfigView` (views.rs) from this node's parameter table, key for key the shape of the version's
 * config snapshot (test/rpc/protocol-config.test.ts); congestion control and witness limits are reported as the
 * snapshot has them though this one-shard node never uses them.
 */
type LimitConfigJson = Wire<Rpc.RuntimeConfigView>['wasm_config']['limit_config'] & {
  // nearcore LimitConfig fields newer than the OpenAPI types this package was generated from (all Option,
  // absent where the protocol version has none: the 77 snapshot lists none of them, 84's all)
  max_function_body_size?: number;
  max_types_per_contract?: number;
  max_params_per_function?: number;
  max_params_per_contract?: number;
  max_operand_stack_bytes_per_function?: number;
  max_blocks_per_function?: number;
  max_blocks_per_contract?: number;
  max_instrumented_code_size?: number;
};
type WasmConfigJson = Omit<Wire<Rpc.RuntimeConfigView>['wasm_config'], 'limit_config' | 'vm_kind' | 'saturating_float_to_int'> & {
  limit_config: LimitConfigJson & { max_deploy_actions_per_receipt: number };
  vm_kind: 'NearVm' | 'Wasmtime';
  linear_op_base_cost: number;
  linear_op_unit_cost: number;
  one_yocto_on_promise: boolean;
  gas_key_host_fns: boolean;
  p256_verify_host_fn: boolean;
  sha3_256_host_fn?: boolean;
  yield_with_id_host_fns: boolean;
  chain_id_host_fn: boolean;
  bls12381_not_in_group_fix: boolean;
};
export type RuntimeConfigJson = Omit<Wire<Rpc.RuntimeConfigView>, 'congestion_control_config' | 'witness_config' | 'wasm_config' | 'transaction_costs'> & {
  transaction_costs: Wire<Rpc.RuntimeConfigView>['transaction_costs'] & { ml_dsa_65_verification_cost: number };
  wasm_config: WasmConfigJson;
  congestion_control_config: Record<string, number>;
  witness_config: Record<string, number>;
  /** core/parameters RuntimeConfig (85: AccountCostIncrease): yoctoNEAR strings, "0" before 85. */
  min_gas_purchase_price: string;
  account_creation_charge: string;
};

/** The preparation limits a version has, under nearcore's names; a limit the version lacks is left out. */
function preparationLimitsView(w: RuntimeConfig['wasm']): Partial<LimitConfigJson> {
  const limits: Record<string, number | null> = {
    max_tables_per_contract: w.maxTablesPerContract,
    max_elements_per_contract_table: w.maxElementsPerContractTable,
    max_function_body_size: w.maxFunctionBodySize,
    max_types_per_contract: w.maxTypesPerContract,
    max_params_per_function: w.maxParamsPerFunction,
    max_params_per_contract: w.maxParamsPerContract,
    max_operand_stack_bytes_per_function: w.maxOperandStackBytesPerFunction,
    max_blocks_per_function: w.maxBlocksPerFunction,
    max_blocks_per_contract: w.maxBlocksPerContract,
    max_instrumented_code_size: w.maxInstrumentedCodeSize,
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== null));
}

export function runtimeConfigView(config: RuntimeConfig): RuntimeConfigJson {
  const f = config.actionFees;
  const w = config.wasm;
  return {
    storage_amount_per_byte: config.storageAmountPerByte.toString(),
    transaction_costs: {
      action_receipt_creation_config: feeView(f.newActionReceipt),
      data_receipt_creation_config: { base_cost: feeView(f.newDataReceiptBase), cost_per_byte: feeView(f.newDataReceiptByte) },
      action_creation_config: {
        create_account_cost: feeView(f.createAccount),
        deploy_contract_cost: feeView(f.deployContractBase),
        deploy_contract_cost_per_byte: feeView(f.deployContractByte),
        function_call_cost: feeView(f.functionCallBase),
        function_call_cost_per_byte: feeView(f.functionCallByte),
        transfer_cost: feeView(f.transfer),
        stake_cost: feeView(f.stake),
        add_key_cost: {
          full_access_cost: feeView(f.addFullAccessKey),
          function_call_cost: feeView(f.addFunctionCallKeyBase),
          function_call_cost_per_byte: feeView(f.addFunctionCallKeyByte),
        },
        delete_key_cost: feeView(f.deleteKey),
        delete_account_cost: feeView(f.deleteAccount),
        delegate_cost: feeView(f.delegate),
      },
      storage_usage_config: {
        num_bytes_account: Number(config.storageNumBytesAccount),
        num_extra_bytes_record: Number(config.storageNumExtraBytesRecord),
      },
      burnt_gas_reward: [Number(config.burntGasReward.numerator), Number(config.burntGasReward.denominator)],
      pessimistic_gas_price_inflation_ratio: [
        Number(config.pessimisticGasPriceInflation.numerator),
        Number(config.pessimisticGasPriceInflation.denominator),
      ],
      ml_dsa_65_verification_cost: Number(config.mlDsa65VerificationCost),
    },
    wasm_config: {
      // the parameter table keys ext costs by nearcore's own names, the same the view uses
      ext_costs: Object.fromEntries(Object.entries(config.extCosts).map(([k, v]) => [k, Number(v)])) as Wire<Rpc.ExtCostsConfigView>,
      grow_mem_cost: 1,
      regular_op_cost: Number(w.regularOpCost),
      linear_op_base_cost: Number(w.linearOpBaseCost),
      linear_op_unit_cost: Number(w.linearOpUnitCost),
      vm_kind: w.vmKind,
      discard_custom_sections: w.discardCustomSections,
      global_contract_host_fns: w.globalContractHostFns,
      reftypes_bulk_memory: w.reftypesBulkMemory,
      gas_key_host_fns: w.gasKeyHostFns,
      one_yocto_on_promise: w.oneYoctoOnPromise,
      p256_verify_host_fn: w.p256VerifyHostFn,
      ...(w.sha3HostFn === null ? {} : { sha3_256_host_fn: w.sha3HostFn }),
      yield_with_id_host_fns: w.yieldWithIdHostFns,
      chain_id_host_fn: w.chainIdHostFn,
      bls12381_not_in_group_fix: w.bls12381NotInGroupFix,
      storage_get_mode: 'FlatStorage',
      fix_contract_loading_cost: false,
      implicit_account_creation: true,
      eth_implicit_accounts: true,
      limit_config: {
        max_gas_burnt: Number(w.maxGasBurnt),
        max_stack_height: w.maxStackHeight,
        initial_memory_pages: w.initialMemoryPages,
        max_memory_pages: w.maxMemoryPages,
        registers_memory_limit: Number(w.registersMemoryLimit),
        max_register_size: Number(w.maxRegisterSize),
        max_number_registers: w.maxNumberRegisters,
        max_number_logs: w.maxNumberLogs,
        max_total_log_length: w.maxTotalLogLength,
        max_total_prepaid_gas: Number(config.limits.maxTotalPrepaidGas),
        max_actions_per_receipt: config.limits.maxActionsPerReceipt,
        max_deploy_actions_per_receipt: config.limits.maxDeployActionsPerReceipt,
        max_number_bytes_method_names: config.limits.maxNumberBytesMethodNames,
        max_length_method_name: w.maxLengthMethodName,
        max_arguments_length: w.maxArgumentsLength,
        max_length_returned_data: w.maxLengthReturnedData,
        max_contract_size: w.maxContractSize,
        max_transaction_size: config.limits.maxTransactionSize,
        max_receipt_size: config.limits.maxReceiptSize,
        max_length_storage_key: w.maxLengthStorageKey,
        max_length_storage_value: w.maxLengthStorageValue,
        max_promises_per_function_call_action: w.maxPromisesPerFunctionCallAction,
        max_number_input_data_dependencies: w.maxNumberInputDataDependencies,
        max_functions_number_per_contract: w.maxFunctionsNumberPerContract,
        max_locals_per_contract: w.maxLocalsPerContract,
        ...preparationLimitsView(w),
        max_yield_payload_size: w.maxYieldPayloadSize,
        yield_timeout_length_in_blocks: w.yieldTimeoutLengthInBlocks,
        per_receipt_storage_proof_size_limit: w.perReceiptStorageProofSizeLimit,
        account_id_validity_rules_version: config.accountIdValidityRulesVersion,
      },
    },
    account_creation_config: {
      min_allowed_top_level_account_length: config.minAllowedTopLevelAccountLength,
      registrar_account_id: config.registrarAccountId,
    },
    congestion_control_config: config.congestionControl,
    witness_config: config.witness,
    min_gas_purchase_price: config.minGasPurchasePrice.toString(),
    account_creation_charge: config.accountCreationCharge.toString(),
  };
}

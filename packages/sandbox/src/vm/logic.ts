/**
 * nearcore `VMLogic` (runtime/near-vm-runner/src/logic/logic.rs): the `env` host functions, each charging
 * ExtCosts in nearcore's order, enforcing limits, and building receipts (ReceiptManager).
 */
import { keccak_256, keccak_512 } from '@noble/hashes/sha3.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bn254 } from '@noble/curves/bn254.js';
import { p256 } from '@noble/curves/nist.js';
import type { Fee, RuntimeConfig } from '../parameters/types.js';
import { verifyEd25519 } from '../primitives/crypto.js';
import { sendFee } from '../parameters/index.js';
import { gasKeyAddKeyExecFee, gasKeyAddKeySendFee, gasKeyTransferExecFee, gasKeyTransferSendFee } from '../parameters/gas-key-fees.js';
import { HostError, hostErrors } from './errors.js';
import { GasCounter } from './gas-counter.js';
import { writtenChunks } from './memory-pool.js';
import * as bls12381 from './logic/bls12381.js';
import type {
  AccessKeyPermissionSpec,
  External,
  GlobalContractId,
  PlannedReceipt,
  ReceiptAction,
  ReturnData,
  StorageAccess,
  VMContext,
} from './types.js';
import { sha256 } from '../primitives/hash.js';

const U64_MAX = (1n << 64n) - 1n;
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

type Promise_ = { kind: 'Receipt'; receipt: number } | { kind: 'NotReceipt'; receipts: number[] };

/** nearcore ActionCosts -> profile key. */
const ACTION_PROFILE: Record<string, string> = {
  newActionReceipt: 'NEW_ACTION_RECEIPT',
  newDataReceiptBase: 'NEW_DATA_RECEIPT_BASE',
  newDataReceiptByte: 'NEW_DATA_RECEIPT_BYTE',
  createAccount: 'CREATE_ACCOUNT',
  deleteAccount: 'DELETE_ACCOUNT',
  deployContractBase: 'DEPLOY_CONTRACT_BASE',
  deployContractByte: 'DEPLOY_CONTRACT_BYTE',
  functionCallBase: 'FUNCTION_CALL_BASE',
  functionCallByte: 'FUNCTION_CALL_BYTE',
  transfer: 'TRANSFER',
  stake: 'STAKE',
  addFullAccessKey: 'ADD_FULL_ACCESS_KEY',
  addFunctionCallKeyBase: 'ADD_FUNCTION_CALL_KEY_BASE',
  addFunctionCallKeyByte: 'ADD_FUNCTION_CALL_KEY_BYTE',
  deleteKey: 'DELETE_KEY',
  delegate: 'DELEGATE',
  deployGlobalContractBase: 'DEPLOY_GLOBAL_CONTRACT_BASE',
  deployGlobalContractByte: 'DEPLOY_GLOBAL_CONTRACT_BYTE',
  useGlobalContractBase: 'USE_GLOBAL_CONTRACT_BASE',
  useGlobalContractByte: 'USE_GLOBAL_CONTRACT_BYTE',
  deterministicStateInitBase: 'DETERMINISTIC_STATE_INIT_BASE',
  deterministicStateInitEntry: 'DETERMINISTIC_STATE_INIT_ENTRY',
  deterministicStateInitByte: 'DETERMINISTIC_STATE_INIT_BYTE',
  gasKeyTransferBase: 'GAS_KEY_TRANSFER_BASE',
  gasKeyByte: 'GAS_KEY_BYTE',
  gasKeyNonceWriteBase: 'GAS_KEY_NONCE_WRITE_BASE',
};

/** `num_nonces` arrives as u64 and must fit nearcore's `NonceIndex` (u16), else IntegerOverflow. */
function gasKeyNonceCount(numNonces: bigint): number {
  if (numNonces > 0xffffn) throw hostErrors.integerOverflow();
  return Number(numNonces);
}

/** Profile keys of wasm host costs (ExtCosts), as RPC prints them. */
export const extCostProfileKey = (name: string): string => name.toUpperCase();

/** near-account-id validation (near/near-account-id-rs src/validation.rs). */
export function isValidAccountId(id: string): boolean {
  if (id.length < 2 || id.length > 64) return false;
  let lastSeparator = true;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const isAlnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    const isSep = c === 0x2d || c === 0x5f || c === 0x2e;
    if (isAlnum) lastSeparator = false;
    else if (isSep) {
      if (lastSeparator) return false;
      lastSeparator = true;
    } else return false;
  }
  return !lastSeparator;
}

function accountType(id: string, deterministicAccountIds: boolean): 'Named' | 'NearImplicit' | 'EthImplicit' | 'Deterministic' {
  if (id.length === 64 && /^[0-9a-f]{64}$/.test(id)) return 'NearImplicit';
  if (id.length === 42 && /^0x[0-9a-f]{40}$/.test(id)) return 'EthImplicit';
  if (deterministicAccountIds && id.length === 42 && /^0s[0-9a-f]{40}$/.test(id)) return 'Deterministic';
  return 'Named';
}

/**
 * Borsh PublicKey: 0 + 32 bytes (ed25519), 1 + 64 bytes (secp256k1) or 2 + 1952 bytes (ML-DSA-65; decoding is not
 * version-gated in nearcore, the receipt's action validation refuses it before PV 85).
 */
function isValidBorshPublicKey(pk: Uint8Array): boolean {
  if (pk.length === 33 && pk[0] === 0) return true;
  if (pk.length === 65 && pk[0] === 1) return true;
  if (pk.length === 1953 && pk[0] === 2) return true;
  return false;
}

const leU128 = (v: bigint): Uint8Array => {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};
const readBeBig = (b: Uint8Array): bigint => {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
};
const readLeBig = (b: Uint8Array): bigint => {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
};

/** Rust `format!("{:X?}", bytes)`. */
const rustHexBytes = (b: Uint8Array) => `[${[...b].map((x) => x.toString(16).toUpperCase()).join(', ')}]`;

const P256_N = p256.Point.Fn.ORDER;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const BN254_P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;

export interface LogicState {
  logs: string[];
  returnData: ReturnData;
  receipts: PlannedReceipt[];
  balance: bigint;
  storageUsage: bigint;
}

export class VMLogic {
  readonly gas: GasCounter;
  readonly logs: string[] = [];
  returnData: ReturnData = { kind: 'None' };
  readonly receipts: PlannedReceipt[] = [];
  /** (receipt index, action index, weight) of function calls with gas weight > 0, in insertion order. */
  readonly gasWeights: Array<[number, number, bigint]> = [];
  balance: bigint;
  /**
   * logic.rs `subsidized_amount`: yoctoNEAR attached to promise calls that the contract's balance did not pay
   * (`one_yocto_on_promise`); the runtime credits it on success, minted rather than moved.
   */
  subsidizedAmount = 0n;
  storageUsage: bigint;
  private readonly registers = new Map<bigint, Uint8Array>();
  private registersMemory = 0n;
  private totalLogLength = 0;
  private readonly promises: Promise_[] = [];
  private readonly ext: Record<string, bigint>;
  private readonly limits: RuntimeConfig['wasm'];

  /** Set by the runner once the instance exists. */
  memory!: WebAssembly.Memory;
  /** The 2 MiB chunks of memory this call's host functions wrote (memory-pool.ts zeroWrittenChunks). */
  writtenChunks = 0;
  private memBuf: ArrayBuffer | null = null;
  private mem: Uint8Array = new Uint8Array(0);

  constructor(
    readonly config: RuntimeConfig,
    readonly context: VMContext,
    readonly external: External,
  ) {
    this.ext = config.extCosts;
    this.limits = config.wasm;
    const maxBurnt = context.isView ? config.wasm.maxGasBurntView : config.wasm.maxGasBurnt;
    // gas_counter.rs: views replace prepaid by an unlimited amount; the view limit is max_gas_burnt_view.
    this.gas = new GasCounter(maxBurnt, context.isView ? U64_MAX : context.prepaidGas, context.isView);
    // logic.rs: the attached deposit is credited by the VM (the runtime checks `amount + deposit` for
    // overflow in actions.rs action_function_call and stores `outcome.balance` on success).
    this.balance = context.accountBalance + context.attachedDeposit;
    this.storageUsage = context.storageUsage;
  }

  // ---------- gas helpers ----------
  private payBase(): void {
    this.gas.burn(this.ext.base!, 'BASE');
  }
  private pay(name: string): void {
    this.gas.burn(this.ext[name]!, extCostProfileKey(name));
  }
  private payPer(name: string, n: bigint): void {
    this.gas.payPer(this.ext[name]!, n, extCostProfileKey(name));
  }
  private prohibitedInView(name: string): void {
    if (this.context.isView) throw hostErrors.prohibitedInView(name);
  }
  private fee(name: keyof RuntimeConfig['actionFees']): Fee {
    return this.config.actionFees[name];
  }
  /** `pay_action_base`: burn send fee, use send + exec. */
  private payActionBase(name: keyof RuntimeConfig['actionFees'], sir: boolean): void {
    const f = this.fee(name);
    const burn = sendFee(f, sir);
    this.gas.deduct(burn, burn + f.execution, ACTION_PROFILE[name]!);
  }
  /** `pay_action_per_byte`. */
  private payActionPerByte(name: keyof RuntimeConfig['actionFees'], n: bigint, sir: boolean): void {
    const f = this.fee(name);
    const burn = sendFee(f, sir) * n;
    const use = burn + f.execution * n;
    if (use > U64_MAX) throw hostErrors.integerOverflow();
    this.gas.deduct(burn, use, ACTION_PROFILE[name]!);
  }

  // ---------- memory ----------
  private view(): Uint8Array {
    const buf = this.memory.buffer;
    if (buf !== this.memBuf) {
      this.memBuf = buf;
      this.mem = new Uint8Array(buf);
    }
    return this.mem;
  }
  private checkRange(ptr: bigint, len: bigint): number {
    const mem = this.view();
    if (ptr + len > BigInt(mem.length)) throw hostErrors.memoryAccessViolation();
    return Number(ptr);
  }
  /** RM(n): read_memory_base + n·read_memory_byte, then the bounds check (wasmtime_runner/logic.rs read_memory). */
  memRead(ptr: bigint, len: bigint): Uint8Array {
    this.pay('read_memory_base');
    this.payPer('read_memory_byte', len);
    const p = this.checkRange(ptr, len);
    return this.mem.slice(p, p + Number(len));
  }
  memWrite(ptr: bigint, data: Uint8Array): void {
    this.pay('write_memory_base');
    this.payPer('write_memory_byte', BigInt(data.length));
    const p = this.checkRange(ptr, BigInt(data.length));
    this.mem.set(data, p);
    this.writtenChunks |= writtenChunks(p, data.length);
  }
  private memReadU128(ptr: bigint): bigint {
    return readLeBig(this.memRead(ptr, 16n));
  }

  // ---------- registers (vmstate.rs) ----------
  private registerRead(id: bigint): Uint8Array {
    const data = this.registers.get(id);
    if (data === undefined) throw hostErrors.invalidRegisterId(id);
    this.pay('read_register_base');
    this.payPer('read_register_byte', BigInt(data.length));
    return data;
  }
  private registerWrite(id: bigint, data: Uint8Array, chargeBytes = true): void {
    this.pay('write_register_base');
    if (chargeBytes) this.payPer('write_register_byte', BigInt(data.length));
    const len = BigInt(data.length);
    if (len > this.limits.maxRegisterSize) throw hostErrors.memoryAccessViolation();
    // Kept protocol quirk: the count check fires even when overwriting an existing register.
    if (this.registers.size >= this.limits.maxNumberRegisters) throw hostErrors.memoryAccessViolation();
    const old = this.registers.get(id);
    const usage = this.registersMemory - (old ? BigInt(old.length) + 8n : 0n) + len + 8n;
    if (usage > this.limits.registersMemoryLimit) throw hostErrors.memoryAccessViolation();
    this.registers.set(id, data);
    this.registersMemory = usage;
  }
  /** GMR: `len == u64::MAX` means "read register `ptr`". */
  private memOrRegister(ptr: bigint, len: bigint): Uint8Array {
    if (len === U64_MAX) return this.registerRead(ptr);
    return this.memRead(ptr, len);
  }

  // ---------- strings ----------
  private utf8String(len: bigint, ptr: bigint): string {
    this.pay('utf8_decoding_base');
    const remaining = BigInt(this.limits.maxTotalLogLength - this.totalLogLength);
    let bytes: Uint8Array;
    if (len !== U64_MAX) {
      if (len > remaining) throw hostErrors.totalLogLengthExceeded(BigInt(this.totalLogLength) + len, this.limits.maxTotalLogLength);
      bytes = this.memRead(ptr, len);
    } else {
      const out: number[] = [];
      for (let i = 0n; ; i++) {
        if (BigInt(out.length) > remaining)
          throw hostErrors.totalLogLengthExceeded(BigInt(this.totalLogLength + out.length), this.limits.maxTotalLogLength);
        const b = this.memRead(ptr + i, 1n)[0]!;
        if (b === 0) break;
        out.push(b);
      }
      bytes = Uint8Array.from(out);
    }
    this.payPer('utf8_decoding_byte', BigInt(bytes.length));
    try {
      return utf8Fatal.decode(bytes);
    } catch {
      throw hostErrors.badUtf8();
    }
  }
  private utf16String(len: bigint, ptr: bigint): string {
    this.pay('utf16_decoding_base');
    const remaining = BigInt(this.limits.maxTotalLogLength - this.totalLogLength);
    let bytes: Uint8Array;
    if (len !== U64_MAX) {
      if (len > remaining) throw hostErrors.totalLogLengthExceeded(BigInt(this.totalLogLength) + len, this.limits.maxTotalLogLength);
      bytes = this.memRead(ptr, len);
    } else {
      const out: number[] = [];
      for (let i = 0n; ; i += 2n) {
        if (BigInt(out.length) > remaining)
          throw hostErrors.totalLogLengthExceeded(BigInt(this.totalLogLength + out.length), this.limits.maxTotalLogLength);
        const pair = this.memRead(ptr + i, 2n);
        if (pair[0] === 0 && pair[1] === 0) break;
        out.push(pair[0]!, pair[1]!);
      }
      bytes = Uint8Array.from(out);
    }
    this.payPer('utf16_decoding_byte', BigInt(bytes.length));
    if (bytes.length % 2 !== 0) throw hostErrors.badUtf16();
    const units = new Uint16Array(bytes.length / 2);
    for (let i = 0; i < units.length; i++) units[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    // String::from_utf16: unpaired surrogates are an error.
    for (let i = 0; i < units.length; i++) {
      const u = units[i]!;
      if (u >= 0xd800 && u <= 0xdbff) {
        const next = units[i + 1];
        if (next === undefined || next < 0xdc00 || next > 0xdfff) throw hostErrors.badUtf16();
        i++;
      } else if (u >= 0xdc00 && u <= 0xdfff) throw hostErrors.badUtf16();
    }
    let s = '';
    for (let i = 0; i < units.length; i += 4096) s += String.fromCharCode(...units.subarray(i, i + 4096));
    return s;
  }
  private checkCanAddLog(): void {
    if (this.logs.length >= this.limits.maxNumberLogs) throw hostErrors.numberOfLogsExceeded(this.limits.maxNumberLogs);
  }
  private pushLog(message: string): void {
    const n = utf8.encode(message).length;
    this.pay('log_base');
    this.payPer('log_byte', BigInt(n));
    this.logs.push(message);
    this.totalLogLength += n;
    if (this.totalLogLength > this.limits.maxTotalLogLength)
      throw hostErrors.totalLogLengthExceeded(BigInt(this.totalLogLength), this.limits.maxTotalLogLength);
  }

  private accountId(len: bigint, ptr: bigint): string {
    const bytes = this.memOrRegister(ptr, len);
    this.pay('utf8_decoding_base');
    this.payPer('utf8_decoding_byte', BigInt(bytes.length));
    let s: string;
    try {
      s = utf8Fatal.decode(bytes);
    } catch {
      throw hostErrors.badUtf8();
    }
    if (!isValidAccountId(s)) throw hostErrors.invalidAccountId();
    return s;
  }

  // ---------- registers API ----------
  read_register(id: bigint, ptr: bigint): void {
    this.payBase();
    const data = this.registerRead(id);
    this.memWrite(ptr, data);
  }
  register_len(id: bigint): bigint {
    this.payBase();
    const data = this.registers.get(id);
    return data === undefined ? U64_MAX : BigInt(data.length);
  }
  write_register(id: bigint, len: bigint, ptr: bigint): void {
    this.payBase();
    const data = this.memRead(ptr, len);
    this.registerWrite(id, data);
  }

  // ---------- context ----------
  current_account_id(reg: bigint): void {
    this.payBase();
    this.registerWrite(reg, utf8.encode(this.context.currentAccountId));
  }
  signer_account_id(reg: bigint): void {
    this.payBase();
    this.prohibitedInView('signer_account_id');
    this.registerWrite(reg, utf8.encode(this.context.signerAccountId));
  }
  signer_account_pk(reg: bigint): void {
    this.payBase();
    this.prohibitedInView('signer_account_pk');
    this.registerWrite(reg, this.context.signerAccountPk);
  }
  predecessor_account_id(reg: bigint): void {
    this.payBase();
    this.prohibitedInView('predecessor_account_id');
    this.registerWrite(reg, utf8.encode(this.context.predecessorAccountId));
  }
  input(reg: bigint): void {
    this.payBase();
    // logic.rs: `charge_bytes_gas = !deterministic_account_ids` for input/promise_result register writes.
    this.registerWrite(reg, this.context.input, !this.limits.deterministicAccountIds);
  }
  block_index(): bigint {
    this.payBase();
    return this.context.blockHeight;
  }
  block_timestamp(): bigint {
    this.payBase();
    return this.context.blockTimestamp;
  }
  epoch_height(): bigint {
    this.payBase();
    return this.context.epochHeight;
  }
  storage_usage(): bigint {
    this.payBase();
    return this.storageUsage;
  }
  account_balance(ptr: bigint): void {
    this.payBase();
    this.memWrite(ptr, leU128(this.balance));
  }
  account_locked_balance(ptr: bigint): void {
    this.payBase();
    this.memWrite(ptr, leU128(this.context.accountLockedBalance));
  }
  attached_deposit(ptr: bigint): void {
    this.payBase();
    this.memWrite(ptr, leU128(this.context.attachedDeposit));
  }
  prepaid_gas(): bigint {
    this.payBase();
    this.prohibitedInView('prepaid_gas');
    return this.context.prepaidGas;
  }
  used_gas(): bigint {
    this.payBase();
    this.prohibitedInView('used_gas');
    return this.gas.usedGas;
  }
  random_seed(reg: bigint): void {
    this.payBase();
    this.registerWrite(reg, this.context.randomSeed);
  }
  /** 85 (chain_id_host_fn): the genesis chain id, allowed in views. */
  chain_id(reg: bigint): void {
    this.payBase();
    this.registerWrite(reg, utf8.encode(this.context.chainId ?? ''));
  }
  /** The balance-refund receiver of this receipt: `promise_set_refund_to` of the predecessor, else the predecessor. */
  refund_to_account_id(reg: bigint): void {
    this.payBase();
    this.prohibitedInView('refund_to_account_id');
    this.registerWrite(reg, utf8.encode(this.context.refundToAccountId ?? this.context.predecessorAccountId));
  }
  /** 0 no contract, 1 local code hash, 2 global code hash, 3 global contract by account id (register written on 1–3). */
  current_contract_code(reg: bigint): bigint {
    this.payBase();
    const c = this.context.accountContract ?? { kind: 'None' };
    switch (c.kind) {
      case 'None':
        return 0n;
      case 'Local':
        this.registerWrite(reg, c.hash);
        return 1n;
      case 'Global':
        this.registerWrite(reg, c.hash);
        return 2n;
      case 'GlobalByAccount':
        this.registerWrite(reg, utf8.encode(c.accountId));
        return 3n;
    }
  }
  /** The sandbox build's debug log: free, reads guest memory directly, BadUTF8 on invalid text. */
  sandbox_debug_log(len: bigint, ptr: bigint): void {
    const p = this.checkRange(ptr, len);
    let message: string;
    try {
      message = utf8Fatal.decode(this.mem.subarray(p, p + Number(len)));
    } catch {
      throw hostErrors.badUtf8();
    }
    this.external.sandboxDebugLog?.(message);
  }

  // ---------- math ----------
  sha256(len: bigint, ptr: bigint, reg: bigint): void {
    this.pay('sha256_base');
    const data = this.memOrRegister(ptr, len);
    this.payPer('sha256_byte', BigInt(data.length));
    this.registerWrite(reg, sha256(data));
  }
  keccak256(len: bigint, ptr: bigint, reg: bigint): void {
    this.pay('keccak256_base');
    const data = this.memOrRegister(ptr, len);
    this.payPer('keccak256_byte', BigInt(data.length));
    this.registerWrite(reg, keccak_256(data));
  }
  keccak512(len: bigint, ptr: bigint, reg: bigint): void {
    this.pay('keccak512_base');
    const data = this.memOrRegister(ptr, len);
    this.payPer('keccak512_byte', BigInt(data.length));
    this.registerWrite(reg, keccak_512(data));
  }
  ripemd160(len: bigint, ptr: bigint, reg: bigint): void {
    this.pay('ripemd160_base');
    const data = this.memOrRegister(ptr, len);
    // logic.rs: message blocks = (len + 8) / 64 + 1 (padding adds at least 9 bytes).
    this.payPer('ripemd160_block', BigInt(Math.floor((data.length + 8) / 64) + 1));
    this.registerWrite(reg, ripemd160(data));
  }
  ecrecover(hashLen: bigint, hashPtr: bigint, sigLen: bigint, sigPtr: bigint, v: bigint, malleabilityFlag: bigint, reg: bigint): bigint {
    this.pay('ecrecover_base');
    const sig = this.memOrRegister(sigPtr, sigLen);
    if (sig.length !== 64)
      throw hostErrors.ecrecoverError(`The length of the signature: ${sig.length}, exceeds the limit of 64 bytes`);
    if (v >= 4n) throw hostErrors.ecrecoverError(`V recovery byte 0 through 3 are valid but was provided ${v}`);
    const hash = this.memOrRegister(hashPtr, hashLen);
    if (hash.length !== 32) throw hostErrors.ecrecoverError(`The length of the hash: ${hash.length}, exceeds the limit of 32 bytes`);
    if (malleabilityFlag !== 0n && malleabilityFlag !== 1n)
      throw hostErrors.ecrecoverError(`Malleability flag needs to be 0 or 1, but is instead ${malleabilityFlag}`);
    let r = 0n;
    let s = 0n;
    for (let i = 0; i < 32; i++) r = (r << 8n) | BigInt(sig[i]!);
    for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(sig[i]!);
    // near-crypto Secp256K1Signature::check_signature_values.
    const sOk = malleabilityFlag === 1n ? s < SECP256K1_N / 2n + 1n : s < SECP256K1_N;
    if (!(r > 0n && r < SECP256K1_N && s > 0n && sOk)) return 0n;
    try {
      const signature = new secp256k1.Signature(r, s, Number(v));
      const point = signature.recoverPublicKey(hash);
      const pk = point.toBytes(false);
      this.registerWrite(reg, pk.subarray(1));
      return 1n;
    } catch (e) {
      if (e instanceof HostError) throw e;
      return 0n;
    }
  }
  ed25519_verify(sigLen: bigint, sigPtr: bigint, msgLen: bigint, msgPtr: bigint, pkLen: bigint, pkPtr: bigint): bigint {
    this.pay('ed25519_verify_base');
    const sig = this.memOrRegister(sigPtr, sigLen);
    if (sig.length !== 64) throw hostErrors.ed25519VerifyInvalidInput('invalid signature length');
    // A non-canonical S (top 3 bits set) can never verify: nearcore returns before reading the message.
    if ((sig[63]! & 0xe0) !== 0) return 0n;
    const msg = this.memOrRegister(msgPtr, msgLen);
    this.payPer('ed25519_verify_byte', BigInt(msg.length));
    const pk = this.memOrRegister(pkPtr, pkLen);
    if (pk.length !== 32) throw hostErrors.ed25519VerifyInvalidInput('invalid public key length');
    // logic.rs calls dalek's `Verifier::verify` (cofactorless, small-order and non-canonical keys accepted), as
    // transactions do: not RFC 8032's strict cofactored check, which accepts and refuses other signatures.
    return verifyEd25519(sig, msg, pk) ? 1n : 0n;
  }

  /**
   * nearcore `p256_verify` (85: p256_verify_host_fn): ECDSA over NIST P-256 with SHA-256 of the message, raw
   * `r ‖ s` signature (high s accepted), 33-byte compressed SEC1 key. Expected values: nearcore
   * logic/tests/p256_verify.rs (a signature that does not parse is 0 before the message is read).
   */
  p256_verify(sigLen: bigint, sigPtr: bigint, msgLen: bigint, msgPtr: bigint, pkLen: bigint, pkPtr: bigint): bigint {
    this.pay('p256_verify_base');
    const sig = this.memOrRegister(sigPtr, sigLen);
    if (sig.length !== 64) throw hostErrors.p256VerifyInvalidInput('invalid signature length');
    const r = readBeBig(sig.subarray(0, 32));
    const s = readBeBig(sig.subarray(32));
    if (r === 0n || r >= P256_N || s === 0n || s >= P256_N) return 0n;
    const msg = this.memOrRegister(msgPtr, msgLen);
    this.payPer('p256_verify_byte', BigInt(msg.length));
    const pk = this.memOrRegister(pkPtr, pkLen);
    if (pk.length !== 33) throw hostErrors.p256VerifyInvalidInput('invalid public key length');
    try {
      return p256.verify(sig, msg, pk, { lowS: false, prehash: true, format: 'compact' }) ? 1n : 0n;
    } catch {
      return 0n;
    }
  }

  // ---------- BLS12-381 (70.yaml; encodings and results in ./logic/bls12381.ts) ----------
  /**
   * wasmtime_runner/logic.rs `bls12381_impl!`: `<fn>_base`, then `<fn>_element × (value_len / item)` on the raw
   * length before anything is read (register mode, len = u64::MAX, overflows to IntegerOverflow), then the input;
   * 0 and the result in the register, or 1 and the register untouched. No `base` charge.
   */
  private bls(fn: string, item: bigint, len: bigint, ptr: bigint, reg: bigint, op: (data: Uint8Array) => Uint8Array | null): bigint {
    this.pay(`bls12381_${fn}_base`);
    this.payPer(`bls12381_${fn}_element`, len / item);
    const result = op(this.memOrRegister(ptr, len));
    if (result === null) return 1n;
    this.registerWrite(reg, result);
    return 0n;
  }
  bls12381_p1_sum(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('p1_sum', 97n, len, ptr, reg, bls12381.p1Sum);
  }
  bls12381_p2_sum(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('p2_sum', 193n, len, ptr, reg, bls12381.p2Sum);
  }
  bls12381_g1_multiexp(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('g1_multiexp', 128n, len, ptr, reg, bls12381.g1Multiexp);
  }
  bls12381_g2_multiexp(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('g2_multiexp', 224n, len, ptr, reg, bls12381.g2Multiexp);
  }
  bls12381_map_fp_to_g1(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('map_fp_to_g1', 48n, len, ptr, reg, bls12381.mapFpToG1);
  }
  bls12381_map_fp2_to_g2(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('map_fp2_to_g2', 96n, len, ptr, reg, bls12381.mapFp2ToG2);
  }
  bls12381_p1_decompress(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('p1_decompress', 48n, len, ptr, reg, bls12381.p1Decompress);
  }
  bls12381_p2_decompress(len: bigint, ptr: bigint, reg: bigint): bigint {
    return this.bls('p2_decompress', 96n, len, ptr, reg, bls12381.p2Decompress);
  }
  /** Unlike the others, the element charge counts whole 288-byte items of the input actually read. */
  bls12381_pairing_check(len: bigint, ptr: bigint): bigint {
    this.pay('bls12381_pairing_base');
    const data = this.memOrRegister(ptr, len);
    this.payPer('bls12381_pairing_element', BigInt(Math.floor(data.length / 288)));
    return bls12381.pairingCheck(data);
  }

  // ---------- alt_bn128 (little-endian coordinates, (0,0) = infinity) ----------
  // Encoding and messages follow nearcore logic/alt_bn128.rs: little-endian u256 limbs, Fq2 = (real,
  // imaginary), (0,0) = infinity, errors "<what>: <bytes as {:X?}>".
  private bnFq(bytes: Uint8Array): bigint {
    const v = readLeBig(bytes);
    if (v >= BN254_P) throw hostErrors.altBn128InvalidInput(`invalid fq: ${rustHexBytes(bytes)}`);
    return v;
  }
  private bnG1(bytes: Uint8Array) {
    const x = this.bnFq(bytes.subarray(0, 32));
    const y = this.bnFq(bytes.subarray(32, 64));
    if (x === 0n && y === 0n) return bn254.G1.Point.ZERO;
    try {
      const p = bn254.G1.Point.fromAffine({ x, y });
      p.assertValidity();
      return p;
    } catch {
      throw hostErrors.altBn128InvalidInput(`invalid g1: ${rustHexBytes(bytes)}`);
    }
  }
  private bnG2(bytes: Uint8Array) {
    const [x0, x1, y0, y1] = [0, 32, 64, 96].map((o) => this.bnFq(bytes.subarray(o, o + 32))) as [bigint, bigint, bigint, bigint];
    if (x0 === 0n && x1 === 0n && y0 === 0n && y1 === 0n) return bn254.G2.Point.ZERO;
    try {
      const p = bn254.G2.Point.fromAffine({ x: { c0: x0, c1: x1 }, y: { c0: y0, c1: y1 } });
      p.assertValidity();
      return p;
    } catch {
      throw hostErrors.altBn128InvalidInput(`invalid g2: ${rustHexBytes(bytes)}`);
    }
  }
  private bnG1Bytes(p: ReturnType<typeof bn254.G1.Point.fromAffine>): Uint8Array {
    const out = new Uint8Array(64);
    if (p.is0()) return out;
    const a = p.toAffine();
    out.set(leU128(a.x & ((1n << 128n) - 1n)), 0);
    out.set(leU128(a.x >> 128n), 16);
    out.set(leU128(a.y & ((1n << 128n) - 1n)), 32);
    out.set(leU128(a.y >> 128n), 48);
    return out;
  }
  alt_bn128_g1_multiexp(len: bigint, ptr: bigint, reg: bigint): void {
    this.pay('alt_bn128_g1_multiexp_base');
    const data = this.memOrRegister(ptr, len);
    if (data.length % 96 !== 0) throw hostErrors.altBn128InvalidInput(`slice of size ${data.length} cannot be precisely split into chunks of size 96`);
    const k = data.length / 96;
    this.payPer('alt_bn128_g1_multiexp_element', BigInt(k));
    let acc = bn254.G1.Point.ZERO;
    for (let i = 0; i < k; i++) {
      const item = data.subarray(i * 96, i * 96 + 96);
      const p = this.bnG1(item.subarray(0, 64));
      const scalar = readLeBig(item.subarray(64, 96));
      if (scalar >= bn254.fields.Fr.ORDER) throw hostErrors.altBn128InvalidInput(`invalid fr: ${rustHexBytes(item.subarray(64, 96))}`);
      if (scalar !== 0n && !p.is0()) acc = acc.add(p.multiplyUnsafe(scalar));
    }
    this.registerWrite(reg, this.bnG1Bytes(acc));
  }
  alt_bn128_g1_sum(len: bigint, ptr: bigint, reg: bigint): void {
    this.pay('alt_bn128_g1_sum_base');
    const data = this.memOrRegister(ptr, len);
    if (data.length % 65 !== 0) throw hostErrors.altBn128InvalidInput(`slice of size ${data.length} cannot be precisely split into chunks of size 65`);
    const k = data.length / 65;
    this.payPer('alt_bn128_g1_sum_element', BigInt(k));
    let acc = bn254.G1.Point.ZERO;
    for (let i = 0; i < k; i++) {
      const item = data.subarray(i * 65, i * 65 + 65);
      const sign = item[0]!;
      if (sign > 1) throw hostErrors.altBn128InvalidInput(`invalid bool: ${rustHexBytes(item.subarray(0, 1))}`);
      const p = this.bnG1(item.subarray(1));
      acc = acc.add(sign === 1 ? p.negate() : p);
    }
    this.registerWrite(reg, this.bnG1Bytes(acc));
  }
  alt_bn128_pairing_check(len: bigint, ptr: bigint): bigint {
    this.pay('alt_bn128_pairing_check_base');
    const data = this.memOrRegister(ptr, len);
    if (data.length % 192 !== 0) throw hostErrors.altBn128InvalidInput(`slice of size ${data.length} cannot be precisely split into chunks of size 192`);
    const k = data.length / 192;
    this.payPer('alt_bn128_pairing_check_element', BigInt(k));
    const pairs: Array<{ g1: ReturnType<typeof bn254.G1.Point.fromAffine>; g2: ReturnType<typeof bn254.G2.Point.fromAffine> }> = [];
    for (let i = 0; i < k; i++) {
      const item = data.subarray(i * 192, i * 192 + 192);
      const g1 = this.bnG1(item.subarray(0, 64));
      const g2 = this.bnG2(item.subarray(64));
      if (!g1.is0() && !g2.is0()) pairs.push({ g1, g2 });
    }
    if (pairs.length === 0) return 1n;
    const gt = bn254.pairingBatch(pairs);
    return bn254.fields.Fp12.eql(gt, bn254.fields.Fp12.ONE) ? 1n : 0n;
  }

  // ---------- misc ----------
  value_return(len: bigint, ptr: bigint): void {
    this.payBase();
    const value = this.memOrRegister(ptr, len);
    if (value.length > this.limits.maxLengthReturnedData)
      throw hostErrors.returnedValueLengthExceeded(BigInt(value.length), this.limits.maxLengthReturnedData);
    const f = this.fee('newDataReceiptByte');
    let burn = 0n;
    for (const receiver of this.context.outputDataReceivers) {
      const sir = receiver === this.context.currentAccountId;
      burn += (sendFee(f, sir) + f.execution) * BigInt(value.length);
    }
    if (burn > 0n) this.gas.deduct(burn, burn, 'NEW_DATA_RECEIPT_BYTE');
    this.returnData = { kind: 'Value', value };
  }
  panic(): never {
    this.payBase();
    throw hostErrors.guestPanic('explicit guest panic');
  }
  panic_utf8(len: bigint, ptr: bigint): never {
    this.payBase();
    throw hostErrors.guestPanic(this.utf8String(len, ptr));
  }
  log_utf8(len: bigint, ptr: bigint): void {
    this.payBase();
    this.checkCanAddLog();
    const message = this.utf8String(len, ptr);
    this.pushLog(message);
  }
  log_utf16(len: bigint, ptr: bigint): void {
    this.payBase();
    this.checkCanAddLog();
    const message = this.utf16String(len, ptr);
    this.pushLog(message);
  }
  abort(msgPtr: number, filenamePtr: number, line: number, col: number): never {
    this.payBase();
    if (msgPtr < 4 || filenamePtr < 4) throw hostErrors.badUtf16();
    this.checkCanAddLog();
    const readStr = (p: number) => {
      const lenBytes = this.memRead(BigInt(p - 4), 4n);
      const len = (lenBytes[0]! | (lenBytes[1]! << 8) | (lenBytes[2]! << 16) | (lenBytes[3]! << 24)) >>> 0;
      return this.utf16String(BigInt(len), BigInt(p));
    };
    const msg = readStr(msgPtr >>> 0);
    const filename = readStr(filenamePtr >>> 0);
    const message = `${msg}, filename: "${filename}" line: ${line >>> 0} col: ${col >>> 0}`;
    this.pushLog(`ABORT: ${message}`);
    throw hostErrors.guestPanic(message);
  }
  /** Legacy `env.gas(opcodes)`: burns opcodes × regular_op_cost (logic.rs `gas_seen_from_wasm`). */
  gas_op(opcodes: number): void {
    this.gas.burn(BigInt(opcodes >>> 0) * this.limits.regularOpCost, null);
  }

  // ---------- promises ----------
  private checkedPushPromise(p: Promise_): bigint {
    this.promises.push(p);
    if (this.promises.length > this.limits.maxPromisesPerFunctionCallAction)
      throw hostErrors.numberPromisesExceeded(this.promises.length, this.limits.maxPromisesPerFunctionCallAction);
    return BigInt(this.promises.length - 1);
  }
  private promiseReceipt(idx: bigint): { receipt: number; sir: boolean } {
    const p = idx < BigInt(this.promises.length) ? this.promises[Number(idx)] : undefined;
    if (p === undefined) throw hostErrors.invalidPromiseIndex(idx);
    if (p.kind === 'NotReceipt') throw hostErrors.cannotAppendActionToJointPromise();
    const receipt = this.receipts[p.receipt]!;
    return { receipt: p.receipt, sir: receipt.receiverId === this.context.currentAccountId };
  }
  /** Fees for a new action receipt plus one data receipt per dependency (logic.rs `pay_gas_for_new_receipt`). */
  private payForNewReceipt(sir: boolean, deps: number[], receiverId: string): void {
    const ar = this.fee('newActionReceipt');
    const db = this.fee('newDataReceiptBase');
    let burn = sendFee(ar, sir);
    for (const d of deps) {
      const depSir = this.receipts[d]!.receiverId === receiverId;
      burn += sendFee(db, depSir) + db.execution;
    }
    this.gas.deduct(burn, burn + ar.execution, 'NEW_ACTION_RECEIPT');
  }
  private newReceipt(receiverId: string, deps: number[]): number {
    const dependencyDataIds = deps.map(() => this.external.generateDataId());
    this.receipts.push({ receiverId, dependsOn: deps, dependencyDataIds, actions: [] });
    return this.receipts.length - 1;
  }
  /**
   * A function call's deposit (logic.rs promise_batch_action_function_call_weight, promise_yield_create_with_id;
   * one_yocto_on_promise, 85.yaml): exactly 1 yoctoNEAR on a call from a contract whose balance is zero is not
   * deducted (ft_transfer_call from an unfunded deterministic account); the balance stays zero, so every such
   * call in the execution is subsidised.
   */
  private deductAttachedDeposit(amount: bigint): void {
    if (amount === 1n && this.limits.oneYoctoOnPromise && this.balance === 0n) this.subsidizedAmount += amount;
    else this.deductBalance(amount);
  }
  private deductBalance(amount: bigint): void {
    if (amount > this.balance) throw hostErrors.balanceExceeded();
    this.balance -= amount;
  }
  private appendAction(receipt: number, action: ReceiptAction): number {
    const r = this.receipts[receipt]!;
    r.actions.push(action);
    return r.actions.length - 1;
  }

  promise_create(
    accLen: bigint, accPtr: bigint, mLen: bigint, mPtr: bigint, aLen: bigint, aPtr: bigint, amountPtr: bigint, gas: bigint,
  ): bigint {
    const idx = this.promise_batch_create(accLen, accPtr);
    this.promise_batch_action_function_call_weight(idx, mLen, mPtr, aLen, aPtr, amountPtr, gas, 0n, 'promise_batch_action_function_call');
    return idx;
  }
  promise_then(
    promiseIdx: bigint, accLen: bigint, accPtr: bigint, mLen: bigint, mPtr: bigint, aLen: bigint, aPtr: bigint, amountPtr: bigint, gas: bigint,
  ): bigint {
    const idx = this.promise_batch_then(promiseIdx, accLen, accPtr);
    this.promise_batch_action_function_call_weight(idx, mLen, mPtr, aLen, aPtr, amountPtr, gas, 0n, 'promise_batch_action_function_call');
    return idx;
  }
  promise_and(idsPtr: bigint, count: bigint): bigint {
    this.payBase();
    this.prohibitedInView('promise_and');
    this.pay('promise_and_base');
    const bytes = count * 8n;
    if (bytes > U64_MAX) throw hostErrors.integerOverflow();
    this.payPer('promise_and_per_promise', bytes);
    const raw = this.memRead(idsPtr, bytes);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const receipts: number[] = [];
    for (let i = 0; i < Number(count); i++) {
      const idx = dv.getBigUint64(i * 8, true);
      const p = idx < BigInt(this.promises.length) ? this.promises[Number(idx)] : undefined;
      if (p === undefined) throw hostErrors.invalidPromiseIndex(idx);
      if (p.kind === 'Receipt') receipts.push(p.receipt);
      else receipts.push(...p.receipts);
      if (receipts.length > this.limits.maxNumberInputDataDependencies)
        throw hostErrors.numberInputDataDependenciesExceeded(receipts.length, this.limits.maxNumberInputDataDependencies);
    }
    return this.checkedPushPromise({ kind: 'NotReceipt', receipts });
  }
  promise_batch_create(accLen: bigint, accPtr: bigint): bigint {
    this.payBase();
    this.prohibitedInView('promise_batch_create');
    const accountId = this.accountId(accLen, accPtr);
    const sir = accountId === this.context.currentAccountId;
    this.payForNewReceipt(sir, [], accountId);
    const r = this.newReceipt(accountId, []);
    return this.checkedPushPromise({ kind: 'Receipt', receipt: r });
  }
  promise_batch_then(promiseIdx: bigint, accLen: bigint, accPtr: bigint): bigint {
    this.payBase();
    this.prohibitedInView('promise_batch_then');
    const accountId = this.accountId(accLen, accPtr);
    const p = promiseIdx < BigInt(this.promises.length) ? this.promises[Number(promiseIdx)] : undefined;
    if (p === undefined) throw hostErrors.invalidPromiseIndex(promiseIdx);
    const deps = p.kind === 'Receipt' ? [p.receipt] : [...p.receipts];
    const sir = accountId === this.context.currentAccountId;
    this.payForNewReceipt(sir, deps, accountId);
    const r = this.newReceipt(accountId, deps);
    return this.checkedPushPromise({ kind: 'Receipt', receipt: r });
  }
  promise_batch_action_create_account(idx: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_create_account');
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('createAccount', sir);
    this.appendAction(receipt, { kind: 'CreateAccount' });
  }
  promise_batch_action_deploy_contract(idx: bigint, len: bigint, ptr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_deploy_contract');
    const code = this.memOrRegister(ptr, len);
    if (code.length > this.limits.maxContractSize)
      throw hostErrors.contractSizeExceeded(BigInt(code.length), this.limits.maxContractSize);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('deployContractBase', sir);
    this.payActionPerByte('deployContractByte', BigInt(code.length), sir);
    this.appendAction(receipt, { kind: 'DeployContract', code });
  }
  promise_batch_action_function_call(
    idx: bigint, mLen: bigint, mPtr: bigint, aLen: bigint, aPtr: bigint, amountPtr: bigint, gas: bigint,
  ): void {
    this.promise_batch_action_function_call_weight(idx, mLen, mPtr, aLen, aPtr, amountPtr, gas, 0n, 'promise_batch_action_function_call');
  }
  promise_batch_action_function_call_weight(
    idx: bigint, mLen: bigint, mPtr: bigint, aLen: bigint, aPtr: bigint, amountPtr: bigint, gas: bigint, weight: bigint,
    viewName = 'promise_batch_action_function_call_weight',
  ): void {
    this.payBase();
    this.prohibitedInView(viewName);
    const amount = this.memReadU128(amountPtr);
    const method = this.memOrRegister(mPtr, mLen);
    if (method.length === 0) throw hostErrors.emptyMethodName();
    const args = this.memOrRegister(aPtr, aLen);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('functionCallBase', sir);
    this.payActionPerByte('functionCallByte', BigInt(method.length + args.length), sir);
    this.gas.prepay(gas);
    this.deductAttachedDeposit(amount);
    let methodName: string;
    try {
      methodName = utf8Fatal.decode(method);
    } catch {
      throw hostErrors.invalidMethodName();
    }
    const actionIndex = this.appendAction(receipt, {
      kind: 'FunctionCall', methodName, args, deposit: amount, gas, gasWeight: weight,
    });
    if (weight > 0n) this.gasWeights.push([receipt, actionIndex, weight]);
  }
  promise_batch_action_transfer(idx: bigint, amountPtr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_transfer');
    const amount = this.memReadU128(amountPtr);
    const { receipt, sir } = this.promiseReceipt(idx);
    const receiver = this.receipts[receipt]!.receiverId;
    // core/parameters transfer_send_fee / transfer_exec_fee: implicit receivers also pay account creation.
    const t = this.fee('transfer');
    const ca = this.fee('createAccount');
    const fa = this.fee('addFullAccessKey');
    const type = accountType(receiver, this.limits.deterministicAccountIds);
    let burn = sendFee(t, sir);
    let exec = t.execution;
    if (type === 'NearImplicit') {
      burn += sendFee(ca, sir) + sendFee(fa, sir);
      exec += ca.execution + fa.execution;
    } else if (type === 'EthImplicit' || type === 'Deterministic') {
      burn += sendFee(ca, sir);
      exec += ca.execution;
    }
    this.gas.deduct(burn, burn + exec, 'TRANSFER');
    this.deductBalance(amount);
    this.appendAction(receipt, { kind: 'Transfer', deposit: amount });
  }
  promise_batch_action_stake(idx: bigint, amountPtr: bigint, pkLen: bigint, pkPtr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_stake');
    const amount = this.memReadU128(amountPtr);
    const pk = this.memOrRegister(pkPtr, pkLen);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('stake', sir);
    if (!isValidBorshPublicKey(pk)) throw hostErrors.invalidPublicKey();
    this.appendAction(receipt, { kind: 'Stake', stake: amount, publicKey: pk });
  }
  promise_batch_action_add_key_with_full_access(idx: bigint, pkLen: bigint, pkPtr: bigint, nonce: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_add_key_with_full_access');
    const pk = this.memOrRegister(pkPtr, pkLen);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('addFullAccessKey', sir);
    if (!isValidBorshPublicKey(pk)) throw hostErrors.invalidPublicKey();
    this.appendAction(receipt, { kind: 'AddKey', publicKey: pk, nonce, permission: { kind: 'FullAccess' } });
  }
  promise_batch_action_add_key_with_function_call(
    idx: bigint, pkLen: bigint, pkPtr: bigint, nonce: bigint, allowancePtr: bigint, recvLen: bigint, recvPtr: bigint, namesLen: bigint, namesPtr: bigint,
  ): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_add_key_with_function_call');
    const pk = this.memOrRegister(pkPtr, pkLen);
    const { receipt, sir, permission } = this.functionCallKey(idx, allowancePtr, recvLen, recvPtr, namesLen, namesPtr);
    if (!isValidBorshPublicKey(pk)) throw hostErrors.invalidPublicKey();
    this.appendAction(receipt, { kind: 'AddKey', publicKey: pk, nonce, permission: { kind: 'FunctionCall', ...permission } });
  }
  /**
   * The FunctionCall permission of an added key (plain or gas key), read and charged as logic.rs
   * `promise_batch_action_add_key_with_function_call` does: allowance (0 = none), receiver, comma-separated
   * method names, then the promise and the add_function_call_key fees.
   */
  private functionCallKey(idx: bigint, allowancePtr: bigint, recvLen: bigint, recvPtr: bigint, namesLen: bigint, namesPtr: bigint) {
    const allowance = this.memReadU128(allowancePtr);
    const receiverId = this.accountId(recvLen, recvPtr);
    const namesRaw = this.memOrRegister(namesPtr, namesLen);
    let names: string;
    try {
      names = utf8Fatal.decode(namesRaw);
    } catch {
      throw hostErrors.badUtf8();
    }
    const methodNames = names.length === 0 ? [] : names.split(',');
    if (methodNames.some((m) => m.length === 0)) throw hostErrors.emptyMethodName();
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('addFunctionCallKeyBase', sir);
    let bytes = 0;
    for (const m of methodNames) bytes += utf8.encode(m).length + 1;
    this.payActionPerByte('addFunctionCallKeyByte', BigInt(bytes), sir);
    return { receipt, sir, permission: { allowance: allowance === 0n ? null : allowance, receiverId, methodNames } };
  }
  promise_batch_action_delete_key(idx: bigint, pkLen: bigint, pkPtr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_delete_key');
    const pk = this.memOrRegister(pkPtr, pkLen);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('deleteKey', sir);
    if (!isValidBorshPublicKey(pk)) throw hostErrors.invalidPublicKey();
    this.appendAction(receipt, { kind: 'DeleteKey', publicKey: pk });
  }
  promise_batch_action_delete_account(idx: bigint, benLen: bigint, benPtr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_delete_account');
    const beneficiaryId = this.accountId(benLen, benPtr);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('deleteAccount', sir);
    this.appendAction(receipt, { kind: 'DeleteAccount', beneficiaryId });
  }  /** Sets who receives the receipt's balance refund (`Receipt::balance_refund_receiver`). */
  promise_set_refund_to(idx: bigint, len: bigint, ptr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_set_refund_to');
    const refundTo = this.accountId(len, ptr);
    const p = idx < BigInt(this.promises.length) ? this.promises[Number(idx)] : undefined;
    if (p === undefined) throw hostErrors.invalidPromiseIndex(idx);
    if (p.kind === 'NotReceipt') throw hostErrors.cannotSetRefundToOnJointPromise();
    this.receipts[p.receipt]!.refundTo = refundTo;
  }

  // ---------- global contracts (77 actions; host functions from 78, global_contract_host_fns) ----------
  promise_batch_action_deploy_global_contract(idx: bigint, len: bigint, ptr: bigint): void {
    this.deployGlobalContract(idx, len, ptr, 'CodeHash', 'promise_batch_action_deploy_global_contract');
  }
  promise_batch_action_deploy_global_contract_by_account_id(idx: bigint, len: bigint, ptr: bigint): void {
    this.deployGlobalContract(idx, len, ptr, 'AccountId', 'promise_batch_action_deploy_global_contract_by_account_id');
  }
  private deployGlobalContract(idx: bigint, len: bigint, ptr: bigint, deployMode: 'CodeHash' | 'AccountId', name: string): void {
    this.payBase();
    this.prohibitedInView(name);
    const code = this.memOrRegister(ptr, len);
    if (code.length > this.limits.maxContractSize)
      throw hostErrors.contractSizeExceeded(BigInt(code.length), this.limits.maxContractSize);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('deployGlobalContractBase', sir);
    this.payActionPerByte('deployGlobalContractByte', BigInt(code.length), sir);
    this.appendAction(receipt, { kind: 'DeployGlobalContract', code, deployMode });
  }
  promise_batch_action_use_global_contract(idx: bigint, hashLen: bigint, hashPtr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_use_global_contract');
    const hash = this.memOrRegister(hashPtr, hashLen);
    if (hash.length !== 32) throw hostErrors.contractCodeHashMalformed();
    this.useGlobalContract(idx, { kind: 'CodeHash', hash }, 32);
  }
  promise_batch_action_use_global_contract_by_account_id(idx: bigint, len: bigint, ptr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_use_global_contract_by_account_id');
    const accountId = this.accountId(len, ptr);
    this.useGlobalContract(idx, { kind: 'AccountId', accountId }, utf8.encode(accountId).length);
  }
  private useGlobalContract(idx: bigint, contractIdentifier: Extract<ReceiptAction, { kind: 'UseGlobalContract' }>['contractIdentifier'], idLen: number): void {
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('useGlobalContractBase', sir);
    this.payActionPerByte('useGlobalContractByte', BigInt(idLen), sir);
    this.appendAction(receipt, { kind: 'UseGlobalContract', contractIdentifier });
  }

  // ---------- deterministic state init (NEP-616; DeterministicAccountIds, PV 82) ----------
  /** logic.rs promise_batch_action_state_init: a 32-byte global code hash; returns the action's index. */
  promise_batch_action_state_init(idx: bigint, hashLen: bigint, hashPtr: bigint, amountPtr: bigint): bigint {
    this.payBase();
    this.prohibitedInView('promise_batch_action_state_init');
    const hash = this.memOrRegister(hashPtr, hashLen);
    if (hash.length !== 32) throw hostErrors.contractCodeHashMalformed();
    return this.stateInit(idx, { kind: 'CodeHash', hash }, amountPtr);
  }
  promise_batch_action_state_init_by_account_id(idx: bigint, len: bigint, ptr: bigint, amountPtr: bigint): bigint {
    this.payBase();
    this.prohibitedInView('promise_batch_action_state_init_by_account_id');
    return this.stateInit(idx, { kind: 'AccountId', accountId: this.accountId(len, ptr) }, amountPtr);
  }
  /** `promise_batch_action_state_init_impl`: amount, promise lookup, base fee (send burnt), then the balance. */
  private stateInit(idx: bigint, code: GlobalContractId, amountPtr: bigint): bigint {
    const amount = this.memReadU128(amountPtr);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('deterministicStateInitBase', sir);
    this.deductBalance(amount);
    return BigInt(this.appendAction(receipt, { kind: 'DeterministicStateInit', code, data: [], deposit: amount }));
  }
  /**
   * logic.rs set_state_init_data_entry: promise lookup before reading key and value; entry fee (send 0) and
   * per-byte fee on key + value; then the action must be a state init of that receipt and the key new.
   */
  set_state_init_data_entry(idx: bigint, actionIndex: bigint, kLen: bigint, kPtr: bigint, vLen: bigint, vPtr: bigint): void {
    this.payBase();
    this.prohibitedInView('set_state_init_data_entry');
    const { receipt, sir } = this.promiseReceipt(idx);
    const key = this.memOrRegister(kPtr, kLen);
    const value = this.memOrRegister(vPtr, vLen);
    this.payActionBase('deterministicStateInitEntry', sir);
    this.payActionPerByte('deterministicStateInitByte', BigInt(key.length + value.length), sir);
    const actions = this.receipts[receipt]!.actions;
    const action = actionIndex < BigInt(actions.length) ? actions[Number(actionIndex)] : undefined;
    if (action?.kind !== 'DeterministicStateInit') throw hostErrors.invalidActionIndex(actionIndex);
    if (action.data.some(([k]) => k.length === key.length && k.every((b, i) => b === key[i]))) throw hostErrors.dataEntryAlreadyExists();
    action.data.push([key, value]);
  }

  // ---------- gas keys (gas_key_host_fns, 85.yaml; logic.rs, fees from core/parameters/src/cost.rs) ----------
  /** Appends TransferToGasKey: `amount` leaves the contract's balance for a gas key of the receiver. */
  promise_batch_action_transfer_to_gas_key(idx: bigint, pkLen: bigint, pkPtr: bigint, amountPtr: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_transfer_to_gas_key');
    const pk = this.memOrRegister(pkPtr, pkLen);
    const amount = this.memReadU128(amountPtr);
    const { receipt, sir } = this.promiseReceipt(idx);
    const receiverLength = utf8.encode(this.receipts[receipt]!.receiverId).length;
    const send = gasKeyTransferSendFee(this.config, sir, pk.length);
    const exec = gasKeyTransferExecFee(this.config, receiverLength, pk.length);
    this.gas.deduct(send.base, send.base + exec.base, 'GAS_KEY_TRANSFER_BASE');
    this.gas.deduct(send.perByte, send.perByte + exec.perByte, 'GAS_KEY_BYTE');
    this.deductBalance(amount);
    // The key is decoded last: InvalidPublicKey comes after the fees and the balance check.
    if (!isValidBorshPublicKey(pk)) throw hostErrors.invalidPublicKey();
    this.appendAction(receipt, { kind: 'TransferToGasKey', publicKey: pk, deposit: amount });
  }
  /** Appends AddKey with a GasKeyFullAccess permission and `num_nonces` nonces (balance 0). */
  promise_batch_action_add_gas_key_with_full_access(idx: bigint, pkLen: bigint, pkPtr: bigint, numNonces: bigint): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_add_gas_key_with_full_access');
    const pk = this.memOrRegister(pkPtr, pkLen);
    const nonces = gasKeyNonceCount(numNonces);
    const { receipt, sir } = this.promiseReceipt(idx);
    this.payActionBase('addFullAccessKey', sir);
    this.payGasKeyAddKeyFees(receipt, sir, pk.length, nonces);
    if (!isValidBorshPublicKey(pk)) throw hostErrors.invalidPublicKey();
    this.appendAction(receipt, { kind: 'AddKey', publicKey: pk, nonce: 0n, permission: { kind: 'GasKeyFullAccess', numNonces: nonces } });
  }
  /** Appends AddKey with a GasKeyFunctionCall permission (an allowance fails validation: gas keys have none). */
  promise_batch_action_add_gas_key_with_function_call(
    idx: bigint, pkLen: bigint, pkPtr: bigint, numNonces: bigint, allowancePtr: bigint, recvLen: bigint, recvPtr: bigint, namesLen: bigint, namesPtr: bigint,
  ): void {
    this.payBase();
    this.prohibitedInView('promise_batch_action_add_gas_key_with_function_call');
    const pk = this.memOrRegister(pkPtr, pkLen);
    const nonces = gasKeyNonceCount(numNonces);
    const { receipt, sir, permission } = this.functionCallKey(idx, allowancePtr, recvLen, recvPtr, namesLen, namesPtr);
    this.payGasKeyAddKeyFees(receipt, sir, pk.length, nonces);
    if (!isValidBorshPublicKey(pk)) throw hostErrors.invalidPublicKey();
    this.appendAction(receipt, { kind: 'AddKey', publicKey: pk, nonce: 0n, permission: { kind: 'GasKeyFunctionCall', numNonces: nonces, ...permission } });
  }
  /** gas_counter.rs `pay_gas_key_add_key_fees`: the nonce rows' write cost (exec only), then the byte cost. */
  private payGasKeyAddKeyFees(receipt: number, sir: boolean, publicKeyLength: number, numNonces: number): void {
    const receiverLength = utf8.encode(this.receipts[receipt]!.receiverId).length;
    const send = gasKeyAddKeySendFee(this.config, sir);
    const exec = gasKeyAddKeyExecFee(this.config, receiverLength, publicKeyLength, numNonces);
    this.gas.deduct(0n, exec.base, 'GAS_KEY_NONCE_WRITE_BASE');
    this.gas.deduct(send, send + exec.perByte, 'GAS_KEY_BYTE');
  }


  promise_results_count(): bigint {
    this.payBase();
    this.prohibitedInView('promise_results_count');
    return BigInt(this.context.promiseResults.length);
  }
  promise_result(i: bigint, reg: bigint): bigint {
    this.payBase();
    this.prohibitedInView('promise_result');
    const r = i < BigInt(this.context.promiseResults.length) ? this.context.promiseResults[Number(i)] : undefined;
    if (r === undefined) throw hostErrors.invalidPromiseResultIndex(i);
    if (r.kind === 'NotReady') return 0n;
    if (r.kind === 'Failed') return 2n;
    this.registerWrite(reg, r.value, !this.limits.deterministicAccountIds);
    return 1n;
  }
  promise_return(idx: bigint): void {
    this.payBase();
    this.pay('promise_return');
    this.prohibitedInView('promise_return');
    const p = idx < BigInt(this.promises.length) ? this.promises[Number(idx)] : undefined;
    if (p === undefined) throw hostErrors.invalidPromiseIndex(idx);
    if (p.kind === 'NotReceipt') throw hostErrors.cannotReturnJointPromise();
    this.returnData = { kind: 'ReceiptIndex', index: p.receipt };
  }

  // ---------- yield / resume (NEP-519) ----------
  promise_yield_create(mLen: bigint, mPtr: bigint, aLen: bigint, aPtr: bigint, gas: bigint, weight: bigint, reg: bigint): bigint {
    this.payBase();
    this.prohibitedInView('promise_yield_create');
    this.pay('yield_create_base');
    const method = this.memOrRegister(mPtr, mLen);
    if (method.length === 0) throw hostErrors.emptyMethodName();
    const args = this.memOrRegister(aPtr, aLen);
    const n = BigInt(method.length + args.length);
    this.payPer('yield_create_byte', n);
    this.gas.prepay(gas);
    this.payYieldReceipt();
    const dataId = this.external.createPromiseYield()!;
    const receipt = this.pushYieldReceipt(dataId);
    const promiseIdx = this.checkedPushPromise({ kind: 'Receipt', receipt });
    this.payActionBase('functionCallBase', true);
    this.payActionPerByte('functionCallByte', n, true);
    this.appendYieldCallback(receipt, method, args, 0n, gas, weight);
    this.registerWrite(reg, dataId);
    return promiseIdx;
  }
  /**
   * PV ≥ 85 (YieldWithId; nearcore PR #15602, renamed in #15846): a yield the caller names with its own 32-byte
   * id, with a deposit for the callback. Its order differs from `promise_yield_create`: the deposit is read
   * first, the id is checked before `yield_create_byte`, and the yield (its id ↔ data id maps and status) is
   * made before the callback's gas is prepaid (wasmtime_runner/logic.rs; runtime ext.rs
   * `create_promise_yield_receipt_with_id`). An id already pending for this account returns `u64::MAX` with
   * nothing more charged.
   */
  promise_yield_create_with_id(
    mLen: bigint, mPtr: bigint, aLen: bigint, aPtr: bigint, amountPtr: bigint, gas: bigint, weight: bigint, yLen: bigint, yPtr: bigint,
  ): bigint {
    this.payBase();
    this.prohibitedInView('promise_yield_create_with_id');
    this.pay('yield_create_with_id_base');
    const amount = this.memReadU128(amountPtr);
    const method = this.memOrRegister(mPtr, mLen);
    if (method.length === 0) throw hostErrors.emptyMethodName();
    const args = this.memOrRegister(aPtr, aLen);
    const yieldId = this.memOrRegister(yPtr, yLen);
    if (yieldId.length !== 32) throw hostErrors.yieldIdMalformed();
    const n = BigInt(method.length + args.length);
    this.payPer('yield_create_byte', n);
    const dataId = this.external.createPromiseYield(yieldId);
    if (dataId === undefined) return U64_MAX;
    const receipt = this.pushYieldReceipt(dataId);
    this.gas.prepay(gas);
    this.payYieldReceipt();
    const promiseIdx = this.checkedPushPromise({ kind: 'Receipt', receipt });
    this.payActionBase('functionCallBase', true);
    this.payActionPerByte('functionCallByte', n, true);
    this.deductAttachedDeposit(amount);
    this.appendYieldCallback(receipt, method, args, amount, gas, weight);
    return promiseIdx;
  }
  /** `pay_gas_for_new_receipt(sir = true, [sir = true])`: a receipt to this account with one local input. */
  private payYieldReceipt(): void {
    const ar = this.fee('newActionReceipt');
    const db = this.fee('newDataReceiptBase');
    const burn = ar.sendSir + db.sendSir + db.execution;
    this.gas.deduct(burn, burn + ar.execution, 'NEW_ACTION_RECEIPT');
  }
  private pushYieldReceipt(dataId: Uint8Array): number {
    this.receipts.push({ receiverId: this.context.currentAccountId, dependsOn: [], dependencyDataIds: [], actions: [], yieldDataId: dataId });
    return this.receipts.length - 1;
  }
  private appendYieldCallback(receipt: number, method: Uint8Array, args: Uint8Array, deposit: bigint, gas: bigint, weight: bigint): void {
    let methodName: string;
    try {
      methodName = utf8Fatal.decode(method);
    } catch {
      throw hostErrors.invalidMethodName();
    }
    const actionIndex = this.appendAction(receipt, { kind: 'FunctionCall', methodName, args, deposit, gas, gasWeight: weight });
    if (weight > 0n) this.gasWeights.push([receipt, actionIndex, weight]);
  }
  /**
   * In a view nearcore names this function by its old name, `ProhibitedInView { method_name: "promise_submit_data" }`:
   * runtime/near-vm-runner/src/wasmtime_runner/logic.rs @015033ab and both stored versions of the wasmtime component
   * host.rs (with state init, so later). No stored nearcore text has `method_name: "promise_yield_resume"`.
   */
  promise_yield_resume(idLen: bigint, idPtr: bigint, payloadLen: bigint, payloadPtr: bigint): number {
    const [dataId, payload] = this.readYieldResume('promise_submit_data', idLen, idPtr, payloadLen, payloadPtr);
    if (dataId.length !== 32) throw hostErrors.dataIdMalformed();
    return this.external.submitYieldResume(dataId, payload) ? 1 : 0;
  }
  /**
   * PV ≥ 85: resumes the yield `promise_yield_create_with_id` made under this id, charged as
   * `promise_yield_resume`; 0 when this account has no pending yield with that id (runtime ext.rs
   * `submit_promise_resume_data_with_yield_id`: the `YieldIdToDataId` map, then the data-id resume).
   */
  promise_yield_resume_with_yield_id(idLen: bigint, idPtr: bigint, payloadLen: bigint, payloadPtr: bigint): number {
    const [yieldId, payload] = this.readYieldResume('promise_yield_resume_with_yield_id', idLen, idPtr, payloadLen, payloadPtr);
    if (yieldId.length !== 32) throw hostErrors.yieldIdMalformed();
    const dataId = this.external.yieldDataId(yieldId);
    return dataId !== undefined && this.external.submitYieldResume(dataId, payload) ? 1 : 0;
  }
  /** Both resumes: `yield_resume_byte` on the raw `payload_len` before reading, then the payload limit. */
  private readYieldResume(viewName: string, idLen: bigint, idPtr: bigint, payloadLen: bigint, payloadPtr: bigint): [Uint8Array, Uint8Array] {
    this.payBase();
    this.prohibitedInView(viewName);
    this.pay('yield_resume_base');
    this.payPer('yield_resume_byte', payloadLen);
    const id = this.memOrRegister(idPtr, idLen);
    const payload = this.memOrRegister(payloadPtr, payloadLen);
    if (payload.length > this.limits.maxYieldPayloadSize)
      throw hostErrors.yieldPayloadLength(BigInt(payload.length), this.limits.maxYieldPayloadSize);
    return [id, payload];
  }

  // ---------- storage ----------
  /** nearcore `add_trie_fees`: `touching_trie_node` per database read, `read_cached_trie_node` per cached read. */
  private payTrieNodes(access: StorageAccess | undefined): void {
    if (!access) return;
    if (access.dbReads > 0) this.payPer('touching_trie_node', BigInt(access.dbReads));
    if (access.memReads > 0) this.payPer('read_cached_trie_node', BigInt(access.memReads));
  }
  private checkKey(key: Uint8Array): void {
    if (key.length > this.limits.maxLengthStorageKey)
      throw hostErrors.keyLengthExceeded(BigInt(key.length), this.limits.maxLengthStorageKey);
  }
  storage_write(kLen: bigint, kPtr: bigint, vLen: bigint, vPtr: bigint, reg: bigint): bigint {
    this.payBase();
    this.prohibitedInView('storage_write');
    this.pay('storage_write_base');
    const key = this.memOrRegister(kPtr, kLen);
    this.checkKey(key);
    const value = this.memOrRegister(vPtr, vLen);
    if (value.length > this.limits.maxLengthStorageValue)
      throw hostErrors.valueLengthExceeded(BigInt(value.length), this.limits.maxLengthStorageValue);
    this.payPer('storage_write_key_byte', BigInt(key.length));
    this.payPer('storage_write_value_byte', BigInt(value.length));
    // The old value is looked up through the trie first (ext.rs storage_set): its path and value are
    // charged after the evicted bytes.
    const access = this.external.storageAccess?.(key, true);
    const evicted = this.external.storageSet(key, value);
    if (evicted !== undefined) {
      this.payPer('storage_write_evicted_byte', BigInt(evicted.length));
      access?.touchValue();
    }
    this.payTrieNodes(access);
    if (evicted !== undefined) {
      this.storageUsage += BigInt(value.length) - BigInt(evicted.length);
      this.registerWrite(reg, evicted);
      return 1n;
    }
    this.storageUsage += BigInt(key.length + value.length) + this.config.storageNumExtraBytesRecord;
    return 0n;
  }
  storage_read(kLen: bigint, kPtr: bigint, reg: bigint): bigint {
    this.payBase();
    this.pay('storage_read_base');
    const key = this.memOrRegister(kPtr, kLen);
    this.checkKey(key);
    this.payPer('storage_read_key_byte', BigInt(key.length));
    // Flat storage: no trie node is charged (ext.rs storage_get, KeyLookupMode::MemOrFlatOrTrie).
    const access = this.external.storageAccess?.(key, false);
    const value = this.external.storageGet(key);
    if (value === undefined) return 0n;
    this.payPer('storage_read_value_byte', BigInt(value.length));
    // Values above INLINE_DISK_VALUE_THRESHOLD (4000 bytes) pay the large-read overhead (72.yaml).
    if (value.length > 4000) {
      this.pay('storage_large_read_overhead_base');
      this.payPer('storage_large_read_overhead_byte', BigInt(value.length));
    }
    // The value is dereferenced with a free gas counter (logic.rs storage_read): it enters the chunk's
    // accounting cache uncharged.
    access?.touchValue();
    this.registerWrite(reg, value);
    return 1n;
  }
  storage_remove(kLen: bigint, kPtr: bigint, reg: bigint): bigint {
    this.payBase();
    this.prohibitedInView('storage_remove');
    this.pay('storage_remove_base');
    const key = this.memOrRegister(kPtr, kLen);
    this.checkKey(key);
    this.payPer('storage_remove_key_byte', BigInt(key.length));
    const access = this.external.storageAccess?.(key, true);
    const removed = this.external.storageRemove(key);
    if (removed === undefined) {
      this.payTrieNodes(access);
      return 0n;
    }
    this.payPer('storage_remove_ret_value_byte', BigInt(removed.length));
    access?.touchValue();
    this.payTrieNodes(access);
    this.storageUsage -= BigInt(key.length + removed.length) + this.config.storageNumExtraBytesRecord;
    this.registerWrite(reg, removed);
    return 1n;
  }
  storage_has_key(kLen: bigint, kPtr: bigint): bigint {
    this.payBase();
    this.pay('storage_has_key_base');
    const key = this.memOrRegister(kPtr, kLen);
    this.checkKey(key);
    this.payPer('storage_has_key_byte', BigInt(key.length));
    // Flat storage, value never dereferenced: no trie node is touched (ext.rs storage_has_key).
    return this.external.storageHasKey(key) ? 1n : 0n;
  }

  // ---------- validators ----------
  validator_stake(len: bigint, ptr: bigint, stakePtr: bigint): void {
    this.payBase();
    const accountId = this.accountId(len, ptr);
    this.pay('validator_stake_base');
    this.memWrite(stakePtr, leU128(this.external.validatorStake(accountId) ?? 0n));
  }
  validator_total_stake(stakePtr: bigint): void {
    this.payBase();
    this.pay('validator_total_stake_base');
    this.memWrite(stakePtr, leU128(this.external.validatorTotalStake()));
  }

  /**
   * receipt_manager.rs `distribute_unused_gas`: unused = prepaid − used, split by weight
   * (floor(unused·w/W)), remainder to the last weighted call; then used = prepaid.
   */
  distributeUnusedGas(): void {
    if (this.gasWeights.length === 0 || this.context.isView) return;
    const unused = this.context.prepaidGas - this.gas.usedGas;
    if (unused <= 0n) return;
    let total = 0n;
    for (const [, , w] of this.gasWeights) total += w;
    if (total === 0n) return;
    let assigned = 0n;
    let last: { receipt: number; action: number } | null = null;
    for (const [receipt, action, w] of this.gasWeights) {
      const share = (unused * w) / total;
      const a = this.receipts[receipt]!.actions[action] as Extract<ReceiptAction, { kind: 'FunctionCall' }>;
      a.gas += share;
      assigned += share;
      last = { receipt, action };
    }
    if (last && assigned < unused) {
      const a = this.receipts[last.receipt]!.actions[last.action] as Extract<ReceiptAction, { kind: 'FunctionCall' }>;
      a.gas += unused - assigned;
    }
    this.gas.promisesGas += unused;
  }
}

/** Deprecated host functions: always fail, charge nothing (logic.rs storage_iter_*). */
export const DEPRECATED_HOST_FUNCTIONS = ['storage_iter_prefix', 'storage_iter_range', 'storage_iter_next'] as const;

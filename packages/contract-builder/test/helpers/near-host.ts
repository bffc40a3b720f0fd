/**
 * A small NEAR host for running built contracts in Node's WebAssembly in tests: registers, a storage
 * map, the call context, and a log of the promise / yield host calls a method makes. Each call gets
 * a fresh instance (as in nearcore); storage persists across calls. Semantics follow nearcore
 * runtime/near-vm-runner/src/logic/logic.rs as summarised in /work/shared/notes/nearcore-vm.md
 * section 4 (no gas accounting: that belongs to packages/sandbox).
 */
import { createHash, randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";

const U64_MAX = 2n ** 64n - 1n;

export interface HostCall {
  name: string;
  args: Record<string, unknown>;
}

export interface CallContext {
  currentAccountId?: string;
  predecessorAccountId?: string;
  signerAccountId?: string;
  attachedDeposit?: bigint;
  accountBalance?: bigint;
  blockHeight?: bigint;
  blockTimestamp?: bigint;
  /** results of the promises this call depends on (callbacks): bytes = success, null = failed */
  promiseResults?: Array<Uint8Array | null>;
  isView?: boolean;
}

export interface CallOutcome {
  returnValue?: Uint8Array;
  returnText?: string;
  logs: string[];
  hostCalls: HostCall[];
  panic?: string;
}

export class GuestPanic extends Error {}

export class NearTestHost {
  readonly storage = new Map<string, Uint8Array>();
  /** data ids of yields created and not yet resumed (hex) */
  readonly pendingYields = new Set<string>();
  private readonly module: WebAssembly.Module;

  constructor(wasm: Uint8Array) {
    this.module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  }

  importNames(): string[] {
    return WebAssembly.Module.imports(this.module).map((i) => `${i.module}.${i.name}`);
  }

  /** Call an exported method with JSON (or raw) input. Traps and panics come back as `panic`. */
  call(method: string, input: unknown = "", context: CallContext = {}): CallOutcome {
    const inputBytes = typeof input === "string" ? Buffer.from(input) : input instanceof Uint8Array ? input : Buffer.from(JSON.stringify(input));
    const ctx = {
      currentAccountId: "contract.test.near",
      predecessorAccountId: "alice.test.near",
      signerAccountId: "alice.test.near",
      attachedDeposit: 0n,
      accountBalance: 10n ** 25n,
      blockHeight: 100n,
      blockTimestamp: 1_700_000_000_000_000_000n,
      promiseResults: [],
      isView: false,
      ...context,
    };
    const registers = new Map<bigint, Uint8Array>();
    const outcome: CallOutcome = { logs: [], hostCalls: [] };
    let memory: WebAssembly.Memory | undefined;
    let promiseCount = 0n;
    const mem = () => new Uint8Array(memory!.buffer);
    const readGuest = (len: bigint, ptr: bigint): Uint8Array => {
      if (len === U64_MAX) {
        const value = registers.get(ptr);
        if (!value) throw new GuestPanic(`InvalidRegisterId ${ptr}`);
        return value;
      }
      return mem().slice(Number(ptr), Number(ptr) + Number(len));
    };
    const readText = (len: bigint, ptr: bigint) => Buffer.from(readGuest(len, ptr)).toString("utf8");
    const writeGuest = (ptr: bigint, bytes: Uint8Array) => mem().set(bytes, Number(ptr));
    const setRegister = (id: bigint, bytes: Uint8Array | string) => registers.set(id, typeof bytes === "string" ? Buffer.from(bytes) : bytes);
    const u128 = (value: bigint) => {
      const out = new Uint8Array(16);
      for (let i = 0; i < 16; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
      return out;
    };
    const readU128 = (ptr: bigint) => {
      const bytes = mem().slice(Number(ptr), Number(ptr) + 16);
      let value = 0n;
      for (let i = 15; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
      return value;
    };
    const record = (name: string, args: Record<string, unknown>) => outcome.hostCalls.push({ name, args });
    const prohibitedInView = (name: string) => {
      if (ctx.isView) throw new GuestPanic(`ProhibitedInView ${name}`);
    };
    const key = (len: bigint, ptr: bigint) => Buffer.from(readGuest(len, ptr)).toString("latin1");

    const env: Record<string, (...args: any[]) => unknown> = {
      read_register: (id: bigint, ptr: bigint) => {
        const value = registers.get(id);
        if (!value) throw new GuestPanic(`InvalidRegisterId ${id}`);
        writeGuest(ptr, value);
      },
      register_len: (id: bigint) => BigInt(registers.get(id)?.length ?? U64_MAX),
      write_register: (id: bigint, len: bigint, ptr: bigint) => void setRegister(id, readGuest(len, ptr)),
      current_account_id: (reg: bigint) => void setRegister(reg, ctx.currentAccountId),
      predecessor_account_id: (reg: bigint) => (prohibitedInView("predecessor_account_id"), void setRegister(reg, ctx.predecessorAccountId)),
      signer_account_id: (reg: bigint) => (prohibitedInView("signer_account_id"), void setRegister(reg, ctx.signerAccountId)),
      input: (reg: bigint) => void setRegister(reg, inputBytes),
      block_index: () => ctx.blockHeight,
      block_timestamp: () => ctx.blockTimestamp,
      epoch_height: () => 1n,
      storage_usage: () => BigInt([...this.storage].reduce((n, [k, v]) => n + k.length + v.length + 40, 0)),
      account_balance: (ptr: bigint) => writeGuest(ptr, u128(ctx.accountBalance)),
      account_locked_balance: (ptr: bigint) => writeGuest(ptr, u128(0n)),
      attached_deposit: (ptr: bigint) => writeGuest(ptr, u128(ctx.attachedDeposit)),
      prepaid_gas: () => 300n * 10n ** 12n,
      used_gas: () => 10n ** 12n,
      random_seed: (reg: bigint) => void setRegister(reg, new Uint8Array(32).fill(7)),
      sha256: (len: bigint, ptr: bigint, reg: bigint) => void setRegister(reg, createHash("sha256").update(readGuest(len, ptr)).digest()),
      value_return: (len: bigint, ptr: bigint) => {
        outcome.returnValue = readGuest(len, ptr);
      },
      panic: () => {
        throw new GuestPanic("explicit guest panic");
      },
      panic_utf8: (len: bigint, ptr: bigint) => {
        throw new GuestPanic(readText(len, ptr));
      },
      log_utf8: (len: bigint, ptr: bigint) => {
        if (len === U64_MAX) {
          const bytes = mem();
          let end = Number(ptr);
          while (bytes[end] !== 0) end++;
          outcome.logs.push(Buffer.from(bytes.slice(Number(ptr), end)).toString("utf8"));
        } else outcome.logs.push(readText(len, ptr));
      },
      storage_write: (kl: bigint, kp: bigint, vl: bigint, vp: bigint, reg: bigint) => {
        prohibitedInView("storage_write");
        const k = key(kl, kp);
        const old = this.storage.get(k);
        this.storage.set(k, readGuest(vl, vp));
        record("storage_write", { key: k });
        if (old) {
          setRegister(reg, old);
          return 1n;
        }
        return 0n;
      },
      storage_read: (kl: bigint, kp: bigint, reg: bigint) => {
        const value = this.storage.get(key(kl, kp));
        if (!value) return 0n;
        setRegister(reg, value);
        return 1n;
      },
      storage_remove: (kl: bigint, kp: bigint, reg: bigint) => {
        prohibitedInView("storage_remove");
        const k = key(kl, kp);
        const old = this.storage.get(k);
        if (!old) return 0n;
        this.storage.delete(k);
        setRegister(reg, old);
        return 1n;
      },
      storage_has_key: (kl: bigint, kp: bigint) => (this.storage.has(key(kl, kp)) ? 1n : 0n),
      promise_batch_create: (len: bigint, ptr: bigint) => {
        prohibitedInView("promise_batch_create");
        record("promise_batch_create", { accountId: readText(len, ptr), index: promiseCount });
        return promiseCount++;
      },
      promise_batch_then: (idx: bigint, len: bigint, ptr: bigint) => {
        prohibitedInView("promise_batch_then");
        record("promise_batch_then", { after: idx, accountId: readText(len, ptr), index: promiseCount });
        return promiseCount++;
      },
      promise_batch_action_function_call: (idx: bigint, ml: bigint, mp: bigint, al: bigint, ap: bigint, amountPtr: bigint, gas: bigint) => {
        prohibitedInView("promise_batch_action_function_call");
        record("promise_batch_action_function_call", { index: idx, method: readText(ml, mp), args: readText(al, ap), amount: readU128(amountPtr), gas });
      },
      promise_batch_action_function_call_weight: (idx: bigint, ml: bigint, mp: bigint, al: bigint, ap: bigint, amountPtr: bigint, gas: bigint, weight: bigint) => {
        prohibitedInView("promise_batch_action_function_call_weight");
        record("promise_batch_action_function_call_weight", { index: idx, method: readText(ml, mp), args: readText(al, ap), amount: readU128(amountPtr), gas, weight });
      },
      promise_batch_action_transfer: (idx: bigint, amountPtr: bigint) => void record("promise_batch_action_transfer", { index: idx, amount: readU128(amountPtr) }),
      promise_return: (idx: bigint) => void record("promise_return", { index: idx }),
      promise_results_count: () => (prohibitedInView("promise_results_count"), BigInt(ctx.promiseResults.length)),
      promise_result: (i: bigint, reg: bigint) => {
        prohibitedInView("promise_result");
        if (i >= BigInt(ctx.promiseResults.length)) throw new GuestPanic(`InvalidPromiseResultIndex ${i}`);
        const result = ctx.promiseResults[Number(i)];
        if (result === null) return 2n;
        setRegister(reg, result);
        return 1n;
      },
      // NEP-519 (logic.rs promise_yield_create / promise_yield_resume)
      promise_yield_create: (ml: bigint, mp: bigint, al: bigint, ap: bigint, gas: bigint, weight: bigint, reg: bigint) => {
        prohibitedInView("promise_yield_create");
        const method = readText(ml, mp);
        if (method.length === 0) throw new GuestPanic("EmptyMethodName");
        const dataId = new Uint8Array(randomBytes(32));
        this.pendingYields.add(Buffer.from(dataId).toString("hex"));
        setRegister(reg, dataId);
        record("promise_yield_create", { method, args: readText(al, ap), gas, gasWeight: weight, register: reg, dataId, index: promiseCount });
        return promiseCount++;
      },
      promise_yield_resume: (dl: bigint, dp: bigint, pl: bigint, pp: bigint) => {
        prohibitedInView("promise_yield_resume");
        const payload = readGuest(pl, pp);
        if (payload.length > 1024) throw new GuestPanic(`YieldPayloadLength ${payload.length}`);
        const dataId = readGuest(dl, dp);
        if (dataId.length !== 32) throw new GuestPanic("DataIdMalformed");
        const hex = Buffer.from(dataId).toString("hex");
        record("promise_yield_resume", { dataId, payload: Buffer.from(payload).toString("utf8") });
        return this.pendingYields.delete(hex) ? 1 : 0;
      },
      ed25519_verify: (sl: bigint, sp: bigint, ml: bigint, mp: bigint, kl: bigint, kp: bigint) => {
        const signature = readGuest(sl, sp);
        if (signature.length !== 64) throw new GuestPanic("Ed25519VerifyInvalidInput: invalid signature length");
        const message = readGuest(ml, mp);
        const publicKey = readGuest(kl, kp);
        if (publicKey.length !== 32) throw new GuestPanic("Ed25519VerifyInvalidInput: invalid public key length");
        record("ed25519_verify", { signature, message, publicKey });
        try {
          return ed25519.verify(signature, message, publicKey) ? 1n : 0n;
        } catch {
          return 0n;
        }
      },
    };
    const imports: Record<string, Record<string, unknown>> = { env: {} };
    for (const imp of WebAssembly.Module.imports(this.module)) {
      imports[imp.module] ??= {};
      imports[imp.module][imp.name] =
        env[imp.name] ??
        (() => {
          throw new GuestPanic(`host function ${imp.name} is not implemented by the test host`);
        });
    }
    const instance = new WebAssembly.Instance(this.module, imports as WebAssembly.Imports);
    memory = instance.exports.memory as WebAssembly.Memory;
    const fn = instance.exports[method];
    if (typeof fn !== "function") throw new Error(`contract does not export ${method}`);
    try {
      (fn as () => void)();
    } catch (error) {
      if (error instanceof GuestPanic) outcome.panic = error.message;
      else if (error instanceof WebAssembly.RuntimeError) outcome.panic = `wasm trap: ${error.message}`;
      else throw error;
    }
    if (outcome.returnValue) outcome.returnText = Buffer.from(outcome.returnValue).toString("utf8");
    return outcome;
  }
}

/** A host whose contract has run `init(initArgs)`; a panicking init fails the test's setup loudly. */
export function initializedHost(wasm: Uint8Array, initArgs: Record<string, unknown>): NearTestHost {
  const host = new NearTestHost(wasm);
  const out = host.call("init", initArgs);
  if (out.panic) throw new Error(`init panicked: ${out.panic}`);
  return host;
}

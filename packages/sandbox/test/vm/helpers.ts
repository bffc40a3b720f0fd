/** Shared fixtures for the VM conformance tests: WAT compilation, a default context, an in-memory External. */
import { sha256 } from '@noble/hashes/sha2.js';
import wabtInit from 'wabt';
import { HOST_FUNCTIONS, runFunctionCall } from '../../src/vm/index.js';
import type { External, RunFunctionCall, StorageAccess, VMContext, VMOutcome } from '../../src/vm/types.js';

const wabt = await wabtInit();

export function wat(source: string, features: Record<string, boolean> = {}): Uint8Array {
  const mod = wabt.parseWat('contract.wat', source, { bulk_memory: true, reference_types: true, ...features });
  try {
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class MemoryExternal implements External {
  readonly data = new Map<string, Uint8Array>();
  readonly resumed: Array<{ dataId: Uint8Array; payload: Uint8Array }> = [];
  /** Yields whose callback has not run (runtime ext.rs: `PromiseYieldStatus` is kept until then), by data id hex. */
  pendingYields = new Set<string>();
  /** `YieldIdToDataId` of yields made with an id. */
  readonly yieldIds = new Map<string, Uint8Array>();
  storageAccess?: (key: Uint8Array, walkTrie: boolean) => StorageAccess;
  sandboxDebugLog?: (message: string) => void;
  private counter = 0;
  storageGet(key: Uint8Array) {
    return this.data.get(hex(key));
  }
  storageSet(key: Uint8Array, value: Uint8Array) {
    const old = this.data.get(hex(key));
    this.data.set(hex(key), value);
    return old;
  }
  storageRemove(key: Uint8Array) {
    const old = this.data.get(hex(key));
    this.data.delete(hex(key));
    return old;
  }
  storageHasKey(key: Uint8Array) {
    return this.data.has(hex(key));
  }
  validatorStake(accountId: string) {
    return accountId === 'validator.near' ? 1_000_000n : undefined;
  }
  validatorTotalStake() {
    return 5_000_000n;
  }
  generateDataId() {
    return sha256(new TextEncoder().encode(`data-id-${this.counter++}`));
  }
  createPromiseYield(yieldId?: Uint8Array) {
    if (yieldId && this.yieldIds.has(hex(yieldId))) return undefined;
    const id = this.generateDataId();
    this.pendingYields.add(hex(id));
    if (yieldId) this.yieldIds.set(hex(yieldId), id);
    return id;
  }
  yieldDataId(yieldId: Uint8Array) {
    return this.yieldIds.get(hex(yieldId));
  }
  /** Every resume until the callback runs is accepted (ext.rs submit_promise_resume_data). */
  submitYieldResume(dataId: Uint8Array, payload: Uint8Array) {
    if (!this.pendingYields.has(hex(dataId))) return false;
    this.resumed.push({ dataId, payload });
    return true;
  }
  /** What the runtime does when the yield's callback runs: the yield and its id are gone. */
  runYieldCallback(dataId: Uint8Array) {
    this.pendingYields.delete(hex(dataId));
    for (const [yieldId, id] of this.yieldIds) if (hex(id) === hex(dataId)) this.yieldIds.delete(yieldId);
  }
}

export function context(overrides: Partial<VMContext> = {}): VMContext {
  return {
    currentAccountId: 'alice.near',
    signerAccountId: 'bob.near',
    signerAccountPk: new Uint8Array(33),
    predecessorAccountId: 'carol.near',
    input: new Uint8Array(),
    promiseResults: [],
    blockHeight: 10n,
    blockTimestamp: 42n,
    epochHeight: 1n,
    accountBalance: 100n,
    accountLockedBalance: 50n,
    storageUsage: 1000n,
    attachedDeposit: 10n,
    prepaidGas: 300_000_000_000_000n,
    randomSeed: new Uint8Array(32).fill(7),
    isView: false,
    outputDataReceivers: [],
    ...overrides,
  };
}

export interface CallOptions {
  method?: string;
  context?: Partial<VMContext>;
  external?: MemoryExternal;
  protocolVersion?: number;
  metering?: RunFunctionCall['metering'];
}

const hashes = new WeakMap<Uint8Array, Uint8Array>();
const codeHash = (code: Uint8Array) => {
  let h = hashes.get(code);
  if (!h) hashes.set(code, (h = sha256(code)));
  return h;
};

export function call(code: Uint8Array, opts: CallOptions = {}): VMOutcome & { external: MemoryExternal } {
  const external = opts.external ?? new MemoryExternal();
  const req: RunFunctionCall = {
    code,
    codeHash: codeHash(code),
    methodName: opts.method ?? 'main',
    context: context(opts.context),
    external,
    protocolVersion: opts.protocolVersion ?? 86,
    metering: opts.metering,
  };
  return { ...runFunctionCall(req), external };
}

/** A contract whose `main` body is `body`, importing the given env functions (WAT import lines). */
export function contract(imports: string, body: string, extra = ''): Uint8Array {
  return wat(`(module
  ${imports}
  (memory 1)
  ${extra}
  (func (export "main") ${body}))`);
}

/** WAT import lines for env host functions, named `$<name>`. */
export function imports(...names: string[]): string {
  return names
    .map((n) => {
      const s = HOST_FUNCTIONS[n];
      if (!s) throw new Error(`unknown host function ${n}`);
      const t = (v: number) => (v === 0x7f ? 'i32' : 'i64');
      const params = s.params.length ? `(param ${s.params.map(t).join(' ')})` : '';
      const result = s.results.length ? `(result ${s.results.map(t).join(' ')})` : '';
      return `(import "env" "${n}" (func $${n} ${params} ${result}))`;
    })
    .join('\n');
}

/** WAT data-string escape for bytes. */
export function watBytes(bytes: Uint8Array | string): string {
  const b = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return [...b].map((x) => '\\' + x.toString(16).padStart(2, '0')).join('');
}

/** A contract with the given env imports, data segments ([offset, bytes]) and `main` body. */
export function program(opts: { imports?: string[]; data?: Array<[number, Uint8Array | string]>; body: string; extra?: string }): Uint8Array {
  const data = (opts.data ?? []).map(([off, b]) => `(data (i32.const ${off}) "${watBytes(b)}")`).join('\n');
  return wat(`(module
  ${imports(...(opts.imports ?? []))}
  (memory 1)
  ${data}
  ${opts.extra ?? ''}
  (func (export "main") ${opts.body}))`);
}

/** Read register `reg` via the outcome: contracts in tests return it with value_return. */
export const u64 = (n: number | bigint) => `(i64.const ${BigInt.asIntN(64, BigInt(n))})`;
export const U64_MAX = (1n << 64n) - 1n;

// ---- hand-built Wasm binaries (byte-exact, for tests that count bytes) ----

/** Unsigned LEB128. */
export const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
export const concatBytes = (...parts: Array<number[] | Uint8Array>): Uint8Array => Buffer.concat(parts.map((p) => Uint8Array.from(p)));
/** A section: id, payload length, payload. */
export const wasmSection = (id: number, payload: Uint8Array): Uint8Array => concatBytes([id, ...leb(payload.length)], payload);
/** A length-prefixed UTF-8 name. */
export const wasmName = (s: string): Uint8Array => concatBytes(leb(Buffer.byteLength(s)), Buffer.from(s));
export const WASM_HEADER = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];


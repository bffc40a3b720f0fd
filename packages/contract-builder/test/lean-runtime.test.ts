import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildContract, type ContractBuildResult } from "../src/index.js";
import { NearTestHost, initializedHost } from "./helpers/near-host.js";

const LEAN = fileURLToPath(new URL("./fixtures/lean-fixture", import.meta.url));

let built: ContractBuildResult;
let wasm: Uint8Array;

test.before(async () => {
  // default options: the template is the one the repository's contracts use (cached by `npm run build`)
  built = await buildContract(LEAN, { outDir: mkdtempSync(path.join(os.tmpdir(), "cb-lean-")), abi: false });
  wasm = readFileSync(built.wasmPath);
});

const initialized = (): NearTestHost => initializedHost(wasm, { owner: "owner.test.near" });

test("BigInt arithmetic folded at build time gives the values JavaScript computes", (t) => {
  const out = new NearTestHost(wasm).call("folded", "", { isView: true });
  t.is(out.panic, undefined);
  const expected = [2n ** 64n - 1n, 2n ** 64n - 1n, (1n << 128n) - 1n, -(3n ** 40n), 7n / -2n, -7n % 3n, 10n ** 30n * 3n + 1n, (5n & 3n) | (8n ^ 1n), -1n >> 3n];
  t.deepEqual(JSON.parse(out.returnText!), expected.map(String));
});

test("decorated methods still register: @call, @view, @initialize, payable and private checks", (t) => {
  const host = initialized();
  t.is(host.call("bump", { key: "a" }).returnText, "1");
  t.is(host.call("bump", { key: "a" }).returnText, "2");
  t.is(host.call("get_count", { key: "a" }, { isView: true }).returnText, "2");
  t.is(host.call("pay", "{}", { attachedDeposit: 9n }).returnText, JSON.stringify("9"));
  t.regex(host.call("bump", { key: "b" }, { attachedDeposit: 1n }).panic ?? "", /Function is not payable/);
  t.regex(host.call("only_self", "", { predecessorAccountId: "mallory.test.near" }).panic ?? "", /Function is private/);
  t.is(host.call("only_self", "", { predecessorAccountId: "contract.test.near" }).returnText, JSON.stringify("self"));
});

test("a contract without eval gets the runtime without the compiler: the hidden Function route throws a clear error", (t) => {
  const out = new NearTestHost(wasm).call("hidden_eval", "", { isView: true });
  t.regex(out.panic ?? "", /eval is not supported/);
});

test("the trimmed runtime leaves out Proxy and String.prototype.normalize and keeps what near-sdk-js needs", (t) => {
  const out = new NearTestHost(wasm).call("globals", { names: ["Proxy", "Date", "Uint8Array", "BigInt", "JSON", "RegExp", "Reflect"], string_methods: ["normalize", "padStart"] }, { isView: true });
  t.is(out.panic, undefined);
  t.deepEqual(JSON.parse(out.returnText!), ["undefined", "function", "function", "function", "object", "function", "object", "undefined", "function"]);
});

test("debug info is stripped: stack lines name the function without a bundle line", (t) => {
  const out = new NearTestHost(wasm).call("stack", "", { isView: true });
  const stack = JSON.parse(out.returnText!) as string;
  // QuickJS prints "at f (contract.js:123)" with debug info and plain "at f" without (build_backtrace)
  t.regex(stack, /^\s+at stack$/m);
  t.notRegex(stack, /contract\.js:\d+/);
});

test("changing a runtime option rebuilds (the cache key covers it), and the same option again is cached", async (t) => {
  const outDir = path.dirname(built.wasmPath);
  const withDebug = await buildContract(LEAN, { outDir, abi: false, debugInfo: true });
  t.false(withDebug.cached);
  t.not(withDebug.wasmSha256, built.wasmSha256);
  t.true(withDebug.wasmSize > built.wasmSize);
  const host = new NearTestHost(readFileSync(withDebug.wasmPath));
  t.regex(JSON.parse(host.call("stack", "", { isView: true }).returnText!) as string, /contract\.js:\d+/);
  t.true((await buildContract(LEAN, { outDir, abi: false, debugInfo: true })).cached);
  t.false((await buildContract(LEAN, { outDir, abi: false })).cached);
});

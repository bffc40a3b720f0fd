import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ed25519 } from "@noble/curves/ed25519.js";
import { buildContract, readWasmSummary, type ContractBuildResult } from "../src/index.js";
import { declaredHostFunctions, patchedBuilderSource } from "../src/backend.js";
import { projectPaths } from "../src/paths.js";
import { NearTestHost, initializedHost } from "./helpers/near-host.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/builder-fixture", import.meta.url));
const CONTRACT = "contract.test.near";
const TGAS = 10n ** 12n;
const U128_MAX = 2n ** 128n - 1n;

let built: ContractBuildResult;
let wasm: Uint8Array;

test.before(async () => {
  // one build per test file; the engine comes from the shared cache
  built = await buildContract(FIXTURE, { outDir: mkdtempSync(path.join(os.tmpdir(), "cb-build-")), abi: true });
  wasm = readFileSync(built.wasmPath);
});

const initialized = (): NearTestHost => initializedHost(wasm, { owner: "owner.test.near" });

test("the Wasm imports only from env: exactly builder.c's host functions plus the three added ones", (t) => {
  const summary = readWasmSummary(wasm);
  t.deepEqual([...new Set(summary.imports.map((i) => i.module))], ["env"]);
  const declared = declaredHostFunctions(patchedBuilderSource(projectPaths().nearSdkDir));
  for (const added of ["promise_yield_create", "promise_yield_resume", "ed25519_verify"]) t.true(declared.includes(added), added);
  // every import is a declared host function (the linker allows no other undefined symbol)
  for (const imp of summary.imports) t.true(declared.includes(imp.name), `unexpected import ${imp.name}`);
  t.true(summary.imports.some((i) => i.name === "promise_yield_create"));
});

test("the Wasm exports memory and every contract method", (t) => {
  const exported = readWasmSummary(wasm).exports.map((e) => e.name);
  t.true(exported.includes("memory"));
  for (const m of ["init", "deposit", "get_deposit", "set_note", "get_notes", "ask_remote", "on_remote", "start_yield", "resume", "on_resume", "verify"]) {
    t.true(exported.includes(m), m);
    t.true(built.methods.includes(m), m);
  }
});

test("init stores the state and a view reads it back", (t) => {
  const host = initialized();
  t.true(host.storage.has("STATE"));
  t.regex(Buffer.from(host.storage.get("STATE")!).toString(), /owner\.test\.near/);
  t.is(host.call("get_owner", "", { isView: true }).returnText, JSON.stringify("owner.test.near"));
});

test("before init a view sees the class defaults (near-sdk-js NearBindgen without requireInit)", (t) => {
  const host = new NearTestHost(wasm);
  const out = host.call("get_owner", "", { isView: true });
  t.is(out.panic, undefined);
  t.is(out.returnText, JSON.stringify(""));
  t.false(host.storage.has("STATE"));
});

test("a 2^128-1 attached deposit round-trips through the payable method and LookupMap", (t) => {
  const host = initialized();
  const out = host.call("deposit", "{}", { attachedDeposit: U128_MAX, predecessorAccountId: "bob.test.near" });
  t.is(out.panic, undefined);
  t.is(out.returnText, JSON.stringify(U128_MAX.toString()));
  t.true([...host.storage.keys()].some((k) => k.startsWith("d") && k.includes("bob.test.near")));
  const view = host.call("get_deposit", { account_id: "bob.test.near" }, { isView: true });
  t.is(view.returnText, JSON.stringify("340282366920938463463374607431768211455"));
});

test("a non-payable method rejects an attached deposit", (t) => {
  const host = initialized();
  const out = host.call("set_note", { key: "a", text: "x" }, { attachedDeposit: 1n });
  t.regex(out.panic ?? "", /Function is not payable/);
  t.false(out.hostCalls.some((c) => c.name === "storage_write"));
});

test("UnorderedMap writes storage and keeps its length", (t) => {
  const host = initialized();
  t.is(host.call("set_note", { key: "a", text: "first" }).returnText, "1");
  t.is(host.call("set_note", { key: "b", text: "second" }).returnText, "2");
  t.is(host.call("set_note", { key: "a", text: "again" }).returnText, "2");
  t.deepEqual(JSON.parse(host.call("get_notes", "", { isView: true }).returnText!), [
    ["a", "again"],
    ["b", "second"],
  ]);
});

test("a cross-contract call with a callback makes the expected promise host calls", (t) => {
  const host = initialized();
  const out = host.call("ask_remote", { target: "oracle.test.near" });
  t.is(out.panic, undefined);
  const promiseCalls = out.hostCalls.filter((c) => c.name.startsWith("promise_"));
  t.deepEqual(
    promiseCalls.map((c) => c.name),
    ["promise_batch_create", "promise_batch_action_function_call", "promise_batch_then", "promise_batch_action_function_call", "promise_return"],
  );
  t.deepEqual(promiseCalls[0].args, { accountId: "oracle.test.near", index: 0n });
  t.deepEqual(promiseCalls[1].args, { index: 0n, method: "get_value", args: JSON.stringify({ key: "x" }), amount: 0n, gas: 10n * TGAS });
  t.deepEqual(promiseCalls[2].args, { after: 0n, accountId: CONTRACT, index: 1n });
  t.deepEqual(promiseCalls[3].args, { index: 1n, method: "on_remote", args: "", amount: 0n, gas: 10n * TGAS });
  t.deepEqual(promiseCalls[4].args, { index: 1n });

  const callback = host.call("on_remote", "", { predecessorAccountId: CONTRACT, promiseResults: [Buffer.from('"42"')] });
  t.is(callback.returnText, JSON.stringify('"42"'));
  t.is(host.call("get_last_remote", "", { isView: true }).returnText, JSON.stringify('"42"'));
});

test("the private callback refuses other predecessors", (t) => {
  const host = initialized();
  const out = host.call("on_remote", "", { predecessorAccountId: "mallory.test.near", promiseResults: [Buffer.from("1")] });
  t.regex(out.panic ?? "", /private/i);
});

test("yield/resume: promise_yield_create gets the method, args, gas, weight and register; resume passes the data id", (t) => {
  const host = initialized();
  const start = host.call("start_yield", { tag: "job-1" });
  t.is(start.panic, undefined);
  const create = start.hostCalls.find((c) => c.name === "promise_yield_create");
  t.truthy(create);
  t.is(create!.args.method, "on_resume");
  t.is(create!.args.args, JSON.stringify({ tag: "job-1" }));
  t.is(create!.args.gas, 20n * TGAS);
  t.is(create!.args.gasWeight, 1n);
  t.is(create!.args.register, 0n);
  const dataIdHex = Buffer.from(create!.args.dataId as Uint8Array).toString("hex");
  t.is(start.returnText, JSON.stringify(dataIdHex));

  const resumed = host.call("resume", { data_id: dataIdHex, payload: "result-7" });
  t.is(resumed.returnText, "true");
  const resumeCall = resumed.hostCalls.find((c) => c.name === "promise_yield_resume");
  t.is(Buffer.from(resumeCall!.args.dataId as Uint8Array).toString("hex"), dataIdHex);
  t.is(resumeCall!.args.payload, "result-7");
  // a second resume of the same yield finds nothing pending (host returns 0)
  t.is(host.call("resume", { data_id: dataIdHex, payload: "again" }).returnText, "false");

  const callback = host.call("on_resume", { tag: "job-1" }, { predecessorAccountId: CONTRACT, promiseResults: [Buffer.from("result-7")] });
  t.is(callback.returnText, JSON.stringify("job-1:result-7"));
});

test("ed25519Verify reaches the host and maps 1/0 to true/false", (t) => {
  const host = initialized();
  const secret = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secret);
  const message = "pay 5 to bob";
  const signature = ed25519.sign(Buffer.from(message), secret);
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const ok = host.call("verify", { signature: hex(signature), message, public_key: hex(publicKey) }, { isView: true });
  t.is(ok.returnText, "true");
  const call = ok.hostCalls.find((c) => c.name === "ed25519_verify")!;
  t.is(Buffer.from(call.args.message as Uint8Array).toString(), message);
  const bad = host.call("verify", { signature: hex(signature), message: "pay 6 to bob", public_key: hex(publicKey) }, { isView: true });
  t.is(bad.returnText, "false");
});

test("eval works in the default runtime (as with near-sdk-js's own build)", (t) => {
  const host = initialized();
  t.is(host.call("evaluate", { expression: "6 * 7" }, { isView: true }).returnText, "42");
});

test("the ABI lists the methods with their kinds and modifiers, and NEP-330 build metadata", (t) => {
  const abi = JSON.parse(readFileSync(built.abiPath!, "utf8"));
  const byName = new Map<string, any>(abi.body.functions.map((f: any) => [f.name, f]));
  t.is(byName.get("get_deposit").kind, "view");
  t.deepEqual(byName.get("deposit").modifiers, ["payable"]);
  t.deepEqual(byName.get("init").modifiers, ["init"]);
  t.deepEqual(byName.get("on_remote").modifiers, ["private"]);
  t.is(abi.metadata.name, "builder-fixture");
  t.regex(abi.metadata.build.builder, /near-sdk-js 2\.0\.0/);
  t.regex(abi.metadata.build.compiler, /tsc 4\.7/);
});

test("an unchanged contract is not rebuilt (content-hash cache)", async (t) => {
  const again = await buildContract(FIXTURE, { outDir: path.dirname(built.wasmPath) });
  t.true(again.cached);
  t.is(again.wasmSha256, built.wasmSha256);
});

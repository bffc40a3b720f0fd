import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ed25519 } from "@noble/curves/ed25519.js";
import { createSandbox, NEAR, TGAS } from "../../sandbox/src/index.js";
import { buildContract, readWasmSummary, type ContractBuildResult } from "../src/index.js";
import { readContractConfig } from "../src/contract-config.js";
import { nonZeroRanges, NEARCORE_INITIAL_MEMORY_PAGES, PREINIT_EXPORT, PreinitializationError } from "../src/preinit.js";
import { NearTestHost, type CallContext, type CallOutcome } from "./helpers/near-host.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/builder-fixture", import.meta.url));
const ENV_FIXTURE = fileURLToPath(new URL("./fixtures/preinit-env-fixture", import.meta.url));
const CONTRACT = "contract.test.near";
const U128_MAX = 2n ** 128n - 1n;

let plain: ContractBuildResult;
let preinit: ContractBuildResult;
let plainWasm: Uint8Array;
let preinitWasm: Uint8Array;

test.before(async () => {
  const tmp = (label: string) => mkdtempSync(path.join(os.tmpdir(), `cb-preinit-${label}-`));
  plain = await buildContract(FIXTURE, { outDir: tmp("plain") });
  preinit = await buildContract(FIXTURE, { outDir: tmp("pre"), preinitialize: true });
  plainWasm = readFileSync(plain.wasmPath);
  preinitWasm = readFileSync(preinit.wasmPath);
});

test("the pre-initialised Wasm exports the same methods and no build-time entry; imports are unchanged", (t) => {
  const a = readWasmSummary(plainWasm);
  const b = readWasmSummary(preinitWasm);
  t.deepEqual(b.exports.map((e) => e.name).sort(), a.exports.map((e) => e.name).sort());
  t.false(b.exports.some((e) => e.name === PREINIT_EXPORT));
  t.deepEqual(b.imports, a.imports);
  t.not(Buffer.compare(Buffer.from(plainWasm), Buffer.from(preinitWasm)), 0);
});

/** The same sequence of calls on a host; everything observable is returned (random yield data ids aside). */
function scenario(wasm: Uint8Array): Array<{ step: string; outcome: CallOutcome; storage: Array<[string, string]> }> {
  const host = new NearTestHost(wasm);
  const secret = new Uint8Array(32).fill(7);
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const signature = ed25519.sign(Buffer.from("pay 5 to bob"), secret);
  const steps: Array<[string, string, unknown, CallContext?]> = [
    ["view before init", "get_owner", "", { isView: true }],
    ["init", "init", { owner: "owner.test.near" }],
    ["deposit u128 max", "deposit", "{}", { attachedDeposit: U128_MAX, predecessorAccountId: "bob.test.near" }],
    ["get_deposit", "get_deposit", { account_id: "bob.test.near" }, { isView: true }],
    ["set_note a", "set_note", { key: "a", text: "first" }],
    ["set_note b", "set_note", { key: "b", text: "second" }],
    ["set_note with deposit (panics)", "set_note", { key: "c", text: "x" }, { attachedDeposit: 1n }],
    ["get_notes", "get_notes", "", { isView: true }],
    ["ask_remote (promises)", "ask_remote", { target: "oracle.test.near" }],
    ["on_remote", "on_remote", "", { predecessorAccountId: CONTRACT, promiseResults: [Buffer.from('"42"')] }],
    ["on_remote from another account (panics)", "on_remote", "", { predecessorAccountId: "mallory.test.near", promiseResults: [Buffer.from("1")] }],
    ["verify", "verify", { signature: hex(signature), message: "pay 5 to bob", public_key: hex(ed25519.getPublicKey(secret)) }, { isView: true }],
    ["eval", "evaluate", { expression: "6 * 7" }, { isView: true }],
    ["bad json input (panics)", "init", "{not json"],
  ];
  return steps.map(([step, method, input, context]) => {
    const outcome = host.call(method, input, context);
    const storage = [...host.storage.entries()].map(([k, v]) => [k, Buffer.from(v).toString("hex")] as [string, string]).sort();
    return { step, outcome, storage };
  });
}

test("a pre-initialised build behaves exactly as the normal build: returns, storage writes, promise calls, panics", (t) => {
  const a = scenario(plainWasm);
  const b = scenario(preinitWasm);
  t.deepEqual(b, a);
  // the scenario does reach each kind of outcome (so equality is not vacuous)
  t.true(a.some((s) => s.outcome.panic !== undefined));
  t.true(a.some((s) => s.outcome.hostCalls.some((c) => c.name === "promise_batch_then")));
  t.is(a.find((s) => s.step === "get_notes")!.outcome.returnText, JSON.stringify([["a", "first"], ["b", "second"]]));
});

test("each call of a pre-initialised instance starts from the snapshot (state of one call does not leak into the next)", (t) => {
  const host = new NearTestHost(preinitWasm);
  host.call("init", { owner: "owner.test.near" });
  t.is(host.call("set_note", { key: "a", text: "1" }).returnText, "1");
  // a fresh instance per call: the in-memory UnorderedMap of the previous call is gone, the count comes from storage
  t.is(host.call("set_note", { key: "b", text: "2" }).returnText, "2");
  t.is(host.call("get_owner", "", { isView: true }).returnText, JSON.stringify("owner.test.near"));
});

test("two builds give byte-identical pre-initialised Wasm", async (t) => {
  const again = await buildContract(FIXTURE, { outDir: mkdtempSync(path.join(os.tmpdir(), "cb-preinit-again-")), preinitialize: true, force: true });
  t.false(again.cached);
  t.is(again.wasmSha256, preinit.wasmSha256);
});

test("on the project's node the pre-initialised build burns less gas for the same calls, with the same results and state", (t) => {
  const node = createSandbox();
  const accounts = { plain: "plain.test.near", preinit: "pre.test.near" };
  node.createAccount("alice.test.near", { balance: 100n * NEAR });
  node.createAccount(accounts.plain, { balance: 50n * NEAR });
  node.createAccount(accounts.preinit, { balance: 50n * NEAR });
  t.true(node.deployContract(accounts.plain, plainWasm).succeeded);
  t.true(node.deployContract(accounts.preinit, preinitWasm).succeeded);
  const run = (id: string) => {
    const init = node.call(id, id, "init", { owner: "owner.test.near" }, { gas: 100n * TGAS });
    const note = node.call("alice.test.near", id, "set_note", { key: "a", text: "hello" }, { gas: 100n * TGAS });
    const refused = node.call("alice.test.near", id, "set_note", { key: "b", text: "x" }, { gas: 100n * TGAS, deposit: 1n });
    const remote = node.call("alice.test.near", id, "ask_remote", { target: "nobody.test.near" }, { gas: 100n * TGAS });
    const notes = node.view(id, "get_notes", {});
    const state = node.viewState(id).map(({ key, value }) => [Buffer.from(key).toString("hex"), Buffer.from(value).toString("hex")]);
    return { init, note, refused, remote, notes, state };
  };
  const a = run(accounts.plain);
  const b = run(accounts.preinit);
  t.true(a.init.succeeded && b.init.succeeded);
  t.is(b.note.value(), a.note.value());
  t.deepEqual(b.notes, a.notes);
  t.deepEqual(b.state, a.state);
  t.false(a.refused.succeeded);
  t.deepEqual(JSON.stringify(b.refused.failure), JSON.stringify(a.refused.failure));
  t.is(b.remote.receipts.length, a.remote.receipts.length);
  for (const key of ["init", "note", "refused"] as const) {
    t.true(b[key].gasBurnt < a[key].gasBurnt, `${key}: pre-initialised ${b[key].gasBurnt} should be below ${a[key].gasBurnt}`);
  }
  // the first receipt (the contract's own method) is where start-up is paid: at least 1 Tgas saved
  t.true(a.note.gasBurnt - b.note.gasBurnt > 1n * TGAS, `saved ${a.note.gasBurnt - b.note.gasBurnt}`);
  t.log(`set_note: ${Number(a.note.gasBurnt) / 1e12} -> ${Number(b.note.gasBurnt) / 1e12} Tgas; Wasm ${plainWasm.length} -> ${preinitWasm.length} B`);
});

test("the snapshot is taken with nearcore's memory: the Wasm declares 1024 pages and its data fits in them", (t) => {
  const module = new WebAssembly.Module(preinitWasm as Uint8Array<ArrayBuffer>);
  const host = new NearTestHost(preinitWasm);
  const out = host.call("get_owner", "", { isView: true });
  t.is(out.panic, undefined);
  const instance = new WebAssembly.Instance(module, Object.fromEntries([["env", Object.fromEntries(WebAssembly.Module.imports(module).map((i) => [i.name, () => 0]))]]));
  t.is((instance.exports.memory as WebAssembly.Memory).buffer.byteLength, NEARCORE_INITIAL_MEMORY_PAGES * 65536);
});

test("a module whose top level reads the environment fails to pre-initialise, naming the host function", async (t) => {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "cb-preinit-env-"));
  const error = await t.throwsAsync(buildContract(ENV_FIXTURE, { outDir, preinitialize: true }), { instanceOf: PreinitializationError });
  t.regex(error!.message, /block_timestamp/);
  t.regex((error as PreinitializationError).hint, /top level/);
  // without preinitialize the same contract builds
  const ok = await buildContract(ENV_FIXTURE, { outDir });
  t.true(ok.wasmSize > 0);
});

test("nonZeroRanges keeps every non-zero byte and merges short zero gaps only", (t) => {
  const memory = new Uint8Array(200);
  memory[3] = 1;
  memory[10] = 2; // gap of 6 zeros: merged
  memory[100] = 3; // gap of 89: a new range
  memory[199] = 4;
  t.deepEqual(nonZeroRanges(memory), [[3, 11], [100, 101], [199, 200]]);
  t.deepEqual(nonZeroRanges(new Uint8Array(16)), []);
});

test("build.json: preinitialize is read; bad files get a clear error", (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cb-config-"));
  t.deepEqual(readContractConfig(dir), {});
  writeFileSync(path.join(dir, "build.json"), JSON.stringify({ build: { preinitialize: true } }));
  t.deepEqual(readContractConfig(dir), { preinitialize: true });
  writeFileSync(path.join(dir, "build.json"), JSON.stringify({ build: { preinitialise: true } }));
  t.throws(() => readContractConfig(dir), { message: /unknown setting "build.preinitialise"/ });
  writeFileSync(path.join(dir, "build.json"), JSON.stringify({ build: { preinitialize: "yes" } }));
  t.throws(() => readContractConfig(dir), { message: /must be a boolean/ });
  writeFileSync(path.join(dir, "build.json"), "{");
  t.throws(() => readContractConfig(dir), { message: /not valid JSON/ });
});

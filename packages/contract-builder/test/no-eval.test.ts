import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildContract, ContractBuildError, readWasmSummary } from "../src/index.js";
import { NearTestHost } from "./helpers/near-host.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/builder-fixture", import.meta.url));
const LEAN = fileURLToPath(new URL("./fixtures/lean-fixture", import.meta.url));
const outDir = () => mkdtempSync(path.join(os.tmpdir(), "cb-noeval-"));

test("--no-eval on a contract that calls eval fails the build and names the place", async (t) => {
  const error = await t.throwsAsync(buildContract(FIXTURE, { outDir: outDir(), allowEval: false, abi: false }));
  t.true(error instanceof ContractBuildError, String(error));
  t.regex(error!.message, /uses eval or the Function constructor \(contract\.js:\d+:\d+ eval\(expression\)/);
  t.regex((error as ContractBuildError).hint, /--no-eval/);
});

test("--no-eval on a contract without eval: it loads and runs, the Function constructor throws a clear error", async (t) => {
  // no binaryen here so the template is cheap; the size effect is measured by the benchmark
  const built = await buildContract(LEAN, { outDir: outDir(), allowEval: false, wasmOpt: false, abi: false });
  const wasm = readFileSync(built.wasmPath);
  t.deepEqual([...new Set(readWasmSummary(wasm).imports.map((i) => i.module))], ["env"]);
  const host = new NearTestHost(wasm);
  t.is(host.call("init", { owner: "o.test.near" }).panic, undefined);
  t.is(host.call("pay", "{}", { attachedDeposit: 5n }).returnText, JSON.stringify("5"));
  t.regex(host.call("hidden_eval", "", { isView: true }).panic ?? "", /eval is not supported/);
});

test("--eval keeps the compiler for a contract that does not need it", async (t) => {
  const built = await buildContract(LEAN, { outDir: outDir(), allowEval: true, wasmOpt: false, abi: false });
  const host = new NearTestHost(readFileSync(built.wasmPath));
  t.is(host.call("hidden_eval", "", { isView: true }).returnText, "42");
});

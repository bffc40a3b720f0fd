import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildContract, readWasmSummary } from "../src/index.js";
import { NearTestHost } from "./helpers/near-host.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/builder-fixture", import.meta.url));

test("--no-eval runtime: contracts still load and run (lodash's Function('return this') rewritten), eval throws a clear error", async (t) => {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "cb-noeval-"));
  // no binaryen here so the template is cheap; the size effect is measured by the benchmark
  const built = await buildContract(FIXTURE, { outDir, allowEval: false, wasmOpt: false, abi: false });
  const wasm = readFileSync(built.wasmPath);
  t.deepEqual([...new Set(readWasmSummary(wasm).imports.map((i) => i.module))], ["env"]);
  const host = new NearTestHost(wasm);
  t.is(host.call("init", { owner: "o.test.near" }).panic, undefined);
  const deposit = host.call("deposit", "{}", { attachedDeposit: 5n });
  t.is(deposit.returnText, JSON.stringify("5"));
  const evaluated = host.call("evaluate", { expression: "1 + 2" }, { isView: true });
  t.regex(evaluated.panic ?? "", /eval is not supported/);
});

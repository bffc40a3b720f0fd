/**
 * tsx packages/contract-builder/bench/preinit.ts [-- --json] [-- <contract>...]
 *
 * Pre-initialisation against the normal build, in one run: each contract is built both ways into a
 * temporary folder (build/ is left alone), Wasm size and snapshot size are printed, and on the
 * project's node (packages/sandbox) both builds of stablecoin and chain-signatures-proxy are deployed
 * side by side and run through the same calls; gas burnt per transaction is compared. Gas is
 * deterministic, so the figures do not depend on the machine's load (printed anyway).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSandbox, NEAR, TGAS, type Sandbox } from "../../sandbox/src/index.js";
import { buildContract, listContracts } from "../src/index.js";
import { projectPaths } from "../src/paths.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const paths = projectPaths();
const names = args.filter((a) => !a.startsWith("--"));
const contracts = names.length ? names : listContracts(paths.root);

interface Variant {
  wasm: Uint8Array;
}
const built: Record<string, { plain: Variant; preinit: Variant }> = {};
for (const name of contracts) {
  const dir = path.join(paths.contractsDir, name);
  const out = (label: string) => mkdtempSync(path.join(os.tmpdir(), `bench-preinit-${name}-${label}-`));
  const plain = await buildContract(dir, { outDir: out("plain"), preinitialize: false });
  const preinit = await buildContract(dir, { outDir: out("pre"), preinitialize: true });
  built[name] = { plain: { wasm: readFileSync(plain.wasmPath) }, preinit: { wasm: readFileSync(preinit.wasmPath) } };
}

interface Row {
  contract: string;
  operation: string;
  plainGas: string;
  preinitGas: string;
  savedTgas: number;
}
const rows: Row[] = [];
const tgas = (gas: bigint) => Number(gas) / 1e12;
const row = (contract: string, operation: string, plain: bigint, preinit: bigint) =>
  rows.push({ contract, operation, plainGas: plain.toString(), preinitGas: preinit.toString(), savedTgas: Number(((tgas(plain) - tgas(preinit))).toFixed(2)) });

function call(node: Sandbox, signer: string, receiver: string, method: string, callArgs: Record<string, unknown>, deposit: bigint, expectSuccess = true): bigint {
  const result = node.call(signer, receiver, method, callArgs, { deposit, gas: 300n * TGAS });
  if (result.succeeded !== expectSuccess) throw new Error(`${receiver}.${method}: ${expectSuccess ? "failed" : "succeeded unexpectedly"} ${JSON.stringify(result.failure)}`);
  return result.gasBurnt;
}

/** scripts/bench-gas/stablecoin.ts's ft_transfer, on both builds. */
function stablecoin(node: Sandbox, token: string) {
  const tag = token.split(".")[0];
  const owner = `owner-${tag}.test.near`;
  const bob = `bob-${tag}.test.near`;
  node.createAccount(token, { balance: 50n * NEAR });
  node.createAccount(owner, { balance: 100n * NEAR });
  node.createAccount(bob, { balance: 10n * NEAR });
  node.deployContract(token, token.startsWith("pre") ? built.stablecoin.preinit.wasm : built.stablecoin.plain.wasm);
  const init = call(node, token, token, "init", { owner_id: owner }, 0n);
  const min = BigInt((JSON.parse(new TextDecoder().decode(node.viewFunction(token, "storage_balance_bounds", {}).result)) as { min: string }).min);
  call(node, owner, token, "storage_deposit", {}, min);
  call(node, bob, token, "storage_deposit", {}, min);
  call(node, owner, token, "grant_role", { role: "master_minter", account_id: owner }, 1n);
  call(node, owner, token, "configure_minter", { account_id: owner, allowance: (10n ** 30n).toString() }, 1n);
  const mint = call(node, owner, token, "mint", { account_id: owner, amount: (10n ** 18n).toString() }, 1n);
  const transfer = call(node, owner, token, "ft_transfer", { receiver_id: bob, amount: "1000000" }, 1n);
  // refused at its first check (no 1 yoctoNEAR attached): start-up plus a panic
  const refused = call(node, owner, token, "ft_transfer", { receiver_id: bob, amount: "1" }, 0n, false);
  const balance = node.view<string>(token, "ft_balance_of", { account_id: bob });
  return { init, mint, transfer, refused, balance };
}

/** A proxy's floor: get_config as a call after init (no signer needed). */
function proxy(node: Sandbox, id: string) {
  node.createAccount(id, { balance: 50n * NEAR });
  node.deployContract(id, id.startsWith("pre") ? built["chain-signatures-proxy"].preinit.wasm : built["chain-signatures-proxy"].plain.wasm);
  const init = call(node, id, id, "init", { owner_id: id, config: { signer_id: "signer.test.near", sign_gas_tgas: 100 } }, 0n);
  const getConfig = call(node, id, id, "get_config", {}, 0n);
  return { init, getConfig };
}

const node = createSandbox();
if (built.stablecoin) {
  const a = stablecoin(node, "plain.test.near");
  const b = stablecoin(node, "pre.test.near");
  if (a.balance !== b.balance) throw new Error(`stablecoin builds disagree: ${a.balance} vs ${b.balance}`);
  row("stablecoin", "init", a.init, b.init);
  row("stablecoin", "mint", a.mint, b.mint);
  row("stablecoin", "ft_transfer (transaction total)", a.transfer, b.transfer);
  row("stablecoin", "ft_transfer refused (no deposit)", a.refused, b.refused);
}
if (built["chain-signatures-proxy"]) {
  const a = proxy(node, "plainproxy.test.near");
  const b = proxy(node, "preproxy.test.near");
  row("chain-signatures-proxy", "init", a.init, b.init);
  row("chain-signatures-proxy", "get_config (as a call: floor)", a.getConfig, b.getConfig);
}

const sizes = Object.fromEntries(Object.entries(built).map(([name, v]) => [name, { plainBytes: v.plain.wasm.length, preinitBytes: v.preinit.wasm.length }]));
const load = os.loadavg()[0].toFixed(1);
if (json) console.log(JSON.stringify({ load, sizes, rows }));
else {
  console.log(`Wasm bytes (normal -> pre-initialised), load ${load}`);
  for (const [name, s] of Object.entries(sizes)) console.log(`  ${name.padEnd(24)} ${String(s.plainBytes).padStart(8)} -> ${String(s.preinitBytes).padStart(8)} (+${((s.preinitBytes - s.plainBytes) / 1024).toFixed(1)} KiB)`);
  console.log("\ngas (Tgas, normal -> pre-initialised)");
  for (const r of rows) console.log(`  ${r.contract.padEnd(24)} ${r.operation.padEnd(36)} ${tgas(BigInt(r.plainGas)).toFixed(2).padStart(6)} -> ${tgas(BigInt(r.preinitGas)).toFixed(2).padStart(6)}  (-${r.savedTgas.toFixed(2)})`);
}

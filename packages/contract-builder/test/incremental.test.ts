/**
 * The caches behind a fast rebuild (Rollup's on-disk module cache, the checker worker's parsed files
 * and TypeScript builder state, the per-contract stamp) never change a result: an incremental build
 * gives the bytes of a clean one, a type error is still found, and caches made with other tools or
 * options are not used.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { buildContract, ContractValidationError, TypeScriptCheckError, type BuildOptions } from "../src/index.js";
import { loadBundler, rollupCacheDir } from "../src/frontend.js";
import { BUILDER_DIR, projectPaths } from "../src/paths.js";
import { counterProject, HELPER, LOG_LINE, removeScratch, scratch } from "./helpers/counter-project.js";

const exec = promisify(execFile);
const CLI = path.join(BUILDER_DIR, "src", "cli.ts");
test.after.always(removeScratch);


async function wasmAndAbi(dir: string, options: BuildOptions): Promise<{ wasm: Buffer; abi: string; cached: boolean }> {
  const result = await buildContract(dir, { abi: true, ...options });
  return { wasm: readFileSync(result.wasmPath), abi: readFileSync(result.abiPath!, "utf8"), cached: result.cached };
}

/** `npm run build` in a fresh process (disk caches only; no build daemon: test/daemon.test.ts covers that route). */
async function cliBuild(root: string, name: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await exec(process.execPath, ["--import", "tsx", CLI, "build", name, "--generateABI", "--root", root, "--no-daemon"], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? "" };
  }
}

test("a rebuild after a one-line edit, and after its revert, gives the bytes of a clean build", async (t) => {
  const { root, dir, entry } = counterProject("incr-");
  const out = (label: string) => path.join(root, "out", label);
  // clean: an empty Rollup module cache; the engine and template come from the shared cache
  const clean = await wasmAndAbi(dir, { root, outDir: out("clean"), moduleCacheDir: scratch("modules-"), force: true, abi: true });
  // the same source through the shared module cache (filled by every other build)
  const shared = await wasmAndAbi(dir, { root, outDir: out("shared"), force: true });
  t.true(shared.wasm.equals(clean.wasm), "shared module cache changed the Wasm");
  t.is(shared.abi, clean.abi);

  // one-line edit, rebuilt by a fresh CLI process (disk caches) ...
  const original = readFileSync(entry, "utf8");
  writeFileSync(entry, original.replace(LOG_LINE, LOG_LINE.replace(" is ", " now is ")));
  const rebuilt = await cliBuild(root, "counter");
  t.is(rebuilt.code, 0, rebuilt.stderr);
  const edited = readFileSync(path.join(root, "build", "counter.wasm"));
  t.false(edited.equals(clean.wasm), "the edit did not reach the Wasm");
  // ... equals a clean build of the edited source
  const editedClean = await wasmAndAbi(dir, { root, outDir: out("edited-clean"), moduleCacheDir: scratch("modules-"), force: true });
  t.true(edited.equals(editedClean.wasm), "incremental Wasm differs from a clean build of the same source");
  t.is(readFileSync(path.join(root, "build", "counter.abi.json"), "utf8"), editedClean.abi);

  // revert, rebuilt in this (warm) process: the original bytes again
  writeFileSync(entry, original);
  const reverted = await wasmAndAbi(dir, { root, outDir: out("shared") });
  t.false(reverted.cached, "the revert must rebuild (the stamp holds the edited inputs)");
  t.true(reverted.wasm.equals(clean.wasm), "reverted Wasm differs from the clean build");
  t.is(reverted.abi, clean.abi);
});

test("a type error introduced after a cached build still fails the build and names the file", async (t) => {
  const { root, dir, entry, helper } = counterProject("incr-");
  const options = { root, outDir: path.join(root, "out") };
  await buildContract(dir, options); // this process's checker now holds the program and its results
  t.true((await buildContract(dir, options)).cached);

  // an error in an imported module (the entry is unchanged), in the warm process
  writeFileSync(helper, `${HELPER}export const broken: number = "seven";\n`);
  let error = await t.throwsAsync(buildContract(dir, options), { instanceOf: TypeScriptCheckError });
  t.regex(error!.message, /contracts\/counter\/src\/helper\.ts\(4,14\): Type 'string' is not assignable to type 'number'/);
  // the same in a fresh process, which exits 1 naming the file
  const cli = await cliBuild(root, "counter");
  t.is(cli.code, 1);
  t.regex(cli.stderr, /contracts\/counter\/src\/helper\.ts\(4,14\)/);

  // a helper change that is valid on its own but breaks the unchanged entry (the builder must
  // re-check the files that depend on a changed signature)
  writeFileSync(helper, `export function label(): number {\n  return 7;\n}\n`);
  error = await t.throwsAsync(buildContract(dir, options), { instanceOf: TypeScriptCheckError });
  t.regex(error!.message, /contracts\/counter\/src\/index\.ts\(18,5\): Type 'number' is not assignable to type 'string'/);

  // near-sdk-js's validateContract, whose passes are remembered per entry text, still runs on an edit
  writeFileSync(helper, HELPER);
  const valid = readFileSync(entry, "utf8");
  writeFileSync(entry, valid.replace("  count = 0;\n", "  count = 0;\n  owner: string;\n"));
  const invalid = await t.throwsAsync(buildContract(dir, options), { instanceOf: ContractValidationError });
  t.regex(invalid!.message, /contracts\/counter\/src\/index\.ts: .*owner/);
  writeFileSync(entry, valid);

  // fixed back to the first source: the failed builds left that build's output and stamp in place
  t.true((await buildContract(dir, options)).cached);
  t.regex(readFileSync(entry, "utf8"), /get_label/);
});

test("caches made with another near-sdk-js version or other options are not reused", async (t) => {
  const paths = projectPaths();
  // a near-sdk-js folder that differs only in its version: Rollup's module cache gets another folder
  const fakeRoot = scratch("sdk-");
  const fakeSdk = path.join(fakeRoot, "near-sdk-js");
  mkdirSync(fakeSdk);
  const sdkPackage = JSON.parse(readFileSync(path.join(paths.nearSdkDir, "package.json"), "utf8")) as { version: string };
  writeFileSync(path.join(fakeSdk, "package.json"), JSON.stringify({ ...sdkPackage, version: `${sdkPackage.version}-other` }));
  for (const entry of ["lib", "node_modules", "builder"]) symlinkSync(path.join(paths.nearSdkDir, entry), path.join(fakeSdk, entry));
  const real = await loadBundler(paths.nearSdkDir);
  const other = await loadBundler(fakeSdk);
  t.not(rollupCacheDir(other, paths.cacheDir, false), rollupCacheDir(real, paths.cacheDir, false));
  t.is(rollupCacheDir(real, paths.cacheDir, false), rollupCacheDir(await loadBundler(paths.nearSdkDir), paths.cacheDir, false));

  // the per-contract stamp: the same options reuse the output, other options rebuild
  const { root, dir } = counterProject("incr-");
  const base = { root, outDir: path.join(root, "out"), abi: false };
  t.false((await buildContract(dir, base)).cached);
  t.true((await buildContract(dir, base)).cached);
  t.false((await buildContract(dir, { ...base, allowEval: false })).cached, "another runtime option must rebuild");
  t.false((await buildContract(dir, { ...base, abi: true })).cached, "another ABI option must rebuild");
  t.true((await buildContract(dir, base)).cached, "an output built with the ABI serves a build without it");
  t.true((await buildContract(dir, { ...base, abi: true })).cached);
  // and a source edit that compiles to the same bytes is still a rebuild (inputs, not outputs, decide)
  writeFileSync(path.join(dir, "src", "helper.ts"), `${HELPER}// a comment\n`);
  t.false((await buildContract(dir, { ...base, abi: true })).cached);
  cpSync(path.join(dir, "src"), path.join(dir, "src-copy"), { recursive: true });
  t.false((await buildContract(dir, { ...base, abi: true })).cached, "a new file in the contract folder must rebuild");
});

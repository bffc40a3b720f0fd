import test from "ava";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import {
  buildContracts,
  ContractNotFoundError,
  ContractValidationError,
  ensureToolchain,
  MissingSystemPackagesError,
  NoContractMethodsError,
  ReservedMethodNameError,
  TypeScriptCheckError,
} from "../src/index.js";
import { BUILDER_DIR, DEFAULT_ROOT, projectPaths } from "../src/paths.js";

const exec = promisify(execFile);
const createdRoots: string[] = [];

test.after.always(() => {
  for (const root of createdRoots) rmSync(root, { recursive: true, force: true });
});

/** A throwaway project root inside the repository, so `near-sdk-js` resolves from node_modules. */
function projectWith(contracts: Record<string, string>): string {
  const base = path.join(projectPaths().cacheDir, "test-roots");
  mkdirSync(base, { recursive: true });
  const root = mkdtempSync(path.join(base, "root-"));
  createdRoots.push(root);
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "test-root", version: "0.0.0", private: true }));
  for (const [name, source] of Object.entries(contracts)) {
    mkdirSync(path.join(root, "contracts", name, "src"), { recursive: true });
    writeFileSync(path.join(root, "contracts", name, "src", "index.ts"), source);
  }
  return root;
}

const HEADER = `import { NearBindgen, call, view } from "near-sdk-js";\n`;

test("a TypeScript error names the file, line and message, and the fix", async (t) => {
  const root = projectWith({
    typo: `${HEADER}@NearBindgen({})\nexport class Typo {\n  count = 0;\n  @view({})\n  get(): number {\n    const n: number = "seven";\n    return n;\n  }\n}\n`,
  });
  const error = await t.throwsAsync(buildContracts({ root, names: ["typo"] }), { instanceOf: TypeScriptCheckError });
  t.regex(error!.message, /contracts\/typo\/src\/index\.ts\(7,11\): Type 'string' is not assignable to type 'number'/);
  t.regex(error!.hint, /fix the type errors/);
  t.is(error!.diagnostics.length, 1);
});

test("a contract with no exported method is rejected with what to add", async (t) => {
  const root = projectWith({
    empty: `${HEADER}@NearBindgen({})\nexport class Empty {\n  value = 1;\n  helper(): number {\n    return this.value;\n  }\n}\n`,
  });
  const error = await t.throwsAsync(buildContracts({ root, names: ["empty"] }), { instanceOf: NoContractMethodsError });
  t.regex(error!.message, /contracts\/empty\/src\/index\.ts exports no contract method/);
  t.regex(error!.hint, /@view, @call or @initialize/);
});

test("a method named panic is reserved (near-sdk-js's rule) and the error says to rename it", async (t) => {
  const root = projectWith({
    panicky: `${HEADER}@NearBindgen({})\nexport class Panicky {\n  @call({})\n  panic(): void {}\n  @view({})\n  ok(): number {\n    return 1;\n  }\n}\n`,
  });
  const error = await t.throwsAsync(buildContracts({ root, names: ["panicky"] }), { instanceOf: ReservedMethodNameError });
  t.regex(error!.message, /contracts\/panicky\/src\/index\.ts: contract method "panic" uses a reserved name/);
  t.regex(error!.hint, /rename the method "panic"/);
});

test("a method named like a host function (input) is reserved too", async (t) => {
  const root = projectWith({
    clash: `${HEADER}@NearBindgen({})\nexport class Clash {\n  @view({})\n  input(): number {\n    return 1;\n  }\n}\n`,
  });
  const error = await t.throwsAsync(buildContracts({ root, names: ["clash"] }), { instanceOf: ReservedMethodNameError });
  t.is(error!.method, "input");
});

test("near-sdk-js validateContract: an uninitialized property is reported with the property name", async (t) => {
  const root = projectWith({
    uninit: `${HEADER}@NearBindgen({})\nexport class Uninit {\n  owner: string;\n  @view({})\n  get(): string {\n    return this.owner;\n  }\n}\n`,
  });
  // TypeScript 4.7 without strict accepts the property; near-sdk-js's validator does not
  const error = await t.throwsAsync(buildContracts({ root, names: ["uninit"] }), { instanceOf: ContractValidationError });
  t.regex(error!.message, /contracts\/uninit\/src\/index\.ts/);
  t.regex(error!.message, /owner/);
});

test("an unknown contract name lists the available ones", async (t) => {
  const root = projectWith({ alpha: `${HEADER}` });
  const error = await t.throwsAsync(buildContracts({ root, names: ["beta"] }), { instanceOf: ContractNotFoundError });
  t.regex(error!.message, /contracts\/beta\/src\/index\.ts does not exist/);
  t.regex(error!.hint, /alpha/);
});

test("a missing Debian package names the package and the exact apt command", async (t) => {
  const requirements = [
    { package: "clang-14", probe: "/usr/bin/clang-14" },
    { package: "imaginary-wasm-tool", probe: "/nonexistent/imaginary-wasm-tool" },
  ];
  const error = await t.throwsAsync(ensureToolchain({ requirements, install: false }), { instanceOf: MissingSystemPackagesError });
  t.deepEqual(error!.packages, ["imaginary-wasm-tool"]);
  t.regex(error!.message, /Missing Debian package: imaginary-wasm-tool/);
  t.is(error!.hint, "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends imaginary-wasm-tool");
});

test("the native toolchain stops on a missing package before touching the output; the shipped artefacts need none", async (t) => {
  const root = projectWith({ fine: `${HEADER}@NearBindgen({})\nexport class Fine {\n  @view({})\n  get(): number {\n    return 1;\n  }\n}\n` });
  const missing = { installSystemPackages: false, systemRequirements: [{ package: "imaginary-wasm-tool", probe: "/nonexistent" }] };
  const error = await t.throwsAsync(buildContracts({ root, names: ["fine"], toolchain: "native", ...missing }), { instanceOf: MissingSystemPackagesError });
  t.regex(error!.message, /imaginary-wasm-tool/);
  t.false(existsSync(path.join(root, "build", "fine.wasm")));
  const [built] = await buildContracts({ root, names: ["fine"], ...missing });
  t.true(existsSync(built.wasmPath));
});

test("the CLI prints the message and fix (no stack trace) and exits 1", async (t) => {
  const root = projectWith({
    typo: `${HEADER}@NearBindgen({})\nexport class Typo {\n  @view({})\n  get(): number {\n    return "x";\n  }\n}\n`,
  });
  const cli = path.join(BUILDER_DIR, "src", "cli.ts");
  const failure = await t.throwsAsync(exec(process.execPath, ["--import", "tsx", cli, "build", "typo", "--root", root, "--no-daemon"], { cwd: DEFAULT_ROOT }));
  const { code, stderr } = failure as unknown as { code: number; stderr: string };
  t.is(code, 1);
  t.regex(stderr, /^error: TypeScript errors in contracts\/typo\/src\/index\.ts/m);
  t.regex(stderr, /fix: fix the type errors/);
  t.notRegex(stderr, /\n\s+at .+\(.+:\d+:\d+\)/);
});

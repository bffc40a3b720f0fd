/**
 * The CLI as a drop-in for `near-sdk-js build`: near-sdk-js's arguments and flags on a near-sdk-js-style
 * project (parameters without types, as its examples write them), run as plain JavaScript on Node with a
 * PATH holding only `node` and every child process refused, so no clang, gcc, qjsc or tsx can take part;
 * the Wasm then runs on the in-process node.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createSandbox, TGAS } from "../../sandbox/src/index.js";
import { BUILDER_DIR } from "../src/paths.js";
import { removeScratch, scratch } from "./helpers/counter-project.js";
import { HELLO_NEAR } from "./helpers/hello-near.js";

const exec = promisify(execFile);

const HELLO = HELLO_NEAR;

/** The same contract with typed parameters, so near-sdk-js's ABI generator accepts it. */
const HELLO_TYPED = HELLO.replace("set_greeting({ greeting })", "set_greeting({ greeting }: { greeting: string })");

/** The same contract as JavaScript (near-sdk-js's default entry is src/index.js). */
const HELLO_JS = HELLO.replace('greeting: string = "Hello"', 'greeting = "Hello"').replace("get_greeting(): string", "get_greeting()").replace("set_greeting({ greeting }): void", "set_greeting({ greeting })");

let dist: string;
let binDir: string;
let guard: string;

test.before(async () => {
  // the builder as plain JavaScript (what its package ships), next to src/ so its folder layout holds
  dist = mkdtempSync(path.join(BUILDER_DIR, ".dist-test-"));
  const esbuild = await import("esbuild");
  const sources = readdirSync(path.join(BUILDER_DIR, "src")).filter((f) => f.endsWith(".ts")).map((f) => path.join(BUILDER_DIR, "src", f));
  await esbuild.build({ entryPoints: sources, outdir: dist, bundle: false, platform: "node", format: "esm", target: "node20", logLevel: "silent" });
  // a PATH with node only
  binDir = mkdtempSync(path.join(os.tmpdir(), "cb-path-"));
  symlinkSync(process.execPath, path.join(binDir, "node"));
  // every way to start a process throws, so a compiler run by absolute path fails the build too
  guard = path.join(binDir, "no-child-processes.cjs");
  writeFileSync(
    guard,
    `const cp = require("node:child_process");
for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) {
  cp[name] = () => { throw new Error("the build started a process (" + name + ")"); };
}
require("node:module").syncBuiltinESMExports();
`,
  );
});

test.after.always(() => {
  rmSync(dist, { recursive: true, force: true });
  rmSync(binDir, { recursive: true, force: true });
  removeScratch();
});

/** A near-sdk-js project (package.json, tsconfig.json, src/<entry>) inside the repository, so near-sdk-js resolves. */
function project(entry: string, source: string): string {
  const dir = scratch("near-sdk-js-project-");
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "hello_near", version: "1.0.0", type: "module", scripts: { build: `near-sdk-js build ${entry} build/hello_near.wasm` } }));
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { experimentalDecorators: true, target: "ES2020", noEmit: true }, exclude: ["node_modules"] }));
  mkdirSync(path.join(dir, path.dirname(entry)), { recursive: true });
  writeFileSync(path.join(dir, entry), source);
  return dir;
}

/** Run the JavaScript CLI in `cwd` with PATH=<node only>, no child processes, no build daemon. */
async function cli(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(path.join(binDir, "node"), ["--require", guard, path.join(dist, "cli.js"), ...args, "--no-daemon"], { cwd, env: { PATH: binDir, HOME: os.homedir() }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function onPath(program: string): boolean {
  return binDir.split(path.delimiter).some((dir) => existsSync(path.join(dir, program)));
}

test("near-sdk-js's `build src/contract.ts build/hello_near.wasm` with untyped parameters: no compiler, no tsx, the Wasm runs on the node", async (t) => {
  for (const program of ["clang", "clang-14", "gcc", "cc", "tsx", "qjsc"]) t.false(onPath(program), `${program} must not be reachable`);
  const dir = project("src/contract.ts", HELLO);
  const run = await cli(dir, ["build", "src/contract.ts", "build/hello_near.wasm"]);
  t.is(run.code, 0, run.stderr);
  t.notRegex(run.stderr, /started a process/);
  const wasm = readFileSync(path.join(dir, "build", "hello_near.wasm"));
  t.false(existsSync(path.join(dir, "build", "hello_near-abi.json")), "no ABI unless --generateABI");

  const node = createSandbox();
  node.createAccount("hello.test.near");
  node.deployContract("hello.test.near", wasm);
  t.is(node.view("hello.test.near", "get_greeting"), "Hello");
  const set = node.call("hello.test.near", "hello.test.near", "set_greeting", { greeting: "Howdy" }, { gas: 30n * TGAS });
  t.true(set.succeeded, JSON.stringify(set.failure));
  t.deepEqual(set.logs, ["Saving greeting Howdy"]);
  t.is(node.view("hello.test.near", "get_greeting"), "Howdy");

  // the guard is real: the native toolchain (which runs clang) fails under it
  const native = await cli(dir, ["build", "src/contract.ts", "build/native.wasm", "--native-toolchain"]);
  t.not(native.code, 0);
  t.regex(native.stderr, /the build started a process/);
});

test("--generateABI on untyped parameters fails with near-sdk-js's message and writes nothing", async (t) => {
  const dir = project("src/contract.ts", HELLO);
  const run = await cli(dir, ["build", "src/contract.ts", "build/hello_near.wasm", "--generateABI"]);
  t.is(run.code, 1);
  // near-sdk-js 2.0.0 lib/cli/abi.js, runAbiCompilerPlugin
  t.true(run.stderr.includes("Expected NEAR function to have explicit types, e.g. `{ id }: {id : string }`"), run.stderr);
  t.regex(run.stderr, /src\/contract\.ts/);
  t.regex(run.stderr, /without --generateABI/);
  t.false(existsSync(path.join(dir, "build", "hello_near.wasm")));
  t.false(existsSync(path.join(dir, "build", "hello_near-abi.json")));
});

test("--generateABI on typed parameters writes <target name>-abi.json next to the Wasm, as near-sdk-js", async (t) => {
  const dir = project("src/contract.ts", HELLO_TYPED);
  const run = await cli(dir, ["build", "src/contract.ts", "build/hello_near.wasm", "--generateABI"]);
  t.is(run.code, 0, run.stderr);
  t.true(existsSync(path.join(dir, "build", "hello_near.wasm")));
  const abi = JSON.parse(readFileSync(path.join(dir, "build", "hello_near-abi.json"), "utf8")) as { metadata: { name: string; version: string }; body: { functions: Array<{ name: string; kind: string }> } };
  t.deepEqual(abi.metadata.name, "hello_near");
  t.deepEqual(abi.metadata.version, "1.0.0");
  t.deepEqual(abi.body.functions.map((f) => [f.name, f.kind]).sort(), [["get_greeting", "view"], ["set_greeting", "call"]]);
});

test("near-sdk-js's defaults: `build` alone builds src/index.js to build/contract.wasm; a JavaScript entry gets no ABI", async (t) => {
  const dir = project("src/index.js", HELLO_JS);
  const run = await cli(dir, ["build", "--generateABI"]);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /skipping ABI generation as source file is not a typescript file/);
  const node = createSandbox();
  node.createAccount("hello.test.near");
  node.deployContract("hello.test.near", readFileSync(path.join(dir, "build", "contract.wasm")));
  t.true(node.call("hello.test.near", "hello.test.near", "set_greeting", { greeting: "Hi" }, { gas: 30n * TGAS }).succeeded);
  t.is(node.view("hello.test.near", "get_greeting"), "Hi");
});

test("a target that is not .wasm is refused with near-sdk-js's message", async (t) => {
  const dir = project("src/contract.ts", HELLO);
  const run = await cli(dir, ["build", "src/contract.ts", "build/hello_near.js"]);
  t.is(run.code, 1);
  t.regex(run.stderr, /Unsupported target js, make sure target ends with \.wasm!/);
});

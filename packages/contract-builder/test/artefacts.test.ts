/**
 * The shipped artefacts (qjsc.wasm and the contract templates): the route without a compiler gives the
 * native toolchain's bytes, rebuilding the artefacts from source in another folder gives the same bytes,
 * and an installed package refuses to build without them instead of compiling.
 */
import test from "ava";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ArtefactMissingError, shippedQjsc, shippedTemplate, shippedTemplateFor, SHIPPED_TEMPLATES, templateId, TRIMMED_INTRINSICS } from "../src/artefacts.js";
import { bytecodeFromHeader, type TemplateOptions } from "../src/backend.js";
import { ensureEngine } from "../src/engine.js";
import { CompileError } from "../src/errors.js";
import { buildContract } from "../src/index.js";
import { projectPaths } from "../src/paths.js";
import { compileWithQjscWasm } from "../src/qjsc-wasm.js";
import { QUICKJS_SOURCE } from "../src/quickjs-sources.js";
import { run } from "../src/exec.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/builder-fixture", import.meta.url));
const paths = projectPaths();
const context = { nearSdkDir: paths.nearSdkDir, cacheDir: paths.cacheDir };
const DEFAULT: TemplateOptions = { wasmOpt: true, allowEval: false, dropIntrinsics: TRIMMED_INTRINSICS };
const temporary: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
};

test.after.always(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

test("the shipped template for a runtime: the same one, else the nearest that keeps what the contract reaches", (t) => {
  for (const shipped of SHIPPED_TEMPLATES) t.is(shippedTemplateFor(shipped), shipped, templateId(shipped));
  // a contract reaching Promise but not Proxy: only the full runtime keeps Promise
  t.is(templateId(shippedTemplateFor({ ...DEFAULT, dropIntrinsics: ["Proxy", "StringNormalize"] })!), "no-eval.full");
  // one that reaches nothing (not even Map/Set) gets the trimmed runtime, which keeps Map/Set
  t.is(templateId(shippedTemplateFor({ ...DEFAULT, dropIntrinsics: ["MapSet", ...TRIMMED_INTRINSICS] })!), "no-eval.without-Promise-Proxy-StringNormalize");
  t.is(templateId(shippedTemplateFor({ ...DEFAULT, allowEval: true, preinit: true })!), "eval.without-Promise-Proxy-StringNormalize.preinit");
  t.is(shippedTemplateFor({ ...DEFAULT, wasmOpt: false }), undefined, "a template without binaryen is the native toolchain's");
});

test("an installed package never compiles: a missing artefact is an error that says to reinstall", async (t) => {
  const empty = tmp("cb-no-artefacts-");
  const error = await t.throwsAsync(shippedTemplate(DEFAULT, { ...context, dir: empty, produce: false }), { instanceOf: ArtefactMissingError });
  t.regex(error!.message, /templates\/no-eval\.without-Promise-Proxy-StringNormalize .*is missing/);
  t.regex(error!.hint, /reinstall/);
  // a stamp from other sources is refused the same way
  mkdirSync(path.join(empty, "qjsc"), { recursive: true });
  writeFileSync(path.join(empty, "qjsc", "artefact.json"), JSON.stringify({ inputs: "other sources", files: {}, compiler: "x" }));
  const stale = await t.throwsAsync(shippedQjsc({ ...context, dir: empty, produce: false }), { instanceOf: ArtefactMissingError });
  t.regex(stale!.message, /built from other sources/);
});

test("without a compiler the contract is the native toolchain's, byte for byte (fixture, plain and pre-initialised)", async (t) => {
  for (const preinitialize of [false, true]) {
    const shipped = await buildContract(FIXTURE, { outDir: tmp("cb-shipped-"), preinitialize, force: true });
    const native = await buildContract(FIXTURE, { outDir: tmp("cb-native-"), preinitialize, toolchain: "native", force: true });
    t.is(shipped.wasmSha256, native.wasmSha256, `preinitialize ${preinitialize}`);
    t.deepEqual(shipped.methods, native.methods);
  }
});

test("qjsc.wasm gives the host qjsc's bytecode, and a syntax error names the place", async (t) => {
  const engine = await ensureEngine(paths.cacheDir, { lto: false });
  const qjsc = (await shippedQjsc(context)).file;
  const sources = [
    `"use strip";\nexport class A { #x = 1n << 70n; get x() { return this.#x; } }\nexport const s = \`\${0.1 + 0.2} \${1e21} \${-0} ${"é€😀"}\`;\n`,
    `export async function f(a, ...b) { for await (const x of b) a += x; return /a(?<n>b)+/u.exec(a)?.groups?.n ?? 2 ** 53; }\nexport default { f, m: new Map([[1, [1.5, NaN, Infinity]]]) };\n`,
    // near-sdk-js's own utils (its lodash import left out: a bundle imports nothing)
    readFileSync(path.join(paths.nearSdkDir, "lib", "utils.js"), "utf8").replace(/^import .*$/m, "const cloneDeep = (x) => x;"),
  ];
  for (const [i, source] of sources.entries()) {
    const dir = tmp("cb-qjsc-");
    writeFileSync(path.join(dir, "contract.js"), source);
    await run(engine.qjsc, ["-c", "-m", "-o", "code.h", "-N", "code", "contract.js"], { cwd: dir });
    const host = bytecodeFromHeader(readFileSync(path.join(dir, "code.h"), "utf8"));
    t.deepEqual(Buffer.from(await compileWithQjscWasm(qjsc, dir, "contract.js")), Buffer.from(host), `source ${i}`);
  }
  const bad = tmp("cb-qjsc-bad-");
  writeFileSync(path.join(bad, "contract.js"), "export const a = 1;\nexport const b = ;\n");
  const error = await t.throwsAsync(compileWithQjscWasm(qjsc, bad, "contract.js"), { instanceOf: CompileError });
  t.regex(error!.message, /SyntaxError: unexpected token in expression/);
  t.regex(error!.message, /contract\.js:2/);
});

test("rebuilding the artefacts from source in another folder gives the shipped bytes (qjsc.wasm, default templates)", async (t) => {
  t.timeout(60 * 60_000, "compiles QuickJS from source");
  const fresh = tmp("cb-reproduce-");
  const cacheDir = path.join(fresh, "cache");
  // the pinned QuickJS tarball, as the maintainer's machine has it (no network in this test)
  mkdirSync(path.join(cacheDir, "downloads"), { recursive: true });
  const tarball = path.join(paths.cacheDir, "downloads", QUICKJS_SOURCE.tarball);
  if (existsSync(tarball)) copyFileSync(tarball, path.join(cacheDir, "downloads", QUICKJS_SOURCE.tarball));
  const again = { ...context, cacheDir, dir: path.join(fresh, "artefacts"), produce: true };
  t.deepEqual(readFileSync((await shippedQjsc(again)).file), readFileSync((await shippedQjsc(context)).file), "qjsc.wasm");
  for (const options of [DEFAULT, { ...DEFAULT, preinit: true }]) {
    const rebuilt = await shippedTemplate(options, again);
    const shipped = await shippedTemplate(options, context);
    t.true(Buffer.from(rebuilt.wasm).equals(Buffer.from(shipped.wasm)), templateId(options));
    t.deepEqual(rebuilt.layout, shipped.layout);
  }
});

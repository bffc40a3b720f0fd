/**
 * The shipped artefacts: what only a C compiler can make, made once by maintainers and shipped inside
 * the package (`artefacts/`), so that building a contract on a user's machine spawns no compiler and
 * downloads nothing:
 *  - `qjsc/qjsc.wasm`: QuickJS's compiler (c/qjsc_wasi.c + the engine objects), run through Node's WASI;
 *  - `templates/<id>/template.wasm`: the contract template (engine + patched builder.c, linked, binaryen
 *    -Oz) for each runtime in SHIPPED_TEMPLATES, with its layout.
 * Each item carries `artefact.json`: a hash of the sources it is made from (readable without a compiler
 * or the QuickJS tarball: the pinned tarball's sha256, the patches, our C files, near-sdk-js's builder.c,
 * the template patches and options), its sha256 and the compiler that made it. The same sources give the
 * same bytes on any machine and in any folder (the compile maps source paths away; test:
 * artefacts.test.ts rebuilds them in a fresh cache and compares).
 *
 * In a checkout of this repository, a missing or stale item is made on first use with the native
 * toolchain (clang-14, the maintainers' tool); `setup --all-artefacts` makes every item (run it before
 * `npm pack`). An installed package never compiles: a missing item is an error.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureTemplate, templateBuilderSource, templateKey, type Template, type TemplateOptions, declaredHostFunctions } from "./backend.js";
import type { DroppableIntrinsic } from "./bundle-transform.js";
import { publishDir, withDirLock } from "./cache-dir.js";
import { compilerVersions, ensureEngine, linkQjscWasm, OWN_C_DIR, OWN_C_FILES, QJSC_WASI_FILE, QUICKJS_DEFINES, reproducibilityMarker } from "./engine.js";
import { ContractBuildError } from "./errors.js";
import { BUILDER_DIR, INSTALLED } from "./paths.js";
import { QUICKJS_PATCHES, QUICKJS_SOURCE } from "./quickjs-sources.js";
import { ensureToolchain } from "./toolchain.js";
import type { TemplateLayout } from "./wasm-assemble.js";

/** The package's artefacts folder. */
export const ARTEFACTS_DIR = path.join(BUILDER_DIR, "artefacts");

/** Raise when the way artefacts are made changes in a way their inputs do not show (link flags). */
const ARTEFACT_FORMAT = 1;

/** What near-sdk-js contracts reach: everything but Proxy, String.prototype.normalize and Promise (Map/Set: klona, near-sdk-js's state decoding). */
export const TRIMMED_INTRINSICS: DroppableIntrinsic[] = ["Promise", "Proxy", "StringNormalize"];

/**
 * The runtimes shipped prebuilt: with and without eval, trimmed or full, plain or pre-initialisable
 * (8 templates). A build whose runtime is not among them gets the nearest one that has everything it
 * needs (shippedTemplateFor).
 */
export const SHIPPED_TEMPLATES: TemplateOptions[] = [false, true].flatMap((preinit) =>
  [false, true].flatMap((allowEval) => [TRIMMED_INTRINSICS, [] as DroppableIntrinsic[]].map((dropIntrinsics) => ({ wasmOpt: true, allowEval, dropIntrinsics, ...(preinit ? { preinit: true } : {}) }))),
);

/** A template's folder name: `no-eval.without-Promise-Proxy-StringNormalize.preinit`, `eval.full`, ... */
export function templateId(options: TemplateOptions): string {
  const drops = [...(options.dropIntrinsics ?? [])].sort();
  return [options.allowEval ? "eval" : "no-eval", drops.length > 0 ? `without-${drops.join("-")}` : "full", ...(options.preinit ? ["preinit"] : []), ...(options.wasmOpt ? [] : ["no-wasm-opt"])].join(".");
}

/**
 * The shipped template for the runtime a contract needs: the same one, or else the one that leaves out
 * the most intrinsics among those that leave out only intrinsics the contract cannot reach (same eval and
 * pre-initialisation choice). Undefined when none fits (a template without binaryen: native toolchain only).
 */
export function shippedTemplateFor(wanted: TemplateOptions): TemplateOptions | undefined {
  if (!wanted.wasmOpt) return undefined;
  const wantedDrops = wanted.dropIntrinsics ?? [];
  return SHIPPED_TEMPLATES.filter((s) => s.allowEval === wanted.allowEval && !!s.preinit === !!wanted.preinit && (s.dropIntrinsics ?? []).every((i) => wantedDrops.includes(i))).sort(
    (a, b) => (b.dropIntrinsics?.length ?? 0) - (a.dropIntrinsics?.length ?? 0),
  )[0];
}

export class ArtefactMissingError extends ContractBuildError {
  override name = "ArtefactMissingError";
}

interface ArtefactStamp {
  /** hash of the sources the item is made from */
  inputs: string;
  /** sha256 of each file of the item */
  files: Record<string, string>;
  /** the compiler that made it (for the record) */
  compiler: string;
}

let sourcesKeyMemo: string | undefined;
/** Hash of the engine's sources and flags: the pinned QuickJS tarball, its patches, our C files. */
export function engineSourcesKey(): string {
  if (sourcesKeyMemo === undefined) {
    const hash = createHash("sha256").update(`format ${ARTEFACT_FORMAT}\0`).update(QUICKJS_SOURCE.sha256).update(JSON.stringify(QUICKJS_PATCHES)).update(JSON.stringify(QUICKJS_DEFINES)).update(reproducibilityMarker);
    for (const name of [...OWN_C_FILES, path.basename(QJSC_WASI_FILE)]) hash.update(name).update("\0").update(readFileSync(path.join(OWN_C_DIR, name)));
    sourcesKeyMemo = hash.digest("hex");
  }
  return sourcesKeyMemo;
}

function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export interface ArtefactContext {
  nearSdkDir: string;
  /** the builder's cache: where the native toolchain keeps the engine when an item must be made */
  cacheDir: string;
  /** the artefacts folder (default: the package's) */
  dir?: string;
  log?: (line: string) => void;
  /** make a missing or stale item with the native toolchain (default: only in a checkout, not when installed) */
  produce?: boolean;
}

/** Read a stamped item, or make it (checkout) / refuse (installed package). Returns its folder and whether it was made now. */
async function ensureItem(relative: string, inputs: string, context: ArtefactContext, make: (staging: string) => Promise<void>): Promise<{ dir: string; madeMs: number }> {
  const dir = path.join(context.dir ?? ARTEFACTS_DIR, relative);
  const stampFile = path.join(dir, "artefact.json");
  const current = () => existsSync(stampFile) && (JSON.parse(readFileSync(stampFile, "utf8")) as ArtefactStamp).inputs === inputs;
  if (current()) return { dir, madeMs: 0 };
  if (!(context.produce ?? !INSTALLED)) {
    throw new ArtefactMissingError(
      `the prebuilt ${relative} in ${context.dir ?? ARTEFACTS_DIR} is ${existsSync(stampFile) ? "built from other sources than this package's" : "missing"}`,
      "this installation of @near-ts/contract-builder is incomplete: reinstall it (maintainers: `near-ts-contract-builder setup --all-artefacts` before npm pack, with clang-14)",
    );
  }
  const started = performance.now();
  await withDirLock(dir, async () => {
    if (current()) return;
    const log = context.log ?? (() => {});
    log(`making the shipped artefact ${relative} once with the native toolchain (a maintainers' step; users get it prebuilt in the package)...`);
    await ensureToolchain({ log });
    const staging = `${dir}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    await make(staging);
    const files: Record<string, string> = {};
    for (const name of ["qjsc.wasm", "template.wasm", "layout.json"]) if (existsSync(path.join(staging, name))) files[name] = sha256(readFileSync(path.join(staging, name)));
    writeFileSync(path.join(staging, "artefact.json"), `${JSON.stringify({ inputs, files, compiler: await compilerVersions() } satisfies ArtefactStamp, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    publishDir(staging, dir, "artefact.json");
  });
  return { dir, madeMs: performance.now() - started };
}

/** Inputs of qjsc.wasm: the engine sources and c/qjsc_wasi.c (in engineSourcesKey). */
function qjscInputs(): string {
  return sha256(`qjsc.wasm\0${engineSourcesKey()}`);
}

/** The path of qjsc.wasm. */
export async function shippedQjsc(context: ArtefactContext): Promise<{ file: string; madeMs: number }> {
  const item = await ensureItem("qjsc", qjscInputs(), context, async (staging) => {
    const engine = await ensureEngine(context.cacheDir, { lto: false }, context.log);
    await linkQjscWasm(engine, path.join(staging, "qjsc.wasm"));
  });
  return { file: path.join(item.dir, "qjsc.wasm"), madeMs: item.madeMs };
}

/** The shipped template with exactly these options (one of SHIPPED_TEMPLATES, or any options when making artefacts). */
export async function shippedTemplate(options: TemplateOptions, context: ArtefactContext): Promise<Template> {
  const builderSource = templateBuilderSource(context.nearSdkDir, options);
  const inputs = templateKey(engineSourcesKey(), builderSource, options);
  const item = await ensureItem(path.join("templates", templateId(options)), inputs, context, async (staging) => {
    const engine = await ensureEngine(context.cacheDir, { lto: false }, context.log);
    const template = await ensureTemplate(engine, context.nearSdkDir, options, context.log);
    writeFileSync(path.join(staging, "template.wasm"), template.wasm);
    writeFileSync(path.join(staging, "layout.json"), `${JSON.stringify(template.layout, null, 2)}\n`);
  });
  return {
    key: inputs.slice(0, 16),
    wasm: readFileSync(path.join(item.dir, "template.wasm")),
    layout: JSON.parse(readFileSync(path.join(item.dir, "layout.json"), "utf8")) as TemplateLayout,
    hostFunctions: declaredHostFunctions(builderSource),
    buildMs: item.madeMs,
  };
}

/** Make (or check) every shipped item: qjsc.wasm and all SHIPPED_TEMPLATES, or only the `templates` given. */
export async function ensureArtefacts(context: ArtefactContext, templates: TemplateOptions[] = SHIPPED_TEMPLATES): Promise<{ qjsc: string; templates: Array<{ id: string; bytes: number }> }> {
  const qjsc = await shippedQjsc(context);
  const made: Array<{ id: string; bytes: number }> = [];
  for (const options of templates) made.push({ id: templateId(options), bytes: (await shippedTemplate(options, context)).wasm.length });
  return { qjsc: qjsc.file, templates: made };
}

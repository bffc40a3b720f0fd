/**
 * QuickJS 2021-03-27 from the npm package qjsc@0.3.0 (folder deps/quickjs_2021_03_27), pinned by
 * version and sha256 of the packed tarball, with the five exact-match patches that make it behave
 * like the near/quickjs fork that near-sdk-js 2.0.0 downloads (reasons:
 * /work/shared/notes/contract-toolchain.md section 5).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { run, ExecFailure } from "./exec.js";
import { SourceIntegrityError } from "./errors.js";
import { publishDir, withDirLock } from "./cache-dir.js";

export const QUICKJS_SOURCE = {
  npmPackage: "qjsc",
  version: "0.3.0",
  tarball: "qjsc-0.3.0.tgz",
  sha256: "4a9ed1852b334d842d5dac42d1782817ae26310b448de39532451fd45c9ba0ee",
  folder: "package/deps/quickjs_2021_03_27",
  quickjsVersion: "2021-03-27",
} as const;

/** Engine files compiled into every contract (plus their headers). */
export const ENGINE_FILES = [
  "quickjs.c",
  "quickjs.h",
  "quickjs-atom.h",
  "quickjs-opcode.h",
  "libregexp.c",
  "libregexp.h",
  "libregexp-opcode.h",
  "libunicode.c",
  "libunicode.h",
  "libunicode-table.h",
  "cutils.c",
  "cutils.h",
  "libbf.c",
  "libbf.h",
  "list.h",
  "VERSION",
];
/** Only for the host qjsc; kept out of the engine folder so they cannot leak into a contract. */
export const HOST_ONLY_FILES = ["qjsc.c", "quickjs-libc.c", "quickjs-libc.h"];

export interface SourcePatch {
  file: string;
  why: string;
  find: string;
  replace: string;
  /** exact number of occurrences the pristine file must contain */
  occurrences: number;
}

export const QUICKJS_PATCHES: SourcePatch[] = [
  {
    file: "quickjs.c",
    why: "no Atomics: they need pthreads, absent from wasi-libc; also keeps the atom table identical to near/quickjs so host qjsc and the engine agree",
    find: "#if !defined(EMSCRIPTEN)\n#define CONFIG_ATOMICS\n#endif\n",
    replace: "/* near-ts: CONFIG_ATOMICS off (no threads in NEAR contracts; atom table as in near/quickjs) */\n",
    occurrences: 1,
  },
  {
    file: "quickjs.c",
    why: "no CONFIG_PRINTF_RNDN on wasi: wasi-libc only supports round-to-nearest",
    find: "#if !defined(_WIN32)\n/* define it if printf uses the RNDN rounding mode instead of RNDNA */\n#define CONFIG_PRINTF_RNDN\n",
    replace: "#if !defined(_WIN32) && !defined(__wasi__)\n/* define it if printf uses the RNDN rounding mode instead of RNDNA */\n#define CONFIG_PRINTF_RNDN\n",
    occurrences: 1,
  },
  {
    file: "quickjs.c",
    why: "malloc_usable_size is unavailable on wasi: use the branch QuickJS has for Emscripten (size helper and allocator table)",
    find: "#elif defined(EMSCRIPTEN)\n",
    replace: "#elif defined(EMSCRIPTEN) || defined(__wasi__)\n",
    occurrences: 2,
  },
  {
    file: "quickjs.c",
    why: "no GC trigger on object allocation, as in near/quickjs (reference counting still frees memory; keeps gas comparable)",
    find: "    js_trigger_gc(ctx->rt, sizeof(JSObject));\n    p = js_malloc(ctx, sizeof(JSObject));\n",
    replace: "    p = js_malloc(ctx, sizeof(JSObject));\n",
    occurrences: 1,
  },
  {
    file: "libbf.c",
    why: "bf_set_ui on 32-bit limbs shifted a 32-bit value by 32 when shift == 0 (undefined; wraps on wasm and corrupts u128 amounts)",
    find: "        r->tab[1] = (a1 << shift) | (a0 >> (LIMB_BITS - shift));\n",
    replace: "        r->tab[1] = (a1 << shift) | (shift ? a0 >> (LIMB_BITS - shift) : 0);\n",
    occurrences: 1,
  },
];

export function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** Apply exact-match patches; any other occurrence count means an unexpected source version. */
export function applyPatches(dir: string, patches: SourcePatch[], origin: string): void {
  for (const patch of patches) {
    const file = path.join(dir, patch.file);
    const text = readFileSync(file, "utf8");
    const found = countOccurrences(text, patch.find);
    if (found !== patch.occurrences) {
      throw new SourceIntegrityError(
        `Patch for ${patch.file} (${patch.why}) expected ${patch.occurrences} occurrence(s) in ${origin}, found ${found}`,
        `the source is not the pinned version: delete ${dir} and rebuild; if it persists, the patch list in packages/contract-builder/src/quickjs-sources.ts needs updating`,
      );
    }
    writeFileSync(file, text.split(patch.find).join(patch.replace));
  }
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** The pinned tarball, fetched once with `npm pack` (npm registry, no install scripts) and checked by sha256. */
export async function fetchQuickjsTarball(downloadsDir: string): Promise<string> {
  mkdirSync(downloadsDir, { recursive: true });
  const tarball = path.join(downloadsDir, QUICKJS_SOURCE.tarball);
  if (!existsSync(tarball)) {
    await withDirLock(tarball, async () => {
      if (existsSync(tarball)) return;
      // pack into a private folder, then rename: a concurrent build never sees a partial file
      const staging = `${tarball}.tmp-${process.pid}`;
      mkdirSync(staging, { recursive: true });
      try {
        await run("npm", ["pack", `${QUICKJS_SOURCE.npmPackage}@${QUICKJS_SOURCE.version}`, "--prefer-offline", "--pack-destination", staging, "--ignore-scripts"]);
        renameSync(path.join(staging, QUICKJS_SOURCE.tarball), tarball);
      } catch (error) {
        const output = error instanceof ExecFailure ? error.output.trim() : String(error);
        throw new SourceIntegrityError(
          `Could not fetch ${QUICKJS_SOURCE.npmPackage}@${QUICKJS_SOURCE.version} (QuickJS sources) with npm pack: ${output.split("\n").slice(-3).join(" ")}`,
          `make the npm registry reachable once, or place ${QUICKJS_SOURCE.tarball} (sha256 ${QUICKJS_SOURCE.sha256}) in ${downloadsDir}`,
        );
      } finally {
        rmSync(staging, { recursive: true, force: true });
      }
    });
  }
  const actual = sha256File(tarball);
  if (actual !== QUICKJS_SOURCE.sha256) {
    rmSync(tarball, { force: true });
    throw new SourceIntegrityError(
      `${tarball} has sha256 ${actual}, expected ${QUICKJS_SOURCE.sha256}; it was deleted`,
      "rebuild to fetch it again; if the hash still differs, the registry served different bytes: do not use them",
    );
  }
  return tarball;
}

export interface PreparedSources {
  /** patched engine sources + our compat layer (what the Wasm engine compiles) */
  engineDir: string;
  /** host-only files (qjsc.c, quickjs-libc.c/.h) */
  hostDir: string;
  /** sha256 over every prepared file, in name order */
  treeHash: string;
}

/**
 * Extract the engine files from the tarball, patch them and add our C layer. The result is keyed
 * by the inputs (tarball hash, patches, our C files), so it is prepared once.
 */
export async function prepareQuickjsSources(cacheDir: string, ownCDir: string, ownCFiles: string[]): Promise<PreparedSources> {
  const tarball = await fetchQuickjsTarball(path.join(cacheDir, "downloads"));
  const inputs = createHash("sha256");
  inputs.update(QUICKJS_SOURCE.sha256);
  inputs.update(JSON.stringify(QUICKJS_PATCHES));
  for (const name of ownCFiles) inputs.update(name).update(readFileSync(path.join(ownCDir, name)));
  const key = inputs.digest("hex").slice(0, 16);
  const dir = path.join(cacheDir, "sources", key);
  const stampFile = path.join(dir, "tree-hash");
  const result = { engineDir: path.join(dir, "engine"), hostDir: path.join(dir, "host") };
  if (existsSync(stampFile)) return { ...result, treeHash: readFileSync(stampFile, "utf8").trim() };
  return withDirLock(dir, async () => {
    if (!existsSync(stampFile)) await extractAndPatch(tarball, dir, ownCDir, ownCFiles);
    return { ...result, treeHash: readFileSync(stampFile, "utf8").trim() };
  });
}

async function extractAndPatch(tarball: string, dir: string, ownCDir: string, ownCFiles: string[]): Promise<void> {
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const members = [...ENGINE_FILES, ...HOST_ONLY_FILES].map((f) => `${QUICKJS_SOURCE.folder}/${f}`);
  await run("tar", ["-xzf", tarball, "-C", staging, ...members]);
  const extracted = path.join(staging, QUICKJS_SOURCE.folder);
  const version = readFileSync(path.join(extracted, "VERSION"), "utf8").trim();
  if (version !== QUICKJS_SOURCE.quickjsVersion) {
    throw new SourceIntegrityError(`${tarball} holds QuickJS ${version}, expected ${QUICKJS_SOURCE.quickjsVersion}`, "delete the tarball and rebuild");
  }
  applyPatches(extracted, QUICKJS_PATCHES, `${QUICKJS_SOURCE.npmPackage}@${QUICKJS_SOURCE.version}`);
  const engineDir = path.join(staging, "engine");
  const hostDir = path.join(staging, "host");
  mkdirSync(engineDir);
  mkdirSync(hostDir);
  for (const f of ENGINE_FILES) renameSync(path.join(extracted, f), path.join(engineDir, f));
  for (const f of HOST_ONLY_FILES) renameSync(path.join(extracted, f), path.join(hostDir, f));
  for (const f of ownCFiles) writeFileSync(path.join(engineDir, f), readFileSync(path.join(ownCDir, f)));
  rmSync(path.join(staging, "package"), { recursive: true, force: true });

  const tree = createHash("sha256");
  for (const sub of ["engine", "host"]) {
    const names = sub === "engine" ? [...ENGINE_FILES, ...ownCFiles] : HOST_ONLY_FILES;
    for (const f of [...names].sort()) tree.update(`${sub}/${f}\0`).update(readFileSync(path.join(staging, sub, f)));
  }
  const treeHash = tree.digest("hex");
  writeFileSync(path.join(staging, "tree-hash"), `${treeHash}\n`);
  publishDir(staging, dir, "tree-hash");
}

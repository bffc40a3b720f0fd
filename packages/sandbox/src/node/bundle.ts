/**
 * Precompiles the `near-sandbox` executable into plain ESM with esbuild, so a node starts without the tsx
 * loader (near-workspaces starts two processes per worker while holding a cross-process lock; see
 * `npm run bench:sandbox` for the measured difference).
 *
 * The output goes to node_modules/.cache/near-ts-sandbox/ (ignored by git, removed with node_modules).
 * `manifest.json` lists every source file (and package-lock.json, for the bundled dependencies) with its
 * mtime at build time; `isBundleFresh` and bin/launch.mjs compare them so no start runs code older than the
 * sources.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = resolve(PACKAGE_DIR, '..', '..');
export const ENTRY_TS = join(PACKAGE_DIR, 'bin', 'near-sandbox.ts');
export const BUNDLE_DIR = join(REPO_DIR, 'node_modules', '.cache', 'near-ts-sandbox');
export const BUNDLE_ENTRY = join(BUNDLE_DIR, 'near-sandbox.mjs');
const MANIFEST = join(BUNDLE_DIR, 'manifest.json');

/** Packages with native code or runtime file lookups stay outside the bundle and resolve from node_modules. */
const EXTERNAL = ['classic-level'];

interface Manifest {
  builtAt: number;
  inputs: Record<string, number>;
}

export function isBundleFresh(): boolean {
  if (!existsSync(BUNDLE_ENTRY) || !existsSync(MANIFEST)) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  for (const [file, mtime] of Object.entries(manifest.inputs)) {
    try {
      if (statSync(join(REPO_DIR, file)).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Builds into a fresh directory and swaps it in, so concurrent launchers never see a half-written bundle. */
export async function buildBundle(): Promise<{ outDir: string; inputs: number; millis: number }> {
  const started = performance.now();
  const { build } = await import('esbuild');
  const staging = `${BUNDLE_DIR}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = await build({
    entryPoints: { 'near-sandbox': ENTRY_TS },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    external: EXTERNAL,
    metafile: true,
    sourcemap: 'linked',
    logLevel: 'silent',
    absWorkingDir: REPO_DIR,
    // Bundled CommonJS dependencies call require(); give ESM output one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const inputs: Record<string, number> = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    if (file.startsWith('node_modules/')) continue;
    inputs[file] = statSync(join(REPO_DIR, file)).mtimeMs;
  }
  // bundled dependencies change with the lock file
  inputs['package-lock.json'] = statSync(join(REPO_DIR, 'package-lock.json')).mtimeMs;
  writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify({ builtAt: Date.now(), inputs } satisfies Manifest)}\n`);
  // Bundled code resolves externals from its own location; node_modules/.cache/x/ resolves to the repo's node_modules.
  writeFileSync(join(staging, 'package.json'), '{"type":"module","private":true}\n');
  const old = `${BUNDLE_DIR}.old-${process.pid}`;
  if (existsSync(BUNDLE_DIR)) renameSync(BUNDLE_DIR, old);
  renameSync(staging, BUNDLE_DIR);
  rmSync(old, { recursive: true, force: true });
  return { outDir: BUNDLE_DIR, inputs: Object.keys(inputs).length, millis: Math.round(performance.now() - started) };
}

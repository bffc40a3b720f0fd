/**
 * Precompiles the `near-sandbox` executable into plain ESM with esbuild, so a node starts without the tsx
 * loader (near-workspaces starts two processes per worker while holding a cross-process lock; see
 * `npm run bench:sandbox` for the measured difference).
 *
 * Output: node_modules/.cache/near-ts-sandbox/ (ignored by git, removed with node_modules). Each build gets
 * its own directory and `current.json` names the one to run, switched by an atomic rename: a node that
 * started from an older build keeps loading its lazy chunks from that build's directory even while another
 * process rebuilds. Builds older than an hour (other than the current one) are removed.
 *
 * Each build's `manifest.json` lists every source file (and package-lock.json, for the bundled
 * dependencies) with its mtime; `isBundleFresh` and bin/launch.mjs compare them so no start runs code older
 * than the sources.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = resolve(PACKAGE_DIR, '..', '..');
export const ENTRY_TS = join(PACKAGE_DIR, 'bin', 'near-sandbox.ts');
export const BUNDLE_ROOT = join(REPO_DIR, 'node_modules', '.cache', 'near-ts-sandbox');
const CURRENT = join(BUNDLE_ROOT, 'current.json');
const OLD_BUILD_MS = 60 * 60 * 1000;

/** Packages with native code or runtime file lookups stay outside the bundle and resolve from node_modules. */
const EXTERNAL = ['classic-level'];

interface Manifest {
  builtAt: number;
  inputs: Record<string, number>;
}

/** The entry file of the current build, or null when there is none. */
export function currentBundleEntry(): string | null {
  try {
    const { dir } = JSON.parse(readFileSync(CURRENT, 'utf8')) as { dir: string };
    const entry = join(BUNDLE_ROOT, dir, 'near-sandbox.mjs');
    return existsSync(entry) ? entry : null;
  } catch {
    return null;
  }
}

export function isBundleFresh(): boolean {
  const entry = currentBundleEntry();
  if (entry === null) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dirname(entry), 'manifest.json'), 'utf8'));
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

export async function buildBundle(): Promise<{ outDir: string; inputs: number; millis: number }> {
  const started = performance.now();
  const { build } = await import('esbuild');
  const name = `build-${Date.now()}-${process.pid}`;
  const outDir = join(BUNDLE_ROOT, name);
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { 'near-sandbox': ENTRY_TS },
    outdir: outDir,
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
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify({ builtAt: Date.now(), inputs } satisfies Manifest)}\n`);
  writeFileSync(join(outDir, 'package.json'), '{"type":"module","private":true}\n');
  const pointer = `${CURRENT}.tmp-${process.pid}`;
  writeFileSync(pointer, `${JSON.stringify({ dir: name })}\n`);
  renameSync(pointer, CURRENT);
  removeOldBuilds(name);
  return { outDir, inputs: Object.keys(inputs).length, millis: Math.round(performance.now() - started) };
}

function removeOldBuilds(keep: string): void {
  for (const entry of readdirSync(BUNDLE_ROOT)) {
    if (entry === keep || !entry.startsWith('build-')) continue;
    const path = join(BUNDLE_ROOT, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > OLD_BUILD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by a concurrent build
    }
  }
}

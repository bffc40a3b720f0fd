/**
 * Precompiles the `near-sandbox` executable, so a node starts without the tsx loader (near-workspaces
 * starts two processes per worker while holding a cross-process lock; `npm run bench:sandbox` measures it):
 *
 * - `near-sandbox.mjs`: the command as plain ESM (esbuild, code-split so `init` loads only what it needs);
 * - `near-sandbox-init.blob`, `near-sandbox-run.blob`: V8 startup snapshots (`node --build-snapshot`,
 *   src/node/startup-snapshot.ts) with the code compiled and its modules evaluated. `init` and `run` start
 *   from them: deserialising a heap costs a fraction of loading and evaluating the JavaScript again. A
 *   snapshot loads only in the Node.js version that wrote it; without snapshots the launcher runs the
 *   ESM bundle.
 *
 * Output: node_modules/.cache/near-ts-sandbox/ (ignored by git, removed with node_modules). Each build gets
 * its own directory; `current.json` (read by bin/launch.mjs) and `current-snapshots` (its directory on one
 * line, read by the sh launcher) name the one to run and are switched by atomic renames, so a node that
 * started from an older build keeps loading its lazy chunks from that build's directory while another
 * process rebuilds. Builds older than an hour (other than the current one) are removed.
 *
 * Each build's `manifest.json` (src/node/build-manifest.ts) lists the sources with their mtimes;
 * `isBundleFresh`, bin/launch.mjs and the snapshot's own start check it, so no start runs stale code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent, readBuildManifest, type BuildManifest } from './build-manifest.js';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = resolve(PACKAGE_DIR, '..', '..');
export const ENTRY_TS = join(PACKAGE_DIR, 'bin', 'near-sandbox.ts');
export const BUNDLE_ROOT = join(REPO_DIR, 'node_modules', '.cache', 'near-ts-sandbox');
const CURRENT = join(BUNDLE_ROOT, 'current.json');
/** One line: the directory of the current build when it has startup snapshots; absent otherwise. */
export const CURRENT_SNAPSHOTS = join(BUNDLE_ROOT, 'current-snapshots');
const SNAPSHOT_ENTRY_TS = join(PACKAGE_DIR, 'src', 'node', 'startup-snapshot.ts');
/** The commands that start from a snapshot, each from its own (`near-sandbox-<command>.blob`). */
export const SNAPSHOT_COMMANDS = ['init', 'run'] as const;
export type SnapshotCommand = (typeof SNAPSHOT_COMMANDS)[number];
export const snapshotBlobName = (command: SnapshotCommand) => `near-sandbox-${command}.blob`;
const LAUNCH_MODULE = join(PACKAGE_DIR, 'bin', 'launch.mjs');
const OLD_BUILD_MS = 60 * 60 * 1000;

/** Packages with native code or runtime file lookups stay outside the bundle and resolve from node_modules. */
const EXTERNAL = ['classic-level'];

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

/** The current build's startup snapshot for a command, or null when it has none. */
export function currentSnapshotBlob(command: SnapshotCommand): string | null {
  try {
    const blob = join(readFileSync(CURRENT_SNAPSHOTS, 'utf8').trim(), snapshotBlobName(command));
    return existsSync(blob) ? blob : null;
  } catch {
    return null;
  }
}

export function isBundleFresh(): boolean {
  const entry = currentBundleEntry();
  if (entry === null) return false;
  const manifest = readBuildManifest(dirname(entry));
  return manifest !== null && buildIsCurrent(REPO_DIR, manifest);
}

type Esbuild = typeof import('esbuild');

/** Repository-relative source files of a build (dependencies are covered by package-lock.json). */
function sourceFiles(metafile: { inputs: Record<string, unknown> }): string[] {
  return Object.keys(metafile.inputs).filter((file) => !file.startsWith('node_modules/') && !file.includes(':'));
}

/**
 * A snapshot's single CommonJS file. A snapshot can hold only built-in modules, and some (node:http,
 * node:child_process) not even those while it is built; those and classic-level (native; loaded only by a
 * node that persists) are required on first use. The `init` snapshot leaves `run` out. Whitespace and
 * syntax are minified (the source text is part of the heap every start deserialises); names are kept for
 * stack traces.
 */
async function bundleSnapshotScript(esbuild: Esbuild, outDir: string, command: SnapshotCommand): Promise<{ script: string; files: string[] }> {
  const script = join(outDir, `near-sandbox-${command}-snapshot.cjs`);
  const result = await esbuild.build({
    entryPoints: [SNAPSHOT_ENTRY_TS],
    outfile: script,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO_DIR,
    define: {
      __NEAR_SANDBOX_SNAPSHOT__: JSON.stringify(command),
      __NEAR_SANDBOX_BUILD_DIR__: JSON.stringify(outDir),
      __NEAR_SANDBOX_REPO_DIR__: JSON.stringify(REPO_DIR),
      __NEAR_SANDBOX_LAUNCH_MODULE__: JSON.stringify(LAUNCH_MODULE),
    },
    plugins: [
      {
        name: 'require-on-first-use',
        setup(build) {
          if (command === 'init') build.onResolve({ filter: /^\.\/run\.js$/ }, (args) => ({ path: args.path, external: true }));
          build.onResolve({ filter: /^(node:http|node:child_process|classic-level)$/ }, (args) =>
            args.kind === 'dynamic-import' ? { path: args.path, namespace: 'require-on-first-use' } : undefined,
          );
          build.onLoad({ filter: /.*/, namespace: 'require-on-first-use' }, (args) => ({
            contents:
              args.path === 'classic-level'
                ? `module.exports = require('node:module').createRequire(${JSON.stringify(join(REPO_DIR, 'package.json'))})('classic-level');`
                : `module.exports = require(${JSON.stringify(args.path)});`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  return { script, files: sourceFiles(result.metafile) };
}

/** `node --build-snapshot`: runs the script (which reads the build's manifest) and writes the heap. */
function makeSnapshotBlob(script: string, outDir: string, command: SnapshotCommand): void {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS; // the blob is started without options, so it is built without them
  const made = spawnSync(process.execPath, ['--snapshot-blob', join(outDir, snapshotBlobName(command)), '--build-snapshot', script], {
    cwd: outDir,
    env,
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`node --build-snapshot failed (${made.status ?? made.signal}): ${(made.stderr ?? '').trim().slice(-2000)}`);
}

export interface BundleBuild {
  outDir: string;
  inputs: number;
  millis: number;
  /** Why the startup snapshot could not be built (the launcher then runs `run` from the ESM bundle). */
  snapshotError?: string;
}

export async function buildBundle(): Promise<BundleBuild> {
  const started = performance.now();
  const esbuild = await import('esbuild');
  const name = `build-${Date.now()}-${process.pid}`;
  const outDir = join(BUNDLE_ROOT, name);
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
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
  const files = new Set(sourceFiles(result.metafile));
  let snapshotError: string | undefined;
  const snapshotScripts = new Map<SnapshotCommand, string>();
  try {
    for (const command of SNAPSHOT_COMMANDS) {
      const snapshot = await bundleSnapshotScript(esbuild, outDir, command);
      for (const file of snapshot.files) files.add(file);
      snapshotScripts.set(command, snapshot.script);
    }
  } catch (e) {
    snapshotError = (e as Error).message;
  }
  const inputs: Record<string, number> = {};
  for (const file of files) inputs[file] = statSync(join(REPO_DIR, file)).mtimeMs;
  // bundled dependencies change with the lock file
  inputs['package-lock.json'] = statSync(join(REPO_DIR, 'package-lock.json')).mtimeMs;
  const manifest: BuildManifest = { builtAt: Date.now(), node: process.version, inputs };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  writeFileSync(join(outDir, 'package.json'), '{"type":"module","private":true}\n');
  if (snapshotError === undefined) {
    try {
      // after the manifest: each snapshot keeps the list of its inputs
      for (const [command, script] of snapshotScripts) makeSnapshotBlob(script, outDir, command);
    } catch (e) {
      snapshotError = (e as Error).message;
    }
  }
  replaceAtomically(CURRENT, `${JSON.stringify({ dir: name })}\n`);
  if (snapshotError === undefined) replaceAtomically(CURRENT_SNAPSHOTS, `${outDir}\n`);
  else rmSync(CURRENT_SNAPSHOTS, { force: true }); // never start an older build's snapshots
  removeOldBuilds(name);
  return { outDir, inputs: Object.keys(inputs).length, millis: Math.round(performance.now() - started), snapshotError };
}

function replaceAtomically(path: string, text: string): void {
  const staging = `${path}.tmp-${process.pid}`;
  writeFileSync(staging, text);
  renameSync(staging, path); // a starting node sees the old or the new file, never half of one
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

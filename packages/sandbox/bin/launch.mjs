/**
 * Starts the `near-sandbox` command from the esbuild bundle (src/node/bundle.ts) built from the current
 * sources, rebuilding it first when a source is newer (no start ever runs code older than the sources). Only
 * when the rebuild fails, or a source changes while it runs, does the command run from the TypeScript
 * sources through tsx, and it says so on stderr.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// the process that started the node, recorded before compiling anything: the node stops when it exits (src/node/parent.ts)
process.env.NEAR_SANDBOX_PARENT_PID ??= String(process.ppid);

const binDir = dirname(fileURLToPath(import.meta.url));
const repoDir = resolve(binDir, '..', '..', '..');
const bundleRoot = join(repoDir, 'node_modules', '.cache', 'near-ts-sandbox');

/** The current build's entry when it was built from the current sources (see src/node/bundle.ts). */
function freshBundleEntry() {
  try {
    const { dir } = JSON.parse(readFileSync(join(bundleRoot, 'current.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(bundleRoot, dir, 'manifest.json'), 'utf8'));
    // the build's startup snapshot loads only in the node that wrote it; rebuild it for this one
    if (manifest.node !== process.version) return null;
    for (const [file, mtime] of Object.entries(manifest.inputs)) {
      if (statSync(join(repoDir, file)).mtimeMs !== mtime) return null;
    }
    return join(bundleRoot, dir, 'near-sandbox.mjs');
  } catch {
    return null;
  }
}

/** Rebuilds the bundle from the sources; the fresh build's entry, or null (with the reason on stderr) when there is none. */
async function rebuiltBundleEntry() {
  const { register } = await import('tsx/esm/api');
  const unregister = register();
  try {
    const { buildBundle } = await import('../src/node/bundle.ts');
    await buildBundle();
  } catch (error) {
    process.stderr.write(`near-sandbox: could not rebuild the bundle (${error?.message ?? error}); running from the TypeScript sources\n`);
    return null;
  }
  const rebuilt = freshBundleEntry();
  // a source saved again while the build ran: this build is already stale
  if (rebuilt === null) process.stderr.write('near-sandbox: a source changed while the bundle was rebuilt; running from the TypeScript sources\n');
  // the bundle loads without tsx's hooks, as at the next start
  else await unregister();
  return rebuilt;
}

// The rebuilt bundle runs too, so a start never runs other code than the next one (a benchmark started
// right after an edit measures the build it will measure again).
const entry = freshBundleEntry() ?? (await rebuiltBundleEntry());
await import(entry !== null ? pathToFileURL(entry).href : './near-sandbox.ts');

/**
 * Starts the `near-sandbox` command. Runs the esbuild bundle (src/node/bundle.ts) when it was built from
 * the current sources, otherwise runs the TypeScript sources through tsx and rebuilds the bundle first, so
 * the next start is fast again and no start ever runs code older than the sources.
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

const entry = freshBundleEntry();
if (entry !== null) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  try {
    const { buildBundle } = await import('../src/node/bundle.ts');
    await buildBundle();
  } catch (error) {
    process.stderr.write(`near-sandbox: could not rebuild the bundle (${error?.message ?? error}); running from sources\n`);
  }
  await import('./near-sandbox.ts');
}

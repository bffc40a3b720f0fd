/**
 * Starts the `near-sandbox` command. Runs the esbuild bundle (src/node/bundle.ts) when it was built from
 * the current sources, otherwise runs the TypeScript sources through tsx and rebuilds the bundle first, so
 * the next start is fast again and no start ever runs code older than the sources.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const binDir = dirname(fileURLToPath(import.meta.url));
const repoDir = resolve(binDir, '..', '..', '..');
const bundleDir = join(repoDir, 'node_modules', '.cache', 'near-ts-sandbox');
const bundleEntry = join(bundleDir, 'near-sandbox.mjs');

function bundleIsFresh() {
  try {
    if (!existsSync(bundleEntry)) return false;
    const manifest = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8'));
    for (const [file, mtime] of Object.entries(manifest.inputs)) {
      if (statSync(join(repoDir, file)).mtimeMs !== mtime) return false;
    }
    return true;
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  await import(pathToFileURL(bundleEntry).href);
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

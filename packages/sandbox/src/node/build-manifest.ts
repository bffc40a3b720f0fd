/**
 * What a build of the node (src/node/bundle.ts) was made from, so no start runs code older than the
 * sources: each build's `manifest.json` lists every source file (and package-lock.json, for the bundled
 * dependencies) with its mtime, and the Node.js version that made the startup snapshot (a V8 snapshot only
 * loads in the version that wrote it). bin/launch.mjs repeats this check in plain JavaScript.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface BuildManifest {
  builtAt: number;
  /** `process.version` of the node that built the startup snapshot. */
  node: string;
  /** Repository-relative path → mtime in ms. */
  inputs: Record<string, number>;
}

export function readBuildManifest(buildDir: string): BuildManifest | null {
  try {
    return JSON.parse(readFileSync(join(buildDir, 'manifest.json'), 'utf8')) as BuildManifest;
  } catch {
    return null;
  }
}

/** True when every input still has the mtime it had at build time and the node is the one that built it. */
export function buildIsCurrent(repoDir: string, manifest: BuildManifest): boolean {
  return manifest.node === process.version && inputCheck(repoDir, manifest)();
}

/**
 * A check that every input still has its build-time mtime, with the paths resolved once: the startup
 * snapshot makes it at build time and keeps it in its heap, so a start only stats the files.
 */
export function inputCheck(repoDir: string, manifest: BuildManifest): () => boolean {
  const inputs = Object.entries(manifest.inputs).map(([file, mtime]) => [join(repoDir, file), mtime] as const);
  return () => {
    for (const [path, mtime] of inputs) {
      if (statSync(path, { throwIfNoEntry: false })?.mtimeMs !== mtime) return false;
    }
    return true;
  };
}

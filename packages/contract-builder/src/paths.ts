import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The contract-builder package folder (holds c/ with our C sources and artefacts/). */
export const BUILDER_DIR = fileURLToPath(new URL("..", import.meta.url));
/**
 * Installed from npm (inside a node_modules folder) rather than this repository's packages/: the
 * artefacts are then never made (artefacts.ts), and the project is the current folder.
 */
export const INSTALLED = BUILDER_DIR.split(path.sep).includes("node_modules");
/** The repository root (packages/contract-builder/../..), or the current folder when installed. */
export const DEFAULT_ROOT = INSTALLED ? process.cwd() : path.resolve(BUILDER_DIR, "../..");
/** One cache per installation: <folder holding node_modules>/node_modules/.cache/near-ts-contract-builder. */
const CACHE_DIR = path.join(INSTALLED ? BUILDER_DIR.slice(0, BUILDER_DIR.lastIndexOf(`${path.sep}node_modules${path.sep}`)) : DEFAULT_ROOT, "node_modules", ".cache", "near-ts-contract-builder");

export interface ProjectPaths {
  root: string;
  contractsDir: string;
  libDir: string;
  buildDir: string;
  /** Engine, downloads and per-contract work folders; gitignored (node_modules/.cache). */
  cacheDir: string;
  nearSdkDir: string;
}

export function projectPaths(root = DEFAULT_ROOT): ProjectPaths {
  const absRoot = path.resolve(root);
  return {
    root: absRoot,
    contractsDir: path.join(absRoot, "contracts"),
    libDir: path.join(absRoot, "contracts", "lib"),
    buildDir: path.join(absRoot, "build"),
    // engine, templates and module caches do not depend on the project
    cacheDir: CACHE_DIR,
    nearSdkDir: resolveNearSdk(absRoot),
  };
}

function resolveNearSdk(root: string): string {
  for (const from of [root, BUILDER_DIR]) {
    try {
      return path.dirname(createRequire(path.join(from, "package.json")).resolve("near-sdk-js/package.json"));
    } catch {
      // next place
    }
  }
  const fallback = path.join(root, "node_modules", "near-sdk-js");
  if (existsSync(fallback)) return fallback;
  throw new Error(`near-sdk-js is not installed under ${root}: run npm install near-sdk-js@2.0.0`);
}

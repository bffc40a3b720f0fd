import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The contract-builder package folder (holds c/ with our C sources). */
export const BUILDER_DIR = fileURLToPath(new URL("..", import.meta.url));
/** The repository root: packages/contract-builder/../.. */
export const DEFAULT_ROOT = path.resolve(BUILDER_DIR, "../..");

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
    // one cache per installation (engine and template do not depend on the project)
    cacheDir: path.join(DEFAULT_ROOT, "node_modules", ".cache", "near-ts-contract-builder"),
    nearSdkDir: resolveNearSdk(absRoot),
  };
}

function resolveNearSdk(root: string): string {
  const require = createRequire(path.join(root, "package.json"));
  try {
    return path.dirname(require.resolve("near-sdk-js/package.json"));
  } catch {
    const fallback = path.join(root, "node_modules", "near-sdk-js");
    if (existsSync(fallback)) return fallback;
    throw new Error(`near-sdk-js is not installed under ${root}: run npm install`);
  }
}

/** The files that make up the builder itself: a change to any of them rebuilds contracts and replaces the build daemon. */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BUILDER_DIR } from "./paths.js";

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : entry.isFile() ? [path.join(dir, entry.name)] : []))
    .sort();
}

/**
 * Code (src/ in this repository, dist/ once built to JavaScript), the C layer, the runtime shims, the
 * shipped artefacts' stamps (which hash their bytes) and package.json.
 */
export function builderFiles(): string[] {
  const stamps = filesUnder(path.join(BUILDER_DIR, "artefacts")).filter((f) => path.basename(f) === "artefact.json");
  return [...["src", "dist", "c", "runtime"].flatMap((d) => filesUnder(path.join(BUILDER_DIR, d))), ...stamps, path.join(BUILDER_DIR, "package.json")];
}

/** sha256 over the files' names (relative to `base`) and contents. */
export function hashFiles(files: string[], base: string): string {
  const hash = createHash("sha256");
  for (const file of files) hash.update(path.relative(base, file)).update("\0").update(readFileSync(file));
  return hash.digest("hex");
}

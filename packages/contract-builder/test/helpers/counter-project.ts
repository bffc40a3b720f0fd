/**
 * A scratch project for builder tests that edit sources between builds: contracts/counter, whose entry
 * imports a helper module, under a fresh root in the builder's cache folder (removed by `removeScratch`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { projectPaths } from "../../src/paths.js";

const created: string[] = [];

/** A fresh folder under the builder's cache (same file system as its caches, unlike the OS temp folder). */
export function scratch(prefix: string): string {
  const base = path.join(projectPaths().cacheDir, "test-roots");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, prefix));
  created.push(dir);
  return dir;
}

export function removeScratch(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const HELPER = `export function label(): string {\n  return "count";\n}\n`;
export const LOG_LINE = "    near.log(`${label()} is ${this.count}`);\n";
export const ENTRY = [
  `import { NearBindgen, call, view, near } from "near-sdk-js";`,
  `import { label } from "./helper";`,
  ``,
  `@NearBindgen({})`,
  `export class Counter {`,
  `  count = 0;`,
  `  @call({})`,
  `  increment(): void {`,
  `    this.count += 1;`,
  LOG_LINE.trimEnd(),
  `  }`,
  `  @view({})`,
  `  get_count(): number {`,
  `    return this.count;`,
  `  }`,
  `  @view({})`,
  `  get_label(): string {`,
  `    return label();`,
  `  }`,
  `}`,
  ``,
].join("\n");

/** A project root with contracts/counter (entry + a helper module it imports). */
export function counterProject(prefix: string): { root: string; dir: string; entry: string; helper: string } {
  const root = scratch(prefix);
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: `${prefix}root`, version: "0.0.0", private: true }));
  const dir = path.join(root, "contracts", "counter");
  mkdirSync(path.join(dir, "src"), { recursive: true });
  const entry = path.join(dir, "src", "index.ts");
  const helper = path.join(dir, "src", "helper.ts");
  writeFileSync(entry, ENTRY);
  writeFileSync(helper, HELPER);
  return { root, dir, entry, helper };
}

/**
 * The Debian packages that replace near-sdk-js's downloaded wasi-sdk: clang-14 compiles C to
 * wasm32-wasi, lld-14 provides wasm-ld, wasi-libc the C library, libclang-rt-14-dev-wasm32 the
 * compiler-rt builtins needed at link time; gcc builds the host qjsc.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { run, ExecFailure } from "./exec.js";
import { MissingSystemPackagesError } from "./errors.js";

export interface SystemRequirement {
  /** Debian package name */
  package: string;
  /** A file the package installs; the requirement holds when it exists. */
  probe: string | (() => string | undefined);
}

const CLANG_RESOURCE_LIB = "/usr/lib/llvm-14/lib/clang";

function compilerRtBuiltins(): string | undefined {
  if (!existsSync(CLANG_RESOURCE_LIB)) return undefined;
  for (const version of readdirSync(CLANG_RESOURCE_LIB)) {
    const candidate = path.join(CLANG_RESOURCE_LIB, version, "lib", "wasi", "libclang_rt.builtins-wasm32.a");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export const DEBIAN_REQUIREMENTS: SystemRequirement[] = [
  { package: "clang-14", probe: "/usr/bin/clang-14" },
  { package: "lld-14", probe: "/usr/bin/wasm-ld-14" },
  { package: "wasi-libc", probe: "/usr/lib/wasm32-wasi/libc.a" },
  { package: "libclang-rt-14-dev-wasm32", probe: compilerRtBuiltins },
  { package: "gcc", probe: "/usr/bin/gcc" },
  { package: "libc6-dev", probe: "/usr/include/stdio.h" },
];

export interface Toolchain {
  clang: string;
  wasmLd: string;
  gcc: string;
  /** folder with include/ and lib/wasm32-wasi/ laid out as clang's --sysroot expects */
  wasiInclude: string;
  wasiLib: string;
}

export const TOOLCHAIN: Toolchain = {
  clang: "/usr/bin/clang-14",
  wasmLd: "/usr/bin/wasm-ld-14",
  gcc: "/usr/bin/gcc",
  wasiInclude: "/usr/include/wasm32-wasi",
  wasiLib: "/usr/lib/wasm32-wasi",
};

function holds(requirement: SystemRequirement): boolean {
  const probe = typeof requirement.probe === "string" ? requirement.probe : requirement.probe();
  return probe !== undefined && existsSync(probe);
}

export function missingPackages(requirements: SystemRequirement[] = DEBIAN_REQUIREMENTS): string[] {
  return requirements.filter((r) => !holds(r)).map((r) => r.package);
}

export function installCommand(packages: string[]): string {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(" ")}`;
}

export interface EnsureToolchainOptions {
  requirements?: SystemRequirement[];
  /** Install missing packages with apt-get when running as root (default true). */
  install?: boolean;
  log?: (line: string) => void;
}

/**
 * Check the Debian packages and, when something is missing and we are root, install them
 * (apt-get update once, then apt-get install). Otherwise throw MissingSystemPackagesError with the
 * exact command to run.
 */
export async function ensureToolchain(options: EnsureToolchainOptions = {}): Promise<void> {
  const requirements = options.requirements ?? DEBIAN_REQUIREMENTS;
  const missing = missingPackages(requirements);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || options.install === false) {
    throw new MissingSystemPackagesError(missing, installCommand(missing));
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  log(`contract-builder: installing missing Debian packages: ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    await run("apt-get", ["update"], { env });
    await run("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { env });
  } catch (error) {
    const detail = error instanceof ExecFailure ? error.output.trim().split("\n").slice(-5).join("; ") : String(error);
    throw new MissingSystemPackagesError(missing, installCommand(missing), `apt-get failed: ${detail}`);
  }
  const stillMissing = missingPackages(requirements);
  if (stillMissing.length > 0) {
    throw new MissingSystemPackagesError(stillMissing, installCommand(stillMissing), "still missing after apt-get install");
  }
}

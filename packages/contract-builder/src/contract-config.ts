/**
 * Per-contract builder settings: `contracts/<name>/build.json`, e.g. `{ "build": { "preinitialize": true } }`.
 * The file lives in the contract folder, so it is part of the contract's content hash (a change rebuilds).
 * Options given to the builder (library or CLI) take precedence over it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ContractBuildError } from "./errors.js";

export const CONTRACT_CONFIG_FILE = "build.json";

export interface ContractBuildConfig {
  /** pre-initialise the runtime at build time (see README "Pre-initialisation") */
  preinitialize?: boolean;
}

const KNOWN: Record<keyof ContractBuildConfig, "boolean"> = { preinitialize: "boolean" };

export function readContractConfig(contractDir: string): ContractBuildConfig {
  const file = path.join(contractDir, CONTRACT_CONFIG_FILE);
  if (!existsSync(file)) return {};
  const label = path.join(path.basename(contractDir), CONTRACT_CONFIG_FILE);
  const hint = `write it as { "build": { "preinitialize": true } } (known settings: ${Object.keys(KNOWN).join(", ")})`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ContractBuildError(`${label}: not valid JSON (${(error as Error).message})`, hint);
  }
  const build = (parsed as { build?: unknown })?.build;
  if (typeof parsed !== "object" || parsed === null || typeof build !== "object" || build === null) throw new ContractBuildError(`${label}: expected an object with a "build" object`, hint);
  const config: ContractBuildConfig = {};
  for (const [key, value] of Object.entries(build)) {
    if (!(key in KNOWN)) throw new ContractBuildError(`${label}: unknown setting "build.${key}"`, hint);
    if (typeof value !== KNOWN[key as keyof ContractBuildConfig]) throw new ContractBuildError(`${label}: "build.${key}" must be a ${KNOWN[key as keyof ContractBuildConfig]}`, hint);
    config[key as keyof ContractBuildConfig] = value as boolean;
  }
  return config;
}

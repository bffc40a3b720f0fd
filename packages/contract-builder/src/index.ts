export { buildContracts, buildContract, ensureBuilt, listContracts, CONTRACT_ENTRY } from "./build.js";
export type { BuildOptions, ContractBuildResult, StepTimings } from "./build.js";
export {
  ContractBuildError,
  MissingSystemPackagesError,
  ContractNotFoundError,
  TypeScriptCheckError,
  ContractValidationError,
  NoContractMethodsError,
  ReservedMethodNameError,
  CompileError,
  ForbiddenImportsError,
  SourceIntegrityError,
} from "./errors.js";
export type { TypeScriptDiagnostic } from "./errors.js";
export { ensureToolchain, missingPackages, installCommand, DEBIAN_REQUIREMENTS } from "./toolchain.js";
export type { SystemRequirement } from "./toolchain.js";
export { readWasmSummary } from "./wasm.js";
export type { WasmSummary, WasmImport, WasmExport } from "./wasm.js";
export { projectPaths } from "./paths.js";
export { PreinitializationError } from "./preinit.js";
export { readContractConfig, CONTRACT_CONFIG_FILE } from "./contract-config.js";
export type { ContractBuildConfig } from "./contract-config.js";

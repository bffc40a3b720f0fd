/**
 * Every failure the builder reports on purpose is a ContractBuildError: `message` says what went wrong
 * and names the file or package, `hint` says what to do. The CLI prints both and exits non-zero.
 */
export class ContractBuildError extends Error {
  override name = "ContractBuildError";
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
  /** Message plus the fix, as the CLI prints it. */
  describe(): string {
    return `${this.message}\n  fix: ${this.hint}`;
  }
}

export class MissingSystemPackagesError extends ContractBuildError {
  override name = "MissingSystemPackagesError";
  constructor(
    readonly packages: string[],
    readonly installCommand: string,
    reason = "the build needs them to compile contracts to Wasm",
  ) {
    super(`Missing Debian package${packages.length > 1 ? "s" : ""}: ${packages.join(", ")} (${reason})`, `run: ${installCommand}`);
  }
}

export class ContractNotFoundError extends ContractBuildError {
  override name = "ContractNotFoundError";
  constructor(
    readonly contract: string,
    readonly expectedEntry: string,
    available: string[],
  ) {
    super(
      `No contract "${contract}": ${expectedEntry} does not exist`,
      available.length > 0
        ? `build one of: ${available.join(", ")}; or create ${expectedEntry}`
        : `create ${expectedEntry} (a contract is contracts/<name>/src/index.ts)`,
    );
  }
}

export interface TypeScriptDiagnostic {
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

export class TypeScriptCheckError extends ContractBuildError {
  override name = "TypeScriptCheckError";
  constructor(
    readonly entry: string,
    readonly diagnostics: TypeScriptDiagnostic[],
  ) {
    const shown = diagnostics.slice(0, 10).map(formatDiagnostic);
    const more = diagnostics.length > shown.length ? [`... and ${diagnostics.length - shown.length} more`] : [];
    super(
      `TypeScript errors in ${entry} (checked with near-sdk-js's TypeScript 4.7):\n${[...shown, ...more].map((l) => `  ${l}`).join("\n")}`,
      `fix the type errors listed above in ${diagnostics[0]?.file ?? entry}`,
    );
  }
}

function formatDiagnostic(d: TypeScriptDiagnostic): string {
  return d.file ? `${d.file}(${d.line},${d.column}): ${d.message}` : d.message;
}

export class ContractValidationError extends ContractBuildError {
  override name = "ContractValidationError";
  constructor(
    readonly entry: string,
    detail: string,
  ) {
    super(
      `near-sdk-js validateContract rejected ${entry}: ${detail}`,
      "initialize every property of the @NearBindgen class, either where it is declared or in its constructor",
    );
  }
}

export class NoContractMethodsError extends ContractBuildError {
  override name = "NoContractMethodsError";
  constructor(readonly entry: string) {
    super(
      `${entry} exports no contract method`,
      "export a class decorated with @NearBindgen({}) that has at least one @view, @call or @initialize method",
    );
  }
}

export class ReservedMethodNameError extends ContractBuildError {
  override name = "ReservedMethodNameError";
  constructor(
    readonly entry: string,
    readonly method: string,
  ) {
    super(
      `${entry}: contract method "${method}" uses a reserved name (it clashes with the host function of that name in near-sdk-js's builder.c)`,
      `rename the method "${method}" (for example to "${method}_")`,
    );
  }
}

export class CompileError extends ContractBuildError {
  override name = "CompileError";
  constructor(
    readonly step: string,
    readonly command: string,
    readonly output: string,
    hint: string,
  ) {
    super(`${step} failed: ${command}\n${indent(output.trim())}`, hint);
  }
}

export class ForbiddenImportsError extends ContractBuildError {
  override name = "ForbiddenImportsError";
  constructor(
    readonly wasmPath: string,
    readonly imports: string[],
  ) {
    super(
      `${wasmPath} imports from modules other than "env": ${imports.join(", ")}. NEAR provides only "env" host functions; the contract would fail to deploy`,
      "a C library function needs a WASI call that has no link-time stub: add it to packages/contract-builder/c/wasi_stubs.c",
    );
  }
}

export class SourceIntegrityError extends ContractBuildError {
  override name = "SourceIntegrityError";
  constructor(message: string, hint: string) {
    super(message, hint);
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

/**
 * `--watch --deploy`: the deploy side lives with the project's deploy scripts (scripts/watch-deploy.ts), not
 * in the builder, and loads only when asked for. (A module of its own: tsx cannot lex a dynamic import in
 * cli.ts, whose first line is a shebang.)
 */
import { fileURLToPath, pathToFileURL } from "node:url";

/** Deploys a rebuilt contract; `savedAt` is when the change that caused the build was seen. */
export type Redeploy = (contract: string, savedAt: number) => Promise<unknown>;

export async function loadRedeployer(root: string, names: string[], rpcUrl: string | undefined): Promise<Redeploy> {
  const script = fileURLToPath(new URL("../../../scripts/watch-deploy.ts", import.meta.url));
  const loaded = (await import(pathToFileURL(script).href)) as { createRedeployer(options: { root: string; names: string[]; rpcUrl?: string }): Redeploy };
  return loaded.createRedeployer({ root, names, ...(rpcUrl ? { rpcUrl } : {}) });
}

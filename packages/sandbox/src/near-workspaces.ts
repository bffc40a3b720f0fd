/**
 * `import '@near-ts/sandbox/near-workspaces';` before `Worker.init()`: near-workspaces then starts this
 * package's node instead of downloading neard. It writes a Node.js launcher to
 * `<cwd>/node_modules/.cache/near-ts-sandbox/launcher/near-sandbox` and points near-workspaces at it
 * (`NEAR_SANDBOX_BIN_PATH`, `NEAR_SANDBOX_BINARY_PATH`). A `NEAR_SANDBOX_BIN_PATH` you set yourself (a real
 * neard, say) is left as it is.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeLauncherScript, writeLauncher, type InstallOutcome } from './node/launcher.js';
import { PARENT_PID_ENV } from './node/parent.js';

function setUp(): InstallOutcome | { kind: 'chosen-by-environment'; path: string } {
  // the nodes near-workspaces starts stop when this process exits, even if it exits before they read their parent
  process.env[PARENT_PID_ENV] = String(process.pid);
  const chosen = process.env.NEAR_SANDBOX_BIN_PATH;
  if (chosen) return { kind: 'chosen-by-environment', path: chosen };
  const path = resolve(process.cwd(), 'node_modules', '.cache', 'near-ts-sandbox', 'launcher', 'near-sandbox');
  const here = fileURLToPath(import.meta.url);
  // from TypeScript sources (this repository) the node starts through bin/launch.mjs, which runs tsx
  const entry = here.endsWith('.ts') ? join(dirname(here), '..', 'bin', 'launch.mjs') : join(dirname(here), 'node', 'main.js');
  const outcome = writeLauncher(path, nodeLauncherScript(process.execPath, entry));
  if (outcome.kind === 'foreign-binary') {
    throw new Error(`${path} exists and is not @near-ts/sandbox's launcher: delete it, or set NEAR_SANDBOX_BIN_PATH to use that binary`);
  }
  process.env.NEAR_SANDBOX_BIN_PATH = path;
  process.env.NEAR_SANDBOX_BINARY_PATH = dirname(path);
  return outcome;
}

/** What was set up on import: the launcher near-workspaces will run. */
export const sandboxLauncher = setUp();

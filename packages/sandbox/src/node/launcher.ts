/**
 * The file near-workspaces runs as its `near-sandbox` binary. near-workspaces 5.0.0 (near-sandbox 0.1.x
 * `getBinary`) runs `~/.near/sandbox/near-sandbox`, or `$NEAR_SANDBOX_BINARY_PATH/near-sandbox` when
 * `NEAR_SANDBOX_BIN_PATH` is set. Whatever is written there carries the marker text; a file without it
 * (a real neard binary) is never overwritten.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

export const LAUNCHER_MARKER_TEXT = 'near-ts-stack sandbox launcher';

export type InstallOutcome =
  | { kind: 'installed' | 'updated' | 'unchanged'; path: string }
  | { kind: 'foreign-binary'; path: string };

/**
 * A Node.js script (no shell needed) that runs `entryModule` with the launcher's arguments. Node is named by
 * absolute path because near-workspaces' debug mode clears PATH; `import()` works whether Node reads the
 * extensionless file as CommonJS or as an ES module.
 */
export function nodeLauncherScript(nodePath: string, entryModule: string): string {
  if (/\s/.test(nodePath)) {
    throw new Error(`near-sandbox launcher: node's path "${nodePath}" contains white space, which a #! line cannot carry; install Node.js under a path without spaces`);
  }
  return [
    `#!${nodePath}`,
    `// ${LAUNCHER_MARKER_TEXT}: runs @near-ts/sandbox's node in place of neard's sandbox binary.`,
    '// Delete this file to let near-workspaces download neard instead.',
    '// First, the process that started the node: the node stops when it exits (src/node/parent.ts).',
    'process.env.NEAR_SANDBOX_PARENT_PID ??= String(process.ppid);',
    `import(${JSON.stringify(pathToFileURL(entryModule).href)}).catch((error) => {`,
    "  process.stderr.write(`near-sandbox launcher: ${error && error.stack ? error.stack : error}\\n`);",
    '  process.exit(1);',
    '});',
    '',
  ].join('\n');
}

/** Writes `script` to `path` unless a file that is not one of our launchers is already there. */
export function writeLauncher(path: string, script: string): InstallOutcome {
  let previous: string | undefined;
  if (existsSync(path)) {
    const head = readFileSync(path).subarray(0, 4096).toString('latin1');
    if (!head.includes(LAUNCHER_MARKER_TEXT)) return { kind: 'foreign-binary', path };
    previous = readFileSync(path, 'utf8');
    if (previous === script) return { kind: 'unchanged', path };
  }
  mkdirSync(dirname(path), { recursive: true });
  const staging = `${path}.tmp-${process.pid}`;
  writeFileSync(staging, script, { mode: 0o755 });
  chmodSync(staging, 0o755);
  renameSync(staging, path); // atomic: a node starting right now sees the old or the new file, never half of one
  return { kind: previous === undefined ? 'installed' : 'updated', path };
}

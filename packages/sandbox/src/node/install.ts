/**
 * Installs the launcher where near-workspaces looks for the sandbox binary, and prebuilds the bundle.
 *
 *   npx tsx packages/sandbox/src/node/install.ts            (run by the test setup; see README)
 *
 * near-workspaces 5.0.0 (through near-sandbox 0.1.x `getBinary`) runs `~/.near/sandbox/near-sandbox` when
 * that file exists and `NEAR_SANDBOX_BIN_PATH` is unset (sandbox-compat.md §1.1, option 1). The file written
 * there is a small sh script naming node and this checkout by absolute path (near-workspaces' debug mode
 * clears PATH). It carries a marker line; a file without the marker (a real neard binary) is never touched,
 * and tests then run on that binary. Nothing else outside the project is written.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, currentBundleEntry, CURRENT_SNAPSHOT, isBundleFresh, PACKAGE_DIR } from './bundle.js';

export const LAUNCHER_MARKER = '# near-ts-stack sandbox launcher';

export function defaultLauncherPath(): string {
  return join(homedir(), '.near', 'sandbox', 'near-sandbox');
}

/**
 * The sh script near-workspaces runs. `run` starts from the current startup snapshot when there is one
 * (src/node/bundle.ts; the snapshot checks its own freshness); everything else, and `run` without a
 * snapshot, goes through bin/launch.mjs. The command word is found by skipping `--home DIR` and options.
 */
export function launcherScript(nodePath: string, launchModule: string, snapshotPointer = CURRENT_SNAPSHOT): string {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return [
    '#!/bin/sh',
    LAUNCHER_MARKER,
    '# Runs the TypeScript NEAR node (packages/sandbox) in place of neard\'s sandbox binary.',
    '# Written by packages/sandbox/src/node/install.ts; delete this file to let near-workspaces download neard.',
    '# The node makes no TLS connections; extra CA certificates would cost every start ~80 ms of parsing.',
    'unset NODE_EXTRA_CA_CERTS',
    'skip=',
    'for arg; do',
    '  if [ -n "$skip" ]; then skip=; continue; fi',
    '  case $arg in',
    '    --home) skip=1 ;;',
    '    run)',
    `      if [ -f ${quote(snapshotPointer)} ] && read -r blob < ${quote(snapshotPointer)} && [ -f "$blob" ]; then`,
    `        exec ${quote(nodePath)} --snapshot-blob "$blob" -- "$@"`,
    '      fi',
    '      break ;;',
    '    -*) ;;',
    '    *) break ;;',
    '  esac',
    'done',
    `exec ${quote(nodePath)} ${quote(launchModule)} "$@"`,
    '',
  ].join('\n');
}

export type InstallOutcome =
  | { kind: 'installed' | 'updated' | 'unchanged'; path: string }
  | { kind: 'foreign-binary'; path: string };

/** Writes the launcher unless a file that is not ours is already there. */
export function installLauncher(path = defaultLauncherPath()): InstallOutcome {
  const script = launcherScript(process.execPath, join(PACKAGE_DIR, 'bin', 'launch.mjs'));
  let previous: string | undefined;
  if (existsSync(path)) {
    const head = readFileSync(path).subarray(0, 4096).toString('latin1');
    if (!head.includes(LAUNCHER_MARKER)) return { kind: 'foreign-binary', path };
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

/** Builds the bundle unless it matches the sources, then installs the launcher. Safe to run before every test run. */
export async function setUpSandboxLauncher(log: (line: string) => void = console.log): Promise<InstallOutcome> {
  if (isBundleFresh() && !process.argv.includes('--rebuild')) {
    log(`near-sandbox bundle: up to date (${currentBundleEntry()})`);
  } else {
    const bundle = await buildBundle();
    log(`near-sandbox bundle: ${bundle.inputs} source files → ${bundle.outDir} (${bundle.millis} ms)`);
    if (bundle.snapshotError) log(`near-sandbox startup snapshot not built, \`run\` starts from the bundle: ${bundle.snapshotError}`);
  }
  const outcome = installLauncher(process.env.NEAR_TS_SANDBOX_LAUNCHER ?? defaultLauncherPath());
  if (outcome.kind === 'foreign-binary') {
    log(
      `${outcome.path} exists and is not this project's launcher (a real neard sandbox binary?); left untouched.\n` +
        'near-workspaces tests will run on that binary. Remove it to run them on packages/sandbox.',
    );
  } else {
    log(`near-sandbox launcher ${outcome.kind}: ${outcome.path}`);
  }
  return outcome;
}

async function main(): Promise<void> {
  await setUpSandboxLauncher();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

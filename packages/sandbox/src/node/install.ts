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
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, currentBundleEntry, CURRENT_SNAPSHOTS, isBundleFresh, PACKAGE_DIR } from './bundle.js';
import { LAUNCHER_MARKER_TEXT, writeLauncher, type InstallOutcome } from './launcher.js';

export type { InstallOutcome } from './launcher.js';
export const LAUNCHER_MARKER = `# ${LAUNCHER_MARKER_TEXT}`;

export function defaultLauncherPath(): string {
  return join(homedir(), '.near', 'sandbox', 'near-sandbox');
}

/**
 * The sh script near-workspaces runs. `init` and `run` start from the current build's startup snapshots
 * when it has them (src/node/bundle.ts; each snapshot checks its own sources' mtimes); everything else goes
 * through bin/launch.mjs. The command word is found by skipping `--home DIR` and options. A snapshot made
 * by another Node.js version makes node exit with 14 (a damaged one aborts) before any of our code runs;
 * `init` then runs through bin/launch.mjs, which rebuilds for this node (near-workspaces always runs `init`
 * before `run`, and `init` keeps an existing home). With `NEAR_SANDBOX_CPU_PROF=<dir>` in its environment (which
 * near-workspaces passes on), `run` writes its V8 CPU profile there when it exits: Node refuses `--cpu-prof`
 * in NODE_OPTIONS, and near-workspaces starts the node itself.
 */
export function launcherScript(nodePath: string, launchModule: string, snapshotsPointer = CURRENT_SNAPSHOTS): string {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const node = quote(nodePath);
  const profile = '${NEAR_SANDBOX_CPU_PROF:+--cpu-prof "--cpu-prof-dir=$NEAR_SANDBOX_CPU_PROF"}';
  return [
    '#!/bin/sh',
    LAUNCHER_MARKER,
    '# Runs the TypeScript NEAR node (packages/sandbox) in place of neard\'s sandbox binary.',
    '# Written by packages/sandbox/src/node/install.ts; delete this file to let near-workspaces download neard.',
    '# First, the process that started the node, before it can exit unseen: the node stops when it does (src/node/parent.ts).',
    ': "${NEAR_SANDBOX_PARENT_PID:=$PPID}"',
    'export NEAR_SANDBOX_PARENT_PID',
    '# The node makes no TLS connections; extra CA certificates would cost every start ~80 ms of parsing.',
    'unset NODE_EXTRA_CA_CERTS',
    'command= skip=',
    'for arg; do',
    '  if [ -n "$skip" ]; then skip=; continue; fi',
    '  case $arg in',
    '    --home) skip=1 ;;',
    '    init|run) command=$arg; break ;;',
    '    -*) ;;',
    '    *) break ;;',
    '  esac',
    'done',
    `if [ -n "$command" ] && [ -f ${quote(snapshotsPointer)} ] && read -r dir < ${quote(snapshotsPointer)} && [ -f "$dir/near-sandbox-$command.blob" ]; then`,
    '  if [ "$command" = run ]; then',
    `    exec ${node} ${profile} --snapshot-blob "$dir/near-sandbox-run.blob" -- "$@"`,
    '  fi',
    `  ${node} --snapshot-blob "$dir/near-sandbox-init.blob" -- "$@"`,
    '  status=$?',
    '  if [ $status -ne 14 ] && [ $status -lt 128 ]; then exit $status; fi',
    'fi',
    `exec ${node} ${profile} ${quote(launchModule)} "$@"`,
    '',
  ].join('\n');
}

/** Writes the launcher unless a file that is not ours is already there. */
export function installLauncher(path = defaultLauncherPath()): InstallOutcome {
  return writeLauncher(path, launcherScript(process.execPath, join(PACKAGE_DIR, 'bin', 'launch.mjs')));
}

/** Builds the bundle unless it matches the sources, then installs the launcher. Safe to run before every test run. */
export async function setUpSandboxLauncher(log: (line: string) => void = console.log): Promise<InstallOutcome> {
  if (isBundleFresh() && !process.argv.includes('--rebuild')) {
    log(`near-sandbox bundle: up to date (${currentBundleEntry()})`);
  } else {
    const bundle = await buildBundle();
    log(`near-sandbox bundle: ${bundle.inputs} source files → ${bundle.outDir} (${bundle.millis} ms)`);
    if (bundle.snapshotError) log(`near-sandbox startup snapshots not built, init and run start from the bundle: ${bundle.snapshotError}`);
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

/**
 * Entry of the node's V8 startup snapshots (src/node/bundle.ts runs `node --build-snapshot` on it twice):
 * the code is compiled and its modules evaluated once, at build time, and a start deserialises that heap
 * (`node --snapshot-blob <blob> -- …`, chosen by the launcher script, src/node/install.ts) instead of
 * parsing and evaluating JavaScript again.
 *
 * - `init` snapshot: the command line and `init` only (a small heap, quick to deserialise);
 * - `run` snapshot: also the RPC server, dispatch and the request schemas (zod, the largest part). The
 *   runtime and VM (rpc/view-client and what it imports) are compiled in but evaluated at start, not here:
 *   WebAssembly does not exist while a snapshot is built, and the VM may compile Wasm when its modules load.
 *
 * Only module evaluation happens at build time. Keys, genesis, clocks, sockets and files are made after
 * deserialisation, in `main`, exactly as in a start from the ESM bundle.
 *
 * A snapshot cannot hold code that changed after it was built: when the build's manifest no longer matches
 * the sources (or the command is not the one the snapshot serves), the command runs through bin/launch.mjs
 * (which rebuilds) in a child process.
 */
import { startupSnapshot } from 'node:v8';
import { inputCheck, readBuildManifest } from './build-manifest.js';
import { main, parseArgs } from './cli.js';
import { watchParent } from './parent.js';

declare const __NEAR_SANDBOX_SNAPSHOT__: 'init' | 'run';
declare const __NEAR_SANDBOX_BUILD_DIR__: string;
declare const __NEAR_SANDBOX_REPO_DIR__: string;
declare const __NEAR_SANDBOX_LAUNCH_MODULE__: string;

if (!startupSnapshot.isBuildingSnapshot()) {
  throw new Error('src/node/startup-snapshot.ts is the entry of `node --build-snapshot` (src/node/bundle.ts); start bin/near-sandbox instead');
}

if (__NEAR_SANDBOX_SNAPSHOT__ === 'run') {
  void import('./run.js');
  void import('../rpc/handlers.js');
  void import('../rpc/params.js').then(({ loadRequestSchemas }) => loadRequestSchemas());
  // Plain-JavaScript modules the runtime imports (no WebAssembly): the curves build their field tables at
  // module load, so they are evaluated here rather than at every start.
  void import('@noble/curves/bn254.js');
  void import('@noble/curves/secp256k1.js');
  void import('@noble/curves/ed25519.js');
  void import('@noble/hashes/legacy.js');
  void import('@noble/hashes/sha3.js');
  void import('../parameters/index.js');
}

const manifest = readBuildManifest(__NEAR_SANDBOX_BUILD_DIR__);
if (manifest === null) throw new Error(`no manifest.json in ${__NEAR_SANDBOX_BUILD_DIR__}: src/node/bundle.ts writes it before the snapshots`);
const sourcesUnchanged = inputCheck(__NEAR_SANDBOX_REPO_DIR__, manifest);

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The same command from the sources, in a child that gets our signals and whose exit code we take. */
async function runFromSources(argv: string[]): Promise<void> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [__NEAR_SANDBOX_LAUNCH_MODULE__, ...argv], { stdio: 'inherit' });
  for (const signal of SIGNALS) process.on(signal, () => child.kill(signal));
  const parent = watchParent();
  const watch = setInterval(() => {
    if (parent.gone()) child.kill('SIGTERM');
  }, 500);
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exit(code ?? (signal ? 1 : 0));
  });
}

function servesCommand(argv: string[]): boolean {
  try {
    return parseArgs(argv).command === __NEAR_SANDBOX_SNAPSHOT__;
  } catch {
    return false; // usage errors are reported by the full command line
  }
}

startupSnapshot.setDeserializeMainFunction(() => {
  // with a snapshot there is no script argument: the command line starts at argv[1]
  const argv = process.argv.slice(1);
  if (!servesCommand(argv) || !sourcesUnchanged()) {
    void runFromSources(argv);
    return;
  }
  main(argv).then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`near-sandbox: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
});

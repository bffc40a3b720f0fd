/**
 * Entry of the node's V8 startup snapshot (src/node/bundle.ts runs `node --build-snapshot` on it). The
 * whole node is compiled into it, and the command line, RPC server, dispatch and request schemas (zod, the
 * largest part) are evaluated once at build time; `near-sandbox run` starts by deserialising that heap
 * (`node --snapshot-blob <blob> -- …`, see src/node/install.ts) instead of parsing and evaluating the code.
 *
 * Only module evaluation happens at build time. Keys, genesis, clocks, sockets and files are made after
 * deserialisation, in `main`, exactly as in a start from the ESM bundle. The runtime and VM (rpc/view-client
 * and what it imports) are evaluated at start, not here: WebAssembly does not exist while a snapshot is
 * built, and the VM may compile Wasm when its modules load.
 *
 * A snapshot cannot hold code that changed after it was built: when the build's manifest no longer matches
 * the sources, the command runs from them through bin/launch.mjs (which rebuilds) in a child process.
 */
import { startupSnapshot } from 'node:v8';
import { inputCheck, readBuildManifest } from './build-manifest.js';
import { main } from './cli.js';
import { parentIsGone } from './run.js';
import '../rpc/handlers.js';
import { loadRequestSchemas } from '../rpc/params.js';

declare const __NEAR_SANDBOX_BUILD_DIR__: string;
declare const __NEAR_SANDBOX_REPO_DIR__: string;
declare const __NEAR_SANDBOX_LAUNCH_MODULE__: string;

if (!startupSnapshot.isBuildingSnapshot()) {
  throw new Error('src/node/startup-snapshot.ts is the entry of `node --build-snapshot` (src/node/bundle.ts); start bin/near-sandbox instead');
}

void loadRequestSchemas();

const manifest = readBuildManifest(__NEAR_SANDBOX_BUILD_DIR__);
if (manifest === null) throw new Error(`no manifest.json in ${__NEAR_SANDBOX_BUILD_DIR__}: src/node/bundle.ts writes it before the snapshot`);
const sourcesUnchanged = inputCheck(__NEAR_SANDBOX_REPO_DIR__, manifest);

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The same command from the sources, in a child that gets our signals and whose exit code we take. */
async function runFromSources(argv: string[]): Promise<void> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [__NEAR_SANDBOX_LAUNCH_MODULE__, ...argv], { stdio: 'inherit' });
  for (const signal of SIGNALS) process.on(signal, () => child.kill(signal));
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (parentIsGone(parent)) child.kill('SIGTERM');
  }, 500);
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exit(code ?? (signal ? 1 : 0));
  });
}

startupSnapshot.setDeserializeMainFunction(() => {
  // with a snapshot there is no script argument: the command line starts at argv[1]
  const argv = process.argv.slice(1);
  if (!sourcesUnchanged()) {
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

/**
 * Packs the installable packages as `npm pack` would publish them (each package's `prepack` compiles it to
 * dist/ with tsc), after making every shipped contract-builder artefact (`setup --all-artefacts`: instant
 * when the cache is up to date; clang-14 otherwise, a maintainers' step).
 *
 *   npx tsx scripts/pack-packages.ts [destination]      (default build/packages/)
 *
 * Prints one JSON object: each package's tarball, its size and its unpacked size.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL('..', import.meta.url));

/** In dependency order: a package's tsc build reads the declarations of the packages before it. */
export const PACKAGE_WAVES = [['chain-signatures', 'contract-builder', 'relayer', 'sandbox', 'create-app'], ['contract-clients']] as const;

export interface PackedPackage {
  name: string;
  tarball: string;
  size: number;
  unpackedSize: number;
}

async function packOne(dir: string, destination: string): Promise<PackedPackage> {
  const { stdout } = await exec('npm', ['pack', '--json', '--foreground-scripts', '--ignore-scripts=false', '--pack-destination', destination], {
    cwd: join(REPO, 'packages', dir),
    maxBuffer: 64 * 1024 * 1024,
  });
  // prepack's tsc output (if any) comes before the JSON array
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1 || stdout.indexOf('['))) as { name: string; filename: string; size: number; unpackedSize: number }[];
  return { name: report.name, tarball: join(destination, report.filename), size: report.size, unpackedSize: report.unpackedSize };
}

/** Makes the builder's artefacts, then packs every package into `destination`. */
export async function packPackages(destination = join(REPO, 'build', 'packages')): Promise<PackedPackage[]> {
  mkdirSync(destination, { recursive: true });
  await exec(process.execPath, ['--import', 'tsx', join(REPO, 'packages/contract-builder/src/cli.ts'), 'setup', '--all-artefacts'], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  const packed: PackedPackage[] = [];
  try {
    for (const wave of PACKAGE_WAVES) packed.push(...(await Promise.all(wave.map((dir) => packOne(dir, destination)))));
  } finally {
    // dist/ is only for the tarballs; in a checkout the builder's cache keys hash it (builder-files.ts),
    // so leaving it would make the next run rebuild every contract
    for (const dir of PACKAGE_WAVES.flat()) rmSync(join(REPO, 'packages', dir, 'dist'), { recursive: true, force: true });
  }
  return packed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  packPackages(process.argv[2] ? resolve(process.argv[2]) : undefined).then(
    (packed) => console.log(JSON.stringify(packed, null, 2)),
    (error) => {
      console.error(`packing failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}

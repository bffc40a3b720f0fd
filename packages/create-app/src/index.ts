#!/usr/bin/env node
/**
 * `npm create @near-ts/app <folder>`: writes a new project from template/ (one near-sdk-js contract built
 * by @near-ts/contract-builder, its near-workspaces test and an in-process test on @near-ts/sandbox, a
 * wallet-login frontend, a deploy script). Nothing is installed or downloaded here; the project's README
 * says what to run next.
 */
import { cpSync, existsSync, readdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE_DIR = fileURLToPath(new URL('../template', import.meta.url));
const OWN_VERSION: string = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')).version;

/** npm's rules for a package name, as far as a folder name can break them. */
export function projectName(folder: string): string {
  const name = basename(resolve(folder)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  if (name.length === 0) throw new Error(`create-app: "${folder}" gives no usable package name; pick a folder name with letters or digits`);
  return name;
}

/** Copies the template to `target` (which must be missing or empty) and names the project after it. */
export function createProject(target: string): { dir: string; name: string } {
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`create-app: ${dir} is not empty; choose a new folder (nothing was written)`);
  }
  const name = projectName(dir);
  cpSync(TEMPLATE_DIR, dir, { recursive: true });
  // npm pack leaves out files named .gitignore and .npmrc, so the template carries them without the dot
  for (const file of ['gitignore', 'npmrc']) renameSync(join(dir, file), join(dir, `.${file}`));
  for (const file of ['package.json', 'README.md', 'frontend/package.json']) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll('{{name}}', name).replaceAll('{{version}}', OWN_VERSION));
  }
  return { dir, name };
}

function main(args: string[]): number {
  const target = args.find((a) => !a.startsWith('-'));
  if (!target || args.includes('--help') || args.includes('-h')) {
    console.log('usage: npm create @near-ts/app <folder>');
    return target ? 0 : 2;
  }
  try {
    const { dir, name } = createProject(target);
    const cd = relative(process.cwd(), dir) || '.';
    console.log(`created ${name} in ${dir}\n\n  cd ${cd}\n  npm install\n  npm run build\n  npm test\n\nthen README.md: the frontend (frontend/) and deploying to testnet (npm run deploy).`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) process.exitCode = main(process.argv.slice(2));

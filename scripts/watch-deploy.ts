/**
 * `npm run build -- --watch --deploy`: after every rebuild, the contract goes to its dev account on the
 * running node (the account `npm run dev-deploy` records), with the deploy config's migrate call in the same
 * transaction (init on the first deploy to a new account), and one line says what the node now serves:
 *
 *   deployed stablecoin to dev-1733…test.near: code hash 9xQ…, migrate, 2.84 s from save to deployed
 *
 * Paths follow the builder's --root: `<root>/build/<name>.wasm`, `<root>/scripts/deploy.config.json`, and the
 * dev account in `<root>/neardev/` when one contract is watched (as dev-deploy writes it), else in
 * `<root>/neardev/<name>/`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { devDeploy } from './dev-deploy.js';

export interface RedeployOptions {
  root: string;
  /** The contracts watched. */
  names: string[];
  /** Default: the local node `npm run sandbox` serves. */
  rpcUrl?: string;
  log?: (line: string) => void;
}

export interface Redeployed {
  contract: string;
  accountId: string;
  codeHash: string;
  call?: string;
  /** Milliseconds from the save (or the watcher's start) to the deploy's final answer. */
  ms: number;
}

/** Returns the function the watcher calls with a rebuilt contract and when its change was saved. */
export function createRedeployer(options: RedeployOptions): (contract: string, savedAt: number) => Promise<Redeployed | undefined> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const config = join(options.root, 'scripts', 'deploy.config.json');
  return async (contract, savedAt) => {
    try {
      const report = await devDeploy({
        contract,
        rpcUrl: options.rpcUrl ?? 'http://127.0.0.1:3030',
        wasm: join(options.root, 'build', `${contract}.wasm`),
        ...(existsSync(config) ? { config } : {}),
        recordsDir: options.names.length === 1 ? join(options.root, 'neardev') : join(options.root, 'neardev', contract),
        initOrMigrate: true,
        log: () => {},
      });
      const done: Redeployed = { contract, accountId: report.accountId, codeHash: report.codeHash, ...(report.call ? { call: report.call.method } : {}), ms: Date.now() - savedAt };
      log(`deployed ${contract} to ${done.accountId}: code hash ${done.codeHash}, ${done.call ?? 'no call'}, ${(done.ms / 1000).toFixed(2)} s from save to deployed`);
      return done;
    } catch (error) {
      log(`deploy of ${contract} failed (the node keeps the previous code): ${(error as Error).message}`);
      return undefined;
    }
  };
}

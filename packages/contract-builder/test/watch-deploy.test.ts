/**
 * `npm run build -- --watch --deploy`: the watcher redeploys an edited contract to its dev account on a
 * running node (a real one, started here), with the deploy config's migrate call, and says how long it took.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JsonRpcProvider, Account, type KeyPairString } from "near-api-js";
import { startDevNode } from "../../sandbox/src/node/dev.js";
import { readKeyFile } from "../../sandbox/src/node/key-file.js";
import { removeScratch, scratch } from "./helpers/counter-project.js";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

const source = (schema: number, label: string) =>
  [
    `import { NearBindgen, call, view, initialize } from "near-sdk-js";`,
    ``,
    `@NearBindgen({ requireInit: true })`,
    `export class Counter {`,
    `  count = 0;`,
    `  schema = 0;`,
    `  @initialize({})`,
    `  init(): void {`,
    `    this.schema = 1;`,
    `  }`,
    `  @call({ privateFunction: true })`,
    `  migrate(): void {`,
    `    this.schema = ${schema};`,
    `  }`,
    `  @call({})`,
    `  increment(): void {`,
    `    this.count += 1;`,
    `  }`,
    `  @view({})`,
    `  state(): string {`,
    `    return \`\${this.count}/\${this.schema}/${label}\`;`,
    `  }`,
    `}`,
    ``,
  ].join("\n");

test.after.always(() => removeScratch());

test("an edited contract is rebuilt and redeployed to its dev account with its migrate call; state is kept and migrated", async (t) => {
  const nodeHome = mkdtempSync(path.join(tmpdir(), "watch-deploy-node-"));
  const userHome = mkdtempSync(path.join(tmpdir(), "watch-deploy-home-"));
  const dev = await startDevNode({ home: nodeHome, port: 0 });
  t.teardown(async () => {
    await dev.node.stop();
    rmSync(nodeHome, { recursive: true, force: true });
    rmSync(userHome, { recursive: true, force: true });
  });
  const root = scratch("watch-deploy-");
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "watch-deploy-root", version: "0.0.0", private: true }));
  const entry = path.join(root, "contracts", "counter", "src", "index.ts");
  mkdirSync(path.dirname(entry), { recursive: true });
  writeFileSync(entry, source(1, "v1"));
  mkdirSync(path.join(root, "scripts"));
  writeFileSync(
    path.join(root, "scripts", "deploy.config.json"),
    JSON.stringify({ contracts: { counter: { init: { method: "init", args: {} }, migrate: { method: "migrate", args: {} } } } }),
  );

  const rootKey = readKeyFile(dev.rootKeyFile).key.secretKey;
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "build", "counter", "--watch", "--deploy", "--root", root, "--rpc-url", dev.rpcUrl], {
    env: { ...process.env, HOME: userHome, NEAR_ACCOUNT_ID: "test.near", NEAR_PRIVATE_KEY: rootKey },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.teardown(() => void child.kill("SIGKILL"));
  let output = "";
  let exited = false;
  child.on("exit", () => (exited = true));
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const deployed = async (count: number): Promise<RegExpExecArray[]> => {
    for (let waited = 0; waited < 240_000; waited += 200) {
      const lines = [...output.matchAll(/^deployed counter to (\S+): code hash (\w+), (\w+(?: call)?), (\d+\.\d\d) s from save to deployed$/gm)];
      if (lines.length >= count) return lines;
      if (exited || /deploy of counter failed|error:/.test(output)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no deploy line #${count}:\n${output}`);
  };

  const [first] = await deployed(1);
  const accountId = first![1]!;
  t.regex(accountId, /^dev-\d+\.test\.near$/);
  t.is(first![3], "init", "a new dev account gets the config's init");
  t.is(readFileSync(path.join(root, "neardev", "dev-account"), "utf8"), accountId);
  const provider = new JsonRpcProvider({ url: dev.rpcUrl });
  const caller = new Account("test.near", provider, rootKey as KeyPairString);
  await caller.callFunction({ contractId: accountId, methodName: "increment", args: {} });
  t.is(await provider.callFunction({ contractId: accountId, method: "state", args: {} }), "1/1/v1");

  writeFileSync(entry, source(2, "v2")); // the save
  const second = (await deployed(2))[1]!;
  t.is(second[1], accountId, "the same dev account");
  t.not(second[2], first![2], "new code");
  t.is(second[3], "migrate");
  t.is(await provider.callFunction({ contractId: accountId, method: "state", args: {} }), "1/2/v2", "new code serving, count kept, schema migrated");
  const view = (await provider.viewAccount({ accountId })) as unknown as { code_hash: string };
  t.is(view.code_hash, second[2]);
  t.log(`save → deployed: ${second[4]} s (load ${(await import("node:os")).loadavg()[0]!.toFixed(1)})`);
});

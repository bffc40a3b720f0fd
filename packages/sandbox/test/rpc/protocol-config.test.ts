/**
 * `EXPERIMENTAL_protocol_config` answers nearcore's `RuntimeConfigView` key for key, with the values of the
 * version's config snapshot (the snapshot is that view serialized, `expression: config_view`):
 *   77: near/nearcore core/parameters/src/snapshots/near_parameters__config_store__tests__77.json.snap @05668890
 *   86: near/nearcore core/parameters/src/snapshots/near_parameters__config_store__tests__86.json.snap @11babcf8
 * (copied to ./fixtures; the parameter table cites the same two). The snapshots redact `vm_kind`; a neard on x86_64
 * reports NearVm before 84.yaml and Wasmtime from it.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initHome } from '../../src/node/init.js';
import { startTestNode } from './helpers.js';

const snapshot = (version: number) =>
  JSON.parse(readFileSync(new URL(`./fixtures/near_parameters__config_store__tests__${version}.json`, import.meta.url), 'utf8'));

/** Every difference between two JSON values: a key one side lacks, or a value that differs, by path. */
function differences(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected !== null && actual !== null && typeof expected === 'object' && typeof actual === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
    return [...keys].flatMap((k) => {
      if (!(k in a)) return [`${path}.${k}: missing (snapshot ${JSON.stringify(e[k])})`];
      if (!(k in e)) return [`${path}.${k}: not in the snapshot (node ${JSON.stringify(a[k])})`];
      return differences(e[k], a[k], `${path}.${k}`);
    });
  }
  return expected === actual ? [] : [`${path}: snapshot ${JSON.stringify(expected)}, node ${JSON.stringify(actual)}`];
}

for (const [version, vmKind] of [
  [77, 'NearVm'],
  [86, 'Wasmtime'],
] as const) {
  test(`EXPERIMENTAL_protocol_config at ${version}: every key and value of the ${version} snapshot, nothing else`, async (t) => {
    const home = mkdtempSync(join(tmpdir(), `protocol-config-${version}-`));
    initHome(home, { protocolVersion: version });
    const node = await startTestNode({ home });
    t.teardown(async () => {
      await node.stop();
      rmSync(home, { recursive: true, force: true });
    });
    const { result } = await node.rpc('EXPERIMENTAL_protocol_config', { finality: 'final' });
    t.is(result.protocol_version, version);
    const expected = snapshot(version);
    t.is(expected.wasm_config.vm_kind, '<REDACTED>');
    expected.wasm_config.vm_kind = vmKind;
    t.deepEqual(differences(expected, result.runtime_config), []);
  });
}

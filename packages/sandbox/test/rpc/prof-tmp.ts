import { startTestNode, signNext, NEAR, TGAS } from './helpers.js';
import { probeWasm } from '../../../../sandbox-tests/probe-contract.js';
import { KeyPair } from '../../src/primitives/crypto.js';
const node = await startTestNode();
const key = KeyPair.fromLabel('p');
let tx = await signNext(node, 'test.near', 'p.test.near', [{ type: 'CreateAccount' }, { type: 'Transfer', deposit: 10n * NEAR }, { type: 'AddKey', publicKey: key.publicKey, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } }, { type: 'DeployContract', code: await probeWasm() }]);
await node.rpc('send_tx', { signed_tx_base64: tx.base64 });
const times: number[] = []; const sendTimes: number[] = [];
for (let i = 0; i < 60; i++) {
  const t0 = performance.now();
  tx = await signNext(node, 'test.near', 'p.test.near', [{ type: 'FunctionCall', methodName: 'set', args: new TextEncoder().encode('v' + i), gas: 30n * TGAS, deposit: 0n }]);
  const t1 = performance.now();
  const r = await node.rpc('send_tx', { signed_tx_base64: tx.base64 });
  const t2 = performance.now();
  if (!r.result) throw new Error(JSON.stringify(r));
  times.push(t2 - t0); sendTimes.push(t2 - t1);
}
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
console.log('total median', med(times).toFixed(1), 'send_tx median', med(sendTimes).toFixed(1));
const t3 = performance.now();
for (let i = 0; i < 200; i++) await node.rpc('block', { finality: 'final' });
console.log('block rpc avg', ((performance.now() - t3) / 200).toFixed(2));
const t4 = performance.now();
for (let i = 0; i < 200; i++) await node.rpc('query', { request_type: 'view_access_key', account_id: 'test.near', public_key: node.rootKey.publicKeyString, finality: 'optimistic' });
console.log('view_access_key avg', ((performance.now() - t4) / 200).toFixed(2));
await node.stop();

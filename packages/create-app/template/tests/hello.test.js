// near-workspaces on @near-ts/sandbox: a local NEAR node in TypeScript, started in place of neard.
import '@near-ts/sandbox/near-workspaces';
import { Worker } from 'near-workspaces';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

let worker, contract, alice;

before(async () => {
  worker = await Worker.init();
  contract = await worker.rootAccount.devDeploy('build/hello.wasm');
  alice = await worker.rootAccount.createSubAccount('alice');
});

after(async () => {
  await worker?.tearDown();
});

test('the greeting starts as Hello', async () => {
  assert.equal(await contract.view('get_greeting'), 'Hello');
});

test('anyone can change the greeting', async () => {
  await alice.call(contract, 'set_greeting', { greeting: 'Howdy' });
  assert.equal(await contract.view('get_greeting'), 'Howdy');
});

test('an empty greeting is refused and changes nothing', async () => {
  const before = await contract.view('get_greeting');
  await assert.rejects(alice.call(contract, 'set_greeting', { greeting: '' }), /Hello: the greeting must be 1 to 100 characters/);
  assert.equal(await contract.view('get_greeting'), before);
});

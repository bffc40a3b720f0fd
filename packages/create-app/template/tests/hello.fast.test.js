// The same contract on the in-process node: no ports, no child process, a fresh chain per test.
import { createSandbox, TGAS } from '@near-ts/sandbox';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const wasm = readFileSync('build/hello.wasm');

function deployed() {
  const node = createSandbox();
  node.createAccount('hello.test.near');
  node.deployContract('hello.test.near', wasm);
  return node;
}

test('set_greeting logs and stores the greeting', () => {
  const node = deployed();
  const result = node.call('hello.test.near', 'hello.test.near', 'set_greeting', { greeting: 'hi' }, { gas: 30n * TGAS });
  assert.ok(result.succeeded, JSON.stringify(result.failure));
  assert.deepEqual(result.logs, ['Saving greeting hi']);
  assert.equal(node.view('hello.test.near', 'get_greeting'), 'hi');
});

test('a greeting over 100 characters fails with the rule and changes nothing', () => {
  const node = deployed();
  const result = node.call('hello.test.near', 'hello.test.near', 'set_greeting', { greeting: 'x'.repeat(101) }, { gas: 30n * TGAS });
  assert.equal(result.succeeded, false);
  assert.match(JSON.stringify(result.failure), /Hello: the greeting must be 1 to 100 characters/);
  assert.equal(node.view('hello.test.near', 'get_greeting'), 'Hello');
});

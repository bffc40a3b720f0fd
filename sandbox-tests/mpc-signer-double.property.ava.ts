/**
 * Property test of the signer double's request rules, as near/mpc states them
 * (`crates/contract/src/pending_requests.rs`, `api/sign.rs` test
 * `sign__should_queue_duplicate_requests_and_drain_all_on_respond`, `api/authorization.rs`).
 * Like payout.property.ava.ts it runs on the in-process node (packages/sandbox) for
 * snapshot/restore between runs.
 *
 * For generated requests (domain, payload of any allowed size, path, 1-4 identical copies from one
 * caller, and the same path and payload from a second caller, which is another request):
 * - a non-participant's `respond`, even with the valid signature, fails with near/mpc's message and
 *   changes no state;
 * - one participant `respond` answers every identical copy with the same response and nothing else:
 *   the second caller's request stays pending and refuses the first request's signature;
 * - a second `respond` for the answered request fails with near/mpc's RequestNotFound message.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createSandbox, NEAR, TGAS, type Sandbox, type Snapshot } from '../packages/sandbox/src/index.js';
import { rootPublicKeys, signatureRequest, signRequest, type SignPayload } from '../packages/chain-signatures/src/index.js';
import { contractWasm } from './helpers/wasm.js';
import { panicOf } from './helpers/panic.js';

const RUNS = Number(process.env.MPC_PROPERTY_RUNS ?? 100);
const SIGNER = 'signer.test.near';
const PARTICIPANT = 'participant.test.near';
const ALICE = 'alice.test.near';
const BOB = 'bob.test.near';
const ATTACKER = 'attacker.test.near';
const NOT_PARTICIPANT = 'assertion failed: `Err(CallerNotParticipant)` does not match `Ok(())`: Caller must be an attested participant';
const REQUEST_NOT_FOUND = 'This sign request has timed out, was completed, or never existed.';
const INVALID_SIGNATURE = 'The provided signature is invalid.';

function setUp(): { node: Sandbox; base: Snapshot } {
  const node = createSandbox();
  for (const id of [SIGNER, PARTICIPANT, ALICE, BOB, ATTACKER]) node.createAccount(id, { balance: 1000n * NEAR });
  node.deployContract(SIGNER, readFileSync(contractWasm('mpc-signer-double')));
  const roots = rootPublicKeys();
  const init = node.call(SIGNER, SIGNER, 'init', { secp256k1_root: roots.secp256k1, ed25519_root: roots.ed25519, participants: [PARTICIPANT] }, { gas: 100n * TGAS });
  if (!init.succeeded) throw new Error(`init: ${JSON.stringify(init.failure)}`);
  return { node, base: node.snapshot() };
}

const requestArb = fc.record({
  domain: fc.constantFrom(0, 1),
  // An ECDSA prehash below the secp256k1 group order (first byte < 0xff); an EdDSA message of 0-64 bytes.
  ecdsa: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Uint8Array.of(b[0]! % 0xff, ...b.subarray(1))),
  eddsa: fc.uint8Array({ minLength: 0, maxLength: 64 }),
  path: fc.string({ maxLength: 24 }),
  copies: fc.integer({ min: 1, max: 4 }),
});

const { node, base } = setUp();

test.serial(`one respond answers every identical request and only those; non-participants cannot respond (${RUNS} runs)`, (t) => {
  fc.assert(
    fc.property(requestArb, ({ domain, ecdsa, eddsa, path, copies }) => {
      node.restore(base);
      const payload: SignPayload = domain === 0 ? { Ecdsa: Buffer.from(ecdsa).toString('hex') } : { Eddsa: Buffer.from(eddsa).toString('hex') };
      const args = new TextEncoder().encode(JSON.stringify({ request: { path, payload_v2: payload, domain_id: domain } }));
      const send = (from: string) => node.submitTransaction(node.signTransaction(from, SIGNER, [{ type: 'FunctionCall', methodName: 'sign', args, gas: 50n * TGAS, deposit: 1n }]));
      const aliceSent = Array.from({ length: copies }, () => send(ALICE));
      const bobSent = send(BOB);
      node.produceBlocks(3);
      const alice = signatureRequest(ALICE, path, payload, domain);
      const bob = signatureRequest(BOB, path, payload, domain);
      const pending = (request: unknown) => node.view(SIGNER, 'get_pending_request', { request });
      if (pending(alice) === null || pending(bob) === null) throw new Error(`not pending after sign: ${JSON.stringify(node.getTransactionOutcome(aliceSent[0]!).failure)}`);

      const response = signRequest(alice);
      const stateBefore = JSON.stringify(node.viewState(SIGNER));
      const attack = node.call(ATTACKER, SIGNER, 'respond', { request: alice, response }, { gas: 300n * TGAS });
      t.is(panicOf(attack), NOT_PARTICIPANT);
      t.is(JSON.stringify(node.viewState(SIGNER)), stateBefore, 'a refused respond changes no state');

      t.is(panicOf(node.call(PARTICIPANT, SIGNER, 'respond', { request: bob, response }, { gas: 300n * TGAS })), INVALID_SIGNATURE, "alice's signature does not answer bob");
      const answered = node.call(PARTICIPANT, SIGNER, 'respond', { request: alice, response }, { gas: 300n * TGAS });
      if (!answered.succeeded) throw new Error(`respond: ${panicOf(answered)}`);
      node.produceBlocks(4);
      for (const hash of aliceSent) {
        const outcome = node.getTransactionOutcome(hash);
        if (!outcome.succeeded) throw new Error(`a copy was not answered: ${panicOf(outcome)}`);
        t.deepEqual(outcome.value(), response);
      }
      t.is(pending(alice), null);
      t.not(pending(bob), null, "bob's request is still pending");
      t.is(node.getTransactionOutcome(bobSent).succeeded, false, 'bob still waits');
      t.is(panicOf(node.call(PARTICIPANT, SIGNER, 'respond', { request: alice, response }, { gas: 300n * TGAS })), REQUEST_NOT_FOUND);
    }),
    { numRuns: RUNS, seed: 0x3a7e, endOnFailure: true },
  );
});

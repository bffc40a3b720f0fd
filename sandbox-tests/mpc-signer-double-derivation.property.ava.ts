/**
 * Property test: the signer double derives exactly the keys that packages/chain-signatures derives
 * off-chain with @noble/curves (near/mpc `crates/near-mpc-crypto-types/src/kdf.rs`: root + tweak·G,
 * root + (tweak mod l)·B), through the in-process node (as mpc-signer-double.property.ava.ts):
 * - for any root keys (any secp256k1 and ed25519 secret) and any (predecessor, path),
 *   `derived_public_key` of both domains equals the off-chain key;
 * - for any 32-byte ed25519 tweak, including those no path reaches on purpose (0, l − 1, l, 2^255,
 *   2^256 − 1, long runs of the digits that carry in signed radix 16), a signature by the off-chain
 *   derived key passes `respond`'s signature check (it then fails with RequestNotFound, as nothing
 *   is pending), where a key derived differently fails with "The provided signature is invalid.".
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { numberToBytesLE } from '@noble/curves/utils.js';
import { createSandbox, NEAR, TGAS } from '../packages/sandbox/src/index.js';
import {
  deriveEd25519PublicKey,
  deriveSecp256k1PublicKey,
  formatEd25519Key,
  formatSecp256k1Key,
  rootPublicKeys,
  signRequest,
  type SignatureRequest,
} from '../packages/chain-signatures/src/index.js';
import { contractWasm } from './helpers/wasm.js';
import { panicOf } from './helpers/panic.js';

const RUNS = Number(process.env.MPC_PROPERTY_RUNS ?? 100);
const SIGNER = 'signer.test.near';
const PARTICIPANT = 'participant.test.near';
const REQUEST_NOT_FOUND = 'This sign request has timed out, was completed, or never existed.';
const L = ed25519.Point.Fn.ORDER;
const N = secp256k1.Point.Fn.ORDER;

const node = createSandbox();
for (const id of [SIGNER, PARTICIPANT]) node.createAccount(id, { balance: 1000n * NEAR });
node.deployContract(SIGNER, readFileSync(contractWasm('mpc-signer-double')));
const deployed = node.snapshot();

function init(roots: { secp256k1: string; ed25519: string }): void {
  node.restore(deployed);
  const result = node.call(SIGNER, SIGNER, 'init', { secp256k1_root: roots.secp256k1, ed25519_root: roots.ed25519, participants: [PARTICIPANT] }, { gas: 100n * TGAS });
  if (!result.succeeded) throw new Error(`init: ${JSON.stringify(result.failure)}`);
}

const secretArb = (order: bigint) => fc.oneof(fc.constantFrom(1n, 2n, order - 1n), fc.bigInt({ min: 1n, max: order - 1n }));
const accountArb = fc.stringMatching(/^[a-z0-9]{2,20}\.(near|test\.near)$/);

test.serial(`derived_public_key equals the off-chain derivation for any roots, predecessor and path (${RUNS} runs)`, (t) => {
  fc.assert(
    fc.property(secretArb(N), secretArb(L), fc.array(fc.record({ predecessor: accountArb, path: fc.string({ maxLength: 40 }) }), { minLength: 1, maxLength: 3 }), (secpSecret, edSecret, derivations) => {
      const roots = {
        secp256k1: formatSecp256k1Key(secp256k1.Point.BASE.multiply(secpSecret).toBytes(false).slice(1)),
        ed25519: formatEd25519Key(ed25519.Point.BASE.multiply(edSecret).toBytes()),
      };
      init(roots);
      for (const { predecessor, path } of derivations) {
        t.is(node.view(SIGNER, 'derived_public_key', { predecessor, path, domain_id: 1 }), formatEd25519Key(deriveEd25519PublicKey(roots.ed25519, predecessor, path)));
        t.is(node.view(SIGNER, 'derived_public_key', { predecessor, path, domain_id: 0 }), formatSecp256k1Key(deriveSecp256k1PublicKey(roots.secp256k1, predecessor, path)));
      }
    }),
    { numRuns: RUNS, seed: 0x5eed, endOnFailure: true },
  );
});

const edgeTweaks = [0n, 1n, 7n, 8n, 15n, L - 1n, L, L + 1n, 2n * L, 2n ** 252n, 2n ** 255n - 1n, 2n ** 255n, 2n ** 255n - 19n, 2n ** 256n - 1n].map((v) => Array.from(numberToBytesLE(v, 32)));
const tweakArb = fc.oneof(
  fc.constantFrom(...edgeTweaks),
  fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 32, maxLength: 32 }),
  // Bytes whose nibbles are 7, 8 or 15 make long carry chains in signed radix 16.
  fc.array(fc.constantFrom(0x00, 0x07, 0x08, 0x77, 0x78, 0x87, 0x88, 0x8f, 0xf8, 0xff), { minLength: 32, maxLength: 32 }),
);

test.serial(`respond accepts a signature by the off-chain derived ed25519 key for any tweak (${RUNS} runs)`, (t) => {
  init(rootPublicKeys());
  const base = node.snapshot();
  fc.assert(
    fc.property(tweakArb, fc.uint8Array({ minLength: 1, maxLength: 64 }), (tweak, message) => {
      node.restore(base);
      const request: SignatureRequest = { tweak, payload: { Eddsa: Buffer.from(message).toString('hex') }, domain_id: 1 };
      const result = node.call(PARTICIPANT, SIGNER, 'respond', { request, response: signRequest(request) }, { gas: 300n * TGAS });
      t.is(panicOf(result), REQUEST_NOT_FOUND);
    }),
    { numRuns: RUNS, seed: 0x7eac, endOnFailure: true },
  );
});

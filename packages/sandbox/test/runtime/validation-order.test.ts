/**
 * Which error a transaction with two faults gets: the order of the stateless checks. nearcore
 * (runtime/runtime/src/verifier.rs `validate_transaction`: `validate_transaction_actions`, then
 * core/primitives/src/transaction.rs `ValidatedTransaction::new`: `check_valid_for_config` — the version gates,
 * then `TransactionSizeExceeded` — then `InvalidSignature`) checks actions → version gates → size → signature.
 * Account ids come before all of them: nearcore's `AccountId` is validated while the transaction is decoded
 * (near-account-id src/borsh.rs `BorshDeserialize`), so an invalid signer is a parse error ("invalid value: …")
 * before anything else is looked at, as on the node.
 * At 86 no version gate can fire; at 77 an ML-DSA key is refused first (neard 2.6.2 has no such key type: its
 * decoder refuses it, before the actions).
 */
import test, { type ExecutionContext } from 'ava';
import { createSandbox, InvalidTransactionError, KeyPair, KeyType, ParseTransactionError, type Sandbox } from '../../src/index.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import type { Action } from '../../src/primitives/transaction.js';

const ALICE = 'alice.test.near';
const TGAS = 10n ** 12n;

type Fault = 'signerId' | 'actions' | 'size' | 'signature';

/** The error each fault alone gives: InvalidTxError JSON, or the parse error's text for the signer id. */
const ERRORS: Record<Fault, (pv: number, size: number) => unknown> = {
  signerId: () => 'Failed to decode transaction: invalid value: "Not.Valid", the Account ID contains an invalid character \'N\' at index 0',
  actions: () => ({ ActionsValidation: 'FunctionCallZeroAttachedGas' }),
  size: (pv, size) => ({ TransactionSizeExceeded: { size, limit: runtimeConfig(pv).limits.maxTransactionSize } }),
  signature: () => 'InvalidSignature',
};

/** Two calls whose arguments together pass `max_transaction_size`, each within `max_arguments_length`. */
function oversized(pv: number): Action[] {
  const half = Math.floor(runtimeConfig(pv).limits.maxTransactionSize / 2) + 1;
  return [0, 1].map(() => ({ type: 'FunctionCall', methodName: 'm', args: new Uint8Array(half), gas: TGAS, deposit: 0n }));
}
/** The signed bytes, and the size the limit counts: the body, plus the signature from 85 (`size_for_limits`). */
function transaction(node: Sandbox, pv: number, faults: Fault[]): { bytes: Uint8Array; size: number } {
  const actions: Action[] = faults.includes('size') ? oversized(pv) : [{ type: 'Transfer', deposit: 1n }];
  if (faults.includes('actions')) actions.push({ type: 'FunctionCall', methodName: 'm', args: new Uint8Array(), gas: 0n, deposit: 0n });
  const signer = faults.includes('signerId') ? 'Not.Valid' : ALICE;
  const bytes = node.signTransaction(signer, 'bob.test.near', actions, { keyPair: KeyPair.fromSeed(ALICE), nonce: 10n });
  if (faults.includes('signature')) bytes[bytes.length - 1]! ^= 1; // the ed25519 signature closes the bytes
  return { bytes, size: bytes.length - (pv >= 85 ? 0 : 65) };
}

function expectError(t: ExecutionContext, pv: number, faults: Fault[], expected: Fault): void {
  const node = createSandbox({ protocolVersion: pv });
  node.createAccount(ALICE, { keyPair: KeyPair.fromSeed(ALICE) });
  node.createAccount('bob.test.near');
  const { bytes, size } = transaction(node, pv, faults);
  const label = `${faults.join(' + ')} at ${pv}`;
  if (expected === 'signerId') {
    t.throws(() => node.submitTransaction(bytes), { instanceOf: ParseTransactionError, message: ERRORS.signerId(pv, size) as string }, `${label}: the signer id is decoded first`);
    return;
  }
  const err = t.throws(() => node.submitTransaction(bytes), { instanceOf: InvalidTransactionError }, label) as InvalidTransactionError;
  t.deepEqual(err?.kind, ERRORS[expected](pv, size), `${label}: ${expected} is checked first`);
}

const ORDER: Fault[] = ['signerId', 'actions', 'size', 'signature'];

for (const pv of [77, 86]) {
  test(`at ${pv} each fault alone gives its own error (the faults the order test combines)`, (t) => {
    for (const fault of ORDER) expectError(t, pv, [fault], fault);
  });
  for (let i = 0; i < ORDER.length; i++) {
    for (let j = i + 1; j < ORDER.length; j++) {
      const [first, second] = [ORDER[i]!, ORDER[j]!];
      test(`at ${pv} ${first} + ${second} → the ${first} error (verifier.rs validate_transaction, transaction.rs ValidatedTransaction::new)`, (t) => {
        expectError(t, pv, [first, second], first);
      });
    }
  }
}

test('at 86 signer id + actions + size + signature all at once → the signer id error', (t) => {
  expectError(t, 86, ORDER, 'signerId');
});

test('at 77 an ML-DSA-signed transaction with a faulty action is InvalidTransactionVersion: the key is refused before the actions, as neard 2.6.2 refuses it at decode', (t) => {
  const node = createSandbox({ protocolVersion: 77 });
  node.createAccount(ALICE);
  node.createAccount('bob.test.near');
  const pq = KeyPair.random(KeyType.MLDSA65);
  const bytes = node.signTransaction(ALICE, 'bob.test.near', [{ type: 'FunctionCall', methodName: 'm', args: new Uint8Array(), gas: 0n, deposit: 0n }], { keyPair: pq, nonce: 1n });
  const err = t.throws(() => node.submitTransaction(bytes), { instanceOf: InvalidTransactionError }) as InvalidTransactionError;
  t.is(err?.kind, 'InvalidTransactionVersion');
});

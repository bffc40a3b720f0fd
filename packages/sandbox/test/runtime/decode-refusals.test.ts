/**
 * Transactions nearcore's decoder refuses although their borsh layout is sound, answered in nearcore's words and at
 * the first fault in byte order:
 * - an invalid account id: near/near-account-id-rs src/borsh.rs @13d8bcab (`BorshDeserialize for AccountId`:
 *   `invalid value: "<id>", <error>`), src/validation.rs @11080343 and src/errors.rs @d2dd8949 (the error texts);
 * - a Delegate (8) or DelegateV2 (14) inside a DelegateAction: near/nearcore core/primitives/src/action/delegate.rs
 *   (`BorshDeserialize for NonDelegateAction`: "DelegateAction mustn't contain a nested one"; tag 14 from 85).
 */
import test from 'ava';
import { createSandbox, KeyPair, ParseTransactionError, type Sandbox } from '../../src/index.js';
import { accountIdFault } from '../../src/primitives/account-id.js';
import { encodeTransaction, type Action, type DelegateAction } from '../../src/primitives/transaction.js';

const ALICE = 'alice.test.near';
const BOB = 'bob.test.near';

function node(protocolVersion = 86): Sandbox {
  const n = createSandbox({ protocolVersion });
  n.createAccount(ALICE, { keyPair: KeyPair.fromSeed(ALICE) });
  n.createAccount(BOB);
  return n;
}

function refusal(n: Sandbox, bytes: Uint8Array): string {
  const err = (() => {
    try {
      n.submitTransaction(bytes);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(err instanceof ParseTransactionError)) throw new Error(`expected a ParseTransactionError, got ${String(err)}`);
  return err.message;
}

const sign = (n: Sandbox, signer: string, receiver: string, actions: Action[]) =>
  n.signTransaction(signer, receiver, actions, { keyPair: KeyPair.fromSeed(ALICE) });

const transfer: Action = { type: 'Transfer', deposit: 1n };

test('an invalid signer or receiver id is a parse error in near-account-id words (src/borsh.rs @13d8bcab, src/errors.rs @d2dd8949), at 77 and 86', (t) => {
  for (const pv of [77, 86]) {
    const n = node(pv);
    t.is(refusal(n, sign(n, 'Not.Valid', BOB, [transfer])), 'Failed to decode transaction: invalid value: "Not.Valid", the Account ID contains an invalid character \'N\' at index 0', `signer at ${pv}`);
    t.is(refusal(n, sign(n, ALICE, 'bob..near', [transfer])), 'Failed to decode transaction: invalid value: "bob..near", the Account ID has a redundant separator \'.\' at index 4', `receiver at ${pv}`);
  }
});

test('each near-account-id error kind and its character (src/validation.rs @11080343: lengths in UTF-8 bytes, index in characters)', (t) => {
  const n = node();
  const text = (id: string) => refusal(n, sign(n, id, BOB, [transfer])).replace('Failed to decode transaction: ', '');
  t.is(text('a'), 'invalid value: "a", the Account ID is too short');
  t.is(text('a'.repeat(65)), `invalid value: "${'a'.repeat(65)}", the Account ID is too long`);
  t.is(text('bob.'), 'invalid value: "bob.", the Account ID has a redundant separator \'.\' at index 3');
  t.is(text('_bob'), 'invalid value: "_bob", the Account ID has a redundant separator \'_\' at index 0');
  // one character but two UTF-8 bytes: long enough, then refused for the character
  t.is(text('é'), 'invalid value: "é", the Account ID contains an invalid character \'é\' at index 0');
  t.is(text('ab\ncd'), 'invalid value: "ab\ncd", the Account ID contains an invalid character \'\\n\' at index 2');
  t.is(text('x\u200by'), 'invalid value: "x\u200by", the Account ID contains an invalid character \'\\u{200b}\' at index 1');
  t.is(text("o'k"), 'invalid value: "o\'k", the Account ID contains an invalid character \'\\\'\' at index 1');
  // the kind alone stays what the verifier and the VM use
  t.deepEqual(accountIdFault('sixty-four.near'), null);
});

test('ids inside actions are refused too, the first in byte order wins (signer before a beneficiary, a Delegate sender before its actions)', (t) => {
  const n = node();
  const badBeneficiary: Action = { type: 'DeleteAccount', beneficiaryId: 'Carol' };
  t.is(refusal(n, sign(n, ALICE, BOB, [transfer, badBeneficiary])), 'Failed to decode transaction: invalid value: "Carol", the Account ID contains an invalid character \'C\' at index 0');
  t.is(refusal(n, sign(n, 'A', BOB, [badBeneficiary])), 'Failed to decode transaction: invalid value: "A", the Account ID is too short');
  const useByAccount: Action = { type: 'UseGlobalContract', contractIdentifier: { type: 'AccountId', accountId: 'Lib.near' } };
  t.regex(refusal(n, sign(n, ALICE, ALICE, [useByAccount])), /^Failed to decode transaction: invalid value: "Lib\.near", /);
  const delegate = (senderId: string, actions: Action[]): Action => ({
    type: 'Delegate',
    signedDelegate: {
      delegateAction: { senderId, receiverId: BOB, actions: actions as DelegateAction['actions'], nonce: 1n, maxBlockHeight: 1000n, publicKey: KeyPair.fromSeed(ALICE).publicKey },
      signature: { keyType: 0, data: new Uint8Array(64) },
    },
  });
  t.regex(refusal(n, sign(n, ALICE, 'relayed.near', [delegate('-x', [badBeneficiary])])), /^Failed to decode transaction: invalid value: "-x", the Account ID has a redundant separator '-' at index 0$/);
  t.regex(refusal(n, sign(n, ALICE, 'relayed.near', [delegate(ALICE, [badBeneficiary])])), /invalid value: "Carol"/);
});

test('an invalid signer is refused before a decode fault later in the bytes (nearcore stops at the first)', (t) => {
  const n = node();
  const bytes = sign(n, 'Not.Valid', BOB, [transfer]);
  t.regex(refusal(n, bytes.subarray(0, bytes.length - 10)), /^Failed to decode transaction: invalid value: "Not\.Valid"/);
  const good = sign(n, ALICE, BOB, [transfer]);
  t.notRegex(refusal(n, good.subarray(0, good.length - 10)), /invalid value/);
});

/** A transaction holding one Delegate whose second inner action's tag byte is `tag`. */
function nestedDelegateBytes(n: Sandbox, tag: number): Uint8Array {
  const d: DelegateAction = { senderId: ALICE, receiverId: BOB, actions: [transfer, transfer] as DelegateAction['actions'], nonce: 1n, maxBlockHeight: 1000n, publicKey: KeyPair.fromSeed(ALICE).publicKey };
  const action: Action = { type: 'Delegate', signedDelegate: { delegateAction: d, signature: { keyType: 0, data: new Uint8Array(64) } } };
  const bytes = sign(n, ALICE, 'relayed.near', [action]);
  // after the transaction's head: action tag 8, two ids, the inner count, the first Transfer (tag + u128)
  const at = encodeTransaction({ signerId: ALICE, publicKey: KeyPair.fromSeed(ALICE).publicKey, nonce: 10n, receiverId: 'relayed.near', blockHash: new Uint8Array(32), actions: [] }).length
    + 1 + (4 + ALICE.length) + (4 + BOB.length) + 4 + 17;
  if (bytes[at] !== 3) throw new Error('the second inner Transfer is not where the test expects it');
  bytes[at] = tag;
  return bytes;
}

test('a Delegate inside a DelegateAction is refused with nearcore\'s text (core/primitives/src/action/delegate.rs NonDelegateAction: tags 8 and 14)', (t) => {
  const n = node(86);
  for (const tag of [8, 14]) {
    t.is(refusal(n, nestedDelegateBytes(n, tag)), "Failed to decode transaction: DelegateAction mustn't contain a nested one", `tag ${tag}`);
  }
});

test('at 77 a nested tag 8 is the nested-delegate refusal, a nested tag 14 an action 77 lacks (neard 2.6.2 has no DelegateV2)', (t) => {
  const n = node(77);
  t.is(refusal(n, nestedDelegateBytes(n, 8)), "Failed to decode transaction: DelegateAction mustn't contain a nested one");
  t.is(refusal(n, nestedDelegateBytes(n, 14)), 'Failed to decode transaction: Unexpected variant tag: 14 (Action::DelegateV2 exists from protocol 85; this node runs protocol 77)');
});

test('a refused transaction changes nothing: the same nonce then runs in a valid transaction', (t) => {
  const n = node();
  const before = { alice: n.viewAccount(ALICE), bob: BigInt(n.viewAccount(BOB).amount) };
  refusal(n, sign(n, 'Not.Valid', BOB, [transfer]));
  refusal(n, nestedDelegateBytes(n, 8));
  t.deepEqual(n.viewAccount(ALICE), before.alice);
  const result = n.sendTransaction(sign(n, ALICE, BOB, [{ type: 'Transfer', deposit: 5n }]));
  t.deepEqual(result.status, { SuccessValue: '' });
  t.is(BigInt(n.viewAccount(BOB).amount), before.bob + 5n);
});

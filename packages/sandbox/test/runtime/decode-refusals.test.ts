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
import { actionBorshLength, encodeTransaction, type Action, type DelegateAction } from '../../src/primitives/transaction.js';

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

/**
 * A transaction holding `before`, then one Delegate (from `senderId`) whose second inner action's tag byte is `tag`,
 * then `after`.
 */
function nestedDelegateBytes(n: Sandbox, tag: number, { before = [], after = [], senderId = ALICE }: { before?: Action[]; after?: Action[]; senderId?: string } = {}): Uint8Array {
  const d: DelegateAction = { senderId, receiverId: BOB, actions: [transfer, transfer] as DelegateAction['actions'], nonce: 1n, maxBlockHeight: 1000n, publicKey: KeyPair.fromSeed(ALICE).publicKey };
  const action: Action = { type: 'Delegate', signedDelegate: { delegateAction: d, signature: { keyType: 0, data: new Uint8Array(64) } } };
  const bytes = sign(n, ALICE, 'relayed.near', [...before, action, ...after]);
  // after the transaction's head and the actions before: action tag 8, two ids, the inner count, the first Transfer (tag + u128)
  const at = encodeTransaction({ signerId: ALICE, publicKey: KeyPair.fromSeed(ALICE).publicKey, nonce: 10n, receiverId: 'relayed.near', blockHash: new Uint8Array(32), actions: [] }).length
    + before.reduce((sum, a) => sum + actionBorshLength(a), 0) + 1 + (4 + senderId.length) + (4 + BOB.length) + 4 + 17;
  if (bytes[at] !== 3) throw new Error('the second inner Transfer is not where the test expects it');
  bytes[at] = tag;
  return bytes;
}

test('two decode faults in one transaction: the first in byte order is refused, as nearcore\'s borsh stops there (near-account-id src/borsh.rs @13d8bcab validates each id as it reads it; chain/jsonrpc-primitives src/utils.rs try_from_slice)', (t) => {
  const n = node(86);
  const carol = 'Failed to decode transaction: invalid value: "Carol", the Account ID contains an invalid character \'C\' at index 0';
  const lib = 'Failed to decode transaction: invalid value: "Lib.near", the Account ID contains an invalid character \'L\' at index 0';
  const nested = "Failed to decode transaction: DelegateAction mustn't contain a nested one";
  const badBeneficiary: Action = { type: 'DeleteAccount', beneficiaryId: 'Carol' };
  // a DeleteAccount beneficiary, then a Delegate nested in a DelegateAction: the beneficiary; swapped: the nested one
  t.is(refusal(n, nestedDelegateBytes(n, 8, { before: [badBeneficiary] })), carol);
  t.is(refusal(n, nestedDelegateBytes(n, 8, { after: [badBeneficiary] })), nested);
  // a Delegate's sender, then its nested Delegate
  t.is(refusal(n, nestedDelegateBytes(n, 14, { senderId: 'Dave.near' })), 'Failed to decode transaction: invalid value: "Dave.near", the Account ID contains an invalid character \'D\' at index 0');
  // a global contract by account id, then bytes cut short
  const useLib: Action = { type: 'UseGlobalContract', contractIdentifier: { type: 'AccountId', accountId: 'Lib.near' } };
  const cut = sign(n, ALICE, ALICE, [useLib, transfer]);
  t.is(refusal(n, cut.subarray(0, cut.length - 70)), lib);
  // a state init's code by account id, then its data cut short (the fault inside the same action)
  const init: Action = { type: 'DeterministicStateInit', stateInit: { code: { type: 'AccountId', accountId: 'Lib.near' }, data: [[new Uint8Array(40), new Uint8Array(40)]] }, deposit: 1n };
  const initBytes = sign(n, ALICE, ALICE, [init]);
  t.is(refusal(n, initBytes.subarray(0, initBytes.length - 65 - 16 - 20)), lib);
  // a beneficiary, then trailing bytes (borsh looks for them once the whole value decoded)
  t.is(refusal(n, Uint8Array.from([...sign(n, ALICE, BOB, [badBeneficiary]), 0])), carol);
  // a beneficiary, then a signature whose key type does not exist
  const badKeyType = sign(n, ALICE, BOB, [badBeneficiary]);
  badKeyType[badKeyType.length - 65] = 7;
  t.is(refusal(n, badKeyType), carol);
  // with the first fault gone each second fault is refused on its own
  t.is(refusal(n, nestedDelegateBytes(n, 8, { before: [transfer] })), nested);
  const cutValid = sign(n, ALICE, ALICE, [transfer, transfer]);
  t.notRegex(refusal(n, cutValid.subarray(0, cutValid.length - 70)), /invalid value/);
  t.regex(refusal(n, Uint8Array.from([...sign(n, ALICE, BOB, [transfer]), 0])), /Not all bytes read/);
});

test('at 77, an action or permission 77 lacks is refused before a later decode fault (neard 2.6.2\'s enums stop at its tag)', (t) => {
  const n = node(77);
  const gasKey: Action = { type: 'AddKey', publicKey: KeyPair.fromSeed('gas').publicKey, accessKey: { nonce: 0n, permission: { type: 'GasKeyFullAccess', balance: 1n, numNonces: 1 } } };
  t.is(refusal(n, nestedDelegateBytes(n, 8, { before: [gasKey] })), 'Failed to decode transaction: Unexpected variant tag: 3 (AccessKeyPermission::GasKeyFullAccess exists from protocol 85; this node runs protocol 77)');
  // the permission's own bytes cut short: its tag was read first
  const cut = sign(n, ALICE, ALICE, [gasKey]);
  t.is(refusal(n, cut.subarray(0, cut.length - 65 - 10)), 'Failed to decode transaction: Unexpected variant tag: 3 (AccessKeyPermission::GasKeyFullAccess exists from protocol 85; this node runs protocol 77)');
});

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

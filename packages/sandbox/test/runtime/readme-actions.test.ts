/**
 * packages/sandbox/README.md's table "Actions by protocol version" against src/primitives/action-versions.ts (the
 * table the decoder's version gate reads), the tags against the borsh encoder, and the gate itself: a transaction
 * carrying a variant the version lacks is refused as neard 2.6.2 refuses it at 77, a borsh parse error
 * "Unexpected variant tag: N" (nearcore core/primitives/src/action/mod.rs: 2.6.2's `Action` ends at
 * UseGlobalContract = 10; core/primitives-core/src/version.rs for the versions). A failure names the row to add
 * or fix.
 *
 * Table conventions the test reads: each name is in backticks followed by its borsh tag (`Transfer` 3); a name
 * with `::` names its enum (`AccessKeyPermission::FullAccess` 1), any other is an `Action`; text in parentheses
 * is comment; a version cell is `–` (does not decode) or anything else.
 */
import test from 'ava';
import { createSandbox, KeyPair, KeyType, ParseTransactionError } from '../../src/index.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../src/parameters/index.js';
import {
  ACCESS_KEY_PERMISSION_VARIANTS,
  ACTION_VARIANTS,
  actionVariant,
  variantExistsAt,
  type VersionedVariant,
} from '../../src/primitives/action-versions.js';
import { encodeAccessKey, encodeAction, type AccessKeyPermission, type Action, type NonDelegateAction } from '../../src/primitives/transaction.js';
import { readVersionTable } from '../readme-version-table.js';

const SECTION = '### Actions by protocol version';
const ALL_VARIANTS = [...ACTION_VARIANTS, ...ACCESS_KEY_PERMISSION_VARIANTS];
const keyOf = (v: VersionedVariant) => `${v.enumName}::${v.name}`;
const mark = (exists: boolean) => (exists ? '✓' : '–');

interface Row {
  line: number;
  text: string;
  entries: Array<{ key: string; tag: number }>;
  decodes: Map<number, boolean>;
}

function readTable(): { versions: number[]; rows: Row[] } {
  const { versions, rows } = readVersionTable(SECTION, '| actions (borsh tag) |');
  return {
    versions,
    rows: rows.map(({ line, first, exists }) => ({
      line,
      text: first,
      entries: [...first.replace(/\([^)]*\)/g, '').matchAll(/`([A-Za-z0-9]+(?:::[A-Za-z0-9]+)?)`\s*(\d+)/g)].map(([, name, tag]) => ({
        key: name!.includes('::') ? name! : `Action::${name}`,
        tag: Number(tag),
      })),
      decodes: exists,
    })),
  };
}

test('the README lists every action and permission variant with the versions that decode it (action-versions.ts)', (t) => {
  const { versions, rows } = readTable();
  const problems: string[] = [];
  for (const v of SUPPORTED_PROTOCOL_VERSIONS) {
    if (!versions.includes(v)) problems.push(`the table has no column for protocol ${v}: add one to its header and a mark to every row`);
  }
  const byKey = new Map(ALL_VARIANTS.map((v) => [keyOf(v), v]));
  const marks = (exists: (pv: number) => boolean) => versions.map((pv) => mark(exists(pv))).join(' | ');
  const listed = new Set<string>();
  for (const row of rows) {
    const where = `packages/sandbox/README.md:${row.line} (row "${row.text.slice(0, 60)}")`;
    if (row.entries.length === 0) problems.push(`${where} names no variant as \`Name\` tag`);
    for (const { key, tag } of row.entries) {
      const variant = byKey.get(key);
      if (!variant) {
        problems.push(`${where} names \`${key}\`, which src/primitives/action-versions.ts does not have: fix the name or add the variant there`);
        continue;
      }
      if (listed.has(key)) problems.push(`${where} names \`${key}\` again: keep one`);
      listed.add(key);
      if (tag !== variant.tag) problems.push(`${where} gives \`${key}\` the tag ${tag}; its borsh tag is ${variant.tag}`);
      const wrong = versions.filter((pv) => SUPPORTED_PROTOCOL_VERSIONS.includes(pv) && row.decodes.get(pv) !== variantExistsAt(variant, pv));
      if (wrong.length > 0) {
        problems.push(
          `${where} marks \`${key}\` ${marks((pv) => row.decodes.get(pv)!)} (protocols ${versions.join(', ')}), but it exists from protocol ${variant.since}: ` +
            `move it to a row marked | ${marks((pv) => variantExistsAt(variant, pv))} |`,
        );
      }
    }
  }
  for (const variant of ALL_VARIANTS) {
    if (listed.has(keyOf(variant))) continue;
    problems.push(
      `packages/sandbox/README.md, "${SECTION.replace(/^#+ /, '')}": no row names \`${keyOf(variant)}\`; add the row | \`${variant.enumName === 'Action' ? variant.name : keyOf(variant)}\` ${variant.tag} | ${marks((pv) => variantExistsAt(variant, pv))} |`,
    );
  }
  t.deepEqual(problems, [], problems.join('\n'));
});

// --- one example of each variant, to check the tags against the encoder and to send through the node ---

const key = KeyPair.fromSeed('readme-actions').publicKey;
const signature = { keyType: KeyType.ED25519, data: new Uint8Array(64) };
const delegate = (v2: boolean): Action => ({
  type: 'Delegate',
  signedDelegate: {
    delegateAction: {
      senderId: 'alice.test.near',
      receiverId: 'bob.test.near',
      actions: [{ type: 'Transfer', deposit: 1n }],
      nonce: 1n,
      maxBlockHeight: 1_000_000n,
      publicKey: key,
      ...(v2 ? { v2: { nonceIndex: null } } : {}),
    },
    signature,
  },
});
const ACTION_EXAMPLES: Record<string, Action> = {
  CreateAccount: { type: 'CreateAccount' },
  DeployContract: { type: 'DeployContract', code: new Uint8Array([0, 97, 115, 109]) },
  FunctionCall: { type: 'FunctionCall', methodName: 'm', args: new Uint8Array(), gas: 10n ** 12n, deposit: 0n },
  Transfer: { type: 'Transfer', deposit: 1n },
  Stake: { type: 'Stake', stake: 1n, publicKey: key },
  AddKey: { type: 'AddKey', publicKey: key, accessKey: { nonce: 0n, permission: { type: 'FullAccess' } } },
  DeleteKey: { type: 'DeleteKey', publicKey: key },
  DeleteAccount: { type: 'DeleteAccount', beneficiaryId: 'bob.test.near' },
  Delegate: delegate(false),
  DeployGlobalContract: { type: 'DeployGlobalContract', code: new Uint8Array([0, 97, 115, 109]), deployMode: 'CodeHash' },
  UseGlobalContract: { type: 'UseGlobalContract', contractIdentifier: { type: 'AccountId', accountId: 'bob.test.near' } },
  DeterministicStateInit: { type: 'DeterministicStateInit', stateInit: { code: { type: 'AccountId', accountId: 'bob.test.near' }, data: [] }, deposit: 0n },
  TransferToGasKey: { type: 'TransferToGasKey', publicKey: key, deposit: 1n },
  WithdrawFromGasKey: { type: 'WithdrawFromGasKey', publicKey: key, amount: 1n },
  DelegateV2: delegate(true),
};
const PERMISSION_EXAMPLES: Record<string, AccessKeyPermission> = {
  FunctionCall: { type: 'FunctionCall', allowance: null, receiverId: 'bob.test.near', methodNames: [] },
  FullAccess: { type: 'FullAccess' },
  GasKeyFunctionCall: { type: 'GasKeyFunctionCall', balance: 0n, numNonces: 1, allowance: null, receiverId: 'bob.test.near', methodNames: [] },
  GasKeyFullAccess: { type: 'GasKeyFullAccess', balance: 0n, numNonces: 1 },
};

/** The action that carries a variant: the action itself, or an AddKey with that permission. */
function carrier(variant: VersionedVariant): Action | undefined {
  if (variant.enumName === 'Action') return ACTION_EXAMPLES[variant.name];
  const permission = PERMISSION_EXAMPLES[variant.name];
  return permission && { type: 'AddKey', publicKey: key, accessKey: { nonce: 0n, permission } };
}

test('each variant in action-versions.ts has the borsh tag the encoder writes (transaction.ts)', (t) => {
  const problems: string[] = [];
  for (const variant of ALL_VARIANTS) {
    const action = carrier(variant);
    if (!action) {
      problems.push(`${keyOf(variant)}: no example in this test; add one to ${variant.enumName === 'Action' ? 'ACTION' : 'PERMISSION'}_EXAMPLES`);
      continue;
    }
    const written = variant.enumName === 'Action' ? encodeAction(action)[0] : encodeAccessKey((action as Extract<Action, { type: 'AddKey' }>).accessKey)[8];
    if (written !== variant.tag) problems.push(`${keyOf(variant)}: action-versions.ts says tag ${variant.tag}, the encoder writes ${written}`);
    if (variant.enumName === 'Action' && actionVariant(action) !== variant) problems.push(`${keyOf(variant)}: actionVariant() names ${keyOf(actionVariant(action))}`);
  }
  t.deepEqual(problems, [], problems.join('\n'));
});

const ALICE = 'alice.test.near';

function submitAt(protocolVersion: number, actions: Action[]): () => string {
  const node = createSandbox({ protocolVersion });
  node.createAccount(ALICE);
  node.createAccount('bob.test.near');
  const bytes = node.signTransaction(ALICE, 'bob.test.near', actions);
  return () => node.submitTransaction(bytes);
}

test('at 77 (neard 2.6.2) every variant the table says 77 lacks is a parse error naming its tag, alone and inside a Delegate; at 86 it decodes', (t) => {
  const missingAt77 = ALL_VARIANTS.filter((v) => !variantExistsAt(v, 77));
  t.deepEqual(missingAt77.map(keyOf), [
    'Action::DeterministicStateInit',
    'Action::TransferToGasKey',
    'Action::WithdrawFromGasKey',
    'Action::DelegateV2',
    'AccessKeyPermission::GasKeyFunctionCall',
    'AccessKeyPermission::GasKeyFullAccess',
  ]);
  for (const variant of missingAt77) {
    const action = carrier(variant)!;
    const refusal = { instanceOf: ParseTransactionError, message: new RegExp(`^Failed to decode transaction: Unexpected variant tag: ${variant.tag} \\(${keyOf(variant)} exists from protocol ${variant.since}; this node runs protocol 77\\)$`) };
    t.throws(submitAt(77, [action]), refusal, `${keyOf(variant)} at 77`);
    const parsesAt86 = () => {
      try {
        submitAt(86, [action])();
      } catch (e) {
        if (e instanceof ParseTransactionError) throw e;
      }
    };
    t.notThrows(parsesAt86, `${keyOf(variant)} decodes at 86`);
    if (action.type === 'Delegate') continue; // a DelegateAction never holds another Delegate (NonDelegateAction)
    const inner = delegate(false);
    if (inner.type !== 'Delegate') throw new Error('unreachable');
    inner.signedDelegate.delegateAction.actions = [{ type: 'Transfer', deposit: 1n }, action as NonDelegateAction];
    t.throws(submitAt(77, [{ type: 'Transfer', deposit: 1n }, inner]), refusal, `${keyOf(variant)} inside a Delegate at 77`);
  }
});

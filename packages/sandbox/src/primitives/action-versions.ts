/**
 * Which borsh variants of a transaction's actions exist at which protocol version: the one table the
 * decoder's version gate (decode-order.ts) and packages/sandbox/README.md's "Actions by protocol version"
 * (test/runtime/readme-actions.test.ts) read.
 *
 * Tags: nearcore core/primitives/src/action/mod.rs (`#[borsh(use_discriminant = true)] enum Action`) and
 * core/primitives-core/src/account.rs (`AccessKeyPermission`). First versions: core/primitives-core/src/version.rs
 * (`ProtocolFeature`): DelegateAction 59, GlobalContracts 77, DeterministicAccountIds 82, GasKeys and DelegateV2 85.
 * A node at an earlier version has no such variant in its enum: borsh refuses the bytes with
 * "Unexpected variant tag: N" (neard 2.6.2 at protocol 77 decodes actions 0–10 and permissions 0–1).
 */
import type { AccessKeyPermission, Action } from './transaction.js';

export interface VersionedVariant {
  /** `Action` for transaction/receipt actions, `AccessKeyPermission` for the permission inside AddKey. */
  readonly enumName: 'Action' | 'AccessKeyPermission';
  /** nearcore's variant name */
  readonly name: string;
  /** borsh variant index */
  readonly tag: number;
  /** first protocol version whose enum has it (0: from genesis) */
  readonly since: number;
  /** the ProtocolFeature that brought it */
  readonly feature?: string;
}

export const ACTION_VARIANTS: readonly VersionedVariant[] = [
  { enumName: 'Action', name: 'CreateAccount', tag: 0, since: 0 },
  { enumName: 'Action', name: 'DeployContract', tag: 1, since: 0 },
  { enumName: 'Action', name: 'FunctionCall', tag: 2, since: 0 },
  { enumName: 'Action', name: 'Transfer', tag: 3, since: 0 },
  { enumName: 'Action', name: 'Stake', tag: 4, since: 0 },
  { enumName: 'Action', name: 'AddKey', tag: 5, since: 0 },
  { enumName: 'Action', name: 'DeleteKey', tag: 6, since: 0 },
  { enumName: 'Action', name: 'DeleteAccount', tag: 7, since: 0 },
  { enumName: 'Action', name: 'Delegate', tag: 8, since: 59, feature: 'DelegateAction' },
  { enumName: 'Action', name: 'DeployGlobalContract', tag: 9, since: 77, feature: 'GlobalContracts' },
  { enumName: 'Action', name: 'UseGlobalContract', tag: 10, since: 77, feature: 'GlobalContracts' },
  { enumName: 'Action', name: 'DeterministicStateInit', tag: 11, since: 82, feature: 'DeterministicAccountIds' },
  { enumName: 'Action', name: 'TransferToGasKey', tag: 12, since: 85, feature: 'GasKeys' },
  { enumName: 'Action', name: 'WithdrawFromGasKey', tag: 13, since: 85, feature: 'GasKeys' },
  { enumName: 'Action', name: 'DelegateV2', tag: 14, since: 85, feature: 'DelegateV2' },
];

export const ACCESS_KEY_PERMISSION_VARIANTS: readonly VersionedVariant[] = [
  { enumName: 'AccessKeyPermission', name: 'FunctionCall', tag: 0, since: 0 },
  { enumName: 'AccessKeyPermission', name: 'FullAccess', tag: 1, since: 0 },
  { enumName: 'AccessKeyPermission', name: 'GasKeyFunctionCall', tag: 2, since: 85, feature: 'GasKeys' },
  { enumName: 'AccessKeyPermission', name: 'GasKeyFullAccess', tag: 3, since: 85, feature: 'GasKeys' },
];

const byName = (variants: readonly VersionedVariant[]) => new Map(variants.map((v) => [v.name, v]));
const ACTIONS = byName(ACTION_VARIANTS);
const PERMISSIONS = byName(ACCESS_KEY_PERMISSION_VARIANTS);

/** nearcore's variant of an action (a Delegate carrying a V2 payload is `DelegateV2`, tag 14). */
export function actionVariant(a: Action): VersionedVariant {
  const name = a.type === 'Delegate' && a.signedDelegate.delegateAction.v2 ? 'DelegateV2' : a.type;
  const variant = ACTIONS.get(name);
  if (!variant) throw new Error(`action ${name} has no row in ACTION_VARIANTS (src/primitives/action-versions.ts): add its borsh tag and first protocol version`);
  return variant;
}

export const variantExistsAt = (v: VersionedVariant, protocolVersion: number) => protocolVersion >= v.since;

/** nearcore's variant of an access-key permission. */
export const permissionVariant = (p: AccessKeyPermission): VersionedVariant => PERMISSIONS.get(p.type)!;

/**
 * What a node at `protocolVersion` says when its enum lacks the variant: borsh's "Unexpected variant tag: N",
 * with the variant and the version that brought it.
 */
export const variantRefusal = (v: VersionedVariant, protocolVersion: number): string =>
  `Unexpected variant tag: ${v.tag} (${v.enumName}::${v.name} exists from protocol ${v.since}; this node runs protocol ${protocolVersion})`;

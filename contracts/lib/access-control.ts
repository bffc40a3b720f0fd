import { near } from 'near-sdk-js';
import { panic } from './errors';

/**
 * AccessControl: named roles held by accounts. Each (role, account) pair is one storage record, so
 * checks cost one read and no collection is ever iterated. Granting and revoking is decided by the
 * contract (usually the owner).
 *
 * Rules (panic messages):
 * - `AccessControl: caller lacks role <role>`
 * - `AccessControl: account already has role <role>`
 * - `AccessControl: account does not have role <role>`
 */
function roleKey(role: string, accountId: string): string {
  return `__role:${role}:${accountId}`;
}

export function hasRole(role: string, accountId: string): boolean {
  return near.storageHasKey(roleKey(role, accountId));
}

export function assertRole(role: string): void {
  if (!hasRole(role, near.predecessorAccountId())) panic(`AccessControl: caller lacks role ${role}`);
}

export function grantRole(role: string, accountId: string): void {
  if (hasRole(role, accountId)) panic(`AccessControl: account already has role ${role}`);
  near.storageWrite(roleKey(role, accountId), '1');
}

export function revokeRole(role: string, accountId: string): void {
  if (!hasRole(role, accountId)) panic(`AccessControl: account does not have role ${role}`);
  near.storageRemove(roleKey(role, accountId));
}

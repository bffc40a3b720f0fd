/**
 * Commitment formats (lowercase hex sha256 of UTF-8 text).
 *
 * A tasker's commitment binds the item and the committer:
 *   sha256("<project_id>:<item_index>:<tasker account>:<result>:<salt>")
 * so a hash copied from another tasker (or from another item) can never be opened by the copier:
 * the contract recomputes it with the revealer's own account (issue 13, attack 2). Account ids
 * contain no ':' and the result is 64 hex characters, so the fields cannot run into each other;
 * the salt comes last and may contain anything.
 *
 * A gold seal is the vendor's own commitment to the expected answer, made before items have
 * claims: sha256("<expected>:<salt>"). Copying it gains nothing (only the vendor opens it).
 */
import { sha256Hex } from '../../lib/hash';

export function commitmentOf(projectId: number, itemIndex: number, tasker: string, result: string, salt: string): string {
  return sha256Hex(`${projectId}:${itemIndex}:${tasker}:${result}:${salt}`);
}

export function sealOf(expected: string, salt: string): string {
  return sha256Hex(`${expected}:${salt}`);
}

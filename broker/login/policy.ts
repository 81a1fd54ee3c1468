/**
 * The login policy gate (the full per-age policy comes with consent): the minimum ESIA account level
 * per role, deleted and child accounts. Each refusal has its own reason, and the pages say what to do.
 */
import type { Role } from '../../adapters/types.ts';
import type { AccountLevel } from '../esia/person.ts';

export type Refusal = 'level_too_low' | 'account_deleted' | 'child_account';

const ORDER: Record<AccountLevel, number> = { simplified: 0, standard: 1, confirmed: 2 };

export function meetsLevel(level: AccountLevel, minimum: AccountLevel): boolean {
  return ORDER[level] >= ORDER[minimum];
}

/** Why this ESIA person may not log in as `role`, or undefined when they may. */
export function checkLoginPolicy(
  person: { level: AccountLevel; child: boolean; deleted: boolean },
  role: Role,
  minLevel: Readonly<Record<Role, AccountLevel>>,
): Refusal | undefined {
  if (person.deleted) return 'account_deleted';
  if (person.child) return 'child_account';
  if (!meetsLevel(person.level, minLevel[role])) return 'level_too_low';
  return undefined;
}

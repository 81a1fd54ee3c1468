/**
 * Automatic linking at login: only where the policy allows it (default: a confirmed ESIA account), the
 * journal is asked for accounts of the chosen role with the person's SNILS and, where configured and
 * SNILS finds none, with the person's full name and birth date. SNILS identifies one person, so every
 * account it finds is this person's (a teacher at two schools: both link). A name and birth date may be
 * shared by two people, so only a unique match links; several never guess (the person links by hand).
 * The evidence says which fields matched, never their values.
 */
import type { JournalAccount, JournalAdapter, Role } from '../../adapters/types.ts';
import { normalizeSnils } from '../../adapters/normalize.ts';
import type { LoginPerson } from '../login/flow.ts';

export type AutoLinkOutcome =
  | { kind: 'match'; accounts: JournalAccount[]; evidence: string[] }
  | { kind: 'ambiguous'; evidence: string[] }
  | { kind: 'none' };

export async function findAutoLinkMatch(input: {
  adapter: JournalAdapter;
  role: Role;
  person: LoginPerson;
  /** The person's SNILS from ESIA, used for this lookup only and never kept. */
  snils?: string;
  matchByNameAndBirthDate: boolean;
}): Promise<AutoLinkOutcome> {
  const snils = normalizeSnils(input.snils);
  if (snils) {
    const found = (await input.adapter.findBySnils(snils, input.role)).filter((a) => a.role === input.role);
    if (found.length) return { kind: 'match', accounts: found, evidence: ['snils'] };
  }
  const { lastName, firstName, middleName, birthDate } = input.person;
  if (input.matchByNameAndBirthDate && lastName && firstName && birthDate) {
    const found = (await input.adapter.findByFullName({ lastName, firstName, middleName, birthDate, role: input.role })).filter(
      (a) => a.role === input.role,
    );
    if (found.length === 1) return { kind: 'match', accounts: found, evidence: ['full_name', 'birth_date'] };
    if (found.length > 1) return { kind: 'ambiguous', evidence: ['full_name', 'birth_date'] };
  }
  return { kind: 'none' };
}

/**
 * The account-type and age policy: for each role and age group, the minimum ESIA account level to log
 * in, to be linked automatically and to link by hand (`broker.policy`). The age is the person's ESIA
 * birth date counted in the region's time zone: a birthday begins at local midnight, and a person born
 * on 29 February comes of age on 1 March in common years. Each refusal has its own reason, and the
 * pages say what to do about it.
 */
import type { Role } from '../../adapters/types.ts';
import type { AgeGroup, Policy, PolicyLevel } from '../../config/broker.ts';
import { calendarDateIn, fullYears, type CalendarDate } from '../../fixtures/personas.ts';
import type { AccountLevel } from '../esia/person.ts';

export type Refusal = 'level_too_low' | 'account_deleted' | 'child_account' | 'too_young' | 'birth_date_unknown';

const ORDER: Record<AccountLevel, number> = { simplified: 0, standard: 1, confirmed: 2 };

export function meetsLevel(level: AccountLevel, minimum: AccountLevel): boolean {
  return ORDER[level] >= ORDER[minimum];
}

/** Whether a policy cell allows this level (`none` allows nobody). */
export function allows(level: AccountLevel, minimum: PolicyLevel): boolean {
  return minimum !== 'none' && meetsLevel(level, minimum);
}

/** An ISO date (`yyyy-MM-dd`) as a calendar date. */
export function isoDate(iso: string): CalendarDate {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

/** Full years on `now` in `timeZone` for an ISO birth date (`yyyy-MM-dd`). */
export function ageOn(birthDate: string, now: Date, timeZone: string): number {
  return fullYears(isoDate(birthDate), calendarDateIn(now, timeZone));
}

export function ageGroupOfAge(years: number): AgeGroup {
  return years < 14 ? 'under_14' : years < 18 ? '14_17' : 'adult';
}

/** The age group on `now` in the region's zone, or undefined when the birth date is unknown. */
export function ageGroupOf(birthDate: string | undefined, now: Date, timeZone: string): AgeGroup | undefined {
  return birthDate ? ageGroupOfAge(ageOn(birthDate, now, timeZone)) : undefined;
}

/**
 * The policy cell for a role and age group. An unknown age is read as adult for parents and staff; a
 * pupil's age decides too much (consent, the under-14 rule) to guess, so the caller refuses it.
 */
export function ruleFor(policy: Policy, role: Role, group: AgeGroup | undefined): Policy['pupil']['adult'] {
  return policy[role][group ?? 'adult'];
}

export interface LoginPolicyPerson {
  level: AccountLevel;
  child: boolean;
  deleted: boolean;
}

/** Why this ESIA person may not log in as `role`, or undefined when they may. */
export function checkLoginPolicy(person: LoginPolicyPerson, role: Role, policy: Policy, group: AgeGroup | undefined): Refusal | undefined {
  if (person.deleted) return 'account_deleted';
  if (person.child) return role === 'pupil' && policy.childAccounts ? undefined : 'child_account';
  if (role === 'pupil' && group === undefined) return 'birth_date_unknown';
  const rule = ruleFor(policy, role, group);
  if (rule.login === 'none') return 'too_young';
  if (!meetsLevel(person.level, rule.login)) return 'level_too_low';
  return undefined;
}

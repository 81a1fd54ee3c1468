/**
 * What the broker's tokens say, and behind which scope. For a client bound to a journal `sub` is that
 * journal's own account id; for unbound clients it is a pairwise opaque id. The account's snapshot is
 * written at login and read back when tokens and userinfo are made.
 */
import type { Account, AccountClaims } from 'oidc-provider';
import type { Role } from '../../adapters/types.ts';
import type { AgeGroup } from '../../config/broker.ts';
import { fullYears } from '../../fixtures/personas.ts';
import { ageGroupOfAge, isoDate } from '../login/policy.ts';

/** Scopes the broker offers and the claims each releases. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'family_name', 'given_name', 'middle_name'],
  role: ['role'],
  institution: ['institution'],
  age_group: ['age_group', 'consent_status'],
} as const;

export const SCOPES = [...Object.keys(SCOPE_CLAIMS), 'offline_access'];

/** `acr` values: the ESIA level of the login, or a school password. */
export const ACR_VALUES = ['simplified', 'standard', 'confirmed', 'school-password'] as const;
export type Acr = (typeof ACR_VALUES)[number];

/** What the broker remembers about a logged-in journal account (no SNILS, no documents). */
export interface AccountSnapshot {
  readonly journalId: string;
  readonly accountId: string;
  readonly role: Role;
  readonly institution: { readonly id: string; readonly name: string };
  readonly fullName: { readonly lastName: string; readonly firstName: string; readonly middleName?: string };
  /** ISO `yyyy-MM-dd`, where known (ESIA's, else the journal's). */
  readonly birthDate?: string;
  /** A pupil aged 14–17 logged in with their own ESIA account after a parent consented. */
  readonly consent?: 'granted';
}

/** The age group on `today` (ISO date in the region's zone) for a birth date. */
export function ageGroup(birthDate: string | undefined, today: string): AgeGroup | undefined {
  return birthDate ? ageGroupOfAge(fullYears(isoDate(birthDate), isoDate(today))) : undefined;
}

/**
 * The account `findAccount` gives oidc-provider: its claims are the snapshot's, as of `today()` when
 * asked. A class, so that `claims` is one function for every login rather than a closure made for
 * each (see core/deadline.ts for why that matters).
 */
export class SnapshotAccount implements Account {
  /** oidc-provider's `Account` allows any other property. */
  [property: string]: unknown;

  constructor(
    readonly accountId: string,
    private readonly snapshot: AccountSnapshot,
    private readonly today: () => string,
  ) {}

  async claims(): Promise<AccountClaims> {
    return { sub: this.accountId, ...claimsOf(this.snapshot, this.today()) };
  }
}

/** The claims of a snapshot (oidc-provider filters them by the granted scopes). */
export function claimsOf(snapshot: AccountSnapshot, today: string): Record<string, unknown> {
  const { lastName, firstName, middleName } = snapshot.fullName;
  return {
    name: [lastName, firstName, middleName].filter(Boolean).join(' '),
    family_name: lastName,
    given_name: firstName,
    middle_name: middleName,
    role: snapshot.role,
    institution: { id: snapshot.institution.id, name: snapshot.institution.name },
    age_group: ageGroup(snapshot.birthDate, today),
    ...(snapshot.consent ? { consent_status: snapshot.consent } : {}),
  };
}

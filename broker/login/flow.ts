/**
 * The login's domain steps, free of Koa and oidc-provider: read the ESIA person, apply the policy gate,
 * and find the journal accounts linked to that person for the role.
 */
import { AdapterError } from '../../adapters/errors.ts';
import type { JournalAccount, JournalAdapter, Role } from '../../adapters/types.ts';
import { ruDateToIso } from '../../adapters/normalize.ts';
import type { EsiaClient, EsiaTokenSet } from '../esia/client.ts';
import { deriveAccountLevel, type AccountLevel, type EsiaKid } from '../esia/person.ts';
import type { LinkStore } from '../links/store.ts';
import type { KidFacts } from '../consent/service.ts';
import type { AgeGroup, Policy } from '../../config/broker.ts';
import { checkLoginPolicy, type Refusal } from './policy.ts';

/** The ESIA person as the login keeps it (no SNILS, no documents). */
export interface LoginPerson {
  readonly oid: string;
  readonly level: AccountLevel;
  readonly child: boolean;
  readonly deleted: boolean;
  readonly lastName?: string;
  readonly firstName?: string;
  readonly middleName?: string;
  /** ISO `yyyy-MM-dd`. */
  readonly birthDate?: string;
  /** How the person authenticated at ESIA (`PWD`, `DS`). */
  readonly amr: readonly string[];
}

/**
 * A child as ESIA lists them, as the consent step needs them. Module-level functions rather than
 * callbacks written in place: a callback made per login loses its optimized code at every full
 * collection (see core/deadline.ts).
 */
function kidFacts(k: EsiaKid): KidFacts {
  return {
    lastName: k.lastName,
    firstName: k.firstName,
    middleName: k.middleName,
    birthDate: k.birthDate ? ruDateToIso(k.birthDate) : undefined,
    snils: k.snils,
  };
}

const lowerCase = (text: string) => text.toLowerCase();

/** The person as the login keeps it, and their SNILS and children (where the scopes allow) for this request only (never stored). */
export async function readPerson(esia: EsiaClient, tokens: EsiaTokenSet): Promise<{ person: LoginPerson; snils?: string; kids: KidFacts[] }> {
  const person = await esia.fetchPerson(tokens);
  const { level, child } = deriveAccountLevel({ idToken: tokens.id, person });
  const kids = person.kids.map(kidFacts);
  return { snils: person.snils, kids, person: {
    oid: String(tokens.access.oid),
    level,
    child,
    deleted: person.deleted,
    lastName: person.lastName,
    firstName: person.firstName,
    middleName: person.middleName,
    birthDate: person.birthDate ? ruDateToIso(person.birthDate) : undefined,
    amr: tokens.id?.amr.map(lowerCase) ?? ['pwd'],
  } };
}

export type AccountsOutcome =
  | { kind: 'refused'; reason: Refusal }
  | { kind: 'none' }
  | { kind: 'accounts'; accounts: JournalAccount[] };

/**
 * The journal accounts linked to the ESIA person `oid` for `role`: the person's links in the client's
 * journal (or in every journal for an unbound client), each read from its journal's adapter. Adapter
 * failures reject with AdapterError. It needs only the oid, so a login starts it while it still reads
 * the person.
 */
export async function accountsOfLinks(input: {
  oid: string;
  role: Role;
  journalId?: string;
  links: LinkStore;
  adapters: ReadonlyMap<string, JournalAdapter>;
}): Promise<JournalAccount[]> {
  const links = await input.links.linksOf(input.oid, { journalId: input.journalId, role: input.role });
  const accounts: JournalAccount[] = [];
  for (const link of links) {
    const adapter = input.adapters.get(link.journalId);
    if (!adapter) continue;
    const account = await adapter.getAccount(link.accountId);
    if (account && account.role === input.role) accounts.push(account);
  }
  return accounts;
}

/**
 * The accounts this person may log in to as `role` (see `accountsOfLinks`), unless the policy refuses
 * the person: then the accounts are not waited for. `accounts` is a reading already begun for this
 * person and role. Adapter failures propagate as AdapterError (the caller shows "the journal is not
 * answering").
 */
export async function linkedAccounts(input: {
  person: LoginPerson;
  role: Role;
  journalId?: string;
  links: LinkStore;
  adapters: ReadonlyMap<string, JournalAdapter>;
  policy: Policy;
  ageGroup: AgeGroup | undefined;
  accounts?: Promise<JournalAccount[]>;
}): Promise<AccountsOutcome> {
  const refusal = checkLoginPolicy(input.person, input.role, input.policy, input.ageGroup);
  if (refusal) return { kind: 'refused', reason: refusal };
  const accounts = await (input.accounts ?? accountsOfLinks({ ...input, oid: input.person.oid }));
  return accounts.length ? { kind: 'accounts', accounts } : { kind: 'none' };
}

export function isAdapterError(err: unknown): err is AdapterError {
  return err instanceof AdapterError;
}

/**
 * The mock journal's own records, built from the journal seed: accounts in the contract's JSON form,
 * school logins with hashed passwords, parent–child relations and the ESIA links the broker writes
 * back. Lookups apply the shared matching rules (`adapters/normalize.ts`), as the contract asks.
 */
import type { JournalSeed, SeedAccount } from '../fixtures/journal-seed.ts';
import { normalizeSnils, sameFullName } from '../adapters/normalize.ts';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from './passwords.ts';

export type Role = SeedAccount['role'];

/** An account as the contract's JSON has it. */
export interface AccountJson {
  readonly accountId: string;
  readonly role: Role;
  readonly institution: { readonly id: string; readonly name: string };
  readonly lastName: string;
  readonly firstName: string;
  readonly middleName?: string;
  readonly birthDate?: string;
  readonly snils?: string;
  readonly className?: string;
  readonly position?: string;
}

/** An ESIA link the broker wrote back. */
export interface RecordedLink {
  readonly accountId: string;
  readonly esiaOid: string;
  readonly method: string;
  /** When the broker made the link (as it said). */
  readonly at: string;
  /** When the journal recorded it. */
  readonly recordedAt: string;
}

/** A seed account without its password (the store keeps only the hash). */
export type AccountRecord = Omit<SeedAccount, 'password'>;

export class JournalStore {
  readonly journalId: string;
  readonly journalName: string;
  readonly institutions: JournalSeed['institutions'];
  readonly links = new Map<string, RecordedLink>();
  private readonly byId = new Map<string, { seed: AccountRecord; json: AccountJson }>();
  private readonly logins = new Map<string, { accountId: string; passwordHash: string }>();
  /** Compared against for unknown logins, so they take as long as wrong passwords. */
  private readonly decoyHash: string;

  constructor(seed: JournalSeed, scryptCost = DEFAULT_SCRYPT_COST) {
    this.journalId = seed.journalId;
    this.journalName = seed.journalName;
    this.institutions = seed.institutions;
    for (const { password, ...record } of seed.accounts) {
      this.byId.set(record.accountId, { seed: record, json: toJson(record) });
      this.logins.set(loginKey(record.login), { accountId: record.accountId, passwordHash: hashPassword(password, scryptCost) });
    }
    this.decoyHash = hashPassword('decoy', scryptCost);
  }

  /** Every account. */
  accounts(): AccountJson[] {
    return [...this.byId.values()].map((e) => e.json);
  }

  get(accountId: string): AccountJson | undefined {
    return this.byId.get(accountId)?.json;
  }

  /** The seed record behind an account (pages show names from it). */
  record(accountId: string): AccountRecord | undefined {
    return this.byId.get(accountId)?.seed;
  }

  findBySnils(digits: string, role: Role): AccountJson[] {
    const wanted = normalizeSnils(digits);
    if (!wanted) return [];
    return this.select((a) => a.role === role && a.snils !== undefined && normalizeSnils(a.snils) === wanted);
  }

  findByFullName(query: { lastName: string; firstName: string; middleName?: string; birthDate: string; role: Role }): AccountJson[] {
    return this.select((a) => a.role === query.role && a.birthDate === query.birthDate && sameFullName(a, query));
  }

  parentsOf(accountId: string): AccountJson[] | undefined {
    const entry = this.byId.get(accountId);
    return entry && entry.seed.parents.map((id) => this.get(id)).filter((a): a is AccountJson => a !== undefined);
  }

  childrenOf(accountId: string): AccountJson[] | undefined {
    const entry = this.byId.get(accountId);
    return entry && entry.seed.children.map((id) => this.get(id)).filter((a): a is AccountJson => a !== undefined);
  }

  /** The account for a right login and password; undefined for every kind of failure. */
  async checkPassword(login: string, password: string): Promise<AccountJson | undefined> {
    const entry = this.logins.get(loginKey(login));
    const ok = await verifyPassword(password, entry?.passwordHash ?? this.decoyHash);
    return ok && entry ? this.get(entry.accountId) : undefined;
  }

  private select(matches: (a: AccountRecord) => boolean): AccountJson[] {
    return [...this.byId.values()].filter((e) => matches(e.seed)).map((e) => e.json);
  }
}

/** Logins are compared trimmed and case-insensitively. */
function loginKey(login: string): string {
  return login.trim().toLowerCase();
}

function toJson(a: AccountRecord): AccountJson {
  return {
    accountId: a.accountId,
    role: a.role,
    institution: { id: a.institutionId, name: a.institutionName },
    lastName: a.lastName,
    firstName: a.firstName,
    ...(a.middleName ? { middleName: a.middleName } : {}),
    birthDate: a.birthDate,
    ...(a.snils ? { snils: a.snils } : {}),
    ...(a.className ? { className: a.className } : {}),
    ...(a.position ? { position: a.position } : {}),
  };
}

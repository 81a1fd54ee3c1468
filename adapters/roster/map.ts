/**
 * Roster rows → journal accounts. CSV records and JSON entries both become `RawRow`s (text as written
 * and the line it comes from); a `RosterBuilder` checks each one as it arrives and, at the end, the
 * relations between them. Problems name the line and the rule, never the value: they end up in logs
 * and error messages.
 */
import { normalizeName, normalizeSnils, ruDateToIso, isIsoDate } from '../normalize.ts';
import type { JournalAccount, Role } from '../types.ts';

/** A fault in the file: where and what (no personal data). */
export interface Problem {
  readonly line: number;
  /** Where in the line, when a line may hold several entries (a minified JSON file): `accounts[3]`. */
  readonly at?: string;
  readonly reason: string;
}

/** One account as the file writes it, before any check. */
export interface RawRow {
  readonly line: number;
  /** The entry's place in a JSON file, `accounts[3]`. */
  readonly at?: string;
  readonly accountId: string;
  readonly role: string;
  readonly institution: string;
  readonly lastName: string;
  readonly firstName: string;
  readonly middleName: string;
  readonly birthDate: string;
  readonly snils: string;
  readonly className: string;
  readonly position: string;
  /** A pupil's parents, by account id. */
  readonly parents: readonly string[];
}

/** Role words, Russian and English (compared after `normalizeName`). */
const ROLE_WORDS: Record<string, Role> = {
  родитель: 'parent',
  'законный представитель': 'parent',
  ученик: 'pupil',
  учащийся: 'pupil',
  обучающийся: 'pupil',
  сотрудник: 'staff',
  parent: 'parent',
  pupil: 'pupil',
  student: 'pupil',
  staff: 'staff',
};

/** `dd.MM.yyyy` (day and month may have one digit) or `yyyy-MM-dd` → ISO, else undefined. */
export function parseRosterDate(text: string): string | undefined {
  if (isIsoDate(text)) return text;
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  return m ? ruDateToIso(`${m[1]!.padStart(2, '0')}.${m[2]!.padStart(2, '0')}.${m[3]}`) : undefined;
}

export interface MappedRoster {
  readonly accounts: JournalAccount[];
  /** Account id → its index in `accounts`. */
  readonly indexById: Map<string, number>;
  /** Relations, as the pupils' rows list them: the indexes (in `accounts`) of each pupil's parents. */
  readonly relations: readonly Relation[];
  readonly problems: Problem[];
  /** Lines whose SNILS was dropped for a bad check digit or shape (the account stays). */
  readonly droppedSnilsLines: number[];
}

/** A pupil's parents, by index in `accounts`. */
export interface Relation {
  readonly pupil: number;
  readonly parents: readonly number[];
}

type InstitutionRef = { readonly id: string; readonly name: string };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Checks rows and maps them to accounts. Refusing problems: a missing required field, an unknown role
 * or school, a bad or (for a pupil) missing birth date, a repeated id, parents on a row that is not a
 * pupil's, a parent id that is not a parent account in the file.
 */
export class RosterBuilder {
  private readonly problems: Problem[] = [];
  private readonly droppedSnilsLines: number[] = [];
  private readonly accounts: JournalAccount[] = [];
  /** Pupils with parents listed: account index and the ids as written. */
  private readonly listed: { index: number; at?: string; parentIds: readonly string[] }[] = [];
  /** Each valid account's line, by its index in `accounts`. */
  private readonly lines: number[] = [];
  /** Id → index in `accounts`, or minus the line of a faulty row. */
  private readonly indexById = new Map<string, number>();
  private readonly roleOf = memoize((text: string) => ROLE_WORDS[normalizeName(text)]);
  private readonly dateOf = memoize(parseRosterDate);
  private rows = 0;

  /** `institutions`: id → the object every account of that school shares. */
  constructor(
    private readonly journalId: string,
    private readonly institutions: ReadonlyMap<string, InstitutionRef>,
  ) {}

  /** A problem found before mapping (CSV shape, JSON schema). */
  addProblem(problem: Problem): void {
    this.problems.push(problem);
  }

  add(row: RawRow): void {
    this.rows++;
    const { line, at, parents } = row;
    const before = this.problems.length;
    const fail = (reason: string) => void this.problems.push(at ? { line, at, reason } : { line, reason });
    const accountId = row.accountId.trim();
    const lastName = clean(row.lastName);
    const firstName = clean(row.firstName);
    const institutionId = row.institution.trim();
    const institution = this.institutions.get(institutionId);
    const roleText = row.role.trim();
    const role = roleText ? this.roleOf(roleText) : undefined;
    const birthText = row.birthDate.trim();
    const birthDate = birthText ? this.dateOf(birthText) : undefined;

    const seen = accountId ? this.indexById.get(accountId) : undefined;
    if (!accountId) fail('missing id');
    else if (seen !== undefined) fail(`repeated id (first on line ${seen < 0 ? -seen : this.lines[seen]})`);
    if (!roleText) fail('missing role');
    else if (!role) fail('unknown role');
    if (!institutionId) fail('missing school');
    else if (!institution) fail('unknown school (its id is not in `institutions`)');
    if (!lastName) fail('missing last name');
    if (!firstName) fail('missing first name');
    if (birthText && !birthDate) fail('invalid birth date');
    if (!birthText && role === 'pupil') fail('missing birth date (required for pupils)');
    if (parents.length > 0 && role && role !== 'pupil') fail('only pupils list parents');
    if (this.problems.length > before || !role || !institution) {
      if (accountId && seen === undefined) this.indexById.set(accountId, -line);
      return;
    }

    const snilsText = row.snils.trim();
    const snils = snilsText ? normalizeSnils(snilsText) : undefined;
    if (snilsText && !snils) this.droppedSnilsLines.push(line);
    const middleName = clean(row.middleName);
    const className = clean(row.className);
    const position = clean(row.position);
    const fullName: Mutable<JournalAccount['fullName']> = { lastName, firstName };
    if (middleName) fullName.middleName = middleName;
    const account: Mutable<JournalAccount> = { journalId: this.journalId, accountId, role, institution, fullName };
    if (birthDate) account.birthDate = birthDate;
    if (snils) account.snils = snils;
    if (className) account.className = className;
    if (position) account.position = position;
    this.indexById.set(accountId, this.accounts.length);
    this.accounts.push(account);
    this.lines.push(line);
    if (parents.length > 0) this.listed.push({ index: this.accounts.length - 1, at, parentIds: parents });
  }

  /** Checks the relations and returns the accounts, or every problem found. */
  finish(): MappedRoster {
    const problems = this.problems;
    const relations: Relation[] = [];
    for (const { index: pupil, at, parentIds } of this.listed) {
      const line = this.lines[pupil]!;
      const fail = (reason: string) => void problems.push(at ? { line, at, reason } : { line, reason });
      const parents: number[] = [];
      for (const parentId of parentIds) {
        const index = this.indexById.get(parentId);
        if (index === undefined || index < 0) {
          fail(index === undefined ? 'a listed parent id is not in the file' : 'a listed parent has a faulty row');
        } else if (this.accounts[index]!.role !== 'parent') {
          fail('a listed parent id is not a parent account');
        } else if (!parents.includes(index)) {
          parents.push(index);
        }
      }
      relations.push({ pupil, parents });
    }
    if (this.rows === 0 && problems.length === 0) problems.push({ line: 1, reason: 'no accounts' });
    problems.sort((a, b) => a.line - b.line);
    return { accounts: this.accounts, indexById: this.indexById, relations, problems, droppedSnilsLines: this.droppedSnilsLines };
  }
}

/** Trims and collapses white space (names keep their case and letters as written). */
function clean(text: string): string {
  const trimmed = text.trim();
  return /\s\s|[^\S ]/.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

/** Caches a function of a string: roles and birth dates repeat across thousands of rows. */
function memoize<T>(fn: (text: string) => T): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    if (cache.has(text)) return cache.get(text) as T;
    const value = fn(text);
    cache.set(text, value);
    return value;
  };
}

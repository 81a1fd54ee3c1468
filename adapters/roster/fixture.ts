/**
 * The roster fixture: the personas' journal side (`fixtures/journal-seed.ts`) written the way a school's
 * export looks — Russian headers and roles, `dd.MM.yyyy` dates, SNILS as `NNN-NNN-NNN NN`, a UTF-8 BOM
 * (or Windows-1251), CRLF line ends, and names as people type them: `е` for `ё` and one account's name
 * in capitals. The adapter must still match them by the rules of `normalize.ts`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatSnils } from '../normalize.ts';
import type { JournalSeed, SeedAccount } from '../../fixtures/journal-seed.ts';
import type { RosterAdapterConfig } from './config.ts';

export interface RosterFixtureOptions {
  /** CSV only; default `utf8` (with a BOM, as Excel's "CSV UTF-8" writes). */
  readonly encoding?: 'utf8' | 'windows-1251';
  /** CSV only; default `;`. */
  readonly delimiter?: ';' | ',';
  /**
   * Write `е` for `ё` in names, as many schools type them (default true). The conformance suite turns
   * it off: it checks the one seed name with `ё` (s-2001, «Пётр») field by field.
   */
  readonly yoAsE?: boolean;
  /** File name inside `dir`; default `roster.csv` / `roster.json`. */
  readonly fileName?: string;
}

/** The account whose name the fixture writes in capitals (its lookups compare ids only). */
export const UPPER_CASE_ACCOUNT = 'p-1007';

const CSV_HEADER = ['Идентификатор', 'Роль', 'Школа', 'Фамилия', 'Имя', 'Отчество', 'Дата рождения', 'СНИЛС', 'Класс', 'Должность', 'Родители'];
const ROLE_WORDS = { parent: 'родитель', pupil: 'ученик', staff: 'сотрудник' } as const;

/**
 * Writes `seed` as a school's roster export into `dir` (created if needed). Returns the file's path and
 * an adapter config for it (institutions included for CSV, whose rows name schools by id only).
 */
export async function writeRosterFixture(
  dir: string,
  seed: JournalSeed,
  format: 'csv' | 'json',
  options: RosterFixtureOptions = {},
): Promise<{ path: string; config: RosterAdapterConfig }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, options.fileName ?? `roster.${format}`);
  const institutions = seed.institutions.map(({ id, name, municipality }) => ({ id, name, municipality }));
  const bytes = format === 'csv' ? encodeCsv(seed, options) : Buffer.from(renderJson(seed, options), 'utf8');
  await writeFile(path, bytes);
  return {
    path,
    config: {
      path,
      format,
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      ...(format === 'csv' ? { institutions } : {}),
      reload: { watch: false, pollIntervalMs: 0 },
    },
  };
}

/** How a school would type this account's name. */
function writtenName(account: SeedAccount, options: RosterFixtureOptions): [string, string, string] {
  let parts: [string, string, string] = [account.lastName, account.firstName, account.middleName ?? ''];
  if (options.yoAsE ?? true) parts = parts.map((p) => p.replace(/ё/g, 'е').replace(/Ё/g, 'Е')) as [string, string, string];
  if (account.accountId === UPPER_CASE_ACCOUNT) parts = parts.map((p) => p.toLocaleUpperCase('ru-RU')) as [string, string, string];
  return parts;
}

const ruDate = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

/** The CSV text: header and one row per account, CRLF line ends, RFC 4180 quoting where needed. */
export function renderCsv(seed: JournalSeed, options: RosterFixtureOptions = {}): string {
  const delimiter = options.delimiter ?? ';';
  const quote = (field: string) =>
    field.includes(delimiter) || /["\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
  const lines = [CSV_HEADER.join(delimiter)];
  for (const a of seed.accounts) {
    const [lastName, firstName, middleName] = writtenName(a, options);
    const row = [
      a.accountId,
      ROLE_WORDS[a.role],
      a.institutionId,
      lastName,
      firstName,
      middleName,
      ruDate(a.birthDate),
      a.snils ? formatSnils(a.snils) : '',
      a.className ?? '',
      a.position ?? '',
      a.parents.join(','),
    ];
    lines.push(row.map(quote).join(delimiter));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function encodeCsv(seed: JournalSeed, options: RosterFixtureOptions): Uint8Array {
  const text = renderCsv(seed, options);
  if (options.encoding === 'windows-1251') return encodeWindows1251(text);
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
}

/** The JSON roster: institutions with names, accounts with ISO dates and written-out SNILS. */
export function renderJson(seed: JournalSeed, options: RosterFixtureOptions = {}): string {
  const accounts = seed.accounts.map((a) => {
    const [lastName, firstName, middleName] = writtenName(a, options);
    return {
      accountId: a.accountId,
      role: a.role,
      institution: a.institutionId,
      lastName,
      firstName,
      ...(middleName ? { middleName } : {}),
      birthDate: a.birthDate,
      ...(a.snils ? { snils: formatSnils(a.snils) } : {}),
      ...(a.className ? { class: a.className } : {}),
      ...(a.position ? { position: a.position } : {}),
      ...(a.parents.length > 0 ? { parents: a.parents } : {}),
    };
  });
  return `${JSON.stringify({ institutions: seed.institutions, accounts }, null, 2)}\n`;
}

/** Windows-1251 bytes for the characters outside ASCII and `А`–`я` that Russian text uses. */
const CP1251_EXTRA: Record<string, number> = {
  Ё: 0xa8,
  ё: 0xb8,
  '№': 0xb9,
  '«': 0xab,
  '»': 0xbb,
  '–': 0x96,
  '—': 0x97,
  '„': 0x84,
  '“': 0x93,
  '”': 0x94,
  '\u00a0': 0xa0,
};

/** Encodes text as Windows-1251 (ASCII, Cyrillic and common punctuation); throws on anything else. */
export function encodeWindows1251(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) {
    const ch = text[k]!;
    const code = ch.charCodeAt(0);
    if (code < 0x80) out[k] = code;
    else if (code >= 0x0410 && code <= 0x044f) out[k] = code - 0x0410 + 0xc0;
    else if (CP1251_EXTRA[ch] !== undefined) out[k] = CP1251_EXTRA[ch];
    else throw new Error(`cannot encode U+${code.toString(16).toUpperCase().padStart(4, '0')} in Windows-1251`);
  }
  return out;
}

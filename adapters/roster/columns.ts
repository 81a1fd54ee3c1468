/**
 * The CSV roster's columns: headers in Russian as schools export them, or in English, in any order and
 * any letter case; other columns are ignored. Turns each record into a `RawRow` for `map.ts`.
 */
import { normalizeName } from '../normalize.ts';
import type { Problem, RawRow } from './map.ts';

type Column = Exclude<keyof RawRow, 'line' | 'at'>;

/** Header (compared after `normalizeName`) → column. */
const HEADERS: Record<string, Column> = {
  идентификатор: 'accountId',
  accountid: 'accountId',
  роль: 'role',
  role: 'role',
  школа: 'institution',
  institution: 'institution',
  фамилия: 'lastName',
  lastname: 'lastName',
  имя: 'firstName',
  firstname: 'firstName',
  отчество: 'middleName',
  middlename: 'middleName',
  'дата рождения': 'birthDate',
  birthdate: 'birthDate',
  снилс: 'snils',
  snils: 'snils',
  класс: 'className',
  class: 'className',
  должность: 'position',
  position: 'position',
  родители: 'parents',
  parents: 'parents',
};

/** How problems name a missing column. */
const REQUIRED: Partial<Record<Column, string>> = {
  accountId: 'id (Идентификатор / accountId)',
  role: 'role (Роль / role)',
  institution: 'school (Школа / institution)',
  lastName: 'last name (Фамилия / lastName)',
  firstName: 'first name (Имя / firstName)',
};

/** Turns a record into a row; undefined for a blank record. */
export type CsvRowReader = (fields: readonly string[], line: number) => RawRow | Problem | undefined;

/** Reads the header record: a row reader, or the problems with the header. */
export function readCsvHeader(fields: readonly string[], line: number): { read: CsvRowReader } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const index: Record<Column, number> = {
    accountId: -1, role: -1, institution: -1, lastName: -1, firstName: -1, middleName: -1,
    birthDate: -1, snils: -1, className: -1, position: -1, parents: -1,
  };
  fields.forEach((name, i) => {
    const column = HEADERS[normalizeName(name)];
    if (!column) return;
    if (index[column] >= 0) problems.push({ line, reason: `column ${i + 1} repeats a header` });
    else index[column] = i;
  });
  for (const [column, label] of Object.entries(REQUIRED)) {
    if (index[column as Column] < 0) problems.push({ line, reason: `no ${label} column` });
  }
  if (problems.length > 0) return { problems };

  const width = fields.length;
  const read: CsvRowReader = (row, rowLine) => {
    if (isBlank(row, 0)) return undefined;
    if (row.length < width || !isBlank(row, width)) return { line: rowLine, reason: `${row.length} fields, the header has ${width}` };
    const field = (i: number) => (i < 0 ? '' : row[i]!);
    return {
      line: rowLine,
      accountId: field(index.accountId),
      role: field(index.role),
      institution: field(index.institution),
      lastName: field(index.lastName),
      firstName: field(index.firstName),
      middleName: field(index.middleName),
      birthDate: field(index.birthDate),
      snils: field(index.snils),
      className: field(index.className),
      position: field(index.position),
      parents: splitIds(field(index.parents)),
    };
  };
  return { read };
}

/** Whether every field from `from` on is empty or white space. */
function isBlank(fields: readonly string[], from: number): boolean {
  for (let i = from; i < fields.length; i++) if (fields[i]!.trim() !== '') return false;
  return true;
}

const NO_IDS: readonly string[] = Object.freeze([]);

/** A list of parent ids: separated by `,` (or `;` inside a quoted field). */
function splitIds(text: string): readonly string[] {
  if (text.trim() === '') return NO_IDS;
  return text
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A row of the journal's database → our account. The row is checked with zod at the edge: a column of
 * the wrong type is a configuration problem (the region's query), reported by column name only.
 */
import { z } from 'zod';
import { isIsoDate, normalizeSnils, ruDateToIso } from '../normalize.ts';
import type { Institution, JournalAccount, Role } from '../types.ts';

/** The columns every account query returns (see `config.ts`). */
export const ACCOUNT_COLUMNS = [
  'account_id',
  'role',
  'institution_id',
  'institution_name',
  'last_name',
  'first_name',
  'middle_name',
  'birth_date',
  'snils',
  'class_name',
  'position',
] as const;

/** The columns of the `institutions` query. */
export const INSTITUTION_COLUMNS = ['institution_id', 'institution_name', 'municipality'] as const;

/** `verifyPasswordLookup`'s columns besides the account's; `password_salt` and `password_format` may be left out. */
export const PASSWORD_COLUMNS = ['password_hash'] as const;

/** Ids are opaque: kept exactly as the journal has them (integers as their decimal text). */
const id = z.union([z.string(), z.number(), z.bigint()]).transform((v) => String(v));
const text = z.string();
const optionalText = z.string().nullable();

export const accountRowSchema = z.object({
  account_id: id.refine((v) => v.trim().length > 0, 'empty'),
  role: id,
  institution_id: id,
  institution_name: text,
  last_name: text,
  first_name: text,
  middle_name: optionalText,
  birth_date: optionalText,
  snils: z.union([z.string(), z.number(), z.bigint()]).nullable(),
  class_name: optionalText,
  position: optionalText,
});

export const passwordRowSchema = z.object({
  password_hash: z.string().nullable(),
  password_salt: z.string().nullable().optional(),
  password_format: z.string().nullable().optional(),
});

export const institutionRowSchema = z.object({
  institution_id: id.refine((v) => v.trim().length > 0, 'empty'),
  institution_name: text,
  municipality: optionalText,
});

export type AccountRow = z.output<typeof accountRowSchema>;

/** Trimmed, inner runs of white space as one space; undefined when nothing is left. */
function tidy(value: string | null | undefined): string | undefined {
  const out = value?.replace(/\s+/g, ' ').trim();
  return out ? out : undefined;
}

/** `yyyy-MM-dd` from a `date` (the pool returns it as text), a timestamp's text, or `dd.MM.yyyy`. */
export function toIsoDate(value: string | null): string | undefined {
  if (!value) return undefined;
  const head = value.trim().slice(0, 10);
  if (isIsoDate(head)) return head;
  return ruDateToIso(value.trim());
}

/** The account a row describes, or undefined when its role is not one the broker serves. */
export function mapAccount(journalId: string, row: AccountRow, roleOf: (value: string) => Role | undefined): JournalAccount | undefined {
  const role = roleOf(row.role);
  if (!role) return undefined;
  const middleName = tidy(row.middle_name);
  const birthDate = toIsoDate(row.birth_date);
  const snils = normalizeSnils(row.snils === null ? undefined : String(row.snils));
  const className = tidy(row.class_name);
  const position = tidy(row.position);
  return {
    journalId,
    accountId: row.account_id,
    role,
    institution: { id: row.institution_id, name: tidy(row.institution_name) ?? row.institution_id },
    fullName: {
      lastName: tidy(row.last_name) ?? '',
      firstName: tidy(row.first_name) ?? '',
      ...(middleName ? { middleName } : {}),
    },
    ...(birthDate ? { birthDate } : {}),
    ...(snils ? { snils } : {}),
    ...(className ? { className } : {}),
    ...(position ? { position } : {}),
  };
}

export function mapInstitution(row: z.output<typeof institutionRowSchema>): Institution {
  const municipality = tidy(row.municipality);
  return {
    id: row.institution_id,
    name: tidy(row.institution_name) ?? row.institution_id,
    ...(municipality ? { municipality } : {}),
  };
}

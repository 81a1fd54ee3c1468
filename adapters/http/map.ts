/**
 * The contract's JSON (see `openapi.json`) → our types. Wire schemas are lenient where the contract
 * allows it (optional members may be `null`, unknown members are ignored) and strict on shape.
 */
import { z } from 'zod';
import { isObject } from '../../core/fast-parse.ts';
import { isIsoDate, normalizeSnils } from '../normalize.ts';
import type { Institution, JournalAccount } from '../types.ts';

const text = z.string().trim().min(1);
const optionalText = z
  .string()
  .trim()
  .nullish()
  .transform((v) => v || undefined);

export const accountWireSchema = z.object({
  accountId: z.string().min(1).max(256),
  role: z.enum(['parent', 'pupil', 'staff']),
  institution: z.object({ id: text, name: text }),
  lastName: text,
  firstName: text,
  middleName: optionalText,
  birthDate: z
    .string()
    .refine(isIsoDate, 'a yyyy-MM-dd date')
    .nullish()
    .transform((v) => v ?? undefined),
  snils: optionalText,
  className: optionalText,
  position: optionalText,
});
export type AccountWire = z.infer<typeof accountWireSchema>;

export const accountListSchema = z.object({ accounts: z.array(accountWireSchema) });

export const institutionListSchema = z.object({
  institutions: z.array(z.object({ id: text, name: text, municipality: optionalText })),
});

export const passwordCheckSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('valid'), account: accountWireSchema }),
  z.object({ result: z.literal('invalid') }),
]);

/** A journal account from its wire form. A SNILS with wrong check digits is dropped (`snilsDropped`). */
export function toJournalAccount(journalId: string, wire: AccountWire): { account: JournalAccount; snilsDropped: boolean } {
  const snils = normalizeSnils(wire.snils);
  const account: JournalAccount = {
    journalId,
    accountId: wire.accountId,
    role: wire.role,
    institution: { id: wire.institution.id, name: wire.institution.name },
    fullName: {
      lastName: wire.lastName,
      firstName: wire.firstName,
      ...(wire.middleName ? { middleName: wire.middleName } : {}),
    },
    ...(wire.birthDate ? { birthDate: wire.birthDate } : {}),
    ...(snils ? { snils } : {}),
    ...(wire.className ? { className: wire.className } : {}),
    ...(wire.position ? { position: wire.position } : {}),
  };
  return { account, snilsDropped: wire.snils !== undefined && snils === undefined };
}

export function toInstitution(wire: z.infer<typeof institutionListSchema>['institutions'][number]): Institution {
  return { id: wire.id, name: wire.name, ...(wire.municipality ? { municipality: wire.municipality } : {}) };
}

const ROLES: ReadonlySet<unknown> = new Set(accountWireSchema.shape.role.options);
/** `text` as it is: a string with nothing to trim. */
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.trim() === v;
const isOptionalText = (v: unknown) => v === undefined || isText(v);

/**
 * `accountWireSchema` for an account the schema takes as it is (see `core/fast-parse.ts`): nulls,
 * blanks to trim and empty optional texts are left to zod. Held to the schema in `map.test.ts`.
 */
export function isAccountWire(v: unknown): boolean {
  if (!isObject(v)) return false;
  const { accountId, institution, birthDate } = v;
  return (
    typeof accountId === 'string' &&
    accountId.length > 0 &&
    accountId.length <= 256 &&
    ROLES.has(v.role) &&
    isObject(institution) &&
    isText(institution.id) &&
    isText(institution.name) &&
    isText(v.lastName) &&
    isText(v.firstName) &&
    isOptionalText(v.middleName) &&
    (birthDate === undefined || (typeof birthDate === 'string' && isIsoDate(birthDate))) &&
    isOptionalText(v.snils) &&
    isOptionalText(v.className) &&
    isOptionalText(v.position)
  );
}

/** `accountListSchema` with every account as `isAccountWire` takes it. */
export function isAccountList(v: unknown): boolean {
  return isObject(v) && Array.isArray(v.accounts) && v.accounts.every(isAccountWire);
}

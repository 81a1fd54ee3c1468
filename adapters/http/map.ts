/**
 * The contract's JSON (see `openapi.json`) → our types. Wire schemas are lenient where the contract
 * allows it (optional members may be `null`, unknown members are ignored) and strict on shape.
 */
import { z } from 'zod';
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

/**
 * Rate-limit counters (lockouts) by exact identifiers: the KV keys and limits the login steps use
 * (`broker/interactions/routes.ts`). A counter expires by itself at the end of its window; clearing it
 * lets the account, person or address try again now.
 */
import { z } from 'zod';
import type { BrokerConfig } from '../../config/broker.ts';
import { esiaOidSchema, idSchema } from '../audit/log.ts';

export const LOCKOUT_KINDS = ['school-account', 'school-address', 'link-account', 'link-person', 'link-address'] as const;
export type LockoutKind = (typeof LOCKOUT_KINDS)[number];

/** Logins as the login steps key them: trimmed, lower-case, at most 200 characters. */
const loginSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().min(1).max(200));
const addressSchema = z.union([z.ipv4(), z.ipv6()]);

export const lockoutParamsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('school-account'), journalId: idSchema(64), login: loginSchema }).strict(),
  z.object({ kind: z.literal('school-address'), address: addressSchema }).strict(),
  z.object({ kind: z.literal('link-account'), journalId: idSchema(64), login: loginSchema }).strict(),
  z.object({ kind: z.literal('link-person'), esiaOid: esiaOidSchema }).strict(),
  z.object({ kind: z.literal('link-address'), address: addressSchema }).strict(),
]);
export type LockoutParams = z.infer<typeof lockoutParamsSchema>;

/** The counter's KV key and the failures that lock, from the config. */
export function lockoutCounter(params: LockoutParams, config: BrokerConfig): { key: string; limit: number } {
  const { schoolLogin: school, linking: link } = config;
  switch (params.kind) {
    case 'school-account':
      return { key: `rl:school:account:${params.journalId}:${params.login}`, limit: school.maxFailuresPerAccount };
    case 'school-address':
      return { key: `rl:school:address:${params.address}`, limit: school.maxFailuresPerAddress };
    case 'link-account':
      return { key: `rl:link:account:${params.journalId}:${params.login}`, limit: link.maxFailuresPerAccount };
    case 'link-person':
      return { key: `rl:link:person:${params.esiaOid}`, limit: link.maxFailuresPerPerson };
    case 'link-address':
      return { key: `rl:link:address:${params.address}`, limit: link.maxFailuresPerAddress };
  }
}

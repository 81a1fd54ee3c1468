/**
 * The audit log: append-only and durable, every link, unlink and attempt, with actor, method, evidence
 * (which fields matched, never their values) and time; queryable by ESIA person, by journal account and
 * by time range. No personal data: entries are checked against a strict schema. On Redis it is a Stream
 * with per-person and per-account indexes, written together by one script; nothing in it expires
 * (retention is the operator's decision, e.g. XTRIM by age in a maintenance job).
 */
import { z } from 'zod';
import type { Stores } from '../store/index.ts';
import { createMemoryAuditLog } from './log-memory.ts';
import { createRedisAuditLog } from './log-redis.ts';

export const auditEntrySchema = z
  .object({
    /** ISO time, UTC. */
    at: z.iso.datetime(),
    action: z.enum(['link', 'unlink', 'link_attempt', 'login_refused']),
    outcome: z.enum(['ok', 'refused', 'failed']),
    actor: z.object({ kind: z.enum(['person', 'journal', 'admin', 'system']), id: z.string().max(128) }).strict(),
    esiaOid: z.string().regex(/^\d{1,19}$/).optional(),
    journalId: z.string().max(64).optional(),
    accountId: z.string().max(128).optional(),
    method: z.string().max(32).optional(),
    reason: z.string().max(64).optional(),
    evidence: z.array(z.enum(['snils', 'full_name', 'birth_date', 'school_password', 'journal_session'])).optional(),
  })
  .strict();
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export interface AuditQuery {
  esiaOid?: string;
  journalId?: string;
  accountId?: string;
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

export interface AuditLog {
  /** Appends an entry (validated; throws on personal data or unknown fields). */
  append(entry: AuditEntry): Promise<void>;
  /** Entries in time order. */
  query(query: AuditQuery): Promise<{ entries: AuditEntry[]; nextCursor?: string }>;
}

export function createAuditLog(stores: Pick<Stores, 'kind' | 'redis'>): AuditLog {
  return stores.kind === 'redis' && stores.redis ? createRedisAuditLog(stores.redis) : createMemoryAuditLog();
}

export const clampLimit = (limit?: number) => Math.max(1, Math.min(1000, limit ?? 100));
export const timeMs = (iso: string | undefined, fallback: number) => (iso ? Date.parse(iso) : fallback);

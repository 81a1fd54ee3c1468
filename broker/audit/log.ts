/**
 * The audit log: append-only and durable. Every link, unlink and link attempt, refused login and
 * consent decision, with actor, method, evidence and time; queryable by ESIA person, by journal
 * account and by time range, in time order, page by page.
 *
 * No personal data: an entry holds ids (ESIA oid, journal, account, actor) and machine codes. Evidence
 * says WHICH fields matched (`snils`, `full_name+birth_date`, …), never their values. The schema is
 * strict: unknown fields are refused, reasons and ids are restricted to plain code characters, so a
 * SNILS, a name or a birth date has nowhere to go.
 *
 * Durability and retention: on Redis the log is a Stream plus sorted-set indexes, none with a TTL and
 * the Stream without MAXLEN trimming, so nothing leaves the log by itself (like links, and unlike
 * every other key of the store). How long entries are kept is the operator's decision, taken outside
 * the broker (e.g. a maintenance job that exports, then `XTRIM … MINID` and trims the indexes), as the
 * region's record-keeping rules require.
 */
import { z } from 'zod';
import { BaseError } from '../../core/errors.ts';
import type { Stores } from '../store/index.ts';
import { createMemoryAuditLog } from './log-memory.ts';
import { createRedisAuditLog } from './log-redis.ts';

/** What happened. Extend the list (never rename) when a new kind of event is recorded. */
export const AUDIT_ACTIONS = [
  'link',
  'unlink',
  'link_attempt',
  'link_refused',
  'login_refused',
  'consent_requested',
  'consent_granted',
  'consent_refused',
  'consent_revoked',
  'consent_expired',
  // Admin API actions (actor `admin`, the token's name); `method` names the resource.
  'admin_read',
  'admin_export',
  'admin_unlink',
  'admin_lockout_cleared',
  'admin_consent_revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Which facts supported a decision: labels of the fields that matched, never their values. */
export const EVIDENCE_LABELS = [
  'snils',
  'full_name',
  'birth_date',
  'full_name+birth_date',
  'school_password',
  'journal_session',
  'journal_relation',
  'esia_children',
] as const;
export type EvidenceLabel = (typeof EVIDENCE_LABELS)[number];

/** Codes (methods): plain code characters, nothing that reads as free text. */
const code = (max: number) => z.string().regex(new RegExp(`^[a-z][a-z0-9_.:-]{0,${max - 1}}$`));
/** Ids issued by journals and the broker: any printable text up to `max`, no control characters. */
export const idSchema = (max: number) => z.string().min(1).max(max).regex(/^[^\p{Cc}]+$/u);
export const esiaOidSchema = z.string().regex(/^\d{1,19}$/);
export const evidenceSchema = z.array(z.enum(EVIDENCE_LABELS)).max(8);
export const auditActorSchema = z
  .object({ kind: z.enum(['person', 'journal', 'admin', 'system']), id: idSchema(128) })
  .strict();
export type AuditActor = z.infer<typeof auditActorSchema>;

export const auditEntrySchema = z
  .object({
    /** ISO time, UTC (`Z`). */
    at: z.iso.datetime(),
    action: z.enum(AUDIT_ACTIONS),
    outcome: z.enum(['ok', 'refused', 'failed']),
    actor: auditActorSchema,
    esiaOid: esiaOidSchema.optional(),
    journalId: idSchema(64).optional(),
    accountId: idSchema(128).optional(),
    method: code(32).optional(),
    /** A machine code (`wrong_credentials`, `linked_to_other`, …), not a message. */
    reason: code(64).optional(),
    evidence: evidenceSchema.optional(),
    /** Correlates entries with the broker's request logs. */
    requestId: idSchema(128).optional(),
  })
  .strict();
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export interface AuditQuery {
  /** Entries about this ESIA person. */
  esiaOid?: string;
  /** Entries about this journal (with `accountId`: this journal account). */
  journalId?: string;
  accountId?: string;
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  /** Default 100, at most 1000 (larger values are lowered to 1000). */
  limit?: number;
  /** From a previous page's `nextCursor` (same query). Opaque. */
  cursor?: string;
}

export interface AuditPage {
  /** In time order (`at`, then order of appending). */
  entries: AuditEntry[];
  /** Present when there may be more: pass it as `cursor` to read on. */
  nextCursor?: string;
}

export interface AuditLog {
  /** Appends an entry; refuses (ERR_AUDIT_INVALID_ENTRY) unknown fields and anything not an id or code. */
  append(entry: AuditEntry): Promise<void>;
  /** Entries matching every given filter, in time order. */
  query(query: AuditQuery): Promise<AuditPage>;
}

export type AuditErrorCode = 'ERR_AUDIT_INVALID_ENTRY' | 'ERR_AUDIT_INVALID_QUERY';
export class AuditError extends BaseError<AuditErrorCode> {}

const memoryLogs = new WeakMap<object, AuditLog>();

/**
 * The audit log on the broker's store of record. For memory stores, one log per stores object, which
 * the memory link store of the same stores also writes to (its `linkWithAudit`).
 */
export function createAuditLog(stores: Pick<Stores, 'kind' | 'redis'>): AuditLog {
  if (stores.kind === 'redis' && stores.redis) return createRedisAuditLog(stores.redis);
  let log = memoryLogs.get(stores);
  if (!log) memoryLogs.set(stores, (log = createMemoryAuditLog()));
  return log;
}

/** Validates an entry; the error names the offending fields, never their values. */
export function parseAuditEntry(entry: unknown): AuditEntry {
  const parsed = auditEntrySchema.safeParse(entry);
  if (parsed.success) return parsed.data;
  throw new AuditError('ERR_AUDIT_INVALID_ENTRY', 'the audit entry is not valid', { cause: issuesOf(parsed.error) });
}

const querySchema = z
  .object({
    esiaOid: esiaOidSchema.optional(),
    journalId: idSchema(64).optional(),
    accountId: idSchema(128).optional(),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
    limit: z.number().int().min(1).optional(),
    cursor: z.string().regex(/^\d{15}:\d{15}-\d{20}$/).optional(),
  })
  .strict()
  .refine((q) => !q.accountId || q.journalId, { message: 'accountId needs journalId', path: ['accountId'] });

/** A validated query with its bounds as index members (see `indexMember`). */
export interface ParsedAuditQuery {
  esiaOid?: string;
  journalId?: string;
  accountId?: string;
  limit: number;
  /** Lowest member to return (inclusive), or with a cursor the cursor (exclusive). */
  min: { member: string; exclusive: boolean };
  /** Members below this are in range (exclusive). */
  maxExclusive: string;
}

export function parseAuditQuery(query: AuditQuery): ParsedAuditQuery {
  const parsed = querySchema.safeParse(query);
  if (!parsed.success) throw new AuditError('ERR_AUDIT_INVALID_QUERY', 'the audit query is not valid', { cause: issuesOf(parsed.error) });
  const q = parsed.data;
  const fromBound = `${pad(timeMs(q.from) ?? 0, 15)}:`;
  const toMs = timeMs(q.to);
  // ':' sorts after every digit: above every member.
  const maxExclusive = toMs === undefined ? ':' : `${pad(toMs + 1, 15)}:`;
  const min = q.cursor && q.cursor > fromBound ? { member: q.cursor, exclusive: true } : { member: fromBound, exclusive: false };
  return {
    esiaOid: q.esiaOid,
    journalId: q.journalId,
    accountId: q.accountId,
    limit: Math.min(1000, q.limit ?? 100),
    min,
    maxExclusive,
  };
}

/**
 * The sort key of an entry in every index: its time (ms, 15 digits), then the order it was appended
 * (a Stream id's two parts, 15 and 20 digits). Zero-padded, so byte order is time order; queries
 * read indexes by lexicographic range and a cursor is the last member read.
 */
export function indexMember(atMs: number, idMs: string | number, idSeq: string | number): string {
  return `${pad(atMs, 15)}:${pad(idMs, 15)}-${pad(idSeq, 20)}`;
}

/** An entry's time for its index member: ms since 1970, never negative. */
export const entryTimeMs = (entry: AuditEntry) => Math.max(0, Date.parse(entry.at));

const timeMs = (iso: string | undefined) => (iso === undefined ? undefined : Math.max(0, Date.parse(iso)));
const pad = (value: string | number, width: number) => String(value).padStart(width, '0');
const issuesOf = (error: z.ZodError) => error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));

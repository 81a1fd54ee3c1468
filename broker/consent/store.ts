/**
 * Consent records: one per request for a pupil (ESIA oid) aged 14–17 to log in with their own ESIA
 * account. A pupil has at most one open record (pending or granted), found by the pupil's oid; every
 * record, open or closed, stays for the audit (no TTL, like links and the audit log).
 *
 * States: pending → granted | declined | expired; granted → revoked. Every change is a compare-and-set
 * on the record's `version` (one Lua script on Redis, which also appends the change's audit entry; one
 * synchronous step in memory), so an approval racing a revocation, or two parents approving at once,
 * resolve to exactly one winner; the loser reads the new state and answers from it.
 *
 * No personal data: the record holds ESIA oids, journal account ids, codes and times. The pupil's
 * SNILS and name appear only as keyed hashes (`kidKeys`), to match a parent's ESIA children list.
 */
import { z } from 'zod';
import { StoreError } from '../store/errors.ts';
import type { Stores } from '../store/index.ts';
import { auditActorSchema, createAuditLog, esiaOidSchema, idSchema, type AuditEntry } from '../audit/log.ts';
import { createMemoryConsentStore } from './store-memory.ts';
import { createRedisConsentStore } from './store-redis.ts';

export const CONSENT_STATES = ['pending', 'granted', 'declined', 'revoked', 'expired'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];
/** States after which the pupil has no open record. */
export const CLOSED_STATES: readonly ConsentState[] = ['declined', 'revoked', 'expired'];

/** What proved that someone is the pupil's parent. */
export type ParentEvidence = 'journal_relation' | 'esia_children';

const accountRefSchema = z.object({ journalId: idSchema(64), accountId: idSchema(128) }).strict();
export type AccountRef = z.infer<typeof accountRefSchema>;

const eligibleSchema = z
  .object({
    esiaOid: esiaOidSchema,
    evidence: z.enum(['journal_relation', 'esia_children']),
    /** The parent's journal accounts the journal relates to the pupil (journal_relation). */
    accounts: z.array(accountRefSchema).max(32).optional(),
  })
  .strict();
export type EligibleParent = z.infer<typeof eligibleSchema>;

export const consentRecordSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    /** Increases with every change (compare-and-set). */
    version: z.number().int().min(1),
    pupilOid: esiaOidSchema,
    /** The pupil's linked pupil accounts when the request was made. */
    pupilAccounts: z.array(accountRefSchema).max(32),
    state: z.enum(CONSENT_STATES),
    /** ISO times, UTC. */
    requestedAt: z.iso.datetime(),
    /** A pending request expires then. */
    expiresAt: z.iso.datetime(),
    eligible: z.array(eligibleSchema).max(64),
    /** Keyed hashes of the pupil's SNILS and of name + birth date, to match parents' ESIA children lists. */
    kidKeys: z.array(z.string().regex(/^[a-z]+:[A-Za-z0-9_-]{20,64}$/)).max(4),
    /** The parent's approval or refusal. */
    decision: z
      .object({
        outcome: z.enum(['granted', 'declined']),
        parentOid: esiaOidSchema,
        evidence: z.enum(['journal_relation', 'esia_children']),
        /** The parent's ESIA level when deciding. */
        parentLevel: z.enum(['simplified', 'standard', 'confirmed']),
        at: z.iso.datetime(),
        policyVersion: z.string().max(32),
      })
      .strict()
      .optional(),
    revocation: z.object({ at: z.iso.datetime(), by: auditActorSchema, reason: z.string().max(64).optional() }).strict().optional(),
    expiredAt: z.iso.datetime().optional(),
  })
  .strict();
export type ConsentRecord = z.infer<typeof consentRecordSchema>;

/** What the outside world hears about (the webhook). */
export type ConsentEvent = 'consent.requested' | 'consent.granted' | 'consent.declined' | 'consent.revoked' | 'consent.expired';

/** An event waiting for delivery: written with the change it announces, so neither exists without the other. */
export interface OutboxEntry {
  readonly id: string;
  readonly event: ConsentEvent;
  readonly record: ConsentRecord;
}

/**
 * The consent events to deliver, shared by every instance: a consumer takes new entries, acknowledges
 * each one delivered (or given up), and takes over entries another consumer took but did not
 * acknowledge within `minIdleMs` (it crashed, or the receiver was down).
 */
export interface ConsentOutbox {
  read(consumer: string, count: number): Promise<OutboxEntry[]>;
  reclaim(consumer: string, minIdleMs: number, count: number): Promise<OutboxEntry[]>;
  ack(id: string): Promise<void>;
}

export type OpenResult = { readonly created: true; readonly record: ConsentRecord } | { readonly created: false; readonly openId: string };
export type UpdateResult = 'ok' | 'conflict' | 'missing';

export interface ConsentWrite {
  /** The new record; its version must be the stored one plus one. */
  readonly record: ConsentRecord;
  /** After the change, the record is the pupil's open one (`set`), or no longer is (`clear`). */
  readonly pointer: 'set' | 'clear' | 'keep';
  /** Parents newly eligible (indexed so their cabinet finds the record). */
  readonly newParents?: readonly string[];
  /** The change's audit entry, written in the same atomic step. */
  readonly audit?: AuditEntry;
  /** The event announcing the change, queued in the same atomic step. */
  readonly event?: ConsentEvent;
}

export interface ConsentStore {
  get(id: string): Promise<ConsentRecord | undefined>;
  /** The pupil's open record (pending or granted), if any. */
  openOf(pupilOid: string): Promise<ConsentRecord | undefined>;
  /** Every record of the pupil, newest first. */
  historyOf(pupilOid: string): Promise<ConsentRecord[]>;
  /** Every record naming this person as an eligible parent, newest first. */
  forParent(parentOid: string): Promise<ConsentRecord[]>;
  /** Creates a pending record unless the pupil has an open one (then its id). Atomic with its audit entry. */
  open(record: ConsentRecord, audit?: AuditEntry, event?: ConsentEvent): Promise<OpenResult>;
  /** Replaces the record if its stored version is `record.version - 1`. Atomic with its audit entry. */
  update(write: ConsentWrite): Promise<UpdateResult>;
  /**
   * Remembers that a parent's ESIA children list holds the child with these kid keys (durable), and
   * returns the records whose pupil matches any of them, newest first: one round trip for both.
   */
  rememberKidParent(kidKeys: readonly string[], parentOid: string): Promise<ConsentRecord[]>;
  /** The parents whose ESIA children list held this kid key when they logged in to the cabinet. */
  kidParents(kidKey: string): Promise<string[]>;
  /** The secret that keys kid keys: made once, shared by every instance, kept with the records. */
  matchingSecret(): Promise<Buffer>;
  /** Events queued by `open` and `update`, for delivery. */
  readonly outbox: ConsentOutbox;
}

const memoryStores = new WeakMap<object, ConsentStore>();

/** The consent store on the broker's store of record (one memory store per stores object). */
export function createConsentStore(stores: Pick<Stores, 'kind' | 'redis'>): ConsentStore {
  if (stores.kind === 'redis' && stores.redis) return createRedisConsentStore(stores.redis);
  let store = memoryStores.get(stores);
  if (!store) memoryStores.set(stores, (store = createMemoryConsentStore({ audit: createAuditLog(stores) })));
  return store;
}

/** A validated copy of a record. */
export function parseConsent(record: ConsentRecord): ConsentRecord {
  const parsed = consentRecordSchema.safeParse(record);
  if (!parsed.success) {
    const cause = parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));
    throw new StoreError('ERR_STORE_INVALID_VALUE', 'the consent record is not valid', { cause });
  }
  return JSON.parse(JSON.stringify(parsed.data)) as ConsentRecord;
}

export const newestFirst = (records: ConsentRecord[]) =>
  records.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || b.id.localeCompare(a.id));

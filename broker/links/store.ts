/**
 * Links between an ESIA person (oid) and journal accounts (journal, account): one person may have
 * many, an account at most one person. Every change is atomic (one Lua script on Redis; one
 * synchronous step in memory), so when requests race for the same account exactly one link wins, and
 * the two sides (the account's holder, the person's list) never disagree.
 *
 * Links have NO TTL: they are the one exception, with the audit log, to the store's rule that every
 * key expires. A link is a record of the store (who may log in as which journal account), not cached
 * or flow state; it lives until it is unlinked. Acknowledged link writes survive a crash when Redis
 * runs with AOF (`appendonly yes`, `appendfsync always` for no loss at all).
 *
 * Relinking is idempotent: the same person linking the same account again gets `{ ok: true,
 * existing: true }` and the first link's record (time, method, evidence) is kept.
 *
 * `linkWithAudit` / `unlinkWithAudit` change the link and append its audit entry in the same script
 * (link keys and audit keys share the `{records}` hash tag, so one Cluster slot): the entry exists if
 * and only if the change happened (or, for a refused link, was refused).
 */
import { z } from 'zod';
import type { Role } from '../../adapters/types.ts';
import { createAuditLog, esiaOidSchema, evidenceSchema, idSchema, type AuditActor, type AuditEntry, type EvidenceLabel } from '../audit/log.ts';
import { StoreError } from '../store/errors.ts';
import type { Stores } from '../store/index.ts';
import { createMemoryLinkStore } from './store-memory.ts';
import { createRedisLinkStore } from './store-redis.ts';

export type LinkMethod = 'auto' | 'manual-password' | 'journal-initiated';

export interface Link {
  readonly esiaOid: string;
  readonly journalId: string;
  readonly accountId: string;
  readonly role: Role;
  readonly institutionId?: string;
  readonly method: LinkMethod;
  /** ISO time, UTC. */
  readonly linkedAt: string;
  /** Which fields proved the link (labels, never values). */
  readonly evidence?: readonly EvidenceLabel[];
}

export type LinkResult =
  /** Linked now, or (`existing`) already linked to this same person: the first record is kept. */
  | { readonly ok: true; readonly existing: boolean }
  /** The account is linked to another person (`byOid`); nothing changed. */
  | { readonly ok: false; readonly reason: 'linked_to_other'; readonly byOid: string };

export interface LinkFilter {
  journalId?: string;
  role?: Role;
}

/** Who changes a link, for its audit entry. */
export interface LinkAuditContext {
  readonly actor: AuditActor;
  /** The entry's time; for a link, default the link's `linkedAt`. */
  readonly at?: string;
  readonly requestId?: string;
}

export interface UnlinkAuditContext extends LinkAuditContext {
  readonly at: string;
  /** Unlink only if the account is linked to this person. */
  readonly expectedOid?: string;
  /** Why, as a code (`by_journal`, `by_person`, `by_admin`, …). */
  readonly reason?: string;
}

export interface LinkStore {
  /** The person's links (optionally for one journal and role), oldest first. Reads only the person's links. */
  linksOf(esiaOid: string, filter?: LinkFilter): Promise<Link[]>;
  /** The person linked to a journal account, if any. */
  personOf(journalId: string, accountId: string): Promise<string | undefined>;
  /** Links atomically (see `LinkResult`). Refuses (ERR_STORE_INVALID_VALUE) a malformed link. */
  link(link: Link): Promise<LinkResult>;
  /** Removes the account's link, both sides atomically (only if it names `expectedOid`, when given); the removed link. */
  unlink(journalId: string, accountId: string, expectedOid?: string): Promise<Link | undefined>;
  /**
   * `link` and its audit entry in one atomic step: action `link`, outcome `ok` (reason `already_linked`
   * when it was), or `refused` with reason `linked_to_another_person` (the audit log's existing code
   * for what the result calls `linked_to_other`); method and evidence from the link.
   */
  linkWithAudit(link: Link, audit: LinkAuditContext): Promise<LinkResult>;
  /** `unlink` and its audit entry (action `unlink`, outcome `ok`) in one atomic step; nothing is written when nothing is unlinked. */
  unlinkWithAudit(journalId: string, accountId: string, audit: UnlinkAuditContext): Promise<Link | undefined>;
}

const memoryStores = new WeakMap<object, LinkStore>();

/**
 * The link store on the broker's store of record. For memory stores, one link store per stores object,
 * whose `linkWithAudit` writes to the memory audit log `createAuditLog(stores)` returns.
 */
export function createLinkStore(stores: Pick<Stores, 'kind' | 'redis'>): LinkStore {
  if (stores.kind === 'redis' && stores.redis) return createRedisLinkStore(stores.redis);
  let store = memoryStores.get(stores);
  if (!store) memoryStores.set(stores, (store = createMemoryLinkStore({ audit: createAuditLog(stores) })));
  return store;
}

const linkSchema = z
  .object({
    esiaOid: esiaOidSchema,
    journalId: idSchema(64),
    accountId: idSchema(128),
    role: z.enum(['parent', 'pupil', 'staff']),
    institutionId: idSchema(128).optional(),
    method: z.enum(['auto', 'manual-password', 'journal-initiated']),
    linkedAt: z.iso.datetime(),
    evidence: evidenceSchema.optional(),
  })
  .strict();

/** A validated copy of a link, as stored (through JSON: absent optional fields vanish). */
export function parseLink(link: Link): Link {
  const parsed = linkSchema.safeParse(link);
  if (!parsed.success) {
    const cause = parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));
    throw new StoreError('ERR_STORE_INVALID_VALUE', 'the link is not valid', { cause });
  }
  return JSON.parse(JSON.stringify(parsed.data)) as Link;
}

/** The three audit entries a link may produce; which one is written depends on the outcome. */
export function linkAuditEntries(link: Link, audit: LinkAuditContext): { linked: AuditEntry; existing: AuditEntry; refused: AuditEntry } {
  const base: AuditEntry = {
    at: audit.at ?? link.linkedAt,
    action: 'link',
    outcome: 'ok',
    actor: audit.actor,
    esiaOid: link.esiaOid,
    journalId: link.journalId,
    accountId: link.accountId,
    method: link.method,
    ...(link.evidence ? { evidence: [...link.evidence] } : {}),
    ...(audit.requestId ? { requestId: audit.requestId } : {}),
  };
  return {
    linked: base,
    existing: { ...base, reason: 'already_linked' },
    refused: { ...base, outcome: 'refused', reason: 'linked_to_another_person' },
  };
}

/** The audit entry of an unlink. */
export function unlinkAuditEntry(removed: Link, audit: UnlinkAuditContext): AuditEntry {
  return {
    at: audit.at,
    action: 'unlink',
    outcome: 'ok',
    actor: audit.actor,
    esiaOid: removed.esiaOid,
    journalId: removed.journalId,
    accountId: removed.accountId,
    method: removed.method,
    ...(audit.reason ? { reason: audit.reason } : {}),
    ...(audit.requestId ? { requestId: audit.requestId } : {}),
  };
}

/** The field naming an account in a person's links (and in the account's key). */
export const accountField = (journalId: string, accountId: string) => `${journalId}\u0000${accountId}`;

export function filterLinks(links: readonly Link[], filter: LinkFilter = {}): Link[] {
  return links
    .filter((l) => (!filter.journalId || l.journalId === filter.journalId) && (!filter.role || l.role === filter.role))
    .sort((a, b) => a.linkedAt.localeCompare(b.linkedAt) || a.journalId.localeCompare(b.journalId) || a.accountId.localeCompare(b.accountId));
}

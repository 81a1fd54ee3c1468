/**
 * The in-memory link store (development and tests): the Redis store's semantics in one process. Each
 * operation changes both sides in one synchronous step (no `await` in between), so concurrent calls
 * cannot interleave; `linkWithAudit` validates the entry first and appends it in the same step.
 */
import { createMemoryAuditLog } from '../audit/log-memory.ts';
import { parseAuditEntry, type AuditLog } from '../audit/log.ts';
import { accountField, filterLinks, linkAuditEntries, parseLink, unlinkAuditEntry, type Link, type LinkResult, type LinkStore } from './store.ts';

export interface MemoryLinkStoreOptions {
  /** Where `linkWithAudit` and `unlinkWithAudit` write (a memory audit log). Default a private one. */
  readonly audit?: AuditLog;
}

export function createMemoryLinkStore(options: MemoryLinkStoreOptions = {}): LinkStore {
  const audit = options.audit ?? createMemoryAuditLog();
  /** Account field → holder's oid. */
  const byAccount = new Map<string, string>();
  /** Oid → account field → link JSON. */
  const byPerson = new Map<string, Map<string, string>>();

  const link = (valid: Link): LinkResult => {
    const field = accountField(valid.journalId, valid.accountId);
    const holder = byAccount.get(field);
    if (holder !== undefined && holder !== valid.esiaOid) return { ok: false, reason: 'linked_to_other', byOid: holder };
    const links = byPerson.get(valid.esiaOid) ?? new Map<string, string>();
    byPerson.set(valid.esiaOid, links);
    byAccount.set(field, valid.esiaOid);
    // The first record is kept; a missing one (never, with atomic changes) is restored.
    if (!links.has(field)) links.set(field, JSON.stringify(valid));
    return { ok: true, existing: holder !== undefined };
  };

  const unlink = (journalId: string, accountId: string, expectedOid?: string): Link | undefined => {
    const field = accountField(journalId, accountId);
    const holder = byAccount.get(field);
    if (holder === undefined || (expectedOid !== undefined && holder !== expectedOid)) return undefined;
    const links = byPerson.get(holder);
    const json = links?.get(field);
    byAccount.delete(field);
    links?.delete(field);
    if (links && !links.size) byPerson.delete(holder);
    return json === undefined ? undefined : (JSON.parse(json) as Link);
  };

  return {
    async linksOf(esiaOid, filter) {
      const links = [...(byPerson.get(esiaOid)?.values() ?? [])].map((json) => JSON.parse(json) as Link);
      return filterLinks(links, filter);
    },
    async personOf(journalId, accountId) {
      return byAccount.get(accountField(journalId, accountId));
    },
    async link(input) {
      return link(parseLink(input));
    },
    async unlink(journalId, accountId, expectedOid) {
      return unlink(journalId, accountId, expectedOid);
    },
    async linkWithAudit(input, context) {
      const valid = parseLink(input);
      const entries = linkAuditEntries(valid, context);
      // Validate every possible entry before changing anything: a bad entry must not leave a link behind.
      for (const entry of Object.values(entries)) parseAuditEntry(entry);
      const result = link(valid);
      // A memory log's append runs to completion synchronously, in the same step as the link.
      await audit.append(result.ok ? (result.existing ? entries.existing : entries.linked) : entries.refused);
      return result;
    },
    async unlinkWithAudit(journalId, accountId, context) {
      const field = accountField(journalId, accountId);
      const holder = byAccount.get(field);
      const json = holder === undefined ? undefined : byPerson.get(holder)?.get(field);
      if (json === undefined || (context.expectedOid !== undefined && holder !== context.expectedOid)) return undefined;
      const entry = parseAuditEntry(unlinkAuditEntry(JSON.parse(json) as Link, context));
      const removed = unlink(journalId, accountId, context.expectedOid);
      await audit.append(entry);
      return removed;
    },
  };
}

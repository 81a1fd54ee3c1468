/** The in-memory link store (development and tests): the same semantics, one process. */
import { accountField, filterLinks, type Link, type LinkStore } from './store.ts';

export function createMemoryLinkStore(): LinkStore {
  const byAccount = new Map<string, string>();
  const byPerson = new Map<string, Map<string, Link>>();
  return {
    async linksOf(esiaOid, filter) {
      return filterLinks([...(byPerson.get(esiaOid)?.values() ?? [])], filter);
    },
    async personOf(journalId, accountId) {
      return byAccount.get(accountField(journalId, accountId));
    },
    async link(link) {
      const field = accountField(link.journalId, link.accountId);
      const holder = byAccount.get(field);
      if (holder && holder !== link.esiaOid) return false;
      byAccount.set(field, link.esiaOid);
      const links = byPerson.get(link.esiaOid) ?? new Map<string, Link>();
      if (!links.has(field)) links.set(field, link);
      byPerson.set(link.esiaOid, links);
      return true;
    },
    async unlink(journalId, accountId, expectedOid) {
      const field = accountField(journalId, accountId);
      const holder = byAccount.get(field);
      if (!holder || (expectedOid !== undefined && holder !== expectedOid)) return undefined;
      byAccount.delete(field);
      const links = byPerson.get(holder);
      const removed = links?.get(field);
      links?.delete(field);
      if (links && !links.size) byPerson.delete(holder);
      return removed;
    },
  };
}

/**
 * Links between an ESIA person (oid) and journal accounts: one person may have many, an account at
 * most one person. Every change is atomic (a Lua script on Redis), so when requests race for the same
 * account exactly one link wins. Links are records of the store, not cache: their keys have no TTL
 * (the one exception to the store's TTL rule, like the audit log). On Redis all link keys share the
 * `{links}` hash tag, so each script's keys sit in one Cluster slot.
 */
import type { Role } from '../../adapters/types.ts';
import type { Stores } from '../store/index.ts';
import { createMemoryLinkStore } from './store-memory.ts';
import { createRedisLinkStore } from './store-redis.ts';

export interface Link {
  readonly esiaOid: string;
  readonly journalId: string;
  readonly accountId: string;
  readonly role: Role;
  readonly method: 'auto' | 'manual-password' | 'journal-initiated';
  readonly linkedAt: string;
}

export interface LinkStore {
  /** The person's links, optionally for one journal and role. */
  linksOf(esiaOid: string, filter?: { journalId?: string; role?: Role }): Promise<Link[]>;
  /** The person linked to a journal account, if any. */
  personOf(journalId: string, accountId: string): Promise<string | undefined>;
  /**
   * Links atomically. True when the account is now linked to this person (also when it already was:
   * the first link's record is kept); false when it is linked to another person.
   */
  link(link: Link): Promise<boolean>;
  /** Removes the account's link atomically (only if it names `expectedOid`, when given); the removed link. */
  unlink(journalId: string, accountId: string, expectedOid?: string): Promise<Link | undefined>;
}

/** The link store on the broker's store of record. */
export function createLinkStore(stores: Pick<Stores, 'kind' | 'redis'>): LinkStore {
  return stores.kind === 'redis' && stores.redis ? createRedisLinkStore(stores.redis) : createMemoryLinkStore();
}

export const accountField = (journalId: string, accountId: string) => `${journalId}\u0000${accountId}`;

export function filterLinks(links: readonly Link[], filter: { journalId?: string; role?: Role } = {}): Link[] {
  return links
    .filter((l) => (!filter.journalId || l.journalId === filter.journalId) && (!filter.role || l.role === filter.role))
    .sort((a, b) => a.linkedAt.localeCompare(b.linkedAt) || a.accountId.localeCompare(b.accountId));
}

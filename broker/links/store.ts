/**
 * Links between an ESIA person (oid) and journal accounts. This is the read side the login needs;
 * creating and removing links (with their cardinality rules and audit) is the linking module's job.
 * Stored as one record per person and one per account, each with a TTL refreshed on write.
 */
import type { Role } from '../../adapters/types.ts';
import type { KeyValueStore } from '../store/types.ts';

export interface Link {
  readonly esiaOid: string;
  readonly journalId: string;
  readonly accountId: string;
  readonly role: Role;
  readonly method: 'auto' | 'manual-password' | 'journal-initiated';
  readonly linkedAt: string;
}

/** Links are durable records; the TTL only bounds forgotten data (ten years). */
const LINK_TTL_SECONDS = 10 * 365 * 24 * 3600;

export class LinkStore {
  constructor(private readonly kv: KeyValueStore) {}

  /** The person's links, optionally for one journal and role. */
  async linksOf(esiaOid: string, filter: { journalId?: string; role?: Role } = {}): Promise<Link[]> {
    const links = ((await this.kv.get(`links:person:${esiaOid}`)) as Link[] | undefined) ?? [];
    return links.filter((l) => (!filter.journalId || l.journalId === filter.journalId) && (!filter.role || l.role === filter.role));
  }

  /** The person linked to a journal account, if any. */
  async personOf(journalId: string, accountId: string): Promise<string | undefined> {
    return (await this.kv.get(`links:account:${journalId}:${accountId}`)) as string | undefined;
  }

  /**
   * Records a link. An account already linked to another person is refused (`false`). Not atomic
   * across concurrent writers: the linking module replaces this with an atomic Redis script.
   */
  async link(link: Link): Promise<boolean> {
    const accountKey = `links:account:${link.journalId}:${link.accountId}`;
    const claimed = await this.kv.setIfAbsent(accountKey, link.esiaOid, LINK_TTL_SECONDS);
    if (!claimed && (await this.kv.get(accountKey)) !== link.esiaOid) return false;
    const links = await this.linksOf(link.esiaOid);
    const others = links.filter((l) => !(l.journalId === link.journalId && l.accountId === link.accountId));
    await this.kv.set(`links:person:${link.esiaOid}`, [...others, link], LINK_TTL_SECONDS);
    return true;
  }
}

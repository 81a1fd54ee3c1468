/**
 * The in-memory audit log (development and tests): the Redis log's semantics in one process. Entries
 * are kept sorted by the same index members the Redis log uses, so order, ranges and cursors agree.
 */
import { entryTimeMs, indexMember, parseAuditEntry, parseAuditQuery, type AuditEntry, type AuditLog } from './log.ts';

interface Row {
  readonly member: string;
  readonly entry: AuditEntry;
}

export function createMemoryAuditLog(): AuditLog {
  const rows: Row[] = [];
  let sequence = 0;

  /** The first row whose member is above (or, inclusive, at) `member`. */
  const lowerBound = (member: string, exclusive: boolean) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = rows[mid]!.member;
      if (m < member || (exclusive && m === member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  return {
    async append(entry) {
      // A copy through JSON, as the Redis log stores it (absent optional fields vanish).
      const valid = JSON.parse(JSON.stringify(parseAuditEntry(entry))) as AuditEntry;
      const member = indexMember(entryTimeMs(valid), 0, ++sequence);
      rows.splice(lowerBound(member, false), 0, { member, entry: valid });
    },
    async query(query) {
      const q = parseAuditQuery(query);
      const entries: AuditEntry[] = [];
      let last = '';
      for (let i = lowerBound(q.min.member, q.min.exclusive); i < rows.length && rows[i]!.member < q.maxExclusive; i++) {
        const { member, entry } = rows[i]!;
        if (q.esiaOid && entry.esiaOid !== q.esiaOid) continue;
        if (q.journalId && entry.journalId !== q.journalId) continue;
        if (q.accountId && entry.accountId !== q.accountId) continue;
        // One more match than the page holds: there is a next page, after the last returned entry.
        if (entries.length === q.limit) return { entries: entries.map(copy), nextCursor: last };
        entries.push(entry);
        last = member;
      }
      return { entries: entries.map(copy) };
    },
  };
}

const copy = (entry: AuditEntry): AuditEntry => JSON.parse(JSON.stringify(entry)) as AuditEntry;

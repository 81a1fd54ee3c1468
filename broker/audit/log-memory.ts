/** The in-memory audit log (development and tests). */
import { auditEntrySchema, clampLimit, timeMs, type AuditEntry, type AuditLog } from './log.ts';

export function createMemoryAuditLog(): AuditLog {
  const entries: AuditEntry[] = [];
  return {
    async append(entry) {
      entries.push(auditEntrySchema.parse(entry));
    },
    async query(q) {
      const from = timeMs(q.from, -Infinity);
      const to = timeMs(q.to, Infinity);
      const start = q.cursor ? Number(q.cursor) : 0;
      const limit = clampLimit(q.limit);
      const matching: number[] = [];
      for (let i = start; i < entries.length && matching.length <= limit; i++) {
        const e = entries[i]!;
        const t = Date.parse(e.at);
        if (t < from || t > to) continue;
        if (q.esiaOid && e.esiaOid !== q.esiaOid) continue;
        if (q.accountId && (e.accountId !== q.accountId || e.journalId !== q.journalId)) continue;
        matching.push(i);
      }
      const page = matching.slice(0, limit);
      return {
        entries: page.map((i) => entries[i]!),
        nextCursor: matching.length > limit ? String(matching[limit]) : undefined,
      };
    },
  };
}

/**
 * The Redis audit log: a Stream `{audit}:log` (the entries), and sorted sets `{audit}:person:<oid>` and
 * `{audit}:account:<journal>\0<account>` (score: time in ms, member: the stream id), all written by one
 * script in one slot. Time-only queries read the stream by id range.
 */
import { defineScript, type RedisClient } from '../store/redis-script.ts';
import { auditEntrySchema, clampLimit, timeMs, type AuditEntry, type AuditLog } from './log.ts';

const LOG = '{audit}:log';
const personIndex = (oid: string) => `{audit}:person:${oid}`;
const accountIndex = (journalId: string, accountId: string) => `{audit}:account:${journalId}\u0000${accountId}`;

/** KEYS: log, then 0–2 index keys. ARGV: entry JSON, time ms. */
const APPEND = defineScript(`
local id = redis.call('XADD', KEYS[1], '*', 'entry', ARGV[1])
for i = 2, #KEYS do redis.call('ZADD', KEYS[i], tonumber(ARGV[2]), id) end
return id
`);

export function createRedisAuditLog(redis: RedisClient): AuditLog {
  const read = async (ids: string[]): Promise<AuditEntry[]> => {
    const out: AuditEntry[] = [];
    for (const id of ids) {
      const rows = (await redis.xrange(LOG, id, id)) as Array<[string, string[]]>;
      const json = rows[0]?.[1]?.[1];
      if (json) out.push(JSON.parse(json) as AuditEntry);
    }
    return out;
  };
  return {
    async append(entry) {
      const valid = auditEntrySchema.parse(entry);
      const keys = [LOG];
      if (valid.esiaOid) keys.push(personIndex(valid.esiaOid));
      if (valid.journalId && valid.accountId) keys.push(accountIndex(valid.journalId, valid.accountId));
      await APPEND(redis, keys, [JSON.stringify(valid), Date.parse(valid.at)]);
    },
    async query(q) {
      const limit = clampLimit(q.limit);
      const from = timeMs(q.from, 0);
      const to = timeMs(q.to, Number.MAX_SAFE_INTEGER);
      const offset = q.cursor ? Number(q.cursor) : 0;
      const index = q.esiaOid ? personIndex(q.esiaOid) : q.journalId && q.accountId ? accountIndex(q.journalId, q.accountId) : undefined;
      if (index) {
        const ids = await redis.zrangebyscore(index, from, to, 'LIMIT', offset, limit + 1);
        let entries = await read(ids.slice(0, limit));
        if (q.esiaOid && q.accountId) entries = entries.filter((e) => e.accountId === q.accountId && e.journalId === q.journalId);
        return { entries, nextCursor: ids.length > limit ? String(offset + limit) : undefined };
      }
      // Stream ids start with the append time in ms, which is within moments of an entry's `at`: read
      // the id range with a margin, then keep the entries whose `at` is in range.
      const margin = 60_000;
      const rows = (await redis.xrange(LOG, `${Math.max(0, from - margin)}-0`, `${Math.min(to, Number.MAX_SAFE_INTEGER - margin) + margin}-18446744073709551615`)) as Array<
        [string, string[]]
      >;
      const matching = rows
        .map(([, fields]) => JSON.parse(fields[1]!) as AuditEntry)
        .filter((e) => Date.parse(e.at) >= from && Date.parse(e.at) <= to);
      return {
        entries: matching.slice(offset, offset + limit),
        nextCursor: matching.length > offset + limit ? String(offset + limit) : undefined,
      };
    },
  };
}

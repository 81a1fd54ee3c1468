/**
 * The Redis audit log. Keys (under the connection's prefix), all with the `{records}` hash tag that
 * link keys share, so one script can write a link and its entry in one Cluster slot:
 * - `{records}:audit:log`, a Stream: the entries (field `entry`, the JSON), appended with `XADD *`,
 *   never trimmed by the broker;
 * - `{records}:audit:time`, `{records}:audit:person:<oid>`, `{records}:audit:account:<journal>\0<account>`:
 *   sorted sets, all scores 0, whose members are `indexMember(at, stream id)`: byte order is time order,
 *   so a time range is a ZRANGEBYLEX range and a cursor is the last member read.
 * An entry and its index members are written by one script (`APPEND_LUA`, shared with the link store's
 * scripts): they land together or not at all. No key has a TTL (see log.ts on retention).
 */
import { callRedis } from '../store/redis.ts';
import { defineScript, type RedisClient } from '../store/redis-script.ts';
import { entryTimeMs, parseAuditEntry, parseAuditQuery, type AuditEntry, type AuditLog } from './log.ts';

export const AUDIT_LOG_KEY = '{records}:audit:log';
export const AUDIT_TIME_INDEX = '{records}:audit:time';
export const auditPersonIndex = (oid: string) => `{records}:audit:person:${oid}`;
export const auditAccountIndex = (journalId: string, accountId: string) => `{records}:audit:account:${journalId}\u0000${accountId}`;

/**
 * Lua: `append_audit(log_key, json, at_pad, first_index, last_index)` adds the entry to the Stream and
 * its member to the index keys `KEYS[first_index..last_index]`. `at_pad` is the entry's time in ms,
 * 15 digits (the member's first part, see `indexMember`).
 */
export const APPEND_LUA = `
local function append_audit(log_key, json, at_pad, first_index, last_index)
  local id = redis.call('XADD', log_key, '*', 'entry', json)
  local ms, seq = string.match(id, '^(%d+)%-(%d+)$')
  local member = at_pad .. ':' .. string.rep('0', 15 - #ms) .. ms .. '-' .. string.rep('0', 20 - #seq) .. seq
  for i = first_index, last_index do redis.call('ZADD', KEYS[i], 0, member) end
  return member
end
`;

/** What a script needs to append an entry: its keys (log first, then indexes), time and JSON. */
export interface AuditWrite {
  readonly keys: string[];
  readonly atPad: string;
  readonly json: string;
}

/** Validates an entry and names the keys it goes to: the log, the time index, the person's and the account's. */
export function auditWrite(entry: AuditEntry): AuditWrite {
  const valid = parseAuditEntry(entry);
  const keys = [AUDIT_LOG_KEY, AUDIT_TIME_INDEX];
  if (valid.esiaOid) keys.push(auditPersonIndex(valid.esiaOid));
  if (valid.journalId && valid.accountId) keys.push(auditAccountIndex(valid.journalId, valid.accountId));
  return { keys, atPad: String(entryTimeMs(valid)).padStart(15, '0'), json: JSON.stringify(valid) };
}

/** KEYS: log, indexes. ARGV: entry JSON, time (15 digits). The entry's index member. */
const APPEND = defineScript(`${APPEND_LUA}
return append_audit(KEYS[1], ARGV[1], ARGV[2], 2, #KEYS)
`);

/** How many index members one query call reads at most before it answers with a cursor. */
const SCAN_CAP = 5000;

/**
 * KEYS: index, log. ARGV: min, max (ZRANGEBYLEX bounds), limit, scan cap, oid filter, journal filter,
 * account filter ('' for none). Returns { status, last scanned member, member1, json1, member2, … }:
 * status 'end' (nothing more), 'more' (another matching entry follows the page) or 'cap' (stopped
 * after the scan cap; continue after the last scanned member).
 */
const QUERY = defineScript(`
local min, max = ARGV[1], ARGV[2]
local limit, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local oid, journal, account = ARGV[5], ARGV[6], ARGV[7]
local filtered = oid ~= '' or journal ~= '' or account ~= ''
local out = {'end', ''}
local found, scanned = 0, 0
local function reply(status)
  out[1] = status
  return out
end
while true do
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], min, max, 'LIMIT', 0, 200)
  for _, member in ipairs(batch) do
    if scanned >= cap then return reply('cap') end
    scanned = scanned + 1
    local ms, seq = string.match(member, '^%d+:(%d+)%-(%d+)$')
    ms = string.gsub(ms, '^0+(%d)', '%1')
    seq = string.gsub(seq, '^0+(%d)', '%1')
    local id = ms .. '-' .. seq
    local rows = redis.call('XRANGE', KEYS[2], id, id)
    local json = rows[1] and rows[1][2][2]
    local keep = json ~= nil
    if keep and filtered then
      local e = cjson.decode(json)
      keep = (oid == '' or e.esiaOid == oid) and (journal == '' or e.journalId == journal) and (account == '' or e.accountId == account)
    end
    if keep then
      if found == limit then return reply('more') end
      found = found + 1
      out[#out + 1] = member
      out[#out + 1] = json
    end
    out[2] = member
  end
  if #batch < 200 then return reply('end') end
  min = '(' .. batch[#batch]
end
`);

export function createRedisAuditLog(redis: RedisClient): AuditLog {
  return {
    async append(entry) {
      const write = auditWrite(entry);
      await callRedis(redis, 'audit append', APPEND(redis, write.keys, [write.json, write.atPad]));
    },
    async query(query) {
      const q = parseAuditQuery(query);
      const index =
        q.journalId && q.accountId ? auditAccountIndex(q.journalId, q.accountId) : q.esiaOid ? auditPersonIndex(q.esiaOid) : AUDIT_TIME_INDEX;
      const min = `${q.min.exclusive ? '(' : '['}${q.min.member}`;
      const max = `(${q.maxExclusive}`;
      const reply = (await callRedis(
        redis,
        'audit query',
        QUERY(redis, [index, AUDIT_LOG_KEY], [min, max, q.limit, SCAN_CAP, q.esiaOid ?? '', q.journalId ?? '', q.accountId ?? '']),
      )) as string[];
      const [status, lastScanned, ...rest] = reply;
      const entries: AuditEntry[] = [];
      let lastReturned = '';
      for (let i = 0; i < rest.length; i += 2) {
        lastReturned = rest[i]!;
        entries.push(JSON.parse(rest[i + 1]!) as AuditEntry);
      }
      const nextCursor = status === 'more' ? lastReturned : status === 'cap' ? lastScanned : undefined;
      return nextCursor ? { entries, nextCursor } : { entries };
    },
  };
}

/**
 * The Redis link store. Keys (under the connection's prefix), no TTLs (links are records, see store.ts):
 * - `{records}:link:account:<journal>\0<account>` → the holder's oid (a string): at most one person;
 * - `{records}:link:person:<oid>` → a hash, field `<journal>\0<account>` → the link's JSON: the
 *   person's links, read with one HGETALL (O(links of the person)).
 * The `{records}` hash tag is shared with the audit log's keys, so every script here (link or unlink,
 * with or without its audit entry) touches keys of one Cluster slot.
 *
 * The scripts:
 * - LINK reads the account's holder; another person → refused (with the holder); this person →
 *   `existing` (HSETNX keeps the first record); nobody → SET the account and HSET the person's field.
 *   With audit keys it appends the entry for the outcome (three prepared entries, one chosen).
 * - UNLINK is a compare-and-delete: the caller reads the holder and the link record, the script
 *   deletes both sides only if both are still what was read (and appends the unlink entry), else it
 *   answers "changed" and the caller reads again. The person's key depends on the holder, and a
 *   script must name its keys up front, hence the read before.
 */
import { APPEND_LUA, auditWrite } from '../audit/log-redis.ts';
import { fromJson, StoreError } from '../store/errors.ts';
import { callRedis } from '../store/redis.ts';
import { defineScript, type RedisClient } from '../store/redis-script.ts';
import {
  accountField,
  filterLinks,
  linkAuditEntries,
  parseLink,
  unlinkAuditEntry,
  type Link,
  type LinkAuditContext,
  type LinkResult,
  type LinkStore,
  type UnlinkAuditContext,
} from './store.ts';

export const linkAccountKey = (journalId: string, accountId: string) => `{records}:link:account:${accountField(journalId, accountId)}`;
export const linkPersonKey = (oid: string) => `{records}:link:person:${oid}`;

/**
 * KEYS: account, person[, audit log, audit indexes…]. ARGV: oid, field, link JSON[, entry time (15
 * digits), linked entry, existing entry, refused entry]. Returns {'linked'} | {'existing'} | {'other', holder}.
 */
const LINK = defineScript(`${APPEND_LUA}
local holder = redis.call('GET', KEYS[1])
local result
if holder and holder ~= ARGV[1] then
  result = {'other', holder}
elseif holder then
  redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
  result = {'existing'}
else
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  result = {'linked'}
end
if #KEYS > 2 then
  local entry = ({linked = ARGV[5], existing = ARGV[6], other = ARGV[7]})[result[1]]
  append_audit(KEYS[3], entry, ARGV[4], 4, #KEYS)
end
return result
`);

/**
 * KEYS: account, person[, audit log, audit indexes…]. ARGV: holder read before, field, link JSON read
 * before[, entry time (15 digits), unlink entry]. 1 when unlinked, 0 when either side changed since the read.
 */
const UNLINK = defineScript(`${APPEND_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[2], ARGV[2]) ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2])
if #KEYS > 2 then append_audit(KEYS[3], ARGV[5], ARGV[4], 4, #KEYS) end
return 1
`);

/** How often an unlink reads again when concurrent changes keep moving the account. */
const UNLINK_ATTEMPTS = 50;

export function createRedisLinkStore(redis: RedisClient): LinkStore {
  const guard = <T>(operation: string, pending: Promise<T>) => callRedis(redis, operation, pending);

  const link = async (input: Link, context?: LinkAuditContext): Promise<LinkResult> => {
    const valid = parseLink(input);
    const keys = [linkAccountKey(valid.journalId, valid.accountId), linkPersonKey(valid.esiaOid)];
    const args: string[] = [valid.esiaOid, accountField(valid.journalId, valid.accountId), JSON.stringify(valid)];
    if (context) {
      const entries = linkAuditEntries(valid, context);
      const [linked, existing, refused] = [entries.linked, entries.existing, entries.refused].map(auditWrite);
      keys.push(...linked!.keys);
      args.push(linked!.atPad, linked!.json, existing!.json, refused!.json);
    }
    const [status, holder] = (await guard('link', LINK(redis, keys, args))) as [string, string?];
    if (status === 'other') return { ok: false, reason: 'linked_to_other', byOid: holder! };
    return { ok: true, existing: status === 'existing' };
  };

  const unlink = async (journalId: string, accountId: string, expectedOid?: string, context?: UnlinkAuditContext): Promise<Link | undefined> => {
    const accountKey = linkAccountKey(journalId, accountId);
    const field = accountField(journalId, accountId);
    for (let attempt = 0; attempt < UNLINK_ATTEMPTS; attempt++) {
      const holder = await guard('unlink', redis.get(accountKey));
      if (holder === null || (expectedOid !== undefined && holder !== expectedOid)) return undefined;
      const personKey = linkPersonKey(holder);
      const json = await guard('unlink', redis.hget(personKey, field));
      if (json === null) {
        // The account names a holder whose list lacks it: never written by these scripts.
        if ((await guard('unlink', redis.get(accountKey))) !== holder) continue;
        throw new StoreError('ERR_STORE_CORRUPT', 'a link is missing from its person', { cause: { side: 'person' } });
      }
      const removed = fromJson(json) as Link;
      const keys = [accountKey, personKey];
      const args = [holder, field, json];
      if (context) {
        const write = auditWrite(unlinkAuditEntry(removed, context));
        keys.push(...write.keys);
        args.push(write.atPad, write.json);
      }
      if (Number(await guard('unlink', UNLINK(redis, keys, args))) === 1) return removed;
      // Changed between the reads and the script: read again.
    }
    throw new StoreError('ERR_STORE_UNAVAILABLE', 'the link kept changing while unlinking', { cause: { attempts: UNLINK_ATTEMPTS } });
  };

  return {
    async linksOf(esiaOid, filter) {
      const values = Object.values(await guard('linksOf', redis.hgetall(linkPersonKey(esiaOid))));
      return filterLinks(
        values.map((v) => fromJson(v) as Link),
        filter,
      );
    },
    async personOf(journalId, accountId) {
      return (await guard('personOf', redis.get(linkAccountKey(journalId, accountId)))) ?? undefined;
    },
    link: (input) => link(input),
    unlink: (journalId, accountId, expectedOid) => unlink(journalId, accountId, expectedOid),
    linkWithAudit: (input, context) => link(input, context),
    unlinkWithAudit: (journalId, accountId, context) => unlink(journalId, accountId, context.expectedOid, context),
  };
}

/**
 * The Redis link store. Keys (under the store's prefix): `{links}:account:<journal>\0<account>` → oid,
 * and `{links}:person:<oid>` → a hash of that person's links by account. No TTLs: links are durable.
 */
import { defineScript, type RedisClient } from '../store/redis-script.ts';
import { accountField, filterLinks, type Link, type LinkStore } from './store.ts';

const accountKey = (journalId: string, accountId: string) => `{links}:account:${accountField(journalId, accountId)}`;
const personKey = (oid: string) => `{links}:person:${oid}`;

/** KEYS: account, person. ARGV: oid, field, link JSON. 1 linked (or already this person's), 0 another person's. */
const LINK = defineScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
return 1
`);

/** KEYS: account, person. ARGV: the oid read before, field. The removed link JSON, or false if the holder changed. */
const UNLINK = defineScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local link = redis.call('HGET', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2])
return link or '{}'
`);

export function createRedisLinkStore(redis: RedisClient): LinkStore {
  return {
    async linksOf(esiaOid, filter) {
      const values = Object.values(await redis.hgetall(personKey(esiaOid)));
      return filterLinks(values.map((v) => JSON.parse(v) as Link), filter);
    },
    async personOf(journalId, accountId) {
      return (await redis.get(accountKey(journalId, accountId))) ?? undefined;
    },
    async link(link) {
      const result = await LINK(redis, [accountKey(link.journalId, link.accountId), personKey(link.esiaOid)], [
        link.esiaOid,
        accountField(link.journalId, link.accountId),
        JSON.stringify(link),
      ]);
      return result === 1;
    },
    async unlink(journalId, accountId, expectedOid) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const holder = await redis.get(accountKey(journalId, accountId));
        if (!holder || (expectedOid !== undefined && holder !== expectedOid)) return undefined;
        const removed = await UNLINK(redis, [accountKey(journalId, accountId), personKey(holder)], [holder, accountField(journalId, accountId)]);
        if (typeof removed === 'string') return removed === '{}' ? undefined : (JSON.parse(removed) as Link);
        // The holder changed between the read and the script: read again.
      }
      return undefined;
    },
  };
}

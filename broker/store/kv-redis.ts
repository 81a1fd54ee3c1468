/**
 * The Redis KeyValueStore: the store of record shared by every broker instance. Each operation is
 * one atomic Redis command or script on one key, so it is safe under any number of concurrent
 * callers across processes, and every write carries its TTL in the same command.
 */
import { fromJson, StoreError, toJson, ttlSecondsOf } from './errors.ts';
import { defineScript, type RedisClient } from './redis-script.ts';
import { callRedis, closeRedis } from './redis.ts';
import type { KeyValueStore } from './types.ts';

/** Keys of this store live under `kv:` (after the connection's own prefix). */
const kvKey = (key: string) => `kv:${key}`;

/** INCR, setting the TTL on the first increment (or on a counter that somehow lost it). */
const incrementScript = defineScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
`);

export function createRedisKeyValueStore(client: RedisClient): KeyValueStore {
  const guard = <T>(operation: string, pending: Promise<T>) => callRedis(client, operation, pending);
  const read = <T>(json: string | null): T | undefined => (json === null ? undefined : (fromJson(json) as T));

  return {
    async get<T>(key: string) {
      return read<T>(await guard('get', client.get(kvKey(key))));
    },
    async set(key, value, ttlSeconds) {
      const ttl = ttlSecondsOf(ttlSeconds);
      const json = toJson(value);
      await guard('set', client.set(kvKey(key), json, 'EX', ttl));
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const ttl = ttlSecondsOf(ttlSeconds);
      const json = toJson(value);
      return (await guard('setIfAbsent', client.set(kvKey(key), json, 'EX', ttl, 'NX'))) === 'OK';
    },
    async take<T>(key: string) {
      return read<T>(await guard('take', client.getdel(kvKey(key))));
    },
    async delete(key) {
      await guard('delete', client.del(kvKey(key)));
    },
    async increment(key, ttlSeconds) {
      const ttl = ttlSecondsOf(ttlSeconds);
      try {
        return Number(await guard('increment', incrementScript(client, [kvKey(key)], [ttl])));
      } catch (err) {
        const cause = err instanceof StoreError ? err.cause : err;
        if (cause instanceof Error && /not an integer/.test(cause.message)) {
          throw new StoreError('ERR_STORE_INVALID_VALUE', 'the value is not an integer counter', { cause });
        }
        throw err;
      }
    },
    async ttl(key) {
      return guard('ttl', client.ttl(kvKey(key)));
    },
    async close() {
      await closeRedis(client);
    },
  };
}

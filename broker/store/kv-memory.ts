/** The in-memory KeyValueStore: one process, development and tests only. Same semantics as Redis. */
import { fromJson, StoreError, toJson, ttlSecondsOf } from './errors.ts';
import { TtlMap, type TtlMapOptions } from './ttl-map.ts';
import type { KeyValueStore } from './types.ts';

/** The memory store, plus a listing of its live keys and their TTLs (tests assert every key has one). */
export interface MemoryKeyValueStore extends KeyValueStore {
  keys(): Array<{ key: string; ttlSeconds: number }>;
}

export function createMemoryKeyValueStore(options: TtlMapOptions = {}): MemoryKeyValueStore {
  const table = new TtlMap<string>(options);
  const read = <T>(json: string | undefined): T | undefined => (json === undefined ? undefined : (fromJson(json) as T));

  return {
    async get<T>(key: string) {
      return read<T>(table.get(key));
    },
    async set(key, value, ttlSeconds) {
      const ttl = ttlSecondsOf(ttlSeconds);
      table.set(key, toJson(value), ttl);
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const ttl = ttlSecondsOf(ttlSeconds);
      const json = toJson(value);
      if (table.get(key) !== undefined) return false;
      table.set(key, json, ttl);
      return true;
    },
    async take<T>(key: string) {
      const json = table.get(key);
      table.delete(key);
      return read<T>(json);
    },
    async delete(key) {
      table.delete(key);
    },
    async increment(key, ttlSeconds) {
      const ttl = ttlSecondsOf(ttlSeconds);
      const json = table.get(key);
      const expiresAt = table.expiresAt(key);
      if (json === undefined || expiresAt === undefined) {
        table.set(key, '1', ttl);
        return 1;
      }
      const count = fromJson(json);
      if (typeof count !== 'number' || !Number.isSafeInteger(count)) {
        throw new StoreError('ERR_STORE_INVALID_VALUE', 'the value is not an integer counter', { cause: { type: typeof count } });
      }
      table.setUntil(key, String(count + 1), expiresAt);
      return count + 1;
    },
    async ttl(key) {
      const expiresAt = table.expiresAt(key);
      return expiresAt === undefined ? -2 : Math.max(0, Math.round((expiresAt - table.now()) / 1000));
    },
    async close() {
      table.clear();
    },
    keys() {
      const now = table.now();
      return [...table.keys()].map(({ key, expiresAt }) => ({ key, ttlSeconds: (expiresAt - now) / 1000 }));
    },
  };
}

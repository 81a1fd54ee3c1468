/**
 * A Lua script run by its SHA (EVALSHA), loading it on the first NOSCRIPT reply. Works on one Redis,
 * Sentinel and Cluster alike (every script here touches one key, or keys of one slot), and ioredis
 * applies the key prefix to the script's KEYS.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export type RedisScript = (client: RedisClient, keys: readonly string[], args?: ReadonlyArray<string | number>) => Promise<unknown>;

export function defineScript(lua: string): RedisScript {
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (client, keys, args = []) => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

/**
 * The broker's stores, built once at start: Redis (the store of record, shared by every instance)
 * or memory (one process; development and tests). Links and consents build their own modules on
 * the same Redis connection (`redis`).
 */
import { createMemoryKeyValueStore } from './kv-memory.ts';
import { createRedisKeyValueStore } from './kv-redis.ts';
import { createMemoryOidcAdapterFactory } from './oidc-adapter-memory.ts';
import { createRedisOidcAdapterFactory } from './oidc-adapter-redis.ts';
import { closeRedis, createRedis, type RedisClient, type RedisConfig } from './redis.ts';
import type { KeyValueStore, OidcAdapterFactory, OidcAdapterOptions, StoreDeps, StoreKind } from './types.ts';

export type { KeyValueStore, OidcAdapterFactory, OidcAdapterOptions, StoreDeps, StoreKind } from './types.ts';
export type { RedisClient, RedisConfig } from './redis.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export { createRedis, closeRedis, DEFAULT_KEY_PREFIX } from './redis.ts';

export type StoreOptions =
  | { readonly redis: RedisConfig | RedisClient; readonly oidc?: OidcAdapterOptions }
  | { readonly memory: true; readonly maxEntries?: number; readonly oidc?: OidcAdapterOptions };

export interface Stores {
  readonly kind: StoreKind;
  /** True only for Redis: the memory store loses everything on restart and is not shared. */
  readonly isDurable: boolean;
  readonly kv: KeyValueStore;
  /** node-oidc-provider's `adapter` option. */
  readonly oidcAdapter: OidcAdapterFactory;
  /** The shared connection (Redis only), for modules with their own scripts (links, consents). */
  readonly redis?: RedisClient;
  /** Closes the connection. Idempotent. */
  close(): Promise<void>;
}

/** Builds the stores; a `redis` client passed in is used as is (and closed by `close()`). */
export function createStores(options: StoreOptions, deps: StoreDeps): Stores {
  if ('memory' in options) {
    deps.log.warn({ kind: 'memory' }, 'in-memory store: data is lost on restart and not shared between processes; development only');
    const table = { clock: deps.clock, maxEntries: options.maxEntries };
    const kv = createMemoryKeyValueStore(table);
    return {
      kind: 'memory',
      isDurable: false,
      kv,
      oidcAdapter: createMemoryOidcAdapterFactory({ ...options.oidc, ...table }),
      close: () => kv.close(),
    };
  }
  const redis = isRedisClient(options.redis) ? options.redis : createRedis(options.redis, deps);
  return {
    kind: 'redis',
    isDurable: true,
    kv: createRedisKeyValueStore(redis),
    oidcAdapter: createRedisOidcAdapterFactory(redis, options.oidc),
    redis,
    close: () => closeRedis(redis),
  };
}

function isRedisClient(value: RedisConfig | RedisClient): value is RedisClient {
  return typeof value === 'object' && typeof (value as Partial<RedisClient>).evalsha === 'function';
}

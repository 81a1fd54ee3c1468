/**
 * The Redis connection: one Redis by URL, Sentinel (a region's highly available setup) or Cluster
 * (when a region outgrows one primary). Every key goes under one prefix, connecting starts at once,
 * commands fail within seconds instead of hanging a login, and connection errors are logged without
 * URLs or passwords.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { Deadline } from '../../core/deadline.ts';
import type { Logger } from '../../core/log.ts';
import { StoreError } from './errors.ts';
import type { RedisClient } from './redis-script.ts';

export type { RedisClient } from './redis-script.ts';

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

interface CommonRedisConfig {
  /** Prefix of every key the broker writes. Default `esia-broker:`. */
  readonly keyPrefix?: string;
  /**
   * Connect timeout and per-command timeout. A store operation fails (ERR_STORE_UNAVAILABLE) after
   * twice this at most, whatever the topology is doing (a cluster with no reachable node would
   * otherwise queue commands forever). Default 5000 ms.
   */
  readonly timeoutMs?: number;
}

/** One Redis by a `REDIS_URL`-style URL: `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS. */
export interface RedisUrlConfig extends CommonRedisConfig {
  readonly url: string;
}

/** Redis Sentinel: the sentinels to ask and the name of the monitored primary. */
export interface RedisSentinelConfig extends CommonRedisConfig {
  readonly sentinels: readonly RedisNode[];
  readonly name: string;
  readonly username?: string;
  readonly password?: string;
  readonly sentinelPassword?: string;
  readonly db?: number;
  readonly tls?: boolean;
}

/** Redis Cluster: some seed nodes; the rest is discovered. */
export interface RedisClusterConfig extends CommonRedisConfig {
  readonly cluster: readonly RedisNode[];
  readonly username?: string;
  readonly password?: string;
  readonly tls?: boolean;
}

export type RedisConfig = string | RedisUrlConfig | RedisSentinelConfig | RedisClusterConfig;

export const DEFAULT_KEY_PREFIX = 'esia-broker:';
const DEFAULT_TIMEOUT_MS = 5000;

/** How long a store operation may take on each client, by `timeoutMs`. */
const deadlines = new WeakMap<RedisClient, number>();
/**
 * Clients whose every command ioredis times out itself: one Redis by URL or through Sentinel, where
 * `commandTimeout` is armed when a command is issued, whether it is written, queued while offline or
 * retried after a reconnect. A Cluster holds commands in a queue of its own until it knows its nodes,
 * with no timer: its operations get a `StoreCall` deadline as well.
 */
const timedByDriver = new WeakSet<RedisClient>();

/** Connects (immediately, not lazily) and returns the client; commands queue until it is ready. */
export function createRedis(config: RedisConfig, deps: { log: Logger }): RedisClient {
  const c: RedisConfig = typeof config === 'string' ? { url: config } : config;
  const timeout = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const common: RedisOptions = {
    keyPrefix: c.keyPrefix ?? DEFAULT_KEY_PREFIX,
    lazyConnect: false,
    connectTimeout: timeout,
    commandTimeout: timeout,
    // A request waits through a short outage (a Sentinel failover), then fails instead of hanging.
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    // Commands issued in the same event-loop turn (by concurrent requests) go out in one write: far
    // fewer syscalls under load, the same commands and results (bench/login.ts measures it).
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    // After a failover the old primary answers READONLY: reconnect (to the new one) and resend.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };

  let client: RedisClient;
  let kind: 'url' | 'sentinel' | 'cluster';
  if ('url' in c) {
    if (!/^rediss?:\/\/[^/]/.test(c.url)) {
      throw new StoreError('ERR_STORE_CONFIG', 'the Redis URL must start with redis:// or rediss://', { cause: { scheme: c.url.split(':')[0] } });
    }
    kind = 'url';
    client = new Redis(c.url, common);
  } else if ('sentinels' in c) {
    if (c.sentinels.length === 0 || !c.name) {
      throw new StoreError('ERR_STORE_CONFIG', 'Redis Sentinel needs at least one sentinel and the primary name', { cause: { sentinels: c.sentinels.length } });
    }
    kind = 'sentinel';
    client = new Redis({
      ...common,
      sentinels: c.sentinels.map(({ host, port }) => ({ host, port })),
      name: c.name,
      role: 'master',
      username: c.username,
      password: c.password,
      sentinelPassword: c.sentinelPassword,
      db: c.db ?? 0,
      ...(c.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      sentinelRetryStrategy: (times) => Math.min(times * 200, 2000),
    });
  } else if ('cluster' in c) {
    if (c.cluster.length === 0) {
      throw new StoreError('ERR_STORE_CONFIG', 'Redis Cluster needs at least one node', { cause: { nodes: 0 } });
    }
    kind = 'cluster';
    const { keyPrefix, retryStrategy: _perNode, enableOfflineQueue, ...redisOptions } = common;
    const options: ClusterOptions = {
      keyPrefix,
      enableOfflineQueue,
      enableAutoPipelining: true,
      lazyConnect: false,
      scaleReads: 'master',
      clusterRetryStrategy: (times) => Math.min(times * 200, 2000),
      redisOptions: { ...redisOptions, username: c.username, password: c.password, ...(c.tls ? { tls: {} } : {}) },
    };
    client = new Cluster(
      c.cluster.map(({ host, port }) => ({ host, port })),
      options,
    );
  } else {
    throw new StoreError('ERR_STORE_CONFIG', 'unknown Redis configuration', { cause: { keys: Object.keys(c) } });
  }

  deadlines.set(client, 2 * timeout);
  if (kind !== 'cluster') timedByDriver.add(client);
  watchConnection(client, kind, deps.log);
  return client;
}

/** A store operation in flight: its failures and its deadline become ERR_STORE_UNAVAILABLE. */
class StoreCall<T> extends Deadline<T> {
  constructor(
    private readonly operation: string,
    private readonly ms: number,
    pending: Promise<T>,
  ) {
    super(pending, ms);
  }

  protected failure(cause: unknown): StoreError {
    return storeFailure(this.operation, cause);
  }

  protected timedOut(): StoreError {
    return this.failure(new Error(`no answer from Redis within ${this.ms} ms`));
  }
}

/** What a failed operation rejects with: StoreErrors as they are, anything else as ERR_STORE_UNAVAILABLE. */
function storeFailure(operation: string, cause: unknown): StoreError {
  return cause instanceof StoreError ? cause : new StoreError('ERR_STORE_UNAVAILABLE', `redis ${operation} failed`, { cause });
}

function rejectAsStoreFailure(operation: string, cause: unknown): never {
  throw storeFailure(operation, cause);
}

/** One rejection handler per operation name (a handful), made once: nothing made per call. */
const failureHandlers = new Map<string, (cause: unknown) => never>();

/**
 * One store operation against Redis, given as the command's (or script's, or `Promise.all` of
 * several) answer: any failure, or no answer within the client's deadline, becomes
 * ERR_STORE_UNAVAILABLE (the driver's error as `cause`); StoreErrors pass through. This runs for every
 * store operation of every request, so where the driver times the commands out itself it adds only the
 * rejection handler; elsewhere one promise and one timer (no Promise.race, no async wrapper).
 */
export function callRedis<T>(client: RedisClient, operation: string, pending: Promise<T>): Promise<T> {
  if (timedByDriver.has(client)) {
    let onFailure = failureHandlers.get(operation);
    if (!onFailure) {
      onFailure = rejectAsStoreFailure.bind(undefined, operation);
      if (failureHandlers.size < 256) failureHandlers.set(operation, onFailure);
    }
    return pending.then(undefined, onFailure);
  }
  return new StoreCall(operation, deadlines.get(client) ?? 2 * DEFAULT_TIMEOUT_MS, pending).promise;
}

/** Closes the connection: QUIT when connected, else drops it. Idempotent. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** Logs connection state; repeats of the same error are logged at most once a minute. */
function watchConnection(client: RedisClient, kind: string, log: Logger): void {
  let last = { message: '', at: 0 };
  client.on('error', (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    if (message === last.message && now - last.at < 60_000) return;
    last = { message, at: now };
    const code = (err as { code?: unknown } | null)?.code;
    log.error({ kind, code: typeof code === 'string' ? code : undefined, error: message }, 'redis connection error');
  });
  client.on('ready', () => {
    last = { message: '', at: 0 };
    log.info({ kind }, 'redis ready');
  });
  client.on('reconnecting', () => log.debug({ kind }, 'redis reconnecting'));
}

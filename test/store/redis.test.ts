/**
 * The Redis store against the storage conformance suite, on the real Redis at 127.0.0.1:6379 (each
 * test under its own random key prefix, removed afterwards), plus the connection's behaviour when
 * Redis is unreachable or goes away (a private redis-server on a spare port).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStores, type Stores } from '../../broker/store/index.ts';
import { createRedis } from '../../broker/store/redis.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { describeStoreConformance } from './conformance.ts';
import { freePort, startRedisServer, waitFor } from './redis-server.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const admin = new Redis(REDIS_URL, { lazyConnect: true });

beforeAll(async () => {
  await admin.connect();
});
afterAll(async () => {
  await admin.quit();
});

const uniquePrefix = () => `test-store:${randomBytes(6).toString('hex')}:`;

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function removeUnder(prefix: string): Promise<void> {
  const keys = await keysUnder(prefix);
  if (keys.length) await admin.del(...keys);
}

describeStoreConformance({
  name: 'redis',
  async setup() {
    const keyPrefix = uniquePrefix();
    const stores: Stores = createStores({ redis: { url: REDIS_URL, keyPrefix } }, { log: silentLogger });
    return {
      kv: stores.kv,
      oidc: stores.oidcAdapter,
      elapse: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
      async keys() {
        const keys = await keysUnder(keyPrefix);
        const ttls = await Promise.all(keys.map((key) => admin.pttl(key)));
        return keys.map((key, i) => ({ key: key.slice(keyPrefix.length), ttlSeconds: ttls[i]! / 1000 }));
      },
      async teardown() {
        await stores.close();
        await removeUnder(keyPrefix);
      },
    };
  },
});

describe('createStores (redis)', () => {
  it('is durable, keeps every key under its prefix, and shares one connection', async () => {
    const keyPrefix = uniquePrefix();
    const stores = createStores({ redis: { url: REDIS_URL, keyPrefix } }, { log: silentLogger });
    try {
      expect(stores.kind).toBe('redis');
      expect(stores.isDurable).toBe(true);
      expect(stores.redis).toBeDefined();
      await stores.kv.set('flow', { a: 1 }, 60);
      await stores.oidcAdapter('Session').upsert('s-1', { uid: 'u-1' }, 60);
      expect((await keysUnder(keyPrefix)).sort()).toEqual([`${keyPrefix}kv:flow`, `${keyPrefix}oidc:Session:s-1`, `${keyPrefix}oidc:uid:u-1`]);
      expect(await admin.get(`${keyPrefix}kv:flow`)).toBe('{"a":1}');
    } finally {
      await stores.close();
      await stores.close();
      await removeUnder(keyPrefix);
    }
  });

  it('accepts an existing client', async () => {
    const keyPrefix = uniquePrefix();
    const client = createRedis({ url: REDIS_URL, keyPrefix }, { log: silentLogger });
    const stores = createStores({ redis: client }, { log: silentLogger });
    try {
      expect(stores.redis).toBe(client);
      await stores.kv.set('x', 1, 60);
      expect(await admin.exists(`${keyPrefix}kv:x`)).toBe(1);
    } finally {
      await stores.close();
      await removeUnder(keyPrefix);
    }
  });
});

describe('createRedis', () => {
  it('refuses unusable configuration without echoing it', () => {
    const bad = [
      'http://user:s3cret@host',
      { url: 'localhost:6379' },
      { sentinels: [], name: 'mymaster' },
      { sentinels: [{ host: 'h', port: 26379 }], name: '' },
      { cluster: [] },
      {} as never,
    ];
    for (const config of bad) {
      let error: unknown;
      try {
        createRedis(config, { log: silentLogger });
      } catch (err) {
        error = err;
      }
      expect(error).toMatchObject({ name: 'StoreError', code: 'ERR_STORE_CONFIG' });
      expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('s3cret');
    }
  });

  it('fails fast when Redis is unreachable, and logs without the password', async () => {
    const port = await freePort();
    const logged: string[] = [];
    const record = (obj: Record<string, unknown>, msg?: string) => logged.push(JSON.stringify({ obj, msg }));
    const log: Logger = { debug: record, info: record, warn: record, error: record };
    const stores = createStores({ redis: { url: `redis://user:s3cret@127.0.0.1:${port}/0`, timeoutMs: 500 } }, { log });
    const started = Date.now();
    try {
      await expect(stores.kv.get('k')).rejects.toMatchObject({ name: 'StoreError', code: 'ERR_STORE_UNAVAILABLE' });
      await expect(stores.oidcAdapter('Session').find('s')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(8000);
      expect(logged.some((l) => l.includes('redis connection error'))).toBe(true);
      expect(logged.join('\n')).not.toContain('s3cret');
    } finally {
      await stores.close();
    }
  });

  it('fails each operation within its time limit when Redis stops answering, and carries on when it answers again', async () => {
    const port = await freePort();
    const server = await startRedisServer(port);
    const stores = createStores({ redis: { url: `redis://127.0.0.1:${port}`, timeoutMs: 400 } }, { log: silentLogger });
    try {
      await stores.kv.set('k', 'v', 60);
      server.kill('SIGSTOP'); // connected, but no answers
      const started = Date.now();
      const results = await Promise.allSettled([stores.kv.get('k'), stores.oidcAdapter('Session').find('s'), stores.oidcAdapter('AuthorizationCode').consume('c')]);
      for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { name: 'StoreError', code: 'ERR_STORE_UNAVAILABLE' } });
      expect(Date.now() - started).toBeLessThan(2500);
      server.kill('SIGCONT');
      await waitFor(async () => (await stores.kv.get('k').catch(() => undefined)) === 'v');
    } finally {
      server.kill('SIGCONT');
      await stores.close();
      server.kill('SIGKILL');
    }
  });

  describe('when its own Redis goes away and comes back', () => {
    let server: ChildProcess | undefined;
    let port: number;
    afterAll(() => {
      server?.kill('SIGKILL');
    });

    it('fails the commands while it is down and reconnects by itself', async () => {
      port = await freePort();
      server = await startRedisServer(port);
      const stores = createStores({ redis: { url: `redis://127.0.0.1:${port}`, timeoutMs: 500 } }, { log: silentLogger });
      try {
        await stores.kv.set('k', 'v', 60);
        expect(await stores.kv.get('k')).toBe('v');

        server.kill('SIGKILL');
        await new Promise((resolve) => server!.once('exit', resolve));
        await expect(stores.kv.get('k')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });

        server = await startRedisServer(port);
        await waitFor(async () => (await stores.kv.setIfAbsent('back', true, 60)) === true);
        expect(await stores.kv.get('k')).toBeUndefined(); // no persistence: the data went with the server
      } finally {
        await stores.close();
      }
    });
  });
});

/**
 * The Redis store on the other topologies `createRedis` supports: the whole conformance suite on a
 * Redis Cluster (one node holding every slot: enough for Redis to refuse any command or script that
 * spans slots), and a Sentinel-discovered primary. Private servers on spare ports.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStores } from '../../broker/store/index.ts';
import { silentLogger } from '../../core/log.ts';
import { describeStoreConformance } from './conformance.ts';
import { freePort, startRedisServer, waitFor } from './redis-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-topologies-'));
const servers: ChildProcess[] = [];
let clusterPort = 0;
let admin: Redis;

beforeAll(async () => {
  clusterPort = await freePort();
  servers.push(
    await startRedisServer(clusterPort, {
      args: ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1', '--cluster-config-file', join(dir, `nodes-${clusterPort}.conf`), '--dir', dir, '--appendonly', 'no'],
    }),
  );
  admin = new Redis({ host: '127.0.0.1', port: clusterPort });
  await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await waitFor(async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
});

afterAll(async () => {
  await admin?.quit();
  for (const server of servers) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describeStoreConformance({
  name: 'redis cluster',
  async setup() {
    const keyPrefix = `test-cluster:${randomBytes(6).toString('hex')}:`;
    const stores = createStores({ redis: { cluster: [{ host: '127.0.0.1', port: clusterPort }], keyPrefix } }, { log: silentLogger });
    const keysUnder = async () => (await admin.keys(`${keyPrefix}*`)) as string[];
    return {
      kv: stores.kv,
      oidc: stores.oidcAdapter,
      elapse: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
      async keys() {
        const keys = await keysUnder();
        const ttls = await Promise.all(keys.map((key) => admin.pttl(key)));
        return keys.map((key, i) => ({ key: key.slice(keyPrefix.length), ttlSeconds: ttls[i]! / 1000 }));
      },
      async teardown() {
        await stores.close();
        for (const key of await keysUnder()) await admin.del(key);
      },
    };
  },
});

describe('redis cluster, unreachable', () => {
  it('fails each operation within its deadline instead of queueing it forever', async () => {
    const port = await freePort();
    const stores = createStores({ redis: { cluster: [{ host: '127.0.0.1', port }], timeoutMs: 300 } }, { log: silentLogger });
    const started = Date.now();
    try {
      await expect(stores.kv.get('k')).rejects.toMatchObject({ name: 'StoreError', code: 'ERR_STORE_UNAVAILABLE' });
      await expect(stores.oidcAdapter('AuthorizationCode').consume('c')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await stores.close();
    }
  });
});

describe('redis sentinel', () => {
  it('finds the primary through a sentinel and stores there', async () => {
    const primaryPort = await freePort();
    const sentinelPort = await freePort();
    servers.push(await startRedisServer(primaryPort, { args: ['--appendonly', 'no'] }));
    const conf = join(dir, `sentinel-${sentinelPort}.conf`);
    writeFileSync(conf, `sentinel monitor primary-a 127.0.0.1 ${primaryPort} 1\n`);
    servers.push(await startRedisServer(sentinelPort, { configFile: conf, args: ['--sentinel'] }));

    const keyPrefix = 'test-sentinel:';
    const stores = createStores({ redis: { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'primary-a', keyPrefix } }, { log: silentLogger });
    const primary = new Redis({ host: '127.0.0.1', port: primaryPort });
    try {
      await stores.kv.set('flow', { s: 1 }, 60);
      expect(await stores.kv.take('flow')).toEqual({ s: 1 });
      expect(await stores.kv.increment('hits', 60)).toBe(1);
      expect(await primary.get(`${keyPrefix}kv:hits`)).toBe('1');
      expect(await primary.ttl(`${keyPrefix}kv:hits`)).toBeGreaterThan(0);
    } finally {
      await stores.close();
      await primary.quit();
    }
  });
});

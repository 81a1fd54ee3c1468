/**
 * /readyz against a Redis of its own (a redis-server on a spare port, killed and restarted): ready
 * while Redis answers, 503 naming `redis` as soon as it is gone, ready again when it is back; the
 * connection's error events are counted in /metrics. Also the journal adapters' metrics through the
 * resilience guard, over a real roster journal and a journal database that is not there.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSchema } from '../../config/broker.ts';
import { listen } from '../../core/listen.ts';
import { silentLogger } from '../../core/log.ts';
import { createOutbound } from '../../core/outbound.ts';
import { createBroker } from '../../broker/app.ts';
import { createMetrics } from '../../broker/metrics.ts';
import { createStores, type Stores } from '../../broker/store/index.ts';
import { withResilience } from '../../adapters/resilience.ts';
import { rosterAdapter } from '../../adapters/roster/index.ts';
import { writeRosterFixture } from '../../adapters/roster/fixture.ts';
import { sqlAdapter } from '../../adapters/sql/index.ts';
import { fixtureAdapterConfig } from '../../adapters/sql/fixture/queries.ts';
import { buildJournalSeed } from '../../fixtures/journal-seed.ts';
import { esiaClientFor, startMockEsia, type MockEsiaEnv } from '../helpers/mock-esia.ts';
import { freePort, startRedisServer, waitFor } from '../store/redis-server.ts';
import { sample } from '../helpers/metrics.ts';

describe('/readyz with a Redis that goes away', () => {
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let stores: Stores;
  let esia: MockEsiaEnv;
  let url: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedisServer(redisPort);
    stores = createStores({ redis: { url: `redis://127.0.0.1:${redisPort}`, keyPrefix: 'readyz-test:', timeoutMs: 500 } }, { log: silentLogger });
    esia = await startMockEsia();
    const listener = await listen(0);
    url = listener.url;
    stop = listener.close;
    const broker = createBroker({
      config: brokerSchema.parse({}),
      issuer: url,
      esia: esiaClientFor(esia),
      kv: stores.kv,
      oidcAdapter: stores.oidcAdapter,
      adapters: new Map(),
      redis: stores.redis,
      metrics: createMetrics({ defaultMetrics: false }),
    });
    listener.server.on('request', broker.handler);
  });
  afterAll(async () => {
    await stop?.();
    await stores?.close();
    await esia?.close();
    redis?.kill('SIGKILL');
  });

  const readyz = async () => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('is ready while Redis answers, 503 naming redis when it is gone, ready again when it is back', async () => {
    await waitFor(async () => stores.redis!.status === 'ready');
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ok', checks: { keys: 'ok', redis: 'ok' } } });

    redis!.kill('SIGKILL');
    await new Promise((resolve) => redis!.once('exit', resolve));
    const started = Date.now();
    await waitFor(async () => (await readyz()).status === 503, 5000);
    expect(Date.now() - started).toBeLessThan(3000);
    const down = await readyz();
    expect(down.body).toEqual({ status: 'unavailable', failing: ['redis'], checks: { keys: 'ok', redis: 'failed' } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // Reconnecting to a Redis that is gone fails: the connection's error events are counted.
    const redisErrors = async () => sample(await (await fetch(`${url}/metrics`)).text(), 'broker_redis_errors_total');
    expect(await redisErrors()).toBeDefined();
    await waitFor(async () => (await redisErrors())! >= 1, 5000);

    redis = await startRedisServer(redisPort);
    await waitFor(async () => (await readyz()).status === 200, 10_000);
    expect((await readyz()).body).toMatchObject({ checks: { redis: 'ok' } });
  });
});

describe('journal adapter metrics', () => {
  it('times every guarded call by journal, operation and outcome, and counts errors by code', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const deps = { outbound: createOutbound({ timeoutMs: 1000 }), log: silentLogger, clock: () => new Date(), observer: metrics.adapters };
    const resilience = { timeoutMs: 2000, maxConcurrent: 4, maxQueue: 4, failureThreshold: 2, openMs: 60_000 };
    const seed = buildJournalSeed(new Date());
    const { config } = await writeRosterFixture(mkdtempSync(join(tmpdir(), 'obs-roster-')), seed, 'json');
    const roster = withResilience(await rosterAdapter.create('roster-journal', config, deps), resilience, deps);
    const dead = fixtureAdapterConfig('postgres://postgres@127.0.0.1:9/postgres');
    const down = withResilience(await sqlAdapter.create('down-journal', sqlAdapter.configSchema.parse({ ...dead, connectTimeoutMs: 300 }), deps), resilience, deps);
    try {
      await roster.listInstitutions();
      await roster.getAccount('p-1001');
      for (let i = 0; i < 3; i++) await down.listInstitutions().catch(() => undefined);
      const text = (await metrics.render()).body;
      expect(sample(text, 'broker_adapter_request_duration_seconds_count', { journal: 'roster-journal', operation: 'listInstitutions', outcome: 'ok' })).toBe(1);
      expect(sample(text, 'broker_adapter_request_duration_seconds_count', { journal: 'roster-journal', operation: 'getAccount', outcome: 'ok' })).toBe(1);
      expect(sample(text, 'broker_adapter_request_duration_seconds_count', { journal: 'down-journal', operation: 'listInstitutions', outcome: 'error' })).toBe(3);
      expect(sample(text, 'broker_adapter_errors_total', { journal: 'down-journal', operation: 'listInstitutions', code: 'ERR_ADAPTER_UNAVAILABLE' })).toBe(2);
      // The third call meets the open circuit.
      expect(sample(text, 'broker_adapter_errors_total', { journal: 'down-journal', operation: 'listInstitutions', code: 'ERR_ADAPTER_CIRCUIT_OPEN' })).toBe(1);
    } finally {
      await roster.close();
      await down.close();
    }
  });
});

/**
 * Per-journal resilience over a real adapter (SQL against real PostgreSQL, and one pointed at a port
 * where nothing listens): timeouts, the concurrency limit, and the circuit breaker opening, failing
 * fast and closing again after a successful probe. Also the registry building guarded journals from
 * configuration, with config errors reported by key path.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../../core/listen.ts';
import { silentLogger } from '../../core/log.ts';
import { createOutbound } from '../../core/outbound.ts';
import { loadConfig } from '../../config/loader.ts';
import { adapterSchemas, createJournals } from '../../adapters/registry.ts';
import { sqlAdapter } from '../../adapters/sql/index.ts';
import { fixtureAdapterConfig } from '../../adapters/sql/fixture/queries.ts';
import { withResilience } from '../../adapters/resilience.ts';
import { AdapterError } from '../../adapters/errors.ts';

const deps = { outbound: createOutbound({ timeoutMs: 1000 }), log: silentLogger, clock: () => new Date() };


function slowSql(sleepSeconds: number) {
  const base = fixtureAdapterConfig('postgres://postgres@127.0.0.1:5432/postgres');
  return sqlAdapter.configSchema.parse({
    ...base,
    queries: {
      ...base.queries,
      institutions: `SELECT 'school-1' AS institution_id, 'Школа' AS institution_name, NULL AS municipality FROM pg_sleep(${sleepSeconds})`,
    },
  });
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return err instanceof AdapterError ? err.code : `unexpected ${String(err)}`;
  }
}

describe('adapter resilience', () => {
  it('times out a slow journal call', async () => {
    const adapter = withResilience(await sqlAdapter.create('slow', slowSql(1), deps), { timeoutMs: 150, maxConcurrent: 4, maxQueue: 4, failureThreshold: 5, openMs: 1000 }, deps);
    try {
      const started = Date.now();
      expect(await code(adapter.listInstitutions())).toBe('ERR_ADAPTER_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      await adapter.close();
    }
  });

  it('refuses calls beyond the concurrency limit and queue', async () => {
    const adapter = withResilience(await sqlAdapter.create('busy', slowSql(0.3), deps), { timeoutMs: 5000, maxConcurrent: 1, maxQueue: 1, failureThreshold: 5, openMs: 1000 }, deps);
    try {
      const results = await Promise.all([1, 2, 3].map(() => code(adapter.listInstitutions())));
      expect(results.sort()).toEqual(['ERR_ADAPTER_OVERLOADED', 'ok', 'ok']);
    } finally {
      await adapter.close();
    }
  });

  it('a call that waits longer than the time limit for a slot gives up instead of waiting on', async () => {
    const adapter = withResilience(await sqlAdapter.create('queue', slowSql(0.4), deps), { timeoutMs: 150, maxConcurrent: 1, maxQueue: 10, failureThreshold: 50, openMs: 1000 }, deps);
    try {
      const begun = Date.now();
      const timed = (p: Promise<unknown>) => code(p).then((c) => ({ c, ms: Date.now() - begun }));
      // A holds the only slot up to its own limit; B and C, waiting behind it, give up by then.
      const [a, b, c] = await Promise.all([1, 2, 3].map(() => timed(adapter.listInstitutions())));
      expect([a!.c, b!.c, c!.c]).toEqual(['ERR_ADAPTER_TIMEOUT', 'ERR_ADAPTER_OVERLOADED', 'ERR_ADAPTER_OVERLOADED']);
      expect(Math.max(b!.ms, c!.ms)).toBeLessThan(350);
      expect(adapter.guard.queued).toBe(0);
      expect(adapter.guard.inFlight).toBe(0);
    } finally {
      await adapter.close();
    }
  });

  it('opens the circuit after repeated failures, fails fast, and closes after a good probe', async () => {
    let now = Date.now();
    const clock = () => new Date(now);
    const port = await freePort();
    const dead = sqlAdapter.configSchema.parse({ ...fixtureAdapterConfig(`postgres://postgres@127.0.0.1:${port}/postgres`), connectTimeoutMs: 500 });
    const guarded = withResilience(await sqlAdapter.create('down', dead, deps), { timeoutMs: 2000, maxConcurrent: 4, maxQueue: 4, failureThreshold: 3, openMs: 10_000 }, { clock, log: silentLogger });
    try {
      for (let i = 0; i < 3; i++) expect(await code(guarded.listInstitutions())).toBe('ERR_ADAPTER_UNAVAILABLE');
      expect(guarded.guard.circuit).toBe('open');
      const started = Date.now();
      expect(await code(guarded.listInstitutions())).toBe('ERR_ADAPTER_CIRCUIT_OPEN');
      expect(Date.now() - started).toBeLessThan(50);
      now += 10_001;
      expect(guarded.guard.circuit).toBe('half-open');
      // The probe fails: open again at once.
      expect(await code(guarded.listInstitutions())).toBe('ERR_ADAPTER_UNAVAILABLE');
      expect(guarded.guard.circuit).toBe('open');
    } finally {
      await guarded.close();
    }
    const healthy = withResilience(await sqlAdapter.create('up', slowSql(0), deps), { timeoutMs: 2000, maxConcurrent: 4, maxQueue: 4, failureThreshold: 1, openMs: 10_000 }, { clock, log: silentLogger });
    try {
      expect(await code(healthy.listInstitutions())).toBe('ok');
      expect(healthy.guard.circuit).toBe('closed');
    } finally {
      await healthy.close();
    }
  });
});

describe('adapter registry', () => {
  it('checks journal configs against the registry and reports problems by key path', () => {
    expect(() =>
      loadConfig({
        env: {},
        adapters: adapterSchemas(),
        overrides: { journals: [{ type: 'roster', id: 'school-42', name: 'Школа 42', config: { path: '', extra: 1 } }, { type: 'ftp', id: 'x', name: 'X', config: {} }] },
      }),
    ).toThrow(/journals\.0\.config\.path[\s\S]*journals\.0\.config: Unrecognized key[\s\S]*journals\.1\.type/);
  });

  it('builds guarded journals from configuration and closes what it built when one fails', async () => {
    const config = loadConfig({
      env: { CONFIG_FILE: new URL('../../config/examples/adapter-sql.json', import.meta.url).pathname },
      adapters: adapterSchemas(),
    });
    expect(config.journals.length).toBeGreaterThan(0);
    const journals = await createJournals(config.journals.map((j) => ({ ...j, config: { ...(j.config as object), connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' } })), deps);
    try {
      const adapter = [...journals.values()][0]!;
      expect('guard' in adapter).toBe(true);
    } finally {
      await Promise.all([...journals.values()].map((a) => a.close()));
    }
    await expect(createJournals([{ type: 'ftp', id: 'x', name: 'X', config: {}, resilience: { timeoutMs: 1, maxConcurrent: 1, maxQueue: 0, failureThreshold: 1, openMs: 1 } }], deps)).rejects.toMatchObject({ code: 'ERR_ADAPTER_CONFIG' });
  });
});

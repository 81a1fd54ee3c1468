/** The memory store against the storage conformance suite, on a controlled clock. */
import { describe, expect, it } from 'vitest';
import { createMemoryKeyValueStore } from '../../broker/store/kv-memory.ts';
import { createMemoryOidcAdapterFactory } from '../../broker/store/oidc-adapter-memory.ts';
import { createStores } from '../../broker/store/index.ts';
import { TtlMap } from '../../broker/store/ttl-map.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { describeStoreConformance } from './conformance.ts';

function manualClock(start = Date.parse('2026-11-23T09:00:00Z')) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
}

describeStoreConformance({
  name: 'memory',
  async setup() {
    const { clock, advance } = manualClock();
    const kv = createMemoryKeyValueStore({ clock });
    const oidc = createMemoryOidcAdapterFactory({ clock });
    return {
      kv,
      oidc,
      async elapse(seconds) {
        advance(seconds * 1000);
      },
      async keys() {
        return [...kv.keys(), ...oidc.keys()];
      },
      async teardown() {
        await kv.close();
      },
    };
  },
});

describe('memory table', () => {
  it('is bounded: the oldest entry goes first, after the expired ones', () => {
    const { clock, advance } = manualClock();
    const table = new TtlMap<number>({ clock, maxEntries: 3 });
    table.set('a', 1, 10);
    table.set('b', 2, 1);
    table.set('c', 3, 10);
    advance(2000);
    table.set('d', 4, 10); // `b` expired: swept, nothing live evicted
    expect([...table.keys()].map((k) => k.key)).toEqual(['a', 'c', 'd']);
    table.set('e', 5, 10); // full of live entries: the oldest (`a`) is evicted
    expect([...table.keys()].map((k) => k.key)).toEqual(['c', 'd', 'e']);
    table.set('c', 6, 10); // overwriting makes no room and evicts nothing
    expect(table.size).toBe(3);
    expect(table.get('c')).toBe(6);
  });

  it('sweeps expired entries as it is written', () => {
    const { clock, advance } = manualClock();
    const table = new TtlMap<number>({ clock, sweepEvery: 10 });
    for (let i = 0; i < 5; i++) table.set(`old-${i}`, i, 1);
    advance(1500);
    for (let i = 0; i < 5; i++) table.set(`new-${i}`, i, 60);
    expect(table.size).toBe(5);
  });
});

describe('createStores (memory)', () => {
  it('is not durable, says so loudly, and works end to end', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_obj, msg) => warnings.push(msg ?? '') };
    const stores = createStores({ memory: true }, { log });
    expect(stores.kind).toBe('memory');
    expect(stores.isDurable).toBe(false);
    expect(stores.redis).toBeUndefined();
    expect(warnings.join(' ')).toMatch(/in-memory store/);
    await stores.kv.set('k', { ok: true }, 60);
    expect(await stores.kv.get('k')).toEqual({ ok: true });
    await stores.oidcAdapter('Session').upsert('s', { uid: 'u' }, 60);
    expect(await stores.oidcAdapter('Session').findByUid('u')).toEqual({ uid: 'u' });
    await stores.close();
    await stores.close();
  });
});

/**
 * The link store on both stores: cardinality (one person many accounts, an account one person),
 * idempotent relinking, unlinking, and the race: many parallel requests for one account on a real
 * Redis, exactly one wins and both sides stay consistent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../broker/store/index.ts';
import { createTestStores, type TestStores } from '../helpers/stores.ts';
import { createLinkStore, type Link, type LinkStore } from '../../broker/links/store.ts';

const link = (esiaOid: string, accountId: string, journalId = 'j1'): Link => ({
  esiaOid,
  journalId,
  accountId,
  role: 'parent',
  method: 'auto',
  linkedAt: new Date().toISOString(),
});

describe.each(['memory', 'redis'] as const)('link store (%s)', (kind) => {
  let test: TestStores;
  let stores: Stores;
  let links: LinkStore;
  beforeAll(() => {
    test = createTestStores(kind);
    stores = test.stores;
    links = createLinkStore(stores);
  });
  afterAll(async () => {
    // Durable records: nothing written has a TTL.
    for (const key of await test.keys()) expect(await stores.redis!.ttl(key)).toBe(-1);
    await test.close();
  });

  it('lets one person hold many accounts and an account only one person', async () => {
    expect(await links.link(link('100', 'a-1'))).toBe(true);
    expect(await links.link(link('100', 'a-2', 'j2'))).toBe(true);
    expect(await links.link(link('200', 'a-1'))).toBe(false);
    expect(await links.personOf('j1', 'a-1')).toBe('100');
    expect((await links.linksOf('100')).map((l) => `${l.journalId}/${l.accountId}`).sort()).toEqual(['j1/a-1', 'j2/a-2']);
    expect((await links.linksOf('100', { journalId: 'j2' })).map((l) => l.accountId)).toEqual(['a-2']);
    expect(await links.linksOf('200')).toEqual([]);
  });

  it('keeps the first record when the same person links again', async () => {
    const first = link('300', 'b-1');
    expect(await links.link(first)).toBe(true);
    expect(await links.link({ ...first, method: 'manual-password', linkedAt: '2030-01-01T00:00:00.000Z' })).toBe(true);
    expect(await links.linksOf('300')).toEqual([first]);
  });

  it('unlinks both sides, only for the expected person when one is named', async () => {
    await links.link(link('400', 'c-1'));
    expect(await links.unlink('j1', 'c-1', '999')).toBeUndefined();
    expect(await links.personOf('j1', 'c-1')).toBe('400');
    expect((await links.unlink('j1', 'c-1', '400'))?.accountId).toBe('c-1');
    expect(await links.personOf('j1', 'c-1')).toBeUndefined();
    expect(await links.linksOf('400')).toEqual([]);
    expect(await links.unlink('j1', 'c-1')).toBeUndefined();
    expect(await links.link(link('500', 'c-1'))).toBe(true);
  });

  it('lets exactly one of 50 parallel requests for one account win', async () => {
    const oids = Array.from({ length: 50 }, (_, i) => String(10_000 + i));
    const results = await Promise.all(oids.map((oid) => links.link(link(oid, 'race-1'))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = oids[results.indexOf(true)]!;
    expect(await links.personOf('j1', 'race-1')).toBe(winner);
    const holders = (await Promise.all(oids.map(async (oid) => ((await links.linksOf(oid)).length ? oid : undefined)))).filter(Boolean);
    expect(holders).toEqual([winner]);
  });

  it('stays consistent under parallel links and unlinks of one account', async () => {
    const oids = ['7001', '7002', '7003', '7004'];
    await Promise.all(
      Array.from({ length: 80 }, (_, i) => (i % 3 === 0 ? links.unlink('j1', 'storm-1') : links.link(link(oids[i % oids.length]!, 'storm-1')))),
    );
    const holder = await links.personOf('j1', 'storm-1');
    for (const oid of oids) {
      const has = (await links.linksOf(oid)).some((l) => l.accountId === 'storm-1');
      expect(has).toBe(oid === holder);
    }
  });
});

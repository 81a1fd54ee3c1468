/**
 * The Redis link store and audit log against the conformance suite, on the real Redis at
 * 127.0.0.1:6379 (each test under its own random key prefix, removed afterwards), plus the key layout:
 * one `{records}` slot, no TTLs, an append-only Stream.
 */
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../broker/audit/log.ts';
import { createLinkStore } from '../../broker/links/store.ts';
import { createTestStores } from '../helpers/stores.ts';
import { describeLinkConformance } from './conformance.ts';

describeLinkConformance({
  name: 'redis',
  async setup() {
    const test = createTestStores('redis', 'test-links');
    const redis = test.stores.redis!;
    return {
      links: createLinkStore(test.stores),
      audit: createAuditLog(test.stores),
      keys: async () => Promise.all((await test.keys()).map(async (key) => ({ key, ttl: await redis.ttl(key) }))),
      teardown: () => test.close(),
    };
  },
});

describe('redis link and audit keys', () => {
  it('keeps links and audit entries in one slot, without TTLs, the log as an untrimmed Stream', async () => {
    const test = createTestStores('redis', 'test-links');
    const redis = test.stores.redis!;
    try {
      const links = createLinkStore(test.stores);
      const link = { esiaOid: '100', journalId: 'j1', accountId: 'a-1', role: 'pupil', method: 'auto', linkedAt: new Date().toISOString() } as const;
      await links.linkWithAudit(link, { actor: { kind: 'system', id: 'test' } });
      const keys = (await test.keys()).sort();
      expect(keys).toEqual([
        '{records}:audit:account:j1\u0000a-1',
        '{records}:audit:log',
        '{records}:audit:person:100',
        '{records}:audit:time',
        '{records}:link:account:j1\u0000a-1',
        '{records}:link:person:100',
      ]);
      for (const key of keys) expect(await redis.ttl(key)).toBe(-1);
      expect(await redis.type('{records}:audit:log')).toBe('stream');
      expect(await redis.xlen('{records}:audit:log')).toBe(1);
      expect(await redis.get('{records}:link:account:j1\u0000a-1')).toBe('100');
      expect(JSON.parse((await redis.hget('{records}:link:person:100', 'j1\u0000a-1'))!)).toEqual(link);
    } finally {
      await test.close();
    }
  });
});

/** The memory link store and audit log against the conformance suite. */
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../broker/audit/log.ts';
import { createLinkStore } from '../../broker/links/store.ts';
import { createTestStores } from '../helpers/stores.ts';
import { describeLinkConformance } from './conformance.ts';

describeLinkConformance({
  name: 'memory',
  async setup() {
    const test = createTestStores('memory');
    return {
      links: createLinkStore(test.stores),
      audit: createAuditLog(test.stores),
      keys: async () => [],
      teardown: () => test.close(),
    };
  },
});

describe('memory stores', () => {
  it('share one link store and one audit log per stores object, so audited links are found in the log', async () => {
    const test = createTestStores('memory');
    const other = createTestStores('memory');
    try {
      expect(createLinkStore(test.stores)).toBe(createLinkStore(test.stores));
      expect(createAuditLog(test.stores)).toBe(createAuditLog(test.stores));
      expect(createLinkStore(other.stores)).not.toBe(createLinkStore(test.stores));
      const link = { esiaOid: '100', journalId: 'j1', accountId: 'a-1', role: 'pupil', method: 'auto', linkedAt: new Date().toISOString() } as const;
      await createLinkStore(test.stores).linkWithAudit(link, { actor: { kind: 'system', id: 'test' } });
      expect((await createAuditLog(test.stores).query({ esiaOid: '100' })).entries).toHaveLength(1);
      expect((await createAuditLog(other.stores).query({})).entries).toEqual([]);
    } finally {
      await test.close();
      await other.close();
    }
  });
});

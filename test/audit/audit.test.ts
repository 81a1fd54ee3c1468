/**
 * The audit log on both stores: append-only entries queryable by person, by account and by time, in
 * order, with pagination; no personal data gets in; on Redis nothing expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../broker/store/index.ts';
import { createTestStores, type TestStores } from '../helpers/stores.ts';
import { createAuditLog, type AuditEntry, type AuditLog } from '../../broker/audit/log.ts';

const now = Date.now();
const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  at: at(0),
  action: 'link',
  outcome: 'ok',
  actor: { kind: 'person', id: '100' },
  esiaOid: '100',
  journalId: 'j1',
  accountId: 'a-1',
  method: 'auto',
  evidence: ['snils'],
  ...over,
});

describe.each(['memory', 'redis'] as const)('audit log (%s)', (kind) => {
  let test: TestStores;
  let stores: Stores;
  let log: AuditLog;
  beforeAll(async () => {
    test = createTestStores(kind);
    stores = test.stores;
    log = createAuditLog(stores);
    await log.append(entry({ at: at(-3) }));
    await log.append(entry({ at: at(-2), action: 'link_attempt', outcome: 'refused', reason: 'wrong_credentials', esiaOid: '200', accountId: undefined, evidence: undefined }));
    await log.append(entry({ at: at(-1), action: 'unlink', actor: { kind: 'journal', id: 'demo-journal-web' } }));
    await log.append(entry({ at: at(0), esiaOid: '300', accountId: 'a-2' }));
  });
  afterAll(async () => {
    // Durable records: nothing written has a TTL.
    for (const key of await test.keys()) expect(await stores.redis!.ttl(key)).toBe(-1);
    await test.close();
  });

  it('finds entries by person and by account, in time order', async () => {
    expect((await log.query({ esiaOid: '100' })).entries.map((e) => e.action)).toEqual(['link', 'unlink']);
    expect((await log.query({ journalId: 'j1', accountId: 'a-1' })).entries.map((e) => e.action)).toEqual(['link', 'unlink']);
    expect((await log.query({ esiaOid: '200' })).entries[0]).toMatchObject({ outcome: 'refused', reason: 'wrong_credentials' });
  });

  it('finds entries by time range and pages through them', async () => {
    const range = await log.query({ from: at(-2.5), to: at(-0.5) });
    expect(range.entries.map((e) => e.action)).toEqual(['link_attempt', 'unlink']);
    const first = await log.query({ from: at(-10), limit: 3 });
    expect(first.entries).toHaveLength(3);
    const rest = await log.query({ from: at(-10), limit: 3, cursor: first.nextCursor });
    expect(rest.entries.map((e) => e.esiaOid)).toEqual(['300']);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('refuses entries with unknown fields (no personal data gets in)', async () => {
    await expect(log.append({ ...entry({}), snils: '11223344595' } as AuditEntry)).rejects.toThrow();
    await expect(log.append(entry({ evidence: ['passport' as never] }))).rejects.toThrow();
  });
});

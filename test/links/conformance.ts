/**
 * The link store and audit log conformance suite: one set of tests both stores (memory, Redis) pass.
 * Links: cardinality (one person many accounts, an account one person), idempotent relinking,
 * unlinking (only for the expected person), validation, and the races: many parallel requests for one
 * account, exactly one wins, and storms of links and unlinks leave both sides consistent, with an audit
 * trail that replays to the final state. Audit: queries by person, account, journal and time, in time
 * order, pages by cursor, limits, no personal data, nothing expires.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditLog } from '../../broker/audit/log.ts';
import type { Link, LinkStore } from '../../broker/links/store.ts';

export interface LinkStoresUnderTest {
  readonly links: LinkStore;
  readonly audit: AuditLog;
  /** Every key written with its TTL in seconds (Redis `TTL`: -1 for none); memory: none. */
  keys(): Promise<Array<{ key: string; ttl: number }>>;
  teardown(): Promise<void>;
}

export interface LinkConformanceTarget {
  readonly name: string;
  setup(): Promise<LinkStoresUnderTest>;
}

const T0 = Date.parse('2026-03-02T05:00:00.000Z');
/** A fixed clock: `minutes` after T0, ISO UTC. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const link = (esiaOid: string, accountId: string, over: Partial<Link> = {}): Link => ({
  esiaOid,
  journalId: 'j1',
  accountId,
  role: 'parent',
  method: 'auto',
  linkedAt: at(0),
  ...over,
});

const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
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

const person = { kind: 'person', id: 'x' } as const;

export function describeLinkConformance(target: LinkConformanceTarget): void {
  describe(`links and audit conformance: ${target.name}`, () => {
    let store: LinkStoresUnderTest;
    let links: LinkStore;
    let audit: AuditLog;

    beforeEach(async () => {
      store = await target.setup();
      ({ links, audit } = store);
    });
    afterEach(async () => {
      // Durable records: nothing written has a TTL.
      for (const { key, ttl } of await store.keys()) expect({ key, ttl }).toEqual({ key, ttl: -1 });
      await store.teardown();
    });

    /** Both sides agree: the account's holder, and exactly that person's links contain the account. */
    async function expectConsistent(accountId: string, oids: readonly string[]): Promise<string | undefined> {
      const holder = await links.personOf('j1', accountId);
      for (const oid of oids) {
        const mine = (await links.linksOf(oid)).filter((l) => l.journalId === 'j1' && l.accountId === accountId);
        expect({ oid, linked: mine.length }).toEqual({ oid, linked: oid === holder ? 1 : 0 });
        if (mine[0]) expect(mine[0].esiaOid).toBe(oid);
      }
      return holder;
    }

    describe('links', () => {
      it('lets one person hold many accounts and an account only one person', async () => {
        expect(await links.link(link('100', 'a-1'))).toEqual({ ok: true, existing: false });
        expect(await links.link(link('100', 'a-2', { journalId: 'j2', role: 'staff', linkedAt: at(1) }))).toEqual({ ok: true, existing: false });
        expect(await links.link(link('100', 'a-3', { linkedAt: at(2) }))).toEqual({ ok: true, existing: false });
        expect(await links.link(link('200', 'a-1'))).toEqual({ ok: false, reason: 'linked_to_other', byOid: '100' });
        expect(await links.personOf('j1', 'a-1')).toBe('100');
        expect(await links.personOf('j2', 'a-1')).toBeUndefined();
        expect((await links.linksOf('100')).map((l) => `${l.journalId}/${l.accountId}`)).toEqual(['j1/a-1', 'j2/a-2', 'j1/a-3']);
        expect((await links.linksOf('100', { journalId: 'j1' })).map((l) => l.accountId)).toEqual(['a-1', 'a-3']);
        expect((await links.linksOf('100', { role: 'staff' })).map((l) => l.accountId)).toEqual(['a-2']);
        expect(await links.linksOf('100', { journalId: 'j2', role: 'parent' })).toEqual([]);
        expect(await links.linksOf('200')).toEqual([]);
      });

      it('keeps the link record as given (institution, evidence), without absent fields', async () => {
        const full = link('100', 'a-1', { institutionId: 'school-7', method: 'manual-password', evidence: ['school_password'] });
        await links.link(full);
        await links.link(link('100', 'a-2'));
        const [first, second] = await links.linksOf('100');
        expect(first).toEqual(full);
        expect(Object.keys(second!).sort()).toEqual(['accountId', 'esiaOid', 'journalId', 'linkedAt', 'method', 'role']);
      });

      it('treats the same person linking again as done, keeping the first record', async () => {
        const first = link('300', 'b-1', { evidence: ['snils'] });
        expect(await links.link(first)).toEqual({ ok: true, existing: false });
        expect(await links.link({ ...first, method: 'manual-password', evidence: ['school_password'], linkedAt: at(60) })).toEqual({ ok: true, existing: true });
        expect(await links.linksOf('300')).toEqual([first]);
        expect(await links.personOf('j1', 'b-1')).toBe('300');
      });

      it('unlinks both sides, only for the expected person when one is named', async () => {
        await links.link(link('400', 'c-1'));
        await links.link(link('400', 'c-2'));
        expect(await links.unlink('j1', 'c-1', '999')).toBeUndefined();
        expect(await links.personOf('j1', 'c-1')).toBe('400');
        expect(await links.linksOf('400')).toHaveLength(2);
        expect(await links.unlink('j1', 'c-1', '400')).toEqual(link('400', 'c-1'));
        expect(await links.personOf('j1', 'c-1')).toBeUndefined();
        expect((await links.linksOf('400')).map((l) => l.accountId)).toEqual(['c-2']);
        expect(await links.unlink('j1', 'c-1')).toBeUndefined();
        expect(await links.unlink('j1', 'never-linked')).toBeUndefined();
        expect(await links.unlink('j1', 'c-2')).toEqual(link('400', 'c-2'));
        expect(await links.linksOf('400')).toEqual([]);
        // The account is free again.
        expect(await links.link(link('500', 'c-1'))).toEqual({ ok: true, existing: false });
      });

      it('refuses malformed links and anything that is not a link field', async () => {
        await expect(links.link(link('not-an-oid', 'd-1'))).rejects.toMatchObject({ code: 'ERR_STORE_INVALID_VALUE' });
        await expect(links.link({ ...link('100', 'd-1'), snils: '112-233-445 95' } as Link)).rejects.toMatchObject({ code: 'ERR_STORE_INVALID_VALUE' });
        await expect(links.link(link('100', 'd-1', { evidence: ['passport' as never] }))).rejects.toMatchObject({ code: 'ERR_STORE_INVALID_VALUE' });
        await expect(links.link(link('100', 'd-1', { linkedAt: 'yesterday' }))).rejects.toMatchObject({ code: 'ERR_STORE_INVALID_VALUE' });
        expect(await links.personOf('j1', 'd-1')).toBeUndefined();
      });

      it('lets exactly one of 50 parallel requests for one account win', async () => {
        const oids = Array.from({ length: 50 }, (_, i) => String(10_000 + i));
        const results = await Promise.all(oids.map((oid) => links.link(link(oid, 'race-1'))));
        const winners = results.flatMap((r, i) => (r.ok ? [oids[i]!] : []));
        expect(winners).toHaveLength(1);
        const winner = winners[0]!;
        expect(results.filter((r) => !r.ok)).toEqual(Array.from({ length: 49 }, () => ({ ok: false, reason: 'linked_to_other', byOid: winner })));
        expect(await expectConsistent('race-1', oids)).toBe(winner);
      });

      it('stays consistent under storms of parallel links and unlinks of one account', async () => {
        const oids = ['7001', '7002', '7003', '7004'];
        for (let round = 0; round < 3; round++) {
          await Promise.all(
            Array.from({ length: 60 }, (_, i) =>
              i % 3 === 0 ? links.unlink('j1', 'storm-1', i % 2 ? oids[i % 4] : undefined) : links.link(link(oids[i % 4]!, 'storm-1')),
            ),
          );
          await expectConsistent('storm-1', oids);
        }
      });
    });

    describe('links with their audit entries', () => {
      it('writes the entry for each outcome with the change', async () => {
        const first = link('100', 'a-1', { method: 'auto', evidence: ['full_name+birth_date'] });
        expect(await links.linkWithAudit(first, { actor: { kind: 'system', id: 'auto-link' }, requestId: 'req-1' })).toEqual({ ok: true, existing: false });
        expect(await links.linkWithAudit({ ...first, linkedAt: at(1) }, { actor: { kind: 'person', id: '100' } })).toEqual({ ok: true, existing: true });
        expect(await links.linkWithAudit(link('200', 'a-1', { linkedAt: at(2), method: 'manual-password' }), { actor: { kind: 'person', id: '200' } })).toEqual({
          ok: false,
          reason: 'linked_to_other',
          byOid: '100',
        });
        expect(await links.unlinkWithAudit('j1', 'a-1', { actor: { kind: 'person', id: '200' }, at: at(3), expectedOid: '200' })).toBeUndefined();
        expect(await links.unlinkWithAudit('j1', 'a-1', { actor: { kind: 'journal', id: 'journal-web' }, at: at(4), reason: 'by_journal' })).toEqual(first);
        expect(await links.unlinkWithAudit('j1', 'a-1', { actor: { kind: 'journal', id: 'journal-web' }, at: at(5) })).toBeUndefined();

        const { entries } = await audit.query({ journalId: 'j1', accountId: 'a-1' });
        const common = { action: 'link', journalId: 'j1', accountId: 'a-1' };
        expect(entries).toEqual([
          { ...common, at: at(0), outcome: 'ok', actor: { kind: 'system', id: 'auto-link' }, esiaOid: '100', method: 'auto', evidence: ['full_name+birth_date'], requestId: 'req-1' },
          { ...common, at: at(1), outcome: 'ok', reason: 'already_linked', actor: { kind: 'person', id: '100' }, esiaOid: '100', method: 'auto', evidence: ['full_name+birth_date'] },
          { ...common, at: at(2), outcome: 'refused', reason: 'linked_to_another_person', actor: { kind: 'person', id: '200' }, esiaOid: '200', method: 'manual-password' },
          { ...common, action: 'unlink', at: at(4), outcome: 'ok', reason: 'by_journal', actor: { kind: 'journal', id: 'journal-web' }, esiaOid: '100', method: 'auto' },
        ]);
        expect((await audit.query({ esiaOid: '200' })).entries.map((e) => e.reason)).toEqual(['linked_to_another_person']);
      });

      it('changes nothing when the audit entry is invalid', async () => {
        await expect(links.linkWithAudit(link('100', 'a-1'), { actor: { kind: 'robot' as 'system', id: 'x' } })).rejects.toThrow();
        expect(await links.personOf('j1', 'a-1')).toBeUndefined();
        await links.link(link('100', 'a-1'));
        await expect(links.unlinkWithAudit('j1', 'a-1', { actor: person, at: at(1), reason: 'Иванов Иван' })).rejects.toThrow();
        expect(await links.personOf('j1', 'a-1')).toBe('100');
        expect((await audit.query({})).entries).toEqual([]);
      });

      it('records exactly one winner of 50 parallel audited links', async () => {
        const oids = Array.from({ length: 50 }, (_, i) => String(20_000 + i));
        const results = await Promise.all(oids.map((oid) => links.linkWithAudit(link(oid, 'race-2'), { actor: { kind: 'person', id: oid } })));
        const winner = oids[results.findIndex((r) => r.ok)]!;
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(await expectConsistent('race-2', oids)).toBe(winner);
        const { entries } = await audit.query({ journalId: 'j1', accountId: 'race-2' });
        expect(entries).toHaveLength(50);
        expect(entries.filter((e) => e.outcome === 'ok').map((e) => e.esiaOid)).toEqual([winner]);
        expect(entries.filter((e) => e.outcome === 'refused')).toHaveLength(49);
      });

      it('keeps an audit trail that replays to the final state under a storm', async () => {
        const oids = ['8001', '8002', '8003'];
        await Promise.all(
          Array.from({ length: 90 }, (_, i) =>
            i % 3 === 0
              ? links.unlinkWithAudit('j1', 'storm-2', { actor: person, at: at(0), expectedOid: i % 2 ? oids[i % 3] : undefined })
              : links.linkWithAudit(link(oids[i % 3]!, 'storm-2'), { actor: person }),
          ),
        );
        const holder = await expectConsistent('storm-2', oids);
        // Every entry has the same time: the log's order is the order the changes happened.
        const { entries } = await audit.query({ journalId: 'j1', accountId: 'storm-2', limit: 1000 });
        let state: string | undefined;
        for (const e of entries) {
          if (e.action === 'unlink') {
            expect(e.esiaOid).toBe(state);
            state = undefined;
          } else if (e.outcome === 'refused') {
            expect(state).toBeDefined();
            expect(e.esiaOid).not.toBe(state);
          } else if (e.reason === 'already_linked') {
            expect(e.esiaOid).toBe(state);
          } else {
            expect(state).toBeUndefined();
            state = e.esiaOid;
          }
        }
        expect(state).toBe(holder);
        expect(entries.filter((e) => e.action === 'link')).toHaveLength(60);
      });
    });

    describe('audit log', () => {
      it('finds entries by person, by account and by journal, in time order whatever the order of appending', async () => {
        await audit.append(entry({ at: at(-1), action: 'unlink', actor: { kind: 'journal', id: 'journal-web' } }));
        await audit.append(entry({ at: at(-3) }));
        await audit.append(entry({ at: at(-2), action: 'link_attempt', outcome: 'refused', reason: 'wrong_credentials', esiaOid: '200', accountId: undefined, evidence: undefined }));
        await audit.append(entry({ at: at(0), esiaOid: '300', accountId: 'a-2', journalId: 'j2' }));
        await audit.append(entry({ at: at(1), action: 'login_refused', outcome: 'refused', reason: 'level_too_low', esiaOid: '100', journalId: undefined, accountId: undefined, method: undefined, evidence: undefined }));

        expect((await audit.query({ esiaOid: '100' })).entries.map((e) => e.action)).toEqual(['link', 'unlink', 'login_refused']);
        expect((await audit.query({ journalId: 'j1', accountId: 'a-1' })).entries.map((e) => e.action)).toEqual(['link', 'unlink']);
        expect((await audit.query({ esiaOid: '100', journalId: 'j1', accountId: 'a-1' })).entries.map((e) => e.at)).toEqual([at(-3), at(-1)]);
        expect((await audit.query({ journalId: 'j1' })).entries.map((e) => e.at)).toEqual([at(-3), at(-2), at(-1)]);
        expect((await audit.query({ esiaOid: '200' })).entries).toEqual([
          { at: at(-2), action: 'link_attempt', outcome: 'refused', reason: 'wrong_credentials', actor: { kind: 'person', id: '100' }, esiaOid: '200', journalId: 'j1', method: 'auto' },
        ]);
        expect((await audit.query({})).entries.map((e) => e.at)).toEqual([at(-3), at(-2), at(-1), at(0), at(1)]);
        expect((await audit.query({ esiaOid: '999' })).entries).toEqual([]);
      });

      it('finds entries by time range, bounds included', async () => {
        for (let m = 0; m < 10; m++) await audit.append(entry({ at: at(m), esiaOid: String(100 + (m % 2)) }));
        expect((await audit.query({ from: at(3), to: at(6) })).entries.map((e) => e.at)).toEqual([at(3), at(4), at(5), at(6)]);
        expect((await audit.query({ from: at(2.5), to: at(4.5) })).entries.map((e) => e.at)).toEqual([at(3), at(4)]);
        expect((await audit.query({ esiaOid: '101', from: at(4) })).entries.map((e) => e.at)).toEqual([at(5), at(7), at(9)]);
        expect((await audit.query({ journalId: 'j1', accountId: 'a-1', to: at(1) })).entries.map((e) => e.at)).toEqual([at(0), at(1)]);
        expect((await audit.query({ from: at(20) })).entries).toEqual([]);
        expect((await audit.query({ from: at(5), to: at(4) })).entries).toEqual([]);
      });

      it('keeps the order of appending among entries of the same time', async () => {
        const oids = Array.from({ length: 12 }, (_, i) => String(500 + i));
        for (const oid of oids) await audit.append(entry({ esiaOid: oid }));
        expect((await audit.query({})).entries.map((e) => e.esiaOid)).toEqual(oids);
        expect((await audit.query({ journalId: 'j1', accountId: 'a-1', limit: 5 })).entries.map((e) => e.esiaOid)).toEqual(oids.slice(0, 5));
      });

      it('pages through entries with a cursor, with or without filters', async () => {
        const appended: AuditEntry[] = [];
        for (let i = 0; i < 25; i++) {
          const e = entry({ at: at(i % 7), esiaOid: i % 3 ? '100' : '200', accountId: `a-${i}` });
          appended.push(e);
          await audit.append(e);
        }
        const byTime = [...appended].sort((a, b) => a.at.localeCompare(b.at));
        const pages: AuditEntry[][] = [];
        let cursor: string | undefined;
        do {
          const page = await audit.query({ limit: 10, cursor });
          pages.push(page.entries);
          cursor = page.nextCursor;
        } while (cursor);
        expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
        expect(pages.flat()).toEqual(byTime);

        const mine = byTime.filter((e) => e.esiaOid === '200');
        const first = await audit.query({ esiaOid: '200', limit: 4 });
        expect(first.entries).toEqual(mine.slice(0, 4));
        const rest = await audit.query({ esiaOid: '200', limit: 4, cursor: first.nextCursor });
        expect(rest.entries).toEqual(mine.slice(4, 8));
        const last = await audit.query({ esiaOid: '200', limit: 4, cursor: rest.nextCursor });
        expect(last.entries).toEqual(mine.slice(8));
        expect(last.nextCursor).toBeUndefined();
        // A page that ends exactly at the last entry says so.
        expect((await audit.query({ esiaOid: '200', limit: mine.length })).nextCursor).toBeUndefined();
        // A cursor with a time range: the range still applies.
        const ranged = await audit.query({ from: at(2), to: at(4), limit: 3 });
        const next = await audit.query({ from: at(2), to: at(4), limit: 100, cursor: ranged.nextCursor });
        expect([...ranged.entries, ...next.entries]).toEqual(byTime.filter((e) => e.at >= at(2) && e.at <= at(4)));
      });

      it('returns 100 entries by default and at most 1000', async () => {
        await Promise.all(Array.from({ length: 1005 }, (_, i) => audit.append(entry({ at: at(i / 1000), accountId: `a-${i}` }))));
        const byDefault = await audit.query({});
        expect(byDefault.entries).toHaveLength(100);
        expect(byDefault.nextCursor).toBeDefined();
        const most = await audit.query({ limit: 5000 });
        expect(most.entries).toHaveLength(1000);
        expect((await audit.query({ limit: 5000, cursor: most.nextCursor })).entries).toHaveLength(5);
      });

      it('refuses personal data: unknown fields, free text, unknown evidence labels', async () => {
        const refused = [
          { ...entry(), snils: '112-233-445 95' },
          { ...entry(), name: 'Иванов Иван Иванович' },
          { ...entry(), actor: { kind: 'person', id: '100', birthDate: '2010-05-01' } },
          entry({ reason: 'Иванов Иван Иванович' }),
          entry({ reason: 'snils 112-233-445 95' }),
          entry({ method: 'snils=11223344595' }),
          entry({ evidence: ['11223344595' as never] }),
          entry({ esiaOid: 'Ivanov' }),
          entry({ at: '2026-03-02T08:00:00+03:00' }),
          entry({ action: 'whatever' as never }),
        ];
        for (const e of refused) await expect(audit.append(e as AuditEntry)).rejects.toMatchObject({ code: 'ERR_AUDIT_INVALID_ENTRY' });
        expect((await audit.query({})).entries).toEqual([]);
        // Evidence is labels only: the stored entry holds no SNILS-like digits.
        await audit.append(entry({ esiaOid: '1000000001', evidence: ['snils', 'full_name+birth_date'] }));
        const stored = JSON.stringify((await audit.query({})).entries);
        expect(stored).not.toMatch(/\d{3}-?\d{3}-?\d{3}[ -]?\d{2}(?!\d)/);
        expect(stored).toContain('"evidence":["snils","full_name+birth_date"]');
      });

      it('refuses malformed queries', async () => {
        await expect(audit.query({ accountId: 'a-1' })).rejects.toMatchObject({ code: 'ERR_AUDIT_INVALID_QUERY' });
        await expect(audit.query({ cursor: 'anything' })).rejects.toMatchObject({ code: 'ERR_AUDIT_INVALID_QUERY' });
        await expect(audit.query({ from: 'yesterday' })).rejects.toMatchObject({ code: 'ERR_AUDIT_INVALID_QUERY' });
        await expect(audit.query({ limit: 0 })).rejects.toMatchObject({ code: 'ERR_AUDIT_INVALID_QUERY' });
      });
    });
  });
}

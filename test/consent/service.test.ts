/**
 * The consent domain on both stores (memory, and a real Redis under a fresh prefix): opening a request
 * once however many logins race, eligible parents by journal relation and by ESIA children list,
 * decisions by eligible parents only and at the policy's level, exactly one winner when decisions race
 * (double approve, approve against revoke), approve after revoke, expiry, and every change audited in
 * the same step.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rosterAdapter } from '../../adapters/roster/index.ts';
import { writeRosterFixture } from '../../adapters/roster/fixture.ts';
import type { JournalAdapter } from '../../adapters/types.ts';
import { consentSchema } from '../../config/broker.ts';
import { silentLogger } from '../../core/log.ts';
import { createOutbound } from '../../core/outbound.ts';
import { buildJournalSeed } from '../../fixtures/journal-seed.ts';
import { createAuditLog, type AuditLog } from '../../broker/audit/log.ts';
import { consentForLogin, decide, kidKeysFor, rememberEsiaChildren, revoke, type ConsentDeps } from '../../broker/consent/service.ts';
import { createConsentStore, type ConsentRecord } from '../../broker/consent/store.ts';
import { createLinkStore, type LinkStore } from '../../broker/links/store.ts';
import { createTestStores, type TestStores } from '../helpers/stores.ts';

const J = 'demo-journal';
const IVANOV = { oid: '1000000002', lastName: 'Иванов', firstName: 'Пётр', middleName: 'Сергеевич', birthDate: '2011-05-07', snils: '123-456-789 64' };
const IVANOVA = '1000000001';
const SMIRNOVA = '1000000005';
const STRANGER = '1000000011';

let adapter: JournalAdapter;
beforeAll(async () => {
  const seed = buildJournalSeed(new Date());
  const { config } = await writeRosterFixture(mkdtempSync(join(tmpdir(), 'consent-roster-')), seed, 'json');
  adapter = await rosterAdapter.create(J, config, { outbound: createOutbound({ timeoutMs: 2000 }), log: silentLogger, clock: () => new Date() });
});
afterAll(() => adapter?.close());

describe.each(['memory', 'redis'] as const)('consent on the %s store', (kind) => {
  let test: TestStores;
  let links: LinkStore;
  let audit: AuditLog;
  let deps: ConsentDeps;
  let now: Date;
  let ended: string[];

  beforeEach(async () => {
    test = createTestStores(kind, 'test-consent');
    links = createLinkStore(test.stores);
    audit = createAuditLog(test.stores);
    now = new Date('2026-11-23T10:00:00Z');
    ended = [];
    deps = {
      store: createConsentStore(test.stores),
      links,
      adapters: new Map([[J, adapter]]),
      config: consentSchema.parse({ webhookUrl: 'https://journal.example.ru/consent-events' }),
      policyVersion: '2026-11',
      clock: () => now,
      log: silentLogger,
      endSessions: async (journalId, accountId) => void ended.push(`${journalId}/${accountId}`),
    };
    const linkedAt = now.toISOString();
    await links.link({ esiaOid: IVANOV.oid, journalId: J, accountId: 's-2001', role: 'pupil', method: 'manual-password', linkedAt });
    await links.link({ esiaOid: IVANOVA, journalId: J, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt });
  });
  afterEach(() => test.close());

  /** The events queued in the outbox (taken, as a delivering instance would). */
  const events = async () => (await deps.store.outbox.read('test', 100)).map((e) => e.event);

  const pupil = async () => ({ oid: IVANOV.oid, kidKeys: await kidKeysFor(deps, IVANOV) });
  const accounts = [{ journalId: J, accountId: 's-2001' }];

  it('opens one request however many logins race, with the parent the journal relates and who is linked', async () => {
    const p = await pupil();
    const results = await Promise.all(Array.from({ length: 20 }, () => consentForLogin(deps, p, accounts)));
    const ids = new Set(results.map((r) => r.record.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.state === 'pending')).toBe(true);
    const [record] = await deps.store.historyOf(IVANOV.oid);
    expect(record).toMatchObject({ state: 'pending', pupilOid: IVANOV.oid, pupilAccounts: accounts });
    expect(record!.eligible).toEqual([{ esiaOid: IVANOVA, evidence: 'journal_relation', accounts: [{ journalId: J, accountId: 'p-1001' }] }]);
    // No personal data in the record: only oids, account ids, codes, times and keyed hashes.
    expect(JSON.stringify(record)).not.toMatch(/Иванов|123-456-789|2011-05-07|12345678964/);
    expect(await events()).toEqual(['consent.requested']);
    const { entries } = await audit.query({ esiaOid: IVANOV.oid });
    expect(entries).toEqual([expect.objectContaining({ action: 'consent_requested', outcome: 'ok', actor: { kind: 'person', id: IVANOV.oid } })]);
  });

  it('lets only an eligible parent with the level the policy asks decide; the decision records its proof', async () => {
    const { record } = await consentForLogin(deps, await pupil(), accounts);
    expect(await decide(deps, record.id, { oid: STRANGER, level: 'confirmed' }, 'granted')).toEqual({ ok: false, reason: 'not_found' });
    expect(await decide(deps, 'no-such-request-0000', { oid: IVANOVA, level: 'confirmed' }, 'granted')).toEqual({ ok: false, reason: 'not_found' });
    expect(await decide(deps, record.id, { oid: IVANOVA, level: 'standard' }, 'granted')).toEqual({ ok: false, reason: 'level_too_low' });
    now = new Date('2026-11-23T11:30:00Z');
    const approved = await decide(deps, record.id, { oid: IVANOVA, level: 'confirmed' }, 'granted');
    expect(approved.ok).toBe(true);
    const stored = await deps.store.get(record.id);
    expect(stored).toMatchObject({
      state: 'granted',
      decision: { outcome: 'granted', parentOid: IVANOVA, evidence: 'journal_relation', parentLevel: 'confirmed', at: '2026-11-23T11:30:00.000Z', policyVersion: '2026-11' },
    });
    expect((await consentForLogin(deps, await pupil(), accounts)).state).toBe('granted');
    const { entries } = await audit.query({ esiaOid: IVANOV.oid });
    expect(entries.map((e) => e.action)).toEqual(['consent_requested', 'consent_granted']);
    expect(entries[1]).toMatchObject({ actor: { kind: 'person', id: IVANOVA }, evidence: ['journal_relation'], reason: 'policy:2026-11', method: 'cabinet' });
  });

  it('lets exactly one of many racing approvals win', async () => {
    const { record } = await consentForLogin(deps, await pupil(), accounts);
    const results = await Promise.all(Array.from({ length: 12 }, () => decide(deps, record.id, { oid: IVANOVA, level: 'confirmed' }, 'granted')));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'closed')).toBe(true);
    const { entries } = await audit.query({ esiaOid: IVANOV.oid });
    expect(entries.filter((e) => e.action === 'consent_granted')).toHaveLength(1);
    expect((await deps.store.get(record.id))!.version).toBe(2);
  });

  it('resolves an approval racing a refusal and a revocation to one consistent history', async () => {
    const { record } = await consentForLogin(deps, await pupil(), accounts);
    const parent = { oid: IVANOVA, level: 'confirmed' as const };
    const mayRevoke = () => true;
    const [approve, decline, withdraw] = await Promise.all([
      decide(deps, record.id, parent, 'granted'),
      decide(deps, record.id, parent, 'declined'),
      revoke(deps, record.id, { kind: 'admin', id: 'it' }, mayRevoke),
    ]);
    const final = (await deps.store.get(record.id))!;
    const actions = (await audit.query({ esiaOid: IVANOV.oid })).entries.map((e) => e.action).slice(1);
    // Exactly one of approve/decline took the pending request; the revocation applies only to what it found open.
    expect([approve.ok, decline.ok].filter(Boolean).length).toBeLessThanOrEqual(1);
    if (decline.ok) expect(final.state).toBe('declined');
    if (approve.ok) expect(['granted', 'revoked']).toContain(final.state);
    if (withdraw.ok) expect(final.state).toBe('revoked');
    expect(actions.length).toBe([approve.ok, decline.ok, withdraw.ok].filter(Boolean).length);
    expect(final.version).toBe(1 + actions.length);
  });

  it('refuses to approve after a revocation, ends the pupil sessions, and the next login asks again', async () => {
    const { record } = await consentForLogin(deps, await pupil(), accounts);
    await decide(deps, record.id, { oid: IVANOVA, level: 'confirmed' }, 'granted');
    const revoked = await revoke(deps, record.id, { kind: 'person', id: IVANOVA }, (r) => r.eligible.some((p) => p.esiaOid === IVANOVA), 'by_parent');
    expect(revoked.ok).toBe(true);
    expect(ended).toEqual([`${J}/s-2001`]);
    const again = await decide(deps, record.id, { oid: IVANOVA, level: 'confirmed' }, 'granted');
    expect(again).toMatchObject({ ok: false, reason: 'closed', record: { state: 'revoked' } });
    expect(await revoke(deps, record.id, { kind: 'person', id: STRANGER }, () => false)).toEqual({ ok: false, reason: 'not_found' });
    now = new Date(now.getTime() + 60_000);
    const next = await consentForLogin(deps, await pupil(), accounts);
    expect(next.state).toBe('pending');
    expect(next.record.id).not.toBe(record.id);
    expect((await deps.store.historyOf(IVANOV.oid)).map((r) => r.state)).toEqual(['pending', 'revoked']);
    expect(await events()).toEqual(['consent.requested', 'consent.granted', 'consent.revoked', 'consent.requested']);
  });

  it('expires a pending request after its time; the next login opens a new one', async () => {
    const { record } = await consentForLogin(deps, await pupil(), accounts);
    now = new Date(now.getTime() + 31 * 86_400_000);
    expect(await decide(deps, record.id, { oid: IVANOVA, level: 'confirmed' }, 'granted')).toMatchObject({ ok: false, reason: 'closed' });
    expect((await deps.store.get(record.id))!.state).toBe('expired');
    const next = await consentForLogin(deps, await pupil(), accounts);
    expect(next.record.id).not.toBe(record.id);
    const actions = (await audit.query({ esiaOid: IVANOV.oid })).entries.map((e) => e.action);
    expect(actions).toEqual(['consent_requested', 'consent_expired', 'consent_requested']);
  });

  it('finds parents through their ESIA children list, before or after the request, by SNILS or name and birth date', async () => {
    const smirnov = { oid: '1000000004', lastName: 'Смирнов', firstName: 'Алексей', middleName: 'Дмитриевич', birthDate: '2010-09-09', snils: '345-678-901 23' };
    const keys = await kidKeysFor(deps, smirnov);
    const { record } = await consentForLogin(deps, { oid: smirnov.oid, kidKeys: keys }, [{ journalId: J, accountId: 's-2003' }]);
    expect(record.eligible).toEqual([]);
    // Another parent's child with the same name and birth date but another SNILS is someone else.
    await rememberEsiaChildren(deps, STRANGER, [{ ...smirnov, snils: '999-999-999 99' }]);
    expect((await deps.store.get(record.id))!.eligible).toEqual([]);
    await rememberEsiaChildren(deps, SMIRNOVA, [{ lastName: 'Смирнов', firstName: 'Алексей', middleName: 'Дмитриевич', birthDate: '2010-09-09' }]);
    expect((await deps.store.get(record.id))!.eligible).toEqual([{ esiaOid: SMIRNOVA, evidence: 'esia_children' }]);
    expect((await deps.store.forParent(SMIRNOVA)).map((r) => r.id)).toEqual([record.id]);
    expect(await deps.store.forParent(STRANGER)).toEqual([]);
    const approved = await decide(deps, record.id, { oid: SMIRNOVA, level: 'confirmed' }, 'granted');
    expect(approved).toMatchObject({ ok: true, record: { decision: { evidence: 'esia_children' } } });
    // A parent known before the request is eligible from the start.
    const ivanovKeys = await kidKeysFor(deps, IVANOV);
    await rememberEsiaChildren(deps, SMIRNOVA, [IVANOV]);
    const other = await consentForLogin(deps, { oid: IVANOV.oid, kidKeys: ivanovKeys }, accounts);
    expect(other.record.eligible.map((p) => [p.esiaOid, p.evidence])).toEqual([
      [IVANOVA, 'journal_relation'],
      [SMIRNOVA, 'esia_children'],
    ]);
  });

  it('queues each event with its change, hands it to one consumer, and to another when the first never acknowledges', async () => {
    const { record } = await consentForLogin(deps, await pupil(), accounts);
    const outbox = deps.store.outbox;
    const [taken] = await outbox.read('instance-a', 10);
    expect(taken).toMatchObject({ event: 'consent.requested', record: { id: record.id, state: 'pending' } });
    expect(await outbox.read('instance-b', 10)).toEqual([]);
    expect(await outbox.reclaim('instance-b', 60_000, 10)).toEqual([]);
    // instance-a "dies" holding it: after the idle time another instance takes it over.
    await new Promise((r) => setTimeout(r, 30));
    const [again] = await outbox.reclaim('instance-b', 20, 10);
    expect(again!.id).toBe(taken!.id);
    await outbox.ack(again!.id);
    await new Promise((r) => setTimeout(r, 30));
    expect(await outbox.reclaim('instance-c', 20, 10)).toEqual([]);
    expect(await outbox.read('instance-c', 10)).toEqual([]);
  });

  it('queues nothing when no webhook is configured', async () => {
    deps = { ...deps, config: consentSchema.parse({}) };
    await consentForLogin(deps, await pupil(), accounts);
    expect(await deps.store.outbox.read('test', 10)).toEqual([]);
  });

  it('refuses a malformed record before it reaches the store', async () => {
    await expect(deps.store.open({ id: 'x', version: 1 } as unknown as ConsentRecord)).rejects.toMatchObject({ code: 'ERR_STORE_INVALID_VALUE' });
  });
});

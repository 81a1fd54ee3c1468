/**
 * The journal-adapter conformance suite: one set of tests every adapter passes over the same seed
 * (the personas' journal side, `fixtures/journal-seed.ts`). Call `describeJournalAdapterConformance`
 * from an adapter's test file with a target that builds the adapter over that seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildJournalSeed, type JournalSeed } from '../../fixtures/journal-seed.ts';
import { hasLinkWriteBack, hasPasswordCheck, hasRelations, type JournalAdapter } from '../../adapters/types.ts';

export interface ConformanceTarget {
  /** Shown in test names. */
  readonly name: string;
  /** Which optional capabilities this adapter must have. */
  readonly capabilities: { readonly password: boolean; readonly relations: boolean; readonly writeBack: boolean };
  /** Builds the adapter over data seeded from `seed`. */
  setup(seed: JournalSeed): Promise<{ adapter: JournalAdapter; teardown(): Promise<void> }>;
}

/** The seed's anchor: fixed, so expectations are stable (adapters store what they are given). */
export const CONFORMANCE_ANCHOR = new Date('2026-11-23T09:00:00Z');

export function describeJournalAdapterConformance(target: ConformanceTarget): void {
  describe(`journal adapter conformance: ${target.name}`, () => {
    const seed = buildJournalSeed(CONFORMANCE_ANCHOR);
    const byId = new Map(seed.accounts.map((a) => [a.accountId, a]));
    let adapter: JournalAdapter;
    let teardown: () => Promise<void> = async () => {};

    beforeAll(async () => {
      ({ adapter, teardown } = await target.setup(seed));
    });
    afterAll(async () => {
      await adapter?.close();
      await teardown();
    });

    const ids = (accounts: readonly { accountId: string }[]) => accounts.map((a) => a.accountId).sort();

    it('describes an account fully', async () => {
      const ivanov = await adapter.getAccount('s-2001');
      const expected = byId.get('s-2001')!;
      expect(ivanov).toEqual({
        journalId: seed.journalId,
        accountId: 's-2001',
        role: 'pupil',
        institution: { id: 'school-1', name: expected.institutionName },
        fullName: { lastName: 'Иванов', firstName: 'Пётр', middleName: 'Сергеевич' },
        birthDate: expected.birthDate,
        snils: '12345678964',
        className: '9А',
      });
      const teacher = await adapter.getAccount('t-3002');
      expect(teacher).toMatchObject({ role: 'staff', institution: { id: 'school-2' }, position: 'учитель математики' });
      const smirnova = await adapter.getAccount('p-1004');
      expect(smirnova?.snils).toBeUndefined();
    });

    it('returns undefined for an unknown account, and for hostile ids', async () => {
      expect(await adapter.getAccount('s-9999')).toBeUndefined();
      expect(await adapter.getAccount("' OR '1'='1")).toBeUndefined();
      expect(await adapter.getAccount('../../etc/passwd')).toBeUndefined();
      expect(await adapter.getAccount('')).toBeUndefined();
    });

    it('finds accounts by SNILS and role', async () => {
      expect(ids(await adapter.findBySnils('11223344595', 'parent'))).toEqual(['p-1001']);
      expect(await adapter.findBySnils('11223344595', 'pupil')).toEqual([]);
      // A teacher at two schools: two accounts.
      expect(ids(await adapter.findBySnils('78901234523', 'staff'))).toEqual(['t-3001', 't-3002']);
      // The journal does not know this parent's SNILS.
      expect(await adapter.findBySnils('45678901238', 'parent')).toEqual([]);
      // A person with no journal account.
      expect(await adapter.findBySnils('89012345699', 'parent')).toEqual([]);
      expect(await adapter.findBySnils('not-a-snils', 'parent')).toEqual([]);
    });

    it('finds accounts by full name and birth date, with normalized names', async () => {
      const smirnova = byId.get('p-1004')!;
      const query = { lastName: 'Смирнова', firstName: 'Елена', middleName: 'Викторовна', birthDate: smirnova.birthDate, role: 'parent' as const };
      expect(ids(await adapter.findByFullName(query))).toEqual(['p-1004']);
      expect(ids(await adapter.findByFullName({ ...query, lastName: ' СМИРНОВА ', firstName: 'елена' }))).toEqual(['p-1004']);
      const ivanov = byId.get('s-2001')!;
      // ё and е are the same letter for matching.
      expect(ids(await adapter.findByFullName({ lastName: 'Иванов', firstName: 'Петр', middleName: 'Сергеевич', birthDate: ivanov.birthDate, role: 'pupil' }))).toEqual(['s-2001']);
      expect(await adapter.findByFullName({ ...query, birthDate: '1999-01-01' })).toEqual([]);
      expect(await adapter.findByFullName({ ...query, role: 'staff' })).toEqual([]);
      expect(await adapter.findByFullName({ ...query, middleName: undefined })).toEqual([]);
      expect(await adapter.findByFullName({ ...query, lastName: "Смирнова' OR '1'='1" })).toEqual([]);
    });

    it('returns both namesakes rather than guessing', async () => {
      const morozov = byId.get('p-1007')!;
      const found = await adapter.findByFullName({
        lastName: 'Морозов',
        firstName: 'Дмитрий',
        middleName: 'Александрович',
        birthDate: morozov.birthDate,
        role: 'parent',
      });
      expect(ids(found)).toEqual(['p-1007', 'p-1008']);
    });

    it('lists institutions', async () => {
      const institutions = await adapter.listInstitutions();
      expect(institutions.map((i) => i.id).sort()).toEqual(['school-1', 'school-2']);
      expect(institutions.find((i) => i.id === 'school-1')?.name).toBe(seed.institutions[0]!.name);
    });

    it(`${target.capabilities.password ? 'checks' : 'has no'} school passwords`, async () => {
      expect(hasPasswordCheck(adapter)).toBe(target.capabilities.password);
      if (!hasPasswordCheck(adapter)) return;
      expect((await adapter.verifyPassword('ivanova.m', 'mama-1001'))?.accountId).toBe('p-1001');
      expect((await adapter.verifyPassword('  Ivanova.M ', 'mama-1001'))?.accountId).toBe('p-1001');
      expect(await adapter.verifyPassword('ivanova.m', 'mama-1002')).toBeUndefined();
      expect(await adapter.verifyPassword('ivanova.m', 'MAMA-1001')).toBeUndefined();
      expect(await adapter.verifyPassword('ivanova.m', '')).toBeUndefined();
      expect(await adapter.verifyPassword('nobody', 'mama-1001')).toBeUndefined();
      expect(await adapter.verifyPassword("' OR '1'='1", "' OR '1'='1")).toBeUndefined();
      expect((await adapter.verifyPassword('sokolova.n2', 'uchitel-3002'))?.accountId).toBe('t-3002');
    });

    it(`${target.capabilities.relations ? 'knows' : 'has no'} parent–child relations`, async () => {
      expect(hasRelations(adapter)).toBe(target.capabilities.relations);
      if (!hasRelations(adapter)) return;
      expect(ids(await adapter.parentsOf('s-2001'))).toEqual(['p-1001']);
      expect(ids(await adapter.childrenOf('p-1001'))).toEqual(['s-2001', 's-2002']);
      expect(ids(await adapter.parentsOf('s-2003'))).toEqual(['p-1004']);
      expect(await adapter.parentsOf('s-2006')).toEqual([]);
      expect(await adapter.childrenOf('p-9999')).toEqual([]);
      const [parent] = await adapter.parentsOf('s-2004');
      expect(parent).toMatchObject({ accountId: 'p-1005', role: 'parent', fullName: { lastName: 'Кузнецов' } });
    });

    it(`${target.capabilities.writeBack ? 'can' : 'cannot'} write links back`, () => {
      expect(hasLinkWriteBack(adapter)).toBe(target.capabilities.writeBack);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { loadPersonas, type Persona } from '../fixtures/personas.ts';
import {
  buildOrganization,
  employersOf,
  legalInnFor,
  listOrganizations,
  listRoles,
  ogrnFor,
  organizationOid,
  ORG_OID_BASE,
} from './organizations.ts';
import type { PeopleContext } from './people.ts';

const personas = loadPersonas();
const ctx: PeopleContext = { baseUrl: 'http://127.0.0.1:3001', now: new Date('2026-06-15T09:00:00Z'), timeZone: 'Europe/Samara', personas };
const persona = (key: string): Persona => personas.people.find((p) => p.key === key)!;

function ogrnValid(ogrn: string): boolean {
  return /^\d{13}$/.test(ogrn) && (BigInt(ogrn.slice(0, 12)) % 11n) % 10n === BigInt(ogrn[12]!);
}

function innValid(inn: string): boolean {
  const weights = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(inn[i]), 0);
  return /^\d{10}$/.test(inn) && (sum % 11) % 10 === Number(inn[9]);
}

describe('organizations', () => {
  it('numbers the institutions and gives valid registry numbers', () => {
    expect(organizationOid(personas, 'school-1')).toBe(ORG_OID_BASE);
    expect(organizationOid(personas, 'school-2')).toBe(ORG_OID_BASE + 1);
    expect(organizationOid(personas, 'nowhere')).toBeUndefined();
    for (const i of [0, 1, 2, 7]) {
      expect(ogrnValid(ogrnFor(i))).toBe(true);
      expect(innValid(legalInnFor(i, 'г.о. Самара'))).toBe(true);
    }
    expect(ogrnFor(0)).not.toBe(ogrnFor(1));
  });

  it('builds the organization', () => {
    const org = buildOrganization(personas, ORG_OID_BASE)!;
    expect(org).toMatchObject({
      stateFacts: ['EntityRoot'],
      oid: ORG_OID_BASE,
      shortName: 'МБОУ «Школа № 1» г.о. Самара',
      fullName: 'Муниципальное бюджетное общеобразовательное учреждение «Школа № 1» городского округа Самара',
      type: 'LEGAL',
      isLiquidated: false,
    });
    expect(ogrnValid(org.ogrn as string)).toBe(true);
    expect(innValid(org.inn as string)).toBe(true);
    expect(org.kpp).toMatch(/^\d{9}$/);
    expect(org.eTag).toMatch(/^[0-9A-F]{40}$/);
    expect(buildOrganization(personas, ORG_OID_BASE + 99)).toBeUndefined();
    expect(buildOrganization(personas, 1000000001)).toBeUndefined();
  });

  it('lists a staff member’s employers as roles and orgs', () => {
    const teacher = persona('teacher-sokolova');
    expect(employersOf(personas, teacher)).toEqual([ORG_OID_BASE, ORG_OID_BASE + 1]);
    expect(listRoles(ctx, teacher, ['openid'])).toBeUndefined();
    const roles = listRoles(ctx, teacher, ['usr_org'])!;
    expect(roles.map((r) => r.object)).toEqual([
      expect.objectContaining({ oid: ORG_OID_BASE, prnOid: 1000000010, type: 'LEGAL', chief: false, admin: false, active: true }),
      expect.objectContaining({ oid: ORG_OID_BASE + 1, shortName: 'МБОУ «Лицей № 2» г.о. Тольятти', hasRightOfSubstitution: false }),
    ]);
    const orgs = listOrganizations(ctx, teacher, ['usr_org'])!;
    expect(orgs.map((o) => o.url)).toEqual([`http://127.0.0.1:3001/rs/orgs/${ORG_OID_BASE}`, `http://127.0.0.1:3001/rs/orgs/${ORG_OID_BASE + 1}`]);
    expect(listRoles(ctx, persona('parent-ivanova'), ['usr_org'])).toEqual([]);
  });
});

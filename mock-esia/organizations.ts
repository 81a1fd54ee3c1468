/**
 * The personas' schools as ESIA organizations: `/rs/orgs/{oid}`, and a staff member's employers
 * under `/rs/prns/{oid}/roles` and `/rs/prns/{oid}/orgs` (scope `usr_org`). Every institution of
 * personas.json gets a deterministic org oid, OGRN, INN and KPP with valid check digits.
 */
import type { Persona, PersonasFile } from '../fixtures/personas.ts';
import { eTagOf, type CollectionItem, type JsonObject, type PeopleContext } from './people.ts';

/** Org oids are `ORG_OID_BASE + <index of the institution in personas.json>`. */
export const ORG_OID_BASE = 1_000_000;

type Institution = PersonasFile['institutions'][number];

/** Tax office codes (first four INN digits) by municipality; others use Samara's. */
const TAX_OFFICES: Readonly<Record<string, string>> = { 'г.о. Самара': '6316', 'г.о. Тольятти': '6320' };

/** The org oid of an institution id, if personas.json lists it. */
export function organizationOid(personas: PersonasFile, institutionId: string): number | undefined {
  const index = personas.institutions.findIndex((i) => i.id === institutionId);
  return index >= 0 ? ORG_OID_BASE + index : undefined;
}

/** A 13-digit OGRN: sign 1, year 02, region 63, inspectorate, record; check = first 12 mod 11 mod 10. */
export function ogrnFor(index: number): string {
  const body = `1026300${String((31_415 + index * 2_718) % 100_000).padStart(5, '0')}`;
  return body + String((BigInt(body) % 11n) % 10n);
}

/** A legal entity's 10-digit INN with its check digit. */
export function legalInnFor(index: number, municipality: string): string {
  const body = `${TAX_OFFICES[municipality] ?? '6316'}${String((14_142 + index * 1_732) % 100_000).padStart(5, '0')}`;
  const weights = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(body[i]), 0);
  return body + String((sum % 11) % 10);
}

/** The official full name: abbreviations of the short name spelled out. */
function fullNameOf(shortName: string): string {
  return shortName
    .replace(/^МБОУ\s/, 'Муниципальное бюджетное общеобразовательное учреждение ')
    .replace(/\sг\.\s?о\.\s/, ' городского округа ');
}

function basics(institution: Institution, index: number): JsonObject {
  return {
    oid: ORG_OID_BASE + index,
    fullName: fullNameOf(institution.name),
    shortName: institution.name,
    ogrn: ogrnFor(index),
  };
}

/**
 * The organization of `/rs/orgs/{orgOid}`, undefined when unknown. `leg` is the OKOPF code of
 * municipal budget institutions (75403); `agencyType` is a guess, ESIA.md does not document it.
 */
export function buildOrganization(personas: PersonasFile, orgOid: number): JsonObject | undefined {
  const index = orgOid - ORG_OID_BASE;
  const institution = personas.institutions[index];
  if (!institution) return undefined;
  const inn = legalInnFor(index, institution.municipality);
  const org: JsonObject = {
    stateFacts: ['EntityRoot'],
    ...basics(institution, index),
    inn,
    leg: '75403',
    kpp: `${inn.slice(0, 4)}01001`,
    agencyType: 'MUNICIPAL',
    type: 'LEGAL',
    isLiquidated: false,
  };
  return { ...org, eTag: eTagOf(org) };
}

/** The org oids a persona works for: the institutions of their `staff` journal accounts, in order. */
export function employersOf(personas: PersonasFile, persona: Persona): number[] {
  const oids = persona.journal
    .filter((a) => a.role === 'staff')
    .map((a) => organizationOid(personas, a.institution))
    .filter((oid): oid is number => oid !== undefined);
  return [...new Set(oids)];
}

/** `/roles` (scope `usr_org`): the person's employers as ESIA role objects; undefined without the scope. */
export function listRoles(ctx: PeopleContext, persona: Persona, scopes: readonly string[]): CollectionItem[] | undefined {
  if (!scopes.includes('usr_org')) return undefined;
  return employersOf(ctx.personas, persona).map((orgOid) => {
    const index = orgOid - ORG_OID_BASE;
    const object: JsonObject = {
      ...basics(ctx.personas.institutions[index]!, index),
      prnOid: persona.esia.oid,
      type: 'LEGAL',
      chief: false,
      admin: false,
      active: true,
      hasRightOfSubstitution: false,
      hasApprovalTabAccess: false,
      isLiquidated: false,
    };
    return { id: orgOid, url: `${ctx.baseUrl}/rs/prns/${persona.esia.oid}/roles/${orgOid}`, object };
  });
}

/** `/orgs` (scope `usr_org`): the same employers as full organizations, linked under `/rs/orgs`. */
export function listOrganizations(ctx: PeopleContext, persona: Persona, scopes: readonly string[]): CollectionItem[] | undefined {
  if (!scopes.includes('usr_org')) return undefined;
  return employersOf(ctx.personas, persona).map((orgOid) => ({
    id: orgOid,
    url: `${ctx.baseUrl}/rs/orgs/${orgOid}`,
    object: buildOrganization(ctx.personas, orgOid)!,
  }));
}

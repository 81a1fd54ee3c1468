import { describe, expect, it } from 'vitest';
import { calendarDateIn, fullYears, loadPersonas, parseRuDate, type Persona } from '../fixtures/personas.ts';
import {
  buildKid,
  buildPerson,
  eTagOf,
  itemId,
  listAddresses,
  listContacts,
  listDocuments,
  listKidDocuments,
  listKids,
  toCollection,
  type PeopleContext,
} from './people.ts';

const personas = loadPersonas();
const TZ = 'Europe/Samara';
const NOW = new Date('2026-06-15T09:00:00Z');
const ctx = (now: Date = NOW): PeopleContext => ({ baseUrl: 'http://127.0.0.1:3001', now, timeZone: TZ, personas });
const persona = (key: string): Persona => personas.people.find((p) => p.key === key)!;
const days = (n: number) => n * 86_400_000;

const ALL_PERSON = ['openid', 'fullname', 'birthdate', 'gender', 'birthplace', 'snils', 'inn', 'id_doc'];
const HEX40 = /^[0-9A-F]{40}$/;

describe('buildPerson', () => {
  it('shapes the person as ESIA does', () => {
    const person = buildPerson(ctx(), persona('parent-ivanova'), ALL_PERSON);
    expect(person).toMatchObject({
      stateFacts: ['EntityRoot'],
      firstName: 'Мария',
      lastName: 'Иванова',
      middleName: 'Петровна',
      gender: 'F',
      trusted: true,
      citizenship: 'RUS',
      snils: '112-233-445 95',
      inn: '631223344524',
      status: 'REGISTERED',
      verifying: false,
      containsUpCfmCode: false,
      rIdDoc: itemId('document', 1000000001, 0),
    });
    expect(person.birthDate).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    expect(person.snils).toMatch(/^\d{3}-\d{3}-\d{3} \d{2}$/);
    expect(typeof person.birthPlace).toBe('string');
    expect(Number.isInteger(person.updatedOn)).toBe(true);
    expect(person.eTag).toMatch(HEX40);
  });

  it('gives only the account state with openid alone', () => {
    const person = buildPerson(ctx(), persona('parent-ivanova'), ['openid']);
    expect(Object.keys(person).sort()).toEqual(
      ['stateFacts', 'trusted', 'citizenship', 'updatedOn', 'status', 'verifying', 'containsUpCfmCode', 'eTag'].sort(),
    );
  });

  it('gives each field only with its scope', () => {
    const person = buildPerson(ctx(), persona('parent-ivanova'), ['openid', 'snils']);
    expect(person.snils).toBe('112-233-445 95');
    for (const key of ['firstName', 'birthDate', 'gender', 'inn', 'birthPlace', 'rIdDoc']) expect(person).not.toHaveProperty(key);
  });

  it('marks only confirmed accounts trusted and keeps DELETED', () => {
    expect(buildPerson(ctx(), persona('pupil-ivanov'), ['openid']).trusted).toBe(false);
    expect(buildPerson(ctx(), persona('parent-kuznetsov'), ['openid']).trusted).toBe(false);
    expect(buildPerson(ctx(), persona('deleted-lebedev'), ['openid']).status).toBe('DELETED');
  });

  it('leaves out what the persona lacks', () => {
    const person = buildPerson(ctx(), persona('parent-kuznetsov'), ALL_PERSON);
    for (const key of ['snils', 'inn', 'rIdDoc']) expect(person).not.toHaveProperty(key);
  });

  it('is stable, and its eTag changes with the content', () => {
    const a = buildPerson(ctx(), persona('parent-ivanova'), ALL_PERSON);
    expect(buildPerson(ctx(), persona('parent-ivanova'), ALL_PERSON)).toEqual(a);
    expect(buildPerson(ctx(new Date(NOW.getTime() + days(3))), persona('parent-ivanova'), ['openid']).updatedOn).toBe(a.updatedOn);
    const fewer = buildPerson(ctx(), persona('parent-ivanova'), ['openid', 'fullname']);
    const otherDay = buildPerson(ctx(new Date(NOW.getTime() + days(1))), persona('parent-ivanova'), ALL_PERSON);
    expect(fewer.eTag).not.toBe(a.eTag);
    expect(otherDay.eTag).not.toBe(a.eTag);
  });
});

describe('ages follow the clock', () => {
  const today = (now: Date) => calendarDateIn(now, TZ);
  const birthOf = (key: string, now: Date) => parseRuDate(buildPerson(ctx(now), persona(key), ['birthdate']).birthDate as string);

  it('makes pupil-kuznetsova 17 today and 18 six days later', () => {
    const birth = birthOf('pupil-kuznetsova', NOW);
    expect(fullYears(birth, today(NOW))).toBe(17);
    expect(fullYears(birth, today(new Date(NOW.getTime() + days(4))))).toBe(17);
    expect(fullYears(birth, today(new Date(NOW.getTime() + days(6))))).toBe(18);
  });

  it('computes birth dates from the given now in the time zone', () => {
    expect(birthOf('pupil-ivanov', new Date('2026-06-15T09:00:00Z'))).not.toEqual(birthOf('pupil-ivanov', new Date('2027-01-10T09:00:00Z')));
    // 22:30 UTC on 14 June is already 15 June in Samara (UTC+4).
    expect(birthOf('pupil-ivanov', new Date('2026-06-14T22:30:00Z'))).toEqual(birthOf('pupil-ivanov', NOW));
  });

  it('keeps the 29 February birth date fixed', () => {
    for (const now of [NOW, new Date('2027-02-28T12:00:00Z'), new Date('2028-03-01T12:00:00Z')]) {
      expect(buildPerson(ctx(now), persona('pupil-novikova'), ['birthdate']).birthDate).toBe('29.02.2012');
    }
  });
});

describe('contacts', () => {
  it('gives e-mail and mobile per scope', () => {
    const ivanova = persona('parent-ivanova');
    expect(listContacts(ctx(), ivanova, ['openid'])).toBeUndefined();
    expect(listContacts(ctx(), ivanova, ['email'])!.map((c) => c.object.type)).toEqual(['EML']);
    expect(listContacts(ctx(), ivanova, ['mobile'])!.map((c) => c.object.type)).toEqual(['MBT']);
    const all = listContacts(ctx(), ivanova, ['contacts'])!;
    expect(all.map((c) => c.object.type)).toEqual(['EML', 'MBT']);
    expect(all[1]!.object).toMatchObject({ stateFacts: ['Identifiable'], id: all[1]!.id, vrfStu: 'VERIFIED', value: '+7(927)1112233' });
    expect(all[1]!.object.value).toMatch(/^\+7\(\d{3}\)\d{7}$/);
    expect(all[0]!.url).toBe(`http://127.0.0.1:3001/rs/prns/1000000001/ctts/${all[0]!.id}`);
  });

  it('keeps ids stable whatever the scopes', () => {
    const ivanova = persona('parent-ivanova');
    expect(listContacts(ctx(), ivanova, ['mobile'])![0]!.id).toBe(listContacts(ctx(), ivanova, ['contacts'])![1]!.id);
  });

  it('leaves out a contact the persona lacks', () => {
    expect(listContacts(ctx(), persona('child-ivanova'), ['contacts'])!.map((c) => c.object.type)).toEqual(['EML']);
  });
});

describe('documents and addresses', () => {
  it('lists documents with id_doc only', () => {
    expect(listDocuments(ctx(), persona('parent-ivanova'), ['openid'])).toBeUndefined();
    const [passport] = listDocuments(ctx(), persona('parent-ivanova'), ['id_doc'])!;
    expect(passport!.object).toMatchObject({
      stateFacts: ['Identifiable'],
      id: itemId('document', 1000000001, 0),
      type: 'RF_PASSPORT',
      vrfStu: 'VERIFIED',
      series: '3615',
      number: '481516',
      issueDate: '12.03.2016',
      issueId: '630001',
      issuedBy: 'ГУ МВД России по Самарской области',
    });
    expect(passport!.object.eTag).toMatch(HEX40);
    expect(listDocuments(ctx(), persona('pupil-popov'), ['id_doc'])).toEqual([]);
  });

  it('gives one deterministic registration address, shared by a family', () => {
    expect(listAddresses(ctx(), persona('parent-ivanova'), ['openid'])).toBeUndefined();
    const [home] = listAddresses(ctx(), persona('parent-ivanova'), ['addresses'])!;
    expect(home!.object).toMatchObject({ stateFacts: ['Identifiable'], type: 'PRG', countryId: 'RUS', region: 'Самарская область', city: 'г. Самара' });
    expect(home!.object.zipCode).toMatch(/^443\d{3}$/);
    expect(home!.object.addressStr).toContain(home!.object.street as string);
    expect(listAddresses(ctx(), persona('parent-ivanova'), ['addresses'])).toEqual([home]);
    const [kid] = listAddresses(ctx(), persona('pupil-ivanov'), ['addresses'])!;
    expect(kid!.object.addressStr).toBe(home!.object.addressStr);
    expect(kid!.id).not.toBe(home!.id);
    expect(listAddresses(ctx(), persona('pupil-smirnov'), ['addresses'])![0]!.object.city).toBe('г. Тольятти');
  });
});

describe('kids', () => {
  const ivanova = persona('parent-ivanova');

  it('lists the children with any kid scope', () => {
    expect(listKids(ctx(), ivanova, ['openid', 'fullname'])).toBeUndefined();
    const kids = listKids(ctx(), ivanova, ['kid_fullname'])!;
    expect(kids.map((k) => k.id)).toEqual([1000000002, 1000000003]);
    expect(kids[0]!.url).toBe('http://127.0.0.1:3001/rs/prns/1000000001/kids/1000000002');
    expect(kids[0]!.object).toMatchObject({ stateFacts: ['Identifiable'], id: 1000000002, firstName: 'Пётр', lastName: 'Иванов', middleName: 'Сергеевич', trusted: false });
    for (const key of ['birthDate', 'gender', 'snils', 'inn', 'documents']) expect(kids[0]!.object).not.toHaveProperty(key);
    expect(listKids(ctx(), persona('parent-kuznetsov'), ['kid_fullname'])).toEqual([]);
  });

  it('gives each kid field with its scope', () => {
    const kid = buildKid(ctx(), ivanova, persona('pupil-ivanov'), ['kid_birthdate', 'kid_gender', 'kid_snils', 'kid_inn']);
    expect(kid).toMatchObject({ gender: 'M', snils: '123-456-789 64', inn: '631245678930' });
    expect(kid.birthDate).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    expect(kid).not.toHaveProperty('firstName');
    expect(fullYears(parseRuDate(kid.birthDate as string), calendarDateIn(NOW, TZ))).toBe(15);
    expect(kid.eTag).toMatch(HEX40);
  });

  it("gives a kid's birth certificates as a collection", () => {
    const anna = persona('child-ivanova');
    const docs = listKidDocuments(ctx(), ivanova, anna, ['kid_birth_cert_doc'])!;
    expect(docs).toHaveLength(1);
    expect(docs[0]!.url).toBe(`http://127.0.0.1:3001/rs/prns/1000000001/kids/1000000003/docs/${docs[0]!.id}`);
    expect(docs[0]!.object).toMatchObject({ type: 'RF_BRTH_CERT', series: 'IV-ЕР', number: '654321', actNo: '170169630001' });
    expect(listKidDocuments(ctx(), ivanova, anna, ['kid_fullname'])).toBeUndefined();
    const linked = buildKid(ctx(), ivanova, anna, ['kid_birth_cert_doc']);
    expect(linked.documents).toMatchObject({ stateFacts: ['hasSize'], size: 1, elements: [docs[0]!.url] });
    expect(buildKid(ctx(), ivanova, anna, ['kid_birth_cert_doc'], true).documents).toMatchObject({ elements: [docs[0]!.object] });
    // A passport is not a birth certificate.
    expect(buildKid(ctx(), ivanova, persona('pupil-ivanov'), ['kid_birth_cert_doc']).documents).toMatchObject({ size: 0, elements: [] });
  });
});

describe('collections', () => {
  it('wraps links or objects with size and eTag', () => {
    const items = listContacts(ctx(), persona('parent-ivanova'), ['contacts'])!;
    const linked = toCollection(items, false);
    expect(linked).toEqual({ stateFacts: ['hasSize'], size: 2, eTag: expect.stringMatching(HEX40), elements: items.map((i) => i.url) });
    const embedded = toCollection(items, true);
    expect(embedded.elements).toEqual(items.map((i) => i.object));
    expect(embedded.eTag).not.toBe(linked.eTag);
    expect(toCollection([], false)).toMatchObject({ size: 0, elements: [] });
  });

  it('hashes content into 40 upper-case hex characters', () => {
    expect(eTagOf({ a: 1 })).toMatch(HEX40);
    expect(eTagOf({ a: 1 })).toBe(eTagOf({ a: 1 }));
    expect(eTagOf({ a: 1 })).not.toBe(eTagOf({ a: 2 }));
  });
});

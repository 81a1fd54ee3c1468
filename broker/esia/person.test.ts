/** The account level by the portal's rule, and the REST schemas against ESIA.md's examples. */
import { describe, expect, it } from 'vitest';
import { deriveAccountLevel, esiaPersonSchema, type EsiaDocumentResponse } from './person.ts';

const verified: EsiaDocumentResponse = { id: 3571, type: 'RF_PASSPORT', vrfStu: 'VERIFIED', series: '5303', number: '925695' };
const notVerified: EsiaDocumentResponse = { id: 3572, type: 'RF_PASSPORT', vrfStu: 'NOT_VERIFIED' };
const SNILS = '000-000-600 06';

describe('deriveAccountLevel', () => {
  it('trusted person → confirmed, whatever else', () => {
    expect(deriveAccountLevel({ person: { trusted: true, documents: [] } })).toEqual({ level: 'confirmed', child: false });
    expect(deriveAccountLevel({ person: { trusted: true, snils: SNILS, documents: [verified] } })).toEqual({ level: 'confirmed', child: false });
  });

  it('SNILS and a verified document → standard', () => {
    expect(deriveAccountLevel({ person: { trusted: false, snils: SNILS, documents: [notVerified, verified] } })).toEqual({
      level: 'standard',
      child: false,
    });
  });

  it('SNILS without a verified document → simplified', () => {
    expect(deriveAccountLevel({ person: { trusted: false, snils: SNILS, documents: [] } }).level).toBe('simplified');
    expect(deriveAccountLevel({ person: { trusted: false, snils: SNILS, documents: [notVerified] } }).level).toBe('simplified');
    expect(deriveAccountLevel({ person: { trusted: false, snils: SNILS, documents: [{ type: 'RF_PASSPORT' }] } }).level).toBe('simplified');
    expect(deriveAccountLevel({ person: { trusted: false, snils: SNILS, documents: [{ type: 'RF_PASSPORT', vrfStu: 'verified' }] } }).level).toBe(
      'simplified',
    );
  });

  it('a verified document without SNILS → simplified', () => {
    expect(deriveAccountLevel({ person: { trusted: false, documents: [verified] } }).level).toBe('simplified');
    expect(deriveAccountLevel({ person: { trusted: false, snils: '', documents: [verified] } }).level).toBe('simplified');
  });

  it('the id token’s is_tru → confirmed, even when the person read says otherwise or is absent', () => {
    expect(deriveAccountLevel({ idToken: { trusted: true } })).toEqual({ level: 'confirmed', child: false });
    expect(deriveAccountLevel({ idToken: { trusted: true, lvl: 'PR' }, person: { trusted: false, documents: [] } }).level).toBe('confirmed');
  });

  it('lvl PR → confirmed even without is_tru; lvl P decides nothing by itself', () => {
    expect(deriveAccountLevel({ idToken: { trusted: false, lvl: 'PR' } })).toEqual({ level: 'confirmed', child: false });
    expect(deriveAccountLevel({ idToken: { trusted: false, lvl: 'P' } })).toEqual({ level: 'simplified', child: false });
    expect(deriveAccountLevel({ idToken: { trusted: false, lvl: 'P' }, person: { trusted: false, snils: SNILS, documents: [verified] } })).toEqual({
      level: 'standard',
      child: false,
    });
    expect(deriveAccountLevel({ idToken: { trusted: false, lvl: 'P' }, person: { trusted: true, documents: [] } }).level).toBe('confirmed');
  });

  it('lvl KD → a child, never confirmed', () => {
    expect(deriveAccountLevel({ idToken: { trusted: false, lvl: 'KD' } })).toEqual({ level: 'simplified', child: true });
    expect(deriveAccountLevel({ idToken: { trusted: true, lvl: 'KD' }, person: { trusted: true, documents: [] } })).toEqual({
      level: 'simplified',
      child: true,
    });
    expect(deriveAccountLevel({ idToken: { trusted: false, lvl: 'KD' }, person: { trusted: false, snils: SNILS, documents: [verified] } })).toEqual({
      level: 'standard',
      child: true,
    });
  });

  it('nothing known → simplified', () => {
    expect(deriveAccountLevel({})).toEqual({ level: 'simplified', child: false });
  });
});

describe('esiaPersonSchema', () => {
  it('reads ESIA.md’s person, accepting fields it does not know (and leaving them out)', () => {
    const person = {
      stateFacts: ['EntityRoot'],
      firstName: 'Мария',
      lastName: 'Иванова',
      middleName: 'Петровна',
      birthDate: '26.05.1985',
      birthPlace: 'Самара',
      gender: 'F',
      trusted: true,
      citizenship: 'RUS',
      snils: SNILS,
      inn: '585204118212',
      updatedOn: 1523386683,
      status: 'REGISTERED',
      verifying: false,
      rIdDoc: 3571,
      containsUpCfmCode: false,
      eTag: '61F2A6BF9D17B97E6B56F8B10EB28A7C814FF0B4',
    };
    const parsed = esiaPersonSchema.parse(person);
    const { stateFacts: _s, citizenship: _n, verifying: _v, rIdDoc: _r, containsUpCfmCode: _c, ...known } = person;
    expect(parsed).toEqual(known);
    expect('rIdDoc' in parsed).toBe(false);
  });

  it('refuses a malformed SNILS or birth date', () => {
    expect(esiaPersonSchema.safeParse({ snils: '00000060006' }).success).toBe(false);
    expect(esiaPersonSchema.safeParse({ birthDate: '1985-05-26' }).success).toBe(false);
  });

  it('reads collections as URLs or embedded objects', () => {
    const parsed = esiaPersonSchema.parse({
      documents: { stateFacts: ['hasSize'], size: 2, eTag: 'A'.repeat(40), elements: ['https://esia/rs/prns/1/docs/1', verified] },
      contacts: { size: 0 },
    });
    expect(parsed.documents?.elements).toEqual(['https://esia/rs/prns/1/docs/1', verified]);
    expect(parsed.contacts?.elements).toEqual([]);
  });
});

/**
 * The hand-written checks against the zod schemas they stand in for: ESIA's real answer shapes are
 * recognised, and over thousands of mutations of them (fields dropped, retyped, out of range, unknown
 * fields added) a check never says `true` where its schema refuses, and what the broker reads from a
 * recognised value is what it would read from the schema's output.
 */
import { describe, expect, it } from 'vitest';
import { tokenResponseSchema } from './client.ts';
import { parseFast } from '../../core/fast-parse.ts';
import { checkAgainstSchema } from '../../test/helpers/shape-mutations.ts';
import { isAccessClaims, isIdClaims, isJwtHeader, isPersonResponse, isTokenResponse, personCollections } from './fast-shapes.ts';
import { esiaPersonSchema, type EsiaPersonResponse } from './person.ts';
import { accessClaimsSchema, headerSchema, idClaimsSchema } from './verifier.ts';

const TOKEN_RESPONSE = {
  access_token: 'eyJ.a.b',
  id_token: 'eyJ.c.d',
  refresh_token: '5c1e3b1a-0d6f-4a59-8a40-1f2d3c4b5a69',
  state: '0f8b8a1e-5d9c-4d3e-9c2b-7a6f5e4d3c2b',
  token_type: 'Bearer',
  expires_in: 3600,
};
const HEADER = { alg: 'GOST3410_2012_256', typ: 'JWT', sbt: 'access', ver: 1 };
const ACCESS_CLAIMS = {
  iss: 'http://esia-portal1.test.gosuslugi.ru/',
  exp: 1796326970,
  nbf: 1796323370,
  iat: 1796323370,
  client_id: 'SCHOOL-BROKER',
  scope: 'openid fullname birthdate snils id_doc kid_fullname?oid=1000000001',
  'urn:esia:sbj_id': 1000000001,
  'urn:esia:sid': 'b3b2b1b0',
};
const ID_CLAIMS = {
  iss: 'http://esia-portal1.test.gosuslugi.ru/',
  exp: 1796326970,
  iat: 1796323370,
  aud: 'SCHOOL-BROKER',
  sub: 1000000001,
  amr: ['PWD'],
  'urn:esia:amd': 'PWD',
  auth_time: 1796323360,
  'urn:esia:sid': 'b3b2b1b0',
  'urn:esia:sbj': { 'urn:esia:sbj:typ': 'P', 'urn:esia:sbj:is_tru': true, 'urn:esia:sbj:oid': 1000000001, 'urn:esia:sbj:nam': 'OID.1000000001', 'urn:esia:sbj:lvl': 'PR' },
};
/** A parent as mock-esia answers with documents and children embedded. */
const PERSON = {
  stateFacts: ['EntityRoot'],
  firstName: 'Мария',
  lastName: 'Иванова',
  middleName: 'Петровна',
  birthDate: '06.08.1985',
  birthPlace: 'г. Самара',
  gender: 'F',
  trusted: true,
  citizenship: 'RUS',
  snils: '112-233-445 95',
  inn: '631234567890',
  updatedOn: 1700086399,
  status: 'REGISTERED',
  verifying: false,
  rIdDoc: 200000100,
  eTag: '3416F11B6ACA5D7B107E7A621F4DF708845EA789',
  contacts: {
    stateFacts: ['hasSize'],
    size: 2,
    elements: [
      { stateFacts: ['Identifiable'], id: 300000100, type: 'EML', vrfStu: 'VERIFIED', value: 'ivanova@example.ru', eTag: 'A1' },
      'http://127.0.0.1:3001/rs/prns/1000000001/ctts/300000101',
    ],
  },
  documents: {
    stateFacts: ['hasSize'],
    size: 1,
    eTag: '9F0E',
    elements: [
      { stateFacts: ['Identifiable'], id: 200000100, type: 'RF_PASSPORT', vrfStu: 'VERIFIED', series: '3615', number: '481516', issueDate: '12.03.2016', issueId: '630001', issuedBy: 'ГУ МВД России по Самарской области', eTag: '79B8' },
    ],
  },
  addresses: { stateFacts: ['hasSize'], size: 1, elements: [{ type: 'PLV', city: 'Самара' }] },
  kids: {
    stateFacts: ['hasSize'],
    size: 2,
    eTag: '727E',
    elements: [
      {
        stateFacts: ['Identifiable'],
        id: 1000000002,
        firstName: 'Пётр',
        lastName: 'Иванов',
        middleName: 'Сергеевич',
        birthDate: '18.05.2011',
        gender: 'M',
        snils: '123-456-789 64',
        trusted: false,
        eTag: 'AE6D',
        documents: { size: 1, elements: [{ id: 200000200, type: 'RF_BRTH_CERT', vrfStu: 'VERIFIED', series: 'II-ЕР', number: '123456', eTag: 'B1' }] },
      },
      'http://127.0.0.1:3001/rs/prns/1000000001/kids/1000000003',
    ],
  },
};

describe('fast shape checks', () => {
  checkAgainstSchema('token response', tokenResponseSchema, isTokenResponse, TOKEN_RESPONSE);
  checkAgainstSchema('JWT header', headerSchema, isJwtHeader, HEADER);
  checkAgainstSchema('access token claims', accessClaimsSchema, isAccessClaims, ACCESS_CLAIMS);
  checkAgainstSchema('id token claims', idClaimsSchema, isIdClaims, ID_CLAIMS);
  checkAgainstSchema('person', esiaPersonSchema, isPersonResponse, PERSON, (raw, output) => {
    // What `fetchPerson` keeps of the collections is the same either way.
    expect(personCollections(raw as EsiaPersonResponse)).toStrictEqual(personCollections(output as EsiaPersonResponse));
  });

  it('leaves what it does not recognise to zod: conversions, defaults and the errors', () => {
    // A numeric-string expires_in is converted by the schema.
    expect(parseFast(tokenResponseSchema, isTokenResponse, { ...TOKEN_RESPONSE, expires_in: '3600' })).toMatchObject({ success: true, data: { expires_in: 3600 } });
    // A numeric-string oid likewise.
    expect(parseFast(accessClaimsSchema, isAccessClaims, { ...ACCESS_CLAIMS, 'urn:esia:sbj_id': '1000000001' })).toMatchObject({ success: true, data: { 'urn:esia:sbj_id': 1000000001 } });
    // A collection without elements gets the default.
    expect(parseFast(esiaPersonSchema, isPersonResponse, { documents: { size: 0 } })).toMatchObject({ success: true, data: { documents: { elements: [] } } });
    // A refusal carries zod's issues.
    const refused = parseFast(esiaPersonSchema, isPersonResponse, { snils: '11223344595' });
    expect(refused.success).toBe(false);
    expect(!refused.success && refused.error.issues[0]?.path).toEqual(['snils']);
  });
});

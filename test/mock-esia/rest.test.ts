/**
 * mock-esia's REST API over real HTTP: tokens issued by the app itself, the real router, faults and
 * the controllable clock.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Response } from 'supertest';
import { ESIA_SCOPES } from '../../config/schema.ts';
import { birthDateOf, calendarDateIn, formatRuDate, fullYears, loadPersonas, parseRuDate } from '../../fixtures/personas.ts';
import { createMockEsia, type MockEsiaApp } from '../../mock-esia/app.ts';

const BASE = 'http://127.0.0.1:3001';
const IVANOVA = 1000000001;
const IVANOV = 1000000002;
const ANNA = 1000000003;
const TEACHER = 1000000010;
const SCHOOL_1 = 1000000;
const JSON_TYPE = 'application/json;charset=UTF-8';
const INVALID_TOKEN = '{"code":"ESIA-005011","message":"SecurityErrorEnum.invalidToken"}';
const KID_SCOPES = ['kid_fullname', 'kid_birthdate', 'kid_gender', 'kid_snils', 'kid_inn', 'kid_birth_cert_doc'];

let app: MockEsiaApp;

beforeAll(() => {
  app = createMockEsia({ baseUrl: BASE, clients: [{ mnemonic: 'TESTSYS', domains: ['127.0.0.1'], scopes: [...ESIA_SCOPES] }] });
});

afterEach(() => {
  app.esia.faults.clear();
  app.esia.clock.reset();
});

function token(oid: number, scopes: readonly string[]): string {
  return app.esia.issueAccessToken({ oid, clientId: 'TESTSYS', scopes: ['openid', ...scopes] });
}

function get(path: string, bearer?: string) {
  const req = request(app.callback()).get(path);
  return bearer === undefined ? req : req.set('Authorization', `Bearer ${bearer}`);
}

/** The path of an element URL, which must be under the mock's base URL. */
function pathOf(url: unknown): string {
  expect(typeof url).toBe('string');
  expect((url as string).startsWith(`${BASE}/rs/`)).toBe(true);
  return (url as string).slice(BASE.length);
}

function expectError(res: Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(JSON_TYPE);
  expect(res.body).toEqual({ code: expect.stringMatching(/^ESIA-\d{6}$/), message: expect.any(String) });
}

describe('authentication', () => {
  it('answers 401 with ESIA’s exact body for a missing, unknown or malformed token', async () => {
    for (const res of [
      await get(`/rs/prns/${IVANOVA}`),
      await get(`/rs/prns/${IVANOVA}`, 'not-a-token'),
      await request(app.callback()).get(`/rs/prns/${IVANOVA}`).set('Authorization', `Basic ${token(IVANOVA, [])}`),
      await get('/rs/orgs/1000000'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe(JSON_TYPE);
      expect(res.text).toBe(INVALID_TOKEN);
    }
  });

  it('answers 401 once the token expired', async () => {
    app.esia.clock.set(new Date('2026-09-01T08:00:00Z'));
    const bearer = token(IVANOVA, ['fullname']);
    app.esia.clock.advance(3599_000);
    expect((await get(`/rs/prns/${IVANOVA}`, bearer)).status).toBe(200);
    app.esia.clock.advance(2_000);
    const res = await get(`/rs/prns/${IVANOVA}`, bearer);
    expect(res.status).toBe(401);
    expect(res.text).toBe(INVALID_TOKEN);
  });

  it('answers 403 for another person’s data', async () => {
    const bearer = token(IVANOVA, ['fullname', 'contacts', 'kid_fullname']);
    for (const path of [`/rs/prns/${IVANOV}`, `/rs/prns/${IVANOV}/ctts`, `/rs/prns/${ANNA}/docs/1`, `/rs/prns/${IVANOV}/kids/${ANNA}/docs`]) {
      expectError(await get(path, bearer), 403);
    }
  });

  it('answers 403 when the scopes do not cover what is asked', async () => {
    const bearer = token(TEACHER, ['fullname']);
    for (const coll of ['ctts', 'docs', 'addrs', 'kids', 'roles', 'orgs']) {
      expectError(await get(`/rs/prns/${TEACHER}/${coll}`, bearer), 403);
    }
    expectError(await get(`/rs/orgs/${SCHOOL_1}`, bearer), 403);
    const parent = token(IVANOVA, ['kid_fullname']);
    expectError(await get(`/rs/prns/${IVANOVA}/kids/${ANNA}/docs`, parent), 403);
  });
});

describe('person', () => {
  it('returns the fields the scopes cover', async () => {
    const res = await get(`/rs/prns/${IVANOVA}`, token(IVANOVA, ['fullname', 'birthdate', 'gender', 'snils', 'inn', 'id_doc']));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(JSON_TYPE);
    expect(res.body).toMatchObject({
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
      rIdDoc: expect.any(Number),
      eTag: expect.stringMatching(/^[0-9A-F]{40}$/),
    });
    expect(res.body.birthDate).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    expect(res.body).not.toHaveProperty('birthPlace');
  });

  it('returns only the account state with openid alone', async () => {
    const res = await get(`/rs/prns/${IVANOVA}`, token(IVANOVA, []));
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('firstName');
    expect(res.body).not.toHaveProperty('snils');
    expect(res.body).toMatchObject({ trusted: true, status: 'REGISTERED' });
  });

  it('keeps birth dates fixed while the clock moves, so people age', async () => {
    const kuznetsova = loadPersonas().people.find((p) => p.key === 'pupil-kuznetsova')!;
    const oid = kuznetsova.esia.oid;
    const before = (await get(`/rs/prns/${oid}`, token(oid, ['birthdate']))).body.birthDate as string;
    expect(before).toBe(formatRuDate(birthDateOf(kuznetsova.esia, app.esia.deps.personasAnchor, 'Europe/Samara')));
    expect(fullYears(parseRuDate(before), calendarDateIn(app.esia.clock.now()))).toBe(17);
    app.esia.clock.advance(6 * 86_400_000);
    try {
      const after = (await get(`/rs/prns/${oid}`, token(oid, ['birthdate']))).body.birthDate as string;
      expect(after).toBe(before);
      expect(fullYears(parseRuDate(after), calendarDateIn(app.esia.clock.now()))).toBe(18);
    } finally {
      app.esia.clock.reset();
    }
  });

  it('inlines the collections the scopes allow with embed, and leaves the others out', async () => {
    const bearer = token(IVANOVA, ['fullname', 'contacts', 'id_doc', 'kid_fullname']);
    const res = await get(`/rs/prns/${IVANOVA}?embed=(contacts.elements,documents.elements,addresses.elements,kids.elements)`, bearer);
    expect(res.status).toBe(200);
    expect(res.body.firstName).toBe('Мария');
    expect(res.body.contacts).toMatchObject({ stateFacts: ['hasSize'], size: 2 });
    expect(res.body.contacts.elements.map((c: { type: string }) => c.type)).toEqual(['EML', 'MBT']);
    expect(res.body.documents.elements[0]).toMatchObject({ type: 'RF_PASSPORT', id: res.body.documents.elements[0].id });
    expect(res.body.kids.elements.map((k: { id: number }) => k.id)).toEqual([IVANOV, ANNA]);
    expect(res.body).not.toHaveProperty('addresses');
  });

  it('inlines a collection as links without .elements', async () => {
    const res = await get(`/rs/prns/${IVANOVA}?embed=(contacts)`, token(IVANOVA, ['email']));
    expect(res.body.contacts).toMatchObject({ size: 1, elements: [expect.stringMatching(new RegExp(`^${BASE}/rs/prns/${IVANOVA}/ctts/\\d+$`))] });
  });

  it('answers 400 for a malformed embed', async () => {
    const bearer = token(IVANOVA, ['contacts']);
    for (const query of ['embed=contacts.elements', 'embed=()', 'embed=(contacts.elements', 'embed=(nothing.elements)', 'embed=(a)&embed=(b)']) {
      expectError(await get(`/rs/prns/${IVANOVA}?${query}`, bearer), 400);
    }
    expectError(await get(`/rs/prns/${IVANOVA}/ctts?embed=(contacts.elements)`, bearer), 400);
  });
});

describe('collections and items', () => {
  const cases = [
    { coll: 'ctts', scopes: ['contacts'], size: 2 },
    { coll: 'docs', scopes: ['id_doc'], size: 1 },
    { coll: 'addrs', scopes: ['addresses'], size: 1 },
    { coll: 'kids', scopes: KID_SCOPES, size: 2 },
  ];

  for (const { coll, scopes, size } of cases) {
    it(`serves /${coll} as links, embedded, and item by item`, async () => {
      const bearer = token(IVANOVA, scopes);
      const linked = await get(`/rs/prns/${IVANOVA}/${coll}`, bearer);
      expect(linked.status).toBe(200);
      expect(linked.headers['content-type']).toBe(JSON_TYPE);
      expect(linked.body).toEqual({ stateFacts: ['hasSize'], size, eTag: expect.stringMatching(/^[0-9A-F]{40}$/), elements: expect.any(Array) });
      const embedded = await get(`/rs/prns/${IVANOVA}/${coll}?embed=(elements)`, bearer);
      expect(embedded.body.size).toBe(size);
      expect(embedded.body.eTag).not.toBe(linked.body.eTag);
      for (const [i, url] of (linked.body.elements as string[]).entries()) {
        expect(url).toBe(`${BASE}/rs/prns/${IVANOVA}/${coll}/${embedded.body.elements[i].id}`);
        const item = await get(pathOf(url), bearer);
        expect(item.status).toBe(200);
        expect(item.body).toEqual(embedded.body.elements[i]);
        expect(item.body.stateFacts).toEqual(['Identifiable']);
      }
      expectError(await get(`/rs/prns/${IVANOVA}/${coll}/999`, bearer), 404);
    });
  }

  it('serves an empty /vhls to any token of the person', async () => {
    const res = await get(`/rs/prns/${IVANOVA}/vhls?embed=(elements)`, token(IVANOVA, []));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stateFacts: ['hasSize'], size: 0, elements: [] });
  });

  it('answers 404 for unknown people, collections and ids', async () => {
    const bearer = token(IVANOVA, ['contacts']);
    expectError(await get(`/rs/prns/${IVANOVA}/nothing`, bearer), 404);
    expectError(await get(`/rs/prns/${IVANOVA}/ctts/abc`, bearer), 404);
    expectError(await get('/rs/prns/abc', bearer), 404);
    expectError(await get('/rs/prns/1999999999', token(1999999999, ['fullname'])), 404);
  });
});

describe('kids', () => {
  it('lists Ivanova’s children with the kid scopes', async () => {
    const res = await get(`/rs/prns/${IVANOVA}/kids?embed=(elements)`, token(IVANOVA, KID_SCOPES));
    expect(res.body.elements).toEqual([
      expect.objectContaining({ id: IVANOV, firstName: 'Пётр', lastName: 'Иванов', gender: 'M', snils: '123-456-789 64', inn: '631245678930', trusted: false }),
      expect.objectContaining({ id: ANNA, firstName: 'Анна', middleName: 'Сергеевна', gender: 'F', snils: '234-567-890 99', trusted: false }),
    ]);
    const anna = res.body.elements[1];
    expect(anna.birthDate).toMatch(/^\d{2}\.\d{2}\.\d{4}$/);
    expect(anna).not.toHaveProperty('inn');
    expect(anna.documents).toMatchObject({ stateFacts: ['hasSize'], size: 1, elements: [expect.stringContaining(`/rs/prns/${IVANOVA}/kids/${ANNA}/docs/`)] });
  });

  it('gives only the fields of the granted kid scopes', async () => {
    const res = await get(`/rs/prns/${IVANOVA}/kids/${IVANOV}`, token(IVANOVA, ['kid_fullname']));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['eTag', 'firstName', 'id', 'lastName', 'middleName', 'stateFacts', 'trusted']);
  });

  it('serves a child’s documents under the parent', async () => {
    const bearer = token(IVANOVA, ['kid_birth_cert_doc']);
    const linked = await get(`/rs/prns/${IVANOVA}/kids/${ANNA}/docs`, bearer);
    expect(linked.status).toBe(200);
    expect(linked.body.size).toBe(1);
    const embedded = await get(`/rs/prns/${IVANOVA}/kids/${ANNA}/docs?embed=(elements)`, bearer);
    expect(embedded.body.elements[0]).toMatchObject({ stateFacts: ['Identifiable'], type: 'RF_BRTH_CERT', vrfStu: 'VERIFIED', series: 'IV-ЕР', number: '654321' });
    const item = await get(pathOf(linked.body.elements[0]), bearer);
    expect(item.body).toEqual(embedded.body.elements[0]);
    const inline = await get(`/rs/prns/${IVANOVA}/kids/${ANNA}?embed=(documents.elements)`, bearer);
    expect(inline.body.documents.elements).toEqual(embedded.body.elements);
    const nested = await get(`/rs/prns/${IVANOVA}/kids?embed=(elements.documents.elements)`, bearer);
    expect(nested.body.elements[1].documents.elements).toEqual(embedded.body.elements);
    expect(nested.body.elements[0].documents).toMatchObject({ size: 0, elements: [] });
  });

  it('answers 404 for another family’s child, an unknown sub-collection or document', async () => {
    const bearer = token(IVANOVA, ['kid_birth_cert_doc']);
    expectError(await get(`/rs/prns/${IVANOVA}/kids/1000000004/docs`, bearer), 404);
    expectError(await get(`/rs/prns/${IVANOVA}/kids/1000000004`, bearer), 404);
    expectError(await get(`/rs/prns/${IVANOVA}/kids/${ANNA}/ctts`, bearer), 404);
    expectError(await get(`/rs/prns/${IVANOVA}/kids/${ANNA}/docs/1`, bearer), 404);
  });
});

describe('organizations', () => {
  it('lists the teacher’s roles, always with objects', async () => {
    const bearer = token(TEACHER, ['usr_org']);
    for (const query of ['', '?embed=(elements)']) {
      const res = await get(`/rs/prns/${TEACHER}/roles${query}`, bearer);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ stateFacts: ['hasSize'], size: 2 });
      expect(res.body.elements[0]).toMatchObject({
        oid: SCHOOL_1,
        prnOid: TEACHER,
        shortName: 'МБОУ «Школа № 1» г.о. Самара',
        ogrn: expect.stringMatching(/^\d{13}$/),
        type: 'LEGAL',
        chief: false,
        admin: false,
        active: true,
        hasRightOfSubstitution: false,
        hasApprovalTabAccess: false,
        isLiquidated: false,
      });
    }
    const role = await get(`/rs/prns/${TEACHER}/roles/${SCHOOL_1 + 1}`, bearer);
    expect(role.body.shortName).toBe('МБОУ «Лицей № 2» г.о. Тольятти');
  });

  it('lists the teacher’s organizations as links to /rs/orgs', async () => {
    const bearer = token(TEACHER, ['usr_org']);
    const linked = await get(`/rs/prns/${TEACHER}/orgs`, bearer);
    expect(linked.body.elements).toEqual([`${BASE}/rs/orgs/${SCHOOL_1}`, `${BASE}/rs/orgs/${SCHOOL_1 + 1}`]);
    const embedded = await get(`/rs/prns/${TEACHER}/orgs?embed=(elements)`, bearer);
    const org = await get(pathOf(linked.body.elements[0]), bearer);
    expect(org.status).toBe(200);
    expect(org.body).toEqual(embedded.body.elements[0]);
    expect(org.body).toMatchObject({
      stateFacts: ['EntityRoot'],
      oid: SCHOOL_1,
      ogrn: expect.stringMatching(/^\d{13}$/),
      inn: expect.stringMatching(/^\d{10}$/),
      kpp: expect.stringMatching(/^\d{9}$/),
      type: 'LEGAL',
    });
    expect((await get(`/rs/prns/${TEACHER}/orgs/${SCHOOL_1}`, bearer)).body).toEqual(org.body);
  });

  it('serves /rs/orgs to any token with usr_org, 404 for unknown ones', async () => {
    const system = token(0, ['usr_org']);
    expect((await get(`/rs/orgs/${SCHOOL_1 + 1}`, system)).status).toBe(200);
    expectError(await get('/rs/orgs/999', system), 404);
    expectError(await get('/rs/orgs/abc', system), 404);
  });
});

describe('faults', () => {
  it('answers the configured 5xx', async () => {
    app.esia.faults.set({ endpoints: { rs: { status: 503 } } });
    const res = await get(`/rs/prns/${IVANOVA}`, token(IVANOVA, ['fullname']));
    expect(res.status).toBe(503);
    expect((await get(`/rs/orgs/${SCHOOL_1}`)).status).toBe(503);
  });

  it('answers a truncated JSON body', async () => {
    app.esia.faults.set({ endpoints: { rs: { malformedJson: true } } });
    const res = await get(`/rs/prns/${IVANOVA}/ctts`, token(IVANOVA, ['contacts']))
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done(null, text));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(() => JSON.parse(res.body as string)).toThrow();
  });

  it('leaves other endpoints alone', async () => {
    app.esia.faults.set({ endpoints: { te: { status: 500 } } });
    expect((await get(`/rs/prns/${IVANOVA}`, token(IVANOVA, []))).status).toBe(200);
  });
});

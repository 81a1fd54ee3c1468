/**
 * mock-journal's own behaviour, driven with supertest: assertion checks (including replays), input
 * validation with problem documents, hashed passwords, fault switches, the Russian pages, and the
 * configuration section.
 */
import { inspect } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import request from 'supertest';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.ts';
import { buildJournalSeed } from '../../fixtures/journal-seed.ts';
import { createMockJournal, type MockJournalApp } from '../../mock-journal/app.ts';
import { CONFORMANCE_ANCHOR } from '../conformance/journal-adapter.ts';

const AUDIENCE = 'http://journal.test/esia-broker/v1';
const API = '/esia-broker/v1';
const CLIENT_ID = 'esia-broker';
const seed = buildJournalSeed(CONFORMANCE_ANCHOR);

let key: CryptoKey;
let jwk: JWK;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1' };
});

interface Claims {
  iss?: string;
  sub?: string;
  aud?: string;
  iat?: number;
  exp?: number;
  jti?: string | null;
}

async function assertion(claims: Claims = {}, signingKey: CryptoKey = key): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const c = { iss: CLIENT_ID, sub: CLIENT_ID, aud: AUDIENCE, iat: now, exp: now + 60, jti: crypto.randomUUID() as string | null, ...claims };
  return new SignJWT(c.jti === null ? {} : { jti: c.jti })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(c.iss)
    .setSubject(c.sub)
    .setAudience(c.aud)
    .setIssuedAt(c.iat)
    .setExpirationTime(c.exp)
    .sign(signingKey);
}

function journal(options: Partial<Parameters<typeof createMockJournal>[0]> = {}): MockJournalApp {
  return createMockJournal({ audience: AUDIENCE, seed, brokerJwks: { keys: [jwk] }, scryptCost: 1024, log: () => {}, ...options });
}

describe('mock-journal API authentication', () => {
  let app: MockJournalApp;
  beforeEach(() => {
    app = journal();
  });
  const get = async (token?: string) => {
    const r = request(app.callback()).get(`${API}/institutions`);
    return token === undefined ? r : r.set('authorization', `Bearer ${token}`);
  };

  it('answers a valid assertion', async () => {
    const res = await get(await assertion());
    expect(res.status).toBe(200);
    expect(res.body.institutions.map((i: { id: string }) => i.id)).toEqual(['school-1', 'school-2']);
  });

  it('asks for a bearer assertion without one', async () => {
    const res = await get();
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'about:blank', status: 401 });
  });

  it('refuses a replayed jti, and assertions with wrong claims', async () => {
    const token = await assertion();
    expect((await get(token)).status).toBe(200);
    const replay = await get(token);
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(JSON.parse(replay.text).detail).toMatch(/replayed/);

    const now = Math.floor(Date.now() / 1000);
    const refused: [string, Promise<string>][] = [
      ['wrong issuer', assertion({ iss: 'intruder' })],
      ['wrong subject', assertion({ sub: 'intruder' })],
      ['wrong audience', assertion({ aud: 'http://other.test/esia-broker/v1' })],
      ['expired', assertion({ iat: now - 300, exp: now - 240 })],
      ['issued in the future', assertion({ iat: now + 600, exp: now + 660 })],
      ['lives longer than 60 s', assertion({ exp: now + 3600 })],
      ['no jti', assertion({ jti: null })],
      ['another key', generateKeyPair('ES256').then((p) => assertion({}, p.privateKey))],
    ];
    for (const [name, token] of refused) expect((await get(await token)).status, name).toBe(401);
    expect((await get('not.a.jwt')).status).toBe(401);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: CLIENT_ID })).toString('base64url')}.x`;
    expect((await get(none)).status).toBe(401);
  });

  it('refuses everything when no broker key is configured', async () => {
    app = journal({ brokerJwks: undefined });
    expect((await get(await assertion())).status).toBe(401);
  });

  it('checks assertions against its own clock', async () => {
    app = journal({ clock: () => new Date(Date.now() + 10 * 60_000) });
    expect((await get(await assertion())).status).toBe(401);
  });
});

describe('mock-journal API', () => {
  let app: MockJournalApp;
  beforeEach(() => {
    app = journal();
  });
  const call = async (method: 'get' | 'post' | 'put' | 'delete' | 'patch', path: string, body?: object) => {
    const r = request(app.callback())[method](`${API}${path}`).set('authorization', `Bearer ${await assertion()}`);
    return body ? r.send(body) : r;
  };

  it('finds by SNILS and by normalized full name, and answers 400 for anything else', async () => {
    expect((await call('get', '/accounts?snils=78901234523&role=staff')).body.accounts.map((a: { accountId: string }) => a.accountId)).toEqual([
      't-3001',
      't-3002',
    ]);
    const ivanov = seed.accounts.find((a) => a.accountId === 's-2001')!;
    const byName = await call('get', `/accounts?${new URLSearchParams({ lastName: 'ИВАНОВ', firstName: 'петр', middleName: 'Сергеевич', birthDate: ivanov.birthDate, role: 'pupil' })}`);
    expect(byName.body.accounts).toEqual([
      {
        accountId: 's-2001',
        role: 'pupil',
        institution: { id: 'school-1', name: ivanov.institutionName },
        lastName: 'Иванов',
        firstName: 'Пётр',
        middleName: 'Сергеевич',
        birthDate: ivanov.birthDate,
        snils: '12345678964',
        className: '9А',
      },
    ]);
    for (const query of [
      'snils=78901234523',
      'snils=7890123452&role=staff',
      'snils=78901234523&role=teacher',
      'snils=78901234523&role=staff&lastName=Соколова',
      'role=staff&role=parent&snils=78901234523',
      'lastName=Иванов&firstName=Пётр&birthDate=2011-02-30&role=pupil',
      '',
    ]) {
      const res = await call('get', `/accounts?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('answers 404 problem documents for unknown accounts and operations, 405 for other methods', async () => {
    for (const path of ['/accounts/s-9999', '/accounts/s-9999/parents', '/accounts/s-9999/children', '/nothing-here']) {
      const res = await call('get', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const res = await call('patch', '/accounts/s-2001');
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('checks passwords against scrypt hashes, the same answer for every failure, never echoing them', async () => {
    const ok = await call('post', '/password-checks', { login: ' IVANOVA.M ', password: 'mama-1001' });
    expect(ok.body).toMatchObject({ result: 'valid', account: { accountId: 'p-1001' } });
    for (const attempt of [
      { login: 'ivanova.m', password: 'wrong' },
      { login: 'nobody', password: 'mama-1001' },
    ]) {
      const res = await call('post', '/password-checks', attempt);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ result: 'invalid' });
    }
    const bad = await call('post', '/password-checks', { login: 'ivanova.m', password: 'x'.repeat(2000) + 'Sekret' });
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain('Sekret');
    const malformed = await request(app.callback())
      .post(`${API}/password-checks`)
      .set('authorization', `Bearer ${await assertion()}`)
      .set('content-type', 'application/json')
      .send('{"login":"a","password":"Sekret');
    expect(malformed.status).toBe(400);
    expect(malformed.text).not.toContain('Sekret');

    const stored = inspect(app.journal.store, { depth: 10, showHidden: true });
    expect(stored).toMatch(/scrypt\$1024\$/);
    for (const account of seed.accounts) expect(stored).not.toContain(account.password);
  });

  it('records, replaces and removes ESIA links, and shows them on a Russian page', async () => {
    expect((await call('put', '/accounts/p-1001/esia-link', { esiaOid: '1000000001', method: 'auto', at: '2026-11-23T09:00:00Z' })).status).toBe(204);
    expect(app.journal.links.get('p-1001')).toMatchObject({ esiaOid: '1000000001', method: 'auto', at: '2026-11-23T09:00:00Z' });
    expect((await call('put', '/accounts/p-1001/esia-link', { esiaOid: '1000000001', at: 'yesterday' })).status).toBe(400);
    expect((await call('put', '/accounts/s-9999/esia-link', { esiaOid: '1', method: 'auto', at: '2026-11-23T09:00:00Z' })).status).toBe(404);

    const page = await request(app.callback()).get('/links');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('lang="ru"');
    expect(page.text).toContain('Иванова Мария Петровна');
    expect(page.text).toContain('автоматически');

    expect((await call('delete', '/accounts/p-1001/esia-link')).status).toBe(204);
    expect((await call('delete', '/accounts/p-1001/esia-link')).status).toBe(204);
    expect(app.journal.links.size).toBe(0);
    expect((await request(app.callback()).get('/links')).text).toContain('Пока ни одна учётная запись не привязана');
  });

  it('applies fault switches before authentication, per operation or for all', async () => {
    app.journal.faults.set({ getAccount: { status: 502 } });
    expect((await request(app.callback()).get(`${API}/accounts/s-2001`)).status).toBe(502);
    expect((await call('get', '/institutions')).status).toBe(200);
    app.journal.faults.set({ all: { wrongShape: true } });
    expect((await call('get', '/institutions')).body).not.toHaveProperty('institutions');
    app.journal.faults.set({ all: { malformedJson: true } });
    const truncated = await request(app.callback())
      .get(`${API}/institutions`)
      .set('authorization', `Bearer ${await assertion()}`)
      .responseType('arraybuffer');
    expect(() => JSON.parse((truncated.body as Buffer).toString('utf8'))).toThrow();
    app.journal.faults.set({ listInstitutions: { latencyMs: 120 } });
    const started = Date.now();
    expect((await call('get', '/institutions')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    app.journal.faults.clear();
    expect((await call('get', '/accounts/s-2001')).status).toBe(200);
    expect(() => app.journal.faults.set({ getAccount: { status: 404 } })).toThrow();
  });
});

describe('mock-journal pages and configuration', () => {
  it('shows a Russian home page with the two schools', async () => {
    const res = await request(journal().callback()).get('/');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Электронный журнал (демо)');
    for (const institution of seed.institutions) expect(res.text).toContain(institution.name);
    expect(res.text).toContain(AUDIENCE);
    expect((await request(journal().callback()).get('/missing')).text).toContain('Такой страницы нет');
  });

  it('has a configuration section with environment overrides', () => {
    const config = loadConfig({ env: { MOCK_JOURNAL_PORT: '4200', MOCK_JOURNAL_BROKER_CLIENT_ID: 'broker-x' } });
    expect(config.mockJournal).toMatchObject({ port: 4200, host: '127.0.0.1', apiBasePath: '/esia-broker/v1', brokerClientId: 'broker-x' });
    expect(loadConfig({ env: {} }).mockJournal.port).toBe(3002);
    expect(() => loadConfig({ env: {}, overrides: { mockJournal: { apiBasePath: 'no-slash' } } })).toThrow(/mockJournal\.apiBasePath/);
  });
});

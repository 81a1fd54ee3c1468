/**
 * The whole code flow against a real mock-esia over HTTP, driven by the broker's real ESIA client:
 * v2 ac with a raw GOST secret, login and consent pages, v3 te, verified tokens, REST person.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esiaClientFor, loginAtMock, REDIRECT_URI, ScriptedBrowser, startMockEsia, type MockEsiaEnv } from '../helpers/mock-esia.ts';
import { deriveAccountLevel } from '../../broker/esia/person.ts';

let env: MockEsiaEnv;
beforeAll(async () => {
  env = await startMockEsia();
});
afterAll(() => env.close());

function decode(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

describe('code flow', () => {
  it('logs in a confirmed parent and returns tokens shaped as ESIA', async () => {
    const client = esiaClientFor(env);
    const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI, accessType: 'offline' });
    const back = await loginAtMock(url, { persona: 'parent-ivanova' });
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('state')).toBe(state);
    const { code } = client.parseCallback(back.searchParams, state);
    expect(decode(code).header).toMatchObject({ sbt: 'authorization_code', alg: 'GOST3410_2012_256' });

    const tokens = await client.exchangeCode({ code, redirectUri: REDIRECT_URI });
    expect(tokens.access.oid).toBe(1000000001);
    expect(tokens.id?.trusted).toBe(true);
    expect(tokens.id?.lvl).toBe('PR');
    expect(tokens.id?.amr).toEqual(['PWD']);
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.refreshToken).toBeTruthy();

    const access = decode(tokens.accessToken);
    expect(access.header).toEqual({ ver: 1, typ: 'JWT', sbt: 'access', alg: 'GOST3410_2012_256' });
    expect(access.header).not.toHaveProperty('kid');
    expect(access.claims['urn:esia:sbj_id']).toBe(1000000001);
    expect(access.claims.scope).toBe('openid fullname?oid=1000000001 birthdate?oid=1000000001 gender?oid=1000000001 snils?oid=1000000001 id_doc?oid=1000000001');
    expect(access.claims.iss).toBe(`http://${new URL(env.url).host}/`);
    expect((access.claims.exp as number) - (access.claims.iat as number)).toBe(3600);
    const id = decode(tokens.idToken!);
    expect(id.header).toEqual({ ver: 0, typ: 'JWT', sbt: 'id', alg: 'GOST3410_2012_256' });
    expect(id.claims).not.toHaveProperty('nonce');
    expect(id.claims.sub).toBe(1000000001);
    expect(id.claims['urn:esia:sbj']).toEqual({
      'urn:esia:sbj:typ': 'P',
      'urn:esia:sbj:is_tru': true,
      'urn:esia:sbj:oid': 1000000001,
      'urn:esia:sbj:nam': 'OID.1000000001',
      'urn:esia:sbj:lvl': 'PR',
    });

    const person = await client.fetchPerson(tokens);
    expect(person).toMatchObject({ lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', snils: '112-233-445 95', trusted: true });
    expect(person.documents[0]).toMatchObject({ type: 'RF_PASSPORT', vrfStu: 'VERIFIED' });
    expect(deriveAccountLevel({ idToken: tokens.id, person }).level).toBe('confirmed');
  });

  it('omits is_tru for unconfirmed accounts and marks child accounts KD', async () => {
    const client = esiaClientFor(env);
    for (const [persona, trusted, lvl, level] of [
      ['pupil-ivanov', false, 'P', 'standard'],
      ['parent-kuznetsov', false, 'P', 'simplified'],
      ['child-ivanova', false, 'KD', 'standard'],
    ] as const) {
      const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
      const back = await loginAtMock(url, { persona });
      const tokens = await client.exchangeCode({ code: client.parseCallback(back.searchParams, state).code, redirectUri: REDIRECT_URI });
      const sbj = decode(tokens.idToken!).claims['urn:esia:sbj'] as Record<string, unknown>;
      expect(sbj).not.toHaveProperty('urn:esia:sbj:is_tru');
      expect(tokens.id).toMatchObject({ trusted, lvl });
      const person = await client.fetchPerson(tokens);
      expect(deriveAccountLevel({ idToken: tokens.id, person })).toEqual({ level, child: lvl === 'KD' });
    }
  });

  it('keeps the ESIA session (SSO) and remembers consent for the same system', async () => {
    const client = esiaClientFor(env);
    const browser = new ScriptedBrowser();
    const first = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    await loginAtMock(first.url, { persona: 'teacher-sokolova', browser });
    const second = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    const response = await browser.request(second.url);
    expect(response.status).toBe(302);
    const back = new URL(response.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe(second.state);
    expect(back.searchParams.get('code')).toBeTruthy();
  });

  it('logs in with a typed login and password; a wrong password shows the page again', async () => {
    const client = esiaClientFor(env);
    const { url } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    const browser = new ScriptedBrowser();
    const toLogin = await browser.request(url);
    const req = new URL(toLogin.headers.get('location')!, env.url).searchParams.get('req')!;
    const page = await (await browser.request(`${env.url}/login?req=${req}`)).text();
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('name="viewport"');
    const wrong = await browser.post(`${env.url}/login`, { req, login: 'morozov.da1@example.ru', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Неверный логин или пароль');
    const right = await browser.post(`${env.url}/login`, { req, login: '+7(927)3434343', password: 'Gosuslugi-2026' });
    expect(right.headers.get('location')).toBe(`/consent?req=${req}`);
    const consent = await (await browser.request(`${env.url}/consent?req=${req}`)).text();
    expect(consent).toContain('СНИЛС');
    expect(consent).toContain('Предоставить');
  });

  it('a denied consent returns ESIA-007004 access_denied with the state', async () => {
    const client = esiaClientFor(env);
    const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    const back = await loginAtMock(url, { persona: 'pupil-smirnov', decision: 'deny' });
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('error_description')).toMatch(/^ESIA-007004: /);
    expect(back.searchParams.get('state')).toBe(state);
    expect(() => client.parseCallback(back.searchParams, state)).toThrow(expect.objectContaining({ code: 'ERR_ESIA_ACCESS_DENIED', esiaCode: 'ESIA-007004' }));
  });

  it('rotates refresh tokens: the old one is refused after use', async () => {
    const client = esiaClientFor(env);
    const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI, accessType: 'offline' });
    const back = await loginAtMock(url, { persona: 'parent-popova' });
    const tokens = await client.exchangeCode({ code: client.parseCallback(back.searchParams, state).code, redirectUri: REDIRECT_URI });
    const refreshed = await client.refresh({ refreshToken: tokens.refreshToken!, redirectUri: REDIRECT_URI });
    expect(refreshed.access.oid).toBe(1000000009);
    expect(refreshed.refreshToken).toBeTruthy();
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    await expect(client.refresh({ refreshToken: tokens.refreshToken!, redirectUri: REDIRECT_URI })).rejects.toMatchObject({
      code: 'ERR_ESIA_INVALID_GRANT',
      esiaCode: 'ESIA-007011',
    });
  });

  it('logs out at /idp/ext/Logout and returns to a registered redirect_url', async () => {
    const client = esiaClientFor(env);
    const browser = new ScriptedBrowser();
    const first = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    await loginAtMock(first.url, { persona: 'parent-smirnova', browser });
    const out = await browser.request(client.logoutUrl('http://127.0.0.1:9999/bye'));
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('http://127.0.0.1:9999/bye');
    const again = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    const response = await browser.request(again.url);
    expect(new URL(response.headers.get('location')!, env.url).pathname).toBe('/login');
    const foreign = await browser.request(client.logoutUrl('https://evil.example.com/'));
    expect(foreign.status).toBe(200);
    expect(await foreign.text()).toContain('Вы вышли');
  });
});

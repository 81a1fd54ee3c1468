/**
 * The broker when things go wrong: ESIA declined, ESIA down, the journal down, a role that does not
 * fit the session, a replayed code, PKCE failures. Each ends at the journal as an OAuth error (after a
 * page that says what to do) or as a refused token request; nothing leaks a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { CLIENT_ID, CLIENT_SECRET, csrfOf, firstFormAction as actionOf, follow, JOURNAL_ID, PKJWT_KEYS, startAuthorization, passEsia, relyingParty, RP_REDIRECT, startBroker, submit, type BrokerEnv } from '../helpers/broker.ts';

const start = (env: BrokerEnv, extra: Record<string, string> = {}) => startAuthorization(env, { scope: 'openid role', ...extra });


describe('broker failures', () => {
  let env: BrokerEnv;
  beforeAll(async () => {
    env = await startBroker();
    await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
    await env.broker.links.link({ esiaOid: '1000000004', journalId: JOURNAL_ID, accountId: 's-2003', role: 'pupil', method: 'auto', linkedAt: new Date().toISOString() });
  });
  afterAll(() => env?.close());

  it('answers a malformed or oversized body with 4xx and fixed text, never a 500', async () => {
    const auth = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
    const broken = await fetch(`${env.url}/api/journal/unlink`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{"accountId": ' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toEqual({ error: 'invalid_request', error_description: 'the request body could not be read' });
    const huge = await fetch(`${env.url}/cabinet/consents/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=${'x'.repeat(40_000)}`,
    });
    expect(huge.status).toBe(413);
    const text = await huge.text();
    expect(text).toContain('Запрос не понят');
    expect(text).not.toMatch(/Error|at .*\.ts/);
  });

  it('returns access_denied when the person declines at ESIA', async () => {
    const browser = new ScriptedBrowser();
    const { url } = await start(env, { role: 'parent' });
    const login = await follow(browser, url);
    const req = new URL(login.url).searchParams.get('req')!;
    await submit(browser, `${env.esia.url}/login`, { req, persona: 'parent-ivanova' });
    const back = await submit(browser, `${env.esia.url}/consent`, { req, decision: 'deny' });
    const params = new URL(back.url).searchParams;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toBe('esia_login_declined');
  });

  it('says ESIA is not answering when its token endpoint is down, and returns temporarily_unavailable', async () => {
    const browser = new ScriptedBrowser();
    const { url } = await start(env, { role: 'parent' });
    const login = await follow(browser, url);
    env.esia.app.esia.faults.set({ endpoints: { te: { status: 503 } } });
    try {
      const page = await passEsia(browser, login.url, 'parent-ivanova');
      const html = await page.response.text();
      expect(html).toContain('Госуслуги не отвечают');
      expect(html).not.toMatch(/Error|at .*\.ts/);
      const back = await submit(browser, actionOf(html, env.url), { csrf: csrfOf(html) });
      expect(new URL(back.url).searchParams.get('error')).toBe('temporarily_unavailable');
      expect(new URL(back.url).searchParams.get('error_description')).toBe('esia_unavailable');
    } finally {
      env.esia.app.esia.faults.clear();
    }
  });

  it('asks for a new login when the journal asks for another role than the session has', async () => {
    const browser = new ScriptedBrowser();
    const first = await start(env, { role: 'parent' });
    const login = await follow(browser, first.url);
    const back = await passEsia(browser, login.url, 'parent-ivanova');
    expect(new URL(back.url).searchParams.get('code')).toBeTruthy();
    const same = await start(env, { role: 'parent' });
    expect(new URL((await follow(browser, same.url)).url).searchParams.get('code')).toBeTruthy();
    const other = await start(env, { role: 'pupil' });
    const next = await follow(browser, other.url);
    // Not silently logged in as the parent: a new login (ESIA's session still stands), which finds no
    // pupil account for this person.
    expect(new URL(next.url).pathname).toMatch(/^\/interaction\/[^/]+\/esia$/);
    expect(await next.response.text()).toContain('Учётная запись в журнале не найдена');
  });

  it('refuses a replayed authorization code', async () => {
    const browser = new ScriptedBrowser();
    const { config, verifier, state, url } = await start(env, { role: 'parent' });
    const back = await passEsia(browser, (await follow(browser, url)).url, 'parent-ivanova');
    await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
    await expect(oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses PKCE failures: a wrong verifier, and a public client without PKCE', async () => {
    const browser = new ScriptedBrowser();
    const { config, state, url } = await start(env, { role: 'parent' });
    const back = await passEsia(browser, (await follow(browser, url)).url, 'parent-ivanova');
    await expect(
      oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const publicClient = await relyingParty(env, 'demo-public', undefined);
    const noPkce = oidc.buildAuthorizationUrl(publicClient, { redirect_uri: RP_REDIRECT, scope: 'openid', state: 'x' });
    const response = await fetch(noPkce, { redirect: 'manual' });
    const to = new URL(response.headers.get('location')!);
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('error_description')).toMatch(/PKCE/);
  });
});

describe('client authentication at the token endpoint', () => {
  let env: BrokerEnv;
  beforeAll(async () => {
    env = await startBroker();
    await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
  });
  afterAll(() => env?.close());

  for (const [clientId, auth] of [
    ['journal-post', () => oidc.ClientSecretPost(CLIENT_SECRET)],
    ['journal-pkjwt', () => oidc.PrivateKeyJwt({ key: PKJWT_KEYS.privateKey, kid: 'rp-1' })],
  ] as const) {
    it(`authenticates ${clientId}, and refuses a wrong credential`, async () => {
      const config = await relyingParty(env, clientId, undefined, auth());
      const browser = new ScriptedBrowser();
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: RP_REDIRECT,
        scope: 'openid',
        role: 'parent',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state: 's',
      });
      const back = await passEsia(browser, (await follow(browser, url.toString())).url, 'parent-ivanova');
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: 's' });
      expect(tokens.claims()!.sub).toBe('p-1001');
      const wrong = await relyingParty(env, clientId, undefined, clientId === 'journal-post' ? oidc.ClientSecretPost('x'.repeat(40)) : oidc.PrivateKeyJwt({ key: (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])).privateKey }));
      await expect(oidc.refreshTokenGrant(wrong, 'nope')).rejects.toMatchObject({ error: 'invalid_client' });
    });
  }
});

describe('broker with its journal down', () => {
  let env: BrokerEnv;
  beforeAll(async () => {
    env = await startBroker({ journal: 'down' });
    await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
  });
  afterAll(() => env?.close());

  it('says the journal is not answering, and returns temporarily_unavailable', async () => {
    const browser = new ScriptedBrowser();
    const { url } = await start(env, { role: 'parent' });
    const page = await passEsia(browser, (await follow(browser, url)).url, 'parent-ivanova');
    const html = await page.response.text();
    expect(html).toContain('Журнал не отвечает');
    const back = await submit(browser, actionOf(html, env.url), { csrf: csrfOf(html) });
    expect(new URL(back.url).searchParams.get('error_description')).toBe('journal_unavailable');
  });

  it('says ESIA is not answering when the person cannot be read, though the journal (read meanwhile) is down too', async () => {
    const browser = new ScriptedBrowser();
    const { url } = await start(env, { role: 'parent' });
    const login = await follow(browser, url);
    env.esia.app.esia.faults.set({ endpoints: { rs: { status: 503 } } });
    try {
      const page = await passEsia(browser, login.url, 'parent-ivanova');
      const html = await page.response.text();
      expect(html).toContain('Госуслуги не отвечают');
      expect(html).not.toContain('Журнал не отвечает');
    } finally {
      env.esia.app.esia.faults.clear();
    }
  });
});

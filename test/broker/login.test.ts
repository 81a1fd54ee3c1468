/**
 * The broker's login end to end: openid-client as the journal, the broker over real HTTP, mock-esia,
 * and the roster adapter over the personas' journal side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { csrfOf, startAuthorization, follow, JOURNAL_ID, passEsia, RP_REDIRECT, startBroker, submit, type BrokerEnv } from '../helpers/broker.ts';

describe.each(['memory', 'redis'] as const)('broker login (%s store)', (store) => {
  let env: BrokerEnv;
  beforeAll(async () => {
    env = await startBroker({ store });
    const link = (esiaOid: string, accountId: string, role: 'parent' | 'pupil' | 'staff') =>
      env.broker.links.link({ esiaOid, journalId: JOURNAL_ID, accountId, role, method: 'manual-password', linkedAt: new Date().toISOString() });
    await link('1000000001', 'p-1001', 'parent');
    await link('1000000010', 't-3001', 'staff');
    await link('1000000010', 't-3002', 'staff');
  });
  afterAll(() => env?.close());

  const start = (extra: Record<string, string> = {}, clientId?: string) => startAuthorization(env, extra, { id: clientId });

  describe('broker login', () => {
    it('logs a parent in through ESIA and names the journal account in the tokens', async () => {
      const browser = new ScriptedBrowser();
      const { config, verifier, state, url } = await start();
      const rolePage = await follow(browser, url);
      const html = await rolePage.response.text();
      expect(html).toContain('Родитель');
      const toEsia = await browser.post(new URL(`${new URL(rolePage.url).pathname}/role`, env.url).toString(), { csrf: csrfOf(html), role: 'parent' });
      const back = await passEsia(browser, toEsia.headers.get('location')!, 'parent-ivanova');
      expect(back.url.startsWith(RP_REDIRECT)).toBe(true);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
      const claims = tokens.claims()!;
      expect(claims.sub).toBe('p-1001');
      expect(claims.acr).toBe('confirmed');
      expect(claims.amr).toEqual(['pwd']);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, 'p-1001');
      expect(info).toMatchObject({
        sub: 'p-1001',
        name: 'Иванова Мария Петровна',
        role: 'parent',
        institution: { id: 'school-1' },
        age_group: 'adult',
      });
    });

    it('skips the role step when the journal names the role, and offers the school choice for two accounts', async () => {
      const browser = new ScriptedBrowser();
      const { config, verifier, state, url } = await start({ role: 'staff' });
      const esiaLogin = await follow(browser, url);
      expect(new URL(esiaLogin.url).origin).toBe(env.esia.url);
      const choice = await passEsia(browser, esiaLogin.url, 'teacher-sokolova');
      const page = await choice.response.text();
      expect(page).toContain('Выберите школу');
      const key = /name="account" value="([^"]+)">МБОУ «Лицей № 2»/.exec(page)![1]!;
      const back = await submit(browser, actionOf(page, env.url), { csrf: csrfOf(page), account: key });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
      expect(tokens.claims()!.sub).toBe('t-3002');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, 't-3002');
      expect(info).toMatchObject({ role: 'staff', institution: { id: 'school-2' } });
    });

    it('sends the authorization request straight to ESIA when the role is named, with the interaction cookie for the way back', async () => {
      const browser = new ScriptedBrowser();
      const { url } = await start({ role: 'parent' });
      const response = await browser.request(url);
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location')!);
      expect(location.origin).toBe(env.esia.url);
      const back = new URL(location.searchParams.get('redirect_uri')!);
      expect(back.pathname).toMatch(/^\/interaction\/[\w-]+\/esia$/);
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith('_interaction='));
      expect(cookie).toContain(`path=${back.pathname.replace(/\/esia$/, '')};`);
      // The same request without a role (or with an unknown one) shows the broker's role step first.
      for (const extra of [{}, { role: 'admin' }] as Record<string, string>[]) {
        const other = await new ScriptedBrowser().request((await start(extra)).url);
        expect(other.headers.get('location')).toMatch(/^\/interaction\/[\w-]+$/);
      }
    });

    it('answers the ESIA callback with the journal redirect itself, the resumed authorization run on that request', async () => {
      const browser = new ScriptedBrowser();
      const { config, verifier, state, url } = await start({ role: 'parent' });
      const toEsia = (await browser.request(url)).headers.get('location')!;
      // Walk mock-esia by hand up to its redirect back to the broker.
      let at = toEsia;
      let response = await browser.request(at);
      for (let hop = 0; hop < 10 && !new URL(at).pathname.endsWith('/esia'); hop++) {
        const location = response.headers.get('location');
        if (location) {
          at = new URL(location, at).toString();
        } else {
          const req = new URL(at).searchParams.get('req')!;
          const page = new URL(at).pathname;
          response = await browser.post(new URL(page, at).toString(), page === '/login' ? { req, persona: 'parent-ivanova' } : { req, decision: 'allow' });
          at = new URL(response.headers.get('location')!, at).toString();
        }
        if (new URL(at).pathname.endsWith('/esia')) break;
        response = await browser.request(at);
      }
      const callback = await browser.request(at);
      expect(callback.status).toBe(303);
      const back = callback.headers.get('location')!;
      expect(back.startsWith(RP_REDIRECT)).toBe(true);
      expect(callback.headers.getSetCookie().some((c) => c.startsWith('_session='))).toBe(true);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: verifier, expectedState: state });
      expect(tokens.claims()!.sub).toBe('p-1001');
      // The same code twice: refused.
      await expect(oidc.authorizationCodeGrant(config, new URL(back), { pkceCodeVerifier: verifier, expectedState: state })).rejects.toThrow();
    });

    it('says plainly when no journal account is linked, and returns access_denied to the journal', async () => {
      const browser = new ScriptedBrowser();
      const { config, verifier, state, url } = await start({ role: 'parent' });
      const esiaLogin = await follow(browser, url);
      const refusal = await passEsia(browser, esiaLogin.url, 'no-journal-volkov');
      const page = await refusal.response.text();
      expect(page).toContain('Учётная запись в журнале не найдена');
      expect(page).toContain('обратитесь в школу');
      const back = await submit(browser, actionOf(page, env.url), { csrf: csrfOf(page) });
      const params = new URL(back.url).searchParams;
      expect(params.get('error')).toBe('access_denied');
      expect(params.get('error_description')).toBe('no_linked_account');
      await expect(oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state })).rejects.toThrow();
    });

    it('refuses a simplified account where the role needs a confirmed one, saying what to do', async () => {
      const browser = new ScriptedBrowser();
      const { url } = await start({ role: 'parent' });
      const esiaLogin = await follow(browser, url);
      const refusal = await passEsia(browser, esiaLogin.url, 'parent-kuznetsov');
      const page = await refusal.response.text();
      expect(page).toContain('Нужна подтверждённая учётная запись Госуслуг');
      expect(page).toContain('МФЦ');
      const back = await submit(browser, actionOf(page, env.url), { csrf: csrfOf(page) });
      expect(new URL(back.url).searchParams.get('error_description')).toBe('esia_level_too_low: confirmed required');
    });

    it('refuses a forged or replayed ESIA state, and a form without the CSRF token', async () => {
      const browser = new ScriptedBrowser();
      const { url } = await start();
      const rolePage = await follow(browser, url);
      const html = await rolePage.response.text();
      const noCsrf = await browser.post(actionOf(html, env.url), { role: 'parent' });
      expect(noCsrf.status).toBe(403);
      const uid = new URL(rolePage.url).pathname.split('/')[2]!;
      const forged = await browser.request(`${env.url}/interaction/${uid}/esia?code=x&state=${crypto.randomUUID()}`);
      expect(forged.status).toBe(400);
      expect(await forged.text()).toContain('Вход устарел');
      const toEsia = await browser.post(actionOf(html, env.url), { csrf: csrfOf(html), role: 'parent' });
      const esiaUrl = toEsia.headers.get('location')!;
      const esiaState = new URL(esiaUrl).searchParams.get('state')!;
      await passEsia(browser, esiaUrl, 'parent-ivanova');
      const replay = await browser.request(`${env.url}/interaction/${uid}/esia?code=x&state=${esiaState}`);
      expect(replay.status).toBe(400);
    });

    it('refuses an unregistered redirect URI with a page, never a redirect', async () => {
      const { url } = await start({ redirect_uri: 'http://127.0.0.1:9998/other' });
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text).toContain('Адрес возврата не зарегистрирован');
      expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
    });

    it('gives an unbound client a pairwise subject', async () => {
      const browser = new ScriptedBrowser();
      const { config, verifier, state, url } = await start({ role: 'parent' }, 'regional-portal');
      const esiaLogin = await follow(browser, url);
      const back = await passEsia(browser, esiaLogin.url, 'parent-ivanova');
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
      const sub = tokens.claims()!.sub;
      expect(sub).not.toContain('p-1001');
      expect(sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
      expect(info).toMatchObject({ role: 'parent', institution: { id: 'school-1' } });
    });
  });
});

/** The action of the first form on a broker page, as an absolute URL. */
function actionOf(page: string, base: string): string {
  const m = /<form method="post" action="([^"]+)"/.exec(page);
  if (!m) throw new Error('no form on the page');
  return new URL(m[1]!.replace(/&amp;/g, '&'), base).toString();
}

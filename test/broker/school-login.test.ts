/**
 * Login with the school-issued login and password (pupils under 14, transition periods), checked
 * through the journal's adapter (SQL over a real PostgreSQL with legacy password hashes), rate limited
 * per account and per address, with one text for every failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { csrfOf, follow, startAuthorization, startBroker, submit, type BrokerEnv } from '../helpers/broker.ts';

const FAILED = 'Не удалось войти. Проверьте логин и пароль.';
let env: BrokerEnv;
beforeAll(async () => {
  env = await startBroker({ journal: 'sql', brokerConfig: { schoolLogin: { maxFailuresPerAccount: 3, maxFailuresPerAddress: 8, windowSeconds: 900 } } });
});
afterAll(() => env?.close());

async function schoolLoginPage(browser: ScriptedBrowser) {
  const { config, verifier, state, url } = await startAuthorization(env);
  const rolePage = await follow(browser, url);
  const uid = new URL(rolePage.url).pathname.split('/')[2]!;
  const formUrl = `${env.url}/interaction/${uid}/school-login`;
  const page = await (await browser.request(formUrl)).text();
  return { config, verifier, state, formUrl, csrf: csrfOf(page), page };
}

describe('school login', () => {
  it('logs a pupil in with the school login and password', async () => {
    const browser = new ScriptedBrowser();
    const { config, verifier, state, formUrl, csrf, page } = await schoolLoginPage(browser);
    expect(page).toContain('по школьному логину');
    const back = await submit(browser, formUrl, { csrf, login: ' Ivanova.A ', password: 'uchenik-2002' });
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()).toMatchObject({ sub: 's-2002', acr: 'school-password', amr: ['pwd'] });
    expect(await oidc.fetchUserInfo(config, tokens.access_token, 's-2002')).toMatchObject({ role: 'pupil', age_group: 'under_14' });
  });

  it('gives one message for every failure and locks an account after repeated failures', async () => {
    const browser = new ScriptedBrowser();
    const { formUrl, csrf } = await schoolLoginPage(browser);
    const attempt = async (login: string, password: string) => {
      const response = await browser.post(formUrl, { csrf, login, password });
      return { status: response.status, text: await response.text() };
    };
    const unknown = await attempt('nobody', 'x');
    const wrong = await attempt('popov.i', 'wrong-1');
    expect(unknown.status).toBe(401);
    expect(unknown.text).toContain(FAILED);
    expect(wrong.text).toContain(FAILED);
    await attempt('popov.i', 'wrong-2');
    await attempt('popov.i', 'wrong-3');
    // Locked: even the right password gets the same answer now.
    const locked = await attempt('popov.i', 'uchenik-2005');
    expect(locked.status).toBe(401);
    expect(locked.text).toContain(FAILED);
    expect(await env.kv.ttl('rl:school:account:demo-journal:popov.i')).toBeGreaterThan(800);
  });

  it('limits failures per address across accounts', async () => {
    const browser = new ScriptedBrowser();
    const { formUrl, csrf } = await schoolLoginPage(browser);
    // This address already has failures from the previous test; a few more reach the limit.
    for (let i = 0; i < 8; i++) await browser.post(formUrl, { csrf, login: `stranger-${i}`, password: 'x' });
    const response = await browser.post(formUrl, { csrf, login: 'smirnov.a', password: 'uchenik-2003' });
    expect(response.status).toBe(401);
  });
});

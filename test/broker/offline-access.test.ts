/**
 * Refresh tokens: a journal asking for `offline_access` (with `prompt=consent`, as oidc-provider
 * requires) logs in once through ESIA, gets a refresh token, and redeems it; the broker rotates it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { follow, JOURNAL_ID, passEsia, RP_REDIRECT, startAuthorization, startBroker, type BrokerEnv } from '../helpers/broker.ts';

describe.each(['memory', 'redis'] as const)('offline access (%s store)', (store) => {
  let env: BrokerEnv;
  beforeAll(async () => {
    env = await startBroker({ store });
    await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'manual-password', linkedAt: new Date().toISOString() });
  });
  afterAll(() => env?.close());

  it('answers the consent prompt without a screen and issues a refresh token that rotates', async () => {
    const browser = new ScriptedBrowser();
    const scope = 'openid profile role offline_access';
    const { config, verifier, state, url } = await startAuthorization(env, { role: 'parent', prompt: 'consent', scope });
    const esiaLogin = await follow(browser, url);
    expect(new URL(esiaLogin.url).origin).toBe(env.esia.url);
    const back = await passEsia(browser, esiaLogin.url, 'parent-ivanova');
    expect(back.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()!.sub).toBe('p-1001');
    expect(tokens.refresh_token).toBeTruthy();

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()!.sub).toBe('p-1001');
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // The old refresh token was rotated away.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toThrow();
  });

  it('issues no refresh token without offline_access', async () => {
    const browser = new ScriptedBrowser();
    const { config, verifier, state, url } = await startAuthorization(env, { role: 'parent' });
    const back = await passEsia(browser, (await follow(browser, url)).url, 'parent-ivanova');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.refresh_token).toBeUndefined();
  });
});

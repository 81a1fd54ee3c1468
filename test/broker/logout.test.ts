/**
 * Logout: the journal sends the browser to the broker's end-session endpoint; the person confirms; the
 * broker session ends, the browser passes through ESIA's logout, and comes back to the journal; the
 * journal's back-channel logout endpoint receives a signed logout token.
 */
import { startBackchannelReceiver } from '../helpers/backchannel.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { CLIENT_SECRET, follow, JOURNAL_ID, passEsia, relyingParty, RP_REDIRECT, startBroker, type BrokerEnv } from '../helpers/broker.ts';

const RP_LOGGED_OUT = 'http://127.0.0.1:9998/logged-out';
let env: BrokerEnv;
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;

beforeAll(async () => {
  receiver = await startBackchannelReceiver();
  env = await startBroker({
    brokerConfig: {
      allowPrivateNetworkCallbacks: true,
      clients: [
        {
          clientId: 'journal-with-logout',
          name: 'Журнал',
          clientSecret: CLIENT_SECRET,
          redirectUris: [RP_REDIRECT],
          postLogoutRedirectUris: [RP_LOGGED_OUT],
          backchannelLogoutUri: receiver.url,
          journal: JOURNAL_ID,
        },
      ],
    },
  });
  await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
});
afterAll(async () => {
  await env?.close();
  await receiver?.close();
});

describe('logout', () => {
  it('ends the broker and ESIA sessions, returns to the journal, and notifies it on the back channel', async () => {
    const config = await relyingParty(env, 'journal-with-logout');
    const browser = new ScriptedBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    const authorize = () =>
      oidc.buildAuthorizationUrl(config, { redirect_uri: RP_REDIRECT, scope: 'openid', role: 'parent', code_challenge_method: 'S256', code_challenge: challenge, state });
    const esiaLogin = await follow(browser, authorize().toString());
    const back = await passEsia(browser, esiaLogin.url, 'parent-ivanova');
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
    const sid = tokens.claims()!.sid;
    expect(sid).toBeTruthy();

    const endSession = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: RP_LOGGED_OUT, state: 'bye' });
    const confirm = await browser.request(endSession.toString());
    const page = await confirm.text();
    expect(page).toContain('Выйти из электронного журнала?');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)![1]!;
    const done = await browser.post(`${env.url}/session/end/confirm`, { xsrf, logout: 'yes' });
    const toEsia = new URL(done.headers.get('location')!);
    expect(`${toEsia.origin}${toEsia.pathname}`).toBe(`${env.esia.url}/idp/ext/Logout`);
    const final = await follow(browser, toEsia.toString());
    expect(final.url).toBe(`${RP_LOGGED_OUT}?state=bye`);

    await expect.poll(() => receiver.tokens.length, { timeout: 5000 }).toBeGreaterThan(0);
    const { payload } = await jwtVerify(receiver.tokens[0]!, createRemoteJWKSet(new URL(`${env.url}/jwks`)), {
      issuer: env.url,
      audience: 'journal-with-logout',
    });
    expect(payload.sub).toBe('p-1001');
    expect(payload.sid).toBe(sid);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });

    // Both sessions are gone: a new login goes to ESIA's login page again.
    const again = await follow(browser, authorize().toString());
    expect(new URL(again.url).pathname).toBe('/login');
  });
});

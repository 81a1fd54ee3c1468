/**
 * Unlinking by the journal: its API (HTTP Basic as its OIDC client) removes the link, records it,
 * ends the account's sessions (tokens stop resolving, the next login starts over) and sends a
 * back-channel logout token to the journal.
 */
import { startBackchannelReceiver } from '../helpers/backchannel.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { CLIENT_SECRET, codeGrant, follow, JOURNAL_ID, loginThroughEsia, passEsia, RP_REDIRECT, startAuthorization, startBroker, type BrokerEnv } from '../helpers/broker.ts';

let env: BrokerEnv;
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;

beforeAll(async () => {
  receiver = await startBackchannelReceiver();
  const url = receiver.url;
  env = await startBroker({
    brokerConfig: {
      allowPrivateNetworkCallbacks: true,
      clients: [{ clientId: 'journal-api', name: 'Журнал', clientSecret: CLIENT_SECRET, redirectUris: [RP_REDIRECT], backchannelLogoutUri: url, journal: JOURNAL_ID }],
    },
  });
});
afterAll(async () => {
  await env?.close();
  await receiver?.close();
});

const unlink = (accountId: unknown, secret = CLIENT_SECRET) =>
  fetch(`${env.url}/api/journal/unlink`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`journal-api:${secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ accountId }),
  });

describe('unlinking by the journal', () => {
  it('unlinks, records it, ends the account sessions and tells the journal', async () => {
    await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
    const { browser, stop, rp } = await loginThroughEsia(env, 'parent-ivanova', { role: 'parent' }, { client: { id: 'journal-api' } });
    const login = await codeGrant(rp, stop.url);
    expect(await oidc.fetchUserInfo(rp.config, login.access_token, 'p-1001')).toMatchObject({ role: 'parent' });

    expect((await unlink('p-1001', 'wrong-secret-wrong-secret-wrong-secret')).status).toBe(401);
    expect((await unlink(42)).status).toBe(400);
    expect((await unlink('p-1001')).status).toBe(204);
    expect((await unlink('p-1001')).status).toBe(404);
    expect(await env.broker.links.personOf(JOURNAL_ID, 'p-1001')).toBeUndefined();
    const { entries } = await env.broker.audit.query({ journalId: JOURNAL_ID, accountId: 'p-1001' });
    expect(entries.at(-1)).toMatchObject({ action: 'unlink', actor: { kind: 'journal', id: 'journal-api' }, esiaOid: '1000000001' });

    await expect(oidc.fetchUserInfo(rp.config, login.access_token, 'p-1001')).rejects.toThrow();
    await expect.poll(() => receiver.tokens.length).toBeGreaterThan(0);
    const { payload } = await jwtVerify(receiver.tokens[0]!, createRemoteJWKSet(new URL(`${env.url}/jwks`)), { issuer: env.url, audience: 'journal-api' });
    expect(payload).toMatchObject({ sub: 'p-1001', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });

    // The broker session no longer counts: the next login goes through ESIA again, where this confirmed
    // parent is found by SNILS and linked anew (a second link entry after the unlink).
    const again = await startAuthorization(env, { role: 'parent' }, { id: 'journal-api' });
    const next = await follow(browser, again.url);
    expect(new URL(next.url).searchParams.get('code')).toBeTruthy();
    const after = await env.broker.audit.query({ journalId: JOURNAL_ID, accountId: 'p-1001' });
    expect(after.entries.map((e) => e.action)).toEqual(['unlink', 'link']);
  });
});

describe('unlinking by the person', () => {
  it('lists the person’s links after an ESIA login and unlinks one (CSRF-protected)', async () => {
    await env.broker.links.link({ esiaOid: '1000000010', journalId: JOURNAL_ID, accountId: 't-3001', role: 'staff', method: 'auto', linkedAt: new Date().toISOString() });
    await env.broker.links.link({ esiaOid: '1000000010', journalId: JOURNAL_ID, accountId: 't-3002', role: 'staff', method: 'auto', linkedAt: new Date().toISOString() });
    const browser = new ScriptedBrowser();
    const toEsia = await browser.request(`${env.url}/my/links`);
    const page = await passEsia(browser, new URL(toEsia.headers.get('location')!).toString(), 'teacher-sokolova');
    expect(new URL(page.url).pathname).toBe('/my/links');
    const html = await page.response.text();
    expect(html).toContain('t-3001');
    expect(html).toContain('t-3002');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    expect((await browser.post(`${env.url}/my/links/unlink`, { csrf: 'forged', journal: JOURNAL_ID, account: 't-3001' })).status).toBe(403);
    // Someone else's account cannot be unlinked from here.
    await browser.post(`${env.url}/my/links/unlink`, { csrf, journal: JOURNAL_ID, account: 'p-1001' });
    expect(await env.broker.links.personOf(JOURNAL_ID, 'p-1001')).toBe('1000000001');
    const done = await browser.post(`${env.url}/my/links/unlink`, { csrf, journal: JOURNAL_ID, account: 't-3001' });
    expect(done.status).toBe(303);
    expect((await env.broker.links.linksOf('1000000010')).map((l) => l.accountId)).toEqual(['t-3002']);
    const { entries } = await env.broker.audit.query({ journalId: JOURNAL_ID, accountId: 't-3001' });
    expect(entries.at(-1)).toMatchObject({ action: 'unlink', actor: { kind: 'person', id: '1000000010' } });
  });
});

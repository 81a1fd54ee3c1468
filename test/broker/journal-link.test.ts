/**
 * Linking started by the journal: a signed link request (HS256 with the client secret here), ESIA
 * login, the link, and a signed result back at the registered return URL. Forged, expired, replayed,
 * over-long and foreign requests and unregistered return URLs are refused with a page, never a redirect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { CLIENT_ID, CLIENT_SECRET, follow, JOURNAL_ID, passEsia, RP_LINK_RETURN, startBroker, type BrokerEnv } from '../helpers/broker.ts';

let env: BrokerEnv;
beforeAll(async () => {
  env = await startBroker();
});
afterAll(() => env?.close());

async function linkRequest(over: { sub?: string; iat?: number; exp?: number; returnUri?: string; secret?: string; iss?: string; jti?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ return_uri: over.returnUri ?? RP_LINK_RETURN })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(over.iss ?? CLIENT_ID)
    .setAudience(env.url)
    .setSubject(over.sub ?? 's-2001')
    .setJti(over.jti ?? randomUUID())
    .setIssuedAt(over.iat ?? now)
    .setExpirationTime(over.exp ?? now + 120)
    .sign(Buffer.from(over.secret ?? CLIENT_SECRET));
}

async function run(token: string, persona: string, browser = new ScriptedBrowser()) {
  const start = await follow(browser, `${env.url}/link?request=${token}`);
  if (new URL(start.url).origin === env.url) return { refusedPage: await start.response.text() };
  const back = await passEsia(browser, start.url, persona);
  const result = new URL(back.url).searchParams.get('result')!;
  const { payload } = await jwtVerify(result, createRemoteJWKSet(new URL(`${env.url}/jwks`)), { issuer: env.url, audience: CLIENT_ID });
  return { back: back.url, payload };
}

describe('linking started by the journal', () => {
  it('links the account the journal names to the ESIA person who logs in, and answers signed', async () => {
    const { back, payload } = await run(await linkRequest(), 'pupil-ivanov');
    expect(back!.startsWith(`${RP_LINK_RETURN}?result=`)).toBe(true);
    expect(payload).toMatchObject({ sub: 's-2001', status: 'linked' });
    expect(await env.broker.links.personOf(JOURNAL_ID, 's-2001')).toBe('1000000002');
  });

  it('answers already_linked for the same person, linked_to_another_person for someone else', async () => {
    expect((await run(await linkRequest(), 'pupil-ivanov')).payload).toMatchObject({ status: 'already_linked' });
    expect((await run(await linkRequest(), 'pupil-smirnov')).payload).toMatchObject({ status: 'linked_to_another_person' });
    expect(await env.broker.links.personOf(JOURNAL_ID, 's-2001')).toBe('1000000002');
  });

  it('refuses an unknown account with a signed refusal', async () => {
    expect((await run(await linkRequest({ sub: 's-9999' }), 'parent-popova')).payload).toMatchObject({ status: 'refused', reason: 'unknown_account' });
  });

  it('refuses forged, expired, over-long, replayed, foreign requests and unregistered return URLs', async () => {
    const now = Math.floor(Date.now() / 1000);
    const replayed = await linkRequest({ sub: 's-2005' });
    await run(replayed, 'pupil-popov');
    const cases = [
      await linkRequest({ secret: 'another-secret-of-at-least-32-characters!' }),
      await linkRequest({ iat: now - 600, exp: now - 300 }),
      await linkRequest({ exp: now + 3600 }),
      replayed,
      await linkRequest({ iss: 'regional-portal' }),
      await linkRequest({ iss: 'nobody' }),
      await linkRequest({ returnUri: 'https://evil.example.com/steal' }),
      await linkRequest({ returnUri: `${RP_LINK_RETURN}/../../evil` }),
      'not-a-jwt',
    ];
    for (const token of cases) {
      const response = await fetch(`${env.url}/link?request=${encodeURIComponent(token)}`, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('Ссылка недействительна');
    }
  });
});

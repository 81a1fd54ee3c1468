/**
 * The broker behind a TLS-terminating proxy: with `trustProxy`, X-Forwarded-Proto/Host give https
 * URLs in discovery and `Secure` cookies on the login's first step; without it, the same headers are
 * ignored (anyone could send them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.ts';
import { silentLogger } from '../../core/log.ts';
import { serveBroker, type RunningBroker } from '../../broker/serve.ts';
import { esiaClientFor, startMockEsia, type MockEsiaEnv } from '../helpers/mock-esia.ts';

const PUBLIC = 'https://login.example.ru';
const REDIRECT = 'https://portal.example.ru/callback';
const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'login.example.ru', 'x-forwarded-for': '203.0.113.7' };

describe.each([true, false])('the broker behind a proxy (trustProxy %s)', (trust) => {
  let esia: MockEsiaEnv;
  let broker: RunningBroker;
  let local: string;
  beforeAll(async () => {
    esia = await startMockEsia();
    const config = loadConfig({
      env: { PORT: '0', PUBLIC_URL: PUBLIC, TRUST_PROXY: String(trust) },
      overrides: {
        broker: {
          cookieKeys: ['a-cookie-key-of-at-least-thirty-two-chars'],
          clients: [{ clientId: 'regional-portal', name: 'Портал', clientSecret: 'a-test-client-secret-of-at-least-32-characters', redirectUris: [REDIRECT] }],
        },
      },
    });
    broker = await serveBroker(config, { log: silentLogger, esia: esiaClientFor(esia) });
    local = `http://127.0.0.1:${(broker.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await broker?.close();
    await esia?.close();
  });

  it(trust ? 'publishes https endpoints on the public host' : 'ignores forwarded headers', async () => {
    const response = await fetch(`${local}/.well-known/openid-configuration`, { headers: forwarded });
    const discovery = (await response.json()) as Record<string, string>;
    expect(discovery.issuer).toBe(PUBLIC);
    if (trust) {
      expect(discovery.authorization_endpoint).toBe(`${PUBLIC}/auth`);
      expect(discovery.token_endpoint).toBe(`${PUBLIC}/token`);
      expect(discovery.jwks_uri).toBe(`${PUBLIC}/jwks`);
    } else {
      expect(discovery.authorization_endpoint).toBe(`${local}/auth`);
    }
  });

  it(trust ? 'marks the login cookies Secure' : 'does not mark cookies Secure over plain http', async () => {
    const query = new URLSearchParams({ client_id: 'regional-portal', redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 'state-1', nonce: 'nonce-1' });
    const response = await fetch(`${local}/auth?${query}`, { headers: forwarded, redirect: 'manual' });
    expect(response.status).toBe(303);
    const cookies = response.headers.getSetCookie().filter((c) => !/expires=Thu, 01 Jan 1970/i.test(c));
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      if (trust) expect(cookie).toMatch(/;\s*secure/i);
      else expect(cookie).not.toMatch(/;\s*secure/i);
    }
    const location = response.headers.get('location')!;
    expect(new URL(location, local).pathname).toMatch(/^\/interaction\//);
  });
});

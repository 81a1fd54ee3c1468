/**
 * mock-esia's request checks, one wrong thing at a time, with the error ESIA gives: a redirect with
 * `error` on `ac` (or a page when the redirect address cannot be trusted), HTTP 400 JSON on `te`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign as gostSign, generateKeyPair, createSelfSignedCertificate, certificateHash, createDetachedSignature } from '../../gost/index.ts';
import { formatEsiaTimestamp, v1SignedString, v2AuthorizationSignedString, v3CodeSignedString } from '../../broker/esia/protocol.ts';
import { esiaClientFor, loginAtMock, REDIRECT_URI, startMockEsia, testSystem, type MockEsiaEnv } from '../helpers/mock-esia.ts';

let env: MockEsiaEnv;
beforeAll(async () => {
  env = await startMockEsia({ client: { scopes: ['openid', 'fullname', 'snils'] } });
});
afterAll(() => env.close());

type Fields = Record<string, string | undefined>;

function acParams(over: Fields = {}, options: { sign?: (f: Fields) => string } = {}): URLSearchParams {
  const system = testSystem();
  const f: Fields = {
    client_id: system.mnemonic,
    redirect_uri: REDIRECT_URI,
    scope: 'openid fullname',
    response_type: 'code',
    state: randomUUID(),
    timestamp: formatEsiaTimestamp(env.app.esia.clock.now()),
    access_type: 'online',
    client_certificate_hash: system.certificateHash,
    ...over,
  };
  if (!('client_secret' in over)) {
    const text = options.sign
      ? options.sign(f)
      : v2AuthorizationSignedString({ clientId: f.client_id ?? '', scope: f.scope ?? '', timestamp: f.timestamp ?? '', state: f.state ?? '', redirectUri: f.redirect_uri ?? '' });
    f.client_secret = Buffer.from(gostSign(system.privateKey, Buffer.from(text, 'utf8'))).toString('base64url');
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined) params.set(k, v);
  return params;
}

async function ac(params: URLSearchParams, path = '/aas/oauth2/v2/ac'): Promise<Response> {
  return fetch(`${env.url}${path}?${params}`, { redirect: 'manual' });
}

async function expectRedirectError(params: URLSearchParams, esiaCode: string, error: string, path?: string): Promise<void> {
  const response = await ac(params, path);
  expect(response.status).toBe(302);
  const to = new URL(response.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(REDIRECT_URI);
  expect(to.searchParams.get('error')).toBe(error);
  expect(to.searchParams.get('error_description')).toMatch(new RegExp(`^${esiaCode}: `));
  if (params.get('state')) expect(to.searchParams.get('state')).toBe(params.get('state'));
}

async function expectErrorPage(params: URLSearchParams, esiaCode: string): Promise<void> {
  const response = await ac(params);
  expect(response.status).toBe(400);
  expect(response.headers.get('location')).toBeNull();
  const text = await response.text();
  expect(text).toContain(esiaCode);
  expect(text).toContain('<html lang="ru">');
}

describe('authorization request checks (v2 ac)', () => {
  it('accepts a well-formed, correctly signed request', async () => {
    const response = await ac(acParams());
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location')!, env.url).pathname).toBe('/login');
  });

  it('names every missing mandatory parameter in brackets (ESIA-007014)', async () => {
    const params = acParams({ state: undefined, timestamp: undefined });
    const response = await ac(params);
    const to = new URL(response.headers.get('location')!);
    expect(to.searchParams.get('error')).toBe('invalid_request');
    expect(to.searchParams.get('error_description')).toBe('ESIA-007014: The request doesn`t contain the mandatory parameter [state, timestamp].');
    await expectRedirectError(acParams({ client_certificate_hash: undefined }), 'ESIA-007014', 'invalid_request');
    await expectRedirectError(acParams({ client_secret: undefined }), 'ESIA-007014', 'invalid_request');
  });

  it('shows a page, not a redirect, when the redirect cannot be trusted', async () => {
    await expectErrorPage(acParams({ client_id: undefined }), 'ESIA-007014');
    await expectErrorPage(acParams({ client_id: 'UNKNOWN-SYSTEM' }), 'ESIA-007002');
    await expectErrorPage(acParams({ redirect_uri: undefined }), 'ESIA-007014');
    await expectErrorPage(acParams({ redirect_uri: 'https://evil.example.com/cb' }), 'ESIA-007023');
    await expectErrorPage(acParams({ redirect_uri: 'https://127.0.0.1.evil.example.com/cb' }), 'ESIA-007023');
    await expectErrorPage(acParams({ redirect_uri: 'javascript:alert(1)' }), 'ESIA-007023');
  });

  it('accepts subdomains and any path of a registered domain', async () => {
    const custom = await startMockEsia({ client: { domains: ['school.example.ru'] } });
    try {
      const params = acParams({ redirect_uri: 'https://journal.school.example.ru/any/path?x=1' });
      const response = await fetch(`${custom.url}/aas/oauth2/v2/ac?${params}`, { redirect: 'manual' });
      expect(new URL(response.headers.get('location')!, custom.url).pathname).toBe('/login');
    } finally {
      await custom.close();
    }
  });

  it('refuses a duplicated parameter (ESIA-007003)', async () => {
    const params = acParams();
    params.append('scope', 'openid');
    await expectRedirectError(params, 'ESIA-007003', 'invalid_request');
  });

  it('refuses a state that is not a UUID and a wrong response_type (ESIA-007003)', async () => {
    await expectRedirectError(acParams({ state: 'not-a-uuid' }), 'ESIA-007003', 'invalid_request');
    await expectRedirectError(acParams({ response_type: 'token' }), 'ESIA-007003', 'invalid_request');
    await expectRedirectError(acParams({ access_type: 'forever' }), 'ESIA-007003', 'invalid_request');
  });

  it('checks the timestamp format and window (ESIA-007015)', async () => {
    const now = env.app.esia.clock.now();
    await expectRedirectError(acParams({ timestamp: now.toISOString() }), 'ESIA-007015', 'invalid_request');
    await expectRedirectError(acParams({ timestamp: formatEsiaTimestamp(now).replace('+', ' ') }), 'ESIA-007015', 'invalid_request');
    await expectRedirectError(acParams({ timestamp: formatEsiaTimestamp(new Date(now.getTime() - 600_000)) }), 'ESIA-007015', 'invalid_request');
    await expectRedirectError(acParams({ timestamp: formatEsiaTimestamp(new Date(now.getTime() + 600_000)) }), 'ESIA-007015', 'invalid_request');
    await expectRedirectError(acParams({ timestamp: '2026.02.30 10:00:00 +0300' }), 'ESIA-007015', 'invalid_request');
    // Any UTC offset is fine as long as the instant is within the window.
    const ok = await ac(acParams({ timestamp: formatEsiaTimestamp(now, -90) }));
    expect(new URL(ok.headers.get('location')!, env.url).pathname).toBe('/login');
  });

  it('checks scopes: none (007013), unknown (007006), not approved (007019)', async () => {
    await expectRedirectError(acParams({ scope: '' }), 'ESIA-007014', 'invalid_request');
    await expectRedirectError(acParams({ scope: ' ' }), 'ESIA-007013', 'invalid_scope');
    await expectRedirectError(acParams({ scope: 'openid superpowers' }), 'ESIA-007006', 'invalid_scope');
    await expectRedirectError(acParams({ scope: 'openid inn' }), 'ESIA-007019', 'invalid_scope');
  });

  it('refuses a wrong certificate hash or signature (ESIA-007053)', async () => {
    const system = testSystem();
    const sha1Like = 'A'.repeat(40);
    await expectRedirectError(acParams({ client_certificate_hash: sha1Like }), 'ESIA-007053', 'access_denied');
    await expectRedirectError(acParams({ client_certificate_hash: system.certificateHash.toLowerCase() }), 'ESIA-007053', 'access_denied');
    // Signed over the fields in the v1 order.
    await expectRedirectError(
      acParams({}, { sign: (f) => v1SignedString({ clientId: f.client_id!, scope: f.scope!, timestamp: f.timestamp!, state: f.state! }) }),
      'ESIA-007053',
      'access_denied',
    );
    // Signed by another key.
    const stranger = generateKeyPair();
    const params = acParams();
    params.set('client_secret', Buffer.from(gostSign(stranger.privateKey, Buffer.from('x'))).toString('base64url'));
    await expectRedirectError(params, 'ESIA-007053', 'access_denied');
    // Padded base64 and a byte-reversed (CryptoPro order) signature.
    const good = acParams();
    const raw = Buffer.from(good.get('client_secret')!, 'base64url');
    const padded = new URLSearchParams(good);
    padded.set('client_secret', raw.toString('base64'));
    await expectRedirectError(padded, 'ESIA-007053', 'access_denied');
    const reversed = new URLSearchParams(good);
    reversed.set('client_secret', Buffer.from(raw).reverse().toString('base64url'));
    await expectRedirectError(reversed, 'ESIA-007053', 'access_denied');
  });

  it('answers ESIA-007002 when the system has no certificate registered', async () => {
    const bare = await startMockEsia({ client: { certificates: [] } });
    try {
      const response = await fetch(`${bare.url}/aas/oauth2/v2/ac?${acParams()}`, { redirect: 'manual' });
      expect(new URL(response.headers.get('location')!).searchParams.get('error_description')).toMatch(/^ESIA-007002: /);
    } finally {
      await bare.close();
    }
  });

  it('refuses a login with an unconfirmed account where the system says so (ESIA-007055)', async () => {
    const strict = await startMockEsia({ client: { refuseUnconfirmed: true } });
    try {
      const client = esiaClientFor(strict);
      const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
      const back = await loginAtMock(url, { persona: 'pupil-popov' });
      expect(back.searchParams.get('error_description')).toMatch(/^ESIA-007055: /);
      expect(back.searchParams.get('state')).toBe(state);
      const ok = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
      expect((await loginAtMock(ok.url, { persona: 'parent-ivanova' })).searchParams.get('code')).toBeTruthy();
    } finally {
      await strict.close();
    }
  });

  it('accepts v1 requests with a detached CMS secret and refuses unregistered signers', async () => {
    const system = testSystem();
    const v1 = (f: Fields) => v1SignedString({ clientId: f.client_id!, scope: f.scope!, timestamp: f.timestamp!, state: f.state! });
    const cms = (key: typeof system.privateKey, cert: Uint8Array) => (f: Fields) =>
      Buffer.from(createDetachedSignature({ content: Buffer.from(v1(f), 'utf8'), certificate: cert, privateKey: key })).toString('base64url');
    const withCms = (signer: (f: Fields) => string) => {
      const params = acParams({ client_certificate_hash: undefined, client_secret: '' });
      params.set('client_secret', signer(Object.fromEntries(params)));
      return params;
    };
    const ok = await ac(withCms(cms(system.privateKey, system.certificateDer)), '/aas/oauth2/ac');
    expect(new URL(ok.headers.get('location')!, env.url).pathname).toBe('/login');
    const other = generateKeyPair();
    const otherCert = createSelfSignedCertificate({
      subject: { commonName: 'Чужая система' },
      key: { kind: 'gost', privateKey: other.privateKey },
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    expect(certificateHash(otherCert.der)).not.toBe(system.certificateHash);
    await expectRedirectError(withCms(cms(other.privateKey, otherCert.der)), 'ESIA-007002', 'invalid_request', '/aas/oauth2/ac');
    const garbage = acParams({ client_certificate_hash: undefined, client_secret: 'AAAA' });
    await expectRedirectError(garbage, 'ESIA-007053', 'access_denied', '/aas/oauth2/ac');
  });
});

describe('token endpoint checks (v3 te)', () => {
  async function codeFor(persona = 'parent-ivanova', clientEnv = env, redirectUri = REDIRECT_URI): Promise<string> {
    const client = esiaClientFor(clientEnv, { scopes: ['openid', 'fullname'] });
    const { url, state } = await client.buildAuthorizationUrl({ redirectUri });
    return client.parseCallback((await loginAtMock(url, { persona })).searchParams, state).code;
  }

  function teForm(code: string, over: Fields = {}): URLSearchParams {
    const system = testSystem();
    const f: Fields = {
      client_id: system.mnemonic,
      code,
      grant_type: 'authorization_code',
      state: randomUUID(),
      redirect_uri: REDIRECT_URI,
      scope: 'openid fullname',
      timestamp: formatEsiaTimestamp(env.app.esia.clock.now()),
      token_type: 'Bearer',
      client_certificate_hash: system.certificateHash,
      ...over,
    };
    if (!('client_secret' in over)) {
      const text = v3CodeSignedString({ clientId: f.client_id ?? '', scope: f.scope ?? '', timestamp: f.timestamp ?? '', state: f.state ?? '', redirectUri: f.redirect_uri ?? '', code: f.code ?? '' });
      f.client_secret = Buffer.from(gostSign(system.privateKey, Buffer.from(text, 'utf8'))).toString('base64url');
    }
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined) form.set(k, v);
    return form;
  }

  async function te(body: string, contentType = 'application/x-www-form-urlencoded'): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${env.url}/aas/oauth2/v3/te`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('exchanges a code once; the second use is ESIA-007011', async () => {
    const code = await codeFor();
    const form = teForm(code);
    const first = await te(form.toString());
    expect(first.status).toBe(200);
    expect(first.json.state).toBe(form.get('state'));
    expect(first.json.token_type).toBe('Bearer');
    const second = await te(teForm(code).toString());
    expect(second).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: expect.stringMatching(/^ESIA-007011: /) } });
  });

  it('lists missing parameters as ESIA does, and reads form bodies only', async () => {
    const missing = await te(new URLSearchParams({ grant_type: 'authorization_code', code: 'x' }).toString());
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe('invalid_request');
    expect(missing.json.error_description).toBe(
      'ESIA-007014: The request doesn`t contain the mandatory parameter [client_id, client_secret, state, redirect_uri, scope, timestamp, token_type, client_certificate_hash].',
    );
    const code = await codeFor();
    const json = await te(JSON.stringify(Object.fromEntries(teForm(code))), 'application/json');
    expect(json.status).toBe(400);
    expect(json.json.error_description).toMatch(/^ESIA-007014: .*\[client_id, code, grant_type/);
  });

  it('refuses an expired code (about 240 s) under a controlled clock', async () => {
    const code = await codeFor();
    env.app.esia.clock.advance(241_000);
    try {
      const result = await te(teForm(code).toString());
      expect(result.json.error_description).toMatch(/^ESIA-007011: /);
    } finally {
      env.app.esia.clock.reset();
    }
  });

  it('refuses a code for another redirect_uri and one issued to another system', async () => {
    const code = await codeFor('parent-ivanova', env, 'http://127.0.0.1:9999/other');
    expect((await te(teForm(code).toString())).json.error_description).toMatch(/^ESIA-007011: /);
    const otherMock = await startMockEsia();
    try {
      const foreign = await codeFor('parent-ivanova', otherMock);
      expect((await te(teForm(foreign).toString())).json.error_description).toMatch(/^ESIA-007011: /);
    } finally {
      await otherMock.close();
    }
  });

  it('requires a new state: the authorization state or a used one is ESIA-007003', async () => {
    const client = esiaClientFor(env, { scopes: ['openid', 'fullname'] });
    const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    const code = client.parseCallback((await loginAtMock(url, { persona: 'parent-ivanova' })).searchParams, state).code;
    expect((await te(teForm(code, { state }).toString())).json.error_description).toMatch(/^ESIA-007003: /);
    const used = teForm(await codeFor());
    expect((await te(used.toString())).status).toBe(200);
    const replay = teForm(await codeFor(), { state: used.get('state')! });
    expect((await te(replay.toString())).json.error_description).toMatch(/^ESIA-007003: /);
  });

  it('checks grant type (007012), timestamp (007015), scope (007019), secret (007053)', async () => {
    const code = await codeFor();
    expect((await te(teForm(code, { grant_type: 'password' }).toString())).json).toMatchObject({ error: 'unsupported_grant_type', error_description: expect.stringMatching(/^ESIA-007012: /) });
    const late = formatEsiaTimestamp(new Date(env.app.esia.clock.now().getTime() - 3_600_000));
    expect((await te(teForm(code, { timestamp: late }).toString())).json.error_description).toMatch(/^ESIA-007015: /);
    expect((await te(teForm(code, { scope: 'openid inn' }).toString())).json.error_description).toMatch(/^ESIA-007019: /);
    expect((await te(teForm(code, { client_secret: 'A'.repeat(86) }).toString())).json.error_description).toMatch(/^ESIA-007053: /);
    // The code is still good after refused attempts that never reached it.
    expect((await te(teForm(code).toString())).status).toBe(200);
  });

  it('checks PKCE when the authorization carried a challenge', async () => {
    const { createHash, randomBytes } = await import('node:crypto');
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const client = esiaClientFor(env, { scopes: ['openid', 'fullname'] });
    const login = async () => {
      const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI, codeChallenge: challenge });
      return client.parseCallback((await loginAtMock(url, { persona: 'parent-ivanova' })).searchParams, state).code;
    };
    await expect(client.exchangeCode({ code: await login(), redirectUri: REDIRECT_URI })).rejects.toMatchObject({ esiaCode: 'ESIA-007011' });
    await expect(client.exchangeCode({ code: await login(), redirectUri: REDIRECT_URI, codeVerifier: 'x'.repeat(43) })).rejects.toMatchObject({ esiaCode: 'ESIA-007011' });
    const tokens = await client.exchangeCode({ code: await login(), redirectUri: REDIRECT_URI, codeVerifier: verifier });
    expect(tokens.access.oid).toBe(1000000001);
  });

  it('refuses client_credentials to a system not allowed it (ESIA-007005)', async () => {
    const closed = await startMockEsia({ client: { clientCredentials: false } });
    try {
      await expect(esiaClientFor(closed).clientCredentials(['fullname'])).rejects.toMatchObject({
        code: 'ERR_ESIA_CONFIGURATION',
        esiaCode: 'ESIA-007005',
        oauthError: 'unauthorized_client',
      });
    } finally {
      await closed.close();
    }
  });

  it('answers ESIA-007008 during maintenance: a redirect on ac, HTTP 503 JSON on te', async () => {
    const client = esiaClientFor(env, { scopes: ['openid', 'fullname'] });
    const code = await codeFor();
    env.app.esia.faults.set({ endpoints: { ac: { maintenance: true }, te: { maintenance: true } } });
    try {
      const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
      const response = await fetch(url, { redirect: 'manual' });
      const back = new URL(response.headers.get('location')!);
      expect(back.searchParams.get('error')).toBe('temporarily_unavailable');
      expect(() => client.parseCallback(back.searchParams, state)).toThrow(expect.objectContaining({ code: 'ERR_ESIA_UNAVAILABLE', esiaCode: 'ESIA-007008' }));
      const direct = await te(teForm(code).toString());
      expect(direct).toEqual({ status: 503, json: { error: 'temporarily_unavailable', error_description: expect.stringMatching(/^ESIA-007008: /) } });
      await expect(client.exchangeCode({ code, redirectUri: REDIRECT_URI })).rejects.toMatchObject({ code: 'ERR_ESIA_UNAVAILABLE', esiaCode: 'ESIA-007008' });
    } finally {
      env.app.esia.faults.clear();
    }
  });

  it('issues client_credentials tokens to the system itself', async () => {
    const client = esiaClientFor(env);
    const tokens = await client.clientCredentials(['fullname']);
    expect(tokens.idToken).toBeUndefined();
    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.access.clientId).toBe(testSystem().mnemonic);
  });
});

/**
 * The ESIA behaviours ESIA.md leaves open (`[?]`) or per system, over real HTTP against mock-esia:
 * RS256-signed tokens, `expires_in` as a string, `amr` as an array, no `lvl` claim, both refresh
 * signed-string variants, PKCE, client_credentials, and the v1 protocol with CMS secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { issuerFor, v1SignedString } from '../../broker/esia/protocol.ts';
import { createSoftwareSigner, type Signer } from '../../broker/esia/signer.ts';
import { createTokenVerifier } from '../../broker/esia/verifier.ts';
import { createOutbound } from '../../core/outbound.ts';
import { verifyDetachedSignature } from '../../gost/index.ts';
import { createDevSystem } from '../../mock-esia/demo-system.ts';
import { callbackFor, codeFor, decodeJwt, esiaRejection, loginTokens, recordingFetch, sharedSigningKeys } from '../helpers/esia-login.ts';
import { esiaClientFor, loginAtMock, REDIRECT_URI, startMockEsia, testSystem, type MockEsiaEnv } from '../helpers/mock-esia.ts';

const started: MockEsiaEnv[] = [];
async function mock(options: Parameters<typeof startMockEsia>[0] = {}): Promise<MockEsiaEnv> {
  const env = await startMockEsia({ signingKeys: sharedSigningKeys(), ...options });
  started.push(env);
  return env;
}
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

let env: MockEsiaEnv;
beforeAll(async () => {
  env = await mock();
});

describe('RS256 tokens', () => {
  it('runs the whole flow with RS256-signed tokens', async () => {
    const rsa = await mock({ client: { tokenAlg: 'RS256' } });
    const client = esiaClientFor(rsa);
    const { callback, state } = await callbackFor(client, { accessType: 'offline' });
    const { code } = client.parseCallback(callback.searchParams, state);
    expect(decodeJwt(code).header.alg).toBe('RS256');
    const tokens = await client.exchangeCode({ code, redirectUri: REDIRECT_URI });
    expect(decodeJwt(tokens.accessToken).header).toEqual({ ver: 1, typ: 'JWT', sbt: 'access', alg: 'RS256' });
    expect(decodeJwt(tokens.idToken!).header).toEqual({ ver: 0, typ: 'JWT', sbt: 'id', alg: 'RS256' });
    expect(tokens.access).toMatchObject({ alg: 'RS256', oid: 1000000001 });
    expect(tokens.id).toMatchObject({ alg: 'RS256', trusted: true });
    expect((await client.fetchPerson(tokens)).lastName).toBe('Иванова');
    const refreshed = await client.refresh({ refreshToken: tokens.refreshToken!, redirectUri: REDIRECT_URI });
    expect(refreshed.access.alg).toBe('RS256');
  });

  it('refuses RS256 tokens when only GOST is allowed', async () => {
    const rsa = await mock({ client: { tokenAlg: 'RS256' } });
    const gostOnly = esiaClientFor(rsa, {
      verifier: createTokenVerifier({
        pinnedCertificates: rsa.app.esia.deps.keys.published().map((k) => k.certificatePem),
        issuer: issuerFor(rsa.url),
        clientId: rsa.system.mnemonic,
        algorithms: ['GOST3410_2012_256'],
        clock: () => rsa.app.esia.clock.now(),
      }),
    });
    const code = await codeFor(gostOnly);
    const err = await esiaRejection(gostOnly.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_TOKEN_INVALID');
    expect(err.message).toMatch(/RS256 is not allowed/);
  });
});

describe('token response and claim variants', () => {
  it('reads expires_in sent as a string', async () => {
    const stringy = await mock({ client: { variants: { expiresInAs: 'string' } } });
    const { fetch, requests } = recordingFetch();
    const client = esiaClientFor(stringy, { outbound: createOutbound({ timeoutMs: 5_000, retries: 0, fetch }) });
    const tokens = await loginTokens(client);
    expect(tokens.expiresIn).toBe(3600);
    expect(typeof tokens.expiresIn).toBe('number');
    expect(requests.map((r) => r.path)).toEqual(['/aas/oauth2/v3/te']);
  });

  it('reads amr as an array and tokens without urn:esia:sbj:lvl', async () => {
    const older = await mock({ client: { variants: { amrAs: 'array', levelClaim: false } } });
    const tokens = await loginTokens(esiaClientFor(older));
    expect(decodeJwt(tokens.idToken!).claims.amr).toEqual(['PWD']);
    expect(tokens.id).toMatchObject({ amr: ['PWD'], trusted: true, lvl: undefined });
    const unconfirmed = await loginTokens(esiaClientFor(older), { persona: 'parent-kuznetsov' });
    expect(unconfirmed.id).toMatchObject({ trusted: false, lvl: undefined });
  });

  it('honours a longer access token lifetime', async () => {
    const long = await mock({ client: { accessTokenTtlSeconds: 7200 } });
    const tokens = await loginTokens(esiaClientFor(long));
    expect(tokens.expiresIn).toBe(7200);
    expect(tokens.access.expiresAt.getTime() - long.app.esia.clock.now().getTime()).toBeGreaterThan(7000_000);
  });
});

describe('refresh signed-string variants', () => {
  for (const variant of ['redirect_uri', 'refresh_token'] as const) {
    it(`refreshes with the ${variant} variant when ESIA expects it, and is refused with the other`, async () => {
      const other = variant === 'redirect_uri' ? 'refresh_token' : 'redirect_uri';
      const esia = await mock({ client: { variants: { refreshSecret: variant } } });
      const right = esiaClientFor(esia, { refreshSecret: variant });
      const tokens = await loginTokens(right, { accessType: 'offline', persona: 'parent-popova' });
      const refreshed = await right.refresh({ refreshToken: tokens.refreshToken!, redirectUri: REDIRECT_URI });
      expect(refreshed.access.oid).toBe(1000000009);
      const wrong = esiaClientFor(esia, { refreshSecret: other });
      const err = await esiaRejection(wrong.refresh({ refreshToken: refreshed.refreshToken!, redirectUri: REDIRECT_URI }), 'ERR_ESIA_CONFIGURATION');
      expect(err.esiaCode).toBe('ESIA-007053');
    });
  }

  it('refuses an unknown refresh token: ESIA-007011', async () => {
    const err = await esiaRejection(esiaClientFor(env).refresh({ refreshToken: crypto.randomUUID(), redirectUri: REDIRECT_URI }), 'ERR_ESIA_INVALID_GRANT');
    expect(err.esiaCode).toBe('ESIA-007011');
  });

  it('has no refresh token without access_type=offline', async () => {
    expect((await loginTokens(esiaClientFor(env))).refreshToken).toBeUndefined();
  });
});

describe('PKCE', () => {
  it('exchanges with the right verifier; a wrong one is ESIA-007011', async () => {
    const client = esiaClientFor(env);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = await codeFor(client, { codeChallenge: challenge });
    expect((await client.exchangeCode({ code, redirectUri: REDIRECT_URI, codeVerifier: verifier })).access.oid).toBe(1000000001);
    const again = await codeFor(client, { codeChallenge: challenge });
    const err = await esiaRejection(
      client.exchangeCode({ code: again, redirectUri: REDIRECT_URI, codeVerifier: randomBytes(32).toString('base64url') }),
      'ERR_ESIA_INVALID_GRANT',
    );
    expect(err.esiaCode).toBe('ESIA-007011');
  });
});

describe('client_credentials', () => {
  it('gets a token for the system itself', async () => {
    const tokens = await esiaClientFor(env).clientCredentials(['usr_org']);
    expect(tokens.access.scopes).toEqual(['usr_org']);
    expect(tokens.id).toBeUndefined();
    expect(tokens.refreshToken).toBeUndefined();
  });

  it('refuses a system not allowed the grant: ERR_ESIA_CONFIGURATION, ESIA-007005', async () => {
    const denied = await mock({ client: { clientCredentials: false } });
    const err = await esiaRejection(esiaClientFor(denied).clientCredentials(['usr_org']), 'ERR_ESIA_CONFIGURATION');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007005', oauthError: 'unauthorized_client', httpStatus: 400 });
  });

  it('refuses a scope not approved: ESIA-007019', async () => {
    const narrow = await mock({ client: { scopes: ['openid', 'fullname'] } });
    const err = await esiaRejection(esiaClientFor(narrow).clientCredentials(['usr_org']), 'ERR_ESIA_CONFIGURATION');
    expect(err.esiaCode).toBe('ESIA-007019');
  });
});

describe('v1 protocol', () => {
  it('runs the whole flow at /ac and /te with CMS client secrets', async () => {
    const { fetch, requests } = recordingFetch();
    const client = esiaClientFor(env, { protocol: 'v1', outbound: createOutbound({ timeoutMs: 5_000, retries: 0, fetch }) });
    const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI, accessType: 'offline' });
    const params = new URL(url).searchParams;
    expect(new URL(url).pathname).toBe('/aas/oauth2/ac');
    expect(params.has('client_certificate_hash')).toBe(false);

    // The secret is a detached CMS over `scope + timestamp + client_id + state`, signed by the system certificate.
    const signed = v1SignedString({ clientId: params.get('client_id')!, scope: params.get('scope')!, timestamp: params.get('timestamp')!, state });
    const cms = verifyDetachedSignature(Buffer.from(params.get('client_secret')!, 'base64url'), Buffer.from(signed, 'utf8'));
    expect(cms.ok).toBe(true);
    if (cms.ok) expect(Buffer.from(cms.certificate.der)).toEqual(Buffer.from(testSystem().certificateDer));

    const callback = await loginAtMock(url, { persona: 'parent-ivanova' });
    const { code } = client.parseCallback(callback.searchParams, state);
    const tokens = await client.exchangeCode({ code, redirectUri: REDIRECT_URI });
    expect(tokens.access.oid).toBe(1000000001);
    expect(tokens.id?.trusted).toBe(true);
    expect((await client.fetchPerson(tokens)).lastName).toBe('Иванова');
    const refreshed = await client.refresh({ refreshToken: tokens.refreshToken!, redirectUri: REDIRECT_URI });
    expect(refreshed.access.oid).toBe(1000000001);
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/aas/oauth2/te', '/aas/oauth2/te']);
  });

  it('does not mix versions: a v1 code at v3 te is ESIA-007011', async () => {
    const v1 = esiaClientFor(env, { protocol: 'v1' });
    const code = await codeFor(v1);
    const err = await esiaRejection(esiaClientFor(env).exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_INVALID_GRANT');
    expect(err.esiaCode).toBe('ESIA-007011');
  });

  it('refuses a CMS signed by a certificate that is not registered', async () => {
    const stranger = createDevSystem(testSystem().mnemonic);
    const client = esiaClientFor(env, {
      protocol: 'v1',
      signer: createSoftwareSigner({ privateKeyPem: stranger.privateKeyPem, certificatePem: stranger.certificatePem }),
    });
    const { callback, state } = await callbackFor(client);
    expect(() => client.parseCallback(callback.searchParams, state)).toThrow(expect.objectContaining({ code: 'ERR_ESIA_CONFIGURATION', esiaCode: 'ESIA-007002' }));
  });

  it('needs a signer that makes detached CMS: ERR_ESIA_SIGNER', async () => {
    const software = createSoftwareSigner({ privateKeyPem: testSystem().privateKeyPem, certificatePem: testSystem().certificatePem });
    const rawOnly: Signer = { kind: 'raw-only', certificate: software.certificate, sign: (data) => software.sign(data) };
    const client = esiaClientFor(env, { protocol: 'v1', signer: rawOnly });
    await esiaRejection(client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI }), 'ERR_ESIA_SIGNER');
    expect((await loginTokens(esiaClientFor(env, { signer: rawOnly }))).access.oid).toBe(1000000001);
  });
});

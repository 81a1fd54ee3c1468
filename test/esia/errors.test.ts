/**
 * Every ESIA error the client can meet, over real HTTP against mock-esia, mapped to the right
 * EsiaError code and ESIA code: protocol errors at `ac` (as a redirect the callback turns into the
 * error) and at `te` (HTTP 400 JSON), the fault switches (5xx, malformed JSON, hangs, bad tokens),
 * key rotation, and REST errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issuerFor } from '../../broker/esia/protocol.ts';
import { createSoftwareSigner, type Signer } from '../../broker/esia/signer.ts';
import { createTokenVerifier } from '../../broker/esia/verifier.ts';
import { createOutbound } from '../../core/outbound.ts';
import { sign as gostSign } from '../../gost/index.ts';
import { createDevSystem } from '../../mock-esia/demo-system.ts';
import { callbackFor, codeFor, decodeJwt, esiaRejection, esiaThrown, loginTokens, recordingFetch, sharedSigningKeys } from '../helpers/esia-login.ts';
import { esiaClientFor, loginAtMock, REDIRECT_URI, startMockEsia, testSystem, type MockEsiaEnv } from '../helpers/mock-esia.ts';

const HOUR = 3_600_000;

let env: MockEsiaEnv;
const extra: MockEsiaEnv[] = [];

/** A further mock for tests that change its registration or keys; closed at the end. */
async function anotherMock(options: Parameters<typeof startMockEsia>[0] = {}): Promise<MockEsiaEnv> {
  const started = await startMockEsia({ signingKeys: sharedSigningKeys(), ...options });
  extra.push(started);
  return started;
}

beforeAll(async () => {
  env = await startMockEsia();
});
afterEach(() => {
  env.app.esia.faults.clear();
  env.app.esia.clock.reset();
});
afterAll(async () => {
  await Promise.all([env, ...extra].map((e) => e.close()));
});

/** A signer for the registered mnemonic whose key or certificate ESIA does not know. */
function foreignSigner(kind: 'unregistered-certificate' | 'wrong-key'): Signer {
  const stranger = createDevSystem(testSystem().mnemonic);
  if (kind === 'unregistered-certificate') {
    return createSoftwareSigner({ privateKeyPem: stranger.privateKeyPem, certificatePem: stranger.certificatePem });
  }
  // The registered certificate, a key that is not its own: a Signer of our own making, not a mock.
  return { kind: 'test-wrong-key', certificate: testSystem().certificateDer, sign: async (data) => gostSign(stranger.privateKey, data) };
}

describe('token endpoint', () => {
  it('refuses a reused code: ERR_ESIA_INVALID_GRANT, ESIA-007011', async () => {
    const client = esiaClientFor(env);
    const code = await codeFor(client);
    const tokens = await client.exchangeCode({ code, redirectUri: REDIRECT_URI });
    expect(tokens.access.oid).toBe(1000000001);
    const err = await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_INVALID_GRANT');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007011', oauthError: 'invalid_grant', httpStatus: 400 });
    expect(err.message).toContain('ESIA-007011');
  });

  it('refuses a code exchanged for another redirect_uri: ESIA-007011', async () => {
    const client = esiaClientFor(env);
    const code = await codeFor(client);
    const err = await esiaRejection(client.exchangeCode({ code, redirectUri: 'http://127.0.0.1:9999/other/callback' }), 'ERR_ESIA_INVALID_GRANT');
    expect(err.esiaCode).toBe('ESIA-007011');
  });

  it('refuses an expired code (the mock clock moved past its 240 s): ESIA-007011', async () => {
    const client = esiaClientFor(env);
    const code = await codeFor(client);
    env.app.esia.clock.advance(241_000);
    expect((await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_INVALID_GRANT')).esiaCode).toBe('ESIA-007011');
  });

  it('refuses a request from a client whose clock is an hour behind: ERR_ESIA_CLOCK, ESIA-007015', async () => {
    const synced = esiaClientFor(env);
    const behind = esiaClientFor(env, { clock: () => new Date() });
    const code = await codeFor(synced);
    env.app.esia.clock.advance(HOUR);
    const err = await esiaRejection(behind.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_CLOCK');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007015', httpStatus: 400 });
  });

  it('refuses the same at ac, through the callback', async () => {
    env.app.esia.clock.advance(HOUR);
    const behind = esiaClientFor(env, { clock: () => new Date() });
    const { callback, state } = await callbackFor(behind);
    expect(callback.pathname).toBe(new URL(REDIRECT_URI).pathname);
    const err = esiaThrown(() => behind.parseCallback(callback.searchParams, state), 'ERR_ESIA_CLOCK');
    expect(err.esiaCode).toBe('ESIA-007015');
  });

  it('accepts a timestamp written in another UTC offset', async () => {
    const utc = esiaClientFor(env, { timestampOffsetMinutes: 0 });
    const { url } = await utc.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    expect(new URL(url).searchParams.get('timestamp')).toMatch(/^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2} \+0000$/);
    expect((await loginTokens(utc)).access.oid).toBe(1000000001);
  });

  it('refuses a secret signed with a key whose certificate is not registered: ERR_ESIA_CONFIGURATION, ESIA-007053', async () => {
    const client = esiaClientFor(env, { signer: foreignSigner('unregistered-certificate') });
    const { callback, state } = await callbackFor(client);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    const err = esiaThrown(() => client.parseCallback(callback.searchParams, state), 'ERR_ESIA_CONFIGURATION');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007053', esiaText: 'OAuthErrorEnum.clientSecretWrong', oauthError: 'access_denied' });
  });

  it('refuses a secret signed with another key under the registered certificate: ESIA-007053', async () => {
    const client = esiaClientFor(env, { signer: foreignSigner('wrong-key') });
    const { callback, state } = await callbackFor(client);
    expect(esiaThrown(() => client.parseCallback(callback.searchParams, state), 'ERR_ESIA_CONFIGURATION').esiaCode).toBe('ESIA-007053');
  });

  it('refuses the same at te: ESIA-007053', async () => {
    const code = await codeFor(esiaClientFor(env));
    const wrong = esiaClientFor(env, { signer: foreignSigner('unregistered-certificate') });
    const err = await esiaRejection(wrong.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_CONFIGURATION');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007053', httpStatus: 400 });
  });

  it('refuses a scope not approved for the system: ESIA-007019', async () => {
    const narrow = await anotherMock({ client: { scopes: ['openid', 'fullname'] } });
    const client = esiaClientFor(narrow, { scopes: ['openid', 'fullname', 'snils'] });
    const { callback, state } = await callbackFor(client);
    const err = esiaThrown(() => client.parseCallback(callback.searchParams, state), 'ERR_ESIA_CONFIGURATION');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007019', esiaText: 'OAuthErrorEnum.noGrants' });
    expect((await loginTokens(esiaClientFor(narrow, { scopes: ['openid', 'fullname'] }))).access.scopes).toEqual(['openid', 'fullname']);
  });

  it('refuses an unknown scope (ESIA-007006) and an empty one (ESIA-007014, the back-tick text)', async () => {
    const unknown = esiaClientFor(env, { scopes: ['openid', 'shoe_size'] });
    const first = await callbackFor(unknown);
    expect(esiaThrown(() => unknown.parseCallback(first.callback.searchParams, first.state), 'ERR_ESIA_BAD_REQUEST').esiaCode).toBe('ESIA-007006');
    const empty = esiaClientFor(env, { scopes: [] });
    const second = await callbackFor(empty);
    const err = esiaThrown(() => empty.parseCallback(second.callback.searchParams, second.state), 'ERR_ESIA_BAD_REQUEST');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007014', esiaText: 'The request doesn`t contain the mandatory parameter [scope].' });
  });

  it('refuses an unconfirmed account where the system requires confirmed ones: ERR_ESIA_UNCONFIRMED_ACCOUNT, ESIA-007055', async () => {
    const strict = await anotherMock({ client: { refuseUnconfirmed: true } });
    const client = esiaClientFor(strict);
    const { callback, state } = await callbackFor(client, { persona: 'parent-kuznetsov' });
    expect(callback.searchParams.get('state')).toBe(state);
    const err = esiaThrown(() => client.parseCallback(callback.searchParams, state), 'ERR_ESIA_UNCONFIRMED_ACCOUNT');
    expect(err.esiaCode).toBe('ESIA-007055');
    expect((await loginTokens(client, { persona: 'parent-ivanova' })).id?.trusted).toBe(true);
  });

  it('refuses a declined consent: ERR_ESIA_ACCESS_DENIED, ESIA-007004', async () => {
    const client = esiaClientFor(env);
    const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    const callback = await loginAtMock(url, { persona: 'pupil-smirnov', decision: 'deny' });
    expect(esiaThrown(() => client.parseCallback(callback.searchParams, state), 'ERR_ESIA_ACCESS_DENIED').esiaCode).toBe('ESIA-007004');
  });
});

describe('callback state', () => {
  it('refuses a callback whose state is not the one sent', async () => {
    const client = esiaClientFor(env);
    const { callback, state } = await callbackFor(client);
    expect(callback.searchParams.get('code')).toBeTruthy();
    esiaThrown(() => client.parseCallback(callback.searchParams, crypto.randomUUID()), 'ERR_ESIA_STATE_MISMATCH');
    const without = new URLSearchParams(callback.searchParams);
    without.delete('state');
    esiaThrown(() => client.parseCallback(without, state), 'ERR_ESIA_STATE_MISMATCH');
    expect(client.parseCallback(callback.searchParams, state).code).toBe(callback.searchParams.get('code'));
  });

  it('reports a state mismatch, not ESIA’s error, for an error callback with a foreign state', async () => {
    const client = esiaClientFor(env, { signer: foreignSigner('unregistered-certificate') });
    const { callback } = await callbackFor(client);
    expect(callback.searchParams.get('error')).toBeTruthy();
    esiaThrown(() => client.parseCallback(callback.searchParams, crypto.randomUUID()), 'ERR_ESIA_STATE_MISMATCH');
  });

  it('refuses a callback without a code', () => {
    const client = esiaClientFor(env);
    const state = crypto.randomUUID();
    esiaThrown(() => client.parseCallback(new URLSearchParams({ state }), state), 'ERR_ESIA_BAD_RESPONSE');
    esiaThrown(() => client.parseCallback(new URLSearchParams({ state, code: '' }), state), 'ERR_ESIA_BAD_RESPONSE');
    esiaThrown(() => client.parseCallback(new URLSearchParams({ state, code: 'x'.repeat(9000) }), state), 'ERR_ESIA_BAD_RESPONSE');
  });

  it('types an error callback whose error is an Object.prototype name as a server error', () => {
    const client = esiaClientFor(env);
    const state = crypto.randomUUID();
    for (const error of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const err = esiaThrown(() => client.parseCallback(new URLSearchParams({ state, error }), state), 'ERR_ESIA_SERVER');
      expect(typeof err.code).toBe('string');
    }
  });
});

describe('endpoint faults', () => {
  it('te 503: ERR_ESIA_UNAVAILABLE, and the POST is sent once', async () => {
    const code = await codeFor(esiaClientFor(env));
    const { fetch, requests } = recordingFetch();
    const client = esiaClientFor(env, { outbound: createOutbound({ timeoutMs: 5_000, retries: 3, backoffMs: 5, fetch }) });
    env.app.esia.faults.set({ endpoints: { te: { status: 503 } } });
    const err = await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_UNAVAILABLE');
    expect(err.httpStatus).toBe(503);
    expect(requests).toEqual([{ method: 'POST', path: '/aas/oauth2/v3/te', status: 503 }]);
  });

  it('te 500 with an HTML page: ERR_ESIA_UNAVAILABLE', async () => {
    const client = esiaClientFor(env);
    const code = await codeFor(client);
    env.app.esia.faults.set({ endpoints: { te: { status: 500 } } });
    expect((await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_UNAVAILABLE')).httpStatus).toBe(500);
  });

  it('te malformed JSON: ERR_ESIA_BAD_RESPONSE', async () => {
    const client = esiaClientFor(env);
    const code = await codeFor(client);
    env.app.esia.faults.set({ endpoints: { te: { malformedJson: true } } });
    await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_BAD_RESPONSE');
  });

  it('te hangs: ERR_ESIA_TIMEOUT after the outbound timeout', async () => {
    const code = await codeFor(esiaClientFor(env));
    const client = esiaClientFor(env, { outbound: createOutbound({ timeoutMs: 300, retries: 0 }) });
    env.app.esia.faults.set({ endpoints: { te: { hang: true } } });
    const started = Date.now();
    const err = await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_TIMEOUT');
    expect(err.cause).toMatchObject({ code: 'ERR_OUTBOUND_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('te answers late but in time: the exchange works', async () => {
    const client = esiaClientFor(env, { outbound: createOutbound({ timeoutMs: 2_000, retries: 0 }) });
    const code = await codeFor(client);
    env.app.esia.faults.set({ endpoints: { te: { latencyMs: 150 } } });
    expect((await client.exchangeCode({ code, redirectUri: REDIRECT_URI })).access.oid).toBe(1000000001);
  });

  it('maintenance at ac: the callback carries ESIA-007008, ERR_ESIA_UNAVAILABLE', async () => {
    const client = esiaClientFor(env);
    env.app.esia.faults.set({ endpoints: { ac: { maintenance: true } } });
    const { callback, state } = await callbackFor(client);
    expect(callback.searchParams.get('error')).toBe('temporarily_unavailable');
    expect(esiaThrown(() => client.parseCallback(callback.searchParams, state), 'ERR_ESIA_UNAVAILABLE').esiaCode).toBe('ESIA-007008');
  });

  it('maintenance at te: HTTP 503 with ESIA-007008, ERR_ESIA_UNAVAILABLE with ESIA’s code', async () => {
    const client = esiaClientFor(env);
    const code = await codeFor(client);
    env.app.esia.faults.set({ endpoints: { te: { maintenance: true } } });
    const err = await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_UNAVAILABLE');
    expect(err).toMatchObject({ esiaCode: 'ESIA-007008', oauthError: 'temporarily_unavailable', httpStatus: 503 });
  });

  it('maintenance at rs: retried, then ERR_ESIA_UNAVAILABLE with ESIA-007008', async () => {
    const { fetch, requests } = recordingFetch();
    const client = esiaClientFor(env, { outbound: createOutbound({ timeoutMs: 5_000, retries: 1, backoffMs: 5, fetch }) });
    const tokens = await loginTokens(client);
    env.app.esia.faults.set({ endpoints: { rs: { maintenance: true } } });
    const err = await esiaRejection(client.fetchPerson(tokens), 'ERR_ESIA_UNAVAILABLE');
    expect(err.esiaCode).toBe('ESIA-007008');
    expect(requests.filter((r) => r.path.startsWith('/rs/'))).toHaveLength(2);
  });

  it('rs 503: the person GET is retried, then fails ERR_ESIA_UNAVAILABLE', async () => {
    const { fetch, requests } = recordingFetch();
    const client = esiaClientFor(env, { outbound: createOutbound({ timeoutMs: 5_000, retries: 2, backoffMs: 5, fetch }) });
    const tokens = await loginTokens(client);
    env.app.esia.faults.set({ endpoints: { rs: { status: 503 } } });
    const err = await esiaRejection(client.fetchPerson(tokens), 'ERR_ESIA_UNAVAILABLE');
    expect(err.httpStatus).toBe(503);
    const rs = requests.filter((r) => r.path.startsWith('/rs/'));
    expect(rs).toEqual([1, 2, 3].map(() => ({ method: 'GET', path: '/rs/prns/1000000001', status: 503 })));
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('rs 503 once: the retry succeeds', async () => {
    const { fetch, requests } = recordingFetch((r) => {
      if (r.path.startsWith('/rs/')) env.app.esia.faults.clear();
    });
    const client = esiaClientFor(env, { outbound: createOutbound({ timeoutMs: 5_000, retries: 2, backoffMs: 5, fetch }) });
    const tokens = await loginTokens(client);
    env.app.esia.faults.set({ endpoints: { rs: { status: 503 } } });
    const person = await client.fetchPerson(tokens);
    expect(person.lastName).toBe('Иванова');
    expect(requests.filter((r) => r.path.startsWith('/rs/')).map((r) => r.status)).toEqual([503, 200]);
  });

  it('rs hangs: each GET attempt times out, then ERR_ESIA_TIMEOUT', async () => {
    const { fetch, requests } = recordingFetch();
    const client = esiaClientFor(env, { outbound: createOutbound({ timeoutMs: 200, retries: 1, backoffMs: 5, fetch }) });
    const tokens = await loginTokens(client, { persona: 'parent-smirnova' });
    env.app.esia.faults.set({ endpoints: { rs: { hang: true } } });
    const started = Date.now();
    await esiaRejection(client.fetchPerson(tokens), 'ERR_ESIA_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(requests.filter((r) => r.path.startsWith('/rs/'))).toHaveLength(2);
  });

  it('rs malformed JSON: ERR_ESIA_BAD_RESPONSE', async () => {
    const client = esiaClientFor(env);
    const tokens = await loginTokens(client);
    env.app.esia.faults.set({ endpoints: { rs: { malformedJson: true } } });
    await esiaRejection(client.fetchPerson(tokens), 'ERR_ESIA_BAD_RESPONSE');
  });
});

describe('token faults', () => {
  for (const [fault, reason] of [
    ['badSignature', /signature/],
    ['expired', /expired/],
    ['rotatedKey', /pinned/],
  ] as const) {
    it(`${fault}: ERR_ESIA_TOKEN_INVALID`, async () => {
      const client = esiaClientFor(env);
      const code = await codeFor(client);
      env.app.esia.faults.set({ tokens: { [fault]: true } });
      const err = await esiaRejection(client.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_TOKEN_INVALID');
      expect(err.message).toMatch(reason);
    });
  }
});

describe('key rotation', () => {
  it('keeps a client pinned with every published certificate working; one pinned with the old only refuses', async () => {
    const rotating = await anotherMock();
    const pinnedOld = esiaClientFor(rotating);
    const before = await loginTokens(pinnedOld);
    expect(rotating.app.esia.deps.keys.published()).toHaveLength(2);

    const newCertificate = rotating.app.esia.rotateKey('GOST3410_2012_256');
    const published = rotating.app.esia.deps.keys.published();
    expect(published).toHaveLength(3);
    expect(published.map((k) => k.certificatePem)).toContain(newCertificate);

    const pinnedAll = esiaClientFor(rotating);
    const after = await loginTokens(pinnedAll);
    expect(after.access.alg).toBe('GOST3410_2012_256');
    expect(decodeJwt(after.accessToken).header.alg).toBe('GOST3410_2012_256');
    expect((await pinnedAll.fetchPerson(after)).lastName).toBe('Иванова');

    const code = await codeFor(pinnedOld);
    const err = await esiaRejection(pinnedOld.exchangeCode({ code, redirectUri: REDIRECT_URI }), 'ERR_ESIA_TOKEN_INVALID');
    expect(err.message).toMatch(/pinned/);

    const verifyAll = createTokenVerifier({
      pinnedCertificates: published.map((k) => k.certificatePem),
      issuer: issuerFor(rotating.url),
      clientId: rotating.system.mnemonic,
      clock: () => rotating.app.esia.clock.now(),
    });
    expect(verifyAll.verifyAccessToken(before.accessToken).oid).toBe(1000000001);
    expect(verifyAll.verifyIdToken(before.idToken!).oid).toBe(1000000001);
  });
});

describe('REST errors', () => {
  it('an access token the mock no longer knows (clock two hours on): ERR_ESIA_UNAUTHORIZED, ESIA-005011', async () => {
    const client = esiaClientFor(env, { clock: () => new Date() });
    const tokens = await loginTokens(client);
    env.app.esia.clock.advance(2 * HOUR);
    const err = await esiaRejection(client.fetchPerson(tokens), 'ERR_ESIA_UNAUTHORIZED');
    expect(err).toMatchObject({ esiaCode: 'ESIA-005011', esiaText: 'SecurityErrorEnum.invalidToken', httpStatus: 401 });
  });

  it('an access token of another ESIA: ERR_ESIA_UNAUTHORIZED', async () => {
    const client = esiaClientFor(env);
    const tokens = await loginTokens(client);
    const other = await startMockEsia();
    extra.push(other);
    const foreign = other.app.esia.issueAccessToken({ oid: 1000000001, clientId: other.system.mnemonic, scopes: ['openid', 'fullname'] });
    const err = await esiaRejection(client.fetchPerson({ accessToken: foreign, access: tokens.access }), 'ERR_ESIA_UNAUTHORIZED');
    expect(err.esiaCode).toBe('ESIA-005011');
  });

  it('another person’s data: ERR_ESIA_FORBIDDEN', async () => {
    const client = esiaClientFor(env);
    const tokens = await loginTokens(client);
    const err = await esiaRejection(client.fetchPerson({ accessToken: tokens.accessToken, access: { ...tokens.access, oid: 1000000002 } }), 'ERR_ESIA_FORBIDDEN');
    expect(err.httpStatus).toBe(403);
  });

  it('children without a kid_* scope: ERR_ESIA_FORBIDDEN', async () => {
    const client = esiaClientFor(env);
    const tokens = await loginTokens(client);
    await esiaRejection(client.fetchKids(tokens), 'ERR_ESIA_FORBIDDEN');
  });
});

describe('transport', () => {
  it('an ESIA that does not listen: ERR_ESIA_UNAVAILABLE', async () => {
    const gone = await startMockEsia();
    const client = esiaClientFor(gone);
    const tokens = await loginTokens(client);
    await gone.close();
    const err = await esiaRejection(client.fetchPerson(tokens), 'ERR_ESIA_UNAVAILABLE');
    expect(err.cause).toMatchObject({ code: 'ERR_OUTBOUND_NETWORK' });
  });

  it('never sends the secret or the code in an error message', async () => {
    const code = await codeFor(esiaClientFor(env));
    env.app.esia.faults.set({ endpoints: { te: { status: 502 } } });
    const err = await esiaRejection(esiaClientFor(env).exchangeCode({ code, redirectUri: REDIRECT_URI }));
    expect(err.message).not.toContain(code);
    expect(JSON.stringify(err.cause)).not.toContain(code);
  });
});

it('sends client_certificate_hash of the signer and nothing typed in', async () => {
  const client = esiaClientFor(env);
  const { url } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
  expect(new URL(url).searchParams.get('client_certificate_hash')).toBe(testSystem().certificateHash);
});

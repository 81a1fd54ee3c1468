/**
 * The TokenVerifier against tokens built here: real RSA signatures (node:crypto) and real GOST
 * signatures (gost/), certificates made with createSelfSignedCertificate. Every refusal must be
 * ERR_ESIA_TOKEN_INVALID; each is paired with an accepted token that differs only in the point tested.
 */
import { createHmac, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, DEFAULT_CURVE, generateKeyPair, sign as gostSign, type GostPrivateKey } from '../../gost/index.ts';
import { EsiaError } from './errors.ts';
import { createTokenVerifier, type TokenVerifierOptions } from './verifier.ts';

const ISSUER = 'http://esia.gosuslugi.ru/';
const CLIENT = 'SCHOOL-BROKER';
const OID = 1000000001;
const NOW = Date.UTC(2026, 10, 23, 11, 36, 11);
const now = Math.floor(NOW / 1000);

const validity = { notBefore: new Date(NOW - 86_400_000), notAfter: new Date(NOW + 365 * 86_400_000) };

function rsaKey(): { privateKey: KeyObject; certificatePem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = createSelfSignedCertificate({ subject: { commonName: 'ESIA RSA (test)' }, key: { kind: 'rsa', privateKey }, ...validity });
  return { privateKey, certificatePem: cert.pem };
}

function gostKey(): { privateKey: GostPrivateKey; certificatePem: string } {
  const { privateKey } = generateKeyPair(DEFAULT_CURVE);
  const cert = createSelfSignedCertificate({ subject: { commonName: 'ESIA GOST (test)' }, key: { kind: 'gost', privateKey }, ...validity });
  return { privateKey, certificatePem: cert.pem };
}

const RSA = rsaKey();
const GOST = gostKey();
const GOST_NEW = gostKey();

type SignWith = { rsa: KeyObject } | { gost: GostPrivateKey } | { raw: (input: Buffer) => Uint8Array };

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS: the header and claims as given, signed over `header.payload` with `signWith`. */
function jws(header: Record<string, unknown>, claims: unknown, signWith: SignWith): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const data = Buffer.from(input, 'ascii');
  const signature =
    'rsa' in signWith ? nodeSign('sha256', data, signWith.rsa) : 'gost' in signWith ? gostSign(signWith.gost, data) : signWith.raw(data);
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const RS256 = { alg: 'RS256', key: { rsa: RSA.privateKey } } as const;
const GOST256 = { alg: 'GOST3410_2012_256', key: { gost: GOST.privateKey } } as const;
type Alg = typeof RS256 | typeof GOST256;

function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nbf: now - 10,
    scope: `openid fullname?oid=${OID} snils?oid=${OID}`,
    iss: ISSUER,
    'urn:esia:sid': 'f1c1a1a4-3a4e-4d0b-9a77-0f6e2d5a9b11',
    'urn:esia:sbj_id': OID,
    exp: now + 3590,
    iat: now - 10,
    client_id: CLIENT,
    ...overrides,
  };
}

function idClaims(overrides: Record<string, unknown> = {}, sbj: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: CLIENT,
    sub: OID,
    nbf: now - 10,
    amr: 'PWD',
    'urn:esia:amd': 'PWD',
    auth_time: now - 20,
    iss: ISSUER,
    'urn:esia:sid': 'f1c1a1a4-3a4e-4d0b-9a77-0f6e2d5a9b11',
    'urn:esia:sbj': {
      'urn:esia:sbj:typ': 'P',
      'urn:esia:sbj:is_tru': true,
      'urn:esia:sbj:oid': OID,
      'urn:esia:sbj:nam': `OID.${OID}`,
      'urn:esia:sbj:lvl': 'PR',
      ...sbj,
    },
    exp: now + 3590,
    iat: now - 10,
    ...overrides,
  };
}

const accessToken = (alg: Alg = GOST256, claims: unknown = accessClaims(), header: Record<string, unknown> = {}) =>
  jws({ ver: 1, typ: 'JWT', sbt: 'access', alg: alg.alg, ...header }, claims, alg.key);
const idToken = (alg: Alg = GOST256, claims: unknown = idClaims(), header: Record<string, unknown> = {}) =>
  jws({ ver: 0, typ: 'JWT', sbt: 'id', alg: alg.alg, ...header }, claims, alg.key);

function verifier(options: Partial<TokenVerifierOptions> = {}) {
  return createTokenVerifier({
    pinnedCertificates: [RSA.certificatePem, GOST.certificatePem],
    issuer: ISSUER,
    clientId: CLIENT,
    clock: () => new Date(NOW),
    ...options,
  });
}

/** Runs `fn` and returns the EsiaError it throws; fails the test if it returns or throws anything else. */
function refusal(fn: () => unknown): EsiaError {
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EsiaError);
    expect((err as EsiaError).code).toBe('ERR_ESIA_TOKEN_INVALID');
    expect((err as EsiaError).cause).toBeDefined();
    return err as EsiaError;
  }
  throw new Error(`expected ERR_ESIA_TOKEN_INVALID, got a result: ${JSON.stringify(result)}`);
}

const refuseAccess = (token: string, options?: Partial<TokenVerifierOptions>) => refusal(() => verifier(options).verifyAccessToken(token));
const refuseId = (token: string, options?: Partial<TokenVerifierOptions>) => refusal(() => verifier(options).verifyIdToken(token));

/** Replaces one dot-separated part of a token. */
function withPart(token: string, index: number, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}

describe('accepted tokens', () => {
  it('verifies an access token signed with RS256 and with GOST3410_2012_256', () => {
    for (const alg of [RS256, GOST256]) {
      const access = verifier().verifyAccessToken(accessToken(alg));
      expect(access).toEqual({
        oid: OID,
        clientId: CLIENT,
        scopes: ['openid', 'fullname', 'snils'],
        sid: 'f1c1a1a4-3a4e-4d0b-9a77-0f6e2d5a9b11',
        expiresAt: new Date((now + 3590) * 1000),
        alg: alg.alg,
      });
    }
  });

  it('verifies an id token signed with either algorithm', () => {
    for (const alg of [RS256, GOST256]) {
      expect(verifier().verifyIdToken(idToken(alg))).toEqual({
        oid: OID,
        trusted: true,
        lvl: 'PR',
        amr: ['PWD'],
        authTime: new Date((now - 20) * 1000),
        sid: 'f1c1a1a4-3a4e-4d0b-9a77-0f6e2d5a9b11',
        expiresAt: new Date((now + 3590) * 1000),
        alg: alg.alg,
      });
    }
  });
});

describe('signature and algorithm', () => {
  it('refuses a tampered payload', () => {
    for (const alg of [RS256, GOST256]) {
      const token = accessToken(alg);
      const forged = withPart(token, 1, b64(accessClaims({ 'urn:esia:sbj_id': 1000000002 })));
      expect(refuseAccess(forged).message).toMatch(/signature/);
    }
  });

  it('refuses a tampered signature (one bit, truncated, empty)', () => {
    for (const alg of [RS256, GOST256]) {
      const token = accessToken(alg);
      const signature = Buffer.from(token.split('.')[2]!, 'base64url');
      const flipped = Buffer.from(signature);
      flipped[signature.length - 1]! ^= 0x01;
      refuseAccess(withPart(token, 2, flipped.toString('base64url')));
      refuseAccess(withPart(token, 2, signature.subarray(1).toString('base64url')));
      refuseAccess(withPart(token, 2, ''));
    }
  });

  it('refuses alg none, HS256 (keyed with the pinned public key) and ES256', () => {
    const claims = accessClaims();
    const none = `${b64({ ver: 1, typ: 'JWT', sbt: 'access', alg: 'none' })}.${b64(claims)}.`;
    expect(refuseAccess(none).message).toMatch(/algorithm none/);
    const hs = jws({ ver: 1, sbt: 'access', alg: 'HS256' }, claims, { raw: (d) => createHmac('sha256', RSA.certificatePem).update(d).digest() });
    expect(refuseAccess(hs).message).toMatch(/algorithm HS256/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const es = jws({ ver: 1, sbt: 'access', alg: 'ES256' }, claims, { raw: (d) => nodeSign('sha256', d, { key: ec, dsaEncoding: 'ieee-p1363' }) });
    expect(refuseAccess(es).message).toMatch(/algorithm ES256/);
    refuseAccess(jws({ ver: 1, sbt: 'access', alg: 'rs256' }, claims, { rsa: RSA.privateKey }));
    refuseAccess(jws({ ver: 1, sbt: 'access' }, claims, { rsa: RSA.privateKey }));
  });

  it('refuses an algorithm left out of the algorithms option', () => {
    expect(verifier({ algorithms: ['RS256'] }).verifyAccessToken(accessToken(RS256)).alg).toBe('RS256');
    expect(refuseAccess(accessToken(GOST256), { algorithms: ['RS256'] }).message).toMatch(/GOST3410_2012_256 is not allowed/);
    expect(refuseAccess(accessToken(RS256), { algorithms: ['GOST3410_2012_256'] }).message).toMatch(/RS256 is not allowed/);
  });

  it('refuses a GOST signature under an RS256 header and an RSA signature under a GOST header', () => {
    const gostUnderRs = jws({ ver: 1, typ: 'JWT', sbt: 'access', alg: 'RS256' }, accessClaims(), { gost: GOST.privateKey });
    expect(refuseAccess(gostUnderRs).message).toMatch(/signature/);
    const rsaUnderGost = jws({ ver: 1, typ: 'JWT', sbt: 'access', alg: 'GOST3410_2012_256' }, accessClaims(), { rsa: RSA.privateKey });
    expect(refuseAccess(rsaUnderGost).message).toMatch(/signature/);
  });

  it('refuses a token signed by a key that is not pinned', () => {
    const other = { alg: 'GOST3410_2012_256', key: { gost: GOST_NEW.privateKey } } as const;
    refuseAccess(accessToken(other));
    refuseAccess(accessToken(RS256), { pinnedCertificates: [GOST.certificatePem] });
  });
});

describe('claims', () => {
  it('refuses another issuer, https instead of http, and a missing trailing slash', () => {
    for (const iss of ['http://esia-portal1.test.gosuslugi.ru/', 'https://esia.gosuslugi.ru/', 'http://esia.gosuslugi.ru', 'http://ESIA.gosuslugi.ru/', '']) {
      expect(refuseAccess(accessToken(GOST256, accessClaims({ iss }))).message).toMatch(/issuer/);
      expect(refuseId(idToken(GOST256, idClaims({ iss }))).message).toMatch(/issuer/);
    }
    refuseAccess(accessToken(GOST256, accessClaims({ iss: undefined })));
  });

  it('refuses an access token issued to another client_id', () => {
    expect(refuseAccess(accessToken(GOST256, accessClaims({ client_id: 'OTHER-SYSTEM' }))).message).toMatch(/OTHER-SYSTEM/);
    refuseAccess(accessToken(GOST256, accessClaims({ client_id: CLIENT.toLowerCase() })));
    refuseAccess(accessToken(GOST256, accessClaims({ client_id: undefined })));
  });

  it('refuses an id token for another audience; accepts us among several', () => {
    expect(refuseId(idToken(GOST256, idClaims({ aud: 'OTHER-SYSTEM' }))).message).toMatch(/audience/);
    refuseId(idToken(GOST256, idClaims({ aud: ['OTHER-SYSTEM'] })));
    refuseId(idToken(GOST256, idClaims({ aud: undefined })));
    expect(verifier().verifyIdToken(idToken(GOST256, idClaims({ aud: ['OTHER-SYSTEM', CLIENT] }))).oid).toBe(OID);
  });

  it('refuses an id token whose urn:esia:sbj oid is not its sub', () => {
    expect(refuseId(idToken(GOST256, idClaims({}, { 'urn:esia:sbj:oid': 1000000002 }))).message).toMatch(/oids differ/);
  });

  it('refuses a token of the wrong kind (sbt)', () => {
    expect(refuseAccess(idToken()).message).toMatch(/expected a access token, got id/);
    expect(refuseId(accessToken()).message).toMatch(/expected a id token, got access/);
    const code = jws({ ver: 0, typ: 'JWT', sbt: 'authorization_code', alg: 'GOST3410_2012_256' }, accessClaims(), { gost: GOST.privateKey });
    refuseAccess(code);
    refuseId(code);
  });

  it('reads oid as a number and as a numeric string; refuses other oids', () => {
    expect(verifier().verifyAccessToken(accessToken(GOST256, accessClaims({ 'urn:esia:sbj_id': OID }))).oid).toBe(OID);
    expect(verifier().verifyAccessToken(accessToken(GOST256, accessClaims({ 'urn:esia:sbj_id': String(OID) }))).oid).toBe(OID);
    const id = verifier().verifyIdToken(idToken(GOST256, idClaims({ sub: String(OID) }, { 'urn:esia:sbj:oid': String(OID) })));
    expect(id.oid).toBe(OID);
    for (const bad of ['1000000001a', '', -5, 1.5, 0, '0', null, true, 'NaN', String(2 ** 53 + 1)]) {
      refuseAccess(accessToken(GOST256, accessClaims({ 'urn:esia:sbj_id': bad })));
      refuseId(idToken(GOST256, idClaims({ sub: bad }, { 'urn:esia:sbj:oid': bad })));
    }
  });

  it('reads is_tru: absent → not trusted; lvl when present', () => {
    const unconfirmed = idToken(GOST256, idClaims({}, { 'urn:esia:sbj:is_tru': undefined, 'urn:esia:sbj:lvl': 'P' }));
    expect(verifier().verifyIdToken(unconfirmed)).toMatchObject({ trusted: false, lvl: 'P' });
    const noSubject = idToken(GOST256, idClaims({ 'urn:esia:sbj': undefined }));
    expect(verifier().verifyIdToken(noSubject)).toMatchObject({ trusted: false, lvl: undefined });
    expect(verifier().verifyIdToken(idToken())).toMatchObject({ trusted: true, lvl: 'PR' });
    refuseId(idToken(GOST256, idClaims({}, { 'urn:esia:sbj:is_tru': 'true' })));
  });

  it('reads amr as a string or an array; falls back to urn:esia:amd', () => {
    expect(verifier().verifyIdToken(idToken(GOST256, idClaims({ amr: 'DS' }))).amr).toEqual(['DS']);
    expect(verifier().verifyIdToken(idToken(GOST256, idClaims({ amr: ['PWD', 'DS'] }))).amr).toEqual(['PWD', 'DS']);
    expect(verifier().verifyIdToken(idToken(GOST256, idClaims({ amr: undefined, 'urn:esia:amd': 'DS' }))).amr).toEqual(['DS']);
    expect(verifier().verifyIdToken(idToken(GOST256, idClaims({ amr: undefined, 'urn:esia:amd': undefined }))).amr).toEqual([]);
    refuseId(idToken(GOST256, idClaims({ amr: 5 })));
  });
});

describe('time', () => {
  const at = (exp: number, extra: Record<string, unknown> = {}) => accessToken(GOST256, accessClaims({ exp, ...extra }));

  it('refuses an expired token and a missing exp', () => {
    expect(refuseAccess(at(now - 3600)).message).toMatch(/expired/);
    expect(refuseId(idToken(GOST256, idClaims({ exp: now - 3600 }))).message).toMatch(/expired/);
    refuseAccess(at(undefined as unknown as number));
    refuseAccess(at(String(now + 100) as unknown as number));
  });

  it('honours the skew at the edges of exp', () => {
    const v = verifier({ clockSkewSeconds: 60 });
    expect(v.verifyAccessToken(at(now - 59)).oid).toBe(OID);
    expect(v.verifyAccessToken(at(now - 1)).oid).toBe(OID);
    expect(refusal(() => v.verifyAccessToken(at(now - 60))).message).toMatch(/expired/);
    expect(refusal(() => v.verifyAccessToken(at(now - 61))).message).toMatch(/expired/);
    const strict = verifier({ clockSkewSeconds: 0 });
    expect(strict.verifyAccessToken(at(now + 1)).oid).toBe(OID);
    refusal(() => strict.verifyAccessToken(at(now)));
  });

  it('defaults to a 60 second skew', () => {
    expect(verifier().verifyAccessToken(at(now - 59)).oid).toBe(OID);
    refuseAccess(at(now - 60));
  });

  it('refuses nbf in the future beyond the skew, accepts it within', () => {
    const v = verifier({ clockSkewSeconds: 30 });
    expect(v.verifyAccessToken(at(now + 3600, { nbf: now + 30, iat: now })).oid).toBe(OID);
    expect(refusal(() => v.verifyAccessToken(at(now + 3600, { nbf: now + 31, iat: now }))).message).toMatch(/not yet valid/);
    expect(refusal(() => v.verifyAccessToken(at(now + 7200, { nbf: now + 3600, iat: now }))).message).toMatch(/not yet valid/);
    expect(refuseId(idToken(GOST256, idClaims({ nbf: now + 3600 }))).message).toMatch(/not yet valid/);
  });

  it('refuses iat in the future beyond the skew', () => {
    const v = verifier({ clockSkewSeconds: 30 });
    expect(v.verifyAccessToken(at(now + 3600, { nbf: undefined, iat: now + 30 })).oid).toBe(OID);
    expect(refusal(() => v.verifyAccessToken(at(now + 3600, { nbf: undefined, iat: now + 31 }))).message).toMatch(/future/);
  });

  it('reads the clock at each call', () => {
    let clock = NOW;
    const v = verifier({ clock: () => new Date(clock) });
    const token = at(now + 100);
    expect(v.verifyAccessToken(token).oid).toBe(OID);
    clock = NOW + 161_000;
    refusal(() => v.verifyAccessToken(token));
  });
});

describe('garbage', () => {
  const signature = accessToken().split('.')[2]!;

  it('refuses anything that is not three base64url JSON parts', () => {
    const header = b64({ ver: 1, sbt: 'access', alg: 'GOST3410_2012_256' });
    const payload = b64(accessClaims());
    for (const token of [
      '',
      'abc',
      'a.b',
      `${header}.${payload}`,
      `${header}.${payload}.${signature}.extra`,
      `${header}..${signature}`,
      `.${payload}.${signature}`,
      `${header}.${payload}.${signature}=`,
      `${header}.${payload}.${signature.replace(/[-_]/g, '+')}+/`,
      `${header}+.${payload}.${signature}`,
      `${header}.${payload}==.${signature}`,
      `${b64('not json')}.${payload}.${signature}`,
      `${b64('null')}.${payload}.${signature}`,
      `${b64('[1,2]')}.${payload}.${signature}`,
      `${b64('"RS256"')}.${payload}.${signature}`,
      ` ${accessToken()}`,
      `${accessToken()}\n`,
    ]) {
      refuseAccess(token);
      refuseId(token);
    }
  });

  it('refuses a payload that is not JSON or not an object, even when correctly signed', () => {
    const header = { ver: 1, typ: 'JWT', sbt: 'access', alg: 'GOST3410_2012_256' };
    for (const payload of ['not json', '{"iss":', 'null', '42', '"text"', '[]']) {
      const input = `${b64(header)}.${b64(payload)}`;
      const token = `${input}.${Buffer.from(gostSign(GOST.privateKey, Buffer.from(input, 'ascii'))).toString('base64url')}`;
      refuseAccess(token);
    }
  });

  it('refuses a huge token without verifying it', () => {
    const big = accessToken(GOST256, accessClaims({ padding: 'x'.repeat(20_000) }));
    expect(refuseAccess(big).message).toMatch(/not a token/);
    refuseAccess('a'.repeat(5_000_000));
  });

  it('refuses non-strings', () => {
    for (const value of [undefined, null, 42, {}, ['a', 'b', 'c']]) {
      refuseAccess(value as unknown as string);
    }
  });
});

describe('certificates and rotation', () => {
  const newKey = { alg: 'GOST3410_2012_256', key: { gost: GOST_NEW.privateKey } } as const;

  it('accepts tokens of both keys when pinned with the old and the new certificate', () => {
    const v = verifier({ pinnedCertificates: [GOST.certificatePem, GOST_NEW.certificatePem] });
    expect(v.verifyAccessToken(accessToken(GOST256)).oid).toBe(OID);
    expect(v.verifyAccessToken(accessToken(newKey)).oid).toBe(OID);
    expect(v.verifyIdToken(idToken(newKey)).oid).toBe(OID);
  });

  it('refuses new-key tokens when pinned with the old certificate only', () => {
    const v = { pinnedCertificates: [GOST.certificatePem, RSA.certificatePem] };
    expect(verifier(v).verifyAccessToken(accessToken(GOST256)).oid).toBe(OID);
    expect(refuseAccess(accessToken(newKey), v).message).toMatch(/pinned/);
    refuseId(idToken(newKey), v);
  });

  it('takes a PEM bundle entry with surrounding text', () => {
    const v = verifier({ pinnedCertificates: [`ESIA GOST 2026\n${GOST.certificatePem}\n`] });
    expect(v.verifyAccessToken(accessToken(GOST256)).oid).toBe(OID);
  });

  it('needs at least one certificate', () => {
    expect(() => createTokenVerifier({ pinnedCertificates: [], issuer: ISSUER, clientId: CLIENT })).toThrow(/at least one/);
    expect(() => createTokenVerifier({ pinnedCertificates: ['not a certificate'], issuer: ISSUER, clientId: CLIENT })).toThrow();
  });
});

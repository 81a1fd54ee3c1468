/**
 * Answers mock-esia never gives (it follows the protocol), from a small ESIA stand-in over real HTTP
 * that signs real GOST tokens: a token response with another state, a wrong shape, a missing or
 * foreign id token, error bodies the client must still type, oversized bodies, and REST answers
 * (404, malformed person, the `embed` the client asks for).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EsiaClient, type EsiaClientOptions } from '../../broker/esia/client.ts';
import { issuerFor } from '../../broker/esia/protocol.ts';
import { createSoftwareSigner } from '../../broker/esia/signer.ts';
import { createTokenVerifier } from '../../broker/esia/verifier.ts';
import { createOutbound } from '../../core/outbound.ts';
import { createSelfSignedCertificate, generateKeyPair, sign as gostSign } from '../../gost/index.ts';
import { esiaRejection } from '../helpers/esia-login.ts';
import { testSystem } from '../helpers/mock-esia.ts';

const MNEMONIC = 'TEST-SYSTEM';
const OID = 1000000001;
const REDIRECT_URI = 'http://127.0.0.1:9999/esia/callback';

const { privateKey: esiaKey } = generateKeyPair();
const esiaCertificate = createSelfSignedCertificate({
  subject: { commonName: 'ESIA stand-in' },
  key: { kind: 'gost', privateKey: esiaKey },
  notBefore: new Date(Date.now() - 86_400_000),
  notAfter: new Date(Date.now() + 86_400_000),
}).pem;

interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}
interface Seen {
  method: string;
  url: string;
  authorization?: string;
  form?: URLSearchParams;
}

let server: Server;
let base: string;
let iss: string;
let reply: (seen: Seen) => Reply;
const seen: Seen[] = [];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function jwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64({ ...header, alg: 'GOST3410_2012_256' })}.${b64(claims)}`;
  return `${input}.${Buffer.from(gostSign(esiaKey, Buffer.from(input, 'ascii'))).toString('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const accessToken = (oid = OID, scope = `openid fullname?oid=${oid}`) =>
  jwt({ ver: 1, typ: 'JWT', sbt: 'access' }, { nbf: now(), iat: now(), exp: now() + 3600, iss, client_id: MNEMONIC, 'urn:esia:sbj_id': oid, scope });
const idToken = (oid = OID) =>
  jwt({ ver: 0, typ: 'JWT', sbt: 'id' }, { nbf: now(), iat: now(), exp: now() + 3600, iss, aud: MNEMONIC, sub: oid, amr: 'PWD' });

/** A well-formed token response for the request. */
const tokens = (s: Seen, overrides: Record<string, unknown> = {}): Reply => ({
  body: { access_token: accessToken(), id_token: idToken(), state: s.form?.get('state'), token_type: 'Bearer', expires_in: 3600, ...overrides },
});

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const entry: Seen = { method: req.method!, url: req.url!, authorization: req.headers.authorization };
      if (req.headers['content-type'] === 'application/x-www-form-urlencoded') entry.form = new URLSearchParams(body);
      seen.push(entry);
      const r = reply(entry);
      res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers });
      res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  iss = issuerFor(base);
});
beforeEach(() => {
  seen.length = 0;
  reply = (s) => tokens(s);
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

function client(overrides: Partial<EsiaClientOptions> = {}): EsiaClient {
  return new EsiaClient({
    baseUrl: `${base}/`,
    mnemonic: MNEMONIC,
    signer: createSoftwareSigner({ privateKeyPem: testSystem().privateKeyPem, certificatePem: testSystem().certificatePem }),
    verifier: createTokenVerifier({ pinnedCertificates: [esiaCertificate], issuer: iss, clientId: MNEMONIC }),
    outbound: createOutbound({ timeoutMs: 2_000, retries: 0 }),
    scopes: ['openid', 'fullname'],
    ...overrides,
  });
}

const exchange = (c = client()) => c.exchangeCode({ code: 'eyJhbGciOiJub25lIn0.e30.c2ln', redirectUri: REDIRECT_URI });

describe('token response', () => {
  it('accepts a well-formed response (the stand-in itself is right)', async () => {
    const set = await exchange();
    expect(set).toMatchObject({ expiresIn: 3600, access: { oid: OID }, id: { oid: OID } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe('/aas/oauth2/v3/te');
    expect(seen[0]!.form?.get('state')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a response with another state: ERR_ESIA_STATE_MISMATCH', async () => {
    reply = (s) => tokens(s, { state: crypto.randomUUID() });
    await esiaRejection(exchange(), 'ERR_ESIA_STATE_MISMATCH');
  });

  it('sends a new state on every token request', async () => {
    await exchange();
    await exchange();
    expect(seen[0]!.form?.get('state')).not.toBe(seen[1]!.form?.get('state'));
  });

  it('refuses a response without state, without access_token, or with a bad expires_in: ERR_ESIA_BAD_RESPONSE', async () => {
    for (const overrides of [{ state: undefined }, { access_token: undefined }, { access_token: '' }, { expires_in: 'soon' }, { expires_in: '-5' }, { expires_in: undefined }]) {
      reply = (s) => tokens(s, overrides);
      await esiaRejection(exchange(), 'ERR_ESIA_BAD_RESPONSE');
    }
    for (const body of ['[]', 'null', '"ok"']) {
      reply = () => ({ body });
      await esiaRejection(exchange(), 'ERR_ESIA_BAD_RESPONSE');
    }
  });

  it('refuses a response without id_token when openid was asked: ERR_ESIA_BAD_RESPONSE', async () => {
    reply = (s) => tokens(s, { id_token: undefined });
    await esiaRejection(exchange(), 'ERR_ESIA_BAD_RESPONSE');
    expect((await exchange(client({ scopes: ['fullname'] }))).id).toBeUndefined();
  });

  it('refuses id and access tokens of different people: ERR_ESIA_TOKEN_INVALID', async () => {
    reply = (s) => tokens(s, { id_token: idToken(1000000002) });
    await esiaRejection(exchange(), 'ERR_ESIA_TOKEN_INVALID');
  });

  it('refuses an access token passed as id token: ERR_ESIA_TOKEN_INVALID', async () => {
    reply = (s) => tokens(s, { id_token: accessToken() });
    await esiaRejection(exchange(), 'ERR_ESIA_TOKEN_INVALID');
  });

  it('types 4xx and 5xx bodies by ESIA code, and anything else as a bad response', async () => {
    const cases: [Reply, string, string | undefined][] = [
      [{ status: 400, body: { error: 'invalid_request', error_description: 'ESIA-007014: The request doesn`t contain the mandatory parameter [state].' } }, 'ERR_ESIA_BAD_REQUEST', 'ESIA-007014'],
      [{ status: 503, body: { error: 'temporarily_unavailable', error_description: 'ESIA-007008: The service is temporarily unavailable' } }, 'ERR_ESIA_UNAVAILABLE', 'ESIA-007008'],
      [{ status: 500, body: { error: 'server_error', error_description: 'ESIA-007007: Unexpected' } }, 'ERR_ESIA_SERVER', 'ESIA-007007'],
      [{ status: 400, body: '<html>Bad Request</html>', headers: { 'content-type': 'text/html' } }, 'ERR_ESIA_BAD_RESPONSE', undefined],
      [{ status: 400, body: { message: 'no error field' } }, 'ERR_ESIA_BAD_RESPONSE', undefined],
      [{ status: 404, body: '' }, 'ERR_ESIA_BAD_RESPONSE', undefined],
      [{ status: 302, body: '', headers: { location: 'https://esia.gosuslugi.ru/maintenance' } }, 'ERR_ESIA_BAD_RESPONSE', undefined],
    ];
    for (const [answer, code, esiaCode] of cases) {
      reply = () => answer;
      const err = await esiaRejection(exchange());
      expect({ status: answer.status, code: err.code, esiaCode: err.esiaCode }).toEqual({ status: answer.status, code, esiaCode });
    }
  });

  it('refuses a body over 1 MB: ERR_ESIA_BAD_RESPONSE', async () => {
    reply = (s) => tokens(s, { padding: 'x'.repeat(1_100_000) });
    expect((await esiaRejection(exchange(), 'ERR_ESIA_BAD_RESPONSE')).message).toMatch(/too large/);
  });
});

describe('REST', () => {
  const tokenSet = (scopes: string[]) => ({
    accessToken: 'the-access-token',
    access: { oid: OID, clientId: MNEMONIC, scopes, expiresAt: new Date(Date.now() + 3_600_000), alg: 'GOST3410_2012_256' as const },
  });

  it('asks for the embeds the scopes allow, with the bearer token', async () => {
    reply = () => ({ body: { firstName: 'Мария' } });
    await client().fetchPerson(tokenSet(['openid', 'fullname']));
    await client().fetchPerson(tokenSet(['openid', 'email', 'id_doc', 'addresses', 'kid_fullname']));
    expect(seen.map((s) => s.url)).toEqual([
      `/rs/prns/${OID}`,
      `/rs/prns/${OID}?embed=(contacts.elements,documents.elements,addresses.elements,kids.elements)`,
    ]);
    expect(seen.every((s) => s.method === 'GET' && s.authorization === 'Bearer the-access-token')).toBe(true);
  });

  it('keeps embedded objects and drops element URLs', async () => {
    reply = () => ({
      body: {
        firstName: 'Мария',
        trusted: true,
        status: 'DELETED',
        documents: { size: 2, elements: [`${base}/rs/prns/${OID}/docs/1`, { id: 2, type: 'RF_PASSPORT', vrfStu: 'VERIFIED' }] },
        kids: { size: 1, elements: [{ id: 1000000003, firstName: 'Анна' }] },
      },
    });
    const person = await client().fetchPerson(tokenSet(['openid', 'id_doc', 'kid_fullname']));
    expect(person).toMatchObject({ oid: OID, trusted: true, deleted: true, documents: [{ id: 2, type: 'RF_PASSPORT' }], kids: [{ id: 1000000003 }] });
    expect(person.contacts).toEqual([]);
  });

  it('maps 404 to ERR_ESIA_NOT_FOUND with ESIA’s code', async () => {
    reply = () => ({ status: 404, body: { code: 'ESIA-005004', message: 'CommonErrorEnum.notFound' } });
    const err = await esiaRejection(client().fetchPerson(tokenSet(['openid'])), 'ERR_ESIA_NOT_FOUND');
    expect(err).toMatchObject({ esiaCode: 'ESIA-005004', httpStatus: 404 });
  });

  it('maps 401 and 403 even with a body that is not JSON', async () => {
    reply = () => ({ status: 401, body: '<html>401</html>' });
    expect((await esiaRejection(client().fetchPerson(tokenSet(['openid'])), 'ERR_ESIA_UNAUTHORIZED')).esiaCode).toBeUndefined();
    reply = () => ({ status: 403, body: '' });
    await esiaRejection(client().fetchKids(tokenSet(['openid', 'kid_fullname'])), 'ERR_ESIA_FORBIDDEN');
  });

  it('refuses a malformed person, kids list or an unexpected status: ERR_ESIA_BAD_RESPONSE', async () => {
    for (const body of [{ snils: '11223344595' }, { birthDate: '1985-05-26' }, { trusted: 'yes' }, '[]', 'not json']) {
      reply = () => ({ body });
      await esiaRejection(client().fetchPerson(tokenSet(['openid'])), 'ERR_ESIA_BAD_RESPONSE');
    }
    reply = () => ({ body: { elements: [{ firstName: 'no id' }] } });
    await esiaRejection(client().fetchKids(tokenSet(['openid', 'kid_fullname'])), 'ERR_ESIA_BAD_RESPONSE');
    reply = () => ({ status: 400, body: { code: 'ESIA-005001', message: 'CommonErrorEnum.invalidParameter' } });
    expect((await esiaRejection(client().fetchPerson(tokenSet(['openid'])), 'ERR_ESIA_BAD_RESPONSE')).httpStatus).toBe(400);
  });
});

/**
 * The HTTP adapter against a real mock-journal over HTTP (and HTTPS with client certificates): the
 * conformance suite, link write-back, refused credentials, faults, mutual TLS, secrets kept out of
 * errors, and the OpenAPI document checked against what the adapter calls and what mock-journal serves.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { exportJWK, exportPKCS8, generateKeyPair, importPKCS8, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { createOutbound, type Outbound } from '../../core/outbound.ts';
import { buildJournalSeed, type JournalSeed } from '../../fixtures/journal-seed.ts';
import { createMockJournal, type MockJournalOptions } from '../../mock-journal/app.ts';
import { OPERATIONS } from '../../mock-journal/faults.ts';
import { serveMockJournal, type RunningMockJournal } from '../../mock-journal/serve.ts';
import { CONFORMANCE_ANCHOR, describeJournalAdapterConformance } from '../../test/conformance/journal-adapter.ts';
import { AdapterError } from '../errors.ts';
import type { AdapterDeps, JournalAdapter, LinkWriteBackCapability, PasswordCapability, RelationsCapability } from '../types.ts';
import { httpAdapter, type HttpAdapterConfigInput } from './index.ts';

type FullAdapter = JournalAdapter & PasswordCapability & RelationsCapability & LinkWriteBackCapability;

const CLIENT_ID = 'esia-broker';
const seed = buildJournalSeed(CONFORMANCE_ANCHOR);

interface TestKey {
  readonly privateKeyPem: string;
  readonly jwk: JWK;
}

async function createTestKey(alg: 'ES256' | 'RS256', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKeyPem: await exportPKCS8(privateKey), jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

let brokerKey: TestKey;
let rsaKey: TestKey;
beforeAll(async () => {
  [brokerKey, rsaKey] = await Promise.all([createTestKey('ES256', 'broker-1'), createTestKey('RS256', 'broker-rsa')]);
});

async function startJournal(options: Partial<MockJournalOptions> & { seed?: JournalSeed } = {}): Promise<RunningMockJournal> {
  const config = loadConfig({ env: {}, overrides: { mockJournal: { port: 0 } } });
  return serveMockJournal(config, {
    seed,
    brokerJwks: { keys: [brokerKey.jwk, rsaKey.jwk] },
    brokerClientId: CLIENT_ID,
    scryptCost: 1024,
    log: () => {},
    ...options,
  });
}

function deps(overrides: Partial<AdapterDeps> = {}): AdapterDeps {
  return { outbound: createOutbound({ timeoutMs: 5_000, retries: 0 }), log: silentLogger, clock: () => new Date(), ...overrides };
}

async function createAdapter(
  baseUrl: string,
  auth: Partial<HttpAdapterConfigInput['auth']> = {},
  options: { deps?: Partial<AdapterDeps>; timeoutMs?: number } = {},
): Promise<FullAdapter> {
  const config = httpAdapter.configSchema.parse({
    baseUrl,
    auth: { type: 'jwt', clientId: CLIENT_ID, privateKeyPem: brokerKey.privateKeyPem, alg: 'ES256', kid: 'broker-1', ...auth },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return (await httpAdapter.create(seed.journalId, config, deps(options.deps))) as FullAdapter;
}

async function failure(promise: Promise<unknown>): Promise<AdapterError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AdapterError);
    return err as AdapterError;
  }
  throw new Error('expected the call to fail');
}

describeJournalAdapterConformance({
  name: 'http (mock-journal over HTTP)',
  capabilities: { password: true, relations: true, writeBack: true },
  async setup(conformanceSeed) {
    const journal = await startJournal({ seed: conformanceSeed });
    return { adapter: await createAdapter(journal.apiUrl), teardown: () => journal.close() };
  },
});

describe('http adapter against mock-journal', () => {
  let journal: RunningMockJournal;
  let adapter: FullAdapter;
  beforeAll(async () => {
    journal = await startJournal();
    adapter = await createAdapter(journal.apiUrl);
  });
  afterAll(async () => {
    await adapter?.close();
    await journal?.close();
  });

  it('writes links back to the journal and removes them', async () => {
    await adapter.recordLink('s-2001', { esiaOid: '1000000002', method: 'manual-password', at: '2026-11-23T09:00:00.000Z' });
    expect(journal.app.journal.links.get('s-2001')).toMatchObject({
      accountId: 's-2001',
      esiaOid: '1000000002',
      method: 'manual-password',
      at: '2026-11-23T09:00:00.000Z',
    });
    // Idempotent: a second write replaces the first.
    await adapter.recordLink('s-2001', { esiaOid: '1000000002', method: 'auto', at: '2026-11-23T10:00:00.000Z' });
    expect(journal.app.journal.links.get('s-2001')?.method).toBe('auto');
    await adapter.removeLink('s-2001');
    expect(journal.app.journal.links.has('s-2001')).toBe(false);
    await adapter.removeLink('s-2001');
    await adapter.removeLink('s-9999');
    expect((await failure(adapter.recordLink('s-9999', { esiaOid: '1', method: 'auto', at: new Date().toISOString() }))).code).toBe(
      'ERR_ADAPTER_BAD_RESPONSE',
    );
  });

  it('signs with RS256 keys too', async () => {
    const rsa = await createAdapter(journal.apiUrl, { alg: 'RS256', privateKeyPem: rsaKey.privateKeyPem, kid: 'broker-rsa' });
    expect((await rsa.getAccount('t-3001'))?.position).toBe('учитель математики');
    await rsa.close();
  });

  describe('refused credentials → ERR_ADAPTER_UNAUTHORIZED', () => {
    const expectUnauthorized = async (make: () => Promise<FullAdapter>) => {
      const refused = await make();
      const err = await failure(refused.getAccount('s-2001'));
      expect(err.code).toBe('ERR_ADAPTER_UNAUTHORIZED');
      expect(err.journalId).toBe(seed.journalId);
      await refused.close();
      return err;
    };

    it('a key the journal does not trust', async () => {
      const stranger = await createTestKey('ES256', 'broker-1');
      await expectUnauthorized(() => createAdapter(journal.apiUrl, { privateKeyPem: stranger.privateKeyPem }));
    });

    it('another audience (the journal is called by another URL than it expects)', async () => {
      const err = await expectUnauthorized(() => createAdapter(journal.apiUrl.replace('127.0.0.1', 'localhost')));
      // The journal's reason is kept for the logs.
      expect((err.cause as { problem?: { detail?: string } }).problem?.detail).toMatch(/aud/);
    });

    it('another client id', async () => {
      await expectUnauthorized(() => createAdapter(journal.apiUrl, { clientId: 'someone-else' }));
    });

    it('an expired assertion (the broker clock five minutes behind)', async () => {
      await expectUnauthorized(() => createAdapter(journal.apiUrl, {}, { deps: { clock: () => new Date(Date.now() - 5 * 60_000) } }));
    });

    it('a replayed assertion (same jti)', async () => {
      let captured: string | undefined;
      const real = createOutbound({ timeoutMs: 5_000, retries: 0 });
      // An outbound that replays the first request's Authorization header on every later request.
      const replaying: Outbound = (url, init = {}) => {
        const headers = { ...init.headers };
        if (captured) headers.authorization = captured;
        else captured = headers.authorization;
        return real(url, { ...init, headers });
      };
      const replayer = await createAdapter(journal.apiUrl, {}, { deps: { outbound: replaying } });
      expect((await replayer.getAccount('s-2001'))?.accountId).toBe('s-2001');
      expect((await failure(replayer.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_UNAUTHORIZED');
      await replayer.close();
    });
  });

  describe('faults', () => {
    afterAll(() => journal.app.journal.faults.clear());

    it('5xx → ERR_ADAPTER_UNAVAILABLE, also through an outbound that retries', async () => {
      journal.app.journal.faults.set({ getAccount: { status: 503 } });
      expect((await failure(adapter.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_UNAVAILABLE');
      const retrying = await createAdapter(journal.apiUrl, {}, { deps: { outbound: createOutbound({ timeoutMs: 5_000, retries: 1, backoffMs: 1 }) } });
      expect((await failure(retrying.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_UNAVAILABLE');
      await retrying.close();
      journal.app.journal.faults.set({ all: { status: 500 } });
      expect((await failure(adapter.listInstitutions())).code).toBe('ERR_ADAPTER_UNAVAILABLE');
      expect((await failure(adapter.recordLink('s-2001', { esiaOid: '1', method: 'auto', at: new Date().toISOString() }))).code).toBe(
        'ERR_ADAPTER_UNAVAILABLE',
      );
    });

    it('a hang with a short timeout → ERR_ADAPTER_TIMEOUT, quickly', async () => {
      journal.app.journal.faults.set({ findAccounts: { hang: true } });
      const impatient = await createAdapter(journal.apiUrl, {}, { timeoutMs: 150 });
      const started = Date.now();
      expect((await failure(impatient.findBySnils('11223344595', 'parent'))).code).toBe('ERR_ADAPTER_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(1_000);
      await impatient.close();
    });

    it('malformed JSON and JSON of the wrong shape → ERR_ADAPTER_BAD_RESPONSE', async () => {
      const calls = [
        () => adapter.getAccount('s-2001'),
        () => adapter.findBySnils('11223344595', 'parent'),
        () => adapter.verifyPassword('ivanova.m', 'mama-1001'),
        () => adapter.listInstitutions(),
        () => adapter.parentsOf('s-2001'),
      ];
      for (const fault of [{ malformedJson: true }, { wrongShape: true }]) {
        journal.app.journal.faults.set({ all: fault });
        for (const call of calls) expect((await failure(call())).code).toBe('ERR_ADAPTER_BAD_RESPONSE');
      }
    });

    it('a refused connection → ERR_ADAPTER_UNAVAILABLE', async () => {
      const gone = await startJournal();
      const url = gone.apiUrl;
      await gone.close();
      const orphan = await createAdapter(url);
      expect((await failure(orphan.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_UNAVAILABLE');
      await orphan.close();
    });

    it('a 404 that is not a problem document (a wrong base URL) → ERR_ADAPTER_BAD_RESPONSE, not "no such account"', async () => {
      journal.app.journal.faults.clear();
      const lost = await createAdapter(`${journal.url}/wrong/v1`);
      expect((await failure(lost.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_BAD_RESPONSE');
      await lost.close();
    });
  });
});

describe('http adapter against a journal that bends the contract', () => {
  let server: Server;
  let base: string;
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => handler(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const answer = (status: number, json: unknown, type = 'application/json') => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof json === 'string' ? json : JSON.stringify(json));
  };
  const account = (over: Record<string, unknown> = {}) => ({
    accountId: 'p-1',
    role: 'parent',
    institution: { id: 'school-1', name: 'Школа' },
    lastName: 'Смирнова',
    firstName: 'Елена',
    middleName: 'Викторовна',
    birthDate: '1983-11-13',
    snils: '11223344595',
    ...over,
  });

  it('ignores accounts that do not match the query (a journal matching too loosely)', async () => {
    const warnings: string[] = [];
    const log: Logger = { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? '') };
    const a = await createAdapter(base, {}, { deps: { log } });
    handler = answer(200, {
      accounts: [account(), account({ accountId: 'p-2', snils: '12345678964' }), account({ accountId: 'p-3', role: 'pupil' })],
    });
    expect((await a.findBySnils('112-233-445 95', 'parent')).map((x) => x.accountId)).toEqual(['p-1']);
    handler = answer(200, { accounts: [account(), account({ accountId: 'p-2', lastName: 'Смирнов' }), account({ accountId: 'p-3', birthDate: null })] });
    const found = await a.findByFullName({ lastName: 'СМИРНОВА', firstName: 'Елена', middleName: 'Викторовна', birthDate: '1983-11-13', role: 'parent' });
    expect(found.map((x) => x.accountId)).toEqual(['p-1']);
    expect(warnings.length).toBe(2);
    await a.close();
  });

  it('accepts nulls for optional members and drops a SNILS with wrong check digits', async () => {
    const a = await createAdapter(base);
    handler = answer(200, account({ middleName: null, snils: '11223344590', className: null, position: '', extra: 'ignored' }));
    expect(await a.getAccount('p-1')).toEqual({
      journalId: seed.journalId,
      accountId: 'p-1',
      role: 'parent',
      institution: { id: 'school-1', name: 'Школа' },
      fullName: { lastName: 'Смирнова', firstName: 'Елена' },
      birthDate: '1983-11-13',
    });
    await a.close();
  });

  it('refuses another account than asked, huge bodies, HTML and unexpected statuses', async () => {
    const a = await createAdapter(base);
    handler = answer(200, account({ accountId: 'p-2' }));
    expect((await failure(a.getAccount('p-1'))).code).toBe('ERR_ADAPTER_BAD_RESPONSE');
    handler = answer(200, { accounts: Array.from({ length: 6000 }, (_, i) => account({ accountId: `p-${i}`, position: 'x'.repeat(100) })) });
    expect((await failure(a.findBySnils('11223344595', 'parent'))).code).toBe('ERR_ADAPTER_BAD_RESPONSE');
    handler = answer(200, '<html>Вход в журнал</html>', 'text/html');
    expect((await failure(a.listInstitutions())).code).toBe('ERR_ADAPTER_BAD_RESPONSE');
    handler = answer(302, '');
    expect((await failure(a.listInstitutions())).code).toBe('ERR_ADAPTER_BAD_RESPONSE');
    handler = answer(403, { title: 'Forbidden' }, 'application/problem+json');
    expect((await failure(a.listInstitutions())).code).toBe('ERR_ADAPTER_UNAUTHORIZED');
    await a.close();
  });

  it('never calls the journal for ids and values that cannot match', async () => {
    let calls = 0;
    handler = (req, res) => {
      calls++;
      answer(500, {})(req, res);
    };
    const a = await createAdapter(base);
    expect(await a.getAccount('')).toBeUndefined();
    expect(await a.getAccount('..')).toBeUndefined();
    expect(await a.parentsOf('.')).toEqual([]);
    expect(await a.findBySnils('12345678901', 'parent')).toEqual([]);
    expect(await a.findByFullName({ lastName: 'Иванов', firstName: 'Пётр', birthDate: '2011-02-30', role: 'pupil' })).toEqual([]);
    expect(await a.verifyPassword('  ', 'x')).toBeUndefined();
    expect(await a.verifyPassword('ivanova.m', '')).toBeUndefined();
    expect(calls).toBe(0);
    await a.close();
  });

  it('keeps the password out of every error, even from a journal that echoes it', async () => {
    const secret = 'Sekret-Parol-42';
    const logged: unknown[] = [];
    const log: Logger = { debug: (o) => void logged.push(o), info: (o) => void logged.push(o), warn: (o) => void logged.push(o), error: (o) => void logged.push(o) };
    const a = await createAdapter(base, {}, { deps: { log }, timeoutMs: 200 });
    const echo = (status: number, type = 'application/problem+json') => (_req: IncomingMessage, res: ServerResponse, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(JSON.stringify({ title: 'Ошибка', detail: `received ${body}`, result: body }));
    };
    const scenarios: [string, typeof handler][] = [
      ['500 echoing the body', echo(500)],
      ['401 echoing the body', echo(401)],
      ['400 echoing the body', echo(400)],
      ['200 of the wrong shape echoing the body', echo(200, 'application/json')],
      ['malformed JSON holding the body', (_req, res, body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"result": ${body}`);
      }],
      ['a hang', () => {}],
    ];
    for (const [name, h] of scenarios) {
      handler = h;
      const err = await failure(a.verifyPassword('ivanova.m', secret));
      const views = [err.message, String(err.stack), JSON.stringify(err), JSON.stringify(err.cause ?? null), inspect(err, { depth: 20, showHidden: true })];
      for (const view of views) expect(view, name).not.toContain(secret);
    }
    expect(inspect(logged, { depth: 20 })).not.toContain(secret);
    await a.close();
    // A journal that is down.
    const orphan = await createAdapter('http://127.0.0.1:9/api');
    const err = await failure(orphan.verifyPassword('ivanova.m', secret));
    expect(err.code).toBe('ERR_ADAPTER_UNAVAILABLE');
    expect(inspect(err, { depth: 20, showHidden: true }) + JSON.stringify(err)).not.toContain(secret);
  });
});

describe('http adapter config', () => {
  const valid = () => ({
    baseUrl: 'https://journal.example.ru/esia-broker/v1/',
    auth: { type: 'jwt', clientId: CLIENT_ID, privateKeyPem: brokerKey.privateKeyPem, alg: 'ES256' },
  });

  it('fills defaults and drops a trailing slash', () => {
    expect(httpAdapter.configSchema.parse(valid())).toMatchObject({ baseUrl: 'https://journal.example.ru/esia-broker/v1', timeoutMs: 5_000 });
  });

  it('rejects unknown keys, a key that does not fit the algorithm, and other schemes', () => {
    const problems = (input: unknown) => {
      const parsed = httpAdapter.configSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ ...valid(), retries: 3 }).join()).toMatch(/Unrecognized key/);
    expect(problems({ ...valid(), auth: { ...valid().auth, secret: 'x' } }).join()).toMatch(/Unrecognized key/);
    expect(problems({ ...valid(), auth: { ...valid().auth, alg: 'RS256' } })).toEqual(['auth.privateKeyPem: RS256 needs an RSA key of at least 2048 bits']);
    expect(problems({ ...valid(), auth: { ...valid().auth, privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' } })).toEqual([
      'auth.privateKeyPem: not a readable private key',
    ]);
    expect(problems({ ...valid(), baseUrl: 'ftp://journal.example.ru/' }).length).toBeGreaterThan(0);
  });
});

/** A throwaway CA, a server certificate for 127.0.0.1 and client certificates, made with `openssl`. */
function makeCertificates(dir: string): Record<'caCert' | 'serverKey' | 'serverCert' | 'clientKey' | 'clientCert' | 'otherCaCert' | 'strangerKey' | 'strangerCert', string> {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => openssl('req', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2');
  const leaf = (name: string, issuer: string, ext: string) =>
    openssl('req', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2', '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-addext', ext);
  ca('test-ca');
  ca('other-ca');
  leaf('server', 'test-ca', 'subjectAltName=IP:127.0.0.1');
  leaf('client', 'test-ca', 'extendedKeyUsage=clientAuth');
  leaf('stranger', 'other-ca', 'extendedKeyUsage=clientAuth');
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    caCert: read('test-ca.crt'),
    otherCaCert: read('other-ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
    strangerKey: read('stranger.key'),
    strangerCert: read('stranger.crt'),
  };
}

describe('http adapter over mutual TLS', () => {
  let dir: string;
  let pems: ReturnType<typeof makeCertificates>;
  let server: Server;
  let apiUrl: string;
  let links: ReadonlyMap<string, unknown>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-adapter-mtls-'));
    pems = makeCertificates(dir);
    server = createHttpsServer({ key: pems.serverKey, cert: pems.serverCert, ca: pems.caCert, requestCert: true, rejectUnauthorized: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/esia-broker/v1`;
    const app = createMockJournal({ audience: apiUrl, seed, acceptClientCertificates: true, scryptCost: 1024, log: () => {} });
    links = app.journal.links;
    server.on('request', app.callback());
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const mtlsAdapter = async (auth: { certPem: string; keyPem: string; caPem?: string }, baseUrl = apiUrl) =>
    (await httpAdapter.create(seed.journalId, httpAdapter.configSchema.parse({ baseUrl, auth: { type: 'mtls', ...auth }, timeoutMs: 2_000 }), deps())) as FullAdapter;

  it('looks up, checks passwords and writes links with a client certificate', async () => {
    const a = await mtlsAdapter({ certPem: pems.clientCert, keyPem: pems.clientKey, caPem: pems.caCert });
    expect((await a.getAccount('s-2001'))?.fullName.lastName).toBe('Иванов');
    expect(await a.getAccount('s-9999')).toBeUndefined();
    expect((await a.verifyPassword('ivanova.m', 'mama-1001'))?.accountId).toBe('p-1001');
    expect((await a.childrenOf('p-1001')).map((c) => c.accountId).sort()).toEqual(['s-2001', 's-2002']);
    await a.recordLink('p-1001', { esiaOid: '1000000001', method: 'auto', at: '2026-11-23T09:00:00Z' });
    expect(links.has('p-1001')).toBe(true);
    await a.removeLink('p-1001');
    expect(links.has('p-1001')).toBe(false);
    await a.close();
  });

  it('fails as unavailable with a certificate the journal does not trust, or a server it cannot verify', async () => {
    const stranger = await mtlsAdapter({ certPem: pems.strangerCert, keyPem: pems.strangerKey, caPem: pems.caCert });
    expect((await failure(stranger.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_UNAVAILABLE');
    await stranger.close();
    const suspicious = await mtlsAdapter({ certPem: pems.clientCert, keyPem: pems.clientKey, caPem: pems.otherCaCert });
    expect((await failure(suspicious.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_UNAVAILABLE');
    await suspicious.close();
  });

  it('checks the certificate against its key, and wants https', () => {
    const parse = (auth: object, baseUrl = apiUrl) => httpAdapter.configSchema.safeParse({ baseUrl, auth: { type: 'mtls', ...auth } });
    expect(parse({ certPem: pems.clientCert, keyPem: pems.strangerKey }).error?.issues[0]?.message).toBe('certPem does not belong to keyPem');
    expect(parse({ certPem: pems.clientCert, keyPem: pems.clientKey }, 'http://127.0.0.1/api').error?.issues[0]?.message).toBe(
      'mutual TLS needs an https base URL',
    );
  });
});

describe('the OpenAPI document', () => {
  interface Documented {
    method: string;
    template: string;
    operationId: string;
    params: string[];
    responses: string[];
  }
  const doc = JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8')) as {
    openapi: string;
    paths: Record<string, Record<string, { operationId: string; parameters?: { $ref?: string; name?: string }[]; responses: Record<string, unknown> }>>;
    components: Record<string, Record<string, { name?: string }>>;
  };
  const resolveParam = (p: { $ref?: string; name?: string }) => (p.$ref ? doc.components.parameters![p.$ref.split('/').pop()!]!.name! : p.name!);
  const documented: Documented[] = Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      operationId: op.operationId,
      params: (op.parameters ?? []).map(resolveParam),
      responses: Object.keys(op.responses),
    })),
  );
  const templateRegex = (template: string) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);

  it('is OpenAPI 3.1 and every $ref resolves', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const path = ref.split('/');
      let node: unknown = doc;
      for (const key of path) node = (node as Record<string, unknown>)[key];
      expect(node, ref).toBeDefined();
    }
  });

  it('documents every call the adapter makes, with the same operation names mock-journal uses', async () => {
    const journal = await startJournal();
    const real = createOutbound({ timeoutMs: 5_000, retries: 0 });
    const calls: { method: string; path: string; query: string[] }[] = [];
    const recording: Outbound = (url, init = {}) => {
      const u = new URL(url);
      calls.push({ method: init.method ?? 'GET', path: u.pathname.slice(new URL(journal.apiUrl).pathname.length), query: [...u.searchParams.keys()] });
      return real(url, init);
    };
    const a = await createAdapter(journal.apiUrl, {}, { deps: { outbound: recording } });
    const ivanov = seed.accounts.find((x) => x.accountId === 's-2001')!;
    await a.findBySnils('12345678964', 'pupil');
    await a.findByFullName({ lastName: ivanov.lastName, firstName: ivanov.firstName, middleName: ivanov.middleName, birthDate: ivanov.birthDate, role: 'pupil' });
    await a.getAccount('s-2001');
    await a.verifyPassword('ivanov.p', 'uchenik-2001');
    await a.parentsOf('s-2001');
    await a.childrenOf('p-1001');
    await a.listInstitutions();
    await a.recordLink('s-2001', { esiaOid: '1000000002', method: 'auto', at: new Date().toISOString() });
    await a.removeLink('s-2001');
    await a.close();
    await journal.close();

    const used = new Set<string>();
    for (const call of calls) {
      const op = documented.find((d) => d.method === call.method && templateRegex(d.template).test(call.path));
      expect(op, `${call.method} ${call.path}`).toBeDefined();
      for (const q of call.query) expect(op!.params, `${op!.operationId} ?${q}`).toContain(q);
      used.add(op!.operationId);
    }
    expect([...used].sort()).toEqual(documented.map((d) => d.operationId).sort());
    expect([...OPERATIONS].sort()).toEqual(documented.map((d) => d.operationId).sort());
  });

  it('is served by mock-journal: every documented operation answers a documented status', async () => {
    const journal = await startJournal();
    const ivanov = seed.accounts.find((x) => x.accountId === 's-2001')!;
    const key = importPKCS8(brokerKey.privateKeyPem, 'ES256');
    const sign = async () => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'broker-1' })
        .setIssuer(CLIENT_ID)
        .setSubject(CLIENT_ID)
        .setAudience(journal.apiUrl)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .setJti(crypto.randomUUID())
        .sign(await key);
    };
    const examples: Record<string, { query?: Record<string, string>; body?: unknown }[]> = {
      findAccounts: [
        { query: { snils: '12345678964', role: 'pupil' } },
        { query: { lastName: ivanov.lastName, firstName: ivanov.firstName, middleName: ivanov.middleName!, birthDate: ivanov.birthDate, role: 'pupil' } },
      ],
      checkPassword: [{ body: { login: 'ivanov.p', password: 'uchenik-2001' } }],
      putEsiaLink: [{ body: { esiaOid: '1000000002', method: 'auto', at: new Date().toISOString() } }],
    };
    for (const op of documented) {
      for (const example of examples[op.operationId] ?? [{}]) {
        const path = op.template.replace('{accountId}', 's-2001');
        const query = example.query ? `?${new URLSearchParams(example.query)}` : '';
        const response = await fetch(`${journal.apiUrl}${path}${query}`, {
          method: op.method,
          headers: { authorization: `Bearer ${await sign()}`, ...(example.body ? { 'content-type': 'application/json' } : {}) },
          body: example.body ? JSON.stringify(example.body) : undefined,
        });
        const status = String(response.status);
        expect(response.status, `${op.operationId}`).toBeLessThan(300);
        expect(op.responses, `${op.operationId} answered ${status}`).toContain(status);
        if (status === '200') {
          expect(response.headers.get('content-type')).toMatch(/^application\/json/);
          expect(Object.keys((await response.json()) as object).length).toBeGreaterThan(0);
        }
      }
    }
    await journal.close();
  });
});

/**
 * Every signer makes signatures mock-esia accepts, proven by a whole login over real HTTP:
 * software (gost/), OpenSSL through Debian's gost engine (raw and the v1 CMS), CryptoPro through a
 * stand-in `csptest` (test/fixtures/fake-csptest.sh, which writes the signature byte-reversed as
 * CryptoPro does), and a remote signing service (a real node:http server here). Each way a signer
 * can fail ends as ERR_ESIA_SIGNER. The OpenSSL-dependent parts are gated by the openssl-gost helper.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCryptoProSigner } from '../../broker/esia/signer-cryptopro.ts';
import { createOpenSslSigner } from '../../broker/esia/signer-openssl.ts';
import { createRemoteSigner } from '../../broker/esia/signer-remote.ts';
import { createSoftwareSigner, signerCertificateHash, type Signer } from '../../broker/esia/signer.ts';
import { createOutbound } from '../../core/outbound.ts';
import {
  certificateHash,
  createDetachedSignature,
  createSelfSignedCertificate,
  exportGostPrivateKeyPem,
  generateKeyPair,
  parseCertificate,
  parseGostPrivateKey,
  sign as gostSign,
  verify as gostVerify,
  verifyDetachedSignature,
} from '../../gost/index.ts';
import type { DevSystem } from '../../mock-esia/demo-system.ts';
import { callbackFor, esiaRejection, loginTokens } from '../helpers/esia-login.ts';
import { esiaClientFor, REDIRECT_URI, startMockEsia, testSystem, type MockEsiaEnv } from '../helpers/mock-esia.ts';
import { openssl, requireGostEngine } from '../helpers/openssl-gost.ts';

const FAKE_CSPTEST = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/fake-csptest.sh');
const DATA = Buffer.from('TEST-SYSTEMopenid fullname2026.11.23 14:36:11 +03005e0a6c2b-1d4f-4b8e-9c3a-7f2d1e6b8a90http://127.0.0.1:9999/esia/callback');

let dir: string;
let env: MockEsiaEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esia-signers-'));
  env = await startMockEsia();
});
afterAll(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Whether `signature` is a valid raw GOST signature of `data` under the certificate's key. */
function verifiesWith(certificate: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const cert = parseCertificate(certificate);
  if (cert.publicKey.kind !== 'gost') throw new Error('not a GOST certificate');
  return gostVerify(cert.publicKey.key, data, signature);
}

/** A whole v2 login (and, with `v1`, a v1 one) at `esia` with `signer`; returns the person's oid. */
async function loginWith(esia: MockEsiaEnv, signer: Signer, protocol: 'v1' | 'v2' = 'v2'): Promise<number> {
  const client = esiaClientFor(esia, { signer, protocol });
  const tokens = await loginTokens(client);
  expect(tokens.id?.oid).toBe(tokens.access.oid);
  return tokens.access.oid;
}

const softwareSigner = () => createSoftwareSigner({ privateKeyPem: testSystem().privateKeyPem, certificatePem: testSystem().certificatePem });

describe('software signer', () => {
  it('signs so that the certificate verifies it and mock-esia accepts the login (v2 and v1)', async () => {
    const signer = softwareSigner();
    const signature = await signer.sign(DATA);
    expect(signature).toHaveLength(64);
    expect(verifiesWith(signer.certificate, DATA, signature)).toBe(true);
    expect(verifiesWith(signer.certificate, Buffer.concat([DATA, Buffer.from('x')]), signature)).toBe(false);
    const cms = verifyDetachedSignature(await signer.signDetached!(DATA), DATA);
    expect(cms.ok).toBe(true);
    expect(await loginWith(env, signer)).toBe(1000000001);
    expect(await loginWith(env, signer, 'v1')).toBe(1000000001);
  });

  it('refuses a key that does not match the certificate, or an RSA certificate', () => {
    const other = generateKeyPair().privateKey;
    expect(() => createSoftwareSigner({ privateKeyPem: exportGostPrivateKeyPem(other), certificatePem: testSystem().certificatePem })).toThrow(
      expect.objectContaining({ code: 'ERR_ESIA_SIGNER' }),
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const rsaCert = createSelfSignedCertificate({
      subject: { commonName: 'RSA system' },
      key: { kind: 'rsa', privateKey: rsa },
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    expect(() => createSoftwareSigner({ privateKeyPem: testSystem().privateKeyPem, certificatePem: rsaCert.pem })).toThrow(
      expect.objectContaining({ code: 'ERR_ESIA_SIGNER' }),
    );
  });
});

describe('command signers, failures (no engine needed)', () => {
  const certificateFile = () => {
    const file = join(dir, 'system-cert.pem');
    writeFileSync(file, testSystem().certificatePem);
    return file;
  };

  it('a command that exits 1: ERR_ESIA_SIGNER', async () => {
    const signer = createCryptoProSigner({ signCommand: ['bash', '-c', 'echo "container not found" >&2; exit 1', 'csptest'], certificateFile: certificateFile() });
    const err = await esiaRejection(signer.sign(DATA), 'ERR_ESIA_SIGNER');
    expect(err.message).toMatch(/cryptopro/);
    await esiaRejection(esiaClientFor(env, { signer }).buildAuthorizationUrl({ redirectUri: REDIRECT_URI }), 'ERR_ESIA_SIGNER');
  });

  it('a command that writes 63 bytes: ERR_ESIA_SIGNER', async () => {
    const signer = createCryptoProSigner({ signCommand: ['bash', '-c', 'head -c 63 /dev/urandom > "$1"', 'csptest', '{out}'], certificateFile: certificateFile() });
    expect((await esiaRejection(signer.sign(DATA), 'ERR_ESIA_SIGNER')).message).toMatch(/64-byte signature, got 63/);
  });

  it('a command that writes nothing, or is missing: ERR_ESIA_SIGNER', async () => {
    const silent = createCryptoProSigner({ signCommand: ['true'], certificateFile: certificateFile() });
    await esiaRejection(silent.sign(DATA), 'ERR_ESIA_SIGNER');
    const missing = createCryptoProSigner({ signCommand: [join(dir, 'no-such-csptest')], certificateFile: certificateFile() });
    await esiaRejection(missing.sign(DATA), 'ERR_ESIA_SIGNER');
  });

  it('a command that hangs: ERR_ESIA_SIGNER after its timeout', async () => {
    const signer = createCryptoProSigner({ signCommand: ['sleep', '10'], certificateFile: certificateFile(), timeoutMs: 200 });
    const started = Date.now();
    await esiaRejection(signer.sign(DATA), 'ERR_ESIA_SIGNER');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('OpenSSL signer: a command that exits without reading its input (EPIPE) fails, and the process lives on', async () => {
    const signer = createOpenSslSigner({ privateKeyFile: join(dir, 'unused.pem'), certificateFile: certificateFile(), command: 'true' });
    const big = new Uint8Array(4 << 20);
    const err = await esiaRejection(signer.sign(big), 'ERR_ESIA_SIGNER');
    expect(err.cause).toMatchObject({ code: 'EPIPE' });
    await esiaRejection(signer.signDetached!(big), 'ERR_ESIA_SIGNER');
  });

  it('a command that reads files and closes stdin at once works, however many run together', async () => {
    // csptest gets no stdin; closing it early must neither crash the process (EPIPE) nor fail the call.
    const signer = createCryptoProSigner({
      signCommand: ['bash', '-c', 'exec 0<&-; head -c 64 /dev/zero > "$1"', 'csptest', '{out}'],
      certificateFile: certificateFile(),
    });
    const signatures = await Promise.all(Array.from({ length: 60 }, () => signer.sign(DATA)));
    expect(signatures.every((s) => s.length === 64)).toBe(true);
  });

  it('no CMS command: v1 is a signer error', async () => {
    const signer = createCryptoProSigner({ signCommand: ['true'], certificateFile: certificateFile() });
    expect(signer.signDetached).toBeUndefined();
    await esiaRejection(esiaClientFor(env, { signer, protocol: 'v1' }).buildAuthorizationUrl({ redirectUri: REDIRECT_URI }), 'ERR_ESIA_SIGNER');
  });
});

describe.runIf(requireGostEngine())('OpenSSL and CryptoPro signers (OpenSSL gost engine)', () => {
  let keyFile: string;
  let certFile: string;
  let certDerFile: string;
  let system: DevSystem;
  let own: MockEsiaEnv;

  beforeAll(async () => {
    keyFile = join(dir, 'openssl-key.pem');
    certFile = join(dir, 'openssl-cert.pem');
    certDerFile = join(dir, 'openssl-cert.der');
    openssl(['genpkey', '-engine', 'gost', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', keyFile]);
    openssl(['req', '-x509', '-engine', 'gost', '-new', '-key', keyFile, '-subj', '/CN=School broker (OpenSSL test)', '-days', '30', '-out', certFile]);
    openssl(['x509', '-in', certFile, '-outform', 'DER', '-out', certDerFile]);
    const privateKeyPem = readFileSync(keyFile, 'utf8');
    const certificatePem = readFileSync(certFile, 'utf8');
    const der = parseCertificate(certificatePem).der;
    system = {
      mnemonic: 'OPENSSL-SYSTEM',
      privateKey: parseGostPrivateKey(privateKeyPem),
      privateKeyPem,
      certificatePem,
      certificateDer: der,
      certificateHash: certificateHash(der),
    };
    own = await startMockEsia({ system });
  });
  afterAll(() => own?.close());

  /** `openssl dgst -engine gost -md_gost12_256` of a file, upper-cased. */
  const opensslHash = (file: string) => /([0-9a-f]{64})/.exec(openssl(['dgst', '-engine', 'gost', '-md_gost12_256', '-r', file]).toString())![1]!.toUpperCase();

  const openSslSigner = () => createOpenSslSigner({ privateKeyFile: keyFile, certificateFile: certFile });
  const csptest = (key = keyFile) => ['bash', FAKE_CSPTEST, '-keys', '-cont', key, '-sign', 'GOST12_256', '-in', '{in}', '-out', '{out}'];
  const cmsCommand = () => ['openssl', 'cms', '-sign', '-engine', 'gost', '-binary', '-outform', 'DER', '-md', 'md_gost12_256', '-signer', certFile, '-inkey', keyFile, '-in', '{in}', '-out', '{out}'];

  it('the client_certificate_hash sent is openssl’s Streebog-256 of the certificate DER, upper-cased', async () => {
    const expected = opensslHash(certDerFile);
    expect(expected).toMatch(/^[0-9A-F]{64}$/);
    const signer = openSslSigner();
    expect(signerCertificateHash(signer)).toBe(expected);
    const { url } = await esiaClientFor(own, { signer }).buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    expect(new URL(url).searchParams.get('client_certificate_hash')).toBe(expected);

    const softwareDer = join(dir, 'software-cert.der');
    writeFileSync(softwareDer, testSystem().certificateDer);
    const { url: softwareUrl } = await esiaClientFor(env).buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
    expect(new URL(softwareUrl).searchParams.get('client_certificate_hash')).toBe(opensslHash(softwareDer));
    // A hash of the PEM text is another value (ESIA rejects it with ESIA-007053).
    expect(opensslHash(certFile)).not.toBe(expected);
  });

  it('OpenSSL: the raw signature verifies with the certificate, and the v2 login works', async () => {
    const signer = openSslSigner();
    const signature = await signer.sign(DATA);
    expect(signature).toHaveLength(64);
    expect(verifiesWith(signer.certificate, DATA, signature)).toBe(true);
    expect(await loginWith(own, signer)).toBe(1000000001);
  });

  it('OpenSSL: the v1 login works with `openssl cms -sign`', async () => {
    const signer = openSslSigner();
    const cms = verifyDetachedSignature(await signer.signDetached!(DATA), DATA);
    expect(cms.ok).toBe(true);
    expect(await loginWith(own, signer, 'v1')).toBe(1000000001);
  });

  it('OpenSSL: a missing key or binary is ERR_ESIA_SIGNER', async () => {
    const noKey = createOpenSslSigner({ privateKeyFile: join(dir, 'missing.pem'), certificateFile: certFile });
    await esiaRejection(noKey.sign(DATA), 'ERR_ESIA_SIGNER');
    await esiaRejection(noKey.signDetached!(DATA), 'ERR_ESIA_SIGNER');
    const noBinary = createOpenSslSigner({ privateKeyFile: keyFile, certificateFile: certFile, command: join(dir, 'no-openssl') });
    await esiaRejection(noBinary.sign(DATA), 'ERR_ESIA_SIGNER');
    const silent = createOpenSslSigner({ privateKeyFile: keyFile, certificateFile: certFile, command: 'true' });
    // `true` exits without reading its input: either the write fails (EPIPE) or the output is empty; both are signer failures.
    await esiaRejection(silent.sign(DATA), 'ERR_ESIA_SIGNER');
  });

  it('OpenSSL: a key that is not the registered certificate’s is refused by ESIA (ESIA-007053)', async () => {
    const otherKey = join(dir, 'other-key.pem');
    openssl(['genpkey', '-engine', 'gost', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', otherKey]);
    const client = esiaClientFor(own, { signer: createOpenSslSigner({ privateKeyFile: otherKey, certificateFile: certFile }) });
    const { callback, state } = await callbackFor(client);
    expect(() => client.parseCallback(callback.searchParams, state)).toThrow(expect.objectContaining({ esiaCode: 'ESIA-007053' }));
  });

  it('the fake csptest writes the signature byte-reversed', () => {
    const input = join(dir, 'data.bin');
    const output = join(dir, 'reversed.bin');
    writeFileSync(input, DATA);
    execFileSync('bash', [FAKE_CSPTEST, '-keys', '-cont', keyFile, '-sign', 'GOST12_256', '-in', input, '-out', output], { stdio: 'pipe' });
    const written = readFileSync(output);
    expect(written).toHaveLength(64);
    const der = parseCertificate(readFileSync(certFile, 'utf8')).der;
    expect(verifiesWith(der, DATA, Uint8Array.from(written).reverse())).toBe(true);
    expect(verifiesWith(der, DATA, written)).toBe(false);
  });

  it('CryptoPro: un-reverses the signature, and the v2 login works', async () => {
    const signer = createCryptoProSigner({ signCommand: csptest(), certificateFile: certFile });
    expect(verifiesWith(signer.certificate, DATA, await signer.sign(DATA))).toBe(true);
    expect(await loginWith(own, signer)).toBe(1000000001);
  });

  it('CryptoPro: reads a DER certificate file, and the v1 login works with a CMS command', async () => {
    const signer = createCryptoProSigner({ signCommand: csptest(), cmsCommand: cmsCommand(), certificateFile: certDerFile });
    expect(signerCertificateHash(signer)).toBe(opensslHash(certDerFile));
    expect(await loginWith(own, signer, 'v1')).toBe(1000000001);
  });

  it('CryptoPro: without the reversal ESIA refuses the signature (ESIA-007053)', async () => {
    const signer = createCryptoProSigner({ signCommand: csptest(), certificateFile: certFile, reverse: false });
    const client = esiaClientFor(own, { signer });
    const { callback, state } = await callbackFor(client);
    expect(() => client.parseCallback(callback.searchParams, state)).toThrow(expect.objectContaining({ code: 'ERR_ESIA_CONFIGURATION', esiaCode: 'ESIA-007053' }));
  });

  it('CryptoPro: the fake csptest failing (no such container) is ERR_ESIA_SIGNER', async () => {
    const signer = createCryptoProSigner({ signCommand: csptest(join(dir, 'no-container.pem')), certificateFile: certFile });
    const err = await esiaRejection(signer.sign(DATA), 'ERR_ESIA_SIGNER');
    expect(err.cause).toMatchObject({ code: 1 });
  });
});

describe('remote signer', () => {
  type Mode = 'ok' | 'status500' | 'malformed' | 'shape' | 'notBase64' | 'short' | 'hang';
  const TOKEN = 'signing-service-token-0123456789';
  let mode: Mode = 'ok';
  let server: Server;
  let url: string;
  const received: { authorization?: string; contentType?: string; body: { format?: string; data?: string } }[] = [];

  function answer(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    let body: { format?: string; data?: string };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return json(400, { error: 'bad json' });
    }
    received.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
    if (req.method !== 'POST') return json(405, { error: 'method' });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: 'unauthorized' });
    if (mode === 'hang') return;
    if (mode === 'status500') return json(500, { error: 'hsm offline' });
    if (mode === 'malformed') return json(200, '{"signature": "AAAA');
    if (mode === 'shape') return json(200, { sig: 'AAAA' });
    if (mode === 'notBase64') return json(200, { signature: 'not base64 at all!' });
    const data = Buffer.from(body.data ?? '', 'base64');
    const system = testSystem();
    const signature =
      body.format === 'cms'
        ? createDetachedSignature({ content: data, certificate: system.certificatePem, privateKey: system.privateKey })
        : gostSign(system.privateKey, data);
    json(200, { signature: Buffer.from(mode === 'short' ? signature.subarray(0, 63) : signature).toString('base64') });
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => answer(req, res, Buffer.concat(chunks).toString()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sign`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const remote = (options: { token?: string; timeoutMs?: number; url?: string } = {}) =>
    createRemoteSigner({
      url: options.url ?? url,
      token: options.token ?? TOKEN,
      certificatePem: testSystem().certificatePem,
      outbound: createOutbound({ timeoutMs: 5_000, retries: 2, backoffMs: 5 }),
      timeoutMs: options.timeoutMs,
    });

  const failsWith = async (signer: Signer, pattern: RegExp) => {
    const before = received.length;
    const err = await esiaRejection(signer.sign(DATA), 'ERR_ESIA_SIGNER');
    expect(err.message).toMatch(pattern);
    expect(received.length - before).toBeLessThanOrEqual(1);
    return err;
  };

  it('signs through the service with the bearer token; v2 and v1 logins work', async () => {
    mode = 'ok';
    received.length = 0;
    const signer = remote();
    expect(verifiesWith(signer.certificate, DATA, await signer.sign(DATA))).toBe(true);
    expect(received[0]).toEqual({
      authorization: `Bearer ${TOKEN}`,
      contentType: 'application/json',
      body: { format: 'raw', data: DATA.toString('base64') },
    });
    expect(await loginWith(env, signer)).toBe(1000000001);
    expect(await loginWith(env, signer, 'v1')).toBe(1000000001);
    expect(received.some((r) => r.body.format === 'cms')).toBe(true);
    expect(signerCertificateHash(signer)).toBe(testSystem().certificateHash);
  });

  it('a wrong token (401): ERR_ESIA_SIGNER', async () => {
    mode = 'ok';
    const err = await failsWith(remote({ token: 'wrong' }), /HTTP 401/);
    expect(err.cause).toBe(401);
  });

  it('HTTP 500: ERR_ESIA_SIGNER, not retried', async () => {
    mode = 'status500';
    await failsWith(remote(), /HTTP 500/);
  });

  it('malformed JSON, a wrong shape, or a signature that is not base64: ERR_ESIA_SIGNER', async () => {
    mode = 'malformed';
    await failsWith(remote(), /malformed JSON/);
    mode = 'shape';
    await failsWith(remote(), /unexpected shape/);
    mode = 'notBase64';
    await failsWith(remote(), /unexpected shape/);
  });

  it('a 63-byte signature: ERR_ESIA_SIGNER', async () => {
    mode = 'short';
    await failsWith(remote(), /64-byte signature, got 63/);
  });

  it('a service that hangs: ERR_ESIA_SIGNER after the timeout', async () => {
    mode = 'hang';
    const started = Date.now();
    const err = await failsWith(remote({ timeoutMs: 200 }), /unreachable/);
    expect(err.cause).toMatchObject({ code: 'ERR_OUTBOUND_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a service that does not listen: ERR_ESIA_SIGNER', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await esiaRejection(remote({ url: `http://127.0.0.1:${port}/sign` }).sign(DATA), 'ERR_ESIA_SIGNER');
    expect(err.cause).toMatchObject({ code: 'ERR_OUTBOUND_NETWORK' });
  });
});

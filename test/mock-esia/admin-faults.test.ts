/**
 * mock-esia's own surface: published certificates (JSON and ESIA's zip), key rotation, the clock and
 * the fault switches, through the admin API and through options.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, verify as gostVerify } from '../../gost/index.ts';
import { esiaClientFor, loginAtMock, REDIRECT_URI, startMockEsia, type MockEsiaEnv } from '../helpers/mock-esia.ts';

const ADMIN = 'test-admin-token-0123456789';
let env: MockEsiaEnv;
beforeAll(async () => {
  env = await startMockEsia({ adminToken: ADMIN });
});
afterAll(() => env.close());

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${env.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });

async function tokensFor(target: MockEsiaEnv, persona = 'parent-ivanova') {
  const client = esiaClientFor(target);
  const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI });
  const code = client.parseCallback((await loginAtMock(url, { persona })).searchParams, state).code;
  return { client, code };
}

describe('published certificates and rotation', () => {
  it('publishes its certificates as JSON and as esia.zip', async () => {
    const certs = (await (await fetch(`${env.url}/mock/certs`)).json()) as Record<string, string[]>;
    expect(certs.RS256).toHaveLength(1);
    expect(certs.GOST3410_2012_256).toHaveLength(1);
    expect(parseCertificate(certs.GOST3410_2012_256![0]!).publicKey.kind).toBe('gost');
    const zip = Buffer.from(await (await fetch(`${env.url}/public/esia.zip`)).arrayBuffer());
    const dir = mkdtempSync(join(tmpdir(), 'esiazip-'));
    writeFileSync(join(dir, 'esia.zip'), zip);
    const listing = execFileSync('python3', ['-c', 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print("\\n".join(z.namelist()))', join(dir, 'esia.zip')]).toString();
    expect(listing.trim().split('\n')).toEqual(['ESIA_RSA_mock_1.cer', 'ESIA_GOST2012_mock_1.cer']);
  });

  it('rotates a key: new tokens use the new key, the old certificate stays published', async () => {
    const before = env.app.esia.deps.keys.current('GOST3410_2012_256');
    const response = await admin('/mock/admin/keys/rotate', { method: 'POST', body: JSON.stringify({ alg: 'GOST3410_2012_256' }) });
    expect(response.status).toBe(200);
    const { certificate } = (await response.json()) as { certificate: string };
    const certs = (await (await fetch(`${env.url}/mock/certs`)).json()) as Record<string, string[]>;
    expect(certs.GOST3410_2012_256).toEqual([before.certificatePem, certificate]);
    const { client, code } = await tokensFor(env);
    const tokens = await client.exchangeCode({ code, redirectUri: REDIRECT_URI });
    const [h, p, s] = tokens.accessToken.split('.');
    const newKey = parseCertificate(certificate).publicKey;
    const oldKey = parseCertificate(before.certificatePem).publicKey;
    if (newKey.kind !== 'gost' || oldKey.kind !== 'gost') throw new Error('expected GOST certificates');
    const data = Buffer.from(`${h}.${p}`);
    expect(gostVerify(newKey.key, data, Buffer.from(s!, 'base64url'))).toBe(true);
    expect(gostVerify(oldKey.key, data, Buffer.from(s!, 'base64url'))).toBe(false);
  });
});

describe('admin API', () => {
  it('needs the admin token when one is configured', async () => {
    expect((await fetch(`${env.url}/mock/admin/faults`)).status).toBe(401);
    expect((await fetch(`${env.url}/mock/admin/faults`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await admin('/mock/admin/faults')).status).toBe(200);
  });

  it('validates fault settings and reports what is wrong', async () => {
    const bad = await admin('/mock/admin/faults', { method: 'PUT', body: JSON.stringify({ endpoints: { te: { status: 404 } }, extra: 1 }) });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error_description: string };
    expect(body.error_description).toMatch(/endpoints\.te\.status/);
    expect(body.error_description).toMatch(/Unrecognized key/);
  });

  it('moves the clock', async () => {
    const set = await admin('/mock/admin/clock', { method: 'POST', body: JSON.stringify({ set: '2027-02-28T12:00:00+04:00' }) });
    expect(((await set.json()) as { now: string }).now).toBe('2027-02-28T08:00:00.000Z');
    const moved = await admin('/mock/admin/clock', { method: 'POST', body: JSON.stringify({ advanceSeconds: 86_400 }) });
    expect(((await moved.json()) as { now: string }).now).toBe('2027-03-01T08:00:00.000Z');
    await admin('/mock/admin/clock', { method: 'POST', body: JSON.stringify({ reset: true }) });
    expect(Math.abs(env.app.esia.clock.now().getTime() - Date.now())).toBeLessThan(5_000);
    expect((await admin('/mock/admin/clock', { method: 'POST', body: JSON.stringify({ set: 'tomorrow' }) })).status).toBe(400);
  });
});

describe('fault switches', () => {
  it('answers a 5xx page, malformed JSON, added latency, and clears', async () => {
    await admin('/mock/admin/faults', { method: 'PUT', body: JSON.stringify({ endpoints: { te: { status: 503 } } }) });
    const te = await fetch(`${env.url}/aas/oauth2/v3/te`, { method: 'POST' });
    expect(te.status).toBe(503);
    expect(te.headers.get('content-type')).toMatch(/text\/html/);
    await admin('/mock/admin/faults', { method: 'PUT', body: JSON.stringify({ endpoints: { te: { malformedJson: true } } }) });
    const malformed = await fetch(`${env.url}/aas/oauth2/v3/te`, { method: 'POST' });
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    await admin('/mock/admin/faults', { method: 'PUT', body: JSON.stringify({ endpoints: { logout: { latencyMs: 300 } } }) });
    const started = Date.now();
    await fetch(`${env.url}/idp/ext/Logout`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await admin('/mock/admin/faults', { method: 'DELETE' })).status).toBe(204);
    expect(env.app.esia.faults.settings).toEqual({ endpoints: {}, tokens: {} });
  });

  it('hangs until the client gives up', async () => {
    env.app.esia.faults.set({ endpoints: { ac: { hang: true } } });
    try {
      await expect(fetch(`${env.url}/aas/oauth2/v2/ac`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    } finally {
      env.app.esia.faults.clear();
    }
    expect((await fetch(`${env.url}/aas/oauth2/v2/ac`, { redirect: 'manual' })).status).toBe(400);
  });

  it('issues tokens with a bad signature, already expired, or from an unpublished key', async () => {
    const published = env.app.esia.deps.keys.published('GOST3410_2012_256');
    const verifies = (jwt: string) => {
      const [h, p, s] = jwt.split('.');
      return published.some((k) => k.verify(Buffer.from(`${h}.${p}`), Buffer.from(s!, 'base64url')));
    };
    const exchange = async () => {
      const { code } = await tokensFor(env);
      const text = await (
        await fetch(`${env.url}/aas/oauth2/v3/te`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: await rawExchangeBody(code),
        })
      ).json();
      return text as { access_token: string; id_token: string };
    };
    env.app.esia.faults.set({ tokens: { badSignature: true } });
    let tokens = await exchange();
    expect(verifies(tokens.access_token)).toBe(false);
    env.app.esia.faults.set({ tokens: { rotatedKey: true } });
    tokens = await exchange();
    expect(verifies(tokens.id_token)).toBe(false);
    env.app.esia.faults.set({ tokens: { expired: true } });
    tokens = await exchange();
    expect(verifies(tokens.access_token)).toBe(true);
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    expect(claims.exp).toBeLessThan(Date.now() / 1000);
    env.app.esia.faults.clear();
    tokens = await exchange();
    expect(verifies(tokens.access_token)).toBe(true);
  });

  it('takes initial faults from the options', async () => {
    const faulty = await startMockEsia({ faults: { endpoints: { rs: { status: 502 } } } });
    try {
      expect((await fetch(`${faulty.url}/rs/prns/1000000001`)).status).toBe(502);
    } finally {
      await faulty.close();
    }
  });
});

/** The form the broker's client posts for `code`, captured before it is sent, to post it by hand. */
async function rawExchangeBody(code: string): Promise<string> {
  let captured = '';
  const capturing = esiaClientFor(env, {
    outbound: async (_url, init) => {
      captured = String(init?.body);
      return new Response('{}', { status: 400 });
    },
  });
  await capturing.exchangeCode({ code, redirectUri: REDIRECT_URI }).catch(() => undefined);
  return captured;
}

/**
 * Many instances: two real broker processes (`broker/main.ts` from a config file and the environment,
 * as deployed) on one real Redis, without configured keys, behind one public address. A login starts
 * on A (discovery, authorization, the role page, the way to ESIA) and finishes on B (the ESIA
 * callback, the end of the interaction, the token exchange); userinfo then goes to A. The id token B
 * signed verifies against the JWKS A serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { Redis } from 'ioredis';
import { buildJournalSeed } from '../../fixtures/journal-seed.ts';
import { writeRosterFixture } from '../../adapters/roster/fixture.ts';
import { freePort, startRedisServer } from '../store/redis-server.ts';
import { ScriptedBrowser, startMockEsia, type MockEsiaEnv } from '../helpers/mock-esia.ts';
import { CLIENT_ID, CLIENT_SECRET, csrfOf, follow, JOURNAL_ID, passEsia, RP_REDIRECT, startAuthorization } from '../helpers/broker.ts';
import { startSwitchProxy, type SwitchProxy } from './switch-proxy.ts';
import { SERVICE_NODE_FLAGS } from '../../core/heap.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface BrokerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
}

/** Runs `tsx [nodeFlags] broker/main.ts` and waits for its "broker listening" line. */
async function startBrokerProcess(env: Record<string, string>, nodeFlags: readonly string[]): Promise<BrokerProcess> {
  const port = await freePort();
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [...nodeFlags, 'broker/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"broker listening"')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}:\n${output}`)));
  });
  await Promise.race([listening, new Promise((_, reject) => setTimeout(() => reject(new Error(`broker did not start:\n${output}`)), 45_000))]);
  return { url: `http://127.0.0.1:${port}`, child, output: () => output };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('two broker processes on one Redis', () => {
  let redisServer: ChildProcess | undefined;
  let redisPort: number;
  let esia: MockEsiaEnv;
  let proxy: SwitchProxy;
  let a: BrokerProcess;
  let b: BrokerProcess;

  beforeAll(async () => {
    redisPort = await freePort();
    redisServer = await startRedisServer(redisPort);
    esia = await startMockEsia();
    const dir = mkdtempSync(join(tmpdir(), 'two-instances-'));
    const seed = buildJournalSeed(esia.app.esia.deps.personasAnchor);
    const { config: roster } = await writeRosterFixture(dir, seed, 'json');

    // Both instances answer at the proxy's address: its port is known before they start.
    const upstreams: Record<string, string> = {};
    proxy = await startSwitchProxy(upstreams, 'A');
    const configFile = join(dir, 'broker.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        broker: {
          clients: [{ clientId: CLIENT_ID, name: 'Электронный журнал (демо)', clientSecret: CLIENT_SECRET, redirectUris: [RP_REDIRECT], journal: JOURNAL_ID }],
        },
        journals: [{ type: 'roster', id: JOURNAL_ID, name: 'Электронный журнал (демо)', config: roster }],
        esia: {
          environment: 'custom',
          baseUrl: esia.url,
          mnemonic: esia.system.mnemonic,
          signer: { type: 'software', privateKey: esia.system.privateKeyPem, certificate: esia.system.certificatePem },
          pinnedCertificates: esia.app.esia.deps.keys.published().map((k) => k.certificatePem),
        },
      }),
    );
    const env = { CONFIG_FILE: configFile, REDIS_URL: `redis://127.0.0.1:${redisPort}`, PUBLIC_URL: proxy.url };
    // A is started as the image starts it; B without the service's Node flags, which only costs CPU.
    [a, b] = await Promise.all([startBrokerProcess(env, SERVICE_NODE_FLAGS), startBrokerProcess(env, [])]);
    upstreams.A = a.url;
    upstreams.B = b.url;
  }, 90_000);

  afterAll(async () => {
    await Promise.all([stop(a?.child), stop(b?.child)]);
    await proxy?.close();
    await esia?.close();
    await stop(redisServer);
  });

  it('warns at start when Node was not given the flags the broker is tuned for', () => {
    const warning = 'node was started without the flags the broker is tuned for';
    expect(a.output()).not.toContain(warning);
    expect(b.output()).toContain(warning);
    expect(b.output()).toContain(SERVICE_NODE_FLAGS[0]);
  });

  it('starts a login on one instance and finishes it on the other', async () => {
    expect(a.child.pid).not.toBe(b.child.pid);
    const browser = new ScriptedBrowser();

    // On A: discovery, the authorization request, the role page and the way to ESIA.
    proxy.use('A');
    const nonce = oidc.randomNonce();
    const { config, verifier, state, url } = await startAuthorization({ url: proxy.url }, { nonce });
    const rolePage = await follow(browser, url);
    const html = await rolePage.response.text();
    expect(html).toContain('Родитель');
    const toEsia = await browser.post(new URL(`${new URL(rolePage.url).pathname}/role`, proxy.url).toString(), { csrf: csrfOf(html), role: 'parent' });
    expect(new URL(toEsia.headers.get('location')!).origin).toBe(esia.url);
    const onA = proxy.served.length;

    // On B: the ESIA callback (its state written by A), which finishes the interaction and answers with the code.
    proxy.use('B');
    const back = await passEsia(browser, toEsia.headers.get('location')!, 'parent-ivanova');
    expect(back.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe('p-1001');
    expect(claims.iss).toBe(proxy.url);

    const servedA = proxy.served.slice(0, onA);
    const servedB = proxy.served.slice(onA);
    expect(servedA.every((r) => r.upstream === 'A')).toBe(true);
    expect(servedA.map((r) => r.path)).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/auth', expect.stringMatching(/^\/interaction\/[^/]+\/role$/)]));
    expect(servedB.every((r) => r.upstream === 'B')).toBe(true);
    expect(servedB.map((r) => r.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/interaction\/[^/]+\/esia$/), '/token']));

    // The id token B signed verifies against the keys A publishes (straight from A, not via the proxy).
    const jwksOfA = createRemoteJWKSet(new URL(`${a.url}/jwks`));
    const verified = await jwtVerify(tokens.id_token!, jwksOfA, { issuer: proxy.url, audience: CLIENT_ID });
    expect(verified.payload.sub).toBe('p-1001');
    const jwksA = await (await fetch(`${a.url}/jwks`)).json();
    const jwksB = await (await fetch(`${b.url}/jwks`)).json();
    expect(jwksA).toEqual(jwksB);

    // On A again: userinfo with B's access token.
    proxy.use('A');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, 'p-1001');
    expect(info).toMatchObject({ sub: 'p-1001', role: 'parent', institution: { id: 'school-1' } });
    expect(proxy.served.at(-1)).toMatchObject({ upstream: 'A', path: '/me' });

    // The state lives in the one Redis, none of it in either process.
    const redis = new Redis({ port: redisPort, host: '127.0.0.1' });
    try {
      const keys = await redis.keys('esia-broker:*');
      expect(keys).toEqual(expect.arrayContaining(['esia-broker:broker-keys:signing', 'esia-broker:broker-keys:cookie']));
      expect(keys.some((k) => k.includes('Session'))).toBe(true);
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});

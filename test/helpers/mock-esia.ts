/**
 * Test helpers: a real mock-esia on an ephemeral port, a development system registered at it, the
 * broker's real ESIA client pointed at it, and a scripted browser that goes through the mock's login
 * and consent pages over HTTP.
 */
import { listen } from '../../core/listen.ts';
import type { MockEsiaClientInput } from '../../config/schema.ts';
import { createMockEsia, type MockEsiaApp, type MockEsiaOptions } from '../../mock-esia/app.ts';
import { createDevSystem, devSystemRegistration, type DevSystem } from '../../mock-esia/demo-system.ts';
import { EsiaClient, type EsiaClientOptions } from '../../broker/esia/client.ts';
import { createSoftwareSigner } from '../../broker/esia/signer.ts';
import { createTokenVerifier } from '../../broker/esia/verifier.ts';
import { createOutbound } from '../../core/outbound.ts';
import { issuerFor } from '../../broker/esia/protocol.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9999/esia/callback';

export interface MockEsiaEnv {
  readonly app: MockEsiaApp;
  readonly url: string;
  readonly system: DevSystem;
  close(): Promise<void>;
}

let sharedSystem: DevSystem | undefined;
/** One development system per test process (key generation is cheap, but this keeps runs steady). */
export function testSystem(): DevSystem {
  sharedSystem ??= createDevSystem('TEST-SYSTEM');
  return sharedSystem;
}

export async function startMockEsia(
  options: Partial<MockEsiaOptions> & { client?: Partial<MockEsiaClientInput>; system?: DevSystem } = {},
): Promise<MockEsiaEnv> {
  const system = options.system ?? testSystem();
  const { server, url, close } = await listen(0);
  const { client, system: _system, ...rest } = options;
  const app = createMockEsia({
    baseUrl: url,
    clients: [devSystemRegistration(system, client)],
    log: () => {},
    ...rest,
  });
  server.on('request', app.callback());
  return {
    app,
    url,
    system,
    close,
  };
}

/** The broker's ESIA client for this mock, pinned to the mock's published certificates. */
export function esiaClientFor(env: MockEsiaEnv, overrides: Partial<EsiaClientOptions> = {}): EsiaClient {
  const keys = env.app.esia.deps.keys.published();
  return new EsiaClient({
    baseUrl: env.url,
    mnemonic: env.system.mnemonic,
    signer: createSoftwareSigner({ privateKeyPem: env.system.privateKeyPem, certificatePem: env.system.certificatePem }),
    verifier: createTokenVerifier({
      pinnedCertificates: keys.map((k) => k.certificatePem),
      issuer: issuerFor(env.url),
      clientId: env.system.mnemonic,
      clock: () => env.app.esia.clock.now(),
    }),
    outbound: createOutbound({ timeoutMs: 5_000, retries: 0 }),
    scopes: ['openid', 'fullname', 'birthdate', 'gender', 'snils', 'id_doc'],
    clock: () => env.app.esia.clock.now(),
    ...overrides,
  });
}

/** A minimal browser: a cookie jar (by cookie name and path, as browsers send them) and manual redirects. */
export class ScriptedBrowser {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const path = new URL(url).pathname;
    const sent = [...this.cookies]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([key, c]) => `${key.slice(0, key.indexOf('|'))}=${c.value}`);
    if (sent.length) headers.set('cookie', sent.join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const pathAttr = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='));
      const cookiePath = pathAttr ? pathAttr.slice(5) : '/';
      const key = `${name}|${cookiePath}`;
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(key);
      else this.cookies.set(key, { value, path: cookiePath });
    }
    return response;
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }
}

function location(response: Response, base: string): string {
  const to = response.headers.get('location');
  if (!to) throw new Error(`expected a redirect, got HTTP ${response.status}`);
  return new URL(to, base).toString();
}

/**
 * Goes from an authorization URL through the mock's login (as `persona`) and consent pages, and
 * returns the URL the browser is finally sent to (the system's redirect_uri with code or error).
 */
export async function loginAtMock(
  authorizationUrl: string,
  options: { persona: string; decision?: 'allow' | 'deny'; browser?: ScriptedBrowser },
): Promise<URL> {
  const browser = options.browser ?? new ScriptedBrowser();
  const base = new URL(authorizationUrl).origin;
  let response = await browser.request(authorizationUrl);
  let next = location(response, base);
  if (new URL(next).pathname === '/login') {
    const req = new URL(next).searchParams.get('req')!;
    response = await browser.post(`${base}/login`, { req, persona: options.persona });
    next = location(response, base);
  }
  if (new URL(next).pathname === '/consent') {
    const req = new URL(next).searchParams.get('req')!;
    response = await browser.post(`${base}/consent`, { req, decision: options.decision ?? 'allow' });
    next = location(response, base);
  }
  return new URL(next);
}

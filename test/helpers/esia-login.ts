/**
 * Test helpers for the ESIA client's integration tests: a whole login at mock-esia up to the code or
 * the tokens, the typed error a call fails with, and a fetch that records requests before passing
 * them to the real global fetch (to prove retries happened, or did not).
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'vitest';
import type { EsiaClient, EsiaTokenSet, AuthorizationRequest } from '../../broker/esia/client.ts';
import { EsiaError, type EsiaErrorCode } from '../../broker/esia/errors.ts';
import { createSelfSignedCertificate, exportGostPrivateKeyPem, generateKeyPair } from '../../gost/index.ts';
import type { MockEsiaOptions } from '../../mock-esia/app.ts';
import { loginAtMock, REDIRECT_URI } from './mock-esia.ts';

let signingKeys: MockEsiaOptions['signingKeys'];
/**
 * ESIA signing keys (RSA and GOST) made once per test process, for mocks whose keys do not matter:
 * `startMockEsia({ signingKeys: sharedSigningKeys() })` skips generating an RSA key per mock.
 */
export function sharedSigningKeys(): NonNullable<MockEsiaOptions['signingKeys']> {
  if (!signingKeys) {
    const validity = { notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000) };
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const gost = generateKeyPair().privateKey;
    signingKeys = {
      RS256: {
        privateKeyPem: rsa.export({ format: 'pem', type: 'pkcs8' }).toString(),
        certificatePem: createSelfSignedCertificate({ subject: { commonName: 'ESIA RSA (shared test key)' }, key: { kind: 'rsa', privateKey: rsa }, ...validity }).pem,
      },
      GOST3410_2012_256: {
        privateKeyPem: exportGostPrivateKeyPem(gost),
        certificatePem: createSelfSignedCertificate({ subject: { commonName: 'ESIA GOST (shared test key)' }, key: { kind: 'gost', privateKey: gost }, ...validity }).pem,
      },
    };
  }
  return signingKeys;
}

export interface LoginOptions extends Partial<AuthorizationRequest> {
  persona?: string;
}

/** Authorization URL → mock's login and consent → the callback URL the browser lands on. */
export async function callbackFor(client: EsiaClient, options: LoginOptions = {}): Promise<{ callback: URL; state: string; url: string }> {
  const { persona = 'parent-ivanova', ...request } = options;
  const { url, state } = await client.buildAuthorizationUrl({ redirectUri: REDIRECT_URI, ...request });
  const callback = await loginAtMock(url, { persona });
  return { callback, state, url };
}

/** A fresh authorization code for `persona`. */
export async function codeFor(client: EsiaClient, options: LoginOptions = {}): Promise<string> {
  const { callback, state } = await callbackFor(client, options);
  return client.parseCallback(callback.searchParams, state).code;
}

/** A whole login: code, then tokens. */
export async function loginTokens(client: EsiaClient, options: LoginOptions = {}): Promise<EsiaTokenSet> {
  const code = await codeFor(client, options);
  return client.exchangeCode({ code, redirectUri: options.redirectUri ?? REDIRECT_URI, scopes: options.scopes });
}

/** The EsiaError `promise` rejects with (fails if it resolves or rejects with anything else). */
export async function esiaRejection(promise: Promise<unknown>, code?: EsiaErrorCode): Promise<EsiaError> {
  const err = await promise.then(
    (value) => {
      throw new Error(`expected an EsiaError${code ? ` ${code}` : ''}, got a result: ${String(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EsiaError);
  if (code) expect((err as EsiaError).code).toBe(code);
  expect((err as EsiaError).cause).toBeDefined();
  return err as EsiaError;
}

/** The EsiaError `fn` throws. */
export function esiaThrown(fn: () => unknown, code?: EsiaErrorCode): EsiaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EsiaError);
    if (code) expect((err as EsiaError).code).toBe(code);
    return err as EsiaError;
  }
  throw new Error(`expected an EsiaError${code ? ` ${code}` : ''}, nothing was thrown`);
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status?: number;
}

/** The real global fetch, recording every request (method, path, status) it passes on. */
export function recordingFetch(onResponse?: (request: RecordedRequest) => void): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    try {
      const response = await fetch(input, init);
      const entry = { method, path: url.pathname, status: response.status };
      requests.push(entry);
      onResponse?.(entry);
      return response;
    } catch (err) {
      requests.push({ method, path: url.pathname });
      throw err;
    }
  };
  return { fetch: recording, requests };
}

/** The JOSE header and claims of a compact JWS, unverified (for assertions on what ESIA sent). */
export function decodeJwt(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

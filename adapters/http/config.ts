/**
 * Configuration of an HTTP adapter: a journal that implements the REST contract in `openapi.json`.
 * The broker authenticates either with a signed client assertion per request or with a TLS client
 * certificate. Keys are checked when the config is parsed, so a wrong key fails at start, with its
 * key path, not at the first login. Unknown keys are rejected.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';

const pemIncluding = (marker: string, what: string) => z.string().includes(marker, { message: `expected ${what} (PEM)` });

/** A signed client assertion (`Authorization: Bearer <JWT>`) on every request. */
export const httpJwtAuthSchema = z
  .object({
    type: z.literal('jwt'),
    /** The broker's client id at this journal: the assertions' `iss` and `sub`. */
    clientId: z.string().min(1),
    /** The signing key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). The journal gets the public half as a JWK Set. */
    privateKeyPem: pemIncluding('-----BEGIN PRIVATE KEY-----', 'a PKCS#8 private key'),
    /** `ES256` (an EC P-256 key) or `RS256` (an RSA key of 2048 bits or more). */
    alg: z.enum(['ES256', 'RS256']),
    /** The key's id in the JWK Set the journal was given; sent as the assertion's `kid`. */
    kid: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const problem = signingKeyProblem(auth.privateKeyPem, auth.alg);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['privateKeyPem'] });
  });

/** Mutual TLS: the broker presents a client certificate; requests carry no assertion. */
export const httpMtlsAuthSchema = z
  .object({
    type: z.literal('mtls'),
    /** The broker's client certificate (PEM; intermediates may follow it). */
    certPem: pemIncluding('-----BEGIN CERTIFICATE-----', 'a certificate'),
    /** Its private key (PEM). */
    keyPem: pemIncluding('PRIVATE KEY-----', 'a private key'),
    /** CA certificates that issued the journal's server certificate; default: the system's trusted CAs. */
    caPem: pemIncluding('-----BEGIN CERTIFICATE-----', 'CA certificates').optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const problem = clientCertificateProblem(auth.certPem, auth.keyPem);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [problem.startsWith('key') ? 'keyPem' : 'certPem'] });
  });

export const httpConfigSchema = z
  .object({
    /**
     * The journal's API base URL, e.g. `https://journal.example.ru/esia-broker/v1`; the assertions'
     * `aud`. A trailing slash is dropped. Plain `http:` is for development only.
     */
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .transform((url) => url.replace(/\/+$/, ''))
      .refine((url) => !/[?#]/.test(url), 'a base URL without query or fragment'),
    auth: z.discriminatedUnion('type', [httpJwtAuthSchema, httpMtlsAuthSchema]),
    /** Per-request time limit, milliseconds. */
    timeoutMs: z.number().int().positive().max(120_000).default(5_000),
  })
  .strict()
  .refine((c) => c.auth.type !== 'mtls' || c.baseUrl.startsWith('https:'), {
    message: 'mutual TLS needs an https base URL',
    path: ['baseUrl'],
  });

export type HttpAdapterConfig = z.infer<typeof httpConfigSchema>;
export type HttpAdapterConfigInput = z.input<typeof httpConfigSchema>;
export type HttpJwtAuth = z.infer<typeof httpJwtAuthSchema>;
export type HttpMtlsAuth = z.infer<typeof httpMtlsAuthSchema>;

function signingKeyProblem(pem: string, alg: 'ES256' | 'RS256'): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return 'not a readable private key';
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (alg === 'ES256' && !(key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1')) {
    return 'ES256 needs an EC P-256 key';
  }
  if (alg === 'RS256' && !(key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048)) {
    return 'RS256 needs an RSA key of at least 2048 bits';
  }
  return undefined;
}

function clientCertificateProblem(certPem: string, keyPem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return 'keyPem is not a readable private key';
  }
  try {
    return new X509Certificate(certPem).checkPrivateKey(key) ? undefined : 'certPem does not belong to keyPem';
  } catch {
    return 'certPem is not a readable certificate';
  }
}

/**
 * Linking started by the journal: its «Привязать учётную запись Госуслуг» button (in the logged-in
 * person's settings) sends the browser to `GET /link?request=<JWT>`. The request is signed by the
 * journal (its registered keys, or HS256 with its client secret), lives at most five minutes, is single
 * use (`jti`), names the journal's client (`iss`), the broker (`aud`), the account (`sub`) and a return
 * URL registered for that client (`return_uri`). The person logs in at ESIA; the broker links (or
 * refuses) and sends the browser back to `return_uri?result=<JWT>`, a result signed by the broker:
 * `status` is `linked`, `already_linked`, `linked_to_another_person` or `refused` (`reason` says why).
 */
import { createSecretKey, randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { z } from 'zod';
import type { OidcClientConfig } from '../../config/broker.ts';

const MAX_AGE_SECONDS = 300;

export const linkRequestClaimsSchema = z
  .object({
    iss: z.string(),
    aud: z.union([z.string(), z.array(z.string())]),
    sub: z.string().min(1).max(128),
    jti: z.string().min(16).max(128),
    iat: z.number(),
    exp: z.number(),
    return_uri: z.url(),
  })
  .loose();
export type LinkRequest = z.infer<typeof linkRequestClaimsSchema>;

export type LinkRequestProblem = 'malformed' | 'unknown_client' | 'bad_signature' | 'expired' | 'too_long' | 'return_uri' | 'replayed' | 'unbound_client';

/** Verifies a link request; `useJti` marks its id used (atomically) and says whether it was new. */
export async function verifyLinkRequest(
  token: string,
  input: {
    issuer: string;
    clients: ReadonlyMap<string, OidcClientConfig>;
    useJti: (clientId: string, jti: string, ttlSeconds: number) => Promise<boolean>;
    clock: () => Date;
  },
): Promise<{ ok: true; request: LinkRequest; client: OidcClientConfig } | { ok: false; problem: LinkRequestProblem }> {
  let clientId: string | undefined;
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    clientId = typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const client = clientId ? input.clients.get(clientId) : undefined;
  if (!client) return { ok: false, problem: 'unknown_client' };
  if (!client.journal) return { ok: false, problem: 'unbound_client' };
  let payload: unknown;
  try {
    const options = { issuer: client.clientId, audience: input.issuer, currentDate: input.clock(), clockTolerance: 30 };
    if (client.jwks) {
      ({ payload } = await jwtVerify(token, createLocalJWKSet(client.jwks as JSONWebKeySet), { ...options, algorithms: ['ES256', 'RS256'] }));
    } else if (client.clientSecret) {
      ({ payload } = await jwtVerify(token, createSecretKey(Buffer.from(client.clientSecret, 'utf8')), { ...options, algorithms: ['HS256'] }));
    } else {
      return { ok: false, problem: 'bad_signature' };
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, problem: code === 'ERR_JWT_EXPIRED' ? 'expired' : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' ? 'malformed' : 'bad_signature' };
  }
  const parsed = linkRequestClaimsSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, problem: 'malformed' };
  const request = parsed.data;
  if (request.exp - request.iat > MAX_AGE_SECONDS) return { ok: false, problem: 'too_long' };
  if (!client.linkReturnUris.includes(request.return_uri)) return { ok: false, problem: 'return_uri' };
  if (!(await input.useJti(client.clientId, request.jti, MAX_AGE_SECONDS + 60))) return { ok: false, problem: 'replayed' };
  return { ok: true, request, client };
}

export type LinkResultStatus = 'linked' | 'already_linked' | 'linked_to_another_person' | 'refused';

/** The broker's signed answer to the journal. */
export async function signLinkResult(input: {
  issuer: string;
  clientId: string;
  accountId: string;
  status: LinkResultStatus;
  reason?: string;
  signingJwk: JWK & { kid: string; alg: string };
  clock: () => Date;
}): Promise<string> {
  const key = await importJWK(input.signingJwk, input.signingJwk.alg);
  const now = Math.floor(input.clock().getTime() / 1000);
  return new SignJWT({ status: input.status, ...(input.reason ? { reason: input.reason } : {}) })
    .setProtectedHeader({ alg: input.signingJwk.alg, kid: input.signingJwk.kid, typ: 'link-result+jwt' })
    .setIssuer(input.issuer)
    .setAudience(input.clientId)
    .setSubject(input.accountId)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .setJti(randomUUID())
    .sign(key);
}

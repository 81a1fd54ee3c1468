/**
 * Verifies the broker's client assertions as the contract asks a journal to: signature with a key of
 * the broker's JWK Set (ES256 or RS256 only), `iss` = `sub` = the broker's client id, `aud` = the API
 * base URL, not expired, at most 60 s between `iat` and `exp`, and a `jti` never seen before within
 * its lifetime.
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';

/** The contract's longest assertion lifetime, seconds. */
export const MAX_ASSERTION_TTL_SECONDS = 60;
/** Remembered `jti`s at most (the oldest are forgotten first beyond this). */
const MAX_REMEMBERED = 100_000;

export interface AssertionVerifierOptions {
  readonly jwks: JSONWebKeySet | undefined;
  readonly clientId: string;
  readonly audience: string;
  readonly clock: () => Date;
  /** Accepted clock difference, seconds. */
  readonly toleranceSeconds: number;
}

export type AssertionCheck = { ok: true } | { ok: false; reason: string };

export type AssertionVerifier = (token: string) => Promise<AssertionCheck>;

export function createAssertionVerifier(options: AssertionVerifierOptions): AssertionVerifier {
  const keys = options.jwks?.keys.length ? createLocalJWKSet(options.jwks) : undefined;
  /** `jti` → when it may be forgotten (ms). Insertion order is roughly expiry order. */
  const seen = new Map<string, number>();

  const forgetExpired = (now: number) => {
    for (const [jti, until] of seen) {
      if (until > now && seen.size <= MAX_REMEMBERED) break;
      seen.delete(jti);
    }
  };

  return async (token) => {
    if (!keys) return { ok: false, reason: 'no broker keys are configured' };
    const now = options.clock();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['ES256', 'RS256'],
        issuer: options.clientId,
        subject: options.clientId,
        audience: options.audience,
        maxTokenAge: MAX_ASSERTION_TTL_SECONDS,
        clockTolerance: options.toleranceSeconds,
        currentDate: now,
        requiredClaims: ['exp', 'iat', 'jti'],
      }));
    } catch (err) {
      return { ok: false, reason: err instanceof errors.JOSEError ? `${err.code}: ${err.message}` : 'not a JWT' };
    }
    const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
    if (exp - iat > MAX_ASSERTION_TTL_SECONDS) return { ok: false, reason: `exp is more than ${MAX_ASSERTION_TTL_SECONDS} s after iat` };
    if (typeof jti !== 'string' || !jti || jti.length > 256) return { ok: false, reason: 'jti must be a string of 1 to 256 characters' };
    forgetExpired(now.getTime());
    if (seen.has(jti)) return { ok: false, reason: 'jti already used (a replayed assertion)' };
    seen.set(jti, (exp + options.toleranceSeconds) * 1000);
    return { ok: true };
  };
}

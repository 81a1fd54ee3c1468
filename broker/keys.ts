/**
 * The broker's own keys: token-signing keys (a JWK Set for oidc-provider; the first key signs, all are
 * published so rotation breaks nothing) and cookie-signing keys. In development both may be generated
 * at start, with one clear warning; production refuses that (the config loader's caller checks).
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, createHash, type KeyObject } from 'node:crypto';

export interface SigningJwk {
  readonly kty: string;
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
  readonly use: 'sig';
  readonly [member: string]: unknown;
}

function algFor(key: KeyObject): 'ES256' | 'RS256' {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
  throw new Error('signing keys must be EC P-256 (ES256) or RSA of at least 2048 bits (RS256)');
}

/** A private JWK with a stable `kid` (a thumbprint-like hash of the public part). */
export function signingJwkFromPem(pem: string): SigningJwk {
  const key = createPrivateKey(pem);
  const alg = algFor(key);
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const publicPart = alg === 'ES256' ? `${jwk.crv}.${jwk.x}.${jwk.y}` : `${jwk.e}.${jwk.n}`;
  const kid = createHash('sha256').update(publicPart).digest('base64url').slice(0, 16);
  return { ...jwk, kty: String(jwk.kty), kid, alg, use: 'sig' };
}

export interface BrokerKeys {
  readonly jwks: { keys: SigningJwk[] };
  readonly cookieKeys: string[];
  /** What was generated because the config had none (development only). */
  readonly generated: ReadonlyArray<'signing' | 'cookie'>;
}

/** Loads configured keys, generating missing ones (the caller refuses that in production). */
export function loadBrokerKeys(config: { signingKeys: readonly string[]; cookieKeys: readonly string[] }): BrokerKeys {
  const generated: Array<'signing' | 'cookie'> = [];
  let signing = config.signingKeys.map(signingJwkFromPem);
  if (!signing.length) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    signing = [signingJwkFromPem(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())];
    generated.push('signing');
  }
  let cookieKeys = [...config.cookieKeys];
  if (!cookieKeys.length) {
    cookieKeys = [randomBytes(32).toString('base64url')];
    generated.push('cookie');
  }
  return { jwks: { keys: signing }, cookieKeys, generated };
}

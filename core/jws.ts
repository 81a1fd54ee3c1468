/**
 * Compact JWS signing with node:crypto, for the JWTs the broker signs on every login (the journal
 * API's client assertions): synchronous and about a tenth of the CPU of jose's WebCrypto path, which
 * queues each signature on the thread pool behind a promise. Only ES256 (P-256, raw r || s) and RS256.
 * Verification stays with jose.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

export type JwsAlg = 'ES256' | 'RS256';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A signer for one private key (PKCS#8 PEM): returns `header.payload.signature`. */
export function createJwsSigner(privateKeyPem: string, alg: JwsAlg): (header: Record<string, unknown>, claims: Record<string, unknown>) => string {
  const key: KeyObject = createPrivateKey(privateKeyPem);
  const options = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  return (header, claims) => {
    const input = `${b64url({ ...header, alg })}.${b64url(claims)}`;
    return `${input}.${sign('sha256', Buffer.from(input), options).toString('base64url')}`;
  };
}

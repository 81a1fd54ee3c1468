/**
 * Checks a request's `client_secret` as ESIA does. v2/v3: a raw 64-byte GOST R 34.10-2012 signature
 * (base64url, unpadded) of the v2 signed string, verified with the system certificate that
 * `client_certificate_hash` picks. v1: a detached CMS SignedData whose certificate must be registered.
 */
import { timingSafeEqual } from 'node:crypto';
import { verify as gostVerify, verifyDetachedSignature, parseCertificate, certificateHash, type GostPublicKey } from '../gost/index.ts';
import { EsiaProtocolError } from './errors.ts';

/** A registered system certificate, parsed once. */
export interface RegisteredCertificate {
  readonly der: Uint8Array;
  /** Streebog-256 of the DER bytes, 64 upper-case hex characters. */
  readonly hash: string;
  readonly gostKey?: GostPublicKey;
}

export function registerCertificate(pem: string): RegisteredCertificate {
  const cert = parseCertificate(pem);
  return {
    der: cert.der,
    hash: certificateHash(cert.der),
    gostKey: cert.publicKey.kind === 'gost' ? cert.publicKey.key : undefined,
  };
}

const BASE64URL_SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

/** v2/v3 check; throws 007002 when the system has no certificate, 007053 for anything else wrong. */
export function verifyRawClientSecret(
  secret: string,
  signedString: string,
  certificateHashParam: string,
  certificates: readonly RegisteredCertificate[],
): void {
  if (!certificates.length) throw new EsiaProtocolError('ESIA-007002');
  const cert = certificates.find((c) => c.hash === certificateHashParam);
  if (!cert?.gostKey) throw new EsiaProtocolError('ESIA-007053');
  if (!BASE64URL_SIGNATURE.test(secret)) throw new EsiaProtocolError('ESIA-007053');
  const signature = Buffer.from(secret, 'base64url');
  if (signature.length !== 64 || !gostVerify(cert.gostKey, Buffer.from(signedString, 'utf8'), signature)) {
    throw new EsiaProtocolError('ESIA-007053');
  }
}

/** v1 check: a detached CMS over the v1 string, signed by a registered certificate. */
export function verifyCmsClientSecret(
  secret: string,
  signedString: string,
  certificates: readonly RegisteredCertificate[],
): void {
  if (!certificates.length) throw new EsiaProtocolError('ESIA-007002');
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(secret)) throw new EsiaProtocolError('ESIA-007053');
  const result = verifyDetachedSignature(Buffer.from(secret, 'base64url'), Buffer.from(signedString, 'utf8'));
  if (!result.ok) throw new EsiaProtocolError('ESIA-007053');
  const signer = result.certificate.der;
  const registered = certificates.some((c) => c.der.length === signer.length && timingSafeEqual(c.der, signer));
  if (!registered) throw new EsiaProtocolError('ESIA-007002');
}

/** The v2 authorization string: `client_id + scope [+ scope_org] + timestamp + state + redirect_uri`. */
export function v2AuthorizationString(p: {
  clientId: string;
  scope: string;
  scopeOrg?: string;
  timestamp: string;
  state: string;
  redirectUri: string;
}): string {
  return p.clientId + p.scope + (p.scopeOrg ?? '') + p.timestamp + p.state + p.redirectUri;
}

/** The v1 string: `scope + timestamp + client_id + state`. */
export function v1String(p: { scope: string; timestamp: string; clientId: string; state: string }): string {
  return p.scope + p.timestamp + p.clientId + p.state;
}

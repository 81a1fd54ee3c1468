/**
 * The signing seam. ESIA wants the system's `client_secret` signed with its GOST key: v2/v3 a raw
 * GOST R 34.10-2012 signature of the Streebog-256 hash (64 bytes in the order OpenSSL's gost engine
 * emits), v1 a detached CMS. Production signing usually runs in certified crypto, so this is an
 * interface with several implementations: software, OpenSSL, CryptoPro, a remote signing service.
 */
import {
  certificateHash,
  createDetachedSignature,
  derivePublicKey,
  parseCertificate,
  parseGostPrivateKey,
  sign as gostSign,
} from '../../gost/index.ts';
import { EsiaError } from './errors.ts';

export interface Signer {
  /** A short name for logs and metrics. */
  readonly kind: string;
  /** DER of the system certificate whose key signs. */
  readonly certificate: Uint8Array;
  /** Raw signature of Streebog-256(data): 64 bytes, in ESIA's order. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Detached CMS SignedData over data (the v1 protocol), where the signer supports it. */
  signDetached?(data: Uint8Array): Promise<Uint8Array>;
}

/** `client_certificate_hash` of a signer: computed from its certificate, never typed in. */
export function signerCertificateHash(signer: Signer): string {
  return certificateHash(signer.certificate);
}

/** Wraps any failure of a signer as ERR_ESIA_SIGNER. */
export function signerError(kind: string, message: string, cause: unknown): EsiaError {
  return new EsiaError('ERR_ESIA_SIGNER', `${kind} signer: ${message}`, { cause });
}

/** Checks a signer's output: exactly 64 bytes. */
export function expectRawSignature(kind: string, signature: Uint8Array): Uint8Array {
  if (signature.length !== 64) throw signerError(kind, `expected a 64-byte signature, got ${signature.length} bytes`, signature.length);
  return signature;
}

export interface SoftwareSignerOptions {
  /** PKCS#8 PEM of the GOST R 34.10-2012 256-bit key. */
  privateKeyPem: string;
  /** The system certificate (PEM). */
  certificatePem: string;
}

/** Pure-software GOST signing: development, tests, the mock, and regions without certified crypto rules. */
export function createSoftwareSigner(options: SoftwareSignerOptions): Signer {
  const privateKey = parseGostPrivateKey(options.privateKeyPem);
  const cert = parseCertificate(options.certificatePem);
  if (cert.publicKey.kind !== 'gost') throw signerError('software', 'the certificate is not a GOST certificate', cert.signatureAlgorithmOid);
  const pub = derivePublicKey(privateKey);
  if (pub.x !== cert.publicKey.key.x || pub.y !== cert.publicKey.key.y) {
    throw signerError('software', 'the private key does not match the certificate', 'key mismatch');
  }
  return {
    kind: 'software',
    certificate: cert.der,
    sign: async (data) => gostSign(privateKey, data),
    signDetached: async (data) => createDetachedSignature({ content: data, certificate: cert, privateKey }),
  };
}

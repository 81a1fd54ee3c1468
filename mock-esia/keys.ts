/**
 * mock-esia's token-signing keys, one ring per algorithm. Like ESIA it publishes its certificates
 * (`/public/esia.zip`, `/mock/certs`) and can rotate them: a rotation adds a new current key and keeps
 * the old certificate published, so clients that pin several certificates keep working.
 */
import { generateKeyPairSync, createPrivateKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import {
  DEFAULT_CURVE,
  generateKeyPair,
  sign as gostSign,
  verify as gostVerify,
  parseGostPrivateKey,
  derivePublicKey,
  createSelfSignedCertificate,
  parseCertificate,
  type GostPrivateKey,
} from '../gost/index.ts';

export type TokenAlg = 'RS256' | 'GOST3410_2012_256';

/** One signing key with its published certificate. */
export interface SigningKey {
  readonly alg: TokenAlg;
  readonly certificatePem: string;
  readonly certificateDer: Uint8Array;
  readonly createdAt: Date;
  sign(data: Uint8Array): Uint8Array;
  verify(data: Uint8Array, signature: Uint8Array): boolean;
}

/** A key supplied in the options: PKCS#8 private key PEM and its certificate PEM. */
export interface SuppliedKey {
  privateKeyPem: string;
  certificatePem: string;
}

function rsaKey(privateKey: KeyObject, certificatePem: string, createdAt: Date): SigningKey {
  const cert = parseCertificate(certificatePem);
  if (cert.publicKey.kind !== 'rsa') throw new Error('RS256 key needs an RSA certificate');
  const publicKey = cert.publicKey.key;
  return {
    alg: 'RS256',
    certificatePem,
    certificateDer: cert.der,
    createdAt,
    sign: (data) => nodeSign('sha256', data, privateKey),
    verify: (data, signature) => nodeVerify('sha256', data, publicKey, signature),
  };
}

function gostKey(privateKey: GostPrivateKey, certificatePem: string, createdAt: Date): SigningKey {
  const cert = parseCertificate(certificatePem);
  if (cert.publicKey.kind !== 'gost') throw new Error('GOST key needs a GOST certificate');
  const publicKey = cert.publicKey.key;
  const derived = derivePublicKey(privateKey);
  if (derived.x !== publicKey.x || derived.y !== publicKey.y) throw new Error('GOST key does not match its certificate');
  return {
    alg: 'GOST3410_2012_256',
    certificatePem,
    certificateDer: cert.der,
    createdAt,
    sign: (data) => gostSign(privateKey, data),
    verify: (data, signature) => gostVerify(publicKey, data, signature),
  };
}

/** Makes a fresh key and a self-signed certificate valid for ten years from `now`. */
export function generateSigningKey(alg: TokenAlg, now: Date, label = 'ЕСИА (mock)'): SigningKey {
  const notBefore = new Date(now.getTime() - 86_400_000);
  const notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000);
  if (alg === 'RS256') {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = createSelfSignedCertificate({
      subject: { commonName: `${label} RSA`, organization: 'Минцифры России (mock)', country: 'RU' },
      key: { kind: 'rsa', privateKey },
      notBefore,
      notAfter,
    });
    return rsaKey(privateKey, cert.pem, now);
  }
  const { privateKey } = generateKeyPair(DEFAULT_CURVE);
  const cert = createSelfSignedCertificate({
    subject: { commonName: `${label} ГОСТ 2012`, organization: 'Минцифры России (mock)', country: 'RU' },
    key: { kind: 'gost', privateKey },
    notBefore,
    notAfter,
  });
  return gostKey(privateKey, cert.pem, now);
}

/** Builds a signing key from supplied PEMs. */
export function importSigningKey(alg: TokenAlg, supplied: SuppliedKey, now: Date): SigningKey {
  return alg === 'RS256'
    ? rsaKey(createPrivateKey(supplied.privateKeyPem), supplied.certificatePem, now)
    : gostKey(parseGostPrivateKey(supplied.privateKeyPem), supplied.certificatePem, now);
}

/** The signing keys of both algorithms: the current one of each, and every published certificate. */
export class KeyRing {
  private readonly rings: Record<TokenAlg, SigningKey[]>;

  constructor(initial: Record<TokenAlg, SigningKey>) {
    this.rings = { RS256: [initial.RS256], GOST3410_2012_256: [initial.GOST3410_2012_256] };
  }

  /** The key new tokens are signed with. */
  current(alg: TokenAlg): SigningKey {
    const ring = this.rings[alg];
    return ring[ring.length - 1]!;
  }

  /** Every published key, oldest first. */
  published(alg?: TokenAlg): SigningKey[] {
    return alg ? [...this.rings[alg]] : [...this.rings.RS256, ...this.rings.GOST3410_2012_256];
  }

  /** Adds a new current key; the old ones stay published. At most `keep` keys stay per algorithm. */
  rotate(alg: TokenAlg, key: SigningKey, keep = 3): SigningKey {
    const ring = this.rings[alg];
    ring.push(key);
    while (ring.length > keep) ring.shift();
    return key;
  }
}

/**
 * A development system for mock-esia: a fresh GOST key and self-signed certificate, registered under a
 * mnemonic on local domains. Used when mock-esia runs without configured systems, and by the demo.
 */
import {
  DEFAULT_CURVE,
  generateKeyPair,
  createSelfSignedCertificate,
  exportGostPrivateKeyPem,
  certificateHash,
  type GostPrivateKey,
} from '../gost/index.ts';
import type { MockEsiaClientInput } from '../config/schema.ts';

export interface DevSystem {
  readonly mnemonic: string;
  readonly privateKey: GostPrivateKey;
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly certificateDer: Uint8Array;
  /** `client_certificate_hash`: Streebog-256 of the certificate DER, upper-case hex. */
  readonly certificateHash: string;
}

/** Makes a key and a certificate for a development system. */
export function createDevSystem(mnemonic: string, now = new Date()): DevSystem {
  const { privateKey } = generateKeyPair(DEFAULT_CURVE);
  const cert = createSelfSignedCertificate({
    subject: { commonName: `Информационная система ${mnemonic} (разработка)`, country: 'RU' },
    key: { kind: 'gost', privateKey },
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 5 * 365 * 86_400_000),
  });
  return {
    mnemonic,
    privateKey,
    privateKeyPem: exportGostPrivateKeyPem(privateKey),
    certificatePem: cert.pem,
    certificateDer: cert.der,
    certificateHash: certificateHash(cert.der),
  };
}

/** Registration of a development system at mock-esia: local domains, every scope approved. */
export function devSystemRegistration(system: DevSystem, overrides: Partial<MockEsiaClientInput> = {}): MockEsiaClientInput {
  return {
    mnemonic: system.mnemonic,
    domains: ['localhost', '127.0.0.1'],
    certificates: [system.certificatePem],
    scopes: [
      'openid', 'fullname', 'birthdate', 'gender', 'snils', 'inn', 'id_doc', 'email', 'mobile', 'contacts',
      'addresses', 'usr_org', 'kid_fullname', 'kid_birthdate', 'kid_gender', 'kid_snils', 'kid_inn', 'kid_birth_cert_doc',
    ],
    ...overrides,
  };
}

// Object identifiers used by the GOST key, certificate and CMS code.

/** Algorithm and attribute OIDs (dotted decimal). */
export const OID = {
  /** GOST R 34.10-2012 public key, 256-bit (id-tc26-gost3410-12-256). */
  gost3410_2012_256: '1.2.643.7.1.1.1.1',
  /** GOST R 34.10-2012 public key, 512-bit (not supported by this module, only recognised). */
  gost3410_2012_512: '1.2.643.7.1.1.1.2',
  /** GOST R 34.10-2001 public key (id-GostR3410-2001). */
  gost3410_2001: '1.2.643.2.2.19',
  /** GOST R 34.11-2012 (Streebog) 256-bit digest. */
  gost3411_2012_256: '1.2.643.7.1.1.2.2',
  /** GOST R 34.11-94 with CryptoPro parameters (the digest parameter of 2001 keys). */
  gost3411_94_cryptopro: '1.2.643.2.2.30.1',
  /** Signature algorithm: GOST R 34.10-2012 256 with Streebog-256. */
  signWithDigestGost3410_2012_256: '1.2.643.7.1.1.3.2',
  /** Signature algorithm: GOST R 34.10-2001 with GOST R 34.11-94. */
  signWithDigestGost3410_2001: '1.2.643.2.2.3',

  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRsaEncryption: '1.2.840.113549.1.1.5',
  sha256WithRsaEncryption: '1.2.840.113549.1.1.11',
  sha384WithRsaEncryption: '1.2.840.113549.1.1.12',
  sha512WithRsaEncryption: '1.2.840.113549.1.1.13',

  /** CMS content types and attributes (RFC 5652). */
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',

  /** X.509 extensions. */
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

/** Short names of common X.500 name attributes, by OID. */
export const NAME_ATTRIBUTES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.643.3.131.1.1': 'INN',
  '1.2.643.100.1': 'OGRN',
  '1.2.643.100.3': 'SNILS',
  '1.2.643.100.4': 'INNLE',
  '1.2.643.100.5': 'OGRNIP',
};

/** Well-known attribute OIDs for building names. */
export const NAME_OID = {
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
} as const;

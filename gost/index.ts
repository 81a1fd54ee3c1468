/** Public API of the pure-TypeScript GOST implementation. */
export { streebog256, streebog256Hex, streebog512 } from './streebog.ts';
export { GOST_CURVES, DEFAULT_CURVE, curveByOid, curveByName, type GostCurve } from './curves.ts';
export {
  generateKeyPair,
  derivePublicKey,
  signDigest,
  verifyDigest,
  sign,
  verify,
  isOnCurve,
  type GostPrivateKey,
  type GostPublicKey,
} from './gost3410.ts';

// DER, PEM, keys, certificates and CMS.
export { Asn1Error, decodeDer, type Asn1Node } from './asn1.ts';
export { toPem, fromPem, decodePemBlocks, type PemBlock } from './pem.ts';
export { OID } from './oids.ts';
export {
  parseGostPrivateKey,
  exportGostPrivateKeyDer,
  exportGostPrivateKeyPem,
  parseGostPublicKey,
  encodeGostSpki,
  exportGostPublicKeyPem,
} from './keys.ts';
export {
  parseCertificate,
  createSelfSignedCertificate,
  verifyCertificateSignature,
  certificateHash,
  nameAttribute,
  type ParsedCertificate,
  type CertificatePublicKey,
  type CertificateExtension,
  type CertificateKey,
  type SelfSignedCertificateOptions,
  type DistinguishedName,
  type NameAttribute,
  type SimpleSubject,
} from './x509.ts';
export {
  createDetachedSignature,
  verifyDetachedSignature,
  type DetachedSignatureOptions,
  type DetachedSignatureResult,
} from './cms.ts';

// X.509 certificates: parsing, signature verification and the ESIA certificate hash.
// Certificate creation lives in x509-create.ts and is re-exported here.

import * as crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  Asn1Error,
  SequenceReader,
  TagClass,
  decodeDer,
  expectExplicit,
  expectSequence,
  paramsAbsentOrNull,
  readAlgorithmIdentifier,
  readBitStringBytes,
  readBoolean,
  readInteger,
  readOctetString,
  readOid,
  readSmallInteger,
  readTime,
  UniversalTag,
  hasTag,
} from './asn1.ts';
import type { Asn1Node } from './asn1.ts';
import { copyBytes } from './binary.ts';
import { verify as gostVerify } from './gost3410.ts';
import type { GostPublicKey } from './gost3410.ts';
import { gostPublicKeyFromSpkiNode, isGostKeyAlgorithm } from './keys.ts';
import { OID } from './oids.ts';
import { pemOrDerToDer } from './pem.ts';
import { streebog256Hex } from './streebog.ts';
import { parseName } from './x509-name.ts';
import type { DistinguishedName } from './x509-name.ts';

export { createSelfSignedCertificate } from './x509-create.ts';
export type { SelfSignedCertificateOptions, CertificateKey } from './x509-create.ts';
export { nameAttribute } from './x509-name.ts';
export type { DistinguishedName, NameAttribute, SimpleSubject } from './x509-name.ts';

/** A certificate's subject public key: GOST R 34.10-2012 256 (or 2001) or RSA. */
export type CertificatePublicKey = { kind: 'gost'; key: GostPublicKey } | { kind: 'rsa'; key: KeyObject };

/** One certificate extension, its value undecoded. */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** Content of the extnValue OCTET STRING (the extension's own DER). */
  value: Uint8Array;
}

/** A parsed X.509 certificate. Byte arrays are standalone copies. */
export interface ParsedCertificate {
  /** The whole certificate DER. */
  der: Uint8Array;
  /** The TBSCertificate DER exactly as signed. */
  tbsDer: Uint8Array;
  /** 1, 2 or 3. */
  version: number;
  serialNumber: bigint;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** The SubjectPublicKeyInfo DER. */
  spkiDer: Uint8Array;
  publicKey: CertificatePublicKey;
  /** The outer signatureAlgorithm OID. */
  signatureAlgorithmOid: string;
  /** The signature BIT STRING bytes (for GOST: s ‖ r, 32 bytes big-endian each). */
  signature: Uint8Array;
  extensions: CertificateExtension[];
  /** The subjectKeyIdentifier extension value, when present. */
  subjectKeyIdentifier?: Uint8Array;
}

function readPublicKey(spki: Asn1Node): CertificatePublicKey {
  const algNode = expectSequence(spki, 'SubjectPublicKeyInfo')[0];
  if (!algNode) throw new Asn1Error('SubjectPublicKeyInfo: missing algorithm');
  const alg = readAlgorithmIdentifier(algNode, 'SubjectPublicKeyInfo algorithm');
  if (isGostKeyAlgorithm(alg.oid)) return { kind: 'gost', key: gostPublicKeyFromSpkiNode(spki) };
  if (alg.oid === OID.rsaEncryption) {
    try {
      return { kind: 'rsa', key: crypto.createPublicKey({ key: Buffer.from(spki.raw), format: 'der', type: 'spki' }) };
    } catch (e) {
      throw new Asn1Error(`SubjectPublicKeyInfo: invalid RSA key (${(e as Error).message})`);
    }
  }
  throw new Asn1Error(`SubjectPublicKeyInfo: unsupported public key algorithm ${alg.oid}`);
}

function readExtensions(node: Asn1Node): CertificateExtension[] {
  const list = expectSequence(expectExplicit(node, 3, 'extensions'), 'Extensions');
  const seen = new Set<string>();
  return list.map((ext) => {
    const r = new SequenceReader(expectSequence(ext, 'Extension'), 'Extension');
    const oid = readOid(r.next('extnID'), 'Extension extnID');
    const criticalNode = r.optional(TagClass.Universal, UniversalTag.Boolean);
    const critical = criticalNode ? readBoolean(criticalNode, 'Extension critical') : false;
    const value = copyBytes(readOctetString(r.next('extnValue'), 'Extension extnValue'));
    r.end();
    if (seen.has(oid)) throw new Asn1Error(`duplicate extension ${oid}`);
    seen.add(oid);
    return { oid, critical, value };
  });
}

/** Parses an X.509 certificate from PEM ("CERTIFICATE") or DER. Unknown extensions are kept undecoded. */
export function parseCertificate(pemOrDer: string | Uint8Array): ParsedCertificate {
  const der = pemOrDerToDer(pemOrDer, ['CERTIFICATE', 'X509 CERTIFICATE']);
  const top = new SequenceReader(expectSequence(decodeDer(der), 'Certificate'), 'Certificate');
  const tbs = top.next('tbsCertificate');
  const signatureAlgorithm = readAlgorithmIdentifier(top.next('signatureAlgorithm'), 'Certificate signatureAlgorithm');
  const signature = readBitStringBytes(top.next('signatureValue'), 'Certificate signatureValue');
  top.end();

  const r = new SequenceReader(expectSequence(tbs, 'TBSCertificate'), 'TBSCertificate');
  const versionNode = r.optional(TagClass.ContextSpecific, 0);
  const version = versionNode ? readSmallInteger(expectExplicit(versionNode, 0, 'version'), 'version') + 1 : 1;
  if (version > 3) throw new Asn1Error(`unsupported certificate version ${version}`);
  const serialNumber = readInteger(r.next('serialNumber'), 'serialNumber');
  readAlgorithmIdentifier(r.next('signature'), 'TBSCertificate signature');
  const issuer = parseName(r.next('issuer'), 'issuer');
  const validity = expectSequence(r.next('validity'), 'Validity');
  if (validity.length !== 2) throw new Asn1Error('Validity must have notBefore and notAfter');
  const notBefore = readTime(validity[0]!, 'notBefore');
  const notAfter = readTime(validity[1]!, 'notAfter');
  const subject = parseName(r.next('subject'), 'subject');
  const spki = r.next('subjectPublicKeyInfo');
  const publicKey = readPublicKey(spki);
  r.optional(TagClass.ContextSpecific, 1); // issuerUniqueID
  r.optional(TagClass.ContextSpecific, 2); // subjectUniqueID
  const extNode = r.optional(TagClass.ContextSpecific, 3);
  r.end();
  const extensions = extNode ? readExtensions(extNode) : [];

  const cert: ParsedCertificate = {
    der: copyBytes(der),
    tbsDer: copyBytes(tbs.raw),
    version,
    serialNumber,
    issuer,
    subject,
    notBefore,
    notAfter,
    spkiDer: copyBytes(spki.raw),
    publicKey,
    signatureAlgorithmOid: signatureAlgorithm.oid,
    signature: copyBytes(signature),
    extensions,
  };
  const ski = extensions.find((e) => e.oid === OID.subjectKeyIdentifier);
  if (ski) cert.subjectKeyIdentifier = copyBytes(readOctetString(decodeDer(ski.value), 'subjectKeyIdentifier'));
  return cert;
}

const RSA_HASHES: Readonly<Record<string, string>> = {
  [OID.sha1WithRsaEncryption]: 'sha1',
  [OID.sha256WithRsaEncryption]: 'sha256',
  [OID.sha384WithRsaEncryption]: 'sha384',
  [OID.sha512WithRsaEncryption]: 'sha512',
};

function tbsSignatureOid(cert: ParsedCertificate): { oid: string; nullOrAbsent: boolean } {
  const tbs = expectSequence(decodeDer(cert.tbsDer), 'TBSCertificate');
  const first = tbs[0]!;
  const algNode = hasTag(first, TagClass.ContextSpecific, 0) ? tbs[2] : tbs[1];
  if (!algNode) throw new Asn1Error('TBSCertificate: missing signature');
  const alg = readAlgorithmIdentifier(algNode);
  return { oid: alg.oid, nullOrAbsent: paramsAbsentOrNull(alg) };
}

/**
 * Verifies the certificate's signature with the issuer's public key (the certificate's own
 * key when omitted, i.e. self-signed). Supports GOST R 34.10-2012 256 with Streebog-256 and
 * RSA PKCS#1 v1.5 with SHA-1/256/384/512. Returns false (never throws) on any failure.
 */
export function verifyCertificateSignature(cert: ParsedCertificate, issuerPublicKey?: CertificatePublicKey): boolean {
  try {
    const key = issuerPublicKey ?? cert.publicKey;
    const inner = tbsSignatureOid(cert);
    if (inner.oid !== cert.signatureAlgorithmOid || !inner.nullOrAbsent) return false;
    if (cert.signatureAlgorithmOid === OID.signWithDigestGost3410_2012_256) {
      return key.kind === 'gost' && cert.signature.length === 64 && gostVerify(key.key, cert.tbsDer, cert.signature);
    }
    const hash = RSA_HASHES[cert.signatureAlgorithmOid];
    if (hash !== undefined && key.kind === 'rsa') {
      return crypto.verify(hash, cert.tbsDer, key.key, cert.signature);
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * ESIA `client_certificate_hash`: Streebog-256 of the certificate's DER bytes as 64 upper-case
 * hex digits, in the byte order `openssl dgst -engine gost -md_gost12_256` prints.
 */
export function certificateHash(der: Uint8Array): string {
  return streebog256Hex(der);
}

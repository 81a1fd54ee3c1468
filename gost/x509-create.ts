// Self-signed X.509 v3 certificates with GOST R 34.10-2012 256 or RSA keys.

import * as crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeDer, readBitStringBytes } from './asn1.ts';
import {
  derAlgorithmIdentifier,
  derBitString,
  derBoolean,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derTime,
  derElement,
} from './asn1-encode.ts';
import { TagClass } from './asn1.ts';
import { bytesToBigIntBE, copyBytes } from './binary.ts';
import { derivePublicKey, sign as gostSign } from './gost3410.ts';
import type { GostPrivateKey } from './gost3410.ts';
import { encodeGostSpki } from './keys.ts';
import { OID } from './oids.ts';
import { toPem } from './pem.ts';
import { encodeSimpleName } from './x509-name.ts';
import type { SimpleSubject } from './x509-name.ts';

/** The key that both certifies and signs a self-signed certificate. */
export type CertificateKey = { kind: 'gost'; privateKey: GostPrivateKey } | { kind: 'rsa'; privateKey: KeyObject };

/** Options for createSelfSignedCertificate. */
export interface SelfSignedCertificateOptions {
  subject: SimpleSubject;
  key: CertificateKey;
  notBefore: Date;
  notAfter: Date;
  /** Positive serial number; a random 127-bit one when omitted. */
  serialNumber?: bigint;
}

function randomSerial(): bigint {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40; // positive, and always 16 bytes long
  return bytesToBigIntBE(bytes);
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? derSequence(derOid(oid), derBoolean(true), derOctetString(value))
    : derSequence(derOid(oid), derOctetString(value));
}

/** Extensions like `openssl req -x509` adds: SKI, AKI (key id) and critical basicConstraints CA:TRUE. */
function caExtensions(spki: Uint8Array): Uint8Array {
  const publicKeyBits = readBitStringBytes(decodeDer(spki).children[1]!, 'subjectPublicKey');
  const keyId = new Uint8Array(crypto.createHash('sha1').update(publicKeyBits).digest());
  return derExplicit(
    3,
    derSequence(
      extension(OID.subjectKeyIdentifier, false, derOctetString(keyId)),
      extension(OID.authorityKeyIdentifier, false, derSequence(derElement(TagClass.ContextSpecific, false, 0, keyId))),
      extension(OID.basicConstraints, true, derSequence(derBoolean(true))),
    ),
  );
}

interface Signer {
  spki: Uint8Array;
  algorithm: Uint8Array;
  sign(tbs: Uint8Array): Uint8Array;
}

function signerFor(key: CertificateKey): Signer {
  if (key.kind === 'gost') {
    const priv = key.privateKey;
    return {
      spki: encodeGostSpki(derivePublicKey(priv)),
      algorithm: derAlgorithmIdentifier(OID.signWithDigestGost3410_2012_256, derNull()),
      sign: (tbs) => gostSign(priv, tbs),
    };
  }
  const priv = key.privateKey;
  if (priv.type !== 'private' || priv.asymmetricKeyType !== 'rsa') throw new TypeError('expected an RSA private KeyObject');
  return {
    spki: new Uint8Array(crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' })),
    algorithm: derAlgorithmIdentifier(OID.sha256WithRsaEncryption, derNull()),
    sign: (tbs) => new Uint8Array(crypto.sign('sha256', tbs, priv)),
  };
}

/**
 * Creates a self-signed X.509 v3 certificate (subject = issuer, CA:TRUE).
 * GOST keys sign with id-tc26-signwithdigest-gost3410-12-256 (Streebog-256 over the TBS,
 * signature s ‖ r as OpenSSL writes it); RSA keys with sha256WithRSAEncryption.
 * Names are UTF8String (country PrintableString), so Cyrillic works.
 */
export function createSelfSignedCertificate(options: SelfSignedCertificateOptions): { der: Uint8Array; pem: string } {
  const { notBefore, notAfter } = options;
  if (!(notBefore.getTime() < notAfter.getTime())) throw new RangeError('notBefore must be before notAfter');
  const serial = options.serialNumber ?? randomSerial();
  if (serial <= 0n) throw new RangeError('serialNumber must be positive');
  const signer = signerFor(options.key);
  const name = encodeSimpleName(options.subject);
  const tbs = derSequence(
    derExplicit(0, derInteger(2)),
    derInteger(serial),
    signer.algorithm,
    name,
    derSequence(derTime(notBefore), derTime(notAfter)),
    name,
    signer.spki,
    caExtensions(signer.spki),
  );
  const der = copyBytes(derSequence(tbs, signer.algorithm, derBitString(signer.sign(tbs))));
  return { der, pem: toPem(der, 'CERTIFICATE') };
}

// Detached CMS SignedData (RFC 5652) with GOST R 34.10-2012 256 / Streebog-256, the
// format of ESIA's v1 `client_secret`, laid out the way `openssl cms -sign -engine gost` does:
//   ContentInfo { signedData, [0] SignedData {
//     version 1, digestAlgorithms { 1.2.643.7.1.1.2.2 NULL }, encapContentInfo { id-data } (no content),
//     certificates [0] { signer certificate },
//     signerInfos { SignerInfo { version 1, issuerAndSerialNumber, digestAlgorithm 1.2.643.7.1.1.2.2 NULL,
//       signedAttrs [0] { contentType, signingTime, messageDigest },
//       signatureAlgorithm 1.2.643.7.1.1.1.1 NULL, signature OCTET STRING (s ‖ r) } } } }

import { TagClass } from './asn1.ts';
import {
  derAlgorithmIdentifier,
  derElement,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
  derTime,
  retag,
} from './asn1-encode.ts';
import { copyBytes } from './binary.ts';
import { derivePublicKey, sign as gostSign } from './gost3410.ts';
import type { GostPrivateKey } from './gost3410.ts';
import { OID } from './oids.ts';
import { streebog256 } from './streebog.ts';
import { parseCertificate } from './x509.ts';
import type { ParsedCertificate } from './x509.ts';

export { verifyDetachedSignature } from './cms-verify.ts';
export type { DetachedSignatureResult } from './cms-verify.ts';

/** Options for createDetachedSignature. */
export interface DetachedSignatureOptions {
  /** The signed content (not embedded in the result). */
  content: Uint8Array;
  /** The signer's certificate (parsed, DER or PEM); embedded in the result. */
  certificate: ParsedCertificate | Uint8Array | string;
  /** The private key matching the certificate's GOST public key. */
  privateKey: GostPrivateKey;
  /** The signingTime attribute; now when omitted. */
  signingTime?: Date;
}

function attribute(oid: string, value: Uint8Array): Uint8Array {
  return derSequence(derOid(oid), derSetOf(value));
}

/**
 * Creates a detached CMS SignedData (DER) over `content` with signed attributes
 * (contentType, signingTime, messageDigest), signed with GOST R 34.10-2012 256 / Streebog-256.
 * Throws when the private key does not match the certificate.
 */
export function createDetachedSignature(options: DetachedSignatureOptions): Uint8Array {
  const { content, privateKey } = options;
  const cert =
    options.certificate instanceof Uint8Array || typeof options.certificate === 'string'
      ? parseCertificate(options.certificate)
      : options.certificate;
  if (cert.publicKey.kind !== 'gost') throw new TypeError('the signer certificate must hold a GOST public key');
  const pub = derivePublicKey(privateKey);
  const certKey = cert.publicKey.key;
  if (pub.x !== certKey.x || pub.y !== certKey.y || pub.curve.oid !== certKey.curve.oid) {
    throw new TypeError('the private key does not match the certificate');
  }

  const signedAttrsSet = derSetOf(
    attribute(OID.contentType, derOid(OID.data)),
    attribute(OID.signingTime, derTime(options.signingTime ?? new Date())),
    attribute(OID.messageDigest, derOctetString(streebog256(content))),
  );
  const signature = gostSign(privateKey, signedAttrsSet);
  const digestAlgorithm = derAlgorithmIdentifier(OID.gost3411_2012_256, derNull());

  const signerInfo = derSequence(
    derInteger(1),
    derSequence(cert.issuer.der, derInteger(cert.serialNumber)),
    digestAlgorithm,
    retag(signedAttrsSet, TagClass.ContextSpecific, 0),
    derAlgorithmIdentifier(OID.gost3410_2012_256, derNull()),
    derOctetString(signature),
  );
  const signedData = derSequence(
    derInteger(1),
    derSetOf(digestAlgorithm),
    derSequence(derOid(OID.data)),
    derElement(TagClass.ContextSpecific, true, 0, cert.der),
    derSetOf(signerInfo),
  );
  return copyBytes(derSequence(derOid(OID.signedData), derExplicit(0, signedData)));
}


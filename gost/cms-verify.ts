// Verification of detached CMS SignedData made with GOST R 34.10-2012 256 / Streebog-256.
// Checks the structure and the signature against the embedded signer certificate; it does
// not decide whether that certificate is trusted (the caller compares it, e.g. by hash).

import {
  Asn1Error,
  SequenceReader,
  TagClass,
  UniversalTag,
  decodeDer,
  expectExplicit,
  expectSequence,
  expectSet,
  hasTag,
  paramsAbsentOrNull,
  readAlgorithmIdentifier,
  readInteger,
  readOctetString,
  readOid,
  readSmallInteger,
  readTime,
} from './asn1.ts';
import type { Asn1Node } from './asn1.ts';
import { retag } from './asn1-encode.ts';
import { bytesEqual } from './binary.ts';
import { verify as gostVerify } from './gost3410.ts';
import { OID } from './oids.ts';
import { streebog256 } from './streebog.ts';
import { parseCertificate } from './x509.ts';
import type { ParsedCertificate } from './x509.ts';

/** Outcome of verifyDetachedSignature. */
export type DetachedSignatureResult =
  | { ok: true; certificate: ParsedCertificate; signingTime?: Date }
  | { ok: false; reason: string };

/** Signature algorithm OIDs accepted in a SignerInfo (OpenSSL writes the key OID, others the signature OID). */
const SIGNATURE_ALGORITHMS: readonly string[] = [OID.gost3410_2012_256, OID.signWithDigestGost3410_2012_256];

class Rejected extends Error {}

function reject(reason: string): never {
  throw new Rejected(reason);
}

function checkDigestAlgorithm(node: Asn1Node, what: string): void {
  const alg = readAlgorithmIdentifier(node, what);
  if (alg.oid !== OID.gost3411_2012_256) reject(`${what} is ${alg.oid}, expected GOST R 34.11-2012 256 (${OID.gost3411_2012_256})`);
  if (!paramsAbsentOrNull(alg)) reject(`${what} has unexpected parameters`);
}

interface SignerId {
  issuerDer?: Uint8Array;
  serial?: bigint;
  keyId?: Uint8Array;
}

function readSignerId(node: Asn1Node): SignerId {
  if (hasTag(node, TagClass.ContextSpecific, 0) && !node.constructed) return { keyId: node.content };
  const parts = expectSequence(node, 'IssuerAndSerialNumber');
  if (parts.length !== 2) throw new Asn1Error('IssuerAndSerialNumber must have two elements');
  expectSequence(parts[0]!, 'IssuerAndSerialNumber issuer');
  return { issuerDer: parts[0]!.raw, serial: readInteger(parts[1]!, 'IssuerAndSerialNumber serialNumber') };
}

/** The embedded certificate matching the signer identifier; certificates we cannot parse are skipped. */
function findSignerCertificate(certs: readonly Asn1Node[], sid: SignerId): ParsedCertificate {
  let parseError: string | undefined;
  for (const node of certs) {
    if (!hasTag(node, TagClass.Universal, UniversalTag.Sequence)) continue; // other CertificateChoices
    let cert: ParsedCertificate;
    try {
      cert = parseCertificate(node.raw);
    } catch (e) {
      parseError ??= e instanceof Error ? e.message : String(e);
      continue;
    }
    const matches = sid.keyId
      ? cert.subjectKeyIdentifier !== undefined && bytesEqual(cert.subjectKeyIdentifier, sid.keyId)
      : bytesEqual(cert.issuer.der, sid.issuerDer!) && cert.serialNumber === sid.serial;
    if (matches) return cert;
  }
  return reject(
    parseError === undefined
      ? 'the signer certificate is not included in the SignedData'
      : `the signer certificate is not included in the SignedData or cannot be parsed (${parseError})`,
  );
}

interface SignedAttributes {
  contentType?: string;
  messageDigest?: Uint8Array;
  signingTime?: Date;
}

function readSignedAttributes(node: Asn1Node): SignedAttributes {
  if (!node.constructed) throw new Asn1Error('signedAttrs must be constructed');
  const result: SignedAttributes = {};
  const seen = new Set<string>();
  for (const attr of node.children) {
    const parts = expectSequence(attr, 'Attribute');
    if (parts.length !== 2) throw new Asn1Error('Attribute must have a type and values');
    const oid = readOid(parts[0]!, 'Attribute type');
    const values = expectSet(parts[1]!, `Attribute ${oid} values`);
    if (seen.has(oid)) reject(`signed attribute ${oid} appears twice`);
    seen.add(oid);
    if (oid === OID.contentType || oid === OID.messageDigest || oid === OID.signingTime) {
      if (values.length !== 1) reject(`signed attribute ${oid} must have exactly one value`);
      const value = values[0]!;
      if (oid === OID.contentType) result.contentType = readOid(value, 'contentType');
      else if (oid === OID.messageDigest) result.messageDigest = readOctetString(value, 'messageDigest');
      else result.signingTime = readTime(value, 'signingTime');
    }
  }
  return result;
}

function verifyOrThrow(cms: Uint8Array, content: Uint8Array): DetachedSignatureResult {
  const ci = new SequenceReader(expectSequence(decodeDer(cms), 'ContentInfo'), 'ContentInfo');
  const contentType = readOid(ci.next('contentType'), 'ContentInfo contentType');
  if (contentType !== OID.signedData) reject(`ContentInfo is ${contentType}, not SignedData`);
  const sdNode = expectExplicit(ci.next('content'), 0, 'ContentInfo content');
  ci.end();

  const sd = new SequenceReader(expectSequence(sdNode, 'SignedData'), 'SignedData');
  const version = readSmallInteger(sd.next('version'), 'SignedData version');
  if (version < 1 || version > 5) reject(`unsupported SignedData version ${version}`);
  const digestAlgorithms = expectSet(sd.next('digestAlgorithms'), 'SignedData digestAlgorithms');
  if (!digestAlgorithms.some((a) => readAlgorithmIdentifier(a, 'digestAlgorithm').oid === OID.gost3411_2012_256)) {
    reject('digestAlgorithms does not list GOST R 34.11-2012 256');
  }
  const encap = new SequenceReader(expectSequence(sd.next('encapContentInfo'), 'EncapsulatedContentInfo'), 'EncapsulatedContentInfo');
  const eContentType = readOid(encap.next('eContentType'), 'eContentType');
  if (encap.optional(TagClass.ContextSpecific, 0)) reject('the content is embedded; expected a detached signature');
  encap.end();
  const certsNode = sd.optional(TagClass.ContextSpecific, 0);
  sd.optional(TagClass.ContextSpecific, 1); // crls
  const signerInfos = expectSet(sd.next('signerInfos'), 'SignedData signerInfos');
  sd.end();
  if (!certsNode || !certsNode.constructed) reject('the SignedData holds no certificates');
  if (signerInfos.length !== 1) reject(`expected exactly one SignerInfo, found ${signerInfos.length}`);

  const si = new SequenceReader(expectSequence(signerInfos[0]!, 'SignerInfo'), 'SignerInfo');
  const siVersion = readSmallInteger(si.next('version'), 'SignerInfo version');
  if (siVersion !== 1 && siVersion !== 3) reject(`unsupported SignerInfo version ${siVersion}`);
  const sid = readSignerId(si.next('sid'));
  checkDigestAlgorithm(si.next('digestAlgorithm'), 'SignerInfo digestAlgorithm');
  const signedAttrsNode = si.optional(TagClass.ContextSpecific, 0);
  const sigAlg = readAlgorithmIdentifier(si.next('signatureAlgorithm'), 'SignerInfo signatureAlgorithm');
  const signature = readOctetString(si.next('signature'), 'SignerInfo signature');
  si.optional(TagClass.ContextSpecific, 1); // unsignedAttrs
  si.end();
  if (!SIGNATURE_ALGORITHMS.includes(sigAlg.oid)) reject(`unsupported signature algorithm ${sigAlg.oid}`);
  if (!paramsAbsentOrNull(sigAlg)) reject('signatureAlgorithm has unexpected parameters');
  if (signature.length !== 64) reject(`signature must be 64 bytes, got ${signature.length}`);

  const certificate = findSignerCertificate(certsNode.children, sid);
  if (certificate.publicKey.kind !== 'gost') reject('the signer certificate does not hold a GOST key');
  const key = certificate.publicKey.key;

  if (!signedAttrsNode) {
    if (eContentType !== OID.data) reject('without signed attributes the content type must be id-data');
    if (!gostVerify(key, content, signature)) reject('signature does not verify');
    return { ok: true, certificate };
  }
  const attrs = readSignedAttributes(signedAttrsNode);
  if (attrs.contentType === undefined) reject('signed attributes lack contentType');
  if (attrs.contentType !== eContentType) reject('contentType attribute does not match eContentType');
  if (attrs.messageDigest === undefined) reject('signed attributes lack messageDigest');
  if (!bytesEqual(attrs.messageDigest, streebog256(content))) reject('messageDigest does not match the content');
  const signedBytes = retag(signedAttrsNode.raw, TagClass.Universal, UniversalTag.Set);
  if (!gostVerify(key, signedBytes, signature)) reject('signature does not verify');
  return attrs.signingTime ? { ok: true, certificate, signingTime: attrs.signingTime } : { ok: true, certificate };
}

/**
 * Verifies a detached CMS SignedData (DER) over `content`: structure, Streebog-256 digest
 * algorithm, messageDigest, and the GOST signature with the embedded signer certificate's key
 * (or, without signed attributes, directly over the content). Does not check that the
 * certificate is trusted or valid at signing time. Never throws: failures give ok:false.
 */
export function verifyDetachedSignature(cms: Uint8Array, content: Uint8Array): DetachedSignatureResult {
  try {
    if (!(cms instanceof Uint8Array) || !(content instanceof Uint8Array)) return { ok: false, reason: 'inputs must be byte arrays' };
    return verifyOrThrow(cms, content);
  } catch (e) {
    if (e instanceof Rejected) return { ok: false, reason: e.message };
    if (e instanceof Asn1Error) return { ok: false, reason: `malformed CMS: ${e.message}` };
    return { ok: false, reason: `verification failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

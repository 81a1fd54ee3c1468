// GOST R 34.10-2012 (256-bit) keys in the PKCS#8 and SubjectPublicKeyInfo
// formats of OpenSSL's gost engine.
//
// Layouts (as the engine writes them):
//   AlgorithmIdentifier = SEQUENCE { 1.2.643.7.1.1.1.1,
//                                    SEQUENCE { paramSet OID [, 1.2.643.7.1.1.2.2] } }
//     (the digest OID is present for CryptoPro parameter sets and omitted for tc26 ones)
//   PKCS#8 privateKey OCTET STRING = the 32 bytes of d, little-endian (no inner tag)
//   SPKI subjectPublicKey BIT STRING = DER OCTET STRING of 64 bytes: x then y, each little-endian

import {
  Asn1Error,
  SequenceReader,
  TagClass,
  UniversalTag,
  decodeDer,
  expectSequence,
  hasTag,
  integerFromContent,
  readAlgorithmIdentifier,
  readBitStringBytes,
  readOctetString,
  readOid,
  readSmallInteger,
} from './asn1.ts';
import type { Asn1Node } from './asn1.ts';
import { derInteger, derOctetString, derOid, derSequence, derBitString } from './asn1-encode.ts';
import { bigIntToBytesLE, bytesToBigIntLE, concatBytes } from './binary.ts';
import { curveByOid } from './curves.ts';
import type { GostCurve } from './curves.ts';
import { isOnCurve } from './gost3410.ts';
import type { GostPrivateKey, GostPublicKey } from './gost3410.ts';
import { OID } from './oids.ts';
import { pemOrDerToDer, toPem } from './pem.ts';

const KEY_BYTES = 32;
const TC26_PARAMSET_PREFIX = '1.2.643.7.1.2.1.1.';

/** Algorithm OIDs accepted for 256-bit GOST keys on read. */
const GOST_256_KEY_ALGORITHMS: readonly string[] = [OID.gost3410_2012_256, OID.gost3410_2001];

/** True when the OID names a GOST public-key algorithm this module reads (2012-256 or 2001). */
export function isGostKeyAlgorithm(oid: string): boolean {
  return GOST_256_KEY_ALGORITHMS.includes(oid);
}

/** Encodes the GOST 2012-256 AlgorithmIdentifier for a curve, exactly as OpenSSL's gost engine does. */
export function encodeGostAlgorithmIdentifier(curve: GostCurve): Uint8Array {
  const params = curve.oid.startsWith(TC26_PARAMSET_PREFIX)
    ? derSequence(derOid(curve.oid))
    : derSequence(derOid(curve.oid), derOid(OID.gost3411_2012_256));
  return derSequence(derOid(OID.gost3410_2012_256), params);
}

/** Reads a GOST key AlgorithmIdentifier and returns its curve. */
function readGostAlgorithm(node: Asn1Node, what: string): GostCurve {
  const alg = readAlgorithmIdentifier(node, `${what} algorithm`);
  if (alg.oid === OID.gost3410_2012_512) throw new Asn1Error(`${what}: GOST R 34.10-2012 512-bit keys are not supported`);
  if (!isGostKeyAlgorithm(alg.oid)) throw new Asn1Error(`${what}: not a GOST R 34.10 key (algorithm ${alg.oid})`);
  if (!alg.params) throw new Asn1Error(`${what}: missing GOST key parameters`);
  const params = expectSequence(alg.params, `${what} GOST key parameters`);
  if (params.length < 1 || params.length > 3) throw new Asn1Error(`${what}: malformed GOST key parameters`);
  const paramSet = readOid(params[0]!, `${what} parameter set`);
  for (const extra of params.slice(1)) readOid(extra, `${what} digest/cipher parameter`);
  try {
    return curveByOid(paramSet);
  } catch {
    throw new Asn1Error(`${what}: unsupported GOST parameter set ${paramSet}`);
  }
}

/** Recovers d from the engine's masked form: key ‖ mask₁ ‖ … with d = key · Π maskᵢ (mod q). */
function unmask(bytes: Uint8Array, q: bigint): bigint {
  let d = bytesToBigIntLE(bytes.subarray(0, KEY_BYTES));
  for (let off = KEY_BYTES; off < bytes.length; off += KEY_BYTES) {
    d = (d * bytesToBigIntLE(bytes.subarray(off, off + KEY_BYTES))) % q;
  }
  return d;
}

/** Decodes the content of the PKCS#8 privateKey OCTET STRING in any of the forms the gost engine reads. */
function decodePrivateScalar(raw: Uint8Array, curve: GostCurve): bigint {
  if (raw.length > 0 && raw.length % KEY_BYTES === 0) return unmask(raw, curve.q);
  const inner = decodeDer(raw);
  if (hasTag(inner, TagClass.Universal, UniversalTag.OctetString)) {
    const le = readOctetString(inner, 'private key');
    if (le.length !== KEY_BYTES) throw new Asn1Error(`private key: expected ${KEY_BYTES} bytes, got ${le.length}`);
    return bytesToBigIntLE(le);
  }
  if (hasTag(inner, TagClass.Universal, UniversalTag.Integer) && !inner.constructed) {
    return integerFromContent(inner.content, 'private key');
  }
  if (hasTag(inner, TagClass.Universal, UniversalTag.Sequence)) {
    // Masked key with its public key: SEQUENCE { OCTET STRING masked, OCTET STRING public }.
    const parts = expectSequence(inner, 'masked private key');
    if (parts.length !== 2) throw new Asn1Error('masked private key: expected two elements');
    const masked = readOctetString(parts[0]!, 'masked private key');
    if (masked.length === 0 || masked.length % KEY_BYTES !== 0) throw new Asn1Error('masked private key: bad length');
    return unmask(masked, curve.q);
  }
  throw new Asn1Error('private key: unrecognised encoding');
}

/**
 * Parses an unencrypted PKCS#8 GOST R 34.10-2012 256-bit (or 2001) private key,
 * PEM ("PRIVATE KEY") or DER.
 */
export function parseGostPrivateKey(pemOrDer: string | Uint8Array): GostPrivateKey {
  const der = pemOrDerToDer(pemOrDer, ['PRIVATE KEY']);
  const r = new SequenceReader(expectSequence(decodeDer(der), 'PrivateKeyInfo'), 'PrivateKeyInfo');
  const version = readSmallInteger(r.next('version'), 'PrivateKeyInfo version');
  if (version > 1) throw new Asn1Error(`PrivateKeyInfo: unsupported version ${version}`);
  const curve = readGostAlgorithm(r.next('privateKeyAlgorithm'), 'PrivateKeyInfo');
  const d = decodePrivateScalar(readOctetString(r.next('privateKey'), 'PrivateKeyInfo privateKey'), curve);
  r.optional(TagClass.ContextSpecific, 0); // attributes
  r.optional(TagClass.ContextSpecific, 1); // publicKey (OneAsymmetricKey v2)
  r.end();
  if (d <= 0n || d >= curve.q) throw new Asn1Error('private key: scalar out of range');
  return { curve, d };
}

/** PKCS#8 DER of a private key, in the engine's layout (32 little-endian bytes). */
export function exportGostPrivateKeyDer(key: GostPrivateKey): Uint8Array {
  if (key.d <= 0n || key.d >= key.curve.q) throw new RangeError('private key scalar out of range');
  return derSequence(
    derInteger(0),
    encodeGostAlgorithmIdentifier(key.curve),
    derOctetString(bigIntToBytesLE(key.d, KEY_BYTES)),
  );
}

/** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") of a private key, readable by `openssl pkey -engine gost`. */
export function exportGostPrivateKeyPem(key: GostPrivateKey): string {
  return toPem(exportGostPrivateKeyDer(key), 'PRIVATE KEY');
}

/** Reads a GOST public key from a decoded SubjectPublicKeyInfo element (also used for certificates). */
export function gostPublicKeyFromSpkiNode(spki: Asn1Node): GostPublicKey {
  const r = new SequenceReader(expectSequence(spki, 'SubjectPublicKeyInfo'), 'SubjectPublicKeyInfo');
  const curve = readGostAlgorithm(r.next('algorithm'), 'SubjectPublicKeyInfo');
  const bits = readBitStringBytes(r.next('subjectPublicKey'), 'SubjectPublicKeyInfo subjectPublicKey');
  r.end();
  const point = readOctetString(decodeDer(bits), 'GOST public key');
  if (point.length !== 2 * KEY_BYTES) throw new Asn1Error(`GOST public key: expected 64 bytes, got ${point.length}`);
  const x = bytesToBigIntLE(point.subarray(0, KEY_BYTES));
  const y = bytesToBigIntLE(point.subarray(KEY_BYTES));
  const key: GostPublicKey = { curve, x, y };
  if (!isOnCurve(key)) throw new Asn1Error('GOST public key: point is not on the curve');
  return key;
}

/** Parses a GOST SubjectPublicKeyInfo, PEM ("PUBLIC KEY") or DER. */
export function parseGostPublicKey(spkiPemOrDer: string | Uint8Array): GostPublicKey {
  return gostPublicKeyFromSpkiNode(decodeDer(pemOrDerToDer(spkiPemOrDer, ['PUBLIC KEY'])));
}

/** SubjectPublicKeyInfo DER of a GOST public key (x ‖ y little-endian inside an OCTET STRING inside the BIT STRING). */
export function encodeGostSpki(pub: GostPublicKey): Uint8Array {
  const point = concatBytes(bigIntToBytesLE(pub.x, KEY_BYTES), bigIntToBytesLE(pub.y, KEY_BYTES));
  return derSequence(encodeGostAlgorithmIdentifier(pub.curve), derBitString(derOctetString(point)));
}

/** SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"). */
export function exportGostPublicKeyPem(pub: GostPublicKey): string {
  return toPem(encodeGostSpki(pub), 'PUBLIC KEY');
}

// X.500 distinguished names: parsing to a readable form and encoding simple subjects.

import {
  Asn1Error,
  expectSequence,
  expectSet,
  isStringNode,
  readOid,
  readString,
} from './asn1.ts';
import type { Asn1Node } from './asn1.ts';
import { derOid, derPrintableString, derSequence, derSetOf, derUtf8String } from './asn1-encode.ts';
import { copyBytes, toHex } from './binary.ts';
import { NAME_ATTRIBUTES, NAME_OID } from './oids.ts';

/** One attribute of a distinguished name. */
export interface NameAttribute {
  oid: string;
  /** Short name such as "CN" or "O" when known. */
  shortName?: string;
  /** String value; non-string values are given as "#" followed by the hex of their DER. */
  value: string;
}

/** A parsed distinguished name. */
export interface DistinguishedName {
  /** Readable form in encoded order, e.g. "CN=Тест, O=Школа, C=RU" (RFC 4514 escaping, '+' inside an RDN). */
  text: string;
  /** The Name's DER bytes exactly as they appear in the certificate. */
  der: Uint8Array;
  /** Attributes in encoded order, flattened across RDNs. */
  attributes: NameAttribute[];
}

/** The subject fields createSelfSignedCertificate understands. */
export interface SimpleSubject {
  commonName: string;
  organization?: string;
  /** Two-letter country code, e.g. "RU". */
  country?: string;
}

function escapeValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith('#') || s.startsWith(' ')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** Parses a Name (SEQUENCE OF RDN SET OF AttributeTypeAndValue). */
export function parseName(node: Asn1Node, what = 'Name'): DistinguishedName {
  const attributes: NameAttribute[] = [];
  const rdnTexts: string[] = [];
  for (const rdn of expectSequence(node, what)) {
    const parts: string[] = [];
    const atvs = expectSet(rdn, `${what} RDN`);
    if (atvs.length === 0) throw new Asn1Error(`${what}: empty RDN`);
    for (const atv of atvs) {
      const pair = expectSequence(atv, `${what} attribute`);
      if (pair.length !== 2) throw new Asn1Error(`${what}: attribute must have a type and a value`);
      const oid = readOid(pair[0]!, `${what} attribute type`);
      const valueNode = pair[1]!;
      const value = isStringNode(valueNode) ? readString(valueNode, `${what} ${oid}`) : `#${toHex(valueNode.raw)}`;
      const shortName = NAME_ATTRIBUTES[oid];
      attributes.push(shortName ? { oid, shortName, value } : { oid, value });
      parts.push(`${shortName ?? oid}=${isStringNode(valueNode) ? escapeValue(value) : value}`);
    }
    rdnTexts.push(parts.join('+'));
  }
  return { text: rdnTexts.join(', '), der: copyBytes(node.raw), attributes };
}

/** First value of the attribute with the given OID, if present. */
export function nameAttribute(name: DistinguishedName, oid: string): string | undefined {
  return name.attributes.find((a) => a.oid === oid)?.value;
}

function rdn(oid: string, value: Uint8Array): Uint8Array {
  return derSetOf(derSequence(derOid(oid), value));
}

/** Encodes a simple subject as a Name: C (PrintableString), O and CN (UTF8String), in that order. */
export function encodeSimpleName(subject: SimpleSubject): Uint8Array {
  if (!subject.commonName) throw new Asn1Error('subject commonName is required');
  const rdns: Uint8Array[] = [];
  if (subject.country !== undefined) {
    if (!/^[A-Z]{2}$/.test(subject.country)) throw new Asn1Error(`country must be two upper-case letters, got "${subject.country}"`);
    rdns.push(rdn(NAME_OID.countryName, derPrintableString(subject.country)));
  }
  if (subject.organization !== undefined) rdns.push(rdn(NAME_OID.organizationName, derUtf8String(subject.organization)));
  rdns.push(rdn(NAME_OID.commonName, derUtf8String(subject.commonName)));
  return derSequence(...rdns);
}

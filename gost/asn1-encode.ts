// DER encoders: each function returns the complete encoding of one element.

import { Asn1Error, TagClass, UniversalTag } from './asn1.ts';
import { concatBytes } from './binary.ts';

const utf8 = new TextEncoder();

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function encodeIdentifier(tagClass: TagClass, constructed: boolean, tag: number): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0) throw new Asn1Error(`bad tag number ${tag}`);
  const lead = (tagClass << 6) | (constructed ? 0x20 : 0);
  if (tag < 0x1f) return Uint8Array.of(lead | tag);
  const bytes: number[] = [tag & 0x7f];
  for (let n = Math.floor(tag / 128); n > 0; n = Math.floor(n / 128)) bytes.unshift(0x80 | (n & 0x7f));
  return Uint8Array.of(lead | 0x1f, ...bytes);
}

/** Encodes one element from its tag and content octets. */
export function derElement(tagClass: TagClass, constructed: boolean, tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(encodeIdentifier(tagClass, constructed, tag), encodeLength(content.length), content);
}

function universal(tag: number, content: Uint8Array, constructed = false): Uint8Array {
  return derElement(TagClass.Universal, constructed, tag, content);
}

/** SEQUENCE of already-encoded elements, in the given order. */
export function derSequence(...elements: Uint8Array[]): Uint8Array {
  return universal(UniversalTag.Sequence, concatBytes(...elements), true);
}

/** Compares two encodings as X.690 11.6 orders SET OF components (shorter one padded with zeros). */
function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

/** Sorts encoded elements into DER SET OF order (returns a new array). */
export function sortDerSetOf(elements: readonly Uint8Array[]): Uint8Array[] {
  return [...elements].sort(compareDer);
}

/** SET OF already-encoded elements, sorted into DER order. */
export function derSetOf(...elements: Uint8Array[]): Uint8Array {
  return universal(UniversalTag.Set, concatBytes(...sortDerSetOf(elements)), true);
}

/** EXPLICIT context-specific tag [n] around one encoded element. */
export function derExplicit(tag: number, element: Uint8Array): Uint8Array {
  return derElement(TagClass.ContextSpecific, true, tag, element);
}

/**
 * IMPLICIT context-specific tag [n]: replaces the identifier of an encoded element,
 * keeping its constructed bit, length and content.
 */
export function derImplicit(tag: number, element: Uint8Array): Uint8Array {
  return retag(element, TagClass.ContextSpecific, tag);
}

/** Replaces the identifier of an encoded element with another class and tag (keeps the constructed bit). */
export function retag(element: Uint8Array, tagClass: TagClass, tag: number): Uint8Array {
  if (element.length < 2) throw new Asn1Error('cannot retag: element too short');
  const constructed = (element[0]! & 0x20) !== 0;
  let pos = 1;
  if ((element[0]! & 0x1f) === 0x1f) {
    while (pos < element.length && (element[pos]! & 0x80) !== 0) pos++;
    pos++;
  }
  if (pos >= element.length) throw new Asn1Error('cannot retag: truncated identifier');
  return concatBytes(encodeIdentifier(tagClass, constructed, tag), element.subarray(pos));
}

/** INTEGER in minimal two's complement. */
export function derInteger(value: bigint | number): Uint8Array {
  let n = BigInt(value);
  const bytes: number[] = [];
  if (n >= 0n) {
    do {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n > 0n);
    if ((bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  } else {
    do {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n < -1n);
    if ((bytes[0]! & 0x80) === 0) bytes.unshift(0xff);
  }
  return universal(UniversalTag.Integer, Uint8Array.from(bytes));
}

/** BOOLEAN (0xFF for true, as DER requires). */
export function derBoolean(value: boolean): Uint8Array {
  return universal(UniversalTag.Boolean, Uint8Array.of(value ? 0xff : 0x00));
}

/** NULL. */
export function derNull(): Uint8Array {
  return universal(UniversalTag.Null, new Uint8Array(0));
}

/** OBJECT IDENTIFIER from dotted decimal. */
export function derOid(oid: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(oid)) throw new Asn1Error(`bad OID "${oid}"`);
  const arcs = oid.split('.').map((a) => BigInt(a));
  const [a0, a1] = arcs as [bigint, bigint];
  if (a0 < 2n && a1 >= 40n) throw new Asn1Error(`bad OID "${oid}": second arc must be below 40`);
  const out: number[] = [];
  for (const arc of [a0 * 40n + a1, ...arcs.slice(2)]) {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) group.unshift(0x80 | Number(v & 0x7fn));
    out.push(...group);
  }
  return universal(UniversalTag.ObjectIdentifier, Uint8Array.from(out));
}

/** OCTET STRING. */
export function derOctetString(bytes: Uint8Array): Uint8Array {
  return universal(UniversalTag.OctetString, bytes);
}

/** BIT STRING; with unusedBits > 0 the trailing bits are cleared as DER requires. */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new Asn1Error(`bad unused-bits count ${unusedBits}`);
  }
  const body = concatBytes(Uint8Array.of(unusedBits), bytes);
  if (unusedBits > 0) body[body.length - 1] = body[body.length - 1]! & (0xff << unusedBits);
  return universal(UniversalTag.BitString, body);
}

/** UTF8String. */
export function derUtf8String(text: string): Uint8Array {
  return universal(UniversalTag.Utf8String, utf8.encode(text));
}

/** PrintableString; throws on characters outside its repertoire. */
export function derPrintableString(text: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new Asn1Error(`"${text}" is not a PrintableString`);
  return universal(UniversalTag.PrintableString, utf8.encode(text));
}

/** IA5String (ASCII); throws on non-ASCII characters. */
export function derIa5String(text: string): Uint8Array {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) throw new Asn1Error('IA5String must be ASCII');
  return universal(UniversalTag.Ia5String, utf8.encode(text));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function wholeSeconds(date: Date): Date {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new Asn1Error('invalid date');
  return new Date(Math.floor(t / 1000) * 1000);
}

/** UTCTime (YYMMDDHHMMSSZ); the date must lie in 1950–2049. Milliseconds are dropped. */
export function derUtcTime(date: Date): Uint8Array {
  const d = wholeSeconds(date);
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 2049) throw new Asn1Error(`UTCTime cannot hold year ${y}`);
  const text =
    pad(y % 100, 2) + pad(d.getUTCMonth() + 1, 2) + pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) + pad(d.getUTCMinutes(), 2) + pad(d.getUTCSeconds(), 2) + 'Z';
  return universal(UniversalTag.UtcTime, utf8.encode(text));
}

/** GeneralizedTime (YYYYMMDDHHMMSSZ, whole seconds). */
export function derGeneralizedTime(date: Date): Uint8Array {
  const d = wholeSeconds(date);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new Asn1Error(`GeneralizedTime cannot hold year ${y}`);
  const text =
    pad(y, 4) + pad(d.getUTCMonth() + 1, 2) + pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) + pad(d.getUTCMinutes(), 2) + pad(d.getUTCSeconds(), 2) + 'Z';
  return universal(UniversalTag.GeneralizedTime, utf8.encode(text));
}

/** Time as RFC 5280 and RFC 5652 want it: UTCTime for 1950–2049, GeneralizedTime otherwise. */
export function derTime(date: Date): Uint8Array {
  const y = wholeSeconds(date).getUTCFullYear();
  return y >= 1950 && y <= 2049 ? derUtcTime(date) : derGeneralizedTime(date);
}

/** AlgorithmIdentifier with optional encoded parameters (pass derNull() for NULL). */
export function derAlgorithmIdentifier(oid: string, params?: Uint8Array): Uint8Array {
  return params === undefined ? derSequence(derOid(oid)) : derSequence(derOid(oid), params);
}

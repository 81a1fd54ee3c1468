// A small, strict DER decoder: a tree of elements with offsets and raw slices,
// plus readers for the primitive types used by keys, certificates and CMS.
// Encoders live in asn1-encode.ts.

/** Any malformed or unexpected DER input. */
export class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Asn1Error';
  }
}

/** ASN.1 tag classes (the two top bits of the identifier octet). */
export const TagClass = {
  Universal: 0,
  Application: 1,
  ContextSpecific: 2,
  Private: 3,
} as const;
export type TagClass = (typeof TagClass)[keyof typeof TagClass];

/** Universal tag numbers this module knows. */
export const UniversalTag = {
  Boolean: 1,
  Integer: 2,
  BitString: 3,
  OctetString: 4,
  Null: 5,
  ObjectIdentifier: 6,
  Utf8String: 12,
  Sequence: 16,
  Set: 17,
  NumericString: 18,
  PrintableString: 19,
  TeletexString: 20,
  Ia5String: 22,
  UtcTime: 23,
  GeneralizedTime: 24,
  VisibleString: 26,
  BmpString: 30,
} as const;

/** One decoded DER element. Byte views point into the decoded input (no copies). */
export interface Asn1Node {
  readonly tagClass: TagClass;
  readonly constructed: boolean;
  readonly tag: number;
  /** Offset of the identifier octet within the buffer given to decodeDer. */
  readonly offset: number;
  readonly headerLength: number;
  /** Content length in bytes. */
  readonly length: number;
  /** The whole element: identifier, length and content octets. */
  readonly raw: Uint8Array;
  /** The content octets only. */
  readonly content: Uint8Array;
  /** Child elements of a constructed element; empty for primitive ones. */
  readonly children: readonly Asn1Node[];
}

/** Options for decodeDer. */
export interface DecodeOptions {
  /** Maximum nesting depth of constructed elements (default 64). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const MAX_TAG_NUMBER = 0x1fffff;

/**
 * Decodes exactly one DER element that spans the whole input.
 * Rejects indefinite lengths, non-minimal lengths and tags, trailing bytes
 * and nesting deeper than `maxDepth`.
 */
export function decodeDer(input: Uint8Array, options: DecodeOptions = {}): Asn1Node {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (input.length === 0) throw new Asn1Error('empty input');
  const node = decodeElement(input, 0, input.length, 0, maxDepth);
  if (node.offset + node.raw.length !== input.length) {
    throw new Asn1Error(`${input.length - node.raw.length} trailing byte(s) after the DER element`);
  }
  return node;
}

function decodeElement(buf: Uint8Array, start: number, end: number, depth: number, maxDepth: number): Asn1Node {
  let pos = start;
  const need = (n: number, what: string): void => {
    if (pos + n > end) throw new Asn1Error(`truncated ${what} at offset ${pos}`);
  };
  need(1, 'identifier');
  const id = buf[pos++]!;
  const tagClass = (id >> 6) as TagClass;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let first = true; ; first = false) {
      need(1, 'tag number');
      const b = buf[pos++]!;
      if (first && b === 0x80) throw new Asn1Error(`non-minimal tag number at offset ${start}`);
      tag = tag * 128 + (b & 0x7f);
      if (tag > MAX_TAG_NUMBER) throw new Asn1Error(`tag number too large at offset ${start}`);
      if ((b & 0x80) === 0) break;
    }
    if (tag < 0x1f) throw new Asn1Error(`non-minimal tag number at offset ${start}`);
  }
  need(1, 'length');
  const lenByte = buf[pos++]!;
  let length: number;
  if (lenByte < 0x80) {
    length = lenByte;
  } else if (lenByte === 0x80) {
    throw new Asn1Error(`indefinite length is not allowed in DER (offset ${start})`);
  } else {
    const count = lenByte & 0x7f;
    if (count > 4) throw new Asn1Error(`length field too long at offset ${start}`);
    need(count, 'length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
    if (buf[pos - count] === 0 || length < 0x80) {
      throw new Asn1Error(`non-minimal length encoding at offset ${start}`);
    }
  }
  const headerLength = pos - start;
  if (length > end - pos) {
    throw new Asn1Error(`element at offset ${start} claims ${length} content bytes, only ${end - pos} available`);
  }
  const contentEnd = pos + length;
  const children: Asn1Node[] = [];
  if (constructed) {
    if (depth >= maxDepth) throw new Asn1Error(`nesting deeper than ${maxDepth} at offset ${start}`);
    let childPos = pos;
    while (childPos < contentEnd) {
      const child = decodeElement(buf, childPos, contentEnd, depth + 1, maxDepth);
      children.push(child);
      childPos += child.raw.length;
    }
  }
  return {
    tagClass,
    constructed,
    tag,
    offset: start,
    headerLength,
    length,
    raw: buf.subarray(start, contentEnd),
    content: buf.subarray(pos, contentEnd),
    children,
  };
}

const UNIVERSAL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(UniversalTag).map(([name, n]) => [n, name]),
);

/** Human-readable tag description, e.g. "Sequence" or "[0] constructed". */
export function describeTag(tagClass: TagClass, tag: number, constructed: boolean): string {
  if (tagClass === TagClass.Universal) return UNIVERSAL_NAMES[tag] ?? `universal ${tag}`;
  const cls = tagClass === TagClass.ContextSpecific ? '' : tagClass === TagClass.Application ? 'application ' : 'private ';
  return `[${cls}${tag}]${constructed ? ' constructed' : ''}`;
}

/** True when the node has the given class and tag number. */
export function hasTag(node: Asn1Node, tagClass: TagClass, tag: number): boolean {
  return node.tagClass === tagClass && node.tag === tag;
}

/** Throws unless the node is a universal element with the given tag; returns it. */
export function expectUniversal(node: Asn1Node, tag: number, what: string): Asn1Node {
  if (!hasTag(node, TagClass.Universal, tag)) {
    throw new Asn1Error(
      `${what}: expected ${describeTag(TagClass.Universal, tag, false)}, got ${describeTag(node.tagClass, node.tag, node.constructed)}`,
    );
  }
  const shouldBeConstructed = tag === UniversalTag.Sequence || tag === UniversalTag.Set;
  if (node.constructed !== shouldBeConstructed) {
    throw new Asn1Error(`${what}: ${describeTag(node.tagClass, node.tag, false)} must be ${shouldBeConstructed ? 'constructed' : 'primitive'}`);
  }
  return node;
}

/** Throws unless the node is a SEQUENCE; returns its children. */
export function expectSequence(node: Asn1Node, what: string): readonly Asn1Node[] {
  return expectUniversal(node, UniversalTag.Sequence, what).children;
}

/** Throws unless the node is a SET; returns its children. */
export function expectSet(node: Asn1Node, what: string): readonly Asn1Node[] {
  return expectUniversal(node, UniversalTag.Set, what).children;
}

/** Throws unless the node is a constructed context-specific [tag] (EXPLICIT tagging); returns the single inner element. */
export function expectExplicit(node: Asn1Node, tag: number, what: string): Asn1Node {
  if (!hasTag(node, TagClass.ContextSpecific, tag) || !node.constructed) {
    throw new Asn1Error(`${what}: expected [${tag}] constructed, got ${describeTag(node.tagClass, node.tag, node.constructed)}`);
  }
  if (node.children.length !== 1) throw new Asn1Error(`${what}: [${tag}] must hold exactly one element`);
  return node.children[0]!;
}

/** Reads a BOOLEAN (DER: 0x00 or 0xFF only). */
export function readBoolean(node: Asn1Node, what = 'BOOLEAN'): boolean {
  const c = expectUniversal(node, UniversalTag.Boolean, what).content;
  if (c.length !== 1) throw new Asn1Error(`${what}: BOOLEAN must be one byte`);
  if (c[0] === 0x00) return false;
  if (c[0] === 0xff) return true;
  throw new Asn1Error(`${what}: BOOLEAN must be 0x00 or 0xFF in DER`);
}

/** Reads an INTEGER (two's complement, minimal encoding required). */
export function readInteger(node: Asn1Node, what = 'INTEGER'): bigint {
  return integerFromContent(expectUniversal(node, UniversalTag.Integer, what).content, what);
}

/** Decodes two's-complement INTEGER content octets (also for IMPLICIT-tagged integers). */
export function integerFromContent(c: Uint8Array, what = 'INTEGER'): bigint {
  if (c.length === 0) throw new Asn1Error(`${what}: empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0x00 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) !== 0))) {
    throw new Asn1Error(`${what}: non-minimal INTEGER encoding`);
  }
  let n = 0n;
  for (const b of c) n = (n << 8n) | BigInt(b);
  if ((c[0]! & 0x80) !== 0) n -= 1n << BigInt(c.length * 8);
  return n;
}

/** Reads an INTEGER that must fit a small non-negative JavaScript number (versions and the like). */
export function readSmallInteger(node: Asn1Node, what = 'INTEGER'): number {
  const n = readInteger(node, what);
  if (n < 0n || n > 0xffffffn) throw new Asn1Error(`${what}: value ${n} out of range`);
  return Number(n);
}

/** Reads a NULL. */
export function readNull(node: Asn1Node, what = 'NULL'): null {
  if (expectUniversal(node, UniversalTag.Null, what).length !== 0) throw new Asn1Error(`${what}: NULL must be empty`);
  return null;
}

/** Reads an OBJECT IDENTIFIER as dotted decimal ("1.2.643.7.1.1.1.1"). */
export function readOid(node: Asn1Node, what = 'OBJECT IDENTIFIER'): string {
  const c = expectUniversal(node, UniversalTag.ObjectIdentifier, what).content;
  if (c.length === 0) throw new Asn1Error(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (let i = 0; i < c.length; i++) {
    const b = c[i]!;
    if (fresh && b === 0x80) throw new Asn1Error(`${what}: non-minimal OID arc`);
    value = (value << 7n) | BigInt(b & 0x7f);
    fresh = (b & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) throw new Asn1Error(`${what}: truncated OID arc`);
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Reads an OCTET STRING (primitive form only, as DER requires). */
export function readOctetString(node: Asn1Node, what = 'OCTET STRING'): Uint8Array {
  return expectUniversal(node, UniversalTag.OctetString, what).content;
}

/** A decoded BIT STRING. */
export interface BitString {
  unusedBits: number;
  bytes: Uint8Array;
}

/** Reads a BIT STRING; DER requires the unused trailing bits to be zero. */
export function readBitString(node: Asn1Node, what = 'BIT STRING'): BitString {
  const c = expectUniversal(node, UniversalTag.BitString, what).content;
  if (c.length === 0) throw new Asn1Error(`${what}: empty BIT STRING`);
  const unusedBits = c[0]!;
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) throw new Asn1Error(`${what}: bad unused-bits count`);
  const bytes = c.subarray(1);
  if (unusedBits > 0 && (bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    throw new Asn1Error(`${what}: unused bits must be zero in DER`);
  }
  return { unusedBits, bytes };
}

/** Reads a BIT STRING that must hold whole bytes (keys, signatures). */
export function readBitStringBytes(node: Asn1Node, what = 'BIT STRING'): Uint8Array {
  const bs = readBitString(node, what);
  if (bs.unusedBits !== 0) throw new Asn1Error(`${what}: expected a whole number of bytes`);
  return bs.bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the node is one of the character string types readString understands. */
export function isStringNode(node: Asn1Node): boolean {
  if (node.tagClass !== TagClass.Universal || node.constructed) return false;
  return [
    UniversalTag.Utf8String,
    UniversalTag.NumericString,
    UniversalTag.PrintableString,
    UniversalTag.TeletexString,
    UniversalTag.Ia5String,
    UniversalTag.VisibleString,
    UniversalTag.BmpString,
  ].includes(node.tag as never);
}

/**
 * Reads a character string: UTF8String, PrintableString, IA5String, NumericString,
 * VisibleString, TeletexString (as Latin-1) or BMPString (UTF-16BE).
 */
export function readString(node: Asn1Node, what = 'string'): string {
  if (!isStringNode(node)) {
    throw new Asn1Error(`${what}: expected a character string, got ${describeTag(node.tagClass, node.tag, node.constructed)}`);
  }
  const c = node.content;
  switch (node.tag) {
    case UniversalTag.Utf8String:
      try {
        return utf8.decode(c);
      } catch {
        throw new Asn1Error(`${what}: invalid UTF-8`);
      }
    case UniversalTag.TeletexString:
      return String.fromCharCode(...c);
    case UniversalTag.BmpString: {
      if (c.length % 2 !== 0) throw new Asn1Error(`${what}: odd BMPString length`);
      let s = '';
      for (let i = 0; i < c.length; i += 2) s += String.fromCharCode((c[i]! << 8) | c[i + 1]!);
      return s;
    }
    default:
      for (const b of c) if (b > 0x7f) throw new Asn1Error(`${what}: non-ASCII byte in ${describeTag(TagClass.Universal, node.tag, false)}`);
      return String.fromCharCode(...c);
  }
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/;

/** Reads a UTCTime (YYMMDDHHMMSSZ, years 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSS[.f]Z). */
export function readTime(node: Asn1Node, what = 'time'): Date {
  if (node.tagClass !== TagClass.Universal || node.constructed) throw new Asn1Error(`${what}: expected a time value`);
  const text = String.fromCharCode(...node.content);
  let m: RegExpExecArray | null;
  let year: number;
  let millis = 0;
  if (node.tag === UniversalTag.UtcTime) {
    m = UTC_TIME.exec(text);
    if (!m) throw new Asn1Error(`${what}: malformed UTCTime "${text}"`);
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (node.tag === UniversalTag.GeneralizedTime) {
    m = GENERALIZED_TIME.exec(text);
    if (!m) throw new Asn1Error(`${what}: malformed GeneralizedTime "${text}"`);
    year = Number(m[1]);
    if (m[7] !== undefined) millis = Math.floor(Number(`0.${m[7]}`) * 1000);
  } else {
    throw new Asn1Error(`${what}: expected UTCTime or GeneralizedTime, got ${describeTag(node.tagClass, node.tag, false)}`);
  }
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s, millis));
  date.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
    throw new Asn1Error(`${what}: invalid calendar date "${text}"`);
  }
  return date;
}

/** An AlgorithmIdentifier: OID plus the optional parameters element. */
export interface AlgorithmIdentifier {
  oid: string;
  params?: Asn1Node;
}

/** Reads AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }. */
export function readAlgorithmIdentifier(node: Asn1Node, what = 'AlgorithmIdentifier'): AlgorithmIdentifier {
  const parts = expectSequence(node, what);
  if (parts.length < 1 || parts.length > 2) throw new Asn1Error(`${what}: expected 1 or 2 elements, got ${parts.length}`);
  const oid = readOid(parts[0]!, `${what} algorithm`);
  return parts.length === 2 ? { oid, params: parts[1]! } : { oid };
}

/** True when AlgorithmIdentifier parameters are absent or NULL. */
export function paramsAbsentOrNull(alg: AlgorithmIdentifier): boolean {
  return alg.params === undefined || (hasTag(alg.params, TagClass.Universal, UniversalTag.Null) && alg.params.length === 0);
}

/**
 * Walks the children of a SEQUENCE in order, with optional (tagged) elements.
 * Call `end()` at the end to reject unexpected trailing elements.
 */
export class SequenceReader {
  private index = 0;

  constructor(
    private readonly items: readonly Asn1Node[],
    private readonly what: string,
  ) {}

  /** The next element; throws when the sequence is exhausted. */
  next(field: string): Asn1Node {
    const node = this.items[this.index];
    if (!node) throw new Asn1Error(`${this.what}: missing ${field}`);
    this.index++;
    return node;
  }

  /** The next element when it has the given class and tag, otherwise undefined (nothing consumed). */
  optional(tagClass: TagClass, tag: number): Asn1Node | undefined {
    const node = this.items[this.index];
    if (node && hasTag(node, tagClass, tag)) {
      this.index++;
      return node;
    }
    return undefined;
  }

  /** Consumes and returns all remaining elements. */
  rest(): readonly Asn1Node[] {
    const r = this.items.slice(this.index);
    this.index = this.items.length;
    return r;
  }

  /** Throws when elements remain. */
  end(): void {
    if (this.index < this.items.length) {
      const node = this.items[this.index]!;
      throw new Asn1Error(`${this.what}: unexpected ${describeTag(node.tagClass, node.tag, node.constructed)} at offset ${node.offset}`);
    }
  }
}

import { describe, expect, it } from 'vitest';
import {
  Asn1Error,
  SequenceReader,
  TagClass,
  UniversalTag,
  decodeDer,
  expectExplicit,
  readBitString,
  readBoolean,
  readInteger,
  readNull,
  readOctetString,
  readOid,
  readString,
  readTime,
} from './asn1.ts';
import {
  derBitString,
  derBoolean,
  derElement,
  derExplicit,
  derGeneralizedTime,
  derIa5String,
  derImplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derPrintableString,
  derSequence,
  derSetOf,
  derTime,
  derUtcTime,
  derUtf8String,
  retag,
} from './asn1-encode.ts';
import { toHex } from './binary.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('DER lengths and tags', () => {
  it('encodes short and long lengths minimally', () => {
    expect(toHex(derOctetString(new Uint8Array(127))).slice(0, 4)).toBe('047f');
    expect(toHex(derOctetString(new Uint8Array(128))).slice(0, 6)).toBe('048180');
    expect(toHex(derOctetString(new Uint8Array(256))).slice(0, 8)).toBe('04820100');
    const big = decodeDer(derOctetString(new Uint8Array(70000)));
    expect(big.length).toBe(70000);
    expect(big.headerLength).toBe(5);
  });

  it('rejects indefinite, non-minimal and oversized lengths', () => {
    expect(() => decodeDer(hex('3080 0000'))).toThrow(/indefinite/);
    expect(() => decodeDer(hex('04 8101 00'))).toThrow(/non-minimal/);
    expect(() => decodeDer(hex('04 820001 00'))).toThrow(/non-minimal/);
    expect(() => decodeDer(hex('04 85 0000000001 00'))).toThrow(Asn1Error);
  });

  it('never reads past the buffer', () => {
    expect(() => decodeDer(hex('04 05 0102'))).toThrow(/claims 5/);
    expect(() => decodeDer(hex('04'))).toThrow(/truncated length/);
    expect(() => decodeDer(hex('04 82 01'))).toThrow(/truncated length/);
    expect(() => decodeDer(hex('30 03 04 05 00'))).toThrow(Asn1Error);
    expect(() => decodeDer(hex('1f'))).toThrow(/truncated/);
    expect(() => decodeDer(new Uint8Array(0))).toThrow(/empty/);
  });

  it('rejects trailing bytes', () => {
    expect(() => decodeDer(hex('0500 00'))).toThrow(/trailing/);
  });

  it('handles high tag numbers', () => {
    const el = derElement(TagClass.ContextSpecific, false, 200, hex('aa'));
    expect(toHex(el)).toBe('9f814801aa');
    const node = decodeDer(el);
    expect(node.tag).toBe(200);
    expect(node.tagClass).toBe(TagClass.ContextSpecific);
    expect(() => decodeDer(hex('9f 8001 00'))).toThrow(/non-minimal tag/);
    expect(() => decodeDer(hex('9f 1e 00'))).toThrow(/non-minimal tag/);
  });

  it('bounds nesting depth', () => {
    let el = derNull();
    for (let i = 0; i < 100; i++) el = derSequence(el);
    expect(() => decodeDer(el)).toThrow(/nesting deeper than 64/);
    expect(decodeDer(el, { maxDepth: 200 }).children).toHaveLength(1);
  });

  it('gives offsets and raw slices', () => {
    const inner = derOctetString(hex('0102'));
    const node = decodeDer(derSequence(derNull(), inner));
    expect(node.children[1]!.offset).toBe(4);
    expect(node.children[1]!.raw).toEqual(inner);
    expect(node.children[1]!.content).toEqual(hex('0102'));
  });
});

describe('INTEGER', () => {
  const cases: Array<[bigint, string]> = [
    [0n, '020100'],
    [127n, '02017f'],
    [128n, '02020080'],
    [256n, '02020100'],
    [-1n, '0201ff'],
    [-128n, '020180'],
    [-129n, '0202ff7f'],
    [-256n, '0202ff00'],
    [2n ** 64n, '0209010000000000000000'],
  ];
  it.each(cases)('round-trips %s', (n, encoding) => {
    expect(toHex(derInteger(n))).toBe(encoding);
    expect(readInteger(decodeDer(hex(encoding)))).toBe(n);
  });

  it('rejects non-minimal and empty integers', () => {
    expect(() => readInteger(decodeDer(hex('0202007f')))).toThrow(/non-minimal/);
    expect(() => readInteger(decodeDer(hex('0202ff80')))).toThrow(/non-minimal/);
    expect(() => readInteger(decodeDer(hex('0200')))).toThrow(/empty/);
  });

  it('checks the tag', () => {
    expect(() => readInteger(decodeDer(derNull()), 'version')).toThrow(/version: expected Integer, got Null/);
  });
});

describe('OBJECT IDENTIFIER', () => {
  it.each([
    ['1.2.643.7.1.1.1.1', '06082a850307010101 01'],
    ['1.2.840.113549.1.7.2', '06092a864886f70d010702'],
    ['2.5.4.3', '0603550403'],
    ['2.999.3', '0603883703'],
  ])('round-trips %s', (oid, encoding) => {
    expect(toHex(derOid(oid))).toBe(encoding.replace(/\s/g, ''));
    expect(readOid(decodeDer(derOid(oid)))).toBe(oid);
  });

  it('handles arcs beyond 2^53', () => {
    const oid = '2.25.329800735698586629295641978511506172918';
    expect(readOid(decodeDer(derOid(oid)))).toBe(oid);
  });

  it('rejects malformed OIDs', () => {
    expect(() => derOid('1.40')).toThrow(Asn1Error);
    expect(() => derOid('3.1')).toThrow(Asn1Error);
    expect(() => derOid('1.02')).toThrow(Asn1Error);
    expect(() => readOid(decodeDer(hex('0600')))).toThrow(/empty/);
    expect(() => readOid(decodeDer(hex('06022a81')))).toThrow(/truncated/);
    expect(() => readOid(decodeDer(hex('06032a8001')))).toThrow(/non-minimal/);
  });
});

describe('simple types', () => {
  it('BOOLEAN and NULL', () => {
    expect(readBoolean(decodeDer(derBoolean(true)))).toBe(true);
    expect(readBoolean(decodeDer(derBoolean(false)))).toBe(false);
    expect(() => readBoolean(decodeDer(hex('010101')))).toThrow(/0xFF/);
    expect(readNull(decodeDer(derNull()))).toBeNull();
    expect(() => readNull(decodeDer(hex('050100')))).toThrow(/empty/);
  });

  it('OCTET STRING must be primitive', () => {
    expect(readOctetString(decodeDer(derOctetString(hex('ab'))))).toEqual(hex('ab'));
    expect(() => readOctetString(decodeDer(hex('2403 0401ab')))).toThrow(/primitive/);
  });

  it('BIT STRING', () => {
    expect(readBitString(decodeDer(derBitString(hex('abcd'))))).toEqual({ unusedBits: 0, bytes: hex('abcd') });
    expect(toHex(derBitString(hex('ff'), 3))).toBe('030203f8');
    expect(readBitString(decodeDer(hex('030203f8'))).unusedBits).toBe(3);
    expect(() => readBitString(decodeDer(hex('030203f9')))).toThrow(/unused bits must be zero/);
    expect(() => readBitString(decodeDer(hex('030108')))).toThrow(/unused-bits/);
    expect(() => readBitString(decodeDer(hex('0300')))).toThrow(/empty/);
  });

  it('strings, including Cyrillic UTF-8', () => {
    expect(readString(decodeDer(derUtf8String('Тест Школа')))).toBe('Тест Школа');
    expect(readString(decodeDer(derPrintableString('RU')))).toBe('RU');
    expect(readString(decodeDer(derIa5String('a@b.ru')))).toBe('a@b.ru');
    expect(() => derPrintableString('a@b')).toThrow(/PrintableString/);
    expect(() => derIa5String('Тест')).toThrow(/ASCII/);
    expect(() => readString(decodeDer(hex('0c02c328')))).toThrow(/UTF-8/);
    expect(readString(decodeDer(hex('1e04 0422 0435')))).toBe('Те');
    expect(() => readString(decodeDer(derNull()))).toThrow(/character string/);
  });
});

describe('times', () => {
  it('UTCTime and GeneralizedTime round-trip', () => {
    const d = new Date(Date.UTC(2026, 0, 31, 23, 59, 58));
    expect(Buffer.from(decodeDer(derUtcTime(d)).content).toString()).toBe('260131235958Z');
    expect(readTime(decodeDer(derUtcTime(d)))).toEqual(d);
    expect(readTime(decodeDer(derGeneralizedTime(d)))).toEqual(d);
    const far = new Date(Date.UTC(2051, 5, 1));
    expect(decodeDer(derTime(far)).tag).toBe(UniversalTag.GeneralizedTime);
    expect(decodeDer(derTime(d)).tag).toBe(UniversalTag.UtcTime);
    expect(readTime(decodeDer(derTime(far)))).toEqual(far);
  });

  it('maps two-digit years as RFC 5280 says', () => {
    const utc = (s: string): Uint8Array => derElement(TagClass.Universal, false, UniversalTag.UtcTime, Buffer.from(s));
    expect(readTime(decodeDer(utc('500101000000Z'))).getUTCFullYear()).toBe(1950);
    expect(readTime(decodeDer(utc('491231235959Z'))).getUTCFullYear()).toBe(2049);
  });

  it('reads fractional GeneralizedTime and rejects malformed times', () => {
    const gt = (s: string): Uint8Array => derElement(TagClass.Universal, false, UniversalTag.GeneralizedTime, Buffer.from(s));
    expect(readTime(decodeDer(gt('20260101000000.25Z'))).getUTCMilliseconds()).toBe(250);
    expect(() => readTime(decodeDer(gt('20260101000000.50Z')))).toThrow(/malformed/);
    expect(() => readTime(decodeDer(gt('20260101000000')))).toThrow(/malformed/);
    expect(() => readTime(decodeDer(gt('20260230000000Z')))).toThrow(/invalid calendar/);
    const utc = (s: string): Uint8Array => derElement(TagClass.Universal, false, UniversalTag.UtcTime, Buffer.from(s));
    expect(() => readTime(decodeDer(utc('2601010000Z')))).toThrow(/malformed/);
    expect(() => readTime(decodeDer(utc('260101000000+0300')))).toThrow(/malformed/);
  });
});

describe('constructed types', () => {
  it('sorts SET OF into DER order', () => {
    const a = derOctetString(hex('02'));
    const b = derOctetString(hex('0101'));
    const c = derInteger(5);
    const set = derSetOf(a, b, c);
    const kids = decodeDer(set).children.map((k) => toHex(k.raw));
    expect(kids).toEqual([toHex(c), toHex(a), toHex(b)]);
  });

  it('explicit and implicit tagging', () => {
    const explicit = decodeDer(derExplicit(3, derInteger(7)));
    expect(readInteger(expectExplicit(explicit, 3, 'x'))).toBe(7n);
    expect(() => expectExplicit(explicit, 2, 'x')).toThrow(/expected \[2\]/);
    const implicit = derImplicit(0, derSetOf(derNull()));
    expect(toHex(implicit)).toBe('a0020500');
    expect(toHex(retag(implicit, TagClass.Universal, UniversalTag.Set))).toBe('31020500');
  });

  it('SequenceReader walks optional fields', () => {
    const node = decodeDer(derSequence(derExplicit(0, derInteger(2)), derInteger(9)));
    const r = new SequenceReader(node.children, 'T');
    expect(r.optional(TagClass.ContextSpecific, 0)).toBeDefined();
    expect(r.optional(TagClass.ContextSpecific, 1)).toBeUndefined();
    expect(readInteger(r.next('n'))).toBe(9n);
    r.end();
    expect(() => r.next('more')).toThrow(/T: missing more/);
    const r2 = new SequenceReader(node.children, 'T');
    expect(() => r2.end()).toThrow(/unexpected/);
  });

  it('survives random garbage without throwing anything but Asn1Error', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 2000; i++) {
      const buf = Uint8Array.from({ length: 1 + (rnd() % 40) }, rnd);
      try {
        decodeDer(buf);
      } catch (e) {
        expect(e).toBeInstanceOf(Asn1Error);
      }
    }
  });
});

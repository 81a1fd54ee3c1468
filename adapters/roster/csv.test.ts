import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, decodeText, detectDelimiter, parseCsv } from './csv.ts';
import { encodeWindows1251 } from './fixture.ts';

const fields = (text: string, delimiter = ';') => parseCsv(text, delimiter).map((r) => r.fields);

describe('parseCsv', () => {
  it('splits records on LF, CRLF and CR, with or without a final line break', () => {
    expect(fields('a;b\nc;d')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(fields('a;b\r\nc;d\r\n')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(fields('a;b\rc;d\r')).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fields(';a;;\n')).toEqual([['', 'a', '', '']]);
    expect(fields('a;')).toEqual([['a', '']]);
  });

  it('skips empty lines', () => {
    expect(fields('a;b\n\n\r\nc;d\n\n')).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks', () => {
    const text = '"a;b";"say ""hi""";"two\r\nlines"\n"";x\n';
    expect(fields(text)).toEqual([
      ['a;b', 'say "hi"', 'two\r\nlines'],
      ['', 'x'],
    ]);
  });

  it('uses the given delimiter only', () => {
    expect(fields('a,b;c\n"x,y",z', ',')).toEqual([['a', 'b;c'], ['x,y', 'z']]);
  });

  it('keeps a quote inside an unquoted field as written', () => {
    expect(fields('МБОУ "Школа";1')).toEqual([['МБОУ "Школа"', '1']]);
  });

  it('numbers each record by the line it starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('h1;h2\r\n"multi\r\nline\nfield";x\r\n\r\nlast;y\r\n', ';');
    expect(records.map((r) => r.line)).toEqual([1, 2, 6]);
  });

  it('refuses a quote left open, naming the line where the field starts', () => {
    expect(() => parseCsv('a;b\nc;"open\nstill open', ';')).toThrowError(CsvSyntaxError);
    try {
      parseCsv('a;b\nc;"open\nstill open', ';');
    } catch (err) {
      expect(err).toMatchObject({ line: 2, reason: 'a quoted field is not closed' });
    }
  });

  it('refuses text after a closing quote', () => {
    expect(() => parseCsv('a;b\n"x"y;z', ';')).toThrowError(/line 2: unexpected text after a closing quote/);
  });

  it('refuses a delimiter that cannot work', () => {
    expect(() => parseCsv('a', '"')).toThrowError();
    expect(() => parseCsv('a', ';;')).toThrowError();
  });
});

describe('detectDelimiter', () => {
  it('picks the more frequent of ; and , in the first line, outside quotes', () => {
    expect(detectDelimiter('a;b;c\n1,2,3,4,5')).toBe(';');
    expect(detectDelimiter('a,b,c\n')).toBe(',');
    expect(detectDelimiter('"x;y;z",b,c\n')).toBe(',');
    expect(detectDelimiter('single\n')).toBe(';');
  });
});

describe('decodeText', () => {
  it('reads UTF-8 and drops a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Фамилия;Имя', 'utf8')]);
    expect(decodeText(bytes)).toEqual({ text: 'Фамилия;Имя', encoding: 'utf-8' });
    expect(decodeText(Buffer.from('Фамилия', 'utf8'))).toEqual({ text: 'Фамилия', encoding: 'utf-8' });
  });

  it('falls back to Windows-1251 when the bytes are not UTF-8', () => {
    const text = 'Идентификатор;Фамилия;Ёлкин «Школа № 1» — ё';
    expect(decodeText(encodeWindows1251(text))).toEqual({ text, encoding: 'windows-1251' });
  });

  it('keeps UTF-8 cut inside its last character as UTF-8 (a file still being written)', () => {
    const bytes = Buffer.from('Фамилия;Имя', 'utf8');
    expect(decodeText(bytes.subarray(0, bytes.length - 1))).toEqual({ text: 'Фамилия;Им\uFFFD', encoding: 'utf-8' });
  });

  it('keeps a file with a UTF-8 BOM as UTF-8 even when damaged', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Имя', 'utf8'), Buffer.from([0xff]), Buffer.from(';x')]);
    expect(decodeText(bytes)).toEqual({ text: 'Имя\uFFFD;x', encoding: 'utf-8' });
  });

  it('refuses UTF-16', () => {
    expect(() => decodeText(new Uint8Array([0xff, 0xfe, 0x41, 0x00]))).toThrowError(/UTF-16/);
  });
});

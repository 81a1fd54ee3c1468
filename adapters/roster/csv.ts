/**
 * Reading a school's CSV export: bytes → text (UTF-8 with or without BOM, else Windows-1251) and
 * RFC 4180 records with the line each one starts on. Generic: knows nothing about rosters.
 */

/** One CSV record: its raw fields and the 1-based line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/** The text is not well-formed CSV; `line` is where the faulty field starts. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvSyntaxError';
  }
}

export type TextEncodingName = 'utf-8' | 'windows-1251';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const cp1251 = new TextDecoder('windows-1251');

/**
 * Decodes a file: UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, else Windows-1251, the
 * encoding of Russian Excel's "CSV (разделители — точка с запятой)". A file with a UTF-8 BOM, or
 * valid UTF-8 cut inside its last character (a file still being written), stays UTF-8, the damage
 * showing as U+FFFD. UTF-16 files are refused.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncodingName } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new CsvSyntaxError(1, 'the file is UTF-16; save it as UTF-8 or Windows-1251');
  }
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { text: utf8.decode(body), encoding: 'utf-8' };
  } catch {
    // Not valid UTF-8 as a whole: see whether only the end is cut short.
  }
  if (bom) return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(body), encoding: 'utf-8' };
  try {
    const head = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body, { stream: true });
    return { text: `${head}\uFFFD`, encoding: 'utf-8' };
  } catch {
    return { text: cp1251.decode(bytes), encoding: 'windows-1251' };
  }
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits `text` into records. Quoted fields may hold the delimiter, `""` for a quote, and line breaks
 * (kept as written). Records end at CRLF, LF or CR. A quote inside an unquoted field is kept as a
 * character; text after a closing quote, or a quote left open at the end, is a syntax error. Empty
 * lines give no record.
 */
export function parseCsv(text: string, delimiter: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  forEachCsvRecord(text, delimiter, (fields, line) => records.push({ line, fields }));
  return records;
}

/** `parseCsv` handing each record over as it is read (a 100 000-row roster never holds them all). */
export function forEachCsvRecord(text: string, delimiter: string, onRecord: (fields: string[], line: number) => void): void {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new Error('the delimiter must be one character other than a quote or a line break');
  }
  const delim = delimiter.charCodeAt(0);
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const recordLine = line;
    const fields: string[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      if (text.charCodeAt(i) === QUOTE) {
        const fieldLine = line;
        let value = '';
        let start = i + 1;
        for (;;) {
          const q = text.indexOf('"', start);
          if (q < 0) throw new CsvSyntaxError(fieldLine, 'a quoted field is not closed');
          line += countLineBreaks(text, start, q);
          value += text.slice(start, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            start = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        fields.push(value);
        const c = text.charCodeAt(i);
        if (i >= n) endOfRecord = true;
        else if (c === delim) i++;
        else if (c === CR || c === LF) endOfRecord = true;
        else throw new CsvSyntaxError(line, 'unexpected text after a closing quote');
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === delim || c === CR || c === LF) break;
          j++;
        }
        fields.push(text.slice(i, j));
        if (j < n && text.charCodeAt(j) === delim) i = j + 1;
        else {
          i = j;
          endOfRecord = true;
        }
      }
      // A delimiter at the very end of the text still opens one last (empty) field.
      if (!endOfRecord && i >= n) {
        fields.push('');
        endOfRecord = true;
      }
    }
    if (i < n) {
      // Consume the line break: CRLF, LF or CR.
      if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i += 2;
      else i++;
      line++;
    }
    if (!(fields.length === 1 && fields[0] === '')) onRecord(fields, recordLine);
  }
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF) count++;
    else if (c === CR && text.charCodeAt(k + 1) !== LF) count++;
  }
  return count;
}

/**
 * Guesses the delimiter from the first line: `;` or `,`, whichever occurs more often outside quotes
 * (`;` on a tie, as Russian Excel writes).
 */
export function detectDelimiter(text: string): ';' | ',' {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ';') semicolons++;
    else if (!quoted && c === ',') commas++;
  }
  return commas > semicolons ? ',' : ';';
}

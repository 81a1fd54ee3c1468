/**
 * Matching rules shared by every adapter, so "the same person" means the same thing everywhere.
 *
 * Names: compared after Unicode NFC, lower-casing (locale-independent: Russian has no special rules), `ё` → `е`, every dash-like
 * character (hyphen, en dash, em dash, minus) and every run of white space turned into one space, and
 * the ends trimmed. So «Петров-Водкин», «ПЕТРОВ – ВОДКИН» and «петров водкин» match, and so do «Пётр»
 * and «Петр». Nothing else is folded: Latin look-alikes and typos do not match.
 * SNILS: compared as its 11 digits; the check digits must be valid.
 * Dates: ISO `yyyy-MM-dd` inside the broker; ESIA's `dd.MM.yyyy` converts.
 */

const DASHES = /[\u002D\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D]/g;

/** The comparison form of a name part. */
export function normalizeName(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(DASHES, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether two full names match by the rules above (an absent patronymic equals an empty one). */
export function sameFullName(
  a: { lastName: string; firstName: string; middleName?: string },
  b: { lastName: string; firstName: string; middleName?: string },
): boolean {
  return (
    normalizeName(a.lastName) === normalizeName(b.lastName) &&
    normalizeName(a.firstName) === normalizeName(b.firstName) &&
    normalizeName(a.middleName ?? '') === normalizeName(b.middleName ?? '')
  );
}

/** SNILS check digits: weights 9..1 over the first nine digits, sum mod 101, 100 → 0. */
export function snilsChecksumValid(digits: string): boolean {
  if (!/^\d{11}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (9 - i);
  const check = sum < 100 ? sum : sum === 100 || sum === 101 ? 0 : sum % 101 === 100 ? 0 : sum % 101;
  return check === Number(digits.slice(9));
}

/** The 11 digits of a SNILS in any common writing (`112-233-445 95`, `11223344595`), or undefined when invalid. */
export function normalizeSnils(text: string | undefined | null): string | undefined {
  if (!text) return undefined;
  const digits = text.replace(/[\s-]/g, '');
  return snilsChecksumValid(digits) ? digits : undefined;
}

/** ESIA's `NNN-NNN-NNN NN` writing of 11 SNILS digits. */
export function formatSnils(digits: string): string {
  return `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6, 9)} ${digits.slice(9)}`;
}

/** `dd.MM.yyyy` → `yyyy-MM-dd` (undefined when not a calendar date). */
export function ruDateToIso(text: string): string | undefined {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text);
  if (!m) return undefined;
  const iso = `${m[3]}-${m[2]}-${m[1]}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** Whether `text` is a real calendar date written `yyyy-MM-dd` (proleptic Gregorian, as `Date` reads it). */
export function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]!);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

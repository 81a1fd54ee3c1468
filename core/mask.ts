/**
 * Personal data out of logs, twice over: by key (a field named like personal data is replaced at any
 * depth, whatever its value) and by value (SNILS, dates, e-mail addresses, phone numbers and Russian
 * full names are replaced inside every string, error messages and stacks included). Both replace with
 * `***`. Best effort for free text: a lone surname in a sentence cannot be told from a word.
 */

export const MASK = '***';

/** Keys (compared lower-case, without `_`/`-`) whose values never reach a log. */
const PERSONAL_KEYS = new Set(
  [
    'snils', 'inn', 'lastName', 'firstName', 'middleName', 'fullName', 'name', 'familyName', 'givenName', 'patronymic',
    'birthDate', 'dateOfBirth', 'birthPlace', 'passport', 'document', 'documents', 'docs', 'series', 'phone', 'mobile',
    'email', 'contacts', 'address', 'addresses', 'kids', 'login', 'username', 'password', 'secret', 'clientSecret',
    'token', 'accessToken', 'refreshToken', 'idToken', 'authorization', 'cookie',
  ].map(normalizeKey),
);

/** An error class name under `name` (`EsiaError`) is not a person's name: kept. */
const ERROR_CLASS = /^[A-Za-z]*Error$/;

/** Not inside a word or a longer number (a UUID or hex id may hold a run of digits). */
const B = '(?<![A-Za-z0-9_])';
const E = '(?![A-Za-z0-9_])';

const VALUE_PATTERNS: readonly RegExp[] = [
  // SNILS: 123-456-789 01, 123-456-789-01, 123 456 789 01, and any 11 digits in a row (also phones).
  new RegExp(`${B}\\d{3}[- ]\\d{3}[- ]\\d{3}[- ]?\\d{2}${E}`, 'g'),
  new RegExp(`${B}\\d{11}${E}`, 'g'),
  // Phones: +7 (912) 345-67-89, 8 912 345 67 89.
  new RegExp(`(?:\\+7|${B}8)[\\s(-]*\\d{3}[\\s)-]*\\d{3}[\\s-]*\\d{2}[\\s-]*\\d{2}${E}`, 'g'),
  // Dates: 01.02.2010, 01/02/2010, 2010-02-01 (not a full timestamp such as 2026-05-01T10:00:00Z).
  new RegExp(`${B}\\d{1,2}[./]\\d{1,2}[./]\\d{4}${E}`, 'g'),
  new RegExp(`${B}\\d{4}-\\d{2}-\\d{2}${E}`, 'g'),
  // E-mail addresses.
  /[^\s@"'<>()]+@[^\s@"'<>()]+\.[^\s@"'<>()]+/g,
  // Russian full names: two or three capitalised Cyrillic words (Иванова Мария Петровна), or a surname with initials.
  /[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?:\s+[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?){1,2}/g,
  /[А-ЯЁ][а-яё]+\s+[А-ЯЁ]\.(?:\s?[А-ЯЁ]\.)?/g,
];

/** What every pattern needs somewhere: a run of two digits, an `@`, or a capital Cyrillic letter. */
const MAYBE_PERSONAL = /\d\d|@|[А-ЯЁ]/;

const MAX_DEPTH = 8;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Answers for keys seen before: log fields come from a small set of names, asked on every line. */
const personalKeyCache = new Map<string, boolean>();
/** Keys beyond this many (say, from a logged object with keys from outside) are worked out every time. */
const KEY_CACHE_LIMIT = 2048;

/** Whether a field of this name is personal data (its value is masked whatever it is). */
export function isPersonalKey(key: string): boolean {
  let personal = personalKeyCache.get(key);
  if (personal === undefined) {
    personal = PERSONAL_KEYS.has(normalizeKey(key));
    if (personalKeyCache.size < KEY_CACHE_LIMIT) personalKeyCache.set(key, personal);
  }
  return personal;
}

/** The text with every SNILS, date, e-mail, phone and full name replaced by `***`. */
export function maskText(text: string): string {
  // Most log strings hold nothing any pattern could match: skip the patterns for them.
  if (!MAYBE_PERSONAL.test(text)) return text;
  let out = text;
  for (const pattern of VALUE_PATTERNS) out = out.replace(pattern, MASK);
  return out;
}

/**
 * A copy of `value` safe to log: personal keys masked at any depth, every string masked by pattern,
 * errors turned into plain objects (`type`, `message`, `code`, `stack`, `cause`), cycles and excessive
 * depth cut, binary data summarised.
 */
export function maskPersonalData(value: unknown): unknown {
  return mask(value, 0, new WeakSet());
}

function mask(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskText(value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) >= 1e10 && Math.abs(value) < 1e11 ? MASK : value;
  if (typeof value === 'bigint') return maskText(value.toString());
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1, seen));
    if (value instanceof Error) return mask(errorFields(value), depth, seen);
    const out: Record<string, unknown> = {};
    if (value instanceof Map) {
      for (const [k, v] of value) maskField(out, String(k), v, depth, seen);
    } else {
      const fields = value as Record<string, unknown>;
      for (const key of Object.keys(fields)) maskField(out, key, fields[key], depth, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** out[key] = v, masked: the whole value for a personal key, else what `mask` makes of it. */
function maskField(out: Record<string, unknown>, key: string, v: unknown, depth: number, seen: WeakSet<object>): void {
  if (isPersonalKey(key) && !(normalizeKey(key) === 'name' && typeof v === 'string' && ERROR_CLASS.test(v))) {
    out[key] = v === undefined ? undefined : MASK;
  } else {
    out[key] = mask(v, depth + 1, seen);
  }
}

function errorFields(err: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) fields.code = code;
  if (err.stack) fields.stack = err.stack;
  if (err.cause !== undefined) fields.cause = err.cause;
  return fields;
}

/**
 * Checking a password against the value a legacy journal stored: bcrypt, PBKDF2-HMAC-SHA256 (Django,
 * passlib or bare) and salted MD5 / SHA-1 / SHA-256 digests, chosen by configuration, by a per-row
 * `password_format` or, with `auto`, by the stored value's shape (see `passwordFormatSchema`).
 *
 * Comparisons are constant-time (`timingSafeEqual` over equal-length buffers). For an unknown login the
 * adapter calls `waste`, which does the work of a real check (same scheme and cost as the last stored
 * value seen) so response time does not tell known logins from unknown ones.
 */
import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { bcryptChecksum, MAX_BCRYPT_COST, MIN_BCRYPT_COST, parseBcrypt, isBcryptHash } from './bcrypt.ts';
import { MAX_PBKDF2_ITERATIONS, type PasswordFormatConfig } from './config.ts';

const pbkdf2Async = promisify(pbkdf2);

/** The stored formats, as `passwordFormat.type` and the `password_format` column name them. */
export const PASSWORD_FORMATS = ['bcrypt', 'pbkdf2-sha256', 'salted-sha256', 'salted-sha1', 'salted-md5'] as const;
export type PasswordFormat = (typeof PASSWORD_FORMATS)[number];

/** What `verifyPasswordLookup` returned for the account. */
export interface StoredPassword {
  readonly hash: string;
  readonly salt?: string | null;
  /** The row's `password_format`, overriding the configured format. */
  readonly format?: string | null;
}

/** The verdict; `problem` says (for logs, without values) why a stored value could not be checked. */
export type VerifyOutcome = { readonly ok: true } | { readonly ok: false; readonly problem?: string };

export interface PasswordVerifier {
  verify(stored: StoredPassword, password: string): Promise<VerifyOutcome>;
  /** Does the work of one check and throws the result away: for unknown logins. */
  waste(password: string): Promise<void>;
}

type DigestAlgorithm = 'md5' | 'sha1' | 'sha256';
type HashEncoding = 'hex' | 'base64';
type SaltEncoding = 'utf8' | 'hex' | 'base64';

const DIGEST_OF: Record<'salted-md5' | 'salted-sha1' | 'salted-sha256', DigestAlgorithm> = {
  'salted-md5': 'md5',
  'salted-sha1': 'sha1',
  'salted-sha256': 'sha256',
};
const DIGEST_SIZE: Record<DigestAlgorithm, number> = { md5: 16, sha1: 20, sha256: 32 };

/** What a check costs, to repeat it for unknown logins. */
type WorkProfile =
  | { readonly kind: 'bcrypt'; readonly cost: number }
  | { readonly kind: 'pbkdf2'; readonly iterations: number; readonly keyLength: number }
  | { readonly kind: 'digest'; readonly algorithm: DigestAlgorithm };

/** A stored value ready to check: the bytes it holds and how to derive them from a password. */
interface Scheme {
  readonly expected: Buffer;
  readonly profile: WorkProfile;
  derive(password: string): Promise<Buffer>;
}

interface SaltedOptions {
  readonly saltPosition: 'prefix' | 'suffix';
  readonly saltEncoding: SaltEncoding;
  /** Absent: recognized by the stored value's shape. */
  readonly hashEncoding?: HashEncoding;
}
interface BareKeyOptions {
  readonly iterations: number;
  readonly hashEncoding: HashEncoding;
  readonly saltEncoding: SaltEncoding;
}

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DJANGO_PBKDF2 = /^pbkdf2_sha256\$(\d{1,9})\$([^$]*)\$([A-Za-z0-9+/]+={0,2})$/;
const PASSLIB_PBKDF2 = /^\$pbkdf2-sha256\$(\d{1,9})\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)$/;

/** The format `stored` looks like, for `auto`; undefined when it is none of them. */
export function detectPasswordFormat(stored: string): PasswordFormat | undefined {
  if (isBcryptHash(stored)) return 'bcrypt';
  if (DJANGO_PBKDF2.test(stored) || PASSLIB_PBKDF2.test(stored)) return 'pbkdf2-sha256';
  for (const [format, algorithm] of Object.entries(DIGEST_OF) as [PasswordFormat, DigestAlgorithm][]) {
    if (decodeDigest(stored, DIGEST_SIZE[algorithm])) return format;
  }
  return undefined;
}

/** The verifier for a journal's `passwordFormat`. */
export function createPasswordVerifier(config: PasswordFormatConfig): PasswordVerifier {
  const salted = saltedOptionsOf(config);
  const bareKey = bareKeyOptionsOf(config);
  let lastProfile: WorkProfile = initialProfile(config);

  const resolve = (stored: StoredPassword): Scheme | string => {
    const format = stored.format ?? (config.type === 'auto' ? detectPasswordFormat(stored.hash) : config.type);
    if (format === undefined) return 'the stored password value has no recognized format';
    switch (format) {
      case 'bcrypt':
        return bcryptScheme(stored.hash);
      case 'pbkdf2-sha256':
        return pbkdf2Scheme(stored, bareKey);
      case 'salted-md5':
      case 'salted-sha1':
      case 'salted-sha256':
        return digestScheme(DIGEST_OF[format], stored, salted);
      default:
        return `password_format must be one of ${PASSWORD_FORMATS.join(', ')}`;
    }
  };

  const waste = async (password: string) => {
    await check(dummyScheme(lastProfile), password);
  };

  return {
    async verify(stored, password) {
      const scheme = resolve(stored);
      if (typeof scheme === 'string') {
        await waste(password);
        return { ok: false, problem: scheme };
      }
      lastProfile = scheme.profile;
      return (await check(scheme, password)) ? { ok: true } : { ok: false };
    },
    waste,
  };
}

async function check(scheme: Scheme, password: string): Promise<boolean> {
  const actual = await scheme.derive(password);
  if (actual.length !== scheme.expected.length) {
    timingSafeEqual(actual, actual);
    return false;
  }
  return timingSafeEqual(actual, scheme.expected);
}

function bcryptScheme(stored: string): Scheme | string {
  const parts = parseBcrypt(stored);
  if (!parts) return 'the stored password value is not a $2a$/$2b$/$2y$ bcrypt hash';
  if (parts.cost < MIN_BCRYPT_COST || parts.cost > MAX_BCRYPT_COST) {
    return `bcrypt cost ${parts.cost} is outside ${MIN_BCRYPT_COST}..${MAX_BCRYPT_COST}`;
  }
  return {
    expected: Buffer.from(parts.checksum, 'latin1'),
    profile: { kind: 'bcrypt', cost: parts.cost },
    derive: async (password) => Buffer.from(bcryptChecksum(password, parts.salt, parts.cost), 'latin1'),
  };
}

function pbkdf2Scheme(stored: StoredPassword, bare: BareKeyOptions | undefined): Scheme | string {
  let iterations: number;
  let salt: Buffer | undefined;
  let expected: Buffer | undefined;
  const django = DJANGO_PBKDF2.exec(stored.hash);
  const passlib = PASSLIB_PBKDF2.exec(stored.hash);
  if (django) {
    iterations = Number(django[1]);
    salt = Buffer.from(django[2]!, 'utf8');
    expected = decodeText(django[3]!, 'base64');
  } else if (passlib) {
    iterations = Number(passlib[1]);
    salt = decodeAdaptedBase64(passlib[2]!);
    expected = decodeAdaptedBase64(passlib[3]!);
  } else {
    if (!bare) return 'a bare PBKDF2 key needs passwordFormat iterations (pbkdf2.iterations with auto)';
    iterations = bare.iterations;
    salt = decodeText(stored.salt ?? '', bare.saltEncoding);
    expected = decodeText(stored.hash, bare.hashEncoding);
  }
  if (!salt || !expected || expected.length < 16) return 'the stored PBKDF2 value is malformed';
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return `PBKDF2 iterations outside 1..${MAX_PBKDF2_ITERATIONS}`;
  const keyLength = expected.length;
  const saltBytes = salt;
  return {
    expected,
    profile: { kind: 'pbkdf2', iterations, keyLength },
    derive: (password) => pbkdf2Async(password, saltBytes, iterations, keyLength, 'sha256'),
  };
}

function digestScheme(algorithm: DigestAlgorithm, stored: StoredPassword, options: SaltedOptions | undefined): Scheme | string {
  const expected = decodeDigest(stored.hash, DIGEST_SIZE[algorithm], options?.hashEncoding);
  if (!expected) return `the stored password value is not a ${algorithm} digest`;
  const salt = decodeText(stored.salt ?? '', options?.saltEncoding ?? 'utf8');
  if (!salt) return 'the stored salt is not valid for passwordFormat saltEncoding';
  if (salt.length > 0 && !options) return 'salted digests need passwordFormat.salted.saltPosition';
  const prefix = options?.saltPosition === 'prefix';
  return {
    expected,
    profile: { kind: 'digest', algorithm },
    derive: async (password) => {
      const text = Buffer.from(password, 'utf8');
      return createHash(algorithm)
        .update(prefix ? salt : text)
        .update(prefix ? text : salt)
        .digest();
    },
  };
}

/** A scheme with the cost of `profile` that no password matches. */
function dummyScheme(profile: WorkProfile): Scheme {
  const salt = Buffer.alloc(16, 0x5a);
  switch (profile.kind) {
    case 'bcrypt':
      return { expected: Buffer.alloc(31), profile, derive: async (p) => Buffer.from(bcryptChecksum(p, salt, profile.cost), 'latin1') };
    case 'pbkdf2':
      return {
        expected: Buffer.alloc(profile.keyLength),
        profile,
        derive: (p) => pbkdf2Async(p, salt, profile.iterations, profile.keyLength, 'sha256'),
      };
    case 'digest':
      return {
        expected: Buffer.alloc(DIGEST_SIZE[profile.algorithm]),
        profile,
        derive: async (p) => createHash(profile.algorithm).update(p, 'utf8').update(salt).digest(),
      };
  }
}

/** Until a stored value has been seen: the configured format's usual cost. */
function initialProfile(config: PasswordFormatConfig): WorkProfile {
  switch (config.type) {
    case 'bcrypt':
    case 'auto':
      return { kind: 'bcrypt', cost: 10 };
    case 'pbkdf2-sha256':
      return { kind: 'pbkdf2', iterations: config.iterations ?? 260_000, keyLength: 32 };
    default:
      return { kind: 'digest', algorithm: DIGEST_OF[config.type] };
  }
}

function saltedOptionsOf(config: PasswordFormatConfig): SaltedOptions | undefined {
  if (config.type === 'auto') return config.salted;
  if (config.type === 'salted-md5' || config.type === 'salted-sha1' || config.type === 'salted-sha256') return config;
  return undefined;
}

function bareKeyOptionsOf(config: PasswordFormatConfig): BareKeyOptions | undefined {
  if (config.type === 'auto') return config.pbkdf2;
  if (config.type === 'pbkdf2-sha256' && config.iterations !== undefined) return { ...config, iterations: config.iterations };
  return undefined;
}

/** The `size` bytes of a digest written in `encoding` (or either, when absent); undefined otherwise. */
function decodeDigest(text: string, size: number, encoding?: HashEncoding): Buffer | undefined {
  for (const enc of encoding ? [encoding] : (['hex', 'base64'] as const)) {
    const bytes = decodeText(text, enc);
    if (bytes?.length === size) return bytes;
  }
  return undefined;
}

/** Strict decoding: undefined when `text` is not valid in `encoding`. */
function decodeText(text: string, encoding: SaltEncoding): Buffer | undefined {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (encoding === 'hex') return HEX.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : undefined;
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** passlib's "adapted base64": `.` for `+`, no padding. */
function decodeAdaptedBase64(text: string): Buffer | undefined {
  if (text.length % 4 === 1) return undefined;
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

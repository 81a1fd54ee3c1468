/**
 * bcrypt (Provos & Mazières, "A Future-Adaptable Password Scheme", USENIX 1999) on top of a small
 * Blowfish, for the legacy journal databases that store `$2a$`/`$2b$`/`$2y$` hashes. Node has no
 * bcrypt and OpenSSL 3 keeps Blowfish in its legacy provider, so this is written out here.
 *
 * Blowfish's initial P-array and S-boxes are the fractional hexadecimal digits of π (Schneier 1993);
 * they are computed once, on first use, with Machin's formula instead of being pasted in as a table.
 *
 * The key is the password's UTF-8 bytes with a terminating NUL, of which at most 72 bytes are used
 * (the well-known bcrypt limit). `$2a$`, `$2b$` and `$2y$` are computed alike, as crypt_blowfish and
 * most libraries do; `$2x$` (crypt_blowfish's sign-extension bug) is not supported.
 */

/** bcrypt's own base-64 alphabet (not RFC 4648's). */
const ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]));

/** The highest cost this module computes: 2^16 rounds is seconds in JavaScript; more would stall the broker. */
export const MAX_BCRYPT_COST = 16;
export const MIN_BCRYPT_COST = 4;

const STATE_WORDS = 18 + 4 * 256;
const S0 = 18;
const S1 = S0 + 256;
const S2 = S1 + 256;
const S3 = S2 + 256;

/** "OrpheanBeholderScryDoubt" as six big-endian words: the text bcrypt encrypts 64 times. */
const MAGIC = Uint32Array.from(
  [0, 4, 8, 12, 16, 20].map((i) => Buffer.from('OrpheanBeholderScryDoubt', 'latin1').readUInt32BE(i)),
);

let initialState: Uint32Array | undefined;

/** Blowfish's initial state: the first 18 + 1024 words of π's fractional part, in hexadecimal. */
export function blowfishInitialState(): Uint32Array {
  if (!initialState) {
    const hex = piFractionHex(STATE_WORDS * 8);
    const state = new Uint32Array(STATE_WORDS);
    for (let i = 0; i < STATE_WORDS; i++) state[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
    initialState = state;
  }
  return initialState;
}

/** The first `digits` hexadecimal digits of π after the point: π = 16·atan(1/5) − 4·atan(1/239). */
function piFractionHex(digits: number): string {
  const guardBits = 64n;
  const bits = BigInt(digits * 4) + guardBits;
  const one = 1n << bits;
  const atanInverse = (x: bigint): bigint => {
    const x2 = x * x;
    let power = one / x;
    let sum = power;
    for (let k = 1n; power !== 0n; k++) {
      power /= x2;
      const term = power / (2n * k + 1n);
      sum = k % 2n === 1n ? sum - term : sum + term;
    }
    return sum;
  };
  const pi = 16n * atanInverse(5n) - 4n * atanInverse(239n);
  const fraction = (pi - 3n * one) >> guardBits;
  return fraction.toString(16).padStart(digits, '0');
}

/** Blowfish's F: ((S0[a] + S1[b]) ^ S2[c]) + S3[d], modulo 2^32. */
function f(s: Uint32Array, x: number): number {
  return (((s[S0 + (x >>> 24)]! + s[S1 + ((x >>> 16) & 0xff)]!) ^ s[S2 + ((x >>> 8) & 0xff)]!) + s[S3 + (x & 0xff)]!) | 0;
}

/** Encrypts the 64-bit block `block[at]`, `block[at + 1]` in place with state `s`. */
function encipher(s: Uint32Array, block: Uint32Array, at: number): void {
  let l = block[at]! ^ s[0]!;
  let r = block[at + 1]!;
  for (let i = 1; i < 17; i += 2) {
    r ^= f(s, l) ^ s[i]!;
    l ^= f(s, r) ^ s[i + 1]!;
  }
  block[at] = r ^ s[17]!;
  block[at + 1] = l;
}

/** `count` big-endian words read cyclically from `bytes` (Blowfish's stream2word). */
function cyclicWords(bytes: Uint8Array, count: number): Uint32Array {
  const words = new Uint32Array(count);
  let j = 0;
  for (let i = 0; i < count; i++) {
    let w = 0;
    for (let k = 0; k < 4; k++) {
      w = (w << 8) | bytes[j]!;
      j = (j + 1) % bytes.length;
    }
    words[i] = w;
  }
  return words;
}

/**
 * The expensive key schedule's step: XOR the key into P, then re-encrypt the whole state, mixing in
 * `salt` (four words, cycled) before each encryption when given — EksBlowfish's ExpandKey.
 */
function expandKey(s: Uint32Array, key: Uint32Array, salt?: Uint32Array): void {
  for (let i = 0; i < 18; i++) s[i] = s[i]! ^ key[i]!;
  const block = new Uint32Array(2);
  let j = 0;
  for (let i = 0; i < STATE_WORDS; i += 2) {
    if (salt) {
      block[0] = block[0]! ^ salt[j]!;
      block[1] = block[1]! ^ salt[j + 1]!;
      j = (j + 2) % 4;
    }
    encipher(s, block, 0);
    s[i] = block[0]!;
    s[i + 1] = block[1]!;
  }
}

/** The 23 checksum bytes of bcrypt(cost, salt, password). */
function bcryptRaw(password: string, salt: Uint8Array, cost: number): Buffer {
  const keyBytes = Buffer.concat([Buffer.from(password, 'utf8'), Buffer.alloc(1)]).subarray(0, 72);
  const key = cyclicWords(keyBytes, 18);
  const saltWords = cyclicWords(salt, 4);
  const saltAsKey = cyclicWords(salt, 18);
  const s = Uint32Array.from(blowfishInitialState());
  expandKey(s, key, saltWords);
  for (let round = 0, rounds = 2 ** cost; round < rounds; round++) {
    expandKey(s, key);
    expandKey(s, saltAsKey);
  }
  const text = Uint32Array.from(MAGIC);
  for (let i = 0; i < 64; i++) for (let b = 0; b < 6; b += 2) encipher(s, text, b);
  const out = Buffer.alloc(24);
  text.forEach((w, i) => out.writeUInt32BE(w, i * 4));
  return out.subarray(0, 23);
}

/** bcrypt's base-64 of `bytes` (no padding). */
export function encodeBcryptBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += ALPHABET[a >> 2];
    out += ALPHABET[((a & 0x03) << 4) | ((b ?? 0) >> 4)];
    if (b === undefined) break;
    out += ALPHABET[((b & 0x0f) << 2) | ((c ?? 0) >> 6)];
    if (c === undefined) break;
    out += ALPHABET[c & 0x3f];
  }
  return out;
}

/** The first `length` bytes encoded by bcrypt's base-64 `text`; undefined on a foreign character. */
export function decodeBcryptBase64(text: string, length: number): Buffer | undefined {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const v = DECODE.get(ch);
    if (v === undefined) return undefined;
    value = ((value << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
      if (bytes.length === length) break;
    }
  }
  return bytes.length === length ? Buffer.from(bytes) : undefined;
}

/** A stored bcrypt value split into its parts. */
export interface BcryptParts {
  readonly version: '2a' | '2b' | '2y';
  readonly cost: number;
  readonly salt: Buffer;
  /** The 31 characters after the salt. */
  readonly checksum: string;
}

const BCRYPT_SHAPE = /^\$(2[aby])\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/** Whether `stored` looks like a bcrypt value (any cost). */
export function isBcryptHash(stored: string): boolean {
  return BCRYPT_SHAPE.test(stored);
}

/** The parts of a `$2a$`/`$2b$`/`$2y$` value, or undefined when it is not one. */
export function parseBcrypt(stored: string): BcryptParts | undefined {
  const m = BCRYPT_SHAPE.exec(stored);
  if (!m) return undefined;
  const salt = decodeBcryptBase64(m[3]!, 16);
  if (!salt) return undefined;
  return { version: m[1] as BcryptParts['version'], cost: Number(m[2]), salt, checksum: m[4]! };
}

/** The 31-character checksum bcrypt computes for `password` with `salt` (16 bytes) at `cost`. */
export function bcryptChecksum(password: string, salt: Uint8Array, cost: number): string {
  if (salt.length !== 16) throw new RangeError('bcrypt salt must be 16 bytes');
  if (!Number.isInteger(cost) || cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) {
    throw new RangeError(`bcrypt cost must be ${MIN_BCRYPT_COST}..${MAX_BCRYPT_COST}`);
  }
  return encodeBcryptBase64(bcryptRaw(password, salt, cost));
}

/** A complete bcrypt value (`$2b$10$…`) for `password`: fixtures and tests. */
export function bcryptHash(password: string, options: { cost: number; salt: Uint8Array; version?: '2a' | '2b' | '2y' }): string {
  const checksum = bcryptChecksum(password, options.salt, options.cost);
  const cost = String(options.cost).padStart(2, '0');
  return `$${options.version ?? '2b'}$${cost}$${encodeBcryptBase64(options.salt)}${checksum}`;
}

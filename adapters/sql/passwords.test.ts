/**
 * The stored password formats, against reference values made elsewhere: bcrypt vectors from
 * crypt_blowfish's test suite, from libxcrypt (glibc `crypt(3)`, via Python's `crypt`) and from
 * PostgreSQL's pgcrypto `crypt()`; PBKDF2-HMAC-SHA256 vectors from RFC 7914 §11 and computed with
 * Python's `hashlib.pbkdf2_hmac`; digests from FIPS 180 / RFC 1321 examples and Python's `hashlib`.
 */
import { describe, expect, it } from 'vitest';
import { bcryptChecksum, bcryptHash, blowfishInitialState, decodeBcryptBase64, encodeBcryptBase64, parseBcrypt } from './bcrypt.ts';
import { passwordFormatSchema, type PasswordFormatConfig } from './config.ts';
import { createPasswordVerifier, detectPasswordFormat, type StoredPassword } from './passwords.ts';

const format = (input: unknown): PasswordFormatConfig => passwordFormatSchema.parse(input);

async function verdict(config: unknown, stored: StoredPassword, password: string) {
  return createPasswordVerifier(format(config)).verify(stored, password);
}

async function expectChecks(config: unknown, stored: StoredPassword, password: string, wrong = `!${password}`) {
  expect(await verdict(config, stored, password)).toEqual({ ok: true });
  expect(await verdict(config, stored, wrong)).toEqual({ ok: false });
  expect(await verdict(config, stored, '')).toEqual({ ok: false });
}

describe('bcrypt', () => {
  it('builds Blowfish from the digits of π', () => {
    const s = blowfishInitialState();
    expect(s.length).toBe(18 + 1024);
    // P1, P18, S1[0] and S4[255] of Schneier's tables.
    expect([s[0], s[17], s[18], s[1041]].map((w) => w!.toString(16))).toEqual(['243f6a88', '8979fb1b', 'd1310ba6', '3ac372e6']);
  });

  it('round-trips its base-64', () => {
    const bytes = Buffer.from('000102030405060708090a0b0c0d0e0fff', 'hex');
    expect(decodeBcryptBase64(encodeBcryptBase64(bytes), bytes.length)).toEqual(bytes);
    expect(encodeBcryptBase64(Buffer.alloc(16))).toBe('......................');
    expect(decodeBcryptBase64('!abc', 2)).toBeUndefined();
  });

  const vectors: [source: string, hash: string, password: string][] = [
    // crypt_blowfish (Openwall) test vectors.
    ['crypt_blowfish', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
    ['crypt_blowfish', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', 'U*U*'],
    ['crypt_blowfish', '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a', 'U*U*U'],
    [
      'crypt_blowfish',
      '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui',
      '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored',
    ],
    ['crypt_blowfish', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy', ''],
    // libxcrypt.
    ['libxcrypt', '$2b$04$abcdefghijklmnopqrstuulgiOPcsUD87zWfV9HdXrB8t0KdrscHG', 'mama-1001'],
    ['libxcrypt', '$2y$06$0123456789ABCDEFGHIJKu/MAeA7SCU0/.O3OTpseWJJRH.1Se22a', 'пароль-Ёлка'],
    ['libxcrypt', '$2b$10$N9qo8uLOickgx2ZMRZoMye7GqGE4ku32NTT7U545gTX1DpD6T9Jm6', 'uchitel-3002'],
    ['libxcrypt', '$2b$05$/OK.fbVrR/bpIqNJ5ianF.SxYtxMT6nLvr.VBQZzuIj6jr9GV37Si', 'x'.repeat(100)],
    // pgcrypto.
    ['pgcrypto', '$2a$06$Ro0CUfOqk6cXEKf3dyaM7Ow1aQ.Jes4pQ0J92MtackoghnguBzZWy', 'Gosuslugi-2026'],
    ['pgcrypto', '$2a$04$......................w74bL5gU7LSJClZClCa.Pkz14aTv/XO', ''],
  ];

  it.each(vectors)('matches %s: %s', (_source, hash, password) => {
    const parts = parseBcrypt(hash)!;
    expect(bcryptChecksum(password, parts.salt, parts.cost)).toBe(parts.checksum);
  });

  it('verifies through the bcrypt format and refuses wrong passwords', async () => {
    for (const [, hash, password] of vectors.filter(([, , p]) => p !== '')) {
      await expectChecks({ type: 'bcrypt' }, { hash }, password);
    }
    await expectChecks({ type: 'bcrypt' }, { hash: '$2y$06$0123456789ABCDEFGHIJKu/MAeA7SCU0/.O3OTpseWJJRH.1Se22a' }, 'пароль-Ёлка', 'пароль-Елка');
  });

  it('uses only the first 72 bytes of a password', async () => {
    const hash = '$2b$05$/OK.fbVrR/bpIqNJ5ianF.SxYtxMT6nLvr.VBQZzuIj6jr9GV37Si';
    expect(await verdict({ type: 'bcrypt' }, { hash }, `${'x'.repeat(72)}anything`)).toEqual({ ok: true });
    expect(await verdict({ type: 'bcrypt' }, { hash }, 'x'.repeat(71))).toEqual({ ok: false });
  });

  it('makes hashes it can verify, in every version', async () => {
    for (const version of ['2a', '2b', '2y'] as const) {
      const hash = bcryptHash('mama-1001', { cost: 4, salt: Buffer.alloc(16, 1), version });
      expect(hash.startsWith(`$${version}$04$`)).toBe(true);
      await expectChecks({ type: 'bcrypt' }, { hash }, 'mama-1001');
    }
  });

  it('refuses costs it will not compute, $2x$ and malformed values, without throwing', async () => {
    const tooCostly = '$2b$17$abcdefghijklmnopqrstuulgiOPcsUD87zWfV9HdXrB8t0KdrscHG';
    const started = Date.now();
    expect(await verdict({ type: 'bcrypt' }, { hash: tooCostly }, 'mama-1001')).toEqual({ ok: false, problem: expect.stringContaining('cost 17') });
    expect(Date.now() - started).toBeLessThan(2_000);
    const buggy = '$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e';
    expect((await verdict({ type: 'bcrypt' }, { hash: buggy }, 'x')).ok).toBe(false);
    expect((await verdict({ type: 'bcrypt' }, { hash: '$2b$05$short' }, 'x')).ok).toBe(false);
  });
});

describe('PBKDF2-HMAC-SHA256', () => {
  it('matches RFC 7914 §11 as bare keys', async () => {
    const bare = { type: 'pbkdf2-sha256', hashEncoding: 'hex', saltEncoding: 'utf8' };
    await expectChecks(
      { ...bare, iterations: 1 },
      { hash: '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783', salt: 'salt' },
      'passwd',
    );
    await expectChecks(
      { ...bare, iterations: 80_000 },
      { hash: '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d', salt: 'NaCl' },
      'Password',
    );
  });

  it('reads bare keys with hex salts and refuses a wrong iteration count', async () => {
    const stored = { hash: '71c22f6855b604e83ed516481f08eb5d8474115ae498114d2eec31a01cb50e45', salt: '00112233445566778899aabbccddeeff' };
    await expectChecks({ type: 'pbkdf2-sha256', iterations: 20_000, saltEncoding: 'hex' }, stored, 'mama-1001');
    expect(await verdict({ type: 'pbkdf2-sha256', iterations: 20_001, saltEncoding: 'hex' }, stored, 'mama-1001')).toEqual({ ok: false });
    expect(await verdict({ type: 'pbkdf2-sha256' }, stored, 'mama-1001')).toEqual({ ok: false, problem: expect.stringContaining('iterations') });
  });

  it('reads Django values', async () => {
    const hash = 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=';
    await expectChecks({ type: 'pbkdf2-sha256' }, { hash }, 'lètmein', 'letmein');
    expect(detectPasswordFormat(hash)).toBe('pbkdf2-sha256');
  });

  it('reads passlib values', async () => {
    const hash = '$pbkdf2-sha256$29000$AAECAwQFBgcICQoLDA0ODw$yZ1z2ISdiifYYFV98RzwHQ8H0PKV0pOm/x00OJUDwTk';
    await expectChecks({ type: 'auto' }, { hash }, 'пароль');
  });

  it('refuses absurd iteration counts', async () => {
    const hash = 'pbkdf2_sha256$999999999$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=';
    expect(await verdict({ type: 'auto' }, { hash }, 'lètmein')).toEqual({ ok: false, problem: expect.stringContaining('iterations') });
  });
});

describe('salted digests', () => {
  const password = 'пароль';
  it.each([
    ['salted-md5', 'prefix', '029c6a9a86578336f1616ab9e08930d9'],
    ['salted-md5', 'suffix', '440db8c7760210f5efb1e05283610d9f'],
    ['salted-sha1', 'prefix', 'd6bd0d4408b4d33edc64af07dc83a2da83cdc16a'],
    ['salted-sha1', 'suffix', 'd398b46919be5de2ac97e98c8645011fb601cbc8'],
    ['salted-sha256', 'prefix', 'a44760c7fe3809dc6460626f83751699ba5206e07034427e5ff73e482838a5f3'],
    ['salted-sha256', 'suffix', 'bd49c62120babf98c99a3189e73494f4ccbb075b8900a9d6ebda723a069b3e3b'],
  ])('%s with the salt as %s', async (type, saltPosition, hex) => {
    await expectChecks({ type, saltPosition }, { hash: hex, salt: 'NaCl' }, password);
    await expectChecks({ type, saltPosition }, { hash: hex.toUpperCase(), salt: 'NaCl' }, password);
    const other = saltPosition === 'prefix' ? 'suffix' : 'prefix';
    expect(await verdict({ type, saltPosition: other }, { hash: hex, salt: 'NaCl' }, password)).toEqual({ ok: false });
    await expectChecks({ type: 'auto', salted: { saltPosition } }, { hash: hex, salt: 'NaCl' }, password);
  });

  it.each([
    ['salted-md5', 'RA24x3YCEPXvseBSg2ENnw=='],
    ['salted-sha1', '05i0aRm+XeKsl+mMhkUBH7YBy8g='],
    ['salted-sha256', 'vUnGISC6v5jJmjGJ5zSU9My7B1uJAKnW69pyOgabPjs='],
  ])('%s in base64', async (type, base64) => {
    await expectChecks({ type, saltPosition: 'suffix', hashEncoding: 'base64' }, { hash: base64, salt: 'NaCl' }, password);
    expect((await verdict({ type, saltPosition: 'suffix', hashEncoding: 'hex' }, { hash: base64, salt: 'NaCl' }, password)).ok).toBe(false);
    await expectChecks({ type: 'auto', salted: { saltPosition: 'suffix' } }, { hash: base64, salt: 'NaCl' }, password);
  });

  it('unsalted digests (FIPS 180 and RFC 1321 examples) and hex salts', async () => {
    await expectChecks({ type: 'salted-sha1', saltPosition: 'prefix' }, { hash: 'a9993e364706816aba3e25717850c26c9cd0d89d', salt: null }, 'abc');
    await expectChecks({ type: 'auto' }, { hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' }, 'abc');
    expect(await verdict({ type: 'auto' }, { hash: 'd41d8cd98f00b204e9800998ecf8427e' }, '')).toEqual({ ok: true });
    await expectChecks({ type: 'salted-md5', saltPosition: 'suffix', saltEncoding: 'hex' }, { hash: 'ef5bccbbe0f014dcd7deb672de2a3054', salt: 'deadbeef' }, 'secret');
    expect((await verdict({ type: 'salted-md5', saltPosition: 'suffix', saltEncoding: 'hex' }, { hash: 'ef5bccbbe0f014dcd7deb672de2a3054', salt: 'not hex' }, 'secret')).ok).toBe(false);
  });

  it('asks for the salt position before checking salted values under auto', async () => {
    const outcome = await verdict({ type: 'auto' }, { hash: '440db8c7760210f5efb1e05283610d9f', salt: 'NaCl' }, password);
    expect(outcome).toEqual({ ok: false, problem: expect.stringContaining('saltPosition') });
  });
});

describe('auto and per-row formats', () => {
  it('recognizes each shape', () => {
    expect(detectPasswordFormat('$2b$04$abcdefghijklmnopqrstuulgiOPcsUD87zWfV9HdXrB8t0KdrscHG')).toBe('bcrypt');
    expect(detectPasswordFormat('$2y$06$0123456789ABCDEFGHIJKu/MAeA7SCU0/.O3OTpseWJJRH.1Se22a')).toBe('bcrypt');
    expect(detectPasswordFormat('$pbkdf2-sha256$29000$AAECAwQFBgcICQoLDA0ODw$yZ1z2ISdiifYYFV98RzwHQ8H0PKV0pOm/x00OJUDwTk')).toBe('pbkdf2-sha256');
    expect(detectPasswordFormat('029c6a9a86578336f1616ab9e08930d9')).toBe('salted-md5');
    expect(detectPasswordFormat('RA24x3YCEPXvseBSg2ENnw==')).toBe('salted-md5');
    expect(detectPasswordFormat('d6bd0d4408b4d33edc64af07dc83a2da83cdc16a')).toBe('salted-sha1');
    expect(detectPasswordFormat('05i0aRm+XeKsl+mMhkUBH7YBy8g=')).toBe('salted-sha1');
    expect(detectPasswordFormat('A44760C7FE3809DC6460626F83751699BA5206E07034427E5FF73E482838A5F3')).toBe('salted-sha256');
    expect(detectPasswordFormat('vUnGISC6v5jJmjGJ5zSU9My7B1uJAKnW69pyOgabPjs=')).toBe('salted-sha256');
    for (const unknown of ['', 'mama-1001', '$1$saltsalt$hash', '$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e', '029c6a9a']) {
      expect(detectPasswordFormat(unknown)).toBeUndefined();
    }
  });

  it('never treats a clear-text password as a stored value', async () => {
    expect(await verdict({ type: 'auto' }, { hash: 'mama-1001' }, 'mama-1001')).toEqual({ ok: false, problem: expect.any(String) });
  });

  it('lets a row say its format (a bare PBKDF2 key looks like a SHA-256 digest)', async () => {
    const config = { type: 'auto', pbkdf2: { iterations: 20_000, hashEncoding: 'hex', saltEncoding: 'hex' } };
    const stored = { hash: '71c22f6855b604e83ed516481f08eb5d8474115ae498114d2eec31a01cb50e45', salt: '00112233445566778899aabbccddeeff' };
    await expectChecks(config, { ...stored, format: 'pbkdf2-sha256' }, 'mama-1001');
    expect(await verdict(config, { ...stored, format: 'sha512' }, 'mama-1001')).toEqual({
      ok: false,
      problem: expect.stringContaining('password_format must be one of'),
    });
  });

  it('spends on an unknown login what a real check of the last seen format costs', async () => {
    const verifier = createPasswordVerifier(format({ type: 'auto' }));
    const hash = bcryptHash('mama-1001', { cost: 8, salt: Buffer.alloc(16, 3) });
    await verifier.verify({ hash }, 'warm-up');
    // The fastest of a few runs, so a busy machine does not decide the ratio.
    const time = async (work: () => Promise<unknown>) => {
      let best = Infinity;
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        await work();
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };
    const real = await time(() => verifier.verify({ hash }, 'wrong'));
    const wasted = await time(() => verifier.waste('wrong'));
    expect(wasted / real).toBeGreaterThan(0.33);
    expect(wasted / real).toBeLessThan(3);
  });

  it('rejects unknown options', () => {
    expect(passwordFormatSchema.safeParse({ type: 'bcrypt', cost: 10 }).success).toBe(false);
    expect(passwordFormatSchema.safeParse({ type: 'salted-md5' }).success).toBe(false);
    expect(passwordFormatSchema.safeParse({ type: 'scrypt' }).success).toBe(false);
    expect(passwordFormatSchema.safeParse({ type: 'auto', salted: { saltPosition: 'middle' } }).success).toBe(false);
  });
});

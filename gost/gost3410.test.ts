import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openssl, requireGostEngine, withTempDir } from '../test/helpers/openssl-gost.ts';
import { GOST_CURVES, curveByName, curveByOid, type GostCurve } from './curves.ts';
import {
  derivePublicKey,
  generateKeyPair,
  isOnCurve,
  sign,
  signDigest,
  verify,
  verifyDigest,
  type GostPublicKey,
} from './gost3410.ts';
import { streebog256 } from './streebog.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const be32 = (v: bigint): Uint8Array => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
const le32 = (v: bigint): Uint8Array => be32(v).reverse();
/** A signature in the wire layout: s then r, 32 bytes big-endian each. */
const sigOf = (r: bigint, s: bigint): Uint8Array => Uint8Array.from([...be32(s), ...be32(r)]);
const flip = (bytes: Uint8Array, index: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
};

describe('GOST R 34.10-2012 known answer (RFC 7091 section 7, 256-bit example)', () => {
  const curve = curveByName('id-GostR3410-2001-TestParamSet');
  const d = 0x7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28n;
  const k = 0x77105c9b20bcd3122823c8cf6fcc7b956de33814e95b7fe64fed924594dceab3n;
  // The RFC gives e (= alpha, as it is below q). alpha is the hash vector read as a number, and the
  // hash bytes in OpenSSL order are least significant first, so the digest is e little-endian.
  const e = 0x2dfbc1b372d89a1188c09c52e0eec61fce52032ab1022e8e67ece6672b043ee5n;
  const digest = le32(e);
  const r = 0x41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493n;
  const s = 0x01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40n;
  const xq = 0x7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80bn;
  const yq = 0x26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77dan;

  it('derives the verification key Q = d·P', () => {
    const pub = derivePublicKey({ curve, d });
    expect(pub.x).toBe(xq);
    expect(pub.y).toBe(yq);
    expect(pub.curve).toBe(curve);
  });

  it('signs with the given k, producing s || r big-endian', () => {
    expect(hex(signDigest({ curve, d }, digest, k))).toBe(hex(sigOf(r, s)));
  });

  it('verifies the example signature, on first use and with the cached key table', () => {
    const pub: GostPublicKey = { curve, x: xq, y: yq };
    for (let i = 0; i < 3; i++) expect(verifyDigest(pub, digest, sigOf(r, s))).toBe(true);
    expect(verifyDigest(pub, digest, sigOf(s, r))).toBe(false); // halves swapped (r || s layout)
    expect(verifyDigest(pub, Uint8Array.from(digest).reverse(), sigOf(r, s))).toBe(false); // big-endian digest
  });
});

describe('input validation', () => {
  const { privateKey, publicKey } = generateKeyPair();
  const q = privateKey.curve.q;
  const digest = streebog256(new TextEncoder().encode('validation'));

  it('signDigest rejects a digest that is not 32 bytes', () => {
    expect(() => signDigest(privateKey, new Uint8Array(31))).toThrow(RangeError);
    expect(() => signDigest(privateKey, new Uint8Array(64))).toThrow(RangeError);
  });

  it('rejects private keys out of [1, q-1] and k out of [1, q-1]', () => {
    for (const d of [0n, -1n, q, q + 1n]) {
      expect(() => signDigest({ curve: privateKey.curve, d }, digest)).toThrow(RangeError);
      expect(() => derivePublicKey({ curve: privateKey.curve, d })).toThrow(RangeError);
    }
    for (const k of [0n, q, -5n]) expect(() => signDigest(privateKey, digest, k)).toThrow(RangeError);
  });

  it('signs with batched nonces: across several batches every r is new and every signature verifies', () => {
    // r = x(k·P) mod q is the second half of the wire layout; a repeated r would mean a repeated k.
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const message = streebog256(new TextEncoder().encode(`message ${i}`));
      const sig = signDigest(privateKey, message);
      seen.add(hex(sig.subarray(32)));
      expect(verifyDigest(publicKey, message, sig)).toBe(true);
      expect(verifyDigest(publicKey, digest, sig)).toBe(false);
    }
    expect(seen.size).toBe(50);
  });

  it('is deterministic for a fixed k and randomised otherwise', () => {
    expect(hex(signDigest(privateKey, digest, 12345n))).toBe(hex(signDigest(privateKey, digest, 12345n)));
    expect(hex(signDigest(privateKey, digest))).not.toBe(hex(signDigest(privateKey, digest)));
  });

  it('reduces e mod q and maps e = 0 to 1', () => {
    // A digest whose value is q gives e = 0 -> 1, so it signs exactly like the digest with value 1.
    const k = 0xabcdefn;
    expect(hex(signDigest(privateKey, le32(q), k))).toBe(hex(signDigest(privateKey, le32(1n), k)));
    expect(hex(signDigest(privateKey, le32(q + 5n), k))).toBe(hex(signDigest(privateKey, le32(5n), k)));
    const sig = signDigest(privateKey, le32(q));
    expect(verifyDigest(publicKey, le32(1n), sig)).toBe(true);
    expect(verifyDigest(publicKey, le32(q), sig)).toBe(true);
  });

  it('verify never throws for malformed arguments', () => {
    const sig = signDigest(privateKey, digest);
    const bad = [
      () => verifyDigest({} as GostPublicKey, digest, sig),
      () => verifyDigest(null as unknown as GostPublicKey, digest, sig),
      () => verifyDigest(publicKey, null as unknown as Uint8Array, sig),
      () => verifyDigest(publicKey, digest, undefined as unknown as Uint8Array),
      () => verify({ ...publicKey, x: 'x' as unknown as bigint }, digest, sig),
      () => verify(publicKey, null as unknown as Uint8Array, sig),
    ];
    for (const call of bad) expect(call()).toBe(false);
    expect(isOnCurve({} as GostPublicKey)).toBe(false);
  });
});

describe.each(Object.values(GOST_CURVES).map((c) => [c.name, c] as const))('sign/verify on %s', (_name, curve) => {
  const { privateKey, publicKey } = generateKeyPair(curve);
  const { q, p } = curve;

  it('generates a valid key pair', () => {
    expect(privateKey.d > 0n && privateKey.d < q).toBe(true);
    expect(isOnCurve(publicKey)).toBe(true);
    expect(derivePublicKey(privateKey)).toEqual(publicKey);
    expect(publicKey.curve).toBe(curve);
  });

  it('round-trips for messages of several lengths, with and without the key table', () => {
    for (const length of [0, 1, 32, 64, 200, 1000]) {
      const data = randomBytes(length);
      const sig = sign(privateKey, data);
      expect(sig).toHaveLength(64);
      // The first verification with a key takes the wNAF path, later ones the per-key table.
      for (let i = 0; i < 3; i++) expect(verify(publicKey, data, sig)).toBe(true);
      expect(verifyDigest(publicKey, streebog256(data), sig)).toBe(true);
    }
  });

  const tampering: ReadonlyArray<readonly [string, (data: Uint8Array, sig: Uint8Array) => [Uint8Array, Uint8Array]]> = [
    ['data byte flipped', (data, sig) => [flip(data, 50), sig]],
    ['data truncated', (data, sig) => [data.subarray(1), sig]],
    ['s high byte flipped', (data, sig) => [data, flip(sig, 0)]],
    ['s low byte flipped', (data, sig) => [data, flip(sig, 31)]],
    ['r high byte flipped', (data, sig) => [data, flip(sig, 32)]],
    ['r low byte flipped', (data, sig) => [data, flip(sig, 63)]],
    ['halves swapped', (data, sig) => [data, Uint8Array.from([...sig.subarray(32), ...sig.subarray(0, 32)])]],
  ];

  it("rejects tampered data and signatures on a key's first use (wNAF path)", () => {
    for (const [label, tamper] of tampering) {
      const fresh = generateKeyPair(curve); // never used for verification yet
      const data = randomBytes(100);
      const sig = sign(fresh.privateKey, data);
      expect(verify(fresh.publicKey, ...tamper(data, sig)), label).toBe(false);
    }
  });

  it('rejects tampered data and signatures with the cached key table', () => {
    const data = randomBytes(100);
    const sig = sign(privateKey, data);
    for (let i = 0; i < 2; i++) expect(verify(publicKey, data, sig)).toBe(true);
    for (const [label, tamper] of tampering) expect(verify(publicKey, ...tamper(data, sig)), label).toBe(false);
    expect(verify(publicKey, data, sig)).toBe(true);
  });

  it('rejects a signature under the wrong key', () => {
    const data = randomBytes(100);
    const sig = sign(privateKey, data);
    const other = generateKeyPair(curve).publicKey;
    for (let i = 0; i < 3; i++) expect(verify(other, data, sig)).toBe(false);
  });

  it('rejects r or s equal to 0 or >= q, and wrong lengths', () => {
    const data = randomBytes(10);
    const sig = sign(privateKey, data);
    const s = BigInt('0x' + hex(sig.subarray(0, 32)));
    const r = BigInt('0x' + hex(sig.subarray(32)));
    for (const [rr, ss] of [
      [0n, s],
      [r, 0n],
      [q, s],
      [r, q],
      [r + q, s],
      [r, s + q],
      [q + 1n, q + 1n],
    ] as const) {
      if (rr < 1n << 256n && ss < 1n << 256n) expect(verify(publicKey, data, sigOf(rr, ss))).toBe(false);
    }
    const ones = new Uint8Array(64).fill(0xff);
    expect(verify(publicKey, data, ones)).toBe(false);
    expect(verify(publicKey, data, new Uint8Array(64))).toBe(false);
    expect(verify(publicKey, data, sig.subarray(0, 63))).toBe(false);
    expect(verify(publicKey, data, Uint8Array.from([...sig, 0]))).toBe(false);
    expect(verify(publicKey, data, new Uint8Array(0))).toBe(false);
    expect(verifyDigest(publicKey, new Uint8Array(31), sig)).toBe(false);
    expect(verifyDigest(publicKey, new Uint8Array(64), sig)).toBe(false);
    expect(verify(publicKey, data, sig)).toBe(true);
  });

  it('rejects public keys that are not on the curve', () => {
    const data = randomBytes(10);
    const sig = sign(privateKey, data);
    const bad: GostPublicKey[] = [
      { curve, x: publicKey.x, y: (publicKey.y + 1n) % p },
      { curve, x: publicKey.x + p, y: publicKey.y },
      { curve, x: publicKey.x, y: publicKey.y + p },
      { curve, x: -publicKey.x, y: publicKey.y },
      { curve, x: 0n, y: 0n },
    ];
    for (const key of bad) {
      expect(isOnCurve(key)).toBe(false);
      expect(verify(key, data, sig)).toBe(false);
      expect(verify(key, data, sig)).toBe(false);
    }
  });

  it('the negated key does not verify (y matters, not just x)', () => {
    const data = randomBytes(10);
    const sig = sign(privateKey, data);
    const negated: GostPublicKey = { curve, x: publicKey.x, y: p - publicKey.y };
    expect(isOnCurve(negated)).toBe(true);
    for (let i = 0; i < 3; i++) expect(verify(negated, data, sig)).toBe(false);
  });
});

describe('verification key cache', () => {
  it('stays correct when more keys are used than it holds', () => {
    const curve = curveByName('id-GostR3410-2001-CryptoPro-A-ParamSet');
    const data = new TextEncoder().encode('cache');
    const pairs = Array.from({ length: 40 }, () => generateKeyPair(curve));
    const sigs = pairs.map((kp) => sign(kp.privateKey, data));
    pairs.forEach((kp, i) => expect(verify(kp.publicKey, data, sigs[i]!)).toBe(true));
    // The first keys have been evicted by now; they come back, and get their tables on reuse.
    for (let i = 0; i < 3; i++) {
      expect(verify(pairs[i]!.publicKey, data, sigs[i]!)).toBe(true);
      expect(verify(pairs[i]!.publicKey, data, sigs[i + 1]!)).toBe(false);
      expect(verify(pairs[i]!.publicKey, data, sigs[i]!)).toBe(true);
    }
  });

  it('releases the tables of keys it drops, and a dropped key object verifies again (its table rebuilt)', () => {
    const curve = curveByName('id-GostR3410-2001-CryptoPro-A-ParamSet');
    const data = new TextEncoder().encode('tables');
    const pairs = Array.from({ length: 36 }, () => generateKeyPair(curve));
    const sigs = pairs.map((kp) => sign(kp.privateKey, data));
    // Two uses each: every key gets a table, and the first ones are dropped with theirs.
    for (let round = 0; round < 2; round++) pairs.forEach((kp, i) => expect(verify(kp.publicKey, data, sigs[i]!)).toBe(true));
    for (let i = 0; i < 4; i++) {
      for (let use = 0; use < 3; use++) {
        expect(verify(pairs[i]!.publicKey, data, sigs[i]!)).toBe(true);
        expect(verify(pairs[i]!.publicKey, data, sigs[i + 1]!)).toBe(false);
      }
    }
    // The same coordinates in a new object find the same entry.
    const copy = { ...pairs[35]!.publicKey };
    expect(verify(copy, data, sigs[35]!)).toBe(true);
    expect(verify(copy, data, sigs[34]!)).toBe(false);
  });

  it('does not confuse equal coordinates on different curves', () => {
    const a = curveByName('id-GostR3410-2001-CryptoPro-A-ParamSet');
    const tc = curveByName('id-tc26-gost-3410-2012-256-paramSetA'); // same p, different curve
    const { privateKey, publicKey } = generateKeyPair(a);
    const data = randomBytes(20);
    const sig = sign(privateKey, data);
    for (let i = 0; i < 3; i++) expect(verify(publicKey, data, sig)).toBe(true);
    expect(verify({ ...publicKey, curve: tc }, data, sig)).toBe(false);
  });
});

/** OpenSSL gost engine names for the 256-bit parameter sets it supports, and their OIDs. */
const ENGINE_PARAMSETS: ReadonlyArray<readonly [string, string]> = [
  ['A', '1.2.643.2.2.35.1'],
  ['B', '1.2.643.2.2.35.2'],
  ['C', '1.2.643.2.2.35.3'],
  ['XA', '1.2.643.2.2.36.0'],
  ['XB', '1.2.643.2.2.36.1'],
  ['TCA', '1.2.643.7.1.2.1.1.1'],
  ['TCB', '1.2.643.7.1.2.1.1.2'],
  ['TCC', '1.2.643.7.1.2.1.1.3'],
  ['TCD', '1.2.643.7.1.2.1.1.4'],
];

/** DER encoding of an OBJECT IDENTIFIER (enough for the OIDs above). */
function oidDer(oid: string): Buffer {
  const [first, second, ...rest] = oid.split('.').map(Number);
  const body = [first! * 40 + second!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    body.push(...chunk);
  }
  return Buffer.from([0x06, body.length, ...body]);
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

interface OpensslKey {
  curve: GostCurve;
  d: bigint;
  x: bigint;
  y: bigint;
  keyFile: string;
  pubFile: string;
  pubDer: Buffer;
}

/** Generates a GOST 2012 256-bit key with OpenSSL and reads d and Q from `openssl pkey -text`. */
function opensslKey(dir: string, paramset: string, oid: string): OpensslKey {
  const keyFile = join(dir, 'key.pem');
  const pubFile = join(dir, 'pub.pem');
  const engine = ['-engine', 'gost'];
  openssl(['genpkey', ...engine, '-algorithm', 'gost2012_256', '-pkeyopt', `paramset:${paramset}`, '-out', keyFile]);
  const text = openssl(['pkey', ...engine, '-in', keyFile, '-text', '-noout']).toString('utf8');
  openssl(['pkey', ...engine, '-in', keyFile, '-pubout', '-out', pubFile]);
  const field = (re: RegExp): bigint => {
    const m = re.exec(text);
    if (!m) throw new Error(`unexpected openssl pkey -text output:\n${text}`);
    return BigInt('0x' + m[1]);
  };
  const pubDer = pemToDer(readFileSync(pubFile, 'utf8'));
  return {
    curve: curveByOid(oid),
    d: field(/^Private key:\s*([0-9A-Fa-f]+)\s*$/m),
    x: field(/^\s*X:\s*([0-9A-Fa-f]+)\s*$/m),
    y: field(/^\s*Y:\s*([0-9A-Fa-f]+)\s*$/m),
    keyFile,
    pubFile,
    pubDer,
  };
}

function opensslVerifies(dir: string, pubFile: string, data: Uint8Array, signature: Uint8Array): boolean {
  const dataFile = join(dir, 'verify-data.bin');
  const sigFile = join(dir, 'verify-sig.bin');
  writeFileSync(dataFile, data);
  writeFileSync(sigFile, signature);
  try {
    const out = openssl(['dgst', '-engine', 'gost', '-md_gost12_256', '-verify', pubFile, '-signature', sigFile, dataFile]);
    return out.toString('utf8').includes('Verified OK');
  } catch {
    return false;
  }
}

describe.runIf(requireGostEngine())('GOST R 34.10-2012 against OpenSSL gost engine', () => {
  describe.each(ENGINE_PARAMSETS)('paramset %s (%s)', (paramset, oid) => {
    it('key: the public key file names the curve, and d·P equals OpenSSL\'s public point', () => {
      withTempDir((dir) => {
        const key = opensslKey(dir, paramset, oid);
        expect(key.pubDer.includes(oidDer(oid))).toBe(true);
        // The SubjectPublicKeyInfo ends with the 64-byte key: x then y, each little-endian.
        const raw = key.pubDer.subarray(key.pubDer.length - 64);
        expect(BigInt('0x' + hex(Uint8Array.from(raw.subarray(0, 32)).reverse()))).toBe(key.x);
        expect(BigInt('0x' + hex(Uint8Array.from(raw.subarray(32)).reverse()))).toBe(key.y);
        const pub = derivePublicKey({ curve: key.curve, d: key.d });
        expect([pub.x, pub.y]).toEqual([key.x, key.y]);
      });
    });

    it('OpenSSL signs, we verify (and reject tampering)', () => {
      withTempDir((dir) => {
        const key = opensslKey(dir, paramset, oid);
        const pub: GostPublicKey = { curve: key.curve, x: key.x, y: key.y };
        for (const length of [0, 57, 1000]) {
          const data = randomBytes(length);
          const dataFile = join(dir, 'data.bin');
          const sigFile = join(dir, 'sig.bin');
          writeFileSync(dataFile, data);
          openssl(['dgst', '-engine', 'gost', '-md_gost12_256', '-sign', key.keyFile, '-out', sigFile, dataFile]);
          const sig = new Uint8Array(readFileSync(sigFile));
          expect(sig).toHaveLength(64);
          for (let i = 0; i < 2; i++) expect(verify(pub, data, sig)).toBe(true);
          expect(verify(pub, flip(data.length ? data : new Uint8Array(1), 0), sig)).toBe(false);
          expect(verify(pub, data, flip(sig, 10))).toBe(false);
          expect(verify(pub, data, flip(sig, 40))).toBe(false);
        }
      });
    });

    it('we sign with OpenSSL\'s key, OpenSSL verifies (and rejects tampering)', () => {
      withTempDir((dir) => {
        const key = opensslKey(dir, paramset, oid);
        for (const length of [0, 64, 333]) {
          const data = randomBytes(length);
          const sig = sign({ curve: key.curve, d: key.d }, data);
          expect(opensslVerifies(dir, key.pubFile, data, sig)).toBe(true);
          expect(opensslVerifies(dir, key.pubFile, data, flip(sig, 63))).toBe(false);
        }
      });
    });

    it('we generate a key and sign, OpenSSL verifies with our key in its SubjectPublicKeyInfo', () => {
      withTempDir((dir) => {
        const template = opensslKey(dir, paramset, oid);
        const { privateKey, publicKey } = generateKeyPair(template.curve);
        const der = Buffer.from(template.pubDer);
        der.set(le32(publicKey.x), der.length - 64);
        der.set(le32(publicKey.y), der.length - 32);
        const ourPub = join(dir, 'our-pub.pem');
        writeFileSync(ourPub, derToPem(der, 'PUBLIC KEY'));
        const data = randomBytes(150);
        const sig = sign(privateKey, data);
        expect(opensslVerifies(dir, ourPub, data, sig)).toBe(true);
        expect(opensslVerifies(dir, template.pubFile, data, sig)).toBe(false); // not OpenSSL's key
        expect(opensslVerifies(dir, ourPub, flip(data, 3), sig)).toBe(false);
      });
    });
  });
});

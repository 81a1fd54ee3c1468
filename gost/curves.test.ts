import { describe, expect, it } from 'vitest';
import { DEFAULT_CURVE, GOST_CURVES, curveByName, curveByOid, type GostCurve } from './curves.ts';
import { derivePublicKey, generateKeyPair, isOnCurve, sign, verify } from './gost3410.ts';

/**
 * A deliberately simple, independent affine reference implementation (textbook formulas of
 * RFC 7091 section 5.1, one inversion per step), used to double-check both the parameter sets and
 * the optimised arithmetic in gost3410.ts. `null` is the point at infinity.
 */
type Affine = { x: bigint; y: bigint } | null;

const mod = (v: bigint, m: bigint): bigint => ((v % m) + m) % m;

function inv(a: bigint, m: bigint): bigint {
  let [r0, r1, t0, t1] = [m, mod(a, m), 0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return mod(t0, m);
}

function add(c: GostCurve, P: Affine, Q: Affine): Affine {
  if (!P) return Q;
  if (!Q) return P;
  const { p } = c;
  let lambda: bigint;
  if (P.x === Q.x) {
    if (mod(P.y + Q.y, p) === 0n) return null;
    lambda = mod((3n * P.x * P.x + c.a) * inv(2n * P.y, p), p);
  } else {
    lambda = mod((Q.y - P.y) * inv(Q.x - P.x, p), p);
  }
  const x = mod(lambda * lambda - P.x - Q.x, p);
  return { x, y: mod(lambda * (P.x - x) - P.y, p) };
}

function mul(c: GostCurve, k: bigint, P: Affine): Affine {
  let result: Affine = null;
  for (const bit of k.toString(2)) {
    result = add(c, result, result);
    if (bit === '1') result = add(c, result, P);
  }
  return result;
}

function onCurve(c: GostCurve, x: bigint, y: bigint): boolean {
  return mod(y * y - (x * x * x + c.a * x + c.b), c.p) === 0n;
}

function pow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Integer square root (floor), by Newton's method. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) >> 1n;
  while (y < x) {
    x = y;
    y = (x + n / x) >> 1n;
  }
  return x;
}

const curves = Object.values(GOST_CURVES);

describe('GOST curve parameter sets', () => {
  it('contains the ten 256-bit parameter sets with their OIDs', () => {
    expect(Object.fromEntries(curves.map((c) => [c.name, c.oid]))).toEqual({
      'id-GostR3410-2001-TestParamSet': '1.2.643.2.2.35.0',
      'id-GostR3410-2001-CryptoPro-A-ParamSet': '1.2.643.2.2.35.1',
      'id-GostR3410-2001-CryptoPro-B-ParamSet': '1.2.643.2.2.35.2',
      'id-GostR3410-2001-CryptoPro-C-ParamSet': '1.2.643.2.2.35.3',
      'id-GostR3410-2001-CryptoPro-XchA-ParamSet': '1.2.643.2.2.36.0',
      'id-GostR3410-2001-CryptoPro-XchB-ParamSet': '1.2.643.2.2.36.1',
      'id-tc26-gost-3410-2012-256-paramSetA': '1.2.643.7.1.2.1.1.1',
      'id-tc26-gost-3410-2012-256-paramSetB': '1.2.643.7.1.2.1.1.2',
      'id-tc26-gost-3410-2012-256-paramSetC': '1.2.643.7.1.2.1.1.3',
      'id-tc26-gost-3410-2012-256-paramSetD': '1.2.643.7.1.2.1.1.4',
    });
  });

  it('aliases share the parameters of the sets they name', () => {
    const params = (c: GostCurve) => [c.p, c.a, c.b, c.q, c.x, c.y];
    const A = curveByOid('1.2.643.2.2.35.1');
    const B = curveByOid('1.2.643.2.2.35.2');
    const C = curveByOid('1.2.643.2.2.35.3');
    expect(params(curveByOid('1.2.643.2.2.36.0'))).toEqual(params(A));
    expect(params(curveByOid('1.2.643.2.2.36.1'))).toEqual(params(C));
    expect(params(curveByOid('1.2.643.7.1.2.1.1.2'))).toEqual(params(A));
    expect(params(curveByOid('1.2.643.7.1.2.1.1.3'))).toEqual(params(B));
    expect(params(curveByOid('1.2.643.7.1.2.1.1.4'))).toEqual(params(C));
  });

  it('looks curves up by OID and by name, and rejects unknown ones clearly', () => {
    expect(curveByName('id-tc26-gost-3410-2012-256-paramSetA').oid).toBe('1.2.643.7.1.2.1.1.1');
    expect(curveByOid('1.2.643.2.2.35.0').name).toBe('id-GostR3410-2001-TestParamSet');
    expect(() => curveByOid('1.2.643.7.1.2.1.2.1')).toThrow(/unsupported GOST R 34\.10 parameter set OID: 1\.2\.643\.7\.1\.2\.1\.2\.1/);
    expect(() => curveByName('toString')).toThrow(/unsupported/);
    expect(() => curveByName('nope')).toThrow(/unsupported/);
  });

  it('defaults to CryptoPro-A', () => {
    expect(DEFAULT_CURVE.name).toBe('id-GostR3410-2001-CryptoPro-A-ParamSet');
    expect(DEFAULT_CURVE.oid).toBe('1.2.643.2.2.35.1');
  });

  it('curve objects are frozen', () => {
    expect(Object.isFrozen(DEFAULT_CURVE)).toBe(true);
    expect(Object.isFrozen(GOST_CURVES)).toBe(true);
  });

  describe.each(curves.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('has a 256-bit prime field, q in (2^254, 2^256) and a < p, b < p', () => {
      expect(c.p.toString(2)).toHaveLength(256);
      expect(c.q > 1n << 254n && c.q < 1n << 256n).toBe(true);
      expect(c.a >= 0n && c.a < c.p && c.b > 0n && c.b < c.p).toBe(true);
    });

    it('base point G lies on the curve', () => {
      expect(onCurve(c, c.x, c.y)).toBe(true);
    });

    it('q·G is the point at infinity and (q-1)·G = -G (reference arithmetic)', () => {
      const G = { x: c.x, y: c.y };
      expect(mul(c, c.q, G)).toBeNull();
      expect(mul(c, c.q - 1n, G)).toEqual({ x: c.x, y: mod(-c.y, c.p) });
    });

    it('group order is within the Hasse bound (cofactor 4 for tc26 paramSetA, else 1)', () => {
      const cofactor = c.oid === '1.2.643.7.1.2.1.1.1' ? 4n : 1n;
      const m = cofactor * c.q;
      const t = c.p + 1n - m;
      expect(t * t <= 4n * c.p).toBe(true);
      expect(isqrt(4n * c.p) >= (t < 0n ? -t : t)).toBe(true);
    });

    it('optimised scalar multiplication agrees with the reference', () => {
      const scalars = [1n, 2n, 3n, 255n, 256n, 257n, c.q - 1n, c.q - 2n, c.q >> 1n, (1n << 248n) + 1n,
        0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefn % c.q];
      for (const d of scalars) {
        const ref = mul(c, d, { x: c.x, y: c.y });
        const got = derivePublicKey({ curve: c, d });
        expect({ x: got.x, y: got.y }, `d = ${d.toString(16)}`).toEqual(ref);
      }
    });
  });

  it('the tc26 paramSetA Weierstrass parameters match its twisted Edwards form (RFC 7836)', () => {
    const c = curveByOid('1.2.643.7.1.2.1.1.1');
    const { p } = c;
    const e = 1n;
    const d = 0x0605f6b7c183fa81578bc39cfad518132b9df62897009af7e522c32d6dc7bffbn;
    const s = mod((e - d) * inv(4n, p), p);
    const t = mod((e + d) * inv(6n, p), p);
    expect(mod(s * s - 3n * t * t, p)).toBe(c.a);
    expect(mod(2n * t * t * t - t * s * s, p)).toBe(c.b);
    // Edwards base point (u, v) maps to the Weierstrass base point.
    const u = 0x0dn;
    const v = 0x60ca1e32aa475b348488c38fab07649ce7ef8dbe87f22e81f92b2592dba300e7n;
    expect(mod(s * (1n + v) * inv(1n - v, p) + t, p)).toBe(c.x);
    expect(mod(s * (1n + v) * inv((1n - v) * u, p), p)).toBe(c.y);
  });

  it('tc26 paramSetA: verification rejects, without throwing, keys outside the order-q subgroup', () => {
    const c = curveByOid('1.2.643.7.1.2.1.1.1');
    expect(c.p % 4n).toBe(3n); // so square roots are a^((p+1)/4)
    // Find a curve point R whose q-multiple is not infinity: R is outside the subgroup and q·R
    // is a point of order 2 or 4.
    let outside: { x: bigint; y: bigint } | undefined;
    let small: { x: bigint; y: bigint } | undefined;
    for (let x = 1n; !small; x++) {
      const rhs = mod(x * x * x + c.a * x + c.b, c.p);
      const y = pow(rhs, (c.p + 1n) / 4n, c.p);
      if ((y * y) % c.p !== rhs) continue;
      const qR = mul(c, c.q, { x, y });
      if (qR) {
        outside = { x, y };
        small = qR;
      }
    }
    const twice = add(c, small, small);
    const { privateKey } = generateKeyPair(c);
    const data = new TextEncoder().encode('small order');
    const sig = sign(privateKey, data);
    for (const point of [outside!, small, twice].filter((pt): pt is { x: bigint; y: bigint } => pt !== null)) {
      const key = { curve: c, ...point };
      expect(isOnCurve(key)).toBe(true);
      // First use (wNAF path), second use (table build), third use (table or fallback).
      for (let i = 0; i < 3; i++) expect(verify(key, data, sig)).toBe(false);
    }
  });
});

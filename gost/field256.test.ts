import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../scripts/gen-field-products.ts';
import { CurveArithmetic, Jacobian, invert, invertSlow, scalarDigits } from './curve-arithmetic.ts';
import { GOST_CURVES, curveByName, type GostCurve } from './curves.ts';
import { Field256, LIMBS, type Fe } from './field256.ts';
import { poolRandomBytes } from './random.ts';

const field = new Field256(617);
const p = field.p;
const mod = (v: bigint): bigint => ((v % p) + p) % p;
const random256 = (): bigint => BigInt(`0x${randomBytes(32).toString('hex')}`);

/** Values that stress carries and the reduction: 0, 1, around p, around 2^256, all-ones limbs. */
const edges = [0n, 1n, 2n, 616n, 617n, 618n, p - 1n, p - 2n, p - 617n, (1n << 255n) - 1n, 1n << 255n, (1n << 24n) - 1n, 1n << 24n, (1n << 240n) + 1n];

/** An element whose limbs are the given values as they are, not normalised (what sums leave behind). */
function rawLimbs(limbs: number[]): Fe {
  const o = field.create();
  o.set(limbs);
  return o;
}

function rawValue(a: Fe): bigint {
  let v = 0n;
  for (let i = LIMBS - 1; i >= 0; i--) v = (v << 24n) + BigInt(a[i]!);
  return v;
}

describe('Field256: arithmetic modulo 2^256 − 617 on 24-bit limbs', () => {
  const samples = [...edges, ...Array.from({ length: 300 }, random256)];

  it('round-trips BigInt values, reducing mod p and taking negatives', () => {
    for (const x of samples) expect(field.toBigInt(field.fromBigInt(x))).toBe(mod(x));
    expect(field.toBigInt(field.fromBigInt(-5n))).toBe(p - 5n);
    expect(field.toBigInt(field.fromBigInt(p + 3n))).toBe(3n);
  });

  it('multiplies, squares, adds and subtracts as BigInt does, over random values and edge cases', () => {
    const a = field.create();
    const b = field.create();
    const o = field.create();
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      const y = samples[(i * 7 + 3) % samples.length]!;
      field.fromBigInt(x, a);
      field.fromBigInt(y, b);
      field.mul(o, a, b);
      expect(field.toBigInt(o), `${x} · ${y}`).toBe(mod(x * y));
      field.sqr(o, a);
      expect(field.toBigInt(o)).toBe(mod(x * x));
      field.add(o, a, b);
      expect(field.toBigInt(o)).toBe(mod(x + y));
      field.sub(o, a, b);
      expect(field.toBigInt(o)).toBe(mod(x - y));
      field.mulSmall(o, a, 8);
      expect(field.toBigInt(o)).toBe(mod(8n * x));
    }
  });

  it('keeps long chains of operations exact, each result fed back in (limbs stay within bounds)', () => {
    const a = field.fromBigInt(random256());
    const b = field.fromBigInt(random256());
    let x = field.toBigInt(a);
    const y = field.toBigInt(b);
    for (let i = 0; i < 5000; i++) {
      switch (i % 4) {
        case 0:
          field.mul(a, a, b);
          x = mod(x * y);
          break;
        case 1:
          field.sub(a, a, b);
          x = mod(x - y);
          break;
        case 2:
          field.sqr(a, a);
          x = mod(x * x);
          break;
        default:
          field.add(a, a, a);
          x = mod(2n * x);
      }
      for (const limb of a) expect(limb >= 0 && limb <= 2 ** 24 + 1).toBe(true);
    }
    expect(field.toBigInt(a)).toBe(x);
  });

  it('accepts the largest limbs a product may leave and still multiplies exactly', () => {
    const top = rawLimbs(Array.from({ length: LIMBS }, (_, i) => (i === 2 ? 2 ** 24 + 1 : 2 ** 24 - 1)));
    const value = rawValue(top);
    const o = field.create();
    field.mul(o, top, top);
    expect(field.toBigInt(o)).toBe(mod(value * value));
    field.sqr(o, top);
    expect(field.toBigInt(o)).toBe(mod(value * value));
    field.sub(o, field.fromBigInt(0n), top);
    expect(field.toBigInt(o)).toBe(mod(-value));
  });

  it('tells zero (any multiple of p below 2^264) from everything else', () => {
    expect(field.isZero(field.fromBigInt(0n))).toBe(true);
    for (const k of [1n, 2n, 255n, 256n]) {
      const multiple = k * p;
      const limbs = Array.from({ length: LIMBS }, (_, i) => Number((multiple >> BigInt(24 * i)) & 0xffffffn));
      expect(field.isZero(rawLimbs(limbs)), `${k}·p`).toBe(true);
    }
    for (const x of [1n, p - 1n, 617n, 1n << 255n]) expect(field.isZero(field.fromBigInt(x))).toBe(false);
    // Limb 5 at 2^24 − 2 or 2^24 − 1 but the value not a multiple of p: the full check decides.
    for (const five of [2 ** 24 - 2, 2 ** 24 - 1, 0]) {
      const limbs = Array.from({ length: LIMBS }, (_, i) => (i === 5 ? five : i === 2 ? 2 ** 24 : 2 ** 24 - 1));
      expect(field.isZero(rawLimbs(limbs)), `limb 5 = ${five}`).toBe(mod(rawValue(rawLimbs(limbs))) === 0n);
    }
    const a = field.fromBigInt(random256());
    const o = field.create();
    field.sub(o, a, a);
    expect(field.isZero(o)).toBe(true);
  });

  it('takes only p = 2^256 − c with small c', () => {
    expect(Field256.fits(p)).toBe(true);
    expect(Field256.fits(curveByName('id-GostR3410-2001-CryptoPro-C-ParamSet').p)).toBe(false);
    expect(() => new Field256(1 << 20)).toThrow(RangeError);
  });

  it('gost/field256-products.ts is what its generator writes', () => {
    expect(readFileSync(new URL('./field256-products.ts', import.meta.url), 'utf8')).toBe(generate());
  });
});

describe('comb multiplication on limbs agrees with the BigInt arithmetic', () => {
  const limbCurves = Object.values(GOST_CURVES).filter((c) => Field256.fits(c.p));
  const affine = (ctx: CurveArithmetic, P: Jacobian) => (P.Z % ctx.p === 0n ? null : ctx.toAffine(P));

  it('covers CryptoPro-A and tc26 paramSetA', () => {
    expect(limbCurves.map((c) => c.name)).toEqual(expect.arrayContaining(['id-GostR3410-2001-CryptoPro-A-ParamSet', 'id-tc26-gost-3410-2012-256-paramSetA']));
  });

  describe.each(limbCurves.map((c) => [c.name, c] as const))('%s', (_name, curve: GostCurve) => {
    const fast = new CurveArithmetic(curve);
    const reference = new CurveArithmetic(curve, { limbs: false });
    const randomScalar = () => random256() % curve.q;
    const scalars = [0n, 1n, 2n, 255n, 256n, 1n << 248n, curve.q - 1n, curve.q, curve.q + 1n, ...Array.from({ length: 40 }, randomScalar)];

    it('k·G', () => {
      expect(fast.usesLimbs && !reference.usesLimbs).toBe(true);
      for (const k of scalars) {
        expect(affine(fast, fast.combMultiply(fast.base(), k)), `k = ${k.toString(16)}`).toEqual(affine(reference, reference.combMultiply(reference.base(), k)));
      }
    });

    it('k1·G + k2·Q with a second table, including sums that pass through the same point and infinity', () => {
      const d = randomScalar();
      const Q = reference.toAffine(reference.combMultiply(reference.base(), d));
      const fastQ = fast.buildComb(Q.x, Q.y);
      const refQ = reference.buildComb(Q.x, Q.y);
      const pairs: [bigint, bigint][] = [
        [d, 1n], // d·G + Q = 2Q: the accumulator meets the same point
        [curve.q - d, 1n], // −Q + Q = infinity
        [0n, 0n],
        [0n, randomScalar()],
        ...Array.from({ length: 30 }, () => [randomScalar(), randomScalar()] as [bigint, bigint]),
      ];
      for (const [k1, k2] of pairs) {
        expect(affine(fast, fast.combMultiply2(fast.base(), k1, fastQ, k2)), `${k1}, ${k2}`).toEqual(
          affine(reference, reference.combMultiply2(reference.base(), k1, refQ, k2)),
        );
      }
    });

    it('affineXs: one shared inversion gives every point its own affine x', () => {
      const points = scalars.filter((k) => k % curve.q !== 0n).map((k) => fast.combMultiply(fast.base(), k));
      expect(fast.affineXs(points)).toEqual(points.map((P) => fast.affineX(P)));
      expect(fast.affineXs([])).toEqual([]);
      expect(() => fast.affineXs([points[0]!, Jacobian.infinity()])).toThrow();
    });

    it('continues from a given accumulator (the verification path before a key has a table)', () => {
      for (const k of scalars.slice(0, 12)) {
        const start = reference.wnafMultiply(curve.x, curve.y, 12345n + k);
        const got = fast.combMultiply(fast.base(), k, new Jacobian(start.X, start.Y, start.Z));
        const want = reference.combMultiply(reference.base(), k, new Jacobian(start.X, start.Y, start.Z));
        expect(affine(fast, got)).toEqual(affine(reference, want));
      }
    });

  });
});

describe('scalar helpers', () => {
  it('invert (Lehmer) agrees with the textbook extended Euclid, mod p, mod q and at the edges', () => {
    const q = curveByName('id-GostR3410-2001-CryptoPro-A-ParamSet').q;
    const values = [1n, 2n, 3n, p - 1n, 1n << 47n, (1n << 47n) + 1n, (1n << 48n) - 1n, 1n << 200n, ...Array.from({ length: 2000 }, random256)];
    for (const m of [p, q, 1000003n, (1n << 61n) - 1n]) {
      for (const a of values) {
        if (a % m === 0n) continue;
        const inverse = invert(a, m);
        expect(inverse, `${a} mod ${m}`).toBe(invertSlow(a, m));
        expect((((a % m) * inverse) % m + m) % m).toBe(1n);
      }
    }
    const mersenne = (1n << 2203n) - 1n; // far beyond a double's range
    for (const a of [3n, (1n << 2000n) + 12345n, mersenne - 2n]) expect(invert(a, mersenne)).toBe(invertSlow(a, mersenne));
    expect(() => invert(6n, 9n)).toThrow('not invertible');
    expect(() => invert(0n, p)).toThrow('not invertible');
  });

  it('scalarDigits gives the 32 base-256 digits of any k below 2^256', () => {
    for (const k of [0n, 1n, 0xfn, 0x10n, 0xabcn, (1n << 256n) - 1n, ...Array.from({ length: 200 }, random256)]) {
      const want = Array.from({ length: 32 }, (_, w) => Number((k >> BigInt(8 * w)) & 0xffn));
      expect(Array.from(scalarDigits(k)), k.toString(16)).toEqual(want);
    }
  });
});

describe('pooled random bytes', () => {
  it('hands out fresh bytes every time, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const bytes = poolRandomBytes(32);
      expect(bytes.length).toBe(32);
      const hex = Buffer.from(bytes).toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
      bytes.fill(0); // as randomScalar does: the next call must not see the wiped bytes
    }
    expect(poolRandomBytes(5000).length).toBe(5000);
  });
});

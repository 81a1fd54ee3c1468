import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WasmComb } from './comb-wasm.ts';
import { CurveArithmetic, Jacobian, invert, invertSlow, scalarDigits } from './curve-arithmetic.ts';
import { IO, curveModule, instantiateCurve, pseudoMersenneC } from './curve-wasm.ts';
import { GOST_CURVES, curveByName, type GostCurve } from './curves.ts';
import { poolRandomBytes } from './random.ts';

const p = (1n << 256n) - 617n;
const mod = (v: bigint): bigint => ((v % p) + p) % p;
const random256 = (): bigint => BigInt(`0x${randomBytes(32).toString('hex')}`);
const LIMB = 1n << 29n;

/** Values that stress carries and the reduction: 0, 1, around p, around 2^256, all-ones limbs. */
const edges = [0n, 1n, 2n, 616n, 617n, 618n, p - 1n, p - 2n, p - 617n, p, p + 1n, (1n << 256n) - 1n, (1n << 255n) - 1n, 1n << 255n, LIMB - 1n, LIMB, (1n << 232n) + 1n];

/**
 * The field functions of one instance on elements placed by hand in its memory, past the slots the
 * module itself uses.
 */
const { memory, exports: wasm } = instantiateCurve(617);
const [A, B, O] = [4096, 4096 + 72, 4096 + 144];
const words = (): BigUint64Array => new BigUint64Array(memory.buffer);

/** Writes limbs as they are, not normalised (what the operations may leave behind). */
function putLimbs(at: number, limbs: readonly bigint[]): void {
  limbs.forEach((l, i) => (words()[at / 8 + i] = l));
}
function limbsAt(at: number): bigint[] {
  return Array.from(words().subarray(at / 8, at / 8 + 9));
}
function rawValue(limbs: readonly bigint[]): bigint {
  return limbs.reduceRight((v, l) => (v << 29n) + l, 0n);
}
/** x (below 2^256) through fromBytes. */
function put(at: number, x: bigint): void {
  for (let i = 0; i < 4; i++) words()[IO / 8 + i] = BigInt.asUintN(64, x >> BigInt(64 * i));
  wasm.fromBytes(at, IO);
}
/** The residue through toBytes. */
function get(at: number): bigint {
  wasm.toBytes(IO, at);
  const w = words();
  return (w[IO / 8 + 3]! << 192n) | (w[IO / 8 + 2]! << 128n) | (w[IO / 8 + 1]! << 64n) | w[IO / 8]!;
}
/** What every operation promises: limbs below 2^29, limb 1 below 2^29 + 2^8. */
function withinBounds(at: number): boolean {
  return limbsAt(at).every((l, i) => l < (i === 1 ? LIMB + 256n : LIMB));
}

describe('WebAssembly field arithmetic modulo 2^256 − 617 on 29-bit limbs', () => {
  const samples = [...edges, ...Array.from({ length: 300 }, random256)];

  it('round-trips 256-bit values, reducing mod p', () => {
    for (const x of samples) {
      put(A, x);
      expect(rawValue(limbsAt(A))).toBe(x);
      expect(get(A), x.toString(16)).toBe(mod(x));
    }
  });

  it('multiplies, squares, adds and subtracts as BigInt does, over random values and edge cases', () => {
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      const y = samples[(i * 7 + 3) % samples.length]!;
      put(A, x);
      put(B, y);
      wasm.mul(O, A, B);
      expect(get(O), `${x} · ${y}`).toBe(mod(x * y));
      expect(withinBounds(O)).toBe(true);
      wasm.sqr(O, A);
      expect(get(O)).toBe(mod(x * x));
      wasm.add(O, A, B);
      expect(get(O)).toBe(mod(x + y));
      wasm.sub(O, A, B);
      expect(get(O)).toBe(mod(x - y));
      expect(withinBounds(O)).toBe(true);
    }
  });

  it('keeps long chains of operations exact, each result fed back in (limbs stay within bounds)', () => {
    let x = random256();
    const y = random256();
    put(A, x);
    put(B, y);
    x = mod(x);
    for (let i = 0; i < 5000; i++) {
      switch (i % 5) {
        case 0:
          wasm.mul(A, A, B);
          x = mod(x * mod(y));
          break;
        case 1:
          wasm.sub(A, A, B);
          x = mod(x - y);
          break;
        case 2:
          wasm.sqr(A, A);
          x = mod(x * x);
          break;
        case 3:
          wasm.sub(A, B, A);
          x = mod(y - x);
          break;
        default:
          wasm.add(A, A, A);
          x = mod(2n * x);
      }
      expect(withinBounds(A)).toBe(true);
    }
    expect(get(A)).toBe(x);
  });

  it('takes the largest limbs an operation may leave as input and is still exact', () => {
    const top = Array.from({ length: 9 }, (_, i) => (i === 1 ? LIMB + 255n : LIMB - 1n));
    const value = rawValue(top);
    const zero = Array.from({ length: 9 }, () => 0n);
    for (const [name, run, want] of [
      ['mul', () => wasm.mul(O, A, A), value * value],
      ['sqr', () => wasm.sqr(O, A), value * value],
      ['add', () => wasm.add(O, A, A), 2n * value],
      ['sub from 0', () => wasm.sub(O, B, A), -value],
      ['sub 0', () => wasm.sub(O, A, B), value],
    ] as const) {
      putLimbs(A, top);
      putLimbs(B, zero);
      run();
      expect(get(O), name).toBe(mod(want));
      expect(withinBounds(O), name).toBe(true);
    }
  });

  it('canon gives the residue in [0, p) with exact 29-bit limbs', () => {
    for (const x of [...edges, ...Array.from({ length: 100 }, random256)]) {
      put(A, x);
      wasm.canon(O, A);
      expect(rawValue(limbsAt(O))).toBe(mod(x));
      expect(limbsAt(O).every((l) => l < LIMB)).toBe(true);
    }
  });

  it('tells zero (any multiple of p the operations can leave) from everything else', () => {
    const limbsOf = (v: bigint): bigint[] => Array.from({ length: 9 }, (_, i) => (v >> BigInt(29 * i)) & (LIMB - 1n));
    for (let k = 0n; k < 32n; k++) {
      const limbs = limbsOf(k * p);
      putLimbs(A, limbs);
      expect(wasm.isZero(A), `${k}·p`).toBe(1);
      // The same value with limb 1 holding an uncarried 2^29 (limb 2 one less), as sums leave it.
      if (limbs[2]! > 0n) {
        const loose = [...limbs];
        loose[1] = loose[1]! + LIMB;
        loose[2] = loose[2]! - 1n;
        putLimbs(A, loose);
        expect(wasm.isZero(A), `${k}·p, loose`).toBe(1);
      }
      putLimbs(A, limbsOf(k * p + 1n));
      expect(wasm.isZero(A), `${k}·p + 1`).toBe(0);
    }
    for (const x of [1n, p - 1n, 617n, 1n << 255n, ...Array.from({ length: 50 }, random256)]) {
      put(A, x);
      expect(wasm.isZero(A)).toBe(mod(x) === 0n ? 1 : 0);
    }
    // Limb 4 at 0, 2^29 − 2 or 2^29 − 1 but the value not a multiple of p: the full check decides.
    for (const four of [0n, LIMB - 2n, LIMB - 1n]) {
      const limbs = Array.from({ length: 9 }, (_, i) => (i === 4 ? four : i === 8 ? (1n << 24n) - 1n : LIMB - 1n));
      putLimbs(A, limbs);
      expect(wasm.isZero(A), `limb 4 = ${four}`).toBe(mod(rawValue(limbs)) === 0n ? 1 : 0);
    }
    put(A, random256());
    wasm.sub(O, A, A);
    expect(wasm.isZero(O)).toBe(1);
  });

  it('is made only for p = 2^256 − c with 0 < c < 2^12', () => {
    expect(() => curveModule(0)).toThrow(RangeError);
    expect(() => curveModule(4096)).toThrow(RangeError);
    const two256 = 1n << 256n;
    expect([two256, two256 - 1n, two256 - 617n, two256 - 4095n, two256 - 4096n, two256 + 5n].map(pseudoMersenneC)).toEqual([undefined, 1, 617, 4095, undefined, undefined]);
    expect(new CurveArithmetic(curveByName('id-GostR3410-2001-CryptoPro-A-ParamSet')).usesLimbs).toBe(true);
    expect(new CurveArithmetic(curveByName('id-GostR3410-2001-CryptoPro-C-ParamSet')).usesLimbs).toBe(false);
  });
});

describe('comb tables in WebAssembly memory', () => {
  const curve = curveByName('id-GostR3410-2001-CryptoPro-A-ParamSet');
  const reference = new CurveArithmetic(curve, { limbs: false });
  const tableOf = (ctx: CurveArithmetic, d: bigint) => {
    const Q = reference.toAffine(reference.combMultiply(reference.base(), d));
    return { Q, table: ctx.buildComb(Q.x, Q.y) };
  };

  it('a released table gives its memory to the next one and refuses to be used again', () => {
    const ctx = new CurveArithmetic(curve);
    const first = tableOf(ctx, 5n).table;
    const second = tableOf(ctx, 7n).table;
    if (first.kind !== 'limbs' || second.kind !== 'limbs') throw new Error('expected WebAssembly tables');
    ctx.releaseComb(first);
    ctx.releaseComb(first); // twice is harmless
    expect(() => ctx.combMultiply(first, 3n)).toThrow('after its release');
    const third = tableOf(ctx, 11n);
    if (third.table.kind !== 'limbs') throw new Error('expected a WebAssembly table');
    expect(third.table.packed.offset).toBe(first.packed.offset);
    // The reused memory holds the new key's multiples, not the old ones.
    const got = ctx.toAffine(ctx.combMultiply(third.table, 12345n));
    expect(got).toEqual(reference.toAffine(reference.combMultiply(reference.buildComb(third.Q.x, third.Q.y), 12345n)));
  });

  it('refuses a table of the wrong size', () => {
    const comb = new WasmComb(617, p - 3n);
    expect(() => comb.pack([1n], [2n])).toThrow(RangeError);
  });
});

describe('comb multiplication on limbs agrees with the BigInt arithmetic', () => {
  const limbCurves = Object.values(GOST_CURVES).filter((c) => new CurveArithmetic(c).usesLimbs);
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

    it('combVerify: the affine x of the sum, mod q, is r (the WebAssembly check, never the point in BigInt)', () => {
      const d = randomScalar();
      const Q = reference.toAffine(reference.combMultiply(reference.base(), d));
      const fastQ = fast.buildComb(Q.x, Q.y);
      const refQ = reference.buildComb(Q.x, Q.y);
      let aboveQ = 0;
      for (let i = 0; i < 40; i++) {
        const [k1, k2] = [randomScalar(), randomScalar()];
        const { x } = reference.toAffine(reference.combMultiply2(reference.base(), k1, refQ, k2));
        if (x >= curve.q) aboveQ++;
        const r = x % curve.q;
        expect(fast.combVerify(fast.base(), k1, fastQ, k2, r), `${k1}, ${k2}`).toBe(true);
        expect(fast.combVerify(fast.base(), k1, fastQ, k2, (r + 1n) % curve.q)).toBe(false);
        expect(reference.combVerify(reference.base(), k1, refQ, k2, r)).toBe(true);
      }
      // On tc26 paramSetA (q about p/4) most x are above q: the candidates r + j·q are all tried.
      if (curve.q < curve.p / 2n) expect(aboveQ).toBeGreaterThan(0);
      // −Q + Q is infinity: no x at all.
      expect(fast.combVerify(fast.base(), curve.q - d, fastQ, 1n, 0n)).toBe(false);
      expect(fast.combVerify(fast.base(), curve.q - d, fastQ, 1n, 1n)).toBe(false);
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

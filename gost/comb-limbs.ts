/**
 * Comb-table scalar multiplication on limbs (`field256.ts`) for curves over p = 2^256 − c: the same
 * algorithm as `CurveArithmetic.combMultiply` (one mixed addition per non-zero base-256 digit), with
 * the table packed into Float64Arrays and the accumulator in preallocated limbs, so a signature or a
 * verification allocates nothing until the result is handed back as BigInt Jacobian coordinates.
 */
import { Field256, LIMBS, type Fe } from './field256.ts';

/** The affine table entries' coordinates, entry i at limbs [11·i, 11·i + 11). */
export interface PackedTable {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
}

/** Jacobian coordinates as BigInt residues; Z = 0 is the point at infinity. */
export interface BigJacobian {
  X: bigint;
  Y: bigint;
  Z: bigint;
}

export class LimbComb {
  readonly field: Field256;
  private readonly X: Fe;
  private readonly Y: Fe;
  private readonly Z: Fe;
  private infinity = true;
  private readonly x2: Fe;
  private readonly y2: Fe;
  private readonly zz: Fe;
  private readonly h: Fe;
  private readonly r: Fe;
  private readonly hh: Fe;
  private readonly hhh: Fe;
  private readonly v: Fe;
  private readonly t: Fe;

  /**
   * `double` doubles a point given as BigInt Jacobian coordinates: the rare case of adding a point to
   * itself goes to the BigInt arithmetic rather than carrying a second formula here.
   */
  constructor(
    c: number,
    private readonly double: (P: BigJacobian) => void,
  ) {
    this.field = new Field256(c);
    const f = this.field;
    [this.X, this.Y, this.Z, this.x2, this.y2, this.zz, this.h, this.r, this.hh, this.hhh, this.v, this.t] = Array.from({ length: 12 }, () => f.create());
  }

  /** Packs affine coordinates (residues in [0, p)) into limbs. */
  pack(xs: readonly bigint[], ys: readonly bigint[]): PackedTable {
    const f = this.field;
    const px = new Float64Array(xs.length * LIMBS);
    const py = new Float64Array(ys.length * LIMBS);
    const tmp = f.create();
    for (let i = 0; i < xs.length; i++) {
      px.set(f.fromBigInt(xs[i]!, tmp), i * LIMBS);
      py.set(f.fromBigInt(ys[i]!, tmp), i * LIMBS);
    }
    return { xs: px, ys: py };
  }

  /**
   * start + Σ_t digits_t[w]·table_t[w] over the windows w: `digits[t]` holds the base-256 digits of the
   * scalar for `tables[t]`, windows of `stride` entries each. `start` (infinity by default) is not
   * changed; the sum comes back as a new BigJacobian.
   */
  multiply(tables: readonly PackedTable[], digits: readonly Uint8Array[], stride: number, start?: BigJacobian): BigJacobian {
    this.load(start);
    const windows = digits[0]!.length;
    for (let w = 0; w < windows; w++) {
      for (let t = 0; t < tables.length; t++) {
        const d = digits[t]![w]!;
        if (d === 0) continue;
        const offset = (w * stride + d) * LIMBS;
        const { xs, ys } = tables[t]!;
        const x2 = this.x2;
        const y2 = this.y2;
        for (let i = 0; i < LIMBS; i++) {
          x2[i] = xs[offset + i]!;
          y2[i] = ys[offset + i]!;
        }
        this.addAffine();
      }
    }
    return this.store();
  }

  private load(start: BigJacobian | undefined): void {
    if (!start || start.Z % this.field.p === 0n) {
      this.infinity = true;
      return;
    }
    this.infinity = false;
    this.field.fromBigInt(start.X, this.X);
    this.field.fromBigInt(start.Y, this.Y);
    this.field.fromBigInt(start.Z, this.Z);
  }

  private store(): BigJacobian {
    if (this.infinity) return { X: 1n, Y: 1n, Z: 0n };
    const f = this.field;
    return { X: f.toBigInt(this.X), Y: f.toBigInt(this.Y), Z: f.toBigInt(this.Z) };
  }

  /** (X, Y, Z) += (x2, y2): the mixed addition of `CurveArithmetic.addAffine`, 8M + 3S. */
  private addAffine(): void {
    const f = this.field;
    const { X, Y, Z, x2, y2, zz, h, r, hh, hhh, v, t } = this;
    if (this.infinity) {
      X.set(x2);
      Y.set(y2);
      Z.fill(0);
      Z[0] = 1;
      this.infinity = false;
      return;
    }
    f.sqr(zz, Z);
    f.mul(h, x2, zz);
    f.sub(h, h, X); // H = x2·Z² − X
    f.mul(t, Z, zz);
    f.mul(r, y2, t);
    f.sub(r, r, Y); // R = y2·Z³ − Y
    if (f.isZero(h)) {
      // Same x: the same point (double it) or its negative (the sum is infinity).
      if (f.isZero(r)) this.doubleHere();
      else this.infinity = true;
      return;
    }
    f.sqr(hh, h);
    f.mul(hhh, h, hh);
    f.mul(v, X, hh); // V = X·H²
    f.sqr(t, r);
    f.sub(t, t, hhh);
    f.sub(t, t, v);
    f.sub(X, t, v); // X3 = R² − H³ − 2V
    f.mul(Y, Y, hhh);
    f.sub(v, v, X);
    f.mul(v, r, v);
    f.sub(Y, v, Y); // Y3 = R·(V − X3) − Y·H³
    f.mul(Z, Z, h); // Z3 = Z·H
  }

  private doubleHere(): void {
    const P = this.store();
    this.double(P);
    this.load(P);
  }
}

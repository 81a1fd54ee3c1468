/**
 * The arithmetic behind GOST R 34.10-2012 (see `gost3410.ts` for the byte orders): integers and
 * bytes, points in Jacobian coordinates with mixed additions, comb tables of a fixed point's multiples,
 * a wNAF ladder, and one shared arithmetic object per curve.
 */
import type { GostCurve } from './curves.ts';
import { bytesToBigIntBE, bytesToBigIntLE } from './binary.ts';
import { WasmComb, type PackedTable } from './comb-wasm.ts';
import { WINDOWS, WINDOW_SIZE, pseudoMersenneC } from './curve-wasm.ts';
import { poolRandomBytes } from './random.ts';

/** Byte length of the digest, of r and s, and of each public key coordinate for 256-bit keys. */
export const SIZE = 32;

// ---------------------------------------------------------------------------------------------
// Integer and byte helpers

/** value mod m in [0, m). */
export function modPos(value: bigint, m: bigint): bigint {
  const r = value % m;
  return r < 0n ? r + m : r;
}

/**
 * The inverse of a modulo m (extended Euclid, Lehmer's way); a must be invertible mod m. Each round
 * runs Euclid's steps on the leading 47 bits of both remainders in plain numbers, for as long as the
 * quotients are certain (Knuth's Algorithm L), and then applies them to the BigInts at once; the last
 * 47 bits go all in numbers. About a tenth of the BigInt operations (and the garbage) of the
 * textbook loop, which `invertSlow` keeps as the tests' reference.
 */
export function invert(a: bigint, m: bigint): bigint {
  let u = m;
  let v = modPos(a, m);
  // Cofactors of a: u ≡ tu·a and v ≡ tv·a (mod m).
  let tu = 0n;
  let tv = 1n;
  while (v !== 0n && u > SMALL) {
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    if (v > SMALL) {
      // The leading bits of u and v at the same scale; Number(u) only has to get the length roughly
      // right (beyond 2^1024 it is Infinity, and the hex length does).
      const approx = Number(u);
      const bits = Number.isFinite(approx) ? Math.floor(Math.log2(approx)) : u.toString(16).length * 4;
      const shift = BigInt(Math.max(0, bits - LEAD_BITS));
      let uh = Number(u >> shift);
      let vh = Number(v >> shift);
      for (;;) {
        if (vh + C <= 0 || vh + D <= 0) break;
        const q = floorDiv(uh + A, vh + C);
        if (q !== floorDiv(uh + B, vh + D)) break;
        let t = A - q * C;
        A = C;
        C = t;
        t = B - q * D;
        B = D;
        D = t;
        t = uh - q * vh;
        uh = vh;
        vh = t;
      }
    }
    if (B === 0) {
      // No quotient was certain (or v is already small): one full step.
      const q = u / v;
      const r = u - q * v;
      u = v;
      v = r;
      const t = tu - q * tv;
      tu = tv;
      tv = t;
    } else {
      const a1 = BigInt(A);
      const b1 = BigInt(B);
      const c1 = BigInt(C);
      const d1 = BigInt(D);
      const nu = a1 * u + b1 * v;
      v = c1 * u + d1 * v;
      u = nu;
      const ntu = a1 * tu + b1 * tv;
      tv = c1 * tu + d1 * tv;
      tu = ntu;
    }
  }
  if (v !== 0n) {
    // Both below 2^47 now: the rest of Euclid exactly in numbers, then its matrix applied once.
    let uh = Number(u);
    let vh = Number(v);
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    while (vh !== 0) {
      const q = floorDiv(uh, vh);
      let t = A - q * C;
      A = C;
      C = t;
      t = B - q * D;
      B = D;
      D = t;
      t = uh - q * vh;
      uh = vh;
      vh = t;
    }
    u = BigInt(uh);
    tu = BigInt(A) * tu + BigInt(B) * tv;
  }
  if (u !== 1n) throw new Error('value is not invertible');
  return modPos(tu, m);
}

/** Below this both remainders fit the number loop; also the leading bits Lehmer's rounds work on. */
const LEAD_BITS = 46;
const SMALL = 1n << 47n;

/** floor(x / y) for non-negative safe integers x, y > 0 (the division may round up to the next integer). */
function floorDiv(x: number, y: number): number {
  const q = Math.floor(x / y);
  return q * y > x ? q - 1 : q;
}

/** The textbook extended Euclid: the reference `invert` is tested against. */
export function invertSlow(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = modPos(a, m);
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    const r2 = r0 - quotient * r1;
    r0 = r1;
    r1 = r2;
    const t2 = t0 - quotient * t1;
    t0 = t1;
    t1 = t2;
  }
  if (r0 !== 1n) throw new Error('value is not invertible');
  return t0 < 0n ? t0 + m : t0;
}

/** Uniformly random integer in [1, n-1], from node:crypto. */
export function randomScalar(n: bigint): bigint {
  const bits = n.toString(2).length;
  const length = Math.ceil(bits / 8);
  const topMask = 0xff >>> (length * 8 - bits);
  for (;;) {
    const buf = poolRandomBytes(length);
    buf[0] = buf[0]! & topMask;
    const k = bytesToBigIntBE(buf);
    buf.fill(0);
    if (k > 0n && k < n) return k;
  }
}

/** The integer e of the standard: the digest read little-endian, reduced mod q, 0 replaced by 1. */
export function digestToE(digest: Uint8Array, q: bigint): bigint {
  const e = bytesToBigIntLE(digest) % q;
  return e === 0n ? 1n : e;
}

// ---------------------------------------------------------------------------------------------
// Point arithmetic

/** A mutable point in Jacobian coordinates (x = X/Z^2, y = Y/Z^3); Z = 0 is the point at infinity. */
export class Jacobian {
  constructor(
    public X: bigint,
    public Y: bigint,
    public Z: bigint,
  ) {}

  static infinity(): Jacobian {
    return new Jacobian(1n, 1n, 0n);
  }
}

/**
 * Multiples j·2^(8w)·B of a fixed point B for windows w = 0..31 and digits j = 1..255, affine and
 * normalised; entry (w, j) is at index 256·w + j (index 256·w is unused). As BigInt arrays, or packed
 * into WebAssembly memory on curves that have the limb arithmetic (`comb-wasm.ts`).
 */
export type CombTable =
  | { readonly kind: 'bigint'; readonly xs: readonly bigint[]; readonly ys: readonly bigint[] }
  | { readonly kind: 'limbs'; readonly packed: PackedTable };

export { WINDOWS, WINDOW_SIZE };

/** Arithmetic on one curve. Shared by all GostCurve objects with the same parameters. */
export class CurveArithmetic {
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly q: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  /** Distinguishes curves in the verification-key cache. */
  readonly id: number;
  /**
   * Whether the group order exceeds q (tc26 paramSetA has cofactor 4), so that an on-curve point
   * may lie outside the order-q subgroup and public keys need an explicit q·Q = O check. By the
   * Hasse bound the cofactor is 1 unless q < p + 1 - 2·sqrt(p).
   */
  readonly hasCofactor: boolean;
  private readonly aIsMinus3: boolean;
  private baseTable: CombTable | undefined;
  /** Comb multiplication in WebAssembly, for p = 2^256 − c (CryptoPro-A, tc26 paramSetA); else BigInt. */
  private readonly limbs: WasmComb | undefined;
  private static nextId = 0;

  /** `limbs: false` keeps the BigInt arithmetic throughout (the reference the tests compare with). */
  constructor(curve: GostCurve, options: { limbs?: boolean } = {}) {
    this.p = curve.p;
    this.a = modPos(curve.a, curve.p);
    this.b = modPos(curve.b, curve.p);
    this.q = curve.q;
    this.gx = curve.x;
    this.gy = curve.y;
    this.aIsMinus3 = this.a === curve.p - 3n;
    this.id = CurveArithmetic.nextId++;
    const gap = curve.p + 1n - curve.q;
    this.hasCofactor = gap > 0n && gap * gap > 4n * curve.p;
    const c = options.limbs === false ? undefined : pseudoMersenneC(curve.p);
    this.limbs = c === undefined ? undefined : new WasmComb(c, this.a);
  }

  /** Whether comb tables and comb multiplications run on limbs. */
  get usesLimbs(): boolean {
    return this.limbs !== undefined;
  }

  /** Whether the affine point (x, y) is a valid public key: on the curve, and of order q. */
  isValidPublicPoint(x: bigint, y: bigint): boolean {
    if (!this.isOnCurve(x, y)) return false;
    return !this.hasCofactor || this.wnafMultiply(x, y, this.q).Z === 0n;
  }

  /** Whether the affine point (x, y) has coordinates in [0, p) and satisfies the curve equation. */
  isOnCurve(x: bigint, y: bigint): boolean {
    const p = this.p;
    if (x < 0n || x >= p || y < 0n || y >= p) return false;
    return (y * y - ((x * x + this.a) % p) * x - this.b) % p === 0n;
  }

  /** P = 2P, in place. */
  double(P: Jacobian): void {
    if (P.Z === 0n) return;
    const p = this.p;
    const { X, Y, Z } = P;
    const YY = (Y * Y) % p;
    if (YY === 0n) {
      // A point of order 2 (impossible on the prime-order subgroups, but keep the group law).
      P.Z = 0n;
      return;
    }
    const S = (4n * X * YY) % p;
    const ZZ = (Z * Z) % p;
    const M = this.aIsMinus3
      ? (3n * (X - ZZ) * (X + ZZ)) % p
      : (3n * X * X + this.a * ((ZZ * ZZ) % p)) % p;
    const X3 = (M * M - 2n * S) % p;
    P.Y = (M * (S - X3) - 8n * YY * YY) % p;
    P.Z = (2n * Y * Z) % p;
    P.X = X3;
  }

  /** P = P + (x2, y2) for an affine point (x2, y2), in place. */
  addAffine(P: Jacobian, x2: bigint, y2: bigint): void {
    if (P.Z === 0n) {
      P.X = x2;
      P.Y = y2;
      P.Z = 1n;
      return;
    }
    const p = this.p;
    const { X, Y, Z } = P;
    const ZZ = (Z * Z) % p;
    const H = (x2 * ZZ) % p - X;
    const R = (y2 * ((Z * ZZ) % p)) % p - Y;
    const HH = (H * H) % p;
    if (HH === 0n) {
      // Same x coordinate: either the same point (double it) or its negative (sum is infinity).
      if (R % p === 0n) this.double(P);
      else P.Z = 0n;
      return;
    }
    const HHH = (H * HH) % p;
    const V = (X * HH) % p;
    const X3 = (R * R - HHH - 2n * V) % p;
    P.Y = (R * (V - X3) - Y * HHH) % p;
    P.X = X3;
    P.Z = (Z * H) % p;
  }

  /** The affine x coordinate of P in [0, p); P must not be infinity. */
  affineX(P: Jacobian): bigint {
    const zInv = invert(P.Z, this.p);
    return modPos(P.X * ((zInv * zInv) % this.p), this.p);
  }

  /**
   * The affine x coordinates of several points in [0, p), with one shared inversion (Montgomery's
   * trick); none may be infinity.
   */
  affineXs(points: readonly Jacobian[]): bigint[] {
    const p = this.p;
    const Z: bigint[] = [];
    for (const P of points) Z.push(P.Z);
    const zInvs = this.inverses(Z);
    const xs: bigint[] = [];
    for (let i = 0; i < points.length; i++) xs.push(modPos(points[i]!.X * ((zInvs[i]! * zInvs[i]!) % p), p));
    return xs;
  }

  /** The affine coordinates of P in [0, p); P must not be infinity. */
  toAffine(P: Jacobian): { x: bigint; y: bigint } {
    const p = this.p;
    const zInv = invert(P.Z, p);
    const zInv2 = (zInv * zInv) % p;
    return { x: modPos(P.X * zInv2, p), y: modPos(((P.Y * zInv2) % p) * zInv, p) };
  }

  /** The comb table of the curve's base point, built on first use. */
  base(): CombTable {
    this.baseTable ??= this.buildComb(this.gx, this.gy);
    return this.baseTable;
  }

  /** Builds the comb table for the affine point (x, y), which must be on the curve and not infinity. */
  buildComb(x: bigint, y: bigint): CombTable {
    const count = WINDOWS * WINDOW_SIZE;
    const X: bigint[] = new Array<bigint>(count).fill(0n);
    const Y: bigint[] = new Array<bigint>(count).fill(0n);
    const Z: bigint[] = new Array<bigint>(count).fill(1n);
    let bx = x;
    let by = y;
    for (let w = 0; w < WINDOWS; w++) {
      const acc = new Jacobian(bx, by, 1n);
      const row = w * WINDOW_SIZE;
      X[row + 1] = bx;
      Y[row + 1] = by;
      for (let j = 2; j < WINDOW_SIZE; j++) {
        this.addAffine(acc, bx, by);
        X[row + j] = acc.X;
        Y[row + j] = acc.Y;
        Z[row + j] = acc.Z;
      }
      if (w + 1 < WINDOWS) {
        this.addAffine(acc, bx, by); // 256 · B_w = B_(w+1)
        ({ x: bx, y: by } = this.toAffine(acc));
      }
    }
    // Unused entries (index 256·w) stay (0, 0, 1) and normalise harmlessly.
    this.normalizeInPlace(X, Y, Z);
    return this.limbs ? { kind: 'limbs', packed: this.limbs.pack(X, Y) } : { kind: 'bigint', xs: X, ys: Y };
  }

  /** Frees a comb table's memory (WebAssembly tables; BigInt ones are left to the collector). */
  releaseComb(table: CombTable): void {
    if (table.kind === 'limbs') this.limbs!.release(table.packed);
  }

  /**
   * acc + k·B for the point B whose comb table is given, k in [0, 2^256); `acc` is infinity by
   * default. The sum is returned; `acc` may or may not have been updated.
   */
  combMultiply(table: CombTable, k: bigint, acc: Jacobian = Jacobian.infinity()): Jacobian {
    const digits = scalarDigits(k);
    if (table.kind === 'limbs') return this.limbs!.multiply(table.packed, digits, undefined, undefined, acc);
    const { xs, ys } = table;
    for (let w = 0; w < WINDOWS; w++) {
      const d = digits[w]!;
      if (d !== 0) {
        const i = w * WINDOW_SIZE + d;
        this.addAffine(acc, xs[i]!, ys[i]!);
      }
    }
    return acc;
  }

  /** k1·B1 + k2·B2 from two comb tables, interleaved in one accumulator. */
  combMultiply2(t1: CombTable, k1: bigint, t2: CombTable, k2: bigint): Jacobian {
    const d1 = scalarDigits(k1);
    const d2 = scalarDigits(k2);
    if (t1.kind === 'limbs' && t2.kind === 'limbs') {
      return this.limbs!.multiply(t1.packed, d1, t2.packed, d2);
    }
    if (t1.kind !== 'bigint' || t2.kind !== 'bigint') throw new Error('comb tables of different kinds');
    const acc = Jacobian.infinity();
    for (let w = 0; w < WINDOWS; w++) {
      const row = w * WINDOW_SIZE;
      const a = d1[w]!;
      if (a !== 0) this.addAffine(acc, t1.xs[row + a]!, t1.ys[row + a]!);
      const b = d2[w]!;
      if (b !== 0) this.addAffine(acc, t2.xs[row + b]!, t2.ys[row + b]!);
    }
    return acc;
  }

  /**
   * Whether k1·B1 + k2·B2 (from two comb tables) is a point whose affine x, reduced mod q, is r:
   * a verification's sum and check at once; infinity answers false. With WebAssembly tables the point
   * never comes back as BigInt.
   */
  combVerify(t1: CombTable, k1: bigint, t2: CombTable, k2: bigint, r: bigint): boolean {
    if (t1.kind === 'limbs' && t2.kind === 'limbs') {
      const xs: bigint[] = [];
      for (let c = r; c < this.p; c += this.q) xs.push(c);
      return this.limbs!.multiplyXIn(t1.packed, scalarDigits(k1), t2.packed, scalarDigits(k2), xs);
    }
    const C = this.combMultiply2(t1, k1, t2, k2);
    return C.Z % this.p !== 0n && this.xModQEquals(C, r);
  }

  /** k·(x, y) by a width-5 wNAF double-and-add ladder, for points without a comb table. */
  wnafMultiply(x: bigint, y: bigint, k: bigint): Jacobian {
    // Odd multiples Q, 3Q, ..., 15Q, made affine with one shared inversion. Q is on the curve but,
    // for a hostile key on a curve with a cofactor, may have small order; a multiple that is
    // infinity is then skipped (adding it is a no-op).
    const twice = new Jacobian(x, y, 1n);
    this.double(twice);
    const step = twice.Z === 0n ? undefined : this.toAffine(twice);
    const X: bigint[] = [x];
    const Y: bigint[] = [y];
    const Z: bigint[] = [1n];
    const skip: boolean[] = [false];
    const acc = new Jacobian(x, y, 1n);
    for (let i = 1; i < 8; i++) {
      if (step) this.addAffine(acc, step.x, step.y);
      skip.push(acc.Z === 0n);
      X.push(acc.X);
      Y.push(acc.Y);
      Z.push(acc.Z === 0n ? 1n : acc.Z);
    }
    this.normalizeInPlace(X, Y, Z);
    const p = this.p;
    const naf = wnaf(k);
    const result = Jacobian.infinity();
    for (let i = naf.length - 1; i >= 0; i--) {
      this.double(result);
      const d = naf[i]!;
      if (d === 0) continue;
      const j = (Math.abs(d) - 1) >> 1;
      if (skip[j]) continue;
      this.addAffine(result, X[j]!, d > 0 ? Y[j]! : p - Y[j]!);
    }
    return result;
  }

  /**
   * Replaces the Jacobian points (X[i], Y[i], Z[i]) by their normalised affine coordinates, with one
   * shared inversion (Montgomery's trick). No point may be infinity.
   */
  private normalizeInPlace(X: bigint[], Y: bigint[], Z: readonly bigint[]): void {
    const p = this.p;
    const zInvs = this.inverses(Z);
    for (let i = 0; i < Z.length; i++) {
      const zInv = zInvs[i]!;
      const zInv2 = (zInv * zInv) % p;
      X[i] = modPos(X[i]! * zInv2, p);
      Y[i] = modPos(((Y[i]! * zInv2) % p) * zInv, p);
    }
  }

  /** The inverses mod p of Z[i], with one shared inversion (Montgomery's trick); throws if some Z is 0. */
  private inverses(Z: readonly bigint[]): bigint[] {
    const p = this.p;
    const n = Z.length;
    const prefix: bigint[] = new Array<bigint>(n);
    let running = 1n;
    for (let i = 0; i < n; i++) {
      running = (running * Z[i]!) % p;
      prefix[i] = running;
    }
    let inv = invert(running, p);
    const out: bigint[] = new Array<bigint>(n);
    for (let i = n - 1; i >= 0; i--) {
      out[i] = i > 0 ? (inv * prefix[i - 1]!) % p : inv;
      inv = (inv * Z[i]!) % p;
    }
    return out;
  }

  /**
   * Whether the affine x coordinate of P, reduced mod q, equals r; P must not be infinity. Avoids
   * an inversion: tests X ≡ c·Z^2 (mod p) for each candidate x = r + j·q below p.
   */
  xModQEquals(P: Jacobian, r: bigint): boolean {
    const p = this.p;
    const ZZ = (P.Z * P.Z) % p;
    for (let c = r; c < p; c += this.q) {
      if ((c * ZZ - P.X) % p === 0n) return true;
    }
    return false;
  }
}

/** The 32 base-256 digits of k (least significant first); k must be in [0, 2^256). */
export function scalarDigits(k: bigint): Uint8Array {
  const hex = k.toString(16);
  const digits = new Uint8Array(WINDOWS);
  // Two hex characters per digit, read from the end; a missing character is a leading zero.
  for (let w = 0, end = hex.length; w < WINDOWS && end > 0; w++, end -= 2) {
    digits[w] = (end > 1 ? hexValue(hex.charCodeAt(end - 2)) << 4 : 0) | hexValue(hex.charCodeAt(end - 1));
  }
  return digits;
}

/** The value of one lower-case hex character's code. */
function hexValue(code: number): number {
  return code <= 57 ? code - 48 : code - 87;
}

/** Width-5 non-adjacent form of k >= 0, least significant digit first; digits are 0 or odd in [-15, 15]. */
export function wnaf(k: bigint): Int8Array {
  const out = new Int8Array(k.toString(2).length + 1);
  let n = k;
  let i = 0;
  while (n > 0n) {
    let d = 0;
    if (n & 1n) {
      d = Number(n & 31n);
      if (d >= 16) d -= 32;
      n -= BigInt(d);
    }
    out[i++] = d;
    n >>= 1n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Per-curve and per-key caches

export const arithmeticByCurve = new WeakMap<GostCurve, CurveArithmetic>();
export const arithmeticByParams = new Map<string, CurveArithmetic>();

export function curveParamsKey(c: GostCurve): string {
  return [c.p, c.a, c.b, c.q, c.x, c.y].map((v) => v.toString(16)).join(':');
}

/** The (shared) arithmetic for a curve; curves with equal parameters share tables. */
export function arithmetic(curve: GostCurve): CurveArithmetic {
  let found = arithmeticByCurve.get(curve);
  if (!found) {
    const key = curveParamsKey(curve);
    found = arithmeticByParams.get(key);
    if (!found) {
      found = new CurveArithmetic(curve);
      arithmeticByParams.set(key, found);
    }
    arithmeticByCurve.set(curve, found);
  }
  return found;
}

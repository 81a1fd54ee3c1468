/**
 * Arithmetic modulo a pseudo-Mersenne prime p = 2^256 − c (c < 2^12; CryptoPro-A and tc26 paramSetA
 * have c = 617) without BigInt: an element is 11 limbs of 24 bits in a Float64Array, least
 * significant first, so every limb product (below 2^49) and every column of 11 of them stays an
 * exact double. Elements are kept partly reduced: value below 2^264, limbs below 2^24 except that
 * limb 2 of a product may reach 2^24 + 1; only `toBigInt` and `isZero` work out the residue.
 * Nothing allocates after construction, which is the point: BigInt arithmetic allocates on every
 * operation and was most of a signature's time and garbage.
 */
import { fieldAdd, fieldMul, fieldSqr, fieldSub } from './field256-products.ts';

export const LIMBS = 11;
const RADIX = 16777216; // 2^24
const INV = 1 / RADIX;
const TOP_BITS = 65536; // limb 10 holds bits 240..263: 2^16 of it is 2^256
/** The largest c (exclusive) the reduction's bounds allow. */
const MAX_C = 4096;

/** One field element: 11 limbs of 24 bits. */
export type Fe = Float64Array;

export class Field256 {
  readonly p: bigint;
  /** 2^264 mod p = 256·c: what a carry out of the top limb is worth at the bottom. */
  private readonly fold: number;
  /** 2·(2^264 − fold) = 512·p as unnormalised limbs: added before subtracting so nothing goes negative. */
  private readonly bias: Fe;
  private readonly scratch: Fe;

  constructor(readonly c: number) {
    if (!Number.isInteger(c) || c <= 0 || c >= MAX_C) throw new RangeError('Field256 needs p = 2^256 − c with 0 < c < 2^12');
    this.p = (1n << 256n) - BigInt(c);
    this.fold = 256 * c;
    this.bias = new Float64Array(LIMBS).fill(2 * (RADIX - 1));
    this.bias[0] = 2 * (RADIX - this.fold);
    this.scratch = new Float64Array(LIMBS);
  }

  /** Whether p is 2^256 − c for a c this class handles. */
  static fits(p: bigint): boolean {
    const c = (1n << 256n) - p;
    return c > 0n && c < BigInt(MAX_C);
  }

  create(): Fe {
    return new Float64Array(LIMBS);
  }

  /** The element for x, any integer (reduced mod p first). */
  fromBigInt(x: bigint, o: Fe = this.create()): Fe {
    let v = x % this.p;
    if (v < 0n) v += this.p;
    for (let i = 0; i < LIMBS; i++) {
      o[i] = Number(v & 0xffffffn);
      v >>= 24n;
    }
    return o;
  }

  /**
   * The residue in [0, p). Limbs go over two at a time (48 bits, exact in a double even with limb 2
   * just above 2^24): half the BigInt steps, and half their garbage, of one limb at a time.
   */
  toBigInt(a: Fe): bigint {
    let v = BigInt(a[LIMBS - 1]!);
    for (let i = LIMBS - 2; i > 0; i -= 2) v = (v << 48n) + BigInt(a[i]! * RADIX + a[i - 1]!);
    return v % this.p;
  }

  mul(o: Fe, a: Fe, b: Fe): void {
    fieldMul(o, a, b, this.fold);
  }

  sqr(o: Fe, a: Fe): void {
    fieldSqr(o, a, this.fold);
  }

  /** o = a + b. */
  add(o: Fe, a: Fe, b: Fe): void {
    fieldAdd(o, a, b, this.fold);
  }

  /** o = a − b (mod p). */
  sub(o: Fe, a: Fe, b: Fe): void {
    fieldSub(o, a, b, this.bias, this.fold);
  }

  /** o = k·a for a small non-negative integer k (below 2^20). */
  mulSmall(o: Fe, a: Fe, k: number): void {
    for (let i = 0; i < LIMBS; i++) o[i] = a[i]! * k;
    this.carry(o);
  }

  /**
   * Brings limbs (each below 2^52 in size, the whole value non-negative) back to 24 bits, folding
   * what goes past 2^264 back to the bottom.
   */
  private carry(o: Fe): void {
    let c = 0;
    for (let i = 0; i < LIMBS; i++) {
      const v = o[i]! + c;
      c = Math.floor(v * INV);
      o[i] = v - c * RADIX;
    }
    while (c !== 0) {
      let v = o[0]! + c * this.fold;
      c = Math.floor(v * INV);
      o[0] = v - c * RADIX;
      for (let i = 1; i < LIMBS && c !== 0; i++) {
        v = o[i]! + c;
        c = Math.floor(v * INV);
        o[i] = v - c * RADIX;
      }
    }
  }

  /** Whether a ≡ 0 (mod p); a's limbs as the operations leave them (below 2^24, limb 2 up to 2^24 + 1). */
  isZero(a: Fe): boolean {
    // The multiples of p below 2^264 have limb 5 = 0 (zero) or 2^24 − 1; carrying a limb 2 of 2^24
    // up may add one to it. Anything else is not zero: the usual answer, without the work below.
    const middle = a[5]!;
    if (middle !== 0 && middle < RADIX - 2) return false;
    const t = this.scratch;
    t.set(a);
    this.carry(t); // limbs below 2^24, value below 2^264
    // Fold the bits above 2^256 down (2^256 ≡ c) until none are left: value then below 2^256.
    for (;;) {
      const high = Math.floor(t[LIMBS - 1]! / TOP_BITS);
      if (high === 0) break;
      t[LIMBS - 1] = t[LIMBS - 1]! - high * TOP_BITS;
      t[0] = t[0]! + high * this.c;
      this.carry(t);
    }
    // In [0, 2^256) the multiples of p are 0 and p = 2^256 − c.
    let zero = true;
    for (let i = 0; i < LIMBS; i++) if (t[i] !== 0) zero = false;
    if (zero) return true;
    if (t[0] !== RADIX - this.c) return false;
    for (let i = 1; i < LIMBS - 1; i++) if (t[i] !== RADIX - 1) return false;
    return t[LIMBS - 1] === TOP_BITS - 1;
  }
}

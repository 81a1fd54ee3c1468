/**
 * Comb-table scalar multiplication for curves over p = 2^256 − c (c < 2^12: CryptoPro-A and tc26
 * paramSetA have c = 617) in WebAssembly, assembled at start-up by `wasm-emit.ts`.
 *
 * Why: JavaScript has no 64-bit integer multiply, so the JS limbs were 24-bit values in doubles (11
 * limbs, 121 products a multiplication). WebAssembly's i64 takes 9 limbs of 29 bits (81 products, each
 * below 2^60, a column of nine below 2^64), and the whole point addition and comb loop run on the
 * far side of one call.
 *
 * Field elements: 9 × i64 limbs of 29 bits, least significant first, value below 2^262 and congruent
 * mod p. Operations accept limbs below 2^30 and leave every limb below 2^29 except limb 1, which may
 * reach 2^29 + 2^8; `canon` works out the residue in [0, p). 2^261 ≡ F = 32·c (mod p) folds what a
 * product carries past 2^261 back to the bottom.
 *
 * Memory (imported, owned by `WasmComb`): slots of 72 bytes for the accumulator and temporaries, the
 * digits of the scalars, a 32-byte exchange area, and from page 1 on, comb tables of 32 windows × 256
 * affine entries, end to end. An entry is x then y as 32-byte little-endian numbers, 64 bytes: one
 * cache line, unpacked into limbs when added. (Entries as limbs took 144 bytes, three lines: in a
 * busy server, where the tables are out of the caches, a signature's 32 look-ups and a verification's
 * 64 cost more in memory traffic than in the unpacking.)
 */
import { Code, I32, I64, assemble, type WasmFunction } from './wasm-emit.ts';

const N = 9;
const BITS = 29;
const MASK = (1n << 29n) - 1n;
const ELEMENT = N * 8;
/** A table entry: x then y, each as 32 bytes little-endian (one cache line an entry). */
export const ENTRY = 64;

export const WINDOWS = 32;
export const WINDOW_SIZE = 256;
/** Pages of 64 KiB a table takes (8). */
export const TABLE_PAGES = Math.ceil((WINDOWS * WINDOW_SIZE * ENTRY) / 65536);

// Slots (byte offsets).
const slot = (i: number): number => i * ELEMENT;
const X = slot(0);
const Y = slot(1);
const Z = slot(2);
const ZZ = slot(3);
const H = slot(4);
const R = slot(5);
const HH = slot(6);
const HHH = slot(7);
const V = slot(8);
const T = slot(9);
/** The curve's a, for doublings. */
const A = slot(10);
const YY = slot(11);
const S = slot(12);
const M = slot(13);
const U = slot(14);
/** canon's output inside isZero and toBytes. */
const SCRATCH = slot(15);
/** The table entry being added, unpacked. */
const X2 = slot(16);
const Y2 = slot(17);
/** An i32: whether the accumulator is the point at infinity. */
export const INF = slot(18);
/** An x coordinate to compare the accumulator's with. */
export const X_CANDIDATE = slot(19);
/** An i64 the comb's cache-line reads are folded into. */
const TOUCHED = INF + 8;
export const DIGITS1 = X_CANDIDATE + ELEMENT;
export const DIGITS2 = DIGITS1 + WINDOWS;
/** 32 bytes: a 256-bit little-endian number going in or out. */
export const IO = DIGITS2 + WINDOWS;
export { X as ACC_X, Y as ACC_Y, Z as ACC_Z, A as CURVE_A };

// Function indices (their order in `functions` below).
const F_MUL = 0;
const F_SQR = 1;
const F_ADD = 2;
const F_SUB = 3;
const F_CANON = 4;
const F_ISZERO = 5;
const F_DBL = 6;
const F_ADD_AFFINE = 7;
const F_FROM_BYTES = 10;

function loadElement(c: Code, ptr: number, into: readonly number[]): void {
  for (let i = 0; i < N; i++) c.get(ptr).i64Load(8 * i).set(into[i]!);
}

function storeElement(c: Code, ptr: number, from: readonly number[]): void {
  for (let i = 0; i < N; i++) c.get(ptr).get(from[i]!).i64Store(8 * i);
}

/** l[k+1] += l[k] >> 29, l[k] &= mask, for k in [from, to). */
function carry(c: Code, l: readonly number[], from: number, to: number): void {
  for (let k = from; k < to; k++) {
    c.get(l[k + 1]!).get(l[k]!).i64(BITS).i64ShrU().i64Add().set(l[k + 1]!);
    c.get(l[k]!).i64(MASK).i64And().set(l[k]!);
  }
}

/**
 * Carries limbs 0..8 and folds what passes 2^261 into limb 0 (× F), then carries limb 0 into limb 1
 * once. `top` is a spare local. Limbs in must leave the chain's sums below 2^64.
 */
function carryAndFold(c: Code, l: readonly number[], top: number, fold: bigint): void {
  carry(c, l, 0, N - 1);
  c.get(l[N - 1]!).i64(BITS).i64ShrU().set(top);
  c.get(l[N - 1]!).i64(MASK).i64And().set(l[N - 1]!);
  c.get(l[0]!).get(top).i64(fold).i64Mul().i64Add().set(l[0]!);
  carry(c, l, 0, 1);
}

function mulFunction(fold: bigint, square: boolean): WasmFunction {
  const c = new Code(square ? 2 : 3);
  const [o, pa, pb] = [0, 1, square ? 1 : 2];
  const a = c.localsOf(I64, N);
  const b = c.localsOf(I64, N);
  const t = c.localsOf(I64, 2 * N);
  loadElement(c, pa, a);
  if (square) {
    // b holds 2·a: the cross terms a_i·a_j (i < j) appear twice in the column.
    for (let i = 0; i < N; i++) c.get(a[i]!).get(a[i]!).i64Add().set(b[i]!);
  } else {
    loadElement(c, pb, b);
  }
  for (let k = 0; k < 2 * N - 1; k++) {
    let first = true;
    for (let i = Math.max(0, k - N + 1); i <= Math.min(k, N - 1); i++) {
      const j = k - i;
      if (square && i > j) continue;
      if (square && i === j) c.get(a[i]!).get(a[i]!);
      else c.get(a[i]!).get(b[j]!);
      c.i64Mul();
      if (!first) c.i64Add();
      first = false;
    }
    c.set(t[k]!);
  }
  // Columns below 9·2^60: carry them into 18 limbs of 29 bits (t[17] takes the last carry).
  c.i64(0).set(t[2 * N - 1]!);
  carry(c, t, 0, 2 * N - 1);
  // Fold limbs 9..17 (× 2^261 ≡ F) onto 0..8: each sum below 2^47.
  for (let k = 0; k < N; k++) c.get(t[k]!).get(t[k + N]!).i64(fold).i64Mul().i64Add().set(t[k]!);
  carryAndFold(c, t, t[N]!, fold);
  storeElement(c, o, t);
  return { params: square ? [I32, I32] : [I32, I32, I32], results: [], code: c, export: square ? 'sqr' : 'mul' };
}

function addFunction(fold: bigint, subtract: boolean): WasmFunction {
  const c = new Code(3);
  const a = c.localsOf(I64, N);
  const b = c.localsOf(I64, N);
  const top = c.local(I64);
  loadElement(c, 1, a);
  loadElement(c, 2, b);
  // a − b as a + (4·(2^261 − F) − b): every limb of that multiple of p is at least 2^30, above any
  // limb b may have, so nothing goes negative; the sums stay below 2^33.
  const bias = (i: number): bigint => (i === 0 ? 4n * ((1n << 29n) - fold) : 4n * MASK);
  for (let i = 0; i < N; i++) {
    c.get(a[i]!);
    if (subtract) c.i64(bias(i)).i64Add().get(b[i]!).i64Sub();
    else c.get(b[i]!).i64Add();
    c.set(a[i]!);
  }
  carryAndFold(c, a, top, fold);
  storeElement(c, 0, a);
  return { params: [I32, I32, I32], results: [], code: c, export: subtract ? 'sub' : 'add' };
}

/** canon(o, a): o = a mod p in [0, p), limbs of exactly 29 bits. */
function canonFunction(fold: bigint, cValue: bigint): WasmFunction {
  const c = new Code(2);
  const l = c.localsOf(I64, N);
  const u = c.localsOf(I64, N);
  const top = c.local(I64);
  const cond = c.local(I32);
  loadElement(c, 1, l);
  carryAndFold(c, l, top, fold);
  carryAndFold(c, l, top, fold);
  carry(c, l, 0, N - 1); // now below 2^261 with 29-bit limbs
  // Limb 8 holds bits 232..260: fold what is past 2^256 (× c) twice; the value is then below 2^256.
  for (let round = 0; round < 2; round++) {
    c.get(l[N - 1]!).i64(24).i64ShrU().set(top);
    c.get(l[N - 1]!).i64((1n << 24n) - 1n).i64And().set(l[N - 1]!);
    c.get(l[0]!).get(top).i64(cValue).i64Mul().i64Add().set(l[0]!);
    carry(c, l, 0, N - 1);
  }
  // value ≥ p exactly when value + c reaches 2^256; then value − p = value + c − 2^256.
  for (let i = 0; i < N; i++) c.get(l[i]!).set(u[i]!);
  c.get(u[0]!).i64(cValue).i64Add().set(u[0]!);
  carry(c, u, 0, N - 1);
  c.get(u[N - 1]!).i64(24).i64ShrU().i32WrapI64().set(cond);
  c.get(u[N - 1]!).i64((1n << 24n) - 1n).i64And().set(u[N - 1]!);
  for (let i = 0; i < N; i++) c.get(u[i]!).get(l[i]!).get(cond).select().set(l[i]!);
  storeElement(c, 0, l);
  return { params: [I32, I32], results: [], code: c, export: 'canon' };
}

/**
 * isZero(a): whether a ≡ 0 (mod p), for a as the operations leave it. The multiples of p below 2^262
 * have limb 4 equal to 0 or 2^29 − 1 (one less when limb 1's excess carries through limbs 2 and 3):
 * any other limb 4 answers at once, without the reduction.
 */
function isZeroFunction(): WasmFunction {
  const c = new Code(1);
  const l4 = c.local(I64);
  c.get(0).i64Load(32).tee(l4).i64(0).i64Ne();
  c.get(l4).i64(MASK - 1n).i64LtU();
  c.i32And().if().i32(0).return().end();
  c.i32(SCRATCH).get(0).call(F_CANON);
  c.i32(SCRATCH).i64Load(0);
  for (let i = 1; i < N; i++) c.i32(SCRATCH).i64Load(8 * i).i64Or();
  c.i64Eqz();
  return { params: [I32], results: [I32], code: c, export: 'isZero' };
}

/** Emits f(o, a, b) on slot offsets. */
function op3(c: Code, f: number, o: number, a: number, b: number): void {
  c.i32(o).i32(a).i32(b).call(f);
}

function op2(c: Code, f: number, o: number, a: number): void {
  c.i32(o).i32(a).call(f);
}

/** The accumulator doubled in place (any a): 2007 Bernstein–Lange dbl, with M = 3X² + a·Z⁴. */
function doubleFunction(): WasmFunction {
  const c = new Code(0);
  op2(c, F_SQR, YY, Y);
  c.i32(YY).call(F_ISZERO).if().i32(INF).i32(1).i32Store().return().end();
  op3(c, F_MUL, S, X, YY);
  op3(c, F_ADD, S, S, S);
  op3(c, F_ADD, S, S, S); // S = 4·X·Y²
  op2(c, F_SQR, ZZ, Z);
  op2(c, F_SQR, M, X);
  op3(c, F_ADD, U, M, M);
  op3(c, F_ADD, M, U, M); // 3·X²
  op2(c, F_SQR, T, ZZ);
  op3(c, F_MUL, T, A, T);
  op3(c, F_ADD, M, M, T); // M = 3·X² + a·Z⁴
  op3(c, F_MUL, Z, Y, Z);
  op3(c, F_ADD, Z, Z, Z); // Z3 = 2·Y·Z (before Y changes)
  op2(c, F_SQR, X, M);
  op3(c, F_SUB, X, X, S);
  op3(c, F_SUB, X, X, S); // X3 = M² − 2S
  op3(c, F_SUB, T, S, X);
  op3(c, F_MUL, T, M, T);
  op2(c, F_SQR, U, YY);
  op3(c, F_ADD, U, U, U);
  op3(c, F_ADD, U, U, U);
  op3(c, F_ADD, U, U, U); // 8·Y⁴
  op3(c, F_SUB, Y, T, U); // Y3 = M·(S − X3) − 8·Y⁴
  return { params: [], results: [], code: c };
}

/** addAffine(x2, y2): the accumulator += the affine point at those offsets (8M + 3S). */
function addAffineFunction(): WasmFunction {
  const c = new Code(2);
  const [x2, y2] = [0, 1];
  // From infinity: the sum is the point itself.
  c.i32(INF).i32Load().if();
  for (let k = 0; k < N; k++) {
    c.i32(X).get(x2).i64Load(8 * k).i64Store(8 * k);
    c.i32(Y).get(y2).i64Load(8 * k).i64Store(8 * k);
    c.i32(Z).i64(k === 0 ? 1 : 0).i64Store(8 * k);
  }
  c.i32(INF).i32(0).i32Store().return().end();
  const mulBy = (o: number, a: number, pb: number): void => {
    c.i32(o).i32(a).get(pb).call(F_MUL);
  };
  op2(c, F_SQR, ZZ, Z);
  mulBy(H, ZZ, x2);
  op3(c, F_SUB, H, H, X); // H = x2·Z² − X
  op3(c, F_MUL, T, Z, ZZ);
  mulBy(R, T, y2);
  op3(c, F_SUB, R, R, Y); // R = y2·Z³ − Y
  // Same x: the same point (double it) or its negative (the sum is infinity).
  c.i32(H).call(F_ISZERO).if();
  c.i32(R).call(F_ISZERO).if().call(F_DBL).else().i32(INF).i32(1).i32Store().end();
  c.return().end();
  op2(c, F_SQR, HH, H);
  op3(c, F_MUL, HHH, H, HH);
  op3(c, F_MUL, V, X, HH); // V = X·H²
  op2(c, F_SQR, T, R);
  op3(c, F_SUB, T, T, HHH);
  op3(c, F_SUB, T, T, V);
  op3(c, F_SUB, X, T, V); // X3 = R² − H³ − 2V
  op3(c, F_MUL, Y, Y, HHH);
  op3(c, F_SUB, V, V, X);
  op3(c, F_MUL, V, R, V);
  op3(c, F_SUB, Y, V, Y); // Y3 = R·(V − X3) − Y·H³
  op3(c, F_MUL, Z, Z, H); // Z3 = Z·H
  return { params: [I32, I32], results: [], code: c };
}

/**
 * comb(t1, d1, t2, d2): the accumulator += Σ_w table1[w][d1[w]] (+ the same for table 2 when t2 is
 * not 0): one mixed addition per non-zero base-256 digit, windows interleaved.
 */
function combFunction(): WasmFunction {
  const c = new Code(4);
  const [t1, d1, t2, d2] = [0, 1, 2, 3];
  const w = c.local(I32);
  const d = c.local(I32);
  const e = c.local(I32);
  const touched = c.local(I64);
  /** e = the entry of the digit at w, with `then` run when the digit is not 0. */
  const entry = (table: number, digits: number, then: () => void): void => {
    c.get(digits).get(w).i32Add().i32Load8u().tee(d).if();
    c.get(table).get(w).i32(WINDOW_SIZE).i32Mul().get(d).i32Add().i32(ENTRY).i32Mul().i32Add().set(e);
    then();
    c.end();
  };
  const windows = (body: () => void): void => {
    c.i32(0).set(w);
    c.loop();
    body();
    c.get(w).i32(1).i32Add().tee(w).i32(WINDOWS).i32LtU().brIf(0);
    c.end();
  };
  const touch = (): void => void c.get(touched).get(e).i64Load().i64Xor().set(touched);
  const add = (): void => {
    c.i32(X2).get(e).call(F_FROM_BYTES);
    c.i32(Y2).get(e).i32(32).i32Add().call(F_FROM_BYTES);
    c.i32(X2).i32(Y2).call(F_ADD_AFFINE);
  };
  // First read one word of every entry the sum needs: independent loads the processor runs at once,
  // where the additions would wait for each cache line in turn. The result is kept in memory so that
  // the loads stay.
  windows(() => {
    entry(t1, d1, touch);
    c.get(t2).if();
    entry(t2, d2, touch);
    c.end();
  });
  c.i32(TOUCHED).get(touched).i64Store();
  windows(() => {
    entry(t1, d1, add);
    c.get(t2).if();
    entry(t2, d2, add);
    c.end();
  });
  return { params: [I32, I32, I32, I32], results: [], code: c, export: 'comb' };
}

/** toBytes(dst, src): the residue of the element at src as 32 bytes, little-endian, at dst. */
function toBytesFunction(): WasmFunction {
  const c = new Code(2);
  const l = c.localsOf(I64, N);
  c.i32(SCRATCH).get(1).call(F_CANON);
  for (let i = 0; i < N; i++) c.i32(SCRATCH).i64Load(8 * i).set(l[i]!);
  // Limb i starts at bit 29·i: word w gathers the limbs that overlap bits 64w..64w+63.
  for (let word = 0; word < 4; word++) {
    c.get(0); // dst
    let first = true;
    for (let i = 0; i < N; i++) {
      const start = BITS * i - 64 * word;
      if (start >= 64 || start + BITS <= 0) continue;
      c.get(l[i]!);
      if (start > 0) c.i64(start).i64Shl();
      else if (start < 0) c.i64(-start).i64ShrU();
      if (!first) c.i64Or();
      first = false;
    }
    c.i64Store(8 * word);
  }
  return { params: [I32, I32], results: [], code: c, export: 'toBytes' };
}

/** fromBytes(dst, src): the 256-bit little-endian number at src as an element at dst. */
function fromBytesFunction(): WasmFunction {
  const c = new Code(2);
  const w = c.localsOf(I64, 4);
  for (let i = 0; i < 4; i++) c.get(1).i64Load(8 * i).set(w[i]!);
  for (let i = 0; i < N; i++) {
    c.get(0);
    const start = BITS * i;
    const word = Math.floor(start / 64);
    const shift = start - 64 * word;
    c.get(w[word]!);
    if (shift > 0) c.i64(shift).i64ShrU();
    if (shift + BITS > 64 && word + 1 < 4) c.get(w[word + 1]!).i64(64 - shift).i64Shl().i64Or();
    c.i64(MASK).i64And().i64Store(8 * i);
  }
  return { params: [I32, I32], results: [], code: c, export: 'fromBytes' };
}

/**
 * xEquals(x): whether the accumulator (not infinity) has the affine x coordinate x, i.e. X ≡ x·Z²
 * (mod p): a verification's last check without an inversion or the point leaving the module.
 */
function xEqualsFunction(): WasmFunction {
  const c = new Code(1);
  op2(c, F_SQR, ZZ, Z);
  c.i32(T).get(0).i32(ZZ).call(F_MUL);
  op3(c, F_SUB, T, T, X);
  c.i32(T).call(F_ISZERO);
  return { params: [I32], results: [I32], code: c, export: 'xEquals' };
}

/** The largest c (exclusive) the reduction's bounds allow: F = 32·c stays below 2^17. */
const MAX_C = 4096;

/** c for a prime p = 2^256 − c this module handles, or undefined for any other p. */
export function pseudoMersenneC(p: bigint): number | undefined {
  const c = (1n << 256n) - p;
  return c > 0n && c < BigInt(MAX_C) ? Number(c) : undefined;
}

/** The module's bytes for p = 2^256 − c. */
export function curveModule(cValue: number): Uint8Array {
  if (!Number.isInteger(cValue) || cValue <= 0 || cValue >= MAX_C) throw new RangeError('the WebAssembly comb needs p = 2^256 − c with 0 < c < 2^12');
  const fold = 32n * BigInt(cValue);
  const functions: WasmFunction[] = [
    mulFunction(fold, false),
    mulFunction(fold, true),
    addFunction(fold, false),
    addFunction(fold, true),
    canonFunction(fold, BigInt(cValue)),
    isZeroFunction(),
    doubleFunction(),
    addAffineFunction(),
    combFunction(),
    toBytesFunction(),
    fromBytesFunction(),
    xEqualsFunction(),
  ];
  return assemble(functions, 1);
}

export interface CurveExports {
  mul(o: number, a: number, b: number): void;
  sqr(o: number, a: number): void;
  add(o: number, a: number, b: number): void;
  sub(o: number, a: number, b: number): void;
  canon(o: number, a: number): void;
  isZero(a: number): number;
  comb(t1: number, d1: number, t2: number, d2: number): void;
  toBytes(dst: number, src: number): void;
  fromBytes(dst: number, src: number): void;
  xEquals(x: number): number;
}

const compiled = new Map<number, WebAssembly.Module>();

/** A new instance on its own memory (compiled once per c). */
export function instantiateCurve(cValue: number): { memory: WebAssembly.Memory; exports: CurveExports } {
  let module = compiled.get(cValue);
  if (!module) compiled.set(cValue, (module = new WebAssembly.Module(curveModule(cValue))));
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { memory, exports: instance.exports as unknown as CurveExports };
}
